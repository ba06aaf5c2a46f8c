/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Building the report document: one function per section, each reading only the database
 * through query.h; and the text report, that document as text.
 */
#include "doc.h"
#include "report_int.h"
#include "../core/progress.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int fill(struct nt_table *t, sqlite3 *db, const char *sql, const struct nt_report_filter *f,
		struct nt_err **err)
{
	sqlite3_stmt *st = nt_report_query(db, sql, f);

	if (!t)
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	if (!st || nt_table_query(t, db, st))
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "report: cannot read '%s': %s", t->id,
						  sqlite3_errmsg(db)));
	return 0;
}

/* fill() for a query on a per-task table (NT_TASK_WHERE). */
static int task_fill(struct nt_table *t, sqlite3 *db, const char *sql,
		     const struct nt_report_filter *f, struct nt_err **err)
{
	sqlite3_stmt *st;

	if (!t)
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	st = nt_report_task_query(db, sql, f);
	if (!st || nt_table_query(t, db, st))
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "report: cannot read '%s': %s", t->id,
						  sqlite3_errmsg(db)));
	return 0;
}

/* A bar chart's bars from @sql: (label, value) rows. */
static void bars(sqlite3 *db, const struct nt_report_filter *f, struct nt_plot *p, const char *sql)
{
	sqlite3_stmt *st = nt_report_query(db, sql, f);

	while (p && st && sqlite3_step(st) == SQLITE_ROW)
		nt_plot_bar(p, (const char *)sqlite3_column_text(st, 0),
			    sqlite3_column_double(st, 1));
	sqlite3_finalize(st);
}

/* ---- capture summary ---- */

static int capture(sqlite3 *db, const struct nt_report_filter *f, struct nt_doc *d,
		   struct nt_err **err)
{
	struct nt_section *s = nt_doc_section(d, "Capture");
	static const char *const tcols[] = {"trace_id",	  "path",   "format",	   "kernel", "cpus",
					    "duration_s", "events", "lost_events", NULL};
	static const char *const ccols[] = {"trace_id", "event", "events", NULL};
	static const char *const kcols[] = {"trace_id", "comm", "pid", "events", NULL};
	sqlite3_stmt *st;
	struct nt_plot *p;

	if (!s)
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	if (fill(nt_section_table(s, "traces", "Traces", tcols), db,
		 "SELECT id, path, format, kernel, ncpus, round((last_ts - first_ts) / 1e9, 6), "
		 "events, "
		 "lost_events FROM traces WHERE ?1 = 0 OR id = ?1 ORDER BY id",
		 f, err))
		return -1;
	st = nt_report_query(
		db,
		"SELECT id, lost_events, lost_unknown, (SELECT group_concat('cpu' || cpu || ': ' "
		"|| "
		"lost_events, ', ') FROM trace_cpus c WHERE c.trace_id = t.id AND lost_events > 0) "
		"FROM traces t WHERE (?1 = 0 OR id = ?1) AND (lost_events > 0 OR lost_unknown)",
		f);
	while (st && sqlite3_step(st) == SQLITE_ROW)
		nt_section_note(
			s, true,
			"LOST EVENTS in trace %lld: %s%lld events were lost (%s). Results that "
			"overlap the lost windows are marked lossy; counts there are incomplete.",
			sqlite3_column_int64(st, 0), sqlite3_column_int(st, 2) ? "at least " : "",
			sqlite3_column_int64(st, 1),
			sqlite3_column_text(st, 3) ? (const char *)sqlite3_column_text(st, 3)
						   : "cpu unknown");
	sqlite3_finalize(st);
	if (!s->note)
		nt_section_note(s, false, "No events were lost.");
	nt_section_note(s, false, "%s", nt_report_task_scope(db, f));
	if (task_fill(nt_section_table(s, "tasks", "Busiest tasks (events)", kcols), db,
		      "SELECT trace_id, comm, pid, events FROM tasks WHERE (?1 = 0 OR trace_id = "
		      "?1) AND events > 0" NT_TASK_WHERE("tasks") " ORDER BY events DESC LIMIT 15",
		      f, err))
		return -1;
	if (fill(nt_section_table(s, "event_counts", "Events per class", ccols), db,
		 "SELECT trace_id, name, events FROM event_counts WHERE ?1 = 0 OR trace_id = ?1 "
		 "ORDER BY trace_id, events DESC, name",
		 f, err))
		return -1;
	p = nt_plot_new(NT_PLOT_BARS, "event-classes", "Events per class (top 20)", "events", "");
	bars(db, f, p,
	     "SELECT name, sum(events) FROM event_counts WHERE ?1 = 0 OR trace_id = ?1 "
	     "GROUP BY name ORDER BY 2 DESC LIMIT 20");
	nt_section_plot(s, p);
	return 0;
}

/* ---- interrupts ---- */

static int cmp_total(const void *a, const void *b)
{
	const struct irq_row *x = a, *y = b;

	if (x->total_ns != y->total_ns)
		return x->total_ns > y->total_ns ? -1 : 1;
	return x->number < y->number ? -1 : x->number > y->number;
}

/* One row per IRQ (vector), ranked by total time, with its share of all of them. */
static void irq_table(struct nt_table *t, const struct irq_rows *rs, bool soft)
{
	struct irq_row *v = rs->n ? malloc((size_t)rs->n * sizeof(*v)) : NULL;
	double all = 0;

	for (int i = 0; v && i < rs->n; i++)
		all += (double)(v[i] = rs->r[i]).total_ns;
	if (v)
		qsort(v, (size_t)rs->n, sizeof(*v), cmp_total);
	for (int i = 0; t && v && i < rs->n; i++) {
		const struct irq_row *r = &v[i];
		const struct nt_stat *st[2] = {&r->dur, &r->raise};

		nt_table_row(t);
		nt_table_num(t, (double)r->number);
		if (*r->name)
			nt_table_text(t, r->name);
		else
			nt_table_null(t);
		nt_table_num(t, (double)r->dur.n);
		nt_table_num(t, (double)r->total_ns / 1e3);
		nt_table_num(t, all > 0 ? round(1000.0 * (double)r->total_ns / all) / 10 : 0);
		for (int k = 0; k < (soft ? 2 : 1); k++) {
			if (k)
				nt_table_num(t, (double)st[k]->n);
			if (st[k]->n) {
				nt_table_num(t, st[k]->min / 1e3);
				nt_table_num(t, st[k]->mean / 1e3);
				nt_table_num(t, st[k]->max / 1e3);
				nt_table_num(t, nt_stat_stdev(st[k]) / 1e3);
			} else {
				for (int j = 0; j < 4; j++)
					nt_table_null(t);
			}
		}
	}
	free(v);
}

