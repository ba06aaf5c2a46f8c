#!/bin/bash
# nettrail lab forward: client -> router -> server over veth pairs; then forwarding off.
. "$NT_SRC/tests/capture/lab_lib.sh"
N=20
lab_run forward $N
lab_flows forward
assert_eq $N "$(sql "$DB" "select count(*) from \"net:net_dev_xmit\" where name='l${TAG}q' and len=555+42")" "forwarded on the router's server side"
assert_eq $N "$(sql "$DB" "select count(*) from \"net:netif_receive_skb\" where name='l${TAG}s' and len=555+28")" "received by the server"
assert_eq 0 "$(sql "$DB" "select count(*) from \"net:netif_receive_skb\" where name='l${TAG}s' and len=556+28")" "nothing forwarded with forwarding off"
assert_eq $N "$(sql "$DB" "select count(*) from \"net:netif_receive_skb\" where name='l${TAG}r' and len=556+28")" "the router still received them"
echo "lab_forward: ok"
