/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The packet explorer's data: lifecycles, hops, tasks and interrupt intervals read once from
 * the database and written as columnar JSON (strings interned, times relative and delta-coded).
 */
#include "explorer.h"
#include "report_int.h"
#include "../core/escape.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define NSTG	NT_SKB_STAGES
#define STR(x)	#x
#define XSTR(x) STR(x)

struct strtab {
	char **s; /* owned */
	int n, cap;
	int *slot; /* open addressing: index + 1, 0 empty */
	int nslot;
};

struct pkt {
	int64_t tr, id, st, end;
	int tri, dev, rdev, len, out, rs, loc, comm, lossy;
	int fl, ff, tf; /* flow (report/report_int.h's naming), the event that gave it, TCP flags */
	int h0, nh;
};

struct hop {
	int pkt, cpu, pid, ev, sg, dev, len;
	int64_t ts, rowid;
};

struct ivl {
	int tri, cpu, name, soft;
	int64_t st, du;
};

struct task {
	int tri, pid, comm;
};

struct xdata {
	struct strtab str;
	int64_t *trid, *trt0; /* traces */
	int ntr;
	struct pkt *p;
	int np, capp;
	int64_t total, drops, stride;
	bool all_drops;
	struct hop *h;
	int nh, caph;
	struct ivl *q;
	int nq, capq;
	int64_t qtotal;
	struct task *k;
	int nk, capk;
	int *pid; /* the hops' pids, sorted, once each: a hop names its index */
	int npid;
};

static unsigned str_hash(const char *s)
{
	unsigned h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static int str_grow(struct strtab *t)
{
	int n = t->nslot ? t->nslot * 2 : 256, *slot = calloc((size_t)n, sizeof(*slot));

	if (!slot)
		return -1;
	for (int i = 0; i < t->n; i++) {
		unsigned k = str_hash(t->s[i]) & (unsigned)(n - 1);
		while (slot[k])
			k = (k + 1) & (unsigned)(n - 1);
		slot[k] = i + 1;
	}
	free(t->slot);
	t->slot = slot;
	t->nslot = n;
	return 0;
}

/* The index of @s in the string table (added when new); -1 for NULL or out of memory. */
static int str_id(struct strtab *t, const char *s)
{
	unsigned k;

	if (!s || ((t->n + 1) * 2 > t->nslot && str_grow(t)))
		return -1;
	for (k = str_hash(s) & (unsigned)(t->nslot - 1); t->slot[k];
	     k = (k + 1) & (unsigned)(t->nslot - 1))
		if (!strcmp(t->s[t->slot[k] - 1], s))
			return t->slot[k] - 1;
	if (t->n == t->cap) {
		char **x = realloc(t->s, (size_t)(t->cap = t->cap ? t->cap * 2 : 64) * sizeof(*x));
		if (!x)
			return -1;
		t->s = x;
	}
	if (!(t->s[t->n] = strdup(s)))
		return -1;
	t->slot[k] = t->n + 1;
	return t->n++;
}

static const char *col(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* Room for one more element of @n in *@v of capacity *@cap. */
static int grow(void *v, int n, int *cap, size_t size)
{
	void *x;

	if (n < *cap)
		return 0;
	x = realloc(*(void **)v, (size_t)(*cap = *cap ? *cap * 2 : 1024) * size);
	if (!x)
		return -1;
	*(void **)v = x;
	return 0;
}

static int prepare(sqlite3 *db, const char *sql, const struct nt_report_filter *f,
		   sqlite3_stmt **st)
{
	*st = nt_report_skb_query(db, sql, f);
	return *st ? 0 : -1;
}

static int traces(sqlite3 *db, const struct nt_report_filter *f, struct xdata *x)
{
	sqlite3_stmt *st;

	if (prepare(db,
		    "SELECT id, coalesce(first_ts, 0) FROM traces WHERE (?1 = 0 OR id = ?1) "
		    "AND ?2 IS ?2 AND ?3 IS ?3 AND ?4 IS ?4 AND ?5 IS ?5 AND ?6 IS ?6 AND "
		    "?7 IS ?7 ORDER BY id",
		    f, &st))
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t *a = realloc(x->trid, (size_t)(x->ntr + 1) * sizeof(*a)), *b;
		if (a)
			x->trid = a;
		b = a ? realloc(x->trt0, (size_t)(x->ntr + 1) * sizeof(*b)) : NULL;
		if (!b)
			break;
		x->trt0 = b;
		x->trid[x->ntr] = sqlite3_column_int64(st, 0);
		x->trt0[x->ntr++] = sqlite3_column_int64(st, 1);
	}
	return sqlite3_finalize(st) == SQLITE_OK ? 0 : -1;
}

static int trace_index(const struct xdata *x, int64_t id)
{
	for (int i = 0; i < x->ntr; i++)
		if (x->trid[i] == id)
			return i;
	return 0;
}

#define LOC_SQL                                                                           \
	"coalesce(location, CASE WHEN skbaddr IS NULL THEN '(hidden by the trace)' WHEN " \
	"location_addr IS NOT NULL THEN printf('0x%x', location_addr) ELSE '?' END)"

/* The lifecycle's flow, NULL without one (named as the report's flow tables name it) */
#define FLOW_SQL "CASE WHEN saddr IS NOT NULL THEN " NT_REPORT_FLOW_TEXT " END"

/* How many lifecycles pass @f, and the sampling stride that keeps the explorer in bounds. */
static int count_packets(sqlite3 *db, const struct nt_report_filter *f, struct xdata *x)
{
	sqlite3_stmt *st;

	if (prepare(db,
		    "SELECT count(*), coalesce(sum(outcome = 'dropped'), 0) FROM "
		    "skb_lifecycles" NT_SKB_WHERE,
		    f, &st))
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		x->total = sqlite3_column_int64(st, 0);
		x->drops = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	x->all_drops = x->drops <= NT_EXPLORER_PACKETS / 2;
	x->stride = 1;
	/* every drop kept (up to half the limit), the others sampled to fill the rest */
	if (x->total > NT_EXPLORER_PACKETS)
		x->stride = x->all_drops
				    ? (x->total - x->drops + NT_EXPLORER_PACKETS - x->drops - 1) /
					      (NT_EXPLORER_PACKETS - x->drops)
				    : (x->total + NT_EXPLORER_PACKETS - 1) / NT_EXPLORER_PACKETS;
	return 0;
}

static void packet_row(sqlite3_stmt *st, struct xdata *x, struct pkt *p)
{
	memset(p, 0, sizeof(*p));
	p->tr = sqlite3_column_int64(st, 0);
	p->tri = trace_index(x, p->tr);
	p->id = sqlite3_column_int64(st, 1);
	p->st = sqlite3_column_int64(st, 2);
	p->end = sqlite3_column_type(st, 3) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 3);
	p->dev = str_id(&x->str, col(st, 4));
	p->rdev = str_id(&x->str, col(st, 5));
	p->len = sqlite3_column_type(st, 6) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 6);
	p->out = str_id(&x->str, col(st, 7));
	p->rs = str_id(&x->str, col(st, 8));
	p->loc = str_id(&x->str, col(st, 9));
	p->comm = str_id(&x->str, col(st, 10));
	p->lossy = sqlite3_column_int(st, 11);
	p->fl = str_id(&x->str, col(st, 12));
	p->ff = str_id(&x->str, col(st, 13));
	p->tf = str_id(&x->str, col(st, 14));
}

