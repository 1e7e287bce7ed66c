/* rules - loading, linking and evaluating rule sets; see rules.h and
 * complaintd-rules(5). The line parser lives in rulefile.c. */
#include "rules/rules.h"
#include "rules/rulefile.h"
#include "rules/pfcache.h"
#include "lib/facts.h"
#include "lib/log.h"

#include <dlfcn.h>
#include <hs/hs.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define RULES_MAX_FILE_BYTES (4u * 1024u * 1024u)

struct rules {
	gint refcount;
	struct rf_set set;
	unsigned n;
	unsigned *order;      /* evaluation order: dependencies first */
	unsigned njit;
	bool need_fresh;      /* some rule looks at fresh or any */
	struct rules_limits lim;
	pcre2_match_context *mctx; /* only read while matching: shareable */
	hs_database_t *pf_db; /* prefilter (see below); NULL when off */
	guint8 *pf_in;        /* per rule: screened by pf_db */
	unsigned npf;         /* rules screened */
	struct scratch_pool *pool; /* vectorscan scratches for pf_db */
	bool pf_cached;       /* pf_db came from the cache (pfcache.h) */
	hs_error_t (*pf_scan)(const hs_database_t *, const char *, unsigned,
			      unsigned, hs_scratch_t *, match_event_handler,
			      void *); /* hs_scan or a variant: pf_platform */
};

/* Tie-break order, most specific and most costly to get wrong first:
 * a counterfeit that also broke is an infringement case; a broken product
 * whose customer wants a refund is a quality case. */
static const enum rf_cat tie_order[RF_NCAT] = {
	RF_CAT_INFRINGEMENT, RF_CAT_QUALITY, RF_CAT_PRICE, RF_CAT_SERVICE
};

static struct rf_rule *rule_at(const struct rules *r, unsigned i)
{
	return g_ptr_array_index(r->set.rules, i);
}

/* ---- loading ----------------------------------------------------------- */

static void limits_fill(struct rules_limits *out, const struct rules_limits *in)
{
	if (in)
		*out = *in;
	else
		memset(out, 0, sizeof *out);
	if (out->match_limit == 0)
		out->match_limit = RULES_DEFAULT_MATCH_LIMIT;
	if (out->depth_limit == 0)
		out->depth_limit = RULES_DEFAULT_DEPTH_LIMIT;
	if (out->heap_limit_kib == 0)
		out->heap_limit_kib = RULES_DEFAULT_HEAP_LIMIT_KIB;
	if (out->max_subject_bytes == 0)
		out->max_subject_bytes = RULES_DEFAULT_MAX_SUBJECT;
	if (out->max_body_bytes == 0)
		out->max_body_bytes = RULES_DEFAULT_MAX_BODY;
}

static struct rules *rules_alloc(const struct rules_limits *lim)
{
	struct rules *r = g_new0(struct rules, 1);
	r->refcount = 1;
	limits_fill(&r->lim, lim);
	rf_set_init(&r->set, r->lim.no_jit);
	r->mctx = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(r->mctx, r->lim.match_limit);
	pcre2_set_depth_limit(r->mctx, r->lim.depth_limit);
	pcre2_set_heap_limit(r->mctx, r->lim.heap_limit_kib);
	return r;
}

/* The scratches a rule set's scans gave back (see scratch_take). */
struct scratch_pool {
	GMutex lock;
	hs_scratch_t **free;
	unsigned n, size;
};

static void pool_free(struct scratch_pool *p)
{
	if (!p)
		return;
	for (unsigned i = 0; i < p->n; i++)
		hs_free_scratch(p->free[i]);
	g_free(p->free);
	g_mutex_clear(&p->lock);
	g_free(p);
}

static void rules_destroy(struct rules *r)
{
	rf_set_clear(&r->set);
	g_free(r->order);
	pcre2_match_context_free(r->mctx);
	pool_free(r->pool);
	hs_free_database(r->pf_db);
	g_free(r->pf_in);
	g_free(r);
}

struct rules *rules_ref(struct rules *r)
{
	g_atomic_int_inc(&r->refcount);
	return r;
}

void rules_unref(struct rules **r)
{
	if (*r == NULL)
		return;
	if (g_atomic_int_dec_and_test(&(*r)->refcount))
		rules_destroy(*r);
	*r = NULL;
}

/* collect_name - a GTraverseFunc: a copy of each key into the array. */
static gboolean collect_name(gpointer key, gpointer value, gpointer data)
{
	(void)value;
	g_ptr_array_add(data, g_strdup(key));
	return FALSE;
}

unsigned rules_count(const struct rules *r)
{
	return r->n;
}

char **rules_route_names(const struct rules *r)
{
	GTree *names = g_tree_new((GCompareFunc)strcmp);
	for (unsigned i = 0; i < r->set.rules->len; i++) {
		const struct rf_rule *rule = g_ptr_array_index(r->set.rules, i);
		if (rule->route)
			g_tree_insert(names, rule->route, rule->route);
	}
	for (unsigned c = 0; c <= RF_NCAT; c++)
		if (r->set.default_route[c])
			g_tree_insert(names, r->set.default_route[c], r->set.default_route[c]);
	GPtrArray *out = g_ptr_array_new();
	g_tree_foreach(names, collect_name, out);
	g_ptr_array_add(out, NULL);
	g_tree_destroy(names);
	return (char **)g_ptr_array_free(out, FALSE);
}

const char *rules_default_route(const struct rules *r, const char *category)
{
	int c = category ? rf_cat_parse(category, true) : -1;
	return c < 0 ? NULL : r->set.default_route[c];
}

unsigned rules_jit_count(const struct rules *r)
{
	return r->njit;
}

bool rules_prefilter_cached(const struct rules *r)
{
	return r->pf_cached;
}

unsigned rules_prefilter_count(const struct rules *r)
{
	return r->npf;
}

double rules_threshold(const struct rules *r)
{
	return r->set.threshold;
}

/* ---- linking: names, references, evaluation order ----------------------- */

static void ref_error(struct rf_diag *d, const struct rf_rule *rule,
		      const struct rf_ref *ref, const char *what)
{
	rf_diag_add(d, true, rule->file, ref->line, ref->col,
		    "rule %s: %s unknown rule '%s'", rule->name, what, ref->name);
}

/* resolve - looks every referenced name up; fills cancelled_by. */
static void resolve(struct rules *r, GHashTable *names, struct rf_diag *d)
{
	for (unsigned i = 0; i < r->n; i++) {
		struct rf_rule *rule = rule_at(r, i);
		for (unsigned k = 0; rule->refs && k < rule->refs->len; k++) {
			struct rf_ref *ref = &g_array_index(rule->refs, struct rf_ref, k);
			gpointer v = g_hash_table_lookup(names, ref->name);
			if (v == NULL)
				ref_error(d, rule, ref, "meta refers to");
			ref->idx = GPOINTER_TO_UINT(v) - 1;
		}
		for (unsigned k = 0; k < rule->cancels->len; k++) {
			struct rf_ref *ref = &g_array_index(rule->cancels, struct rf_ref, k);
			gpointer v = g_hash_table_lookup(names, ref->name);
			if (v == NULL) {
				ref_error(d, rule, ref, "cancel of");
				continue;
			}
			ref->idx = GPOINTER_TO_UINT(v) - 1;
			if (ref->idx == i) {
				rf_diag_add(d, true, rule->file, ref->line, ref->col,
					    "rule %s cancels itself", rule->name);
				continue;
			}
			struct rf_rule *target = rule_at(r, ref->idx);
			if (target->cancelled_by == NULL)
				target->cancelled_by = g_array_new(FALSE, FALSE,
								   sizeof(unsigned));
			g_array_append_val(target->cancelled_by, i);
		}
	}
}

/* deps_of - what rule i needs evaluated first: its meta operands and every
 * rule that can cancel it. */
static GArray *deps_of(const struct rules *r, unsigned i)
{
	const struct rf_rule *rule = rule_at(r, i);
	GArray *deps = g_array_new(FALSE, FALSE, sizeof(unsigned));
	for (unsigned k = 0; rule->refs && k < rule->refs->len; k++)
		g_array_append_val(deps, g_array_index(rule->refs, struct rf_ref, k).idx);
	if (rule->cancelled_by)
		g_array_append_vals(deps, rule->cancelled_by->data,
				    rule->cancelled_by->len);
	return deps;
}

/* report_cycle - walks from a rule left over by the sort into the cycle
 * that blocks it and names the rules of that cycle. */
