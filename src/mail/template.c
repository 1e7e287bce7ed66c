/* template - administrator-edited texts with {{placeholders}}. */
#include "mail/template.h"

#include <string.h>

const char *const template_variables[] = {
	"ref", "customer_name", "customer_addr", "customer", "subject", "category",
	"category_label",
	"severity", "company", "company_from", "date", "received", "text", "lang",
	"deadline", "form_url",
	/* the day the customer is promised the result (acknowledgements, the
	 * web confirmation) and, when that passed, the next one (progress) */
	"answer_by", "new_answer_by",
	/* mail to staff: notifications, escalations, replies, alerts */
	"department", "deadlines", "rules", "attachments", "commands", "staff_text",
	"facts",
	"level", "reason", "status", "status_label",
	/* plans of B and A complaints (paths.h): request, reminder, decision */
	"planner", "proposed", "reminder", "decision", "approved", "approver",
	/* a complaint staff took down: the customer's phone, "channel, taken
	 * by whom", and that there is no address to answer to */
	"customer_phone", "intake", "no_email",
	/* the customer's side of closing the loop */
	"links", "rating", "survey", "c1", "c2", "c3", "c4", "c5",
	/* the survey page given back: what was wrong, the comment to edit */
	"no_rating", "long_comment", "unreadable", "comment",
	/* early warning of a spike (warning.h) */
	"spike_kind", "spike_name", "spike_subject", "spike_start", "recent_count",
	"usual_count", "baseline_count", "threshold", "factor", "min_count", "window",
	"baseline", "complaints_list", "more_count",
	/* web pages (form_html, done_html): v_FIELD is what the customer typed,
	 * e_FIELD the error shown next to that field */
	"token", "errors", "other_lang", "other_lang_url", "max_attachments",
	"max_attachment_mb", "attachment_note",
	"v_name", "v_email", "v_phone", "v_order_no", "v_product", "v_purchase_place",
	"v_purchase_date", "v_description", "v_request",
	"e_name", "e_email", "e_phone", "e_order_no", "e_product", "e_purchase_place",
	"e_purchase_date", "e_description", "e_request", "e_attachments",
	/* the demand select: e_demand its error, sel_VALUE " selected" or "" */
	"e_demand", "sel_refund", "sel_exchange", "sel_repair", "sel_compensation",
	"sel_apology", "style_url",
	NULL,
};

enum node_kind { N_TEXT, N_VAR, N_IF, N_UNLESS };

struct node {
	enum node_kind kind;
	char *text;        /* N_TEXT: literal; others: variable name */
	GPtrArray *kids;   /* N_IF / N_UNLESS */
};

struct template {
	char *name;
	bool html;
	GPtrArray *subject;  /* struct node*; NULL when no Subject: header */
	GPtrArray *body;
};

static void node_free(gpointer p)
{
	struct node *n = p;
	g_free(n->text);
	if (n->kids)
		g_ptr_array_unref(n->kids);
	g_free(n);
}

static GPtrArray *node_list(void)
{
	return g_ptr_array_new_with_free_func(node_free);
}

static bool known_variable(const char *name)
{
	for (const char *const *v = template_variables; *v; v++)
		if (!strcmp(*v, name))
			return true;
	return false;
}

struct parser {
	const char *name;
	const char *start;  /* of the whole file, for line/column */
	GPtrArray *errors;
	bool failed;
};

