/* SPDX-License-Identifier: GPL-2.0 */
/* nettrail: the command table and the dispatcher. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
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
static int cli_list_formats(int i, const char **name, const char **help);

const struct cli_cmd cli_commands[] = {
	{.name = "record",
	 .fn = cmd_record,
	 .synopsis = "[options] [-- COMMAND [ARGS...]]",
	 .help = "capture kernel events with ftrace into a trace.dat file",
	 .opts = record_opts,
	 .details = record_details,
	 .exits = "012345"},
	{.name = "restore",
	 .fn = cmd_restore,
	 .synopsis = "[-o FILE] [--pid PID] TRACE",
	 .help = "make the trace a killed 'nettrail record -o TRACE' left unfinished (like "
		 "trace-cmd restore)",
	 .opts = restore_opts,
	 .details = restore_details,
	 .exits = "01234",
	 .input = "TRACE"},
	{.name = "import",
	 .fn = cmd_import,
	 .synopsis = "[options] FILE... -o DB",
	 .help = "read trace files into a nettrail database",
	 .opts = import_opts,
	 .details = import_details,
	 .exits = "012345",
	 .input = "FILE",
	 .list_title = "formats",
	 .list = cli_list_formats},
	{.name = "capture",
	 .fn = cmd_capture,
	 .synopsis = "[-o DIR] [record options] [-- COMMAND [ARGS...]]",
	 .help = "record, import, analyze and report in one shot (text + HTML + gnuplot + CSV in "
		 "DIR)",
	 .opts = capture_opts,
	 .details = capture_details,
	 .exits = "012345"},
	{.name = "analyze",
	 .fn = cmd_analyze,
	 .synopsis = "[--trace ID] DB",
	 .help = "rebuild what happened (IRQ/softirq timing, skb lifecycles, ...) from stored "
		 "events",
	 .opts = analyze_opts,
	 .exits = "01234",
	 .input = "DB"},
	{.name = "report",
	 .fn = cmd_report,
	 .synopsis = "[options] DB",
	 .help = "text, JSON, HTML, gnuplot or CSV: skb lifecycles and drops, IRQ/softirq "
		 "timing, NAPI, allocations, functions",
	 .opts = report_opts,
	 .exits = "0123",
	 .input = "DB"},
	{.name = "compare",
	 .fn = cmd_compare,
	 .synopsis = "[-t A,B[,C...]] [--html FILE] [--csv DIR] DB_A [DB_B...]",
	 .help = "a baseline run against others: latencies, drops, softirqs, IRQs, allocations, "
		 "with statistical tests",
	 .opts = compare_opts,
	 .details = compare_details,
	 .exits = "0123",
	 .input = "DB"},
	{.name = "lab",
	 .fn = cmd_lab,
	 .synopsis = "NAME [-c N] [-o DIR] [--vm] | --list",
	 .help = "a built-in network-stack exercise: its own namespaces and traffic, a lab sheet "
		 "of claims",
	 .opts = lab_opts,
	 .details = lab_details,
	 .exits = "0123456"},
	{.name = "export",
	 .fn = cmd_export,
	 .synopsis = "--parquet DIR [--events] [-t ID,...] DB",
	 .help = "write the tables as Parquet, partitioned by trace, for DuckDB, Spark or Trino",
	 .opts = export_opts,
	 .details = export_details,
	 .exits = "01234",
	 .input = "DB"},
	{.name = "info",
	 .fn = cmd_info,
	 .synopsis = "[--json] DB",
	 .help = "list the traces in a database",
	 .opts = info_opts,
	 .exits = "0123",
	 .input = "DB"},
	{.name = "vm",
	 .fn = cmd_vm,
	 .synopsis = "record [options] -- TRAFFIC... | fetch",
	 .help = "record in the lab VM: Debian's stock kernel under QEMU (function_graph, ...)",
	 .opts = vm_opts,
	 .details = vm_details,
	 .exits = "012345"},
	{.name = "help",
	 .fn = cmd_help,
	 .synopsis = "[COMMAND]",
	 .help = "show help for nettrail or one command",
	 .exits = "02"},
	{.name = "version",
	 .fn = cmd_version,
	 .synopsis = "",
	 .help = "print the version",
	 .exits = "0"},
};

const size_t cli_ncommands = sizeof(cli_commands) / sizeof(cli_commands[0]);

/* The trace formats import reads (parse/readers.c's table), for import's help. */
static int cli_list_formats(int i, const char **name, const char **help)
{
	const struct nt_reader_ops *const *r = nt_readers();

	for (int k = 0; k < i; k++)
		if (!r[k])
			return 0;
	if (!r[i])
		return 0;
	*name = r[i]->name;
	*help = r[i]->help;
	return 1;
}

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

static void draw_step(const char *line)
{
	fprintf(stderr, "%s\n", line);
}

