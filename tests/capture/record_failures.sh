#!/bin/bash
# Live: every way a capture can go wrong leaves tracefs exactly as before, no partial file,
# a clear message and the documented exit code. And lost events are counted and reported.
. "$NT_SRC/tests/lib/common.sh"
. "$NT_SRC/tests/lib/tracefs_state.sh"
need_tracefs
need sqlite3
tracefs_snapshot > "$T/before"
same_tracefs() {
	tracefs_snapshot > "$T/after"
	diff -u "$T/before" "$T/after" || fail "$1: tracefs changed"
	echo "ok: $1: tracefs as before"
}
no_output() {
	[ ! -e "$1" ] || fail "$2: '$1' was left behind"
	ls "$(dirname "$1")" | grep -q nettrail-tmp && fail "$2: temporary files left behind"
	echo "ok: $2: no file left"
}

# unknown event: refused by name before anything starts
err=$("$NETTRAIL" record -q -e net -e nosuch:event -o "$T/a.dat" -- true 2>&1); rc=$?
assert_eq 2 "$rc" "unknown event exit code (usage)"
first=$(find /sys/kernel/tracing/events -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | LC_ALL=C sort | head -1)
assert_match "unknown event 'nosuch:event': this kernel has no event system 'nosuch'; it has $first, " "$err" "unknown event message names the systems"
same_tracefs "unknown event"; no_output "$T/a.dat" "unknown event"

# a clock the kernel lacks (and a prefix of one it has): usage, naming the clocks it offers
clocks=$(tr -d '[]\n' < /sys/kernel/tracing/trace_clock | xargs)
for clk in nosuch lo; do
	err=$("$NETTRAIL" record -q --clock $clk -e net -o "$T/k.dat" -- true 2>&1); rc=$?
	assert_eq 2 "$rc" "--clock $clk exit code (usage)"
	assert_match "trace clock '$clk' is not available; this kernel offers: $clocks\$" "$(echo "$err" | grep 'trace clock')" "--clock $clk message names the clocks"
	same_tracefs "--clock $clk"; no_output "$T/k.dat" "--clock $clk"
done

# a command that cannot start
err=$("$NETTRAIL" record -q -o "$T/b.dat" -- /nonexistent/cmd 2>&1); rc=$?
assert_eq 3 "$rc" "missing command exit code"
assert_match "cannot run '/nonexistent/cmd': No such file or directory" "$err" "missing command message"
same_tracefs "missing command"; no_output "$T/b.dat" "missing command"

# a command that fails: the trace is still written, and nettrail says so
err=$("$NETTRAIL" record -e net -o "$T/c.dat" -- sh -c 'exit 3' 2>&1); rc=$?
assert_eq 0 "$rc" "failing command exit code"
assert_match "note: 'sh' exited with status 3" "$err" "failing command note"
[ -s "$T/c.dat" ] || fail "no trace for a failing command"
same_tracefs "failing command"

# SIGTERM and SIGINT stop the capture cleanly; the trace is complete
for sig in TERM INT; do
	"$NETTRAIL" record -q -e net -e irq -o "$T/sig$sig.dat" -d 60 &
	pid=$!
	sleep 1.5
	kill -$sig $pid
	wait $pid; rc=$?
	assert_eq 4 "$rc" "SIG$sig during --duration: interrupted exit code"
	trace-cmd report "$T/sig$sig.dat" > /dev/null 2> "$T/rep.err" || fail "SIG$sig: trace unreadable"
	[ -s "$T/rep.err" ] && fail "SIG$sig: trace-cmd report warned: $(cat "$T/rep.err")"
	same_tracefs "SIG$sig"
done
# until Ctrl-C (no command, no duration): SIGINT is the normal end
"$NETTRAIL" record -q -e net -o "$T/ctrlc.dat" &
pid=$!
sleep 1.5
kill -INT $pid
wait $pid; rc=$?
assert_eq 0 "$rc" "Ctrl-C ends an open-ended capture normally"
[ -s "$T/ctrlc.dat" ] || fail "no trace after Ctrl-C"
same_tracefs "Ctrl-C"

# a full disk: a clear error, nothing left on the small filesystem, tracefs restored
mkdir "$T/small"
if mount -t tmpfs -o size=1m tmpfs "$T/small" 2>/dev/null; then
	err=$("$NETTRAIL" record -q -e net -o "$T/small/full.dat" -- "$NT_TRAFFIC" udp 10 2>&1); rc=$?
	umount_left=$(ls -A "$T/small")
	umount "$T/small"
	assert_eq 1 "$rc" "full disk exit code"
	assert_match "No space left on device" "$err" "full disk message"
	assert_eq "" "$umount_left" "nothing left on the full filesystem"
	same_tracefs "full disk"
else
	echo "note: cannot mount a tmpfs here; full-disk case not run"
fi

# not root
if command -v setpriv > /dev/null; then
	err=$(cd "$T" && setpriv --reuid=65534 --regid=65534 --clear-groups "$NETTRAIL" record -e net -- true 2>&1); rc=$?
	assert_eq 1 "$rc" "not root exit code"
	assert_match "recording needs root" "$err" "not root message"
	assert_match "hint: run it as root" "$err" "not root hint"
fi

# tracefs not mounted (in a private mount namespace, so the host keeps its mount)
if command -v unshare > /dev/null && unshare -m true 2>/dev/null; then
	err=$(unshare -m sh -c "umount /sys/kernel/tracing 2>/dev/null; umount /sys/kernel/debug/tracing 2>/dev/null; '$NETTRAIL' record -e net -o '$T/nm.dat' -- true" 2>&1); rc=$?
	assert_eq 1 "$rc" "tracefs not mounted exit code"
	assert_match "tracefs is not mounted" "$err" "tracefs not mounted message"
	assert_match "mount -t tracefs nodev /sys/kernel/tracing" "$err" "tracefs not mounted hint"
	no_output "$T/nm.dat" "tracefs not mounted"
fi
same_tracefs "the end"

# lost events: a tiny buffer and a flood of events; counted per cpu, printed, stored
"$NETTRAIL" record -b 8 -e kmem -e net -e irq -e sched -o "$T/lossy.dat" -- "$NT_TRAFFIC" udp 20000 64 > /dev/null 2> "$T/lossy.err"; rc=$?
cat "$T/lossy.err"
stats=$(trace-cmd report --stat "$T/lossy.dat" 2>/dev/null | awk '/^overrun:|^commit overrun:|^dropped events:/ {s += $NF} END {print s + 0}')
if [ "$stats" -gt 0 ]; then
	assert_eq 5 "$rc" "lost events exit code"
	assert_match "events were LOST" "$(cat "$T/lossy.err")" "lost events are printed"
	"$NETTRAIL" import -q "$T/lossy.dat" -o "$T/lossy.db"; rc=$?
	assert_eq 5 "$rc" "import of a lossy trace exit code"
	assert_eq "$stats" "$(sql "$T/lossy.db" 'select lost_events from traces')" "lost events stored = buffer statistics"
	assert_eq "$stats" "$(sql "$T/lossy.db" 'select sum(lost_events) from trace_cpus')" "lost events per cpu add up"
	[ "$(sql "$T/lossy.db" 'select count(*) from lost_windows')" -gt 0 ] || fail "no lost windows recorded"
	echo "ok: lost windows recorded"
else
	echo "note: no overrun happened with an 8 KB buffer; lost-event case not checked"
fi
same_tracefs "lossy capture"
echo "record_failures: ok"
