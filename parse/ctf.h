/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to parse/: the CTF reading engine (libbabeltrace2) shared by the ctf reader and the
 * perf.data reader (which converts to CTF first), and the LTTng-to-kernel event name table.
 */
#ifndef NT_CTF_H
#define NT_CTF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reader.h"

struct nt_ctf; /* opaque: one logical trace being read */

struct nt_ctf_opts {
	const char *format; /* INFO "format" to send, e.g. "ctf" */
	const char *shown;  /* the path named in messages (the user's file) */
	bool cpu_unknown;   /* the producer did not record the cpu: store -1, ignore cpu_id */
};

/*
 * Open the CTF trace(s) at @path: a trace directory, its metadata file, or a directory tree
 * holding trace directories (an LTTng session output). On failure sets *err (naming
 * @o->shown) and returns -1. Free with nt_ctf_close().
 */
int nt_ctf_open(const char *path, const struct nt_ctf_opts *o, struct nt_ctf **out,
		struct nt_err **err);

/* Append the next messages to @b (reader next() semantics, see reader.h). */
enum nt_next nt_ctf_next(struct nt_ctf *c, struct nt_batch *b, struct nt_err **err);

/* Release @c. Accepts NULL. */
void nt_ctf_close(struct nt_ctf *c);

/*
 * The canonical kernel (system, event) of the CTF event class called @orig. Names with a ':'
 * are "system:event" already (perf, LTTng-UST); with @perf, a name without one (or whose
 * suffix is a perf modifier, as in "cycles:pp") gets system "perf". Other names go through
 * the LTTng table (ctf_names.c); unknown ones get system "lttng" and keep their name.
 * Writes NUL-terminated strings, truncated to the buffer sizes.
 */
void nt_ctf_canonical(const char *orig, bool perf, char *sys, size_t nsys, char *name,
		      size_t nname);

/*
 * Whether a sample field perf writes is left out of the event's columns because the row says
 * it already (both perf routes: the perf.data reader and perf CTF traces): "perf_tid" is the
 * event's pid, "perf_id" the file descriptor perf recorded the class through on that cpu (or
 * thread), a tracepoint's "common_type" the class's own number.
 */
bool nt_ctf_perf_dropped(const char *field);

/*
 * The same table read backwards, for recording with LTTng: calls @fn with each LTTng kernel
 * event name that nt_ctf_canonical() maps to @system:@event (no globs; one name per spelling
 * the table knows, as lttng-modules generations differ; system "lttng" gives @event itself).
 * Stops when @fn returns nonzero and returns that value; else returns how many names.
 */
int nt_ctf_lttng_names(const char *system, const char *event,
		       int (*fn)(const char *lttng, void *arg), void *arg);

/* Whether some LTTng kernel event maps to a system matching the glob @pattern. */
bool nt_ctf_lttng_system(const char *pattern);

#endif
