/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The lab VM driver: the kernel cache (apt-get download, dpkg-deb, the bzImage's xz payload
 * as a PVH vmlinux so QEMU skips the slow in-guest decompression), the QEMU run under a time
 * limit, and the trace handed back as a tar on a raw virtio disk.
 */
#include "vm.h"
#include "vm_int.h"
#include "../core/progress.h"
#include "../core/sys.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define QEMU	     "qemu-system-x86_64"
#define DISK_SIZE    (4ULL << 30) /* sparse: the guest writes a tar at its start */
#define CONSOLE_TAIL 40

/* Modules the guest loads (their dependencies come along): the output disk. */
static const char *const guest_modules[] = {"virtio_pci", "virtio_blk"};

/* What of the kernel package the VM uses (tar patterns of dpkg-deb --fsys-tarfile). */
static const char *const kernel_members[] = {
	"./boot/vmlinuz-*",
	"./boot/config-*",
	"./lib/modules/*/kernel/drivers/virtio/*",
	"./lib/modules/*/kernel/drivers/block/virtio_blk.ko*",
	/* for the lab's worlds (nettrail lab --vm) */
	"./lib/modules/*/kernel/drivers/net/veth.ko*",
	"./lib/modules/*/kernel/drivers/net/tun.ko*",
	"./lib/modules/*/kernel/net/netfilter/*",
	"./lib/modules/*/kernel/net/ipv4/netfilter/*",
	"./lib/modules/*/kernel/lib/*",
	"./lib/modules/*/kernel/crypto/*",
};

/* The cache's stamp: names the member list above, so a cache of an older list is redone. */
#define CACHE_STAMP ".complete-3"

void nt_vm_result_release(struct nt_vm_result *r)
{
	free(r->release);
	free(r->record_err);
	free(r->traffic_out);
	free(r->profile_path);
	free(r->console_log);
	memset(r, 0, sizeof(*r));
}

/* ---- helpers ---- */

/* The last non-empty line of @text in @out. */
static void last_line(const char *text, char *out, size_t size)
{
	const char *t = nt_sys_tail(text, 1);

	snprintf(out, size, "%.*s", (int)strcspn(t, "\n"), t);
}

static int mkdir_p(const char *path)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *s = strchr(buf + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return mkdir(buf, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

static int rm_cb(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)st;
	(void)type;
	(void)f;
	remove(path);
	return 0;
}

static void rm_rf(const char *path)
{
	nftw(path, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static bool in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[4096];

	for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
		size_t n = strcspn(p, ":");
		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, p, prog);
		if (!access(buf, X_OK))
			return true;
		p += n + (p[n] == ':');
	}
	return false;
}

/* ---- the kernel cache ---- */

char *nt_vm_cache_dir(const char *override)
{
	const char *x = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char *s = NULL;

	if (override)
		return strdup(override);
	if (x && *x) {
		if (asprintf(&s, "%s/nettrail/vm", x) < 0)
			s = NULL;
	} else if (asprintf(&s, "%s/.cache/nettrail/vm", home && *home ? home : "/tmp") < 0) {
		s = NULL;
	}
	return s;
}

/* ---- LTTng: the kernel and modules of vm/lttng-modules.sh ---- */

static char *cached_deb(const char *cache);

#define LTTNG_SESSIOND	"/usr/bin/lttng-sessiond"
#define LTTNG_CONSUMERD "/usr/lib/x86_64-linux-gnu/lttng/libexec/lttng-consumerd"
#define LTTNG_XSD	"/usr/share/xml/lttng/session.xsd"
#define LTTNG_OUT	"lttng-trace" /* in the guest's /out */

