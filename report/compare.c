/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Two runs side by side: the same report tables built for run A and run B, joined on their key
 * columns, with the change of each compared value (the tests are in compare_runs.c).
 */
#include "compare.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct spec {
	const char *id;		   /* the report table */
	int nkeys;		   /* its first nkeys columns identify a row */
	const char *const *values; /* the columns compared */
	const char *title;
};

static const char *const v_outcomes[] = {"lifecycles", NULL};
static const char *const v_stages[] = {"count", "p50_us", "p90_us", "p99_us", NULL};
static const char *const v_drops[] = {"drops", NULL};
static const char *const v_soft[] = {"count", "avg_us", "max_us", "raise_avg_us", NULL};
static const char *const v_irq[] = {"count", "avg_us", "max_us", NULL};
static const char *const v_alloc[] = {"allocs", "bytes_alloc", "waste", NULL};
static const char *const v_napi[] = {"polls", "work", "full_budget_polls", NULL};

static const struct spec specs[] = {
	{"skb_outcomes", 1, v_outcomes, "skb outcomes"},
	{"skb_stages", 2, v_stages, "skb stage latencies (µs)"},
	{"skb_drops", 2, v_drops, "drops by reason and location"},
	{"softirq", 2, v_soft, "softirqs (µs)"},
	{"irq", 2, v_irq, "hard IRQs (µs)"},
	{"napi", 1, v_napi, "NAPI polls"},
	{"alloc_sites", 1, v_alloc, "allocation sites"},
};

static const struct nt_table *find(const struct nt_doc *d, const char *id)
{
	for (int i = 0; i < d->nsections; i++)
		for (int t = 0; t < d->sections[i].ntables; t++)
			if (!strcmp(d->sections[i].tables[t]->id, id))
				return d->sections[i].tables[t];
	return NULL;
}

static int col(const struct nt_table *t, const char *name)
{
	for (int c = 0; t && c < t->ncols; c++)
		if (!strcmp(t->cols[c], name))
			return c;
	return -1;
}

static void key_of(const struct nt_table *t, int r, int nkeys, char *buf, size_t n)
{
	size_t at = 0;

	buf[0] = '\0';
	for (int k = 0; k < nkeys && at < n; k++) {
		const struct nt_cell *c = &t->cells[r * t->ncols + k];
		if (c->is_num)
			at += (size_t)snprintf(buf + at, n - at, "%.9g\x1f", c->num);
		else
			at += (size_t)snprintf(buf + at, n - at, "%s\x1f", c->text ? c->text : "");
	}
}

static int find_row(const struct nt_table *t, int nkeys, const char *key)
{
	char k[1024];

	for (int r = 0; t && r < t->nrows; r++) {
		key_of(t, r, nkeys, k, sizeof(k));
		if (!strcmp(k, key))
			return r;
	}
	return -1;
}

static void put_value(struct nt_table *out, const struct nt_table *t, int r, int c)
{
	const struct nt_cell *x = (t && r >= 0 && c >= 0) ? &t->cells[r * t->ncols + c] : NULL;

	if (x && x->is_num)
		nt_table_num(out, x->num);
	else
		nt_table_null(out);
}

static double value(const struct nt_table *t, int r, int c, bool *ok)
{
	const struct nt_cell *x = (t && r >= 0 && c >= 0) ? &t->cells[r * t->ncols + c] : NULL;

	*ok = x && x->is_num;
	return *ok ? x->num : 0;
}

/* One row for key @key (found in @src at row @sr). */
static void compare_row(struct nt_table *out, const struct spec *sp, const struct nt_table *a,
			const struct nt_table *b, const struct nt_table *src, int sr,
			const char *key)
{
	int ra = find_row(a, sp->nkeys, key), rb = find_row(b, sp->nkeys, key);

	nt_table_row(out);
	for (int k = 0; k < sp->nkeys; k++) {
		const struct nt_cell *c = &src->cells[sr * src->ncols + k];
		if (c->is_num)
			nt_table_num(out, c->num);
		else
			nt_table_text(out, c->text);
	}
	for (int v = 0; sp->values[v]; v++) {
		bool oka, okb;
		double va = value(a, ra, col(a, sp->values[v]), &oka);
		double vb = value(b, rb, col(b, sp->values[v]), &okb);

		put_value(out, a, ra, col(a, sp->values[v]));
		put_value(out, b, rb, col(b, sp->values[v]));
		if (oka && okb && va != 0) {
			double pct = round((vb - va) / fabs(va) * 1000) / 10;
			nt_table_num(out, pct);
		} else if (oka != okb || (oka && va == 0 && vb != 0)) {
			nt_table_text(out, oka ? "gone" : "new");
		} else {
			nt_table_null(out);
		}
	}
}

int nt_compare_doc(const struct nt_doc *a, const struct nt_doc *b, const char *name_a,
		   const char *name_b, struct nt_doc *out, struct nt_err **err)
{
	struct nt_section *s;

	memset(out, 0, sizeof(*out));
	s = nt_doc_section(out, "Values side by side");
	if (!s)
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	nt_section_note(
		s, false,
		"A = %s, B = %s. change_pct = (B - A) / A in %%, descriptive only (what is "
		"flagged is decided by the tests above); 'new'/'gone' rows exist in one run only.",
		name_a, name_b);
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		const struct spec *sp = &specs[i];
		const struct nt_table *ta = find(a, sp->id), *tb = find(b, sp->id);
		const char *cols[40];
		char names[40][64];
		int nc = 0;
		struct nt_table *t;
		char key[1024], id[96];

		if (!ta && !tb)
			continue;
		for (int k = 0; k < sp->nkeys; k++)
			cols[nc++] = (ta ? ta : tb)->cols[k];
		for (int v = 0; sp->values[v] && nc < 36; v++) {
			snprintf(names[nc], sizeof(names[nc]), "%s_a", sp->values[v]);
			cols[nc] = names[nc];
			nc++;
			snprintf(names[nc], sizeof(names[nc]), "%s_b", sp->values[v]);
			cols[nc] = names[nc];
			nc++;
			snprintf(names[nc], sizeof(names[nc]), "%s_change_pct", sp->values[v]);
			cols[nc] = names[nc];
			nc++;
		}
		cols[nc] = NULL;
		snprintf(id, sizeof(id), "compare_%s", sp->id);
		t = nt_section_table(s, id, sp->title, cols);
		if (!t)
			return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
		for (int r = 0; ta && r < ta->nrows; r++) {
			key_of(ta, r, sp->nkeys, key, sizeof(key));
			compare_row(t, sp, ta, tb, ta, r, key);
		}
		for (int r = 0; tb && r < tb->nrows; r++) {
			key_of(tb, r, sp->nkeys, key, sizeof(key));
			if (find_row(ta, sp->nkeys, key) < 0)
				compare_row(t, sp, ta, tb, tb, r, key);
		}
	}
	return 0;
}
