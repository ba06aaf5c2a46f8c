/* SPDX-License-Identifier: GPL-2.0 */
/* nettrail compare: a baseline run against others, with statistical tests (docs/REPORT.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "../report/compare_runs.h"

enum { OPT_HTML = 256, OPT_CSV, OPT_ALPHA, OPT_FACTOR, OPT_SHIFT };

const struct cli_opt compare_opts[] = {
	{"traces", 't', "A,B[,C...]",
	 "the trace ids to compare: of the one database, or one per database (default: every "
	 "trace of each database, pooled)"},
	{"html", OPT_HTML, "FILE", "also write the comparison as a self-contained HTML file"},
	{"csv", OPT_CSV, "DIR", "also write its tables as DIR/TABLE.csv"},
	{"alpha", OPT_ALPHA, "P", "family-wise error rate of the flags (default 0.01)"},
	{"factor", OPT_FACTOR, "F",
	 "smallest change flagged: median latency or rate ratio (default 2)"},
	{"shift", OPT_SHIFT, "US", "smallest move of a median latency flagged, in µs (default 1)"},
	{NULL, 0, NULL, NULL},
};

const char compare_details[] =
	"The first run is the baseline; each other run is compared with it. Runs are databases\n"
	"(every trace of each, pooled), or with -t the traces of one database, or one trace of\n"
	"each database. Latency distributions (skb stage latencies, NET_RX/NET_TX softirq\n"
	"durations and raise latency) are compared on their samples with Mann-Whitney U; counts "
	"the\n"
	"workload drives (skb outcomes, drops per reason, network allocations; per skb) with the "
	"exact test of two Poisson rates. A change is flagged (*\n"
	"in text, highlighted in HTML) when its Holm-adjusted p-value is below alpha and it\n"
	"changed by the factor or more (latencies: the median, by 1 µs or more, |r| >= 0.3).\n"
	"With two runs the report tables follow, side by side. Exit code 0 whether or not\n"
	"changes are flagged.\n";

/* The runs from the databases @dbs (@ndb) and the trace ids @ids (@nids). */
static int make_runs(char **dbs, int ndb, const int64_t *ids, int nids, struct nt_run *runs)
{
	if (ndb == 1 && nids < 2)
		return cli_usage("compare", "give two databases or more, or one database and "
					    "-t A,B[,C...]");
	if (ndb > 1 && nids && nids != ndb)
		return cli_usage("compare",
				 "-t names %d trace%s for %d databases: give one per database",
				 nids, nids == 1 ? "" : "s", ndb);
	for (int i = 0; i < (ndb == 1 ? nids : ndb); i++) {
		runs[i].db = dbs[ndb == 1 ? 0 : i];
		runs[i].trace = nids ? ids[i] : 0;
	}
	return 0;
}

int cmd_compare(int argc, char **argv)
{
	struct nt_compare_opts o;
	struct nt_run runs[64];
	struct nt_doc cmp;
	struct nt_err *err = NULL;
	const char *html = NULL, *csv = NULL;
	int64_t ids[64];
	int nids = 0, c, r, nflagged, ndb;
	char *arg, *end;

	nt_compare_opts_init(&o);
	while ((c = cli_getopt(argc, argv, compare_opts, false, &arg)) != -1) {
		if (c == 't') {
			nids = cli_parse_ids(arg, ids, 64);
			if (nids < 2)
				return cli_usage(
					"compare",
					"-t wants two trace ids or more, A,B[,C...], not '%s'",
					arg);
		} else if (c == OPT_HTML) {
			html = arg;
		} else if (c == OPT_CSV) {
			csv = arg;
		} else if (c == OPT_ALPHA) {
			o.alpha = strtod(arg, &end);
			if (*end || !(o.alpha > 0 && o.alpha < 1))
				return cli_usage("compare",
						 "--alpha wants a probability in (0, 1), "
						 "not '%s'",
						 arg);
		} else if (c == OPT_FACTOR) {
			o.min_ratio = strtod(arg, &end);
			if (*end || !(o.min_ratio >= 1))
				return cli_usage("compare",
						 "--factor wants a number >= 1, not '%s'", arg);
		} else if (c == OPT_SHIFT) {
			o.min_shift_us = strtod(arg, &end);
			if (*end || !(o.min_shift_us >= 0))
				return cli_usage("compare", "--shift wants µs >= 0, not '%s'", arg);
		} else if (c == 'h') {
			return cli_help_exit("compare");
		} else {
			return NT_EXIT_USAGE;
		}
	}
	ndb = argc - optind;
	if (ndb < 1 || ndb > 64)
		return cli_usage("compare", "give one database with -t A,B, or 2 to 64 databases");
	if ((r = make_runs(argv + optind, ndb, ids, nids, runs)))
		return r;
	if (nt_compare_runs(runs, ndb == 1 ? nids : ndb, &o, &cmp, &nflagged, &err))
		return cli_fail(err);
	r = nt_doc_text(&cmp, stdout, &err);
	if (!r && html)
		r = nt_doc_write_file(&cmp, html, true, &err);
	if (!r && csv)
		r = nt_doc_csv(&cmp, csv, &err);
	nt_doc_release(&cmp);
	return r ? cli_fail(err) : NT_EXIT_OK;
}
