/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nettrail export: SQLite rows appended to DuckDB tables (its appender), one trace at a time,
 * written with DuckDB's COPY ... (FORMAT PARQUET) into a Hive-style tree built aside and renamed.
 */
#include "export.h"
#include "../core/sys.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <libgen.h>
#include <signal.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "duck.h"
#include "../core/progress.h"

#ifndef NT_DUCKDB_VERSION
#define NT_DUCKDB_VERSION "1.4.4"
#endif

const char *nt_export_duckdb_default(void)
{
	static char path[4096];
	const char *env = getenv("NETTRAIL_DUCKDB"), *x = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");

	if (env && *env)
		return env;
	if (x && *x)
		snprintf(path, sizeof(path), "%s/nettrail/duckdb/%s/lib/libduckdb.so", x,
			 NT_DUCKDB_VERSION);
	else
		snprintf(path, sizeof(path), "%s/.cache/nettrail/duckdb/%s/lib/libduckdb.so",
			 home && *home ? home : "/tmp", NT_DUCKDB_VERSION);
#ifdef NT_DUCKDB_LIB
	if (access(path, R_OK) && !access(NT_DUCKDB_LIB, R_OK))
		return NT_DUCKDB_LIB;
#endif
	return path;
}

#ifndef NT_HAVE_DUCKDB_H
int nt_export_parquet(sqlite3 *db, const char *dir, const struct nt_export_opts *o,
		      struct nt_export_stats *st, struct nt_err **err)
{
	struct nt_err *e = nt_err_new(NT_E_FAIL, "this nettrail was built without DuckDB's "
						 "header (duckdb.h): it cannot write Parquet");

	(void)db, (void)dir, (void)o, (void)st;
	nt_err_hint(e, "run tools/fetch-duckdb.sh, then build again (cmake -S . -B build)");
	return nt_err_set(err, e);
}
#else

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

/* Remove the tree at @dir (our temporary directory). */
static void rm_tree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Remove DIR.nettrail-tmp.PID trees left by killed exports (their PID is gone). */
static void rm_stale(const char *dir)
{
	char *a = strdup(dir), *b = strdup(dir), prefix[4200], path[8400];
	const char *parent, *base;
	struct dirent *e;
	DIR *d;

	if (!a || !b)
		goto out;
	parent = dirname(a);
	base = basename(b);
	snprintf(prefix, sizeof(prefix), "%s.nettrail-tmp.", base);
	d = opendir(parent);
	while (d && (e = readdir(d))) {
		char *end;
		long pid;
		if (strncmp(e->d_name, prefix, strlen(prefix)))
			continue;
		pid = strtol(e->d_name + strlen(prefix), &end, 10);
		if (*end || pid <= 0 || !(kill((pid_t)pid, 0) && errno == ESRCH))
			continue;
		snprintf(path, sizeof(path), "%s/%s", parent, e->d_name);
		rm_tree(path);
	}
	if (d)
		closedir(d);
out:
	free(a);
	free(b);
}

/* The analysis tables and per-trace metadata, all with a trace_id column. */
static const char *const derived[] = {
	"skb_lifecycles", "skb_hops",	       "skb_latency", "skb_drops",
	"irq_intervals",  "softirq_intervals", "irq_stats",   "napi_polls",
	"napi_stats",	  "napi_work",	       "alloc_sites", "alloc_site_detail",
	"alloc_caches",	  "page_allocs",       "func_stats",  "func_paths",
	"func_profile",	  "prof_funcs",	       "prof_paths",  "analysis_notes",
	"task_allocs",	  "workload_tasks",    "alloc_tasks", "func_tasks",
	"prof_tasks",	  "skb_irq_xmits",     "trace_meta",  "trace_cpus",
	"lost_windows",	  "warnings",	       NULL};

struct cols {
	int n;
	char *names[512]; /* owned */
	char *types[512]; /* owned */
	int trace_col;	  /* index of trace_id, or -1 */
};

