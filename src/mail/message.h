/* message - the normalised message: what every channel (e-mail, web form)
 * turns its input into, and what rules, threading and the store read.
 *
 * All strings are UTF-8 (the parsers convert), NUL-terminated, and owned by
 * the message: getters return borrowed pointers valid until the message is
 * freed or the field is set again. Setters copy their argument.
 * A message is built by one thread and then only read; reading from several
 * threads at once is safe. */
#ifndef COMPLAINTD_MESSAGE_H
#define COMPLAINTD_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

/* How a complaint reached us: by mail, through the web form or its API,
 * or taken by staff (complaintctl add, the API with a key) from a phone
 * call, at a counter, over WeChat, by letter or otherwise (policy 000, 001
 * 第十二条). Only mail is ever threaded or answered as mail by itself. */
enum msg_channel {
	MSG_CHANNEL_EMAIL, MSG_CHANNEL_WEB, MSG_CHANNEL_PHONE, MSG_CHANNEL_COUNTER,
	MSG_CHANNEL_WECHAT, MSG_CHANNEL_LETTER, MSG_CHANNEL_OTHER,
	MSG_CHANNEL_COUNT
};

/* What an administrator (and the no-reply logic) wants to know. */
enum msg_flag {
	MSG_F_PARSE_ERROR     = 1u << 0, /* not fully parsed; what was read is kept */
	MSG_F_CHARSET_GUESSED = 1u << 1, /* a charset was missing or wrong */
	MSG_F_AUTO_SUBMITTED  = 1u << 2, /* an automatic answer: auto-replied, OOO,
					  * read receipt, abuse report (ARF) ... */
	MSG_F_BOUNCE          = 1u << 3, /* delivery status notification / bounce */
	MSG_F_LIST            = 1u << 4, /* List-Id, Precedence: list */
	MSG_F_HTML_ONLY       = 1u << 5, /* text was converted from HTML */
	MSG_F_TRUNCATED       = 1u << 6, /* a limit cut something (size, depth, parts) */
	MSG_F_NUL_BYTES       = 1u << 7, /* NUL bytes were removed from text */
	MSG_F_NO_SENDER       = 1u << 8, /* no usable From address */
	MSG_F_STAFF           = 1u << 9, /* a staff reply that proved itself */
	MSG_F_UNVERIFIED_STAFF = 1u << 10, /* staff From without proof: not relayed */
	MSG_F_GENERATED       = 1u << 11, /* sent by a program, not in answer to
					  * anything: Auto-Submitted: auto-generated,
					  * a no-reply sender, Precedence: bulk, a
					  * List-Unsubscribe without List-Id (contact
					  * forms, shop platforms, newsletters) */
};

/* One attachment. data is owned by the message. */
struct msg_attachment {
	char *filename;     /* decoded, UTF-8; never NULL ("" if none given) */
	char *content_type; /* lower case "type/subtype" */
	GBytes *data;       /* decoded content */
	char sha256[65];    /* hex digest of data */
};

struct message;

struct message *msg_new(enum msg_channel channel);
/* msg_free - frees everything and sets *m to NULL; NULL-safe. */
void msg_free(struct message **m);

enum msg_channel msg_channel(const struct message *m);
/* msg_channel_name - "email", "web", "phone", "counter", "wechat",
 * "letter", "other" (the schema's ENUM values). */
const char *msg_channel_name(enum msg_channel channel);
/* msg_channel_parse - the channel named name (exact, lower case): true
 * with *out set, false for an unknown name. */
bool msg_channel_parse(const char *name, enum msg_channel *out);

/* Header-derived fields; NULL when absent. Ids are stored without <>. */
const char *msg_message_id(const struct message *m);
const char *msg_in_reply_to(const struct message *m);
const char *msg_subject(const struct message *m);
const char *msg_from_addr(const struct message *m);  /* lower-cased addr-spec */
const char *msg_from_name(const struct message *m);  /* display name */
const char *msg_reply_to(const struct message *m);   /* addr-spec */
int64_t msg_date(const struct message *m);           /* unix time; 0 if unknown */
const char *msg_text(const struct message *m);       /* body text, never NULL */
const char *msg_lang(const struct message *m);       /* "zh" or "en" */
unsigned msg_flags(const struct message *m);

void msg_set_message_id(struct message *m, const char *id);
void msg_set_in_reply_to(struct message *m, const char *id);
void msg_set_subject(struct message *m, const char *s);
void msg_set_from(struct message *m, const char *addr, const char *name);
void msg_set_reply_to(struct message *m, const char *addr);
void msg_set_date(struct message *m, int64_t unix_time);
/* msg_set_text - also sets the language guess (see msg_guess_lang). */
void msg_set_text(struct message *m, const char *text);
void msg_set_lang(struct message *m, const char *lang);
void msg_add_flags(struct message *m, unsigned flags);

/* References: message ids in order, oldest first. */
void msg_add_reference(struct message *m, const char *id);
unsigned msg_reference_count(const struct message *m);
const char *msg_reference(const struct message *m, unsigned i);

/* Recipients (To and Cc, addr-spec, lower-cased), in order, no duplicates. */
void msg_add_recipient(struct message *m, const char *addr);
unsigned msg_recipient_count(const struct message *m);
const char *msg_recipient(const struct message *m, unsigned i);

/* Headers: every top-level header, decoded to UTF-8, in order. Lookup is
 * case-insensitive and returns the first value. */
void msg_add_header(struct message *m, const char *name, const char *value);
const char *msg_header(const struct message *m, const char *name);
unsigned msg_header_count(const struct message *m);
void msg_header_at(const struct message *m, unsigned i,
		   const char **name, const char **value);

/* Form fields (the web channel, and complaints taken by staff: "phone",
 * "taken_by"): name -> value. */
void msg_set_field(struct message *m, const char *name, const char *value);
const char *msg_field(const struct message *m, const char *name);
/* msg_field_names - sorted array of names; free with g_free (not the names). */
const char **msg_field_names(const struct message *m, unsigned *n);

/* Attachments: msg_add_attachment takes a new reference to data. */
void msg_add_attachment(struct message *m, const char *filename,
			const char *content_type, GBytes *data);
unsigned msg_attachment_count(const struct message *m);
const struct msg_attachment *msg_attachment(const struct message *m, unsigned i);

/* Notes on what went wrong while parsing, for the log and the store; a
 * note already there is not added again. */
void msg_add_note(struct message *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
unsigned msg_note_count(const struct message *m);
const char *msg_note(const struct message *m, unsigned i);

/* Raw source (archived as received). Takes a new reference. */
void msg_set_raw(struct message *m, GBytes *raw);
GBytes *msg_raw(const struct message *m);  /* borrowed; NULL if none */
/* msg_raw_sha256 - hex digest of the raw source, "" if none. */
const char *msg_raw_sha256(const struct message *m);

/* msg_guess_lang - "zh" when Han characters make up a fair share of the
 * letters in text, else "en". */
const char *msg_guess_lang(const char *text);

/* msg_flag_names - comma-separated names of flags ("parse_error,list"); g_free. */
char *msg_flag_names(unsigned flags);

#endif
