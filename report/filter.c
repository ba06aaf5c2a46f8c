/* SPDX-License-Identifier: GPL-2.0 */
/* The report filters against the database: a filter that can match nothing is an error. */
#include "report.h"

#include <stdlib.h>
#include <string.h>

#include "query.h"
#include "../analyze/flow.h"

enum { SHOW = 6 }; /* how many existing values a message names before "and N more" */

/* "a, b, c and 4 more" from the first column of @st's rows; finalizes @st. NULL when none. */
static char *list_rows(sqlite3_stmt *st)
{
	char *out = NULL;
	size_t len = 0;
	int n = 0;

	while (st && sqlite3_step(st) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);
		char *x;

		if (++n > SHOW)
			continue;
		x = realloc(out, len + strlen(v ? v : "") + 3);
		if (!x)
			break;
		out = x;
		len += (size_t)sprintf(out + len, "%s%s", n > 1 ? ", " : "", v ? v : "");
	}
	if (out && n > SHOW) {
		char *x = realloc(out, len + 32);
		if (x) {
			out = x;
			sprintf(out + len, " and %d more", n - SHOW);
		}
	}
	sqlite3_finalize(st);
	return out;
}

/* @sql with ?1 bound to the trace filter, ?2 to @text (when not NULL). */
static sqlite3_stmt *prep(sqlite3 *db, const char *sql, const struct nt_report_filter *f,
			  const char *text)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_int64(st, 1, f->trace);
	if (text)
		sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
	return st;
}

