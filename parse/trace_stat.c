/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The function profiler's statistics: tracefs trace_stat/functionN files (one per cpu), one
 * file or a folder of them, or their concatenation by head(1). Each row becomes an event of
 * class ftrace:function_profile (docs/formats/trace-stat.md gives the units).
 */
#include "reader.h"
#include "ftrace_text.h"
#include "../core/sys.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_WARN  10
#define MAX_FILES 8192

enum { CLASS_ID = 1 };

struct tstat {
	char **files; /* owned: the files to read, in cpu order */
	unsigned nfiles, at;
	FILE *f;    /* the current file */
	char *line; /* owned */
	size_t line_cap;
	uint64_t lineno;
	int32_t cpu;   /* of the current file or section, -1 unknown */
	bool in_table; /* a header was seen */
	int hdr;       /* of the current file or section: 0 none yet, 1 title line, 2 and rule */
	uint64_t hdr_line, sect_lines; /* the title's line; lines of the section so far */
	bool has_time; /* the header has Time/Avg/s^2 (CONFIG_FUNCTION_GRAPH_TRACER) */
	bool started;
	uint64_t rows, unparsed, first_unparsed;
	unsigned warned;
	const char *first_bad_file; /* weak */
};

static const struct nt_field_def fields[] = {
	{"function", NT_VAL_TEXT, NT_FIELD_SYMBOL},
	{"hit", NT_VAL_INT, 0},
	{"time_ns", NT_VAL_INT, 0},
	{"avg_ns", NT_VAL_INT, 0},
	{"s2_ns2", NT_VAL_INT, 0},
};

/* The header line: "  Function   Hit    Time   Avg   s^2" (the last three optional). */
static bool is_header(const char *s, size_t n, bool *has_time)
{
	char buf[128];
	char w[5][16];
	int k;

	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	if (n >= sizeof(buf) || n < 12 || memcmp(s, "Function", 8))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	k = sscanf(buf, "%15s %15s %15s %15s %15s", w[0], w[1], w[2], w[3], w[4]);
	if (k == 2 && !strcmp(w[1], "Hit")) {
		*has_time = false;
		return true;
	}
	if (k == 5 && !strcmp(w[1], "Hit") && !strcmp(w[2], "Time") && !strcmp(w[3], "Avg") &&
	    !strcmp(w[4], "s^2")) {
		*has_time = true;
		return true;
	}
	return false;
}

/* The cpu number at the end of a file name "functionN", or -1. */
static int32_t cpu_of(const char *name, size_t n)
{
	size_t i = n;
	int64_t v = 0;

	while (i && name[i - 1] >= '0' && name[i - 1] <= '9')
		i--;
	if (i == n || n - i > 6 || i < 8 || memcmp(name + i - 8, "function", 8))
		return -1;
	for (; i < n; i++)
		v = v * 10 + (name[i] - '0');
	return (int32_t)v;
}

static int probe(const char *path, const unsigned char *head, size_t n)
{
	const char *s = (const char *)head;
	bool t;

	if (!n) { /* a folder: trace_stat/ with function0 */
		char p[4096];
		FILE *f;
		char line[256];
		int score = 0;

		if (snprintf(p, sizeof(p), "%s/function0", path) >= (int)sizeof(p))
			return 0;
		f = fopen(p, "r");
		if (!f)
			return 0;
		if (fgets(line, sizeof(line), f) && is_header(line, strcspn(line, "\r\n"), &t))
			score = 95;
		fclose(f);
		return score;
	}
	if (memchr(head, '\0', n))
		return 0;
	/* the first line, or the line after head(1)'s "==> name <==" */
	for (int k = 0; k < 3 && n; k++) {
		const char *nl = memchr(s, '\n', n);
		size_t len = nl ? (size_t)(nl - s) : n;

		if (is_header(s, len, &t))
			return 95;
		if (!(len > 4 && !memcmp(s, "==> ", 4)) && len)
			return 0;
		if (!nl)
			break;
		n -= len + 1;
		s = nl + 1;
	}
	return 0;
}

static int cmp_cpu(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	const char *bx = strrchr(x, '/'), *by = strrchr(y, '/');

	bx = bx ? bx + 1 : x;
	by = by ? by + 1 : y;
	return cpu_of(bx, strlen(bx)) - cpu_of(by, strlen(by));
}

static void ts_close(void *state)
{
	struct tstat *t = state;

	if (!t)
		return;
	if (t->f)
		fclose(t->f);
	for (unsigned i = 0; i < t->nfiles; i++)
		free(t->files[i]);
	free(t->files);
	free(t->line);
	free(t);
}

