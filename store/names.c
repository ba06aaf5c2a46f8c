/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Table and column names for a trace's classes and fields. SQLite ignores ASCII case in
 * identifiers, traces do not: a name taken by another spelling gets "~2", "~3"... and the
 * mapping is kept in event_classes (system, event) and event_fields.orig_name (docs/SCHEMA.md).
 */
#include "store_int.h"
#include "../analyze/analyze.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct nt_store_cols {
	char **name; /* owned: the table's columns, in table order, then those added */
	char **orig; /* owned: the field each column holds; NULL for the fixed columns */
	bool *used;  /* taken by a field of the definition being mapped */
	unsigned n, cap;
	char *table; /* owned: the table (unquoted) */
};

static const char *const fixed_cols[] = {"trace_id", "common_ts", "common_cpu", "common_pid",
					 "common_task"};

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Does @s start with @prefix (lower case) ignoring ASCII case? */
static bool has_prefix(const char *s, const char *prefix)
{
	for (; *prefix; s++, prefix++)
		if (lower(*s) != *prefix)
			return false;
	return true;
}

/* Do @a and @b name the same SQLite identifier (equal but for ASCII case)? */
static bool same_ident(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (lower(*a) != lower(*b))
			return false;
	return *a == *b;
}

/*
 * Is @name another spelling of a name an analysis reads: a class (@cls NULL) or a field of
 * class @cls? Such a spelling never takes the name, so the analyses always find theirs.
 */
static bool steals_known(const char *cls, const char *name)
{
	for (const struct nt_analysis *const *a = nt_analyses(); *a; a++)
		for (const struct nt_sub *s = (*a)->subs; s->event; s++) {
			if (!cls) {
				if (same_ident(s->event, name) && strcmp(s->event, name))
					return true;
				continue;
			}
			if (strcmp(s->event, cls) || !s->fields)
				continue;
			for (const char *const *f = s->fields; *f; f++)
				if (same_ident(*f, name) && strcmp(*f, name))
					return true;
		}
	return false;
}

/* @base, or "@base~@n" for @n > 1 (caller frees); NULL when out of memory. */
static char *suffixed(const char *base, unsigned n)
{
	char *s;

	if (n <= 1)
		return strdup(base);
	return asprintf(&s, "%s~%u", base, n) < 0 ? NULL : s;
}

