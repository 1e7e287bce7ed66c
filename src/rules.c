/* rules - loading, linking and evaluating rule sets; see rules.h and
 * complaintd-rules(5). The line parser lives in rulefile.c. */
#include "rules.h"
#include "rulefile.h"

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

static void rules_destroy(struct rules *r)
{
	rf_set_clear(&r->set);
	g_free(r->order);
	pcre2_match_context_free(r->mctx);
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

unsigned rules_count(const struct rules *r)
{
	return r->n;
}

unsigned rules_jit_count(const struct rules *r)
{
	return r->njit;
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
	if (s->len == 0)
		g_string_append(s, " none");
	char *out = g_strdup(s->str + 1);
	g_string_free(s, TRUE);
	return out;
}

static bool has_effect(const struct rf_rule *rule)
{
	for (int c = 0; c < RF_NCAT; c++)
		if (rule->has_score[c])
			return true;
	return rule->severity || rule->route || rule->tags->len ||
	       rule->cancels->len;
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
				    "route, tag or cancel; name helper rules __*)",
				    rule->name);
	}
	if (d->nerrors == 0)
		resolve(r, names, d);
	if (d->nerrors == 0)
		sort_rules(r, d);
	g_hash_table_unref(names);
}

static struct rules *load_finish(struct rules *r, struct rf_diag *d)
{
	if (d->nerrors == 0)
		link_rules(r, d);
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

struct texts {
	const struct rules *r;
	const struct message *m;
	const char *subject, *body, *fresh;
	size_t subject_len, body_len, fresh_len;
	bool fresh_done;
	GPtrArray *owned;    /* copies made valid or cut */
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

static bool is_reply_separator(const char *line, size_t len)
{
	char *l = g_strstrip(g_strndup(line, len));
	size_t n = strlen(l);
	bool sep = (strstr(l, "Original Message") && g_str_has_prefix(l, "--")) ||
		   (strstr(l, "原始邮件") && (l[0] == '-' || l[0] == '=')) ||
		   (g_str_has_prefix(l, "On ") && g_str_has_suffix(l, "wrote:")) ||
		   g_str_has_suffix(l, "写道:") || g_str_has_suffix(l, "写道：") ||
		   (n > 0 && strcmp(l, "--") == 0);
	g_free(l);
	return sep;
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

/* fresh_text - the body without quoted lines ('>') and without what
 * follows a reply or forward separator: the text the writer added now. */
static char *fresh_text(const char *body, size_t len)
{
	GString *out = g_string_sized_new(len < 4096 ? len : 4096);
	bool content = false;
	size_t pos = 0;
	while (pos < len) {
		const char *nl = memchr(body + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - body) : len;
		const char *line = body + pos;
		size_t ll = end - pos;
		const char *next = nl && end + 1 < len ? body + end + 1 : NULL;
		pos = nl ? end + 1 : len;
		size_t k = 0;
		while (k < ll && (line[k] == ' ' || line[k] == '\t'))
			k++;
		if (is_reply_separator(line, ll) || is_outlook_header(line + k, next))
			break;
		if (k < ll && line[k] == '>')
			continue;
		g_string_append_len(out, line, (gssize)ll);
		g_string_append_c(out, '\n');
		for (size_t i = k; i < ll && !content; i++)
			content = !g_ascii_isspace(line[i]);
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
	char *f = fresh_text(t->body, t->body_len);
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
		return t->subject &&
		       match_text(v, i, t->subject, t->subject_len, "subject") > 0;
	case RF_F_BODY:
		return match_text(v, i, t->body, t->body_len, "body") > 0;
	case RF_F_FRESH:
		texts_fresh(t);
		return match_text(v, i, t->fresh, t->fresh_len, "fresh") > 0;
	case RF_F_ANY: {
		int rc = t->subject ? match_text(v, i, t->subject, t->subject_len,
						 "subject") : 0;
		if (rc != 0)
			return rc > 0;
		texts_fresh(t);
		return match_text(v, i, t->fresh, t->fresh_len, "body") > 0;
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
		if (g_str_has_prefix(rule->name, "__"))
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
	for (unsigned i = 0; i < r->n; i++)
		g_free(v->matches[i]);
	g_clear_pointer(&v->matches, g_free);
	g_clear_pointer(&v->fields, g_free);
	g_ptr_array_unref(t.owned);
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
	rules_unref(&v->r);
	g_free(v);
	*vp = NULL;
}
