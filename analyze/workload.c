/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tasks: the workload's process tree (the tasks record saw at its start, trace_meta
 * workload_*, and every task they fork, from sched_process_fork, until sched_process_exit),
 * slab allocations per task and call site, so the task sections of a report can show the
 * workload, one pid or one comm, function_graph calls per task and function, and the transmits that ran in interrupt context (their pid
 * is whichever task was interrupted: no task sent them). docs/SCHEMA.md gives the tables.
 */
#include "analyze.h"
#include "hmap.h"
#include "names.h"
#include "netsym.h"

#include <stdlib.h>
#include <string.h>

struct wtask {
	int pid, ppid;		   /* ppid 0: a task alive at the start */
	int64_t first_ts, last_ts; /* -1: before the trace / still alive at its end */
	bool live;
};

struct tagg {
	int pid, site; /* site: index in sites */
	int64_t allocs, req, alloc;
};

struct fagg {
	int pid, fn; /* fn: index in fns */
	int64_t calls, unfinished, total, self;
};

struct kids {
	uint64_t id;   /* the parent call's call_id */
	int64_t total; /* its closed callees' durations */
};

struct wctx {
	struct nt_actx *ax;
	int *excl; /* owned: nettrail's own tasks and their children */
	size_t nexcl, cexcl;
	struct wtask *t; /* owned */
	size_t nt, ct;
	struct nt_names keys, sites; /* keys: "pid site" -> index in agg */
	struct tagg *agg;	     /* owned */
	size_t nagg, cagg;
	struct nt_names fkeys, fns; /* fkeys: "pid function" -> index in fagg */
	struct fagg *fagg;	    /* owned */
	size_t nfagg, cfagg;
	struct nt_hmap kids; /* of struct kids: open calls' closed callees */
	int *irq;	     /* owned: per cpu, IN_HARDIRQ | IN_SOFTIRQ (in the trace's order) */
	size_t ncpu;
	sqlite3_stmt *xmit; /* INSERT INTO skb_irq_xmits */
	struct nt_err *err; /* from a handler */
};

static struct wtask *find(struct wctx *x, int pid)
{
	for (size_t i = x->nt; i-- > 0;)
		if (x->t[i].pid == pid && x->t[i].live)
			return &x->t[i];
	return NULL;
}

static bool excluded(const struct wctx *x, int pid)
{
	for (size_t i = 0; i < x->nexcl; i++)
		if (x->excl[i] == pid)
			return true;
	return false;
}

static int push(void *pv, size_t *n, size_t *cap, size_t size)
{
	void **p = pv;

	if (*n == *cap) {
		void *v = realloc(*p, (*cap = *cap ? 2 * *cap : 16) * size);
		if (!v)
			return -1;
		*p = v;
	}
	(*n)++;
	return 0;
}

static int add_task(struct wctx *x, int pid, int ppid, int64_t ts)
{
	if (push(&x->t, &x->nt, &x->ct, sizeof(*x->t)))
		return -1;
	x->t[x->nt - 1] = (struct wtask){pid, ppid, ts, -1, true};
	return 0;
}

enum { F_PPID, F_CPID, F_PTID, F_CTID };
static const char *const f_fork[] = {"parent_pid", "child_pid", "parent_tid", "child_tid", NULL};
enum { F_PID, F_TID };
static const char *const f_exit[] = {"pid", "tid", NULL};
enum { F_SITE, F_SYM, F_REQ, F_ALLOC };
static const char *const f_xmit[] = {"skbaddr", NULL};
static const char *const f_alloc[] = {"call_site", "call_site_sym", "bytes_req", "bytes_alloc",
				      NULL};

/* A thread id: LTTng's *_tid where the trace has it (its *_pid is the process), else *_pid. */
static int tid(const struct nt_ev *e, int t, int p)
{
	return (int)nt_ev_int(e, nt_ev_has(e, t) ? t : p);
}

static int on_fork(void *ctx, const struct nt_ev *e)
{
	struct wctx *x = ctx;
	int parent = tid(e, F_PTID, F_PPID), child = tid(e, F_CTID, F_CPID);

	if (excluded(x, parent)) { /* what nettrail forks is nettrail's too */
		if (push(&x->excl, &x->nexcl, &x->cexcl, sizeof(int)))
			return -1;
		x->excl[x->nexcl - 1] = child;
		return 0;
	}
	if (!find(x, parent) || excluded(x, child))
		return 0;
	return add_task(x, child, parent, e->ts);
}

static int on_exit_ev(void *ctx, const struct nt_ev *e)
{
	struct wctx *x = ctx;
	struct wtask *t = find(x, tid(e, F_TID, F_PID));

	if (t) { /* the pid may be reused later by a task outside the workload */
		t->live = false;
		t->last_ts = e->ts;
	}
	return 0;
}

