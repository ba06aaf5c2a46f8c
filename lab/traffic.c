/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The lab's traffic, with exact counts: it runs in the recorded child (nettrail lab --traffic),
 * enters the world's namespaces with setns() and writes what it did to traffic.txt.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lab_int.h"

void lab_put(struct lab_out *o, const char *key, long value)
{
	fprintf(o->f, "%s=%ld\n", key, value);
}

void lab_puts(struct lab_out *o, const char *key, const char *value)
{
	fprintf(o->f, "%s=%s\n", key, value);
}

static struct sockaddr_in addr4(const char *ip, int port)
{
	struct sockaddr_in a;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)port);
	inet_pton(AF_INET, ip, &a.sin_addr);
	return a;
}

static int sock_err(struct nt_err **err, const char *what)
{
	return nt_err_set(err, nt_err_errno(NT_E_FAIL, errno, "cannot %s", what));
}

/* The local port of socket @s (host order), or -1. */
static long local_port(int s)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	if (getsockname(s, (struct sockaddr *)&a, &len) < 0 || a.sin_family != AF_INET)
		return -1;
	return ntohs(a.sin_port);
}

static int udp_bound(const char *ip, int port, int rcvbuf, struct nt_err **err)
{
	struct sockaddr_in a = addr4(ip, port);
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
		sock_err(err, "bind a udp socket");
		if (s >= 0)
			close(s);
		return -1;
	}
	if (rcvbuf)
		setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	return s;
}

