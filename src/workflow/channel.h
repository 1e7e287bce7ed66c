/* channel - what an intake channel other than the mail poller (the web
 * form, its API, the survey pages) asks of the workflow, over one thread's
 * own database connection: a message through the same pipeline_ingest as
 * every mail, and a survey answered by the same survey_answer as a reply
 * by mail. The channel holds the connection (opened on first use, reopened
 * when the server went away) and a block of reserved reference numbers.
 *
 * Not thread-safe: one channel per thread. Every function that writes
 * commits before it returns and then wakes the sender. */
#ifndef COMPLAINTD_CHANNEL_H
#define COMPLAINTD_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

#include "store/store.h"

struct batcher;
struct message;
struct pipeline_env;
struct store_params;

struct channel;

/* CHANNEL_REF_MAX - room for a reference with its NUL. */
#define CHANNEL_REF_MAX STORE_REF_MAX

/* channel_new - env and db are borrowed and must outlive the channel.
 * Connects on first use, so it does not fail. */
struct channel *channel_new(const struct pipeline_env *env, const struct store_params *db);
/* channel_free - disconnect and free; NULL-safe, sets *ch to NULL. */
void channel_free(struct channel **ch);

/* channel_ping - 0 when the database answers, else -1 with err. */
int channel_ping(struct channel *ch, GError **err);

enum channel_outcome {
	CHANNEL_NEW,          /* stored: a new complaint */
	CHANNEL_DUPLICATE,    /* posted before: the earlier complaint's ref */
	CHANNEL_UNAVAILABLE,  /* the database is unreachable: try again later */
	CHANNEL_FAILED,       /* this message could not be stored */
};

/* What a channel tells the one who posted: the reference, and the day the
 * customer is promised the result (the feedback deadline on the calendar,
 * as the acknowledgement names it) as "YYYY-MM-DD" in the calendar's zone,
 * "" when no deadline runs. */
struct channel_receipt {
	char ref[CHANNEL_REF_MAX];
	char answer_by[16];
};

/* channel_submit - m (borrowed) as a new complaint at now, retried once
 * on a fresh connection; returns after the commit. *out is filled for NEW and DUPLICATE (then the
 * earlier complaint's); *why (g_free, may stay NULL) says what went wrong
 * otherwise. */
enum channel_outcome channel_submit(struct channel *ch, struct message *m, int64_t now,
				    struct channel_receipt *out, char **why);

/* channel_survey - survey id: 1 with the reference of its complaint
 * (ref_size >= CHANNEL_REF_MAX) and whether it can still be answered, 0
 * unknown, -1 with err. */
int channel_survey(struct channel *ch, uint64_t id, char *ref, size_t ref_size, bool *open,
		   GError **err);

/* channel_survey_answer - rating 1..5 and comment (may be NULL) for
 * survey id, given by link, at now: survey_answer in its own
 * transaction. 1 recorded, 0 answered before, -1 with err. */
int channel_survey_answer(struct channel *ch, uint64_t id, unsigned rating, const char *comment,
			  int64_t now, GError **err);

/* channels - a pool of channels for many threads (the web's): a thread
 * takes a channel for what it has to do and gives it back, so the
 * database connections follow the work, not the number of threads; at
 * most keep idle ones stay open. Thread-safe. */
struct channels;

/* channels_new - env, db and batcher are borrowed and must outlive the
 * pool. */
struct channels *channels_new(const struct pipeline_env *env, const struct store_params *db,
			      struct batcher *batcher, unsigned keep);
/* channels_free - NULL-safe; sets *p to NULL; no channel may be taken. */
void channels_free(struct channels **p);
/* channels_take - an idle channel, or a new one (never NULL). */
struct channel *channels_take(struct channels *p);
/* channels_give - ch back to the pool (NULL-safe), or freed beyond keep. */
void channels_give(struct channels *p, struct channel *ch);

/* channels_submit - channel_submit, with the messages that threads hand
 * in at the same time stored in one transaction (the pool's batcher):
 * the thread that leads a batch takes a channel for it. Each caller
 * returns after the commit of the batch that holds its message. */
enum channel_outcome channels_submit(struct channels *p, struct message *m, int64_t now,
				     struct channel_receipt *out, char **why);

#endif
