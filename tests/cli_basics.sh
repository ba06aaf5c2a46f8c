#!/bin/bash
# The command line: help, version, usage errors and their exit codes, bad input messages.
. "$NT_SRC/tests/lib/common.sh"

out=$("$NETTRAIL" --help); rc=$?
assert_eq 0 "$rc" "--help exit code"
for c in record import info; do assert_match "^  $c " "$out" "--help lists $c"; done
assert_match "5  completed, but events were lost" "$out" "--help documents the exit codes"

assert_match '^nettrail [0-9]+\.[0-9]+' "$("$NETTRAIL" --version)" "--version"
# the SQLite it runs: built in (tools/fetch-sqlite.sh's amalgamation) when the build found it,
# else Debian's libsqlite3
sq=$("$NETTRAIL" --version | sed -nE 's/.*\(SQLite ([0-9.]+)\)$/\1/p')
if [ -n "$NT_SQLITE_BUILTIN" ]; then
	assert_eq "$NT_SQLITE_BUILTIN" "$sq" "--version names the built-in SQLite"
	! ldd "$NETTRAIL" | grep -q libsqlite3 || fail "linked to libsqlite3 although SQLite is built in"
else
	assert_eq "$(pkg-config --modversion sqlite3)" "$sq" "--version names Debian's libsqlite3"
fi
assert_match 'usage: nettrail import' "$("$NETTRAIL" help import)" "help import"
assert_match 'usage: nettrail record' "$("$NETTRAIL" record --help)" "record --help"

"$NETTRAIL" frobnicate 2>/dev/null; assert_eq 2 $? "unknown command exit code"
"$NETTRAIL" import 2>/dev/null; assert_eq 2 $? "import without arguments"
"$NETTRAIL" import x.dat 2>/dev/null; assert_eq 2 $? "import without -o"
"$NETTRAIL" import --bogus 2>/dev/null; assert_eq 2 $? "unknown option"

# bad input: named file, reason, exit 3, no database left behind
printf 'hello, I am not a trace\n' > "$T/notatrace.txt"
err=$("$NETTRAIL" import -q "$T/notatrace.txt" -o "$T/x.db" 2>&1); rc=$?
assert_eq 3 "$rc" "non-trace input exit code"
assert_match "cannot import '.*notatrace.txt': not a trace format nettrail reads \(magic 0x68656c6c" "$err" "non-trace message"
[ ! -e "$T/x.db" ] || fail "a failed import into a new database left '$T/x.db' behind"
ls "$T" | grep -q nettrail-tmp && fail "temporary files left behind"

: > "$T/empty.dat"
err=$("$NETTRAIL" import -q "$T/empty.dat" -o "$T/x.db" 2>&1); rc=$?
assert_eq 3 "$rc" "empty input exit code"
assert_match "the file is empty" "$err" "empty file message"

err=$("$NETTRAIL" import -q "$T/missing.dat" -o "$T/x.db" 2>&1); rc=$?
assert_eq 3 "$rc" "missing input exit code"
assert_match "cannot open '.*missing.dat': No such file" "$err" "missing file message"

err=$("$NETTRAIL" info "$T/nope.db" 2>&1); rc=$?
assert_eq 3 "$rc" "info on a missing database"

sqlite3 "$T/other.db" 'create table t(x)'
err=$("$NETTRAIL" info "$T/other.db" 2>&1); rc=$?
assert_eq 3 "$rc" "info on a foreign SQLite file"
assert_match "not a nettrail one" "$err" "foreign database message"
echo "cli_basics: ok"
