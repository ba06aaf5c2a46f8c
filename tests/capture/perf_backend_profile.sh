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
# per task: the samples of each thread (perf script's tid, the event's pid) are prof_tasks' self samples
perf script -i "$T/p.data" -F tid,event 2>/dev/null | awk '/cpu-clock:/ {c[$1]++} END {for (p in c) print p, c[p]}' | sort > "$T/pid.expected"
sql "$T/p.db" 'select pid, sum(self) from prof_tasks group by pid' | tr '|' ' ' | sort > "$T/pid.actual"
diff -u "$T/pid.expected" "$T/pid.actual" || fail "samples per task differ from perf script"
echo "ok: samples of $(wc -l < "$T/pid.expected") tasks equal perf script's"
# the default report shows the workload's samples (nt-traffic's), --all-tasks every sample
wl=$(paste -sd, <(sql "$T/p.db" 'select pid from workload_tasks'))
[ -n "$wl" ] || fail "no workload in a record of a command"
"$NETTRAIL" report -q --json "$T/p.db" > "$T/w.json" || fail "report --json"
"$NETTRAIL" report -q --json --all-tasks "$T/p.db" > "$T/a.json" || fail "report --json --all-tasks"
wsum=$(awk -v w=",$wl," 'index(w, "," $1 ",") {s += $2} END {print s + 0}' "$T/pid.expected")
assert_eq "$wsum" "$(python3 -c 'import json,sys; print(sum(x["self"] for x in json.load(open(sys.argv[1]))["profile"]))' "$T/w.json")" "the workload's samples in the default profile"
assert_eq "$n" "$(python3 -c 'import json,sys; print(sum(x["self"] for x in json.load(open(sys.argv[1]))["profile"]))' "$T/a.json")" "every sample with --all-tasks"
echo "perf_backend_profile: ok"
