/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Running a reader: in a worker process (default) so that a crash or a hang inside a
 * third-party trace library becomes a clean error, or in-process for debugging. Delivers the
 * normalised stream in whole frames.
 */
#include "reader.h"
#include "../core/sys.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct nt_source {
	const struct nt_reader_ops *ops; /* weak */
	char *path;			 /* owned */
	bool isolated;
	/* worker process */
	pid_t pid;
	int fd, errfd;
	unsigned timeout_s;
	unsigned char *buf; /* owned: received bytes [start, len) */
	size_t start, len, cap, deliver;
	bool eof, ended;
	char errtail[2048];
	size_t errlen;
	/* in-process */
	void *state;
	bool opened, finished;
	struct nt_batch batch;
};

static void write_all(int fd, const unsigned char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			_exit(1);
		p += w;
		n -= (size_t)w;
	}
}

/* Run one step of the reader into @b; false when the stream is complete. */
static bool step(const struct nt_reader_ops *ops, const char *path, void **state, bool *opened,
		 struct nt_batch *b)
{
	struct nt_err *err = NULL;
	enum nt_next r;

	if (!*opened) {
		*opened = true;
		if (ops->open(path, state, &err)) {
			nt_batch_error(b, nt_err_kind(err), nt_err_msg(err));
			nt_err_free(err);
			return false;
		}
	}
	r = ops->next(*state, b, &err);
	if (r == NT_NEXT_ERROR) {
		nt_batch_error(b, nt_err_kind(err), nt_err_msg(err));
		nt_err_free(err);
		return false;
	}
	if (b->oom) {
		nt_batch_release(b);
		nt_batch_error(b, NT_E_FAIL, "out of memory while reading");
		return false;
	}
	if (r == NT_NEXT_END) {
		nt_batch_end(b);
		return false;
	}
	return true;
}

static void child_main(const struct nt_reader_ops *ops, const char *path, int wfd)
{
	struct nt_batch b;
	void *state = NULL;
	bool opened = false, more;

	/* SIGTERM or SIGHUP sent to the worker alone ends it (reported as such); SIGINT stays
	 * the importer's (Ctrl-C reaches both: the reader stops with "interrupted") */
	signal(SIGPIPE, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	nt_batch_init(&b);
	do {
		more = step(ops, path, &state, &opened, &b);
		write_all(wfd, b.data, b.len);
		nt_batch_reset(&b);
	} while (more);
	close(wfd);
	if (ops->close)
		ops->close(state);
	_exit(0);
}

int nt_source_open(const char *path, const struct nt_reader_ops *ops, int isolate,
		   unsigned timeout_s, struct nt_source **out, struct nt_err **err)
{
	struct nt_source *s;
	int dp[2], ep[2];

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s || !(s->path = strdup(path))) {
		free(s);
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	}
	s->ops = ops;
	s->fd = s->errfd = -1;
	s->timeout_s = timeout_s;
	nt_batch_init(&s->batch);
	if (!isolate) {
		*out = s;
		return 0;
	}
	s->isolated = true;
	if (pipe2(dp, O_CLOEXEC) < 0)
		goto fail_errno;
	if (pipe2(ep, O_CLOEXEC) < 0) {
		close(dp[0]);
		close(dp[1]);
		goto fail_errno;
	}
	fflush(NULL);
	s->pid = fork();
	if (s->pid < 0) {
		close(dp[0]);
		close(dp[1]);
		close(ep[0]);
		close(ep[1]);
		goto fail_errno;
	}
	if (s->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the importer */
		close(dp[0]);
		close(ep[0]);
		dup2(ep[1], 2);
		child_main(ops, path, dp[1]);
	}
	close(dp[1]);
	close(ep[1]);
	/* let the reader run ahead of the importer by a few batches (two cores, two stages) */
	fcntl(dp[0], F_SETPIPE_SZ, 1 << 20);
	s->fd = dp[0];
	s->errfd = ep[0];
	*out = s;
	return 0;
fail_errno:
	nt_source_close(s);
	return nt_err_set(err,
			  nt_err_errno(NT_E_FAIL, errno, "cannot start the %s reader", ops->name));
}

