/* test_calendar - the working-day calendar: the file's syntax and every
 * error it reports, how days count, the policy's deadlines, working time,
 * time zones and the shipped sample (`complaintctl calendar`: ctl/test_calendarctl). Runs
 * from the top of the source tree (COMPLAINTD_SRCDIR overrides). */
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
#include <glib/gstdio.h>

#include "workflow/calendar.h"
#include "lib/jsonparse.h"

#include "../calendar_fixture.h"

static struct calendar *utc_all_week(void)
{
	return parse_ok("timezone = UTC\nweekend = none\n");
}

static void expect_time(int64_t got, const char *want_iso)
{
	int64_t want = at(want_iso);
	if (got != want) {
		GDateTime *dt = g_date_time_new_from_unix_utc(got);
		char *s = dt ? g_date_time_format_iso8601(dt) : g_strdup("(out of range)");
		fail_msg("got %s (%lld), want %s", s, (long long)got, want_iso);
		g_free(s);
		if (dt)
			g_date_time_unref(dt);
	}
}

static void expect_kind(const struct calendar *c, int y, int m, int d,
			const char *kind, const char *note)
{
	const char *got_note = "unset";
	const char *got = calendar_day_kind(c, y, m, d, &got_note);
	if (got == NULL || strcmp(got, kind) != 0)
		fail_msg("%04d-%02d-%02d: kind %s, want %s", y, m, d, got ? got : "NULL", kind);
	if (g_strcmp0(got_note, note) != 0)
		fail_msg("%04d-%02d-%02d: note %s, want %s", y, m, d,
			 got_note ? got_note : "NULL", note ? note : "NULL");
	bool work = strcmp(kind, "workday") == 0 || strcmp(kind, "makeup") == 0;
	assert_int_equal(calendar_is_workday(c, y, m, d), work);
}

/* ---- the file ------------------------------------------------------------- */

static void test_defaults(void **state)
{
	struct calendar *c = calendar_new_default();
	int start, end;
	calendar_hours(c, &start, &end);
	assert_int_equal(start, 9 * 60);
	assert_int_equal(end, 18 * 60);
	assert_non_null(calendar_timezone(c));
	assert_int_equal(calendar_special_days(c), 0);
	expect_kind(c, 2026, 3, 2, "workday", NULL);   /* Monday */
	expect_kind(c, 2026, 3, 6, "workday", NULL);   /* Friday */
	expect_kind(c, 2026, 3, 7, "weekend", NULL);
	expect_kind(c, 2026, 3, 8, "weekend", NULL);
	expect_kind(c, 2026, 10, 1, "workday", NULL);  /* no holidays by default */
	assert_null(calendar_day_kind(c, 2026, 2, 30, NULL));
	assert_false(calendar_is_workday(c, 2026, 13, 1));

	/* an empty file is the default calendar too */
	struct calendar *e = parse_ok("# nothing but a comment\n\n   \n");
	expect_kind(e, 2026, 3, 7, "weekend", NULL);
	calendar_hours(e, &start, &end);
	assert_int_equal(end, 18 * 60);
	calendar_free(&e);

	struct calendar *r = calendar_ref(c);
	calendar_free(&c);
	assert_null(c);
	expect_kind(r, 2026, 3, 2, "workday", NULL);   /* still alive */
	calendar_free(&r);
	calendar_free(&r);                             /* NULL-safe */
	calendar_free(NULL);
}

static void test_parse_syntax(void **state)
{
	/* BOM, CR LF, upper case keywords, blanks, full day names, commas,
	 * end-of-line comments, '#' inside a name, one-digit hour */
	const char text[] =
		"\xef\xbb\xbf# calendar\r\n"
		"  TimeZone=Asia/Shanghai   # the company's\r\n"
		"weekend = Friday, SAT\r\n"
		"hours =  8:30 - 17:15\r\n"
		"\t2026-03-02 Holiday   C# day  \r\n"
		"2026-03-06 workday\r\n"
		"2026-03-07 WORKDAY 补班 # note\n"
		"2026-03-09 holiday\n"
		"2026-03-09 holiday 名字\n"          /* same kind twice: fine, takes the name */
		"2026-03-10..2026-03-10 holiday one-day range";
	struct calendar *c = parse_ok(text);
	assert_string_equal(calendar_timezone(c), "Asia/Shanghai");
	int start, end;
	calendar_hours(c, &start, &end);
	assert_int_equal(start, 8 * 60 + 30);
	assert_int_equal(end, 17 * 60 + 15);
	expect_kind(c, 2026, 3, 2, "holiday", "C# day");
	expect_kind(c, 2026, 3, 5, "workday", NULL);     /* Thursday */
	expect_kind(c, 2026, 3, 6, "makeup", NULL);      /* Friday is a weekend day here */
	expect_kind(c, 2026, 3, 7, "makeup", "补班");
	expect_kind(c, 2026, 3, 8, "workday", NULL);     /* Sunday works */
	expect_kind(c, 2026, 3, 9, "holiday", "名字");
	expect_kind(c, 2026, 3, 10, "holiday", "one-day range");
	expect_kind(c, 2026, 3, 13, "weekend", NULL);
	assert_int_equal(calendar_special_days(c), 5);
	calendar_free(&c);

	/* a workday listed on an ordinary weekday is just a workday */
	c = parse_ok("2026-03-04 workday 会议\n");
	expect_kind(c, 2026, 3, 4, "workday", "会议");
	calendar_free(&c);

	/* other zone spellings */
	c = parse_ok("timezone = UTC\n");
	assert_string_equal(calendar_timezone(c), "UTC");
	calendar_free(&c);
	c = parse_ok("timezone = +08:00\n");
	calendar_free(&c);
	c = parse_ok("timezone = local\nhours = 00:00-24:00\n");
	calendar_hours(c, &start, &end);
	assert_int_equal(end, 24 * 60);
	calendar_free(&c);
}

