/* websurvey - the satisfaction survey's pages, as handlers for httpd (app:
 * struct webpage_site). The survey mail links to
 * GET /survey?s=ID&r=RATING&t=TOKEN. Opening it changes nothing (mail
 * scanners open links on their own): the page asks to confirm the rating,
 * with room for a comment, and POST /survey records it through the
 * workflow's channel (channel_survey_answer: survey_answer, as for a reply
 * by mail). A link whose token does not sign its survey is 404. */
#ifndef COMPLAINTD_WEBSURVEY_H
#define COMPLAINTD_WEBSURVEY_H

#include <stdbool.h>

struct httpd_req;

/* WEBSURVEY_MAX_BODY - a rating and a comment of at most 2,000 characters,
 * urlencoded (up to 12 bytes a character), with room to spare: larger
 * survey posts are refused before they are read. */
#define WEBSURVEY_MAX_BODY 32768

bool websurvey_get(void *site, struct httpd_req *r);
bool websurvey_post(void *site, struct httpd_req *r);

#endif
