/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nettrail record, perf backend: `perf record -a` started with events disabled, enabled through
 * its --control pipe before the command is let go, stopped with SIGINT (perf writes its header
 * only on a clean exit), lost samples counted from the finished file (by the perf reader).
 */
#include "perf_rec.h"
#include "child.h"
#include "../core/testhook.h"
#include "../core/tmpfile.h"
#include "evnames.h"
#include "../parse/perfdata.h"
#include "../core/sys.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define STOP_TIMEOUT_S	60.0
#define START_TIMEOUT_S 120.0

struct prec {
	const struct nt_record_opts *o;
	unsigned hz;
	char **ev; /* owned: "system:event" */
	int nev;
	char *tmp;  /* owned: perf's output until it is complete */
	char *log;  /* owned: perf's stdout and stderr */
	pid_t perf; /* -1 once reaped */
	int perf_status;
	struct nt_child child; /* the command */
	int ctl[2], ack[2];
	struct nt_err *err;
};

/* ---- events: the ftrace backend's vocabulary, expanded against tracefs ---- */

static int is_dir(const struct dirent *d)
{
	return d->d_name[0] != '.' && d->d_type == DT_DIR;
}

static int ev_add(struct prec *p, const char *sys, const char *ev)
{
	char *s;

	for (int i = 0; i < p->nev; i++) {
		size_t n = strlen(sys);
		if (!strncmp(p->ev[i], sys, n) && p->ev[i][n] == ':' &&
		    !strcmp(p->ev[i] + n + 1, ev))
			return 0;
	}
	if (asprintf(&s, "%s:%s", sys, ev) < 0)
		return -1;
	return nt_evnames_push(&p->ev, &p->nev, s);
}

/* Add every tracepoint matching "system[:event]" (globs); returns how many, -1 on OOM. */
static int add_spec(struct prec *p, const char *dir, const char *spec)
{
	char sys[256], ev[256], path[4096];
	const char *colon = strchr(spec, ':');
	struct dirent **sl = NULL, **el;
	int ns, added = 0;

	snprintf(sys, sizeof(sys), "%.*s", colon ? (int)(colon - spec) : (int)strlen(spec), spec);
	snprintf(ev, sizeof(ev), "%s", colon && colon[1] ? colon + 1 : "*");
	snprintf(path, sizeof(path), "%s/events", dir);
	ns = scandir(path, &sl, is_dir, alphasort);
	for (int i = 0; i < ns; i++) {
		int ne;

		if (strcmp(sl[i]->d_name, "ftrace") && !fnmatch(sys, sl[i]->d_name, 0)) {
			snprintf(path, sizeof(path), "%s/events/%s", dir, sl[i]->d_name);
			el = NULL;
			ne = scandir(path, &el, is_dir, alphasort);
			for (int j = 0; j < ne; j++) {
				if (added >= 0 && !fnmatch(ev, el[j]->d_name, 0))
					added = ev_add(p, sl[i]->d_name, el[j]->d_name) ? -1
											: added + 1;
				free(el[j]);
			}
			free(el);
		}
		free(sl[i]);
	}
	free(sl);
	return added;
}

static const char *tracefs_dir(void)
{
	if (!access("/sys/kernel/tracing/events", R_OK))
		return "/sys/kernel/tracing";
	if (!access("/sys/kernel/debug/tracing/events", R_OK))
		return "/sys/kernel/debug/tracing";
	return NULL;
}

static int resolve_events(struct prec *p)
{
	const char *dir = tracefs_dir();
	const char *const *list = p->o->events ? p->o->events : nt_record_preset;
	int n = p->o->events ? p->o->nevents : -1;

	if (!dir) {
		p->err = nt_err_new(NT_E_FAIL, "tracefs is not mounted");
		nt_err_hint(p->err, "mount it with: mount -t tracefs nodev /sys/kernel/tracing");
		return -1;
	}
	for (int i = 0; n < 0 ? list[i] != NULL : i < n; i++) {
		int got = add_spec(p, dir, list[i]);
		if (got < 0) {
			p->err = nt_err_new(NT_E_FAIL, "out of memory");
			return -1;
		}
		if (!got && p->o->events) {
			p->err = nt_evnames_unknown(dir, list[i]);
			return -1;
		}
	}
	if (!p->nev) {
		p->err = nt_err_new(NT_E_INPUT, "none of the preset events exists on this kernel");
		return -1;
	}
	return 0;
}

