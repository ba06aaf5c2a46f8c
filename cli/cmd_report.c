/* SPDX-License-Identifier: GPL-2.0 */
/* nettrail report: text tables or JSON from a database (docs/REPORT.md). */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "../report/doc.h"
#include "../report/report.h"
#include "../report/trends.h"
#include "../store/store.h"

enum {
	OPT_CPU = 256,
	OPT_PID,
	OPT_COMM,
	OPT_DEV,
	OPT_FLOW,
	OPT_FROM,
	OPT_TO,
	OPT_HTML,
	OPT_GNUPLOT,
	OPT_CSV,
	OPT_BY_TRACE,
	OPT_ALL
};

const struct cli_opt report_opts[] = {
	{"json", 'j', NULL, "print the stable JSON export instead of text (docs/REPORT.md)"},
	{"html", OPT_HTML, "FILE", "write a self-contained HTML report with plots"},
	{"gnuplot", OPT_GNUPLOT, "DIR",
	 "write a gnuplot script and data file per plot (gnuplot X.gp makes png, svg, pdf)"},
	{"csv", OPT_CSV, "DIR", "write every report table as DIR/TABLE.csv"},
	{"quiet", 'q', NULL, "no progress bar"},
	{"trace", 't', "ID", "only this trace (with --by-trace: ID,ID,... these traces)"},
	{"by-trace", OPT_BY_TRACE, NULL,
	 "across traces: a row per trace and trend plots (drops, stage latency, softirq time, "
	 "allocations)"},
	{"cpu", OPT_CPU, "N", "only events on this cpu"},
	{"pid", OPT_PID, "PID", "only this task (sections about tasks)"},
	{"comm", OPT_COMM, "NAME", "only tasks with this name (sections about tasks)"},
	{"all-tasks", OPT_ALL, NULL,
	 "sections about tasks show the whole machine, not the traced command's workload"},
	{"dev", OPT_DEV, "NAME", "only this network device"},
	{"flow", OPT_FLOW, "EXPR",
	 "only packets of these flows: 'host 127.0.0.1 and port 8080', src/dst, tcp, udp, or "
	 "'SADDR:SPORT>DADDR:DPORT' (docs/REPORT.md)"},
	{"from", OPT_FROM, "T", "from this time (ns, or seconds with a '.', as trace-cmd prints)"},
	{"to", OPT_TO, "T", "up to this time (same units)"},
	{NULL, 0, NULL, NULL},
};

static int parse_time(const char *s, int64_t *out)
{
	char *end;

	if (strchr(s, '.')) {
		double v = strtod(s, &end);
		if (*end || v < 0)
			return -1;
		*out = (int64_t)(v * 1e9 + 0.5);
		return 0;
	}
	*out = strtoll(s, &end, 10);
	return *end || *out < 0 ? -1 : 0;
}

/* The HTML file is written under a temporary name and renamed: never half a report. */
static int write_files(sqlite3 *db, const struct nt_report_filter *f, const char *html,
		       const char *gp, const char *csv, struct nt_err **err)
{
	struct nt_doc d;
	int r = 0;

	if (nt_doc_build(db, f, &d, err))
		return -1;
	if (html)
		r = nt_doc_explorer(db, f, &d, err);
	if (!r && html)
		r = nt_doc_write_file(&d, html, true, err);
	if (!r && gp)
		r = nt_doc_gnuplot(&d, gp, err);
	if (!r && csv)
		r = nt_doc_csv(&d, csv, err);
	nt_doc_release(&d);
	return r;
}

/* report --by-trace: the per-trace document in every format asked (text when none). */
static int report_by_trace(const char *db, const char *targ, bool json, const char *html,
			   const char *gp, const char *csv)
{
	struct nt_store *s = NULL;
	struct nt_err *err = NULL;
	struct nt_doc d;
	int64_t ids[256];
	int n = 0, r;
	char *end;

	if (json)
		return cli_usage("report", "--by-trace has no JSON form; use --csv DIR");
	for (const char *p = targ; p && *p; p = *end ? end + 1 : end) {
		if (n == 256)
			return cli_usage("report", "--trace: at most 256 traces");
		ids[n] = strtoll(p, &end, 10);
		if (end == p || ids[n++] <= 0 || (*end && *end != ','))
			return cli_usage("report", "--trace wants trace ids like 1,2,5, not '%s'",
					 targ);
	}
	if (nt_store_open(db, false, &s, &err))
		return cli_fail(err);
	r = nt_trends_build(nt_store_db(s), ids, n, &d, &err);
	nt_store_close(s, false, NULL);
	if (!r && html)
		r = nt_doc_write_file(&d, html, true, &err);
	if (!r && gp)
		r = nt_doc_gnuplot(&d, gp, &err);
	if (!r && csv)
		r = nt_doc_csv(&d, csv, &err);
	if (!r && !html && !gp && !csv)
		r = nt_doc_text(&d, stdout, &err);
	nt_doc_release(&d);
	return r ? cli_fail(err) : NT_EXIT_OK;
}

