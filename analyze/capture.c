/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The analyses' writes while they follow an import (capture.h). A row in a block: u8 statement
 * number, then each parameter as u8 type (SQLITE_INTEGER, _FLOAT, _TEXT, _NULL) and an i64, a
 * double, or u32 length + bytes.
 */
#define NT_CAPTURE_IMPL
#include "capture.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STMTS_MAX      64	    /* statements captured at once */
#define BATCH	       16	    /* rows of one statement the writer inserts with one INSERT */
#define BLOCK	       (256u << 10) /* rows handed to the writer this many bytes at a time */
#define BLOCKS_WAITING 16	    /* then the analyses wait for the writer */

struct qval {
	int type;
	int64_t i;
	double r;
	char *s; /* owned */
	int n, cap;
};

struct qstmt {
	sqlite3_stmt *st;
	int np;
	struct qval *v; /* np values: the bindings kept, as SQLite keeps them */
	/* the writer's */
	sqlite3_stmt *batch; /* BATCH rows at once, when @st's SQL allows (batch_sql) */
	bool batch_tried;
	const unsigned char **rows; /* a block's rows of this statement */
	size_t nrows, crows;
};

struct block {
	struct block *next;
	size_t len, cap;
	unsigned char data[];
};

struct nt_capture {
	bool on; /* capturing (the analyses' side reads it; set before their thread starts) */
	struct qstmt stmts[STMTS_MAX];
	int nstmts;
	struct block *cur; /* being filled by the analyses */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* under mu */
	struct block *head, *tail;
	int waiting;
	void (*call)(void *);
	void *call_arg;
	bool call_done, ended, parked, stopped;
};

static struct nt_capture *active;

struct nt_capture *nt_capture_start(void)
{
	struct nt_capture *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	c->on = true;
	active = c;
	return c;
}

bool nt_capture_active(const struct nt_capture *c)
{
	return c && c->on;
}

bool nt_capture_add(struct nt_capture *c, sqlite3_stmt *st)
{
	struct qstmt *q;
	int np = sqlite3_bind_parameter_count(st);

	if (!c->on || c->nstmts == STMTS_MAX)
		return false;
	q = &c->stmts[c->nstmts];
	if (!(q->v = calloc((size_t)np + 1, sizeof(*q->v))))
		return false;
	for (int i = 0; i < np; i++)
		q->v[i].type = SQLITE_NULL;
	q->st = st;
	q->np = np;
	pthread_mutex_lock(&c->mu); /* the writer reads the count under the lock (drain) */
	c->nstmts++;
	pthread_mutex_unlock(&c->mu);
	return true;
}

static void free_blocks(struct block *b)
{
	while (b) {
		struct block *n = b->next;
		free(b);
		b = n;
	}
}

void nt_capture_free(struct nt_capture *c)
{
	if (!c)
		return;
	if (active == c)
		active = NULL;
	for (int i = 0; i < c->nstmts; i++) {
		for (int k = 0; k < c->stmts[i].np; k++)
			free(c->stmts[i].v[k].s);
		free(c->stmts[i].v);
		free(c->stmts[i].rows);
		sqlite3_finalize(c->stmts[i].batch); /* (the writer frees the capture) */
	}
	free_blocks(c->head);
	free(c->cur);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	free(c);
}

/* ---- the analyses' side ---- */

/* The kept values of @st when it is captured, else NULL. */
static struct qstmt *captured(sqlite3_stmt *st)
{
	struct nt_capture *c = active;

	if (!c || !c->on)
		return NULL;
	for (int i = 0; i < c->nstmts; i++)
		if (c->stmts[i].st == st)
			return &c->stmts[i];
	return NULL;
}

/* Is @st captured? Then *@p is its kept parameter @i (NULL: out of range). */
static bool kept(sqlite3_stmt *st, int i, struct qval **p)
{
	struct qstmt *q = captured(st);

	if (!q)
		return false;
	*p = i >= 1 && i <= q->np ? &q->v[i - 1] : NULL;
	return true;
}

