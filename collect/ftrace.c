/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nettrail record, ftrace backend: a private tracefs instance, raw pages spliced to one file
 * per CPU while tracing (no decoding on that path), a trace.dat assembled at the end.
 */
#include "ftrace.h"
#include "funcgraph_rec.h"
#include "hdrprobe.h"
#include "tracedat_write.h"
#include "child.h"
#include "../core/tmpfile.h"
#include "evnames.h"
#include "../core/sys.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <tracefs/tracefs.h>

const char *const nt_record_preset[] = {
	"skb",
	"net",
	"napi",
	"irq",
	"sock",
	"tcp",
	"udp",
	"icmp", /* icmp_send: the packet an ICMP error answers (flow identity of UDP drops) */
	"kmem:kmalloc",
	"kmem:kmalloc_node",
	"kmem:kfree",
	"kmem:kmem_cache_alloc",
	"kmem:kmem_cache_alloc_node",
	"kmem:kmem_cache_free",
	"kmem:mm_page_alloc",
	"kmem:mm_page_free",
	"sched:sched_process_fork", /* the workload's process tree (collect/workload.h) */
	"sched:sched_process_exit",
	NULL,
};

#define DEFAULT_BUFFER_KB 8192

struct sysev {
	char *name;
	char **events;
	int nevents;
};

struct rec {
	const struct nt_record_opts *o;
	const char *dir; /* the tracefs mount (= dir_owned) */
	char *dir_owned;
	struct tracefs_instance *inst; /* NULL in top-level mode */
	char inst_name[64];
	char *target;		  /* owned: the directory we trace in (instance, or the top) */
	bool top;		  /* top-level mode: function_graph, which instances lack here */
	struct nt_tfs_journal *j; /* every file changed outside our instance */
	struct sysev *sys;
	int nsys, nevents;
	int ncpus, page_size;
	int *rawfd;		   /* per cpu trace_pipe_raw */
	struct tracefs_cpu **tcpu; /* per cpu */
	int *outfd;
	char **outpath;
	char *head; /* owned: the trace.dat's head, written at the start (nettrail restore) */
	char **stats;
	char *clock;
	struct nt_child child;	 /* the command */
	struct nt_hdrprobe *hdr; /* --headers: our kprobes, removed at the end */
	uint64_t bytes;
	struct nt_err *err;
};

void nt_record_sweep(const char *output, struct nt_tmpfile_swept *out)
{
	char *copy = strdup(output);

	if (copy)
		nt_tmpfile_sweep(dirname(copy), out);
	free(copy);
}

void nt_record_result_release(struct nt_record_result *r)
{
	free(r->lost);
	r->lost = NULL;
	free(r->profile_path);
	r->profile_path = NULL;
}

/* ---- checks before anything changes ---- */

char *nt_ftrace_tracefs_dir(void)
{
	FILE *f = fopen("/proc/self/mounts", "re");
	char line[4096], dev[256], dir[3800], type[64];
	char *found = NULL;

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%255s %3799s %63s", dev, dir, type) == 3 &&
		    !strcmp(type, "tracefs")) {
			if (!found || !strcmp(dir, "/sys/kernel/tracing")) {
				free(found);
				found = strdup(dir);
			}
		}
	}
	if (f)
		fclose(f);
	return found;
}

bool nt_ftrace_graph_available(void)
{
	char *top = nt_ftrace_tracefs_dir(), path[4200], buf[4096];
	FILE *f;
	bool ok = false;

	if (!top)
		return false;
	snprintf(path, sizeof(path), "%s/available_tracers", top);
	free(top);
	f = fopen(path, "re");
	if (f && fgets(buf, sizeof(buf), f))
		for (char *t = strtok(buf, " \n"); t && !ok; t = strtok(NULL, " \n"))
			ok = !strcmp(t, "function_graph");
	if (f)
		fclose(f);
	return ok;
}

