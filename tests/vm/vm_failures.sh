#!/bin/bash
# VM: every way the lab VM can fail ends within its time limit with a clear message, the
# guest's console log, and the documented exit code: a missing kernel package, a kernel panic,
# a hung guest, and a capture the guest's nettrail refuses (unknown function, no profiler),
# which leaves the guest's tracefs as it was.
. "$NT_SRC/tests/lib/common.sh"
. "$NT_SRC/tests/vm/vm_lib.sh"
need_vm

# a missing file: the kernel package named on the command line
err=$("$NETTRAIL" vm record --kernel-deb "$T/nosuch.deb" --dat "$T/a.dat" -- udp 1 2>&1); rc=$?
assert_eq 3 "$rc" "missing kernel package exit code"
assert_match "cannot read kernel package '$T/nosuch.deb': No such file or directory" "$err" "missing kernel package message"
[ ! -e "$T/a.dat" ] || fail "a trace.dat was left for a failed run"

# a kernel panic: no init to run (the kernel then finds no root file system)
start=$(date +%s)
err=$("$NETTRAIL" vm record --append "rdinit=/nonexistent" --keep "$T/wp" --timeout 120 --dat "$T/b.dat" -- udp 1 2>&1); rc=$?
took=$(($(date +%s) - start))
assert_eq 1 "$rc" "kernel panic exit code"
assert_match "the VM's kernel panicked: Kernel panic - not syncing" "$err" "kernel panic message"
assert_match "the VM's console \(last lines of" "$err" "the console log is shown"
assert_match "No filesystem could mount root" "$err" "the console says why (no init, so the kernel looked for a root fs)"
[ "$took" -lt 120 ] || fail "a panic took the whole time limit ($took s)"
echo "ok: the panic ended the run after $took s, not at the time limit"

# a hung guest: init is a sleep that never ends; the time limit cuts it
start=$(date +%s)
err=$("$NETTRAIL" vm record --append "rdinit=/bin/busybox -- sleep 100000" --keep "$T/wh" --timeout 20 --dat "$T/c.dat" -- udp 1 2>&1); rc=$?
took=$(($(date +%s) - start))
assert_eq 1 "$rc" "hung guest exit code"
assert_match "the VM did not finish within 20 s \(a hung boot or capture\)" "$err" "hung guest message"
assert_match "Run /bin/busybox as init process" "$err" "the console log is shown"
[ "$took" -lt 60 ] || fail "the hung guest was stopped only after $took s"
echo "ok: the hung guest was stopped after $took s"
pgrep -f "qemu-system-x86_64.*$T" > /dev/null && fail "a QEMU process was left running"

# the guest's nettrail refuses an unknown function, by name, before changing anything
err=$("$NETTRAIL" vm record --graph udp_sendmsg,nosuch_function_xyz --keep "$T/w1" --dat "$T/d.dat" -- udp 1 2>&1); rc=$?
assert_eq 3 "$rc" "unknown function exit code"
assert_match "unknown function 'nosuch_function_xyz' for --graph: no traceable function of this kernel matches it" "$err" "unknown function message"
vm_tracefs_same "$T/w1"

# Debian's kernels have no function profiler: said clearly, with the way to the same table
err=$("$NETTRAIL" vm record --profile 'udp_*' --keep "$T/w2" --dat "$T/e.dat" -- udp 1 2>&1); rc=$?
assert_eq 1 "$rc" "no profiler exit code"
assert_match "this kernel has no function profiler \(no function_profile_enabled in tracefs: it was built without CONFIG_FUNCTION_PROFILER" "$err" "no profiler message"
assert_match "hint: the same table .* is computed from function_graph data: nettrail record --graph FUNC" "$err" "no profiler hint"
vm_tracefs_same "$T/w2"
echo "vm_failures: ok"
