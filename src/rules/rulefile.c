/* rulefile - parser for the rule language; see rulefile.h and
 * complaintd-rules(5) for the language itself. */
#include "rules/rulefile.h"
#include "lib/facts.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

static const char *const cat_names[] = {
	"quality", "service", "price", "infringement", "other"
};

const char *rf_cat_name(enum rf_cat c)
{
	return (unsigned)c <= RF_CAT_OTHER ? cat_names[c] : "other";
}

int rf_cat_parse(const char *s, bool allow_other)
{
	for (int i = 0; i <= RF_CAT_OTHER; i++)
		if (strcmp(s, cat_names[i]) == 0)
			return i == RF_CAT_OTHER && !allow_other ? -1 : i;
	return -1;
}

void rf_diag_add(struct rf_diag *d, bool error, const char *file,
		 unsigned line, unsigned col, const char *fmt, ...)
{
	GPtrArray *to = error ? d->errors : d->warnings;
	if (error)
		d->nerrors++;
	if (to == NULL)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_ptr_array_add(to, g_strdup_printf("%s:%u:%u: %s", file, line, col, msg));
	g_free(msg);
}

static void ref_clear(gpointer p)
{
	struct rf_ref *r = p;
	g_free(r->name);
}

static void extract_free(gpointer p)
{
	struct rf_extract *e = p;
	g_free(e->value);
	g_free(e->pattern);
	pcre2_code_free(e->code);
	g_free(e);
}

void rf_rule_free(struct rf_rule *rule)
{
	if (rule == NULL)
		return;
	g_free(rule->name);
	g_free(rule->file);
	g_free(rule->field_arg);
	g_free(rule->field_label);
	pcre2_code_free(rule->code);
	g_free(rule->pattern);
	if (rule->ops)
		g_array_unref(rule->ops);
	if (rule->refs)
		g_array_unref(rule->refs);
	if (rule->cancels)
		g_array_unref(rule->cancels);
	if (rule->cancelled_by)
		g_array_unref(rule->cancelled_by);
	g_free(rule->route);
	g_ptr_array_unref(rule->tags);
	g_ptr_array_unref(rule->extracts);
	g_free(rule->describe);
	g_free(rule->effect);
	g_free(rule);
}

void rf_set_init(struct rf_set *set, bool no_jit)
{
	memset(set, 0, sizeof *set);
	set->rules = g_ptr_array_new_with_free_func((GDestroyNotify)rf_rule_free);
	set->threshold = 1.0;
	set->no_jit = no_jit;
}

void rf_set_clear(struct rf_set *set)
{
	if (set->rules)
		g_ptr_array_unref(set->rules);
	g_free(set->threshold_where);
	for (int i = 0; i <= RF_NCAT; i++) {
		g_free(set->default_route[i]);
		g_free(set->default_route_where[i]);
	}
	memset(set, 0, sizeof *set);
}

/* ---- lexing one line ------------------------------------------------ */

struct lex {
	const char *s;      /* the line, without its end of line */
	size_t len, pos;
	const char *file;
	unsigned line;
	struct rf_diag *d;
	struct rf_set *set;
	struct rf_rule *cur; /* rule that attribute lines apply to */
	bool cur_failed;     /* the last rule line had an error */
};

static void lerr(struct lex *x, size_t col, const char *fmt, ...)
	G_GNUC_PRINTF(3, 4);
