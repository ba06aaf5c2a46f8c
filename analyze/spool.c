/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The analyses' spool (spool.h). A record: u32 class version, i64 rowid, i64 ts, i32 cpu, i32
 * pid, i64 task, u32 body length; the body has each kept field as u8 type (enum nt_val_type)
 * and an i64, a double, or u32 length + bytes + NUL. A task record (NT_SPOOL_TASK) has the task
 * and its comm as one text field. Host byte order: the file lives only as
 * long as the import.
 *
 * Records are written in blocks (WBLOCK); a block written is published to the reader, which may
 * follow the writer from another thread (nt_spool_follow): it waits for the next block, the end
 * (nt_spool_finish) or an abort. The class versions are shared under the same lock.
 */
#include "spool.h"
#include "analyze.h"
#include "../core/sys.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HDR    40	    /* the record's header: 4 + 8 + 8 + 4 + 4 + 8 + 4 bytes */
#define WBLOCK (256u << 10) /* records are written (and published) this many bytes at a time */

/* A class as the spool keeps it: its name and the fields some analysis reads. */
struct ver {
	const char *cls; /* one of names[] */
	int64_t cid;	 /* its event_classes.id */
	uint32_t nf;
	char **fields; /* owned */
};

/* A reader class: its current version and which of its fields are kept. */
struct rclass {
	bool wanted;
	uint32_t ver, nsrc;
	int *keep; /* per reader field: 0 not kept, else its column's affinity (AFF_*) */
};

enum { AFF_ANY = 1, AFF_INT, AFF_TEXT, AFF_REAL, AFF_OTHER };

struct nt_spool {
	int fd;
	bool bad;
	bool dropping; /* nt_spool_drop()'s thread closes the file */
	pthread_t dropper;
	uint64_t events;
	struct rclass *cls;
	uint32_t ncls;
	/* writing */
	char *rec; /* the record being built */
	size_t rcap;
	char *wbuf; /* records not yet written */
	size_t wlen;
	uint64_t woff; /* bytes in the file */
	/* shared with a reader that follows: the lock guards these and the versions */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint64_t published; /* bytes the reader may read */
	bool done, aborted, follow;
	struct ver *vers;
	uint32_t nvers;
	char **names; /* owned: each class name once */
	uint32_t nnames;
	/* reading */
	char *rbuf; /* file bytes [roff - (rlen - rstart), roff) at rbuf + rstart */
	size_t rstart, rlen, rbcap;
	uint64_t roff;
	struct nt_spool_val *vals;
	uint32_t nvals;
	uint32_t *rnf, rnv; /* owned: the fields of each version the reader knows (fields_of) */
};

struct nt_spool *nt_spool_open(const char *dir)
{
	struct nt_spool *sp = calloc(1, sizeof(*sp));

	if (!sp)
		return NULL;
	sp->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (sp->fd < 0 || !(sp->wbuf = malloc(WBLOCK))) {
		if (sp->fd >= 0)
			close(sp->fd);
		free(sp);
		return NULL;
	}
	pthread_mutex_init(&sp->mu, NULL);
	pthread_cond_init(&sp->cv, NULL);
	return sp;
}

bool nt_spool_subscribed(const char *cls)
{
	for (const struct nt_analysis *const *a = nt_analyses(); *a; a++)
		for (const struct nt_sub *s = (*a)->subs; s->event; s++)
			if (!strcmp(s->event, cls))
				return true;
	return false;
}

/* Does some analysis read field @col of class @cls? */
static bool field_read(const char *cls, const char *col)
{
	for (const struct nt_analysis *const *a = nt_analyses(); *a; a++)
		for (const struct nt_sub *s = (*a)->subs; s->event; s++)
			if (!strcmp(s->event, cls))
				for (const char *const *f = s->fields; f && *f; f++)
					if (!strcmp(*f, col))
						return true;
	return false;
}

static int affinity(const char *decl)
{
	return !strcmp(decl, "INTEGER")		 ? AFF_INT
	       : !strcmp(decl, "TEXT")		 ? AFF_TEXT
	       : !strcmp(decl, "REAL")		 ? AFF_REAL
	       : !strcmp(decl, "BLOB") || !*decl ? AFF_ANY
						 : AFF_OTHER;
}

