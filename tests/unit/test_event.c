/* SPDX-License-Identifier: GPL-2.0 */
/* Unit test: the normalised event stream encodes and decodes every message and value kind. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/event.h"

#include "tests/lib/check.h"

static void test_roundtrip(void)
{
	struct nt_batch b;
	struct nt_field_def f[] = {{"len", NT_VAL_INT, NT_FIELD_SIGNED}, {"name", NT_VAL_TEXT, 0}};
	struct nt_msg m;
	struct nt_cursor c;
	struct nt_val v;
	size_t pos = 0;
	uint32_t n;
	const char *s;

	nt_batch_init(&b);
	nt_batch_class(
		&b, &(struct nt_class_def){7, "net", "net_dev_xmit", "net_dev_xmit", NULL, 2, f});
	nt_batch_event_begin(&b, 7, 123456789012ull, 3, 42);
	nt_batch_int(&b, -5);
	nt_batch_text(&b, "lo", 2);
	nt_batch_event_end(&b);
	nt_batch_lost(&b, 1, -1, 10, 20);
	nt_batch_end(&b);
	CHECK(!b.oom);
	CHECK(b.nevents == 1);

	CHECK(nt_msg_next(b.data, b.len, &pos, &m) == 1 && m.type == NT_MSG_CLASS);
	nt_cursor_init(&c, &m);
	CHECK(nt_cur_u32(&c) == 7);
	s = nt_cur_str(&c, &n);
	CHECK(n == 3 && !memcmp(s, "net", 3));

	CHECK(nt_msg_next(b.data, b.len, &pos, &m) == 1 && m.type == NT_MSG_EVENT);
	nt_cursor_init(&c, &m);
	CHECK(nt_cur_u32(&c) == 7);
	CHECK(nt_cur_u64(&c) == 123456789012ull);
	CHECK(nt_cur_u32(&c) == 3);
	CHECK(nt_cur_u32(&c) == 42);
	nt_cur_val(&c, &v);
	CHECK(v.type == NT_VAL_INT && v.i == -5);
	nt_cur_val(&c, &v);
	CHECK(v.type == NT_VAL_TEXT && v.n == 2 && !memcmp(v.s, "lo", 2));
	CHECK(!c.bad && c.p == c.end);

	CHECK(nt_msg_next(b.data, b.len, &pos, &m) == 1 && m.type == NT_MSG_LOST);
	nt_cursor_init(&c, &m);
	CHECK(nt_cur_u32(&c) == 1);
	CHECK((int64_t)nt_cur_u64(&c) == -1);
	CHECK(nt_msg_next(b.data, b.len, &pos, &m) == 1 && m.type == NT_MSG_END);
	CHECK(nt_msg_next(b.data, b.len, &pos, &m) == 0 && pos == b.len);

	/* an incomplete frame asks for more; garbage is refused */
	pos = 0;
	CHECK(nt_msg_next(b.data, 3, &pos, &m) == 0 && pos == 0);
	b.data[0] = 99;
	CHECK(nt_msg_next(b.data, b.len, &pos, &m) == -1);
	nt_batch_release(&b);
}

static void test_cursor_bounds(void)
{
	unsigned char payload[3] = {1, 2, 3};
	struct nt_msg m = {NT_MSG_EVENT, payload, 3};
	struct nt_cursor c;
	uint32_t n;

	nt_cursor_init(&c, &m);
	CHECK(nt_cur_u64(&c) == 0 && c.bad);
	nt_cursor_init(&c, &m);
	nt_cur_str(&c, &n); /* length prefix 0x??030201 runs past the end */
	CHECK(c.bad && n == 0);
}

/* An event's values in one call: every kind, fewer values than fields, a cut value, a bad type. */
static void test_vals(void)
{
	struct nt_batch b;
	struct nt_msg m;
	struct nt_cursor c;
	struct nt_val v[6];
	size_t pos = 0;
	unsigned char cut[] = {NT_VAL_INT, 1, 2, 3}, bad[] = {9, 0, 0, 0, 0, 0, 0, 0, 0};

	nt_batch_init(&b);
	nt_batch_event_begin(&b, 1, 5, 0, 1);
	nt_batch_int(&b, INT64_MIN);
	nt_batch_null(&b);
	nt_batch_real(&b, 2.5);
	nt_batch_text(&b, "eth0", 4);
	nt_batch_int(&b, 7); /* the last value: 9 bytes exactly left */
	nt_batch_event_end(&b);
	CHECK(nt_msg_next(b.data, b.len, &pos, &m) == 1 && m.type == NT_MSG_EVENT);
	nt_cursor_init(&c, &m);
	nt_cur_u32(&c);
	nt_cur_u64(&c);
	nt_cur_u32(&c);
	nt_cur_u32(&c);
	memset(v, 0x5a, sizeof(v));
	nt_cur_vals(&c, 6, v); /* six fields, five values: the sixth is NULL */
	CHECK(v[0].type == NT_VAL_INT && v[0].i == INT64_MIN);
	CHECK(v[1].type == NT_VAL_NULL);
	CHECK(v[2].type == NT_VAL_REAL && v[2].r == 2.5);
	CHECK(v[3].type == NT_VAL_TEXT && v[3].n == 4 && !memcmp(v[3].s, "eth0", 4));
	CHECK(v[4].type == NT_VAL_INT && v[4].i == 7);
	CHECK(v[5].type == NT_VAL_NULL && !c.bad && c.p == c.end);
	nt_batch_release(&b);

	m = (struct nt_msg){NT_MSG_EVENT, cut, sizeof(cut)};
	nt_cursor_init(&c, &m);
	nt_cur_vals(&c, 1, v);
	CHECK(c.bad && v[0].type == NT_VAL_INT && v[0].i == 0);
	m = (struct nt_msg){NT_MSG_EVENT, bad, sizeof(bad)};
	nt_cursor_init(&c, &m);
	nt_cur_vals(&c, 1, v);
	CHECK(c.bad && v[0].type == NT_VAL_NULL);
}

static void test_errors(void)
{
	struct nt_err *e = nt_err_new(NT_E_INPUT, "'%s' is truncated", "x.dat");
	e = nt_err_wrap(e, "cannot import");
	CHECK(!strcmp(nt_err_msg(e), "cannot import: 'x.dat' is truncated"));
	CHECK(nt_err_kind(e) == NT_E_INPUT);
	nt_err_hint(e, "try %s", "--format");
	CHECK(!strcmp(nt_err_get_hint(e), "try --format"));
	nt_err_free(e);
	nt_err_free(NULL);
}

int main(void)
{
	test_roundtrip();
	test_cursor_bounds();
	test_vals();
	test_errors();
	if (failures)
		return 1;
	printf("unit_event: all checks passed\n");
	return 0;
}
