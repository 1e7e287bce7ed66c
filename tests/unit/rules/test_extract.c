/* test_extract - the "extract NAME /pattern/" effect: parsing and its
 * errors, which text an extract reads, capture group or whole match, the
 * first rule wins, and the nasty values (huge captures, control
 * characters, invalid UTF-8, no capture group, empty captures). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <glib.h>

#include "lib/facts.h"
#include "mail/message.h"
#include "rules/rules.h"

static struct rules *load(const char *text, GPtrArray *errors)
{
	return rules_load_string("t.rules", text, strlen(text), NULL, errors, NULL);
}

static struct rules *load_ok(const char *text)
{
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	struct rules *r = load(text, errors);
	for (unsigned i = 0; i < errors->len; i++)
		print_message("unexpected error: %s\n",
			      (char *)g_ptr_array_index(errors, i));
	assert_non_null(r);
	g_ptr_array_unref(errors);
	return r;
}

/* load_err - text must fail with exactly one error, starting with want */
static void load_err(const char *text, const char *want)
{
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	struct rules *r = load(text, errors);
	assert_null(r);
	assert_int_equal(errors->len, 1);
	const char *got = g_ptr_array_index(errors, 0);
	if (!g_str_has_prefix(got, want))
		fail_msg("error '%s' does not start with '%s'", got, want);
	g_ptr_array_unref(errors);
}

static struct verdict *classify(struct rules *r, const char *subject,
				const char *body)
{
	struct message *m = msg_new(MSG_CHANNEL_EMAIL);
	if (subject)
		msg_set_subject(m, subject);
	msg_set_text(m, body);
	struct verdict *v = rules_classify(r, m);
	msg_free(&m);
	return v;
}

static void test_parse_errors(void **state)
{
	(void)state;
	load_err("rule a body /x/\n  tag t\n  extract\n",
		 "t.rules:3:10: extract: expected NAME /pattern/");
	load_err("rule a body /x/\n  tag t\n  extract /(\\d+)/\n",
		 "t.rules:3:11: extract: expected NAME");
	load_err("rule a body /x/\n  tag t\n  extract order /(\\d+)/\n",
		 "t.rules:3:11: extract: unknown fact 'order'");
	load_err("rule a body /x/\n  extract order_no\n",
		 "t.rules:2:19: rule a: extract order_no: missing /pattern/");
	load_err("rule a body /x/\n  extract order_no /(\\d+/\n",
		 "t.rules:2:");
	load_err("rule a body /x/\n  extract order_no (\\d+)\n",
		 "t.rules:2:20: rule a: extract order_no: pattern must start");
	load_err("rule a body /x/\n  extract order_no //\n",
		 "t.rules:2:20: rule a: extract order_no: empty pattern");
	load_err("rule a body /x/\n  extract order_no /x/q\n",
		 "t.rules:2:23: unknown pattern flag 'q'");
	load_err("rule a body /退款/\n  extract demand /(退款)/\n",
		 "t.rules:2:11: extract demand: expected demand=VALUE");
	load_err("rule a body /退款/\n  extract demand=money /退款/\n",
		 "t.rules:2:11: extract demand: expected demand=VALUE");
	load_err("rule a body /x/\n  extract product= /x/\n",
		 "t.rules:2:11: extract product: empty value");
	load_err("  extract product /x/\n",
		 "t.rules:1:1: 'extract' outside a rule");
	GString *many = g_string_new("rule a body /x/\n");
	for (int i = 0; i < 9; i++)
		g_string_append(many, "  extract product /x/\n");
	load_err(many->str, "t.rules:10:11: rule a: too many extracts");
	g_string_free(many, TRUE);
	/* an extract-only rule has an effect: no warning, it loads */
	struct rules *r = load_ok("rule a body /x/\n  extract product /x+/\n");
	rules_unref(&r);
}

