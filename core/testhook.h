/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test-only pause points, so a test can send a signal at a known moment instead of guessing
 * (docs/TESTING.md). Without NETTRAIL_TEST_PAUSE in the environment they do nothing.
 */
#ifndef NT_TESTHOOK_H
#define NT_TESTHOOK_H

/*
 * When NETTRAIL_TEST_PAUSE is "@point:FILE": create FILE, then wait until *@stop becomes
 * non-zero (a signal handler sets it), at most 60 s. Any other value: return at once.
 */
void nt_test_pause(const char *point, volatile int *stop);

/*
 * When the environment variable @env is set: one line on stderr, printf-style, for a test that
 * asks what a run did where its output does not say (NETTRAIL_TEST_FOLLOW: which way the
 * analyses of an import went). Otherwise nothing.
 */
void nt_test_say(const char *env, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
