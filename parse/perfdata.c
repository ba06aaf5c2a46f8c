/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The perf.data reader: the file read natively (perfdata_file.c), each PERF_RECORD_SAMPLE
 * decoded by its attribute's sample_type, tracepoint payloads through the tracing data's
 * formats (tep_fields.c, as for trace.dat), events put in time order across cpus by perf's
 * ordered-events rule. Classes and fields are named as perf data convert --to-ctf named them;
 * that route stays for NETTRAIL_PERFDATA_CTF=1 and the files this one leaves to perf.
 */
#include "perfdata.h"
#include "ctf.h"
#include "perfdata_file.h"
#include "tep_fields.h"
#include "../core/sys.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <traceevent/event-parse.h>

/* sample_type bits (perf_event.h) */
#define S_IP		(1ull << 0)
#define S_TID		(1ull << 1)
#define S_TIME		(1ull << 2)
#define S_ADDR		(1ull << 3)
#define S_READ		(1ull << 4)
#define S_CALLCHAIN	(1ull << 5)
#define S_ID		(1ull << 6)
#define S_CPU		(1ull << 7)
#define S_PERIOD	(1ull << 8)
#define S_STREAM_ID	(1ull << 9)
#define S_RAW		(1ull << 10)
#define S_BRANCH_STACK	(1ull << 11)
#define S_REGS_USER	(1ull << 12)
#define S_STACK_USER	(1ull << 13)
#define S_WEIGHT	(1ull << 14)
#define S_DATA_SRC	(1ull << 15)
#define S_IDENTIFIER	(1ull << 16)
#define S_TRANSACTION	(1ull << 17)
#define S_WEIGHT_STRUCT (1ull << 24)
#define R_TOTAL_ENABLED (1ull << 0)
#define R_TOTAL_RUNNING (1ull << 1)
#define R_ID		(1ull << 2)
#define R_GROUP		(1ull << 3)
#define R_LOST		(1ull << 4)
#define BRANCH_HW_INDEX (1ull << 17)

#define MAX_CPU	  65535
#define MAX_PAIRS 5
#define QUEUE_MAX (256u << 20) /* bytes of queued records before the oldest are let go */
#define NGENERIC  9	       /* generic_defs() columns at most */
#define Q_COMM	  UINT32_MAX
#define Q_FORK	  (UINT32_MAX - 1)

extern const struct nt_reader_ops nt_perf_ctf_route;

/* A decoded sample: the parts the stream uses (weak pointers into the record). */
struct sample {
	uint64_t id, ip, time, stream_id, period, weight, data_src, transaction;
	uint32_t pid, tid, cpu;
	uint64_t nr;
	const unsigned char *ips;
	uint32_t raw_size;
	const unsigned char *raw;
};

struct pcls {
	bool sent;
	uint32_t id;
	struct tep_event *ev; /* weak: the tracepoint's format, or NULL */
	struct nt_tep_cols cols;
	unsigned npairs; /* (comm, tid) fields naming a task, as the CTF reader announces them */
	struct tep_format_field *pair_comm[MAX_PAIRS], *pair_tid[MAX_PAIRS];
};

/* Copies of queued records, freed when the last of them is emitted. */
struct block {
	unsigned refs;
	size_t used;
	unsigned char data[];
};

#define BLOCK_SIZE (1u << 20)

/* A record waiting for its turn. */
struct qent {
	uint64_t ts, seq;
	uint32_t attr;	    /* Q_COMM, Q_FORK: those records */
	unsigned char *rec; /* in blk */
	struct block *blk;
};

/* One cpu's records in (ts, seq) order: e[head, head + n). */
struct cpuq {
	struct qent *e;
	size_t head, n, cap;
};

struct task {
	int32_t pid; /* -1: free slot */
	bool perf;   /* named by a PERF_RECORD_COMM */
	char comm[32];
};

struct perf {
	char *path;
	const struct nt_reader_ops *route; /* perf data convert, or NULL */
	void *route_state;
	struct nt_pf *f;
	struct tep_handle *tep; /* weak */
	struct pcls *cls;	/* one per attribute */
	unsigned ncls;
	uint32_t next_id;
	uint64_t first_type; /* sample_type of the first attribute: sample ids, trailers */
	bool trailer, cpu_known, cpu_mixed;

	struct cpuq *cq; /* by cpu: merged by (ts, cpu), the order the CTF route gave */
	unsigned ncq;
	struct block *blk; /* the block being filled */
	size_t nq, qbytes;
	uint64_t seq, limit, round_max, cur_max;
	bool eof, shrink, info_sent;

	struct nt_pf_lost *lost, *lost_samples; /* owned */
	size_t nlost, nlost_samples;
	uint64_t lost_total, lost_samples_total, last_ts;

	struct task *tasks;
	unsigned tcap, tn;
	unsigned char *cpu_seen;
	unsigned ncpu_seen;
	char *rbuf; /* callchain text */
	size_t rcap;
	uint64_t unknown_id, bad_samples, first_bad_off;
};

