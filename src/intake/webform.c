/* webform - the complaint form and its JSON API over httpd. */
#include "intake/webform.h"

#include <string.h>

#include "intake/form.h"
#include "intake/httpd.h"
#include "intake/webapi.h"
#include "intake/webpage.h"
#include "lib/clock.h"
#include "lib/config.h"
#include "lib/facts.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "mail/message.h"
#include "workflow/calendar.h"
#include "workflow/channel.h"

static const char *const RETRY[] = { "Retry-After", "30", NULL };

void *webform_begin(void *site, struct httpd_req *r)
{
	const struct webpage_site *s = site;
	struct form_limits lim = {
		.max_attachments = (unsigned)s->cfg->web_max_attachments,
		.max_attachment_size = (size_t)s->cfg->web_max_attachment_size,
	};
	return form_new(&lim);
}

void webform_end(void *form)
{
	struct form *f = form;
	form_free(&f);
}

void webform_field(void *form, const char *key, const char *filename,
		   const char *content_type, const char *data, size_t size, uint64_t off)
{
	if (filename) {
		if (key && !strcmp(key, FORM_ATTACHMENTS))
			form_add_file_data(form, filename, content_type, data, size, off);
	} else {
		form_add_data(form, key, data, size, off);
	}
}

/* ---- pages ------------------------------------------------------------------------- */

/* page - the form, empty (f NULL) or again with f's values and errors. */
static bool page(const struct webpage_site *s, struct httpd_req *r, unsigned status,
		 const char *lang, const struct form *f)
{
	GHashTable *vars = webpage_vars(s, lang, "/complaint");
	const char *tok = f ? form_token(f) : NULL;
	g_hash_table_insert(vars, g_strdup("token"), tok ? g_strdup(tok) : form_new_token());
	if (f) {
		for (unsigned i = 0; i < FORM_N_FIELDS; i++) {
			const char *key = form_field_key(i);
			g_hash_table_insert(vars, g_strconcat("v_", key, NULL), form_display_value(f, i));
			const char *code = form_error_for(f, key);
			if (code)
				g_hash_table_insert(vars, g_strconcat("e_", key, NULL),
						    g_strdup(form_error_text(code, lang)));
		}
		const char *code = form_error_for(f, FORM_ATTACHMENTS);
		if (code)
			g_hash_table_insert(vars, g_strdup("e_attachments"),
					    g_strdup(form_error_text(code, lang)));
		if (form_error_count(f))
			g_hash_table_insert(vars, g_strdup("errors"),
					    g_strdup_printf("%u", form_error_count(f)));
		if (form_attachment_count(f))
			g_hash_table_insert(vars, g_strdup("attachment_note"), g_strdup("1"));
		/* the demand chosen stays chosen when the page comes back */
		for (const char *const *d = facts_demands; *d; d++)
			if (!strcmp(form_value(f, FORM_DEMAND), *d))
				g_hash_table_insert(vars, g_strconcat("sel_", *d, NULL),
						    g_strdup(" selected"));
	}
	char *html = webpage_render(s, "form_html", lang, vars);
	g_hash_table_unref(vars);
	bool rc = html ? httpd_html(r, status, html)
		  : httpd_text(r, 500, "form template missing\n", NULL);
	g_free(html);
	return rc;
}

/* The stylesheet's largest size: an administrator's file, read per request
 * so that an edit shows at once; bigger is a mistake, not a style. */
#define STYLE_MAX (256 * 1024)

bool webform_style(void *site, struct httpd_req *r)
{
	const struct webpage_site *s = site;
	char *path = g_build_filename(s->cfg->templates_dir, WEBFORM_STYLESHEET, NULL);
	char *css = NULL;
	gsize len = 0;
	GError *err = NULL;
	bool rc;
	if (!g_file_get_contents(path, &css, &len, &err) || len > STYLE_MAX) {
		log_warn("web: stylesheet %s: %s", path, err ? err->message : "too big");
		rc = httpd_text(r, 404, "no stylesheet\n", NULL);
	} else {
		rc = httpd_respond(r, 200, "text/css; charset=utf-8", css, len, NULL);
	}
	g_clear_error(&err);
	g_free(css);
	g_free(path);
	return rc;
}

