/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The stable JSON export of a report (docs/REPORT.md), read from the database through query.h;
 * the text report is the document's (sections.c).
 */
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../analyze/analyze.h"
#include "doc.h"
#include "json.h"
#include "report_int.h"

void nt_report_filter_init(struct nt_report_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->cpu = -1;
	f->pid = -1;
	f->from = f->to = -1;
}

static void json_stat(struct nt_json *j, const struct nt_stat *s)
{
	nt_json_key_int(j, "count", s->n);
	nt_json_key_num(j, "min_us", s->n ? s->min / 1e3 : NAN);
	nt_json_key_num(j, "avg_us", s->n ? s->mean / 1e3 : NAN);
	nt_json_key_num(j, "max_us", s->n ? s->max / 1e3 : NAN);
	nt_json_key_num(j, "stdev_us", s->n > 1 ? nt_stat_stdev(s) / 1e3 : NAN);
}

/* ---- summary ---- */

static void json_summary(sqlite3 *db, const struct nt_report_filter *f, struct nt_json *j)
{
	sqlite3_stmt *st;

	nt_json_key(j, "traces");
	nt_json_array(j);
	if (sqlite3_prepare_v2(db,
			       "SELECT id, path, format, kernel, ncpus, first_ts, last_ts, events, "
			       "lost_events FROM traces WHERE ?1 = 0 OR id = ?1 ORDER BY id",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, f->trace);
		while (sqlite3_step(st) == SQLITE_ROW) {
			nt_json_object(j);
			nt_json_key_int(j, "id", sqlite3_column_int64(st, 0));
			nt_json_key_str(j, "path", (const char *)sqlite3_column_text(st, 1));
			nt_json_key_str(j, "format", (const char *)sqlite3_column_text(st, 2));
			nt_json_key_str(j, "kernel", (const char *)sqlite3_column_text(st, 3));
			nt_json_key_int(j, "ncpus", sqlite3_column_int64(st, 4));
			nt_json_key_int(j, "first_ts", sqlite3_column_int64(st, 5));
			nt_json_key_int(j, "last_ts", sqlite3_column_int64(st, 6));
			nt_json_key_int(j, "events", sqlite3_column_int64(st, 7));
			nt_json_key_int(j, "lost_events", sqlite3_column_int64(st, 8));
			nt_json_end(j);
		}
		sqlite3_finalize(st);
	}
	nt_json_end(j);
}

/* ---- NAPI ---- */

static const char napi_sql[] =
	"SELECT dev, count(*), sum(work), sum(full_budget), max(work), max(budget) FROM napi_polls "
	"WHERE (?1 = 0 OR trace_id = ?1) AND (?2 < 0 OR cpu = ?2) AND (?3 < 0 OR ts >= ?3) AND "
	"(?4 < 0 OR ts <= ?4) AND (?5 IS NULL OR dev = ?5) GROUP BY dev ORDER BY dev";

static sqlite3_stmt *napi_query(sqlite3 *db, const struct nt_report_filter *f)
{
	return nt_report_table_exists(db, "napi_polls") ? nt_report_query(db, napi_sql, f) : NULL;
}

/* ---- skb, drops, allocations, functions (JSON) ---- */

/* "flows": one object per known flow (docs/REPORT.md), the busiest first. */
static void json_flows(sqlite3 *db, const struct nt_report_filter *f, struct nt_json *j)
{
	sqlite3_stmt *st =
		nt_report_table_exists(db, "skb_lifecycles")
			? nt_report_skb_query(
				  db,
				  "SELECT family, ip_proto, saddr, sport, daddr, dport, count(*), "
				  "sum(coalesce(len, rx_len)), sum(outcome = 'dropped'), "
				  "sum(outcome "
				  "= "
				  "'consumed'), sum(outcome = 'recycled'), sum(outcome = 'open') "
				  "FROM "
				  "skb_lifecycles" NT_SKB_WHERE
				  " AND saddr IS NOT NULL GROUP BY 1, 2, 3, "
				  "4, 5, 6 ORDER BY 7 DESC, 3, "
				  "4, 5, 6",
				  f)
			: NULL;
	static const char *const keys[] = {"family",  "protocol", "saddr",    "sport",
					   "daddr",   "dport",	  "packets",  "bytes",
					   "dropped", "consumed", "recycled", "open"};

	nt_json_key(j, "flows");
	nt_json_array(j);
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		nt_json_object(j);
		for (int i = 0; i < 12; i++)
			if (i == 2 || i == 4)
				nt_json_key_str(j, keys[i],
						(const char *)sqlite3_column_text(st, i));
			else if (sqlite3_column_type(st, i) == SQLITE_NULL)
				nt_json_key_str(j, keys[i], NULL); /* no ports: ICMP, ... */
			else
				nt_json_key_int(j, keys[i], sqlite3_column_int64(st, i));
		nt_json_end(j);
	}
	nt_json_end(j);
	sqlite3_finalize(st);
}

