/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The import's connection between the importer and the analyses that follow it (analyze.h:
 * nt_analyze_follow_start). The analyses run on a thread of their own and write their rows
 * into a side database of their own (side.h), but the import's connection belongs to the
 * importer: a connection used from two threads needs a lock around every call, and that was
 * slower than no thread at all (docs/PERFORMANCE.md). So what else the analyses need from it
 * on the way (reading the kernel symbols' sources, preparing a query) runs on the importer
 * between two stretches of events (nt_handoff_call, nt_handoff_serve). At the end of the
 * stream the importer parks (nt_handoff_park) and the analyses take the connection for their
 * ends (nt_handoff_take); it is the importer's again once their thread has ended.
 */
#ifndef NT_HANDOFF_H
#define NT_HANDOFF_H

struct nt_handoff;

/* A new hand-off, the connection the importer's; NULL when out of memory. */
struct nt_handoff *nt_handoff_new(void);
/* Accepts NULL. */
void nt_handoff_free(struct nt_handoff *h);

/* ---- the analyses' side ---- */

/* Run @fn(@arg) on the importer and wait for it: 0, or -1 when stopped (@fn not run). */
int nt_handoff_call(struct nt_handoff *h, void (*fn)(void *arg), void *arg);
/* The stream has ended: wait until the importer has parked; the connection is then the
 * analyses'. -1 when stopped. */
int nt_handoff_take(struct nt_handoff *h);

/* ---- the importer's side ---- */

/* Run the call waiting, if any, without waiting for one. */
void nt_handoff_serve(struct nt_handoff *h);
/* Run calls until the analyses take the connection. */
void nt_handoff_park(struct nt_handoff *h);
/* Stop: every wait of the analyses' side fails from now on. */
void nt_handoff_stop(struct nt_handoff *h);

#endif