static int probe(const char *path, const unsigned char *head, size_t n)
{
	(void)path;
	if (n >= 8 && (!memcmp(head, "PERFILE2", 8) || !memcmp(head, "2ELIFREP", 8)))
		return 100;
	return 0;
}

/* ---- samples ---- */

struct rcur {
	const unsigned char *p;
	uint32_t at, end;
	bool bad;
};

static uint64_t take(struct rcur *c)
{
	if (c->bad || c->end - c->at < 8) {
		c->bad = true;
		return 0;
	}
	c->at += 8;
	return nt_pf_u64(c->p + c->at - 8);
}

static void skip(struct rcur *c, uint64_t n)
{
	if (c->bad || n > c->end - c->at)
		c->bad = true;
	else
		c->at += (uint32_t)n;
}

/* Decode the sample @r (@size bytes) of attribute @a up to the fields the stream uses. */
static int parse_sample(const struct nt_pf_attr *a, const unsigned char *r, uint32_t size,
			struct sample *s)
{
	struct rcur c = {.p = r, .at = 8, .end = size};
	uint64_t st = a->sample_type, v;

	memset(s, 0, sizeof(*s));
	if (st & S_IDENTIFIER)
		s->id = take(&c);
	if (st & S_IP)
		s->ip = take(&c);
	if (st & S_TID) {
		v = take(&c);
		s->pid = (uint32_t)v;
		s->tid = (uint32_t)(v >> 32);
	}
	if (st & S_TIME)
		s->time = take(&c);
	if (st & S_ADDR)
		take(&c);
	if (st & S_ID)
		s->id = take(&c);
	if (st & S_STREAM_ID)
		s->stream_id = take(&c);
	if (st & S_CPU)
		s->cpu = (uint32_t)take(&c);
	if (st & S_PERIOD)
		s->period = take(&c);
	if (st & S_READ) {
		uint64_t rf = a->read_format, per = 1 + !!(rf & R_ID) + !!(rf & R_LOST);

		if (rf & R_GROUP) {
			uint64_t nr = take(&c);

			skip(&c, 8 * (!!(rf & R_TOTAL_ENABLED) + !!(rf & R_TOTAL_RUNNING)));
			skip(&c, nr > size ? size + 1ull : nr * per * 8);
		} else {
			skip(&c, 8 * (per + !!(rf & R_TOTAL_ENABLED) + !!(rf & R_TOTAL_RUNNING)));
		}
	}
	if (st & S_CALLCHAIN) {
		s->nr = take(&c);
		s->ips = r + c.at;
		skip(&c, s->nr > size ? size + 1ull : s->nr * 8);
	}
	if (st & S_RAW) {
		if (c.bad || c.end - c.at < 4) {
			c.bad = true;
		} else {
			s->raw_size = nt_pf_u32(r + c.at);
			c.at += 4;
			s->raw = r + c.at;
			skip(&c, s->raw_size);
		}
	}
	if (st & S_BRANCH_STACK) {
		uint64_t nr = take(&c);

		if (a->branch_sample_type & BRANCH_HW_INDEX)
			take(&c);
		skip(&c, nr > size ? size + 1ull : nr * 24);
	}
	if (st & S_REGS_USER && take(&c))
		skip(&c, 8ull * (uint64_t)__builtin_popcountll(a->regs_user));
	if (st & S_STACK_USER) {
		uint64_t n = take(&c);

		if (n) {
			skip(&c, n);
			take(&c);
		}
	}
	if (st & (S_WEIGHT | S_WEIGHT_STRUCT))
		s->weight = take(&c);
	if (st & S_DATA_SRC)
		s->data_src = take(&c);
	if (st & S_TRANSACTION)
		s->transaction = take(&c);
	return c.bad ? -1 : 0;
}

/* The attribute of sample @r: by its id when the file has several. */
static int sample_attr(struct perf *p, const unsigned char *r, uint32_t size)
{
	uint64_t st = p->first_type;
	uint32_t at = 8;
	struct nt_pf_attr *a;

	if (p->ncls == 1)
		return 0;
	if (!(st & S_IDENTIFIER)) {
		if (!(st & S_ID))
			return 0;
		at += 8 * (!!(st & S_IP) + !!(st & S_TID) + !!(st & S_TIME) + !!(st & S_ADDR));
	}
	if (at + 8 > size)
		return -1;
	a = nt_pf_attr_by_id(p->f, nt_pf_u64(r + at));
	return a ? (int)(a - nt_pf_attr(p->f, 0)) : -1;
}

/* Time and cpu from the sample_id trailer of a non-sample record (the first attribute's). */
static void trailer(const struct perf *p, const unsigned char *r, uint32_t size, uint64_t *ts,
		    int32_t *cpu)
{
	uint64_t st = p->first_type;
	uint32_t n, at;

	if (!p->trailer)
		return;
	n = !!(st & S_TID) + !!(st & S_TIME) + !!(st & S_ID) + !!(st & S_STREAM_ID) +
	    !!(st & S_CPU) + !!(st & S_IDENTIFIER);
	if (8 + n * 8 > size)
		return;
	at = size - n * 8;
	at += (st & S_TID) ? 8 : 0;
	if (st & S_TIME)
		*ts = nt_pf_u64(r + at);
	at += (st & S_TIME) ? 8 : 0;
	at += (st & S_ID) ? 8 : 0;
	at += (st & S_STREAM_ID) ? 8 : 0;
	if (st & S_CPU)
		*cpu = (int32_t)nt_pf_u32(r + at);
}

