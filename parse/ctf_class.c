/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CTF event classes and field values: each class becomes one column per field (structures
 * flattened, enumerations with a label column, small-integer arrays as BLOBs, the rest as
 * JSON); classes are found by pointer in a table, with the fields that say who runs, under
 * which name, on which cpu.
 */
#include "ctf_int.h"

#include <float.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the class table: classes by pointer ---- */

static inline unsigned ptr_hash(const void *p)
{
	uint64_t v = (uint64_t)(uintptr_t)p;
	v ^= v >> 29;
	v *= 0xbf58476d1ce4e5b9ull;
	return (unsigned)(v ^ (v >> 32));
}

static struct cls *ctab_get(struct nt_ctf *x, const bt_event_class *ec)
{
	unsigned i;

	if (!x->ccap)
		return NULL;
	i = ptr_hash(ec) & (x->ccap - 1);
	while (x->ctab[i]) {
		if (x->ctab[i]->ec == ec)
			return x->ctab[i];
		i = (i + 1) & (x->ccap - 1);
	}
	return NULL;
}

static int ctab_put(struct nt_ctf *x, struct cls *c)
{
	unsigned i;

	if ((x->ncls + 1) * 2 > x->ccap) {
		unsigned cap = x->ccap ? x->ccap * 2 : 256;
		struct cls **t = calloc(cap, sizeof(*t));
		if (!t)
			return -1;
		for (i = 0; i < x->ccap; i++) {
			if (x->ctab[i]) {
				unsigned j = ptr_hash(x->ctab[i]->ec) & (cap - 1);
				while (t[j])
					j = (j + 1) & (cap - 1);
				t[j] = x->ctab[i];
			}
		}
		free(x->ctab);
		x->ctab = t;
		x->ccap = cap;
	}
	i = ptr_hash(c->ec) & (x->ccap - 1);
	while (x->ctab[i])
		i = (i + 1) & (x->ccap - 1);
	x->ctab[i] = c;
	x->ncls++;
	return 0;
}

/* ---- field classes: columns ---- */

struct decl {
	struct nt_field_def *defs;
	char **names; /* owned, parallel to defs */
	unsigned n, cap;
	FILE *fmt; /* the class's format text */
};

/*
 * Bytes per element when array class @fc is kept as a BLOB: 1 for integers of up to 8 bits
 * (IPv4 addresses, MACs), 2 for unsigned 16-bit ones (lttng-modules' IPv6 addresses, eight
 * big-endian groups); 0: JSON.
 */
static unsigned blob_width(const bt_field_class *fc)
{
	const bt_field_class *el = bt_field_class_array_borrow_element_field_class_const(fc);
	bt_field_class_type t = bt_field_class_get_type(el);
	uint64_t bits;

	if (t != BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER && t != BT_FIELD_CLASS_TYPE_SIGNED_INTEGER)
		return 0;
	bits = bt_field_class_integer_get_field_value_range(el);
	return bits <= 8 ? 1 : bits == 16 && t == BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER ? 2 : 0;
}

/* How many columns decl_field() gives field class @fc. */
static uint64_t ncols(const bt_field_class *fc)
{
	bt_field_class_type t = bt_field_class_get_type(fc);
	uint64_t n = 0;

	if (t == BT_FIELD_CLASS_TYPE_STRUCTURE) {
		for (uint64_t i = 0; i < bt_field_class_structure_get_member_count(fc); i++)
			n += ncols(bt_field_class_structure_member_borrow_field_class_const(
				bt_field_class_structure_borrow_member_by_index_const(fc, i)));
		return n;
	}
	if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_VARIANT)) {
		for (uint64_t i = 0; i < bt_field_class_variant_get_option_count(fc); i++)
			n += ncols(bt_field_class_variant_option_borrow_field_class_const(
				bt_field_class_variant_borrow_option_by_index_const(fc, i)));
		return n;
	}
	return bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_ENUMERATION) ? 2 : 1;
}

