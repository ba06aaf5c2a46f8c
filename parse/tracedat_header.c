/* SPDX-License-Identifier: GPL-2.0 */
/* Walks the trace.dat header (v6, v7) checking every size against the file; finds the pages. */
#include "tracedat_header.h"
#include "tep_text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <zlib.h>
#include <zstd.h>

enum {
	OPT_DONE = 0,
	OPT_DATE = 1,
	OPT_BUFFER = 3,
	OPT_OFFSET = 7,
	OPT_TIME_SHIFT = 12,
	OPT_TSC2NSEC = 14,
	OPT_PRINTK = 20,
	OPT_BUFFER_TEXT = 22,
};

struct walk {
	FILE *f;
	const char *path;
	uint64_t size, off;
	bool big;
	struct nt_err *err;
	struct nt_td_layout *l;
};

static bool fail(struct walk *w, const char *what)
{
	if (!w->err)
		w->err = nt_err_new(
			NT_E_INPUT,
			"'%s' is truncated or corrupt: %s at offset %llu (file size %llu)", w->path,
			what, (unsigned long long)w->off, (unsigned long long)w->size);
	return false;
}

static bool seek(struct walk *w, uint64_t to, const char *what)
{
	if (to > w->size || fseeko(w->f, (off_t)to, SEEK_SET))
		return fail(w, what);
	w->off = to;
	return true;
}

static bool get(struct walk *w, void *p, size_t n, const char *what)
{
	if (w->off + n > w->size || fread(p, 1, n, w->f) != n)
		return fail(w, what);
	w->off += n;
	return true;
}

static bool skip(struct walk *w, uint64_t n, const char *what)
{
	if (n > w->size || w->off + n > w->size)
		return fail(w, what);
	return seek(w, w->off + n, what);
}

static uint64_t conv(bool big, const unsigned char *b, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v |= (uint64_t)b[big ? n - 1 - i : i] << (8 * i);
	return v;
}

static bool num(struct walk *w, int n, uint64_t *v, const char *what)
{
	unsigned char b[8];
	if (!get(w, b, (size_t)n, what))
		return false;
	*v = conv(w->big, b, n);
	return true;
}

static bool cstr(struct walk *w, char *out, size_t n, const char *what)
{
	size_t i = 0;
	int c;

	for (;;) {
		if (w->off >= w->size || (c = fgetc(w->f)) == EOF)
			return fail(w, what);
		w->off++;
		if (!c)
			break;
		if (i + 1 < n)
			out[i++] = (char)c;
	}
	out[i] = '\0';
	return true;
}

static bool section(struct walk *w, const char *tag, int lenbytes)
{
	char name[32];
	uint64_t n;
	char what[64];

	snprintf(what, sizeof(what), "the %s section", tag);
	if (!cstr(w, name, sizeof(name), what))
		return false;
	if (strcmp(name, tag))
		return fail(w, what);
	return num(w, lenbytes, &n, what) && skip(w, n, what);
}

/*
 * The printk formats text @p (@n bytes) holds only lines libtraceevent reads within bounds:
 * libtracecmd hands the section to it as it is, so a bad line rejects the file.
 */
static bool printk_ok(struct walk *w, const unsigned char *p, size_t n)
{
	struct nt_tep_printk_check chk;
	char *clean = nt_tep_printk_clean(p, n, &chk);

	free(clean);
	if (!clean) {
		w->err = nt_err_new(NT_E_FAIL, "out of memory");
		return false;
	}
	if (!chk.dropped)
		return true;
	w->err =
		nt_err_new(NT_E_INPUT,
			   "'%s' is corrupt: line %zu of its printk formats section ('%s') is not "
			   "'ADDRESS : FORMAT' (%zu such line(s)), which libtraceevent cannot read "
			   "safely; record the trace again",
			   w->path, chk.first_bad, chk.first_shown, chk.dropped);
	return false;
}