static int stamped(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* The newest complete build (a directory with a "stamp") of vm/lttng-modules.sh, or NULL. */
static char *lttng_build(const char *override, struct nt_err **err)
{
	const char *x = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char *root = NULL, *found = NULL, p[4600];
	struct dirent **list = NULL;
	int n;

	if (override) {
		snprintf(p, sizeof(p), "%s/stamp", override);
		if (!access(p, F_OK))
			return strdup(override);
	} else {
		if (x && *x ? asprintf(&root, "%s/nettrail/lttng-vm", x) < 0
			    : asprintf(&root, "%s/.cache/nettrail/lttng-vm",
				       home && *home ? home : "/tmp") < 0)
			root = NULL;
		n = root ? scandir(root, &list, stamped, alphasort) : -1;
		for (int i = 0; i < n; i++) {
			snprintf(p, sizeof(p), "%s/%s/stamp", root, list[i]->d_name);
			if (!access(p, F_OK)) {
				free(found);
				snprintf(p, sizeof(p), "%s/%s", root, list[i]->d_name);
				found = strdup(p);
			}
			free(list[i]);
		}
		free(list);
		free(root);
		if (found)
			return found;
	}
	struct nt_err *e = nt_err_new(NT_E_FAIL, "the lab VM has no LTTng kernel tracer built%s%s",
				      override ? " in " : "", override ? override : "");
	nt_err_hint(e, "build it once with vm/lttng-modules.sh (setup.sh does; 6-9 minutes): "
		       "lttng-modules 2.13.9 for Debian's kernel 6.1.0-47");
	nt_err_set(err, e);
	return NULL;
}

/* The linux-image .deb in the LTTng build @dir. */
static char *lttng_deb(const char *dir)
{
	return cached_deb(dir);
}

static int deb_filter(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return !strncmp(d->d_name, "linux-image-", 12) && n > 4 &&
	       !strcmp(d->d_name + n - 4, ".deb") && d->d_name[12] >= '0' && d->d_name[12] <= '9';
}

static int deb_cmp(const struct dirent **a, const struct dirent **b)
{
	return strverscmp((*a)->d_name, (*b)->d_name);
}

/* The newest linux-image-<version> .deb in @cache, or NULL. */
static char *cached_deb(const char *cache)
{
	struct dirent **list = NULL;
	int n = scandir(cache, &list, deb_filter, deb_cmp);
	char *found = NULL;

	for (int i = 0; i < n; i++) {
		if (i == n - 1 && asprintf(&found, "%s/%s", cache, list[i]->d_name) < 0)
			found = NULL;
		free(list[i]);
	}
	free(list);
	return found;
}

/* Download Debian's current linux-image-amd64 kernel package into @cache. */
static char *download_deb(const char *cache, bool progress, struct nt_err **err)
{
	char log[4096], out[4096], *meta = NULL, *deps = NULL, pkg[256] = "";
	char *a1[] = {"apt-get", "download", "linux-image-amd64", NULL};
	char *a3[] = {"apt-get", "download", pkg, NULL};
	struct dirent **list = NULL;
	int n, st;
	char *deb = NULL;

	snprintf(log, sizeof(log), "%s/apt.log", cache);
	snprintf(out, sizeof(out), "%s/depends.txt", cache);
	unlink(log);
	if (progress)
		nt_progress_step("vm: downloading Debian's kernel package (linux-image-amd64) "
				 "into '%s'",
				 cache);
	if (!in_path("apt-get")) {
		nt_err_set(err, nt_err_new(NT_E_FAIL,
					   "no kernel in '%s' and no apt-get to fetch "
					   "one",
					   cache));
		return NULL;
	}
	st = nt_sys_spawn(a1, cache, log, log, 600);
	n = scandir(cache, &list, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		if (!meta && !strncmp(list[i]->d_name, "linux-image-amd64_", 18) &&
		    asprintf(&meta, "%s/%s", cache, list[i]->d_name) < 0)
			meta = NULL;
		free(list[i]);
	}
	free(list);
	if (st != 0 || !meta) {
		char *l = nt_sys_file_read(log, 0, NULL, NULL), line[512];
		struct nt_err *e;

		last_line(l, line, sizeof(line));
		e = nt_err_new(NT_E_FAIL,
			       "cannot download the kernel package: apt-get download "
			       "linux-image-amd64 failed (%s)",
			       *line ? line : "no output");
		nt_err_hint(e, "run 'apt-get update' (setup.sh does it and fills the cache), or "
			       "give a kernel package with --kernel-deb FILE");
		free(l);
		nt_err_set(err, e);
		goto out;
	}
	{
		char *a2[] = {"dpkg-deb", "-f", meta, "Depends", NULL};
		st = nt_sys_spawn(a2, NULL, out, log, 60);
	}
	deps = nt_sys_file_read(out, 0, NULL, NULL);
	unlink(out);
	if (st != 0 || !deps || sscanf(deps, "%255[a-z0-9.+-]", pkg) != 1 ||
	    strncmp(pkg, "linux-image-", 12)) {
		nt_err_set(err,
			   nt_err_new(NT_E_FAIL, "cannot tell which kernel '%s' depends on", meta));
		goto out;
	}
	st = nt_sys_spawn(a3, cache, log, log, 900);
	if (st != 0) {
		char *l = nt_sys_file_read(log, 0, NULL, NULL), line[512];
		last_line(l, line, sizeof(line));
		nt_err_set(err, nt_err_new(NT_E_FAIL, "cannot download '%s': %s", pkg, line));
		free(l);
		goto out;
	}
	deb = cached_deb(cache);
out:
	if (meta)
		unlink(meta);
	free(meta);
	free(deps);
	return deb;
}

/* Does the ELF at @path carry the PVH entry note QEMU boots through? */
static bool elf_has_pvh(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	unsigned char eh[64], ph[56];
	bool found = false;

	if (fd < 0)
		return false;
	if (pread(fd, eh, sizeof(eh), 0) == sizeof(eh) && !memcmp(eh, "\177ELF\2\1", 6)) {
		uint64_t phoff;
		uint16_t phentsize, phnum;
		memcpy(&phoff, eh + 0x20, 8);
		memcpy(&phentsize, eh + 0x36, 2);
		memcpy(&phnum, eh + 0x38, 2);
		for (unsigned i = 0; i < phnum && !found && phentsize >= 56; i++) {
			uint32_t type;
			uint64_t off, size;
			unsigned char notes[4096];
			if (pread(fd, ph, sizeof(ph), (off_t)(phoff + (uint64_t)i * phentsize)) !=
			    sizeof(ph))
				break;
			memcpy(&type, ph, 4);
			memcpy(&off, ph + 8, 8);
			memcpy(&size, ph + 32, 8);
			if (type != 4 /* PT_NOTE */)
				continue;
			size = size < sizeof(notes) ? size : sizeof(notes);
			if (pread(fd, notes, size, (off_t)off) != (ssize_t)size)
				continue;
			for (uint64_t p = 0; p + 12 <= size;) {
				uint32_t nsz, dsz, nt;
				memcpy(&nsz, notes + p, 4);
				memcpy(&dsz, notes + p + 4, 4);
				memcpy(&nt, notes + p + 8, 4);
				/* XEN_ELFNOTE_PHYS32_ENTRY */
				if (nsz == 4 && p + 16 <= size &&
				    !memcmp(notes + p + 12, "Xen", 4) && nt == 18)
					found = true;
				p += 12 + ((nsz + 3) & ~3u) + ((dsz + 3) & ~3u);
			}
		}
	}
	close(fd);
	return found;
}

/*
 * The bzImage's payload as an uncompressed vmlinux, when it is xz (Debian's) and the kernel
 * has a PVH entry: QEMU then starts it directly, several seconds faster under emulation.
 */
static void extract_vmlinux(const char *vmlinuz, const char *dir)
{
	static const unsigned char xz_magic[6] = {0xfd, '7', 'z', 'X', 'Z', 0};
	char xzp[4096], out[4096];
	size_t len;
	char *img = nt_sys_file_read(vmlinuz, 0, &len, NULL);
	char *a[] = {"xz", "-dcq", xzp, NULL};
	FILE *f;

	snprintf(xzp, sizeof(xzp), "%s/vmlinux.xz", dir);
	snprintf(out, sizeof(out), "%s/vmlinux", dir);
	if (!img || !in_path("xz")) {
		free(img);
		return;
	}
	for (size_t i = 0; i + 6 < len; i++) {
		if (memcmp(img + i, xz_magic, 6))
			continue;
		f = fopen(xzp, "we");
		if (f) {
			fwrite(img + i, 1, len - i, f);
			fclose(f);
			/* xz complains about the bytes after the stream: the output is whole */
			nt_sys_spawn(a, NULL, out, NULL, 120);
			unlink(xzp);
		}
		break;
	}
	free(img);
	if (!elf_has_pvh(out))
		unlink(out);
}

static int kernel_release(const char *kdir, char *out, size_t size)
{
	char p[4096];
	DIR *d;
	struct dirent *e;
	int ret = -1;

	snprintf(p, sizeof(p), "%s/boot", kdir);
	d = opendir(p);
	while (d && (e = readdir(d)))
		if (!strncmp(e->d_name, "vmlinuz-", 8)) {
			snprintf(out, size, "%s", e->d_name + 8);
			ret = 0;
		}
	if (d)
		closedir(d);
	return ret;
}

/* The VM's members of the kernel package @deb into @tmp (dpkg-deb's messages in @log), and
 * the kernel's release in @rel. */
static int unpack_deb(const char *deb, const char *tmp, const char *log, char *rel, size_t relsize,
		      struct nt_err **err)
{
	char *a[32] = {"sh",
		       "-c",
		       "f=$1 d=$2; shift 2; dpkg-deb --fsys-tarfile \"$f\" | "
		       "tar -x -C \"$d\" --wildcards \"$@\"; true",
		       "sh",
		       (char *)deb,
		       (char *)tmp};
	int n = 6, st;

	for (size_t i = 0; i < sizeof(kernel_members) / sizeof(kernel_members[0]); i++)
		a[n++] = (char *)kernel_members[i];
	a[n] = NULL;
	st = nt_sys_spawn(a, NULL, NULL, log, 600);
	if (st != 0 || kernel_release(tmp, rel, relsize)) {
		char *l = nt_sys_file_read(log, 0, NULL, NULL), line[512];
		last_line(l, line, sizeof(line));
		nt_err_set(err, nt_err_new(NT_E_INPUT, "cannot extract a kernel from '%s'%s%s", deb,
					   *line ? ": " : "", line));
		free(l);
		return -1;
	}
	return 0;
}

int nt_vm_kernel(const char *cache, const char *deb_in, bool progress, char **kdir,
		 struct nt_err **err)
{
	char *deb = deb_in ? strdup(deb_in) : NULL, *dir = NULL, *tmp = NULL, *base;
	char stamp[4096], log[4096], rel[256], vmlinuz[4096];
	int ret = -1;

	*kdir = NULL;
	if (mkdir_p(cache) < 0)
		return nt_err_set(err, nt_err_errno(NT_E_FAIL, errno,
						    "cannot create the VM cache '%s'", cache));
	if (deb && access(deb, R_OK)) {
		nt_err_set(err,
			   nt_err_errno(NT_E_INPUT, errno, "cannot read kernel package '%s'", deb));
		goto out;
	}
	if (!deb)
		deb = cached_deb(cache);
	if (!deb && !(deb = download_deb(cache, progress, err)))
		goto out;
	base = strrchr(deb, '/');
	base = base ? base + 1 : deb;
	if (asprintf(&dir, "%s/%.*s", cache, (int)(strlen(base) - 4), base) < 0 ||
	    asprintf(&tmp, "%s.tmp%ld", dir, (long)getpid()) < 0) {
		nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
		goto out;
	}
	snprintf(stamp, sizeof(stamp), "%s/" CACHE_STAMP, dir);
	if (!access(stamp, F_OK)) {
		ret = 0;
		goto out;
	}
	if (progress)
		nt_progress_step("vm: extracting the kernel from '%s'", deb);
	rm_rf(tmp);
	snprintf(log, sizeof(log), "%s.log", tmp);
	if (mkdir(tmp, 0755) < 0) {
		nt_err_set(err, nt_err_errno(NT_E_FAIL, errno, "cannot create '%s'", tmp));
		goto out;
	}
	if (unpack_deb(deb, tmp, log, rel, sizeof(rel), err))
		goto out;
	snprintf(vmlinuz, sizeof(vmlinuz), "%s/boot/vmlinuz-%s", tmp, rel);
	extract_vmlinux(vmlinuz, tmp);
	snprintf(stamp, sizeof(stamp), "%s/" CACHE_STAMP, tmp);
	snprintf(log, sizeof(log), "%s/" CACHE_STAMP, dir);
	if (access(log, F_OK))
		rm_rf(dir); /* extracted with an older member list */
	snprintf(log, sizeof(log), "%s.log", tmp);
	if (close(open(stamp, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) < 0 ||
	    (rename(tmp, dir) < 0 && errno != ENOTEMPTY && errno != EEXIST)) {
		nt_err_set(err, nt_err_errno(NT_E_FAIL, errno, "cannot fill the cache '%s'", dir));
		goto out;
	}
	ret = 0;
out:
	if (tmp) {
		rm_rf(tmp);
		snprintf(log, sizeof(log), "%s.log", tmp);
		unlink(log);
	}
	if (!ret)
		*kdir = dir;
	else
		free(dir);
	free(tmp);
	free(deb);
	return ret;
}

/* ---- the guest ---- */

static const char guest_init[] =
	"#!/bin/busybox sh\n"
	"/bin/busybox --install -s /bin\n"
	"export PATH=/usr/sbin:/usr/bin:/bin\n"
	"mount -t proc proc /proc\n"
	"mount -t sysfs sysfs /sys\n"
	"mount -t devtmpfs devtmpfs /dev 2>/dev/null\n"
	"mount -t tmpfs tmpfs /run\n"
	"mkdir -p /var && ln -s /run /var/run\n"
	"mount -t tracefs tracefs /sys/kernel/tracing\n"
	"up() { cut -d' ' -f1 /proc/uptime; }\n"
	/* what record may change, before and after, for tests (tracefs.before/after) */
	"snap() { ( cd /sys/kernel/tracing && for f in current_tracer tracing_on trace_clock "
	"buffer_size_kb set_event set_event_pid set_ftrace_filter set_ftrace_notrace "
	"set_ftrace_pid set_graph_function set_graph_notrace max_graph_depth tracing_thresh "
	"options/funcgraph-irqs function_profile_enabled events/enable kprobe_events; do "
	"[ -r $f ] && "
	"echo \"$f: $(tr '\\n' ' ' < $f)\"; done; echo \"instances: $(ls instances)\" ); }\n"
	"echo \"nettrail-vm: init $(up)\"\n"
	"while read -r m; do insmod \"/lib/modules/$m\" || echo \"nettrail-vm: cannot load "
	"$m\"; done < /job/modules\n"
	"ip link set lo up\n"
	"i=0; while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done\n"
	"set --\n"
	"while IFS= read -r a; do set -- \"$@\" \"$a\"; done < /job/run.args\n"
	"echo \"nettrail-vm: ready $(up)\"\n"
	"cd /out\n"
	"snap > /out/tracefs.before\n"
	"nettrail \"$@\" > /out/traffic.out 2> /out/record.err\n"
	"echo $? > /out/record.rc\n"
	"snap > /out/tracefs.after\n"
	"ps -o pid,comm > /out/ps.after 2>&1\n"
	"echo \"nettrail-vm: recorded $(up) (exit code $(cat /out/record.rc))\"\n"
	"cat /out/record.err /out/traffic.out\n"
	"uname -r > /out/uname\n"
	"if tar -cf /dev/vda -C /out . && sync; then echo \"nettrail-vm: saved $(up)\"; fi\n"
	"reboot -f\n";

/* The job files: record arguments (one a line) and the traffic script. */
static int job_files(const struct nt_vm_opts *o, char **args, char **traffic)
{
	size_t n1 = 0, n2 = 0;
	FILE *a = open_memstream(args, &n1), *t = open_memstream(traffic, &n2);

	if (!a || !t) {
		if (a)
			fclose(a);
		if (t)
			fclose(t);
		return -1;
	}
	if (o->nrun_args) {
		for (int i = 0; i < o->nrun_args; i++)
			fprintf(a, "%s\n", o->run_args[i]);
	} else {
		fprintf(a, "record\n-o\n%s\n", o->lttng ? "/out/" LTTNG_OUT : "/out/trace.dat");
		for (int i = 0; i < o->nrecord_args; i++)
			fprintf(a, "%s\n", o->record_args[i]);
		fprintf(a, "--\n/bin/sh\n/job/traffic.sh\n");
	}
	fprintf(t, "set -e\n");
	for (int i = 0; i < o->ntraffic; i++)
		fprintf(t, "nt-traffic %s\n", o->traffic[i]);
	fclose(a);
	fclose(t);
	return 0;
}

/* Escape @s for a QEMU option value (a comma is doubled). */
static char *qemu_escape(const char *s)
{
	char *out = malloc(strlen(s) * 2 + 1), *p = out;

	for (; out && *s; s++) {
		*p++ = *s;
		if (*s == ',')
			*p++ = ',';
	}
	if (out)
		*p = '\0';
	return out;
}

/* ---- the trace back from the disk: a ustar archive at its start ---- */

static uint64_t octal(const unsigned char *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n && p[i] >= '0' && p[i] <= '7'; i++)
		v = v * 8 + (uint64_t)(p[i] - '0');
	return v;
}

/* A relative path of the archive without "." or ".." parts (nothing outside @outdir). */
static bool safe_name(const char *b)
{
	if (!*b || *b == '/')
		return false;
	for (const char *p = b; *p;) {
		size_t n = strcspn(p, "/");
		if (!n || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		p += n;
		p += *p == '/';
	}
	return true;
}

static int untar(const char *img, const char *outdir, struct nt_err **err)
{
	int fd = open(img, O_RDONLY | O_CLOEXEC), files = 0;
	unsigned char h[512];
	off_t off = 0;
	static char buf[1 << 20];

	if (fd < 0)
		return nt_err_set(err, nt_err_errno(NT_E_FAIL, errno, "cannot read '%s'", img));
	while (pread(fd, h, 512, off) == 512) {
		char name[260], path[4700];
		const char *b;
		uint64_t size = octal(h + 124, 12), left;
		int out = -1;
		bool zero = true;

		for (int i = 0; i < 512 && zero; i++)
			zero = !h[i];
		if (zero || memcmp(h + 257, "ustar", 5))
			break;
		off += 512;
		if (h[345])
			snprintf(name, sizeof(name), "%.155s/%.100s", (const char *)h + 345,
				 (const char *)h);
		else
			snprintf(name, sizeof(name), "%.100s", (const char *)h);
		b = !strncmp(name, "./", 2) ? name + 2 : name;
		snprintf(path, sizeof(path), "%s/%s", outdir, b);
		if (h[156] == '5' && safe_name(b)) {
			mkdir_p(path);
		} else if ((h[156] == '0' || h[156] == '\0') && safe_name(b)) {
			char *slash = strrchr(path, '/');
			*slash = '\0';
			mkdir_p(path);
			*slash = '/';
			out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
			if (out < 0) {
				close(fd);
				return nt_err_set(err, nt_err_errno(NT_E_FAIL, errno,
								    "cannot create '%s'", path));
			}
			files++;
		}
		for (left = size; left > 0 && out >= 0;) {
			size_t want = left < sizeof(buf) ? (size_t)left : sizeof(buf);
			ssize_t r = pread(fd, buf, want, off + (off_t)(size - left));
			if (r <= 0 || write(out, buf, (size_t)r) != r) {
				close(out);
				close(fd);
				return nt_err_set(err, nt_err_errno(NT_E_FAIL, r < 0 ? errno : EIO,
								    "cannot copy '%s' out of the "
								    "VM's disk",
								    b));
			}
			left -= (uint64_t)r;
		}
		if (out >= 0 && close(out) < 0) {
			close(fd);
			return nt_err_set(
				err, nt_err_errno(NT_E_FAIL, errno, "cannot write '%s'", path));
		}
		off += (off_t)((size + 511) / 512 * 512);
	}
	close(fd);
	return files;
}

/* ---- running QEMU ---- */

struct run {
	const struct nt_vm_opts *o;
	struct nt_vm_result *res;
	const char *cache; /* weak: the kernel cache, where the KVM note goes */
	char *work;	   /* owned */
	bool temp_work;
	char *kdir;  /* owned */
	char *lttng; /* owned: the LTTng build (o->lttng) */
	char release[256];
	char path[8][4400]; /* initrd, disk, console, qemu log, out dir, kernel */
};

enum { P_INITRD, P_DISK, P_CONSOLE, P_QLOG, P_OUT, P_KERNEL };

static int make_work(struct run *r, struct nt_err **err)
{
	static const char *const names[] = {"initrd.gz", "out.img", "console.log", "qemu.log",
					    "out"};

	if (r->o->keep) {
		r->work = strdup(r->o->keep);
		if (!r->work || mkdir_p(r->work) < 0)
			return nt_err_set(err, nt_err_errno(NT_E_FAIL, errno, "cannot create '%s'",
							    r->o->keep));
	} else {
		const char *t = getenv("TMPDIR");
		if (asprintf(&r->work, "%s/nettrail-vm.XXXXXX", t && *t ? t : "/tmp") < 0 ||
		    !mkdtemp(r->work))
			return nt_err_set(err, nt_err_errno(NT_E_FAIL, errno,
							    "cannot create a work directory"));
		r->temp_work = true;
	}
	for (int i = 0; i < 5; i++)
		snprintf(r->path[i], sizeof(r->path[i]), "%s/%s", r->work, names[i]);
	rm_rf(r->path[P_OUT]);
	if (mkdir(r->path[P_OUT], 0755) < 0)
		return nt_err_set(
			err, nt_err_errno(NT_E_FAIL, errno, "cannot create '%s'", r->path[P_OUT]));
	return 0;
}

static int build_initrd(struct run *r, struct nt_err **err)
{
	char self[4096], traffic[4200], tree[4200], *args = NULL, *script = NULL, *xsd = NULL;
	const char *files[10], *mods[64], *bins[16], *trees[2];
	int nmods = 0, nbins = 0, nfiles = 2;
	ssize_t n;
	int ret;

	if (r->o->nettrail) {
		snprintf(self, sizeof(self), "%s", r->o->nettrail);
	} else if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) > 0) {
		self[n] = '\0';
	} else {
		return nt_err_set(err, nt_err_errno(NT_E_FAIL, errno, "cannot find this program"));
	}
	if (r->o->traffic_bin) {
		snprintf(traffic, sizeof(traffic), "%s", r->o->traffic_bin);
	} else {
		char *slash = strrchr(self, '/');
		snprintf(traffic, sizeof(traffic), "%.*s/nt-traffic",
			 slash ? (int)(slash - self) : 1, slash ? self : ".");
		if (access(traffic, X_OK) && getenv("NT_TRAFFIC"))
			snprintf(traffic, sizeof(traffic), "%s", getenv("NT_TRAFFIC"));
	}
	if (job_files(r->o, &args, &script))
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	for (size_t i = 0; i < sizeof(guest_modules) / sizeof(guest_modules[0]); i++)
		mods[nmods++] = guest_modules[i];
	for (int i = 0; i < r->o->nmodules && nmods < 64; i++)
		mods[nmods++] = r->o->modules[i];
	if (r->o->lttng) {
		bins[nbins++] = LTTNG_SESSIOND;
		bins[nbins++] = LTTNG_CONSUMERD;
		snprintf(tree, sizeof(tree), "%s/lib", r->lttng);
		trees[0] = tree;
		trees[1] = "/lib";
		/* sessiond refuses to start without its session schema; a tracing group spares
		 * its warnings */
		if (!(xsd = nt_sys_file_read(LTTNG_XSD, 0, NULL, NULL)))
			return nt_err_set(err, nt_err_errno(NT_E_FAIL, errno,
							    "cannot read '%s' (liblttng-ctl0)",
							    LTTNG_XSD));
		files[nfiles * 2] = LTTNG_XSD + 1;
		files[nfiles * 2 + 1] = xsd;
		nfiles++;
		files[nfiles * 2] = "etc/group";
		files[nfiles * 2 + 1] = "root:x:0:\ntracing:x:999:\n";
		nfiles++;
		files[nfiles * 2] = "etc/passwd";
		files[nfiles * 2 + 1] = "root:x:0:0:root:/root:/bin/sh\n";
		nfiles++;
	}
	for (int i = 0; i < r->o->nbins && nbins < 16; i++)
		bins[nbins++] = r->o->bins[i];
	files[0] = "job/run.args";
	files[1] = args;
	files[2] = "job/traffic.sh";
	files[3] = script;
	ret = nt_vm_initrd_build(r->path[P_INITRD],
				 &(struct nt_initrd_src){
					 .kdir = r->kdir,
					 .release = r->release,
					 .busybox = "/bin/busybox",
					 .nettrail = self,
					 .traffic = traffic,
					 .modules = mods,
					 .nmodules = nmods,
					 .bins = bins,
					 .nbins = nbins,
					 .trees = trees,
					 .ntrees = r->o->lttng ? 1 : 0,
					 .init = guest_init,
					 .files = files,
					 .nfiles = nfiles,
				 },
				 err);
	free(args);
	free(script);
	free(xsd);
	return ret;
}