static const char *intern(struct nt_spool *sp, const char *cls)
{
	char **x;

	for (uint32_t i = 0; i < sp->nnames; i++)
		if (!strcmp(sp->names[i], cls))
			return sp->names[i];
	x = realloc(sp->names, (sp->nnames + 1) * sizeof(*x));
	if (!x)
		return NULL;
	sp->names = x;
	return (x[sp->nnames] = strdup(cls)) ? x[sp->nnames++] : NULL;
}

int nt_spool_class(struct nt_spool *sp, uint32_t id, const char *cls, int64_t cid, uint32_t nf,
		   char *const *cols, const char *const *decl)
{
	struct rclass *rc;
	struct ver *v, nv;

	if (id >= sp->ncls) {
		uint32_t n = id + 64;
		struct rclass *x = realloc(sp->cls, n * sizeof(*x));
		if (!x)
			goto oom;
		memset(x + sp->ncls, 0, (n - sp->ncls) * sizeof(*x));
		sp->cls = x;
		sp->ncls = n;
	}
	rc = &sp->cls[id];
	free(rc->keep);
	memset(rc, 0, sizeof(*rc));
	if (!nt_spool_subscribed(cls))
		return 0;
	/* the new version, built aside, then added under the lock (a reader may look) */
	nv = (struct ver){.cid = cid};
	if (!(rc->keep = calloc(nf + 1, sizeof(int))) ||
	    !(nv.fields = calloc(nf + 1, sizeof(char *))))
		goto oom_ver;
	for (uint32_t i = 0; i < nf; i++) {
		if (!decl[i] || !field_read(cls, cols[i]))
			continue;
		rc->keep[i] = affinity(decl[i]);
		if (!(nv.fields[nv.nf++] = strdup(cols[i])))
			goto oom_ver;
	}
	pthread_mutex_lock(&sp->mu);
	v = realloc(sp->vers, (sp->nvers + 1) * sizeof(*v));
	if (v)
		sp->vers = v;
	if (!v || !(nv.cls = intern(sp, cls))) {
		pthread_mutex_unlock(&sp->mu);
		goto oom_ver;
	}
	sp->vers[sp->nvers] = nv;
	rc->ver = sp->nvers++;
	pthread_mutex_unlock(&sp->mu);
	rc->wanted = true;
	rc->nsrc = nf;
	return 0;
oom_ver:
	for (uint32_t i = 0; i < nv.nf; i++)
		free(nv.fields[i]);
	free(nv.fields);
	free(rc->keep);
	rc->keep = NULL;
oom:
	sp->bad = true;
	return -1;
}

bool nt_spool_wants(const struct nt_spool *sp, uint32_t id)
{
	return sp && !sp->bad && id < sp->ncls && sp->cls[id].wanted;
}

static bool room(struct nt_spool *sp, size_t need)
{
	return !nt_reserve(&sp->rec, &sp->rcap, need);
}

/* Write @n bytes at the end of the file. */
static bool put(struct nt_spool *sp, const char *p, size_t n)
{
	if (nt_sys_pwrite_all(sp->fd, p, n, sp->woff))
		return false;
	sp->woff += n;
	return true;
}

/* Write the records held and publish them to the reader. */
static void flush_block(struct nt_spool *sp)
{
	if (sp->wlen && !put(sp, sp->wbuf, sp->wlen))
		sp->bad = true;
	sp->wlen = 0;
	pthread_mutex_lock(&sp->mu);
	sp->published = sp->woff;
	pthread_cond_broadcast(&sp->cv);
	pthread_mutex_unlock(&sp->mu);
}

/* Would SQLite store @v in a column of affinity @aff as it is? (NaN: stored as NULL) */
static bool stored_as_is(const struct nt_val *v, int aff)
{
	switch (v->type) {
	case NT_VAL_NULL:
	case NT_VAL_BLOB: /* no affinity converts a blob */
		return true;
	case NT_VAL_INT:
		return aff == AFF_ANY || aff == AFF_INT;
	case NT_VAL_TEXT:
		return aff == AFF_ANY || aff == AFF_TEXT;
	case NT_VAL_REAL:
		return aff == AFF_ANY || aff == AFF_REAL || isnan(v->r);
	default:
		return false;
	}
}

