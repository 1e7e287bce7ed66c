/* ruleslearn - phrase rules proposed from labelled mails (see ruleslearn.h
 * for the method). Counting is over distinct phrases per example, so one
 * long mail repeating a word counts once. */
#include "ctl/ruleslearn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"

#define TEXT_MAX (64u * 1024u)
#define MIN_LOG_ODDS 1.0    /* odds at least e times the class's share */
#define FLOOR_PRECISION 0.85 /* smoothed share of a floor's examples at or above
			     * it; a floor also needs twice the minimum support */

void ruleslearn_opts_init(struct ruleslearn_opts *o)
{
	o->min_support = RULESLEARN_DEFAULT_MIN_SUPPORT;
	o->max_rules = RULESLEARN_DEFAULT_MAX_RULES;
	o->folds = RULESLEARN_DEFAULT_FOLDS;
	o->prefix = RULESLEARN_DEFAULT_PREFIX;
}

void ruleslearn_example_free(gpointer p)
{
	struct ruleslearn_example *e = p;
	if (!e)
		return;
	g_free(e->name);
	msg_free(&e->m);
	if (e->phrases)
		g_ptr_array_unref(e->phrases);
	g_free(e);
}

/* ---- phrases ------------------------------------------------------------------ */

static bool is_han(gunichar c)
{
	return g_unichar_get_script(c) == G_UNICODE_SCRIPT_HAN && g_unichar_isalpha(c);
}

/* Words are ASCII letters and digits: the learned patterns then delimit
 * them with (?<![a-z0-9]) and (?![a-z0-9]), which, unlike \b, also hold
 * between a word and a Han character ("打了12315投诉", "买的iPhone坏了"),
 * exactly where the phrases were cut. */
static bool is_word_char(gunichar c)
{
	return c < 0x80 && g_ascii_isalnum((char)c);
}

/* han_run - the n-grams (2..4 characters) of the Han run [s, end). */
static void han_run(const char *s, const char *end, GHashTable *set)
{
	for (const char *p = s; p < end; p = g_utf8_next_char(p)) {
		const char *q = p;
		for (int n = 1; n <= 4 && q < end; n++) {
			q = g_utf8_next_char(q);
			if (n >= 2 && q <= end)
				g_hash_table_add(set, g_strndup(p, (gsize)(q - p)));
		}
	}
}

static bool all_digits(const char *w)
{
	for (; *w; w++)
		if (!g_ascii_isdigit(*w))
			return false;
	return true;
}

/* add_words - unigrams and bigrams of one run of blank-separated words.
 * Single letters and short numbers say nothing on their own; a number of
 * three digits or more may (12315, the consumer hotline). */
static void add_words(GPtrArray *words, GHashTable *set)
{
	for (guint i = 0; i < words->len; i++) {
		const char *w = g_ptr_array_index(words, i);
		bool useful = strlen(w) >= (all_digits(w) ? 3u : 2u);
		if (useful)
			g_hash_table_add(set, g_strdup(w));
		if (i + 1 < words->len) {
			const char *w2 = g_ptr_array_index(words, i + 1);
			if (!all_digits(w) || !all_digits(w2))
				g_hash_table_add(set, g_strconcat(w, " ", w2, NULL));
		}
	}
	g_ptr_array_set_size(words, 0);
}

/* word_end - the end of the word starting at p: letters and digits, and an
 * apostrophe between letters ("don't"). */
static const char *word_end(const char *p, const char *end)
{
	while (p < end) {
		gunichar c = g_utf8_get_char(p);
		const char *next = g_utf8_next_char(p);
		/* the loop only goes on after a word character, so an
		 * apostrophe here has one before it */
		if (is_word_char(c) || (c == '\'' && next < end &&
					is_word_char(g_utf8_get_char(next))))
			p = next;
		else
			break;
	}
	return p;
}

static gint cmp_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* scan - one pass: Han runs give n-grams; words joined only by blanks form
 * a run for bigrams; any other character ends both kinds of run. */
static void scan(const char *text, const char *end, GHashTable *set)
{
	GPtrArray *words = g_ptr_array_new_with_free_func(g_free);
	const char *p = text;
	while (p < end) {
		gunichar c = g_utf8_get_char(p);
		if (is_han(c)) {
			add_words(words, set);
			const char *q = p;
			while (q < end && is_han(g_utf8_get_char(q)))
				q = g_utf8_next_char(q);
			han_run(p, q, set);
			p = q;
		} else if (is_word_char(c)) {
			const char *q = word_end(p, end);
			g_ptr_array_add(words, g_ascii_strdown(p, q - p));
			p = q;
		} else {
			if (c != ' ' && c != '\t')
				add_words(words, set);
			p = g_utf8_next_char(p);
		}
	}
	add_words(words, set);
	g_ptr_array_unref(words);
}

