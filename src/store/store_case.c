/* store_case - the staff workflow's part of the store: complaints as
 * threading and relaying see them, staff changes, escalations, history.
 * See store.h; statements are prepared per call (store_oneshot). */
#include "store/store.h"

#include <stdio.h>
#include <string.h>

#include "store/store-private.h"

static const char *const due_names[STORE_DUE_COUNT] = {
	[STORE_DUE_ACK] = "ack", [STORE_DUE_PLAN] = "plan",
	[STORE_DUE_INVESTIGATION] = "investigation", [STORE_DUE_HANDLING] = "handling",
	[STORE_DUE_FEEDBACK] = "feedback", [STORE_DUE_CLOSURE] = "closure",
};

#define MET_ENTRY(d, sql) [d] = sql,
const char *const store_due_met[STORE_DUE_COUNT] = { STORE_DUE_MET(MET_ENTRY) };

const char *store_deadline_name(enum store_deadline d)
{
	return (unsigned)d < STORE_DUE_COUNT ? due_names[d] : NULL;
}

void store_case_free(struct store_case *c)
{
	if (!c)
		return;
	g_free(c->ref);
	g_free(c->channel);
	g_free(c->status);
	g_free(c->category);
	g_free(c->route);
	g_free(c->department);
	g_free(c->assignee);
	g_free(c->customer_addr);
	g_free(c->customer_name);
	g_free(c->taken_by);
	g_free(c->customer_phone);
	g_free(c->subject);
	g_free(c->lang);
	g_free(c->last_in_message_id);
	g_free(c->thread_ids);
	g_free(c->our_ids);
	g_free(c->customer_rcpts);
	g_free(c->plan_proposed_by);
	g_free(c->plan_decision);
	g_free(c);
}

int store_query_rows(struct store *s, const char *sql, struct pb *p, const char *cols,
		      void (*row)(MYSQL_STMT *st, struct rb *r, void *data), void *data,
		      GError **err)
{
	MYSQL_STMT *st = store_oneshot(s, sql, p, err);
	if (!st)
		return -1;
	struct rb r = { .n = 0 };
	for (const char *c = cols; *c; c++) {
		if (*c == 'u')
			rb_u64(&r);
		else if (*c == 't')
			rb_time(&r);
		else
			rb_var(&r);
	}
	int rc = store_oneshot_rows(s, st, &r, err), n = 0;
	while (rc == 0) {
		int got = store_oneshot_fetch(s, st, err);
		if (got <= 0) {
			rc = got;
			break;
		}
		row(st, &r, data);
		n++;
	}
	mysql_stmt_close(st);
	return rc < 0 ? -1 : n;
}

int store_write_one(struct store *s, const char *sql, struct pb *p, uint64_t *id, GError **err)
{
	MYSQL_STMT *st = store_oneshot(s, sql, p, err);
	if (!st)
		return -1;
	int rc = mysql_stmt_affected_rows(st) == 1 ? 1 : 0;
	if (rc == 1 && id)
		*id = mysql_stmt_insert_id(st);
	mysql_stmt_close(st);
	return rc;
}

int store_relay_first(struct store *s, uint64_t complaint_id, const char *sha256,
		      int64_t now, GError **err)
{
	struct pb p = { .nb = 0 };
	pb_u64(&p, complaint_id);
	pb_str(&p, sha256);
	pb_time(&p, now);
	return store_write_one(s, "INSERT IGNORE INTO relayed_texts (complaint_id, text_sha256, at)"
			       " VALUES (?, ?, ?)", &p, NULL, err);
}

/* the deadlines' met times close the list: ", when" per deadline */
#define MET_COLUMN(d, sql) ", " sql
#define CASE_COLS "c.id, c.parent_id, c.ref, c.channel, c.status, c.category," \
	" c.route, c.department, c.assignee, c.severity, c.customer_addr," \
	" c.customer_name, c.subject, c.lang, c.created_at, c.acknowledged_at," \
	" c.resolved_at, c.closed_at, c.reopened_at, c.first_action_at," \
	" c.first_response_at, c.due_ack, c.due_plan, c.due_investigation," \
	" c.due_handling, c.due_feedback, c.due_closure, c.staff_decided + 0," \
	" c.plan_proposed_at, c.plan_proposed_by, c.plan_decision" STORE_DUE_MET(MET_COLUMN) \
	", c.taken_by, c.customer_phone"
