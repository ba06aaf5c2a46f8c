/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Plots, described once, laid out once (plot_int.h: size, frames, ticks, colours, legend) and
 * drawn two ways: inline SVG for the HTML report and a gnuplot script + data file for
 * write-ups. Labels that come from traces are escaped for SVG, and for gnuplot they are never
 * put in the script: they live in the .dat file. A name means the same colour in every plot
 * (one palette: skb stages, softirq vectors, marks), legends sit right of the data, counts get
 * whole-number ticks, several histograms are small multiples.
 */
#ifndef NT_PLOT_H
#define NT_PLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "../core/error.h"

enum nt_plot_kind {
	NT_PLOT_BARS,	  /* categories (labels) with one value each, drawn as horizontal bars */
	NT_PLOT_HIST,	  /* samples binned into a histogram */
	NT_PLOT_CDF,	  /* samples as cumulative distributions, one line per series */
	NT_PLOT_TIMELINE, /* rows of [start, end] spans coloured by category */
	NT_PLOT_FLAME,	  /* a flame graph: rows are depths, spans are calls named by category */
	NT_PLOT_TREND,	  /* one value per x label (a trace) and series, drawn as lines */
};

struct nt_plot_series {
	char *name; /* owned */
	double *v;  /* owned: samples (HIST, CDF) or values (BARS) */
	size_t n, cap;
};

struct nt_plot_span {
	int row;
	int cat;
	double start, end;
};

struct nt_plot {
	enum nt_plot_kind kind;
	char *id;     /* file-safe name, e.g. "softirq-duration" (owned) */
	char *title;  /* owned */
	char *xlabel; /* with unit, e.g. "duration (µs)" (owned) */
	char *ylabel; /* owned */
	bool logx;
	struct nt_plot_series *series; /* owned */
	int nseries;
	char **labels; /* BARS: one per value; TIMELINE: row names (owned) */
	int nlabels;
	char **cats; /* TIMELINE: category names (owned) */
	int ncats;
	struct nt_plot_span *spans; /* TIMELINE (owned) */
	size_t nspans, capspans;
	char *mark_name;	    /* TIMELINE: what a mark means, e.g. "dropped" (owned) */
	struct nt_plot_span *marks; /* TIMELINE: row and time (start) of each mark (owned) */
	size_t nmarks, capmarks;
};

struct nt_plot *nt_plot_new(enum nt_plot_kind kind, const char *id, const char *title,
			    const char *xlabel, const char *ylabel);
void nt_plot_free(struct nt_plot *p);

/* Add a series (returns its index) and samples/values to it. */
int nt_plot_series(struct nt_plot *p, const char *name);
void nt_plot_add(struct nt_plot *p, int series, double v);
/* BARS: a category and its value (series 0). */
void nt_plot_bar(struct nt_plot *p, const char *label, double v);
/* TIMELINE: rows and categories by name (index returned), spans. */
int nt_plot_row(struct nt_plot *p, const char *name);
int nt_plot_cat(struct nt_plot *p, const char *name);
void nt_plot_span(struct nt_plot *p, int row, int cat, double start, double end);
/* TIMELINE: a mark (a red cross, named @name in the legend: one name per plot) on @row at @at. */
void nt_plot_mark(struct nt_plot *p, int row, double at, const char *name);

/* TREND: the x labels (row names, e.g. trace ids) come from nt_plot_row(); each series holds
 * one value per label, in label order (NAN where a label has none). */

/* Has something to draw. */
bool nt_plot_empty(const struct nt_plot *p);

/* Draw @p as an inline <svg> element. */
void nt_plot_svg(const struct nt_plot *p, FILE *out);

/* Write DIR/ID.gp and DIR/ID.dat: `gnuplot ID.gp` makes ID.png, ID.svg and ID.pdf (gnuplot 5.4:
 * no warning). */
int nt_plot_gnuplot(const struct nt_plot *p, const char *dir, struct nt_err **err);

#endif
