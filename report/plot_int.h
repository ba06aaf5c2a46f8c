/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The layout of a plot, decided once (plot.c) and drawn by both renderers: plot_svg.c (inline
 * SVG) and plot_gp.c (gnuplot script + data). Sizes, frames, ranges, ticks, colours, legend
 * and row order all live here, so the two outputs cannot drift apart.
 */
#ifndef NT_PLOT_INT_H
#define NT_PLOT_INT_H

#include "plot.h"

#define NT_PLOT_W	   1100.0 /* px: the HTML's content width, and gnuplot's canvas */
#define NT_PLOT_HIST_BINS  40
#define NT_PLOT_CDF_POINTS 400
#define NT_PLOT_MAX_TICKS  24
#define NT_PLOT_MAX_PANELS 10	     /* HIST: small multiples shown (the busiest series) */
#define NT_PLOT_FONT	   13	     /* px, tick labels and legend; titles 16, axis labels 14 */
#define NT_PLOT_MARK_RGB   "#d62728" /* marks (dropped packets): red, used for nothing else */

struct nt_plot_axis {
	double min, max;
	bool log;
	bool integer; /* a count: ticks only at whole numbers */
	int nticks;
	double tick[NT_PLOT_MAX_TICKS];
	char label[NT_PLOT_MAX_TICKS][24];
};

/* One frame (a HIST small multiple has one per series, stacked, sharing the x axis). */
struct nt_plot_panel {
	double x0, y0, x1, y1; /* px from the top left of the canvas */
	struct nt_plot_axis x, y;
	int series; /* HIST: the series drawn; -1: all */
};

enum nt_plot_key_kind { NT_PLOT_KEY_BOX, NT_PLOT_KEY_LINE, NT_PLOT_KEY_MARK };

struct nt_plot_key {
	const char *name; /* weak: a series, category or mark name */
	const char *rgb;  /* weak: from the palette */
	enum nt_plot_key_kind kind;
	double x, y; /* px: the entry's swatch, right of the plot area */
};

struct nt_plot_layout {
	double w, h;
	struct nt_plot_panel *panel; /* owned */
	int npanels;
	const char **rgb; /* owned array, weak strings: per series (per category for TIMELINE) */
	int nrgb;
	bool *drawn;		 /* owned: per series, drawn (has a sample the axis can show) */
	struct nt_plot_key *key; /* owned */
	int nkeys;
	double *counts;	  /* HIST: counts[s * NT_PLOT_HIST_BINS + b] (owned) */
	double lo, width; /* HIST: first bin edge and bin width */
	double min_span;  /* TIMELINE: the narrowest drawn span, in x units (2 px) */
	int label_every;  /* TREND: label every n-th x label */
};

/* Decide the layout of @p (not empty). Returns 0, -1 when out of memory. */
int nt_plot_layout_init(const struct nt_plot *p, struct nt_plot_layout *l);
void nt_plot_layout_release(struct nt_plot_layout *l);

/* Sorted copy of a series (free() it); NULL when out of memory. */
double *nt_plot_sorted(const struct nt_plot_series *s);

/* @v with the unit of @axis_label (the text in its last parentheses, else the label itself
 * when @count_noun), e.g. "12.3 µs", "5 softirqs", into @buf. */
void nt_plot_fmt(char *buf, size_t size, double v, const char *axis_label, bool count_noun);

/* The colour of a flame graph's function @name: "#rrggbb" into @buf (8 bytes). */
void nt_plot_flame_rgb(char buf[8], const char *name);

/* Write the SVG / gnuplot form of @p laid out as @l. */
void nt_plot_svg_draw(const struct nt_plot *p, const struct nt_plot_layout *l, FILE *o);
int nt_plot_gp_write(const struct nt_plot *p, const struct nt_plot_layout *l, FILE *g, FILE *d,
		     const char *dat);

#endif
