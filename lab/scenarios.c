/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The scenario table: for each lab its world (build), its traffic (traffic.c) and its claims
 * (checked by sheet.c against the imported trace). Expected numbers come from the traffic.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lab_int.h"

int lab_udp_loopback(long tag, long n, struct lab_out *o, struct nt_err **err);
int lab_syn_closed(long tag, long n, struct lab_out *o, struct nt_err **err);
int lab_tcp_stream(long tag, long n, struct lab_out *o, struct nt_err **err);
int lab_rcvbuf(long tag, long n, struct lab_out *o, struct nt_err **err);
int lab_nf_drop(long tag, long n, struct lab_out *o, struct nt_err **err);
int lab_forward(long tag, long n, struct lab_out *o, struct nt_err **err);
int lab_tun(long tag, long n, struct lab_out *o, struct nt_err **err);

static const char *const lab_events[] = {
	"skb",
	"net",
	"napi",
	"irq:softirq_raise",
	"irq:softirq_entry",
	"irq:softirq_exit",
	"sock",
	"tcp",
	"kmem:kmem_cache_alloc",
	"kmem:kmem_cache_free",
	NULL,
};

/* ---- worlds ---- */

static int build_nf_drop(struct nt_lab_world *w, struct nt_err **err)
{
	char rules[256];

	snprintf(rules, sizeof(rules),
		 "table inet ntlab {\n chain input {\n  type filter hook input priority 0;\n"
		 "  udp dport %d drop\n }\n}\n",
		 LAB_NF_PORT);
	return lab_run(rules, err, "ip netns exec %s nft -f -", w->ns[0]);
}

static int build_forward(struct nt_lab_world *w, struct nt_err **err)
{
	char c[40], r[40], q[40], s[40];
	const char *nc = w->ns[0], *nr = w->ns[1], *ns = w->ns[2];

	lab_dev_name(w->tag, 'c', c);
	lab_dev_name(w->tag, 'r', r);
	lab_dev_name(w->tag, 'q', q);
	lab_dev_name(w->tag, 's', s);
	return lab_run(NULL, err, "ip -n %s link add %s type veth peer name %s netns %s", nc, c, r,
		       nr) ||
	       lab_run(NULL, err, "ip -n %s link add %s type veth peer name %s netns %s", nr, q, s,
		       ns) ||
	       lab_run(NULL, err, "ip -n %s addr add 10.1.0.1/24 dev %s", nc, c) ||
	       lab_run(NULL, err, "ip -n %s addr add 10.1.0.2/24 dev %s", nr, r) ||
	       lab_run(NULL, err, "ip -n %s addr add 10.2.0.2/24 dev %s", nr, q) ||
	       lab_run(NULL, err, "ip -n %s addr add 10.2.0.1/24 dev %s", ns, s) ||
	       lab_run(NULL, err, "ip -n %s link set %s up", nc, c) ||
	       lab_run(NULL, err, "ip -n %s link set %s up", nr, r) ||
	       lab_run(NULL, err, "ip -n %s link set %s up", nr, q) ||
	       lab_run(NULL, err, "ip -n %s link set %s up", ns, s) ||
	       lab_run(NULL, err, "ip -n %s route add default via 10.1.0.2", nc) ||
	       lab_run(NULL, err, "ip -n %s route add default via 10.2.0.2", ns) ||
	       lab_run(NULL, err, "ip netns exec %s sysctl -qw net.ipv4.ip_forward=1", nr);
}

static int build_tun(struct nt_lab_world *w, struct nt_err **err)
{
	char t[40];

	lab_dev_name(w->tag, 't', t);
	return lab_run(NULL, err, "ip -n %s tuntap add dev %s mode tun", w->ns[0], t) ||
	       lab_run(NULL, err, "ip -n %s addr add 10.3.0.1/24 dev %s", w->ns[0], t) ||
	       lab_run(NULL, err, "ip -n %s link set %s up", w->ns[0], t);
}

/* ---- claims ---- */

static char *fmt(char *buf, size_t n, const char *f, ...) __attribute__((format(printf, 3, 4)));
static char *fmt(char *buf, size_t n, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vsnprintf(buf, n, f, ap);
	va_end(ap);
	return buf;
}

