# Sourced. fuzz_import FILE NTRUNC NMUT [REGION_SPEC]: import prefix truncations and random byte
# mutations of FILE with the ASan+UBSan build ($NETTRAIL_ASAN). Every run must end with exit
# 0, 3 or 5 within its time limit, leave no database behind when it fails, and no sanitizer
# report may point into nettrail's own code (crashes inside third-party trace libraries are
# contained by the reader's worker process and must surface as clean errors).
# MUT_RANGES (optional): "start:end start:end ..." byte ranges where mutations go.
# NT_FUZZ_SEED (optional): the seed of the mutations, so that a run is reproducible (the same
# files every time unless another seed is given; the campaign with coverage is tests/fuzz/).
# Each run logs into its own directory under $T/san, which keeps the input when a sanitizer
# wrote anything. A failed allocation (allocator_may_return_null=1 lets the code under test see
# NULL) is logged as a bare warning without a stack; such an input is run again with
# allocator_may_return_null=0, whose report has the stack that says whose code asked.
fuzz_import() {
	local src=$1 ntrunc=$2 nmut=$3 size i off len rc n=0 bad=0 contained=0
	local work="$T/fuzz" san
	san=$(mktemp -d "$T/san.XXXXXX")
	mkdir -p "$work" "$san"
	size=$(stat -c %s "$src")
	local seed=${NT_FUZZ_SEED:-$((4242 + nmut))}
	RANDOM=$seed
	# sanitize LOGDIR FILE DB MAYNULL: the import under the sanitizers, logging into LOGDIR
	sanitize() {
		ASAN_OPTIONS="log_path=$1/asan:detect_leaks=1:allocator_may_return_null=$4" \
		UBSAN_OPTIONS="log_path=$1/ubsan:print_stacktrace=1:halt_on_error=1" \
			timeout -k 5 60 "$NETTRAIL_ASAN" import -q --timeout 20 "$2" -o "$3"
	}
	run_one() { # FILE WHAT
		local d="$san/$((n + 1))"
		rm -f "$work/db"
		mkdir -p "$d"
		sanitize "$d" "$1" "$work/db" 1 > /dev/null 2> "$work/err"
		rc=$?
		n=$((n + 1))
		if [ -n "$(ls -A "$d")" ]; then cp "$1" "$d/input"; echo "$2" > "$d/what"; else rmdir "$d"; fi
		# UBSan in the reader's worker reports on stderr, which the importer shows as a hint
		if grep -q "UndefinedBehaviorSanitizer" "$work/err" && grep -q "$NT_SRC/" "$work/err"; then
			echo "FAIL: $2: undefined behaviour in nettrail code"; sed 's/^/    /' "$work/err" | head -5
			bad=$((bad + 1))
		fi
		case $rc in
		0|5) ;;
		3) [ -e "$work/db" ] && { echo "FAIL: $2: failed import left a database"; bad=$((bad + 1)); }
		   grep -q "^nettrail: error: " "$work/err" || { echo "FAIL: $2: exit 3 without an error message"; bad=$((bad + 1)); } ;;
		*) echo "FAIL: $2: exit $rc"; sed 's/^/    /' "$work/err" | head -20; bad=$((bad + 1)) ;;
		esac
	}
	for i in $(seq 1 "$ntrunc"); do
		# spread over the whole file, denser at the start where the headers are
		if [ $((i % 2)) = 0 ]; then len=$((size * i / (ntrunc + 1))); else len=$(( (i * 7919) % 65536 % size )); fi
		head -c "$len" "$src" > "$work/t.dat"
		run_one "$work/t.dat" "truncated to $len bytes"
	done
	local ranges=(${MUT_RANGES:-0:$size})
	for i in $(seq 1 "$nmut"); do
		cp "$src" "$work/m.dat"
		local r=${ranges[$((RANDOM % ${#ranges[@]}))]} a b k
		a=${r%:*}; b=${r#*:}
		for k in 1 2 3; do
			off=$(( a + ( (RANDOM << 15 | RANDOM) % (b - a) ) ))
			printf "\\x$(printf %02x $((RANDOM % 256)))" | dd of="$work/m.dat" bs=1 seek="$off" conv=notrunc status=none
		done
		run_one "$work/m.dat" "mutation $i (3 bytes near offset $off)"
	done
	# sanitizer reports: contained third-party crashes are fine, our code is not
	local d f
	for d in "$san"/*/; do
		[ -e "$d/input" ] || continue
		for f in "$d"asan.* "$d"ubsan.*; do
			[ -e "$f" ] || continue
			if grep -q "WARNING: AddressSanitizer failed to allocate" "$f" &&
				! grep -Eq '^ *#[0-9]+ ' "$f"; then
				mkdir -p "$d/again"
				sanitize "$d/again" "$d/input" "$work/db.again" 0 > /dev/null 2>&1
				rm -f "$work/db.again"
				local g=("$d"/again/asan.*)
				if [ -e "${g[0]}" ]; then f=${g[0]}; else
					echo "FAIL: $(cat "$d/what"): a failed allocation that does not happen again: $f"
					bad=$((bad + 1)); continue
				fi
			fi
			# the first frame outside the sanitizer runtime says whose code it was
			if grep -q "runtime error:" "$f" || ! awk '/^ *#[0-9]+ / && !/libsanitizer|interceptor|libasan|libubsan|sanitizer_common/ {print; exit}' "$f" |
				grep -Eq 'libtraceevent|libtracecmd|libbabeltrace|libc\.so|libzstd|libz\.so'; then
				echo "FAIL: $(cat "$d/what"): sanitizer report in nettrail code: $f"; sed 's/^/    /' "$f" | head -30
				bad=$((bad + 1))
			else
				contained=$((contained + 1))
			fi
		done
	done
	echo "fuzz: $n runs (NT_FUZZ_SEED=$seed), $contained third-party crashes contained, $bad failures"
	[ "$bad" = 0 ]
}
