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

#include "mail/message.h"
#include "rules/rules.h"
#include "store/store.h"

/* rulesctl_main - argv[0] is the subcommand. config_file may be NULL or
 * missing: check/test/eval then use ./rules; reclassify needs it (database).
 * The rules directory is the config's rules_dir unless --rules DIR is
 * given. Output goes to stdout, errors and progress to stderr. */
int rulesctl_main(const char *config_file, bool json, int argc, char **argv);

/* rulesctl_check - load dir, print every error and warning and a summary
 * line (or one JSON object) to out; 0 when the set loads, else 1. */
int rulesctl_check(const char *dir, bool json, FILE *out);

/* rulesctl_load - the rule set of dir, errors printed to err; NULL if it
 * has errors. lim may be NULL (defaults). */
struct rules *rulesctl_load(const char *dir, const struct rules_limits *lim,
			    FILE *err);

/* rulesctl_message_from_json - a web-form post given as a JSON object of
 * field name -> string. Every field is set with msg_set_field; subject,
 * body and sender come from the first present of: subject/title/主题/标题;
 * body/message/text/content/description/details/complaint/内容;
 * email/from/mail/邮箱 and name/姓名. NULL + *error_r when not such an
 * object. */
struct message *rulesctl_message_from_json(const char *data, size_t len,
					   char **error_r);

/* rulesctl_read_message - path ("-" = stdin) as a mail, or as a JSON form
 * post when it ends in .json or starts with '{'. NULL + *error_r. */
struct message *rulesctl_read_message(const char *path, char **error_r);

/* rulesctl_explain - the verdict for m, explained, to out. */
void rulesctl_explain(const struct rules *r, const struct verdict *v,
		      const struct message *m, const char *input, bool json,
		      FILE *out);

/* rulesctl_test - classify input with the rules of dir and explain. */
int rulesctl_test(const char *dir, const struct rules_limits *lim,
		  const char *input, bool json, FILE *out, FILE *err);

/* ---- eval ------------------------------------------------------------------ */

#define RULESCTL_NCAT 5  /* quality service price infringement other */
#define RULESCTL_NSEV 3  /* A B C */

/* The figures of one set of messages: everything, one language or one
 * sub-directory. Matrices are [expected][classified]. */
struct rulesctl_counts {
	unsigned messages;
	unsigned category_correct;
	unsigned severity_correct;
	unsigned category_matrix[RULESCTL_NCAT][RULESCTL_NCAT];
	unsigned severity_matrix[RULESCTL_NSEV][RULESCTL_NSEV];
};

/* rulesctl_counts_add - count one message (indices in the orders above). */
void rulesctl_counts_add(struct rulesctl_counts *c, int want_cat, int got_cat,
			 int want_sev, int got_sev);
double rulesctl_counts_category_accuracy(const struct rulesctl_counts *c);
double rulesctl_counts_severity_accuracy(const struct rulesctl_counts *c);
/* rulesctl_counts_severity_macro_recall - the mean of the recalls of the
 * severities that occur among the expected labels (0 when none). */
double rulesctl_counts_severity_macro_recall(const struct rulesctl_counts *c);

/* rulesctl_precision / rulesctl_recall - of class k in an n x n matrix
 * [expected][classified]; NaN when nothing was classified as k
 * (precision) or nothing is labelled k (recall): "not defined", not 0. */
double rulesctl_precision(const unsigned *matrix, unsigned n, unsigned k);
double rulesctl_recall(const unsigned *matrix, unsigned n, unsigned k);

/* One language ("zh", "en": what the MIME layer detected) or one immediate
 * sub-directory of the evaluated directory ("." for its own files). */
struct rulesctl_eval_group {
	char *name;
	struct rulesctl_counts c;
};

struct rulesctl_eval {
	/* the totals; the same figures as total, kept as plain members for
	 * the callers written before the groups existed */
	unsigned messages;          /* labelled messages classified */
	unsigned category_correct;
	unsigned severity_correct;
	/* [expected][classified], in the orders above */
	unsigned category_matrix[RULESCTL_NCAT][RULESCTL_NCAT];
	unsigned severity_matrix[RULESCTL_NSEV][RULESCTL_NSEV];
	struct rulesctl_counts total;
	GPtrArray *by_lang;         /* struct rulesctl_eval_group *, by name */
	GPtrArray *by_dir;          /* the same per immediate sub-directory */
	GPtrArray *misclassified;   /* "file: category quality -> price, severity C" */
	GPtrArray *skipped;         /* "file: no X-Expected-Category" */
};

const char *rulesctl_category_name(unsigned i); /* NULL out of range */
/* rulesctl_category_index / rulesctl_severity_index - -1 when unknown;
 * case-insensitive. */
int rulesctl_category_index(const char *name);
int rulesctl_severity_index(const char *name);

/* rulesctl_read_labelled - the message at path and its X-Expected-Category
 * and X-Expected-Severity labels as indices. NULL + *error_r (g_free) when
 * unreadable or a label is missing or unknown. */
struct message *rulesctl_read_labelled(const char *path, int *cat, int *sev,
				       char **error_r);

/* rulesctl_find_emls - every *.eml below dir (recursively, not entering
 * or listing names that start with '.'), as paths relative to dir, sorted
 * (strcmp). NULL + *error_r when dir cannot be read. g_ptr_array_unref. */
GPtrArray *rulesctl_find_emls(const char *dir, char **error_r);

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
