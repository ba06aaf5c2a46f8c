/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One function_graph output line: the optional columns (absolute time, cpu, task, latency
 * flags, duration) and the body (entry, leaf, exit, comment), the depth read from the
 * indentation (see ftrace_text.h and docs/formats/funcgraph.md).
 */
#include "ftrace_text.h"

#include <string.h>

static inline bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static size_t skip_sp(const char *s, size_t n, size_t p)
{
	while (p < n && s[p] == ' ')
		p++;
	return p;
}

static void trim(const char **s, size_t *n)
{
	while (*n && **s == ' ') {
		(*s)++;
		(*n)--;
	}
	while (*n && (*s)[*n - 1] == ' ')
		(*n)--;
}

/* "SECONDS.FRACTION |": the absolute time column. */
static bool abs_time(const char *s, size_t n, size_t *p, uint64_t *ts)
{
	size_t q = skip_sp(s, n, *p), e = q, dot = 0;

	while (e < n && (is_digit(s[e]) || s[e] == '.')) {
		if (s[e] == '.')
			dot++;
		e++;
	}
	if (e == q || dot != 1)
		return false;
	if (nt_text_ts(s + q, e - q, ts))
		return false;
	e = skip_sp(s, n, e);
	if (e >= n || s[e] != '|')
		return false;
	*p = e + 1;
	return true;
}

/* " CPU)": the cpu column. */
static bool cpu_col(const char *s, size_t n, size_t *p, int32_t *cpu)
{
	size_t q = skip_sp(s, n, *p), e = q;
	int32_t v = 0;

	while (e < n && is_digit(s[e]) && e - q < 6)
		v = v * 10 + (s[e++] - '0');
	if (e == q || e >= n || s[e] != ')' || (e + 1 < n && s[e + 1] != ' '))
		return false;
	*cpu = v;
	*p = e + 1;
	return true;
}

/* A segment up to the next '|' on the line, trimmed; false when there is no '|'. */
static bool segment(const char *s, size_t n, size_t p, const char **seg, size_t *seg_len,
		    size_t *bar)
{
	const char *b = memchr(s + p, '|', n - p);

	if (!b)
		return false;
	*seg = s + p;
	*seg_len = (size_t)(b - *seg);
	*bar = (size_t)(b - s);
	trim(seg, seg_len);
	return true;
}

/* "comm-pid |": the task column. */
static bool proc_col(const char *s, size_t n, size_t *p, struct nt_fg_line *o)
{
	const char *seg;
	size_t sl, bar, cl;
	int32_t pid;

	if (!segment(s, n, *p, &seg, &sl, &bar) || !sl || (sl >= 2 && !memcmp(seg, "/*", 2)) ||
	    nt_text_comm_pid(seg, sl, &cl, &pid) || !cl)
		return false;
	o->has_proc = true;
	o->comm = seg;
	o->comm_len = cl;
	o->pid = pid;
	*p = bar + 1;
	return true;
}

/* "d..1 |": the latency column. */
static bool lat_col(const char *s, size_t n, size_t *p, struct nt_fg_line *o)
{
	const char *seg;
	size_t sl, bar;

	if (!segment(s, n, *p, &seg, &sl, &bar) || !nt_text_is_flags(seg, sl))
		return false;
	o->flags = seg;
	o->flags_len = sl;
	*p = bar + 1;
	return true;
}

/* "[marker] DURATION us |" or a blank column "   |". */
static bool duration_col(const char *s, size_t n, size_t *p, struct nt_fg_line *o)
{
	const char *seg;
	size_t sl, bar, e;

	if (!segment(s, n, *p, &seg, &sl, &bar))
		return false;
	if (!sl) {
		*p = bar + 1;
		return true;
	}
	if (sl > 2 && strchr("+!#*@$", seg[0]) && seg[1] == ' ') {
		seg += 2;
		sl -= 2;
		trim(&seg, &sl);
	}
	if (sl < 4 || memcmp(seg + sl - 3, " us", 3))
		return false;
	e = sl - 3;
	while (e && seg[e - 1] == ' ')
		e--;
	if (nt_text_duration(seg, e, &o->duration))
		return false;
	o->has_duration = true;
	*p = bar + 1;
	return true;
}

/* A function name as %ps prints it: symbol, optionally " [module]". */
static bool func_name(const char *s, size_t n)
{
	size_t i = 0;

	if (!n || n > 512)
		return false;
	while (i < n && s[i] != ' ') {
		char c = s[i];
		if (!(is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
		      c == '.' || c == '$'))
			return false;
		i++;
	}
	if (!i)
		return false;
	if (i == n)
		return true;
	return n - i >= 4 && s[i + 1] == '[' && s[n - 1] == ']' &&
	       !memchr(s + i + 2, ' ', n - i - 3);
}

/* The text of a trailing comment "... / * text * /", or NULL; *head_len is what precedes it. */
static const char *tail_comment(const char *s, size_t n, size_t *len, size_t *head_len)
{
	const char *c = NULL;

	if (n < 4 || memcmp(s + n - 2, "*/", 2))
		return NULL;
	for (size_t i = 0; i + 3 < n; i++)
		if (s[i] == '/' && s[i + 1] == '*') {
			c = s + i;
			break;
		}
	if (!c)
		return NULL;
	*head_len = (size_t)(c - s);
	c += 2;
	*len = n - 2 - (size_t)(c - s);
	trim(&c, len);
	return c;
}

