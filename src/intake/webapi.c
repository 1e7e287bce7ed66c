/* webapi - the API with a key for complaints staff took down. */
#include "intake/webapi.h"

#include <string.h>
#include <glib.h>

#include "intake/httpd.h"
#include "intake/webpage.h"
#include "lib/clock.h"
#include "lib/config.h"
#include "lib/json.h"
#include "lib/jsonparse.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "mail/message.h"
#include "workflow/channel.h"
#include "workflow/taken.h"

static const char *const RETRY[] = { "Retry-After", "30", NULL };
static const char *const CHALLENGE[] = { "WWW-Authenticate", "Bearer realm=\"complaintd\"",
					  NULL };

int webapi_parse(struct taken *t, const char *data, size_t len, char **error_r)
{
	/* a flat object of strings: the text is the longest value */
	struct jsonparse_limits lim = {
		.max_bytes = len + 1, .max_depth = 2,
		.max_string = (size_t)taken_field_max(TAKEN_TEXT) * 4 + 16, .max_values = 100,
	};
	struct jsonparse_value *v = jsonparse_parse(data, len, &lim, error_r);
	if (!v)
		return -1;
	if (jsonparse_type(v) != JSONPARSE_OBJECT) {
		*error_r = g_strdup_printf("the body must be a JSON object, not %s",
					   jsonparse_type_name(jsonparse_type(v)));
		jsonparse_free(&v);
		return -1;
	}
	for (size_t i = 0; i < jsonparse_length(v); i++) {
		const char *key = jsonparse_key(v, i);
		int field = taken_field_of(key);
		size_t n = 0;
		const char *s = jsonparse_string(jsonparse_index(v, i), &n);
		if (field < 0)
			taken_reject(t, key, "unknown_field");
		else if (!s)
			taken_reject(t, key, "not_a_string");
		else
			taken_set(t, (enum taken_field)field, s, n);
	}
	jsonparse_free(&v);
	return 0;
}

bool webapi_unauthorized(struct httpd_req *r, const char *why)
{
	metrics_inc(METRIC_WEB_POSTS_INVALID);
	log_warn("api post refused client=%s: %s", httpd_client(r), why);
	return httpd_json_error(r, 401, "an API key is required (Authorization: Bearer KEY)",
				CHALLENGE);
}

/* bearer - the key of "Bearer KEY" (the scheme in any case), NULL when
 * the header is not of that form. */
static const char *bearer(const char *header)
{
	if (!header || g_ascii_strncasecmp(header, "Bearer ", 7))
		return NULL;
	const char *key = header + 7;
	while (*key == ' ')
		key++;
	return *key ? key : NULL;
}

static bool errors_answer(struct httpd_req *r, const struct taken *t)
{
	GString *out = g_string_new(NULL);
	struct json *j = json_new(out);
	json_object_begin(j);
	json_key(j, "errors");
	json_array_begin(j);
	for (unsigned i = 0; i < taken_error_count(t); i++) {
		const char *key, *code;
		taken_error_at(t, i, &key, &code);
		json_object_begin(j);
		json_kv_string(j, "field", key);
		json_kv_string(j, "code", code);
		char *msg = g_strdup_printf("%s %s", key, taken_error_text(code));
		json_kv_string(j, "message", msg);
		g_free(msg);
		json_object_end(j);
	}
	json_array_end(j);
	json_object_end(j);
	json_free(&j);
	bool rc = httpd_json(r, 400, out, NULL);
	g_string_free(out, TRUE);
	return rc;
}

static bool created(struct httpd_req *r, const struct channel_receipt *receipt, bool dup)
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

/* submit - the checked complaint t into the workflow under the key name. */
static bool submit(const struct webpage_site *s, struct httpd_req *r, const struct taken *t,
		   const char *name)
{
	int64_t now = clock_now();
	struct message *m = taken_to_message(t, name, s->id_domain, now);
	struct channel_receipt receipt;
	char *why = NULL;
	enum channel_outcome out = channels_submit(s->channels, m, now, &receipt, &why);
	bool dup = out == CHANNEL_DUPLICATE, rc;
	if (out == CHANNEL_NEW || dup) {
		log_info("api post ref=%s key=%s channel=%s client=%s%s", receipt.ref, name,
			 msg_channel_name(msg_channel(m)), httpd_client(r), dup ? " duplicate=1" : "");
		metrics_inc(dup ? METRIC_WEB_POSTS_DUPLICATE : METRIC_WEB_POSTS_NEW);
		rc = created(r, &receipt, dup);
	} else {
		log_warn("api post not stored key=%s client=%s: %s", name, httpd_client(r),
			 why ? why : "?");
		metrics_inc(METRIC_WEB_POSTS_FAILED);
		rc = out == CHANNEL_UNAVAILABLE
		     ? httpd_json_error(r, 503, "database unavailable", RETRY)
		     : httpd_json_error(r, 500, "internal error", NULL);
	}
	g_free(why);
	msg_free(&m);
	return rc;
}

bool webapi_post(void *site, struct httpd_req *r)
{
	const struct webpage_site *s = site;
	const char *name = config_api_key(s->cfg, bearer(httpd_header(r, "Authorization")));
	if (!name)
		return webapi_unauthorized(r, s->cfg->api_keys ? "unknown or malformed key"
					   : "no [api] keys_file configured");
	size_t len = 0;
	const char *body = httpd_body(r, &len);
	struct taken *t = taken_new();
	char *error = NULL;
	bool rc;
	char *taker = g_strconcat("api:", name, NULL);
	if (webapi_parse(t, body ? body : "", body ? len : 0, &error) < 0) {
		metrics_inc(METRIC_WEB_POSTS_INVALID);
		rc = httpd_json_error(r, 400, error, NULL);
	} else if (taken_validate(t, s->cfg, taker)) {
		metrics_inc(METRIC_WEB_POSTS_INVALID);
		rc = errors_answer(r, t);
	} else {
		rc = submit(s, r, t, name);
	}
	g_free(taker);
	g_free(error);
	taken_free(&t);
	return rc;
}
