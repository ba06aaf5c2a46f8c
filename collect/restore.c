/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nettrail restore: find the temporary files a killed record left (by the record's output name
 * and the owner pid), check whose they are, and turn them into the trace the record would have
 * written: a trace.dat from raw pages and a head, or perf's own finished perf.data.
 */
#include "restore.h"
#include "ftrace.h"
#include "tracedat_write.h"
#include "../core/tmpfile.h"
#include "../core/sys.h"
#include "../parse/perfdata.h"

#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

/* One temporary file of a record: kind 'c' raw pages of a cpu, 'h' the head, 'o' the output
 * being built (trace.dat or perf.data), 'l' perf's log, 'k' kallsyms (perf --profile-cpu). */
struct piece {
	long pid;
	char kind;
	int cpu;
	char *path; /* owned */
};

struct ctx {
	const struct nt_restore_opts *o;
	const char *out;
	struct piece *p;
	int n;
	long pid;
	struct nt_restore_result *r;
	struct nt_err *err;
};

static char piece_kind(const char *rest, int *cpu)
{
	char *end;

	*cpu = -1;
	if (!*rest)
		return 'o';
	if (!strcmp(rest, ".head"))
		return 'h';
	if (!strcmp(rest, ".perf-log"))
		return 'l';
	if (!strcmp(rest, ".kallsyms"))
		return 'k';
	if (strncmp(rest, ".cpu", 4) || rest[4] < '0' || rest[4] > '9')
		return 0;
	*cpu = (int)strtol(rest + 4, &end, 10);
	return *end || *cpu > 65535 ? 0 : 'c';
}

/* Every temporary file of a record of o->record_output, whatever its owner. */
static int scan(struct ctx *c)
{
	char *d1 = strdup(c->o->record_output), *d2 = strdup(c->o->record_output);
	const char *dir = d1 ? dirname(d1) : NULL, *base = d2 ? basename(d2) : NULL;
	size_t blen = base ? strlen(base) : 0;
	DIR *d = dir ? opendir(dir) : NULL;
	struct dirent *e;

	if (!d)
		c->err = nt_err_errno(NT_E_FAIL, errno, "cannot read the directory of '%s'",
				      c->o->record_output);
	while (d && !c->err && (e = readdir(d))) {
		char stem[4096], exact[4200];
		long pid = nt_tmpfile_owner(e->d_name, stem, sizeof(stem));
		struct piece pc = {.pid = pid};
		struct piece *x;

		snprintf(exact, sizeof(exact), "%s" NT_TMPFILE_MARK "%ld", stem, pid);
		if (!pid || strcmp(exact, e->d_name) || strncmp(stem, base, blen) ||
		    !(pc.kind = piece_kind(stem + blen, &pc.cpu)))
			continue;
		x = realloc(c->p, (size_t)(c->n + 1) * sizeof(*x));
		if (!x || asprintf(&pc.path, "%s/%s", dir, e->d_name) < 0) {
			if (x)
				c->p = x;
			c->err = nt_err_new(NT_E_FAIL, "out of memory");
			break;
		}
		c->p = x;
		c->p[c->n++] = pc;
	}
	if (d)
		closedir(d);
	free(d1);
	free(d2);
	return c->err ? -1 : 0;
}

static void nothing(struct ctx *c)
{
	c->err = nt_err_new(NT_E_INPUT,
			    "nothing to restore for '%s': no temporary files of a killed nettrail "
			    "record next to it",
			    c->o->record_output);
	nt_err_hint(c->err,
		    "restore takes what a killed 'nettrail record -o %s' left in that directory "
		    "(the next record there removes it); otherwise record again",
		    c->o->record_output);
}

