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
	const char *head_file;	     /* a head from nt_tracedat_head_write: its sections replace
				* everything above (formats to UNAME; ncpus and page_size must
				* match it), or NULL */
};

/*
 * Write @src as a trace.dat at @path: built under "<path>.nettrail-tmp.<pid>" and renamed into
 * place, so a failure (a full disk, say) leaves no partial file at @path. A signal (nt_interrupted)
 * stops the writing: NT_E_INTR, nothing left. Returns 0 or -1, *err set.
 */
int nt_tracedat_write(const char *path, const struct nt_tracedat_src *src, struct nt_err **err);

/*
 * Write the head of a trace.dat at @path: every section before the cpu data that is known when
 * a capture starts (formats, kallsyms, printk formats, cmdlines, TRACECLOCK and UNAME; no
 * CPUSTAT), then a trailer that marks it complete (so a head cut short by a kill is recognised).
 * @src's cpu_files and cpustats are not used. Not a trace.dat by itself: nt_tracedat_write
 * takes it as src->head_file. Returns 0 or -1, *err set.
 */
int nt_tracedat_head_write(const char *path, const struct nt_tracedat_src *src,
			   struct nt_err **err);

/*
 * Is @path a complete head (its trailer present and consistent)? Sets *ncpus and *page_size
 * from it. Returns 0, or -1 with *err set (NT_E_INPUT: missing, cut short or not a head).
 */
int nt_tracedat_head_check(const char *path, int *ncpus, int *page_size, struct nt_err **err);

#endif
