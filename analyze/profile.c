/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CPU profile from perf's sampled kernel call stacks (perf:cpu-clock with perf_callchain, from
 * `nettrail record --backend perf --profile-cpu HZ`): per function self samples (the innermost
 * frame) and total samples (the function anywhere in the stack, once per sample), and the
 * collapsed call paths root;...;leaf (flamegraph.pl's input) with their sample counts.
 *
 * Symbols: analyze/ksyms.h (the kallsyms saved next to the capture, perf's build-id cache,
 * or /proc/kallsyms of the traced kernel). The source is recorded in analysis_notes. A frame no symbol covers stays "0x...".
 */
#include "analyze.h"
#include "ksyms.h"
#include "names.h"
#include "netsym.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- counters keyed by string ---- */

struct cnt {
	char *key; /* owned */
	int64_t a, b, seen;
};

struct smap {
	struct cnt *v;
	size_t n, cap;
};

static struct cnt *smap_get(struct smap *m, const char *key)
{
	size_t i;

	if (2 * (m->n + 1) > m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 1024;
		struct cnt *v = calloc(cap, sizeof(*v));
		if (!v)
			return NULL;
		for (size_t j = 0; j < m->cap; j++)
			if (m->v[j].key) {
				for (i = nt_names_hash(m->v[j].key) & (cap - 1); v[i].key;
				     i = (i + 1) & (cap - 1))
					;
				v[i] = m->v[j];
			}
		free(m->v);
		m->v = v;
		m->cap = cap;
	}
	for (i = nt_names_hash(key) & (m->cap - 1); m->v[i].key; i = (i + 1) & (m->cap - 1))
		if (!strcmp(m->v[i].key, key))
			return &m->v[i];
	m->v[i].key = strdup(key);
	if (!m->v[i].key)
		return NULL;
	m->n++;
	return &m->v[i];
}

static void smap_free(struct smap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->v[i].key);
	free(m->v);
}

/* ---- the analysis ---- */

struct prof_ctx {
	struct nt_actx *ax;
	struct nt_ksyms ks;
	struct smap funcs, paths, tfuncs; /* tfuncs: "PID FUNCTION" */
	int64_t samples, frames, unresolved, empty;
	uint64_t *pc; /* the current sample's frames */
	size_t npc, cap;
	char *path;
	size_t pathcap;
	bool loaded; /* symbols, at the first sample */
};

enum { F_CHAIN, F_IP };
static const char *const f_sample[] = {"perf_callchain", "perf_ip", NULL};

/* perf's context markers (PERF_CONTEXT_KERNEL ...) are the top 4095 values */
#define PERF_CONTEXT_MAX ((uint64_t)-4095)

static int parse_chain(struct prof_ctx *x, const char *s)
{
	x->npc = 0;
	while (s && *s) {
		char *end;
		uint64_t a;

		while (*s && (*s < '0' || *s > '9') && *s != '-')
			s++;
		if (!*s)
			break;
		a = *s == '-' ? (uint64_t)strtoll(s, &end, 0) : strtoull(s, &end, 0);
		if (end == s)
			break;
		s = end;
		if (a >= PERF_CONTEXT_MAX)
			continue;
		if (x->npc == x->cap) {
			uint64_t *v =
				realloc(x->pc, (x->cap = x->cap ? 2 * x->cap : 64) * sizeof(*v));
			if (!v)
				return -1;
			x->pc = v;
		}
		x->pc[x->npc++] = a;
	}
	return 0;
}

static const char *frame_name(struct prof_ctx *x, uint64_t a, char *buf, size_t n)
{
	const char *s = nt_ksyms_find(&x->ks, a, NULL);

	x->frames++;
	if (s)
		return s;
	x->unresolved++;
	snprintf(buf, n, "0x%" PRIx64, a);
	return buf;
}

static void load_symbols(struct prof_ctx *x);

