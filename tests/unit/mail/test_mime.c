/* test_mime - mime_parse and mime_decode_header against sample, hostile and
 * generated mail. Data: $COMPLAINTD_TESTDATA or tests/data (from repo root). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <gmime/gmime.h>

#include "mail/mime.h"
#include "lib/json.h"
#include "mail/msgdump.h"

static const char *datadir(void)
{
	const char *d = g_getenv("COMPLAINTD_TESTDATA");
	return d && *d ? d : "tests/data";
}

static char *load(const char *sub, const char *name, gsize *len)
{
	char *path = g_build_filename(datadir(), sub, name, NULL);
	char *data = NULL;
	GError *err = NULL;
	if (!g_file_get_contents(path, &data, len, &err))
		fail_msg("cannot read %s: %s", path, err->message);
	g_free(path);
	return data;
}

static struct message *parse_file(const char *sub, const char *name)
{
	gsize len;
	char *data = load(sub, name, &len);
	struct message *m = mime_parse(data, len, NULL);
	g_free(data);
	assert_non_null(m);
	return m;
}

/* ---- a minimal JSON syntax checker, to prove msgdump_json's output parses -- */

static const char *js_value(const char *p);

static const char *js_ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

static const char *js_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	while (*p && *p != '"') {
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p == '\\') {
			p++;
			if (*p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!g_ascii_isxdigit(p[i]))
						return NULL;
				p += 4;
			} else if (!strchr("\"\\/bfnrt", *p)) {
				return NULL;
			}
		}
		p++;
	}
	return *p == '"' ? p + 1 : NULL;
}

static const char *js_container(const char *p, char close, bool object)
{
	p = js_ws(p + 1);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (object) {
			p = js_string(js_ws(p));
			if (!p || *(p = js_ws(p)) != ':')
				return NULL;
			p++;
		}
		p = js_value(p);
		if (!p)
			return NULL;
		p = js_ws(p);
		if (*p == close)
			return p + 1;
		if (*p != ',')
			return NULL;
		p++;
	}
}

static const char *js_value(const char *p)
{
	p = js_ws(p);
	if (*p == '{')
		return js_container(p, '}', true);
	if (*p == '[')
		return js_container(p, ']', false);
	if (*p == '"')
		return js_string(p);
	for (const char *lit = "true\0false\0null\0"; *lit; lit += strlen(lit) + 1)
		if (strncmp(p, lit, strlen(lit)) == 0)
			return p + strlen(lit);
	char *end;
	g_ascii_strtod(p, &end);
	return end > p ? end : NULL;
}

static void assert_json(const char *s)
{
	const char *end = js_value(s);
	assert_non_null(end);
	assert_true(*js_ws(end) == '\0');
}

/* ---- invariants that hold for every input ----------------------------------- */

static void assert_utf8(const char *s)
{
	if (s && !g_utf8_validate(s, -1, NULL))
		fail_msg("invalid UTF-8: %s", s);
}

static void assert_sane(const struct message *m)
{
	assert_utf8(msg_subject(m));
	assert_utf8(msg_from_addr(m));
	assert_utf8(msg_from_name(m));
	assert_utf8(msg_reply_to(m));
	assert_utf8(msg_message_id(m));
	assert_utf8(msg_in_reply_to(m));
	assert_non_null(msg_text(m));
	assert_utf8(msg_text(m));
	for (unsigned i = 0; i < msg_header_count(m); i++) {
		const char *n, *v;
		msg_header_at(m, i, &n, &v);
		assert_utf8(n);
		assert_utf8(v);
		for (const char *p = v; *p; p++)
			assert_false(*p == '\r' || *p == '\n');
	}
	for (unsigned i = 0; i < msg_reference_count(m); i++)
		assert_utf8(msg_reference(m, i));
	for (unsigned i = 0; i < msg_recipient_count(m); i++)
		assert_utf8(msg_recipient(m, i));
	for (unsigned i = 0; i < msg_note_count(m); i++)
		assert_utf8(msg_note(m, i));
	for (unsigned i = 0; i < msg_attachment_count(m); i++) {
		const struct msg_attachment *a = msg_attachment(m, i);
		assert_utf8(a->filename);
		assert_null(strchr(a->filename, '/'));
		assert_null(strchr(a->filename, '\\'));
		for (const char *p = a->filename; *p; p++)
			assert_true((unsigned char)*p >= 0x20 && *p != 0x7f);
		assert_string_not_equal(a->filename, "..");
		assert_int_equal(strlen(a->sha256), 64);
	}
	assert_non_null(msg_raw(m));
	GString *js = g_string_new(NULL);
	msgdump_json(m, js);
	assert_true(g_utf8_validate(js->str, js->len, NULL));
	assert_json(js->str);
	GString *tx = g_string_new(NULL);
	msgdump_text(m, tx);
	assert_true(g_utf8_validate(tx->str, tx->len, NULL));
	g_string_free(js, TRUE);
	g_string_free(tx, TRUE);
}

static GPtrArray *list_dir(const char *sub)
{
	char *path = g_build_filename(datadir(), sub, NULL);
	GDir *d = g_dir_open(path, 0, NULL);
	if (!d)
		fail_msg("cannot open %s", path);
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	const char *n;
	while ((n = g_dir_read_name(d)))
		if (g_str_has_suffix(n, ".eml"))
			g_ptr_array_add(names, g_strdup(n));
	g_dir_close(d);
	g_free(path);
	return names;
}

/* ---- every sample mail ---------------------------------------------------------- */

