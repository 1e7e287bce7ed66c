/* test_hostlist - "[database] host" with one server or several: the
 * entries and their ports, and the values an administrator may mistype. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <glib.h>

#include "lib/hostlist.h"

static void expect(const char *text, unsigned n, const char *const *hosts, const unsigned *ports)
{
	char *why = NULL;
	struct hostlist *l = hostlist_parse(text, 3306, &why);
	if (!l)
		fail_msg("'%s': %s", text, why);
	assert_int_equal(hostlist_count(l), n);
	for (unsigned i = 0; i < n; i++) {
		assert_string_equal(hostlist_host(l, i), hosts[i]);
		assert_int_equal(hostlist_port(l, i), ports[i]);
	}
	hostlist_free(&l);
	assert_null(l);
}

static void test_lists(void **state)
{
	(void)state;
	expect("localhost", 1, (const char *[]){ "localhost" }, (unsigned[]){ 3306 });
	expect("db1.example, db2.example:3307,db3.example", 3,
	       (const char *[]){ "db1.example", "db2.example", "db3.example" },
	       (unsigned[]){ 3306, 3307, 3306 });
	expect(" 10.0.0.1  10.0.0.2:4000\t", 2, (const char *[]){ "10.0.0.1", "10.0.0.2" },
	       (unsigned[]){ 3306, 4000 });
	expect("::1, [fd00::3]:3310, [::1]", 3, (const char *[]){ "::1", "fd00::3", "::1" },
	       (unsigned[]){ 3306, 3310, 3306 });
	expect("galera_node-2.internal:65535", 1, (const char *[]){ "galera_node-2.internal" },
	       (unsigned[]){ 65535 });
}

static void refused(const char *text, const char *says)
{
	char *why = NULL;
	struct hostlist *l = hostlist_parse(text, 3306, &why);
	if (l)
		fail_msg("'%s' was taken", text);
	assert_non_null(why);
	if (!strstr(why, says))
		fail_msg("'%s': '%s' does not say '%s'", text, why, says);
	g_free(why);
}

static void test_refused(void **state)
{
	(void)state;
	refused("", "no host");
	refused(" , ,", "no host");
	refused(NULL, "no host");
	refused("db1:0", "port");
	refused("db1:65536", "port");
	refused("db1:", "port");
	refused("db1:33x", "port");
	refused("db1:-1", "port");
	refused("[::1", "']'");
	refused("[::1]x", "port");
	refused("[::1]:", "port");
	refused("[]", "no host name");
	refused("db1;DROP", "no host name");
	refused("db\xc3\xa9", "no host name");
	refused("db1/x", "no host name");
	GString *many = g_string_new("");
	for (int i = 0; i <= HOSTLIST_MAX; i++)
		g_string_append_printf(many, "db%d,", i);
	refused(many->str, "more than");
	g_string_free(many, TRUE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
