/* form - web-form and JSON posts decoded, validated, normalised. */
#include "intake/form.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "lib/facts.h"
#include "lib/json.h"
#include "lib/jsonparse.h"
#include "mail/message.h"
#include "mail/mime.h"
#include "mail/recipient.h"
#include "workflow/taken.h"

struct field_def {
	const char *key;
	unsigned max;        /* characters */
	bool required;
	bool multiline;
};

static const struct field_def fields[FORM_N_FIELDS] = {
	[FORM_NAME] = { "name", 100, true, false },
	[FORM_EMAIL] = { "email", 254, true, false },
	[FORM_PHONE] = { "phone", 32, false, false },
	[FORM_ORDER] = { "order_no", 64, false, false },
	[FORM_PRODUCT] = { "product", 200, false, false },
	[FORM_PLACE] = { "purchase_place", 200, false, false },
	[FORM_DATE] = { "purchase_date", 10, false, false },
	[FORM_DESCRIPTION] = { "description", 20000, true, true },
	[FORM_REQUEST] = { "request", 2000, false, true },
	[FORM_DEMAND] = { "demand", 20, false, false },
};

/* The hidden fields are short; anything longer is not ours. */
#define HIDDEN_MAX 128

struct upload {
	char *filename;
	char *declared_type;
	GByteArray *data;
	bool too_big;       /* data beyond the limit was dropped */
};

struct ferr {
	char *key;
	const char *code;   /* static */
};

struct form {
	struct form_limits lim;
	GString *value[FORM_N_FIELDS];
	bool present[FORM_N_FIELDS], overflow[FORM_N_FIELDS], dup[FORM_N_FIELDS];
	GString *token, *lang, *honeypot;
	GPtrArray *files;          /* struct upload* */
	unsigned files_offered;    /* including those over the count limit */
	GPtrArray *early;          /* struct ferr*: problems found while decoding */
	GPtrArray *errors;         /* struct ferr*: the result of form_validate */
};

static void upload_free(gpointer p)
{
	struct upload *u = p;
	g_free(u->filename);
	g_free(u->declared_type);
	g_byte_array_unref(u->data);
	g_free(u);
}

static void ferr_free(gpointer p)
{
	struct ferr *e = p;
	g_free(e->key);
	g_free(e);
}

struct form *form_new(const struct form_limits *lim)
{
	struct form *f = g_new0(struct form, 1);
	f->lim = *lim;
	for (unsigned i = 0; i < FORM_N_FIELDS; i++)
		f->value[i] = g_string_new(NULL);
	f->token = g_string_new(NULL);
	f->lang = g_string_new(NULL);
	f->honeypot = g_string_new(NULL);
	f->files = g_ptr_array_new_with_free_func(upload_free);
	f->early = g_ptr_array_new_with_free_func(ferr_free);
	f->errors = g_ptr_array_new_with_free_func(ferr_free);
	return f;
}

void form_free(struct form **fp)
{
	struct form *f = *fp;
	if (!f)
		return;
	for (unsigned i = 0; i < FORM_N_FIELDS; i++)
		g_string_free(f->value[i], TRUE);
	g_string_free(f->token, TRUE);
	g_string_free(f->lang, TRUE);
	g_string_free(f->honeypot, TRUE);
	g_ptr_array_unref(f->files);
	g_ptr_array_unref(f->early);
	g_ptr_array_unref(f->errors);
	g_free(f);
	*fp = NULL;
}

const char *form_field_key(enum form_field f)
{
	return (unsigned)f < FORM_N_FIELDS ? fields[f].key : "";
}

unsigned form_field_max(enum form_field f)
{
	return (unsigned)f < FORM_N_FIELDS ? fields[f].max : 0;
}

static int field_index(const char *key)
{
	for (unsigned i = 0; i < FORM_N_FIELDS; i++)
		if (!strcmp(fields[i].key, key))
			return (int)i;
	return -1;
}

static void add_err(GPtrArray *list, const char *key, const char *code)
{
	struct ferr *e = g_new0(struct ferr, 1);
	e->key = g_strdup(key);
	e->code = code;
	g_ptr_array_add(list, e);
}

