/* SPDX-License-Identifier: GPL-2.0 */
/* Private to report/: queries shared by the text, JSON and document renderings. */
#ifndef NT_REPORT_INT_H
#define NT_REPORT_INT_H

#include "../analyze/analyze.h"
#include "report.h"

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

bool nt_report_table_exists(sqlite3 *db, const char *name);

/* Statistics per IRQ (@soft false) or softirq vector over the intervals passing @f. */
int nt_report_gather_irq(sqlite3 *db, const struct nt_report_filter *f, bool soft,
			 struct irq_rows *rs);

/* The skb stages in their order, and how many there are. */
#define NT_SKB_STAGES 6
extern const char *const nt_skb_stages[NT_SKB_STAGES];

/*
 * The latencies (µs, sorted) from stage @a to stage @a + 1 of the skb lifecycles passing @f,
 * lossy ones left out. Returns how many; *@v (free() it) is NULL when none.
 */
size_t nt_report_skb_stage(sqlite3 *db, const struct nt_report_filter *f, int a, double **v);

/*
 * The skb filters: ?1 trace, ?3 from, ?4 to, ?5 device, ?6 pid, ?7 comm (the sending or
 * receiving task); append after "FROM skb_lifecycles". nt_report_skb_query prepares such a
 * query with @f bound (NULL on failure).
 */
#define NT_SKB_WHERE                                                                               \
	" WHERE (?1 = 0 OR trace_id = ?1) AND (?3 < 0 OR start_ts >= ?3) AND (?4 < 0 OR start_ts " \
	"<= ?4) AND (?5 IS NULL OR device = ?5 OR rx_device = ?5) AND (?6 < 0 OR tx_pid = ?6 OR "  \
	"rx_pid = ?6) AND (?7 IS NULL OR tx_comm = ?7 OR rx_comm = ?7) AND ?2 IS ?2 AND (?20 IS "  \
	"NULL OR nt_flow_match(?20, ip_proto, saddr, sport, daddr, dport))"
sqlite3_stmt *nt_report_skb_query(sqlite3 *db, const char *sql, const struct nt_report_filter *f);

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
/* Do the task sections show only some tasks (--pid, --comm, or a workload)? */
bool nt_report_task_filtered(sqlite3 *db, const struct nt_report_filter *f);
/* A sentence saying which tasks the task sections show. */
const char *nt_report_task_scope(sqlite3 *db, const struct nt_report_filter *f);

/* The "Workload" section (report/tasks.c): its tasks and the packets they sent and received. */
struct nt_doc;
int nt_report_workload(sqlite3 *db, const struct nt_report_filter *f, struct nt_doc *d,
		       struct nt_err **err);

/* The skb section's flow note and tables (report/flows.c): skb_flows, skb_flow_drops, ... */
struct nt_section;
int nt_report_flows(sqlite3 *db, const struct nt_report_filter *f, struct nt_section *s,
		    struct nt_err **err);

/* The "Findings" section (report/findings.c): appended to @d, its table "findings". */
int nt_report_findings(sqlite3 *db, const struct nt_report_filter *f, struct nt_doc *d,
		       struct nt_err **err);

/* The nearest-rank @p-th percentile of @n sorted values. */
static inline double nt_rank(const double *v, size_t n, int p)
{
	return v[(n * (size_t)p + 99) / 100 - 1];
}

#endif
