/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nettrail lab: a built-in network-stack exercise. Builds the scenario's world, records its
 * traffic, tears the world down, then imports, analyzes, reports and writes the lab sheet.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "../collect/ftrace.h"
#include "../lab/lab.h"
#include "../parse/reader.h"
#include "../report/doc.h"
#include "../report/report.h"
#include "../store/store.h"

enum { OPT_TRAFFIC = 256, OPT_TAG };

const struct cli_opt lab_opts[] = {
	{"list", 'l', NULL, "list the scenarios"},
	{"count", 'c', "N", "packets (connects, writes) to send (default: the scenario's)"},
	{"output", 'o', "DIR", "where to put everything (default: nettrail-lab-NAME-DATE-TIME)"},
	{"quiet", 'q', NULL, "only print the result line and where the sheet is"},
	{"traffic", OPT_TRAFFIC, "NAME", "(internal) run the scenario's traffic in its world"},
	{"tag", OPT_TAG, "T", "(internal) the world's tag, with --traffic"},
	{NULL, 0, NULL, NULL},
};

const char lab_details[] =
	"Builds the scenario's world (network namespaces nt-lab-PID-X with veth pairs, addresses,\n"
	"routes, nftables rules, a tun device: never the host's own), records its traffic with\n"
	"tracepoints, removes the world (also on Ctrl-C or failure), then writes into DIR what\n"
	"'nettrail capture' writes (trace.dat, nettrail.db, report.txt, report.html, gnuplot/,\n"
	"csv/) plus traffic.txt (what was sent) and the lab sheet, lab-sheet.txt and\n"
	"lab-sheet.html: expected vs observed for each claim, PASS/FAIL, the path of one packet.\n"
	"Exit code 1 when a claim fails. Scenarios: 'nettrail lab --list'; docs/LABS.md.\n"
	"Needs root. Example: sudo nettrail lab syn-closed-port -c 20 -o syn\n";

static char *path_in(const char *dir, const char *name)
{
	char *p = NULL;
	if (asprintf(&p, "%s/%s", dir, name) < 0)
		return NULL;
	return p;
}

static int run_traffic(const char *name, long tag, long count, const char *dir)
{
	const struct nt_lab *l = nt_lab_find(name);
	struct nt_err *err = NULL;
	int r;

	if (!l || tag <= 0 || !dir)
		return cli_usage("lab", "--traffic wants a scenario, --tag and -o");
	/* the lab (our parent) removes the world: if it dies (SIGKILL), stop too */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != (pid_t)tag)
		return NT_EXIT_INTR;
	r = nt_lab_traffic(l, tag, count > 0 ? count : nt_lab_default_count(l), dir, &err);
	if (r < 0)
		return cli_fail(err);
	return r ? NT_EXIT_FAIL : NT_EXIT_OK;
}

/* Record the traffic child (this program, --traffic) in the world tagged @tag. */
static int record(const struct nt_lab *l, long tag, long count, const char *dir, const char *dat,
		  struct nt_record_result *rr, struct nt_err **err)
{
	struct nt_record_opts o = {0};
	char self[4096], stag[32], scount[32];
	char *argv[12];
	const char *const *ev = nt_lab_events(l);
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0)
		return nt_err_set(err, nt_err_errno(NT_E_FAIL, errno, "cannot find this program"));
	self[n] = '\0';
	snprintf(stag, sizeof(stag), "%ld", tag);
	snprintf(scount, sizeof(scount), "%ld", count);
	argv[0] = self;
	argv[1] = "lab";
	argv[2] = "--traffic";
	argv[3] = (char *)nt_lab_name(l);
	argv[4] = "--tag";
	argv[5] = stag;
	argv[6] = "-c";
	argv[7] = scount;
	argv[8] = "-o";
	argv[9] = (char *)dir;
	argv[10] = NULL;
	o.output = dat;
	o.events = ev;
	while (ev[o.nevents])
		o.nevents++;
	o.argv = argv;
	return nt_ftrace_record(&o, rr, err);
}

static int analyze(const struct nt_lab *l, long count, const char *dir, const char *db,
		   const char *dat, int *failed, struct nt_err **err)
{
	struct nt_import_opts io = {.timeout_s = 120};
	struct nt_import_result ir;
	struct nt_report_filter rf;
	struct nt_store *st = NULL;

	if (nt_store_open(db, true, &st, err))
		return -1;
	if (nt_store_import(st, dat, &io, &ir, err)) {
		nt_store_close(st, true, NULL);
		return -1;
	}
	if (nt_store_close(st, false, err) || nt_store_open(db, false, &st, err))
		return -1;
	nt_report_filter_init(&rf);
	if (nt_report_write_dir(nt_store_db(st), &rf, dir, err) ||
	    nt_lab_sheet(l, nt_store_db(st), dir, count, failed, err)) {
		nt_store_close(st, false, NULL);
		return -1;
	}
	return nt_store_close(st, false, err);
}

