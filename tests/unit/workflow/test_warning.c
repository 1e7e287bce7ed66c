/* test_warning - the spike rule on hand-made counts (flat, rising, no
 * history, just below and just above every threshold, counts that would
 * overflow a careless product) and the tags read out of rule effects. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <glib.h>

#include "lib/config.h"
#include "workflow/warning.h"

#define DAY 86400

/* the defaults: 24h window, 28 days of baseline, factor 3, at least 5 */
static const struct warning_rule defaults = { DAY, 28 * DAY, 3, 5 };

/* edge - threshold is exactly `at`: at - 1 is no spike, at is one. */
static void edge(const struct warning_rule *r, uint64_t baseline, uint64_t at)
{
	assert_int_equal(warning_threshold(r, baseline), at);
	assert_false(warning_is_spike(r, at - 1, baseline));
	assert_true(warning_is_spike(r, at, baseline));
	assert_true(warning_is_spike(r, at + 1, baseline));
}

/* test_flat - steady counts: the window holds what a window usually holds. */
static void test_flat(void **state)
{
	/* 6 a day for 28 days: usual 6, a spike needs 18 */
	assert_false(warning_is_spike(&defaults, 6, 28 * 6));
	assert_false(warning_is_spike(&defaults, 12, 28 * 6));
	edge(&defaults, 28 * 6, 18);
	assert_true(warning_usual(&defaults, 28 * 6) == 6.0);
	/* 100 a day: nothing short of 300 */
	assert_false(warning_is_spike(&defaults, 299, 2800));
	assert_true(warning_is_spike(&defaults, 300, 2800));
}

/* test_rising - a subject rarely complained of: min_count decides. */
static void test_rising(void **state)
{
	/* one a day: 3 x 1 = 3 < 5 */
	edge(&defaults, 28, 5);
	/* 10 in 28 days: usual 0.36, 3 x usual = 1.07 */
	edge(&defaults, 10, 5);
	struct warning_rule one = defaults;
	one.min_count = 1;
	edge(&one, 10, 2);           /* ceil(1.07) */
	assert_true(warning_usual(&one, 14) == 0.5);
}

/* test_no_history - nothing in the baseline: judged as one complaint in
 * it, so with sane settings min_count alone decides; never a division by
 * zero. */
static void test_no_history(void **state)
{
	edge(&defaults, 0, 5);
	assert_false(warning_is_spike(&defaults, 0, 0));
	struct warning_rule one = defaults;
	one.min_count = 1;
	edge(&one, 0, 1);
	assert_true(warning_usual(&defaults, 0) == 0.0);
	/* a baseline no longer than the window: W / B = 1, so F counts */
	struct warning_rule week = { 7 * DAY, 7 * DAY, 3, 1 };
	edge(&week, 0, 3);
	edge(&week, 1, 3);           /* one complaint: the same as none */
	edge(&week, 2, 6);
}

/* test_edges - exact multiples do not round up; fractions do. */
static void test_edges(void **state)
{
	edge(&defaults, 56, 6);      /* 3 x 56 / 28 = 6 exactly */
	edge(&defaults, 57, 7);      /* 6.11 */
	edge(&defaults, 100, 11);    /* 10.71 */
	edge(&defaults, 28 * 5, 15);
	struct warning_rule hours = { 3600, DAY, 2, 5 };  /* per hour against a day */
	edge(&hours, 24 * 10, 20);   /* 10 an hour usually: 20 */
	edge(&hours, 24 * 10 + 1, 21);
	struct warning_rule high = { DAY, 28 * DAY, 3, 50 };
	edge(&high, 28 * 6, 50);     /* 18 would do, min_count says 50 */
}

/* test_large - the largest bounds the config allows, with a 32-bit count. */
static void test_large(void **state)
{
	struct warning_rule r = { 30 * DAY, DAY, 100, 100000 };
	uint64_t b = UINT32_MAX;
	assert_int_equal(warning_threshold(&r, b), 100ull * 30 * UINT32_MAX);
	struct warning_rule y = { 3600, 365 * DAY, 2, 1 };
	assert_int_equal(warning_threshold(&y, UINT32_MAX),
			 (2ull * 3600 * UINT32_MAX + 365 * DAY - 1) / (365 * DAY));
}

