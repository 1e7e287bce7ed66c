/* calendar - the company's working-day calendar: which days are worked,
 * during which hours, in which time zone; and the deadlines and working
 * time that follow from it.
 *
 * The complaint policy counts its time limits in working days
 * (investigation report 3, handling 5, feedback 3, closure 10) and the
 * reports measure response and resolution times in working hours. Working
 * days are Monday to Friday unless the file says otherwise, minus public
 * holidays, plus the make-up working days (调休) that Chinese holiday
 * schedules move onto a Saturday or Sunday. The file format is described in
 * complaintd-calendar(5):
 *
 *     timezone = Asia/Shanghai
 *     weekend = sat sun
 *     hours = 09:00-18:00
 *     2026-02-15..2026-02-23 holiday 春节
 *     2026-02-14 workday 春节调休
 *
 * Days are calendar days in the calendar's time zone; instants are unix
 * times (seconds, UTC). Instants are understood between CALENDAR_TIME_MIN
 * and CALENDAR_TIME_MAX; outside that range the adders return INT64_MAX
 * and calendar_working_seconds clamps.
 *
 * Ownership: a calendar is immutable once made and refcounted, so threads
 * may share one, and a reload can build a new calendar beside the one in
 * force and swap it in (holder.h) with calendar_ref / calendar_free as the
 * ref and unref functions. Strings a getter returns are borrowed from the
 * calendar and live as long as it. */
#ifndef COMPLAINTD_CALENDAR_H
#define COMPLAINTD_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

/* Limits on the file: bytes of the whole file, bytes of one line, days in
 * one range, the years a date may name, problems reported before giving up. */
#define CALENDAR_MAX_BYTES   (1024 * 1024)
#define CALENDAR_MAX_LINE    1024
#define CALENDAR_MAX_RANGE   366
#define CALENDAR_YEAR_MIN    1970
#define CALENDAR_YEAR_MAX    2200
#define CALENDAR_MAX_ERRORS  100
/* CALENDAR_SCAN_DAYS - how far the adders look for the next working day
 * before they give up with INT64_MAX (about ten years): a calendar without
 * working days must not hang the daemon. */
#define CALENDAR_SCAN_DAYS   3653
/* The instants understood: 1900-01-01T00:00Z .. 2300-01-01T00:00Z, the
 * years of the file and a century either side. The bound also bounds the
 * work: with a zone that has daylight saving, GLib's time zone lookups grow
 * slower the further out they go. */
#define CALENDAR_TIME_MIN    INT64_C(-2208988800)
#define CALENDAR_TIME_MAX    INT64_C(10413792000)

struct calendar;

/* calendar_parse - a calendar from a file's text (len bytes, need not be
 * NUL-terminated; a NUL byte is an error), called name in messages. NULL on
 * any error, with one g_strdup'd "NAME:LINE: problem" per problem appended
 * to errors (all problems, up to CALENDAR_MAX_ERRORS; errors may be NULL).
 * Never crashes on any bytes. */
struct calendar *calendar_parse(const char *name, const char *text, size_t len,
				GPtrArray *errors);
/* calendar_load - calendar_parse of the file at path (errors name the
 * path; "PATH: problem" when it cannot be read or is too large). */
struct calendar *calendar_load(const char *path, GPtrArray *errors);
/* calendar_new_default - Monday to Friday, 09:00-18:00, the process's local
 * time zone, no holidays: what the daemon uses when no file is configured. */
struct calendar *calendar_new_default(void);

/* calendar_ref - another reference to c (returned). */
struct calendar *calendar_ref(struct calendar *c);
/* calendar_free - drops the caller's reference (the calendar is freed with
 * its last one); NULL-safe; sets *c to NULL. */
void calendar_free(struct calendar **c);

/* calendar_timezone - the zone's identifier ("Asia/Shanghai", or whatever
 * GLib names the local zone). */
const char *calendar_timezone(const struct calendar *c);
/* calendar_zone - the zone itself (borrowed, lives as long as c): made
 * once when the calendar is read, not for every date written. */
GTimeZone *calendar_zone(const struct calendar *c);
/* calendar_hours - working hours as minutes after local midnight;
 * 0 <= start < end <= 1440 (end 1440 is 24:00). */
void calendar_hours(const struct calendar *c, int *start_min, int *end_min);
/* calendar_special_days - how many dates the file lists. */
unsigned calendar_special_days(const struct calendar *c);

