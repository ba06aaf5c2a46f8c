/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The trace-cmd trace.dat reader (v6 and v7, through libtracecmd + libtraceevent). Each event
 * type becomes a class whose fields come from its format; symbolic fields are decoded from the
 * format's own __print_symbolic/__print_flags tables and %pS fields resolved through the
 * trace's kallsyms. CPUs (and buffer instances) are merged in timestamp order.
 */
#include "reader.h"
#include "tracecmd_private.h"
#include "tracedat_header.h"
#include "tracedat_pages.h"
#include "funcgraph.h"
#include "tep_fields.h"
#include "../core/sys.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <traceevent/event-parse.h>

struct cls {
	uint32_t id;
	struct tep_event *ev; /* weak */
	struct nt_tep_cols cols;
};

struct head {
	struct tracecmd_input *h; /* weak */
	int cpu;
	struct tep_record *rec; /* owned: next record of this cpu, or NULL when done */
	uint64_t last_ts;
};

struct pidset {
	int32_t *key;
	unsigned cap, n;
};

struct tracedat {
	char *path;
	struct nt_td_layout layout;
	struct nt_td_pages *pages;    /* owned: direct page reader, or NULL to use libtracecmd's */
	struct nt_fgraph *fg;	      /* owned: function_graph pairing, or NULL */
	struct tracecmd_input *h;     /* owned */
	struct tracecmd_input **inst; /* owned: buffer instances */
	int ninst;
	struct tep_handle *tep; /* weak */
	struct head *heads;
	int nheads;
	struct cls **by_id; /* owned, indexed by event id */
	int max_id;
	uint32_t next_class;
	struct pidset pids;
	bool info_sent;
	uint64_t unknown_type;
	int unknown_first_id;
};

static int probe(const char *path, const unsigned char *head, size_t n)
{
	(void)path;
	if (n >= 10 && head[0] == 0x17 && head[1] == 0x08 && head[2] == 0x44 &&
	    !memcmp(head + 3, "tracing", 7))
		return 100;
	return 0;
}

/* ---- pid set (which tasks were announced) ---- */

static bool pidset_add(struct pidset *s, int32_t pid)
{
	unsigned i;

	if (s->n * 2 >= s->cap) {
		unsigned cap = s->cap ? s->cap * 2 : 1024;
		int32_t *k = malloc(cap * sizeof(*k));
		if (!k)
			return false;
		for (i = 0; i < cap; i++)
			k[i] = -1;
		for (i = 0; i < s->cap; i++) {
			if (s->key[i] >= 0) {
				unsigned j = ((uint32_t)s->key[i] * 2654435761u) & (cap - 1);
				while (k[j] >= 0)
					j = (j + 1) & (cap - 1);
				k[j] = s->key[i];
			}
		}
		free(s->key);
		s->key = k;
		s->cap = cap;
	}
	i = ((uint32_t)pid * 2654435761u) & (s->cap - 1);
	while (s->key[i] >= 0) {
		if (s->key[i] == pid)
			return false;
		i = (i + 1) & (s->cap - 1);
	}
	s->key[i] = pid;
	s->n++;
	return true;
}

static void cls_free(struct cls *c)
{
	if (!c)
		return;
	nt_tep_cols_release(&c->cols);
	free(c);
}

static struct cls *cls_new(struct tracedat *t, struct tep_event *ev, struct nt_batch *b)
{
	struct cls *c = calloc(1, sizeof(*c));
	char *fmt;

	if (!c)
		return NULL;
	c->ev = ev;
	if (nt_tep_cols_init(&c->cols, ev, 0)) {
		cls_free(c);
		return NULL;
	}
	c->id = t->next_class++;
	fmt = nt_tep_format_text(ev);
	nt_batch_class(b, &(struct nt_class_def){.id = c->id,
						 .system = ev->system,
						 .name = ev->name,
						 .orig = ev->name,
						 .format = fmt,
						 .nfields = c->cols.ndefs,
						 .fields = c->cols.defs});
	free(fmt);
	return c;
}

/* ---- trace facts ---- */