struct ctx {
	struct nt_duck dk;
	duckdb_database ddb;
	duckdb_connection con;
	sqlite3 *db;
	char *tmp;    /* owned: the tree being built */
	int64_t *ids; /* owned: the traces exported */
	int nids;
	struct nt_export_stats *st;
};

static int dq(struct ctx *c, const char *sql, struct nt_err **err)
{
	duckdb_result res;
	int r = 0;

	if (c->dk.query(c->con, sql, &res) == DuckDBError) {
		const char *m = c->dk.result_error(&res);
		r = nt_err_set(err, nt_err_new(NT_E_FAIL, "DuckDB refused '%.60s': %s", sql,
					       m ? m : "unknown error"));
	}
	c->dk.destroy_result(&res);
	return r;
}

static void cols_release(struct cols *k)
{
	for (int i = 0; i < k->n; i++) {
		free(k->names[i]);
		free(k->types[i]);
	}
	k->n = 0;
}

/* SQLite's declared type to DuckDB's, by SQLite's affinity rules. */
static const char *duck_type(const char *decl)
{
	char u[64];
	size_t i;

	for (i = 0; decl && decl[i] && i < sizeof(u) - 1; i++)
		u[i] = (char)(decl[i] >= 'a' && decl[i] <= 'z' ? decl[i] - 32 : decl[i]);
	u[i] = '\0';
	if (strstr(u, "INT"))
		return "BIGINT";
	if (strstr(u, "REAL") || strstr(u, "FLOA") || strstr(u, "DOUB"))
		return "DOUBLE";
	if (strstr(u, "BLOB"))
		return "BLOB";
	return "VARCHAR";
}

/* The columns of @table (none if it does not exist). */
static int cols_load(sqlite3 *db, const char *table, struct cols *k, struct nt_err **err)
{
	sqlite3_stmt *q;
	char *sql = sqlite3_mprintf("PRAGMA table_info(\"%w\")", table);
	int rc;

	k->n = 0;
	k->trace_col = -1;
	rc = sql ? sqlite3_prepare_v2(db, sql, -1, &q, NULL) : SQLITE_NOMEM;
	sqlite3_free(sql);
	if (rc != SQLITE_OK)
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "cannot read the columns of '%s': %s",
						  table, sqlite3_errmsg(db)));
	while (sqlite3_step(q) == SQLITE_ROW && k->n < 512) {
		const char *name = (const char *)sqlite3_column_text(q, 1);
		if (!strcmp(name, "trace_id"))
			k->trace_col = k->n;
		k->names[k->n] = strdup(name);
		k->types[k->n] = strdup(duck_type((const char *)sqlite3_column_text(q, 2)));
		k->n++;
	}
	sqlite3_finalize(q);
	return 0;
}

/* @s as a double-quoted SQL identifier appended to @buf (SQLite and DuckDB agree). */
static void ident(char *buf, size_t n, const char *s)
{
	size_t at = strlen(buf);

	if (at < n - 1)
		buf[at++] = '"';
	for (; *s && at < n - 3; s++) {
		if (*s == '"')
			buf[at++] = '"';
		buf[at++] = *s;
	}
	buf[at++] = '"';
	buf[at] = '\0';
}

/* CREATE OR REPLACE TABLE t (columns but @skip) in DuckDB. */
static int duck_table(struct ctx *c, const struct cols *k, int skip, struct nt_err **err)
{
	char sql[65536] = "CREATE OR REPLACE TABLE t(";

	for (int i = 0; i < k->n; i++) {
		if (i == skip)
			continue;
		ident(sql, sizeof(sql) - 64, k->names[i]);
		strcat(sql, " ");
		strcat(sql, k->types[i]);
		strcat(sql, ",");
	}
	sql[strlen(sql) - 1] = ')';
	return dq(c, sql, err);
}

