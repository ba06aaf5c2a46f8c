/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Importing one trace: run its reader (parse/), consume the normalised stream into one table
 * per event class, and keep the per-trace facts. Everything happens inside one transaction.
 */
#include "store_int.h"
#include "../analyze/analyze.h"
#include "../analyze/spool.h"
#include "../core/progress.h"
#include "../core/testhook.h"
#include "../parse/reader.h"
#include "../core/sys.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* An event waiting for its batch: the fixed columns (the fields are in iclass.vals). */
struct prow {
	int64_t ts, task, rowid;
	int32_t cpu, pid;
	bool has_task;
};

/*
 * Rows per INSERT statement: one statement for many rows keeps SQLite's cursor on the table
 * (no seek from the root, no statement set-up per row): about a third less time per row. 16
 * is as fast as 32 and keeps the prepared statements (one per class) half as large.
 */
#define NT_BATCH 16

/*
 * What a parameter of a batch statement holds since an earlier batch (SQLite keeps bindings
 * across sqlite3_reset): a value bound again only when it differs. Many columns repeat from
 * one batch to the next (a period of 1, the flags, the cpu, the pid, a NUMA node): binding
 * was a seventh of the importer's time on perf.data.
 */
struct bound {
	int64_t v;
	enum { B_OTHER, B_INT, B_NULL } kind;
};

/*
 * A class as the reader numbered it, mapped to its table. Its events are stored NT_BATCH at
 * a time: they wait in rows/vals (text and blobs copied into arena, found by offset) until the
 * batch is full or the import flushes (flush_class).
 */
struct iclass {
	bool defined;
	int64_t class_id;
	char *name;	    /* owned: the table (event_classes.name) */
	char *orig;	    /* owned */
	char *format;	    /* owned, may be NULL */
	sqlite3_stmt *ins;  /* owned: one row */
	sqlite3_stmt *insb; /* owned: @batch rows, prepared at the first full batch */
	char *sqlb;	    /* owned: its SQL, NULL when one statement cannot hold two rows */
	unsigned nfields, batch, pend;
	struct prow *rows;   /* owned: @batch */
	struct nt_val *vals; /* owned: @batch * @nfields; text and blobs: .i is the offset */
	struct bound *bound; /* owned: what @insb's parameters hold (bind_row), with @insb */
	char *arena;	     /* owned */
	size_t an, acap;
	int64_t events, first_rowid, last_rowid;
};

struct cpu_stat {
	int64_t events, lost_stats, lost_windows;
	uint64_t first_ts, last_ts;
	bool seen;
};

/* pid -> tasks.id */
struct taskmap {
	int32_t *pid;
	int64_t *id;
	unsigned cap, n;
};

struct imp {
	struct nt_store *s;
	const char *path;
	int64_t trace_id;
	struct iclass *cls;
	uint32_t ncls;
	struct cpu_stat *cpus;
	int ncpus;
	struct taskmap tasks;
	sqlite3_stmt *task_ins, *lost_ins, *warn_ins, *meta_ins, *field_ins;
	uint64_t events, first_ts, last_ts;
	int64_t seq;	      /* rowid of the last event stored (global across the database) */
	int64_t lost_nocpu;   /* lost events the trace gives no cpu for */
	int64_t task_base;    /* tasks.id of the trace's first task */
	int64_t *task_events; /* events per task, by tasks.id - task_base */
	size_t ntask_events;
	bool lost_unknown, ended, new_classes;
	unsigned warnings;
	char *info_kernel, *info_host, *info_arch, *info_clock, *info_format;
	int64_t info_ncpus;
	struct nt_err *err;
	struct nt_spool *spool;	  /* the events the analyses read, NULL: none (spool.h) */
	struct nt_follow *follow; /* the analyses following the import, or NULL (analyze.h) */
	/* progress */
	bool progress;
	unsigned file_no, nfiles;
	double t0, last_shown;
};

static int fail_sql(struct imp *im, const char *what)
{
	return nt_err_set(&im->err, nt_store_sqlerr(im->s, what));
}

static sqlite3_stmt *prep(struct imp *im, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(im->s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		fail_sql(im, "cannot prepare a statement");
		return NULL;
	}
	return st;
}

/* ---- tasks ---- */

static int taskmap_put(struct taskmap *m, int32_t pid, int64_t id)
{
	unsigned i;

	if (m->n * 2 >= m->cap) {
		unsigned cap = m->cap ? m->cap * 2 : 1024;
		int32_t *p = malloc(cap * sizeof(*p));
		int64_t *v = malloc(cap * sizeof(*v));
		if (!p || !v) {
			free(p);
			free(v);
			return -1;
		}
		for (i = 0; i < cap; i++)
			p[i] = INT32_MIN;
		for (i = 0; i < m->cap; i++) {
			if (m->pid[i] != INT32_MIN) {
				unsigned j = ((uint32_t)m->pid[i] * 2654435761u) & (cap - 1);
				while (p[j] != INT32_MIN)
					j = (j + 1) & (cap - 1);
				p[j] = m->pid[i];
				v[j] = m->id[i];
			}
		}
		free(m->pid);
		free(m->id);
		m->pid = p;
		m->id = v;
		m->cap = cap;
	}
	i = ((uint32_t)pid * 2654435761u) & (m->cap - 1);
	while (m->pid[i] != INT32_MIN && m->pid[i] != pid)
		i = (i + 1) & (m->cap - 1);
	if (m->pid[i] == INT32_MIN)
		m->n++;
	m->pid[i] = pid;
	m->id[i] = id;
	return 0;
}

static bool taskmap_get(const struct taskmap *m, int32_t pid, int64_t *id)
{
	unsigned i;

	if (!m->cap)
		return false;
	i = ((uint32_t)pid * 2654435761u) & (m->cap - 1);
	while (m->pid[i] != INT32_MIN) {
		if (m->pid[i] == pid) {
			*id = m->id[i];
			return true;
		}
		i = (i + 1) & (m->cap - 1);
	}
	return false;
}

/* ---- classes ---- */

static const char *type_name(enum nt_val_type t)
{
	switch (t) {
	case NT_VAL_INT:
		return "INTEGER";
	case NT_VAL_TEXT:
		return "TEXT";
	case NT_VAL_BLOB:
		return "BLOB";
	case NT_VAL_REAL:
		return "REAL";
	default:
		return "";
	}
}

/* Room for the reader's class @id; NULL when out of memory. */
static struct iclass *class_at(struct imp *im, uint32_t id)
{
	if (id >= im->ncls) {
		uint32_t nc = id + 64;
		struct iclass *x = realloc(im->cls, nc * sizeof(*x));
		if (!x)
			return NULL;
		memset(x + im->ncls, 0, (nc - im->ncls) * sizeof(*x));
		im->cls = x;
		im->ncls = nc;
	}
	return &im->cls[id];
}

/* Append column @col of type @t to *ddl (a table still to create) or to table @tbl. */
static int add_column(struct imp *im, const char *tbl, char **ddl, const char *col,
		      enum nt_val_type t)
{
	char *q = nt_sql_ident(col), *x = NULL;
	int rc;

	if (!q || asprintf(&x, *ddl ? "%s, %s %s" : "ALTER TABLE %s ADD COLUMN %s %s",
			   *ddl ? *ddl : tbl, q, type_name(t)) < 0) {
		free(q);
		return nt_err_set(&im->err, nt_err_new(NT_E_FAIL, "out of memory"));
	}
	free(q);
	if (*ddl) {
		free(*ddl);
		*ddl = x;
		return 0;
	}
	rc = sqlite3_exec(im->s->db, x, NULL, NULL, NULL);
	free(x);
	return rc == SQLITE_OK ? 0 : fail_sql(im, "cannot add a column to an event table");
}