GPtrArray *ruleslearn_phrases(const char *text)
{
	char *valid = g_utf8_make_valid(text, -1);
	size_t len = strlen(valid);
	const char *end = valid + len;
	if (len > TEXT_MAX) {
		end = valid + TEXT_MAX;
		while (end > valid && ((unsigned char)*end & 0xC0) == 0x80)
			end--;
	}
	GHashTable *set = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	scan(valid, end, set);
	GPtrArray *out = g_ptr_array_new_full(g_hash_table_size(set), g_free);
	GHashTableIter it;
	gpointer key;
	g_hash_table_iter_init(&it, set);
	while (g_hash_table_iter_next(&it, &key, NULL)) {
		g_ptr_array_add(out, key);
		g_hash_table_iter_steal(&it);
	}
	g_hash_table_unref(set);
	g_free(valid);
	g_ptr_array_sort(out, cmp_str);
	return out;
}

/* escape_into - s with every ASCII character other than letters and
 * digits escaped: "\." is always a literal in PCRE2, and no escape can
 * then end the pattern early or start a comment. */
static void escape_into(GString *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x80 && !g_ascii_isalnum(c))
			g_string_append_c(out, '\\');
		g_string_append_c(out, (char)c);
	}
}

char *ruleslearn_pattern(const char *phrase)
{
	gunichar first = g_utf8_get_char(phrase);
	GString *p = g_string_new("/");
	if (is_han(first)) {
		escape_into(p, phrase, strlen(phrase));
		g_string_append_c(p, '/');
		return g_string_free(p, FALSE);
	}
	g_string_append(p, "(?<![a-z0-9])");
	const char *blank = strchr(phrase, ' ');
	if (blank) {
		escape_into(p, phrase, (size_t)(blank - phrase));
		g_string_append(p, "\\s+");
		escape_into(p, blank + 1, strlen(blank + 1));
	} else {
		escape_into(p, phrase, strlen(phrase));
	}
	g_string_append(p, "(?![a-z0-9])/i");
	return g_string_free(p, FALSE);
}

/* ---- reading ------------------------------------------------------------------- */

static struct ruleslearn_example *example_new(char *name, struct message *m,
					      int cat, int sev)
{
	struct ruleslearn_example *e = g_new0(struct ruleslearn_example, 1);
	e->name = name;
	e->m = m;
	e->category = cat;
	e->severity = sev;
	char *text = g_strconcat(msg_subject(m) ? msg_subject(m) : "", "\n",
				 msg_text(m), NULL);
	e->phrases = ruleslearn_phrases(text);
	g_free(text);
	return e;
}

int ruleslearn_read(const char *const *dirs, unsigned n, GPtrArray *examples,
		    GPtrArray *skipped, char **error_r)
{
	for (unsigned d = 0; d < n; d++) {
		GPtrArray *names = ruleseval_find_emls(dirs[d], error_r);
		if (!names)
			return -1;
		for (guint i = 0; i < names->len; i++) {
			char *path = g_build_filename(dirs[d], g_ptr_array_index(names, i), NULL);
			char *error = NULL;
			int cat, sev;
			struct message *m = ruleseval_read_labelled(path, &cat, &sev, &error);
			if (m) {
				g_ptr_array_add(examples, example_new(path, m, cat, sev));
				continue;
			}
			g_ptr_array_add(skipped, g_strdup_printf("%s: %s", path, error));
			g_free(error);
			g_free(path);
		}
		g_ptr_array_unref(names);
	}
	return 0;
}

/* ---- counting and choosing -------------------------------------------------------- */

/* Classes a rule can be for: the five categories, then the floors A, B. */
enum { CLASS_OTHER = 4, CLASS_SEV_A = 5, CLASS_SEV_B = 6, NCLASS = 7 };

struct phrase_stat {
	unsigned n;                   /* examples holding the phrase */
	unsigned cat[RULESEVAL_NCAT];
	unsigned sev[RULESEVAL_NSEV];
};

