#!/bin/bash
# Fuzzing smoke run (docs/FUZZING.md): builds the libFuzzer targets with clang in their own
# build directory ($NT_BUILD/fuzz-smoke), runs every regression input (tests/fuzz/regress/, and
# the printk-format files of issue 13 crafted from the fixtures by tep_craft.py) and a short,
# deterministic fuzzing run (fixed seed and run count) of each target but ctf from the seeds.
# Passes when nothing crashes, leaks or trips a sanitizer. SKIP without clang's libFuzzer.
. "$NT_SRC/tests/lib/common.sh"
need clang
need python3
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' |
	clang -fsanitize=fuzzer -x c - -o "$T/probe" 2> /dev/null ||
	skip "clang cannot link libFuzzer (install libclang-rt-14-dev)"

B=$NT_BUILD/fuzz-smoke
cmake -S "$NT_SRC" -B "$B" -DCMAKE_C_COMPILER=clang -DNT_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug \
	-DCMAKE_C_FLAGS_DEBUG="-g -O1" > "$T/cmake.log" 2>&1 || { cat "$T/cmake.log"; fail "cannot configure the fuzz build"; }
nice cmake --build "$B" --target fuzz -j2 > "$T/build.log" 2>&1 || { tail -30 "$T/build.log"; fail "cannot build the fuzz targets"; }
bash "$NT_SRC/tests/fuzz/seeds.sh" "$T/seeds" || fail "cannot make the seed corpus"

# the crafted printk sections (tests/fixture/tep_sections.sh) as regression inputs
mkdir -p "$T/regress/tracedat" "$T/regress/perf"
xz -dc "$NT_FIXTURES/perf-udp-tcp.data.xz" > "$T/tp.data"
for c in $(python3 "$NT_SRC/tests/fixture/tep_craft.py" list); do
	python3 "$NT_SRC/tests/fixture/tep_craft.py" "$NT_FIXTURES/roundtrip/udp20.dat" "$T/regress/tracedat/$c" "$c" > /dev/null 2>&1
	python3 "$NT_SRC/tests/fixture/tep_craft.py" "$T/tp.data" "$T/regress/perf/$c" "$c" > /dev/null 2>&1
done
[ "$(ls "$T/regress/perf" | wc -l)" -ge 6 ] || fail "cannot craft the printk regression inputs"
rm -f "$T/tp.data"

export ASAN_OPTIONS="allocator_may_return_null=1:detect_leaks=1"
export LSAN_OPTIONS="suppressions=$NT_SRC/tests/fuzz/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
mkdir -p "$T/tmp"
export TMPDIR="$T/tmp" # the ctf target's directory (removed with $T)
total=0
for t in tracedat ftrace_text funcgraph trace_stat ctf perf; do
	inputs=("$T"/regress/$t/* "$NT_SRC"/tests/fuzz/regress/$t/* "$T"/seeds/$t/*)
	files=()
	for f in "${inputs[@]}"; do [ -f "$f" ] && files+=("$f"); done
	"$B/fuzz_$t" -handle_abrt=0 -timeout=60 "${files[@]}" > "$T/$t.replay" 2>&1 ||
		{ grep -aE 'ERROR|SUMMARY|#[0-9]+ 0x|Running' "$T/$t.replay" | tail -30; fail "$t: an input crashes"; }
	echo "ok: $t: ${#files[@]} regression and seed inputs"
	# ctf: babeltrace2 aborts, hangs or allocates gigabytes on many mutated streams
	# (docs/FUZZING.md), so a short run is not deterministic: the replay above is its smoke
	[ $t = ctf ] && continue
	case $t in tracedat | perf) runs=1000 ;; *) runs=4000 ;; esac
	mkdir -p "$T/corpus/$t" "$T/art/$t"
	"$B/fuzz_$t" -handle_abrt=0 -seed=1 -runs=$runs -max_len=16384 -timeout=60 \
		-artifact_prefix="$T/art/$t/" "$T/corpus/$t" "$T/seeds/$t" > "$T/$t.fuzz" 2>&1 ||
		{ grep -aE 'ERROR|SUMMARY|#[0-9]+ 0x' "$T/$t.fuzz" | tail -30; fail "$t: fuzzing found a crash ($(ls "$T/art/$t"))"; }
	echo "ok: $t: $runs fuzzed inputs, $(grep -aE '^#[0-9]+.*cov:' "$T/$t.fuzz" | tail -1 | sed -E 's/.*(cov: [0-9]+).*/\1/')"
	total=$((total + runs))
done
echo "fuzz_smoke: ok ($total fuzzed inputs)"
