/* SPDX-License-Identifier: GPL-2.0 */
/* Plots: the model, the palette and the layout both renderers draw (plot_svg.c, plot_gp.c). */
#include "plot_int.h"
#include "../core/escape.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static char *dup(const char *s)
{
	return strdup(s ? s : "");
}

struct nt_plot *nt_plot_new(enum nt_plot_kind kind, const char *id, const char *title,
			    const char *xlabel, const char *ylabel)
{
	struct nt_plot *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->kind = kind;
	p->id = dup(id);
	p->title = dup(title);
	p->xlabel = dup(xlabel);
	p->ylabel = dup(ylabel);
	if (!p->id || !p->title || !p->xlabel || !p->ylabel) {
		nt_plot_free(p);
		return NULL;
	}
	return p;
}

void nt_plot_free(struct nt_plot *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->nseries; i++) {
		free(p->series[i].name);
		free(p->series[i].v);
	}
	for (int i = 0; i < p->nlabels; i++)
		free(p->labels[i]);
	for (int i = 0; i < p->ncats; i++)
		free(p->cats[i]);
	free(p->series);
	free(p->labels);
	free(p->cats);
	free(p->spans);
	free(p->marks);
	free(p->mark_name);
	free(p->id);
	free(p->title);
	free(p->xlabel);
	free(p->ylabel);
	free(p);
}

int nt_plot_series(struct nt_plot *p, const char *name)
{
	struct nt_plot_series *s = realloc(p->series, (size_t)(p->nseries + 1) * sizeof(*s));

	if (!s)
		return -1;
	p->series = s;
	memset(&s[p->nseries], 0, sizeof(*s));
	s[p->nseries].name = dup(name);
	return p->nseries++;
}

void nt_plot_add(struct nt_plot *p, int series, double v)
{
	struct nt_plot_series *s;

	if (series < 0 || series >= p->nseries)
		return;
	s = &p->series[series];
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		double *x = realloc(s->v, cap * sizeof(*x));
		if (!x)
			return;
		s->v = x;
		s->cap = cap;
	}
	s->v[s->n++] = v;
}

static int add_name(char ***list, int *n, const char *name)
{
	char **x;

	for (int i = 0; i < *n; i++)
		if (!strcmp((*list)[i], name ? name : ""))
			return i;
	x = realloc(*list, (size_t)(*n + 1) * sizeof(*x));
	if (!x)
		return -1;
	*list = x;
	x[*n] = dup(name);
	return (*n)++;
}

void nt_plot_bar(struct nt_plot *p, const char *label, double v)
{
	char **x;

	if (!p->nseries && nt_plot_series(p, "") < 0)
		return;
	x = realloc(p->labels, (size_t)(p->nlabels + 1) * sizeof(*x));
	if (!x)
		return;
	p->labels = x;
	x[p->nlabels++] = dup(label);
	nt_plot_add(p, 0, v);
}

int nt_plot_row(struct nt_plot *p, const char *name)
{
	return add_name(&p->labels, &p->nlabels, name);
}

int nt_plot_cat(struct nt_plot *p, const char *name)
{
	return add_name(&p->cats, &p->ncats, name);
}

void nt_plot_span(struct nt_plot *p, int row, int cat, double start, double end)
{
	if (p->nspans == p->capspans) {
		size_t cap = p->capspans ? p->capspans * 2 : 256;
		struct nt_plot_span *x = realloc(p->spans, cap * sizeof(*x));
		if (!x)
			return;
		p->spans = x;
		p->capspans = cap;
	}
	p->spans[p->nspans++] = (struct nt_plot_span){row, cat, start, end};
}

void nt_plot_mark(struct nt_plot *p, int row, double at, const char *name)
{
	if (!p->mark_name && !(p->mark_name = dup(name)))
		return;
	if (p->nmarks == p->capmarks) {
		size_t cap = p->capmarks ? p->capmarks * 2 : 16;
		struct nt_plot_span *x = realloc(p->marks, cap * sizeof(*x));
		if (!x)
			return;
		p->marks = x;
		p->capmarks = cap;
	}
	p->marks[p->nmarks++] = (struct nt_plot_span){row, 0, at, at};
}

bool nt_plot_empty(const struct nt_plot *p)
{
	if (p->kind == NT_PLOT_TIMELINE || p->kind == NT_PLOT_FLAME)
		return !p->nspans;
	if (p->kind == NT_PLOT_TREND && !p->nlabels)
		return true;
	for (int i = 0; i < p->nseries; i++)
		if (p->series[i].n)
			return false;
	return true;
}

