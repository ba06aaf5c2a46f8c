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

static char *path_in(const char *dir, const char *name)
{
	char *p = NULL;
	if (asprintf(&p, "%s/%s", dir, name) < 0)
		return NULL;
	return p;
}

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

int cmd_capture(int argc, char **argv)
{
	struct cli_record rec = {.backend = NT_BACKEND_FTRACE};
	struct nt_record_opts o;
	struct nt_record_result rr;
	struct nt_import_opts io = {.timeout_s = 120};
	struct nt_import_result ir, pr;
	struct nt_store *st = NULL;
	struct nt_err *err = NULL;
	char defdir[64], *dat = NULL, *db = NULL, *prof = NULL, *arg;
	const char *dir = NULL;
	bool quiet = false, made_dir = false;
	int backend;
	int c, code;

	while ((c = cli_getopt(argc, argv, capture_opts, true, &arg)) != -1) {
		if (c == 'o') {
			dir = arg;
		} else if (c == 'q') {
			quiet = true;
		} else if (c == 'h') {
			cli_record_release(&rec);
			return cli_help_exit("capture");
		} else if ((code = cli_record_opt(&rec, "capture", c, arg))) {
			cli_record_release(&rec);
			return code < 0 ? NT_EXIT_USAGE : code;
		}
	}
	if ((code = cli_record_finish(&rec, "capture"))) {
		cli_record_release(&rec);
		return code;
	}
	if (rec.o.attach_pid && optind < argc) {
		cli_record_release(&rec);
		return cli_usage("capture", "-P PID traces a running process: give no COMMAND");
	}
	o = rec.o;
	backend = rec.backend;
	if (!dir) {
		time_t t = time(NULL);
		strftime(defdir, sizeof(defdir), "nettrail-%Y%m%d-%H%M%S", localtime(&t));
		dir = defdir;
	}
	if (mkdir(dir, 0755) == 0) {
		made_dir = true;
	} else if (errno != EEXIST) {
		cli_record_release(&rec);
		return cli_fail(nt_err_errno(NT_E_FAIL, errno, "cannot create '%s'", dir));
	}
	dat = path_in(dir, nt_backend_output(backend));
	db = path_in(dir, "nettrail.db");
	if (!dat || !db)
		goto oom;
	if (!access(db, F_OK)) {
		err = nt_err_new(NT_E_USAGE, "'%s' already holds a capture", dir);
		nt_err_hint(err, "choose another directory with -o");
		goto fail;
	}
	o.output = dat;
	o.argv = optind < argc ? argv + optind : NULL;
	o.progress = !quiet && isatty(2);
	cli_catch_signals();
	if (!quiet && !o.argv && o.duration <= 0)
		fprintf(stderr, "recording; press Ctrl-C to stop\n");
	if (nt_backend_record(backend, &o, rec.profile_hz, &rr, &err))
		goto fail;
	code = NT_EXIT_OK;
	prof = rr.profile_path ? strdup(rr.profile_path) : NULL;
	if (rr.lost_total)
		code = NT_EXIT_LOST;
	if (rr.stopped_by_signal && (o.argv || o.duration > 0))
		code = NT_EXIT_INTR;
	nt_record_result_release(&rr);
	nt_interrupted = 0; /* a Ctrl-C that ended the capture does not stop the rest */
	io.progress = !quiet && isatty(2);
	cli_progress_init(quiet);
	if (nt_store_open(db, true, &st, &err))
		goto fail;
	if (nt_store_import(st, dat, &io, &ir, &err) ||
	    (prof && nt_store_import(st, prof, &io, &pr, &err))) {
		nt_store_close(st, true, NULL);
		goto fail;
	}
	if (nt_store_close(st, false, &err) || write_reports(dir, db, quiet, &err))
		goto fail;
	if (!quiet)
		printf("\n%llu events in '%s'\n", (unsigned long long)ir.events, db);
	printf("report: %s/report.html (text: %s/report.txt, plots: %s/gnuplot, tables: %s/csv)\n",
	       dir, dir, dir, dir);
	cli_record_release(&rec);
	free(dat);
	free(db);
	free(prof);
	return code;
oom:
	err = nt_err_new(NT_E_FAIL, "out of memory");
fail:
	if (made_dir)
		rmdir(dir); /* a directory we made is not left behind empty (it fails if not) */
	cli_record_release(&rec);
	free(dat);
	free(db);
	free(prof);
	return cli_fail(err);
}