static int on_alloc(void *ctx, const struct nt_ev *e)
{
	struct wctx *x = ctx;
	char site[512], key[560];
	bool added;
	int s, k;

	nt_alloc_site_name(e, site, sizeof(site));
	snprintf(key, sizeof(key), "%d %s", e->pid, site);
	if ((k = nt_names_get(&x->keys, key, &added)) < 0 ||
	    (s = nt_names_get(&x->sites, site, NULL)) < 0)
		return -1;
	if (added) {
		if (push(&x->agg, &x->nagg, &x->cagg, sizeof(*x->agg)))
			return -1;
		x->agg[k] = (struct tagg){e->pid, s, 0, 0, 0};
	}
	x->agg[k].allocs++;
	x->agg[k].req += nt_ev_int(e, F_REQ);
	x->agg[k].alloc += nt_ev_int(e, F_ALLOC);
	return 0;
}

enum { C_FN, C_DUR, C_ID, C_PARENT };
static const char *const f_call[] = {"function", "duration_ns", "call_id", "parent_id", NULL};

/* A function_graph call (calls close after their callees): self = duration - callees'. */
static int on_call(void *ctx, const struct nt_ev *e)
{
	struct wctx *x = ctx;
	const char *name = nt_ev_text(e, C_FN);
	int64_t dur = nt_ev_has(e, C_DUR) ? nt_ev_int(e, C_DUR) : -1, kid = 0;
	uint64_t id = (uint64_t)nt_ev_int(e, C_ID), parent = (uint64_t)nt_ev_int(e, C_PARENT);
	char key[320];
	struct kids *k;
	bool added;
	int i, fn;

	snprintf(key, sizeof(key), "%d %s", e->pid, name && *name ? name : "[unknown]");
	if ((i = nt_names_get(&x->fkeys, key, &added)) < 0 ||
	    (fn = nt_names_get(&x->fns, strchr(key, ' ') + 1, NULL)) < 0)
		return -1;
	if (added) {
		if (push(&x->fagg, &x->nfagg, &x->cfagg, sizeof(*x->fagg)))
			return -1;
		x->fagg[i] = (struct fagg){e->pid, fn, 0, 0, 0, 0};
	}
	if (id && (k = nt_hmap_find(&x->kids, id))) {
		kid = k->total;
		nt_hmap_del(&x->kids, k);
	}
	x->fagg[i].calls++;
	if (dur < 0) {
		x->fagg[i].unfinished++;
		return 0;
	}
	x->fagg[i].total += dur;
	x->fagg[i].self += dur > kid ? dur - kid : 0;
	if (parent && !(k = nt_hmap_find(&x->kids, parent)) && !(k = nt_hmap_add(&x->kids, parent)))
		return -1;
	if (parent)
		k->total += dur;
	return 0;
}

/*
 * Interrupt context, per cpu: flags, not a depth. Neither hard IRQ handlers nor softirqs nest
 * on a cpu (a hard IRQ may interrupt a softirq), so a second entry before the exit is the same
 * record twice (seen in a perf.data file: perf script shows the pair too); counted as depth,
 * it left the cpu "in a softirq" for the rest of the trace.
 */
enum { IN_HARDIRQ = 1, IN_SOFTIRQ = 2 };

/* The interrupt context of @cpu (NULL when out of memory). */
static int *context(struct wctx *x, int cpu)
{
	if (cpu < 0)
		return NULL;
	if ((size_t)cpu >= x->ncpu) {
		int *v = realloc(x->irq, ((size_t)cpu + 1) * sizeof(*v));
		if (!v)
			return NULL;
		memset(v + x->ncpu, 0, ((size_t)cpu + 1 - x->ncpu) * sizeof(*v));
		x->irq = v;
		x->ncpu = (size_t)cpu + 1;
	}
	return &x->irq[cpu];
}

/*
 * Enter (@in) or leave context @flag on the event's cpu (an exit whose entry was before the
 * trace leaves it as it was: out).
 */
static int irq_step(struct wctx *x, const struct nt_ev *e, int flag, bool in)
{
	int *c = context(x, e->cpu);

	if (c)
		*c = in ? *c | flag : *c & ~flag;
	return 0;
}

static int on_hardirq_entry(void *ctx, const struct nt_ev *e)
{
	return irq_step(ctx, e, IN_HARDIRQ, true);
}

static int on_hardirq_exit(void *ctx, const struct nt_ev *e)
{
	return irq_step(ctx, e, IN_HARDIRQ, false);
}

