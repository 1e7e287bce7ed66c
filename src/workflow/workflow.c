/* workflow - threading, notifications, staff replies, escalations. */
#include "workflow/workflow.h"
#include "workflow/wfmail.h"

#include <string.h>

#include "workflow/calendar.h"
#include "workflow/casefacts.h"
#include "lib/config.h"
#include "lib/log.h"
#include "mail/authres.h"
#include "mail/mailout.h"
#include "mail/message.h"
#include "mail/mime.h"
#include "mail/replytext.h"
#include "rules/rules.h"
#include "store/store_outcome.h"
#include "store/store_plan.h"
#include "workflow/paths.h"
#include "workflow/sla.h"
#include "workflow/staffcmd.h"
#include "lib/stafftoken.h"
#include "workflow/survey.h"
#include "mail/template.h"

/* alerts about unverified staff mail to one department per hour: a mail
 * loop or a flood must not turn into a flood of alerts */
#define ALERTS_PER_HOUR 20

/* ---- matching ------------------------------------------------------------------ */

char *workflow_subject_ref(const char *subject, const char *prefix)
{
	if (!subject || !prefix)
		return NULL;
	size_t pl = strlen(prefix);
	for (const char *p = strchr(subject, '['); p; p = strchr(p + 1, '[')) {
		if (g_ascii_strncasecmp(p + 1, prefix, pl) || p[1 + pl] != '-')
			continue;
		const char *q = p + 2 + pl;
		size_t d = strspn(q, "0123456789");
		if (d != 8 || q[8] != '-')
			continue;
		size_t n = strspn(q + 9, "0123456789");
		if (n >= 4 && n <= 10 && q[9 + n] == ']') {
			char *ref = g_strndup(p + 1, (gsize)(pl + 10 + n));
			memcpy(ref, prefix, pl); /* as we write it: clients may change case */
			return ref;
		}
	}
	return NULL;
}

/* thread_of - the complaint m answers: its In-Reply-To, then References
 * newest first, then a reference in the subject. 1/0/-1. */
static int thread_of(const struct workflow_ctx *x, const struct message *m, uint64_t *id,
		     GError **err)
{
	int rc = store_find_thread(x->store, msg_in_reply_to(m), id, err);
	for (unsigned i = msg_reference_count(m); rc == 0 && i-- > 0;)
		rc = store_find_thread(x->store, msg_reference(m, i), id, err);
	if (rc != 0)
		return rc;
	char *ref = workflow_subject_ref(msg_subject(m), x->cfg->ref_prefix);
	if (ref)
		rc = store_find_ref(x->store, ref, id, NULL, err);
	g_free(ref);
	return rc;
}

/* signed_ref - the complaint reference of the first signed reply address
 * among m's recipients whose token holds for m's sender (wf_reply_token);
 * NULL when none, and *expired tells whether one of ours had run out. */
static char *signed_ref(const struct workflow_ctx *x, const struct message *m, bool *expired)
{
	GPtrArray *cands = g_ptr_array_new();
	for (unsigned i = 0; i < msg_recipient_count(m); i++)
		g_ptr_array_add(cands, (char *)msg_recipient(m, i));
	static const char *const delivered[] = { "Delivered-To", "X-Original-To" };
	for (size_t i = 0; i < G_N_ELEMENTS(delivered); i++)
		if (msg_header(m, delivered[i]))
			g_ptr_array_add(cands, (char *)msg_header(m, delivered[i]));
	char *found = NULL;
	*expired = false;
	for (unsigned i = 0; i < cands->len && !found; i++) {
		char *ref = NULL, *tok = NULL;
		char *addr = g_strstrip(g_strdup(g_ptr_array_index(cands, i)));
		if (stafftoken_parse(addr, x->cfg->staff_reply_address, &ref, &tok)) {
			/* a client may have changed the address's case; we sign the
			 * reference as we write it */
			char *canon = g_ascii_strup(ref, -1);
			memcpy(canon, x->cfg->ref_prefix, MIN(strlen(x->cfg->ref_prefix), strlen(canon)));
			const char *try[] = { ref, canon };
			for (size_t t = 0; t < G_N_ELEMENTS(try) && !found; t++) {
				enum wf_token r = wf_reply_token(x, try[t], tok, msg_from_addr(m));
				if (r == WF_TOKEN_OK)
					found = g_strdup(try[t]);
				*expired |= r == WF_TOKEN_EXPIRED;
			}
			g_free(canon);
		}
		g_free(addr);
		g_free(ref);
		g_free(tok);
	}
	g_ptr_array_unref(cands);
	return found;
}

/* to_signed_address - m went to one of our plus addresses: only staff
 * ever get those (as the Reply-To of mail to staff), so whoever writes
 * there is not the customer, even from an address [staff] does not list
 * (a forwarded notification, an escalation answered from a private
 * address); such mail is never taken for the customer's. */
static bool to_signed_address(const struct workflow_ctx *x, const struct message *m)
{
	for (unsigned i = 0; i < msg_recipient_count(m); i++) {
		char *ref = NULL, *tok = NULL;
		bool ok = stafftoken_parse(msg_recipient(m, i), x->cfg->staff_reply_address, &ref,
					   &tok);
		g_free(ref);
		g_free(tok);
		if (ok)
			return true;
	}
	return false;
}

