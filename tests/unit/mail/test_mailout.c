/* Unit tests for mailout: headers cleaned and encoded, threading, CRLF. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <gmime/gmime.h>

#include "mail/mailout.h"
#include "mail/message.h"

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

/* a notification carries the customer's attachments; a report its HTML
 * alternative; explicit References join the id answered last */
static void test_parts_and_references(void **state)
{
	struct message *orig = msg_new(MSG_CHANNEL_EMAIL);
	GBytes *photo = g_bytes_new_static("\xff\xd8\xff\x00binary\r\n", 12);
	msg_add_attachment(orig, "水壶\r\n.jpg", "image/jpeg", photo);
	struct mailout m = {
		.from_addr = "complaints@shop.example", .to_addr = "quality@staff.shop.example",
		.subject = "s", .body = "text", .html = "<p>html</p>", .message_id = "x.1@shop.example",
		.in_reply_to = "last@customer.example",
		.references = "first@customer.example bad<id last@customer.example",
		.attach = orig, .date = 1795000000,
	};
	GBytes *raw = mailout_compose(&m);
	GMimeMessage *msg = reparse(raw);
	GMimeObject *top = g_mime_message_get_mime_part(msg);
	assert_true(GMIME_IS_MULTIPART(top));
	assert_string_equal(g_mime_content_type_get_media_subtype(g_mime_object_get_content_type(top)),
			    "mixed");
	GMimeMultipart *mixed = GMIME_MULTIPART(top);
	assert_int_equal(g_mime_multipart_get_count(mixed), 2);
	GMimeObject *alt = g_mime_multipart_get_part(mixed, 0);
	assert_string_equal(g_mime_content_type_get_media_subtype(g_mime_object_get_content_type(alt)),
			    "alternative");
	GMimeObject *html = g_mime_multipart_get_part(GMIME_MULTIPART(alt), 1);
	assert_string_equal(g_mime_content_type_get_media_subtype(g_mime_object_get_content_type(html)),
			    "html");
	GMimePart *att = GMIME_PART(g_mime_multipart_get_part(mixed, 1));
	assert_string_equal(g_mime_part_get_filename(att), "水壶 .jpg");  /* CR LF cleaned */
	GMimeStream *out = g_mime_stream_mem_new();
	g_mime_data_wrapper_write_to_stream(g_mime_part_get_content(att), out);
	GByteArray *got = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out));
	assert_int_equal(got->len, 12);
	assert_memory_equal(got->data, "\xff\xd8\xff\x00binary\r\n", 12);
	g_object_unref(out);
	const char *refs = g_mime_object_get_header(GMIME_OBJECT(msg), "References");
	assert_string_equal(refs, "<first@customer.example> <last@customer.example>");
	g_object_unref(msg);
	g_bytes_unref(raw);
	g_bytes_unref(photo);
	msg_free(&orig);
}

/* max_attach: attachments go along in order while they fit; the body says
 * which did not and where they are (issue 10.5) */
