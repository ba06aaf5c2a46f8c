/* SPDX-License-Identifier: GPL-2.0 */
/* Report sections: gathered from the database with the filters, printed as text or JSON. */
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../analyze/analyze.h"
#include "json.h"
#include "report_int.h"

void nt_report_filter_init(struct nt_report_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->cpu = -1;
	f->pid = -1;
	f->from = f->to = -1;
}

bool nt_report_table_exists(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st;
	bool found = false;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE name=?", -1, &st, NULL) !=
	    SQLITE_OK)
		return false;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

/* ---- interrupt sections: statistics over the intervals that pass the filters ---- */

static struct irq_row *irq_row(struct irq_rows *rs, int64_t number, const char *name)
{
	struct irq_row *r;

	for (int i = 0; i < rs->n; i++)
		if (rs->r[i].number == number) {
			r = &rs->r[i];
			goto found;
		}
	r = realloc(rs->r, (size_t)(rs->n + 1) * sizeof(*r));
	if (!r)
		return NULL;
	rs->r = r;
	r = &rs->r[rs->n++];
	memset(r, 0, sizeof(*r));
	r->number = number;
found:
	if (name && *name && !*r->name)
		snprintf(r->name, sizeof(r->name), "%s", name);
	return r;
}

static int cmp_number(const void *a, const void *b)
{
	const struct irq_row *x = a, *y = b;
	return x->number < y->number ? -1 : x->number > y->number;
}

/* Bind the common filters (?1 trace, ?2 cpu, ?3 from, ?4 to). */
static void bind_filters(sqlite3_stmt *st, const struct nt_report_filter *f)
{
	sqlite3_bind_int64(st, 1, f->trace);
	sqlite3_bind_int(st, 2, f->cpu);
	sqlite3_bind_int64(st, 3, f->from);
	sqlite3_bind_int64(st, 4, f->to);
}

#define FILTER_SQL                                                                              \
	" WHERE (?1 = 0 OR trace_id = ?1) AND (?2 < 0 OR cpu = ?2) AND (?3 < 0 OR entry_ts >= " \
	"?3) AND (?4 < 0 OR entry_ts <= ?4) AND NOT lossy"

int nt_report_gather_irq(sqlite3 *db, const struct nt_report_filter *f, bool soft,
			 struct irq_rows *rs)
{
	sqlite3_stmt *st;
	const char *sql =
		soft ? "SELECT vec, name, duration_ns, raise_latency_ns FROM "
		       "softirq_intervals" FILTER_SQL
		     : "SELECT irq, name, duration_ns, NULL FROM irq_intervals" FILTER_SQL;

	memset(rs, 0, sizeof(*rs));
	if (!nt_report_table_exists(db, soft ? "softirq_intervals" : "irq_intervals"))
		return 0;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	bind_filters(st, f);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct irq_row *r = irq_row(rs, sqlite3_column_int64(st, 0),
					    (const char *)sqlite3_column_text(st, 1));
		if (!r)
			break;
		nt_stat_add(&r->dur, sqlite3_column_double(st, 2));
		if (sqlite3_column_type(st, 3) != SQLITE_NULL)
			nt_stat_add(&r->raise, sqlite3_column_double(st, 3));
	}
	sqlite3_finalize(st);
	if (rs->n)
		qsort(rs->r, (size_t)rs->n, sizeof(*rs->r), cmp_number);
	return 0;
}

static void text_stat(FILE *o, const struct nt_stat *s)
{
	if (!s->n) {
		fprintf(o, " %8s %9s %9s %9s %9s", "0", "-", "-", "-", "-");
		return;
	}
	fprintf(o, " %8lld %9.3f %9.3f %9.3f %9.3f", (long long)s->n, s->min / 1e3, s->mean / 1e3,
		s->max / 1e3, nt_stat_stdev(s) / 1e3);
}

static void json_stat(struct nt_json *j, const struct nt_stat *s)
{
	nt_json_key_int(j, "count", s->n);
	nt_json_key_num(j, "min_us", s->n ? s->min / 1e3 : NAN);
	nt_json_key_num(j, "avg_us", s->n ? s->mean / 1e3 : NAN);
	nt_json_key_num(j, "max_us", s->n ? s->max / 1e3 : NAN);
	nt_json_key_num(j, "stdev_us", s->n > 1 ? nt_stat_stdev(s) / 1e3 : NAN);
}

/* ---- summary ---- */

