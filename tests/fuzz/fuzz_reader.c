/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libFuzzer target for one reader (NT_FUZZ_READER, set by CMake): each input is written to a
 * memfd and read through the reader's open/next/close, as the import worker runs it. For "ctf"
 * the input is the one stream file of a directory whose metadata is NT_FUZZ_CTF_METADATA.
 * An abort() called from a Debian library (babeltrace2's assertions) ends the input, not the
 * run (run with -handle_abrt=0): the import worker contains those; the input is kept in
 * $NT_FUZZ_LIBABORT_DIR for the report. An abort from nettrail's own code is a crash.
 */
#include <dirent.h>
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

#include <babeltrace2/babeltrace.h>
#include <trace-cmd/trace-cmd.h>
#include <traceevent/event-parse.h>

#include "parse/reader.h"

static const struct nt_reader_ops *ops;
static int fd = -1;
static char path[4096], dir[4096];
static struct nt_batch batch;
static sigjmp_buf on_abort_jump;
static volatile sig_atomic_t in_input;
static unsigned long lib_aborts, skipped;
static int stderr_fd = -1;	    /* a copy of the stderr libFuzzer started with */
static unsigned char fd_open[1024]; /* the descriptors open before the first input */

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

/* The descriptors open now, kept in fd_open[]. */
static void note_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	while (d && (e = readdir(d))) {
		int n = atoi(e->d_name);

		if (e->d_name[0] != '.' && n >= 0 && n < (int)sizeof(fd_open))
			fd_open[n] = 1;
	}
	if (d)
		closedir(d);
}

/*
 * After a library aborted: stderr back to libFuzzer's (the ctf reader points it at a memory
 * file while babeltrace2 sets up its source, and the abort skipped putting it back, which
 * lost every later report of the run) and the descriptors the aborted input left open closed
 * (the stream and metadata files babeltrace2 had open, the copy of stderr): a run with
 * thousands of aborts ran out of descriptors and then failed every input at once.
 */
