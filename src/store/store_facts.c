/* store_facts - a complaint's case facts (see store_facts.h). */
#include "store/store_facts.h"

#include <string.h>

#include "store/store-private.h"

void store_facts_clear(struct store_facts *f)
{
	if (!f)
		return;
	for (int i = 0; i < FACT_N; i++) {
		g_free(f->value[i]);
		g_free(f->source[i]);
		g_free(f->rule[i]);
	}
	memset(f, 0, sizeof *f);
}

/* source_of - the column's value: what the form gave, or the mail. */
static const char *source_of(const struct store_facts *f, int i)
{
	return f->source[i] && !strcmp(f->source[i], "form") ? "form" : "mail";
}

/* Rows per statement: six parameters each within struct pb's 24. */
#define ROWS_PER_INSERT 4

/* add_rows - one multi-row INSERT IGNORE of the facts idx[0..n): one round
 * trip on the ingest path; the primary key (complaint, name) keeps the
 * first value of each. The rows written, or -1. */
static int add_rows(struct store *s, uint64_t id, const struct store_facts *f,
		    const int *idx, unsigned n, int64_t now, GError **err)
{
	GString *sql = g_string_new("INSERT IGNORE INTO complaint_facts"
				    " (complaint_id, name, value, source, rule, created_at) VALUES ");
	struct pb p = { .nb = 0 };
	for (unsigned k = 0; k < n; k++) {
		int i = idx[k];
		g_string_append(sql, k ? ", (?, ?, ?, ?, ?, ?)" : "(?, ?, ?, ?, ?, ?)");
		pb_u64(&p, id);
		pb_str(&p, facts_name(i));
		pb_chars(&p, f->value[i], FACTS_VALUE_MAX);
		pb_str(&p, source_of(f, i));
		if (f->rule[i])
			pb_chars(&p, f->rule[i], 64);
		else
			pb_null(&p);
		pb_time(&p, now);
	}
	MYSQL_STMT *st = store_oneshot(s, sql->str, &p, err);
	g_string_free(sql, TRUE);
	if (!st)
		return -1;
	my_ulonglong rows = mysql_stmt_affected_rows(st);
	mysql_stmt_close(st);
	return rows == (my_ulonglong)-1 ? 0 : (int)rows;
}

/* defer_all - inside a transaction the rows go with the deferred rows at
 * commit (no round trip per complaint); false outside one. */
static bool defer_all(struct store *s, uint64_t id, const struct store_facts *f, int64_t now)
{
	for (int i = 0; i < FACT_N; i++) {
		if (!f->value[i])
			continue;
		const char *v = f->value[i], *rule = f->rule[i];
		if (!store_defer_fact(s, id, facts_name(i), v, clip_chars(v, FACTS_VALUE_MAX),
				      source_of(f, i), rule, rule ? clip_chars(rule, 64) : 0, now))
			return false;
	}
	return true;
}

int store_facts_add(struct store *s, uint64_t id, const struct store_facts *f,
		    int64_t now, GError **err)
{
	int idx[FACT_N];
	unsigned n = 0;
	int total = 0;
	for (int i = 0; i < FACT_N; i++)
		if (f->value[i])
			idx[n++] = i;
	if (n && defer_all(s, id, f, now))
		return (int)n;
	for (unsigned k = 0; k < n; k += ROWS_PER_INSERT) {
		unsigned m = n - k < ROWS_PER_INSERT ? n - k : ROWS_PER_INSERT;
		int rc = add_rows(s, id, f, idx + k, m, now, err);
		if (rc < 0)
			return -1;
		total += rc;
	}
	return total;
}

static void fact_row(MYSQL_STMT *st, struct rb *r, void *data)
{
	struct store_facts *f = data;
	char *name = rb_str(st, r, 0);
	int i = facts_parse(name);
	g_free(name);
	if (i < 0) /* a name a later version wrote: not ours to show */
		return;
	f->value[i] = rb_str(st, r, 1);
	f->source[i] = rb_str(st, r, 2);
	f->rule[i] = rb_str(st, r, 3);
}

int store_facts_get(struct store *s, uint64_t id, struct store_facts *out, GError **err)
{
	store_facts_clear(out);
	if (store_flush_deferred(s, err) < 0)  /* facts this transaction added */
		return -1;
	struct pb p = { .nb = 0 };
	pb_u64(&p, id);
	int rc = store_query_rows(s, "SELECT name, value, source, rule FROM complaint_facts"
				  " WHERE complaint_id = ?", &p, "ssss", fact_row, out, err);
	return rc < 0 ? -1 : 0;
}