#define CASE_TYPES "uussssssssssssttttttttttttt" "u" "tss" "tttttt" "ss"
G_STATIC_ASSERT(STORE_DUE_COUNT == 6);  /* the met columns' types above */

static void case_row(MYSQL_STMT *st, struct rb *r, void *data)
{
	struct store_case *c = g_new0(struct store_case, 1);
	unsigned i = 0;
	c->id = rb_id(r, i++);
	c->parent_id = rb_id(r, i++);
	char **strs[] = { &c->ref, &c->channel, &c->status, &c->category, &c->route,
			  &c->department, &c->assignee };
	for (size_t k = 0; k < G_N_ELEMENTS(strs); k++)
		*strs[k] = rb_str(st, r, i++);
	char *sev = rb_str(st, r, i++);
	c->severity = sev && *sev ? sev[0] : 'C';
	g_free(sev);
	c->customer_addr = rb_str(st, r, i++);
	c->customer_name = rb_str(st, r, i++);
	c->subject = rb_str(st, r, i++);
	c->lang = rb_str(st, r, i++);
	int64_t *times[] = { &c->created_at, &c->acknowledged_at, &c->resolved_at,
			     &c->closed_at, &c->reopened_at, &c->first_action_at,
			     &c->first_response_at };
	for (size_t k = 0; k < G_N_ELEMENTS(times); k++)
		*times[k] = rb_unix(r, i++);
	for (unsigned d = 0; d < STORE_DUE_COUNT; d++)
		c->due[d] = rb_unix(r, i++);
	c->staff_decided = (unsigned)rb_id(r, i++);
	c->plan_proposed_at = rb_unix(r, i++);
	c->plan_proposed_by = rb_str(st, r, i++);
	c->plan_decision = rb_str(st, r, i++);
	for (unsigned d = 0; d < STORE_DUE_COUNT; d++)
		c->met[d] = rb_unix(r, i++);
	c->taken_by = rb_str(st, r, i++);
	c->customer_phone = rb_str(st, r, i++);
	*(struct store_case **)data = c;
}

static void id_row(MYSQL_STMT *st, struct rb *r, void *data)
{
	GString *ids = data;
	char *id = rb_str(st, r, 0);
	if (id && *id)
		g_string_append_printf(ids, "%s%s", ids->len ? " " : "", id);
	g_free(id);
}

/* The kinds of our mail that go to the customer. */
#define TO_CUSTOMER "('ack', 'relay', 'resolution', 'survey', 'progress')"

/* case_list - what sql (one id parameter, one column) gives for complaint
 * id, space-separated, into *out (g_free; "" for none). */
static int case_list(struct store *s, uint64_t id, const char *sql, char **out, GError **err)
{
	struct pb p = { .nb = 0 };
	pb_u64(&p, id);
	GString *v = g_string_new(NULL);
	int rc = store_query_rows(s, sql, &p, "s", id_row, v, err);
	*out = g_string_free(v, FALSE);
	return rc;
}

/* thread_ids - the Message-IDs of the complaint's mail in and out, oldest
 * first, and the customer's latest one. */
static int thread_ids(struct store *s, struct store_case *c, GError **err)
{
	struct pb p = { .nb = 0 };
	pb_u64(&p, c->id);
	pb_str(&p, c->customer_addr);
	pb_u64(&p, c->id);
	GString *ids = g_string_new(NULL);
	/* the customer's mail and ours to the customer only: staff mail ids
	 * name the staff's own domain, which the customer must not see */
	int rc = store_query_rows(s,
		"SELECT mid FROM ((SELECT message_id mid, received_at at, id FROM messages"
		"  WHERE complaint_id = ? AND message_id IS NOT NULL AND from_addr = ?)"
		" UNION ALL (SELECT message_id, created_at, id FROM outbox"
		"  WHERE complaint_id = ? AND kind IN " TO_CUSTOMER ")) t"
		" ORDER BY at DESC, id DESC LIMIT 50", &p, "s", id_row, ids, err);
	/* the newest 50, read newest first: put them back in thread order */
	char **v = g_strsplit(ids->str, " ", -1);
	guint n = g_strv_length(v);
	g_string_truncate(ids, 0);
	for (guint i = n; i-- > 0;)
		g_string_append_printf(ids, "%s%s", ids->len ? " " : "", v[i]);
	g_strfreev(v);
	c->thread_ids = g_string_free(ids, FALSE);
	if (rc < 0)
		return -1;
	struct pb q = { .nb = 0 };
	pb_u64(&q, c->id);
	pb_str(&q, c->customer_addr);
	GString *last = g_string_new(NULL);
	rc = store_query_rows(s, "SELECT message_id FROM messages WHERE complaint_id = ?"
			" AND direction = 'in' AND message_id IS NOT NULL AND from_addr = ?"
			" ORDER BY id DESC LIMIT 1", &q, "s", id_row, last, err);
	c->last_in_message_id = g_string_free(last, last->len == 0);
	if (rc < 0)
		return -1;
	if (case_list(s, c->id, "SELECT message_id FROM outbox WHERE complaint_id = ?"
		      " AND kind IN " TO_CUSTOMER " ORDER BY id DESC LIMIT 50",
		      &c->our_ids, err) < 0)
		return -1;
	return case_list(s, c->id, "SELECT DISTINCT LOWER(rcpt) FROM outbox WHERE complaint_id = ?"
			 " AND kind IN " TO_CUSTOMER " LIMIT 10", &c->customer_rcpts, err) < 0
	       ? -1 : 0;
}

