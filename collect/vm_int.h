/* SPDX-License-Identifier: GPL-2.0 */
/* Internal to the lab VM (collect/vm*.c): building the initramfs. */
#ifndef NT_VM_INT_H
#define NT_VM_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/error.h"

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
