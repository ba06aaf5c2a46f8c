/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reports read only the database: text tables for a terminal and a stable JSON export
 * (docs/REPORT.md documents its shape). Filters select traces, cpus, tasks, devices and a
 * time window; each section says which filters apply to it.
 */
#ifndef NT_REPORT_H
#define NT_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <sqlite3.h>

#include "../core/error.h"

struct nt_report_filter {
	int64_t trace;	  /* 0: every trace */
	int cpu;	  /* -1: every cpu */
	int pid;	  /* -1: every task */
	const char *comm; /* NULL: every task */
	const char *dev;  /* NULL: every device */
	const char *flow; /* NULL: every flow; else a flow expression (analyze/flow.h) */
	int64_t from, to; /* time window in ns, -1: open */
	bool machine;	  /* task sections: every task, not the workload (docs/REPORT.md) */
};

void nt_report_filter_init(struct nt_report_filter *f);

/*
 * Check @f against @db: a trace, cpu, device, task or time window that matches nothing is an
 * NT_E_USAGE error naming what exists ("trace 2 does not exist; the database holds trace 1";
 * long lists give the first few and a count). 0, or -1 with *err set.
 */
int nt_report_filter_check(sqlite3 *db, const struct nt_report_filter *f, struct nt_err **err);

/* Write the report of @db to @out as text or as JSON. 0, or -1 with *err set. */
int nt_report_text(sqlite3 *db, const struct nt_report_filter *f, FILE *out, struct nt_err **err);
int nt_report_json(sqlite3 *db, const struct nt_report_filter *f, FILE *out, struct nt_err **err);

#endif
