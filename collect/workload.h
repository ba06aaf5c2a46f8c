/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The workload of a capture: the traced command (or, with -P, an existing process) and every
 * task it forks. record saves where the tree starts in a small text file beside the trace,
 * TRACE.workload (docs/SCHEMA.md):
 *
 *   # nettrail workload (docs/SCHEMA.md)
 *   root 1234        the command, or the -P process
 *   pid 1234         a task of the tree alive when recording started (-P: every one)
 *   exclude 999      nettrail's own process: never part of the workload, nor what it forks
 *
 * The rest of the tree comes from the trace itself (sched:sched_process_fork, which record
 * enables whenever there is a workload), so the file is all another tool needs as well.
 */
#ifndef NT_WORKLOAD_H
#define NT_WORKLOAD_H

#include <stddef.h>

#include "../core/error.h"

/* The tasks (threads included) of the process tree of @root now: *@pids (free() it), *@n. */
int nt_workload_tree(int root, int **pids, size_t *n, struct nt_err **err);

/*
 * Write @trace.workload for the tree of @root whose tasks alive at the start were @pids (@n),
 * through a temporary file: complete or absent.
 */
int nt_workload_save(const char *trace, int root, const int *pids, size_t n, struct nt_err **err);

/* Remove a @trace.workload left by an earlier capture to the same name (a trace without a
 * workload must not inherit one). */
void nt_workload_forget(const char *trace);

/* The sched events the process tree needs, NULL-terminated. */
extern const char *const nt_workload_events[];

#endif
