/* SPDX-License-Identifier: GPL-2.0 */
/* The report document: model, and its HTML, CSV and gnuplot renderings. */
#include "doc.h"
#include "explorer.h"
#include "../core/escape.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void table_free(struct nt_table *t)
{
	if (!t)
		return;
	for (int i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i].text);
	for (int i = 0; i < t->ncols; i++)
		free(t->cols[i]);
	free(t->cells);
	free(t->cols);
	free(t->id);
	free(t->title);
	free(t);
}

void nt_doc_release(struct nt_doc *d)
{
	for (int i = 0; i < d->nsections; i++) {
		struct nt_section *s = &d->sections[i];
		for (int t = 0; t < s->ntables; t++)
			table_free(s->tables[t]);
		for (int p = 0; p < s->nplots; p++)
			nt_plot_free(s->plots[p]);
		free(s->tables);
		free(s->plots);
		free(s->title);
		free(s->note);
	}
	free(d->sections);
	free(d->explorer);
	memset(d, 0, sizeof(*d));
}

struct nt_section *nt_doc_section(struct nt_doc *d, const char *title)
{
	struct nt_section *s = realloc(d->sections, (size_t)(d->nsections + 1) * sizeof(*s));

	if (!s)
		return NULL;
	d->sections = s;
	s = &d->sections[d->nsections++];
	memset(s, 0, sizeof(*s));
	s->title = strdup(title);
	return s;
}

void nt_section_note(struct nt_section *s, bool alert, const char *fmt, ...)
{
	va_list ap;
	char *n = NULL;

	va_start(ap, fmt);
	if (vasprintf(&n, fmt, ap) < 0)
		n = NULL;
	va_end(ap);
	if (!n)
		return;
	if (s->note) { /* append a paragraph */
		char *j = NULL;
		if (asprintf(&j, "%s\n%s", s->note, n) >= 0) {
			free(s->note);
			s->note = j;
		}
		free(n);
	} else {
		s->note = n;
	}
	s->alert |= alert;
}

struct nt_table *nt_section_table(struct nt_section *s, const char *id, const char *title,
				  const char *const *cols)
{
	struct nt_table *t = calloc(1, sizeof(*t)), **x;

	if (!t)
		return NULL;
	while (cols[t->ncols])
		t->ncols++;
	t->cols = calloc((size_t)t->ncols + 1, sizeof(*t->cols));
	t->id = strdup(id);
	t->title = strdup(title);
	x = realloc(s->tables, (size_t)(s->ntables + 1) * sizeof(*x));
	if (!t->cols || !t->id || !t->title || !x) {
		free(x == s->tables ? NULL : x);
		table_free(t);
		return NULL;
	}
	for (int i = 0; i < t->ncols; i++)
		t->cols[i] = strdup(cols[i]);
	s->tables = x;
	x[s->ntables++] = t;
	return t;
}

void nt_section_plot(struct nt_section *s, struct nt_plot *p)
{
	struct nt_plot **x;

	if (!p)
		return;
	x = realloc(s->plots, (size_t)(s->nplots + 1) * sizeof(*x));
	if (!x) {
		nt_plot_free(p);
		return;
	}
	s->plots = x;
	x[s->nplots++] = p;
}

void nt_table_row(struct nt_table *t)
{
	struct nt_cell *c;

	if (t->nrows == t->caprows) {
		int cap = t->caprows ? t->caprows * 2 : 16;
		c = realloc(t->cells, (size_t)cap * (size_t)t->ncols * sizeof(*c));
		if (!c)
			return;
		t->cells = c;
		t->caprows = cap;
	}
	memset(&t->cells[t->nrows * t->ncols], 0, (size_t)t->ncols * sizeof(*t->cells));
	for (int i = 0; i < t->ncols; i++)
		t->cells[t->nrows * t->ncols + i].is_null = true;
	t->nrows++;
	t->cur = 0;
}

