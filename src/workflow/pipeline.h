/* pipeline - the one path every incoming message takes, whatever its
 * channel: duplicate check, classification, storage and the acknowledgement's
 * outbox row, all in one database transaction.
 *
 * Only after pipeline_ingest returns 0 may the caller acknowledge the source
 * (mark the IMAP message \Seen, answer the HTTP post): the batch is committed
 * then. A crash before that re-delivers, and the duplicate checks (mailbox
 * UID, Message-ID or raw digest) make re-delivery harmless.
 *
 * One pipeline per thread: it uses the thread's own store connection. */
#ifndef COMPLAINTD_PIPELINE_H
#define COMPLAINTD_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

struct config;
struct holder;
struct message;
struct store;

/* What the daemon shares with every pipeline; all borrowed. */
struct pipeline_env {
	const struct config *cfg;
	struct holder *rules;      /* holds struct rules */
	struct holder *templates;  /* holds struct template_set */
	struct holder *calendar;   /* holds struct calendar */
};

enum pipeline_outcome {
	PIPELINE_PENDING,    /* not processed (batch not committed) */
	PIPELINE_NEW,        /* a new complaint */
	PIPELINE_DUPLICATE,  /* seen before: nothing new stored */
	PIPELINE_STORED,     /* stored without a new complaint: a bounce, auto-reply or
			      * list mail, or a follow-up or staff mail of complaint_id */
	PIPELINE_FAILED,     /* this message alone failed; error says why */
};

struct pipeline_item {
	/* in (borrowed) */
	struct message *msg;
	const char *mailbox;       /* NULL for the web channel */
	uint32_t uidvalidity, uid;
	bool no_ack;               /* historic import: store, but do not answer */
	/* out */
	enum pipeline_outcome outcome;
	uint64_t complaint_id;
	char ref[48];
	int64_t answer_by;         /* PIPELINE_NEW: the feedback deadline the
				    * acknowledgement promises (0 = none) */
	bool ack_queued;
	char *error;               /* PIPELINE_FAILED: why (g_free'd by pipeline_item_clear) */
};

struct pipeline *pipeline_new(const struct pipeline_env *env, struct store *store);
void pipeline_free(struct pipeline **p);

/* pipeline_ingest - store items[0..n) at time now. Tries one transaction for
 * the whole batch; if one item breaks it, each item is retried in its own
 * transaction so only that item ends PIPELINE_FAILED. Returns 0 when every
 * item has an outcome (all but the failed ones committed), -1 with err when
 * the database is unreachable: acknowledge no source then and retry later
 * (items committed before the connection went are found as duplicates). */
int pipeline_ingest(struct pipeline *p, struct pipeline_item *items, unsigned n,
		    int64_t now, GError **err);

void pipeline_item_clear(struct pipeline_item *it);
const char *pipeline_outcome_name(enum pipeline_outcome o);

#endif