/* Record field @i of class @cid (named @fn, @fl bytes) as column @col in event_fields. */
static void note_field(struct imp *im, int64_t cid, uint32_t i, const char *col, const char *fn,
		       uint32_t fl, enum nt_val_type t, uint32_t flags)
{
	sqlite3_stmt *st = im->field_ins;

	if (!st && !(st = im->field_ins = prep(im, "INSERT OR IGNORE INTO event_fields(class_id, "
						   "position, name, orig_name, type, flags) "
						   "VALUES(?,?,?,?,?,?)")))
		return;
	sqlite3_bind_int64(st, 1, cid);
	sqlite3_bind_int(st, 2, (int)i);
	sqlite3_bind_text(st, 3, col, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, fn, (int)strnlen(fn, fl), SQLITE_STATIC);
	sqlite3_bind_text(st, 5, type_name(t), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, flags);
	sqlite3_step(st);
	sqlite3_reset(st);
}

/*
 * Read the @nf field definitions at @c and give each its column (@cols, owned copies),
 * adding the columns and event_fields rows the class lacks; a @fresh table is created here.
 */
static int map_fields(struct imp *im, struct nt_cursor *c, uint32_t nf, int64_t cid,
		      const char *name, const char *tbl, bool fresh, char **cols)
{
	/* a new table is created with all its columns at once: one ALTER TABLE per column
	 * re-parses the whole schema (slow with 180 classes) */
	char *ddl = fresh ? strdup("trace_id INTEGER NOT NULL, common_ts INTEGER NOT NULL, "
				   "common_cpu INTEGER NOT NULL, common_pid INTEGER NOT NULL, "
				   "common_task INTEGER")
			  : NULL;
	char *none = NULL; /* no DDL: add columns to the existing table */
	struct nt_store_cols *map = NULL;
	int ret = -1;

	if (fresh && !ddl)
		goto oom;
	if (nt_store_cols_load(im->s, cid, name, fresh, &map, &im->err))
		goto out;
	for (uint32_t i = 0; i < nf; i++) {
		uint32_t fl;
		const char *fn = nt_cur_str(c, &fl), *col;
		enum nt_val_type ft = (enum nt_val_type)nt_cur_u8(c);
		uint32_t flags = nt_cur_u32(c);
		bool added;

		if (c->bad) {
			nt_err_set(&im->err,
				   nt_err_new(NT_E_FAIL, "bad class definition from the reader"));
			goto out;
		}
		col = nt_store_cols_map(map, fn, fl, &added);
		if (!col || !(cols[i] = strdup(col)))
			goto oom;
		if (added && add_column(im, tbl, fresh ? &ddl : &none, col, ft))
			goto out;
		note_field(im, cid, i, col, fn, fl, ft, flags);
	}
	ret = 0;
	if (fresh) {
		char *sql = NULL;
		if (asprintf(&sql, "CREATE TABLE %s(%s)", tbl, ddl) < 0)
			goto oom;
		if (sqlite3_exec(im->s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
			ret = fail_sql(im, "cannot create an event table");
		free(sql);
	}
	goto out;
oom:
	ret = nt_err_set(&im->err, nt_err_new(NT_E_FAIL, "out of memory"));
out:
	nt_store_cols_free(map);
	free(ddl);
	return ret;
}

/*
 * The INSERT statement of @rows rows into table @tbl (quoted) with the fixed columns and
 * @cols (caller frees). OR FAIL, not the default ABORT: a statement of several rows that may
 * abort makes SQLite copy each page it touches into a statement journal first (the table's
 * last page, 16 KiB, for every 16 rows), so that it can undo only that statement. Any failure
 * ends the whole import and rolls its transaction back, so the copy was never used; without
 * it the import with its analyses takes about 0.9 of the time (docs/PERFORMANCE.md).
 */
static char *insert_sql(const char *tbl, char *const *cols, uint32_t nf, unsigned rows)
{
	size_t cap = 256 + strlen(tbl) + (size_t)rows * (2 * nf + 16), at;
	char *sql;

	for (uint32_t i = 0; i < nf; i++)
		cap += 2 * strlen(cols[i]) + 8;
	sql = malloc(cap);
	if (!sql)
		return NULL;
	at = (size_t)snprintf(sql, cap,
			      "INSERT OR FAIL INTO %s(trace_id, common_ts, common_cpu, common_pid, "
			      "common_task, rowid",
			      tbl);
	for (uint32_t i = 0; i < nf; i++) {
		char *q = nt_sql_ident(cols[i]);
		if (!q) {
			free(sql);
			return NULL;
		}
		at += (size_t)snprintf(sql + at, cap - at, ", %s", q);
		free(q);
	}
	at += (size_t)snprintf(sql + at, cap - at, ") VALUES");
	for (unsigned r = 0; r < rows; r++) {
		at += (size_t)snprintf(sql + at, cap - at, "%s(?,?,?,?,?,?", r ? "," : "");
		for (uint32_t i = 0; i < nf; i++)
			at += (size_t)snprintf(sql + at, cap - at, ",?");
		at += (size_t)snprintf(sql + at, cap - at, ")");
	}
	return sql;
}

/* Free what @ic owns but its counts. */
static void class_release(struct iclass *ic)
{
	sqlite3_finalize(ic->ins);
	sqlite3_finalize(ic->insb);
	ic->ins = ic->insb = NULL;
	free(ic->sqlb);
	ic->sqlb = NULL;
	free(ic->name);
	free(ic->orig);
	free(ic->format);
	free(ic->rows);
	free(ic->vals);
	free(ic->bound);
	ic->bound = NULL;
	free(ic->arena);
	ic->name = ic->orig = ic->format = ic->arena = NULL;
	ic->rows = NULL;
	ic->vals = NULL;
	ic->pend = 0;
	ic->an = ic->acap = 0;
}

/*
 * The batch of @ic (table @tbl, @nf columns @cols): as many rows as SQLite's limit on
 * parameters allows, at most NT_BATCH; fewer than two: one row at a time. Its statement is
 * prepared when first needed: a class of few events never pays for parsing it.
 */
static int batch_setup(struct imp *im, struct iclass *ic, const char *tbl, char *const *cols,
		       uint32_t nf)
{
	int limit = sqlite3_limit(im->s->db, SQLITE_LIMIT_VARIABLE_NUMBER, -1);
	unsigned batch = (unsigned)limit / (6 + nf);

	ic->batch = batch > NT_BATCH ? NT_BATCH : batch < 2 ? 1 : batch;
	ic->pend = 0;
	ic->rows = calloc(ic->batch, sizeof(*ic->rows));
	ic->vals = calloc((size_t)ic->batch * nf + 1, sizeof(*ic->vals));
	if (!ic->rows || !ic->vals)
		return nt_err_set(&im->err, nt_err_new(NT_E_FAIL, "out of memory"));
	if (ic->batch >= 2 && !(ic->sqlb = insert_sql(tbl, cols, nf, ic->batch)))
		return nt_err_set(&im->err, nt_err_new(NT_E_FAIL, "out of memory"));
	return 0;
}

/* Bind integer @v to parameter @p of @st unless @b (NULL: not known) says it holds it. */
static inline void bind_int(sqlite3_stmt *st, int p, int64_t v, struct bound *b)
{
	if (b && b->kind == B_INT && b->v == v)
		return;
	sqlite3_bind_int64(st, p, v);
	if (b)
		*b = (struct bound){v, B_INT};
}

static inline void bind_null(sqlite3_stmt *st, int p, struct bound *b)
{
	if (b && b->kind == B_NULL)
		return;
	sqlite3_bind_null(st, p);
	if (b)
		b->kind = B_NULL;
}

/*
 * Bind waiting row @r of @ic to @st from parameter @base + 1 on; @b: what the row's parameters
 * hold from cpu on (NULL: bind them all).
 */
static void bind_row(struct iclass *ic, sqlite3_stmt *st, unsigned r, int base, struct bound *b)
{
	const struct prow *w = &ic->rows[r];
	const struct nt_val *v = &ic->vals[(size_t)r * ic->nfields];

	sqlite3_bind_int64(st, base + 2, w->ts);
	sqlite3_bind_int64(st, base + 6, w->rowid);
	bind_int(st, base + 3, w->cpu, b);
	bind_int(st, base + 4, w->pid, b ? b + 1 : NULL);
	if (w->has_task)
		bind_int(st, base + 5, w->task, b ? b + 2 : NULL);
	else
		bind_null(st, base + 5, b ? b + 2 : NULL);
	for (unsigned i = 0; i < ic->nfields; i++, v++) {
		int p = base + 7 + (int)i;
		struct bound *bi = b ? b + 3 + i : NULL;

		switch (v->type) {
		case NT_VAL_INT:
			bind_int(st, p, v->i, bi);
			continue;
		case NT_VAL_REAL:
			sqlite3_bind_double(st, p, v->r);
			break;
		case NT_VAL_TEXT:
			sqlite3_bind_text(st, p, ic->arena + v->i, (int)v->n, SQLITE_STATIC);
			break;
		case NT_VAL_BLOB:
			sqlite3_bind_blob(st, p, ic->arena + v->i, (int)v->n, SQLITE_STATIC);
			break;
		default:
			bind_null(st, p, bi);
			continue;
		}
		if (bi)
			bi->kind = B_OTHER;
	}
}

/* Store the rows of @ic that wait: a full batch in one statement, fewer one by one. */
static int flush_class(struct imp *im, struct iclass *ic)
{
	unsigned n = ic->pend;
	int rc = SQLITE_DONE;

	ic->pend = 0;
	ic->an = 0;
	if (n && n == ic->batch && ic->sqlb && !ic->insb) {
		if (!(ic->insb = prep(im, ic->sqlb)))
			return -1;
		free(ic->bound);
		ic->bound = calloc((size_t)ic->batch * (3 + ic->nfields), sizeof(*ic->bound));
		for (unsigned r = 0; r < ic->batch; r++)
			sqlite3_bind_int64(ic->insb, (int)(r * (6 + ic->nfields)) + 1,
					   im->trace_id);
	}
	if (n && n == ic->batch && ic->insb) {
		for (unsigned r = 0; r < n; r++)
			bind_row(ic, ic->insb, r, (int)(r * (6 + ic->nfields)),
				 ic->bound ? ic->bound + (size_t)r * (3 + ic->nfields) : NULL);
		rc = sqlite3_step(ic->insb);
		sqlite3_reset(ic->insb);
	} else {
		for (unsigned r = 0; r < n && rc == SQLITE_DONE; r++) {
			bind_row(ic, ic->ins, r, 0, NULL);
			rc = sqlite3_step(ic->ins);
			sqlite3_reset(ic->ins);
		}
	}
	return rc == SQLITE_DONE ? 0 : fail_sql(im, "cannot store an event");
}

/* Store every class's waiting rows (before the import reads its tables, and at its end). */
static int flush_all(struct imp *im)
{
	for (uint32_t i = 0; i < im->ncls; i++)
		if (im->cls[i].defined && flush_class(im, &im->cls[i]))
			return -1;
	return 0;
}

/* Keep waiting value @v (of @ic's rows) past its message: text and blobs into the arena. */
static int keep_val(struct imp *im, struct iclass *ic, struct nt_val *v)
{
	if (v->type != NT_VAL_TEXT && v->type != NT_VAL_BLOB)
		return 0;
	if (nt_reserve(&ic->arena, &ic->acap, ic->an + v->n))
		return nt_err_set(&im->err, nt_err_new(NT_E_FAIL, "out of memory"));
	if (v->n)
		memcpy(ic->arena + ic->an, v->s, v->n);
	v->i = (int64_t)ic->an;
	v->s = NULL;
	ic->an += v->n;
	return 0;
}

/*
 * Tell the spool (if any) that reader class @id is @name with columns @cols, and their declared
 * types when some analysis reads the class. Only out of memory fails.
 */
static int spool_class(struct imp *im, uint32_t id, const char *name, int64_t cid, uint32_t nf,
		       char *const *cols)
{
	const char **decl = NULL;
	char **types = NULL;
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (nt_spool_subscribed(name)) {
		decl = calloc(nf + 1, sizeof(*decl));
		types = calloc(nf + 1, sizeof(*types));
		st = prep(im, "SELECT type FROM pragma_table_info(?, 'main') WHERE name = ?");
		if (!decl || !types || !st)
			goto out;
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		for (uint32_t i = 0; i < nf; i++) {
			sqlite3_bind_text(st, 2, cols[i], -1, SQLITE_STATIC);
			if (sqlite3_step(st) == SQLITE_ROW &&
			    !(decl[i] = types[i] =
				      strdup((const char *)sqlite3_column_text(st, 0))))
				goto out;
			sqlite3_reset(st);
		}
	}
	rc = nt_spool_class(im->spool, id, name, cid, nf, cols, decl);
out:
	sqlite3_finalize(st);
	for (uint32_t i = 0; types && i < nf; i++)
		free(types[i]);
	free(types);
	free(decl);
	if (rc)
		nt_err_set(&im->err, nt_err_new(NT_E_FAIL, "out of memory"));
	return rc;
}

static int define_class(struct imp *im, const struct nt_msg *m)
{
	struct nt_cursor c;
	uint32_t id, ls, le, lo, lf, nf;
	const char *sys, *ev, *orig, *fmt;
	char *name = NULL, *tbl = NULL, *sql = NULL, **cols = NULL;
	struct iclass *ic;
	int ret = -1;
	int64_t cid;
	bool fresh;

	nt_cursor_init(&c, m);
	id = nt_cur_u32(&c);
	sys = nt_cur_str(&c, &ls);
	ev = nt_cur_str(&c, &le);
	orig = nt_cur_str(&c, &lo);
	fmt = nt_cur_str(&c, &lf);
	nf = nt_cur_u32(&c);
	if (c.bad || id > 10000000 || nf > 4000 || !ls || !le)
		return nt_err_set(&im->err,
				  nt_err_new(NT_E_FAIL, "bad class definition from the reader"));
	ic = class_at(im, id);
	cols = calloc(nf + 1, sizeof(*cols));
	if (!ic || !cols) {
		nt_err_set(&im->err, nt_err_new(NT_E_FAIL, "out of memory"));
		goto out;
	}
	if (nt_store_class_find(im->s, sys, ls, ev, le, &cid, &name, &fresh, &im->err))
		goto out;
	im->new_classes |= fresh;
	tbl = nt_sql_ident(name);
	if (!tbl) {
		nt_err_set(&im->err, nt_err_new(NT_E_FAIL, "out of memory"));
		goto out;
	}
	if (map_fields(im, &c, nf, cid, name, tbl, fresh, cols) ||
	    (im->spool && spool_class(im, id, name, cid, nf, cols)))
		goto out;
	if (ic->defined && flush_class(im, ic)) /* its waiting rows, as the reader defined them */
		goto out;
	sql = insert_sql(tbl, cols, nf, 1);
	if (!sql) {
		nt_err_set(&im->err, nt_err_new(NT_E_FAIL, "out of memory"));
		goto out;
	}
	if (ic->defined) { /* a redefinition (the reader learned more fields) */
		class_release(ic);
	} else {
		ic->first_rowid = ic->last_rowid = 0;
		ic->events = 0;
	}
	ic->ins = prep(im, sql);
	ic->defined = ic->ins != NULL && batch_setup(im, ic, tbl, cols, nf) == 0;
	ic->class_id = cid;
	ic->name = name;
	name = NULL;
	ic->orig = strndup(orig, lo);
	ic->format = lf ? strndup(fmt, lf) : NULL;
	ic->nfields = nf;
	if (!ic->defined)
		goto out;
	sqlite3_bind_int64(ic->ins, 1, im->trace_id);
	ret = 0;
out:
	if (cols)
		for (uint32_t i = 0; i < nf; i++)
			free(cols[i]);
	free(cols);
	free(sql);
	free(tbl);
	free(name);
	return ret;
}

/* ---- messages ---- */

static struct cpu_stat *cpu_at(struct imp *im, int32_t cpu)
{
	if (cpu < 0 || cpu > 65535)
		return NULL;
	if (cpu >= im->ncpus) {
		int n = cpu + 8;
		struct cpu_stat *x = realloc(im->cpus, (size_t)n * sizeof(*x));
		if (!x)
			return NULL;
		memset(x + im->ncpus, 0, (size_t)(n - im->ncpus) * sizeof(*x));
		im->cpus = x;
		im->ncpus = n;
	}
	return &im->cpus[cpu];
}

/* Account for an event of @ic stored at rowid im->seq: its class, trace and cpu extents. */
static void count_event(struct imp *im, struct iclass *ic, int32_t cpu, uint64_t ts)
{
	struct cpu_stat *cs;

	ic->last_rowid = im->seq;
	if (!ic->events++)
		ic->first_rowid = ic->last_rowid;
	if (!im->events++ || ts < im->first_ts)
		im->first_ts = ts;
	if (ts > im->last_ts)
		im->last_ts = ts;
	cs = cpu_at(im, cpu);
	if (cs) {
		if (!cs->seen || ts < cs->first_ts)
			cs->first_ts = ts;
		if (!cs->seen || ts > cs->last_ts)
			cs->last_ts = ts;
		cs->seen = true;
		cs->events++;
	}
}

static int on_event(struct imp *im, const struct nt_msg *m)
{
	struct nt_cursor c;
	uint32_t id;
	uint64_t ts;
	int32_t cpu, pid;
	struct iclass *ic;
	struct prow *w;
	struct nt_val *v;

	nt_cursor_init(&c, m);
	id = nt_cur_u32(&c);
	ts = nt_cur_u64(&c);
	cpu = (int32_t)nt_cur_u32(&c);
	pid = (int32_t)nt_cur_u32(&c);
	if (c.bad || id >= im->ncls || !im->cls[id].defined)
		return nt_err_set(&im->err,
				  nt_err_new(NT_E_FAIL,
					     "the reader sent an event of an undefined class %u",
					     id));
	ic = &im->cls[id];
	w = &ic->rows[ic->pend];
	*w = (struct prow){.ts = (int64_t)ts, .cpu = cpu, .pid = pid};
	if ((w->has_task = taskmap_get(&im->tasks, pid, &w->task)) && w->task >= im->task_base &&
	    w->task - im->task_base < (int64_t)im->ntask_events)
		im->task_events[w->task - im->task_base]++;
	v = &ic->vals[(size_t)ic->pend * ic->nfields];
	nt_cur_vals(&c, ic->nfields, v);
	if (c.bad)
		return nt_err_set(&im->err,
				  nt_err_new(NT_E_FAIL, "the reader sent a malformed event"));
	/* rowids follow the reader's order across all class tables: the global event order */
	w->rowid = ++im->seq;
	/* the spool copies the values as they are; then the row keeps its own */
	nt_spool_event(im->spool, id, im->seq, (int64_t)ts, cpu, pid, w->has_task ? w->task : 0, v,
		       ic->nfields);
	for (unsigned i = 0; i < ic->nfields; i++)
		if (keep_val(im, ic, &v[i]))
			return -1;
	count_event(im, ic, cpu, ts);
	if (++ic->pend == ic->batch)
		return flush_class(im, ic);
	return 0;
}

/* Make room to count the events of task @id (ids of one import are consecutive). */
static int count_task(struct imp *im, int64_t id)
{
	size_t need;
	int64_t *x;

	if (!im->ntask_events)
		im->task_base = id;
	if (id < im->task_base)
		return 0;
	need = (size_t)(id - im->task_base) + 1;
	if (need <= im->ntask_events)
		return 0;
	x = realloc(im->task_events, need * sizeof(*x));
	if (!x)
		return -1;
	memset(x + im->ntask_events, 0, (need - im->ntask_events) * sizeof(*x));
	im->task_events = x;
	im->ntask_events = need;
	return 0;
}

static int on_task(struct imp *im, const struct nt_msg *m)
{
	struct nt_cursor c;
	int32_t pid;
	uint32_t n;
	const char *comm;
	int64_t id;

	nt_cursor_init(&c, m);
	pid = (int32_t)nt_cur_u32(&c);
	comm = nt_cur_str(&c, &n);
	if (c.bad)
		return nt_err_set(&im->err,
				  nt_err_new(NT_E_FAIL, "malformed task from the reader"));
	sqlite3_bind_int(im->task_ins, 2, pid);
	sqlite3_bind_text(im->task_ins, 3, comm, (int)n, SQLITE_STATIC);
	if (sqlite3_step(im->task_ins) != SQLITE_DONE) {
		sqlite3_reset(im->task_ins);
		return fail_sql(im, "cannot store a task");
	}
	sqlite3_reset(im->task_ins);
	id = sqlite3_last_insert_rowid(im->s->db);
	if (count_task(im, id) || taskmap_put(&im->tasks, pid, id))
		return nt_err_set(&im->err, nt_err_new(NT_E_FAIL, "out of memory"));
	nt_spool_task(im->spool, id, comm, n); /* the analyses' inserts read the comm */
	return 0;
}

static void set_str(char **dst, const char *s, uint32_t n)
{
	free(*dst);
	*dst = strndup(s, n);
}

static int on_info(struct imp *im, const struct nt_msg *m)
{
	struct nt_cursor c;
	uint32_t kl, vl;
	const char *k, *v;

	nt_cursor_init(&c, m);
	k = nt_cur_str(&c, &kl);
	v = nt_cur_str(&c, &vl);
	if (c.bad)
		return nt_err_set(&im->err,
				  nt_err_new(NT_E_FAIL, "malformed info from the reader"));
#define IS(s) (kl == strlen(s) && !memcmp(k, s, kl))
	if (IS("kernel"))
		set_str(&im->info_kernel, v, vl);
	else if (IS("hostname"))
		set_str(&im->info_host, v, vl);
	else if (IS("arch"))
		set_str(&im->info_arch, v, vl);
	else if (IS("clock"))
		set_str(&im->info_clock, v, vl);
	else if (IS("format"))
		set_str(&im->info_format, v, vl);
	else if (IS("ncpus"))
		im->info_ncpus = strtoll(strndupa(v, vl), NULL, 10);
#undef IS
	sqlite3_bind_text(im->meta_ins, 2, k, (int)kl, SQLITE_STATIC);
	sqlite3_bind_text(im->meta_ins, 3, v, (int)vl, SQLITE_STATIC);
	sqlite3_step(im->meta_ins);
	sqlite3_reset(im->meta_ins);
	return 0;
}

static int on_lost(struct imp *im, const struct nt_msg *m)
{
	struct nt_cursor c;
	int32_t cpu;
	int64_t count;
	uint64_t from, to;
	struct cpu_stat *cs;

	nt_cursor_init(&c, m);
	cpu = (int32_t)nt_cur_u32(&c);
	count = (int64_t)nt_cur_u64(&c);
	from = nt_cur_u64(&c);
	to = nt_cur_u64(&c);
	if (c.bad)
		return nt_err_set(&im->err, nt_err_new(NT_E_FAIL, "malformed lost-event record"));
	sqlite3_bind_int(im->lost_ins, 2, cpu);
	sqlite3_bind_int64(im->lost_ins, 3, (int64_t)from);
	sqlite3_bind_int64(im->lost_ins, 4, (int64_t)to);
	if (count >= 0)
		sqlite3_bind_int64(im->lost_ins, 5, count);
	else
		sqlite3_bind_null(im->lost_ins, 5);
	sqlite3_step(im->lost_ins);
	sqlite3_reset(im->lost_ins);
	cs = cpu_at(im, cpu);
	if (count < 0)
		im->lost_unknown = true;
	else if (cs)
		cs->lost_windows = nt_count_add(cs->lost_windows, count);
	else
		im->lost_nocpu = nt_count_add(im->lost_nocpu, count); /* how many, not where */
	return 0;
}

static int on_cpu(struct imp *im, const struct nt_msg *m)
{
	struct nt_cursor c;
	int32_t cpu;
	int64_t lost;
	struct cpu_stat *cs;

	nt_cursor_init(&c, m);
	cpu = (int32_t)nt_cur_u32(&c);
	lost = (int64_t)nt_cur_u64(&c);
	if (c.bad || !(cs = cpu_at(im, cpu)))
		return nt_err_set(&im->err, nt_err_new(NT_E_FAIL, "malformed cpu record"));
	cs->lost_stats = nt_count_add(cs->lost_stats, lost);
	return 0;
}

static int on_warn(struct imp *im, const struct nt_msg *m)
{
	struct nt_cursor c;
	uint32_t n;
	const char *s;

	nt_cursor_init(&c, m);
	s = nt_cur_str(&c, &n);
	im->warnings++;
	nt_progress_warn(im->path, s, n);
	sqlite3_bind_text(im->warn_ins, 2, s, (int)n, SQLITE_STATIC);
	sqlite3_step(im->warn_ins);
	sqlite3_reset(im->warn_ins);
	return 0;
}

static int on_error(struct imp *im, const struct nt_msg *m)
{
	struct nt_cursor c;
	uint32_t n, hn, kind;
	const char *s, *h;
	struct nt_err *e;

	nt_cursor_init(&c, m);
	kind = nt_cur_u32(&c);
	s = nt_cur_str(&c, &n);
	h = nt_cur_str(&c, &hn);
	if (kind < NT_E_FAIL || kind > NT_E_INTR)
		kind = NT_E_INPUT;
	e = nt_err_new((enum nt_err_kind)kind, "%.*s", (int)n, s);
	if (hn)
		nt_err_hint(e, "%.*s", (int)hn, h);
	return nt_err_set(&im->err, e);
}

static void show_progress(struct imp *im, bool final)
{
	double t = nt_sys_now();
	char what[300];

	if (!im->progress || (!final && t - im->last_shown < 0.2))
		return;
	im->last_shown = t;
	if (im->nfiles > 1)
		snprintf(what, sizeof(what), "importing '%s' (%u of %u)", im->path, im->file_no,
			 im->nfiles);
	else
		snprintf(what, sizeof(what), "importing '%s'", im->path);
	nt_progress(what, im->events, 0, final);
}

static int consume(struct imp *im, const unsigned char *data, size_t len)
{
	size_t pos = 0;
	struct nt_msg m;
	int r;

	while ((r = nt_msg_next(data, len, &pos, &m)) == 1) {
		switch (m.type) {
		case NT_MSG_EVENT:
			r = on_event(im, &m);
			if (!(im->events & 0xffff))
				show_progress(im, false);
			break;
		case NT_MSG_CLASS:
			r = define_class(im, &m);
			break;
		case NT_MSG_TASK:
			r = on_task(im, &m);
			break;
		case NT_MSG_INFO:
			r = on_info(im, &m);
			break;
		case NT_MSG_LOST:
			r = on_lost(im, &m);
			break;
		case NT_MSG_CPU:
			r = on_cpu(im, &m);
			break;
		case NT_MSG_WARN:
			r = on_warn(im, &m);
			break;
		case NT_MSG_ERROR:
			return on_error(im, &m);
		case NT_MSG_END:
			im->ended = true;
			r = 0;
			break;
		}
		if (r)
			return -1;
	}
	if (r < 0 || pos != len)
		return nt_err_set(&im->err,
				  nt_err_new(NT_E_FAIL, "corrupt stream from the reader"));
	return 0;
}

/* ---- the trace row ---- */

/* FNV-1a over the first and last MiB of @f from @size bytes (folded into @h). */
static uint64_t hash_file(FILE *f, off_t size, uint64_t h)
{
	unsigned char buf[65536];

	for (int part = 0; part < 2; part++) {
		off_t at = part ? (size > (1 << 20) ? size - (1 << 20) : size) : 0;
		size_t left = 1 << 20, n;

		if (fseeko(f, at, SEEK_SET))
			break;
		while (left &&
		       (n = fread(buf, 1, left < sizeof(buf) ? left : sizeof(buf), f)) > 0) {
			for (size_t i = 0; i < n; i++)
				h = (h ^ buf[i]) * 1099511628211ull;
			left -= n;
		}
	}
	return h;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Size + FNV-1a over the first and last MiB: cheap, and tells files apart. A directory (CTF)
 * hashes the names, sizes and heads of its files (two levels: streams and index/).
 */
static uint64_t fingerprint_dir(const char *path, int depth, uint64_t h, long long *total)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;

	while (d && (e = readdir(d))) {
		char **x;
		if (e->d_name[0] == '.' || !(x = realloc(names, (n + 1) * sizeof(*x))))
			continue;
		names = x;
		if ((names[n] = strdup(e->d_name)))
			n++;
	}
	if (d)
		closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		char full[4096];
		struct stat st;
		FILE *f;

		snprintf(full, sizeof(full), "%s/%s", path, names[i]);
		for (const char *c = names[i]; *c; c++)
			h = (h ^ (unsigned char)*c) * 1099511628211ull;
		if (stat(full, &st) == 0 && S_ISDIR(st.st_mode) && depth < 2) {
			h = fingerprint_dir(full, depth + 1, h, total);
		} else if (S_ISREG(st.st_mode) && (f = fopen(full, "rb"))) {
			h = hash_file(f, st.st_size, h ^ (uint64_t)st.st_size);
			*total += st.st_size;
			fclose(f);
		}
		free(names[i]);
	}
	free(names);
	return h;
}

static void fingerprint(const char *path, char out[64])
{
	struct stat st;
	uint64_t h = 1469598103934665603ull;
	long long size = 0;
	FILE *f;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		h = fingerprint_dir(path, 0, h, &size);
		snprintf(out, 64, "d%lld-%016" PRIx64, size, h);
		return;
	}
	f = fopen(path, "rb");
	if (f && !fstat(fileno(f), &st)) {
		size = st.st_size;
		h = hash_file(f, st.st_size, h);
	}
	if (f)
		fclose(f);
	snprintf(out, 64, "%lld-%016" PRIx64, size, h);
}