static int packets(sqlite3 *db, const struct nt_report_filter *f, struct xdata *x)
{
	sqlite3_stmt *st;

	if (count_packets(db, f, x) ||
	    prepare(db,
		    "SELECT trace_id, skb_id, start_ts, coalesce(end_ts, last_ts), device, "
		    "rx_device, len, outcome, CASE WHEN outcome = 'dropped' THEN "
		    "coalesce(drop_reason, '(no reason in the trace)') ELSE drop_reason "
		    "END, " LOC_SQL ", coalesce(tx_comm, rx_comm), lossy, " FLOW_SQL
		    ", flow_from, tcp_flags FROM (SELECT *, "
		    "row_number() OVER (ORDER BY trace_id, start_ts, skb_id) AS nt_rn FROM "
		    "skb_lifecycles" NT_SKB_WHERE
		    ") WHERE nt_rn % ?8 = 0 OR (?9 AND outcome = 'dropped') ORDER BY trace_id, "
		    "start_ts, skb_id",
		    f, &st))
		return -1;
	sqlite3_bind_int64(st, 8, x->stride);
	sqlite3_bind_int(st, 9, x->all_drops && x->stride > 1);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (grow(&x->p, x->np, &x->capp, sizeof(*x->p)))
			break;
		packet_row(st, x, &x->p[x->np++]);
	}
	return sqlite3_finalize(st) == SQLITE_OK ? 0 : -1;
}

