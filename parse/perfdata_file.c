/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The perf.data container read natively (see perfdata_file.h): header, attributes, feature
 * sections (the tracing data into libtraceevent), then the data section's records through one
 * read buffer, so memory stays constant whatever the file's size.
 */
#include "perfdata_file.h"
#include "tep_text.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <traceevent/event-parse.h>
#include <zstd.h>

#define HEADER_SIZE	 104
#define PIPE_HEADER_SIZE 16
#define ATTR_VER0	 64
#define BUF_SIZE	 (4u << 20)
#define MAX_SECTION	 (1ull << 30)
#define MAX_UNPACKED	 (256u << 20)

enum feature {
	F_TRACING_DATA = 1,
	F_BUILD_ID = 2,
	F_HOSTNAME = 3,
	F_OSRELEASE = 4,
	F_VERSION = 5,
	F_ARCH = 6,
	F_NRCPUS = 7,
	F_EVENT_DESC = 12,
	F_MAX = 256,
};

struct idmap {
	uint64_t id;
	unsigned attr;
};

struct nt_pf {
	char *path; /* owned */
	int fd;
	uint64_t size;
	uint64_t data_off, data_end;
	struct nt_pf_attr *attrs; /* owned */
	unsigned nattrs;
	struct idmap *ids; /* owned, sorted by id */
	unsigned nids;
	struct idmap last;
	struct tep_handle *tep;	  /* owned, or NULL */
	char *strs[4];		  /* owned: hostname, os release, perf version, arch */
	char kernel_build_id[48]; /* hex, "" when the file has none */
	struct nt_pf_facts facts;
	struct nt_tep_printk_check printk;

	unsigned char *buf; /* owned: the read buffer */
	size_t blen;
	uint64_t boff; /* file offset of buf[0] */
	uint64_t at;   /* file offset of the next top-level record */
	uint64_t records;

	ZSTD_DStream *zd; /* owned */
	unsigned char *z; /* owned: unpacked records */
	size_t zlen, zpos, zcap;
	uint64_t zoff; /* the compressed record z came from */
	bool compressed;
};

static int bad(struct nt_pf *f, struct nt_err **err, uint64_t off, const char *what)
{
	return nt_err_set(err, nt_err_new(NT_E_INPUT,
					  "'%s' is truncated or corrupt: %s at offset %" PRIu64
					  " (file size %" PRIu64 ")",
					  f->path, what, off, f->size));
}

static int oom(struct nt_err **err)
{
	return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
}

