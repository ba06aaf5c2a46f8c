#!/bin/bash
# nettrail lab tcp-stream: handshake, N writes of 1000 bytes, teardown.
. "$NT_SRC/tests/capture/lab_lib.sh"
N=40
lab_run tcp-stream $N
assert_eq $((N * 1000)) "$(sql "$DB" "select sum(len) from \"skb:skb_copy_datagram_iovec\" where common_pid=$TPID")" "bytes copied to the reader"
assert_eq "TCP_SYN_SENT TCP_ESTABLISHED TCP_FIN_WAIT1 TCP_FIN_WAIT2 TCP_CLOSE" "$(sql "$DB" "select newstate_sym from \"sock:inet_sock_set_state\" where dport=4322 and sport!=0 or sport=0 and dport=4322 order by rowid" | tr '\n' ' ' | sed 's/ $//')" "the client's states"
echo "lab_tcp_stream: ok"
