#!/bin/bash
# The workload: `capture -- sh -c '...'` whose shell writes its own pid and its two children's
# (nt-traffic udp 50, nt-traffic tcp-closed 5) to a file, while an unrelated loop sends UDP in
# the background. The workload's tasks must be exactly those pids; the background's and
# nettrail's own are out of the default task sections and in them with --all-tasks; the
# allocation totals equal the kmem events `trace-cmd report` shows for those pids; the skbs
# the workload sent are the 50 datagrams and the 5 SYNs, the 5 SYNs dropped (NO_SOCKET).
# Then the same from the saved trace.dat imported again, and with the perf backend.
. "$NT_SRC/tests/lib/common.sh"
need_tracefs
need trace-cmd
need python3

# background: unrelated UDP senders, their pids in bg.pids
(while [ ! -e "$T/stop" ]; do "$NT_TRAFFIC" udp 100 > /dev/null & echo $! >> "$T/bg.pids"; wait; done) &
bgloop=$!
trap 'touch "$T/stop"; wait $bgloop 2>/dev/null; rm -rf "$T"' EXIT
while [ ! -s "$T/bg.pids" ]; do sleep 0.05; done

# csv column $2 of table $1 (a file), one value a line
col() { python3 -c 'import csv,sys; [print(r[sys.argv[2]]) for r in csv.DictReader(open(sys.argv[1]))]' "$1" "$2"; }

run() { # backend dir
	"$NETTRAIL" capture -q --backend "$1" -o "$2" -- sh -c '
		echo $$ > "$0/$1.pids"
		"$2" udp 50 > /dev/null & echo "udp $!" >> "$0/$1.kids"
		"$2" tcp-closed 5 > /dev/null & echo "tcp $!" >> "$0/$1.kids"
		wait' "$T" "$1" "$NT_TRAFFIC" > /dev/null &
	nt=$!
	wait $nt; rc=$?
	assert_eq 0 "$rc" "$1: capture exit code"
	echo "$nt" > "$T/$1.nettrail"
	awk '{print $2}' "$T/$1.kids" >> "$T/$1.pids"
}

check() { # backend db csvdir
	local b=$1 db=$2 csv=$3 udp tcp
	udp=$(awk '$1 == "udp" {print $2}' "$T/$b.kids")
	tcp=$(awk '$1 == "tcp" {print $2}' "$T/$b.kids")
	assert_eq "$(sort -n "$T/$b.pids" | tr '\n' ' ')" "$(sql "$db" 'select pid from workload_tasks order by pid' | tr '\n' ' ')" "$b: the workload's tasks are the pids the shell wrote"
	assert_eq "$(sort -n "$T/$b.pids" | tr '\n' ' ')" "$(col "$csv/workload_tasks.csv" pid | sort -n | tr '\n' ' ')" "$b: workload_tasks.csv"
	# packets: by sender task
	assert_eq 50 "$(sql "$db" "select count(*) from skb_lifecycles where tx_pid = $udp")" "$b: skbs with the udp sender as tx task"
	python3 - "$csv/workload_tasks.csv" "$udp" "$tcp" <<'PY' || fail "$b: packets per workload task"
import csv, sys
rows = {r['pid']: r for r in csv.DictReader(open(sys.argv[1]))}
u, t = rows[sys.argv[2]], rows[sys.argv[3]]
assert u['skbs_sent'] == '50' and u['skbs_dropped'] == '0', u
assert t['skbs_sent'] == '5' and t['skbs_dropped'] == '5', t   # the SYNs; the resets are the kernel's
print('ok: udp sent %s, tcp-closed sent %s (%s dropped)' % (u['skbs_sent'], t['skbs_sent'], t['skbs_dropped']))
PY
	# busiest tasks: only workload pids by default; nettrail's or the background's with --all-tasks
	for p in $(col "$csv/tasks.csv" pid); do grep -qx "$p" "$T/$b.pids" || fail "$b: pid $p in the default busiest tasks is not the workload's"; done
	"$NETTRAIL" report -q --all-tasks "$db" --csv "$T/$b.all" || fail "$b: report --all-tasks"
	col "$T/$b.all/tasks.csv" pid > "$T/$b.all.pids"
	grep -qxf "$T/bg.pids" "$T/$b.all.pids" || grep -qx "$(cat "$T/$b.nettrail")" "$T/$b.all.pids" || fail "$b: neither nettrail nor the background in the busiest tasks with --all-tasks"
	# allocations: the default table holds the workload's kmem events (trace-cmd's count)
	sql "$db" "select distinct pid from alloc_tasks" > "$T/$b.allocpids"
	grep -qxf "$T/bg.pids" "$T/$b.allocpids" || fail "$b: no background allocations at all (the test needs them)"
	exp=$(sql "$db" "select sum(allocs) from alloc_tasks where pid in ($(paste -sd, "$T/$b.pids"))")
	got=$(col "$csv/alloc_sites.csv" allocs | awk '{s += $1} END {print s}')
	if [ "$(col "$csv/alloc_sites.csv" allocs | wc -l)" -lt 40 ]; then
		assert_eq "$exp" "$got" "$b: the workload's allocations in alloc_sites.csv"
	else
		[ "$got" -le "$exp" ] || fail "$b: alloc_sites.csv has more allocations ($got) than the workload made ($exp)"
	fi
	[ "$(col "$T/$b.all/alloc_sites.csv" allocs | awk '{s += $1} END {print s}')" -gt "$got" ] || fail "$b: --all-tasks shows no more allocations than the workload's"
	# --pid of a background task shows it
	bgp=$(grep -xf "$T/bg.pids" "$T/$b.allocpids" | head -1)
	"$NETTRAIL" report -q --pid "$bgp" "$db" --csv "$T/$b.bg" || fail "$b: report --pid"
	assert_eq "$bgp" "$(col "$T/$b.bg/tasks.csv" pid | sort -u)" "$b: --pid $bgp busiest tasks"
}