/* The per-task counts of @name in the current sample (the task sections of a report). */
static int task_count(struct prof_ctx *x, int pid, const char *name, bool self)
{
	char key[320];
	struct cnt *c;

	snprintf(key, sizeof(key), "%d %s", pid, name);
	if (!(c = smap_get(&x->tfuncs, key)))
		return -1;
	if (c->seen != x->samples) {
		c->seen = x->samples;
		c->b++;
	}
	c->a += self;
	return 0;
}

static int on_sample(void *ctx, const struct nt_ev *e)
{
	struct prof_ctx *x = ctx;
	char buf[32];
	size_t len = 0;

	if (!nt_ev_has(e, F_CHAIN) && !nt_ev_has(e, F_IP))
		return 0;
	if (parse_chain(x, nt_ev_text(e, F_CHAIN)))
		return -1;
	if (!x->npc && nt_ev_has(e, F_IP)) { /* no stack: the sampled ip alone */
		x->pc = x->cap ? x->pc : malloc(64 * sizeof(*x->pc));
		if (!x->pc)
			return -1;
		x->cap = x->cap ? x->cap : 64;
		x->pc[x->npc++] = (uint64_t)nt_ev_int(e, F_IP);
	}
	if (!x->npc) {
		x->empty++;
		return 0;
	}
	if (!x->loaded) {
		x->loaded = true;
		load_symbols(x);
	}
	x->samples++;
	/* frames innermost first: the path is built from the outermost */
	for (size_t i = x->npc; i-- > 0;) {
		const char *name = frame_name(x, x->pc[i], buf, sizeof(buf));
		size_t l = strlen(name);
		struct cnt *c = smap_get(&x->funcs, name);

		if (!c)
			return -1;
		if (c->seen != x->samples) { /* total: once per sample */
			c->seen = x->samples;
			c->b++;
		}
		if (i == 0)
			c->a++; /* self: the innermost frame */
		if (task_count(x, e->pid, name, i == 0))
			return -1;
		if (len + l + 2 > x->pathcap) {
			char *p = realloc(x->path, x->pathcap = 2 * (len + l + 2) + 256);
			if (!p)
				return -1;
			x->path = p;
		}
		if (len)
			x->path[len++] = ';';
		memcpy(x->path + len, name, l + 1);
		len += l;
	}
	{
		struct cnt *p = smap_get(&x->paths, x->path);
		if (!p)
			return -1;
		p->a++;
	}
	return 0;
}

static const struct nt_sub prof_subs[] = {
	{"perf:cpu-clock", f_sample, on_sample},
	{"perf:task-clock", f_sample, on_sample},
	{"perf:cpu-cycles", f_sample, on_sample},
	{"perf:cycles", f_sample, on_sample},
	{NULL, NULL, NULL},
};

/* Load the symbols (analyze/ksyms.h) and say where they came from. */
static void load_symbols(struct prof_ctx *x)
{
	enum nt_ksyms_src src = (enum nt_ksyms_src)nt_actx_ksyms(x->ax, &x->ks);
	char key[64];

	snprintf(key, sizeof(key), "symbols_%s%s", src ? "from_" : "", nt_ksyms_source_name(src));
	nt_actx_note(x->ax, "profile", key, (int64_t)x->ks.n);
}

static int prof_begin(struct nt_actx *ax, void **out, struct nt_err **err)
{
	struct prof_ctx *x = calloc(1, sizeof(*x));

	*out = x;
	if (!x)
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	x->ax = ax;
	return 0;
}

/* prof_tasks: per task and function, self and total samples. */
static int write_tasks(struct prof_ctx *x, struct nt_actx *ax, struct nt_err **err)
{
	sqlite3_stmt *t = nt_actx_prepare(ax, "INSERT INTO prof_tasks VALUES(?,?,?,?,?,?)", err);
	int rc = 0;

	if (!t)
		return -1;
	sqlite3_bind_int64(t, 1, nt_actx_trace(ax));
	for (size_t i = 0; !rc && i < x->tfuncs.cap; i++) {
		const struct cnt *c = &x->tfuncs.v[i];
		const char *fn = c->key ? strchr(c->key, ' ') : NULL;
		int net;

		if (!fn)
			continue;
		net = nt_net_symbol(fn + 1);
		sqlite3_bind_int(t, 2, atoi(c->key));
		sqlite3_bind_text(t, 3, fn + 1, -1, SQLITE_STATIC);
		sqlite3_bind_int64(t, 4, c->a);
		sqlite3_bind_int64(t, 5, c->b);
		if (net < 0)
			sqlite3_bind_null(t, 6);
		else
			sqlite3_bind_int(t, 6, net);
		rc = nt_actx_put(ax, t, "prof_tasks", err);
	}
	sqlite3_finalize(t);
	return rc;
}