/* append_hidden - a piece of a hidden field's value; off == 0 starts it. A
 * second value makes it invalid, as a value too long does: joined, two
 * halves would make one that passes ("token=aaaa&token=bbbb"). */
static void append_hidden(GString *s, const char *data, size_t len, uint64_t off)
{
	if (off == 0 && s->len) {
		g_string_assign(s, "\x01");
	} else if (s->len + len <= HIDDEN_MAX) {
		g_string_append_len(s, data, (gssize)len);
	} else {
		g_string_assign(s, "\x01");  /* too long: marks it invalid, stays non-empty */
	}
}

void form_add_data(struct form *f, const char *key, const char *data, size_t len,
		   uint64_t off)
{
	if (!key)
		return;
	if (!strcmp(key, FORM_TOKEN))
		return append_hidden(f->token, data, len, off);
	if (!strcmp(key, FORM_LANG))
		return append_hidden(f->lang, data, len, off);
	if (!strcmp(key, FORM_HONEYPOT))
		return append_hidden(f->honeypot, len ? data : "", len, off);
	int i = field_index(key);
	if (i < 0)
		return;
	if (off == 0 && len && f->value[i]->len) {
		f->dup[i] = true;   /* a second value for one field */
		return;
	}
	f->present[i] = true;
	/* 4 bytes per character at most; beyond that it is too long anyway */
	if (f->value[i]->len + len > (size_t)fields[i].max * 4 + 4)
		f->overflow[i] = true;
	else if (!f->overflow[i])
		g_string_append_len(f->value[i], data, (gssize)len);
}

static struct upload *new_upload(struct form *f, const char *filename, const char *type)
{
	f->files_offered++;
	if (f->files->len >= f->lim.max_attachments)
		return NULL;
	struct upload *u = g_new0(struct upload, 1);
	u->filename = g_strdup(filename ? filename : "");
	u->declared_type = g_ascii_strdown(type ? type : "", -1);
	u->data = g_byte_array_new();
	g_ptr_array_add(f->files, u);
	return u;
}

static void upload_append(const struct form *f, struct upload *u, const char *data, size_t len)
{
	if (u->data->len + len > f->lim.max_attachment_size) {
		u->too_big = true;
		return;
	}
	g_byte_array_append(u->data, (const guint8 *)data, (guint)len);
}

void form_add_file_data(struct form *f, const char *filename, const char *content_type,
			const char *data, size_t len, uint64_t off)
{
	if (off == 0) {
		/* a file input left empty is sent as a part without name or data */
		if ((!filename || !*filename) && !len)
			return;
		struct upload *u = new_upload(f, filename, content_type);
		if (u)
			upload_append(f, u, data, len);
		return;
	}
	if (f->files_offered > f->files->len || !f->files->len)
		return;  /* a piece of a file over the count limit */
	upload_append(f, g_ptr_array_index(f->files, f->files->len - 1), data, len);
}

/* ---- JSON ------------------------------------------------------------------ */

static bool base64_ok(const char *s, size_t len)
{
	if (len % 4)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (g_ascii_isalnum(c) || c == '+' || c == '/')
			continue;
		/* '=' only as the last one or two characters */
		if (c == '=' && i + 2 >= len && (i + 1 == len || s[i + 1] == '='))
			continue;
		return false;
	}
	return true;
}

static void json_attachment(struct form *f, const struct jsonparse_value *a)
{
	const char *name = jsonparse_string(jsonparse_get(a, "filename"), NULL);
	const char *type = jsonparse_string(jsonparse_get(a, "content_type"), NULL);
	size_t b64len = 0;
	const char *b64 = jsonparse_string(jsonparse_get(a, "data"), &b64len);
	if (jsonparse_type(a) != JSONPARSE_OBJECT || !b64) {
		add_err(f->early, FORM_ATTACHMENTS, "invalid_attachment");
		return;
	}
	if (!base64_ok(b64, b64len)) {
		add_err(f->early, FORM_ATTACHMENTS, "invalid_base64");
		return;
	}
	struct upload *u = new_upload(f, name, type);
	if (!u)
		return;
	if (b64len / 4 * 3 > f->lim.max_attachment_size + 3) {
		u->too_big = true;
		return;
	}
	gsize n = 0;
	guchar *bin = b64len ? g_base64_decode(b64, &n) : NULL;
	upload_append(f, u, (const char *)bin, n);
	g_free(bin);
}