/* ---- the palette: one colour per name in every plot ---- */

/* skb stages, softirq vectors, "other": fixed. Red is the marks' alone, grey is "other". */
static const struct {
	const char *name, *rgb;
} named[] = {
	{"alloc", "#1f77b4"},	{"queue", "#ff7f0e"}, {"xmit", "#2ca02c"},
	{"receive", "#9467bd"}, {"copy", "#8c564b"},  {"free", "#17becf"},
	{"HI", "#e377c2"},	{"TIMER", "#bcbd22"}, {"NET_TX", "#637939"},
	{"NET_RX", "#3b5bdb"},	{"BLOCK", "#8c6d31"}, {"IRQ_POLL", "#e6550d"},
	{"TASKLET", "#7b4173"}, {"SCHED", "#31a354"}, {"HRTIMER", "#ad494a"},
	{"RCU", "#0b7285"},	{"other", "#7f7f7f"},
};
/* Names outside the table, in the order they come, skipping colours the plot uses. */
static const char *const spare[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b",
				    "#17becf", "#e377c2", "#bcbd22", "#7b4173", "#637939",
				    "#3b5bdb", "#8c6d31", "#e6550d", "#0b7285"};
#define NSPARE (sizeof(spare) / sizeof(spare[0]))

/* The table's colour for the first word of @name it names, or NULL. */
static const char *named_rgb(const char *name)
{
	for (const char *w = name; *w;) {
		size_t n = 0;

		while (w[n] && (isalnum((unsigned char)w[n]) || w[n] == '_'))
			n++;
		for (size_t i = 0; n && i < sizeof(named) / sizeof(named[0]); i++)
			if (strlen(named[i].name) == n && !strncmp(named[i].name, w, n))
				return named[i].rgb;
		w += n ? n : 1;
	}
	return NULL;
}

static bool taken(const char **rgb, int n, const char *c)
{
	for (int i = 0; i < n; i++)
		if (rgb[i] && !strcmp(rgb[i], c))
			return true;
	return false;
}

/* Colours for @n names: the table's where free in this plot, then spare ones. */
static void colour(const char **rgb, char *const *names, int n)
{
	for (int i = 0; i < n; i++) {
		const char *c = named_rgb(names[i]);
		rgb[i] = c && !taken(rgb, i, c) ? c : NULL;
	}
	for (int i = 0, k = 0; i < n; i++)
		while (!rgb[i]) {
			const char *c = spare[k++ % NSPARE];
			if (!taken(rgb, n, c) || k > (int)NSPARE * 2)
				rgb[i] = c;
		}
}

void nt_plot_flame_rgb(char buf[8], const char *name)
{
	unsigned hsh = 5381;
	double h, l, c, x, r = 0, g = 0, b = 0;

	for (const char *s = name; *s; s++)
		hsh = hsh * 33 + (unsigned char)*s;
	h = 10 + hsh % 45; /* warm hues: hsl(h, 80%, l) */
	l = (55 + (hsh >> 8) % 15) / 100.0;
	c = (1 - fabs(2 * l - 1)) * 0.8;
	x = c * (1 - fabs(fmod(h / 60, 2) - 1));
	if (h < 60)
		r = c, g = x;
	else
		r = x, g = c;
	r += l - c / 2, g += l - c / 2, b += l - c / 2;
	snprintf(buf, 8, "#%02x%02x%02x", (int)(r * 255 + .5), (int)(g * 255 + .5),
		 (int)(b * 255 + .5));
}

/* ---- numbers ---- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

double *nt_plot_sorted(const struct nt_plot_series *s)
{
	double *v = malloc((s->n ? s->n : 1) * sizeof(*v));

	if (!v)
		return NULL;
	if (s->n) { /* an empty series may have no array at all */
		memcpy(v, s->v, s->n * sizeof(*v));
		qsort(v, s->n, sizeof(*v), cmp_double);
	}
	return v;
}

