/* replytext - the freshly written part of a reply. */
#include "mail/replytext.h"

#include <stdbool.h>
#include <string.h>
#include <glib.h>

/* One line of the body, without its LF and a CR before it. */
struct line {
	const char *p;
	size_t n;
};

enum {
	ATTR_MAX = 400,     /* longer lines are prose, not an attribution */
	WRAP_MAX = 200,     /* each half of a wrapped attribution */
	BLOCK_LOOKAHEAD = 8, /* lines after From: that may hold the other headers */
	RULE_MIN = 10,      /* underscores in OWA's rule above its header block */
};

/* space_at - bytes of the white-space character at p (ASCII space or tab,
 * U+00A0, U+3000, U+FEFF), 0 if there is none. No-break and ideographic
 * spaces are how HTML-composed mail indents its plain-text part. */
static size_t space_at(const char *p, const char *end)
{
	const guchar *u = (const guchar *)p;
	if (p < end && (*p == ' ' || *p == '\t'))
		return 1;
	if (end - p >= 2 && u[0] == 0xC2 && u[1] == 0xA0)
		return 2;
	if (end - p >= 3 && ((u[0] == 0xE3 && u[1] == 0x80 && u[2] == 0x80) ||
			     (u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF)))
		return 3;
	return 0;
}

/* space_before - the same for the character that ends at end. */
static size_t space_before(const char *start, const char *end)
{
	const guchar *u = (const guchar *)end;
	if (end > start && (end[-1] == ' ' || end[-1] == '\t'))
		return 1;
	if (end - start >= 2 && u[-2] == 0xC2 && u[-1] == 0xA0)
		return 2;
	if (end - start >= 3 && u[-3] == 0xE3 && u[-2] == 0x80 && u[-1] == 0x80)
		return 3;
	return 0;
}

/* trimmed - l without white space at either end. */
static struct line trimmed(struct line l)
{
	const char *p = l.p, *end = l.p + l.n;
	size_t k;
	while ((k = space_at(p, end)))
		p += k;
	while ((k = space_before(p, end)))
		end -= k;
	return (struct line){ p, (size_t)(end - p) };
}

static bool blank(struct line l)
{
	return trimmed(l).n == 0;
}

/* quoted - a '>' line, however deep and however indented. */
static bool quoted(struct line l)
{
	struct line t = trimmed(l);
	return t.n && t.p[0] == '>';
}

static bool starts_ci(struct line l, const char *s)
{
	size_t n = strlen(s);
	return l.n >= n && g_ascii_strncasecmp(l.p, s, n) == 0;
}

static bool ends_ci(struct line l, const char *s)
{
	size_t n = strlen(s);
	return l.n >= n && g_ascii_strncasecmp(l.p + l.n - n, s, n) == 0;
}

static bool has_digit(struct line l)
{
	for (size_t i = 0; i < l.n; i++)
		if (g_ascii_isdigit(l.p[i]))
			return true;
	return false;
}

/* header_like - what separates an attribution from prose: a date or time
 * (a digit) or an address ('@', '<'). */
static bool header_like(struct line l)
{
	return has_digit(l) || memchr(l.p, '@', l.n) || memchr(l.p, '<', l.n);
}

/* sig_delimiter - RFC 3676's "-- ", and the bare "--" that clients which
 * strip trailing spaces leave of it. */
static bool sig_delimiter(struct line l)
{
	size_t n = l.n;
	while (n > 2 && (l.p[n - 1] == ' ' || l.p[n - 1] == '\t'))
		n--;
	return n == 2 && l.p[0] == '-' && l.p[1] == '-';
}

/* normalise - l with every run of white space (and of "&nbsp;", which QQ
 * Mail and Foxmail leave in their plain text) as one space, trimmed, in
 * ASCII lower case, into buf. False when it does not fit: long lines are
 * never separators. */
static bool normalise(struct line l, char *buf, size_t cap)
{
	const char *p = l.p, *end = l.p + l.n;
	size_t o = 0;
	bool space = false;
	while (p < end) {
		size_t k = space_at(p, end);
		if (!k && end - p >= 6 && g_ascii_strncasecmp(p, "&nbsp;", 6) == 0)
			k = 6;
		if (k) {
			space = true;
			p += k;
			continue;
		}
		if (o + 2 >= cap)
			return false;
		if (space && o)
			buf[o++] = ' ';
		space = false;
		buf[o++] = g_ascii_tolower(*p++);
	}
	buf[o] = '\0';
	return true;
}

/* What Outlook, Foxmail, QQ Mail, NetEase, Gmail and Thunderbird write
 * between the dashes of their separator lines (normalised). */
static const char *const dash_phrases[] = {
	"original message", "original", "forwarded message",
	"原始邮件", "原邮件", "回复的原邮件", "转发邮件", "转发的邮件",
	"已转发邮件", "转发的消息", "原始郵件", "轉寄郵件",
};

