/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The analyses' spool (spool.h). A record: u32 class version, i64 rowid, i64 ts, i32 cpu, i32
 * pid, i64 task, u32 body length; the body has each kept field as u8 type (enum nt_val_type)
 * and an i64, a double, or u32 length + bytes + NUL. Host byte order: the file lives only as
 * long as the import.
 */
#include "spool.h"
#include "analyze.h"
#include "../core/sys.h"

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HDR 40 /* the record's header: 4 + 8 + 8 + 4 + 4 + 8 + 4 bytes */

/* A class as the spool keeps it: its name and the fields some analysis reads. */
struct ver {
	const char *cls; /* one of names[] */
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
	FILE *f;
	bool bad, reading;
	uint64_t events;
	struct rclass *cls;
	uint32_t ncls;
	struct ver *vers;
	uint32_t nvers;
	char **names; /* owned: each class name once */
	uint32_t nnames;
	char *buf; /* a record (writing) or its body (reading) */
	size_t cap;
	struct nt_spool_val *vals;
	uint32_t nvals;
};

struct nt_spool *nt_spool_open(const char *dir)
{
	struct nt_spool *sp = calloc(1, sizeof(*sp));
	int fd;

	if (!sp)
		return NULL;
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0 || !(sp->f = fdopen(fd, "w+"))) {
		if (fd >= 0)
			close(fd);
		free(sp);
		return NULL;
	}
	setvbuf(sp->f, NULL, _IOFBF, 64 << 10);
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

