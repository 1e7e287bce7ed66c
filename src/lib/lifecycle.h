/* lifecycle - the daemon's stop flag and interruptible sleeps.
 *
 * Worker threads sleep with lifecycle_sleep so that SIGTERM (lifecycle_stop)
 * wakes them at once; they finish the batch in hand and return. The outbox
 * sender also wakes early when new mail is committed (lifecycle_kick), so an
 * acknowledgement does not wait out the sender's idle interval.
 * Process-wide state; every function is thread-safe. */
#ifndef COMPLAINTD_LIFECYCLE_H
#define COMPLAINTD_LIFECYCLE_H

#include <stdbool.h>
#include <stdint.h>

enum lifecycle_channel { LIFECYCLE_GENERAL, LIFECYCLE_OUTBOX, LIFECYCLE_NCHANNELS };

void lifecycle_stop(void);
bool lifecycle_stopping(void);
/* lifecycle_sleep - wait up to ms milliseconds, less if stopped or kicked on
 * channel; returns false when the daemon is stopping. */
bool lifecycle_sleep(enum lifecycle_channel channel, int64_t ms);
void lifecycle_kick(enum lifecycle_channel channel);
/* lifecycle_reset - clear the stop flag (tests that start and stop twice). */
void lifecycle_reset(void);

#endif
