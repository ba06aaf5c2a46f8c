/* SPDX-License-Identifier: GPL-2.0 */
/* Flow identity from event fields, and flow expressions (docs/analyses/skb.md, "Flows"). */
#include "flow.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const nt_flow_fields[] = {
	"skbaddr",  "skaddr",	"family",  "sport",   "dport", "saddr", "daddr",
	"saddr_v6", "daddr_v6", "saddrv6", "daddrv6", "src",   "dest",	"protocol",
	"newstate", "fin",	"syn",	   "rst",     "psh",   "ack",	NULL};

static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

static bool zero(const uint8_t *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i])
			return false;
	return true;
}

/* IPv4-mapped IPv6 (a dual-stack socket's IPv4 peer) is IPv4 on the wire. */
static void unmap(uint16_t *family, uint8_t *a)
{
	if (*family == NT_AF_INET6 && !memcmp(a, v4mapped, 12)) {
		memmove(a, a + 12, 4);
		memset(a + 4, 0, 12);
		*family = NT_AF_INET;
	}
}

/* Text "1.2.3.4", "::1" (or "[::1]"): family and address. */
static bool text_addr(const char *s, size_t n, uint16_t *family, uint8_t *a)
{
	char buf[64];

	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		s++;
		n -= 2;
	}
	if (!n || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = 0;
	memset(a, 0, 16);
	if (inet_pton(AF_INET, buf, a) == 1)
		*family = NT_AF_INET;
	else if (inet_pton(AF_INET6, buf, a) == 1)
		*family = NT_AF_INET6;
	else
		return false;
	return true;
}

/* "%pISpc" text: "1.2.3.4:80" or "[::1]:80". */
static bool text_sockaddr(const char *s, uint16_t *family, uint8_t *a, uint16_t *port)
{
	const char *colon = s ? strrchr(s, ':') : NULL;
	char *end;
	long p;

	if (!colon)
		return false;
	p = strtol(colon + 1, &end, 10);
	if (*end || end == colon + 1 || p < 0 || p > 65535)
		return false;
	*port = (uint16_t)p;
	return text_addr(s, (size_t)(colon - s), family, a) &&
	       (*family == NT_AF_INET6) == (s[0] == '[');
}

/* A struct sockaddr_in/_in6 as the tcp events store it (28 bytes, sa_family in host order). */
static bool blob_sockaddr(const uint8_t *b, int n, uint16_t *family, uint8_t *a, uint16_t *port)
{
	uint16_t le, be;

	if (n < 16)
		return false;
	le = (uint16_t)(b[0] | b[1] << 8);
	be = (uint16_t)(b[0] << 8 | b[1]);
	*family = le == NT_AF_INET || le == NT_AF_INET6 ? le : be;
	*port = (uint16_t)(b[2] << 8 | b[3]); /* network order */
	memset(a, 0, 16);
	if (*family == NT_AF_INET)
		memcpy(a, b + 4, 4);
	else if (*family == NT_AF_INET6 && n >= 24)
		memcpy(a, b + 8, 16);
	else
		return false;
	return true;
}

/*
 * The event's family field; without one, an address field of 4 bytes (icmp_send's
 * `__u8 saddr[4]`: the IPv4 ICMP path) is IPv4 by its type.
 */
static uint16_t family_of(const struct nt_ev *e)
{
	const char *t;

	int n;

	if (!nt_ev_has(e, NT_FF_FAMILY)) {
		if (!nt_ev_has(e, NT_FF_SADDR) || nt_ev_type(e, NT_FF_SADDR) != SQLITE_BLOB)
			return 0;
		nt_ev_blob(e, NT_FF_SADDR, &n);
		return n == 4 ? NT_AF_INET : 0;
	}
	if (nt_ev_type(e, NT_FF_FAMILY) == SQLITE_INTEGER)
		return (uint16_t)nt_ev_int(e, NT_FF_FAMILY);
	t = nt_ev_text(e, NT_FF_FAMILY);
	return !t			? 0
	       : !strcmp(t, "AF_INET")	? NT_AF_INET
	       : !strcmp(t, "AF_INET6") ? NT_AF_INET6
					: 0;
}