static int delete_trace(struct nt_store *s, int64_t id, struct nt_err **err)
{
	sqlite3_stmt *st;
	char *sql;
	static const char *const tables[] = {"trace_meta", "trace_cpus", "lost_windows",
					     "warnings",   "tasks",	 "trace_classes",
					     "traces"};

	if (sqlite3_prepare_v2(s->db,
			       "SELECT c.name, tc.first_rowid, tc.last_rowid FROM trace_classes tc "
			       "JOIN event_classes c ON c.id = tc.class_id WHERE tc.trace_id=?",
			       -1, &st, NULL) != SQLITE_OK)
		return nt_err_set(err, nt_store_sqlerr(s, "cannot delete the old trace"));
	sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		char *t = nt_sql_ident((const char *)sqlite3_column_text(st, 0));
		int rc = -1;
		if (t &&
		    asprintf(&sql,
			     "DELETE FROM %s WHERE rowid BETWEEN %lld AND %lld AND trace_id=%lld",
			     t, sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2),
			     (long long)id) >= 0) {
			rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
			free(sql);
		}
		free(t);
		if (rc != SQLITE_OK) {
			sqlite3_finalize(st);
			return nt_err_set(err, nt_store_sqlerr(s, "cannot delete the old trace"));
		}
	}
	sqlite3_finalize(st);
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		if (asprintf(&sql, "DELETE FROM %s WHERE %s=%lld", tables[i],
			     strcmp(tables[i], "traces") ? "trace_id" : "id", (long long)id) < 0)
			return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
		if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
			free(sql);
			return nt_err_set(err, nt_store_sqlerr(s, "cannot delete the old trace"));
		}
		free(sql);
	}
	return 0;
}