/* QEMU's command line and the strings it points to. */
struct qemu_cmd {
	char mem[32], cpus[32], append[4096], drive[9000], chardev[9000];
	const char *argv[40];
};

/* The sparse disk the guest writes its tar to. */
static int make_disk(struct run *r, struct nt_err **err)
{
	int fd = open(r->path[P_DISK], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || ftruncate(fd, (off_t)DISK_SIZE) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return nt_err_set(
			err, nt_err_errno(NT_E_FAIL, e, "cannot create '%s'", r->path[P_DISK]));
	}
	close(fd);
	return 0;
}

static int qemu_cmd(struct run *r, struct qemu_cmd *q, struct nt_err **err)
{
	char *disk = qemu_escape(r->path[P_DISK]), *con = qemu_escape(r->path[P_CONSOLE]);
	const char **argv = q->argv, *mem = q->mem, *cpus = q->cpus;
	int n = 0;

	if (!disk || !con) {
		free(disk);
		free(con);
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	}
	snprintf(q->mem, sizeof(q->mem), "%d", r->o->mem_mb > 0 ? r->o->mem_mb : 1024);
	snprintf(q->cpus, sizeof(q->cpus), "%d", r->o->cpus > 0 ? r->o->cpus : 2);
	snprintf(q->append, sizeof(q->append), "console=ttyS0 panic=-1 rdinit=/init%s%s",
		 r->o->append ? " " : "", r->o->append ? r->o->append : "");
	snprintf(q->drive, sizeof(q->drive), "file=%s,format=raw,if=virtio", disk);
	snprintf(q->chardev, sizeof(q->chardev), "file,id=con,path=%s", con);
	free(disk);
	free(con);
	argv[n++] = QEMU;
	argv[n++] = "-nodefaults";
	argv[n++] = "-no-user-config";
	argv[n++] = "-display";
	argv[n++] = "none";
	argv[n++] = "-no-reboot";
	argv[n++] = "-machine";
	argv[n++] = "q35";
	argv[n++] = "-accel";
	/* multi-threaded TCG froze the guest in 3 of 13 runs while ftrace patched the kernel's
	 * code (cross-cpu code modification); one host thread for all vcpus never did */
	argv[n++] = r->res->kvm ? "kvm" : "tcg,thread=single";
	if (r->res->kvm) {
		argv[n++] = "-cpu";
		argv[n++] = "host";
	} else if (r->o->lttng) {
		/* a random source from the first instant: without it the guest's crng is ready
		 * only 5-10 s after boot and lttng-sessiond waits for it */
		argv[n++] = "-cpu";
		argv[n++] = "qemu64,+rdrand";
	}
	argv[n++] = "-m";
	argv[n++] = mem;
	argv[n++] = "-smp";
	argv[n++] = cpus;
	argv[n++] = "-kernel";
	argv[n++] = r->path[P_KERNEL];
	argv[n++] = "-initrd";
	argv[n++] = r->path[P_INITRD];
	argv[n++] = "-append";
	argv[n++] = q->append;
	argv[n++] = "-chardev";
	argv[n++] = q->chardev;
	argv[n++] = "-serial";
	argv[n++] = "chardev:con";
	argv[n++] = "-drive";
	argv[n++] = q->drive;
	argv[n] = NULL;
	return 0;
}

