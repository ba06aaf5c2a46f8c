/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to the CTF reader: the state of one trace being read, shared by the graph and the
 * merge (ctf.c), the event classes and field values (ctf_class.c) and what each message
 * becomes (ctf_msg.c).
 */
#ifndef NT_CTF_INT_H
#define NT_CTF_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <babeltrace2/babeltrace.h>

#include "ctf.h"

#define MAX_PAIRS 6

/* ---- state ---- */

/* Where a per-event fact (tid, comm, cpu) is found: a top-level member of one scope. */
enum scope { S_NONE, S_PAYLOAD, S_SPEC_CTX, S_COMMON_CTX };

struct ref {
	enum scope scope;
	uint64_t idx;
};

/*
 * LTTng kretprobes (lttng enable-event -k --function=SYM NAME; nettrail record --backend lttng
 * --graph): lttng-modules records NAME_entry and NAME_exit, payload { ip; parent_ip; }.
 */
enum kret { KRET_NONE, KRET_ENTRY, KRET_RETURN };

struct cls {
	const bt_event_class *ec; /* weak: the key */
	uint32_t id;
	struct ref tid, comm, cpu; /* context tid/pid and procname; perf_tid; perf_cpu */
	bool sched_switch;
	struct ref next_tid, prev_tid;
	unsigned npairs;
	struct ref pair_comm[MAX_PAIRS], pair_tid[MAX_PAIRS]; /* (comm, tid) announcements */
	uint64_t dropped; /* perf: the payload's top-level members not stored (bit = index) */
	enum kret kret;	  /* an LTTng kretprobe's entry or return event */
	char *kfunc;	  /* owned: its function (the event name without _entry/_exit) */
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

struct task; /* a pid and its name: ctf_msg.c */
struct nt_fgraph;

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

	struct nt_fgraph *fg; /* owned: kretprobe entries and returns paired into calls */
	uint64_t kret_too_deep;

	char *rbuf; /* JSON rendering buffer */
	size_t rlen, rcap;
};

/* ---- event classes and field values (ctf_class.c) ---- */

/*
 * The class of event @ev, made (and sent to the batch) on first sight. NULL when out of
 * memory.
 */
struct cls *nt_ctf_class(struct nt_ctf *x, const bt_event *ev);

/* Append the values of field @f: the columns decl_field() declared for its class. */
void nt_ctf_put_field(struct nt_ctf *x, const bt_field *f);
/* The same for the payload @f of an event of class @c, without its dropped members. */
void nt_ctf_put_payload(struct nt_ctf *x, const struct cls *c, const bt_field *f);

/* Free class @c (accepts NULL). */
void nt_ctf_class_free(struct cls *c);

/* Whether @tr was written by `perf data convert --to-ctf` (its tracer_name is "perf"). */
bool nt_ctf_trace_is_perf(const bt_trace *tr);

/* ---- messages (ctf_msg.c) ---- */

/* Append event message @m, the head of port @p, to the batch: its task names, then its row. */
void nt_ctf_put_event(struct nt_ctf *x, struct port *p, const bt_message *m);

/*
 * Handle a message other than an event that came through port @p: stream beginning (the
 * trace's facts, the stream's name), packet beginning (the cpu), discarded events and packets.
 */
void nt_ctf_on_other(struct nt_ctf *x, struct port *p, const bt_message *m);

/* End of the trace: the kretprobe calls still open, and their summary. */
void nt_ctf_finish_calls(struct nt_ctf *x);

#endif
