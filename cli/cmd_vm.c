/* SPDX-License-Identifier: GPL-2.0 */
/* nettrail vm: record in the lab VM (Debian's stock kernel under QEMU), then import. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "../core/escape.h"
#include "../collect/backend.h"
#include "../collect/vm.h"
#include "../parse/reader.h"

enum {
	OPT_DAT = 512,
	OPT_TIMEOUT,
	OPT_KERNEL_DEB,
	OPT_CACHE,
	OPT_APPEND,
	OPT_MEM,
	OPT_CPUS,
	OPT_KEEP,
	OPT_LTTNG_DIR,
};

const struct cli_opt vm_opts[] = {
	{"output", 'o', "DB", "import the trace into this database"},
	{"dat", OPT_DAT, "FILE",
	 "where the trace.dat goes (default: trace.dat; with --backend lttng the CTF directory, "
	 "default lttng-trace)"},
	{"timeout", OPT_TIMEOUT, "S", "give up after S seconds: boot, capture, power-off (300)"},
	{"kernel-deb", OPT_KERNEL_DEB, "FILE",
	 "a linux-image .deb to boot (default: Debian's linux-image-amd64, cached)"},
	{"cache", OPT_CACHE, "DIR",
	 "the kernel cache (default: ${XDG_CACHE_HOME:-~/.cache}/nettrail/vm)"},
	{"append", OPT_APPEND, "ARGS", "more kernel command line (for debugging)"},
	{"mem", OPT_MEM, "MB", "guest memory (default 1024)"},
	{"cpus", OPT_CPUS, "N", "guest cpus (default 2)"},
	{"keep", OPT_KEEP, "DIR", "keep the work files (initramfs, console log) in DIR"},
	{"lttng-dir", OPT_LTTNG_DIR, "DIR",
	 "with --backend lttng: the build of vm/lttng-modules.sh (default: the newest cached)"},
	CLI_RECORD_OPTS,
	{"quiet", 'q', NULL, "only errors"},
	{NULL, 0, NULL, NULL},
};

const char vm_details[] =
	"'nettrail vm record' runs 'nettrail record' in a QEMU guest booted on Debian's stock\n"
	"kernel, for what this machine's kernel refuses (function_graph, the profiler). It takes\n"
	"record's options, checked here as record checks them, but -P (the guest runs its own\n"
	"traffic) and --backend perf (the guest has no perf), and after '--' the traffic to run,\n"
	"built in (no network: loopback only):\n"
	"  udp N [SIZE]    N datagrams      tcp N [SIZE]    one connection, N writes\n"
	"  tcp-closed N    N connects to a closed port (each answered by a reset)\n"
	"  udp6 N [SIZE]   N datagrams over IPv6 (::1)\n"
	"e.g. nettrail vm record --graph udp_sendmsg,ip_rcv -o lab.db -- udp 20 tcp-closed 5\n"
	"\n--backend lttng records with LTTng's kernel tracer instead (liblttng-ctl in the "
	"guest),\n"
	"booting the kernel vm/lttng-modules.sh built lttng-modules for (Debian's 6.1.0-47; "
	"setup.sh\n"
	"runs it once); the CTF directory comes back (--dat, default lttng-trace). docs/LTTNG.md.\n"
	"\n'nettrail vm fetch' puts the kernel in the cache (apt-get download; setup.sh runs it).\n"
	"The kernel package is unpacked in the cache, never installed. A panic, a hung boot or a\n"
	"failed capture ends with the guest's console log. See docs/VM.md.\n";

/* TRAFFIC words into one "kind N [SIZE]" string each (stored in @out, @n of them). */
static int parse_traffic(int argc, char **argv, char ***out, int *n)
{
	char **v = calloc((size_t)argc + 1, sizeof(*v));

	*n = 0;
	if (!v)
		return -1;
	for (int i = 0; i < argc;) {
		const char *kind = argv[i];
		bool sized = !strcmp(kind, "udp") || !strcmp(kind, "udp6") || !strcmp(kind, "tcp");
		int take;

		if (!sized && strcmp(kind, "tcp-closed")) {
			cli_usage(
				"vm",
				"unknown traffic '%s' (udp N [SIZE], udp6 N [SIZE], tcp N [SIZE], "
				"tcp-closed N)",
				kind);
			goto fail;
		}
		if (i + 1 >= argc || cli_number(argv[i + 1], 1, 1000000) < 0) {
			cli_usage("vm", "'%s' wants a count (1 to 1000000)", kind);
			goto fail;
		}
		take = sized && i + 2 < argc && cli_number(argv[i + 2], 1, 65000) >= 0 ? 3 : 2;
		if (asprintf(&v[*n], "%s %s%s%s", kind, argv[i + 1], take == 3 ? " " : "",
			     take == 3 ? argv[i + 2] : "") < 0)
			goto fail;
		(*n)++;
		i += take;
	}
	*out = v;
	return 0;
fail:
	for (int i = 0; i < *n; i++)
		free(v[i]);
	free(v);
	return -1;
}

