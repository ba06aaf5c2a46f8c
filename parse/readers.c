/* SPDX-License-Identifier: GPL-2.0 */
/* The table of readers and format detection by content. */
#include "reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern const struct nt_reader_ops nt_tracedat_reader;
extern const struct nt_reader_ops nt_ftrace_text_reader;
extern const struct nt_reader_ops nt_funcgraph_reader;
extern const struct nt_reader_ops nt_trace_stat_reader;
extern const struct nt_reader_ops nt_ctf_reader;
extern const struct nt_reader_ops nt_perf_reader;

static const struct nt_reader_ops *const readers[] = {
	&nt_tracedat_reader,
	&nt_ftrace_text_reader,
	&nt_funcgraph_reader,
	&nt_trace_stat_reader,
	&nt_ctf_reader,
	&nt_perf_reader,
	NULL,
};

const struct nt_reader_ops *const *nt_readers(void)
{
	return readers;
}

const struct nt_reader_ops *nt_reader_find(const char *name)
{
	for (const struct nt_reader_ops *const *r = readers; *r; r++)
		if (!strcmp((*r)->name, name))
			return *r;
	return NULL;
}

static void names(char *out, size_t n)
{
	size_t at = 0;

	out[0] = '\0';
	for (const struct nt_reader_ops *const *r = readers; *r && at < n; r++)
		at += (size_t)snprintf(out + at, n - at, "%s%s", at ? ", " : "", (*r)->name);
}

int nt_reader_probe(const char *path, const struct nt_reader_ops **out, struct nt_err **err)
{
	unsigned char head[NT_PROBE_BYTES];
	const struct nt_reader_ops *best = NULL;
	int best_score = 0;
	ssize_t n = 0;
	struct stat st;
	char tried[256];

	*out = NULL;
	if (stat(path, &st) < 0)
		return nt_err_set(err, nt_err_errno(NT_E_INPUT, errno, "cannot open '%s'", path));
	if (!S_ISDIR(st.st_mode)) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			return nt_err_set(
				err, nt_err_errno(NT_E_INPUT, errno, "cannot open '%s'", path));
		n = read(fd, head, sizeof(head));
		close(fd);
		if (n < 0)
			return nt_err_set(
				err, nt_err_errno(NT_E_INPUT, errno, "cannot read '%s'", path));
		if (n == 0)
			return nt_err_set(err, nt_err_new(NT_E_INPUT,
							  "cannot import '%s': the file is empty",
							  path));
	}
	for (const struct nt_reader_ops *const *r = readers; *r; r++) {
		int score = (*r)->probe(path, head, (size_t)n);
		if (score > best_score) {
			best_score = score;
			best = *r;
		}
	}
	if (!best) {
		names(tried, sizeof(tried));
		if (n >= 4)
			return nt_err_set(
				err,
				nt_err_new(NT_E_INPUT,
					   "cannot import '%s': not a trace format nettrail reads "
					   "(magic 0x%02x%02x%02x%02x; tried %s); try --format",
					   path, head[0], head[1], head[2], head[3], tried));
		return nt_err_set(err, nt_err_new(NT_E_INPUT,
						  "cannot import '%s': not a trace format nettrail "
						  "reads (tried %s); try --format",
						  path, tried));
	}
	*out = best;
	return 0;
}
