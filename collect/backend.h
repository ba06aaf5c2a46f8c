/* SPDX-License-Identifier: GPL-2.0 */
/* The capture backends by name (record, capture and vm record take --backend NAME). */
#ifndef NT_BACKEND_H
#define NT_BACKEND_H

#include "ftrace.h"

enum nt_backend { NT_BACKEND_FTRACE, NT_BACKEND_PERF, NT_BACKEND_LTTNG };

/* The backend called @name ("ftrace", "perf", "lttng"), or -1. */
int nt_backend_parse(const char *name);

/* What it writes when no output is named: trace.dat, perf.data, the directory lttng-trace. */
const char *nt_backend_output(enum nt_backend b);

/*
 * Record with @b (@profile_hz: perf's cpu-clock sampling, 0 for none; perf only). With a
 * command or o->attach_pid, the sched events of the workload's process tree are added to the
 * events and its start is saved beside the trace (collect/workload.h).
 */
int nt_backend_record(enum nt_backend b, const struct nt_record_opts *o, unsigned profile_hz,
		      struct nt_record_result *r, struct nt_err **err);

#endif