/* SELECT the columns but @skip FROM @table WHERE @where. Caller finalizes. */
static int select_rows(struct ctx *c, const char *table, const struct cols *k, int skip,
		       const char *where, sqlite3_stmt **q, struct nt_err **err)
{
	char sql[65536] = "SELECT ";

	for (int i = 0; i < k->n; i++) {
		if (i == skip)
			continue;
		ident(sql, sizeof(sql) - 4200, k->names[i]);
		strcat(sql, ",");
	}
	sql[strlen(sql) - 1] = ' ';
	strcat(sql, "FROM ");
	ident(sql, sizeof(sql) - 4100, table);
	snprintf(sql + strlen(sql), sizeof(sql) - strlen(sql), " WHERE %s", where);
	if (sqlite3_prepare_v2(c->db, sql, -1, q, NULL) != SQLITE_OK)
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "cannot read table '%s': %s", table,
						  sqlite3_errmsg(c->db)));
	return 0;
}

/* Length of the valid UTF-8 sequence at @s (max @n bytes), or 0 if it is not valid. */
static int utf8_seq(const unsigned char *s, int n)
{
	int len = s[0] < 0x80	? 1
		  : s[0] < 0xc2 ? 0
		  : s[0] < 0xe0 ? 2
		  : s[0] < 0xf0 ? 3
		  : s[0] < 0xf5 ? 4
				: 0;

	if (!len || len > n)
		return 0;
	for (int i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
		return 0;
	return len;
}

/* Append text @s: Parquet strings are UTF-8, so each invalid byte becomes U+FFFD. */
static duckdb_state append_text(struct ctx *c, duckdb_appender ap, const unsigned char *s, int n)
{
	char *fixed;
	int at = 0, i = 0, len;
	duckdb_state r;

	while (i < n && (len = utf8_seq(s + i, n - i)) > 0)
		i += len;
	if (i == n)
		return c->dk.append_varchar_length(ap, (const char *)s, (idx_t)n);
	fixed = malloc((size_t)n * 3 + 1);
	if (!fixed)
		return DuckDBError;
	for (i = 0; i < n; i += len) {
		len = utf8_seq(s + i, n - i);
		if (len) {
			memcpy(fixed + at, s + i, (size_t)len);
			at += len;
		} else {
			memcpy(fixed + at, "\xef\xbf\xbd", 3);
			at += 3;
			len = 1;
		}
	}
	r = c->dk.append_varchar_length(ap, fixed, (idx_t)at);
	free(fixed);
	return r;
}

static duckdb_state append_value(struct ctx *c, duckdb_appender ap, sqlite3_stmt *q, int i)
{
	switch (sqlite3_column_type(q, i)) {
	case SQLITE_INTEGER:
		return c->dk.append_int64(ap, sqlite3_column_int64(q, i));
	case SQLITE_FLOAT:
		return c->dk.append_double(ap, sqlite3_column_double(q, i));
	case SQLITE_TEXT:
		return append_text(c, ap, sqlite3_column_text(q, i), sqlite3_column_bytes(q, i));
	case SQLITE_BLOB:
		return c->dk.append_blob(ap, sqlite3_column_blob(q, i),
					 (idx_t)sqlite3_column_bytes(q, i));
	default:
		return c->dk.append_null(ap);
	}
}

/* The appender's error message into @buf; returns @buf. */
static const char *ap_error(struct ctx *c, duckdb_appender ap, char *buf, size_t n)
{
	duckdb_error_data e = c->dk.appender_error_data(ap);
	const char *m = e ? c->dk.error_data_message(e) : NULL;

	snprintf(buf, n, "%s", m ? m : "unknown error");
	if (e)
		c->dk.destroy_error_data(&e);
	return buf;
}

/* Step @q to its end, appending every row to DuckDB's t. *@rows gets the count. */
static int append_rows(struct ctx *c, const char *table, sqlite3_stmt *q, int64_t *rows,
		       struct nt_err **err)
{
	duckdb_appender ap;
	const char *m = NULL;
	char buf[512];
	int rc, ncol = sqlite3_column_count(q);

	*rows = 0;
	if (c->dk.appender_create(c->con, NULL, "t", &ap) == DuckDBError) {
		c->dk.appender_destroy(&ap);
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "DuckDB refused an appender"));
	}
	while (!m && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		for (int i = 0; i < ncol && !m; i++)
			if (append_value(c, ap, q, i) == DuckDBError)
				m = ap_error(c, ap, buf, sizeof(buf));
		if (!m && c->dk.appender_end_row(ap) == DuckDBError)
			m = ap_error(c, ap, buf, sizeof(buf));
		if (!(++*rows & 0xffff) && nt_interrupted)
			break;
	}
	if (!m && rc != SQLITE_DONE && rc != SQLITE_ROW)
		m = sqlite3_errmsg(c->db);
	if (!m && c->dk.appender_flush(ap) == DuckDBError)
		m = ap_error(c, ap, buf, sizeof(buf));
	if (m)
		nt_err_set(err, nt_err_new(NT_E_FAIL, "cannot copy a row of '%s': %s", table, m));
	c->dk.appender_destroy(&ap);
	if (!m && nt_interrupted)
		return nt_err_set(err, nt_err_new(NT_E_INTR, "interrupted"));
	return m ? -1 : 0;
}