static int decl_add(struct decl *d, const char *name, enum nt_val_type type, unsigned flags)
{
	if (d->n == d->cap) {
		unsigned cap = d->cap ? d->cap * 2 : 32;
		struct nt_field_def *nd = realloc(d->defs, cap * sizeof(*nd));
		char **nn;

		if (!nd)
			return -1;
		d->defs = nd;
		nn = realloc(d->names, cap * sizeof(*nn));
		if (!nn)
			return -1;
		d->names = nn;
		d->cap = cap;
	}
	d->names[d->n] = strdup(name);
	if (!d->names[d->n])
		return -1;
	d->defs[d->n] = (struct nt_field_def){.name = d->names[d->n], .type = type, .flags = flags};
	d->n++;
	return 0;
}

static const char *int_type_name(const bt_field_class *fc, bool is_signed, char *buf, size_t n)
{
	snprintf(buf, n, "%sint%" PRIu64 "%s", is_signed ? "" : "u",
		 bt_field_class_integer_get_field_value_range(fc),
		 bt_field_class_integer_get_preferred_display_base(fc) ==
				 BT_FIELD_CLASS_INTEGER_PREFERRED_DISPLAY_BASE_HEXADECIMAL
			 ? " hex"
			 : "");
	return buf;
}

/*
 * Declare the columns of field class @fc called @name: structures are flattened with '_'
 * joined names, variants too (every option's columns, "<name>_<option>_<member>"),
 * enumerations add a "<name>_sym" column, arrays of small integers are one BLOB and other
 * arrays and options one TEXT column (JSON). Mirrors nt_ctf_put_field().
 */
static int decl_field(struct decl *d, const char *name, const bt_field_class *fc);

/* The members of structure @fc (variant: its options) as columns "<name>_<member>". */
static int decl_members(struct decl *d, const char *name, const bt_field_class *fc, bool variant)
{
	uint64_t nm = variant ? bt_field_class_variant_get_option_count(fc)
			      : bt_field_class_structure_get_member_count(fc);
	int r = 0;

	for (uint64_t i = 0; i < nm && !r; i++) {
		const bt_field_class_variant_option *o =
			variant ? bt_field_class_variant_borrow_option_by_index_const(fc, i) : NULL;
		const bt_field_class_structure_member *m =
			variant ? NULL
				: bt_field_class_structure_borrow_member_by_index_const(fc, i);
		const char *mn = variant ? bt_field_class_variant_option_get_name(o)
					 : bt_field_class_structure_member_get_name(m);
		char *sub;

		if (!mn)
			mn = "";
		if (!*name)
			sub = strdup(mn);
		else if (asprintf(&sub, "%s_%s", name, mn) < 0)
			sub = NULL;
		if (!sub)
			return -1;
		r = decl_field(
			d, sub,
			variant ? bt_field_class_variant_option_borrow_field_class_const(o)
				: bt_field_class_structure_member_borrow_field_class_const(m));
		free(sub);
	}
	return r;
}

/*
 * The payload @fc of a perf class as columns, but for the members perf writes that the row
 * says already (nt_ctf_perf_dropped): their indexes go to @c->dropped.
 */
static int decl_perf_payload(struct decl *d, struct cls *c, const bt_field_class *fc)
{
	if (bt_field_class_get_type(fc) != BT_FIELD_CLASS_TYPE_STRUCTURE)
		return decl_field(d, "", fc);
	for (uint64_t i = 0; i < bt_field_class_structure_get_member_count(fc); i++) {
		const bt_field_class_structure_member *m =
			bt_field_class_structure_borrow_member_by_index_const(fc, i);
		const char *mn = bt_field_class_structure_member_get_name(m);

		if (i < 64 && mn && nt_ctf_perf_dropped(mn))
			c->dropped |= (uint64_t)1 << i;
		else if (decl_field(d, mn ? mn : "",
				    bt_field_class_structure_member_borrow_field_class_const(m)))
			return -1;
	}
	return 0;
}

