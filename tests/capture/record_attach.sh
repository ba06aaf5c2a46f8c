#!/bin/bash
# record -P PID: a process tree that was running before the capture is the workload, with
# its existing children and what it forks while recording; another process is not. Usage
# errors: -P with a COMMAND, a pid that does not exist.
. "$NT_SRC/tests/lib/common.sh"
need_tracefs

# the tree: a shell with one long-lived child, which forks UDP senders on request
mkfifo "$T/go"
sh -c 'echo $$ > "$0/root"; sleep 30 & echo $! > "$0/child"; read x < "$0/go"; "$1" udp 20 > /dev/null & echo $! > "$0/late"; wait $!' "$T" "$NT_TRAFFIC" &
tree=$!
sleep 30 & other=$!
trap 'kill $tree $other 2>/dev/null; kill "$(cat "$T/child" 2>/dev/null)" 2>/dev/null; rm -rf "$T"' EXIT
while [ ! -s "$T/child" ]; do sleep 0.05; done
root=$(cat "$T/root")
assert_eq "$tree" "$root" "the shell's own pid"

"$NETTRAIL" record -q -P "$root" -d 3 -o "$T/a.dat" &
rec=$!
sleep 1
echo go > "$T/go"
wait $rec; rc=$?
assert_eq 0 "$rc" "record -P exit code"
assert_match "^root $root$" "$(grep '^root' "$T/a.dat.workload")" "the workload file names the root"
grep -qx "pid $(cat "$T/child")" "$T/a.dat.workload" || fail "the running child is not in the workload file"
grep -qx "exclude $rec" "$T/a.dat.workload" || fail "nettrail's own pid is not excluded"

"$NETTRAIL" import -q "$T/a.dat" -o "$T/a.db" || fail "import"
got=$(sql "$T/a.db" 'select pid from workload_tasks order by pid' | tr '\n' ' ')
exp=$(printf '%s\n' "$root" "$(cat "$T/child")" "$(cat "$T/late")" | sort -n | tr '\n' ' ')
assert_eq "$exp" "$got" "the workload: the shell, its running child and the sender it forked"
assert_eq 0 "$(sql "$T/a.db" "select count(*) from workload_tasks where pid in ($other, $rec)")" "the other process and nettrail are not the workload"
assert_eq "$root" "$(sql "$T/a.db" "select ppid from workload_tasks where pid = $(cat "$T/late")")" "the forked sender's parent"
assert_eq 20 "$(sql "$T/a.db" "select count(*) from skb_lifecycles where tx_pid = $(cat "$T/late")")" "the sender's 20 datagrams"

# a later capture to the same name without a workload does not inherit the file
"$NETTRAIL" record -q -d 1 -e net -o "$T/a.dat" || fail "record again to a.dat"
[ ! -e "$T/a.dat.workload" ] || fail "a.dat.workload left from the -P capture"

# usage
"$NETTRAIL" record -P "$root" -o "$T/b.dat" -- true > /dev/null 2> "$T/err"; rc=$?
assert_eq 2 "$rc" "-P with a command"
assert_match "give no COMMAND" "$(cat "$T/err")" "-P with a command: message"
"$NETTRAIL" record -q -P 999999999 -d 1 -o "$T/c.dat" 2> "$T/err"; rc=$?
assert_eq 2 "$rc" "-P of no process"
assert_match "no process 999999999" "$(cat "$T/err")" "-P of no process: message"
[ ! -e "$T/c.dat" ] && [ ! -e "$T/c.dat.workload" ] || fail "files left by a refused -P"
echo "record_attach: ok"
