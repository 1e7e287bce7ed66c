/* facts - the vocabulary of case facts: the fields a complaint record has
 * besides its text (DOMAIN.md, the complaint record), and how a value is
 * made fit to store and show.
 *
 * A fact has one of a fixed set of names, the same names the web form and
 * its JSON API use for the fields ("order_no", "product", ...), so the form,
 * the rule language's "extract NAME /pattern/" and the store speak one
 * vocabulary. The customer's demand (诉求) is one of a fixed set of values.
 *
 * Every value, whether typed into the form or cut out of a mail by a rule,
 * goes through facts_clean before it is stored: a fact is shown in staff
 * mail, on terminals and in CSV, so it is one short line of valid UTF-8.
 *
 * Pure functions and constant tables; thread-safe. */
#ifndef COMPLAINTD_FACTS_H
#define COMPLAINTD_FACTS_H

#include <stdbool.h>
#include <stddef.h>

enum fact {
	FACT_ORDER,    /* "order_no": order number */
	FACT_PRODUCT,  /* "product": product or model */
	FACT_PLACE,    /* "purchase_place": shop, city or site of purchase */
	FACT_DATE,     /* "purchase_date": as written (the form: YYYY-MM-DD) */
	FACT_PHONE,    /* "phone" */
	FACT_DEMAND,   /* "demand": one of facts_demands */
	FACT_N
};

/* Values are cut to this many bytes (on a character boundary). */
#define FACTS_VALUE_MAX 120

/* facts_name - "order_no", ...; NULL for an out-of-range f. */
const char *facts_name(enum fact f);
/* facts_parse - the fact named s, or -1. */
int facts_parse(const char *s);
/* facts_personal - whether the fact can identify the customer (phone,
 * order number, place of purchase): what complaintctl forget erases. */
bool facts_personal(enum fact f);

/* The demands, in the order forms list them: "refund", "exchange",
 * "repair", "compensation", "apology"; NULL-terminated. */
extern const char *const facts_demands[];
/* facts_demand_valid - whether s is one of facts_demands. */
bool facts_demand_valid(const char *s);
/* facts_demand_label - the demand in Chinese ("退款") or English
 * ("refund"); s itself when it is not a demand. */
const char *facts_demand_label(const char *s, bool en);

/* facts_clean - len bytes of s (-1: NUL-terminated) as a fact value:
 * invalid UTF-8 replaced (U+FFFD), control and format characters (C0, DEL,
 * C1, bidi overrides, zero-width) and runs of blanks become one space,
 * trimmed, cut to FACTS_VALUE_MAX bytes. Returns NULL when nothing is left
 * (g_free the result otherwise). */
char *facts_clean(const char *s, long len);

#endif
