#!/bin/bash
# capture takes every record option: each option of 'nettrail help record' (but -o, which
# names a directory for capture) is in 'nettrail help capture', and a capture with
# --backend perf --profile-cpu has the cpu-clock samples perf script counts in its perf.data.
. "$NT_SRC/tests/lib/common.sh"
need_tracefs
need perf
need sqlite3
perf version > /dev/null 2>&1 || skip "perf does not run here: $(perf version 2>&1 | tail -1)"

opts() { "$NETTRAIL" help "$1" | grep -oE '^ +(-[a-z], )?--[a-z-]+' | grep -oE -- '--[a-z-]+' | sort; }
opts record | grep -vx -- '--output' > "$T/record.opts"
opts capture > "$T/capture.opts"
missing=$(comm -23 "$T/record.opts" "$T/capture.opts" | paste -sd' ')
assert_eq "" "$missing" "record options capture lacks"

"$NETTRAIL" capture -q --backend perf --profile-cpu 999 -e net:net_dev_xmit -o "$T/run" -- "$NT_TRAFFIC" udp 2000 1234 > "$T/out" 2>&1
rc=$?
[ $rc = 0 ] || { cat "$T/out"; fail "capture --profile-cpu exited $rc"; }
n=$(perf script -i "$T/run/perf.data" -F event 2>/dev/null | grep -c 'cpu-clock:')
[ "$n" -gt 0 ] || fail "no cpu-clock samples in the perf.data"
assert_eq "$n" "$(sql "$T/run/nettrail.db" 'select count(*) from "perf:cpu-clock"')" "cpu-clock samples in the capture's database"
grep -q '== CPU profile ==' "$T/run/report.txt" || fail "no CPU profile in report.txt"
echo "capture_record_opts: ok"
