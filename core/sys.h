/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small system helpers every layer needs: the interrupt flag, a monotonic clock, whole files
 * read into memory, helper programs run under a time limit, counts read from a trace added
 * without overflow, growing byte buffers, and the two string writes the analyses make per
 * event without printf.
 */
#ifndef NT_SYS_H
#define NT_SYS_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Set by the CLI's SIGINT/SIGTERM handler: long work stops as soon as it sees it. */
extern volatile int nt_interrupted;

/* Seconds on the monotonic clock (for durations and deadlines). */
double nt_sys_now(void);

/*
 * The whole of the file at @path, read to its end (tracefs and /proc files have no size),
 * NUL-terminated; *@len its length when @len. At most @max bytes (0: no bound): a larger file
 * fails with EFBIG. Returns an owned string (free()), or NULL with errno set and, when @err,
 * *err = "cannot read '@path'" with the cause.
 */
char *nt_sys_file_read(const char *path, size_t max, size_t *len, struct nt_err **err);

/*
 * Run @argv (argv[0] looked up in PATH) in @cwd (NULL: here) with stdout to @out (NULL:
 * /dev/null; "-": keep ours) and stderr to @log (NULL: /dev/null; "-": keep ours), in its own
 * process group, killed after @timeout seconds (0: none) or when nt_interrupted is set.
 * Returns the wait status, or -1 with errno set when it could not start (ETIMEDOUT: killed
 * at the time limit, EINTR: killed on nt_interrupted).
 */
int nt_sys_spawn(char *const argv[], const char *cwd, const char *out, const char *log,
		 double timeout);
/*
 * nt_sys_spawn(), also killed when the file @watch is still empty @first_s seconds after the
 * start: a program that shows no sign of life (-1 with errno ENODATA).
 */
int nt_sys_spawn_watch(char *const argv[], const char *cwd, const char *out, const char *log,
		       double timeout, const char *watch, double first_s);

/* Write all @n bytes of @buf at offset @off of @fd (EINTR retried): 0, or -1 with errno set. */
int nt_sys_pwrite_all(int fd, const void *buf, size_t n, uint64_t off);

/*
 * Read exactly @n bytes at offset @off of @fd into @buf (EINTR retried): 0, or -1 with errno
 * set (0 when the file ends first).
 */
int nt_sys_pread_all(int fd, void *buf, size_t n, uint64_t off);

/* The directory of @path ("." for a bare name, "/" for "/x"), owned; NULL without memory. */
char *nt_sys_dir_of(const char *path);

/*
 * @a + @b for counts read from a trace (lost events, overruns): a negative term counts as 0
 * and the sum saturates at INT64_MAX (a corrupt file may say LLONG_MAX, which sscanf also
 * returns for any larger number).
 */
static inline int64_t nt_count_add(int64_t a, int64_t b)
{
	a = a < 0 ? 0 : a;
	b = b < 0 ? 0 : b;
	return b > INT64_MAX - a ? INT64_MAX : a + b;
}

/*
 * Copy @src into @dst of @n > 0 bytes as snprintf(dst, n, "%s", src) does (cut to n - 1
 * bytes, always terminated), without printf's cost (the analyses copy names per event).
 * Returns the bytes copied.
 */
size_t nt_strcpy_cut(char *dst, size_t n, const char *src);

/*
 * Room for @need bytes in the growing buffer *@pbuf (a char * or unsigned char *) of *@cap
 * bytes: doubled from 256 until it holds them. Returns -1 when out of memory (the buffer is
 * unchanged).
 */
int nt_reserve(void *pbuf, size_t *cap, size_t need);

/* Write @v in decimal at @p, unterminated (at most 20 characters). Returns how many. */
size_t nt_fmt_i64(char *p, int64_t v);

/* The last @lines lines of @text, trailing newlines aside (weak: a pointer into @text). */
const char *nt_sys_tail(const char *text, int lines);

#endif