int store_case_get(struct store *s, uint64_t id, const char *ref,
		   struct store_case **out, GError **err)
{
	struct pb p = { .nb = 0 };
	if (ref)
		pb_str(&p, ref);
	else
		pb_u64(&p, id);
	struct store_case *c = NULL;
	int rc = store_query_rows(s, ref ? "SELECT " CASE_COLS " FROM complaints c WHERE c.ref = ?"
				   : "SELECT " CASE_COLS " FROM complaints c WHERE c.id = ?",
			    &p, CASE_TYPES, case_row, &c, err);
	if (rc == 1 && thread_ids(s, c, err) < 0)
		rc = -1;
	if (rc == 1) {
		*out = c;
		return 1;
	}
	store_case_free(c);
	return rc < 0 ? -1 : 0;
}

static bool status_known(const char *st)
{
	static const char *const known[] = { "new", "acknowledged", "in_progress", "resolved",
					     "closed", "reopened" };
	for (size_t i = 0; i < G_N_ELEMENTS(known); i++)
		if (!strcmp(st, known[i]))
			return true;
	return false;
}

int store_case_update(struct store *s, uint64_t id, const struct store_case_change *ch,
		      int64_t now, GError **err)
{
	if ((ch->status && !status_known(ch->status)) ||
	    (ch->severity && (ch->severity < 'A' || ch->severity > 'C'))) {
		g_set_error(err, STORE_ERROR, STORE_ERROR_CONSTRAINT, "bad status or severity");
		return -1;
	}
	char sev[2] = { ch->severity, 0 };
	struct pb p = { .nb = 0 };
	/* each stamp reads the old status: MariaDB assigns left to right */
	pb_str(&p, ch->status);
	pb_time(&p, now);
	pb_str(&p, ch->status);
	pb_time(&p, now);
	pb_str(&p, ch->status);
	pb_time(&p, now);
	pb_str(&p, ch->status);
	pb_str(&p, ch->category);
	pb_str(&p, ch->severity ? sev : NULL);
	pb_chars(&p, ch->assignee, LEN_ADDR);
	pb_u64(&p, (ch->category ? STORE_DECIDED_CATEGORY : 0) |
		   (ch->severity ? STORE_DECIDED_SEVERITY : 0));
	pb_time(&p, now);
	pb_u64(&p, id);
	/* a SET column's members are bits: the first is 1, the second 2 */
	MYSQL_STMT *st = store_oneshot(s,
		"UPDATE complaints SET"
		" resolved_at = IF(? = 'resolved', ?, resolved_at),"
		" closed_at = IF(? = 'closed', ?, closed_at),"
		" reopened_at = IF(? = 'reopened', ?, reopened_at),"
		" status = COALESCE(?, status), category = COALESCE(?, category),"
		" severity = COALESCE(?, severity), assignee = COALESCE(?, assignee),"
		" staff_decided = staff_decided | ?,"
		" updated_at = ? WHERE id = ?", &p, err);
	if (!st)
		return -1;
	mysql_stmt_close(st);
	return 0;
}

