/* httpd - listening, limits, client trust, rate limiting, routing and
 * responses over libmicrohttpd; no complaint in sight. */
#include "intake/httpd.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <microhttpd.h>

#include "lib/config.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/metrics.h"

#define HTTPD_ERROR (g_quark_from_static_string("httpd-error"))
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

/* ratelimit_key - what a client is counted as: its IPv4 address, or the /64
 * of its IPv6 address (one customer line gets a whole /64, so counting
 * single IPv6 addresses would let one sender take 2^64 turns). */
static void ratelimit_key(const char *client, char *key, size_t size)
{
	struct in6_addr a;
	if (strchr(client, ':') && inet_pton(AF_INET6, client, &a) == 1 &&
	    !IN6_IS_ADDR_V4MAPPED(&a)) {
		char text[INET6_ADDRSTRLEN];
		memset(a.s6_addr + 8, 0, 8);
		inet_ntop(AF_INET6, &a, text, sizeof text);
		g_snprintf(key, size, "%s/64", text);
	} else {
		g_strlcpy(key, client, size);
	}
}

/* ---- the server and its requests ------------------------------------------------ */

struct httpd {
	const struct config *cfg;
	const struct httpd_route *routes;
	size_t n_routes;
	void *app;
	struct MHD_Daemon *mhd;
	unsigned port;
	struct ratelimit rl;
	char *tls_cert, *tls_key; /* PEM contents */
	gssize held;              /* body bytes the requests in hand hold (atomic) */
};

/* HELD_BODIES - how many bodies of [web] max_body_size the requests in hand
 * may hold together: each is kept in memory until it is answered, and 30
 * posts of 8 MB at once took 600 MB. Beyond, posts get 503 and Retry-After
 * until memory is freed. */
#define HELD_BODIES 8

struct httpd_req {
	struct MHD_Connection *c;
	const struct httpd_route *route;
	bool post;
	unsigned status;          /* a decided error (413, 415, 400); 0 = none */
	char *error;              /* its explanation */
	void *state;              /* the route's post_begin */
	struct MHD_PostProcessor *pp;
	GByteArray *body;         /* a body kept whole */
	uint64_t received;
	int64_t started;          /* monotonic microseconds */
	char client[INET6_ADDRSTRLEN];
	bool answered;            /* the first call queued the response */
	bool urlencoded;          /* an application/x-www-form-urlencoded body for MHD's decoder */
	uint64_t held;            /* what of struct httpd held is this request's */
	unsigned char owed;       /* hex digits a '%' of it still owes */
};

static void req_free(struct httpd_req *r)
{
	if (!r)
		return;
	if (r->pp)
		MHD_destroy_post_processor(r->pp);
	if (r->state && r->route->post_free)
		r->route->post_free(r->state);
	if (r->body)
		g_byte_array_unref(r->body);
	g_free(r->error);
	g_free(r);
}

static void request_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			      enum MHD_RequestTerminationCode toe)
{
	struct httpd *h = cls;
	struct httpd_req *r = *con_cls;
	if (r && r->held) {
		g_atomic_pointer_add(&h->held, -(gssize)r->held);
		metrics_add_gauge(METRIC_GAUGE_WEB_BODY_BYTES, -(int64_t)r->held);
	}
	req_free(r);
	*con_cls = NULL;
}

const char *httpd_arg(const struct httpd_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->c, MHD_GET_ARGUMENT_KIND, name);
}

const char *httpd_header(const struct httpd_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->c, MHD_HEADER_KIND, name);
}

const char *httpd_client(const struct httpd_req *r)
{
	return r->client;
}

const char *httpd_body(const struct httpd_req *r, size_t *len)
{
	*len = r->body ? r->body->len : 0;
	return r->body ? (const char *)r->body->data : NULL;
}

uint64_t httpd_received(const struct httpd_req *r)
{
	return r->received;
}

void *httpd_state(const struct httpd_req *r)
{
	return r->state;
}

/* ---- responses ------------------------------------------------------------------- */

bool httpd_respond(struct httpd_req *r, unsigned status, const char *type, const char *body,
		   size_t len, const char *const *headers)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, (void *)body,
								    MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return false;
	if (type)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	for (; headers && headers[0]; headers += 2)
		MHD_add_response_header(resp, headers[0], headers[1]);
	enum MHD_Result rc = MHD_queue_response(r->c, status, resp);
	MHD_destroy_response(resp);
	metrics_http(status);
	return rc == MHD_YES;
}