/* Address field @f4 (4 bytes, or text) or @f6 / @f6t (16 bytes, or text) for @family. */
static bool field_addr(const struct nt_ev *e, uint16_t family, int f4, int f6, int f6t, uint8_t *a)
{
	int f = family == NT_AF_INET ? f4 : nt_ev_has(e, f6) ? f6 : f6t;
	uint16_t fam = family;

	if (!nt_ev_has(e, f))
		return false;
	memset(a, 0, 16);
	if (nt_ev_type(e, f) == SQLITE_BLOB) {
		int n;
		const void *b = nt_ev_blob(e, f, &n);

		if (n != (family == NT_AF_INET ? 4 : 16) || !b)
			return false;
		memcpy(a, b, (size_t)n);
		return true;
	}
	if (nt_ev_type(e, f) != SQLITE_TEXT)
		return false;
	return text_addr(nt_ev_text(e, f), strlen(nt_ev_text(e, f)), &fam, a) && fam == family;
}

static bool read_pair(const struct nt_ev *e, int fs, int fd, struct nt_flow *f)
{
	uint16_t fs_fam = 0, fd_fam = 0;

	if (nt_ev_type(e, fs) == SQLITE_BLOB && nt_ev_type(e, fd) == SQLITE_BLOB) {
		int ns, nd;
		const void *bs = nt_ev_blob(e, fs, &ns), *bd = nt_ev_blob(e, fd, &nd);

		if (!blob_sockaddr(bs, ns, &fs_fam, f->saddr, &f->sport) ||
		    !blob_sockaddr(bd, nd, &fd_fam, f->daddr, &f->dport))
			return false;
	} else if (!text_sockaddr(nt_ev_text(e, fs), &fs_fam, f->saddr, &f->sport) ||
		   !text_sockaddr(nt_ev_text(e, fd), &fd_fam, f->daddr, &f->dport)) {
		return false;
	}
	if (fs_fam != fd_fam)
		return false;
	f->family = fs_fam;
	return true;
}

bool nt_flow_read(const struct nt_ev *e, uint8_t proto, struct nt_flow *f)
{
	uint16_t fam2;
	int n = 0;

	memset(f, 0, sizeof(*f));
	f->proto = proto;
	if (nt_ev_has(e, NT_FF_SADDR) && nt_ev_has(e, NT_FF_DADDR) &&
	    nt_ev_type(e, NT_FF_SADDR) == SQLITE_BLOB && nt_ev_blob(e, NT_FF_SADDR, &n) &&
	    n >= 16) {
		if (!read_pair(e, NT_FF_SADDR, NT_FF_DADDR, f))
			return false;
	} else if (nt_ev_has(e, NT_FF_SRC) && nt_ev_has(e, NT_FF_DEST)) {
		if (!read_pair(e, NT_FF_SRC, NT_FF_DEST, f))
			return false;
	} else {
		f->family = family_of(e);
		if ((f->family != NT_AF_INET && f->family != NT_AF_INET6) ||
		    !nt_ev_has(e, NT_FF_SPORT) || !nt_ev_has(e, NT_FF_DPORT) ||
		    !field_addr(e, f->family, NT_FF_SADDR, NT_FF_SADDR6, NT_FF_SADDR6T, f->saddr) ||
		    !field_addr(e, f->family, NT_FF_DADDR, NT_FF_DADDR6, NT_FF_DADDR6T, f->daddr))
			return false;
		f->sport = (uint16_t)nt_ev_int(e, NT_FF_SPORT);
		f->dport = (uint16_t)nt_ev_int(e, NT_FF_DPORT);
	}
	fam2 = f->family;
	unmap(&f->family, f->saddr);
	unmap(&fam2, f->daddr);
	if (fam2 != f->family)
		return false;
	return f->sport && f->dport && !zero(f->saddr, 16) && !zero(f->daddr, 16);
}