static void lerr(struct lex *x, size_t col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	rf_diag_add(x->d, true, x->file, x->line, (unsigned)col, "%s", msg);
	g_free(msg);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static void skip_ws(struct lex *x)
{
	while (x->pos < x->len && is_space(x->s[x->pos]))
		x->pos++;
}

/* next_word - the next blank-separated word as a new string, its 1-based
 * column in *col; NULL at the end of the line. */
static char *next_word(struct lex *x, size_t *col)
{
	skip_ws(x);
	if (x->pos >= x->len)
		return NULL;
	size_t start = x->pos;
	while (x->pos < x->len && !is_space(x->s[x->pos]))
		x->pos++;
	*col = start + 1;
	return g_strndup(x->s + start, x->pos - start);
}

/* rest_of_line - what is left, blanks trimmed on both ends; NULL if empty. */
static char *rest_of_line(struct lex *x, size_t *col)
{
	skip_ws(x);
	size_t end = x->len;
	while (end > x->pos && is_space(x->s[end - 1]))
		end--;
	if (end == x->pos)
		return NULL;
	*col = x->pos + 1;
	char *r = g_strndup(x->s + x->pos, end - x->pos);
	x->pos = x->len;
	return r;
}

/* expect_end - true when nothing but blanks is left; else an error. */
static bool expect_end(struct lex *x)
{
	size_t col;
	char *w = next_word(x, &col);
	if (w == NULL)
		return true;
	lerr(x, col, "unexpected '%s' at end of line", w);
	g_free(w);
	return false;
}

static bool valid_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > RF_MAX_NAME || g_ascii_isdigit(s[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isalnum(s[i]) && s[i] != '_')
			return false;
	return true;
}

/* valid_token - route, tag and header/form field names: printable, no
 * blanks, bounded; may be UTF-8 (department names can be Chinese). */
static bool valid_token(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || s[i] == 0x7f)
			return false;
	return true;
}

static char *read_name(struct lex *x, const char *what, size_t *col)
{
	char *w = next_word(x, col);
	if (w == NULL) {
		lerr(x, x->len + 1, "%s: missing rule name", what);
		return NULL;
	}
	if (!valid_name(w)) {
		lerr(x, *col, "invalid rule name '%s' (letters, digits and _, "
		     "not starting with a digit, at most %d)", w, RF_MAX_NAME);
		g_free(w);
		return NULL;
	}
	return w;
}

static struct rf_rule *rule_new(struct lex *x, char *name, size_t col)
{
	struct rf_rule *r = g_new0(struct rf_rule, 1);
	r->name = name;
	r->file = g_strdup(x->file);
	r->line = x->line;
	r->col = (unsigned)col;
	r->tags = g_ptr_array_new_with_free_func(g_free);
	r->extracts = g_ptr_array_new_with_free_func(extract_free);
	r->cancels = g_array_new(FALSE, TRUE, sizeof(struct rf_ref));
	g_array_set_clear_func(r->cancels, ref_clear);
	return r;
}

/* ---- rule NAME FIELD /PATTERN/FLAGS ------------------------------------ */

static bool parse_field(struct lex *x, struct rf_rule *r, const char *w,
			size_t col)
{
	static const struct { const char *name; enum rf_field f; } simple[] = {
		{ "subject", RF_F_SUBJECT }, { "body", RF_F_BODY },
		{ "fresh", RF_F_FRESH }, { "any", RF_F_ANY }, { "from", RF_F_FROM },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(simple); i++)
		if (strcmp(w, simple[i].name) == 0) {
			r->field = simple[i].f;
			r->field_label = g_strdup(w);
			return true;
		}
	const char *arg = NULL;
	if (g_str_has_prefix(w, "header:")) {
		r->field = RF_F_HEADER;
		arg = w + 7;
	} else if (g_str_has_prefix(w, "field:")) {
		r->field = RF_F_FIELD;
		arg = w + 6;
	} else {
		lerr(x, col, "unknown field '%s' (expected subject, body, fresh, "
		     "any, from, header:NAME or field:NAME)", w);
		return false;
	}
	/* header names are printable ASCII without ':' (RFC 5322 ftext) */
	bool ok = valid_token(arg, 128) && strchr(arg, ':') == NULL;
	for (const char *p = arg; ok && *p; p++)
		ok = (unsigned char)*p < 0x7f;
	if (!ok) {
		lerr(x, col, "invalid name in field '%s'", w);
		return false;
	}
	r->field_arg = g_strdup(arg);
	r->field_label = g_strdup(w);
	return true;
}

