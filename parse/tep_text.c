/* SPDX-License-Identifier: GPL-2.0 */
/* Text sections checked and copied before libtraceevent parses them (see tep_text.h). */
#include "tep_text.h"

#include <stdbool.h>
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
