/* SPDX-License-Identifier: GPL-2.0 */
/* Opening, creating and closing the database; the fixed part of the schema. */
#include "store_int.h"
#include "../analyze/analyze.h"
#include "../analyze/flow.h"
#include "../core/sys.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char schema_sql[] =
	"CREATE TABLE traces(\n"
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  path TEXT NOT NULL,\n"
	"  fingerprint TEXT NOT NULL,\n"
	"  format TEXT NOT NULL,\n"
	"  kernel TEXT, hostname TEXT, arch TEXT,\n"
	"  ncpus INTEGER, clock TEXT,\n"
	"  first_ts INTEGER, last_ts INTEGER,\n"
	"  events INTEGER NOT NULL DEFAULT 0,\n"
	"  lost_events INTEGER NOT NULL DEFAULT 0,\n"
	"  lost_unknown INTEGER NOT NULL DEFAULT 0,\n"
	"  warnings INTEGER NOT NULL DEFAULT 0,\n"
	"  imported_at TEXT NOT NULL);\n"
	"CREATE INDEX traces_fingerprint ON traces(fingerprint);\n"
	"CREATE TABLE trace_meta(trace_id INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT "
	"NULL,\n"
	"  PRIMARY KEY(trace_id, key, value)) WITHOUT ROWID;\n"
	"CREATE TABLE trace_cpus(trace_id INTEGER NOT NULL, cpu INTEGER NOT NULL,\n"
	"  events INTEGER NOT NULL DEFAULT 0, lost_events INTEGER NOT NULL DEFAULT 0,\n"
	"  first_ts INTEGER, last_ts INTEGER, PRIMARY KEY(trace_id, cpu)) WITHOUT ROWID;\n"
	"CREATE TABLE lost_windows(trace_id INTEGER NOT NULL, cpu INTEGER NOT NULL,\n"
	"  ts_from INTEGER, ts_to INTEGER, count INTEGER);\n"
	"CREATE TABLE warnings(trace_id INTEGER NOT NULL, message TEXT NOT NULL);\n"
	"CREATE TABLE event_classes(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,\n"
	"  system TEXT NOT NULL, event TEXT NOT NULL);\n"
	"CREATE TABLE event_fields(class_id INTEGER NOT NULL, position INTEGER NOT NULL,\n"
	"  name TEXT NOT NULL, type TEXT NOT NULL, flags INTEGER NOT NULL,\n"
	"  orig_name TEXT NOT NULL DEFAULT '',\n"
	"  PRIMARY KEY(class_id, name)) WITHOUT ROWID;\n"
	"CREATE TABLE trace_classes(trace_id INTEGER NOT NULL, class_id INTEGER NOT NULL,\n"
	"  orig_name TEXT NOT NULL, events INTEGER NOT NULL, first_rowid INTEGER,\n"
	"  last_rowid INTEGER, format TEXT, PRIMARY KEY(trace_id, class_id)) WITHOUT ROWID;\n"
	"CREATE TABLE tasks(id INTEGER PRIMARY KEY, trace_id INTEGER NOT NULL,\n"
	"  pid INTEGER NOT NULL, comm TEXT NOT NULL, events INTEGER NOT NULL DEFAULT 0);\n"
	"CREATE VIEW event_counts AS SELECT tc.trace_id, c.name, tc.orig_name, tc.events\n"
	"  FROM trace_classes tc JOIN event_classes c ON c.id = tc.class_id;\n";

struct nt_err *nt_store_sqlerr(struct nt_store *s, const char *what)
{
	int rc = s->db ? sqlite3_errcode(s->db) : SQLITE_OK;
	struct nt_err *e;

	if (rc == SQLITE_BUSY && nt_interrupted)
		return nt_err_new(NT_E_INTR,
				  "%s in '%s': interrupted while waiting for another process "
				  "writing it",
				  what, s->path);
	if (rc == SQLITE_BUSY)
		e = nt_err_new(NT_E_FAIL,
			       "%s in '%s': database is locked (waited %.0f s for another process "
			       "writing it)",
			       what, s->path, s->waited);
	else
		e = nt_err_new(NT_E_FAIL, "%s in '%s': %s", what, s->path,
			       s->db ? sqlite3_errmsg(s->db) : "cannot open");
	return nt_err_hint_sql(e, rc, s->path);
}

