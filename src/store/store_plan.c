/* store_plan - plans, their decisions and the steps of the deadlines.
 * See store_plan.h; statements are prepared per call (store_oneshot). */
#include "store/store_plan.h"

#include "store/store-private.h"

int store_plan_propose(struct store *s, uint64_t id, const char *by, bool pending, bool counts,
		       int64_t now, GError **err)
{
	struct pb p = { .nb = 0 };
	pb_time(&p, now);
	pb_chars(&p, by, LEN_ADDR);
	pb_str(&p, pending ? "pending" : NULL);
	pb_u64(&p, counts);
	pb_time(&p, now);
	pb_time(&p, now);
	pb_u64(&p, id);
	return store_write_one(s,
		"UPDATE complaints SET plan_proposed_at = ?, plan_proposed_by = ?,"
		" plan_decision = ?, plan_decided_at = NULL, plan_decided_by = NULL,"
		" plan_reminded_at = NULL, plan_at = IF(?, COALESCE(plan_at, ?), plan_at),"
		" updated_at = ? WHERE id = ?", &p, NULL, err) < 0 ? -1 : 0;
}

int store_plan_decide(struct store *s, uint64_t id, bool approved, const char *by, int64_t now,
		      GError **err)
{
	struct pb p = { .nb = 0 };
	pb_str(&p, approved ? "approved" : "rejected");
	pb_time(&p, now);
	pb_chars(&p, by, LEN_ADDR);
	pb_u64(&p, approved);
	pb_time(&p, now);
	pb_time(&p, now);
	pb_u64(&p, id);
	return store_write_one(s,
		"UPDATE complaints SET plan_decision = ?, plan_decided_at = ?,"
		" plan_decided_by = ?, plan_at = IF(?, COALESCE(plan_at, ?), plan_at),"
		" updated_at = ? WHERE id = ? AND plan_decision = 'pending'", &p, NULL, err);
}

/* stamp - run an UPDATE of complaint id that takes now and the id. */
static int stamp(struct store *s, const char *sql, uint64_t id, int64_t now, GError **err)
{
	struct pb p = { .nb = 0 };
	if (now)
		pb_time(&p, now);
	pb_u64(&p, id);
	return store_write_one(s, sql, &p, NULL, err) < 0 ? -1 : 0;
}

int store_plan_void(struct store *s, uint64_t id, GError **err)
{
	return stamp(s, "UPDATE complaints SET plan_at = NULL, plan_decision ="
		     " IF(plan_decision = 'pending', NULL, plan_decision) WHERE id = ?", id, 0, err);
}

int store_case_reported(struct store *s, uint64_t id, int64_t now, GError **err)
{
	return stamp(s, "UPDATE complaints SET report_at = COALESCE(report_at, ?) WHERE id = ?",
		     id, now, err);
}

int store_case_result_sent(struct store *s, uint64_t id, int64_t now, GError **err)
{
	return stamp(s, "UPDATE complaints SET result_sent_at = COALESCE(result_sent_at, ?)"
		     " WHERE id = ?", id, now, err);
}

static void waiting_row(MYSQL_STMT *st, struct rb *r, void *data)
{
	(void)st;
	struct store_plan_waiting *w = g_new0(struct store_plan_waiting, 1);
	w->id = rb_id(r, 0);
	w->proposed_at = rb_unix(r, 1);
	g_ptr_array_add(data, w);
}

int store_plans_waiting(struct store *s, int64_t since, unsigned max, GPtrArray *out,
			GError **err)
{
	struct pb p = { .nb = 0 };
	pb_time(&p, since);
	pb_u64(&p, max);
	return store_query_rows(s,
		"SELECT c.id, c.plan_proposed_at FROM complaints c"
		" WHERE c.plan_decision = 'pending' AND c.plan_proposed_at <= ?"
		" AND c.plan_reminded_at IS NULL AND c.status <> 'closed'"
		" ORDER BY c.plan_proposed_at, c.id LIMIT ?", &p, "ut", waiting_row, out, err);
}

int store_plan_reminded(struct store *s, uint64_t id, int64_t proposed_at, int64_t now,
			GError **err)
{
	struct pb p = { .nb = 0 };
	pb_time(&p, now);
	pb_u64(&p, id);
	pb_time(&p, proposed_at);
	return store_write_one(s,
		"UPDATE complaints SET plan_reminded_at = ? WHERE id = ?"
		" AND plan_decision = 'pending' AND plan_proposed_at = ?"
		" AND plan_reminded_at IS NULL", &p, NULL, err);
}
