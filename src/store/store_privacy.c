/* store_privacy - erasing a customer's personal data and purging old raw
 * mail. See store_privacy.h. */
#include "store/store_privacy.h"

#include "store/store-private.h"

uint64_t store_erased_total(const struct store_erased *n)
{
	return n->complaints + n->messages + n->attachments + n->hits + n->events +
	       n->surveys + n->outcomes + n->outbox + n->cancelled + n->acks + n->suppressions +
	       n->addresses + n->facts + n->quarantined;
}

/* changed - run sql once and add the rows it changed to *count (the
 * connection reports changed rows, not matched ones: a second run adds 0). */
static int changed(struct store *s, const char *sql, struct pb *p, uint64_t *count,
		   GError **err)
{
	MYSQL_STMT *st = store_oneshot(s, sql, p, err);
	if (!st)
		return -1;
	my_ulonglong n = mysql_stmt_affected_rows(st);
	if (n != (my_ulonglong)-1)
		*count += n;
	mysql_stmt_close(st);
	return 0;
}

/* id_then - p's parameters: the row id, then str (NULL = none). Filled in
 * place: a bound value points into p itself, so p cannot be copied. */
static void id_then(struct pb *p, uint64_t id, const char *str)
{
	*p = (struct pb){ .nb = 0 };
	pb_u64(p, id);
	if (str)
		pb_str(p, str);
}

static void id_row(MYSQL_STMT *st, struct rb *r, void *data)
{
	(void)st;
	uint64_t id = rb_id(r, 0);
	g_array_append_val((GArray *)data, id);
}

int store_forget_find(struct store *s, enum store_customer by, const char *key, GArray *ids,
		      GError **err)
{
	static const char *const sql[] = {
		[STORE_BY_ADDR] = "SELECT id FROM complaints WHERE customer_addr = ? ORDER BY id",
		[STORE_BY_PHONE] = "SELECT id FROM complaints WHERE customer_phone = ? ORDER BY id",
		[STORE_BY_REF] = "SELECT id FROM complaints WHERE ref = ?",
	};
	struct pb p = { .nb = 0 };
	pb_str(&p, key);
	return store_query_rows(s, sql[by], &p, "u", id_row, ids, err);
}

static void sum_row(MYSQL_STMT *st, struct rb *r, void *data)
{
	(void)st;
	*(uint64_t *)data += rb_id(r, 0);
}

/* quarantine_pattern - a regular expression (MariaDB's PCRE) that finds
 * addr in a quarantined mail's source, in any letter case, as a whole
 * address: not inside a longer one (bob@ in jimbob@, x.com in x.com.cn).
 * The mail failed to parse, so its sender is known only from its bytes.
 * g_free. */
static char *quarantine_pattern(const char *addr)
{
	GString *re = g_string_new("(?i)(^|[^a-z0-9._%+=-])");
	for (const char *c = addr; *c; c++) {
		if (strchr("\\^$.|?*+()[]{}", *c))
			g_string_append_c(re, '\\');
		g_string_append_c(re, *c);
	}
	g_string_append(re, "($|[^a-z0-9.-]|\\.($|[^a-z0-9-]))");
	return g_string_free(re, FALSE);
}

int store_forget_loose_count(struct store *s, const char *addr, const char *key,
			     uint64_t *rows, GError **err)
{
	struct pb p = { .nb = 0 };
	pb_str(&p, addr);
	pb_str(&p, addr);
	pb_str(&p, key);
	pb_str(&p, addr);
	char *pattern = quarantine_pattern(addr);
	pb_str(&p, pattern);
	*rows = 0;
	int rc = store_query_rows(s,
		"SELECT (SELECT COUNT(*) FROM messages WHERE complaint_id IS NULL AND from_addr = ?)"
		" + (SELECT COUNT(*) FROM outbox WHERE complaint_id IS NULL AND rcpt = ?)"
		" + (SELECT COUNT(*) FROM ack_log WHERE addr_key = ?)"
		" + (SELECT COUNT(*) FROM suppressions WHERE addr = ?)"
		" + (SELECT COUNT(*) FROM quarantine WHERE raw IS NOT NULL"
		"  AND CONVERT(raw USING latin1) REGEXP ?)",
		&p, "u", sum_row, rows, err);
	g_free(pattern);
	return rc < 0 ? -1 : 0;
}

static void str_row(MYSQL_STMT *st, struct rb *r, void *data)
{
	char *v = rb_str(st, r, 0);
	if (v && *v)
		g_ptr_array_add(data, v);
	else
		g_free(v);
}

