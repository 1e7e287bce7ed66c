/* Unit tests for taken: the checks of a complaint staff took down (channel,
 * taker, e-mail or phone, no CR/LF where one line is meant, limits), the
 * phone's stored form, and the message it becomes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <glib.h>

#include "lib/config.h"
#include "mail/message.h"
#include "store/store.h"
#include "workflow/taken.h"

static char *staff_domains[] = { "staff.example", NULL };
static char *staff_addresses[] = { "boss@shop.example", NULL };
static struct config cfg = { .staff_domains = staff_domains,
			     .staff_addresses = staff_addresses };

static void set(struct taken *t, enum taken_field f, const char *v)
{
	taken_set(t, f, v, strlen(v));
}

static struct taken *call(void)
{
	struct taken *t = taken_new();
	set(t, TAKEN_CHANNEL, "phone");
	set(t, TAKEN_TAKEN_BY, "Agent@Staff.Example");
	set(t, TAKEN_PHONE, " +86 (139) 1234-5678 ");
	set(t, TAKEN_NAME, "周芷若");
	set(t, TAKEN_TEXT, "\n  电水壶漏水，要求退货。\r\n第二行");
	return t;
}

/* has - the validation found code for key */
static bool has(const struct taken *t, const char *key, const char *code)
{
	for (unsigned i = 0; i < taken_error_count(t); i++) {
		const char *k, *c;
		taken_error_at(t, i, &k, &c);
		if (!strcmp(k, key) && !strcmp(c, code))
			return true;
	}
	return false;
}

static void test_phone_call_to_message(void **state)
{
	struct taken *t = call();
	assert_int_equal(taken_validate(t, &cfg, NULL), 0);
	struct message *m = taken_to_message(t, "ctl", "shop.example", 1700000000);
	assert_int_equal(msg_channel(m), MSG_CHANNEL_PHONE);
	assert_null(msg_from_addr(m));
	assert_true(msg_flags(m) & MSG_F_NO_SENDER);
	assert_string_equal(msg_from_name(m), "周芷若");
	assert_string_equal(msg_field(m, "phone"), "+8613912345678");
	assert_string_equal(msg_field(m, "taken_by"), "agent@staff.example");
	assert_string_equal(msg_subject(m), "电水壶漏水，要求退货。");
	assert_string_equal(msg_lang(m), "zh");
	assert_null(msg_message_id(m));
	/* without a token, the same call again is another complaint */
	struct message *again = taken_to_message(t, "ctl", "shop.example", 1700000001);
	char *k1 = store_dedup_key(m), *k2 = store_dedup_key(again);
	assert_string_not_equal(k1, k2);
	g_free(k1);
	g_free(k2);
	msg_free(&again);
	msg_free(&m);
	taken_free(&t);
}

static void test_token_scoped(void **state)
{
	struct taken *t = call();
	set(t, TAKEN_TOKEN, "retry-0123456789abcdef");
	set(t, TAKEN_EMAIL, "Zhou@Customer.Example");
	set(t, TAKEN_CHANNEL, "counter");  /* twice: an error */
	assert_int_equal(taken_validate(t, &cfg, NULL), 1);
	assert_true(has(t, "channel", "duplicate"));
	taken_free(&t);
	t = call();
	set(t, TAKEN_TOKEN, "retry-0123456789abcdef");
	set(t, TAKEN_EMAIL, "Zhou@Customer.Example");
	assert_int_equal(taken_validate(t, &cfg, NULL), 0);
	struct message *a = taken_to_message(t, "hotline", "shop.example", 1);
	struct message *b = taken_to_message(t, "hotline", "shop.example", 2);
	struct message *c = taken_to_message(t, "wechat-desk", "shop.example", 1);
	assert_string_equal(msg_message_id(a), "taken-hotline-retry-0123456789abcdef@shop.example");
	assert_string_equal(msg_from_addr(a), "zhou@customer.example");
	assert_false(msg_flags(a) & MSG_F_NO_SENDER);
	char *ka = store_dedup_key(a), *kb = store_dedup_key(b), *kc = store_dedup_key(c);
	assert_string_equal(ka, kb);       /* a retry: one complaint */
	assert_string_not_equal(ka, kc);   /* another key's token is its own */
	g_free(ka);
	g_free(kb);
	g_free(kc);
	msg_free(&a);
	msg_free(&b);
	msg_free(&c);
	taken_free(&t);
}

static void test_required_and_reachable(void **state)
{
	struct taken *t = taken_new();
	assert_int_equal(taken_validate(t, &cfg, NULL), 4);
	assert_true(has(t, "channel", "required"));
	assert_true(has(t, "taken_by", "required"));
	assert_true(has(t, "text", "required"));
	assert_true(has(t, "email", "email_or_phone"));
	/* the API: the key's name when no taker is given */
	assert_int_equal(taken_validate(t, &cfg, "api:hotline"), 3);
	assert_false(has(t, "taken_by", "required"));
	taken_free(&t);
	/* an invalid phone is that error, not "email or phone" as well */
	t = taken_new();
	set(t, TAKEN_CHANNEL, "letter");
	set(t, TAKEN_TEXT, "x");
	set(t, TAKEN_PHONE, "call me");
	assert_int_equal(taken_validate(t, &cfg, "api:x"), 1);
	assert_true(has(t, "phone", "invalid_phone"));
	taken_free(&t);
}

