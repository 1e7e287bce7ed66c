/* store-private - what store.c and the other store_*.c files share: the
 * bind and result helpers of prepared statements and one-shot statements.
 * Not an interface for anything outside the store: callers use store.h.
 *
 * pb (parameters) and rb (result columns) are small stack structs; values
 * are bound in place, so what they point at must outlive the execution. */
#ifndef COMPLAINTD_STORE_PRIVATE_H
#define COMPLAINTD_STORE_PRIVATE_H

#include <string.h>
#include <time.h>
#include <glib.h>
#include <mysql.h>

#include "store/store.h"

#define LEN_ADDR     320  /* characters, as the schema declares */
#define LEN_NAME     255
#define LEN_PHONE    64
#define LEN_MSGID    255
#define TEXT_BYTES   65535u

/* clip_chars - bytes of s that hold at most max characters (UTF-8). */
static inline size_t clip_chars(const char *s, size_t max)
{
	size_t i = 0, n = 0;
	for (; s[i]; i++) {
		if (((unsigned char)s[i] & 0xC0) != 0x80 && n++ == max)
			break;
	}
	return i;
}

/* clip_bytes - at most max bytes of s (length len), not splitting a
 * character. */
static inline size_t clip_bytes(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	return max;
}

/* ---- parameter binding --------------------------------------------------- */

struct pb {
	MYSQL_BIND b[32];
	MYSQL_TIME t[8];
	uint64_t u[16];
	unsigned nb, nt, nu;
};

static inline MYSQL_BIND *pb_next(struct pb *p)
{
	g_assert(p->nb < G_N_ELEMENTS(p->b));
	MYSQL_BIND *b = &p->b[p->nb++];
	memset(b, 0, sizeof *b);
	return b;
}

static inline void pb_null(struct pb *p)
{
	pb_next(p)->buffer_type = MYSQL_TYPE_NULL;
}

/* The connector reads an input length from *length: point it at the
 * bind's own buffer_length so no side array is needed. */
static inline void pb_data(struct pb *p, enum enum_field_types type, const void *d,
		    size_t len)
{
	MYSQL_BIND *b = pb_next(p);
	b->buffer_type = type;
	b->buffer = (void *)d;
	b->buffer_length = len;
	b->length = &b->buffer_length;
}

static inline void pb_strn(struct pb *p, const char *s, size_t len)
{
	if (!s)
		pb_null(p);
	else
		pb_data(p, MYSQL_TYPE_STRING, s, len);
}

static inline void pb_str(struct pb *p, const char *s)
{
	pb_strn(p, s, s ? strlen(s) : 0);
}

/* pb_chars - s cut to max characters. */
static inline void pb_chars(struct pb *p, const char *s, size_t max)
{
	pb_strn(p, s, s ? clip_chars(s, max) : 0);
}

/* pb_text - s cut to max bytes. */
static inline void pb_text(struct pb *p, const char *s, size_t max)
{
	pb_strn(p, s, s ? clip_bytes(s, strlen(s), max) : 0);
}

static inline void pb_blob(struct pb *p, const void *d, size_t len)
{
	if (!d)
		pb_null(p);
	else
		pb_data(p, MYSQL_TYPE_BLOB, d, len);
}

static inline void pb_u64(struct pb *p, uint64_t v)
{
	g_assert(p->nu < G_N_ELEMENTS(p->u));
	MYSQL_BIND *b = pb_next(p);
	p->u[p->nu] = v;
	b->buffer_type = MYSQL_TYPE_LONGLONG;
	b->buffer = &p->u[p->nu++];
	b->is_unsigned = 1;
}

/* pb_id - a row id, 0 meaning NULL. */
static inline void pb_id(struct pb *p, uint64_t v)
{
	if (v)
		pb_u64(p, v);
	else
		pb_null(p);
}

static inline void pb_tm(struct pb *p, enum enum_field_types type, const struct tm *tm)
{
	g_assert(p->nt < G_N_ELEMENTS(p->t));
	MYSQL_TIME *t = &p->t[p->nt++];
	memset(t, 0, sizeof *t);
	t->year = tm->tm_year + 1900;
	t->month = tm->tm_mon + 1;
	t->day = tm->tm_mday;
	t->hour = tm->tm_hour;
	t->minute = tm->tm_min;
	t->second = tm->tm_sec;
	t->time_type = type == MYSQL_TYPE_DATE ? MYSQL_TIMESTAMP_DATE
					       : MYSQL_TIMESTAMP_DATETIME;
	MYSQL_BIND *b = pb_next(p);
	b->buffer_type = type;
	b->buffer = t;
	b->buffer_length = sizeof *t;
}

