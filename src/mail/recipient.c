/* recipient - see recipient.h. */
#include "mail/recipient.h"

#include <stdbool.h>
#include <string.h>
#include <glib.h>

/* Widest greeting name we echo, in columns (a CJK character takes two):
 * room for any real name, not for a sentence. */
#define SAFE_NAME_MAX 32

char *recipient_key(const char *addr)
{
	const char *at = addr ? strrchr(addr, '@') : NULL;
	if (!at || at == addr || !at[1])
		return NULL;
	char *local = g_ascii_strdown(addr, at - addr);
	char *domain = g_ascii_strdown(at + 1, -1);
	char *plus = strchr(local, '+');
	if (plus && plus != local)
		*plus = '\0';
	if (!strcmp(domain, "gmail.com") || !strcmp(domain, "googlemail.com")) {
		char *o = local;
		for (const char *p = local; *p; p++)
			if (*p != '.')
				*o++ = *p;
		*o = '\0';
		g_free(domain);
		domain = g_strdup("gmail.com");
	}
	char *key = g_strdup_printf("%s@%s", local, domain);
	g_free(local);
	g_free(domain);
	return key;
}

char *recipient_domain(const char *addr)
{
	const char *at = addr ? strrchr(addr, '@') : NULL;
	if (!at || at == addr || !at[1])
		return NULL;
	return g_ascii_strdown(at + 1, -1);
}

bool recipient_same_domain(const char *a, const char *b)
{
	char *da = recipient_domain(a), *db = recipient_domain(b);
	bool same = da && db && !strcmp(da, db);
	g_free(da);
	g_free(db);
	return same;
}

/* collapse - name with controls and blanks turned into single spaces,
 * trimmed; invalid UTF-8 gives NULL. */
static char *collapse(const char *name)
{
	if (!name || !g_utf8_validate(name, -1, NULL))
		return NULL;
	GString *out = g_string_new(NULL);
	bool blank = false;
	for (const char *p = name; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		if (g_unichar_isspace(c) || g_unichar_iscntrl(c) ||
		    g_unichar_type(c) == G_UNICODE_FORMAT) {
			blank = out->len > 0;
			continue;
		}
		if (blank)
			g_string_append_c(out, ' ');
		blank = false;
		g_string_append_unichar(out, c);
	}
	return g_string_free(out, FALSE);
}

/* looks_like_domain - a word of the shape "x.yz" (letters after a dot). */
static bool looks_like_domain(const char *s)
{
	for (const char *dot = strchr(s, '.'); dot; dot = strchr(dot + 1, '.'))
		if (dot > s && g_ascii_isalnum(dot[-1]) && g_ascii_isalpha(dot[1]) &&
		    g_ascii_isalpha(dot[2]))
			return true;
	return false;
}

static bool unsafe(const char *s)
{
	unsigned digits = 0;
	for (const char *p = s; *p; p++) {
		if (strchr("@<>\"/\\:;=?&%{}[]|", *p))
			return true;
		if (g_ascii_isdigit(*p))
			digits++;
	}
	char *lower = g_ascii_strdown(s, -1);
	bool bad = digits > 4 || strstr(lower, "www.") || looks_like_domain(lower);
	g_free(lower);
	return bad;
}

static unsigned columns(const char *s)
{
	unsigned w = 0;
	for (const char *p = s; *p; p = g_utf8_next_char(p))
		w += g_unichar_iswide(g_utf8_get_char(p)) ? 2 : 1;
	return w;
}

char *recipient_safe_name(const char *name)
{
	char *s = collapse(name);
	if (s && (!*s || columns(s) > SAFE_NAME_MAX || unsafe(s))) {
		g_free(s);
		s = NULL;
	}
	return s;
}

bool recipient_addr_ok(const char *a)
{
	const char *at = strrchr(a, '@');
	if (!at || at == a || at - a > 64 || strlen(at + 1) > 253 || strlen(a) > 254)
		return false;
	static const char atext[] = "!#$%&'*+-/=?^_`{|}~.";
	for (const char *p = a; p < at; p++)
		if (!g_ascii_isalnum(*p) && !strchr(atext, *p))
			return false;
	if (a[0] == '.' || at[-1] == '.' || g_strstr_len(a, at - a, ".."))
		return false;
	const char *label = at + 1;
	unsigned labels = 0;
	for (;;) {
		const char *dot = strchr(label, '.');
		size_t n = dot ? (size_t)(dot - label) : strlen(label);
		if (n == 0 || n > 63 || label[0] == '-' || label[n - 1] == '-')
			return false;
		for (size_t i = 0; i < n; i++)
			if (!g_ascii_isalnum(label[i]) && label[i] != '-')
				return false;
		labels++;
		if (!dot)
			break;
		label = dot + 1;
	}
	return labels >= 2;
}
