/* holder - one reloadable, refcounted object (the rule set, the template
 * set) shared between threads.
 *
 * A reload builds the new object beside the one in force and swaps it in
 * with holder_swap; threads take a reference with holder_get for the work in
 * hand (one message, one batch), so work in flight finishes on the old object
 * and the old object is freed when its last user lets go. */
#ifndef COMPLAINTD_HOLDER_H
#define COMPLAINTD_HOLDER_H

typedef void *(*holder_ref_fn)(void *obj);
typedef void (*holder_unref_fn)(void *obj);

struct holder;

/* holder_new - takes over the caller's reference to obj. */
struct holder *holder_new(void *obj, holder_ref_fn ref, holder_unref_fn unref);
/* holder_free - drops the held reference; NULL-safe; sets *h to NULL. */
void holder_free(struct holder **h);
/* holder_get - a new reference to the object in force; release with the
 * object's own unref. */
void *holder_get(struct holder *h);
/* holder_swap - put obj in force (taking over the caller's reference) and
 * drop the holder's reference to the previous one. */
void holder_swap(struct holder *h, void *obj);
/* holder_generation - how many swaps so far (for metrics and tests). */
unsigned holder_generation(struct holder *h);

#endif
