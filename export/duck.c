/* SPDX-License-Identifier: GPL-2.0 */
/* Loading DuckDB's C library at run time. */
#include "duck.h"

#ifdef NT_HAVE_DUCKDB_H
#include <dlfcn.h>
#include <stddef.h>
#include <string.h>

#define SYM(field, name)                               \
	{                                              \
		offsetof(struct nt_duck, field), #name \
	}

static const struct {
	size_t off;
	const char *name;
} syms[] = {
	SYM(open, duckdb_open),
	SYM(close, duckdb_close),
	SYM(connect, duckdb_connect),
	SYM(disconnect, duckdb_disconnect),
	SYM(library_version, duckdb_library_version),
	SYM(query, duckdb_query),
	SYM(result_error, duckdb_result_error),
	SYM(destroy_result, duckdb_destroy_result),
	SYM(appender_create, duckdb_appender_create),
	SYM(appender_error_data, duckdb_appender_error_data),
	SYM(error_data_message, duckdb_error_data_message),
	SYM(destroy_error_data, duckdb_destroy_error_data),
	SYM(appender_flush, duckdb_appender_flush),
	SYM(appender_destroy, duckdb_appender_destroy),
	SYM(appender_end_row, duckdb_appender_end_row),
	SYM(append_int64, duckdb_append_int64),
	SYM(append_double, duckdb_append_double),
	SYM(append_varchar_length, duckdb_append_varchar_length),
	SYM(append_blob, duckdb_append_blob),
	SYM(append_null, duckdb_append_null),
};

int nt_duck_load(struct nt_duck *d, const char *path, struct nt_err **err)
{
	struct nt_err *e;

	memset(d, 0, sizeof(*d));
	d->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!d->handle) {
		e = nt_err_new(NT_E_FAIL, "cannot load DuckDB's library '%s': %s", path, dlerror());
		nt_err_hint(e, "run tools/fetch-duckdb.sh (it caches libduckdb.so from npm), or "
			       "set NETTRAIL_DUCKDB to a libduckdb.so of DuckDB 1.x");
		return nt_err_set(err, e);
	}
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		void *f = dlsym(d->handle, syms[i].name);
		if (!f) {
			e = nt_err_new(NT_E_FAIL, "'%s' has no '%s': not DuckDB's C library", path,
				       syms[i].name);
			nt_duck_unload(d);
			return nt_err_set(err, e);
		}
		memcpy((char *)d + syms[i].off, &f, sizeof(f));
	}
	return 0;
}

void nt_duck_unload(struct nt_duck *d)
{
	if (d->handle)
		dlclose(d->handle);
	memset(d, 0, sizeof(*d));
}
#endif
