/* htmltext - plain text from HTML. */
#include "mail/htmltext.h"

#include <stdbool.h>
#include <string.h>
#include <glib.h>

struct out {
	GString *s;
	unsigned pending_nl; /* line breaks owed before the next text */
	bool pending_space;
	bool pre;            /* inside <pre>: keep white space */
};

/* Elements whose content is never shown. */
static const char *const hidden[] = { "script", "style", "head", "title",
				      "template", "noscript", "xml" };
/* Elements that start a new paragraph. */
static const char *const blocks[] = {
	"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol",
	"blockquote", "pre", "hr", "section", "article", "header", "footer",
	"form", "dl", "address", "center", "body", "html", "main", "nav",
	"aside", "figure", "fieldset",
};
/* Elements that start a new line. */
static const char *const lines[] = { "tr", "dt", "dd", "caption", "li" };

static bool in_list(const char *name, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(name, list[i]) == 0)
			return true;
	return false;
}

static void want_newlines(struct out *o, unsigned n)
{
	if (o->s->len == 0)
		return; /* no leading blank lines */
	if (o->pending_nl < n)
		o->pending_nl = n;
	o->pending_space = false;
}

static void flush(struct out *o)
{
	if (o->pending_nl) {
		/* trailing blanks before a line break are noise */
		while (o->s->len && o->s->str[o->s->len - 1] == ' ')
			g_string_truncate(o->s, o->s->len - 1);
		for (unsigned i = 0; i < o->pending_nl; i++)
			g_string_append_c(o->s, '\n');
		o->pending_nl = 0;
	} else if (o->pending_space && o->s->len &&
		   o->s->str[o->s->len - 1] != '\n' && o->s->str[o->s->len - 1] != '\t') {
		g_string_append_c(o->s, ' ');
	}
	o->pending_space = false;
}

static void put_text(struct out *o, const char *t, size_t n)
{
	flush(o);
	g_string_append_len(o->s, t, n);
}