/* ---- tasks ---- */

static struct task *task_slot(struct perf *p, int32_t pid)
{
	unsigned i;

	if ((p->tn + 1) * 2 > p->tcap) {
		unsigned cap = p->tcap ? p->tcap * 2 : 1024;
		struct task *t = malloc(cap * sizeof(*t));

		if (!t)
			return NULL;
		for (i = 0; i < cap; i++)
			t[i].pid = -1;
		for (i = 0; i < p->tcap; i++) {
			if (p->tasks[i].pid >= 0) {
				unsigned j = ((uint32_t)p->tasks[i].pid * 2654435761u) & (cap - 1);

				while (t[j].pid >= 0)
					j = (j + 1) & (cap - 1);
				t[j] = p->tasks[i];
			}
		}
		free(p->tasks);
		p->tasks = t;
		p->tcap = cap;
	}
	i = ((uint32_t)pid * 2654435761u) & (p->tcap - 1);
	while (p->tasks[i].pid >= 0 && p->tasks[i].pid != pid)
		i = (i + 1) & (p->tcap - 1);
	return &p->tasks[i];
}

/*
 * @pid is called @comm from now on (pid 0, the idle tasks, keeps its first name). A name from
 * PERF_RECORD_COMM (@perf) wins over the comm fields of tracepoints, as in perf script (which
 * shows "kworker/1:0-eve", from /proc, where sched_switch says "kworker/1:0").
 */
static void announce(struct perf *p, struct nt_batch *b, int64_t pid, const char *comm, size_t n,
		     bool perf)
{
	struct task *t;

	if (pid < 0 || pid > INT32_MAX || !n)
		return;
	if (n >= sizeof(t->comm))
		n = sizeof(t->comm) - 1;
	t = task_slot(p, (int32_t)pid);
	if (!t) {
		b->oom = true;
		return;
	}
	if (t->pid >= 0 &&
	    (pid == 0 || (t->perf && !perf) || (!strncmp(t->comm, comm, n) && !t->comm[n])))
		return;
	if (t->pid < 0)
		p->tn++;
	t->pid = (int32_t)pid;
	t->perf = perf;
	memcpy(t->comm, comm, n);
	t->comm[n] = '\0';
	nt_batch_task(b, t->pid, t->comm);
}

/* ---- classes ---- */

static bool is_string(const struct tep_format_field *f)
{
	return f && (f->flags & TEP_FIELD_IS_STRING);
}

static bool is_int(const struct tep_format_field *f)
{
	return f && !(f->flags & (TEP_FIELD_IS_STRING | TEP_FIELD_IS_ARRAY)) &&
	       (f->size == 1 || f->size == 2 || f->size == 4 || f->size == 8);
}

/* Fields that name a task: prev_comm/prev_pid and the like (what the CTF reader announces). */
static void find_pairs(struct pcls *c)
{
	static const char *const comms[] = {"prev_comm", "next_comm", "comm", "child_comm",
					    "parent_comm"};

	for (size_t i = 0; i < sizeof(comms) / sizeof(comms[0]); i++) {
		struct tep_format_field *cf = tep_find_field(c->ev, comms[i]), *tf;
		char tid[32], pid[32];
		size_t l = strlen(comms[i]) - 4;

		if (!is_string(cf))
			continue;
		snprintf(tid, sizeof(tid), "%.*stid", (int)l, comms[i]);
		snprintf(pid, sizeof(pid), "%.*spid", (int)l, comms[i]);
		tf = tep_find_field(c->ev, tid);
		if (!is_int(tf))
			tf = tep_find_field(c->ev, pid);
		if (!is_int(tf))
			continue;
		c->pair_comm[c->npairs] = cf;
		c->pair_tid[c->npairs] = tf;
		c->npairs++;
	}
}

/*
 * The columns perf's CTF conversion gives every sample of @st, in its order, but for those
 * that repeat what the row already says (nt_ctf_perf_dropped): perf_tid is the event's pid,
 * perf_id the file descriptor perf recorded the class through on that cpu.
 */
static unsigned generic_defs(uint64_t st, struct nt_field_def *d)
{
	unsigned n = 0;

	if (st & S_IP)
		d[n++] = (struct nt_field_def){"perf_ip", NT_VAL_INT, NT_FIELD_POINTER};
	if (st & S_TID)
		d[n++] = (struct nt_field_def){"perf_pid", NT_VAL_INT, NT_FIELD_SIGNED};
	if (st & S_STREAM_ID)
		d[n++] = (struct nt_field_def){"perf_stream_id", NT_VAL_INT, 0};
	if (st & S_PERIOD)
		d[n++] = (struct nt_field_def){"perf_period", NT_VAL_INT, 0};
	if (st & S_WEIGHT)
		d[n++] = (struct nt_field_def){"perf_weight", NT_VAL_INT, 0};
	if (st & S_DATA_SRC)
		d[n++] = (struct nt_field_def){"perf_data_src", NT_VAL_INT, 0};
	if (st & S_TRANSACTION)
		d[n++] = (struct nt_field_def){"perf_transaction", NT_VAL_INT, 0};
	if (st & S_CALLCHAIN) {
		d[n++] = (struct nt_field_def){"perf_callchain_size", NT_VAL_INT, 0};
		d[n++] = (struct nt_field_def){"perf_callchain", NT_VAL_TEXT, NT_FIELD_ARRAY};
	}
	return n;
}

