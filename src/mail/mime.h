/* mime - raw RFC 5322 bytes to the normalised struct message.
 *
 * Uses gmime for the MIME structure and does the things gmime 3.2.13 gets
 * wrong or does not do itself: RFC 2047 header decoding (adjacent
 * encoded-words joined as bytes before charset conversion; gmime < 3.2.14
 * truncates base64 words with '=' padding), raw 8-bit headers, charset
 * guessing, HTML-only bodies, winmail.dat, bounce/auto-reply/list flags.
 *
 * Thread-safe after mime_init(). */
#ifndef COMPLAINTD_MIME_H
#define COMPLAINTD_MIME_H

#include <stddef.h>
#include "mail/message.h"

/* Limits on every dimension of untrusted input. What exceeds a limit is cut
 * (MSG_F_TRUNCATED plus a note), never the whole message. */
struct mime_limits {
	size_t max_message_size;    /* bytes parsed; the raw copy stays whole */
	unsigned max_depth;         /* MIME nesting depth walked */
	unsigned max_parts;         /* MIME parts walked */
	unsigned max_attachments;   /* attachments kept (incl. from winmail.dat) */
	size_t max_attachment_size; /* decoded bytes; bigger ones are dropped */
	size_t max_header_len;      /* bytes of one raw header value */
	/* the input is the first part of a bigger mail (an oversized one read
	 * in part): no attachment is kept, and neither its cut end nor the
	 * attachments left out make a note or a parse error - the caller
	 * says once what happened */
	bool head_only;
};

/* mime_limits_default - 25 MB message, depth 20, 500 parts, 50 attachments,
 * 20 MB per attachment, 64 KB per header. */
void mime_limits_default(struct mime_limits *lim);

/* mime_init - initialise gmime once; safe to call many times, from any
 * thread. mime_parse calls it itself. */
void mime_init(void);

/* mime_parse - never returns NULL, whatever the input (empty, binary, NUL
 * bytes, broken MIME). A message that cannot be fully parsed comes back
 * flagged MSG_F_PARSE_ERROR, with notes saying why and whatever could be
 * read. The raw bytes are always attached (msg_set_raw). lim NULL means
 * defaults. All strings in the result are valid UTF-8.
 * Extra headers added for bounces (delivery-status reports):
 *   X-Complaintd-Bounce-Recipient  failed address (lower case)
 *   X-Complaintd-Bounce-Status     DSN status code, e.g. "5.1.1"
 *   X-Complaintd-Bounce-Message-Id Message-ID of the bounced mail (no <>)
 * Incoming headers named X-Complaintd-* are dropped, so these cannot be
 * forged by a sender. Caller frees with msg_free. */
struct message *mime_parse(const char *data, size_t len,
			   const struct mime_limits *lim);

/* mime_decode_header - RFC 2047 (B and Q, lenient) and raw 8-bit header
 * value to UTF-8. Adjacent encoded-words of one charset are joined as bytes
 * before conversion (a character may be split across words); white space
 * between encoded-words is dropped; folding is undone; control characters
 * become spaces. Raw 8-bit text is read as fallback_charset (may be NULL)
 * if valid in it, else guessed. Newly allocated, never NULL; g_free. */
char *mime_decode_header(const char *raw, const char *fallback_charset);

/* mime_sanitize_filename - the base name only (no directories, no "..",
 * no control characters), at most 200 bytes; "" when nothing is left.
 * name must be UTF-8. Newly allocated; g_free. */
char *mime_sanitize_filename(const char *name);

/* mime_subject_says_away - the subject says its writer is away ("out of
 * the office", "休假", ...) and does not answer a mail ("Re:", "回复:" ...):
 * how an out-of-office reply reads when its program sets no header that
 * says so (mime_parse flags those). A person's answer keeps the prefix. */
bool mime_subject_says_away(const char *subject);

#endif
