/* mailout - composes outgoing mail with gmime. */
#include "mail/mailout.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <gmime/gmime.h>

#include "mail/charset.h"
#include "mail/message.h"

/* header_char - what clean_header makes of the character at p (n bytes):
 * 1 keep, 0 drop (direction controls), -1 a blank (controls, C1 controls,
 * line and paragraph separators). Bytes that are not UTF-8 are kept as
 * they are (n = 1). */
static int header_char(const unsigned char *p, size_t *n)
{
	*n = 1;
	if (*p < 0x80)
		return *p < 0x20 || *p == 0x7f || *p == ' ' ? -1 : 1;
	gunichar c = g_utf8_get_char_validated((const char *)p, -1);
	if (c == (gunichar)-1 || c == (gunichar)-2)
		return 1;
	*n = (size_t)(g_utf8_next_char(p) - (const char *)p);
	if ((c >= 0x80 && c < 0xa0) || c == 0x2028 || c == 0x2029)
		return -1;
	return charset_bidi_control(c) ? 0 : 1;
}

char *mailout_clean_header(const char *value)
{
	GString *out = g_string_sized_new(value ? strlen(value) : 0);
	bool blank = false;
	size_t n;
	for (const unsigned char *p = (const unsigned char *)(value ? value : ""); *p; p += n) {
		int kind = header_char(p, &n);
		if (kind < 0) {
			if (!blank && out->len)
				g_string_append_c(out, ' ');
			blank = true;
		} else if (kind > 0) {
			g_string_append_len(out, (const char *)p, (gssize)n);
			blank = false;
		}
	}
	if (out->len && out->str[out->len - 1] == ' ')
		g_string_truncate(out, out->len - 1);
	return g_string_free(out, FALSE);
}

gboolean mailout_valid_id(const char *id)
{
	if (!id || !*id || strlen(id) > 250)
		return FALSE;
	for (const unsigned char *p = (const unsigned char *)id; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f || *p == '<' || *p == '>' || *p == '"' || *p == '\\')
			return FALSE;
	return TRUE;
}

char *mailout_message_id(const char *kind, const char *ref, const char *from_addr)
{
	const char *at = from_addr ? strrchr(from_addr, '@') : NULL;
	char *domain = mailout_clean_header(at && at[1] ? at + 1 : "complaintd.invalid");
	g_strdelimit(domain, " <>\"\\", '-');
	char *id = g_strdup_printf("%s.%s.%08x%08x@%s", kind, ref ? ref : "none",
				   g_random_int(), g_random_int(), domain);
	g_free(domain);
	return id;
}

/* cap_chars - s (UTF-8, taken) cut to at most max characters, the last
 * of them an ellipsis when cut: a stranger's 40 KB subject or name must
 * not make a header a relay refuses (Postfix takes 100 KB of headers). */
static char *cap_chars(char *s, glong max)
{
	char *end;
	if (!g_utf8_validate(s, -1, NULL)) {
		/* bytes kept as they came: cut by bytes, as many as max
		 * characters of UTF-8 may take */
		if (strlen(s) <= (size_t)max * 4)
			return s;
		end = s + (max - 1) * 4;
	} else if (g_utf8_strlen(s, -1) <= max) {
		return s;
	} else {
		end = g_utf8_offset_to_pointer(s, max - 1);
	}
	*end = '\0';
	char *capped = g_strconcat(s, "\xe2\x80\xa6", NULL);  /* … */
	g_free(s);
	return capped;
}

static void add_mailbox(GMimeMessage *msg, GMimeAddressType type, const char *name,
			const char *addr)
{
	char *n = cap_chars(mailout_clean_header(name), MAILOUT_NAME_MAX);
	char *a = mailout_clean_header(addr);
	g_strdelimit(a, " <>\"", '_');
	g_mime_message_add_mailbox(msg, type, *n ? n : NULL, a);
	g_free(n);
	g_free(a);
}

/* references - the thread's ids, oldest first, then the id answered. */
static char *references(const struct mailout *m)
{
	GString *out = g_string_new(NULL);
	if (m->thread) {
		for (unsigned i = 0; i < msg_reference_count(m->thread); i++) {
			const char *id = msg_reference(m->thread, i);
			if (mailout_valid_id(id))
				g_string_append_printf(out, "%s<%s>", out->len ? " " : "", id);
		}
	} else if (m->references) {
		char **ids = g_strsplit(m->references, " ", 50);
		for (char **id = ids; *id; id++)
			if (mailout_valid_id(*id) && g_strcmp0(*id, m->in_reply_to))
				g_string_append_printf(out, "%s<%s>", out->len ? " " : "", *id);
		g_strfreev(ids);
	}
	if (mailout_valid_id(m->in_reply_to))
		g_string_append_printf(out, "%s<%s>", out->len ? " " : "", m->in_reply_to);
	return g_string_free(out, out->len == 0);
}