/* "stages" of "skb": latency percentiles from each stage to the next. */
static void json_skb_stages(sqlite3 *db, const struct nt_report_filter *f, struct nt_json *j,
			    bool have)
{
	nt_json_key(j, "stages");
	nt_json_array(j);
	for (int a = 0; have && a + 1 < NT_SKB_STAGES; a++) {
		double *v;
		size_t n = nt_report_skb_stage(db, f, a, &v);

		if (n) {
			nt_json_object(j);
			nt_json_key_str(j, "from", nt_skb_stages[a]);
			nt_json_key_str(j, "to", nt_skb_stages[a + 1]);
			nt_json_key_int(j, "count", (int64_t)n);
			nt_json_key_num(j, "min_us", v[0]);
			nt_json_key_num(j, "p50_us", nt_rank(v, n, 50));
			nt_json_key_num(j, "p90_us", nt_rank(v, n, 90));
			nt_json_key_num(j, "p99_us", nt_rank(v, n, 99));
			nt_json_key_num(j, "max_us", v[n - 1]);
			nt_json_end(j);
		}
		free(v);
	}
	nt_json_end(j);
}

/* A drop location and how many drops it had. */
struct drop_loc {
	char sym[256];
	int64_t n;
};

/* One reason of "drops" with its @nl locations. */
static void json_drop_reason(struct nt_json *j, const char *reason, int64_t total,
			     const struct drop_loc *locs, int nl)
{
	nt_json_object(j);
	nt_json_key_str(j, "reason", *reason ? reason : NULL);
	nt_json_key_int(j, "count", total);
	nt_json_key(j, "locations");
	nt_json_array(j);
	for (int i = 0; i < nl; i++) {
		nt_json_object(j);
		nt_json_key_str(j, "symbol", *locs[i].sym ? locs[i].sym : NULL);
		nt_json_key_int(j, "count", locs[i].n);
		nt_json_end(j);
	}
	nt_json_end(j);
	nt_json_end(j);
}

/* "drops": by reason, each with its locations. */
static void json_drops(sqlite3 *db, const struct nt_report_filter *f, struct nt_json *j, bool have)
{
	sqlite3_stmt *st =
		have ? nt_report_skb_query(
			       db,
			       "SELECT coalesce(drop_reason, ''), coalesce(location, ''), "
			       "count(*) FROM skb_lifecycles" NT_SKB_WHERE
			       " AND outcome = 'dropped' GROUP BY 1, 2 ORDER BY 1, 3 DESC",
			       f)
		     : NULL;
	char reason[256] = "";
	bool open_reason = false;
	int64_t total = 0; /* rows come grouped by reason: sum them as they come */
	struct drop_loc *locs = NULL;
	int nl = 0;

	nt_json_key(j, "drops");
	nt_json_array(j);
	for (;;) {
		bool row = st && sqlite3_step(st) == SQLITE_ROW;
		const char *r = row ? (const char *)sqlite3_column_text(st, 0) : NULL;

		if (open_reason && (!row || strcmp(r, reason))) {
			json_drop_reason(j, reason, total, locs, nl);
			open_reason = false;
			total = 0;
			nl = 0;
		}
		if (!row)
			break;
		if (!open_reason) {
			snprintf(reason, sizeof(reason), "%s", r);
			open_reason = true;
		}
		void *x = realloc(locs, (size_t)(nl + 1) * sizeof(*locs));
		if (!x)
			break;
		locs = x;
		snprintf(locs[nl].sym, sizeof(locs[nl].sym), "%s",
			 (const char *)sqlite3_column_text(st, 1));
		locs[nl].n = sqlite3_column_int64(st, 2);
		total += locs[nl++].n;
	}
	free(locs);
	sqlite3_finalize(st);
	nt_json_end(j);
}

/* "skb" (lifecycle counts and stage latencies), then "drops". */
static void json_skb(sqlite3 *db, const struct nt_report_filter *f, struct nt_json *j)
{
	bool have = nt_report_table_exists(db, "skb_lifecycles");
	sqlite3_stmt *st;

	nt_json_key(j, "skb");
	nt_json_object(j);
	st = have ? nt_report_skb_query(
			    db,
			    "SELECT count(*), sum(outcome = 'consumed'), sum(outcome = 'dropped'), "
			    "sum(outcome = 'open'), sum(lossy), sum(outcome = 'recycled') FROM "
			    "skb_lifecycles" NT_SKB_WHERE,
			    f)
		  : NULL;
	if (st && sqlite3_step(st) == SQLITE_ROW) {
		nt_json_key_int(j, "lifecycles", sqlite3_column_int64(st, 0));
		nt_json_key_int(j, "consumed", sqlite3_column_int64(st, 1));
		nt_json_key_int(j, "dropped", sqlite3_column_int64(st, 2));
		nt_json_key_int(j, "open", sqlite3_column_int64(st, 3));
		nt_json_key_int(j, "lossy", sqlite3_column_int64(st, 4));
		nt_json_key_int(j, "recycled", sqlite3_column_int64(st, 5));
	} else {
		nt_json_key_int(j, "lifecycles", 0);
	}
	sqlite3_finalize(st);
	json_skb_stages(db, f, j, have);
	nt_json_end(j);
	json_drops(db, f, j, have);
}

