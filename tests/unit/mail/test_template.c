/* Unit tests for template: placeholders, sections, escaping, errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <glib.h>

#include "mail/template.h"

static GHashTable *vars_new(void)
{
	GHashTable *v = g_hash_table_new(g_str_hash, g_str_equal);
	g_hash_table_insert(v, "ref", "CMP-20261123-0001");
	g_hash_table_insert(v, "customer_name", "张三");
	g_hash_table_insert(v, "subject", "<b>坏了</b>\r\nBcc: evil@example.com");
	g_hash_table_insert(v, "company", "");
	return v;
}

/* parse - template or NULL; errors joined by '|' into *errs */
static struct template *parse(const char *text, bool html, char **errs)
{
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	struct template *t = template_parse("t.tmpl", text, strlen(text), html, errors);
	g_ptr_array_add(errors, NULL);
	*errs = g_strjoinv("|", (char **)errors->pdata);
	g_ptr_array_unref(errors);
	return t;
}

static void test_mail_template(void **state)
{
	char *errs;
	struct template *t = parse("Subject: [{{ref}}] {{subject}}\n\n"
				   "{{#customer_name}}Dear {{customer_name}},{{/customer_name}}"
				   "{{^company}} (no company){{/company}}\n", false, &errs);
	assert_non_null(t);
	GHashTable *v = vars_new();
	char *subject = template_render_subject(t, v);
	/* CR/LF from a value never reach a header: no second header line */
	assert_null(strpbrk(subject, "\r\n"));
	assert_string_equal(subject, "[CMP-20261123-0001] <b>坏了</b>  Bcc: evil@example.com");
	char *body = template_render(t, v);
	assert_string_equal(body, "Dear 张三, (no company)\n");
	g_free(subject);
	g_free(body);
	g_hash_table_remove(v, "customer_name");
	body = template_render(t, v);
	assert_string_equal(body, " (no company)\n");
	g_free(body);
	g_hash_table_unref(v);
	template_free(&t);
	assert_null(t);
	g_free(errs);
}

static void test_html_escaped(void **state)
{
	char *errs;
	struct template *t = parse("<p>{{subject}}</p>", true, &errs);
	assert_non_null(t);
	GHashTable *v = vars_new();
	g_hash_table_insert(v, "subject", "<script>alert('x')</script> & \"q\"");
	char *page = template_render(t, v);
	assert_string_equal(page, "<p>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;</p>");
	assert_null(template_render_subject(t, v));
	g_free(page);
	g_hash_table_unref(v);
	template_free(&t);
	g_free(errs);
}

static void test_errors(void **state)
{
	static const struct { const char *text; const char *error; } cases[] = {
		{ "Subject: x\n\nhello {{nosuch}}\n", "t.tmpl:3:9: unknown variable 'nosuch'" },
		{ "Subject: x\n\nhello {{ref\n}}", "t.tmpl:3:7: '{{' is not closed" },
		{ "Subject: x\n\n{{#ref}}open", "t.tmpl:3:1: section 'ref' is never closed" },
		{ "Subject: x\n\n{{/ref}}", "t.tmpl:3:1: '{{/ref}}' closes no open section" },
		{ "Subject: x\n\n{{#ref}}{{#subject}}{{/ref}}{{/subject}}", "closes no open section; open is subject" },
		{ "Subject: x\n\n{{a b}}", "'a b' is not a variable name" },
		{ "Subject: x\n\n{{}}", "'' is not a variable name" },
		{ "From: x\n\nbody", "t.tmpl:1:1: unknown header 'From'" },
		{ "just a body", "t.tmpl:1:1: expected a header line" },
		{ "Subject: x\nSubject: y\n\n", "t.tmpl:2:1: Subject is given twice" },
		{ "Subject: x", "needs a blank line between headers and body" },
		{ "\n\nbody", "needs a 'Subject:' line" },
		{ "Subject: \xff\xfe\n\n", "t.tmpl:1:1: file is not valid UTF-8 text" },
		{ "Subject: 中文{{bad-name}}\n\n", "t.tmpl:1:12: '" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *errs;
		struct template *t = parse(cases[i].text, false, &errs);
		if (t || !strstr(errs, cases[i].error))
			fail_msg("case %zu: expected error '%s', got '%s'", i, cases[i].error, errs);
		g_free(errs);
	}
}

static void test_shipped_set(void **state)
{
	const char *dir = g_getenv("COMPLAINTD_TEMPLATES");
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	static const char *const required[] = { "ack", NULL };
	struct template_set *s = template_set_load(dir ? dir : "templates", required, "zh", errors);
	for (unsigned i = 0; i < errors->len; i++)
		print_error("%s\n", (char *)g_ptr_array_index(errors, i));
	assert_non_null(s);
	const struct template *zh = template_set_get(s, "ack", "zh");
	const struct template *en = template_set_get(s, "ack", "en");
	assert_non_null(zh);
	assert_non_null(en);
	assert_ptr_not_equal(zh, en);
	/* an unknown language falls back to the default */
	assert_ptr_equal(template_set_get(s, "ack", "fr"), zh);
	GHashTable *v = vars_new();
	char *subject = template_render_subject(en, v);
	assert_true(g_str_has_prefix(subject, "[CMP-20261123-0001] "));
	g_free(subject);
	g_hash_table_unref(v);
	struct template_set *again = template_set_ref(s);
	template_set_unref(&s);
	assert_non_null(template_set_get(again, "ack", "en"));
	template_set_unref(&again);
	g_ptr_array_unref(errors);
}

static void test_missing_required(void **state)
{
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	static const char *const required[] = { "ack", "nosuchkind", NULL };
	struct template_set *s = template_set_load("templates", required, "zh", errors);
	assert_null(s);
	assert_int_equal(errors->len, 1);
	assert_non_null(strstr(g_ptr_array_index(errors, 0), "missing template nosuchkind.zh.tmpl"));
	g_ptr_array_unref(errors);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mail_template),
		cmocka_unit_test(test_html_escaped),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_shipped_set),
		cmocka_unit_test(test_missing_required),
	};
	return cmocka_run_group_tests_name("template", tests, NULL, NULL);
}
