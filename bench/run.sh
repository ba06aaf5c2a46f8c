#!/bin/bash
# The import benchmark. Captures (once, as root) a large trace of loopback UDP traffic with
# nettrail record (trace.dat v6), converts it to trace-cmd's default v7 (compressed) with
# `trace-cmd convert`, then times in the same run, on the same files:
#   trace-cmd report FILE > /dev/null        (the reference)
#   nettrail import FILE -o DB               (fresh database)
# printing wall time, ratio, events/s and peak RSS. Usage: bench/run.sh [BUILD_DIR] [OUT_DIR]
# Environment: BENCH_DATAGRAMS (default 300000: about 5.5 M events).
set -euo pipefail
B=$(realpath "${1:-build}")
OUT=$(realpath -m "${2:-bench/out}")
N=${BENCH_DATAGRAMS:-300000}
mkdir -p "$OUT"
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "bench: needs GNU time (apt-get install time)"; exit 2; }

v6=$OUT/udp-$N-v6.dat
v7=$OUT/udp-$N-v7.dat
if [ ! -s "$v6" ]; then
	[ "$(id -u)" = 0 ] || { echo "bench: capturing needs root"; exit 2; }
	echo "bench: capturing $N UDP datagrams (net, skb, napi, irq, sock, kmem) ..."
	"$B/nettrail" record -q -b 262144 -e net -e skb -e napi -e irq -e sock -e kmem \
		-o "$v6" -- "$B/nt-traffic" udp "$N" 64 > /dev/null || [ $? = 5 ]
fi
[ -s "$v7" ] || trace-cmd convert --file-version 7 --compression any -i "$v6" -o "$v7" > /dev/null

run() { # LABEL COMMAND... -> "seconds maxrss_kb"
	local label=$1; shift
	sync
	"$TIME" -f "%e %M" -o "$OUT/time.txt" "$@" > /dev/null 2> "$OUT/stderr.txt" || {
		cat "$OUT/stderr.txt"; echo "bench: $label failed"; exit 1; }
	cat "$OUT/time.txt" | tail -1
}

printf '%-34s %9s %12s %12s %10s\n' "file / tool" "seconds" "events/s" "peak RSS MB" "vs report"
for f in "$v7" "$v6"; do
	rm -f "$OUT/bench.db"
	read -r ts trss < <(run report trace-cmd report "$f")
	read -r ns nrss < <(NETTRAIL_RUSAGE=1 run import "$B/nettrail" import -q "$f" -o "$OUT/bench.db")
	# the importer and its reader worker are two processes: add their peaks
	both=$(awk '/^rusage:/ {print $4 + $8}' "$OUT/stderr.txt")
	ev=$(sqlite3 "$OUT/bench.db" 'select events from traces')
	name=$(basename "$f")
	printf '%-34s %9.2f %12.0f %12.1f %10s\n' "$name  trace-cmd report" "$ts" "$(echo "$ev / $ts" | bc -l)" "$(echo "$trss / 1024" | bc -l)" "1.00"
	printf '%-34s %9.2f %12.0f %12.1f %10.2f\n' "$name  nettrail import" "$ns" "$(echo "$ev / $ns" | bc -l)" "$(echo "${both:-$nrss} / 1024" | bc -l)" "$(echo "$ns / $ts" | bc -l)"
	echo "  ($ev events; nettrail peak RSS = importer + reader worker)"
done
