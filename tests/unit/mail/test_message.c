/* Unit tests for message: the language guess, notes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <glib.h>

#include "mail/message.h"

/* reference - the guess counted character by character with GLib. */
static const char *reference(const char *text)
{
	unsigned han = 0, latin = 0;
	if (!g_utf8_validate(text, -1, NULL))
		return "en";
	for (const char *p = text; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		if ((c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
		    (c >= 0x3000 && c <= 0x303F) || (c >= 0xFF00 && c <= 0xFFEF))
			han++;
		else if (c < 0x80 && g_ascii_isalpha((char)c))
			latin++;
	}
	return han > 0 && han * 4 >= latin ? "zh" : "en";
}

static void test_examples(void **state)
{
	(void)state;
	assert_string_equal(msg_guess_lang("电水壶漏水，要求退货。"), "zh");
	assert_string_equal(msg_guess_lang("The kettle leaks."), "en");
	assert_string_equal(msg_guess_lang("我买的 Philips HD9350 漏水"), "zh");
	assert_string_equal(msg_guess_lang(""), "en");
	assert_string_equal(msg_guess_lang(NULL), "en");
	assert_string_equal(msg_guess_lang("\xe7\x94"), "en");  /* cut UTF-8 */
	/* fullwidth letters and CJK punctuation count, kana and emoji do not */
	assert_string_equal(msg_guess_lang("ＡＢＣ"), "zh");
	assert_string_equal(msg_guess_lang("、。"), "zh");
	assert_string_equal(msg_guess_lang("ひらがな"), "en");
	assert_string_equal(msg_guess_lang("😀😀"), "en");
}

/* the same answer as the reference on random texts made of characters at
 * the edges of every range counted, and of 1- to 4-byte characters */
static void test_same_as_reference(void **state)
{
	(void)state;
	static const gunichar chars[] = {
		'a', 'Z', '1', ' ', '\n', 0xE9, 0x7FF, 0x800, 0x2FFF, 0x3000, 0x303F, 0x3040,
		0x33FF, 0x3400, 0x4DBF, 0x4DC0, 0x4DFF, 0x4E00, 0x7535, 0x9FFF, 0xA000, 0xFEFF,
		0xFF00, 0xFF21, 0xFFEF, 0xFFF0, 0xFFFD, 0x10000, 0x1F600, 0x20000,
	};
	GRand *r = g_rand_new_with_seed(42);
	GString *t = g_string_new(NULL);
	for (int round = 0; round < 5000; round++) {
		g_string_truncate(t, 0);
		int n = g_rand_int_range(r, 0, 40);
		for (int i = 0; i < n; i++)
			g_string_append_unichar(t, chars[g_rand_int_range(r, 0, G_N_ELEMENTS(chars))]);
		assert_string_equal(msg_guess_lang(t->str), reference(t->str));
	}
	g_string_free(t, TRUE);
	g_rand_free(r);
}

/* test_notes_once - a transaction tried again adds its notes again: each
 * is kept once, different ones all, in order. */
static void test_notes_once(void **state)
{
	(void)state;
	struct message *m = msg_new(MSG_CHANNEL_EMAIL);
	for (int round = 0; round < 3; round++) {
		msg_add_note(m, "staff mail not verified: %s", "no DKIM");
		msg_add_note(m, "part %d dropped", 2);
	}
	msg_add_note(m, "part %d dropped", 3);
	assert_int_equal(msg_note_count(m), 3);
	assert_string_equal(msg_note(m, 0), "staff mail not verified: no DKIM");
	assert_string_equal(msg_note(m, 1), "part 2 dropped");
	assert_string_equal(msg_note(m, 2), "part 3 dropped");
	msg_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_notes_once),
		cmocka_unit_test(test_examples),
		cmocka_unit_test(test_same_as_reference),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
