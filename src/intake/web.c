/* web - the complaint form, its API, health and metrics over HTTP. */
#include "intake/web.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <microhttpd.h>

#include "workflow/calendar.h"
#include "lib/clock.h"
#include "lib/config.h"
#include "intake/form.h"
#include "lib/holder.h"
#include "lib/json.h"
#include "lib/lifecycle.h"
#include "lib/log.h"
#include "mail/message.h"
#include "lib/metrics.h"
#include "workflow/pipeline.h"
#include "store/store.h"
#include "workflow/survey.h"
#include "mail/template.h"
#include "workflow/workflow.h"

#define WEB_ERROR (g_quark_from_static_string("web-error"))
#define POST_BUFFER 16384
/* a body over the limit is read and dropped (so the client gets its 413)
 * only up to this many times the limit; then the connection is closed */
#define DRAIN_FACTOR 2

/* ---- rate limiter: fixed windows per client address ------------------------- */

struct window {
	int64_t start;      /* seconds */
	unsigned count;
};

struct ratelimit {
	GMutex lock;
	GHashTable *by_addr;  /* char* -> struct window* */
	unsigned limit;
	int64_t seconds;
};

/* ratelimit_take - count one post from addr at now; 0 if allowed, else the
 * seconds until the window ends (for Retry-After). */
static int64_t ratelimit_take(struct ratelimit *r, const char *addr, int64_t now)
{
	if (!r->limit)
		return 0;
	g_mutex_lock(&r->lock);
	if (g_hash_table_size(r->by_addr) > 50000) {
		/* forget finished windows; what remains is bounded by the
		 * addresses seen within one window */
		GHashTableIter it;
		gpointer k, v;
		g_hash_table_iter_init(&it, r->by_addr);
		while (g_hash_table_iter_next(&it, &k, &v))
			if (((struct window *)v)->start + r->seconds <= now)
				g_hash_table_iter_remove(&it);
	}
	struct window *w = g_hash_table_lookup(r->by_addr, addr);
	if (!w) {
		w = g_new0(struct window, 1);
		g_hash_table_insert(r->by_addr, g_strdup(addr), w);
	}
	if (w->start + r->seconds <= now) {
		w->start = now;
		w->count = 0;
	}
	int64_t wait = 0;
	if (w->count >= r->limit)
		wait = MAX(1, w->start + r->seconds - now);
	else
		w->count++;
	g_mutex_unlock(&r->lock);
	return wait;
}

/* ---- the listener -------------------------------------------------------------- */

struct web {
	const struct pipeline_env *env;
	const struct config *cfg;
	const struct store_params *db;
	struct MHD_Daemon *mhd;
	unsigned port;
	struct ratelimit rl;
	char *id_domain;          /* for form Message-IDs: the domain of [company] from */
	char *tls_cert, *tls_key; /* PEM contents */
};

/* One database connection and pipeline per pool thread. */
struct worker {
	struct store *store;
	struct pipeline *pipeline;
	unsigned refs_left;       /* reserved reference numbers not used yet */
	int64_t refs_at;          /* when they were reserved */
};

/* Reference numbers are reserved in blocks per thread: taking each from
 * the (prefix, day) counter row would lock that row until commit and so
 * serialise every post's transaction. Cost: numbers are unique and grow
 * by day, but not strictly in arrival order across threads, and a block
 * unused for REF_BLOCK_AGE seconds is given up (a gap in the numbers). */
#define REF_BLOCK 16
#define REF_BLOCK_AGE 600

static void worker_free(gpointer p)
{
	struct worker *w = p;
	pipeline_free(&w->pipeline);
	store_close(&w->store);
	g_free(w);
}

static GPrivate worker_key = G_PRIVATE_INIT(worker_free);

/* worker_get - this thread's connection, opened on first use. */
static struct worker *worker_get(struct web *web, GError **err)
{
	struct worker *w = g_private_get(&worker_key);
	if (!w) {
		w = g_new0(struct worker, 1);
		g_private_set(&worker_key, w);
	}
	if (!w->store) {
		w->store = store_open(web->db, err);
		if (!w->store)
			return NULL;
		w->pipeline = pipeline_new(web->env, w->store);
	}
	return w;
}

enum route { R_NONE, R_FORM, R_DONE, R_API, R_HEALTH, R_METRICS, R_ROOT, R_SURVEY };

struct req {
	enum route route;
	bool post;
	unsigned status;          /* a decided error (413, 415, 400); 0 = none */
	char *error;              /* its explanation for the API */
	struct form *form;
	struct MHD_PostProcessor *pp;
	GByteArray *body;         /* API: the JSON body */
	uint64_t received;
	int64_t started;          /* monotonic microseconds */
	char client[INET6_ADDRSTRLEN];
	const char *lang;         /* "zh" or "en" */
	bool lang_asked;          /* by ?lang= or Accept-Language, not the default */
};

static void req_free(struct req *r)
{
	if (!r)
		return;
	if (r->pp)
		MHD_destroy_post_processor(r->pp);
	form_free(&r->form);
	if (r->body)
		g_byte_array_unref(r->body);
	g_free(r->error);
	g_free(r);
}

