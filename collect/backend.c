/* SPDX-License-Identifier: GPL-2.0 */
/* The capture backends by name. */
#include "backend.h"

#include <stdlib.h>
#include <string.h>

#include "lttng_rec.h"
#include "perf_rec.h"
#include "workload.h"

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

static int dispatch(enum nt_backend b, const struct nt_record_opts *o, unsigned profile_hz,
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

/* @o's events plus the sched events the workload's tree needs (NULL: out of memory). */
static const char **with_sched(const struct nt_record_opts *o, int *n)
{
	const char **v = calloc((size_t)o->nevents + 3, sizeof(*v));

	*n = 0;
	for (int i = 0; v && i < o->nevents; i++)
		v[(*n)++] = o->events[i];
	for (int k = 0; v && nt_workload_events[k]; k++) {
		bool have = false;
		for (int i = 0; i < o->nevents; i++)
			have |= !strcmp(o->events[i], "sched") ||
				!strcmp(o->events[i], nt_workload_events[k]);
		if (!have)
			v[(*n)++] = nt_workload_events[k];
	}
	return v;
}

int nt_backend_record(enum nt_backend b, const struct nt_record_opts *o, unsigned profile_hz,
		      struct nt_record_result *r, struct nt_err **err)
{
	struct nt_record_opts w = *o;
	const char **ev = NULL;
	int *pids = NULL, rc = -1;
	size_t npids = 0;
	bool workload = o->argv || o->attach_pid > 0;

	if (o->attach_pid > 0 && nt_workload_tree(o->attach_pid, &pids, &npids, err))
		return -1;
	if (workload && o->events) {
		if (!(ev = with_sched(o, &w.nevents))) {
			nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
			goto out;
		}
		w.events = ev;
	}
	rc = dispatch(b, &w, profile_hz, r, err);
	if (!rc)
		nt_workload_forget(o->output);
	if (!rc && workload) {
		int root = o->attach_pid > 0 ? o->attach_pid : r->cmd_pid;

		if (root > 0 && nt_workload_save(o->output, root, pids, npids, err)) {
			nt_record_result_release(r);
			rc = -1;
		}
	}
out:
	free(ev);
	free(pids);
	return rc;
}