static void test_weekend_override(void **state)
{
	struct calendar *c = parse_ok("weekend = fri\n");
	expect_kind(c, 2026, 3, 6, "weekend", NULL);
	expect_kind(c, 2026, 3, 7, "workday", NULL);
	expect_kind(c, 2026, 3, 8, "workday", NULL);
	calendar_free(&c);

	c = parse_ok("weekend = none\n2026-03-07 workday 多余\n");
	for (int d = 2; d <= 8; d++)
		assert_true(calendar_is_workday(c, 2026, 3, d));
	expect_kind(c, 2026, 3, 7, "workday", "多余");  /* nothing to make up */
	calendar_free(&c);

	c = parse_ok("weekend = sun\n");
	expect_kind(c, 2026, 3, 7, "workday", NULL);
	expect_kind(c, 2026, 3, 8, "weekend", NULL);
	calendar_free(&c);
}

static void test_ranges(void **state)
{
	struct calendar *c = shanghai();
	expect_kind(c, 2026, 2, 13, "workday", NULL);
	expect_kind(c, 2026, 2, 14, "makeup", "春节调休");
	expect_kind(c, 2026, 2, 15, "holiday", "春节");  /* first day, a Sunday */
	expect_kind(c, 2026, 2, 18, "holiday", "春节");
	expect_kind(c, 2026, 2, 23, "holiday", "春节");  /* last day, a Monday */
	expect_kind(c, 2026, 2, 24, "workday", NULL);
	expect_kind(c, 2026, 2, 28, "makeup", "春节调休");
	expect_kind(c, 2026, 3, 1, "weekend", NULL);
	calendar_free(&c);

	/* a range may cross a year's end and last a leap year's 366 days */
	c = parse_ok("2027-12-30..2028-01-02 holiday x\n2028-01-01..2028-12-31 holiday leap\n");
	expect_kind(c, 2027, 12, 31, "holiday", "x");
	expect_kind(c, 2028, 2, 29, "holiday", "leap");
	expect_kind(c, 2028, 12, 31, "holiday", "leap");
	expect_kind(c, 2029, 1, 1, "workday", NULL);
	calendar_free(&c);
}

/* expect_errors - text fails with exactly these messages, in order. */
static void expect_errors(const char *text, size_t len, const char *const *want)
{
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	struct calendar *c = calendar_parse("t.cal", text, len, errors);
	if (c != NULL)
		fail_msg("[%.*s] parsed", (int)len, text);
	size_t n = 0;
	while (want[n])
		n++;
	for (size_t i = 0; i < MAX(n, errors->len); i++) {
		const char *got = i < errors->len ? errors->pdata[i] : "(none)";
		const char *w = i < n ? want[i] : "(none)";
		if (strcmp(got, w) != 0)
			fail_msg("[%.*s] error %zu: [%s], want [%s]", (int)len, text, i, got, w);
	}
	g_ptr_array_unref(errors);
}

static void expect_error(const char *text, const char *want)
{
	const char *const list[] = { want, NULL };
	expect_errors(text, strlen(text), list);
}

