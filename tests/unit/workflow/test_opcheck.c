/* test_opcheck - the operating check: what "the calendar covers the next
 * 60 days" means at the turn of a year, [routes] keys against categories
 * and the rules' routes, and escalation levels without an address. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "lib/config.h"
#include "rules/rules.h"
#include "workflow/calendar.h"
#include "workflow/opcheck.h"

static char *tmpdir;

static const char rules_text[] =
	"default-route quality quality-dept\n"
	"default-route other office\n"
	"rule A_MEDIA any /电视台|记者/\n"
	"    severity A\n"
	"    route crisis-team 20\n"
	"rule A_LAWYER any /律师/\n"
	"    severity A\n"
	"    route Legal 10\n";

static const char cal_2026[] = "timezone = Asia/Shanghai\n2026-10-01..2026-10-07 holiday 国庆节\n";

/* Shanghai 10:00 of a day, as unix time. */
static int64_t day_at(int y, int m, int d)
{
	GTimeZone *tz = g_time_zone_new_identifier("Asia/Shanghai");
	GDateTime *dt = g_date_time_new(tz, y, m, d, 10, 0, 0);
	int64_t t = g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	g_time_zone_unref(tz);
	return t;
}

static struct config *load_config(const char *extra)
{
	char *cal = g_build_filename(tmpdir, "calendar", NULL);
	char *path = g_build_filename(tmpdir, "test.conf", NULL);
	char *text = g_strdup_printf("[company]\nfrom = complaints@example.com\n%s", extra);
	g_assert(g_file_set_contents(cal, cal_2026, -1, NULL));
	g_assert(g_file_set_contents(path, text, -1, NULL));
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	struct config *cfg = config_load(path, errors);
	for (unsigned i = 0; i < errors->len; i++)
		print_error("%s\n", (char *)g_ptr_array_index(errors, i));
	assert_non_null(cfg);
	g_ptr_array_unref(errors);
	g_free(text);
	g_free(path);
	g_free(cal);
	return cfg;
}

/* run - the warnings at Shanghai 10:00 of y-m-d, joined by '\n'. */
static char *run(const char *config_extra, const char *cal_text, int y, int m, int d)
{
	struct config *cfg = load_config(config_extra);
	struct calendar *cal = calendar_parse("calendar", cal_text, strlen(cal_text), NULL);
	assert_non_null(cal);
	struct rules *rules = rules_load_string("test.rules", rules_text, strlen(rules_text),
						NULL, NULL, NULL);
	assert_non_null(rules);
	GPtrArray *w = g_ptr_array_new_with_free_func(g_free);
	unsigned n = opcheck_run(cfg, cal, rules, day_at(y, m, d), w);
	assert_int_equal(n, w->len);
	g_ptr_array_add(w, NULL);
	char *out = g_strjoinv("\n", (char **)w->pdata);
	g_ptr_array_unref(w);
	rules_unref(&rules);
	calendar_free(&cal);
	config_free(&cfg);
	return out;
}

static const char all_set[] =
	"[deadlines]\ncalendar_file = calendar\n"
	"[routes]\nquality-dept = q@staff.example\noffice = o@staff.example\n"
	"crisis-team = c@staff.example\nlegal = l@staff.example\ndefault = d@staff.example\n"
	"[escalation]\nsupervisor = s@staff.example\ndirector = x@staff.example\n"
	"leadership = ceo@example.com\n";

static void expect_has(const char *all, const char *part, bool want)
{
	if ((strstr(all, part) != NULL) != want)
		fail_msg("%s '%s' in:\n%s", want ? "expected" : "did not expect", part, all);
}

/* approval: nobody who may approve a B plan is said; the ladder's first
 * levels stand in when [approval] names nobody */
static void test_approval(void **state)
{
	(void)state;
	const char *no_ladder =
		"[deadlines]\ncalendar_file = calendar\n"
		"[routes]\nquality-dept = q@staff.example\noffice = o@staff.example\n"
		"crisis-team = c@staff.example\nlegal = l@staff.example\ndefault = d@staff.example\n"
		"[escalation]\nleadership = ceo@example.com\n";
	char *w = run(no_ladder, cal_2026, 2026, 11, 1);
	expect_has(w, "can never be approved", true);
	g_free(w);
	char *text = g_strdup_printf("%s[approval]\ndomains = staff.example\n", no_ladder);
	w = run(text, cal_2026, 2026, 11, 1);
	expect_has(w, "can never be approved", false);
	expect_has(w, "sent to no one for approval", true);
	g_free(w);
	g_free(text);
	w = run(all_set, cal_2026, 2026, 11, 1);
	expect_has(w, "approv", false);
	g_free(w);
}