/* pb_time - unix seconds as a UTC DATETIME. */
static inline void pb_time(struct pb *p, int64_t unix_time)
{
	time_t t = (time_t)unix_time;
	struct tm tm;
	gmtime_r(&t, &tm);
	pb_tm(p, MYSQL_TYPE_DATETIME, &tm);
}

static inline void pb_date(struct pb *p, int yyyymmdd)
{
	struct tm tm = {
		.tm_year = yyyymmdd / 10000 - 1900,
		.tm_mon = yyyymmdd / 100 % 100 - 1,
		.tm_mday = yyyymmdd % 100,
	};
	pb_tm(p, MYSQL_TYPE_DATE, &tm);
}

/* ---- result rows ------------------------------------------------------------- */

/* Fixed-size columns land in u/t; variable ones are bound with no buffer
 * and fetched afterwards at their real length (rb_str, rb_bytes). */
struct rb {
	MYSQL_BIND b[64];   /* room for an export of every complaints column */
	uint64_t u[64];
	MYSQL_TIME t[64];
	unsigned long len[64];
	my_bool null[64];
	unsigned n;
};

static inline unsigned rb_col(struct rb *r, enum enum_field_types type, void *buf)
{
	g_assert(r->n < G_N_ELEMENTS(r->b));
	unsigned i = r->n++;
	MYSQL_BIND *b = &r->b[i];
	memset(b, 0, sizeof *b);
	b->buffer_type = type;
	b->buffer = buf;
	b->is_null = &r->null[i];
	b->length = &r->len[i];
	if (type == MYSQL_TYPE_LONGLONG) {
		b->is_unsigned = 1;
		b->buffer_length = sizeof r->u[i];
	} else if (type == MYSQL_TYPE_DATETIME) {
		b->buffer_length = sizeof r->t[i];
	}
	return i;
}

static inline void rb_u64(struct rb *r) { rb_col(r, MYSQL_TYPE_LONGLONG, &r->u[r->n]); }
static inline void rb_time(struct rb *r) { rb_col(r, MYSQL_TYPE_DATETIME, &r->t[r->n]); }
static inline void rb_var(struct rb *r) { rb_col(r, MYSQL_TYPE_BLOB, NULL); }

static inline void *rb_fetch_var(MYSQL_STMT *st, struct rb *r, unsigned i)
{
	unsigned long n = r->len[i], got = 0;
	char *buf = g_malloc(n + 1);
	if (n > 0) {
		MYSQL_BIND b;
		memset(&b, 0, sizeof b);
		b.buffer_type = MYSQL_TYPE_BLOB;
		b.buffer = buf;
		b.buffer_length = n + 1;
		b.length = &got;
		mysql_stmt_fetch_column(st, &b, i, 0);
	}
	buf[n] = '\0';
	return buf;
}

/* rb_str - column i as a new string, NULL for SQL NULL. */
static inline char *rb_str(MYSQL_STMT *st, struct rb *r, unsigned i)
{
	return r->null[i] ? NULL : rb_fetch_var(st, r, i);
}

static inline GBytes *rb_bytes(MYSQL_STMT *st, struct rb *r, unsigned i)
{
	if (r->null[i])
		return g_bytes_new(NULL, 0);
	return g_bytes_new_take(rb_fetch_var(st, r, i), r->len[i]);
}

static inline uint64_t rb_id(struct rb *r, unsigned i)
{
	return r->null[i] ? 0 : r->u[i];
}

static inline int64_t rb_unix(struct rb *r, unsigned i)
{
	if (r->null[i])
		return 0;
	const MYSQL_TIME *t = &r->t[i];
	struct tm tm = {
		.tm_year = (int)t->year - 1900, .tm_mon = (int)t->month - 1,
		.tm_mday = (int)t->day, .tm_hour = (int)t->hour,
		.tm_min = (int)t->minute, .tm_sec = (int)t->second,
	};
	return (int64_t)timegm(&tm);
}


/* store_oneshot - prepare, bind p and execute sql once (statements of
 * administrators' and scheduled work, not the ingest path); NULL + err.
 * The caller closes the statement. */
MYSQL_STMT *store_oneshot(struct store *s, const char *sql, struct pb *p, GError **err);
/* store_oneshot_rows - bind r as the result of st, buffered client side. */
int store_oneshot_rows(struct store *s, MYSQL_STMT *st, struct rb *r, GError **err);
/* store_oneshot_fetch - 1 row, 0 no more, -1 error. */
int store_oneshot_fetch(struct store *s, MYSQL_STMT *st, GError **err);