static void traffic_claims(struct lab_sheet *s, long n, const char *key, const char *what)
{
	char t[256];

	lab_claim_value(s, n, lab_kv(s, key), fmt(t, sizeof(t), "the traffic %s %ld", what, n));
}

/*
 * Flow claims from the packets' IP headers (record --headers; N/A without): the scenario's @n
 * datagrams (@which: the SQL condition on skb_lifecycles that picks them; @what: what they are)
 * carry flow @saddr:sport > @daddr:dport over UDP, both ports from traffic.txt; @total
 * lifecycles carry it in all; none of the datagrams carries another.
 */
static void udp_flow_claims(struct lab_sheet *s, long n, long total, const char *what,
			    const char *which, const char *saddr, const char *daddr)
{
	long sport = lab_kv(s, "sport"), dport = lab_kv(s, "dport");
	char flow[128], cond[256], t[256];

	fmt(flow, sizeof(flow), "%s:%ld > %s:%ld (UDP)", saddr, sport, daddr, dport);
	fmt(cond, sizeof(cond),
	    "ip_proto = 17 AND saddr = '%s' AND sport = %ld AND daddr = '%s' AND dport = %ld",
	    saddr, sport, daddr, dport);
	lab_claim_hdr(s, n,
		      fmt(t, sizeof(t), "%ld %s carry flow %s, from their headers", n, what, flow),
		      "SELECT count(*) FROM skb_lifecycles WHERE trace_id = 1 AND %s AND %s", which,
		      cond);
	lab_claim_hdr(
		s, total,
		fmt(t, sizeof(t), "%ld lifecycles of flow %s in all, one per packet", total, flow),
		"SELECT count(*) FROM skb_lifecycles WHERE trace_id = 1 AND %s", cond);
	lab_claim_hdr(s, 0, fmt(t, sizeof(t), "0 %s with another flow", what),
		      "SELECT count(*) FROM skb_lifecycles WHERE trace_id = 1 AND %s AND saddr IS "
		      "NOT NULL AND NOT (%s)",
		      which, cond);
}

static void check_udp_loopback(struct lab_sheet *s, long n)
{
	long pid = lab_kv(s, "pid"), size = lab_kv(s, "size");
	long wire = size + 8 + 20 + 14, rx = size + 8 + 20;
	char t[256], which[128];

	traffic_claims(s, n, "sent", "sent");
	traffic_claims(s, n, "received", "received");
	lab_claim(s, n,
		  fmt(t, sizeof(t),
		      "%ld net:net_dev_xmit on lo, len %ld (%ld payload + 8 UDP + 20 IP + 14 "
		      "Ethernet), by the sender",
		      n, wire, size),
		  "SELECT count(*) FROM \"net:net_dev_xmit\" WHERE trace_id = 1 AND name = 'lo' "
		  "AND len = %ld AND common_pid = %ld",
		  wire, pid);
	lab_claim(s, n,
		  fmt(t, sizeof(t), "%ld net:netif_receive_skb on lo, len %ld (from the IP header)",
		      n, rx),
		  "SELECT count(*) FROM \"net:netif_receive_skb\" WHERE trace_id = 1 AND name = "
		  "'lo' AND len = %ld",
		  rx);
	lab_claim(s, n,
		  fmt(t, sizeof(t),
		      "%ld skb lifecycles on lo of len %ld with sender comm 'nettrail'", n, wire),
		  "SELECT count(*) FROM skb_lifecycles WHERE trace_id = 1 AND device = 'lo' AND "
		  "len = %ld AND tx_pid = %ld AND tx_comm = 'nettrail' AND rx_device = 'lo'",
		  wire, pid);
	udp_flow_claims(s, n, n, fmt(t, sizeof(t), "of the sender's datagrams (len %ld)", wire),
			fmt(which, sizeof(which), "tx_pid = %ld AND len = %ld", pid, wire),
			"127.0.0.1", "127.0.0.1");
	lab_note(s,
		 "their outcomes (UDP skbs end in the per-cpu skb cache, untraced: recycled after "
		 "the read, or consumed when the address is reused; docs/analyses/skb.md)",
		 "SELECT group_concat(o, ', ') FROM (SELECT outcome || '/' || coalesce(end_by, "
		 "'-') || ' ' || count(*) AS o FROM skb_lifecycles WHERE trace_id = 1 AND tx_pid = "
		 "%ld AND len = %ld GROUP BY outcome, end_by)",
		 pid, wire);
	lab_note(s, "stage latency xmit -> receive (p50 ns, all lifecycles)",
		 "SELECT p50_ns FROM skb_latency WHERE trace_id = 1 AND from_stage = 'xmit' AND "
		 "to_stage = 'receive'");
	lab_sample(s, "one datagram",
		   "SELECT min(skb_id) FROM skb_lifecycles WHERE trace_id = 1 AND tx_pid = %ld AND "
		   "len = %ld",
		   pid, wire);
}