/* @sql over the per-task table @tasks under the task filter, or @all over every task. */
static sqlite3_stmt *task_or_all(sqlite3 *db, const struct nt_report_filter *f, const char *tasks,
				 const char *sql, const char *all_tbl, const char *all)
{
	if (nt_report_task_filtered(db, f))
		return nt_report_table_exists(db, tasks) ? nt_report_task_query(db, sql, f) : NULL;
	return nt_report_table_exists(db, all_tbl) ? nt_report_query(db, all, f) : NULL;
}

static void json_alloc(sqlite3 *db, const struct nt_report_filter *f, struct nt_json *j)
{
	sqlite3_stmt *st = task_or_all(
		db, f, "alloc_tasks",
		"SELECT call_site, sum(allocs), NULL, sum(bytes_req), sum(bytes_alloc), max(net) "
		"FROM alloc_tasks WHERE (?1 = 0 OR trace_id = ?1)" NT_TASK_WHERE(
			"alloc_tasks") " GROUP BY call_site ORDER BY 5 DESC, 1",
		"alloc_sites",
		"SELECT call_site, sum(allocs), sum(frees), sum(bytes_req), sum(bytes_alloc), "
		"max(net) FROM alloc_sites WHERE ?1 = 0 OR trace_id = ?1 GROUP BY call_site ORDER "
		"BY 5 DESC, 1");

	nt_json_key(j, "alloc");
	nt_json_object(j);
	nt_json_key(j, "sites");
	nt_json_array(j);
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		nt_json_object(j);
		nt_json_key_str(j, "call_site", (const char *)sqlite3_column_text(st, 0));
		nt_json_key_int(j, "allocs", sqlite3_column_int64(st, 1));
		nt_json_key(j, "frees");
		if (sqlite3_column_type(st, 2) == SQLITE_NULL)
			nt_json_str(j, NULL); /* per task: frees belong to objects */
		else
			nt_json_int(j, sqlite3_column_int64(st, 2));
		nt_json_key_int(j, "bytes_req", sqlite3_column_int64(st, 3));
		nt_json_key_int(j, "bytes_alloc", sqlite3_column_int64(st, 4));
		nt_json_key(j, "net");
		if (sqlite3_column_type(st, 5) == SQLITE_NULL)
			nt_json_str(j, NULL);
		else
			nt_json_bool(j, sqlite3_column_int(st, 5));
		nt_json_end(j);
	}
	sqlite3_finalize(st);
	nt_json_end(j);
	nt_json_end(j);
}

static void json_functions(sqlite3 *db, const struct nt_report_filter *f, struct nt_json *j)
{
	sqlite3_stmt *st = task_or_all(
		db, f, "func_tasks",
		"SELECT function, sum(calls), sum(total_ns), sum(self_ns) FROM func_tasks WHERE "
		"(?1 "
		"= 0 OR trace_id = ?1)" NT_TASK_WHERE("func_tasks") " GROUP BY function ORDER BY 3 "
								    "DESC, 1",
		"func_stats",
		"SELECT function, sum(calls), sum(total_ns), sum(self_ns) FROM func_stats WHERE ?1 "
		"= 0 OR trace_id = ?1 GROUP BY function ORDER BY 3 DESC, 1");

	nt_json_key(j, "functions");
	nt_json_array(j);
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		nt_json_object(j);
		nt_json_key_str(j, "function", (const char *)sqlite3_column_text(st, 0));
		nt_json_key_int(j, "calls", sqlite3_column_int64(st, 1));
		nt_json_key_num(j, "total_us", sqlite3_column_double(st, 2) / 1e3);
		nt_json_key_num(j, "self_us", sqlite3_column_double(st, 3) / 1e3);
		nt_json_end(j);
	}
	sqlite3_finalize(st);
	nt_json_end(j);
}

