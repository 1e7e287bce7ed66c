/* test_default_rules - the shipped rules/ directory against the severity
 * policy (DOMAIN.md, seed 002) and the category cues of issue 9: national
 * and provincial bodies are A, regional bodies and platforms B, ordinary
 * words and negated signals are not, and every A/B verdict names the words
 * that caused it.
 *
 * Each case names the rule that handles it; removing that rule (or, for a
 * false positive, the exception or the lookbehind that guards it) makes the
 * case fail.  Texts are short phrases written for these tests.  Run from the
 * top of the source tree (make unit); COMPLAINTD_SRCDIR overrides that. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include <glib.h>

#include "mail/message.h"
#include "lib/facts.h"
#include "rules/rules.h"
#include "../rules_cache_fixture.h"

static char *src_path(const char *rel)
{
	const char *top = g_getenv("COMPLAINTD_SRCDIR");
	return g_build_filename(top ? top : ".", rel, NULL);
}

static int setup(void **state)
{
	char *dir = src_path("rules");
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	struct rules *r = rules_load_dir(dir, default_limits(), errors, NULL);
	for (unsigned i = 0; i < errors->len; i++)
		print_message("error: %s\n", (char *)g_ptr_array_index(errors, i));
	g_ptr_array_unref(errors);
	g_free(dir);
	*state = r;
	return r ? 0 : -1;
}

static int teardown(void **state)
{
	struct rules *r = *state;
	rules_unref(&r);
	return 0;
}

/* classify - text as the body of a mail without a subject (a subject such
 * as "complaint" would itself count as a weak signal). */
static struct verdict *classify(const struct rules *r, const char *text)
{
	struct message *m = msg_new(MSG_CHANNEL_EMAIL);
	msg_set_text(m, text);
	struct verdict *v = rules_classify(r, m);
	msg_free(&m);
	return v;
}

/* A severity case: text, the expected severity, and for A/B the rule that
 * must fire and a word its recorded match must contain. */
struct sev_case {
	const char *text;
	char severity;
	const char *rule;
	const char *word;
};

static void check_sev(const struct rules *r, const struct sev_case *c, size_t n)
{
	unsigned failed = 0;
	for (size_t i = 0; i < n; i++) {
		struct verdict *v = classify(r, c[i].text);
		char got = verdict_severity(v);
		if (got != c[i].severity) {
			char *why = verdict_format(v);
			print_message("severity %c, want %c: %s\n%s", got,
				      c[i].severity, c[i].text, why);
			g_free(why);
			failed++;
		} else if (c[i].rule) {
			/* the verdict names the words that caused it */
			const struct rule_hit *h = NULL;
			for (unsigned k = 0; k < verdict_hit_count(v); k++)
				if (strcmp(verdict_hit(v, k)->rule, c[i].rule) == 0)
					h = verdict_hit(v, k);
			if (!h || !h->match || !strstr(h->match, c[i].word)) {
				print_message("%s did not record \"%s\": %s\n",
					      c[i].rule, c[i].word, c[i].text);
				failed++;
			}
		}
		verdict_free(&v);
	}
	assert_int_equal(failed, 0);
}

/* ---- false positives: ordinary words ------------------------------------ */

static void test_ordinary_words_zh(void **state)
{
	static const struct sev_case c[] = {
		/* A_AUTHORITY_ZH has no bare 中央 */
		{ "我家的中央空调不制冷了，师傅说要换压缩机。", 'C', NULL, NULL },
		/* B_POLICE_ZH: 报警 not followed by 器 */
		{ "买的烟雾报警器半夜乱响，根本停不下来。", 'C', NULL, NULL },
		/* X_PLACE: a hospital as a workplace */
		{ "我在人民医院上班，白天没人收快递，快递员每次都不打电话。", 'C', NULL, NULL },
		/* A_MEDIA_ZH has no bare 新闻; X_AD_NOT_MEDIA for 电视 */
		{ "我是在电视上看到你们的新闻才买的，结果东西用了一周就坏了。", 'C', NULL, NULL },
		{ "看了你们在电视台打的广告才下单，赠品却没有。", 'C', NULL, NULL },
		{ "网上关于你们新品的新闻说续航十小时，实际只有五小时。", 'C', NULL, NULL },
		/* X_PLACE: a court as a landmark */
		{ "我住在法院旁边，快递员总说找不到地址。", 'C', NULL, NULL },
		/* B_AUTHORITY_ZH: a hotline number, not the digits of an order */
		{ "订单号：12345，收到的杯子是碎的。", 'C', NULL, NULL },
		{ "订单TB12315的耳机没有声音。", 'C', NULL, NULL },
	};
	check_sev(*state, c, G_N_ELEMENTS(c));
}

