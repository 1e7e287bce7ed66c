/* Unit tests for batcher: items handed in by many threads are each run
 * once, in batches no bigger than asked, by no more leaders at a time than
 * asked, and nobody returns before the batch holding their item is done. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <glib.h>

#include "lib/batcher.h"

struct item {
	int runs;      /* how often a batch ran it */
	bool done;     /* its batch had finished when batcher_run returned */
};

struct shared {
	struct batcher *b;
	GMutex lock;
	GCond cond;
	unsigned running, most_running;   /* leaders inside run() */
	unsigned max_batch_seen;
	GArray *sizes;                    /* batch sizes, in order */
	bool hold_first;                  /* the first batch waits for release */
	bool released;
	unsigned per_thread;
	gint wrong;                       /* items returned unfinished or run twice */
};

static struct shared *sh;

static void run(void *ctx, void **items, unsigned n)
{
	struct shared *s = ctx;
	g_mutex_lock(&s->lock);
	s->running++;
	s->most_running = MAX(s->most_running, s->running);
	s->max_batch_seen = MAX(s->max_batch_seen, n);
	g_array_append_val(s->sizes, n);
	while (s->hold_first && !s->released)
		g_cond_wait(&s->cond, &s->lock);
	g_mutex_unlock(&s->lock);
	for (unsigned i = 0; i < n; i++)
		((struct item *)items[i])->runs++;
	g_thread_yield();
	for (unsigned i = 0; i < n; i++)
		((struct item *)items[i])->done = true;
	g_mutex_lock(&s->lock);
	s->running--;
	g_mutex_unlock(&s->lock);
}

static gpointer hand_in(gpointer data)
{
	struct item *items = data;
	for (unsigned i = 0; i < sh->per_thread; i++) {
		batcher_run(sh->b, &items[i], run, sh);
		/* the item's batch has finished before we hear of it (counted:
		 * cmocka's asserts belong to the test's own thread) */
		if (!items[i].done || items[i].runs != 1)
			g_atomic_int_inc(&sh->wrong);
	}
	return NULL;
}

static void setup_shared(struct shared *s, unsigned max_batch, unsigned leaders)
{
	*s = (struct shared){ .b = batcher_new(max_batch, leaders),
			      .sizes = g_array_new(FALSE, FALSE, sizeof(unsigned)) };
	g_mutex_init(&s->lock);
	g_cond_init(&s->cond);
	sh = s;
}

static void teardown_shared(struct shared *s)
{
	batcher_free(&s->b);
	assert_null(s->b);
	g_array_free(s->sizes, TRUE);
	g_mutex_clear(&s->lock);
	g_cond_clear(&s->cond);
}

/* While the one leader is busy, six threads hand in: the next batches
 * take four (the most a batch holds), then the two left. */
static void test_waiting_items_go_together(void **state)
{
	(void)state;
	struct shared s;
	setup_shared(&s, 4, 1);
	s.hold_first = true;
	s.per_thread = 1;
	struct item items[7] = { 0 };
	GThread *t[7];
	t[0] = g_thread_new("first", hand_in, &items[0]);
	/* the first batch is running (and held) once its size is recorded */
	for (;;) {  /* it runs at once: no deadline needed */
		g_mutex_lock(&s.lock);
		bool started = s.sizes->len == 1;
		g_mutex_unlock(&s.lock);
		if (started)
			break;
		g_thread_yield();
	}
	for (unsigned i = 1; i < 7; i++)
		t[i] = g_thread_new("next", hand_in, &items[i]);
	unsigned waiting = 0;
	/* (a batcher that let them lead would never have six waiting: the
	 * deadline turns that hang into a failure) */
	int64_t deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;
	while (waiting < 6 && g_get_monotonic_time() < deadline) {
		waiting = batcher_waiting(s.b);
		g_thread_yield();
	}
	if (waiting < 6) {
		g_mutex_lock(&s.lock);
		s.released = true;  /* let the threads finish before failing */
		g_cond_broadcast(&s.cond);
		g_mutex_unlock(&s.lock);
		for (unsigned i = 0; i < 7; i++)
			g_thread_join(t[i]);
	}
	assert_int_equal(waiting, 6);
	g_mutex_lock(&s.lock);
	assert_int_equal(s.sizes->len, 1);  /* only the held batch has started */
	g_mutex_unlock(&s.lock);
	g_mutex_lock(&s.lock);
	s.released = true;
	g_cond_broadcast(&s.cond);
	g_mutex_unlock(&s.lock);
	for (unsigned i = 0; i < 7; i++)
		g_thread_join(t[i]);
	assert_int_equal(s.wrong, 0);
	assert_int_equal(s.sizes->len, 3);
	assert_int_equal(g_array_index(s.sizes, unsigned, 0), 1);
	assert_int_equal(g_array_index(s.sizes, unsigned, 1), 4);
	assert_int_equal(g_array_index(s.sizes, unsigned, 2), 2);
	assert_int_equal(s.most_running, 1);
	assert_int_equal(batcher_waiting(s.b), 0);
	teardown_shared(&s);
}

/* Many threads, many items: each item once, never more than two leaders,
 * never more than eight items a batch. */
static void test_many_threads(void **state)
{
	(void)state;
	enum { THREADS = 16, EACH = 300 };
	struct shared s;
	setup_shared(&s, 8, 2);
	s.per_thread = EACH;
	struct item *items = g_new0(struct item, THREADS * EACH);
	GThread *t[THREADS];
	for (unsigned i = 0; i < THREADS; i++)
		t[i] = g_thread_new("hand-in", hand_in, items + i * EACH);
	for (unsigned i = 0; i < THREADS; i++)
		g_thread_join(t[i]);
	assert_int_equal(s.wrong, 0);
	for (unsigned i = 0; i < THREADS * EACH; i++)
		assert_int_equal(items[i].runs, 1);
	assert_true(s.most_running <= 2);
	assert_true(s.max_batch_seen <= 8);
	unsigned total = 0;
	for (unsigned i = 0; i < s.sizes->len; i++)
		total += g_array_index(s.sizes, unsigned, i);
	assert_int_equal(total, THREADS * EACH);
	assert_int_equal(batcher_waiting(s.b), 0);
	g_free(items);
	teardown_shared(&s);
}

/* Alone, an item runs at once in its own thread, as a batch of one. */
static void test_alone(void **state)
{
	(void)state;
	struct shared s;
	setup_shared(&s, 32, 2);
	struct item it = { 0 };
	batcher_run(s.b, &it, run, &s);
	assert_int_equal(it.runs, 1);
	assert_true(it.done);
	assert_int_equal(s.sizes->len, 1);
	assert_int_equal(g_array_index(s.sizes, unsigned, 0), 1);
	teardown_shared(&s);
	struct batcher *none = NULL;
	batcher_free(&none);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alone),
		cmocka_unit_test(test_waiting_items_go_together),
		cmocka_unit_test(test_many_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
