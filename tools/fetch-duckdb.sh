#!/bin/bash
# Fetch DuckDB's C library (the Parquet writer of `nettrail export`) and, for the tests, an
# independent Parquet reader (hyparquet, JavaScript) from the npm registry into a cache; nothing
# is installed. DuckDB ships its C API in two npm packages of the same release: the library in
# @duckdb/node-bindings-linux-x64, the header (duckdb.h) in the sources of the `duckdb` package.
#
#   ${XDG_CACHE_HOME:-~/.cache}/nettrail/duckdb/<version>/
#     include/duckdb.h   lib/libduckdb.so   LICENSE   stamp   (stamp is written last)
#   ${XDG_CACHE_HOME:-~/.cache}/nettrail/hyparquet/<version>/node_modules/hyparquet
#
# Prints the DuckDB directory on stdout. Needs npm and tar. NT_DUCKDB_FORCE=1 fetches again.
set -euo pipefail
# shellcheck source=npm-cache.sh source-path=SCRIPTDIR
. "$(dirname "$0")/npm-cache.sh"

DUCKDB_VERSION=1.4.4
LIB_PKG=@duckdb/node-bindings-linux-x64@1.4.4-r.4
HDR_PKG=duckdb@1.4.4
HYPARQUET_VERSION=1.31.5
DIR=$NT_CACHE/duckdb/$DUCKDB_VERSION
HPQ=$NT_CACHE/hyparquet/$HYPARQUET_VERSION

need_tools npm tar
[ "$(uname -m)" = x86_64 ] || die "DuckDB's npm library is fetched for x86_64 only, not '$(uname -m)'"

if [ -e "$DIR/stamp" ] && [ "${NT_DUCKDB_FORCE:-0}" != 1 ]; then
	echo "$DIR"
else
	fetch_tmp duckdb
	echo "fetch-duckdb.sh: fetching $LIB_PKG and $HDR_PKG (npm) into $DIR" >&2
	(cd "$tmp" && npm pack --silent "$LIB_PKG" "$HDR_PKG" > packs.txt) ||
		die "npm could not fetch $LIB_PKG and $HDR_PKG (is the npm registry reachable?)"
	lib_tgz=$(sed -n 1p "$tmp/packs.txt")
	hdr_tgz=$(sed -n 2p "$tmp/packs.txt")
	mkdir -p "$tmp/lib" "$tmp/hdr" "$tmp/out/include" "$tmp/out/lib"
	tar -xzf "$tmp/$lib_tgz" -C "$tmp/lib" package/libduckdb.so package/LICENSE
	tar -xzf "$tmp/$hdr_tgz" -C "$tmp/hdr" package/src/duckdb/src/include/duckdb.h
	mv "$tmp/lib/package/libduckdb.so" "$tmp/out/lib/"
	mv "$tmp/lib/package/LICENSE" "$tmp/out/"
	mv "$tmp/hdr/package/src/duckdb/src/include/duckdb.h" "$tmp/out/include/"
	printf '%s\n%s\n' "$LIB_PKG" "$HDR_PKG" > "$tmp/out/versions"
	put_in_place "$tmp/out" "$DIR"
	echo "$DIR"
fi

# the tests' reader: pure JavaScript, shares no code with DuckDB
if [ ! -e "$HPQ/stamp" ] || [ "${NT_DUCKDB_FORCE:-0}" = 1 ]; then
	mkdir -p "$HPQ"
	(cd "$HPQ" && npm install --silent --no-audit --no-fund --prefix "$HPQ" \
		"hyparquet@$HYPARQUET_VERSION" > /dev/null) ||
		die "npm could not install hyparquet@$HYPARQUET_VERSION into $HPQ"
	date -u +%FT%TZ > "$HPQ/stamp"
fi
