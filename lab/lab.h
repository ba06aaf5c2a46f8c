/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Lab scenarios: classic network-stack exercises, each with a world of its own (network
 * namespaces, veth pairs, nftables rules, a tun device), exact traffic, the events to record
 * and a lab sheet of expected-vs-observed claims. Docs: docs/LABS.md.
 */
#ifndef NT_LAB_H
#define NT_LAB_H

#include <stdbool.h>
#include <stdio.h>

#include <sqlite3.h>

#include "../core/error.h"

struct nt_lab;	     /* opaque: a scenario (static, never freed) */
struct nt_lab_world; /* opaque: the namespaces built for one run */

/* The scenario called @name, or NULL. */
const struct nt_lab *nt_lab_find(const char *name);

/* The @i-th scenario (from 0), or NULL past the last. */
const struct nt_lab *nt_lab_at(int i);

/* Print "NAME  summary" for every scenario on @f. */
void nt_lab_list(FILE *f);

const char *nt_lab_name(const struct nt_lab *l);
const char *nt_lab_summary(const struct nt_lab *l);

/* The events to record (NULL-terminated, "system" or "system:event"; static). */
const char *const *nt_lab_events(const struct nt_lab *l);

/*
 * The functions its function_graph claims are about (where the kernel has that tracer), into
 * @out (at most @max). Returns how many.
 */
int nt_lab_functions(const struct nt_lab *l, const char **out, int max);

/* The default packet count. */
long nt_lab_default_count(const struct nt_lab *l);

/*
 * Build the world of @l for the run tagged @tag (our pid): namespaces "nt-lab-TAG-X",
 * devices "lTAGx". On failure whatever was built is already removed. Free (and tear down) with
 * nt_lab_world_destroy().
 */
int nt_lab_world_create(const struct nt_lab *l, long tag, struct nt_lab_world **out,
			struct nt_err **err);

/* Remove everything the world holds (namespaces, devices, rules). Accepts NULL. */
void nt_lab_world_destroy(struct nt_lab_world *w);

/* Remove worlds left by lab runs whose process is gone (killed with SIGKILL). */
void nt_lab_world_reap_stale(void);

/*
 * The scenario's traffic, run in the recorded child process: @count packets inside the world
 * tagged @tag; writes what it did as "key=value" lines to @dir/traffic.txt. Returns 0 when the
 * counts held.
 */
int nt_lab_traffic(const struct nt_lab *l, long tag, long count, const char *dir,
		   struct nt_err **err);

/* How a lab was recorded, which decides what its sheet can claim (DIR/record.txt). */
struct nt_lab_rec {
	bool graph;    /* function_graph recorded the scenario's functions */
	bool headers;  /* record --headers' kprobes recorded the packets' IP headers */
	char why[256]; /* without headers: why not (one line) */
};

/* Write @r to @dir/record.txt ("key=value" lines). */
int nt_lab_rec_write(const char *dir, const struct nt_lab_rec *r, struct nt_err **err);

/* Read @dir/record.txt into @r; what it does not say is false (with a why saying so). */
void nt_lab_rec_read(const char *dir, struct nt_lab_rec *r);

/*
 * Check the claims of @l against the imported trace (trace 1 of @db) and the traffic's own
 * record (@dir/traffic.txt); with @rec->graph also its function claims, with @rec->headers its
 * flow claims on UDP (N/A without). Write @dir/lab-sheet.txt and @dir/lab-sheet.html.
 * *@failed receives the number of claims that do not hold.
 */
int nt_lab_sheet(const struct nt_lab *l, sqlite3 *db, const char *dir, long count,
		 const struct nt_lab_rec *rec, int *failed, struct nt_err **err);

#endif
