/* json - a tiny streaming JSON writer. */
#include "lib/json.h"

#include <math.h>
#include <string.h>

struct json {
	GString *out;
	GArray *need_comma; /* gboolean per open container */
	bool after_key;
};

struct json *json_new(GString *out)
{
	struct json *j = g_new0(struct json, 1);
	j->out = out;
	j->need_comma = g_array_new(FALSE, FALSE, sizeof(gboolean));
	return j;
}

void json_free(struct json **jp)
{
	if (!*jp)
		return;
	g_array_unref((*jp)->need_comma);
	g_free(*jp);
	*jp = NULL;
}

/* before_value - the comma between siblings, none after a key. */
static void before_value(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->need_comma->len == 0)
		return;
	gboolean *nc = &g_array_index(j->need_comma, gboolean, j->need_comma->len - 1);
	if (*nc)
		g_string_append_c(j->out, ',');
	*nc = TRUE;
}

static void open_container(struct json *j, char c)
{
	before_value(j);
	g_string_append_c(j->out, c);
	gboolean f = FALSE;
	g_array_append_val(j->need_comma, f);
}

static void close_container(struct json *j, char c)
{
	if (j->need_comma->len)
		g_array_set_size(j->need_comma, j->need_comma->len - 1);
	j->after_key = false;
	g_string_append_c(j->out, c);
}

void json_object_begin(struct json *j) { open_container(j, '{'); }
void json_object_end(struct json *j) { close_container(j, '}'); }
void json_array_begin(struct json *j) { open_container(j, '['); }
void json_array_end(struct json *j) { close_container(j, ']'); }

void json_key(struct json *j, const char *key)
{
	before_value(j);
	json_escape(j->out, key ? key : "", -1);
	g_string_append_c(j->out, ':');
	j->after_key = true;
}

static void escape_char(GString *out, gunichar c)
{
	switch (c) {
	case '"': g_string_append(out, "\\\""); return;
	case '\\': g_string_append(out, "\\\\"); return;
	case '\n': g_string_append(out, "\\n"); return;
	case '\r': g_string_append(out, "\\r"); return;
	case '\t': g_string_append(out, "\\t"); return;
	case '\b': g_string_append(out, "\\b"); return;
	case '\f': g_string_append(out, "\\f"); return;
	default: break;
	}
	if (c < 0x20 || c == 0x7f || c == 0x2028 || c == 0x2029)
		g_string_append_printf(out, "\\u%04x", (unsigned)c);
	else
		g_string_append_unichar(out, c);
}

void json_escape(GString *out, const char *s, ssize_t len)
{
	size_t n = len < 0 ? strlen(s) : (size_t)len;
	const char *p = s, *end = s + n;
	g_string_append_c(out, '"');
	while (p < end) {
		unsigned char b = (unsigned char)*p;
		if (b >= 0x20 && b < 0x7f && b != '"' && b != '\\') {
			g_string_append_c(out, (char)b); /* fast path: plain ASCII */
			p++;
			continue;
		}
		gunichar c = g_utf8_get_char_validated(p, end - p);
		if (c == (gunichar)-1 || c == (gunichar)-2) {
			g_string_append(out, "\xEF\xBF\xBD");
			p++;
			continue;
		}
		escape_char(out, c);
		p = g_utf8_next_char(p);
	}
	g_string_append_c(out, '"');
}

void json_string_len(struct json *j, const char *s, size_t len)
{
	before_value(j);
	if (!s)
		g_string_append(j->out, "null");
	else
		json_escape(j->out, s, (ssize_t)len);
}

void json_string(struct json *j, const char *s)
{
	json_string_len(j, s, s ? strlen(s) : 0);
}

void json_int(struct json *j, int64_t v)
{
	before_value(j);
	g_string_append_printf(j->out, "%" G_GINT64_FORMAT, (gint64)v);
}

void json_uint(struct json *j, uint64_t v)
{
	before_value(j);
	g_string_append_printf(j->out, "%" G_GUINT64_FORMAT, (guint64)v);
}

void json_double(struct json *j, double v)
{
	before_value(j);
	if (!isfinite(v)) {
		g_string_append(j->out, "null");
		return;
	}
	char buf[G_ASCII_DTOSTR_BUF_SIZE];
	g_string_append(j->out, g_ascii_dtostr(buf, sizeof(buf), v));
}

void json_bool(struct json *j, bool v)
{
	before_value(j);
	g_string_append(j->out, v ? "true" : "false");
}

void json_null(struct json *j)
{
	before_value(j);
	g_string_append(j->out, "null");
}

void json_kv_string(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	json_string(j, s);
}

void json_kv_int(struct json *j, const char *key, int64_t v)
{
	json_key(j, key);
	json_int(j, v);
}

void json_kv_bool(struct json *j, const char *key, bool v)
{
	json_key(j, key);
	json_bool(j, v);
}
