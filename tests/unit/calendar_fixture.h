/* calendar_fixture - what the calendar's unit tests and complaintctl
 * calendar's share: part of China's 2026 schedule, a parser that fails the
 * test on any error, times from ISO 8601 and paths in the source tree.
 * Static functions: include it from one test file each. */
#ifndef COMPLAINTD_CALENDAR_FIXTURE_H
#define COMPLAINTD_CALENDAR_FIXTURE_H

/* Part of the 2026 schedule (New Year, Spring Festival, Labour Day,
 * National Day), kept here so the tests do not change when the shipped
 * sample gains a year. */
static const char shanghai_text[] =
	"timezone = Asia/Shanghai\n"
	"weekend = sat sun\n"
	"hours = 09:00-18:00\n"
	"2026-01-01..2026-01-03 holiday 元旦\n"
	"2026-01-04 workday 元旦调休\n"
	"2026-02-14 workday 春节调休\n"
	"2026-02-15..2026-02-23 holiday 春节\n"
	"2026-02-28 workday 春节调休\n"
	"2026-05-01..2026-05-05 holiday 劳动节\n"
	"2026-05-09 workday 劳动节调休\n"
	"2026-09-20 workday 国庆节调休\n"
	"2026-10-01..2026-10-07 holiday 国庆节\n"
	"2026-10-10 workday 国庆节调休\n";

static char *src_path(const char *rel)
{
	const char *top = g_getenv("COMPLAINTD_SRCDIR");
	return g_build_filename(top && *top ? top : ".", rel, NULL);
}

static struct calendar *parse_ok(const char *text)
{
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	struct calendar *c = calendar_parse("t.cal", text, strlen(text), errors);
	if (c == NULL || errors->len)
		fail_msg("[%s]: %s", text, errors->len ? (char *)errors->pdata[0] : "NULL");
	g_ptr_array_unref(errors);
	return c;
}

static struct calendar *shanghai(void)
{
	return parse_ok(shanghai_text);
}

/* at - unix time of an ISO 8601 date-time with offset. */
static int64_t at(const char *iso)
{
	GDateTime *dt = g_date_time_new_from_iso8601(iso, NULL);
	if (dt == NULL)
		fail_msg("bad test time %s", iso);
	int64_t t = g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	return t;
}

#endif
