/* webform - the complaint form and its JSON API, as handlers for httpd
 * (app: struct webpage_site):
 *
 *   GET  /complaint            the form (zh/en: ?lang=, else Accept-Language)
 *   POST /complaint            urlencoded or multipart form post -> 303 to
 *                              /complaint/done?ref=...; 400 with the form
 *                              again, input kept, errors next to the fields
 *   GET  /complaint/done       the confirmation page with the reference
 *   GET  /complaint/style.css  the pages' stylesheet: WEBFORM_STYLESHEET in
 *                              [daemon] templates_dir, read at each request
 *                              (an administrator's edit shows at once); 404
 *                              when it is missing
 *   POST /api/v1/complaints    JSON -> 201 {"ref": ...}; 400 {"errors": [...]};
 *                              with an Authorization header: a complaint
 *                              staff took down (webapi.h); naming "channel"
 *                              or "taken_by" without one: 401
 *
 * Every post goes through the workflow's channel (channel_submit, that is
 * pipeline_ingest like an e-mail): the complaint, the message and the
 * acknowledgement's outbox row in one transaction, and the answer is sent
 * only after the commit. A filled honeypot field looks like success and
 * stores nothing. */
#ifndef COMPLAINTD_WEBFORM_H
#define COMPLAINTD_WEBFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct httpd_req;

bool webform_page(void *site, struct httpd_req *r);    /* GET /complaint */
bool webform_post(void *site, struct httpd_req *r);    /* POST /complaint */
bool webform_done(void *site, struct httpd_req *r);    /* GET /complaint/done */
bool webform_api(void *site, struct httpd_req *r);     /* POST /api/v1/complaints */
bool webform_style(void *site, struct httpd_req *r);   /* GET /complaint/style.css */

/* The stylesheet's file name in the templates directory. */
#define WEBFORM_STYLESHEET "form.css"

/* A post's state: the form being decoded (struct form), made once httpd
 * has checked the request, freed after the response; webform_field feeds
 * it the fields of a streamed body. */
void *webform_begin(void *site, struct httpd_req *r);
void webform_end(void *form);
void webform_field(void *form, const char *key, const char *filename,
		   const char *content_type, const char *data, size_t size, uint64_t off);

#endif
