/* test_rulescorr - the labels a staff correction gives (the export itself
 * runs against MariaDB in tests/integration/test_learn.py). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <glib.h>

#include "ctl/rulescorr.h"

static struct store_correction *correction(const char *category, char severity, ...)
{
	struct store_correction *c = g_new0(struct store_correction, 1);
	c->ref = g_strdup("CMP-20260302-0001");
	c->category = g_strdup(category);
	c->severity = severity;
	c->details = g_ptr_array_new_with_free_func(g_free);
	va_list ap;
	va_start(ap, severity);
	for (const char *d; (d = va_arg(ap, const char *)) != NULL;)
		g_ptr_array_add(c->details, g_strdup(d));
	va_end(ap);
	return c;
}

static void expect(struct store_correction *c, const char *cat, char sev)
{
	char *got_cat, got_sev;
	rulescorr_labels(c, &got_cat, &got_sev);
	assert_string_equal(got_cat, cat);
	assert_int_equal(got_sev, sev);
	g_free(got_cat);
	store_correction_free(c);
}

static void test_labels(void **state)
{
	/* what workflow.c apply() records, in its order */
	expect(correction("price", 'B', "status new -> resolved; severity C -> B; "
			  "category quality -> price", NULL), "price", 'B');
	/* the last word counts, even if the complaint changed again since */
	expect(correction("other", 'A', "category quality -> service",
			  "category service -> price; assigned to x@y", NULL), "price", 'A');
	/* only the severity set: the category is the complaint's */
	expect(correction("quality", 'C', "severity A -> C", NULL), "quality", 'C');
	/* other commands are not labels */
	expect(correction("service", 'B', "status new -> in_progress; assigned to a@b", NULL),
	       "service", 'B');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_labels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