static void report_cycle(struct rules *r, GArray **deps, const guint8 *done,
			 unsigned start, struct rf_diag *d)
{
	unsigned v = start;
	for (unsigned step = 0; step < r->n; step++)
		for (unsigned k = 0; k < deps[v]->len; k++) {
			unsigned w = g_array_index(deps[v], unsigned, k);
			if (!done[w]) {
				v = w;
				break;
			}
		}
	GString *path = g_string_new(rule_at(r, v)->name);
	unsigned u = v;
	do {
		for (unsigned k = 0; k < deps[u]->len; k++) {
			unsigned w = g_array_index(deps[u], unsigned, k);
			if (!done[w]) {
				u = w;
				break;
			}
		}
		g_string_append_printf(path, " -> %s", rule_at(r, u)->name);
	} while (u != v && path->len < 1000);
	const struct rf_rule *rule = rule_at(r, v);
	rf_diag_add(d, true, rule->file, rule->line, rule->col,
		    "dependency cycle through meta or cancel: %s", path->str);
	g_string_free(path, TRUE);
}

/* sort_rules - Kahn's algorithm over deps_of; a cycle is an error because
 * no evaluation order would give the rules a fixed meaning. */
static void sort_rules(struct rules *r, struct rf_diag *d)
{
	unsigned n = r->n, head = 0, tail = 0;
	GArray **deps = g_new0(GArray *, n ? n : 1);
	GArray **users = g_new0(GArray *, n ? n : 1);
	unsigned *pending = g_new0(unsigned, n ? n : 1);
	guint8 *done = g_new0(guint8, n ? n : 1);
	r->order = g_new0(unsigned, n ? n : 1);
	for (unsigned i = 0; i < n; i++)
		users[i] = g_array_new(FALSE, FALSE, sizeof(unsigned));
	for (unsigned i = 0; i < n; i++) {
		deps[i] = deps_of(r, i);
		pending[i] = deps[i]->len;
		for (unsigned k = 0; k < deps[i]->len; k++)
			g_array_append_val(users[g_array_index(deps[i], unsigned, k)], i);
	}
	for (unsigned i = 0; i < n; i++)
		if (pending[i] == 0)
			r->order[tail++] = i;
	while (head < tail) {
		unsigned v = r->order[head++];
		done[v] = 1;
		for (unsigned k = 0; k < users[v]->len; k++) {
			unsigned w = g_array_index(users[v], unsigned, k);
			if (--pending[w] == 0)
				r->order[tail++] = w;
		}
	}
	for (unsigned i = 0; tail < n && i < n; i++)
		if (!done[i]) {
			report_cycle(r, deps, done, i, d);
			break;
		}
	for (unsigned i = 0; i < n; i++) {
		g_array_unref(deps[i]);
		g_array_unref(users[i]);
	}
	g_free(deps);
	g_free(users);
	g_free(pending);
	g_free(done);
}

static char *effect_string(const struct rf_rule *rule)
{
	GString *s = g_string_new(NULL);
	char num[G_ASCII_DTOSTR_BUF_SIZE];
	for (int c = 0; c < RF_NCAT; c++)
		if (rule->has_score[c])
			g_string_append_printf(s, " %s%s", rf_cat_name(c),
					       g_ascii_formatd(num, sizeof num, "%+g",
							       rule->score[c]));
	if (rule->severity)
		g_string_append_printf(s, " severity>=%c", rule->severity);
	if (rule->route)
		g_string_append_printf(s, " route=%s", rule->route);
	for (unsigned k = 0; k < rule->tags->len; k++)
		g_string_append_printf(s, " tag=%s",
				       (char *)g_ptr_array_index(rule->tags, k));
	for (unsigned k = 0; k < rule->cancels->len; k++)
		g_string_append_printf(s, "%s%s", k ? "," : " cancel=",
				       g_array_index(rule->cancels, struct rf_ref, k).name);
	for (unsigned k = 0; k < rule->extracts->len; k++) {
		const struct rf_extract *e = g_ptr_array_index(rule->extracts, k);
		g_string_append_printf(s, " extract=%s", facts_name(e->fact));
	}
	if (s->len == 0)
		g_string_append(s, " none");
	char *out = g_strdup(s->str + 1);
	g_string_free(s, TRUE);
	return out;
}

/* classifies - whether the rule bears on the verdict (score, severity,
 * route, tag or cancel); a rule that only extracts facts is not listed
 * among the hits, which are what the rules' accuracy is judged by. */
static bool classifies(const struct rf_rule *rule)
{
	for (int c = 0; c < RF_NCAT; c++)
		if (rule->has_score[c])
			return true;
	return rule->severity || rule->route || rule->tags->len ||
	       rule->cancels->len;
}

static bool has_effect(const struct rf_rule *rule)
{
	return classifies(rule) || rule->extracts->len;
}

/* link - checks names across all files, resolves references, sorts. */
static void link_rules(struct rules *r, struct rf_diag *d)
{
	GHashTable *names = g_hash_table_new(g_str_hash, g_str_equal);
	r->n = r->set.rules->len;
	for (unsigned i = 0; i < r->n; i++) {
		struct rf_rule *rule = rule_at(r, i);
		gpointer prev = g_hash_table_lookup(names, rule->name);
		if (prev) {
			struct rf_rule *first = rule_at(r, GPOINTER_TO_UINT(prev) - 1);
			rf_diag_add(d, true, rule->file, rule->line, rule->col,
				    "duplicate rule name '%s' (first defined at %s:%u)",
				    rule->name, first->file, first->line);
			continue;
		}
		g_hash_table_insert(names, rule->name, GUINT_TO_POINTER(i + 1));
		if (rule->jit)
			r->njit++;
		if (rule->field == RF_F_FRESH || rule->field == RF_F_ANY)
			r->need_fresh = true;
		rule->effect = effect_string(rule);
		if (!has_effect(rule) && !g_str_has_prefix(rule->name, "__"))
			rf_diag_add(d, false, rule->file, rule->line, rule->col,
				    "rule %s has no effect (no score, severity, "
				    "route, tag, cancel or extract; name helper "
				    "rules __*)",
				    rule->name);
	}
	if (d->nerrors == 0)
		resolve(r, names, d);
	if (d->nerrors == 0)
		sort_rules(r, d);
	g_hash_table_unref(names);
}

/* ---- prefilter: one vectorscan database in front of PCRE2 ---------------
 *
 * Running 84 JIT patterns over subject and body costs ~450 us a mail, most
 * of it patterns that do not match. So at load every pattern rule of the
 * subject, body, fresh and any fields also goes into one vectorscan
 * database, compiled with HS_FLAG_PREFILTER: vectorscan may report a
 * pattern that PCRE2 would not match (it approximates lookarounds and back
 * references and we widen \w and \b, below) but never misses one that
 * PCRE2 would match. Classification scans each text once with that
 * database and runs PCRE2 only on rules reported for that text, in the same
 * order as before, so the verdict (and each hit's matched text, which PCRE2
 * still finds) is the same as without the prefilter.
 *
 * Rules outside the database always run PCRE2: header, from and form
 * field rules (short texts), patterns vectorscan refuses even as a
 * prefilter (\K, \G, \R, conditionals, ...), and patterns that nest an
 * unbounded repeat over a repeat or an alternation, such as (a+)+: on those
 * PCRE2 may give up at the match limit, and the verdict should name that
 * rule as skipped rather than hide the limit behind a prefilter "no". */

/* What vectorscan gets for \w and \W: every character PCRE2's UCP \w (\W)
 * can match, and beyond ASCII every other character too. Without Unicode's
 * word tables in its automata vectorscan compiles the shipped rules in
 * 0.6 s instead of 6.5 s and scans English text twice as fast. \b and \B
 * become an empty group: dropping an assertion only widens a pattern, and
 * the group keeps "\1\b0" from becoming "\10". */
#define PF_WORD    "[^\\x00-\\x2f\\x3a-\\x40\\x5b-\\x5e\\x60\\x7b-\\x7f]"
#define PF_NONWORD "[^0-9A-Za-z_]"
/* \d and \s likewise: PCRE2's UCP \d takes every Unicode digit and \s
 * every Unicode space; in UTF-8 automata those tables made a rule such as
 * /order\s*#?\d{6}/ cost vectorscan a tenth of a second to compile (1,000
 * generated rules took 48 s). Their ASCII members and any non-ASCII
 * character are a superset; \D and \S only lose their ASCII exclusions. */
