/* test_report - the report's pure parts: periods in Shanghai (a month end, a
 * week's Monday start, the previous period, a leap February) and in a zone
 * with summer time, the percentile arithmetic, the trend's buckets, the
 * subject line, and the four renderings of reports made by hand: 80
 * columns and no control characters in text, RFC 4180 quoting and the
 * formula guard in CSV, JSON that parses, HTML with every value escaped and
 * charts that survive a period without data. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <glib.h>

#include "workflow/calendar.h"
#include "lib/termtext.h"
#include "lib/jsonparse.h"
#include "workflow/report.h"

static struct calendar *calendar_in(const char *zone)
{
	char *text = g_strdup_printf("timezone = %s\nweekend = sat sun\n", zone);
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	struct calendar *c = calendar_parse("t.cal", text, strlen(text), errors);
	if (!c)
		fail_msg("calendar: %s", errors->len ? (char *)errors->pdata[0] : "?");
	g_ptr_array_unref(errors);
	g_free(text);
	return c;
}

/* at - unix time of an ISO 8601 date-time with offset. */
static int64_t at(const char *iso)
{
	GDateTime *dt = g_date_time_new_from_iso8601(iso, NULL);
	if (!dt)
		fail_msg("bad test time %s", iso);
	int64_t t = g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	return t;
}

static void expect_period(const struct calendar *c, const char *kind, const char *t,
			  const char *from, const char *to)
{
	int64_t f = 0, e = 0;
	if (!report_period(c, kind, at(t), &f, &e))
		fail_msg("%s of %s: false", kind, t);
	if (f != at(from) || e != at(to))
		fail_msg("%s of %s: [%lld, %lld), want [%s, %s)", kind, t, (long long)f,
			 (long long)e, from, to);
}

static void expect_previous(const struct calendar *c, const char *kind, const char *t,
			    const char *from, const char *to)
{
	int64_t f = 0, e = 0;
	assert_true(report_previous_period(c, kind, at(t), &f, &e));
	if (f != at(from) || e != at(to))
		fail_msg("previous %s of %s: want [%s, %s)", kind, t, from, to);
}

/* ---- periods ----------------------------------------------------------------- */

static void test_periods_shanghai(void **state)
{
	struct calendar *c = calendar_in("Asia/Shanghai");
	/* the last second of November and the first of December, Shanghai time */
	expect_period(c, "day", "2026-11-30T23:59:59+08:00", "2026-11-30T00:00:00+08:00",
		      "2026-12-01T00:00:00+08:00");
	expect_period(c, "day", "2026-12-01T00:00:00+08:00", "2026-12-01T00:00:00+08:00",
		      "2026-12-02T00:00:00+08:00");
	/* 16:00 UTC on 30 November is already 1 December in Shanghai */
	expect_period(c, "day", "2026-11-30T16:00:00Z", "2026-12-01T00:00:00+08:00",
		      "2026-12-02T00:00:00+08:00");
	expect_period(c, "month", "2026-11-30T23:59:59+08:00", "2026-11-01T00:00:00+08:00",
		      "2026-12-01T00:00:00+08:00");
	expect_period(c, "month", "2026-11-30T16:00:00Z", "2026-12-01T00:00:00+08:00",
		      "2027-01-01T00:00:00+08:00");
	/* weeks start on Monday (30 November): across the month end */
	const char *in_week[] = { "2026-11-30T00:00:00+08:00", "2026-12-01T12:00:00+08:00",
				  "2026-12-06T23:59:59+08:00" };
	for (size_t i = 0; i < G_N_ELEMENTS(in_week); i++)
		expect_period(c, "week", in_week[i], "2026-11-30T00:00:00+08:00",
			      "2026-12-07T00:00:00+08:00");
	expect_period(c, "week", "2026-11-29T23:59:59+08:00", "2026-11-23T00:00:00+08:00",
		      "2026-11-30T00:00:00+08:00");
	/* a week across the year's end */
	expect_period(c, "week", "2027-01-01T09:00:00+08:00", "2026-12-28T00:00:00+08:00",
		      "2027-01-04T00:00:00+08:00");

	expect_previous(c, "day", "2026-12-01T09:00:00+08:00", "2026-11-30T00:00:00+08:00",
			"2026-12-01T00:00:00+08:00");
	expect_previous(c, "week", "2026-12-01T09:00:00+08:00", "2026-11-23T00:00:00+08:00",
			"2026-11-30T00:00:00+08:00");
	expect_previous(c, "week", "2026-11-30T00:00:00+08:00", "2026-11-23T00:00:00+08:00",
			"2026-11-30T00:00:00+08:00");
	expect_previous(c, "month", "2026-12-01T00:00:00+08:00", "2026-11-01T00:00:00+08:00",
			"2026-12-01T00:00:00+08:00");
	expect_previous(c, "month", "2027-01-15T09:00:00+08:00", "2026-12-01T00:00:00+08:00",
			"2027-01-01T00:00:00+08:00");
	expect_previous(c, "month", "2028-03-10T09:00:00+08:00", "2028-02-01T00:00:00+08:00",
			"2028-03-01T00:00:00+08:00");

	int64_t f, t;
	assert_false(report_period(c, "year", at("2026-12-01T00:00:00Z"), &f, &t));
	assert_false(report_period(c, "range", at("2026-12-01T00:00:00Z"), &f, &t));
	assert_false(report_period(c, "day", CALENDAR_TIME_MAX + 1, &f, &t));
	assert_true(report_date_start(c, 2026, 12, 1, &t));
	assert_int_equal(t, at("2026-12-01T00:00:00+08:00"));
	assert_false(report_date_start(c, 2026, 2, 29, &t));
	assert_false(report_date_start(c, 1969, 12, 31, &t));
	calendar_free(&c);
}

