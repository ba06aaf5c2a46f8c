/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unit test: the one-line parsers of the ftrace text readers (parse/ftrace_text.h): timestamps
 * by digit count, comm-pid splits, the flags column, event heads, key=value fields and
 * function_graph lines.
 */
#include <stdio.h>
#include <string.h>

#include "parse/ftrace_text.h"

#include "tests/lib/check.h"

#define S(lit) lit, strlen(lit)

static bool eq(const char *s, size_t n, const char *lit)
{
	return s && n == strlen(lit) && !memcmp(s, lit, n);
}

static void test_ts(void)
{
	uint64_t ns = 0;

	CHECK(!nt_text_ts(S("365761.623995"), &ns) && ns == 365761623995000ull);
	CHECK(!nt_text_ts(S("1124.025380460"), &ns) && ns == 1124025380460ull);
	CHECK(!nt_text_ts(S("12.5"), &ns) && ns == 12500000000ull);
	CHECK(!nt_text_ts(S("0.000000001"), &ns) && ns == 1);
	CHECK(!nt_text_ts(S("123456789"), &ns) && ns == 123456789); /* a raw counter */
	CHECK(nt_text_ts(S("1.0000000001"), &ns));		    /* 10 digits: not a timestamp */
	CHECK(nt_text_ts(S("1."), &ns));
	CHECK(nt_text_ts(S(".5"), &ns));
	CHECK(nt_text_ts(S("12.3x"), &ns));
	CHECK(nt_text_ts(S("-1.5"), &ns));
	CHECK(nt_text_ts(S("99999999999999.000000"), &ns)); /* does not fit 64 bits in ns */
	CHECK(nt_text_ts("", 0, &ns));
}

static void test_duration(void)
{
	int64_t ns = 0;

	CHECK(!nt_text_duration(S("0.198"), &ns) && ns == 198);
	CHECK(!nt_text_duration(S("11.006"), &ns) && ns == 11006);
	CHECK(!nt_text_duration(S("852421.5"), &ns) && ns == 852421500); /* cut to 7 digits */
	CHECK(!nt_text_duration(S("12345.67"), &ns) && ns == 12345670);
	CHECK(!nt_text_duration(S("19354026"), &ns) && ns == 19354026000);
	CHECK(nt_text_duration(S("1.2345"), &ns));
	CHECK(nt_text_duration(S("1.x"), &ns));
	CHECK(nt_text_duration(S("us"), &ns));
}

static void test_comm_pid(void)
{
	size_t cl = 0;
	int32_t pid = 0;
	const char *s;

	s = "Web Content-2711";
	CHECK(!nt_text_comm_pid(s, strlen(s), &cl, &pid) && pid == 2711 &&
	      eq(s, cl, "Web Content"));
	s = "kworker/u8:2-events-123";
	CHECK(!nt_text_comm_pid(s, strlen(s), &cl, &pid) && pid == 123 &&
	      eq(s, cl, "kworker/u8:2-events"));
	s = "<...>-4083";
	CHECK(!nt_text_comm_pid(s, strlen(s), &cl, &pid) && pid == 4083 && eq(s, cl, "<...>"));
	s = "migration/0--1"; /* as the function_graph switch block prints some comms */
	CHECK(!nt_text_comm_pid(s, strlen(s), &cl, &pid) && pid == 1 && eq(s, cl, "migration/0-"));
	CHECK(nt_text_comm_pid(S("nopid"), &cl, &pid));
	CHECK(nt_text_comm_pid(S("comm-"), &cl, &pid));
	CHECK(nt_text_comm_pid(S("comm-12a"), &cl, &pid));
	CHECK(nt_text_comm_pid(S("x-99999999999"), &cl, &pid));
}

static void test_flags(void)
{
	CHECK(nt_text_is_flags(S("d.h.")));
	CHECK(nt_text_is_flags(S("dNs1.")));
	CHECK(nt_text_is_flags(S("....")));
	CHECK(nt_text_is_flags(S("dnHf")));
	CHECK(nt_text_is_flags(S("b..1.")));
	CHECK(!nt_text_is_flags(S("d.h.:")));
	CHECK(!nt_text_is_flags(S("123.456:")));
	CHECK(!nt_text_is_flags(S("dxyz")));
	CHECK(!nt_text_is_flags("", 0));
	CHECK(!nt_text_is_flags(S("d.........")));
}

