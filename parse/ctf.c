/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The CTF reader (LTTng kernel traces, `perf data convert --to-ctf` output) through
 * libbabeltrace2: src.ctf.fs feeds our own sink component, one input port per stream, and the
 * sink merges the streams by time itself (tolerating a stream that steps back in time, which
 * babeltrace2's muxer refuses). Each event class becomes a class with one column per field.
 */
#include "ctf.h"

#include <dirent.h>
#include <errno.h>
#include <float.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <babeltrace2/babeltrace.h>

#define MAX_TRACE_DIRS 256
#define MAX_DEPTH      6
#define MAX_CPU	       65535
#define MAX_PAIRS      6

/* ---- state ---- */

/* Where a per-event fact (tid, comm, cpu) is found: a top-level member of one scope. */
enum scope { S_NONE, S_PAYLOAD, S_SPEC_CTX, S_COMMON_CTX };

struct ref {
	enum scope scope;
	uint64_t idx;
};

struct cls {
	const bt_event_class *ec; /* weak: the key */
	uint32_t id;
	struct ref tid, comm, cpu; /* context tid/pid and procname; perf_tid; perf_cpu */
	bool sched_switch;
	struct ref next_tid, prev_tid;
	unsigned npairs;
	struct ref pair_comm[MAX_PAIRS], pair_tid[MAX_PAIRS]; /* (comm, tid) announcements */
};

struct port {
	bt_message_iterator *it; /* owned */
	bt_message_array_const msgs;
	uint64_t n, at; /* messages msgs[at..n) are still ours */
	bool done;
	int32_t cpu; /* from the packet context, or -1 */
	uint64_t ts; /* of the head event */
	uint64_t last_ts;
	char *name; /* owned: stream name for messages */
};

struct task {
	int32_t pid; /* -1: free slot */
	char comm[32];
};

struct nt_ctf {
	struct nt_ctf_opts o;
	char *shown, *format; /* owned copies of the options' strings */
	char **dirs;	      /* owned: the trace directories */
	unsigned ndirs;

	bt_graph *graph;		   /* owned */
	const bt_plugin *plugin;	   /* owned */
	bt_component_class_sink *sink_cls; /* owned */
	struct port *ports;
	unsigned nports;
	unsigned *heap; /* ports with a head event, by (ts, index) */
	unsigned nheap;
	bool primed, info_sent;

	struct nt_batch *b; /* weak: the batch of the current next() call */
	struct nt_err *err; /* our own failure inside the graph */

	struct cls **ctab; /* owned: open addressing on the event class pointer */
	unsigned ccap, ncls;
	uint32_t next_id;
	const bt_event_class *last_ec;
	struct cls *last_cls;

	int32_t *cur; /* running task per cpu (-1 unknown) */
	unsigned ncur;
	unsigned char *cpu_seen;
	struct task *tasks;
	unsigned tcap, tn;

	const bt_trace *traces[64]; /* weak: traces whose facts were sent */
	unsigned ntraces;

	uint64_t last_ts, events;
	uint64_t backwards, back_ts, back_prev;
	char back_stream[128];
	uint64_t no_clock, bad_ts, bad_ts_first;
	uint64_t discarded_packets;

	char *rbuf; /* JSON rendering buffer */
	size_t rlen, rcap;
};

/* ---- probing and finding trace directories ---- */

/* 1: packetized or text CTF metadata; 0: not */
static int is_metadata_head(const unsigned char *h, size_t n)
{
	if (n >= 4 && ((h[0] == 0x57 && h[1] == 0x1d && h[2] == 0xd1 && h[3] == 0x75) ||
		       (h[0] == 0x75 && h[1] == 0xd1 && h[2] == 0x1d && h[3] == 0x57)))
		return 1;
	return n >= 6 && !memcmp(h, "/* CTF", 6);
}

static int is_metadata_file(const char *path)
{
	unsigned char h[8];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, h, sizeof(h));
	close(fd);
	return n > 0 && is_metadata_head(h, (size_t)n);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Collect the directories under @dir (itself included) that hold a CTF metadata file. */
static int find_dirs(const char *dir, int depth, char ***out, unsigned *n)
{
	char path[PATH_MAX];
	DIR *d;
	struct dirent *e;
	char **subs = NULL;
	unsigned nsubs = 0;
	int ret = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s/metadata", dir) < sizeof(path) &&
	    is_metadata_file(path)) {
		char **x;

		if (*n >= MAX_TRACE_DIRS)
			return 0;
		x = realloc(*out, (*n + 1) * sizeof(*x));
		if (!x || !(x[*n] = strdup(dir))) {
			if (x)
				*out = x;
			return -1;
		}
		*out = x;
		(*n)++;
		return 0;
	}
	if (depth >= MAX_DEPTH || !(d = opendir(dir)))
		return 0;
	while ((e = readdir(d))) {
		struct stat st;
		char **x;

		if (e->d_name[0] == '.' || !strcmp(e->d_name, "index"))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= sizeof(path) ||
		    stat(path, &st) || !S_ISDIR(st.st_mode))
			continue;
		x = realloc(subs, (nsubs + 1) * sizeof(*x));
		if (!x || !(x[nsubs] = strdup(path))) {
			if (x)
				subs = x;
			ret = -1;
			break;
		}
		subs = x;
		nsubs++;
	}
	closedir(d);
	if (subs)
		qsort(subs, nsubs, sizeof(*subs), cmp_str);
	for (unsigned i = 0; i < nsubs; i++) {
		if (!ret)
			ret = find_dirs(subs[i], depth + 1, out, n);
		free(subs[i]);
	}
	free(subs);
	return ret;
}

static int probe(const char *path, const unsigned char *head, size_t n)
{
	char **dirs = NULL;
	unsigned nd = 0;
	char mp[PATH_MAX];
	int score = 0;

	if (n) /* a regular file: its metadata file */
		return is_metadata_head(head, n) ? 95 : 0;
	if ((size_t)snprintf(mp, sizeof(mp), "%s/metadata", path) < sizeof(mp) &&
	    is_metadata_file(mp))
		return 100;
	if (!find_dirs(path, 0, &dirs, &nd) && nd)
		score = 90;
	for (unsigned i = 0; i < nd; i++)
		free(dirs[i]);
	free(dirs);
	return score;
}

/* ---- babeltrace2 errors ---- */

/*
 * Copy one libbabeltrace2 message to @out as one lower-case line, without the trailing
 * "key=value, ..." details (addresses and the like) the library appends.
 */
static void clean_msg(char *out, size_t n, const char *m, size_t len)
{
	size_t at = 0;

	for (size_t i = 0; i < len && at + 1 < n; i++) {
		char ch = (m[i] == '\n' || m[i] == '\t' || m[i] == '\r') ? ' ' : m[i];

		if (ch == ' ' && (!at || out[at - 1] == ' '))
			continue;
		if ((ch == ',' || ch == ':') && i + 2 < len && m[i + 1] == ' ') {
			size_t w = i + 2;

			while (w < len &&
			       ((m[w] >= 'a' && m[w] <= 'z') || m[w] == '-' || m[w] == '_'))
				w++;
			if (w < len && w > i + 2 && m[w] == '=')
				break; /* ", comp-addr=0x..." */
		}
		out[at++] = ch;
	}
	while (at && (out[at - 1] == ' ' || out[at - 1] == '.' || out[at - 1] == ':' ||
		      out[at - 1] == ','))
		at--;
	out[at] = '\0';
	if (out[0] >= 'A' && out[0] <= 'Z' && !(out[1] >= 'A' && out[1] <= 'Z'))
		out[0] = (char)(out[0] - 'A' + 'a');
}

/* The current thread's libbabeltrace2 error, as its root cause (the most precise), cleared. */
static void bt_error_text(char *out, size_t n)
{
	const bt_error *e = bt_current_thread_take_error();
	const char *m = NULL;

	out[0] = '\0';
	if (e && bt_error_get_cause_count(e)) /* cause 0 is the root, the last the outermost */
		m = bt_error_cause_get_message(bt_error_borrow_cause_by_index(e, 0));
	if (m)
		clean_msg(out, n, m, strlen(m));
	else
		snprintf(out, n, "libbabeltrace2 failed without saying why");
	if (e)
		bt_error_release(e);
}

static struct nt_err *bt_fail(struct nt_ctf *x, const char *what, const char *detail)
{
	char msg[512];

