/* casefacts - which case facts (lib/facts.h) a complaint's message gives,
 * and how staff read them.
 *
 * The policy: what the customer typed into a field of the web form (or
 * its API) is their own statement and wins; for a fact the form left
 * empty, and for every fact of a mail, the value the rules' extracts found
 * (complaintd-rules(5)). Every value is cleaned (facts_clean); a form's
 * demand that is not one of facts_demands is ignored (the form refuses
 * it before). The store keeps the first value of each fact, so a
 * follow-up only adds what was missing.
 *
 * Ownership: casefacts_collect fills a struct store_facts the caller
 * clears (store_facts_clear); casefacts_text returns a g_malloc'ed string. */
#ifndef COMPLAINTD_CASEFACTS_H
#define COMPLAINTD_CASEFACTS_H

#include <stdbool.h>

#include "store/store_facts.h"

struct message;
struct verdict;

/* casefacts_collect - the facts of m (v, the rules' verdict on m, may be
 * NULL) into *out, cleared first. Returns how many facts were found. */
unsigned casefacts_collect(const struct message *m, const struct verdict *v,
			   struct store_facts *out);

/* casefacts_label - the fact's name for people: "订单号" / "Order number". */
const char *casefacts_label(enum fact f, bool en);

/* casefacts_text - one indented line per known fact ("  订单号：12345\n"),
 * the demand in words; "" when none. */
char *casefacts_text(const struct store_facts *f, bool en);

#endif
