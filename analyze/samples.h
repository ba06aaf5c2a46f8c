/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to analyze/: a multiset of integers (the skb analysis' latency samples, one per
 * stage step of every lifecycle) with exact order statistics, its values kept in an anonymous
 * file beside the database rather than in memory, so that memory stays the same whatever the
 * trace's length. A value is read back by radix selection: four passes over the file, each
 * counting 16 bits of the values that share the digits found so far (64 Ki counters). When no
 * file can be made the values stay in memory, as before.
 */
#ifndef NT_SAMPLES_H
#define NT_SAMPLES_H

#include <stdint.h>

struct nt_samples;

/* An empty multiset, its file in directory @dir (NULL: in memory); NULL without memory. */
struct nt_samples *nt_samples_new(const char *dir);
/* Accepts NULL. */
void nt_samples_free(struct nt_samples *s);

/* Add @v: 0, or -1 when it cannot be kept (out of memory, the file cannot be written). */
int nt_samples_add(struct nt_samples *s, int64_t v);

/* How many values; their exact sum (as a double: exact while |sum| < 2^53). */
uint64_t nt_samples_count(const struct nt_samples *s);
double nt_samples_sum(const struct nt_samples *s);

/* The @k-th smallest value (1 <= @k <= count) into *@v: 0, or -1 when it cannot be read. */
int nt_samples_kth(struct nt_samples *s, uint64_t k, int64_t *v);

#endif