/* The next cell of the last row, or NULL. */
static struct nt_cell *cell(struct nt_table *t)
{
	if (!t->nrows || t->cur >= t->ncols)
		return NULL;
	return &t->cells[(t->nrows - 1) * t->ncols + t->cur++];
}

void nt_table_num(struct nt_table *t, double v)
{
	struct nt_cell *c = cell(t);
	if (c) {
		c->is_null = false;
		c->is_num = true;
		c->num = v;
	}
}

void nt_table_text(struct nt_table *t, const char *s)
{
	struct nt_cell *c = cell(t);
	if (c) {
		c->is_null = false;
		c->text = strdup(s ? s : "");
	}
}

void nt_table_null(struct nt_table *t)
{
	cell(t);
}

void nt_table_mark(struct nt_table *t)
{
	if (t->nrows && t->cur > 0)
		t->cells[(t->nrows - 1) * t->ncols + t->cur - 1].mark = true;
}

int nt_table_query(struct nt_table *t, sqlite3 *db, sqlite3_stmt *st)
{
	int r;

	(void)db;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		nt_table_row(t);
		for (int i = 0; i < t->ncols; i++) {
			switch (sqlite3_column_type(st, i)) {
			case SQLITE_INTEGER:
			case SQLITE_FLOAT:
				nt_table_num(t, sqlite3_column_double(st, i));
				break;
			case SQLITE_NULL:
				nt_table_null(t);
				break;
			default:
				nt_table_text(t, (const char *)sqlite3_column_text(st, i));
			}
		}
	}
	sqlite3_finalize(st);
	return r == SQLITE_DONE ? 0 : -1;
}

/* ---- HTML ---- */

static void num_text(FILE *o, double v)
{
	if (v == (double)(long long)v)
		fprintf(o, "%lld", (long long)v);
	else
		fprintf(o, "%.3f", v);
}

static const char css[] =
	"body{font-family:sans-serif;margin:2em auto;padding:0 1em;max-width:1100px;color:#222}"
	"h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;margin-top:2em}"
	"table{border-collapse:collapse;margin:.6em 0 1.4em;font-size:.9em;display:block;"
	"max-width:100%;overflow-x:auto}" /* wide tables scroll inside the page */
	"th,td{border:1px solid #ddd;padding:.2em "
	".6em}td.n{text-align:right;font-variant-numeric:tabular-nums}"
	"th{background:#f3f3f3}caption{text-align:left;font-weight:bold;padding:.3em 0}"
	".alert{background:#fde2e2;border:2px solid #c00;color:#900;padding:.6em "
	"1em;font-weight:bold}"
	".note{background:#f6f6f6;padding:.5em 1em}svg.plot{display:block;margin:.5em 0 "
	"1.5em;width:100%;height:auto}" /* the plots' 1100 px canvas: fonts at their size */
	"nav a{margin-right:1em}ul.findings{background:#eef5ff;padding:.6em 2em}"
	"td.hi{background:#ffe08a;font-weight:bold}";

int nt_doc_explorer(sqlite3 *db, const struct nt_report_filter *f, struct nt_doc *d,
		    struct nt_err **err)
{
	free(d->explorer);
	return nt_explorer_json(db, f, &d->explorer, err);
}

static void html_table(const struct nt_table *t, FILE *o)
{
	bool fold = t->nrows > 25; /* long tables fold away (no script needed) */

	if (fold) {
		fputs("<details><summary>", o);
		nt_esc_xml(o, t->title);
		fprintf(o, " (%d rows)</summary>", t->nrows);
	}
	fputs("<table id=\"t-", o);
	nt_esc_xml(o, t->id);
	fputs("\"><caption>", o);
	nt_esc_xml(o, t->title);
	fputs("</caption><tr>", o);
	for (int c = 0; c < t->ncols; c++) {
		fputs("<th>", o);
		nt_esc_xml(o, t->cols[c]);
		fputs("</th>", o);
	}
	fputs("</tr>\n", o);
	for (int r = 0; r < t->nrows; r++) {
		fputs("<tr>", o);
		for (int c = 0; c < t->ncols; c++) {
			const struct nt_cell *x = &t->cells[r * t->ncols + c];
			if (x->is_num) {
				fputs(x->mark ? "<td class=\"n hi\">" : "<td class=\"n\">", o);
				num_text(o, x->num);
			} else {
				fputs(x->mark ? "<td class=\"hi\">" : "<td>", o);
				if (x->text)
					nt_esc_xml(o, x->text);
				else
					fputs("–", o);
			}
			fputs("</td>", o);
		}
		fputs("</tr>\n", o);
	}
	if (!t->nrows)
		fprintf(o, "<tr><td colspan=\"%d\">(none)</td></tr>", t->ncols);
	fputs("</table>\n", o);
	if (fold)
		fputs("</details>\n", o);
}

