/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to parse/: the columns of a libtraceevent event format and their values, shared by
 * the trace.dat and perf.data readers so a tracepoint's fields are stored the same way from
 * either file. Symbolic fields (__print_symbolic/__print_flags) get a "<field>_sym" column
 * decoded from the format's own tables, %pS fields the kernel symbol from the trace's kallsyms.
 */
#ifndef NT_TEP_FIELDS_H
#define NT_TEP_FIELDS_H

#include <stdbool.h>

#include "../core/event.h"

struct tep_handle;
struct tep_event;
struct nt_tep_col; /* private to tep_fields.c */

enum nt_tep_opts {
	NT_TEP_COMMON = 1 << 0, /* columns for the common_* fields too, first; with NT_TEP_CTF
				 * not common_type (nt_ctf_perf_dropped) */
	NT_TEP_CTF = 1 << 1,	/* as perf's CTF conversion gave them: flags, \xNN in strings */
};

/* The columns of one event format. Transparent inside parse/. */
struct nt_tep_cols {
	unsigned ncols;
	struct nt_tep_col *cols; /* owned */
	unsigned ndefs;
	struct nt_field_def *defs; /* owned: one per column, plus each "<field>_sym" column */
	char **names;		   /* owned: the "_sym" names defs point to */
	bool ctf;		   /* NT_TEP_CTF */
	bool ksym;		   /* a column is resolved through kallsyms */
};

/*
 * Fill @c with the columns of @ev (@opts: enum nt_tep_opts). Field names point into @ev,
 * which must outlive @c. Returns 0, or -1 when out of memory (release @c either way).
 */
int nt_tep_cols_init(struct nt_tep_cols *c, struct tep_event *ev, unsigned opts);

/* Release what @c owns. Accepts a zeroed @c. */
void nt_tep_cols_release(struct nt_tep_cols *c);

/*
 * Append one value per definition of @c (c->ndefs of them) for the record @data of @size
 * bytes to the event being built in @b. A field the record is too short for is NULL.
 */
void nt_tep_cols_put(struct tep_handle *tep, const struct nt_tep_cols *c, struct nt_batch *b,
		     const void *data, int size, const char *graph_caller);

/* The format of @ev as text (field declarations and print format); the caller frees it. */
char *nt_tep_format_text(struct tep_event *ev);

#endif
