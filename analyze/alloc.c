/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Allocation hotspots: slab allocations (kmalloc, kmem_cache_alloc) by call site and by cache,
 * with waste, object lifetimes (alloc -> free matched by pointer), cross-cpu frees and what is
 * still live at the end; page allocations by order. Memory follows the live objects.
 * docs/analyses/alloc.md gives the tables, the network-stack rule and the lost-window rule.
 */
#include "analyze.h"
#include "netsym.h"
#include "hmap.h"
#include "names.h"
#include "../core/sys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ORDER 64

/* ---- live objects and pages: key -> object (linear probing, backward-shift delete) ---- */

struct obj {
	uint64_t key; /* pointer; 0: empty slot */
	int64_t ts;
	int64_t bytes;
	int32_t cpu;
	int32_t group; /* detail index */
};

/*
 * A live page is its key (pfn + 1) and its order, nothing else: PAGE_ESIZE bytes, read with
 * memcpy. Pages are most of what a long trace leaves live (the page cache the recorder's own
 * output fills), so they cost 9 bytes each in the map, not an obj's 32.
 */
#define PAGE_ORDER 8 /* the order's byte, after the key */
#define PAGE_ESIZE 9

static unsigned page_order(const void *pe)
{
	return ((const unsigned char *)pe)[PAGE_ORDER];
}

/* ---- aggregates ---- */

struct agg {
	int64_t allocs, frees, req, alloc, cross, lossy, out, out_bytes;
	struct nt_stat life;
};

struct detail {
	int site, cache; /* cache -1: kmalloc */
	char *name;	 /* weak: symbol+offset, from the names table */
	struct agg a;
};

struct pages {
	int64_t allocs, frees, matched, out;
};

/* Per task (lttng-memtop's per-TID table): what it allocated and freed. */
struct task_agg {
	uint64_t key; /* pid + 2 (pid -1: unknown) */
	int64_t task; /* tasks.id at its last event */
	int64_t allocs, req, alloc, frees, freed, page_allocs, pages, page_frees, pages_freed;
};

struct window {
	int64_t from, to, maxto; /* maxto: the largest 'to' up to this one (sorted by from) */
};

struct alloc_ctx {
	struct nt_actx *ax;
	struct nt_names keys, sites, caches;
	struct detail *det; /* by keys index */
	struct agg *site_agg, *cache_agg;
	size_t ndet, nsite, ncache;
	struct nt_hmap objs;  /* of struct obj */
	struct nt_hmap pgs;   /* of PAGE_ESIZE entries */
	struct nt_hmap tasks; /* of struct task_agg */
	struct pages pg[MAX_ORDER + 1];
	struct window *lost;
	size_t nlost;
	int64_t unmatched_frees, null_frees, failed, over_live, lossy, pg_unmatched, pg_over_live;
	int64_t last_ts;
	bool oom;
};

/*
 * Were events lost, on any cpu, inside (@from, @to)? A window runs from the last event seen
 * before the loss to the first after it; a lost free (and re-allocation) may be on any cpu.
 */
static bool lossy(const struct alloc_ctx *x, int64_t from, int64_t to)
{
	size_t lo = 0, hi = x->nlost;

	while (lo < hi) { /* windows starting before @to: [0, lo) */
		size_t mid = (lo + hi) / 2;
		if (x->lost[mid].from < to)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo && x->lost[lo - 1].maxto > from;
}

static int cmp_window(const void *a, const void *b)
{
	const struct window *p = a, *q = b;

	return (p->from > q->from) - (p->from < q->from);
}

static int load_lost(struct alloc_ctx *x, struct nt_err **err)
{
	sqlite3_stmt *st =
		nt_actx_prepare(x->ax,
				"SELECT coalesce(ts_from, 0), coalesce(ts_to, "
				"9223372036854775807) FROM lost_windows WHERE trace_id=?",
				err);
	size_t cap = 0;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, nt_actx_trace(x->ax));
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (x->nlost == cap) {
			struct window *w =
				realloc(x->lost, (cap = cap ? 2 * cap : 16) * sizeof(*w));
			if (!w) {
				sqlite3_finalize(st);
				return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
			}
			x->lost = w;
		}
		x->lost[x->nlost++] = (struct window){sqlite3_column_int64(st, 0),
						      sqlite3_column_int64(st, 1), 0};
	}
	sqlite3_finalize(st);
	if (x->nlost)
		qsort(x->lost, x->nlost, sizeof(*x->lost), cmp_window);
	for (size_t i = 0; i < x->nlost; i++)
		x->lost[i].maxto = i && x->lost[i - 1].maxto > x->lost[i].to ? x->lost[i - 1].maxto
									     : x->lost[i].to;
	return 0;
}

