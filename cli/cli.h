/* SPDX-License-Identifier: GPL-2.0 */
/* The command line: the command table, option tables and exit codes. */
#ifndef NT_CLI_H
#define NT_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "../collect/backend.h"
#include "../core/error.h"
#include "../core/sys.h"

/* Exit codes (documented in `nettrail --help`). */
enum {
	NT_EXIT_OK = 0,
	NT_EXIT_FAIL = 1,
	NT_EXIT_USAGE = 2,
	NT_EXIT_INPUT = 3,
	NT_EXIT_INTR = 4,
	NT_EXIT_LOST = 5,
	NT_EXIT_CLAIM = 6, /* lab: completed, but a claim of the lab sheet did not hold */
};

/* The meaning of each exit code, in order (NT_EXIT_OK first), for help and the man page. */
extern const char *const cli_exit_text[NT_EXIT_CLAIM + 1];

/* One option of a command: the table drives both parsing and help. */
struct cli_opt {
	const char *name; /* long name, without "--" */
	int key;	  /* short letter, or a value >= 256 for long-only options */
	const char *arg;  /* argument name, or NULL for a flag */
	const char *help;
};

struct cli_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *synopsis; /* arguments after the command name */
	const char *help;     /* one line */
	const struct cli_opt *opts;
	const char *details; /* more text for `nettrail help CMD`, or NULL */
	const char *exits;   /* the exit codes it returns, as digits: "0123" */
	/*
	 * What -i/--input ARG stands for, as perf's -i: the positional argument named here
	 * ("DB", "FILE"), which the option gives instead; NULL: no -i.
	 */
	const char *input;
	/* A list printed after the details under this title (e.g. "formats"), or NULL. */
	const char *list_title;
	/* Row @i of that list into *@name and *@help: 1, or 0 past the last row. */
	int (*list)(int i, const char **name, const char **help);
};

/* The command table (cli/main.c), @cli_ncommands rows. */
extern const struct cli_cmd cli_commands[];
extern const size_t cli_ncommands;

/* The command called @name, or NULL. */
const struct cli_cmd *cli_cmd_find(const char *name);

/*
 * Every option @cmd takes, in help's order: its table, then -i/--input (if it has one) and
 * -h/--help, into @out (room for @max rows, the last left {NULL}). Returns the count.
 */
int cli_cmd_opts(const struct cli_cmd *cmd, struct cli_opt *out, int max);

/*
 * Turn -i ARG / --input ARG (also -iARG, --input=ARG) in @argv into the plain argument ARG,
 * in place, for commands whose row names an input; options' own arguments and what follows
 * "--" are left alone. Returns the new argc, or -1 after a usage error (printed).
 */
int cli_input_rewrite(const struct cli_cmd *cmd, int argc, char **argv);

/* The manual page nettrail(1), in man(7) roff, from the tables (`nettrail help --man`). */
void cli_help_man(FILE *f);

/* A bash completion script from the tables (`nettrail help --completion bash`). */
void cli_help_bash(FILE *f);

/* The main help (commands and exit codes) on @f. */
void cli_main_help(FILE *f);

/*
 * getopt_long over @opts; with @in_order, options end at the first non-option (what follows is
 * a command line of its own, as for record). Returns the option key, -1 at the end of options, '?' on an error
 * (already reported). *@arg receives the argument.
 */
int cli_getopt(int argc, char **argv, const struct cli_opt *opts, bool in_order, char **arg);

/* Print the help of @cmd on @f. */
void cli_cmd_help(const struct cli_cmd *cmd, FILE *f);

/* Report a usage error for @cmd ("nettrail CMD: <msg>" + a hint) and return NT_EXIT_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print the help of the command called @name on stdout; returns NT_EXIT_OK. */
int cli_help_exit(const char *name);

/* Print @err and map its kind to an exit code. Frees @err. */
int cli_fail(struct nt_err *err);

/*
 * Draw progress bars on stderr when it is a terminal (and not @quiet), and say there when
 * waiting for another process writing the database.
 */
void cli_progress_init(bool quiet);

/* Install SIGINT/SIGTERM handlers that set nt_interrupted. */
void cli_catch_signals(void);

/* The signal that interrupted us (0 if none). */
extern volatile int cli_signal;

/* The options record and capture share (cli/cmd_record.c): keys, table rows, parsing. */
enum {
	CLI_REC_CLOCK = 256,
	CLI_REC_GRAPH,
	CLI_REC_NOTRACE,
	CLI_REC_DEPTH,
	CLI_REC_PROFILE,
	CLI_REC_BACKEND,
	CLI_REC_PROFCPU,
	CLI_REC_HEADERS,
	CLI_OPT_FIRST_FREE /* the first long-only key a command may use for its own options */
};

