/* metrics - atomic counters and the Prometheus text rendering. */
#include "lib/metrics.h"

#include <stdatomic.h>
#include <string.h>

/* the channels of enum msg_channel; "other" also takes any name not listed */
static const char *const channels[] = { "email", "web", "phone", "counter", "wechat", "letter",
					"other" };
static const char *const categories[] = { "quality", "service", "price", "infringement", "other" };
static const char severities[] = { 'A', 'B', 'C' };
/* The codes complaintd answers with; anything else is counted as "other". */
static const unsigned http_codes[] = { 200, 201, 303, 304, 400, 403, 404, 405, 408, 411,
				       413, 414, 415, 429, 431, 500, 503 };

#define N_CHANNELS G_N_ELEMENTS(channels)
#define N_CATEGORIES G_N_ELEMENTS(categories)
#define N_SEVERITIES G_N_ELEMENTS(severities)
#define N_HTTP (G_N_ELEMENTS(http_codes) + 1)

static _Atomic uint64_t counters[METRIC_COUNT_];
static _Atomic int64_t gauges[METRIC_GAUGE_COUNT_];
static _Atomic uint64_t ingested[N_CHANNELS];
static _Atomic uint64_t complaints[N_CATEGORIES][N_SEVERITIES];
static _Atomic uint64_t http[N_HTTP];

void metrics_add(enum metric m, uint64_t n)
{
	if ((unsigned)m < METRIC_COUNT_)
		atomic_fetch_add_explicit(&counters[m], n, memory_order_relaxed);
}

void metrics_inc(enum metric m)
{
	metrics_add(m, 1);
}

void metrics_set_gauge(enum metric_gauge g, int64_t v)
{
	if ((unsigned)g < METRIC_GAUGE_COUNT_)
		atomic_store_explicit(&gauges[g], v, memory_order_relaxed);
}

void metrics_add_gauge(enum metric_gauge g, int64_t delta)
{
	if ((unsigned)g < METRIC_GAUGE_COUNT_)
		atomic_fetch_add_explicit(&gauges[g], delta, memory_order_relaxed);
}

static unsigned index_of(const char *const *names, unsigned n, const char *name)
{
	for (unsigned i = 0; i + 1 < n; i++)
		if (name && !strcmp(names[i], name))
			return i;
	return n - 1;  /* the last is "other" */
}

void metrics_ingested(const char *channel)
{
	atomic_fetch_add_explicit(&ingested[index_of(channels, N_CHANNELS, channel)], 1,
				  memory_order_relaxed);
}

void metrics_complaint(const char *category, char severity)
{
	unsigned c = index_of(categories, N_CATEGORIES, category);
	unsigned s = severity >= 'A' && severity <= 'C' ? (unsigned)(severity - 'A') : N_SEVERITIES - 1;
	atomic_fetch_add_explicit(&complaints[c][s], 1, memory_order_relaxed);
}

static unsigned http_slot(unsigned status)
{
	for (unsigned i = 0; i < G_N_ELEMENTS(http_codes); i++)
		if (http_codes[i] == status)
			return i;
	return N_HTTP - 1;
}

void metrics_http(unsigned status)
{
	atomic_fetch_add_explicit(&http[http_slot(status)], 1, memory_order_relaxed);
}

uint64_t metrics_get(enum metric m)
{
	return (unsigned)m < METRIC_COUNT_ ? atomic_load(&counters[m]) : 0;
}

uint64_t metrics_get_http(unsigned status)
{
	return atomic_load(&http[http_slot(status)]);
}

