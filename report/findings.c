/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The findings: a short, deterministic answer to the usual questions (lost events, drops, the
 * slowest stage, the costliest IRQ and softirq, the network stack's biggest allocation site,
 * lifecycles that did not end normally), each with its numbers and the table behind it.
 * The rules are in docs/REPORT.md.
 */
#include "doc.h"
#include "report_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct fx {
	sqlite3 *db;
	const struct nt_report_filter *f;
	struct nt_table *t;
};

static double pct(double part, double whole)
{
	return whole > 0 ? round(1000.0 * part / whole) / 10 : 0;
}

/* One finding: its key, value, share (NAN: none), the table behind it and a sentence. */
static void add(struct fx *x, const char *key, double value, double share, const char *see,
		const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void add(struct fx *x, const char *key, double value, double share, const char *see,
		const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	nt_table_row(x->t);
	nt_table_text(x->t, key);
	nt_table_num(x->t, value);
	if (isnan(share))
		nt_table_null(x->t);
	else
		nt_table_num(x->t, share);
	nt_table_text(x->t, s ? s : "?");
	nt_table_text(x->t, see);
	free(s);
}

static const char *text0(sqlite3_stmt *st, int i, const char *dflt)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	return s ? s : dflt;
}

static void lost(struct fx *x)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(x->db,
			       "SELECT coalesce(sum(lost_events), 0), coalesce(max(lost_unknown), "
			       "0), count(*) FROM traces WHERE ?1 = 0 OR id = ?1",
			       -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, x->f->trace);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 2)) {
		int64_t n = sqlite3_column_int64(st, 0);

		if (n || sqlite3_column_int(st, 1))
			add(x, "lost_events", (double)n, NAN, "traces",
			    "LOST EVENTS: %s%lld events were lost; results overlapping the lost "
			    "windows are marked lossy and their counts are incomplete",
			    sqlite3_column_int(st, 1) ? "at least " : "", (long long)n);
		else
			add(x, "lost_events", 0, NAN, "traces", "no events were lost");
	}
	sqlite3_finalize(st);
}