static void test_ordinary_words_en(void **state)
{
	static const struct sev_case c[] = {
		/* A_LEGAL_EN: court only as a court one goes to */
		{ "We ate at the food court and the burger was cold.", 'C', NULL, NULL },
		/* \bsue\b: not inside issue or pursue */
		{ "There is an issue with my order and I want to pursue a refund.", 'C', NULL, NULL },
		/* X_NEG_LEGAL_EN */
		{ "I'm not a lawyer, but I think the charge is wrong.", 'C', NULL, NULL },
		{ "I don't want to sue anyone, just fix my boiler.", 'C', NULL, NULL },
		/* X_NO_INJURY_EN */
		{ "No one was injured, but the heater caught fire.", 'C', NULL, NULL },
		/* B_AUTHORITY_ZH: 12345 as an order number */
		{ "My order #12345 arrived with a cracked screen.", 'C', NULL, NULL },
	};
	check_sev(*state, c, G_N_ELEMENTS(c));
}

/* ---- false positives: negations in the same clause ----------------------- */

static void test_negations_zh(void **state)
{
	static const struct sev_case c[] = {
		/* lookbehinds in A_INJURY_ZH and A_MEDIA_ZH (adjacent negation) */
		{ "热水器漏水把地板泡坏了，幸好人没有受伤。", 'C', NULL, NULL },
		{ "这事我不会曝光，只想你们尽快修好。", 'C', NULL, NULL },
		{ "我不会去曝光，请尽快处理。", 'C', NULL, NULL },
		/* X_NEG_MEDIA_ZH, X_NEG_INJURY_ZH (a few words in between) */
		{ "我暂时不想把这件事发到网上，先等你们处理。", 'C', NULL, NULL },
		{ "锅把手断了，好在没让孩子烫伤。", 'C', NULL, NULL },
		/* X_NEG_LEGAL_ZH */
		{ "我也不想为这点钱去法院，你们退款就行。", 'C', NULL, NULL },
		/* the negation does not reach into the next clause */
		{ "我没有受伤，但孩子被烫伤了。", 'A', "A_INJURY_ZH", "烫伤" },
		{ "我本来不想曝光，现在只能找记者了。", 'A', "A_MEDIA_ZH", "记者" },
	};
	check_sev(*state, c, G_N_ELEMENTS(c));
}

/* ---- A: media, law, authorities, extreme acts, injury -------------------- */

