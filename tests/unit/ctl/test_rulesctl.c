/* test_rulesctl - the `complaintctl rules` tools and the JSON parser they
 * read form posts with; also the accuracy gate of the default rules on the
 * labelled corpus tests/data/eval (make check fails below 90%). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "lib/jsonparse.h"
#include "lib/log.h"
#include "mail/mime.h"
#include "ctl/rulesctl.h"
#include "ctl/ruleseval.h"
#include "../rules_cache_fixture.h"

static char *src_path(const char *rel)
{
	const char *top = g_getenv("COMPLAINTD_SRCDIR");
	return g_build_filename(top ? top : ".", rel, NULL);
}

/* run_to_string - what fn wrote to its FILE *. */
struct capture {
	char *buf;
	size_t len;
	FILE *f;
};

static void cap_open(struct capture *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	assert_non_null(c->f);
}

static char *cap_close(struct capture *c)
{
	fclose(c->f);
	return c->buf; /* free() */
}

/* ---- jsonparse --------------------------------------------------------------- */

static struct jsonparse_value *parse(const char *s, char **error)
{
	*error = NULL;
	return jsonparse_parse(s, strlen(s), NULL, error);
}

static void expect_error(const char *doc, const char *what)
{
	char *error = NULL;
	struct jsonparse_value *v = jsonparse_parse(doc, strlen(doc), NULL, &error);
	if (v || !error || !strstr(error, what))
		fail_msg("%s: expected error containing \"%s\", got %s", doc, what,
			 error ? error : "success");
	g_free(error);
}

static void test_json_ok(void **state)
{
	char *error;
	struct jsonparse_value *v = parse(
		" {\"a\": [1, -2.5e3, true, false, null], \"b\": {\"c\": \"x\\u00e9\\ud83d\\ude00\\n\"},"
		" \"\\u4e2d\": \"\xe4\xb8\xad\", \"z\": 0} ", &error);
	assert_non_null(v);
	assert_null(error);
	assert_int_equal(jsonparse_type(v), JSONPARSE_OBJECT);
	assert_int_equal(jsonparse_length(v), 4);
	const struct jsonparse_value *a = jsonparse_get(v, "a");
	assert_int_equal(jsonparse_length(a), 5);
	assert_true(jsonparse_number(jsonparse_index(a, 1)) == -2500.0);
	assert_true(jsonparse_bool(jsonparse_index(a, 2)));
	assert_int_equal(jsonparse_type(jsonparse_index(a, 4)), JSONPARSE_NULL);
	size_t len;
	const char *c = jsonparse_string(jsonparse_get(jsonparse_get(v, "b"), "c"), &len);
	assert_string_equal(c, "x\xc3\xa9\xf0\x9f\x98\x80\n");
	assert_int_equal(len, 8);
	assert_string_equal(jsonparse_string(jsonparse_get(v, "\xe4\xb8\xad"), NULL), "\xe4\xb8\xad");
	assert_string_equal(jsonparse_key(v, 3), "z");
	assert_null(jsonparse_get(v, "missing"));
	assert_null(jsonparse_index(v, 4));
	jsonparse_free(&v);
	assert_null(v);
}

static void test_json_errors(void **state)
{
	expect_error("", "byte 0: unexpected end");
	expect_error("{\"a\":1,}", "trailing comma");
	expect_error("[1,]", "trailing comma");
	expect_error("{\"a\":1,\"a\":2}", "byte 7: duplicate key \"a\"");
	expect_error("\"\\ud800\"", "high surrogate");
	expect_error("\"\\udc00\"", "lone low surrogate");
	expect_error("\"\\ud800\\u0041\"", "high surrogate");
	expect_error("\"\\u0000\"", "NUL");
	expect_error("\"\\u12g4\"", "bad \\u escape");
	expect_error("\"a\tb\"", "control character");
	expect_error("\"\xc0\xaf\"", "byte 1: invalid UTF-8");         /* overlong '/' */
	expect_error("\"\xed\xa0\x80\"", "invalid UTF-8");             /* encoded surrogate */
	expect_error("\"\xff\"", "invalid UTF-8");
	expect_error("01", "leading zero");
	expect_error("1.", "digits expected");
	expect_error("1e", "exponent");
	expect_error("1e999", "out of range");
	expect_error("NaN", "unexpected character");
	expect_error("tru", "unexpected character");
	expect_error("{} x", "after the document");
	expect_error("{\"a\" 1}", "':' expected");
	expect_error("{1:2}", "member name");
	expect_error("[1 2]", "',' or ']' expected");
	expect_error("\"abc", "unterminated");
	expect_error("\xef\xbb\xbf{}", "unexpected character");          /* BOM */
	expect_error("// c\n{}", "unexpected character");
	char nul[] = "[1,\0]";
	char *error = NULL;
	assert_null(jsonparse_parse(nul, 5, NULL, &error));
	assert_non_null(strstr(error, "byte 3: NUL byte"));
	g_free(error);
}