static char *label_of(const struct irq_row *r, bool soft)
{
	char *s = NULL;

	if (asprintf(&s, "%s %lld%s%s%s", soft ? "vec" : "irq", (long long)r->number,
		     *r->name ? " (" : "", r->name, *r->name ? ")" : "") < 0)
		return NULL;
	return s;
}

/* Samples per irq/vector for the plots (durations or raise latencies in µs). */
static void irq_samples(sqlite3 *db, const struct nt_report_filter *f, struct nt_plot *p,
			const struct irq_rows *rs, bool soft, bool raise)
{
	char sql[512];
	sqlite3_stmt *st;

	snprintf(sql, sizeof(sql),
		 "SELECT %s, %s FROM %s WHERE (?1 = 0 OR trace_id = ?1) AND (?2 < 0 OR cpu = ?2) "
		 "AND "
		 "(?3 < 0 OR entry_ts >= ?3) AND (?4 < 0 OR entry_ts <= ?4) AND ?5 IS ?5 AND NOT "
		 "lossy AND %s "
		 "IS NOT NULL",
		 soft ? "vec" : "irq", raise ? "raise_latency_ns" : "duration_ns",
		 soft ? "softirq_intervals" : "irq_intervals",
		 raise ? "raise_latency_ns" : "duration_ns");
	for (int i = 0; p && i < rs->n; i++) {
		char *l = label_of(&rs->r[i], soft);
		nt_plot_series(p, l ? l : "?");
		free(l);
	}
	st = nt_report_query(db, sql, f);
	while (p && st && sqlite3_step(st) == SQLITE_ROW) {
		int64_t n = sqlite3_column_int64(st, 0);
		for (int i = 0; i < rs->n; i++)
			if (rs->r[i].number == n)
				nt_plot_add(p, i, sqlite3_column_double(st, 1) / 1e3);
	}
	sqlite3_finalize(st);
}

/* A per-cpu timeline of hard and soft interrupts over the first 20 ms with any. */
static struct nt_plot *irq_timeline(sqlite3 *db, const struct nt_report_filter *f)
{
	struct nt_plot *p = nt_plot_new(NT_PLOT_TIMELINE, "irq-timeline",
					"Interrupts per CPU (first 20 ms with interrupts)",
					"time since the first interrupt (ms)", "");
	sqlite3_stmt *st;
	int64_t t0 = -1;

	st = nt_report_query(
		db,
		"SELECT cpu, 'irq ' || coalesce(name, irq), entry_ts, exit_ts FROM irq_intervals "
		"WHERE (?1 = 0 OR trace_id = ?1) AND (?2 < 0 OR cpu = ?2) AND (?3 < 0 OR entry_ts "
		">= ?3) "
		"AND (?4 < 0 OR entry_ts <= ?4) AND ?5 IS ?5 UNION ALL "
		"SELECT cpu, 'softirq ' || coalesce(name, vec), entry_ts, exit_ts FROM "
		"softirq_intervals "
		"WHERE (?1 = 0 OR trace_id = ?1) AND (?2 < 0 OR cpu = ?2) AND (?3 < 0 OR entry_ts "
		">= ?3) "
		"AND (?4 < 0 OR entry_ts <= ?4) AND ?5 IS ?5 ORDER BY 3 LIMIT 20000",
		f);
	while (p && st && sqlite3_step(st) == SQLITE_ROW) {
		int64_t a = sqlite3_column_int64(st, 2), b = sqlite3_column_int64(st, 3);
		char row[32];
		int r, c;

		if (t0 < 0)
			t0 = a;
		if (a - t0 > 20000000)
			break;
		snprintf(row, sizeof(row), "cpu %d", sqlite3_column_int(st, 0));
		r = nt_plot_row(p, row);
		c = nt_plot_cat(p, (const char *)sqlite3_column_text(st, 1));
		if (r >= 0 && c >= 0)
			nt_plot_span(p, r, c, (double)(a - t0) / 1e6, (double)(b - t0) / 1e6);
	}
	sqlite3_finalize(st);
	return p;
}

static int interrupts(sqlite3 *db, const struct nt_report_filter *f, struct nt_doc *d,
		      struct nt_err **err)
{
	static const char *const hcols[] = {"irq",    "name",	"count",  "total_us", "share_pct",
					    "min_us", "avg_us", "max_us", "stdev_us", NULL};
	static const char *const scols[] = {
		"vec",		"name",		"count",	"total_us",	  "share_pct",
		"min_us",	"avg_us",	"max_us",	"stdev_us",	  "raise_count",
		"raise_min_us", "raise_avg_us", "raise_max_us", "raise_stdev_us", NULL};
	static const char *const ncols[] = {"dev",	"polls",  "work", "full_budget_polls",
					    "max_work", "budget", NULL};
	struct irq_rows hard, soft;
	struct nt_section *s;
	struct nt_plot *p;

