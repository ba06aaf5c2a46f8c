/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The trace.dat v6 writer: header sections from tracefs and /proc, the options trace-cmd
 * itself writes (TRACECLOCK, UNAME, CPUSTAT), then each CPU's raw pages at page-aligned offsets.
 */
#include "tracedat_write.h"
#include "../core/testhook.h"
#include "../core/tmpfile.h"
#include "../core/sys.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { OPT_DONE = 0, OPT_CPUSTAT = 2, OPT_TRACECLOCK = 4, OPT_UNAME = 5 };

struct out {
	int fd;
	uint64_t off;
	const char *path;
	bool stoppable; /* a signal (nt_interrupted) stops the writing */
	struct nt_err *err;
};

/* The head's trailer: after the sections, marks the head complete. */
struct head_trailer {
	uint64_t len; /* of the sections before it */
	uint32_t ncpus;
	uint32_t page_size;
	char magic[16];
};

static const char head_magic[16] = "nettrail-head-1";

static int interrupted(struct out *o)
{
	if (!o->stoppable || !nt_interrupted)
		return 0;
	if (!o->err)
		o->err = nt_err_new(NT_E_INTR, "interrupted while writing '%s': nothing was kept",
				    o->path);
	return -1;
}

static int put(struct out *o, const void *p, size_t n)
{
	const char *c = p;

	if (o->err || interrupted(o))
		return -1;
	while (n) {
		ssize_t w = write(o->fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			o->err = nt_err_errno(NT_E_FAIL, errno, "cannot write '%s'", o->path);
			return -1;
		}
		c += w;
		n -= (size_t)w;
		o->off += (uint64_t)w;
	}
	return 0;
}

/* Numbers in host byte order: the file says which (byte 0 little, 1 big). */
static int put_u16(struct out *o, uint16_t v)
{
	return put(o, &v, 2);
}

static int put_u32(struct out *o, uint32_t v)
{
	return put(o, &v, 4);
}

static int put_u64(struct out *o, uint64_t v)
{
	return put(o, &v, 8);
}

static int put_file(struct out *o, const char *path, int lenbytes)
{
	size_t n = 0;
	char *s = nt_sys_file_read(path, 0, &n, o->err ? NULL : &o->err);

	if (!s)
		return -1;
	if (lenbytes == 8)
		put_u64(o, n);
	else
		put_u32(o, (uint32_t)n);
	put(o, s, n);
	free(s);
	return o->err ? -1 : 0;
}

static int put_str_section(struct out *o, const char *s, int lenbytes)
{
	size_t n = s ? strlen(s) : 0;

	if (lenbytes == 8)
		put_u64(o, n);
	else
		put_u32(o, (uint32_t)n);
	return put(o, s ? s : "", n);
}

static int put_option(struct out *o, uint16_t id, const char *s)
{
	size_t n = strlen(s) + 1;

	put_u16(o, id);
	put_u32(o, (uint32_t)n);
	return put(o, s, n);
}

static int filter_formats(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static int write_ftrace_formats(struct out *o, const char *dir)
{
	char path[4096];
	struct dirent **list = NULL;
	int n, count = 0;

	snprintf(path, sizeof(path), "%s/events/ftrace", dir);
	n = scandir(path, &list, filter_formats, alphasort);
	if (n < 0) {
		put_u32(o, 0);
		return o->err ? -1 : 0;
	}
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/events/ftrace/%s/format", dir, list[i]->d_name);
		if (!access(path, R_OK))
			count++;
	}
	put_u32(o, (uint32_t)count);
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/events/ftrace/%s/format", dir, list[i]->d_name);
		if (!access(path, R_OK))
			put_file(o, path, 8);
		free(list[i]);
	}
	free(list);
	return o->err ? -1 : 0;
}