static void put_char(struct out *o, char c)
{
	if (!o->pre && (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f')) {
		o->pending_space = true;
		return;
	}
	if (o->pre && c == '\r')
		return;
	if (o->pre && c == '\n') {
		g_string_append_c(o->s, '\n');
		return;
	}
	put_text(o, &c, 1);
}

static const struct { const char *name; gunichar c; } entities[] = {
	{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' },
	{ "apos", '\'' }, { "nbsp", ' ' }, { "copy", 0xA9 }, { "reg", 0xAE },
	{ "trade", 0x2122 }, { "mdash", 0x2014 }, { "ndash", 0x2013 },
	{ "hellip", 0x2026 }, { "lsquo", 0x2018 }, { "rsquo", 0x2019 },
	{ "ldquo", 0x201C }, { "rdquo", 0x201D }, { "middot", 0xB7 },
	{ "bull", 0x2022 }, { "euro", 0x20AC }, { "yen", 0xA5 }, { "pound", 0xA3 },
	{ "times", 0xD7 }, { "deg", 0xB0 }, { "laquo", 0xAB }, { "raquo", 0xBB },
	{ "ensp", ' ' }, { "emsp", ' ' }, { "thinsp", ' ' }, { "shy", 0 },
	{ "zwj", 0 }, { "zwnj", 0 },
};

/* entity - decode the reference at p (just after '&'); returns bytes used,
 * 0 when it is not a reference (the '&' is then literal). */
static size_t entity(const char *p, const char *end, gunichar *out)
{
	const char *q = p;
	if (q < end && *q == '#') {
		q++;
		bool hex = q < end && (*q == 'x' || *q == 'X');
		if (hex)
			q++;
		guint64 v = 0;
		const char *digits = q;
		while (q < end && (hex ? g_ascii_isxdigit(*q) : g_ascii_isdigit(*q)) && q - digits < 8) {
			v = v * (hex ? 16 : 10) + (guint64)(hex ? g_ascii_xdigit_value(*q) : *q - '0');
			q++;
		}
		if (q == digits)
			return 0;
		if (q < end && *q == ';')
			q++;
		*out = (v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) ? 0xFFFD : (gunichar)v;
		return q - p;
	}
	char name[12];
	size_t n = 0;
	while (q < end && g_ascii_isalnum(*q) && n < sizeof(name) - 1)
		name[n++] = *q++;
	name[n] = '\0';
	if (q >= end || *q != ';')
		return 0;
	for (size_t i = 0; i < G_N_ELEMENTS(entities); i++)
		if (strcmp(name, entities[i].name) == 0) {
			*out = entities[i].c;
			return q + 1 - p;
		}
	return 0;
}

/* tag_end - the '>' closing a tag that starts at p, quotes respected. */
static const char *tag_end(const char *p, const char *end)
{
	char quote = 0;
	for (; p < end; p++) {
		if (quote) {
			if (*p == quote)
				quote = 0;
		} else if (*p == '"' || *p == '\'') {
			quote = *p;
		} else if (*p == '>') {
			return p;
		}
	}
	return NULL;
}

/* skip_hidden - past the "</name" closing a hidden element, or end. */
static const char *skip_hidden(const char *p, const char *end, const char *name)
{
	size_t n = strlen(name);
	for (; p + 2 + n <= end; p++)
		if (p[0] == '<' && p[1] == '/' && g_ascii_strncasecmp(p + 2, name, n) == 0) {
			const char *e = tag_end(p, end);
			return e ? e + 1 : end;
		}
	return end;
}

static void element(struct out *o, const char *name, bool closing)
{
	if (strcmp(name, "br") == 0) {
		flush(o);
		g_string_append_c(o->s, '\n');
		return;
	}
	if (strcmp(name, "pre") == 0)
		o->pre = !closing;
	if (strcmp(name, "li") == 0 && !closing) {
		want_newlines(o, 1);
		put_text(o, "- ", 2);
		return;
	}
	if (strcmp(name, "td") == 0 || strcmp(name, "th") == 0) {
		if (!closing && !o->pending_nl && o->s->len &&
		    o->s->str[o->s->len - 1] != '\n') {
			o->pending_space = false;
			put_text(o, "\t", 1);
		}
		return;
	}
	if (in_list(name, blocks, G_N_ELEMENTS(blocks)))
		want_newlines(o, 2);
	else if (in_list(name, lines, G_N_ELEMENTS(lines)))
		want_newlines(o, 1);
}

/* markup - handle the markup starting at '<' p; returns where text resumes. */
static const char *markup(struct out *o, const char *p, const char *end)
{
	if (end - p >= 4 && memcmp(p, "<!--", 4) == 0) {
		const char *c = g_strstr_len(p + 4, end - p - 4, "-->");
		return c ? c + 3 : end;
	}
	const char *q = p + 1;
	bool closing = q < end && *q == '/';
	if (closing)
		q++;
	if (q >= end || !(g_ascii_isalpha(*q) || *q == '!' || *q == '?')) {
		put_text(o, "<", 1); /* a lone '<' in text */
		return p + 1;
	}
	char name[16];
	size_t n = 0;
	while (q < end && (g_ascii_isalnum(*q) || *q == ':' || *q == '!' || *q == '?') &&
	       n < sizeof(name) - 1)
		name[n++] = g_ascii_tolower(*q++);
	name[n] = '\0';
	const char *e = tag_end(q, end);
	if (!e)
		return end;
	if (!closing && in_list(name, hidden, G_N_ELEMENTS(hidden)) && e[-1] != '/')
		return skip_hidden(e + 1, end, name);
	element(o, name, closing);
	return e + 1;
}

char *htmltext_to_text(const char *html, size_t len)
{
	struct out o = { .s = g_string_sized_new(len / 2 + 16) };
	const char *p = html, *end = html + (html ? len : 0);
	while (p < end) {
		if (*p == '<') {
			p = markup(&o, p, end);
		} else if (*p == '&') {
			gunichar c;
			size_t used = entity(p + 1, end, &c);
			if (!used) {
				put_text(&o, "&", 1);
				p++;
				continue;
			}
			if (c == ' ') {
				put_char(&o, ' ');
			} else if (c) {
				char buf[6];
				put_text(&o, buf, g_unichar_to_utf8(c, buf));
			}
			p += 1 + used;
		} else if (*p == '\0') {
			p++; /* NUL is never text */
		} else {
			put_char(&o, *p++);
		}
	}
	while (o.s->len && g_ascii_isspace(o.s->str[o.s->len - 1]))
		g_string_truncate(o.s, o.s->len - 1);
	if (!g_utf8_validate(o.s->str, o.s->len, NULL)) {
		char *valid = g_utf8_make_valid(o.s->str, o.s->len);
		g_string_free(o.s, TRUE);
		return valid;
	}
	return g_string_free(o.s, FALSE);
}