static void print_prefixed(const char *prefix, const char *text)
{
	for (const char *l = text; l && *l;) {
		size_t n = strcspn(l, "\n");
		fputs(prefix, stderr);
		nt_esc_text_n(stderr, l, n, 0); /* the guest's output: escape sequences too */
		fputc('\n', stderr);
		l += n + (l[n] == '\n');
	}
}

static void print_console(const char *path)
{
	char *text = path ? nt_sys_file_read(path, 0, NULL, NULL) : NULL;
	const char *tail;

	if (!text)
		return;
	fprintf(stderr, "--- the VM's console (last lines of '%s') ---\n", path);
	tail = nt_sys_tail(text, 40);
	nt_esc_text_n(stderr, tail, strlen(tail), NT_ESC_KEEP_NL); /* the guest's words */
	if (*text && text[strlen(text) - 1] != '\n')
		fputc('\n', stderr);
	fprintf(stderr, "--- end of the console ---\n");
	free(text);
}

/* nettrail import -q DAT [PROFILE] -o DB, by this same program. */
static int import(const char *dat, const char *profile, const char *db)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *argv[8];
	int k = 0, st;

	if (n <= 0)
		return NT_EXIT_FAIL;
	self[n] = '\0';
	argv[k++] = self;
	argv[k++] = "import";
	argv[k++] = "-q";
	argv[k++] = (char *)dat;
	if (profile)
		argv[k++] = (char *)profile;
	argv[k++] = "-o";
	argv[k++] = (char *)db;
	argv[k] = NULL;
	st = nt_sys_spawn(argv, NULL, "-", "-", 0);
	if (st < 0) {
		fprintf(stderr, "nettrail: error: cannot run the import: %s\n", strerror(errno));
		return NT_EXIT_FAIL;
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : NT_EXIT_FAIL;
}

struct vm_args {
	struct nt_vm_opts o;
	struct cli_record ropts; /* record's options, checked as record checks them */
	const char **rec;	 /* owned array; strings weak, but for the "--name" ones */
	bool *owned;		 /* owned: which rec[i] are ours to free */
	int nrec;
	char **traffic; /* owned */
	int ntraffic;
	const char *db;
	bool quiet;
};

static void vm_args_release(struct vm_args *a)
{
	for (int i = 0; i < a->nrec; i++)
		if (a->owned[i])
			free((char *)a->rec[i]);
	free(a->rec);
	free(a->owned);
	for (int i = 0; i < a->ntraffic; i++)
		free(a->traffic[i]);
	free(a->traffic);
	cli_record_release(&a->ropts);
}