/* What QEMU's wait status @st (or -1 and errno) says. */
static int qemu_status(struct run *r, int st, struct nt_err **err)
{
	if (st < 0 && errno == ETIMEDOUT)
		return nt_err_set(err,
				  nt_err_new(NT_E_FAIL,
					     "the VM did not finish within %g s (a hung boot or "
					     "capture)",
					     r->o->timeout > 0 ? r->o->timeout : 300));
	if (st < 0 && errno == EINTR)
		return nt_err_set(err, nt_err_new(NT_E_INTR, "interrupted: the VM was stopped"));
	if (st < 0)
		return nt_err_set(err, nt_err_errno(NT_E_FAIL, errno, "cannot run " QEMU));
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		char *l = nt_sys_file_read(r->path[P_QLOG], 0, NULL, NULL), line[512];
		last_line(l, line, sizeof(line));
		free(l);
		return nt_err_set(err, nt_err_new(NT_E_FAIL, QEMU " failed (%s %d): %s",
						  WIFEXITED(st) ? "exit code" : "signal",
						  WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st),
						  *line ? line : "no message"));
	}
	return 0;
}

/*
 * Did QEMU under KVM fail before the guest printed anything (wait status @st)? A /dev/kvm can
 * be there and still refuse QEMU's vcpus (seen: an assertion in kvm_buf_set_msrs when the
 * host is itself a VM); the guest then never starts.
 */
