/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unit test of the skb lifecycle analysis on a hand-made trace: events are inserted into a
 * database with the store's schema, the analyses run, and every expected value below is
 * worked out by hand from the events listed here.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/analyze.h"
#include "core/error.h"
#include "store/store.h"
#include "tests/lib/check.h"

static sqlite3 *db;
static int64_t rowid;

static void exec(const char *fmt, ...)
{
	char *sql, *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	sql = sqlite3_vmprintf(fmt, ap);
	va_end(ap);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "FAIL: %s: %s\n", sql, msg);
		failures++;
	}
	sqlite3_free(msg);
	sqlite3_free(sql);
}

/* The first column of the first row of @fmt, as text ("" for NULL, "none" for no row). */
static const char *q(const char *fmt, ...)
{
	static char out[4096];
	sqlite3_stmt *st;
	char *sql;
	va_list ap;

	va_start(ap, fmt);
	sql = sqlite3_vmprintf(fmt, ap);
	va_end(ap);
	snprintf(out, sizeof(out), "none");
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "FAIL: %s: %s\n", sql, sqlite3_errmsg(db));
		failures++;
	} else {
		if (sqlite3_step(st) == SQLITE_ROW) {
			const unsigned char *t = sqlite3_column_text(st, 0);
			snprintf(out, sizeof(out), "%s", t ? (const char *)t : "");
		}
		sqlite3_finalize(st);
	}
	sqlite3_free(sql);
	return out;
}

#define CHECK_Q(expect, ...)                                                                   \
	do {                                                                                   \
		const char *got_ = q(__VA_ARGS__);                                             \
		if (strcmp(got_, expect)) {                                                    \
			fprintf(stderr, "FAIL %s:%d: %s: expected '%s', got '%s'\n", __FILE__, \
				__LINE__, #__VA_ARGS__, expect, got_);                         \
			failures++;                                                            \
		}                                                                              \
	} while (0)

static const struct {
	const char *name, *cols;
} classes[] = {
	{"kmem:kmem_cache_alloc", "ptr, name"},
	{"kmem:kmem_cache_free", "ptr, name, call_site, call_site_sym"},
	{"net:net_dev_queue", "skbaddr, len, name"},
	{"net:net_dev_start_xmit", "skbaddr, len, name, protocol"},
	{"net:net_dev_xmit", "skbaddr, len, rc, name"},
	{"net:netif_rx", "skbaddr, len, name"},
	{"net:netif_receive_skb", "skbaddr, len, name"},
	{"skb:skb_copy_datagram_iovec", "skbaddr, len"},
	{"skb:consume_skb", "skbaddr, location, location_sym"},
	{"skb:kfree_skb", "skbaddr, location, location_sym, protocol, reason, reason_sym"},
	{"tcp:tcp_send_reset", "skbaddr, skaddr"},
	{"sock:sk_data_ready", "skaddr, family, protocol"},
	{"sock:sock_recv_length", "sk, family, protocol, ret, flags"},
};

/* One event of trace @trace: class @cls at @ts on @cpu by @pid, field values @vals (SQL). */
static void ev(int trace, const char *cls, int64_t ts, int cpu, int pid, const char *vals)
{
	const char *cols = NULL;

	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (!strcmp(classes[i].name, cls))
			cols = classes[i].cols;
	if (!cols) {
		fprintf(stderr, "FAIL: no class %s\n", cls);
		failures++;
		return;
	}
	exec("INSERT INTO \"%w\"(rowid, trace_id, common_ts, common_cpu, common_pid, common_task, "
	     "%s) VALUES(%lld, %d, %lld, %d, %d, (SELECT id FROM tasks WHERE trace_id=%d AND "
	     "pid=%d), %s)",
	     cls, cols, (long long)++rowid, trace, (long long)ts, cpu, pid, trace, pid, vals);
}

static void setup(void)
{
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		char sys[32];
		const char *colon = strchr(classes[i].name, ':');
		snprintf(sys, sizeof(sys), "%.*s", (int)(colon - classes[i].name), classes[i].name);
		exec("CREATE TABLE \"%w\"(trace_id INTEGER, common_ts INTEGER, common_cpu INTEGER, "
		     "common_pid INTEGER, common_task INTEGER, %s)",
		     classes[i].name, classes[i].cols);
		exec("INSERT INTO event_classes(id, name, system, event) VALUES(%d, %Q, %Q, %Q)",
		     (int)i + 1, classes[i].name, sys, colon + 1);
	}
	for (int t = 1; t <= 4; t++) {
		exec("INSERT INTO traces(id, path, fingerprint, format, ncpus, first_ts, last_ts, "
		     "imported_at) VALUES(%d, 'unit', 'unit-%d', 'unit', 2, 0, 100000, 'now')",
		     t, t);
		exec("INSERT INTO tasks(trace_id, pid, comm) VALUES(%d, 10, 'sender'), "
		     "(%d, 20, 'reader')",
		     t, t);
	}
}

