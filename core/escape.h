/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Trace strings are data, never code: a comm, a device name or a file name may hold any bytes,
 * and each output writes them in a form that cannot act on its reader (docs/REPORT.md,
 * "Strings from traces").
 *
 * Where a person reads (terminal, text report, CSV, HTML, SVG, gnuplot), one visible notation:
 * every byte of a control character (C0, DEL, a C1 control, a bidirectional override, the
 * Unicode line and paragraph separators) and every byte that is not part of valid UTF-8 is
 * shown as \xNN (two lower-case hex digits); the rest passes unchanged (a literal backslash
 * too, as in cat -v: the exact bytes are in the database and in the JSON). The result is
 * valid UTF-8 without a control character. JSON writes the exact code points instead (\u
 * escapes) and U+FFFD for bytes that are not UTF-8.
 *
 * The output is written as it goes; a NULL string is written as "".
 */
#ifndef NT_ESCAPE_H
#define NT_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Let '\n' through (multi-line text of our own, such as notes), every other control escaped. */
#define NT_ESC_KEEP_NL 1u

/* Write @n bytes of @s in the visible notation (@flags: NT_ESC_KEEP_NL or 0). */
void nt_esc_text_n(FILE *out, const char *s, size_t n, unsigned flags);

/* Write @s in the visible notation. */
void nt_esc_text(FILE *out, const char *s);

/*
 * @s in the visible notation into @buf of @size bytes (@size > 0), NUL-terminated, cut if it
 * does not fit at a character boundary (never inside a UTF-8 sequence or an \xNN). Returns
 * true when the whole of @s fit, false when it was cut.
 */
bool nt_esc_text_buf(char *buf, size_t size, const char *s);

/* @s in the visible notation, newly allocated (free() it); NULL when out of memory. */
char *nt_esc_text_dup(const char *s);

/* HTML and SVG text or attribute value: the visible notation, then & < > " ' as entities. */
void nt_esc_xml(FILE *out, const char *s);

/*
 * A CSV field (RFC 4180): the visible notation; a field that a spreadsheet would read as a
 * formula (it starts with = + - @, TAB or CR; OWASP's CSV injection rule) gets a leading
 * single quote; a field with a comma, a double quote or a formula guard is double-quoted,
 * inner quotes doubled. Only for text: numbers are written as numbers.
 */
void nt_esc_csv(FILE *out, const char *s);

/*
 * A JSON string literal, quotes included: always valid UTF-8 and valid JSON. Control
 * characters, DEL, C1 controls, U+2028/U+2029 and bidirectional overrides as \uXXXX; bytes
 * that are not UTF-8 as \ufffd; < > & as \u003c \u003e \u0026 so the text is safe inside HTML.
 */
void nt_esc_json(FILE *out, const char *s);

/*
 * A string field of a gnuplot data file, quotes included, in the visible notation. gnuplot
 * reads '\' in it as an escape and '"' as its end (it has no escaped quote): a backslash is
 * written doubled (shown as one) and a double quote as \\x22 (shown as \x22).
 */
void nt_esc_gnuplot_data(FILE *out, const char *s);

/* A single-quoted gnuplot script string (nothing expands in it): the visible notation, ' as ''. */
void nt_esc_gnuplot_str(FILE *out, const char *s);

#endif
