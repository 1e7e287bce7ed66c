/* report - the daily, weekly and monthly summaries the complaint policy
 * asks for (数据分析与改进): what came in, what was done, what is late,
 * who complains again and what the rules saw, for any period, rendered as
 * text for a terminal, CSV for a spreadsheet, JSON for scripts and one
 * self-contained HTML page with charts for mail.
 *
 * A period is [from, to) in unix seconds; days, weeks (Monday first) and
 * months are those of the calendar's time zone. Every figure shows the
 * state at the end of the period: a time stamp at or after `to` counts as
 * not there yet (see store_report.h). The figures:
 *   created, resolved, closed   complaints whose created_at, resolved_at,
 *                               closed_at lies in the period
 *   open                        created before to and neither resolved nor
 *                               closed before to
 *   overdue                     open, with a deadline before to whose step
 *                               was not done before to
 *   by_category ... by_channel  the complaints created in the period
 *   first_response, resolution  working hours (calendar_working_seconds)
 *                               from creation to the first answer that
 *                               reached the customer / to resolution, of the
 *                               complaints created in the period that have
 *                               that time: median and 90th percentile
 *   due_met / due_eligible      per deadline, of the complaints created in
 *                               the period whose deadline passed before to
 *                               or whose step was done: done by the deadline
 *   satisfaction                mean rating of the surveys answered in the
 *                               period; unknown before the surveys schema
 *   repeaters                   customers with 2 or more complaints created
 *                               in the period, each shown by the references of
 *                               those complaints (never by address: reports
 *                               are mailed to many)
 *   rules                       rules by the complaints created in the
 *                               period that they fired on
 *   by_product                  the complaints created in the period per
 *                               product (the case fact; spellings that
 *                               differ only in case are one), the top
 *                               REPORT_TOP, and key "" for those whose
 *                               product is not known
 *   outcome                     of the complaints created in the period:
 *                               valid, invalid, not decided (#valid); per
 *                               unit answerable (#responsible), ranked by
 *                               complaints, with how many were valid; the
 *                               compensations given in the period per
 *                               currency (#compensation)
 *   buckets                     complaints created per category per local
 *                               hour (periods of a day or less) or day
 *
 * Ownership: struct report is plain data (tests build one by hand with
 * report_new) owned by whoever made it, freed with report_free; every
 * string and array in it belongs to it. Rendering does not change it, so
 * threads may render one report at once. Strings returned are g_free'd. */
#ifndef COMPLAINTD_REPORT_H
#define COMPLAINTD_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

#include "workflow/calendar.h"
#include "store/store.h"
#include "store/store_outcome.h"

/* REPORT_TOP - how many repeat complainants and rules are listed. */
#define REPORT_TOP 10
/* REPORT_MAX_DAYS - the longest period: a year, leap day included. */
#define REPORT_MAX_DAYS 366

enum report_format { REPORT_TEXT, REPORT_CSV, REPORT_JSON, REPORT_HTML };

/* The categories in the order reports show them (DOMAIN.md); a stored
 * category the report does not know counts as other. */
enum report_category {
	REPORT_QUALITY, REPORT_SERVICE, REPORT_PRICE, REPORT_INFRINGEMENT, REPORT_OTHER,
	REPORT_CATEGORIES
};
enum report_severity { REPORT_SEV_A, REPORT_SEV_B, REPORT_SEV_C, REPORT_SEVERITIES };
/* The channels as enum msg_channel has them (mail, form, and the ones
 * staff take complaints on). */
enum report_channel {
	REPORT_EMAIL, REPORT_WEB, REPORT_PHONE, REPORT_COUNTER, REPORT_WECHAT, REPORT_LETTER,
	REPORT_OTHER_CHANNEL, REPORT_CHANNELS
};

/* report_category_name - "quality" .. "other"; report_category_index - the
 * reverse, REPORT_OTHER for anything else (NULL too). */
const char *report_category_name(enum report_category c);
enum report_category report_category_index(const char *name);

/* One line of a ranking: a department, customer address or rule. */
struct report_count {
	char *key;
	uint64_t n;
};

/* Working hours of one kind of step: n values, their median and 90th
 * percentile (NAN when n is 0). */
struct report_hours {
	unsigned n;
	double median, p90;
};

/* Complaints created in one trend bucket [start, next start or to). */
struct report_bucket {
	int64_t start;
	uint64_t n[REPORT_CATEGORIES];
};

struct report {
	const char *kind;          /* "day", "week", "month" (the period is exactly
				    * one) or "range"; static */
	int64_t from, to;
	GTimeZone *tz;             /* the calendar's zone, for dates shown */
	char *timezone;            /* its name */

