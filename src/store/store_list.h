/* store_list - the complaints an administrator lists, searches and exports
 * (complaintctl list, search, export; see listctl.h).
 *
 * One filter describes what matches; every condition it sets must hold.
 * The SQL is put together from a fixed set of clauses with placeholders,
 * and every value of the filter is bound, never spliced into the text, so
 * a search text or an address can hold any character. Statements are
 * prepared per call (store_oneshot): this is an administrator's path, not
 * the daemon's.
 *
 * Free text and substrings are matched with LIKE, their %, _ and \
 * escaped. The text columns are utf8mb4_unicode_520_ci: English matches
 * without regard to case (and accents), and a Chinese word is found
 * inside running text, which has no blanks between words for a word index
 * to split at. Nothing is indexed for that: a search reads every message
 * body of the complaints the other conditions leave, which is fine for an
 * administrator's query over a few hundred thousand complaints and would
 * not be for the daemon. */
#ifndef COMPLAINTD_STORE_LIST_H
#define COMPLAINTD_STORE_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

#include "store/store.h"

/* The statuses a complaint can have, in the order of the schema's ENUM;
 * a filter holds a set of them as bits (1u << STORE_STATUS_...). */
enum store_status {
	STORE_STATUS_NEW, STORE_STATUS_ACKNOWLEDGED, STORE_STATUS_IN_PROGRESS,
	STORE_STATUS_RESOLVED, STORE_STATUS_CLOSED, STORE_STATUS_REOPENED,
	STORE_STATUS_COUNT
};
/* "Open" is every status but resolved and closed, as elsewhere in the
 * store (reclassify, escalations' idea of work still to do). */
#define STORE_STATUS_OPEN_SET ((1u << STORE_STATUS_NEW) | (1u << STORE_STATUS_ACKNOWLEDGED) | \
			       (1u << STORE_STATUS_IN_PROGRESS) | (1u << STORE_STATUS_REOPENED))

/* store_status_name - "new", "acknowledged", "in_progress", "resolved",
 * "closed", "reopened"; NULL out of range. */
const char *store_status_name(enum store_status st);
/* store_status_parse - the status named name (exact, lower case):
 * true with *st set, false when there is none by that name. */
bool store_status_parse(const char *name, enum store_status *st);

/* How a text filter compares: the whole value, or the text at its start,
 * at its end, or anywhere in it. */
enum store_match {
	STORE_MATCH_EXACT, STORE_MATCH_PREFIX, STORE_MATCH_SUFFIX, STORE_MATCH_CONTAINS
};

enum store_list_sort {
	STORE_SORT_CREATED,          /* newest first */
	STORE_SORT_UPDATED,          /* last changed first */
	STORE_SORT_SEVERITY,         /* A, B, C; newest first within each */
};

/* What matches. Strings are borrowed (they must outlive the call) and
 * UTF-8; NULL (or 0, false) leaves that condition out, so a zeroed filter
 * matches every complaint. */
struct store_list_filter {
	const char *ref;             /* the reference, compared byte for byte */
	enum store_match ref_match;
	const char *customer;        /* the customer's address, compared without
				      * regard to case */
	enum store_match customer_match;
	unsigned statuses;           /* a set of 1u << enum store_status; 0 = any */
	const char *category;        /* exact (without regard to case) */
	const char *channel;         /* "phone", "web", ... exact (msg_channel_name) */
	const char *phone;           /* the customer's phone as stored, exact */
	char severity;               /* 'A', 'B' or 'C'; 0 = any */
	const char *department;      /* the department's address, exact, without
				      * regard to case */
	int64_t created_from;        /* created at or after, unix time; 0 = no bound */
	int64_t created_before;      /* created before, unix time; 0 = no bound */
	bool overdue;                /* open, and some deadline passed at now without
				      * its step done (the conditions the escalations
				      * use, so list and the escalations agree) */
	int64_t now;                 /* for overdue: the time against which it is judged */
	const char *text;            /* a substring of the subject or of the body of
				      * one of the complaint's messages */
	const char *product;         /* the product fact (store_facts.h), compared
				      * without regard to case, as product_match */
	enum store_match product_match;
	const char *order;           /* the order number fact, as order_match */
	enum store_match order_match;
	enum store_list_sort sort;
	uint64_t limit;              /* at most this many rows; 0 = all */
};

/* ---- list and search ------------------------------------------------------ */

/* One complaint as list and search show it. Strings are owned (never
 * NULL: an empty column is ""); times are unix seconds. */
struct store_list_item {
	uint64_t id;
	char *ref, *channel, *status, *category, *department, *assignee;
	char severity;               /* 'A', 'B' or 'C' */
	char *customer_addr, *customer_name, *subject;
	char *product, *order_no;    /* case facts; "" when not known */
	char *taken_by, *customer_phone;  /* "" unless taken by staff / given */
	int64_t created_at, updated_at;
};
void store_list_item_free(struct store_list_item *it); /* NULL-safe; GDestroyNotify-able */

/* store_list - the complaints f matches, in f's order, appended to out as
 * struct store_list_item * (the caller sets the free func). Returns how
 * many were appended, or -1 with *err set. */
int store_list(struct store *s, const struct store_list_filter *f, GPtrArray *out,
	       GError **err);

/* ---- export ------------------------------------------------------------------ */

/* What a column holds, from the schema's type. */
enum store_column_type {
	STORE_COLUMN_INT,            /* num */
	STORE_COLUMN_UINT,           /* an UNSIGNED integer: (uint64_t)num */
	STORE_COLUMN_TIME,           /* num, unix seconds */
	STORE_COLUMN_TEXT,           /* text, len bytes (NUL-terminated too) */
};

/* One value of a row; text is borrowed until the callback returns. */
struct store_value {
	bool null;
	int64_t num;
	const char *text;
	size_t len;
};

/* Where store_list_export sends what it reads. columns is called once,
 * before any row (also when nothing matches), with the column names and
 * types in the table's order; row once per complaint with n values in the
 * same order. Either returns 0 to go on, or -1 with *err set to stop the
 * export, which then fails with that error. Neither may use the store:
 * the rows are still coming in over its connection. */
struct store_export_sink {
	int (*columns)(void *data, unsigned n, const char *const *names,
		       const enum store_column_type *types, GError **err);
	int (*row)(void *data, unsigned n, const struct store_value *values, GError **err);
	void *data;
};

/* STORE_EXPORT_MAX_COLUMNS - the most columns an export can carry; a
 * complaints table with more (the facts' columns included) fails with
 * STORE_ERROR_SCHEMA. */
#define STORE_EXPORT_MAX_COLUMNS 64

/* store_list_export - every column of every complaint f matches, in f's
 * order: the columns are those of the table as the database has it, so a
 * column a later migration adds is exported without a change here; then
 * one column per case fact, "fact_" and its name (fact_order_no, ...),
 * NULL where the complaint does not have it. Rows
 * are streamed from the server as they come (not buffered: an export of
 * the whole table costs one row of memory); the statement is one snapshot
 * (READ COMMITTED holds for a statement). *rows (may be NULL) gets how many
 * were sent. 0, or -1 with *err set (by the store or by the sink). */
int store_list_export(struct store *s, const struct store_list_filter *f,
		      const struct store_export_sink *sink, uint64_t *rows, GError **err);

#endif
