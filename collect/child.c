/* SPDX-License-Identifier: GPL-2.0 */
/* The gated child of record (ftrace, perf and LTTng backends). */
#include "child.h"
#include "ftrace.h"
#include "../core/progress.h"
#include "../core/sys.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int nt_child_start(struct nt_child *c, char *const *argv, struct nt_err **err)
{
	if (pipe2(c->gate, O_CLOEXEC) < 0 || pipe2(c->st, O_CLOEXEC) < 0)
		return nt_err_set(err,
				  nt_err_errno(NT_E_FAIL, errno, "cannot start '%s'", argv[0]));
	fflush(NULL);
	c->pid = fork();
	if (c->pid < 0)
		return nt_err_set(err,
				  nt_err_errno(NT_E_FAIL, errno, "cannot start '%s'", argv[0]));
	if (c->pid == 0) {
		char go;
		int e;

		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		close(c->gate[1]);
		close(c->st[0]);
		if (read(c->gate[0], &go, 1) != 1)
			_exit(126); /* the capture was abandoned */
		execvp(argv[0], argv);
		e = errno;
		if (write(c->st[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(c->gate[0]);
	close(c->st[1]);
	c->gate[0] = c->st[1] = -1;
	return 0;
}

int nt_child_release(struct nt_child *c, const char *name, struct nt_err **err)
{
	int e = 0;

	if (write(c->gate[1], "g", 1) != 1)
		return nt_err_set(err, nt_err_errno(NT_E_FAIL, errno, "cannot start '%s'", name));
	close(c->gate[1]);
	c->gate[1] = -1;
	if (read(c->st[0], &e, sizeof(e)) == sizeof(e)) { /* EOF: exec succeeded */
		nt_child_reap(c, true);
		return nt_err_set(err, nt_err_errno(NT_E_INPUT, e, "cannot run '%s'", name));
	}
	return 0;
}

void nt_child_reap(struct nt_child *c, bool wait)
{
	if (c->pid > 0 && !c->done && waitpid(c->pid, &c->status, wait ? 0 : WNOHANG) == c->pid)
		c->done = true;
}

void nt_child_stop(struct nt_child *c)
{
	if (c->pid > 0 && !c->done) {
		if (c->gate[1] >= 0) { /* never released: it exits on EOF */
			close(c->gate[1]);
			c->gate[1] = -1;
		} else {
			kill(c->pid, SIGTERM);
		}
		nt_child_reap(c, true);
	}
	for (int i = 0; i < 2; i++) {
		if (c->gate[i] >= 0)
			close(c->gate[i]);
		if (c->st[i] >= 0)
			close(c->st[i]);
		c->gate[i] = c->st[i] = -1;
	}
}

int nt_child_status(const struct nt_child *c)
{
	return c->pid > 0 ? c->status : -1;
}

static void capture_progress(struct nt_capture *c, int final)
{
	nt_progress_capture(c->stage, nt_sys_now() - c->t0, c->bytes(c->ctx), c->what, final);
}

int nt_child_capture(struct nt_capture *c, struct nt_err **err)
{
	const struct nt_record_opts *o = c->o;

	c->t0 = nt_sys_now();
	c->last = 0;
	if (o->argv && nt_child_release(c->child, o->argv[0], err))
		return -1;
	for (;;) {
		nt_child_reap(c->child, false);
		if (c->child->done || nt_interrupted ||
		    (o->duration > 0 && nt_sys_now() - c->t0 >= o->duration))
			return 0;
		if (c->tick && c->tick(c->ctx))
			return -1;
		if (o->progress && nt_sys_now() - c->last > 0.5) {
			capture_progress(c, 0);
			c->last = nt_sys_now();
		}
		poll(NULL, 0, 50);
	}
}

void nt_child_capture_done(struct nt_capture *c)
{
	if (c->o->progress)
		capture_progress(c, 1);
}

int nt_child_record_end(int ret, const struct nt_child *c, struct nt_record_result *res,
			struct nt_err *own, struct nt_err **err)
{
	if (ret) {
		nt_record_result_release(res);
		nt_err_set(err, own ? own : nt_err_new(NT_E_FAIL, "recording failed"));
		return ret;
	}
	res->cmd_status = nt_child_status(c);
	res->cmd_pid = c->pid > 0 ? c->pid : 0;
	nt_err_free(own);
	return 0;
}
