/* message - the normalised message. */
#include "mail/message.h"

#include <stdarg.h>
#include <string.h>

#include "lib/digest.h"

struct header { char *name; char *value; };

struct message {
	enum msg_channel channel;
	char *message_id, *in_reply_to, *subject;
	char *from_addr, *from_name, *reply_to;
	int64_t date;
	char *text;
	char lang[4];
	unsigned flags;
	GPtrArray *references;   /* char* */
	GPtrArray *recipients;   /* char* */
	GArray *headers;         /* struct header */
	GHashTable *fields;      /* char* -> char* */
	GPtrArray *attachments;  /* struct msg_attachment* */
	GPtrArray *notes;        /* char* */
	GBytes *raw;
	char raw_sha256[65];
};

static void header_clear(gpointer p)
{
	struct header *h = p;
	g_free(h->name);
	g_free(h->value);
}

static void attachment_free(gpointer p)
{
	struct msg_attachment *a = p;
	g_free(a->filename);
	g_free(a->content_type);
	g_bytes_unref(a->data);
	g_free(a);
}

struct message *msg_new(enum msg_channel channel)
{
	struct message *m = g_new0(struct message, 1);
	m->channel = channel;
	m->text = g_strdup("");
	strcpy(m->lang, "en");
	m->references = g_ptr_array_new_with_free_func(g_free);
	m->recipients = g_ptr_array_new_with_free_func(g_free);
	m->headers = g_array_new(FALSE, TRUE, sizeof(struct header));
	g_array_set_clear_func(m->headers, header_clear);
	m->fields = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	m->attachments = g_ptr_array_new_with_free_func(attachment_free);
	m->notes = g_ptr_array_new_with_free_func(g_free);
	return m;
}

void msg_free(struct message **mp)
{
	struct message *m = *mp;
	if (!m)
		return;
	g_free(m->message_id);
	g_free(m->in_reply_to);
	g_free(m->subject);
	g_free(m->from_addr);
	g_free(m->from_name);
	g_free(m->reply_to);
	g_free(m->text);
	g_ptr_array_unref(m->references);
	g_ptr_array_unref(m->recipients);
	g_array_unref(m->headers);
	g_hash_table_unref(m->fields);
	g_ptr_array_unref(m->attachments);
	g_ptr_array_unref(m->notes);
	if (m->raw)
		g_bytes_unref(m->raw);
	g_free(m);
	*mp = NULL;
}

enum msg_channel msg_channel(const struct message *m) { return m->channel; }

static const char *const channel_names[MSG_CHANNEL_COUNT] = {
	"email", "web", "phone", "counter", "wechat", "letter", "other",
};

const char *msg_channel_name(enum msg_channel channel)
{
	return (unsigned)channel < MSG_CHANNEL_COUNT ? channel_names[channel] : "email";
}

bool msg_channel_parse(const char *name, enum msg_channel *out)
{
	for (unsigned i = 0; name && i < MSG_CHANNEL_COUNT; i++)
		if (!strcmp(name, channel_names[i])) {
			*out = (enum msg_channel)i;
			return true;
		}
	return false;
}

const char *msg_message_id(const struct message *m) { return m->message_id; }
const char *msg_in_reply_to(const struct message *m) { return m->in_reply_to; }
const char *msg_subject(const struct message *m) { return m->subject; }
const char *msg_from_addr(const struct message *m) { return m->from_addr; }
const char *msg_from_name(const struct message *m) { return m->from_name; }
const char *msg_reply_to(const struct message *m) { return m->reply_to; }
int64_t msg_date(const struct message *m) { return m->date; }
const char *msg_text(const struct message *m) { return m->text; }
const char *msg_lang(const struct message *m) { return m->lang; }
unsigned msg_flags(const struct message *m) { return m->flags; }

static void replace(char **slot, const char *value)
{
	char *old = *slot;
	*slot = g_strdup(value);
	g_free(old);
}

