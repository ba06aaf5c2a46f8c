/* SPDX-License-Identifier: GPL-2.0 */
/* nettrail: the command table and the dispatcher. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "../core/escape.h"
#include "../core/progress.h"
#include "../parse/reader.h"
#include "../store/store.h"

#ifndef NT_VERSION
#define NT_VERSION "0.0"
#endif

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const struct cli_cmd commands[] = {
	{"record", cmd_record, "[options] [-- COMMAND [ARGS...]]",
	 "capture kernel events with ftrace into a trace.dat file", record_opts, record_details},
	{"restore", cmd_restore, "[-o FILE] [--pid PID] TRACE",
	 "make the trace a killed 'nettrail record -o TRACE' left unfinished (like trace-cmd "
	 "restore)",
	 restore_opts, restore_details},
	{"import", cmd_import, "[options] FILE... -o DB",
	 "read trace files into a nettrail database", import_opts, import_details},
	{"capture", cmd_capture, "[-o DIR] [record options] [-- COMMAND [ARGS...]]",
	 "record, import, analyze and report in one shot (text + HTML + gnuplot + CSV in DIR)",
	 capture_opts, capture_details},
	{"analyze", cmd_analyze, "[--trace ID] DB",
	 "rebuild what happened (IRQ/softirq timing, skb lifecycles, ...) from stored events",
	 analyze_opts, NULL},
	{"report", cmd_report, "[options] DB",
	 "text, JSON, HTML, gnuplot or CSV: skb lifecycles and drops, IRQ/softirq timing, NAPI, "
	 "allocations, functions",
	 report_opts, NULL},
	{"compare", cmd_compare, "[-t A,B[,C...]] [--html FILE] [--csv DIR] DB_A [DB_B...]",
	 "a baseline run against others: latencies, drops, softirqs, IRQs, allocations, with "
	 "statistical tests",
	 compare_opts, compare_details},
	{"lab", cmd_lab, "NAME [-c N] [-o DIR] [--vm] | --list",
	 "a built-in network-stack exercise: its own namespaces and traffic, a lab sheet of claims",
	 lab_opts, lab_details},
	{"export", cmd_export, "--parquet DIR [--events] [-t ID,...] DB",
	 "write the tables as Parquet, partitioned by trace, for DuckDB, Spark or Trino",
	 export_opts, export_details},
	{"info", cmd_info, "[--json] DB", "list the traces in a database", info_opts, NULL},
	{"vm", cmd_vm, "record [options] -- TRAFFIC... | fetch",
	 "record in the lab VM: Debian's stock kernel under QEMU (function_graph, ...)", vm_opts,
	 vm_details},
	{"help", cmd_help, "[COMMAND]", "show help for nettrail or one command", NULL, NULL},
	{"version", cmd_version, "", "print the version", NULL, NULL},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

volatile int cli_signal;

static void draw_progress(void *ctx, const char *stage, uint64_t done, uint64_t total, int final)
{
	(void)ctx;
	if (total) {
		int pct = (int)(done * 100 / total), bar = pct * 30 / 100;
		fprintf(stderr, "\r\033[K%s [%.*s%*s] %3d%%", stage, bar,
			"##############################", 30 - bar, "", pct > 100 ? 100 : pct);
	} else {
		fprintf(stderr, "\r\033[K%s: %.2f M events", stage, (double)done / 1e6);
	}
	if (final)
		fputc('\n', stderr);
}

static void draw_capture(const char *stage, double seconds, uint64_t bytes, const char *what,
			 int final)
{
	fprintf(stderr, "\r\033[K%s: %.1f s, %.1f MB %s%s", stage, seconds, (double)bytes / 1e6,
		what, final ? "\n" : "");
}

static void wait_notice(const char *path)
{
	fprintf(stderr, "\r\033[Kwaiting for another nettrail writing '%s' ...\n", path);
}

void cli_progress_init(bool quiet)
{
	if (!quiet && isatty(2)) {
		nt_progress_set(draw_progress, NULL);
		nt_store_wait_notice(wait_notice);
	}
}

static void on_signal(int sig)
{
	cli_signal = sig;
	nt_interrupted = 1;
}

void cli_catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

int cli_getopt(int argc, char **argv, const struct cli_opt *opts, bool in_order, char **arg)
{
	struct option lo[64];
	char so[160];
	size_t n = 0, s = 0;
	int c;

	if (in_order)
		so[s++] = '+';
	so[s++] = ':';
	for (const struct cli_opt *o = opts; o && o->name && n < 63; o++, n++) {
		lo[n] = (struct option){o->name, o->arg ? required_argument : no_argument, NULL,
					o->key};
		if (o->key < 256 && s < sizeof(so) - 3) {
			so[s++] = (char)o->key;
			if (o->arg)
				so[s++] = ':';
		}
	}
	lo[n] = (struct option){"help", no_argument, NULL, 'h'};
	lo[n + 1] = (struct option){NULL, 0, NULL, 0};
	so[s++] = 'h';
	so[s] = '\0';
	opterr = 0;
	c = getopt_long(argc, argv, so, lo, NULL);
	*arg = optarg;
	if (c == '?' || c == ':') {
		char bad[64];
		if (optopt && optopt < 256 && c != ':')
			snprintf(bad, sizeof(bad), "-%c", optopt);
		else
			nt_esc_text_buf(bad, sizeof(bad), argv[optind - 1]);
		if (c == ':')
			fprintf(stderr, "nettrail %s: option '%s' needs an argument\n", argv[0],
				bad);
		else
			fprintf(stderr, "nettrail %s: unknown option '%s'\n", argv[0], bad);
		fprintf(stderr, "try 'nettrail help %s'\n", argv[0]);
		return '?';
	}
	return c;
}

void cli_cmd_help(const struct cli_cmd *cmd, FILE *f)
{
	fprintf(f, "usage: nettrail %s %s\n\n%s\n", cmd->name, cmd->synopsis, cmd->help);
	if (cmd->opts && cmd->opts->name) {
		fprintf(f, "\noptions:\n");
		for (const struct cli_opt *o = cmd->opts; o->name; o++) {
			char left[64];
			if (o->key < 256)
				snprintf(left, sizeof(left), "-%c, --%s%s%s", o->key, o->name,
					 o->arg ? " " : "", o->arg ? o->arg : "");
			else
				snprintf(left, sizeof(left), "    --%s%s%s", o->name,
					 o->arg ? " " : "", o->arg ? o->arg : "");
			fprintf(f, "  %-26s %s\n", left, o->help);
		}
	}
	if (cmd->details)
		fprintf(f, "\n%s", cmd->details);
}

int cli_parse_ids(const char *s, int64_t *ids, int max)
{
	int n = 0;
	char *end;

	do {
		if (n == max)
			return -1;
		ids[n] = strtoll(s, &end, 10);
		if (end == s || ids[n] <= 0 || (*end && *end != ','))
			return -1;
		n++;
		s = end + 1;
	} while (*end);
	return n;
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	fprintf(stderr, "nettrail %s: ", cmd);
	nt_esc_text(stderr, msg ? msg : fmt); /* the message quotes the command line */
	fprintf(stderr, "\ntry 'nettrail help %s'\n", cmd);
	free(msg);
	return NT_EXIT_USAGE;
}

