/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unit test: function_graph pairing (parse/funcgraph.h): nesting, leaves, lost entries and
 * exits, per-task stacks, task switches, bad depths, and trace.dat records through
 * nt_fgraph_tep_record() with formats parsed by libtraceevent.
 */
#include <stdio.h>
#include <string.h>

#include <traceevent/event-parse.h>

#include "core/event.h"
#include "parse/funcgraph.h"

#include "tests/lib/check.h"

#define NUL (-999) /* a NULL value in struct call */

struct call {
	uint64_t ts;
	int32_t cpu, pid;
	char func[64];
	int64_t depth, dur, id, parent, exit_ts, seen;
};

/* The funcgraph:call events of @b (class @cls), by call_id. */
static int decode(struct nt_batch *b, uint32_t cls, struct call *out, int max)
{
	size_t pos = 0;
	struct nt_msg m;
	int n = 0;

	while (nt_msg_next(b->data, b->len, &pos, &m) == 1) {
		struct nt_cursor c;
		struct call k = {0};
		struct nt_val v;
		int64_t *ints[] = {&k.depth, &k.dur, &k.id, &k.parent, &k.exit_ts, &k.seen};

		if (m.type != NT_MSG_EVENT)
			continue;
		nt_cursor_init(&c, &m);
		if (nt_cur_u32(&c) != cls)
			continue;
		k.ts = nt_cur_u64(&c);
		k.cpu = (int32_t)nt_cur_u32(&c);
		k.pid = (int32_t)nt_cur_u32(&c);
		nt_cur_val(&c, &v);
		if (v.type == NT_VAL_TEXT)
			snprintf(k.func, sizeof(k.func), "%.*s", (int)v.n, v.s);
		for (int i = 0; i < 6; i++) {
			nt_cur_val(&c, &v);
			*ints[i] = v.type == NT_VAL_INT ? v.i : NUL;
		}
		if (k.id >= 1 && k.id <= max) {
			out[k.id - 1] = k;
			n++;
		}
	}
	return n;
}

static void test_nesting(void)
{
	struct nt_batch b;
	struct nt_fgraph *g = nt_fgraph_new(9);
	struct call c[8];
	struct nt_fgraph_stats st;

	nt_batch_init(&b);
	CHECK(!nt_fgraph_entry(g, &b, 0, 5, 100, "outer", 0));
	CHECK(!nt_fgraph_entry(g, &b, 0, 5, 110, "inner", 1));
	CHECK(!nt_fgraph_exit(g, &b, 0, 5, 150, NULL, 1, NT_FGRAPH_NO_DURATION));
	CHECK(!nt_fgraph_leaf(g, &b, 0, 5, 160, "leaf", 1, 5));
	CHECK(!nt_fgraph_entry(g, &b, 0, 6, 170, "other_task", 0)); /* another stack */
	CHECK(!nt_fgraph_exit(g, &b, 1, 5, 200, "outer", 0, 90));   /* migrated to cpu 1 */
	CHECK(!nt_fgraph_flush(g, &b));
	CHECK(decode(&b, 9, c, 8) == 4);
	CHECK(!strcmp(c[0].func, "outer") && c[0].dur == 90 && c[0].parent == NUL &&
	      c[0].exit_ts == 200 && c[0].cpu == 0 && c[0].ts == 100 && c[0].seen == 1);
	CHECK(!strcmp(c[1].func, "inner") && c[1].dur == 40 && c[1].parent == 1 && c[1].depth == 1);
	CHECK(!strcmp(c[2].func, "leaf") && c[2].dur == 5 && c[2].exit_ts == 165 &&
	      c[2].parent == 1);
	CHECK(!strcmp(c[3].func, "other_task") && c[3].dur == NUL && c[3].pid == 6);
	nt_fgraph_get_stats(g, &st);
	CHECK(st.calls == 4 + 0 && st.unclosed == 1 && st.entry_unseen == 0 && st.mismatched == 0);
	nt_fgraph_free(g);
	nt_batch_release(&b);
}