static void test_all_samples(void **state)
{
	GPtrArray *names = list_dir("mail");
	assert_true(names->len >= 50);
	static const char *const cats[] = { "quality", "service", "price", "infringement", "other" };
	for (unsigned i = 0; i < names->len; i++) {
		const char *n = g_ptr_array_index(names, i);
		struct message *m = parse_file("mail", n);
		assert_sane(m);
		if (msg_flags(m) & MSG_F_PARSE_ERROR)
			fail_msg("%s: parse error", n);
		assert_non_null(msg_subject(m));
		assert_true(*msg_subject(m));
		assert_non_null(msg_from_addr(m));
		assert_non_null(msg_message_id(m));
		assert_true(msg_date(m) > 1700000000);
		const char *cat = msg_header(m, "X-Expected-Category");
		const char *sev = msg_header(m, "X-Expected-Severity");
		assert_non_null(cat);
		assert_non_null(sev);
		bool known = false;
		for (size_t k = 0; k < G_N_ELEMENTS(cats); k++)
			known |= strcmp(cat, cats[k]) == 0;
		assert_true(known);
		assert_true(strlen(sev) == 1 && strchr("ABC", sev[0]));
		/* real complaints are not auto-replies, bounces or lists */
		if (!g_str_has_prefix(n, "sp_"))
			assert_int_equal(msg_flags(m) & (MSG_F_AUTO_SUBMITTED | MSG_F_BOUNCE |
							 MSG_F_LIST | MSG_F_NO_SENDER), 0);
		if (!g_str_has_prefix(n, "sp_bounce"))
			assert_true(strlen(msg_text(m)) > 10);
		/* no encoded-word and no U+FFFD may survive in a clean sample */
		assert_null(strstr(msg_subject(m), "=?"));
		assert_null(strstr(msg_text(m), "\xEF\xBF\xBD"));
		msg_free(&m);
	}
	g_ptr_array_unref(names);
}

struct expect {
	const char *file, *subject, *from_name, *text_has, *lang;
	unsigned flags_set, flags_clear;
};

static const struct expect expects[] = {
	{ "zh_quality_kettle.eml", "电热水壶漏水", "王芳", "KT-1720", "zh", 0, MSG_F_HTML_ONLY },
	/* GBK subject split into three words, a character cut across two */
	{ "zh_quality_injury.eml", "手机充电器爆炸导致手部烧伤", "刘强", "右手烫伤", "zh", 0, 0 },
	{ "zh_quality_media.eml", "洗衣机质量问题，已联系电视台", "陈静", "省电视台", "zh", 0, 0 },
	/* raw 8-bit GB18030 headers, no encoded-words */
	{ "zh_quality_12315.eml", "空调不制冷，已投诉12315", "赵磊", "消费者协会", "zh", 0, MSG_F_CHARSET_GUESSED },
	{ "zh_quality_crack.eml", "保温杯外壳开裂", "孙丽", "保温杯外壳有裂纹", "zh", MSG_F_HTML_ONLY, 0 },
	{ "zh_quality_smell.eml", "床垫有刺鼻气味", "周敏", "甲醛超标", "zh", 0, MSG_F_HTML_ONLY },
	{ "big5_quality_phone.eml", "手機螢幕出現亮點", "陳美玲", "更換新機", "zh", 0, 0 },
	{ "big5_service_delivery.eml", "配送延誤且態度不佳", "林志明", "態度冷淡", "zh", 0, 0 },
	{ "sp_iso2022jp.eml", "製品の不具合について", "山田太郎", "炊飯器", NULL, 0, 0 },
	{ "sp_latin1.eml", "Queja por el envío", "José Martínez", "\u201cInaceptable\u201d", "en", 0, 0 },
	{ "sp_wrong_charset.eml", "wrong charset label", "Wang", "吹风机", "zh", MSG_F_CHARSET_GUESSED, 0 },
	{ "sp_no_charset_gbk.eml", "no charset", "Li", "电饭煲内胆", "zh", MSG_F_CHARSET_GUESSED, 0 },
	{ "en_service_bbb.eml", "No response - filing with consumer protection", "Linda Wilson",
	  "I\u2019m writing", "en", 0, 0 },
	{ "en_price_refund.eml", "Refund still not received", "Daniel Thompson", "refund", "en",
	  0, MSG_F_HTML_ONLY },
	{ "en_service_news.eml", NULL, "Jennifer White", "local newspaper", "en", MSG_F_HTML_ONLY, 0 },
	{ "sp_ooo_autoreply.eml", NULL, "Zhang Min", "out of the office", NULL,
	  MSG_F_AUTO_SUBMITTED, MSG_F_BOUNCE | MSG_F_LIST },
	{ "sp_ooo_zh.eml", "自动回复：您的投诉已收到", "李经理", "休假", NULL, MSG_F_AUTO_SUBMITTED, 0 },
	{ "sp_list.eml", NULL, "Newsletter", NULL, NULL, MSG_F_LIST, MSG_F_AUTO_SUBMITTED | MSG_F_BOUNCE },
	{ "sp_bounce_511.eml", NULL, "Mail Delivery System", NULL, NULL, MSG_F_BOUNCE, 0 },
	{ "sp_bounce_rfc822.eml", NULL, NULL, NULL, NULL, MSG_F_BOUNCE, 0 },
	{ "sp_reply_thread.eml", "Re: [C-2025-0007] 电热水壶漏水", "Wang, Fang", "上门更换", "zh", 0, 0 },
};

static void test_expected_fields(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(expects); i++) {
		const struct expect *e = &expects[i];
		struct message *m = parse_file("mail", e->file);
		if (e->subject && strcmp(msg_subject(m), e->subject) != 0)
			fail_msg("%s: subject [%s]", e->file, msg_subject(m));
		if (e->from_name)
			assert_string_equal(msg_from_name(m), e->from_name);
		if (e->text_has && !strstr(msg_text(m), e->text_has))
			fail_msg("%s: text lacks %s: [%s]", e->file, e->text_has, msg_text(m));
		if (e->lang)
			assert_string_equal(msg_lang(m), e->lang);
		if ((msg_flags(m) & e->flags_set) != e->flags_set ||
		    (msg_flags(m) & e->flags_clear))
			fail_msg("%s: flags %#x", e->file, msg_flags(m));
		msg_free(&m);
	}
}

static void test_html_only_drops_markup(void **state)
{
	struct message *m = parse_file("mail", "zh_quality_crack.eml");
	assert_null(strstr(msg_text(m), "<"));
	assert_null(strstr(msg_text(m), "color:red"));
	assert_non_null(strstr(msg_text(m), "此致\n敬礼"));
	msg_free(&m);
}