static bool parse_flags(struct lex *x, const char *f, size_t col,
			uint32_t *opts)
{
	for (size_t i = 0; f[i] && !is_space(f[i]); i++) {
		uint32_t o;
		switch (f[i]) {
		case 'i': o = PCRE2_CASELESS; break;
		case 'm': o = PCRE2_MULTILINE; break;
		case 's': o = PCRE2_DOTALL; break;
		case 'x': o = PCRE2_EXTENDED; break;
		default:
			lerr(x, col + i, "unknown pattern flag '%c' (expected i, m, s "
			     "or x)", f[i]);
			return false;
		}
		if (*opts & o) {
			lerr(x, col + i, "pattern flag '%c' given twice", f[i]);
			return false;
		}
		*opts |= o;
	}
	return true;
}

/* struct regex - a pattern as parse_regex found and compiled it. */
struct regex {
	char *pattern;       /* source between the slashes */
	uint32_t opts;       /* the flags given */
	pcre2_code *code;
	bool jit;
};

static bool compile_regex(struct lex *x, const char *who, struct regex *re,
			  const char *pat, size_t plen, size_t pcol)
{
	int err;
	PCRE2_SIZE off;
	re->pattern = g_strndup(pat, plen);
	/* UCP so that \w, \b and caseless matching know Chinese and accented
	 * letters; \C is refused because it can split a UTF-8 character. */
	uint32_t opts = re->opts | PCRE2_UTF | PCRE2_UCP | PCRE2_NEVER_BACKSLASH_C;
	re->code = pcre2_compile((PCRE2_SPTR)pat, plen, opts, &err, &off, NULL);
	if (re->code == NULL) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(err, msg, sizeof msg);
		lerr(x, pcol + off, "%s: bad pattern: %s", who, (const char *)msg);
		return false;
	}
	/* Without JIT pcre2_match falls back to the interpreter by itself. */
	if (!x->set->no_jit)
		re->jit = pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE) == 0;
	uint32_t minlen = 1;
	if (pcre2_pattern_info(re->code, PCRE2_INFO_MINLENGTH, &minlen) == 0 &&
	    minlen == 0)
		rf_diag_add(x->d, false, x->file, x->line, (unsigned)pcol,
			    "%s: pattern can match the empty string", who);
	return true;
}

/* parse_regex - "/PATTERN/FLAGS" from the current position to the end of
 * the line: the pattern runs to the last '/' of the line, so it may
 * contain '/' without escaping. who names the rule in messages. On failure
 * re may hold a pattern but never a code. */
static bool parse_regex(struct lex *x, const char *who, struct regex *re)
{
	skip_ws(x);
	if (x->pos >= x->len) {
		lerr(x, x->len + 1, "%s: missing /pattern/", who);
		return false;
	}
	size_t start = x->pos;
	if (x->s[start] != '/') {
		lerr(x, start + 1, "%s: pattern must start with '/'", who);
		return false;
	}
	size_t end = x->len;
	while (end > start + 1 && x->s[end - 1] != '/')
		end--;
	if (end <= start + 1) {
		lerr(x, start + 1, "%s: pattern has no closing '/'", who);
		return false;
	}
	size_t close = end - 1;
	if (close == start + 1) {
		lerr(x, start + 1, "%s: empty pattern", who);
		return false;
	}
	/* flags: letters right after the closing '/', then only blanks */
	char *tail = g_strndup(x->s + end, x->len - end);
	char *flags = g_strchomp(g_strdup(tail));
	bool ok = strlen(flags) == strcspn(flags, " \t");
	if (!ok)
		lerr(x, end + strcspn(flags, " \t") + 1,
		     "%s: unexpected text after pattern flags", who);
	ok = ok && parse_flags(x, flags, end + 1, &re->opts);
	g_free(tail);
	g_free(flags);
	x->pos = x->len;
	return ok && compile_regex(x, who, re, x->s + start + 1,
				   close - start - 1, start + 2);
}

static bool parse_pattern(struct lex *x, struct rf_rule *r)
{
	struct regex re = { 0 };
	char *who = g_strdup_printf("rule %s", r->name);
	bool ok = parse_regex(x, who, &re);
	g_free(who);
	r->pattern = re.pattern;
	r->pcre_opts = re.opts;
	r->code = re.code;
	r->jit = re.jit;
	return ok;
}