/* Record option @c (@name) checked, then passed on to the guest's nettrail record. */
static int vm_record_opt(struct vm_args *a, const char *name, int c, char *arg)
{
	int code;

	if (c == 'P')
		return cli_usage("vm", "-P has no process to follow in the lab VM, which runs "
				       "its own traffic");
	if (asprintf((char **)&a->rec[a->nrec], "--%s", name) < 0)
		return NT_EXIT_FAIL;
	a->owned[a->nrec++] = true;
	if (arg) { /* a copy: the check splits FUNC,FUNC lists in place */
		if (!(a->rec[a->nrec] = strdup(arg)))
			return NT_EXIT_FAIL;
		a->owned[a->nrec++] = true;
	}
	code = cli_record_opt(&a->ropts, "vm", c, arg);
	if (code < 0)
		return NT_EXIT_USAGE;
	if (!code && c == CLI_REC_BACKEND && a->ropts.backend == NT_BACKEND_PERF)
		return cli_usage("vm", "the lab VM has no perf: --backend ftrace or lttng");
	a->o.lttng = a->ropts.backend == NT_BACKEND_LTTNG;
	return code;
}

/* After vm record's options: their combinations, the clock, the traffic. */
static int vm_finish(struct vm_args *a, int argc, char **argv)
{
	if (optind >= argc)
		return cli_usage("vm",
				 "no traffic given after '--' (e.g. -- udp 100 tcp-closed 5)");
	if (a->o.lttng_dir && !a->o.lttng)
		return cli_usage("vm", "--lttng-dir goes with --backend lttng");
	if (a->o.lttng && a->ropts.o.clock && strcmp(a->ropts.o.clock, "mono"))
		return cli_usage("vm",
				 "LTTng's kernel tracer has one clock, CLOCK_MONOTONIC: "
				 "--clock mono or none, not '%s'",
				 a->ropts.o.clock);
	if (!a->ropts.o.clock && !a->o.lttng) {
		/* under emulation the guest's TSC is unstable: the local clock drifts per cpu
		 * (LTTng has one clock, CLOCK_MONOTONIC) */
		a->rec[a->nrec++] = "--clock";
		a->rec[a->nrec++] = "global";
	}
	if (parse_traffic(argc - optind, argv + optind, &a->traffic, &a->ntraffic))
		return NT_EXIT_USAGE;
	return 0;
}

static int vm_parse(int argc, char **argv, struct vm_args *a)
{
	bool dat_set = false;
	int c, code;
	char *arg;

	a->rec = calloc((size_t)argc * 2 + 3, sizeof(*a->rec));
	a->owned = calloc((size_t)argc * 2 + 3, sizeof(*a->owned));
	if (!a->rec || !a->owned)
		return NT_EXIT_FAIL;
	a->o.dat = "trace.dat";
	a->o.timeout = 300;
	while ((c = cli_getopt(argc, argv, vm_opts, true, &arg)) != -1) {
		switch (c) {
		case 'o':
			a->db = arg;
			break;
		case 'q':
			a->quiet = true;
			break;
		case OPT_DAT:
			a->o.dat = arg;
			dat_set = true;
			break;
		case OPT_TIMEOUT:
			a->o.timeout = strtod(arg, NULL);
			if (cli_number(arg, 1, 86400) < 0)
				return cli_usage("vm", "--timeout wants seconds, not '%s'", arg);
			break;
		case OPT_KERNEL_DEB:
			a->o.kernel_deb = arg;
			break;
		case OPT_CACHE:
			a->o.cache_dir = arg;
			break;
		case OPT_APPEND:
			a->o.append = arg;
			break;
		case OPT_MEM:
			if (cli_number(arg, 128, 65536) < 0)
				return cli_usage("vm", "--mem wants MB (128 to 65536), not '%s'",
						 arg);
			a->o.mem_mb = atoi(arg);
			break;
		case OPT_CPUS:
			if (cli_number(arg, 1, 64) < 0)
				return cli_usage("vm", "--cpus wants 1 to 64, not '%s'", arg);
			a->o.cpus = atoi(arg);
			break;
		case OPT_KEEP:
			a->o.keep = arg;
			break;
		case OPT_LTTNG_DIR:
			a->o.lttng_dir = arg;
			break;
		case 'h':
			cli_help_exit("vm");
			return -1;
		default:
			if (c == '?')
				return NT_EXIT_USAGE;
			for (const struct cli_opt *r = vm_opts; r->name; r++)
				if (r->key == c && (code = vm_record_opt(a, r->name, c, arg)))
					return code;
		}
	}
	if ((code = cli_record_finish(&a->ropts, "vm")))
		return code;
	if (a->o.lttng && !dat_set)
		a->o.dat = "lttng-trace";
	return vm_finish(a, argc, argv);
}

