/* SPDX-License-Identifier: GPL-2.0 */
/* The JSON writer. */
#include "json.h"
#include "../core/escape.h"

#include <math.h>

void nt_json_init(struct nt_json *j, FILE *out)
{
	j->out = out;
	j->depth = 0;
	j->first[0] = true;
	j->after_key = false;
}

static void sep(struct nt_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (!j->first[j->depth])
		fputs(", ", j->out);
	j->first[j->depth] = false;
}

static void open_level(struct nt_json *j, char open, char close)
{
	sep(j);
	fputc(open, j->out);
	if (j->depth < 63)
		j->depth++;
	j->first[j->depth] = true;
	j->close[j->depth] = close;
}

void nt_json_object(struct nt_json *j)
{
	open_level(j, '{', '}');
}

void nt_json_array(struct nt_json *j)
{
	open_level(j, '[', ']');
}

void nt_json_end(struct nt_json *j)
{
	if (j->depth > 0)
		fputc(j->close[j->depth--], j->out);
}

void nt_json_write_string(FILE *out, const char *s)
{
	nt_esc_json(out, s);
}

void nt_json_key(struct nt_json *j, const char *key)
{
	sep(j);
	nt_json_write_string(j->out, key);
	fputs(": ", j->out);
	j->after_key = true;
}

void nt_json_str(struct nt_json *j, const char *s)
{
	sep(j);
	if (s)
		nt_json_write_string(j->out, s);
	else
		fputs("null", j->out);
}

void nt_json_int(struct nt_json *j, int64_t v)
{
	sep(j);
	fprintf(j->out, "%lld", (long long)v);
}

void nt_json_bool(struct nt_json *j, bool v)
{
	sep(j);
	fputs(v ? "true" : "false", j->out);
}

void nt_json_num(struct nt_json *j, double v)
{
	sep(j);
	if (isnan(v) || isinf(v))
		fputs("null", j->out);
	else
		fprintf(j->out, v == (double)(int64_t)v ? "%.0f" : "%.3f", v);
}

void nt_json_key_str(struct nt_json *j, const char *key, const char *s)
{
	nt_json_key(j, key);
	nt_json_str(j, s);
}

void nt_json_key_int(struct nt_json *j, const char *key, int64_t v)
{
	nt_json_key(j, key);
	nt_json_int(j, v);
}

void nt_json_key_num(struct nt_json *j, const char *key, double v)
{
	nt_json_key(j, key);
	nt_json_num(j, v);
}
