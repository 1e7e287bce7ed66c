/* test_imapresp - the IMAP response parser on hand-made server output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <glib.h>

#include "intake/imapresp.h"

struct seen {
	unsigned n;
	uint32_t uid[8];
	int64_t date[8];
	GString *body[8];
	bool over[8];
	size_t size[8];
	char flags[8][64];
};

static int on_fetch(const struct imapresp_fetch *f, void *ud)
{
	struct seen *s = ud;
	if (s->n >= 8)
		return 0;
	s->uid[s->n] = f->uid;
	s->date[s->n] = f->internaldate;
	s->body[s->n] = f->body ? g_string_new_len(f->body, (gssize)f->body_len) : NULL;
	s->over[s->n] = f->body_oversized;
	s->size[s->n] = f->body_size;
	g_strlcpy(s->flags[s->n], f->flags ? f->flags : "-", 64);
	s->n++;
	return 0;
}

static void clear(struct seen *s)
{
	for (unsigned i = 0; i < s->n; i++)
		if (s->body[i])
			g_string_free(s->body[i], TRUE);
	memset(s, 0, sizeof *s);
}

/* feed - the whole input in slices of step bytes */
static struct imapresp *feed(const char *in, size_t step, struct seen *s, int *rc)
{
	struct imapresp *p = imapresp_new(1000, 0, 4096);
	size_t len = strlen(in);
	imapresp_set_fetch_cb(p, on_fetch, s);
	*rc = 0;
	for (size_t i = 0; i < len && *rc == 0; i += step)
		*rc = imapresp_feed(p, in + i, MIN(step, len - i));
	return p;
}

static const char TWO[] =
	"* 1 FETCH (UID 7 INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" BODY[] {13}\r\n"
	"A001 OK x\r\n\r\n)\r\n"
	"* 2 FETCH (BODY[] {3}\r\nab\n FLAGS (\\Seen $Q) UID 9 INTERNALDATE \" 1-Jan-2000 00:00:00 +0000\")\r\n"
	"* 3 FETCH (FLAGS (\\Seen))\r\n"
	"A005 OK done\r\n";

static void test_literals_any_slicing(void **state)
{
	for (size_t step = 1; step <= sizeof TWO; step++) {
		struct seen s = { 0 };
		int rc;
		struct imapresp *p = feed(TWO, step, &s, &rc);
		assert_int_equal(rc, 0);
		assert_true(imapresp_idle(p));
		assert_int_equal(s.n, 3);
		assert_int_equal(s.uid[0], 7);
		assert_int_equal(s.date[0], 837596665);
		assert_int_equal(s.body[0]->len, 13);
		assert_memory_equal(s.body[0]->str, "A001 OK x\r\n\r\n", 13);
		assert_int_equal(s.uid[1], 9);
		assert_int_equal(s.date[1], 946684800);
		assert_string_equal(s.body[1]->str, "ab\n");
		assert_string_equal(s.flags[1], "\\Seen $Q");
		assert_int_equal(s.uid[2], 0);
		assert_null(s.body[2]);
		assert_string_equal(imapresp_tagged(p), "A005 OK done");
		clear(&s);
		imapresp_free(&p);
		assert_null(p);
	}
}