	if (!nt_report_table_exists(db, "irq_intervals"))
		return 0;
	s = nt_doc_section(d, "IRQ and softirq");
	if (!s || nt_report_gather_irq(db, f, false, &hard) ||
	    nt_report_gather_irq(db, f, true, &soft))
		return nt_err_set(
			err, nt_err_new(NT_E_FAIL, "report: cannot read the interrupt tables"));
	/* the packet explorer (HTML) follows the skb section, or this one when there is none */
	s->explorer = !nt_report_table_exists(db, "skb_lifecycles");
	nt_section_note(
		s, false,
		"Durations are from handler entry to exit on one CPU; raise latency is from the "
		"first softirq_raise of a vector to its softirq_entry. Intervals that overlap a "
		"window of lost events are left out. Times in µs.");
	irq_table(nt_section_table(s, "irq", "Hard IRQs by total handler time", hcols), &hard,
		  false);
	irq_table(nt_section_table(s, "softirq",
				   "Softirqs by total time (duration | raise → entry latency)",
				   scols),
		  &soft, true);
	p = nt_plot_new(NT_PLOT_HIST, "irq-duration", "Hard IRQ handler durations", "duration (µs)",
			"interrupts");
	irq_samples(db, f, p, &hard, false, false);
	nt_section_plot(s, p);
	p = nt_plot_new(NT_PLOT_HIST, "softirq-duration", "Softirq durations", "duration (µs)",
			"softirqs");
	irq_samples(db, f, p, &soft, true, false);
	nt_section_plot(s, p);
	p = nt_plot_new(NT_PLOT_CDF, "softirq-raise-latency", "Softirq raise → entry latency",
			"latency (µs)", "fraction of softirqs");
	if (p)
		p->logx = true;
	irq_samples(db, f, p, &soft, true, true);
	nt_section_plot(s, p);
	nt_section_plot(s, irq_timeline(db, f));
	free(hard.r);
	free(soft.r);
	if (nt_report_table_exists(db, "napi_polls") &&
	    fill(nt_section_table(s, "napi", "NAPI polls per device", ncols), db,
		 "SELECT dev, count(*), sum(work), sum(full_budget), max(work), max(budget) FROM "
		 "napi_polls WHERE (?1 = 0 OR trace_id = ?1) AND (?2 < 0 OR cpu = ?2) AND (?3 < 0 "
		 "OR ts >= "
		 "?3) AND (?4 < 0 OR ts <= ?4) AND (?5 IS NULL OR dev = ?5) GROUP BY dev ORDER BY "
		 "dev",
		 f, err))
		return -1;
	return 0;
}

/* ---- skb lifecycles ---- */

/* Say why ends whose pointers the trace hides have no location (and were not followed). */
static void hidden_note(sqlite3 *db, const struct nt_report_filter *f, struct nt_section *s)
{
	sqlite3_stmt *st =
		nt_report_query(db,
				"SELECT sum(outcome = 'dropped'), count(*) FROM skb_lifecycles "
				"WHERE (?1 = 0 OR trace_id = ?1) AND skbaddr IS NULL AND ?2 IS ?2 "
				"AND ?3 IS ?3 AND ?4 IS ?4 AND ?5 IS ?5",
				f);

	if (st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 1) > 0)
		nt_section_note(
			s, false,
			"Of the skb ends, %lld drops and %lld normal frees come from events whose "
			"pointers the trace "
			"hides: the kernel printed '(____ptrval____)' for the skb address and, "
			"where "
			"the format prints it with %%p (kernels before 5.17), the drop location, "
			"because it could not yet hash pointers. These skbs cannot be followed "
			"(one event each) and their location is unknown: '(hidden by the trace)'. "
			"A binary trace (nettrail record, trace-cmd record) has the addresses.",
			sqlite3_column_int64(st, 0),
			sqlite3_column_int64(st, 1) - sqlite3_column_int64(st, 0));
	sqlite3_finalize(st);
}

/* Say why drop locations are addresses: no kernel symbols for the trace (analyze/ksyms.h). */
static void unnamed_note(sqlite3 *db, const struct nt_report_filter *f, struct nt_section *s)
{
	sqlite3_stmt *st = nt_report_query(
		db,
		"SELECT group_concat(trace_id, ', '), sum(value) FROM analysis_notes "
		"WHERE (?1 = 0 OR trace_id = ?1) AND analysis = 'skb' AND key = "
		"'unresolved_locations' AND value > 0 AND ?2 IS ?2 AND ?3 IS ?3 AND "
		"?4 IS ?4 AND ?5 IS ?5",
		f);

	if (st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 1) > 0)
		nt_section_note(
			s, false,
			"%lld skb end locations (trace %s) are shown as addresses: the trace names "
			"no kernel symbols (a perf.data carries none) and none were found for it: "
			"no FILE.kallsyms next to it (nettrail record --backend perf writes one), "
			"nothing in perf's build-id cache (~/.debug) for its kernel, and this "
			"machine does not run that kernel. Put the traced machine's /proc/kallsyms "
			"next to the file as FILE.kallsyms and run 'nettrail analyze'.",
			sqlite3_column_int64(st, 1), (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

static int skb_fill(struct nt_table *t, sqlite3 *db, const char *sql,
		    const struct nt_report_filter *f, struct nt_err **err)
{
	sqlite3_stmt *st;

	if (!t)
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	st = nt_report_skb_query(db, sql, f);
	if (!st || nt_table_query(t, db, st))
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "report: cannot read '%s': %s", t->id,
						  sqlite3_errmsg(db)));
	return 0;
}

/* Stage-to-stage latency samples (µs), one CDF line per consecutive pair. */
static struct nt_plot *skb_cdf(sqlite3 *db, const struct nt_report_filter *f)
{
	struct nt_plot *p =
		nt_plot_new(NT_PLOT_CDF, "skb-stage-latency", "skb stage-to-stage latency",
			    "latency (µs)", "fraction of skbs");

	if (!p)
		return NULL;
	p->logx = true;
	for (int a = 0; a + 1 < NT_SKB_STAGES; a++) {
		char name[64];
		double *v;
		size_t n = nt_report_skb_stage(db, f, a, &v);
		int series;

		snprintf(name, sizeof(name), "%s → %s", nt_skb_stages[a], nt_skb_stages[a + 1]);
		series = nt_plot_series(p, name);
		for (size_t i = 0; i < n; i++)
			nt_plot_add(p, series, v[i]);
		free(v);
	}
	return p;
}

