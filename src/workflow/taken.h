/* taken - a complaint staff took down by phone, at a counter, over
 * WeChat, by letter or otherwise (policy 000, 001 第十二条): what
 * `complaintctl add` and the API with a key (POST /api/v1/complaints with
 * Authorization: Bearer) both fill in, check and turn into the message
 * that takes the same pipeline_ingest as every mail and form post.
 *
 * The values arrive as typed, as untrusted bytes (an API body, a command
 * line); taken_validate checks everything at once and says what is wrong
 * per field, as the web form does. A value is kept only after it proved
 * valid UTF-8 without control characters (the text may hold line breaks
 * and tabs), so nothing with CR or LF ever reaches a mail header.
 *
 * Who took it: a staff address by [staff] addresses or domains (the
 * person answerable for the record, the one #commands come from), given
 * with --taken-by or in the API's "taken_by"; a post through the API
 * without one is taken by "api:NAME", the name of its key. The customer
 * is reached by e-mail or by phone: at least one of the two. A phone
 * number is stored in one form (digits, a leading '+' kept) so that
 * forget and list --phone find it however it was typed.
 *
 * Not thread-safe: one struct taken belongs to one request or command. */
#ifndef COMPLAINTD_TAKEN_H
#define COMPLAINTD_TAKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct message;

enum taken_field {
	TAKEN_CHANNEL,        /* channel: phone, counter, wechat, letter, other */
	TAKEN_TAKEN_BY,       /* taken_by: a staff address */
	TAKEN_NAME,           /* name: the customer's name */
	TAKEN_EMAIL,          /* email: the customer's address */
	TAKEN_PHONE,          /* phone: the customer's number */
	TAKEN_SUBJECT,        /* subject: one line; else the text's first line */
	TAKEN_TEXT,           /* text: what the customer said, required */
	TAKEN_TOKEN,          /* token: the client's idempotency token */
	TAKEN_LANG,           /* lang: zh or en; else guessed from the text */
	TAKEN_N_FIELDS
};

struct taken;

struct taken *taken_new(void);
/* taken_free - NULL-safe; sets *t to NULL. */
void taken_free(struct taken **t);

/* taken_field_key - the option and JSON name of a field ("taken_by"). */
const char *taken_field_key(enum taken_field f);
/* taken_field_of - the field named key, -1 for none. */
int taken_field_of(const char *key);
/* taken_field_max - the longest value in characters. */
unsigned taken_field_max(enum taken_field f);

/* taken_set - len bytes (any bytes) as the value of field; a field set
 * twice is an error of that field ("duplicate"), a value longer than four
 * bytes per allowed character is not even kept ("too_long"). */
void taken_set(struct taken *t, enum taken_field field, const char *value, size_t len);
/* taken_reject - an error found before validation (an unknown JSON key, a
 * value that is not a string): key (copied) and a static code. */
void taken_reject(struct taken *t, const char *key, const char *code);

/* taken_validate - check everything; returns the number of errors. cfg
 * says who is staff; taker_default (may be NULL) is recorded as the taker
 * when none is given, else taken_by is required. */
unsigned taken_validate(struct taken *t, const struct config *cfg, const char *taker_default);
unsigned taken_error_count(const struct taken *t);
/* taken_error_at - error i: the field key and a code: required, too_long,
 * invalid_utf8, control_chars, duplicate, unknown_field, not_a_string,
 * invalid_channel, not_staff, invalid_email, invalid_phone,
 * email_or_phone, invalid_token, invalid_lang. */
void taken_error_at(const struct taken *t, unsigned i, const char **key, const char **code);
/* taken_error_text - the sentence for code (English, for staff tools). */
const char *taken_error_text(const char *code);

/* taken_to_message - the validated complaint as a message of its channel:
 * From is the e-mail (if any) with the name, MSG_F_NO_SENDER when there is
 * no e-mail (no acknowledgement goes out then), fields "phone" (normal
 * form) and "taken_by", the raw source the values as canonical JSON with
 * the time received (without a token no two are duplicates), and with a
 * token the Message-ID "taken-SCOPE-TOKEN@id_domain": the same token
 * again under the same scope (a retried post, an API key's name) is a
 * duplicate of the first, whose reference it gets. Call only after
 * taken_validate returned 0. */
struct message *taken_to_message(const struct taken *t, const char *scope,
				 const char *id_domain, int64_t now);

/* taken_phone_normal - s as a phone number in its stored form: the
 * digits, with a '+' in front when s starts with one; NULL when s is not a
 * phone number (other characters than digits, blanks and +-(). or fewer
 * than 3 digits). g_free. */
char *taken_phone_normal(const char *s);

#endif