bool httpd_text(struct httpd_req *r, unsigned status, const char *text,
		const char *const *headers)
{
	return httpd_respond(r, status, "text/plain; charset=utf-8", text, strlen(text), headers);
}

bool httpd_json(struct httpd_req *r, unsigned status, const GString *out,
		const char *const *headers)
{
	return httpd_respond(r, status, "application/json; charset=utf-8", out->str, out->len,
			     headers);
}

bool httpd_json_error(struct httpd_req *r, unsigned status, const char *msg,
		      const char *const *headers)
{
	GString *out = g_string_new(NULL);
	struct json *j = json_new(out);
	json_object_begin(j);
	json_kv_string(j, "error", msg);
	json_object_end(j);
	json_free(&j);
	bool rc = httpd_json(r, status, out, headers);
	g_string_free(out, TRUE);
	return rc;
}

/* style-src 'self': the stylesheet the daemon serves (webform.h) */
static const char CSP[] = "default-src 'none'; style-src 'self' 'unsafe-inline'; "
			  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

bool httpd_html(struct httpd_req *r, unsigned status, const char *html)
{
	const char *const h[] = { "Content-Security-Policy", CSP, "X-Frame-Options", "DENY", NULL };
	return httpd_respond(r, status, "text/html; charset=utf-8", html, strlen(html), h);
}

bool httpd_see_other(struct httpd_req *r, const char *location)
{
	const char *const h[] = { MHD_HTTP_HEADER_LOCATION, location, NULL };
	return httpd_text(r, 303, "See Other\n", h);
}

bool httpd_metrics(void *app, struct httpd_req *r)
{
	GString *out = g_string_new(NULL);
	metrics_render(out);
	bool rc = httpd_respond(r, 200, "text/plain; version=0.0.4; charset=utf-8",
				out->str, out->len, NULL);
	g_string_free(out, TRUE);
	return rc;
}

/* refuse - httpd's own error: {"error": json} or text, as the route asks. */
static bool refuse(struct httpd_req *r, unsigned status, const char *json, const char *text,
		   const char *const *headers)
{
	return r->route && r->route->json_errors ? httpd_json_error(r, status, json, headers)
	       : httpd_text(r, status, text, headers);
}

/* ---- client address -------------------------------------------------------------- */

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
static void client_address(struct httpd *h, struct MHD_Connection *c, char *out, size_t size)
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
	if (!trusted_proxy(h->cfg, out))
		return;
	const char *xff = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-For");
	if (!xff)
		return;
	char **hops = g_strsplit(xff, ",", 64);
	for (int i = (int)g_strv_length(hops) - 1; i >= 0; i--) {
		char *hop = g_strstrip(hops[i]);
		if (!ip_text(hop))
			break;
		if (!trusted_proxy(h->cfg, hop) || i == 0) {
			g_strlcpy(out, hop, size);
			if (!trusted_proxy(h->cfg, hop))
				break;
		}
	}
	g_strfreev(hops);
}

/* ---- the request's first call: route, limits, content type -------------------------- */

static const struct httpd_route *route_of(struct httpd *h, const char *u)
{
	for (size_t i = 0; i < h->n_routes; i++)
		if (!strcmp(u, h->routes[i].path))
			return &h->routes[i];
	return NULL;
}

