/* SPDX-License-Identifier: GPL-2.0 */
/* Escaping trace strings for each output: one walk over UTF-8, one visible notation. */
#include "escape.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum unit { U_PASS, U_CTRL, U_BAD };

/* Length of the valid UTF-8 sequence (RFC 3629) at @p, of @n bytes; 0 when none starts. */
static size_t utf8_seq(const unsigned char *p, size_t n, uint32_t *cp)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t len;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0; /* a continuation byte, an overlong lead (C0, C1) or past U+10FFFF */
	if (n < len)
		return 0;
	if (c == 0xe0)
		lo = 0xa0; /* overlong */
	else if (c == 0xed)
		hi = 0x9f; /* surrogates */
	else if (c == 0xf0)
		lo = 0x90; /* overlong */
	else if (c == 0xf4)
		hi = 0x8f; /* past U+10FFFF */
	if (p[1] < lo || p[1] > hi)
		return 0;
	*cp = c & (0xff >> (len + 1));
	for (size_t i = 1; i < len; i++) {
		if (i > 1 && (p[i] & 0xc0) != 0x80)
			return 0;
		*cp = *cp << 6 | (p[i] & 0x3f);
	}
	return len;
}

/* Code points that act on a reader: controls, separators, bidirectional overrides. */
static bool is_control(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c < 0xa0) || c == 0x2028 || c == 0x2029 ||
	       (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

/* The next unit of @p (@n > 0 bytes): its length, its kind and its code point. */
static size_t next_unit(const unsigned char *p, size_t n, enum unit *k, uint32_t *cp)
{
	size_t len = utf8_seq(p, n, cp);

	if (!len) {
		*k = U_BAD;
		*cp = p[0];
		return 1;
	}
	*k = is_control(*cp) ? U_CTRL : U_PASS;
	return len;
}

/*
 * The visible form of the next unit of @p into @out (at most 16 bytes): its length. *@used
 * receives how many bytes of @p it stands for.
 */
static size_t visible(const unsigned char *p, size_t n, unsigned flags, char out[16], size_t *used)
{
	static const char hex[] = "0123456789abcdef";
	enum unit k;
	uint32_t cp;
	size_t len = next_unit(p, n, &k, &cp), o = 0;

	*used = len;
	if (k == U_PASS || (cp == '\n' && (flags & NT_ESC_KEEP_NL))) {
		memcpy(out, p, len);
		return len;
	}
	for (size_t i = 0; i < len; i++) {
		out[o++] = '\\';
		out[o++] = 'x';
		out[o++] = hex[p[i] >> 4];
		out[o++] = hex[p[i] & 15];
	}
	return o;
}

void nt_esc_text_n(FILE *out, const char *s, size_t n, unsigned flags)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	char b[16];

	for (size_t at = 0, used; at < n; at += used)
		fwrite(b, 1, visible(p + at, n - at, flags, b, &used), out);
}

void nt_esc_text(FILE *out, const char *s)
{
	nt_esc_text_n(out, s, s ? strlen(s) : 0, 0);
}

bool nt_esc_text_buf(char *buf, size_t size, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p), o = 0, at = 0;
	char b[16];

	for (size_t used, len; at < n; at += used) {
		len = visible(p + at, n - at, 0, b, &used);
		if (o + len + 1 > size)
			break;
		memcpy(buf + o, b, len);
		o += len;
	}
	buf[o] = '\0';
	return at >= n;
}

char *nt_esc_text_dup(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	char *r = malloc(n * 4 + 1); /* every byte may become \xNN */

	if (r)
		nt_esc_text_buf(r, n * 4 + 1, s);
	return r;
}

void nt_esc_xml(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p);
	char b[16];

	for (size_t at = 0, used, len; at < n; at += used) {
		len = visible(p + at, n - at, 0, b, &used);
		if (len == 1 && strchr("<>&\"'", b[0]))
			fputs(b[0] == '<'   ? "&lt;"
			      : b[0] == '>' ? "&gt;"
			      : b[0] == '&' ? "&amp;"
			      : b[0] == '"' ? "&quot;"
					    : "&#39;",
			      out);
		else
			fwrite(b, 1, len, out);
	}
}

void nt_esc_csv(FILE *out, const char *s)
{
	char *v = nt_esc_text_dup(s);
	bool formula, quote;

	if (!v)
		return; /* out of memory: an empty field rather than a raw one */
	formula = *v && strchr("=+-@\t\r", *v);
	quote = formula || strpbrk(v, ",\"\n\r");
	if (quote)
		fputc('"', out);
	if (formula)
		fputc('\'', out);
	for (const char *c = v; *c; c++) {
		if (*c == '"')
			fputc('"', out);
		fputc(*c, out);
	}
	if (quote)
		fputc('"', out);
	free(v);
}

void nt_esc_json(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p);
	enum unit k;
	uint32_t cp;

	fputc('"', out);
	for (size_t at = 0, len; at < n; at += len) {
		len = next_unit(p + at, n - at, &k, &cp);
		if (k == U_BAD)
			fputs("\\ufffd", out);
		else if (cp == '\n' || cp == '\t' || cp == '\r')
			fputs(cp == '\n' ? "\\n" : cp == '\t' ? "\\t" : "\\r", out);
		else if (cp == '"' || cp == '\\')
			fprintf(out, "\\%c", (char)cp);
		else if (k == U_CTRL || cp == '<' || cp == '>' || cp == '&')
			fprintf(out, "\\u%04x", (unsigned)cp);
		else
			fwrite(p + at, 1, len, out);
	}
	fputc('"', out);
}

void nt_esc_gnuplot_data(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p);
	char b[16];

	fputc('"', out);
	for (size_t at = 0, used, len; at < n; at += used) {
		len = visible(p + at, n - at, 0, b, &used);
		for (size_t i = 0; i < len; i++)
			if (b[i] == '\\')
				fputs("\\\\", out);
			else if (b[i] == '"')
				fputs("\\\\x22", out);
			else
				fputc(b[i], out);
	}
	fputc('"', out);
}

void nt_esc_gnuplot_str(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p);
	char b[16];

	fputc('\'', out);
	for (size_t at = 0, used, len; at < n; at += used) {
		len = visible(p + at, n - at, 0, b, &used);
		for (size_t i = 0; i < len; i++) {
			if (b[i] == '\'')
				fputc('\'', out);
			fputc(b[i], out);
		}
	}
	fputc('\'', out);
}