	bt_error_text(msg, sizeof(msg));
	if (detail && !strcasecmp(detail, msg))
		detail = NULL;
	return nt_err_new(NT_E_INPUT,
			  "cannot read '%s': %s: %s%s%s; the trace is damaged or not CTF 1.8",
			  x->shown, what, msg, detail && *detail ? ": " : "", detail ? detail : "");
}

/*
 * While the metadata is parsed, libbabeltrace2 says where it is wrong ("At line 12 in metadata
 * stream: ...") only in its log on stderr: catch that log in a memory file.
 */
static int log_catch(void)
{
	int saved = dup(2), mf = memfd_create("nettrail-bt-log", MFD_CLOEXEC);

	if (saved < 0 || mf < 0 || dup2(mf, 2) < 0) {
		if (saved >= 0)
			close(saved);
		if (mf >= 0)
			close(mf);
		return -1;
	}
	close(mf);
	return saved;
}

/* Restore stderr and put the most telling caught error line in @out (or ""). */
static void log_release(int saved, char *out, size_t n)
{
	char buf[16384], *line, *best = NULL, *first = NULL;
	ssize_t got;

	out[0] = '\0';
	if (saved < 0)
		return;
	fflush(stderr);
	got = pread(2, buf, sizeof(buf) - 1, 0);
	dup2(saved, 2);
	close(saved);
	if (got <= 0)
		return;
	buf[got] = '\0';
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		char *msg = strstr(line, " E PLUGIN/");

		if (!msg || !(msg = strstr(msg, "] ")))
			continue;
		msg += 2;
		if (!first)
			first = msg;
		if (!best && strstr(msg, " metadata stream: "))
			best = msg;
	}
	if (best || first)
		clean_msg(out, n, best ? best : first, strlen(best ? best : first));
}

/* ---- small tables: classes by pointer, tasks by pid ---- */

static inline unsigned ptr_hash(const void *p)
{
	uint64_t v = (uint64_t)(uintptr_t)p;
	v ^= v >> 29;
	v *= 0xbf58476d1ce4e5b9ull;
	return (unsigned)(v ^ (v >> 32));
}

static struct cls *ctab_get(struct nt_ctf *x, const bt_event_class *ec)
{
	unsigned i;

	if (!x->ccap)
		return NULL;
	i = ptr_hash(ec) & (x->ccap - 1);
	while (x->ctab[i]) {
		if (x->ctab[i]->ec == ec)
			return x->ctab[i];
		i = (i + 1) & (x->ccap - 1);
	}
	return NULL;
}

static int ctab_put(struct nt_ctf *x, struct cls *c)
{
	unsigned i;

	if ((x->ncls + 1) * 2 > x->ccap) {
		unsigned cap = x->ccap ? x->ccap * 2 : 256;
		struct cls **t = calloc(cap, sizeof(*t));
		if (!t)
			return -1;
		for (i = 0; i < x->ccap; i++) {
			if (x->ctab[i]) {
				unsigned j = ptr_hash(x->ctab[i]->ec) & (cap - 1);
				while (t[j])
					j = (j + 1) & (cap - 1);
				t[j] = x->ctab[i];
			}
		}
		free(x->ctab);
		x->ctab = t;
		x->ccap = cap;
	}
	i = ptr_hash(c->ec) & (x->ccap - 1);
	while (x->ctab[i])
		i = (i + 1) & (x->ccap - 1);
	x->ctab[i] = c;
	x->ncls++;
	return 0;
}

static struct task *task_slot(struct nt_ctf *x, int32_t pid)
{
	unsigned i;

	if ((x->tn + 1) * 2 > x->tcap) {
		unsigned cap = x->tcap ? x->tcap * 2 : 1024;
		struct task *t = malloc(cap * sizeof(*t));
		if (!t)
			return NULL;
		for (i = 0; i < cap; i++)
			t[i].pid = -1;
		for (i = 0; i < x->tcap; i++) {
			if (x->tasks[i].pid >= 0) {
				unsigned j = ((uint32_t)x->tasks[i].pid * 2654435761u) & (cap - 1);
				while (t[j].pid >= 0)
					j = (j + 1) & (cap - 1);
				t[j] = x->tasks[i];
			}
		}
		free(x->tasks);
		x->tasks = t;
		x->tcap = cap;
	}
	i = ((uint32_t)pid * 2654435761u) & (x->tcap - 1);
	while (x->tasks[i].pid >= 0 && x->tasks[i].pid != pid)
		i = (i + 1) & (x->tcap - 1);
	return &x->tasks[i];
}

/*
 * @pid is called @comm from now on: tell the store when that is news. The idle tasks of all
 * cpus share pid 0 ("swapper/N"), so pid 0 keeps the first name seen.
 */
static void announce(struct nt_ctf *x, int64_t pid, const char *comm, size_t n)
{
	struct task *t;

	if (pid < 0 || pid > INT32_MAX || !n)
		return;
	if (n >= sizeof(t->comm))
		n = sizeof(t->comm) - 1;
	t = task_slot(x, (int32_t)pid);
	if (!t) {
		x->b->oom = true;
		return;
	}
	if (t->pid >= 0 && (pid == 0 || (!strncmp(t->comm, comm, n) && !t->comm[n])))
		return;
	if (t->pid < 0)
		x->tn++;
	t->pid = (int32_t)pid;
	memcpy(t->comm, comm, n);
	t->comm[n] = '\0';
	nt_batch_task(x->b, t->pid, t->comm);
}

/* ---- field classes: columns ---- */

struct decl {
	struct nt_field_def *defs;
	char **names; /* owned, parallel to defs */
	unsigned n, cap;
	FILE *fmt; /* the class's format text */
};

static bool small_int_array(const bt_field_class *fc)
{
	const bt_field_class *el = bt_field_class_array_borrow_element_field_class_const(fc);
	bt_field_class_type t = bt_field_class_get_type(el);

	return (t == BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER ||
		t == BT_FIELD_CLASS_TYPE_SIGNED_INTEGER) &&
	       bt_field_class_integer_get_field_value_range(el) <= 8;
}

static int decl_add(struct decl *d, const char *name, enum nt_val_type type, unsigned flags)
{
	if (d->n == d->cap) {
		unsigned cap = d->cap ? d->cap * 2 : 32;
		struct nt_field_def *nd = realloc(d->defs, cap * sizeof(*nd));
		char **nn;

		if (!nd)
			return -1;
		d->defs = nd;
		nn = realloc(d->names, cap * sizeof(*nn));
		if (!nn)
			return -1;
		d->names = nn;
		d->cap = cap;
	}
	d->names[d->n] = strdup(name);
	if (!d->names[d->n])
		return -1;
	d->defs[d->n] = (struct nt_field_def){.name = d->names[d->n], .type = type, .flags = flags};
	d->n++;
	return 0;
}

static const char *int_type_name(const bt_field_class *fc, bool is_signed, char *buf, size_t n)
{
	snprintf(buf, n, "%sint%" PRIu64 "%s", is_signed ? "" : "u",
		 bt_field_class_integer_get_field_value_range(fc),
		 bt_field_class_integer_get_preferred_display_base(fc) ==
				 BT_FIELD_CLASS_INTEGER_PREFERRED_DISPLAY_BASE_HEXADECIMAL
			 ? " hex"
			 : "");
	return buf;
}

/*
 * Declare the columns of field class @fc called @name: structures are flattened with '_'
 * joined names, enumerations add a "<name>_sym" column, arrays of small integers are one BLOB
 * and other arrays, options and variants one TEXT column (JSON). Mirrors put_field().
 */
