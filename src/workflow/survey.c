/* survey - resolution mail, satisfaction survey, review or closure. */
#include "workflow/survey.h"

#include <string.h>

#include "lib/config.h"
#include "lib/log.h"
#include "mail/mailout.h"
#include "workflow/sla.h"
#include "lib/stafftoken.h"
#include "workflow/wfmail.h"

/* surveys sent or closed per scheduler round: a backlog after downtime is
 * worked off over several rounds, each survey in its own transaction */
#define ROUND_MAX 100

static const char *lang_of(const struct store_case *c)
{
	return !g_strcmp0(c->lang, "en") ? "en" : "zh";
}

/* to_customer - mail kind from template tmpl to c's customer, in the
 * customer's thread; vars gets what the caller adds. */
static int to_customer(const struct workflow_ctx *x, const struct store_case *c, const char *kind,
		       GHashTable *vars, GError **err)
{
	struct wf_outmail o = { .kind = kind, .tmpl = kind, .lang = lang_of(c),
				.to = c->customer_addr, .ref = c->ref, .complaint_id = c->id,
				.vars = vars, .in_reply_to = c->last_in_message_id,
				.references = c->thread_ids, .auto_replied = false };
	return wf_queue(x, &o, err);
}

int survey_resolved(const struct workflow_ctx *x, const struct store_case *c, GError **err)
{
	if (!c->customer_addr || !*c->customer_addr)
		return 0;
	struct wf_view v;
	wf_view_of_case(&v, c);
	GHashTable *vars = wf_vars_new(x, &v, lang_of(c));
	int rc = to_customer(x, c, "resolution", vars, err);
	g_hash_table_unref(vars);
	return rc;
}

char *survey_token(const struct config *cfg, uint64_t id)
{
	if (!cfg->staff_secret)
		return NULL;
	char *what = g_strdup_printf("survey-%" G_GUINT64_FORMAT, id);
	char *t = stafftoken_make((const guint8 *)cfg->staff_secret, strlen(cfg->staff_secret), what);
	g_free(what);
	return t;
}

bool survey_token_ok(const struct config *cfg, uint64_t id, const char *token)
{
	if (!cfg->staff_secret || !token)
		return false;
	char *what = g_strdup_printf("survey-%" G_GUINT64_FORMAT, id);
	bool ok = stafftoken_check((const guint8 *)cfg->staff_secret, strlen(cfg->staff_secret),
				   what, token);
	/* a link in a survey mail sent before the key was rotated */
	const char *old = cfg->staff_previous_secret;
	if (!ok && old && g_get_real_time() / G_USEC_PER_SEC < cfg->staff_previous_until)
		ok = stafftoken_check((const guint8 *)old, strlen(old), what, token);
	g_free(what);
	return ok;
}

/* links - one line per rating with its signed link; "" when the web
 * listener or its public URL is not configured (then replying is the way). */
static char *links(const struct config *cfg, uint64_t id, const char *lang)
{
	char *tok = survey_token(cfg, id);
	if (!tok || !cfg->web_port || !*cfg->web_base_url) {
		g_free(tok);
		return g_strdup("");
	}
	static const char *const zh[] = { "非常不满意", "不满意", "一般", "满意", "非常满意" };
	static const char *const en[] = { "very dissatisfied", "dissatisfied", "neither",
					  "satisfied", "very satisfied" };
	GString *out = g_string_new(NULL);
	for (unsigned r = 1; r <= 5; r++)
		g_string_append_printf(out, "  %u %s:\n  %s/survey?s=%" G_GUINT64_FORMAT
				       "&r=%u&t=%s\n", r, g_strcmp0(lang, "en") ? zh[r - 1]
				       : en[r - 1], cfg->web_base_url, id, r, tok);
	g_free(tok);
	return g_string_free(out, FALSE);
}