static int decl_field(struct decl *d, const char *name, const bt_field_class *fc)
{
	bt_field_class_type t = bt_field_class_get_type(fc);
	char tn[64], *sub;
	int r = 0;

	if (t == BT_FIELD_CLASS_TYPE_STRUCTURE)
		return decl_members(d, name, fc, false);
	if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_VARIANT)) {
		fprintf(d->fmt, "variant %s { ", name);
		r = decl_members(d, name, fc, true);
		fprintf(d->fmt, "} ");
		return r;
	}
	if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_INTEGER)) {
		bool sg = bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_SIGNED_INTEGER);
		unsigned fl = sg ? NT_FIELD_SIGNED : 0;

		if (!sg &&
		    bt_field_class_integer_get_preferred_display_base(fc) ==
			    BT_FIELD_CLASS_INTEGER_PREFERRED_DISPLAY_BASE_HEXADECIMAL &&
		    bt_field_class_integer_get_field_value_range(fc) >= 32)
			fl |= NT_FIELD_POINTER;
		fprintf(d->fmt, "%s %s%s; ", int_type_name(fc, sg, tn, sizeof(tn)), name,
			bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_ENUMERATION) ? " (enum)"
										   : "");
		if (decl_add(d, name, NT_VAL_INT, fl))
			return -1;
		if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_ENUMERATION)) {
			if (asprintf(&sub, "%s_sym", name) < 0)
				return -1;
			r = decl_add(d, sub, NT_VAL_TEXT, NT_FIELD_SYMBOL);
			free(sub);
		}
		return r;
	}
	switch (t) {
	case BT_FIELD_CLASS_TYPE_BOOL:
		fprintf(d->fmt, "bool %s; ", name);
		return decl_add(d, name, NT_VAL_INT, 0);
	case BT_FIELD_CLASS_TYPE_BIT_ARRAY:
		fprintf(d->fmt, "bits%" PRIu64 " %s; ", bt_field_class_bit_array_get_length(fc),
			name);
		return decl_add(d, name, NT_VAL_INT, 0);
	case BT_FIELD_CLASS_TYPE_SINGLE_PRECISION_REAL:
	case BT_FIELD_CLASS_TYPE_DOUBLE_PRECISION_REAL:
		fprintf(d->fmt, "%s %s; ",
			t == BT_FIELD_CLASS_TYPE_SINGLE_PRECISION_REAL ? "float" : "double", name);
		return decl_add(d, name, NT_VAL_REAL, 0);
	case BT_FIELD_CLASS_TYPE_STRING:
		fprintf(d->fmt, "string %s; ", name);
		return decl_add(d, name, NT_VAL_TEXT, 0);
	default:
		break;
	}
	if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_ARRAY)) {
		bool blob = blob_width(fc) > 0;

		fprintf(d->fmt, "%s %s[%s] (%s); ", blob ? "byte" : "array", name,
			t == BT_FIELD_CLASS_TYPE_STATIC_ARRAY ? "static" : "dynamic",
			blob ? "blob" : "json");
		return decl_add(d, name, blob ? NT_VAL_BLOB : NT_VAL_TEXT, NT_FIELD_ARRAY);
	}
	/* option: the value as JSON text */
	fprintf(d->fmt, "option %s (json); ", name);
	return decl_add(d, name, NT_VAL_TEXT, 0);
}

/* ---- values ---- */

static void rb_reserve(struct nt_ctf *x, size_t n)
{
	if (x->rlen + n + 1 > x->rcap) {
		size_t cap = x->rcap ? x->rcap : 1024;
		char *p;

		while (cap < x->rlen + n + 1)
			cap *= 2;
		p = realloc(x->rbuf, cap);
		if (!p) {
			x->b->oom = true;
			return;
		}
		x->rbuf = p;
		x->rcap = cap;
	}
}

static void rb_put(struct nt_ctf *x, const char *s, size_t n)
{
	rb_reserve(x, n);
	if (x->rlen + n + 1 > x->rcap)
		return;
	memcpy(x->rbuf + x->rlen, s, n);
	x->rlen += n;
}

