/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nettrail lab: a built-in network-stack exercise. Builds the scenario's world, records its
 * traffic, tears the world down, then imports, analyzes, reports and writes the lab sheet.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "../core/escape.h"
#include "../collect/backend.h"
#include "../collect/hdrprobe.h"
#include "../collect/vm.h"
#include "../lab/lab.h"
#include "../parse/reader.h"
#include "../report/doc.h"
#include "../report/report.h"
#include "../store/store.h"

enum {
	OPT_TRAFFIC = CLI_OPT_FIRST_FREE,
	OPT_TAG,
	OPT_VM,
	OPT_VM_KEEP,
	OPT_RECORD_ONLY,
	OPT_ANALYZE_ONLY,
};

/* What the guest needs for the worlds (nettrail lab --vm): ip, nft and their modules. */
static const char *const vm_programs[] = {"ip", "nft"};
/* (crc32c_generic: libcrc32c, which nf_tables needs, finds crc32c through the crypto API) */
static const char *const vm_modules[] = {"veth", "tun", "crc32c_generic", "nf_tables"};

#define MAX_FUNCS 16

const struct cli_opt lab_opts[] = {
	{"list", 'l', NULL, "list the scenarios"},
	{"count", 'c', "N", "packets (connects, writes) to send (default: the scenario's)"},
	{"output", 'o', "DIR", "where to put everything (default: nettrail-lab-NAME-DATE-TIME)"},
	{"quiet", 'q', NULL, "only print the result line and where the sheet is"},
	{"traffic", OPT_TRAFFIC, "NAME", "(internal) run the scenario's traffic in its world"},
	{"clock", CLI_REC_CLOCK, "NAME",
	 "trace clock (default: local; global with --vm, as for 'nettrail vm record')"},
	{"vm", OPT_VM, NULL,
	 "run it in the lab VM (Debian's kernel under QEMU: function_graph claims too)"},
	{"vm-keep", OPT_VM_KEEP, "DIR", "with --vm: keep the VM's work files (console log) in DIR"},
	{"tag", OPT_TAG, "T", "(internal) the world's tag, with --traffic"},
	{"record-only", OPT_RECORD_ONLY, NULL,
	 "build the world and record into DIR, no analysis (what --vm runs in the VM)"},
	{"analyze-only", OPT_ANALYZE_ONLY, NULL,
	 "import, analyze and check the claims of a --record-only DIR (what --vm does here; N: "
	 "the recorded one unless -c)"},
	{NULL, 0, NULL, NULL},
};

const char lab_details[] =
	"Builds the scenario's world (network namespaces nt-lab-PID-X with veth pairs, addresses,\n"
	"routes, nftables rules, a tun device: never the host's own), records its traffic with\n"
	"tracepoints, removes the world (also on Ctrl-C or failure), then writes into DIR what\n"
	"'nettrail capture' writes (trace.dat, nettrail.db, report.txt, report.html, gnuplot/,\n"
	"csv/) plus traffic.txt (what was sent) and the lab sheet, lab-sheet.txt and\n"
	"lab-sheet.html: expected vs observed for each claim, PASS/FAIL, the path of one packet.\n"
	"Where the kernel has the function_graph tracer, the scenario's functions are traced\n"
	"too and their calls are claims of the sheet; where it offers kprobe events, the\n"
	"packets' IP headers are recorded as by 'record --headers' and the UDP scenarios'\n"
	"flows are claims. Where it has neither (this is said on the sheet), --vm runs the\n"
	"world and the recording in the lab VM (Debian's stock kernel under QEMU, see\n"
	"'nettrail vm'), and the analysis on this machine.\n"
	"Exit code 6 when a claim of the sheet fails (1: the system refused). Scenarios:\n"
	"'nettrail lab --list'; docs/LABS.md.\n"
	"Needs root (not with --vm). Example: sudo nettrail lab syn-closed-port -c 20 -o syn\n";

static int run_traffic(const char *name, long tag, long count, const char *dir)
{
	const struct nt_lab *l = nt_lab_find(name);
	struct nt_err *err = NULL;
	int r;

	if (!l || tag <= 0 || !dir)
		return cli_usage("lab", "--traffic wants a scenario, --tag and -o");
	/* the lab (our parent) removes the world: if it dies (SIGKILL), stop too */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != (pid_t)tag)
		return NT_EXIT_INTR;
	r = nt_lab_traffic(l, tag, count > 0 ? count : nt_lab_default_count(l), dir, &err);
	if (r < 0)
		return cli_fail(err);
	return r ? NT_EXIT_FAIL : NT_EXIT_OK;
}