static int decl_field(struct decl *d, const char *name, const bt_field_class *fc)
{
	bt_field_class_type t = bt_field_class_get_type(fc);
	char tn[64], *sub;
	int r = 0;

	if (t == BT_FIELD_CLASS_TYPE_STRUCTURE) {
		uint64_t nm = bt_field_class_structure_get_member_count(fc);

		for (uint64_t i = 0; i < nm && !r; i++) {
			const bt_field_class_structure_member *m =
				bt_field_class_structure_borrow_member_by_index_const(fc, i);
			const char *mn = bt_field_class_structure_member_get_name(m);

			if (!*name)
				sub = strdup(mn);
			else if (asprintf(&sub, "%s_%s", name, mn) < 0)
				sub = NULL;
			if (!sub)
				return -1;
			r = decl_field(d, sub,
				       bt_field_class_structure_member_borrow_field_class_const(m));
			free(sub);
		}
		return r;
	}
	if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_INTEGER)) {
		bool sg = bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_SIGNED_INTEGER);
		unsigned fl = sg ? NT_FIELD_SIGNED : 0;

		if (!sg &&
		    bt_field_class_integer_get_preferred_display_base(fc) ==
			    BT_FIELD_CLASS_INTEGER_PREFERRED_DISPLAY_BASE_HEXADECIMAL &&
		    bt_field_class_integer_get_field_value_range(fc) >= 32)
			fl |= NT_FIELD_POINTER;
		fprintf(d->fmt, "%s %s%s; ", int_type_name(fc, sg, tn, sizeof(tn)), name,
			bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_ENUMERATION) ? " (enum)"
										   : "");
		if (decl_add(d, name, NT_VAL_INT, fl))
			return -1;
		if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_ENUMERATION)) {
			if (asprintf(&sub, "%s_sym", name) < 0)
				return -1;
			r = decl_add(d, sub, NT_VAL_TEXT, NT_FIELD_SYMBOL);
			free(sub);
		}
		return r;
	}
	switch (t) {
	case BT_FIELD_CLASS_TYPE_BOOL:
		fprintf(d->fmt, "bool %s; ", name);
		return decl_add(d, name, NT_VAL_INT, 0);
	case BT_FIELD_CLASS_TYPE_BIT_ARRAY:
		fprintf(d->fmt, "bits%" PRIu64 " %s; ", bt_field_class_bit_array_get_length(fc),
			name);
		return decl_add(d, name, NT_VAL_INT, 0);
	case BT_FIELD_CLASS_TYPE_SINGLE_PRECISION_REAL:
	case BT_FIELD_CLASS_TYPE_DOUBLE_PRECISION_REAL:
		fprintf(d->fmt, "%s %s; ",
			t == BT_FIELD_CLASS_TYPE_SINGLE_PRECISION_REAL ? "float" : "double", name);
		return decl_add(d, name, NT_VAL_REAL, 0);
	case BT_FIELD_CLASS_TYPE_STRING:
		fprintf(d->fmt, "string %s; ", name);
		return decl_add(d, name, NT_VAL_TEXT, 0);
	default:
		break;
	}
	if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_ARRAY)) {
		bool blob = small_int_array(fc);

		fprintf(d->fmt, "%s %s[%s] (%s); ", blob ? "byte" : "array", name,
			t == BT_FIELD_CLASS_TYPE_STATIC_ARRAY ? "static" : "dynamic",
			blob ? "blob" : "json");
		return decl_add(d, name, blob ? NT_VAL_BLOB : NT_VAL_TEXT, NT_FIELD_ARRAY);
	}
	/* option, variant: the value as JSON text */
	fprintf(d->fmt, "%s %s (json); ",
		bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_VARIANT) ? "variant" : "option",
		name);
	return decl_add(d, name, NT_VAL_TEXT, 0);
}

/* ---- values ---- */

static void rb_reserve(struct nt_ctf *x, size_t n)
{
	if (x->rlen + n + 1 > x->rcap) {
		size_t cap = x->rcap ? x->rcap : 1024;
		char *p;

		while (cap < x->rlen + n + 1)
			cap *= 2;
		p = realloc(x->rbuf, cap);
		if (!p) {
			x->b->oom = true;
			return;
		}
		x->rbuf = p;
		x->rcap = cap;
	}
}

static void rb_put(struct nt_ctf *x, const char *s, size_t n)
{
	rb_reserve(x, n);
	if (x->rlen + n + 1 > x->rcap)
		return;
	memcpy(x->rbuf + x->rlen, s, n);
	x->rlen += n;
}

static void rb_printf(struct nt_ctf *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void rb_printf(struct nt_ctf *x, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		rb_put(x, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static void rb_json_str(struct nt_ctf *x, const char *s, size_t n)
{
	rb_put(x, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '"' || ch == '\\') {
			char e[2] = {'\\', (char)ch};
			rb_put(x, e, 2);
		} else if (ch < 0x20) {
			rb_printf(x, "\\u%04x", ch);
		} else {
			rb_put(x, (const char *)&ch, 1);
		}
	}
	rb_put(x, "\"", 1);
}

/* Render field @f as JSON into the rendering buffer. */
static void render(struct nt_ctf *x, const bt_field *f, int depth)
{
	bt_field_class_type t = bt_field_get_class_type(f);

	if (depth > 64) {
		rb_put(x, "null", 4);
		return;
	}
	if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_SIGNED_INTEGER)) {
		rb_printf(x, "%" PRId64, bt_field_integer_signed_get_value(f));
	} else if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER)) {
		rb_printf(x, "%" PRIu64, bt_field_integer_unsigned_get_value(f));
	} else if (t == BT_FIELD_CLASS_TYPE_BOOL) {
		rb_printf(x, "%s", bt_field_bool_get_value(f) ? "true" : "false");
	} else if (t == BT_FIELD_CLASS_TYPE_BIT_ARRAY) {
		rb_printf(x, "%" PRIu64, bt_field_bit_array_get_value_as_integer(f));
	} else if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_REAL)) {
		double v = t == BT_FIELD_CLASS_TYPE_SINGLE_PRECISION_REAL
				   ? bt_field_real_single_precision_get_value(f)
				   : bt_field_real_double_precision_get_value(f);
		if (v != v || v > DBL_MAX || v < -DBL_MAX)
			rb_put(x, "null", 4);
		else
			rb_printf(x, "%.17g", v);
	} else if (t == BT_FIELD_CLASS_TYPE_STRING) {
		rb_json_str(x, bt_field_string_get_value(f), bt_field_string_get_length(f));
	} else if (t == BT_FIELD_CLASS_TYPE_STRUCTURE) {
		const bt_field_class *fc = bt_field_borrow_class_const(f);
		uint64_t nm = bt_field_class_structure_get_member_count(fc);

		rb_put(x, "{", 1);
		for (uint64_t i = 0; i < nm; i++) {
			const char *mn = bt_field_class_structure_member_get_name(
				bt_field_class_structure_borrow_member_by_index_const(fc, i));
			if (i)
				rb_put(x, ",", 1);
			rb_json_str(x, mn, strlen(mn));
			rb_put(x, ":", 1);
			render(x, bt_field_structure_borrow_member_field_by_index_const(f, i),
			       depth + 1);
		}
		rb_put(x, "}", 1);
	} else if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_ARRAY)) {
		uint64_t n = bt_field_array_get_length(f);

		rb_put(x, "[", 1);
		for (uint64_t i = 0; i < n; i++) {
			if (i)
				rb_put(x, ",", 1);
			render(x, bt_field_array_borrow_element_field_by_index_const(f, i),
			       depth + 1);
		}
		rb_put(x, "]", 1);
	} else if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_OPTION)) {
		const bt_field *in = bt_field_option_borrow_field_const(f);
		if (in)
			render(x, in, depth + 1);
		else
			rb_put(x, "null", 4);
	} else if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_VARIANT)) {
		const char *on = bt_field_class_variant_option_get_name(
			bt_field_variant_borrow_selected_option_class_const(f));

		rb_put(x, "{", 1);
		rb_json_str(x, on ? on : "", on ? strlen(on) : 0);
		rb_put(x, ":", 1);
		render(x, bt_field_variant_borrow_selected_option_field_const(f), depth + 1);
		rb_put(x, "}", 1);
	} else {
		rb_put(x, "null", 4);
	}
}

static void put_labels(struct nt_batch *b, bt_field_class_enumeration_mapping_label_array l,
		       uint64_t n)
{
	char buf[512];
	size_t at = 0;

	if (!n) {
		nt_batch_null(b);
		return;
	}
	for (uint64_t i = 0; i < n && at < sizeof(buf) - 1; i++)
		at += (size_t)snprintf(buf + at, sizeof(buf) - at, "%s%s", i ? "|" : "", l[i]);
	if (at >= sizeof(buf))
		at = sizeof(buf) - 1;
	nt_batch_text(b, buf, at);
}