int mailout_body_encoding(const char *text, size_t len)
{
	size_t count8 = 0, line = 0, maxline = 0;
	bool from = false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c == '\0')
			return GMIME_CONTENT_ENCODING_BASE64;
		if (c == '\n') {
			maxline = MAX(maxline, line);
			line = 0;
			continue;
		}
		if (line == 0 && len - i >= 5 && !memcmp(text + i, "From ", 5))
			from = true;
		count8 += c >= 0x80;
		line++;
	}
	maxline = MAX(maxline, line);
	if (count8)
		return count8 >= (size_t)(len * (17.0 / 100.0)) ? GMIME_CONTENT_ENCODING_BASE64
								: GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE;
	if (maxline > 998 || from)
		return GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE;
	return GMIME_CONTENT_ENCODING_DEFAULT;
}

/* text_part - body as a text/plain part in UTF-8. The content is set
 * directly, not with g_mime_text_part_set_text: that one walks the whole
 * text looking for a smaller charset to label it with, which we replace
 * by utf-8 anyway (it converts nothing), and it was a sixth of composing;
 * the encoding is chosen in one pass, not through gmime's filter stream
 * (another sixth). */
static GMimeObject *text_part(const char *body)
{
	GMimeTextPart *part = g_mime_text_part_new_with_subtype("plain");
	const char *text = body ? body : "";
	size_t len = strlen(text);
	GMimeStream *st = g_mime_stream_mem_new_with_buffer(text, len);
	GMimeDataWrapper *w = g_mime_data_wrapper_new_with_stream(st, GMIME_CONTENT_ENCODING_DEFAULT);
	g_mime_part_set_content(GMIME_PART(part), w);
	g_object_unref(w);
	g_object_unref(st);
	g_mime_text_part_set_charset(part, "utf-8");
	g_mime_part_set_content_encoding(GMIME_PART(part),
					 (GMimeContentEncoding)mailout_body_encoding(text, len));
	return GMIME_OBJECT(part);
}

/* attach_plan - which attachments of m->attach go along: in order, while
 * their total stays within m->max_attach (all when 0); keep[i] says. Returns
 * the line the body gets about those left out (g_free), NULL when none is.
 * A big mail must not make a mail to staff that no relay (or database
 * row) takes: the rest stays in the archive. */
static char *attach_plan(const struct mailout *m, bool *keep)
{
	size_t total = 0, left = 0, left_bytes = 0;
	for (unsigned i = 0; i < msg_attachment_count(m->attach); i++) {
		size_t n = g_bytes_get_size(msg_attachment(m->attach, i)->data);
		keep[i] = !m->max_attach || total + n <= m->max_attach;
		if (keep[i]) {
			total += n;
		} else {
			left++;
			left_bytes += n;
		}
	}
	if (!left)
		return NULL;
	if (m->lang && !strcmp(m->lang, "zh"))
		return g_strdup_printf("\n\n[另有 %zu 个附件（共 %zu 字节）未随信附上：一封邮件最多带 "
				       "%zu 字节；%s]\n", left, left_bytes, m->max_attach,
				       m->attach_note ? m->attach_note : "");
	return g_strdup_printf("\n\n[%zu attachment%s (%zu bytes) not attached: over %zu bytes "
			       "in one mail; %s]\n", left, left == 1 ? "" : "s", left_bytes,
			       m->max_attach, m->attach_note ? m->attach_note : "");
}

/* with_attachments - text, then each attachment of from that keep says,
 * base64, under multipart/mixed; takes over text. Names are cleaned like
 * header values. */