static void check_syn_closed(struct lab_sheet *s, long n)
{
	long pid = lab_kv(s, "pid");
	char t[256];

	traffic_claims(s, n, "refused", "saw ECONNREFUSED for each of its connects:");
	fmt(t, sizeof(t), "%ld tcp:tcp_send_reset with reset reason NO_SOCKET", n);
	if (lab_kernel_before(s, 6, 10))
		lab_claim_na(s, t,
			     "before Linux 6.10 tcp:tcp_send_reset is not emitted for a reset sent "
			     "without a socket, and has no reason field (tcp_v4_send_reset() "
			     "counts them under function_graph)");
	else
		lab_claim(s, n, t,
			  "SELECT count(*) FROM \"tcp:tcp_send_reset\" WHERE trace_id = 1 AND "
			  "reason_sym = 'NO_SOCKET'");
	lab_claim(s, n,
		  fmt(t, sizeof(t),
		      "%ld SYNs sent by the task dropped with reason NO_SOCKET at tcp_v4_rcv", n),
		  "SELECT count(*) FROM skb_lifecycles WHERE trace_id = 1 AND tx_pid = %ld AND "
		  "outcome = 'dropped' AND drop_reason = 'NO_SOCKET' AND location LIKE "
		  "'tcp_v4_rcv%%'",
		  pid);
	fmt(t, sizeof(t),
	    "%ld NO_SOCKET drops of flow 127.0.0.1 > 127.0.0.1:%d (TCP), from tcp_send_reset "
	    "or their IP headers (docs/analyses/skb.md, Flows)",
	    n, LAB_CLOSED_PORT);
	if (lab_kernel_before(s, 6, 10) && !lab_headers(s))
		lab_claim_na(s, t,
			     "before Linux 6.10 no tracepoint ties a SYN sent to a closed port to "
			     "its addresses (tcp_send_reset needs a socket; kfree_skb has no "
			     "rx_sk), and their IP headers were not recorded: these drops have no "
			     "flow");
	else
		lab_claim(
			s, n, t,
			"SELECT count(*) FROM skb_lifecycles WHERE trace_id = 1 AND drop_reason = "
			"'NO_SOCKET' AND ip_proto = 6 AND saddr = '127.0.0.1' AND daddr = "
			"'127.0.0.1' AND dport = %d",
			LAB_CLOSED_PORT);
	lab_claim(s, 0, "0 NO_SOCKET drops of another flow (all are the scenario's client's)",
		  "SELECT count(*) FROM skb_lifecycles WHERE trace_id = 1 AND drop_reason = "
		  "'NO_SOCKET' AND saddr IS NOT NULL AND NOT (ip_proto = 6 AND saddr = "
		  "'127.0.0.1' AND daddr = '127.0.0.1' AND dport = %d)",
		  LAB_CLOSED_PORT);
	lab_note(s, "NO_SOCKET in this trace's own format (skb:kfree_skb reason)",
		 "SELECT 'code ' || drop_reason_code || ' at ' || location FROM skb_lifecycles "
		 "WHERE trace_id = 1 AND drop_reason = 'NO_SOCKET' LIMIT 1");
	lab_note(s, "the resets (RST) sent back",
		 "SELECT count(*) || ' skbs of len 54 on lo from this task' FROM skb_lifecycles "
		 "WHERE trace_id = 1 AND device = 'lo' AND len = 54 AND tx_pid = %ld",
		 pid);
	lab_sample(s, "one SYN",
		   "SELECT min(skb_id) FROM skb_lifecycles WHERE trace_id = 1 AND tx_pid = %ld AND "
		   "drop_reason = 'NO_SOCKET'",
		   pid);
}