static int prof_end(void *ctx, struct nt_actx *ax, struct nt_err **err)
{
	struct prof_ctx *x = ctx;
	sqlite3_stmt *f = NULL, *p = NULL;
	int rc = -1;

	(void)ax;
	if (!x->samples)
		return 0;
	f = nt_actx_prepare(ax, "INSERT INTO prof_funcs VALUES(?,?,?,?,?)", err);
	p = f ? nt_actx_prepare(ax, "INSERT INTO prof_paths VALUES(?,?,?)", err) : NULL;
	if (!p)
		goto out;
	sqlite3_bind_int64(f, 1, nt_actx_trace(ax));
	sqlite3_bind_int64(p, 1, nt_actx_trace(ax));
	for (size_t i = 0; i < x->funcs.cap; i++) {
		const struct cnt *c = &x->funcs.v[i];
		int net;

		if (!c->key)
			continue;
		net = nt_net_symbol(c->key);
		sqlite3_bind_text(f, 2, c->key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(f, 3, c->a);
		sqlite3_bind_int64(f, 4, c->b);
		if (net < 0)
			sqlite3_bind_null(f, 5);
		else
			sqlite3_bind_int(f, 5, net);
		if (nt_actx_put(ax, f, "prof_funcs", err))
			goto out;
	}
	for (size_t i = 0; i < x->paths.cap; i++) {
		const struct cnt *c = &x->paths.v[i];

		if (!c->key)
			continue;
		sqlite3_bind_text(p, 2, c->key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(p, 3, c->a);
		if (nt_actx_put(ax, p, "prof_paths", err))
			goto out;
	}
	if (write_tasks(x, ax, err))
		goto out;
	nt_actx_note(ax, "profile", "samples", x->samples);
	nt_actx_note(ax, "profile", "frames", x->frames);
	nt_actx_note(ax, "profile", "unresolved_frames", x->unresolved);
	if (x->empty)
		nt_actx_note(ax, "profile", "empty_samples", x->empty);
	rc = 0;
out:
	sqlite3_finalize(f);
	sqlite3_finalize(p);
	return rc;
}

static void prof_free(void *ctx)
{
	struct prof_ctx *x = ctx;

	nt_ksyms_release(&x->ks);
	smap_free(&x->funcs);
	smap_free(&x->paths);
	smap_free(&x->tfuncs);
	free(x->pc);
	free(x->path);
	free(x);
}

static const char *const prof_tables[] = {"prof_funcs", "prof_paths", "prof_tasks", NULL};

const struct nt_analysis nt_profile_analysis = {
	.name = "profile",
	.help = "CPU profile from perf's sampled kernel stacks: per-function self/total samples, "
		"collapsed call paths",
	.schema = "CREATE TABLE IF NOT EXISTS prof_funcs(trace_id INTEGER NOT NULL, function TEXT, "
		  "self INTEGER, total INTEGER, net INTEGER);"
		  "CREATE TABLE IF NOT EXISTS prof_paths(trace_id INTEGER NOT NULL, path TEXT, "
		  "samples INTEGER);"
		  "CREATE TABLE IF NOT EXISTS prof_tasks(trace_id INTEGER NOT NULL, pid INTEGER, "
		  "function TEXT, self INTEGER, total INTEGER, net INTEGER);",
	.tables = prof_tables,
	.subs = prof_subs,
	.begin = prof_begin,
	.end = prof_end,
	.free = prof_free,
};