static int on_softirq_entry(void *ctx, const struct nt_ev *e)
{
	return irq_step(ctx, e, IN_SOFTIRQ, true);
}

static int on_softirq_exit(void *ctx, const struct nt_ev *e)
{
	return irq_step(ctx, e, IN_SOFTIRQ, false);
}

/* A transmit in interrupt context: recorded, so no task is credited with it. */
static int on_xmit(void *ctx, const struct nt_ev *e)
{
	struct wctx *x = ctx;
	int *c = context(x, e->cpu);

	if (!c || !*c || !nt_ev_has(e, 0))
		return 0;
	if (!x->xmit && !(x->xmit = nt_actx_prepare(
				  x->ax, "INSERT INTO skb_irq_xmits VALUES(?,?,?,?)", &x->err)))
		return -1;
	sqlite3_bind_int64(x->xmit, 1, nt_actx_trace(x->ax));
	sqlite3_bind_int64(x->xmit, 2, e->ts);
	sqlite3_bind_int(x->xmit, 3, e->cpu);
	sqlite3_bind_int64(x->xmit, 4, nt_ev_int(e, 0));
	return nt_actx_put(x->ax, x->xmit, "skb_irq_xmits", &x->err);
}

/* The tasks record saw at the start ("workload_pids") and nettrail's own ("workload_exclude"). */
static int load_meta(struct wctx *x, struct nt_err **err)
{
	sqlite3_stmt *st =
		nt_actx_prepare(x->ax,
				"SELECT key, value FROM trace_meta WHERE trace_id = ? AND key IN "
				"('workload_pids', 'workload_exclude') ORDER BY key DESC",
				err);
	int r = 0;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, nt_actx_trace(x->ax));
	while (!r && sqlite3_step(st) == SQLITE_ROW) {
		bool seeds = !strcmp((const char *)sqlite3_column_text(st, 0), "workload_pids");
		const char *v = (const char *)sqlite3_column_text(st, 1);
		char *end;

		for (long p; !r && v && (p = strtol(v, &end, 10)) > 0; v = end) {
			if (seeds && !excluded(x, (int)p))
				r = add_task(x, (int)p, 0, -1);
			else if (!seeds)
				r = push(&x->excl, &x->nexcl, &x->cexcl, sizeof(int));
			if (!r && !seeds)
				x->excl[x->nexcl - 1] = (int)p;
		}
	}
	sqlite3_finalize(st);
	return r ? nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory")) : 0;
}

static int wl_begin(struct nt_actx *ax, void **out, struct nt_err **err)
{
	struct wctx *x = calloc(1, sizeof(*x));

	*out = x;
	if (!x)
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	x->ax = ax;
	nt_hmap_init(&x->kids, sizeof(struct kids));
	return load_meta(x, err);
}

static int bind_ts(sqlite3_stmt *st, int i, int64_t ts)
{
	return ts < 0 ? sqlite3_bind_null(st, i) : sqlite3_bind_int64(st, i, ts);
}

static int write_funcs(struct wctx *x, struct nt_actx *ax, struct nt_err **err)
{
	sqlite3_stmt *st;
	int rc = 0;

	if (!x->nfagg)
		return 0;
	if (!(st = nt_actx_prepare(ax, "INSERT INTO func_tasks VALUES(?,?,?,?,?,?,?)", err)))
		return -1;
	for (size_t i = 0; !rc && i < x->nfagg; i++) {
		const struct fagg *g = &x->fagg[i];

		sqlite3_bind_int64(st, 1, nt_actx_trace(ax));
		sqlite3_bind_int(st, 2, g->pid);
		sqlite3_bind_text(st, 3, x->fns.s[g->fn], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, g->calls);
		sqlite3_bind_int64(st, 5, g->unfinished);
		sqlite3_bind_int64(st, 6, g->total);
		sqlite3_bind_int64(st, 7, g->self);
		rc = nt_actx_put(ax, st, "func_tasks", err);
	}
	sqlite3_finalize(st);
	return rc;
}

