/* SPDX-License-Identifier: GPL-2.0 */
/* Text sections checked and copied before libtraceevent parses them (see tep_text.h). */
#include "tep_text.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <traceevent/event-parse.h>

char *nt_tep_text_copy(const void *p, size_t n)
{
	const char *z = n ? memchr(p, 0, n) : NULL;
	char *s;

	if (z)
		n = (size_t)(z - (const char *)p);
	s = malloc(n + 1);
	if (s) {
		if (n)
			memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

/*
 * Does libtraceevent read the line @l (@n bytes, no newline) within bounds? It splits at the
 * first ':' after any leading ones, skips one byte after it, strips a leading '"' and then
 * looks 3 bytes back from the end.
 */
static bool printk_line_ok(const char *l, size_t n)
{
	size_t i = 0, rest;

	while (i < n && l[i] == ':')
		i++;
	while (i < n && l[i] != ':')
		i++;
	if (i + 2 > n) /* no ':', or nothing after it */
		return false;
	i += 2;
	if (i < n && l[i] == '"')
		i++;
	rest = n - i;
	return rest >= 3;
}

static void show(char *out, size_t size, const char *l, size_t n)
{
	size_t k = 0;

	for (; k < n && k + 1 < size; k++)
		out[k] = l[k] >= 0x20 && l[k] < 0x7f ? l[k] : '?';
	out[k] = '\0';
}

char *nt_tep_printk_clean(const void *p, size_t n, struct nt_tep_printk_check *chk)
{
	char *in = nt_tep_text_copy(p, n), *out, *w;
	const char *l, *e;
	size_t lineno = 0;

	memset(chk, 0, sizeof(*chk));
	if (!in)
		return NULL;
	out = w = malloc(strlen(in) + 2); /* a newline after the last line, then NUL */
	for (l = in; out && *l; l = *e ? e + 1 : e) {
		e = strchrnul(l, '\n');
		lineno++;
		if (e == l)
			continue;
		chk->lines++;
		if (printk_line_ok(l, (size_t)(e - l))) {
			memcpy(w, l, (size_t)(e - l));
			w += e - l;
			*w++ = '\n';
		} else if (!chk->dropped++) {
			chk->first_bad = lineno;
			show(chk->first_shown, sizeof(chk->first_shown), l, (size_t)(e - l));
		}
	}
	if (out)
		*w = '\0';
	free(in);
	return out;
}

int nt_tep_printk_parse(struct tep_handle *tep, const void *p, size_t n,
			struct nt_tep_printk_check *chk)
{
	struct nt_tep_printk_check own;
	char *text = nt_tep_printk_clean(p, n, chk ? chk : &own);

	if (!text)
		return -1;
	if (*text)
		tep_parse_printk_formats(tep, text);
	free(text);
	return 0;
}

/* libtraceevent's tokens: an item is a run of alnum or '_'; spaces are isspace() but '\n'. */
static bool is_item(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Past the spaces of [p, e). */
static const char *spaces(const char *p, const char *e)
{
	while (p < e && is_space(*p))
		p++;
	return p;
}

/* Past the item at p (p itself when none). */
static const char *item(const char *p, const char *e)
{
	while (p < e && is_item(*p))
		p++;
	return p;
}

static bool word_is(const char *p, const char *q, const char *w)
{
	return (size_t)(q - p) == strlen(w) && !memcmp(p, w, (size_t)(q - p));
}

/*
 * The name libtraceevent gives the field of the line [p, e) ("field[ special]: TYPE NAME..."):
 * the last of the items, '*' and '.' after the ':' when it is an item after a type, or the item
 * after "[...]". Returns its length (0 for none, also where libtraceevent may differ) and its
 * start in *name.
 */
static size_t field_name(const char *p, const char *e, const char **name)
{
	const char *q, *last = NULL, *lastend = NULL;
	int tokens = 0;

	p = spaces(p, e);
	q = item(p, e);
	if (!word_is(p, q, "field"))
		return 0;
	p = spaces(q, e);
	q = item(p, e);
	if (word_is(p, q, "special"))
		p = spaces(q, e);
	if (p == e || *p != ':')
		return 0;
	for (p = spaces(p + 1, e); p < e; p = spaces(p, e)) {
		q = is_item(*p) ? item(p, e) : p + 1;
		if (q == p + 1 && !is_item(*p) && *p != '*' && *p != '.')
			break;
		last = p;
		lastend = q;
		tokens++;
		p = q;
	}
	if (tokens < 2 || !is_item(*last) || (p < e && *p == '(')) /* or __attribute__((...)) */
		return 0;
	if (p < e && *p == '[') { /* "TYPE NAME[N]" or "TYPE[] NAME" */
		const char *r = memchr(p, ']', (size_t)(e - p));
		if (!r)
			return 0;
		p = spaces(r + 1, e);
		if (p < e && is_item(*p)) {
			last = p;
			lastend = item(p, e);
		}
	}
	*name = last;
	return (size_t)(lastend - last);
}

/* Is [n, n + len) the name of a "field" line of [p, e)? */
static bool has_field(const char *p, const char *e, const char *n, size_t len)
{
	for (const char *l = p, *le; l < e; l = le + 1) {
		const char *f;
		size_t fl;

		le = memchr(l, '\n', (size_t)(e - l));
		if (!le)
			le = e;
		fl = field_name(l, le, &f);
		if (fl == len && !memcmp(f, n, len))
			return true;
		if (le == e)
			break;
	}
	return false;
}

static void format_name(struct nt_tep_format_check *chk, const char *p, const char *e)
{
	const char *n = p;

	while (n < e && (n = memchr(n, 'n', (size_t)(e - n))) && (size_t)(e - n) >= 5 &&
	       (memcmp(n, "name:", 5) || (n > p && n[-1] != '\n')))
		n++;
	if (!n || (size_t)(e - n) < 5) {
		show(chk->event, sizeof(chk->event), "?", 1);
		return;
	}
	n = spaces(n + 5, e);
	const char *nl = memchr(n, '\n', (size_t)(e - n));
	show(chk->event, sizeof(chk->event), n, (size_t)((nl ? nl : e) - n));
}

/* A '[' that libtraceevent's tokenizer finds no token after (tep_text.h), or NULL. */
static const char *bracket_at_end(const char *p, const char *e)
{
	for (const char *b = p; (b = memchr(b, '[', (size_t)(e - b))); b++) {
		const char *c = b + 1;

		while (c < e && (*c == ' ' || *c == '\t' || *c == '\v' || *c == '\f' || *c == '\r'))
			c++;
		if (c == e || (*c != '\n' && (*c < 0x20 || *c > 0x7e)))
			return b;
	}
	return NULL;
}

/*
 * A '/' or '%' in the print fmt's arguments (outside quotes) whose right operand may fold to 0
 * (tep_text.h): the end, a literal of value 0, or a name other than REC and sizeof. NULL if none.
 */
static const char *zero_divisor(const char *p, const char *e)
{
	static const char mark[] = "print fmt:";
	const char *r;

	for (; p + sizeof(mark) - 1 <= e && memcmp(p, mark, sizeof(mark) - 1); p++)
		;
	for (; p < e; p++) {
		if (*p == '"' || *p == '\'') {
			for (r = p + 1; r < e && *r != *p; r++)
				r += *r == '\\';
			p = r < e ? r : e - 1;
			continue;
		}
		if (*p != '/' && *p != '%')
			continue;
		for (r = p + 1; r < e && (is_space(*r) || *r == '\n'); r++)
			;
		if (r == e)
			return p;
		if (*r >= '0' && *r <= '9') {
			char lit[32];
			size_t n = (size_t)(item(r, e) - r);

			snprintf(lit, sizeof(lit), "%.*s", (int)(n < 31 ? n : 31), r);
			if (!strtoull(lit, NULL, 0))
				return p;
		} else if (is_item(*r) && !word_is(r, item(r, e), "REC") &&
			   !word_is(r, item(r, e), "sizeof")) {
			return p;
		}
	}
	return NULL;
}

bool nt_tep_format_ok(const void *text, size_t n, struct nt_tep_format_check *chk)
{
	const char *p = text, *e = p + n, *q;

	memset(chk, 0, sizeof(*chk));
	if ((q = bracket_at_end(p, e))) {
		format_name(chk, p, e);
		snprintf(chk->why, sizeof(chk->why),
			 "has a '[' at byte %zu followed by no token (its end or a "
			 "non-printable byte)",
			 (size_t)(q - p));
		return false;
	}
	if ((q = zero_divisor(p, e))) {
		format_name(chk, p, e);
		snprintf(chk->why, sizeof(chk->why),
			 "divides by a constant that may be 0 at byte %zu", (size_t)(q - p));
		return false;
	}
	for (const char *r = p; r < e; r = q) {
		const char *f, *fe;

		q = is_item(*r) ? item(r, e) : r + 1;
		if (!word_is(r, q, "REC") || (r > p && is_item(r[-1])))
			continue;
		/* read_token_item() skips newlines too */
		for (f = q; f < e && (is_space(*f) || *f == '\n'); f++)
			;
		if (e - f < 2 || f[0] != '-' || f[1] != '>')
			continue;
		for (f += 2; f < e && (is_space(*f) || *f == '\n'); f++)
			;
		fe = item(f, e);
		if (fe == f || has_field(p, e, f, (size_t)(fe - f)))
			continue;
		format_name(chk, p, e);
		show(chk->field, sizeof(chk->field), f, (size_t)(fe - f));
		snprintf(chk->why, sizeof(chk->why),
			 "prints field '%s', which the format does not define", chk->field);
		return false;
	}
	return true;
}
