/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The analyses' side database while they follow an import (side.h): made, attached and
 * unlinked before the import's transaction, filled by the analyses' thread, copied into the
 * database by the importer, detached after the transaction.
 */
#include "analyze.h"
#include "side.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct nt_side {
	sqlite3 *db;	    /* owned: the analyses' connection */
	sqlite3_stmt *task; /* owned: INSERT INTO tasks */
	char *path;	    /* owned: the file's name until unlinked, then NULL */
	bool attached;
};

/* Call @fn(@table, @arg) for each derived table; stop at the first non-zero return. */
static int each_table(int (*fn)(const char *table, void *arg), void *arg)
{
	int rc = fn("analysis_notes", arg);

	for (const struct nt_analysis *const *a = nt_analyses(); *a && !rc; a++)
		for (const char *const *t = (*a)->tables; *t && !rc; t++)
			rc = fn(*t, arg);
	return rc;
}

struct copy {
	struct nt_side *sd;
	sqlite3_stmt *st; /* on the database: the definitions of a table and its indexes */
};

/* Define @table in the side as the database defines it (when it does). */
static int copy_table(const char *table, void *arg)
{
	struct copy *c = arg;
	int rc = 0;

	sqlite3_bind_text(c->st, 1, table, -1, SQLITE_STATIC);
	while (!rc && sqlite3_step(c->st) == SQLITE_ROW)
		rc = sqlite3_exec(c->sd->db, (const char *)sqlite3_column_text(c->st, 0), NULL,
				  NULL, NULL) != SQLITE_OK;
	sqlite3_reset(c->st);
	return rc;
}

/* The derived tables of @db (or of the analyses' schemas, for those @db lacks), and tasks. */
static int make_schema(struct nt_side *sd, sqlite3 *db)
{
	struct copy c = {.sd = sd};
	int rc;

	if (sqlite3_prepare_v2(db,
			       "SELECT sql FROM main.sqlite_master WHERE tbl_name = ? AND type IN "
			       "('table', 'index') AND sql IS NOT NULL ORDER BY type = 'index'",
			       -1, &c.st, NULL) != SQLITE_OK)
		return -1;
	rc = each_table(copy_table, &c);
	sqlite3_finalize(c.st);
	if (rc || sqlite3_exec(sd->db, NT_ANALYSIS_NOTES_SCHEMA, NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	for (const struct nt_analysis *const *a = nt_analyses(); *a; a++)
		if (sqlite3_exec(sd->db, (*a)->schema, NULL, NULL, NULL) != SQLITE_OK)
			return -1;
	if (sqlite3_exec(sd->db, "CREATE TABLE tasks(id INTEGER PRIMARY KEY, comm TEXT)", NULL,
			 NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(sd->db, "INSERT INTO tasks VALUES(?,?)", -1, &sd->task, NULL) !=
		    SQLITE_OK)
		return -1;
	return 0;
}

/* Attach the side to @db as nt_side. */
static int attach(struct nt_side *sd, sqlite3 *db)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, "ATTACH ? AS nt_side", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, sd->path, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	sd->attached = rc == SQLITE_DONE;
	return sd->attached ? 0 : -1;
}

struct nt_side *nt_analyze_side_open(sqlite3 *db, const char *path)
{
	struct nt_side *sd = calloc(1, sizeof(*sd));

	if (!sd)
		return NULL;
	/* "<path>.nettrail-tmp.<pid>...": the store removes such files of a process gone */
	if (asprintf(&sd->path, "%s.nettrail-tmp.%ld-side", path, (long)getpid()) < 0) {
		sd->path = NULL;
		goto fail;
	}
	unlink(sd->path);
	if (sqlite3_open_v2(sd->path, &sd->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK ||
	    /* a scratch file: no journal, no sync; a small cache (rows are appended) */
	    sqlite3_exec(sd->db,
			 "PRAGMA page_size=16384; PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; "
			 "PRAGMA cache_size=-2048; PRAGMA temp_store=MEMORY",
			 NULL, NULL, NULL) != SQLITE_OK ||
	    make_schema(sd, db) || attach(sd, db))
		goto fail;
	unlink(sd->path); /* both connections hold it: nothing is left, whatever happens */
	free(sd->path);
	sd->path = NULL;
	return sd;
fail:
	nt_analyze_side_close(db, sd);
	return NULL;
}

void nt_analyze_side_close(sqlite3 *db, struct nt_side *sd)
{
	if (!sd)
		return;
	if (sd->attached)
		sqlite3_exec(db, "DETACH nt_side", NULL, NULL, NULL);
	sqlite3_finalize(sd->task);
	sqlite3_close_v2(sd->db);
	if (sd->path)
		unlink(sd->path);
	free(sd->path);
	free(sd);
}

sqlite3 *nt_side_db(struct nt_side *sd)
{
	return sd->db;
}

int nt_side_task(struct nt_side *sd, int64_t id, const char *comm, int n)
{
	int rc;

	sqlite3_bind_int64(sd->task, 1, id);
	sqlite3_bind_text(sd->task, 2, comm, n, SQLITE_STATIC);
	rc = sqlite3_step(sd->task);
	sqlite3_reset(sd->task);
	return rc == SQLITE_DONE ? 0 : -1;
}

int nt_side_begin(struct nt_side *sd, sqlite3 *db, int64_t trace)
{
	sqlite3_stmt *st;
	int rc = 0;

	if (sqlite3_exec(sd->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT id, comm FROM main.tasks WHERE trace_id = ?", -1, &st,
			       NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, trace);
	while (!rc && sqlite3_step(st) == SQLITE_ROW)
		rc = nt_side_task(sd, sqlite3_column_int64(st, 0),
				  (const char *)sqlite3_column_text(st, 1),
				  sqlite3_column_bytes(st, 1));
	sqlite3_finalize(st);
	return rc;
}

int nt_side_commit(struct nt_side *sd)
{
	return sqlite3_exec(sd->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

struct move {
	sqlite3 *db;
	struct nt_err **err;
};

/* Copy @table's rows (the same definitions: SQLite copies the records as they are). */
static int move_table(const char *table, void *arg)
{
	struct move *m = arg;
	char sql[256];

	snprintf(sql, sizeof(sql), "INSERT INTO main.%s SELECT * FROM nt_side.%s", table, table);
	if (sqlite3_exec(m->db, sql, NULL, NULL, NULL) == SQLITE_OK)
		return 0;
	return nt_err_set(
		m->err, nt_err_new(NT_E_FAIL, "cannot store %s: %s", table, sqlite3_errmsg(m->db)));
}

int nt_side_move(struct nt_side *sd, sqlite3 *db, struct nt_err **err)
{
	struct move m = {.db = db, .err = err};

	if (!sd->attached)
		return nt_err_set(err,
				  nt_err_new(NT_E_FAIL, "the analyses' side database is gone"));
	return each_table(move_table, &m);
}