/* mkdir -p @path (under our temporary tree). */
static int mkdirs(char *path, struct nt_err **err)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) && errno != EEXIST) {
			*p = '/';
			return nt_err_set(
				err, nt_err_errno(NT_E_FAIL, errno, "cannot create '%s'", path));
		}
		*p = '/';
	}
	if (mkdir(path, 0755) && errno != EEXIST)
		return nt_err_set(err, nt_err_errno(NT_E_FAIL, errno, "cannot create '%s'", path));
	return 0;
}

/* COPY DuckDB's t to @rel/data.parquet in the tree. */
static int copy_out(struct ctx *c, const char *rel, struct nt_err **err)
{
	char dir[4600], sql[9400];
	size_t at;

	snprintf(dir, sizeof(dir), "%s/%s", c->tmp, rel);
	if (mkdirs(dir, err))
		return -1;
	at = (size_t)snprintf(sql, sizeof(sql), "COPY t TO '");
	for (const char *p = dir; *p && at < sizeof(sql) - 64; p++) {
		if (*p == '\'')
			sql[at++] = '\'';
		sql[at++] = *p;
	}
	snprintf(sql + at, sizeof(sql) - at, "/data.parquet' (FORMAT PARQUET)");
	if (dq(c, sql, err))
		return -1;
	c->st->files++;
	return 0;
}