/* Ids are kept without the angle brackets and surrounding blanks. */
static char *strip_id(const char *id)
{
	if (!id)
		return NULL;
	while (g_ascii_isspace(*id))
		id++;
	if (*id == '<')
		id++;
	char *out = g_strdup(id);
	char *end = strchr(out, '>');
	if (end)
		*end = '\0';
	g_strchomp(out);
	if (!*out) {
		g_free(out);
		return NULL;
	}
	return out;
}

void msg_set_message_id(struct message *m, const char *id)
{
	g_free(m->message_id);
	m->message_id = strip_id(id);
}

void msg_set_in_reply_to(struct message *m, const char *id)
{
	g_free(m->in_reply_to);
	m->in_reply_to = strip_id(id);
}

void msg_set_subject(struct message *m, const char *s) { replace(&m->subject, s); }

void msg_set_from(struct message *m, const char *addr, const char *name)
{
	char *lower = addr && *addr ? g_utf8_strdown(addr, -1) : NULL;
	g_free(m->from_addr);
	m->from_addr = lower;
	replace(&m->from_name, name && *name ? name : NULL);
}

void msg_set_reply_to(struct message *m, const char *addr)
{
	g_free(m->reply_to);
	m->reply_to = addr && *addr ? g_utf8_strdown(addr, -1) : NULL;
}

void msg_set_date(struct message *m, int64_t unix_time) { m->date = unix_time; }

void msg_set_text(struct message *m, const char *text)
{
	replace(&m->text, text ? text : "");
	msg_set_lang(m, msg_guess_lang(m->text));
}

void msg_set_lang(struct message *m, const char *lang)
{
	g_strlcpy(m->lang, lang && *lang ? lang : "en", sizeof(m->lang));
}

void msg_add_flags(struct message *m, unsigned flags) { m->flags |= flags; }

void msg_add_reference(struct message *m, const char *id)
{
	char *clean = strip_id(id);
	if (clean)
		g_ptr_array_add(m->references, clean);
}

unsigned msg_reference_count(const struct message *m) { return m->references->len; }

const char *msg_reference(const struct message *m, unsigned i)
{
	return i < m->references->len ? g_ptr_array_index(m->references, i) : NULL;
}

void msg_add_recipient(struct message *m, const char *addr)
{
	if (!addr || !*addr)
		return;
	char *lower = g_utf8_strdown(addr, -1);
	for (unsigned i = 0; i < m->recipients->len; i++)
		if (strcmp(g_ptr_array_index(m->recipients, i), lower) == 0) {
			g_free(lower);
			return;
		}
	g_ptr_array_add(m->recipients, lower);
}

unsigned msg_recipient_count(const struct message *m) { return m->recipients->len; }

const char *msg_recipient(const struct message *m, unsigned i)
{
	return i < m->recipients->len ? g_ptr_array_index(m->recipients, i) : NULL;
}

void msg_add_header(struct message *m, const char *name, const char *value)
{
	struct header h = { g_strdup(name), g_strdup(value ? value : "") };
	g_array_append_val(m->headers, h);
}

const char *msg_header(const struct message *m, const char *name)
{
	for (unsigned i = 0; i < m->headers->len; i++) {
		struct header *h = &g_array_index(m->headers, struct header, i);
		if (g_ascii_strcasecmp(h->name, name) == 0)
			return h->value;
	}
	return NULL;
}

unsigned msg_header_count(const struct message *m) { return m->headers->len; }

void msg_header_at(const struct message *m, unsigned i,
		   const char **name, const char **value)
{
	struct header *h = &g_array_index(m->headers, struct header, i);
	*name = h->name;
	*value = h->value;
}

void msg_set_field(struct message *m, const char *name, const char *value)
{
	g_hash_table_replace(m->fields, g_strdup(name), g_strdup(value ? value : ""));
}

const char *msg_field(const struct message *m, const char *name)
{
	return g_hash_table_lookup(m->fields, name);
}