void nt_plot_fmt(char *buf, size_t size, double v, const char *axis_label, bool count_noun)
{
	const char *open = strrchr(axis_label, '('), *close = open ? strchr(open, ')') : NULL;
	char num[32];
	double a = fabs(v);

	if (v == floor(v) && a < 1e15)
		snprintf(num, sizeof(num), "%.0f", v);
	else
		snprintf(num, sizeof(num), a >= 100 ? "%.1f" : a >= 1 ? "%.2f" : "%.3g", v);
	if (open && close)
		snprintf(buf, size, "%s %.*s", num, (int)(close - open - 1), open + 1);
	else if (count_noun && *axis_label)
		snprintf(buf, size, "%s %s", num, axis_label);
	else
		snprintf(buf, size, "%s", num);
}

static double nice_step(double range, int ticks)
{
	double raw = range / ticks, mag = pow(10, floor(log10(raw))), f = raw / mag;

	return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
}

static void tick(struct nt_plot_axis *a, double t)
{
	if (a->nticks == NT_PLOT_MAX_TICKS)
		return;
	a->tick[a->nticks] = t;
	snprintf(a->label[a->nticks++], sizeof(a->label[0]), "%g", t);
}

/*
 * A linear axis over [@lo, @hi] with about @n ticks; @round_up: the end moves to the tick
 * above @hi (value axes that start at 0); @integer: whole-number ticks (counts).
 */
static void axis_linear(struct nt_plot_axis *a, double lo, double hi, int n, bool round_up,
			bool integer)
{
	double step;

	if (!(hi > lo))
		hi = lo + (integer ? 1 : 1e-9 + fabs(lo));
	step = nice_step(hi - lo, n);
	if (integer && step < 1)
		step = 1;
	a->min = lo;
	a->max = round_up ? ceil(hi / step - 1e-9) * step : hi;
	a->integer = integer;
	a->nticks = 0;
	for (double t = ceil(lo / step - 1e-9) * step; t <= a->max + step / 1e6; t += step)
		tick(a, fabs(t) < step / 1e6 ? 0 : t);
}

/* A log axis from the power of ten at or below @lo to the one at or above @hi. */
static void axis_log(struct nt_plot_axis *a, double lo, double hi)
{
	a->log = true;
	a->min = pow(10, floor(log10(lo) + 1e-9));
	a->max = pow(10, ceil(log10(hi) - 1e-9));
	if (a->max <= a->min)
		a->max = a->min * 10;
	a->nticks = 0;
	for (double t = a->min; t <= a->max * 1.0001; t *= 10)
		tick(a, t);
}

/* Every value of every series is a whole number. */
static bool all_integer(const struct nt_plot *p)
{
	for (int s = 0; s < p->nseries; s++)
		for (size_t i = 0; i < p->series[s].n; i++)
			if (!isnan(p->series[s].v[i]) &&
			    p->series[s].v[i] != floor(p->series[s].v[i]))
				return false;
	return true;
}

/* Approximate width of @s in px at @font px (UTF-8 characters, not bytes). */
static double text_px(const char *s, int font)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return (double)n * font * 0.6;
}

/* ---- the layout ---- */

#define TOP	 44.0 /* below the title */
#define BOTTOM	 56.0 /* x tick labels and the x label */
#define KEY_ROW	 20.0
#define BARS_RGB "#4e79a7" /* single-series bars: a colour no name has */

/* The legend, right of the data: entries from @y0 down. Returns the plot area's right edge. */
static double keys_place(struct nt_plot_layout *l, double y0)
{
	double wmax = 0;

	for (int i = 0; i < l->nkeys; i++) {
		double w = text_px(l->key[i].name, NT_PLOT_FONT) * 1.3; /* gnuplot's fonts */
		wmax = w > wmax ? w : wmax;
	}
	if (!l->nkeys)
		return l->w - 24;
	wmax = wmax > 300 ? 300 : wmax;
	for (int i = 0; i < l->nkeys; i++) {
		l->key[i].x = l->w - wmax - 34;
		if (l->key[i].y == 0) /* HIST places its own, one per panel */
			l->key[i].y = y0 + KEY_ROW * i;
	}
	return l->w - wmax - 52;
}

static int key_add(struct nt_plot_layout *l, const char *name, const char *rgb,
		   enum nt_plot_key_kind kind, double y)
{
	struct nt_plot_key *k = realloc(l->key, (size_t)(l->nkeys + 1) * sizeof(*k));

	if (!k)
		return -1;
	l->key = k;
	k[l->nkeys++] = (struct nt_plot_key){name, rgb, kind, 0, y};
	return 0;
}