/* Record the traffic child (this program, --traffic) in the world tagged @tag; with @what's
 * function_graph and header kprobes (record --graph, record --headers) where it says so. */
static int record(const struct nt_lab *l, long tag, long count, const char *dir, const char *dat,
		  const struct nt_lab_rec *what, const char *clock, struct nt_record_result *rr,
		  struct nt_err **err)
{
	struct nt_record_opts o = {0};
	const char *fns[MAX_FUNCS];
	char self[4096], stag[32], scount[32];
	char *argv[12];
	const char *const *ev = nt_lab_events(l);
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0)
		return nt_err_set(err, nt_err_errno(NT_E_FAIL, errno, "cannot find this program"));
	self[n] = '\0';
	snprintf(stag, sizeof(stag), "%ld", tag);
	snprintf(scount, sizeof(scount), "%ld", count);
	argv[0] = self;
	argv[1] = "lab";
	argv[2] = "--traffic";
	argv[3] = (char *)nt_lab_name(l);
	argv[4] = "--tag";
	argv[5] = stag;
	argv[6] = "-c";
	argv[7] = scount;
	argv[8] = "-o";
	argv[9] = (char *)dir;
	argv[10] = NULL;
	o.output = dat;
	o.events = ev;
	while (ev[o.nevents])
		o.nevents++;
	o.argv = argv;
	o.clock = clock;
	if (what->graph) {
		o.ngraph = nt_lab_functions(l, fns, MAX_FUNCS);
		o.graph = fns;
	}
	o.headers = what->headers;
	return nt_backend_record(NT_BACKEND_FTRACE, &o, 0, rr, err);
}

static int analyze(const struct nt_lab *l, long count, const char *dir, const char *db,
		   const char *dat, const struct nt_lab_rec *rec, int *failed, struct nt_err **err)
{
	struct nt_import_opts io = {.timeout_s = 120};
	struct nt_import_result ir;
	struct nt_report_filter rf;
	struct nt_store *st = NULL;

	if (nt_store_open(db, true, &st, err))
		return -1;
	if (nt_store_import(st, dat, &io, &ir, err)) {
		nt_store_close(st, true, NULL);
		return -1;
	}
	if (nt_store_close(st, false, err) || nt_store_open(db, false, &st, err))
		return -1;
	nt_report_filter_init(&rf);
	if (nt_report_write_dir(nt_store_db(st), &rf, dir, err) ||
	    nt_lab_sheet(l, nt_store_db(st), dir, count, rec, failed, err)) {
		nt_store_close(st, false, NULL);
		return -1;
	}
	return nt_store_close(st, false, err);
}

static void show_sheet(const char *dir, bool quiet)
{
	char *p = cli_path_in(dir, "lab-sheet.txt"), line[1024];
	FILE *f = p ? fopen(p, "r") : NULL;

	while (f && fgets(line, sizeof(line), f))
		if (!quiet || !strncmp(line, "Result:", 7))
			fputs(line, stdout);
	if (f)
		fclose(f);
	free(p);
}

struct lab_run {
	const struct nt_lab *l;
	long count;
	const char *dir;
	bool quiet, vm, record_only, analyze_only, count_set;
	const char *vm_keep, *clock;
};

/* What this kernel lets the lab record: function_graph, and record --headers' kprobes (where
 * their checks pass; else why not). */
static void what_to_record(struct nt_lab_rec *r)
{
	char *dir = nt_ftrace_tracefs_dir();
	struct nt_err *e = NULL;

	memset(r, 0, sizeof(*r));
	r->graph = nt_ftrace_graph_available();
	if (!dir)
		snprintf(r->why, sizeof(r->why), "tracefs is not mounted");
	else if (nt_hdrprobe_check(dir, &e))
		snprintf(r->why, sizeof(r->why), "%s", nt_err_msg(e));
	else
		r->headers = true;
	nt_err_free(e);
	free(dir);
}

