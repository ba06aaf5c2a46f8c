/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One-line parsers for ftrace text: timestamps, the comm-pid/tgid/cpu/flags columns, integer
 * values and key=value fields (see ftrace_text.h). No allocation, no state.
 */
#include "ftrace_text.h"

#include <string.h>

static inline bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static inline bool is_ident(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       (!first && is_digit(c));
}

int nt_text_ts(const char *s, size_t n, uint64_t *ns)
{
	uint64_t sec = 0, frac = 0;
	size_t i = 0;
	unsigned nd = 0;

	while (i < n && is_digit(s[i])) {
		if (sec > (UINT64_MAX - 9) / 10)
			return -1;
		sec = sec * 10 + (uint64_t)(s[i++] - '0');
	}
	if (!i)
		return -1;
	if (i == n) { /* a raw counter value */
		*ns = sec;
		return 0;
	}
	if (s[i++] != '.')
		return -1;
	while (i < n && is_digit(s[i])) {
		if (nd == 9)
			return -1;
		frac = frac * 10 + (uint64_t)(s[i++] - '0');
		nd++;
	}
	if (i != n || !nd)
		return -1;
	for (; nd < 9; nd++)
		frac *= 10;
	if (sec > (UINT64_MAX - frac) / 1000000000ull)
		return -1;
	*ns = sec * 1000000000ull + frac;
	return 0;
}

int nt_text_duration(const char *s, size_t n, int64_t *ns)
{
	uint64_t us = 0, frac = 0;
	size_t i = 0;
	unsigned nd = 0;

	while (i < n && is_digit(s[i])) {
		if (us > 1000000000000ull) /* more than 11 days: not a duration we print */
			return -1;
		us = us * 10 + (uint64_t)(s[i++] - '0');
	}
	if (!i)
		return -1;
	if (i < n) {
		if (s[i++] != '.')
			return -1;
		while (i < n && is_digit(s[i])) {
			if (nd == 3)
				return -1;
			frac = frac * 10 + (uint64_t)(s[i++] - '0');
			nd++;
		}
		if (i != n || !nd)
			return -1;
	}
	for (; nd < 3; nd++)
		frac *= 10;
	*ns = (int64_t)(us * 1000 + frac);
	return 0;
}

int nt_text_comm_pid(const char *s, size_t n, size_t *comm_len, int32_t *pid)
{
	size_t i = n;
	int64_t v = 0, mul = 1;

	while (i > 0 && is_digit(s[i - 1]))
		i--;
	if (i == n || n - i > 10 || i == 0 || s[i - 1] != '-')
		return -1;
	for (size_t j = n; j > i; j--) {
		v += (s[j - 1] - '0') * mul;
		mul *= 10;
	}
	if (v > INT32_MAX)
		return -1;
	*comm_len = i - 1;
	*pid = (int32_t)v;
	return 0;
}

bool nt_text_is_flags(const char *s, size_t n)
{
	static const char alphabet[] = ".dDXBNnpPLlHhsZz0123456789abcdef";

	if (!n || n > 8)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!s[i] || !strchr(alphabet, s[i]))
			return false;
	return true;
}

bool nt_text_hex(const char *s, size_t n, int64_t *v)
{
	uint64_t x = 0;

	if (!n || n > 16)
		return false;
	for (size_t i = 0; i < n; i++) {
		int d = hex_val(s[i]);
		if (d < 0)
			return false;
		x = x << 4 | (uint64_t)d;
	}
	*v = (int64_t)x;
	return true;
}

bool nt_text_int(const char *s, size_t n, int64_t *v)
{
	bool neg = false;
	uint64_t x = 0;

	if (n && s[0] == '-') {
		neg = true;
		s++;
		n--;
	}
	if (!n)
		return false;
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		int64_t h;
		if (!nt_text_hex(s + 2, n - 2, &h))
			return false;
		x = (uint64_t)h;
	} else {
		if (n > 20)
			return false;
		for (size_t i = 0; i < n; i++) {
			unsigned d;
			if (!is_digit(s[i]))
				return false;
			d = (unsigned)(s[i] - '0');
			if (x > (UINT64_MAX - d) / 10)
				return false;
			x = x * 10 + d;
		}
		if (neg && x > (uint64_t)INT64_MAX + 1)
			return false;
	}
	*v = neg ? (int64_t)(0 - x) : (int64_t)x;
	return true;
}