/* Indexes in NT_FLOW_LTTNG_FIELDS: the tag, IPv4's frag_off and ihl, one block per version. */
enum { FL_TYPE, FL_FRAG, FL_IHL, FL_V4, FL_V6 = FL_V4 + 9 };
enum { FLV_VERSION, FLV_PROTO, FLV_SADDR, FLV_DADDR, FLV_TCP_SPORT, FLV_TCP_DPORT, FLV_TCP_FLAGS };
enum { FLV_UDP_SPORT = FLV_TCP_FLAGS + 1 };

/* BLOB field @f of exactly @n bytes into @a. */
static bool blob_addr(const struct nt_ev *e, int f, int n, uint8_t *a)
{
	const void *b;
	int got;

	if (!nt_ev_has(e, f) || nt_ev_type(e, f) != SQLITE_BLOB || !(b = nt_ev_blob(e, f, &got)) ||
	    got != n)
		return false;
	memset(a, 0, 16);
	memcpy(a, b, (size_t)n);
	return true;
}

bool nt_flow_read_lttng(const struct nt_ev *e, int at, bool rx, struct nt_flow *f)
{
	int64_t type = nt_ev_int(e, at + FL_TYPE);
	bool v6 = type == 2;
	int v = at + (v6 ? FL_V6 : FL_V4), alen = v6 ? 16 : 4, p;

	memset(f, 0, sizeof(*f));
	if (!nt_ev_has(e, at + FL_TYPE) || (type != 1 && type != 2) ||
	    nt_ev_int(e, v + FLV_VERSION) != (v6 ? 6 : 4) || !nt_ev_has(e, v + FLV_PROTO) ||
	    !blob_addr(e, v + FLV_SADDR, alen, f->saddr) ||
	    !blob_addr(e, v + FLV_DADDR, alen, f->daddr))
		return false;
	f->family = v6 ? NT_AF_INET6 : NT_AF_INET;
	f->proto = (uint8_t)nt_ev_int(e, v + FLV_PROTO);
	if (f->proto != 6 && f->proto != 17)
		return !v6 || f->proto == 58;
	if (!v6 && (!nt_ev_has(e, at + FL_FRAG) || nt_ev_int(e, at + FL_FRAG) & 0x1fff))
		return false; /* a later fragment: what follows its IP header is data */
	if (!v6 && rx && (nt_ev_int(e, at + FL_IHL) != 5 || nt_ev_int(e, at + FL_FRAG) & 0x2000))
		return false; /* options or a fragment: GRO did not set the transport header */
	p = v + (f->proto == 6 ? FLV_TCP_SPORT : FLV_UDP_SPORT);
	if (!nt_ev_has(e, p) || !nt_ev_has(e, p + 1))
		return false;
	f->sport = (uint16_t)nt_ev_int(e, p);
	f->dport = (uint16_t)nt_ev_int(e, p + 1);
	if (f->proto == 6 && nt_ev_has(e, v + FLV_TCP_FLAGS)) {
		f->flags =
			(uint8_t)(nt_ev_int(e, v + FLV_TCP_FLAGS) & 0x1f); /* FIN SYN RST PSH ACK */
		f->has_flags = true;
	}
	return true;
}

void nt_flow_reverse(struct nt_flow *f)
{
	uint8_t a[16];
	uint16_t p = f->sport;

	memcpy(a, f->saddr, 16);
	memcpy(f->saddr, f->daddr, 16);
	memcpy(f->daddr, a, 16);
	f->sport = f->dport;
	f->dport = p;
}

