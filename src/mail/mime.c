/* mime - raw mail to struct message, on top of gmime. */
#include "mail/mime.h"

#include <stdbool.h>
#include <string.h>
#include <gmime/gmime.h>

#include "mail/charset.h"
#include "mail/htmltext.h"

/* ytnef's headers define BYTE/WORD/DWORD as macros: include them last. */
#include <ytnef.h>

#define MAX_NOTES 32
#define MAX_FILENAME 200
#define MAX_HEADERS 1000    /* top-level headers kept; real mail has < 100 */
#define MAX_RECIPIENTS 1000 /* To/Cc addresses kept */

void mime_limits_default(struct mime_limits *lim)
{
	lim->max_message_size = 25u * 1024 * 1024;
	lim->max_depth = 20;
	lim->max_parts = 500;
	lim->max_attachments = 50;
	lim->max_attachment_size = 20u * 1024 * 1024;
	lim->max_header_len = 64u * 1024;
	lim->head_only = false;
}

static gpointer init_once(gpointer unused)
{
	g_mime_init();
	return NULL;
}

void mime_init(void)
{
	static GOnce once = G_ONCE_INIT;
	g_once(&once, init_once, NULL);
}

/* ---- RFC 2047 ------------------------------------------------------------ */

/* A run of adjacent encoded-words in one charset, decoded to bytes. Base64
 * bits left over at the end of a word without padding are carried into the
 * next word: some mailers split one base64 stream across words. */
struct ew_run {
	GByteArray *bytes;
	char charset[65];
	guint32 bits;
	unsigned nbits;
};

struct ew {
	const char *charset; size_t charset_len;
	char enc;
	const char *text; size_t text_len;
	const char *end; /* just past "?=" */
};

/* parse_ew - an encoded-word at p ("=?cs?X?text?="), leniently: white space
 * inside the text (folded words) is tolerated, an unterminated word or one
 * swallowing the start of another is not a word. */
static bool parse_ew(const char *p, const char *end, struct ew *w)
{
	if (end - p < 8 || p[0] != '=' || p[1] != '?')
		return false;
	const char *cs = p + 2, *q = cs;
	while (q < end && *q != '?' && !g_ascii_isspace(*q) && q - cs <= 64)
		q++;
	if (q >= end || *q != '?' || q == cs || q - cs > 64)
		return false;
	w->charset = cs;
	w->charset_len = q - cs;
	q++;
	if (q + 1 >= end || q[1] != '?')
		return false;
	w->enc = g_ascii_toupper(*q);
	if (w->enc != 'B' && w->enc != 'Q')
		return false;
	w->text = q + 2;
	for (const char *t = w->text; t + 1 < end && t - w->text < 2048; t++) {
		if (t[0] == '?' && t[1] == '=') {
			w->text_len = t - w->text;
			w->end = t + 2;
			return true;
		}
		/* another word starting inside this one: this one is broken
		 * ("=?=" is padding followed by our own "?=", not a start) */
		if (t[0] == '=' && t[1] == '?' && !(t + 2 < end && t[2] == '='))
			return false;
	}
	return false;
}

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z') return c - 'A';
	if (c >= 'a' && c <= 'z') return c - 'a' + 26;
	if (c >= '0' && c <= '9') return c - '0' + 52;
	if (c == '+' || c == '-') return 62;  /* '-' '_': URL-safe variants seen in the wild */
	if (c == '/' || c == '_') return 63;
	return -1;
}

static void b64_append(struct ew_run *r, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '=') {
			r->bits = 0;   /* padding ends the quantum: drop the partial bits */
			r->nbits = 0;
			continue;
		}
		int v = b64_value(s[i]);
		if (v < 0)
			continue;
		r->bits = (r->bits << 6) | (guint32)v;
		r->nbits += 6;
		if (r->nbits >= 8) {
			r->nbits -= 8;
			guint8 b = (guint8)(r->bits >> r->nbits);
			g_byte_array_append(r->bytes, &b, 1);
			r->bits &= (1u << r->nbits) - 1;
		}
	}
}

static void q_append(struct ew_run *r, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		guint8 b = (guint8)s[i];
		if (s[i] == '_') {
			b = ' ';
		} else if (s[i] == '=' && i + 2 < n && g_ascii_isxdigit(s[i + 1]) &&
			   g_ascii_isxdigit(s[i + 2])) {
			b = (guint8)(g_ascii_xdigit_value(s[i + 1]) * 16 +
				     g_ascii_xdigit_value(s[i + 2]));
			i += 2;
		}
		g_byte_array_append(r->bytes, &b, 1);
	}
}

struct hdr_dec {
	GString *out;
	struct ew_run run;
	bool in_run;
	const char *fallback;
	bool guessed;
};

static void append_converted(struct hdr_dec *d, const char *s, size_t n,
			     const char *cs)
{
	bool g = false;
	char *u = charset_to_utf8(s, n, cs, &g);
	d->guessed |= g;
	g_string_append(d->out, u);
	g_free(u);
}

static void flush_run(struct hdr_dec *d)
{
	if (!d->in_run)
		return;
	append_converted(d, (const char *)d->run.bytes->data, d->run.bytes->len,
			 d->run.charset);
	g_byte_array_set_size(d->run.bytes, 0);
	d->in_run = false;
}

static void flush_text(struct hdr_dec *d, const char *s, size_t n)
{
	if (n == 0)
		return;
	flush_run(d);
	if (g_utf8_validate(s, n, NULL))
		g_string_append_len(d->out, s, n);
	else
		append_converted(d, s, n, d->fallback);
}

static bool all_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return false;
	return true;
}

static void add_word(struct hdr_dec *d, const struct ew *w)
{
	char cs[65];
	memcpy(cs, w->charset, w->charset_len);
	cs[w->charset_len] = '\0';
	char *star = strchr(cs, '*'); /* RFC 2231 language: "utf-8*en" */
	if (star)
		*star = '\0';
	if (d->in_run && g_ascii_strcasecmp(cs, d->run.charset) != 0)
		flush_run(d);
	if (!d->in_run) {
		g_strlcpy(d->run.charset, cs, sizeof(d->run.charset));
		d->run.bits = 0;
		d->run.nbits = 0;
		d->in_run = true;
	}
	if (w->enc == 'B') {
		b64_append(&d->run, w->text, w->text_len);
	} else {
		d->run.bits = d->run.nbits = 0;
		q_append(&d->run, w->text, w->text_len);
	}
}

/* clean - control characters (CR/LF left by folding, NUL, ESC) to spaces,
 * then trim. */
static char *clean(GString *s)
{
	for (gsize i = 0; i < s->len; i++) {
		unsigned char c = (unsigned char)s->str[i];
		if (c < 0x20 || c == 0x7f)
			s->str[i] = ' ';
	}
	return g_strstrip(g_string_free(s, FALSE));
}

static char *decode_header(const char *raw, size_t len, const char *fallback,
			   bool *guessed)
{
	struct hdr_dec d = { .out = g_string_sized_new(len + 8), .fallback = fallback };
	d.run.bytes = g_byte_array_new();
	const char *p = raw, *end = raw + len, *text = raw;
	bool prev_word = false;
	while (p < end) {
		struct ew w;
		if (*p != '=' || !parse_ew(p, end, &w)) {
			p++;
			continue;
		}
		/* white space between two encoded-words is not part of the text */
		if (!(prev_word && all_blank(text, p - text)))
			flush_text(&d, text, p - text);
		add_word(&d, &w);
		prev_word = true;
		p = text = w.end;
	}
	flush_text(&d, text, end - text);
	flush_run(&d);
	g_byte_array_unref(d.run.bytes);
	if (guessed)
		*guessed = d.guessed;
	return clean(d.out);
}

