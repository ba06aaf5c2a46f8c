/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The analysis driver: one cursor per subscribed class (rows of one trace, in rowid order),
 * merged by rowid, dispatched to every subscriber.
 */
#include "analyze.h"
#include "spool.h"
#include "../core/progress.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const struct nt_analysis nt_irq_analysis;
extern const struct nt_analysis nt_skb_analysis;
extern const struct nt_analysis nt_alloc_analysis;
extern const struct nt_analysis nt_funcs_analysis;
extern const struct nt_analysis nt_profile_analysis;
extern const struct nt_analysis nt_workload_analysis;

static const struct nt_analysis *const analyses[] = {
	&nt_irq_analysis,
	&nt_skb_analysis,
	&nt_alloc_analysis,
	&nt_funcs_analysis,
	&nt_profile_analysis,
	&nt_workload_analysis,
	NULL,
};

const struct nt_analysis *const *nt_analyses(void)
{
	return analyses;
}

struct window {
	int cpu;
	int64_t from, to;
};

struct nt_actx {
	sqlite3 *db;
	int64_t trace;
	struct window *lost;
	int nlost;
	sqlite3_stmt *note;
};

/* A subscriber of a class: which analysis, which subscription, its field slots. */
struct subscriber {
	int analysis;
	const struct nt_sub *sub;
	int *slot;
};

struct cursor {
	char *cls;
	sqlite3_stmt *st;
	int64_t rowid; /* of the current row */
	bool done;
	char **fields; /* the union of subscribed fields (owned) */
	int nfields;
	struct subscriber *subs;
	int nsubs;
};

/* A spooled value of field @f, or NULL when the trace lacks the field. */
static struct nt_spool_val *sval(const struct nt_ev *e, int f)
{
	return e->slot[f] >= 0 ? &e->vals[e->slot[f]] : NULL;
}

/* A text's leading integer, as SQLite reads one (sqlite3Atoi64: saturating, 0 when none). */
static int64_t text_int(const char *s, int n)
{
	const char *end = s + n;
	uint64_t u = 0, lim;
	bool neg = false, over = false;

	while (s < end && (*s == ' ' || (*s >= '\t' && *s <= '\r')))
		s++;
	if (s < end && (*s == '-' || *s == '+'))
		neg = *s++ == '-';
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		if (u > (lim - (uint64_t)(*s - '0')) / 10)
			over = true;
		else
			u = u * 10 + (uint64_t)(*s - '0');
	}
	if (over)
		return neg ? INT64_MIN : INT64_MAX;
	return neg ? (int64_t)(0 - u) : (int64_t)u;
}

bool nt_ev_has(const struct nt_ev *e, int f)
{
	if (!e->st) {
		const struct nt_spool_val *v = sval(e, f);
		return v && v->type != SQLITE_NULL;
	}
	return e->slot[f] >= 0 && sqlite3_column_type(e->st, e->slot[f]) != SQLITE_NULL;
}

int64_t nt_ev_int(const struct nt_ev *e, int f)
{
	if (!e->st) {
		const struct nt_spool_val *v = sval(e, f);
		if (!v)
			return 0;
		switch (v->type) {
		case SQLITE_INTEGER:
			return v->i;
		case SQLITE_FLOAT: /* sqlite3RealToI64 */
			return v->r <= -9223372036854775808.0  ? INT64_MIN
			       : v->r >= 9223372036854775807.0 ? INT64_MAX
							       : (int64_t)v->r;
		case SQLITE_TEXT:
		case SQLITE_BLOB:
			return text_int(v->s, v->n);
		default:
			return 0;
		}
	}
	return e->slot[f] >= 0 ? sqlite3_column_int64(e->st, e->slot[f]) : 0;
}

const char *nt_ev_text(const struct nt_ev *e, int f)
{
	if (!e->st) {
		struct nt_spool_val *v = sval(e, f);
		if (!v || v->type == SQLITE_NULL)
			return NULL;
		if (v->type == SQLITE_INTEGER)
			snprintf(v->num, sizeof(v->num), "%lld", (long long)v->i);
		else if (v->type == SQLITE_FLOAT) /* as sqlite3VdbeMemStringify */
			sqlite3_snprintf((int)sizeof(v->num), v->num, "%!.15g", v->r);
		else
			return v->s;
		return v->num;
	}
	return e->slot[f] >= 0 ? (const char *)sqlite3_column_text(e->st, e->slot[f]) : NULL;
}

