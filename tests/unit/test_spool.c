/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The spool (analyze/spool.h) gives the analyses the values the tables would: each value is
 * bound into a SQLite table of the declared type and read back with sqlite3_column_* (the
 * expected values, SQLite's own conversions), and spooled with the same declared type; the
 * event accessors (nt_ev_has/int/text/type/blob) must agree on both. A value SQLite would
 * convert on insert makes the spool unusable. Also core/sys's two printf-free string writes
 * (the hops' JSON, the analyses' name copies) against snprintf.
 */
#include "../../analyze/analyze.h"
#include "../../analyze/spool.h"
#include "../../core/sys.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define FAIL(...)                                                    \
	do {                                                         \
		fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
		fprintf(stderr, __VA_ARGS__);                        \
		fputc('\n', stderr);                                 \
		failures++;                                          \
	} while (0)

static struct nt_val ival(int64_t i)
{
	return (struct nt_val){.type = NT_VAL_INT, .i = i};
}

static struct nt_val rval(double r)
{
	return (struct nt_val){.type = NT_VAL_REAL, .r = r};
}

static struct nt_val tval(const char *s)
{
	return (struct nt_val){.type = NT_VAL_TEXT, .s = s, .n = (uint32_t)strlen(s)};
}

static struct nt_val bval(const void *b, uint32_t n)
{
	return (struct nt_val){.type = NT_VAL_BLOB, .s = b, .n = n};
}

static void bind(sqlite3_stmt *st, int p, const struct nt_val *v)
{
	switch (v->type) {
	case NT_VAL_INT:
		sqlite3_bind_int64(st, p, v->i);
		break;
	case NT_VAL_REAL:
		sqlite3_bind_double(st, p, v->r);
		break;
	case NT_VAL_TEXT:
		sqlite3_bind_text(st, p, v->s, (int)v->n, SQLITE_STATIC);
		break;
	case NT_VAL_BLOB:
		sqlite3_bind_blob(st, p, v->s, (int)v->n, SQLITE_STATIC);
		break;
	default:
		sqlite3_bind_null(st, p);
	}
}

/* Value @v in a column declared @decl: the table's and the spool's accessors agree. */
static void same(sqlite3 *db, const char *decl, struct nt_val v, const char *what)
{
	char *cols[] = {"skbaddr"}, sql[128]; /* a field the skb analysis reads: it is kept */
	const char *decls[] = {decl};
	const int slot[] = {1}, sslot[] = {0};
	struct nt_spool *sp = nt_spool_open("/tmp");
	struct nt_spool_rec r;
	sqlite3_stmt *ins, *sel;
	struct nt_ev te = {.slot = slot}, se = {.slot = sslot};
	int tn, sn;
	const void *tb, *sb;
	const char *tt, *st;

	snprintf(sql, sizeof(sql), "CREATE TABLE t(f %s)", decl);
	sqlite3_exec(db, "DROP TABLE IF EXISTS t", NULL, NULL, NULL);
	sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_prepare_v2(db, "INSERT INTO t VALUES(?)", -1, &ins, NULL);
	bind(ins, 1, &v);
	sqlite3_step(ins);
	sqlite3_finalize(ins);
	if (!sp || nt_spool_class(sp, 3, "skb:kfree_skb", 7, 1, cols, decls)) {
		FAIL("%s: cannot set up a spool", what);
		nt_spool_close(sp);
		return;
	}
	nt_spool_event(sp, 3, 1, 100, 0, 1, 0, &v, 1);
	if (!nt_spool_usable(sp) || nt_spool_rewind(sp) || nt_spool_next(sp, &r) != 1) {
		FAIL("%s: the spool did not keep the value", what);
		nt_spool_close(sp);
		return;
	}
	se.vals = r.vals;
	sqlite3_prepare_v2(db, "SELECT 0, f FROM t", -1, &sel, NULL);
	sqlite3_step(sel);
	te.st = sel;
	if (nt_ev_has(&te, 0) != nt_ev_has(&se, 0))
		FAIL("%s: has %d, spool %d", what, nt_ev_has(&te, 0), nt_ev_has(&se, 0));
	if (nt_ev_type(&te, 0) != nt_ev_type(&se, 0))
		FAIL("%s: type %d, spool %d", what, nt_ev_type(&te, 0), nt_ev_type(&se, 0));
	if (nt_ev_int(&te, 0) != nt_ev_int(&se, 0))
		FAIL("%s: int %lld, spool %lld", what, (long long)nt_ev_int(&te, 0),
		     (long long)nt_ev_int(&se, 0));
	tt = nt_ev_text(&te, 0);
	st = nt_ev_text(&se, 0);
	if (!tt != !st || (tt && strcmp(tt, st)))
		FAIL("%s: text '%s', spool '%s'", what, tt ? tt : "(null)", st ? st : "(null)");
	tb = nt_ev_blob(&te, 0, &tn);
	sb = nt_ev_blob(&se, 0, &sn);
	if (tn != sn || !tb != !sb || (tn && memcmp(tb, sb, (size_t)tn)))
		FAIL("%s: blob of %d bytes, spool %d", what, tn, sn);
	sqlite3_finalize(sel);
	nt_spool_close(sp);
}

/* Value @v in a column declared @decl would be converted: the spool says it is unusable. */
static void refused(const char *decl, struct nt_val v, const char *what)
{
	char *cols[] = {"skbaddr"};
	const char *decls[] = {decl};
	struct nt_spool *sp = nt_spool_open("/tmp");

	if (!sp || nt_spool_class(sp, 0, "skb:kfree_skb", 7, 1, cols, decls)) {
		FAIL("%s: cannot set up a spool", what);
	} else {
		nt_spool_event(sp, 0, 1, 100, 0, 1, 0, &v, 1);
		if (nt_spool_usable(sp))
			FAIL("%s: a value SQLite converts was spooled", what);
	}
	nt_spool_close(sp);
}

/*
 * Records across blocks, in order: 30,000 events (several blocks of 256 KiB), one whose text is
 * larger than a block in the middle, and more after it; all read back in order after a rewind.
 */
static void blocks(void)
{
	char *cols[] = {"skbaddr"};
	const char *decls[] = {""};
	struct nt_spool *sp = nt_spool_open("/tmp");
	struct nt_spool_rec r;
	size_t big = 300 << 10;
	char *text = malloc(big + 1);
	int64_t n = 0;

	if (!sp || !text || nt_spool_class(sp, 0, "skb:kfree_skb", 7, 1, cols, decls)) {
		FAIL("blocks: cannot set up a spool");
		goto out;
	}
	memset(text, 'x', big);
	text[big] = '\0';
	for (int64_t i = 1; i <= 60001; i++) {
		struct nt_val v = i == 30001 ? tval(text) : ival(i * 3);

		nt_spool_event(sp, 0, i, 100 + i, 0, 1, 0, &v, 1);
	}
	if (!nt_spool_usable(sp) || nt_spool_rewind(sp)) {
		FAIL("blocks: the spool cannot be read back");
		goto out;
	}
	while (nt_spool_next(sp, &r) == 1) {
		n++;
		if (r.rowid != n || r.ts != 100 + n || r.nvals != 1)
			FAIL("blocks: record %lld has rowid %lld", (long long)n,
			     (long long)r.rowid);
		else if (n == 30001 ? r.vals[0].type != SQLITE_TEXT || r.vals[0].n != (int)big
				    : r.vals[0].type != SQLITE_INTEGER || r.vals[0].i != n * 3)
			FAIL("blocks: record %lld has the wrong value", (long long)n);
	}
	if (n != 60001)
		FAIL("blocks: %lld records read back, 60001 spooled", (long long)n);
out:
	free(text);
	nt_spool_close(sp);
}

/* nt_fmt_i64 and nt_strcpy_cut write what snprintf writes. */
static void string_writes(void)
{
	static const int64_t nums[] = {0, 7, -1, 10, -10, 1234567890123, INT64_MAX, INT64_MIN};
	static const char *const strs[] = {"", "lo", "eth0", "0123456789abcdef", "é\x01\xff"};
	char got[32], want[32];

	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		got[nt_fmt_i64(got, nums[i])] = '\0';
		snprintf(want, sizeof(want), "%lld", (long long)nums[i]);
		if (strcmp(got, want))
			FAIL("nt_fmt_i64(%s) wrote '%s'", want, got);
	}
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		for (size_t n = 1; n < 20; n++) {
			size_t len = nt_strcpy_cut(got, n, strs[i]);

			snprintf(want, n, "%s", strs[i]);
			if (strcmp(got, want) || len != strlen(want))
				FAIL("nt_strcpy_cut('%s', %zu) wrote '%s' (%zu)", strs[i], n, got,
				     len);
		}
}

