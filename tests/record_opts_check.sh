#!/bin/bash
# One record-option group, one check: record, capture and vm record refuse the same bad values
# with the same message (usage, exit 2) before anything starts (vm record: before booting the
# VM), and capture and vm take every record option their help lists.
. "$NT_SRC/tests/lib/common.sh"
cd "$T" || exit 1
check() { # WHAT EXPECTED-MESSAGE ARGS...
	local what=$1 msg=$2
	shift 2
	for cmd in record capture "vm record"; do
		# shellcheck disable=SC2086
		err=$(timeout 20 "$NETTRAIL" $cmd "$@" -- udp 1 2>&1); rc=$?
		assert_eq 2 "$rc" "$cmd $what: exit code"
		assert_match "^nettrail ${cmd%% *}: $msg" "$err" "$cmd $what: message"
	done
}
check "-b 2" "-b wants a size in KB \(4 to 4194304\), not '2'" -b 2
check "-b 5000000" "-b wants a size in KB \(4 to 4194304\), not '5000000'" -b 5000000
check "-d 0" "-d wants a positive number of seconds, not '0'" -d 0
check "--graph-depth 0" "--graph-depth wants a number of levels \(1 to 10000\), not '0'" --graph x --graph-depth 0
check "--notrace without --graph" "--notrace and --graph-depth go with --graph FUNC" --notrace x
check "--backend nope" "--backend wants ftrace, perf or lttng, not 'nope'" --backend nope
check "--profile-cpu without perf" "--profile-cpu goes with --backend perf" --profile-cpu 99
[ -z "$(ls)" ] || fail "a refused command left files: $(ls)"

# capture and vm record list every option of record's group (record's help, parsed here)
rec=$("$NETTRAIL" help record | sed -n '/^options:/,/^$/s/^  \(-., \|    \)--\([a-z-]*\).*/\2/p' | grep -vx 'output\|quiet\|help\|input')
for cmd in capture vm; do
	opts=$("$NETTRAIL" help $cmd | sed -n '/^options:/,/^$/s/^  \(-., \|    \)--\([a-z-]*\).*/\2/p')
	for o in $rec; do echo "$opts" | grep -qx -- "$o" || fail "'$cmd' lacks record's --$o"; done
done
echo "ok: capture and vm list record's $(echo $rec | wc -w) options"
err=$("$NETTRAIL" vm record -P 1 -- udp 1 2>&1); rc=$?
assert_eq 2 "$rc" "vm record -P"
err=$("$NETTRAIL" vm record --backend perf -- udp 1 2>&1); rc=$?
assert_eq 2 "$rc" "vm record --backend perf"
assert_match "the lab VM has no perf" "$err" "its message"
echo "record_opts_check: ok"
