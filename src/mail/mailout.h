/* mailout - composes the mails the daemon sends (acknowledgements now;
 * notifications, escalations and relayed replies later) as complete RFC 5322
 * messages with CRLF line ends, ready for the outbox.
 *
 * Every value that goes into a header is cleaned first: CR, LF and other
 * control characters become spaces, so no value can start a header of its
 * own; non-ASCII text is RFC 2047-encoded by gmime. Message ids that are not
 * well-formed are left out rather than passed on. */
#ifndef COMPLAINTD_MAILOUT_H
#define COMPLAINTD_MAILOUT_H

#include <stdint.h>
#include <glib.h>

struct message;

struct mailout {
	const char *from_addr, *from_name;
	const char *to_addr, *to_name;
	const char *reply_to;        /* NULL: none */
	const char *subject;
	const char *body;            /* UTF-8 text; LF or CRLF */
	const char *html;            /* if set, an HTML alternative of body (multipart/alternative) */
	const char *message_id;      /* without <>; required */
	const char *in_reply_to;     /* without <>; NULL: none */
	const struct message *thread;/* if set, References = its references + its id */
	const char *references;      /* else, if set: these ids (space-separated, no <>) + in_reply_to */
	const struct message *attach;/* if set, its attachments go along (multipart/mixed) */
	size_t max_attach;           /* 0: all; else attachments go along, in order, only
				      * while their total stays within this many bytes */
	const char *attach_note;     /* with max_attach: a line for the body naming
				      * where the ones left out are (e.g. "see ...") */
	const char *lang;            /* "zh": that line in Chinese; else English */
	const char *auto_submitted;  /* "auto-replied", "auto-generated" or NULL */
	const char *ref;             /* complaint reference for X-Complaintd-Ref */
	int64_t date;                /* unix time */
	uint64_t text_row;           /* if set, body[text_at, text_at + text_len) is the
				      * body text of this message row: a packed row
				      * leaves it out, and the sender puts back what the
				      * database holds (mailout_outbox_mail) */
	size_t text_at, text_len;
};

/* mailout_compose - the whole message; never NULL for valid input. */
GBytes *mailout_compose(const struct mailout *m);

/* Outbox rows. A mail that carries no attachments is queued as what it is
 * made of (a packed row: rendered subject and body, addresses, ids, date)
 * and composed by the sender when it goes out: composing is a third of
 * the CPU the ingest transaction spends on a complaint, and a packed row
 * is a fraction of the composed mail's size (no base64, no MIME). A mail
 * with attachments is composed at once: the sender has no parsed message
 * to take them from. The same row gives the same mail whenever it is
 * composed (MIME boundaries of an HTML alternative aside). */

/* mailout_outbox_row - what the outbox row of m holds: packed, or the
 * composed mail when m carries attachments. Never NULL. */
GBytes *mailout_outbox_row(const struct mailout *m);

/* mailout_is_packed - whether the row's bytes are a packed mail. */
gboolean mailout_is_packed(const void *row, size_t len);

/* mailout_outbox_text_row - the message row whose text a packed row
 * leaves out of its body (struct mailout text_row); 0 when none. The
 * sender reads that text from the database and hands it to
 * mailout_outbox_mail: a staff notification quotes the customer's whole
 * mail, which the complaint's message row holds already, so the outbox
 * row need not hold it again. */
uint64_t mailout_outbox_text_row(GBytes *row);

/* mailout_outbox_mail - the mail to send for an outbox row: the row itself
 * (a new reference) when it is a composed mail, else composed from the
 * packed fields, with text (borrowed; NULL is "") put back where the row
 * left its message row's text out. NULL with err (G_IO_ERROR) for an empty
 * row or a packed one without sender, recipient, Message-ID or date. */
GBytes *mailout_outbox_mail(GBytes *row, const char *text, GError **err);

/* mailout_message_id - a new unique id "KIND.REF.RANDOM@DOMAIN" (no <>),
 * DOMAIN taken from from_addr. g_free. */
char *mailout_message_id(const char *kind, const char *ref, const char *from_addr);

/* mailout_body_encoding - the Content-Transfer-Encoding a UTF-8 text
 * body of len bytes goes out in, as a GMimeContentEncoding: base64 when
 * it holds a NUL or 17 % or more of its bytes are 8-bit, quoted-printable
 * for fewer 8-bit bytes, a line over 998 bytes or a line starting "From ",
 * else the default (7bit). The same choice as gmime's
 * g_mime_part_get_best_content_encoding with the 7-bit constraint, made in
 * one pass over the bytes instead of through a filter stream. */
int mailout_body_encoding(const char *text, size_t len);

/* The longest subject and display name a composed mail carries, in
 * characters; longer ones are cut, ending in an ellipsis. */
#define MAILOUT_SUBJECT_MAX 300
#define MAILOUT_NAME_MAX 100

/* mailout_clean_header - copy of value with control characters (C0, C1,
 * U+2028/2029) turned into spaces, runs of blanks collapsed and direction
 * controls (charset_bidi_control) dropped. g_free. */
char *mailout_clean_header(const char *value);

/* mailout_valid_id - true for an id that can go between <> in a header. */
gboolean mailout_valid_id(const char *id);

#endif
