/* SPDX-License-Identifier: GPL-2.0 */
/* Mann–Whitney U, the conditional Poisson rate test and Holm's correction, on GSL's CDFs. */
#include "stats.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>

/* GSL's default error handler aborts: a library never exits */
static void gsl_quiet(void)
{
	static int done;

	if (!done) {
		gsl_set_error_handler_off();
		done = 1;
	}
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

void nt_stats_mwu(double *a, int na, double *b, int nb, struct nt_mwu *out)
{
	double n = (double)na + nb, ra = 0, ties = 0, mu, s, u;
	int i = 0, j = 0;

	gsl_quiet();
	qsort(a, (size_t)na, sizeof(double), cmp_double);
	qsort(b, (size_t)nb, sizeof(double), cmp_double);
	/* merge: each run of equal values gets its mean rank */
	while (i < na || j < nb) {
		double v = i < na && (j >= nb || a[i] <= b[j]) ? a[i] : b[j];
		int ca = 0, cb = 0;
		double first = i + j + 1, t;

		while (i < na && a[i] == v)
			i++, ca++;
		while (j < nb && b[j] == v)
			j++, cb++;
		t = ca + cb;
		ra += ca * (first + (t - 1) / 2);
		ties += t * t * t - t;
	}
	out->u_a = ra - (double)na * (na + 1) / 2;
	u = fmax(out->u_a, (double)na * nb - out->u_a);
	mu = (double)na * nb / 2;
	s = sqrt((double)na * nb / 12 * ((n + 1) - ties / (n * (n - 1))));
	out->r = ((double)na * nb - 2 * out->u_a) / ((double)na * nb);
	if (!(s > 0)) {
		out->z = 0;
		out->p = 1;
		return;
	}
	out->z = (u - mu - 0.5) / s;
	out->p = fmin(1, 2 * gsl_cdf_ugaussian_Q(out->z));
}

/* scipy.stats.binomtest's two-sided p-value of @k successes in @n trials with probability @p. */
static double binom_two_sided(unsigned k, unsigned n, double p)
{
	const double rerr = 1 + 1e-7;
	double d = gsl_ran_binomial_pdf(k, p, n), m = n * p, pv;
	unsigned lo, hi, y;

	if (k == (unsigned)m && m == floor(m))
		return 1;
	if (k < m) {
		/* count the outcomes above the mean no more likely than k: from ceil(m) to n */
		lo = (unsigned)ceil(m), hi = n;
		while (lo < hi) { /* first i >= ceil(m) with pdf(i) <= d * rerr */
			unsigned mid = lo + (hi - lo) / 2;
			if (gsl_ran_binomial_pdf(mid, p, n) <= d * rerr)
				hi = mid;
			else
				lo = mid + 1;
		}
		y = gsl_ran_binomial_pdf(lo, p, n) <= d * rerr ? n - lo + 1 : 0;
		pv = gsl_cdf_binomial_P(k, p, n) + (y ? gsl_cdf_binomial_Q(n - y, p, n) : 0);
	} else {
		/* the outcomes below the mean no more likely than k: from 0 to floor(m) */
		lo = 0, hi = (unsigned)floor(m);
		while (lo < hi) { /* last i <= floor(m) with pdf(i) <= d * rerr */
			unsigned mid = lo + (hi - lo + 1) / 2;
			if (gsl_ran_binomial_pdf(mid, p, n) <= d * rerr)
				lo = mid;
			else
				hi = mid - 1;
		}
		y = gsl_ran_binomial_pdf(lo, p, n) <= d * rerr ? lo + 1 : 0;
		pv = (k ? gsl_cdf_binomial_Q(k - 1, p, n) : 1) +
		     (y ? gsl_cdf_binomial_P(y - 1, p, n) : 0);
	}
	return fmin(1, pv);
}

void nt_stats_rate(int64_t ka, double ea, int64_t kb, double eb, struct nt_rate *out)
{
	double p = ea / (ea + eb);
	unsigned n = (unsigned)(ka + kb);

	gsl_quiet();
	out->ratio = ka ? (kb / eb) / (ka / ea) : kb ? INFINITY : NAN;
	if (!n) {
		out->p = out->p_min = 1;
		return;
	}
	out->p = binom_two_sided((unsigned)ka, n, p);
	out->p_min = fmin(binom_two_sided(0, n, p), binom_two_sided(n, n, p));
}

void nt_stats_holm(const double *p, int n, double *adj)
{
	int *idx = malloc(sizeof(int) * (size_t)(n ? n : 1));
	double run = 0;

	if (!idx) { /* Bonferroni needs no order */
		for (int i = 0; i < n; i++)
			adj[i] = fmin(1, p[i] * n);
		return;
	}
	for (int i = 0; i < n; i++)
		idx[i] = i;
	for (int i = 1; i < n; i++) /* insertion sort by p: n is small */
		for (int j = i; j > 0 && p[idx[j]] < p[idx[j - 1]]; j--) {
			int t = idx[j];
			idx[j] = idx[j - 1];
			idx[j - 1] = t;
		}
	for (int i = 0; i < n; i++) {
		run = fmax(run, fmin(1, p[idx[i]] * (n - i)));
		adj[idx[i]] = run;
	}
	free(idx);
}

double nt_stats_quantile(const double *v, int n, double q)
{
	int k = (int)ceil(q * n);

	return v[k < 1 ? 0 : k > n ? n - 1 : k - 1];
}
