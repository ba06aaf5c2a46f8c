/* SPDX-License-Identifier: GPL-2.0 */
/* Internal to the lab VM (collect/vm*.c): running helper programs, building the initramfs. */
#ifndef NT_VM_INT_H
#define NT_VM_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/error.h"

/*
 * Run @argv (argv[0] looked up in PATH) in @cwd (NULL: here) with stdout to @out (NULL:
 * /dev/null; "-": keep ours) and stderr to @log (NULL: /dev/null), killed after @timeout
 * seconds (0: none). Returns the wait status, or -1 with errno set when it could not start.
 */
int nt_vm_spawn(char *const argv[], const char *cwd, const char *out, const char *log,
		double timeout);

/* The whole of a file (NUL-terminated; *@len its size if @len), or NULL with errno set. */
char *nt_vm_slurp(const char *path, size_t *len);

/* The last @lines lines of @text (a pointer into it). */
const char *nt_vm_tail(const char *text, int lines);

/* What goes into the initramfs besides the fixed parts. */
struct nt_initrd_src {
	const char *kdir;	    /* the extracted kernel (lib/modules/<release>/...) */
	const char *release;	    /* "6.1.0-56-amd64" */
	const char *busybox;	    /* a busybox binary (static, from busybox-static) */
	const char *nettrail;	    /* the nettrail binary */
	const char *traffic;	    /* nt-traffic */
	const char *const *modules; /* modules to load, by name (dependencies are added) */
	int nmodules;
	const char *const *bins; /* more host programs (absolute paths), with their libraries */
	int nbins;
	const char *const *trees; /* pairs: a host directory, copied whole to a guest path */
	int ntrees;		  /* number of pairs */
	const char *init;	  /* the /init script */
	const char *const *files; /* more files: guest path, content, guest path, content ... */
	int nfiles;		  /* number of pairs */
};

/* Build a gzip'd newc cpio at @path. Returns 0 or -1 with *err naming what is missing. */
int nt_vm_initrd_build(const char *path, const struct nt_initrd_src *s, struct nt_err **err);

#endif