static void test_head(void)
{
	struct nt_text_head h;
	const char *l;

	l = "     Web Content-2711  [003] d... 26186.336632: sched_waking: comm=Timer pid=2745";
	CHECK(!nt_text_head(l, strlen(l), &h));
	CHECK(eq(h.comm, h.comm_len, "Web Content") && h.pid == 2711 && h.cpu == 3);
	CHECK(eq(h.flags, h.flags_len, "d...") && h.ts == 26186336632000ull && !h.has_tgid);
	CHECK(eq(h.rest, h.rest_len, "sched_waking: comm=Timer pid=2745"));

	l = "com.google.android.youtube-23071 (23071) [002] d..5 214168.479892: sched_wakeup: x=1";
	CHECK(!nt_text_head(l, strlen(l), &h));
	CHECK(h.has_tgid && h.tgid == 23071 && h.pid == 23071 && h.cpu == 2);
	CHECK(eq(h.comm, h.comm_len, "com.google.android.youtube"));

	l = "          <idle>-0     (-----) [001] d..3 214168.479898: sched_switch: a=b";
	CHECK(!nt_text_head(l, strlen(l), &h) && h.has_tgid && h.tgid == -1 && h.pid == 0);

	l = " IntentService[E-3866  [001] ...1   652.762632: sys_exit: NR 54 = 0";
	CHECK(!nt_text_head(l, strlen(l), &h) && h.pid == 3866 &&
	      eq(h.comm, h.comm_len, "IntentService[E"));

	l = "     ksoftirqd/2-16      [002]   512.000010: softirq_entry: vec=3 [action=NET_RX]";
	CHECK(!nt_text_head(l, strlen(l), &h) && !h.flags && h.cpu == 2 && h.ts == 512000010000ull);

	l = "      nt-traffic-7706  [000]  1124.025380460: net_dev_queue:        dev=lo";
	CHECK(!nt_text_head(l, strlen(l), &h) && h.ts == 1124025380460ull);
	CHECK(eq(h.rest, h.rest_len, "net_dev_queue:        dev=lo"));

	l = "nt-traff-7706    0.....  1124.025380: net_dev_queue:        dev=lo";
	CHECK(!nt_text_head(l, strlen(l), &h) && h.cpu == 0 && eq(h.flags, h.flags_len, "....."));
	CHECK(h.pid == 7706 && eq(h.comm, h.comm_len, "nt-traff"));

	l = " 0)               |  do_nanosleep() {";
	CHECK(nt_text_head(l, strlen(l), &h));
	l = "The format of this output is documented in [1] the function graph section";
	CHECK(nt_text_head(l, strlen(l), &h));
}

static void test_fields(void)
{
	struct nt_text_kv kv[8];
	unsigned more = 0, n;
	const char *s;

	s = "prev_comm=Web Content prev_pid=2711 prev_state=S ==> next_comm=swapper/0 next_pid=0";
	n = nt_text_fields(s, strlen(s), kv, 8, &more);
	CHECK(n == 5 && !more);
	CHECK(eq(kv[0].key, kv[0].key_len, "prev_comm") &&
	      eq(kv[0].val, kv[0].val_len, "Web Content"));
	CHECK(eq(kv[2].key, kv[2].key_len, "prev_state") && eq(kv[2].val, kv[2].val_len, "S"));
	CHECK(eq(kv[3].val, kv[3].val_len, "swapper/0"));

	s = "vec=3 [action=NET_RX]";
	n = nt_text_fields(s, strlen(s), kv, 8, &more);
	CHECK(n == 2 && eq(kv[1].key, kv[1].key_len, "action") &&
	      eq(kv[1].val, kv[1].val_len, "NET_RX"));

	s = "skbaddr=0xffff888106247b00 location=ip_rcv_core+0x1a4/0x330 reason: IP_CSUM";
	n = nt_text_fields(s, strlen(s), kv, 8, &more);
	CHECK(n == 3 && eq(kv[2].key, kv[2].key_len, "reason") &&
	      eq(kv[2].val, kv[2].val_len, "IP_CSUM"));

	s = "comm=x runtime=25630 [ns] name=\"a b\" z=1";
	n = nt_text_fields(s, strlen(s), kv, 8, &more);
	CHECK(n == 4 && eq(kv[1].val, kv[1].val_len, "25630") &&
	      eq(kv[2].val, kv[2].val_len, "a b"));

	s = "a=1 b=2 c=3";
	n = nt_text_fields(s, strlen(s), kv, 2, &more);
	CHECK(n == 2 && more == 1);
}