int nt_ev_type(const struct nt_ev *e, int f)
{
	if (!e->st) {
		const struct nt_spool_val *v = sval(e, f);
		return v ? v->type : SQLITE_NULL;
	}
	return e->slot[f] >= 0 ? sqlite3_column_type(e->st, e->slot[f]) : SQLITE_NULL;
}

const void *nt_ev_blob(const struct nt_ev *e, int f, int *n)
{
	const void *b;

	*n = 0;
	if (!e->st) {
		const struct nt_spool_val *v = sval(e, f);
		if (!v || v->type == SQLITE_NULL)
			return NULL;
		if (v->type == SQLITE_TEXT || v->type == SQLITE_BLOB) {
			*n = v->n;
			return v->n ? v->s : NULL; /* SQLite's zero-length blob is NULL */
		}
		b = nt_ev_text(e, f); /* a number: its text, as sqlite3_column_blob gives */
		*n = (int)strlen(b);
		return b;
	}
	if (e->slot[f] < 0)
		return NULL;
	b = sqlite3_column_blob(e->st, e->slot[f]);
	*n = sqlite3_column_bytes(e->st, e->slot[f]);
	return b;
}

sqlite3 *nt_actx_db(struct nt_actx *ax)
{
	return ax->db;
}

int64_t nt_actx_trace(struct nt_actx *ax)
{
	return ax->trace;
}

bool nt_actx_lossy(struct nt_actx *ax, int cpu, int64_t from, int64_t to)
{
	for (int i = 0; i < ax->nlost; i++) {
		const struct window *w = &ax->lost[i];
		if ((w->cpu == cpu || w->cpu < 0) && w->from <= to && w->to >= from)
			return true;
	}
	return false;
}

void nt_actx_note(struct nt_actx *ax, const char *analysis, const char *key, int64_t value)
{
	if (!ax->note)
		return;
	sqlite3_bind_text(ax->note, 2, analysis, -1, SQLITE_STATIC);
	sqlite3_bind_text(ax->note, 3, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(ax->note, 4, value);
	sqlite3_step(ax->note);
	sqlite3_reset(ax->note);
}

sqlite3_stmt *nt_actx_prepare(struct nt_actx *ax, const char *sql, struct nt_err **err)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(ax->db, sql, -1, &st, NULL) != SQLITE_OK) {
		nt_err_set(err, nt_err_new(NT_E_FAIL, "analysis: cannot prepare '%.60s...': %s",
					   sql, sqlite3_errmsg(ax->db)));
		return NULL;
	}
	return st;
}

int nt_actx_put(struct nt_actx *ax, sqlite3_stmt *st, const char *table, struct nt_err **err)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	return nt_err_set(
		err, nt_err_new(NT_E_FAIL, "cannot store %s: %s", table, sqlite3_errmsg(ax->db)));
}

void nt_stat_add(struct nt_stat *s, double x)
{
	double d;

	if (!s->n || x < s->min)
		s->min = x;
	if (!s->n || x > s->max)
		s->max = x;
	s->n++;
	d = x - s->mean;
	s->mean += d / (double)s->n;
	s->m2 += d * (x - s->mean);
}

double nt_stat_stdev(const struct nt_stat *s)
{
	return s->n > 1 ? sqrt(s->m2 / (double)(s->n - 1)) : 0;
}

static char *quote(const char *name)
{
	size_t n = strlen(name);
	char *s = malloc(2 * n + 3), *p = s;

	if (!s)
		return NULL;
	*p++ = '"';
	for (size_t i = 0; i < n; i++) {
		if (name[i] == '"')
			*p++ = '"';
		*p++ = name[i];
	}
	*p++ = '"';
	*p = '\0';
	return s;
}

