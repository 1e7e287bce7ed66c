/* test_progress - which date a progress note names after the feedback
 * deadline passed: the earliest of handling and closure still ahead, none
 * when both passed or do not run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <glib.h>

#include "workflow/progress.h"

static void test_next_date(void **state)
{
	(void)state;
	int64_t due[STORE_DUE_COUNT] = { 0 };
	int64_t now = 1000000;
	/* no deadlines run (history, a calendar without working days) */
	assert_int_equal(progress_next_date(due, now), 0);
	/* handling ahead: the resolution mail is due by then */
	due[STORE_DUE_FEEDBACK] = now - 10;
	due[STORE_DUE_HANDLING] = now + 200;
	due[STORE_DUE_CLOSURE] = now + 900;
	assert_int_equal(progress_next_date(due, now), now + 200);
	/* handling passed too: closure is the next promise we can keep */
	due[STORE_DUE_HANDLING] = now - 5;
	assert_int_equal(progress_next_date(due, now), now + 900);
	/* a deadline falling due this very second is not ahead */
	due[STORE_DUE_CLOSURE] = now;
	assert_int_equal(progress_next_date(due, now), 0);
	/* both passed: no date is named */
	due[STORE_DUE_CLOSURE] = now - 1;
	assert_int_equal(progress_next_date(due, now), 0);
	/* the earlier of the two wins whatever their order ([deadlines] may
	 * give handling more working days than closure) */
	due[STORE_DUE_HANDLING] = now + 700;
	due[STORE_DUE_CLOSURE] = now + 300;
	assert_int_equal(progress_next_date(due, now), now + 300);
	/* other deadlines are not promises to the customer */
	due[STORE_DUE_HANDLING] = due[STORE_DUE_CLOSURE] = 0;
	due[STORE_DUE_INVESTIGATION] = due[STORE_DUE_ACK] = due[STORE_DUE_PLAN] = now + 50;
	assert_int_equal(progress_next_date(due, now), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_next_date),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
