/* store_warning - counts, lists and spikes for early warning. See
 * store_warning.h; statements are prepared per call (store_oneshot). */
#include "store/store_warning.h"

#include <string.h>

#include "store/store-private.h"

/* Complaints that count: see the header. Fixed text, spliced from here
 * only, never from input. */
#define COUNTED " AND c.due_ack IS NOT NULL"

void store_warning_count_free(struct store_warning_count *c)
{
	if (!c)
		return;
	g_free(c->key);
	g_free(c);
}

void store_warning_complaint_free(struct store_warning_complaint *c)
{
	if (!c)
		return;
	g_free(c->ref);
	g_free(c->subject);
	g_free(c->effects);
	g_free(c);
}

void store_warning_spike_free(struct store_warning_spike *sp)
{
	if (!sp)
		return;
	g_free(sp->kind);
	g_free(sp->subject);
	g_free(sp);
}



static unsigned clamp32(uint64_t v)
{
	return v > G_MAXUINT ? G_MAXUINT : (unsigned)v;
}

/* ---- counts ------------------------------------------------------------------ */

static void count_row(MYSQL_STMT *st, struct rb *r, void *data)
{
	struct store_warning_count *c = g_new0(struct store_warning_count, 1);
	c->key = rb_str(st, r, 0);
	if (!c->key)
		c->key = g_strdup("");
	c->recent = clamp32(rb_id(r, 1));
	c->baseline = clamp32(rb_id(r, 2));
	g_ptr_array_add(data, c);
}

/* count_params - split twice (the two counts), then the whole period. */
static void count_params(struct pb *p, int64_t from, int64_t split, int64_t until)
{
	pb_time(p, split);
	pb_time(p, split);
	pb_time(p, from);
	pb_time(p, until);
}

int store_warning_count_categories(struct store *s, int64_t from, int64_t split,
				   int64_t until, GPtrArray *out, GError **err)
{
	struct pb p = { .nb = 0 };
	count_params(&p, from, split, until);
	return store_query_rows(s,
		"SELECT c.category, COUNT(IF(c.created_at > ?, 1, NULL)),"
		" COUNT(IF(c.created_at <= ?, 1, NULL)) FROM complaints c"
		" WHERE c.created_at > ? AND c.created_at <= ?" COUNTED
		" GROUP BY c.category", &p, "suu", count_row, out, err);
}

int store_warning_count_effects(struct store *s, int64_t from, int64_t split,
				int64_t until, GPtrArray *out, GError **err)
{
	struct pb p = { .nb = 0 };
	count_params(&p, from, split, until);
	/* one row per complaint with its tagged effects as one sorted string,
	 * then one per distinct string: few rows however many complaints.
	 * Byte comparison: tags are case-sensitive names. The outer group is
	 * by digest because grouping by a long text compares only a prefix
	 * (max_sort_length). */
	return store_query_rows(s,
		"SELECT MAX(t.effects), COUNT(IF(t.created_at > ?, 1, NULL)),"
		" COUNT(IF(t.created_at <= ?, 1, NULL)) FROM"
		" (SELECT c.created_at, GROUP_CONCAT(DISTINCT h.effect COLLATE utf8mb4_bin"
		"   ORDER BY h.effect COLLATE utf8mb4_bin SEPARATOR '\t') effects"
		"  FROM complaints c JOIN rule_hits h ON h.complaint_id = c.id"
		"  WHERE c.created_at > ? AND c.created_at <= ?" COUNTED
		"  AND h.effect LIKE '%tag=%' GROUP BY c.id, c.created_at) t"
		" GROUP BY SHA2(t.effects, 256)", &p, "suu", count_row, out, err);
}

/* ---- the complaints of a spike ---------------------------------------------------- */

static void complaint_row(MYSQL_STMT *st, struct rb *r, void *data)
{
	struct store_warning_complaint *c = g_new0(struct store_warning_complaint, 1);
	c->id = rb_id(r, 0);
	c->ref = rb_str(st, r, 1);
	c->created_at = rb_unix(r, 2);
	c->subject = rb_str(st, r, 3);
	if (r->n > 4)
		c->effects = rb_str(st, r, 4);
	g_ptr_array_add(data, c);
}

#define LIST_COLS "c.id, c.ref, c.created_at, c.subject"

int store_warning_list_category(struct store *s, const char *category, int64_t from,
				int64_t until, unsigned max, GPtrArray *out, GError **err)
{
	struct pb p = { .nb = 0 };
	pb_str(&p, category);
	pb_time(&p, from);
	pb_time(&p, until);
	pb_u64(&p, max);
	return store_query_rows(s,
		"SELECT " LIST_COLS " FROM complaints c WHERE c.category = ?"
		" AND c.created_at > ? AND c.created_at <= ?" COUNTED
		" ORDER BY c.created_at, c.id LIMIT ?", &p, "usts", complaint_row, out, err);
}