static char *class_format(const struct nt_pf_attr *a, struct tep_event *ev)
{
	char *tp = ev ? nt_tep_format_text(ev) : NULL, *s;

	if (asprintf(&s,
		     "perf event '%s' (attr type %u, config 0x%" PRIx64 ", sample_type 0x%" PRIx64
		     ")%s%s",
		     a->name, a->type, a->config, a->sample_type, tp ? "\n" : "", tp ? tp : "") < 0)
		s = NULL;
	free(tp);
	return s;
}

/* The class of attribute @ai, sent to the store the first time one of its samples comes. */
static struct pcls *cls_get(struct perf *p, unsigned ai, struct nt_batch *b)
{
	struct pcls *c = &p->cls[ai];
	struct nt_pf_attr *a = nt_pf_attr(p->f, ai);
	struct nt_field_def *defs;
	char sys[128], name[256], *fmt;
	unsigned n;

	if (c->sent)
		return c;
	if (a->type == NT_PERF_TYPE_TRACEPOINT && p->tep)
		c->ev = tep_find_event(p->tep, (int)a->config);
	if (c->ev && nt_tep_cols_init(&c->cols, c->ev, NT_TEP_COMMON | NT_TEP_CTF))
		return NULL;
	if (c->ev)
		find_pairs(c);
	defs = calloc(NGENERIC + c->cols.ndefs + 1, sizeof(*defs));
	if (!defs)
		return NULL;
	n = generic_defs(a->sample_type, defs);
	if (c->cols.ndefs)
		memcpy(defs + n, c->cols.defs, c->cols.ndefs * sizeof(*defs));
	nt_ctf_canonical(a->name, true, sys, sizeof(sys), name, sizeof(name));
	fmt = class_format(a, c->ev);
	c->id = p->next_id++;
	nt_batch_class(b, &(struct nt_class_def){.id = c->id,
						 .system = sys,
						 .name = name,
						 .orig = a->name,
						 .format = fmt,
						 .nfields = n + c->cols.ndefs,
						 .fields = defs});
	free(fmt);
	free(defs);
	c->sent = true;
	return c;
}

/* ---- events ---- */

static int64_t field_int(struct perf *p, const struct tep_format_field *f, const unsigned char *d,
			 uint32_t size, bool *ok)
{
	uint64_t u;

	*ok = (uint32_t)f->offset + (uint32_t)f->size <= size;
	if (!*ok)
		return 0;
	u = tep_read_number(p->tep, d + f->offset, f->size);
	if ((f->flags & TEP_FIELD_IS_SIGNED) && f->size < 8) {
		int sh = 64 - 8 * f->size;

		return (int64_t)(u << sh) >> sh;
	}
	return (int64_t)u;
}

static const char *field_str(struct perf *p, const struct tep_format_field *f,
			     const unsigned char *d, uint32_t size, size_t *n)
{
	uint32_t off = (uint32_t)f->offset, len = (uint32_t)f->size;

	if (off + len > size)
		return NULL;
	if (f->flags & TEP_FIELD_IS_DYNAMIC) {
		uint32_t loc = (uint32_t)tep_read_number(p->tep, d + off, 4);

		if (f->flags & TEP_FIELD_IS_RELATIVE)
			off += len;
		else
			off = 0;
		off += loc & 0xffff;
		len = loc >> 16;
		if (off + len > size)
			return NULL;
	}
	*n = strnlen((const char *)d + off, len);
	return (const char *)d + off;
}

static void put_callchain(struct perf *p, struct nt_batch *b, const struct sample *s)
{
	size_t need = 2 + s->nr * 21, at = 0;

	if (need > p->rcap) {
		char *r = realloc(p->rbuf, need);

		if (!r) {
			b->oom = true;
			return;
		}
		p->rbuf = r;
		p->rcap = need;
	}
	p->rbuf[at++] = '[';
	for (uint64_t i = 0; i < s->nr; i++) {
		char tmp[24];
		int k = 0;
		uint64_t v = nt_pf_u64(s->ips + 8 * i);

		if (i)
			p->rbuf[at++] = ',';
		do {
			tmp[k++] = (char)('0' + v % 10);
			v /= 10;
		} while (v);
		while (k)
			p->rbuf[at++] = tmp[--k];
	}
	p->rbuf[at++] = ']';
	nt_batch_text(b, p->rbuf, at);
}

