/* SPDX-License-Identifier: GPL-2.0 */
/* Plots as inline SVG, drawn from the layout (plot_int.h); hover titles give values with units. */
#include "plot_int.h"
#include "../core/escape.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void text(FILE *o, double x, double y, const char *anchor, int size, const char *s)
{
	fprintf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%d\">", x, y, anchor,
		size);
	nt_esc_xml(o, s);
	fputs("</text>", o);
}

/* Text cut at 40 characters (at a character, never inside one). */
static void text_cut(FILE *o, double x, double y, const char *anchor, const char *s)
{
	char lab[48];

	if (!nt_esc_text_buf(lab, 41, s))
		strcat(lab, "…");
	fprintf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%d\">", x, y, anchor,
		NT_PLOT_FONT);
	nt_esc_xml(o, lab);
	fputs("</text>", o);
}

static double fx(const struct nt_plot_panel *f, double x)
{
	const struct nt_plot_axis *a = &f->x;

	if (a->log)
		return f->x0 + (log10(x > a->min ? x : a->min) - log10(a->min)) /
				       (log10(a->max) - log10(a->min)) * (f->x1 - f->x0);
	return f->x0 + (x - a->min) / (a->max - a->min) * (f->x1 - f->x0);
}

static double fy(const struct nt_plot_panel *f, double y)
{
	return f->y1 - (y - f->y.min) / (f->y.max - f->y.min) * (f->y1 - f->y0);
}

/* Frame, ticks (x labels when @xlabels), y grid and ticks when the y axis has any. */
static void frame(FILE *o, const struct nt_plot_panel *f, bool xlabels)
{
	fprintf(o,
		"<rect class=\"frame\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
		"fill=\"none\" stroke=\"#444\"/>",
		f->x0, f->y0, f->x1 - f->x0, f->y1 - f->y0);
	for (int i = 0; i < f->x.nticks; i++) {
		double x = fx(f, f->x.tick[i]);
		fprintf(o,
			"<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>",
			x, x, f->y1, f->y1 + 5);
		if (xlabels) {
			fputs("<g class=\"xtick\">", o);
			text(o, x, f->y1 + 19, "middle", NT_PLOT_FONT, f->x.label[i]);
			fputs("</g>", o);
		}
	}
	for (int i = 0; i < f->y.nticks; i++) {
		double y = fy(f, f->y.tick[i]);
		fprintf(o,
			"<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>",
			f->x0, f->x1, y, y);
		fputs("<g class=\"ytick\">", o);
		text(o, f->x0 - 7, y + 4, "end", NT_PLOT_FONT, f->y.label[i]);
		fputs("</g>", o);
	}
}

static void legend(FILE *o, const struct nt_plot_layout *l)
{
	for (int i = 0; i < l->nkeys; i++) {
		const struct nt_plot_key *k = &l->key[i];
		fputs("<g class=\"key\">", o);
		if (k->kind == NT_PLOT_KEY_LINE)
			fprintf(o,
				"<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
				"stroke=\"%s\" stroke-width=\"3\"/>",
				k->x, k->x + 14, k->y, k->y, k->rgb);
		else if (k->kind == NT_PLOT_KEY_MARK)
			fprintf(o,
				"<path d=\"M%.1f %.1fl10 10m0 -10l-10 10\" stroke=\"%s\" "
				"stroke-width=\"2.5\"/>",
				k->x + 2, k->y - 5, k->rgb);
		else
			fprintf(o,
				"<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"12\" "
				"fill=\"%s\"/>",
				k->x, k->y - 6, k->rgb);
		fputs("<title>", o);
		nt_esc_xml(o, k->name);
		fputs("</title>", o);
		text_cut(o, k->x + 20, k->y + 4.5, "start", k->name);
		fputs("</g>", o);
	}
}

static void bars(FILE *o, const struct nt_plot *p, const struct nt_plot_layout *l)
{
	const struct nt_plot_panel *f = &l->panel[0];

	for (int i = 0; i < p->nlabels; i++) {
		double y = fy(f, i), v = p->series[0].v[i];
		char val[64];

		nt_plot_fmt(val, sizeof(val), v, p->xlabel, true);
		fprintf(o,
			"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
			"fill=\"%s\"><title>",
			f->x0, y - 9, fx(f, v) - f->x0, 18.0, l->rgb[0]);
		nt_esc_xml(o, p->labels[i]);
		fprintf(o, ": %s</title></rect>", val);
		text_cut(o, f->x0 - 7, y + 4.5, "end", p->labels[i]);
	}
}

