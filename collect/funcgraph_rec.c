/* SPDX-License-Identifier: GPL-2.0 */
/*
 * function_graph and the function profiler for nettrail record, and the journal of tracefs
 * files they change (kept on disk so a later run can put tracefs back after a kill -9).
 */
#include "funcgraph_rec.h"
#include "../core/tmpfile.h"
#include "../core/sys.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#define JOURNAL_MAGIC "nettrail tracefs journal 1\n"

enum jkind { J_WORD, J_CLOCK, J_LIST, J_SIZE };

struct jent {
	char *path;  /* owned */
	char *saved; /* owned: the file's content before we wrote it */
};

struct nt_tfs_journal {
	struct jent *e; /* owned */
	int n;
	char *disk;    /* owned: the on-disk copy, or NULL when none could be made */
	char boot[64]; /* "boot <boot_id>\n": a journal is only good for the boot that wrote it */
};

static void boot_line(char *out, size_t size)
{
	char id[40] = "";
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");

	if (f && !fgets(id, sizeof(id), f))
		id[0] = '\0';
	if (f)
		fclose(f);
	id[strcspn(id, "\n")] = '\0';
	snprintf(out, size, "boot %s\n", id);
}

/* ---- small file helpers ---- */

/* The filter files take one word per write() and say so with a short count: go on. */
static int write_file(const char *path, const char *value, bool append)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | (append ? O_APPEND : O_TRUNC));
	size_t n = strlen(value), done = 0;

	if (fd < 0)
		return -1;
	while (done < n) {
		ssize_t w = write(fd, value + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = w < 0 ? errno : EIO;
			close(fd);
			errno = e;
			return -1;
		}
		done += (size_t)w;
	}
	return close(fd);
}

/* The first whitespace-separated word of @s in @out. */
static void first_word(const char *s, char *out, size_t size)
{
	size_t n = 0;

	while (*s && isspace((unsigned char)*s))
		s++;
	while (s[n] && !isspace((unsigned char)s[n]))
		n++;
	snprintf(out, size, "%.*s", (int)n, s);
}

static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; p && (p = strstr(p, word)); p += n)
		if ((p == list || isspace((unsigned char)p[-1])) &&
		    (!p[n] || isspace((unsigned char)p[n])))
			return true;
	return false;
}

static enum jkind kind_of(const char *path)
{
	const char *b = strrchr(path, '/');

	b = b ? b + 1 : path;
	if (!strcmp(b, "trace_clock"))
		return J_CLOCK;
	if (!strcmp(b, "buffer_size_kb"))
		return J_SIZE;
	if (!strncmp(b, "set_", 4))
		return J_LIST;
	return J_WORD;
}

/* ---- the journal ---- */

static int journal_save_disk(struct nt_tfs_journal *j)
{
	char *tmp = NULL;
	FILE *f;
	int ok;

	if (!j->disk)
		return 0;
	if (asprintf(&tmp, "%s.tmp", j->disk) < 0)
		return -1;
	f = fopen(tmp, "we");
	if (!f) {
		free(tmp);
		return -1;
	}
	fputs(JOURNAL_MAGIC, f);
	fprintf(f, "%s", j->boot);
	for (int i = 0; i < j->n; i++)
		fprintf(f, "%zu %zu\n%s%s\n", strlen(j->e[i].path), strlen(j->e[i].saved),
			j->e[i].path, j->e[i].saved);
	ok = !ferror(f) & !fflush(f) & !fsync(fileno(f));
	ok &= !fclose(f);
	if (ok && rename(tmp, j->disk) == 0) {
		free(tmp);
		return 0;
	}
	unlink(tmp);
	free(tmp);
	return -1;
}

struct nt_tfs_journal *nt_tfs_journal_new(void)
{
	struct nt_tfs_journal *j = calloc(1, sizeof(*j));
	const char *dirs[] = {"/run", "/tmp"};

	if (!j)
		return NULL;
	boot_line(j->boot, sizeof(j->boot));
	for (size_t i = 0; i < 2 && !j->disk; i++) {
		if (access(dirs[i], W_OK))
			continue;
		if (asprintf(&j->disk, "%s/nettrail-%ld.tracefs-journal", dirs[i], (long)getpid()) <
		    0)
			j->disk = NULL;
	}
	return j;
}