int nt_q_bind_int64(sqlite3_stmt *st, int i, sqlite3_int64 v)
{
	struct qval *p;

	if (!kept(st, i, &p))
		return sqlite3_bind_int64(st, i, v);
	if (!p)
		return SQLITE_RANGE;
	p->type = SQLITE_INTEGER;
	p->i = v;
	return SQLITE_OK;
}

int nt_q_bind_int(sqlite3_stmt *st, int i, int v)
{
	return nt_q_bind_int64(st, i, v);
}

int nt_q_bind_double(sqlite3_stmt *st, int i, double v)
{
	struct qval *p;

	if (!kept(st, i, &p))
		return sqlite3_bind_double(st, i, v);
	if (!p)
		return SQLITE_RANGE;
	p->type = SQLITE_FLOAT;
	p->r = v;
	return SQLITE_OK;
}

int nt_q_bind_null(sqlite3_stmt *st, int i)
{
	struct qval *p;

	if (!kept(st, i, &p))
		return sqlite3_bind_null(st, i);
	if (!p)
		return SQLITE_RANGE;
	p->type = SQLITE_NULL;
	return SQLITE_OK;
}

int nt_q_bind_text(sqlite3_stmt *st, int i, const char *v, int n, void (*del)(void *))
{
	struct qval *p;
	int rc = SQLITE_OK;

	if (!kept(st, i, &p))
		return sqlite3_bind_text(st, i, v, n, del);
	if (!p) {
		rc = SQLITE_RANGE;
	} else if (!v) {
		p->type = SQLITE_NULL;
	} else {
		if (n < 0)
			n = (int)strlen(v);
		if (n + 1 > p->cap) {
			char *x = realloc(p->s, (size_t)n + 1);
			if (!x)
				rc = SQLITE_NOMEM;
			else
				p->s = x, p->cap = n + 1;
		}
		if (rc == SQLITE_OK) {
			memcpy(p->s, v, (size_t)n);
			p->s[n] = '\0';
			p->n = n;
			p->type = SQLITE_TEXT;
		}
	}
	/* SQLite disposes of the text with @del when done with it (or when binding fails) */
	if (v && del != SQLITE_STATIC && del != SQLITE_TRANSIENT)
		del((void *)v);
	return rc;
}

/* Hand block @b to the writer, waiting while too many wait: 0, or -1 when stopped. */
static int hand(struct nt_capture *c, struct block *b)
{
	pthread_mutex_lock(&c->mu);
	while (c->waiting >= BLOCKS_WAITING && !c->stopped)
		pthread_cond_wait(&c->cv, &c->mu);
	if (c->stopped) {
		pthread_mutex_unlock(&c->mu);
		free(b);
		return -1;
	}
	b->next = NULL;
	if (c->tail)
		c->tail->next = b;
	else
		c->head = b;
	c->tail = b;
	c->waiting++;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	return 0;
}

/* Room for @need more bytes in the current block: a pointer to them, or NULL. */
static unsigned char *room(struct nt_capture *c, size_t need)
{
	struct block *b = c->cur;

	if (b && b->len + need > b->cap) {
		c->cur = NULL;
		if (hand(c, b))
			return NULL;
		b = NULL;
	}
	if (!b) {
		size_t cap = need > BLOCK ? need : BLOCK;
		if (!(b = malloc(sizeof(*b) + cap)))
			return NULL;
		b->len = 0;
		b->cap = cap;
		b->next = NULL;
		c->cur = b;
	}
	b->len += need;
	return b->data + b->len - need;
}

/* The bytes of @q's kept values as a row (the block format above). */
static size_t row_size(const struct qstmt *q)
{
	size_t need = 3;

	for (int i = 0; i < q->np; i++)
		need += 1 + (q->v[i].type == SQLITE_TEXT   ? 4 + (size_t)q->v[i].n
			     : q->v[i].type == SQLITE_NULL ? 0
							   : 8);
	return need;
}