static void request_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			      enum MHD_RequestTerminationCode toe)
{
	req_free(*con_cls);
	*con_cls = NULL;
}

/* ---- responses ------------------------------------------------------------------- */

static enum MHD_Result respond(struct MHD_Connection *c, unsigned status, const char *type,
			       const char *body, size_t len, const char *const *headers)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, (void *)body,
								    MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	if (type)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	for (; headers && headers[0]; headers += 2)
		MHD_add_response_header(resp, headers[0], headers[1]);
	enum MHD_Result rc = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	metrics_http(status);
	return rc;
}

static enum MHD_Result respond_text(struct MHD_Connection *c, unsigned status,
				    const char *text, const char *const *headers)
{
	return respond(c, status, "text/plain; charset=utf-8", text, strlen(text), headers);
}

static enum MHD_Result respond_json(struct MHD_Connection *c, unsigned status, GString *out,
				    const char *const *headers)
{
	return respond(c, status, "application/json; charset=utf-8", out->str, out->len, headers);
}

/* api_error - {"error": msg} */
static enum MHD_Result api_error(struct MHD_Connection *c, unsigned status, const char *msg,
				 const char *const *headers)
{
	GString *out = g_string_new(NULL);
	struct json *j = json_new(out);
	json_object_begin(j);
	json_kv_string(j, "error", msg);
	json_object_end(j);
	json_free(&j);
	enum MHD_Result rc = respond_json(c, status, out, headers);
	g_string_free(out, TRUE);
	return rc;
}

static const char CSP[] = "default-src 'none'; style-src 'unsafe-inline'; "
			  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

static enum MHD_Result respond_html(struct MHD_Connection *c, unsigned status, const char *html)
{
	const char *const h[] = { "Content-Security-Policy", CSP, "X-Frame-Options", "DENY", NULL };
	return respond(c, status, "text/html; charset=utf-8", html, strlen(html), h);
}

/* ---- language, client address ---------------------------------------------------- */

/* accept_lang - "zh" or "en", whichever Accept-Language weighs more; NULL
 * when it names neither. */
static const char *accept_lang(const char *header)
{
	if (!header)
		return NULL;
	const char *best = NULL;
	double best_q = 0;
	char **parts = g_strsplit(header, ",", 32);
	for (unsigned i = 0; parts[i]; i++) {
		char *tag = g_strstrip(parts[i]);
		char *semi = strchr(tag, ';');
		double q = 1;
		if (semi) {
			*semi = '\0';
			char *qs = strstr(semi + 1, "q=");
			if (qs)
				q = g_ascii_strtod(qs + 2, NULL);
		}
		g_strstrip(tag);
		const char *lang = !g_ascii_strncasecmp(tag, "zh", 2) ? "zh"
				   : !g_ascii_strncasecmp(tag, "en", 2) ? "en" : NULL;
		if (lang && q > best_q) {
			best = lang;
			best_q = q;
		}
	}
	g_strfreev(parts);
	return best;
}

static const char *choose_lang(struct web *web, struct MHD_Connection *c, bool *asked)
{
	const char *q = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "lang");
	*asked = true;
	if (q && (!strcmp(q, "zh") || !strcmp(q, "en")))
		return !strcmp(q, "zh") ? "zh" : "en";
	const char *a = accept_lang(MHD_lookup_connection_value(c, MHD_HEADER_KIND,
								 MHD_HTTP_HEADER_ACCEPT_LANGUAGE));
	if (a)
		return a;
	*asked = false;
	return !strcmp(web->cfg->default_lang, "en") ? "en" : "zh";
}

static bool ip_text(const char *s)
{
	unsigned char buf[sizeof(struct in6_addr)];
	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

static bool trusted_proxy(const struct config *cfg, const char *addr)
{
	for (char **p = cfg->web_trusted_proxies; p && *p; p++)
		if (!g_ascii_strcasecmp(*p, addr))
			return true;
	return false;
}

/* client_address - the peer, or, when the peer is a trusted proxy, the
 * right-most X-Forwarded-For entry that is not one of our proxies (entries
 * further left are whatever the client chose to send). */
static void client_address(struct web *web, struct MHD_Connection *c, char *out, size_t size)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	g_strlcpy(out, "unknown", size);
	if (!ci || !ci->client_addr)
		return;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)size);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)size);
	if (!trusted_proxy(web->cfg, out))
		return;
	const char *xff = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-For");
	if (!xff)
		return;
	char **hops = g_strsplit(xff, ",", 64);
	for (int i = (int)g_strv_length(hops) - 1; i >= 0; i--) {
		char *h = g_strstrip(hops[i]);
		if (!ip_text(h))
			break;
		if (!trusted_proxy(web->cfg, h) || i == 0) {
			g_strlcpy(out, h, size);
			if (!trusted_proxy(web->cfg, h))
				break;
		}
	}
	g_strfreev(hops);
}

/* ---- pages ------------------------------------------------------------------------- */

static char *url(struct web *web, const char *path)
{
	return g_strconcat(web->cfg->web_base_url, path, NULL);
}

