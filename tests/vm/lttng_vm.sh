#!/bin/bash
# VM: nettrail record --backend lttng for real, in the lab VM booted on the kernel that
# vm/lttng-modules.sh built lttng-modules 2.13.9 for (Debian's 6.1.0-47; setup.sh builds it),
# around N UDP datagrams over loopback, M connects to a closed port and K IPv6 datagrams. On the
# host: the CTF directory imports; every event count equals babeltrace2's count of the same
# directory; N skb lifecycles of the datagrams end consumed; the M SYNs are dropped with reason
# NO_SOCKET (one of the few reasons LTTng 2.13's enum names); the IRQ/softirq analysis has its
# rows. Flows, from the headers LTTng's net events record: the N datagrams are one flow
# 127.0.0.1 -> 127.0.0.1:PORT, the K IPv6 ones ::1 -> ::1:PORT6, the SYNs go to the closed port
# and its RST|ACKs come back from it (ports as nt-traffic prints them; babeltrace2's text of
# net_dev_queue shows the same headers).
. "$NT_SRC/tests/lib/common.sh"
. "$NT_SRC/tests/vm/vm_lib.sh"
need_vm
need sqlite3
need babeltrace2
root=${XDG_CACHE_HOME:-$HOME/.cache}/nettrail/lttng-vm
if ! ls "$root"/*/stamp > /dev/null 2>&1; then
	# setup.sh builds it; in CI its absence is a failure, elsewhere a skip
	[ -n "${CI:-}" ] && fail "no LTTng build for the lab VM in $root (vm/lttng-modules.sh)"
	skip "no LTTng build for the lab VM in $root: run vm/lttng-modules.sh (6-9 minutes)"
fi

N=20
M=5
K=6
SIZE=1234
"$NETTRAIL" vm record --backend lttng --dat "$T/ctf" -o "$T/l.db" --keep "$T/work" \
	--timeout 300 -- udp $N $SIZE tcp-closed $M udp6 $K 2> "$T/vm.err"
rc=$?
cat "$T/vm.err"
assert_eq 0 "$rc" "vm record --backend lttng exit code"
assert_eq "udp sent=$N received=$N" "$(grep -o 'udp sent=[0-9]* received=[0-9]*' "$T/work/out/traffic.out")" "the datagrams (the traffic's own count)"
assert_eq "tcp-closed connects=$M refused=$M" "$(grep -o 'tcp-closed connects=[0-9]* refused=[0-9]*' "$T/work/out/traffic.out")" "the refused connects"
# the collector stops the lttng-sessiond it started (none ran before it in the guest)
[ -s "$T/work/out/ps.after" ] || fail "no process list from the guest"
grep -qE 'lttng-(sessiond|consumerd)' "$T/work/out/ps.after" && fail "an LTTng daemon outlived the capture: $(grep lttng "$T/work/out/ps.after")"
echo "ok: no lttng-sessiond or consumerd left in the guest"
[ -s "$T/ctf/kernel/metadata" ] || fail "no CTF metadata in $T/ctf/kernel"
grep -q 'kernel_release = "6.1.0-47-amd64"' <(babeltrace2 --output-format=ctf-metadata "$T/ctf/kernel" 2>/dev/null) ||
	echo "note: kernel release not found in the metadata's env"

# per-event counts: babeltrace2's text against the database's, by LTTng's own names
babeltrace2 "$T/ctf" 2> "$T/bt.err" | awk '{for (i = 1; i <= NF; i++) if ($i ~ /:$/ && $(i+1) ~ /^\{/) { sub(/:$/, "", $i); print $i; break } }' |
	sort | uniq -c | awk '{print $1, $2}' | sort -k2 > "$T/bt.counts"
[ "${PIPESTATUS[0]}" = 0 ] || fail "babeltrace2 cannot read the trace: $(tail -3 "$T/bt.err")"
sql "$T/l.db" "SELECT events, orig_name FROM event_counts WHERE trace_id = 1" | awk -F'|' '{print $1, $2}' | sort -k2 > "$T/db.counts"
diff -u "$T/bt.counts" "$T/db.counts" || fail "per-event counts differ from babeltrace2's"
echo "ok: $(awk '{s += $1} END {print s}' "$T/bt.counts") events in $(wc -l < "$T/bt.counts") classes, as babeltrace2 counts them"
for e in net_dev_queue net_if_receive_skb skb_consume skb_kfree irq_softirq_entry; do
	grep -q " $e\$" "$T/bt.counts" || fail "no $e event in the trace"
done

wire=$((SIZE + 8 + 20 + 14))
assert_eq $N "$(sql "$T/l.db" "select count(*) from skb_lifecycles where device = 'lo' and len = $wire and outcome = 'consumed'")" "datagram lifecycles consumed"
assert_eq $N "$(sql "$T/l.db" "select count(*) from \"net:net_dev_queue\" where name = 'lo' and len = $wire")" "net_dev_queue of the datagrams"
assert_eq $M "$(sql "$T/l.db" "select count(*) from skb_lifecycles where outcome = 'dropped' and drop_reason = 'NO_SOCKET'")" "NO_SOCKET drops (the SYNs)"
[ "$(sql "$T/l.db" "select count(*) from softirq_intervals")" -gt 0 ] || fail "no softirq intervals"
[ "$(sql "$T/l.db" "select count(*) from irq_stats")" -gt 0 ] || fail "no irq/softirq statistics"
assert_eq 0 "$(sql "$T/l.db" "select coalesce(sum(lost_events), 0) from trace_cpus")" "lost events"

# flows: the ports nt-traffic printed; babeltrace2's text of the headers LTTng recorded
out="$T/work/out/traffic.out"
assert_eq "udp6 sent=$K received=$K" "$(grep -o 'udp6 sent=[0-9]* received=[0-9]*' "$out")" "the IPv6 datagrams"
port=$(sed -n 's/^udp sent=.* port=\([0-9]*\)$/\1/p' "$out")
port6=$(sed -n 's/^udp6 sent=.* port=\([0-9]*\)$/\1/p' "$out")
closed=$(sed -n 's/^tcp-closed .* port=\([0-9]*\)$/\1/p' "$out")
[ -n "$port" ] && [ -n "$closed" ] && [ -n "$port6" ] || fail "nt-traffic printed no ports"
babeltrace2 "$T/ctf" 2> /dev/null | grep -F ' net_dev_queue: ' > "$T/bt.queue"
lo4='saddr = [ [0] = 127, [1] = 0, [2] = 0, [3] = 1 ], daddr_padding = { }, daddr = [ [0] = 127, [1] = 0, [2] = 0, [3] = 1 ]'
assert_eq $N "$(grep -F "$lo4" "$T/bt.queue" | grep -F '"_udp" : container = 2' | grep -cF " dest_port = $port, ")" "babeltrace2: net_dev_queue of UDP 127.0.0.1 -> 127.0.0.1:$port"
assert_eq $K "$(grep -F '"_ipv6" : container = 2' "$T/bt.queue" | grep -F '"_udp" : container = 2' | grep -cF " dest_port = $port6, ")" "babeltrace2: net_dev_queue of IPv6 UDP to $port6"
assert_eq "$N|2|17|127.0.0.1|127.0.0.1|1|net:net_dev_queue" "$(sql "$T/l.db" "select count(*), family, ip_proto, saddr, daddr, count(distinct sport), group_concat(distinct flow_from) from skb_lifecycles where dport = $port group by 2, 3, 4, 5")" "$N UDP lifecycles 127.0.0.1 -> 127.0.0.1:$port, one source port"
assert_eq $N "$(sql "$T/l.db" "select count(*) from skb_lifecycles where device = 'lo' and len = $wire and outcome = 'consumed' and ip_proto = 17 and dport = $port")" "every datagram lifecycle has its flow"
assert_eq "$K|10|17|::1|::1|1" "$(sql "$T/l.db" "select count(*), family, ip_proto, saddr, daddr, count(distinct sport) from skb_lifecycles where dport = $port6 group by 2, 3, 4, 5")" "$K IPv6 UDP lifecycles ::1 -> ::1:$port6, one source port"
assert_eq "$M|SYN|127.0.0.1|127.0.0.1" "$(sql "$T/l.db" "select count(*), group_concat(distinct tcp_flags), group_concat(distinct saddr), group_concat(distinct daddr) from skb_lifecycles where ip_proto = 6 and dport = $closed and outcome = 'dropped' and drop_reason = 'NO_SOCKET'")" "the $M dropped SYNs go to $closed"
assert_eq "$M|RST|ACK" "$(sql "$T/l.db" "select count(*), group_concat(distinct tcp_flags) from skb_lifecycles where ip_proto = 6 and sport = $closed")" "$M RST|ACKs from $closed"
assert_eq 0 "$(sql "$T/l.db" "select value from analysis_notes where analysis = 'skb' and key = 'flow_conflicts'")" "no conflicting flows"
echo "lttng_vm: ok"