/* Copy the first @size bytes of @file to the output, in chunks (a signal is seen between them). */
static int copy_range(struct out *o, const char *file, uint64_t size)
{
	int in;
	off_t inoff = 0;
	const uint64_t chunk = 8u << 20;

	if (!size)
		return 0;
	in = open(file, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		o->err = nt_err_errno(NT_E_FAIL, errno, "cannot read '%s'", file);
		return -1;
	}
	while ((uint64_t)inoff < size) {
		uint64_t want = size - (uint64_t)inoff;
		ssize_t n;

		if (interrupted(o))
			break;
		n = copy_file_range(in, &inoff, o->fd, NULL, want < chunk ? want : chunk, 0);
		if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL)) {
			char buf[65536];
			n = pread(in, buf, want < sizeof(buf) ? (size_t)want : sizeof(buf), inoff);
			if (n > 0) {
				inoff += n;
				if (put(o, buf, (size_t)n))
					break;
				continue;
			}
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!o->err)
				o->err = nt_err_errno(NT_E_FAIL, n < 0 ? errno : EIO,
						      "cannot write '%s'", o->path);
			break;
		}
		o->off += (uint64_t)n;
	}
	close(in);
	return o->err ? -1 : 0;
}

/* Every section before the cpu data known at the start, up to UNAME (no CPUSTAT, no end). */
static void put_head(struct out *o, const struct nt_tracedat_src *s)
{
	char p[4096];
	uint16_t one = 1;
	unsigned char endian = *(unsigned char *)&one ? 0 : 1, lsize = sizeof(long);

	put(o, "\027\010\104tracing6", 12); /* with the version string's NUL */
	put(o, &endian, 1);
	put(o, &lsize, 1);
	put_u32(o, (uint32_t)s->page_size);
	put(o, "header_page", 12);
	snprintf(p, sizeof(p), "%s/events/header_page", s->tracing_dir);
	put_file(o, p, 8);
	put(o, "header_event", 13);
	snprintf(p, sizeof(p), "%s/events/header_event", s->tracing_dir);
	put_file(o, p, 8);
	write_ftrace_formats(o, s->tracing_dir);
	put_u32(o, (uint32_t)s->nsystems);
	for (int i = 0; i < s->nsystems && !o->err; i++) {
		const struct nt_tracedat_system *sys = &s->systems[i];
		put(o, sys->name, strlen(sys->name) + 1);
		put_u32(o, (uint32_t)sys->nevents);
		for (int j = 0; j < sys->nevents; j++) {
			snprintf(p, sizeof(p), "%s/events/%s/%s/format", s->tracing_dir, sys->name,
				 sys->events[j]);
			put_file(o, p, 8);
		}
	}
	put_str_section(o, s->kallsyms, 4);
	put_str_section(o, s->printk_formats, 4);
	put_str_section(o, s->cmdlines, 8);
	put_u32(o, (uint32_t)s->ncpus);
	put(o, "options  ", 10);
	if (s->clock)
		put_option(o, OPT_TRACECLOCK, s->clock);
	if (s->uname)
		put_option(o, OPT_UNAME, s->uname);
}

int nt_tracedat_head_check(const char *path, int *ncpus, int *page_size, struct nt_err **err)
{
	struct head_trailer t;
	struct stat st;
	char magic[12];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return nt_err_set(err, nt_err_errno(NT_E_INPUT, errno, "cannot open '%s'", path));
	ok = !fstat(fd, &st) && st.st_size >= (off_t)(sizeof(t) + 12) &&
	     pread(fd, &t, sizeof(t), st.st_size - (off_t)sizeof(t)) == (ssize_t)sizeof(t) &&
	     pread(fd, magic, 12, 0) == 12 && !memcmp(magic, "\027\010\104tracing6", 12) &&
	     !memcmp(t.magic, head_magic, sizeof(head_magic)) &&
	     t.len + sizeof(t) == (uint64_t)st.st_size && t.ncpus > 0 && t.ncpus < 65536 &&
	     t.page_size >= 4096 && !(t.page_size & (t.page_size - 1));
	close(fd);
	if (!ok)
		return nt_err_set(
			err, nt_err_new(NT_E_INPUT,
					"'%s' is not a complete trace.dat head (cut short)", path));
	*ncpus = (int)t.ncpus;
	*page_size = (int)t.page_size;
	return 0;
}

/* Close @o's file (synced when all went well); -1 with o->err set on failure. */
static int finish(struct out *o)
{
	if (!o->err && fsync(o->fd) < 0)
		o->err = nt_err_errno(NT_E_FAIL, errno, "cannot write '%s'", o->path);
	if (close(o->fd) < 0 && !o->err)
		o->err = nt_err_errno(NT_E_FAIL, errno, "cannot write '%s'", o->path);
	o->fd = -1;
	return o->err ? -1 : 0;
}