static void read_stderr(struct nt_source *s)
{
	char tmp[1024];
	ssize_t n = read(s->errfd, tmp, sizeof(tmp));

	if (n <= 0) {
		if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
			close(s->errfd);
			s->errfd = -1;
		}
		return;
	}
	/* keep the tail */
	{
		if (s->errlen + (size_t)n > sizeof(s->errtail) - 1) {
			size_t drop = s->errlen + (size_t)n - (sizeof(s->errtail) - 1);
			memmove(s->errtail, s->errtail + drop, s->errlen - drop);
			s->errlen -= drop;
		}
		memcpy(s->errtail + s->errlen, tmp, (size_t)n);
		s->errlen += (size_t)n;
	}
	s->errtail[s->errlen] = '\0';
}

const char *nt_source_stderr(struct nt_source *s)
{
	s->errtail[s->errlen] = '\0';
	return s->errtail;
}

static void kill_child(struct nt_source *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
			;
		s->pid = 0;
	}
}

/* The last non-empty line of what the worker printed, for error messages. */
static const char *last_line(struct nt_source *s, char *out, size_t n)
{
	const char *t = nt_source_stderr(s);
	const char *end = t + strlen(t), *b;

	while (end > t && (end[-1] == '\n' || end[-1] == ' '))
		end--;
	for (b = end; b > t && b[-1] != '\n'; b--)
		;
	snprintf(out, n, "%.*s", (int)(end - b), b);
	return out;
}

/* A signal a reader raises itself when it trips over the file (not one sent from outside). */
static bool crash_signal(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGABRT || sig == SIGFPE ||
	       sig == SIGILL || sig == SIGTRAP || sig == SIGSYS;
}

static struct nt_err *exit_error(struct nt_source *s, int status)
{
	char line[512];
	struct nt_err *e;
	int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;

	if (sig && !crash_signal(sig)) {
		/* killed from outside: says nothing about the file */
		e = nt_err_new(sig == SIGKILL ? NT_E_FAIL : NT_E_INTR,
			       "the %s reader was killed (SIG%s) by someone else while reading "
			       "'%s'%s; try again",
			       s->ops->name, sigabbrev_np(sig) ? sigabbrev_np(sig) : "?", s->path,
			       sig == SIGKILL ? " (the OOM killer? see dmesg)" : "");
		return e;
	}
	if (sig)
		e = nt_err_new(NT_E_INPUT,
			       "the %s reader crashed (%s) on '%s'; the file is probably truncated "
			       "or corrupt",
			       s->ops->name, strsignal(sig), s->path);
	else
		e = nt_err_new(NT_E_INPUT,
			       "the %s reader stopped (exit status %d) before the end of '%s'; the "
			       "file is probably truncated or corrupt",
			       s->ops->name, WEXITSTATUS(status), s->path);
	if (*last_line(s, line, sizeof(line)))
		nt_err_hint(e, "the reader's last message was: %s", line);
	return e;
}

static enum nt_next read_inproc(struct nt_source *s, const unsigned char **data, size_t *len)
{
	if (s->finished)
		return NT_NEXT_END;
	nt_batch_reset(&s->batch);
	if (!step(s->ops, s->path, &s->state, &s->opened, &s->batch))
		s->finished = true;
	*data = s->batch.data;
	*len = s->batch.len;
	return NT_NEXT_OK;
}

static bool grow(struct nt_source *s)
{
	size_t want = 1 << 20;
	unsigned char *b;

	if (s->start) {
		memmove(s->buf, s->buf + s->start, s->len - s->start);
		s->len -= s->start;
		s->start = 0;
	}
	if (s->cap - s->len >= want / 2)
		return true;
	b = realloc(s->buf, s->cap + want);
	if (!b)
		return false;
	s->buf = b;
	s->cap += want;
	return true;
}

