#!/bin/bash
# VM: nettrail record --backend lttng for real, in the lab VM booted on the kernel that
# vm/lttng-modules.sh built lttng-modules 2.13.9 for (Debian's 6.1.0-47; setup.sh builds it),
# around N UDP datagrams over loopback and M connects to a closed port. On the host: the CTF
# directory imports; every event count equals babeltrace2's count of the same directory; N skb
# lifecycles of the datagrams end consumed; the M SYNs are dropped with reason NO_SOCKET (one of
# the few reasons LTTng 2.13's enum names); the IRQ/softirq analysis has its rows.
. "$NT_SRC/tests/lib/common.sh"
. "$NT_SRC/tests/vm/vm_lib.sh"
need_vm
need sqlite3
need babeltrace2
root=${XDG_CACHE_HOME:-$HOME/.cache}/nettrail/lttng-vm
if ! ls "$root"/*/stamp > /dev/null 2>&1; then
	# setup.sh builds it; in CI its absence is a failure, elsewhere a skip
	[ -n "${CI:-}" ] && fail "no LTTng build for the lab VM in $root (vm/lttng-modules.sh)"
	skip "no LTTng build for the lab VM in $root: run vm/lttng-modules.sh (6-9 minutes)"
fi

N=20
M=5
SIZE=1234
"$NETTRAIL" vm record --backend lttng --dat "$T/ctf" -o "$T/l.db" --keep "$T/work" \
	--timeout 300 -- udp $N $SIZE tcp-closed $M 2> "$T/vm.err"
rc=$?
cat "$T/vm.err"
assert_eq 0 "$rc" "vm record --backend lttng exit code"
assert_eq "udp sent=$N received=$N" "$(grep -o 'udp sent=[0-9]* received=[0-9]*' "$T/work/out/traffic.out")" "the datagrams (the traffic's own count)"
assert_eq "tcp-closed connects=$M refused=$M" "$(grep -o 'tcp-closed connects=[0-9]* refused=[0-9]*' "$T/work/out/traffic.out")" "the refused connects"
# the collector stops the lttng-sessiond it started (none ran before it in the guest)
[ -s "$T/work/out/ps.after" ] || fail "no process list from the guest"
grep -qE 'lttng-(sessiond|consumerd)' "$T/work/out/ps.after" && fail "an LTTng daemon outlived the capture: $(grep lttng "$T/work/out/ps.after")"
echo "ok: no lttng-sessiond or consumerd left in the guest"
[ -s "$T/ctf/kernel/metadata" ] || fail "no CTF metadata in $T/ctf/kernel"
grep -q 'kernel_release = "6.1.0-47-amd64"' <(babeltrace2 --output-format=ctf-metadata "$T/ctf/kernel" 2>/dev/null) ||
	echo "note: kernel release not found in the metadata's env"

# per-event counts: babeltrace2's text against the database's, by LTTng's own names
babeltrace2 "$T/ctf" 2> "$T/bt.err" | awk '{for (i = 1; i <= NF; i++) if ($i ~ /:$/ && $(i+1) ~ /^\{/) { sub(/:$/, "", $i); print $i; break } }' |
	sort | uniq -c | awk '{print $1, $2}' | sort -k2 > "$T/bt.counts"
[ "${PIPESTATUS[0]}" = 0 ] || fail "babeltrace2 cannot read the trace: $(tail -3 "$T/bt.err")"
sql "$T/l.db" "SELECT events, orig_name FROM event_counts WHERE trace_id = 1" | awk -F'|' '{print $1, $2}' | sort -k2 > "$T/db.counts"
diff -u "$T/bt.counts" "$T/db.counts" || fail "per-event counts differ from babeltrace2's"
echo "ok: $(awk '{s += $1} END {print s}' "$T/bt.counts") events in $(wc -l < "$T/bt.counts") classes, as babeltrace2 counts them"
for e in net_dev_queue net_if_receive_skb skb_consume skb_kfree irq_softirq_entry; do
	grep -q " $e\$" "$T/bt.counts" || fail "no $e event in the trace"
done

wire=$((SIZE + 8 + 20 + 14))
assert_eq $N "$(sql "$T/l.db" "select count(*) from skb_lifecycles where device = 'lo' and len = $wire and outcome = 'consumed'")" "datagram lifecycles consumed"
assert_eq $N "$(sql "$T/l.db" "select count(*) from \"net:net_dev_queue\" where name = 'lo' and len = $wire")" "net_dev_queue of the datagrams"
assert_eq $M "$(sql "$T/l.db" "select count(*) from skb_lifecycles where outcome = 'dropped' and drop_reason = 'NO_SOCKET'")" "NO_SOCKET drops (the SYNs)"
[ "$(sql "$T/l.db" "select count(*) from softirq_intervals")" -gt 0 ] || fail "no softirq intervals"
[ "$(sql "$T/l.db" "select count(*) from irq_stats")" -gt 0 ] || fail "no irq/softirq statistics"
assert_eq 0 "$(sql "$T/l.db" "select coalesce(sum(lost_events), 0) from trace_cpus")" "lost events"
echo "lttng_vm: ok"
