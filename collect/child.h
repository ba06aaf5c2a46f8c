/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The traced command, for every capture backend (ftrace, perf, LTTng): started stopped at a
 * gate, so tracing is on before it runs; released, reaped, and stopped at the end.
 */
#ifndef NT_CHILD_H
#define NT_CHILD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../core/error.h"

struct nt_child {
	pid_t pid;   /* the command, or -1: none (not started) */
	int status;  /* its wait status, once done */
	bool done;   /* reaped */
	int gate[2]; /* the child waits for one byte on gate[0]; -1 when closed */
	int st[2];   /* exec's errno comes back on st[0]; -1 when closed */
};

/* No command yet: for an initializer (".child = NT_CHILD_NONE"). */
#define NT_CHILD_NONE ((struct nt_child){.pid = -1, .gate = {-1, -1}, .st = {-1, -1}})

/*
 * Fork @argv[0] with default signal handling, waiting for one byte on the gate (pipe made
 * here; write gate[1] to let it exec, close it to abandon it: it exits 126). If exec fails,
 * the errno comes back on the status pipe (read st[0]: EOF means exec succeeded). On return
 * the child's ends are closed and set to -1. Returns 0, or -1 with *err set.
 */
int nt_child_start(struct nt_child *c, char *const *argv, struct nt_err **err);

/*
 * Let the command exec, and wait until it has: an exec failure is reaped and reported as
 * NT_E_INPUT "cannot run '@name'". Returns 0, or -1 with *err set.
 */
int nt_child_release(struct nt_child *c, const char *name, struct nt_err **err);

/* If there is a command not yet reaped: waitpid, blocking if @wait, setting done and status. */
void nt_child_reap(struct nt_child *c, bool wait);

/*
 * If the command still runs: close the gate when it was never released (it exits 126), else
 * SIGTERM it; reap it. Then close the pipes. Safe to call more than once.
 */
void nt_child_stop(struct nt_child *c);

/* The command's wait status, or -1 when there was no command. */
int nt_child_status(const struct nt_child *c);

/* ---- what every backend's record does around the command ---- */

struct nt_record_opts;
struct nt_record_result;

/* A capture under way (nt_child_capture). */
struct nt_capture {
	const struct nt_record_opts *o; /* weak: argv, duration, progress */
	struct nt_child *child;		/* weak: the command (started, not yet released) */
	const char *stage;		/* the progress line's: "recording with perf" */
	const char *what;		/* what its bytes are: "written" */
	int (*tick)(void *ctx);		/* each turn (50 ms): non-zero fails the capture; or NULL */
	uint64_t (*bytes)(void *ctx);	/* bytes saved so far, for the progress line */
	void *ctx;
	double t0, last; /* set here: when the capture started, the last progress line */
};

/*
 * Start the clock, let the command (if any) go and wait until it exits, o->duration passes
 * or nt_interrupted is set, calling @c->tick each turn and reporting progress
 * (core/progress.h) twice a second when o->progress. Returns 0, or -1 when the command cannot
 * run (*err) or a tick failed (what the tick left).
 */
int nt_child_capture(struct nt_capture *c, struct nt_err **err);

/* The capture's last progress report (when o->progress), once it is saved. */
void nt_child_capture_done(struct nt_capture *c);

/*
 * The end of a record: on success (@ret 0) the command's status and pid go into @res and
 * @own (an error the backend kept, or NULL) is freed; on failure @res is released and *@err
 * is @own, or "recording failed". Returns @ret.
 */
int nt_child_record_end(int ret, const struct nt_child *c, struct nt_record_result *res,
			struct nt_err *own, struct nt_err **err);

#endif