/* test_rule_of - the rule is [warning]'s keys. */
static void test_rule_of(void **state)
{
	struct config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.warning_window = 2 * 3600;
	cfg.warning_baseline = 14 * DAY;
	cfg.warning_factor = 4;
	cfg.warning_min_count = 7;
	struct warning_rule r;
	warning_rule_of(&cfg, &r);
	assert_int_equal(r.window, 2 * 3600);
	assert_int_equal(r.baseline, 14 * DAY);
	assert_int_equal(r.factor, 4);
	assert_int_equal(r.min_count, 7);
}

static char *joined(GPtrArray *tags)
{
	g_ptr_array_add(tags, NULL);
	char *s = g_strjoinv(",", (char **)tags->pdata);
	g_ptr_array_remove_index(tags, tags->len - 1);
	return s;
}

static void expect_tags(const char *effects, unsigned max, const char *want)
{
	GPtrArray *tags = g_ptr_array_new_with_free_func(g_free);
	warning_effect_tags(effects, max, tags);
	char *got = joined(tags);
	assert_string_equal(got, want);
	g_free(got);
	g_ptr_array_unref(tags);
}

/* effect_of - an effect of len characters whose last token is tag=kettle. */
static char *effect_of(size_t len)
{
	const char *head = "quality+3 tag=x route=", *tail = " tag=kettle";
	GString *e = g_string_new(head);
	while (e->len + strlen(tail) < len)
		g_string_append_c(e, 'r');
	g_string_append(e, tail);
	assert_int_equal(e->len, len);
	return g_string_free(e, FALSE);
}

/* test_effect_tags - "tag=NAME" tokens, each once, in order. */
static void test_effect_tags(void **state)
{
	expect_tags("quality+3 tag=kettle", 255, "kettle");
	expect_tags("quality+3 severity>=B route=legal tag=kettle tag=safety", 255,
		    "kettle,safety");
	expect_tags("severity>=A tag=media tag=kettle\tquality+1 tag=kettle tag=电水壶", 255,
		    "media,kettle,电水壶");
	expect_tags("quality+3", 255, "");
	expect_tags("none", 255, "");
	expect_tags("", 255, "");
	expect_tags(NULL, 255, "");
	/* neither a route that happens to hold "tag=" nor an empty tag */
	expect_tags("route=tag=x cancel=A,B tag= xtag=y tag=ok", 255, "ok");
	expect_tags("tag=Kettle tag=kettle", 255, "Kettle,kettle");

	/* a full column: its last token may be cut ("tag=kett") */
	char *full = effect_of(255), *short1 = effect_of(254);
	expect_tags(full, 255, "x");
	expect_tags(full, 0, "x,kettle");
	expect_tags(short1, 255, "x,kettle");
	/* the full one beside a short one: only the full one's last goes */
	char *two = g_strconcat(full, "\tquality+3 tag=safety", NULL);
	expect_tags(two, 255, "x,safety");
	g_free(two);
	g_free(short1);
	g_free(full);
	/* characters, not bytes: 252 characters in 734 bytes are not full */
	GString *han = g_string_new("route=");
	for (int i = 0; i < 240; i++)
		g_string_append(han, "水");
	g_string_append(han, " tag=壶");
	expect_tags(han->str, 255, "壶");
	g_string_free(han, TRUE);

	/* tags already held are not added again */
	GPtrArray *tags = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(tags, g_strdup("kettle"));
	warning_effect_tags("tag=kettle tag=iron", 255, tags);
	char *got = joined(tags);
	assert_string_equal(got, "kettle,iron");
	g_free(got);
	g_ptr_array_unref(tags);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flat),
		cmocka_unit_test(test_rising),
		cmocka_unit_test(test_no_history),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_large),
		cmocka_unit_test(test_rule_of),
		cmocka_unit_test(test_effect_tags),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
