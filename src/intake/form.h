/* form - a complaint posted through the web form or its JSON API: decoding,
 * validation, and the normalised message it becomes.
 *
 * The fields follow the complaint record (DOMAIN.md): who complained and how
 * to reach them, the product and order, what happened and what the customer
 * asks for. A struct form collects the raw values as the HTTP layer hands
 * them over (in pieces, from libmicrohttpd's POST processor, or as one JSON
 * document), then form_validate checks everything at once so the customer
 * sees every problem in one round. Values are kept exactly as typed; only
 * form_display_value (for showing a value again) replaces invalid UTF-8.
 *
 * Limits: every field has a maximum length in characters; bytes beyond four
 * times that are not even buffered. Attachments are limited in count and
 * size, and their type is decided by their content (magic bytes), not by
 * what the client claims.
 *
 * Not thread-safe: one form belongs to one request. */
#ifndef COMPLAINTD_FORM_H
#define COMPLAINTD_FORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

struct message;

enum form_field {
	FORM_NAME,            /* name: required */
	FORM_EMAIL,           /* email: required, addr-spec */
	FORM_PHONE,           /* phone */
	FORM_ORDER,           /* order_no */
	FORM_PRODUCT,         /* product: product or model */
	FORM_PLACE,           /* purchase_place */
	FORM_DATE,            /* purchase_date: YYYY-MM-DD */
	FORM_DESCRIPTION,     /* description: what happened, required */
	FORM_REQUEST,         /* request: what the customer asks for, in words */
	FORM_DEMAND,          /* demand: one of facts_demands (lib/facts.h) */
	FORM_N_FIELDS
};

/* Pseudo-field name used for attachment errors. */
#define FORM_ATTACHMENTS "attachments"
/* The hidden fields: the per-form token, the page language, the honeypot. */
#define FORM_TOKEN "token"
#define FORM_LANG "lang"
#define FORM_HONEYPOT "website"

struct form_limits {
	unsigned max_attachments;     /* 0 = attachments refused */
	size_t max_attachment_size;   /* bytes, each */
};

struct form;

struct form *form_new(const struct form_limits *lim);
/* form_free - NULL-safe; sets *f to NULL. */
void form_free(struct form **f);

/* form_field_key - the HTML/JSON name of a field ("purchase_date"). */
const char *form_field_key(enum form_field f);
/* form_field_max - maximum length in characters. */
unsigned form_field_max(enum form_field f);

/* form_add_data - append len bytes to the value of key (a value may come
 * in several pieces; off is the offset of this piece within the value, as
 * the POST processor reports it). Unknown keys are ignored. A key that
 * arrives twice is an error of that field. */
void form_add_data(struct form *f, const char *key, const char *data, size_t len,
		   uint64_t off);
/* form_add_file_data - a piece of an uploaded file; off == 0 starts a new
 * file. Empty file inputs (no name, no data) are ignored. */
void form_add_file_data(struct form *f, const char *filename, const char *content_type,
			const char *data, size_t len, uint64_t off);

/* form_parse_json - the API's body: a JSON object with the field keys (string
 * values), optional "token", "lang", "website", and "attachments": an array of
 * {"filename", "content_type", "data" (base64)}. A document that is not such
 * an object returns -1 with *error_r; problems of single members become
 * field errors (shown by form_validate). */
int form_parse_json(struct form *f, const char *data, size_t len, char **error_r);

/* form_validate - check everything; returns the number of errors. */
unsigned form_validate(struct form *f);
unsigned form_error_count(const struct form *f);
/* form_error_at - error i: the field key (or "attachments", or an unknown
 * JSON key) and a short code: required, too_long, invalid_utf8,
 * control_chars, invalid_email, invalid_phone, invalid_date, duplicate,
 * unknown_field, not_a_string, too_many_files, file_too_large, file_type,
 * file_empty, invalid_base64, invalid_attachment. */
void form_error_at(const struct form *f, unsigned i, const char **key, const char **code);
/* form_error_for - the first error code of key, NULL if none. */
const char *form_error_for(const struct form *f, const char *key);
/* form_error_text - the customer-facing sentence for code in lang. */
const char *form_error_text(const char *code, const char *lang);

/* form_value - the field's value as received (may be invalid UTF-8 before
 * validation), "" when absent. */
const char *form_value(const struct form *f, enum form_field field);
/* form_display_value - the value made valid UTF-8 for showing it again.
 * g_free. */
char *form_display_value(const struct form *f, enum form_field field);
/* form_token - the per-form token if it has the expected shape (16-64 of
 * [A-Za-z0-9_-]), else NULL. */
const char *form_token(const struct form *f);
/* form_lang - "zh", "en", or NULL when the post named neither. */
const char *form_lang(const struct form *f);
/* form_is_bot - the honeypot field was filled in. */
bool form_is_bot(const struct form *f);
unsigned form_attachment_count(const struct form *f);

/* form_new_token - a fresh random token for a form page. g_free. */
char *form_new_token(void);

/* form_to_message - the validated form as a web-channel message: From is
 * the e-mail field with the name, the subject is the description's first
 * line, the text is the description and the request, every field is kept
 * with msg_set_field (the phone in its stored form, taken_phone_normal), the language is lang (the page the customer used),
 * the raw source is the post as canonical JSON (sorted keys), and with a
 * token the Message-ID is "form-TOKEN@id_domain", so a double submission of
 * one form page has one dedup key and makes one complaint. Call only when
 * form_validate returned 0. */
struct message *form_to_message(const struct form *f, const char *lang,
				const char *id_domain, int64_t now);

#endif
