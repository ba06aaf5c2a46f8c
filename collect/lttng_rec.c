/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nettrail record, LTTng backend: a kernel session of our own made through liblttng-ctl (never
 * the lttng CLI), in a root lttng-sessiond we find or start (and then stop), written to
 * DIR.nettrail-tmp and renamed to DIR once the session is stopped and destroyed.
 */
#include "lttng_rec.h"
#include "child.h"
#include "evnames.h"
#include "../parse/ctf.h"
#include "../core/sys.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <lttng/lttng.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SESSIOND_START_TIMEOUT_S 30.0
#define SESSIOND_STOP_TIMEOUT_S	 15.0
#define SESSIOND_READY_WAIT_S	 5.0

struct lrec {
	const struct nt_record_opts *o;
	char **ev; /* owned: LTTng event names to enable */
	int nev;
	char *out;	/* owned: absolute path of o->output */
	char *tmp;	/* owned: the session's output until it is complete */
	int log;	/* owned: our lttng-sessiond's stdout and stderr (a memfd), or -1 */
	char name[64];	/* the session */
	bool session;	/* our session exists */
	pid_t sessiond; /* the lttng-sessiond we started, or -1 */
	struct lttng_domain dom;
	struct lttng_handle *h; /* owned: our session, kernel domain */
	struct nt_child child;	/* the command */
	double checked;		/* when the session was last seen alive */
	struct nt_err *err;
};

/* liblttng-ctl's message for a return code (negative, or a positive enum lttng_error_code) */
static const char *lerr(int rc)
{
	return lttng_strerror(rc < 0 ? rc : -rc);
}

static int oom(struct lrec *p)
{
	p->err = nt_err_new(NT_E_FAIL, "out of memory");
	return -1;
}

static int intr(struct lrec *p, const char *what)
{
	p->err = nt_err_new(NT_E_INTR, "interrupted %s", what);
	return -1;
}

/* ---- files ---- */

static int rm_one(const char *path, const struct stat *s, int flag, struct FTW *f)
{
	return remove(path) && errno != ENOENT ? -1 : 0;
}

/* rm -rf @path (no symlink is followed). */
static void rm_tree(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static uint64_t du_bytes;

static int du_one(const char *path, const struct stat *s, int flag, struct FTW *f)
{
	if (flag == FTW_F)
		du_bytes += (uint64_t)s->st_size;
	return 0;
}

static uint64_t du(const char *path)
{
	du_bytes = 0;
	nftw(path, du_one, 16, FTW_PHYS);
	return du_bytes;
}

static bool dir_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	bool empty = d != NULL;

	while (empty && (e = readdir(d)))
		empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
	if (d)
		closedir(d);
	return empty;
}

/* The output: absent or an empty directory, in a directory that exists. Absolute paths, as
 * lttng-sessiond wants them. A temporary directory left by a killed run is removed. */
static int prepare_output(struct lrec *p)
{
	const char *o = p->o->output;
	char *a = strdup(o), *b = strdup(o), *parent = NULL;
	struct stat s;
	int ret = -1;

	if (!a || !b)
		goto oom;
	if (!*o || !strcmp(basename(b), ".") || !strcmp(basename(b), "..") ||
	    !strcmp(basename(b), "/")) {
		p->err = nt_err_new(NT_E_USAGE, "'%s' cannot be the output directory", o);
		goto out;
	}
	if (!stat(o, &s)) {
		if (!S_ISDIR(s.st_mode) || !dir_empty(o)) {
			p->err = nt_err_new(NT_E_USAGE, "'%s' exists and is not an empty directory",
					    o);
			nt_err_hint(p->err, "the LTTng backend writes a directory (CTF): choose a "
					    "new or empty one with -o");
			goto out;
		}
	}
	parent = realpath(dirname(a), NULL);
	if (!parent) {
		p->err = nt_err_errno(NT_E_FAIL, errno, "cannot write '%s'", o);
		goto out;
	}
	if (asprintf(&p->out, "%s/%s", strcmp(parent, "/") ? parent : "", basename(b)) < 0 ||
	    asprintf(&p->tmp, "%s.nettrail-tmp", p->out) < 0)
		goto oom;
	if (access(parent, W_OK)) {
		p->err = nt_err_errno(NT_E_FAIL, errno, "cannot write '%s'", o);
		goto out;
	}
	rm_tree(p->tmp);
	ret = 0;
	goto out;
oom:
	oom(p);
out:
	free(a);
	free(b);
	free(parent);
	return ret;
}

