/* wfmail - the workflow's mail writing: a complaint as templates see it,
 * and one mail rendered and queued. */
#include "workflow/wfmail.h"

#include <string.h>

#include "workflow/calendar.h"
#include "lib/config.h"
#include "lib/log.h"
#include "mail/mailout.h"
#include "workflow/sla.h"
#include "lib/stafftoken.h"
#include "mail/template.h"

const char *wf_category_label(const char *category, const char *lang)
{
	static const char *const names[][3] = {
		{ "quality", "产品质量", "product quality" },
		{ "service", "服务质量", "service" },
		{ "price", "价格", "price" },
		{ "infringement", "侵权", "infringement" },
		{ "other", "其他", "other" },
	};
	bool en = !g_strcmp0(lang, "en");
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
		if (!g_strcmp0(category, names[i][0]))
			return names[i][en ? 2 : 1];
	return category ? category : "";
}

const char *wf_status_label(const char *status, const char *lang)
{
	static const char *const names[][3] = {
		{ "new", "新投诉", "new" },
		{ "acknowledged", "已受理", "acknowledged" },
		{ "in_progress", "处理中", "in progress" },
		{ "resolved", "已解决", "resolved" },
		{ "closed", "已结案", "closed" },
		{ "reopened", "重新处理", "reopened" },
	};
	bool en = !g_strcmp0(lang, "en");
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
		if (!g_strcmp0(status, names[i][0]))
			return names[i][en ? 2 : 1];
	return status ? status : "";
}

char *wf_customer(const char *name, const char *addr)
{
	bool has_name = name && *name, has_addr = addr && *addr;
	if (has_name && has_addr)
		return g_strdup_printf("%s <%s>", name, addr);
	return g_strdup(has_name ? name : has_addr ? addr : "");
}

static char *format_time(const struct workflow_ctx *x, int64_t t, const char *lang)
{
	return calendar_format_time_lang(x->cal, t, lang);
}

/* ---- the case as mail templates see it ---------------------------------------- */


void wf_view_of_case(struct wf_view *v, const struct store_case *c)
{
	*v = (struct wf_view){
		.id = c->id, .ref = c->ref, .category = c->category,
		.customer_name = c->customer_name, .customer_addr = c->customer_addr,
		.subject = c->subject, .lang = c->lang, .department = c->department,
		.status = c->status, .severity = c->severity, .received = c->created_at,
		.due = c->due, .channel = c->channel, .taken_by = c->taken_by,
		.customer_phone = c->customer_phone,
	};
}

/* pad - s and spaces up to width terminal columns (Han characters take
 * two), so that columns line up in a mail client's fixed font too. */
static void pad(GString *out, const char *s, unsigned width)
{
	unsigned cols = 0;
	for (const char *p = s; *p; p = g_utf8_next_char(p))
		cols += g_unichar_iswide(g_utf8_get_char(p)) ? 2 : 1;
	g_string_append(out, s);
	while (cols++ < width)
		g_string_append_c(out, ' ');
}

static char *deadlines_text(const struct workflow_ctx *x, const int64_t *due, const char *lang)
{
	GString *out = g_string_new(NULL);
	for (unsigned d = 0; d < STORE_DUE_COUNT; d++) {
		if (!due[d])
			continue;
		char *t = format_time(x, due[d], lang);
		g_string_append(out, "  ");
		pad(out, sla_deadline_label(d, lang), 28);
		g_string_append_printf(out, " %s\n", t);
		g_free(t);
	}
	return g_string_free(out, FALSE);
}

static const char *commands_help(const char *lang)
{
	if (g_strcmp0(lang, "en"))
		return "  #status in_progress|resolved|closed   更改状态（处理中|已解决|已结案）\n"
		       "  #severity A|B|C                       更改等级\n"
		       "  #category quality|service|price|infringement|other\n"
		       "                                        更改类别（产品质量|服务质量|价格|侵权|其他）\n"
		       "  #assign 同事@公司域名                  转交同事处理\n"
		       "  #note 内部备注                         本次回复只作内部备注，不转给客户\n"
		       "  #valid yes|no                         判定有效|无效投诉\n"
		       "  #responsible 责任部门、门店或人员      记录责任单位\n"
		       "  #compensation 金额 币种 说明           记录赔偿，例如 #compensation 200 元 换新\n"
		       "  #cause 原因                            记录投诉的根本原因\n"
		       "  #plan 处理方案                         提交处理方案（B 级须经审批；A 级由危机小组或领导小组提出）\n"
		       "  #approve [意见]                        审批人批准处理方案\n"
		       "  #reject 理由                           审批人驳回处理方案\n"
		       "  #report 调查报告                       提交调查报告\n"
		       "  #escalate 理由                         把等级提高一级（C→B，B→A）\n";
	return "  #status in_progress|resolved|closed   change the status\n"
	       "  #severity A|B|C                       change the severity\n"
	       "  #category quality|service|price|infringement|other\n"
	       "  #assign colleague@company             hand the complaint over\n"
	       "  #note text                            an internal note: nothing goes to the customer\n"
	       "  #valid yes|no                         a valid or an invalid complaint\n"
	       "  #responsible department|store|person  the unit answerable for it\n"
	       "  #compensation AMOUNT CURRENCY text    a compensation, e.g. #compensation 200 CNY new pair\n"
	       "  #cause text                           the root cause\n"
	       "  #plan text                            the handling plan (B: needs an approver; A: by\n"
	       "                                        the crisis team or the leadership)\n"
	       "  #approve [comment]                    an approver approves the plan\n"
	       "  #reject reason                        an approver rejects the plan\n"
	       "  #report text                          the investigation report\n"
	       "  #escalate reason                      one severity level up (C to B, B to A)\n";
}