static unsigned class_count(const struct phrase_stat *s, unsigned k)
{
	if (k < RULESEVAL_NCAT)
		return s->cat[k];
	return k == CLASS_SEV_A ? s->sev[0] : s->sev[0] + s->sev[1];
}

/* count - phrase -> struct phrase_stat over the kept examples; totals get
 * the same figures for all of them. */
static GHashTable *count(const GPtrArray *examples, const gboolean *keep,
			 struct phrase_stat *totals)
{
	GHashTable *stats = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
	memset(totals, 0, sizeof *totals);
	for (guint i = 0; i < examples->len; i++) {
		const struct ruleslearn_example *e = g_ptr_array_index(examples, i);
		if (keep && !keep[i])
			continue;
		totals->n++;
		totals->cat[e->category]++;
		totals->sev[e->severity]++;
		for (guint j = 0; j < e->phrases->len; j++) {
			char *ph = g_ptr_array_index(e->phrases, j);
			struct phrase_stat *s = g_hash_table_lookup(stats, ph);
			if (!s)
				g_hash_table_insert(stats, ph, s = g_new0(struct phrase_stat, 1));
			s->n++;
			s->cat[e->category]++;
			s->sev[e->severity]++;
		}
	}
	return stats;
}

struct candidate {
	const char *phrase;           /* borrowed from an example */
	unsigned klass;
	double log_odds;
	struct phrase_stat stat;
};

static double log_odds(unsigned k, unsigned n, unsigned kc, unsigned total)
{
	return log((k + 1.0) / (n - k + 1.0)) - log((kc + 1.0) / (total - kc + 1.0));
}

/* best_for - the phrase's candidate among classes [from, to), if any. */
static bool best_for(const char *ph, const struct phrase_stat *s,
		     const struct phrase_stat *t, unsigned from, unsigned to,
		     unsigned min_support, struct candidate *out)
{
	bool found = false;
	for (unsigned k = from; k < to; k++) {
		unsigned hits = class_count(s, k);
		double lo = log_odds(hits, s->n, class_count(t, k), t->n);
		if (lo < MIN_LOG_ODDS || hits == 0)
			continue;
		/* a floor cannot be undone by other rules: most examples must agree */
		if (k >= CLASS_SEV_A && ((hits + 1.0) / (s->n + 2.0) < FLOOR_PRECISION ||
					 s->n < 2 * min_support))
			continue;
		if (!found || lo > out->log_odds) {
			*out = (struct candidate){ ph, k, lo, *s };
			found = true;
		}
	}
	return found;
}

/* rank_of - which rules of a label come first when the cap bites: the
 * log-odds times the log of the examples that show the label. Log-odds
 * alone favour phrases seen three times and never against the label,
 * which on held-out examples fire too seldom to matter (5-fold on
 * ../shared/corpus: category 0.53 ranked by log-odds, 0.59 ranked so). */
static double rank_of(const struct candidate *c)
{
	return c->log_odds * log(1.0 + class_count(&c->stat, c->klass));
}

static int cmp_candidates(const void *a, const void *b)
{
	const struct candidate *x = a, *y = b;
	double rx = rank_of(x), ry = rank_of(y);
	if (rx != ry)
		return rx > ry ? -1 : 1;
	if (x->log_odds != y->log_odds)
		return x->log_odds > y->log_odds ? -1 : 1;
	if (x->stat.n != y->stat.n)
		return x->stat.n > y->stat.n ? -1 : 1;
	size_t lx = strlen(x->phrase), ly = strlen(y->phrase);
	if (lx != ly)
		return lx < ly ? -1 : 1;
	int c = strcmp(x->phrase, y->phrase);
	return c ? c : (int)x->klass - (int)y->klass;
}

/* candidates - every phrase of enough support that leans to a category
 * (or other) and, separately, to a severity floor; sorted best first. */
static GArray *candidates(GHashTable *stats, const struct phrase_stat *t,
			  unsigned min_support)
{
	GArray *c = g_array_new(FALSE, FALSE, sizeof(struct candidate));
	GHashTableIter it;
	gpointer key, val;
	g_hash_table_iter_init(&it, stats);
	while (g_hash_table_iter_next(&it, &key, &val)) {
		const struct phrase_stat *s = val;
		struct candidate cand;
		if (s->n < min_support)
			continue;
		if (best_for(key, s, t, 0, RULESEVAL_NCAT, min_support, &cand))
			g_array_append_val(c, cand);
		if (best_for(key, s, t, CLASS_SEV_A, NCLASS, min_support, &cand))
			g_array_append_val(c, cand);
	}
	g_array_sort(c, cmp_candidates);
	return c;
}

