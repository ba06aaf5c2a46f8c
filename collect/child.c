/* SPDX-License-Identifier: GPL-2.0 */
/* The gated child of record (ftrace and perf backends). */
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

int nt_child_start(char *const *argv, int gate[2], int status[2], pid_t *pid, struct nt_err **err)
{
	if (pipe2(gate, O_CLOEXEC) < 0 || pipe2(status, O_CLOEXEC) < 0)
		return nt_err_set(err,
				  nt_err_errno(NT_E_FAIL, errno, "cannot start '%s'", argv[0]));
	fflush(NULL);
	*pid = fork();
	if (*pid < 0)
		return nt_err_set(err,
				  nt_err_errno(NT_E_FAIL, errno, "cannot start '%s'", argv[0]));
	if (*pid == 0) {
		char go;
		int e;

		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		close(gate[1]);
		close(status[0]);
		if (read(gate[0], &go, 1) != 1)
			_exit(126); /* the capture was abandoned */
		execvp(argv[0], argv);
		e = errno;
		if (write(status[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(gate[0]);
	close(status[1]);
	gate[0] = status[1] = -1;
	return 0;
}
