/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading a trace.dat's ring-buffer pages directly (uncompressed, zstd or zlib), one stream per
 * CPU, merged in timestamp order. Memory stays constant whatever the trace's length (the
 * libtracecmd 3.1 reader keeps every page it has read until the file is closed).
 */
#ifndef NT_TRACEDAT_PAGES_H
#define NT_TRACEDAT_PAGES_H

#include <stdint.h>

#include "../core/error.h"
#include "tracedat_header.h"

struct nt_td_pages; /* opaque */

struct nt_td_event {
	int cpu;
	uint64_t ts;
	void *data; /* weak: valid until the next call */
	int size;
	int64_t missed;	  /* events lost just before this one: 0 none, -1 an unknown number */
	uint64_t prev_ts; /* the previous event's timestamp on this cpu (0: none) */
};

/*
 * Open the page streams of @l in @path. @kernel_long is the size of the ring buffer's commit
 * field (4 or 8). Free with nt_td_pages_close().
 */
int nt_td_pages_open(const char *path, const struct nt_td_layout *l, int kernel_long,
		     struct nt_td_pages **out, struct nt_err **err);

/* The next event in timestamp order: 1 (and *ev set), 0 at the end, -1 on error (*err). */
int nt_td_pages_next(struct nt_td_pages *p, struct nt_td_event *ev, struct nt_err **err);

/* Pages skipped because their header was impossible (counted, reported by the caller). */
uint64_t nt_td_pages_bad(const struct nt_td_pages *p);

void nt_td_pages_close(struct nt_td_pages *p);

#endif
