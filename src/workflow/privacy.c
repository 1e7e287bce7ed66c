/* privacy - forget a customer, purge old raw mail. See privacy.h. */
#include "workflow/privacy.h"

#include <stdlib.h>
#include <string.h>

#include "lib/config.h"
#include "lib/log.h"
#include "mail/recipient.h"
#include "store/store.h"
#include "workflow/report.h"
#include "workflow/taken.h"

/* History kinds whose detail holds no personal data: figures, statuses,
 * staff's commands and staff addresses. Every other kind's detail (the
 * subject of a follow-up, an excerpt of a relayed reply, a staff note, a
 * survey comment, a refusal quoting a mail) is erased, and so is the
 * detail of a kind added later until it is listed here. */
static const char *const kept_kinds[] = {
	"received", "classified", "reclassified", "commands", "escalated", "notified",
	"follows", "survey_sent", "closed", "reopened", "purged", "forgotten", "acknowledged",
	NULL
};

/* The ledger kind (report_runs.kind) of the daily purge. */
#define PURGE_LEDGER "purge"

static const char cancel_reason[] = "cancelled: the customer's personal data was erased";

void privacy_target_clear(struct privacy_target *t)
{
	if (t->ids)
		g_array_unref(t->ids);
	t->ids = NULL;
}

int privacy_find(struct store *s, const char *target, struct privacy_target *t,
		 GError **err)
{
	*t = (struct privacy_target){ .by_address = strchr(target, '@') != NULL,
				      .ids = g_array_new(FALSE, FALSE, sizeof(uint64_t)) };
	if (store_forget_find(s, t->by_address ? STORE_BY_ADDR : STORE_BY_REF, target, t->ids,
			      err) < 0)
		return -1;
	/* not an address nor a reference: a phone number, however written */
	char *phone = t->by_address || t->ids->len ? NULL : taken_phone_normal(target);
	if (phone) {
		t->by_phone = true;
		int rc = store_forget_find(s, STORE_BY_PHONE, phone, t->ids, err);
		g_free(phone);
		if (rc < 0)
			return -1;
	}
	if (t->by_address) {
		char *key = recipient_key(target);
		int rc = store_forget_loose_count(s, target, key, &t->loose, err);
		g_free(key);
		if (rc < 0)
			return -1;
	}
	return t->ids->len > 0 || t->loose > 0;
}

static bool in_list(char **list, const char *a)
{
	for (; list && *list; list++)
		if (!g_ascii_strcasecmp(*list, a))
			return true;
	return false;
}

/* ours - an address of the company or of its staff (departments,
 * escalation levels, staff addresses and domains): who handled the
 * complaint is a staff decision, not the customer's data. */
static bool ours(const struct config *cfg, const char *a)
{
	if (config_is_staff(cfg, a) || in_list(cfg->company_addresses, a) ||
	    !g_ascii_strcasecmp(a, cfg->company_from))
		return true;
	for (size_t i = 0; i < G_N_ELEMENTS(cfg->escalation); i++)
		if (in_list(cfg->escalation[i], a))
			return true;
	if (!cfg->routes)
		return false;
	GHashTableIter it;
	gpointer value;
	g_hash_table_iter_init(&it, cfg->routes);
	while (g_hash_table_iter_next(&it, NULL, &value))
		if (!g_ascii_strcasecmp(value, a))
			return true;
	return false;
}

/* customer_addresses - of the addresses the complaint's rows name, the
 * ones to erase: the customer's always, any other that is not ours
 * (a follow-up from the customer's second address). NULL-terminated. */
static char **customer_addresses(const struct config *cfg, struct store *s,
				 const struct store_case *c, GError **err)
{
	GPtrArray *all = g_ptr_array_new_with_free_func(g_free);
	if (store_case_addresses(s, c->id, all, err) < 0) {
		g_ptr_array_unref(all);
		return NULL;
	}
	GPtrArray *out = g_ptr_array_new();
	for (guint i = 0; i < all->len; i++) {
		char *a = all->pdata[i];
		bool customer = c->customer_addr && !g_ascii_strcasecmp(a, c->customer_addr);
		if (strchr(a, '@') && (customer || !ours(cfg, a))) {
			g_ptr_array_add(out, a);
			all->pdata[i] = NULL;
		}
	}
	g_ptr_array_unref(all);
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}

/* keep_group - the customer's complaints keep being counted as one
 * customer's (repeat complainants) once the address is gone: all of them
 * get the group an earlier forget gave them, or a new random one. */
