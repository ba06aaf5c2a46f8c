/* SPDX-License-Identifier: GPL-2.0 */
/* nettrail capture: record + import + analyze + report in one shot, into one directory. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "../collect/backend.h"
#include "../parse/reader.h"
#include "../report/doc.h"
#include "../report/report.h"
#include "../store/store.h"

const struct cli_opt capture_opts[] = {
	{"output", 'o', "DIR", "where to put everything (default: nettrail-DATE-TIME)"},
	CLI_RECORD_OPTS,
	{"quiet", 'q', NULL, "only print where the report is"},
	{NULL, 0, NULL, NULL},
};

const char capture_details[] =
	"Runs 'nettrail record' around COMMAND (or for --duration, or until Ctrl-C), with any of\n"
	"record's options, then imports and analyzes the trace (and the --profile table) and\n"
	"writes into DIR:\n"
	"  trace.dat      the capture (trace-cmd report and KernelShark open it); with\n"
	"                 --backend perf perf.data (perf report), with lttng the CTF\n"
	"                 directory lttng-trace/ (babeltrace2, Trace Compass)\n"
	"  nettrail.db    the database (nettrail report/info/analyze, sqlite3)\n"
	"  report.txt     the text report\n"
	"  report.html    the HTML report with plots\n"
	"  gnuplot/       a .gp script and .dat file per plot\n"
	"  csv/           every report table as CSV\n"
	"  *.workload     the command's process tree's start (docs/SCHEMA.md)\n"
	"and prints the report's findings block. The reports' task sections show the\n"
	"command's tasks (nettrail report --all-tasks: every task).\n"
	"Needs root, like record. Example: sudo nettrail capture -- ping -c 3 127.0.0.1\n";

/* All the reports into @dir; unless @quiet, the findings block on stdout. */
static int write_reports(const char *dir, const char *dbpath, bool quiet, struct nt_err **err)
{
	struct nt_store *s = NULL;
	struct nt_report_filter f;
	int r;

	nt_report_filter_init(&f);
	if (nt_store_open(dbpath, false, &s, err))
		return -1;
	r = nt_report_write_dir(nt_store_db(s), &f, dir, err);
	if (!r && !quiet)
		r = nt_report_findings_text(nt_store_db(s), &f, stdout, err);
	nt_store_close(s, false, NULL);
	return r;
}

struct capture {
	const char *dir; /* weak: -o's argument, or defdir */
	char defdir[64];
	char *dat, *db, *prof; /* owned */
	bool quiet, made_dir;
};

/* DIR made (unless it exists without a capture) and the paths in it. */
static int capture_dir(struct capture *cap, int backend, struct nt_err **err)
{
	if (!cap->dir) {
		time_t t = time(NULL);
		strftime(cap->defdir, sizeof(cap->defdir), "nettrail-%Y%m%d-%H%M%S", localtime(&t));
		cap->dir = cap->defdir;
	}
	if (mkdir(cap->dir, 0755) == 0)
		cap->made_dir = true;
	else if (errno != EEXIST)
		return nt_err_set(err,
				  nt_err_errno(NT_E_FAIL, errno, "cannot create '%s'", cap->dir));
	cap->dat = cli_path_in(cap->dir, nt_backend_output(backend));
	cap->db = cli_path_in(cap->dir, "nettrail.db");
	if (!cap->dat || !cap->db)
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	if (!access(cap->db, F_OK)) {
		struct nt_err *e = nt_err_new(NT_E_USAGE, "'%s' already holds a capture", cap->dir);
		nt_err_hint(e, "choose another directory with -o");
		return nt_err_set(err, e);
	}
	return 0;
}

/* The recording; *@code: lost events or an interrupted capture. */
static int capture_record(struct capture *cap, struct cli_record *rec, int *code,
			  struct nt_err **err)
{
	struct nt_record_result rr;

	rec->o.output = cap->dat;
	if (cli_record_run(rec, cap->quiet, &rr, err))
		return -1;
	cap->prof = rr.profile_path ? strdup(rr.profile_path) : NULL;
	if (rr.lost_total)
		*code = NT_EXIT_LOST;
	if (rr.stopped_by_signal && (rec->o.argv || rec->o.duration > 0))
		*code = NT_EXIT_INTR;
	nt_record_result_release(&rr);
	nt_interrupted = 0; /* a Ctrl-C that ended the capture does not stop the rest */
	return 0;
}

/* The trace (and the --profile table) into the new database. */
static int capture_import(struct capture *cap, uint64_t *events, struct nt_err **err)
{
	struct nt_import_opts io = {.timeout_s = 120};
	struct nt_import_result ir, pr;
	struct nt_store *st = NULL;

	io.progress = !cap->quiet && isatty(2);
	cli_progress_init(cap->quiet);
	if (nt_store_open(cap->db, true, &st, err))
		return -1;
	if (nt_store_import(st, cap->dat, &io, &ir, err) ||
	    (cap->prof && nt_store_import(st, cap->prof, &io, &pr, err))) {
		nt_store_close(st, true, NULL);
		return -1;
	}
	*events = ir.events;
	return nt_store_close(st, false, err);
}

int cmd_capture(int argc, char **argv)
{
	struct cli_record rec = {.backend = NT_BACKEND_FTRACE};
	struct capture cap = {0};
	struct nt_err *err = NULL;
	uint64_t events = 0;
	int code = cli_record_parse(&rec, "capture", argc, argv, &cap.dir, &cap.quiet);

	if (code)
		return code < 0 ? NT_EXIT_OK : code;
	if (capture_dir(&cap, rec.backend, &err) || capture_record(&cap, &rec, &code, &err) ||
	    capture_import(&cap, &events, &err) ||
	    write_reports(cap.dir, cap.db, cap.quiet, &err)) {
		if (cap.made_dir)
			rmdir(cap.dir); /* a directory we made is not left behind empty */
		code = cli_fail(err);
	} else {
		if (!cap.quiet)
			printf("\n%llu events in '%s'\n", (unsigned long long)events, cap.db);
		printf("report: %s/report.html (text: %s/report.txt, plots: %s/gnuplot, tables: "
		       "%s/csv)\n",
		       cap.dir, cap.dir, cap.dir, cap.dir);
	}
	cli_record_release(&rec);
	free(cap.dat);
	free(cap.db);
	free(cap.prof);
	return code;
}