int nt_tfs_journal_write(struct nt_tfs_journal *j, const char *path, const char *value)
{
	bool known = false;

	for (int i = 0; i < j->n; i++)
		if (!strcmp(j->e[i].path, path))
			known = true;
	if (!known) {
		struct jent *x = realloc(j->e, (size_t)(j->n + 1) * sizeof(*x));
		char *saved = nt_sys_file_read(path, 0, NULL, NULL);

		if (!saved) {
			if (x)
				j->e = x;
			return -1;
		}
		if (!x) {
			free(saved);
			errno = ENOMEM;
			return -1;
		}
		j->e = x;
		j->e[j->n].path = strdup(path);
		j->e[j->n].saved = saved;
		if (!j->e[j->n].path) {
			free(saved);
			errno = ENOMEM;
			return -1;
		}
		j->n++;
		journal_save_disk(j); /* without it no crash recovery; this run still restores */
	}
	return value ? write_file(path, value, false) : 0;
}

/* Put @saved back into @path. */
static int restore_one(const char *path, const char *saved)
{
	char word[256];

	switch (kind_of(path)) {
	case J_CLOCK: {
		const char *a = strchr(saved, '['), *b = a ? strchr(a, ']') : NULL;
		if (!a || !b)
			return 0;
		snprintf(word, sizeof(word), "%.*s", (int)(b - a - 1), a + 1);
		return write_file(path, word, false);
	}
	case J_SIZE: {
		const char *x = strstr(saved, "(expanded: ");
		/* "7 (expanded: 1408)": the buffer was never allocated; 1408 is its real size */
		first_word(x ? x + 11 : saved, word, sizeof(word));
		word[strcspn(word, ")")] = '\0';
		if (!isdigit((unsigned char)word[0]))
			return 0; /* "X": per-cpu sizes differ; nettrail never makes them differ */
		return write_file(path, word, false);
	}
	case J_LIST: {
		char *copy = strdup(saved), *save = NULL;
		int ret = write_file(path, "", false);

		for (char *l = copy ? strtok_r(copy, "\n", &save) : NULL; l && !ret;
		     l = strtok_r(NULL, "\n", &save)) {
			l[strcspn(l, " \t")] =
				'\0'; /* "func [module]" reads back with the module */
			if (!*l || *l == '#' || !strcmp(l, "no"))
				continue; /* "#### all functions enabled ####", "no pid" */
			ret = write_file(path, l, true);
		}
		free(copy);
		return ret;
	}
	default:
		first_word(saved, word, sizeof(word));
		if (!*word)
			return 0;
		return write_file(path, word, false);
	}
}

int nt_tfs_journal_restore(struct nt_tfs_journal *j, struct nt_err **err)
{
	int ret = 0;

	if (!j)
		return 0;
	for (int i = j->n - 1; i >= 0; i--) {
		if (restore_one(j->e[i].path, j->e[i].saved) < 0 && ret == 0) {
			ret = -1;
			nt_err_set(err, nt_err_errno(NT_E_FAIL, errno,
						     "cannot restore '%s' to what it was",
						     j->e[i].path));
		}
	}
	if (!ret && j->disk)
		unlink(j->disk);
	return ret;
}

void nt_tfs_journal_free(struct nt_tfs_journal *j)
{
	if (!j)
		return;
	for (int i = 0; i < j->n; i++) {
		free(j->e[i].path);
		free(j->e[i].saved);
	}
	free(j->e);
	free(j->disk);
	free(j);
}

