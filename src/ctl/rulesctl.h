/* rulesctl - `complaintctl rules ...`: the administrator's rule tools.
 *
 *   rules check [DIR]                      load every file, list errors and warnings
 *   rules test FILE.eml|FILE.json|-        classify one message and explain why
 *   rules eval [--fail-under C,S] DIR      accuracy, precision and recall,
 *                                          confusion matrices, per language and
 *                                          per sub-directory, over labelled mails
 *                                          (X-Expected-Category,
 *                                          X-Expected-Severity)
 *   rules learn [--min-support N] [--max-rules N] DIR...
 *                                          propose phrase rules from labelled
 *                                          mails (ruleslearn.h)
 *   rules corrections --export DIR         staff corrections as labelled mails
 *                                          (rulescorr.h)
 *   rules reclassify [--since DATE] [--dry-run]
 *                                          apply the rules in force to open complaints
 *
 * Each subcommand is also a function writing to a FILE *, so tests can run
 * it without a process. Exit statuses: 0 done, 1 failed (errors in rules,
 * unreadable input, database error), 2 usage. */
#ifndef COMPLAINTD_RULESCTL_H
#define COMPLAINTD_RULESCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <glib.h>

#include "ctl/ruleseval.h"
#include "mail/message.h"
#include "rules/rules.h"
#include "store/store.h"

/* rulesctl_main - argv[0] is the subcommand. config_file may be NULL or
 * missing: check/test/eval then use ./rules; reclassify needs it (database).
 * The rules directory is the config's rules_dir unless --rules DIR is
 * given. Output goes to stdout, errors and progress to stderr. */
int rulesctl_main(const char *config_file, bool json, int argc, char **argv);
/* rulesctl_usage - every form of `complaintctl rules`, with its options. */
void rulesctl_usage(FILE *f);

/* rulesctl_check - load dir, print every error and warning and a summary
 * line (or one JSON object) to out; 0 when the set loads, else 1. */
int rulesctl_check(const char *dir, bool json, FILE *out);

/* rulesctl_explain - the verdict for m, explained, to out. */
void rulesctl_explain(const struct rules *r, const struct verdict *v,
		      const struct message *m, const char *input, bool json,
		      FILE *out);

/* rulesctl_test - classify input with the rules of dir and explain. */
int rulesctl_test(const char *dir, const struct rules_limits *lim,
		  const char *input, bool json, FILE *out, FILE *err);

/* ---- eval ------------------------------------------------------------------ */

/* One language ("zh", "en": what the MIME layer detected) or one immediate
 * sub-directory of the evaluated directory ("." for its own files). */
struct rulesctl_eval_group {
	char *name;
	struct ruleseval_counts c;
};

struct rulesctl_eval {
	/* the totals; the same figures as total, kept as plain members for
	 * the callers written before the groups existed */
	unsigned messages;          /* labelled messages classified */
	unsigned category_correct;
	unsigned severity_correct;
	/* [expected][classified], in the orders of ruleseval.h */
	unsigned category_matrix[RULESEVAL_NCAT][RULESEVAL_NCAT];
	unsigned severity_matrix[RULESEVAL_NSEV][RULESEVAL_NSEV];
	struct ruleseval_counts total;
	GPtrArray *by_lang;         /* struct rulesctl_eval_group *, by name */
	GPtrArray *by_dir;          /* the same per immediate sub-directory */
	GPtrArray *misclassified;   /* "file: category quality -> price, severity C" */
	GPtrArray *skipped;         /* "file: no X-Expected-Category" */
};

/* rulesctl_eval_dir - classify every *.eml below dir (sorted by relative
 * path) with r. ev is filled (call rulesctl_eval_clear afterwards, also on
 * failure). -1 + *error_r when dir cannot be read. */
int rulesctl_eval_dir(const struct rules *r, const char *dir,
		      struct rulesctl_eval *ev, char **error_r);
double rulesctl_eval_category_accuracy(const struct rulesctl_eval *ev);
double rulesctl_eval_severity_accuracy(const struct rulesctl_eval *ev);
double rulesctl_eval_severity_macro_recall(const struct rulesctl_eval *ev);
void rulesctl_eval_print(const struct rulesctl_eval *ev, bool json, FILE *out);
void rulesctl_eval_clear(struct rulesctl_eval *ev);

/* --fail-under CATEGORY_ACC,SEVERITY_MACRO_RECALL */
struct rulesctl_fail_under {
	bool set;
	double category_accuracy;
	double severity_macro_recall;
};
/* rulesctl_parse_fail_under - "0.85,0.80" (each 0..1); false if not so. */
bool rulesctl_parse_fail_under(const char *s, struct rulesctl_fail_under *fu);
/* rulesctl_eval_gate - 0 when ev reaches both figures of fu (or fu is not
 * set), else 1 with one line per figure under its minimum to err. */
int rulesctl_eval_gate(const struct rulesctl_eval *ev,
		       const struct rulesctl_fail_under *fu, FILE *err);

/* rulesctl_eval_cmd - `rules eval`: load rules_dir, evaluate dir, print,
 * apply the gate. 0 ok, 1 error or under the gate. */
int rulesctl_eval_cmd(const char *rules_dir, const struct rules_limits *lim,
		      const char *dir, bool json,
		      const struct rulesctl_fail_under *fu, FILE *out, FILE *err);

/* ---- reclassify ------------------------------------------------------------ */

/* rulesctl_parse_date - "YYYY-MM-DD" (local midnight) or an ISO 8601 date
 * and time ("2025-03-01T08:00:00+08:00"; no zone = local) to unix time. */
bool rulesctl_parse_date(const char *s, int64_t *out);

struct rulesctl_reclassify_opts {
	int64_t since;      /* complaints created at or after; 0 = all */
	bool dry_run;
	bool json;
	int64_t now;        /* time of the change; 0 = the clock */
	const char *actor;  /* events' actor; NULL = "complaintctl" */
	FILE *progress;     /* "\rN/M" as it goes; NULL = none */
};

/* rulesctl_reclassify - classify the first inbound message of every open
 * complaint again; list (to out) each whose category, severity or route
 * would change; unless dry_run, update each in its own transaction with an
 * event "reclassified". 0 done, 1 on a database error (changes committed
 * before it stay). */
int rulesctl_reclassify(struct store *s, const struct rules *r,
			const struct rulesctl_reclassify_opts *o, FILE *out,
			FILE *err);

#endif
