/* SPDX-License-Identifier: GPL-2.0 */
/*
 * skb lifecycles: follows each sk_buff by address through every event that carries it, from
 * its allocation (or first sighting) to its free (or the reuse of its address), and writes one
 * row per lifecycle with its hops (skb_hop_lists, analyze.h), latency percentiles between
 * stages and a drop summary. Memory: a hash map of the skbs in flight with their hops so far;
 * the per-stage latency samples (exact) are kept in files beside the database (samples.h).
 */
#include "analyze.h"
#include "flow.h"
#include "hmap.h"
#include "ksyms.h"
#include "samples.h"
#include "../core/sys.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum stage { S_ALLOC, S_QUEUE, S_XMIT, S_RECEIVE, S_COPY, S_FREE, NSTAGE, S_OTHER = NSTAGE };
static const char *const stage_name[] = {"alloc", "queue", "xmit", "receive",
					 "copy",  "free",  "other"};

#define NDEVS	  4  /* devices remembered per skb, for reuse detection */
#define NDEV_NAME 16 /* IFNAMSIZ */

enum outcome { O_OPEN, O_CONSUMED, O_DROPPED, O_RECYCLED };
static const char *const outcome_name[] = {"open", "consumed", "dropped", "recycled"};

/* What ended a lifecycle: the evidence behind its outcome. */
enum end_by { E_NONE, E_CONSUME, E_KFREE, E_SLAB, E_REUSE, E_READ };
static const char *const end_name[] = {NULL,	    "consume_skb", "kfree_skb",
				       "slab_free", "reuse",	   "read"};

struct life {
	int64_t id, addr;
	int64_t start_ts, last_ts, end_ts, reuse_ts, hops;
	int64_t ts[NSTAGE];
	unsigned stages; /* bit per stage seen */
	int64_t len, rx_len, protocol, reason_code, loc;
	bool has_len, has_rx_len, has_protocol, has_reason_code, has_loc;
	char dev[32], rx_dev[32];
	char queued[NDEVS][NDEV_NAME];	 /* devices it was queued on */
	char received[NDEVS][NDEV_NAME]; /* devices whose netif_receive_skb it passed */
	enum outcome outcome;
	enum end_by end_by;
	char *reason, *loc_sym;	     /* owned */
	int tx_pid, rx_pid, rx_rank; /* rx_rank: 0 none, 1 at the free, 2 at the copy */
	int64_t tx_task, rx_task, read_ts;
	bool has_tx, read; /* read: a task read it from its socket (sock_recv_length) */
	bool multi;	   /* delivered to more than one socket: reads prove nothing */
	bool hidden;	   /* the trace hides its address ("(____ptrval____)"): one event */
	uint64_t cpus;	   /* bit (cpu % 64) per cpu seen */
	struct nt_flow flow;
	enum { F_NONE, F_KNOWN, F_CONFLICT } flow_state;
	char flow_from[48]; /* the event that gave the flow */
	char *hj;	    /* owned: the hops as JSON so far, without the closing bracket */
	size_t hn, hcap;    /* its length and room */
	int64_t row0, ts0;  /* the first hop's rowid and time, the hops' bases */
};

/* A TCP socket's endpoints (local -> remote) as its own events last showed them. */
struct socktuple {
	uint64_t sk; /* key */
	struct nt_flow flow;
};

/* Drop summary row: outcome, evidence, reason, location. */
struct sum {
	enum outcome outcome;
	enum end_by end_by;
	char *reason, *loc; /* owned */
	bool has_loc;
	int64_t loc_addr, count, lossy;
};

/* A datagram queued on a socket (sk_data_ready), in the socket's order; id 0: not known. */
struct dgram {
	int64_t addr, id;
	struct dgram *next;
};

/* A UDP socket's receive queue as the trace shows it. */
struct sockq {
	uint64_t sk;   /* key */
	bool anchored; /* its queue was seen empty (allocated or EAGAIN in the trace) */
	struct dgram *head, *tail;
};

/* Per cpu: the skb of the last netif_receive_skb, which the next sk_data_ready queued. */
struct rxpend {
	int64_t addr, id, ts;
	bool queued; /* an sk_data_ready took it */
};

struct skb_ctx {
	struct nt_actx *ax;
	struct nt_hmap lives; /* struct live by address */
	int64_t next_id, trace_last, max_ts;
	int max_cpu;
	bool slab_free_class;			/* the trace has kmem:kmem_cache_free events: */
	bool slab_free_known;			/* asked (when first needed: nt_actx_has_events) */
	bool lost_windows;			/* the trace has lost events somewhere */
	struct nt_samples *lat[NSTAGE][NSTAGE]; /* owned, made when first needed */
	int samples_err; /* errno of the first sample that could not be kept, or 0 */
	char *dir;	 /* owned: where their files go (the database's), NULL: in memory */
	struct sum *sums;
	int nsums;
	sqlite3_stmt *ins_life, *ins_hop;
	struct nt_hmap socks;  /* struct sockq by socket address */
	struct nt_hmap tuples; /* struct socktuple by socket address */
	struct nt_ksyms ks;    /* for locations the trace did not name, loaded on first need */
	int ks_src;	       /* enum nt_ksyms_src, -1 before loading */
	int64_t n_unresolved;  /* locations left as addresses */
	struct rxpend *pend;   /* per cpu */
	int npend;
	int64_t n_life, n_open, n_lossy, n_reuse, n_recycled, n_hidden, untracked_frees;
	int64_t n_flow, n_flow_conflict, n_rx_sk_unknown;
	bool oom;
};

static void tuple_set(struct skb_ctx *x, int64_t sk, const struct nt_flow *f);

/* ---- the map of skbs in flight ---- */

/* An skb in flight: its lifecycle by address (analyze/hmap.h). */
struct live {
	uint64_t addr; /* key */
	struct life *l;
};

static struct life *map_get(struct skb_ctx *x, int64_t addr)
{
	struct live *v = nt_hmap_find(&x->lives, (uint64_t)addr);

	return v ? v->l : NULL;
}

/* Add @l, whose address is not in the map. */
static int map_put(struct skb_ctx *x, struct life *l)
{
	struct live *v = nt_hmap_add(&x->lives, (uint64_t)l->addr);

	if (!v)
		return -1;
	v->l = l;
	return 0;
}

static void map_del(struct skb_ctx *x, int64_t addr)
{
	struct live *v = nt_hmap_find(&x->lives, (uint64_t)addr);

	if (v)
		nt_hmap_del(&x->lives, v);
}

/* ---- results ---- */

static void sample_add(struct skb_ctx *x, int a, int b, int64_t v)
{
	struct nt_samples **s = &x->lat[a][b];

	errno = 0;
	if (((!*s && !(*s = nt_samples_new(x->dir))) || nt_samples_add(*s, v)) && !x->samples_err)
		x->samples_err = errno ? errno : ENOMEM;
}