int main(void)
{
	sqlite3 *db;
	static const unsigned char blob[] = {0x31, 0x00, 0x32, 0xff};

	if (sqlite3_open(":memory:", &db) != SQLITE_OK)
		return 1;
	same(db, "INTEGER", ival(0), "int 0");
	same(db, "INTEGER", ival(-42), "int -42");
	same(db, "INTEGER", ival(INT64_MIN), "int min");
	same(db, "INTEGER", ival(INT64_MAX), "int max");
	same(db, "INTEGER", (struct nt_val){.type = NT_VAL_NULL}, "null");
	same(db, "INTEGER", bval(blob, sizeof(blob)), "blob in an INTEGER column");
	same(db, "TEXT", tval("eth0"), "text");
	same(db, "TEXT", tval(""), "empty text");
	same(db, "TEXT", tval("  -17xyz"), "text with a leading number");
	same(db, "TEXT", tval("+12"), "text +12");
	same(db, "TEXT", tval("99999999999999999999"), "text past int64");
	same(db, "TEXT", tval("-99999999999999999999"), "text below int64");
	same(db, "TEXT", tval("9223372036854775807"), "text int64 max");
	same(db, "TEXT", tval("-9223372036854775808"), "text int64 min");
	same(db, "TEXT", tval("0x1f"), "hex text");
	same(db, "TEXT", tval("\t7"), "tab then 7");
	same(db, "TEXT", tval("caf\xc3\xa9 \xff"), "text, not UTF-8");
	same(db, "REAL", rval(1.5), "real 1.5");
	same(db, "REAL", rval(-2.75e300), "real -2.75e300");
	same(db, "REAL", rval(1e30), "real past int64");
	same(db, "REAL", rval(0.1), "real 0.1");
	same(db, "REAL", rval(3.0), "integral real");
	same(db, "REAL", rval(NAN), "NaN (stored as NULL)");
	same(db, "BLOB", bval(blob, sizeof(blob)), "blob");
	same(db, "BLOB", ival(7), "int in a BLOB column");
	same(db, "BLOB", tval("12 monkeys"), "text in a BLOB column");
	same(db, "", rval(2.5), "real in an untyped column");
	refused("INTEGER", tval("12"), "text into INTEGER");
	refused("INTEGER", rval(3.0), "real into INTEGER");
	refused("TEXT", ival(5), "int into TEXT");
	refused("REAL", ival(5), "int into REAL");
	refused("NUMERIC", ival(5), "a declared type nettrail does not make");
	blocks();
	string_writes();
	sqlite3_close(db);
	if (failures)
		fprintf(stderr, "%d failure(s)\n", failures);
	else
		printf("test_spool: ok\n");
	return failures ? 1 : 0;
}