static void state_claim(struct lab_sheet *s, long exp, const char *state, const char *who)
{
	char t[256];

	lab_claim(
		s, exp,
		fmt(t, sizeof(t), "%ld sock:inet_sock_set_state to %s (%s)", exp, state, who),
		"SELECT count(*) FROM \"sock:inet_sock_set_state\" WHERE trace_id = 1 AND "
		"protocol_sym = 'IPPROTO_TCP' AND (sport = %d OR dport = %d) AND newstate_sym = %Q",
		LAB_TCP_PORT, LAB_TCP_PORT, state);
}

static void check_tcp_stream(struct lab_sheet *s, long n)
{
	long pid = lab_kv(s, "pid"), size = lab_kv(s, "size");
	char t[256];

	traffic_claims(s, n, "writes", "wrote");
	lab_claim_value(s, n * size, lab_kv(s, "bytes"), "the peer read every byte written");
	state_claim(s, 1, "TCP_SYN_SENT", "connect");
	state_claim(s, 2, "TCP_ESTABLISHED", "both ends after the handshake");
	state_claim(s, 1, "TCP_FIN_WAIT1", "the closing end");
	state_claim(s, 1, "TCP_CLOSE_WAIT", "the other end gets the FIN");
	state_claim(s, 1, "TCP_LAST_ACK", "it closes too");
	state_claim(s, 1, "TCP_FIN_WAIT2", "the closing end, its FIN acknowledged");
	state_claim(s, 3, "TCP_CLOSE", "both ends and the listener");
	lab_claim(s, n * size,
		  fmt(t, sizeof(t),
		      "%ld bytes copied to user space by skb:skb_copy_datagram_iovec (%ld x %ld)",
		      n * size, n, size),
		  "SELECT sum(len) FROM \"skb:skb_copy_datagram_iovec\" WHERE trace_id = 1 AND "
		  "common_pid = %ld",
		  pid);
	lab_claim_ge(s, n, fmt(t, sizeof(t), "at least %ld data segments on lo from the task", n),
		     "SELECT count(*) FROM skb_lifecycles WHERE trace_id = 1 AND device = 'lo' AND "
		     "tx_pid = %ld AND len > 66",
		     pid);
	lab_claim(s, 0,
		  fmt(t, sizeof(t),
		      "0 segments sent by the task with a flow other than its one connection "
		      "(port %d)",
		      LAB_TCP_PORT),
		  "SELECT count(*) FROM skb_lifecycles WHERE trace_id = 1 AND tx_pid = %ld AND "
		  "saddr IS NOT NULL AND NOT (ip_proto = 6 AND saddr = '127.0.0.1' AND daddr = "
		  "'127.0.0.1' AND (sport = %d OR dport = %d))",
		  pid, LAB_TCP_PORT, LAB_TCP_PORT);
	lab_claim(s, 0,
		  "0 flows of the connection's port with another client port (one connection)",
		  "SELECT max(count(DISTINCT CASE WHEN sport = %d THEN dport ELSE sport END) - 1, "
		  "0) FROM skb_lifecycles WHERE trace_id = 1 AND ip_proto = 6 AND (sport = %d OR "
		  "dport = %d)",
		  LAB_TCP_PORT, LAB_TCP_PORT, LAB_TCP_PORT);
	lab_note(s, "segments with a known flow (tcp_probe, tcp_retransmit_skb; none on 6.1)",
		 "SELECT count(*) || ' of ' || (SELECT count(*) FROM skb_lifecycles WHERE trace_id "
		 "= 1 AND (tx_pid = %ld OR device = 'lo')) FROM skb_lifecycles WHERE trace_id = 1 "
		 "AND (sport = %d OR dport = %d)",
		 pid, LAB_TCP_PORT, LAB_TCP_PORT);
	lab_note(s, "tcp events",
		 "SELECT group_concat(name || ' ' || events, ', ') FROM event_counts WHERE "
		 "trace_id = 1 AND name LIKE 'tcp:%%'");
	lab_note(s, "states",
		 "SELECT group_concat(oldstate_sym || '>' || newstate_sym, ', ') FROM (SELECT * "
		 "FROM \"sock:inet_sock_set_state\" WHERE trace_id = 1 AND (sport = %d OR dport = "
		 "%d) ORDER BY rowid)",
		 LAB_TCP_PORT, LAB_TCP_PORT);
	lab_sample(s, "one data segment, copied to the reader",
		   "SELECT min(skb_id) FROM skb_lifecycles WHERE trace_id = 1 AND tx_pid = %ld AND "
		   "copy_ts IS NOT NULL",
		   pid);
}

