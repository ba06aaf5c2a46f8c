/* SPDX-License-Identifier: GPL-2.0 */
/* Plots: the model, inline SVG drawing, and gnuplot scripts + data files. */
#include "plot.h"
#include "../core/escape.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define W	   760.0
#define H	   360.0
#define HIST_BINS  40
#define CDF_POINTS 400

static const char *const palette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
				      "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"};
#define NPAL (sizeof(palette) / sizeof(palette[0]))

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

bool nt_plot_empty(const struct nt_plot *p)
{
	if (p->kind == NT_PLOT_TIMELINE || p->kind == NT_PLOT_FLAME)
		return !p->nspans;
	for (int i = 0; i < p->nseries; i++)
		if (p->series[i].n)
			return false;
	return true;
}

/* ---- prepared data shared by both outputs ---- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Range of all samples of all series. */
static void sample_range(const struct nt_plot *p, double *lo, double *hi)
{
	bool any = false;

	*lo = 0;
	*hi = 1;
	for (int s = 0; s < p->nseries; s++)
		for (size_t i = 0; i < p->series[s].n; i++) {
			double v = p->series[s].v[i];
			if (p->logx && v <= 0)
				continue;
			if (!any || v < *lo)
				*lo = v;
			if (!any || v > *hi)
				*hi = v;
			any = true;
		}
	if (*hi <= *lo)
		*hi = *lo + 1;
}

/* Histogram bin edges and counts: counts[s * HIST_BINS + b]. Caller frees. */
static double *histogram(const struct nt_plot *p, double *lo, double *width)
{
	double *counts = calloc((size_t)(p->nseries ? p->nseries : 1) * HIST_BINS, sizeof(double));
	double hi;

	sample_range(p, lo, &hi);
	*width = (hi - *lo) / HIST_BINS;
	if (!counts)
		return NULL;
	for (int s = 0; s < p->nseries; s++)
		for (size_t i = 0; i < p->series[s].n; i++) {
			int b = (int)((p->series[s].v[i] - *lo) / *width);
			if (b >= HIST_BINS)
				b = HIST_BINS - 1;
			if (b < 0)
				b = 0;
			counts[s * HIST_BINS + b]++;
		}
	return counts;
}

/* Sorted copy of a series (for CDFs). */
static double *sorted(const struct nt_plot_series *s)
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

/* ---- SVG ---- */

static double nice_step(double range, int ticks)
{
	double raw = range / ticks, mag = pow(10, floor(log10(raw))), f = raw / mag;

	return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
}

static void svg_text(FILE *o, double x, double y, const char *anchor, int size, const char *s)
{
	fprintf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%d\">", x, y, anchor,
		size);
	nt_esc_xml(o, s);
	fputs("</text>", o);
}

struct frame {
	double x0, y0, x1, y1; /* plot area */
	double xmin, xmax, ymin, ymax;
	bool logx;
};

static double fx(const struct frame *f, double x)
{
	if (f->logx)
		return f->x0 + (log10(x > 0 ? x : f->xmin) - log10(f->xmin)) /
				       (log10(f->xmax) - log10(f->xmin)) * (f->x1 - f->x0);
	return f->x0 + (x - f->xmin) / (f->xmax - f->xmin) * (f->x1 - f->x0);
}

static double fy(const struct frame *f, double y)
{
	return f->y1 - (y - f->ymin) / (f->ymax - f->ymin) * (f->y1 - f->y0);
}