/* Is @name taken by a table, view or index, or by a class, in any spelling? -1 on failure. */
static int name_taken(struct nt_store *s, const char *name)
{
	sqlite3_stmt *st;
	int r;

	if (sqlite3_prepare_v2(
		    s->db,
		    "SELECT 1 FROM sqlite_master WHERE name = ?1 COLLATE NOCASE UNION ALL "
		    "SELECT 1 FROM event_classes WHERE name = ?1 COLLATE NOCASE",
		    -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	return r == SQLITE_ROW ? 1 : r == SQLITE_DONE ? 0 : -1;
}

/* A free table name for the new class @name (caller frees); NULL with *err set. */
static char *new_table(struct nt_store *s, const char *name, struct nt_err **err)
{
	for (unsigned n = steals_known(NULL, name) ? 2 : 1; n < 1000000; n++) {
		char *t = suffixed(name, n);
		int r = t ? name_taken(s, t) : -1;

		if (!r)
			return t;
		free(t);
		if (r < 0) {
			nt_err_set(err, t ? nt_store_sqlerr(s, "cannot name an event table")
					  : nt_err_new(NT_E_FAIL, "out of memory"));
			return NULL;
		}
	}
	nt_err_set(err, nt_err_new(NT_E_FAIL, "no free table name for event class '%s'", name));
	return NULL;
}

int nt_store_class_find(struct nt_store *s, const char *sys, size_t ls, const char *ev, size_t le,
			int64_t *cid, char **table, bool *added, struct nt_err **err)
{
	sqlite3_stmt *st;
	char *name = NULL;

	*table = NULL;
	*added = false;
	if (sqlite3_prepare_v2(s->db,
			       "SELECT id, name FROM event_classes WHERE system=? AND event=?", -1,
			       &st, NULL) != SQLITE_OK)
		return nt_err_set(err, nt_store_sqlerr(s, "cannot look up an event class"));
	sqlite3_bind_text(st, 1, sys, (int)ls, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, ev, (int)le, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*cid = sqlite3_column_int64(st, 0);
		*table = strdup((const char *)sqlite3_column_text(st, 1));
		sqlite3_finalize(st);
		return *table ? 0 : nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	}
	sqlite3_finalize(st);
	if (asprintf(&name, "%.*s:%.*s", (int)ls, sys, (int)le, ev) < 0)
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	*table = new_table(s, name, err);
	free(name);
	if (!*table)
		return -1;
	if (sqlite3_prepare_v2(s->db,
			       "INSERT INTO event_classes(name, system, event) VALUES(?,?,?)", -1,
			       &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(st, 1, *table, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, sys, (int)ls, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, ev, (int)le, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		goto fail;
	}
	sqlite3_finalize(st);
	*cid = sqlite3_last_insert_rowid(s->db);
	*added = true;
	return 0;
fail:
	nt_err_set(err, nt_store_sqlerr(s, "cannot add an event class"));
	free(*table);
	*table = NULL;
	return -1;
}

/* Append column @name holding field @orig (NULL: fixed) to @c; takes both. -1: no memory. */
static int cols_add(struct nt_store_cols *c, char *name, char *orig, bool used)
{
	if (c->n == c->cap) {
		unsigned cap = c->cap ? c->cap * 2 : 32;
		char **n = realloc(c->name, cap * sizeof(*n));
		char **o = n ? realloc(c->orig, cap * sizeof(*o)) : NULL;
		bool *u = o ? realloc(c->used, cap * sizeof(*u)) : NULL;

		if (n)
			c->name = n;
		if (o)
			c->orig = o;
		if (!u) {
			free(name);
			free(orig);
			return -1;
		}
		c->used = u;
		c->cap = cap;
	}
	if (!name) {
		free(orig);
		return -1;
	}
	c->name[c->n] = name;
	c->orig[c->n] = orig;
	c->used[c->n++] = used;
	return 0;
}

static int cols_load_table(struct nt_store *s, struct nt_store_cols *c, int64_t cid)
{
	sqlite3_stmt *st;
	int r;

	if (sqlite3_prepare_v2(
		    s->db,
		    "SELECT p.name, f.orig_name FROM pragma_table_info(?1, 'main') p LEFT JOIN "
		    "event_fields f ON f.class_id = ?2 AND f.name = p.name ORDER BY p.cid",
		    -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, c->table, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, cid);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		const char *n = (const char *)sqlite3_column_text(st, 0);
		const char *o = (const char *)sqlite3_column_text(st, 1);
		bool fixed = false;

		for (size_t i = 0; n && i < sizeof(fixed_cols) / sizeof(fixed_cols[0]); i++)
			fixed |= !strcmp(n, fixed_cols[i]);
		if (!n || cols_add(c, strdup(n), o && !fixed ? strdup(o) : NULL, false)) {
			r = SQLITE_NOMEM;
			break;
		}
	}
	sqlite3_finalize(st);
	return r == SQLITE_DONE ? 0 : -1;
}

int nt_store_cols_load(struct nt_store *s, int64_t cid, const char *table, bool fresh,
		       struct nt_store_cols **out, struct nt_err **err)
{
	struct nt_store_cols *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (!c || !(c->table = strdup(table)))
		goto oom;
	if (!fresh && cols_load_table(s, c, cid)) {
		nt_store_cols_free(c);
		return nt_err_set(err,
				  nt_store_sqlerr(s, "cannot read the columns of an event table"));
	}
	if (fresh)
		for (size_t i = 0; i < sizeof(fixed_cols) / sizeof(fixed_cols[0]); i++)
			if (cols_add(c, strdup(fixed_cols[i]), NULL, false))
				goto oom;
	*out = c;
	return 0;
oom:
	nt_store_cols_free(c);
	return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
}

/* Names a field cannot take as they are: the fixed columns and SQLite's names of the rowid. */
static bool reserved(const char *n)
{
	static const char *const names[] = {"trace_id", "rowid", "oid", "_rowid_", ""};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (same_ident(n, names[i]))
			return true;
	return has_prefix(n, "common_");
}

/* Is @name a column of @c, in any spelling? */
static bool cols_has(const struct nt_store_cols *c, const char *name)
{
	for (unsigned i = 0; i < c->n; i++)
		if (same_ident(c->name[i], name))
			return true;
	return false;
}

/* A new column for field @orig: its name, or "field_" + it when reserved, made free. */
static const char *cols_new(struct nt_store_cols *c, char *orig)
{
	char *base = NULL;
	unsigned n;

	if (!orig || asprintf(&base, "%s%s", reserved(orig) ? "field_" : "", orig) < 0) {
		free(orig);
		return NULL;
	}
	/* c->n + 2 candidates cannot all be taken by c->n columns */
	for (n = steals_known(c->table, base) ? 2 : 1; n < c->n + 3; n++) {
		char *t = suffixed(base, n);
		if (!t || !cols_has(c, t)) {
			free(base);
			return cols_add(c, t, orig, true) ? NULL : c->name[c->n - 1];
		}
		free(t);
	}
	free(base);
	free(orig);
	return NULL;
}

const char *nt_store_cols_map(struct nt_store_cols *c, const char *name, size_t len, bool *added)
{
	*added = false;
	len = strnlen(name, len); /* as stored: up to a NUL */
	for (unsigned i = 0; i < c->n; i++) {
		if (c->used[i] || !c->orig[i] || strlen(c->orig[i]) != len ||
		    memcmp(c->orig[i], name, len))
			continue;
		c->used[i] = true;
		return c->name[i];
	}
	*added = true;
	return cols_new(c, strndup(name, len));
}

void nt_store_cols_free(struct nt_store_cols *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < c->n; i++) {
		free(c->name[i]);
		free(c->orig[i]);
	}
	free(c->name);
	free(c->orig);
	free(c->used);
	free(c->table);
	free(c);
}