static void test_json_limits(void **state)
{
	GString *deep = g_string_new(NULL);
	for (int i = 0; i < 100000; i++)
		g_string_append_c(deep, '[');
	expect_error(deep->str, "nested deeper than 32");
	g_string_free(deep, TRUE);

	struct jsonparse_limits lim = { .max_bytes = 10, .max_string = 4, .max_values = 3,
					.max_depth = 2 };
	char *error = NULL;
	assert_null(jsonparse_parse("[1,2,3,4,5,6]", 13, &lim, &error));
	assert_non_null(strstr(error, "longer than 10 bytes"));
	g_free(error);
	assert_null(jsonparse_parse("\"abcde\"", 7, &lim, &error));
	assert_non_null(strstr(error, "string longer than 4"));
	g_free(error);
	assert_null(jsonparse_parse("[1,2,3]", 7, &lim, &error));
	assert_non_null(strstr(error, "more than 3 values"));
	g_free(error);
	assert_null(jsonparse_parse("[[[1]]]", 7, &lim, &error));
	assert_non_null(strstr(error, "deeper than 2"));
	g_free(error);
	struct jsonparse_value *v = jsonparse_parse("[[1]]", 5, &lim, &error);
	assert_non_null(v);
	jsonparse_free(&v);
}

/* Many distinct keys: the duplicate check must stay fast (hash, not scan). */
static void test_json_many_keys(void **state)
{
	GString *doc = g_string_new("{");
	for (int i = 0; i < 50000; i++)
		g_string_append_printf(doc, "%s\"k%d\":%d", i ? "," : "", i, i);
	g_string_append_c(doc, '}');
	char *error = NULL;
	struct jsonparse_value *v = jsonparse_parse(doc->str, doc->len, NULL, &error);
	assert_non_null(v);
	assert_int_equal(jsonparse_length(v), 50000);
	assert_true(jsonparse_number(jsonparse_get(v, "k4321")) == 4321.0);
	jsonparse_free(&v);
	g_string_free(doc, TRUE);
}

/* ---- form posts ---------------------------------------------------------------- */

static void test_form_json(void **state)
{
	const char *doc = "{\"title\":\"电水壶漏水\",\"description\":\"用了三天就漏水了\","
		"\"email\":\"Li@Example.com\",\"name\":\"李\",\"order\":\"A-1\"}";
	char *error = NULL;
	struct message *m = ruleseval_message_from_json(doc, strlen(doc), &error);
	assert_non_null(m);
	assert_int_equal(msg_channel(m), MSG_CHANNEL_WEB);
	assert_string_equal(msg_subject(m), "电水壶漏水");
	assert_string_equal(msg_text(m), "用了三天就漏水了");
	assert_string_equal(msg_from_addr(m), "li@example.com");
	assert_string_equal(msg_from_name(m), "李");
	assert_string_equal(msg_field(m, "order"), "A-1");
	msg_free(&m);

	assert_null(ruleseval_message_from_json("[1]", 3, &error));
	assert_non_null(strstr(error, "JSON object, not array"));
	g_free(error);
	error = NULL;
	assert_null(ruleseval_message_from_json("{\"body\":5}", 10, &error));
	assert_non_null(strstr(error, "field \"body\": a string expected, not number"));
	g_free(error);
}

/* ---- check, test ------------------------------------------------------------- */