static void test_lost(void)
{
	struct nt_batch b;
	struct nt_fgraph *g = nt_fgraph_new(3);
	struct call c[8];
	struct nt_fgraph_stats st;

	nt_batch_init(&b);
	/* the trace starts inside two calls: exits without entries */
	CHECK(!nt_fgraph_exit(g, &b, 0, 7, 500, "z", 2, 50));
	CHECK(!nt_fgraph_entry(g, &b, 0, 7, 510, "y", 2));
	CHECK(!nt_fgraph_exit(g, &b, 0, 7, 600, "p", 1, 200));
	/* an entry whose exit was lost: the next entry at its depth closes it */
	CHECK(!nt_fgraph_entry(g, &b, 0, 7, 700, "a", 1));
	CHECK(!nt_fgraph_entry(g, &b, 0, 7, 710, "b", 1));
	CHECK(!nt_fgraph_exit(g, &b, 0, 7, 720, "not_b", 1, 10));
	CHECK(nt_fgraph_entry(g, &b, 0, 7, 730, "deep", NT_FGRAPH_MAX_DEPTH + 1) ==
	      NT_FGRAPH_BAD_DEPTH);
	CHECK(nt_fgraph_exit(g, &b, 0, 7, 730, "neg", -1, 1) == NT_FGRAPH_BAD_DEPTH);
	CHECK(!nt_fgraph_flush(g, &b));
	CHECK(decode(&b, 3, c, 8) == 6);
	/* ids: 1 = frame d0 (never named), 2 = p (d1), 3 = z (d2), 4 = y, 5 = a, 6 = b */
	CHECK(c[2].seen == 0 && !strcmp(c[2].func, "z") && c[2].ts == 450 && c[2].parent == 2);
	CHECK(c[1].seen == 0 && !strcmp(c[1].func, "p") && c[1].ts == 400 && c[1].dur == 200);
	CHECK(c[3].seen == 1 && !strcmp(c[3].func, "y") && c[3].dur == NUL && c[3].parent == 2);
	CHECK(c[0].seen == 0 && !c[0].func[0] && c[0].dur == NUL && c[0].depth == 0 &&
	      c[0].ts == 510); /* its first recorded callee */
	CHECK(!strcmp(c[4].func, "a") && c[4].dur == NUL && c[4].parent == 1);
	CHECK(!strcmp(c[5].func, "b") && c[5].dur == 10);
	nt_fgraph_get_stats(g, &st);
	CHECK(st.entry_unseen == 3 && st.unclosed == 3 && st.mismatched == 1);
	nt_fgraph_free(g);
	nt_batch_release(&b);
}

static void test_switch(void)
{
	struct nt_batch b;
	struct nt_fgraph *g = nt_fgraph_new(4);
	struct call c[4];

	nt_batch_init(&b);
	CHECK(!nt_fgraph_entry(g, &b, 0, -1, NT_FGRAPH_NO_TS, "schedule", 0));
	CHECK(!nt_fgraph_switch(g, &b, 0, 42, 43));
	CHECK(!nt_fgraph_leaf(g, &b, 0, 43, NT_FGRAPH_NO_TS, "other", 0, 7));
	CHECK(!nt_fgraph_exit(g, &b, 0, 42, NT_FGRAPH_NO_TS, NULL, 0, 1000));
	CHECK(!nt_fgraph_flush(g, &b));
	CHECK(decode(&b, 4, c, 4) == 2);
	CHECK(!strcmp(c[0].func, "schedule") && c[0].pid == 42 && c[0].dur == 1000 &&
	      c[0].ts == 0 && c[0].exit_ts == NUL);
	CHECK(!strcmp(c[1].func, "other") && c[1].pid == 43 && c[1].parent == NUL);
	nt_fgraph_free(g);
	nt_batch_release(&b);
}

static const char entry_fmt[] =
	"name: funcgraph_entry\nID: 11\nformat:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
	"\tfield:unsigned long func;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:int depth;\toffset:16;\tsize:4;\tsigned:1;\n\n"
	"print fmt: \"--> %ps (%d)\", (void *)REC->func, REC->depth\n";

