/* SPDX-License-Identifier: GPL-2.0 */
/* Private to report/: queries shared by the text, JSON and document renderings. */
#ifndef NT_REPORT_INT_H
#define NT_REPORT_INT_H

#include "../analyze/analyze.h"
#include "report.h"

struct irq_row {
	int64_t number;
	char name[64];
	struct nt_stat dur, raise;
};

struct irq_rows {
	struct irq_row *r; /* owned: free() */
	int n;
};

bool nt_report_table_exists(sqlite3 *db, const char *name);

/* Statistics per IRQ (@soft false) or softirq vector over the intervals passing @f. */
int nt_report_gather_irq(sqlite3 *db, const struct nt_report_filter *f, bool soft,
			 struct irq_rows *rs);

#endif