static void test_bounce_details(void **state)
{
	struct message *m = parse_file("mail", "sp_bounce_511.eml");
	assert_string_equal(msg_header(m, "X-Complaintd-Bounce-Recipient"), "nobody@customer.example");
	assert_string_equal(msg_header(m, "X-Complaintd-Bounce-Status"), "5.1.1");
	assert_string_equal(msg_header(m, "X-Complaintd-Bounce-Message-Id"),
			    "ack-C-2025-0042@company.example");
	msg_free(&m);
	m = parse_file("mail", "sp_bounce_rfc822.eml");
	assert_string_equal(msg_header(m, "X-Complaintd-Bounce-Recipient"), "gone@customer.example");
	assert_string_equal(msg_header(m, "X-Complaintd-Bounce-Status"), "5.2.1");
	assert_string_equal(msg_header(m, "X-Complaintd-Bounce-Message-Id"),
			    "ack-C-2025-0043@company.example");
	assert_int_equal(msg_attachment_count(m), 0);
	msg_free(&m);
}

/* ARF abuse reports are automatic answers, notices from no-reply
 * addresses mail a program sent (issue 10.8); a person whose name merely
 * starts alike is neither. */
static void test_machine_notices(void **state)
{
	static const struct { const char *file; unsigned flag; } machine[] = {
		{ "arf_abuse_report.eml", MSG_F_AUTO_SUBMITTED },
		{ "arf_no_report_type.eml", MSG_F_AUTO_SUBMITTED },
		{ "noreply_notice.eml", MSG_F_GENERATED },
		{ "donotreply_error.eml", MSG_F_GENERATED },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(machine); i++) {
		struct message *m = parse_file("machine", machine[i].file);
		if (!(msg_flags(m) & machine[i].flag))
			fail_msg("%s: flags %#x", machine[i].file, msg_flags(m));
		msg_free(&m);
	}
	struct message *m = parse_file("machine", "person_noreen.eml");
	assert_int_equal(msg_flags(m) & (MSG_F_AUTO_SUBMITTED | MSG_F_BOUNCE | MSG_F_LIST), 0);
	msg_free(&m);
}

/* Who sent it, by the headers: an automatic answer, a bounce, list mail,
 * or a program's own mail (which may carry a complaint: a contact form's
 * gateway, a shop platform) - and a program's mail that answers something
 * is an automatic answer. */
static void test_sender_kinds(void **state)
{
	static const struct { const char *headers; unsigned want; } cases[] = {
		{ "Auto-Submitted: auto-generated\r\n", MSG_F_GENERATED },
		{ "Auto-Submitted:  Auto-Generated; owner-email=x@y\r\n", MSG_F_GENERATED },
		{ "Auto-Submitted: auto-replied\r\n", MSG_F_AUTO_SUBMITTED },
		{ "Auto-Submitted: auto-generatedx\r\n", MSG_F_AUTO_SUBMITTED },
		{ "Auto-Submitted: no\r\n", 0 },
		{ "Auto-Submitted: auto-generated\r\nIn-Reply-To: <a@b.example>\r\n",
		  MSG_F_AUTO_SUBMITTED },
		{ "Auto-Submitted: auto-generated\r\nReferences: <a@b.example>\r\n",
		  MSG_F_AUTO_SUBMITTED },
		{ "Auto-Submitted: auto-generated\r\nSubject: =?UTF-8?B?5Zue5aSN77ya5oqV6K+J?=\r\n",
		  MSG_F_AUTO_SUBMITTED },  /* 回复：投诉 */
		{ "Auto-Submitted: auto-generated\r\nSubject: Out of office\r\n",
		  MSG_F_AUTO_SUBMITTED },
		{ "Precedence: bulk\r\n", MSG_F_GENERATED },
		{ "Precedence: junk\r\n", MSG_F_GENERATED },
		{ "Precedence: list\r\n", MSG_F_LIST },
		{ "List-Id: <offers.shop.example>\r\n", MSG_F_LIST },
		{ "List-Unsubscribe: <mailto:u@shop.example>\r\n", MSG_F_GENERATED },
		{ "Reply-To: no-reply@platform.example\r\n", MSG_F_GENERATED },
		{ "Return-Path: <>\r\n", MSG_F_BOUNCE },
		{ "Return-Path: <>\r\nAuto-Submitted: auto-generated\r\n", MSG_F_GENERATED },
		{ "X-Autoreply: yes\r\n", MSG_F_AUTO_SUBMITTED },
		{ "", 0 },
	};
	static const unsigned kinds = MSG_F_AUTO_SUBMITTED | MSG_F_BOUNCE | MSG_F_LIST |
				      MSG_F_GENERATED;
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		bool subject = strstr(cases[i].headers, "Subject:") != NULL;
		char *mail = g_strdup_printf("From: Shop Platform <notify@platform.example>\r\n"
					     "To: complaints@shop.example\r\n%s%s"
					     "Content-Type: text/plain; charset=utf-8\r\n\r\n"
					     "买家投诉：电水壶漏水。\r\n", cases[i].headers,
					     subject ? "" : "Subject: Buyer complaint 12345\r\n");
		struct message *m = mime_parse(mail, strlen(mail), NULL);
		if ((msg_flags(m) & kinds) != cases[i].want)
			fail_msg("case %zu (%s): flags %#x, want %#x", i, cases[i].headers,
				 msg_flags(m) & kinds, cases[i].want);
		msg_free(&m);
		g_free(mail);
	}
	/* the sender's own address */
	static const struct { const char *from; unsigned want; } senders[] = {
		{ "noreply@platform.example", MSG_F_GENERATED },
		{ "DoNotReply@hosting.example", MSG_F_GENERATED },
		{ "bounces-123@lists.example", MSG_F_BOUNCE },
		{ "bounce@mail.example", MSG_F_BOUNCE },
		{ "noreen@customer.example", 0 },
		{ "bouncer.fan@customer.example", 0 },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(senders); i++) {
		char *mail = g_strdup_printf("From: %s\r\nTo: complaints@shop.example\r\n"
					     "Subject: kettle\r\n\r\nIt leaks.\r\n", senders[i].from);
		struct message *m = mime_parse(mail, strlen(mail), NULL);
		if ((msg_flags(m) & kinds) != senders[i].want)
			fail_msg("%s: flags %#x, want %#x", senders[i].from,
				 msg_flags(m) & kinds, senders[i].want);
		msg_free(&m);
		g_free(mail);
	}
}

