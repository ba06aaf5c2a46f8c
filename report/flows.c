/* SPDX-License-Identifier: GPL-2.0 */
/* The skb section's flow tables: per flow, and how many packets have a known flow and why. */
#include "report.h"

#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "report_int.h"

enum { TOP_FLOWS = 50 }; /* flows given stage latencies (the busiest) */

#define FLOW_KEY "ip_proto, saddr, sport, daddr, dport"

static int fill(struct nt_table *t, sqlite3 *db, const char *sql, const struct nt_report_filter *f,
		struct nt_err **err)
{
	sqlite3_stmt *st;

	if (!t)
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	st = nt_report_skb_query(db, sql, f);
	if (!st || nt_table_query(t, db, st))
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "report: cannot read '%s': %s", t->id,
						  sqlite3_errmsg(db)));
	return 0;
}

/* How many lifecycles have a flow, and why the others have none (docs/analyses/skb.md). */
static void coverage_note(sqlite3 *db, const struct nt_report_filter *f, struct nt_section *s)
{
	sqlite3_stmt *st = nt_report_skb_query(
		db,
		"SELECT count(*), count(saddr), (SELECT count(*) FROM traces t WHERE (?1 = 0 OR "
		"t.id = ?1) AND NOT EXISTS (SELECT 1 FROM analysis_notes n WHERE n.trace_id = t.id "
		"AND n.analysis = 'skb' AND n.key = 'flow_known')), (SELECT coalesce(sum(value), "
		"0) "
		"FROM analysis_notes WHERE (?1 = 0 OR trace_id = ?1) AND analysis = 'skb' AND key "
		"= "
		"'flow_conflicts'), (SELECT coalesce(sum(value), 0) FROM analysis_notes WHERE (?1 "
		"= "
		"0 OR trace_id = ?1) AND analysis = 'skb' AND key = 'flow_rx_sk_unknown') FROM "
		"skb_lifecycles" NT_SKB_WHERE,
		f);
	int64_t n, known, old, conflicts, rx_sk;

	if (!st || sqlite3_step(st) != SQLITE_ROW || !(n = sqlite3_column_int64(st, 0))) {
		sqlite3_finalize(st);
		return;
	}
	known = sqlite3_column_int64(st, 1);
	old = sqlite3_column_int64(st, 2);
	conflicts = sqlite3_column_int64(st, 3);
	rx_sk = sqlite3_column_int64(st, 4);
	sqlite3_finalize(st);
	nt_section_note(
		s, false,
		"Flows: %lld of %lld skb lifecycles (%.1f%%) have a known flow (addresses and "
		"ports), from an event that carries both the skb and the addresses "
		"(tcp_send_reset, tcp_retransmit_skb, tcp_probe with skbaddr (6.8+), tcp_bad_csum, "
		"tcp_hash_*, icmp_send of a UDP datagram, record --headers' header kprobes, the "
		"headers LTTng's net_dev_queue, netif_receive_skb and netif_rx record) or "
		"from kfree_skb's rx_sk (6.12+) and the socket's endpoints (inet_sock_set_state, "
		"tcp socket events). The other %lld have none: no such event touched them "
		"(without --headers or LTTng: UDP datagrams, ACKs and resets the kernel "
		"sends, 6.1's drops carry no addresses; with LTTng: packets with no IP header or, "
		"for TCP and UDP, no transport header at that point), and nettrail never "
		"guesses%s%s. "
		"docs/analyses/skb.md, \"Flows\", has every rule.",
		(long long)known, (long long)n, 100.0 * (double)known / (double)n,
		(long long)(n - known),
		conflicts ? "; events that disagreed left some without" : "",
		rx_sk ? "; some drops named a socket whose endpoints the trace never showed" : "");
	if (old)
		nt_section_note(s, true,
				"%lld trace(s) were analysed by a nettrail without flows: run "
				"'nettrail analyze' on the database to give their packets flows.",
				(long long)old);
}