/* render_page - template KIND in lang with vars; NULL when the set has none. */
static char *render_page(struct web *web, const char *kind, const char *lang, GHashTable *vars)
{
	struct template_set *set = holder_get(web->env->templates);
	const struct template *t = template_set_get(set, kind, lang);
	char *html = t ? template_render(t, vars) : NULL;
	template_set_unref(&set);
	return html;
}

static void page_vars(struct web *web, GHashTable *vars, const char *lang, const char *path)
{
	g_hash_table_insert(vars, g_strdup("lang"), g_strdup(lang));
	g_hash_table_insert(vars, g_strdup("company"), g_strdup(web->cfg->company_name));
	g_hash_table_insert(vars, g_strdup("form_url"), url(web, "/complaint"));
	const char *other = strcmp(lang, "zh") ? "zh" : "en";
	g_hash_table_insert(vars, g_strdup("other_lang"), g_strdup(other));
	char *p = url(web, path);
	g_hash_table_insert(vars, g_strdup("other_lang_url"),
			    g_strdup_printf("%s%slang=%s", p, strchr(p, '?') ? "&" : "?", other));
	g_free(p);
	g_hash_table_insert(vars, g_strdup("max_attachments"),
			    g_strdup_printf("%lld", (long long)web->cfg->web_max_attachments));
	g_hash_table_insert(vars, g_strdup("max_attachment_mb"),
			    g_strdup_printf("%.1f", (double)web->cfg->web_max_attachment_size / 1048576.0));
}

static GHashTable *vars_new(void)
{
	return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

/* form_page - the form, empty (f NULL) or again with f's values and errors. */
static enum MHD_Result form_page(struct web *web, struct MHD_Connection *c, unsigned status,
				 const char *lang, const struct form *f)
{
	GHashTable *vars = vars_new();
	page_vars(web, vars, lang, "/complaint");
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
	}
	char *html = render_page(web, "form_html", lang, vars);
	g_hash_table_unref(vars);
	enum MHD_Result rc = html ? respond_html(c, status, html)
			     : respond_text(c, 500, "form template missing\n", NULL);
	g_free(html);
	return rc;
}

static bool ref_ok(const char *ref)
{
	size_t n = ref ? strlen(ref) : 0;
	if (n < 1 || n >= STORE_REF_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isalnum(ref[i]) && ref[i] != '-')
			return false;
	return true;
}

static enum MHD_Result done_page(struct web *web, struct MHD_Connection *c, const char *lang)
{
	const char *ref = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "ref");
	GHashTable *vars = vars_new();
	char *path = g_strdup_printf("/complaint/done%s%s", ref_ok(ref) ? "?ref=" : "",
				     ref_ok(ref) ? ref : "");
	page_vars(web, vars, lang, path);
	g_free(path);
	if (ref_ok(ref))
		g_hash_table_insert(vars, g_strdup("ref"), g_strdup(ref));
	g_hash_table_insert(vars, g_strdup("company_from"), g_strdup(web->cfg->company_from));
	char *html = render_page(web, "done_html", lang, vars);
	g_hash_table_unref(vars);
	enum MHD_Result rc = html ? respond_html(c, 200, html)
			     : respond_text(c, 500, "template missing\n", NULL);
	g_free(html);
	return rc;
}

static enum MHD_Result health(struct web *web, struct MHD_Connection *c)
{
	GError *err = NULL;
	struct worker *w = worker_get(web, &err);
	if (w && store_ping(w->store, &err) == 0)
		return respond_text(c, 200, "ok\n", NULL);
	/* the server's error names hosts, users and versions: it goes to our
	 * log, the (perhaps public) client gets a plain word */
	log_warn("healthz: database unavailable: %s", err ? err->message : "?");
	g_clear_error(&err);
	return respond_text(c, 503, "database unavailable\n", NULL);
}

static enum MHD_Result metrics_page(struct MHD_Connection *c)
{
	GString *out = g_string_new(NULL);
	metrics_render(out);
	enum MHD_Result rc = respond(c, 200, "text/plain; version=0.0.4; charset=utf-8",
				     out->str, out->len, NULL);
	g_string_free(out, TRUE);
	return rc;
}

/* ---- intake -------------------------------------------------------------------------- */

static void reserve_refs(struct web *web, struct worker *w, int64_t now)
{
	if (w->refs_left && now - w->refs_at < REF_BLOCK_AGE)
		return;
	w->refs_left = 0;
	if (store_reserve_refs(w->store, web->cfg->ref_prefix, now, REF_BLOCK, NULL) == 0) {
		w->refs_left = REF_BLOCK;
		w->refs_at = now;
	}
}

/* ingest - the validated form into the pipeline; 0 with ref set (new or
 * the earlier complaint of a double submission), or the HTTP status to
 * answer (500, 503). */