#define PF_DIGIT    "[^\\x00-\\x2f\\x3a-\\x7f]"
#define PF_NONDIGIT "[^0-9]"
#define PF_SPACE    "[^\\x00-\\x08\\x0e-\\x1f\\x21-\\x7f]"
#define PF_NONSPACE "[^\\x09-\\x0d\\x20]"
#define PF_NOTHING "(?:)"
#define PF_MAX_RETRIES 8 /* patterns refused only by hs_compile_multi */

/* Debian's vectorscan 5.4.9 is built as a "fat runtime": hs_scan picks
 * its AVX-512 variant on CPUs that have it, and that variant misses
 * matches (^[^0-9A-Za-z_]+$ with the multiline flag, after 64 bytes of
 * non-ASCII text, is not reported; its nvermicelli tail scan masks the
 * wrong bytes, fixed upstream later). A prefilter must never miss, so on
 * such CPUs we call the AVX2 variant, which the library also exports, and
 * compile for a platform without AVX-512. Where it cannot be found the
 * prefilter stays off. test_prefilter_edges holds the case. */
typedef hs_error_t (*pf_scan_fn)(const hs_database_t *, const char *,
				 unsigned, unsigned, hs_scratch_t *,
				 match_event_handler, void *);

static bool pf_platform(hs_platform_info_t *plat, pf_scan_fn *scan,
			struct rf_diag *d);

struct pf_group {
	bool rep; /* holds a repeat that allows more than one */
	bool alt; /* holds an alternation */
};

/* pf_quant - length of the quantifier at p, 0 if there is none; *many when
 * it allows more than one repetition, *unbounded when without limit. */
static size_t pf_quant(const char *p, bool *many, bool *unbounded)
{
	*many = *unbounded = false;
	if (*p == '*' || *p == '+') {
		*many = *unbounded = true;
		return 1;
	}
	if (*p == '?')
		return 1;
	if (*p != '{' || !g_ascii_isdigit(p[1]))
		return 0;
	char *end;
	unsigned long lo = strtoul(p + 1, &end, 10), hi = lo;
	if (*end == ',') {
		if (end[1] == '}') {
			*unbounded = true;
			end++;
		} else if (g_ascii_isdigit(end[1])) {
			hi = strtoul(end + 1, &end, 10);
		} else {
			return 0;
		}
	}
	if (*end != '}')
		return 0;
	*many = *unbounded || hi >= 2;
	return (size_t)(end - p) + 1;
}

/* pf_skip_to - offset just past the first close at or after from; the end
 * of p if there is none. */
static size_t pf_skip_to(const char *p, size_t from, const char *close)
{
	const char *e = strstr(p + from, close);
	return e ? (size_t)(e - p) + strlen(close) : strlen(p);
}

/* pf_escape - copies (or widens) the escape at p[i] == '\\'; returns the
 * bytes consumed. */
static size_t pf_escape(const char *p, size_t i, GString *out)
{
	char c = p[i + 1];
	size_t n = 2;
	switch (c) {
	case '\0':
		n = 1;
		break;
	case 'w':
		g_string_append(out, PF_WORD);
		return 2;
	case 'W':
		g_string_append(out, PF_NONWORD);
		return 2;
	case 'd':
		g_string_append(out, PF_DIGIT);
		return 2;
	case 'D':
		g_string_append(out, PF_NONDIGIT);
		return 2;
	case 's':
		g_string_append(out, PF_SPACE);
		return 2;
	case 'S':
		g_string_append(out, PF_NONSPACE);
		return 2;
	case 'b': case 'B':
		g_string_append(out, PF_NOTHING);
		return 2;
	case 'Q':
		n = pf_skip_to(p, i + 2, "\\E") - i;
		break;
	case 'c':
		n = p[i + 2] ? 3 : 2;
		break;
	case 'x': case 'o': case 'p': case 'P': case 'N': case 'g': case 'k':
		if (p[i + 2] == '{')
			n = pf_skip_to(p, i + 3, "}") - i;
		else if (p[i + 2] == '<')
			n = pf_skip_to(p, i + 3, ">") - i;
		else if (p[i + 2] == '\'')
			n = pf_skip_to(p, i + 3, "'") - i;
		else if ((c == 'p' || c == 'P') && p[i + 2])
			n = 3;
		break;
	default:
		break;
	}
	g_string_append_len(out, p + i, (gssize)n);
	return n;
}

/* pf_class - copies the character class at p[i] == '[' unchanged (inside
 * a class vectorscan's own UCP classes are exact); returns its length. */
static size_t pf_class(const char *p, size_t i, GString *out)
{
	size_t j = i + 1;
	if (p[j] == '^')
		j++;
	if (p[j] == ']')
		j++;
	while (p[j] && p[j] != ']') {
		if (p[j] == '\\' && p[j + 1] == 'Q')
			j = pf_skip_to(p, j + 2, "\\E");
		else if (p[j] == '\\' && p[j + 1])
			j += 2;
		else if (p[j] == '[' && p[j + 1] == ':')
			j = pf_skip_to(p, j + 2, ":]");
		else
			j++;
	}
	if (p[j] == ']')
		j++;
	g_string_append_len(out, p + i, (gssize)(j - i));
	return j - i;
}

/* pf_close - at p[i] == ')': whether the group closed is repeated without
 * bound while holding a repeat or an alternation (backtracking blow-up);
 * passes what it holds on to the enclosing group. */
static bool pf_close(const char *p, size_t i, GArray *st)
{
	if (st->len < 2)
		return false; /* unbalanced: PCRE2 accepted it, so \) or similar */
	struct pf_group g = g_array_index(st, struct pf_group, st->len - 1);
	g_array_set_size(st, st->len - 1);
	struct pf_group *up = &g_array_index(st, struct pf_group, st->len - 1);
	bool many, unbounded;
	pf_quant(p + i + 1, &many, &unbounded);
	up->rep = up->rep || g.rep;
	up->alt = up->alt || g.alt;
	return unbounded && (g.rep || g.alt);
}

/* pf_repeat - a quantifier as vectorscan gets it: a counted repeat
 * X{n,m} becomes X+ (X* when n is 0), which takes every text the count
 * takes. Counted repeats of wide classes cost vectorscan a state per
 * repetition per UTF-8 byte shape: /订单号?\d{4}/ over a few hundred rules
 * took seconds to compile, and /A.{0,12}B/ likewise; the unbounded loop is
 * one state, and PCRE2 still checks the count. */
static void pf_repeat(const char *q, size_t len, GString *out)
{
	if (q[0] != '{') {
		g_string_append_len(out, q, (gssize)len);
		return;
	}
	g_string_append_c(out, strtoul(q + 1, NULL, 10) == 0 ? '*' : '+');
}

/* pf_pattern - the pattern as vectorscan should see it (see PF_WORD);
 * *risky for nested unbounded repeats (see the section comment). */
static char *pf_pattern(const char *p, uint32_t opts, bool *risky)
{
	GString *out = g_string_new(opts & PCRE2_EXTENDED ? "(?x)" : "");
	GArray *st = g_array_new(FALSE, TRUE, sizeof(struct pf_group));
	g_array_set_size(st, 1);
	*risky = false;
	size_t i = 0;
	while (p[i]) {
		struct pf_group *top = &g_array_index(st, struct pf_group, st->len - 1);
		bool many, unbounded;
		size_t q;
		if (p[i] == '\\') {
			i += pf_escape(p, i, out);
		} else if (p[i] == '[') {
			i += pf_class(p, i, out);
		} else if (p[i] == '(' && p[i + 1] == '?' && p[i + 2] == '#') {
			size_t e = pf_skip_to(p, i + 3, ")");
			g_string_append_len(out, p + i, (gssize)(e - i));
			i = e;
		} else if (p[i] == '(') {
			g_array_set_size(st, st->len + 1);
			g_string_append_c(out, p[i++]);
		} else if (p[i] == ')') {
			*risky = pf_close(p, i, st) || *risky;
			g_string_append_c(out, p[i++]);
		} else if ((q = pf_quant(p + i, &many, &unbounded)) > 0) {
			top->rep = top->rep || many;
			pf_repeat(p + i, q, out);
			i += q;
		} else {
			if (p[i] == '|')
				top->alt = true;
			g_string_append_c(out, p[i++]);
		}
	}
	g_array_unref(st);
	return g_string_free(out, FALSE);
}

