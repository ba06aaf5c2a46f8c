#!/bin/bash
# perf.data recorded here, imported natively and through perf data convert --to-ctf
# (NETTRAIL_PERFDATA_CTF=1): the same databases table by table (tests/lib/perfdata_compare.sh)
# and perf script's per-event counts. Files: every net and skb tracepoint system-wide around
# UDP traffic; the same with perf record -z; nettrail record --backend perf --profile-cpu; and
# pipe mode (perf record -o -, natively only: perf data convert cannot read it).
. "$NT_SRC/tests/lib/common.sh"
. "$NT_SRC/tests/lib/perfdata_compare.sh"
need sqlite3
need perf
need_tracefs

perf record -q -o "$T/net.data" -e 'net:*' -e 'skb:*' -a -- "$NT_TRAFFIC" udp 200 1234 > "$T/rec.log" 2>&1 ||
	skip "perf cannot record tracepoints here: $(tail -1 "$T/rec.log")"
pd_compare "$T/net.data" net
perf record -q -z -o "$T/netz.data" -e 'net:*' -e 'skb:*' -e 'sched:sched_switch' -a -- "$NT_TRAFFIC" udp 200 1234 > "$T/rec.log" 2>&1 ||
	fail "perf record -z: $(tail -1 "$T/rec.log")"
pd_compare "$T/netz.data" netz
"$NETTRAIL" record -q --backend perf --profile-cpu 999 -e net -e skb -o "$T/prof.data" -- "$NT_TRAFFIC" udp 2000 1234 > "$T/rec.log" 2>&1; rc=$?
case $rc in 0 | 5) ;; *) cat "$T/rec.log" >&2; fail "nettrail record --backend perf: exit code $rc" ;; esac
pd_compare "$T/prof.data" prof
[ "$(sql "$T/prof.native.db" 'select count(*) from "perf:cpu-clock"')" -gt 0 ] || fail "no cpu-clock samples"
perf record -q -o - -e 'net:*' -e 'skb:*' -e 'sched:sched_switch' -a -- "$NT_TRAFFIC" udp 200 1234 2> "$T/rec.log" > "$T/pipe.data" ||
	fail "perf record -o -: $(tail -1 "$T/rec.log")"
"$NETTRAIL" import -q "$T/pipe.data" -o "$T/pipe.db" 2> "$T/err"; rc=$?
case $rc in 0 | 5) ;; *) cat "$T/err" >&2; fail "pipe mode: exit code $rc" ;; esac
pd_perf_script "$T/pipe.data" pipe "$T/pipe.db"
echo "perfdata_native_live: ok"