static unsigned ingest(struct web *web, struct req *r, char *ref, size_t ref_size, bool *dup)
{
	int64_t now = clock_now();
	struct message *m = form_to_message(r->form, r->lang, web->id_domain, now);
	struct pipeline_item it = { .msg = m };
	GError *err = NULL;
	unsigned status = 0;
	for (int attempt = 0; attempt < 2; attempt++) {
		g_clear_error(&err);
		struct worker *w = worker_get(web, &err);
		if (!w)
			continue;
		reserve_refs(web, w, now);
		if (pipeline_ingest(w->pipeline, &it, 1, now, &err) == 0) {
			if (it.outcome == PIPELINE_NEW && w->refs_left)
				w->refs_left--;
			break;
		}
		w->refs_left = 0;  /* the connection may be new: its block is gone */
		store_ping(w->store, NULL);  /* reconnect before the second try */
	}
	if (err) {
		log_warn("web post not stored client=%s: %s", r->client, err->message);
		status = 503;
	} else if (it.outcome == PIPELINE_NEW) {
		g_strlcpy(ref, it.ref, ref_size);
	} else if (it.outcome == PIPELINE_DUPLICATE && it.complaint_id) {
		*dup = true;
		struct worker *w = worker_get(web, NULL);
		if (!w || store_complaint_ref(w->store, it.complaint_id, ref, ref_size, &err) != 1)
			status = 500;
	} else {
		log_warn("web post not stored client=%s outcome=%s: %s", r->client,
			 pipeline_outcome_name(it.outcome), it.error ? it.error : "-");
		status = 500;
	}
	if (it.ack_queued)
		lifecycle_kick(LIFECYCLE_OUTBOX);
	if (!status)
		log_info("web post ref=%s client=%s%s attachments=%u", ref, r->client,
			 *dup ? " duplicate=1" : "", msg_attachment_count(m));
	metrics_inc(status ? METRIC_WEB_POSTS_FAILED
		    : *dup ? METRIC_WEB_POSTS_DUPLICATE : METRIC_WEB_POSTS_NEW);
	g_clear_error(&err);
	pipeline_item_clear(&it);
	msg_free(&m);
	return status;
}

static enum MHD_Result form_done(struct web *web, struct MHD_Connection *c, struct req *r)
{
	const char *const retry[] = { MHD_HTTP_HEADER_RETRY_AFTER, "30", NULL };
	if (form_is_bot(r->form)) {
		/* a bot filled the hidden field: it sees success, nothing is stored */
		metrics_inc(METRIC_WEB_POSTS_HONEYPOT);
		log_info("web post dropped: honeypot filled client=%s", r->client);
		char *loc = g_strdup_printf("%s/complaint/done?lang=%s", web->cfg->web_base_url, r->lang);
		const char *const h[] = { MHD_HTTP_HEADER_LOCATION, loc, NULL };
		enum MHD_Result rc = respond_text(c, 303, "See Other\n", h);
		g_free(loc);
		return rc;
	}
	if (form_validate(r->form)) {
		metrics_inc(METRIC_WEB_POSTS_INVALID);
		return form_page(web, c, 400, r->lang, r->form);
	}
	char ref[STORE_REF_MAX] = "";
	bool dup = false;
	unsigned status = ingest(web, r, ref, sizeof ref, &dup);
	if (status)
		return respond_text(c, status, status == 503 ? "Service unavailable, please try "
				    "again in a minute.\n" : "Internal error.\n",
				    status == 503 ? retry : NULL);
	char *loc = g_strdup_printf("%s/complaint/done?ref=%s&lang=%s", web->cfg->web_base_url,
				    ref, r->lang);
	const char *const h[] = { MHD_HTTP_HEADER_LOCATION, loc, NULL };
	enum MHD_Result rc = respond_text(c, 303, "See Other\n", h);
	g_free(loc);
	return rc;
}

static enum MHD_Result api_errors(struct MHD_Connection *c, const struct form *f, const char *lang)
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
	enum MHD_Result rc = respond_json(c, 400, out, NULL);
	g_string_free(out, TRUE);
	return rc;
}

static enum MHD_Result api_done(struct web *web, struct MHD_Connection *c, struct req *r)
{
	char *error = NULL;
	if (form_parse_json(r->form, (const char *)r->body->data, r->body->len, &error) < 0) {
		metrics_inc(METRIC_WEB_POSTS_INVALID);
		enum MHD_Result rc = api_error(c, 400, error, NULL);
		g_free(error);
		return rc;
	}
	/* a shop's server posting for its customer rarely says which language:
	 * then the customer's own words decide, as for mail */
	if (form_lang(r->form))
		r->lang = form_lang(r->form);
	else if (!r->lang_asked && form_value(r->form, FORM_DESCRIPTION))
		r->lang = msg_guess_lang(form_value(r->form, FORM_DESCRIPTION));
	if (form_is_bot(r->form)) {
		metrics_inc(METRIC_WEB_POSTS_HONEYPOT);
		return api_error(c, 202, "accepted", NULL);
	}
	if (form_validate(r->form)) {
		metrics_inc(METRIC_WEB_POSTS_INVALID);
		return api_errors(c, r->form, r->lang);
	}
	char ref[STORE_REF_MAX] = "";
	bool dup = false;
	unsigned status = ingest(web, r, ref, sizeof ref, &dup);
	if (status) {
		const char *const retry[] = { MHD_HTTP_HEADER_RETRY_AFTER, "30", NULL };
		return api_error(c, status, status == 503 ? "database unavailable" : "internal error",
				 status == 503 ? retry : NULL);
	}
	GString *out = g_string_new(NULL);
	struct json *j = json_new(out);
	json_object_begin(j);
	json_kv_string(j, "ref", ref);
	json_kv_string(j, "status", dup ? "duplicate" : "new");
	json_object_end(j);
	json_free(&j);
	enum MHD_Result rc = respond_json(c, dup ? 200 : 201, out, NULL);
	g_string_free(out, TRUE);
	return rc;
}