/* Read what is queued on @s, waiting up to @ms for each datagram; returns how many. */
static long drain(int s, int ms, long max)
{
	char buf[2048];
	long n = 0;

	while (n < max) {
		struct pollfd p = {s, POLLIN, 0};
		if (poll(&p, 1, ms) <= 0)
			break;
		if (recv(s, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
			n++;
	}
	return n;
}

/* @n datagrams of @size from @tx to @to, read on @rx as they come; returns how many arrived */
static long udp_burst(int tx, int rx, struct sockaddr_in *to, long n, size_t size, long *sent)
{
	char buf[2048] = {0};
	long got = 0;

	*sent = 0;
	for (long i = 0; i < n; i++) {
		if (sendto(tx, buf, size, 0, (struct sockaddr *)to, sizeof(*to)) == (ssize_t)size)
			(*sent)++;
		if (rx >= 0)
			got += drain(rx, i == 0 ? 1000 : 0, *sent - got);
	}
	if (rx >= 0)
		got += drain(rx, 500, *sent - got);
	return got;
}

int lab_udp_loopback(long tag, long n, struct lab_out *o, struct nt_err **err)
{
	struct sockaddr_in to = addr4("127.0.0.1", LAB_UDP_PORT);
	int rx, tx;
	long sent, got;

	if (lab_enter(tag, 'a', err) ||
	    (rx = udp_bound("127.0.0.1", LAB_UDP_PORT, 4 << 20, err)) < 0)
		return -1;
	tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (tx < 0)
		return sock_err(err, "open a udp socket");
	got = udp_burst(tx, rx, &to, n, 1234, &sent);
	lab_put(o, "size", 1234);
	lab_put(o, "sport", local_port(tx)); /* bound by the first send */
	lab_put(o, "dport", LAB_UDP_PORT);
	lab_put(o, "sent", sent);
	lab_put(o, "received", got);
	close(tx);
	close(rx);
	return sent == n && got == n ? 0 : 1;
}

int lab_syn_closed(long tag, long n, struct lab_out *o, struct nt_err **err)
{
	struct sockaddr_in to = addr4("127.0.0.1", LAB_CLOSED_PORT);
	long refused = 0;

	if (lab_enter(tag, 'a', err))
		return -1;
	for (long i = 0; i < n; i++) {
		int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (c < 0)
			return sock_err(err, "open a tcp socket");
		if (connect(c, (struct sockaddr *)&to, sizeof(to)) < 0 && errno == ECONNREFUSED)
			refused++;
		close(c);
	}
	lab_put(o, "connects", n);
	lab_put(o, "refused", refused);
	return refused == n ? 0 : 1;
}

static int read_full(int s, char *buf, size_t size)
{
	size_t off = 0;

	while (off < size) {
		ssize_t r = read(s, buf + off, size - off);
		if (r <= 0)
			return -1;
		off += (size_t)r;
	}
	return 0;
}

int lab_tcp_stream(long tag, long n, struct lab_out *o, struct nt_err **err)
{
	struct sockaddr_in a = addr4("127.0.0.1", LAB_TCP_PORT);
	char buf[1000] = {0};
	long long rd = 0;
	long writes = 0;
	int ls, c, s;

	if (lab_enter(tag, 'a', err))
		return -1;
	ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(ls, 1) < 0)
		return sock_err(err, "listen on a tcp socket");
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof(a)) < 0)
		return sock_err(err, "connect");
	s = accept(ls, NULL, NULL);
	if (s < 0)
		return sock_err(err, "accept");
	for (long i = 0; i < n; i++) {
		if (write(c, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			break;
		writes++;
		if (read_full(s, buf, sizeof(buf)))
			break;
		rd += (long long)sizeof(buf);
	}
	close(c);
	while (read(s, buf, sizeof(buf)) > 0) /* EOF: the peer's FIN */
		;
	close(s);
	close(ls);
	usleep(100000); /* the last ACK */
	lab_put(o, "writes", writes);
	lab_put(o, "size", (long)sizeof(buf));
	lab_put(o, "bytes", (long)rd);
	return writes == n && rd == (long long)n * 1000 ? 0 : 1;
}

static unsigned short ip_csum(const void *p, size_t len)
{
	const unsigned short *w = p;
	unsigned long sum = 0;

	for (; len > 1; len -= 2)
		sum += *w++;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (unsigned short)~sum;
}

/* An IPv4 header (+ a UDP header when @proto is UDP) and @payload zero bytes in @pkt. */
static size_t build_ip(char *pkt, const char *src, const char *dst, int proto, size_t payload)
{
	struct iphdr *ip = (struct iphdr *)pkt;
	size_t l4 = proto == IPPROTO_UDP ? sizeof(struct udphdr) : 0,
	       len = sizeof(*ip) + l4 + payload;

	memset(pkt, 0, len);
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = (unsigned char)proto;
	ip->tot_len = htons((unsigned short)len);
	inet_pton(AF_INET, src, &ip->saddr);
	inet_pton(AF_INET, dst, &ip->daddr);
	ip->check = ip_csum(ip, sizeof(*ip));
	if (l4) {
		struct udphdr *u = (struct udphdr *)(pkt + sizeof(*ip));
		u->source = htons(LAB_TUN_SPORT);
		u->dest = htons(LAB_UDP_PORT);
		u->len = htons((unsigned short)(l4 + payload)); /* checksum 0: none (IPv4) */
	}
	return len;
}

int lab_rcvbuf(long tag, long n, struct lab_out *o, struct nt_err **err)
{
	struct sockaddr_in to = addr4("127.0.0.1", 0);
	char pkt[256];
	struct icmphdr *h = (struct icmphdr *)pkt;
	int s, small = 1;
	long sent = 0, queued;

	/* an ICMP echo ("ping") socket: its replies are queued by sock_queue_rcv_skb */
	if (lab_enter(tag, 'a', err) || lab_sysctl("net/ipv4/ping_group_range", "0 0", err))
		return -1;
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (s < 0)
		return sock_err(err, "open an icmp echo socket");
	setsockopt(s, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)); /* the minimum */
	memset(pkt, 0, sizeof(pkt));
	h->type = ICMP_ECHO;
	for (long i = 0; i < n; i++) {
		h->un.echo.sequence = htons((unsigned short)i);
		if (sendto(s, pkt, 208, 0, (struct sockaddr *)&to, sizeof(to)) == 208)
			sent++;
	}
	usleep(50000);
	queued = drain(s, 0, n); /* the replies that fitted in the receive queue */
	lab_put(o, "sent", sent);
	lab_put(o, "icmp_len", 208);
	lab_put(o, "queued", queued);
	lab_put(o, "overflowed", sent - queued);
	close(s);
	return sent == n && queued < n ? 0 : 1;
}