/* Write @q (statement number @sn) as a row at @p (row_size() bytes). */
static void put_row(const struct qstmt *q, int sn, unsigned char *p)
{
	uint16_t np = (uint16_t)q->np;

	*p++ = (unsigned char)sn;
	memcpy(p, &np, 2);
	p += 2;
	for (int i = 0; i < q->np; i++) {
		const struct qval *v = &q->v[i];
		*p++ = (unsigned char)v->type;
		if (v->type == SQLITE_INTEGER) {
			memcpy(p, &v->i, 8);
			p += 8;
		} else if (v->type == SQLITE_FLOAT) {
			memcpy(p, &v->r, 8);
			p += 8;
		} else if (v->type == SQLITE_TEXT) {
			uint32_t n = (uint32_t)v->n;
			memcpy(p, &n, 4);
			memcpy(p + 4, v->s, n);
			p += 4 + n;
		}
	}
}

int nt_q_step(sqlite3_stmt *st)
{
	struct qstmt *q = captured(st);
	struct nt_capture *c = active;
	size_t need;
	unsigned char *p;

	if (!q)
		return sqlite3_step(st);
	need = row_size(q);
	if (!(p = room(c, need)))
		return SQLITE_ERROR;
	put_row(q, (int)(q - c->stmts), p);
	return SQLITE_DONE;
}

int nt_q_reset(sqlite3_stmt *st)
{
	return captured(st) ? SQLITE_OK : sqlite3_reset(st);
}

int nt_q_clear_bindings(sqlite3_stmt *st)
{
	struct qstmt *q = captured(st);

	if (!q)
		return sqlite3_clear_bindings(st);
	for (int i = 0; i < q->np; i++)
		q->v[i].type = SQLITE_NULL;
	return SQLITE_OK;
}

int nt_capture_call(struct nt_capture *c, void (*fn)(void *arg), void *arg)
{
	int rc;

	pthread_mutex_lock(&c->mu);
	c->call = fn;
	c->call_arg = arg;
	c->call_done = false;
	pthread_cond_broadcast(&c->cv);
	while (!c->call_done && !c->stopped)
		pthread_cond_wait(&c->cv, &c->mu);
	rc = c->call_done ? 0 : -1;
	c->call = NULL;
	pthread_mutex_unlock(&c->mu);
	return rc;
}

/*
 * Bind row @p (from a block, after its statement number) to @st at parameters @base + 1 ...;
 * texts with @text (SQLITE_STATIC: the row outlives the step). Returns the end of the row.
 */
static const unsigned char *bind_row(sqlite3_stmt *st, int base, const unsigned char *p,
				     void (*text)(void *));

int nt_capture_handover(struct nt_capture *c)
{
	struct block *b = c->cur;
	bool parked;

	c->cur = NULL;
	if (b && !b->len) {
		free(b);
		b = NULL;
	}
	if (b && hand(c, b)) /* (the writer frees it) */
		return -1;
	pthread_mutex_lock(&c->mu);
	c->ended = true;
	pthread_cond_broadcast(&c->cv);
	while (!c->parked && !c->stopped)
		pthread_cond_wait(&c->cv, &c->mu);
	parked = c->parked;
	pthread_mutex_unlock(&c->mu);
	if (!parked)
		return -1;
	/* the connection is ours: the statements get the bindings kept, as if never captured */
	c->on = false;
	for (int s = 0; s < c->nstmts; s++) {
		const struct qstmt *q = &c->stmts[s];
		unsigned char *row = malloc(row_size(q));
		if (!row)
			return -1;
		put_row(q, s, row);
		bind_row(q->st, 0, row + 1, SQLITE_TRANSIENT);
		free(row);
	}
	return 0;
}

/* ---- the writer's side ---- */

