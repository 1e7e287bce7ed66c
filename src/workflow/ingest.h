/* ingest - one batch of mail through the pipeline over several database
 * connections at once.
 *
 * Committing a batch is mostly waiting for the database, one statement at a
 * time; with two connections the waits overlap. The batch is split by sender
 * address, so all mail of one sender goes through one connection: the
 * per-sender acknowledgement limit and the duplicate checks within a batch
 * stay exact. Each lane commits its own transaction; if one fails the caller
 * acknowledges nothing, and re-delivery of what the others committed comes
 * back as duplicates.
 *
 * Lane 0 runs on the caller's thread with the caller's store; the others
 * are threads of their own, each with its own connection. */
#ifndef COMPLAINTD_INGEST_H
#define COMPLAINTD_INGEST_H

#include <stdint.h>
#include <glib.h>

struct pipeline_env;
struct pipeline_item;
struct store;
struct store_params;

struct ingest;

/* ingest_new - env, db and store are borrowed and must outlive it. */
struct ingest *ingest_new(const struct pipeline_env *env, const struct store_params *db,
			  struct store *store, unsigned lanes);
/* ingest_free - stops the lane threads; NULL-safe. */
void ingest_free(struct ingest **ig);

/* ingest_batch - pipeline_ingest for items[0..n), spread over the lanes.
 * 0 when every item has an outcome; -1 with err when a database is
 * unreachable (some lanes may have committed: re-delivery is harmless). */
int ingest_batch(struct ingest *ig, struct pipeline_item *items, unsigned n, int64_t now,
		 GError **err);

#endif