static void test_a_zh(void **state)
{
	static const struct sev_case c[] = {
		{ "再不处理我就找记者。", 'A', "A_MEDIA_ZH", "记者" },
		{ "我要把这件事曝光出去。", 'A', "A_MEDIA_ZH", "曝光" },
		{ "我已经把视频发到抖音上了。", 'A', "A_MEDIA_ZH", "抖音" },
		{ "我会请微博大V帮我转发。", 'A', "A_MEDIA_ZH", "大V" },
		{ "我已经向国家市场监督管理总局反映。", 'A', "A_AUTHORITY_ZH", "总局" },
		{ "快递丢了，我投诉到国家邮政局。", 'A', "A_AUTHORITY_ZH", "国家邮政局" },
		{ "手机信号差，我要去工信部申诉。", 'A', "A_AUTHORITY_ZH", "工信部" },
		{ "我已向金融监管总局投诉。", 'A', "A_AUTHORITY_ZH", "金融监管总局" },
		{ "我会向银保监会反映你们乱收费。", 'A', "A_AUTHORITY_ZH", "银保监会" },
		{ "我要向中国人民银行投诉。", 'A', "A_AUTHORITY_ZH", "人民银行" },
		{ "我已经投诉到中国消费者协会。", 'A', "A_AUTHORITY_ZH", "中国消费者协会" },
		{ "我向省消委投诉了。", 'A', "A_AUTHORITY_ZH", "省消委" },
		{ "我已经打电话给省消协。", 'A', "A_AUTHORITY_ZH", "省消协" },
		{ "不解决我就去上访。", 'A', "A_AUTHORITY_ZH", "上访" },
		{ "我已经写信到信访办。", 'A', "A_AUTHORITY_ZH", "信访" },
		{ "我准备起诉你们公司。", 'A', "A_LEGAL_ZH", "起诉" },
		{ "我的律师会给你们发律师函。", 'A', "A_LEGAL_ZH", "律师" },
		{ "我们法院见。", 'A', "A_LEGAL_ZH", "法院" },
		{ "被催收逼得想跳楼。", 'A', "A_EXTREME_ZH", "跳楼" },
		{ "充电器突然爆了，我的手被烧伤了。", 'A', "A_INJURY_ZH", "烧伤" },
		{ "吃了你们的外卖上吐下泻，去医院挂了急诊。", 'A', "A_INJURY_ZH", "上吐下泻" },
	};
	check_sev(*state, c, G_N_ELEMENTS(c));
}

static void test_a_en(void **state)
{
	static const struct sev_case c[] = {
		{ "I have contacted a journalist about this.", 'A', "A_MEDIA_EN", "journalist" },
		{ "I will go public with this story.", 'A', "A_MEDIA_EN", "go public" },
		{ "I filed a complaint with the CFPB.", 'A', "A_AUTHORITY_EN", "CFPB" },
		{ "I reported you to the FCA.", 'A', "A_AUTHORITY_EN", "FCA" },
		{ "My next letter goes to the state attorney general.", 'A', "A_AUTHORITY_EN", "attorney general" },
		{ "I will sue you in small claims court.", 'A', "A_LEGAL_EN", "sue" },
		{ "I have instructed a solicitor.", 'A', "A_LEGAL_EN", "solicitor" },
		{ "My lawyer will contact you.", 'A', "A_LEGAL_EN", "lawyer" },
		{ "My son was taken to hospital after the toy broke.", 'A', "A_INJURY_EN", "hospital" },
	};
	check_sev(*state, c, G_N_ELEMENTS(c));
}

/* ---- B: regional bodies, platforms, stated escalation -------------------- */

static void test_b(void **state)
{
	static const struct sev_case c[] = {
		{ "我已经打了12315。", 'B', "B_AUTHORITY_ZH", "12315" },
		{ "我会去消协投诉。", 'B', "B_AUTHORITY_ZH", "消协" },
		{ "我已经向消委会反映。", 'B', "B_AUTHORITY_ZH", "消委会" },
		{ "我會向消基會申訴。", 'B', "B_AUTHORITY_ZH", "消基會" },
		{ "我去区市场监管局投诉了。", 'B', "B_AUTHORITY_ZH", "市场监管局" },
		{ "我到工商局举报你们。", 'B', "B_AUTHORITY_ZH", "工商局" },
		{ "我已经在黑猫投诉发帖了。", 'B', "B_AUTHORITY_ZH", "黑猫" },
		{ "你们否则我就继续投诉。", 'B', "B_ESCALATE_ZH", "投诉" },
		{ "I have filed a complaint with the BBB.", 'B', "B_AUTHORITY_EN", "BBB" },
		{ "Trading Standards have been informed.", 'B', "B_AUTHORITY_EN", "Trading Standards" },
	};
	check_sev(*state, c, G_N_ELEMENTS(c));
}