static unsigned pf_flags(uint32_t opts)
{
	unsigned f = HS_FLAG_PREFILTER | HS_FLAG_UTF8 | HS_FLAG_UCP |
		     HS_FLAG_SINGLEMATCH;
	if (opts & PCRE2_CASELESS)
		f |= HS_FLAG_CASELESS;
	if (opts & PCRE2_DOTALL)
		f |= HS_FLAG_DOTALL;
	if (opts & PCRE2_MULTILINE)
		f |= HS_FLAG_MULTILINE;
	return f;
}

static bool pf_field(enum rf_field f)
{
	return f == RF_F_SUBJECT || f == RF_F_BODY || f == RF_F_FRESH ||
	       f == RF_F_ANY;
}

static void pf_warn(struct rf_diag *d, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void pf_warn(struct rf_diag *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (d->warnings)
		g_ptr_array_add(d->warnings, g_strdup_printf(
			"prefilter off, every pattern runs PCRE2 (slower): %s", msg));
	else
		log_warn("rules: prefilter off, every pattern runs PCRE2: %s", msg);
	g_free(msg);
}

/* The patterns offered to hs_compile_multi; ids are rule indices. */
struct pf_input {
	GPtrArray *pats; /* char * */
	GArray *flags;   /* unsigned */
	GArray *ids;     /* unsigned */
};

/* pf_collect - every pattern rule vectorscan should screen, as far as
 * our own translation can tell (pf_screen asks vectorscan). */
static void pf_collect(const struct rules *r, struct pf_input *in)
{
	for (unsigned i = 0; i < r->n; i++) {
		const struct rf_rule *rule = rule_at(r, i);
		if (rule->code == NULL || rule->pattern == NULL ||
		    !pf_field(rule->field))
			continue;
		bool risky;
		char *pat = pf_pattern(rule->pattern, rule->pcre_opts, &risky);
		if (risky) {
			g_free(pat);
			continue;
		}
		unsigned fl = pf_flags(rule->pcre_opts);
		g_ptr_array_add(in->pats, pat);
		g_array_append_val(in->flags, fl);
		g_array_append_val(in->ids, i);
	}
}

/* pf_screen - what hs_expression_info refuses leaves in. */
static void pf_screen(struct pf_input *in)
{
	for (guint k = in->pats->len; k-- > 0;) {
		hs_expr_info_t *info = NULL;
		hs_compile_error_t *ce = NULL;
		if (hs_expression_info(in->pats->pdata[k], g_array_index(in->flags, unsigned, k),
				       &info, &ce) == HS_SUCCESS) {
			free(info); /* allocated by hs's misc allocator: malloc */
			continue;
		}
		hs_free_compile_error(ce);
		g_ptr_array_remove_index(in->pats, k);
		g_array_remove_index(in->flags, k);
		g_array_remove_index(in->ids, k);
	}
}

/* pf_compile - the database, leaving out patterns hs_compile_multi names
 * as refused; NULL (and a warning) if it cannot be built at all. */
static hs_database_t *pf_compile(struct pf_input *in,
				 const hs_platform_info_t *plat,
				 struct rf_diag *d)
{
	for (unsigned tries = 0; tries <= PF_MAX_RETRIES && in->pats->len; tries++) {
		hs_database_t *db = NULL;
		hs_compile_error_t *ce = NULL;
		if (hs_compile_multi((const char *const *)in->pats->pdata,
				     (const unsigned *)(void *)in->flags->data,
				     (const unsigned *)(void *)in->ids->data,
				     in->pats->len, HS_MODE_BLOCK, plat, &db,
				     &ce) == HS_SUCCESS)
			return db;
		int bad = ce ? ce->expression : -1;
		if (bad < 0 || (unsigned)bad >= in->pats->len ||
		    tries == PF_MAX_RETRIES) {
			pf_warn(d, "vectorscan: %s", ce ? ce->message : "?");
			hs_free_compile_error(ce);
			return NULL;
		}
		hs_free_compile_error(ce);
		g_ptr_array_remove_index(in->pats, (guint)bad);
		g_array_remove_index(in->flags, (guint)bad);
		g_array_remove_index(in->ids, (guint)bad);
	}
	return NULL;
}

/* pf_platform - what to compile for and which scan function to call; see
 * pf_scan_fn. False (and a warning) when no safe scanner is found. */
static bool pf_platform(hs_platform_info_t *plat, pf_scan_fn *scan,
			struct rf_diag *d)
{
	if (hs_populate_platform(plat) != HS_SUCCESS) {
		pf_warn(d, "vectorscan cannot tell this CPU's features");
		return false;
	}
	*scan = hs_scan;
	if (!(plat->cpu_features & (HS_CPU_FEATURES_AVX512 |
				    HS_CPU_FEATURES_AVX512VBMI)))
		return true;
	void *avx2 = dlsym(RTLD_DEFAULT, "avx2_hs_scan");
	if (avx2 == NULL) {
		pf_warn(d, "vectorscan %s would scan with AVX-512, which misses "
			"matches, and has no AVX2 scanner", hs_version());
		return false;
	}
	*scan = (pf_scan_fn)avx2;
	plat->cpu_features &= ~(unsigned long long)(HS_CPU_FEATURES_AVX512 |
						    HS_CPU_FEATURES_AVX512VBMI);
	return true;
}

/* pf_cached - the database of an earlier start with the same patterns
 * (pfcache.h), its screened rules into ids; NULL to compile. A damaged or
 * foreign file only costs the compile, and says so. */
static hs_database_t *pf_cached(const char *dir, const char *key, unsigned n, GArray *ids)
{
	char *why = NULL;
	GArray *got = g_array_new(FALSE, FALSE, sizeof(unsigned));
	hs_database_t *db = pfcache_load(dir, key, n, got, &why);
	if (why)
		log_warn("rules: prefilter cache not used, compiling: %s", why);
	if (db) {
		g_array_set_size(ids, 0);
		g_array_append_vals(ids, got->data, got->len);
		log_debug("rules: prefilter of %u rules from the cache %s", got->len, dir);
	}
	g_array_unref(got);
	g_free(why);
	return db;
}

/* pf_keep - the database saved for the next start; a failure only
 * costs the next start its compile. */
static void pf_keep(const char *dir, const char *key, unsigned n, const hs_database_t *db,
		    const GArray *ids)
{
	char *why = NULL;
	if (!pfcache_save(dir, key, n, db, ids, &why))
		log_warn("rules: prefilter cache not written: %s", why);
	g_free(why);
}

/* prefilter_build - the database and which rules it screens; leaves both
 * unset (the plain PCRE2 path) when off, unsupported or failing. */
static void prefilter_build(struct rules *r, struct rf_diag *d)
{
	if (r->lim.no_prefilter || r->n == 0)
		return;
	if (hs_valid_platform() != HS_SUCCESS) {
		pf_warn(d, "vectorscan does not support this CPU (needs SSSE3)");
		return;
	}
	hs_platform_info_t plat;
	if (!pf_platform(&plat, &r->pf_scan, d))
		return;
	struct pf_input in = { g_ptr_array_new_with_free_func(g_free),
			       g_array_new(FALSE, FALSE, sizeof(unsigned)),
			       g_array_new(FALSE, FALSE, sizeof(unsigned)) };
	pf_collect(r, &in);
	const char *dir = r->lim.cache_dir;
	if (dir && *dir && !pfcache_usable(dir)) {
		log_debug("rules: prefilter cache %s not used: another user's or open to others",
			  dir);
		dir = NULL;
	}
	char *key = dir && *dir && in.pats->len ? pfcache_key(&plat, r->n, in.pats, in.flags,
							       in.ids) : NULL;
	if (key)
		r->pf_db = pf_cached(dir, key, r->n, in.ids);
	r->pf_cached = r->pf_db != NULL;
	if (!r->pf_db) {
		pf_screen(&in);
		if (in.pats->len > 0)
			r->pf_db = pf_compile(&in, &plat, d);
		if (r->pf_db && key)
			pf_keep(dir, key, r->n, r->pf_db, in.ids);
	}
	if (r->pf_db) {
		r->pf_in = g_new0(guint8, r->n);
		for (unsigned k = 0; k < in.ids->len; k++)
			r->pf_in[g_array_index(in.ids, unsigned, k)] = 1;
		r->npf = in.ids->len;
		r->pool = g_new0(struct scratch_pool, 1);
		g_mutex_init(&r->pool->lock);
	}
	g_free(key);
	g_ptr_array_unref(in.pats);
	g_array_unref(in.flags);
	g_array_unref(in.ids);
}

static struct rules *load_finish(struct rules *r, struct rf_diag *d)
{
	if (d->nerrors == 0)
		link_rules(r, d);
	if (d->nerrors == 0)
		prefilter_build(r, d);
	if (d->nerrors > 0)
		rules_unref(&r);
	return r;
}

struct rules *rules_load_string(const char *name, const char *text, size_t len,
				const struct rules_limits *lim,
				GPtrArray *errors, GPtrArray *warnings)
{
	struct rf_diag d = { errors, warnings, 0 };
	struct rules *r = rules_alloc(lim);
	rulefile_parse(&r->set, name, text, len, &d);
	return load_finish(r, &d);
}

static gint cmp_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* list_rule_files - sorted *.rules names of dir; NULL (and an error) if it
 * cannot be read. */
static GPtrArray *list_rule_files(const char *dir, struct rf_diag *d)
{
	GError *err = NULL;
	GDir *dh = g_dir_open(dir, 0, &err);
	if (dh == NULL) {
		d->nerrors++;
		if (d->errors)
			g_ptr_array_add(d->errors, g_strdup_printf("%s: %s", dir,
								   err->message));
		g_error_free(err);
		return NULL;
	}
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	const char *e;
	while ((e = g_dir_read_name(dh)) != NULL)
		if (e[0] != '.' && g_str_has_suffix(e, ".rules"))
			g_ptr_array_add(names, g_strdup(e));
	g_dir_close(dh);
	g_ptr_array_sort(names, cmp_names);
	return names;
}

static void load_file(struct rules *r, const char *path, struct rf_diag *d)
{
	GError *err = NULL;
	char *text;
	gsize len;
	if (!g_file_get_contents(path, &text, &len, &err)) {
		d->nerrors++;
		if (d->errors)
			g_ptr_array_add(d->errors, g_strdup_printf("%s: %s", path,
								   err->message));
		g_error_free(err);
		return;
	}
	if (len > RULES_MAX_FILE_BYTES) {
		d->nerrors++;
		if (d->errors)
			g_ptr_array_add(d->errors, g_strdup_printf(
				"%s: file too large (at most %u bytes)", path,
				RULES_MAX_FILE_BYTES));
	} else {
		rulefile_parse(&r->set, path, text, len, d);
	}
	g_free(text);
}

struct rules *rules_load_dir(const char *dir, const struct rules_limits *lim,
			     GPtrArray *errors, GPtrArray *warnings)
{
	struct rf_diag d = { errors, warnings, 0 };
	GPtrArray *names = list_rule_files(dir, &d);
	if (names == NULL)
		return NULL;
	struct rules *r = rules_alloc(lim);
	for (unsigned i = 0; i < names->len; i++) {
		char *path = g_build_filename(dir, g_ptr_array_index(names, i), NULL);
		load_file(r, path, &d);
		g_free(path);
	}
	if (names->len == 0 && warnings)
		g_ptr_array_add(warnings, g_strdup_printf(
			"%s: no *.rules files; everything will be 'other'", dir));
	g_ptr_array_unref(names);
	return load_finish(r, &d);
}

/* ---- texts a message offers to rules ------------------------------------ */

/* The texts the prefilter scans, each at most once a classification. */
enum pf_slot { PF_SUBJECT, PF_BODY, PF_FRESH, PF_NSLOT };

struct texts {
	const struct rules *r;
	const struct message *m;
	const char *subject, *body, *fresh;
	size_t subject_len, body_len, fresh_len;
	bool fresh_done;
	GPtrArray *owned;    /* copies made valid or cut */
	bool scanned[PF_NSLOT];
	guint8 *cand;        /* PF_NSLOT rows of r->n: prefilter reported */
};

/* prepare - s cut to at most max bytes on a character boundary and made
 * valid UTF-8 (invalid bytes become U+FFFD), so that matching can use
 * PCRE2_NO_UTF_CHECK safely. Message text should be valid already; this
 * is defence in depth. */
static const char *prepare(struct texts *t, const char *s, size_t max,
			   size_t *len)
{
	size_t n = strlen(s);
	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	if (!g_utf8_validate(s, (gssize)n, NULL)) {
		char *ok = g_utf8_make_valid(s, (gssize)n);
		g_ptr_array_add(t->owned, ok);
		s = ok;
		n = strlen(ok);
	}
	*len = n;
	return s;
}

/* Tests on a line given as pointer and length (not NUL-terminated):
 * fresh_text runs them on every line of every body, without copying. */
static bool line_starts(const char *l, size_t n, const char *pre)
{
	size_t k = strlen(pre);
	return n >= k && memcmp(l, pre, k) == 0;
}

static bool line_ends(const char *l, size_t n, const char *suf)
{
	size_t k = strlen(suf);
	return n >= k && memcmp(l + n - k, suf, k) == 0;
}

static bool line_has(const char *l, size_t n, const char *needle)
{
	return memmem(l, n, needle, strlen(needle)) != NULL;
}

/* trim - *l and *n without the white space at either end. */
static void trim(const char **l, size_t *n)
{
	while (*n > 0 && g_ascii_isspace((*l)[0])) {
		(*l)++;
		(*n)--;
	}
	while (*n > 0 && g_ascii_isspace((*l)[*n - 1]))
		(*n)--;
}

static bool is_reply_separator(const char *line, size_t len)
{
	const char *l = line;
	size_t n = len;
	trim(&l, &n);
	/* cheap tests first: memmem only runs on lines that start right */
	return (line_starts(l, n, "--") && line_has(l, n, "Original Message")) ||
	       (n > 0 && (l[0] == '-' || l[0] == '=') && line_has(l, n, "原始邮件")) ||
	       (line_starts(l, n, "On ") && line_ends(l, n, "wrote:")) ||
	       line_ends(l, n, "写道:") || line_ends(l, n, "写道：") ||
	       (n == 2 && memcmp(l, "--", 2) == 0);
}

/* is_outlook_header - "From: ..." followed by "Sent:"/"Date:"/"发送时间:",
 * the block Outlook puts above the quoted mail. */
static bool is_outlook_header(const char *line, const char *next)
{
	static const char *const from[] = { "From:", "发件人:", "发件人：" };
	static const char *const then[] = { "Sent:", "Date:", "To:", "发送时间",
					    "时间:", "日期:", "收件人" };
	bool f = false, s = false;
	for (size_t i = 0; i < G_N_ELEMENTS(from); i++)
		f = f || g_str_has_prefix(line, from[i]);
	for (size_t i = 0; next && i < G_N_ELEMENTS(then); i++)
		s = s || g_str_has_prefix(next, then[i]);
	return f && s;
}

/* is_forward_separator - the line above a forwarded mail: dashes around
 * "Forwarded message" (Gmail, Thunderbird, and the text complaintd makes
 * of a mail forwarded as an attachment) or a Chinese forward phrase, or
 * Apple Mail's "Begin forwarded message:". */
static bool is_forward_separator(const char *line, size_t len)
{
	const char *l = line;
	size_t n = len;
	trim(&l, &n);
	if (line_starts(l, n, "Begin forwarded message"))
		return true;
	return line_starts(l, n, "--") &&
	       (line_has(l, n, "Forwarded message") || line_has(l, n, "Forwarded Message") ||
		line_has(l, n, "转发") || line_has(l, n, "轉寄"));
}

/* is_head_line - a line of the block a client prints above a forwarded
 * mail: "From: ...", "发件人：..." (ASCII or full-width colon). */
static bool is_head_line(const char *l, size_t n)
{
	static const char *const names[] = {
		"From", "Date", "Sent", "To", "Cc", "Subject", "Reply-To",
		"发件人", "发送时间", "时间", "日期", "收件人", "抄送", "主题",
		"寄件者", "寄件日期", "收件者", "副本", "主旨",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		size_t k = strlen(names[i]);
		if (n < k || memcmp(l, names[i], k) != 0)
			continue;
		while (k < n && (l[k] == ' ' || l[k] == '\t'))
			k++;
		if (line_starts(l + k, n - k, ":") || line_starts(l + k, n - k, "："))
			return true;
	}
	return false;
}

/* is_rule_line - OWA's line of underscores above its header block. */
static bool is_rule_line(const char *l, size_t n)
{
	size_t u = 0;
	for (size_t i = 0; i < n; i++) {
		if (l[i] == '_')
			u++;
		else if (!g_ascii_isspace(l[i]))
			return false;
	}
	return u >= 10;
}

/* forward_subject - "Fw:", "Fwd:", "转发:" and the like start the subject:
 * the mail passes another on, so the Outlook header block and the
 * "Original Message" line that a forward shares with a reply stand above
 * the complaint, not above a quoted history. */
static bool forward_subject(const char *s)
{
	static const char *const pre[] = { "fw:", "fwd:", "fw：", "fwd：", "转发:", "转发：",
					   "轉寄:", "轉寄：", "轉發:", "轉發：" };
	if (!s)
		return false;
	while (g_ascii_isspace(*s))
		s++;
	for (size_t i = 0; i < G_N_ELEMENTS(pre); i++)
		if (g_ascii_strncasecmp(s, pre[i], strlen(pre[i])) == 0)
			return true;
	return false;
}

enum fresh_state { FRESH_TEXT, FRESH_HEAD, FRESH_SIGNATURE };

/* fresh_text - the body without quoted lines ('>') and without what
 * follows a reply separator: the text the writer added now. A forwarded
 * mail is text added now too (a colleague or a shop passing a customer's
 * complaint on): its separator and header block are left out and its
 * text kept, also after the forwarder's signature. */
static char *fresh_text(const char *body, size_t len, bool forward)
{
	GString *out = g_string_sized_new(len < 4096 ? len : 4096);
	bool content = false;
	enum fresh_state st = FRESH_TEXT;
	unsigned heads = 0;  /* header lines seen since the separator */
	size_t pos = 0;
	while (pos < len) {
		const char *nl = memchr(body + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - body) : len;
		const char *line = body + pos;
		size_t ll = end - pos;
		const char *next = nl && end + 1 < len ? body + end + 1 : NULL;
		pos = nl ? end + 1 : len;
		size_t k = 0;
		while (k < ll && g_ascii_isspace(line[k]))
			k++;
		if (st == FRESH_HEAD) {
			if (k == ll) {  /* the blank line after the block ends it */
				st = heads ? FRESH_TEXT : FRESH_HEAD;
				continue;
			}
			if (is_head_line(line + k, ll - k)) {
				heads++;
				continue;
			}
			if (is_rule_line(line, ll))
				continue;
			st = FRESH_TEXT;
		}
		size_t e = ll;
		while (e > k && g_ascii_isspace(line[e - 1]))
			e--;
		bool sig = e - k == 2 && line[k] == '-' && line[k + 1] == '-';  /* "-- " */
		bool outlook = is_outlook_header(line + k, next);
		bool reply = !sig && is_reply_separator(line, ll);
		if (is_forward_separator(line, ll) ||
		    (forward && (outlook || is_rule_line(line, ll) ||
				 (reply && line_has(line, ll, "--"))))) {
			st = FRESH_HEAD;
			heads = outlook;  /* the block's From line is this one */
			continue;
		}
		if (st == FRESH_SIGNATURE)
			continue;
		if (sig) {
			st = FRESH_SIGNATURE;  /* a forwarded mail may follow */
			continue;
		}
		if (reply || outlook)
			break;
		if (k < ll && line[k] == '>')
			continue;
		g_string_append_len(out, line, (gssize)ll);
		g_string_append_c(out, '\n');
		content = content || k < ll;
	}
	if (!content) { /* all quoted: a bare forward; the quote is the text */
		g_string_free(out, TRUE);
		return NULL;
	}
	return g_string_free(out, FALSE);
}

static void texts_init(struct texts *t, const struct rules *r,
		       const struct message *m)
{
	memset(t, 0, sizeof *t);
	t->r = r;
	t->m = m;
	t->owned = g_ptr_array_new_with_free_func(g_free);
	const char *subj = msg_subject(m);
	if (subj)
		t->subject = prepare(t, subj, r->lim.max_subject_bytes,
				     &t->subject_len);
	t->body = prepare(t, msg_text(m), r->lim.max_body_bytes, &t->body_len);
}

static void texts_fresh(struct texts *t)
{
	if (t->fresh_done)
		return;
	t->fresh_done = true;
	char *f = fresh_text(t->body, t->body_len, forward_subject(msg_subject(t->m)));
	if (f == NULL) {
		t->fresh = t->body;
		t->fresh_len = t->body_len;
		return;
	}
	g_ptr_array_add(t->owned, f);
	t->fresh = f;
	t->fresh_len = strlen(f);
}

/* ---- evaluation ------------------------------------------------------- */

static void md_free(gpointer p)
{
	pcre2_match_data_free(p);
}

/* One match data per thread, reused: no allocation per rule or message
 * once warm, and no sharing of the mutable ovector between threads. */
static GPrivate md_key = G_PRIVATE_INIT(md_free);

static pcre2_match_data *thread_md(void)
{
	pcre2_match_data *md = g_private_get(&md_key);
	if (md == NULL) {
		md = pcre2_match_data_create(1, NULL);
		g_private_set(&md_key, md);
	}
	return md;
}

/* Extracts read capture groups as well: their own match data. Groups
 * beyond EXTRACT_PAIRS - 1 are never looked at. */
#define EXTRACT_PAIRS 16
static GPrivate md2_key = G_PRIVATE_INIT(md_free);

static pcre2_match_data *thread_md2(void)
{
	pcre2_match_data *md = g_private_get(&md2_key);
	if (md == NULL) {
		md = pcre2_match_data_create(EXTRACT_PAIRS, NULL);
		g_private_set(&md2_key, md);
	}
	return md;
}

/* A scan needs a vectorscan scratch of its own. One per thread, kept in
 * the thread, made every thread that ever classified hold one: any of the
 * 32 web threads may lead a batch, and with connections spread over all
 * of them the scratches took 5-6 MB of a 45 MB daemon, while the scans
 * that run at once are a few. So each rule set keeps the scratches its
 * scans gave back, and a scan takes one (or makes one when all are in
 * use): as many as ever ran at once. */
static hs_scratch_t *scratch_take(const struct rules *r)
{
	struct scratch_pool *p = r->pool;
	g_mutex_lock(&p->lock);
	hs_scratch_t *s = p->n ? p->free[--p->n] : NULL;
	g_mutex_unlock(&p->lock);
	if (!s && hs_alloc_scratch(r->pf_db, &s) != HS_SUCCESS)
		return NULL;
	return s;
}

static void scratch_give(const struct rules *r, hs_scratch_t *s)
{
	struct scratch_pool *p = r->pool;
	g_mutex_lock(&p->lock);
	if (p->n == p->size) {
		p->size = p->size ? p->size * 2 : 4;
		p->free = g_renew(hs_scratch_t *, p->free, p->size);
	}
	p->free[p->n++] = s;
	g_mutex_unlock(&p->lock);
}

static int pf_on_match(unsigned id, unsigned long long from,
		       unsigned long long to, unsigned flags, void *ctx)
{
	((guint8 *)ctx)[id] = 1;
	return 0; /* go on: every rule that may match this text */
}

/* pf_scan - marks in cand every rule the database reports for s; marks
 * all if the scan cannot run, which only costs time. */
static void pf_scan(const struct rules *r, const char *s, size_t len,
		    guint8 *cand)
{
	hs_scratch_t *sc = scratch_take(r);
	if (sc == NULL || len > UINT_MAX ||
	    r->pf_scan(r->pf_db, s, (unsigned)len, 0, sc, pf_on_match,
		       cand) != HS_SUCCESS)
		memset(cand, 1, r->n);
	if (sc)
		scratch_give(r, sc);
}

/* may_match - false when the prefilter shows rule i cannot match the text
 * of slot (so PCRE2 need not look); true when it may or is not asked. */
static bool may_match(struct texts *t, unsigned i, enum pf_slot slot)
{
	const struct rules *r = t->r;
	if (r->pf_db == NULL || !r->pf_in[i])
		return true;
	if (slot == PF_FRESH && t->fresh == t->body)
		slot = PF_BODY; /* nothing quoted: the same text */
	guint8 *cand;
	if (t->cand == NULL)
		t->cand = g_new0(guint8, (gsize)PF_NSLOT * r->n);
	cand = t->cand + (size_t)slot * r->n;
	if (!t->scanned[slot]) {
		t->scanned[slot] = true;
		if (slot == PF_SUBJECT)
			pf_scan(r, t->subject, t->subject_len, cand);
		else if (slot == PF_BODY)
			pf_scan(r, t->body, t->body_len, cand);
		else
			pf_scan(r, t->fresh, t->fresh_len, cand);
	}
	return cand[i];
}

struct verdict {
	struct rules *r;
	enum rf_cat cat;
	char severity;
	const char *route;
	double score[RF_NCAT];
	GArray *hits;       /* struct rule_hit */
	GPtrArray *tags;    /* const char *, borrowed from r */
	GPtrArray *errors;  /* char * */
	guint8 *active;     /* per rule */
	char *facts[FACT_N];          /* extracted values, cleaned */
	const char *fact_rule[FACT_N];/* the rule that extracted each */
	char **matches;     /* per rule, during evaluation */
	const char **fields;/* per rule: where it matched */
};

static bool is_limit_error(int rc)
{
	return rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
	       rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT;
}

/* cut_match - the matched text, at most RULES_MATCH_MAX bytes. */
static char *cut_match(const char *s, size_t start, size_t end)
{
	size_t n = end - start;
	if (n > RULES_MATCH_MAX) {
		n = RULES_MATCH_MAX;
		while (n > 0 && ((unsigned char)s[start + n] & 0xC0) == 0x80)
			n--;
	}
	return g_strndup(s + start, n);
}

/* match_text - 1 matched, 0 not, -1 error (reported in the verdict). */
static int match_text(struct verdict *v, unsigned i, const char *s, size_t len,
		      const char *label)
{
	const struct rf_rule *rule = rule_at(v->r, i);
	pcre2_match_data *md = thread_md();
	int rc = pcre2_match(rule->code, (PCRE2_SPTR)s, len, 0,
			     PCRE2_NO_UTF_CHECK, md, v->r->mctx);
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (rc < 0) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(rc, msg, sizeof msg);
		g_ptr_array_add(v->errors, g_strdup_printf(
			"rule %s: %s in %s; rule skipped", rule->name,
			is_limit_error(rc) ? "match limit exceeded" : (char *)msg,
			label));
		return -1;
	}
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
	size_t a = ov[0] < len ? ov[0] : len;
	size_t b = ov[1] < len ? ov[1] : len;
	v->matches[i] = cut_match(s, a, b > a ? b : a);
	v->fields[i] = label;
	return 1;
}