int store_case_reclassify(struct store *s, uint64_t id, const char *old_category,
			  char old_severity, const char *category, char severity,
			  int64_t now, GError **err)
{
	if (severity && (severity < 'A' || severity > 'C')) {
		g_set_error(err, STORE_ERROR, STORE_ERROR_CONSTRAINT, "bad severity");
		return -1;
	}
	char sev[2] = { severity, 0 }, old_sev[2] = { old_severity, 0 };
	struct pb p = { .nb = 0 };
	pb_chars(&p, category, 20);
	pb_str(&p, severity ? sev : NULL);
	pb_time(&p, now);
	pb_u64(&p, id);
	pb_str(&p, old_category);
	pb_str(&p, old_sev);
	pb_u64(&p, (category ? STORE_DECIDED_CATEGORY : 0) |
		   (severity ? STORE_DECIDED_SEVERITY : 0));
	return store_write_one(s,
		"UPDATE complaints SET category = COALESCE(?, category),"
		" severity = COALESCE(?, severity), updated_at = ?"
		" WHERE id = ? AND category = ? AND severity = ?"
		" AND (staff_decided & ?) = 0", &p, NULL, err);
}

int store_case_answered(struct store *s, uint64_t id, bool relayed, int64_t now,
			GError **err)
{
	struct pb p = { .nb = 0 };
	pb_time(&p, now);
	pb_u64(&p, relayed);
	pb_time(&p, now);
	pb_time(&p, now);
	pb_u64(&p, id);
	MYSQL_STMT *st = store_oneshot(s,
		"UPDATE complaints SET first_action_at = COALESCE(first_action_at, ?),"
		" first_response_at = IF(?, COALESCE(first_response_at, ?), first_response_at),"
		" updated_at = ? WHERE id = ?", &p, err);
	if (!st)
		return -1;
	mysql_stmt_close(st);
	return 0;
}

int store_case_set_due(struct store *s, uint64_t id, enum store_deadline d, int64_t at,
		       GError **err)
{
	if ((unsigned)d >= STORE_DUE_COUNT) {
		g_set_error(err, STORE_ERROR, STORE_ERROR_FAILED, "bad deadline");
		return -1;
	}
	struct pb p = { .nb = 0 };
	if (at)
		pb_time(&p, at);
	else
		pb_null(&p);
	pb_u64(&p, id);
	/* the column name comes from due_names, never from input */
	char *sql = g_strdup_printf("UPDATE complaints SET due_%s = ? WHERE id = ?", due_names[d]);
	MYSQL_STMT *st = store_oneshot(s, sql, &p, err);
	g_free(sql);
	if (!st)
		return -1;
	mysql_stmt_close(st);
	return 0;
}

int store_case_reopened(struct store *s, uint64_t id, int64_t due_handling,
			int64_t due_closure, GError **err)
{
	struct pb p = { .nb = 0 };
	pb_time(&p, due_handling);
	pb_time(&p, due_closure);
	pb_u64(&p, id);
	MYSQL_STMT *st = store_oneshot(s,
		/* purged_at too: what comes in now is purged after the next closure */
		"UPDATE complaints SET resolved_at = NULL, closed_at = NULL, purged_at = NULL,"
		" due_handling = ?, due_closure = ? WHERE id = ?", &p, err);
	if (!st)
		return -1;
	mysql_stmt_close(st);
	struct pb q = { .nb = 0 };
	pb_u64(&q, id);
	st = store_oneshot(s, "DELETE FROM escalations WHERE complaint_id = ?"
			   " AND deadline IN ('handling', 'closure')", &q, err);
	if (!st)
		return -1;
	mysql_stmt_close(st);
	return 0;
}

int store_escalation_add(struct store *s, uint64_t id, const char *deadline,
			 unsigned level, const char *rcpt, int64_t now, GError **err)
{
	struct pb p = { .nb = 0 };
	pb_u64(&p, id);
	pb_chars(&p, deadline, 32);
	pb_u64(&p, level);
	pb_text(&p, rcpt ? rcpt : "", TEXT_BYTES);
	pb_time(&p, now);
	return store_write_one(s, "INSERT IGNORE INTO escalations (complaint_id, deadline, level,"
			       " rcpt, at) VALUES (?, ?, ?, ?, ?)", &p, NULL, err);
}

struct due_ctx {
	GPtrArray *out;
	enum store_deadline d;
};