static void rb_printf(struct nt_ctf *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void rb_printf(struct nt_ctf *x, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		rb_put(x, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static void rb_json_str(struct nt_ctf *x, const char *s, size_t n)
{
	rb_put(x, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '"' || ch == '\\') {
			char e[2] = {'\\', (char)ch};
			rb_put(x, e, 2);
		} else if (ch < 0x20) {
			rb_printf(x, "\\u%04x", ch);
		} else {
			rb_put(x, (const char *)&ch, 1);
		}
	}
	rb_put(x, "\"", 1);
}

/* Render field @f as JSON into the rendering buffer. */
static void render(struct nt_ctf *x, const bt_field *f, int depth)
{
	bt_field_class_type t = bt_field_get_class_type(f);

	if (depth > 64) {
		rb_put(x, "null", 4);
		return;
	}
	if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_SIGNED_INTEGER)) {
		rb_printf(x, "%" PRId64, bt_field_integer_signed_get_value(f));
	} else if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER)) {
		rb_printf(x, "%" PRIu64, bt_field_integer_unsigned_get_value(f));
	} else if (t == BT_FIELD_CLASS_TYPE_BOOL) {
		rb_printf(x, "%s", bt_field_bool_get_value(f) ? "true" : "false");
	} else if (t == BT_FIELD_CLASS_TYPE_BIT_ARRAY) {
		rb_printf(x, "%" PRIu64, bt_field_bit_array_get_value_as_integer(f));
	} else if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_REAL)) {
		double v = t == BT_FIELD_CLASS_TYPE_SINGLE_PRECISION_REAL
				   ? bt_field_real_single_precision_get_value(f)
				   : bt_field_real_double_precision_get_value(f);
		if (v != v || v > DBL_MAX || v < -DBL_MAX)
			rb_put(x, "null", 4);
		else
			rb_printf(x, "%.17g", v);
	} else if (t == BT_FIELD_CLASS_TYPE_STRING) {
		rb_json_str(x, bt_field_string_get_value(f), bt_field_string_get_length(f));
	} else if (t == BT_FIELD_CLASS_TYPE_STRUCTURE) {
		const bt_field_class *fc = bt_field_borrow_class_const(f);
		uint64_t nm = bt_field_class_structure_get_member_count(fc);

		rb_put(x, "{", 1);
		for (uint64_t i = 0; i < nm; i++) {
			const char *mn = bt_field_class_structure_member_get_name(
				bt_field_class_structure_borrow_member_by_index_const(fc, i));
			if (i)
				rb_put(x, ",", 1);
			rb_json_str(x, mn, strlen(mn));
			rb_put(x, ":", 1);
			render(x, bt_field_structure_borrow_member_field_by_index_const(f, i),
			       depth + 1);
		}
		rb_put(x, "}", 1);
	} else if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_ARRAY)) {
		uint64_t n = bt_field_array_get_length(f);

		rb_put(x, "[", 1);
		for (uint64_t i = 0; i < n; i++) {
			if (i)
				rb_put(x, ",", 1);
			render(x, bt_field_array_borrow_element_field_by_index_const(f, i),
			       depth + 1);
		}
		rb_put(x, "]", 1);
	} else if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_OPTION)) {
		const bt_field *in = bt_field_option_borrow_field_const(f);
		if (in)
			render(x, in, depth + 1);
		else
			rb_put(x, "null", 4);
	} else if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_VARIANT)) {
		const char *on = bt_field_class_variant_option_get_name(
			bt_field_variant_borrow_selected_option_class_const(f));

		rb_put(x, "{", 1);
		rb_json_str(x, on ? on : "", on ? strlen(on) : 0);
		rb_put(x, ":", 1);
		render(x, bt_field_variant_borrow_selected_option_field_const(f), depth + 1);
		rb_put(x, "}", 1);
	} else {
		rb_put(x, "null", 4);
	}
}

static void put_labels(struct nt_batch *b, bt_field_class_enumeration_mapping_label_array l,
		       uint64_t n)
{
	char buf[512];
	size_t at = 0;

	if (!n) {
		nt_batch_null(b);
		return;
	}
	for (uint64_t i = 0; i < n && at < sizeof(buf) - 1; i++)
		at += (size_t)snprintf(buf + at, sizeof(buf) - at, "%s%s", i ? "|" : "", l[i]);
	if (at >= sizeof(buf))
		at = sizeof(buf) - 1;
	nt_batch_text(b, buf, at);
}

