/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel text symbols for traces that do not carry them (perf.data: perf writes no kallsyms
 * into its tracing data), from, in this order: the kallsyms saved next to the trace
 * (traces.path + ".kallsyms", written by `nettrail record --backend perf`), perf's build-id
 * cache ($PERF_BUILDID_DIR or ~/.debug, "[kernel.kallsyms]/<build-id>/kallsyms", by the
 * trace's trace_meta kernel_build_id), or /proc/kallsyms when this machine runs the traced
 * kernel (same release and, when the trace names it, the same build-id).
 */
#ifndef NT_KSYMS_H
#define NT_KSYMS_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

struct nt_ksym {
	uint64_t addr;
	char *name; /* owned */
};

struct nt_ksyms {
	struct nt_ksym *v; /* owned, sorted by address */
	size_t n;
};

/* Where the symbols came from (nt_ksyms_source_name() names it). */
enum nt_ksyms_src { NT_KSYMS_NONE, NT_KSYMS_SAVED, NT_KSYMS_BUILDID, NT_KSYMS_PROC };

/* The text symbols of kallsyms file @path; -1 when unreadable. Frees what @k held. */
int nt_ksyms_load(struct nt_ksyms *k, const char *path);

/* Load the symbols of trace @trace of @db from the first source that has them. */
enum nt_ksyms_src nt_ksyms_load_for_trace(struct nt_ksyms *k, sqlite3 *db, int64_t trace);

/* What nt_ksyms_load_for_trace() chooses by (path, kernel, build id) as one string. */
void nt_ksyms_trace_key(sqlite3 *db, int64_t trace, char *out, size_t n);

/* "saved_kallsyms", "buildid_cache", "proc_kallsyms" or "none". */
const char *nt_ksyms_source_name(enum nt_ksyms_src s);

/* The symbol covering @a (the last one at or below it, before the last symbol), or NULL;
 * *@off (may be NULL) receives @a minus its address. Weak: valid while @k is. */
const char *nt_ksyms_find(const struct nt_ksyms *k, uint64_t a, uint64_t *off);

void nt_ksyms_release(struct nt_ksyms *k);

#endif
