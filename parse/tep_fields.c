/* SPDX-License-Identifier: GPL-2.0 */
/* Columns of a libtraceevent event format and their values (see tep_fields.h). */
#include "tep_fields.h"
#include "ctf.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <traceevent/event-parse.h>

struct symtab {
	unsigned n;
	int64_t *val;
	char **str; /* weak: owned by the tep print args */
	bool flags; /* __print_flags: decode as a '|' list */
	const char *delim;
};

enum col_kind { C_INT, C_STR, C_DYNSTR, C_BLOB, C_DYNBLOB };

struct nt_tep_col {
	const struct tep_format_field *f; /* weak */
	enum col_kind kind;
	int offset, size;
	bool is_signed, relative;
	struct symtab *sym; /* owned, or NULL */
	bool ksym;	    /* printed with %pS: add the kernel symbol */
};

/* ---- print-format analysis ---- */

static const struct tep_print_arg *unwrap(const struct tep_print_arg *a)
{
	while (a && a->type == TEP_PRINT_TYPE)
		a = a->typecast.item;
	return a;
}

static struct nt_tep_col *col_by_name(struct nt_tep_cols *c, const char *name)
{
	for (unsigned i = 0; i < c->ncols; i++)
		if (!strcmp(c->cols[i].f->name, name))
			return &c->cols[i];
	return NULL;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static struct symtab *symtab_new(const struct tep_print_flag_sym *list, bool flags,
				 const char *delim)
{
	struct symtab *t = calloc(1, sizeof(*t));
	unsigned n = 0, i;
	const struct tep_print_flag_sym *s;

	if (!t)
		return NULL;
	for (s = list; s; s = s->next)
		n++;
	t->val = calloc(n ? n : 1, sizeof(*t->val));
	t->str = calloc(n ? n : 1, sizeof(*t->str));
	if (!t->val || !t->str) {
		free(t->val);
		free(t->str);
		free(t);
		return NULL;
	}
	for (s = list; s; s = s->next) {
		char *end;
		long long v;

		errno = 0;
		v = strtoll(s->value, &end, 0);
		if (errno == ERANGE)
			v = (long long)strtoull(s->value, &end, 0);
		if (end == s->value || *end)
			continue; /* an expression we cannot evaluate: leave it out */
		t->val[t->n] = v;
		t->str[t->n] = s->str;
		t->n++;
	}
	t->flags = flags;
	t->delim = delim ? delim : "|";
	if (!flags) {
		/* sort by value, keeping the strings paired */
		int64_t *v2 = malloc(t->n * sizeof(*v2) + 1);
		char **s2 = malloc(t->n * sizeof(*s2) + 1);
		if (v2 && s2) {
			memcpy(v2, t->val, t->n * sizeof(*v2));
			qsort(v2, t->n, sizeof(*v2), cmp_i64);
			for (i = 0; i < t->n; i++)
				for (unsigned j = 0; j < t->n; j++)
					if (t->val[j] == v2[i]) {
						s2[i] = t->str[j];
						break;
					}
			free(t->val);
			free(t->str);
			t->val = v2;
			t->str = s2;
		} else {
			free(v2);
			free(s2);
		}
	}
	return t;
}

static void symtab_free(struct symtab *t)
{
	if (!t)
		return;
	free(t->val);
	free(t->str);
	free(t);
}

/* Find symbolic/flags args naming a plain field, anywhere in the argument tree. */
static void scan_symbolic(struct nt_tep_cols *c, const struct tep_print_arg *a)
{
	for (; a; a = a->next) {
		const struct tep_print_arg *f = NULL;
		struct nt_tep_col *col;

		switch (a->type) {
		case TEP_PRINT_SYMBOL:
			f = unwrap(a->symbol.field);
			if (f && f->type == TEP_PRINT_FIELD &&
			    (col = col_by_name(c, f->field.name)) && col->kind == C_INT &&
			    !col->sym)
				col->sym = symtab_new(a->symbol.symbols, false, NULL);
			break;
		case TEP_PRINT_FLAGS:
			f = unwrap(a->flags.field);
			if (f && f->type == TEP_PRINT_FIELD &&
			    (col = col_by_name(c, f->field.name)) && col->kind == C_INT &&
			    !col->sym)
				col->sym = symtab_new(a->flags.flags, true, a->flags.delim);
			break;
		case TEP_PRINT_TYPE:
			scan_symbolic(c, a->typecast.item);
			break;
		case TEP_PRINT_OP:
			scan_symbolic(c, a->op.left);
			scan_symbolic(c, a->op.right);
			break;
		default:
			break;
		}
	}
}

/* Mark fields printed with %pS/%ps/%pF/%pf: they are kernel text addresses. */
static void scan_ksyms(struct nt_tep_cols *c, const struct tep_print_fmt *pf)
{
	const char *p = pf->format;
	const struct tep_print_arg *a = pf->args;

	if (!p)
		return;
	while (*p && a) {
		if (*p++ != '%')
			continue;
		if (*p == '%') {
			p++;
			continue;
		}
		while (*p && strchr("#0- +'", *p))
			p++;
		if (*p == '*') {
			a = a->next; /* the width is an argument */
			p++;
		}
		while (*p >= '0' && *p <= '9')
			p++;
		if (*p == '.') {
			p++;
			if (*p == '*') {
				a = a ? a->next : NULL;
				p++;
			}
			while (*p >= '0' && *p <= '9')
				p++;
		}
		while (*p && strchr("hlLqjzZt", *p))
			p++;
		if (!a)
			break;
		if (*p == 'p' && p[1] && strchr("SsFfB", p[1])) {
			const struct tep_print_arg *f = unwrap(a);
			struct nt_tep_col *col;
			if (f && f->type == TEP_PRINT_FIELD &&
			    (col = col_by_name(c, f->field.name)) && col->kind == C_INT)
				col->ksym = true;
		}
		if (*p)
			p++;
		a = a->next;
	}
}

char *nt_tep_format_text(struct tep_event *ev)
{
	/* A compact description: the field declarations and the print format. */
	struct tep_format_field *f;
	size_t n = 64 + (ev->print_fmt.format ? strlen(ev->print_fmt.format) : 0), at = 0;
	char *s;

	for (f = ev->format.fields; f; f = f->next)
		n += strlen(f->type) + strlen(f->name) + 64;
	s = malloc(n);
	if (!s)
		return NULL;
	for (f = ev->format.fields; f; f = f->next)
		at += (size_t)snprintf(
			s + at, n - at, "field:%s %s;\toffset:%d;\tsize:%d;\tsigned:%d;\n", f->type,
			f->name, f->offset, f->size, (f->flags & TEP_FIELD_IS_SIGNED) ? 1 : 0);
	snprintf(s + at, n - at, "print fmt: \"%s\"\n",
		 ev->print_fmt.format ? ev->print_fmt.format : "");
	return s;
}

/* ---- values ---- */

static const char *sym_lookup(const struct symtab *t, int64_t v)
{
	unsigned lo = 0, hi = t->n;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		if (t->val[mid] == v)
			return t->str[mid];
		if (t->val[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void put_flags(struct nt_batch *b, const struct symtab *t, uint64_t v)
{
	char buf[1024];
	size_t at = 0, dl = strlen(t->delim);

	if (!v) { /* only a flag whose value is 0 names 0 */
		for (unsigned i = 0; i < t->n; i++)
			if (!t->val[i]) {
				nt_batch_text(b, t->str[i], strlen(t->str[i]));
				return;
			}
		nt_batch_text(b, "0", 1);
		return;
	}
	for (unsigned i = 0; i < t->n && v; i++) {
		uint64_t fv = (uint64_t)t->val[i];
		size_t l = strlen(t->str[i]);

		if (!fv || (v & fv) != fv)
			continue;
		if (at + l + dl + 1 >= sizeof(buf))
			break;
		if (at) {
			memcpy(buf + at, t->delim, dl);
			at += dl;
		}
		memcpy(buf + at, t->str[i], l);
		at += l;
		v &= ~fv;
	}
	if (v && at + 24 < sizeof(buf))
		at += (size_t)snprintf(buf + at, sizeof(buf) - at, "%s0x%" PRIx64,
				       at ? t->delim : "", v);
	nt_batch_text(b, buf, at);
}

/*
 * A string as perf's CTF conversion stored it: each byte that is not printable ASCII as
 * "\xNN" (perf's string_set_value()).
 */
static void put_escaped(struct nt_batch *b, const char *s, size_t n)
{
	char buf[1024];
	size_t at = 0;

	for (size_t i = 0; i < n && at + 5 < sizeof(buf); i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch >= 0x20 && ch < 0x7f)
			buf[at++] = (char)ch;
		else
			at += (size_t)snprintf(buf + at, sizeof(buf) - at, "\\x%02x", ch);
	}
	nt_batch_text(b, buf, at);
}

static void put_text(struct nt_batch *b, const char *s, size_t n, bool ctf)
{
	if (ctf)
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f) {
				put_escaped(b, s, n);
				return;
			}
	nt_batch_text(b, s, n);
}

/* The kernel symbol of the address @u (function_graph's trampoline: the traced caller). */
static void put_ksym(struct tep_handle *tep, struct nt_batch *b, uint64_t u,
		     const char *graph_caller)
{
	const char *name = NULL;
	unsigned long long start = 0;
	unsigned long fsize = 0;
	char buf[512];
	int n;

	if (!u || !tep_find_function_info(tep, u, &name, &start, &fsize) || !name) {
		nt_batch_null(b);
		return;
	}
	/* function_graph's trampoline stands in for a return address: the traced caller is
	 * the place */
	if (graph_caller && !strcmp(name, "return_to_handler"))
		n = snprintf(buf, sizeof(buf), "%s", graph_caller);
	else if (u == start)
		n = snprintf(buf, sizeof(buf), "%s", name);
	else
		n = snprintf(buf, sizeof(buf), "%s+0x%llx", name, u - start);
	nt_batch_text(b, buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* An integer column, and its _sym column when it has one. */
static void put_int(struct tep_handle *tep, struct nt_batch *b, const struct nt_tep_col *col,
		    const unsigned char *data, int size, const char *graph_caller)
{
	uint64_t u;
	int64_t v;

	if (col->offset + col->size > size) {
		nt_batch_null(b);
		if (col->sym || col->ksym)
			nt_batch_null(b);
		return;
	}
	u = tep_read_number(tep, data + col->offset, col->size);
	if (col->is_signed && col->size < 8) {
		int sh = 64 - 8 * col->size;
		v = (int64_t)(u << sh) >> sh;
	} else {
		v = (int64_t)u;
	}
	nt_batch_int(b, v);
	if (col->sym && col->sym->flags) {
		put_flags(b, col->sym, u);
	} else if (col->sym) {
		const char *s = sym_lookup(col->sym, v);
		if (s)
			nt_batch_text(b, s, strlen(s));
		else
			nt_batch_null(b);
	} else if (col->ksym) {
		put_ksym(tep, b, u, graph_caller);
	}
}

/* A __data_loc (or __rel_loc) string or array. */
static void put_dyn(struct tep_handle *tep, struct nt_batch *b, const struct nt_tep_col *col,
		    const unsigned char *data, int size, bool ctf)
{
	uint32_t loc;
	unsigned off, len;

	if (col->offset + 4 > size) {
		nt_batch_null(b);
		return;
	}
	loc = (uint32_t)tep_read_number(tep, data + col->offset, 4);
	off = loc & 0xffff;
	len = loc >> 16;
	if (col->relative)
		off += (unsigned)(col->offset + col->size);
	if ((int)(off + len) > size) {
		nt_batch_null(b);
		return;
	}
	if (col->kind == C_DYNSTR)
		put_text(b, (const char *)data + off, strnlen((const char *)data + off, len), ctf);
	else
		nt_batch_blob(b, data + off, len);
}

static void put_col(struct tep_handle *tep, struct nt_batch *b, const struct nt_tep_col *col,
		    const unsigned char *data, int size, bool ctf, const char *graph_caller)
{
	switch (col->kind) {
	case C_INT:
		put_int(tep, b, col, data, size, graph_caller);
		return;
	case C_STR:
	case C_BLOB:
		if (col->offset + col->size > size) {
			nt_batch_null(b);
			return;
		}
		if (col->kind == C_STR)
			put_text(b, (const char *)data + col->offset,
				 strnlen((const char *)data + col->offset, (size_t)col->size), ctf);
		else
			nt_batch_blob(b, data + col->offset, (size_t)col->size);
		return;
	case C_DYNSTR:
	case C_DYNBLOB:
		put_dyn(tep, b, col, data, size, ctf);
		return;
	}
}

void nt_tep_cols_put(struct tep_handle *tep, const struct nt_tep_cols *c, struct nt_batch *b,
		     const void *data, int size, const char *graph_caller)
{
	for (unsigned i = 0; i < c->ncols; i++)
		put_col(tep, b, &c->cols[i], data, size, c->ctf, graph_caller);
}

/* ---- columns ---- */

/*
 * libtraceevent takes every array of 1-byte integers for a string; only char arrays are
 * (comm, name). __u8/u8/unsigned char arrays are bytes: the tcp and sock events' addresses.
 */
static bool byte_array(const struct tep_format_field *f)
{
	const char *t = f->type;

	if (!t || !(f->flags & TEP_FIELD_IS_ARRAY))
		return false;
	if (!strncmp(t, "const ", 6))
		t += 6;
	static const char *const bytes[] = {"__u8", "u8", "unsigned char", "__s8", "s8", "uint8_t"};

	for (size_t i = 0; i < sizeof(bytes) / sizeof(bytes[0]); i++) {
		size_t n = strlen(bytes[i]);
		if (!strncmp(t, bytes[i], n) && (t[n] == ' ' || t[n] == '[' || !t[n]))
			return true;
	}
	return false;
}

static void col_init(struct nt_tep_col *col, const struct tep_format_field *f)
{
	unsigned long fl = f->flags;

	col->f = f;
	col->offset = f->offset;
	col->size = f->size;
	col->is_signed = fl & TEP_FIELD_IS_SIGNED;
	col->relative = fl & TEP_FIELD_IS_RELATIVE;
	if (fl & TEP_FIELD_IS_DYNAMIC)
		col->kind = (fl & TEP_FIELD_IS_STRING) ? C_DYNSTR : C_DYNBLOB;
	else if ((fl & TEP_FIELD_IS_STRING) && byte_array(f))
		col->kind = C_BLOB; /* addresses (__u8 saddr[4]): zero bytes are data */
	else if (fl & TEP_FIELD_IS_STRING)
		col->kind = C_STR;
	else if ((fl & TEP_FIELD_IS_ARRAY) ||
		 !(f->size == 1 || f->size == 2 || f->size == 4 || f->size == 8))
		col->kind = C_BLOB;
	else
		col->kind = C_INT;
}

/* The flags of @col's column: as trace.dat imports store them, or as perf's CTF gives them. */
static unsigned col_flags(const struct nt_tep_col *col, bool ctf)
{
	unsigned long fl = col->f->flags;

	if (!ctf)
		return (col->is_signed ? NT_FIELD_SIGNED : 0) |
		       ((fl & TEP_FIELD_IS_POINTER) ? NT_FIELD_POINTER : 0) |
		       ((fl & TEP_FIELD_IS_ARRAY) ? NT_FIELD_ARRAY : 0);
	/* perf's data-convert-bt: unsigned longs and pointers are 64-bit hex (pointers) */
	switch (col->kind) {
	case C_INT:
		if (col->is_signed)
			return NT_FIELD_SIGNED;
		return (fl & (TEP_FIELD_IS_LONG | TEP_FIELD_IS_POINTER)) ? NT_FIELD_POINTER : 0;
	case C_BLOB:
	case C_DYNBLOB:
		return NT_FIELD_ARRAY;
	default:
		return 0;
	}
}

static bool common_kept(const struct tep_format_field *f, unsigned opts)
{
	return !(opts & NT_TEP_CTF) || !nt_ctf_perf_dropped(f->name);
}

int nt_tep_cols_init(struct nt_tep_cols *c, struct tep_event *ev, unsigned opts)
{
	struct tep_format_field *f;
	unsigned n = 0, i;

	memset(c, 0, sizeof(*c));
	c->ctf = opts & NT_TEP_CTF;
	if (opts & NT_TEP_COMMON)
		for (f = ev->format.common_fields; f; f = f->next)
			n += common_kept(f, opts);
	for (f = ev->format.fields; f; f = f->next)
		n++;
	c->cols = calloc(n ? n : 1, sizeof(*c->cols));
	c->defs = calloc(n * 2 + 1, sizeof(*c->defs));
	c->names = calloc(n + 1, sizeof(*c->names));
	if (!c->cols || !c->defs || !c->names)
		return -1;
	if (opts & NT_TEP_COMMON)
		for (f = ev->format.common_fields; f; f = f->next)
			if (common_kept(f, opts))
				col_init(&c->cols[c->ncols++], f);
	for (f = ev->format.fields; f; f = f->next)
		col_init(&c->cols[c->ncols++], f);
	scan_symbolic(c, ev->print_fmt.args);
	scan_ksyms(c, &ev->print_fmt);
	/* code addresses that some kernels print with a bare %p (6.1's kfree_skb location):
	 * resolved all the same, as trace-cmd's kmem plugin resolves call_site */
	for (i = 0; i < c->ncols; i++) {
		struct nt_tep_col *col = &c->cols[i];
		if (col->kind == C_INT && (col->f->flags & TEP_FIELD_IS_POINTER) &&
		    (!strcmp(col->f->name, "location") || !strcmp(col->f->name, "call_site")))
			col->ksym = true;
	}
	for (i = 0; i < c->ncols; i++) {
		struct nt_tep_col *col = &c->cols[i];
		struct nt_field_def *d = &c->defs[c->ndefs++];

		d->name = col->f->name;
		d->type = col->kind == C_INT				  ? NT_VAL_INT
			  : (col->kind == C_STR || col->kind == C_DYNSTR) ? NT_VAL_TEXT
									  : NT_VAL_BLOB;
		d->flags = col_flags(col, opts & NT_TEP_CTF);
		c->ksym |= col->ksym;
		if (col->sym || col->ksym) {
			if (asprintf(&c->names[i], "%s_sym", col->f->name) < 0) {
				c->names[i] = NULL;
				return -1;
			}
			d = &c->defs[c->ndefs++];
			d->name = c->names[i];
			d->type = NT_VAL_TEXT;
			d->flags = NT_FIELD_SYMBOL;
		}
	}
	return 0;
}

void nt_tep_cols_release(struct nt_tep_cols *c)
{
	for (unsigned i = 0; i < c->ncols; i++) {
		symtab_free(c->cols[i].sym);
		if (c->names)
			free(c->names[i]);
	}
	free(c->cols);
	free(c->defs);
	free(c->names);
	memset(c, 0, sizeof(*c));
}