static bool same(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static void sum_add(struct skb_ctx *x, const struct life *l, bool lossy)
{
	struct sum *s;

	for (int i = 0; i < x->nsums; i++) {
		s = &x->sums[i];
		if (s->outcome == l->outcome && s->end_by == l->end_by &&
		    same(s->reason, l->reason) && same(s->loc, l->loc_sym) &&
		    s->has_loc == l->has_loc && (!l->has_loc || s->loc_addr == l->loc))
			goto found;
	}
	s = realloc(x->sums, (size_t)(x->nsums + 1) * sizeof(*s));
	if (!s) {
		x->oom = true;
		return;
	}
	x->sums = s;
	s = &x->sums[x->nsums++];
	*s = (struct sum){l->outcome, l->end_by, NULL, NULL, l->has_loc, l->has_loc ? l->loc : 0,
			  0,	      0};
	if ((l->reason && !(s->reason = strdup(l->reason))) ||
	    (l->loc_sym && !(s->loc = strdup(l->loc_sym))))
		x->oom = true;
found:
	s->count++;
	s->lossy += lossy;
}

static bool life_lossy(struct skb_ctx *x, const struct life *l, int64_t to)
{
	if (!x->lost_windows)
		return false;
	for (int c = 0; c <= x->max_cpu; c++)
		if ((l->cpus >> (c % 64) & 1) && nt_actx_lossy(x->ax, c, l->start_ts, to))
			return true;
	return false;
}

static void bind_opt(sqlite3_stmt *st, int i, bool has, int64_t v)
{
	if (has)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

static void bind_str(sqlite3_stmt *st, int i, const char *s)
{
	if (s && *s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

/* The flow columns from @at on: family, ip_proto, saddr, sport, daddr, dport, tcp_flags, from. */
static void bind_flow(sqlite3_stmt *st, int at, const struct life *l)
{
	const struct nt_flow *f = &l->flow;
	char s[64], d[64], fl[32];

	if (l->flow_state != F_KNOWN) {
		for (int i = 0; i < 8; i++)
			sqlite3_bind_null(st, at + i);
		return;
	}
	nt_flow_addr_str(f->family, f->saddr, s, sizeof(s));
	nt_flow_addr_str(f->family, f->daddr, d, sizeof(d));
	nt_flow_flags_str(f->flags, fl, sizeof(fl));
	sqlite3_bind_int(st, at, f->family);
	sqlite3_bind_int(st, at + 1, f->proto);
	sqlite3_bind_text(st, at + 2, s, -1, SQLITE_TRANSIENT);
	bind_opt(st, at + 3, f->sport || f->dport, f->sport); /* none: ICMP by its header */
	sqlite3_bind_text(st, at + 4, d, -1, SQLITE_TRANSIENT);
	bind_opt(st, at + 5, f->sport || f->dport, f->dport);
	if (f->has_flags)
		sqlite3_bind_text(st, at + 6, fl, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, at + 6);
	sqlite3_bind_text(st, at + 7, l->flow_from, -1, SQLITE_TRANSIENT);
}

static void life_free(struct life *l)
{
	free(l->reason);
	free(l->loc_sym);
	free(l->hj);
	free(l);
}

/* Write @l's hops: one skb_hop_lists row (none when it has none). */
static int put_hops(struct skb_ctx *x, struct life *l)
{
	sqlite3_stmt *st = x->ins_hop;
	int rc = 0;

	if (!l->hn)
		return 0;
	l->hj[l->hn] = ']'; /* hop_room() keeps a byte for it */
	sqlite3_bind_int64(st, 2, l->id);
	sqlite3_bind_int64(st, 3, l->row0);
	sqlite3_bind_int64(st, 4, l->ts0);
	sqlite3_bind_text(st, 5, l->hj, (int)l->hn + 1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = -1;
	sqlite3_reset(st);
	return rc;
}

/* Write @l, account for it and free it. The caller has removed it from the map. */
static int finish(struct skb_ctx *x, struct life *l)
{
	sqlite3_stmt *st = x->ins_life;
	int64_t to = l->end_by == E_REUSE   ? l->reuse_ts
		     : l->end_by == E_READ  ? l->read_ts
		     : l->outcome == O_OPEN ? x->trace_last
					    : l->end_ts;
	bool lossy = life_lossy(x, l, to > l->last_ts ? to : l->last_ts);
	int rc = 0, prev = -1;

	sqlite3_bind_int64(st, 2, l->id);
	bind_opt(st, 3, !l->hidden, l->addr);
	sqlite3_bind_int64(st, 4, l->start_ts);
	sqlite3_bind_int64(st, 5, l->last_ts);
	bind_opt(st, 6, l->outcome != O_OPEN && l->end_by != E_REUSE && l->end_by != E_READ,
		 l->end_ts);
	bind_str(st, 7, l->dev);
	bind_str(st, 8, l->rx_dev);
	bind_opt(st, 9, l->has_len, l->len);
	bind_opt(st, 10, l->has_rx_len, l->rx_len);
	bind_opt(st, 11, l->has_protocol, l->protocol);
	sqlite3_bind_text(st, 12, outcome_name[l->outcome], -1, SQLITE_STATIC);
	bind_str(st, 13, end_name[l->end_by]);
	bind_str(st, 14, l->reason);
	bind_opt(st, 15, l->has_reason_code, l->reason_code);
	bind_str(st, 16, l->loc_sym);
	bind_opt(st, 17, l->has_loc, l->loc);
	bind_opt(st, 18, l->has_tx, l->tx_pid);
	bind_opt(st, 19, l->has_tx, l->tx_task);
	bind_opt(st, 20, l->rx_rank > 0, l->rx_pid);
	bind_opt(st, 21, l->rx_rank > 0, l->rx_task);
	for (int s = 0; s < NSTAGE; s++)
		bind_opt(st, 22 + s, l->stages >> s & 1, l->ts[s]);
	sqlite3_bind_int64(st, 28, l->hops);
	sqlite3_bind_int(st, 29, lossy);
	bind_flow(st, 30, l);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = -1;
	sqlite3_reset(st);
	if (!rc)
		rc = put_hops(x, l);
	x->n_life++;
	x->n_open += l->outcome == O_OPEN;
	x->n_lossy += lossy;
	x->n_reuse += l->end_by == E_REUSE;
	x->n_recycled += l->outcome == O_RECYCLED;
	x->n_flow += l->flow_state == F_KNOWN;
	x->n_flow_conflict += l->flow_state == F_CONFLICT;
	if (l->outcome != O_OPEN)
		sum_add(x, l, lossy);
	for (int s = 0; s < NSTAGE && !lossy; s++) {
		if (!(l->stages >> s & 1))
			continue;
		if (prev >= 0)
			sample_add(x, prev, s, l->ts[s] - l->ts[prev]);
		prev = s;
	}
	life_free(l);
	return rc;
}

/* End the lifecycle at @addr, if any, because its address was allocated again at @ts. */
static int end_by_reuse(struct skb_ctx *x, int64_t addr, int64_t ts)
{
	struct life *l = map_get(x, addr);

	if (!l)
		return 0;
	if (l->outcome == O_OPEN) {
		l->outcome = O_CONSUMED; /* freed without a drop event */
		l->end_by = E_REUSE;
		l->reuse_ts = ts;
	}
	map_del(x, addr);
	return finish(x, l);
}

static struct life *start(struct skb_ctx *x, int64_t addr, const struct nt_ev *e)
{
	struct life *l = calloc(1, sizeof(*l));

	if (l)
		l->addr = addr;
	if (!l || map_put(x, l)) {
		free(l);
		x->oom = true;
		return NULL;
	}
	l->id = ++x->next_id;
	l->start_ts = e->ts;
	return l;
}

/*
 * The lifecycle an event on @addr belongs to: the one in flight, or a new one when there is
 * none or the one at that address has already ended (its address is in use again).
 */
static struct life *life_at(struct skb_ctx *x, int64_t addr, const struct nt_ev *e)
{
	struct life *l = map_get(x, addr);

	if (l && l->outcome != O_OPEN) {
		map_del(x, addr);
		if (finish(x, l))
			return NULL;
		l = NULL;
	}
	return l ? l : start(x, addr, e);
}

/* event_classes.id of @e's class (hops store it, the skb_hops view shows its name). */
static int64_t class_id(const struct nt_ev *e)
{
	return e->cls_id;
}

/* Room for @n more bytes of @l's hops, and one for the closing bracket. */
static bool hop_room(struct life *l, size_t n)
{
	return !nt_reserve(&l->hj, &l->hcap, l->hn + n + 1);
}

/* Append the @n bytes @s to @l's hops. */
static bool hop_put(struct life *l, const char *s, size_t n)
{
	if (!hop_room(l, n))
		return false;
	memcpy(l->hj + l->hn, s, n);
	l->hn += n;
	return true;
}

/*
 * Append @s to @l's hops as a JSON string: quote, backslash and control bytes escaped, every
 * other byte kept (core/escape's nt_esc_json writes for readers and replaces bytes that are not
 * UTF-8; the view must give back the device name the trace stored).
 */
static bool hop_str(struct life *l, const char *s)
{
	if (!hop_room(l, 6 * strlen(s) + 2))
		return false;
	l->hj[l->hn++] = '"';
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c == '"' || *c == '\\') {
			l->hj[l->hn++] = '\\';
			l->hj[l->hn++] = (char)*c;
		} else if (*c < 0x20) {
			l->hn += (size_t)snprintf(l->hj + l->hn, 7, "\\u%04x", *c);
		} else {
			l->hj[l->hn++] = (char)*c;
		}
	}
	l->hj[l->hn++] = '"';
	return true;
}

/* Record event @e as a hop of @l at @stage (device and length when the event has them). */
static int hop(struct skb_ctx *x, struct life *l, const struct nt_ev *e, enum stage stage,
	       const char *dev, bool has_len, int64_t len)
{
	char *p;

	if (e->ts > x->max_ts)
		x->max_ts = e->ts;
	if (e->cpu > x->max_cpu)
		x->max_cpu = e->cpu;
	if (e->cpu >= 0)
		l->cpus |= 1ull << (e->cpu % 64);
	l->last_ts = e->ts;
	l->hops++;
	if (stage < NSTAGE && !(l->stages >> stage & 1)) {
		l->stages |= 1u << stage;
		l->ts[stage] = e->ts;
	}
	if (!l->hn) {
		l->row0 = e->rowid;
		l->ts0 = e->ts;
	}
	/* [rowid - rowid0, class, stage, ts - ts0, cpu, pid, device, len]: at most 7 numbers of
	 * 20 characters, brackets and commas, before the device */
	if (!hop_room(l, 160))
		goto oom;
	p = l->hj + l->hn;
	*p++ = l->hn ? ',' : '[';
	*p++ = '[';
	p += nt_fmt_i64(p, e->rowid - l->row0);
	*p++ = ',';
	p += nt_fmt_i64(p, class_id(e));
	*p++ = ',';
	p += nt_fmt_i64(p, stage);
	*p++ = ',';
	p += nt_fmt_i64(p, e->ts - l->ts0);
	*p++ = ',';
	p += nt_fmt_i64(p, e->cpu);
	*p++ = ',';
	p += nt_fmt_i64(p, e->pid);
	*p++ = ',';
	l->hn = (size_t)(p - l->hj);
	if (!(dev && *dev ? hop_str(l, dev) : hop_put(l, "null", 4)))
		goto oom;
	if (!hop_room(l, 24)) /* ",len]" */
		goto oom;
	p = l->hj + l->hn;
	*p++ = ',';
	if (has_len) {
		p += nt_fmt_i64(p, len);
	} else {
		memcpy(p, "null", 4);
		p += 4;
	}
	*p++ = ']';
	l->hn = (size_t)(p - l->hj);
	return 0;
oom:
	x->oom = true;
	return -1;
}

static void set_rx_task(struct life *l, const struct nt_ev *e, int rank)
{
	if (rank > l->rx_rank) {
		l->rx_rank = rank;
		l->rx_pid = e->pid;
		l->rx_task = e->task;
	}
}

/* ---- handlers ---- */

/* Is @name a cache of sk_buff structures (not of data heads or extensions)? */
static bool skb_cache(const char *name)
{
	return name && !strncmp(name, "skbuff", 6) && !strstr(name, "small_head") &&
	       !strstr(name, "_ext_");
}

/* ---- UDP sockets' receive queues: which datagram a read took ---- */

static void sock_clear(struct sockq *q)
{
	while (q->head) {
		struct dgram *d = q->head;
		q->head = d->next;
		free(d);
	}
	q->tail = NULL;
}

static struct sockq *sock_get(struct skb_ctx *x, int64_t sk)
{
	struct sockq *q = nt_hmap_find(&x->socks, (uint64_t)sk);

	if (!q && !(q = nt_hmap_add(&x->socks, (uint64_t)sk)))
		x->oom = true;
	return q;
}

/* A socket allocated in the trace starts with an empty queue; its free ends it. */
static void sock_alloc(struct skb_ctx *x, int64_t sk)
{
	struct sockq *q = sock_get(x, sk);

	if (q) {
		sock_clear(q);
		q->anchored = true;
	}
}

static void sock_gone(struct skb_ctx *x, int64_t sk)
{
	struct sockq *q = nt_hmap_find(&x->socks, (uint64_t)sk);

	if (q) {
		sock_clear(q);
		nt_hmap_del(&x->socks, q);
	}
}

/* Is this allocation a socket (sk_prot_alloc, or a UDP socket cache)? */
static bool sock_alloc_site(const struct nt_ev *e)
{
	const char *name = nt_ev_text(e, 1), *site = nt_ev_has(e, 2) ? nt_ev_text(e, 2) : NULL;

	return (site && !strncmp(site, "sk_prot_alloc+", 14)) ||
	       (name && (!strcmp(name, "UDP") || !strcmp(name, "UDPv6") ||
			 !strcmp(name, "UDP-Lite") || !strcmp(name, "UDPLITEv6")));
}

static const char *const f_alloc[] = {"ptr", "name", "call_site_sym", NULL};

static int on_alloc(void *ctx, const struct nt_ev *e)
{
	struct skb_ctx *x = ctx;
	int64_t ptr = nt_ev_int(e, 0);
	struct life *l;

	if (!ptr)
		return 0;
	if (end_by_reuse(x, ptr, e->ts))
		return -1;
	if (sock_alloc_site(e))
		sock_alloc(x, ptr);
	if (!skb_cache(nt_ev_text(e, 1)))
		return 0;
	l = start(x, ptr, e);
	if (!l)
		return -1;
	return hop(x, l, e, S_ALLOC, NULL, false, 0);
}

/*
 * Is field @f a pointer the trace hides: text where an address belongs ("(____ptrval____)",
 * printed for %p before the kernel can hash pointers; "(ptrval)" on older kernels)?
 */
static bool hidden_ptr(const struct nt_ev *e, int f)
{
	const char *t;

	if (!nt_ev_has(e, f) || nt_ev_type(e, f) != SQLITE_TEXT)
		return false;
	t = nt_ev_text(e, f);
	return t && t[0] == '(' && strcmp(t, "(null)");
}

/* A lifecycle of the one end event of an skb whose address the trace hides: not followed. */
static struct life *hidden_life(struct skb_ctx *x, const struct nt_ev *e)
{
	struct life *l = calloc(1, sizeof(*l));

	if (!l) {
		x->oom = true;
		return NULL;
	}
	l->id = ++x->next_id;
	l->start_ts = e->ts;
	l->hidden = true;
	x->n_hidden++;
	return l;
}

/* A location the trace gave as an address only (perf.data): named from analyze/ksyms.h. */
static void resolve_loc(struct skb_ctx *x, struct life *l)
{
	const char *name;
	uint64_t off = 0;
	char buf[300];

	if (x->ks_src < 0)
		x->ks_src = nt_actx_ksyms(x->ax, &x->ks);
	name = nt_ksyms_find(&x->ks, (uint64_t)l->loc, &off);
	if (!name) {
		x->n_unresolved++;
		return;
	}
	if (off)
		snprintf(buf, sizeof(buf), "%s+0x%llx", name, (unsigned long long)off);
	else
		snprintf(buf, sizeof(buf), "%s", name);
	if (!(l->loc_sym = strdup(buf)))
		x->oom = true;
}

/*
 * Where it ended: field @f (an address; text readers keep the symbol text there) and @fsym
 * (the symbol the reader resolved). A hidden location stays unknown.
 */
static void set_loc(struct skb_ctx *x, struct life *l, const struct nt_ev *e, int f, int fsym)
{
	const char *sym = nt_ev_has(e, fsym) ? nt_ev_text(e, fsym) : NULL;

	l->has_loc = nt_ev_has(e, f) && nt_ev_type(e, f) == SQLITE_INTEGER;
	l->loc = l->has_loc ? nt_ev_int(e, f) : 0;
	if (!sym && nt_ev_has(e, f) && !l->has_loc && !hidden_ptr(e, f))
		sym = nt_ev_text(e, f);
	free(l->loc_sym);
	l->loc_sym = NULL;
	if (sym && !(l->loc_sym = strdup(sym)))
		x->oom = true;
	if (!sym && l->has_loc && l->loc)
		resolve_loc(x, l);
}

static const char *const f_slab_free[] = {"ptr", "name", "call_site", "call_site_sym", NULL};

/* The slab free of a tracked address is the skb's final free, whatever the cache's name. */
static int on_slab_free(void *ctx, const struct nt_ev *e)
{
	struct skb_ctx *x = ctx;
	int64_t ptr = nt_ev_int(e, 0);
	struct life *l = ptr ? map_get(x, ptr) : NULL;

	if (ptr) {
		sock_gone(x, ptr);
		tuple_set(x, ptr, NULL);
	}
	if (!l) {
		x->untracked_frees += ptr && skb_cache(nt_ev_text(e, 1));
		return 0;
	}
	if (hop(x, l, e, S_FREE, NULL, false, 0))
		return -1;
	if (l->outcome == O_OPEN) {
		l->outcome = O_CONSUMED;
		l->end_by = E_SLAB;
		l->end_ts = e->ts;
		set_loc(x, l, e, 2, 3);
		set_rx_task(l, e, 1);
	}
	map_del(x, ptr);
	return finish(x, l);
}

/* An end seen: keep the lifecycle for the slab free that may follow, if the trace has them. */
static int ended(struct skb_ctx *x, struct life *l)
{
	if (!x->slab_free_known) {
		x->slab_free_class = nt_actx_has_events(x->ax, "kmem:kmem_cache_free");
		x->slab_free_known = true;
	}
	if (x->slab_free_class)
		return 0;
	map_del(x, l->addr);
	return finish(x, l);
}

static const char *const f_consume[] = {"skbaddr", "location", "location_sym", NULL};

static int on_consume(void *ctx, const struct nt_ev *e)
{
	struct skb_ctx *x = ctx;
	int64_t addr = nt_ev_int(e, 0);
	bool hide = !addr && hidden_ptr(e, 0);
	struct life *l;

	if (!addr && !hide)
		return 0;
	l = hide ? hidden_life(x, e) : life_at(x, addr, e);
	if (!l || hop(x, l, e, S_FREE, NULL, false, 0))
		return -1;
	l->outcome = O_CONSUMED;
	l->end_by = E_CONSUME;
	l->end_ts = e->ts;
	set_loc(x, l, e, 1, 2);
	set_rx_task(l, e, 1);
	return hide ? finish(x, l) : ended(x, l);
}

static const char *const f_kfree[] = {"skbaddr",      "reason",	  "reason_sym", "location",
				      "location_sym", "protocol", "rx_sk",	NULL};

static void flow_apply(struct skb_ctx *x, struct life *l, const struct nt_flow *f,
		       const char *from);

/*
 * kfree_skb is the kernel's drop path: a drop, with the reason as the trace names it, unless
 * the trace itself names the reason as not a drop (CONSUMED, NOT_DROPPED_YET).
 */
static int on_kfree(void *ctx, const struct nt_ev *e)
{
	struct skb_ctx *x = ctx;
	int64_t addr = nt_ev_int(e, 0);
	const char *reason = NULL;
	bool hide = !addr && hidden_ptr(e, 0);
	struct life *l;

	if (!addr && !hide)
		return 0;
	l = hide ? hidden_life(x, e) : life_at(x, addr, e);
	if (!l || hop(x, l, e, S_FREE, NULL, false, 0))
		return -1;
	if (nt_ev_has(e, 2))
		reason = nt_ev_text(e, 2);
	else if (nt_ev_has(e, 1) && nt_ev_type(e, 1) == SQLITE_TEXT)
		reason = nt_ev_text(e, 1); /* a reader that stores the enum's name */
	if (nt_ev_has(e, 1) && nt_ev_type(e, 1) == SQLITE_INTEGER) {
		l->has_reason_code = true;
		l->reason_code = nt_ev_int(e, 1);
	}
	if (reason && !(l->reason = strdup(reason)))
		x->oom = true;
	l->outcome = reason && (!strcmp(reason, "CONSUMED") || !strcmp(reason, "NOT_DROPPED_YET"))
			     ? O_CONSUMED
			     : O_DROPPED;
	l->end_by = E_KFREE;
	l->end_ts = e->ts;
	set_loc(x, l, e, 3, 4);
	if (!l->has_protocol && nt_ev_has(e, 5)) {
		l->has_protocol = true;
		l->protocol = nt_ev_int(e, 5);
	}
	if (l->outcome == O_CONSUMED)
		set_rx_task(l, e, 1);
	if (nt_ev_int(e, 6)) { /* the receiving socket (6.12+): its peer sent this skb */
		struct socktuple *t = nt_hmap_find(&x->tuples, (uint64_t)nt_ev_int(e, 6));
		struct nt_flow f;

		if (t) {
			f = t->flow;
			nt_flow_reverse(&f);
			flow_apply(x, l, &f, "skb:kfree_skb rx_sk");
		} else {
			x->n_rx_sk_unknown++;
		}
	}
	return hide ? finish(x, l) : ended(x, l);
}

/* "dev" is how the text of these events names the device ("name" in their binary format) */
static const char *const f_net[] = {
	"skbaddr", "len", "name", "protocol", "dev", NT_FLOW_LTTNG_FIELDS, NULL};
enum { F_NET_LTTNG = 5 }; /* LTTng's headers (analyze/flow.h) */

/* The kinds of net events: where the skb is on its way. */
enum net_kind { N_QUEUE, N_XMIT, N_RX_ENTRY, N_RX_CORE };

static bool dev_in(const char (*set)[NDEV_NAME], const char *dev)
{
	for (int i = 0; i < NDEVS && set[i][0]; i++)
		if (!strncmp(set[i], dev, NDEV_NAME - 1))
			return true;
	return false;
}

static void dev_add(char (*set)[NDEV_NAME], const char *dev)
{
	for (int i = 0; i < NDEVS; i++) {
		if (!set[i][0]) {
			nt_strcpy_cut(set[i], NDEV_NAME, dev);
			return;
		}
		if (!strncmp(set[i], dev, NDEV_NAME - 1))
			return;
	}
}

/*
 * Has the skb at this address been freed and reused without a trace of either (6.x kernels
 * recycle skbs through per-cpu caches, untraced)? Only what one skb cannot do counts: be
 * queued or received after it was copied to a user, be queued again on a device it was already
 * queued or received on, enter the receive path again on a device whose receive path it has
 * already been through.
 */
static bool reappears(const struct life *l, enum net_kind k, const char *dev)
{
	if (l->stages >> S_COPY & 1)
		return true;
	if (!dev || !*dev)
		return false;
	if (k == N_QUEUE)
		return dev_in(l->queued, dev) || dev_in(l->received, dev);
	if (k == N_RX_ENTRY || k == N_RX_CORE)
		return dev_in(l->received, dev);
	return false;
}

/* Make room for cpu @cpu's pending receive. */
static bool rx_pending(struct skb_ctx *x, int cpu)
{
	if (cpu < 0 || cpu > 4095)
		return false;
	if (cpu >= x->npend) {
		struct rxpend *p = realloc(x->pend, (size_t)(cpu + 1) * sizeof(*p));
		if (!p) {
			x->oom = true;
			return false;
		}
		memset(p + x->npend, 0, (size_t)(cpu + 1 - x->npend) * sizeof(*p));
		x->pend = p;
		x->npend = cpu + 1;
	}
	return true;
}

static int on_net(struct skb_ctx *x, const struct nt_ev *e, enum net_kind k)
{
	int64_t addr = nt_ev_int(e, 0), len = nt_ev_int(e, 1);
	const char *dev = nt_ev_has(e, 2) ? nt_ev_text(e, 2) : nt_ev_text(e, 4);
	bool has_len = nt_ev_has(e, 1), tx = k == N_QUEUE || k == N_XMIT;
	struct life *l = addr ? map_get(x, addr) : NULL;
	struct nt_flow f;

	if (!addr)
		return 0;
	if (l && l->outcome == O_OPEN && reappears(l, k, dev) && end_by_reuse(x, addr, e->ts))
		return -1;
	if (!(l = life_at(x, addr, e)) ||
	    hop(x, l, e, tx ? (k == N_QUEUE ? S_QUEUE : S_XMIT) : S_RECEIVE, dev, has_len, len))
		return -1;
	if (dev && *dev && k == N_QUEUE)
		dev_add(l->queued, dev);
	if (dev && *dev && k == N_RX_CORE)
		dev_add(l->received, dev);
	if (k == N_RX_CORE && rx_pending(x, e->cpu))
		x->pend[e->cpu] = (struct rxpend){addr, l->id, e->ts, false};
	if (tx) {
		if (!l->has_len && has_len) {
			l->has_len = true;
			l->len = len;
		}
		if (!l->dev[0] && dev)
			nt_strcpy_cut(l->dev, sizeof(l->dev), dev);
		if (!l->has_tx) {
			l->has_tx = true;
			l->tx_pid = e->pid;
			l->tx_task = e->task;
		}
	} else {
		if (!l->has_rx_len && has_len) {
			l->has_rx_len = true;
			l->rx_len = len;
		}
		if (!l->rx_dev[0] && dev)
			nt_strcpy_cut(l->rx_dev, sizeof(l->rx_dev), dev);
	}
	if (!l->has_protocol && nt_ev_has(e, 3)) {
		l->has_protocol = true;
		l->protocol = nt_ev_int(e, 3);
	}
	if (nt_flow_read_lttng(e, F_NET_LTTNG, !tx, &f))
		flow_apply(x, l, &f, e->cls);
	return 0;
}

static int on_queue(void *ctx, const struct nt_ev *e)
{
	return on_net(ctx, e, N_QUEUE);
}

static int on_xmit(void *ctx, const struct nt_ev *e)
{
	return on_net(ctx, e, N_XMIT);
}

static int on_rx_entry(void *ctx, const struct nt_ev *e)
{
	return on_net(ctx, e, N_RX_ENTRY);
}

static int on_rx_core(void *ctx, const struct nt_ev *e)
{
	return on_net(ctx, e, N_RX_CORE);
}

static const char *const f_copy[] = {"skbaddr", "len", NULL};

static int on_copy(void *ctx, const struct nt_ev *e)
{
	struct skb_ctx *x = ctx;
	int64_t addr = nt_ev_int(e, 0);
	struct life *l;

	if (!addr)
		return 0;
	if (!(l = life_at(x, addr, e)) ||
	    hop(x, l, e, S_COPY, NULL, nt_ev_has(e, 1), nt_ev_int(e, 1)))
		return -1;
	set_rx_task(l, e, 2);
	return 0;
}

static const char *const f_other[] = {"skbaddr", NULL};

/* Any other event that carries the skb (tcp, qdisc, icmp): a hop, no stage. */
static int on_other(void *ctx, const struct nt_ev *e)
{
	struct skb_ctx *x = ctx;
	int64_t addr = nt_ev_int(e, 0);
	struct life *l;

	if (!addr)
		return 0;
	if (!(l = life_at(x, addr, e)))
		return -1;
	return hop(x, l, e, S_OTHER, NULL, false, 0);
}

/* ---- flows: the events that carry addresses (docs/analyses/skb.md, "Flows") ---- */

/* Give @l the flow @f; two different flows for one lifecycle leave it with none. */
static void flow_apply(struct skb_ctx *x, struct life *l, const struct nt_flow *f, const char *from)
{
	(void)x;
	if (l->flow_state == F_CONFLICT)
		return;
	if (l->flow_state == F_KNOWN) {
		if (!nt_flow_same(&l->flow, f)) {
			l->flow_state = F_CONFLICT;
		} else if (f->has_flags) {
			l->flow.flags |= f->flags;
			l->flow.has_flags = true;
		}
		return;
	}
	l->flow = *f;
	l->flow_state = F_KNOWN;
	snprintf(l->flow_from, sizeof(l->flow_from), "%s", from);
}

/* Remember (or forget, @f NULL) socket @sk's endpoints, local -> remote. */
static void tuple_set(struct skb_ctx *x, int64_t sk, const struct nt_flow *f)
{
	struct socktuple *t = nt_hmap_find(&x->tuples, (uint64_t)sk);

	if (!sk)
		return;
	if (!f) {
		if (t)
			nt_hmap_del(&x->tuples, t);
		return;
	}
	if (!t && !(t = nt_hmap_add(&x->tuples, (uint64_t)sk))) {
		x->oom = true;
		return;
	}
	t->flow = *f;
}

enum flow_dir {
	FD_PACKET,  /* the event's addresses are the packet's own */
	FD_REVERSE, /* the event's are the answer's or the receiving socket's: swap */
};

/* Which way each skb event's addresses point, and whether they are its socket's own. */
static const struct flow_kind {
	const char *cls;
	enum flow_dir dir;
	uint8_t proto;
	bool socket; /* saddr/daddr are the socket's local/remote ends (skaddr) */
} flow_kinds[] = {
	{"tcp:tcp_send_reset", FD_REVERSE, 6, false},
	{"tcp:tcp_retransmit_skb", FD_PACKET, 6, true},
	{"tcp:tcp_probe", FD_REVERSE, 6, true},
	{"tcp:tcp_bad_csum", FD_PACKET, 6, false},
	{"tcp:tcp_ao_handshake_failure", FD_PACKET, 6, false},
	{"tcp:tcp_hash_ao_required", FD_PACKET, 6, false},
	{"tcp:tcp_hash_bad_header", FD_PACKET, 6, false},
	{"tcp:tcp_hash_md5_mismatch", FD_PACKET, 6, false},
	{"tcp:tcp_hash_md5_required", FD_PACKET, 6, false},
	{"tcp:tcp_hash_md5_unexpected", FD_PACKET, 6, false},
	{"icmp:icmp_send", FD_PACKET, 17, false},
};

static uint8_t tcp_flags(const struct nt_ev *e, bool *has)
{
	uint8_t v = 0;

	*has = false;
	for (int i = 0; i < 5; i++)
		if (nt_ev_has(e, NT_FF_FIN + i)) {
			*has = true;
			v |= (uint8_t)((nt_ev_int(e, NT_FF_FIN + i) != 0) << i);
		}
	return v;
}

/* An event that carries an skb and its addresses: a hop, and the skb's flow. */
static int on_flow_skb(void *ctx, const struct nt_ev *e)
{
	struct skb_ctx *x = ctx;
	const struct flow_kind *k = NULL;
	int64_t addr = nt_ev_int(e, NT_FF_SKB);
	struct nt_flow f;
	bool ok;
	struct life *l;

	for (size_t i = 0; i < sizeof(flow_kinds) / sizeof(flow_kinds[0]) && !k; i++)
		if (!strcmp(flow_kinds[i].cls, e->cls))
			k = &flow_kinds[i];
	if (!k)
		return 0;
	ok = nt_flow_read(e, k->proto, &f);
	if (k->socket && nt_ev_int(e, NT_FF_SK))
		tuple_set(x, nt_ev_int(e, NT_FF_SK), ok ? &f : NULL);
	if (!addr)
		return 0;
	if (!(l = life_at(x, addr, e)) || hop(x, l, e, S_OTHER, NULL, false, 0))
		return -1;
	if (!ok)
		return 0;
	if (k->dir == FD_REVERSE)
		nt_flow_reverse(&f);
	f.flags = tcp_flags(e, &f.has_flags);
	flow_apply(x, l, &f, k->cls);
	return 0;
}

/* record --headers' kprobes (collect/hdrprobe.h): the IP header where skb->data points */
static const char *const hdr_fields[] = {"skbaddr", "len",	"data_len", "vihl",
					 "proto",   "saddr",	"daddr",    "sport",
					 "dport",   "tcpflags", "vtc",	    NULL};
enum {
	HF_SKB,
	HF_LEN,
	HF_DLEN,
	HF_VIHL, /* IPv4: version and header length */
	HF_PROTO,
	HF_SADDR,
	HF_DADDR,
	HF_SPORT,
	HF_DPORT,
	HF_FLAGS,
	HF_VTC, /* IPv6: version and traffic class */
};

/* The bytes of BLOB field @f when it has exactly @n, else NULL. */
static const uint8_t *hdr_bytes(const struct nt_ev *e, int f, int n)
{
	const void *b;
	int got;

	if (nt_ev_type(e, f) != SQLITE_BLOB || !(b = nt_ev_blob(e, f, &got)) || got != n)
		return NULL;
	return b;
}

/*
 * The flow of an IP header read by a kprobe: only from bytes inside the skb's linear data
 * (len - data_len), of the probe's IP version; ports (network order) and TCP flags only right
 * after the IP header (IPv4 ihl 5; IPv6 next header TCP or UDP), else TCP and UDP get no
 * flow. Other IPv4 protocols and ICMPv6 get one without ports; other IPv6 next headers
 * (extension headers hide the transport) none.
 */
static bool hdr_flow(const struct nt_ev *e, struct nt_flow *f)
{
	bool v6 = nt_ev_has(e, HF_VTC);
	int64_t head = nt_ev_int(e, HF_LEN) - nt_ev_int(e, HF_DLEN);
	int first = (int)nt_ev_int(e, v6 ? HF_VTC : HF_VIHL), alen = v6 ? 16 : 4;
	int hl = v6 ? 40 : (first & 15) * 4;
	const uint8_t *s = hdr_bytes(e, HF_SADDR, alen), *d = hdr_bytes(e, HF_DADDR, alen);
	const uint8_t *sp = hdr_bytes(e, HF_SPORT, 2), *dp = hdr_bytes(e, HF_DPORT, 2);

	memset(f, 0, sizeof(*f));
	if (!nt_ev_has(e, HF_LEN) || !nt_ev_has(e, v6 ? HF_VTC : HF_VIHL) || !s || !d ||
	    first >> 4 != (v6 ? 6 : 4) || hl < 20 || head < (v6 ? 40 : 20))
		return false;
	f->family = v6 ? NT_AF_INET6 : NT_AF_INET;
	f->proto = (uint8_t)nt_ev_int(e, HF_PROTO);
	memcpy(f->saddr, s, (size_t)alen);
	memcpy(f->daddr, d, (size_t)alen);
	if (f->proto != 6 && f->proto != 17)
		return !v6 || f->proto == 58;
	if (hl != (v6 ? 40 : 20) || head < hl + 4 || !sp || !dp)
		return false;
	f->sport = (uint16_t)(sp[0] << 8 | sp[1]);
	f->dport = (uint16_t)(dp[0] << 8 | dp[1]);
	if (f->proto == 6 && head >= hl + 14 && nt_ev_has(e, HF_FLAGS)) {
		f->flags = (uint8_t)(nt_ev_int(e, HF_FLAGS) & 0x1f); /* FIN SYN RST PSH ACK */
		f->has_flags = true;
	}
	return true;
}

/* A header kprobe: a hop, and the skb's flow from its own header. */
static int on_hdr_probe(void *ctx, const struct nt_ev *e)
{
	struct skb_ctx *x = ctx;
	int64_t addr = nt_ev_int(e, HF_SKB);
	struct nt_flow f;
	struct life *l;

	if (!addr)
		return 0;
	if (!(l = life_at(x, addr, e)) || hop(x, l, e, S_OTHER, NULL, false, 0))
		return -1;
	if (hdr_flow(e, &f))
		flow_apply(x, l, &f, e->cls);
	return 0;
}

/*
 * Events that show a TCP socket's endpoints (skaddr): the tuple its later events (kfree_skb's
 * rx_sk) refer to. A socket that shows no full tuple (listening, closed) is forgotten, and
 * so is one destroyed (tcp_destroy_sock) or freed (its slab free).
 */
static int on_sock_tuple(void *ctx, const struct nt_ev *e)
{
	struct skb_ctx *x = ctx;
	int64_t sk = nt_ev_int(e, NT_FF_SK);
	const char *pt;
	struct nt_flow f;

	if (!sk)
		return 0;
	if (!strcmp(e->cls, "tcp:tcp_destroy_sock")) {
		tuple_set(x, sk, NULL);
		return 0;
	}
	if (nt_ev_has(e, NT_FF_PROTOCOL)) { /* inet_sock_set_state: TCP only (6) */
		pt = nt_ev_type(e, NT_FF_PROTOCOL) == SQLITE_TEXT ? nt_ev_text(e, NT_FF_PROTOCOL)
								  : NULL;
		if (pt ? strcmp(pt, "IPPROTO_TCP") : nt_ev_int(e, NT_FF_PROTOCOL) != 6) {
			tuple_set(x, sk, NULL);
			return 0;
		}
	}
	tuple_set(x, sk, nt_flow_read(e, 6, &f) ? &f : NULL);
	return 0;
}

static const char *const f_ready[] = {"skaddr", "protocol", NULL};

/*
 * sk_data_ready: one datagram was queued on a UDP socket, in the softirq that received it
 * (the last netif_receive_skb on this cpu, when nothing else happened to that skb since). One
 * skb delivered to two sockets (multicast: clones) proves nothing about which one is which.
 */
static int on_ready(void *ctx, const struct nt_ev *e)
{
	struct skb_ctx *x = ctx;
	int64_t proto = nt_ev_int(e, 1);
	struct sockq *q;
	struct dgram *d;
	struct rxpend *p;
	struct life *l;

	if (!nt_ev_int(e, 0) || (proto != 17 && proto != 136) ||
	    !(q = sock_get(x, nt_ev_int(e, 0))))
		return 0;
	if (!(d = calloc(1, sizeof(*d)))) {
		x->oom = true;
		return 0;
	}
	p = e->cpu >= 0 && e->cpu < x->npend && x->pend[e->cpu].id ? &x->pend[e->cpu] : NULL;
	l = p ? map_get(x, p->addr) : NULL;
	if (l && l->id == p->id && p->queued) { /* a second socket for one skb */
		l->multi = true;
	} else if (l && l->id == p->id && l->outcome == O_OPEN && l->last_ts == p->ts) {
		d->addr = p->addr;
		d->id = p->id;
	}
	if (p)
		p->queued = true;
	if (q->tail)
		q->tail->next = d;
	else
		q->head = d;
	q->tail = d;
	return 0;
}

static const char *const f_recv[] = {"sk", "ret", "flags", NULL};

/*
 * sock_recv_length: a read from a socket took its oldest datagram (unless MSG_PEEK or
 * MSG_ERRQUEUE). Only queues seen empty (the socket allocated in the trace, or a read that
 * found nothing) say which datagram that was: before, datagrams queued before the trace
 * may come first. A read of nothing known unanchors the queue.
 */
static int on_recv(void *ctx, const struct nt_ev *e)
{
	struct skb_ctx *x = ctx;
	int64_t ret = nt_ev_int(e, 1), flags = nt_ev_int(e, 2);
	struct sockq *q =
		nt_ev_int(e, 0) ? nt_hmap_find(&x->socks, (uint64_t)nt_ev_int(e, 0)) : NULL;
	struct dgram *d;
	struct life *l;

	if (!q || (flags & (0x2 | 0x2000))) /* MSG_PEEK, MSG_ERRQUEUE */
		return 0;
	if (ret == -11) { /* EAGAIN: the queue is empty */
		sock_clear(q);
		q->anchored = true;
		return 0;
	}
	if (ret < 0)
		return 0;
	if (!(d = q->head)) {
		q->anchored = false;
		return 0;
	}
	q->head = d->next;
	if (!q->head)
		q->tail = NULL;
	l = q->anchored && d->id ? map_get(x, d->addr) : NULL;
	if (l && l->id == d->id && l->outcome == O_OPEN && !l->multi) {
		l->read = true;
		l->read_ts = e->ts;
		set_rx_task(l, e, 2);
	}
	free(d);
	return 0;
}

/* ---- the analysis ---- */

static int64_t query_int(struct nt_actx *ax, const char *sql, int64_t dflt)
{
	sqlite3_stmt *st = NULL;
	int64_t v = dflt;

	if (sqlite3_prepare_v2(nt_actx_db(ax), sql, -1, &st, NULL) != SQLITE_OK)
		return dflt;
	sqlite3_bind_int64(st, 1, nt_actx_trace(ax));
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The database's directory, for the samples' files (NULL: a database in memory). */
static char *samples_dir(struct nt_actx *ax)
{
	const char *f = sqlite3_db_filename(nt_actx_db(ax), "main");

	return f && *f ? nt_sys_dir_of(f) : NULL;
}

static int skb_begin(struct nt_actx *ax, void **out, struct nt_err **err)
{
	struct skb_ctx *x = calloc(1, sizeof(*x));

	*out = x;
	if (!x)
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	x->ax = ax;
	x->dir = samples_dir(ax);
	nt_hmap_init(&x->lives, sizeof(struct live));
	nt_hmap_init(&x->socks, sizeof(struct sockq));
	nt_hmap_init(&x->tuples, sizeof(struct socktuple));
	x->ks_src = -1;
	x->ins_life = nt_actx_prepare(
		ax,
		"INSERT INTO skb_lifecycles VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,"
		"?15,?16,?17,?18,(SELECT comm FROM tasks WHERE id=?19),?20,"
		"(SELECT comm FROM tasks WHERE id=?21),?22,?23,?24,?25,?26,?27,?28,?29,?30,?31,?32,"
		"?33,?34,?35,?36,?37)",
		err);
	x->ins_hop = nt_actx_prepare(ax, "INSERT INTO skb_hop_lists VALUES(?,?,?,?,?)", err);
	if (!x->ins_life || !x->ins_hop)
		return -1;
	sqlite3_bind_int64(x->ins_life, 1, nt_actx_trace(ax));
	sqlite3_bind_int64(x->ins_hop, 1, nt_actx_trace(ax));
	/* (trace_last: at the end, where the trace's row has it when the analyses follow) */
	x->trace_last = INT64_MIN;
	x->lost_windows =
		query_int(ax, "SELECT count(*) FROM lost_windows WHERE trace_id = ?", 1) > 0;
	x->max_cpu = (int)query_int(ax, "SELECT max(cpu) FROM trace_cpus WHERE trace_id = ?", 0);
	return 0;
}

/* The nearest-rank @p-th percentile of @s, into *@v. */
static int pct(struct nt_samples *s, int p, int64_t *v)
{
	uint64_t n = nt_samples_count(s), k = (n * (uint64_t)p + 99) / 100;

	return nt_samples_kth(s, k ? k : 1, v);
}

static int write_stats(struct skb_ctx *x, struct nt_actx *ax, struct nt_err **err)
{
	sqlite3_stmt *st =
		nt_actx_prepare(ax, "INSERT INTO skb_latency VALUES(?,?,?,?,?,?,?,?,?,?)", err);
	int rc = 0;

	if (!st)
		return -1;
	for (int a = 0; a < NSTAGE && !rc; a++)
		for (int b = 0; b < NSTAGE && !rc; b++) {
			struct nt_samples *s = x->lat[a][b];
			int64_t v[5];

			if (!s || !nt_samples_count(s))
				continue;
			if (nt_samples_kth(s, 1, &v[0]) || pct(s, 50, &v[1]) || pct(s, 90, &v[2]) ||
			    pct(s, 99, &v[3]) || nt_samples_kth(s, nt_samples_count(s), &v[4])) {
				sqlite3_finalize(st);
				return nt_err_set(err,
						  nt_err_new(NT_E_FAIL,
							     "cannot read back the latency "
							     "samples (out of memory, or an I/O "
							     "error on their file)"));
			}
			sqlite3_bind_int64(st, 1, nt_actx_trace(ax));
			sqlite3_bind_text(st, 2, stage_name[a], -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 3, stage_name[b], -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 4, (int64_t)nt_samples_count(s));
			for (int i = 0; i < 5; i++)
				sqlite3_bind_int64(st, 5 + i, v[i]);
			sqlite3_bind_double(st, 10,
					    nt_samples_sum(s) / (double)nt_samples_count(s));
			if (sqlite3_step(st) != SQLITE_DONE)
				rc = -1;
			sqlite3_reset(st);
		}
	sqlite3_finalize(st);
	if (rc)
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "cannot store skb_latency: %s",
						  sqlite3_errmsg(nt_actx_db(ax))));
	st = nt_actx_prepare(ax, "INSERT INTO skb_drops VALUES(?,?,?,?,?,?,?,?)", err);
	if (!st)
		return -1;
	for (int i = 0; i < x->nsums && !rc; i++) {
		const struct sum *s = &x->sums[i];
		sqlite3_bind_int64(st, 1, nt_actx_trace(ax));
		sqlite3_bind_text(st, 2, outcome_name[s->outcome], -1, SQLITE_STATIC);
		bind_str(st, 3, end_name[s->end_by]);
		bind_str(st, 4, s->reason);
		bind_str(st, 5, s->loc);
		bind_opt(st, 6, s->has_loc, s->loc_addr);
		sqlite3_bind_int64(st, 7, s->count);
		sqlite3_bind_int64(st, 8, s->lossy);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = -1;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (rc)
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "cannot store skb_drops: %s",
						  sqlite3_errmsg(nt_actx_db(ax))));
	return 0;
}

static int cmp_started(const void *a, const void *b)
{
	const struct life *p = (*(struct live *const *)a)->l, *q = (*(struct live *const *)b)->l;

	return p->id < q->id ? -1 : p->id > q->id;
}

/*
 * Finish what is left in flight (open, or ended and never seen freed by the slab) in the order
 * the lifecycles started. -1 when a row cannot be written; out of memory sets x->oom.
 */
static int finish_rest(struct skb_ctx *x)
{
	struct live **v = malloc((x->lives.n + 1) * sizeof(*v));
	size_t n = 0;

	if (!v) {
		x->oom = true;
		return 0;
	}
	for (struct live *e = NULL; (e = nt_hmap_next(&x->lives, e));)
		v[n++] = e;
	qsort(v, n, sizeof(*v), cmp_started);
	for (size_t i = 0; i < n; i++) {
		struct life *l = v[i]->l;

		v[i]->l = NULL;			       /* finish() frees it */
		if (l->outcome == O_OPEN && l->read) { /* read, then freed untraced */
			l->outcome = O_RECYCLED;
			l->end_by = E_READ;
		}
		if (finish(x, l)) {
			free(v);
			return -1;
		}
	}
	free(v);
	nt_hmap_release(&x->lives);
	return 0;
}

static int skb_end(void *ctx, struct nt_actx *ax, struct nt_err **err)
{
	struct skb_ctx *x = ctx;

	x->trace_last = query_int(ax, "SELECT last_ts FROM traces WHERE id = ?", INT64_MIN);
	if (x->trace_last < x->max_ts)
		x->trace_last = x->max_ts;
	if (finish_rest(x))
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "cannot store skb_lifecycles: %s",
						  sqlite3_errmsg(nt_actx_db(ax))));
	if (x->oom)
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	if (x->samples_err)
		return nt_err_set(err, nt_err_errno(NT_E_FAIL, x->samples_err,
						    "cannot keep the latency samples in a "
						    "temporary file beside the database"));
	if (write_stats(x, ax, err))
		return -1;
	nt_actx_note(ax, "skb", "lifecycles", x->n_life);
	nt_actx_note(ax, "skb", "open_at_end", x->n_open);
	nt_actx_note(ax, "skb", "lossy_lifecycles", x->n_lossy);
	nt_actx_note(ax, "skb", "ended_by_reuse", x->n_reuse);
	nt_actx_note(ax, "skb", "recycled_at_end", x->n_recycled);
	nt_actx_note(ax, "skb", "hidden_address_ends", x->n_hidden);
	if (x->ks_src >= 0) { /* where names for address-only locations came from */
		char key[64];
		snprintf(key, sizeof(key), "location_symbols_%s",
			 nt_ksyms_source_name((enum nt_ksyms_src)x->ks_src));
		nt_actx_note(ax, "skb", key, (int64_t)x->ks.n);
		nt_actx_note(ax, "skb", "unresolved_locations", x->n_unresolved);
	}
	nt_actx_note(ax, "skb", "untracked_slab_frees", x->untracked_frees);
	nt_actx_note(ax, "skb", "flow_known", x->n_flow);
	nt_actx_note(ax, "skb", "flow_conflicts", x->n_flow_conflict);
	nt_actx_note(ax, "skb", "flow_rx_sk_unknown", x->n_rx_sk_unknown);
	return 0;
}

