/* SPDX-License-Identifier: GPL-2.0 */
/* nettrail compare: two runs side by side (two databases, or two traces of one). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "../report/compare.h"
#include "../store/store.h"

enum { OPT_HTML = 256 };

const struct cli_opt compare_opts[] = {
	{"traces", 't', "A,B", "the trace ids to compare (default: every trace of each database)"},
	{"html", OPT_HTML, "FILE", "also write the comparison as a self-contained HTML file"},
	{NULL, 0, NULL, NULL},
};

const char compare_details[] =
	"With two databases, A is the first and B the second (with -t A,B: trace A of the first,\n"
	"trace B of the second). With one database, -t A,B names its two traces. Compared: skb\n"
	"outcomes, stage latencies and drops by reason, softirq and IRQ statistics, NAPI polls "
	"and\n"
	"allocation sites; changes of 10 % or more are marked (* in text, highlighted in HTML).\n";

static int build(const char *db, int64_t trace, struct nt_doc *d, struct nt_err **err)
{
	struct nt_store *s = NULL;
	struct nt_report_filter f;
	int r;

	nt_report_filter_init(&f);
	f.trace = trace;
	if (nt_store_open(db, false, &s, err))
		return -1;
	r = nt_report_filter_check(nt_store_db(s), &f, err);
	if (r)
		nt_err_hint(*err, "'nettrail info %s' lists its traces", db);
	else
		r = nt_doc_build(nt_store_db(s), &f, d, err);
	nt_store_close(s, false, NULL);
	return r;
}

int cmd_compare(int argc, char **argv)
{
	struct nt_doc a, b, cmp;
	struct nt_err *err = NULL;
	const char *html = NULL, *db_a, *db_b;
	int64_t ta = 0, tb = 0;
	char na[4200], nb[4200], *arg, *end;
	int c, r;

	while ((c = cli_getopt(argc, argv, compare_opts, false, &arg)) != -1) {
		if (c == 't') {
			ta = strtoll(arg, &end, 10);
			if (*end != ',' || ta <= 0 || (tb = strtoll(end + 1, &end, 10)) <= 0 ||
			    *end)
				return cli_usage("compare", "-t wants two trace ids A,B, not '%s'",
						 arg);
		} else if (c == OPT_HTML) {
			html = arg;
		} else if (c == 'h') {
			return cli_help_exit("compare");
		} else {
			return NT_EXIT_USAGE;
		}
	}
	if (optind == argc - 2) {
		db_a = argv[optind];
		db_b = argv[optind + 1];
	} else if (optind == argc - 1 && ta) {
		db_a = db_b = argv[optind];
	} else {
		return cli_usage("compare", "give two databases, or one database and -t A,B");
	}
	snprintf(na, sizeof(na), "%s%s", db_a, ta ? "" : "");
	if (ta)
		snprintf(na, sizeof(na), "trace %lld of %s", (long long)ta, db_a);
	snprintf(nb, sizeof(nb), "%s", db_b);
	if (tb)
		snprintf(nb, sizeof(nb), "trace %lld of %s", (long long)tb, db_b);
	if (build(db_a, ta, &a, &err))
		return cli_fail(err);
	if (build(db_b, tb, &b, &err)) {
		nt_doc_free(&a);
		return cli_fail(err);
	}
	r = nt_compare_doc(&a, &b, na, nb, &cmp, &err);
	if (!r)
		r = nt_doc_text(&cmp, stdout, &err);
	if (!r && html)
		r = nt_doc_write_file(&cmp, html, true, &err);
	nt_doc_free(&a);
	nt_doc_free(&b);
	nt_doc_free(&cmp);
	return r ? cli_fail(err) : NT_EXIT_OK;
}