static void test_parse_errors(void **state)
{
	/* keys and values */
	expect_error("# c\ncolour = red\n",
		     "t.cal:2: unknown key 'colour' (timezone, weekend or hours)");
	expect_error("holiday 2026-01-01\n",
		     "t.cal:1: expected 'key = value' or a date line, got 'holiday 2026-01-01'");
	expect_error("timezone Asia/Shanghai\n",
		     "t.cal:1: expected 'key = value' or a date line, got 'timezone Asia/Shanghai'");
	expect_error("\n\ntimezone =\n", "t.cal:3: timezone: missing value");
	expect_error("timezone = Mars/Olympus_Mons\n",
		     "t.cal:1: timezone: unknown time zone 'Mars/Olympus_Mons' "
		     "(an IANA name such as Asia/Shanghai)");
	expect_error("timezone = /etc/passwd\n",
		     "t.cal:1: timezone: unknown time zone '/etc/passwd' "
		     "(an IANA name such as Asia/Shanghai)");
	expect_error("timezone = Asia/../Shanghai\n",
		     "t.cal:1: timezone: unknown time zone 'Asia/../Shanghai' "
		     "(an IANA name such as Asia/Shanghai)");
	expect_error("timezone = UTC\ntimezone = UTC\n",
		     "t.cal:2: timezone given twice (first on line 1)");
	expect_error("weekend = sat sonntag\n",
		     "t.cal:1: weekend: unknown day 'sonntag' "
		     "(mon, tue, wed, thu, fri, sat, sun or none)");
	expect_error("weekend = none sun\n", "t.cal:1: weekend: 'none' stands alone");
	expect_error("weekend = ,\n", "t.cal:1: weekend: missing value");
	expect_error("weekend = sat\nweekend = sun\n",
		     "t.cal:2: weekend given twice (first on line 1)");
	expect_error("hours = 9-18\n",
		     "t.cal:1: hours: expected HH:MM-HH:MM such as 09:00-18:00, got '9-18'");
	expect_error("hours = 09:00-18:60\n",
		     "t.cal:1: hours: expected HH:MM-HH:MM such as 09:00-18:00, got '09:00-18:60'");
	expect_error("hours = 24:00-24:00\n",
		     "t.cal:1: hours: expected HH:MM-HH:MM such as 09:00-18:00, got '24:00-24:00'");
	expect_error("hours = 09:00-18:00 x\n",
		     "t.cal:1: hours: expected HH:MM-HH:MM such as 09:00-18:00, "
		     "got '09:00-18:00 x'");
	expect_error("hours = 18:00-09:00\n",
		     "t.cal:1: hours: the end (18:00-09:00) must come after the start");
	expect_error("hours = 09:00-09:00\n",
		     "t.cal:1: hours: the end (09:00-09:00) must come after the start");

	/* dates */
	expect_error("2026-1-01 holiday\n",
		     "t.cal:1: bad date '2026-1-01': expected YYYY-MM-DD");
	expect_error("2026/01/01 holiday\n",
		     "t.cal:1: bad date '2026/01/01': expected YYYY-MM-DD");
	expect_error("2026-02-30 holiday\n", "t.cal:1: bad date '2026-02-30': no such date");
	expect_error("2027-02-29 holiday\n", "t.cal:1: bad date '2027-02-29': no such date");
	expect_error("2026-13-01 holiday\n", "t.cal:1: bad date '2026-13-01': no such date");
	expect_error("1969-12-31 holiday\n",
		     "t.cal:1: bad date '1969-12-31': year outside 1970..2200");
	expect_error("2201-01-01 holiday\n",
		     "t.cal:1: bad date '2201-01-01': year outside 1970..2200");
	expect_error("2026-01-01..2026-02-30 holiday\n",
		     "t.cal:1: bad date '2026-02-30': no such date");
	expect_error("2026-01-01.. holiday\n", "t.cal:1: bad date '': expected YYYY-MM-DD");
	expect_error("2026-01-05..2026-01-04 holiday\n",
		     "t.cal:1: reversed range 2026-01-05..2026-01-04");
	struct calendar *longest = parse_ok("2026-01-01..2027-01-01 holiday\n"); /* 366 days */
	calendar_free(&longest);
	expect_error("2026-01-01..2027-01-02 holiday\n",
		     "t.cal:1: range 2026-01-01..2027-01-02 spans 367 days (at most 366)");
	expect_error("2026-01-01\n",
		     "t.cal:1: missing kind after the date (holiday or workday)");
	expect_error("2026-01-01 vacation 元旦\n",
		     "t.cal:1: unknown kind 'vacation' (holiday or workday)");
	expect_error("2026-01-01 holiday\n2026-01-01 workday\n",
		     "t.cal:2: 2026-01-01 already listed as holiday on line 1, here as workday");
	expect_error("2026-02-15..2026-02-23 holiday 春节\n# x\n2026-02-20..2026-02-28 workday\n",
		     "t.cal:3: 2026-02-20 (and 3 more days) already listed as holiday on line 1, "
		     "here as workday");

	/* bytes */
	expect_error("ok = \xff\n", "t.cal:1: invalid UTF-8");
	expect_error("2026-01-01 holiday \xe5\x85\n", "t.cal:1: invalid UTF-8");
	const char nul[] = "weekend = sat\n2026-01-01 holiday a\0b\n";
	const char *const nul_errors[] = { "t.cal:2: NUL byte", NULL };
	expect_errors(nul, sizeof nul - 1, nul_errors);
	expect_error("2026-01-01 holiday \x1b[31mred\n", "t.cal:1: control character U+001B");
	expect_error("weekend = sat\rsun\n", "t.cal:1: control character U+000D");
	expect_error("2026-01-01 holiday \xc2\x85\n", "t.cal:1: control character U+0085");
	GString *s = g_string_new("weekend = sat\n# ");
	for (int i = 0; i < CALENDAR_MAX_LINE; i++)
		g_string_append_c(s, 'x');
	g_string_append(s, "\n");
	expect_error(s->str, "t.cal:2: line longer than 1024 bytes");
	g_string_free(s, TRUE);
}