static void skb_free(void *ctx)
{
	struct skb_ctx *x = ctx;

	sqlite3_finalize(x->ins_life);
	sqlite3_finalize(x->ins_hop);
	for (struct live *e = NULL; (e = nt_hmap_next(&x->lives, e));)
		if (e->l)
			life_free(e->l);
	nt_hmap_release(&x->lives);
	for (struct sockq *q = NULL; (q = nt_hmap_next(&x->socks, q));)
		sock_clear(q);
	nt_hmap_release(&x->socks);
	nt_hmap_release(&x->tuples);
	nt_ksyms_release(&x->ks);
	free(x->pend);
	for (int a = 0; a < NSTAGE; a++)
		for (int b = 0; b < NSTAGE; b++)
			nt_samples_free(x->lat[a][b]);
	free(x->dir);
	for (int i = 0; i < x->nsums; i++) {
		free(x->sums[i].reason);
		free(x->sums[i].loc);
	}
	free(x->sums);
	free(x);
}

static const struct nt_sub skb_subs[] = {
	{"kmem:kmem_cache_alloc", f_alloc, on_alloc},
	{"kmem:kmem_cache_alloc_node", f_alloc, on_alloc},
	{"kmem:kmem_cache_free", f_slab_free, on_slab_free},
	{"net:net_dev_queue", f_net, on_queue},
	{"net:net_dev_start_xmit", f_net, on_xmit},
	{"net:net_dev_xmit", f_net, on_xmit},
	{"net:netif_rx", f_net, on_rx_entry},
	{"net:netif_rx_entry", f_net, on_rx_entry},
	{"net:netif_receive_skb", f_net, on_rx_core},
	{"net:netif_receive_skb_entry", f_net, on_rx_entry},
	{"net:netif_receive_skb_list_entry", f_net, on_rx_entry},
	{"net:napi_gro_receive_entry", f_net, on_rx_entry},
	{"net:napi_gro_frags_entry", f_net, on_rx_entry},
	{"skb:skb_copy_datagram_iovec", f_copy, on_copy},
	{"skb:consume_skb", f_consume, on_consume},
	{"skb:kfree_skb", f_kfree, on_kfree},
	{"sock:sk_data_ready", f_ready, on_ready},
	{"sock:sock_recv_length", f_recv, on_recv},
	{"qdisc:qdisc_enqueue", f_other, on_other},
	{"qdisc:qdisc_dequeue", f_other, on_other},
	{"tcp:tcp_send_reset", nt_flow_fields, on_flow_skb},
	{"tcp:tcp_retransmit_skb", nt_flow_fields, on_flow_skb},
	{"tcp:tcp_probe", nt_flow_fields, on_flow_skb},
	{"tcp:tcp_bad_csum", nt_flow_fields, on_flow_skb},
	{"tcp:tcp_ao_handshake_failure", nt_flow_fields, on_flow_skb},
	{"tcp:tcp_hash_ao_required", nt_flow_fields, on_flow_skb},
	{"tcp:tcp_hash_bad_header", nt_flow_fields, on_flow_skb},
	{"tcp:tcp_hash_md5_mismatch", nt_flow_fields, on_flow_skb},
	{"tcp:tcp_hash_md5_required", nt_flow_fields, on_flow_skb},
	{"tcp:tcp_hash_md5_unexpected", nt_flow_fields, on_flow_skb},
	{"icmp:icmp_send", nt_flow_fields, on_flow_skb},
	{"sock:inet_sock_set_state", nt_flow_fields, on_sock_tuple},
	{"tcp:tcp_destroy_sock", nt_flow_fields, on_sock_tuple},
	{"tcp:tcp_rcv_space_adjust", nt_flow_fields, on_sock_tuple},
	{"tcp:tcp_receive_reset", nt_flow_fields, on_sock_tuple},
	{"tcp:tcp_cong_state_set", nt_flow_fields, on_sock_tuple},
	{"tcp:tcp_rcvbuf_grow", nt_flow_fields, on_sock_tuple},
	{"nettrail_hdr:ip_rcv", hdr_fields, on_hdr_probe},
	{"nettrail_hdr:ip_output", hdr_fields, on_hdr_probe},
	{"nettrail_hdr:ipv6_rcv", hdr_fields, on_hdr_probe},
	{"nettrail_hdr:ip6_output", hdr_fields, on_hdr_probe},
	{NULL, NULL, NULL},
};

