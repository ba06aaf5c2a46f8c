#!/bin/bash
# Live, on this machine's kernel: record --headers. Where the kernel offers no kprobe events
# (this project's machines), it is refused with one message naming kprobes and pointing to the
# lab VM, exit 1, no trace written, tracefs exactly as before. Where kprobes exist, a short
# capture gives every datagram of `nt-traffic udp N` the flow 127.0.0.1 -> 127.0.0.1:PORT
# (the port it prints) and leaves tracefs, kprobe_events included, as before. Other backends
# refuse the option (usage, exit 2).
. "$NT_SRC/tests/lib/common.sh"
. "$NT_SRC/tests/lib/tracefs_state.sh"
need_tracefs
need sqlite3
snap() {
	tracefs_snapshot
	for f in kprobe_events dynamic_events; do
		[ -r "$TRACEFS/$f" ] && printf '%s: %s\n' "$f" "$(tr '\n' ' ' < "$TRACEFS/$f")"
	done
	echo "nettrail_hdr events: $(ls "$TRACEFS/events/nettrail_hdr" 2> /dev/null | tr '\n' ' ')"
	echo "owner file: $(ls /run/nettrail-hdrprobe.pid /tmp/nettrail-hdrprobe.pid 2> /dev/null)"
}
snap > "$T/before"
same_tracefs() {
	snap > "$T/after"
	diff -u "$T/before" "$T/after" || fail "$1: tracefs changed"
	echo "ok: $1: tracefs as before"
}

for b in perf lttng; do
	err=$("$NETTRAIL" record --headers --backend $b -o "$T/x.$b" -- true 2>&1); rc=$?
	assert_eq 2 "$rc" "--headers --backend $b exit code"
	assert_match "^nettrail record: --headers goes with --backend ftrace" "$err" "--headers --backend $b message"
done

if [ ! -e "$TRACEFS/kprobe_events" ]; then
	err=$("$NETTRAIL" record --headers -o "$T/h.dat" -- "$NT_TRAFFIC" udp 5 2>&1); rc=$?
	echo "$err"
	assert_eq 1 "$rc" "--headers on a kernel without kprobe events: exit code"
	assert_match "^nettrail: error: this kernel offers no kprobe events \(no kprobe_events in tracefs '$TRACEFS'\)" "$err" "the message names what is missing"
	assert_match "hint: --headers needs CONFIG_KPROBE_EVENTS; record in the lab VM instead: nettrail vm record --headers" "$err" "the hint points to the lab VM"
	assert_eq 2 "$(printf '%s\n' "$err" | wc -l)" "one message and one hint"
	[ ! -e "$T/h.dat" ] || fail "a trace was written"
	[ -z "$(ls "$T" | grep nettrail-tmp)" ] || fail "temporary files were left"
	same_tracefs "--headers refused"
else
	N=10
	"$NETTRAIL" record -q --headers -o "$T/h.dat" -- "$NT_TRAFFIC" udp $N > "$T/traffic.out" 2> "$T/rec.err"; rc=$?
	cat "$T/rec.err"
	assert_eq 0 "$rc" "--headers record exit code"
	assert_eq "udp sent=$N received=$N" "$(grep -o 'udp sent=[0-9]* received=[0-9]*' "$T/traffic.out")" "the workload did its part"
	same_tracefs "--headers capture"
	port=$(sed -n 's/.* port=\([0-9]*\)$/\1/p' "$T/traffic.out")
	"$NETTRAIL" import -q "$T/h.dat" -o "$T/h.db" || fail "import failed"
	assert_eq "$N|17|127.0.0.1|127.0.0.1" "$(sql "$T/h.db" "select count(*), ip_proto, saddr, daddr from skb_lifecycles where dport = $port group by 2, 3, 4")" "the datagrams' flows"
fi
echo "headers_host: ok"
