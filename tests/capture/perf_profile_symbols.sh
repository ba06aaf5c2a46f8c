#!/bin/bash
# Live: the CPU profile analysis (analyze/profile.c) of a --backend perf --profile-cpu capture
# of a loopback TCP stream. The capture saves /proc/kallsyms as FILE.kallsyms; the import
# symbolises the cpu-clock stacks with it; prof_funcs' self samples of the top functions (all,
# and the network stack) agree with `perf report --no-children --sort sym`, computed here from
# perf's own output (its percentages within their printed rounding, and its sample counts).
. "$NT_SRC/tests/lib/common.sh"
need_tracefs
need perf
need sqlite3
need awk
perf version > /dev/null 2>&1 || skip "perf does not run here: $(perf version 2>&1 | tail -1)"

"$NETTRAIL" record -q --backend perf --profile-cpu 999 -e net:net_dev_xmit -o "$T/p.data" -- "$NT_TRAFFIC" tcp 100000 16384 > /dev/null 2> "$T/record.err"
rc=$?
cat "$T/record.err"
assert_eq 0 "$rc" "record exit code"
[ -s "$T/p.data.kallsyms" ] || fail "no $T/p.data.kallsyms next to the capture"
grep -q ' [tT] tcp_sendmsg$' "$T/p.data.kallsyms" || fail "the saved kallsyms has no tcp_sendmsg"
echo "ok: kallsyms saved ($(wc -l < "$T/p.data.kallsyms") lines)"

"$NETTRAIL" import -q "$T/p.data" -o "$T/p.db" 2> "$T/import.err"; rc=$?
cat "$T/import.err"
assert_eq 0 "$rc" "import exit code"
assert_eq 1 "$(sql "$T/p.db" "select count(*) from analysis_notes where analysis='profile' and key='symbols_from_saved_kallsyms' and value > 0")" "symbols from the saved kallsyms"
n=$(sql "$T/p.db" 'select count(*) from "perf:cpu-clock"')
assert_eq "$n" "$(sql "$T/p.db" 'select sum(self) from prof_funcs')" "self samples = cpu-clock samples"
assert_eq "$n" "$(sql "$T/p.db" 'select sum(samples) from prof_paths')" "path samples = cpu-clock samples"
[ "$n" -ge 200 ] || fail "only $n cpu-clock samples"
tot=$(sql "$T/p.db" "select coalesce(max(total), 0) from prof_funcs where function = 'tcp_sendmsg'")
[ "$tot" -gt 0 ] || fail "tcp_sendmsg is not in prof_funcs"
echo "ok: $n samples, tcp_sendmsg in $tot of them"

# perf's view, cpu-clock section only: "PCT SAMPLES SYMBOL" for kernel symbols
perf report -i "$T/p.data" --stdio --no-children --sort sym -g none -F overhead,sample,sym --percent-limit 0 2> /dev/null |
	awk '/^# Samples: .* of event .cpu-clock/ {s = 1; next} /^# Samples: / {s = 0} s && $3 == "[k]" {sub("%", "", $1); print $1, $2, $4}' > "$T/perf.self"
[ -s "$T/perf.self" ] || fail "no cpu-clock lines in perf report"

check() { # $1: sql selecting the 5 functions to compare
	sql "$T/p.db" "$1" | while IFS='|' read -r fn self; do
		awk -v fn="$fn" -v self="$self" -v n="$n" '
			$3 == fn { found = 1
				pct = 100 * self / n
				d = pct - $1; if (d < 0) d = -d
				if (d > 0.0051) { print "FAIL: " fn ": " self "/" n " = " pct "%, perf " $1 "%"; exit 1 }
				if ($2 != self) { print "FAIL: " fn ": " self " samples, perf " $2; exit 1 }
				print "ok: " fn " " self " samples (" $1 "% in perf)" }
			END { if (!found) { print "FAIL: " fn " not in perf report"; exit 1 } }' "$T/perf.self" || exit 1
	done || fail "self samples differ from perf report"
}
check "select function, self from prof_funcs where self > 0 order by self desc, function limit 5"
check "select function, self from prof_funcs where net = 1 and self > 0 order by self desc, function limit 5"
# perf's own top 5 (overall), looked up the other way round
sort -k2,2nr -k3,3 "$T/perf.self" | head -5 | while read -r pct cnt fn; do
	assert_eq "$cnt" "$(sql "$T/p.db" "select coalesce(sum(self), 0) from prof_funcs where function = '$fn'")" "self samples of perf's $fn"
done || exit 1
echo "ok: perf's top 5 agree"

"$NETTRAIL" report --json "$T/p.db" > "$T/r.json" || fail "report --json"
grep -q '"profile":\[{"function"' "$T/r.json" || grep -q '"profile": *\[ *{' "$T/r.json" || fail "no profile in the JSON report"
"$NETTRAIL" report "$T/p.db" | grep -q '^== CPU profile ==' || fail "no CPU profile section"
echo "perf_profile_symbols: ok"
