/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The perf.data route through perf (NETTRAIL_PERFDATA_CTF=1, and files the native reader does
 * not read: other byte order, pipe mode): `perf data convert --to-ctf` into a private
 * temporary directory, read with the CTF engine (ctf.c), and lost-sample records
 * (PERF_RECORD_LOST, LOST_SAMPLES) counted from the file itself, which the conversion drops.
 * perf runs in its own process: a crash there (SIGBUS on a truncated file) is an error naming
 * the file, never ours.
 */
#include "ctf.h"
#include "perfdata_file.h"
#include "../core/sys.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* perf_event.h values (stable ABI) */
#define PERF_RECORD_LOST	 2
#define PERF_RECORD_SAMPLE	 9
#define PERF_RECORD_LOST_SAMPLES 13
#define PERF_RECORD_HEADER_ATTR	 64
#define PERF_RECORD_AUXTRACE	 71
#define PERF_RECORD_COMPRESSED	 81
#define PERF_RECORD_COMPRESSED2	 83

#define S_IP		   (1u << 0)
#define S_TID		   (1u << 1)
#define S_TIME		   (1u << 2)
#define S_ADDR		   (1u << 3)
#define S_ID		   (1u << 6)
#define S_CPU		   (1u << 7)
#define S_STREAM_ID	   (1u << 9)
#define S_IDENTIFIER	   (1u << 16)
#define ATTR_SAMPLE_ID_ALL (1ull << 18)

#define HEADER_SIZE	 104
#define PIPE_HEADER_SIZE 16

enum phase { P_CONVERT, P_READ };

struct perf {
	char *path;
	char tmp[PATH_MAX];	/* our temporary directory ("" when none) */
	char out[PATH_MAX + 8]; /* the CTF output inside it */
	char log[PATH_MAX + 16];
	pid_t conv, guard;
	int guard_fd;
	enum phase phase;
	struct nt_ctf *ctf;
	double last_beat;
	uint64_t last_size;

	/* what the file itself says */
	bool swap, trailer, cpu_known, cpu_mixed, compressed, truncated;
	uint64_t sample_type, nattrs, records;
	struct nt_pf_lost *lost; /* owned: PERF_RECORD_LOST windows (after settle_lost(): all) */
	size_t nlost;
	uint64_t lost_total;
	struct nt_pf_lost
		*lost_samples; /* owned: PERF_RECORD_LOST_SAMPLES windows, until settled */
	size_t nlost_samples;
	uint64_t lost_samples_total;
	bool lost_sent;
};

/* ---- reading the perf.data records we need ---- */

static uint64_t rd64(const struct perf *p, const unsigned char *b)
{
	uint64_t v;

	memcpy(&v, b, 8);
	return p->swap ? __builtin_bswap64(v) : v;
}

static uint32_t rd32(const struct perf *p, const unsigned char *b)
{
	uint32_t v;

	memcpy(&v, b, 4);
	return p->swap ? __builtin_bswap32(v) : v;
}

static uint16_t rd16(const struct perf *p, const unsigned char *b)
{
	uint16_t v;

	memcpy(&v, b, 2);
	return p->swap ? __builtin_bswap16(v) : v;
}

/* An event attribute: sample_type at 24, flags (sample_id_all) at 40. */
static void add_attr(struct perf *p, const unsigned char *a, uint64_t len)
{
	uint64_t st, fl;

	if (len < 48)
		return;
	st = rd64(p, a + 24);
	fl = rd64(p, a + 40);
	if (!p->nattrs++) {
		p->sample_type = st;
		p->trailer = fl & ATTR_SAMPLE_ID_ALL;
		p->cpu_known = st & S_CPU;
	} else if (!!(st & S_CPU) != p->cpu_known) {
		p->cpu_mixed = true;
		p->cpu_known = false;
	}
}

static bool has(const struct perf *p, uint64_t bit)
{
	return p->sample_type & bit;
}

