/* SPDX-License-Identifier: GPL-2.0 */
/* Report sections: gathered from the database with the filters, printed as text or JSON. */
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

bool nt_report_table_exists(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st;
	bool found = false;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE name=?", -1, &st, NULL) !=
	    SQLITE_OK)
		return false;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

/* ---- interrupt sections: statistics over the intervals that pass the filters ---- */

static struct irq_row *irq_row(struct irq_rows *rs, int64_t number, const char *name)
{
	struct irq_row *r;

	for (int i = 0; i < rs->n; i++)
		if (rs->r[i].number == number) {
			r = &rs->r[i];
			goto found;
		}
	r = realloc(rs->r, (size_t)(rs->n + 1) * sizeof(*r));
	if (!r)
		return NULL;
	rs->r = r;
	r = &rs->r[rs->n++];
	memset(r, 0, sizeof(*r));
	r->number = number;
found:
	if (name && *name && !*r->name)
		snprintf(r->name, sizeof(r->name), "%s", name);
	return r;
}

static int cmp_number(const void *a, const void *b)
{
	const struct irq_row *x = a, *y = b;
	return x->number < y->number ? -1 : x->number > y->number;
}

/* Bind the common filters (?1 trace, ?2 cpu, ?3 from, ?4 to). */
static void bind_filters(sqlite3_stmt *st, const struct nt_report_filter *f)
{
	sqlite3_bind_int64(st, 1, f->trace);
	sqlite3_bind_int(st, 2, f->cpu);
	sqlite3_bind_int64(st, 3, f->from);
	sqlite3_bind_int64(st, 4, f->to);
}

#define FILTER_SQL                                                                              \
	" WHERE (?1 = 0 OR trace_id = ?1) AND (?2 < 0 OR cpu = ?2) AND (?3 < 0 OR entry_ts >= " \
	"?3) AND (?4 < 0 OR entry_ts <= ?4) AND NOT lossy"

int nt_report_gather_irq(sqlite3 *db, const struct nt_report_filter *f, bool soft,
			 struct irq_rows *rs)
{
	sqlite3_stmt *st;
	const char *sql =
		soft ? "SELECT vec, name, duration_ns, raise_latency_ns FROM "
		       "softirq_intervals" FILTER_SQL
		     : "SELECT irq, name, duration_ns, NULL FROM irq_intervals" FILTER_SQL;

	memset(rs, 0, sizeof(*rs));
	if (!nt_report_table_exists(db, soft ? "softirq_intervals" : "irq_intervals"))
		return 0;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	bind_filters(st, f);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct irq_row *r = irq_row(rs, sqlite3_column_int64(st, 0),
					    (const char *)sqlite3_column_text(st, 1));
		if (!r)
			break;
		nt_stat_add(&r->dur, sqlite3_column_double(st, 2));
		r->total_ns += sqlite3_column_int64(st, 2);
		if (sqlite3_column_type(st, 3) != SQLITE_NULL)
			nt_stat_add(&r->raise, sqlite3_column_double(st, 3));
	}
	sqlite3_finalize(st);
	if (rs->n)
		qsort(rs->r, (size_t)rs->n, sizeof(*rs->r), cmp_number);
	return 0;
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
	sqlite3_stmt *st;

	if (!nt_report_table_exists(db, "napi_polls") ||
	    sqlite3_prepare_v2(db, napi_sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	bind_filters(st, f);
	sqlite3_bind_text(st, 5, f->dev, -1, SQLITE_STATIC);
	return st;
}

/* ---- the two outputs ---- */

/* ---- skb, drops, allocations, functions (JSON) ---- */

static sqlite3_stmt *prep1(sqlite3 *db, const char *sql, const struct nt_report_filter *f)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_int64(st, 1, f->trace);
	if (sqlite3_bind_parameter_count(st) >= 5) {
		sqlite3_bind_int64(st, 2, f->from);
		sqlite3_bind_int64(st, 3, f->to);
		sqlite3_bind_text(st, 4, f->dev, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 5, f->pid);
		sqlite3_bind_text(st, 6, f->comm, -1, SQLITE_STATIC);
	}
	if (sqlite3_bind_parameter_count(st) >= 20)
		sqlite3_bind_text(st, 20, f->flow, -1, SQLITE_STATIC);
	return st;
}

