/* hostlist - see hostlist.h. */
#include "lib/hostlist.h"

#include <stdbool.h>
#include <string.h>

struct hostlist {
	unsigned n;
	char *host[HOSTLIST_MAX];
	unsigned port[HOSTLIST_MAX];
};

/* host_chars - letters, digits, '-', '.', '_' (names) and ':' (IPv6). */
static bool host_chars(const char *h, bool colon_ok)
{
	if (!*h)
		return false;
	for (const char *c = h; *c; c++)
		if (!g_ascii_isalnum(*c) && !strchr("-._", *c) && !(colon_ok && *c == ':'))
			return false;
	return true;
}

static bool parse_port(const char *s, unsigned *port)
{
	guint64 v;
	if (!g_ascii_string_to_unsigned(s, 10, 1, 65535, &v, NULL))
		return false;
	*port = (unsigned)v;
	return true;
}

/* parse_entry - one entry into l; false with *error. */
static bool parse_entry(struct hostlist *l, const char *e, unsigned default_port, char **error)
{
	char *host = NULL;
	unsigned port = default_port;
	const char *colon = strchr(e, ':');
	if (*e == '[') {
		const char *close = strchr(e, ']');
		if (!close) {
			*error = g_strdup_printf("'%s': no closing ']'", e);
			return false;
		}
		if (close[1] && (close[1] != ':' || !parse_port(close + 2, &port))) {
			*error = g_strdup_printf("'%s': a port after ']' is ':' and 1 to 65535", e);
			return false;
		}
		host = g_strndup(e + 1, (gsize)(close - e - 1));
	} else if (colon && !strchr(colon + 1, ':')) {  /* name:port; more colons: IPv6 */
		if (!parse_port(colon + 1, &port)) {
			*error = g_strdup_printf("'%s': the port is 1 to 65535", e);
			return false;
		}
		host = g_strndup(e, (gsize)(colon - e));
	} else {
		host = g_strdup(e);
	}
	if (!host_chars(host, *e == '[' || (colon && strchr(colon + 1, ':')))) {
		*error = g_strdup_printf("'%s' is no host name or address", e);
		g_free(host);
		return false;
	}
	l->host[l->n] = host;
	l->port[l->n++] = port;
	return true;
}

struct hostlist *hostlist_parse(const char *text, unsigned default_port, char **error)
{
	struct hostlist *l = g_new0(struct hostlist, 1);
	char **parts = g_strsplit_set(text ? text : "", ", \t", -1);
	bool ok = true;
	for (char **p = parts; ok && *p; p++) {
		if (!**p)
			continue;  /* "a, b" splits into "a", "", "b" */
		if (l->n == HOSTLIST_MAX) {
			*error = g_strdup_printf("more than %d hosts", HOSTLIST_MAX);
			ok = false;
		} else {
			ok = parse_entry(l, *p, default_port, error);
		}
	}
	g_strfreev(parts);
	if (ok && !l->n) {
		*error = g_strdup("no host");
		ok = false;
	}
	if (!ok)
		hostlist_free(&l);
	return l;
}

void hostlist_free(struct hostlist **lp)
{
	struct hostlist *l = *lp;
	if (!l)
		return;
	for (unsigned i = 0; i < l->n; i++)
		g_free(l->host[i]);
	g_free(l);
	*lp = NULL;
}

unsigned hostlist_count(const struct hostlist *l)
{
	return l->n;
}

const char *hostlist_host(const struct hostlist *l, unsigned i)
{
	return l->host[i];
}

unsigned hostlist_port(const struct hostlist *l, unsigned i)
{
	return l->port[i];
}