static void test_attachment_cap(void **state)
{
	struct message *orig = msg_new(MSG_CHANNEL_EMAIL);
	GBytes *small = g_bytes_new_static("0123456789", 10);
	GBytes *big = g_bytes_new_take(g_malloc0(5000), 5000);
	msg_add_attachment(orig, "a.txt", "text/plain", small);
	msg_add_attachment(orig, "big.bin", "application/octet-stream", big);
	msg_add_attachment(orig, "b.txt", "text/plain", small);
	struct mailout m = {
		.from_addr = "complaints@shop.example", .to_addr = "quality@staff.shop.example",
		.subject = "s", .body = "text", .message_id = "x.2@shop.example",
		.attach = orig, .max_attach = 100, .attach_note = "see complaintctl show CMP-1",
		.date = 1795000000,
	};
	GBytes *raw = mailout_compose(&m);
	GMimeMessage *msg = reparse(raw);
	GMimeMultipart *mixed = GMIME_MULTIPART(g_mime_message_get_mime_part(msg));
	assert_int_equal(g_mime_multipart_get_count(mixed), 3);   /* text, a.txt, b.txt */
	assert_string_equal(g_mime_part_get_filename(GMIME_PART(
		g_mime_multipart_get_part(mixed, 2))), "b.txt");
	GMimeTextPart *text = GMIME_TEXT_PART(g_mime_multipart_get_part(mixed, 0));
	char *body = g_mime_text_part_get_text(text);
	assert_non_null(strstr(body, "[1 attachment (5000 bytes) not attached: over 100 bytes "
				     "in one mail; see complaintctl show CMP-1]"));
	g_free(body);
	g_object_unref(msg);
	g_bytes_unref(raw);
	/* in a Chinese mail the line is Chinese */
	m.lang = "zh";
	m.attach_note = "完整内容请用 complaintctl show CMP-1 查看";
	raw = mailout_compose(&m);
	msg = reparse(raw);
	mixed = GMIME_MULTIPART(g_mime_message_get_mime_part(msg));
	body = g_mime_text_part_get_text(GMIME_TEXT_PART(g_mime_multipart_get_part(mixed, 0)));
	assert_non_null(strstr(body, "[另有 1 个附件（共 5000 字节）未随信附上：一封邮件最多带 "
				     "100 字节；完整内容请用 complaintctl show CMP-1 查看]"));
	assert_null(strstr(body, "attachment"));
	g_free(body);
	g_object_unref(msg);
	g_bytes_unref(raw);
	m.lang = NULL;
	/* no cap: all three */
	m.max_attach = 0;
	raw = mailout_compose(&m);
	msg = reparse(raw);
	assert_int_equal(g_mime_multipart_get_count(GMIME_MULTIPART(
		g_mime_message_get_mime_part(msg))), 4);
	g_object_unref(msg);
	g_bytes_unref(raw);
	g_bytes_unref(small);
	g_bytes_unref(big);
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
	/* C1 controls and line separators are blanks; direction controls go
	 * (U+202E would show "invoice\u202efdp.exe" as "invoiceexe.pdf");
	 * other characters, and bytes that are not UTF-8, stay */
	c = mailout_clean_header("invoice\xe2\x80\xae" "fdp.exe\xc2\x85x\xe2\x80\xa8y"
				 "\xe2\x81\xa6z\xe2\x80\x8f \xe6\xbc\x8f\xe6\xb0\xb4 \xff\xfe"
				 "\xe2\x80\x8b\xe2\x80\xaa");
	assert_string_equal(c, "invoicefdp.exe x yz \xe6\xbc\x8f\xe6\xb0\xb4 \xff\xfe"
			       "\xe2\x80\x8b");
	g_free(c);
	c = mailout_clean_header("\xe2\x80");  /* cut short */
	assert_string_equal(c, "\xe2\x80");
	g_free(c);
}

/* parsed_head - the Subject and the To display name of a composed mail,
 * as a mail program shows them (g_free both). */
static void parsed_head(const struct mailout *m, char **subject, char **name)
{
	GBytes *raw = mailout_compose(m);
	gsize len;
	const char *data = g_bytes_get_data(raw, &len);
	assert_true(len < 8000);
	GMimeStream *st = g_mime_stream_mem_new_with_buffer(data, len);
	GMimeParser *parser = g_mime_parser_new_with_stream(st);
	GMimeMessage *msg = g_mime_parser_construct_message(parser, NULL);
	assert_non_null(msg);
	*subject = g_strdup(g_mime_message_get_subject(msg));
	InternetAddressList *to = g_mime_message_get_to(msg);
	*name = g_strdup(internet_address_get_name(internet_address_list_get_address(to, 0)));
	g_object_unref(msg);
	g_object_unref(parser);
	g_object_unref(st);
	g_bytes_unref(raw);
}

/* test_long_subject_and_name - a stranger's 40 KB subject and 10 KB name
 * are cut (ending in an ellipsis), so that no relay refuses the header;
 * short ones stay whole. */
