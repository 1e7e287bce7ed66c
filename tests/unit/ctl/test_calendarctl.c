/* test_calendarctl - `complaintctl calendar`: the days of a range as text
 * and JSON, its errors, the deadlines of a receipt time and the check of a
 * calendar file. Runs from the top of the source tree (COMPLAINTD_SRCDIR
 * overrides). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include <glib.h>

#include "ctl/calendarctl.h"
#include "lib/jsonparse.h"
#include "workflow/calendar.h"

#include "../calendar_fixture.h"

struct capture {
	char *buf;
	size_t len;
	FILE *f;
};

static void cap_open(struct capture *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	assert_non_null(c->f);
}

static char *cap_close(struct capture *c)
{
	fclose(c->f);
	return c->buf; /* free() */
}

static void test_ctl_range(void **state)
{
	struct calendar *c = shanghai();
	struct capture out, err;
	cap_open(&out);
	cap_open(&err);
	assert_int_equal(calendarctl_range(c, "2026-02-09", "2026-02-15", false, out.f, err.f), 0);
	char *o = cap_close(&out), *e = cap_close(&err);
	assert_string_equal(o,
		"2026-02-09 Mon  workday\n"
		"2026-02-10 Tue  workday\n"
		"2026-02-11 Wed  workday\n"
		"2026-02-12 Thu  workday\n"
		"2026-02-13 Fri  workday\n"
		"2026-02-14 Sat  makeup   春节调休\n"
		"2026-02-15 Sun  holiday  春节\n"
		"7 days: 6 working, 1 holidays, 0 weekend days, 1 make-up working days\n");
	assert_string_equal(e, "");
	free(o);
	free(e);

	cap_open(&out);
	cap_open(&err);
	assert_int_equal(calendarctl_range(c, "2026-10-01", "2026-10-11", false, out.f, err.f), 0);
	o = cap_close(&out);
	e = cap_close(&err);
	assert_non_null(strstr(o, "2026-10-01 Thu  holiday  国庆节\n"));
	assert_non_null(strstr(o, "2026-10-11 Sun  weekend\n"));
	assert_non_null(strstr(o, "11 days: 3 working, 7 holidays, 1 weekend days, "
			       "1 make-up working days\n"));
	free(o);
	free(e);
	calendar_free(&c);
}

static void test_ctl_range_json(void **state)
{
	struct calendar *c = parse_ok("timezone = Asia/Shanghai\n"
				      "2026-02-14 workday 春节调休 \"quoted\" \\ back\n"
				      "2026-02-15..2026-02-23 holiday 春节\n");
	struct capture out, err;
	cap_open(&out);
	cap_open(&err);
	assert_int_equal(calendarctl_range(c, "2026-02-13", "2026-02-16", true, out.f, err.f), 0);
	char *o = cap_close(&out), *e = cap_close(&err);
	assert_string_equal(e, "");
	char *error = NULL;
	struct jsonparse_value *v = jsonparse_parse(o, strlen(o), NULL, &error);
	if (v == NULL)
		fail_msg("%s: %s", o, error);
	assert_string_equal(jsonparse_string(jsonparse_get(v, "from"), NULL), "2026-02-13");
	assert_string_equal(jsonparse_string(jsonparse_get(v, "to"), NULL), "2026-02-16");
	assert_string_equal(jsonparse_string(jsonparse_get(v, "timezone"), NULL), "Asia/Shanghai");
	assert_true(jsonparse_number(jsonparse_get(v, "working_days")) == 2);
	assert_true(jsonparse_number(jsonparse_get(v, "holidays")) == 2);
	assert_true(jsonparse_number(jsonparse_get(v, "weekend_days")) == 0);
	assert_true(jsonparse_number(jsonparse_get(v, "makeup_days")) == 1);
	const struct jsonparse_value *days = jsonparse_get(v, "days");
	assert_int_equal(jsonparse_length(days), 4);
	const struct jsonparse_value *d0 = jsonparse_index(days, 0);
	assert_string_equal(jsonparse_string(jsonparse_get(d0, "date"), NULL), "2026-02-13");
	assert_string_equal(jsonparse_string(jsonparse_get(d0, "weekday"), NULL), "Fri");
	assert_string_equal(jsonparse_string(jsonparse_get(d0, "kind"), NULL), "workday");
	assert_int_equal(jsonparse_type(jsonparse_get(d0, "note")), JSONPARSE_NULL);
	const struct jsonparse_value *d1 = jsonparse_index(days, 1);
	assert_string_equal(jsonparse_string(jsonparse_get(d1, "kind"), NULL), "makeup");
	assert_string_equal(jsonparse_string(jsonparse_get(d1, "note"), NULL),
			    "春节调休 \"quoted\" \\ back");
	const struct jsonparse_value *d3 = jsonparse_index(days, 3);
	assert_string_equal(jsonparse_string(jsonparse_get(d3, "weekday"), NULL), "Mon");
	assert_string_equal(jsonparse_string(jsonparse_get(d3, "note"), NULL), "春节");
	jsonparse_free(&v);
	free(o);
	free(e);
	calendar_free(&c);
}