static bool kvm_refused(struct run *r, int st)
{
	char *console;
	bool empty;

	if (!r->res->kvm || st < 0 || (WIFEXITED(st) && !WEXITSTATUS(st)))
		return false;
	console = nt_sys_file_read(r->path[P_CONSOLE], 0, NULL, NULL);
	empty = !console || !*console;
	free(console);
	return empty;
}

/*
 * A guest under KVM prints its first console line within a second or two; one that printed
 * nothing after this many seconds is hung (seen: a host, itself a VM, whose KVM ran the BIOS
 * and then never the kernel).
 */
#define KVM_FIRST_LINE_S 20

/* This boot of the host: /proc/sys/kernel/random/boot_id into @id ("" when unknown). */
static void boot_id(char *id, size_t n)
{
	char *s = nt_sys_file_read("/proc/sys/kernel/random/boot_id", 0, NULL, NULL);

	snprintf(id, n, "%.*s", s ? (int)strcspn(s, "\n") : 0, s ? s : "");
	free(s);
}

/* Did KVM hang a guest since the host booted (the note in @cache, kvm_hung_note)? */
static bool kvm_hung_before(const char *cache)
{
	char path[4200], id[64], *note;
	bool hung;

	snprintf(path, sizeof(path), "%s/kvm-hung", cache);
	boot_id(id, sizeof(id));
	note = nt_sys_file_read(path, 0, NULL, NULL);
	hung = note && *id && !strncmp(note, id, strlen(id));
	free(note);
	return hung;
}

