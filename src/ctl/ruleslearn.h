/* ruleslearn - `complaintctl rules learn`: propose weighted phrase rules
 * from labelled mails (X-Expected-Category, X-Expected-Severity).
 *
 * A phrase is a run of 2 to 4 Han characters or of 1 to 2 words (ASCII
 * letters and digits), as found in the subject and text of the examples (no word
 * segmenter: character n-grams carry Chinese well enough). A phrase that
 * occurs in at least min_support examples becomes a rule when the labels
 * of those examples lean clearly to one class: its score is the smoothed
 * log-odds of the class among the examples holding the phrase against the
 * class's share of all examples,
 *
 *     log((k + 1) / (n - k + 1)) - log((N_c + 1) / (N - N_c + 1))
 *
 * (k of the n examples holding it are of class c; N_c of all N are); the
 * phrase needs log-odds of at least 1. Under the cap, the labels take
 * turns, each its next best phrase by that log-odds times ln(1 + k). A phrase leaning to "other" lowers all four category scores; one whose
 * examples are nearly all A (or A or B) sets that severity floor. Rules of
 * the same class never hold each other's phrase, so that "漏水" and "漏水了"
 * do not count the same evidence twice.
 *
 * The result is a rule file in the language of complaintd-rules(5), every
 * rule with its evidence as a comment, sorted, with no time stamp: the
 * same examples give the same file. Nothing is applied: the administrator
 * reads it and copies it into the rules directory.
 *
 * Cross-validation: example i (in the order read: directories in the order
 * given, files sorted by path) is held out in fold i % k; rules learned on
 * the other folds are judged on it, added to the rules in force. */
#ifndef COMPLAINTD_RULESLEARN_H
#define COMPLAINTD_RULESLEARN_H

#include <stdbool.h>
#include <stdio.h>
#include <glib.h>

#include "ctl/ruleseval.h"
#include "mail/message.h"
#include "rules/rules.h"

#define RULESLEARN_DEFAULT_MIN_SUPPORT 3
#define RULESLEARN_DEFAULT_MAX_RULES   200
#define RULESLEARN_DEFAULT_FOLDS       5
#define RULESLEARN_DEFAULT_PREFIX      "LEARN"

struct ruleslearn_opts {
	unsigned min_support;  /* examples a phrase must occur in (>= 1) */
	unsigned max_rules;    /* at most this many rules; 0 learns nothing */
	unsigned folds;        /* cross-validation folds (>= 2) */
	const char *prefix;    /* rule names PREFIX_QUALITY_0001 ... */
};

/* ruleslearn_opts_init - the defaults above. */
void ruleslearn_opts_init(struct ruleslearn_opts *o);

/* One labelled example. Everything owned by the example. */
struct ruleslearn_example {
	char *name;            /* DIR/relative path */
	int category, severity;/* indices in ruleseval's orders */
	struct message *m;
	GPtrArray *phrases;    /* char *, distinct, sorted (strcmp) */
};
void ruleslearn_example_free(gpointer e);  /* GDestroyNotify */

/* ruleslearn_phrases - the distinct phrases of text, sorted (strcmp);
 * g_ptr_array_unref. Words are lower-cased; at most the first 64 KiB of
 * text is read. */
GPtrArray *ruleslearn_phrases(const char *text);

/* ruleslearn_pattern - the PCRE2 rule line pattern and flags matching
 * phrase: Han literally, words as (?<![a-z0-9])word\s+word(?![a-z0-9])
 * with flag i (a word ends at anything but an ASCII letter or digit, a Han
 * character too); every ASCII character but letters and digits is
 * escaped. g_free. */
char *ruleslearn_pattern(const char *phrase);

/* ruleslearn_read - every labelled *.eml below each of dirs (n of them)
 * as struct ruleslearn_example * appended to examples (create it with
 * g_ptr_array_new_with_free_func(ruleslearn_example_free)); files without
 * labels are listed in skipped (g_free'd strings). -1 + *error_r when a
 * directory cannot be read. */
int ruleslearn_read(const char *const *dirs, unsigned n, GPtrArray *examples,
		    GPtrArray *skipped, char **error_r);

/* ruleslearn_learn - the rule file learned from the examples whose index
 * has keep[i] true (keep NULL = all). *nrules (may be NULL) gets the number
 * of rules. source names the data in the header comment (may be NULL).
 * Returns a g_malloc'ed text. */
char *ruleslearn_learn(const GPtrArray *examples, const gboolean *keep,
		       const struct ruleslearn_opts *o, const char *source,
		       unsigned *nrules);

/* ruleslearn_rules_text - the *.rules files of dir (as rules_load_dir
 * reads them: names not starting with '.', strcmp order) joined into one
 * text, so that learned rules can be loaded beside them as a string.
 * NULL + *error_r. g_free. */
char *ruleslearn_rules_text(const char *dir, char **error_r);

/* Pooled figures over all held-out folds. */
struct ruleslearn_cv {
	unsigned folds;
	struct ruleseval_counts in_force;  /* the rules in force alone */
	struct ruleseval_counts learned;   /* the learned rules alone */
	struct ruleseval_counts combined;  /* rules in force + learned */
	/* in_force and combined per detected language: [0] "en", [1] "zh"
	 * (msg_lang knows no others) */
	struct ruleseval_counts lang_in_force[2], lang_combined[2];
	unsigned rules_min, rules_max;     /* learned rules per fold */
};

/* ruleslearn_cross_validate - in_force is the text of the rules in force
 * ("" for none). 0, or -1 + *error_r when a learned set does not load
 * (then it is a bug, or the prefix clashes with rules in force). */
int ruleslearn_cross_validate(const char *in_force, const GPtrArray *examples,
			      const struct ruleslearn_opts *o,
			      const struct rules_limits *lim,
			      struct ruleslearn_cv *cv, char **error_r);

/* ruleslearn_cmd - `rules learn`: check and read the rules of rules_dir,
 * read dirs, cross-validate, write the file learned from all examples to
 * out and the figures (text, or one JSON object) to report. 0 done,
 * 1 failed (said on report). */
int ruleslearn_cmd(const char *rules_dir, const struct rules_limits *lim,
		   const char *const *dirs, unsigned n,
		   const struct ruleslearn_opts *o, bool json, FILE *out,
		   FILE *report);

#endif
