#!/bin/bash
# The import benchmark. Captures (once, as root) a large trace of loopback UDP traffic with
# nettrail record (trace.dat v6), converts it to trace-cmd's default v7 (compressed) with
# `trace-cmd convert`, then times in the same run, on the same files:
#   trace-cmd report FILE > /dev/null        (the reference)
#   nettrail import --no-analyze FILE -o DB  (fresh database), nettrail analyze DB, and
#   nettrail import FILE -o DB               (with its analyses, as a user runs it)
# on a quick 0.8 M-event v7 file (BENCH_SKIP_QUICK=1: not) and the large v7 and v6 files,
# printing wall time, ratio, events/s and peak RSS. Usage: bench/run.sh [BUILD_DIR] [OUT_DIR]
# Environment: BENCH_DATAGRAMS (default 300000: 5.9 to 11 M events, by kernel), BENCH_SKIP_PERF=1
# to leave out the perf.data and CTF rows (recording with perf and converting takes a few
# minutes), BENCH_SKIP_FULL=1 to leave out the rows of the import with its analyses,
# BENCH_SKIP_TRACEDAT=1 to leave out the trace.dat rows, BENCH_PERF_CTF=1 to add a row for the
# old perf.data route (NETTRAIL_PERFDATA_CTF=1: perf data convert --to-ctf, about a minute).
# Then a batch of 10 mixed fixture files, import -j 1 against -j N (BENCH_SKIP_BATCH=1: not).
# The reference and the import with analyses are the medians of BENCH_RUNS (default 3)
# alternated runs; the import alone and nettrail analyze one run each.
set -euo pipefail
B=$(realpath "${1:-build}")
OUT=$(realpath -m "${2:-bench/out}")
N=${BENCH_DATAGRAMS:-300000}
mkdir -p "$OUT"
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "bench: needs GNU time (apt-get install time)"; exit 2; }

v6=$OUT/udp-$N-v6.dat
v7=$OUT/udp-$N-v7.dat
if [ "${BENCH_SKIP_TRACEDAT:-0}" != 1 ] && [ ! -s "$v6" ]; then
	[ "$(id -u)" = 0 ] || { echo "bench: capturing needs root"; exit 2; }
	echo "bench: capturing $N UDP datagrams (net, skb, napi, irq, sock, kmem) ..."
	"$B/nettrail" record -q -b 262144 -e net -e skb -e napi -e irq -e sock -e kmem \
		-o "$v6" -- "$B/nt-traffic" udp "$N" 64 > /dev/null || [ $? = 5 ]
fi
[ "${BENCH_SKIP_TRACEDAT:-0}" = 1 ] || [ -s "$v7" ] || trace-cmd convert --file-version 7 --compression any -i "$v6" -o "$v7" > /dev/null
# the quick size (issue 18): 60,000 datagrams with net, skb, napi, irq and the slab cache's
# alloc/free only (about 0.8 M events), as v7; BENCH_SKIP_QUICK=1 leaves it out
q6=$OUT/udp-quick-60000-v6.dat
q7=$OUT/udp-quick-60000-v7.dat
if [ "${BENCH_SKIP_TRACEDAT:-0}" != 1 ] && [ "${BENCH_SKIP_QUICK:-0}" != 1 ] && [ ! -s "$q7" ]; then
	[ "$(id -u)" = 0 ] || { echo "bench: capturing needs root"; exit 2; }
	"$B/nettrail" record -q -b 65536 -e net -e skb -e napi -e irq -e kmem:kmem_cache_alloc \
		-e kmem:kmem_cache_free -o "$q6" -- "$B/nt-traffic" udp 60000 64 > /dev/null || [ $? = 5 ]
	trace-cmd convert --file-version 7 --compression any -i "$q6" -o "$q7" > /dev/null
	rm -f "$q6" "$q6.workload"
fi
quick=()
[ "${BENCH_SKIP_QUICK:-0}" = 1 ] || [ ! -s "$q7" ] || quick=("$q7")

median() { sort -n "$1" | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; } # FILE of numbers

run() { # LABEL COMMAND... -> "seconds maxrss_kb"
	local label=$1; shift
	sync
	local rc=0
	"$TIME" -f "%e %M" -o "$OUT/time.txt" "$@" > /dev/null 2> "$OUT/stderr.txt" || rc=$?
	# 5: completed, but the trace says events were lost (a lossy capture is still a benchmark)
	if [ "$rc" != 0 ] && [ "$rc" != 5 ]; then cat "$OUT/stderr.txt"; echo "bench: $label failed"; exit 1; fi
	grep -E '^[0-9.]+ [0-9]+$' "$OUT/time.txt" | tail -1
}