static void test_parse_collects_all(void **state)
{
	const char text[] =
		"timezone = Nowhere/City\n"
		"weekend = sat sun\n"
		"hours = late\n"
		"2026-01-01 holiday 元旦\n"
		"2026-02-30 holiday\n"
		"\n"
		"2026-01-01 workday\n"
		"colour = red\n";
	const char *const want[] = {
		"t.cal:1: timezone: unknown time zone 'Nowhere/City' (an IANA name such as Asia/Shanghai)",
		"t.cal:3: hours: expected HH:MM-HH:MM such as 09:00-18:00, got 'late'",
		"t.cal:5: bad date '2026-02-30': no such date",
		"t.cal:7: 2026-01-01 already listed as holiday on line 4, here as workday",
		"t.cal:8: unknown key 'colour' (timezone, weekend or hours)",
		NULL,
	};
	expect_errors(text, sizeof text - 1, want);

	/* errors may be NULL: still NULL back, no crash */
	assert_null(calendar_parse("t.cal", text, sizeof text - 1, NULL));

	/* a file of garbage gives a bounded list */
	GString *g = g_string_new(NULL);
	for (int i = 0; i < 5000; i++)
		g_string_append(g, "garbage\n");
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	assert_null(calendar_parse("t.cal", g->str, g->len, errors));
	assert_int_equal(errors->len, CALENDAR_MAX_ERRORS + 1);
	assert_string_equal(errors->pdata[CALENDAR_MAX_ERRORS],
			    "t.cal:100: too many errors, the rest of the file is not checked");
	g_ptr_array_unref(errors);
	g_string_free(g, TRUE);

	/* too large as a whole */
	char *big = g_malloc0(CALENDAR_MAX_BYTES + 1);
	memset(big, '\n', CALENDAR_MAX_BYTES + 1);
	errors = g_ptr_array_new_with_free_func(g_free);
	assert_null(calendar_parse("t.cal", big, CALENDAR_MAX_BYTES + 1, errors));
	assert_int_equal(errors->len, 1);
	assert_string_equal(errors->pdata[0], "t.cal: larger than 1048576 bytes");
	g_ptr_array_unref(errors);
	g_free(big);
}

static void test_load(void **state)
{
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	assert_null(calendar_load("/nonexistent/complaintd.calendar", errors));
	assert_int_equal(errors->len, 1);
	assert_string_equal(errors->pdata[0],
			    "/nonexistent/complaintd.calendar: No such file or directory");
	g_ptr_array_set_size(errors, 0);

	char *dir = g_dir_make_tmp("calendar-XXXXXX", NULL);
	assert_non_null(dir);
	char *path = g_build_filename(dir, "calendar", NULL);
	assert_true(g_file_set_contents(path, "weekend = sun\n2026-03-02 holiday\nbad\n", -1, NULL));
	assert_null(calendar_load(path, errors));
	assert_int_equal(errors->len, 1);
	char *want = g_strdup_printf("%s:3: expected 'key = value' or a date line, got 'bad'", path);
	assert_string_equal(errors->pdata[0], want);
	g_free(want);
	g_ptr_array_set_size(errors, 0);

	assert_true(g_file_set_contents(path, "weekend = sun\n2026-03-02 holiday\n", -1, NULL));
	struct calendar *c = calendar_load(path, errors);
	assert_non_null(c);
	expect_kind(c, 2026, 3, 2, "holiday", NULL);
	expect_kind(c, 2026, 3, 7, "workday", NULL);
	calendar_free(&c);

	assert_null(calendar_load(dir, errors));   /* a directory */
	assert_int_equal(errors->len, 1);
	g_ptr_array_unref(errors);
	g_unlink(path);
	g_rmdir(dir);
	g_free(path);
	g_free(dir);
}

static void test_sample_loads(void **state)
{
	char *path = src_path("src/calendar.sample");
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	struct calendar *c = calendar_load(path, errors);
	if (c == NULL)
		fail_msg("%s: %s", path, errors->len ? (char *)errors->pdata[0] : "?");
	assert_string_equal(calendar_timezone(c), "Asia/Shanghai");
	int start, end;
	calendar_hours(c, &start, &end);
	assert_int_equal(start, 9 * 60);
	assert_int_equal(end, 18 * 60);
	/* the State Council's 2026 schedule */
	expect_kind(c, 2026, 1, 1, "holiday", "元旦");
	expect_kind(c, 2026, 1, 3, "holiday", "元旦");
	expect_kind(c, 2026, 1, 4, "makeup", "元旦调休");
	expect_kind(c, 2026, 2, 14, "makeup", "春节调休");
	expect_kind(c, 2026, 2, 15, "holiday", "春节");
	expect_kind(c, 2026, 2, 23, "holiday", "春节");
	expect_kind(c, 2026, 2, 28, "makeup", "春节调休");
	expect_kind(c, 2026, 4, 4, "holiday", "清明节");
	expect_kind(c, 2026, 4, 6, "holiday", "清明节");
	expect_kind(c, 2026, 4, 7, "workday", NULL);
	expect_kind(c, 2026, 5, 1, "holiday", "劳动节");
	expect_kind(c, 2026, 5, 5, "holiday", "劳动节");
	expect_kind(c, 2026, 5, 9, "makeup", "劳动节调休");
	expect_kind(c, 2026, 6, 19, "holiday", "端午节");
	expect_kind(c, 2026, 6, 21, "holiday", "端午节");
	expect_kind(c, 2026, 9, 20, "makeup", "国庆节调休");
	expect_kind(c, 2026, 9, 25, "holiday", "中秋节");
	expect_kind(c, 2026, 9, 27, "holiday", "中秋节");
	expect_kind(c, 2026, 10, 1, "holiday", "国庆节");
	expect_kind(c, 2026, 10, 7, "holiday", "国庆节");
	expect_kind(c, 2026, 10, 8, "workday", NULL);
	expect_kind(c, 2026, 10, 10, "makeup", "国庆节调休");
	expect_kind(c, 2026, 10, 11, "weekend", NULL);
	/* every make-up day of the schedule really falls on a weekend */
	assert_string_equal(calendar_weekday_name(2026, 1, 4), "Sun");
	assert_string_equal(calendar_weekday_name(2026, 2, 14), "Sat");
	assert_string_equal(calendar_weekday_name(2026, 2, 28), "Sat");
	assert_string_equal(calendar_weekday_name(2026, 5, 9), "Sat");
	assert_string_equal(calendar_weekday_name(2026, 9, 20), "Sun");
	assert_string_equal(calendar_weekday_name(2026, 10, 10), "Sat");
	assert_int_equal(calendar_special_days(c), 3 + 1 + 1 + 9 + 1 + 3 + 5 + 1 + 3 + 3 + 1 + 7 + 1);
	calendar_free(&c);
	g_ptr_array_unref(errors);
	g_free(path);
}

