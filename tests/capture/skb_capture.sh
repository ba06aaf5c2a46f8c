#!/bin/bash
# Live skb lifecycles on this kernel. Expected values come from the workload (nt-traffic's own
# counts and the packet arithmetic), from `trace-cmd report` text (the awk oracle of
# skb_lib.sh) and from the trace's own event formats, never from nettrail's output.
#  1. N UDP datagrams of 1234 bytes: N lifecycles on lo, 1276 bytes at xmit
#     (1234 + 8 UDP + 20 IP + 14 Ethernet), queue -> xmit -> receive, sent by nt-traffic,
#     none dropped, each ended as the oracle says.
#  2. M connects to a closed port: M SYNs dropped with reason NO_SOCKET, each with its
#     tcp_send_reset, and M resets.
#  3. W writes of SZ bytes on one TCP connection: W * SZ bytes copied to user from skbs
#     received on lo; every lifecycle as the oracle has it.
. "$NT_SRC/tests/lib/common.sh"
. "$NT_SRC/tests/fixture/skb_lib.sh"
need_tracefs
need trace-cmd
need sqlite3

N=200
M=50
LEN=$((1234 + 8 + 20 + 14))
EVENTS="-e skb -e net -e kmem -e sock -e napi -e irq -e tcp"

# ---- 1. UDP ----
"$NETTRAIL" record -q $EVENTS -o "$T/udp.dat" -- "$NT_TRAFFIC" udp $N 1234 > "$T/udp.out" ||
	fail "record udp (exit $?)"
assert_eq "udp sent=$N received=$N" "$(grep -o 'udp sent=[0-9]* received=[0-9]*' "$T/udp.out")" "the workload did its part"
"$NETTRAIL" import -q "$T/udp.dat" -o "$T/udp.db" || fail "import udp"
assert_eq 0 "$(sql "$T/udp.db" 'select lost_events from traces')" "no events lost (else rerun: the counts below assume a complete trace)"

skb_oracle_full "$T/udp.dat" | sort > "$T/udp.oracle"
awk -v l=$LEN '$2 == "lo" && $3 == l' "$T/udp.oracle" > "$T/udp.dgram"
assert_eq $N "$(wc -l < "$T/udp.dgram")" "oracle: datagram skbs in trace-cmd's text"
exp_consumed=$(awk '$6 == "consumed"' "$T/udp.dgram" | wc -l)
exp_recycled=$(awk '$6 == "recycled"' "$T/udp.dgram" | wc -l)
exp_copy=$(awk '$5 ~ /C/' "$T/udp.dgram" | wc -l)
exp_free=$(awk '$5 ~ /F/' "$T/udp.dgram" | wc -l)
echo "oracle: stages of the datagrams: $(awk '{print $5}' "$T/udp.dgram" | sort | uniq -c | tr '\n' ' ')"
echo "oracle: ends: $(awk '{print $6 "/" $7}' "$T/udp.dgram" | sort | uniq -c | tr '\n' ' ')"

q="select count(*) from skb_lifecycles where device='lo' and len=$LEN"
assert_eq $N "$(sql "$T/udp.db" "$q")" "lifecycles on lo of $LEN bytes"
assert_eq $N "$(sql "$T/udp.db" "$q and queue_ts <= xmit_ts and xmit_ts <= receive_ts")" "through queue, xmit and receive, in that order"
assert_eq $N "$(sql "$T/udp.db" "$q and tx_comm='nt-traffic'")" "sent by nt-traffic"
assert_eq 0 "$(sql "$T/udp.db" "$q and outcome='dropped'")" "none dropped"
assert_eq "$exp_consumed" "$(sql "$T/udp.db" "$q and outcome='consumed'")" "consumed"
# nt-traffic read every datagram (received=N): none is still in flight at the end; those
# whose address was not allocated again were freed without a tracepoint after the read
assert_eq $((N - exp_consumed)) "$exp_recycled" "oracle: read and not reused = recycled"
assert_eq "$exp_recycled" "$(sql "$T/udp.db" "$q and outcome='recycled' and end_by='read' and rx_comm='nt-traffic'")" "recycled after nt-traffic read them"
assert_eq 0 "$(sql "$T/udp.db" "$q and outcome='open'")" "open at the end of the trace"
assert_eq "$exp_copy" "$(sql "$T/udp.db" "$q and copy_ts is not null")" "copied to user (skb_copy_datagram_iovec)"
assert_eq "$exp_free" "$(sql "$T/udp.db" "$q and free_ts is not null")" "free seen"
skb_db_lives "$T/udp.db" 1 | sort > "$T/udp.db.txt"
diff -u "$T/udp.oracle" "$T/udp.db.txt" || fail "udp: lifecycles differ from the oracle"
echo "ok: udp: all $(wc -l < "$T/udp.db.txt") lifecycles of the trace equal the oracle's"
assert_eq 0 "$(sql "$T/udp.db" "select count(*) from skb_lifecycles where lossy")" "nothing lossy"

# ---- 2. TCP to a closed port ----
"$NETTRAIL" record -q $EVENTS -o "$T/rst.dat" -- "$NT_TRAFFIC" tcp-closed $M > "$T/rst.out" ||
	fail "record tcp-closed (exit $?)"
