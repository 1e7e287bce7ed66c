/* ruleseval - what `complaintctl rules eval` (rulesctl.h) and `rules learn`
 * (ruleslearn.h) both stand on: loading a rule set for the command line,
 * reading a message (mail or JSON form post) and its X-Expected-Category /
 * X-Expected-Severity labels, finding the labelled mails below a
 * directory, and counting classifications into accuracy, precision and
 * recall. It knows neither command: both include it, it includes neither. */
#ifndef COMPLAINTD_RULESEVAL_H
#define COMPLAINTD_RULESEVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <glib.h>

#include "mail/message.h"
#include "rules/rules.h"

/* ---- input ------------------------------------------------------------------ */

/* ruleseval_print_diag - "file:line:col: message" becomes
 * "file:line:col: KIND: message", the form editors and compilers use. */
void ruleseval_print_diag(FILE *out, const char *kind, const char *diag);

/* ruleseval_load - the rule set of dir, errors printed to err; NULL if it
 * has errors. lim may be NULL (defaults). */
struct rules *ruleseval_load(const char *dir, const struct rules_limits *lim,
			     FILE *err);

/* ruleseval_message_from_json - a web-form post given as a JSON object of
 * field name -> string. Every field is set with msg_set_field; subject,
 * body and sender come from the first present of: subject/title/主题/标题;
 * body/message/text/content/description/details/complaint/内容;
 * email/from/mail/邮箱 and name/姓名. NULL + *error_r when not such an
 * object. */
struct message *ruleseval_message_from_json(const char *data, size_t len,
					    char **error_r);

/* ruleseval_looks_like_json - true when path ends in .json or data (len
 * bytes) starts, after white space, with '{'. */
bool ruleseval_looks_like_json(const char *path, const char *data, size_t len);

/* ruleseval_read_message - path ("-" = stdin) as a mail, or as a JSON form
 * post when it ends in .json or starts with '{'. NULL + *error_r. */
struct message *ruleseval_read_message(const char *path, char **error_r);

/* ---- eval ------------------------------------------------------------------ */

#define RULESEVAL_NCAT 5  /* quality service price infringement other */
#define RULESEVAL_NSEV 3  /* A B C */

/* the names in the orders above */
extern const char *const ruleseval_category_names[RULESEVAL_NCAT];
extern const char ruleseval_severity_names[RULESEVAL_NSEV];

/* The figures of one set of messages: everything, one language or one
 * sub-directory. Matrices are [expected][classified]. */
struct ruleseval_counts {
	unsigned messages;
	unsigned category_correct;
	unsigned severity_correct;
	unsigned category_matrix[RULESEVAL_NCAT][RULESEVAL_NCAT];
	unsigned severity_matrix[RULESEVAL_NSEV][RULESEVAL_NSEV];
};

/* ruleseval_counts_add - count one message (indices in the orders above). */
void ruleseval_counts_add(struct ruleseval_counts *c, int want_cat, int got_cat,
			  int want_sev, int got_sev);
double ruleseval_counts_category_accuracy(const struct ruleseval_counts *c);
double ruleseval_counts_severity_accuracy(const struct ruleseval_counts *c);
/* ruleseval_counts_severity_macro_recall - the mean of the recalls of the
 * severities that occur among the expected labels (0 when none). */
double ruleseval_counts_severity_macro_recall(const struct ruleseval_counts *c);

/* ruleseval_precision / ruleseval_recall - of class k in an n x n matrix
 * [expected][classified]; NaN when nothing was classified as k
 * (precision) or nothing is labelled k (recall): "not defined", not 0. */
double ruleseval_precision(const unsigned *matrix, unsigned n, unsigned k);
double ruleseval_recall(const unsigned *matrix, unsigned n, unsigned k);

const char *ruleseval_category_name(unsigned i); /* NULL out of range */
/* ruleseval_category_index / ruleseval_severity_index - -1 when unknown;
 * case-insensitive. */
int ruleseval_category_index(const char *name);
int ruleseval_severity_index(const char *name);

/* ruleseval_read_labelled - the message at path and its X-Expected-Category
 * and X-Expected-Severity labels as indices. NULL + *error_r (g_free) when
 * unreadable or a label is missing or unknown. */
struct message *ruleseval_read_labelled(const char *path, int *cat, int *sev,
					char **error_r);

/* ruleseval_find_emls - every *.eml below dir (recursively, not entering
 * or listing names that start with '.'), as paths relative to dir, sorted
 * (strcmp). NULL + *error_r when dir cannot be read. g_ptr_array_unref. */
GPtrArray *ruleseval_find_emls(const char *dir, char **error_r);

#endif