/* ---- perf itself ---- */

/* "perf version 6.1.192" → 0 when at least the version we need. */
static int check_perf(struct prec *p)
{
	FILE *f = popen("perf version 2>&1", "re");
	char line[512] = "";
	int maj = 0, min = 0, st;

	if (f && !fgets(line, sizeof(line), f))
		line[0] = '\0';
	st = f ? pclose(f) : -1;
	line[strcspn(line, "\n")] = '\0';
	if (st != 0 || sscanf(line, "perf version %d.%d", &maj, &min) != 2) {
		p->err = nt_err_new(NT_E_FAIL, "cannot run perf%s%s%s", *line ? " ('" : "", line,
				    *line ? "')" : "");
		nt_err_hint(p->err, "install linux-perf (Debian's perf, for the running kernel)");
		return -1;
	}
	if (maj < NT_PERF_MIN_MAJOR || (maj == NT_PERF_MIN_MAJOR && min < NT_PERF_MIN_MINOR)) {
		p->err = nt_err_new(
			NT_E_FAIL,
			"perf %d.%d is too old: --backend perf needs perf %d.%d or newer "
			"(--control, -D -1)",
			maj, min, NT_PERF_MIN_MAJOR, NT_PERF_MIN_MINOR);
		nt_err_hint(p->err, "install a newer linux-perf, or use --backend ftrace");
		return -1;
	}
	return 0;
}

static const char *clock_id(const char *clock, struct nt_err **err)
{
	static const char *const map[][2] = {
		{"mono", "CLOCK_MONOTONIC"},
		{"mono_raw", "CLOCK_MONOTONIC_RAW"},
		{"boot", "CLOCK_BOOTTIME"},
		{"tai", "CLOCK_TAI"},
		{"local", ""},
	};

	if (!clock)
		clock = "mono";
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(clock, map[i][0]))
			return map[i][1];
	*err = nt_err_new(NT_E_USAGE, "clock '%s' cannot be used with --backend perf", clock);
	nt_err_hint(*err, "use mono (default), mono_raw, boot, tai or local (perf's own clock)");
	return NULL;
}

/* perf's -m: pages per cpu, a power of two. */
static unsigned mmap_pages(unsigned kb)
{
	unsigned long want = (unsigned long)(kb ? kb : NT_PERF_DEFAULT_BUFFER_KB) * 1024 /
			     (unsigned long)sysconf(_SC_PAGESIZE);
	unsigned pages = 1;

	while (pages < want && pages < (1u << 30))
		pages <<= 1;
	return pages;
}

/* The perf command line (owned array of owned strings, NULL-terminated). */
static char **perf_argv(struct prec *p, const char *clk)
{
	char **a = calloc((size_t)p->nev * 2 + 32, sizeof(*a));
	int n = 0;

	if (!a)
		return NULL;
	a[n++] = strdup("perf");
	a[n++] = strdup("record");
	a[n++] = strdup("-a");
	a[n++] = strdup("-o");
	a[n++] = strdup(p->tmp);
	a[n++] = strdup("-m");
	if (asprintf(&a[n++], "%u", mmap_pages(p->o->buffer_kb)) < 0)
		a[n - 1] = NULL;
	if (*clk) {
		a[n++] = strdup("-k");
		a[n++] = strdup(clk);
	}
	a[n++] = strdup("-D");
	a[n++] = strdup("-1");
	if (asprintf(&a[n++], "--control=fd:%d,%d", p->ctl[0], p->ack[1]) < 0)
		a[n - 1] = NULL;
	for (int i = 0; i < p->nev; i++) {
		a[n++] = strdup("-e");
		a[n++] = strdup(p->ev[i]);
	}
	if (p->hz) {
		a[n++] = strdup("-e");
		if (asprintf(&a[n++], "cpu-clock/freq=%u,call-graph=fp,name=cpu-clock/k", p->hz) <
		    0)
			a[n - 1] = NULL;
		a[n++] = strdup("--kernel-callchains");
	}
	for (int i = 0; i < n; i++)
		if (!a[i]) {
			for (int j = 0; j < n; j++)
				free(a[j]);
			free(a);
			return NULL;
		}
	return a;
}