/* the network-stack rule: analyze/netsym.c (shared with the profile analysis) */
static int net_symbol(const char *sym)
{
	return nt_net_symbol(sym);
}

static bool net_cache(const char *name)
{
	return name && !strncmp(name, "skbuff", 6);
}

/* ---- events ---- */

enum { F_SITE, F_SYM, F_PTR, F_REQ, F_ALLOC, F_NAME };
static const char *const f_slab[] = {"call_site",   "call_site_sym", "ptr", "bytes_req",
				     "bytes_alloc", "name",	     NULL};
static const char *const f_free[] = {"call_site", "call_site_sym", "ptr", NULL};
enum { P_PFN, P_PAGE, P_ORDER };
static const char *const f_page[] = {"pfn", "page", "order", NULL};

static bool is_text(const struct nt_ev *e, int f)
{
	return nt_ev_type(e, f) == SQLITE_TEXT;
}

/* An integer field that a text reader may have left as text ("(nil)", "0x1f"). */
static uint64_t ev_u64(const struct nt_ev *e, int f)
{
	const char *s;

	if (!is_text(e, f))
		return (uint64_t)nt_ev_int(e, f);
	s = nt_ev_text(e, f);
	return s ? strtoull(s, NULL, 0) : 0;
}

/* The call site as symbol+offset, else the address in hex, else "?". */
static void call_site(const struct nt_ev *e, char *buf, size_t n)
{
	const char *s = nt_ev_text(e, F_SYM);

	if (!s || !*s)
		s = is_text(e, F_SITE) ? nt_ev_text(e, F_SITE) : NULL;
	if (s && *s)
		nt_strcpy_cut(buf, n, s);
	else if (nt_ev_has(e, F_SITE))
		snprintf(buf, n, "0x%llx", (unsigned long long)nt_ev_int(e, F_SITE));
	else
		snprintf(buf, n, "?");
}

/* @sym without its "+0x..." offset (and "/0x..." size). */
static void strip_offset(const char *sym, char *buf, size_t n)
{
	const char *p = strchr(sym, '+');
	const char *rest = p ? strchr(p, ' ') : NULL; /* " [module]" stays */
	size_t at;

	if (!p || sym[0] == '0') {
		nt_strcpy_cut(buf, n, sym);
		return;
	}
	at = (size_t)(p - sym) < n - 1 ? (size_t)(p - sym) : n - 1; /* cut as snprintf would */
	memcpy(buf, sym, at);
	buf[at] = '\0';
	if (rest)
		nt_strcpy_cut(buf + at, n - at, rest);
}

void nt_alloc_site_name(const struct nt_ev *e, char *buf, size_t n)
{
	char site[512];

	call_site(e, site, sizeof(site));
	strip_offset(site, buf, n);
}

/* Grow an aggregate array to hold index @i. */
static int grow(void *pv, size_t *n, size_t i, size_t size)
{
	void **p = pv;
	char *v;

	if (i < *n)
		return 0;
	v = realloc(*p, (i + 1) * size);
	if (!v)
		return -1;
	memset(v + *n * size, 0, (i + 1 - *n) * size);
	*p = v;
	*n = i + 1;
	return 0;
}

