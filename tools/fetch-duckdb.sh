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

DUCKDB_VERSION=1.4.4
LIB_PKG=@duckdb/node-bindings-linux-x64@1.4.4-r.4
HDR_PKG=duckdb@1.4.4
HYPARQUET_VERSION=1.31.5
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/nettrail
DIR=$CACHE/duckdb/$DUCKDB_VERSION
HPQ=$CACHE/hyparquet/$HYPARQUET_VERSION

die() {
	echo "fetch-duckdb.sh: $*" >&2
	exit 1
}

for t in npm tar; do
	command -v "$t" > /dev/null || die "'$t' is missing (apt-get install npm)"
done
[ "$(uname -m)" = x86_64 ] || die "DuckDB's npm library is fetched for x86_64 only, not '$(uname -m)'"

if [ -e "$DIR/stamp" ] && [ "${NT_DUCKDB_FORCE:-0}" != 1 ]; then
	echo "$DIR"
else
	mkdir -p "$CACHE"
	tmp=$(mktemp -d "$CACHE/duckdb-fetch.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
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
	rm -rf "$DIR"
	mkdir -p "$(dirname "$DIR")"
	mv "$tmp/out" "$DIR"
	date -u +%FT%TZ > "$DIR/stamp"
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
