/* paths - the paths by severity (policy 002 §五, §3.3) and the staff
 * steps that meet the deadlines of policy 004.
 *
 *   C  handled by the office directly.
 *   B  the handler's plan (#plan) needs an approver's #approve ([approval]
 *      approvers or domains; #reject sends it back). Until the current
 *      plan is approved nothing but the acknowledgement goes to the
 *      customer: a reply that would be relayed, or that resolves the
 *      complaint, is refused with a notice to its writer (staff_error, in
 *      the staff's language) and changes nothing. Refused, not queued:
 *      the writer sends it again once the plan is approved. Approvers get
 *      each plan at once and a reminder, once per plan, when it waits
 *      [approval] remind_after.
 *   A  the leadership is told at once (workflow.c); the 4-hour plan
 *      deadline is met only by a #plan from [approval] crisis_team or
 *      [escalation] leadership, whose #plan is the only one taken.
 *
 * #report records the investigation report (调查报告), the investigation
 * deadline's step. The texts of plans, decisions and reports are the
 * complaint's events, with who and when.
 *
 * Functions run inside the caller's transaction; errors 0 / -1 with err
 * from the store. Not thread-safe beyond what the store connection is. */
#ifndef COMPLAINTD_PATHS_H
#define COMPLAINTD_PATHS_H

#include <stdbool.h>
#include <glib.h>

#include "store/store.h"
#include "workflow/context.h"
#include "workflow/staffcmd.h"

/* paths_severity_after - c's severity once res is applied (#severity,
 * #escalate: one level up, A stays A). Pure. */
char paths_severity_after(const struct store_case *c, const struct staffcmd_result *res);

/* paths_check - what of res actor may not do to c, appended to res's
 * errors in the staff language (x->cfg staff_lang): a reply that reaches
 * the customer of a B complaint without an approved plan, a decision by
 * someone not an approver or on no pending plan or on one's own plan, an
 * A plan from outside the crisis team and leadership, #escalate of an A
 * complaint. Errors refuse the whole reply (staffcmd.h). */
void paths_check(const struct workflow_ctx *x, const struct store_case *c, const char *actor,
		 struct staffcmd_result *res);

/* paths_apply - #plan, #approve/#reject and #report of res for c (whose
 * severity is already the new one), each an event with actor; a B plan
 * goes to the approvers, a decision to the plan's writer. c's plan
 * fields follow. */
int paths_apply(const struct workflow_ctx *x, struct store_case *c, const char *actor,
		const struct staffcmd_result *res, GError **err);

/* paths_remind_due - the scheduler's round: approvers reminded of each
 * plan waiting remind_after at x->now, each in its own transaction, once
 * per plan (restarts and other daemons included). How many, or -1. */
int paths_remind_due(const struct workflow_ctx *x, GError **err);

#endif