/* The v6 printk formats section: a 4-byte size, then the text. */
static bool printk_v6(struct walk *w)
{
	uint64_t sz;
	unsigned char *p;
	bool ok;

	if (!num(w, 4, &sz, "printk formats"))
		return false;
	if (sz > (64u << 20) || !(p = malloc(sz + 1))) {
		if (sz > (64u << 20))
			return fail(w, "printk formats larger than 64 MiB");
		w->err = nt_err_new(NT_E_FAIL, "out of memory");
		return false;
	}
	ok = get(w, p, sz, "printk formats") && printk_ok(w, p, sz);
	free(p);
	return ok;
}

static void not_direct(struct nt_td_layout *l, const char *why)
{
	if (l->direct) {
		l->direct = false;
		l->why_not_direct = why;
	}
}

/* An option that changes how timestamps or buffers must be read. */
static void judge_option(struct nt_td_layout *l, uint64_t id)
{
	switch (id) {
	case OPT_DATE:
	case OPT_OFFSET:
	case OPT_TIME_SHIFT:
	case OPT_TSC2NSEC:
		not_direct(l, "timestamp corrections");
		break;
	case OPT_BUFFER:
	case OPT_BUFFER_TEXT:
		not_direct(l, "buffer instances");
		break;
	}
}

static bool add_cpu(struct walk *w, int cpu, uint64_t o, uint64_t s)
{
	struct nt_td_cpu *c;

	if (o > w->size || s > w->size - o) {
		if (!w->err)
			w->err = nt_err_new(
				NT_E_INPUT,
				"'%s' is truncated: cpu %d data [%llu, %llu) ends past the "
				"end of the file (size %llu)",
				w->path, cpu, (unsigned long long)o, (unsigned long long)(o + s),
				(unsigned long long)w->size);
		return false;
	}
	c = realloc(w->l->cpus, (size_t)(w->l->ncpus + 1) * sizeof(*c));
	if (!c) {
		w->err = nt_err_new(NT_E_FAIL, "out of memory");
		return false;
	}
	w->l->cpus = c;
	c[w->l->ncpus++] = (struct nt_td_cpu){cpu, o, s};
	return true;
}

static bool walk_v6(struct walk *w)
{
	uint64_t n, m, cpus, id, sz;
	char sys[256], tag[10];

	if (!section(w, "header_page", 8) || !section(w, "header_event", 8))
		return false;
	if (!num(w, 4, &n, "the ftrace formats"))
		return false;
	for (uint64_t i = 0; i < n; i++)
		if (!num(w, 8, &sz, "an ftrace format") || !skip(w, sz, "an ftrace format"))
			return false;
	if (!num(w, 4, &n, "the event systems"))
		return false;
	for (uint64_t i = 0; i < n; i++) {
		if (!cstr(w, sys, sizeof(sys), "an event system name") ||
		    !num(w, 4, &m, "an event system"))
			return false;
		for (uint64_t j = 0; j < m; j++)
			if (!num(w, 8, &sz, "an event format") || !skip(w, sz, "an event format"))
				return false;
	}
	if (!num(w, 4, &sz, "kallsyms") || !skip(w, sz, "kallsyms") || !printk_v6(w) ||
	    !num(w, 8, &sz, "saved cmdlines") || !skip(w, sz, "saved cmdlines") ||
	    !num(w, 4, &cpus, "the cpu count") || !get(w, tag, 10, "the data section tag"))
		return false;
	if (!memcmp(tag, "options  ", 10)) {
		for (;;) {
			if (!num(w, 2, &id, "an option"))
				return false;
			if (!id)
				break;
			judge_option(w->l, id);
			if (!num(w, 4, &sz, "an option") || !skip(w, sz, "an option"))
				return false;
		}
		if (!get(w, tag, 10, "the data section tag"))
			return false;
	}
	if (!memcmp(tag, "latency  ", 10)) {
		not_direct(w->l, "latency data");
		return true;
	}
	if (memcmp(tag, "flyrecord", 10))
		return fail(w, "an unknown data section tag");
	if (cpus > 4096)
		return fail(w, "an impossible cpu count");
	for (uint64_t c = 0; c < cpus; c++) {
		uint64_t o, s;
		if (!num(w, 8, &o, "the cpu data table") || !num(w, 8, &s, "the cpu data table") ||
		    !add_cpu(w, (int)c, o, s))
			return false;
	}
	return true;
}