static int wl_end(void *ctx, struct nt_actx *ax, struct nt_err **err)
{
	struct wctx *x = ctx;
	sqlite3_stmt *w = nt_actx_prepare(ax, "INSERT INTO workload_tasks VALUES(?,?,?,?,?)", err);
	sqlite3_stmt *a =
		w ? nt_actx_prepare(ax, "INSERT INTO alloc_tasks VALUES(?,?,?,?,?,?,?)", err)
		  : NULL;
	int rc = -1;

	if (!a)
		goto out;
	for (size_t i = 0; i < x->nt; i++) {
		sqlite3_bind_int64(w, 1, nt_actx_trace(ax));
		sqlite3_bind_int(w, 2, x->t[i].pid);
		if (x->t[i].ppid)
			sqlite3_bind_int(w, 3, x->t[i].ppid);
		else
			sqlite3_bind_null(w, 3);
		bind_ts(w, 4, x->t[i].first_ts);
		bind_ts(w, 5, x->t[i].last_ts);
		if (nt_actx_put(ax, w, "workload_tasks", err))
			goto out;
	}
	for (size_t i = 0; i < x->nagg; i++) {
		const struct tagg *g = &x->agg[i];
		int net = nt_net_symbol(x->sites.s[g->site]);

		sqlite3_bind_int64(a, 1, nt_actx_trace(ax));
		sqlite3_bind_int(a, 2, g->pid);
		sqlite3_bind_text(a, 3, x->sites.s[g->site], -1, SQLITE_STATIC);
		if (net < 0)
			sqlite3_bind_null(a, 4);
		else
			sqlite3_bind_int(a, 4, net);
		sqlite3_bind_int64(a, 5, g->allocs);
		sqlite3_bind_int64(a, 6, g->req);
		sqlite3_bind_int64(a, 7, g->alloc);
		if (nt_actx_put(ax, a, "alloc_tasks", err))
			goto out;
	}
	if (write_funcs(x, ax, err))
		goto out;
	if (x->nt)
		nt_actx_note(ax, "workload", "tasks", (int64_t)x->nt);
	rc = 0;
out:
	sqlite3_finalize(w);
	sqlite3_finalize(a);
	return rc;
}

static void wl_free(void *ctx)
{
	struct wctx *x = ctx;

	if (!x)
		return;
	nt_names_release(&x->keys);
	nt_names_release(&x->sites);
	free(x->agg);
	free(x->t);
	free(x->excl);
	free(x->irq);
	nt_names_release(&x->fkeys);
	nt_names_release(&x->fns);
	free(x->fagg);
	nt_hmap_release(&x->kids);
	sqlite3_finalize(x->xmit);
	nt_err_free(x->err);
	free(x);
}

static const struct nt_sub wl_subs[] = {
	{"sched:sched_process_fork", f_fork, on_fork},
	{"sched:sched_process_exit", f_exit, on_exit_ev},
	{"kmem:kmalloc", f_alloc, on_alloc},
	{"kmem:kmalloc_node", f_alloc, on_alloc},
	{"kmem:kmem_cache_alloc", f_alloc, on_alloc},
	{"kmem:kmem_cache_alloc_node", f_alloc, on_alloc},
	{"funcgraph:call", f_call, on_call},
	{"irq:irq_handler_entry", NULL, on_hardirq_entry},
	{"irq:irq_handler_exit", NULL, on_hardirq_exit},
	{"irq:softirq_entry", NULL, on_softirq_entry},
	{"irq:softirq_exit", NULL, on_softirq_exit},
	{"net:net_dev_queue", f_xmit, on_xmit},
	{"net:net_dev_start_xmit", f_xmit, on_xmit},
	{"net:net_dev_xmit", f_xmit, on_xmit},
	{NULL, NULL, NULL},
};

static const char *const wl_tables[] = {"workload_tasks", "alloc_tasks", "func_tasks",
					"skb_irq_xmits", NULL};

const struct nt_analysis nt_workload_analysis = {
	.name = "workload",
	.help = "the workload's process tree; slab allocations per task and call site",
	.schema = "CREATE TABLE IF NOT EXISTS workload_tasks(trace_id INTEGER NOT NULL, pid "
		  "INTEGER, ppid INTEGER, first_ts INTEGER, last_ts INTEGER);"
		  "CREATE TABLE IF NOT EXISTS alloc_tasks(trace_id INTEGER NOT NULL, pid INTEGER, "
		  "call_site TEXT, net INTEGER, allocs INTEGER, bytes_req INTEGER, bytes_alloc "
		  "INTEGER);"
		  "CREATE TABLE IF NOT EXISTS func_tasks(trace_id INTEGER NOT NULL, pid INTEGER, "
		  "function TEXT, calls INTEGER, unfinished INTEGER, total_ns INTEGER, self_ns "
		  "INTEGER);"
		  "CREATE TABLE IF NOT EXISTS skb_irq_xmits(trace_id INTEGER NOT NULL, ts INTEGER, "
		  "cpu INTEGER, skbaddr INTEGER);"
		  "CREATE INDEX IF NOT EXISTS skb_irq_xmits_ts ON skb_irq_xmits(trace_id, ts);",
	.tables = wl_tables,
	.subs = wl_subs,
	.begin = wl_begin,
	.end = wl_end,
	.free = wl_free,
};
