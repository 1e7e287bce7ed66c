/* pipeline - duplicate check, classification, storage, acknowledgement. */
#include "workflow/pipeline.h"

#include <inttypes.h>
#include <string.h>

#include "workflow/calendar.h"
#include "workflow/casefacts.h"
#include "lib/config.h"
#include "lib/holder.h"
#include "lib/log.h"
#include "mail/mailout.h"
#include "mail/recipient.h"
#include "lib/metrics.h"
#include "mail/message.h"
#include "rules/rules.h"
#include "store/store.h"
#include "mail/template.h"
#include "workflow/workflow.h"

struct pipeline {
	const struct pipeline_env *env;
	struct store *store;
	/* taken per batch so a reload never changes rules halfway through one */
	struct rules *rules;
	struct template_set *templates;
	struct calendar *calendar;
	struct workflow_ctx wf;
	/* verdicts of the batch in hand, computed before the transaction opens
	 * so that it stays short (NULL for mail that gets no complaint) */
	GPtrArray *verdicts;
	/* this try's acknowledgement limits: counts read for the whole batch
	 * in one round trip before its first complaint (ack_have: read for
	 * that item), and the acknowledgements queued since, per key and per
	 * domain (their ack_log rows are written at COMMIT, unseen by reads) */
	const struct pipeline_item *try_items;
	struct store_ack_count *ack_seen;
	bool *ack_have;
	GHashTable *ack_keys, *ack_domains;  /* owned string -> count */
};

struct pipeline *pipeline_new(const struct pipeline_env *env, struct store *store)
{
	struct pipeline *p = g_new0(struct pipeline, 1);
	p->env = env;
	p->store = store;
	p->verdicts = g_ptr_array_new();
	p->ack_keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	p->ack_domains = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	return p;
}

void pipeline_free(struct pipeline **pp)
{
	struct pipeline *p = *pp;
	if (!p)
		return;
	g_ptr_array_unref(p->verdicts);
	g_hash_table_unref(p->ack_keys);
	g_hash_table_unref(p->ack_domains);
	g_free(p->ack_seen);
	g_free(p->ack_have);
	g_free(p);
	*pp = NULL;
}

const char *pipeline_outcome_name(enum pipeline_outcome o)
{
	static const char *const names[] = { "pending", "new", "duplicate", "stored", "failed" };
	return o <= PIPELINE_FAILED ? names[o] : "?";
}

void pipeline_item_clear(struct pipeline_item *it)
{
	g_free(it->error);
	it->error = NULL;
	it->outcome = PIPELINE_PENDING;
	it->complaint_id = 0;
	it->ref[0] = '\0';
	it->answer_by = 0;
	it->ack_queued = false;
}

/* machine_mail - mail no one should answer (RFC 3834): auto-replies,
 * bounces, lists. Stored, but no complaint is opened for it. */
static bool machine_mail(const struct message *m)
{
	return msg_flags(m) & (MSG_F_AUTO_SUBMITTED | MSG_F_BOUNCE | MSG_F_LIST);
}

/* program_mail - a program's own mail (MSG_F_GENERATED: a no-reply
 * sender, Auto-Submitted: auto-generated, bulk): 1 when the rules find a
 * complaint in its text - a website's contact form, a shop platform passing
 * on a buyer's complaint: stored as one, never answered; -1 when they find
 * none (a newsletter, a provider's notice): kept without a complaint, as
 * machine mail; 0 for anyone else's mail. */
static int program_mail(const struct config *cfg, const struct message *m,
			const struct verdict *v)
{
	if (!(msg_flags(m) & MSG_F_GENERATED))
		return 0;
	/* our own notifications, escalations and reports say auto-generated
	 * too, and quote complaints: one that comes back (a staff mailbox
	 * redirecting to ours) must not open a complaint, whose notification
	 * would come back again */
	if (config_is_own_address(cfg, msg_from_addr(m)))
		return -1;
	/* automatic mail from staff is stored and otherwise ignored
	 * (complaintd-staff(7)): staff complain through the web form */
	if (config_is_staff(cfg, msg_from_addr(m)))
		return -1;
	return v && strcmp(verdict_category(v), "other") != 0 ? 1 : -1;
}

/* sent_to - 1 when message_id names a mail in our outbox to rcpt, 0 not. */
static int sent_to(struct pipeline *p, const char *message_id, const char *rcpt, GError **err)
{
	if (!message_id || !*message_id)
		return 0;
	char *to = NULL;
	int rc = store_outbox_find_by_message_id(p->store, message_id, NULL, NULL, &to, NULL, err);
	if (rc == 1)
		rc = to && g_ascii_strcasecmp(to, rcpt) == 0;
	g_free(to);
	return rc;
}