/* A record's header (HDR bytes) at @p, its body @len bytes. */
static void put_header(char *p, uint32_t ver, int64_t rowid, int64_t ts, int cpu, int pid,
		       int64_t task, uint32_t len)
{
	memcpy(p, &ver, 4);
	memcpy(p + 4, &rowid, 8);
	memcpy(p + 12, &ts, 8);
	memcpy(p + 20, &cpu, 4);
	memcpy(p + 24, &pid, 4);
	memcpy(p + 28, &task, 8);
	memcpy(p + 36, &len, 4);
}

/* The type a value is kept as: a NaN goes in as NULL, as SQLite stores it. */
static uint8_t kept_type(const struct nt_val *v)
{
	return v->type == NT_VAL_REAL && isnan(v->r) ? NT_VAL_NULL : (uint8_t)v->type;
}

/*
 * Where a record of @n bytes is built: at the end of the block (written first when it would
 * not fit), or in sp->rec for one larger than a block. NULL: out of memory.
 */
static char *record_at(struct nt_spool *sp, size_t n)
{
	if (sp->wlen + n > WBLOCK)
		flush_block(sp);
	if (n > WBLOCK)
		return room(sp, n) ? sp->rec : NULL;
	return sp->wbuf + sp->wlen;
}

/* The record of @n bytes built at @p (from record_at) is complete: it joins the block. */
static void record_end(struct nt_spool *sp, const char *p, size_t n)
{
	if (p == sp->rec) { /* a record larger than a block goes on its own */
		if (!put(sp, p, n))
			sp->bad = true;
	} else {
		sp->wlen += n;
	}
}

void nt_spool_event(struct nt_spool *sp, uint32_t id, int64_t rowid, int64_t ts, int cpu, int pid,
		    int64_t task, const struct nt_val *vals, uint32_t n)
{
	static const struct nt_val null = {.type = NT_VAL_NULL};
	const struct rclass *rc;
	size_t len = HDR, at = HDR;
	char *p;

	if (!nt_spool_wants(sp, id))
		return;
	rc = &sp->cls[id];
	for (uint32_t i = 0; i < rc->nsrc; i++) { /* its length, built in place after */
		const struct nt_val *v = i < n ? &vals[i] : &null;
		uint8_t t = kept_type(v);

		if (!rc->keep[i])
			continue;
		if (!stored_as_is(v, rc->keep[i])) {
			sp->bad = true;
			return;
		}
		len += 1 + (t == NT_VAL_INT || t == NT_VAL_REAL	   ? 8
			    : t == NT_VAL_TEXT || t == NT_VAL_BLOB ? 4 + (size_t)v->n + 1
								   : 0);
	}
	if (!(p = record_at(sp, len))) {
		sp->bad = true;
		return;
	}
	for (uint32_t i = 0; i < rc->nsrc; i++) {
		const struct nt_val *v = i < n ? &vals[i] : &null;
		uint8_t t = kept_type(v);

		if (!rc->keep[i])
			continue;
		p[at++] = (char)t;
		if (t == NT_VAL_INT) {
			memcpy(p + at, &v->i, 8);
			at += 8;
		} else if (t == NT_VAL_REAL) {
			memcpy(p + at, &v->r, 8);
			at += 8;
		} else if (t == NT_VAL_TEXT || t == NT_VAL_BLOB) {
			memcpy(p + at, &v->n, 4);
			memcpy(p + at + 4, v->s, v->n);
			at += 4 + v->n;
			p[at++] = '\0';
		}
	}
	put_header(p, rc->ver, rowid, ts, cpu, pid, task, (uint32_t)(len - HDR));
	record_end(sp, p, len);
	sp->events++;
}

void nt_spool_task(struct nt_spool *sp, int64_t id, const char *comm, uint32_t n)
{
	uint32_t len = 1 + 4 + n + 1;
	char *p;

	if (!sp || sp->bad)
		return;
	if (!(p = record_at(sp, HDR + len))) {
		sp->bad = true;
		return;
	}
	put_header(p, NT_SPOOL_TASK, 0, 0, 0, 0, id, len);
	p[HDR] = NT_VAL_TEXT;
	memcpy(p + HDR + 1, &n, 4);
	memcpy(p + HDR + 5, comm, n);
	p[HDR + 5 + n] = '\0';
	record_end(sp, p, HDR + len);
}

