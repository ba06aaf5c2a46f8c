/* SPDX-License-Identifier: GPL-2.0 */
/*
 * LTTng kernel event names to the kernel's own "system:event" names, so analyses see one
 * vocabulary whatever lttng-modules generation wrote the trace. One row per rule; exact rules
 * win over prefix rules, and the longest matching prefix wins among those.
 */
#include "ctf.h"

#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

enum rule_kind {
	EXACT, /* name == match: event is repl */
	KEEP,  /* name starts with match: event is the whole name */
	STRIP, /* name starts with match: event is repl + the rest */
};

struct rule {
	enum rule_kind kind;
	const char *match;
	const char *system;
	const char *repl; /* EXACT: the event; STRIP: the new prefix */
};

static const struct rule rules[] = {
	/* irq (2.0-2.6 and 2.7+ spellings) */
	{EXACT, "irq_handler_entry", "irq", "irq_handler_entry"},
	{EXACT, "irq_handler_exit", "irq", "irq_handler_exit"},
	{EXACT, "softirq_entry", "irq", "softirq_entry"},
	{EXACT, "softirq_exit", "irq", "softirq_exit"},
	{EXACT, "softirq_raise", "irq", "softirq_raise"},
	{STRIP, "irq_softirq_", "irq", "softirq_"},
	{STRIP, "x86_irq_vectors_", "irq_vectors", ""},
	{STRIP, "x86_exceptions_", "exceptions", ""},
	/* net, napi, skb */
	{EXACT, "netif_receive_skb", "net", "netif_receive_skb"},
	{EXACT, "net_if_receive_skb", "net", "netif_receive_skb"},
	{EXACT, "netif_rx", "net", "netif_rx"},
	{EXACT, "net_if_rx", "net", "netif_rx"},
	{STRIP, "net_if_", "net", "netif_"},
	{KEEP, "netif_", "net", NULL},
	{KEEP, "net_dev_", "net", NULL},
	{STRIP, "net_napi_", "net", "napi_"},
	{EXACT, "napi_poll", "napi", "napi_poll"},
	{EXACT, "skb_kfree", "skb", "kfree_skb"},
	{EXACT, "skb_consume", "skb", "consume_skb"},
	{KEEP, "skb_", "skb", NULL},
	{KEEP, "sock_", "sock", NULL},
	{KEEP, "udp_", "udp", NULL},
	/* memory */
	{EXACT, "kmem_cache_alloc", "kmem", "kmem_cache_alloc"},
	{EXACT, "kmem_cache_alloc_node", "kmem", "kmem_cache_alloc_node"},
	{EXACT, "kmem_cache_free", "kmem", "kmem_cache_free"},
	{STRIP, "kmem_", "kmem", ""}, /* kmem_kmalloc, kmem_kfree, kmem_mm_page_alloc, ... */
	{KEEP, "mm_page_", "kmem", NULL},
	{KEEP, "mm_vmscan_", "vmscan", NULL},
	{STRIP, "compaction_", "compaction", "mm_compaction_"},
	/* scheduler, timers, syscalls */
	{KEEP, "sched_", "sched", NULL},
	{STRIP, "timer_hrtimer_", "timer", "hrtimer_"},
	{STRIP, "timer_itimer_", "timer", "itimer_"},
	{KEEP, "hrtimer_", "timer", NULL},
	{KEEP, "itimer_", "timer", NULL},
	{KEEP, "timer_", "timer", NULL},
	{STRIP, "syscall_entry_", "syscalls", "sys_enter_"},
	{STRIP, "syscall_exit_", "syscalls", "sys_exit_"},
	{STRIP, "compat_syscall_entry_", "syscalls", "compat_sys_enter_"},
	{STRIP, "compat_syscall_exit_", "syscalls", "compat_sys_exit_"},
	{STRIP, "sys_", "syscalls", "sys_enter_"}, /* lttng-modules < 2.6 */
	{STRIP, "compat_sys_", "syscalls", "compat_sys_enter_"},
	{EXACT, "exit_syscall", "raw_syscalls", "sys_exit"}, /* one exit event for all */
	/* LTTng's own */
	{STRIP, "lttng_statedump_", "lttng_statedump", ""},
	/* subsystems whose LTTng names are already the kernel's */
	{KEEP, "block_", "block", NULL},
	{KEEP, "workqueue_", "workqueue", NULL},
	{KEEP, "signal_", "signal", NULL},
	{KEEP, "writeback_", "writeback", NULL},
	{KEEP, "scsi_", "scsi", NULL},
	{KEEP, "module_", "module", NULL},
	{KEEP, "rpm_", "rpm", NULL},
	{KEEP, "regmap_", "regmap", NULL},
	{KEEP, "rcu_", "rcu", NULL},
	{KEEP, "ext3_", "ext3", NULL},
	{KEEP, "ext4_", "ext4", NULL},
	{KEEP, "jbd2_", "jbd2", NULL},
	{KEEP, "btrfs_", "btrfs", NULL},
	{KEEP, "kvm_", "kvm", NULL},
	{KEEP, "gpio_", "gpio", NULL},
	{KEEP, "i2c_", "i2c", NULL},
	{KEEP, "v4l2_", "v4l2", NULL},
	{KEEP, "lock_", "lock", NULL},
	{STRIP, "power_", "power", ""},
	{STRIP, "random_", "random", ""},
	{EXACT, "console", "printk", "console"},
};