/* A list section: each row's sentence (column 3), linked to the table named in column 4. */
static void html_list(const struct nt_table *t, FILE *o)
{
	fputs("<ul class=\"findings\">\n", o);
	for (int r = 0; t->ncols >= 5 && r < t->nrows; r++) {
		const struct nt_cell *x = &t->cells[r * t->ncols];

		fputs("<li>", o);
		nt_esc_xml(o, x[3].text ? x[3].text : "");
		if (x[4].text) {
			fputs(" <a href=\"#t-", o);
			nt_esc_xml(o, x[4].text);
			fputs("\">(table)</a>", o);
		}
		fputs("</li>\n", o);
	}
	fputs("</ul>\n", o);
}

/* A note's paragraphs (lines), escaped, as lines of one HTML paragraph. */
static void html_lines(FILE *o, const char *note)
{
	char *copy = strdup(note), *save = NULL;

	for (char *l = copy ? strtok_r(copy, "\n", &save) : NULL; l;
	     l = strtok_r(NULL, "\n", &save)) {
		if (l != copy)
			fputs("<br>", o);
		nt_esc_xml(o, l);
	}
	free(copy);
}

static void anchor(FILE *o, int i)
{
	fprintf(o, "s%d", i);
}

/* A link of the table of contents: #@prefix@id, the text escaped. */
static void toc_link(FILE *o, const char *prefix, const char *id, const char *text)
{
	fprintf(o, "<li><a href=\"#%s", prefix);
	nt_esc_xml(o, id);
	fputs("\">", o);
	nt_esc_xml(o, text);
	fputs("</a>", o);
}

/* The table of contents: each section, and under it its tables and plots. */
static void html_toc(const struct nt_doc *d, FILE *o)
{
	fputs("<nav class=\"toc\" id=\"toc\"><b>Contents</b><ol>", o);
	for (int i = 0; i < d->nsections; i++) {
		const struct nt_section *s = &d->sections[i];
		char id[16];

		snprintf(id, sizeof(id), "%d", i);
		toc_link(o, "s", id, s->title);
		if (!s->list && (s->ntables || s->nplots || (s->explorer && d->explorer))) {
			fputs("<ol>", o);
			for (int t = 0; t < s->ntables; t++) {
				toc_link(o, "t-", s->tables[t]->id, s->tables[t]->title);
				fputs("</li>", o);
			}
			for (int p = 0; p < s->nplots; p++) {
				toc_link(o, "p-", s->plots[p]->id, s->plots[p]->title);
				fputs("</li>", o);
			}
			fputs("</ol>", o);
		}
		fputs("</li>", o);
		if (s->explorer && d->explorer)
			fputs("<li><a href=\"#explorer\">Packet explorer</a><ol><li><a "
			      "href=\"#nx-lifetimes\">Packets by lifetime</a></li><li><a "
			      "href=\"#nx-byflow\">Packets by flow</a></li><li><a "
			      "href=\"#nx-packets\">Packets</a></li><li><a href=\"#nx-packet\">One "
			      "packet</a></li></ol></li>",
			      o);
	}
	fputs("</ol></nav>\n", o);
}

