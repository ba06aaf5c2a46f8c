/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The function tracers of nettrail record (internal to collect/, driven by ftrace.c):
 * function_graph (--graph) and the function profiler (--profile), plus the journal that puts
 * back every tracefs file they change, also after a nettrail that was killed.
 */
#ifndef NT_FUNCGRAPH_REC_H
#define NT_FUNCGRAPH_REC_H

#include <stdbool.h>

#include "ftrace.h"
#include "../core/error.h"

/* ---- the journal: tracefs files changed, with what they held before ---- */

struct nt_tfs_journal; /* opaque */

/*
 * A new, empty journal. It is kept on disk too (in /run, else /tmp, named after our pid), so
 * that a later nettrail can put tracefs back if this process is killed. Free with
 * nt_tfs_journal_free() after nt_tfs_journal_restore().
 */
struct nt_tfs_journal *nt_tfs_journal_new(void);

/*
 * Write @value to the tracefs file @path (absolute), first saving what it holds, unless the
 * journal already has it. @value NULL only saves. Returns 0, or -1 with errno set (the file
 * cannot be read or written). Filter lists (set_ftrace_filter, set_graph_function, ...) are
 * replaced, not appended to.
 */
int nt_tfs_journal_write(struct nt_tfs_journal *j, const char *path, const char *value);

/*
 * Put every saved file back, newest first. Returns 0, or -1 with *err naming the first file
 * that could not be restored (the others are still tried). The on-disk copy is removed once
 * everything is back.
 */
int nt_tfs_journal_restore(struct nt_tfs_journal *j, struct nt_err **err);

/* Free @j (without restoring). Accepts NULL. */
void nt_tfs_journal_free(struct nt_tfs_journal *j);

/*
 * Restore the journals left by nettrail processes that died (never a live one's). Returns how
 * many were restored.
 */
int nt_tfs_journal_recover(void);

/* ---- function_graph and the profiler ---- */

/*
 * Checks before anything changes: the kernel offers function_graph (for o->graph), has the
 * profiler (for o->profile), the two may run together on this kernel, and every function
 * pattern of o->graph, o->notrace and o->profile_funcs matches a line of
 * available_filter_functions (@top is the tracefs mount). Returns 0 or -1 with *err set.
 */
int nt_fgrec_check(const char *top, const struct nt_record_opts *o, struct nt_err **err);

/* Does the instance at @inst_dir offer function_graph with its own set_graph_function? */
bool nt_fgrec_instance_capable(const char *inst_dir);

/*
 * May the top-level buffer be used (nothing else set there: no tracer, no events, no
 * profiler)? Returns 0 or -1 with *err naming what is in use.
 */
int nt_fgrec_toplevel_free(const char *top, struct nt_err **err);

/*
 * Set up function_graph in @dir (an instance, or @top itself) for o->graph: filters, depth,
 * options, current_tracer (tracing must be off). Every change goes through @j. Returns 0 or -1
 * with *err set (EPERM on current_tracer becomes "this kernel refuses function_graph").
 */
int nt_fgrec_graph_setup(const char *top, const char *dir, const struct nt_record_opts *o,
			 struct nt_tfs_journal *j, struct nt_err **err);

/* Start the function profiler (top level) for o->profile_funcs, through @j. */
int nt_fgrec_profile_start(const char *top, const struct nt_record_opts *o,
			   struct nt_tfs_journal *j, struct nt_err **err);

/*
 * Save the profiler's tables (trace_stat/functionN) at @path, as head(1) prints them
 * ("==> trace_stat/functionN <==" before each), which the trace-stat reader imports.
 */
int nt_fgrec_profile_save(const char *top, const char *path, struct nt_err **err);

#endif