/* bounce_of_ours - does the DSN refer to a mail we sent to rcpt? By the
 * original's Message-ID in its text/rfc822-headers or message/rfc822 part,
 * else by its In-Reply-To or References. Anyone can write a multipart/report
 * naming any address; only the Message-ID of a mail we sent (random, never
 * shown to anyone but its recipient) proves the bounce is real. 1/0/-1. */
static int bounce_of_ours(struct pipeline *p, const struct message *m, const char *rcpt,
			  GError **err)
{
	int rc = sent_to(p, msg_header(m, "X-Complaintd-Bounce-Message-Id"), rcpt, err);
	if (rc == 0)
		rc = sent_to(p, msg_in_reply_to(m), rcpt, err);
	for (unsigned i = 0; rc == 0 && i < msg_reference_count(m) && i < 20; i++)
		rc = sent_to(p, msg_reference(m, i), rcpt, err);
	return rc;
}

/* handle_bounce - a hard bounce (5.1.x: no such user/domain) of one of our
 * mails stops further mail to that address for a while. */
static int handle_bounce(struct pipeline *p, const struct message *m, int64_t now, GError **err)
{
	const char *status = msg_header(m, "X-Complaintd-Bounce-Status");
	const char *rcpt = msg_header(m, "X-Complaintd-Bounce-Recipient");
	if (!status || !rcpt || !g_str_has_prefix(status, "5.1."))
		return 0;
	int ours = bounce_of_ours(p, m, rcpt, err);
	if (ours < 0)
		return -1;
	if (!ours) {
		log_warn("bounce %s for a mail we did not send to that address: ignored"
			 " (message-id <%.200s>)", status,
			 msg_message_id(m) ? msg_message_id(m) : "-");
		return 0;
	}
	int64_t until = now + p->env->cfg->ack_bounce_suppress;
	char *reason = g_strdup_printf("hard bounce %s", status);
	int rc = store_suppress(p->store, rcpt, until, reason, now, err);
	if (rc == 0)
		log_info("suppressing mail rcpt=%s status=%s", log_addr(rcpt), status);
	g_free(reason);
	return rc;
}

/* ack_rcpt - where an acknowledgement of m goes: the From address; a
 * Reply-To only within the same domain (a forged Reply-To would otherwise
 * make us mail a third party with a stranger's text). */
static const char *ack_rcpt(const struct message *m)
{
	const char *rt = msg_reply_to(m);
	if (rt && *rt && recipient_same_domain(rt, msg_from_addr(m)))
		return rt;
	return msg_from_addr(m);
}

/* ack_query - what the limits ask of an acknowledgement to to; key and
 * domain are the caller's to g_free. */
static struct store_ack_query ack_query(const struct config *cfg, const char *to, int64_t now,
					char **key, char **domain)
{
	*key = recipient_key(to);
	*domain = recipient_domain(to);
	return (struct store_ack_query){ .rcpt = to, .key = *key ? *key : to,
		.domain = *domain ? *domain : "", .now = now, .key_since = now - 3600,
		.domain_since = now - 86400, .key_max = (unsigned)cfg->ack_max_per_sender_hour,
		.domain_max = (unsigned)cfg->ack_max_per_domain_day };
}

static unsigned queued(GHashTable *t, const char *k)
{
	return GPOINTER_TO_UINT(g_hash_table_lookup(t, k));
}

/* limit_reason - why the limits forbid an acknowledgement to to, or NULL.
 * The counts: the database's when the batch began (ack_prefetch; asked
 * now for an item it did not cover) plus what this try queued since. */
static int limit_reason(struct pipeline *p, const struct pipeline_item *it, const char *to,
			int64_t now, const char **why, GError **err)
{
	const struct config *cfg = p->env->cfg;
	char *key, *domain;
	struct store_ack_query q = ack_query(cfg, to, now, &key, &domain);
	struct store_ack_count c = { 0 };
	int rc = 0;
	ptrdiff_t i = p->try_items ? it - p->try_items : -1;
	if (i >= 0 && p->ack_have && p->ack_have[i])
		c = p->ack_seen[i];
	else
		rc = store_ack_check_many(p->store, &q, 1, &c, err);
	c.by_key += queued(p->ack_keys, q.key);
	c.by_domain += queued(p->ack_domains, q.domain);
	if (rc == 0 && c.suppressed)
		*why = "address suppressed after a hard bounce";
	else if (rc == 0 && c.by_key >= (unsigned)cfg->ack_max_per_sender_hour)
		*why = "per-sender hourly limit reached";
	else if (rc == 0 && cfg->ack_max_per_domain_day &&
		 c.by_domain >= (unsigned)cfg->ack_max_per_domain_day)
		*why = "per-domain daily limit reached";
	g_free(key);
	g_free(domain);
	return rc;
}

