/* test_charset - charset_to_utf8 never returns garbage, maps labels to
 * supersets, and guesses missing or wrong labels. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <glib.h>

#include "mail/charset.h"

static char *enc(const char *utf8, const char *cs, gsize *len)
{
	char *s = g_convert(utf8, -1, cs, "UTF-8", NULL, len, NULL);
	assert_non_null(s);
	return s;
}

static void check(const char *utf8, const char *encode_as, const char *declared,
		  bool want_guessed)
{
	gsize len;
	char *raw = enc(utf8, encode_as, &len);
	bool guessed = !want_guessed;
	char *got = charset_to_utf8(raw, len, declared, &guessed);
	if (strcmp(got, utf8) != 0)
		fail_msg("%s as %s declared %s -> [%s]", utf8, encode_as,
			 declared ? declared : "(none)", got);
	if (guessed != want_guessed)
		fail_msg("%s as %s declared %s: guessed %d", utf8, encode_as,
			 declared ? declared : "(none)", guessed);
	g_free(got);
	g_free(raw);
}

static void test_declared(void **state)
{
	check("投诉：产品质量问题", "GB18030", "gb2312", false);
	check("投诉：产品质量问题", "GBK", "GBK", false);
	check("投訴：產品品質問題", "BIG5", "big5", false);
	check("製品の不具合", "ISO-2022-JP", "iso-2022-jp", false);
	check("製品の不具合", "SHIFT_JIS", "shift_jis", false);
	check("Привет", "KOI8-R", "koi8-r", false);
	check("Grüße aus Köln", "ISO-8859-1", "ISO-8859-1", false);
	check("Zażółć gęślą jaźń", "WINDOWS-1250", "windows-1250", false);
	check("中文 UTF-8", "UTF-8", "utf-8", false);
	check("\u00e9t\u00e9 \u20ac5", "UTF-16", "utf-16", false);
	check("plain ascii", "UTF-8", NULL, false);
}

static void test_supersets(void **state)
{
	/* 镕 (as in 朱镕基) is GBK but not GB2312: labelled gb2312 all the same */
	check("朱镕基", "GBK", "gb2312", false);
	/* GB18030 four-byte character labelled gbk */
	check("𠀀字", "GB18030", "gbk", false);
	/* HKSCS character labelled plain big5 */
	check("香港𥚃", "BIG5-HKSCS", "big5", false);
	/* Windows quotes and euro labelled Latin-1 */
	gsize len;
	char *raw = enc("\u201cprice\u201d \u20ac9", "WINDOWS-1252", &len);
	char *got = charset_to_utf8(raw, len, "iso-8859-1", NULL);
	assert_string_equal(got, "\u201cprice\u201d \u20ac9");
	g_free(got);
	g_free(raw);
}

static void test_guessing(void **state)
{
	const char *zh = "我买的电饭煲用了三天就坏了，请尽快给我换一个新的，谢谢！这是第二次出现同样的问题了。";
	check(zh, "GBK", NULL, true);             /* missing */
	check(zh, "GBK", "iso-8859-1", true);     /* wrong: a Latin label on GBK */
	check(zh, "GBK", "utf-8", true);          /* wrong: a UTF-8 label on GBK */
	check(zh, "UTF-8", "iso-8859-1", true);   /* UTF-8 labelled Latin-1 */
	check(zh, "GBK", "x-unknown", true);
	check(zh, "GBK", "no-such-charset", true);
	check("配送延誤且態度不佳，沒有給出任何解決方案。", "BIG5", NULL, true);
}

static void test_never_garbage(void **state)
{
	GRand *r = g_rand_new_with_seed(7);
	static const char *const labels[] = { NULL, "utf-8", "gbk", "big5", "iso-2022-jp",
					      "utf-16", "us-ascii", "bogus", "utf-7", "windows-1252" };
	for (int n = 0; n < 3000; n++) {
		size_t len = (size_t)g_rand_int_range(r, 0, 300);
		char *buf = g_malloc(len + 1);
		for (size_t i = 0; i < len; i++)
			buf[i] = (char)g_rand_int_range(r, 0, 256);
		const char *cs = labels[n % G_N_ELEMENTS(labels)];
		char *got = charset_to_utf8(buf, len, cs, NULL);
		assert_non_null(got);
		assert_true(g_utf8_validate(got, -1, NULL));
		g_free(got);
		g_free(buf);
	}
	g_rand_free(r);
	/* NUL bytes never cut the text short */
	char *got = charset_to_utf8("a\0b\0c", 5, "utf-8", NULL);
	assert_string_equal(got, "abc");
	g_free(got);
	got = charset_to_utf8(NULL, 0, NULL, NULL);
	assert_string_equal(got, "");
	g_free(got);
	/* invalid UTF-8 that no CJK charset explains: U+FFFD, not dropped text */
	static const char bad[] = "ok \xff\xfe\xfd end";
	got = charset_to_utf8(bad, sizeof(bad) - 1, "utf-8", NULL);
	assert_true(g_utf8_validate(got, -1, NULL));
	assert_non_null(strstr(got, "ok "));
	assert_non_null(strstr(got, " end"));
	g_free(got);
}

static void test_canonical(void **state)
{
	static const char *const map[][2] = {
		{ "GB2312", "GB18030" }, { " gbk ", "GB18030" }, { "\"cp936\"", "GB18030" },
		{ "Big5", "BIG5-HKSCS" }, { "ISO-8859-1", "WINDOWS-1252" },
		{ "us-ascii", "WINDOWS-1252" }, { "utf-8*en", "UTF-8" },
		{ "ks_c_5601-1987", "CP949" }, { "koi8-r", "KOI8-R" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(map); i++) {
		char *c = charset_canonical(map[i][0]);
		assert_string_equal(c, map[i][1]);
		g_free(c);
	}
	assert_null(charset_canonical(NULL));
	assert_null(charset_canonical(""));
	assert_null(charset_canonical("x-unknown"));
	assert_null(charset_canonical("unknown-8bit"));
	assert_true(charset_is_ascii("abc", 3));
	assert_false(charset_is_ascii("a\x1b$B", 4));
	assert_false(charset_is_ascii("\xc3\xa9", 2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_declared),
		cmocka_unit_test(test_supersets),
		cmocka_unit_test(test_guessing),
		cmocka_unit_test(test_never_garbage),
		cmocka_unit_test(test_canonical),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
