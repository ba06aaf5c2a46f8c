#!/bin/bash
# Run the fuzz targets: tests/fuzz/run.sh SECONDS [TARGET...] runs each target (all six by
# default: tracedat ftrace_text funcgraph trace_stat ctf perf) for SECONDS, one after the other,
# at nice 19. The build is $NT_FUZZ_BUILD (default build-fuzz, configured with -DNT_FUZZ=ON and
# clang, made if missing); the corpus grows in $NT_FUZZ_WORK/corpus/<target> (default
# $NT_FUZZ_BUILD/fuzz-work) across runs, crashes land in $NT_FUZZ_WORK/artifacts/<target>/,
# libFuzzer's log in $NT_FUZZ_WORK/logs/<target>.log, inputs that made a Debian library abort()
# (babeltrace2's assertions; the import worker contains those) in $NT_FUZZ_WORK/libabort/<target>.
# A crash, leak, timeout or out-of-memory ends libFuzzer; the target is started again on its
# grown corpus until SECONDS are used, so one finding does not end the campaign. Prints one
# line of figures per target; exits 1 when a target left artifacts (tests/fuzz/triage.sh says
# whose code each crashes in).
set -u
secs=${1:?usage: run.sh SECONDS [TARGET...]}
shift
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${NT_FUZZ_BUILD:-$src/build-fuzz}
work=${NT_FUZZ_WORK:-$build/fuzz-work}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(tracedat ftrace_text funcgraph trace_stat ctf perf)

if [ ! -x "$build/fuzz_${targets[0]}" ]; then
	cmake -S "$src" -B "$build" -DCMAKE_C_COMPILER=clang -DNT_FUZZ=ON \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null || exit 2
fi
nice -n 19 cmake --build "$build" --target fuzz -j2 > "$build/fuzz-build.log" 2>&1 ||
	{ tail -20 "$build/fuzz-build.log"; exit 2; }
rm -rf "$work/seeds"
bash "$src/tests/fuzz/seeds.sh" "$work/seeds" || exit 2

# allocator_may_return_null: the libraries malloc sizes read from the file (glibc returns NULL,
# which they handle); a small quarantine keeps memory warm (exec/s doubles on 2 shared cores)
export ASAN_OPTIONS="allocator_may_return_null=1:quarantine_size_mb=16:detect_leaks=1"
export LSAN_OPTIONS="suppressions=$src/tests/fuzz/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# the ctf target's directory: libFuzzer leaves without atexit() after a finding. In memory
# (/dev/shm) when there is one: the stream file rewritten for every input cost a disk
# write-back each time (ext4 flushes a file truncated and closed), a third of an execution.
tmp=$(mktemp -d /dev/shm/nt-fuzz.XXXXXX 2> /dev/null) || { tmp=$work/tmp && mkdir -p "$tmp"; }
export TMPDIR=$tmp
trap 'rm -rf "$tmp"' EXIT
status=0
printf '%-12s %12s %8s %8s %7s %7s %6s %6s %s\n' target execs exec/s seconds cov ft corpus libabrt result
for t in "${targets[@]}"; do
	malloc=3072
	case $t in
	tracedat | perf) maxlen=65536 tmo=20 ;;
	# ctf: babeltrace2 takes 1 to 5 ms per input. The slow ones allocate a field object per
	# element of a sequence whose length is read from the file (library finding 3): up to
	# 2^32 of them, seconds to minutes, ending the run as a timeout or out-of-memory. Cut
	# them short: 2 s, and no single malloc over 64 MB (their array of 8 M elements or more)
	ctf) maxlen=4096 tmo=2 malloc=64 ;;
	trace_stat) maxlen=4096 tmo=20 ;;
	*) maxlen=8192 tmo=20 ;;
	esac
	mkdir -p "$work/corpus/$t" "$work/artifacts/$t" "$work/logs"
	log=$work/logs/$t.log
	start=$(date +%s)
	mkdir -p "$work/libabort/$t"
	before=$(ls "$work/artifacts/$t" | wc -l)
	execs=0 runs=0 last=""
	: > "$log"
	while [ $(($(date +%s) - start)) -lt $((secs - 2)) ]; do
		left=$((secs - ($(date +%s) - start)))
		# ctf: an input babeltrace2 aborts on leaves its graph (and our reader state) behind,
		# which LeakSanitizer would blame on the next input; leaks are checked elsewhere.
		# Off for libFuzzer too: it runs every input that leaks a second time to look for it
		[ $t = ctf ] && leaks=0 || leaks=1
		ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=$leaks" \
			NT_FUZZ_LIBABORT_DIR="$work/libabort/$t" nice -n 19 "$build/fuzz_$t" \
			-handle_abrt=0 -detect_leaks=$leaks -max_total_time=$left -max_len=$maxlen \
			-timeout=$tmo -rss_limit_mb=3072 -malloc_limit_mb=$malloc -print_final_stats=1 \
			-artifact_prefix="$work/artifacts/$t/" \
			"$work/corpus/$t" "$work/seeds/$t" > "$log.run" 2>&1
		runs=$((runs + 1))
		# executions: the final stats, or after a finding the last progress line "#N ..."
		n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log.run")
		[ -n "$n" ] || n=$(grep -aE '^#[0-9]+' "$log.run" | tail -1 | sed -nE 's/^#([0-9]+).*/\1/p')
		execs=$((execs + ${n:-0}))
		l=$(grep -aE '^#[0-9]+.* cov: ' "$log.run" | tail -1)
		[ -z "$l" ] || last=$l
		cat "$log.run" >> "$log"
		rm -f "$log.run"
	done
	found=$(($(ls "$work/artifacts/$t" | wc -l) - before))
	result=ok
	[ $found = 0 ] || { result="$found new artifact(s) in $work/artifacts/$t"; status=1; }
	cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<< "$last")
	ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<< "$last")
	el=$(($(date +%s) - start))
	printf '%-12s %12s %8s %8s %7s %7s %6s %6s %s\n' "$t" "$execs" $((execs / (el > 0 ? el : 1))) \
		"$el" "${cov:-?}" "${ft:-?}" "$(ls "$work/corpus/$t" | wc -l)" \
		"$(ls "$work/libabort/$t" | wc -l)" "$result"
done
exit $status