bool nt_flow_same(const struct nt_flow *a, const struct nt_flow *b)
{
	return a->family == b->family && a->proto == b->proto && a->sport == b->sport &&
	       a->dport == b->dport && !memcmp(a->saddr, b->saddr, 16) &&
	       !memcmp(a->daddr, b->daddr, 16);
}

void nt_flow_addr_str(uint16_t family, const uint8_t *a, char *buf, size_t n)
{
	if (!inet_ntop(family == NT_AF_INET ? AF_INET : AF_INET6, a, buf, (socklen_t)n))
		snprintf(buf, n, "?");
}

void nt_flow_flags_str(uint8_t flags, char *buf, size_t n)
{
	static const char *const name[] = {"FIN", "SYN", "RST", "PSH", "ACK"};
	size_t at = 0;

	buf[0] = 0;
	for (int i = 0; i < 5; i++)
		if (flags >> i & 1)
			at += (size_t)snprintf(buf + at, at < n ? n - at : 0, "%s%s", at ? "|" : "",
					       name[i]);
}

/* ---- expressions ---- */

enum op { X_AND, X_OR, X_NOT, X_HOST, X_PORT, X_PROTO, X_FAMILY, X_TUPLE };
enum dir { D_ANY, D_SRC, D_DST };

struct nt_flow_expr {
	enum op op;
	enum dir dir;
	struct nt_flow_expr *a, *b;
	char addr[2][64]; /* X_HOST: addr[0]; X_TUPLE: source, destination ("" any) */
	int port[2];	  /* X_PORT: port[0]; X_TUPLE: -1 any */
	int num;	  /* X_PROTO: 6/17; X_FAMILY: 4/6 */
};

struct parser {
	const char *s;
	char tok[128];
	const char *text;
	struct nt_err **err;
};

static void next(struct parser *p)
{
	size_t n = 0;

	while (isspace((unsigned char)*p->s))
		p->s++;
	if (*p->s == '(' || *p->s == ')' || *p->s == '!') {
		p->tok[n++] = *p->s++;
	} else if ((p->s[0] == '&' && p->s[1] == '&') || (p->s[0] == '|' && p->s[1] == '|')) {
		p->tok[n++] = *p->s++;
		p->tok[n++] = *p->s++;
	} else {
		while (*p->s && !isspace((unsigned char)*p->s) && !strchr("()!&|", *p->s) &&
		       n + 1 < sizeof(p->tok))
			p->tok[n++] = *p->s++;
	}
	p->tok[n] = 0;
}

static struct nt_flow_expr *fail(struct parser *p, const char *what)
{
	if (!*p->err)
		nt_err_set(p->err, nt_err_new(NT_E_USAGE,
					      "--flow '%s': %s%s%s%s; use host/port words "
					      "('host 127.0.0.1 and dst port 80', src, dst, tcp, "
					      "udp, ip, ip6, and, or, not) or "
					      "'SADDR:SPORT>DADDR:DPORT'",
					      p->text, what, *p->tok ? " at '" : "", p->tok,
					      *p->tok ? "'" : ""));
	return NULL;
}

static struct nt_flow_expr *node(enum op op)
{
	struct nt_flow_expr *x = calloc(1, sizeof(*x));

	if (x)
		x->op = op;
	return x;
}

/* Normalise an address the user wrote to the text skb_lifecycles stores. */
static bool norm_addr(const char *s, char *out, size_t n)
{
	uint16_t fam;
	uint8_t a[16];

	if (!text_addr(s, strlen(s), &fam, a))
		return false;
	nt_flow_addr_str(fam, a, out, n);
	return true;
}

static int parse_port(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	return *s && !*end && v > 0 && v <= 65535 ? (int)v : -1;
}

