/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The lab sheet: each scenario's claims checked against the imported trace (SQL over the
 * event tables and the skb analysis), written as lab-sheet.txt and lab-sheet.html.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab_int.h"
#include "../collect/hdrprobe.h"
#include "../core/escape.h"
#include "../report/explorer.h"

#define MAX_CLAIMS 24
#define MAX_NOTES  12
#define MAX_KV	   24

struct claim {
	char *text; /* owned */
	long expected, observed;
	bool ge, ok;
	char *error; /* owned: the query failed */
	char *na;    /* owned: not checkable on this kernel, and why */
};

struct lab_sheet {
	sqlite3 *db; /* weak */
	char keys[MAX_KV][32], vals[MAX_KV][64];
	int nkv;
	struct claim claims[MAX_CLAIMS];
	int nclaims;
	char *notes[MAX_NOTES]; /* owned: "label: text" */
	int nnotes;
	char *sample_title;    /* owned */
	char *sample;	       /* owned: the hops, one per line */
	struct nt_lab_rec rec; /* how it was recorded */
	char *explorer;	       /* owned: the packet explorer's JSON, or NULL */
};

long lab_kv(struct lab_sheet *s, const char *key)
{
	const char *v = lab_kvs(s, key);
	return v ? strtol(v, NULL, 10) : -1;
}

const char *lab_kvs(struct lab_sheet *s, const char *key)
{
	for (int i = 0; i < s->nkv; i++)
		if (!strcmp(s->keys[i], key))
			return s->vals[i];
	return NULL;
}

