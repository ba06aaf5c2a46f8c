/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The statistics of report/stats.c on the command line, for tests/unit/stats_scipy.sh:
 *   stats_tool mwu "A values" "B values"   ->  u_a z p r
 *   stats_tool rate KA EA KB EB            ->  p ratio p_min
 *   stats_tool holm P...                   ->  the adjusted p-values
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/stats.h"

static int parse(const char *s, double *v, int max)
{
	int n = 0;
	char *end;

	while (n < max) {
		double x = strtod(s, &end);
		if (end == s)
			break;
		v[n++] = x;
		s = end;
	}
	return n;
}

int main(int argc, char **argv)
{
	static double a[100000], b[100000];

	if (argc == 4 && !strcmp(argv[1], "mwu")) {
		struct nt_mwu m;
		int na = parse(argv[2], a, 100000), nb = parse(argv[3], b, 100000);
		nt_stats_mwu(a, na, b, nb, &m);
		printf("%.17g %.17g %.17g %.17g\n", m.u_a, m.z, m.p, m.r);
	} else if (argc == 6 && !strcmp(argv[1], "rate")) {
		struct nt_rate r;
		nt_stats_rate(atoll(argv[2]), atof(argv[3]), atoll(argv[4]), atof(argv[5]), &r);
		printf("%.17g %.17g %.17g\n", r.p, r.ratio, r.p_min);
	} else if (argc > 2 && !strcmp(argv[1], "holm")) {
		int n = argc - 2;
		for (int i = 0; i < n; i++)
			a[i] = atof(argv[i + 2]);
		nt_stats_holm(a, n, b);
		for (int i = 0; i < n; i++)
			printf("%.17g%c", b[i], i == n - 1 ? '\n' : ' ');
	} else {
		fprintf(stderr, "usage: stats_tool mwu A B | rate KA EA KB EB | holm P...\n");
		return 2;
	}
	return 0;
}