static void text_summary(sqlite3 *db, const struct nt_report_filter *f, FILE *o)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(
		    db,
		    "SELECT id, path, format, coalesce(kernel, '?'), coalesce(ncpus, 0), "
		    "coalesce(last_ts - first_ts, 0), events, lost_events, lost_unknown "
		    "FROM traces WHERE ?1 = 0 OR id = ?1 ORDER BY id",
		    -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, f->trace);
	while (sqlite3_step(st) == SQLITE_ROW) {
		long long lost = sqlite3_column_int64(st, 7);
		fprintf(o, "trace %lld: %s\n  %s, kernel %s, %d cpus, %.6f s, %lld events\n",
			sqlite3_column_int64(st, 0), sqlite3_column_text(st, 1),
			sqlite3_column_text(st, 2), sqlite3_column_text(st, 3),
			sqlite3_column_int(st, 4), (double)sqlite3_column_int64(st, 5) / 1e9,
			sqlite3_column_int64(st, 6));
		if (lost || sqlite3_column_int(st, 8))
			fprintf(o,
				"  !! %s%lld EVENTS LOST: results that overlap the lost windows "
				"are marked lossy\n",
				sqlite3_column_int(st, 8) ? "at least " : "", lost);
		else
			fprintf(o, "  no events lost\n");
	}
	sqlite3_finalize(st);
}

static void json_summary(sqlite3 *db, const struct nt_report_filter *f, struct nt_json *j)
{
	sqlite3_stmt *st;

	nt_json_key(j, "traces");
	nt_json_array(j);
	if (sqlite3_prepare_v2(db,
			       "SELECT id, path, format, kernel, ncpus, first_ts, last_ts, events, "
			       "lost_events FROM traces WHERE ?1 = 0 OR id = ?1 ORDER BY id",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, f->trace);
		while (sqlite3_step(st) == SQLITE_ROW) {
			nt_json_object(j);
			nt_json_key_int(j, "id", sqlite3_column_int64(st, 0));
			nt_json_key_str(j, "path", (const char *)sqlite3_column_text(st, 1));
			nt_json_key_str(j, "format", (const char *)sqlite3_column_text(st, 2));
			nt_json_key_str(j, "kernel", (const char *)sqlite3_column_text(st, 3));
			nt_json_key_int(j, "ncpus", sqlite3_column_int64(st, 4));
			nt_json_key_int(j, "first_ts", sqlite3_column_int64(st, 5));
			nt_json_key_int(j, "last_ts", sqlite3_column_int64(st, 6));
			nt_json_key_int(j, "events", sqlite3_column_int64(st, 7));
			nt_json_key_int(j, "lost_events", sqlite3_column_int64(st, 8));
			nt_json_end(j);
		}
		sqlite3_finalize(st);
	}
	nt_json_end(j);
}

/* ---- NAPI ---- */

static const char napi_sql[] =
	"SELECT dev, count(*), sum(work), sum(full_budget), max(work), max(budget) FROM napi_polls "
	"WHERE (?1 = 0 OR trace_id = ?1) AND (?2 < 0 OR cpu = ?2) AND (?3 < 0 OR ts >= ?3) AND "
	"(?4 < 0 OR ts <= ?4) AND (?5 IS NULL OR dev = ?5) GROUP BY dev ORDER BY dev";

