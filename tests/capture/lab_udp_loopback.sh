#!/bin/bash
# nettrail lab udp-loopback: N datagrams of 1234 bytes on lo in a namespace of its own.
. "$NT_SRC/tests/capture/lab_lib.sh"
N=25
lab_run udp-loopback $N
lab_flows udp-loopback
assert_eq $N "$(sql "$DB" "select count(*) from \"net:net_dev_xmit\" where name='lo' and len=1234+42 and common_pid=$TPID")" "net_dev_xmit of the datagrams"
assert_eq $N "$(sql "$DB" "select count(*) from \"net:netif_receive_skb\" where name='lo' and len=1234+28")" "netif_receive_skb of the datagrams"
assert_eq $N "$(sql "$DB" "select count(*) from skb_lifecycles where len=1276 and tx_comm='nettrail'")" "lifecycles with the sender's comm"
grep -q 'net:net_dev_start_xmit' "$T/udp-loopback/lab-sheet.txt" || fail "no sample path in the sheet"
echo "lab_udp_loopback: ok"
