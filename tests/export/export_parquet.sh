#!/bin/bash
# nettrail export --parquet: the tree is read back with hyparquet (JavaScript, no code shared
# with DuckDB, the writer) and every file's rows, columns and values are compared with the
# SQLite database (Python's sqlite3); Hive layout (TABLE/trace_id=N/), -t selection, and the
# failures (existing directory, unknown trace, no DuckDB library) leave nothing behind.
. "$NT_SRC/tests/lib/common.sh"
need node
need xz
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
[ -e "$NT_DUCKDB_DIR/lib/libduckdb.so" ] || skip "no DuckDB library in $NT_DUCKDB_DIR (run tools/fetch-duckdb.sh)"
[ -e "$NT_HYPARQUET/src/node.js" ] || skip "no hyparquet in $NT_HYPARQUET (run tools/fetch-duckdb.sh)"
"$NETTRAIL" export --parquet "$T/x" "$T/none.db" 2> /dev/null
[ $? -ne 0 ] || fail "export of a missing database succeeded"

for n in udp100-nettrail udp100-tracecmd-v6; do xz -dc "$NT_FIXTURES/$n.dat.xz" > "$T/$n.dat"; done
"$NETTRAIL" import -q "$T/udp100-nettrail.dat" "$T/udp100-tracecmd-v6.dat" \
	"$NT_FIXTURES/ftrace-text/funcgraph-columns.txt" -o "$T/a.db" || fail "import"
export NETTRAIL_DUCKDB="$NT_DUCKDB_DIR/lib/libduckdb.so"

read_back() { node "$NT_SRC/tests/export/read_parquet.mjs" "$NT_HYPARQUET" "$1" > "$2" || fail "hyparquet cannot read $1"; }

# what a killed export left (its pid is gone) is removed by the next one
dead=4194000
while kill -0 $dead 2> /dev/null; do dead=$((dead - 1)); done
mkdir -p "$T/all.nettrail-tmp.$dead/skb_hops" && : > "$T/all.nettrail-tmp.$dead/skb_hops/data.parquet"

# everything, with the event tables
"$NETTRAIL" export -q --parquet "$T/all" --events "$T/a.db" > "$T/out.txt" || fail "export --events"
[ -e "$T/all.nettrail-tmp.$dead" ] && fail "the stale temporary tree of a killed export is still there"
cat "$T/out.txt"
read_back "$T/all" "$T/all.json"
"$PY" "$NT_SRC/tests/export/compare_sqlite.py" "$T/a.db" "$T/all.json" 1 > "$T/cmp.txt" || fail "Parquet differs from SQLite"
tail -3 "$T/cmp.txt"
for t in skb_lifecycles skb_hops skb_latency skb_drops softirq_intervals irq_stats alloc_sites func_stats; do
	grep -q "^ok: $t trace " "$T/cmp.txt" || fail "no $t table in the export"
done
# the fixtures send 100 UDP datagrams: 100 lifecycles in each udp trace (counted by hand)
assert_eq "ok: skb_lifecycles trace 1: 100 rows" "$(grep -o '^ok: skb_lifecycles trace 1: [0-9]* rows' "$T/cmp.txt")" "lifecycles of trace 1"
assert_eq "ok: net:net_dev_xmit trace 2: 100 rows" "$(grep -o '^ok: net:net_dev_xmit trace 2: [0-9]* rows' "$T/cmp.txt")" "net_dev_xmit rows of trace 2"
[ -e "$T/all/skb_hops/trace_id=1/data.parquet" ] && [ -e "$T/all/skb_hops/trace_id=2/data.parquet" ] &&
	[ -e "$T/all/events/net.net_dev_xmit/trace_id=2/data.parquet" ] && [ -e "$T/all/traces/data.parquet" ] ||
	fail "not the Hive layout TABLE/trace_id=N/data.parquet"
echo "ok: Hive layout"
grep -q 'trace_id' "$T/all.json" && "$PY" -c '
import json, sys
for f in json.load(open(sys.argv[1])):
    if f["table"] != "traces" and "trace_id" in f["columns"]:
        sys.exit("trace_id is a column in " + f["table"] + ", not only the directory")' "$T/all.json" ||
	fail "partition column stored in the files"