static struct nt_plot_panel *panels(struct nt_plot_layout *l, int n)
{
	l->panel = calloc((size_t)(n ? n : 1), sizeof(*l->panel));
	l->npanels = n;
	for (int i = 0; l->panel && i < n; i++)
		l->panel[i].series = -1;
	return l->panel;
}

/* Left margin for row names (cut at 40 characters as they are drawn). */
static double row_margin(char *const *names, int n)
{
	double w = 60;

	for (int i = 0; i < n; i++) {
		char cut[48];
		nt_esc_text_buf(cut, 41, names[i]);
		if (text_px(cut, NT_PLOT_FONT) + 2 > w)
			w = text_px(cut, NT_PLOT_FONT) + 2;
	}
	return (w > 330 ? 330 : w) + 24;
}

static int layout_bars(const struct nt_plot *p, struct nt_plot_layout *l)
{
	struct nt_plot_panel *f = panels(l, 1);
	double max = 0;

	if (!f)
		return -1;
	for (int i = 0; i < p->nlabels; i++)
		max = p->series[0].v[i] > max ? p->series[0].v[i] : max;
	*f = (struct nt_plot_panel){.x0 = row_margin(p->labels, p->nlabels),
				    .y0 = TOP,
				    .x1 = l->w - 40,
				    .y1 = TOP + 26.0 * p->nlabels,
				    .series = -1};
	f->series = 0;
	l->h = f->y1 + BOTTOM;
	axis_linear(&f->x, 0, max > 0 ? max : 1, 6, true, all_integer(p));
	f->y.min = p->nlabels - 0.5; /* rows top down: row 0 at the top */
	f->y.max = -0.5;
	l->rgb[0] = BARS_RGB;
	return 0;
}

/* HIST: bins over all series (the x axis is shared), a panel per series with samples. */
static int layout_hist(const struct nt_plot *p, struct nt_plot_layout *l)
{
	double lo = 0, hi = 0, x1;
	int n = 0, k = 0;
	bool any = false;

	for (int s = 0; s < p->nseries; s++) {
		n += p->series[s].n && n < NT_PLOT_MAX_PANELS;
		for (size_t i = 0; i < p->series[s].n; i++, any = true) {
			double v = p->series[s].v[i];
			lo = !any || v < lo ? v : lo;
			hi = !any || v > hi ? v : hi;
		}
	}
	lo = lo > 0 ? 0 : lo; /* durations: from 0 */
	l->lo = lo;
	l->width = (hi > lo ? hi - lo : 1) / NT_PLOT_HIST_BINS;
	l->counts = calloc((size_t)p->nseries * NT_PLOT_HIST_BINS + 1, sizeof(double));
	if (!panels(l, n) || !l->counts)
		return -1;
	for (int s = 0; s < p->nseries; s++)
		for (size_t i = 0; i < p->series[s].n; i++) {
			int b = (int)((p->series[s].v[i] - lo) / l->width);
			b = b >= NT_PLOT_HIST_BINS ? NT_PLOT_HIST_BINS - 1 : b < 0 ? 0 : b;
			l->counts[s * NT_PLOT_HIST_BINS + b]++;
		}
	for (int s = 0; s < p->nseries && k < n; s++) {
		double y0 = TOP + k * 134.0;
		if (!p->series[s].n)
			continue;
		l->drawn[s] = true;
		l->panel[k++] = (struct nt_plot_panel){.y0 = y0, .y1 = y0 + 120, .series = s};
		if (key_add(l, p->series[s].name, l->rgb[s], NT_PLOT_KEY_BOX, y0 + 8))
			return -1;
	}
	x1 = keys_place(l, TOP);
	for (k = 0; k < n; k++) {
		struct nt_plot_panel *f = &l->panel[k];
		double max = 1;
		for (int b = 0; b < NT_PLOT_HIST_BINS; b++)
			if (l->counts[f->series * NT_PLOT_HIST_BINS + b] > max)
				max = l->counts[f->series * NT_PLOT_HIST_BINS + b];
		f->x0 = 80;
		f->x1 = x1;
		axis_linear(&f->x, lo, lo + l->width * NT_PLOT_HIST_BINS, 8, false, false);
		axis_linear(&f->y, 0, max, 3, true, true);
	}
	l->h = (n ? l->panel[n - 1].y1 : TOP) + BOTTOM;
	return 0;
}