static void send_cpustats(struct nt_batch *b, const char *stats)
{
	int cpu = -1;
	int64_t lost = 0;
	const char *p = stats;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);
		long long v;

		if (sscanf(p, "CPU: %d", &cpu) == 1) {
			lost = 0;
		} else if (cpu >= 0 && (sscanf(p, "overrun: %lld", &v) == 1 ||
					sscanf(p, "commit overrun: %lld", &v) == 1 ||
					sscanf(p, "dropped events: %lld", &v) == 1)) {
			lost = nt_count_add(lost, v);
		} else if (cpu >= 0 && !strncmp(p, "read events:", 12)) {
			/* the last line of a cpu's block */
			nt_batch_cpu(b, cpu, lost);
			cpu = -1;
		}
		(void)l;
		p = nl ? nl + 1 : NULL;
	}
	if (cpu >= 0)
		nt_batch_cpu(b, cpu, lost);
}

static void send_info(struct tracedat *t, struct nt_batch *b)
{
	char num[32];
	const char *uname = tracecmd_get_uname(t->h);
	const char *clock = tracecmd_get_trace_clock(t->h);
	const char *stats = tracecmd_get_cpustats(t->h);

	nt_batch_info(b, "format", "tracedat");
	snprintf(num, sizeof(num), "%lu", tracecmd_get_in_file_version(t->h));
	nt_batch_info(b, "file_version", num);
	snprintf(num, sizeof(num), "%d", tracecmd_cpus(t->h));
	nt_batch_info(b, "ncpus", num);
	snprintf(num, sizeof(num), "%d", tracecmd_page_size(t->h));
	nt_batch_info(b, "page_size", num);
	snprintf(num, sizeof(num), "%d", tep_get_long_size(t->tep));
	nt_batch_info(b, "long_size", num);
	nt_batch_info(b, "byte_order", tep_is_file_bigendian(t->tep) ? "big" : "little");
	if (clock)
		nt_batch_info(b, "clock", clock);
	if (uname) {
		/* "sysname nodename release machine" (trace-cmd's layout) */
		char sys[64], node[256], rel[256], mach[64];
		nt_batch_info(b, "uname", uname);
		if (sscanf(uname, "%63s %255s %255s %63s", sys, node, rel, mach) == 4) {
			nt_batch_info(b, "hostname", node);
			nt_batch_info(b, "kernel", rel);
			nt_batch_info(b, "arch", mach);
		}
	}
	for (int i = 0; i < t->ninst; i++)
		nt_batch_info(b, "buffer_instance", tracecmd_buffer_instance_name(t->h, i));
	if (stats)
		send_cpustats(b, stats);
}

/* ---- reader methods ---- */

static void td_close(void *state)
{
	struct tracedat *t = state;

	if (!t)
		return;
	for (int i = 0; i < t->nheads; i++)
		if (t->heads[i].rec)
			tracecmd_free_record(t->heads[i].rec);
	free(t->heads);
	if (t->by_id)
		for (int i = 0; i <= t->max_id; i++)
			cls_free(t->by_id[i]);
	free(t->by_id);
	for (int i = 0; i < t->ninst; i++)
		if (t->inst[i])
			tracecmd_close(t->inst[i]);
	free(t->inst);
	if (t->h)
		tracecmd_close(t->h);
	free(t->pids.key);
	nt_td_pages_close(t->pages);
	nt_fgraph_free(t->fg);
	nt_td_layout_release(&t->layout);
	free(t->path);
	free(t);
}

/* Cpus and buffer instances a file may have, as the layout walk (tracedat_header.c) allows. */
#define MAX_CPUS 4096

/* A reader per cpu of @h. -1 without memory, -2 for an impossible cpu count. */
static int add_heads(struct tracedat *t, struct tracecmd_input *h)
{
	int ncpu = tracecmd_cpus(h);
	struct head *nh;

	if (ncpu <= 0)
		return 0;
	if (ncpu > MAX_CPUS || t->nheads > MAX_CPUS * 8)
		return -2;
	nh = realloc(t->heads, (size_t)(t->nheads + ncpu) * sizeof(*nh));
	if (!nh)
		return -1;
	t->heads = nh;
	for (int c = 0; c < ncpu; c++) {
		struct head *hd = &t->heads[t->nheads++];
		hd->h = h;
		hd->cpu = c;
		hd->last_ts = 0;
		hd->rec = tracecmd_read_data(h, c);
	}
	return 0;
}