/* ack_refused - why it gets no acknowledgement whatever the limits say
 * (RFC 3834, historic import, our own mail), or NULL. */
static const char *ack_refused(const struct config *cfg, const struct pipeline_item *it)
{
	const char *to = ack_rcpt(it->msg);
	if (it->no_ack)
		return "historic import";
	if (!to || (msg_flags(it->msg) & MSG_F_NO_SENDER))
		return "no sender address";
	if (config_is_own_address(cfg, msg_from_addr(it->msg)) || config_is_own_address(cfg, to))
		return "from our own address";
	if (msg_flags(it->msg) & MSG_F_GENERATED)
		return "sent by a program (no-reply sender, auto-generated or bulk)";
	return NULL;
}

/* ack_prefetch - the limit counts of every item of the try that may get
 * an acknowledgement (new mail, not machine mail), in a round trip per 32
 * instead of one per complaint. */
static int ack_prefetch(struct pipeline *p, const struct pipeline_item *items, unsigned n,
			struct verdict **verdicts, const struct store_known *k,
			const int *dup_of, int64_t now, GError **err)
{
	const struct config *cfg = p->env->cfg;
	struct store_ack_query *q = g_new0(struct store_ack_query, n);
	char **owned = g_new0(char *, 2 * n);
	unsigned *at = g_new(unsigned, n), m = 0;
	p->try_items = items;
	g_hash_table_remove_all(p->ack_keys);
	g_hash_table_remove_all(p->ack_domains);
	g_free(p->ack_seen);
	g_free(p->ack_have);
	p->ack_seen = g_new0(struct store_ack_count, n);
	p->ack_have = g_new0(bool, n);
	for (unsigned i = 0; i < n; i++) {
		if (k[i].found || dup_of[i] >= 0 || !verdicts[i] || ack_refused(cfg, &items[i]))
			continue;
		q[m] = ack_query(cfg, ack_rcpt(items[i].msg), now, &owned[2 * m], &owned[2 * m + 1]);
		at[m++] = i;
	}
	struct store_ack_count *c = g_new0(struct store_ack_count, m ? m : 1);
	int rc = m ? store_ack_check_many(p->store, q, m, c, err) : 0;
	for (unsigned j = 0; j < m && rc == 0; j++) {
		p->ack_seen[at[j]] = c[j];
		p->ack_have[at[j]] = true;
	}
	for (unsigned j = 0; j < 2 * m; j++)
		g_free(owned[j]);
	g_free(owned);
	g_free(c);
	g_free(at);
	g_free(q);
	return rc;
}

/* ack_allowed - RFC 3834 and our own limits; says why not in the log. */
static int ack_allowed(struct pipeline *p, const struct pipeline_item *it, int64_t now,
		       bool *allowed, GError **err)
{
	const char *why = ack_refused(p->env->cfg, it);
	*allowed = false;
	if (!why && limit_reason(p, it, ack_rcpt(it->msg), now, &why, err) < 0)
		return -1;
	if (why)
		log_info("no acknowledgement ref=%s reason=\"%s\"", it->ref, why);
	*allowed = why == NULL;
	return 0;
}

static void count_queued(GHashTable *t, const char *k)
{
	g_hash_table_replace(t, g_strdup(k), GUINT_TO_POINTER(queued(t, k) + 1));
}

/* ack_logged - the acknowledgement to to counts against its limits from
 * now on: in this try at once, in the database with its commit. */
static int ack_logged(struct pipeline *p, const char *to, int64_t now, GError **err)
{
	char *key, *domain;
	struct store_ack_query q = ack_query(p->env->cfg, to, now, &key, &domain);
	int rc = store_ack_log(p->store, q.key, q.domain, now, err);
	count_queued(p->ack_keys, q.key);
	count_queued(p->ack_domains, q.domain);
	g_free(key);
	g_free(domain);
	return rc;
}

/* format_time - t in the calendar's zone, the zone the promised date is
 * written in: a server that runs on UTC must not tell a customer in
 * Shanghai that their mail arrived eight hours before it did. */