run ftrace "$T/ft"
check ftrace "$T/ft/nettrail.db" "$T/ft/csv"
# independent: kmem allocation events per pid in trace-cmd's text equal what the database holds
trace-cmd report -t "$T/ft/trace.dat" 2>/dev/null | awk '
	/ (kmalloc|kmalloc_node|kmem_cache_alloc|kmem_cache_alloc_node): / && match($0, /-[0-9]+ +\[[0-9]+\]/) {
		p = substr($0, RSTART + 1, RLENGTH - 1); sub(/ .*/, "", p); c[p]++
	}
	END {for (p in c) print p, c[p]}' | sort > "$T/tc.allocs"
sql "$T/ft/nettrail.db" 'select pid, sum(allocs) from alloc_tasks group by pid' | tr '|' ' ' | sort > "$T/db.allocs"
diff -u "$T/tc.allocs" "$T/db.allocs" || fail "allocations per pid differ from trace-cmd report"

# the workload survives: the saved trace imported again on its own
"$NETTRAIL" import -q "$T/ft/trace.dat" -o "$T/again.db" || fail "import the saved trace.dat"
assert_eq "$(sql "$T/ft/nettrail.db" 'select pid, ppid from workload_tasks order by pid')" "$(sql "$T/again.db" 'select pid, ppid from workload_tasks order by pid')" "the workload from the saved trace.dat"
# without the workload file the trace is whole-machine
cp "$T/ft/trace.dat" "$T/plain.dat"
"$NETTRAIL" import -q "$T/plain.dat" -o "$T/plain.db" || fail "import without .workload"
assert_eq 0 "$(sql "$T/plain.db" 'select count(*) from workload_tasks')" "no workload without the file"
"$NETTRAIL" report -q "$T/plain.db" --csv "$T/plain" || fail "report without workload"
[ ! -e "$T/plain/workload_tasks.csv" ] || fail "a Workload section without a workload"
assert_eq "$(sql "$T/plain.db" 'select count(*) from (select pid from tasks where events > 0 limit 15)')" "$(($(wc -l < "$T/plain/tasks.csv") - 1))" "whole-machine busiest tasks without a workload"

if command -v perf > /dev/null; then
	run perf "$T/pf"
	check perf "$T/pf/nettrail.db" "$T/pf/csv"
else
	echo "note: no perf: the perf backend is not checked"
fi
echo "workload: ok"