/* ---- events: kernel names, mapped through the importer's LTTng table (parse/ctf_names.c) ---- */

static void split_spec(const char *spec, char *sys, size_t nsys, char *ev, size_t nev)
{
	const char *colon = strchr(spec, ':');

	snprintf(sys, nsys, "%.*s", colon ? (int)(colon - spec) : (int)strlen(spec), spec);
	snprintf(ev, nev, "%s", colon && colon[1] ? colon + 1 : "*");
}

static int count_name(const char *lttng, void *arg)
{
	return 0;
}

/* Whether the table gives @spec an LTTng name at all (no lttng-sessiond needed). */
static bool spec_mappable(const char *spec)
{
	char sys[256], ev[256];

	split_spec(spec, sys, sizeof(sys), ev, sizeof(ev));
	if (!*sys)
		return false;
	if (strpbrk(sys, "*?[") || strpbrk(ev, "*?["))
		return nt_ctf_lttng_system(sys);
	return nt_ctf_lttng_names(sys, ev, count_name, NULL) > 0;
}

static int check_specs(struct lrec *p)
{
	for (int i = 0; p->o->events && i < p->o->nevents; i++) {
		if (spec_mappable(p->o->events[i]))
			continue;
		p->err = nt_err_new(NT_E_USAGE,
				    "unknown event '%s': LTTng's kernel tracer has no such event",
				    p->o->events[i]);
		nt_err_hint(p->err,
			    "the LTTng backend records irq, net, napi, skb, sock, udp, kmem "
			    "and the other systems of docs/LTTNG.md; for other events use "
			    "--backend ftrace or perf");
		return -1;
	}
	return 0;
}

static int ev_add(struct lrec *p, const char *name)
{
	for (int i = 0; i < p->nev; i++)
		if (!strcmp(p->ev[i], name))
			return 0;
	return nt_evnames_push(&p->ev, &p->nev, strdup(name));
}

static bool kernel_tracer_missing(int rc)
{
	int c = rc < 0 ? -rc : rc;

	return c == LTTNG_ERR_KERN_NA || c == LTTNG_ERR_KERN_VERSION ||
	       c == LTTNG_ERR_NO_KERNCONSUMERD || c == LTTNG_ERR_KERN_LIST_FAIL;
}

static int kernel_tracer_error(struct lrec *p, const char *doing, int rc);

/*
 * A command of the kernel domain failed with @rc: the kernel tracer is missing when the code
 * says so, or when the listing says so (lttng-sessiond 2.13 without the kernel tracer may also
 * drop the connection on a kernel channel: LTTNG_ERR_FATAL). Sets p->err; returns -1.
 */
static int kernel_failed(struct lrec *p, const char *doing, int rc)
{
	struct lttng_handle *lh = lttng_create_handle(NULL, &p->dom);
	struct lttng_event *tp = NULL;
	int n = 0;

	if (!kernel_tracer_missing(rc) && lh) {
		n = lttng_list_tracepoints(lh, &tp);
		free(tp);
	}
	if (lh)
		lttng_destroy_handle(lh);
	if (kernel_tracer_missing(rc) || kernel_tracer_missing(n))
		return kernel_tracer_error(p, doing, kernel_tracer_missing(rc) ? rc : n);
	p->err = nt_err_new(NT_E_FAIL, "cannot %s: %s", doing, lerr(rc));
	return -1;
}

static int kernel_tracer_error(struct lrec *p, const char *doing, int rc)
{
	struct utsname u;

	if (uname(&u))
		snprintf(u.release, sizeof(u.release), "?");
	p->err = nt_err_new(NT_E_FAIL,
			    "the LTTng kernel tracer is not available (cannot %s: %s): "
			    "lttng-sessiond could not load the lttng-modules for this kernel",
			    doing, lerr(rc));
	nt_err_hint(p->err,
		    "install lttng-modules-dkms for the running kernel (%s) and check that "
		    "'modprobe lttng-tracer' works, or record in the lab VM with 'nettrail vm "
		    "record --backend lttng', or use --backend ftrace",
		    u.release);
	return -1;
}

