#!/bin/bash
# Live: SIGINT or SIGTERM while `nettrail record` writes its output (the trace.dat for ftrace;
# for perf, once perf has stopped: its file checked and put in place) ends with exit code 4, a
# message, and no output nor temporary file. The test-only pause point NETTRAIL_TEST_PAUSE
# (docs/RECOVERY.md) holds the writer at a known place, so the signal lands there every time.
. "$NT_SRC/tests/lib/common.sh"
need_tracefs

# run_paused POINT SIG OUT RECORD-ARGS...: record with a pause at POINT, SIG once it is there
run_paused() {
	local point=$1 sig=$2 out=$3 pid i
	shift 3
	rm -f "$T/paused"
	NETTRAIL_TEST_PAUSE="$point:$T/paused" "$NETTRAIL" record -o "$out" "$@" > /dev/null 2> "$T/err" &
	pid=$!
	for i in $(seq 600); do [ -e "$T/paused" ] && break; sleep 0.1; done
	[ -e "$T/paused" ] || { kill -KILL $pid; fail "$point: the record never reached its writing phase"; }
	kill -"$sig" $pid
	wait $pid; RC=$?
	cat "$T/err"
}

for sig in INT TERM; do
	run_paused tracedat-write $sig "$T/w$sig.dat" -e net -- "$NT_TRAFFIC" udp 50
	assert_eq 4 "$RC" "ftrace: SIG$sig while writing: exit code"
	assert_match "interrupted while writing '.*w$sig\.dat'" "$(cat "$T/err")" "ftrace: SIG$sig while writing: message"
	[ -e "$T/w$sig.dat" ] && fail "ftrace: SIG$sig while writing: a partial trace.dat was left"
	assert_eq "" "$(ls -A "$T" | grep nettrail-tmp)" "ftrace: SIG$sig while writing: temporary files left"
done

# an open-ended capture: the first Ctrl-C ends it, a second one during the writing aborts it
rm -f "$T/paused"
NETTRAIL_TEST_PAUSE="tracedat-write:$T/paused" "$NETTRAIL" record -e net -o "$T/open.dat" > /dev/null 2> "$T/err" &
pid=$!
sleep 1
kill -INT $pid
for i in $(seq 600); do [ -e "$T/paused" ] && break; sleep 0.1; done
[ -e "$T/paused" ] || { kill -KILL $pid; fail "open-ended: the record never reached its writing phase"; }
kill -INT $pid
wait $pid; rc=$?
cat "$T/err"
assert_eq 4 "$rc" "open-ended: a second Ctrl-C while writing: exit code"
[ -e "$T/open.dat" ] && fail "open-ended: a partial trace.dat was left"
assert_eq "" "$(ls -A "$T" | grep nettrail-tmp)" "open-ended: temporary files left"

if command -v perf > /dev/null && perf version > /dev/null 2>&1; then
	for sig in INT TERM; do
		run_paused perf-finish $sig "$T/p$sig.data" --backend perf -e net -- "$NT_TRAFFIC" udp 50
		assert_eq 4 "$RC" "perf: SIG$sig after perf stopped: exit code"
		assert_match "interrupted while .*p$sig\.data'" "$(cat "$T/err")" "perf: SIG$sig after perf stopped: message"
		[ -e "$T/p$sig.data" ] && fail "perf: SIG$sig after perf stopped: the perf.data was left"
		assert_eq "" "$(ls -A "$T" | grep nettrail-tmp)" "perf: SIG$sig after perf stopped: temporary files left"
		pgrep -f "perf record .*$T/" > /dev/null && fail "perf: a perf process is left"
	done
else
	echo "note: perf does not run here; the perf backend's case is not run"
fi
echo "record_signal_write: ok"