static void header(GString *out, const char *name, const char *type, const char *help)
{
	g_string_append_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void counter(GString *out, const char *name, const char *labels, uint64_t v)
{
	g_string_append_printf(out, "%s%s%s%s %" G_GUINT64_FORMAT "\n", name,
			       labels ? "{" : "", labels ? labels : "", labels ? "}" : "", v);
}

static void render_web(GString *out)
{
	static const struct { enum metric m; const char *outcome; } posts[] = {
		{ METRIC_WEB_POSTS_NEW, "new" }, { METRIC_WEB_POSTS_DUPLICATE, "duplicate" },
		{ METRIC_WEB_POSTS_INVALID, "invalid" }, { METRIC_WEB_POSTS_HONEYPOT, "honeypot" },
		{ METRIC_WEB_POSTS_FAILED, "failed" },
	};
	header(out, "complaintd_web_posts_total", "counter", "Web form and API posts by outcome.");
	for (unsigned i = 0; i < G_N_ELEMENTS(posts); i++) {
		char *l = g_strdup_printf("outcome=\"%s\"", posts[i].outcome);
		counter(out, "complaintd_web_posts_total", l, metrics_get(posts[i].m));
		g_free(l);
	}
	header(out, "complaintd_web_batches_total", "counter",
	       "Transactions that stored web posts (under load several posts share one).");
	counter(out, "complaintd_web_batches_total", NULL, metrics_get(METRIC_WEB_BATCHES));
	header(out, "complaintd_http_requests_total", "counter", "HTTP responses by status code.");
	for (unsigned i = 0; i < N_HTTP; i++) {
		char *l = i + 1 < N_HTTP ? g_strdup_printf("code=\"%u\"", http_codes[i])
					 : g_strdup("code=\"other\"");
		counter(out, "complaintd_http_requests_total", l, atomic_load(&http[i]));
		g_free(l);
	}
}

void metrics_render(GString *out)
{
	header(out, "complaintd_messages_ingested_total", "counter",
	       "Incoming messages stored, by channel.");
	for (unsigned i = 0; i < N_CHANNELS; i++) {
		char *l = g_strdup_printf("channel=\"%s\"", channels[i]);
		counter(out, "complaintd_messages_ingested_total", l, atomic_load(&ingested[i]));
		g_free(l);
	}
	header(out, "complaintd_complaints_total", "counter",
	       "New complaints by category and severity.");
	for (unsigned c = 0; c < N_CATEGORIES; c++)
		for (unsigned s = 0; s < N_SEVERITIES; s++) {
			char *l = g_strdup_printf("category=\"%s\",severity=\"%c\"",
						  categories[c], severities[s]);
			counter(out, "complaintd_complaints_total", l, atomic_load(&complaints[c][s]));
			g_free(l);
		}
	header(out, "complaintd_outbox_depth", "gauge", "Outbox mails pending or being sent.");
	g_string_append_printf(out, "complaintd_outbox_depth %" G_GINT64_FORMAT "\n",
			       atomic_load(&gauges[METRIC_GAUGE_OUTBOX_DEPTH]));
	header(out, "complaintd_web_body_bytes_held", "gauge",
	       "Body bytes of web requests in hand (limited to 8 x [web] max_body_size).");
	g_string_append_printf(out, "complaintd_web_body_bytes_held %" G_GINT64_FORMAT "\n",
			       atomic_load(&gauges[METRIC_GAUGE_WEB_BODY_BYTES]));
	header(out, "complaintd_outbox_sent_total", "counter", "Mails delivered.");
	counter(out, "complaintd_outbox_sent_total", NULL, metrics_get(METRIC_OUTBOX_SENT));
	header(out, "complaintd_outbox_retries_total", "counter", "Delivery attempts to retry.");
	counter(out, "complaintd_outbox_retries_total", NULL, metrics_get(METRIC_OUTBOX_RETRIES));
	header(out, "complaintd_outbox_failures_total", "counter", "Mails failed for good.");
	counter(out, "complaintd_outbox_failures_total", NULL, metrics_get(METRIC_OUTBOX_FAILURES));
	header(out, "complaintd_reload_failures_total", "counter",
	       "Reloads of rules and templates refused for errors.");
	counter(out, "complaintd_reload_failures_total", NULL, metrics_get(METRIC_RELOAD_FAILURES));
	header(out, "complaintd_imap_poll_errors_total", "counter", "Failed IMAP poll rounds.");
	counter(out, "complaintd_imap_poll_errors_total", NULL, metrics_get(METRIC_IMAP_POLL_ERRORS));
	render_web(out);
}

void metrics_reset(void)
{
	for (unsigned i = 0; i < METRIC_COUNT_; i++)
		atomic_store(&counters[i], 0);
	for (unsigned i = 0; i < METRIC_GAUGE_COUNT_; i++)
		atomic_store(&gauges[i], 0);
	for (unsigned i = 0; i < N_CHANNELS; i++)
		atomic_store(&ingested[i], 0);
	for (unsigned c = 0; c < N_CATEGORIES; c++)
		for (unsigned s = 0; s < N_SEVERITIES; s++)
			atomic_store(&complaints[c][s], 0);
	for (unsigned i = 0; i < N_HTTP; i++)
		atomic_store(&http[i], 0);
}