/* What the command line asked for. */
struct report_args {
	struct nt_report_filter f;
	bool json, quiet, by_trace;
	const char *html, *gp, *csv, *targ;
};

/* The options into @a: -1 to go on, else the exit code (usage error or help printed). */
static int report_options(int argc, char **argv, struct report_args *a)
{
	char *arg, *end;
	int c;

	while ((c = cli_getopt(argc, argv, report_opts, false, &arg)) != -1) {
		switch (c) {
		case 'j':
			a->json = true;
			break;
		case 'q':
			a->quiet = true;
			break;
		case OPT_HTML:
			a->html = arg;
			break;
		case OPT_GNUPLOT:
			a->gp = arg;
			break;
		case OPT_CSV:
			a->csv = arg;
			break;
		case 't':
			a->targ = arg;
			break;
		case OPT_BY_TRACE:
			a->by_trace = true;
			break;
		case OPT_CPU:
			a->f.cpu = (int)strtol(arg, &end, 10);
			if (*end || a->f.cpu < 0)
				return cli_usage("report", "--cpu wants a cpu number, not '%s'",
						 arg);
			break;
		case OPT_PID:
			a->f.pid = (int)strtol(arg, &end, 10);
			if (*end || a->f.pid < 0)
				return cli_usage("report", "--pid wants a pid, not '%s'", arg);
			break;
		case OPT_COMM:
			a->f.comm = arg;
			break;
		case OPT_ALL:
			a->f.machine = true;
			break;
		case OPT_DEV:
			a->f.dev = arg;
			break;
		case OPT_FLOW:
			a->f.flow = arg;
			break;
		case OPT_FROM:
		case OPT_TO:
			if (parse_time(arg, c == OPT_FROM ? &a->f.from : &a->f.to))
				return cli_usage(
					"report",
					"'%s' is not a time (ns, or seconds like 237.450117)", arg);
			break;
		case 'h':
			return cli_help_exit("report");
		default:
			return NT_EXIT_USAGE;
		}
	}
	return -1;
}

int cmd_report(int argc, char **argv)
{
	struct report_args a = {0};
	struct nt_store *s = NULL;
	struct nt_err *err = NULL;
	char *end;
	int r;

	nt_report_filter_init(&a.f);
	if ((r = report_options(argc, argv, &a)) >= 0)
		return r;
	if (optind != argc - 1)
		return cli_usage("report", "give exactly one database");
	if (a.by_trace)
		return report_by_trace(argv[optind], a.targ, a.json, a.html, a.gp, a.csv);
	if (a.targ) {
		a.f.trace = strtoll(a.targ, &end, 10);
		if (*end || a.f.trace <= 0)
			return cli_usage("report", "--trace wants a trace id, not '%s'", a.targ);
	}
	cli_progress_init(a.quiet);
	if (nt_store_open(argv[optind], false, &s, &err))
		return cli_fail(err);
	r = nt_report_filter_check(nt_store_db(s), &a.f, &err);
	if (r)
		nt_err_hint(err, "'nettrail info %s' lists what the database holds", argv[optind]);
	else if (a.html || a.gp || a.csv)
		r = write_files(nt_store_db(s), &a.f, a.html, a.gp, a.csv, &err);
	if (!r && a.json)
		r = nt_report_json(nt_store_db(s), &a.f, stdout, &err);
	else if (!r && !a.html && !a.gp && !a.csv)
		r = nt_report_text(nt_store_db(s), &a.f, stdout, &err);
	nt_store_close(s, false, NULL);
	return r ? cli_fail(err) : NT_EXIT_OK;
}
