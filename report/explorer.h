/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The packet explorer of the HTML report and the lab sheet: every skb lifecycle (with its flow
 * where known, named as report/flows.c names it), its hops and the IRQ/softirq intervals as
 * compact columnar JSON in a <script type="application/json">
 * block, drawn by report/assets/explorer.js (a canvas timeline, filters from the report's
 * tables and by flow, one packet's waterfall). The page script also makes every table sortable. The
 * script and style sheet are compiled in from report/assets/ (CMake, cmake/embed.cmake).
 * Limits and sampling: docs/REPORT.md, "The packet explorer".
 */
#ifndef NT_EXPLORER_H
#define NT_EXPLORER_H

#include <stdio.h>

#include <sqlite3.h>

#include "../core/error.h"
#include "report.h"

/* Packets the explorer carries whole; beyond, a deterministic sample (said in the page). */
#define NT_EXPLORER_PACKETS 60000
/* IRQ and softirq intervals it carries: the first ones in time (said in the page). */
#define NT_EXPLORER_INTERVALS 200000

/*
 * The explorer's data for @db under @f as JSON, newly allocated into *@json (free() it); NULL
 * when the database has neither skb lifecycles nor interrupt intervals. Every trace string is
 * written by nt_esc_json, so the text cannot end the script block it lands in. 0, or -1 with
 * *err set.
 */
int nt_explorer_json(sqlite3 *db, const struct nt_report_filter *f, char **json,
		     struct nt_err **err);

/* The style sheet for the page's <style> (tables, table of contents, explorer). */
void nt_explorer_css(FILE *out);

/*
 * The explorer's section body: its controls, the canvases and @json in the data block. Call
 * once per page, inside a <section>; @json may be NULL (nothing written).
 */
void nt_explorer_html(FILE *out, const char *json);

/* The page script (sortable tables, the explorer when the page has its data), before </body>. */
void nt_explorer_script(FILE *out);

#endif