static enum MHD_Result post_iter(void *cls, enum MHD_ValueKind kind, const char *key,
				 const char *filename, const char *content_type,
				 const char *transfer_encoding, const char *data,
				 uint64_t off, size_t size)
{
	struct httpd_req *r = cls;
	r->route->field(r->state, key, filename, content_type, data, size, off);
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

/* charset_utf8 - the Content-Type parameters name no charset, or UTF-8
 * (quoted or not, any case). Each parameter is read whole: "charset=utf-8x"
 * or x="charset=utf-8" name another charset or none. */
static bool charset_utf8(const char *params)
{
	bool ok = true;
	char **v = g_strsplit(params, ";", 0);
	for (char **p = v; *p && ok; p++) {
		char *eq = strchr(*p, '=');
		if (!eq)
			continue;
		*eq = '\0';
		if (g_ascii_strcasecmp(g_strstrip(*p), "charset"))
			continue;
		char *val = g_strstrip(eq + 1);
		size_t n = strlen(val);
		if (n >= 2 && val[0] == '"' && val[n - 1] == '"') {
			val[n - 1] = '\0';
			val++;
		}
		ok = !g_ascii_strcasecmp(val, "utf-8") || !g_ascii_strcasecmp(val, "utf8");
	}
	g_strfreev(v);
	return ok;
}

static bool type_taken(const struct httpd_route *rt, const char *type, const char *params)
{
	bool known = false;
	for (const char *const *t = rt->types; t && *t && !known; t++)
		known = !strcmp(type, *t);
	if (!known || !rt->utf8_only)
		return known;
	return charset_utf8(params);
}

/* max_body - the most a POST to rt may carry (struct httpd_route max_body). */
static uint64_t max_body(const struct httpd *h, const struct httpd_route *rt)
{
	uint64_t all = (uint64_t)h->cfg->web_max_body_size;
	return rt->max_body && rt->max_body < all ? rt->max_body : all;
}

/* start_post - checks before any body byte is read; an error status in
 * r->status is answered at once (no 100 Continue is sent then). */
static void start_post(struct httpd *h, struct httpd_req *r)
{
	const struct httpd_route *rt = r->route;
	const char *cl = MHD_lookup_connection_value(r->c, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl && g_ascii_strtoull(cl, NULL, 10) > max_body(h, rt)) {
		r->status = 413;
		return;
	}
	const char *params = "";
	char *type = media_type(r->c, &params);
	bool taken = type_taken(rt, type, params);
	/* decoded by libmicrohttpd (see escapes_ok); a route that reads its
	 * body whole decodes it itself, strictly */
	r->urlencoded = taken && rt->field && !g_strcmp0(type, "application/x-www-form-urlencoded");
	g_free(type);
	if (!taken) {
		r->status = 415;
		return;
	}
	if (rt->post_begin)
		r->state = rt->post_begin(h->app, r);
	if (!rt->field) {
		r->body = g_byte_array_new();
		return;
	}
	r->pp = MHD_create_post_processor(r->c, POST_BUFFER, post_iter, r);
	if (!r->pp) {
		r->status = 400;  /* multipart without a usable boundary */
		r->error = g_strdup("malformed multipart Content-Type");
	}
}

/* allow - the Allow header of a route. */
static const char *allow(const struct httpd_route *rt)
{
	if (!(rt->methods & HTTPD_GET))
		return "POST";
	return rt->methods & HTTPD_POST ? "GET, HEAD, POST" : "GET, HEAD";
}

static enum MHD_Result first_call(struct httpd *h, struct MHD_Connection *c, const char *u,
				  const char *method, void **con_cls)
{
	struct httpd_req *r = g_new0(struct httpd_req, 1);
	*con_cls = r;
	r->c = c;
	r->route = route_of(h, u);
	r->started = g_get_monotonic_time();
	r->post = !strcmp(method, MHD_HTTP_METHOD_POST);
	client_address(h, c, r->client, sizeof r->client);
	r->answered = true;  /* unless it returns before the end */
	bool get = !strcmp(method, MHD_HTTP_METHOD_GET) || !strcmp(method, MHD_HTTP_METHOD_HEAD);
	const struct httpd_route *rt = r->route;
	if (!rt) {
		r->route = NULL;
		return httpd_text(r, 404, "Not found\n", NULL) ? MHD_YES : MHD_NO;
	}
	if ((r->post && !(rt->methods & HTTPD_POST)) || (!r->post && !get) ||
	    (get && !(rt->methods & HTTPD_GET))) {
		const char *const hd[] = { MHD_HTTP_HEADER_ALLOW, allow(rt), NULL };
		return httpd_text(r, 405, "Method not allowed\n", hd) ? MHD_YES : MHD_NO;
	}
	if (!r->post) {
		r->answered = false;
		return MHD_YES;
	}
	char key[INET6_ADDRSTRLEN + 8];
	ratelimit_key(r->client, key, sizeof key);
	int64_t wait = ratelimit_take(&h->rl, key, g_get_real_time() / G_USEC_PER_SEC);
	if (wait) {
		char secs[24];
		g_snprintf(secs, sizeof secs, "%lld", (long long)wait);
		const char *const hd[] = { MHD_HTTP_HEADER_RETRY_AFTER, secs, NULL };
		log_info("web post refused: rate limit client=%s", r->client);
		return refuse(r, 429, "too many requests",
			      "Too many requests; please try again later.\n", hd) ? MHD_YES : MHD_NO;
	}
	r->answered = false;
	start_post(h, r);
	r->answered = r->status == 413 || r->status == 415;
	if (r->status == 413)
		return refuse(r, 413, "body too large", "Request too large.\n", NULL)
		       ? MHD_YES : MHD_NO;
	if (r->status == 415) {
		char *msg = g_strdup_printf("unsupported content type (%s expected)",
					    rt->types && rt->types[0] ? rt->types[0] : "?");
		bool ok = refuse(r, 415, msg, "Unsupported content type.\n", NULL);
		g_free(msg);
		return ok ? MHD_YES : MHD_NO;
	}
	return MHD_YES;
}

/* escapes_ok - the piece of an urlencoded body has every '%' followed by
 * two hex digits (r->owed carries a '%' across pieces). libmicrohttpd's
 * decoder passes "ab%&email=x@y" on as "ab" and "%x@y": a broken escape
 * would move into the next field, which may be the address we answer. */
static bool escapes_ok(struct httpd_req *r, const char *data, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (r->owed) {
			if (!g_ascii_isxdigit(data[i]))
				return false;
			r->owed--;
		} else if (data[i] == '%') {
			r->owed = 2;
		}
	}
	return true;
}