#define MAX_UNKNOWN_NAMED 16

static void json_member(struct form *f, const char *key, const struct jsonparse_value *v)
{
	if (!strcmp(key, FORM_ATTACHMENTS)) {
		if (jsonparse_type(v) != JSONPARSE_ARRAY) {
			add_err(f->early, key, "invalid_attachment");
			return;
		}
		for (size_t i = 0; i < jsonparse_length(v); i++)
			json_attachment(f, jsonparse_index(v, i));
		return;
	}
	bool known = field_index(key) >= 0 || !strcmp(key, FORM_TOKEN) ||
		     !strcmp(key, FORM_LANG) || !strcmp(key, FORM_HONEYPOT);
	size_t len = 0;
	const char *s = jsonparse_string(v, &len);
	if (!known) {
		/* named in the answer: a few, shortly (a stranger's keys may be
		 * megabytes, and thousands) */
		if (f->early->len < MAX_UNKNOWN_NAMED) {
			char *shown = g_utf8_make_valid(key, -1);
			if (g_utf8_strlen(shown, -1) > 64)
				*g_utf8_offset_to_pointer(shown, 64) = '\0';
			add_err(f->early, shown, "unknown_field");
			g_free(shown);
		}
	} else if (!s)
		add_err(f->early, key, "not_a_string");
	else
		form_add_data(f, key, s, len, 0);
}

int form_parse_json(struct form *f, const char *data, size_t len, char **error_r)
{
	size_t max_b64 = f->lim.max_attachment_size / 3 * 4 + 8;
	struct jsonparse_limits lim = {
		.max_bytes = len + 1, .max_depth = 4,
		.max_string = MAX(max_b64, (size_t)JSONPARSE_DEFAULT_MAX_STRING),
		.max_values = 1000,
	};
	struct jsonparse_value *v = jsonparse_parse(data, len, &lim, error_r);
	if (!v)
		return -1;
	if (jsonparse_type(v) != JSONPARSE_OBJECT) {
		*error_r = g_strdup_printf("the body must be a JSON object, not %s",
					   jsonparse_type_name(jsonparse_type(v)));
		jsonparse_free(&v);
		return -1;
	}
	for (size_t i = 0; i < jsonparse_length(v); i++)
		json_member(f, jsonparse_key(v, i), jsonparse_index(v, i));
	jsonparse_free(&v);
	return 0;
}

/* ---- validation -------------------------------------------------------------- */

static bool has_controls(const char *s, size_t len, bool multiline)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == 0x7f || (c < 0x20 && !(multiline && (c == '\n' || c == '\r' || c == '\t'))))
			return true;
	}
	return false;
}

static bool blank(const char *s)
{
	for (; *s; s++)
		if (!g_ascii_isspace(*s))
			return false;
	return true;
}

static bool phone_ok(const char *s)
{
	unsigned digits = 0;
	for (; *s; s++) {
		if (g_ascii_isdigit(*s))
			digits++;
		else if (!strchr(" +-().", *s))
			return false;
	}
	return digits >= 3;
}

static bool date_ok(const char *s)
{
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (unsigned i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !g_ascii_isdigit(s[i]))
			return false;
	int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
	return y >= 1970 && y <= 2100 && g_date_valid_dmy((GDateDay)d, (GDateMonth)m, (GDateYear)y);
}

