/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The report's queries under the filters, shared by every part of report/ (the document's
 * sections, the JSON export, the findings, the packet explorer). They only read the database;
 * a table the analyses did not write reads as empty. Statements they return are the caller's
 * (sqlite3_finalize() them); their SQL text and the filter's strings must outlive them.
 *
 * Parameters: the filters are bound by number, the same numbers in every query:
 * ?1 trace, ?2 cpu, ?3 from, ?4 to, ?5 device, ?6 pid, ?7 comm, ?8 workload only, ?20 flow.
 */
#ifndef NT_REPORT_QUERY_H
#define NT_REPORT_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "../analyze/analyze.h"
#include "report.h"

/* Does @db hold a table (or view) named @name? */
bool nt_report_table_exists(sqlite3 *db, const char *name);

/*
 * Prepare @sql with the trace, cpu and time filters bound: ?1 to ?5 when it has five or more
 * parameters, else ?1 only. NULL on failure.
 */
sqlite3_stmt *nt_report_query(sqlite3 *db, const char *sql, const struct nt_report_filter *f);

/* ---- interrupts ---- */

struct irq_row {
	int64_t number;
	char name[64];
	struct nt_stat dur, raise;
	int64_t total_ns; /* sum of the durations */
};

struct irq_rows {
	struct irq_row *r; /* owned: free() */
	int n;
};

/*
 * Statistics per IRQ (@soft false) or softirq vector over the intervals passing @f (trace,
 * cpu, window; lossy intervals left out), in number order. 0 (@rs empty when the table does
 * not exist), or -1 when the query fails.
 */
int nt_report_gather_irq(sqlite3 *db, const struct nt_report_filter *f, bool soft,
			 struct irq_rows *rs);

/* ---- skb lifecycles ---- */

/* The skb stages in their order, and how many there are. */
#define NT_SKB_STAGES 6
extern const char *const nt_skb_stages[NT_SKB_STAGES];

/*
 * The skb filters: ?1 trace, ?3 from, ?4 to, ?5 device, ?6 pid, ?7 comm (the sending or
 * receiving task), ?20 flow; append after "FROM skb_lifecycles". nt_report_skb_query prepares
 * such a query with @f bound (NULL on failure).
 */
#define NT_SKB_WHERE                                                                               \
	" WHERE (?1 = 0 OR trace_id = ?1) AND (?3 < 0 OR start_ts >= ?3) AND (?4 < 0 OR start_ts " \
	"<= ?4) AND (?5 IS NULL OR device = ?5 OR rx_device = ?5) AND (?6 < 0 OR tx_pid = ?6 OR "  \
	"rx_pid = ?6) AND (?7 IS NULL OR tx_comm = ?7 OR rx_comm = ?7) AND ?2 IS ?2 AND (?20 IS "  \
	"NULL OR nt_flow_match(?20, ip_proto, saddr, sport, daddr, dport))"
sqlite3_stmt *nt_report_skb_query(sqlite3 *db, const char *sql, const struct nt_report_filter *f);

/*
 * The latencies (µs, sorted) from stage @a to stage @a + 1 of the skb lifecycles passing @f,
 * lossy ones left out. Returns how many; *@v (free() it) is NULL when none.
 */
size_t nt_report_skb_stage(sqlite3 *db, const struct nt_report_filter *f, int a, double **v);

/* ---- tasks ---- */

/*
 * The task filters of a per-task table @tbl (columns trace_id, pid): ?6 pid, ?7 comm (any
 * task name the pid had in the trace), ?8 1 to keep only the workload's tasks in traces that
 * have a workload (traces without one keep every task). nt_report_task_query prepares such a
 * query with ?1 (trace) and those bound (NULL on failure).
 */
#define NT_TASK_WHERE(tbl)                                                                        \
	" AND (?6 < 0 OR " tbl ".pid = ?6) AND (?7 IS NULL OR " tbl ".pid IN (SELECT k.pid FROM " \
	"tasks k WHERE k.trace_id = " tbl ".trace_id AND k.comm = ?7)) AND (?8 = 0 OR NOT "       \
	"EXISTS (SELECT 1 FROM workload_tasks w WHERE w.trace_id = " tbl ".trace_id) OR " tbl     \
	".pid IN (SELECT w.pid FROM workload_tasks w WHERE w.trace_id = " tbl ".trace_id))"
sqlite3_stmt *nt_report_task_query(sqlite3 *db, const char *sql, const struct nt_report_filter *f);

/* Has some trace under @f a workload (a workload_tasks row)? */
bool nt_report_has_workload(sqlite3 *db, const struct nt_report_filter *f);
/* Do the task sections show only some tasks (--pid, --comm, or a workload)? */
bool nt_report_task_filtered(sqlite3 *db, const struct nt_report_filter *f);
/* A sentence saying which tasks the task sections show (static storage). */
const char *nt_report_task_scope(sqlite3 *db, const struct nt_report_filter *f);

/* The nearest-rank @p-th percentile of @n (>= 1) sorted values. */
static inline double nt_rank(const double *v, size_t n, int p)
{
	return v[(n * (size_t)p + 99) / 100 - 1];
}

#endif