	uint64_t created, resolved, closed, open, overdue;
	uint64_t by_category[REPORT_CATEGORIES];
	uint64_t by_severity[REPORT_SEVERITIES];
	uint64_t by_channel[REPORT_CHANNELS];
	GPtrArray *by_department;  /* struct report_count *, most first; key "" = none */

	struct report_hours first_response, resolution;
	uint64_t due_eligible[STORE_DUE_COUNT], due_met[STORE_DUE_COUNT];

	bool satisfaction_known;
	uint64_t satisfaction_answers;
	double satisfaction_average;

	uint64_t repeaters_count;  /* all of them; repeaters holds the first REPORT_TOP */
	GPtrArray *repeaters;      /* struct report_count *, most first */
	GPtrArray *rules;          /* struct report_count *, most first */
	GPtrArray *by_product;     /* struct report_count *, most first; key "" =
				    * product not known, last */

	/* staff's decisions on the complaints created in the period (#valid,
	 * #responsible) and the compensations given in it */
	struct store_outcome_figures outcome;

	bool hourly;               /* buckets are hours, else days */
	struct report_bucket *buckets;
	unsigned nbuckets;
};

/* report_period - the day, "week" (Monday 00:00 to the next Monday) or
 * "month" of kind containing unix time t, in the calendar's zone, as
 * [*from, *to). false for another kind or a t outside the instants the
 * calendar understands. */
bool report_period(const struct calendar *cal, const char *kind, int64_t t,
		   int64_t *from, int64_t *to);
/* report_previous_period - the period of kind before the one containing t:
 * what a scheduled report sent at t covers (yesterday, last week, last
 * month). */
bool report_previous_period(const struct calendar *cal, const char *kind, int64_t t,
			    int64_t *from, int64_t *to);
/* report_date_start - *t is local midnight of y-m-d in the calendar's zone
 * (the first instant of that day when a clock change skips midnight). */
bool report_date_start(const struct calendar *cal, int y, int m, int d, int64_t *t);

/* report_new - an empty report of [from, to) in zone tz (referenced, not
 * taken): no counts yet, the trend's buckets laid out, kind found from the
 * period. NULL when to <= from, the period is longer than REPORT_MAX_DAYS
 * days (and a day's slack for clock changes) or lies outside the instants
 * the calendar understands. */
struct report *report_new(GTimeZone *tz, int64_t from, int64_t to);

/* report_build - the report of [from, to) from the store, working hours and
 * dates by cal. NULL with *err set on a store error (store.h's codes) or a
 * bad period (STORE_ERROR_FAILED). */
struct report *report_build(struct store *s, const struct calendar *cal, int64_t from,
			    int64_t to, GError **err);

/* report_free - frees r and everything in it, sets *r to NULL; NULL-safe. */
void report_free(struct report **r);

/* report_render - r in fmt, labels in lang ("zh", or "en" for anything
 * else; CSV and JSON keys are always English):
 *   REPORT_TEXT  sections of aligned lines that fit 80 columns; what
 *                customers wrote is cut to fit and shown without control
 *                characters (casectl_cut)
 *   REPORT_CSV   sections (a title row, a header row, data rows) apart by
 *                an empty line; CRLF; RFC 4180 quoting; a text cell that a
 *                spreadsheet would run as a formula (= + - @ first) gets a
 *                leading '
 *   REPORT_JSON  one object, keys as complaintctl(8) lists them under
 *                report; hours rounded to two decimals, null for no value
 *   REPORT_HTML  one page, no scripts and no external resources, inline
 *                styles only, every value escaped, SVG charts of the trend,
 *                the severity mix and the deadlines met
 * Never NULL. */
char *report_render(const struct report *r, enum report_format fmt, const char *lang);

/* report_subject - one line naming the report, for a mail's Subject and a
 * page's title: "投诉日报 2026-12-01", "Complaints weekly report
 * 2026-11-30 – 2026-12-06", "投诉月报 2026-12", "Complaints report
 * 2026-11-20 – 2026-12-03". kind "day", "week", "month" or "range"; NULL
 * means r's own. */
char *report_subject(const struct report *r, const char *kind, const char *lang);

/* report_percentile - the p-quantile (0..1) of n sorted values, linear
 * between the closest ranks (x[h] with h = (n - 1) p, as spreadsheets'
 * PERCENTILE); NAN when n is 0. */
double report_percentile(const double *sorted, size_t n, double p);

#endif