bool webform_page(void *site, struct httpd_req *r)
{
	bool asked;
	return page(site, r, 200, webpage_lang(site, r, &asked), NULL);
}

static bool ref_ok(const char *ref)
{
	size_t n = ref ? strlen(ref) : 0;
	if (n < 1 || n >= CHANNEL_REF_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isalnum(ref[i]) && ref[i] != '-')
			return false;
	return true;
}

bool webform_done(void *site, struct httpd_req *r)
{
	const struct webpage_site *s = site;
	bool asked;
	const char *lang = webpage_lang(s, r, &asked);
	const char *ref = httpd_arg(r, "ref");
	/* the promised day travels in the redirect, not looked up by ref: the
	 * page must not tell whoever types a reference anything stored */
	const char *by = httpd_arg(r, "by");
	int y, m, d;
	char *by_text = calendar_parse_date(by, &y, &m, &d) ? calendar_date_text(y, m, d, lang)
			: NULL;
	char *path = g_strdup_printf("/complaint/done%s%s%s%s", ref_ok(ref) ? "?ref=" : "",
				     ref_ok(ref) ? ref : "", ref_ok(ref) && by_text ? "&by=" : "",
				     ref_ok(ref) && by_text ? by : "");
	GHashTable *vars = webpage_vars(s, lang, path);
	g_free(path);
	if (ref_ok(ref))
		g_hash_table_insert(vars, g_strdup("ref"), g_strdup(ref));
	if (by_text)
		g_hash_table_insert(vars, g_strdup("answer_by"), by_text);
	g_hash_table_insert(vars, g_strdup("company_from"), g_strdup(s->cfg->company_from));
	char *html = webpage_render(s, "done_html", lang, vars);
	g_hash_table_unref(vars);
	bool rc = html ? httpd_html(r, 200, html) : httpd_text(r, 500, "template missing\n", NULL);
	g_free(html);
	return rc;
}

/* ---- intake -------------------------------------------------------------------------- */

/* submit - the validated form f into the workflow; 0 with the receipt
 * (of a new complaint or the earlier one of a double submission), or the
 * HTTP status to answer (500, 503). */
static unsigned submit(const struct webpage_site *s, struct httpd_req *r, const struct form *f,
		       const char *lang, struct channel_receipt *rc, bool *dup)
{
	int64_t now = clock_now();
	struct message *m = form_to_message(f, lang, s->id_domain, now);
	char *why = NULL;
	enum channel_outcome out = channels_submit(s->channels, m, now, rc, &why);
	const char *ref = rc->ref;
	const char *client = httpd_client(r);
	unsigned status = out == CHANNEL_UNAVAILABLE ? 503 : out == CHANNEL_FAILED ? 500 : 0;
	*dup = out == CHANNEL_DUPLICATE;
	if (why)
		log_warn("web post not stored client=%s: %s", client, why);
	else if (!status)
		log_info("web post ref=%s client=%s%s attachments=%u", ref, client,
			 *dup ? " duplicate=1" : "", msg_attachment_count(m));
	metrics_inc(status ? METRIC_WEB_POSTS_FAILED
		    : *dup ? METRIC_WEB_POSTS_DUPLICATE : METRIC_WEB_POSTS_NEW);
	g_free(why);
	msg_free(&m);
	return status;
}

bool webform_post(void *site, struct httpd_req *r)
{
	const struct webpage_site *s = site;
	struct form *f = httpd_state(r);
	bool asked;
	const char *lang = form_lang(f) ? form_lang(f) : webpage_lang(s, r, &asked);
	if (form_is_bot(f)) {
		/* a bot filled the hidden field: it sees success, nothing is stored */
		metrics_inc(METRIC_WEB_POSTS_HONEYPOT);
		log_info("web post dropped: honeypot filled client=%s", httpd_client(r));
		char *loc = g_strdup_printf("%s/complaint/done?lang=%s", s->cfg->web_base_url, lang);
		bool rc = httpd_see_other(r, loc);
		g_free(loc);
		return rc;
	}
	if (form_validate(f)) {
		metrics_inc(METRIC_WEB_POSTS_INVALID);
		return page(s, r, 400, lang, f);
	}
	struct channel_receipt rc;
	bool dup = false;
	unsigned status = submit(s, r, f, lang, &rc, &dup);
	if (status)
		return httpd_text(r, status, status == 503 ? "Service unavailable, please try "
				  "again in a minute.\n" : "Internal error.\n",
				  status == 503 ? RETRY : NULL);
	char *loc = g_strdup_printf("%s/complaint/done?ref=%s&lang=%s%s%s", s->cfg->web_base_url,
				    rc.ref, lang, *rc.answer_by ? "&by=" : "", rc.answer_by);
	bool ok = httpd_see_other(r, loc);
	g_free(loc);
	return ok;
}

