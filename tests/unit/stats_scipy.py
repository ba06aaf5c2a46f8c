#!/usr/bin/env python3
"""Compare report/stats.c (through stats_tool) with scipy on the same samples: Mann-Whitney U
(asymptotic, continuity-corrected, two-sided), the binomial test behind the Poisson rate
test, Holm's adjustment (statsmodels' formula, written out). usage: stats_scipy.py STATS_TOOL"""
import random
import subprocess
import sys

from scipy import stats

tool = sys.argv[1]
rng = random.Random(17)
bad = 0


def run(*args):
    return [float(x) for x in subprocess.check_output([tool, *map(str, args)], text=True).split()]


def close(a, b, what):
    global bad
    if not (abs(a - b) <= 1e-9 * max(1e-300, abs(b)) or abs(a - b) < 1e-15):
        print("FAIL: %s: ours %r, scipy %r" % (what, a, b))
        bad += 1


cases = [([1, 2, 3], [4, 5, 6]), ([1, 1, 1, 1], [1, 1, 1, 2]), ([5] * 10, [5] * 12)]
for i in range(60):
    na, nb = rng.randint(3, 400), rng.randint(3, 400)
    if i % 3 == 0:  # heavy ties: small integers, as latencies in µs often are
        a = [rng.randint(0, 6) for _ in range(na)]
        b = [rng.randint(0, 6) + (i % 2) for _ in range(nb)]
    else:
        a = [rng.lognormvariate(1.0, 0.5) for _ in range(na)]
        b = [rng.lognormvariate(1.0 + 0.05 * (i % 5), 0.5) for _ in range(nb)]
    cases.append((a, b))
for a, b in cases:
    u, z, p, r = run("mwu", " ".join(map(repr, a)), " ".join(map(repr, b)))
    res = stats.mannwhitneyu(a, b, alternative="two-sided", method="asymptotic",
                             use_continuity=True)
    close(u, res.statistic, "U of A (n=%d,%d)" % (len(a), len(b)))
    close(p, res.pvalue, "MWU p (n=%d,%d)" % (len(a), len(b)))
    close(r, (len(a) * len(b) - 2 * res.statistic) / (len(a) * len(b)), "rank-biserial r")
print("ok: Mann-Whitney U on %d sample pairs" % len(cases))

rates = [(0, 1, 0, 1), (0, 200, 200, 400), (3, 1, 9, 1), (100, 1, 100, 1), (7, 2.5, 30, 4),
         (1000, 1, 1100, 1), (0, 1, 3, 1), (50, 1000, 0, 1000), (12, 0.3, 2, 0.7)]
for _ in range(80):
    rates.append((rng.randint(0, 300), rng.uniform(0.1, 10), rng.randint(0, 300),
                  rng.uniform(0.1, 10)))
for ka, ea, kb, eb in rates:
    p, ratio, pmin = run("rate", ka, repr(ea), kb, repr(eb))
    n = ka + kb
    want = stats.binomtest(ka, n, ea / (ea + eb)).pvalue if n else 1.0
    close(p, want, "rate test p (%d/%g vs %d/%g)" % (ka, ea, kb, eb))
    if n:
        q = ea / (ea + eb)
        close(pmin, min(stats.binomtest(0, n, q).pvalue, stats.binomtest(n, n, q).pvalue),
              "smallest p (%d events)" % n)
print("ok: rate test on %d pairs of counts" % len(rates))

ps = [rng.random() ** 3 for _ in range(25)]
adj = run("holm", *map(repr, ps))
order = sorted(range(len(ps)), key=lambda i: ps[i])
want, run_max = [0.0] * len(ps), 0.0
for rank, i in enumerate(order):
    run_max = max(run_max, min(1.0, ps[i] * (len(ps) - rank)))
    want[i] = run_max
for a, w in zip(adj, want):
    close(a, w, "Holm")
print("ok: Holm on %d p-values" % len(ps))
sys.exit(1 if bad else 0)