/*
 * A waterfall: the hops of the first few complete lifecycles, as spans between stages. One
 * scan of skb_hops for all of them (a view over skb_hop_lists, without an index).
 */
static struct nt_plot *skb_waterfall(sqlite3 *db, const struct nt_report_filter *f)
{
	struct nt_plot *p =
		nt_plot_new(NT_PLOT_TIMELINE, "skb-waterfall", "Sample packets through the stack",
			    "time since the packet's first event (µs)", "");
	sqlite3_stmt *st = nt_report_skb_query(
		db,
		"SELECT trace_id, skb_id, coalesce(device, rx_device, '?'), len, outcome = "
		"'dropped' FROM "
		"skb_lifecycles" NT_SKB_WHERE " AND hops >= 3 AND NOT lossy ORDER BY "
		"start_ts LIMIT 8",
		f);
	int64_t trace[8], id[8];
	int row[8], n = 0;
	bool dropped[8];
	char sql[512];
	size_t at;
	sqlite3_stmt *h;
	int64_t cur = -1;
	int last = -1;
	double t0 = 0, prev_t = 0;
	char prev[32] = "";

	while (p && st && n < 8 && sqlite3_step(st) == SQLITE_ROW) {
		char name[96];
		trace[n] = sqlite3_column_int64(st, 0);
		id[n] = sqlite3_column_int64(st, 1);
		dropped[n] = sqlite3_column_int(st, 4);
		snprintf(name, sizeof(name), "skb %lld (%s, %lld B)", (long long)id[n],
			 sqlite3_column_text(st, 2), sqlite3_column_int64(st, 3));
		row[n++] = nt_plot_row(p, name);
	}
	sqlite3_finalize(st);
	if (!p || !n)
		return p;
	at = (size_t)snprintf(sql, sizeof(sql),
			      "SELECT trace_id, skb_id, ts, coalesce(stage, 'other') "
			      "FROM skb_hops WHERE skb_id IN (");
	for (int i = 0; i < n; i++)
		at += (size_t)snprintf(sql + at, sizeof(sql) - at, "%s%lld", i ? "," : "",
				       (long long)id[i]);
	snprintf(sql + at, sizeof(sql) - at, ") ORDER BY trace_id, skb_id, ts, event_rowid");
	if (sqlite3_prepare_v2(db, sql, -1, &h, NULL) != SQLITE_OK)
		return p;
	while (sqlite3_step(h) == SQLITE_ROW) {
		int64_t tr = sqlite3_column_int64(h, 0), sk = sqlite3_column_int64(h, 1);
		double t = sqlite3_column_double(h, 2);
		int r = -1;

		for (int i = 0; i < n; i++)
			if (trace[i] == tr && id[i] == sk)
				r = i;
		if (r < 0)
			continue;
		if (sk != cur) {
			if (cur >= 0 && last >= 0 && dropped[last])
				nt_plot_mark(p, row[last], (prev_t - t0) / 1e3, "dropped");
			cur = sk;
			last = r;
			t0 = t;
			*prev = '\0';
		}
		r = row[r];
		if (*prev) {
			int c = nt_plot_cat(p, prev);
			if (c >= 0)
				nt_plot_span(p, r, c, (prev_t - t0) / 1e3, (t - t0) / 1e3);
		}
		snprintf(prev, sizeof(prev), "%s", (const char *)sqlite3_column_text(h, 3));
		prev_t = t;
	}
	if (last >= 0 && dropped[last]) /* the drop is the last hop */
		nt_plot_mark(p, row[last], (prev_t - t0) / 1e3, "dropped");
	sqlite3_finalize(h);
	return p;
}

/* The stage latencies with the filters applied: computed from the lifecycles. */
static void skb_stages(sqlite3 *db, const struct nt_report_filter *f, struct nt_section *s)
{
	static const char *const lcols[] = {"from_stage", "to_stage", "count",	"min_us", "p50_us",
					    "p90_us",	  "p99_us",   "max_us", NULL};
	struct nt_table *t = nt_section_table(
		s, "skb_stages", "Stage-to-stage latency (µs, exact percentiles)", lcols);

	for (int a = 0; t && a + 1 < NT_SKB_STAGES; a++) {
		double *v;
		size_t n = nt_report_skb_stage(db, f, a, &v);

		if (n) {
			nt_table_row(t);
			nt_table_text(t, nt_skb_stages[a]);
			nt_table_text(t, nt_skb_stages[a + 1]);
			nt_table_num(t, (double)n);
			nt_table_num(t, v[0]);
			nt_table_num(t, nt_rank(v, n, 50));
			nt_table_num(t, nt_rank(v, n, 90));
			nt_table_num(t, nt_rank(v, n, 99));
			nt_table_num(t, v[n - 1]);
		}
		free(v);
	}
}

/* Traffic per network device, from the hops (as lttng-iousagetop). */
static int skb_devices(sqlite3 *db, const struct nt_report_filter *f, struct nt_section *s,
		       struct nt_err **err)
{
	static const char *const ncols[] = {"dev",	  "tx_packets", "tx_bytes",
					    "rx_packets", "rx_bytes",	NULL};

	return skb_fill(
		nt_section_table(s, "net_devices",
				 "Traffic per network device (as lttng-iousagetop)", ncols),
		db,
		"SELECT device, sum(event = 'net:net_dev_xmit'), sum(CASE WHEN event = "
		"'net:net_dev_xmit' THEN len END), sum(event = 'net:netif_receive_skb'), "
		"sum(CASE WHEN event = 'net:netif_receive_skb' THEN len END) FROM skb_hops "
		"WHERE (?1 = 0 OR trace_id = ?1) AND (?2 < 0 OR cpu = ?2) AND (?3 < 0 OR ts >= "
		"?3) AND (?4 < 0 OR ts <= ?4) AND (?5 IS NULL OR device = ?5) AND (?6 < 0 OR "
		"pid = ?6) AND ?7 IS ?7 AND event IN ('net:net_dev_xmit', "
		"'net:netif_receive_skb') AND device IS NOT NULL GROUP BY device ORDER BY "
		"coalesce(sum(len), 0) DESC, device",
		f, err);
}

