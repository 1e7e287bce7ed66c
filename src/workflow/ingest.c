/* ingest - a batch over several database connections. */
#include "workflow/ingest.h"

#include <string.h>

#include "mail/message.h"
#include "workflow/pipeline.h"
#include "store/store.h"

#define MAX_LANES 4
#define MIN_SPLIT 16   /* smaller batches are not worth a second lane */

/* One lane's share of a batch. */
struct job {
	GArray *items;     /* struct pipeline_item copies */
	GArray *index;     /* unsigned: position in the caller's array */
	int64_t now;
	int rc;
	GError *err;
};

struct lane {
	struct ingest *ig;
	GThread *thread;    /* NULL for lane 0 */
	struct store *store;
	bool own_store;
	struct pipeline *pl;
	GAsyncQueue *todo, *done;   /* struct job*; a job with items NULL stops */
	struct job job;
};

struct ingest {
	const struct pipeline_env *env;
	const struct store_params *db;
	unsigned lanes;
	struct lane lane[MAX_LANES];
};

/* run_job - on the lane's own connection, reconnecting when it was lost. */
static void run_job(struct lane *l)
{
	struct job *j = &l->job;
	j->rc = 0;
	if (!l->store) {
		l->store = store_open(l->ig->db, &j->err);
		if (!l->store) {
			j->rc = -1;
			return;
		}
		l->pl = pipeline_new(l->ig->env, l->store);
	} else if (store_ping(l->store, &j->err) < 0) {
		j->rc = -1;
		return;
	}
	j->rc = pipeline_ingest(l->pl, (struct pipeline_item *)(void *)j->items->data,
				j->items->len, j->now, &j->err);
}

static gpointer lane_thread(gpointer data)
{
	struct lane *l = data;
	for (;;) {
		struct job *j = g_async_queue_pop(l->todo);
		if (!j->items)
			break;
		run_job(l);
		g_async_queue_push(l->done, j);
	}
	return NULL;
}

struct ingest *ingest_new(const struct pipeline_env *env, const struct store_params *db,
			  struct store *store, unsigned lanes)
{
	struct ingest *ig = g_new0(struct ingest, 1);
	ig->env = env;
	ig->db = db;
	ig->lanes = CLAMP(lanes, 1, MAX_LANES);
	for (unsigned i = 0; i < ig->lanes; i++) {
		struct lane *l = &ig->lane[i];
		l->ig = ig;
		l->job.items = g_array_new(FALSE, TRUE, sizeof(struct pipeline_item));
		l->job.index = g_array_new(FALSE, FALSE, sizeof(unsigned));
		if (i == 0) {
			l->store = store;
			l->pl = pipeline_new(env, store);
			continue;
		}
		l->own_store = true;
		l->todo = g_async_queue_new();
		l->done = g_async_queue_new();
		l->thread = g_thread_new("ingest", lane_thread, l);
	}
	return ig;
}

void ingest_free(struct ingest **igp)
{
	struct ingest *ig = *igp;
	if (!ig)
		return;
	for (unsigned i = 0; i < ig->lanes; i++) {
		struct lane *l = &ig->lane[i];
		if (l->thread) {
			static struct job stop;  /* items NULL: the stop signal */
			g_async_queue_push(l->todo, &stop);
			g_thread_join(l->thread);
			g_async_queue_unref(l->todo);
			g_async_queue_unref(l->done);
		}
		pipeline_free(&l->pl);
		if (l->own_store)
			store_close(&l->store);
		g_array_free(l->job.items, TRUE);
		g_array_free(l->job.index, TRUE);
	}
	g_free(ig);
	*igp = NULL;
}

/* lane_of - all mail of one sender in one lane. */
static unsigned lane_of(const struct ingest *ig, const struct pipeline_item *it)
{
	const char *from = msg_from_addr(it->msg);
	return from ? g_str_hash(from) % ig->lanes : 0;
}

int ingest_batch(struct ingest *ig, struct pipeline_item *items, unsigned n, int64_t now,
		 GError **err)
{
	unsigned lanes = n >= MIN_SPLIT ? ig->lanes : 1;
	if (lanes == 1)
		return pipeline_ingest(ig->lane[0].pl, items, n, now, err);
	for (unsigned k = 0; k < lanes; k++) {
		g_array_set_size(ig->lane[k].job.items, 0);
		g_array_set_size(ig->lane[k].job.index, 0);
		ig->lane[k].job.now = now;
		ig->lane[k].job.err = NULL;
	}
	for (unsigned i = 0; i < n; i++) {
		struct lane *l = &ig->lane[lane_of(ig, &items[i])];
		g_array_append_val(l->job.items, items[i]);
		g_array_append_val(l->job.index, i);
	}
	for (unsigned k = 1; k < lanes; k++)
		g_async_queue_push(ig->lane[k].todo, &ig->lane[k].job);
	run_job(&ig->lane[0]);
	for (unsigned k = 1; k < lanes; k++)
		g_async_queue_pop(ig->lane[k].done);
	int rc = 0;
	for (unsigned k = 0; k < lanes; k++) {
		struct job *j = &ig->lane[k].job;
		for (unsigned i = 0; i < j->items->len; i++)
			items[g_array_index(j->index, unsigned, i)] =
				g_array_index(j->items, struct pipeline_item, i);
		if (j->rc < 0 && rc == 0) {
			rc = -1;
			g_propagate_error(err, j->err);
		} else {
			g_clear_error(&j->err);
		}
	}
	return rc;
}