static int check_access(struct rec *r)
{
	if (geteuid() != 0) {
		r->err = nt_err_new(NT_E_FAIL,
				    "recording needs root: tracefs can only be changed by root");
		nt_err_hint(r->err, "run it as root, e.g. sudo nettrail record ...");
		return -1;
	}
	r->dir_owned = nt_ftrace_tracefs_dir();
	if (!r->dir_owned) {
		FILE *f = fopen("/proc/filesystems", "re");
		char line[256];
		bool known = false;

		while (f && fgets(line, sizeof(line), f))
			if (strstr(line, "\ttracefs"))
				known = true;
		if (f)
			fclose(f);
		if (!known) {
			r->err = nt_err_new(
				NT_E_FAIL,
				"this kernel has no tracefs (it was built without CONFIG_TRACING)");
			nt_err_hint(r->err, "use a kernel with tracing, or the lab VM");
		} else {
			r->err = nt_err_new(NT_E_FAIL, "tracefs is not mounted");
			nt_err_hint(r->err,
				    "mount it with: mount -t tracefs nodev /sys/kernel/tracing");
		}
		return -1;
	}
	/* tell libtracefs where it is, so it never mounts anything itself */
	if (tracefs_set_tracing_dir(r->dir_owned) < 0) {
		r->err = nt_err_errno(NT_E_FAIL, errno, "cannot use tracefs at '%s'", r->dir_owned);
		return -1;
	}
	r->dir = r->dir_owned;
	return 0;
}

static int sys_add(struct rec *r, const char *system, const char *event)
{
	struct sysev *s = NULL;
	char **ev;

	for (int i = 0; i < r->nsys; i++)
		if (!strcmp(r->sys[i].name, system))
			s = &r->sys[i];
	if (!s) {
		struct sysev *x = realloc(r->sys, (size_t)(r->nsys + 1) * sizeof(*x));
		if (!x)
			return -1;
		r->sys = x;
		s = &r->sys[r->nsys++];
		memset(s, 0, sizeof(*s));
		if (!(s->name = strdup(system)))
			return -1;
	}
	for (int i = 0; i < s->nevents; i++)
		if (!strcmp(s->events[i], event))
			return 0;
	ev = realloc(s->events, (size_t)(s->nevents + 1) * sizeof(*ev));
	if (!ev)
		return -1;
	s->events = ev;
	if (!(s->events[s->nevents] = strdup(event)))
		return -1;
	s->nevents++;
	r->nevents++;
	return 0;
}

static int is_event_dir(const struct dirent *d)
{
	return d->d_name[0] != '.' && d->d_type == DT_DIR;
}

/* Add every event matching "system[:event]" (globs allowed); returns how many. */
static int add_spec(struct rec *r, const char *spec)
{
	char sys[256], ev[256], path[4096];
	const char *colon = strchr(spec, ':');
	struct dirent **sl = NULL, **el = NULL;
	int ns, added = 0;

	snprintf(sys, sizeof(sys), "%.*s", colon ? (int)(colon - spec) : (int)strlen(spec), spec);
	snprintf(ev, sizeof(ev), "%s", colon ? colon + 1 : "*");
	if (!*ev)
		snprintf(ev, sizeof(ev), "*");
	snprintf(path, sizeof(path), "%s/events", r->dir);
	ns = scandir(path, &sl, is_event_dir, alphasort);
	for (int i = 0; i < ns; i++) {
		if (!strcmp(sl[i]->d_name, "ftrace") || fnmatch(sys, sl[i]->d_name, 0))
			continue;
		snprintf(path, sizeof(path), "%s/events/%s", r->dir, sl[i]->d_name);
		int ne = scandir(path, &el, is_event_dir, alphasort);
		for (int j = 0; j < ne; j++) {
			if (!fnmatch(ev, el[j]->d_name, 0)) {
				if (sys_add(r, sl[i]->d_name, el[j]->d_name) < 0)
					added = -1000000;
				added++;
			}
			free(el[j]);
		}
		free(el);
		el = NULL;
	}
	for (int i = 0; i < ns; i++)
		free(sl[i]);
	free(sl);
	return added;
}

static int resolve_events(struct rec *r)
{
	const char *const *list = r->o->events ? r->o->events : nt_record_preset;
	int n = r->o->events ? r->o->nevents : -1;

	if (!r->o->events && (r->o->ngraph || r->o->nprofile_funcs))
		return 0; /* function tracers alone: tracepoints only when asked for */
	for (int i = 0; n < 0 ? list[i] != NULL : i < n; i++) {
		int got = add_spec(r, list[i]);
		if (got < 0) {
			r->err = nt_err_new(NT_E_FAIL, "out of memory");
			return -1;
		}
		if (!got && r->o->events) {
			r->err = nt_evnames_unknown(r->dir, list[i]);
			return -1;
		}
	}
	if (!r->nevents) {
		r->err = nt_err_new(NT_E_INPUT, "none of the preset events exists on this kernel");
		return -1;
	}
	return 0;
}

