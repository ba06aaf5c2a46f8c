/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Analyses are visitors. Each declares the event classes it handles (and the fields it reads);
 * the driver streams one trace's events in the trace's own order (rowid order across all class
 * tables) to every subscriber, then lets each analysis write its derived tables. The events
 * come from the database, or during an import from its spool (spool.h), on a thread of their
 * own (nt_analyze_follow_start below). Memory follows the analyses' live state, not the
 * trace's length.
 */
#ifndef NT_ANALYZE_H
#define NT_ANALYZE_H

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

#include "../core/error.h"

struct nt_spool_val;

/*
 * One event as a handler sees it (weak: valid during the call): a row of the tables, or a
 * record of the import's spool (spool.h). The accessors below give the same values either way.
 */
struct nt_ev {
	int64_t rowid, ts, task; /* task: tasks.id, 0 if unknown */
	int cpu, pid;
	const char *cls;	   /* canonical class name (one pointer per class) */
	int64_t cls_id;		   /* its event_classes.id */
	sqlite3_stmt *st;	   /* the row, or NULL: */
	struct nt_spool_val *vals; /* the spooled record's values */
	const int *slot; /* column (value) of each subscribed field, -1 when the trace lacks it */
};

/* Field @f (index in the subscription's field list) is present and not NULL. */
bool nt_ev_has(const struct nt_ev *e, int f);
/* Integer value of field @f (0 when missing or NULL), converted as SQLite converts. */
int64_t nt_ev_int(const struct nt_ev *e, int f);
/* Text value of field @f, or NULL when missing or NULL (weak), converted as SQLite does. */
const char *nt_ev_text(const struct nt_ev *e, int f);
/* SQLite's type of field @f: SQLITE_INTEGER, _FLOAT, _TEXT, _BLOB, _NULL (also when missing). */
int nt_ev_type(const struct nt_ev *e, int f);
/* Field @f's bytes as a blob, their number in *@n (weak; NULL and 0 when missing or NULL). */
const void *nt_ev_blob(const struct nt_ev *e, int f, int *n);

struct nt_sub {
	const char *event;	   /* canonical class, e.g. "irq:irq_handler_entry" */
	const char *const *fields; /* the fields the handler reads, NULL-terminated */
	int (*fn)(void *ctx, const struct nt_ev *e);
};

struct nt_actx; /* opaque: what the driver offers an analysis */

sqlite3 *nt_actx_db(struct nt_actx *ax);
int64_t nt_actx_trace(struct nt_actx *ax);
/* Were events lost on @cpu (or on an unknown cpu) between @from and @to? */
bool nt_actx_lossy(struct nt_actx *ax, int cpu, int64_t from, int64_t to);
/*
 * Does the trace have events of class @cls? Exact when the analyses read a stored trace; while
 * they follow an import (nt_analyze_follow_start), what the stream showed so far: the driver checks
 * the answer at the end and runs the analyses again if it was wrong.
 */
bool nt_actx_has_events(struct nt_actx *ax, const char *cls);
struct nt_ksyms;
/* nt_ksyms_load_for_trace() for this trace (checked at the end as above when following). */
int nt_actx_ksyms(struct nt_actx *ax, struct nt_ksyms *k);
/* Record a fact about the analysis' run (unmatched events, ...) in analysis_notes. */
void nt_actx_note(struct nt_actx *ax, const char *analysis, const char *key, int64_t value);
/*
 * Prepare @sql on the database; on failure set *err (naming @what) and return NULL. While the
 * analyses follow an import, an INSERT is prepared on their side database (side.h), where the
 * only other table is tasks(id, comm): it may read a task's comm, nothing else.
 */
sqlite3_stmt *nt_actx_prepare(struct nt_actx *ax, const char *sql, struct nt_err **err);
/* Run the INSERT @st once and reset it, its bindings kept; on failure set *err naming @table
 * and SQLite's cause ("database or disk is full" stays in the chain). */
int nt_actx_put(struct nt_actx *ax, sqlite3_stmt *st, const char *table, struct nt_err **err);

struct nt_analysis {
	const char *name;   /* "irq" */
	const char *help;   /* one line */
	const char *schema; /* CREATE TABLE IF NOT EXISTS ... (each derived table has trace_id) */
	const char *const *tables; /* the derived tables, NULL-terminated */
	const struct nt_sub *subs; /* terminated by an entry with event NULL */
	/* Per trace: set up *ctx. */
	int (*begin)(struct nt_actx *ax, void **ctx, struct nt_err **err);
	/* After the last event: write what is left. */
	int (*end)(void *ctx, struct nt_actx *ax, struct nt_err **err);
	void (*free)(void *ctx);
};

/* All analyses, NULL-terminated. */
const struct nt_analysis *const *nt_analyses(void);

/*
 * Run every analysis over trace @trace_id in @db, replacing the derived rows of that trace.
 * Runs inside the caller's transaction. Returns 0 or -1 with *err set.
 */
int nt_analyze_trace(sqlite3 *db, int64_t trace_id, struct nt_err **err);

struct nt_spool;
/*
 * The same, reading the events from the spool the import of the trace wrote (spool.h) instead
 * of the tables, when the spool is usable; else from the tables.
 */
