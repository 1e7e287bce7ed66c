/* Unit tests for digest: the same hex digests as GLib's SHA-256, in one
 * call and fed in pieces. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <glib.h>

#include "lib/digest.h"

/* glib_hex - the reference digest. */
static void glib_hex(const void *data, size_t len, char out[DIGEST_HEX_LEN + 1])
{
	char *hex = g_compute_checksum_for_data(G_CHECKSUM_SHA256, data, len);
	g_strlcpy(out, hex, DIGEST_HEX_LEN + 1);
	g_free(hex);
}

static void test_known_values(void **state)
{
	(void)state;
	char out[DIGEST_HEX_LEN + 1];
	digest_sha256_hex("", 0, out);
	assert_string_equal(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	digest_sha256_hex("abc", 3, out);
	assert_string_equal(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

/* every length around the 64-byte block and a few large ones, Chinese
 * UTF-8 and binary bytes */
static void test_same_as_glib(void **state)
{
	(void)state;
	GByteArray *buf = g_byte_array_new();
	const char *zh = "电水壶用了三天就漏水，";
	for (unsigned i = 0; buf->len < 70000; i++) {
		g_byte_array_append(buf, (const guint8 *)zh, (guint)strlen(zh));
		guint8 b = (guint8)(i * 37);
		g_byte_array_append(buf, &b, 1);
	}
	size_t lens[] = { 1, 55, 56, 63, 64, 65, 119, 127, 128, 129, 4096, 65536, 70000 };
	for (size_t i = 0; i < G_N_ELEMENTS(lens); i++) {
		char a[DIGEST_HEX_LEN + 1], b[DIGEST_HEX_LEN + 1];
		digest_sha256_hex(buf->data, lens[i], a);
		glib_hex(buf->data, lens[i], b);
		assert_string_equal(a, b);
	}
	g_byte_array_unref(buf);
}

/* a digest fed in uneven pieces (and empty ones) equals the whole */
static void test_pieces(void **state)
{
	(void)state;
	char text[5000];
	for (size_t i = 0; i < sizeof text; i++)
		text[i] = (char)('a' + i % 26);
	char whole[DIGEST_HEX_LEN + 1], parts[DIGEST_HEX_LEN + 1];
	digest_sha256_hex(text, sizeof text, whole);
	struct digest *d = digest_new();
	size_t at = 0, step = 1;
	while (at < sizeof text) {
		size_t n = MIN(step, sizeof text - at);
		digest_update(d, text + at, n);
		digest_update(d, text, 0);
		at += n;
		step = step * 3 + 1;
	}
	digest_finish(d, parts);
	assert_string_equal(whole, parts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_values),
		cmocka_unit_test(test_same_as_glib),
		cmocka_unit_test(test_pieces),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