/* ---- deadlines ------------------------------------------------------------ */

static void test_deadlines(void **state)
{
	struct calendar *c = shanghai();
	/* received Friday 17:00: Mon, Tue, Wed */
	expect_time(calendar_add_working_days(c, at("2026-03-06T17:00:00+08:00"), 3),
		    "2026-03-11T18:00:00+08:00");
	/* received on a Saturday: the same */
	expect_time(calendar_add_working_days(c, at("2026-03-07T10:00:00+08:00"), 3),
		    "2026-03-11T18:00:00+08:00");
	/* received early Monday: Monday itself does not count */
	expect_time(calendar_add_working_days(c, at("2026-03-09T00:00:01+08:00"), 1),
		    "2026-03-10T18:00:00+08:00");
	expect_time(calendar_add_working_days(c, at("2026-03-09T08:00:00+08:00"), 10),
		    "2026-03-23T18:00:00+08:00");
	/* Labour Day (Fri May 1 - Tue May 5) pushes it on; the make-up Saturday
	 * May 9 counts: Wed 6, Thu 7, Fri 8, Sat 9, Mon 11 */
	expect_time(calendar_add_working_days(c, at("2026-04-30T16:00:00+08:00"), 3),
		    "2026-05-08T18:00:00+08:00");
	expect_time(calendar_add_working_days(c, at("2026-04-30T16:00:00+08:00"), 4),
		    "2026-05-09T18:00:00+08:00");
	expect_time(calendar_add_working_days(c, at("2026-04-30T16:00:00+08:00"), 5),
		    "2026-05-11T18:00:00+08:00");
	/* the Spring Festival: Fri Feb 13, make-up Sat Feb 14, holiday to Feb 23 */
	expect_time(calendar_add_working_days(c, at("2026-02-12T09:00:00+08:00"), 3),
		    "2026-02-24T18:00:00+08:00");
	/* received on a holiday (National Day): Thu 8, Fri 9, Sat 10 (make-up) */
	expect_time(calendar_add_working_days(c, at("2026-10-03T12:00:00+08:00"), 3),
		    "2026-10-10T18:00:00+08:00");
	expect_time(calendar_add_working_days(c, at("2026-10-03T12:00:00+08:00"), 10),
		    "2026-10-20T18:00:00+08:00");
	calendar_free(&c);
}

static void test_deadline_zero(void **state)
{
	struct calendar *c = shanghai();
	/* a working day: the end of that day, even after hours */
	expect_time(calendar_add_working_days(c, at("2026-03-06T08:00:00+08:00"), 0),
		    "2026-03-06T18:00:00+08:00");
	expect_time(calendar_add_working_days(c, at("2026-03-06T20:00:00+08:00"), 0),
		    "2026-03-06T18:00:00+08:00");
	/* a weekend: the next working day */
	expect_time(calendar_add_working_days(c, at("2026-03-07T10:00:00+08:00"), 0),
		    "2026-03-09T18:00:00+08:00");
	/* a holiday: the next working day; a make-up Sunday is one */
	expect_time(calendar_add_working_days(c, at("2026-01-02T10:00:00+08:00"), 0),
		    "2026-01-04T18:00:00+08:00");
	expect_time(calendar_add_working_days(c, at("2026-01-04T10:00:00+08:00"), 0),
		    "2026-01-04T18:00:00+08:00");
	calendar_free(&c);

	/* hours ending at 24:00 end at the next midnight */
	c = parse_ok("timezone = UTC\nhours = 08:00-24:00\n");
	expect_time(calendar_add_working_days(c, at("2026-03-06T10:00:00Z"), 0),
		    "2026-03-07T00:00:00Z");
	expect_time(calendar_add_working_days(c, at("2026-03-06T10:00:00Z"), 1),
		    "2026-03-10T00:00:00Z");
	calendar_free(&c);
}

