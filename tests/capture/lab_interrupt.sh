#!/bin/bash
# nettrail lab: Ctrl-C (SIGINT) while the world is being built and while the traffic runs
# leaves the host as it was (namespaces, links, nftables ruleset) and exits 4; a usage check.
. "$NT_SRC/tests/capture/lab_lib.sh"
"$NETTRAIL" lab --list | grep -q '^syn-closed-port' || fail "--list does not list syn-closed-port"
"$NETTRAIL" lab no-such-lab 2> "$T/err"; assert_eq 2 $? "unknown scenario"
assert_match "no scenario called 'no-such-lab'" "$(cat "$T/err")" "unknown scenario message"
host_state > "$T/host.before"
# wait_for COND: up to 10 s
wait_for() { for _ in $(seq 200); do eval "$1" && return 0; sleep 0.05; done; return 1; }
interrupt() { # NAME COUNT CONDITION
	local pid rc
	"$NETTRAIL" lab "$1" -c "$2" -o "$T/int-$1" > "$T/int.out" 2>&1 &
	pid=$!
	wait_for "$3" || { kill -INT $pid; wait $pid; fail "$1: the condition never held"; }
	kill -INT $pid
	wait $pid; rc=$?
	host_state > "$T/host.after"
	diff -u "$T/host.before" "$T/host.after" || fail "$1: the host changed after Ctrl-C"
	assert_eq 4 "$rc" "$1: exit code after Ctrl-C ($(tr '\n' ' ' < "$T/int.out"))"
}
# during the traffic: traffic.txt exists once the traffic runs
interrupt forward 100000 '[ -e "$T/int-forward/traffic.txt" ]'
echo "ok: Ctrl-C during the traffic"
# while building: as soon as the first namespace exists
interrupt forward 20 'ip netns list | grep -q "^nt-lab-"'
echo "ok: Ctrl-C while building the world"
# SIGKILL: the traffic stops with the lab, and the next lab removes the namespaces left behind
"$NETTRAIL" lab forward -c 100000 -o "$T/kill" > /dev/null 2>&1 &
pid=$!
wait_for '[ -e "$T/kill/traffic.txt" ]' || fail "the traffic never started"
kill -KILL $pid
wait $pid 2>/dev/null
wait_for '! pgrep -f -- "--tag $pid " > /dev/null' || fail "the traffic outlived its lab"
"$NETTRAIL" lab udp-loopback -c 5 -q -o "$T/after-kill" > /dev/null || fail "lab after a SIGKILL"
host_state > "$T/host.after"
diff -u "$T/host.before" "$T/host.after" || fail "the namespaces of a killed lab were not removed"
echo "ok: a killed lab's world is removed by the next one"
echo "lab_interrupt: ok"
