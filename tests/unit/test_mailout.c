/* Unit tests for mailout: headers cleaned and encoded, threading, CRLF. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <gmime/gmime.h>

#include "mailout.h"
#include "message.h"

static GMimeMessage *reparse(GBytes *raw)
{
	GMimeStream *st = g_mime_stream_mem_new_with_buffer(g_bytes_get_data(raw, NULL),
							    g_bytes_get_size(raw));
	GMimeParser *p = g_mime_parser_new_with_stream(st);
	GMimeMessage *msg = g_mime_parser_construct_message(p, NULL);
	g_object_unref(p);
	g_object_unref(st);
	return msg;
}

static void test_compose_ack(void **state)
{
	struct message *orig = msg_new(MSG_CHANNEL_EMAIL);
	msg_add_reference(orig, "<first@customer.example>");
	msg_add_reference(orig, "bad id with spaces");
	struct mailout m = {
		.from_addr = "complaints@shop.example", .from_name = "某某公司 客服",
		.to_addr = "li@customer.example", .to_name = "李四\r\nBcc: victim@example.com",
		.subject = "[CMP-20261123-0007] 已收到\r\nBcc: victim@example.com",
		.body = "您好！\n已收到。\n",
		.message_id = "ack.CMP-20261123-0007.1@shop.example",
		.in_reply_to = "second@customer.example",
		.thread = orig,
		.auto_submitted = "auto-replied",
		.ref = "CMP-20261123-0007",
		.date = 1795000000,
	};
	GBytes *raw = mailout_compose(&m);
	gsize len;
	const char *text = g_bytes_get_data(raw, &len);
	char *copy = g_strndup(text, len);
	/* every line ends in CRLF, no bare LF */
	for (gsize i = 0; i < len; i++)
		if (copy[i] == '\n')
			assert_true(i > 0 && copy[i - 1] == '\r');
	/* no injected header line, and the raw header block is pure ASCII */
	assert_null(strstr(copy, "\r\nBcc:"));
	char *end = strstr(copy, "\r\n\r\n");
	assert_non_null(end);
	for (char *p = copy; p < end; p++)
		assert_true((unsigned char)*p < 0x80);
	assert_non_null(strstr(copy, "\r\nAuto-Submitted: auto-replied\r\n"));
	assert_non_null(strstr(copy, "\r\nIn-Reply-To: <second@customer.example>\r\n"));
	assert_non_null(strstr(copy, "References: <first@customer.example> <second@customer.example>"));
	assert_null(strstr(copy, "bad id"));

	GMimeMessage *back = reparse(raw);
	assert_string_equal(g_mime_message_get_subject(back),
			    "[CMP-20261123-0007] 已收到 Bcc: victim@example.com");
	assert_string_equal(g_mime_message_get_message_id(back),
			    "ack.CMP-20261123-0007.1@shop.example");
	InternetAddressList *to = g_mime_message_get_to(back);
	assert_int_equal(internet_address_list_length(to), 1);
	InternetAddress *a = internet_address_list_get_address(to, 0);
	assert_string_equal(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a)),
			    "li@customer.example");
	assert_string_equal(internet_address_get_name(a), "李四 Bcc: victim@example.com");
	GMimeObject *body = g_mime_message_get_mime_part(back);
	char *decoded = g_mime_text_part_get_text(GMIME_TEXT_PART(body));
	assert_non_null(strstr(decoded, "已收到"));
	g_free(decoded);
	g_object_unref(back);
	g_free(copy);
	g_bytes_unref(raw);
	msg_free(&orig);
}

static void test_ids(void **state)
{
	char *a = mailout_message_id("ack", "CMP-1", "x@shop.example");
	char *b = mailout_message_id("ack", "CMP-1", "x@shop.example");
	assert_true(g_str_has_prefix(a, "ack.CMP-1."));
	assert_true(g_str_has_suffix(a, "@shop.example"));
	assert_string_not_equal(a, b);
	assert_true(mailout_valid_id(a));
	assert_false(mailout_valid_id("a b@c"));
	assert_false(mailout_valid_id("a>b@c"));
	assert_false(mailout_valid_id(""));
	assert_false(mailout_valid_id(NULL));
	g_free(a);
	g_free(b);
	char *c = mailout_clean_header("  a\r\n\tb \x01 c  ");
	assert_string_equal(c, "a b c");
	g_free(c);
}

int main(void)
{
	g_mime_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compose_ack),
		cmocka_unit_test(test_ids),
	};
	int rc = cmocka_run_group_tests_name("mailout", tests, NULL, NULL);
	g_mime_shutdown();
	return rc;
}
