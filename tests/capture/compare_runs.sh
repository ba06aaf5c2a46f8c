#!/bin/bash
# nettrail compare on live runs: two recordings of the same workload (200 UDP datagrams on
# loopback) flag nothing; the same traffic through an nftables drop rule (lab nf-drop) against
# the plain loopback lab flags the new drops, with the counts trace-cmd sees; a baseline
# against two runs compares each with the baseline.
. "$NT_SRC/tests/capture/lab_lib.sh"
need trace-cmd
N=200

for i in 1 2; do
	"$NETTRAIL" record -q -o "$T/r$i.dat" -- "$NT_TRAFFIC" udp $N > /dev/null 2> "$T/rec.err" || fail "record $i: $(cat "$T/rec.err")"
	"$NETTRAIL" import -q "$T/r$i.dat" -o "$T/r$i.db" || fail "import $i"
done
"$NETTRAIL" compare "$T/r1.db" "$T/r2.db" --csv "$T/same" > "$T/same.txt" || fail "compare r1 r2"
sed -n 2p "$T/same.txt" | cut -c1-200
if ! grep -q '0 changes flagged' "$T/same.txt"; then
	sed -n '/Statistical/,/Values side/p' "$T/same.txt"
	fail "two recordings of the same workload: changes flagged"
fi
echo "ok: two recordings of 'nt-traffic udp $N' flag nothing"

lab_run udp-loopback $N > /dev/null
lab_run nf-drop $N > /dev/null
drops=$(trace-cmd report "$T/nf-drop/trace.dat" 2> /dev/null | grep -c 'kfree_skb:.*reason: NETFILTER_DROP')
assert_eq $N "$drops" "NETFILTER_DROP drops in trace-cmd report"
"$NETTRAIL" compare "$T/udp-loopback/nettrail.db" "$T/nf-drop/nettrail.db" --csv "$T/nf" > "$T/nf.txt" || fail "compare loopback nf-drop"
assert_match "drops NETFILTER_DROP \(new\)" "$(sed -n 2p "$T/nf.txt")" "the new drops are flagged"
row=$(awk -F, '$2 == "drops NETFILTER_DROP" {print $1, $3, $4, $5, $NF}' "$T/nf/compare_counts.csv")
assert_eq "B decided 0 $drops new" "$row" "the drops row (run, per, count A, count B, verdict)"
grep -q 'drops NETFILTER_DROP.*new\*' "$T/nf.txt" || fail "the drops row is not marked in the text"

# a baseline against two runs
"$NETTRAIL" compare "$T/r1.db" "$T/r2.db" "$T/nf-drop/nettrail.db" --csv "$T/three" > "$T/three.txt" || fail "compare three runs"
assert_match "C = .*nf-drop/nettrail.db" "$(sed -n 2p "$T/three.txt")" "three runs named"
assert_eq "C" "$(awk -F, '$2 == "drops NETFILTER_DROP" && $NF == "new" {print $1}' "$T/three/compare_counts.csv")" "C's new drops flagged"
assert_eq "" "$(awk -F, '$1 == "B" && $NF ~ /^(slower|faster|more|fewer|new|gone)$/' "$T/three/compare_counts.csv" "$T/three/compare_latency.csv")" "nothing flagged for B"
echo "compare_runs: ok"
