/* wfmail - the workflow's mail writing, shared by workflow.c, survey.c
 * and warning.c: a complaint as templates see it, its variables, and one
 * mail rendered and put into the outbox. It calls nothing of the workflow
 * above it (workflow.c, survey.c), so those depend on it one way. */
#ifndef COMPLAINTD_WORKFLOW_WFMAIL_H
#define COMPLAINTD_WORKFLOW_WFMAIL_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#include "store/store.h"
#include "workflow/context.h"

struct message;

/* Borrowed strings; due has STORE_DUE_COUNT entries. */
struct wf_view {
	uint64_t id;
	const char *ref, *category, *customer_name, *customer_addr, *subject, *lang;
	const char *department, *status;
	const char *channel, *taken_by, *customer_phone;  /* NULL or "" = not known */
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
	uint64_t text_row;    /* the message row whose body text vars' "text" is: the
			       * queued row leaves it out and the sender reads it
			       * back (mailout_outbox_text_row); 0: none */
	bool to_staff;        /* signed Reply-To, Auto-Submitted auto-generated */
	bool auto_replied;    /* an automatic answer to the mail in hand */
};

void wf_view_of_case(struct wf_view *v, const struct store_case *c);
/* wf_vars_new - the variables every template for v knows (ref, severity,
 * category and its label, customer, customer_phone, subject, department,
 * status and its label, received, deadlines, commands, company, and for a
 * complaint staff took down "intake": its channel and who took it),
 * every word of them in
 * lang; the table owns its values. */
GHashTable *wf_vars_new(const struct workflow_ctx *x, const struct wf_view *v, const char *lang);
/* wf_queue - render and put into the outbox; 0 also when the template is
 * missing or there is no recipient (an erased customer; both logged), -1
 * with err from the store. */
int wf_queue(const struct workflow_ctx *x, const struct wf_outmail *o, GError **err);

/* What wf_reply_token found of a token in a signed reply address. */
enum wf_token {
	WF_TOKEN_OK,
	WF_TOKEN_BAD,      /* not made by us for this complaint and sender */
	WF_TOKEN_EXPIRED,  /* made by us, older than [staff] token_lifetime */
};

/* wf_reply_token - may a mail from the address from, to the signed reply
 * address with ref (canonical) and token, act on that complaint? Yes when
 * the token was made with the current [staff] key, or the previous one
 * before previous_secret_until, within token_lifetime, for the address the
 * notification went to, and that address is from, or a department address
 * of [routes] (a shared mailbox whose members answer from their own). */
enum wf_token wf_reply_token(const struct workflow_ctx *x, const char *ref, const char *token,
			     const char *from);
/* wf_category_label - a category as staff read it in lang ("zh", else
 * English): 产品质量 / product quality; unknown names as they are. */
const char *wf_category_label(const char *category, const char *lang);

/* wf_status_label - a status as staff read it in lang ("zh", else
 * English): 处理中 / in progress; unknown names as they are. A Chinese
 * mail must not show the database's English word. */
const char *wf_status_label(const char *status, const char *lang);
/* wf_customer - "name <addr>", or whichever of the two is set alone (no
 * blank name padding the line); "" for neither. g_free. */
char *wf_customer(const char *name, const char *addr);

/* Caps on what of a customer's mail goes into a mail we send (mailcap.c):
 * wf_attach_cap - bytes of attachments one mail may carry (from the
 * database's max_allowed_packet, at most 10 MB); wf_see_note - "see
 * complaintctl show REF" in lang (g_free); wf_cap_text - cut vars' "text"
 * to at most 100 KB with a note where the whole is; true when it did. */
size_t wf_attach_cap(const struct workflow_ctx *x);
char *wf_see_note(const char *ref, const char *lang);
bool wf_cap_text(const struct workflow_ctx *x, GHashTable *vars, const char *ref,
		 const char *lang);

#endif
