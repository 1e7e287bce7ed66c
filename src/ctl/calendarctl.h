/* calendarctl - `complaintctl calendar ...`: show an administrator how the
 * calendar counts days and where the policy's deadlines fall.
 *
 *   calendar check [FILE]             load the file, list every problem
 *   calendar FROM TO                  each day of FROM..TO and how it counts
 *   calendar deadlines [TIME]         the deadlines of a complaint received then
 *
 * Each is a function writing to FILE *s handed in, so the unit tests run
 * the same code as the command line (wiring into complaintctl is the
 * caller's). Exit statuses: 0 done, 1 failed (message to err), 2 usage
 * (bad dates). */
#ifndef COMPLAINTD_CALENDARCTL_H
#define COMPLAINTD_CALENDARCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "workflow/calendar.h"

/* CALENDARCTL_MAX_DAYS - the longest range calendarctl_range shows: two
 * years, enough to compare one year's schedule with the next. */
#define CALENDARCTL_MAX_DAYS 731

/* calendarctl_range - every day of the inclusive range from_date..to_date
 * (YYYY-MM-DD) as a line
 *     2026-10-01 Thu  holiday  国庆节
 * then a summary
 *     7 days: 5 working, 0 holidays, 2 weekend days, 0 make-up working days
 * where "working" counts make-up days too and "holidays" counts those
 * that fall on a weekend too. With json, one object instead:
 *     {"from":"2026-10-01","to":"2026-10-07","timezone":"Asia/Shanghai",
 *      "working_days":W,"holidays":H,"weekend_days":E,"makeup_days":M,
 *      "days":[{"date":"2026-10-01","weekday":"Thu","kind":"holiday",
 *               "note":"国庆节"},...]}
 * (note null when the file names none). 2 with a message to err for a bad
 * date, a reversed range or more than CALENDARCTL_MAX_DAYS days; 1 when c
 * is NULL or out cannot be written. */
int calendarctl_range(const struct calendar *c, const char *from_date,
		      const char *to_date, bool json, FILE *out, FILE *err);

/* calendarctl_deadlines - for a complaint received at unix time received,
 * the policy's time limits counted from receipt with
 * calendar_add_working_days, as local date-times in the calendar's zone:
 *     received                        2026-09-30 Wed 17:00 +08:00
 *     investigation (3 working days)  2026-10-10 Sat 18:00 +08:00
 *     handling (5 working days)       2026-10-13 Tue 18:00 +08:00
 *     feedback (3 working days)       2026-10-10 Sat 18:00 +08:00
 *     closure (10 working days)       2026-10-20 Tue 18:00 +08:00
 * (National Day Oct 1-7, Sat Oct 10 a make-up day), then the zone and
 * working hours. 1 when a deadline cannot be found (no
 * working day within CALENDAR_SCAN_DAYS; it prints as "never"), else 0. */
int calendarctl_deadlines(const struct calendar *c, int64_t received, FILE *out);

/* calendarctl_check - load path and print each problem, or one line
 * "PATH: ok, N dates listed, time zone Z, hours HH:MM-HH:MM"; 0 when it
 * loads, else 1. */
int calendarctl_check(const char *path, FILE *out);

#endif
