/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ftrace text readers: the kernel's trace / trace_pipe text, `trace-cmd report` text and
 * function_graph text. "ftrace-text" and "funcgraph" share this code and differ only in how
 * they probe. Event lines become events of a class per event name, with the printed key=value
 * pairs as fields and the whole payload in "text"; function_graph lines become funcgraph:call
 * events (funcgraph.c). docs/formats/ftrace-text.md and funcgraph.md describe the mapping.
 */
#include "reader.h"
#include "ftrace_text.h"
#include "funcgraph.h"
#include "../core/sys.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_FIELDS   64	  /* fields a class learns from key=value text (more stay in text) */
#define MAX_PAIRS    64	  /* key=value pairs taken from one line */
#define MAX_CLASSES  4096 /* distinct event names */
#define MAX_CPU	     8191 /* highest cpu number accepted */
#define MAX_WARN     10	  /* unparsable lines reported one by one */
#define CLS_BUCKETS  512
#define TASK_BUCKETS 4096

struct field {
	char *name; /* owned */
	enum nt_val_type type;
};

struct tclass {
	uint32_t id;
	char *system, *name, *orig; /* owned */
	unsigned nf;
	struct field f[MAX_FIELDS + 8];
	bool dirty; /* fields were added since the definition was last sent */
	struct tclass *next;
};

struct task {
	int32_t pid;
	char *comm; /* owned */
	struct task *next;
};

struct val {
	enum nt_val_type type;
	int64_t i;
	const char *s; /* weak: into the line */
	size_t n;
};

/* An event being assembled: named values, matched to the class's fields when emitted. */
struct rec {
	unsigned n;
	struct {
		const char *key;
		size_t key_len;
		struct val v;
	} a[MAX_PAIRS + 8];
};

/* Where an event happened. */
struct ctx {
	uint64_t ts;
	int32_t cpu, pid;
	bool has_tgid;
	int32_t tgid;
	const char *flags;
	size_t flags_len;
};

struct cpu_state {
	bool seen;
	uint64_t first_ts, last_ts;
	bool pend; /* a LOST line waits for the cpu's next event */
	int64_t pend_count;
	uint64_t pend_from;
	int32_t cur_pid; /* function_graph: the task a "=>" block switched to */
};

/* A "<stack trace>" event waiting for its " => func" lines. */
struct pending {
	bool active;
	struct tclass *c;
	struct ctx x;
	char flags[16]; /* x.flags points here: the line it came from is gone */
	char *text;	/* owned */
	size_t len, cap;
};

struct ftext {
	const char *reader; /* weak: "ftrace-text" or "funcgraph" */
	FILE *f;
	char *line; /* owned */
	size_t line_cap;
	uint64_t lineno;
	struct tclass *cls[CLS_BUCKETS];
	uint32_t nclasses, next_class;
	struct task *tasks[TASK_BUCKETS];
	struct cpu_state *cpus; /* owned */
	int ncpu;
	uint64_t last_ts;
	bool have_entries, tracer_sent;
	int64_t entries, written;
	struct nt_fgraph *fg; /* owned */
	uint64_t overruns;
	struct pending stk;
	uint64_t unparsed, first_unparsed, capped, fg_bad;
	unsigned warned;
	bool started;
	bool data_seen;	  /* a line that is not a "#" header line */
	bool legend_last; /* the last header line is a column legend ("#  | |  |"): complete */
	char *path;	  /* owned */
	struct val vals[MAX_FIELDS + 8];
	char fname[520]; /* a function name, NUL-terminated, for funcgraph.c */
};

/* ---- well-known event names: the system is not printed in text ---- */

static const struct {
	const char *name;
	bool prefix;
	const char *system;
} systems[] = {
	{"sched_", true, "sched"},
	{"irq_handler_", true, "irq"},
	{"softirq_", true, "irq"},
	{"tasklet_", true, "irq"},
	{"napi_poll", false, "napi"},
	{"net_dev_", true, "net"},
	{"netif_", true, "net"},
	{"napi_gro_", true, "net"},
	{"kfree_skb", false, "skb"},
	{"consume_skb", false, "skb"},
	{"skb_copy_datagram_iovec", false, "skb"},
	{"kmalloc", true, "kmem"},
	{"kfree", false, "kmem"},
	{"kmem_cache_", true, "kmem"},
	{"mm_page_", true, "kmem"},
	{"rss_stat", false, "kmem"},
	{"hrtimer_", true, "timer"},
	{"timer_", true, "timer"},
	{"itimer_", true, "timer"},
	{"tick_stop", false, "timer"},
	{"sys_enter", false, "raw_syscalls"},
	{"sys_exit", false, "raw_syscalls"},
	{"tcp_", true, "tcp"},
	{"inet_sock_", true, "sock"},
	{"inet_sk_", true, "sock"},
	{"sock_", true, "sock"},
	{"udp_fail_queue_rcv_skb", false, "udp"},
	{"qdisc_", true, "qdisc"},
	{"fib_table_lookup", false, "fib"},
	{"fib6_table_lookup", false, "fib6"},
	{"neigh_", true, "neigh"},
	{"page_pool_", true, "page_pool"},
	{"xdp_", true, "xdp"},
	{"mem_connect", false, "xdp"},
	{"mem_disconnect", false, "xdp"},
	{"workqueue_", true, "workqueue"},
	{"cpu_idle", false, "power"},
	{"cpu_frequency", false, "power"},
	{"ipi_", true, "ipi"},
	{"signal_", true, "signal"},
	{"task_newtask", false, "task"},
	{"task_rename", false, "task"},
	{"rcu_utilization", false, "rcu"},
	{"block_", true, "block"},
	{"tracing_mark_write", false, "ftrace"},
	{"print", false, "ftrace"},
	{"bprint", false, "ftrace"},
	{"bputs", false, "ftrace"},
	{"function", false, "ftrace"},
	{"funcgraph_entry", false, "ftrace"},
	{"funcgraph_exit", false, "ftrace"},
	{"kernel_stack", false, "ftrace"},
	{"user_stack", false, "ftrace"},
};

