/* SPDX-License-Identifier: GPL-2.0 */
/* The interrupt flag, the monotonic clock, whole-file reads and helper programs. */
#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

volatile int nt_interrupted;

double nt_sys_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Read @fd to its end into *buf (grown as needed). Returns the length, or -1 with errno. */
static ssize_t read_all(int fd, char **buf, size_t max)
{
	size_t len = 0, cap = 0;

	for (;;) {
		ssize_t n;
		if (cap - len < 65536) {
			size_t grow = cap > (1 << 20) ? cap : 262144;
			char *b = realloc(*buf, cap + grow);
			if (!b)
				return errno = ENOMEM, -1;
			*buf = b;
			cap += grow;
		}
		n = read(fd, *buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return (ssize_t)len;
		len += (size_t)n;
		if (max && len > max)
			return errno = EFBIG, -1;
	}
}

char *nt_sys_file_read(const char *path, size_t max, size_t *len, struct nt_err **err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf = NULL;
	ssize_t n = fd < 0 ? -1 : read_all(fd, &buf, max);
	int e = errno;

	if (fd >= 0)
		close(fd);
	if (n < 0) {
		free(buf);
		if (err)
			*err = nt_err_errno(NT_E_FAIL, e, "cannot read '%s'", path);
		errno = e;
		return NULL;
	}
	buf[n] = '\0';
	if (len)
		*len = (size_t)n;
	return buf;
}

const char *nt_sys_tail(const char *text, int lines)
{
	const char *p;

	if (!text || !*text)
		return "";
	p = text + strlen(text) - 1;
	while (p > text && *p == '\n')
		p--;
	for (; p > text; p--)
		if (p[-1] == '\n' && --lines <= 0)
			break;
	return p;
}

static int redirect(const char *path, int fd, int flags)
{
	int f;

	if (path && !strcmp(path, "-"))
		return 0;
	f = open(path ? path : "/dev/null", flags | O_CLOEXEC, 0644);
	if (f < 0 || dup2(f, fd) < 0)
		return -1;
	close(f);
	return 0;
}

/* In the child: set up and exec @argv; on failure, its errno goes up the @gate. */
static void __attribute__((noreturn))
spawn_child(char *const argv[], const char *cwd, const char *out, const char *log, int gate)
{
	int e;

	setpgid(0, 0);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	if ((cwd && chdir(cwd)) || redirect(NULL, 0, O_RDONLY) ||
	    redirect(out, 1, O_WRONLY | O_CREAT | O_TRUNC) ||
	    redirect(log, 2, O_WRONLY | O_CREAT | O_APPEND))
		_exit(127);
	execvp(argv[0], argv);
	e = errno;
	if (write(gate, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

/* Is the file @path still empty (or missing)? */
static bool still_empty(const char *path)
{
	struct stat sb;

	return stat(path, &sb) < 0 || sb.st_size == 0;
}

/*
 * Wait for @pid, killing its group at @timeout, on nt_interrupted, or when the file @watch
 * (NULL: none) is still empty @first_s seconds after @t0.
 */
static int spawn_wait(pid_t pid, double t0, double timeout, const char *watch, double first_s)
{
	int st;

	for (;;) {
		pid_t p = waitpid(pid, &st, WNOHANG);
		int why = 0;

		if (p == pid)
			return st;
		if (p < 0 && errno != EINTR)
			return -1;
		if (nt_interrupted)
			why = EINTR;
		else if (timeout > 0 && nt_sys_now() - t0 > timeout)
			why = ETIMEDOUT;
		else if (watch && nt_sys_now() - t0 > first_s) {
			if (still_empty(watch))
				why = ENODATA;
			watch = NULL; /* alive: looked at once */
		}
		if (why) {
			kill(-pid, SIGKILL);
			waitpid(pid, &st, 0);
			errno = why;
			return -1;
		}
		poll(NULL, 0, 50);
	}
}

int nt_sys_spawn(char *const argv[], const char *cwd, const char *out, const char *log,
		 double timeout)
{
	return nt_sys_spawn_watch(argv, cwd, out, log, timeout, NULL, 0);
}

int nt_sys_spawn_watch(char *const argv[], const char *cwd, const char *out, const char *log,
		       double timeout, const char *watch, double first_s)
{
	int st, e = 0, gate[2];
	double t0 = nt_sys_now();
	pid_t pid;
	ssize_t n;

	if (pipe2(gate, O_CLOEXEC) < 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(gate[0]);
		close(gate[1]);
		return -1;
	}
	if (pid == 0)
		spawn_child(argv, cwd, out, log, gate[1]);
	close(gate[1]);
	n = read(gate[0], &e, sizeof(e));
	close(gate[0]);
	if (n == sizeof(e)) {
		waitpid(pid, &st, 0);
		errno = e;
		return -1;
	}
	return spawn_wait(pid, t0, timeout, watch, first_s);
}

int nt_sys_pwrite_all(int fd, const void *buf, size_t n, uint64_t off)
{
	const char *p = buf;

	while (n) {
		ssize_t w = pwrite(fd, p, n, (off_t)off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		off += (uint64_t)w;
		n -= (size_t)w;
	}
	return 0;
}

int nt_sys_pread_all(int fd, void *buf, size_t n, uint64_t off)
{
	char *p = buf;

	while (n) {
		ssize_t r = pread(fd, p, n, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (!r)
				errno = 0;
			return -1;
		}
		p += r;
		off += (uint64_t)r;
		n -= (size_t)r;
	}
	return 0;
}

char *nt_sys_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	return strndup(path, slash == path ? 1 : (size_t)(slash - path));
}

size_t nt_strcpy_cut(char *dst, size_t n, const char *src)
{
	size_t len = strnlen(src, n - 1);

	memcpy(dst, src, len);
	dst[len] = '\0';
	return len;
}

int nt_reserve(void *pbuf, size_t *cap, size_t need)
{
	char **buf = pbuf, *b;
	size_t n = *cap ? *cap : 256;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	if (!(b = realloc(*buf, n)))
		return -1;
	*buf = b;
	*cap = n;
	return 0;
}

size_t nt_fmt_i64(char *p, int64_t v)
{
	char tmp[20];
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	size_t n = 0, k = 0;

	do
		tmp[n++] = (char)('0' + u % 10);
	while ((u /= 10));
	if (v < 0)
		p[k++] = '-';
	while (n)
		p[k++] = tmp[--n];
	return k;
}
