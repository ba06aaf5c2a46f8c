/* SPDX-License-Identifier: GPL-2.0 */
/* Private to store/: the store handle. */
#ifndef NT_STORE_INT_H
#define NT_STORE_INT_H

#include "store.h"

struct nt_store {
	sqlite3 *db;
	char *path;	   /* owned: final path */
	char *tmp_path;	   /* owned: temporary path of a new database, or NULL */
	double wait_since; /* when the current wait for another process began */
	double waited;	   /* how long the last wait that gave up lasted (s) */
	bool noticed;	   /* the wait notice was given */
};

/* "<sqlite message>" of the last failure on @s. */
struct nt_err *nt_store_sqlerr(struct nt_store *s, const char *what);

/* Quote @name as an SQL identifier into a new string (caller frees). */
char *nt_sql_ident(const char *name);

#endif
