/* batcher - group commit: work items handed in by many threads at once
 * are run together, a batch at a time, by one of the waiting threads.
 *
 * Each web post used to be its own database transaction: eleven round
 * trips and a log flush for one complaint, while the mail path stores 32
 * mails in a transaction of a few statements. With a batcher, a thread
 * that hands in an item while fewer than max_leaders batches are running
 * takes everything waiting (up to max_batch items, its own among them)
 * and runs it on its own resources; the others wait until the batch that
 * took theirs has finished. Alone, an item runs at once, as before; under
 * load, items queue behind running batches and go in the next one, so no
 * item waits for a timer and none is answered before its batch is done.
 *
 * Thread-safe. The batcher never looks into an item. */
#ifndef COMPLAINTD_BATCHER_H
#define COMPLAINTD_BATCHER_H

/* batcher_fn - run items[0..n) (n >= 1) in the leading thread with that
 * thread's ctx; whatever it has to say about an item it writes into the
 * item. The order of items is the order they were handed in. */
typedef void (*batcher_fn)(void *ctx, void **items, unsigned n);

struct batcher;

/* batcher_new - max_batch >= 1 items a batch, max_leaders >= 1 batches
 * running at a time. */
struct batcher *batcher_new(unsigned max_batch, unsigned max_leaders);
/* batcher_free - NULL-safe; sets *b to NULL. No thread may be in
 * batcher_run. */
void batcher_free(struct batcher **b);

/* batcher_run - hand in item (borrowed) and return once a batch holding
 * it has been run by fn: in this thread with ctx, or in another thread
 * with that thread's ctx (every caller must pass the same fn). */
void batcher_run(struct batcher *b, void *item, batcher_fn fn, void *ctx);

/* batcher_waiting - items handed in and not yet in a running batch
 * (for tests). */
unsigned batcher_waiting(struct batcher *b);

#endif