static void add_rule(struct lex *x, struct rf_rule *r, bool ok)
{
	x->cur_failed = !ok;
	if (!ok) {
		rf_rule_free(r);
		x->cur = NULL;
		return;
	}
	if (x->set->rules->len >= RF_MAX_RULES) {
		lerr(x, 1, "too many rules (at most %d)", RF_MAX_RULES);
		rf_rule_free(r);
		x->cur = NULL;
		return;
	}
	g_ptr_array_add(x->set->rules, r);
	x->cur = r;
}

static void parse_rule(struct lex *x)
{
	size_t col, fcol;
	char *name = read_name(x, "rule", &col);
	if (name == NULL) {
		x->cur = NULL;
		x->cur_failed = true;
		return;
	}
	struct rf_rule *r = rule_new(x, name, col);
	char *w = next_word(x, &fcol);
	bool ok;
	if (w == NULL) {
		lerr(x, x->len + 1, "rule %s: missing field", name);
		ok = false;
	} else {
		ok = parse_field(x, r, w, fcol) && parse_pattern(x, r);
	}
	g_free(w);
	add_rule(x, r, ok);
}

/* ---- meta NAME EXPRESSION ---------------------------------------------- */

struct exprp {
	struct lex *x;
	struct rf_rule *r;
	unsigned depth;
	bool failed;
};

static void ex_ws(struct exprp *e)
{
	skip_ws(e->x);
}

static bool ex_peek2(struct exprp *e, const char *two)
{
	struct lex *x = e->x;
	return x->pos + 1 < x->len && x->s[x->pos] == two[0] &&
	       x->s[x->pos + 1] == two[1];
}

static void ex_op(struct exprp *e, enum rf_opcode code, unsigned ref)
{
	struct rf_op op = { code, ref };
	g_array_append_val(e->r->ops, op);
}

static void ex_fail(struct exprp *e, const char *what)
{
	struct lex *x = e->x;
	if (e->failed)
		return;
	e->failed = true;
	if (x->pos >= x->len)
		lerr(x, x->len + 1, "meta %s: %s at end of line", e->r->name, what);
	else
		lerr(x, x->pos + 1, "meta %s: %s", e->r->name, what);
}

static void ex_or(struct exprp *e);

static void ex_unary(struct exprp *e)
{
	struct lex *x = e->x;
	ex_ws(e);
	if (e->failed)
		return;
	if (++e->depth > RF_MAX_DEPTH) {
		ex_fail(e, "expression nested too deeply");
		return;
	}
	if (x->pos < x->len && x->s[x->pos] == '!') {
		x->pos++;
		ex_unary(e);
		ex_op(e, RF_OP_NOT, 0);
	} else if (x->pos < x->len && x->s[x->pos] == '(') {
		x->pos++;
		ex_or(e);
		ex_ws(e);
		if (x->pos < x->len && x->s[x->pos] == ')')
			x->pos++;
		else
			ex_fail(e, "expected ')'");
	} else {
		size_t start = x->pos;
		while (x->pos < x->len && (g_ascii_isalnum(x->s[x->pos]) ||
					   x->s[x->pos] == '_'))
			x->pos++;
		if (x->pos == start) {
			ex_fail(e, "expected a rule name, '!' or '('");
			return;
		}
		struct rf_ref ref = { g_strndup(x->s + start, x->pos - start),
				      x->line, (unsigned)start + 1, 0 };
		if (!valid_name(ref.name)) {
			x->pos = start;
			ex_fail(e, "invalid rule name");
			g_free(ref.name);
			return;
		}
		g_array_append_val(e->r->refs, ref);
		ex_op(e, RF_OP_REF, e->r->refs->len - 1);
	}
	e->depth--;
}

static void ex_and(struct exprp *e)
{
	ex_unary(e);
	for (;;) {
		ex_ws(e);
		if (e->failed || !ex_peek2(e, "&&"))
			return;
		e->x->pos += 2;
		ex_unary(e);
		ex_op(e, RF_OP_AND, 0);
	}
}

static void ex_or(struct exprp *e)
{
	ex_and(e);
	for (;;) {
		ex_ws(e);
		if (e->failed || !ex_peek2(e, "||"))
			return;
		e->x->pos += 2;
		ex_and(e);
		ex_op(e, RF_OP_OR, 0);
	}
}