static int layout_cdf(const struct nt_plot *p, struct nt_plot_layout *l)
{
	struct nt_plot_panel *f = panels(l, 1);
	double lo = 0, hi = 0;
	bool any = false, logx = false;

	if (!f)
		return -1;
	for (int pass = 0; pass < 2 && !any; pass++) { /* positive samples for a log axis */
		logx = p->logx && !pass;
		for (int s = 0; s < p->nseries; s++)
			for (size_t i = 0; i < p->series[s].n; i++) {
				double v = p->series[s].v[i];
				if (logx && !(v > 0))
					continue;
				lo = !any || v < lo ? v : lo;
				hi = !any || v > hi ? v : hi;
				any = l->drawn[s] = true;
			}
	}
	for (int s = 0; s < p->nseries; s++)
		if (l->drawn[s] && key_add(l, p->series[s].name, l->rgb[s], NT_PLOT_KEY_LINE, 0))
			return -1;
	*f = (struct nt_plot_panel){
		.x0 = 80, .y0 = TOP, .x1 = keys_place(l, TOP), .y1 = TOP + 330, .series = -1};
	if (logx)
		axis_log(&f->x, lo, hi);
	else
		axis_linear(&f->x, lo, hi, 8, false, false);
	axis_linear(&f->y, 0, 1, 5, false, false);
	l->h = f->y1 + BOTTOM;
	return 0;
}

static int layout_timeline(const struct nt_plot *p, struct nt_plot_layout *l)
{
	struct nt_plot_panel *f = panels(l, 1);
	double lo = 0, hi = 0;

	if (!f)
		return -1;
	for (size_t i = 0; i < p->nspans; i++) {
		lo = !i || p->spans[i].start < lo ? p->spans[i].start : lo;
		hi = !i || p->spans[i].end > hi ? p->spans[i].end : hi;
	}
	for (size_t i = 0; i < p->nmarks; i++)
		hi = p->marks[i].start > hi ? p->marks[i].start : hi;
	for (int c = 0; c < p->ncats; c++)
		if (key_add(l, p->cats[c], l->rgb[c], NT_PLOT_KEY_BOX, 0))
			return -1;
	if (p->nmarks && key_add(l, p->mark_name, NT_PLOT_MARK_RGB, NT_PLOT_KEY_MARK, 0))
		return -1;
	*f = (struct nt_plot_panel){.x0 = row_margin(p->labels, p->nlabels),
				    .y0 = TOP,
				    .x1 = keys_place(l, TOP),
				    .series = -1};
	f->y1 = TOP + 30.0 * (p->nlabels > 3 ? p->nlabels : 3);
	if (f->y1 < TOP + KEY_ROW * l->nkeys)
		f->y1 = TOP + KEY_ROW * l->nkeys;
	axis_linear(&f->x, lo, hi, 8, true, false);
	f->y.min = p->nlabels - 0.5; /* rows top down: row 0 at the top */
	f->y.max = -0.5;
	l->min_span = 3 * (f->x.max - f->x.min) / (f->x1 - f->x0);
	l->h = f->y1 + BOTTOM;
	return 0;
}

static int layout_flame(const struct nt_plot *p, struct nt_plot_layout *l)
{
	struct nt_plot_panel *f = panels(l, 1);
	int depth = 12;

	if (!f)
		return -1;
	for (size_t i = 0; i < p->nspans; i++) /* rows are depths named "0", "1", ... */
		if (atoi(p->labels[p->spans[i].row]) + 1 > depth)
			depth = atoi(p->labels[p->spans[i].row]) + 1;
	*f = (struct nt_plot_panel){
		.x0 = 24, .y0 = TOP, .x1 = l->w - 24, .y1 = TOP + 18.0 * depth, .series = -1};
	axis_linear(&f->x, 0, 100, 10, false, false);
	f->y.min = depth; /* depth 0 at the top */
	f->y.max = 0;
	l->h = f->y1 + BOTTOM;
	return 0;
}

static int layout_trend(const struct nt_plot *p, struct nt_plot_layout *l)
{
	struct nt_plot_panel *f = panels(l, 1);
	double max = 0;

	if (!f)
		return -1;
	for (int s = 0; s < p->nseries; s++) {
		for (size_t i = 0; i < p->series[s].n; i++)
			if (!isnan(p->series[s].v[i])) {
				l->drawn[s] = true;
				max = p->series[s].v[i] > max ? p->series[s].v[i] : max;
			}
		if (l->drawn[s] && key_add(l, p->series[s].name, l->rgb[s], NT_PLOT_KEY_LINE, 0))
			return -1;
	}
	*f = (struct nt_plot_panel){
		.x0 = 80, .y0 = TOP, .x1 = keys_place(l, TOP), .y1 = TOP + 300, .series = -1};
	f->x.min = -0.5;
	f->x.max = p->nlabels - 0.5;
	l->label_every = p->nlabels / 16 + 1;
	axis_linear(&f->y, 0, max > 0 ? max : 1, 5, true, all_integer(p));
	l->h = f->y1 + BOTTOM;
	return 0;
}

