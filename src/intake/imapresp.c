/* imapresp - incremental parser of IMAP server responses; see imapresp.h.
 *
 * A response is a line that may contain {n} literals: "... {n}\r\n" is
 * followed by n raw bytes, after which the same response continues. The
 * text parts are collected in one string where each literal is replaced by
 * a NUL byte (text NULs are turned into '?'), and the literals are kept
 * aside in order; the tokenizer maps the k-th NUL to the k-th literal. */
#include "intake/imapresp.h"

#include <glib.h>
#include <string.h>

#define TAGGED_MAX 1024
#define CAPS_MAX 4096
#define LITERAL_MAX_DIGITS 10

struct literal {
	GByteArray *data; /* all of it, or its head when over max_literal; may be NULL then */
	bool over;        /* longer than max_literal */
	uint64_t size;
};

struct imapresp {
	size_t max_literal, max_head, max_line;
	imapresp_fetch_cb cb;
	void *ctx;

	GString *seg;     /* the current line, up to its LF */
	GString *text;    /* the response so far, literals as NUL */
	GArray *lits;     /* struct literal, in order */
	bool in_literal;
	uint64_t lit_left;
	bool failed;

	uint32_t exists, uidvalidity, uidnext;
	GString *caps;    /* " CAP1 CAP2 " upper-cased, for word search */
	GString *tagged;
	GString *refused; /* last tagged NO/BAD */
	unsigned ntagged, nfetch, nbad;
};

static void lits_clear(GArray *lits)
{
	for (guint i = 0; i < lits->len; i++) {
		struct literal *l = &g_array_index(lits, struct literal, i);
		if (l->data)
			g_byte_array_unref(l->data);
	}
	g_array_set_size(lits, 0);
}

struct imapresp *imapresp_new(size_t max_literal, size_t max_head, size_t max_line)
{
	struct imapresp *p = g_new0(struct imapresp, 1);
	p->max_literal = max_literal;
	p->max_head = MIN(max_head, max_literal);
	p->max_line = max_line < 64 ? 64 : max_line;
	p->seg = g_string_new(NULL);
	p->text = g_string_new(NULL);
	p->lits = g_array_new(FALSE, TRUE, sizeof(struct literal));
	p->caps = g_string_new(NULL);
	p->tagged = g_string_new(NULL);
	p->refused = g_string_new(NULL);
	return p;
}

void imapresp_free(struct imapresp **pp)
{
	struct imapresp *p = pp ? *pp : NULL;
	if (!p)
		return;
	lits_clear(p->lits);
	g_array_free(p->lits, TRUE);
	g_string_free(p->seg, TRUE);
	g_string_free(p->text, TRUE);
	g_string_free(p->caps, TRUE);
	g_string_free(p->tagged, TRUE);
	g_string_free(p->refused, TRUE);
	g_free(p);
	*pp = NULL;
}

void imapresp_set_fetch_cb(struct imapresp *p, imapresp_fetch_cb cb, void *ctx)
{
	p->cb = cb;
	p->ctx = ctx;
}

void imapresp_reset(struct imapresp *p)
{
	g_string_truncate(p->seg, 0);
	g_string_truncate(p->text, 0);
	lits_clear(p->lits);
	p->in_literal = false;
	p->lit_left = 0;
	p->failed = false;
	p->exists = p->uidvalidity = p->uidnext = 0;
	g_string_truncate(p->tagged, 0);
	g_string_truncate(p->refused, 0);
	p->ntagged = p->nfetch = p->nbad = 0;
	/* capabilities survive: they describe the server, not the command */
}

/* ---- tokenizer over one complete response ------------------------------ */

struct cur {
	const char *s;
	size_t len, pos;
	unsigned lit;          /* index of the next literal */
	const struct imapresp *p;
};

static int peek(const struct cur *c)
{
	return c->pos < c->len ? (unsigned char)c->s[c->pos] : -1;
}

static void skip_sp(struct cur *c)
{
	while (peek(c) == ' ')
		c->pos++;
}

static bool is_atom_end(int ch)
{
	return ch < 0 || ch == ' ' || ch == '(' || ch == ')' || ch == '\0' ||
	       ch == '"' || ch == '{';
}

