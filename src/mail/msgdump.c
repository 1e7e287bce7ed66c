/* msgdump - struct message as text or JSON. */
#include "mail/msgdump.h"

#include <inttypes.h>
#include "lib/json.h"

static const char *or_empty(const char *s) { return s ? s : ""; }

void msgdump_text(const struct message *m, GString *out)
{
	g_string_append_printf(out, "Channel: %s\n", msg_channel_name(msg_channel(m)));
	g_string_append_printf(out, "Message-ID: %s\n", or_empty(msg_message_id(m)));
	g_string_append_printf(out, "In-Reply-To: %s\n", or_empty(msg_in_reply_to(m)));
	for (unsigned i = 0; i < msg_reference_count(m); i++)
		g_string_append_printf(out, "Reference: %s\n", msg_reference(m, i));
	g_string_append_printf(out, "Date: %" PRId64 "\n", msg_date(m));
	g_string_append_printf(out, "From: %s <%s>\n", or_empty(msg_from_name(m)),
			       or_empty(msg_from_addr(m)));
	g_string_append_printf(out, "Reply-To: %s\n", or_empty(msg_reply_to(m)));
	for (unsigned i = 0; i < msg_recipient_count(m); i++)
		g_string_append_printf(out, "To: %s\n", msg_recipient(m, i));
	g_string_append_printf(out, "Subject: %s\n", or_empty(msg_subject(m)));
	char *flags = msg_flag_names(msg_flags(m));
	g_string_append_printf(out, "Flags: %s\nLang: %s\n", flags, msg_lang(m));
	g_free(flags);
	for (unsigned i = 0; i < msg_note_count(m); i++)
		g_string_append_printf(out, "Note: %s\n", msg_note(m, i));
	g_string_append(out, "Headers:\n");
	for (unsigned i = 0; i < msg_header_count(m); i++) {
		const char *n, *v;
		msg_header_at(m, i, &n, &v);
		g_string_append_printf(out, "  %s: %s\n", n, v);
	}
	g_string_append_printf(out, "Text:\n%s\n", msg_text(m));
	for (unsigned i = 0; i < msg_attachment_count(m); i++) {
		const struct msg_attachment *a = msg_attachment(m, i);
		g_string_append_printf(out, "Attachment: %s (%s, %zu bytes, sha256 %s)\n",
				       a->filename, a->content_type,
				       g_bytes_get_size(a->data), a->sha256);
	}
}

static void json_attachments(struct json *j, const struct message *m)
{
	json_key(j, "attachments");
	json_array_begin(j);
	for (unsigned i = 0; i < msg_attachment_count(m); i++) {
		const struct msg_attachment *a = msg_attachment(m, i);
		json_object_begin(j);
		json_kv_string(j, "name", a->filename);
		json_kv_string(j, "type", a->content_type);
		json_kv_int(j, "size", (int64_t)g_bytes_get_size(a->data));
		json_kv_string(j, "sha256", a->sha256);
		json_object_end(j);
	}
	json_array_end(j);
}

static void json_lists(struct json *j, const struct message *m)
{
	json_key(j, "references");
	json_array_begin(j);
	for (unsigned i = 0; i < msg_reference_count(m); i++)
		json_string(j, msg_reference(m, i));
	json_array_end(j);
	json_key(j, "to");
	json_array_begin(j);
	for (unsigned i = 0; i < msg_recipient_count(m); i++)
		json_string(j, msg_recipient(m, i));
	json_array_end(j);
	json_key(j, "flags");
	json_array_begin(j);
	char *names = msg_flag_names(msg_flags(m));
	char **v = g_strsplit(names, ",", -1);
	for (char **p = v; *p; p++)
		if (**p)
			json_string(j, *p);
	g_strfreev(v);
	g_free(names);
	json_array_end(j);
	json_key(j, "notes");
	json_array_begin(j);
	for (unsigned i = 0; i < msg_note_count(m); i++)
		json_string(j, msg_note(m, i));
	json_array_end(j);
	json_key(j, "headers");
	json_array_begin(j);
	for (unsigned i = 0; i < msg_header_count(m); i++) {
		const char *n, *val;
		msg_header_at(m, i, &n, &val);
		json_array_begin(j);
		json_string(j, n);
		json_string(j, val);
		json_array_end(j);
	}
	json_array_end(j);
}

void msgdump_json(const struct message *m, GString *out)
{
	struct json *j = json_new(out);
	json_object_begin(j);
	json_kv_string(j, "channel", msg_channel_name(msg_channel(m)));
	json_kv_string(j, "message_id", msg_message_id(m));
	json_kv_string(j, "in_reply_to", msg_in_reply_to(m));
	json_kv_int(j, "date", msg_date(m));
	json_kv_string(j, "subject", msg_subject(m));
	json_key(j, "from");
	json_object_begin(j);
	json_kv_string(j, "addr", msg_from_addr(m));
	json_kv_string(j, "name", msg_from_name(m));
	json_object_end(j);
	json_kv_string(j, "reply_to", msg_reply_to(m));
	json_kv_string(j, "lang", msg_lang(m));
	json_kv_string(j, "text", msg_text(m));
	json_attachments(j, m);
	json_lists(j, m);
	json_kv_string(j, "raw_sha256", msg_raw_sha256(m));
	json_object_end(j);
	json_free(&j);
}