int nt_analyze_trace_spool(sqlite3 *db, int64_t trace_id, struct nt_spool *sp, struct nt_err **err);

/*
 * The analyses following an import. Before the import's transaction begins,
 * nt_analyze_side_open() makes their side database beside the database file @path (side.h)
 * and attaches it to @db; nt_analyze_follow_start(), once the trace's row exists and its spool
 * is open (in the import's transaction), starts them: they read the spool on a thread of their
 * own while the importer stores the events, and write their rows into the side database
 * through their own connection. What they need from @db on the way runs on the importer between
 * two stretches of events (nt_analyze_follow_serve; handoff.h says how). Facts only the end of
 * the stream tells are taken as the stream shows them so far: no events lost (lost_windows),
 * nt_actx_has_events(), nt_actx_ksyms(). nt_analyze_follow_end(), called once the importer has
 * stored the whole trace (its summary, cpus and class counts), lets the analyses finish with
 * @db in hand, checks those facts and copies their rows into @db; when a fact was wrong, it
 * runs the analyses again the usual way instead (nt_analyze_trace_spool). With @ok false it
 * stops them and frees what they held. The derived rows are those of nt_analyze_trace_spool()
 * either way. nt_analyze_side_close() detaches and closes the side after the transaction.
 */
struct nt_side;
/* NULL when it cannot be made (the analyses then run after the import, as before). */
struct nt_side *nt_analyze_side_open(sqlite3 *db, const char *path);
/* Accepts NULL. */
void nt_analyze_side_close(sqlite3 *db, struct nt_side *sd);

struct nt_follow;
/* NULL with *err set on a failure; NULL without it when the analyses cannot follow. */
struct nt_follow *nt_analyze_follow_start(sqlite3 *db, int64_t trace_id, struct nt_spool *sp,
					  struct nt_side *sd, struct nt_err **err);
/* The importer, between two stretches of events: run what the analyses wait for. */
void nt_analyze_follow_serve(struct nt_follow *f);
int nt_analyze_follow_end(struct nt_follow *f, bool ok, struct nt_err **err);

/* Streaming statistics (Welford): count, min, max, mean, sample standard deviation. */
struct nt_stat {
	int64_t n;
	double min, max, mean, m2;
};
void nt_stat_add(struct nt_stat *s, double x);
/* Sample standard deviation (n - 1); 0 with fewer than two samples. */
double nt_stat_stdev(const struct nt_stat *s);

/*
 * The skb analysis' hops (schema 5): skb_hop_lists holds one row per lifecycle, its hops as a
 * JSON array in event order, each hop an array [rowid - rowid0, class id, stage number,
 * ts - ts0, cpu, pid, device, len] (the class's id in event_classes, the stage's in
 * skb_stages; device and len null when the event has none). The view skb_hops shows one row
 * per hop with names, as the table of that name did before schema 4 (store/ upgrades older
 * databases into this). A row per lifecycle instead of one per hop: the hop rows were the
 * largest derived table and most of the analyses' inserts (docs/PERFORMANCE.md). CROSS JOIN
 * fixes the plan (SQLite keeps the left table outermost): the lists in their order, each one's
 * hops in event order, classes and stages looked up by key.
 */
#define NT_SKB_HOPS_SCHEMA NT_SKB_HOPS_SCHEMA_LISTS NT_SKB_HOPS_SCHEMA_VIEW
#define NT_SKB_HOPS_SCHEMA_LISTS                                                              \
	"CREATE TABLE IF NOT EXISTS skb_hop_lists(trace_id INTEGER NOT NULL, skb_id INTEGER " \
	"NOT NULL, rowid0 INTEGER NOT NULL, ts0 INTEGER NOT NULL, hops TEXT NOT NULL);"       \
	"CREATE TABLE IF NOT EXISTS skb_stages(id INTEGER PRIMARY KEY, name TEXT NOT NULL);"  \
	"INSERT OR IGNORE INTO skb_stages VALUES(0, 'alloc'), (1, 'queue'), (2, 'xmit'), "    \
	"(3, 'receive'), (4, 'copy'), (5, 'free'), (6, 'other');"
#define NT_SKB_HOPS_SCHEMA_VIEW                                                                   \
	"CREATE VIEW IF NOT EXISTS skb_hops AS SELECT h.trace_id, h.skb_id, h.rowid0 + "          \
	"json_extract(j.value, '$[0]') AS event_rowid, c.name AS event, s.name AS stage, h.ts0 "  \
	"+ json_extract(j.value, '$[3]') AS ts, json_extract(j.value, '$[4]') AS cpu, "           \
	"json_extract(j.value, '$[5]') AS pid, json_extract(j.value, '$[6]') AS device, "         \
	"json_extract(j.value, '$[7]') AS len FROM skb_hop_lists h CROSS JOIN json_each(h.hops) " \
	"j CROSS JOIN event_classes c CROSS JOIN skb_stages s WHERE c.id = "                      \
	"json_extract(j.value, '$[1]') AND s.id = json_extract(j.value, '$[2]');"

#endif
