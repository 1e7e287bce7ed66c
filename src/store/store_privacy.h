/* store_privacy - the statements behind `complaintctl forget` and the
 * retention purge. The store decides nothing here: which addresses are a
 * customer's and which history details hold no personal data is the
 * caller's (workflow/privacy.h); these functions erase what they are told
 * and count what they changed, so that a second run counts nothing.
 *
 * Like the other administrator's and scheduled paths, statements are
 * prepared per call. The erasing functions belong inside the caller's
 * transaction (store_begin/store_commit): a complaint is erased whole or
 * not at all. */
#ifndef COMPLAINTD_STORE_PRIVACY_H
#define COMPLAINTD_STORE_PRIVACY_H

#include <stdint.h>
#include <glib.h>

#include "store/store.h"

/* Rows changed by one or more calls (each call adds to the counts). */
struct store_erased {
	uint64_t complaints;     /* customer's address, name and subject erased */
	uint64_t messages;       /* messages whose text, source or sender went */
	uint64_t attachments;    /* attachments deleted (forget) or emptied (purge) */
	uint64_t hits;           /* matched texts of rule hits */
	uint64_t events;         /* history rows whose detail or actor went */
	uint64_t surveys;        /* survey comments */
	uint64_t outcomes;       /* staff's root causes and compensation texts */
	uint64_t outbox;         /* outgoing mails whose source or recipient went */
	uint64_t facts;          /* personal case facts (phone, order, place) */
	uint64_t cancelled;      /* outgoing mails cancelled before they were sent */
	uint64_t acks;           /* acknowledgement log rows */
	uint64_t suppressions;   /* bounce suppressions */
	uint64_t quarantined;    /* quarantined mails whose source named the address */
	uint64_t addresses;      /* senders, history actors and recipients erased */
};

/* store_erased_total - every count added up: 0 means nothing changed. */
uint64_t store_erased_total(const struct store_erased *n);

/* ---- forget ----------------------------------------------------------------- */

/* How a customer (or one complaint) is named. */
enum store_customer {
	STORE_BY_ADDR,    /* customer_addr, without regard to case (its collation) */
	STORE_BY_PHONE,   /* customer_phone, as stored (taken_phone_normal's form) */
	STORE_BY_REF,     /* the reference, byte for byte */
};

/* store_forget_find - the complaints of the customer named key (by
 * address or phone) or the one with reference key: their ids appended to
 * ids (a GArray of uint64_t), oldest first. How many, or -1. */
int store_forget_find(struct store *s, enum store_customer by, const char *key, GArray *ids,
		      GError **err);

/* store_forget_loose_count - rows of addr outside any complaint: messages
 * it sent, mail to it (*mails: outbox rows with no complaint), and its
 * acknowledgement log rows (by key, recipient_key of addr) and bounce
 * suppression. 0 / -1. */
int store_forget_loose_count(struct store *s, const char *addr, const char *key,
			     uint64_t *rows, GError **err);

/* store_case_addresses - every address complaint id's rows name: its
 * customer's, the senders of its messages, the actors of its history and
 * the recipients of its outgoing mail; distinct (without regard to case),
 * non-empty, g_strdup'd into out. How many, or -1. */
int store_case_addresses(struct store *s, uint64_t id, GPtrArray *out, GError **err);

/* store_customer_group - the customer_group some complaint of the customer
 * key (by address or by phone) has already: 1 with *group (g_free), 0
 * none, -1. */
int store_customer_group(struct store *s, enum store_customer by, const char *key,
			 char **group, GError **err);
/* store_set_customer_group - every complaint of the customer key without a
 * group gets group: after the address or phone is gone, the group still
 * says which complaints came from one customer. 0 / -1. */
int store_set_customer_group(struct store *s, enum store_customer by, const char *key,
			     const char *group, GError **err);

/* What store_forget_case erases besides the complaint's texts. Borrowed. */
struct store_forget {
	const char *const *addrs;       /* NULL-terminated: erased wherever the
					 * complaint's rows name them (senders,
					 * history actors, recipients) */
	const char *const *kept_kinds;  /* NULL-terminated: history kinds whose
					 * detail stays (no personal data in it) */
	const char *cancel_reason;      /* outbox last_error of a cancelled mail */
};

/* store_forget_case - complaint id loses its customer's address, name,
 * phone and subject; its messages their senders in f->addrs, names, recipients,
 * subjects, bodies, notes, raw sources and Message-IDs; its attachments
 * are deleted; its rule hits lose the matched text; its history the
 * details of kinds not in f->kept_kinds and the actors in f->addrs; its
 * survey comments go; its outgoing mail loses source and error text and
 * the recipients in f->addrs, and what is not sent yet is cancelled.
 * Category, severity, status, route, department, assignee, times,
 * deadlines, staff decisions, ratings and the rows themselves stay. */
int store_forget_case(struct store *s, uint64_t id, const struct store_forget *f,
		      struct store_erased *n, GError **err);

/* store_forget_loose - what store_forget_loose_count counts: addr's
 * messages outside any complaint are erased as store_forget_case erases a
 * complaint's, mail to it outside any complaint too (and cancelled when
 * not sent yet), its acknowledgement log rows (key) and its suppression
 * deleted. */
int store_forget_loose(struct store *s, const char *addr, const char *key,
		       const char *cancel_reason, struct store_erased *n, GError **err);

/* ---- retention -------------------------------------------------------------- */

/* store_retention_take - inside a transaction: up to max complaints
 * closed before cutoff whose raw mail has not been purged since their
 * closure, oldest closure first, locked (FOR UPDATE SKIP LOCKED: another
 * daemon takes others): their ids appended to ids (GArray of uint64_t).
 * How many, or -1. */
int store_retention_take(struct store *s, int64_t cutoff, unsigned max, GArray *ids,
			 GError **err);

/* store_retention_purge - complaint id's raw mail sources and attachment
 * contents go (the attachments' names, types, sizes and digests stay), and
 * the sources of its mail that left (or failed, or was cancelled); the
 * complaint is marked purged at now. Bodies stay. Counts into n
 * (messages, attachments, outbox). */
int store_retention_purge(struct store *s, uint64_t id, int64_t now, struct store_erased *n,
			  GError **err);

/* store_retention_quarantine - the sources of quarantined mail that came
 * before cutoff are emptied (the reason and the mailbox position stay);
 * *n gets the rows changed added. 0, or -1 with *err. */
int store_retention_quarantine(struct store *s, int64_t cutoff, uint64_t *n, GError **err);

/* store_report_run_done - has the run of kind for the period starting at
 * start been recorded (store_report_run_add)? 1 / 0 / -1. */
int store_report_run_done(struct store *s, const char *kind, int64_t start, GError **err);

#endif
