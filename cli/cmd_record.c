/* SPDX-License-Identifier: GPL-2.0 */
/* nettrail record: capture with ftrace into a trace.dat (or with perf, or LTTng). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "../collect/backend.h"
#include "../parse/reader.h"

const struct cli_opt record_opts[] = {
	{"output", 'o', "FILE",
	 "the trace.dat to write (default: trace.dat; perf.data with perf; the directory "
	 "lttng-trace with lttng)"},
	CLI_RECORD_OPTS,
	{"quiet", 'q', NULL, "no progress or summary lines"},
	{NULL, 0, NULL, NULL},
};

const char record_details[] =
	"The capture runs until COMMAND exits, --duration passes, or Ctrl-C. It uses a tracefs\n"
	"instance of its own (other tools' instances, and without --graph the top-level buffer,\n"
	"are never touched) and removes it afterwards, whatever happens. The trace.dat opens\n"
	"with trace-cmd report and KernelShark. Needs root.\n"
	"\nkilled and interrupted records: a record killed (kill -9, a crash) leaves its\n"
	"temporary files FILE.*nettrail-tmp.PID; 'nettrail restore FILE' makes the trace out of\n"
	"them. The next record in that directory removes the files (and tracefs instances) of\n"
	"killed nettrail processes, never those of a running one. A signal while the trace is\n"
	"being written (after the capture ended) aborts: nothing is kept, exit code 4.\n"
	"\nthe default preset: skb, net, napi, irq, sock, tcp, udp, icmp and the kmem\n"
	"allocation and free events (kmalloc, kfree, kmem_cache_alloc, kmem_cache_free,\n"
	"mm_page_alloc, mm_page_free), and sched_process_fork/exit.\n"
	"\nthe workload: COMMAND (or -P PID) and every task it forks, saved as FILE.workload\n"
	"(the root pid; the tree comes from the trace's sched_process_fork events, which are\n"
	"added to -e lists). The capture stays system-wide; reports show the workload's tasks\n"
	"in the task sections (docs/REPORT.md).\n"
	"\nfunction tracers: --graph records function_graph entries and exits (trace.dat events\n"
	"ftrace:funcgraph_entry/funcgraph_exit; the import pairs them into calls). With --graph\n"
	"or --profile and no -e, no tracepoint is enabled. Every function pattern is checked\n"
	"against available_filter_functions first. Where this kernel's instances lack\n"
	"function_graph (older kernels, e.g. Debian 12's 6.1) the top-level buffer is used if\n"
	"it is idle. Global files (max_graph_depth, tracing_thresh, tracer options, and at the\n"
	"top level every file touched) are saved and put back afterwards, also by the next run\n"
	"after a kill -9. --profile needs CONFIG_FUNCTION_PROFILER, which Debian's kernels lack:\n"
	"there, --graph gives the same table. Kernels without function_graph: use\n"
	"'nettrail vm record'.\n"
	"\n--headers: kprobes (group nettrail_hdr) at ip_rcv and ip_output (and ipv6_rcv and\n"
	"ip6_output) record each IP packet's skb address, addresses, ports and TCP flags from its "
	"header (offsets in\n"
	"struct sk_buff from the kernel's BTF, /sys/kernel/btf/vmlinux); the skb analysis gives\n"
	"lifecycles their flow from them (UDP too). Needs kprobe events (the lab VM has them:\n"
	"nettrail vm record --headers); removed afterwards, also by the next record after a kill.\n"
	"\n--backend perf: perf record -a (Debian's perf in PATH) over the same events, writing a\n"
	"perf.data; -b sets perf's per-cpu buffer (default 16384 KB), --clock mono (default),\n"
	"mono_raw, boot, tai or local; lost samples are counted from the file (exit code 5).\n"
	"\n--backend lttng: a kernel session of LTTng's (liblttng-ctl; lttng-sessiond is started\n"
	"and stopped again when none runs) over the same event names, mapped to LTTng's (events\n"
	"LTTng lacks, e.g. tcp, are left out of the preset and refused with -e); -o names a new\n"
	"or empty directory (CTF, default lttng-trace); -b sets the channel's size per cpu\n"
	"(default 8192 KB); the clock is CLOCK_MONOTONIC; discarded events are counted per\n"
	"channel (exit code 5). Needs the lttng-modules of the running kernel. --graph FUNC,...\n"
	"places one kretprobe per function (no globs; each must be in /proc/kallsyms, else exit\n"
	"code 3): events FUNC_entry and FUNC_exit, paired per thread into calls by the import;\n"
	"no call tree under the functions (--notrace, --graph-depth and --profile: ftrace only).\n";

/* Add the comma-separated items of @arg to @sv (pointers into @arg, which stays alive). */
static int strv_split(struct cli_strv *sv, char *arg)
{
	char *save = NULL;

	for (char *t = strtok_r(arg, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		const char **x = realloc(sv->v, (size_t)(sv->n + 1) * sizeof(*x));
		if (!x)
			return -1;
		sv->v = x;
		sv->v[sv->n++] = t;
	}
	return 0;
}

void cli_record_release(struct cli_record *r)
{
	free(r->events.v);
	free(r->graph.v);
	free(r->notrace.v);
	free(r->prof.v);
	memset(r, 0, sizeof(*r));
}

int cli_record_opt(struct cli_record *r, const char *cmd, int c, char *arg)
{
	char *end;
	long v;

	switch (c) {
	case 'e': {
		const char **x = realloc(r->events.v, (size_t)(r->events.n + 1) * sizeof(*x));
		if (!x)
			return NT_EXIT_FAIL;
		r->events.v = x;
		r->events.v[r->events.n++] = arg;
		return 0;
	}
	case 'b':
		if ((v = cli_number(arg, 4, 4 * 1024 * 1024)) < 0)
			return cli_usage(cmd, "-b wants a size in KB (4 to 4194304), not '%s'",
					 arg);
		r->o.buffer_kb = (unsigned)v;
		return 0;
	case 'd':
		r->o.duration = strtod(arg, &end);
		if (*end || end == arg || r->o.duration <= 0)
			return cli_usage(cmd, "-d wants a positive number of seconds, not '%s'",
					 arg);
		return 0;
	case CLI_REC_CLOCK:
		r->o.clock = arg;
		return 0;
	case CLI_REC_GRAPH:
		return strv_split(&r->graph, arg) ? NT_EXIT_FAIL : 0;
	case CLI_REC_NOTRACE:
		return strv_split(&r->notrace, arg) ? NT_EXIT_FAIL : 0;
	case CLI_REC_PROFILE:
		return strv_split(&r->prof, arg) ? NT_EXIT_FAIL : 0;
	case CLI_REC_DEPTH:
		if ((v = cli_number(arg, 1, 10000)) < 0)
			return cli_usage(
				cmd,
				"--graph-depth wants a number of levels (1 to 10000), not '%s'",
				arg);
		r->o.graph_depth = (int)v;
		return 0;
	case CLI_REC_BACKEND:
		if ((r->backend = nt_backend_parse(arg)) < 0)
			return cli_usage(cmd, "--backend wants ftrace, perf or lttng, not '%s'",
					 arg);
		return 0;
	case CLI_REC_PROFCPU:
		if ((v = cli_number(arg, 1, 100000)) < 0)
			return cli_usage(
				cmd,
				"--profile-cpu wants a frequency in Hz (1 to 100000), not '%s'",
				arg);
		r->profile_hz = (unsigned)v;
		return 0;
	case CLI_REC_HEADERS:
		r->o.headers = true;
		return 0;
	case 'P':
		if ((v = cli_number(arg, 1, INT_MAX)) < 0)
			return cli_usage(cmd, "-P wants a pid, not '%s'", arg);
		r->o.attach_pid = (int)v;
		return 0;
	}
	return -1;
}

int cli_record_finish(struct cli_record *r, const char *cmd)
{
	if ((r->notrace.n || r->o.graph_depth) && !r->graph.n)
		return cli_usage(cmd, "--notrace and --graph-depth go with --graph FUNC");
	if (r->profile_hz && r->backend != NT_BACKEND_PERF)
		return cli_usage(cmd, "--profile-cpu goes with --backend perf");
	if (r->o.headers && r->backend != NT_BACKEND_FTRACE)
		return cli_usage(cmd, "--headers goes with --backend ftrace (kprobes in tracefs)");
	r->o.events = r->events.v;
	r->o.nevents = r->events.n;
	r->o.graph = r->graph.v;
	r->o.ngraph = r->graph.n;
	r->o.notrace = r->notrace.v;
	r->o.nnotrace = r->notrace.n;
	r->o.profile_funcs = r->prof.v;
	r->o.nprofile_funcs = r->prof.n;
	return 0;
}

int cli_record_parse(struct cli_record *r, const char *cmd, int argc, char **argv,
		     const char **output, bool *quiet)
{
	const struct cli_opt *opts = cli_cmd_find(cmd)->opts;
	char *arg;
	int c, code = 0;

	while (!code && (c = cli_getopt(argc, argv, opts, true, &arg)) != -1) {
		if (c == 'o')
			*output = arg;
		else if (c == 'q')
			*quiet = true;
		else if (c == 'h')
			code = cli_help_exit(cmd) - 1; /* -1: the help was asked for */
		else if ((code = cli_record_opt(r, cmd, c, arg)) < 0)
			code = NT_EXIT_USAGE;
	}
	if (!code)
		code = cli_record_finish(r, cmd);
	if (!code && r->o.attach_pid && optind < argc)
		code = cli_usage(cmd, "-P PID traces a running process: give no COMMAND");
	if (code)
		cli_record_release(r);
	else if (optind < argc)
		r->o.argv = argv + optind;
	return code;
}

int cli_record_run(struct cli_record *r, bool quiet, struct nt_record_result *res,
		   struct nt_err **err)
{
	r->o.progress = !quiet && isatty(2);
	cli_catch_signals();
	if (!quiet && !r->o.argv && r->o.duration <= 0)
		fprintf(stderr, "recording; press Ctrl-C to stop\n");
	return nt_backend_record(r->backend, &r->o, r->profile_hz, res, err);
}

/* The lines record prints after a capture that worked. */
static void record_summary(const struct nt_record_result *r, const struct nt_record_opts *o)
{
	if (r->swept.files)
		fprintf(stderr,
			"note: removed %d temporary file%s (%.1f MB) left by killed nettrail "
			"processes (e.g. pid %ld) next to '%s'\n",
			r->swept.files, r->swept.files == 1 ? "" : "s",
			(double)r->swept.bytes / 1e6, r->swept.pid, o->output);
	fprintf(stderr, "saved '%s': %.1f MB of events from %d cpus (%d event types enabled)\n",
		o->output, (double)r->bytes / 1e6, r->ncpus, r->nevents);
	if (r->toplevel)
		fprintf(stderr, "note: this kernel has function_graph only at the top level: "
				"it was used there and restored afterwards\n");
	if (r->profile_path)
		fprintf(stderr, "saved the function profile in '%s'\n", r->profile_path);
	if (r->cmd_status != -1 && WIFEXITED(r->cmd_status) && WEXITSTATUS(r->cmd_status))
		fprintf(stderr, "note: '%s' exited with status %d\n", o->argv[0],
			WEXITSTATUS(r->cmd_status));
	else if (r->cmd_status != -1 && WIFSIGNALED(r->cmd_status))
		fprintf(stderr, "note: '%s' was killed by signal %d\n", o->argv[0],
			WTERMSIG(r->cmd_status));
}

/* Lost events and an interrupted capture: the exit code, with what it means said. */
static int record_outcome(const struct nt_record_result *r, const struct cli_record *rec,
			  bool quiet)
{
	int code = NT_EXIT_OK;

	if (r->lost_total) {
		fprintf(stderr, "nettrail: warning: %llu events were LOST (ring buffer overruns):",
			(unsigned long long)r->lost_total);
		for (int i = 0; i < r->ncpus; i++)
			if (r->lost[i])
				fprintf(stderr, " cpu%d %llu", i, (unsigned long long)r->lost[i]);
		fprintf(stderr, "%s\nhint: use a bigger buffer (-b KB) or fewer events (-e)\n",
			rec->backend == NT_BACKEND_PERF
				? " (perf lost samples; counted from the perf.data)"
			: rec->backend == NT_BACKEND_LTTNG
				? " (LTTng's discarded events; not counted per cpu)"
				: "");
		code = NT_EXIT_LOST;
	} else if (!quiet) {
		fprintf(stderr, "no events lost\n");
	}
	if (r->stopped_by_signal && (rec->o.argv || rec->o.duration > 0)) {
		if (!quiet)
			fprintf(stderr,
				"interrupted: the trace holds what was captured until then\n");
		if (code == NT_EXIT_OK)
			code = NT_EXIT_INTR;
	}
	return code;
}

int cmd_record(int argc, char **argv)
{
	struct cli_record rec = {.backend = NT_BACKEND_FTRACE};
	struct nt_record_result r;
	struct nt_err *err = NULL;
	const char *output = NULL;
	bool quiet = false;
	int code = cli_record_parse(&rec, "record", argc, argv, &output, &quiet);

	if (code)
		return code < 0 ? NT_EXIT_OK : code;
	rec.o.output = output ? output : nt_backend_output(rec.backend);
	if (cli_record_run(&rec, quiet, &r, &err)) {
		cli_record_release(&rec);
		return cli_fail(err);
	}
	if (!quiet)
		record_summary(&r, &rec.o);
	code = record_outcome(&r, &rec, quiet);
	nt_record_result_release(&r);
	cli_record_release(&rec);
	return code;
}
