#!/bin/bash
# report/stats.c against scipy on the same samples (tests/unit/stats_scipy.py).
. "$NT_SRC/tests/lib/common.sh"
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
"$PY" -c 'import scipy' 2> /dev/null || skip "needs python3-scipy"
"$PY" "$NT_SRC/tests/unit/stats_scipy.py" "$NT_BUILD/tests/stats_tool" || fail "stats differ from scipy"
echo "stats_scipy: ok"
