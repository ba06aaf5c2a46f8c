# Sourced by the lab tests: the world's traces on the host (namespaces, links, nftables ruleset)
# to compare before and after a lab, and a runner that checks the sheet.
. "$NT_SRC/tests/lib/common.sh"
need_tracefs
need ip
need sqlite3
command -v nft >/dev/null 2>&1 || skip "needs nft (nftables)"

host_state() {
	ip netns list
	ip -o link | sed 's/^[0-9]*: //'
	nft list ruleset
}

# lab_run NAME N: run the lab into $T/NAME, check that the world is gone and every claim holds.
lab_run() {
	local rc
	host_state > "$T/host.before"
	"$NETTRAIL" lab "$1" -c "$2" -o "$T/$1" > "$T/$1.out" 2> "$T/$1.err"; rc=$?
	host_state > "$T/host.after"
	cat "$T/$1.out"
	diff -u "$T/host.before" "$T/host.after" || fail "the host changed (namespaces, links or rules)"
	echo "ok: the world is gone"
	assert_eq 0 "$rc" "nettrail lab $1 exit code ($(cat "$T/$1.err"))"
	for f in trace.dat nettrail.db report.txt report.html lab-sheet.txt lab-sheet.html traffic.txt; do
		[ -s "$T/$1/$f" ] || fail "lab $1 did not write $f"
	done
	grep -q '^  FAIL' "$T/$1/lab-sheet.txt" && fail "a claim of $1 does not hold"
	assert_match "^Result: ([0-9]+) of \\1 claims hold(; [0-9]+ not checkable on this kernel)?$" "$(grep '^Result:' "$T/$1/lab-sheet.txt")" "every claim of $1 holds"
	grep -q 'class="FAIL"' "$T/$1/lab-sheet.html" && fail "the HTML sheet shows a FAIL"
	DB="$T/$1/nettrail.db"
	TPID=$(sed -n 's/^pid=//p' "$T/$1/traffic.txt")
	TAG=$(sed -n 's/^tag=//p' "$T/$1/traffic.txt")
}

# lab_flows NAME: the UDP scenario's three flow claims (from the packets' IP headers, which
# record --headers' kprobes give): PASS where this kernel offers kprobe events, else N/A and
# the sheet says why the headers were not recorded
lab_flows() {
	local sheet="$T/$1/lab-sheet.txt" flows
	flows=$(grep -cE '^  [A-Z/]+ +[0-9]+ .* flow [0-9.]+:[0-9]+ > [0-9.]+:[0-9]+ \(UDP\)|^  [A-Z/]+ +0 .* with another flow' "$sheet")
	assert_eq 3 "$flows" "$1: three flow claims on the sheet"
	if [ -e /sys/kernel/tracing/kprobe_events ]; then
		grep -q "^Recorded with the packets' IP headers too" "$sheet" ||
			fail "$1: the sheet does not say the headers were recorded"
		grep -q '^  N/A' "$sheet" && fail "$1: a claim is N/A though kprobes exist here"
	else
		grep -q "^Packet headers not recorded: this kernel offers no kprobe events" "$sheet" ||
			fail "$1: the sheet does not say why the headers were not recorded"
		assert_eq 3 "$(grep -c '^  N/A .* not checked: no tracepoint gives UDP packets their addresses' "$sheet")" "$1: its flow claims are N/A, saying why"
	fi
	echo "ok: $1's flow claims"
}
