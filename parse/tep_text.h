/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to parse/: the text sections of a trace (printk formats, kallsyms, saved cmdlines)
 * checked and copied before libtraceevent parses them. libtraceevent (1.7.1) expects
 * NUL-terminated text and, in tep_parse_printk_formats(), lines of the form "ADDRESS : FORMAT":
 * a line without ':' or with nothing after it makes it read past the line, a format shorter
 * than 3 characters (quotes stripped) makes tep_register_print_string() read before its copy.
 * Its event format parser writes through NULL for a "REC->NAME" naming no field of the event
 * when a __print_flags or __print_symbolic came before (in this event or any earlier one: the
 * flag is a global), so every such name is checked first.
 */
#ifndef NT_TEP_TEXT_H
#define NT_TEP_TEXT_H

#include <stdbool.h>
#include <stddef.h>

struct tep_handle;

/* What the check of a printk formats text found. */
struct nt_tep_printk_check {
	size_t lines;	      /* non-empty lines */
	size_t dropped;	      /* lines libtraceevent cannot read safely */
	size_t first_bad;     /* the line number of the first of them, or 0 */
	char first_shown[48]; /* its start, non-printable bytes as '?' */
};

/* @p (@n bytes, up to its first NUL) as a NUL-terminated copy, or NULL without memory. */
char *nt_tep_text_copy(const void *p, size_t n);

/*
 * Check the printk formats text @p (@n bytes, up to its first NUL) line by line into @chk.
 * Returns a NUL-terminated copy holding only the lines libtraceevent reads within bounds
 * (the caller frees), or NULL when out of memory.
 */
char *nt_tep_printk_clean(const void *p, size_t n, struct nt_tep_printk_check *chk);

/*
 * tep_parse_printk_formats() on the clean copy of @p (@n bytes); @chk (may be NULL) says what
 * was left out. Returns 0, or -1 when out of memory.
 */
int nt_tep_printk_parse(struct tep_handle *tep, const void *p, size_t n,
			struct nt_tep_printk_check *chk);

/* What the check of an event format found wrong. */
struct nt_tep_format_check {
	char event[64]; /* the format's "name:", non-printable bytes as '?' */
	char field[64]; /* the first "REC->NAME" naming no field of the format */
};

/*
 * Does every "REC->NAME" of the event format text @p (@n bytes) name a field (common or not)
 * the format defines, as libtraceevent reads its "field:" lines? Returns true, or false with
 * @chk filled. Conservative: quoted text is checked too.
 */
bool nt_tep_format_ok(const void *p, size_t n, struct nt_tep_format_check *chk);

#endif