/* ---- the JSON API -------------------------------------------------------------------- */

static bool api_errors(struct httpd_req *r, const struct form *f, const char *lang)
{
	GString *out = g_string_new(NULL);
	struct json *j = json_new(out);
	json_object_begin(j);
	json_key(j, "errors");
	json_array_begin(j);
	for (unsigned i = 0; i < form_error_count(f); i++) {
		const char *key, *code;
		form_error_at(f, i, &key, &code);
		json_object_begin(j);
		json_kv_string(j, "field", key);
		json_kv_string(j, "code", code);
		json_kv_string(j, "message", form_error_text(code, lang));
		json_object_end(j);
	}
	json_array_end(j);
	json_object_end(j);
	json_free(&j);
	bool rc = httpd_json(r, 400, out, NULL);
	g_string_free(out, TRUE);
	return rc;
}

/* api_created - the reference and, for machines, the promised day as
 * YYYY-MM-DD (the shop's system writes it its own way). */
static bool api_created(struct httpd_req *r, const struct channel_receipt *receipt, bool dup)
{
	GString *out = g_string_new(NULL);
	struct json *j = json_new(out);
	json_object_begin(j);
	json_kv_string(j, "ref", receipt->ref);
	json_kv_string(j, "status", dup ? "duplicate" : "new");
	if (*receipt->answer_by)
		json_kv_string(j, "answer_by", receipt->answer_by);
	json_object_end(j);
	json_free(&j);
	bool rc = httpd_json(r, dup ? 200 : 201, out, NULL);
	g_string_free(out, TRUE);
	return rc;
}

/* staff_fields - does the post name what only staff record ("channel",
 * "taken_by")? Then it is a call-centre system's that forgot its key:
 * refused as unauthorised, never taken as a customer's own post. */
static bool staff_fields(struct form *f)
{
	form_validate(f);
	return !g_strcmp0(form_error_for(f, "channel"), "unknown_field") ||
	       !g_strcmp0(form_error_for(f, "taken_by"), "unknown_field");
}

bool webform_api(void *site, struct httpd_req *r)
{
	const struct webpage_site *s = site;
	/* with a key: a complaint staff took down (webapi.h) */
	if (httpd_header(r, "Authorization"))
		return webapi_post(site, r);
	struct form *f = httpd_state(r);
	size_t len;
	const char *body = httpd_body(r, &len);
	char *error = NULL;
	if (form_parse_json(f, body, len, &error) < 0) {
		metrics_inc(METRIC_WEB_POSTS_INVALID);
		bool rc = httpd_json_error(r, 400, error, NULL);
		g_free(error);
		return rc;
	}
	if (staff_fields(f))
		return webapi_unauthorized(r, "staff fields without a key");
	/* a shop's server posting for its customer rarely says which language:
	 * then the customer's own words decide, as for mail */
	bool asked;
	const char *lang = webpage_lang(s, r, &asked);
	if (form_lang(f))
		lang = form_lang(f);
	else if (!asked && form_value(f, FORM_DESCRIPTION))
		lang = msg_guess_lang(form_value(f, FORM_DESCRIPTION));
	if (form_is_bot(f)) {
		metrics_inc(METRIC_WEB_POSTS_HONEYPOT);
		return httpd_json_error(r, 202, "accepted", NULL);
	}
	if (form_validate(f)) {
		metrics_inc(METRIC_WEB_POSTS_INVALID);
		return api_errors(r, f, lang);
	}
	struct channel_receipt rc;
	bool dup = false;
	unsigned status = submit(s, r, f, lang, &rc, &dup);
	if (status)
		return httpd_json_error(r, status, status == 503 ? "database unavailable"
					: "internal error", status == 503 ? RETRY : NULL);
	return api_created(r, &rc, dup);
}
