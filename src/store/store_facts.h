/* store_facts - the case facts of a complaint (lib/facts.h): order number,
 * product, place and date of purchase, phone, demand; one row each in
 * complaint_facts (migration 14).
 *
 * A fact once recorded keeps its value: a later mail of the same complaint
 * can add the facts the first one lacked, never change one. Values come
 * cleaned (facts_clean) from the workflow; the store cuts them to
 * FACTS_VALUE_MAX characters all the same. No policy here: which facts a
 * complaint gets, and from where, is the workflow's business.
 *
 * Errors as store.h says: 0 (or a count) on success, -1 with *err set. */
#ifndef COMPLAINTD_STORE_FACTS_H
#define COMPLAINTD_STORE_FACTS_H

#include <stdint.h>
#include <glib.h>

#include "lib/facts.h"
#include "store/store.h"

/* A complaint's facts, indexed by enum fact; NULL = not known. source is
 * "form" or "mail"; rule the rule that extracted a mail's fact (or NULL).
 * Every string is owned: store_facts_clear frees them. */
struct store_facts {
	char *value[FACT_N];
	char *source[FACT_N];
	char *rule[FACT_N];
};

/* store_facts_add - records the facts of f (NULL values skipped) for
 * complaint id at now, each unless the complaint has it already. Inside
 * a transaction the rows are written with its other deferred rows just
 * before COMMIT (store_facts_get writes them first); on its own at once.
 * The number of facts given (in a transaction) or recorded, or -1. */
int store_facts_add(struct store *s, uint64_t id, const struct store_facts *f,
		    int64_t now, GError **err);

/* store_facts_get - complaint id's facts into *out (cleared first). 0 / -1. */
int store_facts_get(struct store *s, uint64_t id, struct store_facts *out, GError **err);

/* store_facts_clear - frees what f holds and zeroes it; NULL-safe. */
void store_facts_clear(struct store_facts *f);

#endif