/* The integer in the first column of the first row (NULL: 0). */
static long query_long(struct lab_sheet *s, const char *sql, char **error)
{
	sqlite3_stmt *st = NULL;
	long v = 0;

	*error = NULL;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		if (asprintf(error, "%s", sqlite3_errmsg(s->db)) < 0)
			*error = NULL;
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		v = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void add_claim(struct lab_sheet *s, long expected, bool ge, const char *text,
		      const char *fmt, va_list ap)
{
	struct claim *c;
	char *sql;

	if (s->nclaims >= MAX_CLAIMS)
		return;
	c = &s->claims[s->nclaims++];
	c->text = strdup(text);
	c->expected = expected;
	c->ge = ge;
	sql = sqlite3_vmprintf(fmt, ap);
	c->observed = sql ? query_long(s, sql, &c->error) : -1;
	sqlite3_free(sql);
	c->ok = !c->error && (ge ? c->observed >= expected : c->observed == expected);
}

void lab_claim(struct lab_sheet *s, long expected, const char *text, const char *sqlfmt, ...)
{
	va_list ap;

	va_start(ap, sqlfmt);
	add_claim(s, expected, false, text, sqlfmt, ap);
	va_end(ap);
}

void lab_claim_ge(struct lab_sheet *s, long expected, const char *text, const char *sqlfmt, ...)
{
	va_list ap;

	va_start(ap, sqlfmt);
	add_claim(s, expected, true, text, sqlfmt, ap);
	va_end(ap);
}

bool lab_headers(struct lab_sheet *s)
{
	return s->rec.headers;
}

void lab_claim_hdr(struct lab_sheet *s, long expected, const char *text, const char *sqlfmt, ...)
{
	va_list ap;

	if (!s->rec.headers) {
		lab_claim_na(
			s, text,
			"no tracepoint gives UDP packets their addresses, and their IP headers "
			"were not recorded (see 'Packet headers not recorded' above)");
		return;
	}
	va_start(ap, sqlfmt);
	add_claim(s, expected, false, text, sqlfmt, ap);
	va_end(ap);
}

void lab_claim_value(struct lab_sheet *s, long expected, long observed, const char *text)
{
	struct claim *c;

	if (s->nclaims >= MAX_CLAIMS)
		return;
	c = &s->claims[s->nclaims++];
	c->text = strdup(text);
	c->expected = expected;
	c->observed = observed;
	c->ok = expected == observed;
}

void lab_claim_na(struct lab_sheet *s, const char *text, const char *why)
{
	struct claim *c;

	if (s->nclaims >= MAX_CLAIMS)
		return;
	c = &s->claims[s->nclaims++];
	c->text = strdup(text);
	c->na = strdup(why);
	c->ok = true;
}

bool lab_kernel_before(struct lab_sheet *s, int major, int minor)
{
	char *e = NULL;
	long v =
		query_long(s,
			   "SELECT CAST(value AS INTEGER) * 1000 + CAST(substr(value, instr(value, "
			   "'.') + 1) AS INTEGER) FROM trace_meta WHERE trace_id = 1 AND key = "
			   "'kernel'",
			   &e);

	free(e);
	return v > 0 && v < major * 1000 + minor;
}

void lab_note(struct lab_sheet *s, const char *label, const char *sqlfmt, ...)
{
	sqlite3_stmt *st = NULL;
	va_list ap;
	char *sql, *n = NULL;
	const char *v = NULL;

	if (s->nnotes >= MAX_NOTES)
		return;
	va_start(ap, sqlfmt);
	sql = sqlite3_vmprintf(sqlfmt, ap);
	va_end(ap);
	if (sql && sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = (const char *)sqlite3_column_text(st, 0);
	v = v ? nt_esc_text_dup(v) : NULL; /* from the trace: escaped for text and HTML */
	if (asprintf(&n, "%s: %s", label, v ? v : "(none)") >= 0)
		s->notes[s->nnotes++] = n;
	free((char *)v);
	sqlite3_finalize(st);
	sqlite3_free(sql);
}

/* One hop of the sample lifecycle, its strings (comm, device, drop reason) escaped. */
static void sample_hop(FILE *m, sqlite3_stmt *st)
{
	char *t[6];

	for (int i = 0; i < 6; i++)
		t[i] = nt_esc_text_dup((const char *)sqlite3_column_text(st, i + 2));
	fprintf(m, "%+10lld ns  cpu %-3d %-20s %-32s %-8s %-10s %5s  %s\n",
		(long long)sqlite3_column_int64(st, 0), sqlite3_column_int(st, 1),
		t[0] ? t[0] : "?", t[1] ? t[1] : "?", t[2] ? t[2] : "?", t[3] ? t[3] : "?",
		t[4] ? t[4] : "?", t[5] ? t[5] : "?");
	for (int i = 0; i < 6; i++)
		free(t[i]);
}

void lab_sample(struct lab_sheet *s, const char *title, const char *sqlfmt, ...)
{
	sqlite3_stmt *st = NULL;
	va_list ap;
	char *sql, *buf = NULL;
	size_t len = 0;
	long id;
	FILE *m;

	va_start(ap, sqlfmt);
	sql = sqlite3_vmprintf(sqlfmt, ap);
	va_end(ap);
	{
		char *e = NULL;
		id = sql ? query_long(s, sql, &e) : -1;
		free(e);
	}
	sqlite3_free(sql);
	free(s->sample_title);
	free(s->sample);
	s->sample = NULL;
	if (asprintf(&s->sample_title, "%s (skb_id %ld)", title, id) < 0)
		s->sample_title = NULL;
	if (id <= 0 || !(m = open_memstream(&buf, &len)))
		return;
	sql = sqlite3_mprintf(
		"SELECT h.ts - (SELECT min(ts) FROM skb_hops WHERE trace_id = 1 AND skb_id = %ld), "
		"h.cpu, coalesce(t.comm, '?') || '/' || h.pid, h.event, h.stage, "
		"coalesce(h.device, ''), coalesce(h.len, ''), "
		"CASE WHEN h.event IN ('skb:kfree_skb', 'skb:consume_skb') THEN "
		"coalesce(l.drop_reason || ' at ', '') || "
		"coalesce(l.location, '') ELSE '' END "
		"FROM skb_hops h JOIN skb_lifecycles l ON l.trace_id = h.trace_id AND "
		"l.skb_id = h.skb_id LEFT JOIN tasks t ON t.trace_id = h.trace_id AND t.pid = "
		"h.pid "
		"WHERE h.trace_id = 1 AND h.skb_id = %ld GROUP BY h.event_rowid "
		"ORDER BY h.event_rowid",
		id, id);
	if (sql && sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK)
		while (sqlite3_step(st) == SQLITE_ROW)
			sample_hop(m, st);
	sqlite3_finalize(st);
	sqlite3_free(sql);
	fclose(m);
	s->sample = buf;
}

static void read_kv(struct lab_sheet *s, const char *dir)
{
	char path[4096], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/traffic.txt", dir);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f) && s->nkv < MAX_KV) {
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = '\0';
		eq[strcspn(eq + 1, "\n") + 1] = '\0';
		snprintf(s->keys[s->nkv], sizeof(s->keys[0]), "%.31s", line);
		snprintf(s->vals[s->nkv], sizeof(s->vals[0]), "%.63s", eq + 1);
		s->nkv++;
	}
	if (f)
		fclose(f);
}

static void html_text(FILE *f, const char *t)
{
	for (; t && *t; t++) {
		switch (*t) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc(*t, f);
		}
	}
}