/* After the events of @trace: trace_classes as the importer would fill it. */
static int analyze(int trace)
{
	struct nt_err *err = NULL;

	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		exec("INSERT INTO trace_classes SELECT %d, %d, %Q, count(*), min(rowid), "
		     "max(rowid), NULL FROM \"%w\" WHERE trace_id=%d HAVING count(*) > 0",
		     trace, (int)i + 1, classes[i].name, classes[i].name, trace);
	if (nt_analyze_trace(db, trace, &err)) {
		fprintf(stderr, "FAIL: analysis of trace %d failed\n", trace);
		nt_err_free(err);
		failures++;
		return -1;
	}
	return 0;
}

#define A 0x1000 /* addresses */
#define B 0x2000
#define C 0x3000
#define D 0x4000
#define E 0x5000
#define F 0x6000

/*
 * Trace 1:
 *  A: alloc, queue, xmit, rx, receive, copy, consume, slab free   -> consumed (consume_skb)
 *     alloc again (reuse), queue, tcp_send_reset, kfree NO_SOCKET -> dropped, no slab free
 *  B: alloc, queue (cpu 0) and nothing more                       -> open at the end
 *  C: queue at 5000 on cpu 1, xmit at 7000 on cpu 1: lost window on cpu 1 at 6000 -> lossy
 *  D: same times on cpu 0                                         -> not lossy
 *  E: queue lo, receive lo, queue lo again (no free, no alloc)    -> 2 lifecycles, 1st reuse
 *  F: alloc, then an alloc of another cache at the same address   -> consumed by reuse
 *  untracked slab free of an skbuff cache object                  -> note 1
 */
