/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to analyze/: the analyses' side database while they follow an import (analyze.h:
 * nt_analyze_side_open). Their rows go into a database of their own, through a connection of
 * their own on their own thread, not through the importer's: SQLite's inserts of the derived
 * rows were a fifth of the importer's time (docs/PERFORMANCE.md). The side is a file beside the
 * database, unlinked once both connections hold it, and attached to the import's connection
 * as "nt_side" before the import's transaction begins. It has the derived tables with the
 * database's own definitions and indexes, so that SQLite copies their rows whole (its transfer
 * optimization: no row is decoded), and a table tasks(id, comm) for the inserts that read a
 * task's comm (skb_lifecycles, task_allocs). Once the analyses are done, the importer copies
 * the rows into the database in the import's transaction (nt_side_move).
 */
#ifndef NT_SIDE_H
#define NT_SIDE_H

#include <stdint.h>

#include <sqlite3.h>

#include "../core/error.h"

struct nt_side;

/* analysis_notes, the facts each analysis records (nt_actx_note) */
#define NT_ANALYSIS_NOTES_SCHEMA                                                         \
	"CREATE TABLE IF NOT EXISTS analysis_notes(trace_id INTEGER NOT NULL, analysis " \
	"TEXT NOT NULL, key TEXT NOT NULL, value INTEGER)"

/* The analyses' connection to @sd (weak). */
sqlite3 *nt_side_db(struct nt_side *sd);

/* Begin @sd's transaction; copy trace @trace's tasks already stored in @db. -1 on a failure. */
int nt_side_begin(struct nt_side *sd, sqlite3 *db, int64_t trace);

/* Task @id (tasks.id) is @comm (@n bytes). -1 on a failure. */
int nt_side_task(struct nt_side *sd, int64_t id, const char *comm, int n);

/* Commit what the analyses wrote. -1 on a failure. */
int nt_side_commit(struct nt_side *sd);

/*
 * Copy every derived row of @sd into @db's tables, in @db's transaction (the importer, once
 * the analyses' thread has ended). -1 with *err naming the table on a failure.
 */
int nt_side_move(struct nt_side *sd, sqlite3 *db, struct nt_err **err);

#endif