/* ---- categories ---------------------------------------------------------- */

struct cat_case {
	const char *text, *category;
};

static void test_categories(void **state)
{
	static const struct cat_case c[] = {
		/* S_COLLECTION_ZH */
		{ "暴力催收，天天打电话给我的家人和同事。", "service" },
		/* P_DEDUCT_ZH */
		{ "未经我同意私自从银行卡扣款三百元。", "price" },
		/* P_BUNDLE_ZH */
		{ "贷款时捆绑了保险，业务员根本没说。", "price" },
		/* P_INTEREST_ZH */
		{ "分期的利息太高了，年化超过了国家规定。", "price" },
		/* I_FAKE_ZH */
		{ "收到的鞋子是高仿，根本不是正品。", "infringement" },
		/* Q_FOOD_ZH */
		{ "外卖菜太咸了，分量也太少。", "quality" },
		/* S_LATE_ZH */
		{ "网购的衣服一直不发货。", "service" },
		/* Q_FAULT_EN */
		{ "The kettle stopped working after a week.", "quality" },
		/* S_CLAIM_EN */
		{ "My claim was denied.", "service" },
		/* P_OVERCHARGE_EN */
		{ "My premium went up by 40% with no explanation.", "price" },
		/* X_PRAISE_ZH: praise is not a complaint */
		{ "快递员送货很快，客服也很耐心，价格实惠，非常满意。", "other" },
	};
	unsigned failed = 0;
	for (size_t i = 0; i < G_N_ELEMENTS(c); i++) {
		struct verdict *v = classify(*state, c[i].text);
		if (strcmp(verdict_category(v), c[i].category) != 0) {
			print_message("category %s, want %s: %s\n", verdict_category(v),
				      c[i].category, c[i].text);
			failed++;
		}
		verdict_free(&v);
	}
	assert_int_equal(failed, 0);
}

/* ---- categories across trades (issue 9, point 1) ------------------------
 * Each case fails when the rule named above it is removed: without it the
 * text falls to another category or to "other". */
static void test_categories_general(void **state)
{
	static const struct cat_case c[] = {
		/* S_CREDIT_ZH: a credit record is the lender's handling */
		{ "逾期记录一直不撤销，已经影响我买房。", "service" },
		/* S_NEGOTIATE_ZH: instalments refused */
		{ "我想协商分期还款，银行不同意，必须一次性还清。", "service" },
		/* S_TRANSFER_ZH: a top-up that never arrives */
		{ "充值了两百元，余额显示未到账。", "service" },
		/* S_PACKAGE_ZH: the box crushed in transport, not the product */
		{ "快递到的时候外包装压扁了，盒子也破了。", "service" },
		/* P_USURY_ZH: the cost of the loan beside the collection calls */
		{ "催收天天打电话骚扰，可这笔贷款的利息太高了，已经超过了国家规定的上限。", "price" },
		/* P_LABEL_ZH: a degree word between price and verdict */
		{ "鞋子不错，就是价格有点高。", "price" },
		/* Q_DEFECT_ZH: workmanship "not very fine" */
		{ "做工不是很精致。", "quality" },
		/* I_FAKE_SURE: an outright "fake" outweighs the defects listed */
		{ "绝对是假货，做工非常粗糙，穿着也不舒服。", "infringement" },
		/* Q_HANT: traditional characters */
		{ "買了半年車門就生鏽了。", "quality" },
		/* P_HANT */
		{ "剛買就降價，客服不給補差價。", "price" },
		/* S_HANT */
		{ "包裹一個星期了還沒收到，也沒人處理。", "service" },
		/* Q_BROKEN_ZH's lookbehind: 挂断了 is a call hung up, not a
		 * broken part (without it the tie goes to quality) */
		{ "电话打过去就被挂断了。", "service" },
		/* S_LATE_ZH counts a queue only when it is long: one mentioned
		 * in praise is not a complaint */
		{ "排队的人很多，但是服务员很热情，菜也很好吃，下次还来。", "other" },
		/* S_SCHEDULE_ZH: classes moved at short notice */
		{ "培训班这个月临时调课三次，老师也不回微信。", "service" },
		/* P_RAISE_EN: a renewal that jumps */
		{ "My renewal went from 412 to 689 with no claims.", "price" },
		/* P_OWED_EN: money promised and not paid */
		{ "Your agent promised to pay me back for the taxi and I'm still owed 80 pounds.", "price" },
		/* X_CLAIM_PAYOUT: reimbursement is the claim payout */
		{ "They refused to reimburse the vet bill and only paid $40 of a $700 claim.", "service" },
		/* Q_OUT_OF_ORDER_EN */
		{ "The ticket machine at the station has been out of order for a week.", "quality" },
		/* S_SETUP_EN */
		{ "My broadband has not been connected yet.", "service" },
		/* X_THANKS_LETTER: a thank-you that mentions a delay */
		{ "Just wanted to say thank you to the crew who looked after us during the long delay.", "other" },
		/* P_LABEL_EN: the price changes at checkout */
		{ "The site showed $1 a week but at checkout it was $1.50.", "price" },
		/* S_TICKET_EN */
		{ "Support closed my ticket without a reply.", "service" },
	};
	unsigned failed = 0;
	for (size_t i = 0; i < G_N_ELEMENTS(c); i++) {
		struct verdict *v = classify(*state, c[i].text);
		if (strcmp(verdict_category(v), c[i].category) != 0) {
			char *why = verdict_format(v);
			print_message("category %s, want %s: %s\n%s", verdict_category(v),
				      c[i].category, c[i].text, why);
			g_free(why);
			failed++;
		}
		verdict_free(&v);
	}
	assert_int_equal(failed, 0);
}

