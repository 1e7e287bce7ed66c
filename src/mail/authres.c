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

bool authres_field_passes(const char *value, char *const *authserv_ids, const char *domain)
{
	if (!value || !domain || !*domain || !authserv_ids || !*authserv_ids ||
	    strlen(value) > AUTHRES_MAX)
		return false;
	char *clean = uncomment(value);
	char **parts = g_strsplit(clean, ";", -1);
	g_free(clean);
	bool ok = false;
	if (parts[0]) {
		/* authserv-id, then an optional version number */
		char **id = g_strsplit_set(g_strstrip(parts[0]), " ", 2);
		bool ours = id[0] && *id[0] && listed(authserv_ids, id[0]);
		g_strfreev(id);
		for (unsigned i = 1; ours && parts[i] && !ok; i++)
			ok = resinfo_passes(parts[i], domain);
	}
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
