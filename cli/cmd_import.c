/* SPDX-License-Identifier: GPL-2.0 */
/* nettrail import: trace files into a database, one transaction per file. */
#include <stdio.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "../core/escape.h"
#include "../parse/reader.h"
#include "../store/store.h"

enum { OPT_REPLACE = 256, OPT_INPROC, OPT_TIMEOUT, OPT_NOANALYZE, OPT_WAIT };

#define JOBS_MAX 64

const struct cli_opt import_opts[] = {
	{"output", 'o', "DB", "the database to create or add to (required)"},
	{"format", 'f', "NAME", "read the files as this format instead of detecting it"},
	{"jobs", 'j', "N",
	 "read up to N files at once (default: the number of CPUs online; 1: one after the "
	 "other; --in-process: 1); the database is the same"},
	{"replace", OPT_REPLACE, NULL, "replace traces already imported from the same files"},
	{"quiet", 'q', NULL, "no progress or summary lines"},
	{"no-analyze", OPT_NOANALYZE, NULL,
	 "store the events only; run the analyses later with 'nettrail analyze'"},
	{"timeout", OPT_TIMEOUT, "S",
	 "give up on a reader that makes no progress for S seconds (default 120, 0: never)"},
	{"wait", OPT_WAIT, "S",
	 "wait at most S seconds for another process writing or creating DB (default: as "
	 "long as it takes; 0: not at all)"},
	{"in-process", OPT_INPROC, NULL,
	 "run readers inside this process (debugging; a reader crash kills nettrail)"},
	{NULL, 0, NULL, NULL},
};

const char import_details[] =
	"Each file becomes one trace of the database; many files make a batch. Formats are\n"
	"detected from the content. A file that fails leaves nothing of itself in the database;\n"
	"the other files are still imported. Readers run in a worker process, so a crash in a\n"
	"trace library on a damaged file is reported as an error.\n"
	"With -j N (default: one per CPU), the readers of the next files run ahead on other\n"
	"cores (N at once, one more while the writer waits for its file; a reader that has\n"
	"read its whole file no longer counts) while one writer stores the files in the order\n"
	"given: trace ids, rows and results are those of an import one file at a time.\n"
	"Imports into one database run one after the other: while another process writes\n"
	"DB (or creates it), this one waits (saying so on a terminal), then adds its files\n"
	"to what the other stored. --timeout watches our own reader; --wait bounds the wait\n"
	"for the other writer, whose whole import may take much longer.\n";

static void list_formats(void)
{
	for (const struct nt_reader_ops *const *r = nt_readers(); *r; r++)
		fprintf(stderr, "  %-12s %s\n", (*r)->name, (*r)->help);
}

static void imported(const char *path, const struct nt_import_result *r)
{
	fputs("imported '", stderr);
	nt_esc_text(stderr, path);
	fprintf(stderr, "' (%s) as trace %lld: %llu events, %s%llu lost%s\n", r->format,
		(long long)r->trace_id, (unsigned long long)r->events,
		r->lost_unknown ? "at least " : "", (unsigned long long)r->lost,
		r->warnings ? ", with warnings" : "");
}

static int default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > JOBS_MAX ? JOBS_MAX : (int)n;
}

/* What readers opened ahead may hold in memory, all together, before no more are started. */
#define AHEAD_HELD_MAX ((size_t)64 << 20)

/* The readers of a batch: which file is stored, which have been started. */
struct ahead {
	char **argv;
	int argc, cur, next, jobs;
	struct nt_import_prep **prep;
	const struct nt_import_opts *o;
};

/*
 * Probe the files from @a->next on and, in a batch of more than one job, start their readers:
 * up to @jobs readers at work from file @a->cur on. A reader that has sent its whole stream no
 * longer counts (it waits in memory, up to AHEAD_HELD_MAX for all of them).
 */