static bool nonempty(const char *s)
{
	return s && *s;
}

static int add_name(const char *lttng, void *arg)
{
	return ev_add(arg, lttng) ? -1 : 0;
}

/*
 * For the tests only (NT_TEST_LTTNG_UNLISTED set, on a machine without lttng-modules): every
 * LTTng name the table gives the exact -e names, unchecked, so that the session is made and
 * the kernel domain's refusal comes later, as it would from an older lttng-sessiond.
 */
static int table_events(struct lrec *p)
{
	char sys[256], ev[256];

	for (int i = 0; p->o->events && i < p->o->nevents; i++) {
		split_spec(p->o->events[i], sys, sizeof(sys), ev, sizeof(ev));
		if (nt_ctf_lttng_names(sys, ev, add_name, p) < 0)
			return oom(p);
	}
	return p->nev ? 0
		      : kernel_tracer_error(p, "list the LTTng kernel events", -LTTNG_ERR_KERN_NA);
}

/* Expand every spec against the tracepoints of the running lttng-modules. */
static int resolve_events(struct lrec *p)
{
	const char *const *list = p->o->events ? p->o->events : nt_record_preset;
	int n = p->o->events ? p->o->nevents : -1;
	struct lttng_handle *lh = lttng_create_handle(NULL, &p->dom);
	struct lttng_event *tp = NULL;
	int ntp;

	if (!lh)
		return oom(p);
	ntp = lttng_list_tracepoints(lh, &tp);
	lttng_destroy_handle(lh);
	if (ntp < 0 && kernel_tracer_missing(ntp) && nonempty(getenv("NT_TEST_LTTNG_UNLISTED")))
		return table_events(p); /* tests: reach the session without lttng-modules */
	if (ntp < 0) {
		if (kernel_tracer_missing(ntp))
			return kernel_tracer_error(p, "list the LTTng kernel events", ntp);
		p->err = nt_err_new(NT_E_FAIL, "cannot list LTTng's kernel events: %s", lerr(ntp));
		return -1;
	}
	if (!p->o->events && p->o->ngraph)
		n = 0; /* --graph without -e: the functions only, as with ftrace */
	for (int i = 0; n < 0 ? list[i] != NULL : i < n; i++) {
		char sys[256], ev[256], s[256], e[256];
		int got = 0;

		if (!p->o->events && !spec_mappable(list[i]))
			continue; /* a preset system LTTng does not provide (tcp) */
		split_spec(list[i], sys, sizeof(sys), ev, sizeof(ev));
		for (int j = 0; j < ntp; j++) {
			if (tp[j].type != LTTNG_EVENT_TRACEPOINT)
				continue;
			nt_ctf_canonical(tp[j].name, false, s, sizeof(s), e, sizeof(e));
			if (fnmatch(sys, s, 0) || fnmatch(ev, e, 0))
				continue;
			if (ev_add(p, tp[j].name)) {
				free(tp);
				return oom(p);
			}
			got++;
		}
		if (!got && p->o->events) {
			p->err = nt_err_new(NT_E_USAGE,
					    "unknown event '%s': the running lttng-modules has no "
					    "such event",
					    list[i]);
			nt_err_hint(p->err, "'lttng list -k' lists the events it has");
			free(tp);
			return -1;
		}
	}
	free(tp);
	if (!p->nev && !p->o->ngraph) {
		p->err =
			nt_err_new(NT_E_INPUT,
				   "none of the preset events exists in the running lttng-modules");
		return -1;
	}
	return 0;
}

/* ---- lttng-sessiond ---- */

/* Our lttng-sessiond's last non-empty log line, for error messages (static buffer). */
static const char *log_tail(const struct lrec *p)
{
	static char buf[4096];
	struct stat st;
	off_t at;
	ssize_t n = 0;
	char *end, *line;

	buf[0] = '\0';
	if (p->log >= 0 && !fstat(p->log, &st)) {
		at = st.st_size > (off_t)sizeof(buf) - 1 ? st.st_size - (off_t)sizeof(buf) + 1 : 0;
		n = pread(p->log, buf, sizeof(buf) - 1, at);
	}
	buf[n > 0 ? n : 0] = '\0';
	end = buf + strlen(buf);
	while (end > buf && (end[-1] == '\n' || end[-1] == ' '))
		*--end = '\0';
	line = strrchr(buf, '\n');
	line = line ? line + 1 : buf;
	return *line ? line : "no message";
}

