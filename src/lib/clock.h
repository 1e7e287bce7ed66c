/* clock - the daemon's idea of now, in unix seconds.
 *
 * Deadlines, escalations and references all read the time here, so that
 * tests can move the daemon into the future without waiting: the
 * environment variable COMPLAINTD_CLOCK_OFFSET (seconds, may be negative)
 * is added to the real time. It is read once, at the first call; it is
 * meant for tests and is logged at start when set. Thread-safe. */
#ifndef COMPLAINTD_CLOCK_H
#define COMPLAINTD_CLOCK_H

#include <stdint.h>

int64_t clock_now(void);
/* clock_offset - the offset in force (0 normally). */
int64_t clock_offset(void);

#endif
