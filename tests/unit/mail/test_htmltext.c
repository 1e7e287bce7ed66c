/* test_htmltext - readable text from HTML mail bodies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <glib.h>

#include "mail/htmltext.h"

static void check(const char *html, const char *want)
{
	char *got = htmltext_to_text(html, strlen(html));
	if (strcmp(got, want) != 0)
		fail_msg("[%s] -> [%s], want [%s]", html, got, want);
	g_free(got);
}

static void test_structure(void **state)
{
	check("<p>one</p><p>two</p>", "one\n\ntwo");
	check("a<br>b<br/>c<BR />d", "a\nb\nc\nd");
	check("<div>x</div><div>y</div>", "x\n\ny");
	check("<ul><li>one</li><li>two</li></ul>after", "- one\n- two\n\nafter");
	check("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>",
	      "a\tb\nc\td");
	check("<h1>Title</h1>text", "Title\n\ntext");
	check("x<pre>  keep\n   this</pre>", "x\n\n  keep\n   this");
}

static void test_hidden(void **state)
{
	check("<html><head><title>T</title><style>p{color:red}</style></head>"
	      "<body>visible</body></html>", "visible");
	check("a<script>alert('<p>x</p>')</script>b", "ab");
	check("a<SCRIPT type=x>1<2</SCRIPT>b", "ab");
	check("a<!-- hidden <p> -->b", "ab");
	check("x<style>never closed", "x");
}

static void test_entities(void **state)
{
	check("&lt;tag&gt; &amp; &quot;q&quot; &apos;", "<tag> & \"q\" '");
	check("&#20013;&#x6587;", "中文");
	check("a&nbsp;b", "a b");
	check("&copy; &euro; &hellip; &mdash;", "© € … —");
	check("&unknown; & alone &#; &#xZZ;", "&unknown; & alone &#; &#xZZ;");
	check("&#0; &#x110000; &#xD800;", "\xEF\xBF\xBD \xEF\xBF\xBD \xEF\xBF\xBD");
}

static void test_whitespace(void **state)
{
	check("  lots   of\n\n  space\t here  ", "lots of space here");
	check("<p>  a  </p>   <p>  b </p>", "a\n\nb");
	check("<b>bold</b> <i>it</i>", "bold it");
	check("", "");
}

static void test_hostile(void **state)
{
	check("<", "<");
	check("<<<>>>", "<<<>>>");
	check("a < b and c > d", "a < b and c > d");
	check("<a href=\"x>y\">link</a>", "link");
	check("<p unterminated", "");
	char bad[] = "ok \xff\xfe <p>\xe4\xb8</p>";
	char *got = htmltext_to_text(bad, sizeof(bad) - 1);
	assert_true(g_utf8_validate(got, -1, NULL));
	g_free(got);
	char nul[] = "a\0b<p>c";
	got = htmltext_to_text(nul, sizeof(nul) - 1);
	assert_string_equal(got, "ab\n\nc");
	g_free(got);
	got = htmltext_to_text(NULL, 0);
	assert_string_equal(got, "");
	g_free(got);
	/* deep and long input: linear, no recursion */
	GString *s = g_string_new(NULL);
	for (int i = 0; i < 100000; i++)
		g_string_append(s, "<div><span>");
	got = htmltext_to_text(s->str, s->len);
	assert_string_equal(got, "");
	g_free(got);
	g_string_free(s, TRUE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_hidden),
		cmocka_unit_test(test_entities),
		cmocka_unit_test(test_whitespace),
		cmocka_unit_test(test_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