# The reference (COMMAND... FILE) and the import with its analyses of FILE, as a user runs it,
# into a fresh $OUT/bench-full.db, alternated BENCH_RUNS times (default 3; BENCH_SKIP_FULL=1:
# the reference alone): sets ts and fs, their medians, and trss and fpeak, the largest peaks
# (KB; the import's: the importer and its reader worker added, two processes). One run each
# moved by 20 % and more here (docs/PERFORMANCE.md).
alternate() {
	local f=${*: -1} t r
	rm -f "$OUT/bench-full.db" # no size printed from an earlier run's
	: > "$OUT/ref.txt"
	: > "$OUT/full.txt"
	trss=0 fpeak=0
	for _ in $(seq "${BENCH_RUNS:-3}"); do
		read -r t r < <(run reference "$@")
		echo "$t" >> "$OUT/ref.txt"
		[ "$r" -gt "$trss" ] && trss=$r
		[ "${BENCH_SKIP_FULL:-0}" = 1 ] && continue
		rm -f "$OUT/bench-full.db"
		read -r t r < <(NETTRAIL_RUSAGE=1 run import-full "$B/nettrail" import -q "$f" -o "$OUT/bench-full.db")
		echo "$t" >> "$OUT/full.txt"
		r=$(awk '/^rusage:/ {print $4 + $8}' "$OUT/stderr.txt")
		[ "${r:-0}" -gt "$fpeak" ] && fpeak=$r
	done
	ts=$(median "$OUT/ref.txt")
	fs=$(median "$OUT/full.txt")
}

# the row of the import with its analyses (NAME EVENTS), from alternate()
full_row() {
	[ -n "$fs" ] || return 0
	printf '%-34s %9.2f %12.0f %12.1f %10.2f\n' "$1  import with analyses" "$fs" "$(echo "$2 / $fs" | bc -l)" "$(echo "$fpeak / 1024" | bc -l)" "$(echo "$fs / $ts" | bc -l)"
}

printf '%-34s %9s %12s %12s %10s\n' "file / tool" "seconds" "events/s" "peak RSS MB" "vs report"
for f in "${quick[@]}" "$v7" "$v6"; do
	[ "${BENCH_SKIP_TRACEDAT:-0}" = 1 ] && break
	alternate trace-cmd report "$f"
	rm -f "$OUT/bench.db"
	read -r ns nrss < <(NETTRAIL_RUSAGE=1 run import "$B/nettrail" import -q --no-analyze "$f" -o "$OUT/bench.db")
	# the importer and its reader worker are two processes: add their peaks
	both=$(awk '/^rusage:/ {print $4 + $8}' "$OUT/stderr.txt")
	read -r as arss < <(run analyze "$B/nettrail" analyze "$OUT/bench.db")
	ev=$(sqlite3 "$OUT/bench.db" 'select events from traces')
	name=$(basename "$f")
	printf '%-34s %9.2f %12.0f %12.1f %10s\n' "$name  trace-cmd report" "$ts" "$(echo "$ev / $ts" | bc -l)" "$(echo "$trss / 1024" | bc -l)" "1.00"
	printf '%-34s %9.2f %12.0f %12.1f %10.2f\n' "$name  nettrail import" "$ns" "$(echo "$ev / $ns" | bc -l)" "$(echo "${both:-$nrss} / 1024" | bc -l)" "$(echo "$ns / $ts" | bc -l)"
	printf '%-34s %9.2f %12.0f %12.1f %10.2f\n' "$name  nettrail analyze" "$as" "$(echo "$ev / $as" | bc -l)" "$(echo "$arss / 1024" | bc -l)" "$(echo "$as / $ts" | bc -l)"
	full_row "$name" "$ev"
	echo "  ($ev events; import peak RSS = importer + reader worker; analyze = all analyses, no import;"
	echo "   report and import with analyses: medians of ${BENCH_RUNS:-3} alternated runs, the largest peak;"
	[ ! -e "$OUT/bench-full.db" ] || echo "   database with analyses $(($(stat -c %s "$OUT/bench-full.db") / 1048576)) MB)"
done