/* The detail row of this (call site, cache) pair: creates the site and cache rows too. */
static struct detail *detail_of(struct alloc_ctx *x, const char *site, const char *cache)
{
	char key[600], base[512];
	bool added;
	int k, s, c = -1;
	size_t at;

	/* "site\x1fcache" (cut to the key's size as snprintf would) */
	at = nt_strcpy_cut(key, sizeof(key), site);
	if (at + 1 < sizeof(key)) {
		key[at++] = '\x1f';
		nt_strcpy_cut(key + at, sizeof(key) - at, cache ? cache : "\x1e");
	}
	if ((k = nt_names_get(&x->keys, key, &added)) < 0 ||
	    grow(&x->det, &x->ndet, (size_t)k, sizeof(*x->det)))
		return NULL;
	if (!added)
		return &x->det[k];
	strip_offset(site, base, sizeof(base));
	if ((s = nt_names_get(&x->sites, base, &added)) < 0 ||
	    grow(&x->site_agg, &x->nsite, (size_t)s, sizeof(*x->site_agg)))
		return NULL;
	if (cache && ((c = nt_names_get(&x->caches, cache, &added)) < 0 ||
		      grow(&x->cache_agg, &x->ncache, (size_t)c, sizeof(*x->cache_agg))))
		return NULL;
	x->det[k].site = s;
	x->det[k].cache = c;
	x->det[k].name = x->keys.s[k];
	return &x->det[k];
}

static void each_agg(struct alloc_ctx *x, const struct detail *d, void (*fn)(struct agg *, void *),
		     void *arg)
{
	fn((struct agg *)&d->a, arg);
	fn(&x->site_agg[d->site], arg);
	if (d->cache >= 0)
		fn(&x->cache_agg[d->cache], arg);
}

struct alloc_arg {
	int64_t req, alloc;
};

static void add_alloc(struct agg *a, void *arg)
{
	const struct alloc_arg *p = arg;

	a->allocs++;
	a->req += p->req;
	a->alloc += p->alloc;
}

struct free_arg {
	int64_t life;
	bool cross, lossy;
};

static void add_free(struct agg *a, void *arg)
{
	const struct free_arg *p = arg;

	a->frees++;
	a->cross += p->cross;
	if (p->lossy)
		a->lossy++;
	else
		nt_stat_add(&a->life, (double)p->life);
}

/* The task of event @e (its pid), or NULL when out of memory. */
static struct task_agg *task_of(struct alloc_ctx *x, const struct nt_ev *e)
{
	uint64_t key = (uint64_t)((int64_t)e->pid + 2);
	struct task_agg *t = nt_hmap_find(&x->tasks, key);

	if (!t && !(t = nt_hmap_add(&x->tasks, key))) {
		x->oom = true;
		return NULL;
	}
	if (e->task)
		t->task = e->task;
	return t;
}

static int on_alloc(void *ctx, const struct nt_ev *e, bool cache)
{
	struct alloc_ctx *x = ctx;
	char site[512];
	const char *name = cache ? nt_ev_text(e, F_NAME) : NULL;
	struct alloc_arg arg = {nt_ev_int(e, F_REQ), nt_ev_int(e, F_ALLOC)};
	struct detail *d;
	uint64_t ptr = ev_u64(e, F_PTR);
	struct task_agg *t;
	struct obj *o;

	x->last_ts = e->ts;
	call_site(e, site, sizeof(site));
	if (cache && !name)
		name = ""; /* the trace does not name caches: one unnamed cache */
	if (!(d = detail_of(x, site, name)))
		goto oom;
	each_agg(x, d, add_alloc, &arg);
	if (!(t = task_of(x, e)))
		return -1;
	t->allocs++;
	t->req += arg.req;
	t->alloc += arg.alloc;
	if (!ptr) {
		x->failed++;
		return 0;
	}
	if ((o = nt_hmap_find(&x->objs, ptr))) { /* its free was not seen */
		x->over_live++;
		nt_hmap_del(&x->objs, o);
	}
	if (!(o = nt_hmap_add(&x->objs, ptr)))
		goto oom;
	o->ts = e->ts;
	o->cpu = e->cpu;
	o->bytes = arg.alloc;
	o->group = (int32_t)(d - x->det);
	return 0;
oom:
	x->oom = true;
	return -1;
}