/* intake_text - "电话 · 由 a@shop 受理" / "phone, taken by a@shop" for a
 * complaint staff took down; "" for mail and the form, which came by
 * themselves. */
static char *intake_text(const struct wf_view *v, const char *lang)
{
	static const char *const labels[][3] = {
		{ "phone", "电话", "phone" }, { "counter", "柜台", "counter" },
		{ "wechat", "微信", "WeChat" }, { "letter", "信件", "letter" },
		{ "other", "其他", "other" },
	};
	if (!v->taken_by || !*v->taken_by)
		return g_strdup("");
	bool en = !g_strcmp0(lang, "en");
	const char *label = v->channel ? v->channel : "";
	for (size_t i = 0; i < G_N_ELEMENTS(labels); i++)
		if (!g_strcmp0(v->channel, labels[i][0]))
			label = labels[i][en ? 2 : 1];
	return en ? g_strdup_printf("%s, taken by %s", label, v->taken_by)
		  : g_strdup_printf("%s · 由 %s 受理", label, v->taken_by);
}

/* vars_new - the variables every staff template knows, for view v in
 * lang; values owned by the table. */
GHashTable *wf_vars_new(const struct workflow_ctx *x, const struct wf_view *v, const char *lang)
{
	GHashTable *h = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
	char sev[2] = { v->severity, 0 };
	g_hash_table_insert(h, "ref", g_strdup(v->ref));
	g_hash_table_insert(h, "severity", g_strdup(sev));
	g_hash_table_insert(h, "category", g_strdup(v->category));
	g_hash_table_insert(h, "category_label", g_strdup(wf_category_label(v->category, lang)));
	g_hash_table_insert(h, "customer_name", g_strdup(v->customer_name ? v->customer_name : ""));
	g_hash_table_insert(h, "customer_addr", g_strdup(v->customer_addr ? v->customer_addr : ""));
	g_hash_table_insert(h, "subject", g_strdup(v->subject ? v->subject : ""));
	g_hash_table_insert(h, "department", g_strdup(v->department ? v->department : ""));
	g_hash_table_insert(h, "customer", wf_customer(v->customer_name, v->customer_addr));
	g_hash_table_insert(h, "customer_phone", g_strdup(v->customer_phone ? v->customer_phone
							  : ""));
	g_hash_table_insert(h, "intake", intake_text(v, lang));
	g_hash_table_insert(h, "status", g_strdup(v->status ? v->status : "new"));
	g_hash_table_insert(h, "status_label", g_strdup(wf_status_label(v->status ? v->status
									       : "new", lang)));
	g_hash_table_insert(h, "received", format_time(x, v->received, lang));
	g_hash_table_insert(h, "deadlines", deadlines_text(x, v->due, lang));
	g_hash_table_insert(h, "commands", g_strdup(commands_help(lang)));
	g_hash_table_insert(h, "company", g_strdup(x->cfg->company_name));
	g_hash_table_insert(h, "company_from", g_strdup(x->cfg->company_from));
	return h;
}

/* reply_address - the signed Reply-To of mail to staff address rcpt about
 * ref; NULL when staff replies are off (no [staff] secret_file). */
static char *reply_address(const struct workflow_ctx *x, const char *ref, const char *rcpt)
{
	const char *key = x->cfg->staff_secret;
	if (!key)
		return NULL;
	char *tok = stafftoken_mint((const guint8 *)key, strlen(key), ref, rcpt, x->now / 86400);
	char *addr = tok ? stafftoken_address(x->cfg->staff_reply_address, ref, tok) : NULL;
	g_free(tok);
	return addr;
}


/* token_under - what key says of token for ref from the address from. A
 * token made for somebody else cannot be told from a forged one: the MAC
 * covers the recipient. */
static enum wf_token token_under(const struct workflow_ctx *x, const char *key, const char *ref,
				 const char *token, const char *from)
{
	const guint8 *k = (const guint8 *)key;
	int64_t day = -1;
	bool ok = from && stafftoken_verify(k, strlen(key), ref, from, token, &day);
	/* a department address is a shared mailbox: whoever reads it answers
	 * from their own address */
	GHashTableIter it;
	gpointer dept;
	g_hash_table_iter_init(&it, x->cfg->routes);
	while (!ok && g_hash_table_iter_next(&it, NULL, &dept))
		ok = stafftoken_verify(k, strlen(key), ref, dept, token, &day);
	if (!ok)
		return WF_TOKEN_BAD;
	int64_t today = x->now / 86400;
	if (day > today + 1 || (today - day) * 86400 > x->cfg->staff_token_lifetime)
		return WF_TOKEN_EXPIRED;
	return WF_TOKEN_OK;
}

