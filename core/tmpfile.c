/* SPDX-License-Identifier: GPL-2.0 */
/* Temporary files carrying their owner's pid, and the sweep of those of dead owners. */
#include "tmpfile.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *nt_tmpfile_path(const char *path, const char *what)
{
	char *s = NULL;

	if (asprintf(&s, "%s%s%s" NT_TMPFILE_MARK "%ld", path, what ? "." : "", what ? what : "",
		     (long)getpid()) < 0)
		return NULL;
	return s;
}

long nt_tmpfile_owner(const char *name, char *stem, size_t stem_size)
{
	const char *m = NULL, *p = name;
	char *end;
	long pid;

	while ((p = strstr(p, NT_TMPFILE_MARK))) /* the last marker */
		m = p++;
	if (!m || !isdigit((unsigned char)m[strlen(NT_TMPFILE_MARK)]))
		return 0;
	errno = 0;
	pid = strtol(m + strlen(NT_TMPFILE_MARK), &end, 10);
	if (errno || pid <= 0 || pid > INT_MAX || (*end && *end != '-'))
		return 0;
	if (stem && stem_size)
		snprintf(stem, stem_size, "%.*s", (int)(m - name), name);
	return pid;
}

/* The last path component of /proc/PID/exe without " (deleted)", in @buf; false if unknown. */
static bool exe_name(const char *pid, char *buf, size_t size)
{
	char link[64], target[PATH_MAX];
	ssize_t n;
	const char *base;

	snprintf(link, sizeof(link), "/proc/%s/exe", pid);
	n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return false;
	target[n] = '\0';
	if (n > 10 && !strcmp(target + n - 10, " (deleted)"))
		target[n - 10] = '\0';
	base = strrchr(target, '/');
	snprintf(buf, size, "%.255s", base ? base + 1 : target);
	return true;
}

bool nt_tmpfile_owner_alive(long pid)
{
	char path[64], comm[64] = "", spid[24], mine[256], theirs[256];
	FILE *f;

	if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
		return false;
	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	f = fopen(path, "re");
	if (!f)
		return errno != ENOENT; /* cannot tell: keep */
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	if (!strncmp(comm, "nettrail", 8))
		return true;
	snprintf(spid, sizeof(spid), "%ld", pid);
	return exe_name("self", mine, sizeof(mine)) && exe_name(spid, theirs, sizeof(theirs)) &&
	       !strcmp(mine, theirs);
}

void nt_tmpfile_sweep(const char *dir, struct nt_tmpfile_swept *out)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		long pid = nt_tmpfile_owner(e->d_name, NULL, 0);
		char *full = NULL;
		struct stat st;

		if (!pid || pid == (long)getpid() || nt_tmpfile_owner_alive(pid) ||
		    asprintf(&full, "%s/%s", dir, e->d_name) < 0)
			continue;
		if (!lstat(full, &st) && S_ISREG(st.st_mode) && !unlink(full)) {
			out->files++;
			out->bytes += (uint64_t)st.st_size;
			out->pid = pid;
		}
		free(full);
	}
	if (d)
		closedir(d);
}