static void trace1(void)
{
	ev(1, "kmem:kmem_cache_alloc", 1000, 0, 10, "4096, 'skbuff_head_cache'");
	ev(1, "net:net_dev_queue", 1100, 0, 10, "4096, 1276, 'lo'");
	ev(1, "net:net_dev_start_xmit", 1150, 0, 10, "4096, 1276, 'lo', 2048");
	ev(1, "net:netif_rx", 1200, 0, 10, "4096, 1262, 'lo'");
	ev(1, "net:net_dev_xmit", 1300, 0, 10, "4096, 1276, 0, 'lo'");
	ev(1, "net:netif_receive_skb", 1400, 0, 10, "4096, 1262, 'lo'");
	ev(1, "skb:skb_copy_datagram_iovec", 2000, 1, 20, "4096, 1234");
	ev(1, "skb:consume_skb", 2100, 1, 20, "4096, 77, 'skb_free_datagram+0x10'");
	ev(1, "kmem:kmem_cache_free", 2110, 1, 20,
	   "4096, 'skbuff_head_cache', 78, 'kfree_skbmem+0x1'");
	ev(1, "kmem:kmem_cache_alloc", 3000, 0, 10, "4096, 'skbuff_fclone_cache'");
	ev(1, "net:net_dev_queue", 3100, 0, 10, "4096, 74, 'lo'");
	ev(1, "tcp:tcp_send_reset", 3200, 0, 10, "4096, 0");
	ev(1, "skb:kfree_skb", 3300, 0, 10, "4096, 99, 'tcp_v4_rcv+0x99', 2048, 3, 'NO_SOCKET'");
	ev(1, "kmem:kmem_cache_alloc", 4000, 0, 10, "8192, 'skbuff_cache'");
	ev(1, "net:net_dev_queue", 4100, 0, 10, "8192, 100, 'eth0'");
	ev(1, "net:net_dev_queue", 5000, 1, 10, "12288, 100, 'eth0'");
	ev(1, "net:net_dev_queue", 5000, 0, 10, "16384, 100, 'eth0'");
	ev(1, "net:net_dev_xmit", 7000, 1, 10, "12288, 100, 0, 'eth0'");
	ev(1, "net:net_dev_xmit", 7000, 0, 10, "16384, 100, 0, 'eth0'");
	ev(1, "skb:consume_skb", 7100, 1, 0, "12288, 1, 'a+0x1'");
	ev(1, "skb:consume_skb", 7100, 0, 0, "16384, 1, 'a+0x1'");
	ev(1, "net:net_dev_queue", 8000, 0, 10, "20480, 60, 'lo'");
	ev(1, "net:netif_receive_skb", 8100, 0, 10, "20480, 46, 'lo'");
	ev(1, "net:net_dev_queue", 8200, 0, 10, "20480, 60, 'lo'");
	ev(1, "net:netif_receive_skb", 8300, 0, 10, "20480, 46, 'lo'");
	ev(1, "skb:kfree_skb", 8400, 0, 10, "20480, 5, 'x+0x5', 2048, 2, 'NOT_SPECIFIED'");
	ev(1, "kmem:kmem_cache_alloc", 9000, 0, 10, "24576, 'skbuff_head_cache'");
	ev(1, "kmem:kmem_cache_alloc", 9100, 0, 10, "24576, 'kmalloc-256'");
	ev(1, "kmem:kmem_cache_free", 9200, 0, 10, "999424, 'skbuff_head_cache', 1, 'x'");
	exec("INSERT INTO lost_windows VALUES(1, 1, 6000, 6001, 5)");
	if (analyze(1))
		return;

	CHECK_Q("8", "SELECT count(*) FROM skb_lifecycles WHERE trace_id=1");
	/* A, first life */
	CHECK_Q("1|consumed|consume_skb|lo|1276|1262|2048|9|0",
		"SELECT skb_id||'|'||outcome||'|'||end_by||'|'||device||'|'||len||'|'||rx_len||'|'"
		"||protocol||'|'||hops||'|'||lossy FROM skb_lifecycles WHERE trace_id=1 AND "
		"skbaddr=%d ORDER BY skb_id LIMIT 1",
		A);
	CHECK_Q("1000|1100|1150|1200|2000|2100|2100|1000|2110",
		"SELECT alloc_ts||'|'||queue_ts||'|'||xmit_ts||'|'||receive_ts||'|'||copy_ts||'|'||"
		"free_ts||'|'||end_ts||'|'||start_ts||'|'||last_ts FROM skb_lifecycles WHERE "
		"skb_id=1 AND trace_id=1");
	CHECK_Q("10|sender|20|reader|skb_free_datagram+0x10|77",
		"SELECT tx_pid||'|'||tx_comm||'|'||rx_pid||'|'||rx_comm||'|'||location||'|'||"
		"location_addr FROM skb_lifecycles WHERE skb_id=1 AND trace_id=1");
	CHECK_Q("kmem:kmem_cache_alloc,net:net_dev_queue,net:net_dev_start_xmit,net:netif_rx,"
		"net:net_dev_xmit,net:netif_receive_skb,skb:skb_copy_datagram_iovec,skb:consume_"
		"skb,"
		"kmem:kmem_cache_free",
		"SELECT group_concat(event) FROM (SELECT event FROM skb_hops WHERE trace_id=1 AND "
		"skb_id=1 ORDER BY event_rowid)");
	CHECK_Q("alloc,queue,xmit,receive,xmit,receive,copy,free,free",
		"SELECT group_concat(stage) FROM (SELECT stage FROM skb_hops WHERE trace_id=1 AND "
		"skb_id=1 ORDER BY event_rowid)");
	/* A, second life: the address came back from the allocator */
	CHECK_Q("dropped|kfree_skb|NO_SOCKET|3|tcp_v4_rcv+0x99|4|74|3000|3300",
		"SELECT outcome||'|'||end_by||'|'||drop_reason||'|'||drop_reason_code||'|'||"
		"location||'|'||hops||'|'||len||'|'||start_ts||'|'||end_ts FROM skb_lifecycles "
		"WHERE trace_id=1 AND skbaddr=%d AND skb_id>1",
		A);
	CHECK_Q("1",
		"SELECT count(*) FROM skb_hops h JOIN skb_lifecycles l USING(trace_id, skb_id) "
		"WHERE h.trace_id=1 AND l.drop_reason='NO_SOCKET' AND "
		"h.event='tcp:tcp_send_reset'");
	/* B: open at the end, end_ts NULL */
	CHECK_Q("open||0|4100",
		"SELECT outcome||'|'||coalesce(end_ts,'')||'|'||lossy||'|'||last_ts "
		"FROM skb_lifecycles WHERE trace_id=1 AND skbaddr=%d",
		B);
	/* C lossy (cpu 1 lost events inside its life), D on cpu 0 not */
	CHECK_Q("1", "SELECT lossy FROM skb_lifecycles WHERE trace_id=1 AND skbaddr=%d", C);
	CHECK_Q("0", "SELECT lossy FROM skb_lifecycles WHERE trace_id=1 AND skbaddr=%d", D);
	/* E: queued again on lo after its receive on lo: a new skb */
	CHECK_Q("consumed|reuse|8000|8100||2;dropped|kfree_skb|8200|8400|NOT_SPECIFIED|3",
		"SELECT group_concat(x, ';') FROM (SELECT "
		"outcome||'|'||end_by||'|'||start_ts||'|'||"
		"last_ts||'|'||coalesce(drop_reason,'')||'|'||hops AS x FROM skb_lifecycles WHERE "
		"trace_id=1 AND skbaddr=%d ORDER BY skb_id)",
		E);
	/* F: allocated by another cache: ended, nothing new started */
	CHECK_Q("1|consumed|reuse|",
		"SELECT count(*)||'|'||outcome||'|'||end_by||'|'||"
		"coalesce(end_ts,'') FROM skb_lifecycles WHERE trace_id=1 AND "
		"skbaddr=%d",
		F);
	/* drop summary: drops and normal frees apart */
	CHECK_Q("dropped|kfree_skb|NO_SOCKET|tcp_v4_rcv+0x99|99|1|0",
		"SELECT outcome||'|'||end_by||'|'||reason||'|'||location||'|'||location_addr||'|'||"
		"count||'|'||lossy FROM skb_drops WHERE trace_id=1 AND reason='NO_SOCKET'");
	CHECK_Q("2", "SELECT sum(count) FROM skb_drops WHERE trace_id=1 AND outcome='dropped'");
	CHECK_Q("5", "SELECT sum(count) FROM skb_drops WHERE trace_id=1 AND outcome='consumed'");
	CHECK_Q("2|1", "SELECT count||'|'||lossy FROM skb_drops WHERE trace_id=1 AND "
		       "outcome='consumed' AND end_by='consume_skb' AND location='a+0x1'");
	/* notes */
	CHECK_Q("1", "SELECT value FROM analysis_notes WHERE trace_id=1 AND analysis='skb' AND "
		     "key='untracked_slab_frees'");
	CHECK_Q("1", "SELECT value FROM analysis_notes WHERE trace_id=1 AND analysis='skb' AND "
		     "key='open_at_end'");
	CHECK_Q("2", "SELECT value FROM analysis_notes WHERE trace_id=1 AND analysis='skb' AND "
		     "key='ended_by_reuse'");
	/*
	 * latency alloc->queue over the lifecycles not lossy: A1 100, A2 100, B 100, F none.
	 * queue->xmit: A1 50, D 2000 (C lossy, excluded).
	 */
	CHECK_Q("3|100|100|100|100|100",
		"SELECT count||'|'||min_ns||'|'||p50_ns||'|'||p90_ns||'|'||"
		"p99_ns||'|'||max_ns FROM skb_latency WHERE trace_id=1 "
		"AND from_stage='alloc' AND to_stage='queue'");
	CHECK_Q("2|50|50|2000|2000", "SELECT count||'|'||min_ns||'|'||p50_ns||'|'||p90_ns||'|'||"
				     "max_ns FROM skb_latency WHERE trace_id=1 AND "
				     "from_stage='queue' AND to_stage='xmit'");
	/* a stage missing: consecutive present stages (E2: queue -> receive -> free) */
	CHECK_Q("2", "SELECT count FROM skb_latency WHERE trace_id=1 AND from_stage='queue' AND "
		     "to_stage='receive'");
}