static const char *system_of(const char *name, size_t n)
{
	for (size_t i = 0; i < sizeof(systems) / sizeof(systems[0]); i++) {
		size_t l = strlen(systems[i].name);

		if (systems[i].prefix ? (n >= l && !memcmp(name, systems[i].name, l))
				      : (n == l && !memcmp(name, systems[i].name, l)))
			return systems[i].system;
	}
	return "ftrace-text";
}

/* ---- classes ---- */

static unsigned hash_str(const char *a, size_t an, const char *b, size_t bn)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < an; i++)
		h = (h ^ (unsigned char)a[i]) * 16777619u;
	h = (h ^ ':') * 16777619u;
	for (size_t i = 0; i < bn; i++)
		h = (h ^ (unsigned char)b[i]) * 16777619u;
	return h % CLS_BUCKETS;
}

static void class_free(struct tclass *c)
{
	for (unsigned i = 0; i < c->nf; i++)
		free(c->f[i].name);
	free(c->system);
	free(c->name);
	free(c->orig);
	free(c);
}

/*
 * The class @system:@name (created, with no fields yet, on first use). NULL when out of
 * memory or when there are too many classes (*full set).
 */
static struct tclass *get_class(struct ftext *t, const char *system, const char *name, size_t nl,
				const char *orig, size_t ol, bool *full)
{
	size_t sl = strlen(system);
	unsigned h = hash_str(system, sl, name, nl);
	struct tclass *c;

	*full = false;
	for (c = t->cls[h]; c; c = c->next)
		if (!strcmp(c->system, system) && strlen(c->name) == nl &&
		    !memcmp(c->name, name, nl))
			return c;
	if (t->nclasses >= MAX_CLASSES) {
		*full = true;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->system = strdup(system);
	c->name = strndup(name, nl);
	c->orig = strndup(orig, ol);
	if (!c->system || !c->name || !c->orig) {
		class_free(c);
		return NULL;
	}
	c->id = t->next_class++;
	c->dirty = true;
	c->next = t->cls[h];
	t->cls[h] = c;
	t->nclasses++;
	return c;
}

static void send_class(struct nt_batch *b, struct tclass *c)
{
	struct nt_field_def defs[MAX_FIELDS + 8];

	for (unsigned i = 0; i < c->nf; i++) {
		defs[i].name = c->f[i].name;
		defs[i].type = c->f[i].type;
		defs[i].flags = 0;
	}
	nt_batch_class(b, &(struct nt_class_def){.id = c->id,
						 .system = c->system,
						 .name = c->name,
						 .orig = c->orig,
						 .format = NULL,
						 .nfields = c->nf,
						 .fields = defs});
	c->dirty = false;
}

/* The field index for the @k-th use of @key in one event; -2 when the class is full. */
static int field_index(struct tclass *c, const char *key, size_t kl, unsigned k, int *added,
		       enum nt_val_type type)
{
	char name[80];
	int len;

	if (k > 1)
		len = snprintf(name, sizeof(name), "%.*s_%u", (int)kl, key, k);
	else
		len = snprintf(name, sizeof(name), "%.*s", (int)kl, key);
	if (len < 0 || (size_t)len >= sizeof(name))
		return -2;
	for (unsigned i = 0; i < c->nf; i++)
		if (!strcmp(c->f[i].name, name))
			return (int)i;
	if (c->nf >= MAX_FIELDS + 3)
		return -2;
	c->f[c->nf].name = strdup(name);
	if (!c->f[c->nf].name)
		return -3;
	c->f[c->nf].type = type == NT_VAL_NULL ? NT_VAL_TEXT : type;
	c->dirty = true;
	*added = 1;
	return (int)c->nf++;
}

/* ---- building events ---- */

static void rec_text(struct rec *r, const char *key, const char *s, size_t n)
{
	if (r->n >= sizeof(r->a) / sizeof(r->a[0]))
		return;
	r->a[r->n].key = key;
	r->a[r->n].key_len = strlen(key);
	r->a[r->n].v = (struct val){.type = NT_VAL_TEXT, .s = s, .n = n};
	r->n++;
}

static void rec_int(struct rec *r, const char *key, size_t kl, int64_t v)
{
	if (r->n >= sizeof(r->a) / sizeof(r->a[0]))
		return;
	r->a[r->n].key = key;
	r->a[r->n].key_len = kl;
	r->a[r->n].v = (struct val){.type = NT_VAL_INT, .i = v};
	r->n++;
}

static void rec_null(struct rec *r, const char *key)
{
	if (r->n >= sizeof(r->a) / sizeof(r->a[0]))
		return;
	r->a[r->n].key = key;
	r->a[r->n].key_len = strlen(key);
	r->a[r->n].v = (struct val){.type = NT_VAL_NULL};
	r->n++;
}

/* A printed value: an integer when it reads as one, else text. */
static void rec_value(struct rec *r, const char *key, size_t kl, const char *s, size_t n)
{
	int64_t v;

	if (nt_text_int(s, n, &v)) {
		rec_int(r, key, kl, v);
		return;
	}
	if (r->n >= sizeof(r->a) / sizeof(r->a[0]))
		return;
	r->a[r->n].key = key;
	r->a[r->n].key_len = kl;
	r->a[r->n].v = (struct val){.type = NT_VAL_TEXT, .s = n ? s : "", .n = n};
	r->n++;
}

/* The common columns every text event carries. */
static void rec_common(struct rec *r, const struct ctx *x, const char *text, size_t n)
{
	rec_text(r, "text", n ? text : "", n);
	if (x->has_tgid) {
		if (x->tgid >= 0)
			rec_int(r, "tgid", 4, x->tgid);
		else
			rec_null(r, "tgid");
	}
	if (x->flags)
		rec_text(r, "latency_flags", x->flags, x->flags_len);
}

static int put_event(struct ftext *t, struct nt_batch *b, struct tclass *c, const struct rec *r,
		     const struct ctx *x)
{
	int last = -1;

	for (unsigned i = 0; i < c->nf + r->n && i < sizeof(t->vals) / sizeof(t->vals[0]); i++)
		t->vals[i].type = NT_VAL_NULL;
	for (unsigned i = 0; i < r->n; i++) {
		int idx = -1, added = 0;

		for (unsigned k = 1; k <= 9; k++) {
			idx = field_index(c, r->a[i].key, r->a[i].key_len, k, &added,
					  r->a[i].v.type);
			if (idx < 0 || added || t->vals[idx].type == NT_VAL_NULL)
				break;
			idx = -2;
		}
		if (idx == -3)
			return -1;
		if (idx < 0) {
			t->capped++;
			continue;
		}
		if (added)
			t->vals[idx].type = NT_VAL_NULL;
		t->vals[idx] = r->a[i].v;
		if (t->vals[idx].type == NT_VAL_NULL)
			t->vals[idx].type = NT_VAL_BLOB; /* placeholder: "set, but NULL" */
		if (idx > last)
			last = idx;
	}
	if (c->dirty)
		send_class(b, c);
	nt_batch_event_begin(b, c->id, x->ts, x->cpu, x->pid);
	for (int i = 0; i <= last; i++) {
		const struct val *v = &t->vals[i];

		if (v->type == NT_VAL_INT)
			nt_batch_int(b, v->i);
		else if (v->type == NT_VAL_TEXT)
			nt_batch_text(b, v->n ? v->s : "", v->n);
		else
			nt_batch_null(b);
	}
	nt_batch_event_end(b);
	return 0;
}

/* ---- tasks, cpus, lost events ---- */

static void announce(struct ftext *t, struct nt_batch *b, int32_t pid, const char *comm, size_t n)
{
	unsigned h = ((uint32_t)pid * 2654435761u) % TASK_BUCKETS;
	struct task *k;
	bool unknown = n == 5 && !memcmp(comm, "<...>", 5);
	char *s;

	if (pid < 0)
		return;
	for (k = t->tasks[h]; k; k = k->next)
		if (k->pid == pid)
			break;
	if (k && (unknown || (strlen(k->comm) == n && !memcmp(k->comm, comm, n))))
		return;
	s = strndup(comm, n);
	if (!s)
		return;
	if (!k) {
		k = calloc(1, sizeof(*k));
		if (!k) {
			free(s);
			return;
		}
		k->pid = pid;
		k->next = t->tasks[h];
		t->tasks[h] = k;
	}
	free(k->comm);
	k->comm = s;
	nt_batch_task(b, pid, s);
}

static bool task_known(struct ftext *t, int32_t pid)
{
	for (struct task *k = t->tasks[((uint32_t)pid * 2654435761u) % TASK_BUCKETS]; k;
	     k = k->next)
		if (k->pid == pid)
			return true;
	return false;
}

static struct cpu_state *cpu_state(struct ftext *t, int32_t cpu)
{
	if (cpu < 0 || cpu > MAX_CPU)
		return NULL;
	if (cpu >= t->ncpu) {
		int n = cpu + 8;
		struct cpu_state *c = realloc(t->cpus, (size_t)n * sizeof(*c));

		if (!c)
			return NULL;
		memset(c + t->ncpu, 0, (size_t)(n - t->ncpu) * sizeof(*c));
		for (int i = t->ncpu; i < n; i++)
			c[i].cur_pid = -1;
		t->cpus = c;
		t->ncpu = n;
	}
	return &t->cpus[cpu];
}

/* An event at @ts on @cpu: close a LOST window waiting for it. */
static void cpu_event(struct ftext *t, struct nt_batch *b, int32_t cpu, uint64_t ts)
{
	struct cpu_state *c = cpu_state(t, cpu);

	if (ts > t->last_ts)
		t->last_ts = ts;
	if (!c)
		return;
	if (c->pend) {
		nt_batch_lost(b, cpu, c->pend_count, c->pend_from, ts);
		c->pend = false;
	}
	if (!c->seen)
		c->first_ts = ts;
	c->seen = true;
	c->last_ts = ts;
}

/* "CPU:N [LOST M EVENTS]" (the kernel) or "CPU:N [M EVENTS DROPPED]" (trace-cmd). */
static bool lost_line(struct ftext *t, const char *s, size_t n)
{
	char buf[96], tail[16];
	int cpu, used = 0;
	long long count = -1;
	struct cpu_state *c;

	if (n < 6 || n >= sizeof(buf) || memcmp(s, "CPU:", 4))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (sscanf(buf, "CPU:%d [LOST %lld EVENTS]%n", &cpu, &count, &used) == 2 &&
	    used == (int)n) {
		/* the kernel's form */
	} else if (sscanf(buf, "CPU:%d [%lld EVENTS DROPPED]%n", &cpu, &count, &used) == 2 &&
		   used == (int)n) {
		/* trace-cmd report's form */
	} else if (sscanf(buf, "CPU:%d [EVENTS DROPPED%15[]]%n", &cpu, tail, &used) == 2 &&
		   used == (int)n) {
		count = -1;
	} else {
		return false;
	}
	c = cpu_state(t, cpu);
	if (!c || count < -1)
		return false;
	if (c->pend) {
		c->pend_count =
			(c->pend_count < 0 || count < 0) ? -1 : nt_count_add(c->pend_count, count);
	} else {
		c->pend = true;
		c->pend_count = count;
		c->pend_from = c->seen ? c->last_ts : 0;
	}
	return true;
}

/* ---- warnings ---- */

static void unparsed(struct ftext *t, struct nt_batch *b, const char *s, size_t n, const char *why)
{
	char shown[64];
	size_t k = 0;

	if (!t->unparsed++)
		t->first_unparsed = t->lineno;
	if (t->warned >= MAX_WARN)
		return;
	t->warned++;
	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	for (size_t i = 0; i < n && k + 4 < sizeof(shown); i++)
		shown[k++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	shown[k] = '\0';
	nt_batch_warn(b, "line %" PRIu64 ": %s: '%s%s'", t->lineno, why, shown, k < n ? "..." : "");
}

/* ---- payloads ---- */

static inline bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.';
}

static bool is_key(const struct nt_text_kv *k, const char *lit)
{
	return k->key_len == strlen(lit) && !memcmp(k->key, lit, k->key_len);
}

static int emit_simple(struct ftext *t, struct nt_batch *b, const char *system, const char *name,
		       size_t nl, const char *orig, size_t ol, struct rec *r, const struct ctx *x)
{
	bool full;
	struct tclass *c = get_class(t, system, name, nl, orig, ol, &full);

	if (!c)
		return full ? 1 : -1;
	return put_event(t, b, c, r, x);
}

/* The syscall tracer: "sys_foo(arg: val, ...)" and "sys_foo -> 0xret". 1: not that shape. */
static int syscall_line(struct ftext *t, struct nt_batch *b, const char *p, size_t n,
			const struct ctx *x)
{
	char name[96];
	size_t i = 4, nl;
	struct rec r = {0};
	int64_t v;

	if (n < 6 || memcmp(p, "sys_", 4))
		return 1;
	while (i < n && name_char(p[i]) && p[i] != '.')
		i++;
	nl = i - 4;
	if (!nl || nl > 64)
		return 1;
	rec_common(&r, x, p, n);
	if (i < n && p[i] == '(' && p[n - 1] == ')') {
		size_t a = i + 1;

		snprintf(name, sizeof(name), "sys_enter_%.*s", (int)nl, p + 4);
		while (a < n - 1) { /* "name: hexval" separated by ", " */
			size_t e = a, colon;
			const char *val;
			size_t vl;

			while (e < n - 1 && p[e] != ',')
				e++;
			for (colon = a; colon < e && p[colon] != ':'; colon++)
				;
			if (colon == a || colon >= e || colon + 2 > e || p[colon + 1] != ' ')
				return 1;
			for (size_t k = a; k < colon; k++)
				if (!name_char(p[k]) || p[k] == '.')
					return 1;
			val = p + colon + 2;
			vl = e - colon - 2;
			if (vl > 2 && val[0] == '0' && val[1] == 'x') {
				val += 2;
				vl -= 2;
			}
			if (!nt_text_hex(val, vl, &v))
				return 1;
			rec_int(&r, p + a, colon - a, v);
			a = e + 1;
			while (a < n - 1 && p[a] == ' ')
				a++;
		}
	} else if (n - i > 4 && !memcmp(p + i, " -> ", 4) &&
		   nt_text_int(p + i + 4, n - i - 4, &v)) {
		snprintf(name, sizeof(name), "sys_exit_%.*s", (int)nl, p + 4);
		rec_int(&r, "ret", 3, v);
	} else {
		return 1;
	}
	return emit_simple(t, b, "syscalls", name, strlen(name), p, i, &r, x);
}

/* The function tracer: "func <-parent". 1: not that shape. */
static int function_line(struct ftext *t, struct nt_batch *b, const char *p, size_t n,
			 const struct ctx *x)
{
	const char *arrow = NULL;
	struct rec r = {0};
	size_t fl;

	for (size_t i = 0; i + 3 <= n; i++)
		if (!memcmp(p + i, " <-", 3)) {
			arrow = p + i;
			break;
		}
	if (!arrow || arrow == p || (size_t)(p + n - arrow) <= 3)
		return 1;
	fl = (size_t)(arrow - p);
	for (size_t i = 0; i < fl; i++)
		if (!name_char(p[i]) && p[i] != ' ' && p[i] != '[' && p[i] != ']')
			return 1;
	rec_common(&r, x, p, n);
	rec_text(&r, "ip_sym", p, fl);
	rec_text(&r, "parent_ip_sym", arrow + 3, (size_t)(p + n - arrow - 3));
	return emit_simple(t, b, "ftrace", "function", 8, "function", 8, &r, x);
}

/* raw_syscalls: "NR %ld (%lx, ...)" and "NR %ld = %ld". */
static void raw_syscall_fields(struct rec *r, const char *p, size_t n, bool enter)
{
	size_t i = 3, s;
	int64_t v;

	if (n < 4 || memcmp(p, "NR ", 3))
		return;
	s = i;
	while (i < n && p[i] != ' ')
		i++;
	if (!nt_text_int(p + s, i - s, &v))
		return;
	rec_int(r, "id", 2, v);
	if (enter && i + 2 < n && p[i + 1] == '(' && p[n - 1] == ')')
		rec_text(r, "args", p + i + 2, n - i - 3);
	else if (!enter && i + 3 < n && !memcmp(p + i, " = ", 3) &&
		 nt_text_int(p + i + 3, n - i - 3, &v))
		rec_int(r, "ret", 3, v);
}

/*
 * trace-cmd's funcgraph_entry / funcgraph_exit: raw fields (func=, depth=, calltime=,
 * rettime=) or its function graph rendering ("0.541 us | func();"). Feeds the pairing.
 * Returns 0, 1 when the record has no usable function depth, -1 when out of memory.
 */
static int funcgraph_record(struct ftext *t, struct nt_batch *b, bool entry,
			    const struct nt_text_kv *kv, unsigned nkv, const char *p, size_t n,
			    const struct ctx *x)
{
	const char *func = NULL;
	size_t fl = 0;
	int64_t depth = -1, calltime = -1, rettime = -1, v;
	int64_t dur = NT_FGRAPH_NO_DURATION;
	bool leaf = false;
	struct nt_fg_line g;
	int rc;

	for (unsigned i = 0; i < nkv; i++) {
		const struct nt_text_kv *k = &kv[i];

		if (is_key(k, "func")) {
			func = k->val;
			fl = k->val_len;
		} else if (is_key(k, "depth") && nt_text_int(k->val, k->val_len, &v)) {
			depth = v;
		} else if (is_key(k, "calltime") && nt_text_int(k->val, k->val_len, &v)) {
			calltime = v;
		} else if (is_key(k, "rettime") && nt_text_int(k->val, k->val_len, &v)) {
			rettime = v;
		}
	}
	if (!func) {
		if (nt_fg_body(p, n, 0, &g) || g.kind < NT_FG_ENTRY || g.kind > NT_FG_EXIT)
			return 1;
		func = g.func;
		fl = g.func_len;
		depth = g.depth;
		dur = g.has_duration ? g.duration : NT_FGRAPH_NO_DURATION;
		entry = g.kind != NT_FG_EXIT;
		leaf = g.kind == NT_FG_LEAF;
	}
	if (depth < 0 || depth > NT_FGRAPH_MAX_DEPTH || (func && fl >= sizeof(t->fname)))
		return 1;
	if (!t->fg && !(t->fg = nt_fgraph_new(t->next_class++)))
		return -1;
	if (func) {
		memcpy(t->fname, func, fl);
		t->fname[fl] = '\0';
	}
	if (calltime >= 0 && rettime >= calltime)
		dur = rettime - calltime;
	if (leaf)
		rc = nt_fgraph_leaf(t->fg, b, x->cpu, x->pid, x->ts, t->fname, (int)depth, dur);
	else if (entry)
		rc = nt_fgraph_entry(t->fg, b, x->cpu, x->pid, x->ts, func ? t->fname : NULL,
				     (int)depth);
	else
		rc = nt_fgraph_exit(t->fg, b, x->cpu, x->pid, x->ts, func ? t->fname : NULL,
				    (int)depth, dur);
	return rc < 0 ? -1 : 0;
}

static bool is_name(const char *s, size_t n, const char *lit)
{
	return n == strlen(lit) && !memcmp(s, lit, n);
}

/*
 * The payload of an event line (what follows "TIMESTAMP: "), or of a function_graph comment.
 * Returns 0, 1 when it has no shape we know, -1 when out of memory.
 */
static int payload(struct ftext *t, struct nt_batch *b, const char *p, size_t n,
		   const struct ctx *x)
{
	const char *name = p, *sys = NULL, *body;
	size_t i = 0, nl, sl = 0, bl;
	char sysbuf[72];
	struct rec r = {0};
	struct nt_text_kv kv[MAX_PAIRS];
	unsigned nkv = 0, more = 0;
	bool full;
	struct tclass *c;
	int rc;

	while (n && p[n - 1] == ' ')
		n--;
	while (i < n && name_char(p[i]))
		i++;
	nl = i;
	if (i < n && p[i] == ':' && i + 1 < n && name_char(p[i + 1])) { /* "system:event:" */
		size_t j = i + 1;

		while (j < n && name_char(p[j]))
			j++;
		if (j < n && p[j] == ':' && (j + 1 == n || p[j + 1] == ' ') && i <= 64) {
			sys = p;
			sl = i;
			name = p + i + 1;
			nl = j - i - 1;
			i = j;
		}
	}
	if (!nl || nl > 128 || i >= n || p[i] != ':' || (i + 1 < n && p[i + 1] != ' ')) {
		if (n >= 13 && !memcmp(p, "<stack trace>", 13))
			return 2;
		if (n >= 18 && !memcmp(p, "<user stack trace>", 18))
			return 3;
		rc = syscall_line(t, b, p, n, x);
		if (rc != 1)
			return rc;
		return function_line(t, b, p, n, x);
	}
	body = p + i + 1;
	bl = n - i - 1;
	while (bl && *body == ' ') {
		body++;
		bl--;
	}
	if (sys) {
		snprintf(sysbuf, sizeof(sysbuf), "%.*s", (int)sl, sys);
	} else {
		snprintf(sysbuf, sizeof(sysbuf), "%s", system_of(name, nl));
	}
	c = get_class(t, sysbuf, name, nl, p, i, &full);
	if (!c)
		return full ? 1 : -1;
	rec_common(&r, x, body, bl);
	if (is_name(name, nl, "tracing_mark_write") || is_name(name, nl, "print") ||
	    is_name(name, nl, "bprint") || is_name(name, nl, "bputs")) {
		/* free text: keep it whole */
	} else if (is_name(name, nl, "sys_enter") || is_name(name, nl, "sys_exit")) {
		raw_syscall_fields(&r, body, bl, is_name(name, nl, "sys_enter"));
	} else {
		nkv = nt_text_fields(body, bl, kv, MAX_PAIRS, &more);
		t->capped += more;
		for (unsigned k = 0; k < nkv; k++)
			rec_value(&r, kv[k].key, kv[k].key_len, kv[k].val, kv[k].val_len);
	}
	if (put_event(t, b, c, &r, x))
		return -1;
	if (is_name(name, nl, "funcgraph_entry") || is_name(name, nl, "funcgraph_exit")) {
		rc = funcgraph_record(t, b, is_name(name, nl, "funcgraph_entry"), kv, nkv, body, bl,
				      x);
		if (rc < 0)
			return -1;
		if (rc > 0)
			t->fg_bad++;
	}
	return 0;
}

/* ---- stack traces: "<stack trace>" followed by " => func" lines ---- */

static int stack_begin(struct ftext *t, const char *name, const struct ctx *x)
{
	bool full;

	t->stk.c = get_class(t, "ftrace", name, strlen(name), name, strlen(name), &full);
	if (!t->stk.c)
		return full ? 1 : -1;
	t->stk.active = true;
	t->stk.x = *x;
	t->stk.len = 0;
	if (x->flags) {
		size_t n =
			x->flags_len < sizeof(t->stk.flags) ? x->flags_len : sizeof(t->stk.flags);

		memcpy(t->stk.flags, x->flags, n);
		t->stk.x.flags = t->stk.flags;
		t->stk.x.flags_len = n;
	}
	return 0;
}

static int stack_add(struct ftext *t, const char *s, size_t n)
{
	if (t->stk.len + n + 2 > t->stk.cap) {
		size_t cap = (t->stk.len + n + 2) * 2;
		char *p = realloc(t->stk.text, cap);

		if (!p)
			return -1;
		t->stk.text = p;
		t->stk.cap = cap;
	}
	if (t->stk.len)
		t->stk.text[t->stk.len++] = '\n';
	memcpy(t->stk.text + t->stk.len, s, n);
	t->stk.len += n;
	return 0;
}

static int stack_end(struct ftext *t, struct nt_batch *b)
{
	struct rec r = {0};

	if (!t->stk.active)
		return 0;
	t->stk.active = false;
	rec_common(&r, &t->stk.x, t->stk.len ? t->stk.text : "", t->stk.len);
	return put_event(t, b, t->stk.c, &r, &t->stk.x);
}

/* ---- line kinds ---- */

static int event_line(struct ftext *t, struct nt_batch *b, const char *line, size_t n,
		      const struct nt_text_head *h)
{
	struct ctx x = {.ts = h->ts,
			.cpu = h->cpu,
			.pid = h->pid,
			.has_tgid = h->has_tgid,
			.tgid = h->tgid,
			.flags = h->flags,
			.flags_len = h->flags_len};
	int rc;

	if (h->cpu > MAX_CPU) {
		unparsed(t, b, line, n, "cpu number out of range");
		return 0;
	}
	announce(t, b, h->pid, h->comm, h->comm_len);
	cpu_event(t, b, h->cpu, h->ts);
	rc = payload(t, b, h->rest, h->rest_len, &x);
	if (rc == 1) {
		unparsed(t, b, line, n, "an event line whose payload has no known shape");
		return 0;
	}
	if (rc < 0)
		return -1;
	if (rc == 2 || rc == 3) {
		rc = stack_begin(t, rc == 2 ? "kernel_stack" : "user_stack", &x);
		if (rc < 0)
			return -1;
		if (rc > 0)
			unparsed(t, b, line, n, "too many event names");
	}
	return 0;
}

static int fg_call(struct ftext *t, struct nt_batch *b, const struct nt_fg_line *g, int32_t pid,
		   uint64_t ts)
{
	int rc;

	if (g->func && g->func_len >= sizeof(t->fname))
		return 1;
	if (g->func) {
		memcpy(t->fname, g->func, g->func_len);
		t->fname[g->func_len] = '\0';
	}
	if (!t->fg && !(t->fg = nt_fgraph_new(t->next_class++)))
		return -1;
	if (g->kind == NT_FG_ENTRY)
		rc = nt_fgraph_entry(t->fg, b, g->cpu, pid, ts, t->fname, g->depth);
	else if (g->kind == NT_FG_LEAF)
		rc = nt_fgraph_leaf(t->fg, b, g->cpu, pid, ts, t->fname, g->depth,
				    g->has_duration ? g->duration : NT_FGRAPH_NO_DURATION);
	else
		rc = nt_fgraph_exit(t->fg, b, g->cpu, pid, ts, g->func ? t->fname : NULL, g->depth,
				    g->has_duration ? g->duration : NT_FGRAPH_NO_DURATION);
	return rc;
}

static int fg_line(struct ftext *t, struct nt_batch *b, const char *line, size_t n,
		   const struct nt_fg_line *g)
{
	struct cpu_state *cs = g->cpu >= 0 ? cpu_state(t, g->cpu) : NULL;
	int32_t pid = g->has_proc ? g->pid : (cs ? cs->cur_pid : -1);
	uint64_t ts = g->has_ts ? g->ts : NT_FGRAPH_NO_TS;
	struct ctx x = {.ts = g->has_ts ? g->ts : 0,
			.cpu = g->cpu,
			.pid = pid,
			.flags = g->flags,
			.flags_len = g->flags_len};
	int rc = 0;

	if (g->cpu > MAX_CPU) {
		unparsed(t, b, line, n, "cpu number out of range");
		return 0;
	}
	if (g->has_proc && !task_known(t, g->pid)) /* the column cuts comms to 7 characters */
		announce(t, b, g->pid, g->comm, g->comm_len);
	if (g->has_ts && g->cpu >= 0)
		cpu_event(t, b, g->cpu, g->ts);
	else if (g->has_ts && g->ts > t->last_ts)
		t->last_ts = g->ts;
	switch (g->kind) {
	case NT_FG_ENTRY:
	case NT_FG_LEAF:
	case NT_FG_EXIT:
		rc = fg_call(t, b, g, pid, ts);
		break;
	case NT_FG_COMMENT:
		rc = payload(t, b, g->text, g->text_len, &x);
		if (rc == 1) { /* a trace_printk or marker message */
			struct rec r = {0};

			rec_common(&r, &x, g->text, g->text_len);
			rc = emit_simple(t, b, "ftrace", "print", 5, "print", 5, &r, &x);
		}
		if (rc == 2 || rc == 3)
			rc = stack_begin(t, rc == 2 ? "kernel_stack" : "user_stack", &x);
		break;
	case NT_FG_SWITCH:
		if (!task_known(t, g->pid))
			announce(t, b, g->pid, g->comm, g->comm_len);
		if (!task_known(t, g->pid2))
			announce(t, b, g->pid2, g->comm2, g->comm2_len);
		if (t->fg && nt_fgraph_switch(t->fg, b, g->cpu, g->pid, g->pid2))
			return -1;
		if (cs)
			cs->cur_pid = g->pid2;
		break;
	case NT_FG_NOOP:
		t->overruns += g->overruns;
		break;
	}
	if (rc < 0)
		return -1;
	if (rc > 0)
		unparsed(t, b, line, n, "a function graph line that cannot be used");
	return 0;
}

/* The header's last line, under the column names: "#   | |   |  |||||  |  |" (or / \\). */
static bool is_legend(const char *s, size_t n)
{
	bool bar = false;

	for (size_t i = 1; i < n; i++) {
		if (!strchr(" |/\\", s[i]))
			return false;
		bar |= s[i] == '|';
	}
	return bar;
}

/* "# ..." lines: the tracer name and the buffer statistics are kept, the rest skipped. */
static void header(struct ftext *t, struct nt_batch *b, const char *s, size_t n)
{
	char buf[256];
	long long a, w;
	int p;

	t->legend_last = is_legend(s, n);
	if (n >= sizeof(buf))
		return;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (!t->tracer_sent && !strncmp(buf, "# tracer: ", 10) && n > 10) {
		nt_batch_info(b, "tracer", buf + 10);
		t->tracer_sent = true;
	} else if (sscanf(buf, "# entries-in-buffer/entries-written: %lld/%lld #P:%d", &a, &w,
			  &p) == 3 &&
		   a >= 0 && w >= a && p > 0 && p <= MAX_CPU + 1) {
		char num[16];

		t->have_entries = true;
		t->entries = a;
		t->written = w;
		snprintf(num, sizeof(num), "%d", p);
		nt_batch_info(b, "ncpus", num);
	}
}

static bool starts(const char *s, size_t n, const char *lit)
{
	size_t l = strlen(lit);

	return n >= l && !memcmp(s, lit, l);
}

static int dispatch(struct ftext *t, struct nt_batch *b, const char *s, size_t n)
{
	struct nt_text_head h;
	struct nt_fg_line g;
	size_t p = 0;

	while (p < n && (s[p] == ' ' || s[p] == '\t'))
		p++;
	if (t->stk.active && starts(s + p, n - p, "=> "))
		return stack_add(t, s + p + 3, n - p - 3);
	if (stack_end(t, b))
		return -1;
	if (p == n)
		return 0;
	if (memchr(s, '\0', n)) {
		unparsed(t, b, s, n, "a line with NUL bytes");
		return 0;
	}
	if (s[p] == '#') {
		header(t, b, s + p, n - p);
		return 0;
	}
	t->data_seen = true;
	if (lost_line(t, s + p, n - p))
		return 0;
	if (starts(s, n, "cpus=") && n < 16) {
		char num[16];
		int v;

		memcpy(num, s + 5, n - 5);
		num[n - 5] = '\0';
		if (sscanf(num, "%d", &v) == 1 && v > 0 && v <= MAX_CPU + 1) {
			nt_batch_info(b, "ncpus", num);
			nt_batch_info(b, "text_source", "trace-cmd report");
			return 0;
		}
	}
	if (starts(s, n, "version = ") ||
	    (starts(s + p, n - p, "CPU ") && n > 9 && !memcmp(s + n - 9, " is empty", 9)))
		return 0;
	if (!nt_text_head(s, n, &h))
		return event_line(t, b, s, n, &h);
	if (!nt_fg_line(s, n, &g))
		return fg_line(t, b, s, n, &g);
	unparsed(t, b, s, n, "cannot parse");
	return 0;
}

/* ---- the reader ---- */

static void ft_close(void *state)
{
	struct ftext *t = state;

	if (!t)
		return;
	if (t->f)
		fclose(t->f);
	free(t->line);
	for (unsigned i = 0; i < CLS_BUCKETS; i++)
		for (struct tclass *c = t->cls[i], *nx; c; c = nx) {
			nx = c->next;
			class_free(c);
		}
	for (unsigned i = 0; i < TASK_BUCKETS; i++)
		for (struct task *k = t->tasks[i], *nx; k; k = nx) {
			nx = k->next;
			free(k->comm);
			free(k);
		}
	free(t->cpus);
	free(t->stk.text);
	nt_fgraph_free(t->fg);
	free(t->path);
	free(t);
}

static int open_as(const char *path, const char *reader, void **state, struct nt_err **err)
{
	struct ftext *t = calloc(1, sizeof(*t));
	struct stat st;

	*state = NULL;
	if (!t)
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	t->reader = reader;
	t->next_class = 1;
	if (!(t->path = strdup(path))) {
		ft_close(t);
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	}
	t->f = fopen(path, "r");
	if (!t->f) {
		int en = errno;

		ft_close(t);
		return nt_err_set(err, nt_err_errno(NT_E_INPUT, en, "cannot open '%s'", path));
	}
	if (fstat(fileno(t->f), &st) == 0 && S_ISDIR(st.st_mode)) {
		ft_close(t);
		return nt_err_set(err, nt_err_new(NT_E_INPUT,
						  "cannot read '%s' as %s text: it is a directory; "
						  "give the trace file",
						  path, reader));
	}
	*state = t;
	return 0;
}

static int ft_open(const char *path, void **state, struct nt_err **err)
{
	return open_as(path, "ftrace-text", state, err);
}

static int fg_open(const char *path, void **state, struct nt_err **err)
{
	return open_as(path, "funcgraph", state, err);
}

/* End of input: what waited for more lines, the lost-event windows, the summary. */
static int finish(struct ftext *t, struct nt_batch *b)
{
	char num[32];

	if (stack_end(t, b))
		return -1;
	if (t->fg && nt_fgraph_flush(t->fg, b))
		return -1;
	for (int c = 0; c < t->ncpu; c++)
		if (t->cpus[c].pend)
			nt_batch_lost(b, c, t->cpus[c].pend_count, t->cpus[c].pend_from,
				      t->last_ts);
	if (t->have_entries && t->written > t->entries) {
		/* overwritten before reading: the oldest events, before each cpu's first one */
		uint64_t to = 0;

		for (int c = 0; c < t->ncpu; c++)
			if (t->cpus[c].seen && t->cpus[c].first_ts > to)
				to = t->cpus[c].first_ts;
		nt_batch_lost(b, -1, t->written - t->entries, 0, to);
	}
	if (t->overruns) {
		snprintf(num, sizeof(num), "%" PRIu64, t->overruns);
		nt_batch_info(b, "funcgraph_overruns", num);
	}
	if (t->fg_bad)
		nt_batch_warn(b,
			      "%" PRIu64 " function graph records had no usable depth; they are "
			      "stored as events but not paired into calls",
			      t->fg_bad);
	if (t->capped)
		nt_batch_warn(b,
			      "%" PRIu64 " key=value fields beyond a class's first %d were kept "
			      "only in the text column",
			      t->capped, MAX_FIELDS);
	snprintf(num, sizeof(num), "%" PRIu64, t->unparsed);
	nt_batch_info(b, "unparsed_lines", num);
	if (t->unparsed)
		nt_batch_warn(
			b,
			"%" PRIu64 " of %" PRIu64
			" lines could not be parsed and were skipped (the first at line %" PRIu64
			")",
			t->unparsed, t->lineno, t->first_unparsed);
	return b->oom ? -1 : 0;
}

static enum nt_next ft_next(void *state, struct nt_batch *b, struct nt_err **err)
{
	struct ftext *t = state;

	if (!t->started) {
		nt_batch_info(b, "format", t->reader);
		t->started = true;
	}
	while (b->len < NT_BATCH_TARGET) {
		ssize_t n = getline(&t->line, &t->line_cap, t->f);

		if (n < 0) {
			if (ferror(t->f)) {
				nt_err_set(err, nt_err_errno(NT_E_INPUT, errno,
							     "cannot read line %" PRIu64,
							     t->lineno + 1));
				return NT_NEXT_ERROR;
			}
			if (t->tracer_sent && !t->data_seen && !t->legend_last) {
				/* the kernel's header ends with its column legend */
				nt_err_set(err,
					   nt_err_new(NT_E_INPUT,
						      "'%s' line %" PRIu64
						      ": the file ends inside its header, before "
						      "the column legend (cut short?); give the "
						      "whole trace file",
						      t->path, t->lineno));
				return NT_NEXT_ERROR;
			}
			if (finish(t, b))
				goto oom;
			return NT_NEXT_END;
		}
		t->lineno++;
		while (n && (t->line[n - 1] == '\n' || t->line[n - 1] == '\r'))
			n--;
		if (dispatch(t, b, t->line, (size_t)n) || b->oom)
			goto oom;
		if (nt_interrupted) {
			nt_err_set(err, nt_err_new(NT_E_INTR, "interrupted"));
			return NT_NEXT_ERROR;
		}
	}
	return NT_NEXT_OK;
oom:
	nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory at line %" PRIu64, t->lineno));
	return NT_NEXT_ERROR;
}

/* ---- probing: what the first lines look like ---- */

struct shape {
	unsigned events, fg, lines;
	bool cpus_first, tracer, tracer_fg, binary;
};

static void look(const unsigned char *head, size_t n, struct shape *sh)
{
	const char *s = (const char *)head;
	size_t at = 0;
	bool first = true;

	memset(sh, 0, sizeof(*sh));
	if (!n || memchr(head, '\0', n)) {
		sh->binary = true;
		return;
	}
	while (at < n && sh->lines < 200) {
		const char *nl = memchr(s + at, '\n', n - at);
		size_t len = nl ? (size_t)(nl - (s + at)) : n - at;
		const char *l = s + at;
		struct nt_text_head h;
		struct nt_fg_line g;

		if (!nl && n == NT_PROBE_BYTES)
			break; /* a cut line */
		at += len + 1;
		while (len && l[len - 1] == '\r')
			len--;
		sh->lines++;
		if (!len)
			continue;
		if (first && starts(l, len, "cpus="))
			sh->cpus_first = true;
		if (!starts(l, len, "version = ")) /* trace-cmd report may start with it */
			first = false;
		if (starts(l, len, "# tracer: function_graph"))
			sh->tracer_fg = true;
		else if (starts(l, len, "# tracer: ") || starts(l, len, "# entries-in-buffer/"))
			sh->tracer = true;
		if (!nt_text_head(l, len, &h))
			sh->events++;
		else if (!nt_fg_line(l, len, &g) && g.kind >= NT_FG_ENTRY && g.kind <= NT_FG_EXIT)
			sh->fg++;
	}
}

static int ft_probe(const char *path, const unsigned char *head, size_t n)
{
	struct shape sh;

	(void)path;
	look(head, n, &sh);
	if (sh.binary)
		return 0;
	if (sh.cpus_first && sh.events)
		return 95;
	if (sh.tracer_fg || (sh.fg > sh.events && sh.fg >= 2))
		return 40;
	if (sh.tracer && sh.events)
		return 90;
	if (sh.events)
		return 50 + (sh.events < 40 ? (int)sh.events : 40);
	return 0;
}

static int fg_probe(const char *path, const unsigned char *head, size_t n)
{
	struct shape sh;

	(void)path;
	look(head, n, &sh);
	if (sh.binary)
		return 0;
	if (sh.tracer_fg)
		return 95;
	if (sh.fg >= 2 && sh.fg > sh.events)
		return 60 + (sh.fg < 30 ? (int)sh.fg : 30);
	return 0;
}

const struct nt_reader_ops nt_ftrace_text_reader = {
	.name = "ftrace-text",
	.help = "ftrace text: the kernel's trace and trace_pipe files and trace-cmd report output",
	.probe = ft_probe,
	.open = ft_open,
	.next = ft_next,
	.close = ft_close,
};

const struct nt_reader_ops nt_funcgraph_reader = {
	.name = "funcgraph",
	.help = "function_graph tracer text (the trace file with current_tracer function_graph)",
	.probe = fg_probe,
	.open = fg_open,
	.next = ft_next,
	.close = ft_close,
};