/* Note in @cache that KVM hung a guest in this boot of the host: the next runs use TCG. */
static void kvm_hung_note(const char *cache)
{
	char path[4200], id[64];
	FILE *f;

	boot_id(id, sizeof(id));
	snprintf(path, sizeof(path), "%s/kvm-hung", cache);
	if (*id && (f = fopen(path, "w"))) {
		fprintf(f, "%s\n", id);
		fclose(f);
	}
}

static void say_kvm_hung(void)
{
	char msg[300];
	int n = snprintf(msg, sizeof(msg),
			 "the VM printed nothing in %d s under KVM; booting it again under TCG "
			 "emulation (slower), as the next runs will until the host reboots",
			 KVM_FIRST_LINE_S);

	nt_progress_warn("/dev/kvm", msg, n < (int)sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
}

/* Warn that QEMU refused KVM, with its last line. */
static void say_kvm_refused(struct run *r)
{
	char *l = nt_sys_file_read(r->path[P_QLOG], 0, NULL, NULL), line[512], msg[700];
	int n;

	last_line(l, line, sizeof(line));
	free(l);
	n = snprintf(msg, sizeof(msg),
		     "QEMU could not run the VM under KVM (%s); booting it again under TCG "
		     "emulation (slower)",
		     *line ? line : "no message");
	nt_progress_warn("/dev/kvm", msg, n < (int)sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
}

static int run_qemu(struct run *r, struct nt_err **err)
{
	struct qemu_cmd q;
	bool hung;
	int st;

	if (make_disk(r, err))
		return -1;
	hung = kvm_hung_before(r->cache);
	r->res->kvm = !hung && !access("/dev/kvm", R_OK | W_OK);
	for (;;) {
		if (qemu_cmd(r, &q, err))
			return -1;
		if (r->o->progress)
			nt_progress_step("vm: booting Linux %s under QEMU (%s, %s MB, %s cpus)",
					 r->release,
					 r->res->kvm ? "KVM"
					 : hung	     ? "TCG emulation: KVM hung a guest since the "
						       "host booted"
						     : "TCG emulation, no usable /dev/kvm",
					 q.mem, q.cpus);
		st = nt_sys_spawn_watch((char *const *)q.argv, r->work, r->path[P_QLOG],
					r->path[P_QLOG], r->o->timeout > 0 ? r->o->timeout : 300,
					r->res->kvm ? r->path[P_CONSOLE] : NULL, KVM_FIRST_LINE_S);
		if (st < 0 && errno == ENODATA) { /* hung under KVM: again under TCG */
			say_kvm_hung();
			kvm_hung_note(r->cache);
			r->res->kvm = false;
			hung = true;
			continue;
		}
		if (!kvm_refused(r, st))
			return qemu_status(r, st, err);
		say_kvm_refused(r); /* and boot again under software emulation */
		r->res->kvm = false;
	}
}

static double marker(const char *console, const char *m)
{
	const char *p = console ? strstr(console, m) : NULL;

	return p ? strtod(p + strlen(m), NULL) : -1;
}

/* Why the guest gave nothing back, from its console. */
static struct nt_err *guest_failure(const char *console)
{
	const char *p = console ? strstr(console, "Kernel panic") : NULL;
	char line[512];

	if (p) {
		snprintf(line, sizeof(line), "%.*s", (int)strcspn(p, "\r\n"), p);
		return nt_err_new(NT_E_FAIL, "the VM's kernel panicked: %s", line);
	}
	if (console && strstr(console, "nettrail-vm: recorded"))
		return nt_err_new(NT_E_FAIL, "the VM could not write the trace to its disk");
	last_line(console, line, sizeof(line));
	return nt_err_new(NT_E_FAIL,
			  "the VM stopped without handing back a trace (its last "
			  "console line: '%s')",
			  line);
}

static int collect(struct run *r, struct nt_err **err)
{
	char p[4600], *console = nt_sys_file_read(r->path[P_CONSOLE], 0, NULL, NULL), *rc;
	int files;

	r->res->ready_s = marker(console, "nettrail-vm: ready ");
	r->res->recorded_s = marker(console, "nettrail-vm: recorded ");
	files = strstr(console ? console : "", "nettrail-vm: saved")
			? untar(r->path[P_DISK], r->path[P_OUT], err)
			: 0;
	if (files <= 0) {
		if (files == 0)
			nt_err_set(err, guest_failure(console));
		free(console);
		return -1;
	}
	free(console);
	snprintf(p, sizeof(p), "%s/record.err", r->path[P_OUT]);
	r->res->record_err = nt_sys_file_read(p, 0, NULL, NULL);
	snprintf(p, sizeof(p), "%s/traffic.out", r->path[P_OUT]);
	r->res->traffic_out = nt_sys_file_read(p, 0, NULL, NULL);
	snprintf(p, sizeof(p), "%s/record.rc", r->path[P_OUT]);
	rc = nt_sys_file_read(p, 0, NULL, NULL);
	r->res->record_rc = rc ? atoi(rc) : -1;
	free(rc);
	if (r->res->record_rc != 0 && r->res->record_rc != 5) {
		char line[512];
		int rcv = r->res->record_rc;
		last_line(r->res->record_err, line, sizeof(line));
		return nt_err_set(err, nt_err_new(rcv == 3   ? NT_E_INPUT
						  : rcv == 2 ? NT_E_USAGE
							     : NT_E_FAIL,
						  "nettrail %s failed in the VM (exit code %d): %s",
						  r->o->nrun_args ? r->o->run_args[0] : "record",
						  rcv, *line ? line : "no message"));
	}
	return 0;
}

/* Move @from to @to (a copy when they are on different filesystems). */
static int move_file(const char *from, const char *to)
{
	char *a[] = {"cp", "--", (char *)from, (char *)to, NULL};

	if (!rename(from, to))
		return 0;
	if (errno != EXDEV)
		return -1;
	if (nt_sys_spawn(a, NULL, NULL, NULL, 600) != 0) {
		errno = EIO;
		return -1;
	}
	return unlink(from);
}

static int deliver(struct run *r, struct nt_err **err)
{
	char from[4600], prof[4600], *to = NULL;

	for (int i = 0; i < r->o->nfetch; i++) {
		char *a[] = {"cp", "-R", "--", from, (char *)r->o->fetch_dir, NULL};
		snprintf(from, sizeof(from), "%s/%s", r->path[P_OUT], r->o->fetch[i]);
		if (access(from, R_OK))
			return nt_err_set(err, nt_err_new(NT_E_FAIL, "the VM handed back no '%s'",
							  r->o->fetch[i]));
		if (mkdir_p(r->o->fetch_dir) < 0 || nt_sys_spawn(a, NULL, NULL, NULL, 600) != 0)
			return nt_err_set(err, nt_err_new(NT_E_FAIL, "cannot copy '%s' into '%s'",
							  r->o->fetch[i], r->o->fetch_dir));
	}
	if (!r->o->dat)
		return 0;
	if (r->o->lttng) {
		char *a[] = {"cp", "-R", "--", from, (char *)r->o->dat, NULL};
		snprintf(from, sizeof(from), "%s/" LTTNG_OUT, r->path[P_OUT]);
		if (access(from, R_OK))
			return nt_err_set(
				err, nt_err_new(NT_E_FAIL, "the VM handed back no LTTng trace"));
		rmdir(r->o->dat); /* empty, checked before the run */
		if (rename(from, r->o->dat) && nt_sys_spawn(a, NULL, NULL, NULL, 600) != 0)
			return nt_err_set(err,
					  nt_err_new(NT_E_FAIL, "cannot write '%s'", r->o->dat));
		return 0;
	}
	snprintf(from, sizeof(from), "%s/trace.dat", r->path[P_OUT]);
	if (access(from, R_OK))
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "the VM handed back no trace.dat"));
	if (move_file(from, r->o->dat))
		return nt_err_set(err,
				  nt_err_errno(NT_E_FAIL, errno, "cannot write '%s'", r->o->dat));
	snprintf(prof, sizeof(prof), "%s/trace.dat.trace_stat", r->path[P_OUT]);
	if (!access(prof, R_OK)) {
		if (asprintf(&to, "%s.trace_stat", r->o->dat) < 0 || move_file(prof, to)) {
			free(to);
			return nt_err_set(
				err, nt_err_errno(NT_E_FAIL, errno, "cannot save the profile"));
		}
		r->res->profile_path = to;
	}
	return 0;
}