static bool sessiond_exited(struct lrec *p, int *status)
{
	if (p->sessiond <= 0)
		return false;
	if (waitpid(p->sessiond, status, WNOHANG) != p->sessiond)
		return false;
	p->sessiond = -1;
	return true;
}

static void exec_sessiond(int fd)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
	}
	if (null >= 0)
		dup2(null, 0);
	if (chdir("/"))
		_exit(127);
	execlp("lttng-sessiond", "lttng-sessiond", (char *)NULL);
	if (errno == ENOENT)
		execl("/usr/bin/lttng-sessiond", "lttng-sessiond", (char *)NULL);
}

/* Start a root lttng-sessiond of our own, in the foreground of its own process group (the
 * terminal's Ctrl-C is ours to handle), and wait until it answers. */
static int start_sessiond(struct lrec *p)
{
	double t0 = nt_sys_now();
	int st[2], e = 0, status;

	/* its log is a memory file: nothing on disk, even if we are killed */
	p->log = memfd_create("lttng-sessiond-log", MFD_CLOEXEC);
	if (p->log < 0 || pipe2(st, O_CLOEXEC))
		return p->err = nt_err_errno(NT_E_FAIL, errno, "cannot start lttng-sessiond"), -1;
	fflush(NULL);
	p->sessiond = fork();
	if (p->sessiond == 0) {
		pid_t parent = getppid();

		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGTERM); /* nettrail killed: it goes too */
		if (getppid() != parent)
			_exit(126);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		close(st[0]);
		exec_sessiond(p->log);
		e = errno;
		if (write(st[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(st[1]);
	if (p->sessiond < 0) {
		close(st[0]);
		p->sessiond = -1;
		return p->err = nt_err_errno(NT_E_FAIL, errno, "cannot start lttng-sessiond"), -1;
	}
	if (read(st[0], &e, sizeof(e)) == sizeof(e)) {
		close(st[0]);
		waitpid(p->sessiond, NULL, 0);
		p->sessiond = -1;
		p->err = nt_err_errno(NT_E_FAIL, e, "cannot run lttng-sessiond");
		nt_err_hint(p->err, "install lttng-tools");
		return -1;
	}
	close(st[0]);
	while (lttng_session_daemon_alive() != 1) {
		if (sessiond_exited(p, &status)) {
			if (lttng_session_daemon_alive() == 1)
				return 0; /* another one won the race: use it, it is not ours */
			p->err = nt_err_new(NT_E_FAIL, "lttng-sessiond exited at start: %s",
					    log_tail(p));
			return -1;
		}
		if (nt_interrupted)
			return intr(p, "while lttng-sessiond was starting");
		if (nt_sys_now() - t0 > SESSIOND_START_TIMEOUT_S) {
			p->err = nt_err_new(NT_E_FAIL,
					    "lttng-sessiond did not start within %.0f s: %s",
					    SESSIOND_START_TIMEOUT_S, log_tail(p));
			return -1;
		}
		poll(NULL, 0, 20);
	}
	return 0;
}

/* Stop the lttng-sessiond we started (SIGTERM, as its init script does; SIGKILL if stuck). */
static void stop_sessiond(struct lrec *p)
{
	double t0 = nt_sys_now();
	int status;

	if (p->sessiond <= 0)
		return;
	/* one stopped while it starts ignores SIGTERM until it is up (measured: a 15 s wait,
	 * then SIGKILL); starting takes well under a second here */
	while (lttng_session_daemon_alive() != 1 && !sessiond_exited(p, &status) &&
	       nt_sys_now() - t0 < SESSIOND_READY_WAIT_S)
		poll(NULL, 0, 20);
	if (p->sessiond <= 0)
		return;
	t0 = nt_sys_now();
	kill(p->sessiond, SIGTERM);
	while (!sessiond_exited(p, &status)) {
		if (nt_sys_now() - t0 > SESSIOND_STOP_TIMEOUT_S) {
			kill(p->sessiond, SIGKILL);
			waitpid(p->sessiond, NULL, 0);
			p->sessiond = -1;
			break;
		}
		poll(NULL, 0, 20);
	}
}

static int ensure_sessiond(struct lrec *p)
{
	int alive = lttng_session_daemon_alive();

	if (alive == 1)
		return 0;
	return start_sessiond(p);
}

/* ---- the session ---- */

static int create_session(struct lrec *p)
{
	struct lttng_session_descriptor *d;
	uint32_t rnd = 0;
	int rc;

	if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
		rnd = (uint32_t)nt_sys_now() ^ (uint32_t)getpid() << 16;
	snprintf(p->name, sizeof(p->name), "nettrail-%d-%08x", (int)getpid(), rnd);
	d = lttng_session_descriptor_local_create(p->name, p->tmp);
	if (!d)
		return oom(p);
	rc = lttng_create_session_ext(d);
	lttng_session_descriptor_destroy(d);
	if (rc == LTTNG_ERR_EXIST_SESS) {
		p->err = nt_err_new(NT_E_FAIL, "an LTTng session named '%s' exists already",
				    p->name);
		nt_err_hint(p->err, "it is not ours and was left alone; run again (the name is "
				    "random)");
		return -1;
	}
	if (rc != LTTNG_OK) {
		p->err = nt_err_new(NT_E_FAIL, "cannot create the LTTng session '%s': %s", p->name,
				    lerr(rc));
		return -1;
	}
	p->session = true;
	p->h = lttng_create_handle(p->name, &p->dom);
	return p->h ? 0 : oom(p);
}

static uint64_t pow2_at_least(uint64_t v)
{
	uint64_t x = 1;

	while (x < v && x < (1ull << 40))
		x <<= 1;
	return x;
}

/* One kernel channel, discard mode, -b KB per cpu as 8 sub-buffers (at least a page each). */
static int make_channel(struct lrec *p)
{
	uint64_t bytes =
		(uint64_t)(p->o->buffer_kb ? p->o->buffer_kb : NT_LTTNG_DEFAULT_BUFFER_KB) * 1024;
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	struct lttng_channel *ch = lttng_channel_create(&p->dom);
	int rc;

	if (!ch)
		return oom(p);
	snprintf(ch->name, sizeof(ch->name), "%s", NT_LTTNG_CHANNEL);
	ch->attr.overwrite = 0;
	ch->attr.subbuf_size = pow2_at_least(bytes / 8 > page ? bytes / 8 : page);
	ch->attr.num_subbuf = pow2_at_least(bytes / ch->attr.subbuf_size);
	if (ch->attr.num_subbuf < 2)
		ch->attr.num_subbuf = 2;
	rc = lttng_enable_channel(p->h, ch);
	lttng_channel_destroy(ch);
	if (rc < 0)
		return kernel_failed(p, "make the LTTng kernel channel", rc);
	return 0;
}

/* The thread id and the command name on every event: the importer's pid and comm. */
static int add_contexts(struct lrec *p)
{
	static const enum lttng_event_context_type ctx[] = {LTTNG_EVENT_CONTEXT_TID,
							    LTTNG_EVENT_CONTEXT_PROCNAME};

	for (size_t i = 0; i < sizeof(ctx) / sizeof(ctx[0]); i++) {
		struct lttng_event_context c;
		int rc;

		memset(&c, 0, sizeof(c));
		c.ctx = ctx[i];
		rc = lttng_add_context(p->h, &c, NULL, NT_LTTNG_CHANNEL);
		if (rc < 0)
			return kernel_failed(
				p, i ? "add the procname context" : "add the tid context", rc);
	}
	return 0;
}

static int enable_events(struct lrec *p)
{
	for (int i = 0; i < p->nev; i++) {
		struct lttng_event *e = lttng_event_create();
		int rc;

		if (!e)
			return oom(p);
		e->type = LTTNG_EVENT_TRACEPOINT;
		e->loglevel_type = LTTNG_EVENT_LOGLEVEL_ALL;
		snprintf(e->name, sizeof(e->name), "%s", p->ev[i]);
		rc = lttng_enable_event_with_exclusions(p->h, e, NT_LTTNG_CHANNEL, NULL, 0, NULL);
		lttng_event_destroy(e);
		if (rc < 0) {
			char what[LTTNG_SYMBOL_NAME_LEN + 32];

			snprintf(what, sizeof(what), "enable the LTTng event '%s'", p->ev[i]);
			return kernel_failed(p, what, rc);
		}
		if (nt_interrupted)
			return intr(p, "before the capture started");
	}
	return 0;
}

/* Whether our session is still listed (someone may destroy it, or the daemon may die). */
static bool session_listed(struct lrec *p)
{
	struct lttng_session *s = NULL;
	int n = lttng_list_sessions(&s);
	bool found = false;

	for (int i = 0; i < n; i++)
		found = found || !strcmp(s[i].name, p->name);
	free(s);
	return found;
}

/* The channel's discarded events (lttng_channel_get_discarded_event_count). */
static int count_lost(struct lrec *p, uint64_t *total)
{
	struct lttng_channel *ch = NULL;
	int n = lttng_list_channels(p->h, &ch);

	if (n < 0) {
		p->err = nt_err_new(NT_E_FAIL, "cannot read the LTTng channel's statistics: %s",
				    lerr(n));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		uint64_t d = 0;
		int rc;

		if (strcmp(ch[i].name, NT_LTTNG_CHANNEL))
			continue;
		rc = lttng_channel_get_discarded_event_count(&ch[i], &d);
		if (rc < 0) {
			free(ch);
			p->err = nt_err_new(NT_E_FAIL, "cannot read the discarded events: %s",
					    lerr(rc));
			return -1;
		}
		*total += d;
	}
	free(ch);
	return 0;
}

/* Destroy our session (waits until its data is on disk). */
static int destroy_session(struct lrec *p)
{
	int rc;

	if (!p->session)
		return 0;
	rc = lttng_destroy_session(p->name);
	if (rc < 0 && -rc != LTTNG_ERR_SESS_NOT_FOUND && -rc != LTTNG_ERR_NO_SESSION) {
		if (!p->err)
			p->err = nt_err_new(NT_E_FAIL, "cannot destroy the LTTng session '%s': %s",
					    p->name, lerr(rc));
		return -1;
	}
	p->session = false;
	return 0;
}

/* ---- --graph: one kretprobe per function (LTTNG_EVENT_FUNCTION) ---- */

/* The longest function name: lttng-modules names the events NAME_entry and NAME_exit. */
#define MAX_FUNC_LEN (LTTNG_SYMBOL_NAME_LEN - 1 - (int)sizeof("_entry"))

/*
 * --graph names functions one by one: a kretprobe is placed on one symbol, so globs cannot be
 * expanded by the kernel (as set_graph_function does for ftrace). Usage errors (exit 2).
 */
static int check_graph(struct lrec *p)
{
	for (int i = 0; p->o->graph && i < p->o->ngraph; i++) {
		const char *f = p->o->graph[i];

		if (strpbrk(f, "*?[")) {
			p->err = nt_err_new(NT_E_USAGE,
					    "--graph '%s': --backend lttng traces functions "
					    "with kretprobes, one per function: no globs",
					    f);
			nt_err_hint(p->err, "name each function (--graph udp_sendmsg,udp_recvmsg), "
					    "or use --backend ftrace for patterns");
			return -1;
		}
		if (!*f || strlen(f) > MAX_FUNC_LEN ||
		    strspn(f, "abcdefghijklmnopqrstuvwxyz"
			      "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			      "0123456789_.") != strlen(f)) {
			p->err = nt_err_new(NT_E_USAGE, "--graph '%s' is not a function name", f);
			return -1;
		}
	}
	return 0;
}

/*
 * Every --graph function must be a text symbol of /proc/kallsyms (the kernel's or a loaded
 * module's): lttng-sessiond only says "enable kernel event failed" for a missing one. When
 * kallsyms cannot be read, the kernel's refusal is reported instead (enable_functions).
 */
static int check_functions(struct lrec *p)
{
	FILE *f;
	char line[512], type, name[512];
	bool *found;
	int ret = 0;

	if (!p->o->ngraph || !(f = fopen("/proc/kallsyms", "re")))
		return 0;
	found = calloc((size_t)p->o->ngraph, sizeof(*found));
	if (!found) {
		fclose(f);
		return oom(p);
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %c %511s", &type, name) != 2 || (type != 't' && type != 'T'))
			continue;
		for (int i = 0; i < p->o->ngraph; i++)
			found[i] = found[i] || !strcmp(name, p->o->graph[i]);
	}
	fclose(f);
	for (int i = 0; i < p->o->ngraph; i++) {
		if (found[i])
			continue;
		p->err = nt_err_new(NT_E_INPUT,
				    "unknown function '%s': the running kernel has no such "
				    "function (not a text symbol of /proc/kallsyms)",
				    p->o->graph[i]);
		nt_err_hint(p->err,
			    "grep ' %s$' /proc/kallsyms; an inlined function has no "
			    "symbol and cannot be probed",
			    p->o->graph[i]);
		ret = -1;
		break;
	}
	free(found);
	return ret;
}

/* One LTTng kretprobe event per --graph function, named after it: lttng-modules records
 * NAME_entry and NAME_exit events (payload ip, parent_ip) that the importer pairs. */
static int enable_functions(struct lrec *p)
{
	for (int i = 0; p->o->graph && i < p->o->ngraph; i++) {
		const char *fn = p->o->graph[i];
		struct lttng_event *e;
		bool dup = false;
		int rc;

		for (int j = 0; j < i; j++)
			dup = dup || !strcmp(p->o->graph[j], fn);
		if (dup)
			continue; /* named twice: one kretprobe */
		if (!(e = lttng_event_create()))
			return oom(p);
		e->type = LTTNG_EVENT_FUNCTION;
		e->loglevel_type = LTTNG_EVENT_LOGLEVEL_ALL;
		snprintf(e->name, sizeof(e->name), "%s", fn);
		snprintf(e->attr.probe.symbol_name, sizeof(e->attr.probe.symbol_name), "%s", fn);
		rc = lttng_enable_event_with_exclusions(p->h, e, NT_LTTNG_CHANNEL, NULL, 0, NULL);
		lttng_event_destroy(e);
		if (rc < 0 &&
		    (-rc == LTTNG_ERR_KERN_ENABLE_FAIL || -rc == LTTNG_ERR_KERN_EVENT_EXIST ||
		     -rc == LTTNG_ERR_KERN_EVENT_ENOSYS)) {
			p->err = nt_err_new(NT_E_INPUT, "cannot place a kretprobe on '%s': %s", fn,
					    lerr(rc));
			nt_err_hint(p->err,
				    "the function must exist and be probe-able: not inlined, not "
				    "notrace, not on the kprobe blacklist "
				    "(/sys/kernel/debug/kprobes/blacklist)");
			return -1;
		}
		if (rc < 0) {
			char what[LTTNG_SYMBOL_NAME_LEN + 48];

			snprintf(what, sizeof(what), "enable the LTTng kretprobe on '%s'", fn);
			return kernel_failed(p, what, rc);
		}
		if (nt_interrupted)
			return intr(p, "before the capture started");
	}
	return 0;
}

/* ---- the whole capture ---- */

static int check_opts(struct lrec *p)
{
	if (check_graph(p))
		return -1;
	if (geteuid() != 0) {
		p->err = nt_err_new(NT_E_FAIL, "recording needs root: LTTng's kernel tracer "
					       "is only available to a root lttng-sessiond");
		nt_err_hint(p->err, "run it as root, e.g. sudo nettrail record ...");
		return -1;
	}
	if (p->o->nnotrace || p->o->graph_depth || p->o->nprofile_funcs) {
		p->err = nt_err_new(NT_E_USAGE, "--notrace, --graph-depth and --profile need the "
						"ftrace backend, not lttng");
		return -1;
	}
	if (p->o->clock && strcmp(p->o->clock, "mono")) {
		p->err = nt_err_new(NT_E_USAGE, "clock '%s' cannot be used with --backend lttng",
				    p->o->clock);
		nt_err_hint(p->err, "LTTng's kernel tracer uses CLOCK_MONOTONIC (--clock mono)");
		return -1;
	}
	return 0;
}

/* Everything before the command runs; checks nt_interrupted between the steps. */
static int setup(struct lrec *p)
{
	if (check_opts(p) || check_specs(p) || check_functions(p) || prepare_output(p))
		return -1;
	if (ensure_sessiond(p))
		return -1;
	if (nt_interrupted)
		return intr(p, "before the capture started");
	if (resolve_events(p))
		return -1;
	if (nt_interrupted)
		return intr(p, "before the capture started");
	if (create_session(p) || make_channel(p) || add_contexts(p) || enable_events(p) ||
	    enable_functions(p))
		return -1;
	return 0;
}

/* Each turn of the capture: once a second, the session must still exist. */
static int tick(void *ctx)
{
	struct lrec *p = ctx;
	int st;

	if (nt_sys_now() - p->checked <= 1.0)
		return 0;
	p->checked = nt_sys_now();
	if (sessiond_exited(p, &st) || !session_listed(p)) {
		p->session = false; /* gone: nothing of ours to destroy */
		p->err = nt_err_new(NT_E_FAIL,
				    "the LTTng session '%s' ended during the capture "
				    "(lttng-sessiond stopped, or the session was destroyed)",
				    p->name);
		return -1;
	}
	return 0;
}

static uint64_t written(void *ctx)
{
	return du(((struct lrec *)ctx)->tmp);
}

static int run(struct lrec *p, struct nt_record_result *res)
{
	struct nt_capture cap = {.o = p->o,
				 .child = &p->child,
				 .stage = "recording with lttng",
				 .what = "written",
				 .tick = tick,
				 .bytes = written,
				 .ctx = p};
	int rc;

	if (p->o->argv && nt_child_start(&p->child, p->o->argv, &p->err))
		return -1;
	if (nt_interrupted)
		return intr(p, "before the capture started");
	rc = lttng_start_tracing(p->name);
	if (rc < 0)
		return kernel_failed(p, "start the LTTng session", rc);
	p->checked = nt_sys_now();
	if (nt_child_capture(&cap, &p->err))
		return -1;
	res->stopped_by_signal = nt_interrupted;
	/* waits until the consumer has written out every sub-buffer */
	rc = lttng_stop_tracing(p->name);
	if (rc < 0) {
		p->err = nt_err_new(NT_E_FAIL, "cannot stop the LTTng session: %s", lerr(rc));
		return -1;
	}
	nt_child_capture_done(&cap);
	return count_lost(p, &res->lost_total);
}

static void noop(int sig)
{
}

int nt_lttng_record(const struct nt_record_opts *o, struct nt_record_result *res,
		    struct nt_err **err)
{
	struct lrec p = {.o = o, .sessiond = -1, .child = NT_CHILD_NONE, .log = -1};
	struct sigaction pipe_sa = {.sa_handler = noop}, old_pipe;
	int ret = -1;

	memset(res, 0, sizeof(*res));
	res->cmd_status = -1;
	p.dom.type = LTTNG_DOMAIN_KERNEL;
	p.dom.buf_type = LTTNG_BUFFER_GLOBAL;
	/* a write to a closed lttng-sessiond socket must be an error, not our death; a handler
	 * (not SIG_IGN) so that the command and lttng-sessiond get the default back at exec */
	sigemptyset(&pipe_sa.sa_mask);
	sigaction(SIGPIPE, &pipe_sa, &old_pipe);
	if (setup(&p) || run(&p, res))
		goto out;
	nt_child_stop(&p.child);
	if (destroy_session(&p))
		goto out;
	res->ncpus = (int)sysconf(_SC_NPROCESSORS_CONF);
	res->lost = calloc((size_t)res->ncpus, sizeof(*res->lost));
	if (!res->lost) {
		p.err = nt_err_new(NT_E_FAIL, "out of memory");
		goto out;
	}
	if (rename(p.tmp, p.out)) { /* replaces an empty directory */
		p.err = nt_err_errno(NT_E_FAIL, errno, "cannot write '%s'", o->output);
		goto out;
	}
	res->bytes = du(p.out);
	res->nevents = p.nev + 2 * o->ngraph; /* a kretprobe is two events */
	ret = 0;
out:
	nt_child_stop(&p.child);
	destroy_session(&p);
	if (p.h)
		lttng_destroy_handle(p.h);
	stop_sessiond(&p);
	if (ret && p.tmp)
		rm_tree(p.tmp);
	if (p.log >= 0)
		close(p.log);
	sigaction(SIGPIPE, &old_pipe, NULL);
	free(p.out);
	free(p.tmp);
	nt_evnames_free(p.ev, p.nev);
	return nt_child_record_end(ret, &p.child, res, p.err, err);
}