static const char *check_field(const struct form *f, unsigned i)
{
	const GString *v = f->value[i];
	const struct field_def *d = &fields[i];
	if (f->dup[i])
		return "duplicate";
	if (f->overflow[i])
		return "too_long";
	if (!g_utf8_validate(v->str, (gssize)v->len, NULL))
		return memchr(v->str, '\0', v->len) ? "control_chars" : "invalid_utf8";
	if (has_controls(v->str, v->len, d->multiline))
		return "control_chars";
	if (g_utf8_strlen(v->str, (gssize)v->len) > (glong)d->max)
		return "too_long";
	if (blank(v->str))
		return d->required ? "required" : NULL;
	char *t = g_strstrip(g_strdup(v->str));
	const char *code = NULL;
	if (i == FORM_EMAIL && !recipient_addr_ok(t))
		code = "invalid_email";
	else if (i == FORM_PHONE && !phone_ok(t))
		code = "invalid_phone";
	else if (i == FORM_DATE && !date_ok(t))
		code = "invalid_date";
	else if (i == FORM_DEMAND && !facts_demand_valid(t))
		code = "invalid_demand";
	g_free(t);
	return code;
}

/* sniff - the attachment's type from its first bytes; text/plain only for
 * valid UTF-8 declared or named as text. NULL when not an allowed type. */
static const char *sniff(const struct upload *u)
{
	const guint8 *d = u->data->data;
	size_t n = u->data->len;
	if (n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF)
		return "image/jpeg";
	if (n >= 8 && !memcmp(d, "\x89PNG\r\n\x1a\n", 8))
		return "image/png";
	if (n >= 6 && (!memcmp(d, "GIF87a", 6) || !memcmp(d, "GIF89a", 6)))
		return "image/gif";
	if (n >= 12 && !memcmp(d, "RIFF", 4) && !memcmp(d + 8, "WEBP", 4))
		return "image/webp";
	if (n >= 5 && !memcmp(d, "%PDF-", 5))
		return "application/pdf";
	bool texty = !strcmp(u->declared_type, "text/plain") ||
		     g_str_has_suffix(u->filename, ".txt") || g_str_has_suffix(u->filename, ".TXT");
	if (texty && g_utf8_validate((const char *)d, (gssize)n, NULL) && !memchr(d, 0, n))
		return "text/plain";
	return NULL;
}

unsigned form_validate(struct form *f)
{
	g_ptr_array_set_size(f->errors, 0);
	for (unsigned i = 0; i < f->early->len; i++) {
		const struct ferr *e = g_ptr_array_index(f->early, i);
		add_err(f->errors, e->key, e->code);
	}
	for (unsigned i = 0; i < FORM_N_FIELDS; i++) {
		const char *code = check_field(f, i);
		if (code)
			add_err(f->errors, fields[i].key, code);
	}
	if (f->files_offered > f->files->len)
		add_err(f->errors, FORM_ATTACHMENTS, "too_many_files");
	for (unsigned i = 0; i < f->files->len; i++) {
		const struct upload *u = g_ptr_array_index(f->files, i);
		if (u->too_big)
			add_err(f->errors, FORM_ATTACHMENTS, "file_too_large");
		else if (!u->data->len)
			add_err(f->errors, FORM_ATTACHMENTS, "file_empty");
		else if (!sniff(u))
			add_err(f->errors, FORM_ATTACHMENTS, "file_type");
	}
	return f->errors->len;
}

unsigned form_error_count(const struct form *f)
{
	return f->errors->len;
}

void form_error_at(const struct form *f, unsigned i, const char **key, const char **code)
{
	const struct ferr *e = i < f->errors->len ? g_ptr_array_index(f->errors, i) : NULL;
	*key = e ? e->key : NULL;
	*code = e ? e->code : NULL;
}

const char *form_error_for(const struct form *f, const char *key)
{
	for (unsigned i = 0; i < f->errors->len; i++) {
		const struct ferr *e = g_ptr_array_index(f->errors, i);
		if (!strcmp(e->key, key))
			return e->code;
	}
	return NULL;
}