int store_case_addresses(struct store *s, uint64_t id, GPtrArray *out, GError **err)
{
	struct pb p = { .nb = 0 };
	for (int i = 0; i < 4; i++)
		pb_u64(&p, id);
	/* UNION compares in the columns' collation: one row per address,
	 * whatever its case */
	return store_query_rows(s,
		"SELECT customer_addr FROM complaints WHERE id = ?"
		" UNION SELECT from_addr FROM messages WHERE complaint_id = ?"
		" UNION SELECT actor FROM events WHERE complaint_id = ?"
		" UNION SELECT rcpt FROM outbox WHERE complaint_id = ?",
		&p, "s", str_row, out, err);
}

int store_customer_group(struct store *s, enum store_customer by, const char *key,
			 char **group, GError **err)
{
	struct pb p = { .nb = 0 };
	pb_str(&p, key);
	GPtrArray *found = g_ptr_array_new_with_free_func(g_free);
	int rc = store_query_rows(s, by == STORE_BY_PHONE
				  ? "SELECT customer_group FROM complaints WHERE"
				    " customer_phone = ? AND customer_group IS NOT NULL LIMIT 1"
				  : "SELECT customer_group FROM complaints WHERE"
				    " customer_addr = ? AND customer_group IS NOT NULL LIMIT 1",
				  &p, "s", str_row, found, err);
	*group = rc > 0 && found->len ? g_strdup(found->pdata[0]) : NULL;
	g_ptr_array_unref(found);
	return rc < 0 ? -1 : *group != NULL;
}

int store_set_customer_group(struct store *s, enum store_customer by, const char *key,
			     const char *group, GError **err)
{
	struct pb p = { .nb = 0 };
	pb_str(&p, group);
	pb_str(&p, key);
	uint64_t n = 0;
	return changed(s, by == STORE_BY_PHONE
		       ? "UPDATE complaints SET customer_group = ? WHERE customer_phone = ?"
			 " AND customer_group IS NULL"
		       : "UPDATE complaints SET customer_group = ? WHERE customer_addr = ?"
			 " AND customer_group IS NULL", &p, &n, err);
}

/* ---- forget ----------------------------------------------------------------- */

/* The statements that erase a complaint's texts, each with the complaint's
 * id as its one parameter, and which count each adds to. */
struct erase_step {
	const char *sql;
	size_t count;               /* offsetof in struct store_erased */
};

#define COUNT(f) offsetof(struct store_erased, f)
/* a step whose rows are counted by the next one (a message's raw source
 * goes with the rest of the message: one message erased, not two) */
#define UNCOUNTED SIZE_MAX

static const struct erase_step case_steps[] = {
	{ "UPDATE complaints SET customer_addr = '', customer_name = '', customer_phone = '',"
	  " subject = '' WHERE id = ?", COUNT(complaints) },
	/* Message-IDs too: a customer's may spell the address; ours stay in
	 * the outbox, so replies to our mail still find the complaint */
	{ "DELETE r FROM message_raw r JOIN messages m ON m.id = r.message_row_id"
	  " WHERE m.complaint_id = ?", UNCOUNTED },
	{ "UPDATE messages SET from_name = '', recipients = NULL, subject = NULL,"
	  " body = NULL, notes = NULL, raw_sha256 = NULL, message_id = NULL,"
	  " in_reply_to = NULL, reference_ids = NULL WHERE complaint_id = ?", COUNT(messages) },
	{ "DELETE a FROM attachments a JOIN messages m ON m.id = a.message_row_id"
	  " WHERE m.complaint_id = ?", COUNT(attachments) },
	{ "UPDATE rule_hits SET matched = NULL WHERE complaint_id = ?", COUNT(hits) },
	{ "UPDATE surveys SET comment = NULL WHERE complaint_id = ?", COUNT(surveys) },
	/* staff write the cause and what a compensation was for in their own
	 * words, which may name the customer; the responsible unit, the
	 * amounts, who decided and when are the company's and stay */
	{ "UPDATE outcomes SET cause = NULL WHERE complaint_id = ?", COUNT(outcomes) },
	{ "UPDATE compensations SET text = '' WHERE complaint_id = ?", COUNT(outcomes) },
	{ "UPDATE outbox SET raw = '', last_error = NULL WHERE complaint_id = ?"
	  " AND status <> 'cancelled'", COUNT(outbox) },
	/* the facts that can identify the customer (facts_personal): the
	 * product, the date and the demand stay for the per-product figures */
	{ "DELETE FROM complaint_facts WHERE complaint_id = ?"
	  " AND name IN ('order_no', 'purchase_place', 'phone')", COUNT(facts) },
};