/* number - an unsigned decimal of at most 19 digits. */
static bool number(struct cur *c, uint64_t *out)
{
	uint64_t v = 0;
	size_t start = c->pos;
	while (g_ascii_isdigit(peek(c)) && c->pos - start < 19)
		v = v * 10 + (uint64_t)(c->s[c->pos++] - '0');
	if (c->pos == start || g_ascii_isdigit(peek(c)))
		return false;
	*out = v;
	return true;
}

static bool number32(struct cur *c, uint32_t *out)
{
	uint64_t v;
	if (!number(c, &v) || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* atom - [start, end) of an atom; brackets may hold spaces and parens
 * (BODY[HEADER.FIELDS (FROM)]), and a <partial> may follow. */
static bool atom(struct cur *c, size_t *start, size_t *end)
{
	*start = c->pos;
	int depth = 0;
	for (int ch = peek(c); ch >= 0 && ch != '\0'; ch = peek(c)) {
		if (ch == '[')
			depth++;
		else if (ch == ']')
			depth--;
		else if (depth == 0 && is_atom_end(ch))
			break;
		c->pos++;
	}
	*end = c->pos;
	return depth == 0 && *end > *start;
}

static bool atom_is(const struct cur *c, size_t a, size_t b, const char *word)
{
	size_t n = strlen(word);
	return b - a == n && g_ascii_strncasecmp(c->s + a, word, n) == 0;
}

/* quoted - a quoted string, unescaped into out (may be NULL to skip). */
static bool quoted(struct cur *c, GString *out)
{
	if (peek(c) != '"')
		return false;
	c->pos++;
	for (int ch = peek(c); ch >= 0; ch = peek(c)) {
		c->pos++;
		if (ch == '"')
			return true;
		if (ch == '\0')
			return false;
		if (ch == '\\') {
			ch = peek(c);
			if (ch != '"' && ch != '\\')
				return false;
			c->pos++;
		}
		if (out)
			g_string_append_c(out, (char)ch);
	}
	return false;
}

static const struct literal *literal(struct cur *c)
{
	if (peek(c) != '\0' || c->lit >= c->p->lits->len)
		return NULL;
	c->pos++;
	return &g_array_index(c->p->lits, struct literal, c->lit++);
}

/* skip_value - any value: atom, number, NIL, string, literal, list. */
static bool skip_value(struct cur *c, unsigned depth)
{
	int ch = peek(c);
	size_t a, b;
	if (depth > 64)
		return false;
	if (ch == '"')
		return quoted(c, NULL);
	if (ch == '\0')
		return literal(c) != NULL;
	if (ch != '(')
		return atom(c, &a, &b);
	c->pos++;
	for (;;) {
		skip_sp(c);
		ch = peek(c);
		if (ch == ')') {
			c->pos++;
			return true;
		}
		if (ch < 0 || !skip_value(c, depth + 1))
			return false;
	}
}

/* ---- responses -------------------------------------------------------- */

struct fetch_state {
	struct imapresp_fetch f;
	GString *tmp;
};

static bool fetch_body(struct cur *c, struct fetch_state *st)
{
	size_t a, b;
	const struct literal *l;
	st->f.has_body = true;
	if (peek(c) == '"') {
		g_string_truncate(st->tmp, 0);
		if (!quoted(c, st->tmp))
			return false;
		st->f.body = st->tmp->str;
		st->f.body_len = st->tmp->len;
		return true;
	}
	if ((l = literal(c)) != NULL) {
		st->f.body = l->data ? (const char *)l->data->data : NULL;
		st->f.body_len = l->data ? l->data->len : 0;
		st->f.body_size = (size_t)l->size;
		st->f.body_oversized = l->over;
		return true;
	}
	if (atom(c, &a, &b) && atom_is(c, a, b, "NIL"))
		return true;
	return false;
}

static bool fetch_item(struct cur *c, struct fetch_state *st, GString *flags)
{
	size_t a, b, fa;
	uint64_t v;
	if (!atom(c, &a, &b) || peek(c) != ' ')
		return false;
	c->pos++;
	if (atom_is(c, a, b, "UID"))
		return number32(c, &st->f.uid) && st->f.uid != 0;
	if (atom_is(c, a, b, "RFC822.SIZE")) {
		if (!number(c, &v))
			return false;
		st->f.rfc822_size = (int64_t)v;
		return true;
	}
	if (atom_is(c, a, b, "INTERNALDATE")) {
		GString *d = g_string_new(NULL);
		bool ok = quoted(c, d);
		if (ok)
			st->f.internaldate = imapresp_parse_date(d->str, d->len);
		g_string_free(d, TRUE);
		return ok;
	}
	if (atom_is(c, a, b, "FLAGS")) {
		fa = c->pos;
		if (peek(c) != '(' || !skip_value(c, 0))
			return false;
		g_string_truncate(flags, 0);
		g_string_append_len(flags, c->s + fa + 1, (gssize)(c->pos - fa - 2));
		st->f.flags = flags->str;
		return true;
	}
	if (atom_is(c, a, b, "BODY[]") || atom_is(c, a, b, "BODY[]<0>") ||
	    atom_is(c, a, b, "RFC822"))
		return fetch_body(c, st);
	return skip_value(c, 0);
}

static void on_fetch(struct imapresp *p, struct cur *c, uint32_t seq)
{
	struct fetch_state st = { .tmp = g_string_new(NULL) };
	GString *flags = g_string_new(NULL);
	bool ok = false;
	st.f.seq = seq;
	st.f.internaldate = INT64_MIN;
	st.f.rfc822_size = -1;
	if (peek(c) == '(') {
		c->pos++;
		for (;;) {
			skip_sp(c);
			if (peek(c) == ')') {
				c->pos++;
				skip_sp(c);
				ok = c->pos == c->len;
				break;
			}
			if (!fetch_item(c, &st, flags))
				break;
		}
	}
	if (ok) {
		p->nfetch++;
		if (p->cb)
			p->cb(&st.f, p->ctx);
	} else {
		p->nbad++;
	}
	g_string_free(st.tmp, TRUE);
	g_string_free(flags, TRUE);
}

static void set_caps(struct imapresp *p, const char *s, size_t n)
{
	g_string_assign(p->caps, " ");
	g_string_append_len(p->caps, s, (gssize)MIN(n, (size_t)CAPS_MAX));
	g_string_append_c(p->caps, ' ');
	for (gsize i = 0; i < p->caps->len; i++)
		p->caps->str[i] = g_ascii_toupper(p->caps->str[i]);
}

/* resp_code - "[UIDVALIDITY n]", "[UIDNEXT n]", "[CAPABILITY ...]". */
static void resp_code(struct imapresp *p, struct cur *c)
{
	size_t a, b;
	uint32_t v;
	if (peek(c) != '[')
		return;
	c->pos++;
	a = c->pos;
	while (peek(c) >= 0 && peek(c) != ' ' && peek(c) != ']')
		c->pos++;
	b = c->pos;
	skip_sp(c);
	if (atom_is(c, a, b, "UIDVALIDITY") && number32(c, &v))
		p->uidvalidity = v;
	else if (atom_is(c, a, b, "UIDNEXT") && number32(c, &v))
		p->uidnext = v;
	else if (atom_is(c, a, b, "CAPABILITY")) {
		const char *end = memchr(c->s + c->pos, ']', c->len - c->pos);
		if (end)
			set_caps(p, c->s + c->pos, (size_t)(end - (c->s + c->pos)));
	}
}

static void on_untagged(struct imapresp *p, struct cur *c)
{
	size_t a, b;
	uint32_t n;
	if (g_ascii_isdigit(peek(c))) {
		if (!number32(c, &n) || peek(c) != ' ') {
			p->nbad++;
			return;
		}
		c->pos++;
		if (!atom(c, &a, &b))
			return;
		if (atom_is(c, a, b, "EXISTS"))
			p->exists = n;
		else if (atom_is(c, a, b, "FETCH")) {
			skip_sp(c);
			on_fetch(p, c, n);
		}
		return;
	}
	if (!atom(c, &a, &b))
		return;
	skip_sp(c);
	if (atom_is(c, a, b, "CAPABILITY"))
		set_caps(p, c->s + c->pos, c->len - c->pos);
	else if (atom_is(c, a, b, "OK") || atom_is(c, a, b, "NO") ||
		 atom_is(c, a, b, "BAD") || atom_is(c, a, b, "PREAUTH"))
		resp_code(p, c);
}

static void on_response(struct imapresp *p)
{
	struct cur c = { p->text->str, p->text->len, 0, 0, p };
	if (c.len >= 2 && c.s[0] == '*' && c.s[1] == ' ') {
		c.pos = 2;
		on_untagged(p, &c);
	} else if (c.len >= 1 && c.s[0] == '+') {
		/* continuation request: nothing for us */
	} else {
		g_string_truncate(p->tagged, 0);
		g_string_append_len(p->tagged, c.s, (gssize)MIN(c.len, (size_t)TAGGED_MAX));
		for (gsize i = 0; i < p->tagged->len; i++)
			if (p->tagged->str[i] == '\0')
				p->tagged->str[i] = '?';
		p->ntagged++;
		const char *sp = strchr(p->tagged->str, ' ');
		if (sp && (g_ascii_strncasecmp(sp, " NO", 3) == 0 ||
			   g_ascii_strncasecmp(sp, " BAD", 4) == 0))
			g_string_assign(p->refused, p->tagged->str);
	}
	g_string_truncate(p->text, 0);
	lits_clear(p->lits);
}

/* literal_size - if line ends in "{n}" or "{n+}", its size and where the
 * brace starts. */
static bool literal_size(const char *s, size_t n, uint64_t *size, size_t *brace)
{
	size_t i;
	uint64_t v = 0;
	if (n < 3 || s[n - 1] != '}')
		return false;
	i = n - 1;
	if (s[i - 1] == '+')
		i--;
	size_t end = i;
	while (i > 0 && g_ascii_isdigit(s[i - 1]))
		i--;
	if (i == 0 || s[i - 1] != '{' || i == end || end - i > LITERAL_MAX_DIGITS)
		return false;
	for (size_t k = i; k < end; k++)
		v = v * 10 + (uint64_t)(s[k] - '0');
	*size = v;
	*brace = i - 1;
	return true;
}

static void start_literal(struct imapresp *p, uint64_t size)
{
	struct literal l = { .size = size, .over = size > p->max_literal };
	if (!l.over || p->max_head)
		l.data = g_byte_array_sized_new((guint)MIN(size, (uint64_t)(1u << 20)));
	g_array_append_val(p->lits, l);
	g_string_append_c(p->text, '\0');
	p->in_literal = size > 0;
	p->lit_left = size;
}

/* end_segment - a line (without its LF) is complete. */
static int end_segment(struct imapresp *p)
{
	GString *s = p->seg;
	uint64_t size;
	size_t brace;
	if (s->len && s->str[s->len - 1] == '\r')
		g_string_truncate(s, s->len - 1);
	for (gsize i = 0; i < s->len; i++)
		if (s->str[i] == '\0')
			s->str[i] = '?';
	if (p->text->len + s->len > p->max_line)
		return -1;
	if (literal_size(s->str, s->len, &size, &brace)) {
		g_string_append_len(p->text, s->str, (gssize)brace);
		start_literal(p, size);
	} else {
		g_string_append_len(p->text, s->str, (gssize)s->len);
		on_response(p);
	}
	g_string_truncate(s, 0);
	return 0;
}

int imapresp_feed(struct imapresp *p, const char *data, size_t len)
{
	while (len > 0 && !p->failed) {
		if (p->in_literal) {
			size_t take = (size_t)MIN((uint64_t)len, p->lit_left);
			struct literal *l = &g_array_index(p->lits, struct literal,
							   p->lits->len - 1);
			size_t keep = !l->data ? 0 : !l->over ? take
				      : MIN(take, p->max_head - MIN(p->max_head, l->data->len));
			if (keep)
				g_byte_array_append(l->data, (const guint8 *)data, (guint)keep);
			p->lit_left -= take;
			p->in_literal = p->lit_left > 0;
			data += take;
			len -= take;
			continue;
		}
		const char *nl = memchr(data, '\n', len);
		size_t take = nl ? (size_t)(nl - data) + 1 : len;
		if (p->seg->len + take > p->max_line + 2) {
			p->failed = true;
			break;
		}
		g_string_append_len(p->seg, data, (gssize)(nl ? take - 1 : take));
		data += take;
		len -= take;
		if (nl && end_segment(p) < 0)
			p->failed = true;
	}
	return p->failed ? -1 : 0;
}

bool imapresp_idle(const struct imapresp *p)
{
	return !p->failed && !p->in_literal && p->seg->len == 0 && p->text->len == 0;
}

bool imapresp_failed(const struct imapresp *p) { return p->failed; }
uint32_t imapresp_exists(const struct imapresp *p) { return p->exists; }
uint32_t imapresp_uidvalidity(const struct imapresp *p) { return p->uidvalidity; }
uint32_t imapresp_uidnext(const struct imapresp *p) { return p->uidnext; }
const char *imapresp_tagged(const struct imapresp *p) { return p->tagged->str; }
const char *imapresp_refused(const struct imapresp *p) { return p->refused->str; }
unsigned imapresp_tagged_count(const struct imapresp *p) { return p->ntagged; }
unsigned imapresp_fetch_count(const struct imapresp *p) { return p->nfetch; }
unsigned imapresp_bad_count(const struct imapresp *p) { return p->nbad; }

bool imapresp_has_capability(const struct imapresp *p, const char *cap)
{
	char *word = g_strdup_printf(" %s ", cap);
	for (char *q = word; *q; q++)
		*q = g_ascii_toupper(*q);
	bool found = strstr(p->caps->str, word) != NULL;
	g_free(word);
	return found;
}

/* ---- INTERNALDATE ------------------------------------------------------ */

/* days_since_epoch - days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_since_epoch(int64_t y, int m, int d)
{
	static const int before[12] = { 0, 31, 59, 90, 120, 151, 181, 212,
					243, 273, 304, 334 };
	int64_t yy = y - 1; /* leap days before year y, counted from year 1 */
	int64_t leaps = yy / 4 - yy / 100 + yy / 400;
	int64_t days = 365 * yy + leaps + before[m - 1] + (d - 1);
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (leap && m > 2)
		days++;
	return days - 719162; /* days from 0001-01-01 to 1970-01-01 */
}

static bool digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!g_ascii_isdigit(s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

int64_t imapresp_parse_date(const char *s, size_t len)
{
	static const char *const mon[12] = { "Jan", "Feb", "Mar", "Apr", "May",
		"Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	char b[27];
	int d, m = -1, y, hh, mm, ss, zh, zm;
	/* "dd-Mon-yyyy hh:mm:ss +zzzz", day may be " d" or "d" */
	if (len == 25) {
		b[0] = '0';
		memcpy(b + 1, s, 25);
	} else if (len == 26) {
		memcpy(b, s, 26);
		if (b[0] == ' ')
			b[0] = '0';
	} else {
		return INT64_MIN;
	}
	b[26] = '\0';
	if (b[2] != '-' || b[6] != '-' || b[11] != ' ' || b[14] != ':' ||
	    b[17] != ':' || b[20] != ' ' || (b[21] != '+' && b[21] != '-'))
		return INT64_MIN;
	for (int i = 0; i < 12; i++)
		if (g_ascii_strncasecmp(b + 3, mon[i], 3) == 0)
			m = i;
	if (m < 0 || !digits(b, 2, &d) || !digits(b + 7, 4, &y) ||
	    !digits(b + 12, 2, &hh) || !digits(b + 15, 2, &mm) ||
	    !digits(b + 18, 2, &ss) || !digits(b + 22, 2, &zh) ||
	    !digits(b + 24, 2, &zm))
		return INT64_MIN;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (d < 1 || d > mdays[m] || (m == 1 && d == 29 && !leap) || hh > 23 || mm > 59 || ss > 60 || zm > 59)
		return INT64_MIN;
	int64_t t = days_since_epoch(y, m + 1, d) * 86400 + hh * 3600 + mm * 60 + ss;
	int64_t off = (int64_t)zh * 3600 + zm * 60;
	return b[21] == '+' ? t - off : t + off;
}
