/* charset - bytes in any charset to valid UTF-8. */
#include "mail/charset.h"

#include <errno.h>
#include <iconv.h>
#include <string.h>
#include <glib.h>
#include <uchardet/uchardet.h>

/* Declared names mapped to what we convert with. Supersets are used on
 * purpose: mail labelled GB2312 routinely carries GBK characters, Big5 mail
 * carries HKSCS/CP950 extensions, and "ISO-8859-1" mail is written on
 * Windows and uses 0x80-0x9F for quotes and dashes. */
static const struct { const char *alias, *iconv; } aliases[] = {
	{ "gb2312", "GB18030" }, { "gbk", "GB18030" }, { "x-gbk", "GB18030" },
	{ "cp936", "GB18030" }, { "ms936", "GB18030" }, { "windows-936", "GB18030" },
	{ "euc-cn", "GB18030" }, { "x-euc-cn", "GB18030" }, { "gb_2312-80", "GB18030" },
	{ "csgb2312", "GB18030" }, { "chinese", "GB18030" }, { "gb18030", "GB18030" },
	{ "hz-gb-2312", "GB18030" },
	{ "big5", "BIG5-HKSCS" }, { "big-5", "BIG5-HKSCS" }, { "cn-big5", "BIG5-HKSCS" },
	{ "x-x-big5", "BIG5-HKSCS" }, { "csbig5", "BIG5-HKSCS" }, { "big5-hkscs", "BIG5-HKSCS" },
	{ "cp950", "CP950" }, { "x-cp950", "CP950" },
	{ "iso-8859-1", "WINDOWS-1252" }, { "iso8859-1", "WINDOWS-1252" },
	{ "iso_8859-1", "WINDOWS-1252" }, { "latin1", "WINDOWS-1252" },
	{ "latin-1", "WINDOWS-1252" }, { "l1", "WINDOWS-1252" },
	{ "us-ascii", "WINDOWS-1252" }, { "ascii", "WINDOWS-1252" },
	{ "ansi_x3.4-1968", "WINDOWS-1252" }, { "cp1252", "WINDOWS-1252" },
	{ "iso-8859-9", "WINDOWS-1254" }, { "iso-8859-11", "WINDOWS-874" },
	{ "tis-620", "WINDOWS-874" }, { "ks_c_5601-1987", "CP949" },
	{ "euc-kr", "CP949" }, { "shift_jis", "CP932" }, { "shift-jis", "CP932" },
	{ "sjis", "CP932" }, { "x-sjis", "CP932" }, { "windows-31j", "CP932" },
	{ "iso-2022-jp", "ISO-2022-JP-2" }, { "csiso2022jp", "ISO-2022-JP-2" },
	{ "utf8", "UTF-8" }, { "utf-8", "UTF-8" }, { "x-utf8", "UTF-8" },
	{ "unicode-1-1-utf-7", "UTF-7" }, { "utf-7", "UTF-7" },
};

/* Names that mean "we do not know". */
static const char *const unknown_names[] = {
	"x-unknown", "unknown", "unknown-8bit", "x-user-defined", "default",
	"charset", "none", "8bit", "binary",
};

/* Charsets whose encoded form may contain NUL bytes or is 7-bit but not
 * ASCII-transparent; ASCII fast paths must not apply to them. */
static bool charset_is_stateful(const char *cs)
{
	return g_ascii_strncasecmp(cs, "UTF-16", 6) == 0 ||
	       g_ascii_strncasecmp(cs, "UTF-32", 6) == 0 ||
	       g_ascii_strncasecmp(cs, "UCS-", 4) == 0 ||
	       g_ascii_strncasecmp(cs, "UTF-7", 5) == 0 ||
	       g_ascii_strncasecmp(cs, "ISO-2022", 8) == 0 ||
	       g_ascii_strncasecmp(cs, "HZ", 2) == 0;
}

char *charset_canonical(const char *declared)
{
	if (!declared)
		return NULL;
	char *s = g_strstrip(g_ascii_strdown(declared, -1));
	/* quotes and RFC 2231 language suffixes ("utf-8*en") are noise */
	g_strdelimit(s, "\"'", ' ');
	g_strstrip(s);
	char *star = strchr(s, '*');
	if (star)
		*star = '\0';
	if (!*s || strlen(s) > 40) {
		g_free(s);
		return NULL;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(unknown_names); i++)
		if (strcmp(s, unknown_names[i]) == 0) {
			g_free(s);
			return NULL;
		}
	for (size_t i = 0; i < G_N_ELEMENTS(aliases); i++)
		if (strcmp(s, aliases[i].alias) == 0) {
			g_free(s);
			return g_strdup(aliases[i].iconv);
		}
	char *up = g_ascii_strup(s, -1);
	g_free(s);
	return up;
}