static void test_select_and_caps(void **state)
{
	struct seen s = { 0 };
	int rc;
	struct imapresp *p = feed(
		"* OK [CAPABILITY IMAP4rev1 MOVE UIDPLUS] ready\r\n"
		"* 42 EXISTS\r\n* OK [UIDVALIDITY 1234] x\r\n* OK [UIDNEXT 99] y\r\n"
		"A1 NO [TRYCREATE] no such\r\nA2 OK fine\r\n", 7, &s, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(imapresp_exists(p), 42);
	assert_int_equal(imapresp_uidvalidity(p), 1234);
	assert_int_equal(imapresp_uidnext(p), 99);
	assert_true(imapresp_has_capability(p, "move"));
	assert_false(imapresp_has_capability(p, "MOV"));
	assert_string_equal(imapresp_refused(p), "A1 NO [TRYCREATE] no such");
	assert_int_equal(imapresp_tagged_count(p), 2);
	imapresp_free(&p);
}

static void test_limits_and_garbage(void **state)
{
	struct seen s = { 0 };
	int rc;
	GString *big = g_string_new("* 1 FETCH (UID 3 BODY[] {2000}\r\n");
	for (int i = 0; i < 2000; i++)
		g_string_append_c(big, 'x');
	g_string_append(big, ")\r\n");
	struct imapresp *p = feed(big->str, 333, &s, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(s.n, 1);
	assert_true(s.over[0]);
	assert_null(s.body[0]);
	clear(&s);
	imapresp_free(&p);

	/* with a head: its first bytes, in any slicing, and its whole size;
	 * the literal after it is read whole again */
	g_string_truncate(big, 0);
	g_string_append(big, "* 1 FETCH (UID 3 BODY[] {2000}\r\n");
	for (int i = 0; i < 2000; i++)
		g_string_append_c(big, (char)('a' + i % 26));
	g_string_append(big, ")\r\n* 2 FETCH (UID 4 BODY[] {5}\r\nhello)\r\n");
	for (size_t step = 1; step < 700; step += 233) {
		p = imapresp_new(1000, 300, 4096);
		imapresp_set_fetch_cb(p, on_fetch, &s);
		for (size_t i = 0; i < big->len; i += step)
			assert_int_equal(imapresp_feed(p, big->str + i, MIN(step, big->len - i)), 0);
		assert_int_equal(s.n, 2);
		assert_true(s.over[0]);
		assert_int_equal(s.size[0], 2000);
		assert_int_equal(s.body[0]->len, 300);
		assert_memory_equal(s.body[0]->str, strchr(big->str, '\n') + 1, 300);
		assert_false(s.over[1]);
		assert_int_equal(s.size[1], 5);
		assert_string_equal(s.body[1]->str, "hello");
		clear(&s);
		imapresp_free(&p);
	}
	g_string_free(big, TRUE);

	/* malformed FETCHes are counted and skipped */
	p = feed("* 1 FETCH (UID x)\r\n* 2 FETCH (UID 4294967296)\r\n"
		 "* 3 FETCH UID 5\r\n* 4 FETCH (UID 5 BODY[] \"unterminated)\r\n"
		 "* 5 FETCH (UID 6 INTERNALDATE \"32-Jan-2000 00:00:00 +0000\")\r\n"
		 "* 6 FETCH ((((((((\r\n", 5, &s, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(imapresp_bad_count(p), 5);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.date[0], INT64_MIN);
	clear(&s);
	imapresp_free(&p);

	/* a line over max_line loses the framing */
	GString *line = g_string_new("* ");
	for (int i = 0; i < 5000; i++)
		g_string_append_c(line, 'a');
	p = feed(line->str, 100, &s, &rc);
	assert_int_equal(rc, -1);
	assert_true(imapresp_failed(p));
	imapresp_reset(p);
	assert_int_equal(imapresp_feed(p, "A1 OK\r\n", 7), 0);
	imapresp_free(&p);
	g_string_free(line, TRUE);
}

static void test_dates(void **state)
{
	assert_int_equal(imapresp_parse_date("29-Feb-2024 23:59:59 +0800", 26), 1709222399);
	assert_int_equal(imapresp_parse_date("29-Feb-2023 23:59:59 +0800", 26), INT64_MIN);
	assert_int_equal(imapresp_parse_date("1-Mar-1970 00:00:00 -0000", 25), 5097600);
	assert_int_equal(imapresp_parse_date("01-Foo-1970 00:00:00 +0000", 26), INT64_MIN);
	assert_int_equal(imapresp_parse_date("", 0), INT64_MIN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_literals_any_slicing),
		cmocka_unit_test(test_select_and_caps),
		cmocka_unit_test(test_limits_and_garbage),
		cmocka_unit_test(test_dates),
	};
	return cmocka_run_group_tests_name("imapresp", tests, NULL, NULL);
}