/* ---- the satisfaction survey --------------------------------------------------------
 *
 * The survey mail links to GET /survey?s=ID&r=RATING&t=TOKEN. Opening it
 * changes nothing (mail scanners open links on their own): the page asks
 * to confirm the rating, with room for a comment, and the POST records it. */

#define SURVEY_MAX_BODY 16384
#define SURVEY_MAX_COMMENT 2000  /* characters */

/* survey_id - s as a survey id when t signs it; 0 otherwise. */
static uint64_t survey_id(struct web *web, const char *s, const char *t)
{
	if (!s || !*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 18)
		return 0;
	uint64_t id = g_ascii_strtoull(s, NULL, 10);
	return id && survey_token_ok(web->cfg, id, t) ? id : 0;
}

/* survey_page - the page in its three states: errors (a bad link), done
 * (answered now: rating, or answered before: no rating), or the question. */
static enum MHD_Result survey_page(struct web *web, struct MHD_Connection *c, unsigned status,
				   const char *lang, uint64_t id, const char *token,
				   unsigned rating, bool done)
{
	GHashTable *vars = vars_new();
	page_vars(web, vars, lang, "/survey");
	/* the page names the complaint it asks about */
	char ref[STORE_REF_MAX] = "";
	struct worker *w = id ? worker_get(web, NULL) : NULL;
	uint64_t complaint = 0;
	bool open = false;
	if (w && store_survey_get(w->store, id, &complaint, &open, NULL) == 1)
		store_complaint_ref(w->store, complaint, ref, sizeof ref, NULL);
	g_hash_table_insert(vars, g_strdup("ref"), g_strdup(ref));
	g_hash_table_replace(vars, g_strdup("form_url"), url(web, "/survey"));
	if (status >= 400)
		g_hash_table_insert(vars, g_strdup("errors"), g_strdup("1"));
	if (done)
		g_hash_table_insert(vars, g_strdup("status"), g_strdup("done"));
	if (rating)
		g_hash_table_insert(vars, g_strdup("rating"), g_strdup_printf("%u", rating));
	if (rating >= 1 && rating <= 5)
		g_hash_table_insert(vars, g_strdup_printf("c%u", rating), g_strdup(" checked"));
	g_hash_table_insert(vars, g_strdup("survey"), g_strdup_printf("%" G_GUINT64_FORMAT, id));
	g_hash_table_insert(vars, g_strdup("token"), g_strdup(token ? token : ""));
	char *html = render_page(web, "survey_html", lang, vars);
	g_hash_table_unref(vars);
	if (!html)
		return respond_text(c, 500, "Internal error.\n", NULL);
	enum MHD_Result rc = respond_html(c, status, html);
	g_free(html);
	return rc;
}

static enum MHD_Result survey_get(struct web *web, struct MHD_Connection *c, struct req *r)
{
	const char *t = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "t");
	const char *rs = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "r");
	uint64_t id = survey_id(web, MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "s"), t);
	unsigned rating = rs && strlen(rs) == 1 && rs[0] >= '1' && rs[0] <= '5' ? (unsigned)(rs[0] - '0') : 0;
	if (!id)
		return survey_page(web, c, 404, r->lang, 0, NULL, 0, false);
	GError *err = NULL;
	struct worker *w = worker_get(web, &err);
	uint64_t complaint = 0;
	bool open = false;
	int found = w ? store_survey_get(w->store, id, &complaint, &open, &err) : -1;
	g_clear_error(&err);
	if (found < 0)
		return respond_text(c, 503, "Service unavailable, please try again in a minute.\n",
				    NULL);
	if (found == 0)
		return survey_page(web, c, 404, r->lang, 0, NULL, 0, false);
	return survey_page(web, c, 200, r->lang, id, t, rating, !open);
}

/* survey_record - the answer in one transaction; 1 recorded, 0 answered
 * before, -1 the database failed. */
static int survey_record(struct web *web, uint64_t id, unsigned rating, const char *comment)
{
	GError *err = NULL;
	struct worker *w = worker_get(web, &err);
	int rc = -1;
	if (w && store_begin(w->store, &err) == 0) {
		struct template_set *tmpl = holder_get(web->env->templates);
		struct calendar *cal = holder_get(web->env->calendar);
		struct workflow_ctx x = { .cfg = web->cfg, .cal = cal, .templates = tmpl,
					  .store = w->store, .now = clock_now() };
		rc = survey_answer(&x, id, rating, false, comment, "link", &err);
		if (rc >= 0 && store_commit(w->store, &err) < 0)
			rc = -1;
		else if (rc < 0)
			store_rollback(w->store);
		template_set_unref(&tmpl);
		calendar_free(&cal);
	}
	if (rc < 0) {
		log_warn("survey answer not stored survey=%" G_GUINT64_FORMAT ": %s", id,
			 err ? err->message : "?");
		if (w)
			store_ping(w->store, NULL);
	}
	if (rc == 1)
		lifecycle_kick(LIFECYCLE_OUTBOX);
	g_clear_error(&err);
	return rc;
}