/* --headers: create the kprobes (the last check, the first change) and trace them. */
static int add_headers(struct rec *r)
{
	if (nt_hdrprobe_create(r->dir, &r->hdr, &r->err))
		return -1;
	for (int i = 0; nt_hdrprobe_event(r->hdr, i); i++)
		if (sys_add(r, NT_HDRPROBE_SYSTEM, nt_hdrprobe_event(r->hdr, i)) < 0) {
			r->err = nt_err_new(NT_E_FAIL, "out of memory");
			return -1;
		}
	return 0;
}

/* Remove instances left by nettrail processes that were killed (never anyone else's). */
static int stale_cb(const char *name, void *ctx)
{
	long pid;
	char *end;

	(void)ctx;
	if (strncmp(name, "nettrail-", 9))
		return 0;
	pid = strtol(name + 9, &end, 10);
	if (pid <= 0 || *end != '-' || nt_tmpfile_owner_alive(pid))
		return 0;
	{
		struct tracefs_instance *i = tracefs_instance_alloc(NULL, name);
		if (i) {
			tracefs_instance_destroy(i);
			tracefs_instance_free(i);
		}
	}
	return 0;
}

/* ---- the instance ---- */

/*
 * Write @value (NULL: only save) to @name in the directory we trace in: directly in our own
 * instance, through the journal at the top level. The top-level "trace" file is only cleared.
 */
static int set_file(struct rec *r, const char *name, const char *value)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", r->target, name);
	if (r->top && !strcmp(name, "trace")) {
		fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
		return fd < 0 ? -1 : close(fd);
	}
	if (r->top)
		return nt_tfs_journal_write(r->j, path, value);
	if (!value)
		return 0;
	return tracefs_instance_file_write(r->inst, name, value) < 0 ? -1 : 0;
}

/*
 * This kernel's instances have no function_graph (on older kernels, e.g. Debian 12's 6.1, it
 * exists only at the top level): trace in the top-level buffer if nobody else uses it, and journal every change.
 */
static int use_toplevel(struct rec *r)
{
	if (nt_fgrec_toplevel_free(r->dir, &r->err))
		return -1;
	tracefs_instance_destroy(r->inst);
	tracefs_instance_free(r->inst);
	r->inst = NULL;
	free(r->target);
	r->target = strdup(r->dir);
	r->top = true;
	if (!r->target) {
		r->err = nt_err_new(NT_E_FAIL, "out of memory");
		return -1;
	}
	if (set_file(r, "tracing_on", "0") < 0) {
		r->err = nt_err_errno(NT_E_FAIL, errno, "cannot stop the top-level buffer");
		return -1;
	}
	return 0;
}

/*
 * Whether @clock is one of the words of trace_clock's @avail ("[local] global ..."); @avail
 * is rewritten as the plain list ("local global ...") for messages.
 */
static bool clock_offered(char *avail, const char *clock)
{
	bool found = false;
	char *w = avail, *o = avail;

	for (char *t = strtok_r(w, " []\n", &w); t; t = strtok_r(NULL, " []\n", &w)) {
		found |= !strcmp(t, clock);
		if (o != avail)
			*o++ = ' ';
		memmove(o, t, strlen(t));
		o += strlen(t);
	}
	*o = '\0';
	return found;
}

