/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An open-addressing hash map from a non-zero 64-bit key to a fixed-size element whose first
 * member is that key (0 marks an empty slot). Linear probing, backward-shift deletion, so
 * memory follows the live elements. Used by the analyses for live objects and open calls.
 */
#ifndef NT_HMAP_H
#define NT_HMAP_H

#include <stddef.h>
#include <stdint.h>

struct nt_hmap {
	unsigned char *v; /* owned: cap elements of esize bytes */
	size_t esize, n, cap;
};

/* An empty map of elements of @esize bytes (at least 8: the key comes first). Elements lie
 * @esize bytes apart: with a size that is not a multiple of 8, read them with memcpy. */
void nt_hmap_init(struct nt_hmap *m, size_t esize);
void nt_hmap_release(struct nt_hmap *m);

/* The element with @key, or NULL. */
void *nt_hmap_find(const struct nt_hmap *m, uint64_t key);

/* Add @key (it must be absent): a zeroed element with its key set, or NULL when out of memory.
 * Pointers to elements are valid until the next add or delete. */
void *nt_hmap_add(struct nt_hmap *m, uint64_t key);

/* Remove @elem (a pointer returned by find/add/next). */
void nt_hmap_del(struct nt_hmap *m, void *elem);

/* Iterate: for (void *e = NULL; (e = nt_hmap_next(m, e));) — no adds or deletes meanwhile. */
void *nt_hmap_next(const struct nt_hmap *m, const void *prev);

#endif