/* Read @n bytes at @off: 0, or -1 when they are not all in the file. */
static int rd(struct nt_pf *f, uint64_t off, void *p, size_t n)
{
	size_t got = 0;

	if (off > f->size || n > f->size - off)
		return -1;
	while (got < n) {
		ssize_t r = pread(f->fd, (char *)p + got, n - got, (off_t)(off + got));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

/* A whole section into memory (owned by the caller, NUL-terminated), or NULL. */
static unsigned char *section(struct nt_pf *f, uint64_t off, uint64_t size, const char *what,
			      struct nt_err **err)
{
	unsigned char *p;

	if (size > MAX_SECTION || off > f->size || size > f->size - off) {
		bad(f, err, off, what);
		return NULL;
	}
	p = malloc(size + 1);
	if (!p) {
		oom(err);
		return NULL;
	}
	if (rd(f, off, p, size)) {
		free(p);
		bad(f, err, off, what);
		return NULL;
	}
	p[size] = '\0';
	return p;
}

/* ---- attributes ---- */

static void attr_parse(struct nt_pf_attr *a, const unsigned char *p, uint64_t n)
{
	unsigned char raw[128] = {0};
	uint32_t size = n >= 8 ? nt_pf_u32(p + 4) : 0;

	if (!size)
		size = ATTR_VER0;
	if (size > n)
		size = (uint32_t)n;
	memcpy(raw, p, size < sizeof(raw) ? size : sizeof(raw));
	a->type = nt_pf_u32(raw);
	a->config = nt_pf_u64(raw + 8);
	a->sample_type = nt_pf_u64(raw + 24);
	a->read_format = nt_pf_u64(raw + 32);
	a->flags = nt_pf_u64(raw + 40);
	a->branch_sample_type = nt_pf_u64(raw + 72);
	a->regs_user = nt_pf_u64(raw + 80);
	a->clockid = (int32_t)nt_pf_u32(raw + 92);
	a->regs_intr = nt_pf_u64(raw + 96);
}

static int cmp_id(const void *a, const void *b)
{
	uint64_t x = ((const struct idmap *)a)->id, y = ((const struct idmap *)b)->id;

	return x < y ? -1 : x > y;
}

/* Append an attribute (@raw: its perf_event_attr, @n bytes) and its @nids sample ids. */
static int add_attr(struct nt_pf *f, const unsigned char *raw, uint64_t n, const void *ids,
		    unsigned nids)
{
	struct nt_pf_attr *na, *a;
	struct idmap *m;

	if (f->nattrs >= 65536)
		return -1;
	na = realloc(f->attrs, (f->nattrs + 1) * sizeof(*na));
	if (!na)
		return -1;
	f->attrs = na;
	a = &f->attrs[f->nattrs];
	memset(a, 0, sizeof(*a));
	attr_parse(a, raw, n);
	a->ids = malloc((size_t)nids * 8 + 8);
	m = realloc(f->ids, (f->nids + nids + 1) * sizeof(*m));
	if (m)
		f->ids = m;
	if (!a->ids || !m) {
		free(a->ids);
		a->ids = NULL;
		return -1;
	}
	memcpy(a->ids, ids, (size_t)nids * 8);
	a->nids = nids;
	for (unsigned j = 0; j < nids; j++)
		f->ids[f->nids++] = (struct idmap){.id = a->ids[j], .attr = f->nattrs};
	f->nattrs++;
	return 0;
}

static int read_attrs(struct nt_pf *f, const unsigned char *h, struct nt_err **err)
{
	uint64_t attr_size = nt_pf_u64(h + 16), off = nt_pf_u64(h + 24), size = nt_pf_u64(h + 32);
	unsigned char *sec;
	uint64_t n;

	if (attr_size < ATTR_VER0 + 16 || attr_size > 4096)
		return bad(f, err, 16, "impossible attribute size");
	n = size / attr_size;
	if (!n || n > 65536)
		return bad(f, err, 24, "impossible number of event attributes");
	sec = section(f, off, size, "the attribute section", err);
	if (!sec)
		return -1;
	for (uint64_t i = 0; i < n; i++) {
		const unsigned char *e = sec + i * attr_size;
		uint64_t ioff = nt_pf_u64(e + attr_size - 16), isize = nt_pf_u64(e + attr_size - 8);
		uint64_t *ids;
		int r;

		if (isize % 8 || isize > (1u << 24) || ioff > f->size || isize > f->size - ioff) {
			free(sec);
			return bad(f, err, off + i * attr_size, "an attribute's id list");
		}
		ids = malloc(isize + 8);
		if (!ids) {
			free(sec);
			return oom(err);
		}
		if (rd(f, ioff, ids, isize)) {
			free(ids);
			free(sec);
			return bad(f, err, ioff, "an attribute's id list");
		}
		r = add_attr(f, e, attr_size - 16, ids, (unsigned)(isize / 8));
		free(ids);
		if (r) {
			free(sec);
			return oom(err);
		}
	}
	free(sec);
	return 0;
}

struct nt_pf_attr *nt_pf_attr_by_id(struct nt_pf *f, uint64_t id)
{
	unsigned lo = 0, hi = f->nids;

	if (f->last.attr != UINT32_MAX && f->last.id == id)
		return &f->attrs[f->last.attr];
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;

		if (f->ids[mid].id == id) {
			f->last = f->ids[mid];
			return &f->attrs[f->last.attr];
		}
		if (f->ids[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* ---- feature sections ---- */

/* A perf_header_string at *at in @sec of @n bytes: u32 length, bytes (NUL-padded). */
static char *hstring(const unsigned char *sec, uint64_t n, uint64_t *at)
{
	uint32_t len;
	char *s;

	if (*at + 4 > n)
		return NULL;
	len = nt_pf_u32(sec + *at);
	if (len > n - *at - 4)
		return NULL;
	s = strndup((const char *)sec + *at + 4, len);
	*at += 4 + (uint64_t)len;
	return s;
}

static const char *hw_names[] = {"cycles",
				 "instructions",
				 "cache-references",
				 "cache-misses",
				 "branch-instructions",
				 "branch-misses",
				 "bus-cycles",
				 "stalled-cycles-frontend",
				 "stalled-cycles-backend",
				 "ref-cycles"};
static const char *sw_names[] = {
	"cpu-clock",	    "task-clock",   "page-faults",  "context-switches",
	"cpu-migrations",   "minor-faults", "major-faults", "alignment-faults",
	"emulation-faults", "dummy",	    "bpf-output",   "cgroup-switches"};

/* perf's name for an attribute the file does not name (files without HEADER_EVENT_DESC). */
static char *attr_default_name(struct nt_pf *f, const struct nt_pf_attr *a)
{
	char *s = NULL;

	if (a->type == NT_PERF_TYPE_TRACEPOINT && f->tep) {
		struct tep_event *ev = tep_find_event(f->tep, (int)a->config);

		if (ev && asprintf(&s, "%s:%s", ev->system, ev->name) < 0)
			s = NULL;
	} else if (a->type == NT_PERF_TYPE_HARDWARE &&
		   a->config < sizeof(hw_names) / sizeof(hw_names[0])) {
		s = strdup(hw_names[a->config]);
	} else if (a->type == NT_PERF_TYPE_SOFTWARE &&
		   a->config < sizeof(sw_names) / sizeof(sw_names[0])) {
		s = strdup(sw_names[a->config]);
	}
	if (!s && asprintf(&s, "raw-%u-0x%" PRIx64, a->type, a->config) < 0)
		s = NULL;
	return s;
}

static void read_event_desc(struct nt_pf *f, const unsigned char *sec, uint64_t n)
{
	uint64_t at = 8;
	uint32_t nre, sz;

	if (n < 8)
		return;
	nre = nt_pf_u32(sec);
	sz = nt_pf_u32(sec + 4);
	for (uint32_t i = 0; i < nre && i < f->nattrs; i++) {
		struct nt_pf_attr d = {0};
		uint32_t nr_ids;
		char *name;

		if (sz < 16 || sz > n - at)
			return;
		attr_parse(&d, sec + at, sz);
		at += sz;
		if (at + 4 > n)
			return;
		nr_ids = nt_pf_u32(sec + at);
		at += 4;
		name = hstring(sec, n, &at);
		if (!name)
			return;
		if ((uint64_t)nr_ids * 8 > n - at) {
			free(name);
			return;
		}
		at += (uint64_t)nr_ids * 8;
		/* the same order as the attributes; check it is the same event */
		if (!f->attrs[i].name && f->attrs[i].type == d.type &&
		    f->attrs[i].config == d.config)
			f->attrs[i].name = name;
		else
			free(name);
	}
}

/* A cursor over the tracing data, whose numbers are in its own byte order. */
struct tcur {
	unsigned char *p;
	uint64_t n, at;
	bool big;
	bool bad;
};

static uint64_t tnum(struct tcur *c, int size)
{
	uint64_t v = 0;

	if (c->bad || size > 8 || c->at + (uint64_t)size > c->n) {
		c->bad = true;
		return 0;
	}
	for (int i = 0; i < size; i++)
		v |= (uint64_t)c->p[c->at + (uint64_t)i] << (8 * (c->big ? size - 1 - i : i));
	c->at += (uint64_t)size;
	return v;
}

/* @len bytes at the cursor (weak), or NULL. */
static unsigned char *tbytes(struct tcur *c, uint64_t len)
{
	unsigned char *p;

	if (c->bad || len > c->n - c->at) {
		c->bad = true;
		return NULL;
	}
	p = c->p + c->at;
	c->at += len;
	return p;
}

/* A NUL-terminated string at the cursor (weak), or NULL. */
static const char *tstr(struct tcur *c)
{
	unsigned char *z;

	if (c->bad || c->at >= c->n || !(z = memchr(c->p + c->at, 0, c->n - c->at))) {
		c->bad = true;
		return NULL;
	}
	return (const char *)tbytes(c, (uint64_t)(z - (c->p + c->at)) + 1);
}

/* @len bytes at the cursor as a NUL-terminated copy (the caller frees), or NULL. */
static char *tcopy(struct tcur *c, uint64_t len)
{
	unsigned char *p = tbytes(c, len);
	char *s;

	if (!p)
		return NULL;
	s = malloc(len + 1);
	if (s) {
		memcpy(s, p, len);
		s[len] = '\0';
	}
	return s;
}

static bool host_big_endian(void)
{
	const uint16_t one = 1;

	return *(const unsigned char *)&one == 0;
}

/* A format or header of @len bytes at the cursor, copied NUL-terminated for libtraceevent. */
static char *tformat(struct tcur *c, uint64_t len, size_t *n)
{
	char *s = tcopy(c, len);

	*n = s ? strlen(s) : 0;
	return s;
}

/*
 * The next format of system @sys handed to libtraceevent when every "REC->NAME" it prints names
 * one of its fields (libtraceevent crashes on others, tep_text.h): 0, or -1 with @err set.
 */
static int parse_format(struct nt_pf *f, struct tcur *c, const char *sys, struct nt_err **err)
{
	struct nt_tep_format_check chk;
	size_t n;
	char *p;

	if (!(p = tformat(c, tnum(c, 8), &n)))
		return 0; /* c->bad says why */
	if (!nt_tep_format_ok(p, n, &chk)) {
		free(p);
		return nt_err_set(err,
				  nt_err_new(NT_E_INPUT,
					     "'%s' is corrupt: the format of event '%s:%s' in its "
					     "tracing data %s (libtraceevent cannot parse that "
					     "safely); record the trace again",
					     f->path, sys, chk.event, chk.why));
	}
	tep_parse_event(f->tep, p, n, sys);
	free(p);
	return 0;
}

/* The event formats: ftrace's own, then each system's. */
static int read_formats(struct nt_pf *f, struct tcur *c, uint64_t off, struct nt_err **err)
{
	uint64_t count, nsys;
	const char *sys;

	count = tnum(c, 4);
	for (uint64_t i = 0; i < count && !c->bad; i++)
		if (parse_format(f, c, "ftrace", err) < 0)
			return -1;
	nsys = tnum(c, 4);
	for (uint64_t s = 0; s < nsys && !c->bad; s++) {
		sys = tstr(c);
		count = tnum(c, 4);
		for (uint64_t i = 0; i < count && !c->bad && sys; i++)
			if (parse_format(f, c, sys, err) < 0)
				return -1;
	}
	return c->bad ? bad(f, err, off + c->at, "the tracing data's event formats") : 0;
}

/*
 * kallsyms, printk formats (what %pS fields and trace_printk need), saved cmdlines: bounded,
 * NUL-terminated copies; printk format lines libtraceevent cannot read are left out.
 */
static int read_texts(struct nt_pf *f, struct tcur *c, const char *version, uint64_t off,
		      struct nt_err **err)
{
	const unsigned char *p;
	uint64_t len;
	char *text;

	len = tnum(c, 4);
	if (!(text = tcopy(c, len)))
		return c->bad ? bad(f, err, off + c->at, "the tracing data's kallsyms") : oom(err);
	if (*text)
		tep_parse_kallsyms(f->tep, text);
	free(text);
	len = tnum(c, 4);
	if (!(p = tbytes(c, len)))
		return bad(f, err, off + c->at, "the tracing data's printk formats");
	if (nt_tep_printk_parse(f->tep, p, len, &f->printk))
		return oom(err);
	f->facts.printk_dropped = f->printk.dropped;
	f->facts.printk_first_bad = f->printk.first_bad;
	f->facts.printk_shown = f->printk.first_shown;
	if (strcmp(version, "0.6") >= 0 && c->at < c->n) {
		len = tnum(c, 8);
		if (!(text = tcopy(c, len)))
			return c->bad ? bad(f, err, off + c->at,
					    "the tracing data's saved cmdlines")
				      : oom(err);
		if (*text)
			tep_parse_saved_cmdlines(f->tep, text);
		free(text);
	}
	return 0;
}

/* The tracing data (trace-cmd's header layout): formats, kallsyms, printk formats, cmdlines. */
static int read_tracing(struct nt_pf *f, unsigned char *sec, uint64_t n, uint64_t off,
			struct nt_err **err)
{
	static const unsigned char magic[] = {0x17, 0x08, 0x44, 't', 'r', 'a', 'c', 'i', 'n', 'g'};
	struct tcur c = {.p = sec, .n = n, .at = sizeof(magic)};
	const char *version;
	unsigned char *p;
	uint64_t len;
	int long_size;
	size_t tn;
	char *text;
	bool big;

	if (n < sizeof(magic) + 8 || memcmp(sec, magic, sizeof(magic)))
		return bad(f, err, off, "the tracing data has no trace-cmd magic");
	version = tstr(&c);
	p = tbytes(&c, 2);
	if (!version || !p)
		return bad(f, err, off, "the tracing data header");
	big = p[0];
	long_size = p[1];
	c.big = big;
	f->tep = tep_alloc();
	if (!f->tep)
		return oom(err);
	tep_set_file_bigendian(f->tep, big ? TEP_BIG_ENDIAN : TEP_LITTLE_ENDIAN);
	tep_set_local_bigendian(f->tep, host_big_endian() ? TEP_BIG_ENDIAN : TEP_LITTLE_ENDIAN);
	tep_set_long_size(f->tep, long_size);
	tep_set_page_size(f->tep, (int)tnum(&c, 4));
	/* header_page, header_event */
	if (!(p = tbytes(&c, 12)) || memcmp(p, "header_page", 12))
		return bad(f, err, off + c.at, "the tracing data's header_page");
	len = tnum(&c, 8);
	if (!(text = tformat(&c, len, &tn)))
		return c.bad ? bad(f, err, off + c.at, "the tracing data's header_page") : oom(err);
	tep_parse_header_page(f->tep, text, tn, long_size);
	free(text);
	if (!(p = tbytes(&c, 13)) || memcmp(p, "header_event", 13))
		return bad(f, err, off + c.at, "the tracing data's header_event");
	len = tnum(&c, 8);
	if (!tbytes(&c, len))
		return bad(f, err, off + c.at, "the tracing data's header_event");
	if (read_formats(f, &c, off, err))
		return -1;
	return read_texts(f, &c, version, off, err);
}

/* HEADER_BUILD_ID: the kernel's build-id (the entry "[kernel.kallsyms]") in hex. */
static void read_build_ids(struct nt_pf *f, const unsigned char *sec, uint64_t n)
{
	for (uint64_t at = 0; at + 36 <= n;) {
		uint16_t misc, size;
		const unsigned char *id = sec + at + 12;
		const char *name = (const char *)sec + at + 36;
		unsigned len;

		memcpy(&misc, sec + at + 4, 2);
		memcpy(&size, sec + at + 6, 2);
		if (size <= 36 || size > n - at)
			return;
		len = misc & (1u << 15) ? id[20] : 20; /* PERF_RECORD_MISC_BUILD_ID_SIZE */
		if (len <= 20 && strnlen(name, size - 36u) < size - 36u &&
		    !strcmp(name, "[kernel.kallsyms]")) {
			for (unsigned i = 0; i < len; i++)
				sprintf(f->kernel_build_id + 2 * i, "%02x", id[i]);
			return;
		}
		at += size;
	}
}

/* The content @sec (@n bytes, from file offset @off) of feature @id. */
static int feature(struct nt_pf *f, unsigned id, unsigned char *sec, uint64_t n, uint64_t off,
		   struct nt_err **err)
{
	uint64_t at = 0;

	switch (id) {
	case F_TRACING_DATA:
		return f->tep ? 0 : read_tracing(f, sec, n, off, err);
	case F_HOSTNAME:
	case F_OSRELEASE:
	case F_VERSION:
	case F_ARCH:
		free(f->strs[id - F_HOSTNAME]);
		f->strs[id - F_HOSTNAME] = hstring(sec, n, &at);
		break;
	case F_NRCPUS:
		if (n >= 4)
			f->facts.nr_cpus_avail = nt_pf_u32(sec);
		break;
	case F_EVENT_DESC:
		read_event_desc(f, sec, n);
		break;
	case F_BUILD_ID:
		read_build_ids(f, sec, n);
		break;
	default:
		break;
	}
	f->facts.hostname = f->strs[0];
	f->facts.os_release = f->strs[1];
	f->facts.perf_version = f->strs[2];
	f->facts.arch = f->strs[3];
	f->facts.kernel_build_id = *f->kernel_build_id ? f->kernel_build_id : NULL;
	return 0;
}

/* The feature sections after the data section, by the header's bitmap. */
static int read_features(struct nt_pf *f, const unsigned char *h, struct nt_err **err)
{
	static const enum feature wanted[] = {F_TRACING_DATA, F_HOSTNAME, F_OSRELEASE,	F_VERSION,
					      F_ARCH,	      F_NRCPUS,	  F_EVENT_DESC, F_BUILD_ID};
	uint64_t bits[4], at, off[F_MAX], size[F_MAX];
	unsigned nfeat = 0;
	bool has[F_MAX] = {false};
	unsigned char ent[16];

	memcpy(bits, h + 72, sizeof(bits));
	at = f->data_end;
	for (unsigned i = 0; i < F_MAX; i++) {
		if (!(bits[i / 64] >> (i % 64) & 1))
			continue;
		if (rd(f, at + 16 * (uint64_t)nfeat, ent, sizeof(ent)))
			return bad(f, err, at + 16 * (uint64_t)nfeat,
				   "the feature sections after the data are missing");
		has[i] = true;
		off[i] = nt_pf_u64(ent);
		size[i] = nt_pf_u64(ent + 8);
		nfeat++;
	}
	for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++) {
		unsigned id = wanted[i];
		unsigned char *sec;
		int r;

		if (!has[id])
			continue;
		sec = section(f, off[id], size[id],
			      id == F_TRACING_DATA ? "the tracing data section"
						   : "a feature section",
			      err);
		if (!sec)
			return -1;
		r = feature(f, id, sec, size[id], off[id], err);
		free(sec);
		if (r)
			return -1;
	}
	return 0;
}

/* An EVENT_UPDATE record's name for the attribute with sample id @id. */
static int name_by_id(struct nt_pf *f, uint64_t id, const char *name, size_t n, struct nt_err **err)
{
	struct nt_pf_attr *a;

	qsort(f->ids, f->nids, sizeof(*f->ids), cmp_id);
	f->last.attr = UINT32_MAX;
	a = nt_pf_attr_by_id(f, id);
	if (a && !a->name && !(a->name = strndup(name, n)))
		return oom(err);
	return 0;
}

/*
 * Pipe mode (perf record -o -): what a file keeps in its header and feature sections comes
 * first as records (HEADER_ATTR, HEADER_FEATURE, HEADER_TRACING_DATA with the data after it,
 * EVENT_UPDATE with names). Read them up to the first record of the kernel's.
 */
static int read_pipe_head(struct nt_pf *f, struct nt_err **err)
{
	unsigned char h8[8];

	while (f->data_end - f->at >= 8 && !rd(f, f->at, h8, 8)) {
		uint64_t off = f->at;
		uint32_t type = nt_pf_u32(h8);
		uint16_t size;
		unsigned char *rec;
		int r = 0;

		memcpy(&size, h8 + 6, 2);
		if (type < NT_PERF_RECORD_USER_START || type == NT_PERF_RECORD_FINISHED_ROUND ||
		    type == NT_PERF_RECORD_AUXTRACE || type == NT_PERF_RECORD_COMPRESSED ||
		    type == NT_PERF_RECORD_COMPRESSED2)
			break;
		if (size < 8 || size > f->data_end - off)
			return bad(f, err, off, "a record of impossible size");
		rec = section(f, off, size, "a pipe-mode header record", err);
		if (!rec)
			return -1;
		f->at = off + size;
		f->records++;
		if (type == NT_PERF_RECORD_HEADER_ATTR && size >= 8 + ATTR_VER0) {
			uint32_t asz = nt_pf_u32(rec + 12) ? nt_pf_u32(rec + 12) : ATTR_VER0;

			if (asz > size - 8u)
				r = bad(f, err, off, "a HEADER_ATTR record of impossible size");
			else if (add_attr(f, rec + 8, asz, rec + 8 + asz, (size - 8u - asz) / 8))
				r = oom(err);
		} else if (type == NT_PERF_RECORD_HEADER_TRACING_DATA && size >= 12) {
			uint64_t n = nt_pf_u32(rec + 8), pad = (8 - n % 8) % 8;
			unsigned char *sec = section(f, f->at, n, "the tracing data", err);

			r = sec ? feature(f, F_TRACING_DATA, sec, n, f->at, err) : -1;
			free(sec);
			f->at += n + pad;
		} else if (type == NT_PERF_RECORD_HEADER_FEATURE && size >= 16 &&
			   nt_pf_u64(rec + 8) < F_MAX) {
			r = feature(f, (unsigned)nt_pf_u64(rec + 8), rec + 16, size - 16u, off + 16,
				    err);
		} else if (type == NT_PERF_RECORD_EVENT_UPDATE && size > 24 &&
			   nt_pf_u64(rec + 8) == 2 /* PERF_EVENT_UPDATE__NAME */) {
			r = name_by_id(f, nt_pf_u64(rec + 16), (char *)rec + 24, size - 24u, err);
		}
		free(rec);
		if (r)
			return -1;
	}
	if (!f->nattrs)
		return bad(f, err, f->at, "a pipe-mode stream without HEADER_ATTR records");
	return 0;
}

/* ---- opening ---- */

static int truncated(struct nt_pf *f, struct nt_err **err)
{
	return nt_err_set(err, nt_err_new(NT_E_INPUT,
					  "cannot read '%s': the perf.data header is truncated "
					  "(%" PRIu64 " bytes); the file is damaged",
					  f->path, f->size));
}

/* A file's (not a pipe's) header @h: its sections, then the attributes and features. */
static int read_file_head(struct nt_pf *f, unsigned char *h, uint64_t hsize, struct nt_err **err)
{
	uint64_t dsize;

	if (rd(f, 0, h, HEADER_SIZE))
		return truncated(f, err);
	if (hsize < HEADER_SIZE)
		return nt_err_set(err,
				  nt_err_new(NT_E_INPUT,
					     "cannot read '%s': bad perf.data header (size %" PRIu64
					     "); the file is damaged",
					     f->path, hsize));
	f->data_off = nt_pf_u64(h + 40);
	dsize = nt_pf_u64(h + 48);
	if (!dsize)
		return nt_err_set(
			err, nt_err_new(NT_E_INPUT,
					"cannot read '%s': the header says the data section is "
					"empty; perf record was probably not stopped cleanly",
					f->path));
	if (f->data_off > f->size || dsize > f->size - f->data_off)
		return bad(f, err, f->data_off > f->size ? 40 : f->data_off + dsize,
			   "the data section ends beyond the end of the file");
	f->data_end = f->data_off + dsize;
	f->at = f->data_off;
	return read_attrs(f, h, err) || read_features(f, h, err) ? -1 : 0;
}

/* Once the head is read: ids sorted, every attribute named, the record buffer. */
static int make_ready(struct nt_pf *f, struct nt_err **err)
{
	qsort(f->ids, f->nids, sizeof(*f->ids), cmp_id);
	f->last.attr = UINT32_MAX;
	for (unsigned i = 0; i < f->nattrs; i++)
		if (!f->attrs[i].name && !(f->attrs[i].name = attr_default_name(f, &f->attrs[i])))
			return oom(err);
	f->buf = malloc(BUF_SIZE);
	if (!f->buf)
		return oom(err);
	posix_fadvise(f->fd, (off_t)f->data_off, (off_t)(f->data_end - f->data_off),
		      POSIX_FADV_SEQUENTIAL);
	return 0;
}

int nt_pf_open(const char *path, struct nt_pf **out, struct nt_err **err)
{
	struct nt_pf *f = calloc(1, sizeof(*f));
	unsigned char h[HEADER_SIZE];
	struct stat st;
	uint64_t hsize;

	*out = NULL;
	if (!f || !(f->path = strdup(path))) {
		free(f);
		return oom(err);
	}
	f->fd = -1;
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0 || fstat(f->fd, &st)) {
		nt_err_set(err, nt_err_errno(NT_E_INPUT, errno, "cannot open '%s'", path));
		goto fail;
	}
	f->size = (uint64_t)st.st_size;
	if (rd(f, 0, h, PIPE_HEADER_SIZE)) {
		truncated(f, err);
		goto fail;
	}
	if (!memcmp(h, "2ELIFREP", 8)) {
		nt_pf_close(f);
		return 1;
	}
	if (memcmp(h, "PERFILE2", 8)) {
		nt_err_set(err,
			   nt_err_new(NT_E_INPUT, "cannot read '%s': not a perf.data file", path));
		goto fail;
	}
	hsize = nt_pf_u64(h + 8);
	if (hsize == PIPE_HEADER_SIZE) {
		f->data_off = f->at = PIPE_HEADER_SIZE;
		f->data_end = f->size;
		if (read_pipe_head(f, err))
			goto fail;
	} else if (read_file_head(f, h, hsize, err)) {
		goto fail;
	}
	if (make_ready(f, err))
		goto fail;
	*out = f;
	return 0;
fail:
	nt_pf_close(f);
	return -1;
}

void nt_pf_close(struct nt_pf *f)
{
	if (!f)
		return;
	if (f->fd >= 0)
		close(f->fd);
	for (unsigned i = 0; i < f->nattrs; i++) {
		free(f->attrs[i].name);
		free(f->attrs[i].ids);
	}
	free(f->attrs);
	free(f->ids);
	if (f->tep)
		tep_free(f->tep);
	for (unsigned i = 0; i < 4; i++)
		free(f->strs[i]);
	free(f->buf);
	if (f->zd)
		ZSTD_freeDStream(f->zd);
	free(f->z);
	free(f->path);
	free(f);
}

/* ---- records ---- */

/* The bytes [off, off + n) of the data section, through the read buffer (weak), or NULL. */
static const unsigned char *span(struct nt_pf *f, uint64_t off, size_t n)
{
	uint64_t want;

	if (off >= f->boff && off + n <= f->boff + f->blen)
		return f->buf + (off - f->boff);
	want = f->data_end - off < BUF_SIZE ? f->data_end - off : BUF_SIZE;
	if (want < n || rd(f, off, f->buf, want))
		return NULL;
	f->boff = off;
	f->blen = want;
	return f->buf;
}

/* Unpack the zstd data of a compressed record behind the records still waiting in f->z. */
static int unpack(struct nt_pf *f, const unsigned char *p, size_t n, uint64_t off,
		  struct nt_err **err)
{
	ZSTD_inBuffer in = {p, n, 0};

	if (!f->zd) {
		f->zd = ZSTD_createDStream();
		if (!f->zd || ZSTD_isError(ZSTD_initDStream(f->zd)))
			return oom(err);
	}
	if (f->zpos) {
		memmove(f->z, f->z + f->zpos, f->zlen - f->zpos);
		f->zlen -= f->zpos;
		f->zpos = 0;
	}
	for (;;) {
		ZSTD_outBuffer o;
		size_t r;

		if (f->zcap - f->zlen < (1u << 17)) {
			size_t cap = f->zcap ? f->zcap * 2 : (1u << 20);
			unsigned char *z;

			if (cap > MAX_UNPACKED)
				return bad(f, err, off, "a compressed record unpacks too far");
			z = realloc(f->z, cap);
			if (!z)
				return oom(err);
			f->z = z;
			f->zcap = cap;
		}
		o = (ZSTD_outBuffer){f->z, f->zcap, f->zlen};
		r = ZSTD_decompressStream(f->zd, &o, &in);
		if (ZSTD_isError(r))
			return bad(f, err, off, "a compressed record does not unpack (zstd)");
		f->zlen = o.pos;
		if (in.pos == in.size && o.pos < o.size)
			break;
	}
	f->zoff = off;
	f->compressed = true;
	return 0;
}

int nt_pf_next(struct nt_pf *f, struct nt_pf_rec *r, struct nt_err **err)
{
	for (;;) {
		const unsigned char *p;
		uint64_t off = f->at;
		uint16_t size;

		if (f->zlen - f->zpos >= 8) { /* a record unpacked from a compressed one */
			p = f->z + f->zpos;
			memcpy(&size, p + 6, 2);
			if (size < 8)
				return bad(f, err, f->zoff,
					   "a bad record inside a compressed record");
			if (size <= f->zlen - f->zpos) {
				*r = (struct nt_pf_rec){.type = nt_pf_u32(p),
							.size = size,
							.p = p,
							.off = f->zoff,
							.inner = true};
				memcpy(&r->misc, p + 4, 2);
				f->zpos += size;
				return 1;
			}
		}
		if (off >= f->data_end) {
			if (f->zlen > f->zpos)
				return bad(f, err, f->zoff,
					   "the last compressed record ends inside a record");
			return 0;
		}
		if (f->data_end - off < 8 || !(p = span(f, off, 8)))
			return bad(f, err, off, "the data section ends inside a record header");
		memcpy(&size, p + 6, 2);
		if (size < 8)
			return bad(f, err, off, "a record of impossible size");
		if (size > f->data_end - off || !(p = span(f, off, size)))
			return bad(f, err, off, "the data section ends inside a record");
		f->records++;
		f->at = off + size;
		*r = (struct nt_pf_rec){.type = nt_pf_u32(p), .size = size, .p = p, .off = off};
		memcpy(&r->misc, p + 4, 2);
		switch (r->type) {
		case NT_PERF_RECORD_AUXTRACE: { /* the aux data follows the record */
			uint64_t aux = size >= 16 ? nt_pf_u64(p + 8) : 0;

			if (aux > f->data_end - f->at)
				return bad(f, err, off,
					   "an AUXTRACE record's data runs past the end");
			f->at += aux;
			return 1;
		}
		case NT_PERF_RECORD_HEADER_TRACING_DATA: { /* pipe mode: the data follows */
			uint64_t n = size >= 12 ? nt_pf_u32(p + 8) : 0;

			n += (8 - n % 8) % 8;
			if (n > f->data_end - f->at)
				return bad(f, err, off, "the tracing data runs past the end");
			f->at += n;
			return 1;
		}
		case NT_PERF_RECORD_COMPRESSED:
			if (unpack(f, p + 8, size - 8u, off, err))
				return -1;
			continue;
		case NT_PERF_RECORD_COMPRESSED2: {
			uint64_t n = size >= 16 ? nt_pf_u64(p + 8) : 0;

			if (n > size - 16u)
				return bad(f, err, off, "a compressed record of impossible size");
			if (unpack(f, p + 16, n, off, err))
				return -1;
			continue;
		}
		default:
			return 1;
		}
	}
}

unsigned nt_pf_nattrs(const struct nt_pf *f)
{
	return f->nattrs;
}

struct nt_pf_attr *nt_pf_attr(struct nt_pf *f, unsigned i)
{
	return i < f->nattrs ? &f->attrs[i] : NULL;
}

struct tep_handle *nt_pf_tep(struct nt_pf *f)
{
	return f->tep;
}

const struct nt_pf_facts *nt_pf_facts(const struct nt_pf *f)
{
	return &f->facts;
}

uint64_t nt_pf_records(const struct nt_pf *f)
{
	return f->records;
}

bool nt_pf_compressed(const struct nt_pf *f)
{
	return f->compressed;
}

#define MAX_LOST 100000

int nt_pf_lost_add(struct nt_pf_lost **list, size_t *n, uint64_t *total, int32_t cpu,
		   uint64_t count, uint64_t from, uint64_t to)
{
	struct nt_pf_lost *l;

	*total += count;
	if (*n >= MAX_LOST) { /* fold the rest into the last window */
		l = &(*list)[*n - 1];
		l->count += (int64_t)count;
		l->to = to > l->to ? to : l->to;
		return 0;
	}
	l = realloc(*list, (*n + 1) * sizeof(*l));
	if (!l)
		return -1;
	*list = l;
	l[(*n)++] =
		(struct nt_pf_lost){.cpu = cpu, .count = (int64_t)count, .from = from, .to = to};
	return 0;
}
