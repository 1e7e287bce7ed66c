/* survey - closing the loop (DOMAIN.md §5): when a complaint is resolved
 * the customer is told; [survey] delay later (a week by default) they are
 * asked how satisfied they are, 1 (very dissatisfied) to 5 (very
 * satisfied), by a signed link to the web listener or by replying with the
 * digit. A rating at or below [survey] threshold, or a reply that says the
 * customer is not satisfied, reopens the complaint for review (复核) and
 * tells the supervisor; a better rating closes it; no answer within
 * [survey] timeout closes it too.
 *
 * Functions that take a workflow_ctx run inside the caller's transaction
 * (see workflow.h) except survey_send_due and survey_close_unanswered,
 * which run their own, one per survey, for the scheduler. */
#ifndef COMPLAINTD_SURVEY_H
#define COMPLAINTD_SURVEY_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#include "store/store.h"

struct config;
struct workflow_ctx;

/* survey_resolved - the resolution mail to the customer of c (in its
 * thread, from the company); called when staff set the status resolved. */
int survey_resolved(const struct workflow_ctx *x, const struct store_case *c, GError **err);

/* survey_send_due, survey_close_unanswered - the scheduler's rounds: how
 * many surveys were sent (complaints closed), or -1. */
int survey_send_due(const struct workflow_ctx *x, GError **err);
int survey_close_unanswered(const struct workflow_ctx *x, GError **err);

/* survey_answer - rating 1..5 (0 with unhappy: "not satisfied" in words)
 * and comment (may be NULL) for survey id, given by "link" or "mail":
 * reopens or closes the complaint as above. 1 recorded, 0 the survey was
 * answered or closed before (nothing changes), -1 error. */
int survey_answer(const struct workflow_ctx *x, uint64_t id, unsigned rating, bool unhappy,
		  const char *comment, const char *by, GError **err);

/* survey_parse_reply - what a customer's reply to the survey says: a
 * rating (the first thing written is 1-5, ASCII or full-width, or 一..五
 * followed by 分 or 星),
 * and/or that they are not satisfied (不满意, 没有解决, not satisfied,
 * unhappy, ...). False when it says neither (an ordinary follow-up). */
bool survey_parse_reply(const char *fresh, unsigned *rating, bool *unhappy);

/* survey_token - the signature of survey id's links (hex, g_free); NULL
 * when the daemon has no key ([staff] secret_file). survey_token_ok checks
 * one in constant time. */
char *survey_token(const struct config *cfg, uint64_t id);
bool survey_token_ok(const struct config *cfg, uint64_t id, const char *token);

#endif
