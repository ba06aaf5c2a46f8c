/* SPDX-License-Identifier: GPL-2.0 */
/* Inside lab/: the scenario table's row, the world's helpers, traffic and sheet helpers. */
#ifndef NT_LAB_INT_H
#define NT_LAB_INT_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "lab.h"

#define LAB_MAX_NS 4

struct nt_lab_world {
	long tag;
	int nns;
	char ns[LAB_MAX_NS][40]; /* namespaces created, in order */
};

/* What the traffic did: "key=value" lines of traffic.txt (the traffic's own counts). */
struct lab_out {
	FILE *f;
};

struct lab_sheet; /* sheet.c */

/* A function_graph claim: calls of @function == @factor x the traffic's count @key (a NULL
 * @key: == @factor). */
struct lab_fn {
	const char *function;
	long factor;
	const char *key;
	const char *why; /* what the calls are */
};

struct nt_lab {
	const char *name;
	const char *summary;
	const char *const *events;
	long count;
	const char *namespaces; /* one letter per namespace to create ("a", "crs") */
	int (*build)(struct nt_lab_world *w, struct nt_err **err);
	int (*traffic)(long tag, long count, struct lab_out *o, struct nt_err **err);
	void (*check)(struct lab_sheet *s, long count);
	const struct lab_fn *fns; /* function_graph claims (ends with a NULL function) */
};

extern const struct nt_lab lab_scenarios[];
extern const int lab_nscenarios;

/* Names: namespace "nt-lab-TAG-X" and device "lTAGx" (into @buf of 40 bytes). */
const char *lab_ns_name(long tag, char x, char *buf);
const char *lab_dev_name(long tag, char x, char *buf);

/*
 * Run a command (words separated by single spaces; printf format) with @input on its stdin
 * (or none). Its stderr becomes the error's text. Returns 0 when it exited 0.
 */
int lab_run(const char *input, struct nt_err **err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Enter namespace X of the world tagged @tag (this process, single-threaded). */
int lab_enter(long tag, char x, struct nt_err **err);

/* Write a sysctl of the current namespace ("net/ipv4/ip_forward"). */
int lab_sysctl(const char *key, const char *value, struct nt_err **err);

/* traffic.txt */
void lab_put(struct lab_out *o, const char *key, long value);
void lab_puts(struct lab_out *o, const char *key, const char *value);

/* The world's sizes and ports (shared by traffic and claims). */
#define LAB_UDP_PORT	4321
#define LAB_TCP_PORT	4322
#define LAB_CLOSED_PORT 4323
#define LAB_NF_PORT	4324
#define LAB_RAW_PROTO	253
#define LAB_TUN_SPORT	5000 /* the source port of the packets written to the tun device */

/* sheet.c, for the scenarios' check functions */
long lab_kv(struct lab_sheet *s, const char *key); /* -1 when missing */
const char *lab_kvs(struct lab_sheet *s, const char *key);
/* A claim: @text, expected @expected, observed: the integer the SQL query returns. */
void lab_claim(struct lab_sheet *s, long expected, const char *text, const char *sqlfmt, ...);
/* A claim whose observed value is at least @expected. */
void lab_claim_ge(struct lab_sheet *s, long expected, const char *text, const char *sqlfmt, ...);
/* A claim on the traffic's own counts (no trace involved). */
void lab_claim_value(struct lab_sheet *s, long expected, long observed, const char *text);
/*
 * A claim on flows that only the packets' IP headers give (UDP: record --headers' kprobes):
 * as lab_claim where they were recorded, else N/A saying why they were not.
 */
void lab_claim_hdr(struct lab_sheet *s, long expected, const char *text, const char *sqlfmt, ...);
/* Were the packets' IP headers recorded (record --headers)? */
bool lab_headers(struct lab_sheet *s);
/* A claim this trace's kernel cannot show: listed with @why, neither holding nor failing. */
void lab_claim_na(struct lab_sheet *s, const char *text, const char *why);
/* The traced kernel's release is older than @major.@minor (trace_meta "kernel"; false when
 * unknown). */
bool lab_kernel_before(struct lab_sheet *s, int major, int minor);
/* A line of what the trace shows (the text of the first row of the query). */
void lab_note(struct lab_sheet *s, const char *label, const char *sqlfmt, ...);
/* The path of one sample packet: the skb_id the query returns, with its hops. */
void lab_sample(struct lab_sheet *s, const char *title, const char *sqlfmt, ...);

#endif
