/* SPDX-License-Identifier: GPL-2.0 */
/* nettrail analyze: rerun the analyses over traces already in a database. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "../analyze/analyze.h"
#include "../parse/reader.h"
#include "../report/report.h"
#include "../store/store.h"

const struct cli_opt analyze_opts[] = {
	{"trace", 't', "ID", "only this trace (default: every trace)"},
	{"entry", 'e', "FUNC",
	 "also build call trees under FUNC (repeatable; remembered in the database's "
	 "func_entries)"},
	{NULL, 0, NULL, NULL},
};

/*
 * An entry function must be a function the traces called (func_stats): else a usage error
 * naming the most called ones.
 */
static int entry_check(sqlite3 *db, const char *fn, int64_t trace, const char *path,
		       struct nt_err **err)
{
	static const char most[] =
		"SELECT function, sum(calls) FROM func_stats WHERE ?1 = 0 OR trace_id = ?1 GROUP "
		"BY function ORDER BY 2 DESC, 1";
	sqlite3_stmt *st = NULL;
	char list[512] = "";
	size_t at = 0;
	int n = 0;
	bool found = false;

	if (sqlite3_prepare_v2(db, most, -1, &st, NULL) != SQLITE_OK) {
		*err = nt_err_new(NT_E_USAGE,
				  "function '%s' was not called in '%s': it holds no "
				  "function calls",
				  fn, path);
		nt_err_hint(*err, "record them with --graph FUNC (or 'nettrail vm record')");
		return -1;
	}
	sqlite3_bind_int64(st, 1, trace);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *f = (const char *)sqlite3_column_text(st, 0);
		found = found || (f && !strcmp(f, fn));
		if (n++ < 6 && at < sizeof(list))
			at += (size_t)snprintf(list + at, sizeof(list) - at, "%s%s",
					       n > 1 ? ", " : "", f ? f : "?");
	}
	sqlite3_finalize(st);
	if (found)
		return 0;
	if (!n)
		*err = nt_err_new(
			NT_E_USAGE,
			"function '%s' was not called in '%s': it holds no function calls", fn,
			path);
	else
		*err = nt_err_new(
			NT_E_USAGE,
			"function '%s' was not called in '%s'; the most called: %s%s%.0d%s", fn,
			path, list, n > 6 ? " and " : "", n > 6 ? n - 6 : 0, n > 6 ? " more" : "");
	if (!n)
		nt_err_hint(*err, "record them with --graph FUNC (or 'nettrail vm record')");
	return -1;
}

/* The entry functions (-e) into func_entries, which the function analysis reads. */
static int store_entries(sqlite3 *db, const char **entries, int nentries, struct nt_err **err)
{
	sqlite3_stmt *ins = NULL;

	if (sqlite3_exec(db, "CREATE TABLE IF NOT EXISTS func_entries(function TEXT PRIMARY KEY)",
			 NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO func_entries VALUES(?)", -1, &ins,
			       NULL) != SQLITE_OK)
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "cannot store the entry functions: %s",
						  sqlite3_errmsg(db)));
	for (int i = 0; i < nentries; i++) {
		sqlite3_bind_text(ins, 1, entries[i], -1, SQLITE_STATIC);
		sqlite3_step(ins);
		sqlite3_reset(ins);
	}
	sqlite3_finalize(ins);
	return 0;
}

/* The ids of the traces to analyze (@only, or every one when 0) into *@out; their count. */
static int trace_ids(sqlite3 *db, int64_t only, int64_t **out)
{
	sqlite3_stmt *st;
	int64_t *ids = NULL;
	int n = 0;

	if (sqlite3_prepare_v2(db, "SELECT id FROM traces WHERE ?1 = 0 OR id = ?1 ORDER BY id", -1,
			       &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, only);
		while (sqlite3_step(st) == SQLITE_ROW) {
			int64_t *x = realloc(ids, (size_t)(n + 1) * sizeof(*x));
			if (!x)
				break;
			ids = x;
			ids[n++] = sqlite3_column_int64(st, 0);
		}
		sqlite3_finalize(st);
	}
	*out = ids;
	return n;
}

/* Analyze each trace in its own transaction; the exit code. */
static int analyze_traces(struct nt_store *s, const int64_t *ids, int n, int code)
{
	sqlite3 *db = nt_store_db(s);
	struct nt_err *err = NULL;

	for (int i = 0; i < n && !nt_interrupted; i++) {
		if (nt_store_exec(s, "BEGIN IMMEDIATE", "cannot start the analysis", &err) ||
		    nt_analyze_trace(db, ids[i], &err) ||
		    nt_store_exec(s, "COMMIT", "cannot store the analysis", &err)) {
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return cli_fail(err);
		}
		fprintf(stderr, "analyzed trace %lld\n", (long long)ids[i]);
	}
	if (nt_interrupted && code == NT_EXIT_OK)
		code = NT_EXIT_INTR;
	return code;
}

int cmd_analyze(int argc, char **argv)
{
	struct nt_store *s = NULL;
	struct nt_err *err = NULL;
	sqlite3 *db;
	int64_t only = 0, *ids = NULL;
	const char **entries = NULL;
	int nentries = 0;
	int n = 0, c, code = NT_EXIT_OK;
	char *arg, *end;

	while ((c = cli_getopt(argc, argv, analyze_opts, false, &arg)) != -1) {
		if (c == 't') {
			only = strtoll(arg, &end, 10);
			if (*end || only <= 0)
				return cli_usage("analyze", "--trace wants a trace id, not '%s'",
						 arg);
		} else if (c == 'e') {
			const char **x = realloc(entries, (size_t)(nentries + 1) * sizeof(*x));
			if (!x)
				return NT_EXIT_FAIL;
			entries = x;
			entries[nentries++] = arg;
		} else if (c == 'h') {
			free(entries);
			return cli_help_exit("analyze");
		} else {
			return NT_EXIT_USAGE;
		}
	}
	if (optind != argc - 1)
		return cli_usage("analyze", "give exactly one database");
	cli_catch_signals();
	cli_progress_init(false);
	if (nt_store_open(argv[optind], false, &s, &err))
		return cli_fail(err);
	db = nt_store_db(s);
	for (int i = 0; i < nentries && !err; i++)
		entry_check(db, entries[i], only, argv[optind], &err);
	if (!err && nentries)
		store_entries(db, entries, nentries, &err);
	free(entries);
	if (err) {
		nt_store_close(s, false, NULL);
		return cli_fail(err);
	}
	n = trace_ids(db, only, &ids);
	if (only && !n) {
		struct nt_report_filter f;

		nt_report_filter_init(&f);
		f.trace = only;
		nt_report_filter_check(db, &f, &err);
		nt_err_hint(err, "'nettrail info %s' lists the traces", argv[optind]);
		code = cli_fail(err);
	}
	code = analyze_traces(s, ids, n, code);
	free(ids);
	nt_store_close(s, false, NULL);
	return code;
}
