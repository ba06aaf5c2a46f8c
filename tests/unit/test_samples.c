/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unit test: analyze/samples.h against qsort: the k-th smallest of random multisets (negative
 * values, INT64_MIN and INT64_MAX, long runs of one value, more values than are held before
 * the file), every k of a small set and spread ranks of large ones, with the file and in
 * memory; the count and the exact sum.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "analyze/samples.h"

#include "tests/lib/check.h"

static int cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static uint64_t rnd(void)
{
	static uint64_t s = 88172645463325252ull;

	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return s;
}

/* @n values of kind @kind into a multiset made in @dir, checked at @step ranks. */
static void check_set(const char *dir, size_t n, int kind, size_t step)
{
	struct nt_samples *s = nt_samples_new(dir);
	int64_t *v = malloc(n * sizeof(*v)), got;
	double sum = 0;

	CHECK(s && v);
	if (!s || !v)
		return;
	for (size_t i = 0; i < n; i++) {
		uint64_t r = rnd();
		v[i] = kind == 0   ? (int64_t)(r % 100000) /* latencies */
		       : kind == 1 ? (int64_t)r		   /* the whole range */
		       : kind == 2 ? (int64_t)(r % 3) - 1  /* long runs */
				   : (r & 1 ? INT64_MAX : INT64_MIN);
		if (kind == 1 && i == 0)
			v[i] = INT64_MIN;
		if (kind == 1 && i == 1)
			v[i] = INT64_MAX;
		CHECK(!nt_samples_add(s, v[i]));
		if (kind == 0)
			sum += (double)v[i];
	}
	qsort(v, n, sizeof(*v), cmp);
	CHECK(nt_samples_count(s) == n);
	if (kind == 0)
		CHECK(nt_samples_sum(s) == sum);
	for (size_t k = 1; k <= n; k += step) {
		CHECK(!nt_samples_kth(s, k, &got) && got == v[k - 1]);
		if (got != v[k - 1]) {
			fprintf(stderr, "  n %zu kind %d k %zu: got %lld want %lld\n", n, kind, k,
				(long long)got, (long long)v[k - 1]);
			break;
		}
	}
	CHECK(!nt_samples_kth(s, n, &got) && got == v[n - 1]);
	CHECK(nt_samples_kth(s, 0, &got) == -1 && nt_samples_kth(s, n + 1, &got) == -1);
	nt_samples_free(s);
	free(v);
}

int main(void)
{
	char dir[] = "/tmp/nt-samples.XXXXXX";

	if (!mkdtemp(dir))
		return 1;
	for (int kind = 0; kind < 4; kind++) {
		check_set(dir, 37, kind, 1);	  /* every rank, held in memory */
		check_set(NULL, 37, kind, 1);	  /* no file */
		check_set(dir, 20011, kind, 997); /* past the values held: in the file */
		check_set(NULL, 20011, kind, 997);
	}
	rmdir(dir);
	return check_done("unit_samples");
}
