/* store_report - what the periodic reports (report.h) read from the store.
 *
 * A report covers a period [from, to) of unix seconds and shows the state
 * at its end: a time stamp at or after `to` counts as not there yet, so a
 * report of last week reads the same whether it is made on Monday or a
 * month later (except where a reopening has cleared resolved_at since).
 * The reads are few set-based statements (aggregates and GROUP BY), plus
 * one row per complaint created in the period for what only C can work
 * out: working hours need the calendar, percentiles need the values.
 *
 * Statements are prepared per call (store_oneshot): an administrator's or
 * the scheduler's work, not the intake path. Errors as store.h says:
 * 0 (or a row count) on success, -1 with *err set. */
#ifndef COMPLAINTD_STORE_REPORT_H
#define COMPLAINTD_STORE_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#include "store/store.h"

/* The counts of a period. A deadline's step is what store_case.c's
 * escalations take as meeting it (ack: acknowledged or answered; plan and
 * investigation: first staff action; handling: resolved; feedback: first
 * answer that reached the customer; closure: closed). */
struct store_report_totals {
	uint64_t created;        /* created_at in the period */
	uint64_t resolved;       /* resolved_at in the period */
	uint64_t closed;         /* closed_at in the period */
	uint64_t open;           /* created before to, neither resolved nor closed before to */
	uint64_t overdue;        /* open, and some deadline before to whose step was not
				  * done before to */
	/* of the complaints created in the period: those whose deadline d
	 * fell before to or whose step was done before to (eligible), and
	 * those whose step was done before to and by the deadline (met) */
	uint64_t due_eligible[STORE_DUE_COUNT];
	uint64_t due_met[STORE_DUE_COUNT];
};

/* store_report_totals - *out for [from, to); one statement. */
int store_report_totals(struct store *s, int64_t from, int64_t to,
			struct store_report_totals *out, GError **err);

/* What a struct store_report_group row counts. */
enum store_report_dim {
	STORE_REPORT_CATEGORY,   /* new complaints per category */
	STORE_REPORT_SEVERITY,   /* ... per severity ("A", "B", "C") */
	STORE_REPORT_DEPARTMENT, /* ... per department address ("" = none) */
	STORE_REPORT_CHANNEL,    /* ... per channel ("email", "web") */
	STORE_REPORT_REPEATERS,  /* key "": customers with 2 or more new complaints
				  * (n = how many customers) */
	STORE_REPORT_REPEATER,   /* one such customer: key the references of its
				  * complaints (oldest first, blank-separated, never
				  * the address), n how many; most first */
	STORE_REPORT_RULE,       /* a rule and the new complaints it fired on, most first */
	STORE_REPORT_PRODUCT,    /* a product (the case fact, compared without regard
				  * to case) and its new complaints, most first */
	STORE_REPORT_NO_PRODUCT, /* key "": the new complaints without a product */
	STORE_REPORT_DIMS
};

struct store_report_group {
	enum store_report_dim dim;
	char *key;
	uint64_t n;
};
void store_report_group_free(struct store_report_group *g); /* NULL-safe; GDestroyNotify-able */

/* store_report_groups - every breakdown of the complaints created in
 * [from, to) in one statement: all groups of the first four dimensions and
 * REPEATERS, the top `top` of REPEATER, RULE and PRODUCT (ties by key). Appends
 * struct store_report_group * to out (the caller sets the free func) in no
 * particular order; returns how many, or -1. A customer is an address, or
 * the customer_group complaintctl forget left when it erased one; empty
 * addresses are nobody's: they never repeat. */
int store_report_groups(struct store *s, int64_t from, int64_t to, unsigned top,
			GPtrArray *out, GError **err);

/* The times of one complaint created in the period; 0 = not yet (before
 * to: later stamps read as 0). */
struct store_report_times {
	char *category;
	int64_t created_at, first_response_at, resolved_at;
};
void store_report_times_free(struct store_report_times *t); /* NULL-safe; GDestroyNotify-able */

/* store_report_times - one struct store_report_times * per complaint
 * created in [from, to), oldest first, appended to out (the caller sets the
 * free func); returns how many, or -1. */
int store_report_times(struct store *s, int64_t from, int64_t to, GPtrArray *out,
		       GError **err);

/* store_report_satisfaction - the survey ratings answered in [from, to):
 * *answers how many, *average their mean (0 when none). The surveys table
 * comes with schema version 3: before that (or if it is missing all the
 * same) *known is false and the rest 0. */
int store_report_satisfaction(struct store *s, int64_t from, int64_t to, bool *known,
			      uint64_t *answers, double *average, GError **err);

#endif
