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
	assert_match "^Result: ([0-9]+) of \\1 claims hold$" "$(grep '^Result:' "$T/$1/lab-sheet.txt")" "every claim of $1 holds"
	grep -q 'class="FAIL"' "$T/$1/lab-sheet.html" && fail "the HTML sheet shows a FAIL"
	DB="$T/$1/nettrail.db"
	TPID=$(sed -n 's/^pid=//p' "$T/$1/traffic.txt")
	TAG=$(sed -n 's/^tag=//p' "$T/$1/traffic.txt")
}