static gint cmp_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char **msg_field_names(const struct message *m, unsigned *n)
{
	guint len;
	const char **names = (const char **)g_hash_table_get_keys_as_array(m->fields, &len);
	qsort(names, len, sizeof(*names), cmp_str);
	*n = len;
	return names;
}

void msg_add_attachment(struct message *m, const char *filename,
			const char *content_type, GBytes *data)
{
	struct msg_attachment *a = g_new0(struct msg_attachment, 1);
	a->filename = g_strdup(filename ? filename : "");
	a->content_type = g_ascii_strdown(content_type ? content_type
					  : "application/octet-stream", -1);
	a->data = g_bytes_ref(data);
	gsize len;
	const void *bytes = g_bytes_get_data(data, &len);
	digest_sha256_hex(bytes, len, a->sha256);
	g_ptr_array_add(m->attachments, a);
}

unsigned msg_attachment_count(const struct message *m) { return m->attachments->len; }

const struct msg_attachment *msg_attachment(const struct message *m, unsigned i)
{
	return i < m->attachments->len ? g_ptr_array_index(m->attachments, i) : NULL;
}

void msg_add_note(struct message *m, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *note = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	/* a transaction tried again makes the same notes again: once is enough */
	for (unsigned i = 0; i < m->notes->len; i++)
		if (!strcmp(g_ptr_array_index(m->notes, i), note)) {
			g_free(note);
			return;
		}
	g_ptr_array_add(m->notes, note);
}

unsigned msg_note_count(const struct message *m) { return m->notes->len; }

const char *msg_note(const struct message *m, unsigned i)
{
	return i < m->notes->len ? g_ptr_array_index(m->notes, i) : NULL;
}

void msg_set_raw(struct message *m, GBytes *raw)
{
	GBytes *old = m->raw;
	m->raw = raw ? g_bytes_ref(raw) : NULL;
	if (old)
		g_bytes_unref(old);
	m->raw_sha256[0] = '\0';
	if (m->raw) {
		gsize len;
		const void *bytes = g_bytes_get_data(m->raw, &len);
		digest_sha256_hex(bytes, len, m->raw_sha256);
	}
}

GBytes *msg_raw(const struct message *m) { return m->raw; }
const char *msg_raw_sha256(const struct message *m) { return m->raw_sha256; }

/* Han ideographs (and CJK punctuation) against Latin letters: a Chinese
 * complaint often carries English product names, so a third is enough.
 * Every mail's text passes here: the loop reads the validated UTF-8 by
 * its lead bytes (the characters counted are all three bytes long)
 * instead of calling g_utf8_get_char for each. */
const char *msg_guess_lang(const char *text)
{
	unsigned han = 0, latin = 0;
	if (!text || !g_utf8_validate(text, -1, NULL))
		return "en";
	for (const unsigned char *p = (const unsigned char *)text; *p;) {
		if (*p < 0x80) {
			latin += g_ascii_isalpha((char)*p);
			p++;
		} else if (*p < 0xE0) {
			p += 2;
		} else if (*p < 0xF0) {
			gunichar c = ((gunichar)(p[0] & 0x0F) << 12) | ((gunichar)(p[1] & 0x3F) << 6) |
				     (p[2] & 0x3F);
			han += (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
			       (c >= 0x3000 && c <= 0x303F) || (c >= 0xFF00 && c <= 0xFFEF);
			p += 3;
		} else {
			p += 4;
		}
	}
	/* a Chinese character carries about as much as a short English word */
	return han > 0 && han * 4 >= latin ? "zh" : "en";
}

char *msg_flag_names(unsigned flags)
{
	static const char *const names[] = {
		"parse_error", "charset_guessed", "auto_submitted", "bounce",
		"list", "html_only", "truncated", "nul_bytes", "no_sender", "staff",
		"unverified_staff", "generated",
	};
	GString *s = g_string_new(NULL);
	for (unsigned i = 0; i < G_N_ELEMENTS(names); i++)
		if (flags & (1u << i))
			g_string_append_printf(s, "%s%s", s->len ? "," : "", names[i]);
	return g_string_free(s, FALSE);
}
