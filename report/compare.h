/* SPDX-License-Identifier: GPL-2.0 */
/* Comparing the reports of two runs (nettrail compare). */
#ifndef NT_COMPARE_H
#define NT_COMPARE_H

#include "doc.h"

/*
 * Build @out: for each comparable report table (skb outcomes, stage latencies, drops,
 * softirqs, IRQs, NAPI, allocation sites), the rows of @a and @b joined on their keys with A,
 * B and the change in % of each value (not marked: the tests of compare_runs.h flag). Release
 * with nt_doc_release().
 */
int nt_compare_doc(const struct nt_doc *a, const struct nt_doc *b, const char *name_a,
		   const char *name_b, struct nt_doc *out, struct nt_err **err);

#endif
