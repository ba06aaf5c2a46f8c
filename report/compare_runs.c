/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nettrail compare as statistics: each run's samples and counts read from its database, every
 * cell tested against the baseline, Holm's correction over all tests, flagged changes marked.
 */
#include "compare_runs.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "report.h"
#include "stats.h"
#include "../store/store.h"

enum { DIST, COUNT };

/* What a cell is about: a run that did not record it has no verdict on it. */
enum { F_SKB = 1, F_SOFTIRQ = 2, F_ALLOC = 4 };

struct cell {
	char key[200];
	int kind;
	double *v; /* owned: DIST samples, µs */
	int n, cap;
	int64_t count;	 /* COUNT */
	double exposure; /* COUNT: skbs, or 1 (per run) */
	const char *per; /* "skb" or "run" */
	int fam;	 /* F_* */
};

struct runc {
	char name[4200];
	double skbs;	 /* lifecycles: the exposure of per-skb counts */
	int recorded;	 /* F_* the trace(s) had events for */
	bool lost;	 /* events were lost: counts are incomplete */
	double skbs_all; /* every lifecycle: the exposure of allocations */
	struct cell *c;	 /* owned */
	int n, cap;
};

/* One test: run @run's cell against the baseline's, by key. */
struct res {
	int run;
	const struct cell *a, *b; /* weak; NULL when the run lacks it */
	int status;		  /* TESTED, FEW, ONLY_A, ONLY_B, UNRECORDED */
	double p, adj, effect;
	double qa[2], qb[2]; /* p50, p99 */
	bool flagged;
};

enum { TESTED, FEW, ONLY_A, ONLY_B, UNRECORDED, LOSSY };

void nt_compare_opts_init(struct nt_compare_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->alpha = 0.01;
	o->min_r = 0.3;
	o->min_ratio = 2;
	o->min_shift_us = 1;
	o->min_samples = 8;
	o->values = true;
}

