/* test_log - lines held for a transaction: written when it commits, dropped
 * when it did not; warnings never held; a value's newline never forges a
 * second line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <glib.h>

#include "lib/log.h"

/* captured - what the calls in fn wrote to stderr. */
static char *captured(void (*fn)(void))
{
	char path[] = "/tmp/test_log.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	fflush(stderr);
	int saved = dup(2);
	dup2(fd, 2);
	fn();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	char *text = NULL;
	assert_true(g_file_get_contents(path, &text, NULL, NULL));
	unlink(path);
	return text;
}

static void held_lines(void)
{
	log_hold();
	log_info("dropped-info ref=A");
	log_debug("dropped-debug ref=A");
	log_warn("warned-at-once");
	log_release(false);
	log_hold();
	log_info("kept-info ref=B");
	log_release(true);
	log_info("plain ref=C");
}

static void test_hold_release(void **state)
{
	(void)state;
	log_open("test", false, LOG_LVL_DEBUG);
	char *out = captured(held_lines);
	assert_null(strstr(out, "dropped-info"));
	assert_null(strstr(out, "dropped-debug"));
	const char *w = strstr(out, "warn: warned-at-once");
	const char *b = strstr(out, "info: kept-info ref=B");
	const char *c = strstr(out, "info: plain ref=C");
	assert_non_null(w);
	assert_non_null(b);
	assert_non_null(c);
	assert_true(w < b && b < c);
	g_free(out);
}

static void forged_line(void)
{
	log_info("subject=%s", "x\ncomplaintd error: forged\r");
}

static void test_no_forged_lines(void **state)
{
	(void)state;
	log_open("test", false, LOG_LVL_DEBUG);
	char *out = captured(forged_line);
	assert_int_equal(strchr(out, '\n') - out + 1, (long)strlen(out));  /* one line */
	g_free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hold_release),
		cmocka_unit_test(test_no_forged_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