static void start_ahead(struct ahead *a, int jobs)
{
	int running = 0;
	size_t held = 0;

	for (int k = a->cur; k < a->next; k++) {
		size_t h;
		if (nt_store_import_prep_drained(a->prep[k], &h))
			held += h;
		else
			running++;
	}
	for (; a->next < a->argc &&
	       (a->next == a->cur || (a->jobs > 1 && running < jobs && held < AHEAD_HELD_MAX));
	     a->next++) {
		a->prep[a->next] = nt_store_import_prep(a->argv[a->next], a->o, a->jobs > 1);
		running++;
	}
}

/* The writer waits for the file it stores: its core is free, one more reader may run. */
static void start_while_waiting(void *arg)
{
	struct ahead *a = arg;

	start_ahead(a, a->jobs + 1);
}

static double cpu_s(const struct rusage *r)
{
	return (double)(r->ru_utime.tv_sec + r->ru_stime.tv_sec) +
	       (double)(r->ru_utime.tv_usec + r->ru_stime.tv_usec) / 1e6;
}

/* What the options asked for, and how the files went. */
struct import_run {
	struct nt_import_opts o;
	const char *out;
	bool quiet, any_ok, lost;
	int jobs;
	int stop; /* the first file not imported (argc when all were reached) */
};

/* The options into @r: -1 to go on, else the exit code (usage error or help printed). */
static int import_options(int argc, char **argv, struct import_run *r)
{
	char *arg;
	long v;
	int c;

	while ((c = cli_getopt(argc, argv, import_opts, false, &arg)) != -1) {
		switch (c) {
		case 'o':
			r->out = arg;
			break;
		case 'f':
			if (!nt_reader_find(arg)) {
				cli_usage("import", "unknown format '%s'; formats are:", arg);
				list_formats();
				return NT_EXIT_USAGE;
			}
			r->o.format = arg;
			break;
		case 'j':
			if ((v = cli_number(arg, 1, JOBS_MAX)) < 0)
				return cli_usage("import",
						 "-j wants a number of files (1 to %d), not '%s'",
						 JOBS_MAX, arg);
			r->jobs = (int)v;
			break;
		case OPT_REPLACE:
			r->o.replace = true;
			break;
		case 'q':
			r->quiet = true;
			break;
		case OPT_TIMEOUT:
			if ((v = *arg ? cli_number(arg, 0, 86400) : 0) < 0) /* "": 0 */
				return cli_usage("import",
						 "--timeout wants seconds (0 to 86400), not '%s'",
						 arg);
			r->o.timeout_s = (unsigned)v;
			break;
		case OPT_WAIT:
			if ((v = cli_number(arg, 0, 86400 * 7)) < 0)
				return cli_usage("import",
						 "--wait wants seconds (0 to 604800), not '%s'",
						 arg);
			nt_store_wait_limit((int)v);
			break;
		case OPT_INPROC:
			r->o.in_process = true;
			break;
		case OPT_NOANALYZE:
			r->o.no_analyze = true;
			break;
		case 'h':
			return cli_help_exit("import");
		default:
			return NT_EXIT_USAGE;
		}
	}
	return -1;
}

/*
 * Import argv[optind..argc) into @st in order, the readers of the next files running ahead.
 * Returns the exit code of the first failure (NT_EXIT_OK when none); stops at a failure of
 * the system or an interruption.
 */
static int import_files(struct import_run *r, struct nt_store *st, int argc, char **argv,
			struct ahead *ap)
{
	struct nt_err *err = NULL;
	struct ahead a = *ap;
	struct nt_import_prep **prep = a.prep;
	int i, code = NT_EXIT_OK;

