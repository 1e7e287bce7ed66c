/* webapi - POST /api/v1/complaints with an API key: a call-centre system
 * records a complaint its staff took by phone, at a counter, on WeChat,
 * by letter or otherwise (workflow/taken.h), as complaintctl add does.
 *
 *   Authorization: Bearer KEY     one of [api] keys_file's keys
 *   {"channel": "phone", "taken_by": "agent@staff.example", "phone": "...",
 *    "email": "...", "name": "...", "subject": "...", "text": "...",
 *    "token": "...", "lang": "zh"}           every value a string
 *
 * 201 {"ref", "status": "new", "answer_by"}; the same "token" again from
 * the same key (a retried post) 200 with "status": "duplicate" and the
 * first complaint's ref; 400 {"error"} for a body that is not such an
 * object, 400 {"errors": [{"field", "code", "message"}]} for values that
 * fail the checks; 401 {"error"} with WWW-Authenticate for a missing,
 * malformed or unknown key; 503 when the database is unreachable. Nothing
 * is stored unless the answer is 201. Without "taken_by" the complaint is
 * taken by "api:NAME", the key's name. */
#ifndef COMPLAINTD_WEBAPI_H
#define COMPLAINTD_WEBAPI_H

#include <stdbool.h>
#include <stddef.h>

struct httpd_req;
struct taken;

/* webapi_post - the request r, which carries an Authorization header
 * (site: struct webpage_site). */
bool webapi_post(void *site, struct httpd_req *r);

/* webapi_unauthorized - the 401 answer: what a post that names staff's
 * fields ("channel", "taken_by") without a key gets. */
bool webapi_unauthorized(struct httpd_req *r, const char *why);

/* webapi_parse - the JSON body into t: an object whose members are the
 * fields of taken.h, each a string; another key is an error of that key
 * (unknown_field), another type too (not_a_string). -1 with *error_r
 * (g_free) when the body is not a JSON object at all. */
int webapi_parse(struct taken *t, const char *data, size_t len, char **error_r);

#endif