/* ---- case facts (70-facts.rules) ------------------------------------------ */

/* A fact case: text, the fact, the value wanted (NULL: none). */
struct fact_case {
	const char *text;
	enum fact fact;
	const char *want;
};

static void check_facts(const struct rules *r, const struct fact_case *c, size_t n)
{
	unsigned failed = 0;
	for (size_t i = 0; i < n; i++) {
		struct verdict *v = classify(r, c[i].text);
		const char *got = verdict_fact(v, c[i].fact);
		if (c[i].want ? !got || strcmp(got, c[i].want) != 0 : got != NULL) {
			print_message("%s: got '%s', want '%s': %s\n",
				      facts_name(c[i].fact), got ? got : "(none)",
				      c[i].want ? c[i].want : "(none)", c[i].text);
			failed++;
		}
		verdict_free(&v);
	}
	assert_int_equal(failed, 0);
}

static void test_facts_zh(void **state)
{
	static const struct fact_case c[] = {
		{ "订单号：20240501123456，收到的货是坏的。", FACT_ORDER, "20240501123456" },
		{ "我的订单编号为 TB-88231，一直没发货。", FACT_ORDER, "TB-88231" },
		{ "单号7789123的快递丢了", FACT_ORDER, "7789123" },
		{ "订单一直没到，请查一下。", FACT_ORDER, NULL },
		{ "请打我电话：138 1234 5678，谢谢。", FACT_PHONE, "138 1234 5678" },
		{ "手机号是13812345678", FACT_PHONE, "13812345678" },
		{ "联系方式 021-6234 5678", FACT_PHONE, "021-6234 5678" },
		{ "有事找我，15900001111。", FACT_PHONE, "15900001111" },
		{ "订单号 202405011380012345678", FACT_PHONE, NULL },
		{ "型号 XQ7，用了三天就坏了。", FACT_PRODUCT, "XQ7" },
		{ "冰箱型号：BCD-215STPA 不制冷", FACT_PRODUCT, "BCD-215STPA" },
		{ "产品名称：智能电饭煲，内胆脱皮。", FACT_PRODUCT, "智能电饭煲" },
		{ "型号 梧桐B22 洗衣机噪音很大", FACT_PRODUCT, "梧桐B22" },
		{ "买的型号XQ7坏了", FACT_PRODUCT, "XQ7" },
		{ "型号不对，发错货了", FACT_PRODUCT, NULL },
		{ "我在万达广场专卖店买的吹风机坏了", FACT_PLACE, "万达广场专卖店" },
		{ "购买地点：苏宁易购南京路店。", FACT_PLACE, "苏宁易购南京路店" },
		{ "2024年5月1日在门店买的", FACT_DATE, "2024年5月1日" },
		{ "购买日期：2024-05-01，保修期内。", FACT_DATE, "2024-05-01" },
		{ "东西坏了，要求退款。", FACT_DEMAND, "refund" },
		{ "请给我换一台新的。", FACT_DEMAND, "exchange" },
		{ "希望尽快上门维修。", FACT_DEMAND, "repair" },
		{ "必须赔偿我的损失。", FACT_DEMAND, "compensation" },
		{ "你们要向我道歉。", FACT_DEMAND, "apology" },
		{ "我不要退款，给我换货。", FACT_DEMAND, "exchange" },
		{ "快递员态度很差。", FACT_DEMAND, NULL },
	};
	check_facts(*state, c, G_N_ELEMENTS(c));
}

