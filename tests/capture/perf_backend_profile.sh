#!/bin/bash
# Live: --backend perf --profile-cpu samples cpu-clock with kernel call stacks next to the
# tracepoints. The import has perf script's cpu-clock count, and each sample's stack as
# perf_callchain (after perf's PERF_CONTEXT_KERNEL marker): the leaf frames equal perf
# script's.
. "$NT_SRC/tests/lib/common.sh"
need_tracefs
need perf
need sqlite3
perf version > /dev/null 2>&1 || skip "perf does not run here: $(perf version 2>&1 | tail -1)"

"$NETTRAIL" record -q --backend perf --profile-cpu 999 -e net:net_dev_xmit -o "$T/p.data" -- "$NT_TRAFFIC" udp 20000 1234 > /dev/null 2> "$T/record.err"
rc=$?
cat "$T/record.err"
assert_eq 0 "$rc" "record exit code"
n=$(perf script -i "$T/p.data" -F event 2>/dev/null | grep -c 'cpu-clock:')
[ "$n" -gt 0 ] || fail "no cpu-clock samples"
assert_eq 20000 "$(perf script -i "$T/p.data" -F event 2>/dev/null | grep -c 'net:net_dev_xmit:')" "net_dev_xmit samples"
# user frames are not collected (--kernel-callchains)
perf script -i "$T/p.data" 2>/dev/null | awk '/cpu-clock:/ {s = 1; next} /^$/ {s = 0} s' | grep -v '\[kernel.kallsyms\]' | grep -q . &&
	fail "user-space frames in the cpu-clock stacks"
echo "ok: kernel frames only"

"$NETTRAIL" import -q "$T/p.data" -o "$T/p.db" 2> "$T/import.err"; rc=$?
cat "$T/import.err"
assert_eq 0 "$rc" "import exit code"
assert_eq "$n" "$(sql "$T/p.db" 'select count(*) from "perf:cpu-clock"')" "cpu-clock samples in the database"
# leaf frame of each sample: perf script's first stack line vs perf_callchain[1]
perf script -i "$T/p.data" 2>/dev/null | awk '/cpu-clock:/ {getline; print $1}' |
	while read -r a; do printf '%u\n' "0x$a"; done | sort > "$T/leaf.expected"
sql "$T/p.db" 'select perf_callchain from "perf:cpu-clock"' | tr -d '[]' | cut -d, -f2 | sort > "$T/leaf.actual"
diff -u "$T/leaf.expected" "$T/leaf.actual" > /dev/null || fail "leaf frames differ from perf script"
echo "ok: $n leaf frames equal perf script's"
echo "perf_backend_profile: ok"
