/* SPDX-License-Identifier: GPL-2.0 */
/* Private to report/: the sections built in files of their own (queries: query.h). */
#ifndef NT_REPORT_INT_H
#define NT_REPORT_INT_H

#include "query.h"

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

#endif