static void test_threading_fields(void **state)
{
	struct message *m = parse_file("mail", "sp_reply_thread.eml");
	assert_string_equal(msg_message_id(m), "reply1@mail.example.cn");
	assert_string_equal(msg_in_reply_to(m), "ack-C-2025-0007@company.example");
	assert_int_equal(msg_reference_count(m), 2);
	assert_string_equal(msg_reference(m, 0), "orig-7@mail.example.cn");
	assert_string_equal(msg_reference(m, 1), "ack-C-2025-0007@company.example");
	assert_string_equal(msg_reply_to(m), "fang.reply@mail.example.cn");
	assert_string_equal(msg_from_addr(m), "wang.fang@mail.example.cn");
	assert_int_equal(msg_recipient_count(m), 2);
	assert_string_equal(msg_recipient(m, 1), "boss@company.example");
	assert_int_equal(msg_date(m), 1743471000); /* 2025-04-01 09:30 +0800 */
	assert_non_null(msg_header(m, "Content-Type"));
	msg_free(&m);
}

static void assert_attachment(const struct message *m, unsigned i, const char *name,
			      const char *type, const char *content, size_t size)
{
	const struct msg_attachment *a = msg_attachment(m, i);
	assert_non_null(a);
	assert_string_equal(a->filename, name);
	if (type)
		assert_string_equal(a->content_type, type);
	assert_int_equal(g_bytes_get_size(a->data), size);
	if (content) {
		char *sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256,
							(const guchar *)content, size);
		assert_string_equal(a->sha256, sum);
		assert_memory_equal(g_bytes_get_data(a->data, NULL), content, size);
		g_free(sum);
	}
}

static void test_attachments(void **state)
{
	struct message *m = parse_file("mail", "sp_winmail.eml");
	assert_int_equal(msg_attachment_count(m), 2);
	assert_attachment(m, 0, "invoice.csv", NULL, "item,price\nkettle,199\n", 22);
	assert_attachment(m, 1, "quote.txt", NULL, "quoted price 159\n", 17);
	assert_non_null(strstr(msg_text(m), "invoice total"));
	msg_free(&m);
	m = parse_file("mail", "zh_quality_lawsuit.eml"); /* RFC 2231 name */
	assert_int_equal(msg_attachment_count(m), 1);
	assert_attachment(m, 0, "故障照片.jpg", "image/jpeg", NULL, 1024);
	msg_free(&m);
	m = parse_file("mail", "sp_rfc2047_filename.eml"); /* RFC 2047 name, GBK */
	assert_attachment(m, 0, "发票.pdf", "application/pdf", "%PDF-1.4 fake\n", 14);
	msg_free(&m);
}

/* has_in_order - every needle in text, each after the one before. */
static void has_in_order(const char *text, const char *const *needles, size_t n)
{
	const char *p = text;
	for (size_t i = 0; i < n; i++) {
		const char *q = strstr(p, needles[i]);
		if (!q)
			fail_msg("[%s] not (in order) in:\n%s", needles[i], text);
		p = q + strlen(needles[i]);
	}
}

/* A mail forwarded as an attachment: kept as an .eml, its text read after
 * the mail's own under a forward separator; its attachments stay inside
 * the .eml; a report's attached mail is not text. */
static void test_forwarded_attachment(void **state)
{
	struct message *m = parse_file("mail", "zh_quality_forward_attached.eml");
	static const char *const fwd[] = {
		"买家投诉见附件", "平台客服 小李", "\n\n---------- Forwarded message ----------\n",
		"From: 王女士 <wang.nvshi@mail.example>\n", "Subject: 电饭煲内胆涂层脱落\n\n",
		"内胆涂层就大片脱落", "订单号 DF-20261103-88" };
	has_in_order(msg_text(m), fwd, G_N_ELEMENTS(fwd));
	assert_string_equal(msg_from_addr(m), "service@mall-platform.example");
	assert_int_equal(msg_attachment_count(m), 1);  /* the .eml, not its photo too */
	assert_string_equal(msg_attachment(m, 0)->filename, "message.eml");
	msg_free(&m);

	/* a whole mail that is one forwarded mail; HTML-only text and a
	 * forward inside the forward, in order */
	const char *mail =
		"From: a@shop.example\r\nSubject: fw\r\nMIME-Version: 1.0\r\n"
		"Content-Type: multipart/mixed; boundary=o\r\n\r\n"
		"--o\r\nContent-Type: text/html\r\n\r\n<p>outer <b>note</b></p>\r\n"
		"--o\r\nContent-Type: message/rfc822\r\n\r\n"
		"From: b@x.example\r\nSubject: middle\r\nContent-Type: multipart/mixed; boundary=m\r\n\r\n"
		"--m\r\nContent-Type: text/plain\r\n\r\nmiddle text\r\n"
		"--m\r\nContent-Type: message/rfc822\r\n\r\n"
		"From: c@y.example\r\nSubject: =?UTF-8?B?5p2v5a2Q?=\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n\r\n杯子有裂纹\r\n"
		"--m--\r\n--o--\r\n";
	m = mime_parse(mail, strlen(mail), NULL);
	static const char *const nested[] = {
		"outer note", "---------- Forwarded message ----------\nFrom: b@x.example\n",
		"middle text", "---------- Forwarded message ----------\nFrom: c@y.example\n",
		"Subject: 杯子\n\n杯子有裂纹" };
	has_in_order(msg_text(m), nested, G_N_ELEMENTS(nested));
	assert_true(msg_flags(m) & MSG_F_HTML_ONLY);
	assert_int_equal(msg_attachment_count(m), 1);
	msg_free(&m);

	const char *top = "From: a@shop.example\r\nSubject: x\r\nContent-Type: message/rfc822\r\n\r\n"
			  "From: c@y.example\r\nSubject: inner\r\n\r\nThe kettle leaks.\r\n";
	m = mime_parse(top, strlen(top), NULL);
	assert_string_equal(msg_text(m), "---------- Forwarded message ----------\n"
			    "From: c@y.example\nSubject: inner\n\nThe kettle leaks.");
	msg_free(&m);

	/* a customer forwarding the bounce they got: not a bounce itself */
	const char *fwd_bounce =
		"From: a@shop.example\r\nSubject: Fwd: failure\r\nMIME-Version: 1.0\r\n"
		"Content-Type: multipart/mixed; boundary=o\r\n\r\n"
		"--o\r\nContent-Type: text/plain\r\n\r\nMy mail to you bounced.\r\n"
		"--o\r\nContent-Type: message/rfc822\r\n\r\n"
		"From: postmaster@relay.example\r\nSubject: failure\r\nContent-Type: multipart/report;"
		" report-type=delivery-status; boundary=r\r\n\r\n"
		"--r\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n"
		"--r\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; relay\r\n\r\n"
		"Final-Recipient: rfc822; x@shop.example\r\nStatus: 5.1.1\r\n"
		"--r--\r\n--o--\r\n";
	m = mime_parse(fwd_bounce, strlen(fwd_bounce), NULL);
	assert_int_equal(msg_flags(m) & (MSG_F_BOUNCE | MSG_F_AUTO_SUBMITTED), 0);
	assert_null(msg_header(m, "X-Complaintd-Bounce-Status"));
	assert_non_null(strstr(msg_text(m), "Delivery failed."));
	msg_free(&m);

	m = parse_file("mail", "sp_bounce_rfc822.eml");  /* our own mail, bounced */
	assert_null(strstr(msg_text(m), "Forwarded"));
	msg_free(&m);
}

