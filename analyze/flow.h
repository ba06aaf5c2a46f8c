/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Flow identity: the addresses and ports of a packet, read from the events that carry them
 * (the tcp, icmp and sock tracepoints; docs/analyses/skb.md, "Flows"), and flow expressions
 * (`report --flow`: "host 127.0.0.1 and port 8080", "10.0.0.1:5000>10.0.0.2:80").
 */
#ifndef NT_FLOW_H
#define NT_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/error.h"
#include "analyze.h"

enum { NT_AF_INET = 2, NT_AF_INET6 = 10 };
enum { NT_TCP_FIN = 1, NT_TCP_SYN = 2, NT_TCP_RST = 4, NT_TCP_PSH = 8, NT_TCP_ACK = 16 };

/* One endpoint pair, in the packet's own direction. */
struct nt_flow {
	uint16_t family; /* NT_AF_INET, NT_AF_INET6; 0: no flow */
	uint8_t proto;	 /* 6 TCP, 17 UDP */
	uint8_t flags;	 /* NT_TCP_* seen on the packet, when has_flags */
	bool has_flags;
	uint8_t saddr[16], daddr[16]; /* IPv4: the first 4 bytes */
	uint16_t sport, dport;
};

/*
 * The fields every flow event is read with (indexes below), as the binary formats name them
 * (6.1 and 6.18) and as their text prints them (`saddrv6`, `src`/`dest` for %pISpc).
 */
extern const char *const nt_flow_fields[];
enum {
	NT_FF_SKB,
	NT_FF_SK,
	NT_FF_FAMILY,
	NT_FF_SPORT,
	NT_FF_DPORT,
	NT_FF_SADDR,
	NT_FF_DADDR,
	NT_FF_SADDR6,
	NT_FF_DADDR6,
	NT_FF_SADDR6T,
	NT_FF_DADDR6T,
	NT_FF_SRC,
	NT_FF_DEST,
	NT_FF_PROTOCOL,
	NT_FF_NEWSTATE,
	NT_FF_FIN,
	NT_FF_SYN,
	NT_FF_RST,
	NT_FF_PSH,
	NT_FF_ACK,
};

/*
 * Read the endpoints event @e carries (fields nt_flow_fields) into @f as the event names them
 * (saddr:sport → daddr:dport), for protocol @proto. IPv4-mapped IPv6 addresses become IPv4.
 * False when the event lacks an address family, an address or a port (0 counts as missing).
 */
bool nt_flow_read(const struct nt_ev *e, uint8_t proto, struct nt_flow *f);

/*
 * lttng-modules' net events with headers (net_dev_queue, netif_receive_skb, netif_rx): the
 * copies of the packet's IP and transport headers, as the CTF reader flattens their variants
 * (docs/formats/ctf.md). A subscription lists NT_FLOW_LTTNG_FIELDS from index @at on.
 */
#define NT_FLOW_LTTNG_FIELDS                                                              \
	"network_header_type", "network_header_ipv4_frag_off", "network_header_ipv4_ihl", \
		"network_header_ipv4_version", "network_header_ipv4_protocol",            \
		"network_header_ipv4_saddr", "network_header_ipv4_daddr",                 \
		"network_header_ipv4_transport_header_tcp_source_port",                   \
		"network_header_ipv4_transport_header_tcp_dest_port",                     \
		"network_header_ipv4_transport_header_tcp_flags",                         \
		"network_header_ipv4_transport_header_udp_source_port",                   \
		"network_header_ipv4_transport_header_udp_dest_port",                     \
		"network_header_ipv6_version", "network_header_ipv6_nexthdr",             \
		"network_header_ipv6_saddr", "network_header_ipv6_daddr",                 \
		"network_header_ipv6_transport_header_tcp_source_port",                   \
		"network_header_ipv6_transport_header_tcp_dest_port",                     \
		"network_header_ipv6_transport_header_tcp_flags",                         \
		"network_header_ipv6_transport_header_udp_source_port",                   \
		"network_header_ipv6_transport_header_udp_dest_port"

/*
 * The flow of the headers an LTTng net event recorded (fields NT_FLOW_LTTNG_FIELDS from @at):
 * the packet's own direction. TCP and UDP need their transport header (LTTng records it only
 * where the skb has one past the IP header) and, for IPv4, the first fragment; on the receive
 * path (@rx) IPv4 also needs no options and no fragment at all (GRO leaves the transport header
 * unset for those, and lttng-modules then copies bytes from elsewhere). TCP gets its FIN SYN
 * RST PSH ACK flags. Other IPv4 protocols and ICMPv6 get a flow without ports; other IPv6 next
 * headers (extension headers) and no header at all none.
 */
bool nt_flow_read_lttng(const struct nt_ev *e, int at, bool rx, struct nt_flow *f);

/* @f with its ends swapped. */
void nt_flow_reverse(struct nt_flow *f);
bool nt_flow_same(const struct nt_flow *a, const struct nt_flow *b);

/* Address @a of @family as text (inet_ntop) into @buf (at least 46 bytes). */
void nt_flow_addr_str(uint16_t family, const uint8_t *a, char *buf, size_t n);
/* TCP flags as "SYN|ACK" into @buf (at least 24 bytes); "" when none. */
void nt_flow_flags_str(uint8_t flags, char *buf, size_t n);

/* ---- flow expressions ---- */

struct nt_flow_expr; /* opaque */

/*
 * Compile @text: words "host A", "src [host] A", "dst [host] A", "port P", "src port P",
 * "dst port P", "tcp", "udp", "ip", "ip6", joined by "and"/"&&", "or"/"||", "not"/"!" and
 * parentheses, or one "SADDR:SPORT>DADDR:DPORT" ("*" for any part; IPv6 in brackets).
 * NT_E_USAGE error naming the word on failure.
 */
int nt_flow_expr_compile(const char *text, struct nt_flow_expr **out, struct nt_err **err);
void nt_flow_expr_free(struct nt_flow_expr *x);

/* Does the flow (addresses as text, as skb_lifecycles stores them) match? NULLs never match. */
bool nt_flow_expr_match(const struct nt_flow_expr *x, int64_t proto, const char *saddr,
			int64_t sport, const char *daddr, int64_t dport);

/*
 * Register the SQL function nt_flow_match(expr, ip_proto, saddr, sport, daddr, dport) on @db
 * (the compiled expression is cached per statement). 0 or an SQLite error code.
 */
int nt_flow_sql_register(sqlite3 *db);

#endif