static bool has_column(sqlite3 *db, const char *qtable, const char *col)
{
	char sql[512];
	sqlite3_stmt *st;
	bool found = false;

	snprintf(sql, sizeof(sql), "SELECT 1 FROM pragma_table_info(%s) WHERE name=?", qtable);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(st, 1, col, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

static void cursor_free(struct cursor *c)
{
	sqlite3_finalize(c->st);
	for (int i = 0; i < c->nfields; i++)
		free(c->fields[i]);
	free(c->fields);
	for (int i = 0; i < c->nsubs; i++)
		free(c->subs[i].slot);
	free(c->subs);
	free(c->cls);
}

static int field_index(struct cursor *c, const char *f)
{
	char **x;

	for (int i = 0; i < c->nfields; i++)
		if (!strcmp(c->fields[i], f))
			return i;
	x = realloc(c->fields, (size_t)(c->nfields + 1) * sizeof(*x));
	if (!x)
		return -1;
	c->fields = x;
	c->fields[c->nfields] = strdup(f);
	return c->fields[c->nfields] ? c->nfields++ : -1;
}

/* Build the cursor of class @cls for the trace: subscribers, fields, statement. */
static int open_cursor(struct nt_actx *ax, struct cursor *c, int64_t first, int64_t last,
		       struct nt_err **err)
{
	char *qt = quote(c->cls), *sql = NULL;
	size_t len = 0;
	FILE *m;
	int *present = NULL, rc = -1;

	if (!qt)
		goto oom;
	/* union of fields; each subscriber's slots point at its fields' columns */
	for (int i = 0; i < c->nsubs; i++) {
		const struct nt_sub *sub = c->subs[i].sub;
		int n = 0;

		while (sub->fields && sub->fields[n])
			n++;
		c->subs[i].slot = calloc((size_t)n + 1, sizeof(int));
		if (!c->subs[i].slot)
			goto oom;
		for (int f = 0; f < n; f++)
			if ((c->subs[i].slot[f] = field_index(c, sub->fields[f])) < 0)
				goto oom;
	}
	present = calloc((size_t)c->nfields + 1, sizeof(int));
	if (!present)
		goto oom;
	m = open_memstream(&sql, &len);
	if (!m)
		goto oom;
	fprintf(m, "SELECT rowid, common_ts, common_cpu, common_pid, common_task");
	for (int f = 0, col = 5; f < c->nfields; f++) {
		present[f] = has_column(ax->db, qt, c->fields[f]) ? col++ : -1;
		if (present[f] >= 0) {
			char *qf = quote(c->fields[f]);
			fprintf(m, ", %s", qf ? qf : "NULL");
			free(qf);
		}
	}
	fprintf(m, " FROM %s WHERE rowid BETWEEN %lld AND %lld AND trace_id = %lld ORDER BY rowid",
		qt, (long long)first, (long long)last, (long long)ax->trace);
	fclose(m);
	for (int i = 0; i < c->nsubs; i++) {
		const struct nt_sub *sub = c->subs[i].sub;
		for (int f = 0; sub->fields && sub->fields[f]; f++)
			c->subs[i].slot[f] = present[c->subs[i].slot[f]];
	}
	if (sqlite3_prepare_v2(ax->db, sql, -1, &c->st, NULL) != SQLITE_OK) {
		nt_err_set(err, nt_err_new(NT_E_FAIL, "analysis: cannot read %s: %s", c->cls,
					   sqlite3_errmsg(ax->db)));
		goto out;
	}
	rc = 0;
	goto out;
oom:
	nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
out:
	free(present);
	free(sql);
	free(qt);
	return rc;
}

static int step(struct nt_actx *ax, struct cursor *c, struct nt_err **err)
{
	int r = sqlite3_step(c->st);

	if (r == SQLITE_ROW) {
		c->rowid = sqlite3_column_int64(c->st, 0);
		return 0;
	}
	c->done = true;
	if (r != SQLITE_DONE)
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "analysis: cannot read %s: %s", c->cls,
						  sqlite3_errmsg(ax->db)));
	return 0;
}