static void parse_error(struct parser *p, const char *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void parse_error(struct parser *p, const char *at, const char *fmt, ...)
{
	unsigned line = 1, col = 1;
	for (const char *c = p->start; c < at; c++) {
		if (*c == '\n') {
			line++;
			col = 1;
		} else if ((*c & 0xC0) != 0x80) {
			col++;  /* columns count characters, not bytes */
		}
	}
	va_list ap;
	va_start(ap, fmt);
	char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_ptr_array_add(p->errors, g_strdup_printf("%s:%u:%u: %s", p->name, line, col, msg));
	g_free(msg);
	p->failed = true;
}

static void add_text(GPtrArray *list, const char *s, size_t n)
{
	if (!n)
		return;
	struct node *node = g_new0(struct node, 1);
	node->kind = N_TEXT;
	node->text = g_strndup(s, n);
	g_ptr_array_add(list, node);
}

/* parse_span - compile [s, end) into nodes; sections nest with a stack. */
static GPtrArray *parse_span(struct parser *p, const char *s, const char *end)
{
	GPtrArray *root = node_list();
	GPtrArray *stack = g_ptr_array_new();   /* open struct node* sections */
	GPtrArray *cur = root;
	GPtrArray *opened_at = g_ptr_array_new();  /* const char* of each open tag */
	while (s < end) {
		const char *open = g_strstr_len(s, end - s, "{{");
		if (!open) {
			add_text(cur, s, (size_t)(end - s));
			break;
		}
		add_text(cur, s, (size_t)(open - s));
		const char *close = g_strstr_len(open + 2, end - open - 2, "}}");
		const char *nl = memchr(open, '\n', (size_t)(end - open));
		if (!close || (nl && nl < close)) {
			parse_error(p, open, "'{{' is not closed by '}}' on the same line");
			break;
		}
		char sigil = open[2];
		const char *nm = open + 2 + (sigil == '#' || sigil == '^' || sigil == '/');
		char *name = g_strstrip(g_strndup(nm, (size_t)(close - nm)));
		if (!*name || strspn(name, "abcdefghijklmnopqrstuvwxyz"
				     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != strlen(name)) {
			parse_error(p, open, "'%s' is not a variable name", name);
		} else if (!known_variable(name)) {
			parse_error(p, nm, "unknown variable '%s'", name);
		} else if (sigil == '/') {
			struct node *top = stack->len ? g_ptr_array_index(stack, stack->len - 1) : NULL;
			if (!top || strcmp(top->text, name)) {
				parse_error(p, open, "'{{/%s}}' closes no open section%s%s", name,
					    top ? "; open is " : "", top ? top->text : "");
			} else {
				g_ptr_array_remove_index(stack, stack->len - 1);
				g_ptr_array_remove_index(opened_at, opened_at->len - 1);
				cur = stack->len ? ((struct node *)g_ptr_array_index(
					stack, stack->len - 1))->kids : root;
			}
		} else {
			struct node *node = g_new0(struct node, 1);
			node->kind = sigil == '#' ? N_IF : sigil == '^' ? N_UNLESS : N_VAR;
			node->text = g_strdup(name);
			g_ptr_array_add(cur, node);
			if (node->kind != N_VAR) {
				node->kids = node_list();
				g_ptr_array_add(stack, node);
				g_ptr_array_add(opened_at, (gpointer)open);
				cur = node->kids;
			}
		}
		g_free(name);
		s = close + 2;
	}
	for (unsigned i = 0; i < stack->len; i++)
		parse_error(p, g_ptr_array_index(opened_at, i), "section '%s' is never closed",
			    ((struct node *)g_ptr_array_index(stack, i))->text);
	g_ptr_array_free(stack, TRUE);
	g_ptr_array_free(opened_at, TRUE);
	return root;
}

/* parse_headers - the "Subject: ..." block of a mail template; returns where
 * the body starts. */
static const char *parse_headers(struct parser *p, struct template *t,
				 const char *s, const char *end)
{
	while (s < end) {
		const char *eol = memchr(s, '\n', (size_t)(end - s));
		const char *line_end = eol ? eol : end;
		const char *cr = line_end > s && line_end[-1] == '\r' ? line_end - 1 : line_end;
		if (cr == s)  /* blank line: the body follows */
			return eol ? eol + 1 : end;
		const char *colon = memchr(s, ':', (size_t)(cr - s));
		if (!colon) {
			parse_error(p, s, "expected a header line such as 'Subject: ...' "
				    "and a blank line before the body");
			return end;
		}
		if ((size_t)(colon - s) != 7 || g_ascii_strncasecmp(s, "Subject", 7)) {
			parse_error(p, s, "unknown header '%.*s' (only Subject is allowed)",
				    (int)(colon - s), s);
		} else if (t->subject) {
			parse_error(p, s, "Subject is given twice");
		} else {
			const char *v = colon + 1;
			while (v < cr && (*v == ' ' || *v == '\t'))
				v++;
			t->subject = parse_span(p, v, cr);
		}
		s = eol ? eol + 1 : end;
	}
	parse_error(p, end, "a mail template needs a blank line between headers and body");
	return end;
}

struct template *template_parse(const char *name, const char *text, size_t len,
				bool html, GPtrArray *errors)
{
	struct parser p = { .name = name, .start = text, .errors = errors };
	if (!g_utf8_validate(text, (gssize)len, NULL) || memchr(text, '\0', len)) {
		parse_error(&p, text, "file is not valid UTF-8 text");
		return NULL;
	}
	struct template *t = g_new0(struct template, 1);
	t->name = g_strdup(name);
	t->html = html;
	const char *body = text;
	if (!html) {
		body = parse_headers(&p, t, text, text + len);
		if (!t->subject && !p.failed)
			parse_error(&p, text, "a mail template needs a 'Subject:' line");
	}
	t->body = parse_span(&p, body, text + len);
	if (p.failed)
		template_free(&t);
	return t;
}

void template_free(struct template **tp)
{
	struct template *t = *tp;
	if (!t)
		return;
	g_free(t->name);
	if (t->subject)
		g_ptr_array_unref(t->subject);
	if (t->body)
		g_ptr_array_unref(t->body);
	g_free(t);
	*tp = NULL;
}

static void append_escaped(GString *out, const char *v)
{
	for (; *v; v++) {
		switch (*v) {
		case '&': g_string_append(out, "&amp;"); break;
		case '<': g_string_append(out, "&lt;"); break;
		case '>': g_string_append(out, "&gt;"); break;
		case '"': g_string_append(out, "&quot;"); break;
		case '\'': g_string_append(out, "&#39;"); break;
		default: g_string_append_c(out, *v);
		}
	}
}

static void render_list(const GPtrArray *list, GHashTable *vars, bool html, GString *out)
{
	for (unsigned i = 0; i < list->len; i++) {
		const struct node *n = g_ptr_array_index(list, i);
		const char *v = n->kind == N_TEXT ? NULL : g_hash_table_lookup(vars, n->text);
		bool set = v && *v;
		switch (n->kind) {
		case N_TEXT: g_string_append(out, n->text); break;
		case N_VAR:
			if (!v)
				break;
			if (html)
				append_escaped(out, v);
			else
				g_string_append(out, v);
			break;
		case N_IF: if (set) render_list(n->kids, vars, html, out); break;
		case N_UNLESS: if (!set) render_list(n->kids, vars, html, out); break;
		}
	}
}

char *template_render(const struct template *t, GHashTable *vars)
{
	GString *out = g_string_new(NULL);
	render_list(t->body, vars, t->html, out);
	return g_string_free(out, FALSE);
}

bool template_is_html(const struct template *t)
{
	return t->html;
}

char *template_render_subject(const struct template *t, GHashTable *vars)
{
	if (!t->subject)
		return NULL;
	GString *out = g_string_new(NULL);
	render_list(t->subject, vars, false, out);
	/* A header is one line whatever the values held. */
	for (gsize i = 0; i < out->len; i++)
		if (out->str[i] == '\r' || out->str[i] == '\n' || out->str[i] == '\t')
			out->str[i] = ' ';
	return g_string_free(out, FALSE);
}

/* ---- template sets --------------------------------------------------------- */

struct template_set {
	gint refs;
	char *default_lang;
	GHashTable *by_key;  /* "kind.lang" -> struct template* */
};

static void template_destroy(gpointer p)
{
	struct template *t = p;
	template_free(&t);
}

static struct template_set *set_new(const char *default_lang)
{
	struct template_set *s = g_new0(struct template_set, 1);
	s->refs = 1;
	s->default_lang = g_strdup(default_lang);
	s->by_key = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, template_destroy);
	return s;
}

/* load_one - "kind.lang.tmpl" into the set; false on error. */
static bool load_one(struct template_set *s, const char *dir, const char *file,
		     GPtrArray *errors)
{
	char *base = g_strndup(file, strlen(file) - 5);
	char *dot = strrchr(base, '.');
	bool ok = false;
	char *path = g_build_filename(dir, file, NULL);
	char *text = NULL;
	gsize len = 0;
	GError *err = NULL;
	if (!dot || dot == base || !dot[1]) {
		g_ptr_array_add(errors, g_strdup_printf("%s:1:1: name must be KIND.LANG.tmpl", path));
	} else if (!g_file_get_contents(path, &text, &len, &err)) {
		g_ptr_array_add(errors, g_strdup_printf("%s: %s", path, err->message));
		g_error_free(err);
	} else {
		*dot = '\0';
		struct template *t = template_parse(path, text, len,
						    g_str_has_suffix(base, "_html"), errors);
		*dot = '.';
		if (t) {
			g_hash_table_replace(s->by_key, g_strdup(base), t);
			ok = true;
		}
	}
	g_free(text);
	g_free(path);
	g_free(base);
	return ok;
}

struct template_set *template_set_load(const char *dir, const char *const *required,
				       const char *default_lang, GPtrArray *errors)
{
	GError *err = NULL;
	GDir *d = g_dir_open(dir, 0, &err);
	if (!d) {
		g_ptr_array_add(errors, g_strdup_printf("%s: %s", dir, err->message));
		g_error_free(err);
		return NULL;
	}
	struct template_set *s = set_new(default_lang);
	bool ok = true;
	const char *file;
	while ((file = g_dir_read_name(d)))
		if (g_str_has_suffix(file, ".tmpl"))
			ok &= load_one(s, dir, file, errors);
	g_dir_close(d);
	for (const char *const *kind = required; ok && kind && *kind; kind++) {
		char *key = g_strdup_printf("%s.%s", *kind, default_lang);
		if (!g_hash_table_contains(s->by_key, key)) {
			g_ptr_array_add(errors, g_strdup_printf("%s: missing template %s.tmpl",
								dir, key));
			ok = false;
		}
		g_free(key);
	}
	if (!ok)
		template_set_unref(&s);
	return s;
}

struct template_set *template_set_ref(struct template_set *s)
{
	g_atomic_int_inc(&s->refs);
	return s;
}

void template_set_unref(struct template_set **sp)
{
	struct template_set *s = *sp;
	if (!s)
		return;
	*sp = NULL;
	if (!g_atomic_int_dec_and_test(&s->refs))
		return;
	g_hash_table_unref(s->by_key);
	g_free(s->default_lang);
	g_free(s);
}

const struct template *template_set_get(const struct template_set *s,
					const char *kind, const char *lang)
{
	char *key = g_strdup_printf("%s.%s", kind, lang ? lang : s->default_lang);
	const struct template *t = g_hash_table_lookup(s->by_key, key);
	g_free(key);
	if (!t) {
		key = g_strdup_printf("%s.%s", kind, s->default_lang);
		t = g_hash_table_lookup(s->by_key, key);
		g_free(key);
	}
	return t;
}

unsigned template_set_count(const struct template_set *s)
{
	return g_hash_table_size(s->by_key);
}