static struct cell *cell_get(struct runc *rc, int kind, const char *fmt, ...)
{
	char key[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(key, sizeof(key), fmt, ap);
	va_end(ap);
	for (int i = 0; i < rc->n; i++)
		if (rc->c[i].kind == kind && !strcmp(rc->c[i].key, key))
			return &rc->c[i];
	if (rc->n == rc->cap) {
		struct cell *c = realloc(rc->c, sizeof(*c) * (size_t)(rc->cap = rc->cap * 2 + 16));
		if (!c)
			return NULL;
		rc->c = c;
	}
	memset(&rc->c[rc->n], 0, sizeof(rc->c[0]));
	snprintf(rc->c[rc->n].key, sizeof(key), "%s", key);
	rc->c[rc->n].kind = kind;
	rc->c[rc->n].fam = !strncmp(key, "softirq", 7)	? F_SOFTIRQ
			   : !strncmp(key, "allocs", 6) ? F_ALLOC
							: F_SKB;
	return &rc->c[rc->n++];
}

static int sample_add(struct cell *c, double v)
{
	if (!c)
		return -1;
	if (c->n == c->cap) {
		double *x = realloc(c->v, sizeof(double) * (size_t)(c->cap = c->cap * 2 + 256));
		if (!x)
			return -1;
		c->v = x;
	}
	c->v[c->n++] = v;
	return 0;
}

static void runc_release(struct runc *rc)
{
	for (int i = 0; i < rc->n; i++)
		free(rc->c[i].v);
	free(rc->c);
	memset(rc, 0, sizeof(*rc));
}

static const char *const stages[] = {"alloc", "queue", "xmit", "receive", "copy", "free"};

/* skb stage latencies: consecutive stages seen in each lifecycle (as skb_latency pairs them). */
static int collect_skb(sqlite3 *db, const char *tf, struct runc *rc)
{
	sqlite3_stmt *q;
	char sql[400];
	int r = 0;

	snprintf(sql, sizeof(sql),
		 "SELECT alloc_ts, queue_ts, xmit_ts, receive_ts, copy_ts, free_ts FROM "
		 "skb_lifecycles WHERE NOT lossy AND %s",
		 tf);
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
		return 0; /* no skb analysis in this database */
	while (!r && sqlite3_step(q) == SQLITE_ROW) {
		int prev = -1;
		for (int s = 0; s < 6 && !r; s++) {
			if (sqlite3_column_type(q, s) == SQLITE_NULL)
				continue;
			if (prev >= 0)
				r = sample_add(
					cell_get(rc, DIST, "skb %s→%s", stages[prev], stages[s]),
					(double)(sqlite3_column_int64(q, s) -
						 sqlite3_column_int64(q, prev)) /
						1e3);
			prev = s;
		}
	}
	sqlite3_finalize(q);
	return r;
}

/* Samples of @sql's (key, value ns) rows into DIST cells "@prefix KEY @suffix". */
static int collect_dist(sqlite3 *db, const char *sql, const char *prefix, const char *suffix,
			struct runc *rc)
{
	sqlite3_stmt *q;
	int r = 0;

	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
		return 0;
	while (!r && sqlite3_step(q) == SQLITE_ROW)
		r = sample_add(cell_get(rc, DIST, "%s %s %s", prefix,
					(const char *)sqlite3_column_text(q, 0), suffix),
			       sqlite3_column_double(q, 1) / 1e3);
	sqlite3_finalize(q);
	return r;
}

/* Counts of @sql's (key, count) rows into COUNT cells "@prefix KEY" per @per. */
static int collect_count(sqlite3 *db, const char *sql, const char *prefix, const char *per,
			 double exposure, struct runc *rc)
{
	sqlite3_stmt *q;
	int r = 0;

	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
		return 0;
	while (!r && sqlite3_step(q) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(q, 0);
		struct cell *c =
			cell_get(rc, COUNT, "%s%s%s", prefix, *prefix ? " " : "", k ? k : "(none)");
		if (!c) {
			r = -1;
			break;
		}
		c->count += sqlite3_column_int64(q, 1);
		c->exposure = exposure;
		c->per = per;
	}
	sqlite3_finalize(q);
	return r;
}

static int64_t scalar(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *q;
	int64_t v = 0;

	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return v;
}

/* The families of events the run's traces recorded (by their event classes). */
static int recorded(sqlite3 *db, const char *tf)
{
	static const struct {
		int fam;
		const char *cls;
	} f[] = {{F_SOFTIRQ, "'irq:softirq_entry'"},
		 {F_ALLOC, "'kmem:kmalloc', 'kmem:kmem_cache_alloc'"}};
	char sql[400];
	int m = 0;

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		snprintf(sql, sizeof(sql),
			 "SELECT count(*) FROM trace_classes tc JOIN event_classes c ON c.id = "
			 "tc.class_id WHERE c.name IN (%s) AND %s",
			 f[i].cls, tf);
		if (scalar(db, sql))
			m |= f[i].fam;
	}
	return m;
}