char *mime_decode_header(const char *raw, const char *fallback_charset)
{
	if (!raw)
		return g_strdup("");
	return decode_header(raw, strlen(raw), fallback_charset, NULL);
}

/* ---- parse context --------------------------------------------------------- */

struct ctx {
	struct message *m;
	const struct mime_limits *lim;
	GMimeParserOptions *opts;
	unsigned parts, attachments, headers;
	GString *plain, *html;
	GString *forwarded;   /* text of mails forwarded as attachments */
	bool in_report;
	bool in_forward;      /* inside such a mail: its attachments stay in its .eml */
	char *body_charset;   /* first declared non-UTF-8 text charset */
	bool depth_noted, parts_noted, atts_noted;
	unsigned parser_warnings;
};

static void note(struct ctx *c, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void note(struct ctx *c, const char *fmt, ...)
{
	if (msg_note_count(c->m) >= MAX_NOTES)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *s = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	/* notes may quote hostile bytes: keep them printable UTF-8 */
	char *v = g_utf8_make_valid(s, -1);
	for (char *p = v; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	msg_add_note(c->m, "%s", v);
	g_free(v);
	g_free(s);
}

static void truncated(struct ctx *c, bool *noted, const char *what)
{
	msg_add_flags(c->m, MSG_F_TRUNCATED);
	if (!*noted)
		note(c, "limit reached: %s", what);
	*noted = true;
}

/* gmime's view of what is wrong with the input. CRIT_* and structural
 * problems mean parts of the mail may be missing: MSG_F_PARSE_ERROR. */
static void on_parser_warning(gint64 offset, GMimeParserWarning code,
			      const gchar *item, gpointer user_data)
{
	struct ctx *c = user_data;
	static const struct { GMimeParserWarning code; const char *what; bool error; } w[] = {
		{ GMIME_WARN_MALFORMED_MULTIPART, "malformed multipart", true },
		{ GMIME_WARN_TRUNCATED_MESSAGE, "truncated message", true },
		{ GMIME_WARN_MALFORMED_MESSAGE, "malformed message", true },
		{ GMIME_CRIT_INVALID_HEADER_NAME, "invalid header name", true },
		{ GMIME_CRIT_CONFLICTING_HEADER, "conflicting header", true },
		{ GMIME_CRIT_CONFLICTING_PARAMETER, "conflicting parameter", true },
		{ GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY, "multipart without boundary", true },
		{ GMIME_CRIT_NESTING_OVERFLOW, "MIME nesting overflow", true },
		{ GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT, "part without headers or content", true },
		{ GMIME_WARN_PART_WITHOUT_CONTENT, "part without content", true },
		{ GMIME_WARN_INVALID_CONTENT_TYPE, "invalid content type", false },
		{ GMIME_WARN_INVALID_ADDRESS_LIST, "invalid address list", false },
	};
	if (code == GMIME_WARN_TRUNCATED_MESSAGE && c->lim->head_only)
		return;  /* a known cut, not a damaged mail */
	for (size_t i = 0; i < G_N_ELEMENTS(w); i++) {
		if (w[i].code != code)
			continue;
		if (w[i].error)
			msg_add_flags(c->m, MSG_F_PARSE_ERROR);
		if (c->parser_warnings++ < 8)
			note(c, "parser: %s at offset %" G_GINT64_FORMAT "%s%.60s",
			     w[i].what, (gint64)offset, item ? ": " : "", item ? item : "");
		return;
	}
}

/* ---- small helpers --------------------------------------------------------- */

static char *raw_header(GMimeObject *obj, const char *name)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(obj);
	GMimeHeader *h = hl ? g_mime_header_list_get_header(hl, name) : NULL;
	const char *v = h ? g_mime_header_get_raw_value(h) : NULL;
	return v ? g_strdup(v) : NULL;
}

/* bytes_of - the decoded content of a leaf part, NULL when it is larger than
 * max (encoded size is checked first so a huge part is never decoded). */
static GBytes *bytes_of(GMimePart *part, size_t max, bool *too_big)
{
	*too_big = false;
	GMimeDataWrapper *w = g_mime_part_get_content(part);
	if (!w)
		return g_bytes_new(NULL, 0);
	GMimeStream *src = g_mime_data_wrapper_get_stream(w);
	gint64 enc_len = src ? g_mime_stream_length(src) : 0;
	if (enc_len > 0 && (guint64)enc_len / 4 * 3 > max + 4) {
		*too_big = true;
		return NULL;
	}
	GMimeStream *mem = g_mime_stream_mem_new();
	g_mime_data_wrapper_write_to_stream(w, mem);
	GByteArray *ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
	g_object_unref(mem);
	if (ba->len > max) {
		*too_big = true;
		g_byte_array_unref(ba);
		return NULL;
	}
	return g_byte_array_free_to_bytes(ba);
}

char *mime_sanitize_filename(const char *name)
{
	if (!name)
		return g_strdup("");
	const char *base = name;
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	GString *s = g_string_new(NULL);
	for (const char *p = base; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		if (c < 0x20 || (c >= 0x7f && c < 0xa0) || c == 0x2028 || c == 0x2029 ||
		    charset_bidi_control(c))
			continue;
		if (s->len + 6 > MAX_FILENAME)
			break;
		g_string_append_unichar(s, c);
	}
	char *out = g_strstrip(g_string_free(s, FALSE));
	if (strcmp(out, ".") == 0 || strcmp(out, "..") == 0)
		out[0] = '\0';
	return out;
}

/* raw_param - the raw (still RFC 2047-encoded) value of parameter name in a
 * raw header value; gmime would decode it with its own, buggy decoder. */
static char *raw_param(const char *hdr, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = hdr; p && (p = strcasestr(p, name)); p += n) {
		if (p != hdr && !(p[-1] == ';' || g_ascii_isspace(p[-1])))
			continue;
		const char *q = p + n;
		while (g_ascii_isspace(*q))
			q++;
		if (*q != '=')
			continue;
		q++;
		while (g_ascii_isspace(*q))
			q++;
		GString *v = g_string_new(NULL);
		if (*q == '"') {
			for (q++; *q && *q != '"'; q++) {
				if (*q == '\\' && q[1])
					q++;
				g_string_append_c(v, *q);
			}
		} else {
			while (*q && *q != ';')
				g_string_append_c(v, *q++);
		}
		return g_string_free(v, FALSE);
	}
	return NULL;
}

static char *part_filename(struct ctx *c, GMimeObject *obj)
{
	const char *gm = GMIME_IS_PART(obj) ? g_mime_part_get_filename(GMIME_PART(obj)) : NULL;
	char *name = NULL;
	char *cd = raw_header(obj, "Content-Disposition");
	char *ct = raw_header(obj, "Content-Type");
	char *raw = cd ? raw_param(cd, "filename") : NULL;
	if (!raw && ct)
		raw = raw_param(ct, "name");
	if (raw && strstr(raw, "=?"))
		name = decode_header(raw, strlen(raw), c->body_charset, NULL);
	else if (gm)
		name = charset_to_utf8(gm, strlen(gm), c->body_charset, NULL);
	g_free(raw);
	g_free(cd);
	g_free(ct);
	char *safe = mime_sanitize_filename(name);
	g_free(name);
	return safe;
}