static int cmp_key(const void *a, const void *b)
{
	const struct pkt *x = *(struct pkt *const *)a, *y = *(struct pkt *const *)b;

	if (x->tr != y->tr)
		return x->tr < y->tr ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int cmp_hop(const void *a, const void *b)
{
	const struct hop *x = a, *y = b;

	if (x->pkt != y->pkt)
		return x->pkt - y->pkt;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->rowid < y->rowid ? -1 : x->rowid > y->rowid;
}

/* The hops of the chosen packets: one scan of skb_hops (a view, no index), then sorted. */
static int hops(sqlite3 *db, const struct nt_report_filter *f, struct xdata *x)
{
	struct pkt **by = x->np ? malloc((size_t)x->np * sizeof(*by)) : NULL, key, *kp = &key;
	sqlite3_stmt *st;

	if (!x->np)
		return 0;
	if (!by || prepare(db,
			   "SELECT trace_id, skb_id, ts, event_rowid, cpu, pid, event, stage, "
			   "device, len FROM skb_hops WHERE (?1 = 0 OR trace_id = ?1) AND ?2 IS ?2 "
			   "AND ?3 IS ?3 AND ?4 IS ?4 AND ?5 IS ?5 AND ?6 IS ?6 AND ?7 IS ?7",
			   f, &st)) {
		free(by);
		return -1;
	}
	for (int i = 0; i < x->np; i++)
		by[i] = &x->p[i];
	qsort(by, (size_t)x->np, sizeof(*by), cmp_key);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct pkt **m;
		struct hop *h;

		key.tr = sqlite3_column_int64(st, 0);
		key.id = sqlite3_column_int64(st, 1);
		m = bsearch(&kp, by, (size_t)x->np, sizeof(*by), cmp_key);
		if (!m || grow(&x->h, x->nh, &x->caph, sizeof(*x->h)))
			continue;
		h = &x->h[x->nh++];
		h->pkt = (int)(*m - x->p);
		h->ts = sqlite3_column_int64(st, 2);
		h->rowid = sqlite3_column_int64(st, 3);
		h->cpu = sqlite3_column_int(st, 4);
		h->pid = sqlite3_column_int(st, 5);
		h->ev = str_id(&x->str, col(st, 6));
		h->sg = str_id(&x->str, col(st, 7));
		h->dev = str_id(&x->str, col(st, 8));
		h->len = sqlite3_column_type(st, 9) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 9);
	}
	free(by);
	if (sqlite3_finalize(st) != SQLITE_OK)
		return -1;
	if (x->nh)
		qsort(x->h, (size_t)x->nh, sizeof(*x->h), cmp_hop);
	for (int i = 0; i < x->nh; i++) {
		struct pkt *p = &x->p[x->h[i].pkt];
		if (!p->nh++)
			p->h0 = i;
	}
	return 0;
}

#define IVL_WHERE                                                                                \
	" WHERE (?1 = 0 OR trace_id = ?1) AND (?2 < 0 OR cpu = ?2) AND (?3 < 0 OR entry_ts >= "  \
	"?3) AND (?4 < 0 OR entry_ts <= ?4) AND ?5 IS ?5 AND ?6 IS ?6 AND ?7 IS ?7 AND exit_ts " \
	"IS NOT NULL"

static int intervals(sqlite3 *db, const struct nt_report_filter *f, struct xdata *x)
{
	sqlite3_stmt *st;

	if (!nt_report_table_exists(db, "irq_intervals") ||
	    !nt_report_table_exists(db, "softirq_intervals"))
		return 0;
	if (prepare(db,
		    "SELECT (SELECT count(*) FROM irq_intervals" IVL_WHERE
		    ") + (SELECT count(*) FROM softirq_intervals" IVL_WHERE ")",
		    f, &st))
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		x->qtotal = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (prepare(db,
		    "SELECT trace_id, cpu, 'irq ' || irq || coalesce(' ' || name, ''), 0, "
		    "entry_ts, exit_ts FROM irq_intervals" IVL_WHERE
		    " UNION ALL SELECT trace_id, cpu, 'softirq ' || coalesce(name, vec), 1, "
		    "entry_ts, exit_ts FROM softirq_intervals" IVL_WHERE
		    " ORDER BY 1, 5 LIMIT " XSTR(NT_EXPLORER_INTERVALS),
		    f, &st))
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct ivl *q;

		if (grow(&x->q, x->nq, &x->capq, sizeof(*x->q)))
			break;
		q = &x->q[x->nq++];
		q->tri = trace_index(x, sqlite3_column_int64(st, 0));
		q->cpu = sqlite3_column_int(st, 1);
		q->name = str_id(&x->str, col(st, 2));
		q->soft = sqlite3_column_int(st, 3);
		q->st = sqlite3_column_int64(st, 4);
		q->du = sqlite3_column_int64(st, 5) - q->st;
	}
	return sqlite3_finalize(st) == SQLITE_OK ? 0 : -1;
}