static void axes(FILE *o, const struct frame *f, const struct nt_plot *p, bool yticks)
{
	double step;

	fprintf(o,
		"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
		"stroke=\"#444\"/>",
		f->x0, f->y0, f->x1 - f->x0, f->y1 - f->y0);
	if (f->logx) {
		for (double t = pow(10, ceil(log10(f->xmin))); t <= f->xmax * 1.0001; t *= 10) {
			char b[32];
			snprintf(b, sizeof(b), "%g", t);
			fprintf(o,
				"<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
				"stroke=\"#444\"/>",
				fx(f, t), fx(f, t), f->y1, f->y1 + 4);
			svg_text(o, fx(f, t), f->y1 + 16, "middle", 11, b);
		}
	} else {
		step = nice_step(f->xmax - f->xmin, 6);
		for (double t = ceil(f->xmin / step) * step; t <= f->xmax + step / 1e6; t += step) {
			char b[32];
			snprintf(b, sizeof(b), "%g", fabs(t) < step / 1e6 ? 0 : t);
			fprintf(o,
				"<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
				"stroke=\"#444\"/>",
				fx(f, t), fx(f, t), f->y1, f->y1 + 4);
			svg_text(o, fx(f, t), f->y1 + 16, "middle", 11, b);
		}
	}
	if (yticks) {
		step = nice_step(f->ymax - f->ymin, 5);
		for (double t = ceil(f->ymin / step) * step; t <= f->ymax + step / 1e6; t += step) {
			char b[32];
			snprintf(b, sizeof(b), "%g", fabs(t) < step / 1e6 ? 0 : t);
			fprintf(o,
				"<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
				"stroke=\"#ddd\"/>",
				f->x0, f->x1, fy(f, t), fy(f, t));
			svg_text(o, f->x0 - 6, fy(f, t) + 4, "end", 11, b);
		}
	}
	svg_text(o, (f->x0 + f->x1) / 2, H - 8, "middle", 12, p->xlabel);
	if (*p->ylabel)
		fprintf(o,
			"<text transform=\"translate(14,%.1f) rotate(-90)\" text-anchor=\"middle\" "
			"font-size=\"12\">",
			(f->y0 + f->y1) / 2),
			nt_esc_xml(o, p->ylabel), fputs("</text>", o);
}

static void legend(FILE *o, const struct frame *f, char *const *names, int n)
{
	int shown = 0;

	for (int i = 0; i < n && i < 12; i++)
		shown += names[i] != NULL;
	if (shown)
		fprintf(o,
			"<rect x=\"%.1f\" y=\"%.1f\" width=\"146\" height=\"%d\" fill=\"#fff\" "
			"fill-opacity=\"0.85\" stroke=\"#ccc\"/>",
			f->x1 - 154, f->y0 + 2, 16 * shown + 4);
	for (int i = 0, k = 0; i < n && i < 12; i++) {
		double y = f->y0 + 15 + 16 * k;
		if (!names[i])
			continue; /* a series without data */
		k++;
		fprintf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" fill=\"%s\"/>",
			f->x1 - 150, y - 9, palette[i % NPAL]);
		svg_text(o, f->x1 - 136, y, "start", 11, names[i]);
	}
}

static void svg_bars(FILE *o, const struct nt_plot *p)
{
	int n = p->nlabels;
	double max = 0, rowh;
	struct frame f = {230, 34, W - 20, H - 46, 0, 1, 0, 1, false};

	for (int i = 0; i < n; i++)
		if (p->series[0].v[i] > max)
			max = p->series[0].v[i];
	f.xmax = max > 0 ? max * 1.05 : 1;
	rowh = (f.y1 - f.y0) / (n ? n : 1);
	axes(o, &f, p, false);
	for (int i = 0; i < n; i++) {
		double y = f.y0 + i * rowh;
		char lab[48];
		fprintf(o,
			"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
			"fill=\"%s\"><title>",
			f.x0, y + rowh * 0.15, fx(&f, p->series[0].v[i]) - f.x0, rowh * 0.7,
			palette[0]);
		nt_esc_xml(o, p->labels[i]);
		fprintf(o, ": %g</title></rect>", p->series[0].v[i]);
		if (!nt_esc_text_buf(lab, 41, p->labels[i]))
			strcat(lab, "…"); /* cut at a character, never inside one */
		svg_text(o, f.x0 - 6, y + rowh * 0.5 + 4, "end", 11, lab);
	}
}

static void svg_hist(FILE *o, const struct nt_plot *p)
{
	double lo, width, max = 1;
	double *c = histogram(p, &lo, &width);
	struct frame f = {70, 34, W - 20, H - 46, 0, 1, 0, 1, false};

	if (!c)
		return;
	for (int i = 0; i < p->nseries * HIST_BINS; i++)
		if (c[i] > max)
			max = c[i];
	f.xmin = lo;
	f.xmax = lo + width * HIST_BINS;
	f.ymax = max * 1.05;
	axes(o, &f, p, true);
	for (int s = 0; s < p->nseries; s++)
		for (int b = 0; b < HIST_BINS; b++) {
			double v = c[s * HIST_BINS + b];
			if (!v)
				continue;
			fprintf(o,
				"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
				"fill=\"%s\" fill-opacity=\"%.2f\"><title>%g – %g: "
				"%g</title></rect>",
				fx(&f, lo + b * width), fy(&f, v),
				fx(&f, lo + (b + 1) * width) - fx(&f, lo + b * width),
				fy(&f, 0) - fy(&f, v), palette[s % NPAL],
				p->nseries > 1 ? 0.55 : 0.9, lo + b * width, lo + (b + 1) * width,
				v);
		}
	if (p->nseries > 1) {
		char **names = malloc((size_t)p->nseries * sizeof(*names));
		for (int s = 0; names && s < p->nseries; s++)
			names[s] = p->series[s].name;
		if (names)
			legend(o, &f, names, p->nseries);
		free(names);
	}
	free(c);
}