static void parse_meta(struct lex *x)
{
	size_t col;
	char *name = read_name(x, "meta", &col);
	if (name == NULL) {
		x->cur = NULL;
		x->cur_failed = true;
		return;
	}
	struct rf_rule *r = rule_new(x, name, col);
	r->field = RF_F_META;
	r->field_label = g_strdup("meta");
	r->ops = g_array_new(FALSE, FALSE, sizeof(struct rf_op));
	r->refs = g_array_new(FALSE, TRUE, sizeof(struct rf_ref));
	g_array_set_clear_func(r->refs, ref_clear);
	struct exprp e = { x, r, 0, false };
	skip_ws(x);
	if (x->pos >= x->len) {
		lerr(x, x->len + 1, "meta %s: missing expression", name);
		e.failed = true;
	} else {
		ex_or(&e);
		ex_ws(&e);
		if (!e.failed && x->pos < x->len)
			ex_fail(&e, "unexpected text (expected '&&', '||' or end "
				"of line)");
	}
	add_rule(x, r, !e.failed);
}

/* ---- attributes of the current rule ------------------------------------ */

static bool need_cur(struct lex *x, const char *kw)
{
	if (x->cur != NULL)
		return true;
	/* No error when the rule line itself failed: that was reported, and
	 * one error per broken rule is enough. */
	if (x->cur_failed)
		return false;
	lerr(x, 1, "'%s' outside a rule (it must follow a rule or meta line)",
	     kw);
	return false;
}

static bool parse_number(const char *w, double *v)
{
	char *end;
	*v = g_ascii_strtod(w, &end);
	return end != w && *end == '\0' && isfinite(*v);
}

static void attr_score(struct lex *x, struct rf_rule *r)
{
	size_t ccol, ncol;
	char *cat = next_word(x, &ccol);
	char *num = cat ? next_word(x, &ncol) : NULL;
	int c = cat ? rf_cat_parse(cat, false) : -1;
	double v;
	if (cat == NULL || num == NULL)
		lerr(x, x->len + 1, "score: expected CATEGORY NUMBER");
	else if (c < 0)
		lerr(x, ccol, "score: unknown category '%s' (expected quality, "
		     "service, price or infringement)", cat);
	else if (!parse_number(num, &v) || fabs(v) > RF_MAX_SCORE)
		lerr(x, ncol, "score: '%s' is not a number between -%g and %g",
		     num, RF_MAX_SCORE, RF_MAX_SCORE);
	else if (r->has_score[c])
		lerr(x, ccol, "rule %s: score for %s given twice", r->name, cat);
	else if (expect_end(x)) {
		r->score[c] = v;
		r->has_score[c] = true;
	}
	g_free(cat);
	g_free(num);
}

static void attr_severity(struct lex *x, struct rf_rule *r)
{
	size_t col;
	char *w = next_word(x, &col);
	if (w == NULL)
		lerr(x, x->len + 1, "severity: expected A, B or C");
	else if (strlen(w) != 1 || w[0] < 'A' || w[0] > 'C')
		lerr(x, col, "severity: '%s' is not A, B or C", w);
	else if (r->severity)
		lerr(x, 1, "rule %s: severity given twice", r->name);
	else if (expect_end(x))
		r->severity = w[0];
	g_free(w);
}

static void attr_route(struct lex *x, struct rf_rule *r)
{
	size_t col, pcol;
	char *w = next_word(x, &col);
	char *prio = w ? next_word(x, &pcol) : NULL;
	double p = 0;
	if (w == NULL)
		lerr(x, x->len + 1, "route: expected a department name");
	else if (!valid_token(w, 128))
		lerr(x, col, "route: invalid department name");
	/* range first: casting a huge or NaN double to int is undefined */
	else if (prio && (!parse_number(prio, &p) || !(p >= 0 && p <= RF_MAX_ROUTE_PRIO) ||
			  p != (int)p))
		lerr(x, pcol, "route: priority '%s' is not a whole number from "
		     "0 to %d", prio, RF_MAX_ROUTE_PRIO);
	else if (r->route)
		lerr(x, 1, "rule %s: route given twice", r->name);
	else if (expect_end(x)) {
		r->route = g_strdup(w);
		r->route_prio = (int)p;
	}
	g_free(w);
	g_free(prio);
}

