/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The layout of a trace.dat (man 5 trace-cmd.dat.v6 / .v7): where each CPU's ring-buffer pages
 * are and how they are stored, checked against the file's size before anything maps it.
 */
#ifndef NT_TRACEDAT_HEADER_H
#define NT_TRACEDAT_HEADER_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/error.h"

struct nt_td_cpu {
	int cpu;
	uint64_t offset, size; /* in the file; compressed size for compressed data */
};

struct nt_td_layout {
	int version;	      /* 6 or 7 */
	bool big_endian;      /* of the file's numbers */
	uint32_t page_size;   /* the ring buffer's sub-buffer size */
	char compression[16]; /* "none", "zstd", "zlib" (v7) */
	int ncpus;
	struct nt_td_cpu *cpus; /* owned */
	/*
	 * Pages can be read directly (one top-level buffer, no timestamp corrections): false
	 * means only libtracecmd can read the data right, e.g. files with buffer instances,
	 * DATE/OFFSET/TIME_SHIFT/TSC2NSEC options or latency data.
	 */
	bool direct;
	const char *why_not_direct; /* static */
};

/*
 * Walk the header of the trace.dat at @path and fill @l. Every section and every CPU's data
 * must lie inside the file: a truncated file is reported with the offset where it falls
 * short. What would crash libtraceevent or make libtracecmd allocate for counts the file does
 * not hold is refused too, naming the part: event formats printing a field they do not define,
 * printk lines it reads out of bounds, sizes inside v7 header sections, counts in TIME_SHIFT,
 * GUEST, PROCMAPS and BUFFER options, string options without their NUL, a short CPUCOUNT, a
 * cpu's first page larger than the page size. Returns 0, or -1 with *err set. Release @l with
 * nt_td_layout_release().
 */
int nt_tracedat_layout(const char *path, struct nt_td_layout *l, struct nt_err **err);

void nt_td_layout_release(struct nt_td_layout *l);

/* Decompress @in (@n bytes, algorithm @algo) into @out of exactly @outn bytes. 0 or -1. */
int nt_td_decompress(const char *algo, const void *in, size_t n, void *out, size_t outn);

#endif