assert_eq "tcp-closed connects=$M refused=$M" "$(grep -o 'tcp-closed connects=[0-9]* refused=[0-9]*' "$T/rst.out")" "the workload did its part"
"$NETTRAIL" import -q "$T/rst.dat" -o "$T/rst.db" || fail "import tcp-closed"
assert_eq 0 "$(sql "$T/rst.db" 'select lost_events from traces')" "no events lost (else rerun)"
# the trace's own numbering of NO_SOCKET, from the kfree_skb format in the file
code=$(trace-cmd dump --events "$T/rst.dat" 2>/dev/null |
	awk '/^name: /{ev = $2} ev == "kfree_skb" && /print fmt/' |
	grep -o '{ [0-9]*, "NO_SOCKET" }' | grep -o '[0-9]*')
[ -n "$code" ] || fail "the trace's kfree_skb format has no NO_SOCKET"
echo "ok: NO_SOCKET is $code in this trace's kfree_skb format"
assert_eq $M "$(trace-cmd report "$T/rst.dat" 2>/dev/null | grep -c ' kfree_skb: .*reason: NO_SOCKET')" "trace-cmd: kfree_skb NO_SOCKET lines"
assert_eq $M "$(trace-cmd report "$T/rst.dat" 2>/dev/null | grep -c ' tcp_send_reset: ')" "trace-cmd: tcp_send_reset lines"

d="select count(*) from skb_lifecycles where outcome='dropped' and drop_reason='NO_SOCKET'"
assert_eq $M "$(sql "$T/rst.db" "$d")" "lifecycles dropped with NO_SOCKET"
assert_eq $M "$(sql "$T/rst.db" "$d and drop_reason_code=$code and device='lo' and tx_comm='nt-traffic'")" "with the trace's code, on lo, sent by nt-traffic"
assert_eq $M "$(sql "$T/rst.db" "select count(*) from skb_hops h join skb_lifecycles l using(trace_id, skb_id) where l.drop_reason='NO_SOCKET' and h.event='tcp:tcp_send_reset'")" "tcp_send_reset hops of the dropped SYNs"
assert_eq $M "$(sql "$T/rst.db" "select count(*) from skb_hops where event='tcp:tcp_send_reset'")" "tcp_send_reset hops in all"
trace-cmd report "$T/rst.dat" 2>/dev/null | grep ' kfree_skb: .*reason: NO_SOCKET' |
	grep -o 'location=[^ ]*' | sed 's/location=//' | sort | uniq -c | awk '{print $2 "|" $1}' > "$T/loc.expected"
sql "$T/rst.db" "select location, count from skb_drops where outcome='dropped' and reason='NO_SOCKET' order by 1" > "$T/loc.actual"
diff -u "$T/loc.expected" "$T/loc.actual" || fail "drop summary differs from trace-cmd's locations"
echo "ok: drop summary: $(paste -sd' ' "$T/loc.actual")"
# the resets: 14 + 20 + 20 bytes (no TCP options), never dropped
assert_eq $M "$(sql "$T/rst.db" "select count(*) from skb_lifecycles where device='lo' and len=54 and outcome<>'dropped'")" "resets sent and not dropped"
skb_oracle "$T/rst.dat" | sort > "$T/rst.oracle"
skb_db_lives "$T/rst.db" 1 | sort > "$T/rst.db.txt"
diff -u "$T/rst.oracle" "$T/rst.db.txt" || fail "tcp-closed: lifecycles differ from the oracle"
echo "ok: tcp-closed: all $(wc -l < "$T/rst.db.txt") lifecycles of the trace equal the oracle's"

# ---- 3. a TCP stream: addresses reappear without allocation events (fclone clones) ----
W=200
SZ=1000
"$NETTRAIL" record -q $EVENTS -o "$T/tcp.dat" -- "$NT_TRAFFIC" tcp $W $SZ > "$T/tcp.out" ||
	fail "record tcp (exit $?)"
assert_eq "tcp writes=$W bytes=$((W * SZ))" "$(grep -o 'tcp writes=[0-9]* bytes=[0-9]*' "$T/tcp.out")" "the workload did its part"
"$NETTRAIL" import -q "$T/tcp.dat" -o "$T/tcp.db" || fail "import tcp"
assert_eq 0 "$(sql "$T/tcp.db" 'select lost_events from traces')" "no events lost (else rerun)"
assert_eq $((W * SZ)) "$(sql "$T/tcp.db" "select sum(h.len) from skb_hops h join skb_lifecycles l using(trace_id, skb_id) where h.stage='copy' and l.rx_device='lo'")" "bytes copied to user from skbs received on lo"
skb_oracle "$T/tcp.dat" | sort > "$T/tcp.oracle"
skb_db_lives "$T/tcp.db" 1 | sort > "$T/tcp.db.txt"
diff -u "$T/tcp.oracle" "$T/tcp.db.txt" || fail "tcp: lifecycles differ from the oracle"
echo "ok: tcp: all $(wc -l < "$T/tcp.db.txt") lifecycles of the trace equal the oracle's"
echo "tcp: $(sql "$T/tcp.db" "select group_concat(n, ' ') from (select outcome || '/' || coalesce(end_by, '-') || '=' || count(*) as n from skb_lifecycles where device='lo' group by outcome, end_by)")"
echo "skb_capture: ok"
