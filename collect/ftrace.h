/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Capture with ftrace through libtracefs, in a tracefs instance of our own, streaming each
 * CPU's raw ring-buffer pages to disk and writing a trace.dat at the end. Whatever happens,
 * the instance is removed and tracefs is left as it was.
 */
#ifndef NT_FTRACE_H
#define NT_FTRACE_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/error.h"
#include "../core/tmpfile.h"

struct nt_record_opts {
	const char *output;	   /* trace.dat to write */
	const char *const *events; /* "system" or "system:event" (globs allowed); NULL: preset */
	int nevents;
	unsigned buffer_kb; /* per-CPU ring buffer; 0: default */
	double duration;    /* stop after this many seconds; 0: no limit */
	char *const *argv;  /* command to run and trace until it exits; NULL: none */
	const char *clock;  /* trace clock; NULL: "local" */
	bool progress;	    /* show progress on stderr */
	/* function_graph (--graph): function patterns (globs) for set_graph_function, or NULL.
	 * With graph functions and no events, no tracepoint is enabled. */
	const char *const *graph;
	int ngraph;
	const char *const *notrace; /* set_graph_notrace patterns, or NULL */
	int nnotrace;
	int graph_depth; /* max_graph_depth; 0: no limit */
	/* the function profiler (--profile): patterns for its filter ("*": every function) */
	const char *const *profile_funcs;
	int nprofile_funcs;
	/* -P: the workload is this existing process and its descendants (0: none). Only
	 * nt_backend_record reads it: the capture itself stays system-wide. */
	int attach_pid;
	/* --headers: kprobes that record IPv4 headers (collect/hdrprobe.h); ftrace only */
	bool headers;
};

struct nt_record_result {
	int ncpus;
	uint64_t *
		lost; /* owned: per cpu lost events (overruns); free with nt_record_result_release */
	uint64_t lost_total;
	uint64_t bytes;		/* raw ring-buffer bytes saved */
	int nevents;		/* events enabled */
	int cmd_status;		/* wait status of the command, or -1 when there was none */
	bool stopped_by_signal; /* Ctrl-C/SIGTERM ended the capture */
	bool toplevel;		/* function_graph ran in the top-level buffer: this kernel has
				 * none in instances (restored afterwards) */
	char *profile_path;	/* owned: where the profiler's table was saved, or NULL */
	struct nt_tmpfile_swept swept; /* temporary files of killed nettrail processes removed
					* from the output's directory before the capture */
	int cmd_pid;		       /* the command's pid (the workload's root), or 0 */
};

void nt_record_result_release(struct nt_record_result *r);

/*
 * Remove the temporary files that killed nettrail processes left in @output's directory
 * (nt_tmpfile_sweep; a running nettrail's are kept). Every record backend does this first.
 */
void nt_record_sweep(const char *output, struct nt_tmpfile_swept *out);

/* Where tracefs is mounted (from /proc/self/mounts; never mounted by us), owned, or NULL. */
char *nt_ftrace_tracefs_dir(void);

/*
 * The cmdlines section of a trace.dat: the kernel's saved_cmdlines plus every task in /proc
 * (the kernel's cache keeps only a few), plus @cmd_pid named after @cmd's last component when
 * @cmd_pid > 0. Owned (free()), or NULL when out of memory.
 */
char *nt_ftrace_cmdlines(long cmd_pid, const char *cmd);

/* The events of the default preset (NULL-terminated, "system" or "system:event"). */
extern const char *const nt_record_preset[];

/*
 * Record. Checks privilege, tracefs, every event name and function pattern before changing
 * anything. Temporary files are "<output>.cpuN.nettrail-tmp.<pid>" (raw pages) and
 * "<output>.head.nettrail-tmp.<pid>" (the trace.dat's head, written before tracing starts), so
 * that nettrail restore can build the trace.dat when this process is killed. On success the
 * trace.dat is complete (also when a signal ended the capture early: see r->stopped_by_signal).
 * A signal after that, while the trace.dat is written, aborts: NT_E_INTR. On failure no file
 * is left at o->output and *err says why.
 */
int nt_ftrace_record(const struct nt_record_opts *o, struct nt_record_result *r,
		     struct nt_err **err);

/* Does this kernel offer the function_graph tracer (tracefs mounted, top-level
 * available_tracers)? */
bool nt_ftrace_graph_available(void);

#endif