static void note_cpu(struct perf *p, int32_t cpu)
{
	if ((unsigned)cpu >= p->ncpu_seen) {
		unsigned n = (unsigned)cpu + 16;
		unsigned char *s = realloc(p->cpu_seen, n);

		if (!s)
			return;
		memset(s + p->ncpu_seen, 0, n - p->ncpu_seen);
		p->cpu_seen = s;
		p->ncpu_seen = n;
	}
	p->cpu_seen[cpu] = 1;
}

static int emit_sample(struct perf *p, struct nt_batch *b, const struct qent *e)
{
	struct nt_pf_attr *a = nt_pf_attr(p->f, e->attr);
	uint64_t st = a->sample_type;
	struct pcls *c = cls_get(p, e->attr, b);
	struct sample s;
	int32_t cpu = -1, pid = -1;
	uint16_t size;

	if (!c)
		return -1;
	memcpy(&size, e->rec + 6, 2);
	parse_sample(a, e->rec, size, &s); /* checked when it was queued */
	if (p->cpu_known && s.cpu <= MAX_CPU) {
		cpu = (int32_t)s.cpu;
		note_cpu(p, cpu);
	}
	if (st & S_TID)
		pid = (int32_t)s.tid;
	for (unsigned i = 0; i < c->npairs && s.raw; i++) {
		size_t n = 0;
		bool ok;
		const char *comm = field_str(p, c->pair_comm[i], s.raw, s.raw_size, &n);
		int64_t tid = field_int(p, c->pair_tid[i], s.raw, s.raw_size, &ok);

		if (comm && ok)
			announce(p, b, tid, comm, n, false);
	}
	nt_batch_event_begin(b, c->id, e->ts, cpu, pid);
	if (st & S_IP)
		nt_batch_int(b, (int64_t)s.ip);
	if (st & S_TID)
		nt_batch_int(b, (int32_t)s.pid);
	if (st & S_STREAM_ID)
		nt_batch_int(b, (int64_t)s.stream_id);
	if (st & S_PERIOD)
		nt_batch_int(b, (int64_t)s.period);
	if (st & S_WEIGHT)
		nt_batch_int(b, (int64_t)s.weight);
	if (st & S_DATA_SRC)
		nt_batch_int(b, (int64_t)s.data_src);
	if (st & S_TRANSACTION)
		nt_batch_int(b, (int64_t)s.transaction);
	if (st & S_CALLCHAIN) {
		nt_batch_int(b, (int64_t)(uint32_t)s.nr);
		put_callchain(p, b, &s);
	}
	if (c->ev)
		nt_tep_cols_put(p->tep, &c->cols, b, s.raw ? s.raw : (const unsigned char *)"",
				s.raw ? (int)s.raw_size : 0, NULL);
	nt_batch_event_end(b);
	return 0;
}

/* A new thread has its parent's name (perf's machine__process_fork_event()). */
static void emit_fork(struct perf *p, struct nt_batch *b, const struct qent *e)
{
	uint16_t size;
	struct task *parent;
	char comm[32];

	memcpy(&size, e->rec + 6, 2);
	if (size < 24)
		return;
	parent = task_slot(p, (int32_t)nt_pf_u32(e->rec + 20));
	if (!parent) {
		b->oom = true;
		return;
	}
	if (parent->pid < 0 || !parent->perf)
		return;
	memcpy(comm, parent->comm, sizeof(comm)); /* the slot may move */
	announce(p, b, (int32_t)nt_pf_u32(e->rec + 16), comm, strlen(comm), true);
}

static void emit_comm(struct perf *p, struct nt_batch *b, const struct qent *e)
{
	uint16_t size;
	const char *comm = (const char *)e->rec + 16;

	memcpy(&size, e->rec + 6, 2);
	if (size > 16)
		announce(p, b, (int32_t)nt_pf_u32(e->rec + 12), comm, strnlen(comm, size - 16u),
			 true);
}

/* ---- the ordered queue ---- */

static int q_push(struct perf *p, const struct nt_pf_rec *r, uint64_t ts, int32_t cpu,
		  uint32_t attr)
{
	struct cpuq *q;
	struct qent e = {.ts = ts, .seq = p->seq++, .attr = attr};
	size_t i;

	if (cpu < 0 || cpu > MAX_CPU)
		cpu = 0;
	if ((unsigned)cpu >= p->ncq) {
		unsigned n = (unsigned)cpu + 1;
		struct cpuq *c = realloc(p->cq, n * sizeof(*c));

		if (!c)
			return -1;
		memset(c + p->ncq, 0, (n - p->ncq) * sizeof(*c));
		p->cq = c;
		p->ncq = n;
	}
	q = &p->cq[cpu];
	if (q->head + q->n == q->cap) {
		if (q->head && q->head >= q->cap / 2) {
			memmove(q->e, q->e + q->head, q->n * sizeof(*q->e));
			q->head = 0;
		} else {
			size_t cap = q->cap ? q->cap * 2 : 1024;
			struct qent *ne = realloc(q->e, cap * sizeof(*ne));

			if (!ne)
				return -1;
			q->e = ne;
			q->cap = cap;
		}
	}
	if (!p->blk || p->blk->used + r->size > BLOCK_SIZE) {
		struct block *nb = malloc(sizeof(*nb) + BLOCK_SIZE);

		if (!nb)
			return -1;
		if (p->blk && !p->blk->refs)
			free(p->blk);
		nb->refs = 0;
		nb->used = 0;
		p->blk = nb;
	}
	e.blk = p->blk;
	e.rec = p->blk->data + p->blk->used;
	p->blk->used += (r->size + 7u) & ~7u;
	p->blk->refs++;
	memcpy(e.rec, r->p, r->size);
	/* a cpu's records come almost in time order: insert from the end */
	for (i = q->head + q->n; i > q->head && q->e[i - 1].ts > ts; i--)
		q->e[i] = q->e[i - 1];
	q->e[i] = e;
	q->n++;
	p->nq++;
	p->qbytes += r->size;
	if (ts > p->cur_max)
		p->cur_max = ts;
	return 0;
}

