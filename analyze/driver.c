/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The analysis driver: one cursor per subscribed class (rows of one trace, in rowid order),
 * merged by rowid, dispatched to every subscriber.
 */
#include "analyze.h"
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

bool nt_ev_has(const struct nt_ev *e, int f)
{
	return e->slot[f] >= 0 && sqlite3_column_type(e->st, e->slot[f]) != SQLITE_NULL;
}

int64_t nt_ev_int(const struct nt_ev *e, int f)
{
	return e->slot[f] >= 0 ? sqlite3_column_int64(e->st, e->slot[f]) : 0;
}

const char *nt_ev_text(const struct nt_ev *e, int f)
{
	return e->slot[f] >= 0 ? (const char *)sqlite3_column_text(e->st, e->slot[f]) : NULL;
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

		for (int a = 0; analyses[a]; a++)
			for (const struct nt_sub *s = analyses[a]->subs; s->event; s++) {
				struct subscriber *x;
				if (strcmp(s->event, cls))
					continue;
				x = realloc(c.subs, (size_t)(c.nsubs + 1) * sizeof(*x));
				if (!x) {
					rc = -1;
					break;
				}
				c.subs = x;
				c.subs[c.nsubs++] = (struct subscriber){a, s, NULL};
			}
		if (!c.nsubs)
			continue;
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

int nt_analyze_trace(sqlite3 *db, int64_t trace_id, struct nt_err **err)
{
	struct nt_actx ax = {.db = db, .trace = trace_id};
	struct cursor *cs = NULL;
	void *ctx[16] = {0};
	int nc = 0, na = 0, rc = -1;
	uint64_t done = 0, total = 0;
	const char *failed = NULL; /* the analysis whose handler failed */

	for (na = 0; analyses[na]; na++)
		;
	if (setup_tables(&ax, err) || load_lost(&ax, err))
		goto out;
	for (int a = 0; a < na; a++)
		if (analyses[a]->begin(&ax, &ctx[a], err))
			goto out;
	if (open_cursors(&ax, &cs, &nc, err))
		goto out;
	total = subscribed_events(&ax);
	for (;;) {
		struct cursor *c = NULL;
		struct nt_ev e;

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
		e.cls = c->cls;
		e.st = c->st;
		for (int s = 0; s < c->nsubs; s++) {
			e.slot = c->subs[s].slot;
			if (c->subs[s].sub->fn(ctx[c->subs[s].analysis], &e)) {
				failed = analyses[c->subs[s].analysis]->name;
				goto out;
			}
		}
		if (step(&ax, c, err))
			goto out;
		if (!(++done & 0xffff))
			nt_progress("analyzing", done, total, 0);
	}
	nt_progress("analyzing", done, total, 1);
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
	for (int i = 0; i < nc; i++)
		cursor_free(&cs[i]);
	free(cs);
	free(ax.lost);
	sqlite3_finalize(ax.note);
	return rc;
}