int nt_tracedat_head_write(const char *path, const struct nt_tracedat_src *s, struct nt_err **err)
{
	struct out o = {.path = path};
	struct head_trailer t = {.ncpus = (uint32_t)s->ncpus, .page_size = (uint32_t)s->page_size};

	o.fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (o.fd < 0)
		return nt_err_set(err, nt_err_errno(NT_E_FAIL, errno, "cannot create '%s'", path));
	put_head(&o, s);
	t.len = o.off;
	memcpy(t.magic, head_magic, sizeof(t.magic));
	put(&o, &t, sizeof(t));
	if (finish(&o)) {
		unlink(path);
		return nt_err_set(err, o.err);
	}
	return 0;
}

/* The head's sections (without the trailer), from a file nt_tracedat_head_check accepted. */
static void put_head_file(struct out *o, const char *file)
{
	struct stat st;

	if (stat(file, &st) < 0) {
		o->err = nt_err_errno(NT_E_FAIL, errno, "cannot read '%s'", file);
		return;
	}
	copy_range(o, file, (uint64_t)st.st_size - sizeof(struct head_trailer));
}

/* Options after the head (CPUSTAT), the flyrecord cpu table, then each cpu's pages. */
static void put_data(struct out *o, const struct nt_tracedat_src *s, const uint64_t *sizes,
		     uint64_t *offs)
{
	static const char zeros[65536];
	uint64_t data_at;

	for (int c = 0; c < s->ncpus; c++) {
		char *stat_text;
		if (!s->cpustats || !s->cpustats[c])
			continue;
		if (asprintf(&stat_text, "CPU: %d\n%s", c, s->cpustats[c]) < 0)
			continue;
		put_option(o, OPT_CPUSTAT, stat_text);
		free(stat_text);
	}
	put_u16(o, OPT_DONE);
	put(o, "flyrecord", 10);
	nt_test_pause("tracedat-write", &nt_interrupted);
	data_at = o->off + (uint64_t)s->ncpus * 16;
	for (int c = 0; c < s->ncpus; c++) {
		data_at = (data_at + (uint64_t)s->page_size - 1) / (uint64_t)s->page_size *
			  (uint64_t)s->page_size;
		offs[c] = data_at;
		data_at += sizes[c];
	}
	for (int c = 0; c < s->ncpus; c++) {
		put_u64(o, offs[c]);
		put_u64(o, sizes[c]);
	}
	for (int c = 0; c < s->ncpus && !o->err; c++) {
		while (o->off < offs[c] && !o->err) {
			uint64_t gap = offs[c] - o->off;
			put(o, zeros, gap < sizeof(zeros) ? (size_t)gap : sizeof(zeros));
		}
		copy_range(o, s->cpu_files[c], sizes[c]);
	}
}

int nt_tracedat_write(const char *path, const struct nt_tracedat_src *s, struct nt_err **err)
{
	struct out o = {.fd = -1, .path = path, .stoppable = true};
	char *tmp = nt_tmpfile_path(path, NULL);
	uint64_t *sizes = calloc((size_t)s->ncpus + 1, sizeof(*sizes));
	uint64_t *offs = calloc((size_t)s->ncpus + 1, sizeof(*offs));
	struct stat st;

	if (!tmp || !sizes || !offs) {
		o.err = nt_err_new(NT_E_FAIL, "out of memory");
		goto out;
	}
	for (int c = 0; c < s->ncpus; c++)
		if (s->cpu_files[c] && !stat(s->cpu_files[c], &st))
			sizes[c] = (uint64_t)st.st_size / (uint64_t)s->page_size *
				   (uint64_t)s->page_size;
	o.fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (o.fd < 0) {
		o.err = nt_err_errno(NT_E_FAIL, errno, "cannot create '%s'", tmp);
		goto out;
	}
	if (s->head_file)
		put_head_file(&o, s->head_file);
	else
		put_head(&o, s);
	put_data(&o, s, sizes, offs);
	if (!finish(&o) && rename(tmp, path) < 0)
		o.err = nt_err_errno(NT_E_FAIL, errno, "cannot create '%s'", path);
out:
	if (o.fd >= 0)
		close(o.fd);
	if (o.err && tmp)
		unlink(tmp);
	free(tmp);
	free(sizes);
	free(offs);
	if (o.err)
		return nt_err_set(err, o.err);
	return 0;
}
