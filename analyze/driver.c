/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The analysis driver: one cursor per subscribed class (rows of one trace, in rowid order),
 * merged by rowid, dispatched to every subscriber; or the import's spool, read after the import
 * or while it is written (the analyses following on a thread of their own: analyze.h).
 */
#include "analyze.h"
#include "handoff.h"
#include "ksyms.h"
#include "side.h"
#include "spool.h"
#include "../core/progress.h"
#include "../core/testhook.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

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

/* A fact taken from a stream not yet ended, checked at its end (nt_analyze_follow_end). */
struct fact {
	char *cls;	 /* has_events of this class, or NULL: */
	char ksyms[640]; /* what nt_ksyms_load_for_trace() read */
	bool value;
};

struct nt_actx {
	sqlite3 *db;
	int64_t trace;
	struct window *lost;
	int nlost;
	sqlite3_stmt *note;
	/* following an import */
	bool follow;
	struct nt_side *side;  /* where the INSERTs write (side.h), or NULL: db */
	struct nt_handoff *ho; /* db while following (handoff.h), or NULL */
	bool streaming;	       /* on the analyses' own thread, before the handover */
	const char **seen;     /* classes whose events were dispatched (the spool's names) */
	int nseen;
	struct fact *facts;
	int nfacts;
};

/* A subscriber of a class: which analysis, which subscription, its field slots. */
struct subscriber {
	int analysis;
	const struct nt_sub *sub;
	int *slot;
};

