/* Unit tests for form: decoding in pieces, JSON, validation, limits,
 * attachment sniffing, and the message a valid form becomes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <glib.h>

#include "intake/form.h"
#include "mail/message.h"
#include "store/store.h"

static const struct form_limits LIM = { .max_attachments = 2, .max_attachment_size = 64 };

static void add(struct form *f, const char *k, const char *v)
{
	form_add_data(f, k, v, strlen(v), 0);
}

static struct form *good(void)
{
	struct form *f = form_new(&LIM);
	add(f, "name", "李四");
	add(f, "email", "Li.Si@Example.COM");
	add(f, "description", "\n 快递延误一周，客服态度很差。\r\n第二行");
	add(f, "request", "道歉");
	add(f, "purchase_date", "2024-02-29");
	return f;
}

static void test_valid_form_to_message(void **state)
{
	struct form *f = good();
	add(f, "token", "0123456789abcdef0123");
	assert_int_equal(form_validate(f), 0);
	struct message *m = form_to_message(f, "zh", "shop.example", 1700000000);
	assert_int_equal(msg_channel(m), MSG_CHANNEL_WEB);
	assert_string_equal(msg_from_addr(m), "li.si@example.com");
	assert_string_equal(msg_from_name(m), "李四");
	assert_string_equal(msg_subject(m), "快递延误一周，客服态度很差。");
	assert_non_null(strstr(msg_text(m), "诉求：道歉"));
	assert_string_equal(msg_message_id(m), "form-0123456789abcdef0123@shop.example");
	assert_string_equal(msg_field(m, "purchase_date"), "2024-02-29");
	assert_null(msg_field(m, "phone"));  /* empty fields are not kept */
	gsize n;
	const char *raw = g_bytes_get_data(msg_raw(m), &n);
	/* canonical: sorted keys, the description exactly as typed */
	assert_true(g_str_has_prefix(raw, "{\"description\":\"\\n 快递"));
	assert_non_null(g_strstr_len(raw, (gssize)n, "\"token\":\"0123456789abcdef0123\""));
	/* the same post again (a double submit), even at another time: the
	 * same dedup key */
	char *k1 = store_dedup_key(m);
	struct form *same = good();
	add(same, "token", "0123456789abcdef0123");
	assert_int_equal(form_validate(same), 0);
	struct message *again = form_to_message(same, "zh", "shop.example", 1700000099);
	char *k0 = store_dedup_key(again);
	assert_string_equal(k1, k0);
	/* the same token on another post (the Back button, or someone who
	 * read the page): another key, so another complaint, never lost */
	struct form *g = good();
	add(g, "token", "0123456789abcdef0123");
	add(g, "phone", "123456");
	assert_int_equal(form_validate(g), 0);
	struct message *m2 = form_to_message(g, "en", "shop.example", 1700000001);
	char *k2 = store_dedup_key(m2);
	assert_string_not_equal(k1, k2);
	assert_string_equal(msg_lang(m2), "en");
	/* the same fields with a file, and with another file: three posts */
	static const char png1[] = "\x89PNG\r\n\x1a\n1", png2[] = "\x89PNG\r\n\x1a\n2";
	char *kf[2];
	for (int i = 0; i < 2; i++) {
		struct form *h = good();
		add(h, "token", "0123456789abcdef0123");
		form_add_file_data(h, "a.png", "image/png", i ? png2 : png1, 9, 0);
		assert_int_equal(form_validate(h), 0);
		struct message *mf = form_to_message(h, "zh", "shop.example", 1700000002);
		kf[i] = store_dedup_key(mf);
		assert_string_not_equal(kf[i], k1);
		msg_free(&mf);
		form_free(&h);
	}
	assert_string_not_equal(kf[0], kf[1]);
	g_free(kf[0]);
	g_free(kf[1]);
	g_free(k0);
	g_free(k1);
	g_free(k2);
	msg_free(&m);
	msg_free(&again);
	msg_free(&m2);
	form_free(&f);
	form_free(&same);
	form_free(&g);
	assert_null(f);
}

