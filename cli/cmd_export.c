/* SPDX-License-Identifier: GPL-2.0 */
/* nettrail export: the database's tables as Parquet for DuckDB, Spark, Trino (docs/SCALE.md). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "../export/export.h"
#include "../store/store.h"

enum { OPT_PARQUET = 256, OPT_DUCKDB };

const struct cli_opt export_opts[] = {
	{"parquet", OPT_PARQUET, "DIR", "write Parquet files under the new directory DIR"},
	{"events", 'e', NULL, "also the event tables (events/SYSTEM.EVENT/) and tasks"},
	{"trace", 't', "ID[,ID...]", "only these traces (default: all)"},
	{"duckdb", OPT_DUCKDB, "LIB",
	 "DuckDB's libduckdb.so (default: $NETTRAIL_DUCKDB, else the cache of "
	 "tools/fetch-duckdb.sh)"},
	{"quiet", 'q', NULL, "no progress bar"},
	{NULL, 0, NULL, NULL},
};

const char export_details[] =
	"Writes one directory per table, partitioned by trace in Hive style\n"
	"(DIR/TABLE/trace_id=N/data.parquet), and DIR/traces/data.parquet with each run's\n"
	"metadata: the analysis tables (skb_lifecycles, skb_hops, skb_latency, skb_drops,\n"
	"irq_intervals, softirq_intervals, irq_stats, napi_*, alloc_*, page_allocs, func_*,\n"
	"prof_*, task_allocs, workload_tasks, skb_irq_xmits, analysis_notes) and trace_meta,\n"
	"trace_cpus, lost_windows, warnings. Tables\n"
	"without rows are left out. DuckDB's C library writes the files: it is loaded at run\n"
	"time (tools/fetch-duckdb.sh caches it from npm). DIR must not exist; it appears only\n"
	"when complete. Queries for DuckDB and Spark: docs/SCALE.md.\n";

int cmd_export(int argc, char **argv)
{
	struct nt_export_opts o = {0};
	struct nt_export_stats st;
	struct nt_store *s = NULL;
	struct nt_err *err = NULL;
	const char *dir = NULL;
	int64_t ids[256];
	bool quiet = false;
	char *arg;
	int c, r;

	while ((c = cli_getopt(argc, argv, export_opts, false, &arg)) != -1) {
		if (c == OPT_PARQUET) {
			dir = arg;
		} else if (c == 'e') {
			o.events = true;
		} else if (c == 't') {
			o.ntraces = cli_parse_ids(arg, ids, 256);
			if (o.ntraces < 0)
				return cli_usage("export", "-t wants trace ids like 1,2, not '%s'",
						 arg);
			o.traces = ids;
		} else if (c == OPT_DUCKDB) {
			o.duckdb_lib = arg;
		} else if (c == 'q') {
			quiet = true;
		} else if (c == 'h') {
			return cli_help_exit("export");
		} else {
			return NT_EXIT_USAGE;
		}
	}
	if (!dir)
		return cli_usage("export", "say where to write: --parquet DIR");
	if (optind != argc - 1)
		return cli_usage("export", "give one database");
	cli_progress_init(quiet);
	cli_catch_signals();
	if (nt_store_open(argv[optind], false, &s, &err))
		return cli_fail(err);
	r = nt_export_parquet(nt_store_db(s), dir, &o, &st, &err);
	nt_store_close(s, false, NULL);
	if (r)
		return cli_fail(err);
	printf("wrote %d tables (%d Parquet files, %" PRId64 " rows) to '%s' with DuckDB %s; "
	       "%d tables had no rows\n",
	       st.tables, st.files, st.rows, dir, st.version, st.empty);
	return NT_EXIT_OK;
}
