/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unit test: core/escape.h against hand-worked strings: the visible notation (C0, DEL, C1,
 * bidi overrides, every kind of invalid UTF-8, valid 2-4 byte characters kept), cuts at a
 * character, CSV formula guards, JSON, XML and gnuplot strings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/escape.h"

#include "tests/lib/check.h"

/* What @fn writes for @s. */
static bool writes(void (*fn)(FILE *, const char *), const char *s, const char *want)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	bool ok;

	fn(m, s);
	fclose(m);
	ok = !strcmp(buf, want);
	if (!ok)
		fprintf(stderr, "  got  [%s]\n  want [%s]\n", buf, want);
	free(buf);
	return ok;
}

static void test_text(void)
{
	CHECK(writes(nt_esc_text, "plain é € 😀", "plain é € 😀"));
	CHECK(writes(nt_esc_text, "\x1b[31mred\x07", "\\x1b[31mred\\x07"));
	CHECK(writes(nt_esc_text, "a\tb\nc\rd\x7f", "a\\x09b\\x0ac\\x0dd\\x7f"));
	CHECK(writes(nt_esc_text,
		     "\xc2\x9b"
		     "1m",
		     "\\xc2\\x9b1m")); /* C1 CSI in UTF-8 */
	CHECK(writes(nt_esc_text,
		     "\xe2\x80\xae"
		     "x",
		     "\\xe2\\x80\\xaex"));			       /* RIGHT-TO-LEFT OVERRIDE */
	CHECK(writes(nt_esc_text, "\xc0\xaf", "\\xc0\\xaf"));	       /* overlong '/' */
	CHECK(writes(nt_esc_text, "\xe0\x80\xaf", "\\xe0\\x80\\xaf")); /* overlong, 3 bytes */
	CHECK(writes(nt_esc_text, "a\x80z", "a\\x80z"));	       /* lone continuation */
	CHECK(writes(nt_esc_text, "\xe2\x82", "\\xe2\\x82"));	       /* truncated at the end */
	CHECK(writes(nt_esc_text, "\xe2\x82z", "\\xe2\\x82z"));	       /* truncated in the middle */
	CHECK(writes(nt_esc_text, "\xed\xa0\x80", "\\xed\\xa0\\x80")); /* a surrogate */
	CHECK(writes(nt_esc_text, "\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80")); /* past U+10FFFF */
	CHECK(writes(nt_esc_text, "\xff\xfe", "\\xff\\xfe"));
	CHECK(writes(nt_esc_text, "back\\slash", "back\\slash")); /* as cat -v: unchanged */
}

static void test_cut(void)
{
	char b[8];

	CHECK(nt_esc_text_buf(b, sizeof(b), "abc") && !strcmp(b, "abc"));
	CHECK(!nt_esc_text_buf(b, 4, "abcdef") && !strcmp(b, "abc"));
	CHECK(!nt_esc_text_buf(b, 6, "ab\x1b") && !strcmp(b, "ab")); /* never half an \xNN */
	CHECK(!nt_esc_text_buf(b, 4, "a€") && !strcmp(b, "a"));	     /* never half a character */
	CHECK(nt_esc_text_buf(b, 5, "a€") && !strcmp(b, "a€"));
}

static void test_csv(void)
{
	CHECK(writes(nt_esc_csv, "eth0", "eth0"));
	CHECK(writes(nt_esc_csv, "=1+2", "\"'=1+2\""));
	CHECK(writes(nt_esc_csv, "+SUM(1)", "\"'+SUM(1)\""));
	CHECK(writes(nt_esc_csv, "-1+1", "\"'-1+1\""));
	CHECK(writes(nt_esc_csv, "@SUM(1)", "\"'@SUM(1)\""));
	CHECK(writes(nt_esc_csv, "=HYPERLINK(\"u\",\"x\")",
		     "\"'=HYPERLINK(\"\"u\"\",\"\"x\"\")\""));
	CHECK(writes(nt_esc_csv, "\t=1", "\\x09=1")); /* the TAB is escaped: no longer leads */
	CHECK(writes(nt_esc_csv, "a,b\"c", "\"a,b\"\"c\""));
	CHECK(writes(nt_esc_csv, "a\nb", "a\\x0ab"));
	CHECK(writes(nt_esc_csv, "", ""));
}

static void test_json(void)
{
	CHECK(writes(nt_esc_json, "a\"b\\c", "\"a\\\"b\\\\c\""));
	CHECK(writes(nt_esc_json, "\x1b[2J\n", "\"\\u001b[2J\\n\""));
	CHECK(writes(nt_esc_json, "<script>&", "\"\\u003cscript\\u003e\\u0026\""));
	CHECK(writes(nt_esc_json, "x\x80y\xc0\xaf", "\"x\\ufffdy\\ufffd\\ufffd\""));
	CHECK(writes(nt_esc_json, "\xe2\x80\xa8\xc2\x85", "\"\\u2028\\u0085\""));
	CHECK(writes(nt_esc_json, "é😀", "\"é😀\""));
	CHECK(writes(nt_esc_json, NULL, "\"\""));
}

static void test_xml_gnuplot(void)
{
	CHECK(writes(nt_esc_xml, "<a href='x'>&\"\x1b",
		     "&lt;a href=&#39;x&#39;&gt;&amp;&quot;\\x1b"));
	CHECK(writes(nt_esc_gnuplot_data, "a\"b\\c\x1b", "\"a\\\\x22b\\\\c\\\\x1b\""));
	CHECK(writes(nt_esc_gnuplot_str, "it's\n`x`", "'it''s\\x0a`x`'"));
}

int main(void)
{
	test_text();
	test_cut();
	test_csv();
	test_json();
	test_xml_gnuplot();
	if (failures) {
		fprintf(stderr, "%d checks failed\n", failures);
		return 1;
	}
	printf("ok\n");
	return 0;
}