static int skb(sqlite3 *db, const struct nt_report_filter *f, struct nt_doc *d, struct nt_err **err)
{
	static const char *const ocols[] = {"outcome", "lifecycles", "lossy", NULL};
	static const char *const dcols[] = {"reason", "location", "drops", NULL};
	static const char *const fcols[] = {"outcome", "end_by", "location", "count", NULL};
	struct nt_section *s;

	if (!nt_report_table_exists(db, "skb_lifecycles"))
		return 0;
	s = nt_doc_section(d, "skb lifecycles");
	if (!s)
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	s->explorer = true; /* the packet explorer (HTML) follows */
	nt_section_note(
		s, false,
		"Every sk_buff followed by address from allocation (or first sight) to its free; "
		"a reused address starts a new lifecycle. 'recycled': a task read the datagram "
		"from its socket and its free fired no tracepoint (6.x kernels free it into the "
		"per-cpu skb cache, untraced; see docs/analyses/skb.md). 'open': no end and no "
		"such read in the trace (still in flight, or unread in a socket, when the trace "
		"ended). 'lossy' ones overlap a window of lost events. Traffic per device: "
		"net_dev_xmit lengths (with the link header) and netif_receive_skb lengths "
		"(from the network header), per event; --comm does not apply to it.");
	hidden_note(db, f, s);
	unnamed_note(db, f, s);
	if (skb_fill(nt_section_table(s, "skb_outcomes", "Outcomes", ocols), db,
		     "SELECT outcome, count(*), sum(lossy) FROM skb_lifecycles" NT_SKB_WHERE
		     " GROUP BY outcome ORDER BY outcome",
		     f, err))
		return -1;
	skb_stages(db, f, s);
	if (skb_fill(nt_section_table(s, "skb_drops", "Drops by reason and location", dcols), db,
		     "SELECT coalesce(drop_reason, '(no reason in the trace)'), coalesce(location, "
		     "CASE WHEN skbaddr IS NULL THEN '(hidden by the trace)' WHEN location_addr IS "
		     "NOT "
		     "NULL THEN printf('0x%x', location_addr) ELSE '?' END), "
		     "count(*) FROM skb_lifecycles" NT_SKB_WHERE
		     " AND outcome = 'dropped' GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2",
		     f, err) ||
	    skb_fill(nt_section_table(s, "skb_frees", "Normal ends (not drops)", fcols), db,
		     "SELECT outcome, end_by, coalesce(location, CASE WHEN skbaddr IS NULL THEN "
		     "'(hidden by the trace)' WHEN location_addr IS NOT NULL THEN printf('0x%x', "
		     "location_addr) ELSE '?' END), count(*) FROM "
		     "skb_lifecycles" NT_SKB_WHERE
		     " AND outcome <> 'dropped' GROUP BY 1, 2, 3 ORDER BY 4 DESC",
		     f, err) ||
	    nt_report_flows(db, f, s, err))
		return -1;
	if (skb_devices(db, f, s, err))
		return -1;
	nt_section_plot(s, skb_cdf(db, f));
	nt_section_plot(s, skb_waterfall(db, f));
	return 0;
}

/* ---- allocations ---- */

/*
 * The call sites of the allocations the shown tasks made (alloc_tasks): frees, lifetimes and
 * what is outstanding belong to objects, not tasks, and are left empty; caches and pages are
 * not split by task.
 */
static int alloc_tasks(sqlite3 *db, const struct nt_report_filter *f, struct nt_section *s,
		       const char *const *scols, struct nt_err **err)
{
	struct nt_plot *p;

	nt_section_note(s, false,
			"%s Frees, lifetimes and outstanding objects are not split by task; "
			"caches and pages: --all-tasks.",
			nt_report_task_scope(db, f));
	if (!nt_report_table_exists(db, "alloc_tasks"))
		return 0; /* a database from before per-task tables: nettrail analyze DB */
	if (task_fill(
		    nt_section_table(s, "alloc_sites", "Call sites (top 40 by bytes allocated)",
				     scols),
		    db,
		    "SELECT call_site, net, sum(allocs), NULL, sum(bytes_req), sum(bytes_alloc), "
		    "sum(bytes_alloc - bytes_req), round(100.0 * sum(bytes_alloc - bytes_req) / "
		    "max(sum(bytes_alloc), 1), 1), NULL, NULL, NULL FROM alloc_tasks WHERE (?1 = 0 "
		    "OR trace_id = ?1)" NT_TASK_WHERE(
			    "alloc_tasks") " GROUP BY call_site, net ORDER BY 6 DESC, 3 DESC, 1 "
					   "LIMIT 40",
		    f, err))
		return -1;
	p = nt_plot_new(NT_PLOT_BARS, "alloc-sites", "Top call sites by bytes allocated",
			"bytes allocated", "");
	for (int r = 0; p && r < s->tables[s->ntables - 1]->nrows && r < 20; r++) {
		const struct nt_table *t = s->tables[s->ntables - 1];
		nt_plot_bar(p, t->cells[r * t->ncols].text, t->cells[r * t->ncols + 5].num);
	}
	nt_section_plot(s, p);
	return 0;
}

/* The per-task totals (task_allocs, as lttng-memtop), for the tasks the section shows. */
static int task_totals(sqlite3 *db, const struct nt_report_filter *f, struct nt_section *s,
		       struct nt_err **err)
{
	static const char *const tcols[] = {"pid",	   "comm",	  "allocs",
					    "bytes_alloc", "frees",	  "bytes_freed",
					    "pages",	   "pages_freed", NULL};

	if (!nt_report_table_exists(db, "task_allocs"))
		return 0;
	return task_fill(
		nt_section_table(s, "task_allocs",
				 "Per task (top 20 by bytes allocated, as lttng-memtop)", tcols),
		db,
		"SELECT pid, comm, sum(allocs), sum(bytes_alloc), sum(frees), sum(bytes_freed), "
		"sum(pages), sum(pages_freed) FROM task_allocs WHERE (?1 = 0 OR trace_id = "
		"?1)" NT_TASK_WHERE("task_allocs") " GROUP BY pid, comm ORDER BY 4 DESC, 3 DESC, "
						   "1 LIMIT 20",
		f, err);
}

