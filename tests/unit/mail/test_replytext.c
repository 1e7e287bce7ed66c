/* test_replytext - the fresh text of staff replies: every pair
 * tests/data/replies/NAME.txt (the body as a mail client sends it) and
 * NAME.expected (the fresh text, plus one newline unless it is empty),
 * then the corner cases one by one. Data: $COMPLAINTD_TESTDATA or
 * tests/data (from repo root). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <glib.h>

#include "mail/replytext.h"

static const char *datadir(void)
{
	const char *d = g_getenv("COMPLAINTD_TESTDATA");
	return d && *d ? d : "tests/data";
}

static char *load(const char *name, gsize *len)
{
	char *path = g_build_filename(datadir(), "replies", name, NULL);
	char *data = NULL;
	GError *err = NULL;
	if (!g_file_get_contents(path, &data, len, &err))
		fail_msg("cannot read %s: %s", path, err->message);
	g_free(path);
	return data;
}

static void check(const char *body, const char *want)
{
	char *got = replytext_fresh(body, strlen(body));
	if (strcmp(got, want) != 0)
		fail_msg("[%s]\n-> [%s]\nwant [%s]", body, got, want);
	g_free(got);
}

/* ---- every sample reply ------------------------------------------------ */

static void test_samples(void **state)
{
	char *path = g_build_filename(datadir(), "replies", NULL);
	GDir *d = g_dir_open(path, 0, NULL);
	if (!d)
		fail_msg("cannot open %s", path);
	unsigned n = 0, failed = 0;
	const char *name;
	while ((name = g_dir_read_name(d))) {
		if (!g_str_has_suffix(name, ".txt"))
			continue;
		n++;
		gsize len, wlen;
		char *body = load(name, &len);
		char *stem = g_strndup(name, strlen(name) - 4);
		char *ename = g_strconcat(stem, ".expected", NULL);
		char *want = load(ename, &wlen);
		if (wlen && want[wlen - 1] == '\n')
			want[wlen - 1] = '\0';
		char *got = replytext_fresh(body, len);
		if (strcmp(got, want) != 0) {
			print_error("%s:\n--- got\n%s\n--- want\n%s\n---\n", name, got, want);
			failed++;
		}
		assert_true(strlen(got) <= len);
		assert_true(g_utf8_validate(got, -1, NULL));
		g_free(got);
		g_free(want);
		g_free(ename);
		g_free(stem);
		g_free(body);
	}
	g_dir_close(d);
	g_free(path);
	assert_true(n >= 16);
	assert_int_equal(failed, 0);
}

/* ---- separators ---------------------------------------------------------- */

static void test_dash_separators(void **state)
{
	check("ok\n-----Original Message-----\nFrom: a\nrest", "ok");
	check("ok\n----- Original Message -----\nrest", "ok");
	check("ok\n  -----original message-----  \nrest", "ok");
	check("ok\n------------------ Original ------------------\nrest", "ok");
	check("好\n-----原始邮件-----\n发件人: a", "好");
	check("好\n------------------&nbsp;原始邮件&nbsp;------------------\nx", "好");
	check("好\n------------------\xC2\xA0原始邮件\xC2\xA0------------------\nx", "好");
	check("好\n---- 回复的原邮件 ----\nx", "好");
	check("fwd\n---------- Forwarded message ---------\nx", "fwd");
	/* what mime makes of a mail attached to a staff answer: never read
	 * for #commands, never relayed */
	check("ok\n\n---------- Forwarded message ----------\nFrom: c@y.example\n\n#close\n",
	      "ok");
	check("fwd\n-------- 转发的消息 --------\nx", "fwd");
	check("fwd\n\nBegin forwarded message:\n\nx", "fwd");
	/* dashes around anything else are text */
	check("a\n----- Step 2 -----\nb", "a\n----- Step 2 -----\nb");
	check("a\n-Original-\nb", "a\n-Original-\nb");
	check("a\n----------\nb", "a\n----------\nb");
}

