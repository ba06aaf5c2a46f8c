#!/bin/bash
# VM: record --headers on Debian's stock kernel under QEMU (kprobes placed with its BTF) around
# `nt-traffic udp N`, `tcp-closed M` and `udp6 K`, whose ports nt-traffic prints. UDP has no tracepoint
# with addresses: only the header kprobes give its datagrams a flow. Known truth:
#   every datagram is one lifecycle, 127.0.0.1 -> 127.0.0.1:PORT over UDP (17): N of them;
#   every connect is a SYN to 127.0.0.1:CLOSED answered by a RST|ACK from it: M of each;
#   every IPv6 datagram is one lifecycle, ::1 -> ::1:PORT6 over UDP: K of them;
# cross-checked against trace-cmd report of the same trace.dat (an independent decoder of the
# kprobes' header bytes: dport={HI,LO}). The guest's tracefs, kprobe_events included, is
# left as it was.
. "$NT_SRC/tests/lib/common.sh"
. "$NT_SRC/tests/vm/vm_lib.sh"
need_vm
need sqlite3
need trace-cmd

N=20
M=4
K=6
"$NETTRAIL" vm record --headers --keep "$T/work" --dat "$T/h.dat" -o "$T/h.db" --timeout 240 \
	-- udp $N tcp-closed $M udp6 $K 2> "$T/vm.err"
rc=$?
cat "$T/vm.err"
assert_eq 0 "$rc" "vm record --headers exit code"

# the workload's own counts and ports
out=$T/work/out/traffic.out
assert_eq "udp sent=$N received=$N" "$(grep -o 'udp sent=[0-9]* received=[0-9]*' "$out")" "the datagrams"
assert_eq "tcp-closed connects=$M refused=$M" "$(grep -o 'tcp-closed connects=[0-9]* refused=[0-9]*' "$out")" "the refused connects"
assert_eq "udp6 sent=$K received=$K" "$(grep -o 'udp6 sent=[0-9]* received=[0-9]*' "$out")" "the IPv6 datagrams"
port=$(sed -n 's/^udp sent=.* port=\([0-9]*\)$/\1/p' "$out")
port6=$(sed -n 's/^udp6 sent=.* port=\([0-9]*\)$/\1/p' "$out")
closed=$(sed -n 's/^tcp-closed .* port=\([0-9]*\)$/\1/p' "$out")
[ -n "$port" ] && [ -n "$closed" ] && [ -n "$port6" ] || fail "nt-traffic printed no ports"
vm_tracefs_same "$T/work"
assert_eq "kprobe_events: " "$(grep '^kprobe_events:' "$T/work/out/tracefs.after")" "no kprobe event left in the guest"

# trace-cmd's text of the kprobes: ports as the header's two bytes, network order
be() { echo "{$(($1 >> 8)),$(($1 & 255))}"; }
trace-cmd report "$T/h.dat" > "$T/report.txt" 2> /dev/null || fail "trace-cmd report failed"
for ev in ip_output ip_rcv; do
	assert_eq "$N" "$(grep -F " $ev: " "$T/report.txt" | grep -F 'proto=17 saddr={127,0,0,1} daddr={127,0,0,1}' | grep -cF "dport=$(be "$port") ")" "$ev: datagrams to $port in trace-cmd report"
	assert_eq "$M" "$(grep -F " $ev: " "$T/report.txt" | grep -F 'proto=6 ' | grep -F "dport=$(be "$closed") " | grep -c 'tcpflags=2$')" "$ev: SYNs to $closed in trace-cmd report"
	assert_eq "$M" "$(grep -F " $ev: " "$T/report.txt" | grep -F 'proto=6 ' | grep -F "sport=$(be "$closed") " | grep -c 'tcpflags=20$')" "$ev: RST|ACKs from $closed in trace-cmd report"
done
lo6='{0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1}'
for ev in ip6_output ipv6_rcv; do
	assert_eq "$K" "$(grep -F " $ev: " "$T/report.txt" | grep -F "proto=17 saddr=$lo6 daddr=$lo6" | grep -cF "dport=$(be "$port6") ")" "$ev: IPv6 datagrams to $port6 in trace-cmd report"
done

# the import: every datagram's lifecycle carries its flow, from the kprobes
db=$T/h.db
assert_eq 0 "$(sql "$db" 'select lost_events from traces')" "no events lost (else rerun)"
assert_eq "$N|2|17|127.0.0.1|127.0.0.1|1" "$(sql "$db" "select count(*), family, ip_proto, saddr, daddr, count(distinct sport) from skb_lifecycles where dport = $port group by 2, 3, 4, 5")" "$N UDP lifecycles 127.0.0.1 -> 127.0.0.1:$port, one source port"
assert_eq "$N" "$(sql "$db" "select count(*) from skb_lifecycles where dport = $port and flow_from like 'nettrail_hdr:%'")" "their flows come from the header kprobes"
assert_eq "$K|10|17|::1|::1|1" "$(sql "$db" "select count(*), family, ip_proto, saddr, daddr, count(distinct sport) from skb_lifecycles where dport = $port6 group by 2, 3, 4, 5")" "$K IPv6 UDP lifecycles ::1 -> ::1:$port6, one source port"
assert_eq "$M|SYN" "$(sql "$db" "select count(*), group_concat(distinct tcp_flags) from skb_lifecycles where ip_proto = 6 and dport = $closed")" "$M SYNs to $closed"
assert_eq "$M|RST|ACK" "$(sql "$db" "select count(*), group_concat(distinct tcp_flags) from skb_lifecycles where ip_proto = 6 and sport = $closed")" "$M RST|ACKs from $closed"
assert_eq 0 "$(sql "$db" "select value from analysis_notes where analysis = 'skb' and key = 'flow_conflicts'")" "no conflicting flows"
# every lifecycle a header kprobe saw has a flow (they are all TCP/UDP here)
assert_eq 0 "$(sql "$db" "select count(*) from skb_lifecycles l where family is null and exists (select 1 from skb_hops h where h.skb_id = l.skb_id and h.event like 'nettrail_hdr:%')")" "no lifecycle seen by a header kprobe without a flow"
echo "headers_flows: ok"