/* overlaps - a chosen phrase of the same class inside ph or ph inside it:
 * the two would count the same examples twice. */
static bool overlaps(const GArray *chosen, const struct candidate *c)
{
	for (guint i = 0; i < chosen->len; i++) {
		const struct candidate *o = &g_array_index(chosen, struct candidate, i);
		if (o->klass == c->klass &&
		    (strstr(o->phrase, c->phrase) || strstr(c->phrase, o->phrase)))
			return true;
	}
	return false;
}

/* choose - the best candidates that do not overlap, taken in turns from
 * each label (the best remaining of quality, then of service, ...), so
 * that a label with many examples cannot crowd out one with few. Severity
 * floors get at most a quarter of the rules: one wrong floor costs more
 * than one wrong score. */
static GArray *choose(const GArray *cands, unsigned max_rules)
{
	GArray *chosen = g_array_new(FALSE, FALSE, sizeof(struct candidate));
	guint next[NCLASS] = { 0 };
	unsigned floors = 0, max_floors = max_rules / 4;
	bool progress = true;
	while (progress && chosen->len < max_rules) {
		progress = false;
		for (unsigned k = 0; k < NCLASS && chosen->len < max_rules; k++) {
			bool floor = k >= CLASS_SEV_A;
			if (floor && floors >= max_floors)
				continue;
			for (; next[k] < cands->len; next[k]++) {
				const struct candidate *c = &g_array_index(cands, struct candidate, next[k]);
				if (c->klass != k || overlaps(chosen, c))
					continue;
				g_array_append_val(chosen, *c);
				floors += floor;
				progress = true;
				next[k]++;
				break;
			}
		}
	}
	return chosen;
}

/* ---- writing ---------------------------------------------------------------------- */

static const char *const class_names[NCLASS] = {
	"quality", "service", "price", "infringement", "other", "A", "B",
};
static const char *const class_tags[NCLASS] = {
	"QUALITY", "SERVICE", "PRICE", "INFRINGEMENT", "OTHER", "SEVERITY_A", "SEVERITY_B",
};

/* by_class_then_rank - the file groups rules by class, strongest first. */
static int cmp_output(const void *a, const void *b)
{
	const struct candidate *x = a, *y = b;
	if (x->klass != y->klass)
		return (int)x->klass - (int)y->klass;
	return cmp_candidates(a, b);
}

static void put_score(GString *out, const char *cat, double w)
{
	char num[G_ASCII_DTOSTR_BUF_SIZE];
	g_string_append_printf(out, "    score %s %s\n", cat,
			       g_ascii_formatd(num, sizeof num, "%.1f", w));
}

static void write_evidence(GString *out, const struct candidate *c)
{
	const struct phrase_stat *s = &c->stat;
	g_string_append(out, "# evidence:");
	for (unsigned k = 0; k < RULESEVAL_NCAT; k++)
		g_string_append_printf(out, " %s %u%s", class_names[k], s->cat[k],
				       k + 1 < RULESEVAL_NCAT ? "," : ";");
	g_string_append_printf(out, " severity A %u, B %u, C %u; of %u examples; log-odds ",
			       s->sev[0], s->sev[1], s->sev[2], s->n);
	char num[G_ASCII_DTOSTR_BUF_SIZE];
	g_string_append_printf(out, "%s\n", g_ascii_formatd(num, sizeof num, "%.2f",
							     c->log_odds));
}

/* Scores are the log-odds to one decimal, at most 9.9: comparable with
 * hand-written rules, which give 1 to 5. */
static void write_rule(GString *out, const char *prefix, unsigned no,
		       const struct candidate *c)
{
	char *pattern = ruleslearn_pattern(c->phrase);
	double w = MIN(c->log_odds, 9.9);
	write_evidence(out, c);
	g_string_append_printf(out, "rule %s_%s_%04u any %s\n", prefix, class_tags[c->klass],
			       no, pattern);
	if (c->klass < CLASS_OTHER)
		put_score(out, class_names[c->klass], w);
	else if (c->klass == CLASS_OTHER)
		for (unsigned k = 0; k < CLASS_OTHER; k++)
			put_score(out, class_names[k], -w);
	else
		g_string_append_printf(out, "    severity %s\n", class_names[c->klass]);
	unsigned hits = class_count(&c->stat, c->klass);
	g_string_append_printf(out, "    describe learned: \"%s\" (%u of %u examples %s%s)\n\n",
			       c->phrase, hits, c->stat.n,
			       c->klass >= CLASS_SEV_A ? "severity " : "", class_names[c->klass]);
	g_free(pattern);
}