/* Append the values of field @f: the columns decl_field() declared for its class. */
static void put_field(struct nt_ctf *x, const bt_field *f)
{
	struct nt_batch *b = x->b;
	bt_field_class_type t = bt_field_get_class_type(f);

	switch (t) {
	case BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER:
		nt_batch_int(b, (int64_t)bt_field_integer_unsigned_get_value(f));
		return;
	case BT_FIELD_CLASS_TYPE_SIGNED_INTEGER:
		nt_batch_int(b, bt_field_integer_signed_get_value(f));
		return;
	case BT_FIELD_CLASS_TYPE_STRING:
		nt_batch_text(b, bt_field_string_get_value(f), bt_field_string_get_length(f));
		return;
	case BT_FIELD_CLASS_TYPE_STRUCTURE: {
		uint64_t nm =
			bt_field_class_structure_get_member_count(bt_field_borrow_class_const(f));

		for (uint64_t i = 0; i < nm; i++)
			put_field(x, bt_field_structure_borrow_member_field_by_index_const(f, i));
		return;
	}
	case BT_FIELD_CLASS_TYPE_UNSIGNED_ENUMERATION: {
		bt_field_class_enumeration_mapping_label_array l = NULL;
		uint64_t n = 0;

		nt_batch_int(b, (int64_t)bt_field_integer_unsigned_get_value(f));
		if (bt_field_enumeration_unsigned_get_mapping_labels(f, &l, &n))
			n = 0;
		put_labels(b, l, n);
		return;
	}
	case BT_FIELD_CLASS_TYPE_SIGNED_ENUMERATION: {
		bt_field_class_enumeration_mapping_label_array l = NULL;
		uint64_t n = 0;

		nt_batch_int(b, bt_field_integer_signed_get_value(f));
		if (bt_field_enumeration_signed_get_mapping_labels(f, &l, &n))
			n = 0;
		put_labels(b, l, n);
		return;
	}
	case BT_FIELD_CLASS_TYPE_BOOL:
		nt_batch_int(b, bt_field_bool_get_value(f) ? 1 : 0);
		return;
	case BT_FIELD_CLASS_TYPE_BIT_ARRAY:
		nt_batch_int(b, (int64_t)bt_field_bit_array_get_value_as_integer(f));
		return;
	case BT_FIELD_CLASS_TYPE_SINGLE_PRECISION_REAL:
		nt_batch_real(b, bt_field_real_single_precision_get_value(f));
		return;
	case BT_FIELD_CLASS_TYPE_DOUBLE_PRECISION_REAL:
		nt_batch_real(b, bt_field_real_double_precision_get_value(f));
		return;
	default:
		break;
	}
	if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_ARRAY) &&
	    small_int_array(bt_field_borrow_class_const(f))) {
		uint64_t n = bt_field_array_get_length(f);
		unsigned char small[256], *p = n <= sizeof(small) ? small : malloc(n);

		if (!p) {
			b->oom = true;
			return;
		}
		for (uint64_t i = 0; i < n; i++) {
			const bt_field *el =
				bt_field_array_borrow_element_field_by_index_const(f, i);
			p[i] = bt_field_class_type_is(bt_field_get_class_type(el),
						      BT_FIELD_CLASS_TYPE_SIGNED_INTEGER)
				       ? (unsigned char)bt_field_integer_signed_get_value(el)
				       : (unsigned char)bt_field_integer_unsigned_get_value(el);
		}
		nt_batch_blob(b, p, n);
		if (p != small)
			free(p);
		return;
	}
	x->rlen = 0;
	render(x, f, 0);
	nt_batch_text(b, x->rbuf ? x->rbuf : "", x->rbuf ? x->rlen : 0);
}

/* ---- classes ---- */

static const bt_field_class *scope_class(const bt_event_class *ec, enum scope s)
{
	switch (s) {
	case S_PAYLOAD:
		return bt_event_class_borrow_payload_field_class_const(ec);
	case S_SPEC_CTX:
		return bt_event_class_borrow_specific_context_field_class_const(ec);
	case S_COMMON_CTX:
		return bt_stream_class_borrow_event_common_context_field_class_const(
			bt_event_class_borrow_stream_class_const(ec));
	default:
		return NULL;
	}
}

/* Find top-level member @name of an integer (want_str: string) type in @s. */
static bool find_member(const bt_event_class *ec, enum scope s, const char *name, bool want_str,
			struct ref *out)
{
	const bt_field_class *fc = scope_class(ec, s);
	uint64_t nm;

	if (!fc || bt_field_class_get_type(fc) != BT_FIELD_CLASS_TYPE_STRUCTURE)
		return false;
	nm = bt_field_class_structure_get_member_count(fc);
	for (uint64_t i = 0; i < nm; i++) {
		const bt_field_class_structure_member *m =
			bt_field_class_structure_borrow_member_by_index_const(fc, i);
		bt_field_class_type t;

		if (strcmp(bt_field_class_structure_member_get_name(m), name))
			continue;
		t = bt_field_class_get_type(
			bt_field_class_structure_member_borrow_field_class_const(m));
		if (want_str ? t != BT_FIELD_CLASS_TYPE_STRING
			     : !bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_INTEGER))
			return false;
		out->scope = s;
		out->idx = i;
		return true;
	}
	return false;
}

static bool find_ctx(const bt_event_class *ec, const char *name, bool want_str, struct ref *out)
{
	return find_member(ec, S_SPEC_CTX, name, want_str, out) ||
	       find_member(ec, S_COMMON_CTX, name, want_str, out);
}

/* Which fields say who runs (tid), what it is called and on which cpu. */
static void find_roles(struct cls *c, const char *canon, bool perf)
{
	static const char *const comms[] = {"prev_comm", "next_comm", "comm", "child_comm",
					    "parent_comm"};
	const bt_event_class *ec = c->ec;

	/* a "pid" context is LTTng's process id (the thread group), not the kernel's pid */
	if (!find_ctx(ec, "tid", false, &c->tid) &&
	    !(perf && find_member(ec, S_PAYLOAD, "perf_tid", false, &c->tid)))
		c->tid.scope = S_NONE;
	if (!find_ctx(ec, "procname", true, &c->comm))
		c->comm.scope = S_NONE;
	if (!(perf && find_member(ec, S_PAYLOAD, "perf_cpu", false, &c->cpu)))
		c->cpu.scope = S_NONE;
	c->sched_switch = !strcmp(canon, "sched:sched_switch") &&
			  (find_member(ec, S_PAYLOAD, "next_tid", false, &c->next_tid) ||
			   find_member(ec, S_PAYLOAD, "next_pid", false, &c->next_tid)) &&
			  (find_member(ec, S_PAYLOAD, "prev_tid", false, &c->prev_tid) ||
			   find_member(ec, S_PAYLOAD, "prev_pid", false, &c->prev_tid));
	for (size_t i = 0; i < sizeof(comms) / sizeof(comms[0]); i++) {
		char tid[32], pid[32];
		size_t l = strlen(comms[i]) - 4; /* "prev_" */

		snprintf(tid, sizeof(tid), "%.*stid", (int)l, comms[i]);
		snprintf(pid, sizeof(pid), "%.*spid", (int)l, comms[i]);
		if (find_member(ec, S_PAYLOAD, comms[i], true, &c->pair_comm[c->npairs]) &&
		    (find_member(ec, S_PAYLOAD, tid, false, &c->pair_tid[c->npairs]) ||
		     find_member(ec, S_PAYLOAD, pid, false, &c->pair_tid[c->npairs])))
			c->npairs++;
	}
	if (!strcmp(canon, "lttng_statedump:process_state") &&
	    find_member(ec, S_PAYLOAD, "name", true, &c->pair_comm[c->npairs]) &&
	    find_member(ec, S_PAYLOAD, "tid", false, &c->pair_tid[c->npairs]))
		c->npairs++;
}

static bool trace_is_perf(const bt_trace *tr)
{
	const bt_value *v =
		bt_trace_borrow_environment_entry_value_by_name_const(tr, "tracer_name");

	return v && bt_value_is_string(v) && !strcmp(bt_value_string_get(v), "perf");
}

static struct cls *cls_new(struct nt_ctf *x, const bt_event *ev)
{
	const bt_event_class *ec = bt_event_borrow_class_const(ev);
	const char *orig = bt_event_class_get_name(ec);
	struct cls *c = calloc(1, sizeof(*c));
	struct decl d = {0};
	char sys[128], name[256], canon[400], idbuf[64];
	char *fmt = NULL;
	size_t fmtlen = 0;
	bool perf = trace_is_perf(bt_stream_borrow_trace_const(bt_event_borrow_stream_const(ev)));
	static const enum scope order[] = {S_PAYLOAD, S_SPEC_CTX, S_COMMON_CTX};
	static const char *const scope_names[] = {"", "payload", "context", "common context"};

	if (!c)
		return NULL;
	c->ec = ec;
	c->id = x->next_id++;
	if (!orig || !*orig) {
		snprintf(idbuf, sizeof(idbuf), "event_%" PRIu64, bt_event_class_get_id(ec));
		orig = idbuf;
	}
	nt_ctf_canonical(orig, perf, sys, sizeof(sys), name, sizeof(name));
	snprintf(canon, sizeof(canon), "%s:%s", sys, name);
	find_roles(c, canon, perf);
	d.fmt = open_memstream(&fmt, &fmtlen);
	if (!d.fmt)
		goto fail;
	fprintf(d.fmt, "ctf event '%s' (id %" PRIu64 ", stream class %" PRIu64 "):", orig,
		bt_event_class_get_id(ec),
		bt_stream_class_get_id(bt_event_class_borrow_stream_class_const(ec)));
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		const bt_field_class *fc = scope_class(ec, order[i]);