static void test_timezones(void **state)
{
	/* Thursday 16:30 UTC is already Friday 00:30 in Shanghai */
	int64_t t = at("2026-03-05T16:30:00Z");
	struct calendar *sh = shanghai();
	struct calendar *utc = parse_ok("timezone = UTC\n");
	int y, m, d;
	assert_true(calendar_local_date(sh, t, &y, &m, &d));
	assert_int_equal(d, 6);
	assert_true(calendar_local_date(utc, t, &y, &m, &d));
	assert_int_equal(d, 5);
	/* Shanghai: received Fri -> Mon, Tue, Wed 18:00 +08 (10:00 UTC) */
	expect_time(calendar_add_working_days(sh, t, 3), "2026-03-11T10:00:00Z");
	/* UTC: received Thu -> Fri, Mon, Tue 18:00 UTC */
	expect_time(calendar_add_working_days(utc, t, 3), "2026-03-10T18:00:00Z");
	/* and just before local midnight it is still Thursday in Shanghai */
	expect_time(calendar_add_working_days(sh, at("2026-03-05T15:59:59Z"), 3),
		    "2026-03-10T10:00:00Z");
	char *s = calendar_format_time(sh, t);
	assert_string_equal(s, "2026-03-06 Fri 00:30 +08:00");
	g_free(s);
	s = calendar_format_time(utc, at("2026-03-05T16:30:15Z"));
	assert_string_equal(s, "2026-03-05 Thu 16:30:15 +00:00");
	g_free(s);
	s = calendar_format_time(utc, INT64_MAX);
	assert_string_equal(s, "never");
	g_free(s);
	/* a Chinese mail names the day in Chinese, and "never" too */
	s = calendar_format_time_lang(sh, t, "zh");
	assert_string_equal(s, "2026-03-06 周五 00:30 +08:00");
	g_free(s);
	s = calendar_format_time_lang(utc, at("2026-03-08T09:00:00Z"), "zh");
	assert_string_equal(s, "2026-03-08 周日 09:00 +00:00");
	g_free(s);
	s = calendar_format_time_lang(utc, INT64_MAX, "zh");
	assert_string_equal(s, "无期限");
	g_free(s);
	s = calendar_format_time_lang(sh, t, "en");
	assert_string_equal(s, "2026-03-06 Fri 00:30 +08:00");
	g_free(s);
	calendar_free(&sh);
	calendar_free(&utc);

	/* a zone with daylight saving: New York went from UTC-5 to UTC-4 on
	 * Sunday 2026-03-08 at 02:00; working hours are wall-clock hours */
	struct calendar *ny = parse_ok("timezone = America/New_York\nweekend = none\n");
	expect_time(calendar_add_working_days(ny, at("2026-03-07T12:00:00-05:00"), 1),
		    "2026-03-08T18:00:00-04:00");
	assert_int_equal(calendar_working_seconds(ny, at("2026-03-07T00:00:00-05:00"),
						  at("2026-03-09T00:00:00-04:00")), 2 * 9 * 3600);
	expect_time(calendar_add_working_seconds(ny, at("2026-03-07T17:00:00-05:00"), 2 * 3600),
		    "2026-03-08T10:00:00-04:00");
	s = calendar_format_time(ny, at("2026-03-08T18:00:00-04:00"));
	assert_string_equal(s, "2026-03-08 Sun 18:00 -04:00");
	g_free(s);
	calendar_free(&ny);
}

/* ---- working time ------------------------------------------------------------ */

static void test_working_seconds(void **state)
{
	struct calendar *c = shanghai();
	const int64_t H = 3600;
	/* inside one working day */
	assert_int_equal(calendar_working_seconds(c, at("2026-03-09T10:00:00+08:00"),
						  at("2026-03-09T12:30:00+08:00")), 2 * H + H / 2);
	/* partial days at both ends: Mon 17:00..Tue 10:00 = 1 h + 1 h */
	assert_int_equal(calendar_working_seconds(c, at("2026-03-09T17:00:00+08:00"),
						  at("2026-03-10T10:00:00+08:00")), 2 * H);
	/* before and after hours count nothing */
	assert_int_equal(calendar_working_seconds(c, at("2026-03-09T06:00:00+08:00"),
						  at("2026-03-09T09:00:00+08:00")), 0);
	assert_int_equal(calendar_working_seconds(c, at("2026-03-09T18:00:00+08:00"),
						  at("2026-03-10T09:00:00+08:00")), 0);
	/* across a weekend: Fri 17:00 .. Mon 10:00 = 1 h + 1 h */
	assert_int_equal(calendar_working_seconds(c, at("2026-03-06T17:00:00+08:00"),
						  at("2026-03-09T10:00:00+08:00")), 2 * H);
	/* a whole week */
	assert_int_equal(calendar_working_seconds(c, at("2026-03-09T00:00:00+08:00"),
						  at("2026-03-16T00:00:00+08:00")), 5 * 9 * H);
	/* National Day week: Sep 28 - Oct 11 has Sep 28-30, Oct 8, 9, 10 (make-up) */
	assert_int_equal(calendar_working_seconds(c, at("2026-09-28T00:00:00+08:00"),
						  at("2026-10-12T00:00:00+08:00")), 6 * 9 * H);
	/* a holiday alone */
	assert_int_equal(calendar_working_seconds(c, at("2026-10-05T00:00:00+08:00"),
						  at("2026-10-06T00:00:00+08:00")), 0);
	/* reversed or empty */
	assert_int_equal(calendar_working_seconds(c, at("2026-03-10T10:00:00+08:00"),
						  at("2026-03-09T10:00:00+08:00")), 0);
	assert_int_equal(calendar_working_seconds(c, 1000, 1000), 0);
	/* a year: 2026 has 261 weekdays; 元旦 2, 春节 6, 劳动节 3 and 国庆节 5 of
	 * them fall on weekdays in this file, and it has 6 make-up days */
	assert_int_equal(calendar_working_seconds(c, at("2026-01-01T00:00:00+08:00"),
						  at("2027-01-01T00:00:00+08:00")),
			 (261 - 2 - 6 - 3 - 5 + 6) * 9 * H);
	/* out of range instants are clamped, not refused */
	assert_true(calendar_working_seconds(c, INT64_MIN, at("1900-01-08T00:00:00Z")) > 0);
	calendar_free(&c);
}

