/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One-line parsers shared by the ftrace text readers (ftrace_text.c: the kernel's trace and
 * trace_pipe text and `trace-cmd report` text; funcgraph_text.c: function_graph lines). They
 * work on (pointer, length) views of one line without its newline, allocate nothing and keep
 * no state, so the unit tests call them directly. Every pointer they return points into the
 * line they were given (weak).
 */
#ifndef NT_FTRACE_TEXT_H
#define NT_FTRACE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A timestamp as ftrace prints it, "SECONDS.FRACTION", into ns. The fraction is scaled by its
 * digit count (6 digits are microseconds, 9 nanoseconds; 1 to 9 digits). Without a dot the
 * number is taken as is (the counter clocks print raw counts). Never goes through floating
 * point. Returns 0, or -1 when @s is not such a number or does not fit 64 bits.
 */
int nt_text_ts(const char *s, size_t n, uint64_t *ns);

/*
 * A function_graph duration "USECS[.FRACTION]" (the number before " us") into ns. The kernel
 * prints at most 7 digits in all, cutting the fraction short, so "12345.67" is 12345670 ns
 * (a lower bound, at most 10 ns short). Returns 0 or -1.
 */
int nt_text_duration(const char *s, size_t n, int64_t *ns);

/*
 * Split a trimmed "comm-pid" field: the pid is the digits after the last '-' (a comm may hold
 * dashes and spaces). Returns 0 with *comm_len (the comm is s[0..*comm_len)) and *pid, or -1.
 */
int nt_text_comm_pid(const char *s, size_t n, size_t *comm_len, int32_t *pid);

/*
 * Is @s the latency flags column ("d.h.", "dNs1.", "d..2.")? 1 to 8 characters from the
 * alphabet the kernel uses: irqs-off (d D X B), need-resched (N n p P L l B), hard/softirq
 * (H h s Z z), preempt depth and migrate-disable (0-9 a-f), and '.' for none.
 */
bool nt_text_is_flags(const char *s, size_t n);

/* The context columns of an event line, as the kernel and trace-cmd report print them. */
struct nt_text_head {
	const char *comm; /* the comm, trimmed (may be "<...>") */
	size_t comm_len;
	int32_t pid;
	bool has_tgid; /* a "(tgid)" column was there */
	int32_t tgid;  /* -1 when printed as "(-----)" */
	int32_t cpu;
	const char *flags; /* the latency flags column, or NULL */
	size_t flags_len;
	uint64_t ts;	  /* ns */
	const char *rest; /* what follows "TIMESTAMP: ", leading spaces skipped */
	size_t rest_len;
};

/*
 * Parse the columns "COMM-PID [(TGID)] [CPU] [FLAGS] TIMESTAMP: " at the start of @line.
 * Returns 0 and fills @h, or -1 when the line does not have that shape.
 */
int nt_text_head(const char *line, size_t n, struct nt_text_head *h);

/* A parsed integer value of a key=value field: decimal (optionally negative) or 0x hex. */
bool nt_text_int(const char *s, size_t n, int64_t *v);

/* Hex digits without a prefix (the syscall tracer prints its arguments so). */
bool nt_text_hex(const char *s, size_t n, int64_t *v);

/* One "key=value" pair found in an event's text. */
struct nt_text_kv {
	const char *key, *val;
	size_t key_len, val_len;
};

/*
 * Split an event's printed fields into key=value pairs: "key=value" words (a value runs on
 * over following words that hold no '=', so "prev_comm=Web Content" keeps its space, but not
 * over "==>" or a word opening with '[' or '(' such as "[ns]"; "[key=value]" loses its
 * brackets; "key=\"a b\"" is unquoted), and "key: value"
 * words as the kernel prints some (kfree_skb's "reason: X"). Returns the number of pairs
 * stored in @kv (at most @max; further pairs are counted in *more when @more is not NULL).
 */
unsigned nt_text_fields(const char *s, size_t n, struct nt_text_kv *kv, unsigned max,
			unsigned *more);

/* ---- function_graph lines (funcgraph_text.c) ---- */

enum nt_fg_kind {
	NT_FG_ENTRY = 1, /* "func() {" */
	NT_FG_LEAF,	 /* "func();" */
	NT_FG_EXIT,	 /* "}" or "} / * func * /" */
	NT_FG_COMMENT,	 /* "/ * text * /": an event or a trace_printk message */
	NT_FG_SWITCH,	 /* "CPU)  comm-pid  =>  comm-pid": a task switch on that cpu */
	NT_FG_NOOP, /* a line of the layout that carries nothing: dashes, irq arrows, overruns */
};

struct nt_fg_line {
	enum nt_fg_kind kind;
	bool has_ts;
	uint64_t ts; /* the absolute time column, ns */
	int32_t cpu; /* -1 without a cpu column */
	bool has_proc;
	const char *comm; /* proc column (or, for a switch, the task switched away from) */
	size_t comm_len;
	int32_t pid;
	const char *comm2; /* a switch: the task switched to */
	size_t comm2_len;
	int32_t pid2;
	const char *flags; /* the latency column, or NULL */
	size_t flags_len;
	bool has_duration;
	int64_t duration; /* ns */
	int depth;	  /* from the indentation; -1 for comments */
	const char *func; /* entry, leaf, exit (from its tail comment; NULL when not printed) */
	size_t func_len;
	const char *text; /* a comment's text, trimmed */
	size_t text_len;
	uint64_t overruns; /* NT_FG_NOOP from "(Overruns: N)" */
};

/* Parse one function_graph output line. Returns 0 and fills @out, or -1. */
int nt_fg_line(const char *s, size_t n, struct nt_fg_line *out);

/*
 * Parse what follows the context columns: [duration column] indentation body. @base is the
 * number of spaces the previous column printed after its separator (2 after a '|' of the
 * duration or time column, 1 after "CPU) ", 0 at the start of a line). Used for trace-cmd
 * report's rendering of funcgraph_entry/funcgraph_exit records. Returns 0 or -1.
 */
int nt_fg_body(const char *s, size_t n, int base, struct nt_fg_line *out);

#endif