static void due_row(MYSQL_STMT *st, struct rb *r, void *data)
{
	struct due_ctx *x = data;
	struct store_due *d = g_new0(struct store_due, 1);
	d->id = rb_id(r, 0);
	d->due = rb_unix(r, 1);
	d->level = (unsigned)rb_id(r, 2) + 1;
	d->deadline = x->d;
	g_ptr_array_add(x->out, d);
}

int store_due_escalations(struct store *s, int64_t now, int64_t interval,
			  unsigned max_level, unsigned max, GPtrArray *out, GError **err)
{
	/* a resolved complaint waits for its survey ([survey] delay, at most a
	 * week): nobody is to blame for the closure deadline meanwhile. One
	 * without an address gets no survey by mail: the staff call the
	 * customer back and close it, and its closure deadline stays theirs. */
	static const char waiting_survey[] =
		" AND (c.status <> 'resolved' OR c.customer_addr = '')";
	unsigned before = out->len;
	for (unsigned d = 0; d < STORE_DUE_COUNT && out->len - before < max; d++) {
		char *sql = g_strdup_printf(
			"SELECT c.id, c.due_%s, COALESCE(e.lvl, 0) FROM complaints c"
			" LEFT JOIN (SELECT complaint_id, MAX(level) lvl, MAX(at) last"
			"  FROM escalations WHERE deadline = ? GROUP BY complaint_id) e"
			"  ON e.complaint_id = c.id"
			" WHERE c.status <> 'closed' AND c.due_%s IS NOT NULL AND c.due_%s <= ?"
			" AND %s IS NULL AND COALESCE(e.lvl, 0) < ?"
			" AND (e.last IS NULL OR e.last <= ?)%s"
			" ORDER BY c.id LIMIT ?", due_names[d], due_names[d], due_names[d],
			store_due_met[d], d == STORE_DUE_CLOSURE ? waiting_survey : "");
		struct pb p = { .nb = 0 };
		pb_str(&p, due_names[d]);
		pb_time(&p, now);
		pb_u64(&p, max_level);
		pb_time(&p, now - interval);
		pb_u64(&p, max - (out->len - before));
		struct due_ctx x = { out, d };
		int rc = store_query_rows(s, sql, &p, "utu", due_row, &x, err);
		g_free(sql);
		if (rc < 0)
			return -1;
	}
	return (int)(out->len - before);
}

/* ---- progress notes ------------------------------------------------------ */

static void missed_row(MYSQL_STMT *st, struct rb *r, void *data)
{
	(void)st;
	struct store_missed *m = g_new0(struct store_missed, 1);
	m->id = rb_id(r, 0);
	m->due = rb_unix(r, 1);
	g_ptr_array_add(data, m);
}

int store_missed_deadlines(struct store *s, enum store_deadline d, int64_t now, unsigned max,
			   GPtrArray *out, GError **err)
{
	if ((unsigned)d >= STORE_DUE_COUNT)
		return 0;
	unsigned before = out->len;
	/* the column and the met expression come from fixed tables, never
	 * from input */
	char *sql = g_strdup_printf(
		"SELECT c.id, c.due_%s FROM complaints c"
		" WHERE c.status NOT IN ('resolved', 'closed') AND c.customer_addr <> ''"
		" AND c.due_%s IS NOT NULL AND c.due_%s <= ? AND %s IS NULL"
		" AND NOT EXISTS (SELECT 1 FROM progress_notes n"
		"  WHERE n.complaint_id = c.id AND n.deadline = ?)"
		" ORDER BY c.id LIMIT ?", due_names[d], due_names[d], due_names[d],
		store_due_met[d]);
	struct pb p = { .nb = 0 };
	pb_time(&p, now);
	pb_str(&p, due_names[d]);
	pb_u64(&p, max);
	int rc = store_query_rows(s, sql, &p, "ut", missed_row, out, err);
	g_free(sql);
	return rc < 0 ? -1 : (int)(out->len - before);
}

int store_progress_add(struct store *s, uint64_t id, enum store_deadline d, int64_t due,
		       int64_t new_due, int64_t now, GError **err)
{
	if ((unsigned)d >= STORE_DUE_COUNT)
		return 0;
	struct pb p = { .nb = 0 };
	pb_u64(&p, id);
	pb_str(&p, due_names[d]);
	pb_time(&p, due);
	if (new_due)
		pb_time(&p, new_due);
	else
		pb_null(&p);
	pb_time(&p, now);
	return store_write_one(s, "INSERT IGNORE INTO progress_notes (complaint_id, deadline,"
			       " due_at, new_due_at, at) VALUES (?, ?, ?, ?, ?)", &p, NULL, err);
}