/* A zone with summer time: the spring day has 23 hours, so 23 hourly
 * buckets, and a week holding it is 7 days less an hour. */
static void test_periods_summer_time(void **state)
{
	struct calendar *c = calendar_in("Europe/Berlin");
	expect_period(c, "day", "2026-03-29T12:00:00+02:00", "2026-03-29T00:00:00+01:00",
		      "2026-03-30T00:00:00+02:00");
	expect_period(c, "week", "2026-03-29T12:00:00+02:00", "2026-03-23T00:00:00+01:00",
		      "2026-03-30T00:00:00+02:00");
	int64_t f, t;
	assert_true(report_period(c, "day", at("2026-03-29T12:00:00+02:00"), &f, &t));
	assert_int_equal(t - f, 23 * 3600);
	GTimeZone *tz = g_time_zone_new_identifier("Europe/Berlin");
	struct report *r = report_new(tz, f, t);
	assert_non_null(r);
	assert_true(r->hourly);
	assert_int_equal(r->nbuckets, 23);
	assert_string_equal(r->kind, "day");
	report_free(&r);
	/* the week: daily buckets at each local midnight */
	assert_true(report_period(c, "week", at("2026-03-29T12:00:00+02:00"), &f, &t));
	r = report_new(tz, f, t);
	assert_int_equal(r->nbuckets, 7);
	assert_int_equal(r->buckets[6].start, at("2026-03-29T00:00:00+01:00"));
	assert_string_equal(r->kind, "week");
	report_free(&r);
	g_time_zone_unref(tz);
	calendar_free(&c);
}

/* ---- percentiles ---------------------------------------------------------------- */

static void expect_near(double got, double want)
{
	if (fabs(got - want) > 1e-9)
		fail_msg("got %.12g, want %.12g", got, want);
}