static bool match_header(struct verdict *v, unsigned i, struct texts *t)
{
	const struct rf_rule *rule = rule_at(v->r, i);
	unsigned n = msg_header_count(t->m);
	for (unsigned k = 0; k < n; k++) {
		const char *name, *value;
		size_t len;
		msg_header_at(t->m, k, &name, &value);
		if (g_ascii_strcasecmp(name, rule->field_arg) != 0 || value == NULL)
			continue;
		value = prepare(t, value, v->r->lim.max_body_bytes, &len);
		int rc = match_text(v, i, value, len, rule->field_label);
		if (rc != 0)
			return rc > 0;
	}
	return false;
}

/* match_rule - whether a pattern rule matches its field; absent fields
 * (no subject, no such header or form field) never match. */
static bool match_rule(struct verdict *v, unsigned i, struct texts *t)
{
	const struct rf_rule *rule = rule_at(v->r, i);
	const char *s = NULL;
	size_t len = 0;
	switch (rule->field) {
	case RF_F_SUBJECT:
		return t->subject && may_match(t, i, PF_SUBJECT) &&
		       match_text(v, i, t->subject, t->subject_len, "subject") > 0;
	case RF_F_BODY:
		return may_match(t, i, PF_BODY) &&
		       match_text(v, i, t->body, t->body_len, "body") > 0;
	case RF_F_FRESH:
		texts_fresh(t);
		return may_match(t, i, PF_FRESH) &&
		       match_text(v, i, t->fresh, t->fresh_len, "fresh") > 0;
	case RF_F_ANY: {
		int rc = t->subject && may_match(t, i, PF_SUBJECT) ?
			 match_text(v, i, t->subject, t->subject_len, "subject") : 0;
		if (rc != 0)
			return rc > 0;
		texts_fresh(t);
		return may_match(t, i, PF_FRESH) &&
		       match_text(v, i, t->fresh, t->fresh_len, "body") > 0;
	}
	case RF_F_FROM:
		s = msg_from_addr(t->m);
		break;
	case RF_F_FIELD:
		s = msg_field(t->m, rule->field_arg);
		break;
	case RF_F_HEADER:
		return match_header(v, i, t);
	case RF_F_META:
		break;
	}
	if (s == NULL)
		return false;
	s = prepare(t, s, v->r->lim.max_body_bytes, &len);
	return match_text(v, i, s, len, rule->field_label) > 0;
}

