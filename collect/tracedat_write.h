/* SPDX-License-Identifier: GPL-2.0 */
/* Writing a trace-cmd trace.dat, version 6 (man 5 trace-cmd.dat.v6). */
#ifndef NT_TRACEDAT_WRITE_H
#define NT_TRACEDAT_WRITE_H

#include "../core/error.h"

struct nt_tracedat_system {
	const char *name;
	const char *const *events; /* event names of the system to describe */
	int nevents;
};

/* Everything a trace.dat holds; all strings are weak. */
struct nt_tracedat_src {
	const char *tracing_dir; /* where events/<system>/<event>/format live */
	const struct nt_tracedat_system *systems;
	int nsystems;
	int ncpus;
	const char *const *cpu_files; /* per cpu: raw ring-buffer pages, or NULL for none */
	int page_size;
	const char *kallsyms;	     /* /proc/kallsyms content */
	const char *printk_formats;  /* printk_formats content */
	const char *cmdlines;	     /* "pid comm\n" lines */
	const char *clock;	     /* trace_clock file content ("[local] global ...") */
	const char *uname;	     /* "sysname nodename release machine" */
	const char *const *cpustats; /* per cpu: "per_cpu/cpuN/stats" content, or NULL */
};

/*
 * Write @src as a trace.dat at @path: built under "<path>.nettrail-tmp" and renamed into place,
 * so a failure (a full disk, say) leaves no partial file at @path. Returns 0 or -1, *err set.
 */
int nt_tracedat_write(const char *path, const struct nt_tracedat_src *src, struct nt_err **err);

#endif