static char *format_time(const struct calendar *cal, int64_t t)
{
	GTimeZone *tz = calendar_zone(cal);
	GDateTime *dt = g_date_time_new_from_unix_utc(t);
	GDateTime *local = dt && tz ? g_date_time_to_timezone(dt, tz) : NULL;
	char *s = g_date_time_format(local ? local : dt, "%Y-%m-%d %H:%M");
	if (local)
		g_date_time_unref(local);
	g_date_time_unref(dt);
	return s;
}

/* queue_ack - render the acknowledgement and write its outbox row. It
 * names the day the customer gets the result (policy 000, 001: tell the
 * customer when to expect an answer): the feedback deadline just planned,
 * written as the template's language writes dates. */
static int queue_ack(struct pipeline *p, struct pipeline_item *it, const char *category,
		     int64_t now, GError **err)
{
	const struct config *cfg = p->env->cfg;
	const struct message *m = it->msg;
	const struct template *t = template_set_get(p->templates, "ack", msg_lang(m));
	const char *to = ack_rcpt(m);
	char *received = format_time(p->calendar, now);  /* when we got it, not its Date: header */
	char *answer_by = calendar_format_date(p->calendar, it->answer_by, msg_lang(m));
	/* the stranger's words we echo: a name fit to greet with, nothing else
	 * (no subject, no text: an acknowledgement must not carry a message
	 * of theirs to whoever they typed in as the sender) */
	char *name = recipient_safe_name(msg_from_name(m));
	GHashTable *vars = g_hash_table_new(g_str_hash, g_str_equal);
	g_hash_table_insert(vars, "ref", it->ref);
	g_hash_table_insert(vars, "customer_name", name ? name : "");
	g_hash_table_insert(vars, "customer_addr", (char *)to);
	g_hash_table_insert(vars, "category", (char *)category);
	g_hash_table_insert(vars, "company", cfg->company_name);
	g_hash_table_insert(vars, "company_from", cfg->company_from);
	g_hash_table_insert(vars, "received", received);
	g_hash_table_insert(vars, "answer_by", answer_by ? answer_by : "");
	char *subject = template_render_subject(t, vars);
	char *body = template_render(t, vars);
	char *id = mailout_message_id("ack", it->ref, cfg->company_from);
	struct mailout out = {
		.from_addr = cfg->company_from, .from_name = cfg->company_name,
		.to_addr = to, .to_name = name,
		.subject = subject, .body = body, .message_id = id,
		.in_reply_to = msg_message_id(m), .thread = m,
		.auto_submitted = "auto-replied", .ref = it->ref, .date = now,
	};
	GBytes *raw = mailout_outbox_row(&out);
	uint64_t outbox_id = 0;
	int rc = store_outbox_add(p->store, it->complaint_id, "ack", cfg->company_from, to, id,
				  g_bytes_get_data(raw, NULL), g_bytes_get_size(raw), now,
				  &outbox_id, err);
	if (rc == 0)
		rc = ack_logged(p, to, now, err);
	if (rc == 0)
		it->ack_queued = true;
	g_bytes_unref(raw);
	g_free(id);
	g_free(body);
	g_free(subject);
	g_hash_table_unref(vars);
	g_free(answer_by);
	g_free(received);
	g_free(name);
	return rc;
}

static int store_hits(struct pipeline *p, uint64_t complaint_id, uint64_t row,
		      const struct verdict *v, GError **err)
{
	for (unsigned i = 0; i < verdict_hit_count(v); i++) {
		const struct rule_hit *h = verdict_hit(v, i);
		if (store_add_hit(p->store, complaint_id, row, h->rule, h->field, h->match,
				  h->effect, err) < 0)
			return -1;
	}
	return 0;
}

/* add_facts - the case facts the message gives (the form's fields, the
 * rules' extracts; casefacts.h), those the complaint lacks so far. */
static int add_facts(struct pipeline *p, uint64_t complaint_id, const struct message *m,
		     const struct verdict *v, int64_t now, GError **err)
{
	struct store_facts f = { 0 };
	int rc = 0;
	if (casefacts_collect(m, v, &f) > 0)
		rc = store_facts_add(p->store, complaint_id, &f, now, err) < 0 ? -1 : 0;
	store_facts_clear(&f);
	return rc;
}

/* acknowledged_in_person - a complaint staff took down was acknowledged
 * by them, to the customer on the phone or at the counter, when they took
 * it (受理): its acknowledgement deadline is met then, mail or not (a
 * customer with no address gets none, and must not make the complaint
 * look late). */
