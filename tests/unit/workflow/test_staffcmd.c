/* test_staffcmd - commands at the top of staff replies: every command,
 * every error, full-width forms, '#' in the text, notes, duplicates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <glib.h>

#include "workflow/staffcmd.h"

static const char *arg_of(const struct staffcmd_result *r, enum staffcmd_kind k)
{
	const struct staffcmd *c = staffcmd_find(r, k);
	return c ? c->arg : NULL;
}

/* ok - fresh parses without errors and leaves text. */
static void ok(const char *fresh, struct staffcmd_result *r, const char *text)
{
	int n = staffcmd_parse(fresh, r);
	if (n != 0)
		fail_msg("[%s]: %d errors, first: %s", fresh, n, r->errors[0]);
	assert_int_equal(r->n_errors, 0);
	assert_null(r->errors[0]);
	assert_string_equal(r->text, text);
}

/* bad - fresh has exactly one error, containing each of the NULL-ended
 * fragments. */
static void bad(const char *fresh, ...)
{
	struct staffcmd_result r;
	int n = staffcmd_parse(fresh, &r);
	if (n != 1)
		fail_msg("[%s]: %d errors, want 1", fresh, n);
	assert_int_equal(r.n_errors, 1);
	assert_non_null(r.errors[0]);
	assert_null(r.errors[1]);
	va_list ap;
	va_start(ap, fresh);
	const char *frag;
	while ((frag = va_arg(ap, const char *)))
		if (!strstr(r.errors[0], frag))
			fail_msg("[%s]: error \"%s\" lacks \"%s\"", fresh, r.errors[0], frag);
	va_end(ap);
	staffcmd_result_clear(&r);
}

