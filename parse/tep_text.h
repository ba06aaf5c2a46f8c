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
	char field[64]; /* the first "REC->NAME" naming no field of the format, or "" */
	char why[160];	/* what is wrong, after "the format of event E ...": "prints field ..." */
};

/*
 * Can libtraceevent 1.7.1 parse the event format text @p (@n bytes) without crashing? Checks
 * that every "REC->NAME" names a field (common or not) the format defines, as libtraceevent
 * reads its "field:" lines (conservative: quoted text is checked too), and that no '[' is
 * followed, after spaces, by the end of the text or a byte that is not printable (its
 * tokenizer then returns no token, which event_read_fields() passes to strcmp), and that no
 * '/' or '%' of the print fmt's arguments has a right operand that may be 0 when libtraceevent
 * folds two constants (consolidate_op_arg() divides; a name there reads as 0): the end, a
 * literal 0, a name other than REC and sizeof. Returns true, or false with @chk filled.
 */
bool nt_tep_format_ok(const void *p, size_t n, struct nt_tep_format_check *chk);

#endif