static int acknowledged_in_person(struct pipeline *p, const struct pipeline_item *it,
				  const char *taker, int64_t now, GError **err)
{
	if (store_set_status(p->store, it->complaint_id, "acknowledged", now, err) < 0)
		return -1;
	return store_add_event(p->store, it->complaint_id, now, taker, "acknowledged",
			       msg_channel_name(msg_channel(it->msg)), err);
}

/* new_complaint - store complaint + message + hits, queue the ack, tell
 * the department; parent_id: the closed complaint this one follows. */
static int new_complaint(struct pipeline *p, struct pipeline_item *it,
			 const struct verdict *v, uint64_t parent_id, int64_t now, uint64_t *row,
			 GError **err)
{
	const struct config *cfg = p->env->cfg;
	int rc = -1;
	char severity = verdict_severity(v);
	struct store_case_plan plan = { .parent_id = parent_id };
	/* old mail of a mailbox attached for the first time is history: no
	 * deadlines run for it and nobody is told (as it gets no ack) */
	if (!it->no_ack) {
		workflow_plan(&p->wf, v, &plan);
		it->answer_by = plan.due[STORE_DUE_FEEDBACK];
	}
	if (store_new_case(p->store, it->msg, verdict_category(v), severity, verdict_route(v),
			   cfg->ref_prefix, &plan, now, &it->complaint_id, it->ref,
			   sizeof(it->ref), err) < 0)
		goto out;
	if (store_add_message(p->store, it->complaint_id, it->msg, "in", now, false, row, err) < 0)
		goto out;
	if (store_hits(p, it->complaint_id, *row, v, err) < 0 ||
	    add_facts(p, it->complaint_id, it->msg, v, now, err) < 0)
		goto out;
	/* a complaint staff took down is recorded as theirs: the one who
	 * answers for what was written down */
	const char *taker = msg_field(it->msg, "taken_by");
	char *detail = g_strdup_printf("category=%s severity=%c channel=%s%s%s",
				       verdict_category(v), severity,
				       msg_channel_name(msg_channel(it->msg)),
				       taker ? " taken_by=" : "", taker ? taker : "");
	rc = store_add_event(p->store, it->complaint_id, now,
			     taker ? taker : msg_from_addr(it->msg), "received", detail, err);
	g_free(detail);
	if (rc < 0)
		goto out;
	if (parent_id)
		rc = store_add_event(p->store, it->complaint_id, now, "", "follows", "a follow-up "
				     "to a closed complaint, too late to reopen it", err);
	bool allowed = false;
	if (rc == 0)
		rc = ack_allowed(p, it, now, &allowed, err);
	if (rc == 0 && allowed)
		rc = queue_ack(p, it, verdict_category(v), now, err);
	if (rc == 0 && taker)
		rc = acknowledged_in_person(p, it, taker, now, err);
	if (rc == 0 && !it->no_ack)
		rc = workflow_opened(&p->wf, it->complaint_id, it->ref, it->msg, *row, v, &plan, err);
	if (rc == 0)
		log_info("complaint ref=%s category=%s severity=%c from=%s ack=%s",
			 it->ref, verdict_category(v), severity,
			 log_addr(msg_from_addr(it->msg)),
			 it->ack_queued ? "queued" : "no");
out:
	return rc;
}

/* followup - the customer writes again: the verdict v on the mail counts
 * (the rules' "any" field reads only what the customer wrote in it, not
 * the mail it quotes), its hits kept with it as the first message's are.
 * History (old mail of a mailbox attached for the first time) raises
 * nothing: as for its new complaints, nobody is told of it now. */
static int followup(struct pipeline *p, const struct workflow_match *mt,
		    struct pipeline_item *it, const struct verdict *v, uint64_t *row,
		    GError **err)
{
	if (workflow_followup(&p->wf, mt, it->msg, it->no_ack ? NULL : v, row, err) < 0)
		return -1;
	if (add_facts(p, mt->complaint_id, it->msg, v, p->wf.now, err) < 0)
		return -1;
	return v ? store_hits(p, mt->complaint_id, *row, v, err) : 0;
}

/* thread - a mail that is neither a duplicate nor machine mail: a new
 * complaint, or a follow-up or staff mail of one (see workflow.h). */
