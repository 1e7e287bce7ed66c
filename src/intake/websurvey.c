/* websurvey - the satisfaction survey's confirmation page and its post. */
#include "intake/websurvey.h"

#include <string.h>

#include "intake/httpd.h"
#include "intake/webpage.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "workflow/channel.h"
#include "workflow/survey.h"

#define SURVEY_MAX_COMMENT 2000  /* characters */

static const char UNAVAILABLE[] = "Service unavailable, please try again in a minute.\n";

/* survey_id - s as a survey id when t signs it; 0 otherwise. */
static uint64_t survey_id(const struct webpage_site *site, const char *s, const char *t)
{
	if (!s || !*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 18)
		return 0;
	uint64_t id = g_ascii_strtoull(s, NULL, 10);
	return id && survey_token_ok(site->cfg, id, t) ? id : 0;
}

/* rating_of - "1".."5" as a number; 0 for anything else. */
static unsigned rating_of(const char *rs)
{
	return rs && strlen(rs) == 1 && rs[0] >= '1' && rs[0] <= '5' ? (unsigned)(rs[0] - '0') : 0;
}

/* What was wrong with an answer that could not be taken; the page says it
 * and shows the question again (the link was good). */
enum answer_fault { FAULT_NONE, FAULT_NO_RATING, FAULT_LONG_COMMENT, FAULT_UNREADABLE };

/* page - the page in its states: errors (a bad link), done (answered now:
 * rating, or answered before: no rating), or the question, with what was
 * wrong with the answer before (fault; comment is given back to edit). */
static bool page_as(const struct webpage_site *s, struct httpd_req *r, unsigned status,
		    const char *lang, uint64_t id, const char *token, unsigned rating, bool done,
		    enum answer_fault fault, const char *comment)
{
	GHashTable *vars = webpage_vars(s, lang, "/survey");
	/* the page names the complaint it asks about */
	char ref[CHANNEL_REF_MAX] = "";
	bool open = false;
	if (id) {
		struct channel *ch = channels_take(s->channels);
		channel_survey(ch, id, ref, sizeof ref, &open, NULL);
		channels_give(s->channels, ch);
	}
	g_hash_table_insert(vars, g_strdup("ref"), g_strdup(ref));
	g_hash_table_replace(vars, g_strdup("form_url"), webpage_url(s, "/survey"));
	static const char *const faults[] = {
		[FAULT_NO_RATING] = "no_rating", [FAULT_LONG_COMMENT] = "long_comment",
		[FAULT_UNREADABLE] = "unreadable",
	};
	if (fault)
		g_hash_table_insert(vars, g_strdup(faults[fault]), g_strdup("1"));
	else if (status >= 400)
		g_hash_table_insert(vars, g_strdup("errors"), g_strdup("1"));
	if (comment)
		g_hash_table_insert(vars, g_strdup("comment"), g_strdup(comment));
	if (done)
		g_hash_table_insert(vars, g_strdup("status"), g_strdup("done"));
	if (rating)
		g_hash_table_insert(vars, g_strdup("rating"), g_strdup_printf("%u", rating));
	if (rating >= 1 && rating <= 5)
		g_hash_table_insert(vars, g_strdup_printf("c%u", rating), g_strdup(" checked"));
	g_hash_table_insert(vars, g_strdup("survey"), g_strdup_printf("%" G_GUINT64_FORMAT, id));
	g_hash_table_insert(vars, g_strdup("token"), g_strdup(token ? token : ""));
	char *html = webpage_render(s, "survey_html", lang, vars);
	g_hash_table_unref(vars);
	if (!html)
		return httpd_text(r, 500, "Internal error.\n", NULL);
	bool rc = httpd_html(r, status, html);
	g_free(html);
	return rc;
}

static bool page(const struct webpage_site *s, struct httpd_req *r, unsigned status,
		 const char *lang, uint64_t id, const char *token, unsigned rating, bool done)
{
	return page_as(s, r, status, lang, id, token, rating, done, FAULT_NONE, NULL);
}

