/* stafftoken - the signed reply address of a staff notification.
 *
 * A notification about complaint REF goes to a staff address RCPT with the
 * reply address "local+REF.TOKEN@domain", where local@domain is the
 * gateway's own address and TOKEN (STAFFTOKEN_REPLY_LEN hex digits) holds
 *   - a key id (2 digits): which key signed it, so that a rotated-out key
 *     can still be recognised during its grace period;
 *   - the day it was made (4 digits, days since 1970-01-01 UTC), so that it
 *     expires;
 *   - 64 bits of HMAC-SHA256(key, REF, RCPT, key id, day).
 * A mail to such an address proves that its sender saw our notification
 * for that very complaint, sent to that very address, on that day: without
 * the key nobody can make up an address for another complaint or another
 * recipient, nor move the day. Only replies that carry a valid token are
 * treated as staff answers; everything else takes the customer path.
 * Which recipients and how old a token may be is the caller's policy.
 *
 * stafftoken_make / stafftoken_check are the plain 64-bit MAC of one string
 * (STAFFTOKEN_LEN digits), used where nothing else needs binding (the
 * survey links name their complaint and nothing more).
 *
 * Tokens are case-insensitive, because mail clients and MTAs do not always
 * keep the case of a local part. REF is hashed as given: the caller hands
 * stafftoken_verify the canonical spelling of the reference it looked up,
 * not the spelling found in the address. RCPT is hashed in lower case.
 *
 * Keys are at least one byte long (the configuration should insist on 32
 * random ones); with an empty key the makers return NULL and the checks
 * false. Nothing here keeps state: thread-safe. */
#ifndef COMPLAINTD_STAFFTOKEN_H
#define COMPLAINTD_STAFFTOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

/* Hex digits in a plain token and in a reply token. */
#define STAFFTOKEN_LEN 16
#define STAFFTOKEN_REPLY_LEN 22

/* stafftoken_mint - the reply token for ref sent to rcpt, made on day (days
 * since 1970-01-01 UTC, 0..65535): STAFFTOKEN_REPLY_LEN lower-case hex
 * digits. g_free. NULL when keylen is 0, ref or rcpt is NULL or day is
 * out of range. */
char *stafftoken_mint(const guint8 *key, size_t keylen, const char *ref, const char *rcpt,
		      int64_t day);

/* stafftoken_verify - token (any case) is a reply token made under key for
 * ref and rcpt (rcpt compared case-insensitively); *day (may be NULL) gets
 * the day it was made. Constant time in the MAC, as stafftoken_check. */
bool stafftoken_verify(const guint8 *key, size_t keylen, const char *ref, const char *rcpt,
		       const char *token, int64_t *day);

/* stafftoken_make - the token for ref: STAFFTOKEN_LEN lower-case hex
 * digits. g_free. NULL only when keylen is 0. */
char *stafftoken_make(const guint8 *key, size_t keylen, const char *ref);

/* stafftoken_check - token (any case) is ref's token under key. The
 * comparison takes the same time wherever the first difference is, so
 * timing does not reveal how much of a guessed token was right. */
bool stafftoken_check(const guint8 *key, size_t keylen, const char *ref, const char *token);

/* stafftoken_address - "local+REF.TOKEN@domain" for the gateway address
 * "local@domain". g_free. NULL when gateway_addr is not a plain addr-spec
 * (stafftoken_addr_ok), ref is not 1-64 of [A-Za-z0-9-], token is not
 * STAFFTOKEN_REPLY_LEN (or, as older versions made them, STAFFTOKEN_LEN)
 * hex digits, or the local part would exceed the 64 octets SMTP allows. */
char *stafftoken_address(const char *gateway_addr, const char *ref, const char *token);

/* stafftoken_parse - the inverse of stafftoken_address: true when addr
 * (a bare addr-spec, no angle brackets or display name) has the gateway's
 * domain and local part (both compared case-insensitively), then '+', a
 * REF of 1-64 letters, digits and '-', a single '.', and STAFFTOKEN_REPLY_LEN
 * or STAFFTOKEN_LEN hex digits (the short ones older versions made: still
 * recognised as our reply addresses, never verified). On success *ref is REF as written and *token the token in lower
 * case (both g_free); on failure both are set to NULL. ref or token may be
 * NULL when the caller does not want that part. Only the shape is checked:
 * call stafftoken_check next. */
bool stafftoken_parse(const char *addr, const char *gateway_addr, char **ref, char **token);

/* stafftoken_addr_ok - addr is a plain addr-spec: a dot-atom local part of
 * at most 64 octets, '@', and an ASCII domain of at least two labels of
 * letters, digits and inner '-'; at most 254 octets in all. No quoted local
 * parts, IP literals, white space, display names or angle brackets: the
 * addresses staff and gateway use never need them, and they are where
 * header injection hides. */
bool stafftoken_addr_ok(const char *addr);

#endif