/* Time and cpu from a sample record body (after the 8-byte header). */
static void sample_time(const struct perf *p, const unsigned char *r, uint32_t size, uint64_t *ts,
			int32_t *cpu)
{
	uint32_t at = 8;

	at += has(p, S_IDENTIFIER) ? 8 : 0;
	at += has(p, S_IP) ? 8 : 0;
	at += has(p, S_TID) ? 8 : 0;
	if (has(p, S_TIME) && at + 8 <= size)
		*ts = rd64(p, r + at);
	at += has(p, S_TIME) ? 8 : 0;
	at += has(p, S_ADDR) ? 8 : 0;
	at += has(p, S_ID) ? 8 : 0;
	at += has(p, S_STREAM_ID) ? 8 : 0;
	if (has(p, S_CPU) && at + 4 <= size)
		*cpu = (int32_t)rd32(p, r + at);
}

/* Time and cpu from the sample_id trailer of a non-sample record. */
static void trailer_time(const struct perf *p, const unsigned char *r, uint32_t size, uint64_t *ts,
			 int32_t *cpu)
{
	uint32_t n = 0, at;

	if (!p->trailer)
		return;
	n += has(p, S_TID) + has(p, S_TIME) + has(p, S_ID) + has(p, S_STREAM_ID) + has(p, S_CPU) +
	     has(p, S_IDENTIFIER);
	if (8 + n * 8 > size)
		return;
	at = size - n * 8;
	at += has(p, S_TID) ? 8 : 0;
	if (has(p, S_TIME))
		*ts = rd64(p, r + at);
	at += has(p, S_TIME) ? 8 : 0;
	at += has(p, S_ID) ? 8 : 0;
	at += has(p, S_STREAM_ID) ? 8 : 0;
	if (has(p, S_CPU))
		*cpu = (int32_t)rd32(p, r + at);
}

/*
 * Lost samples: perf writes PERF_RECORD_LOST when its ring buffer overflowed and, at the end,
 * PERF_RECORD_LOST_SAMPLES per event repeating the same loss (perf 6.1). Count the latter
 * only in files that have no PERF_RECORD_LOST at all.
 */
static int add_lost(struct perf *p, uint32_t type, int32_t cpu, uint64_t count, uint64_t from,
		    uint64_t to)
{
	if (type == PERF_RECORD_LOST)
		return nt_pf_lost_add(&p->lost, &p->nlost, &p->lost_total, cpu, count, from, to);
	return nt_pf_lost_add(&p->lost_samples, &p->nlost_samples, &p->lost_samples_total, cpu,
			      count, from, to);
}

/* After the walk: the LOST_SAMPLES windows stand in only where no LOST record was seen. */
static void settle_lost(struct perf *p)
{
	if (p->nlost || !p->nlost_samples) {
		free(p->lost_samples);
	} else {
		free(p->lost);
		p->lost = p->lost_samples;
		p->nlost = p->nlost_samples;
		p->lost_total = p->lost_samples_total;
	}
	p->lost_samples = NULL;
	p->nlost_samples = 0;
	p->lost_samples_total = 0;
}

/* Walk the records of [at, end): attributes (pipe mode), samples' times, lost records. */
static int walk(struct perf *p, const unsigned char *m, uint64_t at, uint64_t end)
{
	uint64_t last_ts = 0;

	while (at + 8 <= end) {
		const unsigned char *r = m + at;
		uint32_t type = rd32(p, r);
		uint16_t size = rd16(p, r + 6);
		uint64_t ts = 0;
		int32_t cpu = -1;

		if (size < 8 || at + size > end) {
			p->truncated = true;
			break;
		}
		p->records++;
		switch (type) {
		case PERF_RECORD_SAMPLE:
			sample_time(p, r, size, &ts, &cpu);
			if (ts > last_ts)
				last_ts = ts;
			break;
		case PERF_RECORD_LOST:
		case PERF_RECORD_LOST_SAMPLES: {
			uint32_t off = type == PERF_RECORD_LOST ? 16 : 8;

			if (size < off + 8)
				break;
			trailer_time(p, r, size, &ts, &cpu);
			if (add_lost(p, type, p->cpu_known ? cpu : -1, rd64(p, r + off),
				     ts ? (last_ts < ts ? last_ts : ts) : last_ts,
				     ts ? ts : last_ts))
				return -1;
			break;
		}
		case PERF_RECORD_HEADER_ATTR:
			if (size > 8)
				add_attr(p, r + 8, size - 8u);
			break;
		case PERF_RECORD_AUXTRACE:
			if (size >= 16) /* the aux data follows the record */
				at += rd64(p, r + 8) > end ? end : rd64(p, r + 8);
			break;
		case PERF_RECORD_COMPRESSED:
		case PERF_RECORD_COMPRESSED2:
			p->compressed = true;
			break;
		default:
			if (type < 64) {
				trailer_time(p, r, size, &ts, &cpu);
				if (ts > last_ts)
					last_ts = ts;
			}
			break;
		}
		at += size;
	}
	return 0;
}

