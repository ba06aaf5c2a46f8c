# Sourced by every shell test. Environment (set by ctest): NETTRAIL, NT_TRAFFIC, NT_SRC,
# NT_BUILD, NT_FIXTURES, NT_SHARED, NT_SANITIZE.
set -u
: "${NETTRAIL:?run through ctest}"

T=$(mktemp -d "${TMPDIR:-/tmp}/nt-test.XXXXXX")
trap 'rm -rf "$T"' EXIT

# Print SKIP with the reason and leave with ctest's skip code.
skip() { echo "SKIP: $*"; exit 77; }

fail() { echo "FAIL: $*" >&2; exit 1; }

# assert_eq EXPECTED ACTUAL WHAT
assert_eq() {
	if [ "$1" != "$2" ]; then fail "$3: expected '$1', got '$2'"; fi
	echo "ok: $3 = $2"
}

# assert_match REGEX TEXT WHAT
assert_match() {
	if ! printf '%s' "$2" | grep -Eq -- "$1"; then fail "$3: '$2' does not match /$1/"; fi
	echo "ok: $3"
}

# assert_has STRING TEXT WHAT: TEXT holds STRING as it is, no regex (for values read at run
# time, e.g. a kernel release such as "6.10.0-rc1+", whose '+' or '.' a regex would misread)
assert_has() {
	case $2 in *"$1"*) ;; *) fail "$3: '$2' does not contain '$1'" ;; esac
	echo "ok: $3"
}

# Root with tracefs mounted, or SKIP.
need_tracefs() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	[ -e /sys/kernel/tracing/events/header_page ] || skip "tracefs is not mounted at /sys/kernel/tracing"
}

need() { command -v "$1" >/dev/null 2>&1 || skip "needs $1"; }

# Per-event counts from `trace-cmd report` (independent of nettrail): lines "COUNT name".
# Event names are unqualified there (system-less), as trace-cmd prints them.
report_counts() {
	trace-cmd report "$1" 2>/dev/null | awk '
		/^cpus=/ || /^version =/ || /^CPU [0-9]+ is empty/ { next }
		{ for (i = 2; i <= NF; i++) if ($i ~ /:$/ && $(i-1) ~ /^[0-9]+\.[0-9]+:$/) { sub(/:$/, "", $i); print $i; break } }' |
		sort | uniq -c | awk '{print $1, $2}'
}

# Per-event counts from a nettrail database (trace ID), same shape: "COUNT name" with the
# system stripped so it compares with report_counts.
db_counts() {
	sqlite3 "$1" "SELECT events, substr(name, instr(name, ':') + 1) FROM event_counts WHERE trace_id=${2:-1} ORDER BY 2" |
		awk -F'|' '{print $1, $2}' | sort -k2
}

# sql DB QUERY
sql() { sqlite3 -batch "$1" "$2"; }