static const char exit_fmt[] =
	"name: funcgraph_exit\nID: 10\nformat:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
	"\tfield:unsigned long func;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:int depth;\toffset:16;\tsize:4;\tsigned:1;\n"
	"\tfield:unsigned int overrun;\toffset:20;\tsize:4;\tsigned:0;\n"
	"\tfield:unsigned long long calltime;\toffset:24;\tsize:8;\tsigned:0;\n"
	"\tfield:unsigned long long rettime;\toffset:32;\tsize:8;\tsigned:0;\n\n"
	"print fmt: \"<-- %ps (%d) (start: %llx  end: %llx) over: %d\", (void *)REC->func, "
	"REC->depth, REC->calltime, REC->rettime, REC->depth\n";

static void put(unsigned char *d, int off, uint64_t v, int size)
{
	memcpy(d + off, &v, (size_t)size); /* little endian host, as the handle says */
}

static void test_tep(void)
{
	struct tep_handle *tep = tep_alloc();
	struct tep_event *en, *ex;
	struct tep_record r = {0};
	unsigned char d[40] = {0};
	struct nt_fgraph *g = NULL;
	uint32_t next = 20;
	struct nt_batch b;
	struct call c[4];

	nt_batch_init(&b);
	tep_set_long_size(tep, 8);
	tep_set_file_bigendian(tep, TEP_LITTLE_ENDIAN);
	tep_set_local_bigendian(tep, TEP_LITTLE_ENDIAN);
	CHECK(!tep_parse_event(tep, entry_fmt, sizeof(entry_fmt) - 1, "ftrace"));
	CHECK(!tep_parse_event(tep, exit_fmt, sizeof(exit_fmt) - 1, "ftrace"));
	CHECK(!tep_register_function(tep, "udp_sendmsg", 0xffffffff81a00000ull, NULL));
	CHECK(!tep_register_function(tep, "udp_recvmsg", 0xffffffff81a00400ull, NULL));
	en = tep_find_event(tep, 11);
	ex = tep_find_event(tep, 10);
	CHECK(en && ex);
	if (!en || !ex)
		goto out;
	r.data = d;
	r.size = sizeof(d);
	r.cpu = 1;
	r.ts = 1000;
	put(d, 0, 11, 2);
	put(d, 8, 0xffffffff81a00000ull, 8); /* the function graph records its start address */
	put(d, 16, 0, 4);
	CHECK(!nt_fgraph_tep_record(&g, &next, &b, tep, en, &r, 77));
	CHECK(g && next == 21);
	r.ts = 1300;
	put(d, 0, 10, 2);
	put(d, 24, 1000, 8);
	put(d, 32, 1250, 8);
	CHECK(!nt_fgraph_tep_record(&g, &next, &b, tep, ex, &r, 77));
	put(d, 0, 11, 2);
	put(d, 8, 0x1234, 8); /* no symbol */
	put(d, 16, (uint32_t)-5, 4);
	CHECK(nt_fgraph_tep_record(&g, &next, &b, tep, en, &r, 77) == NT_FGRAPH_BAD_DEPTH);
	put(d, 16, 0, 4);
	CHECK(!nt_fgraph_tep_record(&g, &next, &b, tep, en, &r, 77));
	CHECK(!nt_fgraph_flush(g, &b));
	CHECK(decode(&b, 20, c, 4) == 2);
	CHECK(!strcmp(c[0].func, "udp_sendmsg") && c[0].dur == 250 && c[0].ts == 1000 &&
	      c[0].exit_ts == 1300 && c[0].cpu == 1 && c[0].pid == 77);
	CHECK(!strcmp(c[1].func, "0x1234") && c[1].dur == NUL);
out:
	nt_fgraph_free(g);
	tep_free(tep);
	nt_batch_release(&b);
}

int main(void)
{
	test_nesting();
	test_lost();
	test_switch();
	test_tep();
	if (failures) {
		fprintf(stderr, "%d checks failed\n", failures);
		return 1;
	}
	printf("ok\n");
	return 0;
}