static void svg_cdf(FILE *o, const struct nt_plot *p)
{
	double lo, hi;
	struct frame f = {70, 34, W - 20, H - 46, 0, 1, 0, 1, p->logx};
	char **names = malloc((size_t)(p->nseries ? p->nseries : 1) * sizeof(*names));

	sample_range(p, &lo, &hi);
	f.xmin = lo > 0 || !p->logx ? lo : 1e-3;
	f.xmax = hi;
	if (p->logx && f.xmax <= f.xmin * 1.0001)
		f.xmax = f.xmin * 10;
	axes(o, &f, p, true);
	for (int s = 0; s < p->nseries; s++) {
		const struct nt_plot_series *se = &p->series[s];
		double *v = sorted(se);
		size_t stepn = se->n > CDF_POINTS ? se->n / CDF_POINTS : 1;

		if (names)
			names[s] = se->n ? se->name : NULL;
		if (!v || !se->n) {
			free(v);
			continue;
		}
		fprintf(o, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.6\" points=\"",
			palette[s % NPAL]);
		for (size_t i = 0; i < se->n; i += stepn)
			fprintf(o, "%.1f,%.1f ", fx(&f, v[i]), fy(&f, (double)(i + 1) / se->n));
		fprintf(o, "%.1f,%.1f\"><title>", fx(&f, v[se->n - 1]), fy(&f, 1));
		nt_esc_xml(o, se->name);
		fputs("</title></polyline>", o);
		free(v);
	}
	if (names && p->nseries > 1)
		legend(o, &f, names, p->nseries);
	free(names);
}

static void svg_timeline(FILE *o, const struct nt_plot *p)
{
	struct frame f = {110, 34, W - 20, H - 46, 0, 1, 0, 1, false};
	double rowh;

	for (size_t i = 0; i < p->nspans; i++) {
		if (!i || p->spans[i].start < f.xmin)
			f.xmin = p->spans[i].start;
		if (!i || p->spans[i].end > f.xmax)
			f.xmax = p->spans[i].end;
	}
	if (f.xmax <= f.xmin)
		f.xmax = f.xmin + 1;
	rowh = (f.y1 - f.y0) / (p->nlabels ? p->nlabels : 1);
	axes(o, &f, p, false);
	for (int r = 0; r < p->nlabels; r++)
		svg_text(o, f.x0 - 6, f.y0 + (r + 0.5) * rowh + 4, "end", 11, p->labels[r]);
	for (size_t i = 0; i < p->nspans; i++) {
		const struct nt_plot_span *s = &p->spans[i];
		double x = fx(&f, s->start), w = fx(&f, s->end) - x;
		fprintf(o,
			"<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" fill=\"%s\"/>",
			x, f.y0 + s->row * rowh + rowh * 0.15, w < 0.6 ? 0.6 : w, rowh * 0.7,
			palette[s->cat % NPAL]);
	}
	legend(o, &f, p->cats, p->ncats);
}