static bool eval_meta(const struct verdict *v, const struct rf_rule *rule)
{
	guint8 small[64], *st = small;
	unsigned sp = 0, n = rule->ops->len;
	if (n > G_N_ELEMENTS(small))
		st = g_new(guint8, n);
	for (unsigned k = 0; k < n; k++) {
		const struct rf_op *op = &g_array_index(rule->ops, struct rf_op, k);
		switch (op->code) {
		case RF_OP_REF:
			st[sp++] = v->active[g_array_index(rule->refs, struct rf_ref,
							   op->ref).idx];
			break;
		case RF_OP_NOT:
			st[sp - 1] = !st[sp - 1];
			break;
		case RF_OP_AND:
			sp--;
			st[sp - 1] = st[sp - 1] && st[sp];
			break;
		case RF_OP_OR:
			sp--;
			st[sp - 1] = st[sp - 1] || st[sp];
			break;
		}
	}
	bool res = sp > 0 && st[0];
	if (st != small)
		g_free(st);
	return res;
}

static bool cancelled(const struct verdict *v, const struct rf_rule *rule)
{
	for (unsigned k = 0; rule->cancelled_by && k < rule->cancelled_by->len; k++)
		if (v->active[g_array_index(rule->cancelled_by, unsigned, k)])
			return true;
	return false;
}

