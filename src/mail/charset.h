/* charset - any bytes in any (declared, missing or wrong) charset to UTF-8.
 *
 * Mail declares charsets badly: GB2312 bodies full of GBK-only characters,
 * "iso-8859-1" that is really Windows-1252 or even GBK, no charset at all.
 * These functions never return garbage: the result is always valid UTF-8.
 * Thread-safe (iconv handles are opened per call). */
#ifndef COMPLAINTD_CHARSET_H
#define COMPLAINTD_CHARSET_H

#include <stdbool.h>
#include <stddef.h>
#include <glib.h>

/* charset_canonical - the iconv name we really convert with for a declared
 * MIME charset name: GB2312/GBK -> GB18030, Big5 -> BIG5-HKSCS,
 * ISO-8859-1/US-ASCII -> WINDOWS-1252, ... NULL when the name is empty or
 * means "unknown" (x-unknown, unknown-8bit). Newly allocated; g_free. */
char *charset_canonical(const char *declared);

/* charset_to_utf8 - convert len bytes of data, declared in charset declared
 * (may be NULL), to UTF-8. When declared is missing or the bytes are not
 * valid in it, the charset is guessed (uchardet plus CJK heuristics) and
 * *guessed (if non-NULL) is set to true, else false. As a last resort
 * invalid bytes become U+FFFD. U+0000 characters are dropped. Newly
 * allocated, never NULL; g_free. */
char *charset_to_utf8(const char *data, size_t len, const char *declared,
		      bool *guessed);

/* charset_detect - uchardet's guess for data (iconv name, upper case), or
 * NULL when it has none / the data is ASCII. Newly allocated; g_free. */
char *charset_detect(const char *data, size_t len);

/* charset_is_ascii - true when data has no byte >= 0x80 and no ESC. */
bool charset_is_ascii(const char *data, size_t len);

/* charset_bidi_control - c only steers the direction text is shown in
 * (U+200E/F, U+061C, U+202A-202E, U+2066-2069): in a file name or a
 * header it makes "invoice<U+202E>fdp.exe" read as "invoiceexe.pdf". */
bool charset_bidi_control(gunichar c);

#endif
