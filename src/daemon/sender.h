/* sender - the outbox sender threads ([smtp] connections of them, each with
 * its relay and database connections): claim pending mail from the outbox,
 * compose it when it was queued packed, hand it to the SMTP relay, and
 * record the outcome. Claims never overlap (SKIP LOCKED), and a mail waits
 * while an earlier one to the same recipient about the same complaint is
 * unsent, so that order holds with any number of senders.
 *
 * Delivery is at least once: a row is claimed with a lease, sent, then marked
 * sent. A crash after the relay took the mail but before the mark sends it
 * again after the lease ends, with the same Message-ID (the same bytes: a
 * packed row composes into the same mail). Temporary failures retry with
 * exponential back-off up to [smtp] retry_max and give up after
 * give_up_after; a permanent 5xx fails the row at once, and a 5.1.x (no
 * such user) also suppresses the address. */
#ifndef COMPLAINTD_SENDER_H
#define COMPLAINTD_SENDER_H

#include <stdint.h>

struct config;
struct store_params;

struct sender;

/* sender_start - cfg and db are borrowed and must outlive the sender. */
struct sender *sender_start(const struct config *cfg, const struct store_params *db);
void sender_join(struct sender **s);

/* sender_backoff - delay before attempt number attempts+1 (attempts >= 1). */
int64_t sender_backoff(const struct config *cfg, unsigned attempts);

#endif
