/* holder - one reloadable, refcounted object shared between threads. */
#include "lib/holder.h"

#include <pthread.h>
#include <glib.h>

struct holder {
	pthread_mutex_t lock;  /* pthread, not GMutex: ThreadSanitizer sees these */
	void *obj;
	holder_ref_fn ref;
	holder_unref_fn unref;
	unsigned generation;
};

struct holder *holder_new(void *obj, holder_ref_fn ref, holder_unref_fn unref)
{
	struct holder *h = g_new0(struct holder, 1);
	pthread_mutex_init(&h->lock, NULL);
	h->obj = obj;
	h->ref = ref;
	h->unref = unref;
	return h;
}

void holder_free(struct holder **hp)
{
	struct holder *h = *hp;
	if (!h)
		return;
	if (h->obj)
		h->unref(h->obj);
	pthread_mutex_destroy(&h->lock);
	g_free(h);
	*hp = NULL;
}

void *holder_get(struct holder *h)
{
	pthread_mutex_lock(&h->lock);
	void *obj = h->obj ? h->ref(h->obj) : NULL;
	pthread_mutex_unlock(&h->lock);
	return obj;
}

void holder_swap(struct holder *h, void *obj)
{
	pthread_mutex_lock(&h->lock);
	void *old = h->obj;
	h->obj = obj;
	h->generation++;
	pthread_mutex_unlock(&h->lock);
	/* unref outside the lock: freeing a big rule set must not stall readers */
	if (old)
		h->unref(old);
}

unsigned holder_generation(struct holder *h)
{
	pthread_mutex_lock(&h->lock);
	unsigned g = h->generation;
	pthread_mutex_unlock(&h->lock);
	return g;
}
