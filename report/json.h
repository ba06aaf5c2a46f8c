/* SPDX-License-Identifier: GPL-2.0 */
/* A small streaming JSON writer: commas and nesting handled, strings escaped for HTML too. */
#ifndef NT_JSON_H
#define NT_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct nt_json {
	FILE *out;
	int depth;
	bool first[64]; /* per level: nothing written yet */
	char close[64]; /* per level: '}' or ']' */
	bool after_key;
};

void nt_json_init(struct nt_json *j, FILE *out);
void nt_json_object(struct nt_json *j);
void nt_json_array(struct nt_json *j);
void nt_json_end(struct nt_json *j);
void nt_json_key(struct nt_json *j, const char *key);
void nt_json_str(struct nt_json *j, const char *s); /* NULL writes null */
void nt_json_int(struct nt_json *j, int64_t v);
void nt_json_bool(struct nt_json *j, bool v);
/* NaN writes null; 3 decimals (times are µs with ns resolution) */
void nt_json_num(struct nt_json *j, double v);
void nt_json_key_str(struct nt_json *j, const char *key, const char *s);
void nt_json_key_int(struct nt_json *j, const char *key, int64_t v);
void nt_json_key_num(struct nt_json *j, const char *key, double v);

/* Write @s as a JSON string literal: valid UTF-8, safe inside HTML (nt_esc_json()). */
void nt_json_write_string(FILE *out, const char *s);

#endif