/* World, traffic and recording here; *@what: what was recorded besides the tracepoints. */
static int capture_here(const struct lab_run *a, const char *dat, struct nt_lab_rec *what,
			int *code, struct nt_err **err)
{
	struct nt_record_result rr = {0};
	struct nt_lab_world *w = NULL;
	long tag = (long)getpid();
	int rec;

	what_to_record(what);
	nt_lab_world_reap_stale();
	if (!a->quiet)
		fprintf(stderr,
			"lab %s: building the world, recording %ld (tracepoints, %s, %s) ...\n",
			nt_lab_name(a->l), a->count,
			what->graph ? "function_graph" : "no function_graph tracer here",
			what->headers ? "IP headers" : "no kprobes here for IP headers");
	if (nt_lab_world_create(a->l, tag, &w, err))
		return -1;
	rec = record(a->l, tag, a->count, a->dir, dat, what, a->clock, &rr, err);
	nt_lab_world_destroy(w); /* the world is gone before anything else happens */
	if (rec)
		return -1;
	if (rr.stopped_by_signal || nt_interrupted) {
		nt_record_result_release(&rr);
		return nt_err_set(
			err, nt_err_new(NT_E_INTR, "interrupted: the lab's world was removed"));
	}
	if (rr.lost_total)
		*code = NT_EXIT_LOST;
	if (rr.cmd_status != 0 && !a->quiet)
		fprintf(stderr, "lab %s: the traffic did not go as planned (see traffic.txt)\n",
			nt_lab_name(a->l));
	nt_record_result_release(&rr);
	return 0;
}

/* The full path of @prog in PATH, symlinks resolved (what the guest gets), or NULL. */
static char *which(const char *prog)
{
	const char *path = getenv("PATH");
	char *copy = strdup(path && *path ? path : "/usr/sbin:/usr/bin:/sbin:/bin"), *save = NULL;
	char *found = NULL, p[4200];

	for (char *d = copy ? strtok_r(copy, ":", &save) : NULL; d && !found;
	     d = strtok_r(NULL, ":", &save)) {
		snprintf(p, sizeof(p), "%s/%s", d, prog);
		if (!access(p, X_OK))
			found = realpath(p, NULL);
	}
	free(copy);
	return found;
}

/* The same in the lab VM: the guest runs `nettrail lab NAME --record-only`. */
static int capture_vm(const struct lab_run *a, struct nt_lab_rec *what, int *code,
		      struct nt_err **err)
{
	const char *fetch[] = {"trace.dat", "traffic.txt", "record.txt"};
	const char *bins[2];
	char scount[32];
	struct nt_vm_result r;
	int ret = -1, nbins = 0;

	snprintf(scount, sizeof(scount), "%ld", a->count);
	/* under emulation the guest's TSC is unstable: global, as nettrail vm record uses */
	const char *args[] = {"lab",	       nt_lab_name(a->l),
			      "--record-only", "-c",
			      scount,	       "-o",
			      "/out",	       "-q",
			      "--clock",       a->clock ? a->clock : "global"};
	for (size_t i = 0; i < sizeof(vm_programs) / sizeof(vm_programs[0]); i++) {
		char *p = which(vm_programs[i]);
		if (!p) {
			struct nt_err *e = nt_err_new(NT_E_FAIL,
						      "'%s' is not installed: the lab "
						      "VM's worlds need it",
						      vm_programs[i]);
			nt_err_hint(e, "apt-get install iproute2 nftables (setup.sh does)");
			nt_err_set(err, e);
			goto out;
		}
		bins[nbins++] = p;
	}
	struct nt_vm_opts o = {
		.run_args = args,
		.nrun_args = sizeof(args) / sizeof(args[0]),
		.fetch = fetch,
		.nfetch = sizeof(fetch) / sizeof(fetch[0]),
		.fetch_dir = a->dir,
		.bins = bins,
		.nbins = nbins,
		.modules = vm_modules,
		.nmodules = sizeof(vm_modules) / sizeof(vm_modules[0]),
		.keep = a->vm_keep,
		.timeout = 600,
		.progress = !a->quiet,
	};
	if (!a->quiet)
		fprintf(stderr, "lab %s: in the lab VM: building the world, recording %ld ...\n",
			nt_lab_name(a->l), a->count);
	if (nt_vm_record(&o, &r, err)) {
		const char *tail = r.record_err ? nt_sys_tail(r.record_err, 20) : "";

		nt_esc_text_n(stderr, tail, strlen(tail), NT_ESC_KEEP_NL); /* the guest's words */
		if (r.console_log)
			fprintf(stderr, "lab: the guest's console log: %s\n", r.console_log);
		nt_vm_result_release(&r);
		goto out;
	}
	if (!a->quiet)
		fprintf(stderr, "lab %s: recorded in the VM (Linux %s, %.1f s)\n",
			nt_lab_name(a->l), r.release, r.wall_s);
	if (r.record_rc == NT_EXIT_LOST)
		*code = NT_EXIT_LOST;
	nt_vm_result_release(&r);
	nt_lab_rec_read(a->dir, what); /* what the guest recorded */
	ret = 0;
out:
	for (int i = 0; i < nbins; i++)
		free((char *)bins[i]);
	return ret;
}