static void list_figures(const char *dir, FILE *txt, FILE *html)
{
	char path[4096];
	struct dirent **names = NULL;
	int n;

	snprintf(path, sizeof(path), "%s/gnuplot", dir);
	n = scandir(path, &names, NULL, alphasort);
	fprintf(txt, "\nFigures: %s/report.html; gnuplot scripts in %s (run 'gnuplot FILE.gp'):\n",
		dir, path);
	fputs("<h2 id=\"figures\">Figures</h2><p><a href=\"report.html\">report.html</a>; gnuplot "
	      "scripts in "
	      "<code>gnuplot/</code>:</p><ul>",
	      html);
	for (int i = 0; i < n; i++) {
		const char *e = strrchr(names[i]->d_name, '.');
		if (e && !strcmp(e, ".gp")) {
			fprintf(txt, "  gnuplot/%s\n", names[i]->d_name);
			fputs("<li>gnuplot/", html);
			html_text(html, names[i]->d_name);
			fputs("</li>", html);
		}
		free(names[i]);
	}
	free(names);
	fputs("</ul>\n", html);
}

/* Calls per function (func_stats of the function analysis) against the traffic's counts. */
static void function_claims(struct lab_sheet *s, const struct nt_lab *l)
{
	char t[256];

	for (const struct lab_fn *f = l->fns; f && f->function; f++) {
		long exp = f->key ? f->factor * lab_kv(s, f->key) : f->factor;
		if (f->key && f->factor > 1)
			snprintf(t, sizeof(t), "%ld calls of %s(): %s (%ld x %s)", exp, f->function,
				 f->why, f->factor, f->key);
		else
			snprintf(t, sizeof(t), "%ld calls of %s(): %s", exp, f->function, f->why);
		lab_claim(s, exp, t,
			  "SELECT coalesce(sum(calls), 0) FROM func_stats WHERE trace_id = 1 AND "
			  "function = %Q",
			  f->function);
	}
	if (l->fns && l->fns->function)
		lab_note(s, "function_graph: the busiest call path under the traced functions",
			 "SELECT path || ' (' || calls || ' calls)' FROM func_paths WHERE trace_id "
			 "= "
			 "1 ORDER BY calls DESC, depth DESC LIMIT 1");
}

/* The sheet's table of contents (its explorer entries only when the trace has packets). */
static void html_toc(FILE *h, const struct lab_sheet *s)
{
	static const char *const sec[][2] = {
		{"sent", "What was sent"},    {"shows", "What the trace shows"},
		{"claims", "Claims"},	      {"path", "Path of one packet through the stack"},
		{"drops", "Drops by reason"}, {"explorer", "Packet explorer"},
		{"figures", "Figures"},	      {"result", "Result"}};

	fputs("<nav class=\"toc\"><b>Contents</b><ol>", h);
	for (size_t i = 0; i < sizeof(sec) / sizeof(sec[0]); i++) {
		if ((!strcmp(sec[i][0], "path") && !s->sample_title) ||
		    (!strcmp(sec[i][0], "drops") && !s->explorer) ||
		    (!strcmp(sec[i][0], "explorer") && !s->explorer))
			continue;
		fprintf(h, "<li><a href=\"#%s\">%s</a>", sec[i][0], sec[i][1]);
		if (!strcmp(sec[i][0], "explorer"))
			fputs("<ol><li><a href=\"#nx-packets\">Packets</a></li><li><a "
			      "href=\"#nx-packet\">One packet</a></li></ol>",
			      h);
		fputs("</li>", h);
	}
	fputs("</ol></nav>\n", h);
}