static void test_int(void)
{
	int64_t v;

	CHECK(nt_text_int(S("002"), &v) && v == 2);
	CHECK(nt_text_int(S("-14"), &v) && v == -14);
	CHECK(nt_text_int(S("0x0800"), &v) && v == 2048);
	CHECK(nt_text_int(S("0xffffffffffffffff"), &v) && v == -1);
	CHECK(nt_text_int(S("18446744073709551615"), &v) && v == -1);
	CHECK(!nt_text_int(S("18446744073709551616"), &v));
	CHECK(!nt_text_int(S("0x"), &v));
	CHECK(!nt_text_int(S("1.5"), &v));
	CHECK(!nt_text_int(S("R+"), &v));
	CHECK(nt_text_hex(S("ff"), &v) && v == 255);
}

static void test_fg(void)
{
	struct nt_fg_line g;
	const char *l;

	l = " 0)               |  do_nanosleep() {";
	CHECK(!nt_fg_line(l, strlen(l), &g) && g.kind == NT_FG_ENTRY && g.depth == 0 && g.cpu == 0);
	CHECK(eq(g.func, g.func_len, "do_nanosleep") && !g.has_duration && !g.has_ts);

	l = " 0)   0.198 us    |          _raw_spin_lock_irqsave();";
	CHECK(!nt_fg_line(l, strlen(l), &g) && g.kind == NT_FG_LEAF && g.depth == 4);
	CHECK(g.has_duration && g.duration == 198);

	l = " 0)   1.583 us    |          } /* load_TLS_descriptor */";
	CHECK(!nt_fg_line(l, strlen(l), &g) && g.kind == NT_FG_EXIT && g.depth == 4);
	CHECK(eq(g.func, g.func_len, "load_TLS_descriptor") && g.duration == 1583);

	l = " 1)   1000131 us |      }";
	CHECK(!nt_fg_line(l, strlen(l), &g) && g.kind == NT_FG_EXIT && g.depth == 2 && !g.func);
	CHECK(g.duration == 1000131000);

	l = " 1)   getname() {";
	CHECK(!nt_fg_line(l, strlen(l), &g) && g.kind == NT_FG_ENTRY && g.depth == 1);

	l = "7238523.638066 |   0)   19354026 us |            } /* __schedule */";
	CHECK(!nt_fg_line(l, strlen(l), &g) && g.kind == NT_FG_EXIT && g.has_ts);
	CHECK(g.ts == 7238523638066000ull && g.depth == 5 && g.duration == 19354026000);

	l = " 2000.000105 |   1)  nt-traf-900   | + 12.345 us   |        __dev_queue_xmit();";
	CHECK(!nt_fg_line(l, strlen(l), &g) && g.kind == NT_FG_LEAF && g.depth == 3);
	CHECK(g.has_proc && g.pid == 900 && eq(g.comm, g.comm_len, "nt-traf") &&
	      g.duration == 12345);

	l = " 2000.000104 |   1)  nt-traf-900   |               |          /* net_dev_queue: "
	    "dev=lo */";
	CHECK(!nt_fg_line(l, strlen(l), &g) && g.kind == NT_FG_COMMENT);
	CHECK(eq(g.text, g.text_len, "net_dev_queue: dev=lo"));

	l = " 0)  platfor-3210  =>  vmstat-2854  ";
	CHECK(!nt_fg_line(l, strlen(l), &g) && g.kind == NT_FG_SWITCH && g.pid == 3210 &&
	      g.pid2 == 2854);

	l = " ------------------------------------------";
	CHECK(!nt_fg_line(l, strlen(l), &g) && g.kind == NT_FG_NOOP);
	l = " (Overruns: 2)";
	CHECK(!nt_fg_line(l, strlen(l), &g) && g.kind == NT_FG_NOOP && g.overruns == 2);
	l = " 1)  nt-traf-900   |   ==========> |";
	CHECK(!nt_fg_line(l, strlen(l), &g) && g.kind == NT_FG_NOOP);

	l = " 0)   0.198 us    |         _raw_spin_lock();"; /* odd indentation */
	CHECK(nt_fg_line(l, strlen(l), &g));
	l = "Tracing \"do_nanosleep\"... Ctrl-C to end.";
	CHECK(nt_fg_line(l, strlen(l), &g));
	l = "I'll start by showing do_nanosleep(), since it's usually low frequency();";
	CHECK(nt_fg_line(l, strlen(l), &g));
}

int main(void)
{
	test_ts();
	test_duration();
	test_comm_pid();
	test_flags();
	test_head();
	test_fields();
	test_int();
	test_fg();
	if (failures) {
		fprintf(stderr, "%d checks failed\n", failures);
		return 1;
	}
	printf("ok\n");
	return 0;
}