static void test_capture_or_whole(void **state)
{
	(void)state;
	struct rules *r = load_ok(
		"rule order body /订单/\n"
		"  extract order_no /订单号?\\s*[:：]?\\s*([A-Z0-9-]{4,})/\n"
		"rule model body /型号/\n"
		"  extract product /型号\\s*[:：]?\\s*\\K[A-Za-z0-9-]+/\n"
		"rule refund body /退款|退钱/\n"
		"  extract demand=refund /退款|退钱/\n");
	struct verdict *v = classify(r, "投诉", "订单号：20240501-778 的型号 XQ7 坏了，要求退钱。");
	assert_string_equal(verdict_fact(v, FACT_ORDER), "20240501-778");
	assert_string_equal(verdict_fact_rule(v, FACT_ORDER), "order");
	assert_string_equal(verdict_fact(v, FACT_PRODUCT), "XQ7");
	assert_string_equal(verdict_fact(v, FACT_DEMAND), "refund");
	assert_null(verdict_fact(v, FACT_PHONE));
	assert_null(verdict_fact(v, FACT_N));
	/* extract-only rules are not hits; the facts are in the report */
	assert_int_equal(verdict_hit_count(v), 0);
	char *f = verdict_format(v);
	assert_non_null(strstr(f, "fact: order_no=20240501-778 (order)\n"));
	g_free(f);
	verdict_free(&v);
	/* the rule fires but its extract finds nothing: no fact */
	v = classify(r, NULL, "订单还没到");
	assert_null(verdict_fact(v, FACT_ORDER));
	verdict_free(&v);
	rules_unref(&r);
}

static void test_first_rule_wins(void **state)
{
	(void)state;
	struct rules *r = load_ok(
		"rule a body /order/i\n"
		"  tag has-order\n"
		"  extract order_no /order\\s*#\\s*(\\d+)/i\n"
		"rule b body /order/i\n"
		"  extract order_no /order\\s+(?:number\\s+)?(\\d+)/i\n");
	struct verdict *v = classify(r, NULL, "Order 555 and order #777.");
	assert_string_equal(verdict_fact(v, FACT_ORDER), "777");
	assert_string_equal(verdict_fact_rule(v, FACT_ORDER), "a");
	assert_int_equal(verdict_hit_count(v), 1); /* a tags; b only extracts */
	verdict_free(&v);
	v = classify(r, NULL, "order number 123");
	assert_string_equal(verdict_fact(v, FACT_ORDER), "123");
	assert_string_equal(verdict_fact_rule(v, FACT_ORDER), "b");
	verdict_free(&v);
	rules_unref(&r);
}

/* a cancelled rule extracts nothing; a meta rule reads subject and body */
static void test_cancel_and_meta(void **state)
{
	(void)state;
	struct rules *r = load_ok(
		"rule ord body /order/i\n"
		"  extract order_no /order\\s*#(\\d+)/i\n"
		"rule test_mail body /this is a test/i\n"
		"  cancel ord\n"
		"rule __phone any /\\d{11}/\n"
		"meta phone_meta __phone\n"
		"  extract phone /(1[3-9]\\d{9})/\n");
	struct verdict *v = classify(r, "call 13912345678", "order #42, this is a test");
	assert_null(verdict_fact(v, FACT_ORDER));
	assert_string_equal(verdict_fact(v, FACT_PHONE), "13912345678");
	verdict_free(&v);
	rules_unref(&r);
}

/* alternatives each capture their own form: the first group that took
 * part gives the value */
static void test_alternative_groups(void **state)
{
	(void)state;
	struct rules *r = load_ok(
		"rule p any /phone|call/i\n"
		"  extract phone /phone:\\s*([0-9 ]+[0-9])|call me on ([0-9 ]+[0-9])/i\n");
	struct verdict *v = classify(r, NULL, "please call me on 0770 900");
	assert_string_equal(verdict_fact(v, FACT_PHONE), "0770 900");
	verdict_free(&v);
	v = classify(r, NULL, "Phone: 123 45");
	assert_string_equal(verdict_fact(v, FACT_PHONE), "123 45");
	verdict_free(&v);
	rules_unref(&r);
}