static int on_kmalloc(void *ctx, const struct nt_ev *e)
{
	return on_alloc(ctx, e, false);
}

static int on_cache_alloc(void *ctx, const struct nt_ev *e)
{
	return on_alloc(ctx, e, true);
}

static int on_free(void *ctx, const struct nt_ev *e)
{
	struct alloc_ctx *x = ctx;
	uint64_t ptr = ev_u64(e, F_PTR);
	struct obj *o;
	struct free_arg arg;
	struct task_agg *t;

	x->last_ts = e->ts;
	if (!ptr) {
		x->null_frees++;
		return 0;
	}
	if (!(t = task_of(x, e)))
		return -1;
	t->frees++;
	if (!(o = nt_hmap_find(&x->objs, ptr))) {
		x->unmatched_frees++;
		return 0;
	}
	t->freed += o->bytes;
	arg.life = e->ts - o->ts;
	arg.cross = o->cpu != e->cpu;
	arg.lossy = lossy(x, o->ts, e->ts);
	x->lossy += arg.lossy;
	each_agg(x, &x->det[o->group], add_free, &arg);
	nt_hmap_del(&x->objs, o);
	return 0;
}

static uint64_t page_key(const struct nt_ev *e)
{
	return (nt_ev_has(e, P_PFN) ? ev_u64(e, P_PFN) : ev_u64(e, P_PAGE)) + 1;
}

static int on_page_alloc(void *ctx, const struct nt_ev *e)
{
	struct alloc_ctx *x = ctx;
	int64_t order = nt_ev_int(e, P_ORDER);
	uint64_t k = page_key(e);
	struct task_agg *t;
	unsigned char *o;

	x->last_ts = e->ts;
	if (order < 0 || order > MAX_ORDER)
		order = MAX_ORDER;
	x->pg[order].allocs++;
	if (!(t = task_of(x, e)))
		return -1;
	t->page_allocs++;
	t->pages += order < MAX_ORDER ? (int64_t)1 << order : 0;
	if (k == 1)
		return 0; /* no page: a failed allocation */
	if ((o = nt_hmap_find(&x->pgs, k))) {
		x->pg_over_live++;
		nt_hmap_del(&x->pgs, o);
	}
	if (!(o = nt_hmap_add(&x->pgs, k))) {
		x->oom = true;
		return -1;
	}
	o[PAGE_ORDER] = (unsigned char)order;
	return 0;
}

static int on_page_free(void *ctx, const struct nt_ev *e)
{
	struct alloc_ctx *x = ctx;
	int64_t order = nt_ev_int(e, P_ORDER);
	void *o = nt_hmap_find(&x->pgs, page_key(e));
	struct task_agg *t;

	x->last_ts = e->ts;
	if (order < 0 || order > MAX_ORDER)
		order = MAX_ORDER;
	x->pg[order].frees++;
	if (!(t = task_of(x, e)))
		return -1;
	t->page_frees++;
	t->pages_freed += order < MAX_ORDER ? (int64_t)1 << order : 0;
	if (!o) {
		x->pg_unmatched++;
		return 0;
	}
	x->pg[page_order(o)].matched++;
	nt_hmap_del(&x->pgs, o);
	return 0;
}

/* ---- the analysis ---- */

static int alloc_begin(struct nt_actx *ax, void **out, struct nt_err **err)
{
	struct alloc_ctx *x = calloc(1, sizeof(*x));

	*out = x;
	if (!x)
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	x->ax = ax;
	nt_hmap_init(&x->objs, sizeof(struct obj));
	nt_hmap_init(&x->pgs, PAGE_ESIZE);
	nt_hmap_init(&x->tasks, sizeof(struct task_agg));
	return load_lost(x, err);
}

