#!/bin/bash
# The packet explorer in headless Chromium (DevTools protocol, tests/browser/cdp.py): a trace of
# 40 packets made by synth-trace.py, every 4th dropped with NO_SOCKET (10 drops, by the
# generator's rule); loading the report shows no console error, clicking NO_SOCKET in the
# drops table lists exactly those 10 packets (and a stage pair's count: queue and xmit in all
# 40, receive -> copy and copy -> free in the 30 not dropped, a free before its copy too), a packet shows its hops, the timeline zooms, and
# the screenshots are not blank. The packets carry flow evidence by the generator's rule
# (synth-trace.py 'flows'), worked out by hand for i in 0..39:
#   i%3==0                       -> tcp 10.0.0.1:40000 > 10.0.0.2:80         14 packets
#   else i%6==4 (4,10,...,34)    -> tcp [2001:db8::1]:50000 > [2001:db8::2]:443  6
#   else i%5==2 (2,7,17,32,37)   -> tcp 10.0.0.3:5000 > 10.0.0.4:8080         5
#   the rest                     -> no flow known                             15
# and clicking each in the explorer's flows table lists exactly those packets.
# Then the hostile names of fixtures/escape: the explorer shows the comm
# '<script>alert(1)</script>' as text, and the page runs no script of the trace's; a flow
# whose addresses hold markup (written into the database, as a foreign one could hold it)
# shows as text too.
. "$NT_SRC/tests/lib/common.sh"
PY=/usr/bin/python3
[ -x "$PY" ] || skip "needs Debian's python3"
"$PY" -c 'import websocket, PIL' 2> /dev/null || skip "needs python3-websocket and python3-pil"
command -v chromium > /dev/null || skip "needs chromium"
need sqlite3
"$PY" "$NT_SRC/tests/browser/synth-trace.py" 40 4 flows > "$T/s.txt"
"$NETTRAIL" import -q "$T/s.txt" -o "$T/db" || fail "import"
"$NETTRAIL" report "$T/db" --html "$T/r.html" || fail "report --html"
"$PY" "$NT_SRC/tests/browser/cdp.py" check "$T/r.html" --reason NO_SOCKET --count 10 \
	--shots "$T/shots" --stages queue:40,xmit:40,receive:30,copy:30 \
	--flows '{"tcp 10.0.0.1:40000 > 10.0.0.2:80": 14, "tcp [2001:db8::1]:50000 > [2001:db8::2]:443": 6,
		"tcp 10.0.0.3:5000 > 10.0.0.4:8080": 5, "no flow known": 15}'; rc=$?
[ $rc = 77 ] && skip "chromium cannot start here"
assert_eq 0 $rc "the browser checks of the report"

cp "$NT_FIXTURES/escape/hostile.txt" "$T/h.txt"
"$NETTRAIL" import -q "$T/h.txt" -o "$T/h.db" 2> /dev/null || fail "import of the hostile names"
sql "$T/h.db" "update skb_lifecycles set family = 2, ip_proto = 6, saddr = '<img src=x onerror=alert(2)>',
	sport = 1, daddr = '\"&<b>x', dport = 2 where rowid = (select min(rowid) from skb_lifecycles)"
"$NETTRAIL" report "$T/h.db" --html "$T/h.html" || fail "report --html of the hostile names"
"$PY" "$NT_SRC/tests/browser/cdp.py" text "$T/h.html" --pid 4242 \
	--expect '<script>alert(1)</script> (4242)' \
	--flow 'tcp <img src=x onerror=alert(2)>:1 > "&<b>x:2'; rc=$?
assert_eq 0 $rc "the hostile comm in the explorer"
echo "explorer_fixture: ok"