/* Every cell of one run (trace filter @tf: "trace_id = N" or "1"). */
static int collect_run(sqlite3 *db, const char *tf, struct runc *rc)
{
	char sql[600];
	double skbs;
	int r;

	/* per-skb rates are over the lifecycles the stack decided (consumed, dropped) */
	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM skb_lifecycles WHERE outcome NOT IN ('open', 'recycled') "
		 "AND %s",
		 tf);
	rc->skbs = skbs = (double)scalar(db, sql);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM skb_lifecycles WHERE %s", tf);
	rc->skbs_all = (double)scalar(db, sql);
	rc->recorded = recorded(db, tf) | (skbs > 0 ? F_SKB : 0);
	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM (SELECT id AS trace_id, lost_events, lost_unknown FROM "
		 "traces) WHERE (lost_events > 0 OR lost_unknown) AND %s",
		 tf);
	rc->lost = scalar(db, sql) > 0;
	r = collect_skb(db, tf, rc);
	/* the network softirqs; the others and IRQs are mostly the machine's background */
	snprintf(sql, sizeof(sql),
		 "SELECT name, duration_ns FROM softirq_intervals WHERE NOT lossy AND duration_ns "
		 "NOT NULL AND name IN ('NET_RX', 'NET_TX') AND %s",
		 tf);
	r = r ? r : collect_dist(db, sql, "softirq", "duration", rc);
	snprintf(sql, sizeof(sql),
		 "SELECT name, raise_latency_ns FROM softirq_intervals WHERE NOT lossy AND "
		 "raise_latency_ns NOT NULL AND name IN ('NET_RX', 'NET_TX') AND %s",
		 tf);
	r = r ? r : collect_dist(db, sql, "softirq", "raise latency", rc);
	/*
	 * open lifecycles are cut by the trace's end, and recycled ones are told from open ones
	 * by which socket events the trace has: neither is decided by the stack, not tested
	 */
	snprintf(sql, sizeof(sql),
		 "SELECT outcome, count(*) FROM skb_lifecycles WHERE outcome NOT IN ('open', "
		 "'recycled') AND %s "
		 "GROUP BY 1",
		 tf);
	r = r ? r : collect_count(db, sql, "skb outcome", "decided", skbs, rc);
	snprintf(sql, sizeof(sql),
		 "SELECT reason, sum(count) FROM skb_drops WHERE outcome = 'dropped' AND %s "
		 "GROUP BY 1",
		 tf);
	r = r ? r : collect_count(db, sql, "drops", "decided", skbs, rc);
	/* counts the workload drives, per packet; the machine's background (timer, RCU, IRQs,
	 * allocations outside the network stack) and softirq runs (how many packets one run
	 * takes depends on the machine's load) vary from run to run: not tested */
	snprintf(sql, sizeof(sql),
		 "SELECT call_site, sum(allocs) FROM alloc_sites WHERE net AND %s GROUP BY 1", tf);
	r = r ? r : collect_count(db, sql, "allocs", "skb", rc->skbs_all, rc);
	return r;
}

static int load_run(const struct nt_run *run, struct runc *rc, struct nt_err **err)
{
	struct nt_store *s = NULL;
	sqlite3 *db;
	char tf[64], sql[96];
	int r = 0;

	if (nt_store_open(run->db, false, &s, err))
		return -1;
	db = nt_store_db(s);
	snprintf(tf, sizeof(tf), run->trace ? "trace_id = %lld" : "1", (long long)run->trace);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM traces WHERE %s", run->trace ? "" : "1");
	if (run->trace)
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM traces WHERE id = %lld",
			 (long long)run->trace);
	if (!scalar(db, sql)) {
		if (run->trace) {
			struct nt_report_filter f;

			nt_report_filter_init(&f);
			f.trace = run->trace;
			r = nt_report_filter_check(db, &f, err);
			if (r)
				nt_err_hint(*err, "'nettrail info %s' lists its traces", run->db);
		} else
			r = nt_err_set(err, nt_err_new(NT_E_INPUT,
						       "'%s' holds no trace; import one", run->db));
	}
	if (!r && collect_run(db, tf, rc))
		r = nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory reading '%s'", run->db));
	nt_store_close(s, false, NULL);
	return r;
}

