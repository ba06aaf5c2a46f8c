/* SPDX-License-Identifier: GPL-2.0 */
/* The C unit tests' check: count a failed condition, say where, go on. */
#ifndef NT_CHECK_H
#define NT_CHECK_H

#include <stdio.h>

static int failures;

#define CHECK(cond)                                                                     \
	do {                                                                            \
		if (!(cond)) {                                                          \
			fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			failures++;                                                     \
		}                                                                       \
	} while (0)

/* The end of a test's main(): "@name: ok", or the count of failed checks; its exit code. */
static inline int check_done(const char *name)
{
	if (failures)
		fprintf(stderr, "%s: %d failure(s)\n", name, failures);
	else
		printf("%s: ok\n", name);
	return failures ? 1 : 0;
}

#endif
