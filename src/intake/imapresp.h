/* imapresp - incremental parser of IMAP server responses (RFC 3501 §7).
 *
 * Fed the bytes a server sends, in any slicing (libcurl hands every
 * response line of a connection to its header callback, literal contents
 * included); it joins lines and {n} literals into whole responses, calls
 * a callback for each FETCH response and remembers what SELECT, CAPABILITY
 * and tagged completions said. The bytes are untrusted: every length is
 * bounded, and a malformed response is counted and skipped, never fatal
 * unless the framing itself is lost (then imapresp_feed fails).
 *
 * Not thread-safe; one parser per connection. */
#ifndef COMPLAINTD_IMAPRESP_H
#define COMPLAINTD_IMAPRESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One FETCH response. Pointers are borrowed, valid during the callback. */
struct imapresp_fetch {
	uint32_t seq;
	uint32_t uid;            /* 0 if the response had no UID item */
	int64_t internaldate;    /* unix time; INT64_MIN if absent or bad */
	int64_t rfc822_size;     /* -1 if absent */
	const char *flags;       /* FLAGS list contents ("\\Seen $X"); NULL if absent */
	bool has_body;           /* a BODY[] item was present */
	const char *body;        /* its bytes (only the first ones when oversized);
				  * NULL if NIL, or oversized and no head kept */
	size_t body_len;         /* bytes in body */
	size_t body_size;        /* the literal's whole size */
	bool body_oversized;     /* literal longer than max_literal: body holds
				  * at most its first max_head bytes */
};

/* Return non-zero to tell the caller to stop; the parser itself goes on
 * (the stream must still be read to stay in step). */
typedef int (*imapresp_fetch_cb)(const struct imapresp_fetch *f, void *ctx);

struct imapresp;

/* imapresp_new - of literals longer than max_literal only the first
 * max_head bytes are kept (0: none; never more than max_literal); response
 * text outside literals is limited to max_line bytes. */
struct imapresp *imapresp_new(size_t max_literal, size_t max_head, size_t max_line);
void imapresp_free(struct imapresp **p);

/* imapresp_set_fetch_cb - cb may be NULL to ignore FETCH responses. */
void imapresp_set_fetch_cb(struct imapresp *p, imapresp_fetch_cb cb, void *ctx);

/* imapresp_reset - forget partial input and collected state (new
 * connection or new command). */
void imapresp_reset(struct imapresp *p);

/* imapresp_feed - parse more bytes. -1 when framing is lost (a line over
 * max_line, or a literal length that does not parse); the parser then
 * ignores input until imapresp_reset. */
int imapresp_feed(struct imapresp *p, const char *data, size_t len);

/* imapresp_idle - true when the input so far ends on a response boundary. */
bool imapresp_idle(const struct imapresp *p);
bool imapresp_failed(const struct imapresp *p);

/* What untagged responses said since the last reset; 0 if not seen. */
uint32_t imapresp_exists(const struct imapresp *p);
uint32_t imapresp_uidvalidity(const struct imapresp *p);
uint32_t imapresp_uidnext(const struct imapresp *p);
/* imapresp_has_capability - case-insensitive, from the last CAPABILITY
 * response or [CAPABILITY ...] code. */
bool imapresp_has_capability(const struct imapresp *p, const char *cap);

/* imapresp_tagged - the last tagged line ("A005 NO [TRYCREATE] ..."),
 * without CRLF; "" if none. imapresp_tagged_count counts them. */
const char *imapresp_tagged(const struct imapresp *p);
unsigned imapresp_tagged_count(const struct imapresp *p);
/* imapresp_refused - the last tagged NO or BAD line; "" if none. */
const char *imapresp_refused(const struct imapresp *p);

/* Counters for the caller's log and tests. */
unsigned imapresp_fetch_count(const struct imapresp *p); /* FETCH responses parsed */
unsigned imapresp_bad_count(const struct imapresp *p);   /* malformed, skipped */

/* imapresp_parse_date - "17-Jul-1996 02:44:25 -0700" to unix time;
 * INT64_MIN if malformed. */
int64_t imapresp_parse_date(const char *s, size_t len);

#endif
