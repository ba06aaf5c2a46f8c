#!/bin/bash
# Whose code each finding crashes in: tests/fuzz/triage.sh TARGET ARTIFACT... replays each
# artifact with build-fuzz/fuzz_TARGET ($NT_FUZZ_BUILD) and prints the kind of report and the
# first stack frame outside the sanitizer runtime, libFuzzer and libc (the culprit), one line each.
set -u
t=$1
shift
src=$(cd "$(dirname "$0")/../.." && pwd)
bin=${NT_FUZZ_BUILD:-$src/build-fuzz}/fuzz_$t
export ASAN_OPTIONS="allocator_may_return_null=1:detect_leaks=1"
export LSAN_OPTIONS="suppressions=$src/tests/fuzz/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
for a in "$@"; do
	out=$(timeout 60 "$bin" -handle_abrt=0 -timeout=30 "$a" 2>&1)
	kind=$(grep -aoE 'ERROR: [A-Za-z]+: [A-Za-z-]+|runtime error: [^/]*|ERROR: libFuzzer: [a-z-]+' <<< "$out" | head -1)
	frame=$(grep -aE '^ +#[0-9]+ 0x' <<< "$out" | grep -avE 'libsanitizer|compiler-rt|asan_|ubsan|lsan|sanitizer_common|fuzzer::|/libc\.so|libc_start|in (malloc|calloc|realloc|free|strdup|strndup|memcpy|memmove|memset|strlen|strcmp|__interceptor_[a-z_]*) |_start' | head -1 |
		sed -E 's/^ +#[0-9]+ 0x[0-9a-f]+ in //; s/ \(BuildId.*//')
	printf '%s\t%s\t%s\n' "$(basename "$a")" "${kind:-no report (exit ok)}" "${frame:-?}"
done
