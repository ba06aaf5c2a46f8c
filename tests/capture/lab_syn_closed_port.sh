#!/bin/bash
# nettrail lab syn-closed-port: N connects to a closed port -> N resets, N NO_SOCKET drops.
. "$NT_SRC/tests/capture/lab_lib.sh"
N=30
lab_run syn-closed-port $N
assert_eq $N "$(sql "$DB" "select count(*) from \"tcp:tcp_send_reset\"")" "tcp_send_reset events"
assert_eq $N "$(sql "$DB" "select count(*) from \"skb:kfree_skb\" where reason_sym='NO_SOCKET' and location_sym like 'tcp_v4_rcv%'")" "NO_SOCKET drops at tcp_v4_rcv"
echo "lab_syn_closed_port: ok"