static void hit_clear(gpointer p)
{
	struct rule_hit *h = p;
	g_free(h->match);
}

static void add_tag(struct verdict *v, const char *tag)
{
	for (unsigned k = 0; k < v->tags->len; k++)
		if (strcmp(g_ptr_array_index(v->tags, k), tag) == 0)
			return;
	g_ptr_array_add(v->tags, (gpointer)tag);
}

/* collect - applies the effects of every active rule, in load order. */
static void collect(struct verdict *v)
{
	const struct rf_rule *router = NULL;
	for (unsigned i = 0; i < v->r->n; i++) {
		const struct rf_rule *rule = rule_at(v->r, i);
		if (!v->active[i])
			continue;
		for (int c = 0; c < RF_NCAT; c++)
			v->score[c] += rule->score[c];
		if (rule->severity && rule->severity < v->severity)
			v->severity = rule->severity;
		if (rule->route && (router == NULL ||
				    rule->route_prio > router->route_prio))
			router = rule;
		for (unsigned k = 0; k < rule->tags->len; k++)
			add_tag(v, g_ptr_array_index(rule->tags, k));
		if (g_str_has_prefix(rule->name, "__") || !classifies(rule))
			continue;
		struct rule_hit h = { rule->name,
				      v->fields[i] ? v->fields[i] : rule->field_label,
				      v->matches[i], rule->effect,
				      rule->describe ? rule->describe : "" };
		v->matches[i] = NULL; /* now owned by the hit */
		g_array_append_val(v->hits, h);
	}
	v->cat = RF_CAT_OTHER;
	double best = 0;
	for (int k = 0; k < RF_NCAT; k++) {
		enum rf_cat c = tie_order[k];
		if (v->score[c] >= v->r->set.threshold && v->score[c] > best) {
			best = v->score[c];
			v->cat = c;
		}
	}
	v->route = router ? router->route : v->r->set.default_route[v->cat];
}

/* ---- facts ------------------------------------------------------------ */

/* extract_texts - the texts an extract of rule looks at: the rule's own
 * field; for "any" the subject and the fresh text, for a meta rule the
 * subject and the whole body. Returns how many (at most 2). */
static unsigned extract_texts(struct texts *t, const struct rf_rule *rule,
			      const char *s[2], size_t len[2])
{
	const char *one = NULL;
	unsigned n = 0;
	switch (rule->field) {
	case RF_F_SUBJECT:
		one = t->subject;
		break;
	case RF_F_BODY:
		s[0] = t->body;
		len[0] = t->body_len;
		return 1;
	case RF_F_FRESH:
	case RF_F_ANY:
	case RF_F_META:
		if (rule->field != RF_F_FRESH && t->subject) {
			s[n] = t->subject;
			len[n++] = t->subject_len;
		}
		if (rule->field == RF_F_META) {
			s[n] = t->body;
			len[n++] = t->body_len;
			return n;
		}
		texts_fresh(t);
		s[n] = t->fresh;
		len[n++] = t->fresh_len;
		return n;
	case RF_F_FROM:
		one = msg_from_addr(t->m);
		break;
	case RF_F_FIELD:
		one = msg_field(t->m, rule->field_arg);
		break;
	case RF_F_HEADER:
		one = msg_header(t->m, rule->field_arg);
		break;
	}
	if (one == NULL)
		return 0;
	if (rule->field == RF_F_SUBJECT) {
		s[0] = t->subject;
		len[0] = t->subject_len;
	} else {
		s[0] = prepare(t, one, t->r->lim.max_body_bytes, &len[0]);
	}
	return 1;
}