/*
 * An array of small integers (u8 addresses, flags): a blob of @w bytes per element, most
 * significant first.
 */
static void put_bytes(struct nt_batch *b, const bt_field *f, unsigned w)
{
	uint64_t n = bt_field_array_get_length(f);
	unsigned char small[256], *p = n * w <= sizeof(small) ? small : malloc(n * w);

	if (!p) {
		b->oom = true;
		return;
	}
	for (uint64_t i = 0; i < n; i++) {
		const bt_field *el = bt_field_array_borrow_element_field_by_index_const(f, i);
		uint64_t v = bt_field_class_type_is(bt_field_get_class_type(el),
						    BT_FIELD_CLASS_TYPE_SIGNED_INTEGER)
				     ? (uint64_t)bt_field_integer_signed_get_value(el)
				     : bt_field_integer_unsigned_get_value(el);

		for (unsigned k = 0; k < w; k++)
			p[i * w + k] = (unsigned char)(v >> (8 * (w - 1 - k)));
	}
	nt_batch_blob(b, p, n * w);
	if (p != small)
		free(p);
}

/* Variant @f: the selected option's columns, NULL for every other option's. */
static void put_variant(struct nt_ctf *x, const bt_field *f)
{
	const bt_field_class *fc = bt_field_borrow_class_const(f);
	uint64_t sel = bt_field_variant_get_selected_option_index(f);

	for (uint64_t i = 0; i < bt_field_class_variant_get_option_count(fc); i++) {
		if (i == sel) {
			nt_ctf_put_field(x, bt_field_variant_borrow_selected_option_field_const(f));
			continue;
		}
		for (uint64_t k = ncols(bt_field_class_variant_option_borrow_field_class_const(
			     bt_field_class_variant_borrow_option_by_index_const(fc, i)));
		     k; k--)
			nt_batch_null(x->b);
	}
}

void nt_ctf_put_payload(struct nt_ctf *x, const struct cls *c, const bt_field *f)
{
	uint64_t nm;

	if (!c->dropped) {
		nt_ctf_put_field(x, f);
		return;
	}
	nm = bt_field_class_structure_get_member_count(bt_field_borrow_class_const(f));
	for (uint64_t i = 0; i < nm; i++)
		if (i >= 64 || !(c->dropped >> i & 1))
			nt_ctf_put_field(
				x, bt_field_structure_borrow_member_field_by_index_const(f, i));
}