/* Read a v7 section's data (decompressed when flagged) into a new buffer. */
static unsigned char *v7_section(struct walk *w, uint64_t at, size_t *len, const char *what)
{
	uint64_t id, flags, sid, size, cs, us;
	unsigned char *in = NULL, *out = NULL;

	if (!seek(w, at, what) || !num(w, 2, &id, what) || !num(w, 2, &flags, what) ||
	    !num(w, 4, &sid, what) || !num(w, 8, &size, what))
		return NULL;
	if (size > w->size - w->off) {
		fail(w, what);
		return NULL;
	}
	if (!(flags & 1)) {
		out = malloc(size + 1);
		if (out && !get(w, out, size, what)) {
			free(out);
			return NULL;
		}
		*len = size;
		return out;
	}
	if (!num(w, 4, &cs, what) || !num(w, 4, &us, what) || cs > size || us > (64u << 20)) {
		fail(w, what);
		return NULL;
	}
	in = malloc(cs + 1);
	out = malloc(us + 1);
	if (!in || !out || !get(w, in, cs, what) ||
	    nt_td_decompress(w->l->compression, in, cs, out, us)) {
		if (in && out)
			fail(w, what);
		free(in);
		free(out);
		return NULL;
	}
	free(in);
	*len = us;
	return out;
}

static bool v7_buffer_option(struct walk *w, const unsigned char *p, size_t n)
{
	const unsigned char *e = p + n, *q;
	uint64_t ncpu;

	if (n < 8)
		return fail(w, "a BUFFER option");
	p += 8; /* the flyrecord section's offset */
	q = memchr(p, 0, (size_t)(e - p));
	if (!q)
		return fail(w, "a BUFFER option");
	if (q != p) { /* a named instance: only libtracecmd reads those */
		not_direct(w->l, "buffer instances");
		return true;
	}
	p = q + 1;
	q = memchr(p, 0, (size_t)(e - p)); /* clock */
	if (!q || e - (q + 1) < 8)
		return fail(w, "a BUFFER option");
	p = q + 1;
	w->l->page_size = (uint32_t)conv(w->big, p, 4);
	ncpu = conv(w->big, p + 4, 4);
	p += 8;
	if (ncpu > 4096 || (uint64_t)(e - p) < ncpu * 20)
		return fail(w, "a BUFFER option");
	if (w->l->ncpus) {
		not_direct(w->l, "several top-level buffers");
		return true;
	}
	for (uint64_t i = 0; i < ncpu; i++, p += 20)
		if (!add_cpu(w, (int)conv(w->big, p, 4), conv(w->big, p + 4, 8),
			     conv(w->big, p + 12, 8)))
			return false;
	return true;
}

/* The v7 PRINTK section at @at: a 4-byte size, then the text (decompressed when flagged). */
static bool printk_v7(struct walk *w, uint64_t at)
{
	size_t len;
	unsigned char *d = v7_section(w, at, &len, "the printk formats section");
	uint64_t sz;
	bool ok;

	if (!d)
		return false;
	sz = len >= 4 ? conv(w->big, d, 4) : 0;
	ok = len >= 4 && sz <= len - 4 ? printk_ok(w, d + 4, (size_t)sz)
				       : fail(w, "the printk formats section");
	free(d);
	return ok;
}

