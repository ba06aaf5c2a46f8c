/* SPDX-License-Identifier: GPL-2.0 */
/*
 * record --headers: sk_buff offsets from BTF (libbpf), kprobes through libtracefs, and an owner
 * file ("/run/nettrail-hdrprobe.pid") that tells a killed record's group from a running one's.
 */
#include "hdrprobe.h"
#include "../core/sys.h"
#include "../core/tmpfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <tracefs/tracefs.h>

#define BTF_PATH "/sys/kernel/btf/vmlinux"

/* Where skb->data points at the IP header, and which argument is the skb. IPv6 is optional:
 * a kernel may have it as a module, not loaded. */
static const struct point {
	const char *event, *func;
	int arg, family;
	bool optional;
} points[] = {
	{"ip_rcv", "ip_rcv", 1, 4, false},	  /* int ip_rcv(skb, dev, pt, orig_dev) */
	{"ip_output", "ip_output", 3, 4, false},  /* int ip_output(net, sk, skb) */
	{"ipv6_rcv", "ipv6_rcv", 1, 6, true},	  /* int ipv6_rcv(skb, dev, pt, orig_dev) */
	{"ip6_output", "ip6_output", 3, 6, true}, /* int ip6_output(net, sk, skb) */
};
#define NPOINTS (sizeof(points) / sizeof(points[0]))

struct nt_hdrprobe {
	struct tracefs_dynevent *ev[NPOINTS]; /* owned */
	bool skip[NPOINTS];		      /* an optional function this kernel lacks */
	char *owner;			      /* owned: the owner file's path */
};

/* offsetof(struct sk_buff, member) and its size */
struct skb_offs {
	long data, len, data_len;
};

static int quiet_print(enum libbpf_print_level l, const char *fmt, va_list ap)
{
	(void)l, (void)fmt, (void)ap;
	return 0;
}

/* Byte offset of member @name in struct/union @id (anonymous members searched), or -1. */
static long member_off(const struct btf *btf, __u32 id, const char *name, long *size, int depth)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const struct btf_member *m;

	if (!t || depth > 16 || !(btf_is_struct(t) || btf_is_union(t)))
		return -1;
	m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, m++) {
		const char *n = btf__name_by_offset(btf, m->name_off);
		long bits = (long)btf_member_bit_offset(t, (__u32)i), sub;

		if (n && *n) {
			if (strcmp(n, name))
				continue;
			if (bits % 8 || btf_member_bitfield_size(t, (__u32)i))
				return -1;
			*size = (long)btf__resolve_size(btf, m->type);
			return bits / 8;
		}
		int rid = btf__resolve_type(btf, m->type);
		if (rid >= 0 && (sub = member_off(btf, (__u32)rid, name, size, depth + 1)) >= 0)
			return bits / 8 + sub;
	}
	return -1;
}

static int skb_offsets(struct skb_offs *o, struct nt_err **err)
{
	const struct {
		const char *name;
		long *off, size;
	} want[] = {{"data", &o->data, 8}, {"len", &o->len, 4}, {"data_len", &o->data_len, 4}};
	struct btf *btf;
	__s32 id;

	libbpf_set_print(quiet_print);
	btf = btf__parse(BTF_PATH, NULL);
	if (!btf) {
		int e = errno;
		*err = nt_err_errno(NT_E_FAIL, e, "cannot read the kernel's BTF '%s'", BTF_PATH);
		nt_err_hint(*err,
			    "--headers needs a kernel built with CONFIG_DEBUG_INFO_BTF "
			    "(Debian's have it; so has the lab VM: nettrail vm record --headers)");
		return -1;
	}
	id = btf__find_by_name_kind(btf, "sk_buff", BTF_KIND_STRUCT);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		long size = 0;

		*want[i].off = id < 0 ? -1 : member_off(btf, (__u32)id, want[i].name, &size, 0);
		if (*want[i].off < 0 || size != want[i].size) {
			*err = nt_err_new(NT_E_FAIL,
					  "the kernel's BTF '%s' has no 'struct sk_buff' member "
					  "'%s' of %ld bytes",
					  BTF_PATH, want[i].name, want[i].size);
			nt_err_hint(*err, "--headers cannot read this kernel's packets; record "
					  "without it");
			btf__free(btf);
			return -1;
		}
	}
	btf__free(btf);
	return 0;
}

