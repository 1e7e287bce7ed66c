/* batcher - group commit: leader and followers round a queue. */
#include "lib/batcher.h"

#include <stdbool.h>
#include <glib.h>

/* One handed-in item; lives on its caller's stack until done. */
struct entry {
	void *item;
	GCond cond;   /* its thread waits on it: woken once, when there is
		       * something for that thread to do */
	bool taken;   /* in a batch that is running */
	bool done;    /* its batch has finished */
};

struct batcher {
	GMutex lock;
	GQueue waiting;       /* struct entry not taken yet, oldest first */
	unsigned leaders;     /* batches running */
	unsigned max_batch, max_leaders;
};

struct batcher *batcher_new(unsigned max_batch, unsigned max_leaders)
{
	struct batcher *b = g_new0(struct batcher, 1);
	g_mutex_init(&b->lock);
	g_queue_init(&b->waiting);
	b->max_batch = max_batch ? max_batch : 1;
	b->max_leaders = max_leaders ? max_leaders : 1;
	return b;
}

void batcher_free(struct batcher **bp)
{
	struct batcher *b = *bp;
	if (!b)
		return;
	g_queue_clear(&b->waiting);
	g_mutex_clear(&b->lock);
	g_free(b);
	*bp = NULL;
}

/* wake_head - with the lock held: when a leader's place is free, the
 * thread of the oldest waiting item leads the next batch. One wake-up per
 * thread: with dozens of web threads, waking all of them at every batch
 * cost more CPU than the batching saved. */
static void wake_head(struct batcher *b)
{
	struct entry *next = g_queue_peek_head(&b->waiting);
	if (next && b->leaders < b->max_leaders)
		g_cond_signal(&next->cond);
}

/* lead - with the lock held: take the oldest waiting entries, run them
 * without the lock, and tell their threads. */
static void lead(struct batcher *b, batcher_fn fn, void *ctx)
{
	unsigned n = MIN(b->max_batch, g_queue_get_length(&b->waiting));
	struct entry **taken = g_new(struct entry *, n);
	void **items = g_new(void *, n);
	for (unsigned i = 0; i < n; i++) {
		taken[i] = g_queue_pop_head(&b->waiting);
		taken[i]->taken = true;
		items[i] = taken[i]->item;
	}
	b->leaders++;
	wake_head(b);  /* more waiting: another leader may start beside us */
	g_mutex_unlock(&b->lock);
	fn(ctx, items, n);
	g_mutex_lock(&b->lock);
	b->leaders--;
	for (unsigned i = 0; i < n; i++) {
		taken[i]->done = true;
		g_cond_signal(&taken[i]->cond);
	}
	wake_head(b);
	g_free(items);
	g_free(taken);
}

void batcher_run(struct batcher *b, void *item, batcher_fn fn, void *ctx)
{
	struct entry e = { .item = item };
	g_cond_init(&e.cond);
	g_mutex_lock(&b->lock);
	g_queue_push_tail(&b->waiting, &e);
	while (!e.done) {
		if (!e.taken && b->leaders < b->max_leaders)
			lead(b, fn, ctx);
		else
			g_cond_wait(&e.cond, &b->lock);
	}
	g_mutex_unlock(&b->lock);
	g_cond_clear(&e.cond);
}

unsigned batcher_waiting(struct batcher *b)
{
	g_mutex_lock(&b->lock);
	unsigned n = g_queue_get_length(&b->waiting);
	g_mutex_unlock(&b->lock);
	return n;
}