static sqlite3_stmt *napi_query(sqlite3 *db, const struct nt_report_filter *f)
{
	sqlite3_stmt *st;

	if (!nt_report_table_exists(db, "napi_polls") ||
	    sqlite3_prepare_v2(db, napi_sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	bind_filters(st, f);
	sqlite3_bind_text(st, 5, f->dev, -1, SQLITE_STATIC);
	return st;
}

/* ---- the two outputs ---- */

int nt_report_text(sqlite3 *db, const struct nt_report_filter *f, FILE *o, struct nt_err **err)
{
	struct irq_rows hard, soft;
	sqlite3_stmt *st;

	text_summary(db, f, o);
	if (nt_report_gather_irq(db, f, false, &hard) || nt_report_gather_irq(db, f, true, &soft))
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "cannot read the interrupt tables: %s",
						  sqlite3_errmsg(db)));
	fprintf(o, "\nHard IRQs (handler duration, µs)\n  %5s %-20s %8s %9s %9s %9s %9s\n", "irq",
		"name", "count", "min", "avg", "max", "stdev");
	for (int i = 0; i < hard.n; i++) {
		fprintf(o, "  %5lld %-20.20s", (long long)hard.r[i].number, hard.r[i].name);
		text_stat(o, &hard.r[i].dur);
		fputc('\n', o);
	}
	if (!hard.n)
		fprintf(o, "  (no irq_handler_entry/exit pairs)\n");
	fprintf(o,
		"\nSoftirqs (duration and raise -> entry latency, µs)\n  %5s %-10s %8s %9s %9s %9s "
		"%9s | %8s %9s %9s %9s %9s\n",
		"vec", "name", "count", "min", "avg", "max", "stdev", "raised", "min", "avg", "max",
		"stdev");
	for (int i = 0; i < soft.n; i++) {
		fprintf(o, "  %5lld %-10.10s", (long long)soft.r[i].number, soft.r[i].name);
		text_stat(o, &soft.r[i].dur);
		fprintf(o, " |");
		text_stat(o, &soft.r[i].raise);
		fputc('\n', o);
	}
	if (!soft.n)
		fprintf(o, "  (no softirq_entry/exit pairs)\n");
	free(hard.r);
	free(soft.r);
	st = napi_query(db, f);
	if (st) {
		int n = 0;
		fprintf(o, "\nNAPI polls\n  %-16s %8s %10s %10s %8s %8s\n", "device", "polls",
			"work", "full", "max", "budget");
		while (sqlite3_step(st) == SQLITE_ROW) {
			fprintf(o, "  %-16.16s %8lld", sqlite3_column_text(st, 0),
				sqlite3_column_int64(st, 1));
			for (int k = 2; k <= 5; k++) /* traces without work/budget fields: "-" */
				if (sqlite3_column_type(st, k) == SQLITE_NULL)
					fprintf(o, " %*s", k == 2 || k == 3 ? 10 : 8, "-");
				else
					fprintf(o, " %*lld", k == 2 || k == 3 ? 10 : 8,
						sqlite3_column_int64(st, k));
			fputc('\n', o);
			n++;
		}
		if (!n)
			fprintf(o, "  (none)\n");
		sqlite3_finalize(st);
	}
	return 0;
}

int nt_report_json(sqlite3 *db, const struct nt_report_filter *f, FILE *o, struct nt_err **err)
{
	struct irq_rows hard, soft;
	struct nt_json j;
	sqlite3_stmt *st;

	if (nt_report_gather_irq(db, f, false, &hard) || nt_report_gather_irq(db, f, true, &soft))
		return nt_err_set(err, nt_err_new(NT_E_FAIL, "cannot read the interrupt tables: %s",
						  sqlite3_errmsg(db)));
	nt_json_init(&j, o);
	nt_json_object(&j);
	nt_json_key_int(&j, "report_version", 1);
	json_summary(db, f, &j);
	nt_json_key(&j, "irq");
	nt_json_array(&j);
	for (int i = 0; i < hard.n; i++) {
		nt_json_object(&j);
		nt_json_key_int(&j, "irq", hard.r[i].number);
		nt_json_key_str(&j, "name", *hard.r[i].name ? hard.r[i].name : NULL);
		json_stat(&j, &hard.r[i].dur);
		nt_json_end(&j);
	}
	nt_json_end(&j);
	nt_json_key(&j, "softirq");
	nt_json_array(&j);
	for (int i = 0; i < soft.n; i++) {
		nt_json_object(&j);
		nt_json_key_int(&j, "vec", soft.r[i].number);
		nt_json_key_str(&j, "name", *soft.r[i].name ? soft.r[i].name : NULL);
		json_stat(&j, &soft.r[i].dur);
		nt_json_key(&j, "raise");
		nt_json_object(&j);
		json_stat(&j, &soft.r[i].raise);
		nt_json_end(&j);
		nt_json_end(&j);
	}
	nt_json_end(&j);
	free(hard.r);
	free(soft.r);
	nt_json_key(&j, "napi");
	nt_json_array(&j);
	st = napi_query(db, f);
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		nt_json_object(&j);
		nt_json_key_str(&j, "dev", (const char *)sqlite3_column_text(st, 0));
		nt_json_key_int(&j, "polls", sqlite3_column_int64(st, 1));
		for (int k = 2; k <= 4; k++) {
			static const char *const keys[] = {"", "", "work", "full_budget_polls",
							   "max_work"};
			nt_json_key(&j, keys[k]);
			if (sqlite3_column_type(st, k) == SQLITE_NULL)
				nt_json_str(&j, NULL);
			else
				nt_json_int(&j, sqlite3_column_int64(st, k));
		}
		nt_json_end(&j);
	}
	sqlite3_finalize(st);
	nt_json_end(&j);
	nt_json_end(&j);
	fputc('\n', o);
	return 0;
}