/* Close @t after add_heads() or an allocation failed with @r (-1 or -2). Returns -1. */
static int heads_fail(struct tracedat *t, int r, struct nt_err **err)
{
	struct nt_err *e =
		r == -2 ? nt_err_new(NT_E_INPUT,
				     "cannot read '%s': libtracecmd reports more than %d cpus or "
				     "buffer instances; the file is corrupt",
				     t->path, MAX_CPUS)
			: nt_err_new(NT_E_FAIL, "out of memory");

	td_close(t);
	return nt_err_set(err, e);
}

static int td_open(const char *path, void **state, struct nt_err **err)
{
	struct tracedat *t = calloc(1, sizeof(*t));
	struct nt_err *e = NULL;
	int r;

	*state = NULL;
	if (!t || !(t->path = strdup(path))) {
		free(t);
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	}
	if (nt_tracedat_layout(path, &t->layout, &e)) {
		td_close(t);
		return nt_err_set(err, e);
	}
	/* a debugging switch (and the differential test): read pages with libtracecmd */
	if (getenv("NETTRAIL_TRACEDAT_LIBTRACECMD"))
		t->layout.direct = false;
	/* with direct page reading, libtracecmd only reads the headers */
	t->h = t->layout.direct ? tracecmd_open_head(path, TRACECMD_FL_LOAD_NO_PLUGINS)
				: tracecmd_open(path, TRACECMD_FL_LOAD_NO_PLUGINS);
	if (!t->h) {
		int en = errno;
		td_close(t);
		return nt_err_set(err, nt_err_new(NT_E_INPUT,
						  "cannot read '%s': libtracecmd rejected it (%s); "
						  "the file is not a complete trace-cmd file",
						  path, en ? strerror(en) : "bad header"));
	}
	t->tep = tracecmd_get_tep(t->h);
	if (t->layout.direct) {
		int klong = tep_get_header_page_size(t->tep);
		if (nt_td_pages_open(path, &t->layout,
				     klong > 0 ? klong : tep_get_long_size(t->tep), &t->pages,
				     &e)) {
			td_close(t);
			return nt_err_set(err, e);
		}
	}
	t->max_id = 65535;
	t->by_id = calloc((size_t)t->max_id + 1, sizeof(*t->by_id));
	t->ninst = t->pages ? 0 : tracecmd_buffer_instances(t->h);
	if (t->ninst < 0)
		t->ninst = 0;
	if (t->ninst > MAX_CPUS)
		return heads_fail(t, -2, err);
	t->inst = calloc((size_t)t->ninst + 1, sizeof(*t->inst));
	if (!t->by_id || !t->inst)
		return heads_fail(t, -1, err);
	if (!t->pages && (r = add_heads(t, t->h)))
		return heads_fail(t, r, err);
	for (int i = 0; i < t->ninst; i++) {
		t->inst[i] = tracecmd_buffer_instance_handle(t->h, i);
		if (t->inst[i] && (r = add_heads(t, t->inst[i])))
			return heads_fail(t, r, err);
	}
	*state = t;
	return 0;
}

/* One record (from either page source) into the stream. */
static int emit(struct tracedat *t, struct nt_batch *b, struct tep_record *rec, uint64_t prev_ts,
		struct nt_err **err)
{
	struct cls *c;
	int id, pid;