static void hist(FILE *o, const struct nt_plot *p, const struct nt_plot_layout *l)
{
	for (int k = 0; k < l->npanels; k++) {
		const struct nt_plot_panel *f = &l->panel[k];
		int s = f->series;

		frame(o, f, k == l->npanels - 1);
		for (int b = 0; b < NT_PLOT_HIST_BINS; b++) {
			double v = l->counts[s * NT_PLOT_HIST_BINS + b], a = l->lo + b * l->width;
			char from[48], to[48], n[64];
			if (!v)
				continue;
			nt_plot_fmt(from, sizeof(from), a, "", false);
			nt_plot_fmt(to, sizeof(to), a + l->width, p->xlabel, false);
			nt_plot_fmt(n, sizeof(n), v, p->ylabel, true);
			fprintf(o,
				"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
				"fill=\"%s\"><title>",
				fx(f, a), fy(f, v), fx(f, a + l->width) - fx(f, a) - 0.5,
				fy(f, 0) - fy(f, v), l->rgb[s]);
			nt_esc_xml(o, p->series[s].name);
			fprintf(o, ": %s – %s: %s</title></rect>", from, to, n);
		}
	}
}

static void cdf(FILE *o, const struct nt_plot *p, const struct nt_plot_layout *l)
{
	const struct nt_plot_panel *f = &l->panel[0];

	for (int s = 0; s < p->nseries; s++) {
		const struct nt_plot_series *se = &p->series[s];
		double *v = l->drawn[s] ? nt_plot_sorted(se) : NULL;
		size_t step = se->n > NT_PLOT_CDF_POINTS ? se->n / NT_PLOT_CDF_POINTS : 1;
		char p50[48], p99[48];

		if (!v)
			continue;
		double y = 0;

		fprintf(o, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"",
			l->rgb[s]);
		for (size_t i = 0; i < se->n; i += step) { /* steps, as gnuplot draws them */
			fprintf(o, "%.1f,%.1f ", fx(f, v[i]), fy(f, y));
			y = (double)(i + 1) / se->n;
			fprintf(o, "%.1f,%.1f ", fx(f, v[i]), fy(f, y));
		}
		fprintf(o, "%.1f,%.1f %.1f,%.1f\"><title>", fx(f, v[se->n - 1]), fy(f, y),
			fx(f, v[se->n - 1]), fy(f, 1));
		nt_plot_fmt(p50, sizeof(p50), v[se->n / 2], p->xlabel, false);
		nt_plot_fmt(p99, sizeof(p99), v[(size_t)(se->n * 0.99)], p->xlabel, false);
		nt_esc_xml(o, se->name);
		fprintf(o, ": %zu samples, median %s, p99 %s</title></polyline>", se->n, p50, p99);
		free(v);
	}
}

static void span(FILE *o, const struct nt_plot *p, const struct nt_plot_layout *l,
		 const struct nt_plot_span *s)
{
	const struct nt_plot_panel *f = &l->panel[0];
	double a = s->start, b = s->end > a + l->min_span ? s->end : a + l->min_span;
	char from[48], d[48];

	nt_plot_fmt(from, sizeof(from), s->start, p->xlabel, false);
	nt_plot_fmt(d, sizeof(d), s->end - s->start, p->xlabel, false);
	fprintf(o, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" fill=\"%s\"><title>",
		fx(f, a), fy(f, s->row) - 10.5, fx(f, b) - fx(f, a), 21.0, l->rgb[s->cat]);
	nt_esc_xml(o, p->cats[s->cat]);
	fprintf(o, " at %s for %s</title></rect>", from, d);
}

static void timeline(FILE *o, const struct nt_plot *p, const struct nt_plot_layout *l)
{
	const struct nt_plot_panel *f = &l->panel[0];

	for (int r = 0; r < p->nlabels; r++)
		text_cut(o, f->x0 - 7, fy(f, r) + 4.5, "end", p->labels[r]);
	for (int c = 0; c < p->ncats; c++) /* by category, as gnuplot draws its blocks */
		for (size_t i = 0; i < p->nspans; i++)
			if (p->spans[i].cat == c)
				span(o, p, l, &p->spans[i]);
	for (size_t i = 0; i < p->nmarks; i++) {
		const struct nt_plot_span *m = &p->marks[i];
		fprintf(o,
			"<path class=\"mark\" d=\"M%.1f %.1fl12 12m0 -12l-12 12\" stroke=\"%s\" "
			"stroke-width=\"2.5\"><title>",
			fx(f, m->start) - 6, fy(f, m->row) - 6, NT_PLOT_MARK_RGB);
		nt_esc_xml(o, p->mark_name);
		fputs("</title></path>", o);
	}
}