/* store_query_rows - run sql with p and call row(st, r, data) for every
 * result row; cols describes the columns: 'u' integer, 't' time, 's'
 * text. The number of rows, or -1. */
int store_query_rows(struct store *s, const char *sql, struct pb *p, const char *cols,
		     void (*row)(MYSQL_STMT *st, struct rb *r, void *data), void *data,
		     GError **err);

/* store_write_one - run an UPDATE or INSERT IGNORE: 1 when it wrote a row
 * (*id, may be NULL, gets an insert's row id), 0 when it did not (the row
 * was there, or the WHERE matched nothing), -1 with err. */
int store_write_one(struct store *s, const char *sql, struct pb *p, uint64_t *id, GError **err);

/* STORE_DUE_MET - the one definition of when each deadline is met: the
 * time the step that meets it was done, as SQL over complaints c, NULL
 * while it is not. The escalations (store_due_escalations), list's overdue
 * filter (store_list.c), the reports' compliance (store_report.c) and show
 * (store_case_get fills store_case.met) all read it from here, so the
 * scheduler, complaintctl and the reports cannot disagree. Fixed text,
 * spliced into statements from this table only, never from input.
 *   ack            acknowledged, or answered by staff before that (the earlier)
 *   plan           a plan that counts (plan_at): for B the approval of the
 *                  plan, for A a #plan by the crisis team or the leadership
 *                  (the workflow decides what counts and stamps it; no
 *                  staff reply meets it)
 *   investigation  the investigation report (#report, 调查报告)
 *   handling       resolved
 *   feedback       the result to the customer: the first answer relayed
 *                  with or after the resolution, not the first text relayed
 *   closure        resolved and the survey of that resolution sent, or
 *                  closed (the earlier)
 * A resolved complaint waiting for its survey is not escalated for closure
 * (store_due_escalations), though the deadline counts as missed in the
 * reports when the survey goes out after it; one without an address waits
 * for no survey. For it the workflow stamps result_sent_at when the staff
 * resolve it (they give the result in person). */
#define STORE_SURVEY_OF_RESOLUTION "IF(c.survey_sent_at >= c.resolved_at, c.survey_sent_at, NULL)"
#define STORE_DUE_MET(X) \
	X(STORE_DUE_ACK, "LEAST(COALESCE(c.acknowledged_at, c.first_response_at)," \
			 " COALESCE(c.first_response_at, c.acknowledged_at))") \
	X(STORE_DUE_PLAN, "c.plan_at") \
	X(STORE_DUE_INVESTIGATION, "c.report_at") \
	X(STORE_DUE_HANDLING, "c.resolved_at") \
	X(STORE_DUE_FEEDBACK, "c.result_sent_at") \
	X(STORE_DUE_CLOSURE, "LEAST(COALESCE(" STORE_SURVEY_OF_RESOLUTION ", c.closed_at)," \
			     " COALESCE(c.closed_at, " STORE_SURVEY_OF_RESOLUTION "))")

/* store_due_met - STORE_DUE_MET as a table by deadline. */
extern const char *const store_due_met[STORE_DUE_COUNT];


/* ---- batch lookups and deferred rows (store.c) ------------------------------ */

/* Lookups made for a whole batch in one round trip: n copies of one
 * SELECT joined by UNION ALL, each with its index as first column. */
enum store_union_kind { STORE_UNION_MID, STORE_UNION_ACK, STORE_UNION_KINDS };
#define STORE_UNION_CHUNK 32

/* store_union_stmt - the prepared "(SELECT 0, one) UNION ALL (SELECT 1,
 * one) ..." of n (1..STORE_UNION_CHUNK) copies of the select list and
 * clauses one, kept with the connection (borrowed). NULL + err. */
MYSQL_STMT *store_union_stmt(struct store *s, enum store_union_kind k, const char *one,
			     unsigned n, GError **err);
/* store_stmt_fail - err from st's error (a lost connection marks the store
 * broken, as every failure does). Returns -1. */
int store_stmt_fail(struct store *s, MYSQL_STMT *st, const char *what, GError **err);
/* store_defer_fact - inside a transaction, a complaint_facts row (INSERT
 * IGNORE) written with the deferred rows at commit; false outside one.
 * value and rule (NULL: none) by length, already clipped. */
bool store_defer_fact(struct store *s, uint64_t id, const char *name, const char *value,
		      size_t value_len, const char *source, const char *rule, size_t rule_len,
		      int64_t now);
/* store_flush_deferred - write the transaction's deferred rows now, before
 * a read of the tables they go to. 0 / -1. */
int store_flush_deferred(struct store *s, GError **err);

#endif