	if (rec->missed_events)
		nt_batch_lost(b, rec->cpu, rec->missed_events > 0 ? rec->missed_events : -1,
			      prev_ts, rec->ts);
	id = tep_data_type(t->tep, rec);
	c = (id >= 0 && id <= t->max_id) ? t->by_id[id] : NULL;
	if (!c && id >= 0 && id <= t->max_id) {
		struct tep_event *ev = tep_find_event(t->tep, id);
		if (ev && !(c = t->by_id[id] = cls_new(t, ev, b)))
			return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	}
	if (!c) {
		if (!t->unknown_type++)
			t->unknown_first_id = id;
		return 0;
	}
	pid = tep_data_pid(t->tep, rec);
	if (pidset_add(&t->pids, pid)) {
		const char *comm = tep_data_comm_from_pid(t->tep, pid);
		nt_batch_task(b, pid, comm ? comm : "<...>");
	}
	nt_batch_event_begin(b, c->id, rec->ts, rec->cpu, pid);
	nt_tep_cols_put(t->tep, &c->cols, b, rec->data, rec->size,
			c->cols.ksym && t->fg ? nt_fgraph_caller(t->fg, rec->cpu, pid) : NULL);
	nt_batch_event_end(b);
	/* function_graph records also become calls (funcgraph:call) */
	if (nt_fgraph_tep_record(&t->fg, &t->next_class, b, t->tep, c->ev, rec, pid) < 0)
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	return 0;
}

/* The next record through libtracecmd: 1, or 0 at the end. */
static int next_libtracecmd(struct tracedat *t, struct nt_batch *b, struct nt_err **err)
{
	struct head *hd = NULL;
	struct tep_record *rec;
	uint64_t prev;
	int r;

	for (int i = 0; i < t->nheads; i++)
		if (t->heads[i].rec && (!hd || t->heads[i].rec->ts < hd->rec->ts))
			hd = &t->heads[i];
	if (!hd)
		return 0;
	rec = hd->rec;
	rec->cpu = hd->cpu;
	prev = hd->last_ts;
	hd->last_ts = rec->ts;
	r = emit(t, b, rec, prev, err);
	tracecmd_free_record(rec);
	hd->rec = tracecmd_read_data(hd->h, hd->cpu);
	return r < 0 ? -1 : 1;
}

/* The next record through the direct page reader: 1, 0 at the end, -1 on error. */
static int next_direct(struct tracedat *t, struct nt_batch *b, struct nt_err **err)
{
	struct nt_td_event ev;
	struct tep_record rec;
	int r = nt_td_pages_next(t->pages, &ev, err);

	if (r <= 0)
		return r;
	memset(&rec, 0, sizeof(rec));
	rec.ts = ev.ts;
	rec.cpu = ev.cpu;
	rec.data = ev.data;
	rec.size = ev.size;
	rec.record_size = ev.size;
	rec.missed_events = ev.missed;
	return emit(t, b, &rec, ev.prev_ts, err) < 0 ? -1 : 1;
}

static enum nt_next td_next(void *state, struct nt_batch *b, struct nt_err **err)
{
	struct tracedat *t = state;

	if (!t->info_sent) {
		send_info(t, b);
		t->info_sent = true;
	}
	while (b->len < NT_BATCH_TARGET) {
		int r = t->pages ? next_direct(t, b, err) : next_libtracecmd(t, b, err);

		if (r < 0)
			return NT_NEXT_ERROR;
		if (!r) {
			if (t->fg && nt_fgraph_flush(t->fg, b)) {
				nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
				return NT_NEXT_ERROR;
			}
			if (t->unknown_type)
				nt_batch_warn(
					b,
					"%" PRIu64 " records of unknown event types (first: id %d) "
					"were skipped; the trace's formats do not describe them",
					t->unknown_type, t->unknown_first_id);
			if (t->pages && nt_td_pages_bad(t->pages))
				nt_batch_warn(b,
					      "%" PRIu64
					      " ring-buffer pages with an impossible length "
					      "were skipped",
					      nt_td_pages_bad(t->pages));
			return NT_NEXT_END;
		}
		if (nt_interrupted) {
			nt_err_set(err, nt_err_new(NT_E_INTR, "interrupted"));
			return NT_NEXT_ERROR;
		}
	}
	return NT_NEXT_OK;
}

const struct nt_reader_ops nt_tracedat_reader = {
	.name = "tracedat",
	.help = "trace-cmd trace.dat files, versions 6 and 7 (also written by nettrail record)",
	.probe = probe,
	.open = td_open,
	.next = td_next,
	.close = td_close,
};
