/* SPDX-License-Identifier: GPL-2.0 */
/*
 * function_graph pairing: per-task stacks of open calls, turned into funcgraph:call events
 * when they close. Shared by the text readers and the trace.dat reader (see funcgraph.h).
 */
#include "funcgraph.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <traceevent/event-parse.h>

struct frame {
	uint64_t id;
	int64_t parent;	   /* call id of the caller, -1: none */
	uint64_t ts;	   /* entry time, NT_FGRAPH_NO_TS when unknown */
	uint64_t child_ts; /* entry time of the first recorded callee (for unseen entries) */
	char *func;	   /* owned, NULL when unknown */
	int depth;
	int32_t cpu, pid;
	bool seen; /* the entry was recorded */
};

struct stack {
	int32_t kcpu, kpid; /* the key */
	struct frame *f;    /* owned */
	unsigned n, cap;
	struct stack *next; /* bucket chain */
};

struct nt_fgraph {
	uint32_t class_id;
	bool defined;
	uint64_t next_id;
	struct stack **bucket; /* owned */
	unsigned nbucket;
	struct nt_fgraph_stats st;
};

static const struct nt_field_def call_fields[] = {
	{"function", NT_VAL_TEXT, NT_FIELD_SYMBOL},
	{"depth", NT_VAL_INT, 0},
	{"duration_ns", NT_VAL_INT, 0},
	{"call_id", NT_VAL_INT, 0},
	{"parent_id", NT_VAL_INT, 0},
	{"exit_ts", NT_VAL_INT, 0},
	{"entry_seen", NT_VAL_INT, 0},
};

struct nt_fgraph *nt_fgraph_new(uint32_t class_id)
{
	struct nt_fgraph *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->nbucket = 256;
	g->bucket = calloc(g->nbucket, sizeof(*g->bucket));
	if (!g->bucket) {
		free(g);
		return NULL;
	}
	g->class_id = class_id;
	g->next_id = 1;
	return g;
}

void nt_fgraph_free(struct nt_fgraph *g)
{
	if (!g)
		return;
	for (unsigned i = 0; i < g->nbucket; i++) {
		struct stack *s = g->bucket[i], *nx;

		for (; s; s = nx) {
			nx = s->next;
			for (unsigned j = 0; j < s->n; j++)
				free(s->f[j].func);
			free(s->f);
			free(s);
		}
	}
	free(g->bucket);
	free(g);
}

void nt_fgraph_get_stats(const struct nt_fgraph *g, struct nt_fgraph_stats *st)
{
	*st = g->st;
}

/* ---- stacks ---- */

static void key_of(int32_t cpu, int32_t pid, int32_t *kcpu, int32_t *kpid)
{
	*kcpu = pid > 0 ? -1 : cpu;
	*kpid = pid;
}

static unsigned hash_key(const struct nt_fgraph *g, int32_t kcpu, int32_t kpid)
{
	return (((uint32_t)kpid * 2654435761u) ^ ((uint32_t)kcpu * 40503u)) % g->nbucket;
}

static struct stack *find_stack(struct nt_fgraph *g, int32_t cpu, int32_t pid, bool create)
{
	int32_t kc, kp;
	unsigned h;
	struct stack *s;

	key_of(cpu, pid, &kc, &kp);
	h = hash_key(g, kc, kp);
	for (s = g->bucket[h]; s; s = s->next)
		if (s->kcpu == kc && s->kpid == kp)
			return s;
	if (!create)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->kcpu = kc;
	s->kpid = kp;
	s->next = g->bucket[h];
	g->bucket[h] = s;
	return s;
}

static struct frame *push(struct stack *s)
{
	if (s->n == s->cap) {
		unsigned cap = s->cap ? s->cap * 2 : 16;
		struct frame *f = realloc(s->f, cap * sizeof(*f));

		if (!f)
			return NULL;
		s->f = f;
		s->cap = cap;
	}
	memset(&s->f[s->n], 0, sizeof(s->f[0]));
	return &s->f[s->n++];
}

static struct frame *top(struct stack *s)
{
	return s->n ? &s->f[s->n - 1] : NULL;
}