static int add_file(struct tstat *t, const char *dir, const char *name)
{
	char **x;

	if (t->nfiles >= MAX_FILES)
		return 0;
	x = realloc(t->files, (t->nfiles + 1) * sizeof(*x));
	if (!x)
		return -1;
	t->files = x;
	if (dir ? asprintf(&x[t->nfiles], "%s/%s", dir, name) < 0 : !(x[t->nfiles] = strdup(name)))
		return -1;
	t->nfiles++;
	return 0;
}

static int ts_open(const char *path, void **state, struct nt_err **err)
{
	struct tstat *t = calloc(1, sizeof(*t));
	struct stat st;

	*state = NULL;
	if (!t)
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	if (stat(path, &st) < 0) {
		int en = errno;
		ts_close(t);
		return nt_err_set(err, nt_err_errno(NT_E_INPUT, en, "cannot open '%s'", path));
	}
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *e;

		if (!d) {
			int en = errno;
			ts_close(t);
			return nt_err_set(err,
					  nt_err_errno(NT_E_INPUT, en, "cannot open '%s'", path));
		}
		while ((e = readdir(d)))
			if (cpu_of(e->d_name, strlen(e->d_name)) >= 0 &&
			    !strncmp(e->d_name, "function", 8) && strlen(e->d_name) > 8 &&
			    add_file(t, path, e->d_name)) {
				closedir(d);
				ts_close(t);
				return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
			}
		closedir(d);
		if (!t->nfiles) {
			ts_close(t);
			return nt_err_set(
				err,
				nt_err_new(NT_E_INPUT,
					   "cannot import '%s': the folder has no functionN files; "
					   "give a trace_stat folder or one of its files",
					   path));
		}
		qsort(t->files, t->nfiles, sizeof(*t->files), cmp_cpu);
	} else if (add_file(t, NULL, path)) {
		ts_close(t);
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	}
	*state = t;
	return 0;
}

static void bad_line(struct tstat *t, struct nt_batch *b, const char *s, size_t n)
{
	const char *file = t->files[t->at];

	if (!t->unparsed++) {
		t->first_unparsed = t->lineno;
		t->first_bad_file = file;
	}
	if (t->warned >= MAX_WARN)
		return;
	t->warned++;
	while (n && *s == ' ') {
		s++;
		n--;
	}
	nt_batch_warn(b, "'%s' line %" PRIu64 ": cannot parse '%.60s%s'", file, t->lineno,
		      n ? s : "", n > 60 ? "..." : "");
}

/* Split on blanks; returns the number of words (at most @max). */
static unsigned words(const char *s, size_t n, const char **w, size_t *wl, unsigned max)
{
	unsigned k = 0;
	size_t i = 0;

	while (i < n) {
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i >= n)
			break;
		if (k == max)
			return max + 1;
		w[k] = s + i;
		while (i < n && s[i] != ' ' && s[i] != '\t')
			i++;
		wl[k] = i - (size_t)(w[k] - s);
		k++;
	}
	return k;
}

static bool is_us(const char *s, size_t n)
{
	return n == 2 && s[0] == 'u' && s[1] == 's';
}

static void row(struct tstat *t, struct nt_batch *b, const char *s, size_t n)
{
	const char *w[9];
	size_t wl[9];
	unsigned k = words(s, n, w, wl, 8);
	int64_t hit, time_ns, avg_ns, s2;

	if (k != (t->has_time ? 8u : 2u) || strspn(w[1], "0123456789") < wl[1] ||
	    !nt_text_int(w[1], wl[1], &hit)) {
		bad_line(t, b, s, n);
		return;
	}
	if (t->has_time &&
	    (!is_us(w[3], wl[3]) || !is_us(w[5], wl[5]) || !is_us(w[7], wl[7]) ||
	     nt_text_duration(w[2], wl[2], &time_ns) || nt_text_duration(w[4], wl[4], &avg_ns) ||
	     nt_text_duration(w[6], wl[6], &s2) || s2 > INT64_MAX / 1000)) {
		bad_line(t, b, s, n);
		return;
	}
	nt_batch_event_begin(b, CLASS_ID, 0, t->cpu, -1);
	nt_batch_text(b, w[0], wl[0]);
	nt_batch_int(b, hit);
	if (t->has_time) {
		nt_batch_int(b, time_ns);
		nt_batch_int(b, avg_ns);
		nt_batch_int(b, s2 * 1000); /* printed in us^2 (see the doc): to ns^2 */
	}
	nt_batch_event_end(b);
	t->rows++;
}