static void test_percentile(void **state)
{
	assert_true(isnan(report_percentile(NULL, 0, 0.5)));
	const double one[] = { 7 };
	expect_near(report_percentile(one, 1, 0.5), 7);
	expect_near(report_percentile(one, 1, 0.9), 7);
	/* two values: the median halfway, p90 at rank 0.9 */
	const double two[] = { 0.5, 1.5 };
	expect_near(report_percentile(two, 2, 0.5), 1.0);
	expect_near(report_percentile(two, 2, 0.9), 1.4);
	/* 1..4: median at rank 1.5 -> 2.5; p90 at rank 2.7 -> 3.7 */
	const double four[] = { 1, 2, 3, 4 };
	expect_near(report_percentile(four, 4, 0.5), 2.5);
	expect_near(report_percentile(four, 4, 0.9), 3.7);
	/* odd count: the middle one; the ends; p out of range is clamped */
	const double five[] = { 1.0 / 3, 0.5, 1.5, 1.5, 5 };
	expect_near(report_percentile(five, 5, 0.5), 1.5);
	expect_near(report_percentile(five, 5, 0.9), 3.6);
	expect_near(report_percentile(five, 5, 0), 1.0 / 3);
	expect_near(report_percentile(five, 5, 1), 5);
	expect_near(report_percentile(five, 5, 2), 5);
	expect_near(report_percentile(five, 5, -1), 1.0 / 3);
}

/* ---- reports made by hand --------------------------------------------------------- */

static GTimeZone *shanghai(void)
{
	return g_time_zone_new_identifier("Asia/Shanghai");
}

static struct report *empty_report(const char *from, const char *to)
{
	GTimeZone *tz = shanghai();
	struct report *r = report_new(tz, at(from), at(to));
	g_time_zone_unref(tz);
	assert_non_null(r);
	return r;
}

static void add(GPtrArray *a, const char *key, uint64_t n)
{
	struct report_count *c = g_new(struct report_count, 1);
	c->key = g_strdup(key);
	c->n = n;
	g_ptr_array_add(a, c);
}

/* What customers may write, as addresses and in rule names: markup, CSV's
 * and a spreadsheet's special characters, a terminal escape, wide text. */
#define EVIL_ADDR "<script>alert(1)</script>&\"'@x.example"
#define EVIL_RULE "say \"hi\", then\nleave"
#define FORMULA_RULE "=HYPERLINK(\"http://x\")"
#define ESC_ADDR "\x1b[31mred@x.example"
#define WIDE_DEPT "质量部质量部质量部质量部质量部质量部质量部质量部质量部质量部质量部@x.example"

/* week_report - the week of 30 November 2026 with figures in every part. */
static struct report *week_report(void)
{
	struct report *r = empty_report("2026-11-30T00:00:00+08:00", "2026-12-07T00:00:00+08:00");
	r->created = 12;
	r->resolved = 5;
	r->closed = 3;
	r->open = 20;
	r->overdue = 4;
	const uint64_t cats[] = { 3, 4, 2, 1, 2 };
	memcpy(r->by_category, cats, sizeof cats);
	r->by_severity[REPORT_SEV_A] = 1;
	r->by_severity[REPORT_SEV_B] = 3;
	r->by_severity[REPORT_SEV_C] = 8;
	r->by_channel[REPORT_EMAIL] = 9;
	r->by_channel[REPORT_WEB] = 3;
	add(r->by_department, WIDE_DEPT, 6);
	add(r->by_department, "", 4);
	add(r->by_department, ESC_ADDR, 2);
	r->first_response = (struct report_hours){ 5, 1.5, 3.6 };
	r->resolution = (struct report_hours){ 0, NAN, NAN };
	r->due_eligible[STORE_DUE_ACK] = 8;
	r->due_met[STORE_DUE_ACK] = 6;
	r->satisfaction_known = true;
	r->satisfaction_answers = 2;
	r->satisfaction_average = 3.5;
	r->repeaters_count = 2;
	add(r->repeaters, EVIL_ADDR, 3);
	add(r->repeaters, ESC_ADDR, 2);
	add(r->rules, EVIL_RULE, 4);
	add(r->rules, FORMULA_RULE, 1);
	r->buckets[1].n[REPORT_QUALITY] = 2;
	r->buckets[1].n[REPORT_SERVICE] = 1;
	r->buckets[5].n[REPORT_OTHER] = 1;
	return r;
}