/* check_inverse - add_working_seconds lands where working_seconds says. */
static void check_inverse(const struct calendar *c, int64_t from, int64_t secs)
{
	int64_t t = calendar_add_working_seconds(c, from, secs);
	assert_true(t != INT64_MAX);
	assert_true(t >= from);
	if (calendar_working_seconds(c, from, t) != secs)
		fail_msg("from %lld + %lld: %lld counted", (long long)from, (long long)secs,
			 (long long)calendar_working_seconds(c, from, t));
	/* and it is the earliest such instant */
	if (secs > 0)
		assert_int_equal(calendar_working_seconds(c, from, t - 1), secs - 1);
}

static void test_add_working_seconds(void **state)
{
	struct calendar *c = shanghai();
	const int64_t H = 3600;
	/* an hour from Friday 17:30 is Monday 09:30 */
	expect_time(calendar_add_working_seconds(c, at("2026-03-06T17:30:00+08:00"), H),
		    "2026-03-09T09:30:00+08:00");
	/* from before hours starts at 09:00 */
	expect_time(calendar_add_working_seconds(c, at("2026-03-09T03:00:00+08:00"), H),
		    "2026-03-09T10:00:00+08:00");
	/* exactly the rest of the day ends at 18:00, not the next morning */
	expect_time(calendar_add_working_seconds(c, at("2026-03-09T09:00:00+08:00"), 9 * H),
		    "2026-03-09T18:00:00+08:00");
	/* across National Day to the make-up Saturday */
	expect_time(calendar_add_working_seconds(c, at("2026-09-30T17:00:00+08:00"), 20 * H),
		    "2026-10-10T10:00:00+08:00");
	/* nothing to add */
	assert_int_equal(calendar_add_working_seconds(c, 12345, 0), 12345);
	assert_int_equal(calendar_add_working_seconds(c, 12345, -5), 12345);
	assert_int_equal(calendar_add_working_seconds(c, CALENDAR_TIME_MAX + 1, 5), INT64_MAX);

	const char *froms[] = {
		"2026-03-06T17:30:00+08:00", "2026-03-07T12:00:00+08:00",
		"2026-02-13T17:59:59+08:00", "2026-09-30T08:00:00+08:00",
		"2026-10-05T12:00:00+08:00", "2026-12-31T23:00:00+08:00",
	};
	const int64_t secs[] = { 0, 1, 59, H, 9 * H - 1, 9 * H, 9 * H + 1, 47 * H + 13,
				 30 * 9 * H };
	for (size_t i = 0; i < G_N_ELEMENTS(froms); i++)
		for (size_t k = 0; k < G_N_ELEMENTS(secs); k++)
			check_inverse(c, at(froms[i]), secs[k]);
	calendar_free(&c);

	/* and where weekends do not exist */
	c = utc_all_week();
	check_inverse(c, at("2026-03-07T20:00:00Z"), 5 * H);
	expect_time(calendar_add_working_seconds(c, at("2026-03-07T20:00:00Z"), 5 * H),
		    "2026-03-08T14:00:00Z");
	calendar_free(&c);
}

static void test_no_working_day(void **state)
{
	struct calendar *c = parse_ok("weekend = mon tue wed thu fri sat sun\n");
	int64_t t0 = g_get_monotonic_time();
	assert_int_equal(calendar_add_working_days(c, at("2026-03-06T10:00:00Z"), 3), INT64_MAX);
	assert_int_equal(calendar_add_working_days(c, at("2026-03-06T10:00:00Z"), 0), INT64_MAX);
	assert_int_equal(calendar_add_working_days(c, at("2026-03-06T10:00:00Z"), UINT32_MAX),
			 INT64_MAX);
	assert_int_equal(calendar_add_working_seconds(c, at("2026-03-06T10:00:00Z"), 1), INT64_MAX);
	assert_int_equal(calendar_working_seconds(c, at("2026-01-01T00:00:00Z"),
						  at("2036-01-01T00:00:00Z")), 0);
	assert_false(calendar_is_workday(c, 2026, 3, 6));
	calendar_free(&c);

	/* a single make-up day among nothing: found, then nothing more */
	c = parse_ok("timezone = UTC\nweekend = mon tue wed thu fri sat sun\n"
		     "2026-03-20 workday only\n");
	expect_time(calendar_add_working_days(c, at("2026-03-06T10:00:00Z"), 1),
		    "2026-03-20T18:00:00Z");
	assert_int_equal(calendar_add_working_days(c, at("2026-03-06T10:00:00Z"), 2), INT64_MAX);
	expect_time(calendar_add_working_seconds(c, at("2026-03-06T10:00:00Z"), 60),
		    "2026-03-20T09:01:00Z");
	assert_int_equal(calendar_add_working_seconds(c, at("2026-03-06T10:00:00Z"), 9 * 3600 + 1),
			 INT64_MAX);
	calendar_free(&c);

	/* far out of range */
	c = calendar_new_default();
	assert_int_equal(calendar_add_working_days(c, INT64_MAX, 1), INT64_MAX);
	assert_int_equal(calendar_add_working_days(c, INT64_MIN, 1), INT64_MAX);
	assert_int_equal(calendar_add_working_days(c, CALENDAR_TIME_MAX, 5), INT64_MAX);
	calendar_free(&c);
	/* the whole thing stays well under a second on any machine */
	assert_true(g_get_monotonic_time() - t0 < 2 * G_USEC_PER_SEC);
}