static void attr_tag(struct lex *x, struct rf_rule *r)
{
	size_t col;
	char *w = next_word(x, &col);
	if (w == NULL)
		lerr(x, x->len + 1, "tag: expected a tag");
	else if (!valid_token(w, 64))
		lerr(x, col, "tag: invalid tag (at most 64 bytes, no blanks)");
	else if (r->tags->len >= RF_MAX_TAGS)
		lerr(x, col, "rule %s: too many tags (at most %d)", r->name,
		     RF_MAX_TAGS);
	else if (expect_end(x)) {
		g_ptr_array_add(r->tags, w);
		return;
	}
	g_free(w);
}

/* extract_target - "NAME" or "NAME=VALUE" into e; false after an error.
 * The demand has a fixed set of values, so it must be given as a value:
 * what a pattern captures ("退款", "refunded") is not one of them. */
static bool extract_target(struct lex *x, const char *w, size_t col,
			   struct rf_extract *e)
{
	const char *eq = strchr(w, '=');
	char *name = eq ? g_strndup(w, (size_t)(eq - w)) : g_strdup(w);
	e->fact = facts_parse(name);
	bool ok = false;
	if (e->fact < 0)
		lerr(x, col, "extract: unknown fact '%s' (expected order_no, "
		     "product, purchase_place, purchase_date, phone or demand)",
		     name);
	else if (eq && (e->value = facts_clean(eq + 1, -1)) == NULL)
		lerr(x, col, "extract %s: empty value after '='", name);
	else if (e->fact == FACT_DEMAND && !facts_demand_valid(e->value))
		lerr(x, col, "extract demand: expected demand=VALUE with VALUE "
		     "refund, exchange, repair, compensation or apology");
	else
		ok = true;
	g_free(name);
	return ok;
}

static void attr_extract(struct lex *x, struct rf_rule *r)
{
	size_t col;
	char *w = next_word(x, &col);
	struct rf_extract *e = g_new0(struct rf_extract, 1);
	e->line = x->line;
	bool ok = false;
	if (w == NULL || w[0] == '/')
		lerr(x, w ? col : x->len + 1,
		     "extract: expected NAME /pattern/ or NAME=VALUE /pattern/");
	else if (r->extracts->len >= RF_MAX_EXTRACTS)
		lerr(x, col, "rule %s: too many extracts (at most %d)", r->name,
		     RF_MAX_EXTRACTS);
	else if (extract_target(x, w, col, e)) {
		struct regex re = { 0 };
		char *who = g_strdup_printf("rule %s: extract %s", r->name,
					    facts_name(e->fact));
		ok = parse_regex(x, who, &re);
		g_free(who);
		e->pattern = re.pattern;
		e->code = re.code;
	}
	g_free(w);
	if (ok)
		g_ptr_array_add(r->extracts, e);
	else
		extract_free(e);
}

static void attr_cancel(struct lex *x, struct rf_rule *r)
{
	size_t col;
	char *w;
	unsigned n = 0;
	while ((w = next_word(x, &col)) != NULL) {
		n++;
		if (!valid_name(w)) {
			lerr(x, col, "cancel: invalid rule name '%s'", w);
			g_free(w);
			continue;
		}
		struct rf_ref ref = { w, x->line, (unsigned)col, 0 };
		g_array_append_val(r->cancels, ref);
	}
	if (n == 0)
		lerr(x, x->len + 1, "cancel: expected one or more rule names");
}

static void attr_describe(struct lex *x, struct rf_rule *r)
{
	size_t col;
	char *t = rest_of_line(x, &col);
	if (t == NULL)
		lerr(x, x->len + 1, "describe: expected a text");
	else if (r->describe)
		lerr(x, 1, "rule %s: describe given twice", r->name);
	else {
		r->describe = t;
		return;
	}
	g_free(t);
}

/* ---- directives --------------------------------------------------------- */