static void test_long_subject_and_name(void **state)
{
	(void)state;
	GString *subj = g_string_new("[CMP-1] ");
	GString *name = g_string_new(NULL);
	for (int i = 0; i < 10000; i++)
		g_string_append(subj, "漏水");
	for (int i = 0; i < 5000; i++)
		g_string_append(name, "王芳");
	struct mailout m = {
		.from_addr = "complaints@shop.example", .to_addr = "li@customer.example",
		.to_name = name->str, .subject = subj->str, .body = "x\n",
		.message_id = "n.1@shop.example", .date = 1795000000,
	};
	char *got, *shown;
	parsed_head(&m, &got, &shown);
	assert_int_equal(g_utf8_strlen(got, -1), MAILOUT_SUBJECT_MAX);
	assert_true(g_str_has_prefix(got, "[CMP-1] 漏水漏水"));
	assert_true(g_str_has_suffix(got, "…"));
	assert_int_equal(g_utf8_strlen(shown, -1), MAILOUT_NAME_MAX);
	assert_true(g_str_has_suffix(shown, "王…"));
	g_free(got);
	g_free(shown);
	/* at the limit and short: left whole */
	g_string_truncate(subj, 0);
	for (int i = 0; i < MAILOUT_SUBJECT_MAX; i++)
		g_string_append(subj, "漏");
	m.subject = subj->str;
	m.to_name = "王芳";
	parsed_head(&m, &got, &shown);
	assert_string_equal(got, subj->str);
	assert_string_equal(shown, "王芳");
	g_free(got);
	g_free(shown);
	g_string_free(subj, TRUE);
	g_string_free(name, TRUE);
}

/* gmime_best - what gmime's filter stream chooses for text. */
static int gmime_best(const char *text, size_t len)
{
	GMimePart *part = g_mime_part_new_with_type("text", "plain");
	GMimeStream *st = g_mime_stream_mem_new_with_buffer(text, len);
	GMimeDataWrapper *w = g_mime_data_wrapper_new_with_stream(st, GMIME_CONTENT_ENCODING_DEFAULT);
	g_mime_part_set_content(part, w);
	int enc = g_mime_part_get_best_content_encoding(part, GMIME_ENCODING_CONSTRAINT_7BIT);
	g_object_unref(w);
	g_object_unref(st);
	g_object_unref(part);
	return enc;
}

/* mailout_body_encoding makes gmime's choice: the cases at each rule's
 * edge, then random texts built from the bytes the rules look at. */
static void test_body_encoding(void **state)
{
	(void)state;
	static const struct { const char *text; int enc; } cases[] = {
		{ "", GMIME_CONTENT_ENCODING_DEFAULT },
		{ "plain English\n", GMIME_CONTENT_ENCODING_DEFAULT },
		{ "From me\n", GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE },
		{ "x\r\nFrom me", GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE },
		{ "x\rFrom me", GMIME_CONTENT_ENCODING_DEFAULT },
		{ ">From me\nFrom", GMIME_CONTENT_ENCODING_DEFAULT },
		{ "caf\xc3\xa9\n", GMIME_CONTENT_ENCODING_BASE64 },
		{ "one caf\xc3\xa9 in a longer English sentence\n",
		  GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE },
		{ "电水壶用了三天就漏水。\n", GMIME_CONTENT_ENCODING_BASE64 },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		size_t len = strlen(cases[i].text);
		assert_int_equal(mailout_body_encoding(cases[i].text, len), cases[i].enc);
		assert_int_equal(gmime_best(cases[i].text, len), cases[i].enc);
	}
	char line[1002];
	for (size_t n = 997; n <= 1000; n++) {  /* 998 bytes, CR counted */
		memset(line, 'a', n);
		line[n - 1] = n == 1000 ? '\r' : 'a';
		line[n] = '\n';
		assert_int_equal(mailout_body_encoding(line, n + 1), gmime_best(line, n + 1));
	}
	assert_int_equal(mailout_body_encoding("a\0b", 3), GMIME_CONTENT_ENCODING_BASE64);
	static const char *const pieces[] = { "a", "b c", "\n", "\r\n", "\r", "From ", "From",
					      "\xe4\xb8\xad", "\xc3\xa9", " ", "." };
	GRand *r = g_rand_new_with_seed(1234);
	GString *t = g_string_new(NULL);
	for (int round = 0; round < 3000; round++) {
		g_string_truncate(t, 0);
		int n = g_rand_int_range(r, 0, 60), run = g_rand_int_range(r, 0, 4) ? 1 : 400;
		for (int k = 0; k < n; k++)
			for (int j = 0; j < (k == n / 2 ? run : 1); j++)
				g_string_append(t, pieces[g_rand_int_range(r, 0,
									  G_N_ELEMENTS(pieces))]);
		if (round % 500 == 0)
			g_string_append_len(t, "\0", 1);
		assert_int_equal(mailout_body_encoding(t->str, t->len), gmime_best(t->str, t->len));
	}
	g_string_free(t, TRUE);
	g_rand_free(r);
}