static void write_header(GString *out, const struct phrase_stat *t,
			 const struct ruleslearn_opts *o, const char *source,
			 unsigned nrules)
{
	g_string_append_printf(out,
		"# Rules proposed by complaintctl rules learn from %u labelled examples%s%s.\n"
		"# Nothing here is in force: review every rule, delete what is wrong, then\n"
		"# copy the file into the rules directory (complaintctl rules check first).\n"
		"# Each rule is a phrase found in the examples; its evidence line counts the\n"
		"# examples holding the phrase per label, and its score is the smoothed\n"
		"# log-odds of the label given the phrase against the label's share of all\n"
		"# examples. OTHER rules lower every category; SEVERITY rules set a floor.\n"
		"# When more phrases qualify than the cap allows, each label in turn gets\n"
		"# its next best by log-odds times ln(1 + examples of the label).\n"
		"# %u rules; --min-support %u --max-rules %u\n\n",
		t->n, source ? " in " : "", source ? source : "", nrules,
		o->min_support, o->max_rules);
}

char *ruleslearn_learn(const GPtrArray *examples, const gboolean *keep,
		       const struct ruleslearn_opts *o, const char *source,
		       unsigned *nrules)
{
	struct phrase_stat totals;
	GHashTable *stats = count(examples, keep, &totals);
	GArray *cands = candidates(stats, &totals, MAX(o->min_support, 1u));
	GArray *chosen = choose(cands, o->max_rules);
	g_array_sort(chosen, cmp_output);
	GString *out = g_string_new(NULL);
	write_header(out, &totals, o, source, chosen->len);
	unsigned no[NCLASS] = { 0 };
	for (guint i = 0; i < chosen->len; i++) {
		const struct candidate *c = &g_array_index(chosen, struct candidate, i);
		write_rule(out, o->prefix, ++no[c->klass], c);
	}
	if (nrules)
		*nrules = chosen->len;
	g_array_unref(chosen);
	g_array_unref(cands);
	g_hash_table_unref(stats);
	return g_string_free(out, FALSE);
}

/* ---- the rules in force as text ------------------------------------------------------ */

char *ruleslearn_rules_text(const char *dir, char **error_r)
{
	GError *e = NULL;
	GDir *d = g_dir_open(dir, 0, &e);
	if (!d) {
		*error_r = g_strdup(e->message);
		g_error_free(e);
		return NULL;
	}
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	const char *name;
	while ((name = g_dir_read_name(d)) != NULL)
		if (name[0] != '.' && g_str_has_suffix(name, ".rules"))
			g_ptr_array_add(names, g_strdup(name));
	g_dir_close(d);
	g_ptr_array_sort(names, cmp_str);
	GString *all = g_string_new(NULL);
	for (guint i = 0; i < names->len && all; i++) {
		char *path = g_build_filename(dir, g_ptr_array_index(names, i), NULL), *text;
		if (g_file_get_contents(path, &text, NULL, &e)) {
			/* a byte order mark is allowed only at the start of a file */
			g_string_append(all, g_str_has_prefix(text, "\xEF\xBB\xBF") ? text + 3 : text);
			g_string_append_c(all, '\n');
			g_free(text);
		} else {
			*error_r = g_strdup(e->message);
			g_clear_error(&e);
			g_string_free(all, TRUE);
			all = NULL;
		}
		g_free(path);
	}
	g_ptr_array_unref(names);
	return all ? g_string_free(all, FALSE) : NULL;
}

/* ---- cross-validation -------------------------------------------------------------- */

static struct rules *load_text(const char *name, const char *text,
			       const struct rules_limits *lim, char **error_r)
{
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	struct rules *r = rules_load_string(name, text, strlen(text), lim, errors, NULL);
	if (!r)
		*error_r = g_strdup_printf("%s", errors->len ? (char *)g_ptr_array_index(errors, 0)
					   : "the rules do not load");
	g_ptr_array_unref(errors);
	return r;
}