static int load_lost(struct nt_actx *ax, struct nt_err **err)
{
	sqlite3_stmt *st =
		nt_actx_prepare(ax,
				"SELECT cpu, coalesce(ts_from, 0), coalesce(ts_to, "
				"9223372036854775807) FROM lost_windows WHERE trace_id=?",
				err);

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, ax->trace);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct window *w = realloc(ax->lost, (size_t)(ax->nlost + 1) * sizeof(*w));
		if (!w)
			break;
		ax->lost = w;
		w[ax->nlost++] =
			(struct window){sqlite3_column_int(st, 0), sqlite3_column_int64(st, 1),
					sqlite3_column_int64(st, 2)};
	}
	sqlite3_finalize(st);
	return 0;
}

static int setup_tables(struct nt_actx *ax, struct nt_err **err)
{
	char sql[256];

	if (sqlite3_exec(ax->db,
			 "CREATE TABLE IF NOT EXISTS analysis_notes(trace_id INTEGER NOT NULL, "
			 "analysis TEXT NOT NULL, key TEXT NOT NULL, value INTEGER)",
			 NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	snprintf(sql, sizeof(sql), "DELETE FROM analysis_notes WHERE trace_id=%lld",
		 (long long)ax->trace);
	if (sqlite3_exec(ax->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	for (const struct nt_analysis *const *a = analyses; *a; a++) {
		if (sqlite3_exec(ax->db, (*a)->schema, NULL, NULL, NULL) != SQLITE_OK)
			goto fail;
		for (const char *const *t = (*a)->tables; *t; t++) {
			snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE trace_id=%lld", *t,
				 (long long)ax->trace);
			if (sqlite3_exec(ax->db, sql, NULL, NULL, NULL) != SQLITE_OK)
				goto fail;
		}
	}
	ax->note = nt_actx_prepare(ax, "INSERT INTO analysis_notes VALUES(?,?,?,?)", err);
	if (!ax->note)
		return -1;
	sqlite3_bind_int64(ax->note, 1, ax->trace);
	return 0;
fail:
	return nt_err_set(err,
			  nt_err_new(NT_E_FAIL, "analysis: cannot prepare the derived tables: %s",
				     sqlite3_errmsg(ax->db)));
}

/* Add to @c every analysis' subscription to class @cls (their slots still NULL). */
static int subscribe(struct cursor *c, const char *cls)
{
	for (int a = 0; analyses[a]; a++)
		for (const struct nt_sub *s = analyses[a]->subs; s->event; s++) {
			struct subscriber *x;

			if (strcmp(s->event, cls))
				continue;
			x = realloc(c->subs, (size_t)(c->nsubs + 1) * sizeof(*x));
			if (!x)
				return -1;
			c->subs = x;
			c->subs[c->nsubs++] = (struct subscriber){a, s, NULL};
		}
	return 0;
}

/* Cursors for every class of the trace that some analysis subscribes to. */
static int open_cursors(struct nt_actx *ax, struct cursor **out, int *n, struct nt_err **err)
{
	sqlite3_stmt *st =
		nt_actx_prepare(ax,
				"SELECT c.name, tc.first_rowid, tc.last_rowid FROM trace_classes "
				"tc JOIN event_classes c "
				"ON c.id = tc.class_id WHERE tc.trace_id = ? ORDER BY c.name",
				err);
	struct cursor *cs = NULL;
	int nc = 0, rc = 0;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, ax->trace);
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		const char *cls = (const char *)sqlite3_column_text(st, 0);
		struct cursor c = {0};

		if (subscribe(&c, cls)) {
			cursor_free(&c);
			rc = nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
			break;
		}
		if (!c.nsubs) {
			free(c.subs);
			continue;
		}
		c.cls = strdup(cls);
		struct cursor *y = realloc(cs, (size_t)(nc + 1) * sizeof(*y));
		if (y)
			cs = y;
		if (!c.cls || !y) {
			cursor_free(&c);
			rc = nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
			break;
		}
		cs[nc] = c;
		if (open_cursor(ax, &cs[nc], sqlite3_column_int64(st, 1),
				sqlite3_column_int64(st, 2), err) ||
		    step(ax, &cs[nc], err))
			rc = -1;
		nc++;
	}
	sqlite3_finalize(st);
	*out = cs;
	*n = nc;
	return rc;
}

/* How many events of the trace some analysis reads (for progress). */
static uint64_t subscribed_events(struct nt_actx *ax)
{
	sqlite3_stmt *st;
	uint64_t n = 0;

	if (sqlite3_prepare_v2(ax->db,
			       "SELECT c.name, tc.events FROM trace_classes tc JOIN "
			       "event_classes c ON c.id = tc.class_id WHERE tc.trace_id = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_int64(st, 1, ax->trace);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *cls = (const char *)sqlite3_column_text(st, 0);
		bool wanted = false;
		for (int a = 0; analyses[a] && !wanted; a++)
			for (const struct nt_sub *s = analyses[a]->subs; s->event && !wanted; s++)
				wanted = !strcmp(s->event, cls);
		if (wanted)
			n += (uint64_t)sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return n;
}

/*
 * Say which trace failed, keeping the cause: an analysis' own error, or (the handlers of
 * analysis @failed return only -1) SQLite's last failure, e.g. "database or disk is full",
 * with its hint.
 */
static void fail_context(sqlite3 *db, int64_t trace_id, const char *failed, struct nt_err **err)
{
	int rc = sqlite3_errcode(db);
	const char *path = sqlite3_db_filename(db, "main");
	char shown[4096], *tmp;

	if (!err)
		return;
	/* a new database is still under its temporary name (store/): name the final one */
	snprintf(shown, sizeof(shown), "%s", path ? path : "");
	if ((tmp = strstr(shown, ".nettrail-tmp.")))
		*tmp = '\0';
	if (!*err && rc != SQLITE_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
		*err = nt_err_new(NT_E_FAIL, "the %s analysis cannot store its results: %s",
				  failed ? failed : "", sqlite3_errmsg(db));
	else if (!*err)
		*err = nt_err_new(NT_E_FAIL, "the %s analysis ran out of memory",
				  failed ? failed : "");
	if (!nt_err_get_hint(*err))
		nt_err_hint_sql(*err, rc, shown);
	*err = nt_err_wrap(*err, "analysis of trace %lld failed", (long long)trace_id);
}

/* Hand event @e of cursor @c to its subscribers; the analysis that failed in *@failed. */
static int dispatch(struct cursor *c, struct nt_ev *e, void **ctx, const char **failed)
{
	e->cls = c->cls;
	for (int s = 0; s < c->nsubs; s++) {
		e->slot = c->subs[s].slot;
		if (c->subs[s].sub->fn(ctx[c->subs[s].analysis], e)) {
			*failed = analyses[c->subs[s].analysis]->name;
			return -1;
		}
	}
	return 0;
}

/* The events from the tables: the cursors merged by rowid. */
static int from_tables(struct nt_actx *ax, void **ctx, const char **failed, struct nt_err **err)
{
	struct cursor *cs = NULL;
	int nc = 0, rc = -1;
	uint64_t done = 0, total;

	if (open_cursors(ax, &cs, &nc, err))
		goto out;
	total = subscribed_events(ax);
	for (;;) {
		struct cursor *c = NULL;
		struct nt_ev e = {0};

		for (int i = 0; i < nc; i++) /* few classes: a scan beats a heap */
			if (!cs[i].done && (!c || cs[i].rowid < c->rowid))
				c = &cs[i];
		if (!c)
			break;
		e.rowid = c->rowid;
		e.ts = sqlite3_column_int64(c->st, 1);
		e.cpu = sqlite3_column_int(c->st, 2);
		e.pid = sqlite3_column_int(c->st, 3);
		e.task = sqlite3_column_int64(c->st, 4);
		e.st = c->st;
		if (dispatch(c, &e, ctx, failed) || step(ax, c, err))
			goto out;
		if (!(++done & 0xffff))
			nt_progress("analyzing", done, total, 0);
	}
	nt_progress("analyzing", done, total, 1);
	rc = 0;
out:
	for (int i = 0; i < nc; i++)
		cursor_free(&cs[i]);
	free(cs);
	return rc;
}

/*
 * The subscribers of spooled class version @ver, their slots the positions of their fields
 * among the version's (-1: the trace lacks the field, as a column the table lacks).
 */
static int version_cursor(struct nt_spool *sp, uint32_t ver, struct cursor *c)
{
	uint32_t nf;
	const char *const *fields;
	const char *cls = nt_spool_ver(sp, ver, &nf, &fields);

	memset(c, 0, sizeof(*c));
	if (subscribe(c, cls))
		return -1;
	for (int i = 0; i < c->nsubs; i++) {
		const char *const *want = c->subs[i].sub->fields;
		int n = 0;

		while (want && want[n])
			n++;
		if (!(c->subs[i].slot = calloc((size_t)n + 1, sizeof(int))))
			return -1;
		for (int f = 0; f < n; f++) {
			c->subs[i].slot[f] = -1;
			for (uint32_t k = 0; k < nf; k++)
				if (!strcmp(fields[k], want[f]))
					c->subs[i].slot[f] = (int)k;
		}
	}
	c->cls = (char *)cls; /* the spool's: not owned */
	return 0;
}

/* The events from the import's spool (rewound), in the order they were stored: rowid order. */
static int from_spool(struct nt_spool *sp, void **ctx, const char **failed, struct nt_err **err)
{
	uint32_t nv = nt_spool_nvers(sp);
	struct cursor *vs = calloc((size_t)nv + 1, sizeof(*vs));
	uint64_t done = 0, total = nt_spool_events(sp);
	struct nt_spool_rec r;
	int rc = -1, got;

	if (!vs)
		goto fail;
	for (uint32_t v = 0; v < nv; v++)
		if (version_cursor(sp, v, &vs[v]))
			goto fail;
	while ((got = nt_spool_next(sp, &r)) == 1) {
		struct nt_ev e = {.rowid = r.rowid,
				  .ts = r.ts,
				  .task = r.task,
				  .cpu = r.cpu,
				  .pid = r.pid,
				  .vals = r.vals};

		if (dispatch(&vs[r.ver], &e, ctx, failed))
			goto out;
		if (!(++done & 0xffff))
			nt_progress("analyzing", done, total, 0);
	}
	if (got < 0) {
		nt_err_set(err,
			   nt_err_new(NT_E_FAIL, "analysis: cannot read back the events spooled "
						 "in a temporary file"));
		goto out;
	}
	nt_progress("analyzing", done, total, 1);
	rc = 0;
	goto out;
fail:
	nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
out:
	for (uint32_t v = 0; vs && v < nv; v++) {
		vs[v].cls = NULL; /* the spool's */
		cursor_free(&vs[v]);
	}
	free(vs);
	return rc;
}

int nt_analyze_trace_spool(sqlite3 *db, int64_t trace_id, struct nt_spool *sp, struct nt_err **err)
{
	struct nt_actx ax = {.db = db, .trace = trace_id};
	void *ctx[16] = {0};
	int na = 0, rc = -1;
	const char *failed = NULL; /* the analysis whose handler failed */

	for (na = 0; analyses[na]; na++)
		;
	if (setup_tables(&ax, err) || load_lost(&ax, err))
		goto out;
	for (int a = 0; a < na; a++)
		if (analyses[a]->begin(&ax, &ctx[a], err))
			goto out;
	/* the spool when it can be read from its start, else the tables */
	if (nt_spool_usable(sp) && !nt_spool_rewind(sp) ? from_spool(sp, ctx, &failed, err)
							: from_tables(&ax, ctx, &failed, err))
		goto out;
	for (int a = 0; a < na; a++)
		if (analyses[a]->end(ctx[a], &ax, err))
			goto out;
	rc = 0;
out:
	if (rc)
		fail_context(db, trace_id, failed, err);
	for (int a = 0; a < na; a++)
		if (ctx[a])
			analyses[a]->free(ctx[a]);
	free(ax.lost);
	sqlite3_finalize(ax.note);
	return rc;
}

int nt_analyze_trace(sqlite3 *db, int64_t trace_id, struct nt_err **err)
{
	return nt_analyze_trace_spool(db, trace_id, NULL, err);
}