/* The table an INSERT statement writes, for messages. */
static void table_of(sqlite3_stmt *st, char *out, size_t n)
{
	const char *sql = sqlite3_sql(st), *p = sql ? strstr(sql, "INTO ") : NULL;
	size_t k = 0;

	if (p)
		for (p += 5; *p && *p != '(' && *p != ' ' && k + 1 < n; p++)
			out[k++] = *p;
	out[k] = '\0';
}

/*
 * @sql ("INSERT INTO t VALUES(...)", @np parameters all "?" or all "?NNN") for @k rows: the
 * tuple @k times, its parameters renumbered row by row, as INSERT OR FAIL (no statement
 * journal: store/import.c, insert_sql, says why). NULL when @sql has another form.
 */
static char *batch_sql(const char *sql, int np, int k)
{
	const char *v = sql ? strstr(sql, " VALUES(") : NULL, *t;
	size_t len, tl;
	char *out, *o;

	if (!v || strncmp(sql, "INSERT INTO ", 12) || strchr(sql, '\'') || strchr(sql, ';'))
		return NULL;
	t = v + 7; /* the tuple, from its '(' */
	tl = strlen(t);
	if (tl < 2 || t[tl - 1] != ')')
		return NULL;
	len = 8 + (size_t)(t - sql) + (size_t)k * (tl + 1 + 4 * (size_t)np);
	if (!(out = malloc(len + 1)))
		return NULL;
	memcpy(out, "INSERT OR FAIL INTO ", 20);
	memcpy(out + 20, sql + 12, (size_t)(t - sql) - 12);
	o = out + 8 + (t - sql);
	for (int r = 0; r < k; r++) {
		int seq = 0;
		bool numbered = false;
		if (r)
			*o++ = ',';
		for (const char *p = t; p < t + tl; p++) {
			long n;
			char *end;
			if (*p != '?') {
				*o++ = *p;
				continue;
			}
			n = strtol(p + 1, &end, 10);
			if (end == p + 1) /* "?": the next number */
				n = numbered ? -1 : ++seq;
			else if (seq) /* both forms: not batched */
				n = -1;
			numbered |= end != p + 1;
			if (n < 1 || n > np) {
				free(out);
				return NULL;
			}
			o += sprintf(o, "?%ld", n + (long)r * np);
			p = end - 1;
		}
	}
	*o = '\0';
	return out;
}

static const unsigned char *bind_row(sqlite3_stmt *st, int base, const unsigned char *p,
				     void (*text)(void *))
{
	uint16_t np;

	memcpy(&np, p, 2);
	p += 2;
	for (int i = base + 1; i <= base + np; i++) {
		int type = *p++;
		if (type == SQLITE_INTEGER) {
			int64_t v;
			memcpy(&v, p, 8);
			sqlite3_bind_int64(st, i, v);
			p += 8;
		} else if (type == SQLITE_FLOAT) {
			double v;
			memcpy(&v, p, 8);
			sqlite3_bind_double(st, i, v);
			p += 8;
		} else if (type == SQLITE_TEXT) {
			uint32_t n;
			memcpy(&n, p, 4);
			sqlite3_bind_text(st, i, (const char *)p + 4, (int)n, SQLITE_STATIC);
			p += 4 + n;
		} else {
			sqlite3_bind_null(st, i);
		}
	}
	return p;
}

static int step_reset(sqlite3_stmt *st, struct nt_err **err)
{
	int rc = sqlite3_step(st);
	char table[128];

	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	table_of(st, table, sizeof(table));
	return nt_err_set(err, nt_err_new(NT_E_FAIL, "cannot store %s: %s", table,
					  sqlite3_errmsg(sqlite3_db_handle(st))));
}

