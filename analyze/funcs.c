/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Function call statistics from function_graph calls (funcgraph:call): per function calls,
 * total, self, avg, max; call trees as collapsed paths (flame graphs), for the whole trace and
 * under chosen entry functions; the function profiler's table (from its own trace_stat rows,
 * or computed from the calls). docs/analyses/funcs.md gives the definitions.
 *
 * Calls arrive as they close (a call after its callees), so each still-open call that has
 * closed callees keeps their subtree, aggregated by relative path, until it closes itself.
 */
#include "analyze.h"
#include "hmap.h"
#include "names.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- call trees: a node per distinct path, children as a sibling list ---- */

struct node {
	int fn;
	int64_t calls, unfinished, total, self, lossy;
	struct node *kids, *next;
};

static void tree_free(struct node *n)
{
	while (n) {
		struct node *next = n->next;
		tree_free(n->kids);
		free(n);
		n = next;
	}
}

static struct node *child(struct node **list, int fn)
{
	struct node *n;

	for (n = *list; n; n = n->next)
		if (n->fn == fn)
			return n;
	if (!(n = calloc(1, sizeof(*n))))
		return NULL;
	n->fn = fn;
	n->next = *list;
	*list = n;
	return n;
}

static void add_counts(struct node *d, const struct node *s)
{
	d->calls += s->calls;
	d->unfinished += s->unfinished;
	d->total += s->total;
	d->self += s->self;
	d->lossy += s->lossy;
}

/* Move the trees of @src into @dst (consumes @src). */
static void tree_merge(struct node **dst, struct node *src)
{
	if (!*dst) {
		*dst = src;
		return;
	}
	while (src) {
		struct node *next = src->next, *d;

		for (d = *dst; d && d->fn != src->fn; d = d->next)
			;
		if (!d) {
			src->next = *dst;
			*dst = src;
		} else {
			add_counts(d, src);
			tree_merge(&d->kids, src->kids);
			free(src);
		}
		src = next;
	}
}

/* Add a copy of node @s and its subtree into @dst. Returns 0 or -1. */
static int tree_add_copy(struct node **dst, const struct node *s)
{
	struct node *d = child(dst, s->fn);

	if (!d)
		return -1;
	add_counts(d, s);
	for (const struct node *k = s->kids; k; k = k->next)
		if (tree_add_copy(&d->kids, k))
			return -1;
	return 0;
}

/* ---- open calls with closed callees: call_id -> pending subtree ---- */

struct pend {
	int64_t id; /* 0: empty slot */
	int64_t kids_total;
	struct node *kids;
};

/* The pending subtree of call @id, made on first use (NULL when out of memory). */
static struct pend *pend_get(struct nt_hmap *m, int64_t id)
{
	struct pend *p = nt_hmap_find(m, (uint64_t)id);

	return p ? p : nt_hmap_add(m, (uint64_t)id);
}

/* ---- per function, and per cpu x function for the profile ---- */

struct fstat {
	int64_t calls, unfinished, total, self, min, max, lossy;
};

struct prof {
	int cpu, fn;
	int64_t hit, time;
	unsigned __int128 sq; /* sum of squared durations (ns^2) */
};

struct funcs_ctx {
	struct nt_actx *ax;
	struct nt_names fns;
	struct fstat *fs;
	size_t nfs;
	struct prof *prof;
	size_t nprof, capprof;
	struct nt_hmap pix;  /* struct prof_ix: where each pair is in prof */
	struct nt_hmap pend; /* of struct pend */
	struct node *roots;
	sqlite3_stmt *ins_prof;
	int64_t profiler_rows, no_exit, negative_self, orphans, no_id;
	bool oom;
};

/* Where a (cpu, function) pair is in prof: the index by key (analyze/hmap.h). */
struct prof_ix {
	uint64_t key; /* cpu << 32 | function, plus 1 so that it is never 0 */
	size_t i;
};

static struct prof *prof_get(struct funcs_ctx *x, int cpu, int fn)
{
	uint64_t k = (((uint64_t)(uint32_t)cpu << 32) | (uint32_t)fn) + 1;
	struct prof_ix *ix = nt_hmap_find(&x->pix, k);
	struct prof *p;

	if (ix)
		return &x->prof[ix->i];
	if (x->nprof == x->capprof) {
		size_t cap = x->capprof ? 2 * x->capprof : 128;

		if (!(p = realloc(x->prof, cap * sizeof(*p))))
			return NULL;
		x->prof = p;
		x->capprof = cap;
	}
	if (!(ix = nt_hmap_add(&x->pix, k)))
		return NULL;
	ix->i = x->nprof;
	p = &x->prof[x->nprof++];
	memset(p, 0, sizeof(*p));
	p->cpu = cpu;
	p->fn = fn;
	return p;
}