static int keep_group_by(struct store *s, enum store_customer by, const char *key,
			 GError **err)
{
	if (!key || !*key)
		return 0;
	char *group = NULL;
	int rc = store_customer_group(s, by, key, &group, err);
	if (rc == 0)
		group = g_uuid_string_random();
	if (rc >= 0)
		rc = store_set_customer_group(s, by, key, group, err);
	g_free(group);
	return rc < 0 ? -1 : 0;
}

/* keep_group - by the address, else by the phone (a customer who called
 * and never wrote) */
static int keep_group(struct store *s, const struct store_case *c, GError **err)
{
	if (c->customer_addr && *c->customer_addr)
		return keep_group_by(s, STORE_BY_ADDR, c->customer_addr, err);
	return keep_group_by(s, STORE_BY_PHONE, c->customer_phone, err);
}

/* forget_in - the erasure of one complaint, inside the transaction. */
static int forget_in(const struct config *cfg, struct store *s, const struct store_case *c,
		     const char *actor, int64_t now, struct store_erased *n, GError **err)
{
	char **addrs = customer_addresses(cfg, s, c, err);
	if (!addrs)
		return -1;
	struct store_forget f = { .addrs = (const char *const *)addrs, .kept_kinds = kept_kinds,
				  .cancel_reason = cancel_reason };
	int rc = keep_group(s, c, err);
	if (rc == 0)
		rc = store_forget_case(s, c->id, &f, n, err);
	/* who and when, not what: the counts would say how much there was */
	if (rc == 0 && store_erased_total(n) > 0)
		rc = store_add_event(s, c->id, now, actor, "forgotten", NULL, err);
	g_strfreev(addrs);
	return rc;
}

struct forget_tx {
	const struct config *cfg;
	struct store *s;
	uint64_t id;
	const char *actor;
	int64_t now;
	struct store_erased *n;
	struct store_case *c;
};

/* forget_tx - a try of forgetting one complaint: what an aborted try
 * counted or read is dropped first. */
static int forget_tx(void *ctx, GError **err)
{
	struct forget_tx *f = ctx;
	store_case_free(f->c);
	f->c = NULL;
	*f->n = (struct store_erased){ 0 };
	int rc = store_case_get(f->s, f->id, NULL, &f->c, err);
	return rc == 1 ? forget_in(f->cfg, f->s, f->c, f->actor, f->now, f->n, err) : rc;
}

int privacy_forget_case(const struct config *cfg, struct store *s, uint64_t id,
			const char *actor, int64_t now, struct store_erased *n, GError **err)
{
	struct forget_tx f = { cfg, s, id, actor, now, n, NULL };
	int rc = store_tx(s, forget_tx, &f, err);
	struct store_case *c = f.c;
	if (rc >= 0 && c && store_erased_total(n) > 0)
		log_info("forgotten ref=%s by=%s messages=%" G_GUINT64_FORMAT " attachments=%"
			 G_GUINT64_FORMAT " mails=%" G_GUINT64_FORMAT " cancelled=%"
			 G_GUINT64_FORMAT, c->ref, actor, n->messages, n->attachments,
			 n->outbox, n->cancelled);
	store_case_free(c);
	return rc < 0 ? -1 : 0;
}

struct loose_tx {
	struct store *s;
	const char *addr;
	char *key;
	struct store_erased *n;
};

static int loose_tx(void *ctx, GError **err)
{
	struct loose_tx *l = ctx;
	*l->n = (struct store_erased){ 0 };
	return store_forget_loose(l->s, l->addr, l->key, cancel_reason, l->n, err);
}

int privacy_forget_loose(struct store *s, const char *addr, struct store_erased *n,
			 GError **err)
{
	struct loose_tx l = { s, addr, recipient_key(addr), n };
	int rc = store_tx(s, loose_tx, &l, err);
	g_free(l.key);
	return rc < 0 ? -1 : 0;
}

/* last_forgotten - from history lines "at\tactor\tkind\tdetail". */
static int last_forgotten(GPtrArray *lines, int64_t *at, char **actor)
{
	int found = 0;
	for (guint i = 0; i < lines->len; i++) {
		char **f = g_strsplit(lines->pdata[i], "\t", 4);
		if (g_strv_length(f) >= 3 && !strcmp(f[2], "forgotten")) {
			*at = g_ascii_strtoll(f[0], NULL, 10);
			g_free(*actor);
			*actor = g_strdup(f[1]);
			found = 1;
		}
		g_strfreev(f);
	}
	return found;
}

