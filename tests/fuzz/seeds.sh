#!/bin/bash
# The seed corpus of the fuzz targets, made from the fixtures: seeds.sh OUTDIR writes
# OUTDIR/<target>/ for tracedat, ftrace_text, funcgraph, trace_stat, ctf and perf, and adds
# each target's regression inputs (tests/fuzz/regress/<target>/). Nothing here is committed:
# the seeds are small cuts of the fixtures, remade at every run.
set -eu
out=$1
src=$(cd "$(dirname "$0")/../.." && pwd)
fx=$src/fixtures
ext=${NT_SHARED:-$src/../shared/fixtures/external}
mkdir -p "$out"/{tracedat,ftrace_text,funcgraph,trace_stat,ctf,perf}

# head_of FILE LINES DEST: the first LINES lines of FILE, if it exists
head_of() { [ -f "$1" ] && head -n "$2" "$1" > "$3" || true; }

# trace.dat: the round-trip fixture (v6, kallsyms emptied), and as v7 with and without zstd
cp "$fx/roundtrip/udp20.dat" "$out/tracedat/udp20-v6.dat"
if command -v trace-cmd > /dev/null; then
	trace-cmd convert --file-version 7 -i "$fx/roundtrip/udp20.dat" -o "$out/tracedat/udp20-v7.dat" > /dev/null 2>&1 || true
	trace-cmd convert --file-version 7 --compression none -i "$fx/roundtrip/udp20.dat" \
		-o "$out/tracedat/udp20-v7-none.dat" > /dev/null 2>&1 || true
fi

# ftrace text: the text fixtures, and the start of trace-cmd report and third-party traces
for f in "$fx"/ftrace-text/*.txt; do cp "$f" "$out/ftrace_text/"; done
head_of "$fx/roundtrip/udp20.report-t.txt" 60 "$out/ftrace_text/udp20-report.txt"
for f in "$ext"/tracecompass-incubator/ftrace-text/*; do
	head_of "$f" 40 "$out/ftrace_text/ext-$(basename "$f").txt"
done

# function_graph text
cp "$fx/ftrace-text/funcgraph-columns.txt" "$out/funcgraph/"
head_of "$ext/perf-tools/funcgraph_example.txt" 80 "$out/funcgraph/funcgraph_example.txt"
head_of "$ext/tracecompass-incubator/ftrace-text/trace-func-graph" 60 "$out/funcgraph/trace-func-graph.txt"

# trace_stat: per-cpu function profiles, with and without the graph columns
cp "$fx/trace_stat/trace_stat/function0" "$out/trace_stat/function0"
cp "$fx/trace_stat/trace_stat/function1" "$out/trace_stat/function1"
cp "$fx/trace_stat/nograph/function3" "$out/trace_stat/nograph-function3"
cp "$fx/trace_stat/head-function-all.txt" "$out/trace_stat/"

# CTF streams for tests/fuzz/ctf_metadata (as tests/fixture/ctf_synthetic.sh writes them)
le() {
	local v=$1 n=$2 i o=""
	for ((i = 0; i < n; i++)); do printf -v o '%s\\x%02x' "$o" $(((v >> (8 * i)) & 255)); done
	printf "$o"
}
packet() {
	le $((0xC1FC1FC1)) 4; le 0 4
	le "$3" 8; le "$4" 8; le 928 8; le 1024 8; le "$1" 8; le "$2" 8; le 3 4
}
skb() { le 0 8; le "$1" 8; le "$2" 8; le "$3" 4; le "$4" 4; }
softirq() { le 1 8; le "$1" 8; le "$2" 4; le 0 4; }
{
	packet 0 0 1000 2000; skb 1000 $((0xffff888001234500)) 2 60; softirq 1500 3; le 0 12
	packet 1 5 3000 4000; skb 3000 $((0xffff888001234600)) 3 1500; softirq 3500 1; le 0 12
} > "$out/ctf/stream0"
rx() { le 0 8; le "$1" 8; le "$2" 4; printf '%s\0' "$3"; le "$4" 8; le "$5" 4; printf 'lo\0'; printf '\x00\x11\x22\x33\x44\xaa'; }
{
	le $((0xC1FC1FC1)) 4; le 1 4
	le 1200 8; le 3300 8; le 1368 8; le 1536 8; le 0 8; le 0 8; le 1 4
	rx 1200 4242 nc $((0xffff888001234500)) 1500; le 1 1; le 64 1; printf '\x7f\x00\x00\x01'; le 2 4; le 7 4; le 8 4
	rx 3200 4243 ab $((0xffff888001234600)) 60; le 0 1; le 0 4
	le 0 21
} > "$out/ctf/stream1"

# perf.data: hardware samples (third-party), and a pipe-mode stream of tracepoints whose tracing
# data comes first (cut at 64 KiB: formats and the first records)
for f in perf.data.singleprocess-3.8 perf.data.lost_samples-4.4; do
	[ -f "$ext/perf_data_converter/$f" ] && cp --no-preserve=mode "$ext/perf_data_converter/$f" "$out/perf/$f"
done
xz -dc "$fx/perf-pipe.data.xz" | head -c 65536 > "$out/perf/pipe-64k.data"

# regression inputs: findings of earlier campaigns, kept so a fix stays a fix
for d in "$src"/tests/fuzz/regress/*/; do
	[ -d "$d" ] || continue
	t=$(basename "$d")
	mkdir -p "$out/$t"
	cp "$d"/* "$out/$t/" 2> /dev/null || true
done
