#!/bin/bash
# VM: every lab scenario run with --vm (world and recording in the lab VM on Debian's stock
# kernel, whose function_graph this machine lacks; analysis here). Each sheet's claims hold,
# function_graph claims included; each scenario's traced function is also counted in
# trace-cmd report's text of the same trace.dat against the traffic's own count; the guest's
# tracefs is left as it was; nothing changes on the host. The packets' IP headers are recorded
# too (record --headers' kprobes): the UDP scenarios' flow claims hold, and trace-cmd report's
# nettrail_hdr lines with the scenario's ports number what the traffic sent.
. "$NT_SRC/tests/lib/common.sh"
. "$NT_SRC/tests/vm/vm_lib.sh"
need_vm
need sqlite3
need trace-cmd

host_state() { ip netns list; ip -o link | sed 's/^[0-9]*: //'; }
host_state > "$T/host.before"

# a port as trace-cmd prints the kprobes' two header bytes (network order)
be() { echo "{$(($1 >> 8)),$(($1 & 255))}"; }

# hdr_lines DIR EVENT=KEY[+KEY...]: trace-cmd report's nettrail_hdr EVENT lines of UDP with
# the scenario's ports (sport, dport of its traffic.txt) = the sum of those traffic.txt counts
hdr_lines() {
	local d=$1 ev=${2%%=*} keys=${2#*=} want=0 k sport dport
	sport=$(sed -n 's/^sport=//p' "$d/traffic.txt")
	dport=$(sed -n 's/^dport=//p' "$d/traffic.txt")
	[ -n "$sport" ] && [ -n "$dport" ] || fail "$d: traffic.txt has no ports"
	for k in ${keys//+/ }; do want=$((want + $(sed -n "s/^$k=//p" "$d/traffic.txt"))); done
	assert_eq "$want" "$(grep -F " $ev: " "$d.report" | grep -F ' proto=17 ' |
		grep -cF "sport=$(be "$sport") dport=$(be "$dport") ")" \
		"$(basename "$d"): nettrail_hdr:$ev lines of $sport > $dport in trace-cmd report ($keys)"
}

# scenario count function traffic-key factor [EVENT=KEY+...]: the function's calls = factor x
# the traffic's own number (its traffic.txt), counted in trace-cmd's text (independent of
# nettrail's import); with EVENT=KEYS (UDP scenarios) the header kprobes' lines too (hdr_lines)
# and the sheet's three flow claims hold
check() {
	local name=$1 n=$2 fn=$3 key=$4 factor=$5 d="$T/$1" rc want got spec
	"$NETTRAIL" lab "$name" --vm -c "$n" -o "$d" --vm-keep "$T/work-$name" \
		> "$T/$name.out" 2> "$T/$name.err"
	rc=$?
	cat "$T/$name.out"
	assert_eq 0 "$rc" "lab $name --vm exit code ($(tail -3 "$T/$name.err" | tr '\n' ' '))"
	grep -q '^Recorded with function_graph on:' "$d/lab-sheet.txt" ||
		fail "$name: the sheet does not say function_graph was on"
	grep -q "^Recorded with the packets' IP headers too" "$d/lab-sheet.txt" ||
		fail "$name: the sheet does not say the headers were recorded"
	grep -q '^  FAIL' "$d/lab-sheet.txt" && fail "$name: a claim does not hold"
	assert_match "^Result: ([0-9]+) of \\1 claims hold" "$(grep '^Result:' "$d/lab-sheet.txt")" "$name: every claim holds"
	[ "$(grep -c '^  PASS  [0-9]* calls of ' "$d/lab-sheet.txt")" -ge 1 ] ||
		fail "$name: no function_graph claim on the sheet"
	want=$(( factor * $(sed -n "s/^$key=//p" "$d/traffic.txt") ))
	trace-cmd report "$d/trace.dat" 2> /dev/null > "$T/$name.report"
	got=$(grep -cE "funcgraph_entry: .*\| +$fn\(\)( \{|;)\$" "$T/$name.report")
	assert_eq "$want" "$got" "$name: $fn calls in trace-cmd report ($factor x $key)"
	# the header kprobes run from ftrace inside the graphed functions: their handler is left
	# out (set_graph_notrace), not recorded as the traced code's calls
	grep -q 'kprobe_ftrace_handler()' "$T/$name.report" &&
		fail "$name: function_graph recorded the kprobes' handler"
	shift 5
	for spec in "$@"; do hdr_lines "$d" "$spec"; done
	[ $# -eq 0 ] || ! grep '^  N/A' "$d/lab-sheet.txt" || fail "$name: a claim is N/A in the VM"
	[ $# -eq 0 ] ||
		assert_eq 3 "$(grep -cE '^  PASS  .* flow [0-9.]+:[0-9]+ > [0-9.]+:[0-9]+ \(UDP\)|^  PASS  0 .* with another flow' "$d/lab-sheet.txt")" "$name: its three flow claims hold"
	assert_eq "$n" "$(sed -n 's/^count=//p' "$d/traffic.txt")" "$name: the traffic's count"
	vm_tracefs_same "$T/work-$name"
	rm -rf "$T/work-$name/out" "$T/$name.report"
}

check udp-loopback 12 udp_sendmsg sent 1 ip_output=sent ip_rcv=sent
check syn-closed-port 8 tcp_v4_send_reset connects 1
check tcp-stream 10 tcp_sendmsg writes 1
check rcvbuf 30 ping_rcv sent 1
check nf-drop 9 nft_do_chain sent 1 ip_output=sent ip_rcv=sent
# forward: the client's sends (on, off), the router's forwards; the router's receives (on,
# off), the server's
check forward 7 ip_forward sent 1 ip_output=sent+sent_off+received ip_rcv=sent+sent_off+received
check tun 11 tun_get_user written 1 ip_rcv=written ip_output=

# the drops under function_graph are placed at their real caller, not the tracer's trampoline
assert_eq 8 "$(sql "$T/syn-closed-port/nettrail.db" "select count(*) from skb_lifecycles where drop_reason = 'NO_SOCKET' and location = 'tcp_v4_rcv'")" "NO_SOCKET drops placed at tcp_v4_rcv"
assert_eq 0 "$(sql "$T/nf-drop/nettrail.db" "select count(*) from skb_lifecycles where location like 'return_to_handler%'")" "no drop left at return_to_handler"

host_state > "$T/host.after"
diff -u "$T/host.before" "$T/host.after" || fail "the host changed"
echo "lab_vm: ok"
