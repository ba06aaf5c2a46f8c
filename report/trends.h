/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The report across runs (nettrail report --by-trace): one row per trace in a summary table,
 * and trend plots across traces of drops per reason, stage latency p50/p99, softirq time per
 * vector and allocation totals, with their data as tables (CSV). docs/REPORT.md.
 */
#ifndef NT_TRENDS_H
#define NT_TRENDS_H

#include <sqlite3.h>
#include <stdint.h>

#include "doc.h"

/*
 * Build the per-trace document of @db for the traces @ids (@n of them, in this order), or
 * every trace when @n is 0. Returns 0, or -1 with *@err (NT_E_USAGE: a trace does not exist;
 * the message names those there are). Release @d with nt_doc_release().
 */
int nt_trends_build(sqlite3 *db, const int64_t *ids, int n, struct nt_doc *d, struct nt_err **err);

#endif