/* ---- hostile mail ----------------------------------------------------------------- */

static void test_all_hostile(void **state)
{
	GPtrArray *names = list_dir("hostile");
	assert_true(names->len >= 20);
	for (unsigned i = 0; i < names->len; i++) {
		struct message *m = parse_file("hostile", g_ptr_array_index(names, i));
		assert_sane(m);
		msg_free(&m);
	}
	g_ptr_array_unref(names);
}

static unsigned flags_of(const char *file)
{
	struct message *m = parse_file("hostile", file);
	unsigned f = msg_flags(m);
	msg_free(&m);
	return f;
}

static void test_hostile_flags(void **state)
{
	assert_true(flags_of("empty.eml") & MSG_F_PARSE_ERROR);
	assert_true(flags_of("empty.eml") & MSG_F_NO_SENDER);
	assert_true(flags_of("binary_garbage.eml") & MSG_F_PARSE_ERROR);
	assert_true(flags_of("missing_final_boundary.eml") & MSG_F_PARSE_ERROR);
	assert_true(flags_of("broken_boundary.eml") & MSG_F_PARSE_ERROR);
	assert_true(flags_of("no_boundary_param.eml") & MSG_F_PARSE_ERROR);
	assert_true(flags_of("header_without_colon.eml") & MSG_F_PARSE_ERROR);
	assert_true(flags_of("deep_nesting_1000.eml") & (MSG_F_TRUNCATED | MSG_F_PARSE_ERROR));
	assert_true(flags_of("overlong_header.eml") & MSG_F_TRUNCATED);
	assert_true(flags_of("nul_in_header.eml") & MSG_F_NUL_BYTES);
	assert_true(flags_of("nul_in_body.eml") & MSG_F_NUL_BYTES);
	assert_true(flags_of("invalid_charset.eml") & MSG_F_CHARSET_GUESSED);
	assert_true(flags_of("raw_8bit_address.eml") & MSG_F_NO_SENDER);
}

static void test_hostile_content(void **state)
{
	struct message *m = parse_file("hostile", "path_traversal_filename.eml");
	assert_int_equal(msg_attachment_count(m), 3);
	assert_string_equal(msg_attachment(m, 0)->filename, "passwd");
	assert_string_equal(msg_attachment(m, 1)->filename, "evil.exe");
	assert_string_equal(msg_attachment(m, 2)->filename, "boot.ini");
	msg_free(&m);
	/* a right-to-left override would show this as "invoiceexe.pdf" */
	char *name = mime_sanitize_filename("invoice\xe2\x80\xae" "fdp.exe");
	assert_string_equal(name, "invoicefdp.exe");
	g_free(name);
	name = mime_sanitize_filename("\xe2\x81\xa7\xe5\x8f\x91\xe7\xa5\xa8.pdf\xe2\x80\x8e");
	assert_string_equal(name, "\xe5\x8f\x91\xe7\xa5\xa8.pdf");
	g_free(name);

	m = parse_file("hostile", "nul_in_body.eml");
	assert_string_equal(msg_text(m), "beforeafterend");
	msg_free(&m);
	m = parse_file("hostile", "nul_in_header.eml");
	assert_string_equal(msg_subject(m), "nulinsubject");
	msg_free(&m);

	m = parse_file("hostile", "missing_final_boundary.eml");
	assert_non_null(strstr(msg_text(m), "no end boundary here"));
	msg_free(&m);
	m = parse_file("hostile", "header_without_colon.eml");
	assert_string_equal(msg_subject(m), "x");
	assert_string_equal(msg_text(m), "body");
	msg_free(&m);

	m = parse_file("hostile", "many_parts_600.eml");
	assert_int_equal(msg_attachment_count(m), 50);
	assert_true(msg_flags(m) & MSG_F_TRUNCATED);
	msg_free(&m);

	m = parse_file("hostile", "overlong_header.eml");
	assert_true(strlen(msg_header(m, "X-Long")) <= 64 * 1024);
	msg_free(&m);

	/* a sender cannot plant our bounce headers */
	m = parse_file("hostile", "forged_bounce_header.eml");
	assert_null(msg_header(m, "X-Complaintd-Bounce-Recipient"));
	assert_null(msg_header(m, "X-Complaintd-Bounce-Status"));
	msg_free(&m);

	m = parse_file("hostile", "bad_winmail.eml"); /* kept as it came */
	assert_int_equal(msg_attachment_count(m), 1);
	assert_string_equal(msg_attachment(m, 0)->filename, "winmail.dat");
	msg_free(&m);

	/* an attachment title before any attachment opens: libytnef files it
	 * under its list head, which TNEFFree skips (LeakSanitizer checks) */
	m = parse_file("hostile", "tnef_stray_title.eml");
	assert_int_equal(msg_attachment_count(m), 1);
	assert_string_equal(msg_attachment(m, 0)->filename, "real.txt");
	msg_free(&m);

	/* an empty title, a wrong checksum: kept whole */
	static const char *const kept[] = { "tnef_empty_attr.eml", "tnef_bad_checksum.eml" };
	for (size_t i = 0; i < G_N_ELEMENTS(kept); i++) {
		m = parse_file("hostile", kept[i]);
		assert_int_equal(msg_attachment_count(m), 1);
		assert_string_equal(msg_attachment(m, 0)->filename, "winmail.dat");
		msg_free(&m);
	}
}

