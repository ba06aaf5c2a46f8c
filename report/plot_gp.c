/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Plots as a gnuplot script + data file, drawn from the layout (plot_int.h): the script sets
 * the same canvas, margins, ranges, ticks, colours and legend places as the SVG. Trace strings
 * are only in the data file (column headers, tick labels).
 */
#include "plot_int.h"
#include "../core/escape.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Data column names and the data: one block (index) per CDF series / TIMELINE category. */
static void data_bars(const struct nt_plot *p, FILE *d)
{
	fputs("# index value label\n", d);
	for (int i = 0; i < p->nlabels; i++) {
		fprintf(d, "%d %.9g ", i, p->series[0].v[i]);
		nt_esc_gnuplot_data(d, p->labels[i]);
		fputc('\n', d);
	}
}

static void data_hist(const struct nt_plot *p, const struct nt_plot_layout *l, FILE *d)
{
	fputs("\"bin_start\"", d);
	for (int s = 0; s < p->nseries; s++) {
		fputc(' ', d);
		nt_esc_gnuplot_data(d, p->series[s].name);
	}
	fputc('\n', d);
	for (int b = 0; b < NT_PLOT_HIST_BINS; b++) {
		fprintf(d, "%.9g", l->lo + b * l->width);
		for (int s = 0; s < p->nseries; s++)
			fprintf(d, " %.0f", l->counts[s * NT_PLOT_HIST_BINS + b]);
		fputc('\n', d);
	}
}

static void data_cdf(const struct nt_plot *p, const struct nt_plot_layout *l, FILE *d)
{
	double min = l->panel[0].x.log ? l->panel[0].x.min : -INFINITY;

	for (int s = 0, k = 0; s < p->nseries; s++) {
		const struct nt_plot_series *se = &p->series[s];
		double *v = l->drawn[s] ? nt_plot_sorted(se) : NULL;
		size_t step = se->n > NT_PLOT_CDF_POINTS ? se->n / NT_PLOT_CDF_POINTS : 1;

		if (!v)
			continue;
		for (size_t i = 0; i < se->n; i++) /* a log axis shows what is below at its edge */
			v[i] = v[i] < min ? min : v[i];
		if (k++)
			fputs("\n\n", d);
		nt_esc_gnuplot_data(d, se->name);
		fprintf(d, " \"fraction\"\n%.9g 0\n", v[0]);
		for (size_t i = 0; i < se->n; i += step)
			fprintf(d, "%.9g %.9g\n", v[i], (double)(i + 1) / se->n);
		fprintf(d, "%.9g 1\n", v[se->n - 1]);
		free(v);
	}
}

static void data_timeline(const struct nt_plot *p, const struct nt_plot_layout *l, FILE *d)
{
	fputs("# a block per category (its name first), then the marks' (at row): start end row "
	      "drawn_end row_name\n",
	      d);
	for (int c = 0; c < p->ncats; c++) {
		nt_esc_gnuplot_data(d, p->cats[c]);
		fputc('\n', d);
		for (size_t i = 0; i < p->nspans; i++) {
			const struct nt_plot_span *s = &p->spans[i];
			if (s->cat != c)
				continue;
			fprintf(d, "%.9g %.9g %d %.9g ", s->start, s->end, s->row,
				s->end > s->start + l->min_span ? s->end : s->start + l->min_span);
			nt_esc_gnuplot_data(d, p->labels[s->row]);
			fputc('\n', d);
		}
		fputs("\n\n", d);
	}
	if (!p->nmarks)
		return;
	nt_esc_gnuplot_data(d, p->mark_name);
	fputc('\n', d);
	for (size_t i = 0; i < p->nmarks; i++)
		fprintf(d, "%.9g %d\n", p->marks[i].start, p->marks[i].row);
}

static void data_flame(const struct nt_plot *p, FILE *d)
{
	fputs("# start_pct end_pct depth rgb function\n", d);
	for (size_t i = 0; i < p->nspans; i++) {
		const struct nt_plot_span *s = &p->spans[i];
		char rgb[8];

		nt_plot_flame_rgb(rgb, p->cats[s->cat]);
		fprintf(d, "%.9g %.9g %d %ld ", s->start, s->end, atoi(p->labels[s->row]),
			strtol(rgb + 1, NULL, 16));
		nt_esc_gnuplot_data(d, p->cats[s->cat]);
		fputc('\n', d);
	}
}

