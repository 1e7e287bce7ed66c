/* stafftoken - signed reply addresses for staff notifications. */
#include "lib/stafftoken.h"

#include <string.h>

enum {
	LOCAL_MAX = 64,  /* RFC 5321 4.5.3.1.1 */
	DOMAIN_MAX = 253,
	ADDR_MAX = 254,
	REF_MAX = 64,
};

/* label_ok - one domain label: letters, digits, '-' not at either end. */
static bool label_ok(const char *p, size_t n)
{
	if (n == 0 || n > 63 || p[0] == '-' || p[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isalnum(p[i]) && p[i] != '-')
			return false;
	return true;
}

static bool domain_ok(const char *d)
{
	size_t len = strlen(d);
	if (len == 0 || len > DOMAIN_MAX)
		return false;
	unsigned labels = 0;
	for (const char *p = d;;) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		if (!label_ok(p, n))
			return false;
		labels++;
		if (!dot)
			break;
		p = dot + 1;
	}
	return labels >= 2;
}

/* local_ok - a dot-atom: atext runs joined by single dots. */
static bool local_ok(const char *p, size_t n)
{
	static const char atext[] = "!#$%&'*+-/=?^_`{|}~";
	if (n == 0 || n > LOCAL_MAX || p[0] == '.' || p[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '.') {
			if (p[i + 1] == '.')
				return false;
		} else if (!g_ascii_isalnum(p[i]) && !strchr(atext, p[i])) {
			return false;
		}
	}
	return true;
}

bool stafftoken_addr_ok(const char *addr)
{
	if (!addr || strlen(addr) > ADDR_MAX)
		return false;
	const char *at = strchr(addr, '@');
	if (!at || strchr(at + 1, '@'))
		return false;
	return local_ok(addr, (size_t)(at - addr)) && domain_ok(at + 1);
}

static bool ref_ok(const char *p, size_t n)
{
	if (n == 0 || n > REF_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isalnum(p[i]) && p[i] != '-')
			return false;
	return true;
}

static bool token_ok(const char *p, size_t n)
{
	if (n != STAFFTOKEN_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isxdigit(p[i]))
			return false;
	return true;
}

char *stafftoken_make(const guint8 *key, size_t keylen, const char *ref)
{
	if (!key || keylen == 0 || !ref)
		return NULL;
	GHmac *h = g_hmac_new(G_CHECKSUM_SHA256, key, keylen);
	g_hmac_update(h, (const guchar *)ref, (gssize)strlen(ref));
	guint8 mac[32];
	gsize maclen = sizeof(mac);
	g_hmac_get_digest(h, mac, &maclen);
	g_hmac_unref(h);
	static const char hex[] = "0123456789abcdef";
	char *t = g_malloc(STAFFTOKEN_LEN + 1);
	for (size_t i = 0; i < STAFFTOKEN_LEN / 2; i++) {
		t[2 * i] = hex[mac[i] >> 4];
		t[2 * i + 1] = hex[mac[i] & 0xF];
	}
	t[STAFFTOKEN_LEN] = '\0';
	return t;
}

bool stafftoken_check(const guint8 *key, size_t keylen, const char *ref, const char *token)
{
	if (!token || !token_ok(token, strlen(token)))
		return false; /* the expected length is public: no secret leaks */
	char *want = stafftoken_make(key, keylen, ref);
	if (!want)
		return false;
	unsigned diff = 0;
	for (size_t i = 0; i < STAFFTOKEN_LEN; i++)
		diff |= (unsigned)(guchar)(want[i] ^ g_ascii_tolower(token[i]));
	g_free(want);
	return diff == 0;
}

char *stafftoken_address(const char *gateway_addr, const char *ref, const char *token)
{
	if (!stafftoken_addr_ok(gateway_addr) || !ref || !ref_ok(ref, strlen(ref)) ||
	    !token || !token_ok(token, strlen(token)))
		return NULL;
	const char *at = strchr(gateway_addr, '@');
	size_t local = (size_t)(at - gateway_addr);
	if (local + 1 + strlen(ref) + 1 + STAFFTOKEN_LEN > LOCAL_MAX)
		return NULL;
	return g_strdup_printf("%.*s+%s.%s%s", (int)local, gateway_addr, ref, token, at);
}

bool stafftoken_parse(const char *addr, const char *gateway_addr, char **ref, char **token)
{
	if (ref)
		*ref = NULL;
	if (token)
		*token = NULL;
	if (!addr || !stafftoken_addr_ok(gateway_addr) || strlen(addr) > ADDR_MAX)
		return false;
	const char *gat = strchr(gateway_addr, '@');
	const char *at = strchr(addr, '@');
	if (!at || strchr(at + 1, '@') || g_ascii_strcasecmp(at + 1, gat + 1) != 0)
		return false;
	size_t glocal = (size_t)(gat - gateway_addr);
	const char *p = addr;
	if ((size_t)(at - p) <= glocal + 1 || g_ascii_strncasecmp(p, gateway_addr, glocal) != 0 ||
	    p[glocal] != '+')
		return false;
	p += glocal + 1;
	const char *dot = memchr(p, '.', (size_t)(at - p));
	if (!dot || !ref_ok(p, (size_t)(dot - p)) || !token_ok(dot + 1, (size_t)(at - dot - 1)))
		return false;
	if (ref)
		*ref = g_strndup(p, (size_t)(dot - p));
	if (token)
		*token = g_ascii_strdown(dot + 1, at - dot - 1);
	return true;
}
