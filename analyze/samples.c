/* SPDX-License-Identifier: GPL-2.0 */
/* A multiset of integers in an anonymous file, exact order statistics by radix selection. */
#include "samples.h"
#include "../core/sys.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HELD  8192		  /* values held before they are written (64 KiB) */
#define SIGN  ((uint64_t)1 << 63) /* signed order as unsigned: the sign bit flipped */
#define DIGIT 65536		  /* the selection counts 16 bits at a time */

struct nt_samples {
	int fd;		   /* the file, or -1: every value in buf */
	int64_t *buf;	   /* owned: the values not written yet */
	size_t nbuf, bcap; /* bcap in bytes (nt_reserve) */
	uint64_t n, nfile; /* values in all, in the file */
	int64_t min, max;
	__int128 sum;
};

struct nt_samples *nt_samples_new(const char *dir)
{
	struct nt_samples *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->fd = dir ? open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600) : -1;
	return s;
}

void nt_samples_free(struct nt_samples *s)
{
	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	free(s->buf);
	free(s);
}

/* Write the values held at the file's end. */
static int flush(struct nt_samples *s)
{
	if (nt_sys_pwrite_all(s->fd, s->buf, s->nbuf * sizeof(*s->buf), s->nfile * sizeof(*s->buf)))
		return -1;
	s->nfile += s->nbuf;
	s->nbuf = 0;
	return 0;
}

int nt_samples_add(struct nt_samples *s, int64_t v)
{
	if (s->fd >= 0 && s->nbuf == HELD && flush(s))
		return -1;
	if (nt_reserve(&s->buf, &s->bcap, (s->nbuf + 1) * sizeof(*s->buf)))
		return -1;
	s->buf[s->nbuf++] = v;
	if (!s->n++ || v < s->min)
		s->min = v;
	if (s->n == 1 || v > s->max)
		s->max = v;
	s->sum += v;
	return 0;
}

uint64_t nt_samples_count(const struct nt_samples *s)
{
	return s->n;
}

double nt_samples_sum(const struct nt_samples *s)
{
	return (double)s->sum;
}

/* Count digit (u >> @shift) of the @n values at @v whose bits under @mask are @prefix. */
static void tally(const int64_t *v, size_t n, uint64_t *count, int shift, uint64_t mask,
		  uint64_t prefix)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t u = (uint64_t)v[i] ^ SIGN;
		if ((u & mask) == prefix)
			count[u >> shift & (DIGIT - 1)]++;
	}
}

/* One pass over every value (the file in chunks, then those held): tally() into @count. */
static int pass(struct nt_samples *s, int64_t *chunk, uint64_t *count, int shift, uint64_t mask,
		uint64_t prefix)
{
	memset(count, 0, DIGIT * sizeof(*count));
	for (uint64_t at = 0; at < s->nfile;) {
		size_t want = s->nfile - at < HELD ? (size_t)(s->nfile - at) : HELD;
		if (nt_sys_pread_all(s->fd, chunk, want * sizeof(*chunk), at * sizeof(*chunk)))
			return -1;
		tally(chunk, want, count, shift, mask, prefix);
		at += want;
	}
	tally(s->buf, s->nbuf, count, shift, mask, prefix);
	return 0;
}

int nt_samples_kth(struct nt_samples *s, uint64_t k, int64_t *v)
{
	uint64_t *count, mask = 0, prefix = 0, rank = k;
	int64_t *chunk;
	int rc = -1;

	if (k < 1 || k > s->n)
		return -1;
	if (k == 1 || k == s->n) { /* the least and the greatest: known without a pass */
		*v = k == 1 ? s->min : s->max;
		return 0;
	}
	count = malloc(DIGIT * sizeof(*count));
	chunk = s->nfile ? malloc(HELD * sizeof(*chunk)) : NULL;
	if (!count || (s->nfile && !chunk))
		goto out;
	/* the digits from the top: the one where the k-th value falls, among those sharing the
	 * digits found so far */
	for (int shift = 48; shift >= 0; shift -= 16) {
		uint64_t d = 0, below = 0;
		if (pass(s, chunk, count, shift, mask, prefix))
			goto out;
		while (d < DIGIT - 1 && below + count[d] < rank)
			below += count[d++];
		rank -= below;
		prefix |= d << shift;
		mask |= (uint64_t)(DIGIT - 1) << shift;
	}
	*v = (int64_t)(prefix ^ SIGN);
	rc = 0;
out:
	free(count);
	free(chunk);
	return rc;
}