void nt_ctf_put_field(struct nt_ctf *x, const bt_field *f)
{
	struct nt_batch *b = x->b;
	bt_field_class_type t = bt_field_get_class_type(f);

	switch (t) {
	case BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER:
		nt_batch_int(b, (int64_t)bt_field_integer_unsigned_get_value(f));
		return;
	case BT_FIELD_CLASS_TYPE_SIGNED_INTEGER:
		nt_batch_int(b, bt_field_integer_signed_get_value(f));
		return;
	case BT_FIELD_CLASS_TYPE_STRING:
		nt_batch_text(b, bt_field_string_get_value(f), bt_field_string_get_length(f));
		return;
	case BT_FIELD_CLASS_TYPE_STRUCTURE: {
		uint64_t nm =
			bt_field_class_structure_get_member_count(bt_field_borrow_class_const(f));

		for (uint64_t i = 0; i < nm; i++)
			nt_ctf_put_field(
				x, bt_field_structure_borrow_member_field_by_index_const(f, i));
		return;
	}
	case BT_FIELD_CLASS_TYPE_UNSIGNED_ENUMERATION: {
		bt_field_class_enumeration_mapping_label_array l = NULL;
		uint64_t n = 0;

		nt_batch_int(b, (int64_t)bt_field_integer_unsigned_get_value(f));
		if (bt_field_enumeration_unsigned_get_mapping_labels(f, &l, &n))
			n = 0;
		put_labels(b, l, n);
		return;
	}
	case BT_FIELD_CLASS_TYPE_SIGNED_ENUMERATION: {
		bt_field_class_enumeration_mapping_label_array l = NULL;
		uint64_t n = 0;

		nt_batch_int(b, bt_field_integer_signed_get_value(f));
		if (bt_field_enumeration_signed_get_mapping_labels(f, &l, &n))
			n = 0;
		put_labels(b, l, n);
		return;
	}
	case BT_FIELD_CLASS_TYPE_BOOL:
		nt_batch_int(b, bt_field_bool_get_value(f) ? 1 : 0);
		return;
	case BT_FIELD_CLASS_TYPE_BIT_ARRAY:
		nt_batch_int(b, (int64_t)bt_field_bit_array_get_value_as_integer(f));
		return;
	case BT_FIELD_CLASS_TYPE_SINGLE_PRECISION_REAL:
		nt_batch_real(b, bt_field_real_single_precision_get_value(f));
		return;
	case BT_FIELD_CLASS_TYPE_DOUBLE_PRECISION_REAL:
		nt_batch_real(b, bt_field_real_double_precision_get_value(f));
		return;
	default:
		break;
	}
	if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_ARRAY) &&
	    blob_width(bt_field_borrow_class_const(f))) {
		put_bytes(b, f, blob_width(bt_field_borrow_class_const(f)));
		return;
	}
	if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_VARIANT)) {
		put_variant(x, f);
		return;
	}
	x->rlen = 0;
	render(x, f, 0);
	nt_batch_text(b, x->rbuf ? x->rbuf : "", x->rbuf ? x->rlen : 0);
}

/* ---- classes ---- */

static const bt_field_class *scope_class(const bt_event_class *ec, enum scope s)
{
	switch (s) {
	case S_PAYLOAD:
		return bt_event_class_borrow_payload_field_class_const(ec);
	case S_SPEC_CTX:
		return bt_event_class_borrow_specific_context_field_class_const(ec);
	case S_COMMON_CTX:
		return bt_stream_class_borrow_event_common_context_field_class_const(
			bt_event_class_borrow_stream_class_const(ec));
	default:
		return NULL;
	}
}

/* Find top-level member @name of an integer (want_str: string) type in @s. */
static bool find_member(const bt_event_class *ec, enum scope s, const char *name, bool want_str,
			struct ref *out)
{
	const bt_field_class *fc = scope_class(ec, s);
	uint64_t nm;

	if (!fc || bt_field_class_get_type(fc) != BT_FIELD_CLASS_TYPE_STRUCTURE)
		return false;
	nm = bt_field_class_structure_get_member_count(fc);
	for (uint64_t i = 0; i < nm; i++) {
		const bt_field_class_structure_member *m =
			bt_field_class_structure_borrow_member_by_index_const(fc, i);
		bt_field_class_type t;

		if (strcmp(bt_field_class_structure_member_get_name(m), name))
			continue;
		t = bt_field_class_get_type(
			bt_field_class_structure_member_borrow_field_class_const(m));
		if (want_str ? t != BT_FIELD_CLASS_TYPE_STRING
			     : !bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_INTEGER))
			return false;
		out->scope = s;
		out->idx = i;
		return true;
	}
	return false;
}

static bool find_ctx(const bt_event_class *ec, const char *name, bool want_str, struct ref *out)
{
	return find_member(ec, S_SPEC_CTX, name, want_str, out) ||
	       find_member(ec, S_COMMON_CTX, name, want_str, out);
}