static void show_sheet(const char *dir, bool quiet)
{
	char *p = path_in(dir, "lab-sheet.txt"), line[1024];
	FILE *f = p ? fopen(p, "r") : NULL;

	while (f && fgets(line, sizeof(line), f))
		if (!quiet || !strncmp(line, "Result:", 7))
			fputs(line, stdout);
	if (f)
		fclose(f);
	free(p);
}

static int run_lab(const struct nt_lab *l, long count, const char *dir, bool quiet)
{
	struct nt_record_result rr = {0};
	struct nt_lab_world *w = NULL;
	struct nt_err *err = NULL;
	char *dat = path_in(dir, "trace.dat"), *db = path_in(dir, "nettrail.db");
	int failed = 0, code = NT_EXIT_OK, rec;
	long tag = (long)getpid();

	if (!dat || !db) {
		err = nt_err_new(NT_E_FAIL, "out of memory");
		goto fail;
	}
	if (!access(db, F_OK)) {
		err = nt_err_new(NT_E_USAGE, "'%s' already holds a capture", dir);
		nt_err_hint(err, "choose another directory with -o");
		goto fail;
	}
	cli_catch_signals();
	nt_lab_world_reap_stale();
	if (!quiet)
		fprintf(stderr, "lab %s: building the world, recording %ld ...\n", nt_lab_name(l),
			count);
	if (nt_lab_world_create(l, tag, &w, &err))
		goto fail;
	rec = record(l, tag, count, dir, dat, &rr, &err);
	nt_lab_world_destroy(w); /* the world is gone before anything else happens */
	if (rec)
		goto fail;
	if (rr.stopped_by_signal || nt_interrupted) {
		nt_record_result_release(&rr);
		err = nt_err_new(NT_E_INTR, "interrupted: the lab's world was removed");
		goto fail;
	}
	if (rr.lost_total)
		code = NT_EXIT_LOST;
	if (rr.cmd_status != 0 && !quiet)
		fprintf(stderr, "lab %s: the traffic did not go as planned (see traffic.txt)\n",
			nt_lab_name(l));
	nt_record_result_release(&rr);
	if (analyze(l, count, dir, db, dat, &failed, &err))
		goto fail;
	show_sheet(dir, quiet);
	printf("lab sheet: %s/lab-sheet.txt (HTML: %s/lab-sheet.html, report: %s/report.html)\n",
	       dir, dir, dir);
	free(dat);
	free(db);
	return failed ? NT_EXIT_FAIL : code;
fail:
	free(dat);
	free(db);
	return cli_fail(err);
}

int cmd_lab(int argc, char **argv)
{
	const char *dir = NULL, *traffic = NULL;
	const struct nt_lab *l;
	char defdir[96], *arg, *end;
	long count = 0, tag = 0;
	bool quiet = false;
	int c;

	while ((c = cli_getopt(argc, argv, lab_opts, false, &arg)) != -1) {
		switch (c) {
		case 'l':
			nt_lab_list(stdout);
			return NT_EXIT_OK;
		case 'c':
			count = strtol(arg, &end, 10);
			if (*end || count <= 0 || count > 100000)
				return cli_usage(
					"lab", "-c wants a count from 1 to 100000, not '%s'", arg);
			break;
		case 'o':
			dir = arg;
			break;
		case 'q':
			quiet = true;
			break;
		case OPT_TRAFFIC:
			traffic = arg;
			break;
		case OPT_TAG:
			tag = strtol(arg, NULL, 10);
			break;
		case 'h':
			return cli_help_exit("lab");
		default:
			return NT_EXIT_USAGE;
		}
	}
	if (traffic)
		return run_traffic(traffic, tag, count, dir);
	if (optind >= argc)
		return cli_usage("lab", "which scenario? 'nettrail lab --list' lists them");
	l = nt_lab_find(argv[optind]);
	if (!l)
		return cli_usage("lab", "no scenario called '%s'; 'nettrail lab --list' lists them",
				 argv[optind]);
	if (optind + 1 < argc)
		return cli_usage("lab", "one scenario at a time, not '%s'", argv[optind + 1]);
	if (geteuid() != 0) {
		struct nt_err *e = nt_err_new(NT_E_FAIL, "'nettrail lab' needs root");
		nt_err_hint(
			e,
			"it builds network namespaces and records tracepoints: run it with sudo");
		return cli_fail(e);
	}
	if (!count)
		count = nt_lab_default_count(l);
	if (!dir) {
		time_t t = time(NULL);
		char stamp[32];
		strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", localtime(&t));
		snprintf(defdir, sizeof(defdir), "nettrail-lab-%s-%s", nt_lab_name(l), stamp);
		dir = defdir;
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return cli_fail(nt_err_errno(NT_E_FAIL, errno, "cannot create '%s'", dir));
	return run_lab(l, count, dir, quiet);
}
