#!/bin/bash
# VM: --graph-depth and --notrace do what they say, a tracepoint (-e) records beside the graph,
# and the global max_graph_depth is put back.
# udp_sendmsg of an unconnected socket looks its route up on every datagram
# (ip_route_output_flow, one level down): with that function under --notrace it and what it
# calls are gone, and --graph-depth 2 keeps only udp_sendmsg and its direct callees. Each
# datagram leaves through lo once: N net_dev_xmit events.
. "$NT_SRC/tests/lib/common.sh"
. "$NT_SRC/tests/vm/vm_lib.sh"
need_vm
need sqlite3

N=10
"$NETTRAIL" vm record --graph udp_sendmsg --notrace ip_route_output_flow --graph-depth 2 -e net:net_dev_xmit \
	--keep "$T/work" --dat "$T/o.dat" -o "$T/o.db" --timeout 240 -- udp $N 2> "$T/vm.err"
rc=$?
cat "$T/vm.err"
assert_eq 0 "$rc" "vm record exit code"
assert_eq "udp sent=$N received=$N" "$(grep -o 'udp sent=[0-9]* received=[0-9]*' "$T/work/out/traffic.out")" "the datagrams"
grep -q '^max_graph_depth: 0 ' "$T/work/out/tracefs.before" || fail "the guest did not start with max_graph_depth 0"
vm_tracefs_same "$T/work"

assert_eq $N "$(sql "$T/o.db" "select count(*) from \"funcgraph:call\" where function = 'udp_sendmsg' and depth = 0")" "udp_sendmsg calls at depth 0"
assert_eq 1 "$(sql "$T/o.db" "select max(depth) from \"funcgraph:call\"")" "deepest call with --graph-depth 2"
[ "$(sql "$T/o.db" "select count(*) from \"funcgraph:call\" where depth = 1")" -gt 0 ] || fail "no callees of udp_sendmsg at all"
echo "ok: udp_sendmsg's direct callees are there"
assert_eq 0 "$(sql "$T/o.db" "select count(*) from \"funcgraph:call\" where function = 'ip_route_output_flow'")" "ip_route_output_flow calls under --notrace"
assert_eq $N "$(sql "$T/o.db" "select count(*) from \"net:net_dev_xmit\" where name = 'lo'")" "net_dev_xmit events beside the graph"
echo "graph_options: ok"