static int scan(struct perf *p, struct nt_err **err)
{
	int fd = open(p->path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	unsigned char *m;
	uint64_t hsize, attr_size, aoff, asize, doff, dsize, size;
	int ret = 0;

	if (fd < 0)
		return nt_err_set(err,
				  nt_err_errno(NT_E_INPUT, errno, "cannot open '%s'", p->path));
	if (fstat(fd, &st) || st.st_size < PIPE_HEADER_SIZE) {
		close(fd);
		return nt_err_set(err, nt_err_new(NT_E_INPUT,
						  "cannot read '%s': the perf.data header is "
						  "truncated (%lld bytes); the file is damaged",
						  p->path, (long long)st.st_size));
	}
	size = (uint64_t)st.st_size;
	m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return nt_err_set(err,
				  nt_err_errno(NT_E_INPUT, errno, "cannot read '%s'", p->path));
	p->swap = !memcmp(m, "2ELIFREP", 8);
	hsize = rd64(p, m + 8);
	if (hsize == PIPE_HEADER_SIZE) {
		ret = walk(p, m, PIPE_HEADER_SIZE, size);
		settle_lost(p);
	} else if (size < HEADER_SIZE) {
		ret = nt_err_set(
			err,
			nt_err_new(NT_E_INPUT,
				   "cannot read '%s': the perf.data header is truncated (%" PRIu64
				   " bytes); the file is damaged",
				   p->path, size));
	} else if (hsize < HEADER_SIZE) {
		ret = nt_err_set(err,
				 nt_err_new(NT_E_INPUT,
					    "cannot read '%s': bad perf.data header (size %" PRIu64
					    "); the file is damaged",
					    p->path, hsize));
	} else {
		attr_size = rd64(p, m + 16);
		aoff = rd64(p, m + 24);
		asize = rd64(p, m + 32);
		doff = rd64(p, m + 40);
		dsize = rd64(p, m + 48);
		if (attr_size > 16 && aoff <= size && asize <= size - aoff)
			for (uint64_t a = 0; a + attr_size <= asize; a += attr_size)
				add_attr(p, m + aoff + a, attr_size - 16);
		if (doff > size) {
			p->truncated = true;
		} else {
			if (dsize > size - doff) {
				p->truncated = true;
				dsize = size - doff;
			}
			ret = walk(p, m, doff, doff + dsize);
			settle_lost(p);
		}
	}
	munmap(m, size);
	if (ret && !*err)
		nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	return ret;
}

/* ---- the temporary directory and its guard ---- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void rm_tree(const char *dir)
{
	if (dir[0])
		nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * A small process that removes @dir once this worker is gone, however it ends: a watchdog
 * SIGKILL must not leave a temporary directory (or a perf) behind. The worker tells it perf's
 * process group (a 4-byte pid, 0 once perf is reaped); at EOF it kills that group first.
 */
static void guard_main(const char *dir)
{
	unsigned char buf[4];
	size_t got = 0;
	int32_t pgid = 0;

	for (;;) {
		ssize_t n = read(0, buf + got, sizeof(buf) - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		if (got == sizeof(buf)) {
			memcpy(&pgid, buf, sizeof(pgid));
			got = 0;
		}
	}
	if (pgid > 0) {
		kill(-pgid, SIGKILL);
		for (int i = 0; i < 100 && !kill(-pgid, 0); i++)
			poll(NULL, 0, 20);
	}
	rm_tree(dir);
}

static pid_t guard_start(const char *dir, int *wfd)
{
	int fds[2];
	pid_t g;

	if (pipe2(fds, O_CLOEXEC))
		return -1;
	g = fork();
	if (g < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (g == 0) {
		int null = open("/dev/null", O_RDWR);

		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		signal(SIGPIPE, SIG_IGN);
		dup2(fds[0], 0);
		if (null >= 0) {
			dup2(null, 1);
			dup2(null, 2);
		}
		for (int fd = 3; fd < 1024; fd++) /* drop the worker's pipes to the importer */
			close(fd);
		guard_main(dir);
		_exit(0);
	}
	close(fds[0]);
	*wfd = fds[1];
	return g;
}

static void guard_tell(struct perf *p, int32_t pgid)
{
	if (p->guard_fd >= 0 && write(p->guard_fd, &pgid, sizeof(pgid)) != sizeof(pgid))
		return;
}

/* ---- running perf ---- */

static int start_convert(struct perf *p, struct nt_err **err)
{
	pid_t parent = getpid();
	int log = open(p->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (log < 0)
		return nt_err_set(err,
				  nt_err_errno(NT_E_FAIL, errno, "cannot create '%s'", p->log));
	fflush(NULL);
	p->conv = fork();
	if (p->conv < 0) {
		close(log);
		return nt_err_set(err, nt_err_errno(NT_E_FAIL, errno, "cannot run perf"));
	}
	if (p->conv == 0) {
		int null = open("/dev/null", O_RDONLY);

		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(126);
		if (null >= 0)
			dup2(null, 0);
		dup2(log, 1);
		dup2(log, 2);
		execlp("perf", "perf", "data", "convert", "--force", "--to-ctf", p->out, "-i",
		       p->path, (char *)NULL);
		dprintf(2, "cannot run perf: %s\n", strerror(errno));
		_exit(127);
	}
	close(log);
	setpgid(p->conv, p->conv);
	guard_tell(p, p->conv);
	p->last_beat = nt_sys_now();
	return 0;
}

/* The last non-empty line perf printed, for error messages. */
static void log_tail(const struct perf *p, char *out, size_t n)
{
	char buf[4096];
	int fd = open(p->log, O_RDONLY | O_CLOEXEC);
	ssize_t got = 0;
	off_t size;
	char *end, *b;

	out[0] = '\0';
	if (fd < 0)
		return;
	size = lseek(fd, 0, SEEK_END);
	if (size > 0 && lseek(fd, size > (off_t)sizeof(buf) - 1 ? size - (off_t)sizeof(buf) + 1 : 0,
			      SEEK_SET) >= 0)
		got = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (got <= 0)
		return;
	buf[got] = '\0';
	end = buf + got;
	while (end > buf &&
	       (end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\r' || end[-1] == '.'))
		end--;
	*end = '\0';
	for (;;) { /* the last line that is not a progress line */
		for (b = end; b > buf && b[-1] != '\n'; b--)
			;
		if (strncmp(b, "[ perf", 6) || b == buf)
			break;
		end = b - 1;
		while (end > buf &&
		       (end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\r' || end[-1] == '.'))
			end--;
		*end = '\0';
	}
	if (!strncmp(b, "[ perf", 6)) {
		out[0] = '\0';
		return;
	}
	if ((size_t)(end - b) >= n)
		b = end - (n - 1);
	memcpy(out, b, (size_t)(end - b) + 1);
}

/* Did perf say @needle anywhere (in the first 64 KiB of its output)? */
static bool log_has(const struct perf *p, const char *needle)
{
	char buf[65536];
	int fd = open(p->log, O_RDONLY | O_CLOEXEC);
	ssize_t got;

	if (fd < 0)
		return false;
	got = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (got <= 0)
		return false;
	buf[got] = '\0';
	return memmem(buf, (size_t)got, needle, strlen(needle)) != NULL;
}

static uint64_t dir_size(const char *dir)
{
	char path[PATH_MAX + 32];
	struct stat st;
	uint64_t total = 0;

	/* perf writes one stream file per cpu: perf_stream_N */
	for (int i = 0; i < 4096; i++) {
		snprintf(path, sizeof(path), "%s/perf_stream_%d", dir, i);
		if (stat(path, &st)) {
			if (i > 64)
				break;
			continue;
		}
		total += (uint64_t)st.st_size;
	}
	return total;
}

static struct nt_err *convert_error(struct perf *p, int status)
{
	char line[512];
	struct nt_err *e;

	log_tail(p, line, sizeof(line));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		e = nt_err_new(NT_E_FAIL, "cannot import '%s': cannot run perf; install linux-perf",
			       p->path);
	else if (WIFSIGNALED(status))
		e = nt_err_new(NT_E_INPUT,
			       "cannot import '%s': perf data convert crashed (%s); the file is "
			       "probably truncated or corrupt",
			       p->path, strsignal(WTERMSIG(status)));
	else if (log_has(p, "No conversion support") || log_has(p, "unknown option `to-ctf'"))
		e = nt_err_new(NT_E_FAIL,
			       "cannot import '%s': this perf cannot convert to CTF (built without "
			       "libbabeltrace); install Debian's linux-perf",
			       p->path);
	else
		e = nt_err_new(NT_E_INPUT,
			       "cannot import '%s': perf data convert failed (exit status %d)%s%s; "
			       "the file is probably damaged",
			       p->path, WIFEXITED(status) ? WEXITSTATUS(status) : -1,
			       line[0] ? ": " : "", line);
	return e;
}

/* ---- reader methods ---- */

static void pd_close(void *state)
{
	struct perf *p = state;

	if (!p)
		return;
	if (p->conv > 0) {
		kill(-p->conv, SIGKILL);
		kill(p->conv, SIGKILL);
		while (waitpid(p->conv, NULL, 0) < 0 && errno == EINTR)
			;
		guard_tell(p, 0);
	}
	nt_ctf_close(p->ctf);
	rm_tree(p->tmp);
	if (p->guard > 0) {
		close(p->guard_fd);
		while (waitpid(p->guard, NULL, 0) < 0 && errno == EINTR)
			;
	}
	free(p->lost);
	free(p->lost_samples);
	free(p->path);
	free(p);
}

static int pd_open(const char *path, void **state, struct nt_err **err)
{
	struct perf *p = calloc(1, sizeof(*p));
	const char *tmpdir = getenv("TMPDIR");

	*state = NULL;
	if (!p || !(p->path = strdup(path))) {
		free(p);
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	}
	p->guard_fd = -1;
	if (scan(p, err)) {
		pd_close(p);
		return -1;
	}
	if (!tmpdir || !*tmpdir || strlen(tmpdir) > PATH_MAX / 2)
		tmpdir = "/tmp";
	snprintf(p->tmp, sizeof(p->tmp), "%s/nettrail-perf.XXXXXX", tmpdir);
	if (!mkdtemp(p->tmp)) {
		int en = errno;
		p->tmp[0] = '\0';
		pd_close(p);
		return nt_err_set(err, nt_err_errno(NT_E_FAIL, en,
						    "cannot create a temporary directory in '%s'",
						    tmpdir));
	}
	snprintf(p->out, sizeof(p->out), "%s/ctf", p->tmp);
	snprintf(p->log, sizeof(p->log), "%s/perf.log", p->tmp);
	p->guard = guard_start(p->tmp, &p->guard_fd);
	if (p->guard < 0) {
		pd_close(p);
		return nt_err_set(err,
				  nt_err_errno(NT_E_FAIL, errno, "cannot start a helper process"));
	}
	if (start_convert(p, err)) {
		pd_close(p);
		return -1;
	}
	*state = p;
	return 0;
}

static void send_facts(struct perf *p, struct nt_batch *b)
{
	char num[32];

	nt_batch_info(b, "converter", "perf data convert --to-ctf");
	nt_batch_info(b, "cpu_recorded", p->cpu_known ? "yes" : "no");
	snprintf(num, sizeof(num), "%" PRIu64, p->records);
	nt_batch_info(b, "perf_records", num);
	if (!p->cpu_known)
		nt_batch_warn(b,
			      "%s record the cpu (perf record without PERF_SAMPLE_CPU); cpu is "
			      "stored as -1",
			      p->cpu_mixed ? "not all event types" : "the samples do not");
	if (p->compressed)
		nt_batch_warn(b, "the file holds compressed records (perf record -z); lost-sample "
				 "records inside them were not counted");
	if (p->truncated)
		nt_batch_warn(b,
			      "the perf.data data section is truncated; records after %" PRIu64
			      " were not scanned for lost samples",
			      p->records);
	for (size_t i = 0; i < p->nlost; i++)
		nt_batch_lost(b, p->lost[i].cpu, p->lost[i].count, p->lost[i].from, p->lost[i].to);
	if (p->lost_total && !p->cpu_known)
		nt_batch_warn(b,
			      "%" PRIu64
			      " samples were lost (PERF_RECORD_LOST/LOST_SAMPLES) on unknown cpus",
			      p->lost_total);
}

/* Wait a little for perf; OK with a heartbeat while its output grows, or start reading. */
static enum nt_next wait_convert(struct perf *p, struct nt_batch *b, struct nt_err **err)
{
	for (int i = 0; i < 20; i++) {
		int status;
		pid_t r = waitpid(p->conv, &status, WNOHANG);

		if (r == p->conv) {
			struct nt_ctf_opts o = {
				.format = "perf", .shown = p->path, .cpu_unknown = !p->cpu_known};

			p->conv = 0;
			guard_tell(p, 0);
			if (!WIFEXITED(status) || WEXITSTATUS(status)) {
				nt_err_set(err, convert_error(p, status));
				return NT_NEXT_ERROR;
			}
			if (nt_ctf_open(p->out, &o, &p->ctf, err)) {
				*err = nt_err_wrap(*err, "reading the CTF conversion of '%s'",
						   p->path);
				return NT_NEXT_ERROR;
			}
			p->phase = P_READ;
			return NT_NEXT_OK;
		}
		if (r < 0 && errno != EINTR) {
			nt_err_set(err, nt_err_errno(NT_E_FAIL, errno, "cannot wait for perf"));
			return NT_NEXT_ERROR;
		}
		if (nt_interrupted) {
			nt_err_set(err, nt_err_new(NT_E_INTR, "interrupted while converting '%s'",
						   p->path));
			return NT_NEXT_ERROR;
		}
		poll(NULL, 0, 50);
	}
	/* still running: a heartbeat for the watchdog, but only while perf makes progress */
	if (nt_sys_now() - p->last_beat >= 1.0) {
		uint64_t size = dir_size(p->out);

		if (size != p->last_size) {
			p->last_size = size;
			p->last_beat = nt_sys_now();
			nt_batch_info(b, "converter", "perf data convert --to-ctf");
		}
	}
	return NT_NEXT_OK;
}

static enum nt_next pd_next(void *state, struct nt_batch *b, struct nt_err **err)
{
	struct perf *p = state;
	enum nt_next r;

	if (p->phase == P_CONVERT)
		return wait_convert(p, b, err);
	r = nt_ctf_next(p->ctf, b, err);
	if (!p->lost_sent && r != NT_NEXT_ERROR) {
		send_facts(p, b);
		p->lost_sent = true;
	}
	return r;
}

const struct nt_reader_ops nt_perf_ctf_route = {
	.name = "perf",
	.help = "perf.data files (through perf data convert --to-ctf; needs linux-perf)",
	.probe = NULL,
	.open = pd_open,
	.next = pd_next,
	.close = pd_close,
};