static int setup_instance(struct rec *r)
{
	unsigned rnd;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	const char *clock = r->o->clock ? r->o->clock : "local";
	char *avail;

	if (fd < 0 || read(fd, &rnd, sizeof(rnd)) != sizeof(rnd))
		rnd = (unsigned)time(NULL) ^ (unsigned)getpid();
	if (fd >= 0)
		close(fd);
	tracefs_instances_walk(stale_cb, NULL);
	snprintf(r->inst_name, sizeof(r->inst_name), "nettrail-%ld-%08x", (long)getpid(), rnd);
	if (tracefs_instance_exists(r->inst_name)) {
		r->err =
			nt_err_new(NT_E_FAIL, "tracefs instance '%s' already exists", r->inst_name);
		return -1;
	}
	r->inst = tracefs_instance_create(r->inst_name);
	if (!r->inst) {
		r->err = nt_err_errno(NT_E_FAIL, errno, "cannot create tracefs instance '%s'",
				      r->inst_name);
		return -1;
	}
	tracefs_trace_off(r->inst);
	r->target = tracefs_instance_get_dir(r->inst);
	if (!r->target) {
		r->err = nt_err_new(NT_E_FAIL, "out of memory");
		return -1;
	}
	if (r->o->ngraph && !nt_fgrec_instance_capable(r->target) && use_toplevel(r))
		return -1;
	/* the clock */
	avail = tracefs_instance_file_read(r->inst, "trace_clock", NULL);
	if (!avail || !clock_offered(avail, clock) || set_file(r, "trace_clock", clock) < 0) {
		r->err = nt_err_new(NT_E_USAGE,
				    "trace clock '%s' is not available; this kernel offers: %s",
				    clock, avail ? avail : "?");
		nt_err_hint(r->err, "choose one with --clock NAME (default: local)");
		free(avail);
		return -1;
	}
	free(avail);
	if (r->top) {
		char kb[32];
		snprintf(kb, sizeof(kb), "%u",
			 r->o->buffer_kb ? r->o->buffer_kb : DEFAULT_BUFFER_KB);
		/* saved first, so the journal puts it back */
		if (set_file(r, "buffer_size_kb", NULL) < 0 || set_file(r, "trace", "") < 0 ||
		    set_file(r, "events/enable", NULL) < 0) {
			r->err = nt_err_errno(NT_E_FAIL, errno,
					      "cannot prepare the top-level buffer");
			return -1;
		}
	}
	if (tracefs_instance_set_buffer_size(
		    r->inst, r->o->buffer_kb ? r->o->buffer_kb : DEFAULT_BUFFER_KB, -1) < 0) {
		r->err = nt_err_errno(NT_E_FAIL, errno,
				      "cannot set the buffer size to %u KB per cpu",
				      r->o->buffer_kb ? r->o->buffer_kb : DEFAULT_BUFFER_KB);
		return -1;
	}
	for (int i = 0; i < r->nsys; i++)
		for (int j = 0; j < r->sys[i].nevents; j++)
			if (tracefs_event_enable(r->inst, r->sys[i].name, r->sys[i].events[j]) <
			    0) {
				r->err = nt_err_errno(NT_E_FAIL, errno, "cannot enable event %s:%s",
						      r->sys[i].name, r->sys[i].events[j]);
				return -1;
			}
	if (r->o->ngraph && nt_fgrec_graph_setup(r->dir, r->target, r->o, r->j, &r->err))
		return -1;
	if (r->o->nprofile_funcs && nt_fgrec_profile_start(r->dir, r->o, r->j, &r->err))
		return -1;
	return 0;
}

static int open_cpus(struct rec *r)
{
	long sub = r->page_size;
	char *s = tracefs_instance_file_read(r->inst, "buffer_subbuf_size_kb", NULL);

	if (s) {
		sub = strtol(s, NULL, 10) * 1024;
		free(s);
		if (sub != r->page_size) {
			r->err = nt_err_new(NT_E_FAIL,
					    "the ring buffer's sub-buffers are %ld bytes, not the "
					    "page size %d; trace.dat v6 cannot describe that",
					    sub, r->page_size);
			return -1;
		}
	}
	r->rawfd = calloc((size_t)r->ncpus, sizeof(int));
	r->outfd = calloc((size_t)r->ncpus, sizeof(int));
	r->tcpu = calloc((size_t)r->ncpus, sizeof(*r->tcpu));
	r->outpath = calloc((size_t)r->ncpus, sizeof(char *));
	r->stats = calloc((size_t)r->ncpus, sizeof(char *));
	if (!r->rawfd || !r->outfd || !r->tcpu || !r->outpath || !r->stats) {
		r->err = nt_err_new(NT_E_FAIL, "out of memory");
		return -1;
	}
	for (int c = 0; c < r->ncpus; c++)
		r->rawfd[c] = r->outfd[c] = -1;
	for (int c = 0; c < r->ncpus; c++) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/per_cpu/cpu%d/trace_pipe_raw", r->target, c);
		r->rawfd[c] = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (r->rawfd[c] < 0) {
			if (errno == ENOENT)
				continue; /* cpu not present */
			r->err = nt_err_errno(NT_E_FAIL, errno, "cannot open '%s'", path);
			return -1;
		}
		r->tcpu[c] = tracefs_cpu_alloc_fd(r->rawfd[c], r->page_size, true);
		snprintf(path, sizeof(path), "cpu%d", c);
		r->outpath[c] = nt_tmpfile_path(r->o->output, path);
		if (!r->tcpu[c] || !r->outpath[c]) {
			r->err = nt_err_new(NT_E_FAIL, "cannot set up reading cpu %d", c);
			return -1;
		}
		r->outfd[c] = open(r->outpath[c], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (r->outfd[c] < 0) {
			r->err =
				nt_err_errno(NT_E_FAIL, errno, "cannot create '%s'", r->outpath[c]);
			return -1;
		}
	}
	return 0;
}