static void test_nasty_values(void **state)
{
	static const struct {
		enum taken_field f;
		const char *v;
		size_t len;
		const char *key, *code;
	} bad[] = {
		{ TAKEN_CHANNEL, "email", 5, "channel", "invalid_channel" },
		{ TAKEN_CHANNEL, "web", 3, "channel", "invalid_channel" },
		{ TAKEN_CHANNEL, "Phone", 5, "channel", "invalid_channel" },
		{ TAKEN_TAKEN_BY, "someone@else.example", 20, "taken_by", "not_staff" },
		{ TAKEN_TAKEN_BY, "李经理", 9, "taken_by", "not_staff" },
		{ TAKEN_TAKEN_BY, "\"x\"@staff.example", 17, "taken_by", "not_staff" },
		{ TAKEN_NAME, "Eve\r\nBcc: v@example.com", 24, "name", "control_chars" },
		{ TAKEN_NAME, "a\0b", 3, "name", "control_chars" },
		{ TAKEN_SUBJECT, "x\nBcc: v@example.com", 20, "subject", "control_chars" },
		{ TAKEN_SUBJECT, "\xff\xfe", 2, "subject", "invalid_utf8" },
		{ TAKEN_SUBJECT, "\xc0\xaf", 2, "subject", "invalid_utf8" },
		{ TAKEN_TEXT, "ok\x1b[31m", 8, "text", "control_chars" },
		{ TAKEN_EMAIL, "a@b", 3, "email", "invalid_email" },
		{ TAKEN_EMAIL, "a@b.example\r\nBcc: v@example.com", 32, "email", "control_chars" },
		{ TAKEN_PHONE, "12", 2, "phone", "invalid_phone" },
		{ TAKEN_PHONE, "1+2+3", 5, "phone", "invalid_phone" },
		{ TAKEN_TOKEN, "../../etc/passwd", 16, "token", "invalid_token" },
		{ TAKEN_TOKEN, " 0123456789abcdef", 17, "token", "invalid_token" },
		{ TAKEN_LANG, "fr", 2, "lang", "invalid_lang" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		/* the field under test, the others valid */
		struct taken *t = taken_new();
		if (bad[i].f != TAKEN_CHANNEL)
			set(t, TAKEN_CHANNEL, "phone");
		if (bad[i].f != TAKEN_TAKEN_BY)
			set(t, TAKEN_TAKEN_BY, "agent@staff.example");
		if (bad[i].f != TAKEN_TEXT)
			set(t, TAKEN_TEXT, "漏水");
		if (bad[i].f != TAKEN_PHONE && bad[i].f != TAKEN_EMAIL)
			set(t, TAKEN_PHONE, "13912345678");
		taken_set(t, bad[i].f, bad[i].v, bad[i].len);
		assert_int_not_equal(taken_validate(t, &cfg, NULL), 0);
		if (!has(t, bad[i].key, bad[i].code))
			fail_msg("case %zu: %s not %s", i, bad[i].key, bad[i].code);
		assert_true(*taken_error_text(bad[i].code));
		taken_free(&t);
	}
}

static void test_limits(void **state)
{
	struct taken *t = taken_new();
	set(t, TAKEN_CHANNEL, "other");
	set(t, TAKEN_TAKEN_BY, "boss@shop.example");
	set(t, TAKEN_PHONE, "13912345678");
	set(t, TAKEN_TEXT, "x");
	GString *big = g_string_new(NULL);
	for (unsigned i = 0; i < 101; i++)
		g_string_append(big, "名");
	set(t, TAKEN_NAME, big->str);
	g_string_truncate(big, 0);
	for (unsigned i = 0; i < 20001 * 4 + 1; i++)
		g_string_append_c(big, 'x');
	taken_set(t, TAKEN_SUBJECT, big->str, big->len);  /* not even kept */
	assert_int_equal(taken_validate(t, &cfg, NULL), 2);
	assert_true(has(t, "name", "too_long"));
	assert_true(has(t, "subject", "too_long"));
	g_string_free(big, TRUE);
	taken_free(&t);
}

static void test_phone_normal(void **state)
{
	char *p = taken_phone_normal("+86 (139) 1234-5678");
	assert_string_equal(p, "+8613912345678");
	g_free(p);
	p = taken_phone_normal("010.6523 4567");
	assert_string_equal(p, "01065234567");
	g_free(p);
	assert_null(taken_phone_normal("12"));
	assert_null(taken_phone_normal("86+139"));
	assert_null(taken_phone_normal("139x"));
	assert_null(taken_phone_normal("CMP-20261205-0001"));
	assert_null(taken_phone_normal(""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phone_call_to_message),
		cmocka_unit_test(test_token_scoped),
		cmocka_unit_test(test_required_and_reachable),
		cmocka_unit_test(test_nasty_values),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_phone_normal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
