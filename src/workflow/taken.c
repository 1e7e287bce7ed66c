/* taken - complaints staff took down: checked, then a message. */
#include "workflow/taken.h"

#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "lib/config.h"
#include "lib/json.h"
#include "mail/message.h"
#include "mail/recipient.h"

struct field_def {
	const char *key;
	unsigned max;        /* characters */
	bool multiline;
};

static const struct field_def fields[TAKEN_N_FIELDS] = {
	[TAKEN_CHANNEL] = { "channel", 16, false },
	[TAKEN_TAKEN_BY] = { "taken_by", 254, false },
	[TAKEN_NAME] = { "name", 100, false },
	[TAKEN_EMAIL] = { "email", 254, false },
	[TAKEN_PHONE] = { "phone", 32, false },
	[TAKEN_SUBJECT] = { "subject", 200, false },
	[TAKEN_TEXT] = { "text", 20000, true },
	[TAKEN_TOKEN] = { "token", 64, false },
	[TAKEN_LANG] = { "lang", 2, false },
};

struct terr {
	char *key;
	const char *code;   /* static */
};

struct taken {
	GString *value[TAKEN_N_FIELDS];
	bool present[TAKEN_N_FIELDS], overflow[TAKEN_N_FIELDS], dup[TAKEN_N_FIELDS];
	GPtrArray *early;    /* struct terr*: found before validation */
	GPtrArray *errors;   /* struct terr*: taken_validate's result */
	/* after validation: the values as stored */
	enum msg_channel channel;
	char *taker, *email, *phone, *name, *subject, *text, *lang;
	const char *token;
};

static void terr_free(gpointer p)
{
	struct terr *e = p;
	g_free(e->key);
	g_free(e);
}

struct taken *taken_new(void)
{
	struct taken *t = g_new0(struct taken, 1);
	for (unsigned i = 0; i < TAKEN_N_FIELDS; i++)
		t->value[i] = g_string_new(NULL);
	t->early = g_ptr_array_new_with_free_func(terr_free);
	t->errors = g_ptr_array_new_with_free_func(terr_free);
	return t;
}

static void clear_values(struct taken *t)
{
	char **owned[] = { &t->taker, &t->email, &t->phone, &t->name, &t->subject, &t->text,
			   &t->lang };
	for (size_t i = 0; i < G_N_ELEMENTS(owned); i++) {
		g_free(*owned[i]);
		*owned[i] = NULL;
	}
	t->token = NULL;
}

void taken_free(struct taken **tp)
{
	struct taken *t = *tp;
	if (!t)
		return;
	for (unsigned i = 0; i < TAKEN_N_FIELDS; i++)
		g_string_free(t->value[i], TRUE);
	g_ptr_array_unref(t->early);
	g_ptr_array_unref(t->errors);
	clear_values(t);
	g_free(t);
	*tp = NULL;
}

const char *taken_field_key(enum taken_field f)
{
	return (unsigned)f < TAKEN_N_FIELDS ? fields[f].key : "";
}

int taken_field_of(const char *key)
{
	for (unsigned i = 0; key && i < TAKEN_N_FIELDS; i++)
		if (!strcmp(fields[i].key, key))
			return (int)i;
	return -1;
}

unsigned taken_field_max(enum taken_field f)
{
	return (unsigned)f < TAKEN_N_FIELDS ? fields[f].max : 0;
}

static void add_err(GPtrArray *list, const char *key, const char *code)
{
	struct terr *e = g_new0(struct terr, 1);
	e->key = g_strdup(key);
	e->code = code;
	g_ptr_array_add(list, e);
}

void taken_set(struct taken *t, enum taken_field field, const char *value, size_t len)
{
	if ((unsigned)field >= TAKEN_N_FIELDS)
		return;
	if (t->present[field]) {
		t->dup[field] = true;
		return;
	}
	t->present[field] = true;
	/* 4 bytes per character at most: anything longer is too long anyway */
	if (len > (size_t)fields[field].max * 4)
		t->overflow[field] = true;
	else
		g_string_append_len(t->value[field], value, (gssize)len);
}

void taken_reject(struct taken *t, const char *key, const char *code)
{
	add_err(t->early, key, code);
}

/* ---- validation ---------------------------------------------------------- */

static bool has_controls(const char *s, size_t len, bool multiline)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == 0x7f || (c < 0x20 && !(multiline && (c == '\n' || c == '\r' || c == '\t'))))
			return true;
	}
	return false;
}

/* text_error - the generic checks every field gets; NULL when it passes
 * (an absent or blank value passes: required fields are checked apart). */
