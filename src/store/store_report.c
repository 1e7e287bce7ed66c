/* store_report - the reports' reads: period totals, breakdowns, the times
 * of new complaints and survey ratings. See store_report.h. */
#include "store/store_report.h"

#include <string.h>

#include "store/store-private.h"

/* The survey table's migration (see migrations.c). */
#define SURVEYS_VERSION 3

/* Neither resolved nor closed before the period's end p.t. */
#define OPEN_AT_END "(c.resolved_at IS NULL OR c.resolved_at >= p.t)" \
	" AND (c.closed_at IS NULL OR c.closed_at >= p.t)"

/* sum - append a column, and a comma, counting the rows where cond holds
 * (a NULL condition counts as false). */
static void sum(GString *q, const char *cond)
{
	g_string_append_printf(q, "CAST(COALESCE(SUM(%s), 0) AS UNSIGNED), ", cond);
}

/* overdue_cond - open at the end and some deadline passed before it
 * without its step. */
static char *overdue_cond(void)
{
	GString *c = g_string_new(OPEN_AT_END " AND (");
	for (unsigned d = 0; d < STORE_DUE_COUNT; d++)
		g_string_append_printf(c, "%s(c.due_%s < p.t AND (%s IS NULL OR %s >= p.t))",
				       d ? " OR " : "", store_deadline_name(d), store_due_met[d],
				       store_due_met[d]);
	g_string_append_c(c, ')');
	return g_string_free(c, FALSE);
}

/* totals_sql - one pass over the complaints created before the end; the
 * period's bounds are bound once, as the one-row table p. */
static char *totals_sql(void)
{
	GString *q = g_string_new("SELECT ");
	sum(q, "c.created_at >= p.f");
	sum(q, "c.resolved_at >= p.f AND c.resolved_at < p.t");
	sum(q, "c.closed_at >= p.f AND c.closed_at < p.t");
	sum(q, OPEN_AT_END);
	char *overdue = overdue_cond();
	sum(q, overdue);
	g_free(overdue);
	for (unsigned d = 0; d < STORE_DUE_COUNT; d++) {
		const char *due = store_deadline_name(d), *step = store_due_met[d];
		char *eligible = g_strdup_printf("c.created_at >= p.f AND c.due_%s IS NOT NULL"
						 " AND (c.due_%s < p.t OR %s < p.t)", due, due, step);
		char *met = g_strdup_printf("c.created_at >= p.f AND %s < p.t AND %s <= c.due_%s",
					    step, step, due);
		sum(q, eligible);
		sum(q, met);
		g_free(eligible);
		g_free(met);
	}
	g_string_truncate(q, q->len - 2);  /* the last comma */
	g_string_append(q, " FROM (SELECT ? f, ? t) p JOIN complaints c ON c.created_at < p.t");
	return g_string_free(q, FALSE);
}

/* one_row - run sql (bound p) whose result is one row of n integers. */
static int one_row(struct store *s, const char *sql, struct pb *p, uint64_t *v, unsigned n,
		   GError **err)
{
	MYSQL_STMT *st = store_oneshot(s, sql, p, err);
	if (!st)
		return -1;
	struct rb r = { .n = 0 };
	for (unsigned i = 0; i < n; i++)
		rb_u64(&r);
	int rc = store_oneshot_rows(s, st, &r, err);
	if (rc == 0)
		rc = store_oneshot_fetch(s, st, err);
	for (unsigned i = 0; rc == 1 && i < n; i++)
		v[i] = rb_id(&r, i);
	mysql_stmt_close(st);
	return rc < 0 ? -1 : 0;
}

int store_report_totals(struct store *s, int64_t from, int64_t to,
			struct store_report_totals *out, GError **err)
{
	uint64_t v[5 + 2 * STORE_DUE_COUNT] = { 0 };
	struct pb p = { .nb = 0 };
	pb_time(&p, from);
	pb_time(&p, to);
	char *sql = totals_sql();
	int rc = one_row(s, sql, &p, v, G_N_ELEMENTS(v), err);
	g_free(sql);
	if (rc < 0) {
		g_prefix_error(err, "report totals: ");
		return -1;
	}
	*out = (struct store_report_totals){ .created = v[0], .resolved = v[1],
					     .closed = v[2], .open = v[3], .overdue = v[4] };
	for (unsigned d = 0; d < STORE_DUE_COUNT; d++) {
		out->due_eligible[d] = v[5 + 2 * d];
		out->due_met[d] = v[6 + 2 * d];
	}
	return 0;
}