#define SKB_F                                                                                      \
	" WHERE (?1 = 0 OR trace_id = ?1) AND (?2 < 0 OR start_ts >= ?2) AND (?3 < 0 OR start_ts " \
	"<= ?3) AND (?4 IS NULL OR device = ?4 OR rx_device = ?4) AND (?5 < 0 OR tx_pid = ?5 OR "  \
	"rx_pid = ?5) AND (?6 IS NULL OR tx_comm = ?6 OR rx_comm = ?6) AND (?20 IS NULL OR "       \
	"nt_flow_match(?20, ip_proto, saddr, sport, daddr, dport))"

/* "flows": one object per known flow (docs/REPORT.md), the busiest first. */
static void json_flows(sqlite3 *db, const struct nt_report_filter *f, struct nt_json *j)
{
	sqlite3_stmt *st =
		nt_report_table_exists(db, "skb_lifecycles")
			? prep1(db,
				"SELECT family, ip_proto, saddr, sport, daddr, dport, count(*), "
				"sum(coalesce(len, rx_len)), sum(outcome = 'dropped'), sum(outcome "
				"= "
				"'consumed'), sum(outcome = 'recycled'), sum(outcome = 'open') "
				"FROM "
				"skb_lifecycles" SKB_F " AND saddr IS NOT NULL GROUP BY 1, 2, 3, "
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
			else
				nt_json_key_int(j, keys[i], sqlite3_column_int64(st, i));
		nt_json_end(j);
	}
	nt_json_end(j);
	sqlite3_finalize(st);
}

static void json_skb(sqlite3 *db, const struct nt_report_filter *f, struct nt_json *j)
{
	bool have = nt_report_table_exists(db, "skb_lifecycles");
	sqlite3_stmt *st;

	nt_json_key(j, "skb");
	nt_json_object(j);
	st = have ? prep1(db,
			  "SELECT count(*), sum(outcome = 'consumed'), sum(outcome = 'dropped'), "
			  "sum(outcome = 'open'), sum(lossy), sum(outcome = 'recycled') FROM "
			  "skb_lifecycles" SKB_F,
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
	nt_json_end(j);
	/* drops by reason, each with its locations */
	nt_json_key(j, "drops");
	nt_json_array(j);
	st = have ? prep1(db,
			  "SELECT coalesce(drop_reason, ''), coalesce(location, ''), count(*) FROM "
			  "skb_lifecycles" SKB_F
			  " AND outcome = 'dropped' GROUP BY 1, 2 ORDER BY 1, 3 DESC",
			  f)
		  : NULL;
	{
		char reason[256] = "";
		bool open_reason = false;
		/* rows come grouped by reason: sum them as they come */
		int64_t total = 0;
		struct {
			char sym[256];
			int64_t n;
		} *locs = NULL;
		int nl = 0;

		for (;;) {
			bool row = st && sqlite3_step(st) == SQLITE_ROW;
			const char *r = row ? (const char *)sqlite3_column_text(st, 0) : NULL;

			if (open_reason && (!row || strcmp(r, reason))) {
				nt_json_object(j);
				nt_json_key_str(j, "reason", *reason ? reason : NULL);
				nt_json_key_int(j, "count", total);
				nt_json_key(j, "locations");
				nt_json_array(j);
				for (int i = 0; i < nl; i++) {
					nt_json_object(j);
					nt_json_key_str(j, "symbol",
							*locs[i].sym ? locs[i].sym : NULL);
					nt_json_key_int(j, "count", locs[i].n);
					nt_json_end(j);
				}
				nt_json_end(j);
				nt_json_end(j);
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
	}
	sqlite3_finalize(st);
	nt_json_end(j);
}

/* @sql over the per-task table @tasks under the task filter, or @all over every task. */
static sqlite3_stmt *task_or_all(sqlite3 *db, const struct nt_report_filter *f, const char *tasks,
				 const char *sql, const char *all_tbl, const char *all)
{
	if (nt_report_task_filtered(db, f))
		return nt_report_table_exists(db, tasks) ? nt_report_task_query(db, sql, f) : NULL;
	return nt_report_table_exists(db, all_tbl) ? prep1(db, all, f) : NULL;
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
	nt_doc_free(&d);
	return 0;
}

int nt_report_text(sqlite3 *db, const struct nt_report_filter *f, FILE *o, struct nt_err **err)
{
	struct nt_doc d;
	int r;

	if (nt_doc_build(db, f, &d, err))
		return -1;
	r = nt_doc_text(&d, o, err);
	nt_doc_free(&d);
	return r;
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