/* The queue holding the next record (earliest time, then lowest cpu), or NULL. */
static struct cpuq *q_first(struct perf *p)
{
	struct cpuq *best = NULL;

	for (unsigned i = 0; i < p->ncq; i++) {
		struct cpuq *q = &p->cq[i];

		if (q->n && (!best || q->e[q->head].ts < best->e[best->head].ts))
			best = q;
	}
	return best;
}

static struct qent q_take(struct perf *p, struct cpuq *q)
{
	struct qent e = q->e[q->head++];

	q->n--;
	if (!q->n)
		q->head = 0;
	p->nq--;
	p->qbytes -= (size_t)(e.rec[6] | e.rec[7] << 8);
	return e;
}

/* Done with @e's copy. */
static void q_release(struct perf *p, const struct qent *e)
{
	if (!--e->blk->refs && e->blk != p->blk)
		free(e->blk);
}

/* ---- lost samples (the rule of the CTF route: LOST_SAMPLES only without any LOST) ---- */

static int on_lost(struct perf *p, const struct nt_pf_rec *r)
{
	uint32_t off = r->type == NT_PERF_RECORD_LOST ? 16 : 8;
	uint64_t ts = 0, from, to;
	int32_t cpu = -1;

	if (r->size < off + 8)
		return 0;
	trailer(p, r->p, r->size, &ts, &cpu);
	from = ts ? (p->last_ts < ts ? p->last_ts : ts) : p->last_ts;
	to = ts ? ts : p->last_ts;
	if (!p->cpu_known)
		cpu = -1;
	if (r->type == NT_PERF_RECORD_LOST)
		return nt_pf_lost_add(&p->lost, &p->nlost, &p->lost_total, cpu,
				      nt_pf_u64(r->p + off), from, to);
	return nt_pf_lost_add(&p->lost_samples, &p->nlost_samples, &p->lost_samples_total, cpu,
			      nt_pf_u64(r->p + off), from, to);
}

/* ---- reading ---- */

static int bad_sample(struct perf *p, const struct nt_pf_rec *r, struct nt_err **err,
		      const char *what)
{
	return nt_err_set(err, nt_err_new(NT_E_INPUT,
					  "'%s' is corrupt: %s at offset %" PRIu64
					  "%s; the file is damaged",
					  p->path, what, r->off,
					  r->inner ? " (inside a compressed record)" : ""));
}

/* One record of the data section, in file order. */
static int on_record(struct perf *p, const struct nt_pf_rec *r, struct nt_err **err)
{
	uint64_t ts = 0;
	int32_t cpu = -1;

	switch (r->type) {
	case NT_PERF_RECORD_SAMPLE: {
		int ai = sample_attr(p, r->p, r->size);
		struct sample s;
		const struct nt_pf_attr *a;

		if (ai < 0) {
			if (!p->unknown_id++)
				p->first_bad_off = r->off;
			return 0;
		}
		a = nt_pf_attr(p->f, (unsigned)ai);
		if (parse_sample(a, r->p, r->size, &s))
			return bad_sample(p, r, err, "a sample shorter than its sample_type says");
		if (s.time > p->last_ts)
			p->last_ts = s.time;
		if (q_push(p, r, s.time, (a->sample_type & S_CPU) ? (int32_t)s.cpu : 0,
			   (uint32_t)ai))
			return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
		return 0;
	}
	case NT_PERF_RECORD_COMM:
	case NT_PERF_RECORD_FORK:
		trailer(p, r->p, r->size, &ts, &cpu);
		if (ts > p->last_ts)
			p->last_ts = ts;
		if (q_push(p, r, ts, 0, r->type == NT_PERF_RECORD_COMM ? Q_COMM : Q_FORK))
			return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
		return 0;
	case NT_PERF_RECORD_LOST:
	case NT_PERF_RECORD_LOST_SAMPLES:
		if (on_lost(p, r))
			return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
		return 0;
	case NT_PERF_RECORD_FINISHED_ROUND:
		p->limit = p->round_max;
		p->round_max = p->cur_max;
		return 0;
	default:
		if (r->type < NT_PERF_RECORD_USER_START) {
			trailer(p, r->p, r->size, &ts, &cpu);
			if (ts > p->last_ts)
				p->last_ts = ts;
		}
		return 0;
	}
}

