/* SPDX-License-Identifier: GPL-2.0 */
/* Encoding and decoding of the normalised event stream (see event.h for the frame layout). */
#include "event.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HDR 5 /* u8 type + u32 length */

void nt_batch_init(struct nt_batch *b)
{
	memset(b, 0, sizeof(*b));
}

void nt_batch_release(struct nt_batch *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

void nt_batch_reset(struct nt_batch *b)
{
	b->len = 0;
	b->nevents = 0;
}

static inline bool reserve(struct nt_batch *b, size_t n)
{
	size_t cap;
	unsigned char *d;

	if (b->len + n <= b->cap)
		return true;
	if (b->oom)
		return false;
	cap = b->cap ? b->cap * 2 : 65536;
	while (cap < b->len + n)
		cap *= 2;
	d = realloc(b->data, cap);
	if (!d) {
		b->oom = true;
		return false;
	}
	b->data = d;
	b->cap = cap;
	return true;
}

static inline void put(struct nt_batch *b, const void *p, size_t n)
{
	if (!reserve(b, n))
		return;
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

static inline void put_u8(struct nt_batch *b, uint8_t v)
{
	put(b, &v, 1);
}

static inline void put_u32(struct nt_batch *b, uint32_t v)
{
	put(b, &v, 4);
}

static inline void put_u64(struct nt_batch *b, uint64_t v)
{
	put(b, &v, 8);
}

static void put_str(struct nt_batch *b, const char *s, size_t n)
{
	put_u32(b, (uint32_t)n);
	put(b, s, n);
}

static void put_cstr(struct nt_batch *b, const char *s)
{
	put_str(b, s ? s : "", s ? strlen(s) : 0);
}

/* Start a frame; returns its offset for end_frame(). */
static size_t begin_frame(struct nt_batch *b, enum nt_msg_type t)
{
	size_t at = b->len;

	put_u8(b, (uint8_t)t);
	put_u32(b, 0);
	return at;
}

static void end_frame(struct nt_batch *b, size_t at)
{
	uint32_t n;

	if (b->oom)
		return;
	n = (uint32_t)(b->len - at - HDR);
	memcpy(b->data + at + 1, &n, 4);
}

void nt_batch_info(struct nt_batch *b, const char *key, const char *value)
{
	size_t at = begin_frame(b, NT_MSG_INFO);
	put_cstr(b, key);
	put_cstr(b, value);
	end_frame(b, at);
}

void nt_batch_class(struct nt_batch *b, const struct nt_class_def *def)
{
	size_t at = begin_frame(b, NT_MSG_CLASS);
	unsigned i;

	put_u32(b, def->id);
	put_cstr(b, def->system);
	put_cstr(b, def->name);
	put_cstr(b, def->orig ? def->orig : def->name);
	put_cstr(b, def->format);
	put_u32(b, def->nfields);
	for (i = 0; i < def->nfields; i++) {
		put_cstr(b, def->fields[i].name);
		put_u8(b, (uint8_t)def->fields[i].type);
		put_u32(b, def->fields[i].flags);
	}
	end_frame(b, at);
}

void nt_batch_task(struct nt_batch *b, int32_t pid, const char *comm)
{
	size_t at = begin_frame(b, NT_MSG_TASK);
	put_u32(b, (uint32_t)pid);
	put_cstr(b, comm);
	end_frame(b, at);
}

void nt_batch_lost(struct nt_batch *b, int32_t cpu, int64_t count, uint64_t ts_from, uint64_t ts_to)
{
	size_t at = begin_frame(b, NT_MSG_LOST);
	put_u32(b, (uint32_t)cpu);
	put_u64(b, (uint64_t)count);
	put_u64(b, ts_from);
	put_u64(b, ts_to);
	end_frame(b, at);
}

void nt_batch_cpu(struct nt_batch *b, int32_t cpu, int64_t lost)
{
	size_t at = begin_frame(b, NT_MSG_CPU);
	put_u32(b, (uint32_t)cpu);
	put_u64(b, (uint64_t)lost);
	end_frame(b, at);
}

void nt_batch_warn(struct nt_batch *b, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	size_t at;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	at = begin_frame(b, NT_MSG_WARN);
	put_cstr(b, buf);
	end_frame(b, at);
}

void nt_batch_error(struct nt_batch *b, int kind, const char *msg, const char *hint)
{
	size_t at = begin_frame(b, NT_MSG_ERROR);
	put_u32(b, (uint32_t)kind);
	put_cstr(b, msg);
	put_cstr(b, hint ? hint : "");
	end_frame(b, at);
}

void nt_batch_end(struct nt_batch *b)
{
	end_frame(b, begin_frame(b, NT_MSG_END));
}

void nt_batch_event_begin(struct nt_batch *b, uint32_t class_id, uint64_t ts, int32_t cpu,
			  int32_t pid)
{
	unsigned char hdr[HDR + 20];
	uint32_t zero = 0;

	b->ev_start = b->len;
	hdr[0] = NT_MSG_EVENT;
	memcpy(hdr + 1, &zero, 4);
	memcpy(hdr + 5, &class_id, 4);
	memcpy(hdr + 9, &ts, 8);
	memcpy(hdr + 17, &cpu, 4);
	memcpy(hdr + 21, &pid, 4);
	put(b, hdr, sizeof(hdr));
}

void nt_batch_null(struct nt_batch *b)
{
	put_u8(b, NT_VAL_NULL);
}

void nt_batch_int(struct nt_batch *b, int64_t v)
{
	unsigned char x[9];

	x[0] = NT_VAL_INT;
	memcpy(x + 1, &v, 8);
	put(b, x, 9);
}

void nt_batch_real(struct nt_batch *b, double v)
{
	unsigned char x[9];

	x[0] = NT_VAL_REAL;
	memcpy(x + 1, &v, 8);
	put(b, x, 9);
}

void nt_batch_text(struct nt_batch *b, const char *s, size_t n)
{
	put_u8(b, NT_VAL_TEXT);
	put_str(b, s, n);
}

void nt_batch_blob(struct nt_batch *b, const void *p, size_t n)
{
	put_u8(b, NT_VAL_BLOB);
	put_str(b, p, n);
}

void nt_batch_event_end(struct nt_batch *b)
{
	end_frame(b, b->ev_start);
	b->nevents++;
}

int nt_msg_next(const unsigned char *buf, size_t len, size_t *pos, struct nt_msg *m)
{
	uint32_t n;
	size_t at = *pos;

	if (len - at < HDR)
		return 0;
	if (buf[at] < NT_MSG_INFO || buf[at] > NT_MSG_END)
		return -1;
	memcpy(&n, buf + at + 1, 4);
	if (n > (1u << 30))
		return -1;
	if (len - at - HDR < n)
		return 0;
	m->type = (enum nt_msg_type)buf[at];
	m->p = buf + at + HDR;
	m->len = n;
	*pos = at + HDR + n;
	return 1;
}

void nt_cursor_init(struct nt_cursor *c, const struct nt_msg *m)
{
	c->p = m->p;
	c->end = m->p + m->len;
	c->bad = false;
}

static inline bool take(struct nt_cursor *c, void *out, size_t n)
{
	if ((size_t)(c->end - c->p) < n) {
		c->bad = true;
		memset(out, 0, n);
		return false;
	}
	memcpy(out, c->p, n);
	c->p += n;
	return true;
}

uint8_t nt_cur_u8(struct nt_cursor *c)
{
	uint8_t v;
	take(c, &v, 1);
	return v;
}

uint32_t nt_cur_u32(struct nt_cursor *c)
{
	uint32_t v;
	take(c, &v, 4);
	return v;
}

uint64_t nt_cur_u64(struct nt_cursor *c)
{
	uint64_t v;
	take(c, &v, 8);
	return v;
}

double nt_cur_real(struct nt_cursor *c)
{
	double v;
	take(c, &v, 8);
	return v;
}

const char *nt_cur_str(struct nt_cursor *c, uint32_t *len)
{
	uint32_t n = nt_cur_u32(c);
	const char *s = (const char *)c->p;

	if (c->bad || (size_t)(c->end - c->p) < n) {
		c->bad = true;
		*len = 0;
		return "";
	}
	c->p += n;
	*len = n;
	return s;
}

static inline void cur_val(struct nt_cursor *c, struct nt_val *v)
{
	uint8_t t;

	if (c->end - c->p >= 9 && c->p[0] == NT_VAL_INT) { /* most values */
		v->type = NT_VAL_INT;
		memcpy(&v->i, c->p + 1, 8);
		c->p += 9;
		return;
	}
	take(c, &t, 1);
	v->type = (enum nt_val_type)t;
	switch (v->type) {
	case NT_VAL_NULL:
		break;
	case NT_VAL_INT:
		v->i = (int64_t)nt_cur_u64(c);
		break;
	case NT_VAL_REAL:
		v->r = nt_cur_real(c);
		break;
	case NT_VAL_TEXT:
	case NT_VAL_BLOB:
		v->s = nt_cur_str(c, &v->n);
		break;
	default:
		c->bad = true;
		v->type = NT_VAL_NULL;
	}
}

void nt_cur_val(struct nt_cursor *c, struct nt_val *v)
{
	cur_val(c, v);
}

void nt_cur_vals(struct nt_cursor *c, unsigned n, struct nt_val *out)
{
	for (unsigned i = 0; i < n; i++) {
		out[i] = (struct nt_val){.type = NT_VAL_NULL};
		if (c->p < c->end)
			cur_val(c, &out[i]);
	}
}
