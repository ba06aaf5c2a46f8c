#!/bin/bash
# perf.data carries no kernel symbols: the drop locations of `record --backend perf` are named
# as the trace.dat path names them, from the kallsyms saved next to the file (else perf's
# build-id cache, else /proc/kallsyms of the traced kernel). Expected: perf script's own
# location= text of each kfree_skb (perf names them from its build-id cache). A perf.data of
# another kernel with no symbols anywhere (fixtures/perf-udp-tcp.data.xz, the build-id cache
# pointed at an empty directory): its locations are the addresses perf script prints, and the
# report says why.
. "$NT_SRC/tests/lib/common.sh"
need_tracefs
need perf
need sqlite3
need python3
perf version > /dev/null 2>&1 || skip "perf does not run here: $(perf version 2>&1 | tail -1)"

M=20
"$NETTRAIL" record -q --backend perf -o "$T/p.data" -- "$NT_TRAFFIC" tcp-closed $M > "$T/rec.out" 2>&1 ||
	{ cat "$T/rec.out"; fail "record --backend perf"; }
[ -s "$T/p.data.kallsyms" ] || fail "no kallsyms saved next to the perf.data"
perf script -i "$T/p.data" 2>/dev/null | grep ' skb:kfree_skb: .*reason: NO_SOCKET' |
	grep -o 'location=[^ ]*' | sed 's/location=//' | sort | uniq -c | awk '{print $2 "|" $1}' > "$T/loc.expected"
assert_eq $M "$(awk -F'|' '{n += $2} END {print n}' "$T/loc.expected")" "perf script: NO_SOCKET drops"
grep -q '^0x' "$T/loc.expected" && fail "perf script could not name the locations either"
"$NETTRAIL" import -q "$T/p.data" -o "$T/p.db" || fail "import"
"$NETTRAIL" report --json "$T/p.db" > "$T/p.json" || fail "report --json"
python3 -c 'import json, sys
for d in json.load(open(sys.argv[1]))["drops"]:
    if d["reason"] == "NO_SOCKET":
        for l in d["locations"]: print("%s|%d" % (l["symbol"], l["count"]))' "$T/p.json" | sort > "$T/loc.actual"
diff -u "$T/loc.expected" "$T/loc.actual" || fail "drop locations differ from perf script's"
echo "ok: drop locations: $(paste -sd' ' "$T/loc.actual")"
assert_eq 1 "$(sql "$T/p.db" "select count(*) from analysis_notes where analysis = 'skb' and key = 'location_symbols_saved_kallsyms' and value > 0")" "symbols from the saved kallsyms"

# no symbols anywhere: addresses, and the report says why
xz -dc "$NT_FIXTURES/perf-udp-tcp.data.xz" > "$T/f.data" || fail "cannot unpack the fixture"
mkdir "$T/empty"
perf script -i "$T/f.data" 2>/dev/null | grep ' skb:kfree_skb: ' | grep -o 'location=[^ ]*' | sed 's/location=//' |
	sort | uniq -c | awk '{print $2 "," $1}' > "$T/floc.expected"
[ -s "$T/floc.expected" ] || fail "no kfree_skb in the fixture"
PERF_BUILDID_DIR=$T/empty "$NETTRAIL" import -q "$T/f.data" -o "$T/f.db" || fail "import the fixture"
"$NETTRAIL" report --csv "$T/csv" "$T/f.db" > "$T/f.txt" || fail "report --csv"
cut -d, -f2,3 "$T/csv/skb_drops.csv" | tail -n +2 | sort > "$T/floc.actual"
diff -u "$T/floc.expected" "$T/floc.actual" || fail "unnamed drop locations differ from perf script's addresses"
"$NETTRAIL" report "$T/f.db" | grep -q 'are shown as addresses: the trace names no kernel symbols' ||
	fail "the report does not say why the locations are addresses"
echo "perf_drop_symbols: ok"