/* Refuse (or, with replace, delete) a trace already imported from the same file. */
static int check_duplicate(struct nt_store *s, const char *path, const char *fp, bool replace,
			   struct nt_err **err)
{
	sqlite3_stmt *st;
	int64_t id = 0;
	char *old = NULL;

	if (sqlite3_prepare_v2(s->db, "SELECT id, path FROM traces WHERE fingerprint=? ORDER BY id",
			       -1, &st, NULL) != SQLITE_OK)
		return nt_err_set(err, nt_store_sqlerr(s, "cannot query traces"));
	sqlite3_bind_text(st, 1, fp, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		old = strdup((const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	if (!id)
		return 0;
	if (!replace) {
		nt_err_set(err, nt_err_new(NT_E_INPUT,
					   "'%s' is already in '%s' as trace %lld (imported from "
					   "'%s'); use --replace to import it again",
					   path, s->path, (long long)id, old ? old : "?"));
		free(old);
		return -1;
	}
	free(old);
	return delete_trace(s, id, err);
}

/* Rebuild the "events" view over every event table (nested when there are many). */
/* Drop the events view and its parts. */
static int drop_views(struct nt_store *s, struct nt_err **err)
{
	sqlite3_stmt *st;
	char **names = NULL;
	int nn = 0;

	if (sqlite3_prepare_v2(s->db,
			       "SELECT name FROM sqlite_master WHERE type='view' AND "
			       "(name='events' OR name LIKE 'events_part_%')",
			       -1, &st, NULL) != SQLITE_OK)
		return nt_err_set(err, nt_store_sqlerr(s, "cannot rebuild the events view"));
	while (sqlite3_step(st) == SQLITE_ROW) {
		char **x = realloc(names, (size_t)(nn + 1) * sizeof(*x));
		if (!x)
			break;
		names = x;
		names[nn++] = nt_sql_ident((const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	for (int i = 0; i < nn; i++) {
		char *d;
		if (names[i] && asprintf(&d, "DROP VIEW %s", names[i]) >= 0) {
			sqlite3_exec(s->db, d, NULL, NULL, NULL);
			free(d);
		}
		free(names[i]);
	}
	free(names);
	return 0;
}

/* The CREATE VIEW of a part per @chunk classes of @st (id, name) into @mem; how many parts. */
static int view_parts(sqlite3_stmt *st, FILE *mem, int chunk)
{
	int nparts = 0, n = 0;

	while (sqlite3_step(st) == SQLITE_ROW) {
		char *t = nt_sql_ident((const char *)sqlite3_column_text(st, 1));
		if (n % chunk == 0) {
			if (n) {
				fputs(";\n", mem);
			}
			fprintf(mem, "CREATE VIEW events_part_%d AS ", nparts++);
		} else {
			fputs(" UNION ALL ", mem);
		}
		fprintf(mem,
			"SELECT trace_id, common_ts AS ts, common_cpu AS cpu, common_pid AS pid, "
			"common_task AS task_id, %lld AS class_id, rowid AS event_rowid FROM %s",
			sqlite3_column_int64(st, 0), t ? t : "\"\"");
		free(t);
		n++;
	}
	if (n)
		fputs(";\n", mem);
	return nparts;
}

static int rebuild_view(struct nt_store *s, struct nt_err **err)
{
	sqlite3_stmt *st;
	char *sql = NULL;
	size_t len = 0;
	int nparts, rc = 0;
	FILE *mem;
	const int chunk = 200;

	if (sqlite3_exec(s->db, "SELECT 1", NULL, NULL, NULL) != SQLITE_OK)
		return 0;
	if (drop_views(s, err))
		return -1;
	if (sqlite3_prepare_v2(s->db, "SELECT id, name FROM event_classes ORDER BY id", -1, &st,
			       NULL) != SQLITE_OK)
		return nt_err_set(err, nt_store_sqlerr(s, "cannot rebuild the events view"));
	mem = open_memstream(&sql, &len);
	if (!mem) {
		sqlite3_finalize(st);
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	}
	nparts = view_parts(st, mem, chunk);
	sqlite3_finalize(st);
	fputs("CREATE VIEW events AS SELECT e.trace_id, e.ts, e.cpu, e.pid, t.comm, c.name, "
	      "e.class_id, e.event_rowid FROM (",
	      mem);
	if (!nparts)
		fputs("SELECT NULL AS trace_id, NULL AS ts, NULL AS cpu, NULL AS pid, NULL AS "
		      "task_id, "
		      "NULL AS class_id, NULL AS event_rowid WHERE 0",
		      mem);
	for (int i = 0; i < nparts; i++)
		fprintf(mem, "%sSELECT * FROM events_part_%d", i ? " UNION ALL " : "", i);
	fputs(") e JOIN event_classes c ON c.id = e.class_id LEFT JOIN tasks t ON t.id = "
	      "e.task_id;\n",
	      mem);
	fclose(mem);
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		rc = nt_err_set(err, nt_store_sqlerr(s, "cannot rebuild the events view"));
	free(sql);
	return rc;
}

/* The events per class of this trace (trace_classes). */
static int store_class_counts(struct imp *im)
{
	sqlite3_stmt *st;

	st = prep(im, "INSERT INTO trace_classes(trace_id, class_id, orig_name, events, "
		      "first_rowid, last_rowid, format) "
		      "VALUES(?,?,?,?,?,?,?) ON CONFLICT(trace_id, class_id) DO UPDATE SET "
		      "events = events + excluded.events, first_rowid = min(first_rowid, "
		      "excluded.first_rowid), "
		      "last_rowid = max(last_rowid, excluded.last_rowid)");
	if (!st)
		return -1;
	for (uint32_t i = 0; i < im->ncls; i++) {
		struct iclass *ic = &im->cls[i];
		if (!ic->defined || !ic->events)
			continue;
		sqlite3_bind_int64(st, 1, im->trace_id);
		sqlite3_bind_int64(st, 2, ic->class_id);
		sqlite3_bind_text(st, 3, ic->orig, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, ic->events);
		sqlite3_bind_int64(st, 5, ic->first_rowid);
		sqlite3_bind_int64(st, 6, ic->last_rowid);
		sqlite3_bind_text(st, 7, ic->format, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_finalize(st);
			return fail_sql(im, "cannot store the class counts");
		}
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return 0;
}

/* The events and lost events per cpu (trace_cpus); the lost ones summed into *@lost. */
static int store_cpus(struct imp *im, int64_t *lost)
{
	sqlite3_stmt *st;

	st = prep(im, "INSERT INTO trace_cpus(trace_id, cpu, events, lost_events, first_ts, "
		      "last_ts) VALUES(?,?,?,?,?,?)");
	if (!st)
		return -1;
	for (int c = 0; c < im->ncpus; c++) {
		struct cpu_stat *cs = &im->cpus[c];
		int64_t l = cs->lost_stats > cs->lost_windows ? cs->lost_stats : cs->lost_windows;
		if (!cs->seen && !l && c >= im->info_ncpus)
			continue;
		*lost = nt_count_add(*lost, l);
		sqlite3_bind_int64(st, 1, im->trace_id);
		sqlite3_bind_int(st, 2, c);
		sqlite3_bind_int64(st, 3, cs->events);
		sqlite3_bind_int64(st, 4, l);
		if (cs->seen) {
			sqlite3_bind_int64(st, 5, (int64_t)cs->first_ts);
			sqlite3_bind_int64(st, 6, (int64_t)cs->last_ts);
		} else {
			sqlite3_bind_null(st, 5);
			sqlite3_bind_null(st, 6);
		}
		sqlite3_step(st);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return 0;
}

/* The tasks' event counts. */
static int store_task_events(struct imp *im)
{
	sqlite3_stmt *st;

	st = prep(im, "UPDATE tasks SET events=? WHERE id=?");
	if (!st)
		return -1;
	for (size_t i = 0; i < im->ntask_events; i++) {
		if (!im->task_events[i])
			continue;
		sqlite3_bind_int64(st, 1, im->task_events[i]);
		sqlite3_bind_int64(st, 2, im->task_base + (int64_t)i);
		sqlite3_step(st);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return 0;
}

/* The trace's row: what the reader said about it and what was counted. */
static int store_summary(struct imp *im, int64_t lost)
{
	sqlite3_stmt *st;

	st = prep(im, "UPDATE traces SET format=?, kernel=?, hostname=?, arch=?, ncpus=?, clock=?, "
		      "first_ts=?, last_ts=?, events=?, lost_events=?, lost_unknown=?, warnings=? "
		      "WHERE id=?");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, im->info_format ? im->info_format : "?", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, im->info_kernel, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, im->info_host, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, im->info_arch, -1, SQLITE_STATIC);
	if (im->info_ncpus > 0)
		sqlite3_bind_int64(st, 5, im->info_ncpus);
	sqlite3_bind_text(st, 6, im->info_clock, -1, SQLITE_STATIC);
	if (im->events) {
		sqlite3_bind_int64(st, 7, (int64_t)im->first_ts);
		sqlite3_bind_int64(st, 8, (int64_t)im->last_ts);
	}
	sqlite3_bind_int64(st, 9, (int64_t)im->events);
	sqlite3_bind_int64(st, 10, nt_count_add(lost, im->lost_nocpu));
	sqlite3_bind_int(st, 11, im->lost_unknown);
	sqlite3_bind_int(st, 12, (int)im->warnings);
	sqlite3_bind_int64(st, 13, im->trace_id);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		return fail_sql(im, "cannot store the trace summary");
	}
	sqlite3_finalize(st);
	return 0;
}

static int finish(struct imp *im)
{
	int64_t lost = 0;

	if (flush_all(im) || store_class_counts(im) || store_cpus(im, &lost) ||
	    store_task_events(im) || store_summary(im, lost))
		return -1;
	if (im->new_classes && rebuild_view(im->s, &im->err))
		return -1;
	return 0;
}

static void put_meta(struct imp *im, const char *key, const char *value)
{
	sqlite3_bind_text(im->meta_ins, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(im->meta_ins, 3, value, -1, SQLITE_STATIC);
	sqlite3_step(im->meta_ins);
	sqlite3_reset(im->meta_ins);
}

/*
 * The workload record saved beside the trace (PATH.workload, collect/workload.h) into
 * trace_meta: workload_root, workload_pids, workload_exclude (pids separated by spaces).
 * Without the file the trace has no workload.
 */
static int load_workload(struct imp *im, const char *path)
{
	char *p = NULL, line[256], *lists[2] = {NULL, NULL};
	size_t len[2] = {0, 0};
	FILE *f = NULL, *m[2] = {NULL, NULL};
	size_t n = strlen(path);
	long root = 0;

	while (n > 1 && path[n - 1] == '/') /* a CTF directory: the file is beside it */
		n--;
	if (asprintf(&p, "%.*s.workload", (int)n, path) < 0)
		return nt_err_set(&im->err, nt_err_new(NT_E_FAIL, "out of memory"));
	f = fopen(p, "r");
	free(p);
	if (!f)
		return 0;
	m[0] = open_memstream(&lists[0], &len[0]);
	m[1] = open_memstream(&lists[1], &len[1]);
	while (m[0] && m[1] && fgets(line, sizeof(line), f)) {
		long v;
		if (sscanf(line, "root %ld", &v) == 1 && v > 0)
			root = v;
		else if (sscanf(line, "pid %ld", &v) == 1 && v > 0)
			fprintf(m[0], "%s%ld", ftell(m[0]) ? " " : "", v);
		else if (sscanf(line, "exclude %ld", &v) == 1 && v > 0)
			fprintf(m[1], "%s%ld", ftell(m[1]) ? " " : "", v);
	}
	fclose(f);
	for (int i = 0; i < 2; i++)
		if (m[i])
			fclose(m[i]);
	if (root > 0 && lists[0] && lists[1]) {
		snprintf(line, sizeof(line), "%ld", root);
		put_meta(im, "workload_root", line);
		put_meta(im, "workload_pids", *lists[0] ? lists[0] : line);
		put_meta(im, "workload_exclude", lists[1]);
	}
	free(lists[0]);
	free(lists[1]);
	return 0;
}

static void imp_release(struct imp *im)
{
	for (uint32_t i = 0; i < im->ncls; i++)
		class_release(&im->cls[i]);
	free(im->cls);
	free(im->cpus);
	free(im->tasks.pid);
	free(im->task_events);
	free(im->tasks.id);
	sqlite3_finalize(im->task_ins);
	sqlite3_finalize(im->lost_ins);
	sqlite3_finalize(im->warn_ins);
	sqlite3_finalize(im->meta_ins);
	sqlite3_finalize(im->field_ins);
	free(im->info_kernel);
	free(im->info_host);
	free(im->info_arch);
	free(im->info_clock);
	free(im->info_format);
	nt_spool_close(im->spool);
}

static int begin_trace(struct imp *im, const char *path, const char *fp, const char *format)
{
	sqlite3_stmt *st;
	char abs[PATH_MAX];
	char when[64];
	time_t t = time(NULL);

	if (!realpath(path, abs))
		snprintf(abs, sizeof(abs), "%s", path);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	st = prep(im, "INSERT INTO traces(path, fingerprint, format, imported_at) VALUES(?,?,?,?)");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, abs, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, fp, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, format, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, when, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		return fail_sql(im, "cannot add the trace");
	}
	sqlite3_finalize(st);
	im->trace_id = sqlite3_last_insert_rowid(im->s->db);
	st = prep(im, "SELECT coalesce(max(last_rowid), 0) FROM trace_classes");
	if (!st)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		im->seq = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (!(im->task_ins = prep(im, "INSERT INTO tasks(trace_id, pid, comm) VALUES(?,?,?)")) ||
	    !(im->lost_ins = prep(im, "INSERT INTO lost_windows(trace_id, cpu, ts_from, ts_to, "
				      "count) VALUES(?,?,?,?,?)")) ||
	    !(im->warn_ins = prep(im, "INSERT INTO warnings(trace_id, message) VALUES(?,?)")) ||
	    !(im->meta_ins = prep(
		      im, "INSERT OR IGNORE INTO trace_meta(trace_id, key, value) VALUES(?,?,?)")))
		return -1;
	sqlite3_bind_int64(im->task_ins, 1, im->trace_id);
	sqlite3_bind_int64(im->lost_ins, 1, im->trace_id);
	sqlite3_bind_int64(im->warn_ins, 1, im->trace_id);
	sqlite3_bind_int64(im->meta_ins, 1, im->trace_id);
	return 0;
}

struct nt_import_prep {
	char *path; /* owned */
	const struct nt_reader_ops *ops;
	struct nt_source *src; /* owned: the reader, when started ahead */
	char fp[64];
	struct nt_err *err; /* owned: why the file cannot be imported */
};

struct nt_import_prep *nt_store_import_prep(const char *path, const struct nt_import_opts *o,
					    bool start)
{
	struct nt_import_prep *p = calloc(1, sizeof(*p));

	if (!p || !(p->path = strdup(path))) {
		free(p);
		return NULL;
	}
	if (o->format) {
		p->ops = nt_reader_find(o->format);
		if (!p->ops)
			p->err = nt_err_new(NT_E_USAGE, "unknown format '%s'", o->format);
		else if (access(path, R_OK) < 0)
			p->err = nt_err_errno(NT_E_INPUT, errno, "cannot open '%s'", path);
	} else {
		nt_reader_probe(path, &p->ops, &p->err);
	}
	if (p->err)
		return p;
	fingerprint(path, p->fp);
	if (start && !o->in_process)
		nt_source_open(path, p->ops, true, o->timeout_s, &p->src, &p->err);
	return p;
}

bool nt_store_import_prep_drained(const struct nt_import_prep *p, size_t *held)
{
	return nt_source_drained(p ? p->src : NULL, held);
}

void nt_store_import_prep_free(struct nt_import_prep *p)
{
	if (!p)
		return;
	nt_source_close(p->src);
	nt_err_free(p->err);
	free(p->path);
	free(p);
}

int nt_store_import(struct nt_store *s, const char *path, const struct nt_import_opts *o,
		    struct nt_import_result *res, struct nt_err **err)
{
	struct nt_import_prep *p = nt_store_import_prep(path, o, false);
	int ret = nt_store_import_run(s, p, o, res, err);

	nt_store_import_prep_free(p);
	return ret;
}

/* Store what the reader @reader sends through @src until its end. 0, or -1 with im->err set. */
static int read_all(struct imp *im, struct nt_source *src, const char *reader)
{
	for (;;) {
		const unsigned char *data;
		size_t len;
		enum nt_next r = nt_source_read(src, &data, &len, &im->err);

		if (r == NT_NEXT_ERROR)
			return -1;
		if (r == NT_NEXT_END)
			break;
		if (consume(im, data, len))
			return -1;
		nt_analyze_follow_serve(im->follow);
		/* tests: a signal while a file is half stored (and, with -j, others are read) */
		nt_test_pause("import-reading", &nt_interrupted);
		if (nt_interrupted)
			return nt_err_set(&im->err, nt_err_new(NT_E_INTR, "interrupted"));
	}
	if (!im->ended)
		return nt_err_set(&im->err,
				  nt_err_new(NT_E_INPUT, "the %s reader ended early", reader));
	return 0;
}

/* What the import of @im (read as @format) stored, for the caller. */
static void fill_result(struct nt_store *s, const struct imp *im, const char *format,
			struct nt_import_result *res)
{
	sqlite3_stmt *st;

	res->trace_id = im->trace_id;
	res->events = im->events;
	res->warnings = im->warnings;
	res->lost_unknown = im->lost_unknown;
	res->format = format;
	if (sqlite3_prepare_v2(s->db, "SELECT lost_events FROM traces WHERE id=?", -1, &st, NULL) ==
	    SQLITE_OK) {
		sqlite3_bind_int64(st, 1, im->trace_id);
		if (sqlite3_step(st) == SQLITE_ROW)
			res->lost = (uint64_t)sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
}

/* The analyses' spool, beside the database file. */
static struct nt_spool *spool_open(struct nt_store *s)
{
	char *dir = nt_sys_dir_of(s->tmp_path ? s->tmp_path : s->path);
	struct nt_spool *sp = dir ? nt_spool_open(dir) : NULL;

	free(dir);
	return sp;
}

/*
 * Begin the import's transaction, holding the database's write lock, as BEGIN IMMEDIATE does.
 * With the analyses' side database attached (@side), BEGIN IMMEDIATE would lock it too, and
 * their own connection could not write it: then a write that changes nothing takes the
 * database's lock alone (waiting through the busy handler as BEGIN IMMEDIATE would).
 */
static int begin_write(struct nt_store *s, bool side, struct nt_err **err)
{
	if (!side)
		return nt_store_exec(s, "BEGIN IMMEDIATE", "cannot start the import", err);
	if (nt_store_exec(s, "BEGIN", "cannot start the import", err))
		return -1;
	if (!nt_store_exec(s, "DELETE FROM main.traces WHERE 0", "cannot start the import", err))
		return 0;
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

int nt_store_import_run(struct nt_store *s, struct nt_import_prep *p,
			const struct nt_import_opts *o, struct nt_import_result *res,
			struct nt_err **err)
{
	const struct nt_reader_ops *ops;
	struct nt_source *src = NULL;
	struct nt_side *side = NULL;
	struct imp im = {.s = s};
	const char *path, *fp;
	bool in_txn = false;
	int ret = -1;

	memset(res, 0, sizeof(*res));
	if (!p)
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	if (p->err) {
		nt_err_set(err, p->err);
		p->err = NULL;
		return -1;
	}
	ops = p->ops;
	im.path = path = p->path;
	fp = p->fp;
	src = p->src; /* started ahead, or opened below as before */
	p->src = NULL;
	/* the analyses' side database (analyze.h), attached before the transaction */
	if (!o->no_analyze)
		side = nt_analyze_side_open(s->db, s->path);
	if (begin_write(s, side != NULL, &im.err))
		goto out;
	in_txn = true;
	if (check_duplicate(s, path, fp, o->replace, &im.err) ||
	    begin_trace(&im, path, fp, ops->name))
		goto out;
	if (!src && nt_source_open(path, ops, !o->in_process, o->timeout_s, &src, &im.err))
		goto out;
	if (load_workload(&im, path)) /* before the events: the analyses read it at their start */
		goto out;
	if (!o->no_analyze)
		im.spool = spool_open(s); /* NULL: the analyses read the tables */
	/* the analyses follow on another core while the events are stored (NULL: after) */
	if (im.spool &&
	    !(im.follow = nt_analyze_follow_start(s->db, im.trace_id, im.spool, side, &im.err)) &&
	    im.err)
		goto out;
	im.progress = o->progress;
	im.file_no = o->file_no;
	im.nfiles = o->nfiles;
	im.t0 = im.last_shown = nt_sys_now();
	if (read_all(&im, src, ops->name))
		goto out;
	show_progress(&im, true);
	if (finish(&im))
		goto out;
	nt_store_writeback(s); /* the events' pages: to disk while the analyses end */
	if (im.follow) {
		int r = nt_analyze_follow_end(im.follow, true, &im.err);
		im.follow = NULL;
		if (r)
			goto out;
	} else if (!o->no_analyze &&
		   nt_analyze_trace_spool(s->db, im.trace_id, im.spool, &im.err)) {
		goto out;
	}
	if (nt_interrupted) {
		nt_err_set(&im.err, nt_err_new(NT_E_INTR, "interrupted"));
		goto out;
	}
	if (nt_store_exec(s, "COMMIT", "cannot commit the import", &im.err))
		goto out;
	in_txn = false;
	nt_test_pause("import-committed", &nt_interrupted); /* tests: a signal after COMMIT */
	fill_result(s, &im, ops->name, res);
	ret = 0;
out:
	nt_analyze_follow_end(im.follow, false, NULL); /* stopped before the rollback */
	if (im.progress && ret)
		nt_progress("importing", im.events, 0, 1);
	nt_source_close(src);
	imp_release(&im);
	if (in_txn)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	nt_analyze_side_close(s->db, side);
	if (ret)
		nt_err_set(err,
			   im.err ? im.err : nt_err_new(NT_E_FAIL, "import of '%s' failed", path));
	return ret;
}