static int thread(struct pipeline *p, struct pipeline_item *it, const struct verdict *v,
		  int64_t now, uint64_t *row, GError **err)
{
	struct workflow_match mt;
	p->wf.now = now;
	if (workflow_match(&p->wf, it->msg, &mt, err) < 0)
		return -1;
	int rc;
	switch (mt.kind) {
	case WF_FOLLOWUP:
		rc = followup(p, &mt, it, v, row, err);
		break;
	case WF_STAFF:
		rc = workflow_staff(&p->wf, &mt, it->msg, row, err);
		break;
	case WF_UNVERIFIED:
		rc = workflow_unverified(&p->wf, &mt, it->msg, row,
					 rules_default_route(p->rules, "other"), err);
		break;
	default:
		if (new_complaint(p, it, v, mt.parent_id, now, row, err) < 0)
			return -1;
		it->outcome = PIPELINE_NEW;
		return 0;
	}
	it->outcome = PIPELINE_STORED;
	it->complaint_id = mt.complaint_id;
	return rc;
}

/* ingest_one - everything for one item inside the open transaction; known
 * is what the batch's duplicate check found for it. *row gets its message. */
static int ingest_one(struct pipeline *p, struct pipeline_item *it, const struct verdict *v,
		      const struct store_known *known, int64_t now, uint64_t *row, GError **err)
{
	*row = known->msg_row;
	int program = program_mail(p->env->cfg, it->msg, v);
	if (known->found == 1) {
		/* this very mailbox UID was stored before: nothing to do */
		it->outcome = PIPELINE_DUPLICATE;
		it->complaint_id = known->complaint_id;
		return 0;
	}
	if (known->found == 2) {
		/* the same mail again, e.g. delivered to two of our addresses */
		it->outcome = PIPELINE_DUPLICATE;
		it->complaint_id = known->complaint_id;
	} else if (machine_mail(it->msg) || program < 0) {
		if (msg_flags(it->msg) & MSG_F_BOUNCE && handle_bounce(p, it->msg, now, err) < 0)
			return -1;
		if (store_add_message(p->store, 0, it->msg, "in", now, false, row, err) < 0)
			return -1;
		it->outcome = PIPELINE_STORED;
	} else if (program > 0) {
		/* a complaint of its own: a program's mail follows no thread and
		 * speaks for no staff member */
		msg_add_note(it->msg, "sent by a program: opened as a complaint for what its "
			     "text says; not acknowledged (the sender does not read answers)");
		if (new_complaint(p, it, v, 0, now, row, err) < 0)
			return -1;
		it->outcome = PIPELINE_NEW;
	} else if (thread(p, it, v, now, row, err) < 0) {
		return -1;
	}
	if (it->mailbox &&
	    store_add_source(p->store, it->mailbox, it->uidvalidity, it->uid, *row, now, err) < 0)
		return -1;
	return 0;
}

/* find_known - the duplicate checks of the whole batch, a round trip per
 * 32 mails; a mail that repeats an earlier one of the same batch is marked
 * as its duplicate (found 2, row filled in when that one is stored). */
static int find_known(struct pipeline *p, struct pipeline_item *items, unsigned n,
		      struct store_known *k, int *dup_of, char **keys, GError **err)
{
	for (unsigned i = 0; i < n; i++) {
		keys[i] = store_dedup_key(items[i].msg);
		k[i] = (struct store_known){ .key = keys[i], .uid = items[i].mailbox ? items[i].uid : 0 };
		dup_of[i] = -1;
	}
	for (unsigned i = 0, j; i < n; i = j) {
		/* runs of items from the same mailbox go together */
		for (j = i + 1; j < n && !g_strcmp0(items[j].mailbox, items[i].mailbox) &&
			       items[j].uidvalidity == items[i].uidvalidity; j++)
			;
		if (store_find_known_many(p->store, items[i].mailbox, items[i].uidvalidity,
					  k + i, j - i, err) < 0)
			return -1;
	}
	GHashTable *first = g_hash_table_new(g_str_hash, g_str_equal);
	for (unsigned i = 0; i < n; i++) {
		if (k[i].found || !keys[i])
			continue;
		gpointer j;
		if (g_hash_table_lookup_extended(first, keys[i], NULL, &j))
			dup_of[i] = GPOINTER_TO_INT(j);
		else
			g_hash_table_insert(first, keys[i], GINT_TO_POINTER((int)i));
	}
	g_hash_table_unref(first);
	return 0;
}

/* check_mid_reuse - for each mail the batch checks did not know: was its
 * Message-ID stored before? The same mail stored by an older version (id
 * alone, same sender) is a duplicate as it always was; another mail under
 * that id is stored as the new message it is, and the reuse logged with
 * both keys (no addresses: the row ids lead to them) - before, it was
 * dropped as a duplicate and nobody was told. */