static int64_t one_int(sqlite3 *db, const char *sql, const struct nt_report_filter *f,
		       const char *text)
{
	sqlite3_stmt *st = prep(db, sql, f, text);
	int64_t v = 0;

	if (st && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static bool plural(const char *scope)
{
	return !strcmp(scope, "the traces");
}

/* Whether @st has a row; finalizes @st. */
static bool any_row(sqlite3_stmt *st)
{
	bool found = st && sqlite3_step(st) == SQLITE_ROW;

	sqlite3_finalize(st);
	return found;
}

/* The error "<problem>; <scope> <has> <list>", or "... no <what>" when the list is empty. */
static int refuse(struct nt_err **err, const char *problem, const char *has, char *list,
		  const char *none)
{
	struct nt_err *e = list ? nt_err_new(NT_E_USAGE, "%s; %s %s", problem, has, list)
				: nt_err_new(NT_E_USAGE, "%s; %s", problem, none);

	free(list);
	return nt_err_set(err, e);
}

static int check_trace(sqlite3 *db, const struct nt_report_filter *f, struct nt_err **err)
{
	char problem[64];
	int64_t n;

	if (f->trace <= 0 || one_int(db, "SELECT count(*) FROM traces WHERE id = ?1", f, NULL))
		return 0;
	n = one_int(db, "SELECT count(*) FROM traces WHERE ?1 = ?1", f, NULL);
	snprintf(problem, sizeof(problem), "trace %lld does not exist", (long long)f->trace);
	return refuse(
		err, problem, n > 1 ? "the database holds traces" : "the database holds trace",
		list_rows(prep(db, "SELECT id FROM traces WHERE ?1 = ?1 ORDER BY id", f, NULL)),
		"the database holds no trace");
}

static int check_cpu(sqlite3 *db, const struct nt_report_filter *f, const char *scope,
		     struct nt_err **err)
{
	char problem[64], has[96], *list = NULL;
	int64_t ncpus;

	if (f->cpu < 0)
		return 0;
	ncpus = one_int(db,
			"SELECT max(coalesce((SELECT max(ncpus) FROM traces WHERE ?1 = 0 OR id = "
			"?1), 0), coalesce((SELECT max(cpu) + 1 FROM trace_cpus WHERE ?1 = 0 OR "
			"trace_id = ?1), 0))",
			f, NULL);
	if (f->cpu < ncpus)
		return 0;
	snprintf(problem, sizeof(problem), "cpu %d does not exist", f->cpu);
	snprintf(has, sizeof(has), "%s %s cpu%s", scope, plural(scope) ? "have" : "has",
		 ncpus > 1 ? "s" : "");
	if (ncpus && asprintf(&list, ncpus > 1 ? "0-%lld" : "0", (long long)ncpus - 1) < 0)
		list = NULL;
	return refuse(err, problem, has, list, "no cpu is known");
}

/* Devices the device filter can match: the skb lifecycles' and the NAPI polls'. */
static int check_dev(sqlite3 *db, const struct nt_report_filter *f, const char *scope,
		     struct nt_err **err)
{
	char sql[600] = "SELECT DISTINCT d FROM (SELECT NULL AS d", problem[320], has[96];
	bool skb = nt_report_table_exists(db, "skb_lifecycles");

	if (!f->dev)
		return 0;
	if (skb)
		strcat(sql, " UNION ALL SELECT device FROM skb_lifecycles WHERE ?1 = 0 OR trace_id "
			    "= ?1 UNION ALL SELECT rx_device FROM skb_lifecycles WHERE ?1 = 0 OR "
			    "trace_id = ?1");
	if (nt_report_table_exists(db, "napi_polls"))
		strcat(sql, " UNION ALL SELECT dev FROM napi_polls WHERE ?1 = 0 OR trace_id = ?1");
	strcat(sql, ") WHERE d IS NOT NULL AND (?2 IS NULL OR d = ?2) ORDER BY d");
	if (any_row(prep(db, sql, f, f->dev)))
		return 0;
	snprintf(problem, sizeof(problem), "device '%s' does not appear in %s", f->dev, scope);
	snprintf(has, sizeof(has), "%s", plural(scope) ? "they show" : "it shows");
	return refuse(err, problem, has, list_rows(prep(db, sql, f, NULL)),
		      plural(scope) ? "they show no network device" : "it shows no network device");
}

/*
 * A flow expression must parse and match a packet of the traces shown; the message names the
 * busiest flows there are (or says that no packet has a known flow, and why to look).
 */
static int check_flow(sqlite3 *db, const struct nt_report_filter *f, const char *scope,
		      struct nt_err **err)
{
	static const char busiest[] =
		"SELECT CASE WHEN ip_proto = 6 THEN 'tcp ' WHEN ip_proto = 17 THEN 'udp ' ELSE '' "
		"END || CASE WHEN family = 10 THEN '[' || saddr || ']' ELSE saddr END || "
		"coalesce(':' || sport, ':*') || '>' || CASE WHEN family = 10 THEN '[' || daddr || "
		"']' ELSE daddr END || coalesce(':' || dport, ':*') FROM skb_lifecycles WHERE (?1 "
		"= 0 OR trace_id = ?1) AND saddr IS NOT "
		"NULL AND ?2 IS ?2 GROUP BY ip_proto, saddr, sport, daddr, dport ORDER BY count(*) "
		"DESC, 1";
	struct nt_flow_expr *x;
	char problem[400];

	if (!f->flow)
		return 0;
	if (nt_flow_expr_compile(f->flow, &x, err))
		return -1;
	nt_flow_expr_free(x);
	if (nt_report_table_exists(db, "skb_lifecycles") &&
	    any_row(prep(db,
			 "SELECT 1 FROM skb_lifecycles WHERE (?1 = 0 OR trace_id = ?1) AND "
			 "nt_flow_match(?2, ip_proto, saddr, sport, daddr, dport)",
			 f, f->flow)))
		return 0;
	snprintf(problem, sizeof(problem), "no packet of flow '%s' in %s", f->flow, scope);
	return refuse(err, problem, plural(scope) ? "their flows are" : "its flows are",
		      nt_report_table_exists(db, "skb_lifecycles")
			      ? list_rows(prep(db, busiest, f, NULL))
			      : NULL,
		      "no packet has a known flow there (docs/analyses/skb.md, \"Flows\", says "
		      "which events give packets their addresses)");
}

/* Tasks: the task filters apply to the tasks with events (sender or receiver of an skb). */
static int check_task(sqlite3 *db, const struct nt_report_filter *f, const char *scope,
		      struct nt_err **err)
{
	static const char busiest[] =
		"SELECT comm || ' (' || pid || ')' FROM tasks WHERE (?1 = 0 OR trace_id = ?1) "
		"AND events > 0 GROUP BY comm, pid ORDER BY sum(events) DESC, comm";
	char problem[320], pid[16];

	if (f->pid >= 0) {
		snprintf(pid, sizeof(pid), "%d", f->pid);
		if (!any_row(
			    prep(db,
				 "SELECT 1 FROM tasks WHERE (?1 = 0 OR trace_id = ?1) AND events > "
				 "0 AND pid = CAST(?2 AS INTEGER)",
				 f, pid))) {
			snprintf(problem, sizeof(problem), "no task with pid %d in %s", f->pid,
				 scope);
			return refuse(err, problem,
				      plural(scope) ? "their busiest tasks are"
						    : "its busiest tasks are",
				      list_rows(prep(db, busiest, f, NULL)),
				      "it has no task with events");
		}
	}
	if (f->comm && !any_row(prep(db,
				     "SELECT 1 FROM tasks WHERE (?1 = 0 OR trace_id = ?1) AND "
				     "events > 0 AND comm = ?2",
				     f, f->comm))) {
		snprintf(problem, sizeof(problem), "no task named '%s' in %s", f->comm, scope);
		return refuse(err, problem,
			      plural(scope) ? "their busiest tasks are" : "its busiest tasks are",
			      list_rows(prep(db, busiest, f, NULL)), "it has no task with events");
	}
	return 0;
}

static int check_time(sqlite3 *db, const struct nt_report_filter *f, const char *scope,
		      struct nt_err **err)
{
	int64_t first, last;

	if (f->from >= 0 && f->to >= 0 && f->from > f->to)
		return nt_err_set(err, nt_err_new(NT_E_USAGE,
						  "--from %.9f is after --to %.9f; give the "
						  "earlier time with --from",
						  f->from / 1e9, f->to / 1e9));
	if (f->from < 0 && f->to < 0)
		return 0;
	first = one_int(db, "SELECT min(first_ts) FROM traces WHERE ?1 = 0 OR id = ?1", f, NULL);
	last = one_int(db, "SELECT max(last_ts) FROM traces WHERE ?1 = 0 OR id = ?1", f, NULL);
	if (f->from >= 0 && f->from > last)
		return nt_err_set(err, nt_err_new(NT_E_USAGE,
						  "--from %.9f is after the end of %s; %s "
						  "from %.9f to %.9f",
						  f->from / 1e9, scope,
						  plural(scope) ? "they run" : "it runs",
						  first / 1e9, last / 1e9));
	if (f->to >= 0 && f->to < first)
		return nt_err_set(err, nt_err_new(NT_E_USAGE,
						  "--to %.9f is before the start of %s; %s "
						  "from %.9f to %.9f",
						  f->to / 1e9, scope,
						  plural(scope) ? "they run" : "it runs",
						  first / 1e9, last / 1e9));
	return 0;
}

int nt_report_filter_check(sqlite3 *db, const struct nt_report_filter *f, struct nt_err **err)
{
	char scope[48];

	if (check_trace(db, f, err))
		return -1;
	if (f->trace > 0)
		snprintf(scope, sizeof(scope), "trace %lld", (long long)f->trace);
	else
		snprintf(scope, sizeof(scope), "%s",
			 one_int(db, "SELECT count(*) > 1 FROM traces WHERE ?1 = ?1", f, NULL)
				 ? "the traces"
				 : "the trace");
	return check_cpu(db, f, scope, err) || check_dev(db, f, scope, err) ||
			       check_task(db, f, scope, err) || check_time(db, f, scope, err) ||
			       check_flow(db, f, scope, err)
		       ? -1
		       : 0;
}