/* calendar_parse_date - strict "YYYY-MM-DD" naming a real date with a year
 * in CALENDAR_YEAR_MIN..CALENDAR_YEAR_MAX. */
bool calendar_parse_date(const char *s, int *y, int *m, int *d);

/* calendar_day_kind - how a date counts: "workday", "weekend", "holiday"
 * or "makeup" (a make-up working day that falls on a weekend). A holiday
 * wins over the weekend; a date the file lists as workday on an ordinary
 * weekday is a "workday". *note (note may be NULL) gets the holiday's or
 * working day's name from the file, or NULL. NULL for an invalid date. */
const char *calendar_day_kind(const struct calendar *c, int y, int m, int d,
			      const char **note);
/* calendar_is_workday - "workday" or "makeup". */
bool calendar_is_workday(const struct calendar *c, int y, int m, int d);

/* calendar_add_working_days - the deadline for "within n working days" of
 * a complaint received at unix time from: the end of working hours (the
 * `hours` end, default 18:00) of the n-th working day AFTER the calendar day
 * of from, in the calendar's zone. The day of receipt never counts, however
 * early it is received. n = 0 means the same working day: the end of
 * working hours of from's day if that is a working day (even when from is
 * already past it), else of the next working day.
 *
 * With weekend sat sun and hours 09:00-18:00:
 *     received Fri 17:00, n = 3          -> Wed 18:00 (Mon, Tue, Wed)
 *     received Sat 10:00, n = 3          -> Wed 18:00
 *     received Fri, Mon a holiday, n = 3 -> Thu 18:00 (Tue, Wed, Thu)
 *     received Thu, Sat a make-up day    -> Sat counts: Fri, Sat, Mon 18:00
 *     received Sat, n = 0                -> Mon 18:00
 * INT64_MAX when no working day turns up within CALENDAR_SCAN_DAYS of the
 * previous one, or from or the result lies outside the instants understood. */
int64_t calendar_add_working_days(const struct calendar *c, int64_t from,
				  unsigned n);

/* calendar_working_seconds - seconds of working time (working hours on
 * working days) in [from, to); 0 if to <= from. Linear in the days between. */
int64_t calendar_working_seconds(const struct calendar *c, int64_t from,
				 int64_t to);

/* calendar_add_working_seconds - the earliest instant t with
 * calendar_working_seconds(c, from, t) == secs: working time runs only
 * during working hours, so 3600 s from Fri 17:30 is Mon 09:30. from itself
 * when secs <= 0; INT64_MAX when the working time cannot be found within
 * CALENDAR_SCAN_DAYS of idle days or the instants understood. */
int64_t calendar_add_working_seconds(const struct calendar *c, int64_t from,
				     int64_t secs);

/* calendar_local_date - the calendar date of unix time t in the calendar's
 * zone; false outside the instants understood. */
bool calendar_local_date(const struct calendar *c, int64_t t, int *y, int *m,
			 int *d);
/* calendar_format_time - t as "YYYY-MM-DD Www HH:MM +hh:mm" in the
 * calendar's zone (Www = Mon..Sun); "never" for INT64_MAX. g_free. */
char *calendar_format_time(const struct calendar *c, int64_t t);
/* calendar_format_time_lang - the same in lang: for "zh" the day is
 * 周一..周日 and INT64_MAX "无期限", as a Chinese mail must show no English
 * word; any other lang is calendar_format_time. g_free. */
char *calendar_format_time_lang(const struct calendar *c, int64_t t, const char *lang);
/* calendar_weekday_name - "Mon".."Sun" of y-m-d; NULL for an invalid date. */
const char *calendar_weekday_name(int y, int m, int d);

/* calendar_date_text - y-m-d as a customer reads a date in lang: "zh"
 * 2026年12月9日, "en" 9 December 2026 (any other lang: zh, the default
 * language of the mail). NULL for an invalid date. g_free. Pure. */
char *calendar_date_text(int y, int m, int d, const char *lang);
/* calendar_format_date - calendar_date_text of the day unix time t falls
 * on in the calendar's zone; NULL for 0 (no deadline), INT64_MAX and
 * instants outside those understood. g_free. */
char *calendar_format_date(const struct calendar *c, int64_t t, const char *lang);

/* calendar_lists_year - whether the file lists any date (holiday or
 * working day) in year y: the administrator entered that year's schedule.
 * Chinese holidays move every year, so a year without one line is a year
 * whose holidays the deadlines do not know. */
bool calendar_lists_year(const struct calendar *c, int y);

#endif