static void copy(char *dst, size_t n, const char *a, size_t la, const char *b)
{
	snprintf(dst, n, "%.*s%s", (int)la, a, b ? b : "");
}

/* perf's event modifiers ("cycles:pp", "instructions:u") */
static bool perf_modifier(const char *s)
{
	return *s && strspn(s, "ukhIGHpPSDWe") == strlen(s);
}

bool nt_ctf_perf_dropped(const char *field)
{
	return !strcmp(field, "perf_tid") || !strcmp(field, "perf_id") ||
	       !strcmp(field, "common_type");
}

void nt_ctf_canonical(const char *orig, bool perf, char *sys, size_t nsys, char *name, size_t nname)
{
	const char *colon = strchr(orig, ':');
	const struct rule *best = NULL;
	size_t best_len = 0;

	if (colon && colon > orig && colon[1] && !(perf && perf_modifier(colon + 1))) {
		copy(sys, nsys, orig, (size_t)(colon - orig), NULL);
		copy(name, nname, colon + 1, strlen(colon + 1), NULL);
		return;
	}
	if (perf || colon) {
		copy(sys, nsys, perf ? "perf" : "lttng", perf ? 4 : 5, NULL);
		copy(name, nname, orig, strlen(orig), NULL);
		return;
	}
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		const struct rule *r = &rules[i];
		size_t l = strlen(r->match);

		if (r->kind == EXACT) {
			if (!strcmp(orig, r->match)) {
				best = r;
				break;
			}
		} else if (l > best_len && !strncmp(orig, r->match, l) && orig[l]) {
			best = r;
			best_len = l;
		}
	}
	if (!best) {
		copy(sys, nsys, "lttng", 5, NULL);
		copy(name, nname, orig, strlen(orig), NULL);
		return;
	}
	copy(sys, nsys, best->system, strlen(best->system), NULL);
	switch (best->kind) {
	case EXACT:
		copy(name, nname, best->repl, strlen(best->repl), NULL);
		break;
	case KEEP:
		copy(name, nname, orig, strlen(orig), NULL);
		break;
	case STRIP:
		copy(name, nname, best->repl, strlen(best->repl), orig + strlen(best->match));
		break;
	}
}

static bool maps_to(const char *lttng, const char *system, const char *event)
{
	char s[256], e[256];

	nt_ctf_canonical(lttng, false, s, sizeof(s), e, sizeof(e));
	return !strcmp(s, system) && !strcmp(e, event);
}

int nt_ctf_lttng_names(const char *system, const char *event,
		       int (*fn)(const char *lttng, void *arg), void *arg)
{
	char cand[sizeof(rules) / sizeof(rules[0]) + 1][256];
	int n = 0;

	for (size_t i = 0; i <= sizeof(rules) / sizeof(rules[0]); i++) {
		const struct rule *r = i < sizeof(rules) / sizeof(rules[0]) ? &rules[i] : NULL;
		size_t l = r && r->repl ? strlen(r->repl) : 0;
		bool dup = false;

		if (!r) /* what no rule claims keeps its name under "lttng" */
			snprintf(cand[n], sizeof(cand[n]), "%s",
				 !strcmp(system, "lttng") ? event : "");
		else if (strcmp(r->system, system))
			continue;
		else if (r->kind == EXACT)
			snprintf(cand[n], sizeof(cand[n]), "%s",
				 strcmp(event, r->repl) ? "" : r->match);
		else if (r->kind == KEEP)
			snprintf(cand[n], sizeof(cand[n]), "%s", event);
		else
			snprintf(cand[n], sizeof(cand[n]), "%s%s",
				 strncmp(event, r->repl, l) ? "" : r->match,
				 strncmp(event, r->repl, l) ? "" : event + l);
		if (!cand[n][0] || strchr(cand[n], ':') || !maps_to(cand[n], system, event))
			continue;
		for (int j = 0; j < n; j++)
			dup = dup || !strcmp(cand[j], cand[n]);
		if (!dup) {
			int rc = fn(cand[n], arg);
			if (rc)
				return rc;
			n++;
		}
	}
	return n;
}

bool nt_ctf_lttng_system(const char *pattern)
{
	if (!fnmatch(pattern, "lttng", 0))
		return true;
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (!fnmatch(pattern, rules[i].system, 0))
			return true;
	return false;
}
