/* web - the HTTP listener: the complaint form, its JSON API, health and
 * metrics, built on libmicrohttpd.
 *
 *   GET  /complaint            the form (zh/en: ?lang=, else Accept-Language)
 *   POST /complaint            urlencoded or multipart form post -> 303 to
 *                              /complaint/done?ref=...; 400 with the form
 *                              again, input kept, errors next to the fields
 *   GET  /complaint/done       the confirmation page with the reference
 *   POST /api/v1/complaints    JSON -> 201 {"ref": ...}; 400 {"errors": [...]}
 *   GET  /healthz              200 when the database answers, else 503
 *   GET  /metrics              Prometheus text format
 * and 413 (body over [web] max_body_size), 415 (other content types), 429
 * with Retry-After (more than rate_limit posts per client address per
 * rate_window), 404, 405.
 *
 * Every post goes through pipeline_ingest like an e-mail: the complaint,
 * the message and the acknowledgement's outbox row in one transaction, and
 * the answer is sent only after the commit.
 *
 * Threads: libmicrohttpd's thread pool ([web] threads); each pool thread
 * opens its own database connection on first use (thread-local) and
 * reconnects when the server went away. What the threads share is
 * immutable (config, the rule and template holders) or locked (the rate
 * limiter) or atomic (metrics). */
#ifndef COMPLAINTD_WEB_H
#define COMPLAINTD_WEB_H

#include <glib.h>

struct pipeline_env;
struct store_params;

struct web;

/* web_start - listen as [web] says. Returns NULL with *err unset when the
 * web form is off (port 0), NULL with *err set when it cannot listen.
 * env and db are borrowed and must outlive the listener. */
struct web *web_start(const struct pipeline_env *env, const struct store_params *db,
		      GError **err);
/* web_stop - stop listening, finish the requests in hand, close every
 * worker's connection, free; NULL-safe, sets *w to NULL. */
void web_stop(struct web **w);
/* web_port - the port listened on. */
unsigned web_port(const struct web *w);

#endif