static enum MHD_Result survey_post(struct web *web, struct MHD_Connection *c, struct req *r)
{
	if (r->received > SURVEY_MAX_BODY)
		return respond_text(c, 413, "Request too large.\n", NULL);
	char *body = g_strndup((const char *)r->body->data, r->body->len);
	GHashTable *f = g_uri_parse_params(body, -1, "&", G_URI_PARAMS_WWW_FORM, NULL);
	g_free(body);
	const char *lang = f ? g_hash_table_lookup(f, "lang") : NULL;
	if (!g_strcmp0(lang, "zh") || !g_strcmp0(lang, "en"))
		r->lang = !g_strcmp0(lang, "zh") ? "zh" : "en";
	const char *rs = f ? g_hash_table_lookup(f, "r") : NULL;
	const char *comment = f ? g_hash_table_lookup(f, "comment") : NULL;
	const char *t = f ? g_hash_table_lookup(f, "t") : NULL;
	uint64_t id = f ? survey_id(web, g_hash_table_lookup(f, "s"), t) : 0;
	unsigned rating = rs && strlen(rs) == 1 && rs[0] >= '1' && rs[0] <= '5' ? (unsigned)(rs[0] - '0') : 0;
	bool comment_ok = !comment || (g_utf8_validate(comment, -1, NULL) &&
				       g_utf8_strlen(comment, -1) <= SURVEY_MAX_COMMENT);
	enum MHD_Result rc;
	if (!id) {
		rc = survey_page(web, c, 404, r->lang, 0, NULL, 0, false);
	} else if (!rating || !comment_ok) {
		rc = survey_page(web, c, 400, r->lang, id, t, rating, false);
	} else {
		char *clean = comment ? g_strstrip(g_strdup(comment)) : NULL;
		int got = survey_record(web, id, rating, clean && *clean ? clean : NULL);
		g_free(clean);
		rc = got < 0 ? respond_text(c, 503, "Service unavailable, please try again in a "
					    "minute.\n", NULL)
		     : survey_page(web, c, 200, r->lang, id, t, got == 1 ? rating : 0, true);
	}
	if (f)
		g_hash_table_unref(f);
	return rc;
}

/* ---- the request's first call: route, limits, content type -------------------------- */

static enum route route_of(const char *u)
{
	if (!strcmp(u, "/complaint"))
		return R_FORM;
	if (!strcmp(u, "/complaint/done"))
		return R_DONE;
	if (!strcmp(u, "/api/v1/complaints"))
		return R_API;
	if (!strcmp(u, "/healthz"))
		return R_HEALTH;
	if (!strcmp(u, "/metrics"))
		return R_METRICS;
	if (!strcmp(u, "/"))
		return R_ROOT;
	if (!strcmp(u, "/survey"))
		return R_SURVEY;
	return R_NONE;
}

static enum MHD_Result post_iter(void *cls, enum MHD_ValueKind kind, const char *key,
				 const char *filename, const char *content_type,
				 const char *transfer_encoding, const char *data,
				 uint64_t off, size_t size)
{
	struct req *r = cls;
	if (filename) {
		if (key && !strcmp(key, FORM_ATTACHMENTS))
			form_add_file_data(r->form, filename, content_type, data, size, off);
	} else {
		form_add_data(r->form, key, data, size, off);
	}
	return MHD_YES;
}

/* media_type - the Content-Type without parameters, lower case. g_free. */
static char *media_type(struct MHD_Connection *c, const char **params)
{
	const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	if (!ct)
		return g_strdup("");
	const char *semi = strchr(ct, ';');
	if (params)
		*params = semi ? semi + 1 : "";
	char *t = g_strstrip(g_ascii_strdown(ct, semi ? semi - ct : -1));
	return t;
}

/* start_post - checks before any body byte is read; an error status in
 * r->status is answered at once (no 100 Continue is sent then). */
static void start_post(struct web *web, struct MHD_Connection *c, struct req *r)
{
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl && g_ascii_strtoull(cl, NULL, 10) > (guint64)web->cfg->web_max_body_size) {
		r->status = 413;
		return;
	}
	const char *params = "";
	char *type = media_type(c, &params);
	struct form_limits lim = {
		.max_attachments = (unsigned)web->cfg->web_max_attachments,
		.max_attachment_size = (size_t)web->cfg->web_max_attachment_size,
	};
	r->form = form_new(&lim);
	if (r->route == R_API) {
		char *p = g_ascii_strdown(params, -1);
		bool charset_ok = !strstr(p, "charset") || strstr(p, "charset=utf-8") ||
				  strstr(p, "charset=\"utf-8\"");
		g_free(p);
		if (strcmp(type, "application/json") || !charset_ok)
			r->status = 415;
		else
			r->body = g_byte_array_new();
	} else if (r->route == R_SURVEY) {
		/* a rating and a comment: read whole, decoded in survey_post */
		if (strcmp(type, "application/x-www-form-urlencoded"))
			r->status = 415;
		else
			r->body = g_byte_array_new();
	} else if (!strcmp(type, "application/x-www-form-urlencoded") ||
		   !strcmp(type, "multipart/form-data")) {
		r->pp = MHD_create_post_processor(c, POST_BUFFER, post_iter, r);
		if (!r->pp) {
			r->status = 400;  /* multipart without a usable boundary */
			r->error = g_strdup("malformed multipart Content-Type");
		}
	} else {
		r->status = 415;
	}
	g_free(type);
}

