/* calendarctl - `complaintctl calendar`: the calendar explained to the
 * administrator who edits it. Human output is for a terminal; --json is one
 * object per run for scripts. */
#include "ctl/calendarctl.h"

#include <string.h>
#include <glib.h>

#include "lib/json.h"

/* The policy's time limits (处理时限), each counted from receipt. */
static const struct {
	const char *what;
	unsigned days;
} limits[] = {
	{ "investigation", 3 },
	{ "handling", 5 },
	{ "feedback", 3 },
	{ "closure", 10 },
};

struct tally {
	unsigned days, working, holidays, weekend, makeup;
};

static void count(struct tally *t, const char *kind)
{
	t->days++;
	if (strcmp(kind, "workday") == 0) {
		t->working++;
	} else if (strcmp(kind, "makeup") == 0) {
		t->working++;
		t->makeup++;
	} else if (strcmp(kind, "holiday") == 0) {
		t->holidays++;
	} else {
		t->weekend++;
	}
}

/* day_line - "2026-10-01 Thu  holiday  国庆节", no trailing blanks. */
static void day_line(FILE *out, const char *date, const char *wd, const char *kind,
		     const char *note)
{
	if (note)
		fprintf(out, "%s %s  %-7s  %s\n", date, wd, kind, note);
	else
		fprintf(out, "%s %s  %s\n", date, wd, kind);
}

/* range_days - the day numbers of the arguments, checked; 0 or 2. */
static int range_days(const char *from_date, const char *to_date, GDate *from,
		      unsigned *ndays, FILE *err)
{
	int y1, m1, d1, y2, m2, d2;
	if (!calendar_parse_date(from_date, &y1, &m1, &d1)) {
		fprintf(err, "calendar: bad date '%s' (YYYY-MM-DD, years %d..%d)\n",
			from_date ? from_date : "", CALENDAR_YEAR_MIN, CALENDAR_YEAR_MAX);
		return 2;
	}
	if (!calendar_parse_date(to_date, &y2, &m2, &d2)) {
		fprintf(err, "calendar: bad date '%s' (YYYY-MM-DD, years %d..%d)\n",
			to_date ? to_date : "", CALENDAR_YEAR_MIN, CALENDAR_YEAR_MAX);
		return 2;
	}
	GDate to;
	g_date_clear(from, 1);
	g_date_clear(&to, 1);
	g_date_set_dmy(from, (GDateDay)d1, (GDateMonth)m1, (GDateYear)y1);
	g_date_set_dmy(&to, (GDateDay)d2, (GDateMonth)m2, (GDateYear)y2);
	int span = g_date_days_between(from, &to);
	if (span < 0) {
		fprintf(err, "calendar: %s comes after %s\n", from_date, to_date);
		return 2;
	}
	if (span + 1 > CALENDARCTL_MAX_DAYS) {
		fprintf(err, "calendar: %s..%s is %d days, at most %d are shown\n",
			from_date, to_date, span + 1, CALENDARCTL_MAX_DAYS);
		return 2;
	}
	*ndays = (unsigned)span + 1;
	return 0;
}

int calendarctl_range(const struct calendar *c, const char *from_date,
		      const char *to_date, bool json, FILE *out, FILE *err)
{
	GDate day;
	unsigned ndays;
	if (c == NULL) {
		fprintf(err, "calendar: no calendar loaded\n");
		return 1;
	}
	int rc = range_days(from_date, to_date, &day, &ndays, err);
	if (rc)
		return rc;
	struct tally t = { 0 };
	GString *doc = g_string_new(NULL);
	struct json *j = json ? json_new(doc) : NULL;
	if (j) {
		json_object_begin(j);
		json_kv_string(j, "from", from_date);
		json_kv_string(j, "to", to_date);
		json_kv_string(j, "timezone", calendar_timezone(c));
		json_key(j, "days");
		json_array_begin(j);
	}
	for (unsigned i = 0; i < ndays; i++, g_date_add_days(&day, 1)) {
		int y = g_date_get_year(&day), m = g_date_get_month(&day), d = g_date_get_day(&day);
		const char *note;
		const char *kind = calendar_day_kind(c, y, m, d, &note);
		const char *wd = calendar_weekday_name(y, m, d);
		char date[16];
		g_snprintf(date, sizeof date, "%04d-%02d-%02d", y, m, d);
		count(&t, kind);
		if (j) {
			json_object_begin(j);
			json_kv_string(j, "date", date);
			json_kv_string(j, "weekday", wd);
			json_kv_string(j, "kind", kind);
			json_kv_string(j, "note", note);
			json_object_end(j);
		} else {
			day_line(out, date, wd, kind, note);
		}
	}
	if (j) {
		json_array_end(j);
		json_kv_int(j, "working_days", t.working);
		json_kv_int(j, "holidays", t.holidays);
		json_kv_int(j, "weekend_days", t.weekend);
		json_kv_int(j, "makeup_days", t.makeup);
		json_object_end(j);
		json_free(&j);
		fprintf(out, "%s\n", doc->str);
	} else {
		fprintf(out, "%u days: %u working, %u holidays, %u weekend days, "
			"%u make-up working days\n",
			t.days, t.working, t.holidays, t.weekend, t.makeup);
	}
	g_string_free(doc, TRUE);
	if (fflush(out) != 0 || ferror(out)) {
		fprintf(err, "calendar: cannot write the output\n");
		return 1;
	}
	return 0;
}

int calendarctl_deadlines(const struct calendar *c, int64_t received, FILE *out)
{
	int rc = 0;
	char *when = calendar_format_time(c, received);
	fprintf(out, "%-32s%s\n", "received", when);
	g_free(when);
	for (size_t i = 0; i < G_N_ELEMENTS(limits); i++) {
		int64_t t = calendar_add_working_days(c, received, limits[i].days);
		char *label = g_strdup_printf("%s (%u working days)", limits[i].what,
					      limits[i].days);
		when = calendar_format_time(c, t);
		fprintf(out, "%-32s%s\n", label, when);
		g_free(when);
		g_free(label);
		if (t == INT64_MAX)
			rc = 1;
	}
	int start, end;
	calendar_hours(c, &start, &end);
	fprintf(out, "time zone %s, working hours %02d:%02d-%02d:%02d, "
		"the day of receipt does not count\n", calendar_timezone(c),
		start / 60, start % 60, end / 60, end % 60);
	return rc;
}

int calendarctl_check(const char *path, FILE *out)
{
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	struct calendar *c = calendar_load(path, errors);
	for (guint i = 0; i < errors->len; i++)
		fprintf(out, "%s\n", (const char *)errors->pdata[i]);
	g_ptr_array_unref(errors);
	if (c == NULL)
		return 1;
	int start, end;
	calendar_hours(c, &start, &end);
	fprintf(out, "%s: ok, %u dates listed, time zone %s, hours %02d:%02d-%02d:%02d\n",
		path, calendar_special_days(c), calendar_timezone(c),
		start / 60, start % 60, end / 60, end % 60);
	calendar_free(&c);
	return 0;
}