static void data_trend(const struct nt_plot *p, FILE *d)
{
	fputs("\"trace\"", d);
	for (int s = 0; s < p->nseries; s++) {
		fputc(' ', d);
		nt_esc_gnuplot_data(d, p->series[s].name);
	}
	fputc('\n', d);
	for (int i = 0; i < p->nlabels; i++) {
		nt_esc_gnuplot_data(d, p->labels[i]);
		for (int s = 0; s < p->nseries; s++)
			if ((size_t)i < p->series[s].n && !isnan(p->series[s].v[i]))
				fprintf(d, " %.9g", p->series[s].v[i]);
			else
				fputs(" NaN", d);
		fputc('\n', d);
	}
}

/* set Xtics (...) from the layout's ticks; labels left out when !@labels. */
static void gp_tics(FILE *g, const char *axis, const struct nt_plot_axis *a, bool labels)
{
	fprintf(g, "  set %stics out nomirror (", axis);
	for (int i = 0; i < a->nticks; i++)
		fprintf(g, "%s\"%s\" %.9g", i ? ", " : "", labels ? a->label[i] : "", a->tick[i]);
	fputs(")\n", g);
}

/* Margins, ranges and ticks of one panel, and the legend entries' places from @key. */
static void gp_panel(FILE *g, const struct nt_plot_layout *l, const struct nt_plot_panel *f,
		     const struct nt_plot_key *key, bool xlabels, bool ynum)
{
	fprintf(g,
		"  set lmargin at screen %.5f; set rmargin at screen %.5f\n"
		"  set tmargin at screen %.5f; set bmargin at screen %.5f\n",
		f->x0 / l->w, f->x1 / l->w, 1 - f->y0 / l->h, 1 - f->y1 / l->h);
	fprintf(g, "  %s logscale x\n  set xrange [%.9g:%.9g]\n", f->x.log ? "set" : "unset",
		f->x.min, f->x.max);
	if (f->x.nticks)
		gp_tics(g, "x", &f->x, xlabels);
	if (ynum) {
		fprintf(g, "  set yrange [%.9g:%.9g]\n  set grid ytics lt 1 lc rgb '#dddddd'\n",
			f->y.min, f->y.max);
		gp_tics(g, "y", &f->y, true);
	} else {
		fprintf(g, "  set yrange [%.9g:%.9g]\n  set ytics out nomirror scale 0\n", f->y.min,
			f->y.max); /* rows: min is the bottom row */
	}
	if (key)
		fprintf(g,
			"  set key at screen %.5f, %.5f left top Left reverse samplen 1.5 "
			"spacing 1.25 nobox noautotitle\n",
			key->x / l->w, 1 - (key->y - 9) / l->h);
	else
		fputs("  unset key\n", g);
}

/* One plot clause per drawn series / block, coloured from the layout. */
static void gp_plot(const struct nt_plot *p, const struct nt_plot_layout *l, FILE *g,
		    const char *dat, int panel)
{
	const char *sep = "  plot ";
	int k = 0;

	if (p->kind == NT_PLOT_BARS)
		fprintf(g,
			"  plot '%s' using ($2/2):1:($2/2):(0.35):ytic(3) with boxxyerror fc rgb "
			"'%s' fs solid 1 noborder notitle\n",
			dat, l->rgb[0]);
	else if (p->kind == NT_PLOT_HIST)
		fprintf(g,
			"  set boxwidth %.9g absolute\n  plot '%s' using ($1+%.9g):%d with boxes "
			"fc "
			"rgb '%s' fs solid 1 noborder title columnheader(%d)\n",
			l->width * 0.98, dat, l->width / 2, l->panel[panel].series + 2,
			l->rgb[l->panel[panel].series], l->panel[panel].series + 2);
	else if (p->kind == NT_PLOT_FLAME)
		fprintf(g,
			"  plot '%s' using (($1+$2)/2):($3+0.5):(($2-$1)/2):(0.47):4 with "
			"boxxyerror fc rgb variable fs solid 1 border lc rgb '#ffffff' notitle\n",
			dat);
	else if (p->kind == NT_PLOT_CDF)
		for (int s = 0; s < p->nseries; s++)
			if (l->drawn[s]) {
				fprintf(g,
					"%s'%s' index %d using 1:2 with steps lw 2 lc rgb '%s' "
					"title "
					"columnheader(1)",
					sep, dat, k++, l->rgb[s]);
				sep = ", \\\n       ";
			}
	if (p->kind == NT_PLOT_TIMELINE) {
		for (int c = 0; c < p->ncats; c++, sep = ", \\\n       ")
			fprintf(g,
				"%s'%s' index %d using (($1+$4)/2):3:(($4-$1)/2):(0.35):ytic(5) "
				"with boxxyerror fc rgb '%s' fs solid 1 noborder title "
				"columnheader(1)",
				sep, dat, k++, l->rgb[c]);
		if (p->nmarks)
			fprintf(g,
				"%s'%s' index %d using 1:2 with points pt 2 ps 2 lw 2.5 lc rgb "
				"'%s' "
				"title columnheader(1)",
				sep, dat, k, NT_PLOT_MARK_RGB);
	}
	if (p->kind == NT_PLOT_TREND)
		for (int s = 0; s < p->nseries; s++)
			if (l->drawn[s]) {
				fprintf(g,
					"%s'%s' using 0:%d:xtic(int($0) %% %d == 0 ? "
					"stringcolumn(1) : '') with linespoints lw 2 pt 7 ps 0.9 "
					"lc "
					"rgb '%s' title columnheader(%d)",
					sep, dat, s + 2, l->label_every, l->rgb[s], s + 2);
				sep = ", \\\n       ";
			}
	if (p->kind == NT_PLOT_CDF || p->kind == NT_PLOT_TIMELINE || p->kind == NT_PLOT_TREND)
		fputc('\n', g);
}