		if (!fc)
			continue;
		fprintf(d.fmt, " %s { ", scope_names[order[i]]);
		if (decl_field(&d, "", fc))
			goto fail;
		fprintf(d.fmt, "}");
	}
	fclose(d.fmt);
	d.fmt = NULL;
	nt_batch_class(x->b, &(struct nt_class_def){.id = c->id,
						    .system = sys,
						    .name = name,
						    .orig = orig,
						    .format = fmt,
						    .nfields = d.n,
						    .fields = d.defs});
	if (ctab_put(x, c))
		goto fail;
	for (unsigned i = 0; i < d.n; i++)
		free(d.names[i]);
	free(d.names);
	free(d.defs);
	free(fmt);
	return c;
fail:
	if (d.fmt)
		fclose(d.fmt);
	free(fmt);
	for (unsigned i = 0; i < d.n; i++)
		free(d.names[i]);
	free(d.names);
	free(d.defs);
	free(c);
	return NULL;
}

/* ---- events ---- */

static const bt_field *scope_field(const bt_event *ev, enum scope s)
{
	switch (s) {
	case S_PAYLOAD:
		return bt_event_borrow_payload_field_const(ev);
	case S_SPEC_CTX:
		return bt_event_borrow_specific_context_field_const(ev);
	case S_COMMON_CTX:
		return bt_event_borrow_common_context_field_const(ev);
	default:
		return NULL;
	}
}

static const bt_field *ref_field(const bt_event *ev, const struct ref *r)
{
	const bt_field *st = scope_field(ev, r->scope);

	return st ? bt_field_structure_borrow_member_field_by_index_const(st, r->idx) : NULL;
}

static bool ref_int(const bt_event *ev, const struct ref *r, int64_t *v)
{
	const bt_field *f;

	if (r->scope == S_NONE || !(f = ref_field(ev, r)))
		return false;
	if (bt_field_class_type_is(bt_field_get_class_type(f), BT_FIELD_CLASS_TYPE_SIGNED_INTEGER))
		*v = bt_field_integer_signed_get_value(f);
	else
		*v = (int64_t)bt_field_integer_unsigned_get_value(f);
	return true;
}

static const char *ref_str(const bt_event *ev, const struct ref *r, size_t *n)
{
	const bt_field *f;

	if (r->scope == S_NONE || !(f = ref_field(ev, r)))
		return NULL;
	*n = bt_field_string_get_length(f);
	return bt_field_string_get_value(f);
}

static int cpu_slot(struct nt_ctf *x, int32_t cpu)
{
	if (cpu < 0 || cpu > MAX_CPU)
		return -1;
	if ((unsigned)cpu >= x->ncur) {
		unsigned n = (unsigned)cpu + 16;
		int32_t *c = realloc(x->cur, n * sizeof(*c));
		unsigned char *s;

		if (!c)
			return -1;
		x->cur = c;
		s = realloc(x->cpu_seen, n);
		if (!s)
			return -1;
		x->cpu_seen = s;
		for (unsigned i = x->ncur; i < n; i++) {
			x->cur[i] = -1;
			x->cpu_seen[i] = 0;
		}
		x->ncur = n;
	}
	return 0;
}

static void put_event(struct nt_ctf *x, struct port *p, const bt_message *m)
{
	const bt_event *ev = bt_message_event_borrow_event_const(m);
	const bt_event_class *ec = bt_event_borrow_class_const(ev);
	struct cls *c;
	int32_t cpu = p->cpu, pid = -1;
	int64_t v;
	static const enum scope order[] = {S_PAYLOAD, S_SPEC_CTX, S_COMMON_CTX};

	if (ec == x->last_ec) {
		c = x->last_cls;
	} else {
		c = ctab_get(x, ec);
		if (!c && !(c = cls_new(x, ev))) {
			x->b->oom = true;
			return;
		}
		x->last_ec = ec;
		x->last_cls = c;
	}
	if (ref_int(ev, &c->cpu, &v))
		cpu = v >= 0 && v <= MAX_CPU ? (int32_t)v : -1;
	if (x->o.cpu_unknown)
		cpu = -1;
	if (cpu >= 0 && !cpu_slot(x, cpu))
		x->cpu_seen[cpu] = 1;
	else if (cpu >= 0)
		cpu = -1;
	if (ref_int(ev, &c->tid, &v))
		pid = v >= INT32_MIN && v <= INT32_MAX ? (int32_t)v : -1;
	else if (c->sched_switch && ref_int(ev, &c->prev_tid, &v))
		pid = (int32_t)v; /* the task being switched out is the one running */
	else if (cpu >= 0)
		pid = x->cur[cpu];
	if (c->comm.scope != S_NONE) {
		size_t n;
		const char *s = ref_str(ev, &c->comm, &n);
		if (s)
			announce(x, pid, s, n);
	}
	for (unsigned i = 0; i < c->npairs; i++) {
		size_t n;
		const char *s = ref_str(ev, &c->pair_comm[i], &n);
		if (s && ref_int(ev, &c->pair_tid[i], &v))
			announce(x, v, s, n);
	}
	nt_batch_event_begin(x->b, c->id, p->ts, cpu, pid);
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		const bt_field *f = scope_field(ev, order[i]);
		if (f)
			put_field(x, f);
	}
	nt_batch_event_end(x->b);
	if (c->sched_switch && cpu >= 0 && ref_int(ev, &c->next_tid, &v))
		x->cur[cpu] = v >= INT32_MIN && v <= INT32_MAX ? (int32_t)v : -1;
	x->events++;
}

/* ---- trace facts ---- */

static bool env_int(const bt_trace *tr, const char *name, int64_t *v)
{
	const bt_value *e = bt_trace_borrow_environment_entry_value_by_name_const(tr, name);

	if (!e || !bt_value_is_signed_integer(e))
		return false;
	*v = bt_value_integer_signed_get(e);
	return true;
}

/* The tracer and its version: "lttng-modules 2.5.0", "perf 4.4". */
static void send_tracer(struct nt_ctf *x, const bt_trace *tr, bool perf)
{
	const bt_value *name =
		bt_trace_borrow_environment_entry_value_by_name_const(tr, "tracer_name");
	const bt_value *pv = bt_trace_borrow_environment_entry_value_by_name_const(tr, "version");
	char buf[256];
	int64_t ma, mi, pl;
	int at;

	if (!name || !bt_value_is_string(name))
		return;
	at = snprintf(buf, sizeof(buf), "%.200s", bt_value_string_get(name));
	if (perf && pv && bt_value_is_string(pv))
		snprintf(buf + at, sizeof(buf) - (size_t)at, " %.40s", bt_value_string_get(pv));
	else if (!perf && env_int(tr, "tracer_major", &ma) && env_int(tr, "tracer_minor", &mi))
		at += snprintf(buf + at, sizeof(buf) - (size_t)at, " %" PRId64 ".%" PRId64, ma, mi);
	if (!perf && at < (int)sizeof(buf) && env_int(tr, "tracer_patchlevel", &pl) &&
	    strchr(buf, '.'))
		snprintf(buf + at, sizeof(buf) - (size_t)at, ".%" PRId64, pl);
	nt_batch_info(x->b, "tracer", buf);
}