static void dir_threshold(struct lex *x)
{
	size_t col;
	char *w = next_word(x, &col);
	double v;
	if (w == NULL)
		lerr(x, x->len + 1, "threshold: expected a number");
	else if (!parse_number(w, &v) || v <= 0 || v > RF_MAX_SCORE)
		lerr(x, col, "threshold: '%s' is not a number above 0 and at "
		     "most %g", w, RF_MAX_SCORE);
	else if (x->set->threshold_where)
		lerr(x, 1, "threshold already set at %s", x->set->threshold_where);
	else if (expect_end(x)) {
		x->set->threshold = v;
		x->set->threshold_where = g_strdup_printf("%s:%u", x->file, x->line);
	}
	g_free(w);
}

static void dir_default_route(struct lex *x)
{
	size_t ccol, dcol;
	char *cat = next_word(x, &ccol);
	char *dept = cat ? next_word(x, &dcol) : NULL;
	int c = cat ? rf_cat_parse(cat, true) : -1;
	if (cat == NULL || dept == NULL)
		lerr(x, x->len + 1, "default-route: expected CATEGORY DEPARTMENT");
	else if (c < 0)
		lerr(x, ccol, "default-route: unknown category '%s'", cat);
	else if (!valid_token(dept, 128))
		lerr(x, dcol, "default-route: invalid department name");
	else if (x->set->default_route_where[c])
		lerr(x, 1, "default-route for %s already set at %s", cat,
		     x->set->default_route_where[c]);
	else if (expect_end(x)) {
		x->set->default_route[c] = g_strdup(dept);
		x->set->default_route_where[c] =
			g_strdup_printf("%s:%u", x->file, x->line);
	}
	g_free(cat);
	g_free(dept);
}

/* ---- lines and files ---------------------------------------------------- */

static void parse_line(struct lex *x)
{
	skip_ws(x);
	if (x->pos >= x->len || x->s[x->pos] == '#')
		return;
	size_t col;
	char *kw = next_word(x, &col);
	static const struct {
		const char *kw;
		void (*fn)(struct lex *, struct rf_rule *);
	} attrs[] = {
		{ "score", attr_score }, { "severity", attr_severity },
		{ "route", attr_route }, { "tag", attr_tag },
		{ "cancel", attr_cancel }, { "describe", attr_describe },
		{ "extract", attr_extract },
	};
	if (strcmp(kw, "rule") == 0)
		parse_rule(x);
	else if (strcmp(kw, "meta") == 0)
		parse_meta(x);
	else if (strcmp(kw, "threshold") == 0 ||
		 strcmp(kw, "default-route") == 0) {
		/* a directive ends the rule before it */
		x->cur = NULL;
		x->cur_failed = false;
		if (kw[0] == 't')
			dir_threshold(x);
		else
			dir_default_route(x);
	} else {
		size_t i;
		for (i = 0; i < G_N_ELEMENTS(attrs); i++)
			if (strcmp(kw, attrs[i].kw) == 0)
				break;
		if (i == G_N_ELEMENTS(attrs))
			lerr(x, col, "unknown keyword '%s'", kw);
		else if (need_cur(x, kw))
			attrs[i].fn(x, x->cur);
	}
	g_free(kw);
}

unsigned rulefile_parse(struct rf_set *set, const char *name,
			const char *text, size_t len, struct rf_diag *d)
{
	unsigned before = d->nerrors;
	struct lex x = { .file = name, .d = d, .set = set };
	size_t pos = 0;
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		pos = 3; /* a byte order mark some editors write */
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		x.line++;
		x.s = text + pos;
		x.len = end - pos;
		x.pos = 0;
		if (x.len > 0 && x.s[x.len - 1] == '\r')
			x.len--;
		pos = nl ? end + 1 : len;
		const char *bad;
		if (x.len > RF_MAX_LINE) {
			lerr(&x, 1, "line too long (at most %d bytes)", RF_MAX_LINE);
			continue;
		}
		if (!g_utf8_validate(x.s, (gssize)x.len, &bad)) {
			lerr(&x, (size_t)(bad - x.s) + 1, "invalid UTF-8 or NUL byte");
			continue;
		}
		parse_line(&x);
	}
	return d->nerrors - before;
}