/* ---- generated at test time ---------------------------------------------------------- */

static void test_ten_megabyte_line(void **state)
{
	size_t n = 10 * 1024 * 1024;
	GString *s = g_string_new("From: a@example.com\nSubject: big\nX-Big: ");
	for (size_t i = 0; i < n / 2; i++)
		g_string_append_c(s, 'h');
	g_string_append(s, "\n\n");
	for (size_t i = 0; i < n; i++)
		g_string_append_c(s, (char)('a' + i % 26));
	g_string_append(s, "\n");
	struct message *m = mime_parse(s->str, s->len, NULL);
	assert_sane(m);
	assert_string_equal(msg_subject(m), "big");
	assert_true(msg_flags(m) & MSG_F_TRUNCATED); /* the header was cut */
	assert_true(strlen(msg_text(m)) >= n);
	assert_int_equal(g_bytes_get_size(msg_raw(m)), s->len);
	msg_free(&m);
	g_string_free(s, TRUE);
}

/* The archive copy a parsed message keeps is the mail's size, not the
 * next power of two: a batch holds hundreds of them, a big mail one. */
static void test_raw_copy_exact(void **state)
{
	static const size_t sizes[] = { 4100, 3047, (1u << 20) + 1 };
	for (size_t k = 0; k < G_N_ELEMENTS(sizes); k++) {
		GString *s = g_string_new("From: a@example.com\nSubject: size\n\n");
		while (s->len < sizes[k] - 1)
			g_string_append_c(s, (char)('a' + s->len % 26));
		g_string_append_c(s, '\n');
		struct message *m = mime_parse(s->str, s->len, NULL);
		gsize len;
		const void *raw = g_bytes_get_data(msg_raw(m), &len);
		assert_int_equal(len, sizes[k]);
		assert_memory_equal(raw, s->str, len);
		/* a heap chunk is rounded up by a few bytes; a big one that malloc
		 * maps on its own (without ASan), to a page */
		size_t slack = len < (128u << 10) ? 64 : 4096 + 64;
		assert_true(malloc_usable_size((void *)raw) < len + slack);
		assert_string_equal(msg_subject(m), "size");
		msg_free(&m);
		g_string_free(s, TRUE);
	}
}

static void test_many_headers_and_recipients(void **state)
{
	GString *s = g_string_new("From: a@example.com\n");
	for (int i = 0; i < 300; i++) {
		g_string_append(s, "Cc: ");
		for (int k = 0; k < 20; k++)
			g_string_append_printf(s, "%su%d.%d@example.com", k ? ", " : "", i, k);
		g_string_append_c(s, '\n');
	}
	for (int i = 0; i < 3000; i++)
		g_string_append_printf(s, "X-H%d: v\n", i);
	g_string_append(s, "\nbody\n");
	struct message *m = mime_parse(s->str, s->len, NULL);
	assert_true(msg_flags(m) & MSG_F_TRUNCATED);
	assert_true(msg_header_count(m) <= 1000);
	assert_true(msg_recipient_count(m) <= 1000);
	assert_true(msg_recipient_count(m) >= 500);
	assert_string_equal(msg_text(m), "body");
	msg_free(&m);
	g_string_free(s, TRUE);
}

static void test_limits(void **state)
{
	struct mime_limits lim;
	mime_limits_default(&lim);
	assert_int_equal(lim.max_message_size, 25u * 1024 * 1024);
	assert_int_equal(lim.max_depth, 20);
	assert_int_equal(lim.max_parts, 500);
	assert_int_equal(lim.max_attachments, 50);
	assert_int_equal(lim.max_attachment_size, 20u * 1024 * 1024);
	assert_int_equal(lim.max_header_len, 64 * 1024);

	gsize len;
	char *data = load("mail", "sp_winmail.eml", &len);
	lim.max_attachments = 1;
	struct message *m = mime_parse(data, len, &lim);
	assert_int_equal(msg_attachment_count(m), 1);
	assert_true(msg_flags(m) & MSG_F_TRUNCATED);
	msg_free(&m);
	mime_limits_default(&lim);
	lim.max_attachment_size = 10;
	m = mime_parse(data, len, &lim);
	assert_int_equal(msg_attachment_count(m), 0);
	assert_true(msg_flags(m) & MSG_F_TRUNCATED);
	msg_free(&m);
	mime_limits_default(&lim);
	lim.max_message_size = 200; /* cut inside the headers' tail */
	m = mime_parse(data, len, &lim);
	assert_true(msg_flags(m) & MSG_F_TRUNCATED);
	assert_int_equal(g_bytes_get_size(msg_raw(m)), len); /* raw kept whole */
	assert_sane(m);
	msg_free(&m);
	g_free(data);

	m = mime_parse(NULL, 0, NULL);
	assert_true(msg_flags(m) & MSG_F_PARSE_ERROR);
	msg_free(&m);
}

static bool any_note(const struct message *m, const char *part)
{
	for (unsigned i = 0; i < msg_note_count(m); i++)
		if (strstr(msg_note(m, i), part))
			return true;
	return false;
}

/* The first part of a bigger mail (head_only): the text and sender as
 * usual, no attachment, and no note or parse error for the cut end or the
 * attachments left out; the same bytes parsed as a whole mail say both. */
