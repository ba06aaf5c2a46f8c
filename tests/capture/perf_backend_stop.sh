#!/bin/bash
# Live: --backend perf stopped by SIGINT (Ctrl-C) mid-capture leaves no perf process and a
# complete perf.data that perf script reads; exit code 4. An unknown event is refused by name
# (exit code 3) before any perf is started; a bad --backend is a usage error.
. "$NT_SRC/tests/lib/common.sh"
need_tracefs
need perf
perf version > /dev/null 2>&1 || skip "perf does not run here: $(perf version 2>&1 | tail -1)"
ours() { pgrep -f "perf record .*$T/" | tr '\n' ' '; }

"$NETTRAIL" record --backend perf -e net -o "$T/int.data" -- sleep 60 > /dev/null 2> "$T/int.err" &
pid=$!
for _ in $(seq 100); do [ -n "$(ours)" ] && break; sleep 0.1; done
[ -n "$(ours)" ] || fail "perf did not start"
sleep 1
kill -INT "$pid"
wait "$pid"; rc=$?
cat "$T/int.err"
assert_eq 4 "$rc" "exit code after SIGINT"
assert_eq "" "$(ours)" "no perf process left"
pgrep -f "sleep 60" > /dev/null && fail "the command is still running"
perf script -i "$T/int.data" > /dev/null 2> "$T/script.err" || { cat "$T/script.err"; fail "perf script cannot read the interrupted perf.data"; }
perf report --header-only -i "$T/int.data" 2>/dev/null | grep -q 'net:net_dev_xmit' || fail "the header lacks the events"
echo "ok: the interrupted perf.data is complete"

# a perf in front of the real one, logging how it is called
real=$(command -v perf)
mkdir "$T/bin"
printf '#!/bin/sh\necho "$*" >> "%s/perf.calls"\nexec "%s" "$@"\n' "$T" "$real" > "$T/bin/perf"
chmod +x "$T/bin/perf"
PATH="$T/bin:$PATH" "$NETTRAIL" record --backend perf -e net:no_such_event -o "$T/bad.data" -- "$NT_TRAFFIC" udp 1 > "$T/bad.out" 2> "$T/bad.err"; rc=$?
assert_eq 2 "$rc" "unknown event exit code (usage)"
first=$(find /sys/kernel/tracing/events/net -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | LC_ALL=C sort | head -1)
assert_match "^nettrail: error: unknown event 'net:no_such_event': this kernel has no such tracepoint; net has $first, " "$(head -1 "$T/bad.err")" "unknown event message names net's events"
[ -s "$T/bad.out" ] && fail "the command ran"
[ -e "$T/bad.data" ] && fail "a file was written"
grep -q '^record' "$T/perf.calls" 2>/dev/null && fail "perf record was started: $(cat "$T/perf.calls")"
echo "ok: no perf record started"

# no perf at all: a clear message, exit code 1
printf '#!/bin/sh\nexit 127\n' > "$T/bin/perf"
PATH="$T/bin:$PATH" "$NETTRAIL" record --backend perf -o "$T/bad.data" -- true 2> "$T/noperf.err"; rc=$?
assert_eq 1 "$rc" "exit code without a working perf"
assert_match "cannot run perf" "$(cat "$T/noperf.err")" "message without a working perf"

"$NETTRAIL" record --backend systemtap -o "$T/x" -- true 2> /dev/null; rc=$?
assert_eq 2 "$rc" "bad --backend"
"$NETTRAIL" record --profile-cpu 99 -o "$T/x" -- true 2> /dev/null; rc=$?
assert_eq 2 "$rc" "--profile-cpu without --backend perf"
echo "perf_backend_stop: ok"