static int body_text(const char *s, size_t n, struct nt_fg_line *o)
{
	const char *c, *paren;
	size_t cl, hl;

	if (n >= 4 && !memcmp(s, "/*", 2) && !memcmp(s + n - 2, "*/", 2)) {
		o->kind = NT_FG_COMMENT;
		o->depth = -1;
		o->text = s + 2;
		o->text_len = n - 4;
		trim(&o->text, &o->text_len);
		return 0;
	}
	c = tail_comment(s, n, &cl, &hl);
	if (c) {
		n = hl;
		while (n && s[n - 1] == ' ')
			n--;
	}
	if (n == 1 && s[0] == '}') {
		o->kind = NT_FG_EXIT;
		if (c && cl) { /* "} / * func [ret=...] * /" */
			size_t w = 0;
			while (w < cl && c[w] != ' ')
				w++;
			if (func_name(c, w)) {
				o->func = c;
				o->func_len = w;
			}
		}
		return 0;
	}
	if (n >= 4 && s[n - 1] == '{' && s[n - 2] == ' ' && s[n - 3] == ')')
		o->kind = NT_FG_ENTRY;
	else if (n >= 3 && s[n - 1] == ';' && s[n - 2] == ')')
		o->kind = NT_FG_LEAF;
	else
		return -1;
	paren = memchr(s, '(', n);
	if (!paren || !func_name(s, (size_t)(paren - s)))
		return -1;
	o->func = s;
	o->func_len = (size_t)(paren - s);
	return 0;
}

static int body(const char *s, size_t n, int base, struct nt_fg_line *o)
{
	size_t p = 0, sp;
	const char *rest;
	size_t rl;

	rest = s;
	rl = n;
	trim(&rest, &rl);
	if (rl >= 11 && (!memcmp(rest, "==========>", 11) || !memcmp(rest, "<==========", 11))) {
		o->kind = NT_FG_NOOP;
		return 0;
	}
	if (duration_col(s, n, &p, o))
		base = 2;
	sp = p;
	while (sp < n && s[sp] == ' ')
		sp++;
	if (sp == n)
		return -1;
	o->depth = (int)(sp - p) - base;
	if (body_text(s + sp, n - sp, o))
		return -1;
	if (o->kind == NT_FG_COMMENT) {
		o->depth = -1;
		return 0;
	}
	if (o->depth < 0 || o->depth % 2)
		return -1;
	o->depth /= 2;
	return 0;
}

static void init(struct nt_fg_line *o)
{
	memset(o, 0, sizeof(*o));
	o->cpu = -1;
	o->pid = -1;
	o->pid2 = -1;
	o->depth = -1;
}

int nt_fg_body(const char *s, size_t n, int base, struct nt_fg_line *out)
{
	init(out);
	while (n && s[n - 1] == ' ')
		n--;
	return body(s, n, base, out);
}

/* "CPU)  comm-pid  =>  comm-pid" after the cpu column. */
static bool task_switch(const char *s, size_t n, size_t p, struct nt_fg_line *o)
{
	const char *a = s + p, *arrow = NULL, *b2;
	size_t al, bl;

	for (size_t i = p; i + 4 <= n; i++)
		if (!memcmp(s + i, " => ", 4)) {
			arrow = s + i;
			break;
		}
	if (!arrow)
		return false;
	al = (size_t)(arrow - a);
	b2 = arrow + 4;
	bl = n - (size_t)(b2 - s);
	trim(&a, &al);
	trim(&b2, &bl);
	if (nt_text_comm_pid(a, al, &o->comm_len, &o->pid) ||
	    nt_text_comm_pid(b2, bl, &o->comm2_len, &o->pid2))
		return false;
	o->kind = NT_FG_SWITCH;
	o->comm = a;
	o->comm2 = b2;
	return true;
}

static bool noop_line(const char *s, size_t n, struct nt_fg_line *o)
{
	size_t p = skip_sp(s, n, 0), d = p;

	while (d < n && s[d] == '-')
		d++;
	if (d - p >= 10 && d == n) {
		o->kind = NT_FG_NOOP;
		return true;
	}
	if (n - p > 12 && !memcmp(s + p, "(Overruns: ", 11) && s[n - 1] == ')') {
		uint64_t v = 0;
		size_t i = p + 11;

		while (i < n - 1 && is_digit(s[i]) && v < UINT64_MAX / 10)
			v = v * 10 + (uint64_t)(s[i++] - '0');
		if (i != n - 1 || i == p + 11)
			return false;
		o->kind = NT_FG_NOOP;
		o->overruns = v;
		return true;
	}
	return false;
}

int nt_fg_line(const char *s, size_t n, struct nt_fg_line *o)
{
	size_t p = 0;
	int base = 0;

	init(o);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (!n)
		return -1;
	if (noop_line(s, n, o))
		return 0;
	if (abs_time(s, n, &p, &o->ts)) {
		o->has_ts = true;
		base = 2;
	}
	if (cpu_col(s, n, &p, &o->cpu)) {
		base = 1;
		if (!o->has_ts && task_switch(s, n, p, o))
			return 0;
	}
	if (proc_col(s, n, &p, o))
		base = 1;
	if (lat_col(s, n, &p, o))
		base = 1;
	return body(s + p, n - p, base, o);
}
