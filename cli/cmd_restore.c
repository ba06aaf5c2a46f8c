/* SPDX-License-Identifier: GPL-2.0 */
/* nettrail restore: the trace a killed `nettrail record` did not finish (like trace-cmd restore). */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "../collect/restore.h"

enum { OPT_PID = 256 };

const struct cli_opt restore_opts[] = {
	{"output", 'o', "FILE", "write the trace here (default: TRACE, the killed record's -o)"},
	{"pid", OPT_PID, "PID",
	 "the killed record's pid, when several killed records of TRACE left files"},
	{"quiet", 'q', NULL, "no summary lines"},
	{NULL, 0, NULL, NULL},
};

const char restore_details[] =
	"A 'nettrail record -o TRACE' that was killed (kill -9, a crash, the machine's OOM\n"
	"killer) leaves its temporary files next to TRACE, named TRACE.*.nettrail-tmp.PID.\n"
	"restore makes the trace out of them, then removes them. Run it before the next record\n"
	"in that directory: every record removes the files of killed nettrail processes.\n"
	"\n--backend ftrace: the raw ring-buffer pages saved per cpu, and the head of the "
	"trace.dat\n"
	"(event formats, kallsyms, printk formats, cmdlines, clock) the record wrote when it\n"
	"started. Without that head (killed before it was written), the header comes from this\n"
	"machine's tracefs and /proc, as trace-cmd restore does, and restore says so; it refuses\n"
	"when the pages predate this machine's last boot (the kernel may differ). The pages not\n"
	"yet saved when the record died are missing, and lost events are unknown.\n"
	"\n--backend perf: perf finishes its perf.data when nettrail dies; restore checks it and\n"
	"puts it in place. If perf was killed too, nothing can read the file: record again.\n"
	"\nexit codes: 0 restored; 1 the owner still runs, or the system refused; 2 usage (TRACE\n"
	"exists: name another -o; several killed records: --pid); 3 nothing to restore, perf's\n"
	"file unfinished, or formats of another boot; 4 interrupted (nothing written).\n";

static void summary(const char *out, const struct nt_restore_result *r)
{
	if (r->perf) {
		fprintf(stderr,
			"restored '%s' from nettrail record %ld (killed): the perf.data perf "
			"finished when nettrail died (%.1f MB)\n",
			out, r->pid, (double)r->bytes / 1e6);
	} else {
		fprintf(stderr,
			"restored '%s' from nettrail record %ld (killed): %.1f MB of ring buffer "
			"from %d cpus\n",
			out, r->pid, (double)r->bytes / 1e6, r->ncpus);
		if (r->from_tracefs)
			fprintf(stderr,
				"header: event formats, kallsyms, printk formats and cmdlines "
				"from this machine's tracefs and /proc, as trace-cmd restore "
				"does (the record's own header was missing or cut short)\n");
		else
			fprintf(stderr, "header: written by the killed record when it started\n");
		if (r->from_tracefs && !r->clock_known)
			fprintf(stderr, "note: the trace clock is unknown (the record's tracefs "
					"instance is gone): readers assume 'local'\n");
		fprintf(stderr, "note: lost events are unknown (the ring buffer's statistics died "
				"with the record), and the pages not yet saved are missing\n");
	}
	fprintf(stderr, "removed the %d temporary files it was made from\n", r->removed);
}

int cmd_restore(int argc, char **argv)
{
	struct nt_restore_opts o = {0};
	struct nt_restore_result r;
	struct nt_err *err = NULL;
	bool quiet = false;
	char *arg, *end;
	int c;

	while ((c = cli_getopt(argc, argv, restore_opts, false, &arg)) != -1) {
		switch (c) {
		case 'o':
			o.output = arg;
			break;
		case OPT_PID:
			o.pid = strtol(arg, &end, 10);
			if (*end || o.pid <= 0)
				return cli_usage("restore", "--pid wants a process id, not '%s'",
						 arg);
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			return cli_help_exit("restore");
		default:
			return NT_EXIT_USAGE;
		}
	}
	if (optind != argc - 1)
		return cli_usage("restore", "name one TRACE: the -o of the killed record");
	o.record_output = argv[optind];
	cli_catch_signals();
	if (nt_restore(&o, &r, &err))
		return cli_fail(err);
	if (!quiet)
		summary(o.output ? o.output : o.record_output, &r);
	return NT_EXIT_OK;
}
