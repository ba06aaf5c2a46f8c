#!/usr/bin/env python3
"""Run SQL statements (one per argument) in DuckDB through its C library (ctypes) and print
each result row as '|'-separated text, as sqlite3 prints. Used to check that the queries of
docs/SCALE.md run over an exported tree. usage: duckdb_sql.py LIBDUCKDB SQL..."""
import ctypes
import sys

lib = ctypes.CDLL(sys.argv[1])
db, con = ctypes.c_void_p(), ctypes.c_void_p()
res = (ctypes.c_byte * 64)()  # duckdb_result: 48 bytes in DuckDB 1.x
lib.duckdb_open(None, ctypes.byref(db))
lib.duckdb_connect(db, ctypes.byref(con))
for name in ("duckdb_value_varchar", "duckdb_result_error"):
    getattr(lib, name).restype = ctypes.c_void_p
lib.duckdb_row_count.restype = ctypes.c_uint64
lib.duckdb_column_count.restype = ctypes.c_uint64
for sql in sys.argv[2:]:
    if lib.duckdb_query(con, sql.encode(), res) != 0:
        err = lib.duckdb_result_error(res)
        sys.exit("duckdb: %s" % ctypes.string_at(err).decode())
    for r in range(lib.duckdb_row_count(res)):
        vals = []
        for c in range(lib.duckdb_column_count(res)):
            p = lib.duckdb_value_varchar(res, ctypes.c_uint64(c), ctypes.c_uint64(r))
            vals.append(ctypes.string_at(p).decode() if p else "")
            lib.duckdb_free(ctypes.c_void_p(p))
        print("|".join(vals))
    lib.duckdb_destroy_result(res)