char *nt_sql_ident(const char *name)
{
	size_t n = strlen(name), q = 0;
	char *s, *p;

	for (size_t i = 0; i < n; i++)
		q += name[i] == '"';
	s = p = malloc(n + q + 3);
	if (!s)
		return NULL;
	*p++ = '"';
	for (size_t i = 0; i < n; i++) {
		if (name[i] == '"')
			*p++ = '"';
		*p++ = name[i];
	}
	*p++ = '"';
	*p = '\0';
	return s;
}

int nt_store_exec(struct nt_store *s, const char *sql, const char *what, struct nt_err **err)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return nt_err_set(err, nt_store_sqlerr(s, what));
	return 0;
}

sqlite3 *nt_store_db(struct nt_store *s)
{
	return s->db;
}

static int wait_limit_s = -1;
static void (*wait_notice_fn)(const char *path);

void nt_store_wait_limit(int limit_s)
{
	wait_limit_s = limit_s;
}

void nt_store_wait_notice(void (*fn)(const char *path))
{
	wait_notice_fn = fn;
}

/* Wait a moment more for another process (since s->wait_since); false when the wait is over. */
static bool wait_more(struct nt_store *s)
{
	double waited = nt_sys_now() - s->wait_since;

	if (nt_interrupted || (wait_limit_s >= 0 && waited >= wait_limit_s)) {
		s->waited = waited;
		return false;
	}
	if (waited >= 0.2 && !s->noticed) { /* a commit's short lock is not worth a word */
		s->noticed = true;
		if (wait_notice_fn)
			wait_notice_fn(s->path);
	}
	usleep(waited < 1 ? 10000 : 50000);
	return true;
}

/* SQLite's busy handler: another connection holds the lock we need. */
static int on_busy(void *arg, int count)
{
	struct nt_store *s = arg;

	if (!count)
		s->wait_since = nt_sys_now();
	return wait_more(s);
}

/*
 * Remove "<base>.nettrail-tmp.<pid>*" files whose import process is gone. Returns the pid of
 * another live process creating @path, or 0.
 */
static long scan_tmp(const char *path)
{
	long live = 0;
	char *d1 = strdup(path), *d2 = strdup(path);
	const char *dir, *base;
	DIR *d;
	struct dirent *e;
	char prefix[512];

	if (!d1 || !d2)
		goto out;
	dir = dirname(d1);
	base = basename(d2);
	snprintf(prefix, sizeof(prefix), "%s.nettrail-tmp.", base);
	d = opendir(dir);
	if (!d)
		goto out;
	while ((e = readdir(d))) {
		long pid;
		char full[4096];

		if (strncmp(e->d_name, prefix, strlen(prefix)))
			continue;
		pid = strtol(e->d_name + strlen(prefix), NULL, 10);
		if (pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM)) {
			if (pid != (long)getpid())
				live = pid;
			continue;
		}
		snprintf(full, sizeof(full), "%s/%s", dir, e->d_name);
		unlink(full);
	}
	closedir(d);
out:
	free(d1);
	free(d2);
	return live;
}