/* assert_same_mail - a and b byte for byte. */
static void assert_same_mail(GBytes *a, GBytes *b)
{
	assert_int_equal(g_bytes_get_size(a), g_bytes_get_size(b));
	assert_memory_equal(g_bytes_get_data(a, NULL), g_bytes_get_data(b, NULL),
			    g_bytes_get_size(a));
}

/* packed_roundtrip - m's outbox row is packed, smaller than the mail, and
 * composes into the very mail mailout_compose makes of m now. */
static void packed_roundtrip(const struct mailout *m)
{
	GBytes *row = mailout_outbox_row(m);
	assert_true(mailout_is_packed(g_bytes_get_data(row, NULL), g_bytes_get_size(row)));
	GError *err = NULL;
	GBytes *sent = mailout_outbox_mail(row, NULL, &err);
	assert_non_null(sent);
	GBytes *now = mailout_compose(m);
	assert_same_mail(sent, now);
	assert_true(g_bytes_get_size(row) < g_bytes_get_size(now));
	g_bytes_unref(now);
	g_bytes_unref(sent);
	g_bytes_unref(row);
}

/* A mail without attachments is queued packed and composed when sent into
 * the same bytes; one with attachments is queued composed; a packed row
 * that lost a field the mail cannot go without is an error, not a mail. */
static void test_outbox_rows(void **state)
{
	(void)state;
	struct message *orig = msg_new(MSG_CHANNEL_EMAIL);
	msg_add_reference(orig, "<first@customer.example>");
	msg_add_reference(orig, "bad id");
	for (int i = 0; i < 60; i++) {  /* a long thread: every id kept */
		char *id = g_strdup_printf("<r%d@customer.example>", i);
		msg_add_reference(orig, id);
		g_free(id);
	}
	GString *body = g_string_new(NULL);
	for (int i = 0; i < 60; i++)
		g_string_append(body, "电水壶用了三天就漏水，底座还有裂纹。\nFrom here on\n");
	struct mailout ack = {
		.from_addr = "complaints@shop.example", .from_name = "某某公司 客服",
		.to_addr = "li@customer.example", .to_name = "李四\r\nBcc: x@example.com",
		.subject = "[CMP-20261123-0007] 已收到", .body = body->str,
		.message_id = "ack.CMP-20261123-0007.1@shop.example",
		/* in the thread too: thread mode keeps it twice, references mode once */
		.in_reply_to = "r5@customer.example", .thread = orig,
		.auto_submitted = "auto-replied", .ref = "CMP-20261123-0007", .date = 1795000000,
	};
	packed_roundtrip(&ack);
	struct mailout notify = {
		.from_addr = "complaints@shop.example", .to_addr = "dept@staff.shop.example",
		.reply_to = "reply+CMP-1.tok@shop.example",
		/* not UTF-8: packed as bytes, composed as before */
		.subject = "s\xff\xfe", .body = "text \xe4\xb8 cut\r\nline two",
		.message_id = "notify.CMP-1.2@shop.example", .in_reply_to = "last@customer.example",
		.references = "first@customer.example bad<id last@customer.example",
		.attach = orig,  /* without attachments: nothing to carry */
		.auto_submitted = "auto-generated", .ref = "CMP-1", .date = -1,
	};
	packed_roundtrip(&notify);
	struct mailout bare = { .from_addr = "a@shop.example", .to_addr = "b@example.com",
				.message_id = "w.1@shop.example", .date = 0 };
	packed_roundtrip(&bare);

	/* attachments: composed now, sent as queued */
	GBytes *photo = g_bytes_new_static("\xff\xd8\xff\x00jpeg", 8);
	msg_add_attachment(orig, "p.jpg", "image/jpeg", photo);
	GBytes *row = mailout_outbox_row(&notify);
	assert_false(mailout_is_packed(g_bytes_get_data(row, NULL), g_bytes_get_size(row)));
	GError *err = NULL;
	GBytes *sent = mailout_outbox_mail(row, NULL, &err);
	assert_ptr_equal(sent, row);
	g_bytes_unref(sent);
	g_bytes_unref(row);

	/* rows that are no mail */
	assert_null(mailout_outbox_mail(NULL, NULL, &err));
	g_clear_error(&err);
	GBytes *empty = g_bytes_new_static("", 0);
	assert_null(mailout_outbox_mail(empty, NULL, &err));
	assert_non_null(strstr(err->message, "empty"));
	g_clear_error(&err);
	g_bytes_unref(empty);
	struct mailout no_id = bare;
	no_id.message_id = "";
	row = mailout_outbox_row(&no_id);
	assert_null(mailout_outbox_mail(row, NULL, &err));
	assert_non_null(strstr(err->message, "message_id"));
	g_clear_error(&err);
	g_bytes_unref(row);
	row = mailout_outbox_row(&ack);
	gsize len = g_bytes_get_size(row);
	for (gsize cut = 0; cut < len; cut += 1 + cut / 3) {  /* truncated anywhere */
		GBytes *part = g_bytes_new_from_bytes(row, 0, cut);
		GBytes *mail = mailout_outbox_mail(part, NULL, &err);
		assert_true(mail != NULL || err != NULL);
		g_clear_error(&err);
		if (mail)
			g_bytes_unref(mail);
		g_bytes_unref(part);
	}
	g_bytes_unref(row);
	g_bytes_unref(photo);
	g_string_free(body, TRUE);
	msg_free(&orig);
}