static void check_rcvbuf(struct lab_sheet *s, long n)
{
	long ovf = lab_kv(s, "overflowed");
	char t[256];

	traffic_claims(s, n, "sent", "sent");
	lab_claim_ge(s, 1, "some packets did not fit (sent - queued, from the traffic)",
		     "SELECT %ld", ovf);
	lab_claim(s, ovf,
		  fmt(t, sizeof(t), "%ld sock:sock_rcvqueue_full (one per packet that did not fit)",
		      ovf),
		  "SELECT count(*) FROM \"sock:sock_rcvqueue_full\" WHERE trace_id = 1");
	lab_claim(s, ovf,
		  fmt(t, sizeof(t),
		      "%ld drops with reason SOCKET_RCVBUFF at the ping socket's queue (ping_rcv, "
		      "or __ping_queue_rcv_skb where not inlined)",
		      ovf),
		  "SELECT count(*) FROM skb_lifecycles WHERE trace_id = 1 AND outcome = 'dropped' "
		  "AND drop_reason = 'SOCKET_RCVBUFF' AND (location LIKE 'ping_rcv%%' OR location "
		  "LIKE '%%ping_queue_rcv_skb%%')");
	lab_note(s, "where",
		 "SELECT group_concat(l, ', ') FROM (SELECT location || ' ' || count(*) "
		 "AS l FROM skb_lifecycles WHERE trace_id = 1 AND drop_reason = 'SOCKET_RCVBUFF' "
		 "GROUP BY location)");
	lab_note(s, "receive buffer (sock_rcvqueue_full sk_rcvbuf, max rmem_alloc)",
		 "SELECT min(sk_rcvbuf) || ' bytes, ' || max(rmem_alloc) FROM "
		 "\"sock:sock_rcvqueue_full\" WHERE trace_id = 1");
	lab_sample(s, "one packet that did not fit",
		   "SELECT min(skb_id) FROM skb_lifecycles WHERE trace_id = 1 AND drop_reason = "
		   "'SOCKET_RCVBUFF'");
}

static void check_nf_drop(struct lab_sheet *s, long n)
{
	long pid = lab_kv(s, "pid"), size = lab_kv(s, "size"), wire = size + 42;
	char t[256], which[128];

	traffic_claims(s, n, "sent", "sent");
	lab_claim_value(s, 0, lab_kv(s, "received"), "the listening socket received nothing");
	lab_claim(s, n, fmt(t, sizeof(t), "%ld drops with reason NETFILTER_DROP", n),
		  "SELECT count(*) FROM skb_lifecycles WHERE trace_id = 1 AND tx_pid = %ld AND "
		  "len = %ld AND outcome = 'dropped' AND drop_reason = 'NETFILTER_DROP'",
		  pid, wire);
	lab_claim(s, n,
		  fmt(t, sizeof(t),
		      "%ld of them in netfilter: nft_do_chain (6.x kernels) or nf_hook_slow", n),
		  "SELECT count(*) FROM skb_lifecycles WHERE trace_id = 1 AND tx_pid = %ld AND "
		  "len = %ld AND drop_reason = 'NETFILTER_DROP' AND (location LIKE "
		  "'nft_do_chain%%' OR location LIKE 'nf_hook_slow%%')",
		  pid, wire);
	lab_claim(s, n,
		  fmt(t, sizeof(t),
		      "%ld dropped after netif_receive_skb on lo: the input hook (the rule's)", n),
		  "SELECT count(*) FROM skb_lifecycles WHERE trace_id = 1 AND tx_pid = %ld AND "
		  "len = %ld AND drop_reason = 'NETFILTER_DROP' AND rx_device = 'lo' AND "
		  "receive_ts < free_ts",
		  pid, wire);
	udp_flow_claims(s, n, n, "NETFILTER_DROP drops of the sender's datagrams",
			fmt(which, sizeof(which),
			    "tx_pid = %ld AND len = %ld AND drop_reason = 'NETFILTER_DROP'", pid,
			    wire),
			"127.0.0.1", "127.0.0.1");
	lab_note(s, "drop locations",
		 "SELECT group_concat(DISTINCT location) FROM skb_lifecycles WHERE trace_id = 1 "
		 "AND drop_reason = 'NETFILTER_DROP'");
	lab_sample(s, "one dropped datagram",
		   "SELECT min(skb_id) FROM skb_lifecycles WHERE trace_id = 1 AND tx_pid = %ld AND "
		   "drop_reason = 'NETFILTER_DROP'",
		   pid);
}

