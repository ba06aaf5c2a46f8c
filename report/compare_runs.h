/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Statistical comparison of runs (nettrail compare): a baseline run against one or more
 * others. Latency distributions (skb stage latencies, NET_RX/NET_TX softirq durations and
 * raise latency) are compared on their per-packet / per-interval samples with Mann–Whitney U;
 * counts the workload drives (skb outcomes, drops per reason, network allocations per call
 * site; all per decided lifecycle) with the exact test of two Poisson
 * rates. p-values are adjusted with Holm's method across every test of the comparison; a
 * change is flagged when the adjusted p is below alpha and the effect is large enough to
 * stand out from run-to-run variation (docs/REPORT.md, "Comparing runs").
 */
#ifndef NT_COMPARE_RUNS_H
#define NT_COMPARE_RUNS_H

#include <stdint.h>

#include "doc.h"

struct nt_run {
	const char *db; /* database path (weak) */
	int64_t trace;	/* trace id, or 0: every trace of the database, pooled */
};

struct nt_compare_opts {
	double alpha;	     /* family-wise error rate (default 0.01) */
	double min_r;	     /* smallest |rank-biserial r| flagged (default 0.3) */
	double min_ratio;    /* smallest factor flagged: medians of latencies, rates of
				* counts (default 2) */
	double min_shift_us; /* smallest move of a latency median flagged (default 1 µs) */
	int min_samples;     /* fewer samples in a run: "too few" (default 8) */
	bool values;	     /* also the side-by-side value tables (two runs only) */
};

/* Defaults of the options above. */
void nt_compare_opts_init(struct nt_compare_opts *o);

/*
 * Compare @runs[1..n-1] against @runs[0] (@n >= 2) into @out (release with nt_doc_release()).
 * *@nflagged gets the number of flagged changes. Returns 0, or -1 with *@err (NT_E_USAGE when
 * a trace does not exist: the message names the traces there are).
 */
int nt_compare_runs(const struct nt_run *runs, int n, const struct nt_compare_opts *o,
		    struct nt_doc *out, int *nflagged, struct nt_err **err);

#endif
