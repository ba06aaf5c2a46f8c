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
	OPT_CPUSTAT = 2,
	OPT_BUFFER = 3,
	OPT_TRACECLOCK = 4,
	OPT_UNAME = 5,
	OPT_HOOK = 6,
	OPT_OFFSET = 7,
	OPT_CPUCOUNT = 8,
	OPT_VERSION = 9,
	OPT_PROCMAPS = 10,
	OPT_TIME_SHIFT = 12,
	OPT_GUEST = 13,
	OPT_TSC2NSEC = 14,
	OPT_HEADER_INFO = 16,
	OPT_FTRACE_EVENTS = 17,
	OPT_EVENT_FORMATS = 18,
	OPT_KALLSYMS = 19,
	OPT_PRINTK = 20,
	OPT_CMDLINES = 21,
	OPT_BUFFER_TEXT = 22,
};

/* The largest event format read (a kernel's are a few kB). */
#define FORMAT_MAX (16u << 20)

/* A walk through the file (f), or through a v7 section's data in memory (mem, named in). */
struct walk {
	FILE *f;
	const unsigned char *mem;
	const char *in;
	const char *path;
	uint64_t size, off;
	bool big;
	int long_size; /* of the kernel, from the file's header */
	uint32_t page; /* the page size in the file's header */
	uint64_t cpus; /* v6: the cpu count in the file's header */
	struct nt_err *err;
	struct nt_err *late; /* a bad first page of the top-level buffer (cpu_data_ok) */
	struct nt_td_layout *l;
};

static bool fail(struct walk *w, const char *what)
{
	if (w->err)
		return false;
	if (w->mem)
		w->err = nt_err_new(NT_E_INPUT,
				    "'%s' is corrupt: %s at offset %llu of its %s section "
				    "(%llu bytes); record the trace again",
				    w->path, what, (unsigned long long)w->off, w->in,
				    (unsigned long long)w->size);
	else
		w->err = nt_err_new(
			NT_E_INPUT,
			"'%s' is truncated or corrupt: %s at offset %llu (file size %llu)", w->path,
			what, (unsigned long long)w->off, (unsigned long long)w->size);
	return false;
}

static bool seek(struct walk *w, uint64_t to, const char *what)
{
	if (to > w->size || (!w->mem && fseeko(w->f, (off_t)to, SEEK_SET)))
		return fail(w, what);
	w->off = to;
	return true;
}

