#!/bin/bash
# Live: nettrail record --backend perf around exactly 200 UDP datagrams. The import has
# `perf script`'s count for every tracepoint of the same file, the 200 datagrams are 200
# net_dev_xmit of 1276 bytes on lo (1234 + 8 UDP + 20 IP + 14 Ethernet), nothing was lost
# (PERF_RECORD_LOST summed from `perf report -D`), the clock is CLOCK_MONOTONIC, and no perf
# process is left.
. "$NT_SRC/tests/lib/common.sh"
need_tracefs
need perf
need sqlite3
perf version > /dev/null 2>&1 || skip "perf does not run here: $(perf version 2>&1 | tail -1)"
ours() { pgrep -f "perf record .*$T/" | tr '\n' ' '; }

"$NETTRAIL" record -q --backend perf -o "$T/udp.data" -- "$NT_TRAFFIC" udp 200 1234 > "$T/traffic.out" 2> "$T/record.err"
rc=$?
cat "$T/record.err"
assert_eq 0 "$rc" "record exit code"
assert_eq "udp sent=200 received=200" "$(grep -o 'udp sent=[0-9]* received=[0-9]*' "$T/traffic.out")" "the workload did its part"
assert_eq "" "$(ours)" "no perf process left"
ls "$T" | grep -q nettrail-tmp && fail "temporary files left behind"

lost=$(perf report -D -i "$T/udp.data" 2>/dev/null | grep 'PERF_RECORD_LOST:' | awk -F: '{s += $NF} END {print s + 0}')
assert_eq 0 "$lost" "perf's lost samples (PERF_RECORD_LOST)"
assert_match 'clockid: monotonic' "$(perf report --header-only -i "$T/udp.data" 2>/dev/null | grep clockid:)" "perf clock is CLOCK_MONOTONIC"

perf script -i "$T/udp.data" -F event 2>/dev/null | sed -E 's/^ *//; s/: *$//' | sort | uniq -c | awk '{print $1, $2}' | sort -k2 > "$T/expected"
[ -s "$T/expected" ] || fail "perf script shows no samples"
assert_eq 200 "$(perf script -i "$T/udp.data" 2>/dev/null | grep 'net:net_dev_xmit:' | grep -c 'dev=lo .*len=1276 ')" "perf script: net_dev_xmit of the 200 datagrams"

"$NETTRAIL" import -q "$T/udp.data" -o "$T/udp.db" 2> "$T/import.err"; rc=$?
cat "$T/import.err"
assert_eq 0 "$rc" "import exit code"
sql "$T/udp.db" 'select events, name from event_counts where trace_id=1' | awk -F'|' '{print $1, $2}' | sort -k2 > "$T/actual"
diff -u "$T/expected" "$T/actual" || fail "per-event counts differ from perf script"
echo "ok: $(wc -l < "$T/expected") event names with perf script's counts"
assert_eq 200 "$(sql "$T/udp.db" "select count(*) from \"net:net_dev_xmit\" where name='lo' and len=1276")" "net_dev_xmit of the 200 datagrams"
assert_eq 0 "$(sql "$T/udp.db" 'select lost_events from traces')" "lost events in the database"
# the skb analysis works on perf's events too: one lifecycle per datagram, none dropped (UDP
# receive frees have no tracepoint on 6.x: a lifecycle ends when its address is reused)
assert_eq 200 "$(sql "$T/udp.db" "select count(*) from skb_lifecycles where device='lo' and len=1276")" "skb lifecycles of the 200 datagrams"
assert_eq 0 "$(sql "$T/udp.db" "select count(*) from skb_lifecycles where device='lo' and len=1276 and outcome='dropped'")" "none of them dropped"
echo "perf_backend: ok"
