#!/bin/bash
# The packet explorer on a live capture, in headless Chromium: 'nettrail lab syn-closed-port -c
# N' makes N connects to a closed port, so N NO_SOCKET drops (the scenario's own count).
# Both the report and the lab sheet load without console errors, list exactly those N packets
# when NO_SOCKET is clicked, count every packet once in the explorer's flows table (a click on
# a flow lists its packets), zoom, and give screenshots that are not blank.
. "$NT_SRC/tests/capture/lab_lib.sh"
PY=/usr/bin/python3
[ -x "$PY" ] || skip "needs Debian's python3"
"$PY" -c 'import websocket, PIL' 2> /dev/null || skip "needs python3-websocket and python3-pil"
command -v chromium > /dev/null || skip "needs chromium"
N=12
lab_run syn-closed-port $N
for page in report.html lab-sheet.html; do
	"$PY" "$NT_SRC/tests/browser/cdp.py" check "$T/syn-closed-port/$page" --reason NO_SOCKET \
		--count $N --shots "$T/shots"; rc=$?
	[ $rc = 77 ] && skip "chromium cannot start here"
	assert_eq 0 $rc "the browser checks of $page"
done
echo "explorer_lab: ok"