/* ---- the context columns ---- */

static void trim(const char **s, size_t *n)
{
	while (*n && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*n)--;
	}
	while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
}

/* "comm-pid" or "comm-pid (tgid)": the part left of " [cpu]". */
static int parse_left(const char *s, size_t n, struct nt_text_head *h)
{
	trim(&s, &n);
	h->has_tgid = false;
	h->tgid = -1;
	if (n && s[n - 1] == ')') {
		size_t open = n - 1, i;
		const char *in;
		size_t inl;
		bool dash = true, digit = true;

		while (open > 0 && s[open] != '(')
			open--;
		if (s[open] != '(')
			return -1;
		in = s + open + 1;
		inl = n - 1 - open - 1;
		trim(&in, &inl);
		if (!inl)
			return -1;
		for (i = 0; i < inl; i++) {
			dash &= in[i] == '-';
			digit &= is_digit(in[i]);
		}
		if (digit) {
			int64_t v;
			if (inl > 10 || !nt_text_int(in, inl, &v) || v > INT32_MAX)
				return -1;
			h->tgid = (int32_t)v;
		} else if (!dash) {
			return -1;
		}
		h->has_tgid = true;
		n = open;
		trim(&s, &n);
	}
	if (nt_text_comm_pid(s, n, &h->comm_len, &h->pid) || !h->comm_len)
		return -1;
	h->comm = s;
	return 0;
}

/* After "[cpu]" at @p: "[FLAGS] TIMESTAMP: ". */
static int parse_right(const char *line, size_t n, size_t p, struct nt_text_head *h)
{
	size_t q;

	h->flags = NULL;
	h->flags_len = 0;
	for (int round = 0; round < 2; round++) {
		while (p < n && line[p] == ' ')
			p++;
		q = p;
		while (q < n && line[q] != ' ')
			q++;
		if (q == p)
			return -1;
		if (line[q - 1] == ':') {
			if (nt_text_ts(line + p, q - 1 - p, &h->ts))
				return -1;
			while (q < n && line[q] == ' ')
				q++;
			h->rest = line + q;
			h->rest_len = n - q;
			return 0;
		}
		if (round || !nt_text_is_flags(line + p, q - p))
			return -1;
		h->flags = line + p;
		h->flags_len = q - p;
		p = q;
	}
	return -1;
}

/*
 * trace-cmd report -l: "COMM-PID  CPUFLAGS  TIMESTAMP: " (the cpu number runs into the flags,
 * "0d..2."; no brackets).
 */
static int head_latency(const char *line, size_t n, struct nt_text_head *h)
{
	size_t i = 0, prev_s = 0, prev_e = 0, ws, we;
	unsigned k = 0;

	while (i < n) {
		while (i < n && line[i] == ' ')
			i++;
		if (i >= n)
			break;
		ws = i;
		while (i < n && line[i] != ' ')
			i++;
		we = i;
		if (k >= 1 && we - ws > 1 && line[we - 1] == ':' &&
		    memchr(line + ws, '.', we - ws) &&
		    !nt_text_ts(line + ws, we - ws - 1, &h->ts)) {
			size_t d = prev_s;
			int64_t cpu = 0;

			while (d < prev_e && is_digit(line[d]) && d - prev_s < 6)
				cpu = cpu * 10 + (line[d++] - '0');
			if (d == prev_s || d == prev_e || !nt_text_is_flags(line + d, prev_e - d) ||
			    is_digit(line[d]) || parse_left(line, prev_s, h))
				return -1;
			h->cpu = (int32_t)cpu;
			h->flags = line + d;
			h->flags_len = prev_e - d;
			while (i < n && line[i] == ' ')
				i++;
			h->rest = line + i;
			h->rest_len = n - i;
			return 0;
		}
		prev_s = ws;
		prev_e = we;
		k++;
	}
	return -1;
}