static void svg_flame(FILE *o, const struct nt_plot *p)
{
	struct frame f = {20, 34, W - 20, H - 46, 0, 100, 0, 1, false};
	int depth = 0;
	double rowh;

	for (size_t i = 0; i < p->nspans; i++)
		if (p->spans[i].row + 1 > depth)
			depth = p->spans[i].row + 1;
	rowh = (f.y1 - f.y0) / (depth > 12 ? depth : 12);
	axes(o, &f, p, false);
	for (size_t i = 0; i < p->nspans; i++) {
		const struct nt_plot_span *s = &p->spans[i];
		/* rows are depths named "0", "1", ...: the row index is not the depth */
		int d = atoi(p->labels[s->row]);
		double x = fx(&f, s->start), w = fx(&f, s->end) - x, y = f.y0 + d * rowh;
		unsigned hsh = 5381;

		for (const char *c = p->cats[s->cat]; *c; c++)
			hsh = hsh * 33 + (unsigned char)*c;
		fprintf(o,
			"<g><rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" "
			"fill=\"hsl(%u,80%%,%u%%)\" stroke=\"#fff\" stroke-width=\"0.5\"><title>",
			x, y, w < 0.3 ? 0.3 : w, rowh - 1, 10 + hsh % 45, 55 + (hsh >> 8) % 15);
		nt_esc_xml(o, p->cats[s->cat]);
		fprintf(o, " (%.2f%%)</title></rect>", s->end - s->start);
		if (w > 60) {
			char lab[64];
			int maxc = (int)(w / 7);
			nt_esc_text_buf(lab, (size_t)(maxc < 63 ? maxc : 63) + 1, p->cats[s->cat]);
			svg_text(o, x + 3, y + rowh * 0.7, "start", 10, lab);
		}
		fputs("</g>", o);
	}
}

void nt_plot_svg(const struct nt_plot *p, FILE *o)
{
	fprintf(o,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" viewBox=\"0 0 %.0f "
		"%.0f\" width=\"%.0f\" height=\"%.0f\" font-family=\"sans-serif\">",
		W, H, W, H);
	svg_text(o, W / 2, 20, "middle", 14, p->title);
	if (nt_plot_empty(p))
		svg_text(o, W / 2, H / 2, "middle", 12, "(no data)");
	else if (p->kind == NT_PLOT_BARS)
		svg_bars(o, p);
	else if (p->kind == NT_PLOT_HIST)
		svg_hist(o, p);
	else if (p->kind == NT_PLOT_CDF)
		svg_cdf(o, p);
	else if (p->kind == NT_PLOT_FLAME)
		svg_flame(o, p);
	else
		svg_timeline(o, p);
	fputs("</svg>\n", o);
}

/* ---- gnuplot ---- */

/* A series gnuplot can draw: it has a sample, a positive one on a log scale. */
static bool drawable(const struct nt_plot_series *se, bool logx)
{
	for (size_t i = 0; i < se->n; i++)
		if (!logx || se->v[i] > 0)
			return true;
	return false;
}

/* A log scale for the CDF when some series has a positive sample. */
static bool gp_logx(const struct nt_plot *p)
{
	for (int s = 0; p->logx && s < p->nseries; s++)
		if (drawable(&p->series[s], true))
			return true;
	return false;
}

