/* stafftoken - the signed reply address of a staff notification.
 *
 * A notification about complaint REF goes to staff with the reply address
 * "local+REF.TOKEN@domain", where local@domain is the gateway's own
 * address and TOKEN the first 16 hex digits (64 bits) of
 * HMAC-SHA256(key, REF). A mail to such an address proves that its sender
 * saw our notification for that very complaint: without the key nobody can
 * make up an address for another complaint, and an address copied from one
 * complaint does not fit another. Only replies that carry a valid token
 * are treated as staff answers; everything else takes the customer path.
 *
 * The token is case-insensitive, because mail clients and MTAs do not
 * always keep the case of a local part. REF is hashed as given: the caller
 * hands stafftoken_check the canonical spelling of the reference it looked
 * up, not the spelling found in the address.
 *
 * Keys are at least one byte long (the configuration should insist on 32
 * random ones); with an empty key stafftoken_make returns NULL and
 * stafftoken_check false. Nothing here keeps state: thread-safe. */
#ifndef COMPLAINTD_STAFFTOKEN_H
#define COMPLAINTD_STAFFTOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <glib.h>

/* Hex digits in a token. */
#define STAFFTOKEN_LEN 16

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
 * STAFFTOKEN_LEN hex digits, or the local part would exceed the 64 octets
 * SMTP allows. */
char *stafftoken_address(const char *gateway_addr, const char *ref, const char *token);

/* stafftoken_parse - the inverse of stafftoken_address: true when addr
 * (a bare addr-spec, no angle brackets or display name) has the gateway's
 * domain and local part (both compared case-insensitively), then '+', a
 * REF of 1-64 letters, digits and '-', a single '.', and STAFFTOKEN_LEN hex
 * digits. On success *ref is REF as written and *token the token in lower
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