/* dash_separator - "-----Original Message-----" and its relatives: at
 * least two dashes each side of a known phrase. */
static bool dash_separator(struct line l)
{
	struct line t = trimmed(l);
	size_t a = 0, b = t.n;
	while (a < t.n && t.p[a] == '-')
		a++;
	while (b > a && t.p[b - 1] == '-')
		b--;
	if (a < 2 || t.n - b < 2 || b == a)
		return false;
	char buf[64];
	if (!normalise((struct line){ t.p + a, b - a }, buf, sizeof(buf)))
		return false;
	for (size_t i = 0; i < G_N_ELEMENTS(dash_phrases); i++)
		if (strcmp(buf, dash_phrases[i]) == 0)
			return true;
	return false;
}

/* forward_line - Apple Mail's forward marker, which has no dashes. */
static bool forward_line(struct line l)
{
	char buf[32];
	return normalise(l, buf, sizeof(buf)) && strcmp(buf, "begin forwarded message:") == 0;
}

enum hkey { HK_NONE, HK_FROM, HK_DATE, HK_TO, HK_CC, HK_SUBJECT };

/* The header names Outlook and its Chinese versions print above the
 * original, Simplified and Traditional. */
static const struct {
	const char *name;
	enum hkey key;
} hkeys[] = {
	{ "from", HK_FROM }, { "sent", HK_DATE }, { "date", HK_DATE },
	{ "to", HK_TO }, { "cc", HK_CC }, { "subject", HK_SUBJECT },
	{ "发件人", HK_FROM }, { "发送时间", HK_DATE }, { "时间", HK_DATE },
	{ "日期", HK_DATE }, { "收件人", HK_TO }, { "抄送", HK_CC },
	{ "主题", HK_SUBJECT },
	{ "寄件者", HK_FROM }, { "寄件日期", HK_DATE }, { "收件者", HK_TO },
	{ "副本", HK_CC }, { "主旨", HK_SUBJECT },
};

/* colon_at - ':' or the full-width '：' that Chinese Outlook writes. */
static bool colon_at(const char *p, const char *end)
{
	return (p < end && *p == ':') || (end - p >= 3 && memcmp(p, "：", 3) == 0);
}

/* header_key - which header a line such as "Sent: ..." or "*发件人：*..."
 * names (Gmail quotes Outlook's bold names as *Name:*). */
static enum hkey header_key(struct line l)
{
	struct line t = trimmed(l);
	const char *p = t.p, *end = t.p + t.n;
	if (p < end && *p == '*')
		p++;
	const char *name = p;
	while (p < end && !colon_at(p, end) && *p != '*' && !space_at(p, end))
		p++;
	size_t n = (size_t)(p - name);
	if (p < end && *p == '*')
		p++;
	size_t k;
	while ((k = space_at(p, end)))
		p += k;
	if (n == 0 || n > 16 || !colon_at(p, end))
		return HK_NONE;
	for (size_t i = 0; i < G_N_ELEMENTS(hkeys); i++)
		if (strlen(hkeys[i].name) == n && g_ascii_strncasecmp(name, hkeys[i].name, n) == 0)
			return hkeys[i].key;
	return HK_NONE;
}

/* header_block - line i is a From line with at least two of date, to, cc
 * and subject in the lines just below it: one header alone is too often
 * the start of a sentence ("From: your order history ..."). */
static bool header_block(const struct line *L, size_t n, size_t i)
{
	if (header_key(L[i]) != HK_FROM)
		return false;
	unsigned seen = 0, distinct = 0;
	for (size_t j = i + 1; j < n && j <= i + BLOCK_LOOKAHEAD; j++) {
		enum hkey k = header_key(L[j]);
		if (k == HK_FROM)
			break;
		if (k != HK_NONE && !(seen & (1u << k))) {
			seen |= 1u << k;
			distinct++;
		}
	}
	return distinct >= 2;
}

/* rule_line - OWA's line of underscores above the original's headers. */
static bool rule_line(struct line l)
{
	struct line t = trimmed(l);
	if (t.n < RULE_MIN)
		return false;
	for (size_t i = 0; i < t.n; i++)
		if (t.p[i] != '_')
			return false;
	return true;
}

/* cut_here - line i starts the quoted original for certain: a dashed
 * separator, a forward marker, a header block or OWA's rule above one. */
static bool cut_here(const struct line *L, size_t n, size_t i)
{
	if (dash_separator(L[i]) || forward_line(L[i]) || header_block(L, n, i))
		return true;
	if (!rule_line(L[i]))
		return false;
	size_t j = i + 1;
	while (j < n && j <= i + 2 && blank(L[j]))
		j++;
	return j < n && header_block(L, n, j);
}