/* The task names of the pids the hops have (one per pid: the last the trace gave it). */
static int tasks(sqlite3 *db, const struct nt_report_filter *f, struct xdata *x)
{
	sqlite3_stmt *st;

	if (prepare(db,
		    "SELECT trace_id, pid, comm FROM tasks WHERE (?1 = 0 OR trace_id = ?1) AND ?2 "
		    "IS ?2 AND ?3 IS ?3 AND ?4 IS ?4 AND ?5 IS ?5 AND ?6 IS ?6 AND ?7 IS ?7 AND id "
		    "IN (SELECT max(id) FROM tasks GROUP BY trace_id, pid) ORDER BY trace_id, pid",
		    f, &st))
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct task *k;

		if (grow(&x->k, x->nk, &x->capk, sizeof(*x->k)))
			break;
		k = &x->k[x->nk++];
		k->tri = trace_index(x, sqlite3_column_int64(st, 0));
		k->pid = sqlite3_column_int(st, 1);
		k->comm = str_id(&x->str, col(st, 2));
	}
	return sqlite3_finalize(st) == SQLITE_OK ? 0 : -1;
}

/* "name":[v0,v1,...] with v = @expr for i in [0, @n); a comma before unless @first. */
#define ARR(o, name, n, expr)                                                  \
	do {                                                                   \
		fputs(",\"" name "\":[", o);                                   \
		for (int i = 0; i < (n); i++)                                  \
			fprintf(o, "%s%lld", i ? "," : "", (long long)(expr)); \
		fputc(']', o);                                                 \
	} while (0)

static void json_packets(FILE *o, const struct xdata *x)
{
	const struct pkt *p = x->p;

	fputs(",\"p\":{\"n\":0", o);
	ARR(o, "tr", x->np, p[i].tri);
	ARR(o, "id", x->np, p[i].id);
	/* start: ns since the trace's first event, delta-coded within a trace */
	ARR(o, "st", x->np,
	    p[i].st - (i && p[i - 1].tri == p[i].tri ? p[i - 1].st : x->trt0[p[i].tri]));
	ARR(o, "du", x->np, p[i].end < 0 ? -1 : p[i].end - p[i].st);
	ARR(o, "dev", x->np, p[i].dev);
	ARR(o, "rdev", x->np, p[i].rdev);
	ARR(o, "len", x->np, p[i].len);
	ARR(o, "out", x->np, p[i].out);
	ARR(o, "rs", x->np, p[i].rs);
	ARR(o, "loc", x->np, p[i].loc);
	ARR(o, "comm", x->np, p[i].comm);
	ARR(o, "lossy", x->np, p[i].lossy);
	ARR(o, "nh", x->np, p[i].nh);
	ARR(o, "fl", x->np, p[i].fl);
	ARR(o, "ff", x->np, p[i].ff);
	ARR(o, "tf", x->np, p[i].tf);
	fputc('}', o);
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
}

/* The hops' pids once each (x->pid), so that a hop carries a short index. */
static int pid_table(struct xdata *x)
{
	if (!x->nh)
		return 0;
	x->pid = malloc((size_t)x->nh * sizeof(*x->pid));
	if (!x->pid)
		return -1;
	for (int i = 0; i < x->nh; i++)
		x->pid[i] = x->h[i].pid;
	qsort(x->pid, (size_t)x->nh, sizeof(*x->pid), cmp_int);
	for (int i = 0; i < x->nh; i++)
		if (!x->npid || x->pid[x->npid - 1] != x->pid[i])
			x->pid[x->npid++] = x->pid[i];
	return 0;
}

static int pid_index(const struct xdata *x, int pid)
{
	int *m = bsearch(&pid, x->pid, (size_t)x->npid, sizeof(*x->pid), cmp_int);

	return m ? (int)(m - x->pid) : -1;
}

static void json_hops(FILE *o, const struct xdata *x)
{
	const struct hop *h = x->h;

	fputs(",\"h\":{\"n\":0", o);
	ARR(o, "pids", x->npid, x->pid[i]);
	ARR(o, "dt", x->nh, h[i].ts - x->p[h[i].pkt].st);
	ARR(o, "cpu", x->nh, h[i].cpu);
	ARR(o, "pid", x->nh, pid_index(x, h[i].pid));
	ARR(o, "ev", x->nh, h[i].ev);
	ARR(o, "sg", x->nh, h[i].sg);
	ARR(o, "dev", x->nh, h[i].dev);
	ARR(o, "len", x->nh, h[i].len);
	fputc('}', o);
}