static char *content_type_of(GMimeObject *obj)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	if (!ct)
		return g_strdup("application/octet-stream");
	char *s = g_strdup_printf("%s/%s", g_mime_content_type_get_media_type(ct),
				  g_mime_content_type_get_media_subtype(ct));
	char *lower = g_ascii_strdown(s, -1);
	g_free(s);
	if (!g_utf8_validate(lower, -1, NULL)) {
		g_free(lower);
		return g_strdup("application/octet-stream");
	}
	return lower;
}

static void add_attachment(struct ctx *c, const char *name, const char *type,
			   GBytes *data)
{
	if (c->lim->head_only)
		return;
	if (c->attachments >= c->lim->max_attachments) {
		truncated(c, &c->atts_noted, "attachment count");
		return;
	}
	c->attachments++;
	msg_add_attachment(c->m, name, type, data);
}

/* ---- winmail.dat ------------------------------------------------------------ */

static char *tnef_name(Attachment *a)
{
	variableLength *v = MAPIFindProperty(&a->MAPI, PROP_TAG(PT_UNICODE, PR_ATTACH_LONG_FILENAME));
	if (v != MAPI_UNDEFINED && v->size > 0) {
		char *u = g_convert((const char *)v->data, v->size, "UTF-8", "UTF-16LE",
				    NULL, NULL, NULL);
		if (u)
			return u;
	}
	v = MAPIFindProperty(&a->MAPI, PROP_TAG(PT_STRING8, PR_ATTACH_LONG_FILENAME));
	if (v != MAPI_UNDEFINED && v->size > 0)
		return charset_to_utf8((const char *)v->data, strnlen((const char *)v->data, v->size),
				       NULL, NULL);
	if (a->Title.size > 0)
		return charset_to_utf8((const char *)a->Title.data,
				       strnlen((const char *)a->Title.data, a->Title.size), NULL, NULL);
	return g_strdup("");
}

/* tnef_well_formed - walk the TNEF attribute stream before libytnef sees
 * it: every length within bounds, no attribute empty or twice in one scope
 * (the message, or one attachment), every checksum right. libytnef trusts
 * lengths, leaks on repeated or empty attributes and prints its complaints
 * to stdout; what fails here is kept as winmail.dat instead. */
static bool tnef_well_formed(const guint8 *p, size_t len, unsigned max_atts)
{
	if (len < 6 || (p[0] | p[1] << 8 | p[2] << 16 | (guint32)p[3] << 24) != 0x223E9F78)
		return false;
	GHashTable *seen = g_hash_table_new(g_direct_hash, g_direct_equal);
	size_t off = 6;
	unsigned atts = 0;
	bool ok = true;
	while (ok && off < len) {
		if (len - off < 9) {
			ok = false;
			break;
		}
		guint8 level = p[off];
		guint32 id = p[off + 1] | p[off + 2] << 8 | p[off + 3] << 16 | (guint32)p[off + 4] << 24;
		guint32 n = p[off + 5] | p[off + 6] << 8 | p[off + 7] << 16 | (guint32)p[off + 8] << 24;
		/* n == 0 too: libytnef allocates for an empty attribute but
		 * frees only what has a size. */
		if ((level != 1 && level != 2) || n == 0 || n > len - off - 9 ||
		    len - off - 9 - n < 2) {
			ok = false;
			break;
		}
		/* a bad checksum makes libytnef print to stdout, which would
		 * land in the middle of `complaintctl parse --json` */
		guint16 sum = 0;
		for (size_t i = 0; i < n; i++)
			sum = (guint16)(sum + p[off + 9 + i]);
		if (sum != (p[off + 9 + n] | p[off + 10 + n] << 8)) {
			ok = false;
			break;
		}
		if (id == 0x00069002) { /* attAttachRenddata opens an attachment */
			g_hash_table_remove_all(seen);
			ok = ++atts <= max_atts;
		}
		guint key = (guint)level << 31 ^ id;
		if (g_hash_table_contains(seen, GUINT_TO_POINTER(key)))
			ok = false;
		g_hash_table_add(seen, GUINT_TO_POINTER(key));
		off += 9 + (size_t)n + 2;
	}
	g_hash_table_unref(seen);
	return ok;
}

/* tnef_extract - the files inside an Outlook winmail.dat; false when the
 * data is not TNEF we can read (the caller then keeps winmail.dat itself). */
static bool tnef_extract(struct ctx *c, GBytes *data)
{
	gsize len;
	const guint8 *p = g_bytes_get_data(data, &len);
	if (len < 6 || len > G_MAXINT || !tnef_well_formed(p, len, 1000)) {
		note(c, "winmail.dat: malformed TNEF, kept as is");
		return false;
	}
	BYTE *copy = g_memdup2(p, len); /* ytnef takes a non-const buffer */
	TNEFStruct t;
	TNEFInitialize(&t);
	t.Debug = 0;
	int rc = TNEFParseMemory(copy, (long)len, &t);
	unsigned found = 0;
	if (rc == 0) {
		for (Attachment *a = t.starting_attach.next; a; a = a->next) {
			variableLength *d = &a->FileData;
			if (!d->data || d->size <= 0)
				continue;
			if ((size_t)d->size > c->lim->max_attachment_size) {
				truncated(c, &c->atts_noted, "attachment size (winmail.dat)");
				continue;
			}
			char *name = tnef_name(a);
			char *safe = mime_sanitize_filename(name);
			GBytes *b = g_bytes_new(d->data, (gsize)d->size);
			add_attachment(c, safe, "application/octet-stream", b);
			g_bytes_unref(b);
			g_free(safe);
			g_free(name);
			found++;
		}
	} else {
		note(c, "winmail.dat: not readable TNEF (code %d)", rc);
	}
	TNEFFree(&t);
	/* Attachment attributes before the first attAttachRenddata land in
	 * starting_attach, which TNEFFree leaves alone. */
	TNEFFreeAttachment(&t.starting_attach);
	g_free(copy);
	return rc == 0 && found > 0;
}

/* ---- delivery status reports ------------------------------------------------- */

/* field_value - value of "Name:" in a block of header-like lines (RFC 3464
 * fields, text/rfc822-headers); continuation lines joined. NULL if absent. */
static char *field_value(const char *text, size_t len, const char *name)
{
	size_t n = strlen(name);
	const char *end = text + len;
	for (const char *line = text; line < end;) {
		const char *nl = memchr(line, '\n', end - line);
		const char *le = nl ? nl : end;
		if ((size_t)(le - line) > n && g_ascii_strncasecmp(line, name, n) == 0 &&
		    line[n] == ':') {
			GString *v = g_string_new(NULL);
			g_string_append_len(v, line + n + 1, le - line - n - 1);
			while (nl && nl + 1 < end && (nl[1] == ' ' || nl[1] == '\t')) {
				const char *next = nl + 1;
				nl = memchr(next, '\n', end - next);
				g_string_append_len(v, next, (nl ? nl : end) - next);
			}
			char *s = g_string_free(v, FALSE);
			g_strdelimit(s, "\r\n", ' ');
			return g_strstrip(s);
		}
		line = nl ? nl + 1 : end;
	}
	return NULL;
}

static void set_bounce_header(struct ctx *c, const char *name, const char *value)
{
	if (!value || !*value || msg_header(c->m, name))
		return;
	char *v = charset_to_utf8(value, strlen(value), NULL, NULL);
	msg_add_header(c->m, name, v);
	g_free(v);
}