int lab_nf_drop(long tag, long n, struct lab_out *o, struct nt_err **err)
{
	struct sockaddr_in to = addr4("127.0.0.1", LAB_NF_PORT);
	int rx, tx;
	long sent, got;

	if (lab_enter(tag, 'a', err) || (rx = udp_bound("127.0.0.1", LAB_NF_PORT, 0, err)) < 0)
		return -1;
	tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (tx < 0)
		return sock_err(err, "open a udp socket");
	got = udp_burst(tx, -1, &to, n, 777, &sent);
	got = drain(rx, 200, n);
	lab_put(o, "size", 777);
	lab_put(o, "sport", local_port(tx));
	lab_put(o, "dport", LAB_NF_PORT);
	lab_put(o, "sent", sent);
	lab_put(o, "received", got);
	close(tx);
	close(rx);
	return sent == n && got == 0 ? 0 : 1;
}

int lab_forward(long tag, long n, struct lab_out *o, struct nt_err **err)
{
	struct sockaddr_in to = addr4("10.2.0.1", LAB_UDP_PORT);
	int rx, tx;
	long sent, got, sent2, got2;

	if (lab_enter(tag, 's', err) ||
	    (rx = udp_bound("10.2.0.1", LAB_UDP_PORT, 4 << 20, err)) < 0)
		return -1;
	if (lab_enter(tag, 'c', err))
		return -1;
	tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (tx < 0)
		return sock_err(err, "open a udp socket");
	got = udp_burst(tx, rx, &to, n, 555, &sent);
	if (lab_enter(tag, 'r', err) || lab_sysctl("net/ipv4/ip_forward", "0", err))
		return -1;
	got2 = udp_burst(tx, rx, &to, n, 556, &sent2);
	lab_put(o, "size", 555);
	lab_put(o, "sport", local_port(tx)); /* both bursts */
	lab_put(o, "dport", LAB_UDP_PORT);
	lab_put(o, "sent", sent);
	lab_put(o, "received", got);
	lab_put(o, "size_off", 556);
	lab_put(o, "sent_off", sent2);
	lab_put(o, "received_off", got2);
	close(tx);
	close(rx);
	return sent == n && got == n && sent2 == n && got2 == 0 ? 0 : 1;
}

int lab_tun(long tag, long n, struct lab_out *o, struct nt_err **err)
{
	struct ifreq ifr;
	char pkt[512], dev[40];
	size_t len;
	int fd, rx;
	long written = 0, got = 0;

	if (lab_enter(tag, 'a', err))
		return -1;
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", lab_dev_name(tag, 't', dev));
	if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) < 0)
		return sock_err(err, "attach to the tun device");
	if ((rx = udp_bound("10.3.0.1", LAB_UDP_PORT, 4 << 20, err)) < 0)
		return -1;
	len = build_ip(pkt, "10.3.0.2", "10.3.0.1", IPPROTO_UDP, 321);
	for (long i = 0; i < n; i++) {
		if (write(fd, pkt, len) == (ssize_t)len)
			written++;
		got += drain(rx, i == 0 ? 1000 : 0, written - got);
	}
	got += drain(rx, 500, written - got);
	lab_put(o, "size", 321);
	lab_put(o, "sport", LAB_TUN_SPORT); /* the header written to the tun fd */
	lab_put(o, "dport", LAB_UDP_PORT);
	lab_put(o, "ip_len", (long)len);
	lab_put(o, "written", written);
	lab_put(o, "received", got);
	close(rx);
	close(fd);
	return written == n && got == n ? 0 : 1;
}