static void test_pieces_and_duplicates(void **state)
{
	struct form *f = good();
	form_add_data(f, "order_no", "SO-", 3, 0);
	form_add_data(f, "order_no", "42", 2, 3);
	add(f, "name", "second value");
	add(f, "colour", "ignored");
	assert_int_equal(form_validate(f), 1);
	assert_string_equal(form_value(f, FORM_ORDER), "SO-42");
	assert_string_equal(form_error_for(f, "name"), "duplicate");
	form_free(&f);
	/* a hidden field given twice is no value, never the two joined */
	f = good();
	add(f, "token", "aaaaaaaaaa");
	add(f, "token", "bbbbbbbbbb");
	add(f, "lang", "z");
	add(f, "lang", "h");
	assert_null(form_token(f));
	assert_string_not_equal(form_lang(f) ? form_lang(f) : "", "zh");
	form_free(&f);
	/* one given in pieces is one value */
	f = good();
	form_add_data(f, "token", "aaaaaaaaaa", 10, 0);
	form_add_data(f, "token", "bbbbbbbbbb", 10, 10);
	assert_string_equal(form_token(f), "aaaaaaaaaabbbbbbbbbb");
	form_free(&f);
}

static void test_validation_codes(void **state)
{
	struct form *f = form_new(&LIM);
	add(f, "email", "a@b");
	add(f, "phone", "call me");
	add(f, "purchase_date", "2023-02-29");
	form_add_data(f, "description", "ok\xff", 3, 0);
	form_add_data(f, "product", "a\0b", 3, 0);
	add(f, "purchase_place", "line\r\nBcc: x@y");
	assert_int_equal(form_validate(f), 7);
	assert_string_equal(form_error_for(f, "name"), "required");
	assert_string_equal(form_error_for(f, "email"), "invalid_email");
	assert_string_equal(form_error_for(f, "phone"), "invalid_phone");
	assert_string_equal(form_error_for(f, "purchase_date"), "invalid_date");
	assert_string_equal(form_error_for(f, "description"), "invalid_utf8");
	assert_string_equal(form_error_for(f, "product"), "control_chars");
	assert_string_equal(form_error_for(f, "purchase_place"), "control_chars");
	char *shown = form_display_value(f, FORM_DESCRIPTION);
	assert_true(g_utf8_validate(shown, -1, NULL));
	g_free(shown);
	shown = form_display_value(f, FORM_PRODUCT);
	assert_string_equal(shown, "a\xef\xbf\xbd" "b");
	g_free(shown);
	assert_non_null(strstr(form_error_text("required", "en"), "required"));
	assert_non_null(strstr(form_error_text("required", "zh"), "必填"));
	form_free(&f);
}

/* the demand: one of the fixed values, exactly, or nothing */
static void test_demand(void **state)
{
	static const char *const bad[] = { "Refund", "退款", "re fund", "refund,apology",
					   "apologyx", "\x01" };
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		struct form *f = good();
		add(f, "demand", bad[i]);
		assert_int_equal(form_validate(f), 1);
		const char *code = form_error_for(f, "demand");
		assert_non_null(code);
		form_free(&f);
	}
	struct form *f = good();
	add(f, "demand", "refund");
	assert_int_equal(form_validate(f), 0);
	struct message *m = form_to_message(f, "zh", "shop.example", 1700000000);
	assert_string_equal(msg_field(m, "demand"), "refund");
	msg_free(&m);
	form_free(&f);
	f = good();
	add(f, "demand", "");
	assert_int_equal(form_validate(f), 0);
	form_free(&f);
	assert_non_null(strstr(form_error_text("invalid_demand", "zh"), "诉求"));
	assert_non_null(strstr(form_error_text("invalid_demand", "en"), "list"));
}