/*
 * Trace 2: exact percentiles and a kfree_skb without a reason: 20 skbs, queue->xmit of
 * 1..20 us; nearest rank: p50 = 10th = 10000, p90 = 18th = 18000, p99 = 20th = 20000.
 * No kmem_cache_free class in the trace: lifecycles end at consume/kfree.
 */
static void trace2(void)
{
	char v[128];

	for (int i = 1; i <= 20; i++) {
		snprintf(v, sizeof(v), "%d, 100, 'eth1'", 0x10000 + i * 0x100);
		ev(2, "net:net_dev_queue", 10000 + i * 100000, 0, 10, v);
		snprintf(v, sizeof(v), "%d, 100, 0, 'eth1'", 0x10000 + i * 0x100);
		ev(2, "net:net_dev_xmit", 10000 + i * 100000 + i * 1000, 0, 10, v);
		snprintf(v, sizeof(v), "%d, 1, NULL, NULL, NULL, NULL", 0x10000 + i * 0x100);
		if (i == 20)
			ev(2, "skb:kfree_skb", 10000 + i * 100000 + 50000, 0, 10, v);
	}
	if (analyze(2))
		return;
	CHECK_Q("20|1000|10000|18000|20000|20000",
		"SELECT count||'|'||min_ns||'|'||p50_ns||'|'||p90_ns||'|'||p99_ns||'|'||max_ns "
		"FROM skb_latency WHERE trace_id=2 AND from_stage='queue' AND to_stage='xmit'");
	CHECK_Q("dropped||", "SELECT outcome||'|'||coalesce(drop_reason,'')||'|'||"
			     "coalesce(location,'') FROM skb_lifecycles WHERE trace_id=2 AND "
			     "end_by='kfree_skb'");
	CHECK_Q("19", "SELECT count(*) FROM skb_lifecycles WHERE trace_id=2 AND outcome='open'");
	/* trace 1's rows are untouched by trace 2's analysis */
	CHECK_Q("8", "SELECT count(*) FROM skb_lifecycles WHERE trace_id=1");
}