static void check_forward(struct lab_sheet *s, long n)
{
	long tag = lab_kv(s, "tag"), size = lab_kv(s, "size"), off = lab_kv(s, "size_off");
	char c[40], r[40], q[40], d[40], t[256], which[128];

	lab_dev_name(tag, 'c', c);
	lab_dev_name(tag, 'r', r);
	lab_dev_name(tag, 'q', q);
	lab_dev_name(tag, 's', d);
	traffic_claims(s, n, "sent", "sent (forwarding on)");
	traffic_claims(s, n, "received", "server received");
	lab_claim(s, n,
		  fmt(t, sizeof(t), "%ld net:netif_receive_skb on the router's %s, len %ld", n, r,
		      size + 28),
		  "SELECT count(*) FROM \"net:netif_receive_skb\" WHERE trace_id = 1 AND name = %Q "
		  "AND len = %ld",
		  r, size + 28);
	lab_claim(s, n,
		  fmt(t, sizeof(t), "%ld net:net_dev_xmit on the router's %s, len %ld (forwarded)",
		      n, q, size + 42),
		  "SELECT count(*) FROM \"net:net_dev_xmit\" WHERE trace_id = 1 AND name = %Q AND "
		  "len = %ld",
		  q, size + 42);
	lab_claim(s, n,
		  fmt(t, sizeof(t), "%ld net:netif_receive_skb on the server's %s, len %ld", n, d,
		      size + 28),
		  "SELECT count(*) FROM \"net:netif_receive_skb\" WHERE trace_id = 1 AND name = %Q "
		  "AND len = %ld",
		  d, size + 28);
	lab_claim(s, n,
		  fmt(t, sizeof(t), "%ld skbs go %s -> %s (router) -> %s -> %s as one lifecycle", n,
		      c, r, q, d),
		  "SELECT count(*) FROM skb_lifecycles l WHERE trace_id = 1 AND device = %Q AND "
		  "len = %ld AND EXISTS (SELECT 1 FROM skb_hops h WHERE h.trace_id = 1 AND "
		  "h.skb_id = l.skb_id AND h.device = %Q AND h.stage = 'receive')",
		  c, size + 42, d);
	traffic_claims(s, n, "sent_off", "sent (forwarding off)");
	traffic_claims(s, 0, "received_off", "server received (forwarding off)");
	lab_claim(s, 0,
		  fmt(t, sizeof(t), "0 net:net_dev_xmit on %s with forwarding off (len %ld)", q,
		      off + 42),
		  "SELECT count(*) FROM \"net:net_dev_xmit\" WHERE trace_id = 1 AND name = %Q AND "
		  "len = %ld",
		  q, off + 42);
	lab_claim(s, n,
		  fmt(t, sizeof(t),
		      "%ld dropped on the router (%s) with forwarding off, reason "
		      "IP_INADDRERRORS at ip_error",
		      n, r),
		  "SELECT count(*) FROM skb_lifecycles WHERE trace_id = 1 AND device = %Q AND len "
		  "= %ld AND rx_device = %Q AND outcome = 'dropped' AND drop_reason = "
		  "'IP_INADDRERRORS' AND location LIKE 'ip_error%%'",
		  c, off + 42, r);
	udp_flow_claims(
		s, 2 * n, 2 * n,
		fmt(t, sizeof(t), "datagrams leaving %s (%ld forwarded, %ld refused)", c, n, n),
		fmt(which, sizeof(which), "device = '%s' AND len IN (%ld, %ld)", c, size + 42,
		    off + 42),
		"10.1.0.1", "10.2.0.1");
	lab_note(s, "drops with forwarding off",
		 "SELECT group_concat(x, ', ') FROM (SELECT drop_reason || ' at ' || location || "
		 "' ' || count(*) AS x FROM skb_lifecycles WHERE trace_id = 1 AND device = %Q AND "
		 "len = %ld GROUP BY drop_reason, location)",
		 c, off + 42);
	lab_note(s, "TTL", "SELECT 'not visible: no tracepoint here carries the IP header'");
	lab_sample(s, "one forwarded datagram",
		   "SELECT min(skb_id) FROM skb_lifecycles WHERE trace_id = 1 AND device = %Q AND "
		   "len = %ld",
		   c, size + 42);
}