static void json_profile(sqlite3 *db, const struct nt_report_filter *f, struct nt_json *j)
{
	sqlite3_stmt *st = task_or_all(
		db, f, "prof_tasks",
		"SELECT function, sum(self), sum(total), max(net) FROM prof_tasks WHERE (?1 = 0 OR "
		"trace_id = ?1)" NT_TASK_WHERE("prof_tasks") " GROUP BY function ORDER BY 2 DESC, "
							     "3 DESC, 1",
		"prof_funcs",
		"SELECT function, sum(self), sum(total), max(net) FROM prof_funcs WHERE ?1 = 0 OR "
		"trace_id = ?1 GROUP BY function ORDER BY 2 DESC, 3 DESC, 1");

	nt_json_key(j, "profile");
	nt_json_array(j);
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		nt_json_object(j);
		nt_json_key_str(j, "function", (const char *)sqlite3_column_text(st, 0));
		nt_json_key_int(j, "self", sqlite3_column_int64(st, 1));
		nt_json_key_int(j, "total", sqlite3_column_int64(st, 2));
		nt_json_key(j, "net");
		if (sqlite3_column_type(st, 3) == SQLITE_NULL)
			nt_json_str(j, NULL);
		else
			nt_json_bool(j, sqlite3_column_int(st, 3) != 0);
		nt_json_end(j);
	}
	sqlite3_finalize(st);
	nt_json_end(j);
}

/* "findings": the rows of the findings table (report/findings.c). */
static int json_findings(sqlite3 *db, const struct nt_report_filter *f, struct nt_json *j,
			 struct nt_err **err)
{
	static const char *const keys[] = {"finding", "value", "share_pct", "detail", "see"};
	struct nt_doc d = {0};
	const struct nt_table *t;

	if (nt_report_findings(db, f, &d, err))
		return -1;
	t = d.sections[0].tables[0];
	nt_json_key(j, "findings");
	nt_json_array(j);
	for (int r = 0; r < t->nrows; r++) {
		nt_json_object(j);
		for (int c = 0; c < 5 && c < t->ncols; c++) {
			const struct nt_cell *x = &t->cells[r * t->ncols + c];
			nt_json_key(j, keys[c]);
			if (x->is_num)
				nt_json_num(j, x->num);
			else
				nt_json_str(j, x->is_null ? NULL : x->text);
		}
		nt_json_end(j);
	}
	nt_json_end(j);
	nt_doc_release(&d);
	return 0;
}

int nt_report_json(sqlite3 *db, const struct nt_report_filter *f, FILE *o, struct nt_err **err)
{
	struct irq_rows hard, soft;
	struct nt_json j;
	sqlite3_stmt *st;

	if (nt_report_gather_irq(db, f, false, &hard) || nt_report_gather_irq(db, f, true, &soft))
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "cannot read the interrupt tables: %s",
						  sqlite3_errmsg(db)));
	nt_json_init(&j, o);
	nt_json_object(&j);
	nt_json_key_int(&j, "report_version", 1);
	json_summary(db, f, &j);
	nt_json_key(&j, "irq");
	nt_json_array(&j);
	for (int i = 0; i < hard.n; i++) {
		nt_json_object(&j);
		nt_json_key_int(&j, "irq", hard.r[i].number);
		nt_json_key_str(&j, "name", *hard.r[i].name ? hard.r[i].name : NULL);
		json_stat(&j, &hard.r[i].dur);
		nt_json_end(&j);
	}
	nt_json_end(&j);
	nt_json_key(&j, "softirq");
	nt_json_array(&j);
	for (int i = 0; i < soft.n; i++) {
		nt_json_object(&j);
		nt_json_key_int(&j, "vec", soft.r[i].number);
		nt_json_key_str(&j, "name", *soft.r[i].name ? soft.r[i].name : NULL);
		json_stat(&j, &soft.r[i].dur);
		nt_json_key(&j, "raise");
		nt_json_object(&j);
		json_stat(&j, &soft.r[i].raise);
		nt_json_end(&j);
		nt_json_end(&j);
	}
	nt_json_end(&j);
	free(hard.r);
	free(soft.r);
	nt_json_key(&j, "napi");
	nt_json_array(&j);
	st = napi_query(db, f);
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		nt_json_object(&j);
		nt_json_key_str(&j, "dev", (const char *)sqlite3_column_text(st, 0));
		nt_json_key_int(&j, "polls", sqlite3_column_int64(st, 1));
		for (int k = 2; k <= 4; k++) {
			static const char *const keys[] = {"", "", "work", "full_budget_polls",
							   "max_work"};
			nt_json_key(&j, keys[k]);
			if (sqlite3_column_type(st, k) == SQLITE_NULL)
				nt_json_str(&j, NULL);
			else
				nt_json_int(&j, sqlite3_column_int64(st, k));
		}
		nt_json_end(&j);
	}
	sqlite3_finalize(st);
	nt_json_end(&j);
	json_skb(db, f, &j);
	json_flows(db, f, &j);
	json_alloc(db, f, &j);
	json_functions(db, f, &j);
	json_profile(db, f, &j);
	if (json_findings(db, f, &j, err))
		return -1;
	nt_json_end(&j);
	fputc('\n', o);
	return 0;
}
