#!/bin/bash
# Live: nettrail record around exactly 100 UDP datagrams; the trace opens in trace-cmd with
# the same per-event counts as the import, the datagrams are all there, nothing is lost, and
# tracefs (top level and another tool's instance) is exactly as before.
. "$NT_SRC/tests/lib/common.sh"
. "$NT_SRC/tests/lib/tracefs_state.sh"
need_tracefs
need trace-cmd
need sqlite3

# another tool's instance, busy with its own event: must be left alone
other=other-tool-$$
mkdir "$TRACEFS/instances/$other" || fail "cannot make a foreign instance"
trap 'echo 0 > "$TRACEFS/instances/$other/events/enable" 2>/dev/null; rmdir "$TRACEFS/instances/$other" 2>/dev/null; rm -rf "$T"' EXIT
echo 1 > "$TRACEFS/instances/$other/events/sched/sched_switch/enable"
tracefs_snapshot > "$T/before"

"$NETTRAIL" record -q -o "$T/udp.dat" -- "$NT_TRAFFIC" udp 100 1234 > "$T/traffic.out" 2> "$T/record.err"
rc=$?
cat "$T/record.err"
assert_eq 0 "$rc" "record exit code"
assert_eq "udp sent=100 received=100" "$(grep -o 'udp sent=[0-9]* received=[0-9]*' "$T/traffic.out")" "the workload did its part"
tracefs_snapshot > "$T/after"
diff -u "$T/before" "$T/after" || fail "tracefs changed"
echo "ok: tracefs as before (top level, instances, the foreign instance)"

trace-cmd report "$T/udp.dat" > /dev/null 2> "$T/report.err"
[ -s "$T/report.err" ] && { cat "$T/report.err"; fail "trace-cmd report warned about our file"; }
echo "ok: trace-cmd report opens it without a warning"

"$NETTRAIL" import -q "$T/udp.dat" -o "$T/udp.db"; rc=$?
assert_eq 0 "$rc" "import exit code"
report_counts "$T/udp.dat" > "$T/expected"
db_counts "$T/udp.db" 1 > "$T/actual"
diff -u "$T/expected" "$T/actual" || fail "per-event counts differ from trace-cmd report"
echo "ok: $(wc -l < "$T/expected") event names with trace-cmd report's counts"
assert_eq 100 "$(sql "$T/udp.db" "select count(*) from \"net:net_dev_xmit\" where name='lo' and len=1276")" "net_dev_xmit of the 100 datagrams"
assert_eq 100 "$(sql "$T/udp.db" "select count(*) from \"net:netif_receive_skb\" where name='lo' and len=1262")" "netif_receive_skb of the 100 datagrams"
lost_stats=$(trace-cmd report --stat "$T/udp.dat" 2>/dev/null | awk '/^overrun:|^commit overrun:|^dropped events:/ {s += $NF} END {print s + 0}')
assert_eq "$lost_stats" "$(sql "$T/udp.db" 'select lost_events from traces')" "lost events equal the buffer statistics"
# the cpu count the trace.dat's header holds, as trace-cmd reads it (record takes the
# machine's configured cpus: not asked again here from the same source)
ncpus=$(trace-cmd dump "$T/udp.dat" 2>/dev/null | awk '/\[CPUs with tracing data\]/ {print $1}')
[ -n "$ncpus" ] || fail "trace-cmd dump shows no cpu count"
assert_eq "$ncpus" "$(sql "$T/udp.db" "select count(*) from trace_cpus where trace_id=1")" "one row per cpu"
ls "$T" | grep -q nettrail-tmp && fail "temporary files left behind"
echo "record_udp: ok"
