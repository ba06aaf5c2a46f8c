/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IRQ and softirq timing: hard-IRQ handler intervals, softirq intervals with their raise ->
 * entry latency, statistics per IRQ/vector per CPU and overall, and NAPI polls per device.
 * Pairs only what the trace shows paired on one CPU; events across a lost window are not paired.
 */
#include "analyze.h"
#include "../core/sys.h"

#include <stdlib.h>
#include <string.h>

#define NVEC 32 /* softirq vectors (the kernel has 10) */

enum kind { K_IRQ, K_SOFTIRQ, K_RAISE };
static const char *const kind_name[] = {"irq", "softirq", "softirq_raise"};

struct cpu {
	bool in_irq, in_soft;
	int64_t irq, irq_ts, vec, soft_ts, soft_raise;
	char irq_name[64];
	int64_t raise[NVEC]; /* pending raise timestamp per vector (0: none) */
};

struct stat_row {
	enum kind kind;
	int64_t number;
	int cpu; /* -1: all cpus */
	char name[64];
	struct nt_stat st;
};

struct napi_dev {
	char dev[64];
	int64_t polls, work, full, max_work;
	int64_t hist[65]; /* polls by work, 64 = more */
};

struct irq_ctx {
	struct nt_actx *ax;
	struct cpu *cpus;
	int ncpus;
	struct stat_row *rows;
	int nrows;
	struct napi_dev *devs;
	int ndevs;
	sqlite3_stmt *ins_irq, *ins_soft, *ins_napi;
	int64_t unmatched_entry, unmatched_exit, lossy;
	bool oom;
};

static struct cpu *cpu_at(struct irq_ctx *x, int cpu)
{
	if (cpu < 0 || cpu > 8191)
		return NULL;
	if (cpu >= x->ncpus) {
		struct cpu *c = realloc(x->cpus, (size_t)(cpu + 1) * sizeof(*c));
		if (!c) {
			x->oom = true;
			return NULL;
		}
		memset(c + x->ncpus, 0, (size_t)(cpu + 1 - x->ncpus) * sizeof(*c));
		x->cpus = c;
		x->ncpus = cpu + 1;
	}
	return &x->cpus[cpu];
}

static struct stat_row *row(struct irq_ctx *x, enum kind k, int64_t number, int cpu,
			    const char *name)
{
	struct stat_row *r;

	for (int i = 0; i < x->nrows; i++) {
		r = &x->rows[i];
		if (r->kind == k && r->number == number && r->cpu == cpu)
			goto found;
	}
	r = realloc(x->rows, (size_t)(x->nrows + 1) * sizeof(*r));
	if (!r) {
		x->oom = true;
		return NULL;
	}
	x->rows = r;
	r = &x->rows[x->nrows++];
	memset(r, 0, sizeof(*r));
	r->kind = k;
	r->number = number;
	r->cpu = cpu;
found:
	if (name && *name)
		nt_strcpy_cut(r->name, sizeof(r->name), name);
	return r;
}

static void account(struct irq_ctx *x, enum kind k, int64_t number, int cpu, const char *name,
		    int64_t ns)
{
	/* one at a time: row() may move the array */
	struct stat_row *r = row(x, k, number, cpu, name);

	if (r)
		nt_stat_add(&r->st, (double)ns);
	r = row(x, k, number, -1, name);
	if (r)
		nt_stat_add(&r->st, (double)ns);
}

/* ---- hard irqs ---- */

static const char *const f_irq_entry[] = {"irq", "name", NULL};
static const char *const f_irq_exit[] = {"irq", "ret", NULL};

static int on_irq_entry(void *ctx, const struct nt_ev *e)
{
	struct irq_ctx *x = ctx;
	struct cpu *c = cpu_at(x, e->cpu);
	const char *name = nt_ev_text(e, 1);

	if (!c)
		return x->oom ? -1 : 0;
	if (c->in_irq)
		x->unmatched_entry++; /* its exit was never seen */
	c->in_irq = true;
	c->irq = nt_ev_int(e, 0);
	c->irq_ts = e->ts;
	nt_strcpy_cut(c->irq_name, sizeof(c->irq_name), name ? name : "");
	return 0;
}