/* The rowid range of @table's rows of trace @id (event tables): "0" if it has none. */
static void event_where(struct ctx *c, const char *table, int64_t id, char *where, size_t n)
{
	sqlite3_stmt *q;

	snprintf(where, n, "0");
	if (sqlite3_prepare_v2(c->db,
			       "SELECT first_rowid, last_rowid FROM trace_classes tc JOIN "
			       "event_classes c ON c.id = tc.class_id WHERE c.name = ? AND "
			       "tc.trace_id = ?",
			       -1, &q, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(q, 1, table, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, id);
	if (sqlite3_step(q) == SQLITE_ROW)
		snprintf(where, n, "rowid BETWEEN %lld AND %lld AND trace_id = %lld",
			 (long long)sqlite3_column_int64(q, 0),
			 (long long)sqlite3_column_int64(q, 1), (long long)id);
	sqlite3_finalize(q);
}

/* One trace's rows of @table into @out/trace_id=ID/ (nothing when it has none). */
static int export_part(struct ctx *c, const char *table, const char *out, const struct cols *k,
		       int64_t id, bool event, int64_t *total, struct nt_err **err)
{
	char where[160], rel[4200];
	sqlite3_stmt *q;
	int64_t rows;
	int r;

	if (event)
		event_where(c, table, id, where, sizeof(where));
	else
		snprintf(where, sizeof(where), "trace_id = %lld", (long long)id);
	if (duck_table(c, k, k->trace_col, err) ||
	    select_rows(c, table, k, k->trace_col, where, &q, err))
		return -1;
	r = append_rows(c, table, q, &rows, err);
	sqlite3_finalize(q);
	if (r || !rows)
		return r;
	snprintf(rel, sizeof(rel), "%s/trace_id=%lld", out, (long long)id);
	if (copy_out(c, rel, err))
		return -1;
	*total += rows;
	return 0;
}

/* @table (with a trace_id column) into @out/trace_id=N/data.parquet for each trace. */
static int export_table(struct ctx *c, const char *table, const char *out, bool event,
			struct nt_err **err)
{
	struct cols k;
	int64_t total = 0;
	int r = 0;

	if (cols_load(c->db, table, &k, err))
		return -1;
	if (k.n && k.trace_col < 0) {
		cols_release(&k);
		return 0; /* not per trace: not ours */
	}
	for (int i = 0; i < c->nids && k.n && !r; i++) {
		if (nt_interrupted)
			r = nt_err_set(err, nt_err_new(NT_E_INTR, "interrupted"));
		else
			r = export_part(c, table, out, &k, c->ids[i], event, &total, err);
	}
	cols_release(&k);
	if (r) {
		if (*err && nt_err_kind(*err) != NT_E_INTR)
			*err = nt_err_wrap(*err, "exporting '%s'", table);
		return -1;
	}
	if (total) {
		c->st->tables++;
		c->st->rows += total;
	} else {
		c->st->empty++;
	}
	return 0;
}

/* The traces table (run metadata), one file: traces/data.parquet. */
static int export_traces(struct ctx *c, struct nt_err **err)
{
	struct cols k;
	int64_t rows, total = 0;
	int r;

	if (cols_load(c->db, "traces", &k, err))
		return -1;
	r = duck_table(c, &k, -1, err);
	for (int i = 0; i < c->nids && !r; i++) {
		char where[64];
		sqlite3_stmt *q;

		snprintf(where, sizeof(where), "id = %lld", (long long)c->ids[i]);
		r = select_rows(c, "traces", &k, -1, where, &q, err);
		if (!r) {
			r = append_rows(c, "traces", q, &rows, err);
			sqlite3_finalize(q);
			total += rows;
		}
	}
	cols_release(&k);
	if (!r)
		r = copy_out(c, "traces", err);
	if (!r) {
		c->st->tables++;
		c->st->rows += total;
	}
	return r;
}

/* A directory name for event class @name (system:event -> system.event; other bytes '_'). */
static void event_dir(const char *name, char *out, size_t n)
{
	size_t at = (size_t)snprintf(out, n, "events/");

	for (const char *p = name; *p && at < n - 1; p++, at++) {
		char ch = *p == ':' ? '.' : *p;
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			  (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || ch == '.';
		/* Spark and Hive skip names that start with '.' or '_' */
		out[at] = !ok ? '_' : at == 7 && (ch == '.' || ch == '_') ? 'x' : ch;
	}
	out[at] = '\0';
}

/* Every event class table (with --events), and tasks. */
static int export_events(struct ctx *c, struct nt_err **err)
{
	sqlite3_stmt *q;
	int r = export_table(c, "tasks", "tasks", false, err);

	if (r || sqlite3_prepare_v2(c->db, "SELECT name FROM event_classes ORDER BY name", -1, &q,
				    NULL) != SQLITE_OK)
		return r ? r
			 : nt_err_set(err, nt_err_new(NT_E_FAIL, "cannot list event classes: %s",
						      sqlite3_errmsg(c->db)));
	while (!r && sqlite3_step(q) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(q, 0);
		char dir[4200];

		event_dir(name, dir, sizeof(dir));
		r = export_table(c, name, dir, true, err);
	}
	sqlite3_finalize(q);
	return r;
}

/* The traces to export: all, or @o's list (each must exist). */
static int trace_ids(struct ctx *c, const struct nt_export_opts *o, struct nt_err **err)
{
	sqlite3_stmt *q;
	int n = 0, cap = 16;

	if (sqlite3_prepare_v2(c->db, "SELECT id FROM traces ORDER BY id", -1, &q, NULL))
		return nt_err_set(err, nt_err_new(NT_E_INPUT, "cannot list the traces: %s",
						  sqlite3_errmsg(c->db)));
	c->ids = malloc(sizeof(int64_t) * (size_t)cap);
	while (c->ids && sqlite3_step(q) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(q, 0);
		bool want = !o->traces;
		for (int i = 0; o->traces && i < o->ntraces; i++)
			want |= o->traces[i] == id;
		if (want && n == cap)
			c->ids = realloc(c->ids, sizeof(int64_t) * (size_t)(cap *= 2));
		if (want && c->ids)
			c->ids[n++] = id;
	}
	sqlite3_finalize(q);
	c->nids = n;
	if (!c->ids)
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	for (int i = 0; o->traces && i < o->ntraces; i++) {
		bool found = false;
		for (int j = 0; j < n; j++)
			found |= c->ids[j] == o->traces[i];
		if (!found)
			return nt_err_set(err,
					  nt_err_new(NT_E_USAGE,
						     "no trace %lld in the database; 'nettrail "
						     "info DB' lists them",
						     (long long)o->traces[i]));
	}
	return 0;
}

static int duck_open(struct ctx *c, const char *lib, struct nt_err **err)
{
	if (nt_duck_load(&c->dk, lib, err))
		return -1;
	snprintf(c->st->version, sizeof(c->st->version), "%s", c->dk.library_version());
	if (c->dk.open(NULL, &c->ddb) == DuckDBError) {
		c->ddb = NULL;
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "DuckDB cannot open a database"));
	}
	if (c->dk.connect(c->ddb, &c->con) == DuckDBError) {
		c->con = NULL;
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "DuckDB cannot connect"));
	}
	/* Parquet is built in; nothing may be downloaded */
	return dq(c,
		  "SET autoinstall_known_extensions = false; "
		  "SET autoload_known_extensions = false; SET threads = 2",
		  err);
}