static void gp_body(const struct nt_plot *p, const struct nt_plot_layout *l, FILE *g,
		    const char *dat)
{
	bool ynum = p->kind == NT_PLOT_HIST || p->kind == NT_PLOT_CDF || p->kind == NT_PLOT_TREND;

	fputs("  set multiplot\n  set title tl font tf\n", g);
	for (int k = 0; k < l->npanels; k++) {
		const struct nt_plot_key *key = NULL;

		if (p->kind == NT_PLOT_HIST)
			key = &l->key[k];
		else if (l->nkeys)
			key = &l->key[0];
		if (k == 1)
			fputs("  unset title\n", g);
		if (k == l->npanels - 1)
			fputs("  set xlabel xl\n", g);
		else
			fputs("  unset xlabel\n", g);
		gp_panel(g, l, &l->panel[k], key, k == l->npanels - 1, ynum);
		if (p->kind == NT_PLOT_FLAME)
			fputs("  unset ytics\n", g);
		gp_plot(p, l, g, dat, k);
	}
	fputs("  unset multiplot\n", g);
}

int nt_plot_gp_write(const struct nt_plot *p, const struct nt_plot_layout *l, FILE *g, FILE *d,
		     const char *dat)
{
	if (p->kind == NT_PLOT_BARS)
		data_bars(p, d);
	else if (p->kind == NT_PLOT_HIST)
		data_hist(p, l, d);
	else if (p->kind == NT_PLOT_CDF)
		data_cdf(p, l, d);
	else if (p->kind == NT_PLOT_FLAME)
		data_flame(p, d);
	else if (p->kind == NT_PLOT_TREND)
		data_trend(p, d);
	else
		data_timeline(p, l, d);
	fputs("# ", g);
	nt_esc_text(g, p->title);
	fprintf(g, " — run: gnuplot %s.gp  (writes %s.png, %s.svg and %s.pdf)\n", p->id, p->id,
		p->id, p->id);
	fprintf(g,
		"# the data, with every label taken from the trace, is in %s.dat; size, margins, "
		"ranges, ticks,\n# colours and legend are those of the HTML report's plot (one "
		"layout, report/plot_int.h)\n",
		p->id);
	fputs("set encoding utf8\nset datafile separator whitespace\ntl = ", g);
	nt_esc_gnuplot_str(g, p->title);
	fputs("\nxl = ", g);
	nt_esc_gnuplot_str(g, p->xlabel);
	fputs("\nset ylabel ", g);
	nt_esc_gnuplot_str(g, p->ylabel);
	fprintf(g,
		"\ndo for [t = 1:3] {\n"
		"  if (t == 1) { set terminal pngcairo size %.0f,%.0f noenhanced font 'sans,9'; "
		"set output '%s.png'; tf = ',12' }\n"
		"  if (t == 2) { set terminal svg size %.0f,%.0f noenhanced font 'sans,13'; "
		"set output '%s.svg'; tf = ',16' }\n"
		"  if (t == 3) { set terminal pdfcairo size %.2fin,%.2fin noenhanced font "
		"'sans,9'; set output '%s.pdf'; tf = ',12' }\n",
		l->w, l->h, p->id, l->w, l->h, p->id, l->w / 100, l->h / 100, p->id);
	gp_body(p, l, g, dat);
	fputs("}\nset output\n", g);
	return ferror(g) || ferror(d) ? -1 : 0;
}
