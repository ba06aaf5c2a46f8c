/* SPDX-License-Identifier: GPL-2.0 */
/* Private to report/: the sections built in files of their own (queries: query.h). */
#ifndef NT_REPORT_INT_H
#define NT_REPORT_INT_H

#include "query.h"

/*
 * A flow as one cell: "udp 10.0.0.1:5000 > 10.0.0.2:53", "tcp [::1]:22 > [::1]:50000"; without
 * ports (ICMP, other protocols): "icmp 10.0.0.1 > 10.0.0.2", "icmp6 fe80::1 > ff02::1",
 * "proto 47 ...". NULL for a lifecycle without a known flow (saddr NULL). Shared by the flow
 * tables (report/flows.c) and the packet explorer (report/explorer.c).
 */
#define NT_REPORT_FLOW_TEXT                                                                    \
	"CASE ip_proto WHEN 6 THEN 'tcp ' WHEN 17 THEN 'udp ' WHEN 1 THEN 'icmp ' WHEN 58 "    \
	"THEN 'icmp6 ' ELSE 'proto ' || ip_proto || ' ' END || CASE WHEN family = 10 AND "     \
	"sport IS NOT NULL THEN '[' || saddr || ']' ELSE saddr END || coalesce(':' || sport, " \
	"'') || ' > ' || CASE WHEN family = 10 AND dport IS NOT NULL THEN '[' || daddr || "    \
	"']' ELSE daddr END || coalesce(':' || dport, '')"

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