static const char *text_error(const struct taken *t, unsigned i)
{
	const GString *v = t->value[i];
	if (t->dup[i])
		return "duplicate";
	if (t->overflow[i])
		return "too_long";
	if (!g_utf8_validate(v->str, (gssize)v->len, NULL))
		return memchr(v->str, '\0', v->len) ? "control_chars" : "invalid_utf8";
	if (has_controls(v->str, v->len, fields[i].multiline))
		return "control_chars";
	if (g_utf8_strlen(v->str, (gssize)v->len) > (glong)fields[i].max)
		return "too_long";
	return NULL;
}

/* stripped - the value without blanks around it; NULL when that leaves
 * nothing. g_free. */
static char *stripped(const struct taken *t, unsigned i)
{
	char *s = g_strstrip(g_strdup(t->value[i]->str));
	if (!*s) {
		g_free(s);
		return NULL;
	}
	return s;
}

char *taken_phone_normal(const char *s)
{
	GString *out = g_string_new(NULL);
	const char *p = s;
	while (*p == ' ')
		p++;
	if (*p == '+')
		g_string_append_c(out, *p++);
	unsigned digits = 0;
	for (; *p; p++) {
		if (g_ascii_isdigit(*p)) {
			g_string_append_c(out, *p);
			digits++;
		} else if (!strchr(" -().", *p)) {
			digits = 0;
			break;
		}
	}
	if (digits < 3) {
		g_string_free(out, TRUE);
		return NULL;
	}
	return g_string_free(out, FALSE);
}

static bool token_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 16 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isalnum(s[i]) && s[i] != '-' && s[i] != '_')
			return false;
	return true;
}

/* check_channel - one of the channels staff take complaints on: mail and
 * the form arrive by themselves. */
static const char *check_channel(struct taken *t, const char *v)
{
	enum msg_channel ch;
	if (!v)
		return "required";
	if (!msg_channel_parse(v, &ch) || ch == MSG_CHANNEL_EMAIL || ch == MSG_CHANNEL_WEB)
		return "invalid_channel";
	t->channel = ch;
	return NULL;
}

static const char *check_taker(struct taken *t, const char *v, const struct config *cfg,
			       const char *taker_default)
{
	if (!v) {
		if (!taker_default)
			return "required";
		t->taker = g_strdup(taker_default);
		return NULL;
	}
	if (!recipient_addr_ok(v) || !config_is_staff(cfg, v))
		return "not_staff";
	t->taker = g_ascii_strdown(v, -1);
	return NULL;
}

/* check_value - the field-specific check of a present, stripped value v
 * (owned by the caller); fills in what is stored. */
static const char *check_value(struct taken *t, unsigned i, const char *v)
{
	switch (i) {
	case TAKEN_EMAIL:
		if (!recipient_addr_ok(v))
			return "invalid_email";
		t->email = g_ascii_strdown(v, -1);
		return NULL;
	case TAKEN_PHONE:
		t->phone = taken_phone_normal(v);
		return t->phone ? NULL : "invalid_phone";
	case TAKEN_TOKEN:
		if (!token_ok(v))
			return "invalid_token";
		t->token = t->value[TAKEN_TOKEN]->str;  /* blanks around it are not ours */
		return strcmp(v, t->token) ? "invalid_token" : NULL;
	case TAKEN_LANG:
		if (strcmp(v, "zh") && strcmp(v, "en"))
			return "invalid_lang";
		t->lang = g_strdup(v);
		return NULL;
	case TAKEN_NAME:
		t->name = g_strdup(v);
		return NULL;
	case TAKEN_SUBJECT:
		t->subject = g_strdup(v);
		return NULL;
	case TAKEN_TEXT:
		t->text = g_strdup(t->value[i]->str);  /* as typed: its layout is meant */
		return NULL;
	default:
		return NULL;
	}
}

/* check_field - field i's error code, NULL when it passes (its value then
 * filled in as stored). */
static const char *check_field(struct taken *t, unsigned i, const struct config *cfg,
			       const char *taker_default)
{
	const char *code = text_error(t, i);
	if (code)
		return code;
	char *v = stripped(t, i);
	if (i == TAKEN_CHANNEL)
		code = check_channel(t, v);
	else if (i == TAKEN_TAKEN_BY)
		code = check_taker(t, v, cfg, taker_default);
	else if (i == TAKEN_TEXT && !v)
		code = "required";
	else if (v)
		code = check_value(t, i, v);
	g_free(v);
	return code;
}

static bool has_error(const struct taken *t, const char *key)
{
	for (unsigned i = 0; i < t->errors->len; i++)
		if (!strcmp(((const struct terr *)g_ptr_array_index(t->errors, i))->key, key))
			return true;
	return false;
}