/* parse_dsn - failed recipient and status of a message/delivery-status body:
 * the first per-recipient block whose Action is failed (else the first). */
static void parse_dsn(struct ctx *c, const char *raw, size_t raw_len)
{
	/* CRLF to LF first, so one search finds each blank line (searching for
	 * two separators at every block would be quadratic on hostile input) */
	char *text = g_malloc(raw_len + 1);
	size_t len = 0;
	for (size_t i = 0; i < raw_len; i++)
		if (raw[i] != '\r')
			text[len++] = raw[i];
	text[len] = '\0';
	const char *end = text + len, *block = text;
	char *first_rcpt = NULL, *first_status = NULL;
	bool done = false;
	while (block < end && !done) {
		const char *sep = g_strstr_len(block, end - block, "\n\n");
		const char *be = sep ? sep : end;
		char *rcpt = field_value(block, be - block, "Final-Recipient");
		if (!rcpt)
			rcpt = field_value(block, be - block, "Original-Recipient");
		char *status = field_value(block, be - block, "Status");
		char *action = field_value(block, be - block, "Action");
		if (rcpt) {
			const char *semi = strchr(rcpt, ';');
			char *addr = g_strstrip(g_strdup(semi ? semi + 1 : rcpt));
			g_strdelimit(addr, "<>", ' ');
			g_strstrip(addr);
			char *lower = g_ascii_strdown(addr, -1);
			g_free(addr);
			if (status) /* "5.1.1 (unknown user)" -> "5.1.1" */
				status[strcspn(status, " \t(")] = '\0';
			if (action && g_ascii_strncasecmp(action, "failed", 6) == 0) {
				set_bounce_header(c, "X-Complaintd-Bounce-Recipient", lower);
				set_bounce_header(c, "X-Complaintd-Bounce-Status", status);
				done = true;
			} else if (!first_rcpt) {
				first_rcpt = g_strdup(lower);
				first_status = g_strdup(status);
			}
			g_free(lower);
		}
		g_free(rcpt);
		g_free(status);
		g_free(action);
		block = sep ? sep + 2 : end;
	}
	if (!done && first_rcpt) {
		set_bounce_header(c, "X-Complaintd-Bounce-Recipient", first_rcpt);
		set_bounce_header(c, "X-Complaintd-Bounce-Status", first_status);
	}
	g_free(first_rcpt);
	g_free(first_status);
	g_free(text);
}

static void bounce_message_id(struct ctx *c, const char *id)
{
	if (!id)
		return;
	char *clean_id = g_mime_utils_decode_message_id(id);
	set_bounce_header(c, "X-Complaintd-Bounce-Message-Id", clean_id ? clean_id : id);
	g_free(clean_id);
}

/* ---- body walk --------------------------------------------------------------- */

static void walk(struct ctx *c, GMimeObject *obj, unsigned depth);

static bool is_type(GMimeObject *obj, const char *type, const char *subtype)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	return ct && g_mime_content_type_is_type(ct, type, subtype);
}

static bool is_attachment_disposition(GMimeObject *obj)
{
	GMimeContentDisposition *cd = g_mime_object_get_content_disposition(obj);
	return cd && g_mime_content_disposition_is_attachment(cd);
}

static bool has_charset_of_nul(const char *cs)
{
	return cs && (g_ascii_strncasecmp(cs, "utf-16", 6) == 0 ||
		      g_ascii_strncasecmp(cs, "utf-32", 6) == 0 ||
		      g_ascii_strncasecmp(cs, "ucs", 3) == 0);
}

/* text_part - append a body text part, converted to UTF-8. */
static void text_part(struct ctx *c, GMimePart *part, bool html)
{
	bool too_big;
	GBytes *b = bytes_of(part, c->lim->max_message_size, &too_big);
	if (!b) {
		truncated(c, &c->parts_noted, "text part size");
		return;
	}
	gsize len;
	const char *data = g_bytes_get_data(b, &len);
	const char *cs = g_mime_object_get_content_type_parameter(GMIME_OBJECT(part), "charset");
	if (len && memchr(data, 0, len) && !has_charset_of_nul(cs)) {
		msg_add_flags(c->m, MSG_F_NUL_BYTES);
		note(c, "NUL bytes removed from body text");
	}
	if (cs && !c->body_charset && g_ascii_strcasecmp(cs, "utf-8") != 0 &&
	    g_ascii_strcasecmp(cs, "us-ascii") != 0)
		c->body_charset = g_strdup(cs);
	bool guessed = false;
	char *u = charset_to_utf8(data, len, cs, &guessed);
	if (guessed) {
		msg_add_flags(c->m, MSG_F_CHARSET_GUESSED);
		note(c, "body charset %.40s missing or wrong; guessed", cs ? cs : "(none)");
	}
	GString *dst = html ? c->html : c->plain;
	char *t = html ? htmltext_to_text(u, strlen(u)) : NULL;
	const char *add = t ? t : u;
	if (*add) {
		if (dst->len)
			g_string_append(dst, "\n\n");
		g_string_append(dst, add);
	}
	g_free(t);
	g_free(u);
	g_bytes_unref(b);
}

static void report_part(struct ctx *c, GMimePart *part, bool dsn)
{
	bool too_big;
	GBytes *b = bytes_of(part, 1024 * 1024, &too_big);
	if (!b)
		return;
	gsize len;
	const char *data = g_bytes_get_data(b, &len);
	if (!data || !len) {
		g_bytes_unref(b);
		return;
	}
	if (dsn) {
		parse_dsn(c, data, len);
	} else {
		char *id = field_value(data, len, "Message-ID");
		bounce_message_id(c, id);
		g_free(id);
	}
	g_bytes_unref(b);
}

static bool is_tnef(GMimeObject *obj, const char *filename)
{
	return is_type(obj, "application", "ms-tnef") ||
	       is_type(obj, "application", "vnd.ms-tnef") ||
	       g_ascii_strcasecmp(filename, "winmail.dat") == 0;
}

static void leaf_part(struct ctx *c, GMimePart *part)
{
	GMimeObject *obj = GMIME_OBJECT(part);
	if (c->in_report && (is_type(obj, "message", "delivery-status") ||
			     is_type(obj, "message", "global-delivery-status"))) {
		report_part(c, part, true);
		return;
	}
	if (c->in_report && is_type(obj, "text", "rfc822-headers")) {
		report_part(c, part, false);
		return;
	}
	char *name = part_filename(c, obj);
	if (!c->in_forward && is_type(obj, "message", "feedback-report"))
		msg_add_flags(c->m, MSG_F_AUTO_SUBMITTED); /* ARF without its report-type */
	bool attach = is_attachment_disposition(obj) || *name;
	bool plain = is_type(obj, "text", "plain"), html = is_type(obj, "text", "html");
	if ((plain || html) && !attach) {
		text_part(c, part, html);
		g_free(name);
		return;
	}
	if (c->in_forward) {  /* kept whole in the forwarded mail's .eml */
		g_free(name);
		return;
	}
	bool too_big;
	GBytes *b = bytes_of(part, c->lim->max_attachment_size, &too_big);
	if (!b) {
		truncated(c, &c->atts_noted, "attachment size");
	} else if (!is_tnef(obj, name) || !tnef_extract(c, b)) {
		char *type = content_type_of(obj);
		add_attachment(c, name, type, b);
		g_free(type);
	}
	if (b)
		g_bytes_unref(b);
	g_free(name);
}