static void gp_data(const struct nt_plot *p, FILE *d, FILE *g, const char *dat)
{
	if (p->kind == NT_PLOT_BARS) {
		fprintf(d, "# index value label\n");
		for (int i = 0; i < p->nlabels; i++) {
			fprintf(d, "%d %.9g ", i, p->series[0].v[i]);
			nt_esc_gnuplot_data(d, p->labels[i]);
			fputc('\n', d);
		}
		fprintf(g,
			"set yrange [-0.6:%d.6] reverse\nset style fill solid 0.8\nset xrange "
			"[0:*]\n"
			"plot '%s' using 2:1:(0):2:($1-0.35):($1+0.35):ytic(3) with boxxyerror "
			"notitle\n",
			p->nlabels - 1, dat);
	} else if (p->kind == NT_PLOT_HIST) {
		double lo, width;
		double *c = histogram(p, &lo, &width);

		fprintf(d, "\"bin_start\"");
		for (int s = 0; s < p->nseries; s++) {
			fputc(' ', d);
			nt_esc_gnuplot_data(d, p->series[s].name);
		}
		fputc('\n', d);
		for (int b = 0; c && b < HIST_BINS; b++) {
			fprintf(d, "%.9g", lo + b * width);
			for (int s = 0; s < p->nseries; s++)
				fprintf(d, " %.0f", c[s * HIST_BINS + b]);
			fputc('\n', d);
		}
		free(c);
		fprintf(g,
			"set style fill solid 0.6 noborder\nset boxwidth %.9g absolute\nset key "
			"autotitle columnheader\n"
			"plot for [i=2:%d] '%s' using ($1+%.9g):i with boxes\n",
			width, p->nseries + 1, dat, width / 2);
	} else if (p->kind == NT_PLOT_CDF) {
		int shown = 0; /* gnuplot warns about a data block it cannot draw */
		bool logx = gp_logx(p);

		for (int s = 0; s < p->nseries; s++) {
			const struct nt_plot_series *se = &p->series[s];
			double *v;
			size_t stepn = se->n > CDF_POINTS * 4 ? se->n / (CDF_POINTS * 4) : 1;

			if (!drawable(se, logx))
				continue;
			v = sorted(se);
			if (shown++)
				fputs("\n\n", d);
			nt_esc_gnuplot_data(d, se->name);
			fputs(" \"fraction\"\n", d);
			for (size_t i = 0; v && i < se->n; i += stepn)
				fprintf(d, "%.9g %.6f\n", v[i], (double)(i + 1) / se->n);
			if (v && se->n)
				fprintf(d, "%.9g 1\n", v[se->n - 1]);
			free(v);
		}
		if (logx)
			fputs("set logscale x\n", g);
		fprintf(g,
			"set yrange [0:1]\nset key bottom right\n"
			"plot for [i=0:%d] '%s' index i using 1:2 with steps title "
			"columnheader(1)\n",
			shown - 1, dat);
	} else {
		fprintf(d, "# start end row category row_name category_name\n");
		for (size_t i = 0; i < p->nspans; i++) {
			const struct nt_plot_span *s = &p->spans[i];
			fprintf(d, "%.9g %.9g %d %d ", s->start, s->end, s->row, s->cat);
			nt_esc_gnuplot_data(d, p->labels[s->row]);
			fputc(' ', d);
			nt_esc_gnuplot_data(d, p->cats[s->cat]);
			fputc('\n', d);
		}
		fprintf(g,
			"set yrange [-0.6:%d.6] reverse\nset style fill solid 0.9 noborder\n"
			"plot '%s' using (($1+$2)/2):3:1:2:($3-0.35):($3+0.35):($4+1):ytic(5) with "
			"boxxyerror lc variable notitle\n"
			"# colours follow the category column (4); their names are in column 6\n",
			p->nlabels - 1, dat);
	}
}

int nt_plot_gnuplot(const struct nt_plot *p, const char *dir, struct nt_err **err)
{
	char gp[4096], dat[4096];
	FILE *g, *d;
	static const char *const terms[][3] = {
		{"pngcairo size 900,480 noenhanced", "png", "set output"},
		{"svg size 900,480 noenhanced", "svg", ""},
		{"pdfcairo size 9in,4.8in noenhanced", "pdf", ""},
	};

	snprintf(gp, sizeof(gp), "%s/%s.gp", dir, p->id);
	snprintf(dat, sizeof(dat), "%s/%s.dat", dir, p->id);
	g = fopen(gp, "w");
	d = fopen(dat, "w");
	if (!g || !d) {
		if (g)
			fclose(g);
		if (d)
			fclose(d);
		return nt_err_set(err, nt_err_errno(NT_E_FAIL, errno, "cannot write '%s'", gp));
	}
	fputs("# ", g);
	nt_esc_text(g, p->title);
	fprintf(g, " — run: gnuplot %s.gp  (writes %s.png, %s.svg and %s.pdf)\n", p->id, p->id,
		p->id, p->id);
	fprintf(g, "# the data, with every label taken from the trace, is in %s.dat\n", p->id);
	fputs("set title ", g);
	nt_esc_gnuplot_str(g, p->title);
	fputs("\nset xlabel ", g);
	nt_esc_gnuplot_str(g, p->xlabel);
	fputs("\nset ylabel ", g);
	nt_esc_gnuplot_str(g, p->ylabel);
	fputs("\nset grid\nset datafile separator whitespace\n", g);
	for (int t = 0; t < 3; t++) {
		fprintf(g, "set terminal %s\nset output '%s.%s'\n", terms[t][0], p->id,
			terms[t][1]);
		if (!t)
			gp_data(p, d, g, strrchr(dat, '/') + 1);
		else
			fputs("replot\n", g);
	}
	fputs("set output\n", g);
	if (ferror(g) || ferror(d)) {
		fclose(g);
		fclose(d);
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "cannot write '%s'", gp));
	}
	fclose(g);
	fclose(d);
	return 0;
}