struct cursor {
	char *cls;
	int64_t cls_id; /* event_classes.id */
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

static bool has_events_now(struct nt_actx *ax, const char *cls)
{
	sqlite3_stmt *st;
	bool has = false;

	if (sqlite3_prepare_v2(
		    ax->db,
		    "SELECT tc.events FROM trace_classes tc JOIN event_classes c ON c.id = "
		    "tc.class_id WHERE tc.trace_id = ? AND c.name = ?",
		    -1, &st, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_int64(st, 1, ax->trace);
	sqlite3_bind_text(st, 2, cls, -1, SQLITE_STATIC);
	has = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) > 0;
	sqlite3_finalize(st);
	return has;
}

/* Keep @f to check at the end; false when out of memory (then the analyses run again). */
static bool keep_fact(struct nt_actx *ax, const struct fact *f)
{
	struct fact *x = realloc(ax->facts, (size_t)(ax->nfacts + 1) * sizeof(*x));

	if (!x)
		return false;
	ax->facts = x;
	x[ax->nfacts++] = *f;
	return true;
}

bool nt_actx_has_events(struct nt_actx *ax, const char *cls)
{
	struct fact f = {.value = false};

	if (!ax->follow && !ax->streaming)
		return has_events_now(ax, cls);
	for (int i = 0; i < ax->nseen && !f.value; i++)
		f.value = !strcmp(ax->seen[i], cls);
	if (!ax->follow) /* already to be run again */
		return f.value;
	f.cls = strdup(cls);
	if (!f.cls || !keep_fact(ax, &f)) {
		free(f.cls);
		ax->follow = false; /* the fact cannot be checked: run again at the end */
	}
	return f.value;
}

/* nt_actx_ksyms() on the importer while streaming (handoff.h) */
struct ksyms_call {
	struct nt_actx *ax;
	struct nt_ksyms *k;
	struct fact f;
	int src;
};

static void ksyms_load(void *arg)
{
	struct ksyms_call *c = arg;

	if (c->ax->follow)
		nt_ksyms_trace_key(c->ax->db, c->ax->trace, c->f.ksyms, sizeof(c->f.ksyms));
	c->src = (int)nt_ksyms_load_for_trace(c->k, c->ax->db, c->ax->trace);
}

int nt_actx_ksyms(struct nt_actx *ax, struct nt_ksyms *k)
{
	struct ksyms_call c = {.ax = ax, .k = k, .f = {.value = true}, .src = NT_KSYMS_NONE};

	if (!ax->streaming)
		ksyms_load(&c);
	else if (nt_handoff_call(ax->ho, ksyms_load, &c))
		return NT_KSYMS_NONE; /* stopped: the import is failing */
	if (ax->follow && !keep_fact(ax, &c.f))
		ax->follow = false;
	return c.src;
}

/* nt_actx_prepare() of a query on the importer while streaming */
struct prepare_call {
	sqlite3 *db;
	const char *sql;
	sqlite3_stmt *st;
	int rc;
};

static void prepare(void *arg)
{
	struct prepare_call *c = arg;

	c->rc = sqlite3_prepare_v2(c->db, c->sql, -1, &c->st, NULL);
}

sqlite3_stmt *nt_actx_prepare(struct nt_actx *ax, const char *sql, struct nt_err **err)
{
	/* the INSERTs write into the side database while the analyses follow an import */
	bool side = ax->side && !strncmp(sql, "INSERT", 6);
	struct prepare_call c = {
		.db = side ? nt_side_db(ax->side) : ax->db, .sql = sql, .rc = SQLITE_ABORT};

	if (side || !ax->streaming)
		prepare(&c);
	else if (nt_handoff_call(ax->ho, prepare, &c))
		c.rc = SQLITE_ABORT; /* stopped: the import is failing */
	if (c.rc != SQLITE_OK) {
		nt_err_set(err,
			   nt_err_new(NT_E_FAIL, "analysis: cannot prepare '%.60s...': %s", sql,
				      ax->streaming && !side ? sqlite3_errstr(c.rc)
							     : sqlite3_errmsg(c.db)));
		sqlite3_finalize(c.st);
		return NULL;
	}
	return c.st;
}

int nt_actx_put(struct nt_actx *ax, sqlite3_stmt *st, const char *table, struct nt_err **err)
{
	int rc = sqlite3_step(st);

	(void)ax;
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	return nt_err_set(err, nt_err_new(NT_E_FAIL, "cannot store %s: %s", table,
					  sqlite3_errmsg(sqlite3_db_handle(st))));
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

	snprintf(sql, sizeof(sql), "SELECT 1 FROM pragma_table_info(%s, 'main') WHERE name=?",
		 qtable);
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

	if (sqlite3_exec(ax->db, NT_ANALYSIS_NOTES_SCHEMA, NULL, NULL, NULL) != SQLITE_OK)
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
				"SELECT c.name, tc.first_rowid, tc.last_rowid, c.id FROM "
				"trace_classes tc JOIN event_classes c "
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
		c.cls_id = sqlite3_column_int64(st, 3);
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
 * with its hint (the database's, or else the side database's: the same file system).
 */
static void fail_context(struct nt_actx *ax, const char *failed, struct nt_err **err)
{
	sqlite3 *db = ax->db;
	int rc = sqlite3_errcode(db);
	const char *path = sqlite3_db_filename(db, "main");
	char shown[4096], *tmp;

	if (!err)
		return;
	if ((rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE) && ax->side)
		rc = sqlite3_errcode(db = nt_side_db(ax->side));
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
	*err = nt_err_wrap(*err, "analysis of trace %lld failed", (long long)ax->trace);
}

/* Hand event @e of cursor @c to its subscribers; the analysis that failed in *@failed. */
static int dispatch(struct cursor *c, struct nt_ev *e, void **ctx, const char **failed)
{
	e->cls = c->cls;
	e->cls_id = c->cls_id;
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
	int64_t cid;
	const char *cls = nt_spool_ver(sp, ver, &cid, &nf, &fields);

	memset(c, 0, sizeof(*c));
	c->cls_id = cid;
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

/* The cursor of spooled class version @v, made when first needed; NULL when out of memory. */
static struct cursor *version_at(struct nt_actx *ax, struct nt_spool *sp, struct cursor **vs,
				 uint32_t *nvs, uint32_t v)
{
	if (v >= *nvs) {
		uint32_t n = v + 16;
		struct cursor *x = realloc(*vs, n * sizeof(*x));
		if (!x)
			return NULL;
		memset(x + *nvs, 0, (n - *nvs) * sizeof(*x));
		*vs = x;
		*nvs = n;
	}
	if (!(*vs)[v].cls) {
		const char **seen;
		if (version_cursor(sp, v, &(*vs)[v]))
			return NULL;
		seen = realloc(ax->seen, (size_t)(ax->nseen + 1) * sizeof(*seen));
		if (!seen)
			return NULL;
		ax->seen = seen;
		seen[ax->nseen++] = (*vs)[v].cls;
	}
	return &(*vs)[v];
}

/*
 * The events from the import's spool, in the order they were stored (rowid order): from its
 * start (rewound), or following the writer.
 */
static int from_spool(struct nt_actx *ax, struct nt_spool *sp, void **ctx, const char **failed,
		      struct nt_err **err)
{
	struct cursor *vs = NULL, *c;
	uint32_t nvs = 0;
	uint64_t done = 0, total = ax->follow ? 0 : nt_spool_events(sp);
	struct nt_spool_rec r;
	int rc = -1, got;

	while ((got = nt_spool_next(sp, &r)) == 1) {
		struct nt_ev e = {.rowid = r.rowid,
				  .ts = r.ts,
				  .task = r.task,
				  .cpu = r.cpu,
				  .pid = r.pid,
				  .vals = r.vals};

		if (r.ver == NT_SPOOL_TASK) { /* the comm the side's inserts read */
			if (ax->side && nt_side_task(ax->side, r.task, r.vals[0].s, r.vals[0].n)) {
				nt_err_set(err, nt_err_new(NT_E_FAIL, "cannot store a task: %s",
							   sqlite3_errmsg(nt_side_db(ax->side))));
				goto out;
			}
			continue;
		}
		if (!(c = version_at(ax, sp, &vs, &nvs, r.ver))) {
			nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
			goto out;
		}
		if (dispatch(c, &e, ctx, failed))
			goto out;
		if (!(++done & 0xffff) && total)
			nt_progress("analyzing", done, total, 0);
	}
	if (got < 0) {
		nt_err_set(err,
			   nt_err_new(NT_E_FAIL, "analysis: cannot read back the events spooled "
						 "in a temporary file"));
		goto out;
	}
	if (total)
		nt_progress("analyzing", done, total, 1);
	rc = 0;
out:
	for (uint32_t v = 0; v < nvs; v++) {
		if (!vs[v].cls)
			continue;
		vs[v].cls = NULL; /* the spool's */
		cursor_free(&vs[v]);
	}
	free(vs);
	return rc;
}

/* Set up the derived tables and begin every analysis (@ctx: one per analysis). */
static int run_begin(struct nt_actx *ax, void **ctx, struct nt_err **err)
{
	if (setup_tables(ax, err) || load_lost(ax, err))
		return -1;
	for (int a = 0; analyses[a]; a++)
		if (analyses[a]->begin(ax, &ctx[a], err))
			return -1;
	return 0;
}

static int run_end(struct nt_actx *ax, void **ctx, struct nt_err **err)
{
	for (int a = 0; analyses[a]; a++)
		if (analyses[a]->end(ctx[a], ax, err))
			return -1;
	return 0;
}

static void run_free(struct nt_actx *ax, void **ctx)
{
	for (int a = 0; analyses[a]; a++)
		if (ctx[a])
			analyses[a]->free(ctx[a]);
	free(ax->lost);
	sqlite3_finalize(ax->note);
	free(ax->seen);
	for (int i = 0; i < ax->nfacts; i++)
		free(ax->facts[i].cls);
	free(ax->facts);
}

int nt_analyze_trace_spool(sqlite3 *db, int64_t trace_id, struct nt_spool *sp, struct nt_err **err)
{
	struct nt_actx ax = {.db = db, .trace = trace_id};
	void *ctx[16] = {0};
	int rc = -1;
	const char *failed = NULL; /* the analysis whose handler failed */

	if (run_begin(&ax, ctx, err))
		goto out;
	/* the spool when it can be read from its start, else the tables */
	if (nt_spool_usable(sp) && !nt_spool_rewind(sp) ? from_spool(&ax, sp, ctx, &failed, err)
							: from_tables(&ax, ctx, &failed, err))
		goto out;
	if (run_end(&ax, ctx, err))
		goto out;
	rc = 0;
out:
	if (rc)
		fail_context(&ax, failed, err);
	run_free(&ax, ctx);
	return rc;
}

struct nt_follow {
	struct nt_actx ax;
	void *ctx[16];
	struct nt_spool *sp;
	struct nt_handoff *ho;
	pthread_t thread;
	int rc;
	const char *failed;
	struct nt_err *err;
};

/*
 * The analyses' thread yields to the importer and its reader, the import's critical path: on
 * two cores the three share, and the importer's turns decide the import's time when the reader
 * is busy too (CTF: docs/PERFORMANCE.md). Ten nice levels below this thread's own (on Linux a
 * thread's attribute).
 */
static void lower_priority(void)
{
	pid_t tid = gettid();
	int nice;

	errno = 0;
	nice = getpriority(PRIO_PROCESS, (id_t)tid);
	if (nice != -1 || !errno)
		setpriority(PRIO_PROCESS, (id_t)tid, nice + 10 > 19 ? 19 : nice + 10);
}

/*
 * The follower's thread: the stream as the importer stores it, then, with the connection
 * handed over, the analyses' ends; their rows are in the side database, committed.
 */
static void *follow_main(void *arg)
{
	struct nt_follow *f = arg;
	sigset_t all;

	sigfillset(&all); /* signals go to the importer's thread, whose waits they end */
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	lower_priority();
	f->ax.streaming = true;
	f->rc = from_spool(&f->ax, f->sp, f->ctx, &f->failed, &f->err);
	f->ax.streaming = false;
	if (nt_handoff_take(f->ho))
		f->rc = -1; /* stopped: the import is failing */
	else if (!f->rc)
		f->rc = run_end(&f->ax, f->ctx, &f->err);
	if (!f->rc && nt_side_commit(f->ax.side))
		f->rc = nt_err_set(&f->err,
				   nt_err_new(NT_E_FAIL, "cannot store the analyses' rows: %s",
					      sqlite3_errmsg(nt_side_db(f->ax.side))));
	return NULL;
}

static void follow_free(struct nt_follow *f)
{
	run_free(&f->ax, f->ctx);
	nt_handoff_free(f->ho);
	nt_err_free(f->err);
	free(f);
}

struct nt_follow *nt_analyze_follow_start(sqlite3 *db, int64_t trace_id, struct nt_spool *sp,
					  struct nt_side *sd, struct nt_err **err)
{
	struct nt_follow *f;

	if (!sd || !nt_spool_usable(sp) || !(f = calloc(1, sizeof(*f))))
		return NULL;
	if (!(f->ho = nt_handoff_new()) || nt_side_begin(sd, db, trace_id)) {
		nt_handoff_free(f->ho);
		free(f);
		return NULL; /* the analyses run after the import, as before */
	}
	f->ax = (struct nt_actx){
		.db = db, .trace = trace_id, .follow = true, .side = sd, .ho = f->ho};
	f->sp = sp;
	if (run_begin(&f->ax, f->ctx, err)) {
		fail_context(&f->ax, NULL, err);
		follow_free(f);
		return NULL;
	}
	nt_spool_follow(sp);
	if (pthread_create(&f->thread, NULL, follow_main, f)) {
		follow_free(f);
		return NULL; /* the analyses run after the import, as before */
	}
	return f;
}

void nt_analyze_follow_serve(struct nt_follow *f)
{
	if (f)
		nt_handoff_serve(f->ho);
}

/* Which fact taken from the stream as it went was wrong, or NULL when none. */
static const char *wrong_fact(struct nt_actx *ax)
{
	sqlite3_stmt *st;
	bool lost = true;

	if (!ax->follow)
		return "a fact could not be kept (out of memory)";
	if (sqlite3_prepare_v2(ax->db, "SELECT count(*) FROM lost_windows WHERE trace_id = ?", -1,
			       &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, ax->trace);
		lost = sqlite3_step(st) != SQLITE_ROW || sqlite3_column_int64(st, 0) > 0;
		sqlite3_finalize(st);
	}
	if (lost)
		return "events were lost";
	for (int i = 0; i < ax->nfacts; i++) {
		const struct fact *x = &ax->facts[i];
		char key[sizeof(x->ksyms)];

		if (x->cls && has_events_now(ax, x->cls) != x->value)
			return "whether the trace has some class of events";
		if (!x->cls) {
			nt_ksyms_trace_key(ax->db, ax->trace, key, sizeof(key));
			if (strcmp(key, x->ksyms))
				return "which kernel symbols";
		}
	}
	return NULL;
}

int nt_analyze_follow_end(struct nt_follow *f, bool ok, struct nt_err **err)
{
	struct nt_spool *sp;
	struct nt_side *sd;
	sqlite3 *db;
	int64_t trace;
	const char *why;
	int rc = 0;

	if (!f)
		return 0;
	db = f->ax.db;
	trace = f->ax.trace;
	sp = f->sp;
	sd = f->ax.side;
	if (ok) {
		nt_spool_finish(f->sp);
		nt_handoff_park(f->ho); /* the analyses' ends, with the connection */
	} else {
		nt_handoff_stop(f->ho);
		nt_spool_abort(f->sp);
	}
	pthread_join(f->thread, NULL);
	if (ok && f->rc) {
		fail_context(&f->ax, f->failed, &f->err);
		nt_err_set(err, f->err);
		f->err = NULL;
		rc = -1;
	}
	why = !ok || rc			? NULL
	      : !nt_spool_usable(f->sp) ? "the spool cannot be read"
					: wrong_fact(&f->ax);
	/* tests: which way the derived rows were made (tests/fixture/analyze_follow.sh) */
	if (ok && !rc)
		nt_test_say("NETTRAIL_TEST_FOLLOW", "analyses: %s%s",
			    why ? "run again after the import: " : "followed the import",
			    why ? why : "");
	follow_free(f);
	if (why) /* a fact taken from the stream was wrong: the usual way */
		rc = nt_analyze_trace_spool(db, trace, sp, err);
	else if (ok && !rc) {
		nt_spool_drop(sp); /* nothing reads it again: its pages go while the rows move */
		if (nt_side_move(sd, db, err)) {
			struct nt_actx ax = {.db = db, .trace = trace};
			fail_context(&ax, NULL, err);
			rc = -1;
		}
	}
	return rc;
}

int nt_analyze_trace(sqlite3 *db, int64_t trace_id, struct nt_err **err)
{
	return nt_analyze_trace_spool(db, trace_id, NULL, err);
}
