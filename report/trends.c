/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The report across traces: per-trace rows from the analysis tables, as tables (long form:
 * trace_id first) and as TREND plots, one x position per trace in the order asked.
 */
#include "trends.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sel {
	int64_t *ids; /* owned */
	int n;
	char in[4096]; /* "1,2,5" */
};

static int oom(struct nt_err **err)
{
	return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* The traces: @ids checked against the database, or all of them. */
static int select_traces(sqlite3 *db, const int64_t *ids, int n, struct sel *s, struct nt_err **err)
{
	sqlite3_stmt *q;
	char have[2048] = "";
	size_t at = 0, hat = 0;
	int64_t *all = NULL;
	int nall = 0;

	if (sqlite3_prepare_v2(db, "SELECT id FROM traces ORDER BY id", -1, &q, NULL) != SQLITE_OK)
		return nt_err_set(err, nt_err_new(NT_E_INPUT, "cannot list the traces: %s",
						  sqlite3_errmsg(db)));
	while (sqlite3_step(q) == SQLITE_ROW) {
		int64_t *x = realloc(all, sizeof(*x) * (size_t)(nall + 1));
		if (!x)
			break;
		all = x;
		all[nall] = sqlite3_column_int64(q, 0);
		if (hat < sizeof(have) - 24)
			hat += (size_t)snprintf(have + hat, sizeof(have) - hat, "%s%lld",
						nall ? ", " : "", (long long)all[nall]);
		nall++;
	}
	sqlite3_finalize(q);
	for (int i = 0; i < n; i++) {
		bool found = false;
		for (int j = 0; j < nall; j++)
			found |= all[j] == ids[i];
		if (!found) {
			free(all);
			return nt_err_set(err,
					  nt_err_new(NT_E_USAGE,
						     "no trace %lld in the database; "
						     "it has %s",
						     (long long)ids[i], *have ? have : "none"));
		}
	}
	if (n) {
		free(all);
		all = malloc(sizeof(*all) * (size_t)n);
		if (!all)
			return oom(err);
		memcpy(all, ids, sizeof(*all) * (size_t)n);
		nall = n;
	}
	qsort(all, (size_t)nall, sizeof(*all), cmp_id);
	s->ids = all;
	s->n = nall;
	for (int i = 0; i < nall && at < sizeof(s->in) - 24; i++)
		at += (size_t)snprintf(s->in + at, sizeof(s->in) - at, "%s%lld", i ? "," : "",
				       (long long)all[i]);
	if (!nall)
		snprintf(s->in, sizeof(s->in), "NULL");
	return 0;
}

/* Run @fmt (with %s = the trace list, twice at most) into a new table of @sec. */
static int table(struct nt_section *sec, const char *id, const char *title, const char *const *cols,
		 sqlite3 *db, const struct sel *s, const char *fmt, struct nt_err **err)
{
	struct nt_table *t = nt_section_table(sec, id, title, cols);
	sqlite3_stmt *q;
	char *sql = NULL;

	if (!t || asprintf(&sql, fmt, s->in, s->in) < 0)
		return oom(err);
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) {
		free(sql);
		return 0; /* the analysis never ran here: an empty table */
	}
	free(sql);
	if (nt_table_query(t, db, q))
		return nt_err_set(
			err, nt_err_new(NT_E_FAIL, "cannot read '%s': %s", id, sqlite3_errmsg(db)));
	return 0;
}

static int trace_index(const struct sel *s, int64_t id)
{
	for (int i = 0; i < s->n; i++)
		if (s->ids[i] == id)
			return i;
	return -1;
}

/* The series named @name of @p, made with @none at every trace when new. */
static int series_of(struct nt_plot *p, const struct sel *s, const char *name, double none)
{
	int i;

	for (i = 0; i < p->nseries; i++)
		if (!strcmp(p->series[i].name, name))
			return i;
	i = nt_plot_series(p, name);
	for (int k = 0; i >= 0 && k < s->n; k++)
		nt_plot_add(p, i, none);
	return i;
}

/*
 * Add to the TREND plot @p one series per distinct value of the key columns @k0..@k1 of @t
 * (its column 0 is trace_id), valued by column @vc, named KEY + @suffix.
 */
static void plot_from(struct nt_plot *p, const struct sel *s, const struct nt_table *t, int k0,
		      int k1, int vc, const char *suffix, double none)
{
	for (int r = 0; t && r < t->nrows; r++) {
		const struct nt_cell *row = &t->cells[r * t->ncols];
		char name[512] = "";
		size_t at = 0;
		int x = trace_index(s, (int64_t)row[0].num), ser;

		for (int k = k0; k <= k1 && at < sizeof(name) - 8; k++)
			at += (size_t)snprintf(
				name + at, sizeof(name) - at, "%s%s", k > k0 ? "→" : "",
				row[k].is_num || !row[k].text ? "(none)" : row[k].text);
		snprintf(name + at, sizeof(name) - at, "%s", suffix);
		ser = series_of(p, s, name, none);
		if (x >= 0 && ser >= 0 && row[vc].is_num && !row[vc].is_null)
			p->series[ser].v[x] = row[vc].num;
	}
}

/* A TREND plot with the traces as x labels, added to @sec. */
static struct nt_plot *trend(struct nt_section *sec, const struct sel *s, const char *id,
			     const char *title, const char *ylabel)
{
	struct nt_plot *p = nt_plot_new(NT_PLOT_TREND, id, title, "trace", ylabel);
	char b[32];

	for (int i = 0; p && i < s->n; i++) {
		snprintf(b, sizeof(b), "%lld", (long long)s->ids[i]);
		nt_plot_row(p, b);
	}
	if (p)
		nt_section_plot(sec, p);
	return p;
}