int nt_spool_class(struct nt_spool *sp, uint32_t id, const char *cls, uint32_t nf,
		   char *const *cols, const char *const *decl)
{
	struct rclass *rc;
	struct ver *v;

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
	v = realloc(sp->vers, (sp->nvers + 1) * sizeof(*v));
	if (!v)
		goto oom;
	sp->vers = v;
	v = &sp->vers[sp->nvers];
	memset(v, 0, sizeof(*v));
	if (!(v->cls = intern(sp, cls)) || !(rc->keep = calloc(nf + 1, sizeof(int))) ||
	    !(v->fields = calloc(nf + 1, sizeof(char *))))
		goto oom_ver;
	for (uint32_t i = 0; i < nf; i++) {
		if (!decl[i] || !field_read(cls, cols[i]))
			continue;
		rc->keep[i] = affinity(decl[i]);
		if (!(v->fields[v->nf++] = strdup(cols[i])))
			goto oom_ver;
	}
	rc->wanted = true;
	rc->ver = sp->nvers++;
	rc->nsrc = nf;
	return 0;
oom_ver:
	for (uint32_t i = 0; i < v->nf; i++)
		free(v->fields[i]);
	free(v->fields);
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
	return !nt_reserve(&sp->buf, &sp->cap, need);
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

void nt_spool_event(struct nt_spool *sp, uint32_t id, int64_t rowid, int64_t ts, int cpu, int pid,
		    int64_t task, const struct nt_val *vals, uint32_t n)
{
	const struct rclass *rc;
	size_t at = HDR; /* the header goes in front once the body's length is known */
	uint32_t len;

	if (!nt_spool_wants(sp, id))
		return;
	rc = &sp->cls[id];
	for (uint32_t i = 0; i < rc->nsrc; i++) {
		struct nt_val null = {.type = NT_VAL_NULL};
		const struct nt_val *v = i < n ? &vals[i] : &null;
		uint8_t t = (uint8_t)v->type;

		if (!rc->keep[i])
			continue;
		if (!stored_as_is(v, rc->keep[i]) ||
		    !room(sp, at + 14 + (t == NT_VAL_TEXT || t == NT_VAL_BLOB ? v->n : 0))) {
			sp->bad = true;
			return;
		}
		if (t == NT_VAL_REAL && isnan(v->r))
			t = NT_VAL_NULL;
		sp->buf[at++] = (char)t;
		if (t == NT_VAL_INT) {
			memcpy(sp->buf + at, &v->i, 8);
			at += 8;
		} else if (t == NT_VAL_REAL) {
			memcpy(sp->buf + at, &v->r, 8);
			at += 8;
		} else if (t == NT_VAL_TEXT || t == NT_VAL_BLOB) {
			memcpy(sp->buf + at, &v->n, 4);
			memcpy(sp->buf + at + 4, v->s, v->n);
			at += 4 + v->n;
			sp->buf[at++] = '\0';
		}
	}
	if (!room(sp, HDR)) { /* no field kept: the header alone */
		sp->bad = true;
		return;
	}
	len = (uint32_t)(at - HDR);
	memcpy(sp->buf, &rc->ver, 4);
	memcpy(sp->buf + 4, &rowid, 8);
	memcpy(sp->buf + 12, &ts, 8);
	memcpy(sp->buf + 20, &cpu, 4);
	memcpy(sp->buf + 24, &pid, 4);
	memcpy(sp->buf + 28, &task, 8);
	memcpy(sp->buf + 36, &len, 4);
	if (fwrite_unlocked(sp->buf, at, 1, sp->f) != 1)
		sp->bad = true;
	sp->events++;
}

bool nt_spool_usable(const struct nt_spool *sp)
{
	return sp && !sp->bad;
}

uint64_t nt_spool_events(const struct nt_spool *sp)
{
	return sp ? sp->events : 0;
}

void nt_spool_close(struct nt_spool *sp)
{
	if (!sp)
		return;
	if (sp->f)
		fclose(sp->f);
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
	free(sp->buf);
	free(sp->vals);
	free(sp);
}

int nt_spool_rewind(struct nt_spool *sp)
{
	if (fflush(sp->f) || fseeko(sp->f, 0, SEEK_SET)) {
		sp->bad = true;
		return -1;
	}
	sp->reading = true;
	return 0;
}

int nt_spool_next(struct nt_spool *sp, struct nt_spool_rec *r)
{
	unsigned char hdr[HDR];
	uint32_t len, nf;
	size_t at = 0;
	struct nt_spool_val *v;

	if (fread_unlocked(hdr, HDR, 1, sp->f) != 1)
		return ferror(sp->f) ? -1 : 0;
	memcpy(&r->ver, hdr, 4);
	memcpy(&r->rowid, hdr + 4, 8);
	memcpy(&r->ts, hdr + 12, 8);
	memcpy(&r->cpu, hdr + 20, 4);
	memcpy(&r->pid, hdr + 24, 4);
	memcpy(&r->task, hdr + 28, 8);
	memcpy(&len, hdr + 36, 4);
	if (r->ver >= sp->nvers || !room(sp, len) ||
	    (len && fread_unlocked(sp->buf, len, 1, sp->f) != 1))
		return -1;
	nf = sp->vers[r->ver].nf;
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
		switch ((unsigned char)sp->buf[at++]) {
		case NT_VAL_NULL:
			v->type = SQLITE_NULL;
			break;
		case NT_VAL_INT:
			v->type = SQLITE_INTEGER;
			memcpy(&v->i, sp->buf + at, 8);
			at += 8;
			break;
		case NT_VAL_REAL:
			v->type = SQLITE_FLOAT;
			memcpy(&v->r, sp->buf + at, 8);
			at += 8;
			break;
		case NT_VAL_TEXT:
		case NT_VAL_BLOB:
			v->type = sp->buf[at - 1] == NT_VAL_TEXT ? SQLITE_TEXT : SQLITE_BLOB;
			memcpy(&v->n, sp->buf + at, 4);
			v->s = sp->buf + at + 4;
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

const char *nt_spool_ver(const struct nt_spool *sp, uint32_t ver, uint32_t *nfields,
			 const char *const **fields)
{
	*nfields = sp->vers[ver].nf;
	*fields = (const char *const *)sp->vers[ver].fields;
	return sp->vers[ver].cls;
}

uint32_t nt_spool_nvers(const struct nt_spool *sp)
{
	return sp->nvers;
}