/* The top location of the drops with @reason. */
static void drop_location(struct fx *x, const char *reason, char *buf, size_t n, int64_t *count)
{
	sqlite3_stmt *st = nt_report_skb_query(
		x->db,
		"SELECT coalesce(location, '?'), count(*) FROM skb_lifecycles" NT_SKB_WHERE
		" AND outcome = 'dropped' AND coalesce(drop_reason, '(no reason in the trace)') = "
		"?8 GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1",
		x->f);

	snprintf(buf, n, "?");
	*count = 0;
	if (!st)
		return;
	sqlite3_bind_text(st, 8, reason, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(buf, n, "%s", text0(st, 0, "?"));
		*count = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
}

static void drop_reasons(struct fx *x, int64_t drops)
{
	sqlite3_stmt *st = nt_report_skb_query(
		x->db,
		"SELECT coalesce(drop_reason, '(no reason in the trace)'), count(*) FROM "
		"skb_lifecycles" NT_SKB_WHERE
		" AND outcome = 'dropped' GROUP BY 1 ORDER BY 2 DESC, "
		"1 LIMIT 3",
		x->f);

	while (st && sqlite3_step(st) == SQLITE_ROW) {
		char *reason = strdup(text0(st, 0, "?")), loc[256];
		int64_t n = sqlite3_column_int64(st, 1), at;

		if (!reason)
			break;
		drop_location(x, reason, loc, sizeof(loc), &at);
		add(x, "drop_reason", (double)n, pct((double)n, (double)drops), "skb_drops",
		    "drop reason %s: %lld drops (%.1f%% of drops), %lld of them at %s", reason,
		    (long long)n, pct((double)n, (double)drops), (long long)at, loc);
		free(reason);
	}
	sqlite3_finalize(st);
}

/*
 * Drops, and lifecycles that did not end with a free event: open at the trace's end, recycled
 * (read by a task, freed where no tracepoint fires), ended by the reuse of their address.
 */
static void skb(struct fx *x)
{
	sqlite3_stmt *st;
	int64_t all, drops, open, recycled, reuse;

	if (!nt_report_table_exists(x->db, "skb_lifecycles"))
		return;
	st = nt_report_skb_query(x->db,
				 "SELECT count(*), coalesce(sum(outcome = 'dropped'), 0), "
				 "coalesce(sum(outcome = 'open'), 0), coalesce(sum(outcome = "
				 "'recycled'), 0), coalesce(sum(end_by = 'reuse'), 0) FROM "
				 "skb_lifecycles" NT_SKB_WHERE,
				 x->f);
	if (!st || sqlite3_step(st) != SQLITE_ROW || !sqlite3_column_int64(st, 0)) {
		sqlite3_finalize(st);
		return;
	}
	all = sqlite3_column_int64(st, 0);
	drops = sqlite3_column_int64(st, 1);
	open = sqlite3_column_int64(st, 2);
	recycled = sqlite3_column_int64(st, 3);
	reuse = sqlite3_column_int64(st, 4);
	sqlite3_finalize(st);
	add(x, "drops", (double)drops, pct((double)drops, (double)all), "skb_drops",
	    "%lld of %lld skb lifecycles (%.1f%%) ended in a drop (kfree_skb)", (long long)drops,
	    (long long)all, pct((double)drops, (double)all));
	drop_reasons(x, drops);
	if (open)
		add(x, "open", (double)open, pct((double)open, (double)all), "skb_outcomes",
		    "%lld skb lifecycles were still open when the trace ended: packets in flight, "
		    "queued, or held by a socket at that moment (not a leak by itself)",
		    (long long)open);
	if (recycled)
		add(x, "recycled", (double)recycled, pct((double)recycled, (double)all),
		    "skb_outcomes",
		    "%lld skb lifecycles were read by a task and then freed where no tracepoint "
		    "fires (6.x kernels recycle delivered UDP skbs through the per-cpu skb cache; "
		    "docs/analyses/skb.md)",
		    (long long)recycled);
	if (reuse)
		add(x, "reused", (double)reuse, pct((double)reuse, (double)all), "skb_frees",
		    "%lld skb lifecycles ended when their address was used again without a free "
		    "event: freed where no tracepoint fires, or recycled through a per-CPU cache",
		    (long long)reuse);
}

/* The stage pair with the highest p99 latency. */
static void slowest(struct fx *x)
{
	double best = -1, max = 0;
	size_t count = 0;
	int at = -1;

	for (int a = 0; a + 1 < NT_SKB_STAGES; a++) {
		double *v;
		size_t n = nt_report_skb_stage(x->db, x->f, a, &v);

		if (n && nt_rank(v, n, 99) > best) {
			best = nt_rank(v, n, 99);
			max = v[n - 1];
			count = n;
			at = a;
		}
		free(v);
	}
	if (at >= 0)
		add(x, "slowest_stage", best, NAN, "skb_stages",
		    "slowest stage: %s → %s, p99 %.3f µs (max %.3f µs, %zu skbs)",
		    nt_skb_stages[at], nt_skb_stages[at + 1], best, max, count);
}

static void costliest(struct fx *x, bool soft)
{
	struct irq_rows rs;
	const struct irq_row *top = NULL;
	double all = 0;

	if (nt_report_gather_irq(x->db, x->f, soft, &rs))
		return;
	for (int i = 0; i < rs.n; i++) {
		all += (double)rs.r[i].total_ns;
		if (!top || rs.r[i].total_ns > top->total_ns)
			top = &rs.r[i];
	}
	if (top && top->dur.n)
		add(x, soft ? "softirq" : "irq", (double)top->total_ns / 1e3,
		    pct((double)top->total_ns, all), soft ? "softirq" : "irq",
		    "costliest %s: %s %lld%s%s%s, %.3f µs in %lld runs (%.1f%% of all %s time)",
		    soft ? "softirq" : "hard IRQ", soft ? "vector" : "IRQ", (long long)top->number,
		    *top->name ? " (" : "", top->name, *top->name ? ")" : "",
		    (double)top->total_ns / 1e3, (long long)top->dur.n,
		    pct((double)top->total_ns, all), soft ? "softirq" : "hard-IRQ handler");
	free(rs.r);
}

/* Over the tasks the allocation section shows (alloc_tasks when it shows only some). */
static void alloc(struct fx *x)
{
	bool tasks = nt_report_task_filtered(x->db, x->f);
	sqlite3_stmt *st;

	if (!nt_report_table_exists(x->db, tasks ? "alloc_tasks" : "alloc_sites"))
		return;
	st = nt_report_task_query(
		x->db,
		tasks ? "WITH s AS (SELECT call_site, sum(bytes_alloc) AS b, sum(allocs) AS n FROM "
			"alloc_tasks WHERE (?1 = 0 OR trace_id = ?1) AND net" NT_TASK_WHERE(
				"alloc_tasks") " GROUP BY call_site) SELECT call_site, b, n, "
					       "(SELECT "
					       "sum(b) FROM s) FROM s ORDER BY b DESC, n DESC, "
					       "call_site LIMIT 1"
		      : "WITH s AS (SELECT call_site, sum(bytes_alloc) AS b, sum(allocs) AS n FROM "
			"alloc_sites WHERE (?1 = 0 OR trace_id = ?1) AND net AND ?6 IS ?6 AND ?7 "
			"IS "
			"?7 AND ?8 IS ?8 GROUP BY call_site) SELECT call_site, b, n, (SELECT "
			"sum(b) "
			"FROM s) FROM s ORDER BY b DESC, n DESC, call_site LIMIT 1",
		x->f);
	if (st && sqlite3_step(st) == SQLITE_ROW) {
		double b = sqlite3_column_double(st, 1), all = sqlite3_column_double(st, 3);

		add(x, "alloc_site", b, pct(b, all), "alloc_sites",
		    "biggest network-stack allocation site%s: %s, %lld bytes in %lld allocations "
		    "(%.1f%% of the network stack's bytes)",
		    tasks ? " (of the shown tasks)" : "", text0(st, 0, "?"), (long long)b,
		    sqlite3_column_int64(st, 2), pct(b, all));
	}
	sqlite3_finalize(st);
}

int nt_report_findings(sqlite3 *db, const struct nt_report_filter *f, struct nt_doc *d,
		       struct nt_err **err)
{
	static const char *const cols[] = {"finding", "value", "share_pct", "detail", "see", NULL};
	struct nt_section *s = nt_doc_section(d, "Findings");
	struct fx x = {db, f, NULL};

	if (!s || !(x.t = nt_section_table(s, "findings", "Findings", cols)))
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	s->list = true;
	lost(&x);
	skb(&x);
	slowest(&x);
	costliest(&x, false);
	costliest(&x, true);
	alloc(&x);
	if (!x.t->nrows)
		add(&x, "none", 0, NAN, "traces", "nothing to report: no trace passes the filters");
	return 0;
}

int nt_report_findings_text(sqlite3 *db, const struct nt_report_filter *f, FILE *out,
			    struct nt_err **err)
{
	struct nt_doc d = {0};
	int r = nt_report_findings(db, f, &d, err);

	if (!r)
		r = nt_doc_text(&d, out, err);
	nt_doc_release(&d);
	return r;
}