static int alloc(sqlite3 *db, const struct nt_report_filter *f, struct nt_doc *d,
		 struct nt_err **err)
{
	static const char *const scols[] = {"call_site",       "net",	      "allocs",
					    "frees",	       "bytes_req",   "bytes_alloc",
					    "waste",	       "frag_pct",    "lifetime_avg_us",
					    "cross_cpu_frees", "outstanding", NULL};
	static const char *const ccols[] = {"cache",	"net",	       "allocs",
					    "frees",	"bytes_alloc", "waste",
					    "frag_pct", "outstanding", NULL};
	static const char *const pcols[] = {"order", "allocs",	    "pages",
					    "frees", "outstanding", NULL};
	struct nt_section *s;
	struct nt_plot *p;

	if (!nt_report_table_exists(db, "alloc_sites"))
		return 0;
	s = nt_doc_section(d, "Allocation hotspots");
	if (!s)
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	nt_section_note(
		s, false,
		"kmalloc and kmem_cache allocations by call site (from the trace's kallsyms) and "
		"by cache; 'net' marks the network stack. Waste = allocated − requested bytes. "
		"Per task: slab allocations (kmalloc, kmem_cache_alloc) and pages allocated by "
		"the task, frees made by it (bytes_freed: of objects whose allocation the trace "
		"shows), of the tasks the section shows (the workload, --pid/--comm; "
		"--all-tasks).");
	if (nt_report_task_filtered(db, f))
		return alloc_tasks(db, f, s, scols, err) || task_totals(db, f, s, err) ? -1 : 0;
	nt_section_note(s, false, "%s", nt_report_task_scope(db, f));
	if (fill(nt_section_table(s, "alloc_sites", "Call sites (top 40 by bytes allocated)",
				  scols),
		 db,
		 "SELECT call_site, net, sum(allocs), sum(frees), sum(bytes_req), "
		 "sum(bytes_alloc), "
		 "sum(waste), round(100.0 * sum(waste) / max(sum(bytes_alloc), 1), 1), "
		 "round(sum(lifetime_avg_ns * lifetimes) / max(sum(lifetimes), 1) / 1e3, 3), "
		 "sum(cross_cpu_frees), sum(outstanding) FROM alloc_sites WHERE (?1 = 0 OR "
		 "trace_id = ?1) "
		 "GROUP BY call_site, net ORDER BY 6 DESC, 3 DESC LIMIT 40",
		 f, err) ||
	    fill(nt_section_table(s, "alloc_caches", "Caches", ccols), db,
		 "SELECT cache, net, sum(allocs), sum(frees), sum(bytes_alloc), sum(waste), "
		 "round(100.0 * sum(waste) / max(sum(bytes_alloc), 1), 1), sum(outstanding) FROM "
		 "alloc_caches WHERE (?1 = 0 OR trace_id = ?1) GROUP BY cache, net ORDER BY 3 DESC",
		 f, err) ||
	    fill(nt_section_table(s, "page_allocs", "Page allocations by order", pcols), db,
		 "SELECT page_order, sum(allocs), sum(pages), sum(frees), sum(outstanding) FROM "
		 "page_allocs WHERE (?1 = 0 OR trace_id = ?1) GROUP BY page_order ORDER BY "
		 "page_order",
		 f, err))
		return -1;
	if (task_totals(db, f, s, err))
		return -1;
	p = nt_plot_new(NT_PLOT_BARS, "alloc-sites", "Top call sites by bytes allocated",
			"bytes allocated", "");
	bars(db, f, p,
	     "SELECT call_site, sum(bytes_alloc) FROM alloc_sites WHERE ?1 = 0 OR trace_id = ?1 "
	     "GROUP BY call_site ORDER BY 2 DESC LIMIT 20");
	nt_section_plot(s, p);
	p = nt_plot_new(NT_PLOT_BARS, "alloc-waste", "Top call sites by wasted bytes",
			"bytes wasted", "");
	bars(db, f, p,
	     "SELECT call_site, sum(waste) FROM alloc_sites WHERE (?1 = 0 OR trace_id = ?1) "
	     "GROUP BY call_site HAVING sum(waste) > 0 ORDER BY 2 DESC LIMIT 20");
	nt_section_plot(s, p);
	return 0;
}

/* ---- functions ---- */

/* An icicle/flame graph from the collapsed paths: depth = row, width = total time. */
static struct nt_plot *flame(sqlite3 *db, const struct nt_report_filter *f)
{
	struct nt_plot *p =
		nt_plot_new(NT_PLOT_FLAME, "flame-graph",
			    "Flame graph (function_graph call paths, width = total time)",
			    "share of traced time (%)", "");
	sqlite3_stmt *st = nt_report_query(
		db,
		"SELECT path, depth, function, total_ns FROM func_paths WHERE (?1 = 0 "
		"OR trace_id = ?1) AND entry IS NULL AND total_ns > 0 ORDER BY path",
		f);
	/* paths sorted: a child follows its parent; x advances per depth */
	double *next = calloc(64, sizeof(double)), total = 0;

	if (!p || !next) {
		free(next);
		sqlite3_finalize(st);
		return p;
	}
	{
		sqlite3_stmt *t =
			nt_report_query(db,
					"SELECT sum(total_ns) FROM func_paths WHERE (?1 = 0 OR "
					"trace_id = ?1) AND entry IS NULL AND depth = 0",
					f);
		if (t && sqlite3_step(t) == SQLITE_ROW)
			total = sqlite3_column_double(t, 0);
		sqlite3_finalize(t);
	}
	while (st && total > 0 && sqlite3_step(st) == SQLITE_ROW) {
		int depth = sqlite3_column_int(st, 1);
		double w = sqlite3_column_double(st, 3) / total * 100, x;
		char row[16];
		int c;

		if (depth < 0 || depth >= 63)
			continue;
		x = next[depth];
		next[depth] = x + w;
		for (int k = depth + 1; k < 64; k++) /* children start under their parent */
			next[k] = x;
		snprintf(row, sizeof(row), "%d", depth);
		c = nt_plot_cat(p, (const char *)sqlite3_column_text(st, 2));
		if (c >= 0)
			nt_plot_span(p, nt_plot_row(p, row), c, x, x + w);
	}
	sqlite3_finalize(st);
	free(next);
	return p;
}