static void check_tun(struct lab_sheet *s, long n)
{
	long tag = lab_kv(s, "tag"), len = lab_kv(s, "ip_len");
	char d[40], t[256], which[128];

	lab_dev_name(tag, 't', d);
	traffic_claims(s, n, "written", "wrote to the tun fd");
	traffic_claims(s, n, "received", "received on the socket");
	lab_claim(s, n, fmt(t, sizeof(t), "%ld net:netif_receive_skb on %s, len %ld", n, d, len),
		  "SELECT count(*) FROM \"net:netif_receive_skb\" WHERE trace_id = 1 AND name = %Q "
		  "AND len = %ld",
		  d, len);
	lab_claim(s, n,
		  fmt(t, sizeof(t), "%ld skb lifecycles received on %s that were never transmitted",
		      n, d),
		  "SELECT count(*) FROM skb_lifecycles WHERE trace_id = 1 AND rx_device = %Q AND "
		  "rx_len = %ld AND device IS NULL",
		  d, len);
	udp_flow_claims(s, n, n, fmt(t, sizeof(t), "packets received on %s", d),
			fmt(which, sizeof(which),
			    "rx_device = '%s' AND rx_len = %ld AND device IS NULL", d, len),
			"10.3.0.2", "10.3.0.1");
	lab_note(s, "receive events on the tun device",
		 "SELECT group_concat(e, ', ') FROM (SELECT event || ' ' || count(*) AS e FROM "
		 "skb_hops WHERE trace_id = 1 AND device = %Q GROUP BY event)",
		 d);
	lab_sample(s, "one packet written to the tun device",
		   "SELECT min(skb_id) FROM skb_lifecycles WHERE trace_id = 1 AND rx_device = %Q",
		   d);
}

/* ---- function_graph claims (where the kernel has the tracer: the lab VM) ---- */

/*
 * Functions whose number of calls the traffic fixes, on Debian 12's kernel (6.1): each one is
 * out of line (exported, or called through a pointer) so function_graph sees every call.
 */
static const struct lab_fn fns_udp[] = {
	{"udp_sendmsg", 1, "sent", "one per datagram sent"},
	{"__udp4_lib_rcv", 1, "sent", "one per datagram received by UDP"},
	{NULL, 0, NULL, NULL},
};
static const struct lab_fn fns_syn[] = {
	{"tcp_v4_connect", 1, "connects", "one per connect"},
	{"tcp_v4_send_reset", 1, "connects", "the reset answering each SYN"},
	{"tcp_v4_rcv", 2, "connects", "each SYN and the reset it gets back"},
	{NULL, 0, NULL, NULL},
};
static const struct lab_fn fns_tcp[] = {
	{"tcp_v4_connect", 1, NULL, "the one connect"},
	{"tcp_sendmsg", 1, "writes", "one per write"},
	{NULL, 0, NULL, NULL},
};
static const struct lab_fn fns_rcvbuf[] = {
	{"ping_v4_sendmsg", 1, "sent", "one per echo request"},
	{"ping_rcv", 1, "sent", "one per echo reply, queued or not"},
	{NULL, 0, NULL, NULL},
};
static const struct lab_fn fns_nf[] = {
	{"udp_sendmsg", 1, "sent", "one per datagram sent"},
	{"nft_do_chain", 1, "sent", "the input chain, once per datagram"},
	{"__udp4_lib_rcv", 0, "sent", "none reaches UDP"},
	{NULL, 0, NULL, NULL},
};
static const struct lab_fn fns_forward[] = {
	{"ip_forward", 1, "sent", "one per datagram forwarded (forwarding on)"},
	{"ip_error", 1, "sent_off", "one per datagram refused (forwarding off)"},
	{NULL, 0, NULL, NULL},
};
static const struct lab_fn fns_tun[] = {
	{"tun_get_user", 1, "written", "one per packet written to the tun fd"},
	{NULL, 0, NULL, NULL},
};

