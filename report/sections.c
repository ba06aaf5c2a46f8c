/* SPDX-License-Identifier: GPL-2.0 */
/* Building the report document: one function per section, each reading only the database. */
#include "doc.h"
#include "report_int.h"

#include <stdlib.h>
#include <string.h>

#define BIND_FILTERS(st, f)                                            \
	do {                                                           \
		sqlite3_bind_int64(st, 1, (f)->trace);                 \
		sqlite3_bind_int(st, 2, (f)->cpu);                     \
		sqlite3_bind_int64(st, 3, (f)->from);                  \
		sqlite3_bind_int64(st, 4, (f)->to);                    \
		sqlite3_bind_text(st, 5, (f)->dev, -1, SQLITE_STATIC); \
	} while (0)

static sqlite3_stmt *query(sqlite3 *db, const char *sql, const struct nt_report_filter *f)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	if (sqlite3_bind_parameter_count(st) >= 5)
		BIND_FILTERS(st, f);
	else if (sqlite3_bind_parameter_count(st) >= 1)
		sqlite3_bind_int64(st, 1, f->trace);
	return st;
}

static int fill(struct nt_table *t, sqlite3 *db, const char *sql, const struct nt_report_filter *f,
		struct nt_err **err)
{
	sqlite3_stmt *st = query(db, sql, f);

	if (!t)
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	if (!st || nt_table_query(t, db, st))
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "report: cannot read '%s': %s", t->id,
						  sqlite3_errmsg(db)));
	return 0;
}

/* ---- capture summary ---- */

static int capture(sqlite3 *db, const struct nt_report_filter *f, struct nt_doc *d,
		   struct nt_err **err)
{
	struct nt_section *s = nt_doc_section(d, "Capture");
	static const char *const tcols[] = {"trace_id",	  "path",   "format",	   "kernel", "cpus",
					    "duration_s", "events", "lost_events", NULL};
	static const char *const ccols[] = {"trace_id", "event", "events", NULL};
	sqlite3_stmt *st;
	struct nt_plot *p;

	if (!s)
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
	if (fill(nt_section_table(s, "traces", "Traces", tcols), db,
		 "SELECT id, path, format, kernel, ncpus, round((last_ts - first_ts) / 1e9, 6), "
		 "events, "
		 "lost_events FROM traces WHERE ?1 = 0 OR id = ?1 ORDER BY id",
		 f, err))
		return -1;
	st = query(
		db,
		"SELECT id, lost_events, lost_unknown, (SELECT group_concat('cpu' || cpu || ': ' "
		"|| "
		"lost_events, ', ') FROM trace_cpus c WHERE c.trace_id = t.id AND lost_events > 0) "
		"FROM traces t WHERE (?1 = 0 OR id = ?1) AND (lost_events > 0 OR lost_unknown)",
		f);
	while (st && sqlite3_step(st) == SQLITE_ROW)
		nt_section_note(
			s, true,
			"LOST EVENTS in trace %lld: %s%lld events were lost (%s). Results that "
			"overlap the lost windows are marked lossy; counts there are incomplete.",
			sqlite3_column_int64(st, 0), sqlite3_column_int(st, 2) ? "at least " : "",
			sqlite3_column_int64(st, 1),
			sqlite3_column_text(st, 3) ? (const char *)sqlite3_column_text(st, 3)
						   : "cpu unknown");
	sqlite3_finalize(st);
	if (!s->note)
		nt_section_note(s, false, "No events were lost.");
	if (fill(nt_section_table(s, "event_counts", "Events per class", ccols), db,
		 "SELECT trace_id, name, events FROM event_counts WHERE ?1 = 0 OR trace_id = ?1 "
		 "ORDER BY trace_id, events DESC, name",
		 f, err))
		return -1;
	p = nt_plot_new(NT_PLOT_BARS, "event-classes", "Events per class (top 20)", "events", "");
	st = query(db,
		   "SELECT name, sum(events) FROM event_counts WHERE ?1 = 0 OR trace_id = ?1 "
		   "GROUP BY name ORDER BY 2 DESC LIMIT 20",
		   f);
	while (p && st && sqlite3_step(st) == SQLITE_ROW)
		nt_plot_bar(p, (const char *)sqlite3_column_text(st, 0),
			    sqlite3_column_double(st, 1));
	sqlite3_finalize(st);
	nt_section_plot(s, p);
	return 0;
}

