/* test_facts - fact names, demands and the cleaning of values: what a
 * hostile form post or mail can put into a fact never reaches a header,
 * a terminal or a CSV cell as more than one short line of valid UTF-8. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <glib.h>

#include "lib/facts.h"

static void test_names(void **state)
{
	(void)state;
	for (int f = 0; f < FACT_N; f++)
		assert_int_equal(facts_parse(facts_name(f)), f);
	assert_int_equal(facts_parse("order"), -1);
	assert_int_equal(facts_parse(""), -1);
	assert_int_equal(facts_parse(NULL), -1);
	assert_int_equal(facts_parse("ORDER_NO"), -1);
	assert_null(facts_name(FACT_N));
	assert_true(facts_personal(FACT_PHONE));
	assert_true(facts_personal(FACT_ORDER));
	assert_true(facts_personal(FACT_PLACE));
	assert_false(facts_personal(FACT_PRODUCT));
	assert_false(facts_personal(FACT_DEMAND));
	assert_false(facts_personal(FACT_DATE));
}

static void test_demands(void **state)
{
	(void)state;
	assert_true(facts_demand_valid("refund"));
	assert_true(facts_demand_valid("apology"));
	assert_false(facts_demand_valid("Refund"));
	assert_false(facts_demand_valid("退款"));
	assert_false(facts_demand_valid(""));
	assert_false(facts_demand_valid(NULL));
	assert_string_equal(facts_demand_label("exchange", false), "换货");
	assert_string_equal(facts_demand_label("exchange", true), "exchange");
	assert_string_equal(facts_demand_label("whatever", false), "whatever");
}

static void assert_clean(const char *in, long len, const char *want)
{
	char *got = facts_clean(in, len);
	if (want == NULL) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
	assert_true(g_utf8_validate(got, -1, NULL));
	g_free(got);
}

static void test_clean(void **state)
{
	(void)state;
	assert_clean("  XQ7-200 ", -1, "XQ7-200");
	assert_clean("a\r\nBcc: x@example.com", -1, "a Bcc: x@example.com");
	assert_clean("a\t\t\x01\x1b[31m b", -1, "a [31m b");
	assert_clean("\x7f\xc2\x85", -1, NULL);            /* DEL, C1 NEL */
	assert_clean("12\xe2\x80\xae" "34", -1, "1234");   /* bidi override */
	assert_clean("1\xe2\x80\x8b" "2", -1, "12");       /* zero width space */
	assert_clean("订单\xe3\x80\x80号", -1, "订单 号"); /* ideographic space */
	assert_clean("\xff\xfe" "ab", -1, "\xef\xbf\xbd\xef\xbf\xbd" "ab");
	assert_clean("", -1, NULL);
	assert_clean(" \t\n", -1, NULL);
	assert_clean(NULL, -1, NULL);
	/* NUL inside the given length: never cuts the value short silently */
	assert_clean("ab\0cd", 5, "ab\xef\xbf\xbd" "cd");
	assert_clean("abcdef", 3, "abc");
}

static void test_clean_bounds(void **state)
{
	(void)state;
	/* a huge capture is cut to the limit on a character boundary */
	GString *big = g_string_new(NULL);
	for (int i = 0; i < 100000; i++)
		g_string_append(big, "型");
	char *c = facts_clean(big->str, (long)big->len);
	assert_non_null(c);
	assert_true(strlen(c) <= FACTS_VALUE_MAX);
	assert_true(strlen(c) > FACTS_VALUE_MAX - 3);
	assert_true(g_utf8_validate(c, -1, NULL));
	g_free(c);
	/* blanks at the cut never leave a trailing space */
	g_string_assign(big, "");
	for (int i = 0; i < 200; i++)
		g_string_append(big, "a ");
	c = facts_clean(big->str, -1);
	assert_true(strlen(c) <= FACTS_VALUE_MAX);
	assert_true(c[strlen(c) - 1] != ' ');
	g_free(c);
	g_string_free(big, TRUE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_demands),
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_clean_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