static void argv_free(char **a)
{
	for (int i = 0; a && a[i]; i++)
		free(a[i]);
	free(a);
}

/* perf's last non-empty log line, for error messages (static buffer). */
static const char *log_tail(const struct prec *p)
{
	static char last[512];
	char line[512];
	FILE *f = fopen(p->log, "re");

	last[0] = '\0';
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (*line)
			snprintf(last, sizeof(last), "%s", line);
	}
	if (f)
		fclose(f);
	return *last ? last : "no message";
}

static int start_perf(struct prec *p, const char *clk)
{
	char **a;
	int st[2];
	int e = 0;

	if (pipe2(p->ctl, O_CLOEXEC) || pipe2(p->ack, O_CLOEXEC) || pipe2(st, O_CLOEXEC)) {
		p->err = nt_err_errno(NT_E_FAIL, errno, "cannot start perf");
		return -1;
	}
	a = perf_argv(p, clk);
	if (!a) {
		close(st[0]);
		close(st[1]);
		p->err = nt_err_new(NT_E_FAIL, "out of memory");
		return -1;
	}
	fflush(NULL);
	p->perf = fork();
	if (p->perf == 0) {
		int fd = open(p->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		pid_t parent = getppid();

		setpgid(0, 0); /* the terminal's Ctrl-C is ours to pass on, after the command */
		prctl(PR_SET_PDEATHSIG, SIGINT);
		if (getppid() != parent)
			_exit(126);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		/* the control pipe ends perf uses survive exec; so does a write end of the
		 * control pipe: if nettrail dies, perf sees no hang-up there (perf 6.1 then
		 * quits without its header) but only the SIGINT below, and finishes its file */
		fcntl(p->ctl[0], F_SETFD, 0);
		fcntl(p->ack[1], F_SETFD, 0);
		fcntl(p->ctl[1], F_SETFD, 0);
		execvp(a[0], a);
		e = errno;
		if (write(st[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	argv_free(a);
	close(st[1]);
	if (p->perf < 0) {
		close(st[0]);
		p->err = nt_err_errno(NT_E_FAIL, errno, "cannot start perf");
		return -1;
	}
	close(p->ctl[0]);
	close(p->ack[1]);
	p->ctl[0] = p->ack[1] = -1;
	if (read(st[0], &e, sizeof(e)) == sizeof(e)) {
		close(st[0]);
		waitpid(p->perf, NULL, 0);
		p->perf = -1;
		p->err = nt_err_errno(NT_E_FAIL, e, "cannot run perf");
		nt_err_hint(p->err, "install linux-perf");
		return -1;
	}
	close(st[0]);
	return 0;
}

/* Wait for perf to exit (@timeout seconds); true when it did. */
static bool perf_wait(struct prec *p, double timeout)
{
	double t0 = nt_sys_now();

	while (p->perf > 0) {
		pid_t r = waitpid(p->perf, &p->perf_status, WNOHANG);
		if (r == p->perf || (r < 0 && errno == ECHILD)) {
			p->perf = -1;
			return true;
		}
		if (nt_sys_now() - t0 > timeout)
			return false;
		poll(NULL, 0, 20);
	}
	return true;
}

/* Enable the events and wait for perf's "ack": from then on, everything is recorded. */
static int enable_perf(struct prec *p)
{
	double t0 = nt_sys_now();
	char buf[64];
	size_t got = 0;

	if (write(p->ctl[1], "enable\n", 7) != 7) {
		p->err = nt_err_errno(NT_E_FAIL, errno, "cannot enable perf's events");
		return -1;
	}
	while (got < 4 || memcmp(buf, "ack\n", 4)) {
		struct pollfd pfd = {.fd = p->ack[0], .events = POLLIN};
		ssize_t n;

		if (nt_interrupted) {
			p->err = nt_err_new(NT_E_INTR, "interrupted while perf was starting");
			return -1;
		}
		if (nt_sys_now() - t0 > START_TIMEOUT_S) {
			p->err = nt_err_new(NT_E_FAIL, "perf did not start within %.0f s: %s",
					    START_TIMEOUT_S, log_tail(p));
			return -1;
		}
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		n = read(p->ack[0], buf + got, sizeof(buf) - got);
		if (n <= 0) {
			perf_wait(p, 5);
			p->err = nt_err_new(NT_E_FAIL, "perf record failed: %s", log_tail(p));
			return -1;
		}
		got += (size_t)n;
		if (got >= sizeof(buf))
			got = 0;
	}
	return 0;
}

/* SIGINT, as Ctrl-C would: perf writes its header and exits. */
static int stop_perf(struct prec *p)
{
	if (p->perf <= 0)
		return 0;
	kill(p->perf, SIGINT);
	if (perf_wait(p, STOP_TIMEOUT_S))
		return 0;
	kill(p->perf, SIGKILL);
	perf_wait(p, 10);
	if (!p->err)
		p->err = nt_err_new(NT_E_FAIL, "perf did not stop within %.0f s after SIGINT",
				    STOP_TIMEOUT_S);
	return -1;
}

/* ---- the whole capture ---- */

/* Each turn of the capture: perf must still run. */
static int tick(void *ctx)
{
	struct prec *p = ctx;

	if (p->perf > 0 && waitpid(p->perf, &p->perf_status, WNOHANG) == p->perf) {
		p->perf = -1;
		p->err = nt_err_new(NT_E_FAIL, "perf record stopped early: %s", log_tail(p));
		return -1;
	}
	return 0;
}

static uint64_t written(void *ctx)
{
	struct stat s;

	return stat(((struct prec *)ctx)->tmp, &s) ? 0 : (uint64_t)s.st_size;
}

static int check_opts(struct prec *p)
{
	if (geteuid() != 0) {
		p->err = nt_err_new(NT_E_FAIL, "recording needs root: system-wide perf tracepoints "
					       "can only be recorded by root");
		nt_err_hint(p->err, "run it as root, e.g. sudo nettrail record ...");
		return -1;
	}
	if (p->o->ngraph || p->o->nprofile_funcs) {
		p->err = nt_err_new(NT_E_USAGE,
				    "--graph and --profile need the ftrace backend, not perf");
		return -1;
	}
	return 0;
}

static int capture(struct prec *p, struct nt_record_result *res)
{
	const struct nt_record_opts *o = p->o;
	struct nt_capture cap = {.o = o,
				 .child = &p->child,
				 .stage = "recording with perf",
				 .what = "written",
				 .tick = tick,
				 .bytes = written,
				 .ctx = p};
	const char *clk;

	if (check_opts(p))
		return -1;
	nt_record_sweep(o->output, &res->swept);
	if (resolve_events(p) || check_perf(p))
		return -1;
	if (!(clk = clock_id(o->clock, &p->err)))
		return -1;
	p->tmp = nt_tmpfile_path(o->output, NULL);
	p->log = nt_tmpfile_path(o->output, "perf-log");
	if (!p->tmp || !p->log) {
		p->err = nt_err_new(NT_E_FAIL, "out of memory");
		return -1;
	}
	if (start_perf(p, clk) || (o->argv && nt_child_start(&p->child, o->argv, &p->err)) ||
	    enable_perf(p))
		return -1;
	if (nt_child_capture(&cap, &p->err))
		return -1;
	/* a signal that ended the capture is spent; another one aborts the rest (exit 4) */
	res->stopped_by_signal = nt_interrupted;
	nt_interrupted = 0;
	if (stop_perf(p))
		return -1;
	nt_child_capture_done(&cap);
	if (!(WIFEXITED(p->perf_status) && !WEXITSTATUS(p->perf_status)) &&
	    !(WIFSIGNALED(p->perf_status) && WTERMSIG(p->perf_status) == SIGINT)) {
		p->err = nt_err_new(NT_E_FAIL, "perf record failed: %s", log_tail(p));
		return -1;
	}
	return 0;
}

/*
 * Copy /proc/kallsyms to @out.kallsyms (through a temporary file) so the stacks of the
 * --profile-cpu samples and the %pS fields (drop locations, call sites) can be symbolised
 * later, on another machine or kernel (analyze/ksyms.c): perf.data carries no symbols. Run as root while the capture's kernel runs, so addresses are real.
 */
static int save_kallsyms(const char *out, struct nt_err **err)
{
	char *dst = NULL, *tmp = NULL, buf[65536];
	FILE *in = NULL, *o = NULL;
	size_t n;
	int rc = -1;

	if (asprintf(&dst, "%s.kallsyms", out) < 0 || !(tmp = nt_tmpfile_path(out, "kallsyms"))) {
		nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
		goto out;
	}
	in = fopen("/proc/kallsyms", "r");
	if (!in) {
		nt_err_set(err, nt_err_errno(NT_E_FAIL, errno, "cannot read /proc/kallsyms"));
		goto out;
	}
	o = fopen(tmp, "w");
	if (!o) {
		nt_err_set(err, nt_err_errno(NT_E_FAIL, errno, "cannot write '%s'", tmp));
		goto out;
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, o) != n)
			break;
	if (ferror(in) || fclose(o)) {
		o = NULL;
		nt_err_set(err, nt_err_errno(NT_E_FAIL, errno, "cannot write '%s'", tmp));
		goto out;
	}
	o = NULL;
	if (rename(tmp, dst)) {
		nt_err_set(err, nt_err_errno(NT_E_FAIL, errno, "cannot write '%s'", dst));
		goto out;
	}
	rc = 0;
out:
	if (o)
		fclose(o);
	if (in)
		fclose(in);
	if (rc && tmp)
		unlink(tmp);
	free(dst);
	free(tmp);
	return rc;
}

/*
 * perf has stopped: count its lost samples, save kallsyms (perf.data carries no kernel symbols:
 * the drop locations and the profile need them), put the perf.data in
 * place. A signal until then aborts (nothing kept).
 */
static int finish(struct prec *p, struct nt_record_result *res)
{
	const char *out = p->o->output;
	char *ksyms = NULL;

	nt_test_pause("perf-finish", &nt_interrupted);
	res->ncpus = (int)sysconf(_SC_NPROCESSORS_CONF);
	res->lost = calloc((size_t)res->ncpus, sizeof(*res->lost));
	if (!res->lost || asprintf(&ksyms, "%s.kallsyms", out) < 0) {
		p->err = nt_err_new(NT_E_FAIL, "out of memory");
		return -1;
	}
	if (nt_perfdata_count_lost(p->tmp, res->lost, res->ncpus, &res->lost_total, &p->err) ||
	    save_kallsyms(out, &p->err)) {
		free(ksyms);
		return -1;
	}
	if (nt_interrupted)
		p->err = nt_err_new(NT_E_INTR, "interrupted while finishing '%s': nothing was kept",
				    out);
	else if (rename(p->tmp, out))
		p->err = nt_err_errno(NT_E_FAIL, errno, "cannot write '%s'", out);
	if (p->err)
		unlink(ksyms);
	free(ksyms);
	return p->err ? -1 : 0;
}

int nt_perf_record(const struct nt_record_opts *o, unsigned profile_hz,
		   struct nt_record_result *res, struct nt_err **err)
{
	struct prec p = {.o = o, .hz = profile_hz, .perf = -1, .child = NT_CHILD_NONE};
	struct stat s;
	int ret = -1;

	memset(res, 0, sizeof(*res));
	res->cmd_status = -1;
	p.ctl[0] = p.ctl[1] = p.ack[0] = p.ack[1] = -1;
	if (capture(&p, res))
		goto out;
	nt_child_stop(&p.child);
	if (finish(&p, res))
		goto out;
	res->bytes = stat(o->output, &s) ? 0 : (uint64_t)s.st_size;
	res->nevents = p.nev + (profile_hz ? 1 : 0);
	ret = 0;
out:
	if (p.perf > 0)
		stop_perf(&p);
	nt_child_stop(&p.child);
	for (int i = 0; i < 2; i++) {
		if (p.ctl[i] >= 0)
			close(p.ctl[i]);
		if (p.ack[i] >= 0)
			close(p.ack[i]);
	}
	if (p.tmp)
		unlink(p.tmp);
	if (p.log)
		unlink(p.log);
	free(p.tmp);
	free(p.log);
	nt_evnames_free(p.ev, p.nev);
	return nt_child_record_end(ret, &p.child, res, p.err, err);
}