/* Restore one journal file left by a dead process; returns 1 when it did. */
static int recover_file(const char *path)
{
	char *s = nt_sys_file_read(path, 0, NULL, NULL), *p;
	struct nt_tfs_journal j = {0};
	struct nt_err *err = NULL;

	boot_line(j.boot, sizeof(j.boot));
	if (!s || strncmp(s, JOURNAL_MAGIC, strlen(JOURNAL_MAGIC)) ||
	    strncmp(s + strlen(JOURNAL_MAGIC), j.boot, strlen(j.boot))) {
		/* not ours, or from an earlier boot: that tracefs is long gone */
		if (s && !strncmp(s, JOURNAL_MAGIC, strlen(JOURNAL_MAGIC)))
			unlink(path);
		free(s);
		return 0;
	}
	p = s + strlen(JOURNAL_MAGIC) + strlen(j.boot);
	while (*p) {
		size_t pl, sl;
		char *nl = strchr(p, '\n');
		struct jent *x;

		if (!nl || sscanf(p, "%zu %zu", &pl, &sl) != 2 || strlen(nl + 1) < pl + sl + 1)
			break;
		x = realloc(j.e, (size_t)(j.n + 1) * sizeof(*x));
		if (!x)
			break;
		j.e = x;
		j.e[j.n].path = strndup(nl + 1, pl);
		j.e[j.n].saved = strndup(nl + 1 + pl, sl);
		j.n++;
		p = nl + 1 + pl + sl + 1;
	}
	/* tracing off first: the dead run may have left a tracer running */
	nt_tfs_journal_restore(&j, &err);
	nt_err_free(err);
	for (int i = 0; i < j.n; i++) {
		free(j.e[i].path);
		free(j.e[i].saved);
	}
	free(j.e);
	free(s);
	unlink(path);
	return 1;
}

int nt_tfs_journal_recover(void)
{
	const char *dirs[] = {"/run", "/tmp"};
	int count = 0;

	for (size_t i = 0; i < 2; i++) {
		DIR *d = opendir(dirs[i]);
		struct dirent *e;

		while (d && (e = readdir(d))) {
			char *end, path[600];
			long pid;

			if (strncmp(e->d_name, "nettrail-", 9))
				continue;
			pid = strtol(e->d_name + 9, &end, 10);
			if (pid <= 0 || strcmp(end, ".tracefs-journal"))
				continue;
			if (pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
				continue;
			snprintf(path, sizeof(path), "%s/%s", dirs[i], e->d_name);
			count += recover_file(path);
		}
		if (d)
			closedir(d);
	}
	return count;
}

/* ---- checks ---- */

static char *tfs_read(const char *dir, const char *name)
{
	char path[4096];

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	return nt_sys_file_read(path, 0, NULL, NULL);
}

static bool tfs_exists(const char *dir, const char *name)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

/* Kernel version as major * 1000 + minor. */
static int kernel_version(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &major, &minor) < 1)
		return 0;
	return major * 1000 + minor;
}

/* The release where function_graph and the profiler can run together (the 2024 fix). */
#define PROFILER_WITH_GRAPH 6011

static bool has_graph(const char *top)
{
	char *t = tfs_read(top, "available_tracers");
	bool ok = t && has_word(t, "function_graph");

	free(t);
	return ok;
}

/* Does @pattern match a function of available_filter_functions (@aff)? */
static bool matches_function(const char *aff, const char *pattern)
{
	char name[512];

	for (const char *l = aff; *l;) {
		size_t n = strcspn(l, " \t\n");
		if (n && n < sizeof(name)) {
			memcpy(name, l, n);
			name[n] = '\0';
			if (!fnmatch(pattern, name, 0))
				return true;
		}
		l = strchr(l, '\n');
		if (!l)
			break;
		l++;
	}
	return false;
}

static int check_patterns(const char *top, const char *aff, const char *const *pat, int n,
			  const char *what, struct nt_err **err)
{
	for (int i = 0; i < n; i++) {
		if (!*pat[i] || strpbrk(pat[i], " \t\n")) {
			struct nt_err *e = nt_err_new(
				NT_E_USAGE, "bad function pattern '%s' for %s", pat[i], what);
			return nt_err_set(err, e);
		}
		if (!matches_function(aff, pat[i])) {
			struct nt_err *e = nt_err_new(
				NT_E_INPUT,
				"unknown function '%s' for %s: no traceable function of this "
				"kernel matches it",
				pat[i], what);
			nt_err_hint(
				e,
				"inlined, notrace and some static functions cannot be traced; "
				"the traceable ones are listed in %s/available_filter_functions",
				top);
			return nt_err_set(err, e);
		}
	}
	return 0;
}