/* Move whatever full pages are ready to the files. */
static int drain(struct rec *r, bool flush)
{
	for (int c = 0; c < r->ncpus; c++) {
		int n;

		if (!r->tcpu[c])
			continue;
		do {
			errno = 0;
			n = flush ? tracefs_cpu_flush_write(r->tcpu[c], r->outfd[c])
				  : tracefs_cpu_write(r->tcpu[c], r->outfd[c], true);
			if (n > 0)
				r->bytes += (uint64_t)n;
		} while (n > 0 && !flush);
		if (n < 0 && errno && errno != EAGAIN && errno != EINTR && errno != ENODATA) {
			r->err = nt_err_errno(NT_E_FAIL, errno,
					      "cannot save the cpu %d ring buffer to '%s'", c,
					      r->outpath[c]);
			return -1;
		}
	}
	return 0;
}

/* ---- what the trace.dat needs besides the pages ---- */

char *nt_ftrace_cmdlines(long cmd_pid, const char *cmd)
{
	char *saved = tracefs_instance_file_read(NULL, "saved_cmdlines", NULL);
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	DIR *d;
	struct dirent *e;

	if (!m) {
		free(saved);
		return NULL;
	}
	if (saved)
		fputs(saved, m);
	free(saved);
	d = opendir("/proc");
	while (d && (e = readdir(d))) {
		char path[600], comm[64];
		FILE *f;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/task", e->d_name);
		DIR *td = opendir(path);
		struct dirent *te;
		while (td && (te = readdir(td))) {
			if (!isdigit((unsigned char)te->d_name[0]))
				continue;
			snprintf(path, sizeof(path), "/proc/%s/task/%s/comm", e->d_name,
				 te->d_name);
			f = fopen(path, "re");
			if (f && fgets(comm, sizeof(comm), f)) {
				comm[strcspn(comm, "\n")] = '\0';
				fprintf(m, "%s %s\n", te->d_name, comm);
			}
			if (f)
				fclose(f);
		}
		if (td)
			closedir(td);
	}
	if (d)
		closedir(d);
	if (cmd_pid > 0 && cmd) {
		const char *b = strrchr(cmd, '/');
		fprintf(m, "%ld %.15s\n", cmd_pid, b ? b + 1 : cmd);
	}
	fclose(m);
	return buf;
}

/*
 * Write the trace.dat (@head false: o->output, with the pages) or the head of it that the
 * capture writes at its start (@head true: r->head, for nettrail restore after a kill).
 */
static int write_trace(struct rec *r, const char *cmdl, bool head)
{
	struct nt_tracedat_system *sys = calloc((size_t)r->nsys + 1, sizeof(*sys));
	struct utsname u;
	char uname_s[1024];
	char *kallsyms = nt_sys_file_read("/proc/kallsyms", 0, NULL, NULL);
	char *printk = tracefs_instance_file_read(NULL, "printk_formats", NULL);
	struct nt_tracedat_src src;
	int ret;

	if (!sys || !kallsyms) {
		free(sys);
		free(kallsyms);
		free(printk);
		r->err = nt_err_new(NT_E_FAIL, "cannot read /proc/kallsyms");
		return -1;
	}
	for (int i = 0; i < r->nsys; i++) {
		sys[i].name = r->sys[i].name;
		sys[i].events = (const char *const *)r->sys[i].events;
		sys[i].nevents = r->sys[i].nevents;
	}
	uname(&u);
	snprintf(uname_s, sizeof(uname_s), "%s %s %s %s", u.sysname, u.nodename, u.release,
		 u.machine);
	src = (struct nt_tracedat_src){
		.tracing_dir = r->dir,
		.systems = sys,
		.nsystems = r->nsys,
		.ncpus = r->ncpus,
		.cpu_files = (const char *const *)r->outpath,
		.page_size = r->page_size,
		.kallsyms = kallsyms,
		.printk_formats = printk,
		.cmdlines = cmdl,
		.clock = r->clock,
		.uname = uname_s,
		.cpustats = (const char *const *)r->stats,
	};
	ret = head ? nt_tracedat_head_write(r->head, &src, &r->err)
		   : nt_tracedat_write(r->o->output, &src, &r->err);
	free(sys);
	free(kallsyms);
	free(printk);
	return ret;
}

