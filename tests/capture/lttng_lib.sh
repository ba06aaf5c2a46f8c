# Sourced by the lttng_*.sh tests: what they need, and what they check after every run.
# On a machine whose kernel has no lttng-modules (the kernel tracer is missing), every failure
# path runs for real; the capture itself is tested in the lab VM.
. "$NT_SRC/tests/lib/common.sh"
[ "$(id -u)" = 0 ] || skip "needs root"
need lttng
need lttng-sessiond
if [ -d /sys/module/lttng_tracer ] || modinfo lttng-tracer > /dev/null 2>&1; then
	skip "this kernel has lttng-modules: these tests need the kernel tracer missing"
fi

# Live lttng-sessiond (and consumerd) processes, zombies left out: "PID COMM" lines.
lttng_procs() {
	ps -eo pid=,stat=,comm= | awk '$2 !~ /^Z/ && ($3 == "lttng-sessiond" || $3 == "lttng-consumerd") {print $1, $3}'
}
[ -z "$(lttng_procs)" ] || skip "an lttng-sessiond runs already (not ours to stop): $(lttng_procs | tr '\n' ' ')"

# nothing_left WHAT DIR: no output directory, no temporary file, no lttng process.
nothing_left() {
	[ ! -e "$2" ] || fail "$1: '$2' was left behind"
	ls -A "$(dirname "$2")" | grep -q nettrail-tmp && fail "$1: temporary files left behind: $(ls -A "$(dirname "$2")")"
	[ -z "$(lttng_procs)" ] || fail "$1: lttng processes left running: $(lttng_procs | tr '\n' ' ')"
	echo "ok: $1: nothing left"
}

# The kernel tracer's message, its hint, exit code 1.
assert_no_kernel_tracer() {
	assert_eq 1 "$2" "$1: exit code"
	assert_match "the LTTng kernel tracer is not available" "$3" "$1: message"
	# the running kernel's release, read here from /proc (the program asks uname(2))
	assert_has "install lttng-modules-dkms for the running kernel ($(cat /proc/sys/kernel/osrelease))" "$3" "$1: hint names the package and kernel"
	assert_match "nettrail vm record --backend lttng" "$3" "$1: hint names the lab VM"
	assert_match "use --backend ftrace" "$3" "$1: hint names the ftrace backend"
}

# A root lttng-sessiond of the test's own: start_sessiond sets SD_PID; stop_sessiond ends it.
SD_PID=
start_sessiond() {
	lttng-sessiond --daemonize > "$T/sd.log" 2>&1 || fail "cannot start lttng-sessiond: $(cat "$T/sd.log")"
	SD_PID=$(cat /var/run/lttng/lttng-sessiond.pid)
	kill -0 "$SD_PID" || fail "lttng-sessiond is not running"
}
stop_sessiond() {
	[ -n "$SD_PID" ] || return 0
	kill "$SD_PID" 2> /dev/null
	for _ in $(seq 100); do kill -0 "$SD_PID" 2> /dev/null || break; sleep 0.1; done
	SD_PID=
}
trap 'stop_sessiond; rm -rf "$T"' EXIT