static void test_new_and_buckets(void **state)
{
	struct report *r = empty_report("2026-12-01T00:00:00+08:00", "2026-12-02T00:00:00+08:00");
	assert_string_equal(r->kind, "day");
	assert_true(r->hourly);
	assert_int_equal(r->nbuckets, 24);
	assert_int_equal(r->buckets[23].start, at("2026-12-01T23:00:00+08:00"));
	assert_true(isnan(r->first_response.median) && r->first_response.n == 0);
	report_free(&r);
	assert_null(r);
	report_free(&r);       /* NULL-safe */

	r = empty_report("2026-11-01T00:00:00+08:00", "2026-12-01T00:00:00+08:00");
	assert_string_equal(r->kind, "month");
	assert_false(r->hourly);
	assert_int_equal(r->nbuckets, 30);
	assert_int_equal(r->buckets[29].start, at("2026-11-30T00:00:00+08:00"));
	report_free(&r);

	/* a range starting at noon: the first bucket is the afternoon */
	r = empty_report("2026-11-30T12:00:00+08:00", "2026-12-03T00:00:00+08:00");
	assert_string_equal(r->kind, "range");
	assert_int_equal(r->nbuckets, 3);
	assert_int_equal(r->buckets[0].start, at("2026-11-30T12:00:00+08:00"));
	assert_int_equal(r->buckets[1].start, at("2026-12-01T00:00:00+08:00"));
	report_free(&r);

	GTimeZone *tz = shanghai();
	int64_t t = at("2026-12-01T00:00:00+08:00");
	assert_null(report_new(tz, t, t));
	assert_null(report_new(tz, t, t - 1));
	assert_null(report_new(tz, t, t + (int64_t)(REPORT_MAX_DAYS + 2) * 86400));
	r = report_new(tz, t, t + (int64_t)REPORT_MAX_DAYS * 86400);
	assert_non_null(r);
	assert_int_equal(r->nbuckets, REPORT_MAX_DAYS);
	report_free(&r);
	g_time_zone_unref(tz);

	assert_int_equal(report_category_index("price"), REPORT_PRICE);
	assert_int_equal(report_category_index("nonsense"), REPORT_OTHER);
	assert_int_equal(report_category_index(NULL), REPORT_OTHER);
	assert_string_equal(report_category_name(REPORT_INFRINGEMENT), "infringement");
	assert_null(report_category_name(REPORT_CATEGORIES));
}

static void expect_subject(const struct report *r, const char *kind, const char *lang,
			   const char *want)
{
	char *s = report_subject(r, kind, lang);
	if (strcmp(s, want))
		fail_msg("subject %s/%s: \"%s\", want \"%s\"", kind ? kind : "(own)", lang, s, want);
	g_free(s);
}

static void test_subject(void **state)
{
	struct report *r = empty_report("2026-12-01T00:00:00+08:00", "2026-12-02T00:00:00+08:00");
	expect_subject(r, NULL, "zh", "投诉日报 2026-12-01");
	expect_subject(r, "day", "en", "Complaints daily report 2026-12-01");
	expect_subject(r, "range", "en", "Complaints report 2026-12-01");
	report_free(&r);
	r = week_report();
	expect_subject(r, NULL, "en", "Complaints weekly report 2026-11-30 – 2026-12-06");
	expect_subject(r, "week", "zh", "投诉周报 2026-11-30 – 2026-12-06");
	report_free(&r);
	r = empty_report("2026-11-01T00:00:00+08:00", "2026-12-01T00:00:00+08:00");
	expect_subject(r, NULL, "zh", "投诉月报 2026-11");
	expect_subject(r, NULL, "en", "Complaints monthly report 2026-11");
	expect_subject(r, "range", "zh", "投诉报告 2026-11-01 – 2026-11-30");
	report_free(&r);
}

/* ---- renderings ---------------------------------------------------------------------- */

/* expect_line - text holds the line fmt makes of label and up to three
 * values. */
static void expect_line(const char *text, const char *fmt, const char *label,
			const char *a, const char *b, const char *c)
{
	char *line = g_strdup_printf(fmt, label, a, b, c);
	if (!strstr(text, line))
		fail_msg("no line [%s] in:\n%s", line, text);
	g_free(line);
}

