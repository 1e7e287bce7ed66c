/* Unit tests for metrics: counting from many threads, labels, rendering. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <glib.h>

#include "lib/metrics.h"

static gpointer hammer(gpointer data)
{
	for (int i = 0; i < 10000; i++) {
		metrics_inc(METRIC_WEB_POSTS_NEW);
		metrics_http(201);
		metrics_complaint("price", 'B');
		metrics_add_gauge(METRIC_GAUGE_WEB_BODY_BYTES, 3);
		metrics_add_gauge(METRIC_GAUGE_WEB_BODY_BYTES, -1);
	}
	return NULL;
}

static void test_threads(void **state)
{
	metrics_reset();
	GThread *t[4];
	for (int i = 0; i < 4; i++)
		t[i] = g_thread_new("m", hammer, NULL);
	for (int i = 0; i < 4; i++)
		g_thread_join(t[i]);
	assert_int_equal(metrics_get(METRIC_WEB_POSTS_NEW), 40000);
	assert_int_equal(metrics_get_http(201), 40000);
	GString *out = g_string_new(NULL);
	metrics_render(out);
	assert_non_null(strstr(out->str,
		"complaintd_complaints_total{category=\"price\",severity=\"B\"} 40000\n"));
	assert_non_null(strstr(out->str, "complaintd_http_requests_total{code=\"201\"} 40000\n"));
	assert_non_null(strstr(out->str, "complaintd_web_body_bytes_held 80000\n"));
	g_string_free(out, TRUE);
}

static void test_render_and_other(void **state)
{
	metrics_reset();
	metrics_ingested("email");
	metrics_ingested("web");
	metrics_ingested("fax");
	metrics_complaint("weird", 'Z');
	metrics_http(418);
	metrics_add(METRIC_IMAP_POLL_ERRORS, 3);
	metrics_set_gauge(METRIC_GAUGE_OUTBOX_DEPTH, 7);
	metrics_inc((enum metric)999);  /* ignored, no crash */
	GString *out = g_string_new(NULL);
	metrics_render(out);
	const char *want[] = {
		"# TYPE complaintd_messages_ingested_total counter\n",
		"complaintd_messages_ingested_total{channel=\"email\"} 1\n",
		"complaintd_messages_ingested_total{channel=\"web\"} 1\n",
		"complaintd_messages_ingested_total{channel=\"other\"} 1\n",
		"complaintd_complaints_total{category=\"other\",severity=\"C\"} 1\n",
		"complaintd_http_requests_total{code=\"other\"} 1\n",
		"complaintd_imap_poll_errors_total 3\n",
		"# TYPE complaintd_outbox_depth gauge\ncomplaintd_outbox_depth 7\n",
		"complaintd_outbox_failures_total 0\n",
	};
	for (unsigned i = 0; i < G_N_ELEMENTS(want); i++)
		if (!strstr(out->str, want[i]))
			fail_msg("missing: %s\n%s", want[i], out->str);
	/* every line is a comment or "name{labels} value" */
	char **lines = g_strsplit(out->str, "\n", -1);
	for (char **l = lines; *l && **l; l++)
		assert_true(**l == '#' || g_regex_match_simple(
			"^[a-z_]+(\\{[a-z]+=\"[^\"]*\"(,[a-z]+=\"[^\"]*\")*\\})? -?[0-9]+$", *l, 0, 0));
	g_strfreev(lines);
	g_string_free(out, TRUE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_render_and_other),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