#define CLI_RECORD_OPTS                                                                            \
	{"event", 'e', "SYS[:EV]",                                                                 \
	 "trace these events (repeatable; globs allowed); default: the network preset"},           \
		{"buffer", 'b', "KB", "ring buffer per cpu in KB (default 8192)"},                 \
		{"duration", 'd', "S", "stop after S seconds"},                                    \
		{"clock", CLI_REC_CLOCK, "NAME",                                                   \
		 "trace clock (default: local with ftrace, mono with perf and lttng)"},            \
		{"graph", CLI_REC_GRAPH, "FUNC[,FUNC...]",                                         \
		 "function_graph: every call made under these functions (globs allowed; "          \
		 "repeatable); with lttng: kretprobes on these functions only (no globs)"},        \
		{"notrace", CLI_REC_NOTRACE, "FUNC[,FUNC...]",                                     \
		 "with --graph: leave out these functions and what they call "                     \
		 "(set_graph_notrace)"},                                                           \
		{"graph-depth", CLI_REC_DEPTH, "N",                                                \
		 "with --graph: at most N levels of calls (max_graph_depth)"},                     \
		{"profile", CLI_REC_PROFILE, "FUNC[,FUNC...]",                                     \
		 "the function profiler over these functions ('*': all); table in "                \
		 "FILE.trace_stat"},                                                               \
		{"backend", CLI_REC_BACKEND, "ftrace|perf|lttng",                                  \
		 "ftrace (default: trace.dat), perf (perf record -a: perf.data; docs/PERF.md) or " \
		 "lttng (LTTng's kernel tracer: a CTF directory; docs/LTTNG.md)"},                 \
		{"profile-cpu", CLI_REC_PROFCPU, "HZ",                                             \
		 "with --backend perf: also sample cpu-clock at HZ with kernel call stacks"},      \
		{"headers", CLI_REC_HEADERS, NULL,                                                 \
		 "also record each IP packet's addresses, ports and TCP flags at ip_rcv and "      \
		 "ip_output (IPv6 too; kprobes placed with the kernel's BTF; ftrace only)"},       \
	{                                                                                          \
		"pid", 'P', "PID",                                                                 \
			"the workload is this running process and its descendants (not with a "    \
			"COMMAND; "                                                                \
			"until -d or Ctrl-C)"                                                      \
	}

struct cli_strv {
	const char **v; /* owned array; the strings point into argv */
	int n;
};

struct cli_record {
	struct nt_record_opts o; /* output, argv and progress are the command's to set */
	struct cli_strv events, graph, notrace, prof;
	int backend; /* enum nt_backend */
	unsigned profile_hz;
};

/*
 * Parse record option @c (a CLI_RECORD_OPTS key) with @arg into @r for command @cmd. 0 when
 * taken, -1 when @c is not a record option, else an exit code (the usage error is printed).
 */
int cli_record_opt(struct cli_record *r, const char *cmd, int c, char *arg);

/* After the options: check their combinations and fill @r->o. 0, or an exit code. */
int cli_record_finish(struct cli_record *r, const char *cmd);

/* Free what @r holds (not @r). */
void cli_record_release(struct cli_record *r);

/*
 * The options of @cmd (a command whose table holds CLI_RECORD_OPTS, -o and -q) into @r, with
 * -o's argument in *@output and -q in *@quiet; then cli_record_finish, and r->o.argv set to
 * the COMMAND after the options (NULL if none; -P refuses one). Returns 0; -1 when the help
 * was printed; else an exit code (the usage error printed). @r is released unless 0.
 */
int cli_record_parse(struct cli_record *r, const char *cmd, int argc, char **argv,
		     const char **output, bool *quiet);

/* Record with @r (its progress and signals set here, "recording" said unless @quiet). */
int cli_record_run(struct cli_record *r, bool quiet, struct nt_record_result *res,
		   struct nt_err **err);

/* The decimal number @arg in [@lo, @hi] (@lo >= 0), or -1 when it is not one. */
long cli_number(const char *arg, long lo, long hi);

/* "@dir/@name", owned by the caller (free), or NULL when out of memory. */
char *cli_path_in(const char *dir, const char *name);

/* Trace ids "1,2,5" into @ids (at most @max, each > 0). Returns the count, or -1. */
int cli_parse_ids(const char *s, int64_t *ids, int max);

int cmd_record(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_analyze(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_vm(int argc, char **argv);
int cmd_capture(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_lab(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_restore(int argc, char **argv);

extern const struct cli_opt record_opts[], import_opts[], info_opts[], analyze_opts[],
	report_opts[], capture_opts[], compare_opts[];
extern const char record_details[], import_details[], capture_details[], compare_details[];
extern const struct cli_opt vm_opts[];
extern const char vm_details[];
extern const struct cli_opt restore_opts[];
extern const char restore_details[];
extern const struct cli_opt lab_opts[];
extern const char lab_details[];
extern const struct cli_opt export_opts[];
extern const char export_details[];

#endif
