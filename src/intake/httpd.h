/* httpd - the HTTP server under the web form, built on libmicrohttpd. It
 * knows nothing of complaints: it listens (plain or TLS) as [web] says,
 * enforces the limits (connections, body size, request time), finds the
 * client address (X-Forwarded-For only from [web] trusted_proxies), counts
 * posts per client against [web] rate_limit, routes by exact path through
 * a table of handler callbacks and writes the responses, with the security
 * headers every response carries and the per-status metrics.
 *
 * What httpd answers itself, before any handler runs: 404 (no route), 405
 * (method the route does not take, with Allow), 429 with Retry-After (rate
 * limit, posts only), 413 (Content-Length or body over max_body_size), 415
 * (a media type the route does not take), 400 (a form body that does not
 * decode); in JSON ({"error": ...}) on routes that ask for it, else text.
 * A body not received within request_timeout drops the connection.
 *
 * Threads: libmicrohttpd's thread pool ([web] threads); handlers run on the
 * pool threads, several at once, and must be thread-safe. */
#ifndef COMPLAINTD_HTTPD_H
#define COMPLAINTD_HTTPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

struct config;

struct httpd;
/* One request, from its first header to the response; owned by httpd and
 * valid only during the handler call. */
struct httpd_req;

/* A handler answers r (one of the httpd_respond* calls) and returns what
 * that returned: false drops the connection. app is httpd_start's. */
typedef bool httpd_handler(void *app, struct httpd_req *r);

/* A form field or a piece of an uploaded file (filename set) of a
 * streamed POST body, as libmicrohttpd's post processor decodes it: data
 * is size bytes at offset off of the value. */
typedef void httpd_field(void *state, const char *key, const char *filename,
			 const char *content_type, const char *data, size_t size, uint64_t off);

enum httpd_method { HTTPD_GET = 1, HTTPD_POST = 2 };  /* GET includes HEAD */

struct httpd_route {
	const char *path;               /* exact, without the query */
	unsigned methods;               /* enum httpd_method bits */
	bool json_errors;               /* httpd's own errors as {"error": ...} */
	/* POST: the media types taken (NULL-terminated); utf8_only refuses a
	 * charset parameter other than UTF-8 */
	const char *const *types;
	bool utf8_only;
	/* POST bodies over max_body bytes are refused (413) as soon as that
	 * shows, before they are read; 0: [web] max_body_size, which also
	 * bounds a larger value */
	size_t max_body;
	httpd_handler *get, *post;
	/* POST bodies are kept whole (httpd_body) unless field is set: then
	 * they are decoded (urlencoded or multipart) and streamed to field
	 * with the state post_begin made; post_free frees it after the
	 * response. post_begin runs once the request passed httpd's checks. */
	void *(*post_begin)(void *app, struct httpd_req *r);
	void (*post_free)(void *state);
	httpd_field *field;
};

/* httpd_start - listen as cfg's [web] section says and route by
 * routes[0..n). cfg, routes and app are borrowed and must outlive the
 * server. NULL with err when it cannot (TLS files unreadable, address
 * unusable, port taken). */
struct httpd *httpd_start(const struct config *cfg, const struct httpd_route *routes,
			  size_t n, void *app, GError **err);
/* httpd_stop - stop listening, finish the requests in hand (the pool
 * threads end, so their thread-local data is freed), free; NULL-safe, sets
 * *h to NULL. */
void httpd_stop(struct httpd **h);
/* httpd_port - the port listened on. */
unsigned httpd_port(const struct httpd *h);
/* httpd_tls - whether it speaks HTTPS. */
bool httpd_tls(const struct httpd *h);

/* ---- the request (borrowed strings, valid during the handler) ---- */

/* httpd_arg, httpd_header - a query argument, a request header; NULL. */
const char *httpd_arg(const struct httpd_req *r, const char *name);
const char *httpd_header(const struct httpd_req *r, const char *name);
/* httpd_client - the client's address as text (see client trust above). */
const char *httpd_client(const struct httpd_req *r);
/* httpd_body - a POST body kept whole; NULL on other routes. */
const char *httpd_body(const struct httpd_req *r, size_t *len);
/* httpd_received - bytes of body received. */
uint64_t httpd_received(const struct httpd_req *r);
/* httpd_state - what the route's post_begin made, or NULL. */
void *httpd_state(const struct httpd_req *r);

/* ---- responses: each queues one; headers are name, value pairs ending
 * in NULL (may be NULL); false when the connection is to be dropped ---- */

bool httpd_respond(struct httpd_req *r, unsigned status, const char *type, const char *body,
		   size_t len, const char *const *headers);
bool httpd_text(struct httpd_req *r, unsigned status, const char *text,
		const char *const *headers);
bool httpd_json(struct httpd_req *r, unsigned status, const GString *out,
		const char *const *headers);
/* httpd_json_error - {"error": msg} */
bool httpd_json_error(struct httpd_req *r, unsigned status, const char *msg,
		      const char *const *headers);
/* httpd_html - with a Content-Security-Policy that allows no scripts, and
 * no framing. */
bool httpd_html(struct httpd_req *r, unsigned status, const char *html);
/* httpd_see_other - 303 to location. */
bool httpd_see_other(struct httpd_req *r, const char *location);

/* httpd_metrics - a handler: every metric in Prometheus text format. */
bool httpd_metrics(void *app, struct httpd_req *r);

#endif
