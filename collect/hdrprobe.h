/* SPDX-License-Identifier: GPL-2.0 */
/*
 * record --headers: kprobe events that record a packet's IP header (IPv4 at ip_rcv and
 * ip_output; IPv6 at ipv6_rcv and ip6_output where the kernel has them) (and the first bytes of
 * its transport header) where skb->data points at it, on the receive and transmit paths. The
 * offsets inside struct sk_buff come from the running kernel's BTF (libbpf), never from a
 * table. The events live in one kprobe group, NT_HDRPROBE_SYSTEM, removed afterwards; one
 * left by a killed nettrail is removed by the next --headers record.
 */
#ifndef NT_HDRPROBE_H
#define NT_HDRPROBE_H

#include "../core/error.h"

/* The kprobe group (the events' system in the trace). */
#define NT_HDRPROBE_SYSTEM "nettrail_hdr"

struct nt_hdrprobe; /* opaque: the kprobes this process created */

/*
 * Check that @tracing_dir (libtracefs already pointed at it) offers kprobe events, that the
 * kernel has BTF with the sk_buff members needed and that the IPv4 functions are in
 * /proc/kallsyms (the IPv6 ones are probed where present); then remove a group left by a
 * killed nettrail and create the kprobes (not enabled). Another running nettrail's group is
 * refused (NT_E_FAIL). On failure nothing is left in tracefs, *out is NULL and *err says
 * why. Free with nt_hdrprobe_destroy().
 */
int nt_hdrprobe_create(const char *tracing_dir, struct nt_hdrprobe **out, struct nt_err **err);

/*
 * The checks of nt_hdrprobe_create (kprobe events in @tracing_dir, BTF with the sk_buff
 * members, the IPv4 functions in /proc/kallsyms) without changing anything: 0 when --headers
 * can record here, else -1 and *err says why.
 */
int nt_hdrprobe_check(const char *tracing_dir, struct nt_err **err);

/* The name of @h's @i-th event (in NT_HDRPROBE_SYSTEM), or NULL after the last. Weak. */
const char *nt_hdrprobe_event(const struct nt_hdrprobe *h, int i);

/* Remove the kprobes of @h (disabling them wherever they are enabled) and free @h. NULL ok. */
void nt_hdrprobe_destroy(struct nt_hdrprobe *h);

#endif