/* Bind an aggregate's columns from @col on. */
static void bind_agg(sqlite3_stmt *st, int col, const struct agg *a)
{
	sqlite3_bind_int64(st, col, a->allocs);
	sqlite3_bind_int64(st, col + 1, a->frees);
	sqlite3_bind_int64(st, col + 2, a->req);
	sqlite3_bind_int64(st, col + 3, a->alloc);
	sqlite3_bind_int64(st, col + 4, a->alloc - a->req);
	if (a->alloc > 0)
		sqlite3_bind_double(st, col + 5,
				    100.0 * (double)(a->alloc - a->req) / (double)a->alloc);
	else
		sqlite3_bind_null(st, col + 5);
	if (a->life.n) {
		sqlite3_bind_int64(st, col + 6, (int64_t)a->life.min);
		sqlite3_bind_double(st, col + 7, a->life.mean);
		sqlite3_bind_int64(st, col + 8, (int64_t)a->life.max);
	} else {
		sqlite3_bind_null(st, col + 6);
		sqlite3_bind_null(st, col + 7);
		sqlite3_bind_null(st, col + 8);
	}
	sqlite3_bind_int64(st, col + 9, a->life.n);
	sqlite3_bind_int64(st, col + 10, a->lossy);
	sqlite3_bind_int64(st, col + 11, a->cross);
	sqlite3_bind_int64(st, col + 12, a->out);
	sqlite3_bind_int64(st, col + 13, a->out_bytes);
}

static void bind_net(sqlite3_stmt *st, int col, int net)
{
	if (net < 0)
		sqlite3_bind_null(st, col);
	else
		sqlite3_bind_int(st, col, net);
}

static int write_slabs(struct alloc_ctx *x, struct nt_actx *ax, struct nt_err **err)
{
	sqlite3_stmt *st;
	int rc = 0;

	st = nt_actx_prepare(
		ax, "INSERT INTO alloc_sites VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", err);
	for (size_t i = 0; st && !rc && i < x->nsite; i++) {
		sqlite3_bind_int64(st, 1, nt_actx_trace(ax));
		sqlite3_bind_text(st, 2, x->sites.s[i], -1, SQLITE_STATIC);
		bind_net(st, 3, net_symbol(x->sites.s[i]));
		bind_agg(st, 4, &x->site_agg[i]);
		rc = nt_actx_put(ax, st, "alloc_sites", err);
	}
	sqlite3_finalize(st);
	if (!st || rc)
		return -1;
	st = nt_actx_prepare(
		ax, "INSERT INTO alloc_site_detail VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
		err);
	for (size_t i = 0; st && !rc && i < x->ndet; i++) {
		const struct detail *d = &x->det[i];
		const char *sep = strchr(d->name, '\x1f');

		sqlite3_bind_int64(st, 1, nt_actx_trace(ax));
		sqlite3_bind_text(st, 2, x->sites.s[d->site], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, d->name, (int)(sep - d->name), SQLITE_STATIC);
		sqlite3_bind_text(st, 4, d->cache < 0 ? "kmalloc" : "cache", -1, SQLITE_STATIC);
		if (d->cache >= 0 && *x->caches.s[d->cache])
			sqlite3_bind_text(st, 5, x->caches.s[d->cache], -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 5);
		bind_net(st, 6, net_symbol(x->sites.s[d->site]));
		bind_agg(st, 7, &d->a);
		rc = nt_actx_put(ax, st, "alloc_site_detail", err);
	}
	sqlite3_finalize(st);
	if (!st || rc)
		return -1;
	st = nt_actx_prepare(
		ax, "INSERT INTO alloc_caches VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", err);
	for (size_t i = 0; st && !rc && i < x->ncache; i++) {
		const char *c = x->caches.s[i];

		sqlite3_bind_int64(st, 1, nt_actx_trace(ax));
		if (*c)
			sqlite3_bind_text(st, 2, c, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 2);
		bind_net(st, 3, *c ? net_cache(c) : -1);
		bind_agg(st, 4, &x->cache_agg[i]);
		rc = nt_actx_put(ax, st, "alloc_caches", err);
	}
	sqlite3_finalize(st);
	return !st || rc ? -1 : 0;
}