static bool text_nonblank(const GString *s);

/* forwarded_header - "Name: value" of the forwarded mail, decoded, one
 * line (clean() turns folding and control characters into spaces). */
static void forwarded_header(struct ctx *c, GMimeMessage *inner, const char *name,
			     GString *out)
{
	char *raw = raw_header(GMIME_OBJECT(inner), name);
	if (!raw)
		return;
	size_t len = MIN(strlen(raw), c->lim->max_header_len);
	char *v = decode_header(raw, len, c->body_charset, NULL);
	if (*v)
		g_string_append_printf(out, "%s: %s\n", name, v);
	g_free(v);
	g_free(raw);
}

/* forwarded_text - the text of a mail forwarded as an attachment
 * (Outlook's and Thunderbird's "forward as attachment", a shop platform
 * or a colleague passing a customer's mail on) goes after the mail's own
 * text under the separator Gmail writes for an inline forward. Without
 * it a complaint forwarded that way was classified on "see attached"
 * alone. The rules' fresh text keeps what follows that separator; a
 * staff reply's (replytext) ends there, so nothing in a forwarded mail
 * is read as a #command or relayed to a customer. */
static void forwarded_text(struct ctx *c, GMimeMessage *inner, unsigned depth)
{
	GString *plain = c->plain, *html = c->html, *fwd = c->forwarded;
	bool was = c->in_forward;
	c->plain = g_string_new(NULL);
	c->html = g_string_new(NULL);
	c->forwarded = g_string_new(NULL);
	c->in_forward = true;
	walk(c, g_mime_message_get_mime_part(inner), depth + 1);
	c->in_forward = was;
	GString *text = text_nonblank(c->plain) ? c->plain : c->html;
	if (text_nonblank(text) || text_nonblank(c->forwarded)) {
		if (fwd->len)
			g_string_append(fwd, "\n\n");
		g_string_append(fwd, "---------- Forwarded message ----------\n");
		forwarded_header(c, inner, "From", fwd);
		forwarded_header(c, inner, "Date", fwd);
		forwarded_header(c, inner, "Subject", fwd);
		g_string_append_c(fwd, '\n');
		g_string_append_len(fwd, text->str, text->len);
		if (c->forwarded->len)  /* mails forwarded inside this one */
			g_string_append_printf(fwd, "\n\n%s", c->forwarded->str);
	}
	g_string_free(c->plain, TRUE);
	g_string_free(c->html, TRUE);
	g_string_free(c->forwarded, TRUE);
	c->plain = plain;
	c->html = html;
	c->forwarded = fwd;
}

/* A forwarded or bounced mail. Inside a report only its Message-ID is
 * wanted; elsewhere it is kept as an .eml attachment and its text read
 * (forwarded_text). */
static void message_part(struct ctx *c, GMimeMessagePart *mp, unsigned depth)
{
	GMimeMessage *inner = g_mime_message_part_get_message(mp);
	if (c->in_report) {
		if (inner)
			bounce_message_id(c, g_mime_message_get_message_id(inner));
		return;
	}
	if (!inner)
		return;
	if (!c->in_forward) {  /* one inside a forwarded mail is in that .eml */
		char *s = g_mime_object_to_string(GMIME_OBJECT(inner), NULL);
		size_t n = strlen(s);
		if (n > c->lim->max_attachment_size) {
			truncated(c, &c->atts_noted, "attachment size (message/rfc822)");
		} else {
			GBytes *b = g_bytes_new_take(s, n);
			s = NULL;
			add_attachment(c, "message.eml", "message/rfc822", b);
			g_bytes_unref(b);
		}
		g_free(s);
	}
	forwarded_text(c, inner, depth);
}

static bool text_nonblank(const GString *s)
{
	for (gsize i = 0; i < s->len; i++)
		if (!g_ascii_isspace(s->str[i]))
			return true;
	return false;
}

/* multipart/alternative: text/plain when it says something, else the
 * richest (last) alternative, usually HTML. */
static void alternative(struct ctx *c, GMimeMultipart *mp, unsigned depth)
{
	int n = g_mime_multipart_get_count(mp);
	GMimeObject *plain = NULL;
	for (int i = 0; i < n && !plain; i++) {
		GMimeObject *ch = g_mime_multipart_get_part(mp, i);
		if (GMIME_IS_PART(ch) && is_type(ch, "text", "plain") &&
		    !is_attachment_disposition(ch))
			plain = ch;
	}
	gsize before = c->plain->len;
	if (plain)
		walk(c, plain, depth + 1);
	bool said = c->plain->len > before && text_nonblank(c->plain);
	if (!said && n > 0 && g_mime_multipart_get_part(mp, n - 1) != plain)
		walk(c, g_mime_multipart_get_part(mp, n - 1), depth + 1);
}

static void multipart(struct ctx *c, GMimeMultipart *mp, unsigned depth)
{
	GMimeObject *obj = GMIME_OBJECT(mp);
	bool was_report = c->in_report;
	/* a report inside a forwarded mail is what a customer forwards (the
	 * bounce they got), not a report about our mail */
	if (!c->in_forward && is_type(obj, "multipart", "report")) {
		const char *rt = g_mime_object_get_content_type_parameter(obj, "report-type");
		if (rt && g_ascii_strcasecmp(rt, "delivery-status") == 0) {
			msg_add_flags(c->m, MSG_F_BOUNCE);
			c->in_report = true;
		} else if (rt && g_ascii_strcasecmp(rt, "disposition-notification") == 0) {
			msg_add_flags(c->m, MSG_F_AUTO_SUBMITTED); /* read receipt */
		} else if (rt && g_ascii_strcasecmp(rt, "feedback-report") == 0) {
			/* ARF (RFC 5965): an abuse desk's machine reporting our
			 * mail; answering it is how we end up on its block list */
			msg_add_flags(c->m, MSG_F_AUTO_SUBMITTED);
		}
	}
	if (g_mime_multipart_get_count(mp) == 0) {
		/* boundary never found: the whole body is in the prologue */
		msg_add_flags(c->m, MSG_F_PARSE_ERROR);
		note(c, "multipart without parts (boundary not found)");
		const char *pro = g_mime_multipart_get_prologue(mp);
		if (pro) {
			char *u = charset_to_utf8(pro, strlen(pro), NULL, NULL);
			if (c->plain->len)
				g_string_append(c->plain, "\n\n");
			g_string_append(c->plain, u);
			g_free(u);
		}
	} else if (is_type(obj, "multipart", "alternative")) {
		alternative(c, mp, depth);
	} else {
		int n = g_mime_multipart_get_count(mp);
		for (int i = 0; i < n; i++)
			walk(c, g_mime_multipart_get_part(mp, i), depth + 1);
	}
	c->in_report = was_report;
}

static void walk(struct ctx *c, GMimeObject *obj, unsigned depth)
{
	if (!obj)
		return;
	if (depth > c->lim->max_depth) {
		truncated(c, &c->depth_noted, "MIME depth");
		return;
	}
	if (++c->parts > c->lim->max_parts) {
		truncated(c, &c->parts_noted, "MIME part count");
		return;
	}
	if (GMIME_IS_MULTIPART(obj))
		multipart(c, GMIME_MULTIPART(obj), depth);
	else if (GMIME_IS_MESSAGE_PART(obj))
		message_part(c, GMIME_MESSAGE_PART(obj), depth);
	else if (GMIME_IS_PART(obj))
		leaf_part(c, GMIME_PART(obj));
}