/* Which fields say who runs (tid), what it is called and on which cpu. */
static void find_roles(struct cls *c, const char *canon, bool perf)
{
	static const char *const comms[] = {"prev_comm", "next_comm", "comm", "child_comm",
					    "parent_comm"};
	const bt_event_class *ec = c->ec;

	/* a "pid" context is LTTng's process id (the thread group), not the kernel's pid */
	if (!find_ctx(ec, "tid", false, &c->tid) &&
	    !(perf && find_member(ec, S_PAYLOAD, "perf_tid", false, &c->tid)))
		c->tid.scope = S_NONE;
	if (!find_ctx(ec, "procname", true, &c->comm))
		c->comm.scope = S_NONE;
	if (!(perf && find_member(ec, S_PAYLOAD, "perf_cpu", false, &c->cpu)))
		c->cpu.scope = S_NONE;
	c->sched_switch = !strcmp(canon, "sched:sched_switch") &&
			  (find_member(ec, S_PAYLOAD, "next_tid", false, &c->next_tid) ||
			   find_member(ec, S_PAYLOAD, "next_pid", false, &c->next_tid)) &&
			  (find_member(ec, S_PAYLOAD, "prev_tid", false, &c->prev_tid) ||
			   find_member(ec, S_PAYLOAD, "prev_pid", false, &c->prev_tid));
	for (size_t i = 0; i < sizeof(comms) / sizeof(comms[0]); i++) {
		char tid[32], pid[32];
		size_t l = strlen(comms[i]) - 4; /* "prev_" */

		snprintf(tid, sizeof(tid), "%.*stid", (int)l, comms[i]);
		snprintf(pid, sizeof(pid), "%.*spid", (int)l, comms[i]);
		if (find_member(ec, S_PAYLOAD, comms[i], true, &c->pair_comm[c->npairs]) &&
		    (find_member(ec, S_PAYLOAD, tid, false, &c->pair_tid[c->npairs]) ||
		     find_member(ec, S_PAYLOAD, pid, false, &c->pair_tid[c->npairs])))
			c->npairs++;
	}
	if (!strcmp(canon, "lttng_statedump:process_state") &&
	    find_member(ec, S_PAYLOAD, "name", true, &c->pair_comm[c->npairs]) &&
	    find_member(ec, S_PAYLOAD, "tid", false, &c->pair_tid[c->npairs]))
		c->npairs++;
}

static bool env_str_is(const bt_trace *tr, const char *name, const char *want, size_t n)
{
	const bt_value *v = bt_trace_borrow_environment_entry_value_by_name_const(tr, name);

	return v && bt_value_is_string(v) && !strncmp(bt_value_string_get(v), want, n);
}

/*
 * An LTTng kretprobe event, by its shape: in an LTTng kernel trace, a class called NAME_entry
 * or NAME_exit (lttng-modules 2.13; NAME_return is accepted too) whose payload is exactly
 * { ip; parent_ip; } (unsigned integers), as lttng-modules' probes/lttng-kretprobes.c makes
 * them. Sets c->kret and c->kfunc (NAME).
 * Returns -1 when out of memory.
 */
static int find_kret(struct cls *c, const bt_trace *tr, const char *orig)
{
	static const char *const names[] = {"ip", "parent_ip"};
	const bt_field_class *fc = scope_class(c->ec, S_PAYLOAD);
	size_t l = strlen(orig), sl;
	enum kret k;

	if (!env_str_is(tr, "tracer_name", "lttng-modules", 14) ||
	    !env_str_is(tr, "domain", "kernel", 7) || !fc ||
	    bt_field_class_get_type(fc) != BT_FIELD_CLASS_TYPE_STRUCTURE ||
	    bt_field_class_structure_get_member_count(fc) != 2)
		return 0;
	for (uint64_t i = 0; i < 2; i++) {
		const bt_field_class_structure_member *m =
			bt_field_class_structure_borrow_member_by_index_const(fc, i);

		if (strcmp(bt_field_class_structure_member_get_name(m), names[i]) ||
		    !bt_field_class_type_is(
			    bt_field_class_get_type(
				    bt_field_class_structure_member_borrow_field_class_const(m)),
			    BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER))
			return 0;
	}
	if (l > 6 && !strcmp(orig + l - 6, "_entry")) {
		k = KRET_ENTRY;
		sl = 6;
	} else if (l > 5 && !strcmp(orig + l - 5, "_exit")) {
		k = KRET_RETURN;
		sl = 5;
	} else if (l > 7 && !strcmp(orig + l - 7, "_return")) {
		k = KRET_RETURN;
		sl = 7;
	} else {
		return 0;
	}
	c->kfunc = strndup(orig, l - sl);
	if (!c->kfunc)
		return -1;
	c->kret = k;
	return 0;
}

