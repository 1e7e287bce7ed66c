/* rulefile - parser for the rule language of complaintd-rules(5).
 *
 * Internal to the rules module: rules.c links what this parser produces
 * (names, meta references, cancellations) across files and evaluates it.
 * Nothing else should include this header; the public interface is rules.h.
 *
 * The parser turns one file's text into struct rf_rule records appended to
 * a struct rf_set, compiling each pattern with PCRE2 on the way. Every
 * problem is reported as "file:line:column: message" (column counts bytes,
 * from 1) into the diagnostics; parsing goes on after an error so that one
 * run shows every error of a file. */
#ifndef COMPLAINTD_RULEFILE_H
#define COMPLAINTD_RULEFILE_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

/* Categories that rules score towards; "other" is what is left when no
 * category reaches the threshold (index RF_CAT_OTHER, never scored). */
enum rf_cat {
	RF_CAT_QUALITY, RF_CAT_SERVICE, RF_CAT_PRICE, RF_CAT_INFRINGEMENT,
	RF_CAT_OTHER
};
#define RF_NCAT 4 /* scorable categories */

/* Which text a rule looks at. */
enum rf_field {
	RF_F_SUBJECT, RF_F_BODY, RF_F_FRESH, RF_F_ANY, RF_F_FROM,
	RF_F_HEADER, RF_F_FIELD, RF_F_META
};

/* Meta expressions are kept in postfix order: evaluation is a loop over a
 * small boolean stack, no recursion at classification time. */
enum rf_opcode { RF_OP_REF, RF_OP_NOT, RF_OP_AND, RF_OP_OR };
struct rf_op {
	enum rf_opcode code;
	unsigned ref;  /* RF_OP_REF: index into the rule's refs, then rule index */
};

/* A reference by name to another rule, kept with its place for messages. */
struct rf_ref {
	char *name;
	unsigned line, col;
	unsigned idx;  /* rule index once linked */
};

/* extract NAME[=VALUE] /PATTERN/FLAGS: a case fact (lib/facts.h) taken
 * from the text of the rule's field when the rule fires. */
struct rf_extract {
	int fact;            /* enum fact */
	char *value;         /* fixed value (NAME=VALUE), cleaned; NULL: the
			      * first capture group, or the whole match */
	char *pattern;       /* source between the slashes */
	pcre2_code *code;
	unsigned line;
};

struct rf_rule {
	char *name;
	char *file;          /* name of the file it came from (owned) */
	unsigned line, col;  /* of the name */
	enum rf_field field;
	char *field_arg;     /* header or form field name; NULL otherwise */
	char *field_label;   /* "subject", "header:X-Foo", "meta", ... */
	pcre2_code *code;    /* NULL for meta rules */
	char *pattern;       /* source between the slashes; NULL for meta */
	uint32_t pcre_opts;  /* PCRE2_CASELESS/MULTILINE/DOTALL/EXTENDED as
			      * given by the flags (UTF and UCP always added);
			      * the prefilter compiles the pattern again */
	bool jit;            /* JIT compiled */
	GArray *ops;         /* struct rf_op, meta rules only */
	GArray *refs;        /* struct rf_ref, meta operands */
	GArray *cancels;     /* struct rf_ref, rules this one cancels */
	GArray *cancelled_by;/* unsigned rule indices; filled by rules.c */
	double score[RF_NCAT];
	bool has_score[RF_NCAT];
	char severity;       /* 'A', 'B', 'C' or 0 */
	char *route;
	int route_prio;
	GPtrArray *tags;     /* char * */
	GPtrArray *extracts; /* struct rf_extract *, in file order */
	char *describe;
	char *effect;        /* human-readable summary; filled by rules.c */
};

/* What the files set globally (directives). */
struct rf_set {
	GPtrArray *rules;    /* struct rf_rule *, in load order */
	double threshold;
	char *threshold_where;   /* "file:line" of the directive, or NULL */
	char *default_route[RF_NCAT + 1];
	char *default_route_where[RF_NCAT + 1];
	bool no_jit;
};

struct rf_diag {
	GPtrArray *errors;   /* char *, may be NULL */
	GPtrArray *warnings; /* char *, may be NULL */
	unsigned nerrors;
};

/* Limits of the language, so hostile or broken files stay cheap. */
#define RF_MAX_LINE     8192
#define RF_MAX_NAME     64
#define RF_MAX_RULES    20000
#define RF_MAX_TAGS     16
#define RF_MAX_EXTRACTS 8
#define RF_MAX_DEPTH    64   /* parentheses / ! nesting in meta */
#define RF_MAX_SCORE    1000.0
#define RF_MAX_ROUTE_PRIO 1000

void rf_set_init(struct rf_set *set, bool no_jit);
void rf_set_clear(struct rf_set *set);
void rf_rule_free(struct rf_rule *rule);

/* rulefile_parse - parses text (len bytes, may hold NUL) named name into set.
 * Returns the number of errors found in this file. */
unsigned rulefile_parse(struct rf_set *set, const char *name,
			const char *text, size_t len, struct rf_diag *d);

/* rf_diag_add - "file:line:col: message" into errors or warnings. */
void rf_diag_add(struct rf_diag *d, bool error, const char *file,
		 unsigned line, unsigned col, const char *fmt, ...)
	G_GNUC_PRINTF(6, 7);

/* rf_cat_name - "quality", ..., "other". rf_cat_parse returns -1 if unknown
 * (and never RF_CAT_OTHER unless allow_other). */
const char *rf_cat_name(enum rf_cat c);
int rf_cat_parse(const char *s, bool allow_other);

#endif
