/* store_plan - the handling plan of a complaint and the steps that meet
 * the deadlines of policy 004 (store-private.h STORE_DUE_MET reads them).
 *
 * A complaint has at most one current plan: the latest #plan, with who
 * and when. Its decision is "pending" while it waits for an approver,
 * then "approved" or "rejected"; a new plan replaces the old one and
 * waits again. plan_at is when a plan that counts was there, the step of
 * the plan deadline; which plans count is the workflow's decision, not the
 * store's. The plan's text lives in the complaint's events.
 *
 * Errors as store.h says: 0 (or 1/0 where noted) on success, -1 with err. */
#ifndef COMPLAINTD_STORE_PLAN_H
#define COMPLAINTD_STORE_PLAN_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#include "store/store.h"

/* store_plan_propose - by (an address) gave complaint id a plan at now:
 * pending waits for an approver (else it needs none), counts stamps
 * plan_at unless a plan counted before. The reminder of an earlier plan
 * no longer counts: the new one gets its own. */
int store_plan_propose(struct store *s, uint64_t id, const char *by, bool pending, bool counts,
		       int64_t now, GError **err);

/* store_plan_decide - the pending plan of id approved or rejected by (an
 * address) at now; an approval stamps plan_at (the first time). 1
 * decided, 0 there was no pending plan (decided meanwhile), -1. */
int store_plan_decide(struct store *s, uint64_t id, bool approved, const char *by, int64_t now,
		      GError **err);

/* store_plan_void - plan_at of id goes, and a pending plan waits no
 * more: the plan was for a deadline that is no longer the complaint's
 * (raised to A, whose plan must come from the crisis team or the
 * leadership). */
int store_plan_void(struct store *s, uint64_t id, GError **err);

/* store_case_reported - the investigation report of id was given at now
 * (first time only). */
int store_case_reported(struct store *s, uint64_t id, int64_t now, GError **err);

/* store_case_result_sent - the result went to the customer of id at now
 * (first time only). */
int store_case_result_sent(struct store *s, uint64_t id, int64_t now, GError **err);

/* A plan waiting for an approver since proposed_at. */
struct store_plan_waiting {
	uint64_t id;                 /* the complaint */
	int64_t proposed_at;
};
/* store_plans_waiting - up to max complaints, not closed, whose pending
 * plan was proposed at or before since and whose approvers were not
 * reminded of it; appended as struct store_plan_waiting * (g_free). How
 * many, or -1. */
int store_plans_waiting(struct store *s, int64_t since, unsigned max, GPtrArray *out,
			GError **err);
/* store_plan_reminded - the approvers of the plan of id proposed at
 * proposed_at are reminded now: 1 recorded, 0 recorded before (by us
 * before a restart or by another daemon: send nothing) or the plan
 * changed. Inside the transaction that queues the reminder. */
int store_plan_reminded(struct store *s, uint64_t id, int64_t proposed_at, int64_t now,
			GError **err);

#endif
