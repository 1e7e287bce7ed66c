/* test_recipient - the address a limit counts, and the only text of a
 * stranger's that an acknowledgement echoes (its greeting name). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <glib.h>

#include "mail/recipient.h"

static void expect_key(const char *addr, const char *want)
{
	char *got = recipient_key(addr);
	if (g_strcmp0(got, want))
		fail_msg("%s: key %s, want %s", addr, got ? got : "NULL", want ? want : "NULL");
	g_free(got);
}

static void test_keys(void **state)
{
	expect_key("Victim@Example.COM", "victim@example.com");
	expect_key("victim+1@example.com", "victim@example.com");
	expect_key("victim+2+x@example.com", "victim@example.com");
	expect_key("v.i.c.t.i.m+7@GoogleMail.com", "victim@gmail.com");
	expect_key("v.ictim@gmail.com", "victim@gmail.com");
	/* dots count elsewhere */
	expect_key("v.ictim@example.com", "v.ictim@example.com");
	expect_key("+tag@example.com", "+tag@example.com");
	expect_key("nodomain@", NULL);
	expect_key("@example.com", NULL);
	expect_key("plain", NULL);
	expect_key(NULL, NULL);
	assert_true(recipient_same_domain("a@Shop.example", "b@shop.EXAMPLE"));
	assert_false(recipient_same_domain("a@shop.example", "b@elsewhere.example"));
	assert_false(recipient_same_domain("a@shop.example", NULL));
}

static void expect_name(const char *name, const char *want)
{
	char *got = recipient_safe_name(name);
	if (g_strcmp0(got, want))
		fail_msg("[%s]: %s, want %s", name ? name : "NULL", got ? got : "NULL",
			 want ? want : "NULL");
	g_free(got);
}

static void test_names(void **state)
{
	expect_name("王芳", "王芳");
	expect_name("  Li \t Wei\r\n ", "Li Wei");
	expect_name("Anne-Marie O'Neil", "Anne-Marie O'Neil");
	expect_name("Dr. Smith", "Dr. Smith");
	expect_name("", NULL);
	expect_name("   ", NULL);
	expect_name(NULL, NULL);
	/* what a phisher writes as a name */
	expect_name("Your account is locked, verify at http://x.example", NULL);
	expect_name("verify at www.bank-login", NULL);
	expect_name("go to bank-login.com now", NULL);
	expect_name("call 400-800-1234", NULL);
	expect_name("mail me: a@b.example", NULL);
	expect_name("<b>hi</b>", NULL);
	expect_name("您的账户已冻结请立即登录网址核实身份否则将被永久注销账户资金", NULL);
	expect_name("Bob\xff", NULL);
	expect_name("Bob\xe2\x80\xae" "evil", "Bob evil");  /* a direction override is no text */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
