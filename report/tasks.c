/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "Workload" section: its process tree and the packets its tasks sent and received (by the
 * skb's sender and receiver task, never by the pid of each event). Which tasks the other task
 * sections show is query.c's (nt_report_task_query).
 */
#include "doc.h"
#include "report_int.h"

#define LIVES(who)                                                                        \
	"(SELECT count(*) FROM skb_lifecycles l WHERE l.trace_id = w.trace_id AND l." who \
	" = w.pid AND l.start_ts >= coalesce(w.first_ts, l.start_ts) AND l.start_ts <= "  \
	"coalesce(w.last_ts, l.start_ts)"
#define IN_TASK                                                                                    \
	" AND NOT EXISTS (SELECT 1 FROM skb_irq_xmits x WHERE x.trace_id = l.trace_id AND x.ts = " \
	"min(coalesce(l.queue_ts, l.xmit_ts), coalesce(l.xmit_ts, l.queue_ts)) AND x.skbaddr = "   \
	"l.skbaddr)"

/* The workload's tasks with the skbs they sent, received and had dropped (under @f). */
static sqlite3_stmt *workload_query(sqlite3 *db, const struct nt_report_filter *f)
{
	bool skb = nt_report_table_exists(db, "skb_lifecycles");
	bool irqx = nt_report_table_exists(db, "skb_irq_xmits");
	char sql[4096];

	snprintf(
		sql, sizeof(sql),
		"SELECT trace_id, pid, ppid, (SELECT group_concat(comm, ',') FROM (SELECT DISTINCT "
		"comm FROM tasks k WHERE k.trace_id = w.trace_id AND k.pid = w.pid)), first_ts, "
		"last_ts, (SELECT sum(events) FROM tasks k WHERE k.trace_id = w.trace_id AND "
		"k.pid = w.pid), %s%s%s, %s, %s%s%s FROM workload_tasks w WHERE ?1 = 0 OR "
		"trace_id = ?1 ORDER BY trace_id, coalesce(first_ts, 0), pid",
		skb ? LIVES("tx_pid") : "NULL", skb && irqx ? IN_TASK : "", skb ? ")" : "",
		skb ? LIVES("rx_pid") " AND l.copy_ts IS NOT NULL)" : "NULL",
		skb ? LIVES("tx_pid") : "NULL", skb && irqx ? IN_TASK : "",
		skb ? " AND l.outcome = 'dropped')" : "");
	return nt_report_task_query(db, sql, f);
}

int nt_report_workload(sqlite3 *db, const struct nt_report_filter *f, struct nt_doc *d,
		       struct nt_err **err)
{
	static const char *const cols[] = {"trace_id",	    "pid",	    "ppid",   "comm",
					   "first_ts",	    "last_ts",	    "events", "skbs_sent",
					   "skbs_received", "skbs_dropped", NULL};
	struct nt_section *s;
	struct nt_table *t;
	sqlite3_stmt *st;

	if (!nt_report_has_workload(db, f))
		return 0;
	if (!(s = nt_doc_section(d, "Workload")) ||
	    !(t = nt_section_table(s, "workload_tasks", "The workload's tasks", cols)))
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	nt_section_note(
		s, false,
		"The traced command (or record -P's process) and every task it forked, from the "
		"trace's sched_process_fork/exit; nettrail's own tasks are never part of it. An "
		"skb counts for a task when the task sent it (its first queue/xmit event ran in "
		"the task, not in an interrupt: what the kernel sends from a softirq, such as "
		"resets and ACKs, belongs to no task) or received it (it was copied to the task); "
		"dropped = sent, then dropped. Times in ns; empty: before the trace started or "
		"after it ended.");
	st = workload_query(db, f);
	if (!st || nt_table_query(t, db, st))
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "report: cannot read '%s': %s",
						  "workload_tasks", sqlite3_errmsg(db)));
	return 0;
}