/* send_one - record the survey of resolution d and queue its mail. */
static int send_one(const struct workflow_ctx *x, const struct store_survey_due *d, GError **err)
{
	uint64_t id = 0;
	struct store_case *c = NULL;
	int rc = store_survey_add(x->store, d->complaint_id, d->resolved_at, x->now, &id, err);
	if (rc == 1 && store_case_get(x->store, d->complaint_id, NULL, &c, err) < 0)
		rc = -1;
	if (rc == 1 && c) {
		struct wf_view v;
		wf_view_of_case(&v, c);
		GHashTable *vars = wf_vars_new(x, &v, lang_of(c));
		g_hash_table_insert(vars, "links", links(x->cfg, id, lang_of(c)));
		if (to_customer(x, c, "survey", vars, err) < 0 ||
		    store_add_event(x->store, c->id, x->now, "", "survey_sent", NULL, err) < 0)
			rc = -1;
		g_hash_table_unref(vars);
		log_info("survey sent ref=%s survey=%" G_GUINT64_FORMAT, c->ref, id);
	}
	store_case_free(c);
	return rc;
}

struct item_tx {
	const struct workflow_ctx *x;
	int (*fn)(const struct workflow_ctx *, const void *, GError **);
	const void *item;
};

static int item_tx(void *ctx, GError **err)
{
	struct item_tx *t = ctx;
	return t->fn(t->x, t->item, err);
}

/* in_tx - fn(x, item) in a transaction of its own: 1 done, 0 nothing. */
static int in_tx(const struct workflow_ctx *x, int (*fn)(const struct workflow_ctx *, const void *,
							  GError **),
		 const void *item, GError **err)
{
	struct item_tx t = { x, fn, item };
	return store_tx(x->store, item_tx, &t, err);
}

static int send_item(const struct workflow_ctx *x, const void *item, GError **err)
{
	return send_one(x, item, err);
}

/* each - fn over every item of list in its own transaction. */
static int each(const struct workflow_ctx *x, GPtrArray *list,
		int (*fn)(const struct workflow_ctx *, const void *, GError **), GError **err)
{
	int n = 0;
	for (unsigned i = 0; i < list->len && n >= 0; i++) {
		int rc = in_tx(x, fn, g_ptr_array_index(list, i), err);
		n = rc < 0 ? -1 : n + rc;
	}
	return n;
}

int survey_send_due(const struct workflow_ctx *x, GError **err)
{
	GPtrArray *due = g_ptr_array_new_with_free_func(g_free);
	int n = store_surveys_due(x->store, x->now, x->cfg->survey_delay, ROUND_MAX, due, err);
	if (n > 0)
		n = each(x, due, send_item, err);
	g_ptr_array_unref(due);
	return n;
}

/* close_case - c's status closed, with an event saying why. */
static int close_case(const struct workflow_ctx *x, const struct store_case *c, const char *why,
		      GError **err)
{
	struct store_case_change ch = { .status = "closed" };
	if (store_case_update(x->store, c->id, &ch, x->now, err) < 0)
		return -1;
	log_info("closed ref=%s: %s", c->ref, why);
	return store_add_event(x->store, c->id, x->now, "", "closed", why, err);
}

static int timeout_item(const struct workflow_ctx *x, const void *item, GError **err)
{
	const struct store_survey_ref *r = item;
	int rc = store_survey_timeout(x->store, r->id, x->now, err);
	struct store_case *c = NULL;
	if (rc == 1 && store_case_get(x->store, r->complaint_id, NULL, &c, err) < 0)
		rc = -1;
	if (rc == 1 && c && !strcmp(c->status, "resolved") &&
	    close_case(x, c, "the satisfaction survey was not answered in time", err) < 0)
		rc = -1;
	store_case_free(c);
	return rc;
}