/* The killed record whose files to use: o->pid, or the only dead owner. */
static int pick(struct ctx *c)
{
	long dead = 0, alive = 0, other = 0;

	for (int i = 0; i < c->n; i++) {
		long pid = c->p[i].pid;
		if (c->o->pid && pid != c->o->pid)
			continue;
		if (nt_tmpfile_owner_alive(pid))
			alive = pid;
		else if (dead && pid != dead)
			other = pid;
		else
			dead = pid;
	}
	if (other) {
		c->err = nt_err_new(NT_E_USAGE,
				    "several killed records of '%s' left files (nettrail %ld, %ld)",
				    c->o->record_output, dead, other);
		nt_err_hint(c->err, "choose one with --pid PID");
	} else if (!dead && alive) {
		c->err = nt_err_new(
			NT_E_FAIL,
			"nettrail %ld is still running: its files next to '%s' are in use", alive,
			c->o->record_output);
		nt_err_hint(c->err, "restore is for a record that was killed; let this one end "
				    "(Ctrl-C stops it cleanly)");
	} else if (!dead) {
		nothing(c);
	}
	c->pid = dead;
	return c->err ? -1 : 0;
}

static struct piece *find(struct ctx *c, char kind)
{
	for (int i = 0; i < c->n; i++)
		if (c->p[i].pid == c->pid && c->p[i].kind == kind)
			return &c->p[i];
	return NULL;
}

/* A file of the chosen record (there is one: pick() found it). */
static struct piece *any_piece(struct ctx *c)
{
	for (int i = 0; i < c->n; i++)
		if (c->p[i].pid == c->pid)
			return &c->p[i];
	return c->p;
}

static bool has_magic(const char *path, const char *magic, size_t n)
{
	char buf[16];
	FILE *f = fopen(path, "re");
	bool ok = f && fread(buf, 1, n, f) == n && !memcmp(buf, magic, n);

	if (f)
		fclose(f);
	return ok;
}

/* perf finished its file when nettrail died (PR_SET_PDEATHSIG): check it, put it in place. */
static int restore_perf(struct ctx *c, const struct piece *data)
{
	uint64_t lost = 0;
	struct nt_err *e = NULL;
	struct stat st;

	if (nt_perfdata_count_lost(data->path, NULL, 0, &lost, &e)) {
		c->err = nt_err_wrap(e,
				     "cannot restore '%s': perf did not finish '%s' (perf writes "
				     "its header when it exits cleanly; it was killed too)",
				     c->out, data->path);
		nt_err_set_kind(c->err, NT_E_INPUT);
		nt_err_hint(c->err, "nothing can read that file: record again");
		return -1;
	}
	if (link(data->path, c->out) < 0) {
		c->err = nt_err_errno(NT_E_FAIL, errno, "cannot create '%s'", c->out);
		return -1;
	}
	c->r->perf = true;
	c->r->bytes = stat(c->out, &st) ? 0 : (uint64_t)st.st_size;
	return 0;
}

/* ---- ftrace: the header from this machine (the record's head is missing or cut short) ---- */

struct machine {
	char *dir; /* tracefs */
	struct nt_tracedat_system *sys;
	int nsys;
	char *kallsyms, *printk, *cmdlines, *clock;
	char uname[1024];
};

static void machine_release(struct machine *m)
{
	for (int i = 0; i < m->nsys; i++) {
		for (int j = 0; j < m->sys[i].nevents; j++)
			free((char *)m->sys[i].events[j]);
		free((char **)m->sys[i].events);
		free((char *)m->sys[i].name);
	}
	free(m->sys);
	free(m->dir);
	free(m->kallsyms);
	free(m->printk);
	free(m->cmdlines);
	free(m->clock);
}

static int is_dir(const struct dirent *d)
{
	return d->d_name[0] != '.' && d->d_type == DT_DIR && strcmp(d->d_name, "ftrace");
}

/* Every event of every system (as trace-cmd restore does: the pages may hold any of them). */
static int machine_events(struct machine *m, const char *events)
{
	char path[4500];
	struct dirent **sl = NULL;
	int ns = scandir(events, &sl, is_dir, alphasort);

	m->sys = calloc(ns > 0 ? (size_t)ns : 1, sizeof(*m->sys));
	for (int i = 0; i < ns; i++) {
		struct dirent **el = NULL;
		int ne;
		char **ev;

		snprintf(path, sizeof(path), "%s/%s", events, sl[i]->d_name);
		ne = scandir(path, &el, is_dir, alphasort);
		ev = calloc(ne > 0 ? (size_t)ne : 1, sizeof(*ev));
		if (m->sys && ev && ne > 0) {
			struct nt_tracedat_system *s = &m->sys[m->nsys++];
			s->name = strdup(sl[i]->d_name);
			s->events = (const char *const *)ev;
			for (int j = 0; j < ne; j++)
				ev[s->nevents++] = strdup(el[j]->d_name);
		} else {
			free(ev);
		}
		for (int j = 0; j < ne; j++)
			free(el[j]);
		free(el);
		free(sl[i]);
	}
	free(sl);
	return m->sys ? 0 : -1;
}