static void flame(FILE *o, const struct nt_plot *p, const struct nt_plot_layout *l)
{
	const struct nt_plot_panel *f = &l->panel[0];

	for (size_t i = 0; i < p->nspans; i++) {
		const struct nt_plot_span *s = &p->spans[i];
		/* rows are depths named "0", "1", ...: the row index is not the depth */
		double x = fx(f, s->start), w = fx(f, s->end) - x;
		double y = f->y0 + atoi(p->labels[s->row]) * 18.0;
		char rgb[8];

		nt_plot_flame_rgb(rgb, p->cats[s->cat]);
		fprintf(o,
			"<g><rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"17\" fill=\"%s\" "
			"stroke=\"#fff\" stroke-width=\"0.5\"><title>",
			x, y, w < 0.3 ? 0.3 : w, rgb);
		nt_esc_xml(o, p->cats[s->cat]);
		fprintf(o, " (%.2f%%)</title></rect>", s->end - s->start);
		if (w > 60) {
			char lab[64];
			int maxc = (int)(w / 7);
			nt_esc_text_buf(lab, (size_t)(maxc < 63 ? maxc : 63) + 1, p->cats[s->cat]);
			text(o, x + 3, y + 13, "start", 11, lab);
		}
		fputs("</g>", o);
	}
}

/* Lines across x labels (traces); a NAN value breaks the line. */
static void trend(FILE *o, const struct nt_plot *p, const struct nt_plot_layout *l)
{
	const struct nt_plot_panel *f = &l->panel[0];

	for (int i = 0; i < p->nlabels; i += l->label_every) {
		fputs("<g class=\"xtick\">", o);
		text(o, fx(f, i), f->y1 + 19, "middle", NT_PLOT_FONT, p->labels[i]);
		fputs("</g>", o);
	}
	for (int s = 0; s < p->nseries; s++) {
		const struct nt_plot_series *se = &p->series[s];
		bool open = false;

		for (size_t i = 0; i <= se->n; i++) {
			if (i == se->n || isnan(se->v[i])) {
				if (open)
					fputs("\"/>", o);
				open = false;
				continue;
			}
			if (!open)
				fprintf(o,
					"<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
					"points=\"",
					l->rgb[s]);
			open = true;
			fprintf(o, "%.1f,%.1f ", fx(f, (double)i), fy(f, se->v[i]));
		}
		for (size_t i = 0; i < se->n; i++) {
			char v[64];
			if (isnan(se->v[i]))
				continue;
			nt_plot_fmt(v, sizeof(v), se->v[i], p->ylabel, true);
			fprintf(o, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"><title>",
				fx(f, (double)i), fy(f, se->v[i]), l->rgb[s]);
			nt_esc_xml(o, se->name);
			fputs(", trace ", o);
			nt_esc_xml(o, (int)i < p->nlabels ? p->labels[i] : "?");
			fprintf(o, ": %s</title></circle>", v);
		}
	}
}

void nt_plot_svg_draw(const struct nt_plot *p, const struct nt_plot_layout *l, FILE *o)
{
	const struct nt_plot_panel *f = &l->panel[0], *last = &l->panel[l->npanels - 1];

	fprintf(o,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" id=\"plot-%s\" "
		"viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" "
		"font-family=\"sans-serif\">",
		p->id, l->w, l->h, l->w, l->h);
	text(o, l->w / 2, 24, "middle", 16, p->title);
	if (p->kind != NT_PLOT_HIST)
		frame(o, f, p->kind != NT_PLOT_TREND);
	fputs("<g class=\"xlabel\">", o);
	text(o, (f->x0 + f->x1) / 2, last->y1 + 44, "middle", 14, p->xlabel);
	fputs("</g>", o);
	if (*p->ylabel) {
		fprintf(o,
			"<text transform=\"translate(18,%.1f) rotate(-90)\" text-anchor=\"middle\" "
			"font-size=\"14\">",
			(f->y0 + last->y1) / 2);
		nt_esc_xml(o, p->ylabel);
		fputs("</text>", o);
	}
	if (p->kind == NT_PLOT_BARS)
		bars(o, p, l);
	else if (p->kind == NT_PLOT_HIST)
		hist(o, p, l);
	else if (p->kind == NT_PLOT_CDF)
		cdf(o, p, l);
	else if (p->kind == NT_PLOT_FLAME)
		flame(o, p, l);
	else if (p->kind == NT_PLOT_TREND)
		trend(o, p, l);
	else
		timeline(o, p, l);
	legend(o, l);
	fputs("</svg>\n", o);
}
