#!/bin/bash
# Flows live on this host, with the ftrace and the perf backend: `nt-traffic tcp-closed M`
# connects M times to a closed port it names. Every NO_SOCKET drop must carry 127.0.0.1 ->
# 127.0.0.1:PORT over TCP, one flow per connect, M drops to that port in all (the traffic's
# own count), and as many tcp_send_reset events naming that port as trace-cmd report /
# perf script show (independent decoders). report --flow 'dst port PORT' shows those M drops.
# `nt-traffic udp-closed M` sends M datagrams from one port to a closed port, each answered by
# an ICMP port unreachable it reads from its error queue: the default preset's icmp_send
# gives every NO_SOCKET drop of UDP the flow 127.0.0.1:SPORT -> 127.0.0.1:PORT, M in all,
# as many as the decoders print for that pair.
. "$NT_SRC/tests/lib/common.sh"
need_tracefs
need sqlite3
need trace-cmd
M=20
for backend in ftrace perf; do
	[ $backend = perf ] && ! command -v perf > /dev/null && { echo "skip: perf"; continue; }
	out="$T/$backend.trace"
	"$NETTRAIL" record -q --backend $backend -o "$out" -- "$NT_TRAFFIC" tcp-closed $M > "$T/$backend.out" ||
		fail "$backend: record (exit $?)"
	port=$(sed -n 's/.*refused=\([0-9]*\) port=\([0-9]*\).*/\2/p' "$T/$backend.out")
	assert_eq "$M" "$(sed -n 's/.*refused=\([0-9]*\) port=.*/\1/p' "$T/$backend.out")" "$backend: the workload's refused connects"
	"$NETTRAIL" import -q "$out" -o "$T/$backend.db" || fail "$backend: import"
	assert_eq 0 "$(sql "$T/$backend.db" 'select lost_events from traces')" "$backend: no events lost (else rerun)"
	db=$T/$backend.db
	assert_eq "$M" "$(sql "$db" "select count(*) from skb_lifecycles where drop_reason = 'NO_SOCKET'")" "$backend: NO_SOCKET drops"
	assert_eq "$M|2|6|127.0.0.1|127.0.0.1|$port" "$(sql "$db" "select count(*), family, ip_proto, saddr, daddr, dport from skb_lifecycles where drop_reason = 'NO_SOCKET' group by 2, 3, 4, 5, 6")" "$backend: every NO_SOCKET drop is 127.0.0.1 -> 127.0.0.1:$port over TCP"
	assert_eq "$M" "$(sql "$db" "select count(distinct sport) from skb_lifecycles where drop_reason = 'NO_SOCKET'")" "$backend: one flow (source port) per connect"
	# the independent decoders: resets naming the closed port as their source
	if [ $backend = ftrace ]; then
		n=$(trace-cmd report "$out" 2> /dev/null | grep 'tcp_send_reset:' | grep -c "src=127.0.0.1:$port ")
	else
		n=$(perf script -i "$out" 2> /dev/null | grep 'tcp_send_reset:' | grep -c "src=127.0.0.1:$port ")
	fi
	assert_eq "$M" "$n" "$backend: tcp_send_reset events from 127.0.0.1:$port as the decoder prints them"
	got=$("$NETTRAIL" report -j "$db" --flow "dst port $port and host 127.0.0.1" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["skb"]["dropped"], sum(f["dropped"] for f in d["flows"]), len(d["flows"]))')
	assert_eq "$M $M $M" "$got" "$backend: report --flow: the drops, per flow, $M flows"
	"$NETTRAIL" report "$db" --flow "dst port $((port == 65535 ? 1 : port + 1)) and tcp and src port $port" > /dev/null 2>&1
	assert_eq 2 "$?" "$backend: a flow matching nothing exits 2"

	[ -e /sys/kernel/tracing/events/icmp/icmp_send ] || { echo "skip: udp-closed (no icmp:icmp_send)"; continue; }
	"$NETTRAIL" record -q --backend $backend -o "$out.udp" -- "$NT_TRAFFIC" udp-closed $M > "$T/$backend.udp.out" ||
		fail "$backend: record udp-closed (exit $?)"
	read -r sport port < <(sed -n 's/.*refused=\([0-9]*\) sport=\([0-9]*\) port=\([0-9]*\).*/\2 \3/p' "$T/$backend.udp.out")
	assert_match "sent=$M refused=$M " "$(cat "$T/$backend.udp.out")" "$backend: the workload's datagrams, each refused"
	"$NETTRAIL" import -q "$out.udp" -o "$T/$backend.udp.db" || fail "$backend: import udp-closed"
	db=$T/$backend.udp.db
	assert_eq 0 "$(sql "$db" 'select lost_events from traces')" "$backend: no events lost (else rerun)"
	assert_eq "$M|2|17|127.0.0.1|$sport|127.0.0.1|$port" "$(sql "$db" "select count(*), family, ip_proto, saddr, sport, daddr, dport from skb_lifecycles where drop_reason = 'NO_SOCKET' group by 2, 3, 4, 5, 6, 7")" "$backend: every NO_SOCKET drop is 127.0.0.1:$sport -> 127.0.0.1:$port over UDP"
	if [ $backend = ftrace ]; then
		n=$(trace-cmd report "$out.udp" 2> /dev/null | grep -c "icmp_send: .*From 127.0.0.1:$sport to 127.0.0.1:$port ")
	else
		n=$(perf script -i "$out.udp" 2> /dev/null | grep -c "icmp_send: .*From 127.0.0.1:$sport to 127.0.0.1:$port ")
	fi
	assert_eq "$M" "$n" "$backend: icmp_send events for 127.0.0.1:$sport -> $port as the decoder prints them"
done
echo "skb_flows: ok"
