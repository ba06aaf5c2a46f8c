#!/bin/bash
# Live: --backend perf with a one-page buffer under a loopback stress loses samples: the
# count printed equals the sum of perf's PERF_RECORD_LOST records (`perf report -D`), the exit
# code is 5, and the file is still complete.
. "$NT_SRC/tests/lib/common.sh"
need_tracefs
need perf
perf version > /dev/null 2>&1 || skip "perf does not run here: $(perf version 2>&1 | tail -1)"

"$NETTRAIL" record --backend perf -b 4 -o "$T/s.data" -- "$NT_TRAFFIC" udp 5000 1234 > /dev/null 2> "$T/record.err"
rc=$?
cat "$T/record.err"
expected=$(perf report -D -i "$T/s.data" 2>/dev/null | grep 'PERF_RECORD_LOST:' | awk -F: '{s += $NF} END {print s + 0}')
[ "$expected" -gt 0 ] || skip "perf lost nothing even with a one-page buffer"
assert_eq 5 "$rc" "exit code with lost samples"
assert_eq "$expected" "$(sed -nE 's/^nettrail: warning: ([0-9]+) events were LOST.*/\1/p' "$T/record.err")" "lost samples printed = perf's PERF_RECORD_LOST sum"
percpu=$(perf report -D -i "$T/s.data" 2>/dev/null | grep 'PERF_RECORD_LOST:' | awk -F: '{split($1, a, " "); s[a[1]] += $NF} END {for (c in s) printf "cpu%s %s\n", c, s[c]}' | sort | tr '\n' ' ')
assert_eq "$percpu" "$(sed -nE 's/^nettrail: warning: [0-9]+ events were LOST[^:]*: (.*) \(perf.*/\1/p' "$T/record.err" | tr ' ' '\n' | paste -d' ' - - | sort | tr '\n' ' ')" "lost per cpu"
perf script -i "$T/s.data" > /dev/null 2>&1 || fail "perf script cannot read the file"
# the import counts the loss once (PERF_RECORD_LOST; perf's closing LOST_SAMPLES repeat it)
"$NETTRAIL" import -q --no-analyze "$T/s.data" -o "$T/s.db"; rc=$?
assert_eq 5 "$rc" "import of the lossy perf.data exit code"
assert_eq "$expected" "$(sqlite3 "$T/s.db" 'select lost_events from traces')" "lost samples stored = perf's PERF_RECORD_LOST sum"
echo "perf_backend_lost: ok"
