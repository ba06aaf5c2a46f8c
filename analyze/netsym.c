/* SPDX-License-Identifier: GPL-2.0 */
/* The network-stack rule by symbol prefix (docs/analyses/alloc.md), shared by alloc and profile. */
#include "netsym.h"

#include <stdbool.h>
#include <string.h>

/* ---- the network-stack rule (docs/analyses/alloc.md) ---- */

static const char *const net_prefix[] = {"alloc_skb",
					 "build_skb",
					 "kfree_skb",
					 "consume_skb",
					 "pskb_",
					 "skb",
					 "napi_",
					 "gro_",
					 "sk_",
					 "sock",
					 "tcp_",
					 "tcp4_",
					 "tcp6_",
					 "tcpv6_",
					 "udp",
					 "ip_",
					 "ip4_",
					 "ip6_",
					 "ipv4_",
					 "ipv6_",
					 "inet_",
					 "inet6_",
					 "icmp",
					 "igmp",
					 "ping_",
					 "rawv6_",
					 "raw_sendmsg",
					 "raw_recvmsg",
					 "raw_rcv",
					 "raw_v4_",
					 "raw_v6_",
					 "arp_",
					 "ndisc_",
					 "neigh_",
					 "fib_",
					 "fib6_",
					 "dst_",
					 "rt_dst_",
					 "rt6_",
					 "netif_",
					 "netdev_",
					 "net_",
					 "dev_",
					 "alloc_netdev",
					 "qdisc_",
					 "sch_",
					 "tcf_",
					 "nf_",
					 "nft_",
					 "nfnl_",
					 "xt_",
					 "packet_",
					 "netlink_",
					 "nlmsg_",
					 "genl_",
					 "rtnl_",
					 "rtnetlink_",
					 "unix_",
					 "xfrm",
					 "xdp_",
					 "page_pool_",
					 "mptcp_",
					 "sctp_",
					 "vlan_",
					 "br_",
					 "eth_",
					 "tun_",
					 "veth_",
					 "kmalloc_reserve",
					 "sys_sendto",
					 "sys_sendmsg",
					 "sys_sendmmsg",
					 "sys_recvfrom",
					 "sys_recvmsg",
					 "sys_recvmmsg",
					 "sys_socket",
					 "sys_accept",
					 "sys_connect",
					 "sys_bind",
					 "sys_listen",
					 "sys_setsockopt",
					 "sys_getsockopt",
					 "sys_shutdown",
					 "do_sock_",
					 NULL};
/* driver-core and printing helpers that share the dev_ prefix */
static const char *const net_except[] = {
	"dev_set_name", "dev_pm_",   "dev_printk", "dev_vprintk", "dev_err",  "dev_warn",
	"dev_coredump", "dev_iommu", "dev_attr",   "dev_uevent",  "dev_dma_", NULL};

static bool starts(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strncmp(s, *list, strlen(*list)))
			return true;
	return false;
}

/* 1: the symbol is in the network stack, 0: it is not, -1: no symbol (an address). */
int nt_net_symbol(const char *sym)
{
	if (!sym || !*sym || !strncmp(sym, "0x", 2))
		return -1;
	while (*sym == '_')
		sym++;
	if (!strncmp(sym, "x64_", 4) || !strncmp(sym, "ia32_", 5) || !strncmp(sym, "arm64_", 6))
		sym = strchr(sym, '_') + 1;
	return starts(sym, net_prefix) && !starts(sym, net_except);
}