enum marker { M_NONE, M_EN, M_ZH };

/* wrote_marker - how an attribution line ends, in which language. */
static enum marker wrote_marker(struct line t)
{
	static const char *const zh[] = { "写道：", "写道:", "寫道：", "寫道:" };
	if (ends_ci(t, "wrote:"))
		return M_EN;
	for (size_t i = 0; i < G_N_ELEMENTS(zh); i++)
		if (ends_ci(t, zh[i]))
			return M_ZH;
	return M_NONE;
}

/* has_angle_addr - "<...@...>", in that order. */
static bool has_angle_addr(struct line l)
{
	const char *lt = memchr(l.p, '<', l.n);
	if (!lt)
		return false;
	size_t rest = l.n - (size_t)(lt - l.p);
	const char *at = memchr(lt, '@', rest);
	return at && memchr(at, '>', rest - (size_t)(at - lt));
}

/* sentence_end - a line that ends a sentence is not the first half of a
 * wrapped attribution. */
static bool sentence_end(struct line t)
{
	static const char *const ends[] = { ".", "!", "?", ";", "。", "！", "？", "；", "，" };
	for (size_t i = 0; i < G_N_ELEMENTS(ends); i++)
		if (ends_ci(t, ends[i]))
			return true;
	return false;
}

/* attribution1 - a one-line attribution (see the header for the rules). */
static bool attribution1(struct line l)
{
	if (l.n > ATTR_MAX)
		return false;
	struct line t = trimmed(l);
	switch (wrote_marker(t)) {
	case M_EN:
		return (starts_ci(t, "On ") && header_like(t)) || has_angle_addr(t);
	case M_ZH:
		return header_like(t);
	default:
		return false;
	}
}

/* attribution2 - Gmail's attribution wrapped after about 78 columns. Gmail
 * always names the address, so one half has an '@'; that keeps two lines
 * of prose ("On Monday we refunded 30 yuan and / the customer wrote:")
 * from counting. The first half must be where an attribution starts
 * ("On ..." in English, "Name <address>" in Chinese), and the second must
 * not be one on its own, or the line of text above a one-line attribution
 * would be cut with it. */
static bool attribution2(struct line a, struct line b)
{
	if (a.n > WRAP_MAX || b.n > WRAP_MAX)
		return false;
	a = trimmed(a);
	b = trimmed(b);
	if (!a.n || !b.n || a.p[0] == '>' || b.p[0] == '>')
		return false;
	if (wrote_marker(a) != M_NONE || sentence_end(a))
		return false;
	bool at_a = memchr(a.p, '@', a.n), at_b = memchr(b.p, '@', b.n);
	bool digit = has_digit(a) || has_digit(b);
	switch (wrote_marker(b)) {
	case M_EN:
		return starts_ci(a, "On ") && !starts_ci(b, "On ") && (at_a || at_b) && digit;
	case M_ZH:
		return at_a && !at_b && digit;
	default:
		return false;
	}
}

/* attribution - how many lines the attribution starting at i spans: 0
 * (none), 1, or 2 (wrapped). */
static size_t attribution(const struct line *L, size_t n, size_t i)
{
	if (attribution1(L[i]))
		return 1;
	if (i + 1 < n && attribution2(L[i], L[i + 1]))
		return 2;
	return 0;
}

/* compact - l without any white space, without a trailing "<link>" (Outlook
 * Mobile writes "Get Outlook for iOS<https://...>") and trailing full
 * stops, in ASCII lower case: the form in which footers are compared, so
 * "发自我的 iPhone" and "发自我的iPhone" are one footer. */
static bool compact(struct line l, char *buf, size_t cap)
{
	struct line t = trimmed(l);
	if (t.n && t.p[t.n - 1] == '>') {
		const char *lt = g_strrstr_len(t.p, (gssize)t.n, "<");
		if (lt)
			t = trimmed((struct line){ t.p, (size_t)(lt - t.p) });
	}
	for (;;) {
		if (ends_ci(t, "."))
			t.n -= 1;
		else if (ends_ci(t, "。"))
			t.n -= 3;
		else
			break;
	}
	const char *p = t.p, *end = t.p + t.n;
	size_t o = 0;
	while (p < end) {
		size_t k = space_at(p, end);
		if (k) {
			p += k;
			continue;
		}
		if (o + 1 >= cap)
			return false;
		buf[o++] = g_ascii_tolower(*p++);
	}
	buf[o] = '\0';
	return true;
}

/* The footers mobile and web clients add under the text. prefix: more
 * may follow ("Sent from Yahoo Mail for iPhone", "... for Windows 10"). */
