#!/bin/bash
# nettrail lab tun: N UDP packets written to a tun device, received through the stack.
. "$NT_SRC/tests/capture/lab_lib.sh"
[ -c /dev/net/tun ] || skip "needs /dev/net/tun"
N=20
lab_run tun $N
lab_flows tun
assert_eq $N "$(sql "$DB" "select count(*) from \"net:netif_receive_skb\" where name='l${TAG}t' and len=321+28")" "netif_receive_skb on the tun device"
echo "lab_tun: ok"