static int match_staff(const struct workflow_ctx *x, const struct message *m,
		       struct workflow_match *out, GError **err)
{
	bool staff = config_is_staff(x->cfg, msg_from_addr(m));
	/* a From in the staff domain is a claim anyone can write; where the
	 * receiving server checks DKIM/DMARC, its verdict must back it */
	bool authentic = !x->cfg->staff_authserv_ids || !*x->cfg->staff_authserv_ids ||
			 authres_message_passes(m, x->cfg->staff_authserv_ids);
	bool expired = false;
	char *ref = x->cfg->staff_secret && staff && authentic ? signed_ref(x, m, &expired) : NULL;
	int rc = 0;
	if (ref) {
		rc = store_find_ref(x->store, ref, &out->complaint_id, NULL, err);
		if (rc == 1) {
			out->kind = WF_STAFF;
			g_free(ref);
			return 0;
		}
	}
	g_free(ref);
	if (rc < 0)
		return -1;
	out->kind = WF_UNVERIFIED;
	out->why = !staff ? WF_WHY_NOT_STAFF : !authentic ? WF_WHY_NOT_AUTHENTIC
		   : !x->cfg->staff_secret ? WF_WHY_NO_SECRET : expired ? WF_WHY_EXPIRED
		   : WF_WHY_NOT_SIGNED;
	out->complaint_id = 0;
	return thread_of(x, m, &out->complaint_id, err) < 0 ? -1 : 0;
}

const char *workflow_unverified_reason(enum workflow_unverified why, const char *lang)
{
	static const char *const text[][2] = {
		[WF_WHY_NOT_STAFF] = {
			"it answers mail to staff but comes from an address [staff] does not list",
			"它回复的是发给员工的邮件，发件地址却不是登记的员工地址" },
		[WF_WHY_NOT_AUTHENTIC] = {
			"the receiving server did not find a DKIM signature or DMARC pass for the "
			"staff domain ([staff] authserv_id)",
			"收信服务器未能证实它确实来自公司的员工域名（发件域名的数字签名验证未通过）" },
		[WF_WHY_NO_SECRET] = {
			"staff replies are off (no [staff] secret_file)",
			"系统没有开启员工回复功能（未配置签名密钥）" },
		[WF_WHY_EXPIRED] = {
			"the signed reply address it was sent to has expired ([staff] token_lifetime): "
			"answer the latest notification",
			"它所发往的签名回复地址已过期，请回复最新的一封通知邮件" },
		[WF_WHY_NOT_SIGNED] = {
			"it was not sent to the signed reply address of a notification to this sender",
			"它没有发往系统发给该发件人的通知邮件中的签名回复地址" },
	};
	if ((unsigned)why >= G_N_ELEMENTS(text))
		why = WF_WHY_NOT_SIGNED;
	return text[why][g_strcmp0(lang, "en") ? 1 : 0];
}