static const struct nt_table *last_table(const struct nt_section *sec)
{
	return sec->ntables ? sec->tables[sec->ntables - 1] : NULL;
}

static const char *const run_cols[] = {"trace_id",    "path",	     "duration_s", "events",
				       "lost_events", "lifecycles",  "dropped",	   "softirq_ms",
				       "allocs",      "bytes_alloc", NULL};
static const char *const drop_cols[] = {"trace_id", "reason", "drops", NULL};
static const char *const stage_cols[] = {"trace_id", "from_stage", "to_stage", "count",
					 "p50_us",   "p99_us",	   NULL};
static const char *const soft_cols[] = {"trace_id", "vec", "name", "runs", "time_ms", NULL};
static const char *const alloc_cols[] = {"trace_id",	"allocs",    "frees", "net_allocs",
					 "bytes_alloc", "bytes_req", NULL};

static int summary(struct nt_section *sec, sqlite3 *db, const struct sel *s, struct nt_err **err)
{
	return table(
		sec, "runs", "Runs: one row per trace", run_cols, db, s,
		"SELECT t.id, t.path, round((t.last_ts - t.first_ts) / 1e9, 6), t.events, "
		"t.lost_events, (SELECT count(*) FROM skb_lifecycles l WHERE l.trace_id = t.id), "
		"(SELECT count(*) FROM skb_lifecycles l WHERE l.trace_id = t.id AND outcome = "
		"'dropped'), (SELECT round(coalesce(sum(duration_ns), 0) / 1e6, 3) FROM "
		"softirq_intervals i WHERE i.trace_id = t.id AND NOT lossy), (SELECT sum(allocs) "
		"FROM alloc_sites a WHERE a.trace_id = t.id), (SELECT sum(bytes_alloc) FROM "
		"alloc_sites a WHERE a.trace_id = t.id) FROM traces t WHERE t.id IN (%s) "
		"ORDER BY t.id",
		err);
}

static int trends(struct nt_section *sec, sqlite3 *db, const struct sel *s, struct nt_err **err)
{
	struct nt_plot *p;

	if (table(sec, "trend_drops", "Drops per reason", drop_cols, db, s,
		  "SELECT trace_id, coalesce(reason, '(none)'), sum(count) FROM skb_drops WHERE "
		  "outcome = 'dropped' AND trace_id IN (%s) GROUP BY 1, 2 ORDER BY 1, 2",
		  err) ||
	    !(p = trend(sec, s, "trend-drops", "Drops per reason across traces", "drops")))
		return -1;
	plot_from(p, s, last_table(sec), 1, 1, 2, "", 0);
	if (table(sec, "trend_stages", "skb stage latency per trace (µs)", stage_cols, db, s,
		  "SELECT trace_id, from_stage, to_stage, count, round(p50_ns / 1e3, 3), "
		  "round(p99_ns / 1e3, 3) FROM skb_latency WHERE trace_id IN (%s) ORDER BY 1, 2, 3",
		  err) ||
	    !(p = trend(sec, s, "trend-stage-latency", "skb stage latency p50 and p99", "µs")))
		return -1;
	plot_from(p, s, last_table(sec), 1, 2, 4, " p50", NAN);
	plot_from(p, s, last_table(sec), 1, 2, 5, " p99", NAN);
	if (table(sec, "trend_softirq", "softirq time per vector (non-lossy runs)", soft_cols, db,
		  s,
		  "SELECT trace_id, vec, name, count(*), round(sum(duration_ns) / 1e6, 3) FROM "
		  "softirq_intervals WHERE NOT lossy AND duration_ns NOT NULL AND trace_id IN (%s) "
		  "GROUP BY 1, 2, 3 ORDER BY 1, 2",
		  err) ||
	    !(p = trend(sec, s, "trend-softirq-time", "softirq time per vector", "ms")))
		return -1;
	plot_from(p, s, last_table(sec), 2, 2, 4, "", 0);
	if (table(sec, "trend_alloc", "Allocation totals per trace", alloc_cols, db, s,
		  "SELECT trace_id, sum(allocs), sum(frees), sum(CASE WHEN net THEN allocs "
		  "ELSE 0 END), sum(bytes_alloc), sum(bytes_req) FROM alloc_sites WHERE trace_id "
		  "IN (%s) GROUP BY 1 ORDER BY 1",
		  err) ||
	    !(p = trend(sec, s, "trend-alloc", "Allocations across traces", "allocations")))
		return -1;
	plot_from(p, s, last_table(sec), 1, 0, 1, "allocs", NAN);
	plot_from(p, s, last_table(sec), 1, 0, 2, "frees", NAN);
	plot_from(p, s, last_table(sec), 1, 0, 3, "network allocs", NAN);
	return 0;
}

int nt_trends_build(sqlite3 *db, const int64_t *ids, int n, struct nt_doc *d, struct nt_err **err)
{
	struct sel s = {0};
	struct nt_section *sec;
	int r;

	memset(d, 0, sizeof(*d));
	if (select_traces(db, ids, n, &s, err))
		return -1;
	sec = nt_doc_section(d, "Runs");
	if (!sec) {
		free(s.ids);
		return oom(err);
	}
	nt_section_note(sec, false,
			"%d trace%s, one x position each in the plots (ordered by id). Drops and "
			"softirq time count 0 where a trace has none; latencies are missing where "
			"a trace has no such stage pair. Lossy intervals are left out.",
			s.n, s.n == 1 ? "" : "s");
	r = summary(sec, db, &s, err);
	if (!r)
		r = trends(sec, db, &s, err);
	free(s.ids);
	if (r)
		nt_doc_release(d);
	return r;
}