bool websurvey_get(void *site, struct httpd_req *r)
{
	const struct webpage_site *s = site;
	bool asked;
	const char *lang = webpage_lang(s, r, &asked);
	const char *t = httpd_arg(r, "t");
	uint64_t id = survey_id(s, httpd_arg(r, "s"), t);
	unsigned rating = rating_of(httpd_arg(r, "r"));
	if (!id)
		return page(s, r, 404, lang, 0, NULL, 0, false);
	GError *err = NULL;
	char ref[CHANNEL_REF_MAX] = "";
	bool open = false;
	struct channel *ch = channels_take(s->channels);
	int found = channel_survey(ch, id, ref, sizeof ref, &open, &err);
	channels_give(s->channels, ch);
	g_clear_error(&err);
	if (found < 0)
		return httpd_text(r, 503, UNAVAILABLE, NULL);
	if (found == 0)
		return page(s, r, 404, lang, 0, NULL, 0, false);
	return page(s, r, 200, lang, id, t, rating, !open);
}

/* record - the answer; 1 recorded, 0 answered before, -1 the database
 * failed (logged). */
static int record(const struct webpage_site *s, uint64_t id, unsigned rating, const char *comment)
{
	GError *err = NULL;
	struct channel *ch = channels_take(s->channels);
	int rc = channel_survey_answer(ch, id, rating, comment, clock_now(), &err);
	channels_give(s->channels, ch);
	if (rc < 0)
		log_warn("survey answer not stored survey=%" G_GUINT64_FORMAT ": %s", id,
			 err ? err->message : "?");
	g_clear_error(&err);
	return rc;
}

/* answer - a valid rating (and comment) for survey id recorded, and the
 * page that says so. */
static bool answer(const struct webpage_site *s, struct httpd_req *r, const char *lang,
		   uint64_t id, const char *t, unsigned rating, const char *comment)
{
	char *clean = comment ? g_strstrip(g_strdup(comment)) : NULL;
	int got = record(s, id, rating, clean && *clean ? clean : NULL);
	g_free(clean);
	return got < 0 ? httpd_text(r, 503, UNAVAILABLE, NULL)
	       : page(s, r, 200, lang, id, t, got == 1 ? rating : 0, true);
}

bool websurvey_post(void *site, struct httpd_req *r)
{
	const struct webpage_site *s = site;
	if (httpd_received(r) > WEBSURVEY_MAX_BODY)
		return httpd_text(r, 413, "Request too large.\n", NULL);
	bool asked;
	const char *lang = webpage_lang(s, r, &asked);
	size_t len;
	const char *data = httpd_body(r, &len);
	char *body = g_strndup(data, len);
	GHashTable *f = g_uri_parse_params(body, -1, "&", G_URI_PARAMS_WWW_FORM, NULL);
	g_free(body);
	const char *flang = f ? g_hash_table_lookup(f, "lang") : NULL;
	if (!g_strcmp0(flang, "zh") || !g_strcmp0(flang, "en"))
		lang = !g_strcmp0(flang, "zh") ? "zh" : "en";
	const char *comment = f ? g_hash_table_lookup(f, "comment") : NULL;
	const char *t = f ? g_hash_table_lookup(f, "t") : NULL;
	uint64_t id = f ? survey_id(s, g_hash_table_lookup(f, "s"), t) : 0;
	unsigned rating = rating_of(f ? g_hash_table_lookup(f, "r") : NULL);
	bool comment_ok = !comment || (g_utf8_validate(comment, -1, NULL) &&
				       g_utf8_strlen(comment, -1) <= SURVEY_MAX_COMMENT);
	bool rc;
	if (!f)  /* an escape that is not UTF-8: nothing of it can be trusted */
		rc = page_as(s, r, 400, lang, 0, NULL, 0, false, FAULT_UNREADABLE, NULL);
	else if (!id)
		rc = page(s, r, 404, lang, 0, NULL, 0, false);
	else if (!rating || !comment_ok)
		rc = page_as(s, r, 400, lang, id, t, rating, false,
			     !rating ? FAULT_NO_RATING : FAULT_LONG_COMMENT,
			     comment && g_utf8_validate(comment, -1, NULL) ? comment : NULL);
	else
		rc = answer(s, r, lang, id, t, rating, comment);
	if (f)
		g_hash_table_unref(f);
	return rc;
}
