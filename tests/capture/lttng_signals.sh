#!/bin/bash
# record --backend lttng interrupted (SIGINT, SIGTERM) or killed (SIGKILL) while it sets up:
# exit code 4, and nothing left: no lttng-sessiond of ours, no session, no output. A stand-in
# lttng-sessiond found first in PATH holds the start open; then the real one, hit at random
# points. (The capture itself, and a signal while the command runs, are tested in the lab VM.)
. "$NT_SRC/tests/capture/lttng_lib.sh"
mkdir "$T/bin"
cat > "$T/bin/lttng-sessiond" <<FAKE
#!/bin/sh
echo \$\$ > "$T/fake.pid"
[ -n "\${FAKE_FAIL:-}" ] && { echo "fake: cannot start (as asked)" >&2; exit 1; }
exec sleep 60
FAKE
chmod +x "$T/bin/lttng-sessiond"
fake_gone() { # WHAT
	local pid
	pid=$(cat "$T/fake.pid" 2> /dev/null) || fail "$1: the stand-in lttng-sessiond did not run"
	for _ in $(seq 50); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
	kill -0 "$pid" 2> /dev/null && { kill "$pid"; fail "$1: our lttng-sessiond was left running"; }
	rm -f "$T/fake.pid"
	echo "ok: $1: our lttng-sessiond is gone"
}
wait_fake() { for _ in $(seq 100); do [ -s "$T/fake.pid" ] && return; sleep 0.05; done; fail "no stand-in"; }

# a signal while our lttng-sessiond starts
for sig in INT TERM; do
	PATH="$T/bin:$PATH" "$NETTRAIL" record --backend lttng -o "$T/out" -- touch "$T/ran" 2> "$T/err" &
	pid=$!
	wait_fake
	kill -$sig $pid
	wait $pid; rc=$?
	assert_eq 4 "$rc" "SIG$sig while lttng-sessiond starts: exit code"
	assert_match "interrupted while lttng-sessiond was starting" "$(cat "$T/err")" "SIG$sig: message"
	fake_gone "SIG$sig"
	[ ! -e "$T/ran" ] || fail "SIG$sig: the command ran"
	nothing_left "SIG$sig while lttng-sessiond starts" "$T/out"
done

# nettrail killed outright: its lttng-sessiond goes with it (PR_SET_PDEATHSIG)
PATH="$T/bin:$PATH" "$NETTRAIL" record --backend lttng -o "$T/out" -- true 2> /dev/null &
pid=$!
wait_fake
kill -KILL $pid
wait $pid 2> /dev/null
fake_gone "SIGKILL"
nothing_left "SIGKILL while lttng-sessiond starts" "$T/out"

# an lttng-sessiond that cannot start: its last words are quoted
err=$(FAKE_FAIL=1 PATH="$T/bin:$PATH" "$NETTRAIL" record --backend lttng -o "$T/out" -- true 2>&1); rc=$?
assert_eq 1 "$rc" "lttng-sessiond exits at start: exit code"
assert_match "lttng-sessiond exited at start: fake: cannot start \(as asked\)" "$err" "lttng-sessiond exits at start: message"
rm -f "$T/fake.pid"
nothing_left "lttng-sessiond exits at start" "$T/out"

# the real lttng-sessiond, a signal at varying points of the setup (and, for the later ones,
# after the failure): interrupted (4) or the kernel tracer's refusal (1), never anything left
for delay in 0.05 0.1 0.15 0.2 0.3 0.4; do
	for late in "" 1; do
		NT_TEST_LTTNG_UNLISTED=$late "$NETTRAIL" record --backend lttng -e net:net_dev_queue \
			-o "$T/out" -- sleep 30 2> "$T/err" &
		pid=$!
		sleep $delay
		kill -INT $pid 2> /dev/null
		wait $pid; rc=$?
		case $rc in
		4) assert_match "interrupted" "$(cat "$T/err")" "SIGINT after ${delay}s${late:+ (late)}: message" ;;
		1) assert_match "the LTTng kernel tracer is not available" "$(cat "$T/err")" "SIGINT after ${delay}s${late:+ (late)}: message" ;;
		*) fail "SIGINT after ${delay}s${late:+ (late)}: exit code $rc: $(cat "$T/err")" ;;
		esac
		nothing_left "SIGINT after ${delay}s${late:+ (late)} (exit $rc)" "$T/out"
	done
done
echo "lttng_signals: ok"
