/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The lab VM's initramfs: a gzip'd newc cpio written here (zlib), holding busybox, nettrail,
 * nt-traffic, the shared libraries ldd names for them, kernel modules with their dependencies
 * (from the modules' own "depends=" in .modinfo) and the /init script.
 */
#include "vm_int.h"
#include "../core/sys.h"

#include <errno.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

struct cpio {
	gzFile gz;
	uint32_t ino;
	char **paths; /* owned: what is in the archive already */
	int npaths;
	struct nt_err *err;
};

static bool cpio_has(struct cpio *c, const char *path)
{
	for (int i = 0; i < c->npaths; i++)
		if (!strcmp(c->paths[i], path))
			return true;
	return false;
}

static int cpio_put(struct cpio *c, const void *p, size_t n)
{
	if (c->err)
		return -1;
	if (n && gzwrite(c->gz, p, (unsigned)n) != (int)n) {
		c->err = nt_err_new(NT_E_FAIL, "cannot write the initramfs");
		return -1;
	}
	return 0;
}

static int cpio_pad(struct cpio *c, size_t n)
{
	static const char zeros[4];

	return cpio_put(c, zeros, (4 - n % 4) % 4);
}

/* One entry: @path without the leading '/', @mode with its type bits. */
static int cpio_entry(struct cpio *c, const char *path, unsigned mode, const void *data,
		      size_t size, unsigned rmajor, unsigned rminor)
{
	char hdr[160];
	size_t nlen = strlen(path) + 1;
	char **x;

	if (c->err)
		return -1;
	snprintf(hdr, sizeof(hdr), "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 ++c->ino, mode, 0, 0, 1, 0, (unsigned)size, 0, 0, rmajor, rminor, (unsigned)nlen,
		 0);
	cpio_put(c, hdr, 110);
	cpio_put(c, path, nlen);
	cpio_pad(c, 110 + nlen);
	cpio_put(c, data, size);
	cpio_pad(c, size);
	x = realloc(c->paths, (size_t)(c->npaths + 1) * sizeof(*x));
	if (!x || !(x[c->npaths] = strdup(path))) {
		if (x)
			c->paths = x;
		c->err = nt_err_new(NT_E_FAIL, "out of memory");
		return -1;
	}
	c->paths = x;
	c->npaths++;
	return c->err ? -1 : 0;
}

/* Every parent directory of @path (without leading '/'), once. */
static int cpio_dirs(struct cpio *c, const char *path)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *s = strchr(buf, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (!cpio_has(c, buf) && cpio_entry(c, buf, S_IFDIR | 0755, NULL, 0, 0, 0))
			return -1;
		*s = '/';
	}
	return 0;
}

static int cpio_data(struct cpio *c, const char *path, unsigned mode, const void *data, size_t size)
{
	while (*path == '/')
		path++;
	if (cpio_has(c, path))
		return 0;
	if (cpio_dirs(c, path))
		return -1;
	return cpio_entry(c, path, S_IFREG | mode, data, size, 0, 0);
}

/* The host file @src (symlinks followed) at @dst in the archive. */
static int cpio_file(struct cpio *c, const char *dst, const char *src, const char *what)
{
	size_t len;
	char *s;
	struct stat st;
	int ret;

	if (c->err)
		return -1;
	s = nt_sys_file_read(src, 0, &len, NULL);
	if (!s || stat(src, &st)) {
		c->err = nt_err_errno(NT_E_FAIL, errno, "cannot read %s '%s'", what, src);
		free(s);
		return -1;
	}
	ret = cpio_data(c, dst, st.st_mode & 0111 ? 0755 : 0644, s, len);
	free(s);
	return ret;
}