static GMimeObject *with_attachments(GMimeObject *text, const struct message *from,
				     const bool *keep)
{
	GMimeMultipart *mixed = g_mime_multipart_new_with_subtype("mixed");
	g_mime_multipart_add(mixed, text);
	g_object_unref(text);
	for (unsigned i = 0; i < msg_attachment_count(from); i++) {
		if (!keep[i])
			continue;
		const struct msg_attachment *a = msg_attachment(from, i);
		GMimeContentType *ct = g_mime_content_type_parse(NULL, a->content_type);
		GMimePart *part = g_mime_part_new_with_type(
			g_mime_content_type_get_media_type(ct), g_mime_content_type_get_media_subtype(ct));
		g_object_unref(ct);
		char *name = mailout_clean_header(a->filename);
		if (*name)
			g_mime_part_set_filename(part, name);
		g_free(name);
		gsize len;
		const void *data = g_bytes_get_data(a->data, &len);
		GMimeStream *st = g_mime_stream_mem_new_with_buffer(data, len);
		GMimeDataWrapper *w = g_mime_data_wrapper_new_with_stream(st, GMIME_CONTENT_ENCODING_DEFAULT);
		g_mime_part_set_content(part, w);
		g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_BASE64);
		g_object_unref(w);
		g_object_unref(st);
		g_mime_multipart_add(mixed, GMIME_OBJECT(part));
		g_object_unref(part);
	}
	return GMIME_OBJECT(mixed);
}

/* local_zone - the server's zone for Date: headers, read once: GLib
 * would read /etc/localtime again for every mail (a zone changed later
 * takes a restart, as for any daemon). Never freed. */
static GTimeZone *local_zone(void)
{
	static GTimeZone *tz;
	if (g_once_init_enter(&tz))
		g_once_init_leave(&tz, g_time_zone_new_local());
	return tz;
}

/* compose - m as a whole message with refs as its References value (none
 * when NULL): worked out from m, or as a packed row recorded it. */
static GBytes *compose(const struct mailout *m, const char *refs)
{
	GMimeMessage *msg = g_mime_message_new(TRUE);
	GMimeObject *obj = GMIME_OBJECT(msg);
	add_mailbox(msg, GMIME_ADDRESS_TYPE_FROM, m->from_name, m->from_addr);
	add_mailbox(msg, GMIME_ADDRESS_TYPE_TO, m->to_name, m->to_addr);
	if (m->reply_to)
		add_mailbox(msg, GMIME_ADDRESS_TYPE_REPLY_TO, NULL, m->reply_to);
	char *subject = cap_chars(mailout_clean_header(m->subject), MAILOUT_SUBJECT_MAX);
	g_mime_message_set_subject(msg, subject, "utf-8");
	g_free(subject);
	/* a time GLib cannot hold (a damaged row): now, not a mail without a date */
	GDateTime *date = g_date_time_new_from_unix_utc(m->date);
	GDateTime *local = date ? g_date_time_to_timezone(date, local_zone()) : NULL;
	if (date)
		g_date_time_unref(date);
	if (!local)
		local = g_date_time_new_now(local_zone());
	g_mime_message_set_date(msg, local);
	g_date_time_unref(local);
	g_mime_message_set_message_id(msg, m->message_id);
	if (mailout_valid_id(m->in_reply_to)) {
		char *irt = g_strdup_printf("<%s>", m->in_reply_to);
		g_mime_object_set_header(obj, "In-Reply-To", irt, NULL);
		g_free(irt);
	}
	if (refs)
		g_mime_object_set_header(obj, "References", refs, NULL);
	if (m->auto_submitted) {
		g_mime_object_set_header(obj, "Auto-Submitted", m->auto_submitted, NULL);
		/* Microsoft servers honour this instead of RFC 3834 */
		g_mime_object_set_header(obj, "X-Auto-Response-Suppress", "All", NULL);
	}
	if (m->ref) {
		char *ref = mailout_clean_header(m->ref);
		g_mime_object_set_header(obj, "X-Complaintd-Ref", ref, NULL);
		g_free(ref);
	}
	unsigned natt = m->attach ? msg_attachment_count(m->attach) : 0;
	bool *keep = g_new0(bool, natt + 1);
	char *left_out = natt ? attach_plan(m, keep) : NULL;
	char *body_text = left_out ? g_strconcat(m->body ? m->body : "", left_out, NULL) : NULL;
	GMimeObject *body = text_part(body_text ? body_text : m->body);
	g_free(body_text);
	g_free(left_out);
	if (m->html) {
		GMimeMultipart *alt = g_mime_multipart_new_with_subtype("alternative");
		g_mime_multipart_add(alt, body);
		g_object_unref(body);
		GMimeObject *html = text_part(m->html);
		g_mime_content_type_set_media_subtype(g_mime_object_get_content_type(html), "html");
		g_mime_multipart_add(alt, html);
		g_object_unref(html);
		body = GMIME_OBJECT(alt);
	}
	if (natt > 0)
		body = with_attachments(body, m->attach, keep);
	g_free(keep);
	g_mime_message_set_mime_part(msg, body);
	g_object_unref(body);

	GMimeFormatOptions *opts = g_mime_format_options_clone(NULL);
	g_mime_format_options_set_newline_format(opts, GMIME_NEWLINE_FORMAT_DOS);
	char *text = g_mime_object_to_string(obj, opts);
	g_mime_format_options_free(opts);
	g_object_unref(msg);
	return g_bytes_new_take(text, strlen(text));
}

