# shellcheck shell=bash
# Sourced by the perf.data tests: import a perf.data both ways (the native reader and
# NETTRAIL_PERFDATA_CTF=1, perf data convert --to-ctf) and compare the databases table by
# table, and the per-event counts with `perf script` (an independent source).
#
# What legitimately differs, and is left out of the comparison:
# - trace_meta keys converter, streams, trace_uuid (the CTF route's conversion: a random uuid
#   per conversion, one stream per cpu file) and reader, compressed, kernel_build_id (the
#   native reader's);
# - "<field>_sym" columns: the native reader decodes symbolic fields from the tracing data's
#   print formats (__print_symbolic/__print_flags, %pS) as the trace.dat reader does; the
#   CTF conversion drops the print formats. The other columns are compared value by value;
# - tasks and common_task: the native reader names tasks from PERF_RECORD_COMM (as perf
#   script does) and the comm fields of tracepoints; the CTF route only from the latter
#   (sched_switch's prev_comm...). Checked instead: each event's task is named as perf script
#   names it; skb_lifecycles' tx_comm/rx_comm come from those names;
# - trace_classes.format: each route describes the class in its own words;
# - the CTF route's warning that it did not look inside compressed records (perf record -z):
#   the native reader unpacks them (their lost-sample records count too), so traces.warnings
#   is compared through the warnings themselves;
# - byte arrays (__u8 saddr[4], saddr[28], saddr_v6[16], fib's src/dst/gw): the native reader
#   keeps them whole as BLOBs (addresses hold zero bytes); perf's CTF conversion makes them
#   strings cut at the first zero byte. So the flows the skb analysis reads from them (the
#   flow columns of skb_lifecycles, the flow_* notes) exist on the native route only.

PD_BYTES="'saddr', 'daddr', 'saddr_v6', 'daddr_v6', 'src', 'dst', 'gw', 'gw4', 'gw6'"

# pd_dump DB: the comparable content of a database with one trace
pd_dump() {
	local db=$1 c t cols
	sql "$db" "select format, kernel, hostname, arch, ncpus, clock, first_ts, last_ts, events, lost_events, lost_unknown from traces"
	sql "$db" "select key, value from trace_meta where key not in ('converter', 'streams', 'trace_uuid', 'reader', 'compressed', 'kernel_build_id') order by key"
	sql "$db" "select message from warnings where message not like 'the file holds compressed records%' order by rowid"
	sql "$db" "select * from trace_cpus order by cpu"
	sql "$db" "select * from lost_windows order by rowid"
	sql "$db" "select name, orig_name, events from event_counts order by name"
	for c in $(sql "$db" "select id from event_classes order by name"); do
		t=$(sql "$db" "select name from event_classes where id = $c")
		cols=$(sql "$db" "select group_concat('\"' || name || '\"', ',') from (select name from event_fields where class_id = $c and name not like '%\\_sym' escape '\\' and name not in ($PD_BYTES) order by position)")
		echo "== $t"
		sql "$db" "select name, type, flags from event_fields where class_id = $c and name not like '%\\_sym' escape '\\' and name not in ($PD_BYTES) order by position"
		sql "$db" "select common_ts, common_cpu, common_pid, $cols from \"$t\" order by rowid"
	done
	# the analyses' tables, but for the task names and the symbolic drop reasons
	for t in $(sql "$db" "select name from sqlite_master where type = 'table' and name not like '%:%' and name not in ('traces', 'trace_meta', 'warnings', 'trace_cpus', 'lost_windows', 'sqlite_sequence', 'event_classes', 'event_fields', 'trace_classes', 'tasks', 'events_part_0', 'func_entries') order by name"); do
		cols=$(sql "$db" "select group_concat('\"' || name || '\"', ',') from pragma_table_info('$t') where name not in ('tx_comm', 'rx_comm', 'drop_reason', 'reason', 'family', 'ip_proto', 'saddr', 'sport', 'daddr', 'dport', 'tcp_flags', 'flow_from')")
		echo "== $t"
		if [ "$t" = analysis_notes ]; then
			sql "$db" "select $cols from \"$t\" where key not like 'flow\\_%' escape '\\' order by $cols"
			continue
		fi
		sql "$db" "select $cols from \"$t\" order by $cols"
	done
}

# pd_compare FILE LABEL: import FILE both ways into $T/LABEL.{native,ctf}.db and compare
pd_compare() {
	local f=$1 n=$2 rc
	rm -f "$T/$n.native.db" "$T/$n.ctf.db"
	"$NETTRAIL" import -q "$f" -o "$T/$n.native.db" 2> "$T/$n.err"; rc=$?
	case $rc in 0 | 5) ;; *) cat "$T/$n.err" >&2; fail "$n: native import exit code $rc" ;; esac
	NETTRAIL_PERFDATA_CTF=1 "$NETTRAIL" import -q "$f" -o "$T/$n.ctf.db" 2> "$T/$n.err"; rc=$?
	case $rc in 0 | 5) ;; *) cat "$T/$n.err" >&2; fail "$n: CTF import exit code $rc" ;; esac
	assert_eq native "$(sql "$T/$n.native.db" "select value from trace_meta where key = 'reader'")" "$n: read natively"
	pd_dump "$T/$n.native.db" > "$T/$n.native.txt"
	pd_dump "$T/$n.ctf.db" > "$T/$n.ctf.txt"
	if ! cmp -s "$T/$n.ctf.txt" "$T/$n.native.txt"; then
		diff "$T/$n.ctf.txt" "$T/$n.native.txt" | head -20
		fail "$n: the native reader and the CTF route store different rows"
	fi
	echo "ok: $n: both routes store the same $(wc -l < "$T/$n.native.txt") rows"
	pd_perf_script "$f" "$n" "$T/$n.native.db"
}

# pd_perf_script FILE LABEL DB: the samples per event and per task in DB are perf script's
pd_perf_script() {
	local f=$1 n=$2 db=$3
	# the task of each event as perf script names it (the CTF route only knew the names in
	# tracepoint fields, and kept a name past an exec: perf-exec for sh)
	perf script -G -i "$f" -F comm,tid 2> /dev/null | awk '{print $2, $1}' | sort | uniq -c | awk '{print $2, $3, $1}' | sort > "$T/$n.comm.expected"
	sql "$db" "select pid, coalesce(comm, ':' || pid), count(*) from events group by pid, comm" | tr '|' ' ' | sort > "$T/$n.comm.actual"
	diff -u "$T/$n.comm.expected" "$T/$n.comm.actual" || fail "$n: task names differ from perf script's"
	echo "ok: $n: task names and samples per task as perf script shows them ($(wc -l < "$T/$n.comm.actual") tasks)"
	# per-event counts as perf script shows them
	perf script -G -i "$f" -F event 2> /dev/null | sed -E 's/^ *//; s/: *$//' | sort | uniq -c | awk '{print $1, $2}' | sort -k2 > "$T/$n.ev.expected"
	sql "$db" 'select events, orig_name from event_counts' | awk -F'|' '{print $1, $2}' | sort -k2 > "$T/$n.ev.actual"
	diff -u "$T/$n.ev.expected" "$T/$n.ev.actual" || fail "$n: per-event counts differ from perf script"
	echo "ok: $n: per-event counts equal perf script's ($(awk '{s += $1} END {print s}' "$T/$n.ev.actual") samples)"
}
