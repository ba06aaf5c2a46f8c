#!/bin/bash
# Live: N connects to a closed port → N drops with the reason NO_SOCKET (as the trace's own
# format names it) at tcp_v4_rcv, and N tcp_send_reset events, in the report's JSON and text.
. "$NT_SRC/tests/lib/common.sh"
need_tracefs
need python3
N=30
out=$("$NETTRAIL" capture -o "$T/cap" -e skb -e net -e tcp -e kmem -- "$NT_TRAFFIC" tcp-closed $N 2>/dev/null); rc=$?
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
# the findings block: what capture prints first, and findings.csv
assert_eq "== Findings ==" "$(echo "$out" | sed -n 2p)" "capture prints the findings (after the command's own line)"
assert_match "^- drop reason NO_SOCKET: $N drops \([0-9.]+% of drops\), $N of them at tcp_v4_rcv" "$(echo "$out" | grep NO_SOCKET)" "the NO_SOCKET finding"
python3 - "$T/cap/csv/findings.csv" "$N" <<'PY' || fail "findings.csv"
import csv, sys
rows, n = list(csv.DictReader(open(sys.argv[1]))), int(sys.argv[2])
f = {r['finding']: r for r in rows}
ns = [r for r in rows if r['finding'] == 'drop_reason' and 'NO_SOCKET' in r['detail']]
assert len(ns) == 1 and int(ns[0]['value']) == n, ns
drops = int(f['drops']['value'])
assert drops >= n, f['drops']
assert abs(float(ns[0]['share_pct']) - round(1000.0 * n / drops) / 10) < 1e-9, ns[0]
assert f['lost_events']['value'] == '0', f['lost_events']
print('ok: findings.csv: %d NO_SOCKET of %d drops' % (n, drops))
PY
echo "report_drops: ok"
