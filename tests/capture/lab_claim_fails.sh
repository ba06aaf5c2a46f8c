#!/bin/bash
# nettrail lab: a claim that does not hold makes the sheet say FAIL and the exit code 6. The
# lab is recorded once (--record-only, 10 datagrams) and checked twice (--analyze-only): with
# the count that was sent (every claim holds, exit 0) and with one more than was sent (the
# count claims fail: 11 expected, 10 observed). Also: --analyze-only of an empty directory.
. "$NT_SRC/tests/capture/lab_lib.sh"
"$NETTRAIL" lab udp-loopback --record-only -c 10 -o "$T/rec" -q > "$T/rec.out" 2>&1
assert_eq 0 $? "record-only exit code ($(cat "$T/rec.out"))"
for f in trace.dat traffic.txt record.txt; do [ -s "$T/rec/$f" ] || fail "record-only wrote no $f"; done
[ -e "$T/rec/nettrail.db" ] && fail "record-only analyzed"
assert_eq 10 "$(sed -n 's/^sent=//p' "$T/rec/traffic.txt")" "datagrams sent"
cp -r "$T/rec" "$T/good"
cp -r "$T/rec" "$T/bad"

"$NETTRAIL" lab udp-loopback --analyze-only -c 10 -o "$T/good" > "$T/good.out" 2>&1
assert_eq 0 $? "analyze-only with the count sent ($(tail -2 "$T/good.out"))"
assert_match "^Result: ([0-9]+) of \\1 claims hold(; [0-9]+ not checkable on this kernel)?$" "$(grep '^Result:' "$T/good/lab-sheet.txt")" "every claim holds"

# without -c: the count it was recorded with (traffic.txt's count=10)
cp -r "$T/rec" "$T/again"
"$NETTRAIL" lab udp-loopback --analyze-only -o "$T/again" > "$T/again.out" 2>&1
assert_eq 0 $? "analyze-only without -c ($(tail -2 "$T/again.out"))"
grep -q '^  PASS  the traffic sent 10 ' "$T/again/lab-sheet.txt" || fail "analyze-only without -c did not expect 10"

"$NETTRAIL" lab udp-loopback --analyze-only -c 11 -o "$T/bad" > "$T/bad.out" 2>&1
assert_eq 6 $? "analyze-only with one datagram more than was sent (6: a claim failed)"
# the count claims: traffic sent/received, xmit, receive, lifecycles -- 5 claims expect 11;
# where the headers were recorded (kprobes) also two flow claims (the datagrams', in all)
want=5
if [ -e /sys/kernel/tracing/kprobe_events ]; then
	want=7
	assert_eq "headers=1" "$(grep '^headers=' "$T/rec/record.txt")" "record.txt: headers recorded"
else
	assert_eq "headers=0" "$(grep '^headers=' "$T/rec/record.txt")" "record.txt: no headers"
	grep -q '^headers_why=this kernel offers no kprobe events' "$T/rec/record.txt" ||
		fail "record.txt does not say why there are no headers"
fi
assert_eq $want "$(grep -cE '^  FAIL .* expected 11, observed 10' "$T/bad/lab-sheet.txt")" "claims failing 11 vs 10"
assert_match "^Result: [0-9]+ of [0-9]+ claims hold \(FAIL\)(; [0-9]+ not checkable on this kernel)?$" "$(grep '^Result:' "$T/bad/lab-sheet.txt")" "the result line says FAIL"
grep -q 'class="FAIL"' "$T/bad/lab-sheet.html" || fail "the HTML sheet shows no FAIL"
grep -q '^Result: .*(FAIL)' "$T/bad.out" || fail "the printed sheet does not say FAIL"

mkdir "$T/empty"
"$NETTRAIL" lab udp-loopback --analyze-only -o "$T/empty" 2> "$T/empty.err"
assert_eq 3 $? "analyze-only of an empty directory"
assert_match "holds no recorded lab" "$(cat "$T/empty.err")" "its message"
echo "lab_claim_fails: ok"
