#!/bin/bash
# The README's tour, as written: every command of the ```sh blocks between "## A short tour"
# and "## Layout", top to bottom, in an empty directory where build/ is this build, each
# expected to exit 0 (so the README cannot drift from what nettrail does). `sudo` is dropped
# (the test runs as root). The lab VM lines (`vm record`, `lab ... --vm`) run only where QEMU
# can start (tests/vm/vm_lib.sh's probe) and are skipped, with a line saying so, elsewhere.
# The tour has no `--backend lttng` command: lttng-modules for the running kernel cannot be
# assumed (it is named in the prose only).
. "$NT_SRC/tests/lib/common.sh"
. "$NT_SRC/tests/vm/vm_lib.sh"
need_tracefs
need sqlite3
need perf

awk '/^## A short tour/ {on = 1; next} /^## / && on {exit}
     on && /^```sh$/ {code = 1; next} on && /^```$/ {code = 0; next}
     on && code && NF {print}' "$NT_SRC/README.md" > "$T/tour"
n=$(wc -l < "$T/tour")
[ "$n" -ge 10 ] || fail "only $n commands found in the README's tour"
vm_ok=1
(need_vm) > "$T/vm-probe" 2>&1 || { vm_ok=0; echo "note: the lab VM lines are skipped here: $(cat "$T/vm-probe")"; }

mkdir "$T/tour.d" && ln -s "$NT_BUILD" "$T/tour.d/build" || fail "cannot make the tour's directory"
i=0
while IFS= read -r line; do
	i=$((i + 1))
	cmd=${line#sudo }
	case $cmd in
	*" vm record "* | *" --vm"*)
		if [ $vm_ok = 0 ]; then echo "skipped (no VM here): $line"; continue; fi ;;
	esac
	(cd "$T/tour.d" && bash -c "$cmd") > "$T/out.$i" 2>&1 < /dev/null
	rc=$?
	[ $rc = 0 ] || { tail -20 "$T/out.$i"; fail "tour command $i exited $rc: $line"; }
	echo "ok ($rc): $line"
done < "$T/tour"

# what the commands made holds the tour's workloads (counts from the commands themselves)
db=$T/tour.d/lab.db
assert_eq 2 "$(sql "$db" 'select count(*) from traces')" "traces in lab.db"
assert_eq 200 "$(sql "$db" "select count(*) from \"net:net_dev_xmit\" where name = 'lo' and len in (1234 + 42, 64 + 42)")" "datagrams sent in the two runs"
grep -q '^A = trace 1 of lab.db, B = trace 2 of lab.db\.' "$T/out.$(grep -n 'compare -t 1,2' "$T/tour" | cut -d: -f1)" || fail "compare did not compare trace 1 with trace 2"
[ -s "$T/tour.d/run1/report.html" ] && [ -s "$T/tour.d/run2/report.html" ] || fail "capture made no report"
echo "readme_tour: ok ($i commands)"