int survey_close_unanswered(const struct workflow_ctx *x, GError **err)
{
	GPtrArray *due = g_ptr_array_new_with_free_func(g_free);
	int n = store_surveys_timed_out(x->store, x->now, x->cfg->survey_timeout, ROUND_MAX, due,
					err);
	if (n > 0)
		n = each(x, due, timeout_item, err);
	g_ptr_array_unref(due);
	return n;
}

/* review_reason - why a review, in lang: rating 0 means the customer
 * said "not satisfied" in words. The English one is also the record's. */
static char *review_reason(unsigned rating, const char *lang)
{
	if (g_strcmp0(lang, "en"))
		return rating ? g_strdup_printf("客户对处理结果的满意度评分为 %u 分（满分 5 分），"
						"需要复核", rating)
			      : g_strdup("客户表示对处理结果不满意，需要复核");
	return rating ? g_strdup_printf("satisfaction %u of 5: review (复核)", rating)
		      : g_strdup("the customer is not satisfied: review (复核)");
}

/* review - an unhappy customer (rating, 0 for words): the complaint is
 * open again and the supervisor (else the department) is told, with what
 * the customer said. */
static int review(const struct workflow_ctx *x, struct store_case *c, unsigned rating,
		  const char *comment, GError **err)
{
	char *why = review_reason(rating, "en");
	struct store_case_change ch = { .status = "reopened" };
	int64_t due[STORE_DUE_COUNT];
	sla_plan(x->cfg, x->cal, c->severity, x->now, due);
	if (store_case_update(x->store, c->id, &ch, x->now, err) < 0 ||
	    store_case_reopened(x->store, c->id, due[STORE_DUE_HANDLING], due[STORE_DUE_CLOSURE],
				err) < 0 ||
	    store_add_event(x->store, c->id, x->now, "", "reopened", why, err) < 0) {
		g_free(why);
		return -1;
	}
	log_info("reopened for review ref=%s: %s", c->ref, why);
	g_free(why);
	c->due[STORE_DUE_HANDLING] = due[STORE_DUE_HANDLING];
	c->due[STORE_DUE_CLOSURE] = due[STORE_DUE_CLOSURE];
	char **sup = x->cfg->escalation[0];
	const char *to = sup && sup[0] ? sup[0] : c->department;
	if (!to || !*to)
		return 0;
	struct wf_view v;
	wf_view_of_case(&v, c);
	v.status = "reopened";
	GHashTable *vars = wf_vars_new(x, &v, x->cfg->staff_lang);
	g_hash_table_insert(vars, "reason", review_reason(rating, x->cfg->staff_lang));
	g_hash_table_insert(vars, "text", g_strdup(comment ? comment : ""));
	int rc = 0;
	for (char **a = sup && sup[0] ? sup : (char *[]){ (char *)to, NULL }; rc == 0 && *a; a++) {
		struct wf_outmail o = { .kind = "review", .tmpl = "review", .lang = x->cfg->staff_lang,
					.to = *a, .ref = c->ref, .complaint_id = c->id, .vars = vars,
					.to_staff = true };
		rc = wf_queue(x, &o, err);
	}
	g_hash_table_unref(vars);
	return rc;
}

