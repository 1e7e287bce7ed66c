/* web - the web listener put together: httpd with the route table of the
 * form, its API, the survey pages, health and metrics. */
#include "intake/web.h"

#include <string.h>

#include "intake/httpd.h"
#include "intake/webform.h"
#include "intake/webpage.h"
#include "intake/websurvey.h"
#include "lib/batcher.h"
#include "lib/config.h"
#include "lib/log.h"
#include "workflow/channel.h"
#include "workflow/pipeline.h"

/* Posts stored together: up to WEB_BATCH in a transaction, WEB_LEADERS
 * transactions at a time (while one waits for the server, the next batch
 * is parsed and classified; more only make them wait for each other's
 * locks). WEB_IDLE database connections stay open between requests: the
 * leaders', and some for survey pages and health checks. */
#define WEB_BATCH 32
#define WEB_LEADERS 2
#define WEB_IDLE 4

struct web {
	struct webpage_site site;
	struct batcher *batcher;
	char *id_domain;
	struct httpd *httpd;
};

/* health - 200 when this thread's database connection answers. */
static bool health(void *site, struct httpd_req *r)
{
	const struct webpage_site *s = site;
	GError *err = NULL;
	struct channel *ch = channels_take(s->channels);
	int rc = channel_ping(ch, &err);
	channels_give(s->channels, ch);
	if (rc == 0)
		return httpd_text(r, 200, "ok\n", NULL);
	/* the server's error names hosts, users and versions: it goes to our
	 * log, the (perhaps public) client gets a plain word */
	log_warn("healthz: database unavailable: %s", err ? err->message : "?");
	g_clear_error(&err);
	return httpd_text(r, 503, "database unavailable\n", NULL);
}

static bool root(void *site, struct httpd_req *r)
{
	char *loc = webpage_url(site, "/complaint");
	bool rc = httpd_see_other(r, loc);
	g_free(loc);
	return rc;
}

static const char *const FORM_TYPES[] = {
	"application/x-www-form-urlencoded", "multipart/form-data", NULL };
static const char *const JSON_TYPES[] = { "application/json", NULL };
static const char *const URLENCODED[] = { "application/x-www-form-urlencoded", NULL };

static const struct httpd_route ROUTES[] = {
	{ .path = "/complaint", .methods = HTTPD_GET | HTTPD_POST, .types = FORM_TYPES,
	  .get = webform_page, .post = webform_post, .post_begin = webform_begin,
	  .post_free = webform_end, .field = webform_field },
	{ .path = "/complaint/done", .methods = HTTPD_GET, .get = webform_done },
	{ .path = "/complaint/style.css", .methods = HTTPD_GET, .get = webform_style },
	{ .path = "/api/v1/complaints", .methods = HTTPD_POST, .json_errors = true,
	  .types = JSON_TYPES, .utf8_only = true, .post = webform_api,
	  .post_begin = webform_begin, .post_free = webform_end },
	/* a rating and a comment: read whole */
	{ .path = "/survey", .methods = HTTPD_GET | HTTPD_POST, .types = URLENCODED,
	  .max_body = WEBSURVEY_MAX_BODY, .get = websurvey_get, .post = websurvey_post },
	{ .path = "/healthz", .methods = HTTPD_GET, .get = health },
	{ .path = "/metrics", .methods = HTTPD_GET, .get = httpd_metrics },
	{ .path = "/", .methods = HTTPD_GET, .get = root },
};

struct web *web_start(const struct pipeline_env *env, const struct store_params *db,
		      GError **err)
{
	const struct config *cfg = env->cfg;
	if (!cfg->web_port)
		return NULL;
	struct web *web = g_new0(struct web, 1);
	const char *at = strrchr(cfg->company_from, '@');
	web->id_domain = g_strdup(at ? at + 1 : "web.invalid");
	web->batcher = batcher_new(WEB_BATCH, WEB_LEADERS);
	web->site = (struct webpage_site){ .env = env, .cfg = cfg, .db = db,
					   .id_domain = web->id_domain,
					   .channels = channels_new(env, db, web->batcher, WEB_IDLE) };
	web->httpd = httpd_start(cfg, ROUTES, G_N_ELEMENTS(ROUTES), &web->site, err);
	if (!web->httpd) {
		channels_free(&web->site.channels);
		batcher_free(&web->batcher);
		g_free(web->id_domain);
		g_free(web);
		return NULL;
	}
	char threads[24] = "per-connection";
	if (cfg->web_threads)
		g_snprintf(threads, sizeof(threads), "%lld", (long long)cfg->web_threads);
	log_info("web form listening address=%s port=%u tls=%s threads=%s", cfg->web_listen,
		 httpd_port(web->httpd), httpd_tls(web->httpd) ? "yes" : "no", threads);
	return web;
}

void web_stop(struct web **wp)
{
	struct web *web = *wp;
	if (!web)
		return;
	httpd_stop(&web->httpd);
	channels_free(&web->site.channels);
	batcher_free(&web->batcher);
	g_free(web->id_domain);
	g_free(web);
	*wp = NULL;
}

unsigned web_port(const struct web *w)
{
	return w ? httpd_port(w->httpd) : 0;
}
