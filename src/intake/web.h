/* web - the HTTP listener: httpd (listening, TLS, limits, client trust,
 * rate limit, routing, responses) with this route table:
 *
 *   /complaint, /complaint/done, /api/v1/complaints   webform.h
 *   /survey                                            websurvey.h
 *   GET /healthz    200 when the database answers, else 503
 *   GET /metrics    Prometheus text format
 *   GET /           303 to the form
 *
 * Threads: libmicrohttpd's thread pool ([web] threads); each pool thread
 * has its own channel to the workflow (its own database connection, opened
 * on first use, reconnected when the server went away; webpage.h). What
 * the threads share is immutable (config, the rule and template holders)
 * or locked (the rate limiter) or atomic (metrics). */
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