static void test_head_only(void **state)
{
	(void)state;
	GString *s = g_string_new("From: Wang <wang@mail.example>\r\nSubject: leak\r\n"
				  "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
				  "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
				  "The kettle leaks.\r\n--b\r\nContent-Type: image/jpeg\r\n"
				  "Content-Disposition: attachment; filename=a.jpg\r\n"
				  "Content-Transfer-Encoding: base64\r\n\r\n");
	for (int i = 0; i < 200; i++)
		g_string_append(s, "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////\r\n");
	struct mime_limits lim;
	mime_limits_default(&lim);
	lim.max_attachments = 0;
	struct message *whole = mime_parse(s->str, s->len, &lim);
	assert_true(any_note(whole, "parser: truncated message"));
	assert_true(any_note(whole, "limit reached: attachment count"));
	assert_true(msg_flags(whole) & MSG_F_PARSE_ERROR);
	msg_free(&whole);
	mime_limits_default(&lim);
	lim.head_only = true;
	struct message *m = mime_parse(s->str, s->len, &lim);
	assert_string_equal(msg_from_addr(m), "wang@mail.example");
	assert_non_null(strstr(msg_text(m), "The kettle leaks."));
	assert_int_equal(msg_attachment_count(m), 0);
	assert_int_equal(msg_note_count(m), 0);
	assert_false(msg_flags(m) & MSG_F_PARSE_ERROR);
	msg_free(&m);
	g_string_free(s, TRUE);
}

/* ---- RFC 2047 ------------------------------------------------------------------------ */

static void check_decode(const char *raw, const char *fallback, const char *want)
{
	char *got = mime_decode_header(raw, fallback);
	if (strcmp(got, want) != 0)
		fail_msg("decode [%s] -> [%s], want [%s]", raw, got, want);
	g_free(got);
}

static void test_decode_header(void **state)
{
	check_decode("plain text", NULL, "plain text");
	check_decode("=?utf-8?Q?a_b=20c?=", NULL, "a b c");
	check_decode("=?UTF-8?B?5Lit5paH?=", NULL, "中文");
	check_decode("=?utf-8?B?5Lit?= =?utf-8?B?5paH?=", NULL, "中文");
	check_decode("=?utf-8?B?5Lit?=\r\n =?utf-8?B?5paH?=", NULL, "中文");
	check_decode("Re: =?utf-8?B?5Lit?= x", NULL, "Re: 中 x");
	check_decode("=?utf-8?B?5Lit?= and =?utf-8?B?5paH?=", NULL, "中 and 文");
	/* a character split across two words: bytes joined before conversion */
	check_decode("=?utf-8?B?5L?= =?utf-8?B?it?=", NULL, "中");
	check_decode("=?utf-8?Q?=E4=B8?= =?utf-8?Q?=AD?=", NULL, "中");
	/* mixed charsets in one header */
	check_decode("=?gbk?B?1tA=?= =?big5?B?pOU=?=", NULL, "中文");
	check_decode("=?utf-8*zh?B?5Lit?=", NULL, "中");
	check_decode("=?iso-8859-1?Q?caf=E9?=", NULL, "café");
	check_decode("=?iso-8859-1?Q?=93quoted=94?=", NULL, "\u201cquoted\u201d");
	/* raw 8-bit with and without a fallback */
	check_decode("\xd6\xd0\xce\xc4\xd3\xca\xbc\xfe", "gbk", "中文邮件");
	check_decode("\xd6\xd0\xce\xc4\xd3\xca\xbc\xfe", NULL, "中文邮件");
	/* malformed words stay as text; never garbage */
	check_decode("=?utf-8?B?", NULL, "=?utf-8?B?");
	check_decode("=?utf-8?X?abc?=", NULL, "=?utf-8?X?abc?=");
	check_decode("a\tb\x01" "c", NULL, "a b c");
	char *g = mime_decode_header("=?no-such?B?/////w==?= \xff\xfe", NULL);
	assert_true(g_utf8_validate(g, -1, NULL));
	g_free(g);
}

/* The gmime 3.2.13 bug: adjacent base64 words where one ends in '=' padding
 * truncate the subject. 2,000 random GBK subjects, split at random byte
 * offsets (also inside a two-byte character) into 2-6 words. */
static void test_gbk_split_subjects(void **state)
{
	GRand *r = g_rand_new_with_seed(20250401);
	unsigned ours_bad = 0, gmime_bad = 0, padded = 0, split_char = 0;
	for (int n = 0; n < 2000; n++) {
		GByteArray *gbk = g_byte_array_new();
		int chars = g_rand_int_range(r, 4, 30);
		for (int i = 0; i < chars; i++) {
			guint8 ch[2] = { (guint8)g_rand_int_range(r, 0xB0, 0xD7),
					 (guint8)g_rand_int_range(r, 0xA1, 0xFF) };
			if (g_rand_int_range(r, 0, 8) == 0) { /* some ASCII too */
				ch[0] = (guint8)g_rand_int_range(r, 'a', 'z' + 1);
				g_byte_array_append(gbk, ch, 1);
			} else {
				g_byte_array_append(gbk, ch, 2);
			}
		}
		char *want = g_convert((const char *)gbk->data, gbk->len, "UTF-8", "GB18030",
				       NULL, NULL, NULL);
		assert_non_null(want);
		GString *hdr = g_string_new(NULL);
		int words = g_rand_int_range(r, 2, 7);
		guint pos = 0;
		for (int w = 0; w < words && pos < gbk->len; w++) {
			guint take = w == words - 1 ? gbk->len - pos
				: (guint)g_rand_int_range(r, 1, (gint)MAX(2u, (gbk->len - pos) / 2 + 1));
			take = MIN(take, gbk->len - pos);
			char *b = g_base64_encode(gbk->data + pos, take);
			padded += strchr(b, '=') != NULL;
			split_char += pos + take < gbk->len && (gbk->data[pos + take - 1] & 0x80);
			const char *sep = w == 0 ? "" : (g_rand_boolean(r) ? " " : "\r\n ");
			g_string_append_printf(hdr, "%s=?%s?B?%s?=", sep,
					       n % 2 ? "GBK" : "gbk", b);
			g_free(b);
			pos += take;
		}
		if (pos < gbk->len) { /* words ran out: the rest in one last word */
			char *b = g_base64_encode(gbk->data + pos, gbk->len - pos);
			g_string_append_printf(hdr, " =?%s?B?%s?=", n % 2 ? "GBK" : "gbk", b);
			g_free(b);
		}
		char *got = mime_decode_header(hdr->str, NULL);
		if (strcmp(got, want) != 0)
			ours_bad++;
		char *gm = g_mime_utils_header_decode_text(NULL, hdr->str);
		if (!gm || strcmp(gm, want) != 0)
			gmime_bad++;
		g_free(gm);
		if (n < 200) { /* and through the whole parser */
			char *mail = g_strdup_printf("From: a@example.com\nSubject: %s\n\nx\n", hdr->str);
			struct message *m = mime_parse(mail, strlen(mail), NULL);
			if (strcmp(msg_subject(m), want) != 0)
				ours_bad++;
			msg_free(&m);
			g_free(mail);
		}
		g_free(got);
		g_free(want);
		g_string_free(hdr, TRUE);
		g_byte_array_unref(gbk);
	}
	print_message("gbk subjects: ours wrong %u/2200, gmime's own decoder wrong %u/2000 "
		      "(%u words padded, %u characters split)\n", ours_bad,
		      gmime_bad, padded, split_char);
	assert_true(padded > 500);
	assert_true(split_char > 500);
	assert_int_equal(ours_bad, 0);
	g_rand_free(r);
}

