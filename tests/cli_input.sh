#!/bin/bash
# -i FILE where perf users type it: import's trace file, the database of report, info, analyze,
# export and compare (the positional argument, given as an option). The trace imported with -i
# holds the events trace-cmd report counts in it; reading the database with -i prints what
# reading it as an argument prints; a -i without a value is a usage error.
. "$NT_SRC/tests/lib/common.sh"
need trace-cmd
xz -dc "$NT_FIXTURES/udp100-tracecmd-v6.dat.xz" > "$T/udp.dat"

"$NETTRAIL" import -q -i "$T/udp.dat" -o "$T/a.db"
assert_eq 0 $? "import -i FILE"
assert_eq "$(report_counts "$T/udp.dat")" "$(db_counts "$T/a.db" 1)" "events imported with -i (against trace-cmd report)"
"$NETTRAIL" import -q --input="$T/udp.dat" -o "$T/b.db"
assert_eq 0 $? "import --input=FILE"
"$NETTRAIL" import -qi "$T/udp.dat" --replace -o "$T/b.db"
assert_eq 0 $? "import -qi FILE (a cluster)"
assert_eq 1 "$(sql "$T/b.db" 'SELECT count(*) FROM traces')" "traces after --replace through -qi"

assert_eq "$("$NETTRAIL" info "$T/a.db")" "$("$NETTRAIL" info -i "$T/a.db")" "info -i DB"
assert_eq "$("$NETTRAIL" report "$T/a.db")" "$("$NETTRAIL" report -i "$T/a.db")" "report -i DB"
assert_eq "$("$NETTRAIL" report -t 1 "$T/a.db")" "$("$NETTRAIL" report --input "$T/a.db" -t 1)" "report --input DB -t 1"
"$NETTRAIL" analyze -i "$T/a.db" > /dev/null 2>&1
assert_eq 0 $? "analyze -i DB"

"$NETTRAIL" report -i 2> "$T/err"
assert_eq 2 $? "report -i without a value"
assert_match "option '-i' needs an argument" "$(cat "$T/err")" "its message"
"$NETTRAIL" info -i -x 2> "$T/err"
assert_eq 2 $? "info -i -x"
assert_match "^nettrail info: -i wants a DB, not '-x'" "$(cat "$T/err")" "its message"
assert_match "^  -i, --input DB " "$("$NETTRAIL" help report)" "help report lists -i"
echo "cli_input: ok"