static void test_text(void **state)
{
	struct report *r = week_report();
	for (int l = 0; l < 2; l++) {
		char *text = report_render(r, REPORT_TEXT, l ? "zh" : "en");
		char **lines = g_strsplit(text, "\n", -1);
		for (char **p = lines; *p; p++) {
			if (termtext_width(*p) > 80)
				fail_msg("%u columns: %s", termtext_width(*p), *p);
			size_t n = strlen(*p);
			if (n && (*p)[n - 1] == ' ')
				fail_msg("trailing blank: [%s]", *p);
			for (const char *q = *p; *q; q++)
				if ((unsigned char)*q < 0x20)
					fail_msg("control character in [%s]", *p);
		}
		g_strfreev(lines);
		if (!l) {
			assert_true(g_str_has_prefix(text, "Complaints weekly report 2026-11-30 – "
						     "2026-12-06\nPeriod 2026-11-30 00:00 – "
						     "2026-12-07 00:00 Asia/Shanghai\n"));
			expect_line(text, "\n  %-40s%11s\n", "New complaints", "12", NULL, NULL);
			expect_line(text, "\n  %-40s%11s%11s\n", "(none)", "4", "33.3%", NULL);
			expect_line(text, "\n  %-40s%11s%11s\n", "Product quality", "3", "25.0%", NULL);
			/* no resolution times: shown as "-" */
			expect_line(text, "\n  %-40s%11s%11s%11s\n", "resolution", "0", "-", "-");
			expect_line(text, "\n  %-40s%11s%11s%11s\n", "Acknowledgement", "6", "8",
				    "75.0%");
			assert_non_null(strstr(text, "\n  average rating 3.50 of 2 answers\n"));
			/* the wide department is cut with an ellipsis */
			assert_non_null(strstr(text, "…"));
			assert_non_null(strstr(text, "\n  12-01 Tue           2          1          0"
						     "          0          0          3\n"));
		} else {
			assert_non_null(strstr(text, "投诉周报"));
			assert_non_null(strstr(text, "（无）"));
			assert_non_null(strstr(text, "12-01 周二"));
		}
		g_free(text);
	}
	report_free(&r);
}

/* test_csv - sections, CRLF, quoting, the formula guard, empty values. */
static void test_csv(void **state)
{
	struct report *r = week_report();
	char *csv = report_render(r, REPORT_CSV, "en");
	unsigned bare = 0;
	for (const char *p = csv; (p = strchr(p, '\n')); p++)
		bare += p == csv || p[-1] != '\r';
	assert_int_equal(bare, 1);   /* the LF inside the quoted rule name */
	assert_non_null(strstr(csv, "report\r\ntitle,kind,from,to,timezone\r\n"
				    "Complaints weekly report 2026-11-30 – 2026-12-06,week,"
				    "2026-11-30T00:00:00+08:00,2026-12-07T00:00:00+08:00,"
				    "Asia/Shanghai\r\n"));
	assert_non_null(strstr(csv, "\r\n\r\nsummary\r\nfigure,count\r\nnew,12\r\n"));
	assert_non_null(strstr(csv, "\r\nrepeat_complainants,2\r\n"));
	/* RFC 4180: quotes doubled, the field quoted for its comma, quote and LF */
	assert_non_null(strstr(csv, "\r\n\"say \"\"hi\"\", then\nleave\",4\r\n"));
	/* a formula kept from running, and quoted for its quotes */
	assert_non_null(strstr(csv, "\r\n\"'=HYPERLINK(\"\"http://x\"\")\",1\r\n"));
	assert_non_null(strstr(csv, "\r\n\"<script>alert(1)</script>&\"\"'@x.example\",3\r\n"));
	assert_non_null(strstr(csv, "\r\n(none),4\r\n"));
	/* no value: an empty field */
	assert_non_null(strstr(csv, "\r\nresolution,0,,\r\n"));
	assert_non_null(strstr(csv, "\r\nfirst_response,5,1.50,3.60\r\n"));
	assert_non_null(strstr(csv, "\r\nack,8,6,0.7500\r\nplan,0,0,\r\n"));
	assert_non_null(strstr(csv, "\r\ntrue,2,3.50\r\n"));
	assert_non_null(strstr(csv, "\r\n2026-12-01T00:00:00+08:00,2,1,0,0,0,3\r\n"));
	g_free(csv);
	report_free(&r);
}