/* like_pattern - "%tag=TAG%" with LIKE's wildcards in TAG escaped by '!'. */
static char *like_pattern(const char *tag)
{
	GString *out = g_string_new("%tag=");
	for (const char *c = tag; *c; c++) {
		if (*c == '!' || *c == '%' || *c == '_')
			g_string_append_c(out, '!');
		g_string_append_c(out, *c);
	}
	g_string_append_c(out, '%');
	return g_string_free(out, FALSE);
}

int store_warning_list_tagged(struct store *s, const char *tag, int64_t from,
			      int64_t until, GPtrArray *out, GError **err)
{
	char *like = like_pattern(tag);
	struct pb p = { .nb = 0 };
	pb_str(&p, like);
	pb_time(&p, from);
	pb_time(&p, until);
	int rc = store_query_rows(s,
		"SELECT " LIST_COLS ", (SELECT GROUP_CONCAT(h.effect COLLATE utf8mb4_bin"
		"  ORDER BY h.id SEPARATOR '\t') FROM rule_hits h"
		"  WHERE h.complaint_id = c.id AND h.effect LIKE ? ESCAPE '!') effects"
		" FROM complaints c WHERE c.created_at > ? AND c.created_at <= ?" COUNTED
		" HAVING effects IS NOT NULL ORDER BY c.created_at, c.id", &p, "ustss",
		complaint_row, out, err);
	g_free(like);
	return rc;
}

/* ---- spikes ------------------------------------------------------------------------ */

static void spike_row(MYSQL_STMT *st, struct rb *r, void *data)
{
	struct store_warning_spike *sp = g_new0(struct store_warning_spike, 1);
	sp->id = rb_id(r, 0);
	sp->kind = rb_str(st, r, 1);
	sp->subject = rb_str(st, r, 2);
	sp->started_at = rb_unix(r, 3);
	sp->last_above_at = rb_unix(r, 4);
	if (!sp->kind)
		sp->kind = g_strdup("");
	if (!sp->subject)
		sp->subject = g_strdup("");
	g_ptr_array_add(data, sp);
}

int store_warning_open_spikes(struct store *s, GPtrArray *out, GError **err)
{
	struct pb p = { .nb = 0 };
	return store_query_rows(s, "SELECT id, subject_kind, subject, started_at, last_above_at"
		    " FROM warning_spikes WHERE is_open = 1 ORDER BY id", &p, "usstt",
		    spike_row, out, err);
}

int store_warning_spike_begin(struct store *s, const char *kind, const char *subject,
			      int64_t now, unsigned recent, unsigned baseline_count,
			      uint64_t threshold, uint64_t *id, GError **err)
{
	/* INSERT IGNORE would store a bad enum value as '' */
	if (!kind || (strcmp(kind, "category") && strcmp(kind, "tag")) || !subject) {
		g_set_error(err, STORE_ERROR, STORE_ERROR_CONSTRAINT, "bad spike subject");
		return -1;
	}
	struct pb p = { .nb = 0 };
	pb_str(&p, kind);
	pb_chars(&p, subject, 64);
	pb_time(&p, now);
	pb_time(&p, now);
	pb_u64(&p, recent);
	pb_u64(&p, baseline_count);
	pb_u64(&p, threshold);
	pb_u64(&p, recent);
	/* is_open defaults to 1: a second open spike of the subject is a
	 * duplicate of uk_warning_spikes_open and ignored */
	return store_write_one(s,
		"INSERT IGNORE INTO warning_spikes (subject_kind, subject, started_at,"
		" last_above_at, recent_count, baseline_count, threshold, peak_count)"
		" VALUES (?, ?, ?, ?, ?, ?, ?, ?)", &p, id, err);
}

int store_warning_spike_seen(struct store *s, uint64_t id, int64_t now, unsigned recent,
			     GError **err)
{
	struct pb p = { .nb = 0 };
	pb_time(&p, now);
	pb_u64(&p, recent);
	pb_u64(&p, id);
	return store_write_one(s,
		"UPDATE warning_spikes SET last_above_at = GREATEST(last_above_at, ?),"
		" peak_count = GREATEST(peak_count, ?) WHERE id = ? AND is_open = 1",
		&p, NULL, err) < 0 ? -1 : 0;
}

int store_warning_spike_end(struct store *s, uint64_t id, int64_t now, int64_t quiet_since,
			    GError **err)
{
	struct pb p = { .nb = 0 };
	pb_time(&p, now);
	pb_u64(&p, id);
	pb_time(&p, quiet_since);
	return store_write_one(s,
		"UPDATE warning_spikes SET is_open = NULL, ended_at = ?"
		" WHERE id = ? AND is_open = 1 AND last_above_at <= ?", &p, NULL, err);
}
