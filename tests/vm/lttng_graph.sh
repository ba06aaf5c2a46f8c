#!/bin/bash
# VM: nettrail record --backend lttng --graph for real, in the lab VM booted on the kernel that
# vm/lttng-modules.sh built lttng-modules 2.13.9 for: one LTTng kretprobe per function (events
# FUNC_entry and FUNC_exit, payload { ip, parent_ip }), around N UDP datagrams over loopback
# and M connects to a closed port. What the traffic implies (as in graph_counts.sh):
#   udp_sendmsg        N      one sendto() per datagram
#   tcp_v4_send_reset  M      each SYN to a port without a listener is answered by a reset
# On the host: babeltrace2's text of the CTF directory has N and M entries and exits; the
# import pairs them into N and M funcgraph:call rows (func_stats), all closed, none made up.
# Then a function kprobes refuse: exit code 3.
. "$NT_SRC/tests/lib/common.sh"
. "$NT_SRC/tests/vm/vm_lib.sh"
need_vm
need sqlite3
need babeltrace2
root=${XDG_CACHE_HOME:-$HOME/.cache}/nettrail/lttng-vm
if ! ls "$root"/*/stamp > /dev/null 2>&1; then
	[ -n "${CI:-}" ] && fail "no LTTng build for the lab VM in $root (vm/lttng-modules.sh)"
	skip "no LTTng build for the lab VM in $root: run vm/lttng-modules.sh (6-9 minutes)"
fi

N=20
M=5
"$NETTRAIL" vm record --backend lttng --graph udp_sendmsg,tcp_v4_send_reset --dat "$T/ctf" \
	-o "$T/g.db" --keep "$T/work" --timeout 300 -- udp $N tcp-closed $M 2> "$T/vm.err"
rc=$?
cat "$T/vm.err"
assert_eq 0 "$rc" "vm record --backend lttng --graph exit code"
assert_eq "udp sent=$N received=$N" "$(grep -o 'udp sent=[0-9]* received=[0-9]*' "$T/work/out/traffic.out")" "the datagrams (the traffic's own count)"
assert_eq "tcp-closed connects=$M refused=$M" "$(grep -o 'tcp-closed connects=[0-9]* refused=[0-9]*' "$T/work/out/traffic.out")" "the refused connects"
grep -qE 'lttng-(sessiond|consumerd)' "$T/work/out/ps.after" && fail "an LTTng daemon outlived the capture"

# babeltrace2's view: only the kretprobe events (no -e: no tracepoint), N/M of each
babeltrace2 "$T/ctf" > "$T/bt.txt" 2> "$T/bt.err" || fail "babeltrace2 cannot read the trace: $(tail -3 "$T/bt.err")"
bt_count() { grep -c " $1: " "$T/bt.txt"; }
for f in udp_sendmsg:$N tcp_v4_send_reset:$M; do
	fn=${f%:*} want=${f#*:}
	assert_eq "$want" "$(bt_count "${fn}_entry")" "babeltrace2: ${fn}_entry events"
	assert_eq "$want" "$(bt_count "${fn}_exit")" "babeltrace2: ${fn}_exit events"
	grep -m1 " ${fn}_entry: " "$T/bt.txt" | grep -qE '\{ ip = 0x[0-9A-F]+, parent_ip = 0x[0-9A-F]+ \}$' ||
		fail "${fn}_entry's payload is not { ip, parent_ip }: $(grep -m1 " ${fn}_entry: " "$T/bt.txt")"
	# the database: the events as their own classes, and the calls
	assert_eq "$want" "$(sql "$T/g.db" "select events from event_counts where name = 'kretprobe:${fn}_entry'")" "database: kretprobe:${fn}_entry"
	assert_eq "$want" "$(sql "$T/g.db" "select events from event_counts where name = 'kretprobe:${fn}_exit'")" "database: kretprobe:${fn}_exit"
	assert_eq "$want|0" "$(sql "$T/g.db" "select calls, unfinished from func_stats where function = '$fn'")" "func_stats: calls of $fn, none unfinished"
	assert_eq "$want" "$(sql "$T/g.db" "select count(*) from \"funcgraph:call\" where function = '$fn' and entry_seen = 1 and duration_ns >= 0 and common_pid > 0")" "$fn: closed calls with their entry, by a task"
done
assert_eq "$((2 * (N + M)))" "$(grep -c . "$T/bt.txt")" "babeltrace2: nothing but the kretprobe events"

# a function in kallsyms that kprobes refuse (on the blacklist): liblttng-ctl's "Enable kernel
# event failed" becomes exit code 3 naming the function; nothing of LTTng's is left
"$NETTRAIL" vm record --backend lttng --graph udp_sendmsg,kprobe_int3_handler --dat "$T/ctf2" \
	--keep "$T/work2" --timeout 300 -- udp 1 2> "$T/vm2.err"
rc=$?
assert_eq 3 "$rc" "a blacklisted function: exit code"
assert_match "cannot place a kretprobe on 'kprobe_int3_handler': Enable kernel event failed" "$(cat "$T/work2/out/record.err")" "a blacklisted function: message"
grep -qE 'lttng-(sessiond|consumerd)' "$T/work2/out/ps.after" && fail "a blacklisted function: an LTTng daemon outlived the failure"
echo "lttng_graph: ok"