# ---- a batch of mixed files: import -j 1 against -j N (readers run ahead, one writer) ----
# 10 files from fixtures/ and ../shared (trace.dat v6/v7, perf.data, ftrace text, CTF), the
# runs alternated (the machine may be shared) and the median taken. BENCH_SKIP_BATCH=1 leaves
# it out; BENCH_BATCH_RUNS (default 5); BENCH_JOBS (default: the CPUs online).
if [ "${BENCH_SKIP_BATCH:-0}" != 1 ]; then
	S=$(realpath "$(dirname "$0")/..")
	X=$(realpath -m "$S/../shared/fixtures/external")
	bd=$OUT/batch
	mkdir -p "$bd"
	for n in udp100-tracecmd-v6 udp100-tracecmd-v7 udp100-nettrail; do
		[ -s "$bd/$n.dat" ] || xz -dc "$S/fixtures/$n.dat.xz" > "$bd/$n.dat"
	done
	for n in perf-udp-z perf-udp-tcp; do
		[ -s "$bd/$n.data" ] || xz -dc "$S/fixtures/$n.data.xz" > "$bd/$n.data"
	done
	files=("$bd"/*.dat "$bd"/*.data)
	for f in perf_data_converter/perf.data.lost_samples-4.4 tracecompass-incubator/ftrace-text/atrace-test \
		tracecompass-incubator/ftrace-text/ftrace_syscalls.txt tracecompass-test-traces/many-threads \
		tracecompass-test-traces/synctraces/scp_src; do
		[ -e "$X/$f" ] && files+=("$X/$f")
	done
	jobs=${BENCH_JOBS:-$(nproc)}
	: > "$OUT/batch-1.txt"
	: > "$OUT/batch-$jobs.txt"
	for _ in $(seq "${BENCH_BATCH_RUNS:-5}"); do
		for j in 1 "$jobs"; do
			rm -f "$OUT/batch.db"
			run "batch -j $j" "$B/nettrail" import -q -j "$j" "${files[@]}" -o "$OUT/batch.db" | cut -d' ' -f1 >> "$OUT/batch-$j.txt"
		done
	done
	m1=$(median "$OUT/batch-1.txt")
	mj=$(median "$OUT/batch-$jobs.txt")
	printf '%-34s %9.2f %12s %12s %10s\n' "batch of ${#files[@]} files  -j 1" "$m1" "" "" "1.00"
	printf '%-34s %9.2f %12s %12s %10.2f\n' "batch of ${#files[@]} files  -j $jobs" "$mj" "" "" "$(echo "$mj / $m1" | bc -l)"
	echo "  (median of ${BENCH_BATCH_RUNS:-5} alternated runs each; last column: time against -j 1)"
fi

# ---- the other formats: the same workload recorded by perf, and that perf.data as CTF ----
# (issue: import faster than `babeltrace2 DIR > /dev/null` and `perf script > /dev/null`)
[ "${BENCH_SKIP_PERF:-0}" = 1 ] && exit 0
command -v perf > /dev/null || { echo "bench: no perf; skipping the perf.data and CTF rows"; exit 0; }
pd=$OUT/udp-$N.perf.data
ctf=$OUT/udp-$N-ctf
if [ ! -s "$pd" ]; then
	[ "$(id -u)" = 0 ] || { echo "bench: recording with perf needs root"; exit 0; }
	echo "bench: recording the same workload with perf record ..."
	perf record -q -a -m 16M -e 'net:*' -e 'skb:*' -e 'napi:*' -e 'irq:*' -e 'sock:*' \
		-e 'kmem:kmalloc' -e 'kmem:kfree' -e 'kmem:kmem_cache_alloc' -e 'kmem:kmem_cache_free' \
		-e 'kmem:mm_page_alloc' -e 'kmem:mm_page_free' -o "$pd" -- "$B/nt-traffic" udp "$N" 64 > /dev/null 2>&1
fi
if [ ! -d "$ctf" ]; then
	echo "bench: converting to CTF (perf data convert --to-ctf) ..."
	perf data convert --to-ctf "$ctf" -i "$pd" > /dev/null 2>&1 || { echo "bench: conversion failed"; exit 1; }
fi
for pair in "babeltrace2|$ctf" "perf script -i|$pd"; do
	tool=${pair%%|*}; f=${pair#*|}
	name=$(basename "$f")
	# shellcheck disable=SC2086
	alternate $tool "$f"
	rm -f "$OUT/bench.db"
	read -r ns nrss < <(NETTRAIL_RUSAGE=1 run import "$B/nettrail" import -q --no-analyze "$f" -o "$OUT/bench.db")
	both=$(awk '/^rusage:/ {print $4 + $8}' "$OUT/stderr.txt")
	ev=$(sqlite3 "$OUT/bench.db" 'select events from traces')
	printf '%-34s %9.2f %12.0f %12.1f %10s\n' "$name  ${tool%% *}" "$ts" "$(echo "$ev / $ts" | bc -l)" "$(echo "$trss / 1024" | bc -l)" "1.00"
	printf '%-34s %9.2f %12.0f %12.1f %10.2f\n' "$name  nettrail import" "$ns" "$(echo "$ev / $ns" | bc -l)" "$(echo "${both:-$nrss} / 1024" | bc -l)" "$(echo "$ns / $ts" | bc -l)"
	full_row "$name" "$ev"
	if [ "$tool" = "perf script -i" ] && [ "${BENCH_PERF_CTF:-0}" = 1 ]; then
		rm -f "$OUT/bench.db"
		read -r cs crss < <(NETTRAIL_PERFDATA_CTF=1 NETTRAIL_RUSAGE=1 run import-ctf "$B/nettrail" import -q --no-analyze "$f" -o "$OUT/bench.db")
		both=$(awk '/^rusage:/ {print $4 + $8}' "$OUT/stderr.txt")
		printf '%-34s %9.2f %12.0f %12.1f %10.2f\n' "$name  import via CTF" "$cs" "$(echo "$ev / $cs" | bc -l)" "$(echo "${both:-$crss} / 1024" | bc -l)" "$(echo "$cs / $ts" | bc -l)"
	fi
	echo "  ($ev events; reference and import with analyses: medians of ${BENCH_RUNS:-3} alternated runs, the largest peak)"
done
