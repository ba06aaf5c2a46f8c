#!/bin/bash
# Fetch SQLite's amalgamation (sqlite3.c and sqlite3.h, one release) from the npm registry into a
# cache; nothing is installed. nettrail builds it into itself with the compile-time options
# SQLite recommends for an application that embeds it (CMakeLists.txt, docs/PERFORMANCE.md):
# the import takes about three quarters of the time it takes with Debian's shared libsqlite3.
# The npm package better-sqlite3 ships the amalgamation as SQLite releases it (its
# deps/download.sh builds it with SQLite's own `make sqlite3.c`); the file's SHA-256 is checked.
#
#   ${XDG_CACHE_HOME:-~/.cache}/nettrail/sqlite/<version>/
#     sqlite3.c   sqlite3.h   source   stamp   (stamp is written last)
#
# Prints the directory on stdout. Needs npm, tar and sha256sum. NT_SQLITE_FORCE=1 fetches again.
set -euo pipefail
# shellcheck source=npm-cache.sh source-path=SCRIPTDIR
. "$(dirname "$0")/npm-cache.sh"

SQLITE_VERSION=3.53.2
PKG=better-sqlite3@12.11.1
SHA256_C=60d2f39a3726cd6b9021da6f4e868608d66fbb6528a9f513dc8ffcc640493422
SHA256_H=9e69a1353a4288450b0d5239ede11fc7f1f4c8e5eb07491fc8317eacb5b7de7e
DIR=$NT_CACHE/sqlite/$SQLITE_VERSION

if [ -e "$DIR/stamp" ] && [ "${NT_SQLITE_FORCE:-0}" != 1 ]; then
	echo "$DIR"
	exit 0
fi
need_tools npm tar sha256sum
fetch_tmp sqlite
echo "fetch-sqlite.sh: fetching SQLite $SQLITE_VERSION's amalgamation ($PKG, npm) into $DIR" >&2
(cd "$tmp" && npm pack --silent "$PKG" > pack.txt) ||
	die "npm could not fetch $PKG (is the npm registry reachable?)"
mkdir -p "$tmp/pkg" "$tmp/out"
tar -xzf "$tmp/$(sed -n 1p "$tmp/pack.txt")" -C "$tmp/pkg" package/deps/sqlite3/sqlite3.c \
	package/deps/sqlite3/sqlite3.h
mv "$tmp/pkg/package/deps/sqlite3/sqlite3.c" "$tmp/pkg/package/deps/sqlite3/sqlite3.h" "$tmp/out/"
echo "$SHA256_C  $tmp/out/sqlite3.c" | sha256sum -c --quiet - ||
	die "sqlite3.c from $PKG is not the expected file (SHA-256 differs)"
echo "$SHA256_H  $tmp/out/sqlite3.h" | sha256sum -c --quiet - ||
	die "sqlite3.h from $PKG is not the expected file (SHA-256 differs)"
grep -q "define SQLITE_VERSION *\"$SQLITE_VERSION\"" "$tmp/out/sqlite3.h" ||
	die "sqlite3.h from $PKG is not SQLite $SQLITE_VERSION"
echo "$PKG deps/sqlite3" > "$tmp/out/source"
put_in_place "$tmp/out" "$DIR"
echo "$DIR"