static int write_tasks(struct alloc_ctx *x, struct nt_actx *ax, struct nt_err **err)
{
	sqlite3_stmt *st = nt_actx_prepare(
		ax,
		"INSERT INTO task_allocs VALUES(?1,?2,(SELECT comm FROM tasks WHERE id = ?3),?4,?5,"
		"?6,?7,?8,?9,?10,?11,?12)",
		err);
	int rc = 0;

	for (const struct task_agg *t = NULL; st && !rc && (t = nt_hmap_next(&x->tasks, t));) {
		sqlite3_bind_int64(st, 1, nt_actx_trace(ax));
		sqlite3_bind_int64(st, 2, (int64_t)t->key - 2);
		sqlite3_bind_int64(st, 3, t->task);
		sqlite3_bind_int64(st, 4, t->allocs);
		sqlite3_bind_int64(st, 5, t->req);
		sqlite3_bind_int64(st, 6, t->alloc);
		sqlite3_bind_int64(st, 7, t->frees);
		sqlite3_bind_int64(st, 8, t->freed);
		sqlite3_bind_int64(st, 9, t->page_allocs);
		sqlite3_bind_int64(st, 10, t->pages);
		sqlite3_bind_int64(st, 11, t->page_frees);
		sqlite3_bind_int64(st, 12, t->pages_freed);
		rc = nt_actx_put(ax, st, "task_allocs", err);
	}
	sqlite3_finalize(st);
	return !st || rc ? -1 : 0;
}

static int alloc_end(void *ctx, struct nt_actx *ax, struct nt_err **err)
{
	struct alloc_ctx *x = ctx;
	int64_t out_lossy = 0;
	sqlite3_stmt *st;
	int rc = 0;

	if (x->oom)
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	for (const struct obj *o = NULL; (o = nt_hmap_next(&x->objs, o));) {
		const struct detail *d = &x->det[o->group];
		struct agg *a[3] = {(struct agg *)&d->a, &x->site_agg[d->site],
				    d->cache >= 0 ? &x->cache_agg[d->cache] : NULL};

		for (int k = 0; k < 3; k++)
			if (a[k]) {
				a[k]->out++;
				a[k]->out_bytes += o->bytes;
			}
		out_lossy += lossy(x, o->ts, x->last_ts);
	}
	for (const void *o = NULL; (o = nt_hmap_next(&x->pgs, o));)
		x->pg[page_order(o)].out++;
	if (write_slabs(x, ax, err) || write_tasks(x, ax, err))
		return -1;
	st = nt_actx_prepare(ax, "INSERT INTO page_allocs VALUES(?,?,?,?,?,?,?)", err);
	for (int o = 0; st && !rc && o <= MAX_ORDER; o++) {
		const struct pages *p = &x->pg[o];

		if (!p->allocs && !p->frees)
			continue;
		sqlite3_bind_int64(st, 1, nt_actx_trace(ax));
		sqlite3_bind_int(st, 2, o);
		sqlite3_bind_int64(st, 3, p->allocs);
		sqlite3_bind_int64(st, 4, p->allocs << o);
		sqlite3_bind_int64(st, 5, p->frees);
		sqlite3_bind_int64(st, 6, p->matched);
		sqlite3_bind_int64(st, 7, p->out);
		rc = nt_actx_put(ax, st, "page_allocs", err);
	}
	sqlite3_finalize(st);
	if (!st || rc)
		return -1;
	nt_actx_note(ax, "alloc", "unmatched_frees", x->unmatched_frees);
	nt_actx_note(ax, "alloc", "null_frees", x->null_frees);
	nt_actx_note(ax, "alloc", "failed_allocs", x->failed);
	nt_actx_note(ax, "alloc", "alloc_over_live", x->over_live);
	nt_actx_note(ax, "alloc", "lossy_lifetimes", x->lossy);
	nt_actx_note(ax, "alloc", "outstanding", (int64_t)x->objs.n);
	nt_actx_note(ax, "alloc", "outstanding_lossy", out_lossy);
	nt_actx_note(ax, "alloc", "page_unmatched_frees", x->pg_unmatched);
	nt_actx_note(ax, "alloc", "page_alloc_over_live", x->pg_over_live);
	return 0;
}

