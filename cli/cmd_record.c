/* SPDX-License-Identifier: GPL-2.0 */
/* nettrail record: capture with ftrace into a trace.dat. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "../collect/ftrace.h"
#include "../parse/reader.h"

enum { OPT_CLOCK = 256 };

const struct cli_opt record_opts[] = {
	{"event", 'e', "SYS[:EV]",
	 "trace these events (repeatable; globs allowed); default: the network preset"},
	{"output", 'o', "FILE", "the trace.dat to write (default: trace.dat)"},
	{"buffer", 'b', "KB", "ring buffer per cpu in KB (default 8192)"},
	{"duration", 'd', "S", "stop after S seconds"},
	{"clock", OPT_CLOCK, "NAME",
	 "trace clock (default: local; see /sys/kernel/tracing/trace_clock)"},
	{"quiet", 'q', NULL, "no progress or summary lines"},
	{NULL, 0, NULL, NULL},
};

const char record_details[] =
	"The capture runs until COMMAND exits, --duration passes, or Ctrl-C. It uses a tracefs\n"
	"instance of its own (the top-level buffer and other tools' instances are never touched)\n"
	"and removes it afterwards, whatever happens. The trace.dat opens with trace-cmd report\n"
	"and KernelShark. Needs root.\n"
	"\nthe default preset: skb, net, napi, irq, sock, tcp, udp and the kmem allocation and "
	"free\n"
	"events (kmalloc, kfree, kmem_cache_alloc, kmem_cache_free, mm_page_alloc, "
	"mm_page_free).\n";

int cmd_record(int argc, char **argv)
{
	struct nt_record_opts o = {.output = "trace.dat"};
	struct nt_record_result r;
	struct nt_err *err = NULL;
	const char **events = NULL;
	bool quiet = false;
	char *arg, *end;
	int c, code;

	while ((c = cli_getopt(argc, argv, record_opts, true, &arg)) != -1) {
		switch (c) {
		case 'e': {
			const char **x = realloc(events, (size_t)(o.nevents + 1) * sizeof(*x));
			if (!x)
				return NT_EXIT_FAIL;
			events = x;
			events[o.nevents++] = arg;
			break;
		}
		case 'o':
			o.output = arg;
			break;
		case 'b': {
			long v = strtol(arg, &end, 10);
			if (*end || v < 4 || v > 4 * 1024 * 1024) {
				free(events);
				return cli_usage("record",
						 "-b wants a size in KB (4 to 4194304), not '%s'",
						 arg);
			}
			o.buffer_kb = (unsigned)v;
			break;
		}
		case 'd':
			o.duration = strtod(arg, &end);
			if (*end || o.duration <= 0) {
				free(events);
				return cli_usage("record",
						 "-d wants a positive number of seconds, not '%s'",
						 arg);
			}
			break;
		case OPT_CLOCK:
			o.clock = arg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			free(events);
			return cli_help_exit("record");
		default:
			free(events);
			return NT_EXIT_USAGE;
		}
	}
	o.events = events;
	if (optind < argc)
		o.argv = argv + optind;
	o.progress = !quiet && isatty(2);
	cli_catch_signals();
	if (!quiet && !o.argv && o.duration <= 0)
		fprintf(stderr, "recording; press Ctrl-C to stop\n");
	if (nt_ftrace_record(&o, &r, &err)) {
		free(events);
		return cli_fail(err);
	}
	free(events);
	code = NT_EXIT_OK;
	if (!quiet) {
		fprintf(stderr,
			"saved '%s': %.1f MB of events from %d cpus (%d event types enabled)\n",
			o.output, (double)r.bytes / 1e6, r.ncpus, r.nevents);
		if (r.cmd_status != -1 && WIFEXITED(r.cmd_status) && WEXITSTATUS(r.cmd_status))
			fprintf(stderr, "note: '%s' exited with status %d\n", o.argv[0],
				WEXITSTATUS(r.cmd_status));
		else if (r.cmd_status != -1 && WIFSIGNALED(r.cmd_status))
			fprintf(stderr, "note: '%s' was killed by signal %d\n", o.argv[0],
				WTERMSIG(r.cmd_status));
	}
	if (r.lost_total) {
		fprintf(stderr, "nettrail: warning: %llu events were LOST (ring buffer overruns):",
			(unsigned long long)r.lost_total);
		for (int i = 0; i < r.ncpus; i++)
			if (r.lost[i])
				fprintf(stderr, " cpu%d %llu", i, (unsigned long long)r.lost[i]);
		fprintf(stderr, "\nhint: use a bigger buffer (-b KB) or fewer events (-e)\n");
		code = NT_EXIT_LOST;
	} else if (!quiet) {
		fprintf(stderr, "no events lost\n");
	}
	if (r.stopped_by_signal && (o.argv || o.duration > 0)) {
		if (!quiet)
			fprintf(stderr,
				"interrupted: the trace holds what was captured until then\n");
		if (code == NT_EXIT_OK)
			code = NT_EXIT_INTR;
	}
	nt_record_result_release(&r);
	return code;
}
