/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Statistical tests for comparing runs (nettrail compare): Mann–Whitney U on two samples
 * (normal approximation with tie and continuity correction, as scipy.stats.mannwhitneyu's
 * "asymptotic" method), the exact conditional test of two Poisson rates (a binomial test, as
 * scipy.stats.binomtest), Holm's correction for many tests. Distributions from GSL.
 */
#ifndef NT_STATS_H
#define NT_STATS_H

#include <stdint.h>

struct nt_mwu {
	double u_a; /* U of sample A: pairs with a > b, ties counted 1/2 */
	double z;   /* the normal deviate of max(U_A, U_B) (continuity-corrected) */
	double p;   /* two-sided p-value */
	double r;   /* rank-biserial correlation (U_B - U_A) / (n_a n_b): > 0 when B is larger */
};

/*
 * Mann–Whitney U test of @a (@na values) against @b (@nb). Sorts @a and @b in place. Both
 * samples must have at least one value. With every value tied, p = 1 and r = 0.
 */
void nt_stats_mwu(double *a, int na, double *b, int nb, struct nt_mwu *out);

struct nt_rate {
	double ratio; /* (kb / eb) / (ka / ea); INFINITY when ka = 0 < kb, NAN when both are 0 */
	double p;     /* two-sided p-value of H0: equal rates */
	double p_min; /* the smallest p-value these totals could give (all events in one run) */
};

/*
 * Compare @ka events in exposure @ea with @kb in @eb (exposures > 0): given ka + kb, ka is
 * binomial with p = ea / (ea + eb) under equal rates; two-sided exact test (the outcomes no
 * more likely than the one seen).
 */
void nt_stats_rate(int64_t ka, double ea, int64_t kb, double eb, struct nt_rate *out);

/* Holm's step-down adjustment of @n p-values, into @adj (may be @p). */
void nt_stats_holm(const double *p, int n, double *adj);

/* The nearest-rank @q quantile (0 < q <= 1) of the sorted @v (@n > 0): the ceil(q n)-th. */
double nt_stats_quantile(const double *v, int n, double q);

#endif
