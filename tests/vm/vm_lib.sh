# Sourced by the vm tests: SKIP where QEMU cannot run here; a kernel comes from the cache
# (setup.sh fills it) or is downloaded by nettrail itself.
need_vm() {
	command -v qemu-system-x86_64 > /dev/null 2>&1 || skip "needs qemu-system-x86_64 (apt-get install qemu-system-x86)"
	[ -x /bin/busybox ] || skip "needs busybox (apt-get install busybox-static)"
	qemu-system-x86_64 -machine q35,accel=tcg -display none -nodefaults -S -no-user-config \
		-monitor none -daemonize -pidfile "$T/qemu.pid" > "$T/qemu-probe.log" 2>&1 ||
		skip "QEMU cannot start here: $(tail -1 "$T/qemu-probe.log")"
	kill "$(cat "$T/qemu.pid")" 2>/dev/null
}

# vm_tracefs_same WORKDIR: the guest's tracefs after the capture is as before it. The one
# exception is the boot-time buffer, "7 (expanded: 1408)": any tracer allocates it for good,
# and it then reads as 1408 KB rounded up to whole ring-buffer pages (4080 bytes of data each),
# unless nothing was set up at all or only an instance was (then it reads as the same size).
vm_tracefs_same() {
	local b a want
	[ -s "$1/out/tracefs.before" ] || fail "no tracefs snapshot from the guest"
	grep -v '^buffer_size_kb:' "$1/out/tracefs.before" > "$T/tfs.before"
	grep -v '^buffer_size_kb:' "$1/out/tracefs.after" > "$T/tfs.after"
	diff -u "$T/tfs.before" "$T/tfs.after" || fail "the guest's tracefs changed"
	b=$(sed -n 's/^buffer_size_kb: \(.*[^ ]\) *$/\1/p' "$1/out/tracefs.before")
	a=$(sed -n 's/^buffer_size_kb: \(.*[^ ]\) *$/\1/p' "$1/out/tracefs.after")
	case $b in
	"$a") want=$a ;; # untouched
	"$a (expanded: "*) want=$a ;; # resizing an instance's buffer (ours) sets the kernel's
		# "expanded" flag for all, the top-level buffer keeping its size (6.1)
	*"(expanded: "*)
		want=${b#*expanded: }; want=${want%%)*}
		want=$(( (want * 1024 + 4079) / 4080 * 4080 / 1024 )) ;;
	*) want=$b ;;
	esac
	assert_eq "$want" "$a" "the guest's buffer size (before: $b)"
	echo "ok: the guest's tracefs is as before ($(wc -l < "$T/tfs.before") more settings)"
}