static bool get(struct walk *w, void *p, size_t n, const char *what)
{
	if (n > w->size || w->off > w->size - n)
		return fail(w, what);
	if (w->mem)
		memcpy(p, w->mem + w->off, n);
	else if (fread(p, 1, n, w->f) != n)
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
		if (w->off >= w->size || (c = w->mem ? w->mem[w->off] : fgetc(w->f)) == EOF)
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

/* @n bytes at the walk's offset (at most @max) as a new NUL-terminated buffer, or NULL. */
static unsigned char *blob(struct walk *w, uint64_t n, uint64_t max, const char *what)
{
	unsigned char *p;

	if (n > max || n > w->size - w->off) {
		fail(w, what);
		return NULL;
	}
	p = malloc(n + 1);
	if (!p) {
		if (!w->err)
			w->err = nt_err_new(NT_E_FAIL, "out of memory");
		return NULL;
	}
	if (!get(w, p, n, what)) {
		free(p);
		return NULL;
	}
	p[n] = '\0';
	return p;
}

/*
 * An event format of system @sys in the @sect section (an 8-byte size, then the text) that
 * libtraceevent parses without crashing (nt_tep_format_ok, tep_text.h).
 */
static bool format(struct walk *w, const char *sys, const char *sect)
{
	struct nt_tep_format_check chk;
	unsigned char *p;
	uint64_t sz;
	bool ok;

	if (!num(w, 8, &sz, "an event format") || !(p = blob(w, sz, FORMAT_MAX, "an event format")))
		return false;
	ok = nt_tep_format_ok(p, (size_t)sz, &chk);
	free(p);
	if (!ok && !w->err)
		w->err = nt_err_new(
			NT_E_INPUT,
			"'%s' is corrupt: the format of event '%s:%s' in its %s section %s "
			"(libtraceevent cannot parse that safely); record the trace again",
			w->path, sys, chk.event, sect, chk.why);
	return ok;
}

/* The header_page and header_event sections. */
static bool headers(struct walk *w)
{
	return section(w, "header_page", 8) && section(w, "header_event", 8);
}

/* The ftrace formats: a 4-byte count, then the formats. */
static bool ftrace_formats(struct walk *w)
{
	uint64_t n;

	if (!num(w, 4, &n, "the ftrace formats"))
		return false;
	for (uint64_t i = 0; i < n; i++)
		if (!format(w, "ftrace", "ftrace formats"))
			return false;
	return true;
}

/* The event formats: a 4-byte count of systems, each a name, a 4-byte count and formats. */
static bool event_formats(struct walk *w)
{
	uint64_t n, m;
	char sys[256];

	if (!num(w, 4, &n, "the event systems"))
		return false;
	for (uint64_t i = 0; i < n; i++) {
		if (!cstr(w, sys, sizeof(sys), "an event system name") ||
		    !num(w, 4, &m, "an event system"))
			return false;
		for (char *c = sys; *c; c++)
			if (*c < 0x20 || *c >= 0x7f)
				*c = '?';
		for (uint64_t j = 0; j < m; j++)
			if (!format(w, sys, "event formats"))
				return false;
	}
	return true;
}

/* A section of a @lenbytes size, then that many bytes (kallsyms, saved cmdlines). */
static bool sized(struct walk *w, int lenbytes, const char *what)
{
	uint64_t sz;

	return num(w, lenbytes, &sz, what) && skip(w, sz, what);
}

static bool bad_option(struct walk *w, const char *opt, const char *what, uint64_t v, size_t n)
{
	if (!w->err)
		w->err = nt_err_new(
			NT_E_INPUT,
			"'%s' is corrupt: its %s option (%zu bytes) counts %llu %s, more "
			"than it holds (libtracecmd would allocate memory for them); "
			"record the trace again",
			w->path, opt, n, (unsigned long long)v, what);
	return false;
}

/* TIME_SHIFT: trace id, flags, a cpu count, then per cpu a count and 3 arrays of 8 bytes. */
static bool time_shift_ok(struct walk *w, const unsigned char *p, size_t n)
{
	const unsigned char *e = p + n;
	uint64_t cpus, k;

	if (n < 16) /* libtracecmd ignores it */
		return true;
	cpus = conv(w->big, p + 12, 4);
	p += 16;
	if (cpus > (uint64_t)(e - p) / 4)
		return bad_option(w, "TIME_SHIFT", "cpus", cpus, n);
	for (uint64_t i = 0; i < cpus; i++, p += k * 24) {
		if (e - p < 4)
			return bad_option(w, "TIME_SHIFT", "cpus", cpus, n);
		k = conv(w->big, p, 4);
		p += 4;
		if (k > (uint64_t)(e - p) / 24)
			return bad_option(w, "TIME_SHIFT", "time offset samples", k, n);
	}
	return true;
}

/* The name of option @id that libtracecmd reads as a C string (strdup, strtoll, strtok_r). */
static const char *string_option(uint64_t id)
{
	static const char *const names[] = {
		[OPT_DATE] = "DATE", [OPT_TRACECLOCK] = "TRACECLOCK", [OPT_UNAME] = "UNAME",
		[OPT_HOOK] = "HOOK", [OPT_OFFSET] = "OFFSET",	      [OPT_VERSION] = "VERSION",
	};

	return id < sizeof(names) / sizeof(names[0]) ? names[id] : NULL;
}

static bool unterminated(struct walk *w, const char *opt, size_t n)
{
	if (!w->err)
		w->err = nt_err_new(NT_E_INPUT,
				    "'%s' is corrupt: its %s option (%zu bytes) has no NUL "
				    "terminator (libtracecmd would read past it); record the "
				    "trace again",
				    w->path, opt, n);
	return false;
}

/*
 * The counts of option @id's payload @p (@n bytes) that libtracecmd (3.1.6) allocates for
 * before reading what they count, and the options it writes or reads one byte before when
 * empty, or past when a string is not terminated or the payload is short.
 */
static bool option_ok(struct walk *w, uint64_t id, const unsigned char *p, size_t n)
{
	const unsigned char *q;
	unsigned pid, nr;
	uint64_t v;

	if (string_option(id))
		return memchr(p, 0, n) ? true : unterminated(w, string_option(id), n);
	switch (id) {
	case OPT_CPUCOUNT: /* read as 4 bytes whatever its size */
		if (n >= 4)
			return true;
		if (!w->err)
			w->err = nt_err_new(NT_E_INPUT,
					    "'%s' is corrupt: its CPUCOUNT option has %zu bytes, "
					    "fewer than the 4 libtracecmd reads; record the trace "
					    "again",
					    w->path, n);
		return false;
	case OPT_CPUSTAT:
	case OPT_PROCMAPS:
		if (!n) {
			if (!w->err)
				w->err = nt_err_new(
					NT_E_INPUT,
					"'%s' is corrupt: its %s option is empty "
					"(libtracecmd would access the byte before it); "
					"record the trace again",
					w->path, id == OPT_CPUSTAT ? "CPUSTAT" : "PROCMAPS");
			return false;
		}
		if (id == OPT_PROCMAPS && !p[n - 1] &&
		    sscanf((const char *)p, "%x %x", &pid, &nr) == 2 && nr > n)
			return bad_option(w, "PROCMAPS", "library maps", nr, n);
		return true;
	case OPT_TIME_SHIFT:
		return time_shift_ok(w, p, n);
	case OPT_GUEST: /* name, 8-byte trace id, 4-byte vcpu count, 8 bytes per vcpu */
		q = memchr(p, 0, n);
		if (!q)
			return bad_option(w, "GUEST", "name bytes without a terminator", n, n);
		q++;
		if ((size_t)(p + n - q) < 12)
			return true; /* libtracecmd gives up */
		v = conv(w->big, q + 8, 4);
		if (v > (uint64_t)(p + n - q - 12) / 8)
			return bad_option(w, "GUEST", "guest cpus", v, n);
		return true;
	}
	return true;
}

static void not_direct(struct nt_td_layout *l, const char *why)
{
	if (l->direct) {
		l->direct = false;
		l->why_not_direct = why;
	}
}

/*
 * Latency-tracer output (a "latency" data section, a BUFFER_TEXT option): text, not per-cpu
 * pages. libtracecmd keeps such a buffer's cpu count but no cpu data, and reading it
 * dereferences NULL (tracecmd_peek_data): refused here, whether top-level or an instance's.
 */
static bool latency(struct walk *w, const char *which)
{
	if (!w->err) {
		w->err = nt_err_new(NT_E_INPUT,
				    "cannot import '%s': %s holds latency-tracer output (a "
				    "'latency' data section), not per-cpu events",
				    w->path, which);
		nt_err_hint(w->err,
			    "'trace-cmd report %s' prints it; nettrail reads traces "
			    "recorded with event tracing (trace-cmd record -e, nettrail record)",
			    w->path);
	}
	return false;
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

/*
 * Does cpu @cpu's data (@o, @s bytes) lie inside the file? Otherwise the first error names it,
 * and @which buffer when given (the top-level buffer's cpu table is "truncated").
 */
static bool cpu_in_file(struct walk *w, const char *which, uint64_t cpu, uint64_t o, uint64_t s)
{
	if (o <= w->size && s <= w->size - o)
		return true;
	if (!w->err)
		w->err = nt_err_new(NT_E_INPUT,
				    "'%s' is truncated%s: cpu %llu data [%llu, %llu) ends past the "
				    "end of the file (size %llu)%s%s",
				    w->path, which ? " or corrupt" : "", (unsigned long long)cpu,
				    (unsigned long long)o, (unsigned long long)(o + s),
				    (unsigned long long)w->size, which ? ", in " : "",
				    which ? which : "");
	return false;
}

static bool add_cpu(struct walk *w, int cpu, uint64_t o, uint64_t s)
{
	struct nt_td_cpu *c;

	if (!cpu_in_file(w, NULL, (unsigned)cpu, o, s)) /* the file's 32-bit cpu number */
		return false;
	c = realloc(w->l->cpus, (size_t)(w->l->ncpus + 1) * sizeof(*c));
	if (!c) {
		w->err = nt_err_new(NT_E_FAIL, "out of memory");
		return false;
	}
	w->l->cpus = c;
	c[w->l->ncpus++] = (struct nt_td_cpu){cpu, o, s};
	return true;
}

/* @n bytes at @at into @out, when the file has them (no error otherwise). */
static bool peek(struct walk *w, uint64_t at, void *out, size_t n)
{
	return at <= w->size && n <= w->size - at && seek(w, at, "") && get(w, out, n, "");
}

/*
 * Cpu @cpu's data of @which buffer (@o, @s bytes; @page the page size libtracecmd uses for it)
 * as libtracecmd checks it before reading it (read_cpu_data, init_buffer_cpu_data, init_cpu):
 * inside the file, and its first page holding at most a page (the commit size: 27 bits of the
 * long after the timestamp). Otherwise the open fails and tracecmd_close() walks the lists of
 * the cpus it had not initialised yet (SEGV at 0). Compressed data is left to libtracecmd.
 * A bad first page of the @top-level buffer is refused only if libtracecmd reads its pages
 * (the layout is not direct; decided at the walk's end): the direct reader skips bad pages.
 */
static bool cpu_data_ok(struct walk *w, const char *which, uint64_t cpu, uint64_t o, uint64_t s,
			uint32_t page, bool compressed, bool top)
{
	struct nt_err **to = top ? &w->late : &w->err;
	int n = w->long_size == 8 ? 8 : 4;
	unsigned char b[8];
	uint64_t commit;

	if (!s)
		return true;
	if (!cpu_in_file(w, which, cpu, o, s))
		return false;
	if (compressed || !peek(w, o + 8, b, (size_t)n))
		return true;
	commit = (uint32_t)conv(w->big, b, n) & ((1u << 27) - 1);
	if (commit <= page)
		return true;
	if (!*to)
		*to = nt_err_new(NT_E_INPUT,
				 "'%s' is corrupt: the first page of cpu %llu in %s (offset "
				 "%llu) holds %llu bytes, more than the page size (%u), which "
				 "libtracecmd cannot read safely; record the trace again",
				 w->path, (unsigned long long)cpu, which, (unsigned long long)o,
				 (unsigned long long)commit, page);
	return top;
}

/* The options whose payload option_ok() checks. */
static bool checked_option(uint64_t id)
{
	return id == OPT_CPUSTAT || id == OPT_PROCMAPS || id == OPT_TIME_SHIFT || id == OPT_GUEST ||
	       id == OPT_CPUCOUNT || string_option(id);
}

/*
 * The options of a v6 buffer instance's section from *@at (past its "options" tag), which
 * libtracecmd reads as the top-level ones; *@at is left at their DONE. Those running past the
 * file are left to libtracecmd, which gives up on the instance.
 */
static bool v6_instance_options(struct walk *w, uint64_t *at)
{
	unsigned char o[6], *p;
	uint64_t id, sz = 0;
	bool ok;

	for (; peek(w, *at, o, 6) && (id = conv(w->big, o, 2)); *at += 6 + sz) {
		sz = conv(w->big, o + 2, 4);
		if (!checked_option(id) || sz > (64u << 20) || sz > w->size - w->off)
			continue;
		p = blob(w, sz, 64u << 20, "an option");
		if (!p)
			return false;
		ok = option_ok(w, id, p, (size_t)sz);
		free(p);
		if (!ok)
			return false;
	}
	return true;
}

/*
 * A v6 BUFFER option (@p, @n bytes: the instance's section offset, its name): its section's
 * options are checked as the top-level ones, its data tag must not be "latency", its cpu table
 * (as many cpus as the file's header counts) as the top-level one. Anything else unreadable is
 * left to libtracecmd, which skips such an instance. The walk goes on where it was.
 */
static bool v6_instance(struct walk *w, const unsigned char *p, uint64_t n)
{
	uint64_t back = w->off, at;
	unsigned char tag[10], o[16];
	char which[160];

	if (n < 9)
		return true;
	if (!memchr(p + 8, 0, n - 8)) /* libtracecmd strdups the name */
		return unterminated(w, "BUFFER", n);
	snprintf(which, sizeof(which), "its buffer instance '%.*s'", 120, (const char *)p + 8);
	at = conv(w->big, p, 8);
	if (peek(w, at, tag, 10) && !memcmp(tag, "options  ", 10)) {
		at += 10;
		if (!v6_instance_options(w, &at))
			return false;
		if (!peek(w, at + 2, tag, 10))
			memset(tag, 0, sizeof(tag));
		at += 2;
	}
	if (!memcmp(tag, "latency  ", 10))
		return latency(w, which);
	if (!memcmp(tag, "flyrecord", 9))
		for (uint64_t c = 0; c < w->cpus && c < 4096 && peek(w, at + 10 + 16 * c, o, 16);
		     c++)
			if (!cpu_data_ok(w, which, c, conv(w->big, o, 8), conv(w->big, o + 8, 8),
					 w->page, false, false))
				return false;
	return seek(w, back, "an option");
}

/* The payload of the v6 option @id (@sz bytes): checked when libtracecmd reads counts in it. */
static bool v6_option(struct walk *w, uint64_t id, uint64_t sz)
{
	unsigned char *p;
	bool ok;

	if (id != OPT_BUFFER && !checked_option(id))
		return skip(w, sz, "an option");
	p = blob(w, sz, 64u << 20, "an option");
	if (!p)
		return false;
	ok = id == OPT_BUFFER ? v6_instance(w, p, sz) : option_ok(w, id, p, (size_t)sz);
	free(p);
	return ok;
}

static bool walk_v6(struct walk *w)
{
	uint64_t cpus, id, sz, back;
	char tag[10];

	if (!headers(w) || !ftrace_formats(w) || !event_formats(w) || !sized(w, 4, "kallsyms") ||
	    !printk_v6(w) || !sized(w, 8, "saved cmdlines") || !num(w, 4, &cpus, "the cpu count") ||
	    !get(w, tag, 10, "the data section tag"))
		return false;
	w->cpus = cpus;
	if (!memcmp(tag, "options  ", 10)) {
		for (;;) {
			if (!num(w, 2, &id, "an option"))
				return false;
			if (!id)
				break;
			judge_option(w->l, id);
			if (!num(w, 4, &sz, "an option") || !v6_option(w, id, sz))
				return false;
		}
		if (!get(w, tag, 10, "the data section tag"))
			return false;
	}
	if (!memcmp(tag, "latency  ", 10))
		return latency(w, "its top-level buffer");
	if (memcmp(tag, "flyrecord", 10))
		return fail(w, "an unknown data section tag");
	if (cpus > 4096)
		return fail(w, "an impossible cpu count");
	for (uint64_t c = 0; c < cpus; c++) {
		uint64_t o, s;
		if (!num(w, 8, &o, "the cpu data table") || !num(w, 8, &s, "the cpu data table") ||
		    !add_cpu(w, (int)c, o, s))
			return false;
		back = w->off;
		if (!cpu_data_ok(w, "its top-level buffer", c, o, s, w->page, false, true) ||
		    !seek(w, back, "the cpu data table"))
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

/*
 * The cpu data of a v7 BUFFER option (@p, @n bytes, its layout checked by v7_buffer_option())
 * as cpu_data_ok() checks it: libtracecmd reads a named instance's pages with the option's page
 * size, the top-level buffer's with the header's. A flyrecord section whose header is not in
 * the file is left to libtracecmd, which gives up before reading its cpus.
 */
static bool v7_buffer_data_ok(struct walk *w, const unsigned char *p, size_t n)
{
	const unsigned char *e = p + n, *name = p + 8, *q;
	unsigned char hdr[4];
	char which[160];
	uint64_t ncpu;
	uint32_t page;
	bool compressed;

	if (n < 8 || !(q = memchr(name, 0, (size_t)(e - name))) ||
	    !(q = memchr(q + 1, 0, (size_t)(e - q - 1))) || e - (q + 1) < 8)
		return true; /* refused by v7_buffer_option() */
	p = q + 1;
	ncpu = conv(w->big, p + 4, 4);
	if (ncpu > 4096 || (uint64_t)(e - p - 8) < ncpu * 20 ||
	    !peek(w, conv(w->big, name - 8, 8), hdr, 4))
		return true;
	compressed = conv(w->big, hdr + 2, 2) & 1;
	page = *name ? (uint32_t)conv(w->big, p, 4) : w->page;
	if (*name)
		snprintf(which, sizeof(which), "its buffer instance '%.*s'", 120,
			 (const char *)name);
	else
		snprintf(which, sizeof(which), "its top-level buffer");
	for (p += 8; ncpu--; p += 20)
		if (!cpu_data_ok(w, which, conv(w->big, p, 4), conv(w->big, p + 4, 8),
				 conv(w->big, p + 12, 8), page, compressed, !*name))
			return false;
	return true;
}

/*
 * A v7 BUFFER option: the flyrecord section's offset, name, clock, page size, cpu count, then
 * per cpu its id and data offset and size. libtracecmd allocates for the count and indexes by
 * the ids: both are bounded for every instance.
 */
static bool v7_buffer_option(struct walk *w, const unsigned char *p, size_t n)
{
	const unsigned char *e = p + n, *q, *name;
	uint64_t ncpu;

	if (!v7_buffer_data_ok(w, p, n))
		return false;

	if (n < 8)
		return fail(w, "a BUFFER option");
	name = p += 8; /* the flyrecord section's offset */
	q = memchr(p, 0, (size_t)(e - p));
	if (!q)
		return fail(w, "a BUFFER option");
	p = q + 1;
	q = memchr(p, 0, (size_t)(e - p)); /* clock */
	if (!q || e - (q + 1) < 8)
		return fail(w, "a BUFFER option");
	p = q + 1;
	ncpu = conv(w->big, p + 4, 4);
	if (ncpu > 4096 || (uint64_t)(e - p - 8) < ncpu * 20)
		return fail(w, "a BUFFER option's cpu count");
	for (uint64_t i = 0; i < ncpu; i++)
		if (conv(w->big, p + 8 + 20 * i, 4) >= 4096)
			return fail(w, "a BUFFER option's cpu number");
	if (*name) { /* a named instance: only libtracecmd reads those */
		not_direct(w->l, "buffer instances");
		return true;
	}
	w->l->page_size = (uint32_t)conv(w->big, p, 4);
	p += 8;
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

/*
 * The v7 section @id (HEADER_INFO to CMDLINES) at @at, decompressed when flagged, walked as
 * its v6 counterpart with every size checked against the section.
 */
static bool v7_header_section(struct walk *w, uint64_t id, uint64_t at)
{
	static const char *const names[] = {"header",	"ftrace formats", "event formats",
					    "kallsyms", "printk formats", "saved cmdlines"};
	const char *name = names[id - OPT_HEADER_INFO];
	struct walk s = {.in = name, .path = w->path, .big = w->big, .l = w->l};
	char what[64];
	size_t len;
	unsigned char *d;
	bool ok;

	snprintf(what, sizeof(what), "the %s section", name);
	d = v7_section(w, at, &len, what);
	if (!d)
		return false;
	s.mem = d;
	s.size = len;
	switch (id) {
	case OPT_HEADER_INFO:
		ok = headers(&s);
		break;
	case OPT_FTRACE_EVENTS:
		ok = ftrace_formats(&s);
		break;
	case OPT_EVENT_FORMATS:
		ok = event_formats(&s);
		break;
	case OPT_KALLSYMS:
		ok = sized(&s, 4, "kallsyms");
		break;
	case OPT_PRINTK:
		ok = printk_v6(&s);
		break;
	default:
		ok = sized(&s, 8, "saved cmdlines");
	}
	free(d);
	if (!ok && !w->err)
		w->err = s.err;
	else
		nt_err_free(s.err);
	return ok;
}

/*
 * One options section's options [p, e), ending with DONE: *next is the next section's offset
 * (0: none).
 */
static bool v7_options(struct walk *w, const unsigned char *p, const unsigned char *e,
		       uint64_t *sect, uint64_t *next)
{
	*next = 0;
	while (e - p >= 6) {
		uint64_t id = conv(w->big, p, 2), sz = conv(w->big, p + 2, 4);
		p += 6;
		if (sz > (uint64_t)(e - p))
			return fail(w, "an option");
		if (id == OPT_DONE) {
			*next = sz >= 8 ? conv(w->big, p, 8) : 0;
			return true;
		}
		judge_option(w->l, id == OPT_BUFFER ? 0 : id);
		if (id == OPT_BUFFER_TEXT)
			return latency(w, sz > 8 && p[8]
						  ? "a buffer instance (BUFFER_TEXT option)"
						  : "its top-level buffer (BUFFER_TEXT option)");
		if (id >= OPT_HEADER_INFO && id <= OPT_CMDLINES && sz >= 8)
			sect[id - OPT_HEADER_INFO] = conv(w->big, p, 8);
		if ((id == OPT_BUFFER && !v7_buffer_option(w, p, sz)) ||
		    !option_ok(w, id, p, (size_t)sz))
			return false;
		p += sz;
	}
	/* libtracecmd reads on past the section (uncompressed) until it finds one */
	return fail(w, "an options section without its DONE option");
}

static bool walk_v7(struct walk *w)
{
	char name[64], ver[64];
	uint64_t at, sect[OPT_CMDLINES - OPT_HEADER_INFO + 1] = {0};
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
		bool ok;

		if (++sections > 64)
			return fail(w, "too many option sections");
		d = v7_section(w, at, &len, "an options section");
		if (!d)
			return false;
		ok = v7_options(w, d, d + len, sect, &at);
		free(d);
		if (!ok)
			return false;
	}
	for (uint64_t id = OPT_HEADER_INFO; id <= OPT_CMDLINES; id++)
		if (sect[id - OPT_HEADER_INFO] &&
		    !v7_header_section(w, id, sect[id - OPT_HEADER_INFO]))
			return false;
	return true;
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
		uint64_t page = 0;
		w.big = l->big_endian = b[0] == 1;
		w.long_size = b[1];
		ok = num(&w, 4, &page, "the page size");
		l->page_size = w.page = (uint32_t)page;
		if (ok && strcmp(ver, "6") && strcmp(ver, "7")) {
			w.err = nt_err_new(NT_E_INPUT,
					   "cannot read '%s': trace-cmd file version '%s' is not "
					   "supported (6 and 7 are)",
					   path, ver);
			ok = false;
		}
		/* trace-cmd writes 0 or 1 and sizeof(long); libtracecmd would take any other
		 * byte as big endian and read every size that follows byte-swapped */
		if (ok && (b[0] > 1 || (b[1] != 4 && b[1] != 8))) {
			w.off = 10 + strlen(ver) + 1 + (b[0] <= 1);
			ok = fail(&w, b[0] > 1 ? "an impossible byte order"
					       : "an impossible size of long");
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
	if (ok && w.late && !l->direct) {
		ok = false;
		w.err = w.late;
		w.late = NULL;
	}
	nt_err_free(w.late);
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