/* --analyze-only: what @a->dir holds (trace.dat, traffic.txt, record.txt), and its count. */
static int load_recorded(struct lab_run *a, const char *dat, struct nt_lab_rec *what,
			 struct nt_err **err)
{
	char *tt = cli_path_in(a->dir, "traffic.txt"), *txt = NULL;
	const char *c;

	if (access(dat, R_OK) || !tt || access(tt, R_OK)) {
		struct nt_err *e = nt_err_new(NT_E_INPUT,
					      "'%s' holds no recorded lab (trace.dat and "
					      "traffic.txt)",
					      a->dir);
		nt_err_hint(e, "record one with: nettrail lab NAME --record-only -o DIR");
		free(tt);
		return nt_err_set(err, e);
	}
	nt_lab_rec_read(a->dir, what);
	if (!a->count_set) { /* the count the lab was recorded with */
		txt = nt_sys_file_read(tt, 0, NULL, NULL);
		if (txt && (c = strstr(txt, "\ncount=")))
			a->count = strtol(c + 7, NULL, 10);
	}
	free(tt);
	free(txt);
	return 0;
}

static int run_lab(struct lab_run *a)
{
	struct nt_err *err = NULL;
	char *dat = cli_path_in(a->dir, "trace.dat"), *db = cli_path_in(a->dir, "nettrail.db");
	int failed = 0, code = NT_EXIT_OK;
	struct nt_lab_rec what = {0};

	if (!dat || !db) {
		err = nt_err_new(NT_E_FAIL, "out of memory");
		goto fail;
	}
	if (!access(db, F_OK)) {
		err = nt_err_new(NT_E_USAGE, "'%s' already holds a capture", a->dir);
		nt_err_hint(err, "choose another directory with -o");
		goto fail;
	}
	cli_catch_signals();
	if (a->analyze_only ? load_recorded(a, dat, &what, &err)
	    : a->vm	    ? capture_vm(a, &what, &code, &err)
			    : capture_here(a, dat, &what, &code, &err))
		goto fail;
	if (a->record_only) { /* for the host, which analyzes: what was recorded */
		if (nt_lab_rec_write(a->dir, &what, &err))
			goto fail;
		goto out;
	}
	if (analyze(a->l, a->count, a->dir, db, dat, &what, &failed, &err))
		goto fail;
	show_sheet(a->dir, a->quiet);
	printf("lab sheet: %s/lab-sheet.txt (HTML: %s/lab-sheet.html, report: %s/report.html)\n",
	       a->dir, a->dir, a->dir);
out:
	free(dat);
	free(db);
	return failed ? NT_EXIT_CLAIM : code;
fail:
	free(dat);
	free(db);
	return cli_fail(err);
}

/* The scenario named @name, or NULL after a usage error naming those there are. */
static const struct nt_lab *find_scenario(const char *name)
{
	const struct nt_lab *found = nt_lab_find(name), *l;
	char names[1024] = "";
	size_t at = 0;

	if (found)
		return found;
	for (int i = 0; (l = nt_lab_at(i)) && at < sizeof(names); i++)
		at += (size_t)snprintf(names + at, sizeof(names) - at, "%s%s", i ? ", " : "",
				       nt_lab_name(l));
	cli_usage("lab",
		  "no scenario called '%s'; the scenarios are %s ('nettrail lab --list' says what "
		  "each does)",
		  name, names);
	return NULL;
}

