/* authres - reading Authentication-Results header fields (RFC 8601): did
 * the receiving server see a DKIM signature or a DMARC result that passes
 * for the sender's domain?
 *
 * Only fields whose authserv-id is one the administrator named count: the
 * receiving MTA (OpenDKIM/OpenDMARC behind Postfix, Microsoft 365, Gmail)
 * removes or renames fields with its own authserv-id that arrive from
 * outside (RFC 8601 section 5), so a sender can forge any other field but
 * not one of these. Pure functions on strings; thread-safe. */
#ifndef COMPLAINTD_AUTHRES_H
#define COMPLAINTD_AUTHRES_H

#include <stdbool.h>

#include "mail/message.h"

/* authres_field_passes - value is the body of one Authentication-Results
 * field: true when its authserv-id is in authserv_ids (a NULL-terminated
 * list, compared case-insensitively) and it holds "dmarc=pass" with
 * header.from equal to domain, or "dkim=pass" with header.d equal to
 * domain or to a parent of it of at least two labels (relaxed alignment,
 * as DMARC allows: d=example.com signs staff.example.com). Comments,
 * quoted values and version numbers are understood; anything malformed
 * simply does not pass. domain is compared case-insensitively. */
bool authres_field_passes(const char *value, char *const *authserv_ids, const char *domain);

/* authres_message_passes - any Authentication-Results field of m passes
 * (authres_field_passes) for the domain of m's From address. */
bool authres_message_passes(const struct message *m, char *const *authserv_ids);

#endif