/* Which tracer (or instance) runs function_graph now, as "top level" / "instance X". */
static bool graph_running(const char *top, char *where, size_t size)
{
	char path[4096], word[64];
	char *t = tfs_read(top, "current_tracer");
	DIR *d;
	struct dirent *e;
	bool found = false;

	first_word(t ? t : "", word, sizeof(word));
	free(t);
	if (!strcmp(word, "function_graph")) {
		snprintf(where, size, "the top level");
		return true;
	}
	snprintf(path, sizeof(path), "%s/instances", top);
	d = opendir(path);
	while (d && !found && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/instances/%s", top, e->d_name);
		t = tfs_read(path, "current_tracer");
		first_word(t ? t : "", word, sizeof(word));
		free(t);
		if (!strcmp(word, "function_graph")) {
			snprintf(where, size, "instance '%s'", e->d_name);
			found = true;
		}
	}
	if (d)
		closedir(d);
	return found;
}

static int check_profiler(const char *top, const struct nt_record_opts *o, struct nt_err **err)
{
	char where[300];

	if (!tfs_exists(top, "function_profile_enabled")) {
		struct nt_err *e = nt_err_new(
			NT_E_FAIL, "this kernel has no function profiler (no "
				   "function_profile_enabled in tracefs: it was built without "
				   "CONFIG_FUNCTION_PROFILER, as Debian's kernels are)");
		nt_err_hint(e,
			    "the same table (calls, total and average time per function) is "
			    "computed from function_graph data: nettrail record --graph FUNC%s, "
			    "then nettrail import",
			    has_graph(top) ? ""
					   : " (in the lab VM: nettrail vm record --graph FUNC)");
		return nt_err_set(err, e);
	}
	if (kernel_version() < PROFILER_WITH_GRAPH) {
		if (o->ngraph) {
			struct nt_err *e = nt_err_new(
				NT_E_USAGE, "--profile and --graph cannot run together on Linux "
					    "before 6.11 (older kernels refuse it or crash)");
			nt_err_hint(e, "record them one after the other");
			return nt_err_set(err, e);
		}
		if (graph_running(top, where, sizeof(where))) {
			struct nt_err *e = nt_err_new(
				NT_E_FAIL,
				"function_graph is running in %s: the function profiler cannot "
				"run beside it on Linux before 6.11 (older kernels refuse it or "
				"crash)",
				where);
			nt_err_hint(e, "stop that tracing session first");
			return nt_err_set(err, e);
		}
	}
	return 0;
}

int nt_fgrec_check(const char *top, const struct nt_record_opts *o, struct nt_err **err)
{
	char *aff;
	int ret = 0;

	if (o->ngraph && !has_graph(top)) {
		char *t = tfs_read(top, "available_tracers");
		struct nt_err *e;

		for (size_t n = t ? strlen(t) : 0; n && isspace((unsigned char)t[n - 1]); n--)
			t[n - 1] = '\0';
		e = nt_err_new(NT_E_FAIL,
			       "this kernel does not offer the function_graph tracer (available "
			       "tracers: %s)",
			       t && *t ? t : "none");
		nt_err_hint(
			e, "it needs CONFIG_FUNCTION_GRAPH_TRACER; record in the lab VM instead, a "
			   "stock Debian kernel under QEMU: nettrail vm record --graph FUNC -- "
			   "udp 100");
		free(t);
		return nt_err_set(err, e);
	}
	if (o->nprofile_funcs && check_profiler(top, o, err))
		return -1;
	if (!o->ngraph && !o->nprofile_funcs)
		return 0;
	aff = tfs_read(top, "available_filter_functions");
	if (!aff) {
		struct nt_err *e = nt_err_errno(NT_E_FAIL, errno,
						"cannot read the traceable functions ('%s/%s')",
						top, "available_filter_functions");
		nt_err_hint(e, "function filters need a kernel with CONFIG_DYNAMIC_FTRACE");
		return nt_err_set(err, e);
	}
	if (check_patterns(top, aff, o->graph, o->ngraph, "--graph", err) ||
	    check_patterns(top, aff, o->notrace, o->nnotrace, "--notrace", err))
		ret = -1;
	for (int i = 0; !ret && i < o->nprofile_funcs; i++)
		if (strcmp(o->profile_funcs[i], "*") &&
		    check_patterns(top, aff, &o->profile_funcs[i], 1, "--profile", err))
			ret = -1;
	free(aff);
	return ret;
}

