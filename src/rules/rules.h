/* rules - classify a message by administrator-edited rule files.
 *
 * The rule language is described in complaintd-rules(5). A rule set is
 * loaded from a directory (every *.rules file, in lexical order) or from a
 * string, compiled once (PCRE2, UTF + UCP, JIT where available) and is then
 * immutable: any number of threads may classify with it at once. It is
 * reference counted, so a reload can build a new set beside the old one and
 * swap it in (struct holder, holder.h) while classifications in flight finish
 * on the old set.
 *
 * Classification never fails as a whole: a rule whose match hits the match,
 * depth or heap limit is skipped and named in the verdict's errors.
 *
 * Ownership: rules_load_* return a new reference (free with rules_unref);
 * rules_classify returns a verdict owned by the caller (verdict_free).
 * Every string a verdict returns is borrowed and valid until verdict_free;
 * a verdict keeps its rule set alive, so it may outlive the caller's ref. */
#ifndef COMPLAINTD_RULES_H
#define COMPLAINTD_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

#include "mail/message.h"

struct rules;
struct verdict;

/* One rule that fired (and was not cancelled). */
struct rule_hit {
	const char *rule;   /* rule name */
	const char *field;  /* "subject", "body", "header:X-Foo", "meta", ... */
	char *match;        /* matched text, at most RULES_MATCH_MAX bytes (cut
			     * on a character boundary); NULL for meta rules */
	const char *effect; /* e.g. "quality+3 severity>=B route=legal tag=x" */
	const char *describe; /* the rule's description, "" if none */
};
#define RULES_MATCH_MAX 200

/* Limits; a zero member means the default (RULES_DEFAULT_*). Texts longer
 * than the byte limits are cut (on a character boundary) before matching. */
struct rules_limits {
	uint32_t match_limit;   /* pcre2_set_match_limit */
	uint32_t depth_limit;   /* pcre2_set_depth_limit (interpreter only) */
	uint32_t heap_limit_kib;/* pcre2_set_heap_limit (interpreter only) */
	size_t max_subject_bytes;
	size_t max_body_bytes;  /* also bounds header and form field values */
	bool no_jit;            /* do not JIT-compile (tests, debugging) */
	bool no_prefilter;      /* no vectorscan prefilter: every pattern rule
				 * runs PCRE2 on every text (tests, debugging) */
	const char *cache_dir;  /* where the compiled prefilter is kept between
				 * loads (rules/pfcache.h); NULL or "": compile
				 * every time. Only read while loading. */
};
#define RULES_DEFAULT_MATCH_LIMIT   200000u
#define RULES_DEFAULT_DEPTH_LIMIT   2000u
#define RULES_DEFAULT_HEAP_LIMIT_KIB 8192u
#define RULES_DEFAULT_MAX_SUBJECT   4096u
#define RULES_DEFAULT_MAX_BODY      (256u * 1024u)

/* rules_load_dir - loads every *.rules file of dir (not starting with '.')
 * in lexical (strcmp) order. Returns NULL if there was any error.
 * errors and warnings (each may be NULL) receive g_malloc'ed strings
 * "file:line:column: message" (column in bytes, from 1), or "file: message"
 * for a file that cannot be read; create them with
 * g_ptr_array_new_with_free_func(g_free). lim may be NULL for defaults. */
struct rules *rules_load_dir(const char *dir, const struct rules_limits *lim,
			     GPtrArray *errors, GPtrArray *warnings);

/* rules_load_string - as rules_load_dir for one file's text of len bytes
 * (may contain NUL bytes, which are errors), called name in messages. */
struct rules *rules_load_string(const char *name, const char *text, size_t len,
				const struct rules_limits *lim,
				GPtrArray *errors, GPtrArray *warnings);

struct rules *rules_ref(struct rules *r);
/* rules_unref - drops a reference, sets *r to NULL; NULL-safe. */
void rules_unref(struct rules **r);

unsigned rules_count(const struct rules *r);      /* rules, meta included */
unsigned rules_jit_count(const struct rules *r);  /* patterns JIT compiled */
/* rules_prefilter_count - pattern rules the vectorscan prefilter screens
 * (see complaintd-rules(5), PERFORMANCE); 0 when the prefilter is off. */
unsigned rules_prefilter_count(const struct rules *r);
/* rules_prefilter_cached - the prefilter was read from lim->cache_dir
 * rather than compiled. */
bool rules_prefilter_cached(const struct rules *r);
double rules_threshold(const struct rules *r);
/* rules_route_names - every route name the set can give a complaint: its
 * rules' routes and its default-route directives, each once, sorted;
 * NULL-terminated, g_strfreev. What [routes] must have an address for. */
char **rules_route_names(const struct rules *r);
/* rules_default_route - the default-route directive of category
 * ("quality" .. "other"): the route of a complaint of that category no
 * rule routes; NULL if none (borrowed, lives as long as r). */
const char *rules_default_route(const struct rules *r, const char *category);

/* rules_classify - evaluates every rule against m. Thread-safe. */
struct verdict *rules_classify(const struct rules *r, const struct message *m);

/* "quality", "service", "price", "infringement" or "other". */
const char *verdict_category(const struct verdict *v);
char verdict_severity(const struct verdict *v);   /* 'A', 'B' or 'C' */
const char *verdict_route(const struct verdict *v); /* NULL if none */
/* verdict_score - summed score of category; 0 for unknown names. */
double verdict_score(const struct verdict *v, const char *category);
unsigned verdict_hit_count(const struct verdict *v);
const struct rule_hit *verdict_hit(const struct verdict *v, unsigned i);
/* verdict_fired - true when the rule named fired and was not cancelled
 * (helper rules "__*" included, which are not listed among the hits). */
bool verdict_fired(const struct verdict *v, const char *rule);
/* verdict_fact - the value the rules' extracts found for fact (enum fact,
 * lib/facts.h): from the first rule in load order that fired and whose
 * extract matched; cleaned by facts_clean. NULL if none. verdict_fact_rule
 * names that rule. */
const char *verdict_fact(const struct verdict *v, int fact);
const char *verdict_fact_rule(const struct verdict *v, int fact);
unsigned verdict_tag_count(const struct verdict *v);
const char *verdict_tag(const struct verdict *v, unsigned i);
unsigned verdict_error_count(const struct verdict *v);
const char *verdict_error(const struct verdict *v, unsigned i);
/* verdict_format - a multi-line human-readable report (for complaintctl and
 * logs); g_free the result. */
char *verdict_format(const struct verdict *v);
void verdict_free(struct verdict **v);


#endif