static int grow_fs(struct funcs_ctx *x, int fn)
{
	struct fstat *v;

	if ((size_t)fn < x->nfs)
		return 0;
	v = realloc(x->fs, ((size_t)fn + 1) * sizeof(*v));
	if (!v)
		return -1;
	memset(v + x->nfs, 0, ((size_t)fn + 1 - x->nfs) * sizeof(*v));
	x->fs = v;
	x->nfs = (size_t)fn + 1;
	return 0;
}

/* ---- events ---- */

enum { F_FUNC, F_DEPTH, F_DUR, F_ID, F_PARENT, F_EXIT };
static const char *const f_call[] = {"function",  "depth",   "duration_ns", "call_id",
				     "parent_id", "exit_ts", NULL};

static int on_call(void *ctx, const struct nt_ev *e)
{
	struct funcs_ctx *x = ctx;
	const char *name = nt_ev_text(e, F_FUNC);
	int64_t id = nt_ev_int(e, F_ID), dur = nt_ev_int(e, F_DUR), self = 0, kids_total = 0;
	bool known = nt_ev_has(e, F_DUR) && dur >= 0, lossy = false;
	struct node *kids = NULL, **list = &x->roots, *n;
	struct pend *p;
	struct fstat *f;
	int fn = nt_names_get(&x->fns, name && *name ? name : "[unknown]", NULL);

	if (fn < 0 || grow_fs(x, fn))
		goto oom;
	if (nt_ev_has(e, F_ID) && id && (p = nt_hmap_find(&x->pend, (uint64_t)id))) {
		kids = p->kids;
		kids_total = p->kids_total;
		nt_hmap_del(&x->pend, p);
	} else if (!nt_ev_has(e, F_ID) || !id) {
		x->no_id++;
	}
	f = &x->fs[fn];
	f->calls++;
	if (known) {
		self = dur - kids_total;
		if (self < 0) {
			x->negative_self++;
			self = 0;
		}
		lossy = nt_actx_lossy(x->ax, e->cpu, e->ts, e->ts + dur);
		f->total += dur;
		f->self += self;
		f->lossy += lossy;
		if (f->calls - f->unfinished == 1 || dur < f->min)
			f->min = dur;
		if (dur > f->max)
			f->max = dur;
		struct prof *pr = prof_get(x, e->cpu, fn);
		if (!pr)
			goto oom_kids;
		pr->hit++;
		pr->time += dur;
		pr->sq += (unsigned __int128)dur * (unsigned __int128)dur;
	} else {
		f->unfinished++;
		x->no_exit++;
	}
	if (nt_ev_has(e, F_PARENT)) {
		if (!(p = pend_get(&x->pend, nt_ev_int(e, F_PARENT))))
			goto oom_kids;
		p->kids_total += known ? dur : 0;
		list = &p->kids;
	}
	if (!(n = child(list, fn)))
		goto oom_kids;
	n->calls++;
	n->unfinished += !known;
	n->total += known ? dur : 0;
	n->self += self;
	n->lossy += lossy;
	tree_merge(&n->kids, kids);
	return 0;
oom_kids:
	tree_free(kids);
oom:
	x->oom = true;
	return -1;
}

static const char *const f_prof[] = {"function", "hit", "time_ns", "avg_ns", "s2_ns2", NULL};

