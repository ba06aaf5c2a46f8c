#!/bin/bash
# Live: N connects to a closed port → N drops with the reason NO_SOCKET (as the trace's own
# format names it) at tcp_v4_rcv, and N tcp_send_reset events, in the report's JSON and text.
. "$NT_SRC/tests/lib/common.sh"
need_tracefs
need python3
N=30
out=$("$NETTRAIL" capture -q -o "$T/cap" -e skb -e net -e tcp -e kmem -- "$NT_TRAFFIC" tcp-closed $N); rc=$?
assert_eq 0 "$rc" "capture exit code"
"$NETTRAIL" report --json "$T/cap/nettrail.db" > "$T/r.json" || fail "report --json"
python3 - "$T/r.json" "$N" <<'PY' || fail "drops in the JSON report"
import json, sys
d, n = json.load(open(sys.argv[1])), int(sys.argv[2])
drops = {x['reason']: x for x in d['drops']}
assert 'NO_SOCKET' in drops, drops.keys()
ns = drops['NO_SOCKET']
assert ns['count'] == n, ns
assert sum(l['count'] for l in ns['locations']) == n, ns['locations']
assert all(l['symbol'].startswith('tcp_v4_rcv') for l in ns['locations']), ns['locations']
assert d['skb']['dropped'] >= n, d['skb']
print('ok: %d NO_SOCKET drops at %s' % (n, ', '.join(l['symbol'] for l in ns['locations'])))
PY
assert_eq $N "$("$NETTRAIL" info --json "$T/cap/nettrail.db" | python3 -c 'import json,sys; print(json.load(sys.stdin)["traces"][0]["event_counts"]["tcp:tcp_send_reset"])')" "tcp_send_reset events"
grep -q "NO_SOCKET" "$T/cap/report.txt" || fail "the text report does not show NO_SOCKET"
grep -q "NO_SOCKET" "$T/cap/csv/skb_drops.csv" || fail "skb_drops.csv does not show NO_SOCKET"
echo "report_drops: ok"
