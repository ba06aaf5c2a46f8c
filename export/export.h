/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Export of a nettrail database to Parquet for other engines (DuckDB, Spark, Trino): one
 * directory per table, partitioned by trace in Hive style (TABLE/trace_id=N/data.parquet), and
 * an unpartitioned traces/ table of run metadata. The writer is DuckDB's (its C library,
 * loaded at run time: see nt_export_duckdb_load()); docs/SCALE.md.
 */
#ifndef NT_EXPORT_H
#define NT_EXPORT_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "../core/error.h"

struct nt_export_opts {
	bool events;	       /* also the event tables (events/SYSTEM.EVENT/) and tasks */
	const int64_t *traces; /* the traces to export (weak), or NULL for all */
	int ntraces;
	const char *duckdb_lib; /* libduckdb.so to load, or NULL for the default */
};

struct nt_export_stats {
	int tables;	  /* directories written */
	int files;	  /* Parquet files written */
	int64_t rows;	  /* rows written */
	int empty;	  /* tables left out because they have no row for the traces */
	char version[32]; /* DuckDB's library version */
};

/*
 * Write the tables of @db under the new directory @dir (which must not exist; it is built as
 * DIR.nettrail-tmp.PID and renamed into place when complete, removed on any failure or
 * interrupt). Fills @st. Returns 0, or -1 with *@err set (NT_E_USAGE: @dir exists or a trace
 * is unknown; NT_E_FAIL: DuckDB cannot be loaded or a write failed; NT_E_INTR).
 */
int nt_export_parquet(sqlite3 *db, const char *dir, const struct nt_export_opts *o,
		      struct nt_export_stats *st, struct nt_err **err);

/* The libduckdb.so tried when none is given: $NETTRAIL_DUCKDB, else the build's cache path. */
const char *nt_export_duckdb_default(void);

#endif
