/* SPDX-License-Identifier: GPL-2.0 */
/* Interned strings (names.h). */
#include "names.h"

#include <stdlib.h>
#include <string.h>

uint64_t nt_names_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static int grow(struct nt_names *t)
{
	size_t cap = t->cap ? 2 * t->cap : 64, m;
	uint32_t *ix = calloc(cap, sizeof(*ix));
	char **v = realloc(t->s, cap / 2 * sizeof(*v));

	if (v)
		t->s = v;
	if (!ix || !v) {
		free(ix);
		return -1;
	}
	for (size_t i = 0; i < t->n; i++) {
		for (m = nt_names_hash(t->s[i]) & (cap - 1); ix[m]; m = (m + 1) & (cap - 1))
			;
		ix[m] = (uint32_t)i + 1;
	}
	free(t->ix);
	t->ix = ix;
	t->cap = cap;
	return 0;
}

int nt_names_get(struct nt_names *t, const char *s, bool *added)
{
	size_t m;

	if (added)
		*added = false;
	if (2 * (t->n + 1) > t->cap && grow(t))
		return -1;
	for (m = nt_names_hash(s) & (t->cap - 1); t->ix[m]; m = (m + 1) & (t->cap - 1))
		if (!strcmp(t->s[t->ix[m] - 1], s))
			return (int)t->ix[m] - 1;
	if (!(t->s[t->n] = strdup(s)))
		return -1;
	t->ix[m] = (uint32_t)++t->n;
	if (added)
		*added = true;
	return (int)t->n - 1;
}

int nt_names_find(const struct nt_names *t, const char *s)
{
	if (!t->cap)
		return -1;
	for (size_t m = nt_names_hash(s) & (t->cap - 1); t->ix[m]; m = (m + 1) & (t->cap - 1))
		if (!strcmp(t->s[t->ix[m] - 1], s))
			return (int)t->ix[m] - 1;
	return -1;
}

void nt_names_release(struct nt_names *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->s[i]);
	free(t->s);
	free(t->ix);
	memset(t, 0, sizeof(*t));
}