static void send_env(struct nt_ctf *x, const bt_stream *s)
{
	const bt_trace *tr = bt_stream_borrow_trace_const(s);
	const bt_clock_class *cc =
		bt_stream_class_borrow_default_clock_class_const(bt_stream_borrow_class_const(s));
	uint64_t n = bt_trace_get_environment_entry_count(tr);
	bool perf = trace_is_perf(tr);
	bt_uuid uuid = bt_trace_get_uuid(tr);
	char key[160], val[512];

	for (unsigned i = 0; i < x->ntraces; i++)
		if (x->traces[i] == tr)
			return;
	if (x->ntraces < sizeof(x->traces) / sizeof(x->traces[0]))
		x->traces[x->ntraces++] = tr;
	if (!x->info_sent) {
		nt_batch_info(x->b, "format", x->format);
		x->info_sent = true;
	}
	for (uint64_t i = 0; i < n; i++) {
		const char *name, *fact = NULL;
		const bt_value *v;

		bt_trace_borrow_environment_entry_by_index_const(tr, i, &name, &v);
		if (bt_value_is_string(v))
			snprintf(val, sizeof(val), "%s", bt_value_string_get(v));
		else if (bt_value_is_signed_integer(v))
			snprintf(val, sizeof(val), "%" PRId64, bt_value_integer_signed_get(v));
		else
			continue;
		snprintf(key, sizeof(key), "env.%s", name);
		nt_batch_info(x->b, key, val);
		if (!strcmp(name, "hostname") || (perf && !strcmp(name, "host")))
			fact = "hostname";
		else if (!strcmp(name, "kernel_release") || (perf && !strcmp(name, "release")))
			fact = "kernel";
		else if (perf && !strcmp(name, "machine"))
			fact = "arch";
		else if (!strcmp(name, "domain"))
			fact = "domain";
		if (fact)
			nt_batch_info(x->b, fact, val);
	}
	send_tracer(x, tr, perf);
	if (cc && bt_clock_class_get_name(cc))
		nt_batch_info(x->b, "clock", bt_clock_class_get_name(cc));
	if (bt_trace_get_name(tr) && *bt_trace_get_name(tr))
		nt_batch_info(x->b, "trace_name", bt_trace_get_name(tr));
	if (uuid) {
		snprintf(val, sizeof(val),
			 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
			 uuid[0], uuid[1], uuid[2], uuid[3], uuid[4], uuid[5], uuid[6], uuid[7],
			 uuid[8], uuid[9], uuid[10], uuid[11], uuid[12], uuid[13], uuid[14],
			 uuid[15]);
		nt_batch_info(x->b, "trace_uuid", val);
	}
}

/* ---- non-event messages ---- */

static bool snap_ns(const bt_clock_snapshot *cs, uint64_t *ns)
{
	int64_t v;

	if (!cs || bt_clock_snapshot_get_ns_from_origin(cs, &v) !=
			   BT_CLOCK_SNAPSHOT_GET_NS_FROM_ORIGIN_STATUS_OK)
		return false;
	*ns = (uint64_t)v;
	return true;
}

static void on_other(struct nt_ctf *x, struct port *p, const bt_message *m)
{
	switch (bt_message_get_type(m)) {
	case BT_MESSAGE_TYPE_STREAM_BEGINNING: {
		const bt_stream *s = bt_message_stream_beginning_borrow_stream_const(m);
		const char *name = bt_stream_get_name(s);

		send_env(x, s);
		if (name && !p->name) {
			const char *slash = strrchr(name, '/');
			p->name = strdup(slash ? slash + 1 : name);
		}
		break;
	}
	case BT_MESSAGE_TYPE_PACKET_BEGINNING: {
		const bt_field *ctx = bt_packet_borrow_context_field_const(
			bt_message_packet_beginning_borrow_packet_const(m));
		const bt_field *f =
			ctx ? bt_field_structure_borrow_member_field_by_name_const(ctx, "cpu_id")
			    : NULL;

		if (f && bt_field_class_type_is(bt_field_get_class_type(f),
						BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER)) {
			uint64_t v = bt_field_integer_unsigned_get_value(f);
			p->cpu = v <= MAX_CPU ? (int32_t)v : -1;
		}
		break;
	}
	case BT_MESSAGE_TYPE_DISCARDED_EVENTS: {
		uint64_t count = 0, from = p->last_ts, to = p->last_ts;
		const bt_stream *s = bt_message_discarded_events_borrow_stream_const(m);
		bool have = bt_message_discarded_events_get_count(m, &count) ==
			    BT_PROPERTY_AVAILABILITY_AVAILABLE;

		if (bt_stream_class_discarded_events_have_default_clock_snapshots(
			    bt_stream_borrow_class_const(s))) {
			snap_ns(bt_message_discarded_events_borrow_beginning_default_clock_snapshot_const(
					m),
				&from);
			snap_ns(bt_message_discarded_events_borrow_end_default_clock_snapshot_const(
					m),
				&to);
		}
		nt_batch_lost(x->b, x->o.cpu_unknown ? -1 : p->cpu, have ? (int64_t)count : -1,
			      from, to);
		break;
	}
	case BT_MESSAGE_TYPE_DISCARDED_PACKETS: {
		uint64_t count = 0, from = p->last_ts, to = p->last_ts;
		const bt_stream *s = bt_message_discarded_packets_borrow_stream_const(m);

		if (bt_message_discarded_packets_get_count(m, &count) !=
		    BT_PROPERTY_AVAILABILITY_AVAILABLE)
			count = 1;
		x->discarded_packets += count;
		if (bt_stream_class_discarded_packets_have_default_clock_snapshots(
			    bt_stream_borrow_class_const(s))) {
			snap_ns(bt_message_discarded_packets_borrow_beginning_default_clock_snapshot_const(
					m),
				&from);
			snap_ns(bt_message_discarded_packets_borrow_end_default_clock_snapshot_const(
					m),
				&to);
		}
		/* a lost packet held an unknown number of events */
		nt_batch_lost(x->b, x->o.cpu_unknown ? -1 : p->cpu, -1, from, to);
		break;
	}
	default:
		break;
	}
}

/* ---- the merge ---- */

static inline bool head_before(const struct nt_ctf *x, unsigned a, unsigned b)
{
	return x->ports[a].ts < x->ports[b].ts || (x->ports[a].ts == x->ports[b].ts && a < b);
}

static void heap_down(struct nt_ctf *x, unsigned i)
{
	for (;;) {
		unsigned l = 2 * i + 1, r = l + 1, m = i, t;

		if (l < x->nheap && head_before(x, x->heap[l], x->heap[m]))
			m = l;
		if (r < x->nheap && head_before(x, x->heap[r], x->heap[m]))
			m = r;
		if (m == i)
			return;
		t = x->heap[i];
		x->heap[i] = x->heap[m];
		x->heap[m] = t;
		i = m;
	}
}