/* One line; -1 when a head(1) section ended inside its header. */
static int line(struct tstat *t, struct nt_batch *b, char *s, size_t n)
{
	size_t p = 0;
	bool has_time;

	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
		n--;
	while (p < n && s[p] == ' ')
		p++;
	if (p == n)
		return 0;
	if (n > 8 && !memcmp(s, "==> ", 4) && !memcmp(s + n - 4, " <==", 4)) {
		/* head(1) joining several files: the name says the cpu */
		if (t->sect_lines && t->hdr != 2)
			return -1; /* the previous section ended inside its header */
		t->cpu = cpu_of(s + 4, n - 8);
		t->in_table = false;
		t->hdr = 0;
		t->sect_lines = 0;
		return 0;
	}
	t->sect_lines++;
	if (is_header(s, n, &has_time)) {
		t->in_table = true;
		t->has_time = has_time;
		t->hdr = 1;
		t->hdr_line = t->lineno;
		return 0;
	}
	if (t->in_table && s[p] == '-') {
		size_t q = p;
		unsigned groups = 0;

		for (; q < n && (s[q] == '-' || s[q] == ' '); q++)
			groups += s[q] == '-' && (q == p || s[q - 1] == ' ');
		if (q == n) { /* the rule: complete with a group under each title word */
			if (t->hdr == 1 && groups == (t->has_time ? 5u : 2u))
				t->hdr = 2;
			return 0;
		}
	}
	if (!t->in_table || memchr(s, '\0', n)) {
		bad_line(t, b, s, n);
		return 0;
	}
	row(t, b, s, n);
	return 0;
}

/*
 * The kernel always writes the two header lines (title and rule), even with no function: a
 * file or section without them was cut short, and its rows are not known to be none.
 */
static enum nt_next header_cut(struct tstat *t, uint64_t at, struct nt_err **err)
{
	const char *file = t->files[t->at];

	if (t->hdr == 1)
		nt_err_set(err, nt_err_new(NT_E_INPUT,
					   "'%s' line %" PRIu64 ": the function profiler's header "
					   "ends after its title line (cut short?); give the whole "
					   "file",
					   file, t->hdr_line + 1));
	else
		nt_err_set(err, nt_err_new(NT_E_INPUT,
					   "'%s' line %" PRIu64 ": no function profiler header "
					   "before the end (cut short?); give the whole file",
					   file, at));
	return NT_NEXT_ERROR;
}

static enum nt_next ts_next(void *state, struct nt_batch *b, struct nt_err **err)
{
	struct tstat *t = state;

	if (!t->started) {
		char num[16];

		nt_batch_info(b, "format", "trace-stat");
		snprintf(num, sizeof(num), "%u", t->nfiles);
		nt_batch_info(b, "trace_stat_files", num);
		nt_batch_class(b,
			       &(struct nt_class_def){.id = CLASS_ID,
						      .system = "ftrace",
						      .name = "function_profile",
						      .orig = "trace_stat/function",
						      .nfields = sizeof(fields) / sizeof(fields[0]),
						      .fields = fields});
		t->started = true;
	}
	while (b->len < NT_BATCH_TARGET) {
		ssize_t n;

		if (!t->f) {
			const char *name;

			if (t->at >= t->nfiles) {
				if (t->unparsed)
					nt_batch_warn(b,
						      "%" PRIu64
						      " lines could not be parsed and were skipped "
						      "(the first in '%s' line %" PRIu64 ")",
						      t->unparsed, t->first_bad_file,
						      t->first_unparsed);
				return NT_NEXT_END;
			}
			t->f = fopen(t->files[t->at], "r");
			if (!t->f) {
				nt_err_set(err, nt_err_errno(NT_E_INPUT, errno, "cannot open '%s'",
							     t->files[t->at]));
				return NT_NEXT_ERROR;
			}
			name = strrchr(t->files[t->at], '/');
			name = name ? name + 1 : t->files[t->at];
			t->cpu = cpu_of(name, strlen(name));
			t->in_table = false;
			t->lineno = 0;
			t->hdr = 0;
			t->sect_lines = 0;
		}
		n = getline(&t->line, &t->line_cap, t->f);
		if (n < 0) {
			if (ferror(t->f)) {
				nt_err_set(err, nt_err_errno(NT_E_INPUT, errno, "cannot read '%s'",
							     t->files[t->at]));
				return NT_NEXT_ERROR;
			}
			if (t->hdr != 2)
				return header_cut(t, t->lineno + 1, err);
			fclose(t->f);
			t->f = NULL;
			t->at++;
			continue;
		}
		t->lineno++;
		if (line(t, b, t->line, (size_t)n))
			return header_cut(t, t->lineno, err);
		if (b->oom) {
			nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
			return NT_NEXT_ERROR;
		}
		if (nt_interrupted) {
			nt_err_set(err, nt_err_new(NT_E_INTR, "interrupted"));
			return NT_NEXT_ERROR;
		}
	}
	return NT_NEXT_OK;
}

const struct nt_reader_ops nt_trace_stat_reader = {
	.name = "trace-stat",
	.help = "function profiler statistics: tracefs trace_stat/functionN files or their folder",
	.probe = probe,
	.open = ts_open,
	.next = ts_next,
	.close = ts_close,
};