static int funcs(sqlite3 *db, const struct nt_report_filter *f, struct nt_doc *d,
		 struct nt_err **err)
{
	static const char *const fcols[] = {"function", "calls",  "unfinished", "total_us",
					    "self_us",	"avg_us", "max_us",	NULL};
	static const char *const pcols[] = {"cpu",    "function", "hit",    "time_us",
					    "avg_us", "s2_us2",	  "source", NULL};
	struct nt_section *s;
	sqlite3_stmt *st;
	int n = 0;

	if (!nt_report_table_exists(db, "func_stats"))
		return 0;
	st = nt_report_query(db, "SELECT count(*) FROM func_stats WHERE ?1 = 0 OR trace_id = ?1",
			     f);
	if (st && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	st = nt_report_query(db, "SELECT count(*) FROM func_profile WHERE ?1 = 0 OR trace_id = ?1",
			     f);
	if (st && sqlite3_step(st) == SQLITE_ROW)
		n += sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (!n)
		return 0; /* no function data in these traces */
	s = nt_doc_section(d, "Functions");
	if (!s)
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	nt_section_note(s, false, "%s", nt_report_task_scope(db, f));
	if (nt_report_task_filtered(db, f) && nt_report_table_exists(db, "func_tasks")) {
		nt_section_note(
			s, false,
			"The function profile and the flame graph are the whole machine's.");
		if (task_fill(
			    nt_section_table(s, "functions", "Functions (top 40 by total time)",
					     fcols),
			    db,
			    "SELECT function, sum(calls), sum(unfinished), round(sum(total_ns) / "
			    "1e3, 3), round(sum(self_ns) / 1e3, 3), round(sum(total_ns) / 1e3 / "
			    "max(sum(calls) - sum(unfinished), 1), 3), NULL FROM func_tasks WHERE "
			    "(?1 = 0 OR trace_id = ?1)" NT_TASK_WHERE(
				    "func_tasks") " GROUP BY function ORDER BY 4 DESC LIMIT 40",
			    f, err))
			return -1;
	} else if (
		fill(nt_section_table(s, "functions", "Functions (top 40 by total time)", fcols),
		     db,
		     "SELECT function, sum(calls), sum(unfinished), round(sum(total_ns) / 1e3, 3), "
		     "round(sum(self_ns) / 1e3, 3), round(sum(total_ns) / 1e3 / max(sum(calls) - "
		     "sum(unfinished), 1), 3), round(max(max_ns) / 1e3, 3) FROM func_stats WHERE "
		     "(?1 = "
		     "0 OR "
		     "trace_id = ?1) GROUP BY function ORDER BY 4 DESC LIMIT 40",
		     f, err))
		return -1;
	if (fill(nt_section_table(s, "func_profile", "Function profile (Hit, Time, Avg, s^2)",
				  pcols),
		 db,
		 "SELECT cpu, function, hit, round(time_ns / 1e3, 3), round(avg_ns / 1e3, 3), "
		 "round(s2_ns2 / 1e6, 3), source FROM func_profile WHERE (?1 = 0 OR trace_id = ?1) "
		 "ORDER "
		 "BY cpu, time_ns DESC LIMIT 200",
		 f, err))
		return -1;
	nt_section_plot(s, flame(db, f));
	return 0;
}

/* ---- CPU profile (perf's sampled kernel stacks) ---- */

struct ppath {
	char **fr; /* frames, outermost first (into buf) */
	int n;
	char *buf; /* owned */
	double samples;
};

static int ppath_cmp(const void *a, const void *b)
{
	const struct ppath *x = a, *y = b;

	for (int i = 0; i < x->n && i < y->n; i++) {
		int c = strcmp(x->fr[i], y->fr[i]);
		if (c)
			return c;
	}
	return x->n - y->n;
}

#define PROF_MAXD 64 /* frames kept per path */

/* The rows of @st (path, samples) into *@v, frames split; their count, the samples in *@total. */
static size_t prof_paths_read(sqlite3_stmt *st, struct ppath **out, double *total)
{
	struct ppath *v = NULL;
	size_t n = 0, cap = 0;

	while (st && sqlite3_step(st) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		struct ppath *q;

		if (!t)
			continue;
		if (n == cap) {
			q = realloc(v, (cap = cap ? 2 * cap : 256) * sizeof(*v));
			if (!q)
				break;
			v = q;
		}
		q = &v[n];
		q->buf = strdup(t);
		q->fr = calloc(PROF_MAXD, sizeof(char *));
		if (!q->buf || !q->fr) {
			free(q->buf);
			free(q->fr);
			break;
		}
		q->n = 0;
		for (char *c = q->buf, *save = NULL; (c = strtok_r(c, ";", &save)); c = NULL)
			if (q->n < PROF_MAXD)
				q->fr[q->n++] = c;
		q->samples = sqlite3_column_double(st, 1);
		*total += q->samples;
		n++;
	}
	*out = v;
	return n;
}

/* Add the spans of the @n sorted paths @v (@total samples) to @p. */
static void prof_flame_draw(struct nt_plot *p, const struct ppath *v, size_t n, double total)
{
	double x = 0, start[PROF_MAXD];
	const char *open[PROF_MAXD];
	int depth = 0;

	for (size_t i = 0; i < n; i++) /* rows in depth order: spans are added leaf first */
		for (int k = depth; k < v[i].n; k++, depth++) {
			char row[16];
			snprintf(row, sizeof(row), "%d", k);
			nt_plot_row(p, row);
		}
	depth = 0;
	for (size_t i = 0; i <= n && total > 0; i++) {
		int common = 0;
		char row[16];

		if (i < n)
			while (common < depth && common < v[i].n &&
			       !strcmp(open[common], v[i].fr[common]))
				common++;
		while (depth > common) { /* close the frames this path leaves */
			depth--;
			snprintf(row, sizeof(row), "%d", depth);
			int c = nt_plot_cat(p, open[depth]);
			if (c >= 0)
				nt_plot_span(p, nt_plot_row(p, row), c, start[depth] / total * 100,
					     x / total * 100);
		}
		if (i == n)
			break;
		for (; depth < v[i].n; depth++) {
			open[depth] = v[i].fr[depth];
			start[depth] = x;
		}
		x += v[i].samples;
	}
}

/* A flame graph from prof_paths: the paths sorted frame by frame are a depth-first walk of the
 * call tree; a frame's span covers the samples of the paths under it (width = share). */
static struct nt_plot *prof_flame(sqlite3 *db, const struct nt_report_filter *f)
{
	struct nt_plot *p = nt_plot_new(NT_PLOT_FLAME, "cpu-flame-graph",
					"CPU flame graph (perf samples, width = share of samples)",
					"share of samples (%)", "");
	sqlite3_stmt *st =
		nt_report_query(db,
				"SELECT path, sum(samples) FROM prof_paths WHERE (?1 = 0 OR "
				"trace_id = ?1) GROUP BY path",
				f);
	struct ppath *v = NULL;
	double total = 0;
	size_t n = p ? prof_paths_read(st, &v, &total) : 0;