static void heap_push(struct nt_ctf *x, unsigned port)
{
	unsigned i = x->nheap++;

	x->heap[i] = port;
	while (i && head_before(x, x->heap[i], x->heap[(i - 1) / 2])) {
		unsigned t = x->heap[i];
		x->heap[i] = x->heap[(i - 1) / 2];
		x->heap[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
}

/*
 * Bring port @p to its next event (handling the other messages on the way) or to its end.
 * 0 on success, -1 on a libbabeltrace2 error (left as the current thread's error).
 */
static int port_fill(struct nt_ctf *x, struct port *p)
{
	for (;;) {
		const bt_message *m;

		if (p->at == p->n) {
			bt_message_iterator_next_status st;

			p->n = p->at = 0;
			st = bt_message_iterator_next(p->it, &p->msgs, &p->n);
			if (st == BT_MESSAGE_ITERATOR_NEXT_STATUS_END) {
				p->done = true;
				p->n = 0;
				return 0;
			}
			if (st == BT_MESSAGE_ITERATOR_NEXT_STATUS_AGAIN) {
				usleep(1000);
				continue;
			}
			if (st != BT_MESSAGE_ITERATOR_NEXT_STATUS_OK) {
				p->n = 0;
				return -1;
			}
		}
		m = p->msgs[p->at];
		if (bt_message_get_type(m) == BT_MESSAGE_TYPE_EVENT) {
			int64_t ns;

			if (!bt_message_event_borrow_stream_class_default_clock_class_const(m)) {
				x->no_clock++;
				p->ts = 0; /* no clock: documented, counted and reported */
				return 0;
			}
			if (bt_clock_snapshot_get_ns_from_origin(
				    bt_message_event_borrow_default_clock_snapshot_const(m), &ns) ==
			    BT_CLOCK_SNAPSHOT_GET_NS_FROM_ORIGIN_STATUS_OK) {
				p->ts = (uint64_t)ns;
				return 0;
			}
			if (!x->bad_ts++)
				x->bad_ts_first = x->events;
		} else {
			on_other(x, p, m);
		}
		bt_message_put_ref(m);
		p->at++;
	}
}

static void note_time(struct nt_ctf *x, struct port *p)
{
	if (x->events && p->ts < x->last_ts) {
		if (!x->backwards++) {
			x->back_ts = p->ts;
			x->back_prev = x->last_ts;
			snprintf(x->back_stream, sizeof(x->back_stream), "%s",
				 p->name ? p->name : "?");
		}
	} else {
		x->last_ts = p->ts;
	}
	p->last_ts = p->ts;
}

static bt_component_class_sink_consume_method_status sink_consume(bt_self_component_sink *self)
{
	struct nt_ctf *x =
		bt_self_component_get_data(bt_self_component_sink_as_self_component(self));

	if (!x->primed) {
		for (unsigned i = 0; i < x->nports; i++) {
			if (port_fill(x, &x->ports[i]))
				return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_ERROR;
			if (!x->ports[i].done)
				heap_push(x, i);
		}
		x->primed = true;
	}
	while (x->b->len < NT_BATCH_TARGET && !x->b->oom) {
		struct port *p;

		if (!x->nheap)
			return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_END;
		p = &x->ports[x->heap[0]];
		note_time(x, p);
		put_event(x, p, p->msgs[p->at]);
		bt_message_put_ref(p->msgs[p->at]);
		p->at++;
		if (port_fill(x, p))
			return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_ERROR;
		if (p->done)
			x->heap[0] = x->heap[--x->nheap];
		heap_down(x, 0);
		if (nt_interrupted) {
			nt_err_set(&x->err, nt_err_new(NT_E_INTR, "interrupted while reading '%s'",
						       x->shown));
			return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_ERROR;
		}
	}
	return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_OK;
}

static bt_component_class_initialize_method_status sink_init(
	bt_self_component_sink *self, bt_self_component_sink_configuration *conf,
	const bt_value *params, void *data)
{
	struct nt_ctf *x = data;
	char name[32];

	(void)conf;
	(void)params;
	bt_self_component_set_data(bt_self_component_sink_as_self_component(self), x);
	for (unsigned i = 0; i < x->nports; i++) {
		snprintf(name, sizeof(name), "in%u", i);
		if (bt_self_component_sink_add_input_port(self, name, NULL, NULL) !=
		    BT_SELF_COMPONENT_ADD_PORT_STATUS_OK)
			return BT_COMPONENT_CLASS_INITIALIZE_METHOD_STATUS_MEMORY_ERROR;
	}
	return BT_COMPONENT_CLASS_INITIALIZE_METHOD_STATUS_OK;
}

static bt_component_class_sink_graph_is_configured_method_status sink_configured(
	bt_self_component_sink *self)
{
	struct nt_ctf *x =
		bt_self_component_get_data(bt_self_component_sink_as_self_component(self));

	for (unsigned i = 0; i < x->nports; i++) {
		if (bt_message_iterator_create_from_sink_component(
			    self, bt_self_component_sink_borrow_input_port_by_index(self, i),
			    &x->ports[i].it) !=
		    BT_MESSAGE_ITERATOR_CREATE_FROM_SINK_COMPONENT_STATUS_OK)
			return BT_COMPONENT_CLASS_SINK_GRAPH_IS_CONFIGURED_METHOD_STATUS_ERROR;
	}
	return BT_COMPONENT_CLASS_SINK_GRAPH_IS_CONFIGURED_METHOD_STATUS_OK;
}

static void sink_finalize(bt_self_component_sink *self)
{
	struct nt_ctf *x =
		bt_self_component_get_data(bt_self_component_sink_as_self_component(self));

	for (unsigned i = 0; x && i < x->nports; i++) {
		struct port *p = &x->ports[i];

		for (; p->at < p->n; p->at++)
			bt_message_put_ref(p->msgs[p->at]);
		bt_message_iterator_put_ref(p->it);
		p->it = NULL;
	}
}

/* ---- reader methods ---- */

void nt_ctf_close(struct nt_ctf *x)
{
	if (!x)
		return;
	bt_graph_put_ref(x->graph); /* finalizes the sink: releases iterators and messages */
	bt_component_class_sink_put_ref(x->sink_cls);
	bt_plugin_put_ref(x->plugin);
	for (unsigned i = 0; i < x->ccap; i++)
		free(x->ctab[i]);
	free(x->ctab);
	for (unsigned i = 0; i < x->nports; i++)
		free(x->ports[i].name);
	free(x->ports);
	free(x->heap);
	for (unsigned i = 0; i < x->ndirs; i++)
		free(x->dirs[i]);
	free(x->dirs);
	free(x->cur);
	free(x->cpu_seen);
	free(x->tasks);
	free(x->rbuf);
	free(x->shown);
	free(x->format);
	nt_err_free(x->err);
	free(x);
}

static int resolve(struct nt_ctf *x, const char *path, struct nt_err **err)
{
	struct stat st;

	if (stat(path, &st))
		return nt_err_set(err,
				  nt_err_errno(NT_E_INPUT, errno, "cannot open '%s'", x->shown));
	if (!S_ISDIR(st.st_mode)) {
		char *copy = strdup(path);

		if (!copy)
			return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
		if (!is_metadata_file(path)) {
			free(copy);
			return nt_err_set(
				err,
				nt_err_new(NT_E_INPUT,
					   "cannot read '%s': not a CTF metadata file (no CTF "
					   "magic or '/* CTF' signature); give the trace directory",
					   x->shown));
		}
		x->dirs = malloc(sizeof(*x->dirs));
		if (!x->dirs || !(x->dirs[0] = strdup(dirname(copy)))) {
			free(copy);
			return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
		}
		free(copy);
		x->ndirs = 1;
		return 0;
	}
	if (find_dirs(path, 0, &x->dirs, &x->ndirs))
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	if (!x->ndirs)
		return nt_err_set(
			err,
			nt_err_new(NT_E_INPUT,
				   "cannot read '%s': no CTF trace in it (no directory holds a CTF "
				   "'metadata' file); give an LTTng or perf CTF trace directory",
				   x->shown));
	return 0;
}

/*
 * Packetized metadata whose last packet is cut short makes libbabeltrace2 2.0.4 loop forever:
 * check the packet sizes first. Bytes after the last packet may be zero padding.
 */
static int check_metadata(struct nt_ctf *x, const char *dir, struct nt_err **err)
{
	char path[PATH_MAX];
	unsigned char *m = NULL;
	size_t size = 0, off = 0, cap = 0;
	unsigned npkt = 0;
	FILE *f;
	int ret = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s/metadata", dir) >= sizeof(path) ||
	    !(f = fopen(path, "rb")))
		return 0; /* libbabeltrace2 will say what is wrong */
	for (;;) {
		size_t got;

		if (size == cap) {
			unsigned char *n = realloc(m, cap ? cap * 2 : 65536);
			if (!n) {
				ret = nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
				goto out;
			}
			m = n;
			cap = cap ? cap * 2 : 65536;
		}
		got = fread(m + size, 1, cap - size, f);
		if (!got)
			break;
		size += got;
	}
	if (size < 4 || !is_metadata_head(m, size) || m[0] == '/')
		goto out; /* text metadata */
	while (off < size) {
		bool be = m[off] == 0x75;
		uint32_t content, packet;
		const unsigned char *h = m + off;
		size_t rest;

		if (size - off >= 4 && !memcmp(h, "\0\0\0\0", 4)) {
			for (rest = off; rest < size && !m[rest]; rest++)
				;
			if (rest == size)
				break; /* zero padding */
		}
		if (size - off < 37 || !is_metadata_head(h, 4))
			break; /* not a packet: libbabeltrace2 reports it */
		content = be ? (uint32_t)h[24] << 24 | h[25] << 16 | h[26] << 8 | h[27]
			     : (uint32_t)h[27] << 24 | h[26] << 16 | h[25] << 8 | h[24];
		packet = be ? (uint32_t)h[28] << 24 | h[29] << 16 | h[30] << 8 | h[31]
			    : (uint32_t)h[31] << 24 | h[30] << 16 | h[29] << 8 | h[28];
		if (packet % 8 || packet < 37 * 8 || content > packet || content < 37 * 8) {
			ret = nt_err_set(err, nt_err_new(NT_E_INPUT,
							 "cannot read '%s': metadata packet %u "
							 "(offset %zu) has bad sizes (content %u, "
							 "packet %u bits); the metadata is damaged",
							 x->shown, npkt, off, content, packet));
			goto out;
		}
		if (packet / 8 > size - off) {
			if ((content + 7) / 8 <= size - off)
				break; /* only the padding of the last packet is missing */
			ret = nt_err_set(err,
					 nt_err_new(NT_E_INPUT,
						    "cannot read '%s': the metadata is truncated "
						    "(packet %u at offset %zu holds %u bytes, the "
						    "file has %zu); the trace is incomplete",
						    x->shown, npkt, off, (content + 7) / 8,
						    size - off));
			goto out;
		}
		off += packet / 8;
		npkt++;
	}
out:
	fclose(f);
	free(m);
	return ret;
}

static int add_sources(struct nt_ctf *x, const bt_component_source ***srcs, struct nt_err **err)
{
	const bt_component_class_source *cc;

	if (bt_plugin_find("ctf", BT_FALSE, BT_FALSE, BT_TRUE, BT_TRUE, BT_FALSE, &x->plugin) !=
		    BT_PLUGIN_FIND_STATUS_OK ||
	    !(cc = bt_plugin_borrow_source_component_class_by_name_const(x->plugin, "fs"))) {
		bt_current_thread_clear_error();
		return nt_err_set(
			err, nt_err_new(NT_E_FAIL,
					"cannot read '%s': babeltrace2's 'ctf' plugin "
					"(source.ctf.fs) is not installed; install babeltrace2",
					x->shown));
	}
	*srcs = calloc(x->ndirs, sizeof(**srcs));
	if (!*srcs)
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	for (unsigned i = 0; i < x->ndirs; i++)
		if (check_metadata(x, x->dirs[i], err))
			return -1;
	for (unsigned i = 0; i < x->ndirs; i++) {
		bt_value *params = bt_value_map_create(), *inputs = NULL;
		char name[32], detail[256];
		int saved;
		bt_graph_add_component_status st;

		if (!params || bt_value_map_insert_empty_array_entry(params, "inputs", &inputs) ||
		    bt_value_array_append_string_element(inputs, x->dirs[i])) {
			bt_value_put_ref(params);
			return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
		}
		snprintf(name, sizeof(name), "src%u", i);
		saved = log_catch();
		st = bt_graph_add_source_component(x->graph, cc, name, params,
						   BT_LOGGING_LEVEL_ERROR, &(*srcs)[i]);
		log_release(saved, detail, sizeof(detail));
		bt_value_put_ref(params);
		if (st != BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
			struct nt_err *e = bt_fail(x,
						   x->ndirs > 1 ? "cannot open a trace directory"
								: "cannot open the trace",
						   detail);
			if (x->ndirs > 1)
				nt_err_hint(e, "the directory was '%s'", x->dirs[i]);
			return nt_err_set(err, e);
		}
		x->nports += (unsigned)bt_component_source_get_output_port_count((*srcs)[i]);
	}
	return 0;
}

int nt_ctf_open(const char *path, const struct nt_ctf_opts *o, struct nt_ctf **out,
		struct nt_err **err)
{
	struct nt_ctf *x = calloc(1, sizeof(*x));
	const bt_component_source **srcs = NULL;
	const bt_component_sink *sink = NULL;
	unsigned k = 0;

	*out = NULL;
	if (!x || !(x->shown = strdup(o->shown ? o->shown : path)) ||
	    !(x->format = strdup(o->format ? o->format : "ctf"))) {
		nt_ctf_close(x);
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	}
	x->o = *o;
	x->o.shown = x->shown;
	x->o.format = x->format;
	if (resolve(x, path, err))
		goto fail;
	x->graph = bt_graph_create(0);
	if (!x->graph) {
		nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
		goto fail;
	}
	if (add_sources(x, &srcs, err))
		goto fail;
	if (!x->nports) {
		nt_err_set(err, nt_err_new(NT_E_INPUT,
					   "cannot read '%s': the trace has no data streams; the "
					   "directory holds only metadata",
					   x->shown));
		goto fail;
	}
	x->ports = calloc(x->nports, sizeof(*x->ports));
	x->heap = calloc(x->nports, sizeof(*x->heap));
	x->sink_cls = bt_component_class_sink_create("nettrail", sink_consume);
	if (!x->ports || !x->heap || !x->sink_cls ||
	    bt_component_class_sink_set_initialize_method(x->sink_cls, sink_init) ||
	    bt_component_class_sink_set_graph_is_configured_method(x->sink_cls, sink_configured) ||
	    bt_component_class_sink_set_finalize_method(x->sink_cls, sink_finalize)) {
		nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
		goto fail;
	}
	for (unsigned i = 0; i < x->nports; i++)
		x->ports[i].cpu = -1;
	if (bt_graph_add_sink_component_with_initialize_method_data(
		    x->graph, x->sink_cls, "nettrail", NULL, x, BT_LOGGING_LEVEL_ERROR, &sink) !=
	    BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
		nt_err_set(err, bt_fail(x, "cannot set up the reader", NULL));
		goto fail;
	}
	for (unsigned i = 0; i < x->ndirs; i++) {
		uint64_t n = bt_component_source_get_output_port_count(srcs[i]);

		for (uint64_t j = 0; j < n; j++, k++) {
			if (bt_graph_connect_ports(
				    x->graph,
				    bt_component_source_borrow_output_port_by_index_const(srcs[i],
											  j),
				    bt_component_sink_borrow_input_port_by_index_const(sink, k),
				    NULL) != BT_GRAPH_CONNECT_PORTS_STATUS_OK) {
				nt_err_set(err, bt_fail(x, "cannot connect a stream", NULL));
				goto fail;
			}
		}
	}
	free(srcs);
	*out = x;
	return 0;
fail:
	free(srcs);
	nt_ctf_close(x);
	return -1;
}

static void finish(struct nt_ctf *x)
{
	char num[32];
	unsigned ncpu = 0;

	if (!x->info_sent) { /* no stream ever began */
		nt_batch_info(x->b, "format", x->format);
		x->info_sent = true;
	}
	for (unsigned i = 0; i < x->ncur; i++)
		ncpu += x->cpu_seen[i];
	if (ncpu) {
		snprintf(num, sizeof(num), "%u", ncpu);
		nt_batch_info(x->b, "ncpus", num);
	}
	snprintf(num, sizeof(num), "%u", x->nports);
	nt_batch_info(x->b, "streams", num);
	if (x->backwards)
		nt_batch_warn(x->b,
			      "%" PRIu64 " events are earlier than the event before them (first: "
			      "stream '%s' at %" PRIu64 " ns, %" PRIu64
			      " ns before the previous event); they were imported in stream order",
			      x->backwards, x->back_stream, x->back_ts, x->back_prev - x->back_ts);
	if (x->no_clock)
		nt_batch_warn(x->b,
			      "%" PRIu64 " events belong to streams without a clock; they were "
			      "stored with timestamp 0",
			      x->no_clock);
	if (x->bad_ts)
		nt_batch_warn(x->b,
			      "%" PRIu64
			      " events were skipped: their time does not fit in 64-bit nanoseconds "
			      "from the clock's origin (first after event %" PRIu64 ")",
			      x->bad_ts, x->bad_ts_first);
	if (x->discarded_packets)
		nt_batch_warn(x->b,
			      "%" PRIu64 " packets were lost by the tracer; their events are "
			      "counted as lost with an unknown count",
			      x->discarded_packets);
}

enum nt_next nt_ctf_next(struct nt_ctf *x, struct nt_batch *b, struct nt_err **err)
{
	bt_graph_run_once_status st;

	x->b = b;
	st = bt_graph_run_once(x->graph);
	switch (st) {
	case BT_GRAPH_RUN_ONCE_STATUS_OK:
	case BT_GRAPH_RUN_ONCE_STATUS_AGAIN:
		return NT_NEXT_OK;
	case BT_GRAPH_RUN_ONCE_STATUS_END:
		finish(x);
		return NT_NEXT_END;
	default:
		if (x->err) {
			bt_current_thread_clear_error();
			nt_err_set(err, x->err);
			x->err = NULL;
		} else if (b->oom) {
			bt_current_thread_clear_error();
			nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory while reading '%s'",
						   x->shown));
		} else {
			char where[64];

			snprintf(where, sizeof(where), "after %" PRIu64 " events", x->events);
			nt_err_set(err, bt_fail(x, where, NULL));
		}
		return NT_NEXT_ERROR;
	}
}

/* ---- the reader ---- */

static int ctf_open(const char *path, void **state, struct nt_err **err)
{
	struct nt_ctf_opts o = {.format = "ctf", .shown = path};

	return nt_ctf_open(path, &o, (struct nt_ctf **)state, err);
}

static enum nt_next ctf_next(void *state, struct nt_batch *b, struct nt_err **err)
{
	return nt_ctf_next(state, b, err);
}

static void ctf_close(void *state)
{
	nt_ctf_close(state);
}

const struct nt_reader_ops nt_ctf_reader = {
	.name = "ctf",
	.help = "CTF 1.8 trace directories: LTTng kernel traces, perf data convert --to-ctf output",
	.probe = probe,
	.open = ctf_open,
	.next = ctf_next,
	.close = ctf_close,
};