/* packed_by_hand - a packed row of the fields given (for rows the packer
 * never makes). */
static GBytes *packed_by_hand(const char *body, guint64 text_row, guint64 text_at)
{
	GVariantDict d;
	g_variant_dict_init(&d, NULL);
	g_variant_dict_insert(&d, "from", "^ay", "a@shop.example");
	g_variant_dict_insert(&d, "to", "^ay", "b@example.com");
	g_variant_dict_insert(&d, "message_id", "^ay", "h.1@shop.example");
	if (body)
		g_variant_dict_insert(&d, "body", "^ay", body);
	g_variant_dict_insert(&d, "text_row", "t", text_row);
	g_variant_dict_insert(&d, "text_at", "t", text_at);
	g_variant_dict_insert(&d, "date", "x", (gint64)1795000000);
	GVariant *v = g_variant_ref_sink(g_variant_dict_end(&d));
	GByteArray *row = g_byte_array_new();
	g_byte_array_append(row, (const guint8 *)"\0spec/1\0", 8);
	g_byte_array_append(row, g_variant_get_data(v), (guint)g_variant_get_size(v));
	g_variant_unref(v);
	return g_byte_array_free_to_bytes(row);
}

/* A notification's copy of the customer's text is left out of its packed
 * row (the message row holds it) and put back when it is sent: the mail
 * is the one mailout_compose makes of the whole body. */