/* ---- dates as customers read them ------------------------------------------ */

static void expect_text(char *got, const char *want)
{
	if (g_strcmp0(got, want) != 0)
		fail_msg("got %s, want %s", got ? got : "NULL", want ? want : "NULL");
	g_free(got);
}

static void test_date_text(void **state)
{
	(void)state;
	expect_text(calendar_date_text(2026, 12, 9, "zh"), "2026年12月9日");
	expect_text(calendar_date_text(2026, 12, 9, "en"), "9 December 2026");
	expect_text(calendar_date_text(2027, 1, 1, "zh"), "2027年1月1日");
	expect_text(calendar_date_text(2027, 1, 1, "en"), "1 January 2027");
	expect_text(calendar_date_text(2028, 2, 29, "en"), "29 February 2028");
	/* anything but en is written as the default language writes it */
	expect_text(calendar_date_text(2026, 5, 31, NULL), "2026年5月31日");
	expect_text(calendar_date_text(2026, 5, 31, "fr"), "2026年5月31日");
	/* no such dates */
	expect_text(calendar_date_text(2026, 2, 29, "zh"), NULL);
	expect_text(calendar_date_text(2026, 13, 1, "en"), NULL);
	expect_text(calendar_date_text(2026, 0, 1, "en"), NULL);
	expect_text(calendar_date_text(2026, 4, 31, "zh"), NULL);
	expect_text(calendar_date_text(0, 1, 1, "zh"), NULL);
	expect_text(calendar_date_text(2026, 1, -3, "zh"), NULL);
	expect_text(calendar_date_text(INT32_MAX, 1, 1, "en"), NULL);
}

static void test_format_date(void **state)
{
	(void)state;
	struct calendar *c = parse_ok(shanghai_text);
	/* the day is the calendar's: 16:30 UTC is half past midnight in Shanghai */
	expect_text(calendar_format_date(c, at("2026-12-09T16:30:00Z"), "zh"), "2026年12月10日");
	expect_text(calendar_format_date(c, at("2026-12-09T15:59:59Z"), "en"), "9 December 2026");
	/* the feedback deadline of a complaint received on Friday before
	 * National Day's make-up Sunday: the date a customer is promised */
	int64_t due = calendar_add_working_days(c, at("2026-09-18T10:00:00+08:00"), 3);
	expect_text(calendar_format_date(c, due, "zh"), "2026年9月22日");
	expect_text(calendar_format_date(c, due, "en"), "22 September 2026");
	/* no deadline, never, and instants the calendar does not understand */
	expect_text(calendar_format_date(c, 0, "zh"), NULL);
	expect_text(calendar_format_date(c, INT64_MAX, "en"), NULL);
	expect_text(calendar_format_date(c, CALENDAR_TIME_MAX + 1, "en"), NULL);
	expect_text(calendar_format_date(c, INT64_MIN, "zh"), NULL);
	calendar_free(&c);
}

static void test_lists_year(void **state)
{
	(void)state;
	struct calendar *c = parse_ok(shanghai_text);
	assert_true(calendar_lists_year(c, 2026));
	assert_false(calendar_lists_year(c, 2025));
	assert_false(calendar_lists_year(c, 2027));
	assert_false(calendar_lists_year(c, 0));
	assert_false(calendar_lists_year(c, INT32_MAX));
	calendar_free(&c);
	/* a year's edges count: a make-up day on 31 December lists that year only */
	c = parse_ok("2027-12-31 workday 跨年调休\n");
	assert_true(calendar_lists_year(c, 2027));
	assert_false(calendar_lists_year(c, 2028));
	calendar_free(&c);
	c = calendar_new_default();
	assert_false(calendar_lists_year(c, 2026));
	calendar_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_parse_syntax),
		cmocka_unit_test(test_weekend_override),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_collects_all),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_sample_loads),
		cmocka_unit_test(test_deadlines),
		cmocka_unit_test(test_deadline_zero),
		cmocka_unit_test(test_timezones),
		cmocka_unit_test(test_working_seconds),
		cmocka_unit_test(test_add_working_seconds),
		cmocka_unit_test(test_no_working_day),
		cmocka_unit_test(test_date_text),
		cmocka_unit_test(test_format_date),
		cmocka_unit_test(test_lists_year),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