static int vm_record(int argc, char **argv)
{
	struct vm_args a = {.ropts = {.backend = NT_BACKEND_FTRACE}};
	struct nt_vm_result r;
	struct nt_err *err = NULL;
	int code = vm_parse(argc, argv, &a);

	if (code) {
		vm_args_release(&a);
		return code < 0 ? NT_EXIT_OK : code;
	}
	a.o.record_args = a.rec;
	a.o.nrecord_args = a.nrec;
	a.o.traffic = (const char *const *)a.traffic;
	a.o.ntraffic = a.ntraffic;
	a.o.progress = !a.quiet;
	cli_catch_signals();
	if (nt_vm_record(&a.o, &r, &err)) {
		if (r.record_err)
			print_prefixed("vm: guest: ", r.record_err);
		print_console(r.console_log);
		nt_vm_result_release(&r);
		vm_args_release(&a);
		return cli_fail(err);
	}
	if (!a.quiet) {
		print_prefixed("vm: guest: ", r.record_err);
		print_prefixed("vm: traffic: ", r.traffic_out);
		fprintf(stderr,
			"vm: Linux %s (%s): booted in %.1f s, captured in %.1f s, %.1f s in all; "
			"trace in '%s'\n",
			r.release, r.kvm ? "KVM" : "TCG", r.ready_s, r.recorded_s - r.ready_s,
			r.wall_s, a.o.dat);
	}
	code = r.record_rc == NT_EXIT_LOST ? NT_EXIT_LOST : NT_EXIT_OK;
	if (a.db) {
		int ic = import(a.o.dat, r.profile_path, a.db);
		if (ic)
			code = ic;
	}
	nt_vm_result_release(&r);
	vm_args_release(&a);
	return code;
}

static int vm_fetch(int argc, char **argv)
{
	const char *deb = NULL, *cache_opt = NULL;
	char *cache, *kdir = NULL;
	struct nt_err *err = NULL;
	int c;
	char *arg;

	while ((c = cli_getopt(argc, argv, vm_opts, true, &arg)) != -1) {
		if (c == OPT_KERNEL_DEB)
			deb = arg;
		else if (c == OPT_CACHE)
			cache_opt = arg;
		else if (c == 'h')
			return cli_help_exit("vm");
		else
			return cli_usage("vm", "'vm fetch' takes --kernel-deb and --cache only");
	}
	cache = nt_vm_cache_dir(cache_opt);
	if (!cache || nt_vm_kernel(cache, deb, true, &kdir, &err)) {
		free(cache);
		return cli_fail(err ? err : nt_err_new(NT_E_FAIL, "out of memory"));
	}
	printf("%s\n", kdir);
	free(kdir);
	free(cache);
	return NT_EXIT_OK;
}

int cmd_vm(int argc, char **argv)
{
	char **av;
	int code;

	if (argc < 2)
		return cli_usage("vm", "say what to do: record or fetch");
	if (strcmp(argv[1], "record") && strcmp(argv[1], "fetch"))
		return cli_usage("vm", "unknown action '%s' (record or fetch)", argv[1]);
	/* "vm record" as argv[0], so option errors name the whole command */
	av = calloc((size_t)argc, sizeof(*av));
	if (!av)
		return NT_EXIT_FAIL;
	av[0] = !strcmp(argv[1], "record") ? "vm record" : "vm fetch";
	for (int i = 2; i < argc; i++)
		av[i - 1] = argv[i];
	code = !strcmp(argv[1], "record") ? vm_record(argc - 1, av) : vm_fetch(argc - 1, av);
	free(av);
	return code;
}
