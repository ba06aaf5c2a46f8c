/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unit test: core/sys.h's nt_sys_spawn_watch, the sign of life it waits for (the lab VM's
 * first console line under KVM): a program that writes its file in time runs to its end, one
 * that leaves it empty is killed at the deadline (ENODATA), the time limit still holds.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/sys.h"

#include "tests/lib/check.h"

int main(void)
{
	char dir[] = "/tmp/nt-spawn.XXXXXX", file[64], cmd[160];
	double t0;
	int st;

	if (!mkdtemp(dir))
		return 1;
	snprintf(file, sizeof(file), "%s/console", dir);

	/* alive: writes a line at once, then works 0.5 s past the deadline, exit code 7 */
	snprintf(cmd, sizeof(cmd), "echo up > %s; sleep 1.5; exit 7", file);
	st = nt_sys_spawn_watch((char *[]){"sh", "-c", cmd, NULL}, NULL, NULL, NULL, 10, file, 1.0);
	CHECK(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 7);

	/* no sign of life: killed at the 0.3 s deadline, long before its 5 s */
	unlink(file);
	snprintf(cmd, sizeof(cmd), ": > %s; sleep 5", file);
	t0 = nt_sys_now();
	errno = 0;
	st = nt_sys_spawn_watch((char *[]){"sh", "-c", cmd, NULL}, NULL, NULL, NULL, 10, file, 0.3);
	CHECK(st == -1 && errno == ENODATA);
	CHECK(nt_sys_now() - t0 < 2.5);

	/* no file at all counts as empty */
	unlink(file);
	errno = 0;
	st = nt_sys_spawn_watch((char *[]){"sleep", "5", NULL}, NULL, NULL, NULL, 10, file, 0.3);
	CHECK(st == -1 && errno == ENODATA);

	/* the time limit comes first */
	errno = 0;
	st = nt_sys_spawn_watch((char *[]){"sleep", "5", NULL}, NULL, NULL, NULL, 0.3, file, 3);
	CHECK(st == -1 && errno == ETIMEDOUT);

	/* no watch: nt_sys_spawn as before */
	st = nt_sys_spawn((char *[]){"sh", "-c", "exit 3", NULL}, NULL, NULL, NULL, 10);
	CHECK(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 3);

	unlink(file);
	rmdir(dir);
	return check_done("unit_spawn");
}