/* ---- emitting ---- */

static void define(struct nt_fgraph *g, struct nt_batch *b)
{
	if (g->defined)
		return;
	nt_batch_class(
		b, &(struct nt_class_def){.id = g->class_id,
					  .system = "funcgraph",
					  .name = "call",
					  .orig = "function_graph",
					  .format = NULL,
					  .nfields = sizeof(call_fields) / sizeof(call_fields[0]),
					  .fields = call_fields});
	g->defined = true;
}

/* Emit @f, returned at @exit_ts (or NO_TS) after @dur ns (or NO_DURATION). */
static void emit(struct nt_fgraph *g, struct nt_batch *b, const struct frame *f, uint64_t exit_ts,
		 int64_t dur)
{
	uint64_t ts = 0;

	define(g, b);
	if (dur < 0 && f->seen && f->ts != NT_FGRAPH_NO_TS && exit_ts != NT_FGRAPH_NO_TS &&
	    exit_ts >= f->ts)
		dur = (int64_t)(exit_ts - f->ts);
	if (f->seen && f->ts != NT_FGRAPH_NO_TS)
		ts = f->ts;
	else if (!f->seen && exit_ts != NT_FGRAPH_NO_TS && dur >= 0 && exit_ts >= (uint64_t)dur)
		ts = exit_ts - (uint64_t)dur;
	else if (!f->seen && f->child_ts != NT_FGRAPH_NO_TS)
		ts = f->child_ts;
	nt_batch_event_begin(b, g->class_id, ts, f->cpu, f->pid);
	if (f->func)
		nt_batch_text(b, f->func, strlen(f->func));
	else
		nt_batch_null(b);
	nt_batch_int(b, f->depth);
	if (dur >= 0)
		nt_batch_int(b, dur);
	else
		nt_batch_null(b);
	nt_batch_int(b, (int64_t)f->id);
	if (f->parent >= 0)
		nt_batch_int(b, f->parent);
	else
		nt_batch_null(b);
	if (exit_ts != NT_FGRAPH_NO_TS)
		nt_batch_int(b, (int64_t)exit_ts);
	else
		nt_batch_null(b);
	nt_batch_int(b, f->seen);
	nt_batch_event_end(b);
	g->st.calls++;
	if (!f->seen)
		g->st.entry_unseen++;
}

/* Pop the top frame as never closed. */
static void pop_open(struct nt_fgraph *g, struct nt_batch *b, struct stack *s)
{
	struct frame *f = &s->f[--s->n];

	emit(g, b, f, NT_FGRAPH_NO_TS, NT_FGRAPH_NO_DURATION);
	g->st.unclosed++;
	free(f->func);
}

/* Callers of a record at @depth whose entries were not recorded: frames up to @depth - 1. */
static int fill_callers(struct nt_fgraph *g, struct stack *s, int32_t cpu, int32_t pid, int depth)
{
	int d = s->n ? top(s)->depth + 1 : 0;

	for (; d < depth; d++) {
		struct frame *p = top(s), *f;
		int64_t parent = p ? (int64_t)p->id : -1;

		f = push(s);
		if (!f)
			return -1;
		f->id = g->next_id++;
		f->parent = parent;
		f->ts = f->child_ts = NT_FGRAPH_NO_TS;
		f->depth = d;
		f->cpu = cpu;
		f->pid = pid;
	}
	return 0;
}

/* A recorded call started at @ts: the frames whose entries are unknown learn that time. */
static void note_child_ts(struct stack *s, uint64_t ts)
{
	if (ts == NT_FGRAPH_NO_TS)
		return;
	for (unsigned i = s->n; i-- > 0;) {
		struct frame *f = &s->f[i];

		if (f->seen || f->child_ts != NT_FGRAPH_NO_TS)
			break;
		f->child_ts = ts;
	}
}