GBytes *mailout_compose(const struct mailout *m)
{
	char *refs = references(m);
	GBytes *mail = compose(m, refs);
	g_free(refs);
	return mail;
}

/* ---- outbox rows ------------------------------------------------------------------- */

/* A packed row: these 8 bytes, then a GVariant a{sv} of byte strings (no
 * UTF-8 check: a stranger's name or text is whatever it is) and the date.
 * A composed mail starts with a header name, never with a NUL. */
static const char PACKED_MAGIC[8] = { '\0', 's', 'p', 'e', 'c', '/', '1', '\0' };

/* The fields a packed row keeps, by key: everything compose reads of a
 * mail without attachments. thread and references are kept as the
 * References value they give. */
static const struct field {
	const char *key;
	size_t off;
	bool required;
} FIELDS[] = {
	{ "from", offsetof(struct mailout, from_addr), true },
	{ "from_name", offsetof(struct mailout, from_name), false },
	{ "to", offsetof(struct mailout, to_addr), true },
	{ "to_name", offsetof(struct mailout, to_name), false },
	{ "reply_to", offsetof(struct mailout, reply_to), false },
	{ "subject", offsetof(struct mailout, subject), false },
	{ "body", offsetof(struct mailout, body), false },
	{ "html", offsetof(struct mailout, html), false },
	{ "message_id", offsetof(struct mailout, message_id), true },
	{ "in_reply_to", offsetof(struct mailout, in_reply_to), false },
	{ "lang", offsetof(struct mailout, lang), false },
	{ "auto_submitted", offsetof(struct mailout, auto_submitted), false },
	{ "ref", offsetof(struct mailout, ref), false },
};

static const char **field_of(const struct mailout *m, const struct field *f)
{
	return (const char **)((char *)m + f->off);
}

gboolean mailout_is_packed(const void *row, size_t len)
{
	return row && len >= sizeof(PACKED_MAGIC) && !memcmp(row, PACKED_MAGIC, sizeof(PACKED_MAGIC));
}

/* entry - the dict entry key: v. A byte string is wrapped in place, not
 * copied (the value must outlive the entry): a notification's body is the
 * customer's whole text. Built from constructors, not a format string:
 * g_variant_builder_add parses "{sv}" on every call, which made packing a
 * tenth of the ingest's CPU. */
static GVariant *entry(const char *key, const char *v)
{
	GVariant *bytes = g_variant_new_from_data(G_VARIANT_TYPE_BYTESTRING, v, strlen(v) + 1,
						  TRUE, NULL, NULL);
	return g_variant_new_dict_entry(g_variant_new_string(key), g_variant_new_variant(bytes));
}

static GVariant *number(const char *key, GVariant *v)
{
	return g_variant_new_dict_entry(g_variant_new_string(key), g_variant_new_variant(v));
}

/* without_text - m's body without its message row's text, or NULL when m
 * marks none (or marks bytes beyond its body). */
static char *without_text(const struct mailout *m)
{
	size_t len = m->body ? strlen(m->body) : 0;
	if (!m->text_row || !m->body || m->text_at > len || m->text_len > len - m->text_at)
		return NULL;
	GString *rest = g_string_new_len(m->body, (gssize)m->text_at);
	g_string_append(rest, m->body + m->text_at + m->text_len);
	return g_string_free(rest, FALSE);
}