static void test_header_blocks(void **state)
{
	check("ok\n\nFrom: Desk <d@shop.example.com>\nSent: Monday\nTo: x\nSubject: y\n\nold",
	      "ok");
	check("ok\nFrom: Desk\nDate: Mon\nSubject: y\nold", "ok");
	check("ok\n*From:* Desk\n*Sent:* Monday\n*To:* x\n*Subject:* y", "ok");
	check("好\n发件人：客服\n发送时间：2026年12月1日\n收件人：李\n主题：投诉", "好");
	check("好\n发件人 : 客服\n时间 : 2026年12月1日\n主题 : 投诉", "好");
	check("好\n寄件者: 客服\n寄件日期: 2026年12月1日\n主旨: 投诉", "好");
	/* the rule above the block goes with it; a rule alone stays */
	check("ok\n\n________________________________\nFrom: a\nSent: b\nTo: c\nSubject: d",
	      "ok");
	check("ok\n________________________________\n\nFrom: a\nSent: b\nTo: c", "ok");
	check("a\n________________________________\nb", "a\n________________________________\nb");
	/* one header-looking line is a sentence */
	check("From: our records, the parcel left on Monday.\nTo: be honest, it is late.",
	      "From: our records, the parcel left on Monday.\nTo: be honest, it is late.");
	check("From: a\nFrom: b\nTo: c", "From: a\nFrom: b\nTo: c");
	/* too far apart to be one block */
	check("From: x\n1\n2\n3\n4\n5\n6\n7\n8\nTo: y\nSubject: z",
	      "From: x\n1\n2\n3\n4\n5\n6\n7\n8\nTo: y\nSubject: z");
}

static void test_attributions(void **state)
{
	check("ok\n\nOn Mon, Nov 30, 2026 at 10:00 AM Desk <d@shop.example.com> wrote:\n\n> q",
	      "ok");
	check("ok\nOn 30 Nov 2026, at 10:00, Desk <d@shop.example.com> wrote:\n> q", "ok");
	check("ok\nOn 11/30/26 10:00, Desk wrote:\n> q", "ok");
	check("ok\nDesk <d@shop.example.com> wrote:\n> q", "ok");
	check("ok\n客服 <d@shop.example.cn> 于2026年11月30日周一 10:00写道：\n> q", "ok");
	check("ok\n2026年11月30日 10:00，客服 <d@shop.example.cn> 写道：\n> q", "ok");
	check("ok\n在 2026/11/30 10:00, 客服 写道:\n> q", "ok");
	check("ok\n在 2026-11-30 10:00:00，\"客服\" <d@example.cn> 写道：\n> q", "ok");
	/* quoted original without '>' (HTML converted) is cut all the same */
	check("ok\nOn 11/30/26 10:00, Desk wrote:\nold text", "ok");
	/* prose */
	check("On Monday the customer wrote:\n\"it is broken\"",
	      "On Monday the customer wrote:\n\"it is broken\"");
	check("He wrote: 3 mails on 2 days.", "He wrote: 3 mails on 2 days.");
	check("他在信里写道：\n“坏了”", "他在信里写道：\n“坏了”");
	check("we only wrote:", "we only wrote:");
	/* wrapped (Gmail) */
	check("ok\nOn Mon, Nov 30, 2026 at 10:00 AM Very Long Name <\nd@shop.example.com> wrote:\n> q",
	      "ok");
	check("ok\n客服 <d@shop.example.cn> 于2026年11月30日周一\n10:00写道：\n> q", "ok");
	/* the line above a one-line attribution is not its first half */
	check("On Monday we called\nOn Mon, Nov 30, 2026 at 10:00 AM X <x@example.com> wrote:\n> q",
	      "On Monday we called");
	check("请看附件 <图1>\n客服 <d@shop.example.cn> 于2026年11月30日周一 10:00写道：\n> q",
	      "请看附件 <图1>");
	/* two lines of prose are no wrapped attribution */
	check("On Monday we refunded 30 yuan and\nthe customer wrote:\n> thanks",
	      "On Monday we refunded 30 yuan and\nthe customer wrote:");
	check("我们于11月30日联系了物流，\n对方写道：\n> 已发出", "我们于11月30日联系了物流，\n对方写道：");
	check("On 3 May we sent it.\nThe courier <c@example.com> wrote: fine",
	      "On 3 May we sent it.\nThe courier <c@example.com> wrote: fine");
	/* a quoted attribution is just a quoted line */
	check("ok\n> On 1/2/26, X wrote:\n> q", "ok");
}

static void test_inline(void **state)
{
	check("On 12/1/26 11:05, Desk wrote:\n> q1\na1\n> q2\na2", "a1\na2");
	check("Hi,\n\nOn 12/1/26 11:05, Desk wrote:\n> q1\n\na1\n\n> q2\n\na2", "Hi,\n\na1\n\na2");
	check("> q1\na1\n\n> q2\n> q3\n\na2\n> tail", "a1\n\na2");
	check("  > indented quote\na", "a");
	/* a top-posted quote followed by the footer or a signature is no inline answer */
	check("a\n\nOn 12/1/26, Desk wrote:\n> q\n\nSent from my iPhone", "a");
	check("a\n\nOn 12/1/26, Desk wrote:\n> q\n-- \nsig", "a");
	check("a\nOn 12/1/26, Desk wrote:\n> q\nOn 11/1/26, X wrote:\n> older", "a");
	/* a separator after inline answers still cuts */
	check("On 12/1/26, Desk wrote:\n> q\na\n-----Original Message-----\nold", "a");
}