/* Common start of entry and leaf: close what is at @depth or deeper, fill missing callers. */
static struct stack *prepare(struct nt_fgraph *g, struct nt_batch *b, int32_t cpu, int32_t pid,
			     int depth, int *rc)
{
	struct stack *s;

	*rc = 0;
	if (depth < 0 || depth > NT_FGRAPH_MAX_DEPTH) {
		*rc = NT_FGRAPH_BAD_DEPTH;
		return NULL;
	}
	s = find_stack(g, cpu, pid, true);
	if (!s) {
		*rc = -1;
		return NULL;
	}
	while (s->n && top(s)->depth >= depth)
		pop_open(g, b, s);
	if (fill_callers(g, s, cpu, pid, depth)) {
		*rc = -1;
		return NULL;
	}
	return s;
}

int nt_fgraph_entry(struct nt_fgraph *g, struct nt_batch *b, int32_t cpu, int32_t pid, uint64_t ts,
		    const char *func, int depth)
{
	int rc;
	struct stack *s = prepare(g, b, cpu, pid, depth, &rc);
	struct frame *p, *f;
	int64_t parent;
	char *name = NULL;

	if (!s)
		return rc;
	note_child_ts(s, ts);
	p = top(s);
	parent = p ? (int64_t)p->id : -1;
	if (func && !(name = strdup(func)))
		return -1;
	f = push(s);
	if (!f) {
		free(name);
		return -1;
	}
	f->id = g->next_id++;
	f->parent = parent;
	f->ts = ts;
	f->child_ts = NT_FGRAPH_NO_TS;
	f->func = name;
	f->depth = depth;
	f->cpu = cpu;
	f->pid = pid;
	f->seen = true;
	return 0;
}

int nt_fgraph_leaf(struct nt_fgraph *g, struct nt_batch *b, int32_t cpu, int32_t pid, uint64_t ts,
		   const char *func, int depth, int64_t duration)
{
	int rc;
	struct stack *s = prepare(g, b, cpu, pid, depth, &rc);
	struct frame f = {0};
	struct frame *p;
	uint64_t exit_ts = NT_FGRAPH_NO_TS;

	if (!s)
		return rc;
	note_child_ts(s, ts);
	p = top(s);
	f.id = g->next_id++;
	f.parent = p ? (int64_t)p->id : -1;
	f.ts = ts;
	f.child_ts = NT_FGRAPH_NO_TS;
	f.func = (char *)func;
	f.depth = depth;
	f.cpu = cpu;
	f.pid = pid;
	f.seen = true;
	if (ts != NT_FGRAPH_NO_TS && duration >= 0)
		exit_ts = ts + (uint64_t)duration;
	emit(g, b, &f, exit_ts, duration);
	return 0;
}

int nt_fgraph_exit(struct nt_fgraph *g, struct nt_batch *b, int32_t cpu, int32_t pid, uint64_t ts,
		   const char *func, int depth, int64_t duration)
{
	struct stack *s;
	struct frame *f;

	if (depth < 0 || depth > NT_FGRAPH_MAX_DEPTH)
		return NT_FGRAPH_BAD_DEPTH;
	s = find_stack(g, cpu, pid, true);
	if (!s)
		return -1;
	while (s->n && top(s)->depth > depth)
		pop_open(g, b, s);
	if (!s->n || top(s)->depth < depth) {
		/* the entry is not on record: make the frame (and its callers') from the exit */
		if (fill_callers(g, s, cpu, pid, depth + 1))
			return -1;
	}
	f = top(s);
	if (func) {
		if (!f->func) {
			f->func = strdup(func);
			if (!f->func)
				return -1;
		} else if (strcmp(f->func, func)) {
			g->st.mismatched++;
		}
	}
	s->n--;
	emit(g, b, f, ts, duration);
	free(f->func);
	return 0;
}

int nt_fgraph_switch(struct nt_fgraph *g, struct nt_batch *b, int32_t cpu, int32_t prev_pid,
		     int32_t next_pid)
{
	struct stack *from = find_stack(g, cpu, -1, false), *to;

	(void)next_pid;
	if (!from || !from->n || prev_pid < 0)
		return 0;
	to = find_stack(g, cpu, prev_pid, true);
	if (!to)
		return -1;
	if (to == from)
		return 0;
	while (to->n)
		pop_open(g, b, to);
	/* move the frames: they now belong to prev_pid */
	free(to->f);
	to->f = from->f;
	to->n = from->n;
	to->cap = from->cap;
	from->f = NULL;
	from->n = from->cap = 0;
	for (unsigned i = 0; i < to->n; i++)
		to->f[i].pid = prev_pid;
	return 0;
}

