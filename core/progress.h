/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Progress of long work. Libraries report (stage, done, total); only the CLI draws, on a
 * terminal, through the hook it installs. Without a hook, reporting costs a branch.
 */
#ifndef NT_PROGRESS_H
#define NT_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

/* @total 0: unknown. @done == @total (or a final call with @final) ends the stage. */
typedef void (*nt_progress_fn)(void *ctx, const char *stage, uint64_t done, uint64_t total,
			       int final);

/* Install the process-wide hook (NULL: none). */
void nt_progress_set(nt_progress_fn fn, void *ctx);

/* Report progress of @stage (a short phrase, e.g. "importing 'x.dat'"). */
void nt_progress(const char *stage, uint64_t done, uint64_t total, int final);

/*
 * A capture's progress: @seconds since it started, @bytes saved so far, which @what names
 * ("written", "of ring buffer saved"). @final ends the stage.
 */
typedef void (*nt_progress_capture_fn)(const char *stage, double seconds, uint64_t bytes,
				       const char *what, int final);

/* Install the process-wide hook for captures (NULL: none). */
void nt_progress_capture_set(nt_progress_capture_fn fn);

/* Report a capture's progress to that hook. */
void nt_progress_capture(const char *stage, double seconds, uint64_t bytes, const char *what,
			 int final);

/*
 * A step of long work that has no count (e.g. "vm: booting Linux 6.1 under QEMU"): one line,
 * printed by the hook when the caller was asked to report progress.
 */
typedef void (*nt_progress_step_fn)(const char *line);

/* Install the process-wide hook for steps (NULL: none). */
void nt_progress_step_set(nt_progress_step_fn fn);

/* Report a step, printf-style, to that hook. */
void nt_progress_step(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * A warning met by work that goes on (e.g. one the trace file itself records): @msg (@n bytes,
 * not NUL-terminated, any bytes) about @subject (a path). The hook escapes both for where it
 * prints them; without a hook the warning is dropped (callers also store it).
 */
typedef void (*nt_progress_warn_fn)(const char *subject, const char *msg, size_t n);

/* Install the process-wide hook for warnings (NULL: none). */
void nt_progress_warn_set(nt_progress_warn_fn fn);

/* Report a warning to that hook. */
void nt_progress_warn(const char *subject, const char *msg, size_t n);

#endif