static void duck_close(struct ctx *c)
{
	if (c->con)
		c->dk.disconnect(&c->con);
	if (c->ddb)
		c->dk.close(&c->ddb);
	nt_duck_unload(&c->dk);
}

static int export_all(struct ctx *c, const struct nt_export_opts *o, struct nt_err **err)
{
	int total = 25 + (o->events ? 1 : 0), done = 0, r;

	r = export_traces(c, err);
	for (int i = 0; !r && derived[i]; i++) {
		nt_progress("exporting", (uint64_t)++done, (uint64_t)total, 0);
		r = export_table(c, derived[i], derived[i], false, err);
	}
	if (!r && o->events)
		r = export_events(c, err);
	nt_progress("exporting", (uint64_t)total, (uint64_t)total, 1);
	return r;
}

int nt_export_parquet(sqlite3 *db, const char *dir, const struct nt_export_opts *o,
		      struct nt_export_stats *st, struct nt_err **err)
{
	struct ctx c = {.db = db, .st = st};
	struct stat sb;
	int r = -1;

	memset(st, 0, sizeof(*st));
	if (!lstat(dir, &sb))
		return nt_err_set(err, nt_err_new(NT_E_USAGE,
						  "'%s' already exists; export writes a new "
						  "directory (remove it or choose another name)",
						  dir));
	rm_stale(dir);
	if (trace_ids(&c, o, err) ||
	    duck_open(&c, o->duckdb_lib ? o->duckdb_lib : nt_export_duckdb_default(), err))
		goto out;
	if (asprintf(&c.tmp, "%s.nettrail-tmp.%d", dir, (int)getpid()) < 0) {
		c.tmp = NULL;
		nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
		goto out;
	}
	if (mkdir(c.tmp, 0755)) {
		nt_err_set(err, nt_err_errno(NT_E_FAIL, errno, "cannot create '%s'", c.tmp));
		free(c.tmp);
		c.tmp = NULL;
		goto out;
	}
	r = export_all(&c, o, err);
	if (!r && rename(c.tmp, dir))
		r = nt_err_set(err, nt_err_errno(NT_E_FAIL, errno, "cannot rename '%s' to '%s'",
						 c.tmp, dir));
	if (r)
		rm_tree(c.tmp);
out:
	duck_close(&c);
	free(c.tmp);
	free(c.ids);
	return r;
}
#endif