static const struct jsonparse_value *get(const struct jsonparse_value *v, const char *path)
{
	char **keys = g_strsplit(path, ".", -1);
	for (char **k = keys; v && *k; k++)
		v = jsonparse_get(v, *k);
	g_strfreev(keys);
	if (!v)
		fail_msg("no %s in the JSON", path);
	return v;
}

static void test_json(void **state)
{
	struct report *r = week_report();
	char *doc = report_render(r, REPORT_JSON, "zh");
	char *error = NULL;
	struct jsonparse_value *v = jsonparse_parse(doc, strlen(doc), NULL, &error);
	if (!v)
		fail_msg("%s: %s", error, doc);
	assert_string_equal(jsonparse_string(get(v, "title"), NULL),
			    "投诉周报 2026-11-30 – 2026-12-06");
	assert_string_equal(jsonparse_string(get(v, "kind"), NULL), "week");
	assert_int_equal((int64_t)jsonparse_number(get(v, "from_unix")),
			 at("2026-11-30T00:00:00+08:00"));
	assert_int_equal((int)jsonparse_number(get(v, "counts.overdue")), 4);
	assert_int_equal((int)jsonparse_number(get(v, "by_category.service")), 4);
	assert_int_equal((int)jsonparse_number(get(v, "by_severity.C")), 8);
	assert_int_equal((int)jsonparse_number(get(v, "by_channel.web")), 3);
	assert_int_equal((int)jsonparse_number(get(v, "by_department.(none)")), 4);
	assert_int_equal((int)jsonparse_number(jsonparse_get(get(v, "by_department"), ESC_ADDR)), 2);
	expect_near(jsonparse_number(get(v, "working_hours.first_response.p90")), 3.6);
	assert_int_equal(jsonparse_type(get(v, "working_hours.resolution.median")), JSONPARSE_NULL);
	expect_near(jsonparse_number(get(v, "deadlines.ack.share")), 0.75);
	assert_int_equal(jsonparse_type(get(v, "deadlines.plan.share")), JSONPARSE_NULL);
	assert_true(jsonparse_bool(get(v, "satisfaction.known")));
	const struct jsonparse_value *top = get(v, "repeat_complainants.top");
	assert_int_equal(jsonparse_length(top), 2);
	assert_string_equal(jsonparse_string(jsonparse_get(jsonparse_index(top, 0), "refs"),
					     NULL), EVIL_ADDR);
	assert_string_equal(jsonparse_string(jsonparse_get(jsonparse_index(get(v, "rules"), 0),
							   "rule"), NULL), EVIL_RULE);
	const struct jsonparse_value *buckets = get(v, "trend.buckets");
	assert_int_equal(jsonparse_length(buckets), 7);
	assert_int_equal((int)jsonparse_number(jsonparse_get(jsonparse_index(buckets, 1),
							     "total")), 3);
	assert_string_equal(jsonparse_string(get(v, "trend.unit"), NULL), "day");
	jsonparse_free(&v);
	g_free(doc);
	report_free(&r);
}

static unsigned count_of(const char *s, const char *what)
{
	unsigned n = 0;
	for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

/* has_word - word in s with no letter either side ("nan", not
 * "complainants"), case ignored. */
static bool has_word(const char *s, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = s; *p; p++)
		if (!g_ascii_strncasecmp(p, word, n) && (p == s || !g_ascii_isalpha(p[-1])) &&
		    !g_ascii_isalpha(p[n]))
			return true;
	return false;
}

