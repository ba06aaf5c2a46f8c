/* SPDX-License-Identifier: GPL-2.0 */
/* The command line: the command table, option tables and exit codes. */
#ifndef NT_CLI_H
#define NT_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "../core/error.h"

/* Exit codes (documented in `nettrail --help`). */
enum {
	NT_EXIT_OK = 0,
	NT_EXIT_FAIL = 1,
	NT_EXIT_USAGE = 2,
	NT_EXIT_INPUT = 3,
	NT_EXIT_INTR = 4,
	NT_EXIT_LOST = 5,
};

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
};

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
