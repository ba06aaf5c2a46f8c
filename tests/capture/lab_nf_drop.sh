#!/bin/bash
# nettrail lab nf-drop: an nftables input rule in the namespace drops N datagrams.
. "$NT_SRC/tests/capture/lab_lib.sh"
N=20
lab_run nf-drop $N
lab_flows nf-drop
assert_eq $N "$(sql "$DB" "select count(*) from \"skb:kfree_skb\" where reason_sym='NETFILTER_DROP'")" "NETFILTER_DROP drops"
echo "lab_nf_drop: ok"
