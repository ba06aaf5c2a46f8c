#!/bin/bash
# record --backend lttng where the kernel tracer is missing: a clear message and exit code 1,
# with or without an lttng-sessiond already running, and nothing left behind: no session, no
# lttng-sessiond of ours, no output. Unknown events, a bad output and no root are refused
# before anything starts.
. "$NT_SRC/tests/capture/lttng_lib.sh"
cd "$T" || fail "no $T"

# (1) no lttng-sessiond: nettrail starts one, fails, stops it again; the command never runs
err=$("$NETTRAIL" record --backend lttng -o "$T/out" -- touch "$T/ran" 2>&1); rc=$?
assert_no_kernel_tracer "no sessiond" "$rc" "$err"
[ ! -e "$T/ran" ] || fail "no sessiond: the command ran"
nothing_left "no sessiond" "$T/out"
# the same refusal as it comes after the session is made (the channel), from the table alone
err=$(NT_TEST_LTTNG_UNLISTED=1 "$NETTRAIL" record --backend lttng -e net:net_dev_queue \
	-e irq:softirq_entry -o "$T/out" -- touch "$T/ran" 2>&1); rc=$?
assert_no_kernel_tracer "no sessiond, late refusal" "$rc" "$err"
assert_match "cannot make the LTTng kernel channel" "$err" "no sessiond, late refusal: at the channel"
nothing_left "no sessiond, late refusal" "$T/out"
# the default output directory, in the current directory
err=$("$NETTRAIL" record --backend lttng -- true 2>&1); rc=$?
assert_no_kernel_tracer "default output" "$rc" "$err"
nothing_left "default output" "$T/lttng-trace"

# (2) a running lttng-sessiond with another user's session: both survive untouched
start_sessiond
lttng create other-session --output="$T/other" > /dev/null || fail "cannot create other-session"
before=$(lttng list other-session 2>&1)
for late in "" 1; do
	err=$(NT_TEST_LTTNG_UNLISTED=$late "$NETTRAIL" record --backend lttng -e net:net_dev_queue \
		-o "$T/out" -- touch "$T/ran" 2>&1); rc=$?
	assert_no_kernel_tracer "running sessiond${late:+, late refusal}" "$rc" "$err"
	kill -0 "$SD_PID" || fail "running sessiond: it was stopped"
	echo "ok: running sessiond: still running"
	sessions=$(lttng list 2>&1 | awk '/^  [0-9]+\) / {print $2}')
	assert_eq "other-session" "$sessions" "running sessiond: the sessions"
	assert_eq "$before" "$(lttng list other-session 2>&1)" "running sessiond: other-session as before"
	[ ! -e "$T/out" ] && [ ! -e "$T/out.nettrail-tmp" ] || fail "running sessiond: output left"
	[ ! -e "$T/ran" ] || fail "running sessiond: the command ran"
done
# an existing empty directory is kept as it was
mkdir "$T/empty"
err=$("$NETTRAIL" record --backend lttng -o "$T/empty" -- true 2>&1); rc=$?
assert_no_kernel_tracer "empty output directory" "$rc" "$err"
[ -d "$T/empty" ] && [ -z "$(ls -A "$T/empty")" ] || fail "empty output directory: changed"
rmdir "$T/empty"
lttng destroy other-session > /dev/null || fail "cannot destroy other-session"
stop_sessiond
nothing_left "running sessiond" "$T/out"

# (3) refused before anything starts (no lttng-sessiond is started for them)
check_refused() { # WHAT CODE REGEX ARGS...
	local what=$1 code=$2 re=$3 err rc
	shift 3
	err=$("$NETTRAIL" record --backend lttng "$@" -- touch "$T/ran" 2>&1); rc=$?
	assert_eq "$code" "$rc" "$what: exit code"
	assert_match "$re" "$err" "$what: message"
	[ ! -e "$T/ran" ] || fail "$what: the command ran"
	nothing_left "$what" "$T/out"
}
check_refused "unknown event" 2 "unknown event 'foo:bar': LTTng's kernel tracer has no such event" \
	-e net -e foo:bar -o "$T/out"
check_refused "unknown event in a known system" 2 "unknown event 'net:nosuch'" -e net:nosuch -o "$T/out"
check_refused "a system LTTng lacks" 2 "unknown event 'tcp'" -e tcp -o "$T/out"
check_refused "a clock LTTng lacks" 2 "clock 'local' cannot be used with --backend lttng" \
	--clock local -o "$T/out"
check_refused "a --graph glob" 2 "^nettrail: error: --graph 'udp_\\*': --backend lttng traces functions with kretprobes, one per function: no globs" \
	--graph udp_sendmsg,'udp_*' -o "$T/out"
check_refused "--notrace" 2 "--notrace, --graph-depth and --profile need the ftrace backend, not lttng" \
	--graph udp_sendmsg --notrace ip_rcv -o "$T/out"
check_refused "--graph-depth" 2 "need the ftrace backend, not lttng" --graph udp_sendmsg --graph-depth 2 -o "$T/out"
check_refused "--profile" 2 "need the ftrace backend, not lttng" --profile udp_sendmsg -o "$T/out"
check_refused "an unknown function" 3 "unknown function 'nt_no_such_function': the running kernel has no such function" \
	--graph udp_sendmsg,nt_no_such_function -o "$T/out"
check_refused "not a function name" 2 "--graph 'udp sendmsg' is not a function name" --graph 'udp sendmsg' -o "$T/out"
# a function the kernel has passes the checks: lttng-sessiond starts, then no kernel tracer
err=$("$NETTRAIL" record --backend lttng --graph udp_sendmsg -o "$T/out" -- touch "$T/ran" 2>&1); rc=$?
assert_no_kernel_tracer "--graph udp_sendmsg" "$rc" "$err"
[ ! -e "$T/ran" ] || fail "--graph udp_sendmsg: the command ran"
nothing_left "--graph udp_sendmsg" "$T/out"
check_refused "--profile-cpu" 2 "--profile-cpu goes with --backend perf" --profile-cpu 99 -o "$T/out"
mkdir "$T/full" && echo x > "$T/full/keep"
err=$("$NETTRAIL" record --backend lttng -o "$T/full" -- true 2>&1); rc=$?
assert_eq 2 "$rc" "non-empty output directory: exit code"
assert_match "'$T/full' exists and is not an empty directory" "$err" "non-empty output directory: message"
assert_eq x "$(cat "$T/full/keep")" "non-empty output directory: untouched"
[ -z "$(lttng_procs)" ] || fail "non-empty output directory: lttng processes started"
# with a sessiond running: still no session
start_sessiond
err=$("$NETTRAIL" record --backend lttng -e foo:bar -o "$T/out" -- true 2>&1); rc=$?
assert_eq 2 "$rc" "unknown event, sessiond running: exit code"
assert_eq "" "$(lttng list 2>&1 | awk '/^  [0-9]+\) / {print $2}')" "unknown event, sessiond running: no session"
stop_sessiond

# (5) not root: refused first, with the hint
if command -v setpriv > /dev/null; then
	chmod 777 "$T"
	err=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$NETTRAIL" record --backend lttng \
		-o "$T/out" -- true 2>&1); rc=$?
	assert_eq 1 "$rc" "not root: exit code"
	assert_match "recording needs root" "$err" "not root: message"
	assert_match "hint: run it as root" "$err" "not root: hint"
	nothing_left "not root" "$T/out"
fi
echo "lttng_failures: ok"
