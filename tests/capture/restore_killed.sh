#!/bin/bash
# Live: `nettrail restore` turns what a SIGKILLed `nettrail record` left into a readable trace:
# ftrace's raw per-cpu pages with the header the record wrote at its start (and, that header
# gone, with this machine's tracefs, said so) give a trace.dat that trace-cmd report opens and
# whose per-event counts are what nettrail import stores; perf's file (finished by perf when
# nettrail died) gives a perf.data that perf script reads. Nothing to restore, a running
# owner and an existing output are refused with a clear message.
. "$NT_SRC/tests/lib/common.sh"
need_tracefs
need trace-cmd
need sqlite3
. "$NT_SRC/tests/capture/killed_lib.sh"

# check_restored FILE WHAT: trace-cmd report opens it, the import has its counts
check_restored() {
	trace-cmd report "$1" > /dev/null 2> "$T/rep.err" || fail "$2: trace-cmd report fails: $(cat "$T/rep.err")"
	[ -s "$T/rep.err" ] && fail "$2: trace-cmd report warned: $(cat "$T/rep.err")"
	echo "ok: $2: trace-cmd report opens it"
	rm -f "$T/r.db"
	"$NETTRAIL" import -q "$1" -o "$T/r.db"; rc=$?
	assert_eq 0 "$rc" "$2: import exit code"
	report_counts "$1" > "$T/expected"
	db_counts "$T/r.db" 1 > "$T/actual"
	diff -u "$T/expected" "$T/actual" || fail "$2: per-event counts differ from trace-cmd report"
	grep -q ' net_dev_xmit$' "$T/expected" || fail "$2: no net_dev_xmit in the restored trace"
	echo "ok: $2: $(awk '{s += $1} END {print s}' "$T/expected") events in $(wc -l < "$T/expected") event names, trace-cmd report's counts"
}

# with the header the killed record wrote
kill_mid_capture ftrace "$T/k.dat"
pid=$KILLED
"$NETTRAIL" restore "$T/k.dat" 2> "$T/restore.err"; rc=$?
cat "$T/restore.err"
assert_eq 0 "$rc" "restore exit code"
assert_match "restored '.*k\.dat' from nettrail record $pid" "$(cat "$T/restore.err")" "restore says what it did"
assert_match "header: written by the killed record" "$(cat "$T/restore.err")" "restore says where the header came from"
check_restored "$T/k.dat" "restored with the record's header"
assert_eq "" "$(tmp_files "nettrail-tmp\.$pid\$")" "temporary files after the restore"
err=$("$NETTRAIL" restore "$T/k.dat" 2>&1); rc=$?
assert_eq 3 "$rc" "a second restore: exit code"
assert_match "nothing to restore for '.*k\.dat'" "$err" "a second restore: message"

# without it: this machine's tracefs, and said so
kill_mid_capture ftrace "$T/t.dat"
pid=$KILLED
rm "$T/t.dat.head.nettrail-tmp.$pid" || fail "no header file to remove"
"$NETTRAIL" restore -o "$T/t2.dat" "$T/t.dat" 2> "$T/restore.err"; rc=$?
cat "$T/restore.err"
assert_eq 0 "$rc" "restore from tracefs: exit code"
assert_match "header: .*this machine's tracefs" "$(cat "$T/restore.err")" "restore from tracefs says so"
[ -e "$T/t.dat" ] && fail "restore -o wrote the record's own name"
check_restored "$T/t2.dat" "restored with this machine's tracefs"

# an existing output is not replaced
kill_mid_capture ftrace "$T/k.dat"
pid=$KILLED
err=$("$NETTRAIL" restore "$T/k.dat" 2>&1); rc=$?
assert_eq 2 "$rc" "an existing output: exit code"
assert_match "'.*k\.dat' exists" "$err" "an existing output: message"
assert_match "hint: .*-o" "$err" "an existing output: hint"
[ -n "$(tmp_files "^k\.dat\.cpu0\.nettrail-tmp\.$pid\$")" ] || fail "a refused restore removed the raw data"
echo "ok: a refused restore keeps the raw data"

# files of a running nettrail (a program called nettrail) are not taken
cp "$(command -v sleep)" "$T/nettrail"
"$T/nettrail" 120 &
live=$!
trap 'kill $live 2> /dev/null; killed_cleanup' EXIT
head -c 4096 /dev/zero > "$T/l.dat.cpu0.nettrail-tmp.$live"
err=$("$NETTRAIL" restore "$T/l.dat" 2>&1); rc=$?
assert_eq 1 "$rc" "a running owner: exit code"
assert_match "nettrail $live is still running" "$err" "a running owner: message"
[ -e "$T/l.dat.cpu0.nettrail-tmp.$live" ] || fail "a running owner's file was removed"

# nothing left at all
err=$("$NETTRAIL" restore "$T/none.dat" 2>&1); rc=$?
assert_eq 3 "$rc" "nothing to restore: exit code"
assert_match "nothing to restore for '.*none\.dat'" "$err" "nothing to restore: message"
assert_match "hint: " "$err" "nothing to restore: hint"

# perf: perf finishes its file when nettrail dies; restore puts it in place
if command -v perf > /dev/null && perf version > /dev/null 2>&1; then
	kill_mid_capture perf "$T/p.data"
	pid=$KILLED
	"$NETTRAIL" restore "$T/p.data" 2> "$T/restore.err"; rc=$?
	cat "$T/restore.err"
	assert_eq 0 "$rc" "perf restore exit code"
	perf script -G -i "$T/p.data" -F event 2> /dev/null | sed -E 's/^ *//; s/: *$//; s/^[^:]*://' | sort | uniq -c | awk '{print $1, $2}' | sort -k2 > "$T/expected"
	"$NETTRAIL" import -q "$T/p.data" -o "$T/p.db"; rc=$?
	assert_eq 0 "$rc" "perf: import exit code"
	db_counts "$T/p.db" 1 > "$T/actual"
	diff -u "$T/expected" "$T/actual" || fail "perf: per-event counts differ from perf script"
	echo "ok: perf: restored perf.data has perf script's counts ($(wc -l < "$T/expected") event names)"
	assert_eq "" "$(tmp_files "nettrail-tmp\.$pid\$")" "perf: temporary files after the restore"
else
	echo "note: perf does not run here; the perf backend's case is not run"
fi
echo "restore_killed: ok"
