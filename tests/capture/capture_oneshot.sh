#!/bin/bash
# `nettrail capture -- COMMAND`: one command records, imports, analyzes and writes every report.
. "$NT_SRC/tests/lib/common.sh"
. "$NT_SRC/tests/lib/tracefs_state.sh"
need_tracefs
need sqlite3
tracefs_snapshot > "$T/before"
out=$("$NETTRAIL" capture -q -o "$T/cap" -- "$NT_TRAFFIC" udp 100 1234); rc=$?
assert_eq 0 "$rc" "capture exit code"
assert_eq "report: $T/cap/report.html (text: $T/cap/report.txt, plots: $T/cap/gnuplot, tables: $T/cap/csv)" "$(echo "$out" | tail -1)" "capture says where the report is"
for f in trace.dat nettrail.db report.txt report.html gnuplot/softirq-duration.gp csv/softirq.csv; do
	[ -s "$T/cap/$f" ] || fail "capture did not write $f"
done
assert_eq 100 "$(sql "$T/cap/nettrail.db" "select count(*) from \"net:net_dev_xmit\" where name='lo' and len=1276")" "the 100 datagrams are in the database"
nrx=$(awk -F, '$2 == "NET_RX" {print $3}' "$T/cap/csv/softirq.csv")
[ "${nrx:-0}" -ge 100 ] || fail "fewer NET_RX softirqs ($nrx) than datagrams received"
echo "ok: $nrx NET_RX softirqs for 100 datagrams"
tracefs_snapshot > "$T/after"
diff -u "$T/before" "$T/after" || fail "tracefs changed"
# a second capture into the same directory is refused, the first one kept
"$NETTRAIL" capture -q -o "$T/cap" -- true 2> "$T/err"; rc=$?
assert_eq 2 "$rc" "capture into a used directory"
assert_match "already holds a capture" "$(cat "$T/err")" "used directory message"
echo "capture_oneshot: ok"