static const char *const skb_tables[] = {"skb_lifecycles", "skb_hop_lists", "skb_latency",
					 "skb_drops", NULL};

const struct nt_analysis nt_skb_analysis = {
	.name = "skb",
	.help = "sk_buff lifecycles: hops, stage latencies, drops by reason and location",
	.schema = "CREATE TABLE IF NOT EXISTS skb_lifecycles(trace_id INTEGER NOT NULL, "
		  "skb_id INTEGER NOT NULL, skbaddr INTEGER, start_ts INTEGER, last_ts INTEGER, "
		  "end_ts INTEGER, device TEXT, rx_device TEXT, len INTEGER, rx_len INTEGER, "
		  "protocol INTEGER, outcome TEXT, end_by TEXT, drop_reason TEXT, "
		  "drop_reason_code INTEGER, location TEXT, location_addr INTEGER, tx_pid INTEGER, "
		  "tx_comm TEXT, rx_pid INTEGER, rx_comm TEXT, alloc_ts INTEGER, queue_ts INTEGER, "
		  "xmit_ts INTEGER, receive_ts INTEGER, copy_ts INTEGER, free_ts INTEGER, "
		  "hops INTEGER, lossy INTEGER, family INTEGER, ip_proto INTEGER, saddr TEXT, "
		  "sport INTEGER, daddr TEXT, dport INTEGER, tcp_flags TEXT, flow_from "
		  "TEXT);" NT_SKB_HOPS_SCHEMA
		  /* no index while loading: see nt_analysis.finish */
		  "CREATE TABLE IF NOT EXISTS skb_latency(trace_id INTEGER NOT NULL, from_stage "
		  "TEXT, to_stage TEXT, count INTEGER, min_ns INTEGER, p50_ns INTEGER, p90_ns "
		  "INTEGER, p99_ns INTEGER, max_ns INTEGER, avg_ns REAL);"
		  "CREATE TABLE IF NOT EXISTS skb_drops(trace_id INTEGER NOT NULL, outcome TEXT, "
		  "end_by TEXT, reason TEXT, location TEXT, location_addr INTEGER, count INTEGER, "
		  "lossy INTEGER);",
	.tables = skb_tables,
	.subs = skb_subs,
	.begin = skb_begin,
	.end = skb_end,
	.free = skb_free,
};