/* The same for a customer's rows outside any complaint, by address. */
static const struct erase_step loose_steps[] = {
	/* before the sender is erased: that is how the rows are found */
	{ "DELETE r FROM message_raw r JOIN messages m ON m.id = r.message_row_id"
	  " WHERE m.complaint_id IS NULL AND m.from_addr = ?", UNCOUNTED },
	{ "UPDATE messages SET from_addr = '', from_name = '', recipients = NULL,"
	  " subject = NULL, body = NULL, notes = NULL, raw_sha256 = NULL,"
	  " message_id = NULL, in_reply_to = NULL, reference_ids = NULL"
	  " WHERE complaint_id IS NULL AND from_addr = ?", COUNT(messages) },
	{ "UPDATE outbox SET raw = '', last_error = NULL, rcpt = ''"
	  " WHERE complaint_id IS NULL AND rcpt = ? AND status <> 'cancelled'", COUNT(outbox) },
	{ "DELETE FROM suppressions WHERE addr = ?", COUNT(suppressions) },
};

static uint64_t *counter(struct store_erased *n, size_t off)
{
	static _Thread_local uint64_t uncounted;
	return off == UNCOUNTED ? &uncounted : (uint64_t *)((char *)n + off);
}

/* cancel - mail not sent yet, of the complaint (id) or to the address
 * outside any complaint, is never sent; a sender that holds it already
 * cannot put it back (store.c leaves cancelled rows alone). */
static int cancel(struct store *s, uint64_t id, const char *addr, const char *reason,
		  struct store_erased *n, GError **err)
{
	struct pb p = { .nb = 0 };
	pb_str(&p, reason);
	if (addr)
		pb_str(&p, addr);
	else
		pb_u64(&p, id);
	return changed(s, addr
		? "UPDATE outbox SET status = 'cancelled', raw = '', rcpt = '', last_error = ?,"
		  " claimed_by = DEFAULT, claimed_until = DEFAULT WHERE complaint_id IS NULL"
		  " AND rcpt = ? AND status IN ('pending', 'sending')"
		: "UPDATE outbox SET status = 'cancelled', raw = '', last_error = ?,"
		  " claimed_by = DEFAULT, claimed_until = DEFAULT WHERE complaint_id = ?"
		  " AND status IN ('pending', 'sending')", &p, &n->cancelled, err);
}

/* forget_addresses - addr out of the complaint's senders, actors and
 * recipients. */
static int forget_address(struct store *s, uint64_t id, const char *addr,
			  struct store_erased *n, GError **err)
{
	static const char *const sql[] = {
		"UPDATE messages SET from_addr = '' WHERE complaint_id = ? AND from_addr = ?",
		"UPDATE events SET actor = '' WHERE complaint_id = ? AND actor = ?",
		"UPDATE outbox SET rcpt = '' WHERE complaint_id = ? AND rcpt = ?",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(sql); i++) {
		struct pb p;
		id_then(&p, id, addr);
		if (changed(s, sql[i], &p, &n->addresses, err) < 0)
			return -1;
	}
	return 0;
}

/* forget_details - the history's details but those of kept kinds. The
 * kinds are bound, one placeholder each. */
static int forget_details(struct store *s, uint64_t id, const char *const *kept,
			  struct store_erased *n, GError **err)
{
	GString *sql = g_string_new("UPDATE events SET detail = NULL WHERE complaint_id = ?");
	struct pb p;
	id_then(&p, id, NULL);
	unsigned k = 0;
	for (; kept && kept[k]; k++) {
		g_string_append(sql, k ? ", ?" : " AND kind NOT IN (?");
		pb_str(&p, kept[k]);
	}
	if (k)
		g_string_append_c(sql, ')');
	int rc = changed(s, sql->str, &p, &n->events, err);
	g_string_free(sql, TRUE);
	if (rc < 0)
		return -1;
	/* the commands' details are kept, but for the free text of an
	 * "escalated C -> B: REASON" (#escalate), which may name the
	 * customer: it and what follows it in that detail go */
	struct pb q;
	id_then(&q, id, NULL);
	return changed(s, "UPDATE events SET detail = REGEXP_REPLACE(detail,"
		       " '(escalated [ABC] -> [ABC]): .*$', '\\\\1') WHERE complaint_id = ?"
		       " AND kind = 'commands' AND detail LIKE '%escalated _ -> _: %'",
		       &q, &n->events, err);
}

