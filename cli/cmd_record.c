/* SPDX-License-Identifier: GPL-2.0 */
/* nettrail record: capture with ftrace into a trace.dat (or with perf, or LTTng). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "../collect/backend.h"
#include "../parse/reader.h"

enum {
	OPT_CLOCK = 256,
	OPT_GRAPH,
	OPT_NOTRACE,
	OPT_DEPTH,
	OPT_PROFILE,
	OPT_BACKEND,
	OPT_PROFCPU,
	OPT_PID
};

const struct cli_opt record_opts[] = {
	{"event", 'e', "SYS[:EV]",
	 "trace these events (repeatable; globs allowed); default: the network preset"},
	{"output", 'o', "FILE",
	 "the trace.dat to write (default: trace.dat; perf.data with perf; the directory "
	 "lttng-trace with lttng)"},
	{"buffer", 'b', "KB", "ring buffer per cpu in KB (default 8192)"},
	{"duration", 'd', "S", "stop after S seconds"},
	{"clock", OPT_CLOCK, "NAME",
	 "trace clock (default: local; see /sys/kernel/tracing/trace_clock)"},
	{"graph", OPT_GRAPH, "FUNC[,FUNC...]",
	 "function_graph: every call made under these functions (globs allowed; repeatable); "
	 "with lttng: kretprobes on these functions only (no globs)"},
	{"notrace", OPT_NOTRACE, "FUNC[,FUNC...]",
	 "with --graph: leave out these functions and what they call (set_graph_notrace)"},
	{"graph-depth", OPT_DEPTH, "N",
	 "with --graph: at most N levels of calls (max_graph_depth)"},
	{"profile", OPT_PROFILE, "FUNC[,FUNC...]",
	 "the function profiler over these functions ('*': all); table in FILE.trace_stat"},
	{"backend", OPT_BACKEND, "ftrace|perf|lttng",
	 "ftrace (default: trace.dat), perf (perf record -a: perf.data; docs/PERF.md) or lttng "
	 "(LTTng's kernel tracer: a CTF directory; docs/LTTNG.md)"},
	{"profile-cpu", OPT_PROFCPU, "HZ",
	 "with --backend perf: also sample cpu-clock at HZ with kernel call stacks"},
	{"pid", 'P', "PID",
	 "the workload is this running process and its descendants (not with a COMMAND; until "
	 "-d or Ctrl-C)"},
	{"quiet", 'q', NULL, "no progress or summary lines"},
	{NULL, 0, NULL, NULL},
};

const char record_details[] =
	"The capture runs until COMMAND exits, --duration passes, or Ctrl-C. It uses a tracefs\n"
	"instance of its own (other tools' instances, and without --graph the top-level buffer,\n"
	"are never touched) and removes it afterwards, whatever happens. The trace.dat opens\n"
	"with trace-cmd report and KernelShark. Needs root.\n"
	"\nthe default preset: skb, net, napi, irq, sock, tcp, udp and the kmem allocation and "
	"free\n"
	"events (kmalloc, kfree, kmem_cache_alloc, kmem_cache_free, mm_page_alloc, "
	"mm_page_free), and sched_process_fork/exit.\n"
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

struct strv {
	const char **v;
	int n;
};

/* Add the comma-separated items of @arg to @sv (pointers into @arg, which stays alive). */
static int strv_split(struct strv *sv, char *arg)
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

static int record_free(const char **events, struct strv *g, struct strv *n, struct strv *p,
		       int code)
{
	free(events);
	free(g->v);
	free(n->v);
	free(p->v);
	return code;
}