/* @bin and the shared libraries ldd names for it, at the same paths in the guest. */
static int add_binary(struct cpio *c, const char *dst, const char *bin, const char *what,
		      const char *tmpdir)
{
	char *argv[] = {"ldd", (char *)bin, NULL};
	char out[4096];
	char *text, *save = NULL;
	int st;

	if (access(bin, X_OK)) {
		c->err = nt_err_errno(NT_E_FAIL, errno, "cannot use %s '%s'", what, bin);
		return -1;
	}
	if (cpio_file(c, dst, bin, what))
		return -1;
	snprintf(out, sizeof(out), "%s/ldd.out", tmpdir);
	st = nt_sys_spawn(argv, NULL, out, NULL, 30);
	text = nt_sys_file_read(out, 0, NULL, NULL);
	unlink(out);
	if (st < 0 || !text) {
		c->err = nt_err_errno(NT_E_FAIL, errno, "cannot run ldd on '%s'", bin);
		free(text);
		return -1;
	}
	/* "\tlibz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x...)", "\t/lib64/ld-linux... (0x..)" */
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *arrow = strstr(l, "=> "), *p = arrow ? arrow + 3 : l;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strstr(l, "not found")) {
			c->err =
				nt_err_new(NT_E_FAIL, "%s '%s' needs a library that is missing: %s",
					   what, bin, l + strspn(l, " \t"));
			break;
		}
		if (*p != '/')
			continue; /* linux-vdso.so.1, "not a dynamic executable" */
		p[strcspn(p, " \t")] = '\0';
		if (cpio_file(c, p, p, "library"))
			break;
	}
	free(text);
	return c->err ? -1 : 0;
}

/* ---- kernel modules ---- */

struct mod {
	char *name; /* owned: with '_' for '-' */
	char *path; /* owned */
};

static struct mod *g_mods; /* for the nftw() callback only */
static int g_nmods;

static void underscore(char *s)
{
	for (; *s; s++)
		if (*s == '-')
			*s = '_';
}

static int mod_cb(const char *path, const struct stat *st, int type, struct FTW *f)
{
	const char *b = path + f->base;
	size_t n = strlen(b);
	struct mod *x;

	(void)st;
	if (type != FTW_F || n < 4 || strcmp(b + n - 3, ".ko"))
		return 0;
	x = realloc(g_mods, (size_t)(g_nmods + 1) * sizeof(*x));
	if (!x)
		return -1;
	g_mods = x;
	g_mods[g_nmods].name = strndup(b, n - 3);
	g_mods[g_nmods].path = strdup(path);
	if (!g_mods[g_nmods].name || !g_mods[g_nmods].path)
		return -1;
	underscore(g_mods[g_nmods].name);
	g_nmods++;
	return 0;
}

static struct mod *mod_find(const char *name)
{
	char n[256];

	snprintf(n, sizeof(n), "%s", name);
	underscore(n);
	for (int i = 0; i < g_nmods; i++)
		if (!strcmp(g_mods[i].name, n))
			return &g_mods[i];
	return NULL;
}

/* "depends=a,b" of a module's .modinfo, copied into @out ("" when none). */
static void mod_depends(const char *data, size_t len, char *out, size_t size)
{
	static const char key[] = "depends=";

	*out = '\0';
	for (size_t i = 1; i + sizeof(key) < len; i++) {
		if (data[i - 1] == '\0' && !memcmp(data + i, key, sizeof(key) - 1)) {
			snprintf(out, size, "%s", data + i + sizeof(key) - 1);
			return;
		}
	}
}

/* Add @name after its dependencies; @order collects the load order ("name.ko\n"...). */
static int add_module(struct cpio *c, const char *name, FILE *order, int level)
{
	struct mod *m = mod_find(name);
	char dst[512], deps[1024], *save = NULL;
	size_t len;
	char *data;

	if (c->err)
		return -1;
	if (!m) {
		c->err = nt_err_new(NT_E_FAIL, "kernel module '%s' is not in the kernel package",
				    name);
		return -1;
	}
	snprintf(dst, sizeof(dst), "lib/modules/%s.ko", m->name);
	if (cpio_has(c, dst))
		return 0;
	if (level > 16) {
		c->err = nt_err_new(NT_E_FAIL, "kernel module '%s': dependency loop", name);
		return -1;
	}
	data = nt_sys_file_read(m->path, 0, &len, NULL);
	if (!data) {
		c->err = nt_err_errno(NT_E_FAIL, errno, "cannot read kernel module '%s'", m->path);
		return -1;
	}
	mod_depends(data, len, deps, sizeof(deps));
	for (char *d = strtok_r(deps, ",", &save); d; d = strtok_r(NULL, ",", &save))
		if (*d && add_module(c, d, order, level + 1))
			break;
	if (!c->err && !cpio_has(c, dst)) {
		cpio_data(c, dst, 0644, data, len);
		fprintf(order, "%s.ko\n", m->name);
	}
	free(data);
	return c->err ? -1 : 0;
}