/* Stage latencies of the busiest flows (the same pairs as "skb_stages"). */
static int flow_stages(sqlite3 *db, const struct nt_report_filter *f, struct nt_table *t)
{
	char sql[3072];

	for (int a = 0; t && a + 1 < NT_SKB_STAGES; a++) {
		const char *x = nt_skb_stages[a], *y = nt_skb_stages[a + 1];
		sqlite3_stmt *st;
		double *v = NULL;
		size_t n = 0, cap = 0;
		char *cur = NULL;

		snprintf(sql, sizeof(sql),
			 "SELECT " NT_REPORT_FLOW_TEXT
			 ", (%s_ts - %s_ts) / 1e3 AS x FROM skb_lifecycles l "
			 "JOIN (SELECT " FLOW_KEY " FROM skb_lifecycles" NT_SKB_WHERE
			 " AND saddr IS NOT NULL GROUP BY " FLOW_KEY
			 " ORDER BY count(*) DESC LIMIT %d) "
			 "k USING (" FLOW_KEY ")" NT_SKB_WHERE
			 " AND NOT lossy AND %s_ts IS NOT NULL AND %s_ts IS NOT NULL ORDER BY 1, x",
			 y, x, TOP_FLOWS, x, y);
		st = nt_report_skb_query(db, sql, f);
		if (!st)
			return -1;
		for (bool more = true; more;) {
			const char *fl;

			more = sqlite3_step(st) == SQLITE_ROW;
			fl = more ? (const char *)sqlite3_column_text(st, 0) : NULL;
			if (cur && (!fl || strcmp(fl, cur))) {
				nt_table_row(t);
				nt_table_text(t, cur);
				nt_table_text(t, x);
				nt_table_text(t, y);
				nt_table_num(t, (double)n);
				nt_table_num(t, nt_rank(v, n, 50));
				nt_table_num(t, nt_rank(v, n, 99));
				free(cur);
				cur = NULL;
				n = 0;
			}
			if (!more || !fl)
				break;
			if (!cur && !(cur = strdup(fl)))
				break;
			if (n == cap) {
				double *p = realloc(v, (cap = cap ? 2 * cap : 64) * sizeof(*p));
				if (!p)
					break;
				v = p;
			}
			v[n++] = sqlite3_column_double(st, 1);
		}
		free(cur);
		free(v);
		sqlite3_finalize(st);
	}
	return 0;
}

int nt_report_flows(sqlite3 *db, const struct nt_report_filter *f, struct nt_section *s,
		    struct nt_err **err)
{
	static const char *const cols[] = {"flow",    "packets",   "bytes",
					   "dropped", "consumed",  "recycled",
					   "open",    "tcp_flags", NULL};
	static const char *const dcols[] = {"flow", "reason", "location", "drops", NULL};
	static const char *const scols[] = {"flow",   "from_stage", "to_stage", "count",
					    "p50_us", "p99_us",	    NULL};
	struct nt_table *t;

	coverage_note(db, f, s);
	if (fill(nt_section_table(s, "skb_flows", "Flows (packets with known addresses)", cols), db,
		 "SELECT " NT_REPORT_FLOW_TEXT
		 ", count(*), sum(coalesce(len, rx_len)), sum(outcome = "
		 "'dropped'), sum(outcome = 'consumed'), sum(outcome = 'recycled'), sum(outcome = "
		 "'open'), group_concat(DISTINCT tcp_flags) FROM skb_lifecycles" NT_SKB_WHERE
		 " AND saddr IS NOT NULL GROUP BY " FLOW_KEY " ORDER BY 2 DESC, 1",
		 f, err) ||
	    fill(nt_section_table(s, "skb_flow_drops", "Drops per flow, by reason and location",
				  dcols),
		 db,
		 "SELECT " NT_REPORT_FLOW_TEXT
		 ", coalesce(drop_reason, '(no reason in the trace)'), "
		 "coalesce(location, CASE WHEN location_addr IS NOT NULL THEN printf('0x%x', "
		 "location_addr) ELSE '?' END), count(*) FROM skb_lifecycles" NT_SKB_WHERE
		 " AND saddr IS NOT NULL AND outcome = 'dropped' GROUP BY " FLOW_KEY
		 ", 2, 3 ORDER BY 4 DESC, 1, 2, 3",
		 f, err))
		return -1;
	t = nt_section_table(s, "skb_flow_stages",
			     "Stage-to-stage latency per flow (µs, the 50 busiest flows)", scols);
	if (!t || flow_stages(db, f, t))
		return nt_err_set(err,
				  nt_err_new(NT_E_FAIL, "report: cannot read 'skb_flow_stages': %s",
					     sqlite3_errmsg(db)));
	return 0;
}