bool charset_is_ascii(const char *data, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)data[i] >= 0x80 || data[i] == 0x1b)
			return false;
	return true;
}

static bool is_utf8_name(const char *cs)
{
	return g_ascii_strcasecmp(cs, "UTF-8") == 0;
}

/* Drops U+0000 (a NUL terminator must end the string, not hide the rest). */
static char *drop_nul(char *s, size_t len)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++)
		if (s[i])
			s[o++] = s[i];
	s[o] = '\0';
	return s;
}

/* glibc loads a gconv module on iconv_open and unloads it on the last
 * iconv_close: for GB18030 that mmap/munmap pair cost more than the rest of
 * parsing a mail. One descriptor per charset that worked is kept open for
 * good (bounded), so the module stays loaded and later opens are cheap. */
#define MAX_PINNED 64
static GMutex pin_lock;
static GHashTable *pinned; /* charset name -> iconv_t, never freed */

static void pin_module(const char *cs)
{
	g_mutex_lock(&pin_lock);
	if (!pinned)
		pinned = g_hash_table_new(g_str_hash, g_str_equal);
	if (g_hash_table_size(pinned) < MAX_PINNED && !g_hash_table_contains(pinned, cs)) {
		iconv_t cd = iconv_open("UTF-8", cs);
		if (cd != (iconv_t)-1)
			g_hash_table_insert(pinned, g_strdup(cs), cd);
	}
	g_mutex_unlock(&pin_lock);
}

/* convert - iconv from cs to UTF-8. strict: NULL on any invalid or
 * incomplete sequence; lossy: U+FFFD for each bad byte. NULL when cs is
 * not known to iconv. */
static char *convert(const char *data, size_t len, const char *cs, bool strict)
{
	iconv_t cd = iconv_open("UTF-8", cs);
	if (cd == (iconv_t)-1)
		return NULL;
	pin_module(cs);
	GString *out = g_string_sized_new(len * 3 / 2 + 16);
	char buf[4096];
	char *in = (char *)data;
	size_t inleft = len;
	bool ok = true;
	while (inleft > 0) {
		char *o = buf;
		size_t oleft = sizeof(buf);
		size_t r = iconv(cd, &in, &inleft, &o, &oleft);
		g_string_append_len(out, buf, o - buf);
		if (r != (size_t)-1)
			continue;
		if (errno == E2BIG)
			continue;
		if (strict) {
			ok = false;
			break;
		}
		/* EILSEQ or EINVAL: replace one byte and resynchronise */
		g_string_append(out, "\xEF\xBF\xBD");
		in++;
		inleft--;
		iconv(cd, NULL, NULL, NULL, NULL);
	}
	if (ok) {
		char *o = buf;
		size_t oleft = sizeof(buf);
		if (iconv(cd, NULL, NULL, &o, &oleft) == (size_t)-1 && strict)
			ok = false;
		g_string_append_len(out, buf, o - buf);
	}
	iconv_close(cd);
	g_string_set_size(out, strlen(drop_nul(out->str, out->len)));
	if (!ok || !g_utf8_validate(out->str, out->len, NULL)) {
		/* iconv should never emit bad UTF-8; be sure anyway */
		if (!ok || strict) {
			g_string_free(out, TRUE);
			return NULL;
		}
		char *valid = g_utf8_make_valid(out->str, out->len);
		g_string_free(out, TRUE);
		return valid;
	}
	return g_string_free(out, FALSE);
}

char *charset_detect(const char *data, size_t len)
{
	if (charset_is_ascii(data, len))
		return NULL;
	uchardet_t ud = uchardet_new();
	if (!ud)
		return NULL;
	char *res = NULL;
	if (uchardet_handle_data(ud, data, len) == 0) {
		uchardet_data_end(ud);
		const char *cs = uchardet_get_charset(ud);
		if (cs && *cs && g_ascii_strcasecmp(cs, "ASCII") != 0)
			res = charset_canonical(cs);
	}
	uchardet_delete(ud);
	return res;
}

/* share of bytes >= 0x80 among non-blank bytes, in percent */
static unsigned high_byte_percent(const char *data, size_t len)
{
	size_t high = 0, total = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)data[i];
		if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
			continue;
		total++;
		if (c >= 0x80)
			high++;
	}
	return total ? (unsigned)(high * 100 / total) : 0;
}