static char *write_rules(const char *text)
{
	char *dir = g_dir_make_tmp("rulesctl-XXXXXX", NULL);
	assert_non_null(dir);
	char *file = g_build_filename(dir, "10-x.rules", NULL);
	assert_true(g_file_set_contents(file, text, -1, NULL));
	g_free(file);
	return dir;
}

static void remove_dir(char *dir)
{
	char *file = g_build_filename(dir, "10-x.rules", NULL);
	g_unlink(file);
	g_free(file);
	g_rmdir(dir);
	g_free(dir);
}

static void test_check(void **state)
{
	char *dir = write_rules("rule A any /(/\n    score quality 3\n"
				"rule B any /x*/\n    score price 1\n");
	struct capture c;
	cap_open(&c);
	assert_int_equal(rulesctl_check(dir, false, c.f), 1);
	char *out = cap_close(&c);
	/* file:line:column: error: PCRE2's message */
	assert_non_null(strstr(out, "10-x.rules:1:"));
	assert_non_null(strstr(out, ": error: "));
	assert_non_null(strstr(out, "missing closing parenthesis"));
	assert_non_null(strstr(out, "NOT loadable"));
	free(out);
	remove_dir(dir);

	dir = write_rules("rule B any /x*/\n    score price 1\n");
	cap_open(&c);
	assert_int_equal(rulesctl_check(dir, true, c.f), 0);
	out = cap_close(&c);
	char *error = NULL;
	struct jsonparse_value *v = jsonparse_parse(out, strlen(out), NULL, &error);
	assert_non_null(v);
	assert_true(jsonparse_bool(jsonparse_get(v, "ok")));
	assert_int_equal(jsonparse_length(jsonparse_get(v, "warnings")), 1);  /* empty match */
	assert_true(jsonparse_number(jsonparse_get(v, "rules")) == 1);
	jsonparse_free(&v);
	free(out);
	remove_dir(dir);
}

static void test_test_json_output(void **state)
{
	char *rules = src_path("rules");
	char *post = g_build_filename(g_get_tmp_dir(), "rulesctl-post.json", NULL);
	assert_true(g_file_set_contents(post,
		"{\"subject\":\"Charged twice\",\"message\":\"I was charged twice and "
		"my lawyer will be in touch.\"}", -1, NULL));
	struct capture c, e;
	cap_open(&c);
	cap_open(&e);
	assert_int_equal(rulesctl_test(rules, default_limits(), post, true, c.f, e.f), 0);
	char *out = cap_close(&c), *err = cap_close(&e);
	char *error = NULL;
	struct jsonparse_value *v = jsonparse_parse(out, strlen(out), NULL, &error);
	assert_non_null(v);
	assert_string_equal(jsonparse_string(jsonparse_get(v, "category"), NULL), "price");
	assert_string_equal(jsonparse_string(jsonparse_get(v, "severity"), NULL), "A");
	const struct jsonparse_value *hits = jsonparse_get(v, "hits");
	assert_true(jsonparse_length(hits) >= 2);
	bool legal = false;
	for (size_t i = 0; i < jsonparse_length(hits); i++) {
		const struct jsonparse_value *h = jsonparse_index(hits, i);
		assert_non_null(jsonparse_string(jsonparse_get(h, "field"), NULL));
		assert_non_null(jsonparse_string(jsonparse_get(h, "effect"), NULL));
		if (!strcmp(jsonparse_string(jsonparse_get(h, "rule"), NULL), "A_LEGAL_EN")) {
			legal = true;
			assert_string_equal(jsonparse_string(jsonparse_get(h, "match"), NULL),
					    "my lawyer");
		}
	}
	assert_true(legal);
	assert_non_null(jsonparse_get(jsonparse_get(v, "scores"), "price"));
	jsonparse_free(&v);
	free(out);
	free(err);

	/* human form, and an unreadable input */
	cap_open(&c);
	cap_open(&e);
	assert_int_equal(rulesctl_test(rules, default_limits(), post, false, c.f, e.f), 0);
	out = cap_close(&c);
	err = cap_close(&e);
	assert_non_null(strstr(out, "verdict:  category price, severity A"));
	assert_non_null(strstr(out, "severity: A set by A_LEGAL_EN"));
	assert_non_null(strstr(out, "A_LEGAL_EN on body: \"my lawyer\""));
	free(out);
	free(err);
	cap_open(&c);
	cap_open(&e);
	assert_int_equal(rulesctl_test(rules, default_limits(), "/nonexistent.eml", false, c.f, e.f), 1);
	free(cap_close(&c));
	free(cap_close(&e));
	g_unlink(post);
	g_free(post);
	g_free(rules);
}