int cmd_record(int argc, char **argv)
{
	struct nt_record_opts o = {.output = "trace.dat"};
	struct nt_record_result r;
	struct nt_err *err = NULL;
	const char **events = NULL;
	struct strv graph = {0}, notrace = {0}, prof = {0};
	int backend = NT_BACKEND_FTRACE;
	bool quiet = false, output_set = false;
	unsigned profile_hz = 0;
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
			output_set = true;
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
		case OPT_GRAPH:
		case OPT_NOTRACE:
		case OPT_PROFILE:
			if (strv_split(c == OPT_GRAPH	  ? &graph
				       : c == OPT_NOTRACE ? &notrace
							  : &prof,
				       arg))
				return record_free(events, &graph, &notrace, &prof, NT_EXIT_FAIL);
			break;
		case OPT_DEPTH: {
			long v = strtol(arg, &end, 10);
			if (*end || v < 1 || v > 10000) {
				record_free(events, &graph, &notrace, &prof, 0);
				return cli_usage("record",
						 "--graph-depth wants a number of levels (1 to "
						 "10000), not '%s'",
						 arg);
			}
			o.graph_depth = (int)v;
			break;
		}
		case OPT_BACKEND:
			if ((backend = nt_backend_parse(arg)) < 0) {
				record_free(events, &graph, &notrace, &prof, 0);
				return cli_usage("record",
						 "--backend wants ftrace, perf or lttng, not '%s'",
						 arg);
			}
			break;
		case OPT_PROFCPU: {
			long v = strtol(arg, &end, 10);
			if (*end || v < 1 || v > 100000) {
				record_free(events, &graph, &notrace, &prof, 0);
				return cli_usage(
					"record",
					"--profile-cpu wants a frequency in Hz (1 to 100000), "
					"not '%s'",
					arg);
			}
			profile_hz = (unsigned)v;
			break;
		}
		case 'P':
			o.attach_pid = (int)strtol(arg, &end, 10);
			if (*end || o.attach_pid <= 0) {
				record_free(events, &graph, &notrace, &prof, 0);
				return cli_usage("record", "-P wants a pid, not '%s'", arg);
			}
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			record_free(events, &graph, &notrace, &prof, 0);
			return cli_help_exit("record");
		default:
			return record_free(events, &graph, &notrace, &prof, NT_EXIT_USAGE);
		}
	}
	if ((notrace.n || o.graph_depth) && !graph.n) {
		record_free(events, &graph, &notrace, &prof, 0);
		return cli_usage("record", "--notrace and --graph-depth go with --graph FUNC");
	}
	if (profile_hz && backend != NT_BACKEND_PERF) {
		record_free(events, &graph, &notrace, &prof, 0);
		return cli_usage("record", "--profile-cpu goes with --backend perf");
	}
	if (o.attach_pid && optind < argc) {
		record_free(events, &graph, &notrace, &prof, 0);
		return cli_usage("record", "-P PID traces a running process: give no COMMAND");
	}
	if (!output_set)
		o.output = nt_backend_output(backend);
	o.events = events;
	o.graph = graph.v;
	o.ngraph = graph.n;
	o.notrace = notrace.v;
	o.nnotrace = notrace.n;
	o.profile_funcs = prof.v;
	o.nprofile_funcs = prof.n;
	if (optind < argc)
		o.argv = argv + optind;
	o.progress = !quiet && isatty(2);
	cli_catch_signals();
	if (!quiet && !o.argv && o.duration <= 0)
		fprintf(stderr, "recording; press Ctrl-C to stop\n");
	if (nt_backend_record(backend, &o, profile_hz, &r, &err)) {
		record_free(events, &graph, &notrace, &prof, 0);
		return cli_fail(err);
	}
	record_free(events, &graph, &notrace, &prof, 0);
	code = NT_EXIT_OK;
	if (!quiet) {
		fprintf(stderr,
			"saved '%s': %.1f MB of events from %d cpus (%d event types enabled)\n",
			o.output, (double)r.bytes / 1e6, r.ncpus, r.nevents);
		if (r.toplevel)
			fprintf(stderr,
				"note: this kernel has function_graph only at the top level: "
				"it was used there and restored afterwards\n");
		if (r.profile_path)
			fprintf(stderr, "saved the function profile in '%s'\n", r.profile_path);
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
		fprintf(stderr, "%s\nhint: use a bigger buffer (-b KB) or fewer events (-e)\n",
			backend == NT_BACKEND_PERF
				? " (perf lost samples; counted from the perf.data)"
			: backend == NT_BACKEND_LTTNG
				? " (LTTng's discarded events; not counted per cpu)"
				: "");
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
