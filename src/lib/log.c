/* log - levelled logging to stderr or journald. */
#include "lib/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <glib.h>
#include <systemd/sd-journal.h>

static const char *log_ident = "complaintd";
static bool log_journal;
static enum log_level log_min = LOG_LVL_INFO;

static const char *const level_names[] = { "error", "warn", "info", "debug" };

void log_open(const char *ident, bool to_journal, enum log_level min)
{
	log_ident = ident;
	log_journal = to_journal;
	log_min = min;
}

static bool log_pii;

void log_set_pii(bool on)
{
	log_pii = on;
}

const char *log_addr(const char *addr)
{
	static _Thread_local char ring[8][32];
	static _Thread_local unsigned next;
	if (!addr)
		return "-";
	if (log_pii)
		return addr;
	char *lower = g_ascii_strdown(addr, -1);
	char *hex = g_compute_checksum_for_string(G_CHECKSUM_SHA256, lower, -1);
	char *out = ring[next++ % G_N_ELEMENTS(ring)];
	g_snprintf(out, sizeof ring[0], "addr#%.12s", hex);
	g_free(hex);
	g_free(lower);
	return out;
}

int log_level_parse(const char *name)
{
	for (unsigned i = 0; i < G_N_ELEMENTS(level_names); i++)
		if (g_ascii_strcasecmp(name, level_names[i]) == 0)
			return (int)i;
	return -1;
}

static int syslog_priority(enum log_level lvl)
{
	switch (lvl) {
	case LOG_LVL_ERROR: return LOG_ERR;
	case LOG_LVL_WARN:  return LOG_WARNING;
	case LOG_LVL_INFO:  return LOG_INFO;
	default:            return LOG_DEBUG;
	}
}

/* this thread's lines held by log_hold: the level as the first byte */
static _Thread_local GPtrArray *held;
static _Thread_local bool holding;

static void write_line(enum log_level lvl, const char *text);

void log_hold(void)
{
	if (!held)
		held = g_ptr_array_new_with_free_func(g_free);
	holding = true;
}

void log_release(bool write)
{
	holding = false;
	if (!held)
		return;
	for (guint i = 0; write && i < held->len; i++) {
		const char *line = held->pdata[i];
		write_line((enum log_level)(line[0] - '0'), line + 1);
	}
	/* freed each time: a thread that ends must leave nothing behind */
	g_ptr_array_unref(held);
	held = NULL;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	if (lvl > log_min)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *text = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	/* A value that carried a newline must not forge a second log line. */
	for (char *p = text; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	if (holding && lvl >= LOG_LVL_INFO) {
		g_ptr_array_add(held, g_strdup_printf("%d%s", (int)lvl, text));
		g_free(text);
		return;
	}
	write_line(lvl, text);
	g_free(text);
}

static void write_line(enum log_level lvl, const char *text)
{
	if (log_journal) {
		sd_journal_print(syslog_priority(lvl), "%s", text);
	} else {
		char stamp[32];
		struct timespec ts;
		struct tm tm;
		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
		/* one fprintf: stdio locks the stream, so lines never interleave */
		fprintf(stderr, "%s.%03ld %s %s: %s\n", stamp, ts.tv_nsec / 1000000,
			log_ident, level_names[lvl], text);
	}
}