static void expect_usage(const struct calendar *c, const char *from, const char *to,
			 const char *want_err)
{
	struct capture out, err;
	cap_open(&out);
	cap_open(&err);
	assert_int_equal(calendarctl_range(c, from, to, false, out.f, err.f), 2);
	char *o = cap_close(&out), *e = cap_close(&err);
	assert_string_equal(o, "");
	if (strcmp(e, want_err) != 0)
		fail_msg("%s..%s: [%s], want [%s]", from ? from : "NULL", to ? to : "NULL",
			 e, want_err);
	free(o);
	free(e);
}

static void test_ctl_range_errors(void **state)
{
	struct calendar *c = calendar_new_default();
	expect_usage(c, "2026-02-30", "2026-03-01",
		     "calendar: bad date '2026-02-30' (YYYY-MM-DD, years 1970..2200)\n");
	expect_usage(c, "2026-03-01", "tomorrow",
		     "calendar: bad date 'tomorrow' (YYYY-MM-DD, years 1970..2200)\n");
	expect_usage(c, NULL, "2026-03-01",
		     "calendar: bad date '' (YYYY-MM-DD, years 1970..2200)\n");
	expect_usage(c, "2026-03-02", "2026-03-01",
		     "calendar: 2026-03-02 comes after 2026-03-01\n");
	expect_usage(c, "2026-01-01", "2028-01-02",
		     "calendar: 2026-01-01..2028-01-02 is 732 days, at most 731 are shown\n");

	struct capture o1, e1;
	cap_open(&o1);
	cap_open(&e1);
	assert_int_equal(calendarctl_range(NULL, "2026-01-01", "2026-01-02", false, o1.f, e1.f), 1);
	free(cap_close(&o1));
	char *msg = cap_close(&e1);
	assert_string_equal(msg, "calendar: no calendar loaded\n");
	free(msg);

	/* the longest range allowed */
	struct capture out, err;
	cap_open(&out);
	cap_open(&err);
	assert_int_equal(calendarctl_range(c, "2026-01-01", "2028-01-01", false, out.f, err.f), 0);
	char *o = cap_close(&out), *e = cap_close(&err);
	assert_non_null(strstr(o, "\n731 days: "));
	free(o);
	free(e);
	calendar_free(&c);
}

static void test_ctl_deadlines(void **state)
{
	struct calendar *c = shanghai();
	struct capture out;
	cap_open(&out);
	assert_int_equal(calendarctl_deadlines(c, at("2026-09-30T17:00:00+08:00"), out.f), 0);
	char *o = cap_close(&out);
	assert_string_equal(o,
		"received                        2026-09-30 Wed 17:00 +08:00\n"
		"investigation (3 working days)  2026-10-10 Sat 18:00 +08:00\n"
		"handling (5 working days)       2026-10-13 Tue 18:00 +08:00\n"
		"feedback (3 working days)       2026-10-10 Sat 18:00 +08:00\n"
		"closure (10 working days)       2026-10-20 Tue 18:00 +08:00\n"
		"time zone Asia/Shanghai, working hours 09:00-18:00, "
		"the day of receipt does not count\n");
	free(o);
	calendar_free(&c);
}

static void test_ctl_check(void **state)
{
	char *sample = src_path("src/calendar.sample");
	struct capture out;
	cap_open(&out);
	assert_int_equal(calendarctl_check(sample, out.f), 0);
	char *o = cap_close(&out);
	char *want = g_strdup_printf("%s: ok, 39 dates listed, time zone Asia/Shanghai, "
				     "hours 09:00-18:00\n", sample);
	assert_string_equal(o, want);
	g_free(want);
	free(o);
	g_free(sample);

	cap_open(&out);
	assert_int_equal(calendarctl_check("/nonexistent/cal", out.f), 1);
	o = cap_close(&out);
	assert_string_equal(o, "/nonexistent/cal: No such file or directory\n");
	free(o);
}

/* no working day at all: the deadlines cannot be computed, said as an error */
static void test_ctl_no_working_day(void **state)
{
	struct calendar *c = parse_ok("weekend = mon tue wed thu fri sat sun\n");
	FILE *null = fopen("/dev/null", "w");
	assert_int_equal(calendarctl_deadlines(c, at("2026-03-06T10:00:00Z"), null), 1);
	fclose(null);
	calendar_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ctl_range),
		cmocka_unit_test(test_ctl_range_json),
		cmocka_unit_test(test_ctl_range_errors),
		cmocka_unit_test(test_ctl_deadlines),
		cmocka_unit_test(test_ctl_check),
		cmocka_unit_test(test_ctl_no_working_day),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
