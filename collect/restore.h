/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nettrail restore: make the trace a killed `nettrail record -o FILE` did not finish, from the
 * temporary files it left next to FILE (like trace-cmd restore). ftrace: the raw per-cpu pages
 * plus the head of the trace.dat the record wrote when it started (or, without that, this
 * machine's tracefs and /proc). perf: the perf.data perf finished when nettrail died.
 */
#ifndef NT_RESTORE_H
#define NT_RESTORE_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/error.h"

struct nt_restore_opts {
	const char *record_output; /* the FILE the killed record was writing */
	const char *output;	   /* what to write; NULL: record_output */
	long pid;		   /* the killed record's pid; 0: the only one that left files */
};

struct nt_restore_result {
	long pid;	   /* whose files were used */
	bool perf;	   /* a perf.data (else a trace.dat) */
	bool from_tracefs; /* ftrace: the header is this machine's (the record's was missing) */
	bool clock_known;  /* ftrace, from tracefs: the trace clock came from its instance */
	int ncpus;
	uint64_t bytes; /* of trace data */
	int removed;	/* temporary files removed once the trace was complete */
};

/*
 * Restore. Refuses (nothing written, nothing removed) when there is nothing to restore
 * (NT_E_INPUT), when the owner still runs (NT_E_FAIL), when several killed records left files
 * and o->pid does not pick one, or the output exists (NT_E_USAGE), when perf did not finish
 * its file, or the header must come from tracefs but the data predates this boot (NT_E_INPUT:
 * the kernel may differ). A signal stops it (NT_E_INTR). On success the temporary files used
 * are removed.
 */
int nt_restore(const struct nt_restore_opts *o, struct nt_restore_result *r, struct nt_err **err);

#endif