static int add_modules(struct cpio *c, const struct nt_initrd_src *s)
{
	char dir[4096], *list = NULL;
	size_t len = 0;
	FILE *order = open_memstream(&list, &len);

	snprintf(dir, sizeof(dir), "%s/lib/modules/%s/kernel", s->kdir, s->release);
	g_mods = NULL;
	g_nmods = 0;
	if (!order || nftw(dir, mod_cb, 16, FTW_PHYS) < 0) {
		c->err = nt_err_errno(NT_E_FAIL, errno, "cannot read the kernel modules in '%s'",
				      dir);
	}
	for (int i = 0; !c->err && i < s->nmodules; i++)
		add_module(c, s->modules[i], order, 0);
	if (order)
		fclose(order);
	if (!c->err)
		cpio_data(c, "job/modules", 0644, list ? list : "", list ? strlen(list) : 0);
	free(list);
	for (int i = 0; i < g_nmods; i++) {
		free(g_mods[i].name);
		free(g_mods[i].path);
	}
	free(g_mods);
	g_mods = NULL;
	g_nmods = 0;
	return c->err ? -1 : 0;
}

/* ---- whole directories ---- */

static struct cpio *g_tree_cpio; /* for the nftw() callback only */
static const char *g_tree_host, *g_tree_guest;

static int tree_cb(const char *path, const struct stat *st, int type, struct FTW *f)
{
	char dst[4096];

	(void)st;
	(void)f;
	if (type != FTW_F)
		return 0;
	snprintf(dst, sizeof(dst), "%s%s", g_tree_guest, path + strlen(g_tree_host));
	return cpio_file(g_tree_cpio, dst, path, "file") ? -1 : 0;
}

static int add_tree(struct cpio *c, const char *host, const char *guest)
{
	g_tree_cpio = c;
	g_tree_host = host;
	g_tree_guest = guest;
	if (nftw(host, tree_cb, 16, FTW_PHYS) < 0 && !c->err)
		c->err = nt_err_errno(NT_E_FAIL, errno, "cannot read '%s'", host);
	g_tree_cpio = NULL;
	return c->err ? -1 : 0;
}

int nt_vm_initrd_build(const char *path, const struct nt_initrd_src *s, struct nt_err **err)
{
	static const char *const dirs[] = {"bin",  "sbin", "usr", "usr/bin", "usr/sbin",
					   "proc", "sys",  "dev", "tmp",     "run",
					   "out",  "job",  "etc"};
	struct cpio c = {0};
	char tmpdir[4096];
	const char *slash = strrchr(path, '/');

	snprintf(tmpdir, sizeof(tmpdir), "%.*s", slash ? (int)(slash - path) : 1,
		 slash ? path : ".");
	c.gz = gzopen(path, "wb1");
	if (!c.gz)
		return nt_err_set(err, nt_err_errno(NT_E_FAIL, errno, "cannot create '%s'", path));
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		cpio_entry(&c, dirs[i], S_IFDIR | 0755, NULL, 0, 0, 0);
	cpio_entry(&c, "dev/console", S_IFCHR | 0600, NULL, 0, 5, 1);
	cpio_entry(&c, "dev/null", S_IFCHR | 0666, NULL, 0, 1, 3);
	cpio_data(&c, "init", 0755, s->init, strlen(s->init));
	add_binary(&c, "bin/busybox", s->busybox, "busybox", tmpdir);
	add_binary(&c, "bin/nettrail", s->nettrail, "nettrail", tmpdir);
	add_binary(&c, "bin/nt-traffic", s->traffic, "nt-traffic", tmpdir);
	for (int i = 0; i < s->nbins && !c.err; i++)
		add_binary(&c, s->bins[i], s->bins[i], "program", tmpdir);
	for (int i = 0; i < s->ntrees && !c.err; i++)
		add_tree(&c, s->trees[2 * i], s->trees[2 * i + 1]);
	for (int i = 0; i < s->nfiles && !c.err; i++)
		cpio_data(&c, s->files[2 * i], 0644, s->files[2 * i + 1],
			  strlen(s->files[2 * i + 1]));
	if (!c.err)
		add_modules(&c, s);
	if (!c.err)
		cpio_entry(&c, "TRAILER!!!", 0, NULL, 0, 0, 0);
	if (gzclose(c.gz) != Z_OK && !c.err)
		c.err = nt_err_new(NT_E_FAIL, "cannot write '%s'", path);
	for (int i = 0; i < c.npaths; i++)
		free(c.paths[i]);
	free(c.paths);
	if (c.err) {
		unlink(path);
		return nt_err_set(err, nt_err_wrap(c.err, "cannot build the VM's initramfs"));
	}
	return 0;
}