/* ---- interrupts ---- */

static void irq_table(struct nt_table *t, const struct irq_rows *rs, bool soft)
{
	for (int i = 0; t && i < rs->n; i++) {
		const struct irq_row *r = &rs->r[i];
		const struct nt_stat *st[2] = {&r->dur, &r->raise};

		nt_table_row(t);
		nt_table_num(t, (double)r->number);
		if (*r->name)
			nt_table_text(t, r->name);
		else
			nt_table_null(t);
		for (int k = 0; k < (soft ? 2 : 1); k++) {
			nt_table_num(t, (double)st[k]->n);
			if (st[k]->n) {
				nt_table_num(t, st[k]->min / 1e3);
				nt_table_num(t, st[k]->mean / 1e3);
				nt_table_num(t, st[k]->max / 1e3);
				nt_table_num(t, nt_stat_stdev(st[k]) / 1e3);
			} else {
				for (int j = 0; j < 4; j++)
					nt_table_null(t);
			}
		}
	}
}

static char *label_of(const struct irq_row *r, bool soft)
{
	char *s = NULL;

	if (asprintf(&s, "%s %lld%s%s%s", soft ? "vec" : "irq", (long long)r->number,
		     *r->name ? " (" : "", r->name, *r->name ? ")" : "") < 0)
		return NULL;
	return s;
}

/* Samples per irq/vector for the plots (durations or raise latencies in µs). */
static void irq_samples(sqlite3 *db, const struct nt_report_filter *f, struct nt_plot *p,
			const struct irq_rows *rs, bool soft, bool raise)
{
	char sql[512];
	sqlite3_stmt *st;

	snprintf(sql, sizeof(sql),
		 "SELECT %s, %s FROM %s WHERE (?1 = 0 OR trace_id = ?1) AND (?2 < 0 OR cpu = ?2) "
		 "AND "
		 "(?3 < 0 OR entry_ts >= ?3) AND (?4 < 0 OR entry_ts <= ?4) AND ?5 IS ?5 AND NOT "
		 "lossy AND %s "
		 "IS NOT NULL",
		 soft ? "vec" : "irq", raise ? "raise_latency_ns" : "duration_ns",
		 soft ? "softirq_intervals" : "irq_intervals",
		 raise ? "raise_latency_ns" : "duration_ns");
	for (int i = 0; p && i < rs->n; i++) {
		char *l = label_of(&rs->r[i], soft);
		nt_plot_series(p, l ? l : "?");
		free(l);
	}
	st = query(db, sql, f);
	while (p && st && sqlite3_step(st) == SQLITE_ROW) {
		int64_t n = sqlite3_column_int64(st, 0);
		for (int i = 0; i < rs->n; i++)
			if (rs->r[i].number == n)
				nt_plot_add(p, i, sqlite3_column_double(st, 1) / 1e3);
	}
	sqlite3_finalize(st);
}

/* A per-cpu timeline of hard and soft interrupts over the first 20 ms with any. */
static struct nt_plot *irq_timeline(sqlite3 *db, const struct nt_report_filter *f)
{
	struct nt_plot *p = nt_plot_new(NT_PLOT_TIMELINE, "irq-timeline",
					"Interrupts per CPU (first 20 ms with interrupts)",
					"time since the first interrupt (ms)", "");
	sqlite3_stmt *st;
	int64_t t0 = -1;

	st = query(
		db,
		"SELECT cpu, 'irq ' || coalesce(name, irq), entry_ts, exit_ts FROM irq_intervals "
		"WHERE (?1 = 0 OR trace_id = ?1) AND (?2 < 0 OR cpu = ?2) AND (?3 < 0 OR entry_ts "
		">= ?3) "
		"AND (?4 < 0 OR entry_ts <= ?4) AND ?5 IS ?5 UNION ALL "
		"SELECT cpu, 'softirq ' || coalesce(name, vec), entry_ts, exit_ts FROM "
		"softirq_intervals "
		"WHERE (?1 = 0 OR trace_id = ?1) AND (?2 < 0 OR cpu = ?2) AND (?3 < 0 OR entry_ts "
		">= ?3) "
		"AND (?4 < 0 OR entry_ts <= ?4) AND ?5 IS ?5 ORDER BY 3 LIMIT 20000",
		f);
	while (p && st && sqlite3_step(st) == SQLITE_ROW) {
		int64_t a = sqlite3_column_int64(st, 2), b = sqlite3_column_int64(st, 3);
		char row[32];
		int r, c;

		if (t0 < 0)
			t0 = a;
		if (a - t0 > 20000000)
			break;
		snprintf(row, sizeof(row), "cpu %d", sqlite3_column_int(st, 0));
		r = nt_plot_row(p, row);
		c = nt_plot_cat(p, (const char *)sqlite3_column_text(st, 1));
		if (r >= 0 && c >= 0)
			nt_plot_span(p, r, c, (double)(a - t0) / 1e6, (double)(b - t0) / 1e6);
	}
	sqlite3_finalize(st);
	return p;
}

