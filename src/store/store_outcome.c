/* store_outcome - staff's decisions about a complaint's outcome (see
 * store_outcome.h). */
#include "store/store_outcome.h"

#include <string.h>

#include "store/store-private.h"

/* set_field - one decided field with its author and time; the column
 * names come from the fixed table below, never from input. */
static int set_field(struct store *s, const char *col, struct pb *p, GError **err)
{
	char *sql = g_strdup_printf(
		"INSERT INTO outcomes (complaint_id, %1$s, %1$s_by, %1$s_at) VALUES (?, ?, ?, ?)"
		" ON DUPLICATE KEY UPDATE %1$s = VALUES(%1$s), %1$s_by = VALUES(%1$s_by),"
		" %1$s_at = VALUES(%1$s_at)", col);
	int rc = store_write_one(s, sql, p, NULL, err);
	g_free(sql);
	return rc < 0 ? -1 : 0;
}

int store_outcome_set(struct store *s, uint64_t id, const struct store_outcome_change *ch,
		      const char *actor, int64_t now, GError **err)
{
	if (ch->valid != STORE_VALID_UNSET) {
		struct pb p = { .nb = 0 };
		pb_u64(&p, id);
		pb_u64(&p, ch->valid == STORE_VALID_YES ? 1 : 0);
		pb_chars(&p, actor, LEN_ADDR);
		pb_time(&p, now);
		if (set_field(s, "valid", &p, err) < 0)
			return -1;
	}
	const struct { const char *col, *value; size_t max; } texts[] = {
		{ "responsible", ch->responsible, STORE_OUTCOME_UNIT_MAX },
		{ "cause", ch->cause, STORE_OUTCOME_TEXT_MAX },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(texts); i++) {
		if (!texts[i].value)
			continue;
		struct pb p = { .nb = 0 };
		pb_u64(&p, id);
		pb_chars(&p, texts[i].value, texts[i].max);
		pb_chars(&p, actor, LEN_ADDR);
		pb_time(&p, now);
		if (set_field(s, texts[i].col, &p, err) < 0)
			return -1;
	}
	return 0;
}

int store_outcome_compensate(struct store *s, uint64_t id, int64_t cents, const char *currency,
			     const char *text, const char *actor, int64_t now, GError **err)
{
	struct pb p = { .nb = 0 };
	pb_u64(&p, id);
	pb_u64(&p, (uint64_t)(cents < 0 ? 0 : cents));
	pb_chars(&p, currency, 3);
	pb_chars(&p, text ? text : "", STORE_OUTCOME_TEXT_MAX);
	pb_chars(&p, actor, LEN_ADDR);
	pb_time(&p, now);
	int rc = store_write_one(s, "INSERT INTO compensations"
				 " (complaint_id, cents, currency, text, by_addr, at)"
				 " VALUES (?, ?, ?, ?, ?, ?)", &p, NULL, err);
	return rc < 0 ? -1 : 0;
}

static void compensation_free(struct store_compensation *c)
{
	if (!c)
		return;
	g_free(c->text);
	g_free(c->by);
	g_free(c);
}

void store_outcome_free(struct store_outcome *o)
{
	if (!o)
		return;
	g_free(o->valid_by);
	g_free(o->responsible);
	g_free(o->responsible_by);
	g_free(o->cause);
	g_free(o->cause_by);
	if (o->compensations)
		g_ptr_array_unref(o->compensations);
	g_free(o);
}

static void outcome_row(MYSQL_STMT *st, struct rb *r, void *data)
{
	struct store_outcome *o = data;
	uint64_t v = rb_id(r, 0);  /* 0 undecided, 1 no, 2 yes */
	o->valid = v == 2 ? STORE_VALID_YES : v == 1 ? STORE_VALID_NO : STORE_VALID_UNSET;
	o->valid_by = rb_str(st, r, 1);
	o->valid_at = rb_unix(r, 2);
	o->responsible = rb_str(st, r, 3);
	o->responsible_by = rb_str(st, r, 4);
	o->responsible_at = rb_unix(r, 5);
	o->cause = rb_str(st, r, 6);
	o->cause_by = rb_str(st, r, 7);
	o->cause_at = rb_unix(r, 8);
}

static void compensation_row(MYSQL_STMT *st, struct rb *r, void *data)
{
	struct store_compensation *c = g_new0(struct store_compensation, 1);
	c->cents = (int64_t)rb_id(r, 0);
	char *cur = rb_str(st, r, 1);
	g_strlcpy(c->currency, cur ? cur : "", sizeof c->currency);
	g_free(cur);
	c->text = rb_str(st, r, 2);
	c->by = rb_str(st, r, 3);
	c->at = rb_unix(r, 4);
	g_ptr_array_add(data, c);
}