/* Drops by reason (a click lists them in the explorer), then the explorer itself. */
static void sheet_explorer(FILE *h, struct lab_sheet *s)
{
	sqlite3_stmt *st = NULL;

	if (!s->explorer)
		return;
	fputs("<h2 id=\"drops\">Drops by reason</h2><table id=\"t-skb_drops\"><caption>Dropped "
	      "packets by reason and location (click one to list them)</caption><tr><th>reason"
	      "</th><th>location</th><th>drops</th></tr>",
	      h);
	if (sqlite3_prepare_v2(s->db,
			       "SELECT coalesce(drop_reason, '(no reason in the trace)'), "
			       "coalesce(location, CASE WHEN skbaddr IS NULL THEN '(hidden by the "
			       "trace)' WHEN location_addr IS NOT NULL THEN printf('0x%x', "
			       "location_addr) ELSE '?' END), count(*) FROM skb_lifecycles WHERE "
			       "outcome = 'dropped' GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2",
			       -1, &st, NULL) != SQLITE_OK)
		st = NULL;
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		fputs("<tr><td>", h);
		nt_esc_xml(h, (const char *)sqlite3_column_text(st, 0));
		fputs("</td><td>", h);
		nt_esc_xml(h, (const char *)sqlite3_column_text(st, 1));
		fprintf(h, "</td><td class=\"n\">%lld</td></tr>", sqlite3_column_int64(st, 2));
	}
	sqlite3_finalize(st);
	fputs("</table>\n<h2 id=\"explorer\">Packet explorer</h2>\n", h);
	nt_explorer_html(h, s->explorer);
}

/* The explorer's data, when the trace has skb lifecycles (the sheet goes on without it). */
static void sheet_data(struct lab_sheet *s)
{
	struct nt_report_filter f;
	struct nt_err *e = NULL;
	sqlite3_stmt *st = NULL;
	bool skb = sqlite3_prepare_v2(s->db, "SELECT 1 FROM skb_lifecycles LIMIT 1", -1, &st,
				      NULL) == SQLITE_OK &&
		   sqlite3_step(st) == SQLITE_ROW;

	sqlite3_finalize(st);
	nt_report_filter_init(&f);
	if (skb && nt_explorer_json(s->db, &f, &s->explorer, &e))
		nt_err_free(e);
}

/* The title, the style, the contents and the summary. */
static void sheet_head(const struct lab_sheet *s, const struct nt_lab *l, FILE *t, FILE *h)
{
	fprintf(t, "nettrail lab sheet: %s\n\n%s\n\n", l->name, l->summary);
	fprintf(h,
		"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>lab sheet: %s</title>"
		"<style>body{font-family:sans-serif;max-width:70em;margin:2em auto}"
		"td,th{padding:2px 8px;text-align:left}.PASS{color:#070}.FAIL{color:#b00;"
		"font-weight:bold}.NA{color:#777}pre{background:#f4f4f4;padding:8px}"
		"table{border-collapse:collapse}td,th{border:1px solid #ddd}th{background:#f3f3f3}"
		"td.n{text-align:right}.alert{background:#fde2e2;padding:.5em 1em}"
		".note{background:#f6f6f6;padding:.5em 1em}",
		l->name);
	nt_explorer_css(h);
	fprintf(h, "</style></head><body><h1>Lab sheet: %s</h1>", l->name);
	html_toc(h, s);
	fputs("<p>", h);
	html_text(h, l->summary);
}

/* Whether the packets' IP headers were recorded (record --headers), and why not. */
static void sheet_headers(const struct lab_sheet *s, FILE *t, FILE *h)
{
	static const char hdr[] =
		"kprobes " NT_HDRPROBE_SYSTEM " at ip_rcv and ip_output, IPv6 too";

	if (s->rec.headers) {
		fprintf(t, "\nRecorded with the packets' IP headers too (record --headers: %s)",
			hdr);
		fprintf(h, "<br>Recorded with the packets' IP headers too (record --headers: %s)",
			hdr);
		return;
	}
	fputs("\nPacket headers not recorded: ", t);
	fputs("<br>Packet headers not recorded: ", h);
	fputs(s->rec.why, t);
	html_text(h, s->rec.why);
	fputs(" ('nettrail lab --vm' records them in the lab VM, whose kernel has kprobes); "
	      "without them UDP packets have no flow and the flow claims on UDP are N/A",
	      t);
	fputs(" (<code>nettrail lab --vm</code> records them in the lab VM, whose kernel has "
	      "kprobes); without them UDP packets have no flow and the flow claims on UDP are N/A",
	      h);
}

