/* metrics - process-wide counters and gauges, rendered in the Prometheus
 * text exposition format for GET /metrics.
 *
 * Every counter is a fixed slot updated with a relaxed atomic add, so any
 * thread (poller, sender, HTTP workers) may call these at any time without
 * locks and without setup; there is nothing to allocate or free. Labels are
 * fixed sets (channels, categories, severities, HTTP status codes), so the
 * memory used never grows with the input. */
#ifndef COMPLAINTD_METRICS_H
#define COMPLAINTD_METRICS_H

#include <stdint.h>
#include <glib.h>

enum metric {
	METRIC_IMAP_POLL_ERRORS,     /* a poll round of a mailbox failed */
	METRIC_OUTBOX_SENT,          /* mails delivered to the SMTP server */
	METRIC_OUTBOX_FAILURES,      /* mails given up as failed for good */
	METRIC_OUTBOX_RETRIES,       /* delivery attempts that will be retried */
	METRIC_WEB_POSTS_NEW,        /* web posts that opened a complaint */
	METRIC_WEB_POSTS_DUPLICATE,  /* double submissions (same form token) */
	METRIC_WEB_POSTS_INVALID,    /* rejected by validation (400) */
	METRIC_WEB_POSTS_HONEYPOT,   /* the hidden field was filled: a bot */
	METRIC_WEB_POSTS_FAILED,     /* database unreachable or item failed */
	METRIC_WEB_BATCHES,          /* transactions that stored web posts (group commit) */
	METRIC_RELOAD_FAILURES,      /* SIGHUP reloads refused for errors */
	METRIC_COUNT_
};

enum metric_gauge {
	METRIC_GAUGE_OUTBOX_DEPTH,   /* outbox rows pending or sending */
	METRIC_GAUGE_WEB_BODY_BYTES, /* web body bytes held by requests in hand */
	METRIC_GAUGE_COUNT_
};

/* metrics_inc / metrics_add - add to a counter. */
void metrics_inc(enum metric m);
void metrics_add(enum metric m, uint64_t n);
/* metrics_set_gauge - set a gauge to its current value. */
void metrics_set_gauge(enum metric_gauge g, int64_t v);
/* metrics_add_gauge - move a gauge by delta (for a value several threads
 * change at once). */
void metrics_add_gauge(enum metric_gauge g, int64_t delta);

/* metrics_ingested - one incoming message stored (any outcome but failed);
 * channel "email" or "web" (anything else counts as "other"). */
void metrics_ingested(const char *channel);
/* metrics_complaint - one new complaint; category one of quality, service,
 * price, infringement (anything else counts as "other"), severity 'A'-'C'. */
void metrics_complaint(const char *category, char severity);
/* metrics_http - one HTTP response with this status code. */
void metrics_http(unsigned status);

/* metrics_get - a counter's current value (tests). */
uint64_t metrics_get(enum metric m);
uint64_t metrics_get_http(unsigned status);

/* metrics_render - every metric in Prometheus text format 0.0.4 appended
 * to out. */
void metrics_render(GString *out);

/* metrics_reset - all to zero (tests). */
void metrics_reset(void);

#endif
