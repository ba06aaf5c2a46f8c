/* SPDX-License-Identifier: GPL-2.0 */
/* Private to store/: the store handle. */
#ifndef NT_STORE_INT_H
#define NT_STORE_INT_H

#include "store.h"

#include <pthread.h>

struct nt_store {
	sqlite3 *db;
	char *path;	   /* owned: final path */
	char *tmp_path;	   /* owned: temporary path of a new database, or NULL */
	double wait_since; /* when the current wait for another process began */
	double waited;	   /* how long the last wait that gave up lasted (s) */
	bool noticed;	   /* the wait notice was given */
	pthread_t wb;	   /* nt_store_writeback()'s thread, when wb_on */
	bool wb_on;
};

/* "<sqlite message>" of the last failure on @s. */
struct nt_err *nt_store_sqlerr(struct nt_store *s, const char *what);

/* Quote @name as an SQL identifier into a new string (caller frees). */
char *nt_sql_ident(const char *name);

/*
 * The event class @sys:@ev (exact spelling, @ls and @le bytes): its event_classes id and its
 * table (unquoted, caller frees). A new class is added to event_classes (*added; the caller
 * creates the table) under "system:event", or "system:event~N" with the smallest N >= 2 that
 * is free when another spelling holds that name or when the name is one an analysis reads
 * in another spelling (docs/SCHEMA.md). Returns 0 or -1 with *err.
 */
int nt_store_class_find(struct nt_store *s, const char *sys, size_t ls, const char *ev, size_t le,
			int64_t *cid, char **table, bool *added, struct nt_err **err);

/* The columns of an event table, with the field each holds: how a definition maps to them. */
struct nt_store_cols; /* opaque */

/*
 * The columns of class @cid's table @table, read from the database, or only the fixed ones
 * when the table is @fresh (still to create). Free with nt_store_cols_free().
 */
int nt_store_cols_load(struct nt_store *s, int64_t cid, const char *table, bool fresh,
		       struct nt_store_cols **out, struct nt_err **err);

/*
 * The column of the next field named @name (@len bytes) of one class definition: the first
 * column not yet given to a field of this definition that holds a field of exactly that name;
 * else a new column (*added): the name ("field_" + it for trace_id, common_*, rowid, oid,
 * _rowid_ in any case), "~N" added (smallest N >= 2) when another column has it in any case
 * or when an analysis reads that field of the class in another spelling.
 * Returns the name (weak: valid until nt_store_cols_free()), NULL when out of memory.
 */
const char *nt_store_cols_map(struct nt_store_cols *c, const char *name, size_t len, bool *added);

/* Accepts NULL. */
void nt_store_cols_free(struct nt_store_cols *c);

#endif