static void test_parse_date(void **state)
{
	int64_t t;
	assert_true(rulesctl_parse_date("2025-03-01T00:00:00Z", &t));
	assert_int_equal(t, 1740787200);
	assert_true(rulesctl_parse_date("2025-03-01", &t));
	assert_false(rulesctl_parse_date("2025-13-01", &t));
	assert_false(rulesctl_parse_date("yesterday", &t));
}

/* ---- the accuracy gate ---------------------------------------------------------- */

static void test_eval_corpus(void **state)
{
	char *rules_dir = src_path("rules"), *corpus = src_path("tests/data/eval");
	struct rules *r = ruleseval_load(rules_dir, default_limits(), stderr);
	assert_non_null(r);
	struct rulesctl_eval ev;
	char *error = NULL;
	assert_int_equal(rulesctl_eval_dir(r, corpus, &ev, &error), 0);
	double ca = rulesctl_eval_category_accuracy(&ev);
	double sa = rulesctl_eval_severity_accuracy(&ev);
	printf("eval corpus: %u messages, category %.1f%%, severity %.1f%%\n",
	       ev.messages, 100 * ca, 100 * sa);
	for (guint i = 0; i < ev.misclassified->len; i++)
		printf("  misclassified %s\n", (char *)g_ptr_array_index(ev.misclassified, i));
	assert_int_equal(ev.skipped->len, 0);
	assert_true(ev.messages >= 120);
	assert_true(ca >= 0.90);
	assert_true(sa >= 0.90);
	/* the matrices account for every message */
	unsigned sum = 0;
	for (int i = 0; i < RULESEVAL_NCAT; i++)
		for (int j = 0; j < RULESEVAL_NCAT; j++)
			sum += ev.category_matrix[i][j];
	assert_int_equal(sum, ev.messages);

	struct capture c;
	cap_open(&c);
	rulesctl_eval_print(&ev, true, c.f);
	char *out = cap_close(&c);
	struct jsonparse_value *v = jsonparse_parse(out, strlen(out), NULL, &error);
	assert_non_null(v);
	assert_true(jsonparse_number(jsonparse_get(v, "messages")) == ev.messages);
	assert_true(jsonparse_number(jsonparse_get(v, "category_accuracy")) == ca);
	assert_int_equal(jsonparse_length(jsonparse_get(jsonparse_get(v, "category_matrix"),
							"rows")), RULESEVAL_NCAT);
	jsonparse_free(&v);
	free(out);
	rulesctl_eval_clear(&ev);
	rules_unref(&r);
	g_free(rules_dir);
	g_free(corpus);
}

/* A rule set that classifies everything as quality must fail the gate:
 * the figures come from the labels, not from the code. */
static void test_eval_can_fail(void **state)
{
	char *dir = write_rules("rule ALL any /(?s)./\n    score quality 5\n");
	struct rules *r = ruleseval_load(dir, NULL, stderr);
	assert_non_null(r);
	char *corpus = src_path("tests/data/eval");
	struct rulesctl_eval ev;
	char *error = NULL;
	assert_int_equal(rulesctl_eval_dir(r, corpus, &ev, &error), 0);
	assert_true(rulesctl_eval_category_accuracy(&ev) < 0.5);
	assert_true(ev.misclassified->len > ev.messages / 2);
	rulesctl_eval_clear(&ev);
	rules_unref(&r);
	g_free(corpus);
	remove_dir(dir);
}

int main(void)
{
	log_open("test_rulesctl", false, LOG_LVL_WARN);
	mime_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_ok),
		cmocka_unit_test(test_json_errors),
		cmocka_unit_test(test_json_limits),
		cmocka_unit_test(test_json_many_keys),
		cmocka_unit_test(test_form_json),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_test_json_output),
		cmocka_unit_test(test_parse_date),
		cmocka_unit_test(test_eval_corpus),
		cmocka_unit_test(test_eval_can_fail),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