unsigned taken_validate(struct taken *t, const struct config *cfg, const char *taker_default)
{
	g_ptr_array_set_size(t->errors, 0);
	clear_values(t);
	for (unsigned i = 0; i < t->early->len; i++) {
		const struct terr *e = g_ptr_array_index(t->early, i);
		add_err(t->errors, e->key, e->code);
	}
	for (unsigned i = 0; i < TAKEN_N_FIELDS; i++) {
		const char *code = check_field(t, i, cfg, taker_default);
		if (code)
			add_err(t->errors, fields[i].key, code);
	}
	/* the customer must be reachable: by mail, else by phone */
	if (!t->email && !t->phone && !has_error(t, "email") && !has_error(t, "phone"))
		add_err(t->errors, "email", "email_or_phone");
	return t->errors->len;
}

unsigned taken_error_count(const struct taken *t)
{
	return t->errors->len;
}

void taken_error_at(const struct taken *t, unsigned i, const char **key, const char **code)
{
	const struct terr *e = i < t->errors->len ? g_ptr_array_index(t->errors, i) : NULL;
	*key = e ? e->key : NULL;
	*code = e ? e->code : NULL;
}

const char *taken_error_text(const char *code)
{
	static const char *const texts[][2] = {
		{ "required", "is required" },
		{ "too_long", "is too long" },
		{ "invalid_utf8", "is not valid UTF-8" },
		{ "control_chars", "holds control characters (a line break where one line is meant)" },
		{ "duplicate", "was given twice" },
		{ "unknown_field", "is not a field of a complaint" },
		{ "not_a_string", "must be a string" },
		{ "invalid_channel", "must be phone, counter, wechat, letter or other" },
		{ "not_staff", "must be a staff address ([staff] addresses or domains)" },
		{ "invalid_email", "is not an e-mail address (name@example.com)" },
		{ "invalid_phone", "is not a phone number (digits, + - blanks brackets)" },
		{ "email_or_phone", "or phone is needed: how the customer is reached" },
		{ "invalid_token", "must be 16-64 of A-Z a-z 0-9 - _" },
		{ "invalid_lang", "must be zh or en" },
	};
	for (size_t i = 0; code && i < G_N_ELEMENTS(texts); i++)
		if (!strcmp(texts[i][0], code))
			return texts[i][1];
	return "is not valid";
}

/* ---- the message ------------------------------------------------------------ */

/* first_line - the text's first non-blank line, at most 60 characters:
 * the subject when none is given. */
static char *first_line(const char *text)
{
	while (*text && g_ascii_isspace(*text))
		text++;
	char *line = g_strstrip(g_strndup(text, strcspn(text, "\r\n")));
	if (g_utf8_strlen(line, -1) > 60) {
		char *cut = g_utf8_substring(line, 0, 59);
		g_free(line);
		line = g_strconcat(cut, "…", NULL);
		g_free(cut);
	}
	return line;
}

/* raw_of - what is archived as the complaint's source: the stored values
 * as JSON, sorted by key, with the time it was taken. */
static GBytes *raw_of(const struct taken *t, const char *subject, const char *lang, int64_t now)
{
	GString *out = g_string_new(NULL);
	struct json *j = json_new(out);
	json_object_begin(j);
	json_kv_string(j, "channel", msg_channel_name(t->channel));
	if (t->email)
		json_kv_string(j, "email", t->email);
	json_kv_string(j, "lang", lang);
	if (t->name)
		json_kv_string(j, "name", t->name);
	if (t->phone)
		json_kv_string(j, "phone", t->phone);
	char *when = g_strdup_printf("%lld", (long long)now);
	json_kv_string(j, "received", when);
	g_free(when);
	json_kv_string(j, "subject", subject);
	json_kv_string(j, "taken_by", t->taker);
	json_kv_string(j, "text", t->text);
	if (t->token)
		json_kv_string(j, "token", t->token);
	json_object_end(j);
	json_free(&j);
	gsize len = out->len;
	return g_bytes_new_take(g_string_free(out, FALSE), len);
}

struct message *taken_to_message(const struct taken *t, const char *scope,
				 const char *id_domain, int64_t now)
{
	struct message *m = msg_new(t->channel);
	char *subject = t->subject ? g_strdup(t->subject) : first_line(t->text);
	const char *lang = t->lang ? t->lang : msg_guess_lang(t->text);
	msg_set_from(m, t->email, t->name);
	if (!t->email)
		msg_add_flags(m, MSG_F_NO_SENDER);
	msg_set_subject(m, subject);
	msg_set_text(m, t->text);
	msg_set_lang(m, lang);
	msg_set_date(m, now);
	msg_set_field(m, "taken_by", t->taker);
	if (t->phone)
		msg_set_field(m, "phone", t->phone);
	if (t->token) {
		char *id = g_strdup_printf("taken-%s-%s@%s", scope ? scope : "", t->token,
					   id_domain && *id_domain ? id_domain : "taken.invalid");
		msg_set_message_id(m, id);
		g_free(id);
	}
	GBytes *raw = raw_of(t, subject, lang, now);
	msg_set_raw(m, raw);
	g_bytes_unref(raw);
	g_free(subject);
	return m;
}