static void json_rest(FILE *o, const struct xdata *x)
{
	const struct ivl *q = x->q;

	fputs(",\"q\":{\"n\":0", o);
	ARR(o, "tr", x->nq, q[i].tri);
	ARR(o, "cpu", x->nq, q[i].cpu);
	ARR(o, "st", x->nq,
	    q[i].st - (i && q[i - 1].tri == q[i].tri ? q[i - 1].st : x->trt0[q[i].tri]));
	ARR(o, "du", x->nq, q[i].du);
	ARR(o, "name", x->nq, q[i].name);
	ARR(o, "soft", x->nq, q[i].soft);
	fputs("},\"k\":{\"n\":0", o);
	ARR(o, "tr", x->nk, x->k[i].tri);
	ARR(o, "pid", x->nk, x->k[i].pid);
	ARR(o, "comm", x->nk, x->k[i].comm);
	fputs("},\"s\":[", o);
	for (int i = 0; i < x->str.n; i++) {
		if (i)
			fputc(',', o);
		nt_esc_json(o, x->str.s[i]);
	}
	fputc(']', o);
}

static void json_write(FILE *o, const struct xdata *x)
{
	fprintf(o,
		"{\"v\":1,\"limit\":%d,\"total\":%lld,\"drops\":%lld,\"stride\":%lld,"
		"\"all_drops\":%s,\"qlimit\":%d,\"qtotal\":%lld,\"stages\":[",
		NT_EXPLORER_PACKETS, (long long)x->total, (long long)x->drops, (long long)x->stride,
		x->all_drops ? "true" : "false", NT_EXPLORER_INTERVALS, (long long)x->qtotal);
	for (int s = 0; s < NSTG; s++)
		fprintf(o, "%s\"%s\"", s ? "," : "", nt_skb_stages[s]);
	fputs("],\"tr\":{\"n\":0", o);
	ARR(o, "id", x->ntr, x->trid[i]);
	ARR(o, "t0", x->ntr, x->trt0[i]);
	fputc('}', o);
	json_packets(o, x);
	json_hops(o, x);
	json_rest(o, x);
	fputs("}", o);
}

static void xdata_release(struct xdata *x)
{
	for (int i = 0; i < x->str.n; i++)
		free(x->str.s[i]);
	free(x->str.s);
	free(x->str.slot);
	free(x->trid);
	free(x->trt0);
	free(x->p);
	free(x->h);
	free(x->q);
	free(x->k);
	free(x->pid);
}

int nt_explorer_json(sqlite3 *db, const struct nt_report_filter *f, char **json,
		     struct nt_err **err)
{
	struct xdata x;
	size_t len = 0;
	FILE *o = NULL;
	bool skb = nt_report_table_exists(db, "skb_lifecycles") &&
		   nt_report_table_exists(db, "skb_hops");

	*json = NULL;
	if (!skb && !nt_report_table_exists(db, "irq_intervals"))
		return 0;
	memset(&x, 0, sizeof(x));
	if (traces(db, f, &x) || (skb && (packets(db, f, &x) || hops(db, f, &x))) ||
	    intervals(db, f, &x) || tasks(db, f, &x) || pid_table(&x)) {
		nt_err_set(err, nt_err_new(NT_E_FAIL,
					   "report: cannot read the packet explorer's "
					   "data: %s",
					   sqlite3_errmsg(db)));
		xdata_release(&x);
		return -1;
	}
	o = open_memstream(json, &len);
	if (o) {
		json_write(o, &x);
		if (fclose(o)) {
			free(*json);
			*json = NULL;
		}
	}
	xdata_release(&x);
	if (!*json)
		return nt_err_set(err, nt_err_errno(NT_E_FAIL, errno ? errno : ENOMEM,
						    "cannot build the packet explorer's data"));
	return 0;
}

/* The assets, compiled in by CMake (cmake/embed.cmake) from report/assets/. */
extern const char nt_asset_explorer_css[], nt_asset_explorer_js[], nt_asset_explorer_html[];

void nt_explorer_css(FILE *out)
{
	fputs(nt_asset_explorer_css, out);
}

void nt_explorer_html(FILE *out, const char *json)
{
	if (!json)
		return;
	fputs(nt_asset_explorer_html, out);
	fputs("<script type=\"application/json\" id=\"nx-data\">", out);
	fputs(json, out);
	fputs("</script>\n", out);
}

void nt_explorer_script(FILE *out)
{
	fputs("<script id=\"nx-js\">", out);
	fputs(nt_asset_explorer_js, out);
	fputs("</script>\n", out);
}