static int interrupts(sqlite3 *db, const struct nt_report_filter *f, struct nt_doc *d,
		      struct nt_err **err)
{
	static const char *const hcols[] = {"irq",    "name",	"count",    "min_us",
					    "avg_us", "max_us", "stdev_us", NULL};
	static const char *const scols[] = {
		"vec",		"name",		  "count",	 "min_us",	 "avg_us",
		"max_us",	"stdev_us",	  "raise_count", "raise_min_us", "raise_avg_us",
		"raise_max_us", "raise_stdev_us", NULL};
	static const char *const ncols[] = {"dev",	"polls",  "work", "full_budget_polls",
					    "max_work", "budget", NULL};
	struct irq_rows hard, soft;
	struct nt_section *s;
	struct nt_plot *p;

	if (!nt_report_table_exists(db, "irq_intervals"))
		return 0;
	s = nt_doc_section(d, "IRQ and softirq");
	if (!s || nt_report_gather_irq(db, f, false, &hard) ||
	    nt_report_gather_irq(db, f, true, &soft))
		return nt_err_set(
			err, nt_err_new(NT_E_FAIL, "report: cannot read the interrupt tables"));
	nt_section_note(
		s, false,
		"Durations are from handler entry to exit on one CPU; raise latency is from the "
		"first softirq_raise of a vector to its softirq_entry. Intervals that overlap a "
		"window of lost events are left out. Times in µs.");
	irq_table(nt_section_table(s, "irq", "Hard IRQs (handler duration)", hcols), &hard, false);
	irq_table(nt_section_table(s, "softirq", "Softirqs (duration | raise → entry latency)",
				   scols),
		  &soft, true);
	p = nt_plot_new(NT_PLOT_HIST, "irq-duration", "Hard IRQ handler durations", "duration (µs)",
			"interrupts");
	irq_samples(db, f, p, &hard, false, false);
	nt_section_plot(s, p);
	p = nt_plot_new(NT_PLOT_HIST, "softirq-duration", "Softirq durations", "duration (µs)",
			"softirqs");
	irq_samples(db, f, p, &soft, true, false);
	nt_section_plot(s, p);
	p = nt_plot_new(NT_PLOT_CDF, "softirq-raise-latency", "Softirq raise → entry latency",
			"latency (µs)", "fraction of softirqs");
	if (p)
		p->logx = true;
	irq_samples(db, f, p, &soft, true, true);
	nt_section_plot(s, p);
	nt_section_plot(s, irq_timeline(db, f));
	free(hard.r);
	free(soft.r);
	if (nt_report_table_exists(db, "napi_polls") &&
	    fill(nt_section_table(s, "napi", "NAPI polls per device", ncols), db,
		 "SELECT dev, count(*), sum(work), sum(full_budget), max(work), max(budget) FROM "
		 "napi_polls WHERE (?1 = 0 OR trace_id = ?1) AND (?2 < 0 OR cpu = ?2) AND (?3 < 0 "
		 "OR ts >= "
		 "?3) AND (?4 < 0 OR ts <= ?4) AND (?5 IS NULL OR dev = ?5) GROUP BY dev ORDER BY "
		 "dev",
		 f, err))
		return -1;
	return 0;
}

int nt_doc_build(sqlite3 *db, const struct nt_report_filter *f, struct nt_doc *d,
		 struct nt_err **err)
{
	memset(d, 0, sizeof(*d));
	if (capture(db, f, d, err) || interrupts(db, f, d, err)) {
		nt_doc_free(d);
		return -1;
	}
	return 0;
}