enum nt_next nt_source_read(struct nt_source *s, const unsigned char **data, size_t *len,
			    struct nt_err **err)
{
	double last = nt_sys_now();

	if (!s->isolated)
		return read_inproc(s, data, len);
	s->start += s->deliver;
	s->deliver = 0;
	for (;;) {
		size_t pos = s->start;
		struct nt_msg m;
		int r, status = 0;

		while ((r = nt_msg_next(s->buf, s->len, &pos, &m)) == 1)
			if (m.type == NT_MSG_END || m.type == NT_MSG_ERROR)
				s->ended = true;
		if (r < 0) {
			kill_child(s);
			return nt_err_set(err,
					  nt_err_new(NT_E_FAIL,
						     "the %s reader sent a corrupt stream for '%s'",
						     s->ops->name, s->path)),
			       NT_NEXT_ERROR;
		}
		if (pos > s->start) {
			*data = s->buf + s->start;
			*len = pos - s->start;
			s->deliver = *len;
			return NT_NEXT_OK;
		}
		if (s->eof) {
			while (s->errfd >= 0)
				read_stderr(s);
			while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR)
				;
			s->pid = 0;
			if (s->ended && s->len == s->start && WIFEXITED(status) &&
			    WEXITSTATUS(status) == 0)
				return NT_NEXT_END;
			if (nt_interrupted) /* the signal that stopped us ended the reader too */
				return nt_err_set(err, nt_err_new(NT_E_INTR,
								  "interrupted while reading '%s'",
								  s->path)),
				       NT_NEXT_ERROR;
			nt_err_set(err, exit_error(s, status));
			return NT_NEXT_ERROR;
		}
		if (nt_interrupted) {
			kill_child(s);
			nt_err_set(err, nt_err_new(NT_E_INTR, "interrupted while reading '%s'",
						   s->path));
			return NT_NEXT_ERROR;
		}
		{
			struct pollfd p[2] = {{s->fd, POLLIN, 0}, {s->errfd, POLLIN, 0}};
			int n = poll(p, s->errfd >= 0 ? 2 : 1, 200);

			if (n < 0 && errno != EINTR) {
				kill_child(s);
				return nt_err_set(err, nt_err_errno(NT_E_FAIL, errno, "poll")),
				       NT_NEXT_ERROR;
			}
			if (n > 0 && s->errfd >= 0 && (p[1].revents & (POLLIN | POLLHUP)))
				read_stderr(s);
			if (n > 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
				ssize_t got;

				if (!grow(s)) {
					kill_child(s);
					return nt_err_set(err,
							  nt_err_new(NT_E_FAIL, "out of memory")),
					       NT_NEXT_ERROR;
				}
				got = read(s->fd, s->buf + s->len, s->cap - s->len);
				if (got > 0) {
					s->len += (size_t)got;
					last = nt_sys_now();
				} else if (got == 0) {
					s->eof = true;
				} else if (errno != EINTR && errno != EAGAIN) {
					s->eof = true;
				}
				continue;
			}
		}
		if (s->timeout_s && nt_sys_now() - last > s->timeout_s) {
			kill_child(s);
			nt_err_set(err, nt_err_new(NT_E_INPUT,
						   "the %s reader made no progress for %u s on "
						   "'%s'; the file is probably damaged",
						   s->ops->name, s->timeout_s, s->path));
			return NT_NEXT_ERROR;
		}
	}
}

void nt_source_close(struct nt_source *s)
{
	if (!s)
		return;
	kill_child(s);
	if (s->fd >= 0)
		close(s->fd);
	if (s->errfd >= 0)
		close(s->errfd);
	if (!s->isolated && s->opened && s->ops->close)
		s->ops->close(s->state);
	nt_batch_release(&s->batch);
	free(s->buf);
	free(s->path);
	free(s);
}