static int check_mid_reuse(struct pipeline *p, struct pipeline_item *items, unsigned n,
			   struct store_known *k, const int *dup_of, GError **err)
{
	struct store_mid *q = g_new0(struct store_mid, n);
	unsigned *at = g_new(unsigned, n), m = 0;
	for (unsigned i = 0; i < n; i++) {
		if (k[i].found || dup_of[i] >= 0 || !k[i].key)
			continue;
		q[m].m = items[i].msg;
		q[m].key = k[i].key;
		at[m++] = i;
	}
	int rc = m ? store_find_mid_reuse_many(p->store, q, m, err) : 0;
	for (unsigned j = 0; j < m && rc == 0; j++) {
		unsigned i = at[j];
		if (q[j].use == STORE_MID_SAME) {
			k[i].found = 2;
			k[i].msg_row = q[j].msg_row;
			k[i].complaint_id = q[j].complaint_id;
		} else if (q[j].use == STORE_MID_REUSED) {
			log_warn("message-id reuse: <%.200s> is stored as row %" PRIu64
				 " (key %.16s) with other sender or content; stored as a new"
				 " message (key %.16s) mailbox=%s uid=%u",
				 msg_message_id(items[i].msg), q[j].msg_row,
				 q[j].other_key ? q[j].other_key : "-", k[i].key,
				 items[i].mailbox ? items[i].mailbox : "-", items[i].uid);
		}
	}
	for (unsigned j = 0; j < m; j++)
		g_free(q[j].other_key);
	g_free(at);
	g_free(q);
	return rc;
}

/* count_committed - metrics for what the commit made durable. */
static void count_committed(struct pipeline *p, const struct pipeline_item *items, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (items[i].outcome != PIPELINE_NEW && items[i].outcome != PIPELINE_STORED)
			continue;
		metrics_ingested(msg_channel_name(msg_channel(items[i].msg)));
		const struct verdict *v = g_ptr_array_index(p->verdicts, i);
		if (items[i].outcome == PIPELINE_NEW && v)
			metrics_complaint(verdict_category(v), verdict_severity(v));
	}
}

/* reserve_refs - a block of reference numbers for the batch, taken in one
 * short statement before the transaction: the per-day counter row is then
 * not locked for the whole batch, and several threads or daemons ingest side
 * by side. Numbers of a batch that rolls back or holds duplicates are
 * skipped, so references are unique and sortable but may have gaps. */
static int reserve_refs(struct pipeline *p, unsigned n, int64_t now, GError **err)
{
	unsigned want = 0;
	for (unsigned i = 0; i < n; i++)
		want += g_ptr_array_index(p->verdicts, i) != NULL;
	if (want < 2 || store_refs_left(p->store, p->env->cfg->ref_prefix, now) >= want)
		return 0;
	return store_reserve_refs(p->store, p->env->cfg->ref_prefix, now, want, err);
}

static bool connection_lost(const GError *e)
{
	/* RETRY is a deadlock or lock wait timeout: the whole batch may go again */
	return e && e->domain == STORE_ERROR &&
	       (e->code == STORE_ERROR_CONNECTION || e->code == STORE_ERROR_RETRY);
}

struct batch_tx {
	struct pipeline *p;
	struct pipeline_item *items;
	unsigned n;
	struct verdict **verdicts;
	int64_t now;
};

/* batch_tx - a try of the items' transaction (store_tx runs it again when
 * the database aborted it): what an aborted try left on the items goes
 * first. */
static int batch_tx(void *ctx, GError **err)
{
	struct batch_tx *b = ctx;
	struct pipeline *p = b->p;
	struct pipeline_item *items = b->items;
	unsigned n = b->n;
	int64_t now = b->now;
	for (unsigned j = 0; j < n; j++)
		pipeline_item_clear(&items[j]);
	struct store_known *known = g_new0(struct store_known, n);
	uint64_t *rows = g_new0(uint64_t, n);
	int *dup_of = g_new(int, n);
	char **keys = g_new0(char *, n);
	int rc = find_known(p, items, n, known, dup_of, keys, err);
	if (rc == 0)
		rc = check_mid_reuse(p, items, n, known, dup_of, err);
	if (rc == 0)
		rc = ack_prefetch(p, items, n, b->verdicts, known, dup_of, now, err);
	for (unsigned i = 0; i < n && rc == 0; i++) {
		if (dup_of[i] >= 0) {
			known[i].found = 2;
			known[i].msg_row = rows[dup_of[i]];
			known[i].complaint_id = items[dup_of[i]].complaint_id;
		}
		rc = ingest_one(p, &items[i], b->verdicts[i], &known[i], now, &rows[i], err);
	}
	for (unsigned i = 0; i < n; i++)
		g_free(keys[i]);
	g_free(keys);
	g_free(dup_of);
	g_free(rows);
	g_free(known);
	return rc;
}

