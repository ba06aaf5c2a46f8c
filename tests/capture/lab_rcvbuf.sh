#!/bin/bash
# nettrail lab rcvbuf: a ping socket with the smallest SO_RCVBUF that does not read its replies.
. "$NT_SRC/tests/capture/lab_lib.sh"
N=60
lab_run rcvbuf $N
q=$(sed -n 's/^queued=//p' "$T/rcvbuf/traffic.txt")
[ "$q" -ge 1 ] && [ "$q" -lt $N ] || fail "queued=$q: expected some replies to fit and some not"
assert_eq $((N - q)) "$(sql "$DB" "select count(*) from \"sock:sock_rcvqueue_full\"")" "sock_rcvqueue_full = sent - queued"
assert_eq $((N - q)) "$(sql "$DB" "select count(*) from \"skb:kfree_skb\" where reason_sym='SOCKET_RCVBUFF'")" "SOCKET_RCVBUFF drops = sent - queued"
echo "lab_rcvbuf: ok"