static const struct cell *find_cell(const struct runc *rc, const struct cell *like)
{
	for (int i = 0; i < rc->n; i++)
		if (rc->c[i].kind == like->kind && !strcmp(rc->c[i].key, like->key))
			return &rc->c[i];
	return NULL;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

/* Sort each sample (the quantiles need it). */
static void sort_cells(struct runc *rc)
{
	for (int i = 0; i < rc->n; i++)
		if (rc->c[i].kind == DIST)
			qsort(rc->c[i].v, (size_t)rc->c[i].n, sizeof(double), cmp_double);
}

static void quantiles(const struct cell *c, double q[2])
{
	q[0] = c && c->n ? nt_stats_quantile(c->v, c->n, 0.5) : NAN;
	q[1] = c && c->n ? nt_stats_quantile(c->v, c->n, 0.99) : NAN;
}

static void test_dist(const struct nt_compare_opts *o, struct res *x)
{
	struct nt_mwu m;

	if (!x->a || !x->b) {
		x->status = x->a ? ONLY_A : ONLY_B;
	} else if (x->a->n < o->min_samples || x->b->n < o->min_samples) {
		x->status = FEW;
	} else {
		nt_stats_mwu(x->a->v, x->a->n, x->b->v, x->b->n, &m); /* sorts both */
		x->status = TESTED;
		x->p = m.p;
		x->effect = m.r;
	}
	quantiles(x->a, x->qa);
	quantiles(x->b, x->qb);
}

/* Exposures: "decided" counts over the lifecycles consumed or dropped, "skb" over all. */
static void test_count(const struct nt_compare_opts *o, const struct runc *ra,
		       const struct runc *rb, struct res *x)
{
	const struct cell *k = x->a ? x->a : x->b;
	bool all = !strcmp(k->per, "skb");
	double ea = all ? ra->skbs_all : ra->skbs, eb = all ? rb->skbs_all : rb->skbs;
	struct nt_rate rt;

	if (!(ea > 0) || !(eb > 0)) {
		x->status = x->a ? ONLY_A : ONLY_B;
		return;
	}
	nt_stats_rate(x->a ? x->a->count : 0, ea, x->b ? x->b->count : 0, eb, &rt);
	x->effect = rt.ratio;
	x->p = rt.p;
	x->status = rt.p_min > o->alpha ? FEW : TESTED;
	x->qa[0] = (x->a ? (double)x->a->count : 0) / ea;
	x->qb[0] = (x->b ? (double)x->b->count : 0) / eb;
}

static void unrecorded(struct res *x, int status)
{
	x->status = status;
	x->effect = NAN;
	if ((x->a ? x->a : x->b)->kind == DIST) {
		quantiles(x->a, x->qa);
		quantiles(x->b, x->qb);
	} else {
		x->qa[0] = x->qb[0] = NAN;
	}
}

static bool big_effect(const struct nt_compare_opts *o, const struct res *x)
{
	const struct cell *k = x->a ? x->a : x->b;
	double q;

	if (k->kind == COUNT)
		return x->effect >= o->min_ratio || x->effect <= 1 / o->min_ratio;
	q = x->qb[0] / x->qa[0]; /* the medians' ratio (inf or nan with a zero median) */
	return fabs(x->effect) >= o->min_r && fabs(x->qb[0] - x->qa[0]) >= o->min_shift_us &&
	       !isnan(q) && (q >= o->min_ratio || q <= 1 / o->min_ratio);
}

/* Holm over every TESTED result; then flag. */
static void adjust(const struct nt_compare_opts *o, struct res *rs, int n, int *nflagged)
{
	double *p = malloc(sizeof(double) * (size_t)(n ? n : 1));
	int m = 0;

	*nflagged = 0;
	for (int i = 0; p && i < n; i++)
		if (rs[i].status == TESTED)
			p[m++] = rs[i].p;
	if (p)
		nt_stats_holm(p, m, p);
	m = 0;
	for (int i = 0; i < n; i++) {
		if (rs[i].status != TESTED)
			continue;
		rs[i].adj = p ? p[m++] : fmin(1, rs[i].p * n);
		rs[i].flagged = rs[i].adj < o->alpha && big_effect(o, &rs[i]);
		*nflagged += rs[i].flagged;
	}
	free(p);
}

static void put_num(struct nt_table *t, double v, double scale)
{
	if (isnan(v) || isinf(v))
		nt_table_null(t);
	else
		nt_table_num(t, round(v * scale) / scale);
}

/* p-values: two significant digits, the same everywhere ("0.0031", "2.4e-07"); the test's
 * own, then Holm's adjusted. */
static void put_p(struct nt_table *t, const struct res *x)
{
	char b[32];

	if (x->status != TESTED) {
		nt_table_null(t);
		nt_table_null(t);
		return;
	}
	snprintf(b, sizeof(b), "%.2g", x->p);
	nt_table_text(t, b);
	snprintf(b, sizeof(b), "%.2g", x->adj);
	nt_table_text(t, b);
}

static const char *verdict(const struct res *x, const struct nt_compare_opts *o)
{
	bool dist = (x->a ? x->a : x->b)->kind == DIST;

	switch (x->status) {
	case FEW:
		return dist ? "too few samples" : "too few events";
	case ONLY_A:
		return "only in A";
	case ONLY_B:
		return dist ? "only in this run" : "new";
	case UNRECORDED:
		return "not recorded in both";
	case LOSSY:
		return "events lost: not tested";
	}
	if (!x->flagged)
		return x->adj < o->alpha ? "small change" : "no evidence";
	if (dist)
		return x->effect > 0 ? "slower" : "faster";
	if (!x->a || !x->a->count)
		return "new";
	if (!x->b || !x->b->count)
		return "gone";
	return x->effect > 1 ? "more" : "fewer";
}

static void row_dist(struct nt_table *t, const char *run, const struct res *x,
		     const struct nt_compare_opts *o)
{
	nt_table_row(t);
	nt_table_text(t, run);
	nt_table_text(t, (x->a ? x->a : x->b)->key);
	nt_table_num(t, x->a ? x->a->n : 0);
	nt_table_num(t, x->b ? x->b->n : 0);
	put_num(t, x->qa[0], 1e3);
	put_num(t, x->qb[0], 1e3);
	put_num(t, x->qa[1], 1e3);
	put_num(t, x->qb[1], 1e3);
	put_num(t, x->status == TESTED ? x->effect : NAN, 1e3);
	put_p(t, x);
	nt_table_text(t, verdict(x, o));
	if (x->flagged)
		nt_table_mark(t);
}

static void row_count(struct nt_table *t, const char *run, const struct res *x,
		      const struct nt_compare_opts *o)
{
	const struct cell *k = x->a ? x->a : x->b;

	nt_table_row(t);
	nt_table_text(t, run);
	nt_table_text(t, k->key);
	nt_table_text(t, k->per);
	nt_table_num(t, x->a ? (double)x->a->count : 0);
	nt_table_num(t, x->b ? (double)x->b->count : 0);
	put_num(t, x->qa[0], 1e3);
	put_num(t, x->qb[0], 1e3);
	put_num(t, x->status == TESTED || x->status == FEW ? x->effect : NAN, 1e3);
	put_p(t, x);
	nt_table_text(t, verdict(x, o));
	if (x->flagged)
		nt_table_mark(t);
}

static const char *const latency_cols[] = {
	"run",	    "what",	"n_a", "n_b",	"p50_a_us", "p50_b_us", "p99_a_us",
	"p99_b_us", "effect_r", "p",   "p_adj", "verdict",  NULL};
static const char *const count_cols[] = {"run",	    "what",   "per",	 "count_a",
					 "count_b", "rate_a", "rate_b",	 "rate_ratio",
					 "p",	    "p_adj",  "verdict", NULL};

static void run_letter(int i, char *b, size_t n)
{
	if (i < 26)
		snprintf(b, n, "%c", 'A' + i);
	else
		snprintf(b, n, "R%d", i + 1);
}

/* Every result of run @i against the baseline @rc[0], appended to *@rs. */
static int pair_results(const struct nt_compare_opts *o, struct runc *rc, int i, struct res **rs,
			int *n, int *cap)
{
	for (int pass = 0; pass < 2; pass++) {
		const struct runc *from = pass ? &rc[i] : &rc[0];
		for (int c = 0; c < from->n; c++) {
			struct res *x;
			if (pass && find_cell(&rc[0], &from->c[c]))
				continue; /* done in the first pass */
			if (*n == *cap) {
				x = realloc(*rs, sizeof(*x) * (size_t)(*cap = *cap * 2 + 64));
				if (!x)
					return -1;
				*rs = x;
			}
			x = &(*rs)[(*n)++];
			memset(x, 0, sizeof(*x));
			x->run = i;
			x->a = pass ? NULL : &from->c[c];
			x->b = pass ? &from->c[c] : find_cell(&rc[i], &from->c[c]);
			if (!(rc[0].recorded & rc[i].recorded & from->c[c].fam))
				unrecorded(x, UNRECORDED);
			else if (from->c[c].kind == COUNT && (rc[0].lost || rc[i].lost))
				unrecorded(x, LOSSY);
			else if (from->c[c].kind == DIST)
				test_dist(o, x);
			else
				test_count(o, &rc[0], &rc[i], x);
		}
	}
	return 0;
}

/* The flagged changes as one sentence for the section's note. */
static void flagged_note(const struct res *rs, int n, const struct nt_compare_opts *o, char *b,
			 size_t len)
{
	size_t at = 0;

	b[0] = '\0';
	for (int i = 0; i < n && at < len - 300; i++) {
		char l[16];
		if (!rs[i].flagged)
			continue;
		run_letter(rs[i].run, l, sizeof(l));
		at += (size_t)snprintf(b + at, len - at, "%s%s: %s (%s)", at ? "; " : "", l,
				       (rs[i].a ? rs[i].a : rs[i].b)->key, verdict(&rs[i], o));
	}
}

static int build_tables(struct nt_section *s, const struct res *rs, int n,
			const struct nt_compare_opts *o)
{
	struct nt_table *tl = nt_section_table(
		s, "compare_latency", "latency distributions (µs): Mann–Whitney U", latency_cols);
	struct nt_table *tc = nt_section_table(
		s, "compare_counts", "counts: exact test of two Poisson rates", count_cols);

	if (!tl || !tc)
		return -1;
	for (int i = 0; i < n; i++) {
		char l[16];
		run_letter(rs[i].run, l, sizeof(l));
		if ((rs[i].a ? rs[i].a : rs[i].b)->kind == DIST)
			row_dist(tl, l, &rs[i], o);
		else
			row_count(tc, l, &rs[i], o);
	}
	return 0;
}

static void run_name(const struct nt_run *r, char *b, size_t n)
{
	if (r->trace)
		snprintf(b, n, "trace %lld of %s", (long long)r->trace, r->db);
	else
		snprintf(b, n, "%s", r->db);
}

static int ntested(const struct res *rs, int n)
{
	int m = 0;

	for (int i = 0; i < n; i++)
		m += rs[i].status == TESTED;
	return m;
}

static int note(struct nt_section *s, const struct nt_run *runs, int nr, const struct res *rs,
		int n, int nflagged, const struct nt_compare_opts *o)
{
	char *names = calloc((size_t)nr, 4300), *fl = malloc(16384);
	size_t at = 0;

	if (!names || !fl) {
		free(names);
		free(fl);
		return -1;
	}
	for (int i = 0; i < nr; i++) {
		char l[16], nm[4200];
		run_letter(i, l, sizeof(l));
		run_name(&runs[i], nm, sizeof(nm));
		at += (size_t)snprintf(names + at, (size_t)nr * 4300 - at, "%s%s = %s%s",
				       i ? ", " : "", l, nm, i ? "" : " (the baseline)");
	}
	flagged_note(rs, n, o, fl, 16384);
	nt_section_note(
		s, nflagged > 0,
		"%s. %d change%s flagged%s%s. A change is flagged when its Holm-adjusted p-value "
		"(over all %d tests) is below %g and it is large enough to stand out from "
		"run-to-run variation: a latency whose median moved by a factor of %g or more, and "
		"by %g µs or more, with |r| >= %g (r = P(B > A) - P(B < A), > 0: slower), a count "
		"whose rate changed by "
		"a factor of %g or more. Latencies are tested on their per-packet or per-interval "
		"samples (fewer than %d in a run: too few samples); counts per skb are rates over "
		"the lifecycles the run decided (consumed or dropped; open ones are cut by the "
		"trace's end and recycled ones told apart by the socket events it has: not "
		"tested), too few events when even all of them in one run "
		"could not reach p < %g; a run that lost events has its counts untested. What the "
		"workload does not drive (IRQs, timer and RCU softirqs, "
		"allocations outside the network stack: the machine's background) is in the "
		"side-by-side tables only.",
		names, nflagged, nflagged == 1 ? "" : "s", nflagged ? ": " : "", fl, ntested(rs, n),
		o->alpha, o->min_ratio, o->min_shift_us, o->min_r, o->min_ratio, o->min_samples,
		o->alpha);
	free(names);
	free(fl);
	return 0;
}

/* Move the sections of @src to the end of @dst (@src is left empty). */
static int doc_append(struct nt_doc *dst, struct nt_doc *src)
{
	struct nt_section *s =
		realloc(dst->sections, sizeof(*s) * (size_t)(dst->nsections + src->nsections));
	if (!s)
		return -1;
	dst->sections = s;
	memcpy(&s[dst->nsections], src->sections, sizeof(*s) * (size_t)src->nsections);
	dst->nsections += src->nsections;
	free(src->sections);
	src->sections = NULL;
	src->nsections = 0;
	return 0;
}

static int run_doc(const struct nt_run *r, struct nt_doc *d, struct nt_err **err)
{
	struct nt_store *s = NULL;
	struct nt_report_filter f;
	int rc;

	nt_report_filter_init(&f);
	f.trace = r->trace;
	if (nt_store_open(r->db, false, &s, err))
		return -1;
	rc = nt_doc_build(nt_store_db(s), &f, d, err);
	nt_store_close(s, false, NULL);
	return rc;
}

/* The report tables of two runs side by side (report/compare.c), after the tests. */
static int values(const struct nt_run *runs, struct nt_doc *out, struct nt_err **err)
{
	struct nt_doc a, b, cmp;
	char na[4200], nb[4200];
	int r;

	memset(&b, 0, sizeof(b));
	memset(&cmp, 0, sizeof(cmp));
	run_name(&runs[0], na, sizeof(na));
	run_name(&runs[1], nb, sizeof(nb));
	if (run_doc(&runs[0], &a, err))
		return -1;
	r = run_doc(&runs[1], &b, err);
	if (!r)
		r = nt_compare_doc(&a, &b, na, nb, &cmp, err);
	if (!r && doc_append(out, &cmp))
		r = nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	nt_doc_release(&a);
	nt_doc_release(&b); /* empty after a failed build */
	nt_doc_release(&cmp);
	return r;
}

int nt_compare_runs(const struct nt_run *runs, int n, const struct nt_compare_opts *o,
		    struct nt_doc *out, int *nflagged, struct nt_err **err)
{
	struct runc *rc = calloc((size_t)n, sizeof(*rc));
	struct res *rs = NULL;
	struct nt_section *s;
	int nres = 0, cap = 0, r = 0;

	memset(out, 0, sizeof(*out));
	*nflagged = 0;
	if (!rc)
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	for (int i = 0; i < n && !r; i++) {
		r = load_run(&runs[i], &rc[i], err);
		sort_cells(&rc[i]);
	}
	for (int i = 1; i < n && !r; i++)
		if (pair_results(o, rc, i, &rs, &nres, &cap))
			r = nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	if (!r) {
		adjust(o, rs, nres, nflagged);
		s = nt_doc_section(out, "Statistical comparison");
		if (!s || note(s, runs, n, rs, nres, *nflagged, o) || build_tables(s, rs, nres, o))
			r = nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	}
	if (!r && n == 2 && o->values)
		r = values(runs, out, err);
	for (int i = 0; i < n; i++)
		runc_release(&rc[i]);
	free(rc);
	free(rs);
	if (r)
		nt_doc_release(out);
	return r;
}