/* What was sent and how it was recorded. */
static void sheet_sent(const struct lab_sheet *s, const struct nt_lab *l, FILE *t, FILE *h)
{
	fputs("</p>\n<h2 id=\"sent\">What was sent (the traffic's own record)</h2><p>", h);
	fputs("What was sent (the traffic's own record):", t);
	for (int i = 0; i < s->nkv; i++) {
		fprintf(t, " %s=%s", s->keys[i], s->vals[i]);
		fprintf(h, "%s=", s->keys[i]);
		html_text(h, s->vals[i]);
		fputs(" ", h);
	}
	if (s->rec.graph) {
		fputs("\nRecorded with function_graph on:", t);
		fputs("</p><p>Recorded with function_graph on:", h);
		for (const struct lab_fn *f = l->fns; f && f->function; f++) {
			fprintf(t, " %s()", f->function);
			fprintf(h, " %s()", f->function);
		}
		fputs("\nand the tracepoints:", t);
		fputs("<br>and the tracepoints:", h);
	} else {
		fputs("\nRecorded with tracepoints only (this kernel has no function_graph tracer; "
		      "'nettrail lab --vm' runs the lab in the lab VM, whose kernel has it):",
		      t);
		fputs("</p><p>Recorded with tracepoints only (this kernel has no function_graph "
		      "tracer; <code>nettrail lab --vm</code> runs the lab in the lab VM, whose "
		      "kernel has it):",
		      h);
	}
	for (const char *const *e = l->events; *e; e++) {
		fprintf(t, " %s", *e);
		fprintf(h, " %s", *e);
	}
	sheet_headers(s, t, h);
}

/* The notes on what the trace shows. */
static void sheet_shows(const struct lab_sheet *s, FILE *t, FILE *h)
{
	fputs("\n\nWhat the trace shows:\n", t);
	fputs("</p>\n<h2 id=\"shows\">What the trace shows</h2><ul>", h);
	for (int i = 0; i < s->nnotes; i++) {
		fprintf(t, "  %s\n", s->notes[i]);
		fputs("<li>", h);
		html_text(h, s->notes[i]);
		fputs("</li>", h);
	}
}

/* The claims, expected against observed. */
static void sheet_claims(const struct lab_sheet *s, FILE *t, FILE *h)
{
	fprintf(t, "\nClaims (expected vs observed):\n");
	fputs("</ul>\n<h2 id=\"claims\">Claims</h2><table id=\"t-claims\"><tr><th>result</th>"
	      "<th>claim</th><th>expected</th>"
	      "<th>observed</th></tr>",
	      h);
	for (int i = 0; i < s->nclaims; i++) {
		const struct claim *c = &s->claims[i];
		const char *v = c->na ? "N/A" : c->ok ? "PASS" : "FAIL";
		if (c->na) {
			fprintf(t, "  %-4s  %-78s not checked: %s\n", v, c->text, c->na);
			fputs("<tr><td class=\"NA\">N/A</td><td>", h);
			html_text(h, c->text);
			fputs("</td><td colspan=\"2\">not checked: ", h);
			html_text(h, c->na);
			fputs("</td></tr>", h);
			continue;
		}
		fprintf(t, "  %s  %-78s expected %s%ld, observed %ld%s%s\n", v, c->text,
			c->ge ? ">= " : "", c->expected, c->observed, c->error ? ": " : "",
			c->error ? c->error : "");
		fprintf(h, "<tr><td class=\"%s\">%s</td><td>", v, v);
		html_text(h, c->text);
		fprintf(h, "</td><td>%s%ld</td><td>%ld", c->ge ? "&ge; " : "", c->expected,
			c->observed);
		if (c->error) {
			fputs(" (", h);
			html_text(h, c->error);
			fputs(")", h);
		}
		fputs("</td></tr>", h);
	}
	fputs("</table>\n", h);
}

/* The path of one packet, if the lab asked for one. */
static void sheet_sample(const struct lab_sheet *s, FILE *t, FILE *h)
{
	if (s->sample_title) {
		fprintf(t, "\nPath of one packet through the stack: %s\n%s", s->sample_title,
			s->sample ? s->sample : "  (no lifecycle found)\n");
		fputs("<h2 id=\"path\">Path of one packet through the stack</h2><p>", h);
		html_text(h, s->sample_title);
		fputs("</p><pre>", h);
		html_text(h, s->sample ? s->sample : "(no lifecycle found)");
		fputs("</pre>\n", h);
	}
}

/* How many claims hold (N/A ones left out). */
static void sheet_result(const struct lab_sheet *s, FILE *t, FILE *h, int failed)
{
	int na = 0;

	for (int i = 0; i < s->nclaims; i++)
		na += s->claims[i].na != NULL;
	fprintf(t, "\nResult: %d of %d claims hold%s", s->nclaims - na - failed, s->nclaims - na,
		failed ? " (FAIL)" : "");
	if (na)
		fprintf(t, "; %d not checkable on this kernel", na);
	fputs("\n", t);
	fprintf(h, "<h2 id=\"result\">Result</h2><p class=\"%s\">%d of %d claims hold",
		failed ? "FAIL" : "PASS", s->nclaims - na - failed, s->nclaims - na);
	if (na)
		fprintf(h, "; %d not checkable on this kernel", na);
	fputs("</p>\n", h);
}