static void test_facts_en(void **state)
{
	static const struct fact_case c[] = {
		{ "About order #12345: the kettle leaks.", FACT_ORDER, "12345" },
		{ "Order number: AB-1234. It never came.", FACT_ORDER, "AB-1234" },
		{ "My order no. 5567 arrived broken.", FACT_ORDER, "5567" },
		{ "order ID 99812 was charged twice", FACT_ORDER, "99812" },
		{ "My order is late and nobody answers.", FACT_ORDER, NULL },
		{ "In order to fix this, please call.", FACT_ORDER, NULL },
		{ "My phone: +44 20 7946 0958.", FACT_PHONE, "+44 20 7946 0958" },
		{ "Please call me on 07700 900123 after six.", FACT_PHONE, "07700 900123" },
		{ "mobile (555) 123-4567", FACT_PHONE, "(555) 123-4567" },
		{ "The phone I bought is broken.", FACT_PHONE, NULL },
		{ "The model XQ7-200 stopped heating.", FACT_PRODUCT, "XQ7-200" },
		{ "Model number: A1-22", FACT_PRODUCT, "A1-22" },
		{ "This model is terrible.", FACT_PRODUCT, NULL },
		{ "I bought it at Harrods last week.", FACT_PLACE, "Harrods" },
		{ "I purchased this from your Oxford Street store and it broke.", FACT_PLACE, "Oxford Street store" },
		{ "I bought it on 3 May 2024 and it broke.", FACT_DATE, "3 May 2024" },
		{ "Ordered on May 3, 2024, still nothing.", FACT_DATE, "May 3, 2024" },
		{ "Purchase date: 2024-05-01", FACT_DATE, "2024-05-01" },
		{ "I want a refund.", FACT_DEMAND, "refund" },
		{ "Please send a replacement.", FACT_DEMAND, "exchange" },
		{ "Can you repair it under warranty?", FACT_DEMAND, "repair" },
		{ "I expect compensation for the damage.", FACT_DEMAND, "compensation" },
		{ "An apology would be a start.", FACT_DEMAND, "apology" },
		{ "I don't want a refund, just a replacement.", FACT_DEMAND, "exchange" },
	};
	check_facts(*state, c, G_N_ELEMENTS(c));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ordinary_words_zh),
		cmocka_unit_test(test_facts_zh),
		cmocka_unit_test(test_facts_en),
		cmocka_unit_test(test_ordinary_words_en),
		cmocka_unit_test(test_negations_zh),
		cmocka_unit_test(test_a_zh),
		cmocka_unit_test(test_a_en),
		cmocka_unit_test(test_b),
		cmocka_unit_test(test_categories),
		cmocka_unit_test(test_categories_general),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