static void test_emails(void **state)
{
	static const char *const ok[] = { "a@b.cn", "first.last+tag@mail.example.com",
					   "x_y-z@sub-domain.example.org", NULL };
	static const char *const bad[] = { "a@b", "@b.cn", "a@.cn", "a..b@c.cn", ".a@c.cn",
					   "a@c..cn", "a b@c.cn", "\"q\"@c.cn", "a@[1.2.3.4]",
					   "a@-c.cn", "a@c.cn\nBcc: x@y.cn", "a@c.cn>", NULL };
	for (const char *const *e = ok; *e; e++) {
		struct form *f = good();
		form_free(&f);
		f = form_new(&LIM);
		add(f, "name", "n");
		add(f, "description", "d");
		add(f, "email", *e);
		if (form_validate(f) != 0)
			fail_msg("%s rejected", *e);
		form_free(&f);
	}
	for (const char *const *e = bad; *e; e++) {
		struct form *f = form_new(&LIM);
		add(f, "name", "n");
		add(f, "description", "d");
		add(f, "email", *e);
		if (!form_error_for(f, "email") && form_validate(f) == 0)
			fail_msg("%s accepted", *e);
		form_free(&f);
	}
}

static void test_lengths(void **state)
{
	struct form *f = good();
	/* 100 Chinese characters are 300 bytes: within the name's 100 characters */
	GString *s = g_string_new(NULL);
	for (int i = 0; i < 100; i++)
		g_string_append(s, "张");
	form_free(&f);
	f = form_new(&LIM);
	add(f, "name", s->str);
	add(f, "email", "a@b.cn");
	add(f, "description", "d");
	assert_int_equal(form_validate(f), 0);
	form_free(&f);
	g_string_append(s, "张");
	f = form_new(&LIM);
	add(f, "name", s->str);
	assert_int_equal(form_validate(f), 3);
	assert_string_equal(form_error_for(f, "name"), "too_long");
	form_free(&f);
	/* a huge value is not buffered beyond 4 bytes per allowed character */
	f = form_new(&LIM);
	char *big = g_strnfill(1000000, 'x');
	for (int i = 0; i < 10; i++)
		form_add_data(f, "name", big, 1000000, (uint64_t)i * 1000000);
	assert_true(strlen(form_value(f, FORM_NAME)) <= 404);
	form_validate(f);
	assert_string_equal(form_error_for(f, "name"), "too_long");
	g_free(big);
	form_free(&f);
	g_string_free(s, TRUE);
}

static void test_attachments(void **state)
{
	struct form *f = good();
	form_add_file_data(f, "a.png", "image/png", "\x89PNG\r\n\x1a\n", 8, 0);
	form_add_file_data(f, "a.png", "image/png", "rest", 4, 8);
	form_add_file_data(f, "", "application/octet-stream", "", 0, 0); /* empty input */
	/* a right-to-left override would show "passwd<U+202E>txt.exe" as a .txt */
	form_add_file_data(f, "../../etc/pass\xe2\x80\xaewd.txt", "text/plain", "hello", 5, 0);
	assert_int_equal(form_validate(f), 0);
	assert_int_equal(form_attachment_count(f), 2);
	struct message *m = form_to_message(f, "zh", NULL, 1);
	assert_int_equal(msg_attachment_count(m), 2);
	assert_string_equal(msg_attachment(m, 0)->content_type, "image/png");
	assert_int_equal(g_bytes_get_size(msg_attachment(m, 0)->data), 12);
	assert_string_equal(msg_attachment(m, 1)->filename, "passwd.txt");
	assert_string_equal(msg_attachment(m, 1)->content_type, "text/plain");
	assert_null(msg_message_id(m));  /* no token: dedup by the raw digest */
	msg_free(&m);
	/* a third file is over the count; an .exe is no allowed type */
	form_add_file_data(f, "c.exe", "image/png", "MZ\x90", 3, 0);
	assert_int_equal(form_validate(f), 1);
	assert_string_equal(form_error_for(f, FORM_ATTACHMENTS), "too_many_files");
	form_free(&f);
	f = good();
	form_add_file_data(f, "c.png", "image/png", "MZ\x90", 3, 0);
	char big[80] = "%PDF-";
	form_add_file_data(f, "d.pdf", "application/pdf", big, sizeof big, 0);
	assert_int_equal(form_validate(f), 2);
	const char *key, *code;
	form_error_at(f, 0, &key, &code);
	assert_string_equal(code, "file_type");
	form_error_at(f, 1, &key, &code);
	assert_string_equal(code, "file_too_large");
	form_free(&f);
}