enum wf_token wf_reply_token(const struct workflow_ctx *x, const char *ref, const char *token,
			     const char *from)
{
	const struct config *c = x->cfg;
	if (!c->staff_secret || !ref || !token)
		return WF_TOKEN_BAD;
	enum wf_token r = token_under(x, c->staff_secret, ref, token, from);
	if (r != WF_TOKEN_OK && c->staff_previous_secret && x->now < c->staff_previous_until) {
		enum wf_token p = token_under(x, c->staff_previous_secret, ref, token, from);
		if (r == WF_TOKEN_BAD)
			r = p;
	}
	return r;
}

/* render_marked - t rendered with vars, and where in it vars' "text"
 * went: *at and *len when it went in exactly once (else *len stays 0 and
 * the caller keeps the whole body). A marker no template or customer
 * holds takes the text's place, so the text is never searched for. Only a
 * plain-text template inserts the value as it is, and an empty text would
 * leave out what {{#text}} encloses, which the marker would not. */
static char *render_marked(const struct template *t, GHashTable *vars, size_t *at, size_t *len)
{
	static char marker[48];
	static gsize made;
	if (g_once_init_enter(&made)) {
		g_snprintf(marker, sizeof marker, "\x1e" "complaintd-text-%08x%08x" "\x1e",
			   g_random_int(), g_random_int());
		g_once_init_leave(&made, 1);
	}
	gpointer key = NULL, text = NULL;
	const char *value = g_hash_table_lookup(vars, "text");
	*len = 0;
	if (!value || !*value || template_is_html(t) ||
	    !g_hash_table_steal_extended(vars, "text", &key, &text))
		return template_render(t, vars);
	g_hash_table_insert(vars, key, g_strdup(marker));
	char *marked = template_render(t, vars);
	g_hash_table_insert(vars, key, text);   /* the table frees the marker */
	char *first = strstr(marked, marker);
	if (!first || strstr(first + 1, marker)) {
		g_free(marked);
		return template_render(t, vars);
	}
	*at = (size_t)(first - marked);
	*len = strlen(text);
	GString *body = g_string_new_len(marked, (gssize)*at);
	g_string_append(body, text);
	g_string_append(body, first + strlen(marker));
	g_free(marked);
	return g_string_free(body, FALSE);
}

/* queue - render o's template and put the mail in the outbox. */
int wf_queue(const struct workflow_ctx *x, const struct wf_outmail *o, GError **err)
{
	if (!o->to || !*o->to) {
		/* a customer whose address was erased (complaintctl forget) */
		log_info("no address: mail kind=%s ref=%s not queued", o->kind,
			 o->ref ? o->ref : "-");
		return 0;
	}
	const struct template *t = template_set_get(x->templates, o->tmpl, o->lang);
	if (!t) {
		log_warn("no template %s.%s: mail %s about ref=%s not sent", o->tmpl, o->lang,
			 o->kind, o->ref ? o->ref : "-");
		return 0;
	}
	/* a text cut here is not the message row's: it stays in the row */
	bool cut = wf_cap_text(x, o->vars, o->ref, o->lang);
	char *see = wf_see_note(o->ref, o->lang);
	char *subject = template_render_subject(t, o->vars);
	size_t text_at = 0, text_len = 0;
	char *body = o->text_row && !cut ? render_marked(t, o->vars, &text_at, &text_len)
					 : template_render(t, o->vars);
	char *id = mailout_message_id(o->kind, o->ref, x->cfg->company_from);
	char *reply_to = o->to_staff && o->ref ? reply_address(x, o->ref, o->to) : NULL;
	struct mailout out = {
		.from_addr = x->cfg->company_from, .from_name = x->cfg->company_name,
		.to_addr = o->to, .reply_to = reply_to, .subject = subject, .body = body,
		.message_id = id, .in_reply_to = o->in_reply_to, .references = o->references,
		.attach = o->attach, .max_attach = wf_attach_cap(x), .attach_note = see,
		.lang = o->lang,
		.ref = o->ref, .date = x->now,
		.text_row = text_len ? o->text_row : 0, .text_at = text_at, .text_len = text_len,
		.auto_submitted = o->auto_replied ? "auto-replied"
				  : o->to_staff ? "auto-generated" : NULL,
	};
	GBytes *raw = mailout_outbox_row(&out);
	int rc = store_outbox_add(x->store, o->complaint_id, o->kind, x->cfg->company_from, o->to,
				  id, g_bytes_get_data(raw, NULL), g_bytes_get_size(raw), x->now,
				  NULL, err);
	if (rc == 0)
		log_info("queued kind=%s ref=%s rcpt=%s", o->kind, o->ref ? o->ref : "-",
			 log_addr(o->to));
	g_bytes_unref(raw);
	g_free(reply_to);
	g_free(see);
	g_free(id);
	g_free(body);
	g_free(subject);
	return rc;
}
