/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The CTF reader (LTTng kernel traces, `perf data convert --to-ctf` output) through
 * libbabeltrace2: src.ctf.fs feeds our own sink component, one input port per stream, and the
 * sink merges the streams by time itself (tolerating a stream that steps back in time, which
 * babeltrace2's muxer refuses). What the messages become is in ctf_class.c and ctf_msg.c.
 */
#include "ctf_int.h"
#include "funcgraph.h"
#include "../core/sys.h"

#include <dirent.h>
#include <errno.h>
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

#define MAX_TRACE_DIRS 256
#define MAX_DEPTH      6

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
 * libbabeltrace2 2.0.4's ctf source can end a stream on a decoding error (e.g. "cannot handle
 * state DSCOPE_EVENT_PAYLOAD_CONTINUE", an event running past its packet's content) with the
 * error set and the stream's end as the status. Say so (before, the rest of the stream was
 * dropped in silence) and clear the error: left set, it made libbabeltrace2 abort in the next
 * call that checks for one (bt_graph_create() of the next trace opened by the process).
 */
static void stream_error(struct nt_ctf *x, struct port *p)
{
	const bt_error *e = bt_current_thread_take_error();
	char msg[512];

	if (!e)
		return;
	bt_current_thread_move_error(e);
	bt_error_text(msg, sizeof(msg));
	nt_batch_warn(
		x->b,
		"stream '%s' ended early on an error: %s; the rest of the stream was not read",
		p->name ? p->name : "?", msg);
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
				stream_error(x, p);
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
			/* skipped, counted and reported: drop the error the conversion left set
			 * (libbabeltrace2's next graph would abort on it, a precondition) */
			bt_current_thread_clear_error();
			if (!x->bad_ts++)
				x->bad_ts_first = x->events;
		} else {
			nt_ctf_on_other(x, p, m);
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
		nt_ctf_put_event(x, p, p->msgs[p->at]);
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
		nt_ctf_class_free(x->ctab[i]);
	nt_fgraph_free(x->fg);
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

/*
 * babeltrace2's "ctf" plugin, found once per process and kept (a new reference for each
 * reader, @x->plugin): bt_plugin_find() dlopens every plugin of babeltrace2's system directory
 * and the last reference dlcloses them, about half of the cost of opening a small trace (the
 * fuzz target opens one per input: 7.9 ms before, 4.0 ms after). An import's reader process opens one trace, so
 * nothing changes there; a process that opens several keeps the plugin loaded between them.
 * The kept reference lives as long as the process (never released: no plugin is dlclosed
 * while exit handlers run). NULL when the plugin is not installed (looked for again on the
 * next open). No lock: the readers run in one thread.
 */
static const bt_plugin *ctf_plugin(void)
{
	static const bt_plugin *kept;

	if (!kept && bt_plugin_find("ctf", BT_FALSE, BT_FALSE, BT_TRUE, BT_TRUE, BT_FALSE, &kept) !=
			     BT_PLUGIN_FIND_STATUS_OK)
		kept = NULL;
	if (kept)
		bt_plugin_get_ref(kept);
	return kept;
}

static int add_sources(struct nt_ctf *x, const bt_component_source ***srcs, struct nt_err **err)
{
	const bt_component_class_source *cc;

	if (!(x->plugin = ctf_plugin()) ||
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
	nt_ctf_finish_calls(x);
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