GBytes *mailout_outbox_row(const struct mailout *m)
{
	if (m->attach && msg_attachment_count(m->attach) > 0)
		return mailout_compose(m);
	GVariant *kids[G_N_ELEMENTS(FIELDS) + 4];
	size_t k = 0;
	char *rest = without_text(m);
	for (size_t i = 0; i < G_N_ELEMENTS(FIELDS); i++) {
		const char *v = *field_of(m, &FIELDS[i]);
		if (rest && FIELDS[i].off == offsetof(struct mailout, body))
			v = rest;
		if (v)
			kids[k++] = entry(FIELDS[i].key, v);
	}
	if (rest) {
		kids[k++] = number("text_row", g_variant_new_uint64(m->text_row));
		kids[k++] = number("text_at", g_variant_new_uint64(m->text_at));
	}
	char *refs = references(m);
	if (refs)
		kids[k++] = entry("references", refs);
	kids[k++] = number("date", g_variant_new_int64(m->date));
	GVariant *v = g_variant_ref_sink(g_variant_new_array(G_VARIANT_TYPE("{sv}"), kids, k));
	size_t n = g_variant_get_size(v);
	char *row = g_malloc(sizeof(PACKED_MAGIC) + n);
	memcpy(row, PACKED_MAGIC, sizeof(PACKED_MAGIC));
	g_variant_store(v, row + sizeof(PACKED_MAGIC));
	g_variant_unref(v);  /* before refs and rest: entries point into them */
	g_free(refs);
	g_free(rest);
	return g_bytes_new_take(row, sizeof(PACKED_MAGIC) + n);
}

/* lookup - the byte string under key, NULL when absent or of another
 * type; valid while keep (which holds the value) lives: a value read from
 * bytes that are not in normal form may be a copy of its own. */
static const char *lookup(GVariant *dict, const char *key, GPtrArray *keep)
{
	GVariant *v = g_variant_lookup_value(dict, key, G_VARIANT_TYPE_BYTESTRING);
	if (!v)
		return NULL;
	g_ptr_array_add(keep, v);
	return g_variant_get_bytestring(v);
}

/* packed_dict - the fields of a packed row (a new reference), NULL for a
 * composed one. */
static GVariant *packed_dict(GBytes *row)
{
	size_t len = 0;
	const char *data = row ? g_bytes_get_data(row, &len) : NULL;
	if (!mailout_is_packed(data, len))
		return NULL;
	GBytes *body = g_bytes_new_from_bytes(row, sizeof(PACKED_MAGIC), len - sizeof(PACKED_MAGIC));
	GVariant *dict = g_variant_ref_sink(g_variant_new_from_bytes(G_VARIANT_TYPE_VARDICT, body,
								     FALSE));
	g_bytes_unref(body);
	return dict;
}

uint64_t mailout_outbox_text_row(GBytes *row)
{
	GVariant *dict = packed_dict(row);
	guint64 id = 0;
	if (dict && !g_variant_lookup(dict, "text_row", "t", &id))
		id = 0;
	if (dict)
		g_variant_unref(dict);
	return id;
}

/* with_text - the packed body with text put back at the place the row
 * names, into *out (g_free); false when that place is not in the body. */
static bool with_text(GVariant *dict, const char *body, const char *text, char **out)
{
	guint64 at = 0;
	*out = NULL;
	if (!g_variant_lookup(dict, "text_row", "t", &at))
		return true;
	if (!body)
		body = "";  /* a row without a body: only at 0 is in it */
	size_t len = strlen(body);
	if (!g_variant_lookup(dict, "text_at", "t", &at) || at > len)
		return false;
	GString *s = g_string_new_len(body, (gssize)at);
	g_string_append(s, text ? text : "");
	g_string_append(s, body + at);
	*out = g_string_free(s, FALSE);
	return true;
}

GBytes *mailout_outbox_mail(GBytes *row, const char *text, GError **err)
{
	size_t len = row ? g_bytes_get_size(row) : 0;
	if (!len) {
		g_set_error_literal(err, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "empty outbox row");
		return NULL;
	}
	GVariant *dict = packed_dict(row);
	if (!dict)
		return g_bytes_ref(row);
	GPtrArray *keep = g_ptr_array_new_with_free_func((GDestroyNotify)g_variant_unref);
	struct mailout m = { 0 };
	const char *missing = NULL;
	for (size_t i = 0; i < G_N_ELEMENTS(FIELDS); i++) {
		const char *v = lookup(dict, FIELDS[i].key, keep);
		*field_of(&m, &FIELDS[i]) = v;
		if (FIELDS[i].required && (!v || !*v) && !missing)
			missing = FIELDS[i].key;
	}
	GBytes *mail = NULL;
	char *full = NULL;
	if (missing || !g_variant_lookup(dict, "date", "x", &m.date))
		g_set_error(err, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
			    "packed outbox row of %zu bytes without %s", len, missing ? missing : "date");
	else if (!with_text(dict, m.body, text, &full))
		g_set_error(err, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
			    "packed outbox row of %zu bytes: text place beyond the body", len);
	else {
		if (full)
			m.body = full;
		mail = compose(&m, lookup(dict, "references", keep));
	}
	g_free(full);
	g_ptr_array_unref(keep);
	g_variant_unref(dict);
	return mail;
}