/* The fetch arguments of @p: the skb, its lengths, the IP header and the ports' bytes. */
static char *point_format(const struct point *p, const struct skb_offs *o)
{
	char d[64], *s = NULL;

	snprintf(d, sizeof(d), "+%ld($arg%d)", o->data, p->arg);
	if (p->family == 6) { /* version/class, next header, addresses, ports after 40 bytes */
		if (asprintf(&s,
			     "skbaddr=$arg%d:x64 len=+%ld($arg%d):u32 data_len=+%ld($arg%d):u32 "
			     "vtc=+0(%s):u8 proto=+6(%s):u8 saddr=+8(%s):u8[16] "
			     "daddr=+24(%s):u8[16] "
			     "sport=+40(%s):u8[2] dport=+42(%s):u8[2] tcpflags=+53(%s):u8",
			     p->arg, o->len, p->arg, o->data_len, p->arg, d, d, d, d, d, d, d) < 0)
			return NULL;
		return s;
	}
	if (asprintf(&s,
		     "skbaddr=$arg%d:x64 len=+%ld($arg%d):u32 data_len=+%ld($arg%d):u32 "
		     "vihl=+0(%s):u8 proto=+9(%s):u8 saddr=+12(%s):u8[4] daddr=+16(%s):u8[4] "
		     "sport=+20(%s):u8[2] dport=+22(%s):u8[2] tcpflags=+33(%s):u8",
		     p->arg, o->len, p->arg, o->data_len, p->arg, d, d, d, d, d, d, d) < 0)
		return NULL;
	return s;
}

static int check_points(struct nt_hdrprobe *h, struct nt_err **err)
{
	char *ks = nt_sys_file_read("/proc/kallsyms", 0, NULL, NULL);

	if (!ks) {
		*err = nt_err_errno(NT_E_FAIL, errno, "cannot read '/proc/kallsyms'");
		return -1;
	}
	for (size_t i = 0; i < NPOINTS; i++) {
		char pat[128];
		bool found = false;

		snprintf(pat, sizeof(pat), " %s\n", points[i].func);
		for (const char *p = strstr(ks, pat); p && !found; p = strstr(p + 1, pat))
			found = p - ks >= 2 && (p[-1] == 't' || p[-1] == 'T') && p[-2] == ' ';
		if (!found && points[i].optional) {
			h->skip[i] = true;
		} else if (!found) {
			*err = nt_err_new(NT_E_FAIL,
					  "cannot place a kprobe on '%s': this kernel has no such "
					  "function in /proc/kallsyms",
					  points[i].func);
			nt_err_hint(*err, "--headers knows this kernel's version too little; "
					  "record without it");
			free(ks);
			return -1;
		}
	}
	free(ks);
	return 0;
}

/* The owner file: refuse a live owner's group, remove a dead one's, then make it ours. */
static int take_group(struct nt_hdrprobe *h, struct nt_err **err)
{
	const char *dirs[] = {"/run", "/tmp"};
	struct tracefs_dynevent **left;
	FILE *f;
	long pid = 0;

	for (size_t i = 0; i < 2 && !h->owner; i++)
		if (!access(dirs[i], W_OK) &&
		    asprintf(&h->owner, "%s/nettrail-hdrprobe.pid", dirs[i]) < 0)
			h->owner = NULL;
	if (!h->owner) {
		*err = nt_err_new(NT_E_FAIL,
				  "no writable /run or /tmp for the kprobes' owner file");
		return -1;
	}
	if ((f = fopen(h->owner, "re"))) {
		if (fscanf(f, "%ld", &pid) != 1)
			pid = 0;
		fclose(f);
	}
	if (pid > 0 && pid != (long)getpid() && nt_tmpfile_owner_alive(pid)) {
		*err = nt_err_new(NT_E_FAIL,
				  "the kprobe group '" NT_HDRPROBE_SYSTEM "' is in use by "
				  "another nettrail record --headers (pid %ld)",
				  pid);
		nt_err_hint(*err, "wait until it ends: one --headers record at a time");
		free(h->owner);
		h->owner = NULL; /* not ours to remove */
		return -1;
	}
	left = tracefs_dynevent_get_all(TRACEFS_DYNEVENT_KPROBE, NT_HDRPROBE_SYSTEM);
	for (int i = 0; left && left[i]; i++)
		tracefs_dynevent_destroy(left[i], true);
	tracefs_dynevent_list_free(left);
	if (!(f = fopen(h->owner, "we")) || fprintf(f, "%ld\n", (long)getpid()) < 0 || fclose(f)) {
		*err = nt_err_errno(NT_E_FAIL, errno, "cannot write '%s'", h->owner);
		return -1;
	}
	return 0;
}