static void line_row(MYSQL_STMT *st, struct rb *r, void *data)
{
	GString *line = g_string_new(NULL);
	g_string_append_printf(line, "%lld", (long long)rb_unix(r, 0));
	for (unsigned i = 1; i < r->n; i++) {
		char *v = rb_str(st, r, i);
		/* one line per row, one field per tab: flatten what the text holds */
		g_strdelimit(v ? v : (v = g_strdup("")), "\t\r\n", ' ');
		g_string_append_printf(line, "\t%s", v);
		g_free(v);
	}
	g_ptr_array_add(data, g_string_free(line, FALSE));
}

int store_case_history(struct store *s, uint64_t id, GPtrArray *out, GError **err)
{
	struct pb p = { .nb = 0 };
	pb_u64(&p, id);
	pb_u64(&p, id);
	return store_query_rows(s,
		"SELECT at, actor, kind, detail FROM ((SELECT at, actor, kind, detail, id, 0 o"
		"  FROM events WHERE complaint_id = ?)"
		" UNION ALL (SELECT at, '', 'escalation',"
		"  CONCAT(deadline, ' level ', level, ' to ', rcpt), id, 1 FROM escalations"
		"  WHERE complaint_id = ?)) h ORDER BY at, o, id", &p, "tsss", line_row, out,
		err) < 0 ? -1 : 0;
}

int store_case_messages(struct store *s, uint64_t id, GPtrArray *out, GError **err)
{
	struct pb p = { .nb = 0 };
	pb_u64(&p, id);
	pb_u64(&p, id);
	return store_query_rows(s,
		"SELECT at, dir, kind, f, t, subj FROM ((SELECT received_at at, direction dir,"
		"  channel kind, from_addr f, '' t, subject subj, id, 0 o FROM messages"
		"  WHERE complaint_id = ?)"
		" UNION ALL (SELECT created_at, 'out', CONCAT(kind, ' (', status, ')'),"
		"  mail_from, rcpt, '', id, 1 FROM outbox WHERE complaint_id = ?)) m"
		" ORDER BY at, o, id", &p, "tsssss", line_row, out, err) < 0 ? -1 : 0;
}

/* ---- surveys ------------------------------------------------------------------ */

static void due_survey_row(MYSQL_STMT *st, struct rb *r, void *data)
{
	struct store_survey_due *d = g_new0(struct store_survey_due, 1);
	d->complaint_id = rb_id(r, 0);
	d->resolved_at = rb_unix(r, 1);
	g_ptr_array_add(data, d);
}

int store_surveys_due(struct store *s, int64_t now, int64_t delay, unsigned max,
		      GPtrArray *out, GError **err)
{
	struct pb p = { .nb = 0 };
	pb_time(&p, now - delay);
	pb_u64(&p, max);
	/* a severity B complaint hears nothing but acknowledgements before its
	 * plan is approved (paths.h): one raised to B, or given a new plan,
	 * after its resolution gets its survey once the plan is approved.
	 * Complaints from before plans existed (plan_at stamped by the
	 * migration, no decision) are not held. */
	return store_query_rows(s,
		"SELECT c.id, c.resolved_at FROM complaints c WHERE c.status = 'resolved'"
		" AND c.resolved_at IS NOT NULL AND c.resolved_at <= ?"
		" AND (c.severity <> 'B' OR c.plan_decision = 'approved'"
		"  OR (c.plan_decision IS NULL AND c.plan_at IS NOT NULL))"
		" AND NOT EXISTS (SELECT 1 FROM surveys v WHERE v.complaint_id = c.id"
		"  AND v.resolved_at = c.resolved_at)"
		" ORDER BY c.resolved_at LIMIT ?", &p, "ut", due_survey_row, out, err);
}