static void write_sheet(struct lab_sheet *s, const struct nt_lab *l, const char *dir, FILE *t,
			FILE *h, int failed)
{
	sheet_head(s, l, t, h);
	sheet_sent(s, l, t, h);
	sheet_shows(s, t, h);
	sheet_claims(s, t, h);
	sheet_sample(s, t, h);
	sheet_explorer(h, s);
	list_figures(dir, t, h);
	sheet_result(s, t, h, failed);
	nt_explorer_script(h);
	fputs("</body></html>\n", h);
}

int nt_lab_sheet(const struct nt_lab *l, sqlite3 *db, const char *dir, long count,
		 const struct nt_lab_rec *rec, int *failed, struct nt_err **err)
{
	struct lab_sheet s;
	char path[4096];
	FILE *t = NULL, *h = NULL;
	int r = 0;

	memset(&s, 0, sizeof(s));
	s.db = db;
	s.rec = *rec;
	*failed = 0;
	read_kv(&s, dir);
	l->check(&s, count);
	if (rec->graph)
		function_claims(&s, l);
	for (int i = 0; i < s.nclaims; i++)
		*failed += !s.claims[i].ok;
	sheet_data(&s);
	snprintf(path, sizeof(path), "%s/lab-sheet.txt", dir);
	t = fopen(path, "w");
	if (t) {
		snprintf(path, sizeof(path), "%s/lab-sheet.html", dir);
		h = fopen(path, "w");
	}
	if (!t || !h) {
		r = nt_err_set(err, nt_err_errno(NT_E_FAIL, errno, "cannot write '%s'", path));
	} else {
		write_sheet(&s, l, dir, t, h, *failed);
		if (ferror(t) || ferror(h))
			r = nt_err_set(err, nt_err_new(NT_E_FAIL, "cannot write the lab sheet"));
	}
	if (t && fclose(t) && !r)
		r = nt_err_set(err, nt_err_errno(NT_E_FAIL, errno, "cannot write the lab sheet"));
	if (h && fclose(h) && !r)
		r = nt_err_set(err, nt_err_errno(NT_E_FAIL, errno, "cannot write the lab sheet"));
	for (int i = 0; i < s.nclaims; i++) {
		free(s.claims[i].text);
		free(s.claims[i].error);
		free(s.claims[i].na);
	}
	for (int i = 0; i < s.nnotes; i++)
		free(s.notes[i]);
	free(s.sample_title);
	free(s.sample);
	free(s.explorer);
	return r;
}

int nt_lab_rec_write(const char *dir, const struct nt_lab_rec *r, struct nt_err **err)
{
	char path[4096], why[sizeof(r->why)];
	FILE *f;
	bool bad;

	snprintf(path, sizeof(path), "%s/record.txt", dir);
	snprintf(why, sizeof(why), "%s", r->why);
	for (char *c = why; *c; c++)
		if (*c == '\n' || *c == '\r')
			*c = ' ';
	f = fopen(path, "w");
	bad = !f || fprintf(f, "graph=%d\nheaders=%d\n", r->graph, r->headers) < 0 ||
	      (!r->headers && fprintf(f, "headers_why=%s\n", why) < 0);
	if (f && fclose(f))
		bad = true;
	if (bad)
		return nt_err_set(err, nt_err_errno(NT_E_FAIL, errno, "cannot write '%s'", path));
	return 0;
}

void nt_lab_rec_read(const char *dir, struct nt_lab_rec *r)
{
	char path[4096], line[512];
	FILE *f;

	memset(r, 0, sizeof(*r));
	snprintf(r->why, sizeof(r->why), "its record.txt does not say that they were");
	snprintf(path, sizeof(path), "%s/record.txt", dir);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strcmp(line, "graph=1"))
			r->graph = true;
		else if (!strcmp(line, "headers=1"))
			r->headers = true;
		else if (!strncmp(line, "headers_why=", 12) && line[12])
			snprintf(r->why, sizeof(r->why), "%.255s", line + 12);
	}
	for (char *c = r->why; *c; c++) /* one line of text: it lands in both sheets */
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	if (f)
		fclose(f);
}