int privacy_forgotten(struct store *s, uint64_t id, int64_t *at, char **actor, GError **err)
{
	GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
	*actor = NULL;
	int rc = store_case_history(s, id, lines, err);
	if (rc >= 0)
		rc = last_forgotten(lines, at, actor);
	g_ptr_array_unref(lines);
	return rc;
}

/* ---- retention -------------------------------------------------------------- */

/* purge_one - one complaint's raw mail, and the history says so (the
 * counts are no personal data). */
static int purge_one(const struct workflow_ctx *x, uint64_t id, struct store_erased *total,
		     GError **err)
{
	struct store_erased n = { 0 };
	if (store_retention_purge(x->store, id, x->now, &n, err) < 0)
		return -1;
	char *detail = g_strdup_printf("raw mail and attachments after %lld days closed: "
				       "%" G_GUINT64_FORMAT " sources, %" G_GUINT64_FORMAT
				       " attachments, %" G_GUINT64_FORMAT " sent mails",
				       (long long)x->cfg->retention_days, n.messages,
				       n.attachments, n.outbox);
	int rc = store_add_event(x->store, id, x->now, "", "purged", detail, err);
	g_free(detail);
	total->messages += n.messages;
	total->attachments += n.attachments;
	total->outbox += n.outbox;
	return rc;
}

/* purge_batch - up to PRIVACY_BATCH complaints in one transaction: how
 * many, or -1. */
struct purge_tx {
	const struct workflow_ctx *x;
	int64_t cutoff;
	GArray *ids;
	struct store_erased n;
};

/* purge_tx - a try of purge_batch: an aborted try's ids and counts go. */
static int purge_tx(void *ctx, GError **err)
{
	struct purge_tx *p = ctx;
	g_array_set_size(p->ids, 0);
	p->n = (struct store_erased){ 0 };
	int rc = store_retention_take(p->x->store, p->cutoff, PRIVACY_BATCH, p->ids, err);
	for (guint i = 0; rc >= 0 && i < p->ids->len; i++)
		if (purge_one(p->x, g_array_index(p->ids, uint64_t, i), &p->n, err) < 0)
			rc = -1;
	return rc;
}

static int purge_batch(const struct workflow_ctx *x, int64_t cutoff, GError **err)
{
	struct purge_tx p = { x, cutoff, g_array_new(FALSE, FALSE, sizeof(uint64_t)), { 0 } };
	int rc = store_tx(x->store, purge_tx, &p, err);
	struct store_erased n = p.n;
	GArray *ids = p.ids;
	if (rc > 0)
		log_info("retention: purged complaints=%d raw_mails=%" G_GUINT64_FORMAT
			 " attachments=%" G_GUINT64_FORMAT " sent_mails=%" G_GUINT64_FORMAT
			 " closed_before=%lld", rc, n.messages, n.attachments, n.outbox,
			 (long long)cutoff);
	g_array_unref(ids);
	return rc;
}

int privacy_retention_run(const struct workflow_ctx *x, GError **err)
{
	int64_t today, tomorrow;
	if (x->cfg->retention_days <= 0 || !report_period(x->cal, "day", x->now, &today, &tomorrow))
		return 0;
	int done = store_report_run_done(x->store, PURGE_LEDGER, today, err);
	if (done != 0)
		return done < 0 ? -1 : 0;
	int64_t cutoff = x->now - x->cfg->retention_days * 86400;
	for (unsigned b = 0; b < PRIVACY_BATCHES; b++) {
		int n = purge_batch(x, cutoff, err);
		if (n < 0)
			return -1;
		if (n == PRIVACY_BATCH)
			continue;
		/* nothing left: the quarantine's sources of the same age go
		 * too (mail that failed to parse belongs to no complaint), and
		 * today's run is done (another daemon may have recorded it
		 * first, which is as good) */
		uint64_t quarantined = 0;
		if (store_retention_quarantine(x->store, cutoff, &quarantined, err) < 0 ||
		    store_report_run_add(x->store, PURGE_LEDGER, today, cutoff, x->now, err) < 0)
			return -1;
		if (quarantined)
			log_info("retention: purged quarantined_mails=%" G_GUINT64_FORMAT
				 " before=%lld", quarantined, (long long)cutoff);
		log_info("retention: day done days=%lld closed_before=%lld",
			 (long long)x->cfg->retention_days, (long long)cutoff);
		return 0;
	}
	return 0;  /* a backlog: the next round goes on */
}
