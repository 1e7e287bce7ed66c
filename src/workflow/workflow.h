/* workflow - what happens to a mail after it is known not to be a
 * duplicate: a new complaint is routed, planned against its deadlines and
 * its department told; a customer's follow-up joins its complaint (and
 * reopens it); a staff reply that proves itself is applied and relayed;
 * staff mail that cannot prove itself is kept, flagged and reported.
 *
 * Every function runs inside the caller's open store transaction and only
 * writes through it (outbox rows, events, updates), so the whole effect of
 * one mail commits or rolls back together. Errors: 0 / -1 with err set by
 * the store (the caller rolls back and retries as for any store error).
 *
 * Threading, in order: In-Reply-To and References against every Message-ID
 * we stored or sent; else a bracketed reference in the subject ("[CMP-...]",
 * whatever Re:/回复:/Fwd: prefixes come before it); else a new complaint.
 * A follow-up to a resolved or closed complaint reopens it within [deadlines]
 * reopen_window, and starts a new complaint linked to it after that.
 *
 * Staff: mail whose From is a [staff] address or domain is never taken for
 * a customer's. It is a staff reply only when one of its recipients is the
 * signed reply address of a notification (stafftoken.h) of a complaint
 * that exists; anything else from staff is unverified. */
#ifndef COMPLAINTD_WORKFLOW_H
#define COMPLAINTD_WORKFLOW_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#include "store/store.h"
#include "workflow/context.h"

struct message;
struct verdict;

enum workflow_kind {
	WF_NEW,         /* a new complaint (parent_id set: follows a closed one) */
	WF_FOLLOWUP,    /* the customer writes again in a complaint's thread */
	WF_STAFF,       /* a verified staff reply to complaint_id */
	WF_UNVERIFIED,  /* staff mail that does not prove itself (reason) */
};

/* Why staff mail was not taken as a staff reply (WF_UNVERIFIED). */
enum workflow_unverified {
	WF_WHY_NOT_STAFF,       /* to a signed address, from outside [staff] */
	WF_WHY_NOT_AUTHENTIC,   /* no DKIM/DMARC pass for the staff domain */
	WF_WHY_NO_SECRET,       /* staff replies are off */
	WF_WHY_EXPIRED,         /* the signed address is past token_lifetime */
	WF_WHY_NOT_SIGNED,      /* not to a signed address made for the sender */
};

struct workflow_match {
	enum workflow_kind kind;
	uint64_t complaint_id;  /* FOLLOWUP, STAFF; UNVERIFIED: the thread's or 0 */
	uint64_t parent_id;     /* NEW */
	bool reopen;            /* FOLLOWUP of a resolved or closed complaint */
	enum workflow_unverified why;  /* UNVERIFIED */
};

/* workflow_unverified_reason - why in lang ("en" English, else Chinese):
 * the English text, with the configuration keys an administrator looks
 * for, goes to the log and the record; staff read theirs in their
 * language. Static text. */
const char *workflow_unverified_reason(enum workflow_unverified why, const char *lang);

/* workflow_match - which of the four m is. Only e-mail threads: a web
 * form always opens a new complaint. */
int workflow_match(const struct workflow_ctx *x, const struct message *m,
		   struct workflow_match *out, GError **err);

/* workflow_plan - the department and deadlines of a new complaint. */
void workflow_plan(const struct workflow_ctx *x, const struct verdict *v,
		   struct store_case_plan *plan);

/* workflow_opened - after the new complaint id (ref) is stored with m as
 * message row msg_row: tell its department (notification with the
 * customer's text and attachments and a signed Reply-To; the queued row
 * leaves the text to msg_row), and for severity A the leadership at once. */
int workflow_opened(const struct workflow_ctx *x, uint64_t id, const char *ref,
		    const struct message *m, uint64_t msg_row, const struct verdict *v,
		    const struct store_case_plan *plan, GError **err);

/* workflow_followup, workflow_staff, workflow_unverified - store m (its
 * row in *row) and do what its kind asks. m gains MSG_F_STAFF or
 * MSG_F_UNVERIFIED_STAFF before it is stored.
 *
 * v is the rules' verdict on what the customer wrote in the follow-up
 * (NULL: not classified). The whole thread counts: it can raise the
 * complaint's severity (never lower it), give an "other" complaint its
 * category (never change a real one), and a raise to A reports to the
 * leadership at once as a staff "#severity A" does; a field staff decided
 * with a command stays as staff set it. The caller stores v's hits. */
int workflow_followup(const struct workflow_ctx *x, const struct workflow_match *mt,
		      struct message *m, const struct verdict *v, uint64_t *row,
		      GError **err);
int workflow_staff(const struct workflow_ctx *x, const struct workflow_match *mt,
		   struct message *m, uint64_t *row, GError **err);
/* workflow_unverified - staff mail that does not prove itself: stored,
 * and the staff_alert goes to the complaint's department, else to where
 * the rules send "other" (other_route, the rules' default-route, may be
 * NULL), else to [routes] other or default. */
int workflow_unverified(const struct workflow_ctx *x, const struct workflow_match *mt,
			struct message *m, uint64_t *row, const char *other_route,
			GError **err);

/* workflow_escalate - send escalation (deadline, level) of complaint id if
 * it was not sent before (by us or another daemon): 1 sent, 0 not. */
int workflow_escalate(const struct workflow_ctx *x, uint64_t id, enum store_deadline d,
		      unsigned level, GError **err);

/* workflow_subject_ref - the first "[PREFIX-YYYYMMDD-NNNN]" in subject,
 * newly allocated, or NULL. Pure. */
char *workflow_subject_ref(const char *subject, const char *prefix);

#endif