void store_report_group_free(struct store_report_group *g)
{
	if (!g)
		return;
	g_free(g->key);
	g_free(g);
}

/* Each dimension's part of the UNION, over p, the new complaints; %d is
 * the dimension's number. The ranked parts take the limit as a parameter. */
static const char *const group_sql[STORE_REPORT_DIMS] = {
	[STORE_REPORT_CATEGORY] = "SELECT %d, category, COUNT(*) FROM p GROUP BY category",
	[STORE_REPORT_SEVERITY] = "SELECT %d, severity, COUNT(*) FROM p GROUP BY severity",
	[STORE_REPORT_DEPARTMENT] = "SELECT %d, department, COUNT(*) FROM p GROUP BY department",
	[STORE_REPORT_CHANNEL] = "SELECT %d, channel, COUNT(*) FROM p GROUP BY channel",
	[STORE_REPORT_REPEATERS] = "SELECT %d, '', COUNT(*) FROM (SELECT who FROM p"
		" WHERE who IS NOT NULL GROUP BY who HAVING COUNT(*) >= 2) r",
	[STORE_REPORT_REPEATER] = "(SELECT %d, GROUP_CONCAT(ref ORDER BY created_at, id"
		" SEPARATOR ' ') refs, COUNT(*) n FROM p"
		" WHERE who IS NOT NULL GROUP BY who HAVING n >= 2"
		" ORDER BY n DESC, refs LIMIT ?)",
	[STORE_REPORT_RULE] = "(SELECT %d, h.rule, COUNT(DISTINCT h.complaint_id) n"
		" FROM rule_hits h JOIN p ON p.id = h.complaint_id"
		" GROUP BY h.rule ORDER BY n DESC, h.rule LIMIT ?)",
	/* MIN: of the spellings one group holds ("xq7", "XQ7"), one shown */
	[STORE_REPORT_PRODUCT] = "(SELECT %d, MIN(f.value), COUNT(*) n"
		" FROM complaint_facts f JOIN p ON p.id = f.complaint_id"
		" WHERE f.name = 'product' GROUP BY f.value ORDER BY n DESC, MIN(f.value) LIMIT ?)",
	[STORE_REPORT_NO_PRODUCT] = "SELECT %d, '', COUNT(*) FROM p WHERE NOT EXISTS"
		" (SELECT 1 FROM complaint_facts f WHERE f.complaint_id = p.id"
		" AND f.name = 'product')",
};

static char *groups_sql(void)
{
	/* who: one customer, by address, or by the group forget left when it
	 * erased the address, or by phone (a customer taken down without one) (the group's collation named: the two columns'
	 * differ) */
	GString *q = g_string_new("WITH p AS (SELECT id, ref, created_at, category, severity,"
				  " department, channel, COALESCE(customer_group COLLATE"
				  " utf8mb4_unicode_520_ci, NULLIF(customer_addr, ''),"
				  " NULLIF(customer_phone, '')) who"
				  " FROM complaints WHERE created_at >= ? AND created_at < ?) ");
	for (int d = 0; d < STORE_REPORT_DIMS; d++) {
		if (d)
			g_string_append(q, " UNION ALL ");
		g_string_append_printf(q, group_sql[d], d);
	}
	return g_string_free(q, FALSE);
}