/*
 * Trace 3: UDP datagrams read from their socket, then freed where no tracepoint fires (6.x:
 * into the per-cpu skb cache). S1 is allocated in the trace (its queue starts empty), S2 is
 * not (datagrams queued before the trace could be read first) until a read finds it empty.
 *  G1: received, queued on S1, read (800), its address allocated again -> consumed by reuse
 *  G2: received, queued on S1, a MSG_PEEK read (850) then a read (900)  -> recycled (read)
 *  G3: received, queued on S1, never read                               -> open
 *  G4: queued on S2 and read while S2 is not known empty                -> open
 *  G5: queued on S2 after an EAGAIN read (1300), read (1600)            -> recycled (read)
 *  G6: one skb queued on S1 and on S2 (multicast), read from S2         -> open
 *  G1': the reallocated address, nothing more                           -> open
 */
#define S1 0x70000
#define S2 0x80000
static void rx(int64_t ts, int64_t skb, int64_t sk)
{
	char v[96];

	snprintf(v, sizeof(v), "%lld, 'skbuff_head_cache'", (long long)skb);
	ev(3, "kmem:kmem_cache_alloc", ts, 0, 10, v);
	snprintf(v, sizeof(v), "%lld, 1262, 'lo'", (long long)skb);
	ev(3, "net:netif_receive_skb", ts + 100, 0, 10, v);
	snprintf(v, sizeof(v), "%lld, 2, 17", (long long)sk);
	ev(3, "sock:sk_data_ready", ts + 110, 0, 10, v);
}

static void reads(int64_t ts, int64_t sk, int ret, int flags)
{
	char v[96];

	snprintf(v, sizeof(v), "%lld, 2, 17, %d, %d", (long long)sk, ret, flags);
	ev(3, "sock:sock_recv_length", ts, 1, 20, v);
}