static int create_points(struct nt_hdrprobe *h, const struct skb_offs *o, struct nt_err **err)
{
	for (size_t i = 0; i < NPOINTS; i++) {
		char *fmt, *why;

		if (h->skip[i])
			continue;
		fmt = point_format(&points[i], o);
		h->ev[i] = fmt ? tracefs_kprobe_alloc(NT_HDRPROBE_SYSTEM, points[i].event,
						      points[i].func, fmt)
			       : NULL;
		free(fmt);
		if (h->ev[i] && !tracefs_dynevent_create(h->ev[i]))
			continue;
		why = tracefs_error_last(NULL);
		*err = nt_err_errno(
			NT_E_FAIL, errno,
			"cannot create the kprobe '" NT_HDRPROBE_SYSTEM "/%s' on '%s'%s%s",
			points[i].event, points[i].func, why ? ": " : "", why ? why : "");
		free(why);
		tracefs_dynevent_free(h->ev[i]);
		h->ev[i] = NULL;
		return -1;
	}
	return 0;
}

/* What nt_hdrprobe_check and nt_hdrprobe_create check: tracefs, BTF, the functions. */
static int check_all(const char *tracing_dir, struct nt_hdrprobe *h, struct skb_offs *o,
		     struct nt_err **err)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/kprobe_events", tracing_dir);
	if (access(path, F_OK)) {
		*err = nt_err_new(NT_E_FAIL,
				  "this kernel offers no kprobe events (no kprobe_events in "
				  "tracefs '%s')",
				  tracing_dir);
		nt_err_hint(*err, "--headers needs CONFIG_KPROBE_EVENTS; record in the lab VM "
				  "instead: nettrail vm record --headers -- udp 10");
		return -1;
	}
	return skb_offsets(o, err) || check_points(h, err) ? -1 : 0;
}

int nt_hdrprobe_check(const char *tracing_dir, struct nt_err **err)
{
	struct nt_hdrprobe h = {0};
	struct skb_offs o;

	return check_all(tracing_dir, &h, &o, err);
}

int nt_hdrprobe_create(const char *tracing_dir, struct nt_hdrprobe **out, struct nt_err **err)
{
	struct nt_hdrprobe *h;
	struct skb_offs o;

	*out = NULL;
	if (!(h = calloc(1, sizeof(*h)))) {
		*err = nt_err_new(NT_E_FAIL, "out of memory");
		return -1;
	}
	if (check_all(tracing_dir, h, &o, err) || take_group(h, err) || create_points(h, &o, err)) {
		nt_hdrprobe_destroy(h);
		return -1;
	}
	*out = h;
	return 0;
}

const char *nt_hdrprobe_event(const struct nt_hdrprobe *h, int i)
{
	for (size_t k = 0; k < NPOINTS; k++)
		if (h->ev[k] && !i--)
			return points[k].event;
	return NULL;
}

void nt_hdrprobe_destroy(struct nt_hdrprobe *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < NPOINTS; i++) {
		if (h->ev[i])
			tracefs_dynevent_destroy(h->ev[i], true);
		tracefs_dynevent_free(h->ev[i]);
	}
	if (h->owner)
		unlink(h->owner);
	free(h->owner);
	free(h);
}