# the queries of docs/SCALE.md run in DuckDB over the tree and agree with SQLite
cd "$T" || fail "cd"
ln -s all lab.parquet
"$PY" "$NT_SRC/tests/export/duckdb_sql.py" "$NETTRAIL_DUCKDB" \
	"SELECT id, path, kernel, events, lost_events FROM read_parquet('lab.parquet/traces/*.parquet') ORDER BY id" \
	"SELECT trace_id, outcome, reason, sum(count) AS skbs
FROM read_parquet('lab.parquet/skb_drops/*/*.parquet', hive_partitioning = true)
GROUP BY ALL ORDER BY ALL" > "$T/duck.txt" || fail "DuckDB cannot run the queries of docs/SCALE.md"
sql "$T/a.db" "SELECT id, path, kernel, events, lost_events FROM traces ORDER BY id;
SELECT trace_id, outcome, coalesce(reason, ''), sum(count) FROM skb_drops GROUP BY 1, 2, 3 ORDER BY 1, 2, 3" > "$T/lite.txt"
diff "$T/lite.txt" "$T/duck.txt" || fail "DuckDB's answers over the export differ from SQLite's"
echo "ok: the queries of docs/SCALE.md in DuckDB ($(wc -l < "$T/duck.txt") rows)"

# strings that are not UTF-8 become U+FFFD; a directory name with a quote is no SQL
sql "$T/a.db" "INSERT INTO trace_meta VALUES(2, 'odd', CAST(X'41FF42' AS TEXT))"
"$NETTRAIL" export -q --parquet "$T/it's" -t 2 "$T/a.db" > /dev/null || fail "export into a name with a quote"
read_back "$T/it's" "$T/odd.json"
"$PY" -c '
import json, sys
rows = [r for f in json.load(open(sys.argv[1])) if f["table"] == "trace_meta" for r in f["rows"]]
assert ["odd", "A\ufffdB"] in rows, rows' "$T/odd.json" || fail "a non-UTF-8 string did not become U+FFFD"
echo "ok: non-UTF-8 bytes as U+FFFD, a quote in the directory name"

# one trace, analysis tables only
"$NETTRAIL" export -q --parquet "$T/two" -t 2 "$T/a.db" > /dev/null || fail "export -t 2"
read_back "$T/two" "$T/two.json"
"$PY" "$NT_SRC/tests/export/compare_sqlite.py" "$T/a.db" "$T/two.json" 0 2 > /dev/null || fail "export -t 2 differs from SQLite"
[ -z "$(find "$T/two" -name 'trace_id=1' -o -name events)" ] || fail "export -t 2 wrote trace 1 or events"
echo "ok: -t 2"

# failures: a clear message, the exit code, nothing left behind
"$NETTRAIL" export --parquet "$T/all" "$T/a.db" 2> "$T/err.txt"
assert_eq 2 $? "exit code for an existing directory"
assert_match "'.*/all' already exists" "$(cat "$T/err.txt")" "message for an existing directory"
"$NETTRAIL" export --parquet "$T/n" -t 9 "$T/a.db" 2> "$T/err.txt"
assert_eq 2 $? "exit code for an unknown trace"
assert_match "no trace 9" "$(cat "$T/err.txt")" "message for an unknown trace"
"$NETTRAIL" export --parquet "$T/n" --duckdb "$T/nope/libduckdb.so" "$T/a.db" 2> "$T/err.txt"
assert_eq 1 $? "exit code without DuckDB's library"
assert_match "cannot load DuckDB's library .*nope/libduckdb.so" "$(cat "$T/err.txt")" "message without DuckDB"
assert_match "fetch-duckdb.sh" "$(cat "$T/err.txt")" "hint without DuckDB"
"$NETTRAIL" export "$T/a.db" 2> /dev/null
assert_eq 2 $? "exit code without --parquet"
assert_eq "" "$(ls "$T" | grep -E '^n|nettrail-tmp')" "files left by failed exports"
echo "export_parquet: ok"