bool nt_fgrec_instance_capable(const char *inst_dir)
{
	return has_graph(inst_dir) && tfs_exists(inst_dir, "set_graph_function");
}

int nt_fgrec_toplevel_free(const char *top, struct nt_err **err)
{
	char word[64], what[200] = "";
	char *t = tfs_read(top, "current_tracer");

	first_word(t ? t : "", word, sizeof(word));
	free(t);
	if (strcmp(word, "nop"))
		snprintf(what, sizeof(what), "current_tracer is '%s'", word);
	t = tfs_read(top, "set_event");
	if (!*what && t && *t) {
		first_word(t, word, sizeof(word));
		snprintf(what, sizeof(what), "events are enabled (%s ...)", word);
	}
	free(t);
	t = tfs_exists(top, "function_profile_enabled") ? tfs_read(top, "function_profile_enabled")
							: NULL;
	if (!*what && t && t[0] == '1')
		snprintf(what, sizeof(what), "the function profiler is on");
	free(t);
	if (*what) {
		struct nt_err *e = nt_err_new(
			NT_E_FAIL,
			"function_graph needs the top-level trace buffer on this kernel (its "
			"instances have no function_graph), and another tool is using it: %s",
			what);
		nt_err_hint(e, "stop that tracing session first (e.g. trace-cmd reset)");
		return nt_err_set(err, e);
	}
	return 0;
}

/* ---- setting up ---- */

static char *join(const char *const *v, int n)
{
	size_t len = 1;
	char *s;

	for (int i = 0; i < n; i++)
		len += strlen(v[i]) + 1;
	s = calloc(1, len);
	for (int i = 0; s && i < n; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, v[i]);
	}
	return s;
}

/* Write @value to @dir/@name through the journal. */
static int jput(struct nt_tfs_journal *j, const char *dir, const char *name, const char *value,
		struct nt_err **err)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (nt_tfs_journal_write(j, path, value) < 0)
		return nt_err_set(err, nt_err_errno(NT_E_FAIL, errno, "cannot write '%s' to '%s'",
						    value ? value : "", path));
	return 0;
}

/*
 * Add @fn to @dir's set_graph_notrace, after the journaled write that restores it; where this
 * kernel has no such traceable function the write fails, and that is fine.
 */
static void notrace_add(const char *dir, const char *fn)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/set_graph_notrace", dir);
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return;
	if (write(fd, fn, strlen(fn)) < 0)
		errno = 0; /* EINVAL: not traceable here */
	close(fd);
}

int nt_fgrec_graph_setup(const char *top, const char *dir, const struct nt_record_opts *o,
			 struct nt_tfs_journal *j, struct nt_err **err)
{
	bool is_top = !strcmp(top, dir);
	char depth[32], path[4096];
	char *graph = join(o->graph, o->ngraph);
	char *notrace = join(o->notrace, o->nnotrace);
	int ret = -1;