/* @path does not exist or is an empty directory. */
static bool dir_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	bool empty = true;

	if (!d)
		return errno == ENOENT;
	while (empty && (e = readdir(d)))
		empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
	closedir(d);
	return empty;
}

static int check_tools(struct nt_err **err)
{
	struct nt_err *e = NULL;

	if (!in_path(QEMU)) {
		e = nt_err_new(NT_E_FAIL, QEMU " is not installed");
		nt_err_hint(e, "apt-get install qemu-system-x86 (setup.sh does)");
	} else if (access("/bin/busybox", X_OK)) {
		e = nt_err_new(NT_E_FAIL, "busybox is not installed ('/bin/busybox')");
		nt_err_hint(e, "apt-get install busybox-static (setup.sh does)");
	}
	return e ? nt_err_set(err, e) : 0;
}

int nt_vm_record(const struct nt_vm_opts *o, struct nt_vm_result *res, struct nt_err **err)
{
	struct run r = {.o = o, .res = res};
	char *cache = NULL;
	double t0 = nt_sys_now();
	int ret = -1;

	memset(res, 0, sizeof(*res));
	res->record_rc = -1;
	if (check_tools(err))
		return -1;
	cache = nt_vm_cache_dir(o->cache_dir);
	if (!cache) {
		nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
		goto out;
	}
	r.cache = cache;
	if (o->lttng) {
		char *deb;
		if (o->dat && !dir_empty(o->dat)) {
			nt_err_set(err,
				   nt_err_new(NT_E_USAGE,
					      "'%s' exists and is not an empty directory", o->dat));
			goto out;
		}
		if (!(r.lttng = lttng_build(o->lttng_dir, err)))
			goto out;
		deb = o->kernel_deb ? NULL : lttng_deb(r.lttng);
		if (!o->kernel_deb && !deb) {
			nt_err_set(err, nt_err_new(NT_E_FAIL, "no linux-image package in '%s'",
						   r.lttng));
			goto out;
		}
		ret = nt_vm_kernel(cache, o->kernel_deb ? o->kernel_deb : deb, o->progress, &r.kdir,
				   err);
		free(deb);
		if (ret)
			goto out;
		ret = -1;
	} else if (nt_vm_kernel(cache, o->kernel_deb, o->progress, &r.kdir, err)) {
		goto out;
	}
	if (kernel_release(r.kdir, r.release, sizeof(r.release))) {
		nt_err_set(err, nt_err_new(NT_E_FAIL, "no kernel in '%s'", r.kdir));
		goto out;
	}
	res->release = strdup(r.release);
	snprintf(r.path[P_KERNEL], sizeof(r.path[P_KERNEL]), "%s/vmlinux", r.kdir);
	if (access(r.path[P_KERNEL], R_OK))
		snprintf(r.path[P_KERNEL], sizeof(r.path[P_KERNEL]), "%s/boot/vmlinuz-%s", r.kdir,
			 r.release);
	if (make_work(&r, err) || build_initrd(&r, err))
		goto out;
	res->console_log = strdup(r.path[P_CONSOLE]);
	if (run_qemu(&r, err) || collect(&r, err) || deliver(&r, err))
		goto out;
	ret = 0;
out:
	res->wall_s = nt_sys_now() - t0;
	if (ret == 0 && r.temp_work) {
		rm_rf(r.work);
		free(res->console_log);
		res->console_log = NULL;
	} else if (r.work) {
		unlink(r.path[P_DISK]); /* 4 GB sparse: its files are in out/ */
	}
	free(r.work);
	free(r.kdir);
	free(r.lttng);
	free(cache);
	return ret;
}