const char *form_error_text(const char *code, const char *lang)
{
	static const char *const texts[][3] = {
		{ "required", "此项为必填项。", "This field is required." },
		{ "too_long", "内容过长。", "This is too long." },
		{ "invalid_utf8", "含有无法识别的字符。", "This contains characters we cannot read." },
		{ "control_chars", "含有不允许的控制字符。", "This contains control characters." },
		{ "invalid_email", "请填写有效的电子邮箱地址，例如 name@example.com。",
		  "Please enter a valid e-mail address, e.g. name@example.com." },
		{ "invalid_phone", "请填写有效的电话号码（数字，可含 + - 空格 括号）。",
		  "Please enter a valid phone number (digits, + - spaces, brackets)." },
		{ "invalid_date", "请按 年-月-日 填写日期，例如 2024-05-01。",
		  "Please give the date as YYYY-MM-DD, e.g. 2024-05-01." },
		{ "invalid_demand", "请从列表中选择诉求。", "Please choose what you ask for from the list." },
		{ "duplicate", "此项提交了两次。", "This field was sent twice." },
		{ "unknown_field", "未知字段。", "Unknown field." },
		{ "not_a_string", "应为文本。", "This must be a string." },
		{ "too_many_files", "附件数量超过上限。", "Too many attachments." },
		{ "file_too_large", "附件超过大小上限。", "An attachment is too large." },
		{ "file_type", "附件类型不支持（允许 JPEG、PNG、GIF、WebP、PDF、文本）。",
		  "This type of attachment is not accepted (JPEG, PNG, GIF, WebP, PDF, text)." },
		{ "file_empty", "附件为空。", "An attachment is empty." },
		{ "invalid_base64", "附件数据不是有效的 base64。", "Attachment data is not valid base64." },
		{ "invalid_attachment", "附件格式不正确。", "An attachment is malformed." },
	};
	bool en = lang && !strcmp(lang, "en");
	for (unsigned i = 0; i < G_N_ELEMENTS(texts); i++)
		if (code && !strcmp(texts[i][0], code))
			return texts[i][en ? 2 : 1];
	return en ? "This is not valid." : "填写有误。";
}

/* ---- accessors ---------------------------------------------------------------- */

const char *form_value(const struct form *f, enum form_field field)
{
	return (unsigned)field < FORM_N_FIELDS ? f->value[field]->str : "";
}

char *form_display_value(const struct form *f, enum form_field field)
{
	if ((unsigned)field >= FORM_N_FIELDS)
		return g_strdup("");
	const GString *v = f->value[field];
	/* NUL bytes would cut the value short: shown as U+FFFD like bad bytes */
	GString *copy = g_string_sized_new(v->len);
	for (size_t i = 0; i < v->len; i++)
		if (v->str[i])
			g_string_append_c(copy, v->str[i]);
		else
			g_string_append(copy, "\xEF\xBF\xBD");
	char *s = g_utf8_make_valid(copy->str, (gssize)copy->len);
	g_string_free(copy, TRUE);
	return s;
}

const char *form_token(const struct form *f)
{
	const char *t = f->token->str;
	size_t n = f->token->len;
	if (n < 16 || n > 64 || strlen(t) != n)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isalnum(t[i]) && t[i] != '-' && t[i] != '_')
			return NULL;
	return t;
}

const char *form_lang(const struct form *f)
{
	if (!strcmp(f->lang->str, "zh") || !strcmp(f->lang->str, "en"))
		return f->lang->str;
	return NULL;
}

bool form_is_bot(const struct form *f)
{
	return f->honeypot->len > 0;
}

unsigned form_attachment_count(const struct form *f)
{
	return f->files->len;
}

char *form_new_token(void)
{
	guint8 b[16];
	size_t got = 0;
	while (got < sizeof b) {
		ssize_t r = getrandom(b + got, sizeof b - got, 0);
		if (r <= 0)
			g_error("getrandom failed");  /* no entropy: a bug of the host */
		got += (size_t)r;
	}
	GString *s = g_string_sized_new(33);
	for (unsigned i = 0; i < sizeof b; i++)
		g_string_append_printf(s, "%02x", b[i]);
	return g_string_free(s, FALSE);
}

/* ---- the message ------------------------------------------------------------- */

/* subject_of - the description's first non-blank line, at most 60
 * characters. */
static char *subject_of(const char *desc)
{
	while (*desc && g_ascii_isspace(*desc))
		desc++;
	size_t n = strcspn(desc, "\r\n");
	char *line = g_strstrip(g_strndup(desc, n));
	if (g_utf8_strlen(line, -1) > 60) {
		char *cut = g_utf8_substring(line, 0, 59);
		g_free(line);
		line = g_strconcat(cut, "…", NULL);
		g_free(cut);
	}
	return line;
}