/* ---- headers -------------------------------------------------------------------- */

/* display_name - the raw phrase before '<' of a single mailbox, unquoted and
 * decoded by our RFC 2047 decoder. NULL when there is no "<addr>" form. */
static char *display_name(struct ctx *c, const char *raw)
{
	const char *lt = NULL;
	bool quoted = false;
	for (const char *p = raw; *p; p++) {
		if (*p == '\\' && p[1])
			p++;
		else if (*p == '"')
			quoted = !quoted;
		else if (*p == '<' && !quoted) {
			lt = p;
			break;
		}
	}
	if (!lt)
		return NULL;
	GString *s = g_string_new(NULL);
	for (const char *p = raw; p < lt; p++) {
		if (*p == '\\' && p + 1 < lt)
			p++;
		else if (*p == '"')
			continue;
		g_string_append_c(s, *p);
	}
	char *name = decode_header(s->str, s->len, c->body_charset, NULL);
	g_string_free(s, TRUE);
	return name;
}

static void each_mailbox(InternetAddressList *list,
			 void (*fn)(InternetAddressMailbox *, gpointer), gpointer data)
{
	int n = list ? internet_address_list_length(list) : 0;
	for (int i = 0; i < n; i++) {
		InternetAddress *a = internet_address_list_get_address(list, i);
		if (INTERNET_ADDRESS_IS_MAILBOX(a))
			fn(INTERNET_ADDRESS_MAILBOX(a), data);
		else if (INTERNET_ADDRESS_IS_GROUP(a))
			each_mailbox(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)),
				     fn, data);
	}
}

static const char *usable_addr(InternetAddressMailbox *mb)
{
	const char *addr = internet_address_mailbox_get_addr(mb);
	if (!addr || !strchr(addr, '@') || !g_utf8_validate(addr, -1, NULL))
		return NULL;
	for (const char *p = addr; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '<' || *p == '>')
			return NULL;
	return addr;
}

/* msg_add_recipient checks for duplicates, so the count must be bounded */
static void add_rcpt(InternetAddressMailbox *mb, gpointer data)
{
	const char *a = usable_addr(mb);
	if (a && msg_recipient_count(data) < MAX_RECIPIENTS)
		msg_add_recipient(data, a);
}

static void first_mailbox(InternetAddressMailbox *mb, gpointer data)
{
	InternetAddressMailbox **first = data;
	if (!*first && usable_addr(mb))
		*first = mb;
}

static void from_header(struct ctx *c, const char *raw)
{
	InternetAddressList *list = internet_address_list_parse(c->opts, raw);
	InternetAddressMailbox *mb = NULL;
	each_mailbox(list, first_mailbox, &mb);
	if (mb) {
		char *name = display_name(c, raw);
		if (!name) {
			const char *gn = internet_address_get_name(INTERNET_ADDRESS(mb));
			name = gn ? charset_to_utf8(gn, strlen(gn), c->body_charset, NULL) : NULL;
		}
		msg_set_from(c->m, usable_addr(mb), name);
		g_free(name);
	}
	if (list)
		g_object_unref(list);
}

static void addr_header(struct ctx *c, const char *raw, bool reply_to)
{
	InternetAddressList *list = internet_address_list_parse(c->opts, raw);
	if (reply_to) {
		InternetAddressMailbox *mb = NULL;
		each_mailbox(list, first_mailbox, &mb);
		if (mb && !msg_reply_to(c->m))
			msg_set_reply_to(c->m, usable_addr(mb));
	} else {
		each_mailbox(list, add_rcpt, c->m);
	}
	if (list)
		g_object_unref(list);
}

static void id_headers(struct ctx *c, const char *name, const char *raw)
{
	if (g_ascii_strcasecmp(name, "Message-ID") == 0 && !msg_message_id(c->m)) {
		char *id = g_mime_utils_decode_message_id(raw);
		char *v = charset_to_utf8(id ? id : raw, strlen(id ? id : raw), NULL, NULL);
		msg_set_message_id(c->m, v);
		g_free(v);
		g_free(id);
	} else if (g_ascii_strcasecmp(name, "In-Reply-To") == 0 && !msg_in_reply_to(c->m)) {
		char *id = g_mime_utils_decode_message_id(raw);
		if (id && g_utf8_validate(id, -1, NULL))
			msg_set_in_reply_to(c->m, id);
		g_free(id);
	} else if (g_ascii_strcasecmp(name, "References") == 0 && !msg_reference_count(c->m)) {
		GMimeReferences *refs = g_mime_references_parse(c->opts, raw);
		int n = refs ? g_mime_references_length(refs) : 0;
		for (int i = 0; i < n && i < 500; i++) {
			const char *id = g_mime_references_get_message_id(refs, i);
			if (id && g_utf8_validate(id, -1, NULL))
				msg_add_reference(c->m, id);
		}
		if (refs)
			g_mime_references_free(refs);
	}
}

/* one_header - record a top-level header and the fields it carries. */
static void one_header(struct ctx *c, const char *name, const char *raw_in)
{
	if (!name || !raw_in || !g_utf8_validate(name, -1, NULL))
		return;
	/* our own bounce headers cannot come from outside */
	if (g_ascii_strncasecmp(name, "X-Complaintd-", 13) == 0) {
		note(c, "dropped incoming header %.60s", name);
		return;
	}
	if (++c->headers > MAX_HEADERS) {
		if (c->headers == MAX_HEADERS + 1) {
			msg_add_flags(c->m, MSG_F_TRUNCATED);
			note(c, "limit reached: more than %d headers", MAX_HEADERS);
		}
		return;
	}
	size_t len = strlen(raw_in);
	char *raw = NULL;
	if (len > c->lim->max_header_len) {
		msg_add_flags(c->m, MSG_F_TRUNCATED);
		note(c, "header %.60s cut from %zu bytes", name, len);
		len = c->lim->max_header_len;
	}
	raw = g_strndup(raw_in, len);
	bool guessed = false;
	char *value = decode_header(raw, len, c->body_charset, &guessed);
	if (guessed && !charset_is_ascii(raw, len))
		msg_add_flags(c->m, MSG_F_CHARSET_GUESSED);
	msg_add_header(c->m, name, value);
	if (g_ascii_strcasecmp(name, "Subject") == 0 && !msg_subject(c->m))
		msg_set_subject(c->m, value);
	else if (g_ascii_strcasecmp(name, "From") == 0 && !msg_from_addr(c->m))
		from_header(c, raw);
	else if (g_ascii_strcasecmp(name, "Reply-To") == 0)
		addr_header(c, raw, true);
	else if (g_ascii_strcasecmp(name, "To") == 0 || g_ascii_strcasecmp(name, "Cc") == 0)
		addr_header(c, raw, false);
	else if (g_ascii_strcasecmp(name, "Date") == 0 && !msg_date(c->m)) {
		GDateTime *dt = g_mime_utils_header_decode_date(raw);
		if (dt) {
			msg_set_date(c->m, g_date_time_to_unix(dt));
			g_date_time_unref(dt);
		}
	} else
		id_headers(c, name, raw);
	g_free(value);
	g_free(raw);
}

/* ---- flags ---------------------------------------------------------------------- */

static bool header_is(struct message *m, const char *name, const char *const *values)
{
	const char *v = msg_header(m, name);
	if (!v)
		return false;
	for (; *values; values++)
		if (g_ascii_strncasecmp(v, *values, strlen(*values)) == 0)
			return true;
	return false;
}

