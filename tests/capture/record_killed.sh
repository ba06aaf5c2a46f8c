#!/bin/bash
# Live: a `nettrail record` killed with SIGKILL mid-capture (ftrace and perf backends) leaves
# temporary files named with its pid; the next record in that directory removes them (and the
# dead record's tracefs instance), but never the files of a running nettrail (a real capture
# running alongside, a process called nettrail), nor files elsewhere. A file named with the pid
# of a running program that is not nettrail (a reused pid) is stale too.
. "$NT_SRC/tests/lib/common.sh"
need_tracefs
need trace-cmd
. "$NT_SRC/tests/capture/killed_lib.sh"

# a real capture running in the same directory all along (the killed records below and the
# next record must leave its files alone)
"$NETTRAIL" record -q -e net -o "$T/live.dat" -d 120 &
running=$!
for i in $(seq 100); do [ -n "$(tmp_files "^live\.dat\.head\.nettrail-tmp\.$running\$")" ] && break; sleep 0.1; done
running_files=$(tmp_files "^live\.dat\..*nettrail-tmp\.$running\$")
[ -n "$running_files" ] || fail "the running capture made no temporary file"
trap 'kill -INT $running 2> /dev/null; wait $running; killed_cleanup' EXIT

# ftrace: raw pages per cpu, and the trace.dat's header written at the start
kill_mid_capture ftrace "$T/k.dat"
fpid=$KILLED
ls -l "$T"
[ -n "$(tmp_files "^k\.dat\.cpu[0-9]+\.nettrail-tmp\.$fpid\$")" ] || fail "ftrace: no per-cpu file named with the pid $fpid"
[ -n "$(tmp_files "^k\.dat\.head\.nettrail-tmp\.$fpid\$")" ] || fail "ftrace: no header file named with the pid $fpid"
# (its tracefs instance stays until a record runs, here or in any directory: another test's
# record may have removed it already)
echo "ok: ftrace: the killed record left its files, named with its pid"

have_perf=0
if command -v perf > /dev/null && perf version > /dev/null 2>&1; then
	have_perf=1
	kill_mid_capture perf "$T/k.data"
	ppid=$KILLED
	[ -n "$(tmp_files "^k\.data\.nettrail-tmp\.$ppid\$")" ] || fail "perf: no perf.data named with the pid $ppid"
	[ -n "$(tmp_files "^k\.data\.perf-log\.nettrail-tmp\.$ppid\$")" ] || fail "perf: no log named with the pid $ppid"
	echo "ok: perf: the killed record left its files, named with its pid"
else
	echo "note: perf does not run here; the perf backend's case is not run"
fi

# files of running processes: a program called nettrail (a copy of sleep) is a live owner;
# plain sleep is not a nettrail, so its pid in a file name is a reused pid (the owner is dead)
cp "$(command -v sleep)" "$T/nettrail"
"$T/nettrail" 120 &
live=$!
sleep 120 &
reused=$!
trap 'kill $live $reused 2> /dev/null; kill -INT $running 2> /dev/null; wait $running; killed_cleanup' EXIT
echo data > "$T/fake.dat.cpu0.nettrail-tmp.$live"
echo data > "$T/fake.dat.nettrail-tmp.$live-journal"
echo data > "$T/other.dat.cpu0.nettrail-tmp.$reused"
mkdir "$T/elsewhere"
echo data > "$T/elsewhere/k.dat.cpu0.nettrail-tmp.$fpid"


"$NETTRAIL" record -e net -o "$T/next.dat" -- true > /dev/null 2> "$T/next.err"; rc=$?
cat "$T/next.err"
assert_eq 0 "$rc" "the next record's exit code"
assert_eq "" "$(tmp_files "nettrail-tmp\.$fpid\$")" "the killed ftrace record's files after the next record"
[ "$have_perf" = 1 ] && assert_eq "" "$(tmp_files "nettrail-tmp\.$ppid\$")" "the killed perf record's files after the next record"
assert_eq "" "$(tmp_files "nettrail-tmp\.$reused\$")" "a file of a reused pid (a running sleep)"
assert_match "removed [0-9]+ temporary files? .* left by killed nettrail" "$(cat "$T/next.err")" "the next record says what it removed"
ls -d "$TRACEFS"/instances/nettrail-"$fpid"-* > /dev/null 2>&1 && fail "the killed record's instance is still there"
echo "ok: the killed record's instance was removed"
assert_eq "fake.dat.cpu0.nettrail-tmp.$live fake.dat.nettrail-tmp.$live-journal" "$(tmp_files "nettrail-tmp\.$live" | tr '\n' ' ' | sed 's/ $//')" "the files of a running process called nettrail"
assert_eq "$running_files" "$(tmp_files "^live\.dat\..*nettrail-tmp\.$running\$")" "the running capture's files"
[ -e "$T/elsewhere/k.dat.cpu0.nettrail-tmp.$fpid" ] || fail "a file in another directory was removed"
echo "ok: a file in another directory is left alone"

# the running capture is unharmed
kill -INT "$running"
wait "$running"; rc=$?
assert_eq 4 "$rc" "the running capture, stopped by SIGINT during --duration"
trace-cmd report "$T/live.dat" > /dev/null 2> "$T/rep.err" || fail "the running capture's trace is unreadable: $(cat "$T/rep.err")"
assert_eq "" "$(tmp_files "nettrail-tmp\.$running")" "the running capture's files once it ended"
echo "record_killed: ok"
