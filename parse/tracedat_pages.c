/* SPDX-License-Identifier: GPL-2.0 */
/* Direct page reader for trace.dat: per-CPU blocks (read or decompressed), kbuffer, a heap. */
#include "tracedat_pages.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <traceevent/kbuffer.h>

#define BLOCK_PAGES 64
#define MAX_CHUNK   (64u << 20)

struct stream {
	int cpu;
	uint64_t pos, end; /* the part of the file not yet read */
	uint32_t chunks_left;
	unsigned char *buf; /* owned: the current block of pages */
	size_t len, at, cap;
	unsigned char *cbuf; /* owned: compressed input */
	size_t ccap;
	struct kbuffer *kb; /* owned */
	unsigned long long ts;
	uint64_t last_ts;
	void *data;
	int size;
	int64_t missed;
};

struct nt_td_pages {
	const char *path;
	int fd;
	bool big, compressed;
	char algo[16];
	uint32_t page;
	int klong;
	struct stream *s;
	int n;
	struct stream **heap; /* streams with a current event, by ts */
	int nheap;
	uint64_t bad_pages;
	struct nt_err *err;
};

static uint64_t conv(bool big, const unsigned char *b, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v |= (uint64_t)b[big ? n - 1 - i : i] << (8 * i);
	return v;
}

static int read_at(struct nt_td_pages *p, void *buf, size_t n, uint64_t off)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = pread(p->fd, (char *)buf + got, n - got, (off_t)(off + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			p->err =
				r < 0 ? nt_err_errno(NT_E_INPUT, errno, "cannot read '%s'", p->path)
				      : nt_err_new(NT_E_INPUT, "'%s' is truncated at offset %llu",
						   p->path, (unsigned long long)(off + got));
			return -1;
		}
		got += (size_t)r;
	}
	return 0;
}

/* Load the next block of pages of @s: 1 loaded, 0 none left, -1 error. */
static int load_block(struct nt_td_pages *p, struct stream *s)
{
	s->at = s->len = 0;
	if (!p->compressed) {
		uint64_t n = s->end - s->pos;

		if (n > (uint64_t)p->page * BLOCK_PAGES)
			n = (uint64_t)p->page * BLOCK_PAGES;
		n -= n % p->page;
		if (!n)
			return 0;
		if (read_at(p, s->buf, n, s->pos))
			return -1;
		s->pos += n;
		s->len = n;
		return 1;
	}
	while (s->chunks_left) {
		unsigned char h[8];
		uint64_t cs, us;

		s->chunks_left--;
		if (s->end - s->pos < 8 || read_at(p, h, 8, s->pos))
			goto bad;
		cs = conv(p->big, h, 4);
		us = conv(p->big, h + 4, 4);
		s->pos += 8;
		if (cs > s->end - s->pos || us > MAX_CHUNK || us % p->page)
			goto bad;
		if (cs > s->ccap) {
			unsigned char *c = realloc(s->cbuf, cs);
			if (!c)
				goto oom;
			s->cbuf = c;
			s->ccap = cs;
		}
		if (us > s->cap) {
			unsigned char *b = realloc(s->buf, us);
			if (!b)
				goto oom;
			s->buf = b;
			s->cap = us;
		}
		if (read_at(p, s->cbuf, cs, s->pos))
			return -1;
		s->pos += cs;
		if (nt_td_decompress(p->algo, s->cbuf, cs, s->buf, us)) {
			p->err = nt_err_new(
				NT_E_INPUT,
				"'%s': cpu %d: a %s chunk does not decompress (offset %llu)",
				p->path, s->cpu, p->algo, (unsigned long long)(s->pos - cs));
			return -1;
		}
		s->len = us;
		if (us)
			return 1;
	}
	return 0;
bad:
	p->err = nt_err_new(NT_E_INPUT,
			    "'%s' is truncated or corrupt: cpu %d chunk header at offset %llu",
			    p->path, s->cpu, (unsigned long long)s->pos);
	return -1;
oom:
	p->err = nt_err_new(NT_E_FAIL, "out of memory");
	return -1;
}

/* Move @s to the first event of its next non-empty page: 1, 0 at the end, -1 error. */
static int next_page(struct nt_td_pages *p, struct stream *s)
{
	for (;;) {
		unsigned char *page;
		uint64_t commit;

		if (s->at + p->page > s->len) {
			int r = load_block(p, s);
			if (r <= 0)
				return r;
			continue;
		}
		page = s->buf + s->at;
		s->at += p->page;
		commit = conv(p->big, page + 8, p->klong) & ((1u << 27) - 1);
		if (commit > p->page - 8 - (unsigned)p->klong) {
			p->bad_pages++; /* an impossible length: do not let kbuffer walk past it */
			continue;
		}
		if (kbuffer_load_subbuffer(s->kb, page) < 0) {
			p->bad_pages++;
			continue;
		}
		s->missed = kbuffer_missed_events(s->kb);
		s->data = kbuffer_read_event(s->kb, &s->ts);
		if (s->data && (s->size = kbuffer_event_size(s->kb)) >= 0)
			return 1;
		if (s->data)
			p->bad_pages++; /* an event of negative size: the page's headers are corrupt */
	}
}

static bool before(const struct stream *a, const struct stream *b)
{
	return a->ts < b->ts || (a->ts == b->ts && a->cpu < b->cpu);
}