int store_outcome_get(struct store *s, uint64_t id, struct store_outcome **out, GError **err)
{
	struct store_outcome *o = g_new0(struct store_outcome, 1);
	o->valid = STORE_VALID_UNSET;
	o->compensations = g_ptr_array_new_with_free_func((GDestroyNotify)compensation_free);
	struct pb p = { .nb = 0 };
	pb_u64(&p, id);
	int rc = store_query_rows(s, "SELECT IFNULL(valid + 1, 0), valid_by, valid_at,"
				  " responsible, responsible_by, responsible_at,"
				  " cause, cause_by, cause_at"
				  " FROM outcomes WHERE complaint_id = ?",
				  &p, "usts" "sts" "st", outcome_row, o, err);
	if (rc >= 0) {
		p = (struct pb){ .nb = 0 };
		pb_u64(&p, id);
		rc = store_query_rows(s, "SELECT cents, currency, text, by_addr, at"
				      " FROM compensations WHERE complaint_id = ? ORDER BY at, id",
				      &p, "ussst", compensation_row, o->compensations, err);
	}
	if (rc < 0) {
		store_outcome_free(o);
		return -1;
	}
	*out = o;
	return 0;
}

/* ---- report figures ------------------------------------------------------ */

static void unit_free(struct store_outcome_unit *u)
{
	if (u) {
		g_free(u->name);
		g_free(u);
	}
}

void store_outcome_figures_clear(struct store_outcome_figures *f)
{
	if (!f)
		return;
	if (f->units)
		g_ptr_array_unref(f->units);
	if (f->money)
		g_ptr_array_unref(f->money);
	memset(f, 0, sizeof *f);
}

void store_outcome_figures_init(struct store_outcome_figures *f)
{
	memset(f, 0, sizeof *f);
	f->units = g_ptr_array_new_with_free_func((GDestroyNotify)unit_free);
	f->money = g_ptr_array_new_with_free_func(g_free);
}

static void valid_row(MYSQL_STMT *st, struct rb *r, void *data)
{
	(void)st;
	struct store_outcome_figures *f = data;
	f->valid_yes = rb_id(r, 0);
	f->valid_no = rb_id(r, 1);
}

static void unit_row(MYSQL_STMT *st, struct rb *r, void *data)
{
	struct store_outcome_unit *u = g_new0(struct store_outcome_unit, 1);
	u->name = rb_str(st, r, 0);
	if (!u->name)
		u->name = g_strdup("");
	u->complaints = rb_id(r, 1);
	u->valid = rb_id(r, 2);
	g_ptr_array_add(data, u);
}

static void money_row(MYSQL_STMT *st, struct rb *r, void *data)
{
	struct store_outcome_money *m = g_new0(struct store_outcome_money, 1);
	char *cur = rb_str(st, r, 0);
	g_strlcpy(m->currency, cur ? cur : "", sizeof m->currency);
	g_free(cur);
	m->count = rb_id(r, 1);
	m->cents = (int64_t)rb_id(r, 2);
	g_ptr_array_add(data, m);
}

/* the decisions known at `to` about complaints created in [from, to) */
#define CREATED_IN " FROM complaints c JOIN outcomes o ON o.complaint_id = c.id" \
	" WHERE c.created_at >= ? AND c.created_at < ?"

int store_outcome_figures(struct store *s, int64_t from, int64_t to,
			  struct store_outcome_figures *out, GError **err)
{
	store_outcome_figures_init(out);
	struct pb p = { .nb = 0 };
	pb_time(&p, to);
	pb_time(&p, to);
	pb_time(&p, from);
	pb_time(&p, to);
	int rc = store_query_rows(s,
		"SELECT CAST(IFNULL(SUM(o.valid = 1 AND o.valid_at < ?), 0) AS UNSIGNED),"
		" CAST(IFNULL(SUM(o.valid = 0 AND o.valid_at < ?), 0) AS UNSIGNED)" CREATED_IN,
		&p, "uu", valid_row, out, err);
	if (rc >= 0) {
		p = (struct pb){ .nb = 0 };
		pb_time(&p, to);
		pb_time(&p, from);
		pb_time(&p, to);
		pb_time(&p, to);
		rc = store_query_rows(s,
			"SELECT o.responsible, COUNT(*),"
			" CAST(IFNULL(SUM(o.valid = 1 AND o.valid_at < ?), 0) AS UNSIGNED)"
			CREATED_IN " AND o.responsible IS NOT NULL AND o.responsible_at < ?"
			" GROUP BY o.responsible ORDER BY COUNT(*) DESC, o.responsible",
			&p, "suu", unit_row, out->units, err);
	}
	if (rc >= 0) {
		p = (struct pb){ .nb = 0 };
		pb_time(&p, from);
		pb_time(&p, to);
		rc = store_query_rows(s,
			"SELECT currency, COUNT(*), CAST(SUM(cents) AS UNSIGNED) FROM compensations"
			" WHERE at >= ? AND at < ? GROUP BY currency ORDER BY currency",
			&p, "suu", money_row, out->money, err);
	}
	return rc < 0 ? -1 : 0;
}
