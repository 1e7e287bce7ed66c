/* test_smtp - the smtp module against the aiosmtpd sink (smtp_sink.py).
 *
 * Run by run_client_tests.py with CTD_SMTP_URL (smtp://127.0.0.1:P, no
 * TLS) and CTD_SINK_DIR (the sink's spool; control.json steers refusals).
 * The harness checks the stored messages afterwards. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mail/smtp.h"

static const char *env(const char *name)
{
	const char *v = getenv(name);
	if (!v) {
		fprintf(stderr, "missing environment variable %s\n", name);
		exit(2);
	}
	return v;
}

static void control(const char *json)
{
	char *path = g_build_filename(env("CTD_SINK_DIR"), "control.json", NULL);
	assert_true(g_file_set_contents(path, json, -1, NULL));
	g_free(path);
}

static struct smtp *open_sink(void)
{
	struct smtp_params p = { .url = env("CTD_SMTP_URL"), .tls = SMTP_TLS_NONE,
				 .helo = "complaintd.test", .timeout_s = 10 };
	struct smtp *s = smtp_new(&p);
	assert_non_null(s);
	return s;
}

static const char MSG[] = "From: a@example.com\r\nTo: ok@example.com\r\n"
			  "Subject: hello\r\n\r\nbody\r\n";

static void test_send_and_reuse(void **state)
{
	struct smtp *s = open_sink();
	char *reply = NULL;
	GError *e = NULL;
	control("{\"reject\": [], \"tempfail\": false}");
	for (int i = 0; i < 3; i++) {
		assert_int_equal(smtp_send(s, "a@example.com", "ok@example.com", MSG,
					   strlen(MSG), &reply, &e), SMTP_SENT);
		assert_non_null(reply);
		assert_non_null(strstr(reply, "250 2.0.0 Ok: queued as"));
		g_free(reply);
	}
	smtp_free(&s);
	assert_null(s);
}

static void test_line_endings(void **state)
{
	struct smtp *s = open_sink();
	GError *e = NULL;
	const char raw[] = "X-Test: crlf\nSubject: mixed\r\n\nline one\nline two\rline three\r\n";
	const char dots[] = "X-Test: dots\r\n\r\n.leading dot\r\n..two\r\n.\r\nafter\r\n";
	size_t n;
	char *fixed = smtp_crlf("a\nb\rc\r\n\n", 9, &n);
	assert_int_equal(n, 12);
	assert_memory_equal(fixed, "a\r\nb\r\nc\r\n\r\n", 12);
	g_free(fixed);
	assert_int_equal(smtp_send(s, "a@example.com", "ok@example.com", raw,
				   strlen(raw), NULL, &e), SMTP_SENT);
	assert_int_equal(smtp_send(s, "", "ok@example.com", dots, strlen(dots),
				   NULL, &e), SMTP_SENT);
	assert_int_equal(smtp_send(s, "a@example.com", "x@y\r\nRCPT TO:<z>", raw,
				   strlen(raw), NULL, &e), -1);
	g_clear_error(&e);
	smtp_free(&s);
}

static void test_permanent(void **state)
{
	struct smtp *s = open_sink();
	char *reply = NULL;
	GError *e = NULL;
	control("{\"reject\": [\"nobody@example.com\"], \"tempfail\": false}");
	assert_int_equal(smtp_send(s, "a@example.com", "nobody@example.com", MSG,
				   strlen(MSG), &reply, &e), SMTP_PERMFAIL);
	assert_non_null(reply);
	assert_non_null(strstr(reply, "550 5.1.1"));
	assert_non_null(e);
	g_clear_error(&e);
	g_free(reply);
	/* the next mail on the same object goes through */
	assert_int_equal(smtp_send(s, "a@example.com", "ok@example.com", MSG,
				   strlen(MSG), NULL, &e), SMTP_SENT);
	smtp_free(&s);
}

static void test_temporary(void **state)
{
	struct smtp *s = open_sink();
	char *reply = NULL;
	GError *e = NULL;
	control("{\"reject\": [], \"tempfail\": true}");
	assert_int_equal(smtp_send(s, "a@example.com", "ok@example.com", MSG,
				   strlen(MSG), &reply, &e), SMTP_TEMPFAIL);
	assert_non_null(strstr(reply, "451"));
	g_free(reply);
	g_clear_error(&e);
	control("{\"reject\": [], \"tempfail\": false}");
	smtp_free(&s);
}

static void test_server_down(void **state)
{
	struct smtp_params p = { .url = "smtp://127.0.0.1:1", .tls = SMTP_TLS_NONE,
				 .timeout_s = 5 };
	struct smtp *s = smtp_new(&p);
	char *reply = (char *)"x";
	GError *e = NULL;
	assert_int_equal(smtp_send(s, "a@example.com", "ok@example.com", MSG,
				   strlen(MSG), &reply, &e), SMTP_TEMPFAIL);
	assert_null(reply);
	assert_non_null(e);
	g_clear_error(&e);
	smtp_free(&s);
	/* STARTTLS required by default: the sink offers none */
	p.url = env("CTD_SMTP_URL");
	p.tls = SMTP_TLS_REQUIRED;
	s = smtp_new(&p);
	assert_int_equal(smtp_send(s, "a@example.com", "ok@example.com", MSG,
				   strlen(MSG), NULL, &e), SMTP_TEMPFAIL);
	g_clear_error(&e);
	smtp_free(&s);
	p.url = "smtp://user:pw@127.0.0.1:25";
	assert_null(smtp_new(&p));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_send_and_reuse),
		cmocka_unit_test(test_line_endings),
		cmocka_unit_test(test_permanent),
		cmocka_unit_test(test_temporary),
		cmocka_unit_test(test_server_down),
	};
	return cmocka_run_group_tests_name("smtp", tests, NULL, NULL);
}