int nt_plot_layout_init(const struct nt_plot *p, struct nt_plot_layout *l)
{
	bool cats = p->kind == NT_PLOT_TIMELINE;
	int n = cats ? p->ncats : p->nseries;
	char **names = cats ? p->cats : NULL;

	memset(l, 0, sizeof(*l));
	l->w = NT_PLOT_W;
	l->rgb = calloc((size_t)n + 1, sizeof(*l->rgb));
	l->drawn = calloc((size_t)p->nseries + 1, sizeof(*l->drawn));
	if (!cats && n && !(names = calloc((size_t)n, sizeof(*names))))
		return -1;
	for (int i = 0; !cats && i < n; i++)
		names[i] = p->series[i].name;
	if (l->rgb)
		colour(l->rgb, names, n);
	if (!cats)
		free(names);
	l->nrgb = n;
	if (!l->rgb || !l->drawn)
		return -1;
	switch (p->kind) {
	case NT_PLOT_BARS:
		return layout_bars(p, l);
	case NT_PLOT_HIST:
		return layout_hist(p, l);
	case NT_PLOT_CDF:
		return layout_cdf(p, l);
	case NT_PLOT_TIMELINE:
		return layout_timeline(p, l);
	case NT_PLOT_FLAME:
		return layout_flame(p, l);
	case NT_PLOT_TREND:
		return layout_trend(p, l);
	}
	return -1;
}

void nt_plot_layout_release(struct nt_plot_layout *l)
{
	free(l->panel);
	free(l->rgb);
	free(l->drawn);
	free(l->key);
	free(l->counts);
	memset(l, 0, sizeof(*l));
}

/* ---- the two renderings ---- */

void nt_plot_svg(const struct nt_plot *p, FILE *o)
{
	struct nt_plot_layout l;

	if (nt_plot_empty(p) || nt_plot_layout_init(p, &l)) {
		if (!nt_plot_empty(p))
			nt_plot_layout_release(&l);
		fprintf(o,
			"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" viewBox=\"0 0 "
			"%.0f 120\" width=\"%.0f\" height=\"120\" font-family=\"sans-serif\">"
			"<text x=\"%.0f\" y=\"24\" text-anchor=\"middle\" font-size=\"16\">",
			NT_PLOT_W, NT_PLOT_W, NT_PLOT_W / 2);
		nt_esc_xml(o, p->title);
		fprintf(o,
			"</text><text x=\"%.0f\" y=\"70\" text-anchor=\"middle\" "
			"font-size=\"14\">(no data)</text></svg>\n",
			NT_PLOT_W / 2);
		return;
	}
	nt_plot_svg_draw(p, &l, o);
	nt_plot_layout_release(&l);
}

int nt_plot_gnuplot(const struct nt_plot *p, const char *dir, struct nt_err **err)
{
	char gp[4096], dat[4096];
	struct nt_plot_layout l;
	FILE *g, *d;
	int rc;

	if (nt_plot_layout_init(p, &l)) {
		nt_plot_layout_release(&l);
		return nt_err_set(err,
				  nt_err_new(NT_E_FAIL, "out of memory laying out '%s'", p->id));
	}
	snprintf(gp, sizeof(gp), "%s/%s.gp", dir, p->id);
	snprintf(dat, sizeof(dat), "%s/%s.dat", dir, p->id);
	g = fopen(gp, "w");
	d = fopen(dat, "w");
	rc = g && d ? nt_plot_gp_write(p, &l, g, d, strrchr(dat, '/') + 1) : -1;
	if (g && (fclose(g) || rc))
		rc = -1;
	if (d && (fclose(d) || rc))
		rc = -1;
	nt_plot_layout_release(&l);
	if (rc)
		return nt_err_set(
			err, nt_err_errno(NT_E_FAIL, errno, "cannot write '%s'", g ? dat : gp));
	return 0;
}
