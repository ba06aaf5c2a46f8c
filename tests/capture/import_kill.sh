#!/bin/bash
# An import killed at random points (SIGKILL, SIGINT) leaves the database exactly as before:
# integrity_check passes, the earlier trace is intact, no stale temporary file survives the
# next run. Needs a trace big enough to be caught mid-import, so it records one (root).
. "$NT_SRC/tests/lib/common.sh"
need_tracefs
need sqlite3

"$NETTRAIL" record -q -b 32768 -e net -e skb -e irq -e kmem -e sock -o "$T/big.dat" -- "$NT_TRAFFIC" udp 30000 64 > /dev/null
rc=$?
[ "$rc" = 0 ] || [ "$rc" = 5 ] || fail "record failed ($rc)"
xz -dc "$NT_FIXTURES/udp100-nettrail.dat.xz" > "$T/small.dat"

"$NETTRAIL" import -q "$T/small.dat" -o "$T/db" || fail "first import"
ref=$(sql "$T/db" 'select count(*), sum(events) from traces; select count(*) from "net:net_dev_xmit"')
cp "$T/db" "$T/db.before"
start=$(date +%s%N)
"$NETTRAIL" import -q "$T/big.dat" -o "$T/probe.db"
full_ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "a full import of the big trace takes ${full_ms} ms ($(sql "$T/probe.db" 'select events from traces') events)"
[ "$full_ms" -gt 200 ] || skip "the capture is too small to interrupt an import reliably"

for i in $(seq 1 8); do
	sig=KILL; [ $((i % 3)) = 0 ] && sig=INT
	delay=$(( (RANDOM % (full_ms * 9 / 10)) + 20 ))
	"$NETTRAIL" import -q "$T/big.dat" -o "$T/db" 2> /dev/null &
	pid=$!
	sleep "$(printf '0.%03d' $((delay % 1000)))"; [ "$delay" -ge 1000 ] && sleep $((delay / 1000))
	kill -$sig $pid 2>/dev/null
	wait $pid; rc=$?
	# (a run that finished stored the big trace: back to the database as it was)
	[ "$rc" = 0 ] && { echo "note: run $i finished before SIG$sig"; cp "$T/db.before" "$T/db"; continue; }
	[ "$sig" = INT ] && assert_eq 4 "$rc" "run $i: SIGINT exit code"
	assert_eq ok "$(sql "$T/db" 'pragma integrity_check')" "run $i: integrity after SIG$sig at ${delay} ms"
	assert_eq "$ref" "$(sql "$T/db" 'select count(*), sum(events) from traces; select count(*) from "net:net_dev_xmit"')" "run $i: contents as before"
	pgrep -f "nettrail import -q $T/big.dat" > /dev/null && fail "run $i: a reader worker outlived the import"
done

# a new database killed mid-import: nothing at the final path; the stale file goes next time
# the analyses' side database (analyze/side.h) has no name once open; one made by an import
# killed before that is removed by the next import into the same database
"$NETTRAIL" import -q --replace "$T/small.dat" -o "$T/db" || fail "import after the killed ones"
ls "$T" | grep -q 'db.nettrail-tmp' && fail "left behind by the killed imports: $(ls "$T" | grep nettrail-tmp)"

"$NETTRAIL" import -q "$T/big.dat" -o "$T/new.db" &
pid=$!
sleep "$(printf '0.%03d' $(( full_ms / 2 % 1000 )))"
kill -KILL $pid; wait $pid
[ -e "$T/new.db" ] && fail "a killed import created '$T/new.db'"
ls "$T" | grep -q 'new.db.nettrail-tmp' || echo "note: the import had not created its temporary file yet"
"$NETTRAIL" import -q "$T/small.dat" -o "$T/new.db" || fail "import after a killed one"
ls "$T" | grep -q 'nettrail-tmp' && fail "stale temporary file not cleaned up"
assert_eq 1 "$(sql "$T/new.db" 'select count(*) from traces')" "the new database holds one trace"
echo "import_kill: ok"
