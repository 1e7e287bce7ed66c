/* log - levelled logging to stderr or journald.
 *
 * One line per event, key=value pairs after a short text so that one grep for
 * a reference or a message id follows a complaint through the daemon:
 *     log_info("ingested ref=%s mailbox=%s uid=%u", ref, mbox, uid);
 * Thread-safe: each call writes one whole line. */
#ifndef COMPLAINTD_LOG_H
#define COMPLAINTD_LOG_H

#include <stdbool.h>

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* log_open - choose the sink; journald when to_journal, else stderr.
 * Lines below min are dropped. Safe to call again (e.g. on reload). */
void log_open(const char *ident, bool to_journal, enum log_level min);

/* log_level_parse - "error", "warn", "info", "debug"; -1 if unknown. */
int log_level_parse(const char *name);

void log_msg(enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* log_hold, log_release - the lines of level info and debug this thread
 * writes between the two are held back, then written by log_release(true)
 * or dropped by log_release(false). store_tx holds what a transaction's
 * work says until its commit: a try the database aborted and ran again
 * says nothing, and a line never reports work that did not happen.
 * Warnings and errors are written at once. Not nested. */
void log_hold(void);
void log_release(bool write);

/* log_set_pii - whether log_addr shows addresses in clear ([daemon]
 * log_pii); off until set. */
void log_set_pii(bool on);
/* log_addr - an address for a log line: itself when log_pii is on, else
 * "addr#" and 12 hex digits of the SHA-256 of its lower-case form - the same
 * customer gives the same tag, so one grep still follows them, but the log
 * does not hand out their address (printf %s ADDR | sha256sum gives the
 * digits for a known one). NULL gives "-". The result
 * lives in a per-thread ring of 8 buffers: valid until 8 more calls in the
 * same thread, enough for one log line. */
const char *log_addr(const char *addr);

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