static enum MHD_Result first_call(struct web *web, struct MHD_Connection *c, const char *u,
				  const char *method, void **con_cls)
{
	struct req *r = g_new0(struct req, 1);
	*con_cls = r;
	r->route = route_of(u);
	r->started = g_get_monotonic_time();
	r->post = !strcmp(method, MHD_HTTP_METHOD_POST);
	r->lang = choose_lang(web, c, &r->lang_asked);
	client_address(web, c, r->client, sizeof r->client);
	bool get = !strcmp(method, MHD_HTTP_METHOD_GET) || !strcmp(method, MHD_HTTP_METHOD_HEAD);
	bool posts = r->route == R_FORM || r->route == R_API || r->route == R_SURVEY;
	if (r->route == R_NONE)
		return respond_text(c, 404, "Not found\n", NULL);
	if ((r->post && !posts) || (!r->post && !get) || (get && r->route == R_API)) {
		const char *const h[] = { MHD_HTTP_HEADER_ALLOW,
			r->route == R_API ? "POST" : r->route == R_FORM ? "GET, HEAD, POST" : "GET, HEAD",
			NULL };
		return respond_text(c, 405, "Method not allowed\n", h);
	}
	if (!r->post)
		return MHD_YES;
	int64_t wait = ratelimit_take(&web->rl, r->client, g_get_real_time() / G_USEC_PER_SEC);
	if (wait) {
		char secs[24];
		g_snprintf(secs, sizeof secs, "%lld", (long long)wait);
		const char *const h[] = { MHD_HTTP_HEADER_RETRY_AFTER, secs, NULL };
		log_info("web post refused: rate limit client=%s", r->client);
		return r->route == R_API ? api_error(c, 429, "too many requests", h)
		       : respond_text(c, 429, "Too many requests; please try again later.\n", h);
	}
	start_post(web, c, r);
	if (r->status == 413 || r->status == 415)
		return r->route == R_API
		       ? api_error(c, r->status, r->status == 413 ? "body too large"
				   : "unsupported content type (application/json expected)", NULL)
		       : respond_text(c, r->status, r->status == 413 ? "Request too large.\n"
				      : "Unsupported content type.\n", NULL);
	return MHD_YES;
}

/* body_chunk - a piece of the body: counted against the limit and the
 * request deadline, then fed to the decoder. MHD_NO drops the connection. */
static enum MHD_Result body_chunk(struct web *web, struct req *r, const char *data, size_t n)
{
	int64_t age = g_get_monotonic_time() - r->started;
	if (age > web->cfg->web_request_timeout * G_USEC_PER_SEC) {
		log_info("web request timed out client=%s received=%" G_GUINT64_FORMAT,
			 r->client, r->received);
		metrics_http(408);
		return MHD_NO;
	}
	r->received += n;
	uint64_t max = (uint64_t)web->cfg->web_max_body_size;
	if (r->received > max) {
		if (!r->status)
			r->status = 413;
		return r->received > max * DRAIN_FACTOR ? MHD_NO : MHD_YES;
	}
	if (r->status)
		return MHD_YES;
	if (r->pp && MHD_post_process(r->pp, data, n) != MHD_YES) {
		r->status = 400;
		r->error = g_strdup("malformed form body");
	} else if (r->body) {
		g_byte_array_append(r->body, (const guint8 *)data, (guint)n);
	}
	return MHD_YES;
}

static enum MHD_Result finish_post(struct web *web, struct MHD_Connection *c, struct req *r)
{
	if (r->pp) {
		MHD_destroy_post_processor(r->pp);  /* flushes the last field */
		r->pp = NULL;
	}
	if (r->status == 413)
		return r->route == R_API ? api_error(c, 413, "body too large", NULL)
		       : respond_text(c, 413, "Request too large.\n", NULL);
	if (r->status)
		return r->route == R_API ? api_error(c, r->status, r->error, NULL)
		       : respond_text(c, r->status, r->error ? r->error : "Bad request\n", NULL);
	if (r->route == R_API)
		return api_done(web, c, r);
	if (r->route == R_SURVEY)
		return survey_post(web, c, r);
	if (form_lang(r->form))
		r->lang = form_lang(r->form);
	return form_done(web, c, r);
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *u,
			      const char *method, const char *version, const char *data,
			      size_t *size, void **con_cls)
{
	struct web *web = cls;
	struct req *r = *con_cls;
	if (!r)
		return first_call(web, c, u, method, con_cls);
	if (r->post) {
		if (*size) {
			enum MHD_Result rc = body_chunk(web, r, data, *size);
			*size = 0;
			return rc;
		}
		return finish_post(web, c, r);
	}
	switch (r->route) {
	case R_FORM: return form_page(web, c, 200, r->lang, NULL);
	case R_DONE: return done_page(web, c, r->lang);
	case R_HEALTH: return health(web, c);
	case R_METRICS: return metrics_page(c);
	case R_SURVEY: return survey_get(web, c, r);
	case R_ROOT: {
		char *loc = url(web, "/complaint");
		const char *const h[] = { MHD_HTTP_HEADER_LOCATION, loc, NULL };
		enum MHD_Result rc = respond_text(c, 303, "See Other\n", h);
		g_free(loc);
		return rc;
	}
	default: return respond_text(c, 404, "Not found\n", NULL);
	}
}

