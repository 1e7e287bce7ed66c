/* test_authres - Authentication-Results (RFC 8601) as the staff check reads
 * them: only our authserv-id counts; dkim=pass aligned with the From
 * domain, or dmarc=pass for it; comments, quotes, versions and folding;
 * what a forger writes does not pass. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <glib.h>

#include "mail/authres.h"
#include "mail/message.h"

static char *ids[] = { "mx.shop.example", "Mail.Shop.Example", NULL };
#define DOM "staff.shop.example"

static void test_passes(void **state)
{
	const char *ok[] = {
		"mx.shop.example; dkim=pass header.d=staff.shop.example header.s=s1",
		"mx.shop.example 1; dmarc=pass (p=reject dis=none) header.from=staff.shop.example",
		/* relaxed alignment: the organisation signs for its sub-domain */
		"mx.shop.example; spf=fail smtp.mailfrom=x.example; dkim=pass (2048-bit key) header.d=shop.example",
		"MX.SHOP.EXAMPLE;\r\n\tdkim = pass\r\n\theader.d=\"STAFF.shop.example\"",
		"mail.shop.example; dkim/1=pass header.i=@staff.shop.example header.d=staff.shop.example",
		"mx.shop.example (our MTA; trusted); dmarc=pass header.from=staff.shop.example",
		"\"mx.shop.example\" 1; dkim=pass header.d=staff.shop.example",
		"(leading comment) mx.shop.example; dkim=pass header.d=staff.shop.example",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(ok); i++)
		if (!authres_field_passes(ok[i], ids, DOM))
			fail_msg("should pass: %s", ok[i]);
}

static void test_refused(void **state)
{
	const char *bad[] = {
		/* somebody else's authserv-id: a forger can write any of these */
		"evil.example; dkim=pass header.d=staff.shop.example",
		"mx.shop.example.evil.example; dkim=pass header.d=staff.shop.example",
		/* results that are not pass */
		"mx.shop.example; dkim=fail header.d=staff.shop.example",
		"mx.shop.example; dkim=none; dmarc=fail header.from=staff.shop.example",
		"mx.shop.example; dkim=passed header.d=staff.shop.example",
		/* pass, but for another domain */
		"mx.shop.example; dkim=pass header.d=evil.example",
		"mx.shop.example; dkim=pass header.d=example",
		"mx.shop.example; dkim=pass header.d=hop.example",
		"mx.shop.example; dkim=pass header.d=xstaff.shop.example",
		"mx.shop.example; dmarc=pass header.from=shop.example",
		/* a pass hidden in a comment or a quoted string */
		"mx.shop.example; dkim=fail (dkim=pass header.d=staff.shop.example) header.d=x.example",
		"mx.shop.example; spf=pass reason=\"; dkim=pass header.d=staff.shop.example\"",
		"mx.shop.example; spf=pass header.d=staff.shop.example",
		"", ";", "mx.shop.example", "mx.shop.example;", "(unclosed; dkim=pass",
		"mx.shop.example; dkim=pass header.d=",
		/* an authserv-id that is not one token or one quoted string:
		 * what the MTA wrote is not what a forger's quotes spell */
		"mx.shop.examp\"\"le 1; dmarc=pass header.from=staff.shop.example",
		"mx.shop.example\"x\"; dkim=pass header.d=staff.shop.example",
		"\"mx.shop.example; dkim=pass header.d=staff.shop.example",
		"mx.shop.example junk; dkim=pass header.d=staff.shop.example",
		"mx.shop.example) ; dkim=pass header.d=staff.shop.example",
		") mx.shop.example; dkim=pass header.d=staff.shop.example",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
		if (authres_field_passes(bad[i], ids, DOM))
			fail_msg("should not pass: %s", bad[i]);
	assert_false(authres_field_passes(NULL, ids, DOM));
	assert_false(authres_field_passes("mx.shop.example; dkim=pass header.d=staff.shop.example",
					  NULL, DOM));
	char *none[] = { NULL };
	assert_false(authres_field_passes("mx.shop.example; dkim=pass header.d=staff.shop.example",
					  none, DOM));
}

static void test_message(void **state)
{
	struct message *m = msg_new(MSG_CHANNEL_EMAIL);
	msg_set_from(m, "zhang@staff.shop.example", "");
	/* the forger's own field first, then the MTA's verdict */
	msg_add_header(m, "Authentication-Results", "mx.shop.example; dkim=fail header.d=staff.shop.example");
	assert_false(authres_message_passes(m, ids));
	msg_add_header(m, "Authentication-results", "mx.shop.example; dmarc=pass header.from=staff.shop.example");
	assert_true(authres_message_passes(m, ids));
	msg_free(&m);
	m = msg_new(MSG_CHANNEL_EMAIL);
	msg_add_header(m, "Authentication-Results", "mx.shop.example; dmarc=pass header.from=staff.shop.example");
	assert_false(authres_message_passes(m, ids));  /* no From */
	msg_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_passes),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_message),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
