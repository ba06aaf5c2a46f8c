/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NT_NETSYM_H
#define NT_NETSYM_H

/* 1: the kernel symbol is in the network stack, 0: it is not, -1: no symbol (NULL, "" or an
 * address "0x..."). The rule is in docs/analyses/alloc.md. */
int nt_net_symbol(const char *sym);

#endif
