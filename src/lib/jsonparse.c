/* jsonparse - strict JSON parser with limits; see jsonparse.h.
 *
 * Recursive descent; recursion is bounded by max_depth. The whole input is
 * checked to be UTF-8 first, so string bytes can then be copied as they
 * are. Object members are indexed in a hash table keyed by a hash seeded
 * per document, so keys chosen to collide cannot make parsing quadratic. */
#include "lib/jsonparse.h"

#include <math.h>
#include <stdint.h>
#include <string.h>
#include <glib.h>

/* A member name with its hash computed once (the hash table's key). */
struct jkey {
	char *s;
	size_t len;
	guint hash;
};

struct jsonparse_value {
	enum jsonparse_type type;
	union {
		bool b;
		double n;
		struct {
			char *s;
			size_t len;
		} str;
		struct {
			GPtrArray *items;  /* struct jsonparse_value * */
			GPtrArray *keys;   /* struct jkey *, objects only */
			GHashTable *index; /* struct jkey * -> value, objects only */
			guint seed;        /* of the keys' hashes */
		} c;
	} u;
};

struct parser {
	const char *p, *start, *end;
	unsigned depth;
	size_t values;
	struct jsonparse_limits lim;
	guint seed;
	char *error;
};

#define MAX_NUMBER_CHARS 1024

static void value_free(struct jsonparse_value *v);

static bool fail(struct parser *ps, const char *at, const char *fmt, ...)
	G_GNUC_PRINTF(3, 4);

/* fail - record the first error, at byte offset at. Returns false. */
static bool fail(struct parser *ps, const char *at, const char *fmt, ...)
{
	if (ps->error)
		return false;
	va_list ap;
	va_start(ap, fmt);
	char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	ps->error = g_strdup_printf("byte %zu: %s", (size_t)(at - ps->start), msg);
	g_free(msg);
	return false;
}