int cli_fail(struct nt_err *err)
{
	int code;

	switch (nt_err_kind(err)) {
	case NT_E_USAGE:
		code = NT_EXIT_USAGE;
		break;
	case NT_E_INPUT:
		code = NT_EXIT_INPUT;
		break;
	case NT_E_INTR:
		code = NT_EXIT_INTR;
		break;
	default:
		code = NT_EXIT_FAIL;
	}
	nt_err_print(err, stderr);
	nt_err_free(err);
	return code;
}

static void main_help(FILE *f)
{
	fprintf(f,
		"usage: nettrail COMMAND [ARGS]\n\n"
		"nettrail shows what the Linux network stack does with every packet: it captures\n"
		"kernel traces, imports them into one SQLite database and reports on them.\n\n"
		"commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f,
		"\n'nettrail help COMMAND' (or 'nettrail COMMAND --help') shows a command's "
		"options.\n\n"
		"exit codes:\n"
		"  0  success\n"
		"  1  failure: the system refused (privilege, missing kernel feature, I/O error)\n"
		"  2  usage error on the command line, or an option value that matches\n"
		"     nothing (an unknown event, trace, cpu, device, task or function)\n"
		"  3  bad input: a trace is corrupt, truncated, unsupported or rejected\n"
		"     (a trace already imported)\n"
		"  4  interrupted (Ctrl-C, SIGTERM): nothing partial was kept\n"
		"  5  completed, but events were lost (ring-buffer overruns): results are "
		"incomplete\n");
}

static const struct cli_cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

int cli_help_exit(const char *name)
{
	const struct cli_cmd *c = find_cmd(name);
	if (c)
		cli_cmd_help(c, stdout);
	return NT_EXIT_OK;
}

static int cmd_help(int argc, char **argv)
{
	const struct cli_cmd *c;

	if (argc < 2) {
		main_help(stdout);
		return 0;
	}
	c = find_cmd(argv[1]);
	if (!c)
		return cli_usage("help", "unknown command '%s'", argv[1]);
	cli_cmd_help(c, stdout);
	return 0;
}

static int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("nettrail %s\n", NT_VERSION);
	return 0;
}

/* Reports are piped: a failed write to stdout is an error, not silence. */
static int finish_stdout(int code)
{
	if (fflush(stdout) || ferror(stdout)) {
		if (errno != EPIPE)
			fprintf(stderr, "nettrail: error: cannot write the output: %s\n",
				strerror(errno));
		return code ? code : NT_EXIT_FAIL;
	}
	return code;
}

int main(int argc, char **argv)
{
	const struct cli_cmd *c;

	if (argc < 2) {
		main_help(stderr);
		return NT_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return finish_stdout(cmd_help(1, argv));
	if (!strcmp(argv[1], "--version"))
		return finish_stdout(cmd_version(1, argv));
	c = find_cmd(argv[1]);
	nt_progress_capture_set(draw_capture); /* captures report only when told (o->progress) */
	if (!c) {
		fputs("nettrail: '", stderr);
		nt_esc_text(stderr, argv[1]);
		fputs("' is not a nettrail command; see 'nettrail --help'\n", stderr);
		return NT_EXIT_USAGE;
	}
	if (argc > 2 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))) {
		cli_cmd_help(c, stdout);
		return finish_stdout(0);
	}
	return finish_stdout(c->fn(argc - 1, argv + 1));
}