static void html_section(const struct nt_section *s, int i, FILE *o)
{
	fputs("<section id=\"", o);
	anchor(o, i);
	fputs("\"><h2>", o);
	nt_esc_xml(o, s->title);
	fputs("</h2>\n", o);
	if (s->note) {
		fprintf(o, "<p class=\"%s\">", s->alert ? "alert" : "note");
		html_lines(o, s->note);
		fputs("</p>\n", o);
	}
	for (int t = 0; t < s->ntables; t++)
		(s->list ? html_list : html_table)(s->tables[t], o);
	for (int p = 0; p < s->nplots; p++) {
		fputs("<div class=\"plot\" id=\"p-", o);
		nt_esc_xml(o, s->plots[p]->id);
		fputs("\">", o);
		nt_plot_svg(s->plots[p], o);
		fputs("</div>\n", o);
	}
	fputs("</section>\n", o);
}

int nt_doc_html(const struct nt_doc *d, FILE *o, struct nt_err **err)
{
	fprintf(o,
		"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		"<meta name=\"viewport\" content=\"width=device-width\">"
		"<title>nettrail report</title><style>%s",
		css);
	nt_explorer_css(o);
	fputs("</style></head><body>\n<h1>nettrail report</h1>\n", o);
	html_toc(d, o);
	for (int i = 0; i < d->nsections; i++) {
		html_section(&d->sections[i], i, o);
		if (d->sections[i].explorer && d->explorer) {
			fputs("<section id=\"explorer\"><h2>Packet explorer</h2>\n", o);
			nt_explorer_html(o, d->explorer);
			fputs("</section>\n", o);
		}
	}
	fputs("<footer><p>made by nettrail; every figure is computed from the "
	      "database</p></footer>\n",
	      o);
	nt_explorer_script(o);
	fputs("</body></html>\n", o);
	if (ferror(o))
		return nt_err_set(err,
				  nt_err_errno(NT_E_FAIL, errno, "cannot write the HTML report"));
	return 0;
}

/* ---- CSV and gnuplot ---- */

static int mkdir_p(const char *dir, struct nt_err **err)
{
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return nt_err_set(err, nt_err_errno(NT_E_FAIL, errno, "cannot create '%s'", dir));
	return 0;
}

int nt_doc_csv(const struct nt_doc *d, const char *dir, struct nt_err **err)
{
	if (mkdir_p(dir, err))
		return -1;
	for (int i = 0; i < d->nsections; i++)
		for (int t = 0; t < d->sections[i].ntables; t++) {
			const struct nt_table *tb = d->sections[i].tables[t];
			char path[4096];
			FILE *o;

			snprintf(path, sizeof(path), "%s/%s.csv", dir, tb->id);
			o = fopen(path, "w");
			if (!o)
				return nt_err_set(err, nt_err_errno(NT_E_FAIL, errno,
								    "cannot write '%s'", path));
			for (int c = 0; c < tb->ncols; c++) {
				if (c)
					fputc(',', o);
				nt_esc_csv(o, tb->cols[c]);
			}
			fputc('\n', o);
			for (int r = 0; r < tb->nrows; r++) {
				for (int c = 0; c < tb->ncols; c++) {
					const struct nt_cell *x = &tb->cells[r * tb->ncols + c];
					if (c)
						fputc(',', o);
					if (x->is_num)
						num_text(o, x->num);
					else if (x->text)
						nt_esc_csv(o, x->text);
				}
				fputc('\n', o);
			}
			if (fclose(o))
				return nt_err_set(err, nt_err_errno(NT_E_FAIL, errno,
								    "cannot write '%s'", path));
		}
	return 0;
}

int nt_doc_gnuplot(const struct nt_doc *d, const char *dir, struct nt_err **err)
{
	if (mkdir_p(dir, err))
		return -1;
	for (int i = 0; i < d->nsections; i++)
		for (int p = 0; p < d->sections[i].nplots; p++)
			if (!nt_plot_empty(d->sections[i].plots[p]) && /* nothing to draw */
			    nt_plot_gnuplot(d->sections[i].plots[p], dir, err))
				return -1;
	return 0;
}