/* The trace clock of the dead record's instance (still there until the next record), or NULL. */
static char *instance_clock(const char *tracefs, long pid)
{
	char pat[4200], *clock = NULL;
	glob_t g;

	snprintf(pat, sizeof(pat), "%s/instances/nettrail-%ld-*/trace_clock", tracefs, pid);
	if (!glob(pat, 0, NULL, &g) && g.gl_pathc == 1 &&
	    (clock = nt_sys_file_read(g.gl_pathv[0], 0, NULL, NULL)))
		clock[strcspn(clock, "\n")] = '\0';
	globfree(&g);
	return clock;
}

/* When this machine booted (btime of /proc/stat), or 0. */
static long long boot_time(void)
{
	FILE *f = fopen("/proc/stat", "re");
	char line[256];
	long long t = 0;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "btime %lld", &t) == 1)
			break;
	if (f)
		fclose(f);
	return t;
}

/* Refuse this machine's formats for pages written before it booted: the kernel may differ. */
static int check_same_boot(struct ctx *c)
{
	long long boot = boot_time();
	struct stat st;

	for (int i = 0; i < c->n; i++) {
		if (c->p[i].pid != c->pid || c->p[i].kind != 'c' || stat(c->p[i].path, &st) ||
		    !boot || (long long)st.st_mtime >= boot)
			continue;
		c->err = nt_err_new(
			NT_E_INPUT,
			"cannot restore '%s': the killed record's header is missing and "
			"its raw data ('%s') predates this machine's last boot, so this "
			"kernel's event formats may not be the ones it was recorded with",
			c->out, c->p[i].path);
		nt_err_hint(c->err, "nothing here can decode those pages safely: record again");
		return -1;
	}
	return 0;
}

