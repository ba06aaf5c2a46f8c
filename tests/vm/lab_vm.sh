#!/bin/bash
# VM: every lab scenario run with --vm (world and recording in the lab VM on Debian's stock
# kernel, whose function_graph this machine lacks; analysis here). Each sheet's claims hold,
# function_graph claims included; each scenario's traced function is also counted in
# trace-cmd report's text of the same trace.dat against the traffic's own count; the guest's
# tracefs is left as it was; nothing changes on the host.
. "$NT_SRC/tests/lib/common.sh"
. "$NT_SRC/tests/vm/vm_lib.sh"
need_vm
need sqlite3
need trace-cmd

host_state() { ip netns list; ip -o link | sed 's/^[0-9]*: //'; }
host_state > "$T/host.before"

# scenario count function traffic-key factor: the function's calls = factor x the traffic's
# own number (its traffic.txt), counted in trace-cmd's text (independent of nettrail's import)
check() {
	local name=$1 n=$2 fn=$3 key=$4 factor=$5 d="$T/$1" rc want got
	"$NETTRAIL" lab "$name" --vm -c "$n" -o "$d" --vm-keep "$T/work-$name" \
		> "$T/$name.out" 2> "$T/$name.err"
	rc=$?
	cat "$T/$name.out"
	assert_eq 0 "$rc" "lab $name --vm exit code ($(tail -3 "$T/$name.err" | tr '\n' ' '))"
	grep -q '^Recorded with function_graph on:' "$d/lab-sheet.txt" ||
		fail "$name: the sheet does not say function_graph was on"
	grep -q '^  FAIL' "$d/lab-sheet.txt" && fail "$name: a claim does not hold"
	assert_match "^Result: ([0-9]+) of \\1 claims hold" "$(grep '^Result:' "$d/lab-sheet.txt")" "$name: every claim holds"
	[ "$(grep -c '^  PASS  [0-9]* calls of ' "$d/lab-sheet.txt")" -ge 1 ] ||
		fail "$name: no function_graph claim on the sheet"
	want=$(( factor * $(sed -n "s/^$key=//p" "$d/traffic.txt") ))
	trace-cmd report "$d/trace.dat" 2> /dev/null > "$T/$name.report"
	got=$(grep -cE "funcgraph_entry: .*\| +$fn\(\)( \{|;)\$" "$T/$name.report")
	assert_eq "$want" "$got" "$name: $fn calls in trace-cmd report ($factor x $key)"
	assert_eq "$n" "$(sed -n 's/^count=//p' "$d/traffic.txt")" "$name: the traffic's count"
	vm_tracefs_same "$T/work-$name"
	rm -rf "$T/work-$name/out" "$T/$name.report"
}

check udp-loopback 12 udp_sendmsg sent 1
check syn-closed-port 8 tcp_v4_send_reset connects 1
check tcp-stream 10 tcp_sendmsg writes 1
check rcvbuf 30 ping_rcv sent 1
check nf-drop 9 nft_do_chain sent 1
check forward 7 ip_forward sent 1
check tun 11 tun_get_user written 1

# the drops under function_graph are placed at their real caller, not the tracer's trampoline
assert_eq 8 "$(sql "$T/syn-closed-port/nettrail.db" "select count(*) from skb_lifecycles where drop_reason = 'NO_SOCKET' and location = 'tcp_v4_rcv'")" "NO_SOCKET drops placed at tcp_v4_rcv"
assert_eq 0 "$(sql "$T/nf-drop/nettrail.db" "select count(*) from skb_lifecycles where location like 'return_to_handler%'")" "no drop left at return_to_handler"

host_state > "$T/host.after"
diff -u "$T/host.before" "$T/host.after" || fail "the host changed"
echo "lab_vm: ok"
