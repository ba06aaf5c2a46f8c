/* SPDX-License-Identifier: GPL-2.0 */
/* The report's queries under the filters (query.h). */
#include "query.h"

#include <stdlib.h>
#include <string.h>

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

/* Bind the trace, cpu and window filters: ?1 trace, ?2 cpu, ?3 from, ?4 to. */
static void bind_filters(sqlite3_stmt *st, const struct nt_report_filter *f)
{
	sqlite3_bind_int64(st, 1, f->trace);
	sqlite3_bind_int(st, 2, f->cpu);
	sqlite3_bind_int64(st, 3, f->from);
	sqlite3_bind_int64(st, 4, f->to);
}

sqlite3_stmt *nt_report_query(sqlite3 *db, const char *sql, const struct nt_report_filter *f)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	if (sqlite3_bind_parameter_count(st) >= 5) {
		bind_filters(st, f);
		sqlite3_bind_text(st, 5, f->dev, -1, SQLITE_STATIC);
	} else if (sqlite3_bind_parameter_count(st) >= 1) {
		sqlite3_bind_int64(st, 1, f->trace);
	}
	return st;
}

/* ---- interrupts ---- */

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

/* ---- skb lifecycles ---- */

sqlite3_stmt *nt_report_skb_query(sqlite3 *db, const char *sql, const struct nt_report_filter *f)
{
	sqlite3_stmt *st = nt_report_query(db, sql, f);

	if (st) {
		sqlite3_bind_int(st, 6, f->pid);
		sqlite3_bind_text(st, 7, f->comm, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 20, f->flow, -1, SQLITE_STATIC);
	}
	return st;
}

const char *const nt_skb_stages[NT_SKB_STAGES] = {"alloc",   "queue", "xmit",
						  "receive", "copy",  "free"};

size_t nt_report_skb_stage(sqlite3 *db, const struct nt_report_filter *f, int a, double **out)
{
	char sql[1024];
	sqlite3_stmt *st;
	double *v = NULL;
	size_t n = 0, cap = 0;

	*out = NULL;
	if (a < 0 || a + 1 >= NT_SKB_STAGES || !nt_report_table_exists(db, "skb_lifecycles"))
		return 0;
	snprintf(sql, sizeof(sql),
		 "SELECT %s_ts - %s_ts AS x FROM skb_lifecycles" NT_SKB_WHERE
		 " AND NOT lossy AND %s_ts IS NOT NULL AND %s_ts IS NOT NULL ORDER BY x",
		 nt_skb_stages[a + 1], nt_skb_stages[a], nt_skb_stages[a], nt_skb_stages[a + 1]);
	st = nt_report_skb_query(db, sql, f);
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		if (n == cap) {
			double *x = realloc(v, (cap = cap ? cap * 2 : 256) * sizeof(*x));
			if (!x)
				break;
			v = x;
		}
		v[n++] = sqlite3_column_double(st, 0) / 1e3;
	}
	sqlite3_finalize(st);
	*out = v;
	return n;
}

/* ---- tasks ---- */

static bool workload_on(sqlite3 *db, const struct nt_report_filter *f)
{
	return !f->machine && f->pid < 0 && !f->comm &&
	       nt_report_table_exists(db, "workload_tasks");
}

sqlite3_stmt *nt_report_task_query(sqlite3 *db, const char *sql, const struct nt_report_filter *f)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_int64(st, 1, f->trace);
	sqlite3_bind_int(st, 6, f->pid);
	sqlite3_bind_text(st, 7, f->comm, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 8, workload_on(db, f));
	return st;
}

bool nt_report_has_workload(sqlite3 *db, const struct nt_report_filter *f)
{
	sqlite3_stmt *st;
	bool r = false;

	if (!nt_report_table_exists(db, "workload_tasks") ||
	    sqlite3_prepare_v2(db, "SELECT 1 FROM workload_tasks WHERE ?1 = 0 OR trace_id = ?1", -1,
			       &st, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_int64(st, 1, f->trace);
	r = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return r;
}

bool nt_report_task_filtered(sqlite3 *db, const struct nt_report_filter *f)
{
	return f->pid >= 0 || f->comm || (workload_on(db, f) && nt_report_has_workload(db, f));
}

const char *nt_report_task_scope(sqlite3 *db, const struct nt_report_filter *f)
{
	if (f->pid >= 0 || f->comm)
		return "Tasks: those --pid/--comm names.";
	if (workload_on(db, f) && nt_report_has_workload(db, f))
		return "Tasks: the workload's (the traced command and what it forked; "
		       "--all-tasks for the whole machine).";
	return "Tasks: every task of the machine.";
}