/* "ADDR:PORT" with "*" for either part; IPv6 in brackets. */
static bool endpoint(const char *s, size_t n, char *addr, int *port)
{
	char buf[80];
	const char *colon;

	if (!n || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = 0;
	colon = strrchr(buf, ':');
	if (!colon || (buf[0] == '[' ? colon[-1] != ']' : strchr(buf, ':') != colon))
		return false;
	*port = !strcmp(colon + 1, "*") ? -1 : parse_port(colon + 1);
	if (*port < 0 && strcmp(colon + 1, "*"))
		return false;
	buf[colon - buf] = 0;
	addr[0] = 0;
	return !strcmp(buf, "*") || norm_addr(buf, addr, 64);
}

static struct nt_flow_expr *parse_or(struct parser *p);

static struct nt_flow_expr *primary(struct parser *p)
{
	struct nt_flow_expr *x;
	enum dir dir = D_ANY;
	const char *gt = strchr(p->tok, '>');

	if (!strcmp(p->tok, "(")) {
		next(p);
		x = parse_or(p);
		if (!x)
			return NULL;
		if (strcmp(p->tok, ")")) {
			nt_flow_expr_free(x);
			return fail(p, "missing ')'");
		}
		next(p);
		return x;
	}
	if (!(x = node(X_HOST)))
		return fail(p, "out of memory");
	if (gt) {
		x->op = X_TUPLE;
		if (!endpoint(p->tok, (size_t)(gt - p->tok), x->addr[0], &x->port[0]) ||
		    !endpoint(gt + 1, strlen(gt + 1), x->addr[1], &x->port[1])) {
			free(x);
			return fail(p, "not an endpoint pair SADDR:SPORT>DADDR:DPORT");
		}
		next(p);
		return x;
	}
	if (!strcmp(p->tok, "tcp") || !strcmp(p->tok, "udp")) {
		x->op = X_PROTO;
		x->num = p->tok[0] == 't' ? 6 : 17;
		next(p);
		return x;
	}
	if (!strcmp(p->tok, "ip") || !strcmp(p->tok, "ip6")) {
		x->op = X_FAMILY;
		x->num = p->tok[2] ? 6 : 4;
		next(p);
		return x;
	}
	if (!strcmp(p->tok, "src") || !strcmp(p->tok, "dst")) {
		dir = p->tok[0] == 's' ? D_SRC : D_DST;
		next(p);
	}
	x->dir = dir;
	if (!strcmp(p->tok, "port")) {
		x->op = X_PORT;
		next(p);
		if ((x->port[0] = parse_port(p->tok)) < 0) {
			free(x);
			return fail(p, "expected a port number");
		}
		next(p);
		return x;
	}
	if (!strcmp(p->tok, "host"))
		next(p);
	else if (dir == D_ANY) {
		free(x);
		return fail(p, *p->tok ? "unknown word" : "expected a flow word");
	}
	if (!norm_addr(p->tok, x->addr[0], sizeof(x->addr[0]))) {
		free(x);
		return fail(p, "expected an IPv4 or IPv6 address");
	}
	next(p);
	return x;
}

static struct nt_flow_expr *unary(struct parser *p)
{
	struct nt_flow_expr *x, *n;

	if (strcmp(p->tok, "not") && strcmp(p->tok, "!"))
		return primary(p);
	next(p);
	if (!(x = unary(p)))
		return NULL;
	if (!(n = node(X_NOT))) {
		nt_flow_expr_free(x);
		return fail(p, "out of memory");
	}
	n->op = X_NOT;
	n->a = x;
	return n;
}

static struct nt_flow_expr *binary(struct parser *p, bool or)
{
	struct nt_flow_expr *x = or ? binary(p, false) : unary(p), *y, *n;
	const char *w1 = or ? "or" : "and", *w2 = or ? "||" : "&&";

	while (x && (!strcmp(p->tok, w1) || !strcmp(p->tok, w2))) {
		next(p);
		y = or ? binary(p, false) : unary(p);
		if (!y || !(n = node(X_AND))) {
			nt_flow_expr_free(x);
			nt_flow_expr_free(y);
			return y ? fail(p, "out of memory") : NULL;
		}
		n->op = or ? X_OR : X_AND;
		n->a = x;
		n->b = y;
		x = n;
	}
	return x;
}

static struct nt_flow_expr *parse_or(struct parser *p)
{
	return binary(p, true);
}

int nt_flow_expr_compile(const char *text, struct nt_flow_expr **out, struct nt_err **err)
{
	struct parser p = {text, "", text, err};
	struct nt_flow_expr *x;

	*out = NULL;
	next(&p);
	if (!(x = parse_or(&p)))
		return -1;
	if (*p.tok) {
		nt_flow_expr_free(x);
		fail(&p, "unexpected word");
		return -1;
	}
	*out = x;
	return 0;
}

void nt_flow_expr_free(struct nt_flow_expr *x)
{
	if (!x)
		return;
	nt_flow_expr_free(x->a);
	nt_flow_expr_free(x->b);
	free(x);
}

static bool side(enum dir d, bool s, bool t)
{
	return d == D_SRC ? s : d == D_DST ? t : s || t;
}

bool nt_flow_expr_match(const struct nt_flow_expr *x, int64_t proto, const char *saddr,
			int64_t sport, const char *daddr, int64_t dport)
{
	if (!saddr || !daddr)
		return false;
	switch (x->op) {
	case X_AND:
		return nt_flow_expr_match(x->a, proto, saddr, sport, daddr, dport) &&
		       nt_flow_expr_match(x->b, proto, saddr, sport, daddr, dport);
	case X_OR:
		return nt_flow_expr_match(x->a, proto, saddr, sport, daddr, dport) ||
		       nt_flow_expr_match(x->b, proto, saddr, sport, daddr, dport);
	case X_NOT:
		return !nt_flow_expr_match(x->a, proto, saddr, sport, daddr, dport);
	case X_HOST:
		return side(x->dir, !strcmp(saddr, x->addr[0]), !strcmp(daddr, x->addr[0]));
	case X_PORT:
		return side(x->dir, sport == x->port[0], dport == x->port[0]);
	case X_PROTO:
		return proto == x->num;
	case X_FAMILY:
		return (strchr(saddr, ':') != NULL) == (x->num == 6);
	case X_TUPLE:
		return (!x->addr[0][0] || !strcmp(saddr, x->addr[0])) &&
		       (x->port[0] < 0 || sport == x->port[0]) &&
		       (!x->addr[1][0] || !strcmp(daddr, x->addr[1])) &&
		       (x->port[1] < 0 || dport == x->port[1]);
	}
	return false;
}

static void free_aux(void *p)
{
	nt_flow_expr_free(p);
}

static void sql_match(sqlite3_context *cx, int argc, sqlite3_value **v)
{
	struct nt_flow_expr *x = sqlite3_get_auxdata(cx, 0);
	struct nt_err *err = NULL;

	(void)argc;
	if (!x) {
		const char *t = (const char *)sqlite3_value_text(v[0]);
		if (!t || nt_flow_expr_compile(t, &x, &err)) {
			nt_err_free(err);
			sqlite3_result_error(cx, "invalid flow expression", -1);
			return;
		}
		sqlite3_set_auxdata(cx, 0, x, free_aux);
		x = sqlite3_get_auxdata(cx, 0);
		if (!x) {
			sqlite3_result_error_nomem(cx);
			return;
		}
	}
	sqlite3_result_int(cx, nt_flow_expr_match(x, sqlite3_value_int64(v[1]),
						  (const char *)sqlite3_value_text(v[2]),
						  sqlite3_value_int64(v[3]),
						  (const char *)sqlite3_value_text(v[4]),
						  sqlite3_value_int64(v[5])));
}

int nt_flow_sql_register(sqlite3 *db)
{
	return sqlite3_create_function(db, "nt_flow_match", 6, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
				       NULL, sql_match, NULL, NULL);
}
