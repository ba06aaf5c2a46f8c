/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A report as a document: sections holding tables and plots, built once from the database and
 * rendered as HTML (tables + inline SVG), CSV files (one per table) or gnuplot scripts (one per
 * plot). Column names are stable: they are the CSV headers (docs/REPORT.md).
 */
#ifndef NT_DOC_H
#define NT_DOC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <sqlite3.h>

#include "../core/error.h"
#include "plot.h"
#include "report.h"

struct nt_cell {
	bool is_num, is_null;
	bool mark; /* highlighted (a notable change) */
	double num;
	char *text; /* owned, when !is_num */
};

struct nt_table {
	char *id;    /* file-safe, e.g. "softirq" (owned) */
	char *title; /* owned */
	char **cols; /* owned */
	int ncols;
	struct nt_cell *cells; /* owned: rows * ncols */
	int nrows, caprows;
	int cur; /* next column of the last row */
};

struct nt_section {
	char *title;
	char *note; /* a paragraph, or NULL */
	bool alert; /* the note is a warning (lost events) */
	/* a list, not a table: its one table's rows are (key, value, share, sentence, id of the
	 * table behind it); HTML links each sentence to that table, text prints the sentences */
	bool list;
	struct nt_table **tables;
	int ntables;
	struct nt_plot **plots;
	int nplots;
	bool explorer; /* HTML: the packet explorer (nt_doc.explorer) follows this section */
};

struct nt_doc {
	struct nt_section *sections;
	int nsections;
	char *explorer; /* owned: the packet explorer's JSON (report/explorer.h), or NULL */
};

/* Free what @d holds (not @d itself) and leave it empty; an empty document is fine. */
void nt_doc_release(struct nt_doc *d);
struct nt_section *nt_doc_section(struct nt_doc *d, const char *title);
void nt_section_note(struct nt_section *s, bool alert, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A table with the given columns (NULL-terminated). */
struct nt_table *nt_section_table(struct nt_section *s, const char *id, const char *title,
				  const char *const *cols);
void nt_section_plot(struct nt_section *s, struct nt_plot *p);
/* Fill a table from a query: one row per result row, columns as the query's. */
int nt_table_query(struct nt_table *t, sqlite3 *db, sqlite3_stmt *st);
void nt_table_row(struct nt_table *t);
void nt_table_num(struct nt_table *t, double v);
void nt_table_text(struct nt_table *t, const char *s);
void nt_table_null(struct nt_table *t);
/* Highlight the cell just added. */
void nt_table_mark(struct nt_table *t);

/* Build the document for @db under the filters. */
int nt_doc_build(sqlite3 *db, const struct nt_report_filter *f, struct nt_doc *d,
		 struct nt_err **err);

/*
 * Attach the packet explorer's data for @db under @f to @d (HTML only: the other renderings
 * ignore it). 0, or -1 with *err set.
 */
int nt_doc_explorer(sqlite3 *db, const struct nt_report_filter *f, struct nt_doc *d,
		    struct nt_err **err);

/*
 * HTML: a table of contents (sections and their tables and plots), sortable tables, and the
 * packet explorer when @d has its data.
 */
int nt_doc_html(const struct nt_doc *d, FILE *out, struct nt_err **err);
/* Text tables for a terminal (long tables cut after 30 rows; --csv has them whole). */
int nt_doc_text(const struct nt_doc *d, FILE *out, struct nt_err **err);
int nt_doc_csv(const struct nt_doc *d, const char *dir, struct nt_err **err);
int nt_doc_gnuplot(const struct nt_doc *d, const char *dir, struct nt_err **err);

/*
 * Write @d to the file @path as HTML (@html) or text, through a temporary name renamed into
 * place: never half a report at @path, nothing left behind on failure.
 */
int nt_doc_write_file(const struct nt_doc *d, const char *path, bool html, struct nt_err **err);

/* Only the findings block of the report of @db (under @f), as text (capture prints it). */
int nt_report_findings_text(sqlite3 *db, const struct nt_report_filter *f, FILE *out,
			    struct nt_err **err);

/*
 * Every report of @db (under @f) into @dir: report.txt, report.html (each written under a
 * temporary name first), gnuplot/ and csv/. Used by capture and lab.
 */
int nt_report_write_dir(sqlite3 *db, const struct nt_report_filter *f, const char *dir,
			struct nt_err **err);

#endif