/* ---- signatures and footers ------------------------------------------ */

static void test_signatures(void **state)
{
	check("a\n-- \nsig", "a");
	check("a\n--\nsig", "a");
	check("a\n--   \nsig", "a");
	check("-- \nonly a signature", "");
	check("a\n---\nb", "a\n---\nb");
	check("a\n -- \nb", "a\n -- \nb");
	check("a -- b\nc", "a -- b\nc");
}

static void test_footers(void **state)
{
	check("a\n\nSent from my iPhone", "a");
	check("a\n\nSent from my iPad\n\n", "a");
	check("a\nSent from my iPhone.", "a");
	check("a\n\nGet Outlook for iOS<https://aka.ms/o0ukef>", "a");
	check("a\n\nGet Outlook for Android", "a");
	check("a\n\nSent from Mail for Windows 10", "a");
	check("a\n\nSent from Yahoo Mail on Android", "a");
	check("a\n\n发自我的iPhone", "a");
	check("a\n\n发自我的 iPhone", "a");
	check("a\n\n从我的iPhone发送", "a");
	check("a\n\n发自网易邮箱大师", "a");
	check("a\n\n发自我的华为手机", "a");
	check("a\n\n来自我的华为手机", "a");
	check("a\n\nsent from my iphone", "a");
	/* two footers, and a footer before a separator */
	check("a\n\nSent from my iPhone\n\nGet Outlook for iOS", "a");
	check("a\n\n发自我的iPhone\n\n-----原始邮件-----\nx", "a");
	/* in the middle it is text */
	check("Sent from my iPhone\nbut typed on a laptop", "Sent from my iPhone\nbut typed on a laptop");
	check("a\nSent from my iPhone 15 Pro", "a\nSent from my iPhone 15 Pro");
	check("Sent from my iPhone", "");
}

/* ---- line ends, blanks, hostile bytes ------------------------------------ */

static void test_lines(void **state)
{
	check("\r\n\r\na\r\nb\r\n\r\n", "a\nb");
	check("a\r\n-----Original Message-----\r\nx", "a");
	check("a\r\n-- \r\nsig", "a");
	check("\n\n  \n", "");
	check("", "");
	check("   indented first line\nb  ", "   indented first line\nb");
	check("a\n\n\n\nb", "a\n\n\n\nb");
	check("> only\n> quoted\n", "");
	check("a\rb", "a\rb");
}

static void test_hostile(void **state)
{
	char *got = replytext_fresh(NULL, 0);
	assert_string_equal(got, "");
	g_free(got);
	char nul[] = "a\0b\n-- \nsig";
	got = replytext_fresh(nul, sizeof(nul) - 1);
	assert_string_equal(got, "ab");
	g_free(got);
	char bad[] = "ok \xff\xfe\n\xe4\xb8\n-- \n\xff";
	got = replytext_fresh(bad, sizeof(bad) - 1);
	assert_true(g_utf8_validate(got, -1, NULL));
	assert_true(g_str_has_prefix(got, "ok "));
	g_free(got);
	/* truncated UTF-8 at the ends of the space helpers */
	check("\xC2", "\xEF\xBF\xBD");
	check("\xE3\x80", "\xEF\xBF\xBD\xEF\xBF\xBD");
	/* many attributions with quotes in between: linear, cut at the first */
	GString *s = g_string_new("top\n");
	for (int i = 0; i < 50000; i++)
		g_string_append(s, "On 1/1/26, X wrote:\n> q\n");
	got = replytext_fresh(s->str, s->len);
	assert_string_equal(got, "top");
	g_free(got);
	/* a very long line */
	g_string_truncate(s, 0);
	for (int i = 0; i < 200000; i++)
		g_string_append(s, "On 1 ");
	g_string_append(s, "wrote:");
	got = replytext_fresh(s->str, s->len);
	assert_int_equal(strlen(got), s->len);
	g_free(got);
	g_string_free(s, TRUE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_samples),
		cmocka_unit_test(test_dash_separators),
		cmocka_unit_test(test_header_blocks),
		cmocka_unit_test(test_attributions),
		cmocka_unit_test(test_inline),
		cmocka_unit_test(test_signatures),
		cmocka_unit_test(test_footers),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
