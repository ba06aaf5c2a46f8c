#!/bin/bash
# Live: recycled is not open. A program sends S UDP datagrams of 777 bytes to its own socket,
# reads R of them, and keeps the socket (with S - R unread datagrams) open after the trace has
# ended. Expected from the workload alone: S lifecycles on lo of 777 + 8 + 20 + 14 bytes;
# the R read ones ended (recycled: their free fires no tracepoint on 6.x; or consumed if the
# address came back), the S - R unread ones open; the reads are the program's.
. "$NT_SRC/tests/lib/common.sh"
need_tracefs
need python3
need sqlite3

S=10
R=6
cat > "$T/unread.py" <<PY
import os, socket, sys, time
rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); rx.bind(("127.0.0.1", 0))
tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range($S):
    tx.sendto(b"x" * 777, rx.getsockname())
got = sum(len(rx.recv(2048)) == 777 for i in range($R))
print("sent=$S read=%d pid=%d" % (got, os.getpid()), flush=True)
if os.fork() == 0:  # the child keeps the socket open past the end of the trace
    open("$T/child.pid", "w").write(str(os.getpid()))
    time.sleep(60)
    os._exit(0)
time.sleep(0.2)
PY
"$NETTRAIL" record -q -e skb -e net -e kmem -e sock -o "$T/u.dat" -- python3 "$T/unread.py" > "$T/out" 2>&1
rc=$?
[ -s "$T/child.pid" ] && kill "$(cat "$T/child.pid")" 2>/dev/null
[ $rc = 0 ] || { cat "$T/out"; fail "record exited $rc"; }
assert_eq "sent=$S read=$R" "$(grep -o 'sent=[0-9]* read=[0-9]*' "$T/out")" "the workload did its part"
pid=$(sed -n 's/.* pid=\([0-9]*\)$/\1/p' "$T/out")
"$NETTRAIL" import -q "$T/u.dat" -o "$T/u.db" || fail "import"
assert_eq 0 "$(sql "$T/u.db" 'select lost_events from traces')" "no events lost (else rerun)"
# the program's own datagrams (the capture is system-wide: other tests may send on lo too)
q="select count(*) from skb_lifecycles where device = 'lo' and len = $((777 + 42)) and tx_pid = $pid"
assert_eq $S "$(sql "$T/u.db" "$q")" "lifecycles of the datagrams"
assert_eq $R "$(sql "$T/u.db" "$q and (outcome = 'recycled' and end_by = 'read' or outcome = 'consumed' and end_by = 'reuse')")" "the datagrams read: ended"
assert_eq $R "$(sql "$T/u.db" "$q and rx_pid = $pid")" "read by the program"
assert_eq $((S - R)) "$(sql "$T/u.db" "$q and outcome = 'open'")" "the datagrams never read: open"
echo "skb_unread: ok"