/* hold - count n more body bytes of r against what all requests may hold
 * (HELD_BODIES); false when they would be over it. */
static bool hold(struct httpd *h, struct httpd_req *r, size_t n)
{
	gssize limit = (gssize)HELD_BODIES * (gssize)h->cfg->web_max_body_size;
	gssize was = g_atomic_pointer_add(&h->held, (gssize)n);
	if (was + (gssize)n > limit) {
		g_atomic_pointer_add(&h->held, -(gssize)n);
		return false;
	}
	r->held += n;
	metrics_add_gauge(METRIC_GAUGE_WEB_BODY_BYTES, (int64_t)n);
	return true;
}

/* body_chunk - a piece of the body: counted against the limit and the
 * request deadline, then fed to the decoder. MHD_NO drops the connection. */
static enum MHD_Result body_chunk(struct httpd *h, struct httpd_req *r, const char *data,
				  size_t n)
{
	int64_t age = g_get_monotonic_time() - r->started;
	if (age > h->cfg->web_request_timeout * G_USEC_PER_SEC) {
		log_info("web request timed out client=%s received=%" G_GUINT64_FORMAT,
			 r->client, r->received);
		metrics_http(408);
		return MHD_NO;
	}
	r->received += n;
	uint64_t max = max_body(h, r->route);
	if (r->received > max) {
		if (!r->status)
			r->status = 413;
		return r->received > max * DRAIN_FACTOR ? MHD_NO : MHD_YES;
	}
	if (r->status)
		return MHD_YES;
	if (!hold(h, r, n)) {
		r->status = 503;
		r->error = g_strdup("busy: too many large posts at once");
		log_info("web post refused: %" G_GSSIZE_FORMAT " body bytes held already client=%s",
			 (gssize)g_atomic_pointer_get(&h->held), r->client);
	} else if (r->urlencoded && !escapes_ok(r, data, n)) {
		r->status = 400;
		r->error = g_strdup("malformed form body: '%' without two hex digits");
	} else if (r->pp && MHD_post_process(r->pp, data, n) != MHD_YES) {
		r->status = 400;
		r->error = g_strdup("malformed form body");
	} else if (r->body) {
		g_byte_array_append(r->body, (const guint8 *)data, (guint)n);
	}
	return MHD_YES;
}