static int cmp_key(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* canonical_raw - the post as JSON with sorted keys: what is archived, and
 * (without a token) what the dedup digest is taken of. Every value is a
 * string, so complaintctl can read it back as a form post. */
static GBytes *canonical_raw(GHashTable *kv)
{
	guint n = 0;
	gpointer *keys = g_hash_table_get_keys_as_array(kv, &n);
	qsort(keys, n, sizeof *keys, cmp_key);
	GString *out = g_string_new(NULL);
	struct json *j = json_new(out);
	json_object_begin(j);
	for (guint i = 0; i < n; i++) {
		const char *k = keys[i];
		json_kv_string(j, k, g_hash_table_lookup(kv, k));
	}
	json_object_end(j);
	json_free(&j);
	g_free(keys);
	gsize len = out->len;
	return g_bytes_new_take(g_string_free(out, FALSE), len);
}

/* safe_filename - an uploaded file's name as mail attachments get theirs
 * (mime_sanitize_filename: the base name, no control or direction
 * characters, at most 200 bytes), of valid UTF-8 first. g_free. */
static char *safe_filename(const char *name)
{
	char *valid = g_utf8_make_valid(name, -1);
	char *s = mime_sanitize_filename(valid);
	g_free(valid);
	return s;
}

struct message *form_to_message(const struct form *f, const char *lang,
				const char *id_domain, int64_t now)
{
	struct message *m = msg_new(MSG_CHANNEL_WEB);
	GHashTable *kv = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
	for (unsigned i = 0; i < FORM_N_FIELDS; i++) {
		if (blank(f->value[i]->str))
			continue;
		msg_set_field(m, fields[i].key, f->value[i]->str);
		g_hash_table_insert(kv, (char *)fields[i].key, g_strdup(f->value[i]->str));
	}
	/* the phone as complaints keep it (taken.h), so that forget and list
	 * --phone find it however it was typed; the archived post keeps it
	 * as typed */
	char *phone = blank(f->value[FORM_PHONE]->str) ? NULL
		      : taken_phone_normal(f->value[FORM_PHONE]->str);
	if (phone)
		msg_set_field(m, fields[FORM_PHONE].key, phone);
	g_free(phone);
	const char *desc = form_value(f, FORM_DESCRIPTION);
	const char *req = form_value(f, FORM_REQUEST);
	bool en = lang && !strcmp(lang, "en");
	char *subject = subject_of(desc);
	char *text = blank(req) ? g_strdup(desc)
		     : g_strconcat(desc, "\n\n", en ? "Request: " : "诉求：", req, NULL);
	char *addr = g_strstrip(g_strdup(form_value(f, FORM_EMAIL)));
	char *name = g_strstrip(g_strdup(form_value(f, FORM_NAME)));
	msg_set_from(m, addr, name);
	msg_set_subject(m, subject);
	msg_set_text(m, text);
	msg_set_lang(m, en ? "en" : "zh");
	msg_set_date(m, now);
	g_hash_table_insert(kv, "subject", subject);
	g_hash_table_insert(kv, "text", text);
	g_hash_table_insert(kv, "lang", g_strdup(en ? "en" : "zh"));
	const char *token = form_token(f);
	if (token) {
		char *id = g_strdup_printf("form-%s@%s", token, id_domain ? id_domain : "web.invalid");
		msg_set_message_id(m, id);
		g_free(id);
		g_hash_table_insert(kv, "token", g_strdup(token));
	}
	for (unsigned i = 0; i < f->files->len; i++) {
		const struct upload *u = g_ptr_array_index(f->files, i);
		char *fn = safe_filename(u->filename);
		GBytes *b = g_bytes_new(u->data->data, u->data->len);
		msg_add_attachment(m, fn, sniff(u), b);
		g_bytes_unref(b);
		g_free(fn);
	}
	GBytes *raw = canonical_raw(kv);
	msg_set_raw(m, raw);
	g_bytes_unref(raw);
	g_hash_table_unref(kv);
	g_free(addr);
	g_free(name);
	return m;
}