static void draw_warning(const char *subject, const char *msg, size_t n)
{
	fputs("nettrail: warning: '", stderr);
	nt_esc_text(stderr, subject);
	fputs("': ", stderr);
	nt_esc_text_n(stderr, msg, n, 0);
	fputc('\n', stderr);
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

long cli_number(const char *arg, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	return errno || *end || end == arg || v < lo || v > hi ? -1 : v;
}

char *cli_path_in(const char *dir, const char *name)
{
	char *p = NULL;
	if (asprintf(&p, "%s/%s", dir, name) < 0)
		return NULL;
	return p;
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

const struct cli_cmd *cli_cmd_find(const char *name)
{
	for (size_t i = 0; i < cli_ncommands; i++)
		if (!strcmp(cli_commands[i].name, name))
			return &cli_commands[i];
	return NULL;
}

/* The row long option @name (@n bytes) names, exactly or as the unique prefix getopt_long takes. */
static const struct cli_opt *long_opt(const struct cli_opt *all, const char *name, size_t n)
{
	const struct cli_opt *hit = NULL;

	for (const struct cli_opt *o = all; o->name; o++) {
		if (strncmp(o->name, name, n))
			continue;
		if (!o->name[n])
			return o;
		if (hit)
			return NULL; /* ambiguous: getopt_long says so */
		hit = o;
	}
	return hit;
}

static const struct cli_opt *short_opt(const struct cli_opt *all, int key)
{
	for (const struct cli_opt *o = all; o->name; o++)
		if (o->key == key)
			return o;
	return NULL;
}

/*
 * How many argv words option word @a (then @next) takes, 1 or 2; -1 for a -i/--input without
 * its value. For -i/--input, *@value is its value and *@keep whether @a stays ("-qi DB": "-q").
 */
static int option_words(const struct cli_opt *all, char *a, char *next, char **value, bool *keep)
{
	const struct cli_opt *o;

	*value = NULL;
	*keep = true;
	if (a[1] == '-') {
		size_t n = strcspn(a + 2, "=");
		o = long_opt(all, a + 2, n);
		if (o && o->key == 'i' && !a[2 + n] && !next)
			return -1;
		if (o && o->key == 'i') {
			*value = a[2 + n] ? a + 3 + n : next;
			*keep = false;
			return a[2 + n] ? 1 : 2;
		}
		return o && o->arg && !a[2 + n] ? 2 : 1;
	}
	for (int j = 1; a[j]; j++) {
		if (!(o = short_opt(all, a[j])))
			return 1; /* unknown: getopt says so */
		if (!o->arg)
			continue;
		if (o->key == 'i' && !a[j + 1] && !next)
			return -1;
		if (o->key == 'i') {
			int words = a[j + 1] ? 1 : 2;
			*value = a[j + 1] ? a + j + 1 : next;
			*keep = j > 1;
			a[j] = '\0';
			return words;
		}
		return a[j + 1] ? 1 : 2;
	}
	return 1;
}

int cli_input_rewrite(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct cli_opt all[80];
	int out = 1, i;

	if (!cmd->input)
		return argc;
	cli_cmd_opts(cmd, all, 80);
	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		char *a = argv[i], *v;
		bool keep;
		int words;

		if (a[0] != '-' || !a[1]) {
			argv[out++] = a;
			continue;
		}
		words = option_words(all, a, i + 1 < argc ? argv[i + 1] : NULL, &v, &keep);
		if (words < 0 || (v && *v == '-')) {
			if (words < 0)
				cli_usage(cmd->name, "option '%s' needs an argument", a);
			else
				cli_usage(cmd->name, "-i wants a %s, not '%s'", cmd->input, v);
			return -1;
		}
		if (keep)
			argv[out++] = a;
		if (v)
			argv[out++] = v;
		else if (words == 2 && i + 1 < argc)
			argv[out++] = argv[i + 1];
		i += words - 1;
	}
	while (i < argc)
		argv[out++] = argv[i++];
	argv[out] = NULL;
	return out;
}

int cli_help_exit(const char *name)
{
	const struct cli_cmd *c = cli_cmd_find(name);
	if (c)
		cli_cmd_help(c, stdout);
	return NT_EXIT_OK;
}

static int cmd_help(int argc, char **argv)
{
	const struct cli_cmd *c;

	/* for the build: the manual page and the completion script (CMakeLists.txt) */
	if (argc == 2 && !strcmp(argv[1], "--man")) {
		cli_help_man(stdout);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "--completion") && !strcmp(argv[2], "bash")) {
		cli_help_bash(stdout);
		return 0;
	}
	if (argc < 2) {
		cli_main_help(stdout);
		return 0;
	}
	c = cli_cmd_find(argv[1]);
	if (!c)
		return cli_usage("help", "unknown command '%s'", argv[1]);
	cli_cmd_help(c, stdout);
	return 0;
}

static int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("nettrail %s (SQLite %s)\n", NT_VERSION, sqlite3_libversion());
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

	nt_store_init();
	if (argc < 2) {
		cli_main_help(stderr);
		return NT_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return finish_stdout(cmd_help(1, argv));
	if (!strcmp(argv[1], "--version"))
		return finish_stdout(cmd_version(1, argv));
	c = cli_cmd_find(argv[1]);
	nt_progress_capture_set(draw_capture); /* captures report only when told (o->progress) */
	nt_progress_step_set(draw_step);       /* so do the VM's steps */
	nt_progress_warn_set(draw_warning);
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
	argc = cli_input_rewrite(c, argc - 1, argv + 1);
	if (argc < 0)
		return NT_EXIT_USAGE;
	return finish_stdout(c->fn(argc, argv + 1));
}