/* ---- start and stop ------------------------------------------------------------------ */

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char *s = g_strdup_vprintf(fmt, ap);
	g_strchomp(s);
	log_info("http: %s", s);
	g_free(s);
}

static bool read_pem(const char *path, char **out, GError **err)
{
	if (!*path)
		return true;
	return g_file_get_contents(path, out, NULL, err);
}

static int listen_addr(const struct config *cfg, struct sockaddr_storage *ss, unsigned *flags)
{
	memset(ss, 0, sizeof *ss);
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, cfg->web_listen, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)cfg->web_port);
		return 0;
	}
	if (inet_pton(AF_INET6, cfg->web_listen, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)cfg->web_port);
		*flags |= MHD_USE_IPv6;
		return 0;
	}
	return -1;
}

static struct MHD_Daemon *start_mhd(struct web *web, const struct sockaddr_storage *ss,
				    unsigned flags)
{
	const struct config *cfg = web->cfg;
	struct MHD_OptionItem tls[] = {
		{ MHD_OPTION_HTTPS_MEM_CERT, 0, web->tls_cert },
		{ MHD_OPTION_HTTPS_MEM_KEY, 0, web->tls_key },
		{ MHD_OPTION_END, 0, NULL },
	};
	if (web->tls_cert)
		flags |= MHD_USE_TLS;
	else
		tls[0].option = MHD_OPTION_END;
	return MHD_start_daemon(flags, (uint16_t)cfg->web_port, NULL, NULL, answer, web,
		/* first, so that MHD logs nothing on its own before it */
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, web,
		MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)ss,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)cfg->web_threads,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)cfg->web_connection_timeout,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)cfg->web_max_connections,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)cfg->web_max_connections_per_ip,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)cfg->web_connection_memory,
		MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned int)1024,
		MHD_OPTION_NOTIFY_COMPLETED, request_completed, web,
		MHD_OPTION_ARRAY, tls,
		MHD_OPTION_END);
}

static void web_free(struct web *web)
{
	g_free(web->id_domain);
	g_free(web->tls_cert);
	if (web->tls_key) {
		explicit_bzero(web->tls_key, strlen(web->tls_key));
		g_free(web->tls_key);
	}
	g_hash_table_unref(web->rl.by_addr);
	g_mutex_clear(&web->rl.lock);
	g_free(web);
}

struct web *web_start(const struct pipeline_env *env, const struct store_params *db,
		      GError **err)
{
	const struct config *cfg = env->cfg;
	if (!cfg->web_port)
		return NULL;
	struct web *web = g_new0(struct web, 1);
	web->env = env;
	web->cfg = cfg;
	web->db = db;
	g_mutex_init(&web->rl.lock);
	web->rl.by_addr = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	web->rl.limit = (unsigned)cfg->web_rate_limit;
	web->rl.seconds = cfg->web_rate_window;
	const char *at = strrchr(cfg->company_from, '@');
	web->id_domain = g_strdup(at ? at + 1 : "web.invalid");
	struct sockaddr_storage ss;
	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
	if (!read_pem(cfg->web_tls_cert_file, &web->tls_cert, err) ||
	    !read_pem(cfg->web_tls_key_file, &web->tls_key, err)) {
		web_free(web);
		return NULL;
	}
	if (listen_addr(cfg, &ss, &flags) < 0 || !(web->mhd = start_mhd(web, &ss, flags))) {
		g_set_error(err, WEB_ERROR, 1, "cannot listen on %s port %lld",
			    cfg->web_listen, (long long)cfg->web_port);
		web_free(web);
		return NULL;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(web->mhd, MHD_DAEMON_INFO_BIND_PORT);
	web->port = di ? di->port : (unsigned)cfg->web_port;
	log_info("web form listening address=%s port=%u tls=%s threads=%lld", cfg->web_listen,
		 web->port, web->tls_cert ? "yes" : "no", (long long)cfg->web_threads);
	return web;
}

void web_stop(struct web **wp)
{
	struct web *web = *wp;
	if (!web)
		return;
	MHD_stop_daemon(web->mhd);
	web_free(web);
	*wp = NULL;
}

unsigned web_port(const struct web *w)
{
	return w ? w->port : 0;
}