/* Insert the rows gathered for @q, in their order: BATCH at a time where it can. */
static int run_rows(struct qstmt *q, struct nt_err **err)
{
	size_t r = 0;

	if (q->nrows >= BATCH && !q->batch_tried) {
		char *sql = batch_sql(sqlite3_sql(q->st), q->np, BATCH);
		q->batch_tried = true;
		if (sql && sqlite3_prepare_v2(sqlite3_db_handle(q->st), sql, -1, &q->batch, NULL) !=
				   SQLITE_OK) {
			sqlite3_finalize(q->batch);
			q->batch = NULL;
		}
		free(sql);
	}
	for (; q->batch && r + BATCH <= q->nrows; r += BATCH) {
		for (int k = 0; k < BATCH; k++)
			bind_row(q->batch, k * q->np, q->rows[r + (size_t)k], SQLITE_STATIC);
		if (step_reset(q->batch, err))
			return -1;
	}
	for (; r < q->nrows; r++) {
		bind_row(q->st, 0, q->rows[r], SQLITE_STATIC);
		if (step_reset(q->st, err))
			return -1;
	}
	return 0;
}

/*
 * Run the rows of block @b: gathered by statement, each statement's in their order (rows of
 * different tables do not depend on one another: the captured INSERTs read only tasks).
 */
static int run_block(struct nt_capture *c, int nstmts, const struct block *b, struct nt_err **err)
{
	const unsigned char *p = b->data, *end = b->data + b->len;

	for (int s = 0; s < nstmts; s++)
		c->stmts[s].nrows = 0;
	while (p < end) {
		struct qstmt *q = &c->stmts[*p++];
		uint16_t np;

		if (q->nrows == q->crows) {
			size_t n = q->crows ? 2 * q->crows : 256;
			const unsigned char **x = realloc(q->rows, n * sizeof(*x));
			if (!x)
				return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
			q->rows = x;
			q->crows = n;
		}
		q->rows[q->nrows++] = p;
		/* skip the row */
		memcpy(&np, p, 2);
		p += 2;
		for (int i = 0; i < np; i++) {
			int type = *p++;
			if (type == SQLITE_INTEGER || type == SQLITE_FLOAT) {
				p += 8;
			} else if (type == SQLITE_TEXT) {
				uint32_t n;
				memcpy(&n, p, 4);
				p += 4 + n;
			}
		}
	}
	for (int s = 0; s < nstmts; s++)
		if (c->stmts[s].nrows && run_rows(&c->stmts[s], err))
			return -1;
	return 0;
}

int nt_capture_drain(struct nt_capture *c, struct nt_err **err)
{
	struct block *b;
	void (*fn)(void *);
	void *arg;
	int rc = 0, nstmts;

	pthread_mutex_lock(&c->mu);
	nstmts = c->nstmts; /* the statements the rows handed over may use */
	b = c->head;
	c->head = c->tail = NULL;
	c->waiting = 0;
	fn = c->call_done ? NULL : c->call;
	arg = c->call_arg;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	for (struct block *x = b; x && !rc; x = x->next)
		rc = run_block(c, nstmts, x, err);
	free_blocks(b);
	if (rc) {
		nt_capture_stop(c);
		return -1;
	}
	if (fn) {
		fn(arg);
		pthread_mutex_lock(&c->mu);
		c->call_done = true;
		pthread_cond_broadcast(&c->cv);
		pthread_mutex_unlock(&c->mu);
	}
	return 0;
}

int nt_capture_park(struct nt_capture *c, struct nt_err **err)
{
	for (;;) {
		bool work, ended;

		pthread_mutex_lock(&c->mu);
		while (!c->head && !(c->call && !c->call_done) && !c->ended && !c->stopped)
			pthread_cond_wait(&c->cv, &c->mu);
		work = c->head || (c->call && !c->call_done);
		ended = c->ended || c->stopped;
		if (!work && ended) {
			c->parked = !c->stopped;
			pthread_cond_broadcast(&c->cv);
			pthread_mutex_unlock(&c->mu);
			return 0;
		}
		pthread_mutex_unlock(&c->mu);
		if (nt_capture_drain(c, err))
			return -1;
	}
}

void nt_capture_stop(struct nt_capture *c)
{
	pthread_mutex_lock(&c->mu);
	c->stopped = true;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
}