/* ---- text ---- */

#define TEXT_ROWS 30
#define TEXT_COL  40 /* bytes: a longer cell is cut (at a character) */

/* A cell as text into @buf (TEXT_COL + 2 bytes: room for the mark). */
static void cell_text(const struct nt_cell *x, char *buf)
{
	if (!x->is_num)
		nt_esc_text_buf(buf, TEXT_COL + 1, x->text ? x->text : "-");
	else if (x->num == (double)(long long)x->num)
		snprintf(buf, TEXT_COL + 1, "%lld", (long long)x->num);
	else
		snprintf(buf, TEXT_COL + 1, "%.3f", x->num);
	if (x->mark) /* a notable change */
		strcat(buf, "*");
}

/* Columns @s takes on a terminal: its characters (it is valid UTF-8 once escaped). */
static int width(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* @s left- or right-aligned in @w columns. */
static void pad(FILE *o, const char *s, int w, bool right)
{
	int n = w - width(s);

	if (right)
		fprintf(o, " %*s%s", n, "", s);
	else
		fprintf(o, " %s%*s", s, n, "");
}

static void text_table(const struct nt_table *tb, FILE *o)
{
	int rows = tb->nrows < TEXT_ROWS ? tb->nrows : TEXT_ROWS, w[64] = {0};
	char buf[TEXT_COL + 2];

	for (int c = 0; c < tb->ncols && c < 64; c++) {
		nt_esc_text_buf(buf, TEXT_COL + 1, tb->cols[c]);
		w[c] = width(buf);
		for (int r = 0; r < rows; r++) {
			cell_text(&tb->cells[r * tb->ncols + c], buf);
			if (width(buf) > w[c])
				w[c] = width(buf);
		}
	}
	fputc('\n', o);
	nt_esc_text(o, tb->title);
	fputs("\n ", o);
	for (int c = 0; c < tb->ncols && c < 64; c++) {
		nt_esc_text_buf(buf, TEXT_COL + 1, tb->cols[c]);
		pad(o, buf, w[c], false);
	}
	fputc('\n', o);
	for (int r = 0; r < rows; r++) {
		fputc(' ', o);
		for (int c = 0; c < tb->ncols && c < 64; c++) {
			const struct nt_cell *x = &tb->cells[r * tb->ncols + c];
			cell_text(x, buf);
			pad(o, buf, w[c], x->is_num);
		}
		fputc('\n', o);
	}
	if (!tb->nrows)
		fprintf(o, "  (none)\n");
	else if (tb->nrows > rows)
		fprintf(o, "  ... %d more rows (all of them: --csv DIR)\n", tb->nrows - rows);
}

/* A list section as text: one sentence a line, with the CSV table behind it. */
static void text_list(const struct nt_table *t, FILE *o)
{
	for (int r = 0; t->ncols >= 5 && r < t->nrows; r++) {
		const struct nt_cell *x = &t->cells[r * t->ncols];

		fputs("- ", o);
		nt_esc_text(o, x[3].text ? x[3].text : "");
		fputs(" [", o);
		nt_esc_text(o, x[4].text ? x[4].text : "");
		fputs("]\n", o);
	}
}

int nt_doc_text(const struct nt_doc *d, FILE *o, struct nt_err **err)
{
	for (int i = 0; i < d->nsections; i++) {
		const struct nt_section *s = &d->sections[i];

		fputs(i ? "\n== " : "== ", o);
		nt_esc_text(o, s->title);
		fputs(" ==\n", o);
		if (s->note) {
			fputs(s->alert ? "!! " : "", o);
			nt_esc_text_n(o, s->note, strlen(s->note), NT_ESC_KEEP_NL);
			fputc('\n', o);
		}
		for (int t = 0; t < s->ntables; t++)
			(s->list ? text_list : text_table)(s->tables[t], o);
	}
	if (ferror(o))
		return nt_err_set(err, nt_err_errno(NT_E_FAIL, errno, "cannot write the report"));
	return 0;
}
