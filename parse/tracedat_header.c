/* SPDX-License-Identifier: GPL-2.0 */
/* Walks the trace.dat v6 header (man 5 trace-cmd.dat.v6) checking every size against the file. */
#include "tracedat_header.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

struct walk {
	FILE *f;
	const char *path;
	uint64_t size, off;
	bool big;
	struct nt_err *err;
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
	if (fseeko(w->f, (off_t)(w->off + n), SEEK_SET))
		return fail(w, what);
	w->off += n;
	return true;
}

static uint64_t conv(struct walk *w, const unsigned char *b, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v |= (uint64_t)b[w->big ? n - 1 - i : i] << (8 * i);
	return v;
}

static bool num(struct walk *w, int n, uint64_t *v, const char *what)
{
	unsigned char b[8];
	if (!get(w, b, (size_t)n, what))
		return false;
	*v = conv(w, b, n);
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
	if (tag && (!cstr(w, name, sizeof(name), what) || strcmp(name, tag)))
		return w->err ? false : fail(w, what);
	return num(w, lenbytes, &n, what) && skip(w, n, what);
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
	if (!num(w, 4, &sz, "kallsyms") || !skip(w, sz, "kallsyms") ||
	    !num(w, 4, &sz, "printk formats") || !skip(w, sz, "printk formats") ||
	    !num(w, 8, &sz, "saved cmdlines") || !skip(w, sz, "saved cmdlines") ||
	    !num(w, 4, &cpus, "the cpu count") || !get(w, tag, 10, "the data section tag"))
		return false;
	if (!memcmp(tag, "options  ", 10)) {
		for (;;) {
			if (!num(w, 2, &id, "an option"))
				return false;
			if (!id)
				break;
			if (!num(w, 4, &sz, "an option") || !skip(w, sz, "an option"))
				return false;
		}
		if (!get(w, tag, 10, "the data section tag"))
			return false;
	}
	if (!memcmp(tag, "latency  ", 10))
		return true;
	if (memcmp(tag, "flyrecord", 10))
		return fail(w, "an unknown data section tag");
	for (uint64_t c = 0; c < cpus; c++) {
		uint64_t o, s;
		if (!num(w, 8, &o, "the cpu data table") || !num(w, 8, &s, "the cpu data table"))
			return false;
		if (o > w->size || s > w->size - o) {
			w->err = nt_err_new(NT_E_INPUT,
					    "'%s' is truncated: cpu %llu data [%llu, %llu) ends "
					    "past the end of the file (size %llu)",
					    w->path, (unsigned long long)c, (unsigned long long)o,
					    (unsigned long long)(o + s),
					    (unsigned long long)w->size);
			return false;
		}
	}
	return true;
}

int nt_tracedat_check(const char *path, struct nt_err **err)
{
	struct walk w = {.path = path};
	unsigned char magic[10], b[2];
	char ver[16];
	struct stat st;
	bool ok;

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
		w.big = b[0] == 1;
		ok = num(&w, 4, &page, "the page size");
		if (ok && strcmp(ver, "6") && strcmp(ver, "7")) {
			w.err = nt_err_new(NT_E_INPUT,
					   "cannot read '%s': trace-cmd file version '%s' is not "
					   "supported (6 and 7 are)",
					   path, ver);
			ok = false;
		}
		if (ok && !strcmp(ver, "6"))
			ok = walk_v6(&w);
	}
	fclose(w.f);
	if (!ok)
		return nt_err_set(err, w.err);
	return 0;
}