static void judge(const struct rules *r, const struct ruleslearn_example *e,
		  struct ruleseval_counts *c)
{
	struct verdict *v = rules_classify(r, e->m);
	char sev[2] = { verdict_severity(v), 0 };
	ruleseval_counts_add(c, e->category, ruleseval_category_index(verdict_category(v)),
			     e->severity, ruleseval_severity_index(sev));
	verdict_free(&v);
}

/* one_fold - learn without fold f, judge fold f three ways. */
static int one_fold(const char *in_force, const struct rules *base,
		    const GPtrArray *examples, unsigned f,
		    const struct ruleslearn_opts *o, const struct rules_limits *lim,
		    struct ruleslearn_cv *cv, char **error_r)
{
	gboolean *keep = g_new(gboolean, examples->len);
	for (guint i = 0; i < examples->len; i++)
		keep[i] = i % o->folds != f;
	unsigned n;
	char *learned = ruleslearn_learn(examples, keep, o, NULL, &n);
	char *both = g_strconcat(in_force, "\n", learned, NULL);
	struct rules *alone = load_text("learned", learned, lim, error_r);
	struct rules *comb = alone ? load_text("in-force+learned", both, lim, error_r) : NULL;
	for (guint i = 0; comb && i < examples->len; i++) {
		if (keep[i])
			continue;
		const struct ruleslearn_example *e = g_ptr_array_index(examples, i);
		int lang = strcmp(msg_lang(e->m), "zh") == 0;
		judge(base, e, &cv->in_force);
		judge(base, e, &cv->lang_in_force[lang]);
		judge(alone, e, &cv->learned);
		judge(comb, e, &cv->combined);
		judge(comb, e, &cv->lang_combined[lang]);
	}
	cv->rules_min = f == 0 ? n : MIN(cv->rules_min, n);
	cv->rules_max = MAX(cv->rules_max, n);
	int rc = comb ? 0 : -1;
	rules_unref(&alone);
	rules_unref(&comb);
	g_free(both);
	g_free(learned);
	g_free(keep);
	return rc;
}

int ruleslearn_cross_validate(const char *in_force, const GPtrArray *examples,
			      const struct ruleslearn_opts *o,
			      const struct rules_limits *lim,
			      struct ruleslearn_cv *cv, char **error_r)
{
	memset(cv, 0, sizeof *cv);
	cv->folds = o->folds;
	if (o->folds < 2 || examples->len < o->folds) {
		*error_r = g_strdup_printf("%u labelled examples cannot make %u folds",
					   examples->len, o->folds);
		return -1;
	}
	struct rules *base = load_text("in-force", in_force, lim, error_r);
	int rc = base ? 0 : -1;
	for (unsigned f = 0; rc == 0 && f < o->folds; f++)
		rc = one_fold(in_force, base, examples, f, o, lim, cv, error_r);
	rules_unref(&base);
	return rc;
}

/* ---- the command ---------------------------------------------------------------------- */

static const char *const lang_names[2] = { "en", "zh" };

static void report_line(FILE *f, const char *what, const struct ruleseval_counts *c)
{
	fprintf(f, "  %-26s category %.3f  severity %.3f  severity macro-recall %.3f\n", what,
		ruleseval_counts_category_accuracy(c), ruleseval_counts_severity_accuracy(c),
		ruleseval_counts_severity_macro_recall(c));
}

static void report_text(FILE *f, const struct ruleslearn_cv *cv, unsigned examples,
			unsigned skipped, unsigned nrules)
{
	fprintf(f, "%u labelled examples (%u skipped); %u-fold cross-validation, "
		"%u to %u rules learned per fold:\n", examples, skipped, cv->folds,
		cv->rules_min, cv->rules_max);
	report_line(f, "rules in force", &cv->in_force);
	report_line(f, "learned rules alone", &cv->learned);
	report_line(f, "rules in force + learned", &cv->combined);
	for (unsigned l = 0; l < 2; l++) {
		if (!cv->lang_in_force[l].messages)
			continue;
		fprintf(f, "  %s (%u): in force / + learned:   category %.3f / %.3f  "
			"severity macro-recall %.3f / %.3f\n", lang_names[l],
			cv->lang_in_force[l].messages,
			ruleseval_counts_category_accuracy(&cv->lang_in_force[l]),
			ruleseval_counts_category_accuracy(&cv->lang_combined[l]),
			ruleseval_counts_severity_macro_recall(&cv->lang_in_force[l]),
			ruleseval_counts_severity_macro_recall(&cv->lang_combined[l]));
	}
	fprintf(f, "learned from all examples: %u rules (not applied: review them, then "
		"copy the file into the rules directory)\n", nrules);
}

