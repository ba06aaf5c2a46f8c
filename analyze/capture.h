/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The analyses' writes while they follow an import (analyze.h: nt_analyze_follow_start). The
 * analyses run on a thread of their own, but the import's SQLite connection belongs to the
 * importer (the writer): a connection used from two threads needs a lock around every call,
 * and that was slower than no thread at all (docs/PERFORMANCE.md). So, while capturing, the
 * analyses' INSERT statements (those made by nt_actx_prepare()) do not reach SQLite: their
 * bindings are kept here, each step becomes a row in a block, and the writer runs the rows
 * between two stretches of events (nt_capture_drain). Anything else the analyses need from the
 * connection on the way (preparing a statement, reading the kernel's symbols' sources) runs
 * on the writer too (nt_capture_call). At the end of the stream the writer drains all and
 * parks; the analyses take the connection over for their ends (nt_capture_handover).
 *
 * The analyses call SQLite as usual: this header, included by each analysis (not by the
 * driver), routes the calls on statements through nt_q_*, which pass every call on a
 * statement not captured to SQLite unchanged. Other calls on the connection (a query, a
 * prepare) belong in begin() and end(), which run with the connection in hand; on the way,
 * through the driver (nt_actx_prepare, nt_actx_ksyms).
 */
#ifndef NT_CAPTURE_H
#define NT_CAPTURE_H

#include <stdbool.h>

#include <sqlite3.h>

#include "../core/error.h"

struct nt_capture;

/* A capture, active for this process from now on (one at a time); NULL when out of memory. */
struct nt_capture *nt_capture_start(void);
/* Capture @st's writes from now on (an INSERT); false when it cannot (then it is not). */
bool nt_capture_add(struct nt_capture *c, sqlite3_stmt *st);
/* Is @c capturing (on the analyses' side: before the handover)? */
bool nt_capture_active(const struct nt_capture *c);
/* Free @c and what it still holds; no longer active. Accepts NULL. */
void nt_capture_free(struct nt_capture *c);

/* ---- the analyses' side ---- */

/* Run @fn(@arg) on the writer and wait for it: 0, or -1 when stopped (@fn not run). */
int nt_capture_call(struct nt_capture *c, void (*fn)(void *arg), void *arg);
/*
 * The stream has ended: hand the last rows over, wait until the writer has run them all and
 * parked, then put the kept bindings on the statements and stop capturing: the connection is
 * the analyses' now. -1 when stopped.
 */
int nt_capture_handover(struct nt_capture *c);

/* ---- the writer's side ---- */

/* Run the rows and the call waiting, without waiting for more. -1 with *err on a failure. */
int nt_capture_drain(struct nt_capture *c, struct nt_err **err);
/* Run rows and calls until the analyses hand over, then leave them the connection. */
int nt_capture_park(struct nt_capture *c, struct nt_err **err);
/* Stop: every wait of the analyses' side fails from now on. */
void nt_capture_stop(struct nt_capture *c);

/* ---- SQLite's calls on statements, as the analyses make them ---- */
int nt_q_bind_int(sqlite3_stmt *st, int i, int v);
int nt_q_bind_int64(sqlite3_stmt *st, int i, sqlite3_int64 v);
int nt_q_bind_double(sqlite3_stmt *st, int i, double v);
int nt_q_bind_null(sqlite3_stmt *st, int i);
int nt_q_bind_text(sqlite3_stmt *st, int i, const char *v, int n, void (*del)(void *));
int nt_q_step(sqlite3_stmt *st);
int nt_q_reset(sqlite3_stmt *st);
int nt_q_clear_bindings(sqlite3_stmt *st);

#ifndef NT_CAPTURE_IMPL
#define sqlite3_bind_int       nt_q_bind_int
#define sqlite3_bind_int64     nt_q_bind_int64
#define sqlite3_bind_double    nt_q_bind_double
#define sqlite3_bind_null      nt_q_bind_null
#define sqlite3_bind_text      nt_q_bind_text
#define sqlite3_step	       nt_q_step
#define sqlite3_reset	       nt_q_reset
#define sqlite3_clear_bindings nt_q_clear_bindings
/* not routed: a build error rather than a write behind the importer's back */
#define sqlite3_bind_blob     nt_q_bind_blob_is_not_captured
#define sqlite3_bind_zeroblob nt_q_bind_zeroblob_is_not_captured
#define sqlite3_bind_value    nt_q_bind_value_is_not_captured
#define sqlite3_exec	      nt_q_exec_is_not_captured
#endif

#endif