/* ---- the table ---- */

const struct nt_lab lab_scenarios[] = {
	{"udp-loopback",
	 "N UDP datagrams to a listening socket on 127.0.0.1, in a fresh network namespace",
	 lab_events, 20, "a", NULL, lab_udp_loopback, check_udp_loopback, fns_udp},
	{"syn-closed-port",
	 "N TCP connects (SYNs) to a port nobody listens on: each gets a reset and is dropped",
	 lab_events, 20, "a", NULL, lab_syn_closed, check_syn_closed, fns_syn},
	{"tcp-stream",
	 "one TCP connection: handshake, N writes of 1000 bytes read by the peer, close",
	 lab_events, 20, "a", NULL, lab_tcp_stream, check_tcp_stream, fns_tcp},
	{"rcvbuf",
	 "N ICMP echo requests from a ping socket with the smallest SO_RCVBUF that does not read "
	 "its replies",
	 lab_events, 50, "a", NULL, lab_rcvbuf, check_rcvbuf, fns_rcvbuf},
	{"nf-drop", "N UDP datagrams dropped by an nftables input rule in the namespace",
	 lab_events, 20, "a", build_nf_drop, lab_nf_drop, check_nf_drop, fns_nf},
	{"forward",
	 "client -> router (ip_forward=1) -> server over veth pairs; then forwarding off: drops",
	 lab_events, 20, "crs", build_forward, lab_forward, check_forward, fns_forward},
	{"tun", "N UDP packets written to a tun device by a program and received through the stack",
	 lab_events, 20, "a", build_tun, lab_tun, check_tun, fns_tun},
};

const int lab_nscenarios = sizeof(lab_scenarios) / sizeof(lab_scenarios[0]);

const struct nt_lab *nt_lab_find(const char *name)
{
	for (int i = 0; i < lab_nscenarios; i++)
		if (!strcmp(lab_scenarios[i].name, name))
			return &lab_scenarios[i];
	return NULL;
}

const struct nt_lab *nt_lab_at(int i)
{
	return i >= 0 && i < lab_nscenarios ? &lab_scenarios[i] : NULL;
}

void nt_lab_list(FILE *f)
{
	for (int i = 0; i < lab_nscenarios; i++)
		fprintf(f, "%-16s %s (default N=%ld)\n", lab_scenarios[i].name,
			lab_scenarios[i].summary, lab_scenarios[i].count);
}

const char *nt_lab_name(const struct nt_lab *l)
{
	return l->name;
}

const char *nt_lab_summary(const struct nt_lab *l)
{
	return l->summary;
}

const char *const *nt_lab_events(const struct nt_lab *l)
{
	return l->events;
}

long nt_lab_default_count(const struct nt_lab *l)
{
	return l->count;
}

int nt_lab_functions(const struct nt_lab *l, const char **out, int max)
{
	int n = 0;

	for (const struct lab_fn *f = l->fns; f && f->function && n < max; f++) {
		bool dup = false;
		for (int i = 0; i < n; i++)
			dup |= !strcmp(out[i], f->function);
		if (!dup)
			out[n++] = f->function;
	}
	return n;
}

int nt_lab_traffic(const struct nt_lab *l, long tag, long count, const char *dir,
		   struct nt_err **err)
{
	char path[4096];
	struct lab_out o;
	int r;

	snprintf(path, sizeof(path), "%s/traffic.txt", dir);
	o.f = fopen(path, "w");
	if (!o.f)
		return nt_err_set(err, nt_err_errno(NT_E_FAIL, errno, "cannot write '%s'", path));
	lab_puts(&o, "lab", l->name);
	lab_put(&o, "pid", (long)getpid());
	lab_put(&o, "tag", tag);
	lab_put(&o, "count", count);
	r = l->traffic(tag, count, &o, err);
	usleep(100000); /* let the last softirqs run before the recording stops */
	if (fclose(o.f) && !r)
		r = nt_err_set(err, nt_err_errno(NT_E_FAIL, errno, "cannot write '%s'", path));
	return r;
}
