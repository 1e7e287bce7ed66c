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

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