	sqlite3_finalize(st);
	if (n)
		qsort(v, n, sizeof(*v), ppath_cmp);
	prof_flame_draw(p, v, n, total);
	for (size_t i = 0; i < n; i++) {
		free(v[i].buf);
		free(v[i].fr);
	}
	free(v);
	return p;
}

/* A CPU-profile table: task_fill with ?9 = @net (network-stack functions only). */
static int prof_fill(struct nt_table *t, sqlite3 *db, const char *sql, bool net,
		     const struct nt_report_filter *f, struct nt_err **err)
{
	sqlite3_stmt *st;

	if (!t)
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	st = nt_report_task_query(db, sql, f);
	if (st)
		sqlite3_bind_int(st, 9, net);
	if (!st || nt_table_query(t, db, st))
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "report: cannot read '%s': %s", t->id,
						  sqlite3_errmsg(db)));
	return 0;
}

static int profile(sqlite3 *db, const struct nt_report_filter *f, struct nt_doc *d,
		   struct nt_err **err)
{
	static const char *const cols[] = {"function",	"self", "self_pct", "total",
					   "total_pct", "net",	NULL};
	struct nt_section *s;
	sqlite3_stmt *st;
	int n = 0;

	if (!nt_report_table_exists(db, "prof_funcs"))
		return 0;
	st = nt_report_query(db, "SELECT count(*) FROM prof_funcs WHERE ?1 = 0 OR trace_id = ?1",
			     f);
	if (st && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (!n)
		return 0;
	s = nt_doc_section(d, "CPU profile");
	if (!s)
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	nt_section_note(s, false, "%s", nt_report_task_scope(db, f));
	/* the shown tasks' samples from prof_tasks, or every sample from prof_funcs */
#define PROF_SQL(tbl, where)                                                                    \
	"WITH s AS (SELECT max(sum(self), 1) AS n FROM " tbl                                    \
	" WHERE (?1 = 0 OR trace_id = ?1)" where                                                \
	") SELECT function, sum(self), round(100.0 * sum(self) / (SELECT n FROM s), 2), "       \
	"sum(total), round(100.0 * sum(total) / (SELECT n FROM s), 2), max(net) FROM " tbl      \
	" WHERE (?1 = 0 OR trace_id = ?1) " where " AND (?9 = 0 OR net = 1) GROUP BY function " \
	"ORDER BY 2 DESC, 4 DESC, 1 LIMIT 40"
	{
		bool tasks =
			nt_report_task_filtered(db, f) && nt_report_table_exists(db, "prof_tasks");
		const char *sql = tasks ? PROF_SQL("prof_tasks", NT_TASK_WHERE("prof_tasks"))
					: PROF_SQL("prof_funcs", " AND ?6 IS ?6 AND ?7 IS ?7 "
								 "AND ?8 IS ?8");

		if (tasks)
			nt_section_note(s, false, "The flame graph is the whole machine's.");
		if (prof_fill(nt_section_table(s, "profile",
					       "CPU profile: top functions by self samples", cols),
			      db, sql, false, f, err) ||
		    prof_fill(nt_section_table(s, "profile_net",
					       "CPU profile: network-stack functions by self "
					       "samples",
					       cols),
			      db, sql, true, f, err))
			return -1;
	}
#undef PROF_SQL
	nt_section_plot(s, prof_flame(db, f));
	return 0;
}

int nt_doc_build(sqlite3 *db, const struct nt_report_filter *f, struct nt_doc *d,
		 struct nt_err **err)
{
	static int (*const section[])(sqlite3 *, const struct nt_report_filter *, struct nt_doc *,
				      struct nt_err **) = {nt_report_findings,
							   capture,
							   nt_report_workload,
							   skb,
							   interrupts,
							   alloc,
							   funcs,
							   profile};
	const size_t n = sizeof(section) / sizeof(section[0]);

	memset(d, 0, sizeof(*d));
	for (size_t i = 0; i < n; i++) {
		nt_progress("reporting", i, n, 0);
		if (section[i](db, f, d, err)) {
			nt_progress("reporting", i, n, 1);
			nt_doc_release(d);
			return -1;
		}
	}
	nt_progress("reporting", n, n, 1);
	return 0;
}

int nt_report_text(sqlite3 *db, const struct nt_report_filter *f, FILE *o, struct nt_err **err)
{
	struct nt_doc d;
	int r;

	if (nt_doc_build(db, f, &d, err))
		return -1;
	r = nt_doc_text(&d, o, err);
	nt_doc_release(&d);
	return r;
}
