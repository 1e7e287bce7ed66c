/* test_stafftoken - signed reply addresses: published HMAC-SHA256 vectors
 * through the token code, a second computation with GLib's one-shot HMAC,
 * round trips, and every way an address can be wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <glib.h>

#include "lib/stafftoken.h"

#define GATEWAY "complaints@shop.example.com"

static const guint8 key[] = "a test key for complaintd, not the production one";
#define KEYLEN (sizeof(key) - 1)

/* RFC 4231 section 4: cases 1, 2 and 6 (a key longer than a block); the
 * token is the first 16 hex digits of the published HMAC-SHA256. */
static void test_rfc4231(void **state)
{
	guint8 k1[20], k6[131];
	memset(k1, 0x0b, sizeof(k1));
	memset(k6, 0xaa, sizeof(k6));
	const struct {
		const guint8 *key;
		size_t keylen;
		const char *data, *mac;
	} v[] = {
		{ k1, sizeof(k1), "Hi There",
		  "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
		{ (const guint8 *)"Jefe", 4, "what do ya want for nothing?",
		  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
		{ k6, sizeof(k6), "Test Using Larger Than Block-Size Key - Hash Key First",
		  "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(v); i++) {
		char *t = stafftoken_make(v[i].key, v[i].keylen, v[i].data);
		assert_int_equal(strlen(t), STAFFTOKEN_LEN);
		assert_memory_equal(t, v[i].mac, STAFFTOKEN_LEN);
		assert_true(stafftoken_check(v[i].key, v[i].keylen, v[i].data, t));
		char *up = g_ascii_strup(v[i].mac, STAFFTOKEN_LEN);
		assert_true(stafftoken_check(v[i].key, v[i].keylen, v[i].data, up));
		g_free(up);
		g_free(t);
	}
}

/* test_second_method - the same tokens from g_compute_hmac_for_string. */
static void test_second_method(void **state)
{
	static const char *const refs[] = {
		"CMP-20261130-0042", "CMP-20261231-9999", "X", "cmp-20261130-0042",
		"a-much-longer-reference-than-the-daemon-makes-0123456789",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(refs); i++) {
		char *full = g_compute_hmac_for_string(G_CHECKSUM_SHA256, key, KEYLEN, refs[i], -1);
		char *t = stafftoken_make(key, KEYLEN, refs[i]);
		assert_memory_equal(t, full, STAFFTOKEN_LEN);
		assert_int_equal(t[STAFFTOKEN_LEN], '\0');
		for (const char *p = t; *p; p++)
			assert_true(g_ascii_isdigit(*p) || (*p >= 'a' && *p <= 'f'));
		g_free(t);
		g_free(full);
	}
}

static void test_check(void **state)
{
	const char *ref = "CMP-20261130-0042";
	char *t = stafftoken_make(key, KEYLEN, ref);
	assert_true(stafftoken_check(key, KEYLEN, ref, t));
	/* wrong key, wrong ref, the ref in another case */
	static const guint8 other[] = "another key";
	assert_false(stafftoken_check(other, sizeof(other) - 1, ref, t));
	assert_false(stafftoken_check(key, KEYLEN - 1, ref, t));
	assert_false(stafftoken_check(key, KEYLEN, "CMP-20261130-0043", t));
	assert_false(stafftoken_check(key, KEYLEN, "cmp-20261130-0042", t));
	/* every single digit changed */
	for (size_t i = 0; i < STAFFTOKEN_LEN; i++) {
		char *bad = g_strdup(t);
		bad[i] = bad[i] == '0' ? '1' : '0';
		assert_false(stafftoken_check(key, KEYLEN, ref, bad));
		g_free(bad);
	}
	/* shape: short, long, non-hex, empty, NULL */
	char *shorter = g_strndup(t, STAFFTOKEN_LEN - 1);
	char *longer = g_strconcat(t, "0", NULL);
	char *nonhex = g_strdup(t);
	nonhex[3] = 'g';
	assert_false(stafftoken_check(key, KEYLEN, ref, shorter));
	assert_false(stafftoken_check(key, KEYLEN, ref, longer));
	assert_false(stafftoken_check(key, KEYLEN, ref, nonhex));
	assert_false(stafftoken_check(key, KEYLEN, ref, ""));
	assert_false(stafftoken_check(key, KEYLEN, ref, NULL));
	/* no key, no token */
	assert_null(stafftoken_make(key, 0, ref));
	assert_null(stafftoken_make(NULL, 4, ref));
	assert_false(stafftoken_check(key, 0, ref, t));
	g_free(shorter);
	g_free(longer);
	g_free(nonhex);
	g_free(t);
}

static void test_round_trip(void **state)
{
	static const char *const refs[] = { "CMP-20261130-0042", "A", "web-7", "0" };
	for (size_t i = 0; i < G_N_ELEMENTS(refs); i++) {
		char *t = stafftoken_make(key, KEYLEN, refs[i]);
		char *addr = stafftoken_address(GATEWAY, refs[i], t);
		assert_non_null(addr);
		char *want = g_strdup_printf("complaints+%s.%s@shop.example.com", refs[i], t);
		assert_string_equal(addr, want);
		char *ref = NULL, *tok = NULL;
		assert_true(stafftoken_parse(addr, GATEWAY, &ref, &tok));
		assert_string_equal(ref, refs[i]);
		assert_string_equal(tok, t);
		assert_true(stafftoken_check(key, KEYLEN, ref, tok));
		g_free(ref);
		g_free(tok);
		/* case changes on the way: local part, domain, token */
		char *up = g_ascii_strup(addr, -1);
		assert_true(stafftoken_parse(up, GATEWAY, &ref, &tok));
		assert_string_equal(tok, t);
		char *ref_up = g_ascii_strup(refs[i], -1);
		assert_string_equal(ref, ref_up); /* REF as written */
		g_free(ref_up);
		g_free(ref);
		g_free(tok);
		assert_true(stafftoken_parse(addr, "Complaints@Shop.Example.COM", NULL, NULL));
		g_free(up);
		g_free(want);
		g_free(addr);
		g_free(t);
	}
}

static void test_address(void **state)
{
	const char *tok = "0123456789abcdef";
	char *a = stafftoken_address("help+desk@example.cn", "R-1", tok);
	assert_string_equal(a, "help+desk+R-1.0123456789abcdef@example.cn");
	char *ref, *t;
	assert_true(stafftoken_parse(a, "help+desk@example.cn", &ref, &t));
	assert_string_equal(ref, "R-1");
	g_free(ref);
	g_free(t);
	g_free(a);
	/* not a gateway */
	assert_null(stafftoken_address("complaints", "R", tok));
	assert_null(stafftoken_address("complaints@localhost", "R", tok));
	assert_null(stafftoken_address("Desk <complaints@shop.example.com>", "R", tok));
	assert_null(stafftoken_address("a@b@shop.example.com", "R", tok));
	assert_null(stafftoken_address("", "R", tok));
	assert_null(stafftoken_address(NULL, "R", tok));
	/* not a ref, not a token */
	assert_null(stafftoken_address(GATEWAY, "", tok));
	assert_null(stafftoken_address(GATEWAY, "CMP.1", tok));
	assert_null(stafftoken_address(GATEWAY, "CMP_1", tok));
	assert_null(stafftoken_address(GATEWAY, "CMP 1", tok));
	assert_null(stafftoken_address(GATEWAY, NULL, tok));
	assert_null(stafftoken_address(GATEWAY, "R", "0123"));
	assert_null(stafftoken_address(GATEWAY, "R", "0123456789abcdeg"));
	assert_null(stafftoken_address(GATEWAY, "R", NULL));
	/* the local part would pass SMTP's 64 octets */
	char *ref64 = g_strnfill(64, 'R');
	assert_null(stafftoken_address(GATEWAY, ref64, tok));
	g_free(ref64);
	char *ref35 = g_strnfill(35, 'R'); /* 10 + 1 + 35 + 1 + 16 = 63 */
	a = stafftoken_address(GATEWAY, ref35, tok);
	assert_non_null(a);
	g_free(a);
	g_free(ref35);
}

static void test_parse_refuses(void **state)
{
	static const char *const addrs[] = {
		"complaints+CMP-1.0123456789abcdef@other.example.com",   /* foreign domain */
		"complaints+CMP-1.0123456789abcdef@shop.example.com.cn", /* longer domain */
		"complaints+CMP-1.0123456789abcdef@example.com",         /* parent domain */
		"complaintsCMP-1.0123456789abcdef@shop.example.com",     /* missing plus */
		"complaints-CMP-1.0123456789abcdef@shop.example.com",
		"complaints@shop.example.com",                           /* the gateway itself */
		"complaints+@shop.example.com",
		"complaints+.0123456789abcdef@shop.example.com",         /* empty ref */
		"complaints+CMP-1@shop.example.com",                     /* no token */
		"complaints+CMP-1.@shop.example.com",
		"complaints+CMP-1.0123456789abcde@shop.example.com",     /* 15 digits */
		"complaints+CMP-1.0123456789abcdef0@shop.example.com",   /* 17 digits */
		"complaints+CMP-1.0123456789abcdeg@shop.example.com",    /* not hex */
		"complaints+CMP.1.0123456789abcdef@shop.example.com",    /* extra dot */
		"complaints+CMP-1..0123456789abcdef@shop.example.com",
		"complaints+CMP-1.0123456789abcdef.@shop.example.com",
		"complaints+CMP_1.0123456789abcdef@shop.example.com",    /* not a ref */
		"complaints+CMP 1.0123456789abcdef@shop.example.com",
		"complaints+CMP+1.0123456789abcdef@shop.example.com",
		"other+CMP-1.0123456789abcdef@shop.example.com",         /* other local */
		"xcomplaints+CMP-1.0123456789abcdef@shop.example.com",
		"complaint+CMP-1.0123456789abcdef@shop.example.com",
		"complaints+CMP-1.0123456789abcdef@@shop.example.com",
		"complaints+CMP-1.0123456789abcdef@shop.example.com@shop.example.com",
		"<complaints+CMP-1.0123456789abcdef@shop.example.com>",
		" complaints+CMP-1.0123456789abcdef@shop.example.com",
		"complaints+CMP-1.0123456789abcdef@shop.example.com ",
		"complaints+CMP-1.0123456789abcdef",
		"",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(addrs); i++) {
		char *ref = (char *)1, *tok = (char *)1;
		if (stafftoken_parse(addrs[i], GATEWAY, &ref, &tok))
			fail_msg("accepted %s", addrs[i]);
		assert_null(ref);
		assert_null(tok);
	}
	char *ref, *tok;
	assert_false(stafftoken_parse(NULL, GATEWAY, &ref, &tok));
	assert_false(stafftoken_parse("complaints+CMP-1.0123456789abcdef@shop.example.com",
				      "not an address", &ref, &tok));
	assert_false(stafftoken_parse("complaints+CMP-1.0123456789abcdef@shop.example.com",
				      NULL, &ref, &tok));
	/* a ref longer than 64 */
	char *r65 = g_strnfill(65, 'R');
	char *a = g_strdup_printf("complaints+%s.0123456789abcdef@shop.example.com", r65);
	assert_false(stafftoken_parse(a, GATEWAY, &ref, &tok));
	g_free(a);
	g_free(r65);
	assert_true(stafftoken_parse("complaints+CMP-1.0123456789ABCDEF@shop.example.com", GATEWAY,
				     &ref, &tok));
	assert_string_equal(tok, "0123456789abcdef");
	g_free(ref);
	g_free(tok);
}

static void test_addr_ok(void **state)
{
	static const char *const good[] = {
		"li.na@shop.example.com", "a@b.cn", "o'brien+tag@example.com",
		"x_y-z@mail-1.example.cn", "A.B.C@EXAMPLE.COM",
	};
	static const char *const badv[] = {
		"", "li.na", "@example.com", "li@", "li@localhost", "li@@example.com",
		"li@a@example.com", ".li@example.com", "li.@example.com", "l..i@example.com",
		"li na@example.com", "li@exa mple.com", "<li@example.com>", "Li <li@example.com>",
		"li@-example.com", "li@example-.com", "li@example..com", "li@.example.com",
		"li@example.com.", "li@[127.0.0.1]", "\"li\"@example.com", "li\r\n@example.com",
		"li@example.com\n", "李@example.cn", "li@例子.cn", "li,ma@example.com",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(good); i++)
		if (!stafftoken_addr_ok(good[i]))
			fail_msg("refused %s", good[i]);
	for (size_t i = 0; i < G_N_ELEMENTS(badv); i++)
		if (stafftoken_addr_ok(badv[i]))
			fail_msg("accepted %s", badv[i]);
	assert_false(stafftoken_addr_ok(NULL));
	char *local65 = g_strnfill(65, 'a');
	char *a = g_strconcat(local65, "@example.com", NULL);
	assert_false(stafftoken_addr_ok(a));
	g_free(a);
	local65[64] = '\0';
	a = g_strconcat(local65, "@example.com", NULL);
	assert_true(stafftoken_addr_ok(a));
	g_free(a);
	g_free(local65);
	char *label64 = g_strnfill(64, 'd');
	a = g_strconcat("a@", label64, ".com", NULL);
	assert_false(stafftoken_addr_ok(a));
	g_free(a);
	g_free(label64);
}

/* test_reply_token - the bound reply token: its layout, a second
 * computation of its MAC with GLib's one-shot HMAC over the documented
 * input, and that changing any bound part (reference, recipient, day,
 * key, a digit) breaks it. */
static void test_reply_token(void **state)
{
	const char *ref = "CMP-20261205-0042", *rcpt = "Zhang.Wei@Shop.Example.com";
	int64_t day = 20427; /* 2025-12-05 */
	char *t = stafftoken_mint(key, KEYLEN, ref, rcpt, day);
	assert_non_null(t);
	assert_int_equal(strlen(t), STAFFTOKEN_REPLY_LEN);
	assert_memory_equal(t + 2, "4fcb", 4);
	/* the key id: first byte of SHA-256("complaintd key id" || key) */
	GChecksum *c = g_checksum_new(G_CHECKSUM_SHA256);
	g_checksum_update(c, (const guchar *)"complaintd key id", 17);
	g_checksum_update(c, key, KEYLEN);
	assert_memory_equal(t, g_checksum_get_string(c), 2);
	g_checksum_free(c);
	/* the MAC: "reply" NUL ref NUL lower(rcpt) NUL id+day */
	GByteArray *in = g_byte_array_new();
	g_byte_array_append(in, (const guint8 *)"reply", 6);
	g_byte_array_append(in, (const guint8 *)ref, strlen(ref) + 1);
	g_byte_array_append(in, (const guint8 *)"zhang.wei@shop.example.com", 27);
	g_byte_array_append(in, (const guint8 *)t, 6);
	char *mac = g_compute_hmac_for_data(G_CHECKSUM_SHA256, key, KEYLEN, in->data, in->len);
	assert_memory_equal(t + 6, mac, STAFFTOKEN_LEN);
	g_free(mac);
	g_byte_array_unref(in);

	int64_t got = -1;
	assert_true(stafftoken_verify(key, KEYLEN, ref, rcpt, t, &got));
	assert_int_equal(got, day);
	assert_true(stafftoken_verify(key, KEYLEN, ref, "zhang.wei@shop.example.com", t, NULL));
	char *up = g_ascii_strup(t, -1);
	assert_true(stafftoken_verify(key, KEYLEN, ref, rcpt, up, NULL));
	g_free(up);
	/* every bound part */
	assert_false(stafftoken_verify(key, KEYLEN, "CMP-20261205-0043", rcpt, t, NULL));
	assert_false(stafftoken_verify(key, KEYLEN, ref, "li.na@shop.example.com", t, NULL));
	assert_false(stafftoken_verify(key, KEYLEN, ref, "", t, NULL));
	static const guint8 other[] = "another key, the one after rotation";
	assert_false(stafftoken_verify(other, sizeof(other) - 1, ref, rcpt, t, NULL));
	for (size_t i = 0; i < STAFFTOKEN_REPLY_LEN; i++) {
		char *bad = g_strdup(t);
		bad[i] = bad[i] == '0' ? '1' : '0';
		assert_false(stafftoken_verify(key, KEYLEN, ref, rcpt, bad, NULL));
		g_free(bad);
	}
	/* the day is inside the MAC: moving it forward does not verify */
	char *later = stafftoken_mint(key, KEYLEN, ref, rcpt, day + 90);
	assert_memory_not_equal(later + 6, t + 6, STAFFTOKEN_LEN);
	memcpy(later + 6, t + 6, STAFFTOKEN_LEN);
	assert_false(stafftoken_verify(key, KEYLEN, ref, rcpt, later, NULL));
	g_free(later);
	/* shapes and edges */
	assert_false(stafftoken_verify(key, KEYLEN, ref, rcpt, "", NULL));
	assert_false(stafftoken_verify(key, KEYLEN, ref, rcpt, NULL, NULL));
	char *plain = stafftoken_make(key, KEYLEN, ref);
	assert_false(stafftoken_verify(key, KEYLEN, ref, rcpt, plain, NULL));
	g_free(plain);
	assert_null(stafftoken_mint(key, 0, ref, rcpt, day));
	assert_null(stafftoken_mint(key, KEYLEN, ref, rcpt, -1));
	assert_null(stafftoken_mint(key, KEYLEN, ref, rcpt, 0x10000));
	assert_null(stafftoken_mint(key, KEYLEN, ref, NULL, day));
	assert_false(stafftoken_verify(key, 0, ref, rcpt, t, NULL));
	/* it fits an address, which gives it back */
	char *addr = stafftoken_address(GATEWAY, ref, t);
	assert_non_null(addr);
	char *r = NULL, *tok = NULL;
	assert_true(stafftoken_parse(addr, GATEWAY, &r, &tok));
	assert_string_equal(r, ref);
	assert_string_equal(tok, t);
	g_free(r);
	g_free(tok);
	g_free(addr);
	g_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4231),
		cmocka_unit_test(test_second_method),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_address),
		cmocka_unit_test(test_parse_refuses),
		cmocka_unit_test(test_addr_ok),
		cmocka_unit_test(test_reply_token),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
