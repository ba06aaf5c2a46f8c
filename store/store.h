/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The store: one SQLite file holding many traces. An import is all-or-nothing: each file is
 * imported in its own transaction; a new database is built under a temporary name and renamed
 * into place when closed, so a killed import leaves the old state (or nothing) behind.
 * Schema: docs/SCHEMA.md.
 */
#ifndef NT_STORE_H
#define NT_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

#include "../core/error.h"

#define NT_SCHEMA_VERSION 5

struct nt_store; /* opaque */

/*
 * Waiting for another process writing the same database (an import, 'nettrail analyze', a
 * sqlite3 shell) or creating it (an import into the same new file): the stores wait at most
 * @limit_s seconds each time (-1: as long as it takes, the default; 0: not at all), then fail
 * with "database is locked". Process-wide.
 */
void nt_store_wait_limit(int limit_s);

/*
 * Call @fn with the database's path once per store when a wait has lasted a moment (NULL,
 * the default: say nothing). The CLI prints it on a terminal. Process-wide.
 */
void nt_store_wait_notice(void (*fn)(const char *path));

/*
 * Set SQLite up for this process, before any database is opened: no memory statistics (each
 * allocation took a global lock for them) and no lock per connection call (no connection is
 * shared between threads). About 4 % of an import's CPU (docs/PERFORMANCE.md).
 */
void nt_store_init(void);

/*
 * Open the database at @path. With @create, a missing file is created (under a temporary name
 * until nt_store_close() succeeds); without it, a missing file is an error. When another
 * process is creating the same file, waits for it and opens what it made (as an existing
 * database). Stale temporary files left by killed imports are removed. A database of an older
 * schema version is upgraded in place (unless the file is read-only). Free with
 * nt_store_close().
 */
int nt_store_open(const char *path, bool create, struct nt_store **out, struct nt_err **err);

/*
 * Close the database; for a new one, move it into place. Returns -1 (and leaves nothing at
 * the final path) when that fails. Accepts NULL. With @discard, a new database is deleted.
 */
int nt_store_close(struct nt_store *s, bool discard, struct nt_err **err);

/*
 * A new database's pages written so far start going to disk, on a thread of their own, so
 * that the fsync of nt_store_close() finds less left to write. For when the bulk of the
 * pages is written and the rest of the work is short (the import's end: its analyses' last
 * rows, the COMMIT). Nothing for an existing database: SQLite syncs its commits itself.
 */
void nt_store_writeback(struct nt_store *s);

/* The SQLite handle, for read-only queries (weak). */
sqlite3 *nt_store_db(struct nt_store *s);

struct nt_import_opts {
	const char *format; /* reader name, or NULL to detect */
	bool replace;	    /* replace a trace already imported from the same file */
	bool in_process;    /* run the reader in this process (debugging) */
	bool progress;	    /* show progress on stderr */
	unsigned timeout_s; /* reader watchdog (0: none) */
	bool no_analyze;    /* skip the analyses (analyze/) */
	unsigned file_no;   /* progress: this is file @file_no of @nfiles (0: not shown) */
	unsigned nfiles;
};

struct nt_import_result {
	int64_t trace_id;
	uint64_t events;
	uint64_t lost;	   /* lost events counted */
	bool lost_unknown; /* some losses have no count */
	unsigned warnings;
	const char *format; /* reader used (static) */
};

/*
 * Import the trace at @path as one new trace, in one transaction. On failure nothing of it
 * is stored and *err says why (naming the file).
 */
int nt_store_import(struct nt_store *s, const char *path, const struct nt_import_opts *o,
		    struct nt_import_result *res, struct nt_err **err);

/*
 * A batch imported in parallel: each file is probed, fingerprinted and (with @start) its reader
 * started in a worker process ahead of its turn, while earlier files are still being stored;
 * the store itself still takes the files one at a time, in the order given, so the database
 * is the same as when they are imported one after the other (parse/reader.h: nt_source_open).
 * A failure (unreadable file, unknown format) is kept and returned by nt_store_import_run().
 * Returns NULL when out of memory. Free with nt_store_import_prep_free().
 */
struct nt_import_prep; /* opaque */
struct nt_import_prep *nt_store_import_prep(const char *path, const struct nt_import_opts *o,
					    bool start);

/*
 * Has the reader started ahead for @p sent its whole stream (now held in memory, *@held
 * bytes)? Such a reader no longer runs: the batch may start another in its place.
 */
bool nt_store_import_prep_drained(const struct nt_import_prep *p, size_t *held);

/* Stop its reader if still running, and free @p. Accepts NULL. */
void nt_store_import_prep_free(struct nt_import_prep *p);

/*
 * nt_store_import() of a prepared file (@p NULL: out of memory). The reader started ahead is
 * taken over (and stopped when the import fails). @o must be the options @p was prepared with.
 */
int nt_store_import_run(struct nt_store *s, struct nt_import_prep *p,
			const struct nt_import_opts *o, struct nt_import_result *res,
			struct nt_err **err);

/* Run @sql (no results). Returns 0 or -1 with *err set (context: @what). */
int nt_store_exec(struct nt_store *s, const char *sql, const char *what, struct nt_err **err);

#endif