	if (!graph || !notrace) {
		nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
		goto out;
	}
	if (jput(j, dir, "tracing_on", "0", err))
		goto out;
	/* the top level's filters would narrow what function_graph records: cleared, restored */
	if (is_top && (jput(j, top, "set_ftrace_filter", "", err) ||
		       jput(j, top, "set_ftrace_notrace", "", err) ||
		       jput(j, top, "set_ftrace_pid", "", err)))
		goto out;
	/* global files (one for all instances): saved and restored */
	snprintf(depth, sizeof(depth), "%d", o->graph_depth);
	if (jput(j, top, "max_graph_depth", depth, err) || jput(j, top, "tracing_thresh", "0", err))
		goto out;
	if (jput(j, dir, "set_graph_function", graph, err) ||
	    jput(j, dir, "set_graph_notrace", notrace, err))
		goto out;
	/* --headers' kprobes run from ftrace inside the graphed functions (kprobes on ftrace):
	 * their handler is not the traced code's, and would be the busiest path under it */
	if (o->headers)
		notrace_add(dir, "kprobe_ftrace_handler");
	snprintf(path, sizeof(path), "%s/current_tracer", dir);
	if (nt_tfs_journal_write(j, path, "function_graph") < 0) {
		int e = errno;
		struct nt_err *x;

		if (e == EPERM || e == EACCES || e == EINVAL) {
			x = nt_err_errno(NT_E_FAIL, e,
					 "this kernel refuses the function_graph tracer (writing "
					 "'function_graph' to '%s')",
					 path);
			nt_err_hint(x, "record in the lab VM instead, a stock Debian kernel under "
				       "QEMU: nettrail vm record --graph FUNC -- udp 100");
		} else if (e == EBUSY) {
			x = nt_err_errno(NT_E_FAIL, e,
					 "function_graph is in use by another tracer (the function "
					 "profiler, or another instance)");
		} else {
			x = nt_err_errno(NT_E_FAIL, e, "cannot start function_graph ('%s')", path);
		}
		nt_err_set(err, x);
		goto out;
	}
	/* tracer options (global flags on most kernels): record irq functions too */
	snprintf(path, sizeof(path), "%s/options/funcgraph-irqs", dir);
	if (!access(path, F_OK) && jput(j, dir, "options/funcgraph-irqs", "1", err))
		goto out;
	ret = 0;
out:
	free(graph);
	free(notrace);
	return ret;
}

int nt_fgrec_profile_start(const char *top, const struct nt_record_opts *o,
			   struct nt_tfs_journal *j, struct nt_err **err)
{
	bool all = false;
	char *filter;
	int ret;

	for (int i = 0; i < o->nprofile_funcs; i++)
		if (!strcmp(o->profile_funcs[i], "*"))
			all = true;
	filter = all ? strdup("") : join(o->profile_funcs, o->nprofile_funcs);
	if (!filter)
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	ret = jput(j, top, "set_ftrace_filter", filter, err);
	free(filter);
	if (ret)
		return -1;
	/* writing 1 resets the statistics */
	if (jput(j, top, "function_profile_enabled", "1", err))
		return nt_err_set(err, nt_err_wrap(NULL, "cannot start the function profiler"));
	return 0;
}

static int stat_file(const struct dirent *d)
{
	return !strncmp(d->d_name, "function", 8) && isdigit((unsigned char)d->d_name[8]);
}

static int by_cpu(const struct dirent **a, const struct dirent **b)
{
	return atoi((*a)->d_name + 8) - atoi((*b)->d_name + 8);
}

int nt_fgrec_profile_save(const char *top, const char *path, struct nt_err **err)
{
	char dir[4096], *tmp = NULL;
	struct dirent **list = NULL;
	FILE *f;
	int n, bad = 0;

	snprintf(dir, sizeof(dir), "%s/trace_stat", top);
	n = scandir(dir, &list, stat_file, by_cpu);
	if (n <= 0) {
		free(list);
		return nt_err_set(err,
				  nt_err_errno(NT_E_FAIL, n < 0 ? errno : ENOENT,
					       "cannot read the profiler's tables in '%s'", dir));
	}
	tmp = nt_tmpfile_path(path, NULL);
	f = tmp ? fopen(tmp, "we") : NULL;
	for (int i = 0; i < n; i++) {
		char file[4400];
		char *s;

		snprintf(file, sizeof(file), "%s/%s", dir, list[i]->d_name);
		s = nt_sys_file_read(file, 0, NULL, NULL);
		if (f && s)
			fprintf(f, "%s==> trace_stat/%s <==\n%s", i ? "\n" : "", list[i]->d_name,
				s);
		else
			bad = 1;
		free(s);
		free(list[i]);
	}
	free(list);
	if (f && (ferror(f) | fclose(f)))
		bad = 1;
	if (!f || bad || rename(tmp, path)) {
		int e = errno;
		if (tmp)
			unlink(tmp);
		free(tmp);
		return nt_err_set(
			err, nt_err_errno(NT_E_FAIL, e, "cannot save the profile at '%s'", path));
	}
	free(tmp);
	return 0;
}
