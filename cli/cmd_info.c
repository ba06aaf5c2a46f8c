/* SPDX-License-Identifier: GPL-2.0 */
/* nettrail info: the traces in a database, as text or as JSON (a stable shape). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "../core/escape.h"
#include "../store/store.h"

const struct cli_opt info_opts[] = {
	{"json", 'j', NULL,
	 "print JSON: {\"schema\", \"traces\": [{\"id\", \"path\", \"format\", \"events\", "
	 "\"lost_events\", \"event_counts\"}]}"},
	{NULL, 0, NULL, NULL},
};

static void print_counts(sqlite3 *db, int64_t id, bool json)
{
	sqlite3_stmt *st;
	int n = 0;

	if (sqlite3_prepare_v2(db,
			       "SELECT name, events FROM event_counts WHERE trace_id=? ORDER BY "
			       "events DESC, name",
			       -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		long long cnt = sqlite3_column_int64(st, 1);
		if (json) {
			printf("%s", n ? ", " : "");
			nt_esc_json(stdout, name);
			printf(": %lld", cnt);
		} else {
			printf("    %10lld  ", cnt);
			nt_esc_text(stdout, name);
			putchar('\n');
		}
		n++;
	}
	sqlite3_finalize(st);
}

/* A trace of the info query @st as text (every string from the trace escaped). */
static void print_trace(sqlite3_stmt *st, int64_t id, const char *path, const char *fmt,
			long long ev, long long lost)
{
	double dur = (double)(sqlite3_column_int64(st, 10) - sqlite3_column_int64(st, 9)) / 1e9;
	const char *kernel = (const char *)sqlite3_column_text(st, 6);
	const char *clock = (const char *)sqlite3_column_text(st, 8);
	bool unknown = sqlite3_column_int(st, 5);

	printf("trace %lld: ", (long long)id);
	nt_esc_text(stdout, path);
	fputs("\n  format ", stdout);
	nt_esc_text(stdout, fmt);
	fputs(", kernel ", stdout);
	nt_esc_text(stdout, kernel ? kernel : "?");
	printf(", %d cpus, clock ", sqlite3_column_int(st, 7));
	nt_esc_text(stdout, clock ? clock : "?");
	printf(", %.6f s\n  %lld events, %s%lld lost%s\n", dur, ev, unknown ? "at least " : "",
	       lost, lost || unknown ? "  <-- LOST EVENTS: results are incomplete" : "");
}

int cmd_info(int argc, char **argv)
{
	bool json = false;
	struct nt_store *s = NULL;
	struct nt_err *err = NULL;
	sqlite3_stmt *st;
	sqlite3 *db;
	char *arg;
	int c, n = 0;

	while ((c = cli_getopt(argc, argv, info_opts, false, &arg)) != -1) {
		if (c == 'j')
			json = true;
		else if (c == 'h')
			return cli_help_exit("info");
		else
			return NT_EXIT_USAGE;
	}
	if (optind != argc - 1)
		return cli_usage("info", "give exactly one database");
	if (nt_store_open(argv[optind], false, &s, &err))
		return cli_fail(err);
	db = nt_store_db(s);
	if (sqlite3_prepare_v2(
		    db,
		    "SELECT id, path, format, events, lost_events, lost_unknown, kernel, ncpus, "
		    "clock, first_ts, last_ts FROM traces ORDER BY id",
		    -1, &st, NULL) != SQLITE_OK) {
		err = nt_err_new(NT_E_FAIL, "cannot read '%s': %s", argv[optind],
				 sqlite3_errmsg(db));
		nt_store_close(s, false, NULL);
		return cli_fail(err);
	}
	if (json)
		printf("{\"schema\": %d, \"traces\": [", NT_SCHEMA_VERSION);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		const char *path = (const char *)sqlite3_column_text(st, 1);
		const char *fmt = (const char *)sqlite3_column_text(st, 2);
		long long ev = sqlite3_column_int64(st, 3), lost = sqlite3_column_int64(st, 4);

		if (json) {
			printf("%s{\"id\": %lld, \"path\": ", n ? ", " : "", (long long)id);
			nt_esc_json(stdout, path);
			printf(", \"format\": ");
			nt_esc_json(stdout, fmt);
			printf(", \"events\": %lld, \"lost_events\": %lld, \"event_counts\": {", ev,
			       lost);
			print_counts(db, id, true);
			printf("}}");
		} else {
			print_trace(st, id, path, fmt, ev, lost);
			print_counts(db, id, false);
		}
		n++;
	}
	sqlite3_finalize(st);
	if (json)
		printf("]}\n");
	else if (!n) {
		fputs("no traces in '", stdout);
		nt_esc_text(stdout, argv[optind]);
		fputs("'\n", stdout);
	}
	nt_store_close(s, false, NULL);
	return NT_EXIT_OK;
}