static bool is_single_byte(const char *cs)
{
	return g_ascii_strncasecmp(cs, "WINDOWS-125", 11) == 0 ||
	       g_ascii_strncasecmp(cs, "ISO-8859", 8) == 0 ||
	       g_ascii_strncasecmp(cs, "KOI8", 4) == 0;
}

/* guess - try the detector's answer, then the charsets Chinese customers
 * actually use, strictly; NULL when none of them fits. uchardet is weak on
 * short strings (a subject) and readily calls GBK "Windows-1252" or Greek:
 * text that is mostly high bytes is tried as CJK first. */
static char *guess(const char *data, size_t len, bool allow_single)
{
	if (g_utf8_validate(data, len, NULL))
		return drop_nul(g_strndup(data, len), len);
	char *det = charset_detect(data, len);
	char *out = NULL;
	bool det_latin = det && is_single_byte(det);
	bool cjk_first = !det_latin || high_byte_percent(data, len) >= 40;
	if (det && !is_utf8_name(det) && !det_latin)
		out = convert(data, len, det, true);
	static const char *const cjk[] = { "GB18030", "BIG5-HKSCS", "CP932" };
	for (size_t i = 0; !out && cjk_first && i < G_N_ELEMENTS(cjk); i++)
		out = convert(data, len, cjk[i], true);
	if (!out && det_latin && allow_single)
		out = convert(data, len, det, false);
	for (size_t i = 0; !out && !cjk_first && i < G_N_ELEMENTS(cjk); i++)
		out = convert(data, len, cjk[i], true);
	g_free(det);
	return out;
}

/* Latin-script single-byte charsets: their text is mostly ASCII letters. */
static bool is_latin_script(const char *cs)
{
	static const char *const latin[] = {
		"WINDOWS-1250", "WINDOWS-1252", "WINDOWS-1254", "WINDOWS-1257",
		"ISO-8859-2", "ISO-8859-3", "ISO-8859-4", "ISO-8859-9", "ISO-8859-10",
		"ISO-8859-13", "ISO-8859-14", "ISO-8859-15", "ISO-8859-16",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(latin); i++)
		if (g_ascii_strcasecmp(cs, latin[i]) == 0)
			return true;
	return false;
}

/* A single-byte label accepts any bytes, so "success" proves nothing:
 * non-ASCII valid UTF-8 is almost never legacy single-byte text, and
 * "Latin" text that is nearly all high bytes is CJK mislabelled. */
static bool latin_label_is_wrong(const char *data, size_t len, const char *cs)
{
	if (!is_single_byte(cs))
		return false;
	if (g_utf8_validate(data, len, NULL))
		return true;
	return is_latin_script(cs) && high_byte_percent(data, len) >= 40;
}

char *charset_to_utf8(const char *data, size_t len, const char *declared,
		      bool *guessed)
{
	if (guessed)
		*guessed = false;
	if (!data)
		return g_strdup("");
	char *cs = charset_canonical(declared);
	char *out = NULL;
	char *nonul = NULL;
	/* NUL bytes mean nothing in a byte-oriented charset and would stop
	 * every validation and C string after this; UTF-16/32 need them */
	if (len && memchr(data, 0, len) && !(cs && charset_is_stateful(cs))) {
		nonul = g_malloc(len + 1);
		memcpy(nonul, data, len);
		drop_nul(nonul, len);
		data = nonul;
		len = strlen(nonul);
	}
	if ((charset_is_ascii(data, len) && (!cs || !charset_is_stateful(cs))) ||
	    (cs && is_utf8_name(cs) && g_utf8_validate(data, len, NULL))) {
		out = g_strndup(data, len);
		g_free(cs);
		g_free(nonul);
		return out;
	}
	if (cs && !is_utf8_name(cs)) {
		/* a wrong-looking Latin label is overruled only by a strict
		 * multi-byte (or UTF-8) reading of the same bytes */
		if (latin_label_is_wrong(data, len, cs))
			out = guess(data, len, false);
		if (out && guessed)
			*guessed = true;
		if (!out)
			out = convert(data, len, cs, true);
	}
	if (!out) {
		if (guessed)
			*guessed = true;
		out = guess(data, len, true);
	}
	if (!out && cs)
		out = convert(data, len, cs, false);
	if (!out)
		out = convert(data, len, "UTF-8", false);
	if (!out) /* cannot happen: glibc always knows UTF-8 */
		out = g_utf8_make_valid(data, len);
	g_free(cs);
	g_free(nonul);
	return out;
}

bool charset_bidi_control(gunichar c)
{
	return c == 0x200e || c == 0x200f || c == 0x061c || (c >= 0x202a && c <= 0x202e) ||
	       (c >= 0x2066 && c <= 0x2069);
}
