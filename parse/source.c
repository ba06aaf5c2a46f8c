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
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* What a source opened ahead may hold before its worker has to wait (nt_source_open). */
#define AHEAD_CAP (64u << 20)
/* At most this many other sources are drained while one is read. */
#define PEERS_MAX 64

static struct nt_source *open_list; /* every open worker source, newest first */
static void (*wait_fn)(void *arg);  /* nt_source_wait_hook() */
static void *wait_arg;

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
	struct nt_source *prev, *next; /* weak: the list of open worker sources */
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
			nt_batch_error(b, nt_err_kind(err), nt_err_msg(err), nt_err_get_hint(err));
			nt_err_free(err);
			return false;
		}
	}
	r = ops->next(*state, b, &err);
	if (r == NT_NEXT_ERROR) {
		nt_batch_error(b, nt_err_kind(err), nt_err_msg(err), nt_err_get_hint(err));
		nt_err_free(err);
		return false;
	}
	if (b->oom) {
		nt_batch_release(b);
		nt_batch_error(b, NT_E_FAIL, "out of memory while reading", NULL);
		return false;
	}
	if (r == NT_NEXT_END) {
		nt_batch_end(b);
		return false;
	}
	return true;
}

/*
 * The worker's lead over the importer beyond the pipe's 1 MiB: batches made and not yet
 * written. A reader works in bursts (perf.data: a whole round of records read and queued
 * before the first of them goes out, up to 11 ms measured); a thread of the worker's own
 * keeps writing what is queued meanwhile, so that the importer does not wait for the
 * burst to end (docs/PERFORMANCE.md).
 */
#define LEAD_BATCHES 12

struct outq {
	pthread_mutex_t mu;
	pthread_cond_t more, room;
	struct nt_batch ring[LEAD_BATCHES]; /* queued: ring[head .. head + n), mod LEAD_BATCHES */
	unsigned head, n;
	bool done;
	int fd;
};

static void *writer_main(void *arg)
{
	struct outq *q = arg;
	struct nt_batch w;

	nt_batch_init(&w);
	for (;;) {
		struct nt_batch t;

		pthread_mutex_lock(&q->mu);
		while (!q->n && !q->done)
			pthread_cond_wait(&q->more, &q->mu);
		if (!q->n) {
			pthread_mutex_unlock(&q->mu);
			break;
		}
		t = q->ring[q->head]; /* take the oldest, leave our empty one in its place */
		q->ring[q->head] = w;
		w = t;
		q->head = (q->head + 1) % LEAD_BATCHES;
		q->n--;
		pthread_cond_signal(&q->room);
		pthread_mutex_unlock(&q->mu);
		write_all(q->fd, w.data, w.len);
		nt_batch_reset(&w);
	}
	nt_batch_release(&w);
	return NULL;
}

/* Queue @b for the writer (which gives back an empty batch in its place). */
static void hand_over(struct outq *q, struct nt_batch *b)
{
	unsigned at;
	struct nt_batch t;

	pthread_mutex_lock(&q->mu);
	while (q->n == LEAD_BATCHES)
		pthread_cond_wait(&q->room, &q->mu);
	at = (q->head + q->n) % LEAD_BATCHES;
	t = q->ring[at];
	q->ring[at] = *b;
	*b = t;
	q->n++;
	pthread_cond_signal(&q->more);
	pthread_mutex_unlock(&q->mu);
	nt_batch_reset(b);
}