/* extract_one - the value e finds in s: the first capture group that took
 * part in the match when the pattern has groups (so alternatives can each
 * capture their own form; none set or all empty: no value), else the whole
 * match; cleaned (facts_clean). NULL when none; a match error is named in
 * the verdict. */
static char *extract_one(struct verdict *v, const struct rf_rule *rule,
			 const struct rf_extract *e, const char *s, size_t len)
{
	pcre2_match_data *md = thread_md2();
	int rc = pcre2_match(e->code, (PCRE2_SPTR)s, len, 0, PCRE2_NO_UTF_CHECK,
			     md, v->r->mctx);
	if (rc == PCRE2_ERROR_NOMATCH)
		return NULL;
	if (rc < 0) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(rc, msg, sizeof msg);
		g_ptr_array_add(v->errors, g_strdup_printf(
			"rule %s: extract %s: %s; skipped", rule->name,
			facts_name(e->fact),
			is_limit_error(rc) ? "match limit exceeded" : (char *)msg));
		return NULL;
	}
	uint32_t groups = 0;
	pcre2_pattern_info(e->code, PCRE2_INFO_CAPTURECOUNT, &groups);
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
	unsigned set = rc == 0 ? EXTRACT_PAIRS : (unsigned)rc;
	for (unsigned g = groups > 0 ? 1 : 0; g < set; g++) {
		size_t a = ov[2 * g], b = ov[2 * g + 1];
		/* unset groups are PCRE2_UNSET; \K can put the start after the end */
		if (a == PCRE2_UNSET || a > len || b > len || b <= a)
			continue;
		char *val = facts_clean(s + a, (long)(b - a));
		if (val || groups == 0)
			return val;
	}
	return NULL;
}

/* extract_facts - the facts of the active rules, in load order: the first
 * rule that finds a value for a fact gives it. */
static void extract_facts(struct verdict *v, struct texts *t)
{
	for (unsigned i = 0; i < v->r->n; i++) {
		const struct rf_rule *rule = rule_at(v->r, i);
		if (!v->active[i] || rule->extracts->len == 0)
			continue;
		for (unsigned k = 0; k < rule->extracts->len; k++) {
			const struct rf_extract *e = g_ptr_array_index(rule->extracts, k);
			if (v->facts[e->fact])
				continue;
			const char *s[2];
			size_t len[2];
			unsigned n = extract_texts(t, rule, s, len);
			char *val = NULL;
			for (unsigned j = 0; j < n && val == NULL; j++)
				val = extract_one(v, rule, e, s[j], len[j]);
			if (val && e->value) {
				g_free(val);
				val = g_strdup(e->value);
			}
			v->facts[e->fact] = val;
			v->fact_rule[e->fact] = val ? rule->name : NULL;
		}
	}
}

struct verdict *rules_classify(const struct rules *r, const struct message *m)
{
	struct verdict *v = g_new0(struct verdict, 1);
	v->r = rules_ref((struct rules *)r);
	v->severity = 'C';
	v->hits = g_array_new(FALSE, TRUE, sizeof(struct rule_hit));
	g_array_set_clear_func(v->hits, hit_clear);
	v->tags = g_ptr_array_new();
	v->errors = g_ptr_array_new_with_free_func(g_free);
	v->active = g_new0(guint8, r->n ? r->n : 1);
	v->matches = g_new0(char *, r->n ? r->n : 1);
	v->fields = g_new0(const char *, r->n ? r->n : 1);
	struct texts t;
	texts_init(&t, r, m);
	for (unsigned k = 0; k < r->n; k++) {
		unsigned i = r->order[k];
		const struct rf_rule *rule = rule_at(r, i);
		bool fired = rule->field == RF_F_META ? eval_meta(v, rule)
						      : match_rule(v, i, &t);
		v->active[i] = fired && !cancelled(v, rule);
	}
	collect(v);
	extract_facts(v, &t);
	for (unsigned i = 0; i < r->n; i++)
		g_free(v->matches[i]);
	g_clear_pointer(&v->matches, g_free);
	g_clear_pointer(&v->fields, g_free);
	g_ptr_array_unref(t.owned);
	g_free(t.cand);
	return v;
}

/* ---- verdict accessors ------------------------------------------------- */

const char *verdict_category(const struct verdict *v)
{
	return rf_cat_name(v->cat);
}

char verdict_severity(const struct verdict *v)
{
	return v->severity;
}

const char *verdict_route(const struct verdict *v)
{
	return v->route;
}

double verdict_score(const struct verdict *v, const char *category)
{
	int c = rf_cat_parse(category, false);
	return c < 0 ? 0 : v->score[c];
}

unsigned verdict_hit_count(const struct verdict *v)
{
	return v->hits->len;
}

const struct rule_hit *verdict_hit(const struct verdict *v, unsigned i)
{
	return i < v->hits->len ? &g_array_index(v->hits, struct rule_hit, i) : NULL;
}

bool verdict_fired(const struct verdict *v, const char *rule)
{
	for (unsigned i = 0; i < v->r->n; i++)
		if (strcmp(rule_at(v->r, i)->name, rule) == 0)
			return v->active[i];
	return false;
}

const char *verdict_fact(const struct verdict *v, int fact)
{
	return (unsigned)fact < FACT_N ? v->facts[fact] : NULL;
}

const char *verdict_fact_rule(const struct verdict *v, int fact)
{
	return (unsigned)fact < FACT_N ? v->fact_rule[fact] : NULL;
}

unsigned verdict_tag_count(const struct verdict *v)
{
	return v->tags->len;
}

const char *verdict_tag(const struct verdict *v, unsigned i)
{
	return i < v->tags->len ? g_ptr_array_index(v->tags, i) : NULL;
}

unsigned verdict_error_count(const struct verdict *v)
{
	return v->errors->len;
}

const char *verdict_error(const struct verdict *v, unsigned i)
{
	return i < v->errors->len ? g_ptr_array_index(v->errors, i) : NULL;
}

char *verdict_format(const struct verdict *v)
{
	GString *s = g_string_new(NULL);
	char num[G_ASCII_DTOSTR_BUF_SIZE];
	g_string_append_printf(s, "category: %s\nseverity: %c\nroute: %s\nscores:",
			       verdict_category(v), v->severity,
			       v->route ? v->route : "(none)");
	for (int c = 0; c < RF_NCAT; c++)
		g_string_append_printf(s, " %s=%s", rf_cat_name(c),
				       g_ascii_formatd(num, sizeof num, "%g",
						       v->score[c]));
	g_string_append_printf(s, " (threshold %s)\n",
			       g_ascii_formatd(num, sizeof num, "%g",
					       v->r->set.threshold));
	for (unsigned k = 0; k < v->tags->len; k++)
		g_string_append_printf(s, "%s%s%s", k ? ", " : "tags: ",
				       (char *)g_ptr_array_index(v->tags, k),
				       k + 1 == v->tags->len ? "\n" : "");
	for (unsigned k = 0; k < v->hits->len; k++) {
		const struct rule_hit *h = verdict_hit(v, k);
		g_string_append_printf(s, "hit: %s [%s] \"%s\" %s%s%s\n", h->rule,
				       h->field, h->match ? h->match : "",
				       h->effect, h->describe[0] ? " -- " : "",
				       h->describe);
	}
	for (int f = 0; f < FACT_N; f++)
		if (v->facts[f])
			g_string_append_printf(s, "fact: %s=%s (%s)\n", facts_name(f),
					       v->facts[f], v->fact_rule[f]);
	for (unsigned k = 0; k < v->errors->len; k++)
		g_string_append_printf(s, "error: %s\n",
				       (char *)g_ptr_array_index(v->errors, k));
	return g_string_free(s, FALSE);
}

void verdict_free(struct verdict **vp)
{
	struct verdict *v = *vp;
	if (v == NULL)
		return;
	g_array_unref(v->hits);
	g_ptr_array_unref(v->tags);
	g_ptr_array_unref(v->errors);
	g_free(v->active);
	for (int f = 0; f < FACT_N; f++)
		g_free(v->facts[f]);
	rules_unref(&v->r);
	g_free(v);
	*vp = NULL;
}