static void read_clock(struct rec *r)
{
	free(r->clock);
	r->clock = tracefs_instance_file_read(r->inst, "trace_clock", NULL);
	if (r->clock)
		r->clock[strcspn(r->clock, "\n")] = '\0';
}

/* The head of the trace.dat, before tracing starts: what nettrail restore needs after a kill. */
static int write_head(struct rec *r)
{
	char *cmdl;
	int ret;

	r->head = nt_tmpfile_path(r->o->output, "head");
	if (!r->head) {
		r->err = nt_err_new(NT_E_FAIL, "out of memory");
		return -1;
	}
	read_clock(r);
	cmdl = nt_ftrace_cmdlines(r->child.pid, r->o->argv ? r->o->argv[0] : NULL);
	ret = write_trace(r, cmdl, true);
	free(cmdl);
	return ret;
}

/* ---- teardown ---- */

static void close_cpus(struct rec *r)
{
	for (int c = 0; r->tcpu && c < r->ncpus; c++) {
		if (r->tcpu[c])
			tracefs_cpu_free_fd(r->tcpu[c]);
		r->tcpu[c] = NULL;
		if (r->rawfd[c] >= 0)
			close(r->rawfd[c]);
		r->rawfd[c] = -1;
	}
}

static void destroy_instance(struct rec *r)
{
	struct nt_err *e = NULL;

	if (r->top) {
		tracefs_trace_off(NULL);
		close_cpus(r);
		set_file(r, "trace", ""); /* our function calls are of no use to anyone else */
	}
	if (r->j && nt_tfs_journal_restore(r->j, &e) < 0) {
		if (!r->err)
			r->err = e;
		else
			nt_err_free(e);
	}
	nt_tfs_journal_free(r->j);
	r->j = NULL;
	r->top = false;
	if (!r->inst)
		return;
	tracefs_trace_off(r->inst);
	close_cpus(r);
	/* events must be off before the instance can go */
	tracefs_event_disable(r->inst, NULL, NULL);
	if (tracefs_instance_destroy(r->inst) < 0 && !r->err)
		r->err = nt_err_errno(NT_E_FAIL, errno, "cannot remove tracefs instance '%s'",
				      r->inst_name);
	tracefs_instance_free(r->inst);
	r->inst = NULL;
}

static void release(struct rec *r)
{
	for (int c = 0; c < r->ncpus; c++) {
		if (r->outfd && r->outfd[c] >= 0)
			close(r->outfd[c]);
		if (r->outpath && r->outpath[c]) {
			unlink(r->outpath[c]);
			free(r->outpath[c]);
		}
		if (r->stats)
			free(r->stats[c]);
	}
	for (int i = 0; i < r->nsys; i++) {
		for (int j = 0; j < r->sys[i].nevents; j++)
			free(r->sys[i].events[j]);
		free(r->sys[i].events);
		free(r->sys[i].name);
	}
	free(r->sys);
	free(r->rawfd);
	free(r->outfd);
	free(r->outpath);
	if (r->head)
		unlink(r->head);
	free(r->head);
	free(r->tcpu);
	free(r->stats);
	free(r->clock);
	free(r->target);
	free(r->dir_owned);
}

static uint64_t stat_lost(const char *stats)
{
	uint64_t lost = 0;
	const char *keys[] = {"\noverrun: ", "\ncommit overrun: ", "\ndropped events: "};

	for (size_t i = 0; stats && i < 3; i++) {
		const char *p = strstr(stats, keys[i]);
		if (!p && !strncmp(stats, keys[i] + 1, strlen(keys[i]) - 1))
			p = stats - 1;
		if (p)
			lost += strtoull(p + strlen(keys[i]), NULL, 10);
	}
	return lost;
}

