/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DuckDB's C API, loaded at run time with dlopen (nettrail builds and runs without it; only
 * export needs it). The types come from DuckDB's own duckdb.h (tools/fetch-duckdb.sh caches it);
 * the functions are called through this table.
 */
#ifndef NT_EXPORT_DUCK_H
#define NT_EXPORT_DUCK_H

#ifdef NT_HAVE_DUCKDB_H
#define DUCKDB_API_NO_DEPRECATED
#include <duckdb.h>

#include "../core/error.h"

struct nt_duck {
	void *handle;
	__typeof__(duckdb_open) *open;
	__typeof__(duckdb_close) *close;
	__typeof__(duckdb_connect) *connect;
	__typeof__(duckdb_disconnect) *disconnect;
	__typeof__(duckdb_library_version) *library_version;
	__typeof__(duckdb_query) *query;
	__typeof__(duckdb_result_error) *result_error;
	__typeof__(duckdb_destroy_result) *destroy_result;
	__typeof__(duckdb_appender_create) *appender_create;
	__typeof__(duckdb_appender_error_data) *appender_error_data;
	__typeof__(duckdb_error_data_message) *error_data_message;
	__typeof__(duckdb_destroy_error_data) *destroy_error_data;
	__typeof__(duckdb_appender_flush) *appender_flush;
	__typeof__(duckdb_appender_destroy) *appender_destroy;
	__typeof__(duckdb_appender_end_row) *appender_end_row;
	__typeof__(duckdb_append_int64) *append_int64;
	__typeof__(duckdb_append_double) *append_double;
	__typeof__(duckdb_append_varchar_length) *append_varchar_length;
	__typeof__(duckdb_append_blob) *append_blob;
	__typeof__(duckdb_append_null) *append_null;
};

/*
 * Load libduckdb from @path (dlopen's search when it has no '/') into @d. Returns 0, or -1 with
 * *@err saying what to do (NT_E_FAIL). Release with nt_duck_unload().
 */
int nt_duck_load(struct nt_duck *d, const char *path, struct nt_err **err);

/* Close the library. Accepts a table that was never loaded. */
void nt_duck_unload(struct nt_duck *d);

#endif
#endif