int nt_fgraph_open_depth(struct nt_fgraph *g, int32_t cpu, int32_t pid)
{
	struct stack *s = find_stack(g, cpu, pid, false);

	return s ? (int)s->n : 0;
}

int nt_fgraph_find_open(struct nt_fgraph *g, int32_t cpu, int32_t pid, const char *func)
{
	struct stack *s = find_stack(g, cpu, pid, false);

	for (unsigned i = s ? s->n : 0; i-- > 0;)
		if (s->f[i].func && !strcmp(s->f[i].func, func))
			return s->f[i].depth;
	return -1;
}

const char *nt_fgraph_caller(struct nt_fgraph *g, int32_t cpu, int32_t pid)
{
	struct stack *s = find_stack(g, cpu, pid, false);

	return s && s->n >= 2 ? s->f[s->n - 2].func : NULL;
}

int nt_fgraph_flush(struct nt_fgraph *g, struct nt_batch *b)
{
	char num[32];

	for (unsigned i = 0; i < g->nbucket; i++)
		for (struct stack *s = g->bucket[i]; s; s = s->next)
			while (s->n)
				pop_open(g, b, s);
	if (!g->st.calls)
		return b->oom ? -1 : 0;
	snprintf(num, sizeof(num), "%" PRIu64, g->st.calls);
	nt_batch_info(b, "funcgraph_calls", num);
	snprintf(num, sizeof(num), "%" PRIu64, g->st.unclosed);
	nt_batch_info(b, "funcgraph_unclosed", num);
	snprintf(num, sizeof(num), "%" PRIu64, g->st.entry_unseen);
	nt_batch_info(b, "funcgraph_entry_unseen", num);
	snprintf(num, sizeof(num), "%" PRIu64, g->st.mismatched);
	nt_batch_info(b, "funcgraph_mismatched", num);
	return b->oom ? -1 : 0;
}

/* ---- trace.dat records ---- */

int nt_fgraph_tep_record(struct nt_fgraph **g, uint32_t *next_class, struct nt_batch *b,
			 struct tep_handle *tep, struct tep_event *ev, struct tep_record *rec,
			 int32_t pid)
{
	unsigned long long func, depth, calltime, rettime;
	int64_t dur = NT_FGRAPH_NO_DURATION;
	const char *name;
	char addr[24];
	bool entry;

	if (!ev->system || strcmp(ev->system, "ftrace") || !ev->name)
		return 0;
	if (!strcmp(ev->name, "funcgraph_entry") || !strcmp(ev->name, "fgraph_retaddr_entry"))
		entry = true;
	else if (!strcmp(ev->name, "funcgraph_exit"))
		entry = false;
	else
		return 0;
	if (tep_get_field_val(NULL, ev, "func", rec, &func, 0) ||
	    tep_get_field_val(NULL, ev, "depth", rec, &depth, 0))
		return NT_FGRAPH_BAD_DEPTH;
	name = tep_find_function(tep, func);
	if (!name) {
		snprintf(addr, sizeof(addr), "0x%llx", func);
		name = addr;
	}
	if (!*g && !(*g = nt_fgraph_new((*next_class)++)))
		return -1;
	if (entry)
		return nt_fgraph_entry(*g, b, rec->cpu, pid, rec->ts, name, (int)(int32_t)depth);
	if (!tep_get_field_val(NULL, ev, "calltime", rec, &calltime, 0) &&
	    !tep_get_field_val(NULL, ev, "rettime", rec, &rettime, 0) && rettime >= calltime &&
	    rettime - calltime <= INT64_MAX)
		dur = (int64_t)(rettime - calltime);
	return nt_fgraph_exit(*g, b, rec->cpu, pid, rec->ts, name, (int)(int32_t)depth, dur);
}
