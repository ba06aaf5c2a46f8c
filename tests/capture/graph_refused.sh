#!/bin/bash
# Live, on this machine's kernel: the function tracers. Where the kernel offers no
# function_graph (this project's machines), --graph is refused with one clear message that
# names what is missing and points to the lab VM, and tracefs is exactly as before; so is
# --profile on a kernel without the function profiler. Where function_graph exists, a short
# capture counts the datagrams' udp_sendmsg calls and leaves tracefs as before.
. "$NT_SRC/tests/lib/common.sh"
. "$NT_SRC/tests/lib/tracefs_state.sh"
need_tracefs
need sqlite3
tracefs_snapshot > "$T/before"
same_tracefs() {
	tracefs_snapshot > "$T/after"
	diff -u "$T/before" "$T/after" || fail "$1: tracefs changed"
	echo "ok: $1: tracefs as before"
}

# options that only make sense with --graph
err=$("$NETTRAIL" record --graph-depth 3 -o "$T/x.dat" -- true 2>&1); rc=$?
assert_eq 2 "$rc" "--graph-depth without --graph exit code"
assert_match "go with --graph FUNC" "$err" "--graph-depth without --graph message"

if ! grep -qw function_graph "$TRACEFS/available_tracers"; then
	err=$("$NETTRAIL" record --graph udp_sendmsg,ip_rcv -e net -o "$T/g.dat" -- "$NT_TRAFFIC" udp 5 2>&1); rc=$?
	echo "$err"
	assert_eq 1 "$rc" "--graph on a kernel without function_graph: exit code"
	assert_match "^nettrail: error: this kernel does not offer the function_graph tracer \(available tracers: $(tr -s ' \n' '  ' < "$TRACEFS/available_tracers" | sed 's/ *$//')\)" "$err" "the message names what is missing"
	assert_match "hint: it needs CONFIG_FUNCTION_GRAPH_TRACER; record in the lab VM instead.*nettrail vm record --graph" "$err" "the hint points to the lab VM"
	assert_eq 2 "$(printf '%s\n' "$err" | wc -l)" "one message and one hint"
	[ ! -e "$T/g.dat" ] || fail "a trace was written"
	same_tracefs "--graph refused"
else
	"$NETTRAIL" record -q --graph udp_sendmsg -o "$T/g.dat" -- "$NT_TRAFFIC" udp 10 > "$T/traffic.out" 2> "$T/rec.err"; rc=$?
	cat "$T/rec.err"
	assert_eq 0 "$rc" "--graph record exit code"
	assert_eq "udp sent=10 received=10" "$(grep -o 'udp sent=[0-9]* received=[0-9]*' "$T/traffic.out")" "the workload did its part"
	same_tracefs "--graph capture"
	"$NETTRAIL" import -q "$T/g.dat" -o "$T/g.db" || fail "import failed"
	# other processes may send UDP meanwhile: at least ours
	n=$(sql "$T/g.db" "select count(*) from \"ftrace:funcgraph_entry\" where func_sym = 'udp_sendmsg' and common_task like 'nt-traffic%'")
	assert_eq 10 "$n" "udp_sendmsg calls by nt-traffic"
fi

if [ ! -e "$TRACEFS/function_profile_enabled" ]; then
	err=$("$NETTRAIL" record --profile 'udp_*' -o "$T/p.dat" -- true 2>&1); rc=$?
	assert_eq 1 "$rc" "--profile without a profiler: exit code"
	assert_match "this kernel has no function profiler \(no function_profile_enabled in tracefs" "$err" "the profiler message"
	assert_match "hint: the same table .* computed from function_graph data: nettrail record --graph" "$err" "the profiler hint"
	[ ! -e "$T/p.dat" ] || fail "a trace was written"
	same_tracefs "--profile refused"
else
	echo "note: this kernel has the function profiler; its refusal is not checked here"
fi
echo "graph_refused: ok"
