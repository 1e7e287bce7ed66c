/* workflow-private - what the workflow's mail-writing parts share
 * (workflow.c, survey.c): a complaint as templates see it, and one mail
 * to queue. Not for anything else; callers use workflow.h. */
#ifndef COMPLAINTD_WORKFLOW_PRIVATE_H
#define COMPLAINTD_WORKFLOW_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#include "store/store.h"
#include "workflow/workflow.h"

struct message;

/* Borrowed strings; due has STORE_DUE_COUNT entries. */
struct wf_view {
	uint64_t id;
	const char *ref, *category, *customer_name, *customer_addr, *subject, *lang;
	const char *department, *status;
	char severity;
	int64_t received;
	const int64_t *due;
};

/* One mail to render from template tmpl.lang and queue (all borrowed). */
struct wf_outmail {
	const char *kind, *tmpl, *lang, *to, *ref;
	uint64_t complaint_id;
	GHashTable *vars;
	const char *in_reply_to, *references;
	const struct message *attach;
	bool to_staff;        /* signed Reply-To, Auto-Submitted auto-generated */
	bool auto_replied;    /* an automatic answer to the mail in hand */
};

void wf_view_of_case(struct wf_view *v, const struct store_case *c);
/* wf_vars_new - the variables every template for v knows (ref, severity,
 * category and its label, customer, subject, department, status,
 * received, deadlines, commands, company); the table owns its values. */
GHashTable *wf_vars_new(const struct workflow_ctx *x, const struct wf_view *v, const char *lang);
/* wf_queue - render and put into the outbox; 0 also when the template is
 * missing (logged), -1 with err from the store. */
int wf_queue(const struct workflow_ctx *x, const struct wf_outmail *o, GError **err);
/* wf_tell_handler - mail kind from template tmpl about c to its assignee,
 * else its department; text and attach (may be NULL) go along. */
int wf_tell_handler(const struct workflow_ctx *x, const struct store_case *c, const char *kind,
		    const char *tmpl, const char *text, const struct message *attach,
		    GError **err);

/* Caps on what of a customer's mail goes into a mail we send (mailcap.c):
 * wf_attach_cap - bytes of attachments one mail may carry (from the
 * database's max_allowed_packet, at most 10 MB); wf_see_note - "see
 * complaintctl show REF" in lang (g_free); wf_cap_text - cut vars' "text"
 * to at most 100 KB with a note where the whole is. */
size_t wf_attach_cap(const struct workflow_ctx *x);
char *wf_see_note(const char *ref, const char *lang);
void wf_cap_text(const struct workflow_ctx *x, GHashTable *vars, const char *ref,
		 const char *lang);

#endif
