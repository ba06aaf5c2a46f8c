/* SPDX-License-Identifier: GPL-2.0 */
/* The capture backends by name. */
#include "backend.h"

#include <string.h>

#include "lttng_rec.h"
#include "perf_rec.h"

static const char *const names[] = {"ftrace", "perf", "lttng"};

int nt_backend_parse(const char *name)
{
	for (int i = 0; i < 3; i++)
		if (!strcmp(name, names[i]))
			return i;
	return -1;
}

const char *nt_backend_output(enum nt_backend b)
{
	return b == NT_BACKEND_PERF    ? "perf.data"
	       : b == NT_BACKEND_LTTNG ? NT_LTTNG_DEFAULT_OUTPUT
				       : "trace.dat";
}

int nt_backend_record(enum nt_backend b, const struct nt_record_opts *o, unsigned profile_hz,
		      struct nt_record_result *r, struct nt_err **err)
{
	switch (b) {
	case NT_BACKEND_PERF:
		return nt_perf_record(o, profile_hz, r, err);
	case NT_BACKEND_LTTNG:
		return nt_lttng_record(o, r, err);
	default:
		return nt_ftrace_record(o, r, err);
	}
}