/* no_bad_numbers - nothing a division by zero or an overflow would write. */
static void no_bad_numbers(const char *page)
{
	assert_false(has_word(page, "nan"));
	assert_false(has_word(page, "inf"));
	assert_null(strstr(page, "=\"-"));
}

/* has_event_attribute - " onsomething=" anywhere. */
static bool has_event_attribute(const char *page)
{
	for (const char *p = page; (p = strstr(p, " on")); p++) {
		const char *q = p + 3;
		while (g_ascii_isalpha(*q))
			q++;
		if (q > p + 3 && *q == '=')
			return true;
	}
	return false;
}

static void test_html(void **state)
{
	struct report *r = week_report();
	/* a byte that is not UTF-8 in what the store gave */
	add(r->rules, "bad\xff" "byte", 1);
	char *page = report_render(r, REPORT_HTML, "en");
	assert_true(g_utf8_validate(page, -1, NULL));
	assert_true(g_str_has_prefix(page, "<!DOCTYPE html>\n<html lang=\"en\">"));
	assert_null(strstr(page, "<script"));
	assert_null(strstr(page, "\x1b"));
	assert_non_null(strstr(page, "&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;&#39;@x.example"));
	assert_non_null(strstr(page, "say &quot;hi&quot;, then\nleave"));
	assert_non_null(strstr(page, "?[31mred@x.example"));
	assert_non_null(strstr(page, "bad\xef\xbf\xbd" "byte"));
	assert_int_equal(count_of(page, "<svg "), 3);
	assert_int_equal(count_of(page, "</svg>"), 3);
	/* nothing external, nothing that runs */
	assert_null(strstr(page, " src="));
	assert_null(strstr(page, " href="));
	assert_null(strstr(page, "<style"));
	assert_false(has_event_attribute(page));
	no_bad_numbers(page);
	g_free(page);
	page = report_render(r, REPORT_HTML, "zh");
	assert_non_null(strstr(page, "<html lang=\"zh-CN\">"));
	assert_non_null(strstr(page, "<title>投诉周报 2026-11-30 – 2026-12-06</title>"));
	g_free(page);
	report_free(&r);
}

/* test_svg_zero - a period without any complaint: the charts are drawn,
 * say so, and hold no division by zero. */
static void test_svg_zero(void **state)
{
	const char *periods[][2] = {
		{ "2026-12-01T00:00:00+08:00", "2026-12-02T00:00:00+08:00" },
		{ "2026-11-01T00:00:00+08:00", "2026-12-01T00:00:00+08:00" },
		{ "2026-12-01T00:00:00+08:00", "2026-12-01T00:00:01+08:00" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(periods); i++) {
		struct report *r = empty_report(periods[i][0], periods[i][1]);
		char *page = report_render(r, REPORT_HTML, "en");
		assert_int_equal(count_of(page, "<svg "), 3);
		assert_int_equal(count_of(page, "no complaints in this period"), 2);
		/* the legend says "-" where there is no share */
		assert_non_null(strstr(page, ">A severe  0 (-)</text>"));
		no_bad_numbers(page);
		g_free(page);
		char *text = report_render(r, REPORT_TEXT, "en");
		assert_non_null(strstr(text, "unknown (no surveys yet)"));
		g_free(text);
		report_free(&r);
	}
	/* one bucket with everything: the bar reaches the top, no overflow */
	struct report *r = empty_report(periods[0][0], periods[0][1]);
	r->buckets[3].n[REPORT_QUALITY] = 1000003;
	r->by_severity[REPORT_SEV_A] = 1000003;
	r->created = 1000003;
	char *page = report_render(r, REPORT_HTML, "en");
	no_bad_numbers(page);
	/* steps of 500000 up to 1500000 */
	assert_non_null(strstr(page, ">1500000</text>"));
	assert_null(strstr(page, ">2000000</text>"));
	g_free(page);
	report_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_periods_shanghai),
		cmocka_unit_test(test_periods_summer_time),
		cmocka_unit_test(test_percentile),
		cmocka_unit_test(test_new_and_buckets),
		cmocka_unit_test(test_subject),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_svg_zero),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
