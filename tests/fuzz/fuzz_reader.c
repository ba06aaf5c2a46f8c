/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libFuzzer target for one reader (NT_FUZZ_READER, set by CMake): each input is written to a
 * memfd and read through the reader's open/next/close, as the import worker runs it. For "ctf"
 * the input is the one stream file of a directory whose metadata is NT_FUZZ_CTF_METADATA.
 * An abort() called from a Debian library (babeltrace2's assertions) ends the input, not the
 * run (run with -handle_abrt=0): the import worker contains those; the input is kept in
 * $NT_FUZZ_LIBABORT_DIR for the report. An abort from nettrail's own code is a crash.
 */
#include <dlfcn.h>
#include <execinfo.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <trace-cmd/trace-cmd.h>
#include <traceevent/event-parse.h>

#include "parse/reader.h"

static const struct nt_reader_ops *ops;
static int fd = -1;
static char path[4096], dir[4096];
static struct nt_batch batch;
static sigjmp_buf on_abort_jump;
static volatile sig_atomic_t in_input;
static unsigned long lib_aborts;

/* The object that called abort(): the first frame outside libc and this handler. */
static const char *abort_caller(void)
{
	void *pc[32];
	int n = backtrace(pc, 32);
	Dl_info me, libc, d;

	dladdr((void *)abort_caller, &me);
	dladdr((void *)abort, &libc);
	for (int i = 1; i < n; i++)
		if (dladdr(pc[i], &d) && d.dli_fname && strcmp(d.dli_fname, libc.dli_fname) &&
		    strcmp(d.dli_fname, me.dli_fname))
			return d.dli_fname;
	return NULL; /* nettrail's code (linked into this program) or libc itself */
}

static void on_abort(int sig)
{
	if (in_input && abort_caller()) {
		in_input = 0;
		siglongjmp(on_abort_jump, 1);
	}
	__builtin_trap(); /* ours: libFuzzer reports it (SIGILL) */
}

/* Keep an input that made a library abort (the first 50) in $NT_FUZZ_LIBABORT_DIR. */
static void keep_lib_abort(const uint8_t *data, size_t size)
{
	const char *d = getenv("NT_FUZZ_LIBABORT_DIR");
	uint64_t h = 1469598103934665603ull;
	char p[4200];
	FILE *f;

	if (++lib_aborts > 50 || !d)
		return;
	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 1099511628211ull;
	snprintf(p, sizeof(p), "%s/libabort-%016llx", d, (unsigned long long)h);
	if ((f = fopen(p, "wb"))) {
		fwrite(data, 1, size, f);
		fclose(f);
	}
}

static void remove_dir(void)
{
	char p[4200];

	snprintf(p, sizeof(p), "%s/metadata", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/stream", dir);
	unlink(p);
	rmdir(dir);
}

/* A directory holding the fixed metadata and the stream file the inputs go to. */
static int ctf_dir(void)
{
	char p[4200], buf[65536];
	FILE *in = fopen(NT_FUZZ_CTF_METADATA, "rb"), *out;
	size_t n;

	snprintf(dir, sizeof(dir), "%s/nt-fuzz-ctf.XXXXXX", getenv("TMPDIR") ?: "/tmp");
	if (!in || !mkdtemp(dir))
		return -1;
	atexit(remove_dir);
	snprintf(p, sizeof(p), "%s/metadata", dir);
	out = fopen(p, "wb");
	n = fread(buf, 1, sizeof(buf), in);
	fclose(in);
	if (!out || fwrite(buf, 1, n, out) != n || fclose(out))
		return -1;
	snprintf(p, sizeof(p), "%s/stream", dir);
	fd = open(p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	snprintf(path, sizeof(path), "%s", dir);
	return fd < 0 ? -1 : 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	tep_set_loglevel(TEP_LOG_NONE);
	tracecmd_set_loglevel(TEP_LOG_NONE);
	ops = nt_reader_find(NT_FUZZ_READER);
	if (!ops) {
		fprintf(stderr, "fuzz: no reader '%s'\n", NT_FUZZ_READER);
		exit(2);
	}
	if (!strcmp(NT_FUZZ_READER, "ctf")) {
		if (ctf_dir()) {
			perror("fuzz: cannot set up the CTF directory");
			exit(2);
		}
	} else {
		fd = memfd_create("nt-fuzz", MFD_CLOEXEC);
		if (fd < 0) {
			perror("fuzz: memfd_create");
			exit(2);
		}
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	nt_batch_init(&batch);
	signal(SIGABRT, on_abort);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nt_err *err = NULL;
	void *st = NULL;

	/* the other byte order goes to `perf data convert`, a child process: not fuzzed here */
	if (!strcmp(NT_FUZZ_READER, "perf") && size >= 8 && !memcmp(data, "2ELIFREP", 8))
		return 0;
	if (ftruncate(fd, 0) || (size && pwrite(fd, data, size, 0) != (ssize_t)size))
		abort();
	if (sigsetjmp(on_abort_jump, 1)) { /* a library aborted: its state is lost (leaked) */
		keep_lib_abort(data, size);
		nt_batch_reset(&batch);
		return 0;
	}
	in_input = 1;
	if (!ops->open(path, &st, &err)) {
		for (int i = 0; i < 100000; i++) {
			enum nt_next r = ops->next(st, &batch, &err);

			nt_batch_reset(&batch);
			if (r != NT_NEXT_OK)
				break;
		}
		ops->close(st);
	}
	in_input = 0;
	nt_err_free(err);
	return 0;
}