static void send_info(struct perf *p, struct nt_batch *b)
{
	const struct nt_pf_facts *fa = nt_pf_facts(p->f);
	char buf[256];

	nt_batch_info(b, "format", "perf");
	/* the facts perf data convert put in the CTF environment, under the same names */
	if (fa->hostname) {
		nt_batch_info(b, "env.host", fa->hostname);
		nt_batch_info(b, "hostname", fa->hostname);
	}
	nt_batch_info(b, "env.sysname", "Linux");
	if (fa->os_release) {
		nt_batch_info(b, "env.release", fa->os_release);
		nt_batch_info(b, "kernel", fa->os_release);
	}
	if (fa->perf_version)
		nt_batch_info(b, "env.version", fa->perf_version);
	if (fa->kernel_build_id) /* where perf's build-id cache keeps its kallsyms */
		nt_batch_info(b, "kernel_build_id", fa->kernel_build_id);
	if (fa->arch) {
		nt_batch_info(b, "env.machine", fa->arch);
		nt_batch_info(b, "arch", fa->arch);
	}
	nt_batch_info(b, "env.domain", "kernel");
	nt_batch_info(b, "domain", "kernel");
	nt_batch_info(b, "env.tracer_name", "perf");
	snprintf(buf, sizeof(buf), "perf%s%.200s", fa->perf_version ? " " : "",
		 fa->perf_version ? fa->perf_version : "");
	nt_batch_info(b, "tracer", buf);
	nt_batch_info(b, "clock", "perf_clock");
	nt_batch_info(b, "reader", "native");
	nt_batch_info(b, "cpu_recorded", p->cpu_known ? "yes" : "no");
	/* perf's own name for the idle tasks, which no PERF_RECORD_COMM names */
	announce(p, b, 0, "swapper", 7, true);
	if (!p->cpu_known)
		nt_batch_warn(b,
			      "%s record the cpu (perf record without PERF_SAMPLE_CPU); cpu is "
			      "stored as -1",
			      p->cpu_mixed ? "not all event types" : "the samples do not");
	if (fa->printk_dropped)
		nt_batch_warn(b,
			      "%zu line(s) of the tracing data's printk formats are not "
			      "'ADDRESS : FORMAT' (first: line %zu, '%s'); they were left out, so "
			      "trace_printk strings at those addresses show as addresses",
			      fa->printk_dropped, fa->printk_first_bad,
			      fa->printk_shown ? fa->printk_shown : "");
}

static void finish(struct perf *p, struct nt_batch *b)
{
	char num[32];
	unsigned ncpu = 0;

	for (unsigned i = 0; i < p->ncpu_seen; i++)
		ncpu += p->cpu_seen[i];
	if (ncpu) {
		snprintf(num, sizeof(num), "%u", ncpu);
		nt_batch_info(b, "ncpus", num);
	}
	snprintf(num, sizeof(num), "%" PRIu64, nt_pf_records(p->f));
	nt_batch_info(b, "perf_records", num);
	if (nt_pf_compressed(p->f))
		nt_batch_info(b, "compressed", "zstd");
	if (!p->nlost && p->nlost_samples) { /* LOST_SAMPLES only stand in for missing LOST */
		p->lost = p->lost_samples;
		p->nlost = p->nlost_samples;
		p->lost_total = p->lost_samples_total;
		p->lost_samples = NULL;
		p->nlost_samples = 0;
	}
	for (size_t i = 0; i < p->nlost; i++)
		nt_batch_lost(b, p->lost[i].cpu, p->lost[i].count, p->lost[i].from, p->lost[i].to);
	if (p->lost_total && !p->cpu_known)
		nt_batch_warn(b,
			      "%" PRIu64
			      " samples were lost (PERF_RECORD_LOST/LOST_SAMPLES) on unknown cpus",
			      p->lost_total);
	if (p->unknown_id)
		nt_batch_warn(b,
			      "%" PRIu64 " samples have an id no event attribute has (first at "
			      "offset %" PRIu64 "); they were skipped",
			      p->unknown_id, p->first_bad_off);
}

/* ---- reader methods ---- */

/* What the attributes say about every record: sample ids, trailers, whether cpus are known. */
static void attr_facts(struct perf *p)
{
	for (unsigned i = 0; i < nt_pf_nattrs(p->f); i++) {
		const struct nt_pf_attr *a = nt_pf_attr(p->f, i);

		if (!i) {
			p->first_type = a->sample_type;
			p->trailer = a->flags & NT_PF_ATTR_SAMPLE_ID_ALL;
			p->cpu_known = a->sample_type & S_CPU;
		} else if (!!(a->sample_type & S_CPU) != !!(p->first_type & S_CPU)) {
			p->cpu_mixed = true;
			p->cpu_known = false;
		}
	}
}

static void pn_close(void *state)
{
	struct perf *p = state;

	if (!p)
		return;
	if (p->route)
		p->route->close(p->route_state);
	for (struct cpuq *q; (q = q_first(p));) {
		struct qent e = q_take(p, q);

		q_release(p, &e);
	}
	for (unsigned i = 0; i < p->ncq; i++)
		free(p->cq[i].e);
	free(p->cq);
	free(p->blk);
	for (unsigned i = 0; i < p->ncls; i++)
		nt_tep_cols_release(&p->cls[i].cols);
	free(p->cls);
	nt_pf_close(p->f);
	free(p->lost);
	free(p->lost_samples);
	free(p->tasks);
	free(p->cpu_seen);
	free(p->rbuf);
	free(p->path);
	free(p);
}