/* tries of a batch that meets a duplicate key (run_tx) */
#define DUP_TRIES 4

/* run_tx - items in one transaction; on failure all of them are PENDING
 * again. A transaction the database aborted (a deadlock victim, a lock
 * waited for too long, a Galera certification failure at COMMIT, a
 * connection lost before COMMIT) did nothing: store_tx runs it again at
 * once, a few times, before the caller hears of it. Under contention (the
 * sender recording sent mail, a second daemon) good mail would otherwise
 * count failures toward its quarantine. */
static int run_tx(struct pipeline *p, struct pipeline_item *items, unsigned n,
		  struct verdict **verdicts, int64_t now, GError **err)
{
	struct batch_tx b = { p, items, n, verdicts, now };
	int rc = -1;
	/* A duplicate key means another thread or daemon committed the same
	 * mail after this try's lookups read their snapshot (one mail in two
	 * watched mailboxes; on Galera, a node still applying what the others
	 * committed, as after it rejoined): run again and the lookups find it.
	 * Never the mail's fault, so never a reason to fail it. */
	for (unsigned t = 0; t < DUP_TRIES && rc < 0; t++) {
		g_clear_error(err);
		rc = store_tx(p->store, batch_tx, &b, err);
		if (rc < 0)
			for (unsigned j = 0; j < n; j++)
				pipeline_item_clear(&items[j]);
		if (rc < 0 && !g_error_matches(*err, STORE_ERROR, STORE_ERROR_DUPLICATE))
			break;
	}
	return rc;
}

int pipeline_ingest(struct pipeline *p, struct pipeline_item *items, unsigned n,
		    int64_t now, GError **err)
{
	p->rules = holder_get(p->env->rules);
	p->templates = holder_get(p->env->templates);
	p->calendar = holder_get(p->env->calendar);
	p->wf = (struct workflow_ctx){ .cfg = p->env->cfg, .cal = p->calendar,
				       .templates = p->templates, .store = p->store, .now = now };
	g_ptr_array_set_size(p->verdicts, 0);
	for (unsigned i = 0; i < n; i++) {
		pipeline_item_clear(&items[i]);
		g_ptr_array_add(p->verdicts, machine_mail(items[i].msg) ? NULL
					     : rules_classify(p->rules, items[i].msg));
	}
	struct verdict **verdicts = (struct verdict **)p->verdicts->pdata;
	GError *batch_err = NULL;
	int rc = reserve_refs(p, n, now, &batch_err);
	if (rc == 0)
		rc = run_tx(p, items, n, verdicts, now, &batch_err);
	if (rc < 0 && connection_lost(batch_err)) {
		g_propagate_error(err, batch_err);
		goto out;
	}
	if (rc < 0 && n == 1) {
		items[0].outcome = PIPELINE_FAILED;
		items[0].error = g_strdup(batch_err->message);
		g_clear_error(&batch_err);
		rc = 0;
		goto out;
	}
	if (rc < 0) {
		/* one item broke the batch: isolate it, keep the others */
		log_warn("batch of %u failed, retrying one by one: %s", n, batch_err->message);
		g_clear_error(&batch_err);
		rc = 0;
		for (unsigned i = 0; i < n && rc == 0; i++) {
			GError *one = NULL;
			if (run_tx(p, &items[i], 1, &verdicts[i], now, &one) == 0)
				continue;
			if (connection_lost(one)) {
				g_propagate_error(err, one);
				rc = -1;
			} else {
				items[i].outcome = PIPELINE_FAILED;
				items[i].error = g_strdup(one->message);
				g_error_free(one);
			}
		}
	}
	if (rc == 0)
		count_committed(p, items, n);
out:
	for (unsigned i = 0; i < p->verdicts->len; i++) {
		struct verdict *v = g_ptr_array_index(p->verdicts, i);
		verdict_free(&v);
	}
	g_ptr_array_set_size(p->verdicts, 0);
	p->try_items = NULL;
	rules_unref(&p->rules);
	template_set_unref(&p->templates);
	calendar_free(&p->calendar);
	return rc;
}