static void after_lib_abort(void)
{
	DIR *d;
	struct dirent *e;

	if (stderr_fd >= 0)
		dup2(stderr_fd, 2);
	bt_current_thread_clear_error();
	if (!(d = opendir("/proc/self/fd")))
		return;
	while ((e = readdir(d))) {
		int n = atoi(e->d_name);

		if (e->d_name[0] != '.' && n != dirfd(d) &&
		    (n >= (int)sizeof(fd_open) || (n >= 0 && !fd_open[n])))
			close(n);
	}
	closedir(d);
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

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* The end of the NUL-terminated string at @p before @end (after its NUL), or NULL. */
static const uint8_t *ctf_string(const uint8_t *p, const uint8_t *end)
{
	const uint8_t *nul = p < end ? memchr(p, 0, (size_t)(end - p)) : NULL;

	return nul ? nul + 1 : NULL;
}

/*
 * 1 when a sequence of this packet's events has 65536 elements or more (the input has room
 * for 1024): babeltrace2 makes a field object for every element before it reads one (slow:
 * millions of allocations, seconds to minutes), and from 2^31 it crashes (SIGSEGV, glib's
 * g_ptr_array_set_size refuses the negative length and babeltrace2 indexes the missing
 * array). The events of tests/fuzz/ctf_metadata, all fields byte-aligned: header {u64 id,
 * u64 time}; stream 0: id 0 skb_kfree (16 bytes), id 1 irq_softirq_entry (8 bytes); stream
 * 1: context {s32 tid, string procname}, id 0 net_if_receive_skb {u64, u32, string, u8[6],
 * u8 enum 0 or 1, variant {} or {u8, u8[4]}, u32 __vals_length, u32[__vals_length]} (whatever
 * the id: babeltrace2 takes a stream's only event class without looking at it). 0 when
 * babeltrace2 stops with an error before. An event that begins in the packet's content is read
 * up to the packet's end (so babeltrace2 did on an input of the first runs).
 */
static int ctf_huge_sequence(const uint8_t *p, const uint8_t *content, const uint8_t *end,
			     unsigned stream)
{
	while (p < content) {
		uint64_t id;

		if (end - p < 16)
			return 0;
		id = le64(p);
		p += 16;
		if (stream == 0) {
			if (id > 1 || end - p < (id ? 8 : 16))
				return 0;
			p += id ? 8 : 16;
			continue;
		}
		if (end - p < 4 || !(p = ctf_string(p + 4, end)) || end - p < 12 ||
		    !(p = ctf_string(p + 12, end)) || end - p < 7 || p[6] > 1 ||
		    end - p < 7 + 5 * p[6] + 4)
			return 0;
		p += 7 + 5 * p[6];
		if (le32(p) >= 65536)
			return 1;
		if ((uint64_t)(end - p - 4) / 4 < le32(p))
			return 0;
		p += 4 + 4 * (size_t)le32(p);
	}
	return 0;
}

/* A packet's sizes in bits at @off as babeltrace2 takes them (signed: negative is "unset"). */
static void ctf_sizes(const uint8_t *d, size_t size, size_t off, uint64_t *content,
		      uint64_t *packet)
{
	*content = le64(d + off + 24);
	*packet = le64(d + off + 32);
	if (*content >> 63 && *packet >> 63) /* both unset: the packet is the rest of the file */
		*content = *packet = (size - off) * 8;
	else if (*packet >> 63) /* its index steps by the content size then */
		*packet = *content;
}

/*
 * 1 when babeltrace2 2.0.4 would hang or crash on this CTF stream for a reason of its own,
 * already known, which ended the run each time (a timeout, out-of-memory or crash, then a
 * restart that replays the corpus: most of the time of a run went there). Such inputs test
 * nothing of ours: they are not run. Two reasons:
 * - its source indexes the stream file first, walking the packets by their packet_size; on a
 *   packet shorter than a byte (packet_size below 8 bits, content_size not above it or
 *   unset; or packet_size unset and content_size below 8 bits) it stays there, adding an
 *   index entry per turn (gigabytes within seconds; library finding 3 in docs/FUZZING.md);
 * - then it reads the packets in turn, and a sequence of huge length (ctf_huge_sequence())
 *   in one read before it stops (on an error, or the assertion on a packet with exactly one
 *   of its sizes unset, library finding 3, which is contained) takes seconds or crashes.
 * The walk follows the fixed metadata (a packet header of magic and stream id 0 or 1, then a
 * packet context with content_size at byte 24 and packet_size at byte 32, 60 bytes in all,
 * little endian) and, where babeltrace2 would report an error instead, says 0.
 */
static int ctf_lib_fails(const uint8_t *d, size_t size)
{
	uint64_t content, packet;
	size_t off;

	for (off = 0; off < size; off += packet / 8) {
		if (size - off < 60 || le64(d + off) >> 32 > 1 ||
		    (le64(d + off) & 0xffffffff) != 0xc1fc1fc1)
			return 0;
		ctf_sizes(d, size, off, &content, &packet);
		if (packet < 8 && (content <= packet || content >> 63))
			return 1;
		if ((content > packet && !(content >> 63)) || packet / 8 > size - off)
			return 0;
	}
	for (off = 0; off < size; off += packet / 8) {
		ctf_sizes(d, size, off, &content, &packet);
		if (le64(d + off + 24) >> 63 != le64(d + off + 32) >> 63)
			return 0; /* exactly one unset: the assertion */
		if (content / 8 >= 60 &&
		    ctf_huge_sequence(d + off + 60, d + off + content / 8, d + off + packet / 8,
				      le64(d + off) >> 32))
			return 1;
	}
	return 0;
}

/* At a normal end (not after a finding, which leaves with _Exit): the inputs not read through. */
static void print_counts(void)
{
	fprintf(stderr,
		"fuzz: %lu inputs made a library abort, %lu skipped (babeltrace2 hangs or "
		"crashes)\n",
		lib_aborts, skipped);
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
	stderr_fd = fcntl(2, F_DUPFD_CLOEXEC, 0);
	note_fds();
	signal(SIGABRT, on_abort);
	atexit(print_counts);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nt_err *err = NULL;
	const bt_error *bt_err;
	void *st = NULL;

	/* the other byte order goes to `perf data convert`, a child process: not fuzzed here */
	if (!strcmp(NT_FUZZ_READER, "perf") && size >= 8 && !memcmp(data, "2ELIFREP", 8))
		return 0;
	/* -1: never added to the corpus (its own edges here would make libFuzzer favour it) */
	if (!strcmp(NT_FUZZ_READER, "ctf") && ctf_lib_fails(data, size)) {
		skipped++;
		return -1;
	}
	if (ftruncate(fd, 0) || (size && pwrite(fd, data, size, 0) != (ssize_t)size))
		abort();
	/*
	 * A library aborted: its state is lost (leaked). -1: not added to the corpus, where each
	 * replay would leak again (the run's memory grew by gigabytes) and mutations of it abort
	 * again; the paths of our code before the abort are reached by other inputs.
	 */
	if (sigsetjmp(on_abort_jump, 1)) {
		after_lib_abort();
		keep_lib_abort(data, size);
		nt_batch_reset(&batch);
		return -1;
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
	/*
	 * A libbabeltrace2 error the reader left set makes the next call of its API abort (its
	 * precondition, in bt_graph_create() of the next open): every later input of the run
	 * aborted at once. The reader's fault: report it here, with the input that did it.
	 */
	if ((bt_err = bt_current_thread_take_error())) {
		for (uint64_t i = 0; i < bt_error_get_cause_count(bt_err); i++) {
			const bt_error_cause *c = bt_error_borrow_cause_by_index(bt_err, i);

			fprintf(stderr,
				"fuzz: libbabeltrace2 error left set, cause %llu: %s:%llu: %s\n",
				(unsigned long long)i, bt_error_cause_get_file_name(c),
				(unsigned long long)bt_error_cause_get_line_number(c),
				bt_error_cause_get_message(c));
		}
		__builtin_trap();
	}
	nt_err_free(err);
	return 0;
}