static void sift_down(struct nt_td_pages *p, int i)
{
	for (;;) {
		int l = 2 * i + 1, r = l + 1, m = i;
		struct stream *t;

		if (l < p->nheap && before(p->heap[l], p->heap[m]))
			m = l;
		if (r < p->nheap && before(p->heap[r], p->heap[m]))
			m = r;
		if (m == i)
			return;
		t = p->heap[i];
		p->heap[i] = p->heap[m];
		p->heap[m] = t;
		i = m;
	}
}

int nt_td_pages_open(const char *path, const struct nt_td_layout *l, int kernel_long,
		     struct nt_td_pages **out, struct nt_err **err)
{
	struct nt_td_pages *p = calloc(1, sizeof(*p));

	*out = NULL;
	if (!p)
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	p->fd = -1;
	p->path = path;
	p->big = l->big_endian;
	p->page = l->page_size;
	p->klong = kernel_long == 4 ? 4 : 8;
	p->compressed = l->version >= 7 && strcmp(l->compression, "none");
	snprintf(p->algo, sizeof(p->algo), "%s", l->compression);
	p->fd = open(path, O_RDONLY | O_CLOEXEC);
	p->s = calloc((size_t)l->ncpus + 1, sizeof(*p->s));
	p->heap = calloc((size_t)l->ncpus + 1, sizeof(*p->heap));
	if (p->fd < 0 || !p->s || !p->heap) {
		p->err = p->fd < 0 ? nt_err_errno(NT_E_INPUT, errno, "cannot open '%s'", path)
				   : nt_err_new(NT_E_FAIL, "out of memory");
		goto fail;
	}
	for (int i = 0; i < l->ncpus; i++) {
		struct stream *s = &p->s[p->n++];

		s->cpu = l->cpus[i].cpu;
		s->pos = l->cpus[i].offset;
		s->end = l->cpus[i].offset + l->cpus[i].size;
		s->cap = (size_t)p->page * BLOCK_PAGES;
		s->buf = malloc(s->cap);
		s->kb = kbuffer_alloc(p->klong == 8 ? KBUFFER_LSIZE_8 : KBUFFER_LSIZE_4,
				      p->big ? KBUFFER_ENDIAN_BIG : KBUFFER_ENDIAN_LITTLE);
		if (!s->buf || !s->kb) {
			p->err = nt_err_new(NT_E_FAIL, "out of memory");
			goto fail;
		}
		if (p->compressed && s->end > s->pos) {
			unsigned char h[4];
			if (s->end - s->pos < 4 || read_at(p, h, 4, s->pos))
				goto fail;
			s->chunks_left = (uint32_t)conv(p->big, h, 4);
			s->pos += 4;
			s->end += 4; /* the recorded size leaves out the chunk count */
		}
		switch (next_page(p, s)) {
		case 1:
			p->heap[p->nheap++] = s;
			break;
		case 0:
			break;
		default:
			goto fail;
		}
	}
	for (int i = p->nheap / 2 - 1; i >= 0; i--)
		sift_down(p, i);
	*out = p;
	return 0;
fail:
	nt_err_set(err, p->err ? p->err : nt_err_new(NT_E_FAIL, "cannot read '%s'", path));
	p->err = NULL;
	nt_td_pages_close(p);
	return -1;
}

int nt_td_pages_next(struct nt_td_pages *p, struct nt_td_event *ev, struct nt_err **err)
{
	struct stream *s;
	int off;

	if (!p->nheap)
		return 0;
	s = p->heap[0];
	ev->cpu = s->cpu;
	ev->ts = s->ts;
	ev->data = s->data;
	ev->size = s->size;
	ev->missed = s->missed;
	ev->prev_ts = s->last_ts;
	s->missed = 0;
	s->last_ts = s->ts;
	/*
	 * Advance this stream; the event's data stays valid: blocks change only on the next call.
	 * kbuffer returns the same event again when a corrupt length does not move it on (or a
	 * negative size): the rest of such a page is skipped as bad.
	 */
	off = kbuffer_curr_offset(s->kb);
	s->data = kbuffer_next_event(s->kb, &s->ts);
	if (s->data &&
	    ((s->size = kbuffer_event_size(s->kb)) < 0 || kbuffer_curr_offset(s->kb) <= off)) {
		p->bad_pages++;
		s->data = NULL;
	}
	if (!s->data) {
		/* the current event must survive loading the next block: copy it aside */
		static __thread unsigned char keep[1 << 16];
		int r;

		if (ev->size > 0 && (size_t)ev->size <= sizeof(keep)) {
			memcpy(keep, ev->data, (size_t)ev->size);
			ev->data = keep;
		}
		r = next_page(p, s);
		if (r < 0) {
			nt_err_set(err, p->err);
			p->err = NULL;
			return -1;
		}
		if (r == 0) {
			p->heap[0] = p->heap[--p->nheap];
			sift_down(p, 0);
			return 1;
		}
	}
	sift_down(p, 0);
	return 1;
}

uint64_t nt_td_pages_bad(const struct nt_td_pages *p)
{
	return p->bad_pages;
}

void nt_td_pages_close(struct nt_td_pages *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->n; i++) {
		free(p->s[i].buf);
		free(p->s[i].cbuf);
		if (p->s[i].kb)
			kbuffer_free(p->s[i].kb);
	}
	free(p->s);
	free(p->heap);
	if (p->fd >= 0)
		close(p->fd);
	nt_err_free(p->err);
	free(p);
}