int store_forget_case(struct store *s, uint64_t id, const struct store_forget *f,
		      struct store_erased *n, GError **err)
{
	if (cancel(s, id, NULL, f->cancel_reason, n, err) < 0)
		return -1;
	for (size_t i = 0; i < G_N_ELEMENTS(case_steps); i++) {
		struct pb p;
		id_then(&p, id, NULL);
		if (changed(s, case_steps[i].sql, &p, counter(n, case_steps[i].count), err) < 0)
			return -1;
	}
	for (const char *const *a = f->addrs; a && *a; a++)
		if (forget_address(s, id, *a, n, err) < 0)
			return -1;
	return forget_details(s, id, f->kept_kinds, n, err);
}

int store_forget_loose(struct store *s, const char *addr, const char *key,
		       const char *cancel_reason, struct store_erased *n, GError **err)
{
	if (cancel(s, 0, addr, cancel_reason, n, err) < 0)
		return -1;
	/* the attachments of the messages about to lose their sender */
	struct pb a = { .nb = 0 };
	pb_str(&a, addr);
	if (changed(s, "DELETE a FROM attachments a JOIN messages m ON m.id = a.message_row_id"
		    " WHERE m.complaint_id IS NULL AND m.from_addr = ?", &a, &n->attachments,
		    err) < 0)
		return -1;
	for (size_t i = 0; i < G_N_ELEMENTS(loose_steps); i++) {
		struct pb p = { .nb = 0 };
		pb_str(&p, addr);
		if (changed(s, loose_steps[i].sql, &p, counter(n, loose_steps[i].count), err) < 0)
			return -1;
	}
	struct pb q = { .nb = 0 };
	char *pattern = quarantine_pattern(addr);
	pb_str(&q, pattern);
	int rc = changed(s, "UPDATE quarantine SET raw = NULL WHERE raw IS NOT NULL"
			 " AND CONVERT(raw USING latin1) REGEXP ?", &q, &n->quarantined, err);
	g_free(pattern);
	if (rc < 0)
		return -1;
	struct pb k = { .nb = 0 };
	pb_str(&k, key);
	return changed(s, "DELETE FROM ack_log WHERE addr_key = ?", &k, &n->acks, err);
}

/* ---- retention -------------------------------------------------------------- */

int store_retention_take(struct store *s, int64_t cutoff, unsigned max, GArray *ids,
			 GError **err)
{
	struct pb p = { .nb = 0 };
	pb_time(&p, cutoff);
	pb_u64(&p, max);
	return store_query_rows(s, "SELECT id FROM complaints WHERE status = 'closed'"
				" AND purged_at IS NULL AND closed_at < ?"
				" ORDER BY closed_at, id LIMIT ? FOR UPDATE SKIP LOCKED",
				&p, "u", id_row, ids, err);
}

static const struct erase_step purge_steps[] = {
	{ "DELETE r FROM message_raw r JOIN messages m ON m.id = r.message_row_id"
	  " WHERE m.complaint_id = ?", COUNT(messages) },
	{ "UPDATE attachments a JOIN messages m ON m.id = a.message_row_id"
	  " SET a.content = NULL WHERE m.complaint_id = ?", COUNT(attachments) },
	/* a mail not sent yet keeps its source: the sender still needs it */
	{ "UPDATE outbox SET raw = '' WHERE complaint_id = ?"
	  " AND status NOT IN ('pending', 'sending')", COUNT(outbox) },
};

int store_retention_purge(struct store *s, uint64_t id, int64_t now, struct store_erased *n,
			  GError **err)
{
	for (size_t i = 0; i < G_N_ELEMENTS(purge_steps); i++) {
		struct pb p;
		id_then(&p, id, NULL);
		if (changed(s, purge_steps[i].sql, &p, counter(n, purge_steps[i].count), err) < 0)
			return -1;
	}
	struct pb p = { .nb = 0 };
	pb_time(&p, now);
	pb_u64(&p, id);
	uint64_t marked = 0;
	return changed(s, "UPDATE complaints SET purged_at = ? WHERE id = ?", &p, &marked, err);
}

int store_retention_quarantine(struct store *s, int64_t cutoff, uint64_t *n, GError **err)
{
	struct pb p = { .nb = 0 };
	pb_time(&p, cutoff);
	return changed(s, "UPDATE quarantine SET raw = NULL WHERE raw IS NOT NULL AND at < ?",
		       &p, n, err);
}

int store_report_run_done(struct store *s, const char *kind, int64_t start, GError **err)
{
	struct pb p = { .nb = 0 };
	pb_str(&p, kind);
	pb_time(&p, start);
	uint64_t n = 0;
	if (store_query_rows(s, "SELECT COUNT(*) FROM report_runs WHERE kind = ?"
			     " AND period_start = ?", &p, "u", sum_row, &n, err) < 0)
		return -1;
	return n > 0;
}