	if (r->jobs > 1)
		nt_source_wait_hook(start_while_waiting, &a);
	for (i = optind; i < argc && !nt_interrupted; i++) {
		struct nt_import_result res;
		int rc;

		a.cur = i;
		start_ahead(&a, r->jobs);
		r->o.file_no = (unsigned)(i - optind + 1);
		rc = nt_store_import_run(st, prep[i], &r->o, &res, &err);
		nt_store_import_prep_free(prep[i]);
		prep[i] = NULL;
		if (rc) {
			int e = nt_err_kind(err);
			int fc = cli_fail(err);
			err = NULL;
			if (code == NT_EXIT_OK || code == NT_EXIT_LOST)
				code = fc;
			if (e == NT_E_INTR || e == NT_E_FAIL)
				break; /* the system or the user said stop */
			continue;
		}
		r->any_ok = true;
		if (res.lost || res.lost_unknown)
			r->lost = true;
		if (!r->quiet)
			imported(argv[i], &res);
	}
	nt_source_wait_hook(NULL, NULL);
	r->stop = i;
	return code;
}

/* Open @r->out and import the files; the exit code so far. */
static int import_into(struct import_run *r, int argc, char **argv, struct nt_store **st)
{
	struct nt_import_prep **prep = calloc((size_t)argc, sizeof(*prep));
	struct ahead a = {argv, argc, optind, optind, r->jobs, prep, &r->o};
	struct nt_err *err = NULL;
	int code;

	if (!prep)
		return cli_fail(nt_err_new(NT_E_FAIL, "cannot import: out of memory"));
	r->o.nfiles = (unsigned)(argc - optind);
	if (r->jobs > 1) /* the first readers start while the database is opened (or waited for) */
		start_ahead(&a, r->jobs);
	if (nt_store_open(r->out, true, st, &err)) {
		code = cli_fail(nt_err_wrap(err, "cannot import"));
	} else {
		code = import_files(r, *st, argc, argv, &a);
	}
	for (int k = optind; k < argc; k++) /* readers started for files not reached */
		nt_store_import_prep_free(prep[k]);
	free(prep);
	return code;
}

static void print_rusage(void)
{
	struct rusage self, kids;

	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	fprintf(stderr,
		"rusage: importer maxrss %ld KB, readers maxrss %ld KB, importer cpu %.3f "
		"s, "
		"readers cpu %.3f s\n",
		self.ru_maxrss, kids.ru_maxrss, cpu_s(&self), cpu_s(&kids));
}

int cmd_import(int argc, char **argv)
{
	struct import_run r = {.o = {.timeout_s = 120}, .jobs = default_jobs()};
	struct nt_store *st = NULL;
	struct nt_err *err = NULL;
	int code = import_options(argc, argv, &r);

	if (code >= 0)
		return code;
	if (!r.out)
		return cli_usage("import", "no database given; use -o DB");
	if (optind >= argc)
		return cli_usage("import", "no trace files given");
	r.o.progress = !r.quiet && isatty(2);
	cli_progress_init(r.quiet);
	cli_catch_signals();
	code = import_into(&r, argc, argv, &st);
	if (!st)
		return code;
	/*
	 * A signal that came while the last file was being committed interrupted nothing: that
	 * file is stored (exit 0). Only files left unread make it an interrupted import.
	 */
	if (nt_interrupted && code == NT_EXIT_OK && r.stop < argc) {
		code = cli_fail(nt_err_new(NT_E_INTR,
					   "interrupted: %d of %d files were not imported (the "
					   "first: '%s')",
					   argc - r.stop, argc - optind, argv[r.stop]));
	} else if (nt_interrupted && code == NT_EXIT_OK && !r.quiet) {
		fprintf(stderr, "note: the signal came after the last file was stored; nothing was "
				"interrupted\n");
	}
	/* a new database that received nothing is not left behind */
	if (nt_store_close(st, !r.any_ok, &err))
		return cli_fail(err);
	if (getenv("NETTRAIL_RUSAGE")) /* for bench/: memory of the importer and its readers */
		print_rusage();
	if (code == NT_EXIT_OK && r.lost) {
		fprintf(stderr, "nettrail: warning: events were lost while tracing; results from "
				"the affected windows are incomplete\n");
		code = NT_EXIT_LOST;
	}
	return code;
}