int store_survey_add(struct store *s, uint64_t complaint_id, int64_t resolved_at,
		     int64_t now, uint64_t *id, GError **err)
{
	struct pb p = { .nb = 0 };
	pb_u64(&p, complaint_id);
	pb_time(&p, resolved_at);
	pb_time(&p, now);
	int rc = store_write_one(s, "INSERT IGNORE INTO surveys (complaint_id, resolved_at, sent_at)"
				 " VALUES (?, ?, ?)", &p, id, err);
	if (rc != 1)
		return rc;
	/* the survey of this resolution is out: the closure's step */
	struct pb q = { .nb = 0 };
	pb_time(&q, now);
	pb_u64(&q, complaint_id);
	pb_time(&q, resolved_at);
	return store_write_one(s, "UPDATE complaints SET survey_sent_at = ? WHERE id = ?"
			       " AND resolved_at = ?", &q, NULL, err) < 0 ? -1 : 1;
}

static void two_ids_row(MYSQL_STMT *st, struct rb *r, void *data)
{
	uint64_t *v = data;
	v[0] = rb_id(r, 0);
	v[1] = rb_id(r, 1);
}

int store_survey_open(struct store *s, uint64_t complaint_id, uint64_t *id, GError **err)
{
	struct pb p = { .nb = 0 };
	pb_u64(&p, complaint_id);
	uint64_t v[2] = { 0, 0 };
	int rc = store_query_rows(s, "SELECT id, complaint_id FROM surveys WHERE complaint_id = ?"
			    " AND answered_at IS NULL AND timed_out_at IS NULL"
			    " ORDER BY id DESC LIMIT 1", &p, "uu", two_ids_row, v, err);
	if (rc == 1)
		*id = v[0];
	return rc < 0 ? -1 : rc;
}

int store_survey_get(struct store *s, uint64_t id, uint64_t *complaint_id, bool *open,
		     GError **err)
{
	struct pb p = { .nb = 0 };
	pb_u64(&p, id);
	uint64_t v[2] = { 0, 0 };
	int rc = store_query_rows(s, "SELECT complaint_id, answered_at IS NULL AND timed_out_at IS NULL"
			    " FROM surveys WHERE id = ?", &p, "uu", two_ids_row, v, err);
	if (rc == 1) {
		*complaint_id = v[0];
		*open = v[1] != 0;
	}
	return rc < 0 ? -1 : rc;
}


int store_survey_answer(struct store *s, uint64_t id, unsigned rating, const char *comment,
			const char *by, int64_t now, GError **err)
{
	struct pb p = { .nb = 0 };
	pb_u64(&p, rating);
	pb_text(&p, comment, TEXT_BYTES);
	pb_chars(&p, by, 8);
	pb_time(&p, now);
	pb_u64(&p, id);
	return store_write_one(s, "UPDATE surveys SET rating = ?, comment = ?, answered_by = ?,"
		       " answered_at = ? WHERE id = ? AND answered_at IS NULL"
		       " AND timed_out_at IS NULL", &p, NULL, err);
}

static void survey_id_row(MYSQL_STMT *st, struct rb *r, void *data)
{
	struct store_survey_ref *d = g_new0(struct store_survey_ref, 1);
	d->complaint_id = rb_id(r, 0);
	d->id = rb_id(r, 1);
	g_ptr_array_add(data, d);
}

int store_surveys_timed_out(struct store *s, int64_t now, int64_t timeout, unsigned max,
			    GPtrArray *out, GError **err)
{
	struct pb p = { .nb = 0 };
	pb_time(&p, now - timeout);
	pb_u64(&p, max);
	return store_query_rows(s,
		"SELECT v.complaint_id, v.id FROM surveys v"
		" WHERE v.answered_at IS NULL AND v.timed_out_at IS NULL AND v.sent_at <= ?"
		" ORDER BY v.id LIMIT ?", &p, "uu", survey_id_row, out,
		err);
}

int store_survey_timeout(struct store *s, uint64_t id, int64_t now, GError **err)
{
	struct pb p = { .nb = 0 };
	pb_time(&p, now);
	pb_u64(&p, id);
	return store_write_one(s, "UPDATE surveys SET timed_out_at = ? WHERE id = ?"
		       " AND answered_at IS NULL AND timed_out_at IS NULL", &p, NULL, err);
}

int store_report_run_add(struct store *s, const char *kind, int64_t start, int64_t end,
			 int64_t now, GError **err)
{
	struct pb p = { .nb = 0 };
	pb_chars(&p, kind, 8);
	pb_time(&p, start);
	pb_time(&p, end);
	pb_time(&p, now);
	return store_write_one(s, "INSERT IGNORE INTO report_runs (kind, period_start, period_end,"
			     " sent_at) VALUES (?, ?, ?, ?)", &p, NULL, err);
}
