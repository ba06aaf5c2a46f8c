/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nt-traffic: traffic with exact counts for tests, labs and the benchmark, over loopback only.
 *   nt-traffic udp N [SIZE]          N datagrams of SIZE payload bytes to a socket it reads
 *   nt-traffic udp6 N [SIZE]         the same over IPv6 (::1)
 *   nt-traffic tcp N [SIZE]          one connection, N writes of SIZE bytes, read by a peer, close
 *   nt-traffic tcp-closed N          N connects to a port nobody listens on (each gets a reset)
 *   nt-traffic udp-closed N          N datagrams to a port nobody listens on, each answered by an
 *                                    ICMP port unreachable (counted from the socket's error queue)
 * Prints what it did ("udp sent=N received=N") and exits non-zero if the counts do not hold.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static struct sockaddr_in loopback(unsigned short port)
{
	struct sockaddr_in a;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static int bound(int type, struct sockaddr_in *a)
{
	socklen_t l = sizeof(*a);
	int s = socket(AF_INET, type, 0);

	*a = loopback(0);
	if (s < 0 || bind(s, (struct sockaddr *)a, sizeof(*a)) < 0 ||
	    getsockname(s, (struct sockaddr *)a, &l) < 0) {
		perror("nt-traffic: socket");
		exit(2);
	}
	return s;
}

union addr {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
};

/* A socket of @family bound to its loopback address and a free port, which @a gets. */
static int bound_family(int type, int family, union addr *a, socklen_t *len)
{
	int s;

	if (family == AF_INET)
		return *len = sizeof(a->in), bound(type, &a->in);
	memset(a, 0, sizeof(*a));
	a->in6.sin6_family = AF_INET6;
	a->in6.sin6_addr = in6addr_loopback;
	*len = sizeof(a->in6);
	s = socket(AF_INET6, type, 0);
	if (s < 0 || bind(s, &a->sa, *len) < 0 || getsockname(s, &a->sa, len) < 0) {
		perror("nt-traffic: socket");
		exit(2);
	}
	return s;
}

static int udp(long n, size_t size, int family)
{
	union addr a;
	socklen_t alen;
	int rx = bound_family(SOCK_DGRAM, family, &a, &alen), tx = socket(family, SOCK_DGRAM, 0);
	int rcvbuf = 4 << 20;
	char *buf = calloc(1, size + 1);
	long sent = 0, got = 0;

	setsockopt(rx, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (tx < 0 || !buf)
		return 2;
	for (long i = 0; i < n; i++) {
		if (sendto(tx, buf, size, 0, &a.sa, alen) == (ssize_t)size)
			sent++;
		/* read as we go so the receive queue never overflows */
		while (got < sent) {
			struct pollfd p = {rx, POLLIN, 0};
			if (poll(&p, 1, sent - got > 64 ? 1000 : 0) <= 0)
				break;
			if (recv(rx, buf, size + 1, 0) >= 0)
				got++;
		}
	}
	while (got < sent) {
		struct pollfd p = {rx, POLLIN, 0};
		if (poll(&p, 1, 2000) <= 0)
			break;
		if (recv(rx, buf, size + 1, 0) >= 0)
			got++;
	}
	printf("%s sent=%ld received=%ld size=%zu port=%d\n", family == AF_INET ? "udp" : "udp6",
	       sent, got, size, ntohs(family == AF_INET ? a.in.sin_port : a.in6.sin6_port));
	free(buf);
	close(tx);
	close(rx);
	return sent == n && got == n ? 0 : 1;
}

static int tcp(long n, size_t size)
{
	struct sockaddr_in a;
	int ls = bound(SOCK_STREAM, &a), c;
	char *buf = calloc(1, size);
	long long total = 0, want = (long long)n * (long long)size;
	pid_t pid;
	int st;

	if (!buf || listen(ls, 1) < 0)
		return 2;
	pid = fork();
	if (pid == 0) {
		int s = accept(ls, NULL, NULL);
		ssize_t r;
		long long rd = 0;
		while (s >= 0 && (r = read(s, buf, size)) > 0)
			rd += r;
		_exit(rd == want ? 0 : 1);
	}
	c = socket(AF_INET, SOCK_STREAM, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("nt-traffic: connect");
		return 2;
	}
	for (long i = 0; i < n; i++) {
		size_t off = 0;
		while (off < size) {
			ssize_t w = write(c, buf + off, size - off);
			if (w <= 0)
				return 1;
			off += (size_t)w;
		}
		total += (long long)size;
	}
	close(c);
	waitpid(pid, &st, 0);
	close(ls);
	free(buf);
	printf("tcp writes=%ld bytes=%lld port=%d\n", n, total, ntohs(a.sin_port));
	return WIFEXITED(st) && !WEXITSTATUS(st) ? 0 : 1;
}

static int tcp_closed(long n)
{
	struct sockaddr_in a;
	int probe = bound(SOCK_STREAM, &a); /* a port that was free... */
	long refused = 0;

	close(probe); /* ...and has no listener now */
	for (long i = 0; i < n; i++) {
		int c = socket(AF_INET, SOCK_STREAM, 0);
		if (c < 0)
			return 2;
		if (connect(c, (struct sockaddr *)&a, sizeof(a)) < 0 && errno == ECONNREFUSED)
			refused++;
		close(c);
	}
	printf("tcp-closed connects=%ld refused=%ld port=%d\n", n, refused, ntohs(a.sin_port));
	return refused == n ? 0 : 1;
}

/* Wait for the ICMP error @s got for its last datagram: 1 when one came within a second. */
static int icmp_error(int s)
{
	struct pollfd p = {.fd = s, .events = 0};
	char buf[512], ctl[512];
	struct iovec v = {buf, sizeof(buf)};
	struct msghdr m = {.msg_iov = &v, .msg_iovlen = 1};

	if (poll(&p, 1, 1000) != 1 || !(p.revents & POLLERR))
		return 0;
	m.msg_control = ctl;
	m.msg_controllen = sizeof(ctl);
	return recvmsg(s, &m, MSG_ERRQUEUE) >= 0;
}

static int udp_closed(long n)
{
	struct sockaddr_in a, from;
	int probe = bound(SOCK_DGRAM, &a); /* a port that was free... */
	int tx = bound(SOCK_DGRAM, &from), on = 1;
	long sent = 0, refused = 0;
	char byte = 0;

	close(probe); /* ...and has no socket now */
	if (setsockopt(tx, IPPROTO_IP, IP_RECVERR, &on, sizeof(on)) < 0) {
		perror("nt-traffic: IP_RECVERR");
		return 2;
	}
	for (long i = 0; i < n; i++) {
		if (sendto(tx, &byte, 1, 0, (struct sockaddr *)&a, sizeof(a)) != 1)
			continue;
		sent++;
		refused += icmp_error(tx);
	}
	close(tx);
	printf("udp-closed sent=%ld refused=%ld sport=%d port=%d\n", sent, refused,
	       ntohs(from.sin_port), ntohs(a.sin_port));
	return sent == n && refused == n ? 0 : 1;
}

int main(int argc, char **argv)
{
	long n;
	long size;

	if (argc < 3 || (n = strtol(argv[2], NULL, 10)) <= 0) {
		fprintf(stderr,
			"usage: nt-traffic udp|udp6|tcp|tcp-closed|udp-closed COUNT [SIZE]\n");
		return 2;
	}
	size = argc > 3 ? strtol(argv[3], NULL, 10) : 0;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[1], "udp"))
		return udp(n, size > 0 ? (size_t)size : 64, AF_INET);
	if (!strcmp(argv[1], "udp6"))
		return udp(n, size > 0 ? (size_t)size : 64, AF_INET6);
	if (!strcmp(argv[1], "tcp"))
		return tcp(n, size > 0 ? (size_t)size : 1024);
	if (!strcmp(argv[1], "tcp-closed"))
		return tcp_closed(n);
	if (!strcmp(argv[1], "udp-closed"))
		return udp_closed(n);
	fprintf(stderr, "nt-traffic: unknown kind '%s'\n", argv[1]);
	return 2;
}