int nt_text_head(const char *line, size_t n, struct nt_text_head *h)
{
	memset(h, 0, sizeof(*h));
	for (size_t i = 1; i + 2 < n; i++) {
		size_t j = i + 1;
		int64_t cpu = 0;

		if (line[i] != '[' || line[i - 1] != ' ')
			continue;
		while (j < n && is_digit(line[j]) && j - i <= 6)
			cpu = cpu * 10 + (line[j++] - '0');
		if (j == i + 1 || j >= n || line[j] != ']' || (j + 1 < n && line[j + 1] != ' '))
			continue;
		if (parse_left(line, i - 1, h) || parse_right(line, n, j + 1, h))
			continue;
		h->cpu = (int32_t)cpu;
		return 0;
	}
	memset(h, 0, sizeof(*h));
	return head_latency(line, n, h);
}

/* ---- key=value fields ---- */

static bool valid_key(const char *s, size_t n)
{
	if (!n || n > 64 || !is_ident(s[0], true))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!is_ident(s[i], false))
			return false;
	return true;
}

/* The word at @i: [*ws, *we). Returns false at the end. */
static bool next_word(const char *s, size_t n, size_t *i, size_t *ws, size_t *we)
{
	size_t p = *i;

	while (p < n && s[p] == ' ')
		p++;
	if (p >= n)
		return false;
	*ws = p;
	while (p < n && s[p] != ' ')
		p++;
	*we = p;
	*i = p;
	return true;
}

unsigned nt_text_fields(const char *s, size_t n, struct nt_text_kv *kv, unsigned max,
			unsigned *more)
{
	unsigned count = 0, extra = 0;
	size_t i = 0, ws, we;
	int open = -1; /* the pair whose value may run on over the next words */

	while (next_word(s, n, &i, &ws, &we)) {
		const char *w = s + ws;
		size_t wl = we - ws, b = 0, eq;
		struct nt_text_kv pair;

		if (wl == 3 && !memcmp(w, "==>", 3)) {
			open = -1;
			continue;
		}
		if (w[0] == '[' || w[0] == '(')
			b = 1;
		for (eq = b; eq < wl && w[eq] != '='; eq++)
			;
		if (eq < wl && valid_key(w + b, eq - b)) {
			pair.key = w + b;
			pair.key_len = eq - b;
			pair.val = w + eq + 1;
			pair.val_len = wl - eq - 1;
			if (pair.val_len && pair.val[0] == '"') {
				const char *close =
					memchr(pair.val + 1, '"', (size_t)(s + n - pair.val - 1));
				if (close) {
					pair.val++;
					pair.val_len = (size_t)(close - pair.val);
					i = (size_t)(close - s) + 1;
					while (i < n && s[i] != ' ')
						i++;
				}
				open = -1;
			} else {
				if (b && pair.val_len &&
				    (pair.val[pair.val_len - 1] == ']' ||
				     pair.val[pair.val_len - 1] == ')'))
					pair.val_len--;
				if (pair.val_len && pair.val[pair.val_len - 1] == ',')
					pair.val_len--;
				open = b ? -1 : (int)count;
			}
		} else if (wl > 1 && w[wl - 1] == ':' && valid_key(w, wl - 1)) {
			size_t vs, ve, save = i;

			if (!next_word(s, n, &i, &vs, &ve) || memchr(s + vs, '=', ve - vs)) {
				i = save;
				open = -1;
				continue;
			}
			pair.key = w;
			pair.key_len = wl - 1;
			pair.val = s + vs;
			pair.val_len = ve - vs;
			open = (int)count;
		} else {
			if (w[0] == '[' ||
			    w[0] == '(') /* "[ns]": a unit or note, not part of a value */
				open = -1;
			if (open >= 0 && open < (int)count)
				kv[open].val_len = we - (size_t)(kv[open].val - s);
			continue;
		}
		if (count < max) {
			kv[count++] = pair;
		} else {
			extra++;
			open = -1;
		}
	}
	if (more)
		*more = extra;
	return count;
}
