/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The lab VM: Debian's stock kernel (linux-image-amd64, fetched with apt-get download into a
 * cache, never installed) booted under qemu-system-x86_64 with an initramfs built here
 * (busybox, nettrail and its libraries, nt-traffic, the virtio modules), which runs
 * `nettrail record` around built-in traffic and hands the trace.dat back on a virtio disk.
 * docs/VM.md describes it.
 */
#ifndef NT_VM_H
#define NT_VM_H

#include <stdbool.h>

#include "../core/error.h"

struct nt_vm_opts {
	const char *cache_dir;		/* NULL: ${XDG_CACHE_HOME:-$HOME/.cache}/nettrail/vm */
	const char *kernel_deb;		/* a linux-image .deb; NULL: the newest in the cache, else
				  * Debian's linux-image-amd64, downloaded with apt-get */
	const char *nettrail;		/* the binary to run in the guest; NULL: this program */
	const char *traffic_bin;	/* nt-traffic; NULL: next to nettrail, else $NT_TRAFFIC */
	const char *const *record_args; /* options for `nettrail record` in the guest */
	int nrecord_args;
	const char *const *traffic; /* "udp 100 64", "tcp-closed 5": one nt-traffic run each */
	int ntraffic;
	/* Instead of `nettrail record`: `nettrail RUN_ARGS` in the guest (in /out); its stdout
	 * and stderr and exit code are kept as record's are (r->traffic_out, r->record_err,
	 * r->record_rc). */
	const char *const *run_args;
	int nrun_args;
	/* Files or directories of the guest's /out to move into @fetch_dir afterwards. */
	const char *const *fetch;
	int nfetch;
	const char *fetch_dir;
	const char *const *bins; /* more host programs for the guest, with their libraries */
	int nbins;
	const char *const *modules; /* more kernel modules to load (their dependencies too) */
	int nmodules;
	/* record --backend lttng in the guest: the kernel and lttng-modules built by
	 * vm/lttng-modules.sh (in @lttng_dir, NULL: the newest complete build in
	 * ${XDG_CACHE_HOME:-~/.cache}/nettrail/lttng-vm), lttng-sessiond and its consumerd; the
	 * CTF directory comes back at @dat */
	bool lttng;
	const char *lttng_dir;
	const char *dat;    /* where the trace.dat goes on the host (NULL: nowhere) */
	const char *append; /* more kernel command line (after ours), or NULL */
	const char *keep;   /* keep the work files (initramfs, console log) here; NULL: a
			     * temporary directory, kept only when the run fails */
	double timeout;	    /* seconds for boot + capture + power-off */
	int mem_mb, cpus;
	bool progress; /* say what happens on stderr */
};

struct nt_vm_result {
	char *release;	    /* owned: the guest kernel ("6.1.0-56-amd64") */
	char *record_err;   /* owned: stderr of nettrail record in the guest, or NULL */
	char *traffic_out;  /* owned: what the traffic printed, or NULL */
	char *profile_path; /* owned: the profiler's table next to the trace.dat, or NULL */
	char *console_log;  /* owned: path of the guest console log (kept when the run failed) */
	int record_rc;	    /* exit code of nettrail record in the guest, -1: it never ran */
	bool kvm;	    /* hardware acceleration (else QEMU's TCG emulation) */
	double ready_s;	    /* guest uptime when the capture started (boot time) */
	double recorded_s;  /* guest uptime when it ended */
	double wall_s;	    /* the whole VM run on the host */
};

void nt_vm_result_release(struct nt_vm_result *r);

/* The cache directory (owned by the caller, free()). */
char *nt_vm_cache_dir(const char *override);

/*
 * Make sure a kernel is in the cache: @deb (a linux-image .deb) or, when NULL, the newest
 * cached one, else Debian's linux-image-amd64 fetched with apt-get download. Extracts what the
 * VM needs. *@kdir receives its directory (owned). Returns 0 or -1 with *err set.
 */
int nt_vm_kernel(const char *cache, const char *deb, bool progress, char **kdir,
		 struct nt_err **err);

/*
 * Run `nettrail record` (or o->run_args) in the VM. On success the trace.dat is at o->dat and
 * the o->fetch files are in o->fetch_dir. On failure *err says why and r->console_log (when
 * set) names the guest's console log, kept for reading.
 */
int nt_vm_record(const struct nt_vm_opts *o, struct nt_vm_result *r, struct nt_err **err);

#endif