static void test_every_command(void **state)
{
	struct staffcmd_result r;
	ok("#status resolved\n#severity b\n#category Price\n#assign li.na@shop.example.com\n"
	   "\nDear customer, the refund is on its way.", &r,
	   "Dear customer, the refund is on its way.");
	assert_int_equal(r.n_cmds, 4);
	assert_false(r.note);
	assert_string_equal(arg_of(&r, STAFFCMD_STATUS), "resolved");
	assert_string_equal(arg_of(&r, STAFFCMD_SEVERITY), "B");
	assert_string_equal(arg_of(&r, STAFFCMD_CATEGORY), "price");
	assert_string_equal(arg_of(&r, STAFFCMD_ASSIGN), "li.na@shop.example.com");
	assert_null(arg_of(&r, STAFFCMD_NOTE));
	/* in the order given, with their lines */
	assert_int_equal(r.cmds[0].kind, STAFFCMD_STATUS);
	assert_int_equal(r.cmds[0].line, 1);
	assert_int_equal(r.cmds[3].kind, STAFFCMD_ASSIGN);
	assert_int_equal(r.cmds[3].line, 4);
	staffcmd_result_clear(&r);
	staffcmd_result_clear(&r); /* twice is harmless */

	static const char *const statuses[][2] = {
		{ "in_progress", "in_progress" }, { "in-progress", "in_progress" },
		{ "IN_PROGRESS", "in_progress" }, { "Resolved", "resolved" }, { "closed", "closed" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(statuses); i++) {
		char *f = g_strdup_printf("#status %s\ntext", statuses[i][0]);
		ok(f, &r, "text");
		assert_string_equal(arg_of(&r, STAFFCMD_STATUS), statuses[i][1]);
		staffcmd_result_clear(&r);
		g_free(f);
	}
	static const char *const sevs[] = { "a", "A", "b", "B", "c", "C" };
	for (size_t i = 0; i < G_N_ELEMENTS(sevs); i++) {
		char *f = g_strdup_printf("#severity %s", sevs[i]);
		ok(f, &r, "");
		char want[2] = { g_ascii_toupper(sevs[i][0]), 0 };
		assert_string_equal(arg_of(&r, STAFFCMD_SEVERITY), want);
		staffcmd_result_clear(&r);
		g_free(f);
	}
	static const char *const cats[] = { "quality", "service", "price", "infringement", "other" };
	for (size_t i = 0; i < G_N_ELEMENTS(cats); i++) {
		char *up = g_ascii_strup(cats[i], -1);
		char *f = g_strdup_printf("#category %s", up);
		ok(f, &r, "");
		assert_string_equal(arg_of(&r, STAFFCMD_CATEGORY), cats[i]);
		staffcmd_result_clear(&r);
		g_free(f);
		g_free(up);
	}
}

static void test_forms(void **state)
{
	struct staffcmd_result r;
	/* colon, case, white space, CRLF */
	ok("#Status: resolved\r\n#SEVERITY:A\r\n\t#category :  quality  \r\n\r\ntext\r\n", &r,
	   "text\r\n");
	assert_string_equal(arg_of(&r, STAFFCMD_STATUS), "resolved");
	assert_string_equal(arg_of(&r, STAFFCMD_SEVERITY), "A");
	assert_string_equal(arg_of(&r, STAFFCMD_CATEGORY), "quality");
	staffcmd_result_clear(&r);
	/* full-width '＃', '：' and ideographic space from a Chinese IME */
	ok("＃status：resolved\n＃severity\xE3\x80\x80" "B\xE3\x80\x80\n\n您好，退款已到账。", &r,
	   "您好，退款已到账。");
	assert_string_equal(arg_of(&r, STAFFCMD_STATUS), "resolved");
	assert_string_equal(arg_of(&r, STAFFCMD_SEVERITY), "B");
	staffcmd_result_clear(&r);
	/* leading blank lines and a byte-order mark */
	ok("\xEF\xBB\xBF\n\n  #status closed\n\n\nthanks", &r, "thanks");
	assert_int_equal(r.cmds[0].line, 3);
	staffcmd_result_clear(&r);
	/* no commands: the text is fresh without its leading blank lines */
	ok("\n\nDear customer,\n\nsorry.", &r, "Dear customer,\n\nsorry.");
	assert_int_equal(r.n_cmds, 0);
	staffcmd_result_clear(&r);
	ok("", &r, "");
	staffcmd_result_clear(&r);
	ok(NULL, &r, "");
	staffcmd_result_clear(&r);
	/* only commands */
	ok("#status resolved\n", &r, "");
	staffcmd_result_clear(&r);
}

static void test_hash_in_text(void **state)
{
	struct staffcmd_result r;
	ok("Your order #123 was shipped.\n#status resolved", &r,
	   "Your order #123 was shipped.\n#status resolved");
	assert_int_equal(r.n_cmds, 0);
	staffcmd_result_clear(&r);
	ok("#status resolved\nYour order\n#123 was shipped.", &r, "Your order\n#123 was shipped.");
	assert_int_equal(r.n_cmds, 1);
	staffcmd_result_clear(&r);
	ok("订单＃123 已发货", &r, "订单＃123 已发货");
	staffcmd_result_clear(&r);
}

static void test_note(void **state)
{
	struct staffcmd_result r;
	ok("#note\nCustomer called, she accepts a voucher.", &r,
	   "Customer called, she accepts a voucher.");
	assert_true(r.note);
	assert_string_equal(arg_of(&r, STAFFCMD_NOTE), "");
	staffcmd_result_clear(&r);

	ok("#note  called the customer  \n#status in_progress\n\nShe will send photos.", &r,
	   "called the customer\nShe will send photos.");
	assert_true(r.note);
	assert_string_equal(arg_of(&r, STAFFCMD_NOTE), "called the customer");
	assert_string_equal(arg_of(&r, STAFFCMD_STATUS), "in_progress");
	staffcmd_result_clear(&r);

	ok("#NOTE: 已电话联系客户", &r, "已电话联系客户");
	assert_true(r.note);
	staffcmd_result_clear(&r);

	ok("＃note：内部备注\n\n客户要求上门取件。", &r, "内部备注\n客户要求上门取件。");
	staffcmd_result_clear(&r);

	ok("#note", &r, "");
	assert_true(r.note);
	staffcmd_result_clear(&r);

	/* a note survives errors elsewhere, so the caller never relays it */
	assert_int_equal(staffcmd_parse("#note\n#status maybe\ninternal", &r), 1);
	assert_true(r.note);
	assert_string_equal(r.text, "internal");
	staffcmd_result_clear(&r);
}

static void test_errors(void **state)
{
	static const char *const known = "#status, #severity, #category, #assign, #note";
	bad("#stat resolved", "line 1", "unknown command \"#stat\"", known, NULL);
	bad("#123 is the order number", "line 1", "\"#123\"", known, NULL);
	bad("# Summary", "line 1", "without a command name", known, NULL);
	bad("#", "without a command name", NULL);
	bad("#: x", "without a command name", NULL);
	bad("\n#status resolved\n#closed", "line 3", "\"#closed\"", NULL);

	bad("#status", "line 1", "#status needs a value", "in_progress, resolved or closed", NULL);
	bad("#status:   ", "#status needs a value", NULL);
	bad("#status done", "#status \"done\" is not allowed", "in_progress, resolved or closed",
	    NULL);
	bad("#status in progress", "\"in progress\" is not allowed", NULL);
	bad("#status resolved now", "\"resolved now\"", NULL);
	bad("#severity", "#severity needs a value", "A, B or C", NULL);
	bad("#severity D", "#severity \"D\" is not allowed", "A, B or C", NULL);
	bad("#severity AB", "\"AB\"", NULL);
	bad("#category", "#category needs a value",
	    "quality, service, price, infringement or other", NULL);
	bad("#category 质量", "#category \"质量\" is not allowed", NULL);
	bad("#assign", "#assign needs an address", "name@example.com", NULL);
	bad("#assign li.na", "\"li.na\" is not a plain e-mail address", NULL);
	bad("#assign Li Na <li.na@shop.example.com>", "not a plain e-mail address", NULL);
	bad("#assign <li.na@shop.example.com>", "not a plain e-mail address", NULL);
	bad("#assign li.na@localhost", "not a plain e-mail address", NULL);
	bad("#assign @shop.example.com", "not a plain e-mail address", NULL);
	bad("#assign a@b@shop.example.com", "not a plain e-mail address", NULL);
	bad("#assign li na@shop.example.com", "not a plain e-mail address", NULL);
	bad("#assign li.na@shop..example.com", "not a plain e-mail address", NULL);

	/* duplicates: the first counts, the second is the error */
	bad("#status resolved\n#status closed", "line 2", "#status given twice",
	    "first on line 1", NULL);
	bad("#severity A\n\n#Severity: a", "line 3", "#severity given twice", NULL);
	bad("#note a\n#note b", "#note given twice", NULL);

	/* a wrong first value still counts as the first: fix it, do not add one */
	struct staffcmd_result r;
	assert_int_equal(staffcmd_parse("#status wrong\n#status resolved", &r), 2);
	assert_non_null(strstr(r.errors[1], "given twice"));
	assert_int_equal(r.n_cmds, 0);
	staffcmd_result_clear(&r);

	assert_int_equal(staffcmd_parse("#status resolved\n#status closed\ntext", &r), 1);
	assert_string_equal(arg_of(&r, STAFFCMD_STATUS), "resolved");
	assert_int_equal(r.n_cmds, 1);
	assert_string_equal(r.text, "text");
	staffcmd_result_clear(&r);

	/* several errors, each with its line; good commands are still listed */
	assert_int_equal(staffcmd_parse("#status x\n#severity A\n#foo\n#assign nobody\nhi", &r), 3);
	assert_true(g_str_has_prefix(r.errors[0], "line 1: "));
	assert_true(g_str_has_prefix(r.errors[1], "line 3: "));
	assert_true(g_str_has_prefix(r.errors[2], "line 4: "));
	assert_null(r.errors[3]);
	assert_int_equal(r.n_cmds, 1);
	assert_string_equal(r.text, "hi");
	staffcmd_result_clear(&r);
}

static void test_hostile(void **state)
{
	struct staffcmd_result r;
	/* many errors: the list stops, with a last entry saying so */
	GString *s = g_string_new(NULL);
	for (int i = 0; i < 1000; i++)
		g_string_append(s, "#bogus\n");
	g_string_append(s, "text");
	assert_int_equal(staffcmd_parse(s->str, &r), STAFFCMD_MAX_ERRORS + 1);
	assert_non_null(strstr(r.errors[STAFFCMD_MAX_ERRORS], "more than"));
	assert_null(r.errors[STAFFCMD_MAX_ERRORS + 1]);
	assert_string_equal(r.text, "text");
	staffcmd_result_clear(&r);
	/* what is quoted back is short, valid UTF-8 and has no controls */
	g_string_assign(s, "#status ");
	for (int i = 0; i < 100; i++)
		g_string_append(s, "长");
	g_string_append(s, "\x01\xff");
	assert_int_equal(staffcmd_parse(s->str, &r), 1);
	assert_true(g_utf8_validate(r.errors[0], -1, NULL));
	assert_true(strlen(r.errors[0]) < 250);
	assert_null(strchr(r.errors[0], '\x01'));
	staffcmd_result_clear(&r);
	g_string_assign(s, "#\x1b[31mred\x7f");
	assert_int_equal(staffcmd_parse(s->str, &r), 1);
	assert_null(strchr(r.errors[0], '\x1b'));
	assert_null(strchr(r.errors[0], '\x7f'));
	staffcmd_result_clear(&r);
	/* a truncated full-width sign is no command */
	ok("\xEF\xBC", &r, "\xEF\xBC");
	staffcmd_result_clear(&r);
	g_string_free(s, TRUE);
	assert_string_equal(staffcmd_kind_name(STAFFCMD_ASSIGN), "assign");
	assert_string_equal(staffcmd_kind_name(STAFFCMD_N_KINDS), "?");
}

/* zh_errors - fresh parsed for a Chinese staff mail: n errors, each
 * "第 N 行：" and free of the English wording; the first holds frag. */
static void zh_errors(const char *fresh, int n, const char *frag)
{
	static const char *const english[] = { "line", "needs", "not allowed", "unknown",
					       "given twice", "known commands", "more than",
					       " use ", " or ", "plain e-mail", NULL };
	struct staffcmd_result r;
	assert_int_equal(staffcmd_parse_lang(fresh, "zh", &r), n);
	for (int i = 0; i < n; i++) {
		if (!g_str_has_prefix(r.errors[i], "第 ") &&
		    !g_str_has_prefix(r.errors[i], "错误超过"))
			fail_msg("[%s]: error \"%s\" is not numbered in Chinese", fresh,
				 r.errors[i]);
		for (const char *const *w = english; *w; w++)
			if (strstr(r.errors[i], *w))
				fail_msg("[%s]: error \"%s\" holds \"%s\"", fresh, r.errors[i], *w);
		assert_true(g_utf8_validate(r.errors[i], -1, NULL));
	}
	if (frag && !strstr(r.errors[0], frag))
		fail_msg("[%s]: error \"%s\" lacks \"%s\"", fresh, r.errors[0], frag);
	assert_null(r.errors[n]);
	staffcmd_result_clear(&r);
}

static void test_errors_in_chinese(void **state)
{
	zh_errors("#stat resolved", 1, "第 1 行：没有“#stat”这个命令；可用的命令：#status、");
	zh_errors("# Summary", 1, "“#”后面没有命令名");
	zh_errors("#status", 1, "#status 需要一个值：in_progress（处理中）、resolved（已解决）");
	zh_errors("\n#status done", 1, "第 2 行：#status 不能是“done”，可用的值：");
	zh_errors("#severity D", 1, "A、B 或 C");
	zh_errors("#category food", 1, "quality（产品质量）");
	zh_errors("#assign", 1, "#assign 需要一个邮箱地址");
	zh_errors("#assign 李四 <li@x.example>", 1, "不是单纯的邮箱地址");
	zh_errors("#note\n#note", 1, "第 2 行：#note 写了两次（第一次在第 1 行）");
	zh_errors("#valid maybe", 1, "yes（有效）或 no（无效）");
	zh_errors("#responsible", 1, "#responsible 需要一个值，例如");
	zh_errors("#cause", 1, "#cause 需要一个值");
	zh_errors("#compensation 很多钱", 1, "请先写金额");
	zh_errors("#compensation 200", 1, "金额后需要币种");
	/* the cap on the list, and hostile bytes quoted back, in Chinese too */
	GString *s = g_string_new(NULL);
	for (int i = 0; i < 50; i++)
		g_string_append(s, "#坏\xff\x01\n");
	zh_errors(s->str, STAFFCMD_MAX_ERRORS + 1, NULL);
	g_string_free(s, TRUE);
	/* what is valid stays valid whatever the language */
	struct staffcmd_result r;
	assert_int_equal(staffcmd_parse_lang("#status resolved\n\n好的", "zh", &r), 0);
	assert_string_equal(r.text, "好的");
	staffcmd_result_clear(&r);
	/* any other language is English */
	assert_int_equal(staffcmd_parse_lang("#x", "en", &r), 1);
	assert_true(g_str_has_prefix(r.errors[0], "line 1: unknown command"));
	staffcmd_result_clear(&r);
}

/* the outcome commands: validity, the unit answerable, compensation in
 * its forms, the cause; and their errors */
static void test_outcome(void **state)
{
	struct staffcmd_result r;
	ok("#valid yes\n#responsible  After-sales\u3000Shop 12 \n"
	   "#compensation 1,200.5 usd  new   pair\n#cause glue of batch 2411\nThanks.", &r,
	   "Thanks.");
	assert_int_equal(r.n_cmds, 4);
	assert_string_equal(arg_of(&r, STAFFCMD_VALID), "yes");
	assert_string_equal(arg_of(&r, STAFFCMD_RESPONSIBLE), "After-sales Shop 12");
	const struct staffcmd *c = staffcmd_find(&r, STAFFCMD_COMPENSATION);
	assert_int_equal(c->amount_cents, 120050);
	assert_string_equal(c->currency, "USD");
	assert_string_equal(c->arg, "new pair");
	assert_string_equal(arg_of(&r, STAFFCMD_CAUSE), "glue of batch 2411");
	staffcmd_result_clear(&r);

	static const struct { const char *in, *valid; } valids[] = {
		{ "NO", "no" }, { "有效", "yes" }, { "无效投诉", "no" }, { "Invalid", "no" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(valids); i++) {
		char *f = g_strdup_printf("＃valid：%s", valids[i].in);
		ok(f, &r, "");
		assert_string_equal(arg_of(&r, STAFFCMD_VALID), valids[i].valid);
		staffcmd_result_clear(&r);
		g_free(f);
	}
	static const struct { const char *in; int64_t cents; const char *cur, *text; } money[] = {
		{ "200 CNY", 20000, "CNY", "" },
		{ "200元 退一双鞋的钱", 20000, "CNY", "退一双鞋的钱" },
		{ "¥88.8 运费", 8880, "CNY", "运费" },
		{ "￥ 0 道歉", 0, "CNY", "道歉" },
		{ "300 rmb", 30000, "CNY", "" },
		{ "HKD 50", 5000, "HKD", "" },
		{ "999,999,999.99 TWD", INT64_C(99999999999), "TWD", "" },
		{ "12 人民币 红包", 1200, "CNY", "红包" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(money); i++) {
		char *f = g_strdup_printf("#compensation %s", money[i].in);
		ok(f, &r, "");
		c = staffcmd_find(&r, STAFFCMD_COMPENSATION);
		if (c->amount_cents != money[i].cents || strcmp(c->currency, money[i].cur) ||
		    strcmp(c->arg, money[i].text))
			fail_msg("[%s]: %lld %s [%s]", f, (long long)c->amount_cents, c->currency,
				 c->arg);
		staffcmd_result_clear(&r);
		g_free(f);
	}

	bad("#valid maybe", "#valid", "yes or no", NULL);
	bad("#valid", "needs a value", NULL);
	bad("#responsible", "needs a value", NULL);
	bad("#responsible  \u3000 ", "needs a value", NULL);
	bad("#cause", "needs a value", NULL);
	bad("#compensation", "give the amount first", NULL);
	bad("#compensation CNY", "give the amount first", NULL);
	bad("#compensation some money", "give the amount first", NULL);
	bad("#compensation 200", "needs a currency", NULL);
	bad("#compensation 200 dollars", "needs a currency", NULL);
	bad("#compensation 1.234 CNY", "give the amount first", NULL);
	bad("#compensation 1000000000 CNY", "give the amount first", NULL);
	bad("#compensation 99999999999999999999999 CNY", "give the amount first", NULL);
	bad("#compensation -5 CNY", "give the amount first", NULL);
	bad("#compensation ,5 CNY", "give the amount first", NULL);
	bad("#valid yes\n#valid no", "given twice", NULL);
	GString *s = g_string_new("#responsible ");
	for (int i = 0; i < 101; i++)
		g_string_append(s, "部");
	bad(s->str, "longer than 100", NULL);
	g_string_truncate(s, s->len - 3);
	ok(s->str, &r, "");
	assert_int_equal(g_utf8_strlen(arg_of(&r, STAFFCMD_RESPONSIBLE), -1), 100);
	staffcmd_result_clear(&r);
	/* controls and broken UTF-8 never reach the stored text */
	ok("#cause a\x01b\x1b[31m \xff end", &r, "");
	const char *cause = arg_of(&r, STAFFCMD_CAUSE);
	assert_true(g_utf8_validate(cause, -1, NULL));
	for (const char *q = cause; *q; q++)
		assert_true((guchar)*q >= 0x20 && *q != 0x7f);
	staffcmd_result_clear(&r);
	g_string_free(s, TRUE);
	assert_string_equal(staffcmd_kind_name(STAFFCMD_COMPENSATION), "compensation");
}

/* test_paths - #plan and #report take the reply's text like #note (and
 * are never empty), #approve takes an optional comment, #reject and
 * #escalate a reason; the exclusions; nasty values. */
static void test_paths(void **state)
{
	(void)state;
	struct staffcmd_result r;
	ok("#plan 换新机一台\n补偿运费 20 元。", &r, "换新机一台\n补偿运费 20 元。");
	assert_true(r.internal);
	assert_false(r.note);
	assert_string_equal(arg_of(&r, STAFFCMD_PLAN), "换新机一台");
	staffcmd_result_clear(&r);
	ok("＃Plan：\n\nFirst we replace the kettle.", &r, "First we replace the kettle.");
	assert_true(r.internal);
	assert_string_equal(arg_of(&r, STAFFCMD_PLAN), "");
	staffcmd_result_clear(&r);
	ok("#report 底座密封圈装配不良", &r, "底座密封圈装配不良");
	assert_true(r.internal);
	staffcmd_result_clear(&r);
	ok("#approve\n", &r, "");
	assert_string_equal(arg_of(&r, STAFFCMD_APPROVE), "");
	assert_false(r.internal);
	staffcmd_result_clear(&r);
	ok("#approve  同意，\t尽快办\n\n王女士您好", &r, "王女士您好");
	assert_string_equal(arg_of(&r, STAFFCMD_APPROVE), "同意， 尽快办");
	staffcmd_result_clear(&r);
	ok("#reject: too\x01 costly\n", &r, "");
	assert_string_equal(arg_of(&r, STAFFCMD_REJECT), "too costly");
	staffcmd_result_clear(&r);
	ok("#ESCALATE 客户已向 12315 投诉\nDear customer", &r, "Dear customer");
	assert_string_equal(arg_of(&r, STAFFCMD_ESCALATE), "客户已向 12315 投诉");
	assert_false(r.internal);
	staffcmd_result_clear(&r);

	bad("#plan\n", "#plan is empty", NULL);
	bad("#plan   \n\n   \n", "#plan is empty", NULL);
	bad("#report\n", "#report is empty", "report", NULL);
	bad("#reject\n", "line 1", "#reject needs a value", NULL);
	bad("#escalate\nplease", "#escalate needs a value", NULL);
	bad("#plan a\n#report b\n", "line 2", "#plan and #report in one reply", NULL);
	bad("#note x\n#plan y\n", "#note and #plan", NULL);
	bad("#approve\n#reject no\n", "line 2", "#approve and #reject contradict", NULL);
	bad("#escalate why\n#severity A\n", "#severity and #escalate contradict", NULL);
	bad("#plan a\n#plan b\n", "#plan given twice", NULL);
	GString *big = g_string_new("#reject ");
	for (int i = 0; i < 501; i++)
		g_string_append(big, "长");
	bad(big->str, "#reject is longer than 500 characters", NULL);
	g_string_assign(big, "#approve ");
	for (int i = 0; i < 501; i++)
		g_string_append(big, "x");
	bad(big->str, "#approve comment is longer", NULL);
	g_string_free(big, TRUE);
	/* a control character and invalid UTF-8 in a plan stay out of the
	 * command's own argument */
	assert_int_equal(staffcmd_parse("#plan \x7f\xff plan\n", &r), 0);
	assert_true(g_utf8_validate(arg_of(&r, STAFFCMD_PLAN), -1, NULL));
	assert_null(strchr(arg_of(&r, STAFFCMD_PLAN), 0x7f));
	staffcmd_result_clear(&r);
	zh_errors("#plan\n", 1, "第 1 行：#plan 后面没有内容");
	zh_errors("#approve\n#reject 不行\n", 1, "不能同时使用");
	zh_errors("#escalate\n", 1, "#escalate 需要一个值");
	assert_string_equal(staffcmd_kind_name(STAFFCMD_ESCALATE), "escalate");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_command),
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_hash_in_text),
		cmocka_unit_test(test_note),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_errors_in_chinese),
		cmocka_unit_test(test_outcome),
		cmocka_unit_test(test_paths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