static void test_calendar_coverage(void **state)
{
	(void)state;
	/* 60 days from 1 November end on 31 December: 2026 suffices */
	char *w = run(all_set, cal_2026, 2026, 11, 1);
	assert_string_equal(w, "");
	g_free(w);
	/* one day later they reach 1 January 2027, which the file lacks */
	w = run(all_set, cal_2026, 2026, 11, 2);
	expect_has(w, "lists no holidays or make-up working days for 2027", true);
	expect_has(w, "run to 2027-01-01", true);
	expect_has(w, "for 2026", false);
	g_free(w);
	/* one line of 2027 covers it */
	w = run(all_set, "timezone = Asia/Shanghai\n2026-10-01 holiday 国庆节\n"
		"2027-02-06 workday 春节调休\n", 2026, 11, 2);
	assert_string_equal(w, "");
	g_free(w);
	/* the current year counts too: a file of last year's holidays only */
	w = run(all_set, cal_2026, 2027, 3, 1);
	expect_has(w, "for 2027", true);
	g_free(w);
	/* no file at all is said as such, not as a year missing */
	w = run("[routes]\ndefault = d@staff.example\n"
		"[escalation]\nsupervisor = s@staff.example\ndirector = x@staff.example\n"
		"leadership = ceo@example.com\n", cal_2026, 2026, 11, 2);
	expect_has(w, "[deadlines] calendar_file is not set", true);
	expect_has(w, "for 2027", false);
	g_free(w);
}

static void test_routes(void **state)
{
	(void)state;
	/* a typo, and keys in any case that name a route or category */
	char *w = run("[deadlines]\ncalendar_file = calendar\n"
		      "[routes]\nQuality-Dept = q@staff.example\nqualty-dept = t@staff.example\n"
		      "CRISIS-team = c@staff.example\nprice = p@staff.example\n"
		      "[escalation]\nsupervisor = s@staff.example\ndirector = x@staff.example\n"
		      "leadership = ceo@example.com\n", cal_2026, 2026, 6, 1);
	expect_has(w, "[routes] qualty-dept names no category nor route", true);
	expect_has(w, "routes: Legal, crisis-team, office, quality-dept", true);
	expect_has(w, "[routes] quality-dept names", false);
	expect_has(w, "[routes] crisis-team names", false);
	expect_has(w, "[routes] price names", false);
	/* the rules' routes without an address, whatever their case */
	expect_has(w, "route Legal of the rules has no address in [routes]", true);
	expect_has(w, "route office of the rules has no address", true);
	expect_has(w, "else to no one (no default either)", true);
	expect_has(w, "route crisis-team of the rules has no", false);
	/* categories: quality via its default-route, price by key; the others
	 * reach no one without a default */
	expect_has(w, "category service has no route", true);
	expect_has(w, "category infringement has no route", true);
	expect_has(w, "category other has no route: [routes] has no other nor office", true);
	expect_has(w, "category quality has no", false);
	expect_has(w, "category price has no", false);
	g_free(w);
}

static void test_escalation(void **state)
{
	(void)state;
	char *w = run("[deadlines]\ncalendar_file = calendar\n[routes]\ndefault = d@staff.example\n"
		      "[escalation]\nsupervisor = s@staff.example\n", cal_2026, 2026, 6, 1);
	expect_has(w, "[escalation] director has no address", true);
	expect_has(w, "[escalation] leadership has no address: severity A", true);
	expect_has(w, "supervisor has no", false);
	/* with default set every category reaches someone */
	expect_has(w, "has no route", false);
	g_free(w);
}

static int setup(void **state)
{
	(void)state;
	tmpdir = g_dir_make_tmp("opcheck-XXXXXX", NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char *cmd = g_strdup_printf("rm -rf '%s'", tmpdir);
	g_assert(system(cmd) == 0);
	g_free(cmd);
	g_free(tmpdir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_calendar_coverage),
		cmocka_unit_test(test_approval),
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_escalation),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
