#!/bin/bash
# `nettrail capture --backend perf|lttng`: the one-shot command with the other capture
# backends. perf: the perf.data is in the directory, imported (the 60 datagrams the traffic
# counts, as `perf script` counts them too), every report written. lttng, on a kernel without
# LTTng's tracer (the usual case here): the kernel-tracer message, exit 1, no directory left.
. "$NT_SRC/tests/lib/common.sh"
need_tracefs
need sqlite3
need perf
"$NETTRAIL" capture --backend perf -q -o "$T/p" -- "$NT_TRAFFIC" udp 60 1234 > "$T/p.out" 2> "$T/p.err"
assert_eq 0 $? "capture --backend perf exit code ($(tail -2 "$T/p.err"))"
assert_eq "udp sent=60 received=60" "$(grep -o 'udp sent=[0-9]* received=[0-9]*' "$T/p.out")" "the traffic's own count"
for f in perf.data nettrail.db report.txt report.html csv/softirq.csv; do
	[ -s "$T/p/$f" ] || fail "capture --backend perf did not write $f"
done
[ -e "$T/p/trace.dat" ] && fail "a trace.dat next to the perf.data"
want=$(perf script -i "$T/p/perf.data" -F event,trace 2> /dev/null | grep -c 'net_dev_xmit:.*dev=lo .*len=1276')
assert_eq 60 "$want" "perf script's count of the datagrams' net_dev_xmit"
assert_eq "$want" "$(sql "$T/p/nettrail.db" "select count(*) from \"net:net_dev_xmit\" where name = 'lo' and len = 1276")" "the datagrams in the database"
assert_eq perf "$(sql "$T/p/nettrail.db" "select format from traces")" "the trace's format"

if command -v lttng-sessiond > /dev/null 2>&1 && ! lsmod 2> /dev/null | grep -q '^lttng_tracer' &&
	! pgrep -x lttng-sessiond > /dev/null; then
	"$NETTRAIL" capture --backend lttng -q -o "$T/l" -- true 2> "$T/l.err"
	assert_eq 1 $? "capture --backend lttng without LTTng's kernel tracer"
	assert_match "LTTng kernel tracer is not available" "$(cat "$T/l.err")" "its message"
	[ -e "$T/l" ] && fail "capture left its directory behind"
	pgrep -x lttng-sessiond > /dev/null && fail "an lttng-sessiond was left running"
	echo "ok: nothing left"
else
	echo "note: lttng part not run (no lttng-sessiond, or LTTng's tracer is there, or a sessiond runs)"
fi
"$NETTRAIL" capture --backend dtrace -o "$T/x" -- true 2> /dev/null
assert_eq 2 $? "unknown backend"
echo "capture_backends: ok"
