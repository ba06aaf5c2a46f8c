/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Capture with perf: `perf record -a` (Debian's perf, found in PATH) over the same tracepoint
 * vocabulary as the ftrace backend, started disabled and enabled through its control pipe
 * before the command runs, stopped with SIGINT so that perf.data is complete. docs/PERF.md.
 */
#ifndef NT_PERF_REC_H
#define NT_PERF_REC_H

#include "ftrace.h"

/* The oldest perf we drive: --control fd:, -D -1 (start disabled). */
#define NT_PERF_MIN_MAJOR 5
#define NT_PERF_MIN_MINOR 11

/* The per-cpu buffer when o->buffer_kb is 0: 16 MiB (perf's default lost ~16 % of a
 * loopback stress here; docs/PERF.md). */
#define NT_PERF_DEFAULT_BUFFER_KB 16384

/*
 * Record with perf into o->output (a perf.data). Uses o->events (or nt_record_preset),
 * o->buffer_kb, o->duration, o->argv, o->clock (NULL: "mono", i.e. CLOCK_MONOTONIC; "local":
 * perf's own clock, which is ftrace's "local"; also "mono_raw", "boot", "tai") and
 * o->progress; the function-tracer options are refused. With @profile_hz > 0 the cpu-clock
 * software event is sampled at that frequency with kernel call stacks (-g).
 *
 * Checks privilege, tracefs, perf and every event name before perf starts. The result's
 * lost counts are the lost samples of PERF_RECORD_LOST / LOST_SAMPLES records, per cpu
 * (r->lost[] has r->ncpus entries; lost records whose cpu is unknown count in lost_total
 * only). On failure no file is left at o->output and *err says why. No perf process
 * outlives this call; perf also gets SIGINT if nettrail dies (PR_SET_PDEATHSIG).
 */
int nt_perf_record(const struct nt_record_opts *o, unsigned profile_hz, struct nt_record_result *r,
		   struct nt_err **err);

#endif
