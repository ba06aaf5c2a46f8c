# Sourced by the tests of killed records: kill_mid_capture BACKEND OUT starts `nettrail record`
# around UDP traffic, SIGKILLs it once the traffic was sent and its temporary files hold data,
# and sets KILLED to its pid. The traced command and (perf) the perf it started are waited for.
. "$NT_SRC/tests/lib/tracefs_state.sh"

# tmp_files PATTERN: the names in $T matching the extended regex PATTERN
tmp_files() { ls -A "$T" | grep -E "$1"; }

# Instances of nettrail pids this test killed: removed at exit if a test failed before the
# next record did it.
killed_pids=""
killed_cleanup() {
	local p i
	for p in $killed_pids; do
		for i in "$TRACEFS"/instances/nettrail-"$p"-*; do
			[ -d "$i" ] || continue
			echo 0 > "$i/tracing_on"; echo 0 > "$i/events/enable"; rmdir "$i"
		done
	done
	[ -s "$T/child.pid" ] && kill "$(cat "$T/child.pid")" 2> /dev/null
	rm -rf "$T"
}
trap killed_cleanup EXIT

kill_mid_capture() {
	local backend=$1 out=$2 i size
	rm -f "$T/sent" "$T/child.pid"
	"$NETTRAIL" record -q --backend "$backend" -e net -e skb -e irq -o "$out" -- \
		sh -c "echo \$\$ > '$T/child.pid'; '$NT_TRAFFIC' udp 3000 512 > /dev/null; touch '$T/sent'; exec sleep 120" &
	KILLED=$!
	killed_pids="$killed_pids $KILLED"
	for i in $(seq 300); do [ -e "$T/sent" ] && break; sleep 0.1; done
	[ -e "$T/sent" ] || fail "$backend: the traffic was not sent within 30 s"
	# the temporary files of the capture hold data (whole pages, for ftrace)
	for i in $(seq 100); do
		if [ "$backend" = ftrace ]; then
			size=$(cat "$out".cpu*nettrail-tmp* 2> /dev/null | wc -c)
		else
			size=$(cat "$out".nettrail-tmp* 2> /dev/null | wc -c)
		fi
		[ "$size" -gt 0 ] && break
		sleep 0.1
	done
	sleep 0.5
	kill -KILL "$KILLED"
	wait "$KILLED" 2> /dev/null
	kill "$(cat "$T/child.pid")" 2> /dev/null
	# perf gets SIGINT when nettrail dies (PR_SET_PDEATHSIG) and finishes its file
	for i in $(seq 300); do pgrep -f "perf record .*$out" > /dev/null || break; sleep 0.1; done
	pgrep -f "perf record .*$out" > /dev/null && fail "$backend: perf still runs 30 s after nettrail was killed"
	echo "ok: $backend: nettrail record $KILLED killed mid-capture"
}