bool nt_spool_usable(const struct nt_spool *sp)
{
	return sp && !sp->bad;
}

uint64_t nt_spool_events(const struct nt_spool *sp)
{
	return sp ? sp->events : 0;
}

static void *drop_main(void *arg)
{
	close((int)(intptr_t)arg);
	return NULL;
}

void nt_spool_drop(struct nt_spool *sp)
{
	if (!sp || sp->dropping || sp->fd < 0)
		return;
	if (pthread_create(&sp->dropper, NULL, drop_main, (void *)(intptr_t)sp->fd) == 0) {
		sp->dropping = true;
		sp->fd = -1; /* a write or a read from now on fails: the spool is unusable */
		sp->bad = true;
	}
}

void nt_spool_close(struct nt_spool *sp)
{
	if (!sp)
		return;
	if (sp->dropping)
		pthread_join(sp->dropper, NULL);
	if (sp->fd >= 0)
		close(sp->fd);
	for (uint32_t i = 0; i < sp->ncls; i++)
		free(sp->cls[i].keep);
	free(sp->cls);
	for (uint32_t i = 0; i < sp->nvers; i++) {
		for (uint32_t f = 0; f < sp->vers[i].nf; f++)
			free(sp->vers[i].fields[f]);
		free(sp->vers[i].fields);
	}
	free(sp->vers);
	for (uint32_t i = 0; i < sp->nnames; i++)
		free(sp->names[i]);
	free(sp->names);
	free(sp->rec);
	free(sp->wbuf);
	free(sp->rbuf);
	free(sp->vals);
	free(sp->rnf);
	pthread_mutex_destroy(&sp->mu);
	pthread_cond_destroy(&sp->cv);
	free(sp);
}

void nt_spool_finish(struct nt_spool *sp)
{
	if (!sp)
		return;
	flush_block(sp);
	pthread_mutex_lock(&sp->mu);
	sp->done = true;
	pthread_cond_broadcast(&sp->cv);
	pthread_mutex_unlock(&sp->mu);
}

void nt_spool_abort(struct nt_spool *sp)
{
	pthread_mutex_lock(&sp->mu);
	sp->aborted = true;
	pthread_cond_broadcast(&sp->cv);
	pthread_mutex_unlock(&sp->mu);
}

/* Read from the first record on; with @follow, while the writer goes on. */
static void start_reading(struct nt_spool *sp, bool follow)
{
	sp->rstart = sp->rlen = 0;
	sp->roff = 0;
	pthread_mutex_lock(&sp->mu);
	sp->follow = follow;
	sp->aborted = false;
	pthread_mutex_unlock(&sp->mu);
}

void nt_spool_follow(struct nt_spool *sp)
{
	start_reading(sp, true);
}

int nt_spool_rewind(struct nt_spool *sp)
{
	nt_spool_finish(sp);
	if (sp->bad)
		return -1;
	start_reading(sp, false);
	return 0;
}

/*
 * Have at least @need bytes at sp->rbuf + sp->rstart: 1; 0 when the spool ends first (no byte
 * of a record read), -1 on an I/O error, a cut record or an abort.
 */
static int have(struct nt_spool *sp, size_t need)
{
	while (sp->rlen - sp->rstart < need) {
		uint64_t avail;
		size_t want;
		ssize_t got;

		if (sp->rstart) {
			memmove(sp->rbuf, sp->rbuf + sp->rstart, sp->rlen - sp->rstart);
			sp->rlen -= sp->rstart;
			sp->rstart = 0;
		}
		if (nt_reserve(&sp->rbuf, &sp->rbcap, need > WBLOCK ? need : WBLOCK))
			return -1;
		pthread_mutex_lock(&sp->mu);
		while (sp->follow && !sp->aborted && !sp->done && sp->published == sp->roff)
			pthread_cond_wait(&sp->cv, &sp->mu);
		avail = sp->published - sp->roff;
		if (sp->aborted)
			avail = UINT64_MAX;
		pthread_mutex_unlock(&sp->mu);
		if (avail == UINT64_MAX)
			return -1;
		if (!avail)
			return sp->rlen ? -1 : 0;
		want = sp->rbcap - sp->rlen;
		if (want > avail)
			want = (size_t)avail;
		got = pread(sp->fd, sp->rbuf + sp->rlen, want, (off_t)sp->roff);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return -1;
		sp->rlen += (size_t)got;
		sp->roff += (uint64_t)got;
	}
	return 1;
}

