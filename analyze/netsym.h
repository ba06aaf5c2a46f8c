/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NT_NETSYM_H
#define NT_NETSYM_H

/* 1: the kernel symbol is in the network stack, 0: it is not, -1: no symbol (NULL, "" or an
 * address "0x..."). The rule is in docs/analyses/alloc.md. */
int nt_net_symbol(const char *sym);

struct nt_ev;
#include <stddef.h>
/*
 * The call site of an allocation event as alloc_sites names it (analyze/alloc.c): the symbol
 * without its offset, else the address in hex, else "?". The event's subscribed fields 0 and
 * 1 must be call_site and call_site_sym.
 */
void nt_alloc_site_name(const struct nt_ev *e, char *buf, size_t n);

#endif
