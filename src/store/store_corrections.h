/* store_corrections - the staff's corrections of the classification, as
 * labelled examples for `complaintctl rules corrections --export` and
 * `rules learn`.
 *
 * A correction is an event of kind "commands" (what the staff commands
 * #category and #severity record, workflow.c apply()) whose detail names
 * the category or the severity ("severity C -> A; category quality ->
 * price"). Read-only; one statement. */
#ifndef COMPLAINTD_STORE_CORRECTIONS_H
#define COMPLAINTD_STORE_CORRECTIONS_H

#include <stdint.h>
#include <glib.h>

#include "store/store.h"

/* One complaint with at least one correction. Strings owned. */
struct store_correction {
	uint64_t complaint_id;
	char *ref;
	char *category;          /* the complaint's category now */
	char severity;           /* and severity now */
	uint64_t first_message;  /* row of the first inbound message; 0 = none */
	GPtrArray *details;      /* char *: the commands events' details, oldest first */
};
void store_correction_free(struct store_correction *c); /* NULL-safe; GDestroyNotify-able */

/* store_list_corrections - every corrected complaint, by id, appended to
 * out (create it with g_ptr_array_new_with_free_func(
 * (GDestroyNotify)store_correction_free)). The number added, or -1. */
int store_list_corrections(struct store *s, GPtrArray *out, GError **err);

#endif