/*
 * The number of fields of version @ver (UINT32_MAX: none such), from the reader's copy of the
 * counts; the lock only when a version is new to the reader, not for every record.
 */
static uint32_t fields_of(struct nt_spool *sp, uint32_t ver)
{
	if (ver >= sp->rnv) {
		uint32_t n, *x;
		pthread_mutex_lock(&sp->mu);
		n = sp->nvers;
		x = ver < n ? realloc(sp->rnf, n * sizeof(*x)) : NULL;
		if (x) {
			for (uint32_t i = sp->rnv; i < n; i++)
				x[i] = sp->vers[i].nf;
			sp->rnf = x;
			sp->rnv = n;
		}
		pthread_mutex_unlock(&sp->mu);
		if (!x)
			return UINT32_MAX;
	}
	return sp->rnf[ver];
}

int nt_spool_next(struct nt_spool *sp, struct nt_spool_rec *r)
{
	const unsigned char *hdr;
	const char *body;
	uint32_t len, nf;
	size_t at = 0;
	struct nt_spool_val *v;
	int got = have(sp, HDR);

	if (got <= 0)
		return got;
	hdr = (const unsigned char *)sp->rbuf + sp->rstart;
	memcpy(&r->ver, hdr, 4);
	memcpy(&r->rowid, hdr + 4, 8);
	memcpy(&r->ts, hdr + 12, 8);
	memcpy(&r->cpu, hdr + 20, 4);
	memcpy(&r->pid, hdr + 24, 4);
	memcpy(&r->task, hdr + 28, 8);
	memcpy(&len, hdr + 36, 4);
	if (have(sp, HDR + (size_t)len) <= 0)
		return -1;
	body = sp->rbuf + sp->rstart + HDR;
	sp->rstart += HDR + (size_t)len;
	nf = r->ver == NT_SPOOL_TASK ? 1 : fields_of(sp, r->ver);
	if (nf == UINT32_MAX)
		return -1;
	if (nf > sp->nvals) {
		if (!(v = realloc(sp->vals, nf * sizeof(*v))))
			return -1;
		sp->vals = v;
		sp->nvals = nf;
	}
	for (uint32_t i = 0; i < nf; i++) {
		v = &sp->vals[i];
		if (at >= len)
			return -1;
		switch ((unsigned char)body[at++]) {
		case NT_VAL_NULL:
			v->type = SQLITE_NULL;
			break;
		case NT_VAL_INT:
			v->type = SQLITE_INTEGER;
			memcpy(&v->i, body + at, 8);
			at += 8;
			break;
		case NT_VAL_REAL:
			v->type = SQLITE_FLOAT;
			memcpy(&v->r, body + at, 8);
			at += 8;
			break;
		case NT_VAL_TEXT:
		case NT_VAL_BLOB:
			v->type = body[at - 1] == NT_VAL_TEXT ? SQLITE_TEXT : SQLITE_BLOB;
			memcpy(&v->n, body + at, 4);
			v->s = body + at + 4;
			at += 4 + (size_t)v->n + 1;
			break;
		default:
			return -1;
		}
		if (at > len)
			return -1;
	}
	r->nvals = nf;
	r->vals = sp->vals;
	return 1;
}

const char *nt_spool_ver(struct nt_spool *sp, uint32_t ver, int64_t *cid, uint32_t *nfields,
			 const char *const **fields)
{
	const char *cls;

	pthread_mutex_lock(&sp->mu);
	*cid = sp->vers[ver].cid;
	*nfields = sp->vers[ver].nf;
	*fields = (const char *const *)sp->vers[ver].fields;
	cls = sp->vers[ver].cls;
	pthread_mutex_unlock(&sp->mu);
	return cls;
}

uint32_t nt_spool_nvers(struct nt_spool *sp)
{
	uint32_t n;

	pthread_mutex_lock(&sp->mu);
	n = sp->nvers;
	pthread_mutex_unlock(&sp->mu);
	return n;
}
