/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Capture with LTTng's kernel tracer through liblttng-ctl: a session of our own in a root
 * lttng-sessiond (started here when none runs, and stopped again), one kernel channel, the
 * ftrace backend's event vocabulary mapped to LTTng's names. The output is a CTF directory.
 * docs/LTTNG.md.
 */
#ifndef NT_LTTNG_REC_H
#define NT_LTTNG_REC_H

#include "ftrace.h"

/* The output directory when -o is not given. */
#define NT_LTTNG_DEFAULT_OUTPUT "lttng-trace"

/* The kernel channel's size per cpu when o->buffer_kb is 0 (sub-buffers of 1 MiB). */
#define NT_LTTNG_DEFAULT_BUFFER_KB 8192

/* The channel nettrail creates in its session. */
#define NT_LTTNG_CHANNEL "nettrail"

/*
 * Record with LTTng into the directory o->output (CTF: o->output/kernel/metadata and one
 * stream file per cpu). Uses o->events (kernel names "system[:event]", globs allowed; NULL:
 * nt_record_preset, less what LTTng cannot provide), o->buffer_kb, o->duration, o->argv and
 * o->progress; o->clock may only be NULL or "mono" (LTTng's kernel clock is CLOCK_MONOTONIC);
 * the function-tracer options are refused.
 *
 * Checks privilege, every event name (against the importer's LTTng name table, then against
 * the tracepoints of the running lttng-modules), the output directory (absent or empty) and
 * the kernel tracer before the session is made. Uses the running root lttng-sessiond, or
 * starts one and stops it before returning. The session (named nettrail-PID-RANDOM) is always
 * destroyed before returning; no other session is ever touched.
 *
 * The result's lost counts are the channel's discarded events: r->lost_total only, LTTng
 * does not count them per cpu through its API (r->lost[] stays zero). On failure nothing is
 * left at o->output (nor its temporary o->output.nettrail-tmp) and *err says why.
 */
int nt_lttng_record(const struct nt_record_opts *o, struct nt_record_result *r,
		    struct nt_err **err);

#endif
