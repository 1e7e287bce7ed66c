/* test_survey - what a customer's reply to the satisfaction survey says. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "workflow/survey.h"

static void check(const char *text, bool said, unsigned rating, bool unhappy)
{
	unsigned r = 99;
	bool u = true;
	bool got = survey_parse_reply(text, &r, &u);
	if (got != said || r != rating || u != unhappy)
		fail_msg("[%s]: said %d rating %u unhappy %d, want %d %u %d", text, got, r, u,
			 said, rating, unhappy);
}

static void test_ratings(void **state)
{
	check("5", true, 5, false);
	check("  4 还可以，谢谢", true, 4, false);
	check("\n\n1\n东西还是坏的", true, 1, false);
	check("５ 非常满意", true, 5, false);        /* full-width digit */
	check("３", true, 3, false);
	check("五星好评", true, 5, false);
	check("四分吧", true, 4, false);
	check("2 - not great", true, 2, false);
}

static void test_not_ratings(void **state)
{
	check("10 天后才收到回复", false, 0, false);  /* a number, not a rating */
	check("300 元的差价还没退", false, 0, false);
	check("6", false, 0, false);
	check("0", false, 0, false);
	check("一切都好", false, 0, false);          /* 一 is no rating by itself */
	check("１０天后才修好", false, 0, false);
	check("3 days later it broke again", false, 0, false);
	check("1st of all, thanks", false, 0, false);
	check("3.5", false, 0, false);
	check("五分钟就修好了", false, 0, false);
	check("2个月了还没有解决", true, 0, true);   /* no rating, but not solved */
	check("谢谢你们", false, 0, false);
	check("", false, 0, false);
	check(NULL, false, 0, false);
}

static void test_unhappy(void **state)
{
	check("还是没有解决，机器还是响", true, 0, true);
	check("我对处理结果不满意", true, 0, true);
	check("Honestly I am NOT SATISFIED with this", true, 0, true);
	check("1 不满意", true, 1, false);           /* the rating says it */
	check("5分，之前不满意的地方都解决了", true, 5, false);
	check("沒有解決", true, 0, true);             /* traditional characters */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ratings),
		cmocka_unit_test(test_not_ratings),
		cmocka_unit_test(test_unhappy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