int survey_answer(const struct workflow_ctx *x, uint64_t id, unsigned rating, bool unhappy,
		  const char *comment, const char *by, GError **err)
{
	uint64_t complaint_id = 0;
	bool open = false;
	int rc = store_survey_get(x->store, id, &complaint_id, &open, err);
	if (rc <= 0 || !open)
		return rc < 0 ? -1 : 0;
	rc = store_survey_answer(x->store, id, rating, comment, by, x->now, err);
	struct store_case *c = NULL;
	if (rc == 1 && store_case_get(x->store, complaint_id, NULL, &c, err) < 0)
		rc = -1;
	if (rc != 1 || !c) {
		store_case_free(c);
		return rc < 0 ? -1 : 0;
	}
	char *detail = rating ? g_strdup_printf("rating %u by %s%s%s", rating, by,
						comment && *comment ? ": " : "", comment ? comment : "")
			      : g_strdup_printf("not satisfied (by %s)%s%s", by,
						comment && *comment ? ": " : "", comment ? comment : "");
	rc = store_add_event(x->store, c->id, x->now, c->customer_addr, "survey_answered", detail,
			     err);
	bool bad = unhappy || (rating && rating <= (unsigned)x->cfg->survey_threshold);
	if (rc == 0 && bad)
		rc = review(x, c, rating, comment, err); else if (rc == 0 && (!strcmp(c->status, "resolved") || !strcmp(c->status, "closed"))) {
		char *why = g_strdup_printf("the customer is satisfied (%u of 5)", rating);
		rc = strcmp(c->status, "closed") ? close_case(x, c, why, err) : 0;
		g_free(why);
	}
	g_free(detail);
	store_case_free(c);
	return rc < 0 ? -1 : 1;
}

/* ---- replies ---------------------------------------------------------------------- */

static bool has_any(const char *text, const char *const *words)
{
	char *low = g_utf8_strdown(text, -1);
	bool found = false;
	for (; *words && !found; words++)
		found = strstr(low, *words) != NULL;
	g_free(low);
	return found;
}

/* rating_ends - what follows a digit lets it be a rating: the end, a
 * space, punctuation, 分 or 星 - but not another digit ("10天", "１０"), a
 * decimal point ("3.5"), or a unit ("3 days", "1st", "五分钟", "2个月"). */
static bool rating_ends(const char *after)
{
	static const char *const units[] = { "分钟", "天", "周", "个", "次", "元", "块", "小时",
					     "月", "年", "号", "日", "st", "nd", "rd", "th",
					     "day", "week", "month", "hour", "time", "yuan",
					     "dollar", "euro", NULL };
	gunichar u = g_utf8_get_char(after);
	if (g_unichar_isdigit(u) || (u == '.' && g_ascii_isdigit(after[1])))
		return false;
	const char *w = after;
	while (*w == ' ' || *w == '\t')
		w++;
	for (const char *const *x = units; *x; x++)
		if (!g_ascii_strncasecmp(w, *x, strlen(*x)))
			return false;
	return true;
}

bool survey_parse_reply(const char *fresh, unsigned *rating, bool *unhappy)
{
	static const char *const sad[] = { "不满意", "不太满意", "没有解决", "没解决", "未解决",
					   "不滿意", "沒有解決", "not satisfied", "dissatisfied",
					   "unhappy", "not resolved", "still broken", NULL };
	static const char *const zh_digits[] = { "一", "二", "三", "四", "五" };
	*rating = 0;
	*unhappy = false;
	if (!fresh)
		return false;
	const char *p = fresh;
	while (*p && g_unichar_isspace(g_utf8_get_char(p)))
		p = g_utf8_next_char(p);
	gunichar u = g_utf8_get_char(p);
	if (u >= '1' && u <= '5')
		*rating = u - '0';
	else if (u >= 0xFF11 && u <= 0xFF15)   /* full-width １..５ */
		*rating = u - 0xFF10;
	const char *after = *rating ? g_utf8_next_char(p) : NULL;
	/* 一..五 only as "五分" or "五星": "一切都好" is no rating */
	for (unsigned i = 0; !*rating && i < G_N_ELEMENTS(zh_digits); i++)
		if (g_str_has_prefix(p, zh_digits[i]) &&
		    (g_str_has_prefix(p + strlen(zh_digits[i]), "分") ||
		     g_str_has_prefix(p + strlen(zh_digits[i]), "星"))) {
			*rating = i + 1;
			after = p + strlen(zh_digits[i]);
		}
	if (*rating && !rating_ends(after))
		*rating = 0;
	/* a rating says it all: "5分，之前不满意的地方都解决了" is happy */
	*unhappy = !*rating && has_any(fresh, sad);
	return *rating || *unhappy;
}