static int on_profile(void *ctx, const struct nt_ev *e)
{
	struct funcs_ctx *x = ctx;
	sqlite3_stmt *st = x->ins_prof;

	x->profiler_rows++;
	sqlite3_bind_int(st, 2, e->cpu);
	sqlite3_bind_text(st, 3, nt_ev_text(e, 0), -1, SQLITE_TRANSIENT);
	for (int f = 1; f <= 4; f++)
		if (nt_ev_has(e, f))
			sqlite3_bind_int64(st, 3 + f, nt_ev_int(e, f));
		else
			sqlite3_bind_null(st, 3 + f);
	sqlite3_bind_text(st, 8, "profiler", -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return -1;
	sqlite3_reset(st);
	return 0;
}

/* ---- the analysis ---- */

static int funcs_begin(struct nt_actx *ax, void **out, struct nt_err **err)
{
	struct funcs_ctx *x = calloc(1, sizeof(*x));

	*out = x;
	if (!x)
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	x->ax = ax;
	nt_hmap_init(&x->pend, sizeof(struct pend));
	nt_hmap_init(&x->pix, sizeof(struct prof_ix));
	x->ins_prof = nt_actx_prepare(ax, "INSERT INTO func_profile VALUES(?,?,?,?,?,?,?,?)", err);
	if (!x->ins_prof)
		return -1;
	sqlite3_bind_int64(x->ins_prof, 1, nt_actx_trace(ax));
	return 0;
}

struct path_out {
	struct funcs_ctx *x;
	struct nt_actx *ax;
	sqlite3_stmt *st;
	char *buf; /* owned: the path so far */
	size_t len, cap;
};

/* One row per node under @list, the path of each node being @o->buf;name. */
static int write_paths(struct path_out *o, const struct node *list, int depth, struct nt_err **err)
{
	for (const struct node *n = list; n; n = n->next) {
		const char *name = o->x->fns.s[n->fn];
		size_t len = o->len, add = strlen(name) + 1;

		if (len + add + 1 > o->cap) {
			char *b = realloc(o->buf, o->cap = 2 * (len + add + 1));
			if (!b)
				return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
			o->buf = b;
		}
		sprintf(o->buf + len, "%s%s", len ? ";" : "", name);
		o->len = strlen(o->buf);
		sqlite3_bind_text(o->st, 3, o->buf, (int)o->len, SQLITE_STATIC);
		sqlite3_bind_int(o->st, 4, depth);
		sqlite3_bind_text(o->st, 5, name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(o->st, 6, n->calls);
		sqlite3_bind_int64(o->st, 7, n->unfinished);
		sqlite3_bind_int64(o->st, 8, n->total);
		sqlite3_bind_int64(o->st, 9, n->self);
		sqlite3_bind_int64(o->st, 10, n->lossy);
		if (nt_actx_put(o->ax, o->st, "func_paths", err) ||
		    write_paths(o, n->kids, depth + 1, err))
			return -1;
		o->len = len;
		o->buf[len] = '\0';
	}
	return 0;
}

/* Copy into @dst every outermost call tree of function @fn found under @list. */
static int reroot(struct node **dst, const struct node *list, int fn)
{
	for (const struct node *n = list; n; n = n->next)
		if (n->fn == fn ? tree_add_copy(dst, n) : reroot(dst, n->kids, fn))
			return -1;
	return 0;
}

/* Paths of the whole trace (entry NULL), then under each function of func_entries. */
static int write_all_paths(struct funcs_ctx *x, struct nt_actx *ax, struct nt_err **err)
{
	struct path_out o = {.x = x, .ax = ax};
	sqlite3_stmt *ent;
	int rc = -1;

	o.st = nt_actx_prepare(ax, "INSERT INTO func_paths VALUES(?,?,?,?,?,?,?,?,?,?)", err);
	ent = nt_actx_prepare(ax, "SELECT DISTINCT function FROM func_entries ORDER BY 1", err);
	if (!o.st || !ent)
		goto out;
	sqlite3_bind_int64(o.st, 1, nt_actx_trace(ax));
	sqlite3_bind_null(o.st, 2);
	if (write_paths(&o, x->roots, 0, err))
		goto out;
	while (sqlite3_step(ent) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(ent, 0);
		int fn = name ? nt_names_find(&x->fns, name) : -1;
		struct node *sub = NULL;

		if (fn < 0)
			continue;
		sqlite3_bind_text(o.st, 2, name, -1, SQLITE_TRANSIENT);
		if (reroot(&sub, x->roots, fn)) {
			tree_free(sub);
			nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
			goto out;
		}
		o.len = 0;
		rc = write_paths(&o, sub, 0, err);
		tree_free(sub);
		if (rc)
			goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(o.st);
	sqlite3_finalize(ent);
	free(o.buf);
	return rc;
}

static int write_stats(struct funcs_ctx *x, struct nt_actx *ax, struct nt_err **err)
{
	sqlite3_stmt *st =
		nt_actx_prepare(ax, "INSERT INTO func_stats VALUES(?,?,?,?,?,?,?,?,?,?)", err);
	int rc = 0;

	for (size_t i = 0; st && !rc && i < x->nfs; i++) {
		const struct fstat *f = &x->fs[i];
		int64_t timed = f->calls - f->unfinished;

		if (!f->calls)
			continue;
		sqlite3_bind_int64(st, 1, nt_actx_trace(ax));
		sqlite3_bind_text(st, 2, x->fns.s[i], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, f->calls);
		sqlite3_bind_int64(st, 4, f->unfinished);
		sqlite3_bind_int64(st, 5, f->total);
		sqlite3_bind_int64(st, 6, f->self);
		if (timed) {
			sqlite3_bind_double(st, 7, (double)f->total / (double)timed);
			sqlite3_bind_int64(st, 8, f->min);
			sqlite3_bind_int64(st, 9, f->max);
		} else {
			sqlite3_bind_null(st, 7);
			sqlite3_bind_null(st, 8);
			sqlite3_bind_null(st, 9);
		}
		sqlite3_bind_int64(st, 10, f->lossy);
		rc = nt_actx_put(ax, st, "func_stats", err);
	}
	sqlite3_finalize(st);
	return !st || rc ? -1 : 0;
}

/* The profiler's numbers from the calls, with its integer arithmetic (docs/analyses/funcs.md). */
static int write_profile(struct funcs_ctx *x, struct nt_actx *ax, struct nt_err **err)
{
	sqlite3_stmt *st = x->ins_prof;

	for (size_t i = 0; i < x->nprof; i++) {
		const struct prof *p = &x->prof[i];
		unsigned __int128 n = (unsigned __int128)p->hit, t = (unsigned __int128)p->time;
		unsigned __int128 den = n * (n - 1) * 1000, s2 = 0;

		if (!p->hit)
			continue;
		if (den && n * p->sq >= t * t)
			s2 = (n * p->sq - t * t) / den * 1000;
		sqlite3_bind_int(st, 2, p->cpu);
		sqlite3_bind_text(st, 3, x->fns.s[p->fn], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, p->hit);
		sqlite3_bind_int64(st, 5, p->time);
		sqlite3_bind_int64(st, 6, p->time / p->hit);
		if (s2 > INT64_MAX) /* above (3 s)^2: a REAL, not an overflow */
			sqlite3_bind_double(st, 7, (double)s2);
		else
			sqlite3_bind_int64(st, 7, (int64_t)s2);
		sqlite3_bind_text(st, 8, "function_graph", -1, SQLITE_STATIC);
		if (nt_actx_put(ax, st, "func_profile", err))
			return -1;
	}
	return 0;
}

static int funcs_end(void *ctx, struct nt_actx *ax, struct nt_err **err)
{
	struct funcs_ctx *x = ctx;

	if (x->oom)
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	/* callees whose caller never came: their trees start at the top */
	for (struct pend *p = NULL; (p = nt_hmap_next(&x->pend, p));) {
		x->orphans++;
		tree_merge(&x->roots, p->kids);
		p->kids = NULL;
	}
	if (write_stats(x, ax, err) || write_all_paths(x, ax, err))
		return -1;
	if (!x->profiler_rows && write_profile(x, ax, err))
		return -1;
	nt_actx_note(ax, "funcs", "calls_without_exit", x->no_exit);
	nt_actx_note(ax, "funcs", "negative_self", x->negative_self);
	nt_actx_note(ax, "funcs", "callers_never_seen", x->orphans);
	nt_actx_note(ax, "funcs", "calls_without_id", x->no_id);
	nt_actx_note(ax, "funcs", "profiler_rows", x->profiler_rows);
	return 0;
}

static void funcs_free(void *ctx)
{
	struct funcs_ctx *x = ctx;

	nt_names_release(&x->fns);
	for (struct pend *p = NULL; (p = nt_hmap_next(&x->pend, p));)
		tree_free(p->kids);
	nt_hmap_release(&x->pend);
	tree_free(x->roots);
	free(x->fs);
	free(x->prof);
	nt_hmap_release(&x->pix);
	sqlite3_finalize(x->ins_prof);
	free(x);
}

static const struct nt_sub funcs_subs[] = {
	{"funcgraph:call", f_call, on_call},
	{"ftrace:function_profile", f_prof, on_profile},
	{NULL, NULL, NULL},
};

static const char *const funcs_tables[] = {"func_stats", "func_paths", "func_profile", NULL};

const struct nt_analysis nt_funcs_analysis = {
	.name = "funcs",
	.help = "function calls: per-function total/self time, call-tree paths, profiler table",
	.schema = "CREATE TABLE IF NOT EXISTS func_stats(trace_id INTEGER NOT NULL, function "
		  "TEXT, calls INTEGER, unfinished INTEGER, total_ns INTEGER, self_ns INTEGER, "
		  "avg_ns REAL, min_ns INTEGER, max_ns INTEGER, lossy INTEGER);"
		  "CREATE TABLE IF NOT EXISTS func_paths(trace_id INTEGER NOT NULL, entry TEXT, "
		  "path TEXT, depth INTEGER, function TEXT, calls INTEGER, unfinished INTEGER, "
		  "total_ns INTEGER, self_ns INTEGER, lossy INTEGER);"
		  "CREATE TABLE IF NOT EXISTS func_profile(trace_id INTEGER NOT NULL, cpu INTEGER, "
		  "function TEXT, hit INTEGER, time_ns INTEGER, avg_ns INTEGER, s2_ns2 INTEGER, "
		  "source TEXT);"
		  "CREATE TABLE IF NOT EXISTS func_entries(function TEXT PRIMARY KEY);",
	.tables = funcs_tables,
	.subs = funcs_subs,
	.begin = funcs_begin,
	.end = funcs_end,
	.free = funcs_free,
};