struct lab_cmdline {
	const char *dir, *traffic;
	long count, tag;
};

/* lab's options into @a and @cl: 0, -1 when done (--list, --help), or an exit code. */
static int lab_opts_parse(int argc, char **argv, struct lab_run *a, struct lab_cmdline *cl)
{
	struct cli_record rec = {0}; /* nothing to release: --clock only */
	char *arg, *end;
	int c, code;

	while ((c = cli_getopt(argc, argv, lab_opts, false, &arg)) != -1) {
		switch (c) {
		case 'l':
			nt_lab_list(stdout);
			return -1;
		case 'c':
			cl->count = strtol(arg, &end, 10);
			if (*end || cl->count <= 0 || cl->count > 100000)
				return cli_usage(
					"lab", "-c wants a count from 1 to 100000, not '%s'", arg);
			break;
		case 'o':
			cl->dir = arg;
			break;
		case 'q':
			a->quiet = true;
			break;
		case OPT_VM:
			a->vm = true;
			break;
		case OPT_VM_KEEP:
			a->vm_keep = arg;
			break;
		case CLI_REC_CLOCK: /* a record option: checked as record checks it */
			if ((code = cli_record_opt(&rec, "lab", c, arg)))
				return code;
			a->clock = rec.o.clock;
			break;
		case OPT_RECORD_ONLY:
			a->record_only = true;
			break;
		case OPT_ANALYZE_ONLY:
			a->analyze_only = true;
			break;
		case OPT_TRAFFIC:
			cl->traffic = arg;
			break;
		case OPT_TAG:
			cl->tag = strtol(arg, NULL, 10);
			break;
		case 'h':
			cli_help_exit("lab");
			return -1;
		default:
			return NT_EXIT_USAGE;
		}
	}
	return 0;
}

int cmd_lab(int argc, char **argv)
{
	struct lab_cmdline cl = {0};
	struct lab_run a = {0};
	char defdir[96];
	bool made = false;
	int code = lab_opts_parse(argc, argv, &a, &cl);

	if (code)
		return code < 0 ? NT_EXIT_OK : code;
	if (cl.traffic)
		return run_traffic(cl.traffic, cl.tag, cl.count, cl.dir);
	if (optind >= argc)
		return cli_usage("lab", "which scenario? 'nettrail lab --list' lists them");
	if (!(a.l = find_scenario(argv[optind])))
		return NT_EXIT_USAGE;
	if (optind + 1 < argc)
		return cli_usage("lab", "one scenario at a time, not '%s'", argv[optind + 1]);
	if (a.vm_keep && !a.vm)
		return cli_usage("lab", "--vm-keep goes with --vm");
	if (a.vm + a.record_only + a.analyze_only > 1)
		return cli_usage("lab", "one of --vm, --record-only and --analyze-only");
	if (a.analyze_only && !cl.dir)
		return cli_usage("lab", "--analyze-only wants the recorded directory (-o DIR)");
	if (geteuid() != 0 && !a.vm && !a.analyze_only) {
		struct nt_err *e = nt_err_new(NT_E_FAIL, "'nettrail lab' needs root");
		nt_err_hint(e, "it builds network namespaces and records tracepoints: run it with "
			       "sudo (or run it in the lab VM with --vm)");
		return cli_fail(e);
	}
	a.count_set = cl.count > 0;
	a.count = cl.count ? cl.count : nt_lab_default_count(a.l);
	a.dir = cl.dir;
	if (!a.dir) {
		time_t t = time(NULL);
		char stamp[32];
		strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", localtime(&t));
		snprintf(defdir, sizeof(defdir), "nettrail-lab-%s-%s", nt_lab_name(a.l), stamp);
		a.dir = defdir;
	}
	if (mkdir(a.dir, 0755) == 0)
		made = true;
	else if (errno != EEXIST)
		return cli_fail(nt_err_errno(NT_E_FAIL, errno, "cannot create '%s'", a.dir));
	code = run_lab(&a);
	if (made && code != NT_EXIT_OK && code != NT_EXIT_CLAIM && code != NT_EXIT_FAIL &&
	    code != NT_EXIT_LOST)
		rmdir(a.dir); /* a directory we made is not left behind empty (it fails if not) */
	return code;
}