int store_report_groups(struct store *s, int64_t from, int64_t to, unsigned top,
			GPtrArray *out, GError **err)
{
	struct pb p = { .nb = 0 };
	pb_time(&p, from);
	pb_time(&p, to);
	pb_u64(&p, top);
	pb_u64(&p, top);
	pb_u64(&p, top);
	char *sql = groups_sql();
	MYSQL_STMT *st = store_oneshot(s, sql, &p, err);
	g_free(sql);
	if (!st) {
		g_prefix_error(err, "report groups: ");
		return -1;
	}
	struct rb r = { .n = 0 };
	rb_u64(&r);
	rb_var(&r);
	rb_u64(&r);
	int rc = store_oneshot_rows(s, st, &r, err), n = 0;
	while (rc == 0 && (rc = store_oneshot_fetch(s, st, err)) == 1) {
		struct store_report_group *g = g_new0(struct store_report_group, 1);
		g->dim = (enum store_report_dim)rb_id(&r, 0);
		g->key = rb_str(st, &r, 1);
		if (!g->key)
			g->key = g_strdup("");
		g->n = rb_id(&r, 2);
		g_ptr_array_add(out, g);
		n++;
		rc = 0;
	}
	mysql_stmt_close(st);
	return rc < 0 ? -1 : n;
}

void store_report_times_free(struct store_report_times *t)
{
	if (!t)
		return;
	g_free(t->category);
	g_free(t);
}

/* before - t if it lies before the end, else 0 (not yet at the end). */
static int64_t before(int64_t t, int64_t to)
{
	return t < to ? t : 0;
}

int store_report_times(struct store *s, int64_t from, int64_t to, GPtrArray *out,
		       GError **err)
{
	struct pb p = { .nb = 0 };
	pb_time(&p, from);
	pb_time(&p, to);
	MYSQL_STMT *st = store_oneshot(s,
		"SELECT category, created_at, first_response_at, resolved_at FROM complaints"
		" WHERE created_at >= ? AND created_at < ? ORDER BY created_at, id", &p, err);
	if (!st) {
		g_prefix_error(err, "report times: ");
		return -1;
	}
	struct rb r = { .n = 0 };
	rb_var(&r);
	rb_time(&r);
	rb_time(&r);
	rb_time(&r);
	int rc = store_oneshot_rows(s, st, &r, err), n = 0;
	while (rc == 0 && (rc = store_oneshot_fetch(s, st, err)) == 1) {
		struct store_report_times *t = g_new0(struct store_report_times, 1);
		t->category = rb_str(st, &r, 0);
		t->created_at = rb_unix(&r, 1);
		t->first_response_at = before(rb_unix(&r, 2), to);
		t->resolved_at = before(rb_unix(&r, 3), to);
		g_ptr_array_add(out, t);
		n++;
		rc = 0;
	}
	mysql_stmt_close(st);
	return rc < 0 ? -1 : n;
}

int store_report_satisfaction(struct store *s, int64_t from, int64_t to, bool *known,
			      uint64_t *answers, double *average, GError **err)
{
	*known = false;
	*answers = 0;
	*average = 0;
	int current = 0;
	if (store_schema_version(s, &current, NULL, err) < 0)
		return -1;
	if (current < SURVEYS_VERSION)
		return 0;
	struct pb p = { .nb = 0 };
	pb_time(&p, from);
	pb_time(&p, to);
	GError *e = NULL;
	MYSQL_STMT *st = store_oneshot(s,
		"SELECT COUNT(rating), AVG(rating) FROM surveys"
		" WHERE answered_at >= ? AND answered_at < ? AND rating IS NOT NULL", &p, &e);
	if (!st && e->code == STORE_ERROR_SCHEMA) {
		/* a version 3 that is not the surveys' migration after all */
		g_error_free(e);
		return 0;
	}
	if (!st) {
		g_propagate_prefixed_error(err, e, "report satisfaction: ");
		return -1;
	}
	struct rb r = { .n = 0 };
	rb_u64(&r);
	rb_var(&r);     /* AVG is a DECIMAL: read as text */
	int rc = store_oneshot_rows(s, st, &r, err);
	if (rc == 0)
		rc = store_oneshot_fetch(s, st, err);
	if (rc == 1) {
		char *avg = rb_str(st, &r, 1);
		*known = true;
		*answers = rb_id(&r, 0);
		*average = avg ? g_ascii_strtod(avg, NULL) : 0;
		g_free(avg);
	}
	mysql_stmt_close(st);
	return rc < 0 ? -1 : 0;
}
