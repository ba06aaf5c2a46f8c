/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What each babeltrace2 message becomes: an event a row (with its cpu, running task and the
 * task names it announces), a stream beginning the trace's facts, a packet beginning the
 * stream's cpu, discarded events and packets lost events.
 */
#include "ctf_int.h"
#include "funcgraph.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CPU 65535

/* ---- tasks by pid ---- */

struct task {
	int32_t pid; /* -1: free slot */
	char comm[32];
};

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

/*
 * An LTTng kretprobe's entry or return: a function_graph call to pair. Calls nest per thread
 * (a kretprobe's return runs on the task that entered, on whatever cpu it then runs), so they
 * are paired by tid (by cpu when the tid is 0 or unknown); the depth is the thread's number of
 * open calls of the traced functions.
 */
static void put_kret(struct nt_ctf *x, const struct cls *c, int32_t cpu, int32_t pid, uint64_t ts)
{
	int depth, rc;

	if (!x->fg && !(x->fg = nt_fgraph_new(x->next_id++))) {
		x->b->oom = true;
		return;
	}
	if (c->kret == KRET_ENTRY) {
		depth = nt_fgraph_open_depth(x->fg, cpu, pid);
		rc = nt_fgraph_entry(x->fg, x->b, cpu, pid, ts, c->kfunc, depth);
	} else {
		depth = nt_fgraph_find_open(x->fg, cpu, pid, c->kfunc);
		if (depth < 0)
			depth = nt_fgraph_open_depth(x->fg, cpu, pid);
		rc = nt_fgraph_exit(x->fg, x->b, cpu, pid, ts, c->kfunc, depth,
				    NT_FGRAPH_NO_DURATION);
	}
	if (rc < 0)
		x->b->oom = true;
	else if (rc == NT_FGRAPH_BAD_DEPTH)
		x->kret_too_deep++;
}

void nt_ctf_finish_calls(struct nt_ctf *x)
{
	if (x->fg && nt_fgraph_flush(x->fg, x->b))
		x->b->oom = true;
	if (x->kret_too_deep)
		nt_batch_warn(x->b,
			      "%" PRIu64 " kretprobe events were not paired: more than %d calls "
			      "open in one thread",
			      x->kret_too_deep, NT_FGRAPH_MAX_DEPTH);
}

void nt_ctf_put_event(struct nt_ctf *x, struct port *p, const bt_message *m)
{
	const bt_event *ev = bt_message_event_borrow_event_const(m);
	struct cls *c = nt_ctf_class(x, ev);
	int32_t cpu = p->cpu, pid = -1;
	int64_t v;
	static const enum scope order[] = {S_PAYLOAD, S_SPEC_CTX, S_COMMON_CTX};

	if (!c) {
		x->b->oom = true;
		return;
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
		if (f && order[i] == S_PAYLOAD)
			nt_ctf_put_payload(x, c, f);
		else if (f)
			nt_ctf_put_field(x, f);
	}
	nt_batch_event_end(x->b);
	if (c->kret)
		put_kret(x, c, cpu, pid, p->ts);
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
	bool perf = nt_ctf_trace_is_perf(tr);
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

void nt_ctf_on_other(struct nt_ctf *x, struct port *p, const bt_message *m)
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