static void child_main(const struct nt_reader_ops *ops, const char *path, int wfd, sigset_t ends)
{
	static struct outq q = {.mu = PTHREAD_MUTEX_INITIALIZER,
				.more = PTHREAD_COND_INITIALIZER,
				.room = PTHREAD_COND_INITIALIZER};
	struct nt_batch b;
	void *state = NULL;
	bool opened = false, more, threaded;
	pthread_t writer;

	/* SIGTERM or SIGHUP sent to the worker alone ends it (reported as such); SIGINT stays
	 * the importer's (Ctrl-C reaches both: the reader stops with "interrupted"). The two were
	 * blocked across the fork (nt_source_open): one sent before this point is held, not
	 * caught by the importer's handler, and ends the worker now. */
	signal(SIGPIPE, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	sigprocmask(SIG_UNBLOCK, &ends, NULL);
	nt_batch_init(&b);
	q.fd = wfd;
	threaded = pthread_create(&writer, NULL, writer_main, &q) == 0;
	do {
		more = step(ops, path, &state, &opened, &b);
		if (threaded) {
			hand_over(&q, &b);
			continue;
		}
		write_all(wfd, b.data, b.len); /* no thread: write it ourselves */
		nt_batch_reset(&b);
	} while (more);
	if (threaded) {
		pthread_mutex_lock(&q.mu);
		q.done = true;
		pthread_cond_signal(&q.more);
		pthread_mutex_unlock(&q.mu);
		pthread_join(writer, NULL);
	}
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
	sigset_t ends, mask;

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
	sigemptyset(&ends);
	sigaddset(&ends, SIGTERM);
	sigaddset(&ends, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &ends, &mask);
	s->pid = fork();
	if (s->pid)
		pthread_sigmask(SIG_SETMASK, &mask, NULL);
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
		child_main(ops, path, dp[1], ends);
	}
	close(dp[1]);
	close(ep[1]);
	/* let the reader run ahead of the importer by a few batches (two cores, two stages) */
	fcntl(dp[0], F_SETPIPE_SZ, 1 << 20);
	s->fd = dp[0];
	s->errfd = ep[0];
	s->next = open_list;
	if (open_list)
		open_list->prev = s;
	open_list = s;
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

/* Read what the worker of @s has sent into its buffer: 1 read, 0 nothing new, -1 no memory. */
static int fill(struct nt_source *s)
{
	ssize_t got;

	if (!grow(s))
		return -1;
	got = read(s->fd, s->buf + s->len, s->cap - s->len);
	if (got > 0) {
		s->len += (size_t)got;
		return 1;
	}
	if (got == 0 || (errno != EINTR && errno != EAGAIN))
		s->eof = true;
	return 0;
}

/*
 * The descriptors to wait on while @s is read: its own two at p[0] and p[1], then those of the
 * other open sources (read ahead, up to AHEAD_CAP each), whose owners go to @who. Returns the
 * count.
 */
static int watch(struct nt_source *s, struct pollfd *p, struct nt_source **who)
{
	int n = 2;

	p[0] = (struct pollfd){s->fd, POLLIN, 0};
	p[1] = (struct pollfd){s->errfd, POLLIN, 0};
	for (struct nt_source *q = open_list; q && n < 2 + 2 * PEERS_MAX; q = q->next) {
		if (q == s || q->pid <= 0)
			continue;
		if (!q->eof && q->len - q->start < AHEAD_CAP) {
			who[n] = q;
			p[n++] = (struct pollfd){q->fd, POLLIN, 0};
		}
		if (q->errfd >= 0) {
			who[n] = q;
			p[n++] = (struct pollfd){q->errfd, POLLIN, 0};
		}
	}
	return n;
}

/* Take in what the other sources' workers sent (p and who from watch() and poll()). */
static void serve_peers(const struct pollfd *p, struct nt_source **who, int n)
{
	for (int i = 2; i < n; i++) {
		if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		if (p[i].fd == who[i]->errfd)
			read_stderr(who[i]);
		else
			fill(who[i]); /* out of memory: the worker waits for its turn */
	}
}

/* Without waiting, take in what the other sources have sent. */
static void pump_peers(struct nt_source *s)
{
	struct pollfd p[2 + 2 * PEERS_MAX];
	struct nt_source *who[2 + 2 * PEERS_MAX];
	int n = watch(s, p, who);

	if (n > 2 && poll(p + 2, (nfds_t)(n - 2), 0) > 0)
		serve_peers(p, who, n);
}

/* The worker of @s has ended: END, or why not. */
static enum nt_next finished(struct nt_source *s, struct nt_err **err)
{
	int status = 0;

	while (s->errfd >= 0)
		read_stderr(s);
	while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR)
		;
	s->pid = 0;
	if (s->ended && s->len == s->start && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return NT_NEXT_END;
	if (nt_interrupted) /* the signal that stopped us ended the reader too */
		return nt_err_set(err,
				  nt_err_new(NT_E_INTR, "interrupted while reading '%s'", s->path)),
		       NT_NEXT_ERROR;
	nt_err_set(err, exit_error(s, status));
	return NT_NEXT_ERROR;
}

static enum nt_next fail_read(struct nt_source *s, struct nt_err **err, struct nt_err *e)
{
	kill_child(s);
	nt_err_set(err, e);
	return NT_NEXT_ERROR;
}

enum nt_next nt_source_read(struct nt_source *s, const unsigned char **data, size_t *len,
			    struct nt_err **err)
{
	double last = nt_sys_now();

	if (!s->isolated)
		return read_inproc(s, data, len);
	s->start += s->deliver;
	s->deliver = 0;
	pump_peers(s);
	for (;;) {
		struct pollfd p[2 + 2 * PEERS_MAX];
		struct nt_source *who[2 + 2 * PEERS_MAX];
		size_t pos = s->start;
		struct nt_msg m;
		int r, n, np;

		while ((r = nt_msg_next(s->buf, s->len, &pos, &m)) == 1)
			if (m.type == NT_MSG_END || m.type == NT_MSG_ERROR)
				s->ended = true;
		if (r < 0)
			return fail_read(s, err,
					 nt_err_new(NT_E_FAIL,
						    "the %s reader sent a corrupt stream for '%s'",
						    s->ops->name, s->path));
		if (pos > s->start) {
			*data = s->buf + s->start;
			*len = pos - s->start;
			s->deliver = *len;
			return NT_NEXT_OK;
		}
		if (s->eof)
			return finished(s, err);
		if (nt_interrupted)
			return fail_read(
				s, err,
				nt_err_new(NT_E_INTR, "interrupted while reading '%s'", s->path));
		if (wait_fn)
			wait_fn(wait_arg);
		np = watch(s, p, who);
		n = poll(p, (nfds_t)np, 200);
		if (n < 0 && errno != EINTR)
			return fail_read(s, err, nt_err_errno(NT_E_FAIL, errno, "poll"));
		if (n > 0) {
			serve_peers(p, who, np);
			if (s->errfd >= 0 && (p[1].revents & (POLLIN | POLLHUP)))
				read_stderr(s);
			if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
				r = fill(s);
				if (r < 0)
					return fail_read(s, err,
							 nt_err_new(NT_E_FAIL, "out of memory"));
				if (r > 0)
					last = nt_sys_now();
				continue;
			}
		}
		if (s->timeout_s && nt_sys_now() - last > s->timeout_s)
			return fail_read(
				s, err,
				nt_err_new(NT_E_INPUT,
					   "the %s reader made no progress for %u s on '%s'; "
					   "the file is probably damaged",
					   s->ops->name, s->timeout_s, s->path));
	}
}

void nt_source_wait_hook(void (*fn)(void *arg), void *arg)
{
	wait_fn = fn;
	wait_arg = arg;
}

bool nt_source_drained(const struct nt_source *s, size_t *held)
{
	*held = s && s->isolated ? s->len - s->start : 0;
	return s && s->isolated && s->eof;
}

void nt_source_close(struct nt_source *s)
{
	if (!s)
		return;
	if (s->prev)
		s->prev->next = s->next;
	else if (open_list == s)
		open_list = s->next;
	if (s->next)
		s->next->prev = s->prev;
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