static bool walk_v7(struct walk *w)
{
	char name[64], ver[64];
	uint64_t at, printk = 0;
	int sections = 0;

	if (!cstr(w, name, sizeof(name), "the compression name") ||
	    !cstr(w, ver, sizeof(ver), "the compression version") ||
	    !num(w, 8, &at, "the options offset"))
		return false;
	snprintf(w->l->compression, sizeof(w->l->compression), "%.15s", name);
	if (strcmp(name, "none") && strcmp(name, "zstd") && strcmp(name, "zlib")) {
		not_direct(w->l, "an unknown compression");
		return true; /* libtracecmd may know it */
	}
	while (at) {
		size_t len;
		unsigned char *d;
		const unsigned char *p, *e;

		if (++sections > 64)
			return fail(w, "too many option sections");
		d = v7_section(w, at, &len, "an options section");
		if (!d)
			return false;
		at = 0;
		for (p = d, e = d + len; e - p >= 6;) {
			uint64_t id = conv(w->big, p, 2), sz = conv(w->big, p + 2, 4);
			p += 6;
			if (sz > (uint64_t)(e - p)) {
				free(d);
				return fail(w, "an option");
			}
			if (id == OPT_DONE) {
				at = sz >= 8 ? conv(w->big, p, 8) : 0;
				break;
			}
			judge_option(w->l, id == OPT_BUFFER ? 0 : id);
			if (id == OPT_PRINTK && sz >= 8)
				printk = conv(w->big, p, 8);
			if (id == OPT_BUFFER && !v7_buffer_option(w, p, sz)) {
				free(d);
				return false;
			}
			p += sz;
		}
		free(d);
	}
	return !printk || printk_v7(w, printk);
}

int nt_td_decompress(const char *algo, const void *in, size_t n, void *out, size_t outn)
{
	if (!strcmp(algo, "zstd")) {
		size_t r = ZSTD_decompress(out, outn, in, n);
		return ZSTD_isError(r) || r != outn ? -1 : 0;
	}
	if (!strcmp(algo, "zlib")) {
		uLongf got = outn;
		return uncompress(out, &got, in, n) != Z_OK || got != outn ? -1 : 0;
	}
	return -1;
}

int nt_tracedat_layout(const char *path, struct nt_td_layout *l, struct nt_err **err)
{
	struct walk w = {.path = path, .l = l};
	unsigned char magic[10], b[2];
	char ver[16];
	struct stat st;
	bool ok;

	memset(l, 0, sizeof(*l));
	l->direct = true;
	snprintf(l->compression, sizeof(l->compression), "none");
	w.f = fopen(path, "rb");
	if (!w.f)
		return nt_err_set(err, nt_err_errno(NT_E_INPUT, errno, "cannot open '%s'", path));
	if (fstat(fileno(w.f), &st) < 0) {
		fclose(w.f);
		return nt_err_set(err, nt_err_errno(NT_E_INPUT, errno, "cannot stat '%s'", path));
	}
	w.size = (uint64_t)st.st_size;
	ok = get(&w, magic, 10, "the magic") && cstr(&w, ver, sizeof(ver), "the version") &&
	     get(&w, b, 2, "the byte order");
	if (ok && (magic[0] != 0x17 || magic[1] != 0x08 || magic[2] != 0x44 ||
		   memcmp(magic + 3, "tracing", 7))) {
		w.off = 0;
		ok = fail(&w, "not a trace-cmd file (bad magic)");
	}
	if (ok) {
		uint64_t page;
		w.big = l->big_endian = b[0] == 1;
		ok = num(&w, 4, &page, "the page size");
		l->page_size = (uint32_t)page;
		if (ok && strcmp(ver, "6") && strcmp(ver, "7")) {
			w.err = nt_err_new(NT_E_INPUT,
					   "cannot read '%s': trace-cmd file version '%s' is not "
					   "supported (6 and 7 are)",
					   path, ver);
			ok = false;
		}
		l->version = atoi(ver);
		if (ok)
			ok = l->version == 6 ? walk_v6(&w) : walk_v7(&w);
	}
	if (ok && (l->page_size < 64 || l->page_size > (1u << 24) ||
		   (l->page_size & (l->page_size - 1)))) {
		w.off = 0;
		ok = fail(&w, "an impossible page size");
	}
	fclose(w.f);
	if (!ok) {
		nt_td_layout_release(l);
		return nt_err_set(err,
				  w.err ? w.err : nt_err_new(NT_E_INPUT, "cannot read '%s'", path));
	}
	return 0;
}

void nt_td_layout_release(struct nt_td_layout *l)
{
	free(l->cpus);
	l->cpus = NULL;
	l->ncpus = 0;
}