static const struct {
	const char *text;
	bool prefix;
} footers[] = {
	{ "Sent from my iPhone", false }, { "Sent from my iPad", false },
	{ "Get Outlook for iOS", false }, { "Get Outlook for Android", false },
	{ "Sent from Mail for Windows", true }, { "Sent from Yahoo Mail", true },
	{ "发自我的iPhone", false }, { "发自我的iPad", false },
	{ "从我的iPhone发送", false }, { "发自网易邮箱大师", false },
	{ "发自我的华为手机", false }, { "来自我的华为手机", false },
};

/* footer - l is one of footers[], compared in compact form. */
static bool footer(struct line l)
{
	char got[96], want[96];
	if (!compact(l, got, sizeof(got)) || !*got)
		return false;
	for (size_t i = 0; i < G_N_ELEMENTS(footers); i++) {
		const char *f = footers[i].text;
		compact((struct line){ f, strlen(f) }, want, sizeof(want));
		if (footers[i].prefix ? g_str_has_prefix(got, want) : strcmp(got, want) == 0)
			return true;
	}
	return false;
}

/* inline_answer - the attribution ending before line j introduces an
 * inline answer: '>' lines, then unquoted text that is neither signature,
 * footer nor another separator. A top-posted reply has nothing after its
 * quote (or only a footer), so it is cut at the attribution. */
static bool inline_answer(const struct line *L, size_t n, size_t j)
{
	while (j < n && blank(L[j]))
		j++;
	if (j >= n || !quoted(L[j]))
		return false;
	while (j < n && (blank(L[j]) || quoted(L[j])))
		j++;
	if (j >= n)
		return false;
	return !sig_delimiter(L[j]) && !cut_here(L, n, j) && !attribution(L, n, j) &&
	       !footer(L[j]);
}

/* split - the lines of buf (len bytes, no NUL inside). */
static GArray *split(const char *buf, size_t len)
{
	GArray *a = g_array_new(FALSE, FALSE, sizeof(struct line));
	const char *p = buf, *end = buf + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		struct line l = { p, (size_t)(e - p) };
		if (l.n && l.p[l.n - 1] == '\r')
			l.n--;
		g_array_append_val(a, l);
		p = nl ? nl + 1 : end;
	}
	return a;
}

/* kept - the lines before the cut that are neither quoted nor signature. */
static GArray *kept(const struct line *L, size_t n)
{
	GArray *keep = g_array_new(FALSE, FALSE, sizeof(struct line));
	bool dropped = false; /* a quote was cut since the last text line */
	for (size_t i = 0; i < n;) {
		if (quoted(L[i])) {
			dropped = true;
			i++;
			continue;
		}
		if (sig_delimiter(L[i]) || cut_here(L, n, i))
			break;
		size_t k = attribution(L, n, i);
		if (k) {
			if (!inline_answer(L, n, i + k))
				break;
			dropped = true;
			i += k;
			continue;
		}
		bool b = blank(L[i]);
		if (b && dropped && keep->len &&
		    blank(g_array_index(keep, struct line, keep->len - 1))) {
			i++;
			continue;
		}
		if (!b)
			dropped = false;
		g_array_append_val(keep, L[i]);
		i++;
	}
	return keep;
}

static void drop_trailing_blanks(GArray *keep)
{
	while (keep->len && blank(g_array_index(keep, struct line, keep->len - 1)))
		g_array_set_size(keep, keep->len - 1);
}

char *replytext_fresh(const char *body, size_t len)
{
	if (!body)
		len = 0;
	char *buf = g_malloc(len + 1);
	size_t m = 0;
	for (size_t i = 0; i < len; i++)
		if (body[i])
			buf[m++] = body[i];
	buf[m] = '\0';

	GArray *lines = split(buf, m);
	GArray *keep = kept((const struct line *)(void *)lines->data, lines->len);
	drop_trailing_blanks(keep);
	while (keep->len && footer(g_array_index(keep, struct line, keep->len - 1))) {
		g_array_set_size(keep, keep->len - 1);
		drop_trailing_blanks(keep);
	}
	size_t first = 0;
	while (first < keep->len && blank(g_array_index(keep, struct line, first)))
		first++;

	GString *out = g_string_sized_new(m + 1);
	for (size_t i = first; i < keep->len; i++) {
		const struct line *l = &g_array_index(keep, struct line, i);
		if (i > first)
			g_string_append_c(out, '\n');
		g_string_append_len(out, l->p, (gssize)l->n);
	}
	while (out->len && g_ascii_isspace(out->str[out->len - 1]))
		g_string_truncate(out, out->len - 1);
	g_array_free(keep, TRUE);
	g_array_free(lines, TRUE);
	g_free(buf);

	if (!g_utf8_validate(out->str, (gssize)out->len, NULL)) {
		char *valid = g_utf8_make_valid(out->str, (gssize)out->len);
		g_string_free(out, TRUE);
		return valid;
	}
	return g_string_free(out, FALSE);
}