static int on_irq_exit(void *ctx, const struct nt_ev *e)
{
	struct irq_ctx *x = ctx;
	struct cpu *c = cpu_at(x, e->cpu);
	int64_t irq = nt_ev_int(e, 0), d;
	bool lossy;

	if (!c)
		return x->oom ? -1 : 0;
	if (!c->in_irq || c->irq != irq) {
		x->unmatched_exit++;
		return 0;
	}
	c->in_irq = false;
	d = e->ts - c->irq_ts;
	lossy = nt_actx_lossy(x->ax, e->cpu, c->irq_ts, e->ts);
	sqlite3_bind_int(x->ins_irq, 2, e->cpu);
	sqlite3_bind_int64(x->ins_irq, 3, irq);
	sqlite3_bind_text(x->ins_irq, 4, c->irq_name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(x->ins_irq, 5, c->irq_ts);
	sqlite3_bind_int64(x->ins_irq, 6, e->ts);
	sqlite3_bind_int64(x->ins_irq, 7, d);
	if (nt_ev_has(e, 1))
		sqlite3_bind_int64(x->ins_irq, 8, nt_ev_int(e, 1));
	else
		sqlite3_bind_null(x->ins_irq, 8);
	sqlite3_bind_int(x->ins_irq, 9, lossy);
	if (sqlite3_step(x->ins_irq) != SQLITE_DONE)
		return -1;
	sqlite3_reset(x->ins_irq);
	if (lossy)
		x->lossy++;
	else
		account(x, K_IRQ, irq, e->cpu, c->irq_name, d);
	return 0;
}

/* ---- softirqs ---- */

static const char *const f_vec[] = {"vec", "vec_sym", NULL};

static int on_raise(void *ctx, const struct nt_ev *e)
{
	struct irq_ctx *x = ctx;
	struct cpu *c = cpu_at(x, e->cpu);
	int64_t vec = nt_ev_int(e, 0);

	if (!c)
		return x->oom ? -1 : 0;
	if (vec >= 0 && vec < NVEC && !c->raise[vec])
		c->raise[vec] = e->ts; /* the first raise since the last run counts */
	return 0;
}

static int on_soft_entry(void *ctx, const struct nt_ev *e)
{
	struct irq_ctx *x = ctx;
	struct cpu *c = cpu_at(x, e->cpu);
	int64_t vec = nt_ev_int(e, 0);

	if (!c)
		return x->oom ? -1 : 0;
	if (c->in_soft)
		x->unmatched_entry++;
	c->in_soft = true;
	c->vec = vec;
	c->soft_ts = e->ts;
	c->soft_raise = 0;
	if (vec >= 0 && vec < NVEC) {
		c->soft_raise = c->raise[vec];
		c->raise[vec] = 0;
	}
	return 0;
}

static int on_soft_exit(void *ctx, const struct nt_ev *e)
{
	struct irq_ctx *x = ctx;
	struct cpu *c = cpu_at(x, e->cpu);
	int64_t vec = nt_ev_int(e, 0), d;
	const char *name = nt_ev_text(e, 1);
	bool lossy;

	if (!c)
		return x->oom ? -1 : 0;
	if (!c->in_soft || c->vec != vec) {
		x->unmatched_exit++;
		return 0;
	}
	c->in_soft = false;
	d = e->ts - c->soft_ts;
	lossy = nt_actx_lossy(x->ax, e->cpu, c->soft_raise ? c->soft_raise : c->soft_ts, e->ts);
	sqlite3_bind_int(x->ins_soft, 2, e->cpu);
	sqlite3_bind_int64(x->ins_soft, 3, vec);
	sqlite3_bind_text(x->ins_soft, 4, name, -1, SQLITE_TRANSIENT);
	if (c->soft_raise)
		sqlite3_bind_int64(x->ins_soft, 5, c->soft_raise);
	else
		sqlite3_bind_null(x->ins_soft, 5);
	sqlite3_bind_int64(x->ins_soft, 6, c->soft_ts);
	sqlite3_bind_int64(x->ins_soft, 7, e->ts);
	sqlite3_bind_int64(x->ins_soft, 8, d);
	if (c->soft_raise)
		sqlite3_bind_int64(x->ins_soft, 9, c->soft_ts - c->soft_raise);
	else
		sqlite3_bind_null(x->ins_soft, 9);
	sqlite3_bind_int(x->ins_soft, 10, lossy);
	if (sqlite3_step(x->ins_soft) != SQLITE_DONE)
		return -1;
	sqlite3_reset(x->ins_soft);
	if (lossy) {
		x->lossy++;
		return 0;
	}
	account(x, K_SOFTIRQ, vec, e->cpu, name, d);
	if (c->soft_raise)
		account(x, K_RAISE, vec, e->cpu, name, c->soft_ts - c->soft_raise);
	return 0;
}

/* ---- NAPI ---- */

static const char *const f_napi[] = {"napi", "dev_name", "work", "budget", NULL};

static int on_napi(void *ctx, const struct nt_ev *e)
{
	struct irq_ctx *x = ctx;
	const char *dev = nt_ev_text(e, 1);
	int64_t work = nt_ev_int(e, 2), budget = nt_ev_int(e, 3);
	bool has_work = nt_ev_has(e, 2), full = has_work && nt_ev_has(e, 3) && work >= budget;
	struct napi_dev *d = NULL;

	if (!dev)
		dev = "";
	for (int i = 0; i < x->ndevs; i++)
		if (!strcmp(x->devs[i].dev, dev))
			d = &x->devs[i];
	if (!d) {
		d = realloc(x->devs, (size_t)(x->ndevs + 1) * sizeof(*d));
		if (!d)
			return -1;
		x->devs = d;
		d = &x->devs[x->ndevs++];
		memset(d, 0, sizeof(*d));
		snprintf(d->dev, sizeof(d->dev), "%s", dev);
	}
	d->polls++;
	if (has_work) {
		d->work += work;
		d->full += full;
		if (work > d->max_work)
			d->max_work = work;
		d->hist[work < 0 ? 0 : work > 63 ? 64 : work]++;
	}
	sqlite3_bind_int(x->ins_napi, 2, e->cpu);
	sqlite3_bind_int64(x->ins_napi, 3, e->ts);
	sqlite3_bind_int64(x->ins_napi, 4, nt_ev_int(e, 0));
	sqlite3_bind_text(x->ins_napi, 5, dev, -1, SQLITE_TRANSIENT);
	if (has_work)
		sqlite3_bind_int64(x->ins_napi, 6, work);
	else
		sqlite3_bind_null(x->ins_napi, 6);
	if (nt_ev_has(e, 3))
		sqlite3_bind_int64(x->ins_napi, 7, budget);
	else
		sqlite3_bind_null(x->ins_napi, 7);
	sqlite3_bind_int(x->ins_napi, 8, full);
	if (sqlite3_step(x->ins_napi) != SQLITE_DONE)
		return -1;
	sqlite3_reset(x->ins_napi);
	return 0;
}

/* ---- the analysis ---- */

static int irq_begin(struct nt_actx *ax, void **out, struct nt_err **err)
{
	struct irq_ctx *x = calloc(1, sizeof(*x));

	*out = x;
	if (!x)
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	x->ax = ax;
	x->ins_irq =
		nt_actx_prepare(ax, "INSERT INTO irq_intervals VALUES(?,?,?,?,?,?,?,?,?)", err);
	x->ins_soft = nt_actx_prepare(
		ax, "INSERT INTO softirq_intervals VALUES(?,?,?,?,?,?,?,?,?,?)", err);
	x->ins_napi = nt_actx_prepare(ax, "INSERT INTO napi_polls VALUES(?,?,?,?,?,?,?,?)", err);
	if (!x->ins_irq || !x->ins_soft || !x->ins_napi)
		return -1;
	sqlite3_bind_int64(x->ins_irq, 1, nt_actx_trace(ax));
	sqlite3_bind_int64(x->ins_soft, 1, nt_actx_trace(ax));
	sqlite3_bind_int64(x->ins_napi, 1, nt_actx_trace(ax));
	return 0;
}

static int irq_end(void *ctx, struct nt_actx *ax, struct nt_err **err)
{
	struct irq_ctx *x = ctx;
	sqlite3_stmt *st;
	int64_t open = 0;

	if (x->oom)
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	st = nt_actx_prepare(ax, "INSERT INTO irq_stats VALUES(?,?,?,?,?,?,?,?,?,?)", err);
	if (!st)
		return -1;
	for (int i = 0; i < x->nrows; i++) {
		const struct stat_row *r = &x->rows[i];
		sqlite3_bind_int64(st, 1, nt_actx_trace(ax));
		sqlite3_bind_text(st, 2, kind_name[r->kind], -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, r->cpu);
		sqlite3_bind_int64(st, 4, r->number);
		if (*r->name)
			sqlite3_bind_text(st, 5, r->name, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 5);
		sqlite3_bind_int64(st, 6, r->st.n);
		sqlite3_bind_double(st, 7, r->st.min);
		sqlite3_bind_double(st, 8, r->st.mean);
		sqlite3_bind_double(st, 9, r->st.max);
		sqlite3_bind_double(st, 10, nt_stat_stdev(&r->st));
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_finalize(st);
			return nt_err_set(err, nt_err_new(NT_E_FAIL, "cannot store irq_stats: %s",
							  sqlite3_errmsg(nt_actx_db(ax))));
		}
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
	sqlite3_finalize(st);
	st = nt_actx_prepare(ax, "INSERT INTO napi_stats VALUES(?,?,?,?,?,?)", err);
	if (!st)
		return -1;
	for (int i = 0; i < x->ndevs; i++) {
		const struct napi_dev *d = &x->devs[i];
		sqlite3_bind_int64(st, 1, nt_actx_trace(ax));
		sqlite3_bind_text(st, 2, d->dev, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, d->polls);
		sqlite3_bind_int64(st, 4, d->work);
		sqlite3_bind_int64(st, 5, d->full);
		sqlite3_bind_int64(st, 6, d->max_work);
		sqlite3_step(st);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	st = nt_actx_prepare(ax, "INSERT INTO napi_work VALUES(?,?,?,?)", err);
	if (!st)
		return -1;
	for (int i = 0; i < x->ndevs; i++)
		for (int w = 0; w <= 64; w++) {
			if (!x->devs[i].hist[w])
				continue;
			sqlite3_bind_int64(st, 1, nt_actx_trace(ax));
			sqlite3_bind_text(st, 2, x->devs[i].dev, -1, SQLITE_STATIC);
			sqlite3_bind_int(st, 3, w);
			sqlite3_bind_int64(st, 4, x->devs[i].hist[w]);
			sqlite3_step(st);
			sqlite3_reset(st);
		}
	sqlite3_finalize(st);
	for (int c = 0; c < x->ncpus; c++)
		open += x->cpus[c].in_irq + x->cpus[c].in_soft;
	nt_actx_note(ax, "irq", "unmatched_entries", x->unmatched_entry);
	nt_actx_note(ax, "irq", "unmatched_exits", x->unmatched_exit);
	nt_actx_note(ax, "irq", "open_at_end", open);
	nt_actx_note(ax, "irq", "lossy_intervals", x->lossy);
	return 0;
}

static void irq_free(void *ctx)
{
	struct irq_ctx *x = ctx;

	sqlite3_finalize(x->ins_irq);
	sqlite3_finalize(x->ins_soft);
	sqlite3_finalize(x->ins_napi);
	free(x->cpus);
	free(x->rows);
	free(x->devs);
	free(x);
}

static const struct nt_sub irq_subs[] = {
	{"irq:irq_handler_entry", f_irq_entry, on_irq_entry},
	{"irq:irq_handler_exit", f_irq_exit, on_irq_exit},
	{"irq:softirq_raise", f_vec, on_raise},
	{"irq:softirq_entry", f_vec, on_soft_entry},
	{"irq:softirq_exit", f_vec, on_soft_exit},
	{"napi:napi_poll", f_napi, on_napi},
	{NULL, NULL, NULL},
};

static const char *const irq_tables[] = {
	"irq_intervals", "softirq_intervals", "irq_stats", "napi_polls",
	"napi_stats",	 "napi_work",	      NULL};

const struct nt_analysis nt_irq_analysis = {
	.name = "irq",
	.help = "hard-IRQ and softirq durations, softirq raise latency, NAPI polls",
	.schema =
		"CREATE TABLE IF NOT EXISTS irq_intervals(trace_id INTEGER NOT NULL, cpu INTEGER, "
		"irq INTEGER, name TEXT, entry_ts INTEGER, exit_ts INTEGER, duration_ns INTEGER, "
		"ret INTEGER, lossy INTEGER);"
		"CREATE TABLE IF NOT EXISTS softirq_intervals(trace_id INTEGER NOT NULL, cpu "
		"INTEGER, "
		"vec INTEGER, name TEXT, raise_ts INTEGER, entry_ts INTEGER, exit_ts INTEGER, "
		"duration_ns INTEGER, raise_latency_ns INTEGER, lossy INTEGER);"
		"CREATE TABLE IF NOT EXISTS irq_stats(trace_id INTEGER NOT NULL, kind TEXT, cpu "
		"INTEGER, "
		"number INTEGER, name TEXT, count INTEGER, min_ns REAL, avg_ns REAL, max_ns REAL, "
		"stdev_ns REAL);"
		"CREATE TABLE IF NOT EXISTS napi_polls(trace_id INTEGER NOT NULL, cpu INTEGER, ts "
		"INTEGER, "
		"napi INTEGER, dev TEXT, work INTEGER, budget INTEGER, full_budget INTEGER);"
		"CREATE TABLE IF NOT EXISTS napi_stats(trace_id INTEGER NOT NULL, dev TEXT, polls "
		"INTEGER, "
		"work INTEGER, full_budget_polls INTEGER, max_work INTEGER);"
		"CREATE TABLE IF NOT EXISTS napi_work(trace_id INTEGER NOT NULL, dev TEXT, work "
		"INTEGER, "
		"polls INTEGER);",
	.tables = irq_tables,
	.subs = irq_subs,
	.begin = irq_begin,
	.end = irq_end,
	.free = irq_free,
};