/* Lock @path's folder while deciding who creates @path (-1: cannot; then undecided). */
static int lock_dir(const char *path)
{
	char *d = strdup(path);
	int fd;

	if (!d)
		return -1;
	fd = open(dirname(d), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(d);
	if (fd >= 0 && flock(fd, LOCK_EX) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/*
 * What @s->path is: an existing database (0, *fresh false), a new one this process creates
 * under its temporary file, made here (0, *fresh true), or one @other creates (1: wait).
 */
static int decide(struct nt_store *s, bool create, long other, bool *fresh, struct nt_err **err)
{
	struct stat st;
	int fd;

	if (stat(s->path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return nt_err_set(err,
					  nt_err_new(NT_E_USAGE,
						     "'%s' is a directory, not a database file",
						     s->path));
		*fresh = false;
		return 0;
	}
	if (errno != ENOENT || !create)
		return nt_err_set(err, nt_err_errno(errno == ENOENT ? NT_E_INPUT : NT_E_FAIL, errno,
						    "cannot open database '%s'", s->path));
	if (other)
		return 1;
	*fresh = true;
	if (asprintf(&s->tmp_path, "%s.nettrail-tmp.%ld", s->path, (long)getpid()) < 0) {
		s->tmp_path = NULL;
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	}
	fd = open(s->tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return nt_err_set(err, nt_err_errno(NT_E_FAIL, errno, "cannot create database '%s'",
						    s->path));
	close(fd);
	return 0;
}

/*
 * Open or create @s->path, one creator at a time: under a lock on the folder, a process finds
 * the file, or another one's temporary file (then it waits, and opens what that one made),
 * or neither (then it makes its own temporary file, which the others see).
 */
static int claim(struct nt_store *s, bool create, bool *fresh, struct nt_err **err)
{
	bool waiting = false;

	for (;;) {
		int dfd = lock_dir(s->path), rc;
		long other = scan_tmp(s->path);
		struct nt_err *e;

		rc = decide(s, create, other, fresh, err);
		if (dfd >= 0)
			close(dfd);
		if (rc <= 0)
			return rc;
		if (!waiting) {
			waiting = true;
			s->wait_since = nt_sys_now();
		}
		if (wait_more(s))
			continue;
		if (nt_interrupted)
			return nt_err_set(err, nt_err_new(NT_E_INTR,
							  "interrupted while waiting for another "
							  "process creating '%s'",
							  s->path));
		e = nt_err_new(NT_E_FAIL,
			       "cannot open database '%s': another process (pid %ld) is creating "
			       "it; gave up after %.0f s",
			       s->path, other, s->waited);
		return nt_err_set(err, nt_err_hint_sql(e, SQLITE_BUSY, s->path));
	}
}

/*
 * Version 1 to 2: event_fields.orig_name, the field's own name; a version 1 column is named
 * after its field but for the "field_" prefix of the names reserved then.
 */
static const char migrate_1_sql[] =
	"ALTER TABLE event_fields ADD COLUMN orig_name TEXT NOT NULL DEFAULT '';\n"
	"UPDATE event_fields SET orig_name = CASE WHEN substr(name, 1, 6) = 'field_' AND\n"
	"  (substr(name, 7) IN ('trace_id', 'rowid', 'oid', '_rowid_', '') OR\n"
	"   substr(name, 7, 7) = 'common_') THEN substr(name, 7) ELSE name END;\n"
	"PRAGMA user_version=2;\n";

/*
 * Version 2 to 3: the flow columns of skb_lifecycles (docs/analyses/skb.md, "Flows"), NULL
 * for the lifecycles analysed before (`nettrail analyze` fills them). A database whose
 * analyses never ran has no skb_lifecycles yet: the analysis creates it whole.
 */
static const char migrate_2_sql[] = "ALTER TABLE skb_lifecycles ADD COLUMN family INTEGER;\n"
				    "ALTER TABLE skb_lifecycles ADD COLUMN ip_proto INTEGER;\n"
				    "ALTER TABLE skb_lifecycles ADD COLUMN saddr TEXT;\n"
				    "ALTER TABLE skb_lifecycles ADD COLUMN sport INTEGER;\n"
				    "ALTER TABLE skb_lifecycles ADD COLUMN daddr TEXT;\n"
				    "ALTER TABLE skb_lifecycles ADD COLUMN dport INTEGER;\n"
				    "ALTER TABLE skb_lifecycles ADD COLUMN tcp_flags TEXT;\n"
				    "ALTER TABLE skb_lifecycles ADD COLUMN flow_from TEXT;\n";

/*
 * Version 3 to 4: skb_hops, a table with the event's and the stage's names, becomes
 * skb_hop_rows with their numbers (the view came with it; version 4 to 5 makes the one of now).
 */
static const char migrate_3_sql[] =
	"CREATE TABLE skb_hop_rows(trace_id INTEGER NOT NULL, skb_id INTEGER NOT NULL, "
	"event_rowid INTEGER, class_id INTEGER, stage INTEGER, ts INTEGER, cpu INTEGER, pid "
	"INTEGER, device TEXT, len INTEGER);" NT_SKB_HOPS_SCHEMA_LISTS
	"INSERT INTO skb_hop_rows SELECT h.trace_id, h.skb_id, h.event_rowid, c.id, s.id, h.ts, "
	"h.cpu, h.pid, h.device, h.len FROM skb_hops h LEFT JOIN event_classes c ON c.name = "
	"h.event LEFT JOIN skb_stages s ON s.name = h.stage ORDER BY h.rowid;"
	"DROP TABLE skb_hops;";

/*
 * Version 4 to 5: a row per hop (skb_hop_rows) becomes a row per lifecycle with its hops as
 * JSON (skb_hop_lists, analyze/analyze.h), under the same view skb_hops. Bases 0: each hop
 * keeps its own rowid and time.
 */
static const char migrate_4_sql[] = NT_SKB_HOPS_SCHEMA_LISTS
	"INSERT INTO skb_hop_lists SELECT trace_id, skb_id, 0, 0, json_group_array(json_array("
	"event_rowid, class_id, stage, ts, cpu, pid, device, len)) FROM (SELECT * FROM "
	"skb_hop_rows ORDER BY trace_id, skb_id, event_rowid) GROUP BY trace_id, skb_id;"
	"DROP VIEW IF EXISTS skb_hops; DROP TABLE skb_hop_rows;" NT_SKB_HOPS_SCHEMA_VIEW;

static bool has_table(struct nt_store *s, const char *name)
{
	sqlite3_stmt *st;
	bool found = false;

	if (sqlite3_prepare_v2(s->db,
			       "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", -1,
			       &st, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

static bool has_column(struct nt_store *s, const char *table, const char *col)
{
	sqlite3_stmt *st;
	bool found = false;

	if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM pragma_table_info(?) WHERE name = ?", -1, &st,
			       NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, col, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

/* Bring a database of an older schema to this one; a read-only file stays as it is. */
static int migrate(struct nt_store *s, int ver, struct nt_err **err)
{
	if (sqlite3_db_readonly(s->db, "main") == 1)
		return 0;
	if (nt_store_exec(s, "BEGIN IMMEDIATE", "cannot upgrade the database", err))
		return -1;
	if ((ver < 2 && nt_store_exec(s, migrate_1_sql, "cannot upgrade the database", err)) ||
	    (has_table(s, "skb_lifecycles") && !has_column(s, "skb_lifecycles", "flow_from") &&
	     nt_store_exec(s, migrate_2_sql, "cannot upgrade the database", err)) ||
	    (has_table(s, "skb_hops") &&
	     nt_store_exec(s, migrate_3_sql, "cannot upgrade the database", err)) ||
	    (has_table(s, "skb_hop_rows") &&
	     nt_store_exec(s, migrate_4_sql, "cannot upgrade the database", err)) ||
	    nt_store_exec(s, "PRAGMA user_version=5", "cannot upgrade the database", err)) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return nt_store_exec(s, "COMMIT", "cannot upgrade the database", err);
}

static int check_schema(struct nt_store *s, bool fresh, struct nt_err **err)
{
	sqlite3_stmt *st;
	int ver = -1, ntables = 0;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		goto notdb;
	if (sqlite3_step(st) == SQLITE_ROW)
		ver = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM sqlite_master", -1, &st, NULL) !=
	    SQLITE_OK)
		goto notdb;
	if (sqlite3_step(st) == SQLITE_ROW)
		ntables = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (ver == NT_SCHEMA_VERSION)
		return 0;
	if (ver >= 1 && ver < NT_SCHEMA_VERSION)
		return migrate(s, ver, err);
	if (ver == 0 && ntables == 0 && fresh) {
		char v[64];
		if (nt_store_exec(s, "BEGIN", "cannot create the schema", err) ||
		    nt_store_exec(s, schema_sql, "cannot create the schema", err))
			return -1;
		snprintf(v, sizeof(v), "PRAGMA user_version=%d", NT_SCHEMA_VERSION);
		return nt_store_exec(s, v, "cannot create the schema", err) ||
		       nt_store_exec(s, "COMMIT", "cannot create the schema", err);
	}
	if (ver == 0)
		return nt_err_set(err,
				  nt_err_new(NT_E_INPUT,
					     "'%s' is a SQLite database but not a nettrail one",
					     s->path));
	return nt_err_set(
		err,
		nt_err_new(NT_E_INPUT,
			   "database '%s' has schema version %d; this nettrail reads version %d",
			   s->path, ver, NT_SCHEMA_VERSION));
notdb:
	if (sqlite3_errcode(s->db) == SQLITE_BUSY) /* another process kept it locked */
		return nt_err_set(err, nt_store_sqlerr(s, "cannot read the schema"));
	return nt_err_set(err, nt_err_new(NT_E_INPUT, "cannot open '%s': %s", s->path,
					  sqlite3_errmsg(s->db)));
}

/* For tests: NETTRAIL_TEST_MAX_PAGES=N makes the database full at N pages (a full disk). */
static void limit_pages(sqlite3 *db)
{
	const char *v = getenv("NETTRAIL_TEST_MAX_PAGES");
	char sql[64];

	if (!v || !*v)
		return;
	snprintf(sql, sizeof(sql), "PRAGMA max_page_count=%lld", strtoll(v, NULL, 10));
	sqlite3_exec(db, sql, NULL, NULL, NULL);
}

void nt_store_init(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
}

int nt_store_open(const char *path, bool create, struct nt_store **out, struct nt_err **err)
{
	struct nt_store *s = calloc(1, sizeof(*s));
	bool fresh = false;
	const char *open_path = path;

	*out = NULL;
	if (!s || !(s->path = strdup(path))) {
		free(s);
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	}
	if (claim(s, create, &fresh, err))
		goto fail;
	if (fresh)
		open_path = s->tmp_path;
	if (sqlite3_open_v2(open_path, &s->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
				    (fresh ? SQLITE_OPEN_CREATE : 0),
			    NULL) != SQLITE_OK) {
		nt_err_set(err, nt_err_new(NT_E_FAIL, "cannot open database '%s': %s", path,
					   s->db ? sqlite3_errmsg(s->db) : "out of memory"));
		goto fail;
	}
	sqlite3_busy_handler(s->db, on_busy, s);
	nt_flow_sql_register(s->db); /* report --flow: nt_flow_match() in queries */
	if (fresh)
		sqlite3_exec(s->db,
			     "PRAGMA page_size=16384; PRAGMA journal_mode=MEMORY; PRAGMA "
			     "synchronous=OFF",
			     NULL, NULL, NULL);
	else
		sqlite3_exec(s->db, "PRAGMA journal_mode=DELETE; PRAGMA synchronous=NORMAL", NULL,
			     NULL, NULL);
	/*
	 * 8 MiB of page cache: every table is written at its right edge, so a few pages per table
	 * stay hot. A larger cache only held more dirty pages, each a fresh page of memory to
	 * fault in and clear: 64 MiB made the import 17 % slower and 47 MB bigger
	 * (docs/PERFORMANCE.md).
	 */
	sqlite3_exec(s->db, "PRAGMA cache_size=-8192; PRAGMA temp_store=MEMORY", NULL, NULL, NULL);
	limit_pages(s->db);
	if (check_schema(s, fresh, err))
		goto fail;
	*out = s;
	return 0;
fail:
	nt_store_close(s, true, NULL);
	return -1;
}

static void *writeback_main(void *arg)
{
	int fd = open((const char *)arg, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE); /* start, do not wait */
		close(fd);
	}
	return NULL;
}

static void writeback_join(struct nt_store *s)
{
	if (s->wb_on)
		pthread_join(s->wb, NULL);
	s->wb_on = false;
}

/*
 * Measured on a perf.data import (docs/PERFORMANCE.md): the final fsync waited 0.2 s for
 * 478 MB; started here, most of it overlaps the import's last CPU work. Started all along the
 * import instead (every 200 ms) it was slower: the writeback's CPU competes with the reader
 * and the analyses.
 */
void nt_store_writeback(struct nt_store *s)
{
	if (!s || !s->tmp_path)
		return;
	writeback_join(s); /* the previous file's, in a batch */
	s->wb_on = pthread_create(&s->wb, NULL, writeback_main, s->tmp_path) == 0;
}

int nt_store_close(struct nt_store *s, bool discard, struct nt_err **err)
{
	int ret = 0;

	if (!s)
		return 0;
	writeback_join(s);
	if (s->db && sqlite3_close(s->db) != SQLITE_OK && !discard) {
		nt_err_set(err, nt_err_new(NT_E_FAIL, "cannot close database '%s': %s", s->path,
					   sqlite3_errmsg(s->db)));
		sqlite3_close_v2(s->db);
		discard = true;
		ret = -1;
	}
	if (s->tmp_path) {
		if (!discard) {
			int fd = open(s->tmp_path, O_RDONLY | O_CLOEXEC);
			if (fd >= 0) {
				fsync(fd);
				close(fd);
			}
			if (link(s->tmp_path, s->path) < 0) {
				nt_err_set(err,
					   nt_err_errno(NT_E_FAIL, errno,
							"cannot create database '%s'", s->path));
				ret = -1;
			}
		}
		unlink(s->tmp_path);
	}
	free(s->tmp_path);
	free(s->path);
	free(s);
	return ret;
}