void nt_ctf_class_free(struct cls *c)
{
	if (!c)
		return;
	free(c->kfunc);
	free(c);
}

bool nt_ctf_trace_is_perf(const bt_trace *tr)
{
	const bt_value *v =
		bt_trace_borrow_environment_entry_value_by_name_const(tr, "tracer_name");

	return v && bt_value_is_string(v) && !strcmp(bt_value_string_get(v), "perf");
}

static struct cls *cls_new(struct nt_ctf *x, const bt_event *ev)
{
	const bt_event_class *ec = bt_event_borrow_class_const(ev);
	const char *orig = bt_event_class_get_name(ec);
	struct cls *c = calloc(1, sizeof(*c));
	struct decl d = {0};
	char sys[128], name[256], canon[400], idbuf[64];
	char *fmt = NULL;
	size_t fmtlen = 0;
	const bt_trace *tr = bt_stream_borrow_trace_const(bt_event_borrow_stream_const(ev));
	bool perf = nt_ctf_trace_is_perf(tr);
	static const enum scope order[] = {S_PAYLOAD, S_SPEC_CTX, S_COMMON_CTX};
	static const char *const scope_names[] = {"", "payload", "context", "common context"};

	if (!c)
		return NULL;
	c->ec = ec;
	c->id = x->next_id++;
	if (!orig || !*orig) {
		snprintf(idbuf, sizeof(idbuf), "event_%" PRIu64, bt_event_class_get_id(ec));
		orig = idbuf;
	}
	if (!perf && find_kret(c, tr, orig))
		goto fail;
	if (c->kret) { /* not udp:udp_sendmsg_entry: a function's, whatever its name */
		snprintf(sys, sizeof(sys), "kretprobe");
		snprintf(name, sizeof(name), "%s", orig);
	} else {
		nt_ctf_canonical(orig, perf, sys, sizeof(sys), name, sizeof(name));
	}
	snprintf(canon, sizeof(canon), "%s:%s", sys, name);
	find_roles(c, canon, perf);
	d.fmt = open_memstream(&fmt, &fmtlen);
	if (!d.fmt)
		goto fail;
	fprintf(d.fmt, "ctf event '%s' (id %" PRIu64 ", stream class %" PRIu64 "):", orig,
		bt_event_class_get_id(ec),
		bt_stream_class_get_id(bt_event_class_borrow_stream_class_const(ec)));
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		const bt_field_class *fc = scope_class(ec, order[i]);

		if (!fc)
			continue;
		fprintf(d.fmt, " %s { ", scope_names[order[i]]);
		if (perf && order[i] == S_PAYLOAD ? decl_perf_payload(&d, c, fc)
						  : decl_field(&d, "", fc))
			goto fail;
		fprintf(d.fmt, "}");
	}
	fclose(d.fmt);
	d.fmt = NULL;
	nt_batch_class(x->b, &(struct nt_class_def){.id = c->id,
						    .system = sys,
						    .name = name,
						    .orig = orig,
						    .format = fmt,
						    .nfields = d.n,
						    .fields = d.defs});
	if (ctab_put(x, c))
		goto fail;
	for (unsigned i = 0; i < d.n; i++)
		free(d.names[i]);
	free(d.names);
	free(d.defs);
	free(fmt);
	return c;
fail:
	if (d.fmt)
		fclose(d.fmt);
	free(fmt);
	for (unsigned i = 0; i < d.n; i++)
		free(d.names[i]);
	free(d.names);
	free(d.defs);
	nt_ctf_class_free(c);
	return NULL;
}

struct cls *nt_ctf_class(struct nt_ctf *x, const bt_event *ev)
{
	const bt_event_class *ec = bt_event_borrow_class_const(ev);
	struct cls *c;

	if (ec == x->last_ec)
		return x->last_cls;
	c = ctab_get(x, ec);
	if (!c && !(c = cls_new(x, ev)))
		return NULL;
	x->last_ec = ec;
	x->last_cls = c;
	return c;
}