static void json_fig(struct json *j, const char *key, const struct ruleseval_counts *c)
{
	json_key(j, key);
	json_object_begin(j);
	json_kv_int(j, "messages", c->messages);
	json_key(j, "category_accuracy");
	json_double(j, ruleseval_counts_category_accuracy(c));
	json_key(j, "severity_accuracy");
	json_double(j, ruleseval_counts_severity_accuracy(c));
	json_key(j, "severity_macro_recall");
	json_double(j, ruleseval_counts_severity_macro_recall(c));
	json_object_end(j);
}

static void report_json(FILE *f, const struct ruleslearn_cv *cv, unsigned examples,
			unsigned skipped, unsigned nrules)
{
	GString *doc = g_string_new(NULL);
	struct json *j = json_new(doc);
	json_object_begin(j);
	json_kv_int(j, "examples", examples);
	json_kv_int(j, "skipped", skipped);
	json_kv_int(j, "folds", cv->folds);
	json_kv_int(j, "rules", nrules);
	json_fig(j, "in_force", &cv->in_force);
	json_fig(j, "learned", &cv->learned);
	json_fig(j, "combined", &cv->combined);
	json_key(j, "by_language");
	json_object_begin(j);
	for (unsigned l = 0; l < 2; l++) {
		if (!cv->lang_in_force[l].messages)
			continue;
		json_key(j, lang_names[l]);
		json_object_begin(j);
		json_fig(j, "in_force", &cv->lang_in_force[l]);
		json_fig(j, "combined", &cv->lang_combined[l]);
		json_object_end(j);
	}
	json_object_end(j);
	json_object_end(j);
	json_free(&j);
	fprintf(f, "%s\n", doc->str);
	g_string_free(doc, TRUE);
}

/* source_name - the directories, for the header comment. */
static char *source_name(const char *const *dirs, unsigned n)
{
	GString *s = g_string_new(NULL);
	for (unsigned i = 0; i < n; i++)
		g_string_append_printf(s, "%s%s", i ? ", " : "", dirs[i]);
	return g_string_free(s, FALSE);
}

/* learn_and_report - cross-validate, then learn from everything. */
static int learn_and_report(const char *in_force, const GPtrArray *ex, unsigned skipped,
			    const char *source, const struct ruleslearn_opts *o,
			    const struct rules_limits *lim, bool json, FILE *out, FILE *report)
{
	struct ruleslearn_cv cv;
	char *error = NULL;
	if (ruleslearn_cross_validate(in_force, ex, o, lim, &cv, &error) < 0) {
		fprintf(report, "complaintctl: rules learn: %s%s\n", error,
			strstr(error, "duplicate") ? " (learned before? use --prefix)" : "");
		g_free(error);
		return 1;
	}
	unsigned nrules;
	char *learned = ruleslearn_learn(ex, NULL, o, source, &nrules);
	fputs(learned, out);
	g_free(learned);
	if (json)
		report_json(report, &cv, ex->len, skipped, nrules);
	else
		report_text(report, &cv, ex->len, skipped, nrules);
	return 0;
}

int ruleslearn_cmd(const char *rules_dir, const struct rules_limits *lim,
		   const char *const *dirs, unsigned n,
		   const struct ruleslearn_opts *o, bool json, FILE *out,
		   FILE *report)
{
	struct rules *check = ruleseval_load(rules_dir, lim, report);
	if (!check)
		return 1;
	rules_unref(&check);
	char *error = NULL, *in_force = ruleslearn_rules_text(rules_dir, &error);
	GPtrArray *ex = g_ptr_array_new_with_free_func(ruleslearn_example_free);
	GPtrArray *skipped = g_ptr_array_new_with_free_func(g_free);
	int rc = 1;
	if (in_force && ruleslearn_read(dirs, n, ex, skipped, &error) == 0) {
		char *source = source_name(dirs, n);
		rc = learn_and_report(in_force, ex, skipped->len, source, o, lim, json, out,
				      report);
		g_free(source);
	} else {
		fprintf(report, "complaintctl: %s\n", error);
		g_free(error);
	}
	g_free(in_force);
	g_ptr_array_unref(ex);
	g_ptr_array_unref(skipped);
	return rc;
}