/* Subjects that auto-responders put and people do not. */
static bool subject_clearly_auto(const char *s)
{
	static const char *const prefixes[] = {
		"automatic reply:", "auto reply:", "autoreply:", "auto-reply:",
		"auto response:", "out of office autoreply:", "自动回复", "自動回覆",
		"自動回复", "自动答复", NULL,
	};
	for (const char *const *p = prefixes; *p; p++)
		if (g_ascii_strncasecmp(s, *p, strlen(*p)) == 0)
			return true;
	return false;
}

/* Subjects that suggest an auto-responder but that a person may also write. */
static bool subject_maybe_auto(const char *s)
{
	static const char *const words[] = {
		"out of office", "out of the office", "vacation", "on leave",
		"休假", "不在办公室", "外出", NULL,
	};
	char *lower = g_ascii_strdown(s, -1);
	bool hit = false;
	for (const char *const *w = words; *w && !hit; w++)
		hit = strstr(lower, *w) != NULL;
	g_free(lower);
	return hit;
}

/* reply_prefix - s starts with what mail programs put before the subject
 * of the mail answered: Re, Aw, Antw, Sv, Vs, Odp, 回复, 答复, 回覆 (also as
 * Re[2] or Re^2) with an ASCII or full-width colon. */
static bool reply_prefix(const char *s)
{
	static const char *const words[] = {
		"re", "aw", "antw", "sv", "vs", "odp", "回复", "答复", "回覆", "答覆", NULL,
	};
	while (*s == ' ' || *s == '\t')
		s++;
	for (const char *const *w = words; *w; w++) {
		size_t n = strlen(*w);
		if (g_ascii_strncasecmp(s, *w, n) != 0)
			continue;
		const char *t = s + n;
		if (*t == '[' || *t == '^') {  /* Re[2]: and Re^2: of some programs */
			t++;
			while (g_ascii_isdigit(*t))
				t++;
			if (*t == ']')
				t++;
		}
		while (*t == ' ')
			t++;
		if (*t == ':' || g_str_has_prefix(t, "\xef\xbc\x9a"))  /* ： */
			return true;
	}
	return false;
}

bool mime_subject_says_away(const char *subject)
{
	return subject && subject_maybe_auto(subject) && !reply_prefix(subject);
}

static bool local_part_is(const char *addr, const char *local)
{
	size_t n = strlen(local);
	return addr && g_ascii_strncasecmp(addr, local, n) == 0 && addr[n] == '@';
}

/* local_word - addr's local part is one of words, or starts with one
 * followed by a separator. */
static bool local_word(const char *addr, const char *const *words)
{
	if (!addr)
		return false;
	for (const char *const *w = words; *w; w++) {
		size_t n = strlen(*w);
		if (g_ascii_strncasecmp(addr, *w, n) == 0 && addr[n] &&
		    strchr("@-_.+", addr[n]))
			return true;
	}
	return false;
}

/* noreply_sender - an address that says no one reads it (noreply@,
 * no-reply-billing@, DoNotReply@ ...): providers send error and policy
 * notices from such addresses, often without any Auto-Submitted header, and
 * an acknowledgement to them goes nowhere or starts a loop. The word must
 * end the local part or be followed by a separator, so that "noreen@" and
 * "noreplyhelp" written by a person are not caught. */
static bool noreply_sender(const char *addr)
{
	static const char *const words[] = {
		"noreply", "no-reply", "no_reply", "no.reply", "donotreply",
		"do-not-reply", "do_not_reply", "do.not.reply", "dontreply",
		"dont-reply", NULL,
	};
	return local_word(addr, words);
}

/* bounce_sender - bounce@, bounces-...@: a bounce processor's address. */
static bool bounce_sender(const char *addr)
{
	static const char *const words[] = { "bounce", "bounces", NULL };
	return local_word(addr, words);
}

/* auto_generated - Auto-Submitted: auto-generated (RFC 3834 §5): a
 * program's own mail, not an answer to one. */
static bool auto_generated(const char *as)
{
	if (!as)
		return false;
	while (*as == ' ' || *as == '\t')
		as++;
	size_t n = strlen("auto-generated");
	return g_ascii_strncasecmp(as, "auto-generated", n) == 0 &&
	       (as[n] == '\0' || as[n] == ';' || as[n] == ' ' || as[n] == '\t');
}

/* header_flags - what the headers say about who sent the mail. An
 * automatic answer (auto-reply, out-of-office), a bounce or list mail is
 * never a complaint; mail a program sent on its own (MSG_F_GENERATED) may
 * carry one - a contact form's gateway, a shop platform forwarding a buyer's
 * complaint - so the pipeline lets its text decide, and never answers it. */
static void header_flags(struct ctx *c)
{
	struct message *m = c->m;
	const char *as = msg_header(m, "Auto-Submitted");
	static const char *const auto_prec[] = { "auto_reply", "auto-reply", NULL };
	static const char *const bulk_prec[] = { "bulk", "junk", NULL };
	static const char *const list_prec[] = { "list", NULL };
	bool generated = auto_generated(as);
	bool auto_hdr = (as && !generated && g_ascii_strncasecmp(as, "no", 2) != 0) ||
			msg_header(m, "X-Autoreply") || msg_header(m, "X-Autorespond") ||
			msg_header(m, "X-Autogenerated") ||
			/* Exchange marks mail an inbox rule generated or redirected;
			 * answering it is how rule loops start */
			msg_header(m, "X-MS-Exchange-Inbox-Rules-Loop") ||
			header_is(m, "Precedence", auto_prec);
	const char *subj = msg_subject(m) ? msg_subject(m) : "";
	bool hint = msg_header(m, "X-Auto-Response-Suppress") || msg_header(m, "Precedence");
	const char *rp = msg_header(m, "Return-Path");
	bool null_rp = rp && strcmp(rp, "<>") == 0;
	if (auto_hdr || subject_clearly_auto(subj) ||
	    (subject_maybe_auto(subj) && (hint || null_rp || generated)))
		msg_add_flags(m, MSG_F_AUTO_SUBMITTED);
	if (msg_header(m, "List-Id") || header_is(m, "Precedence", list_prec))
		msg_add_flags(m, MSG_F_LIST);
	const char *from = msg_from_addr(m);
	if (local_part_is(from, "mailer-daemon") || local_part_is(from, "postmaster"))
		msg_add_flags(m, MSG_F_BOUNCE);
	if (bounce_sender(from))
		msg_add_flags(m, MSG_F_BOUNCE);
	/* a program's mail that answers something (a helpdesk's "we got your
	 * mail" to our acknowledgement) is an automatic answer */
	bool answers = msg_in_reply_to(m) || msg_reference_count(m) || reply_prefix(subj) ||
		       (msg_flags(m) & MSG_F_AUTO_SUBMITTED);
	if (generated || noreply_sender(from) || noreply_sender(msg_reply_to(m)) ||
	    msg_header(m, "List-Unsubscribe") || header_is(m, "Precedence", bulk_prec))
		msg_add_flags(m, answers ? MSG_F_AUTO_SUBMITTED : MSG_F_GENERATED);
	/* RFC 3834 auto-replies also use a null return path: that alone makes
	 * a bounce only when nothing says a program sent it */
	if (null_rp && !(msg_flags(m) & (MSG_F_AUTO_SUBMITTED | MSG_F_GENERATED)))
		msg_add_flags(m, MSG_F_BOUNCE);
	if (!from)
		msg_add_flags(m, MSG_F_NO_SENDER);
}

