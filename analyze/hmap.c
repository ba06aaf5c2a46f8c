/* SPDX-License-Identifier: GPL-2.0 */
/* The analyses' hash map (hmap.h). */
#include "hmap.h"

#include <stdlib.h>
#include <string.h>

static uint64_t key_at(const struct nt_hmap *m, size_t i)
{
	uint64_t k;

	memcpy(&k, m->v + i * m->esize, sizeof(k));
	return k;
}

static size_t home(uint64_t k, size_t cap)
{
	return (size_t)((k * 0x9E3779B97F4A7C15ULL) >> 17) & (cap - 1);
}

void nt_hmap_init(struct nt_hmap *m, size_t esize)
{
	memset(m, 0, sizeof(*m));
	m->esize = esize < sizeof(uint64_t) ? sizeof(uint64_t) : esize;
}

void nt_hmap_release(struct nt_hmap *m)
{
	free(m->v);
	m->v = NULL;
	m->n = m->cap = 0;
}

void *nt_hmap_find(const struct nt_hmap *m, uint64_t k)
{
	if (!m->n || !k)
		return NULL;
	for (size_t i = home(k, m->cap);; i = (i + 1) & (m->cap - 1)) {
		uint64_t x = key_at(m, i);
		if (!x)
			return NULL;
		if (x == k)
			return m->v + i * m->esize;
	}
}

static int grow(struct nt_hmap *m)
{
	size_t cap = m->cap ? 2 * m->cap : 256;
	void *mem;
	unsigned char *v;

	/*
	 * Cleared by writing, not calloc'ed: a large calloc is fresh pages that a probe reads
	 * first, mapping the shared zero page; the write after it faults again and flushes the TLB
	 * of every cpu the process runs on (an interrupt to the importer's). (posix_memalign: GCC
	 * turns malloc and memset into calloc.) Measured on a perf.data import: 8 % of the
	 * analyses' thread.
	 */
	if (posix_memalign(&mem, 64, cap * m->esize))
		return -1;
	v = mem;
	memset(v, 0, cap * m->esize);
	for (size_t j = 0; j < m->cap; j++) {
		uint64_t k = key_at(m, j);
		size_t i;

		if (!k)
			continue;
		for (i = home(k, cap);; i = (i + 1) & (cap - 1)) {
			uint64_t x;
			memcpy(&x, v + i * m->esize, sizeof(x));
			if (!x)
				break;
		}
		memcpy(v + i * m->esize, m->v + j * m->esize, m->esize);
	}
	free(m->v);
	m->v = v;
	m->cap = cap;
	return 0;
}

void *nt_hmap_add(struct nt_hmap *m, uint64_t k)
{
	size_t i;

	if (!k || (2 * (m->n + 1) > m->cap && grow(m)))
		return NULL;
	for (i = home(k, m->cap); key_at(m, i); i = (i + 1) & (m->cap - 1))
		;
	memset(m->v + i * m->esize, 0, m->esize);
	memcpy(m->v + i * m->esize, &k, sizeof(k));
	m->n++;
	return m->v + i * m->esize;
}

void nt_hmap_del(struct nt_hmap *m, void *elem)
{
	size_t i = (size_t)((unsigned char *)elem - m->v) / m->esize, j = i;

	for (;;) {
		uint64_t k;
		size_t h;

		j = (j + 1) & (m->cap - 1);
		k = key_at(m, j);
		if (!k)
			break;
		h = home(k, m->cap);
		/* move j back to i unless its home lies cyclically in (i, j] */
		if ((j > i && (h <= i || h > j)) || (j < i && h <= i && h > j)) {
			memcpy(m->v + i * m->esize, m->v + j * m->esize, m->esize);
			i = j;
		}
	}
	memset(m->v + i * m->esize, 0, m->esize);
	m->n--;
}

void *nt_hmap_next(const struct nt_hmap *m, const void *prev)
{
	size_t i = prev ? (size_t)((const unsigned char *)prev - m->v) / m->esize + 1 : 0;

	for (; i < m->cap; i++)
		if (key_at(m, i))
			return m->v + i * m->esize;
	return NULL;
}