static void test_json(void **state)
{
	struct form *f = form_new(&LIM);
	char *err = NULL;
	const char *doc = "{\"name\":\"N\",\"email\":\"n@x.cn\",\"description\":\"d\","
			  "\"token\":\"abcdefabcdefabcdef\",\"lang\":\"en\","
			  "\"attachments\":[{\"filename\":\"t.txt\",\"content_type\":\"text/plain\","
			  "\"data\":\"aGVsbG8=\"}]}";
	assert_int_equal(form_parse_json(f, doc, strlen(doc), &err), 0);
	assert_int_equal(form_validate(f), 0);
	assert_string_equal(form_lang(f), "en");
	assert_string_equal(form_token(f), "abcdefabcdefabcdef");
	assert_int_equal(form_attachment_count(f), 1);
	form_free(&f);
	f = form_new(&LIM);
	doc = "{\"name\":1,\"colour\":\"red\",\"attachments\":[{\"data\":\"a=b=\"}]}";
	assert_int_equal(form_parse_json(f, doc, strlen(doc), &err), 0);
	form_validate(f);
	assert_string_equal(form_error_for(f, "name"), "not_a_string");
	assert_string_equal(form_error_for(f, "colour"), "unknown_field");
	assert_string_equal(form_error_for(f, FORM_ATTACHMENTS), "invalid_base64");
	form_free(&f);
	/* a stranger's keys: 900 of them, one of 100 KB: a few named, short */
	GString *many = g_string_new("{\"");
	for (int i = 0; i < 100000; i++)
		g_string_append_c(many, 'k');
	g_string_append(many, "\":\"v\"");
	for (int i = 0; i < 900; i++)
		g_string_append_printf(many, ",\"x%d\":\"v\"", i);
	g_string_append_c(many, '}');
	f = form_new(&LIM);
	if (form_parse_json(f, many->str, many->len, &err) < 0)
		fail_msg("form_parse_json: %s", err);
	form_validate(f);
	unsigned unknown = 0;
	for (unsigned i = 0; i < form_error_count(f); i++) {
		const char *key, *code;
		form_error_at(f, i, &key, &code);
		if (!strcmp(code, "unknown_field")) {
			unknown++;
			assert_true(g_utf8_strlen(key, -1) <= 64);
		}
	}
	assert_true(unknown >= 1 && unknown <= 16);
	form_free(&f);
	g_string_free(many, TRUE);
	f = form_new(&LIM);
	assert_int_equal(form_parse_json(f, "[]", 2, &err), -1);
	assert_non_null(strstr(err, "object"));
	g_free(err);
	err = NULL;
	assert_int_equal(form_parse_json(f, "{\"a\":\"\xff\"}", 8, &err), -1);
	assert_non_null(err);
	g_free(err);
	form_free(&f);
}

static void test_token_and_honeypot(void **state)
{
	struct form *f = good();
	add(f, "token", "short");
	assert_null(form_token(f));
	assert_false(form_is_bot(f));
	add(f, "website", "http://spam");
	assert_true(form_is_bot(f));
	form_free(&f);
	char *t1 = form_new_token(), *t2 = form_new_token();
	assert_int_equal(strlen(t1), 32);
	assert_string_not_equal(t1, t2);
	f = form_new(&LIM);
	add(f, "token", t1);
	assert_string_equal(form_token(f), t1);
	add(f, "lang", "fr");
	assert_null(form_lang(f));
	form_free(&f);
	g_free(t1);
	g_free(t2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_form_to_message),
		cmocka_unit_test(test_pieces_and_duplicates),
		cmocka_unit_test(test_validation_codes),
		cmocka_unit_test(test_demand),
		cmocka_unit_test(test_emails),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_attachments),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_token_and_honeypot),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