/* ---- top level ---------------------------------------------------------------- */

/* headers - the message's headers, then the Content-* ones that gmime keeps
 * on the top-level MIME part instead. */
static void headers(struct ctx *c, GMimeMessage *gm)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(gm));
	int n = hl ? g_mime_header_list_get_count(hl) : 0;
	for (int i = 0; i < n; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
		one_header(c, g_mime_header_get_name(h), g_mime_header_get_raw_value(h));
	}
	GMimeObject *body = g_mime_message_get_mime_part(gm);
	hl = body ? g_mime_object_get_header_list(body) : NULL;
	n = hl ? g_mime_header_list_get_count(hl) : 0;
	for (int i = 0; i < n; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
		const char *name = g_mime_header_get_name(h);
		if (name && g_ascii_strncasecmp(name, "Content-", 8) == 0)
			one_header(c, name, g_mime_header_get_raw_value(h));
	}
}

static void trim_end(GString *s)
{
	while (s->len && g_ascii_isspace(s->str[s->len - 1]))
		g_string_truncate(s, s->len - 1);
}

/* choose_text - the plain text if it says something, else the HTML's;
 * then the text of forwarded mails. */
static void choose_text(struct ctx *c)
{
	GString *own = NULL;
	if (text_nonblank(c->plain)) {
		own = c->plain;
	} else if (text_nonblank(c->html)) {
		own = c->html;
		msg_add_flags(c->m, MSG_F_HTML_ONLY);
	}
	if (own) {
		trim_end(own);
		if (c->forwarded->len)
			g_string_append(own, "\n\n");
	}
	if (c->forwarded->len) {
		trim_end(c->forwarded);
		own = own ? g_string_append(own, c->forwarded->str) : c->forwarded;
	}
	if (own)
		msg_set_text(c->m, own->str);
}

/* unparsable - gmime gave up: keep the bytes as text so nothing is lost. */
static void unparsable(struct ctx *c, const char *data, size_t len)
{
	msg_add_flags(c->m, MSG_F_PARSE_ERROR | MSG_F_NO_SENDER);
	note(c, "not a parsable message; raw bytes kept as text");
	size_t n = MIN(len, (size_t)1024 * 1024);
	char *u = charset_to_utf8(data, n, NULL, NULL);
	msg_set_text(c->m, u);
	g_free(u);
}

/* strip_nul - a copy of data without NUL bytes (gmime and every C string
 * after it would stop at them). */
static char *strip_nul(const char *data, size_t *len)
{
	char *copy = g_malloc(*len + 1);
	size_t o = 0;
	for (size_t i = 0; i < *len; i++)
		if (data[i])
			copy[o++] = data[i];
	copy[o] = '\0';
	*len = o;
	return copy;
}

static bool is_field_line(const char *p, const char *le)
{
	const char *q = p;
	while (q < le && *q > ' ' && *q < 0x7f && *q != ':')
		q++;
	return q > p && q < le && *q == ':';
}

/* repair_headers - a copy with the header lines gmime chokes on (no colon,
 * mbox "From " line, bad field names) dropped, for a second attempt. */
static char *repair_headers(const char *data, size_t *len)
{
	GString *s = g_string_sized_new(*len);
	const char *p = data, *end = data + *len;
	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		const char *le = nl ? nl + 1 : end;
		if (*p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n'))
			break; /* end of the header block */
		if (is_field_line(p, le) || ((*p == ' ' || *p == '\t') && s->len))
			g_string_append_len(s, p, le - p);
		p = le;
	}
	g_string_append_len(s, p, end - p);
	*len = s->len;
	return g_string_free(s, FALSE);
}

static GMimeMessage *construct(struct ctx *c, const char *data, size_t len)
{
	if (!len)
		return NULL;
	GMimeStream *stream = g_mime_stream_mem_new_with_buffer(data, len);
	GMimeParser *parser = g_mime_parser_new_with_stream(stream);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	GMimeMessage *gm = g_mime_parser_construct_message(parser, c->opts);
	g_object_unref(parser);
	g_object_unref(stream);
	return gm;
}

/* construct_shared - parse the archive copy in place: gmime's own stream
 * would copy the bytes once more, and for a 25 MB mail that copy was a
 * sixth of the daemon's peak memory (issue 10.5). ba must outlive gm's
 * streams, which end with gm. */
static GMimeMessage *construct_shared(struct ctx *c, GByteArray *ba)
{
	if (!ba->len)
		return NULL;
	GMimeStream *stream = g_mime_stream_mem_new_with_byte_array(ba);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(stream), FALSE);
	GMimeParser *parser = g_mime_parser_new_with_stream(stream);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	GMimeMessage *gm = g_mime_parser_construct_message(parser, c->opts);
	g_object_unref(parser);
	g_object_unref(stream);
	return gm;
}

struct message *mime_parse(const char *data, size_t len,
			   const struct mime_limits *lim)
{
	struct mime_limits defaults;
	if (!lim) {
		mime_limits_default(&defaults);
		lim = &defaults;
	}
	mime_init();
	if (!data)
		len = 0;
	struct ctx c = { .m = msg_new(MSG_CHANNEL_EMAIL), .lim = lim,
			 .plain = g_string_new(NULL), .html = g_string_new(NULL),
			 .forwarded = g_string_new(NULL) };
	/* the archive copy; msg_set_raw gets it when parsing is over. Exactly
	 * len bytes: g_byte_array_sized_new rounds up to a power of two, which
	 * held up to twice the mail for as long as the message lived. */
	GByteArray *copy = g_byte_array_new_take(len ? g_memdup2(data, len) : NULL, len);
	if (len > lim->max_message_size) {
		msg_add_flags(c.m, MSG_F_TRUNCATED);
		note(&c, "message of %zu bytes cut to %zu", len, lim->max_message_size);
		len = lim->max_message_size;
	}
	char *nonul = NULL;
	if (len && memchr(data, 0, len)) {
		msg_add_flags(c.m, MSG_F_NUL_BYTES);
		note(&c, "NUL bytes removed before parsing");
		nonul = strip_nul(data, &len);
		data = nonul;
	}
	c.opts = g_mime_parser_options_new();
	g_mime_parser_options_set_warning_callback(c.opts, on_parser_warning, &c);
	GMimeMessage *gm = !nonul && len == copy->len ? construct_shared(&c, copy)
						      : construct(&c, data, len);
	char *repaired = NULL;
	if (!gm && len) {
		size_t rlen = len;
		repaired = repair_headers(data, &rlen);
		gm = construct(&c, repaired, rlen);
		if (gm) {
			msg_add_flags(c.m, MSG_F_PARSE_ERROR);
			note(&c, "malformed header lines dropped");
		}
	}
	if (!gm) {
		unparsable(&c, data ? data : "", len);
	} else {
		walk(&c, g_mime_message_get_mime_part(gm), 1);
		headers(&c, gm);
		header_flags(&c);
		choose_text(&c);
		g_object_unref(gm);   /* its streams, which read copy, end here */
	}
	GBytes *raw = g_byte_array_free_to_bytes(copy);
	msg_set_raw(c.m, raw);
	g_bytes_unref(raw);
	g_free(repaired);
	g_mime_parser_options_free(c.opts);
	g_string_free(c.plain, TRUE);
	g_string_free(c.html, TRUE);
	g_string_free(c.forwarded, TRUE);
	g_free(c.body_charset);
	g_free(nonul);
	return c.m;
}