static int pn_open(const char *path, void **state, struct nt_err **err)
{
	struct perf *p = calloc(1, sizeof(*p));
	const char *env = getenv("NETTRAIL_PERFDATA_CTF");
	int r;

	*state = NULL;
	if (!p || !(p->path = strdup(path))) {
		free(p);
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	}
	/* perf's own conversion: on request, and for the files this reader leaves to perf */
	r = env && *env && strcmp(env, "0") ? 1 : nt_pf_open(path, &p->f, err);
	if (r == 1) {
		p->route = &nt_perf_ctf_route;
		if (p->route->open(path, &p->route_state, err)) {
			p->route = NULL;
			pn_close(p);
			return -1;
		}
		*state = p;
		return 0;
	}
	if (r) {
		pn_close(p);
		return -1;
	}
	p->tep = nt_pf_tep(p->f);
	p->ncls = nt_pf_nattrs(p->f);
	p->cls = calloc(p->ncls + 1, sizeof(*p->cls));
	if (!p->cls) {
		pn_close(p);
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	}
	attr_facts(p);
	*state = p;
	return 0;
}

int nt_perfdata_count_lost(const char *path, uint64_t *lost, int ncpus, uint64_t *lost_total,
			   struct nt_err **err)
{
	struct perf p = {.path = (char *)path};
	struct nt_pf_rec r;
	int n, ret = -1;

	n = nt_pf_open(path, &p.f, err);
	if (n == 1)
		nt_err_set(err, nt_err_new(NT_E_INPUT, "'%s' is of the other byte order", path));
	if (n)
		return -1;
	attr_facts(&p);
	while ((n = nt_pf_next(p.f, &r, err)) == 1) {
		if ((r.type == NT_PERF_RECORD_LOST || r.type == NT_PERF_RECORD_LOST_SAMPLES) &&
		    on_lost(&p, &r)) {
			nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
			goto out;
		}
	}
	if (n < 0)
		goto out;
	/* the reader's rule (finish()): LOST_SAMPLES only stand in for missing LOST */
	if (!p.nlost && p.nlost_samples) {
		struct nt_pf_lost *t = p.lost;
		p.lost = p.lost_samples;
		p.nlost = p.nlost_samples;
		p.lost_total = p.lost_samples_total;
		p.lost_samples = t;
	}
	*lost_total += p.lost_total;
	for (size_t i = 0; lost && i < p.nlost; i++)
		if (p.lost[i].cpu >= 0 && p.lost[i].cpu < ncpus)
			lost[p.lost[i].cpu] += (uint64_t)p.lost[i].count;
	ret = 0;
out:
	free(p.lost);
	free(p.lost_samples);
	nt_pf_close(p.f);
	return ret;
}

static enum nt_next pn_next(void *state, struct nt_batch *b, struct nt_err **err)
{
	struct perf *p = state;
	struct nt_pf_rec r;

	if (p->route)
		return p->route->next(p->route_state, b, err);
	if (!p->info_sent) {
		send_info(p, b);
		p->info_sent = true;
	}
	while (b->len < NT_BATCH_TARGET && !b->oom) {
		struct cpuq *q;
		int rc = 0;

		if (p->qbytes > QUEUE_MAX)
			p->shrink = true;
		else if (p->qbytes <= QUEUE_MAX / 2)
			p->shrink = false;
		q = p->nq ? q_first(p) : NULL;
		if (q && (p->eof || p->shrink || q->e[q->head].ts <= p->limit)) {
			struct qent e = q_take(p, q);

			if (e.attr == Q_COMM)
				emit_comm(p, b, &e);
			else if (e.attr == Q_FORK)
				emit_fork(p, b, &e);
			else
				rc = emit_sample(p, b, &e);
			q_release(p, &e);
			if (rc) {
				nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
				return NT_NEXT_ERROR;
			}
			continue;
		}
		if (p->eof) {
			finish(p, b);
			return NT_NEXT_END;
		}
		if (nt_interrupted) {
			nt_err_set(err, nt_err_new(NT_E_INTR, "interrupted"));
			return NT_NEXT_ERROR;
		}
		rc = nt_pf_next(p->f, &r, err);
		if (rc < 0)
			return NT_NEXT_ERROR;
		if (!rc)
			p->eof = true;
		else if (on_record(p, &r, err))
			return NT_NEXT_ERROR;
	}
	if (b->oom) {
		nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory while reading '%s'", p->path));
		return NT_NEXT_ERROR;
	}
	return NT_NEXT_OK;
}

const struct nt_reader_ops nt_perf_reader = {
	.name = "perf",
	.help = "perf.data files (read natively; NETTRAIL_PERFDATA_CTF=1: through perf data "
		"convert --to-ctf)",
	.probe = probe,
	.open = pn_open,
	.next = pn_next,
	.close = pn_close,
};