static void alloc_free(void *ctx)
{
	struct alloc_ctx *x = ctx;

	nt_names_release(&x->keys);
	nt_names_release(&x->sites);
	nt_names_release(&x->caches);
	free(x->det);
	free(x->site_agg);
	free(x->cache_agg);
	nt_hmap_release(&x->objs);
	nt_hmap_release(&x->pgs);
	nt_hmap_release(&x->tasks);
	free(x->lost);
	free(x);
}

static const struct nt_sub alloc_subs[] = {
	{"kmem:kmalloc", f_slab, on_kmalloc},
	{"kmem:kmalloc_node", f_slab, on_kmalloc},
	{"kmem:kmem_cache_alloc", f_slab, on_cache_alloc},
	{"kmem:kmem_cache_alloc_node", f_slab, on_cache_alloc},
	{"kmem:kfree", f_free, on_free},
	{"kmem:kmem_cache_free", f_free, on_free},
	{"kmem:mm_page_alloc", f_page, on_page_alloc},
	{"kmem:mm_page_free", f_page, on_page_free},
	{NULL, NULL, NULL},
};

static const char *const alloc_tables[] = {"alloc_sites", "alloc_site_detail", "alloc_caches",
					   "page_allocs", "task_allocs",       NULL};

#define AGG_SQL                                                                                   \
	"allocs INTEGER, frees INTEGER, bytes_req INTEGER, bytes_alloc INTEGER, waste INTEGER, "  \
	"frag_pct REAL, lifetime_min_ns INTEGER, lifetime_avg_ns REAL, lifetime_max_ns INTEGER, " \
	"lifetimes INTEGER, lifetime_lossy INTEGER, cross_cpu_frees INTEGER, outstanding "        \
	"INTEGER, outstanding_bytes INTEGER)"

const struct nt_analysis nt_alloc_analysis = {
	.name = "alloc",
	.help = "slab allocations by call site and cache (waste, lifetimes), pages by order",
	.schema = "CREATE TABLE IF NOT EXISTS alloc_sites(trace_id INTEGER NOT NULL, call_site "
		  "TEXT, net INTEGER, " AGG_SQL ";"
		  "CREATE TABLE IF NOT EXISTS alloc_site_detail(trace_id INTEGER NOT NULL, "
		  "call_site TEXT, call_site_offset TEXT, kind TEXT, cache TEXT, net "
		  "INTEGER, " AGG_SQL ";"
		  "CREATE TABLE IF NOT EXISTS alloc_caches(trace_id INTEGER NOT NULL, cache TEXT, "
		  "net INTEGER, " AGG_SQL ";"
		  "CREATE TABLE IF NOT EXISTS page_allocs(trace_id INTEGER NOT NULL, page_order "
		  "INTEGER, allocs INTEGER, pages INTEGER, frees INTEGER, matched_frees INTEGER, "
		  "outstanding INTEGER);"
		  "CREATE TABLE IF NOT EXISTS task_allocs(trace_id INTEGER NOT NULL, pid INTEGER, "
		  "comm TEXT, allocs INTEGER, bytes_req INTEGER, bytes_alloc INTEGER, frees "
		  "INTEGER, bytes_freed INTEGER, page_allocs INTEGER, pages INTEGER, page_frees "
		  "INTEGER, pages_freed INTEGER);",
	.tables = alloc_tables,
	.subs = alloc_subs,
	.begin = alloc_begin,
	.end = alloc_end,
	.free = alloc_free,
};
