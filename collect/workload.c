/* SPDX-License-Identifier: GPL-2.0 */
/* The workload's process tree from /proc (-P), and its file beside the trace. */
#include "workload.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *const nt_workload_events[] = {"sched:sched_process_fork", "sched:sched_process_exit",
					  NULL};

struct proc {
	int pid, ppid;
};

/* Every process's parent, from /proc/PID/stat (the field after the parenthesised comm). */
static struct proc *processes(size_t *n)
{
	DIR *d = opendir("/proc");
	struct proc *v = NULL;
	size_t cap = 0;
	struct dirent *e;

	*n = 0;
	while (d && (e = readdir(d))) {
		char path[64], line[512], *p;
		int pid = atoi(e->d_name), ppid;
		FILE *f;

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		if (!(f = fopen(path, "r")))
			continue; /* gone meanwhile */
		p = fgets(line, sizeof(line), f) ? strrchr(line, ')') : NULL;
		fclose(f);
		if (!p || sscanf(p, ") %*c %d", &ppid) != 1)
			continue;
		if (*n == cap) {
			struct proc *x = realloc(v, (cap = cap ? 2 * cap : 512) * sizeof(*x));
			if (!x)
				break;
			v = x;
		}
		v[(*n)++] = (struct proc){pid, ppid};
	}
	if (d)
		closedir(d);
	return v;
}

static int push(int **v, size_t *n, size_t *cap, int pid)
{
	if (*n == *cap) {
		int *x = realloc(*v, (*cap = *cap ? 2 * *cap : 64) * sizeof(*x));
		if (!x)
			return -1;
		*v = x;
	}
	(*v)[(*n)++] = pid;
	return 0;
}

/* The threads of process @pid (itself included). */
static int threads(int pid, int **v, size_t *n, size_t *cap)
{
	char path[64];
	DIR *d;
	struct dirent *e;
	int r = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	if (!(d = opendir(path)))
		return push(v, n, cap, pid);
	while (!r && (e = readdir(d)))
		if (atoi(e->d_name) > 0)
			r = push(v, n, cap, atoi(e->d_name));
	closedir(d);
	return r;
}

int nt_workload_tree(int root, int **pids, size_t *n, struct nt_err **err)
{
	size_t np, cap = 0, nproc = 0;
	struct proc *ps = processes(&np);
	int *procs = NULL, self = getpid();

	*pids = NULL;
	*n = 0;
	if (kill(root, 0) && errno == ESRCH) {
		free(ps);
		return nt_err_set(err, nt_err_new(NT_E_USAGE, "no process %d", root));
	}
	if (push(&procs, &nproc, &cap, root))
		goto oom;
	for (size_t i = 0; i < nproc; i++) /* breadth first: children of procs[i] */
		for (size_t j = 0; j < np; j++)
			if (ps[j].ppid == procs[i] && ps[j].pid != self &&
			    push(&procs, &nproc, &cap, ps[j].pid))
				goto oom;
	cap = 0;
	for (size_t i = 0; i < nproc; i++)
		if (threads(procs[i], pids, n, &cap))
			goto oom;
	free(ps);
	free(procs);
	return 0;
oom:
	free(ps);
	free(procs);
	free(*pids);
	*pids = NULL;
	return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
}

/* @trace.workload (beside a directory, never in it), or NULL when out of memory. */
static char *file_of(const char *trace, const char *suffix)
{
	size_t n = strlen(trace);
	char *p = NULL;

	while (n > 1 && trace[n - 1] == '/')
		n--;
	if (asprintf(&p, "%.*s.workload%s", (int)n, trace, suffix) < 0)
		return NULL;
	return p;
}

void nt_workload_forget(const char *trace)
{
	char *p = file_of(trace, "");

	if (p)
		unlink(p);
	free(p);
}

int nt_workload_save(const char *trace, int root, const int *pids, size_t n, struct nt_err **err)
{
	char *path = file_of(trace, ""), *tmp = file_of(trace, ".nettrail-tmp");
	FILE *f = NULL;
	int r = -1;

	if (!path || !tmp) {
		nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
		goto out;
	}
	if (!(f = fopen(tmp, "w")))
		goto fail;
	fprintf(f, "# nettrail workload (docs/SCHEMA.md)\nroot %d\n", root);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "pid %d\n", pids[i]);
	if (!n)
		fprintf(f, "pid %d\n", root);
	fprintf(f, "exclude %d\n", (int)getpid());
	if (fclose(f)) {
		f = NULL;
		goto fail;
	}
	f = NULL;
	if (rename(tmp, path))
		goto fail;
	r = 0;
	goto out;
fail:
	nt_err_set(err, nt_err_errno(NT_E_FAIL, errno, "cannot write '%s'", path));
	if (f)
		fclose(f);
	unlink(tmp);
out:
	free(path);
	free(tmp);
	return r;
}
