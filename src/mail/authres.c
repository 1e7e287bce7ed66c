/* authres - Authentication-Results (RFC 8601). See authres.h. */
#include "mail/authres.h"

#include <string.h>
#include <glib.h>

/* Longest field we look at: real ones are a few hundred bytes. */
#define AUTHRES_MAX 8192

/* uncomment - value with (nested) comments blanked out and quoted strings
 * unquoted in place; ';' inside quotes becomes a blank so that splitting
 * on ';' is safe. g_free. */
static char *uncomment(const char *value)
{
	GString *out = g_string_sized_new(strlen(value));
	int depth = 0;
	bool quoted = false;
	for (const char *p = value; *p; p++) {
		char c = *p;
		if (quoted) {
			if (c == '\\' && p[1])
				c = *++p;
			else if (c == '"') {
				quoted = false;
				continue;
			}
			g_string_append_c(out, c == ';' || c == '(' || c == ')' ? ' ' : c);
		} else if (depth > 0) {
			if (c == '\\' && p[1])
				p++;
			else if (c == '(')
				depth++;
			else if (c == ')')
				depth--;
			if (depth == 0)
				g_string_append_c(out, ' ');
		} else if (c == '(') {
			depth = 1;
		} else if (c == '"') {
			quoted = true;
		} else {
			g_string_append_c(out, g_ascii_isspace(c) ? ' ' : c);
		}
	}
	return g_string_free(out, FALSE);
}

static bool listed(char *const *list, const char *word)
{
	for (char *const *p = list; p && *p; p++)
		if (!g_ascii_strcasecmp(*p, word))
			return true;
	return false;
}

/* aligned - d (a DKIM signing domain) is domain or a parent of it with at
 * least two labels. */
static bool aligned(const char *d, const char *domain)
{
	size_t dl = strlen(d), nl = strlen(domain);
	if (!strchr(d, '.') || dl > nl)
		return false;
	if (dl == nl)
		return !g_ascii_strcasecmp(d, domain);
	return domain[nl - dl - 1] == '.' && !g_ascii_strcasecmp(domain + nl - dl, d);
}

/* method_passes - word is "METHOD=pass" or "METHOD/VERSION=pass". */
static bool method_passes(const char *word, const char *method)
{
	size_t n = strlen(method);
	if (g_ascii_strncasecmp(word, method, n))
		return false;
	const char *p = word + n;
	if (*p == '/')
		for (p++; g_ascii_isdigit(*p); p++)
			;
	return !g_ascii_strcasecmp(p, "=pass");
}

/* squeeze - blanks around '=' removed in place ("dkim = pass" is allowed
 * folding), so that every "key=value" is one word. */
static void squeeze(char *s)
{
	char *o = s;
	for (char *p = s; *p; p++) {
		if (*p == ' ' && (p[1] == '=' || (o > s && o[-1] == '=')))
			continue;
		*o++ = *p;
	}
	*o = '\0';
}

/* resinfo_passes - one "method=result ptype.prop=value ..." clause. */
static bool resinfo_passes(char *clause, const char *domain)
{
	squeeze(clause);
	char **w = g_strsplit(g_strstrip(clause), " ", -1);
	bool dkim = w[0] && method_passes(w[0], "dkim");
	bool dmarc = w[0] && method_passes(w[0], "dmarc");
	bool ok = false;
	for (unsigned i = 1; w[0] && w[i] && (dkim || dmarc) && !ok; i++) {
		const char *v = strchr(w[i], '=');
		if (!v || !v[1])
			continue;
		size_t klen = (size_t)(v - w[i]);
		v++;
		if (dkim && klen == 8 && !g_ascii_strncasecmp(w[i], "header.d", 8))
			ok = aligned(v, domain);
		else if (dmarc && klen == 11 && !g_ascii_strncasecmp(w[i], "header.from", 11))
			ok = !g_ascii_strcasecmp(v, domain);
	}
	g_strfreev(w);
	return ok;
}

/* skip_cfws - past blanks and (nested) comments; NULL when a comment is
 * not closed. */
static const char *skip_cfws(const char *p)
{
	int depth = 0;
	for (; *p; p++) {
		if (depth > 0 && *p == '\\' && p[1])
			p++;
		else if (*p == '(')
			depth++;
		else if (depth > 0 && *p == ')')
			depth--;
		else if (depth == 0 && !g_ascii_isspace(*p))
			return p;
	}
	return depth ? NULL : p;
}

/* authserv_id - the authserv-id at the start of value, a token or one whole
 * quoted string (RFC 8601 section 2.2), g_free; *rest points after it.
 * Anything else - a quote in the middle of a token, an unclosed quote -
 * is malformed: NULL, so that what we compare is what the MTA wrote. */
static char *authserv_id(const char *value, const char **rest)
{
	const char *p = skip_cfws(value);
	if (!p || !*p)
		return NULL;
	GString *id = g_string_new(NULL);
	if (*p == '"') {
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1])
				p++;
			g_string_append_c(id, *p);
		}
		if (*p++ != '"')
			goto bad;
	} else {
		for (; *p && !strchr(" \t\r\n;()\"", *p) && (unsigned char)*p > 0x20; p++)
			g_string_append_c(id, *p);
	}
	if (!id->len || (*p && !strchr(" \t\r\n;(", *p)))
		goto bad;
	*rest = p;
	return g_string_free(id, FALSE);
bad:
	g_string_free(id, TRUE);
	return NULL;
}

/* version_ok - what stands between the authserv-id and the first ';' is
 * nothing or an authres-version (digits). */
static bool version_ok(const char *s)
{
	while (*s == ' ')
		s++;
	while (g_ascii_isdigit(*s))
		s++;
	while (*s == ' ')
		s++;
	return !*s;
}

bool authres_field_passes(const char *value, char *const *authserv_ids, const char *domain)
{
	if (!value || !domain || !*domain || !authserv_ids || !*authserv_ids ||
	    strlen(value) > AUTHRES_MAX)
		return false;
	const char *rest = NULL;
	char *id = authserv_id(value, &rest);
	bool ours = id && listed(authserv_ids, id);
	g_free(id);
	if (!ours)
		return false;
	char *clean = uncomment(rest);
	char **parts = g_strsplit(clean, ";", -1);
	g_free(clean);
	bool ok = false;
	if (parts[0] && version_ok(parts[0]))
		for (unsigned i = 1; parts[i] && !ok; i++)
			ok = resinfo_passes(parts[i], domain);
	g_strfreev(parts);
	return ok;
}

bool authres_message_passes(const struct message *m, char *const *authserv_ids)
{
	const char *from = msg_from_addr(m);
	const char *at = from ? strrchr(from, '@') : NULL;
	if (!at || !at[1])
		return false;
	for (unsigned i = 0; i < msg_header_count(m); i++) {
		const char *name, *value;
		msg_header_at(m, i, &name, &value);
		if (!g_ascii_strcasecmp(name, "Authentication-Results") &&
		    authres_field_passes(value, authserv_ids, at + 1))
			return true;
	}
	return false;
}
