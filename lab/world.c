/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The lab's worlds: network namespaces (and what lives in them) built by running ip(8) and
 * nft(8), removed by deleting the namespaces. The host's interfaces, rules and sysctls are
 * never touched.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lab_int.h"
#include "../core/sys.h"

const char *lab_ns_name(long tag, char x, char *buf)
{
	snprintf(buf, 40, "nt-lab-%ld-%c", tag, x);
	return buf;
}

const char *lab_dev_name(long tag, char x, char *buf)
{
	snprintf(buf, 40, "l%ld%c", tag, x);
	return buf;
}

static int split(char *line, char **argv, int max)
{
	int n = 0;

	for (char *t = strtok(line, " "); t && n < max - 1; t = strtok(NULL, " "))
		argv[n++] = t;
	argv[n] = NULL;
	return n;
}

int lab_run(const char *input, struct nt_err **err, const char *fmt, ...)
{
	char line[1024], copy[1024], msg[512] = "";
	char *argv[48];
	int in[2] = {-1, -1}, out[2] = {-1, -1}, st = 0;
	ssize_t n, len = 0;
	va_list ap;
	pid_t pid;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	memcpy(copy, line, sizeof(copy));
	split(copy, argv, 48);
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
		return nt_err_set(err, nt_err_errno(NT_E_FAIL, errno, "cannot run '%s'", line));
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return nt_err_set(err, nt_err_errno(NT_E_FAIL, errno, "cannot run '%s'", line));
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(out[1], 2);
		execvp(argv[0], argv);
		dprintf(2, "%s", strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	if (input) {
		signal(SIGPIPE, SIG_IGN);
		if (write(in[1], input, strlen(input)) < 0)
			msg[0] = '\0';
	}
	close(in[1]);
	while ((n = read(out[0], msg + len, sizeof(msg) - 1 - (size_t)len)) > 0 ||
	       (n < 0 && errno == EINTR))
		len += n > 0 ? n : 0;
	msg[len] = '\0';
	close(out[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	msg[strcspn(msg, "\n")] = '\0';
	return nt_err_set(err, nt_err_new(NT_E_FAIL, "'%s' failed: %s", line,
					  msg[0] ? msg : "killed by a signal"));
}

int lab_enter(long tag, char x, struct nt_err **err)
{
	char ns[40], path[80];
	int fd;

	snprintf(path, sizeof(path), "/var/run/netns/%s", lab_ns_name(tag, x, ns));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return nt_err_set(err, nt_err_errno(NT_E_FAIL, e, "cannot enter '%s'", ns));
	}
	close(fd);
	return 0;
}

int lab_sysctl(const char *key, const char *value, struct nt_err **err)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/%s", key);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, value, strlen(value)) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return nt_err_set(err, nt_err_errno(NT_E_FAIL, e, "cannot set '%s'", key));
	}
	close(fd);
	return 0;
}

int nt_lab_world_create(const struct nt_lab *l, long tag, struct nt_lab_world **out,
			struct nt_err **err)
{
	struct nt_lab_world *w = calloc(1, sizeof(*w));

	*out = NULL;
	if (!w)
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	w->tag = tag;
	for (const char *x = l->namespaces; *x && w->nns < LAB_MAX_NS; x++) {
		char *ns = w->ns[w->nns];
		lab_ns_name(tag, *x, ns);
		if (lab_run(NULL, err, "ip netns add %s", ns))
			goto fail;
		w->nns++;
		if (lab_run(NULL, err, "ip -n %s link set lo up", ns) || nt_interrupted)
			goto fail;
	}
	if (l->build && l->build(w, err))
		goto fail;
	if (nt_interrupted) {
		nt_err_set(err, nt_err_new(NT_E_INTR, "interrupted while building the world"));
		goto fail;
	}
	*out = w;
	return 0;
fail:
	if (nt_interrupted) { /* Ctrl-C: whatever failed after it failed because of it */
		nt_err_free(*err);
		*err = nt_err_new(NT_E_INTR,
				  "interrupted while building the '%s' world; what was "
				  "built was removed",
				  l->name);
	} else {
		*err = nt_err_wrap(*err, "cannot build the '%s' world", l->name);
	}
	nt_lab_world_destroy(w);
	return -1;
}

void nt_lab_world_destroy(struct nt_lab_world *w)
{
	if (!w)
		return;
	/* deleting a namespace removes its devices (veth peers too), rules and sysctls */
	for (int i = w->nns - 1; i >= 0; i--)
		lab_run(NULL, NULL, "ip netns del %s", w->ns[i]);
	free(w);
}

void nt_lab_world_reap_stale(void)
{
	DIR *d = opendir("/var/run/netns");
	struct dirent *e;

	while (d && (e = readdir(d))) {
		long pid;
		char x;
		if (sscanf(e->d_name, "nt-lab-%ld-%c", &pid, &x) != 2 || pid <= 0)
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		lab_run(NULL, NULL, "ip netns del %s", e->d_name);
	}
	if (d)
		closedir(d);
}