/* ---- threads and speed ------------------------------------------------------------------ */

static gpointer parse_all(gpointer data)
{
	GPtrArray *names = data;
	for (int round = 0; round < 3; round++)
		for (unsigned i = 0; i < names->len; i++) {
			struct message *m = parse_file("mail", g_ptr_array_index(names, i));
			msg_free(&m);
		}
	return NULL;
}

static void test_threads(void **state)
{
	GPtrArray *names = list_dir("mail");
	GThread *t[4];
	for (int i = 0; i < 4; i++)
		t[i] = g_thread_new("parse", parse_all, names);
	for (int i = 0; i < 4; i++)
		g_thread_join(t[i]);
	g_ptr_array_unref(names);
}

/* Not a timed test (sanitizers make it slow): prints the figure only. */
static void test_speed_report(void **state)
{
	gsize len;
	char *data = load("mail", "zh_quality_smell.eml", &len); /* GBK alternative */
	int n = 2000;
	gint64 t0 = g_get_monotonic_time();
	for (int i = 0; i < n; i++) {
		struct message *m = mime_parse(data, len, NULL);
		msg_free(&m);
	}
	gint64 us = g_get_monotonic_time() - t0;
	print_message("mime_parse: %.1f us per %zu-byte mail (this build)\n",
		      (double)us / n, (size_t)len);
	g_free(data);
}

/* json.h has no test file of its own yet: its writer is checked here. */
static void test_json_writer(void **state)
{
	GString *out = g_string_new(NULL);
	struct json *j = json_new(out);
	json_object_begin(j);
	json_kv_string(j, "s", "q\"b\\n\nt\tc\x01\x7f \u2028 中");
	json_kv_string(j, "bad", "a\xff\xc3" "b");
	json_kv_string(j, "null", NULL);
	json_kv_int(j, "i", -42);
	json_kv_bool(j, "t", true);
	json_key(j, "a");
	json_array_begin(j);
	json_uint(j, 18446744073709551615ull);
	json_double(j, 1.5);
	json_double(j, 0.0 / 0.0);
	json_array_begin(j);
	json_array_end(j);
	json_object_begin(j);
	json_object_end(j);
	json_null(j);
	json_array_end(j);
	json_object_end(j);
	json_free(&j);
	assert_null(j);
	assert_string_equal(out->str,
		"{\"s\":\"q\\\"b\\\\n\\nt\\tc\\u0001\\u007f \\u2028 中\","
		"\"bad\":\"a\xEF\xBF\xBD\xEF\xBF\xBD" "b\",\"null\":null,\"i\":-42,\"t\":true,"
		"\"a\":[18446744073709551615,1.5,null,[],{},null]}");
	assert_json(out->str);
	g_string_free(out, TRUE);
}

/* test_subject_says_away - out-of-office subjects without headers saying
 * so (Lotus Notes, hand-made rules) against a person's answer, which keeps
 * the reply prefix whatever words the complaint's subject holds. */
static void test_subject_says_away(void **state)
{
	(void)state;
	static const char *const away[] = {
		"张工 is out of the office.", "Out of Office: new complaint", "休假中：新投诉",
		"On leave until 12 December", "Vacation", "我不在办公室", "外出中，请联系李工",
	};
	static const char *const answers[] = {
		"Re: [CMP-20261207-0001] 休假期间快递丢失", "回复: [CMP-1] 外出时水管爆了",
		"回复：我外出了三天", "RE : out of office again?", "Aw: Vacation order lost",
		"答复: 休假", "  re:vacation", "[CMP-1] 底座漏水", "", "Re", "回复",
		"Re[2]: 休假期间的订单", "RE^3: on leave again", "回复： 外出",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(away); i++)
		if (!mime_subject_says_away(away[i]))
			fail_msg("not taken for away: %s", away[i]);
	for (size_t i = 0; i < G_N_ELEMENTS(answers); i++)
		if (mime_subject_says_away(answers[i]))
			fail_msg("taken for away: %s", answers[i]);
	assert_false(mime_subject_says_away(NULL));
}

int main(void)
{
	mime_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_writer),
		cmocka_unit_test(test_decode_header),
		cmocka_unit_test(test_gbk_split_subjects),
		cmocka_unit_test(test_all_samples),
		cmocka_unit_test(test_expected_fields),
		cmocka_unit_test(test_html_only_drops_markup),
		cmocka_unit_test(test_bounce_details),
		cmocka_unit_test(test_machine_notices),
		cmocka_unit_test(test_sender_kinds),
		cmocka_unit_test(test_threading_fields),
		cmocka_unit_test(test_attachments),
		cmocka_unit_test(test_forwarded_attachment),
		cmocka_unit_test(test_all_hostile),
		cmocka_unit_test(test_hostile_flags),
		cmocka_unit_test(test_hostile_content),
		cmocka_unit_test(test_ten_megabyte_line),
		cmocka_unit_test(test_raw_copy_exact),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_head_only),
		cmocka_unit_test(test_many_headers_and_recipients),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_subject_says_away),
		cmocka_unit_test(test_speed_report),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