static void trace3(void)
{
	ev(3, "kmem:kmem_cache_alloc", 100, 1, 20, "458752, 'UDP'"); /* S1 */
	rx(200, 0x9000, S1);
	rx(400, 0xA000, S1);
	rx(600, 0xB000, S1);
	reads(800, S1, 1234, 0);
	reads(850, S1, 1234, 2);
	reads(900, S1, 1234, 0);
	rx(1000, 0xC000, S2);
	reads(1200, S2, 1234, 0);
	reads(1300, S2, -11, 0);
	rx(1400, 0xD000, S2);
	reads(1600, S2, 1234, 0);
	rx(1700, 0xE000, S1);
	ev(3, "sock:sk_data_ready", 1820, 0, 10, "524288, 2, 17");
	reads(1900, S2, 1234, 0);
	ev(3, "kmem:kmem_cache_alloc", 2000, 0, 10, "36864, 'skbuff_head_cache'");
	if (analyze(3))
		return;
	CHECK_Q("36864:consumed:reuse:reader,36864:open::,40960:recycled:read:reader,"
		"45056:open::,49152:open::,53248:recycled:read:reader,57344:open::",
		"SELECT group_concat(x) FROM (SELECT skbaddr||':'||outcome||':'||coalesce(end_by, "
		"'')||':'||coalesce(rx_comm, '') AS x FROM skb_lifecycles WHERE trace_id=3 ORDER "
		"BY "
		"skbaddr, skb_id)");
	CHECK_Q("", "SELECT group_concat(end_ts) FROM skb_lifecycles WHERE trace_id=3 AND "
		    "outcome='recycled'");
	CHECK_Q("2", "SELECT value FROM analysis_notes WHERE trace_id=3 AND analysis='skb' AND "
		     "key='recycled_at_end'");
	CHECK_Q("4", "SELECT value FROM analysis_notes WHERE trace_id=3 AND analysis='skb' AND "
		     "key='open_at_end'");
	CHECK_Q("2", "SELECT count FROM skb_drops WHERE trace_id=3 AND outcome='recycled' AND "
		     "end_by='read'");
}

/*
 * Trace 4: hops stored as JSON (skb_hop_lists) come back through the view skb_hops byte for
 * byte: a device name with a quote, a backslash, a control byte, UTF-8 and a byte that is not
 * UTF-8; a hop without a device; times and rowids far from the bases.
 */
static void trace4(void)
{
	/* a"b\<01>é<ff> */
	const char *dev = "CAST(X'6122625C01C3A9FF' AS TEXT)";

	ev(4, "kmem:kmem_cache_alloc", 1000, 1, 10, "36864, 'skbuff_head_cache'");
	exec("INSERT INTO \"net:net_dev_queue\"(rowid, trace_id, common_ts, common_cpu, "
	     "common_pid, skbaddr, len, name) VALUES(%lld, 4, 9000000000000, 0, 20, 36864, 7, %s)",
	     (long long)(rowid += 1000000), dev);
	if (analyze(4))
		return;
	CHECK_Q("6122625C01C3A9FF", "SELECT hex(device) FROM skb_hops WHERE trace_id=4 AND "
				    "stage='queue'");
	CHECK_Q("1", "SELECT count(*) FROM skb_hops WHERE trace_id=4 AND stage='alloc' AND "
		     "device IS NULL AND len IS NULL AND cpu=1 AND pid=10 AND ts=1000");
	CHECK_Q("9000000000000|0|20|7|1", "SELECT ts||'|'||cpu||'|'||pid||'|'||len||'|'||"
					  "(event_rowid = (SELECT max(rowid) FROM "
					  "\"net:net_dev_queue\")) FROM skb_hops WHERE "
					  "trace_id=4 AND stage='queue'");
	CHECK_Q("1", "SELECT count(*) FROM skb_hop_lists WHERE trace_id=4");
}

int main(void)
{
	char path[] = "/tmp/nt-test-skb.XXXXXX", dbpath[64];
	struct nt_store *s = NULL;
	struct nt_err *err = NULL;

	if (!mkdtemp(path))
		return 1;
	snprintf(dbpath, sizeof(dbpath), "%s/u.db", path);
	if (nt_store_open(dbpath, true, &s, &err)) {
		fprintf(stderr, "FAIL: cannot create a database\n");
		return 1;
	}
	db = nt_store_db(s);
	exec("BEGIN");
	setup();
	trace1();
	trace2();
	trace3();
	trace4();
	exec("COMMIT");
	nt_store_close(s, true, NULL);
	rmdir(path);
	return check_done("test_skb");
}