/* the extract reads the rule's own field only */
static void test_field_scope(void **state)
{
	(void)state;
	struct rules *r = load_ok(
		"rule subj subject /model/i\n"
		"  extract product /model\\s+(\\w+)/i\n");
	struct verdict *v = classify(r, "model A1 broke", "model B2 is fine");
	assert_string_equal(verdict_fact(v, FACT_PRODUCT), "A1");
	verdict_free(&v);
	v = classify(r, "hello", "model B2 broke");
	assert_null(verdict_fact(v, FACT_PRODUCT));
	verdict_free(&v);
	rules_unref(&r);
}

static void test_nasty_values(void **state)
{
	(void)state;
	struct rules *r = load_ok(
		"rule p body /Model/\n"
		"  extract product /Model:(.*)/s\n"
		"rule o body /Order/\n"
		"  extract order_no /Order:(x*)/\n"
		"rule q body /Place/\n"
		"  extract purchase_place /Place:(a)?/\n");
	/* huge capture, with CR/LF and a header inside: one short line */
	GString *body = g_string_new("Model: Z9\r\nBcc: victim@example.com\x01\x1b[2J ");
	for (int i = 0; i < 300000; i++)
		g_string_append(body, "型号");
	g_string_append(body, "\nOrder:\nPlace:b");
	struct verdict *v = classify(r, NULL, body->str);
	const char *p = verdict_fact(v, FACT_PRODUCT);
	assert_non_null(p);
	assert_true(strlen(p) <= FACTS_VALUE_MAX);
	assert_null(strpbrk(p, "\r\n\x01\x1b"));
	assert_true(g_str_has_prefix(p, "Z9 Bcc: victim@example.com [2J 型号"));
	assert_true(g_utf8_validate(p, -1, NULL));
	/* an empty capture and an unset group give no value */
	assert_null(verdict_fact(v, FACT_ORDER));
	assert_null(verdict_fact(v, FACT_PLACE));
	verdict_free(&v);
	g_string_free(body, TRUE);
	/* invalid UTF-8 in the text: made valid before matching */
	v = classify(r, NULL, "Model:\xff\xfe" "X\xc3");
	assert_string_equal(verdict_fact(v, FACT_PRODUCT), "\xef\xbf\xbd\xef\xbf\xbdX\xef\xbf\xbd");
	verdict_free(&v);
	/* only blanks and controls captured: no value */
	v = classify(r, NULL, "Model: \t\x01\x02");
	assert_null(verdict_fact(v, FACT_PRODUCT));
	verdict_free(&v);
	rules_unref(&r);
}

/* a pattern that runs into the match limit skips that extract, named */
static void test_extract_limit(void **state)
{
	(void)state;
	struct rules_limits lim = { .no_jit = true };
	const char *text = "rule p body /a/\n  extract product /(a+)+$/\n";
	struct rules *r = rules_load_string("t.rules", text, strlen(text), &lim,
					    NULL, NULL);
	assert_non_null(r);
	char *s = g_strnfill(5000, 'a');
	s[4999] = '!';
	struct verdict *v = classify(r, NULL, s);
	assert_null(verdict_fact(v, FACT_PRODUCT));
	assert_int_equal(verdict_error_count(v), 1);
	assert_non_null(strstr(verdict_error(v, 0), "rule p: extract product: match limit"));
	verdict_free(&v);
	g_free(s);
	rules_unref(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_capture_or_whole),
		cmocka_unit_test(test_first_rule_wins),
		cmocka_unit_test(test_cancel_and_meta),
		cmocka_unit_test(test_field_scope),
		cmocka_unit_test(test_alternative_groups),
		cmocka_unit_test(test_nasty_values),
		cmocka_unit_test(test_extract_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