static bool finish_post(struct httpd *h, struct httpd_req *r)
{
	if (r->urlencoded && r->owed && !r->status) {
		r->status = 400;
		r->error = g_strdup("malformed form body: '%' without two hex digits");
	}
	if (r->pp) {
		MHD_destroy_post_processor(r->pp);  /* flushes the last field */
		r->pp = NULL;
	}
	if (r->status == 413)
		return refuse(r, 413, "body too large", "Request too large.\n", NULL);
	if (r->status == 503) {
		const char *const hd[] = { MHD_HTTP_HEADER_RETRY_AFTER, "5", NULL };
		return refuse(r, 503, r->error, "Busy, please try again in a moment.\n", hd);
	}
	if (r->status)
		return refuse(r, r->status, r->error, r->error ? r->error : "Bad request\n", NULL);
	return r->route->post(h->app, r);
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *u,
			      const char *method, const char *version, const char *data,
			      size_t *size, void **con_cls)
{
	struct httpd *h = cls;
	struct httpd_req *r = *con_cls;
	if (!r)
		return first_call(h, c, u, method, con_cls);
	if (r->answered) {
		*size = 0;  /* what follows an early answer is not read */
		return MHD_YES;
	}
	if (r->post) {
		if (*size) {
			enum MHD_Result rc = body_chunk(h, r, data, *size);
			*size = 0;
			return rc;
		}
		return finish_post(h, r) ? MHD_YES : MHD_NO;
	}
	if (*size) {
		*size = 0;  /* a body sent with GET or HEAD means nothing: not read */
		return MHD_YES;
	}
	return r->route->get(h->app, r) ? MHD_YES : MHD_NO;
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

static struct MHD_Daemon *start_mhd(struct httpd *h, const struct sockaddr_storage *ss,
				    unsigned flags)
{
	const struct config *cfg = h->cfg;
	struct MHD_OptionItem tls[] = {
		{ MHD_OPTION_HTTPS_MEM_CERT, 0, h->tls_cert },
		{ MHD_OPTION_HTTPS_MEM_KEY, 0, h->tls_key },
		{ MHD_OPTION_END, 0, NULL },
	};
	if (h->tls_cert)
		flags |= MHD_USE_TLS;
	else
		tls[0].option = MHD_OPTION_END;
	return MHD_start_daemon(flags, (uint16_t)cfg->web_port, NULL, NULL, answer, h,
		/* first, so that MHD logs nothing on its own before it */
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, h,
		MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)ss,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)cfg->web_threads, /* 0: none */
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)cfg->web_connection_timeout,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)cfg->web_max_connections,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)cfg->web_max_connections_per_ip,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)cfg->web_connection_memory,
		MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned int)1024,
		MHD_OPTION_NOTIFY_COMPLETED, request_completed, h,
		MHD_OPTION_ARRAY, tls,
		MHD_OPTION_END);
}

static void httpd_free(struct httpd *h)
{
	g_free(h->tls_cert);
	if (h->tls_key) {
		explicit_bzero(h->tls_key, strlen(h->tls_key));
		g_free(h->tls_key);
	}
	g_hash_table_unref(h->rl.by_addr);
	g_mutex_clear(&h->rl.lock);
	g_free(h);
}

struct httpd *httpd_start(const struct config *cfg, const struct httpd_route *routes,
			  size_t n, void *app, GError **err)
{
	struct httpd *h = g_new0(struct httpd, 1);
	h->cfg = cfg;
	h->routes = routes;
	h->n_routes = n;
	h->app = app;
	g_mutex_init(&h->rl.lock);
	h->rl.by_addr = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	h->rl.limit = (unsigned)cfg->web_rate_limit;
	h->rl.seconds = cfg->web_rate_window;
	struct sockaddr_storage ss;
	/* threads = 0: a thread for each connection, up to max_connections.
	 * In a pool (the default), a post that waits for its commit holds its
	 * worker, and with it every other keep-alive connection the worker
	 * serves: their requests wait although the database is free, and the
	 * waits show in the tail (bench, 32 connections: p99 84-94 ms against
	 * 129-329 ms with a pool of 32, 3.1 statements a post against 3.5-4.9).
	 * But every thread that has served a post keeps its own malloc cache
	 * and stack pages: resident 37.5-40.6 MB against 33.8 MB after the same
	 * load, and an attacker's 512 connections would be 512 such threads.
	 * With a pool, poll(), not epoll: every worker waits on the shared
	 * listening socket, and an epoll worker, once woken, accepts up to ten
	 * connections in a row, so a burst of keep-alive connections (a proxy,
	 * a load balancer) landed on three or four of the workers; a poll
	 * worker accepts one a wake-up. */
	unsigned flags = cfg->web_threads ? MHD_USE_POLL_INTERNAL_THREAD
		: MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
	flags |= MHD_USE_ERROR_LOG;
	if (!read_pem(cfg->web_tls_cert_file, &h->tls_cert, err) ||
	    !read_pem(cfg->web_tls_key_file, &h->tls_key, err)) {
		httpd_free(h);
		return NULL;
	}
	if (listen_addr(cfg, &ss, &flags) < 0 || !(h->mhd = start_mhd(h, &ss, flags))) {
		g_set_error(err, HTTPD_ERROR, 1, "cannot listen on %s port %lld",
			    cfg->web_listen, (long long)cfg->web_port);
		httpd_free(h);
		return NULL;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_BIND_PORT);
	h->port = di ? di->port : (unsigned)cfg->web_port;
	return h;
}

void httpd_stop(struct httpd **hp)
{
	struct httpd *h = *hp;
	if (!h)
		return;
	MHD_stop_daemon(h->mhd);
	httpd_free(h);
	*hp = NULL;
}

unsigned httpd_port(const struct httpd *h)
{
	return h ? h->port : 0;
}

bool httpd_tls(const struct httpd *h)
{
	return h && h->tls_cert;
}
