/* SPDX-License-Identifier: GPL-2.0 */
/* Kernel text symbols for traces without them: saved kallsyms, perf's build-id cache, /proc. */
#include "ksyms.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

static int ksym_cmp(const void *a, const void *b)
{
	const struct nt_ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

int nt_ksyms_load(struct nt_ksyms *k, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[512], name[256], type;
	unsigned long long addr;
	size_t cap = 0;

	nt_ksyms_release(k);
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3 || !addr)
			continue; /* zero addresses: kallsyms read without the privilege */
		if (type != 't' && type != 'T' && type != 'w' && type != 'W')
			continue;
		if (k->n == cap) {
			struct nt_ksym *v =
				realloc(k->v, (cap = cap ? 2 * cap : 65536) * sizeof(*v));
			if (!v)
				break;
			k->v = v;
		}
		k->v[k->n].addr = addr;
		k->v[k->n].name = strdup(name);
		if (k->v[k->n].name)
			k->n++;
	}
	fclose(f);
	qsort(k->v, k->n, sizeof(*k->v), ksym_cmp);
	return 0;
}

void nt_ksyms_release(struct nt_ksyms *k)
{
	for (size_t i = 0; i < k->n; i++)
		free(k->v[i].name);
	free(k->v);
	memset(k, 0, sizeof(*k));
}

const char *nt_ksyms_find(const struct nt_ksyms *k, uint64_t a, uint64_t *off)
{
	size_t lo = 0, hi = k->n;

	if (!k->n || a < k->v[0].addr || a >= k->v[k->n - 1].addr)
		return NULL;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (k->v[mid].addr <= a)
			lo = mid;
		else
			hi = mid;
	}
	if (off)
		*off = a - k->v[lo].addr;
	return k->v[lo].name;
}

const char *nt_ksyms_source_name(enum nt_ksyms_src s)
{
	static const char *const names[] = {"none", "saved_kallsyms", "buildid_cache",
					    "proc_kallsyms"};

	return names[s];
}

/* The running kernel's build-id (hex) from /sys/kernel/notes' GNU note; "" when unknown. */
static void running_build_id(char *out, size_t n)
{
	unsigned char buf[4096];
	FILE *f = fopen("/sys/kernel/notes", "rb");
	size_t len = f ? fread(buf, 1, sizeof(buf), f) : 0, at = 0;

	*out = '\0';
	if (f)
		fclose(f);
	while (at + 12 <= len) {
		uint32_t nsz, dsz, type;
		size_t name_at = at + 12, desc_at;

		memcpy(&nsz, buf + at, 4);
		memcpy(&dsz, buf + at + 4, 4);
		memcpy(&type, buf + at + 8, 4);
		desc_at = name_at + ((nsz + 3u) & ~3u);
		if (desc_at + dsz > len)
			return;
		if (type == 3 && nsz == 4 && !memcmp(buf + name_at, "GNU", 4) && dsz * 2 < n) {
			for (uint32_t i = 0; i < dsz; i++)
				sprintf(out + 2 * i, "%02x", buf[desc_at + i]);
			return;
		}
		at = desc_at + ((dsz + 3u) & ~3u);
	}
}

/* @sql's first text column for @trace into @out (@n bytes); "" when none. */
static void text_of(sqlite3 *db, const char *sql, int64_t trace, char *out, size_t n)
{
	sqlite3_stmt *st;

	*out = '\0';
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, trace);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(out, n, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

/*
 * What the symbols of @trace are chosen by: its path, kernel release and kernel build id. The
 * release is the reader's "kernel" fact as soon as it was stored (trace_meta), before the
 * trace's row has it (the end of the import).
 */
static void trace_inputs(sqlite3 *db, int64_t trace, char path[4096], char kernel[256],
			 char id[128])
{
	text_of(db, "SELECT path FROM traces WHERE id = ?", trace, path, 4096);
	text_of(db,
		"SELECT coalesce((SELECT kernel FROM traces WHERE id = ?1), (SELECT value FROM "
		"trace_meta WHERE trace_id = ?1 AND key = 'kernel'))",
		trace, kernel, 256);
	text_of(db, "SELECT value FROM trace_meta WHERE trace_id = ? AND key = 'kernel_build_id'",
		trace, id, 128);
}

void nt_ksyms_trace_key(sqlite3 *db, int64_t trace, char *out, size_t n)
{
	char path[4096], kernel[256], id[128];

	trace_inputs(db, trace, path, kernel, id);
	snprintf(out, n, "%s|%s|%s", path, kernel, id);
}

enum nt_ksyms_src nt_ksyms_load_for_trace(struct nt_ksyms *k, sqlite3 *db, int64_t trace)
{
	char path[4096], kernel[256], id[128], here[128], p[4400];
	const char *dir = getenv("PERF_BUILDID_DIR"), *home = getenv("HOME");
	struct utsname u;

	trace_inputs(db, trace, path, kernel, id);
	snprintf(p, sizeof(p), "%s.kallsyms", path);
	if (*path && nt_ksyms_load(k, p) == 0 && k->n)
		return NT_KSYMS_SAVED;
	if (*id && (dir || home)) {
		if (dir)
			snprintf(p, sizeof(p), "%s/[kernel.kallsyms]/%s/kallsyms", dir, id);
		else
			snprintf(p, sizeof(p), "%s/.debug/[kernel.kallsyms]/%s/kallsyms", home, id);
		if (nt_ksyms_load(k, p) == 0 && k->n)
			return NT_KSYMS_BUILDID;
	}
	running_build_id(here, sizeof(here));
	if (*kernel && uname(&u) == 0 && !strcmp(kernel, u.release) &&
	    (!*id || !*here || !strcmp(id, here)) && nt_ksyms_load(k, "/proc/kallsyms") == 0 &&
	    k->n)
		return NT_KSYMS_PROC;
	nt_ksyms_release(k);
	return NT_KSYMS_NONE;
}