static int machine_load(struct ctx *c, struct machine *m)
{
	char path[4200];
	struct utsname u;

	if (check_same_boot(c))
		return -1;
	m->dir = nt_ftrace_tracefs_dir();
	snprintf(path, sizeof(path), "%s/events/header_page", m->dir ? m->dir : "");
	if (!m->dir || access(path, R_OK)) {
		c->err = nt_err_new(NT_E_FAIL,
				    "cannot restore '%s' without the killed record's header: %s",
				    c->out,
				    !m->dir ? "tracefs is not mounted"
					    : "this machine's tracefs cannot be read (needs root)");
		nt_err_hint(c->err, "run it as root on the machine that recorded it, e.g. sudo "
				    "nettrail restore ...");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/printk_formats", m->dir);
	m->printk = nt_sys_file_read(path, 0, NULL, NULL);
	m->clock = instance_clock(m->dir, c->pid);
	uname(&u);
	snprintf(m->uname, sizeof(m->uname), "%s %s %s %s", u.sysname, u.nodename, u.release,
		 u.machine);
	m->kallsyms = nt_sys_file_read("/proc/kallsyms", 0, NULL, NULL);
	m->cmdlines = nt_ftrace_cmdlines(0, NULL);
	snprintf(path, sizeof(path), "%s/events", m->dir);
	if (!m->kallsyms || !m->cmdlines || machine_events(m, path)) {
		c->err = nt_err_new(NT_E_FAIL, "cannot read /proc/kallsyms and tracefs's events");
		return -1;
	}
	return 0;
}

/* ---- ftrace: raw pages and a head ---- */

/* The trace.dat source from the record's head, or (missing or cut short) from this machine. */
static int ftrace_source(struct ctx *c, struct machine *m, struct nt_tracedat_src *src)
{
	struct piece *head = find(c, 'h');
	struct nt_err *e = NULL;

	if (head && !nt_tracedat_head_check(head->path, &src->ncpus, &src->page_size, &e)) {
		src->head_file = head->path;
		return 0;
	}
	nt_err_free(e);
	if (machine_load(c, m))
		return -1;
	c->r->from_tracefs = true;
	c->r->clock_known = m->clock != NULL;
	*src = (struct nt_tracedat_src){
		.tracing_dir = m->dir,
		.systems = m->sys,
		.nsystems = m->nsys,
		.ncpus = (int)sysconf(_SC_NPROCESSORS_CONF),
		.page_size = (int)sysconf(_SC_PAGESIZE),
		.kallsyms = m->kallsyms,
		.printk_formats = m->printk,
		.cmdlines = m->cmdlines,
		.clock = m->clock,
		.uname = m->uname,
	};
	for (int i = 0; i < c->n; i++)
		if (c->p[i].pid == c->pid && c->p[i].kind == 'c' && c->p[i].cpu >= src->ncpus)
			src->ncpus = c->p[i].cpu + 1;
	return 0;
}

static int restore_ftrace(struct ctx *c)
{
	struct machine m = {0};
	struct nt_tracedat_src src = {0};
	const char **files = NULL;
	struct stat st;
	int ret = -1;

	if (ftrace_source(c, &m, &src))
		goto out;
	files = calloc((size_t)src.ncpus, sizeof(*files));
	if (!files) {
		c->err = nt_err_new(NT_E_FAIL, "out of memory");
		goto out;
	}
	for (int i = 0; i < c->n; i++) {
		const struct piece *p = &c->p[i];
		if (p->pid != c->pid || p->kind != 'c')
			continue;
		if (p->cpu >= src.ncpus) {
			c->err = nt_err_new(
				NT_E_INPUT,
				"cannot restore '%s': '%s' is for cpu %d, but the record's "
				"header describes %d cpus",
				c->out, p->path, p->cpu, src.ncpus);
			goto out;
		}
		files[p->cpu] = p->path;
		if (!stat(p->path, &st))
			c->r->bytes += (uint64_t)st.st_size / (uint64_t)src.page_size *
				       (uint64_t)src.page_size;
	}
	src.cpu_files = files;
	c->r->ncpus = src.ncpus;
	ret = nt_tracedat_write(c->out, &src, &c->err);
out:
	free(files);
	machine_release(&m);
	return ret;
}

int nt_restore(const struct nt_restore_opts *o, struct nt_restore_result *r, struct nt_err **err)
{
	struct ctx c = {.o = o, .out = o->output ? o->output : o->record_output, .r = r};
	struct piece *data;
	struct stat st;
	int ret = -1;

	memset(r, 0, sizeof(*r));
	if (scan(&c) || pick(&c))
		goto out;
	r->pid = c.pid;
	data = find(&c, 'o');
	if (!lstat(c.out, &st)) {
		c.err = nt_err_new(NT_E_USAGE, "'%s' exists: restore does not replace a file",
				   c.out);
		nt_err_hint(c.err, "name another output with -o FILE");
	} else if (find(&c, 'c')) {
		ret = restore_ftrace(&c);
	} else if (data && has_magic(data->path, "PERFILE2", 8)) {
		ret = restore_perf(&c, data);
	} else {
		c.err = nt_err_new(
			NT_E_INPUT,
			"cannot restore '%s': nettrail %ld left no trace data, only '%s'", c.out,
			c.pid, any_piece(&c)->path);
		nt_err_hint(c.err, "it was killed before it saved any event: record again");
	}
	for (int i = 0; !ret && i < c.n; i++)
		if (c.p[i].pid == c.pid && !unlink(c.p[i].path))
			r->removed++;
out:
	for (int i = 0; i < c.n; i++)
		free(c.p[i].path);
	free(c.p);
	if (ret)
		return nt_err_set(err, c.err ? c.err : nt_err_new(NT_E_FAIL, "restore failed"));
	return 0;
}