/* Once tracing is off: the buffer statistics, the clock, the profiler's table. */
static int save_state(struct rec *r, struct nt_record_result *res)
{
	for (int c = 0; c < r->ncpus; c++) {
		char f[64];
		snprintf(f, sizeof(f), "per_cpu/cpu%d/stats", c);
		if (r->rawfd[c] >= 0)
			r->stats[c] = tracefs_instance_file_read(r->inst, f, NULL);
	}
	read_clock(r);
	res->toplevel = r->top;
	if (!r->o->nprofile_funcs)
		return 0;
	if (asprintf(&res->profile_path, "%s.trace_stat", r->o->output) < 0)
		res->profile_path = NULL;
	return !res->profile_path || nt_fgrec_profile_save(r->dir, res->profile_path, &r->err) ? -1
											       : 0;
}

/* Each turn of the capture: save whatever full pages are ready. */
static int tick(void *ctx)
{
	return drain(ctx, false);
}

static uint64_t saved(void *ctx)
{
	return ((struct rec *)ctx)->bytes;
}

int nt_ftrace_record(const struct nt_record_opts *o, struct nt_record_result *res,
		     struct nt_err **err)
{
	struct rec r = {.o = o, .child = NT_CHILD_NONE};
	struct nt_capture cap = {.o = o,
				 .child = &r.child,
				 .stage = "recording",
				 .what = "of ring buffer saved",
				 .tick = tick,
				 .bytes = saved,
				 .ctx = &r};
	char *cmdl = NULL;
	int ret = -1;

	memset(res, 0, sizeof(*res));
	res->cmd_status = -1;
	r.page_size = (int)sysconf(_SC_PAGESIZE);
	r.ncpus = (int)sysconf(_SC_NPROCESSORS_CONF);
	if (check_access(&r))
		goto out;
	nt_record_sweep(o->output, &res->swept);
	nt_tfs_journal_recover(); /* what killed nettrail processes left changed */
	if (resolve_events(&r) ||
	    ((o->ngraph || o->nprofile_funcs) && nt_fgrec_check(r.dir, o, &r.err)) ||
	    (o->headers && add_headers(&r)))
		goto out;
	r.j = nt_tfs_journal_new();
	if (!r.j) {
		r.err = nt_err_new(NT_E_FAIL, "out of memory");
		goto out;
	}
	if (setup_instance(&r) || open_cpus(&r))
		goto out;
	if (o->argv && nt_child_start(&r.child, o->argv, &r.err))
		goto out;
	if (write_head(&r))
		goto out;
	if (tracefs_trace_on(r.inst) < 0) {
		r.err = nt_err_errno(NT_E_FAIL, errno, "cannot start tracing");
		goto out;
	}
	if (nt_child_capture(&cap, &r.err))
		goto out;
	tracefs_trace_off(r.inst);
	/* a signal that ended the capture is spent; another one aborts the writing (exit 4) */
	res->stopped_by_signal = nt_interrupted;
	nt_interrupted = 0;
	if (drain(&r, false) || drain(&r, true))
		goto out;
	nt_child_capture_done(&cap);
	if (save_state(&r, res))
		goto out;
	/* the kernel's part is over: give tracefs back before the slow part */
	nt_child_stop(&r.child);
	destroy_instance(&r);
	if (r.err)
		goto out;
	cmdl = nt_ftrace_cmdlines(r.child.pid, o->argv ? o->argv[0] : NULL);
	if (write_trace(&r, cmdl, false))
		goto out;
	res->ncpus = r.ncpus;
	res->lost = calloc((size_t)r.ncpus, sizeof(*res->lost));
	for (int c = 0; c < r.ncpus && res->lost; c++) {
		res->lost[c] = stat_lost(r.stats[c]);
		res->lost_total += res->lost[c];
	}
	res->bytes = r.bytes;
	res->nevents = r.nevents;
	ret = 0;
out:
	nt_child_stop(&r.child);
	destroy_instance(&r);
	nt_hdrprobe_destroy(r.hdr); /* after the trace.dat: it holds their formats */
	release(&r);
	free(cmdl);
	if (ret && res->profile_path) {
		unlink(res->profile_path);
		free(res->profile_path);
		res->profile_path = NULL;
	}
	return nt_child_record_end(ret, &r.child, res, r.err, err);
}