static void test_outbox_text_left_out(void **state)
{
	(void)state;
	GString *text = g_string_new(NULL);
	for (int i = 0; i < 80; i++)
		g_string_append(text, "收到的热水壶漏水，要求退货。 It leaks.\n");
	char *body = g_strdup_printf("A new complaint.\n----\n%s----\nReply to this mail.\n",
				     text->str);
	size_t at = strlen("A new complaint.\n----\n");
	struct mailout m = {
		.from_addr = "complaints@shop.example", .to_addr = "dept@staff.shop.example",
		.subject = "[CMP-9] 新投诉", .body = body,
		.message_id = "notify.CMP-9.1@shop.example", .ref = "CMP-9", .date = 1795000000,
		.text_row = 4711, .text_at = at, .text_len = text->len,
	};
	GBytes *row = mailout_outbox_row(&m);
	assert_true(mailout_is_packed(g_bytes_get_data(row, NULL), g_bytes_get_size(row)));
	assert_int_equal(mailout_outbox_text_row(row), 4711);
	struct mailout whole = m;
	whole.text_row = 0;
	GBytes *whole_row = mailout_outbox_row(&whole);
	assert_int_equal(mailout_outbox_text_row(whole_row), 0);
	/* the text is what the row no longer holds (two numbers more) */
	assert_true(g_bytes_get_size(row) + text->len <= g_bytes_get_size(whole_row) + 100);
	GError *err = NULL;
	GBytes *sent = mailout_outbox_mail(row, text->str, &err);
	GBytes *want = mailout_compose(&whole);
	assert_non_null(sent);
	assert_same_mail(sent, want);
	g_bytes_unref(sent);
	g_bytes_unref(want);

	/* the text gone from the database (forget): the mail goes without it */
	sent = mailout_outbox_mail(row, NULL, &err);
	char *bare_body = g_strdup_printf("A new complaint.\n----\n----\nReply to this mail.\n");
	whole.body = bare_body;
	want = mailout_compose(&whole);
	assert_same_mail(sent, want);
	g_bytes_unref(sent);
	g_bytes_unref(want);
	g_free(bare_body);

	/* a place outside the body is not left out: the row keeps the body */
	struct mailout odd = m;
	odd.text_at = strlen(body);
	odd.text_len = 1;
	GBytes *odd_row = mailout_outbox_row(&odd);
	assert_int_equal(mailout_outbox_text_row(odd_row), 0);
	g_bytes_unref(odd_row);
	/* nor with attachments: composed at once, the text in it */
	struct message *with = msg_new(MSG_CHANNEL_EMAIL);
	GBytes *photo = g_bytes_new_static("\xff\xd8\xff\x00jpeg", 8);
	msg_add_attachment(with, "p.jpg", "image/jpeg", photo);
	struct mailout att = m;
	att.attach = with;
	GBytes *att_row = mailout_outbox_row(&att);
	assert_false(mailout_is_packed(g_bytes_get_data(att_row, NULL), g_bytes_get_size(att_row)));
	assert_int_equal(mailout_outbox_text_row(att_row), 0);
	assert_true(g_bytes_get_size(att_row) > text->len * 4 / 3);  /* base64 of it */
	g_bytes_unref(att_row);
	g_bytes_unref(photo);
	msg_free(&with);
	assert_int_equal(mailout_outbox_text_row(NULL), 0);

	/* a row naming a place beyond its body is an error, not a mail */
	GBytes *bad = packed_by_hand("short", 7, 6);
	assert_int_equal(mailout_outbox_text_row(bad), 7);
	assert_null(mailout_outbox_mail(bad, "text", &err));
	assert_non_null(strstr(err->message, "beyond"));
	g_clear_error(&err);
	g_bytes_unref(bad);
	GBytes *end = packed_by_hand("short", 7, 5);  /* at the very end: fine */
	sent = mailout_outbox_mail(end, "+tail", &err);
	assert_non_null(sent);
	assert_non_null(g_strstr_len(g_bytes_get_data(sent, NULL), g_bytes_get_size(sent),
				     "short+tail"));
	g_bytes_unref(sent);
	g_bytes_unref(end);
	/* a damaged row without a body (the fuzzer's find): the text alone
	 * at 0, an error anywhere else */
	GBytes *nobody = packed_by_hand(NULL, 7, 0);
	sent = mailout_outbox_mail(nobody, "only the text", &err);
	assert_non_null(sent);
	assert_non_null(g_strstr_len(g_bytes_get_data(sent, NULL), g_bytes_get_size(sent),
				     "only the text"));
	g_bytes_unref(sent);
	g_bytes_unref(nobody);
	nobody = packed_by_hand(NULL, 7, 1);
	assert_null(mailout_outbox_mail(nobody, "text", &err));
	assert_non_null(strstr(err->message, "beyond"));
	g_clear_error(&err);
	g_bytes_unref(nobody);

	g_bytes_unref(whole_row);
	g_bytes_unref(row);
	g_free(body);
	g_string_free(text, TRUE);
}

int main(void)
{
	g_mime_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compose_ack),
		cmocka_unit_test(test_long_subject_and_name),
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_parts_and_references),
		cmocka_unit_test(test_attachment_cap),
		cmocka_unit_test(test_body_encoding),
		cmocka_unit_test(test_outbox_rows),
		cmocka_unit_test(test_outbox_text_left_out),
	};
	int rc = cmocka_run_group_tests_name("mailout", tests, NULL, NULL);
	g_mime_shutdown();
	return rc;
}
