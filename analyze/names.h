/* SPDX-License-Identifier: GPL-2.0 */
/* Interned strings for the analyses: a name gets a small index, kept until release. */
#ifndef NT_NAMES_H
#define NT_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nt_names {
	char **s;     /* owned: the names, by index */
	uint32_t *ix; /* open addressing: index + 1, 0 empty */
	size_t n, cap;
};

/* Index of @s, added when new (then *@added is true, if @added); -1 when out of memory. */
int nt_names_get(struct nt_names *t, const char *s, bool *added);

/* Index of @s when known, else -1. */
int nt_names_find(const struct nt_names *t, const char *s);

/* Free the names. The table is empty (and usable) afterwards. */
void nt_names_release(struct nt_names *t);

/* FNV-1a of a string (also for other tables keyed by names). */
uint64_t nt_names_hash(const char *s);

#endif
