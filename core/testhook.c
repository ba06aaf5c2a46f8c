/* SPDX-License-Identifier: GPL-2.0 */
/* Test-only pause points (NETTRAIL_TEST_PAUSE=POINT:FILE) and lines (nt_test_say). */
#include "testhook.h"

#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void nt_test_pause(const char *point, volatile int *stop)
{
	const char *v = getenv("NETTRAIL_TEST_PAUSE");
	size_t n = strlen(point);
	int fd;

	if (!v || strncmp(v, point, n) || v[n] != ':' || !v[n + 1])
		return;
	fd = open(v + n + 1, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
	for (int i = 0; i < 60 * 20 && !*stop; i++)
		poll(NULL, 0, 50);
}

void nt_test_say(const char *env, const char *fmt, ...)
{
	va_list ap;

	if (!getenv(env))
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