/* in_ids - whether id is one of the space-separated Message-IDs in ids. */
static bool in_ids(const char *ids, const char *id)
{
	if (!ids || !id || !*id)
		return false;
	size_t n = strlen(id);
	for (const char *p = ids; (p = strstr(p, id)) != NULL; p += n)
		if ((p == ids || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return true;
	return false;
}

/* customer_wrote - m may speak for complaint c's customer: it comes from
 * the customer's address (or from the Reply-To of theirs our mail went
 * to), or it answers (In-Reply-To, References) a mail we sent the customer,
 * whose Message-ID only they have. An answer to the customer's own mail
 * does not do: everyone they copied has its Message-ID, and many clients
 * make guessable ones. A "[REF]" in the subject alone proves nothing
 * either: anyone can type it, and whoever joins a complaint is taken for
 * its customer by staff, relays and the survey. */
static bool customer_wrote(const struct store_case *c, const struct message *m)
{
	const char *from = msg_from_addr(m);
	if (from && *from && c->customer_addr && !g_ascii_strcasecmp(from, c->customer_addr))
		return true;
	if (from && *from) {
		char *lower = g_ascii_strdown(from, -1);
		bool ours = in_ids(c->customer_rcpts, lower);
		g_free(lower);
		if (ours)
			return true;
	}
	if (in_ids(c->our_ids, msg_in_reply_to(m)))
		return true;
	for (unsigned i = 0; i < msg_reference_count(m); i++)
		if (in_ids(c->our_ids, msg_reference(m, i)))
			return true;
	return false;
}

int workflow_match(const struct workflow_ctx *x, const struct message *m,
		   struct workflow_match *out, GError **err)
{
	*out = (struct workflow_match){ .kind = WF_NEW };
	if (msg_channel(m) != MSG_CHANNEL_EMAIL)
		return 0;
	if (config_is_staff(x->cfg, msg_from_addr(m)) || to_signed_address(x, m))
		return match_staff(x, m, out, err);
	uint64_t id = 0;
	int rc = thread_of(x, m, &id, err);
	if (rc <= 0)
		return rc;
	struct store_case *c = NULL;
	if (store_case_get(x->store, id, NULL, &c, err) < 0)
		return -1;
	if (!c)
		return 0;
	int64_t ended = c->closed_at ? c->closed_at : c->resolved_at;
	bool done = !strcmp(c->status, "resolved") || !strcmp(c->status, "closed");
	if (!customer_wrote(c, m)) {
		/* someone else names the complaint: heard, as a new one linked
		 * to it, never as its customer */
		log_info("ref=%s a mail names this complaint but is not from its customer "
			 "nor in its thread: a new, linked complaint", c->ref);
		out->parent_id = id;
	} else if (done && x->now - ended > x->cfg->reopen_window) {
		out->parent_id = id;    /* too late to reopen: a new, linked complaint */
	} else {
		out->kind = WF_FOLLOWUP;
		out->complaint_id = id;
		out->reopen = done;
	}
	store_case_free(c);
	return 0;
}

/* ---- new complaints ------------------------------------------------------------ */

void workflow_plan(const struct workflow_ctx *x, const struct verdict *v,
		   struct store_case_plan *plan)
{
	plan->department = config_route(x->cfg, verdict_route(v), verdict_category(v));
	sla_plan(x->cfg, x->cal, verdict_severity(v), x->now, plan->due);
}

/* field_label - where a rule matched, as staff read it in lang: the
 * rules' own words (subject, body, header:X) in Chinese for "zh". g_free. */
static char *field_label(const char *field, bool zh)
{
	static const char *const names[][2] = {
		{ "subject", "主题" }, { "body", "正文" }, { "from", "发件人" }, { "meta", "组合规则" },
		{ "header:", "信头 " }, { "field:", "表单字段 " },
	};
	for (size_t i = 0; zh && i < G_N_ELEMENTS(names); i++) {
		size_t n = strlen(names[i][0]);
		bool prefix = names[i][0][n - 1] == ':';
		if (prefix ? !strncmp(field, names[i][0], n) : !strcmp(field, names[i][0]))
			return g_strconcat(names[i][1], field + (prefix ? n : strlen(field)), NULL);
	}
	return g_strdup(field);
}

/* rules_text - a line per rule that fired: its name (the administrator's
 * identifier), where and what it matched, its description. */
static char *rules_text(const struct verdict *v, const char *lang)
{
	bool zh = !!g_strcmp0(lang, "en");
	GString *out = g_string_new(NULL);
	for (unsigned i = 0; i < verdict_hit_count(v); i++) {
		const struct rule_hit *h = verdict_hit(v, i);
		char *field = field_label(h->field, zh);
		if (zh)
			g_string_append_printf(out, "  %s（%s%s%s%s）%s\n", h->rule, field,
					       h->match ? "：“" : "", h->match ? h->match : "",
					       h->match ? "”" : "", h->describe);
		else
			g_string_append_printf(out, "  %s (%s%s%s%s)%s%s\n", h->rule, field,
					       h->match ? ": \"" : "", h->match ? h->match : "",
					       h->match ? "\"" : "", *h->describe ? " " : "",
					       h->describe);
		g_free(field);
	}
	return g_string_free(out, FALSE);
}

static char *attachments_text(const struct message *m, const char *lang)
{
	bool zh = !!g_strcmp0(lang, "en");
	GString *out = g_string_new(NULL);
	for (unsigned i = 0; i < msg_attachment_count(m); i++) {
		const struct msg_attachment *a = msg_attachment(m, i);
		g_string_append_printf(out, zh ? "  %s（%s，%zu 字节）\n" : "  %s (%s, %zu bytes)\n",
				       *a->filename ? a->filename : "-", a->content_type,
				       g_bytes_get_size(a->data));
	}
	return g_string_free(out, FALSE);
}

/* arrival_a - severity A goes to the leadership at once (DOMAIN.md: within
 * one hour), recorded as escalation "arrival" at the top level. */
static int arrival_a(const struct workflow_ctx *x, const struct wf_view *v, const char *text,
		     GError **err)
{
	unsigned top = G_N_ELEMENTS(x->cfg->escalation);
	char *rcpt = sla_ladder(x->cfg, top);
	if (!rcpt)
		return 0;
	int rc = store_escalation_add(x->store, v->id, "arrival", top, rcpt, x->now, err);
	const char *lang = x->cfg->staff_lang;
	for (char **to = x->cfg->escalation[top - 1]; rc == 1 && *to; to++) {
		GHashTable *vars = wf_vars_new(x, v, lang);
		g_hash_table_insert(vars, "text", g_strdup(text));
		g_hash_table_insert(vars, "level", g_strdup_printf("%u", top));
		g_hash_table_insert(vars, "reason", g_strdup(g_strcmp0(lang, "en")
			? "为 A 级投诉，按规定立即上报领导小组"
			: "is of severity A and is reported to the leadership at once"));
		struct wf_outmail o = { .kind = "escalation", .tmpl = "escalate", .lang = lang,
				     .to = *to, .ref = v->ref, .complaint_id = v->id, .vars = vars,
				     .to_staff = true };
		rc = wf_queue(x, &o, err) < 0 ? -1 : 1;
		g_hash_table_unref(vars);
	}
	g_free(rcpt);
	if (rc < 0)
		return -1;
	return store_add_event(x->store, v->id, x->now, "", "escalated",
			       "arrival: severity A to the leadership", err);
}

int workflow_opened(const struct workflow_ctx *x, uint64_t id, const char *ref,
		    const struct message *m, uint64_t msg_row, const struct verdict *v,
		    const struct store_case_plan *plan, GError **err)
{
	struct wf_view w = {
		.id = id, .ref = ref, .category = verdict_category(v),
		.customer_name = msg_from_name(m), .customer_addr = msg_from_addr(m),
		.subject = msg_subject(m), .lang = msg_lang(m), .department = plan->department,
		.severity = verdict_severity(v), .received = x->now, .due = plan->due,
		.channel = msg_channel_name(msg_channel(m)), .taken_by = msg_field(m, "taken_by"),
		.customer_phone = msg_field(m, "phone"),
	};
	const char *lang = x->cfg->staff_lang;
	if (plan->department) {
		GHashTable *vars = wf_vars_new(x, &w, lang);
		g_hash_table_insert(vars, "text", g_strdup(msg_text(m)));
		g_hash_table_insert(vars, "rules", rules_text(v, lang));
		g_hash_table_insert(vars, "attachments", attachments_text(m, lang));
		struct store_facts facts = { 0 };
		casefacts_collect(m, v, &facts);
		g_hash_table_insert(vars, "facts", casefacts_text(&facts, !g_strcmp0(lang, "en")));
		store_facts_clear(&facts);
		if (!msg_from_addr(m))
			g_hash_table_insert(vars, "no_email", g_strdup("1"));
		struct wf_outmail o = { .kind = "notify", .tmpl = "notify", .lang = lang,
				     .to = plan->department, .ref = ref, .complaint_id = id,
				     .vars = vars, .attach = m, .to_staff = true,
				     .text_row = msg_row };
		int rc = wf_queue(x, &o, err);
		g_hash_table_unref(vars);
		if (rc < 0 || store_add_event(x->store, id, x->now, "", "notified",
					      plan->department, err) < 0)
			return -1;
	}
	if (w.severity == 'A')
		return arrival_a(x, &w, msg_text(m), err);
	return 0;
}

/* ---- follow-ups ------------------------------------------------------------------ */

/* tell_handler - mail about case c to whoever handles it now (its assignee,
 * else its department) with template tmpl; nothing when neither is set.
 * Anything but a notification answers the last notification that address
 * got about c, so that the staff's mail client shows the complaint as one
 * thread. */
static int wf_tell_handler(const struct workflow_ctx *x, const struct store_case *c,
			   const char *kind, const char *tmpl, const char *text,
			   const struct message *attach, GError **err)
{
	const char *to = c->assignee && *c->assignee ? c->assignee : c->department;
	if (!to || !*to)
		return 0;
	char *parent = NULL;
	if (strcmp(kind, "notify") &&
	    store_outbox_last_to(x->store, c->id, "notify", to, &parent, err) < 0)
		return -1;
	struct wf_view v;
	wf_view_of_case(&v, c);
	GHashTable *vars = wf_vars_new(x, &v, x->cfg->staff_lang);
	g_hash_table_insert(vars, "text", g_strdup(text ? text : ""));
	if (attach)
		g_hash_table_insert(vars, "attachments", attachments_text(attach, x->cfg->staff_lang));
	/* a complaint handed over (#assign): the new handler sees its facts too */
	struct store_facts facts = { 0 };
	if (!strcmp(tmpl, "notify") && store_facts_get(x->store, c->id, &facts, err) < 0) {
		g_hash_table_unref(vars);
		g_free(parent);
		return -1;
	}
	g_hash_table_insert(vars, "facts", casefacts_text(&facts, !g_strcmp0(x->cfg->staff_lang, "en")));
	store_facts_clear(&facts);
	struct wf_outmail o = { .kind = kind, .tmpl = tmpl, .lang = x->cfg->staff_lang, .to = to,
			     .ref = c->ref, .complaint_id = c->id, .vars = vars, .attach = attach,
			     .in_reply_to = parent, .to_staff = true };
	int rc = wf_queue(x, &o, err);
	g_hash_table_unref(vars);
	g_free(parent);
	return rc;
}

/* survey_reply - m answers c's open satisfaction survey with a rating or
 * with "not satisfied": 1 taken as the answer, 0 an ordinary follow-up. */
static int survey_reply(const struct workflow_ctx *x, const struct store_case *c,
			const struct message *m, GError **err)
{
	uint64_t sid = 0;
	int rc = store_survey_open(x->store, c->id, &sid, err);
	if (rc <= 0)
		return rc;
	char *fresh = replytext_fresh(msg_text(m), strlen(msg_text(m)));
	unsigned rating = 0;
	bool unhappy = false;
	rc = 0;
	if (survey_parse_reply(fresh, &rating, &unhappy))
		rc = survey_answer(x, sid, rating, unhappy, g_strstrip(fresh), "mail", err) < 0 ? -1 : 1;
	g_free(fresh);
	return rc;
}

static int followup_classified(const struct workflow_ctx *x, struct store_case *c,
			       const struct message *m, const struct verdict *v, GError **err);

int workflow_followup(const struct workflow_ctx *x, const struct workflow_match *mt,
		      struct message *m, const struct verdict *v, uint64_t *row,
		      GError **err)
{
	struct store_case *c = NULL;
	if (store_add_message(x->store, mt->complaint_id, m, "in", x->now, false, row, err) < 0 ||
	    store_case_get(x->store, mt->complaint_id, NULL, &c, err) < 0)
		return -1;
	/* first, so that whoever is told below reads the new severity */
	int rc = followup_classified(x, c, m, v, err);
	if (rc < 0) {
		store_case_free(c);
		return -1;
	}
	if (mt->reopen) {
		rc = survey_reply(x, c, m, err);
		if (rc != 0) {
			if (rc == 1)
				rc = store_add_event(x->store, c->id, x->now, msg_from_addr(m),
						     "customer_message", msg_subject(m), err);
			store_case_free(c);
			return rc < 0 ? -1 : 0;
		}
	}
	if (mt->reopen) {
		struct store_case_change ch = { .status = "reopened" };
		char *detail = g_strdup_printf("%s -> reopened by a follow-up", c->status);
		rc = store_case_update(x->store, c->id, &ch, x->now, err);
		int64_t due[STORE_DUE_COUNT];
		sla_plan(x->cfg, x->cal, c->severity, x->now, due);
		if (rc == 0)
			rc = store_case_reopened(x->store, c->id, due[STORE_DUE_HANDLING],
						 due[STORE_DUE_CLOSURE], err);
		c->due[STORE_DUE_HANDLING] = due[STORE_DUE_HANDLING];
		c->due[STORE_DUE_CLOSURE] = due[STORE_DUE_CLOSURE];
		if (rc == 0)
			rc = store_add_event(x->store, c->id, x->now, msg_from_addr(m), "reopened",
					     detail, err);
		g_free(detail);
		g_free(c->status);
		c->status = g_strdup("reopened");
	}
	if (rc == 0)
		rc = store_add_event(x->store, c->id, x->now, msg_from_addr(m), "customer_message",
				     msg_subject(m), err);
	if (rc == 0)
		rc = wf_tell_handler(x, c, "followup", "followup", msg_text(m), m, err);
	log_info("follow-up ref=%s from=%s%s", c->ref, log_addr(msg_from_addr(m)),
		 mt->reopen ? " reopened" : "");
	store_case_free(c);
	return rc;
}

/* ---- staff replies ------------------------------------------------------------------ */

static int refuse(const struct workflow_ctx *x, const struct store_case *c,
		  const struct message *m, const struct staffcmd_result *res, GError **err)
{
	char *errors = g_strjoinv("\n", res->errors);
	struct wf_view v;
	wf_view_of_case(&v, c);
	const char *lang = x->cfg->staff_lang;
	GHashTable *vars = wf_vars_new(x, &v, lang);
	g_hash_table_insert(vars, "errors", g_strdup(errors));
	struct wf_outmail o = { .kind = "staff_error", .tmpl = "staff_error", .lang = lang,
			     .to = msg_from_addr(m), .ref = c->ref, .complaint_id = c->id,
			     .vars = vars, .in_reply_to = msg_message_id(m), .to_staff = true,
			     .auto_replied = true };
	int rc = wf_queue(x, &o, err);
	if (rc == 0)
		rc = store_add_event(x->store, c->id, x->now, msg_from_addr(m),
				     "commands_refused", errors, err);
	log_info("staff reply refused ref=%s from=%s errors=%u", c->ref, log_addr(msg_from_addr(m)),
		 res->n_errors);
	g_hash_table_unref(vars);
	g_free(errors);
	return rc;
}

/* upgraded_to_a - staff (or a follow-up, whose text goes along) judged a
 * complaint severity A: it runs against the A plan deadline from now and
 * goes to the leadership at once, as if it had arrived so (once: the
 * arrival escalation is recorded). */
static int upgraded_to_a(const struct workflow_ctx *x, struct store_case *c, const char *text,
			 GError **err)
{
	c->due[STORE_DUE_PLAN] = x->now + x->cfg->due_a_plan;
	/* a plan made for B does not meet A's: that one comes from the crisis
	 * team or the leadership (paths.h) */
	if (store_case_set_due(x->store, c->id, STORE_DUE_PLAN, c->due[STORE_DUE_PLAN], err) < 0 ||
	    store_plan_void(x->store, c->id, err) < 0)
		return -1;
	struct wf_view v;
	wf_view_of_case(&v, c);
	v.severity = 'A';
	return arrival_a(x, &v, text, err);
}

/* ---- follow-ups classified ------------------------------------------------------- */

/* effect_has - does a rule's effect ("quality+3 severity>=A route=legal")
 * hold a word starting with prefix? */
static bool effect_has(const char *effect, const char *prefix)
{
	size_t n = strlen(prefix);
	for (const char *p = effect; p && *p; p = strchr(p, ' ')) {
		p += *p == ' ';
		if (!strncmp(p, prefix, n))
			return true;
	}
	return false;
}

/* append_causes - " by rule X (match)" or " by rules X (..), Y (..)": the
 * hits of v whose effect holds prefix, i.e. the rules that made the change. */
static void append_causes(GString *out, const struct verdict *v, const char *prefix)
{
	GString *list = g_string_new(NULL);
	unsigned n = 0;
	for (unsigned i = 0; i < verdict_hit_count(v); i++) {
		const struct rule_hit *h = verdict_hit(v, i);
		if (!effect_has(h->effect, prefix))
			continue;
		g_string_append_printf(list, "%s%s", n++ ? ", " : "", h->rule);
		if (h->match)
			g_string_append_printf(list, " (%s)", h->match);
	}
	if (n)
		g_string_append_printf(out, " by rule%s %s", n > 1 ? "s" : "", list->str);
	g_string_free(list, TRUE);
}

/* reclassify - what v may change in c: a higher severity (A < B < C),
 * a category for "other"; never a field staff decided. *detail says what
 * and which rules, NULL when nothing changes. */
static void reclassify(const struct store_case *c, const struct verdict *v, char *severity,
		       const char **category, char **detail)
{
	*severity = 0;
	*category = NULL;
	if (!(c->staff_decided & STORE_DECIDED_SEVERITY) && verdict_severity(v) < c->severity)
		*severity = verdict_severity(v);
	if (!(c->staff_decided & STORE_DECIDED_CATEGORY) && !strcmp(c->category, "other") &&
	    strcmp(verdict_category(v), "other"))
		*category = verdict_category(v);
	GString *d = g_string_new(NULL);
	if (*severity) {
		char *floor = g_strdup_printf("severity>=%c", *severity);
		g_string_append_printf(d, "severity %c -> %c", c->severity, *severity);
		append_causes(d, v, floor);
		g_free(floor);
	}
	if (*category) {
		char *score = g_strdup_printf("%s+", *category);
		g_string_append_printf(d, "%scategory %s -> %s", d->len ? "; " : "", c->category,
				       *category);
		append_causes(d, v, score);
		g_free(score);
	}
	*detail = g_string_free(d, d->len == 0);
}

/* followup_classified - record the verdict v on the customer's follow-up m
 * and let it raise c (updated in place); a raise to A takes the A path. */
static int followup_classified(const struct workflow_ctx *x, struct store_case *c,
			       const struct message *m, const struct verdict *v, GError **err)
{
	if (!v)
		return 0;
	char *verdict = g_strdup_printf("category=%s severity=%c", verdict_category(v),
					verdict_severity(v));
	int rc = store_add_event(x->store, c->id, x->now, msg_from_addr(m), "classified",
				 verdict, err);
	g_free(verdict);
	char severity;
	const char *category;
	char *detail = NULL;
	reclassify(c, v, &severity, &category, &detail);
	if (rc == 0 && detail)
		rc = store_case_reclassify(x->store, c->id, c->category, c->severity, category,
					   severity, x->now, err);
	if (rc == 1) {
		log_info("reclassified ref=%s by a follow-up: %s", c->ref, detail);
		rc = store_add_event(x->store, c->id, x->now, "", "reclassified", detail, err);
		if (category) {
			g_free(c->category);
			c->category = g_strdup(category);
		}
		/* the same path as a staff "#severity A": leadership and plan */
		if (rc == 0 && severity == 'A')
			rc = upgraded_to_a(x, c, msg_text(m), err);
		if (severity)
			c->severity = severity;
	}
	g_free(detail);
	return rc < 0 ? -1 : 0;
}

/* outcome - the outcome commands of res (#valid, #responsible, #cause,
 * #compensation) recorded for c, with one "outcome" event that says what
 * was decided: the history names who and when. */
static int outcome(const struct workflow_ctx *x, const struct store_case *c, const char *actor,
		   const struct staffcmd_result *res, GError **err)
{
	struct store_outcome_change ch = { .valid = STORE_VALID_UNSET };
	/* what for the history; logged for the log, without the free texts of
	 * #cause and #compensation, which may name the customer ([daemon]
	 * log_pii keeps customers out of info lines) */
	GString *what = g_string_new(NULL), *logged = g_string_new(NULL);
	const struct staffcmd *cmd;
	if ((cmd = staffcmd_find(res, STAFFCMD_VALID))) {
		ch.valid = !strcmp(cmd->arg, "yes") ? STORE_VALID_YES : STORE_VALID_NO;
		g_string_append_printf(what, "valid %s; ", cmd->arg);
	}
	if ((cmd = staffcmd_find(res, STAFFCMD_RESPONSIBLE))) {
		ch.responsible = cmd->arg;
		g_string_append_printf(what, "responsible %s; ", cmd->arg);
	}
	g_string_append(logged, what->str);
	if ((cmd = staffcmd_find(res, STAFFCMD_CAUSE))) {
		ch.cause = cmd->arg;
		g_string_append_printf(what, "cause %s; ", cmd->arg);
		g_string_append(logged, "cause given; ");
	}
	int rc = 0;
	if (what->len)
		rc = store_outcome_set(x->store, c->id, &ch, actor, x->now, err);
	if (rc == 0 && (cmd = staffcmd_find(res, STAFFCMD_COMPENSATION))) {
		rc = store_outcome_compensate(x->store, c->id, cmd->amount_cents, cmd->currency,
					      cmd->arg, actor, x->now, err);
		g_string_append_printf(what, "compensation %" G_GINT64_FORMAT ".%02d %s%s%s; ",
				       cmd->amount_cents / 100, (int)(cmd->amount_cents % 100),
				       cmd->currency, *cmd->arg ? " " : "", cmd->arg);
		g_string_append_printf(logged, "compensation %" G_GINT64_FORMAT ".%02d %s; ",
				       cmd->amount_cents / 100, (int)(cmd->amount_cents % 100),
				       cmd->currency);
	}
	if (rc == 0 && what->len) {
		g_string_truncate(what, what->len - 2);
		g_string_truncate(logged, logged->len - 2);
		rc = store_add_event(x->store, c->id, x->now, actor, "outcome", what->str, err);
		log_info("staff outcome ref=%s from=%s: %s", c->ref, actor, logged->str);
	}
	g_string_free(what, TRUE);
	g_string_free(logged, TRUE);
	return rc;
}

/* apply - the valid commands of res to c, one event each; what changed
 * reaches c too (the relay reads it). *resolved tells that #status
 * resolved was applied: the caller sends the resolution mail, after the
 * answer of the same reply. */
static int apply(const struct workflow_ctx *x, struct store_case *c, const char *actor,
		 const struct staffcmd_result *res, bool *resolved, GError **err)
{
	*resolved = false;
	struct store_case_change ch = { 0 };
	GString *what = g_string_new(NULL);
	const struct staffcmd *cmd;
	if ((cmd = staffcmd_find(res, STAFFCMD_STATUS))) {
		ch.status = cmd->arg;
		g_string_append_printf(what, "status %s -> %s; ", c->status, cmd->arg);
	}
	if ((cmd = staffcmd_find(res, STAFFCMD_SEVERITY))) {
		ch.severity = cmd->arg[0];
		g_string_append_printf(what, "severity %c -> %s; ", c->severity, cmd->arg);
	}
	if ((cmd = staffcmd_find(res, STAFFCMD_ESCALATE))) {
		/* one level up takes the path of #severity (paths_check refused A) */
		ch.severity = paths_severity_after(c, res);
		g_string_append_printf(what, "escalated %c -> %c: %s; ", c->severity, ch.severity,
				       cmd->arg);
	}
	if ((cmd = staffcmd_find(res, STAFFCMD_CATEGORY))) {
		ch.category = cmd->arg;
		g_string_append_printf(what, "category %s -> %s; ", c->category, cmd->arg);
	}
	if ((cmd = staffcmd_find(res, STAFFCMD_ASSIGN))) {
		ch.assignee = cmd->arg;
		g_string_append_printf(what, "assigned to %s; ", cmd->arg);
	}
	int rc = outcome(x, c, actor, res, err);
	if (rc == 0 && what->len) {
		g_string_truncate(what, what->len - 2);
		rc = store_case_update(x->store, c->id, &ch, x->now, err);
		if (rc == 0)
			rc = store_add_event(x->store, c->id, x->now, actor, "commands", what->str,
					     err);
		log_info("staff commands ref=%s from=%s: %s", c->ref, actor, what->str);
	}
	if (rc == 0 && ch.status) {
		g_free(c->status);
		c->status = g_strdup(ch.status);
		*resolved = !strcmp(ch.status, "resolved");
	}
	if (rc == 0 && ch.severity == 'A' && c->severity != 'A')
		rc = upgraded_to_a(x, c, "", err);
	if (rc == 0 && ch.severity)
		c->severity = ch.severity;
	if (rc == 0)
		rc = paths_apply(x, c, actor, res, err);
	if (rc == 0 && ch.assignee) {
		/* the colleague gets the notification the department got */
		g_free(c->assignee);
		c->assignee = g_strdup(ch.assignee);
		rc = wf_tell_handler(x, c, "notify", "notify", "", NULL, err);
	}
	g_string_free(what, TRUE);
	return rc;
}

/* relay - the staff's words to the customer, from the company, in the
 * customer's thread; the staff address appears nowhere in it. */
static int relay(const struct workflow_ctx *x, struct store_case *c, const char *actor,
		 const char *text, GError **err)
{
	struct wf_view v;
	wf_view_of_case(&v, c);
	const char *lang = !g_strcmp0(c->lang, "en") ? "en" : "zh";
	GHashTable *vars = wf_vars_new(x, &v, lang);
	g_hash_table_insert(vars, "staff_text", g_strdup(text));
	struct wf_outmail o = { .kind = "relay", .tmpl = "relay", .lang = lang,
			     .to = c->customer_addr, .ref = c->ref, .complaint_id = c->id,
			     .vars = vars, .in_reply_to = c->last_in_message_id,
			     .references = c->thread_ids };
	int rc = wf_queue(x, &o, err);
	g_hash_table_unref(vars);
	char *excerpt = g_utf8_substring(text, 0, MIN(g_utf8_strlen(text, -1), 200));
	if (rc == 0)
		rc = store_add_event(x->store, c->id, x->now, actor, "staff_reply", excerpt, err);
	g_free(excerpt);
	if (rc == 0 && (!strcmp(c->status, "new") || !strcmp(c->status, "acknowledged") ||
			!strcmp(c->status, "reopened"))) {
		/* an answer under way: the complaint is being handled */
		struct store_case_change ch = { .status = "in_progress" };
		rc = store_case_update(x->store, c->id, &ch, x->now, err);
	}
	return rc;
}

/* relay_once - relay text unless the same text (blanks aside) was relayed
 * for c before: a reply sent again with a new Message-ID, or replayed by
 * someone who has it, reaches the customer once. */
static int relay_once(const struct workflow_ctx *x, struct store_case *c, const char *actor,
		      const char *text, bool *sent, GError **err)
{
	char **words = g_strsplit_set(text, " \t\r\n", -1);
	GString *norm = g_string_new(NULL);
	for (char **w = words; *w; w++)
		if (**w)
			g_string_append_printf(norm, "%s%s", norm->len ? " " : "", *w);
	g_strfreev(words);
	char *sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256, norm->str, (gssize)norm->len);
	g_string_free(norm, TRUE);
	int rc = store_relay_first(x->store, c->id, sum, x->now, err);
	g_free(sum);
	*sent = rc == 1;
	if (rc == 1)
		return relay(x, c, actor, text, err);
	if (rc == 0) {
		log_info("staff reply ref=%s from=%s: this text was relayed before, not again",
			 c->ref, actor);
		rc = store_add_event(x->store, c->id, x->now, actor, "staff_reply_repeated",
				     "relayed before: not sent again", err);
	}
	return rc;
}

/* assign_outsider - #assign names an address [staff] does not list: an
 * error like a malformed command, so that nothing of the reply applies
 * (a complaint, with the customer's data, never goes outside). */
static void assign_outsider(const struct workflow_ctx *x, struct staffcmd_result *res)
{
	const struct staffcmd *cmd = staffcmd_find(res, STAFFCMD_ASSIGN);
	if (!cmd || config_is_staff(x->cfg, cmd->arg))
		return;
	guint n = g_strv_length(res->errors);
	res->errors = g_renew(char *, res->errors, n + 2);
	res->errors[n] = g_strcmp0(x->cfg->staff_lang, "en")
		? g_strdup_printf("#assign %s：不是员工地址（只能转交给登记的员工地址"
				  "或员工域名下的地址）", cmd->arg)
		: g_strdup_printf("#assign %s: not a staff address ([staff] addresses or "
				  "domains)", cmd->arg);
	res->errors[n + 1] = NULL;
	res->n_errors++;
}

/* away - staff mail that only says its writer is away: no command in it,
 * and a subject that reads like an out-of-office reply (none answering the
 * notification keeps its "Re:"). Those with the headers that say so never
 * get here (machine mail). */
static bool away(const struct staffcmd_result *res, const struct message *m)
{
	return !res->n_cmds && !res->n_errors && !res->note && !res->internal &&
	       mime_subject_says_away(msg_subject(m));
}

int workflow_staff(const struct workflow_ctx *x, const struct workflow_match *mt,
		   struct message *m, uint64_t *row, GError **err)
{
	msg_add_flags(m, MSG_F_STAFF);
	const char *actor = msg_from_addr(m);
	char *fresh = replytext_fresh(msg_text(m), strlen(msg_text(m)));
	struct staffcmd_result res;
	staffcmd_parse_lang(fresh, x->cfg->staff_lang, &res);
	assign_outsider(x, &res);
	/* an out-of-office reply to the notification, whose program marks it
	 * as nothing: the customer must not get it (noted before it is stored) */
	bool is_away = away(&res, m);
	if (is_away)
		msg_add_note(m, "staff mail looks like an out-of-office reply: not relayed");
	struct store_case *c = NULL;
	if (store_add_message(x->store, mt->complaint_id, m, "in", x->now, false, row, err) < 0 ||
	    store_case_get(x->store, mt->complaint_id, NULL, &c, err) < 0) {
		staffcmd_result_clear(&res);
		g_free(fresh);
		return -1;
	}
	if (!res.n_errors)
		paths_check(x, c, actor, &res);
	int rc;
	if (is_away) {
		log_info("staff reply ref=%s from=%s looks like an out-of-office reply (subject):"
			 " kept, not relayed", c->ref, actor);
		rc = store_add_event(x->store, c->id, x->now, actor, "note",
				     "out-of-office reply, not relayed", err);
	} else if (res.n_errors) {
		rc = refuse(x, c, m, &res, err);
	} else {
		bool resolved = false, sent = false;
		rc = apply(x, c, actor, &res, &resolved, err);
		bool text = !res.internal && res.text && *g_strstrip(res.text);
		if (rc == 0 && res.note)
			rc = store_add_event(x->store, c->id, x->now, actor, "note", res.text, err);
		else if (rc == 0 && text)
			rc = relay_once(x, c, actor, res.text, &sent, err);
		/* the feedback is the result: an answer with or after the
		 * resolution; to a customer with no address (taken by phone, at
		 * the counter) the handler gives it in person, so resolving it
		 * is the record that the result was given */
		bool in_person = !c->customer_addr || !*c->customer_addr;
		if (rc == 0 && (sent || (in_person && staffcmd_find(&res, STAFFCMD_STATUS))) &&
		    (!strcmp(c->status, "resolved") || !strcmp(c->status, "closed")))
			rc = store_case_result_sent(x->store, c->id, x->now, err);
		/* queued after the answer, so that the customer reads the answer
		 * first and then that the complaint is settled: the sender sends
		 * in the order mails were queued */
		if (rc == 0 && resolved)
			rc = survey_resolved(x, c, err);
		if (rc == 0 && (res.note || text || res.n_cmds))
			rc = store_case_answered(x->store, c->id, text, x->now, err);
		log_info("staff reply ref=%s from=%s %s", c->ref, actor,
			 res.internal ? "internal" : text ? "relayed" : "commands only");
	}
	staffcmd_result_clear(&res);
	g_free(fresh);
	store_case_free(c);
	return rc;
}

int workflow_unverified(const struct workflow_ctx *x, const struct workflow_match *mt,
			struct message *m, uint64_t *row, const char *other_route,
			GError **err)
{
	msg_add_flags(m, MSG_F_UNVERIFIED_STAFF);
	const char *reason = workflow_unverified_reason(mt->why, "en");
	msg_add_note(m, "staff mail not verified: %s", reason);
	if (store_add_message(x->store, mt->complaint_id, m, "in", x->now, false, row, err) < 0)
		return -1;
	struct store_case *c = NULL;
	if (mt->complaint_id && store_case_get(x->store, mt->complaint_id, NULL, &c, err) < 0)
		return -1;
	const char *to = c && c->department && *c->department ? c->department
			 : config_route(x->cfg, other_route, "other");
	log_warn("unverified staff mail from=%s ref=%s: %s", msg_from_addr(m),
		 c ? c->ref : "-", reason);
	int rc = 0;
	if (c)
		rc = store_add_event(x->store, c->id, x->now, msg_from_addr(m), "unverified_staff_mail",
				     reason, err);
	unsigned recent = 0;
	if (rc == 0 && to)
		rc = store_count_outbox_since(x->store, to, "staff_alert", x->now - 3600, &recent, err);
	if (rc == 0 && to && recent < ALERTS_PER_HOUR) {
		struct wf_view v = { .ref = c ? c->ref : NULL };
		if (c)
			wf_view_of_case(&v, c);
		v.department = to;
		v.customer_addr = msg_from_addr(m);  /* the template names the sender so */
		v.subject = msg_subject(m);
		v.received = x->now;
		int64_t none[STORE_DUE_COUNT] = { 0 };
		if (!c)
			v.due = none;
		const char *lang = x->cfg->staff_lang;
		GHashTable *vars = wf_vars_new(x, &v, lang);
		if (!c)
			g_hash_table_insert(vars, "ref", g_strdup(""));
		g_hash_table_insert(vars, "text", g_strdup(msg_text(m)));
		g_hash_table_insert(vars, "reason", g_strdup(workflow_unverified_reason(mt->why,
											 lang)));
		struct wf_outmail o = { .kind = "staff_alert", .tmpl = "staff_alert", .lang = lang,
				     .to = to, .ref = c ? c->ref : NULL,
				     .complaint_id = c ? c->id : 0, .vars = vars, .to_staff = true };
		rc = wf_queue(x, &o, err);
		g_hash_table_unref(vars);
	}
	store_case_free(c);
	return rc;
}

/* ---- escalations ------------------------------------------------------------------ */

int workflow_escalate(const struct workflow_ctx *x, uint64_t id, enum store_deadline d,
		      unsigned level, GError **err)
{
	char *rcpt = sla_ladder(x->cfg, level);
	int rc = store_escalation_add(x->store, id, store_deadline_name(d), level,
				      rcpt ? rcpt : "", x->now, err);
	struct store_case *c = NULL;
	if (rc == 1 && store_case_get(x->store, id, NULL, &c, err) < 0)
		rc = -1;
	const char *lang = x->cfg->staff_lang;
	for (char **to = x->cfg->escalation[level - 1]; rc == 1 && c && to && *to; to++) {
		struct wf_view v;
		wf_view_of_case(&v, c);
		GHashTable *vars = wf_vars_new(x, &v, lang);
		char *due = calendar_format_time_lang(x->cal, c->due[d], lang);
		g_hash_table_insert(vars, "level", g_strdup_printf("%u", level));
		g_hash_table_insert(vars, "reason", g_strcmp0(lang, "en")
			? g_strdup_printf("“%s”时限（%s）已过，尚未完成", sla_deadline_label(d, lang), due)
			: g_strdup_printf("the deadline for %s (%s) has passed",
					  sla_deadline_label(d, lang), due));
		g_hash_table_insert(vars, "text", g_strdup(""));
		struct wf_outmail o = { .kind = "escalation", .tmpl = "escalate", .lang = lang, .to = *to,
				     .ref = c->ref, .complaint_id = id, .vars = vars, .to_staff = true };
		if (wf_queue(x, &o, err) < 0)
			rc = -1;
		g_free(due);
		g_hash_table_unref(vars);
	}
	if (rc == 1) {
		char *detail = g_strdup_printf("%s overdue: level %u%s%s", store_deadline_name(d),
					       level, rcpt ? " to " : " (no one at this level)",
					       rcpt ? rcpt : "");
		if (store_add_event(x->store, id, x->now, "", "escalated", detail, err) < 0)
			rc = -1;
		log_info("escalated ref=%s deadline=%s level=%u rcpt=%s", c ? c->ref : "-",
			 store_deadline_name(d), level, rcpt ? rcpt : "-");
		g_free(detail);
	}
	store_case_free(c);
	g_free(rcpt);
	return rc;
}