static void skip_blanks(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' ||
				   *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

/* key_hash - FNV-1a from a per-document seed. */
static guint key_hash_bytes(guint seed, const char *s, size_t len)
{
	guint32 h = 2166136261u ^ seed;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

static guint jkey_hash(gconstpointer k)
{
	return ((const struct jkey *)k)->hash;
}

static gboolean jkey_equal(gconstpointer a, gconstpointer b)
{
	const struct jkey *x = a, *y = b;
	return x->len == y->len && memcmp(x->s, y->s, x->len) == 0;
}

static struct jsonparse_value *new_value(struct parser *ps, enum jsonparse_type t,
					 const char *at)
{
	if (ps->values >= ps->lim.max_values) {
		fail(ps, at, "more than %zu values", ps->lim.max_values);
		return NULL;
	}
	ps->values++;
	struct jsonparse_value *v = g_new0(struct jsonparse_value, 1);
	v->type = t;
	return v;
}

static int hex4(const char *p)
{
	int v = 0;
	for (int i = 0; i < 4; i++) {
		int d = g_ascii_xdigit_value(p[i]);
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* parse_uescape - ps->p at the 'u' of \uXXXX; appends the character
 * (joining a surrogate pair) to out. */
static bool parse_uescape(struct parser *ps, GString *out)
{
	const char *at = ps->p - 1;
	if (ps->end - ps->p < 5 || hex4(ps->p + 1) < 0)
		return fail(ps, at, "bad \\u escape (four hex digits expected)");
	gunichar c = (gunichar)hex4(ps->p + 1);
	ps->p += 5;
	if (c >= 0xDC00 && c <= 0xDFFF)
		return fail(ps, at, "lone low surrogate \\u%04X", c);
	if (c >= 0xD800 && c <= 0xDBFF) {
		if (ps->end - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u' ||
		    hex4(ps->p + 2) < 0)
			return fail(ps, at, "high surrogate \\u%04X not followed by a low one", c);
		gunichar lo = (gunichar)hex4(ps->p + 2);
		if (lo < 0xDC00 || lo > 0xDFFF)
			return fail(ps, at, "high surrogate \\u%04X not followed by a low one", c);
		c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
		ps->p += 6;
	}
	if (c == 0)
		return fail(ps, at, "\\u0000 (NUL) is not allowed in strings");
	char buf[6];
	g_string_append_len(out, buf, g_unichar_to_utf8(c, buf));
	return true;
}

static bool parse_escape(struct parser *ps, GString *out)
{
	const char *at = ps->p;
	ps->p++; /* the backslash */
	if (ps->p >= ps->end)
		return fail(ps, at, "unterminated string");
	char c = *ps->p;
	const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
	const char *k = c ? strchr(from, c) : NULL;
	if (k) {
		g_string_append_c(out, to[k - from]);
		ps->p++;
		return true;
	}
	if (c == 'u')
		return parse_uescape(ps, out);
	return fail(ps, at, "bad escape \\%c", g_ascii_isprint(c) ? c : '?');
}

/* parse_string - ps->p at the opening quote; *s/len get the decoded text. */
static bool parse_string(struct parser *ps, char **s, size_t *len)
{
	const char *open = ps->p++;
	GString *out = g_string_new(NULL);
	for (;;) {
		if (ps->p >= ps->end) {
			g_string_free(out, TRUE);
			return fail(ps, open, "unterminated string");
		}
		unsigned char c = (unsigned char)*ps->p;
		bool ok = true;
		if (c == '"') {
			ps->p++;
			break;
		} else if (c < 0x20) {
			ok = fail(ps, ps->p, "control character 0x%02X in string", c);
		} else if (c == '\\') {
			ok = parse_escape(ps, out);
		} else {
			/* copy a run of plain bytes (valid UTF-8, checked up front) */
			const char *q = ps->p;
			while (q < ps->end && *q != '"' && *q != '\\' &&
			       (unsigned char)*q >= 0x20)
				q++;
			g_string_append_len(out, ps->p, q - ps->p);
			ps->p = q;
		}
		if (ok && out->len > ps->lim.max_string)
			ok = fail(ps, open, "string longer than %zu bytes", ps->lim.max_string);
		if (!ok) {
			g_string_free(out, TRUE);
			return false;
		}
	}
	*len = out->len;
	*s = g_string_free(out, FALSE);
	return true;
}

static bool digits(struct parser *ps)
{
	const char *q = ps->p;
	while (ps->p < ps->end && g_ascii_isdigit(*ps->p))
		ps->p++;
	return ps->p > q;
}

static struct jsonparse_value *parse_number(struct parser *ps)
{
	const char *at = ps->p;
	if (ps->p < ps->end && *ps->p == '-')
		ps->p++;
	if (ps->p < ps->end && *ps->p == '0') {
		ps->p++;
		if (ps->p < ps->end && g_ascii_isdigit(*ps->p))
			return fail(ps, at, "leading zero in number"), NULL;
	} else if (!digits(ps)) {
		return fail(ps, at, "bad number"), NULL;
	}
	if (ps->p < ps->end && *ps->p == '.') {
		ps->p++;
		if (!digits(ps))
			return fail(ps, at, "digits expected after '.'"), NULL;
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		ps->p++;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			ps->p++;
		if (!digits(ps))
			return fail(ps, at, "digits expected in exponent"), NULL;
	}
	size_t n = (size_t)(ps->p - at);
	if (n > MAX_NUMBER_CHARS)
		return fail(ps, at, "number longer than %d characters", MAX_NUMBER_CHARS), NULL;
	char buf[MAX_NUMBER_CHARS + 1];
	memcpy(buf, at, n);
	buf[n] = '\0';
	double d = g_ascii_strtod(buf, NULL);
	if (isinf(d) || isnan(d))
		return fail(ps, at, "number out of range"), NULL;
	struct jsonparse_value *v = new_value(ps, JSONPARSE_NUMBER, at);
	if (v)
		v->u.n = d;
	return v;
}

static struct jsonparse_value *parse_literal(struct parser *ps)
{
	static const struct { const char *word; enum jsonparse_type t; bool b; } lit[] = {
		{ "true", JSONPARSE_BOOL, true }, { "false", JSONPARSE_BOOL, false },
		{ "null", JSONPARSE_NULL, false },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(lit); i++) {
		size_t n = strlen(lit[i].word);
		if ((size_t)(ps->end - ps->p) >= n && memcmp(ps->p, lit[i].word, n) == 0) {
			struct jsonparse_value *v = new_value(ps, lit[i].t, ps->p);
			ps->p += n;
			if (v)
				v->u.b = lit[i].b;
			return v;
		}
	}
	fail(ps, ps->p, "unexpected character '%c'",
	     g_ascii_isprint(*ps->p) ? *ps->p : '?');
	return NULL;
}

static struct jsonparse_value *parse_value(struct parser *ps);

/* expect_more - after a member or element: true and ps->p past ',' when
 * another follows; false with *done when close was seen. */
static bool next_item(struct parser *ps, char close, bool *done)
{
	skip_blanks(ps);
	if (ps->p < ps->end && *ps->p == ',') {
		ps->p++;
		skip_blanks(ps);
		if (ps->p < ps->end && *ps->p == close)
			return fail(ps, ps->p, "trailing comma");
		return true;
	}
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		*done = true;
		return true;
	}
	return fail(ps, ps->p, ps->p < ps->end ? "',' or '%c' expected" :
		    "unexpected end of input, '%c' expected", close);
}

static bool parse_member(struct parser *ps, struct jsonparse_value *obj)
{
	skip_blanks(ps);
	const char *at = ps->p;
	if (ps->p >= ps->end || *ps->p != '"')
		return fail(ps, at, "member name (a string) expected");
	struct jkey *k = g_new0(struct jkey, 1);
	if (!parse_string(ps, &k->s, &k->len)) {
		g_free(k);
		return false;
	}
	k->hash = key_hash_bytes(ps->seed, k->s, k->len);
	if (g_hash_table_contains(obj->u.c.index, k)) {
		fail(ps, at, "duplicate key \"%.64s\"", k->s);
		g_free(k->s);
		g_free(k);
		return false;
	}
	g_ptr_array_add(obj->u.c.keys, k);
	skip_blanks(ps);
	if (ps->p >= ps->end || *ps->p != ':')
		return fail(ps, ps->p, "':' expected after member name");
	ps->p++;
	struct jsonparse_value *v = parse_value(ps);
	if (!v)
		return false;
	g_ptr_array_add(obj->u.c.items, v);
	g_hash_table_insert(obj->u.c.index, k, v);
	return true;
}

static struct jsonparse_value *parse_container(struct parser *ps, bool object)
{
	const char *at = ps->p;
	if (ps->depth >= ps->lim.max_depth)
		return fail(ps, at, "nested deeper than %u", ps->lim.max_depth), NULL;
	struct jsonparse_value *v = new_value(ps, object ? JSONPARSE_OBJECT :
					      JSONPARSE_ARRAY, at);
	if (!v)
		return NULL;
	v->u.c.items = g_ptr_array_new();
	if (object) {
		v->u.c.keys = g_ptr_array_new();
		v->u.c.index = g_hash_table_new(jkey_hash, jkey_equal);
		v->u.c.seed = ps->seed;
	}
	ps->depth++;
	ps->p++;
	char close = object ? '}' : ']';
	skip_blanks(ps);
	bool done = ps->p < ps->end && *ps->p == close, ok = true;
	if (done)
		ps->p++;
	while (!done && ok) {
		if (object) {
			ok = parse_member(ps, v);
		} else {
			struct jsonparse_value *e = parse_value(ps);
			ok = e != NULL;
			if (e)
				g_ptr_array_add(v->u.c.items, e);
		}
		ok = ok && next_item(ps, close, &done);
	}
	ps->depth--;
	if (!ok) {
		value_free(v);
		return NULL;
	}
	return v;
}

static struct jsonparse_value *parse_value(struct parser *ps)
{
	skip_blanks(ps);
	if (ps->p >= ps->end) {
		fail(ps, ps->p, "unexpected end of input, a value expected");
		return NULL;
	}
	char c = *ps->p;
	if (c == '{' || c == '[')
		return parse_container(ps, c == '{');
	if (c == '"') {
		const char *at = ps->p;
		char *s;
		size_t len;
		if (!parse_string(ps, &s, &len))
			return NULL;
		struct jsonparse_value *v = new_value(ps, JSONPARSE_STRING, at);
		if (!v) {
			g_free(s);
			return NULL;
		}
		v->u.str.s = s;
		v->u.str.len = len;
		return v;
	}
	if (c == '-' || g_ascii_isdigit(c))
		return parse_number(ps);
	return parse_literal(ps);
}

static void set_limits(struct jsonparse_limits *out, const struct jsonparse_limits *in)
{
	memset(out, 0, sizeof *out);
	if (in)
		*out = *in;
	if (!out->max_bytes)
		out->max_bytes = JSONPARSE_DEFAULT_MAX_BYTES;
	if (!out->max_depth)
		out->max_depth = JSONPARSE_DEFAULT_MAX_DEPTH;
	if (!out->max_string)
		out->max_string = JSONPARSE_DEFAULT_MAX_STRING;
	if (!out->max_values)
		out->max_values = JSONPARSE_DEFAULT_MAX_VALUES;
}

struct jsonparse_value *jsonparse_parse(const char *data, size_t len,
					const struct jsonparse_limits *lim,
					char **error_r)
{
	struct parser ps = { .p = data, .start = data, .end = data + len,
			     .seed = g_random_int() };
	set_limits(&ps.lim, lim);
	struct jsonparse_value *v = NULL;
	const char *bad = NULL;
	if (!data && len)
		fail(&ps, data, "no data");
	else if (len > ps.lim.max_bytes)
		fail(&ps, data, "document longer than %zu bytes", ps.lim.max_bytes);
	else if (len && !g_utf8_validate_len(data, len, &bad))
		fail(&ps, bad, *bad ? "invalid UTF-8" : "NUL byte");
	else if ((v = parse_value(&ps)) != NULL) {
		skip_blanks(&ps);
		if (ps.p < ps.end)
			fail(&ps, ps.p, "unexpected data after the document");
	}
	if (ps.error) {
		value_free(v);
		if (error_r)
			*error_r = ps.error;
		else
			g_free(ps.error);
		return NULL;
	}
	return v;
}

static void value_free(struct jsonparse_value *v)
{
	if (!v)
		return;
	if (v->type == JSONPARSE_STRING) {
		g_free(v->u.str.s);
	} else if (v->type == JSONPARSE_ARRAY || v->type == JSONPARSE_OBJECT) {
		for (guint i = 0; i < v->u.c.items->len; i++)
			value_free(g_ptr_array_index(v->u.c.items, i));
		g_ptr_array_unref(v->u.c.items);
		if (v->u.c.keys) {
			for (guint i = 0; i < v->u.c.keys->len; i++) {
				struct jkey *k = g_ptr_array_index(v->u.c.keys, i);
				g_free(k->s);
				g_free(k);
			}
			g_ptr_array_unref(v->u.c.keys);
			g_hash_table_unref(v->u.c.index);
		}
	}
	g_free(v);
}

void jsonparse_free(struct jsonparse_value **v)
{
	if (v) {
		value_free(*v);
		*v = NULL;
	}
}

enum jsonparse_type jsonparse_type(const struct jsonparse_value *v)
{
	return v ? v->type : JSONPARSE_NULL;
}

const char *jsonparse_type_name(enum jsonparse_type t)
{
	static const char *const names[] = { "null", "boolean", "number",
					     "string", "array", "object" };
	return (unsigned)t < G_N_ELEMENTS(names) ? names[t] : "?";
}

bool jsonparse_bool(const struct jsonparse_value *v)
{
	return v && v->type == JSONPARSE_BOOL && v->u.b;
}

double jsonparse_number(const struct jsonparse_value *v)
{
	return v && v->type == JSONPARSE_NUMBER ? v->u.n : 0;
}

const char *jsonparse_string(const struct jsonparse_value *v, size_t *len)
{
	if (!v || v->type != JSONPARSE_STRING)
		return NULL;
	if (len)
		*len = v->u.str.len;
	return v->u.str.s;
}

size_t jsonparse_length(const struct jsonparse_value *v)
{
	if (!v || (v->type != JSONPARSE_ARRAY && v->type != JSONPARSE_OBJECT))
		return 0;
	return v->u.c.items->len;
}

const struct jsonparse_value *jsonparse_index(const struct jsonparse_value *v,
					      size_t i)
{
	if (i >= jsonparse_length(v))
		return NULL;
	return g_ptr_array_index(v->u.c.items, i);
}

const char *jsonparse_key(const struct jsonparse_value *v, size_t i)
{
	if (!v || v->type != JSONPARSE_OBJECT || i >= v->u.c.keys->len)
		return NULL;
	return ((struct jkey *)g_ptr_array_index(v->u.c.keys, i))->s;
}

const struct jsonparse_value *jsonparse_get(const struct jsonparse_value *v,
					    const char *key)
{
	if (!v || v->type != JSONPARSE_OBJECT || !key)
		return NULL;
	struct jkey k = { .s = (char *)key, .len = strlen(key) };
	k.hash = key_hash_bytes(v->u.c.seed, k.s, k.len);
	return g_hash_table_lookup(v->u.c.index, &k);
}
