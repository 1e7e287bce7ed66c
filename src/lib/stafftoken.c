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

static bool hex_ok(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isxdigit(p[i]))
			return false;
	return true;
}

/* token_ok - the shape of a token in an address: a reply token, or a
 * plain one as versions before bound tokens wrote. */
static bool token_ok(const char *p, size_t n)
{
	return (n == STAFFTOKEN_REPLY_LEN || n == STAFFTOKEN_LEN) && hex_ok(p, n);
}

static void to_hex(const guint8 *in, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 0xF];
	}
	out[2 * n] = '\0';
}

/* same_hex - want (lower case) and got (any case) agree in n digits; the
 * time taken does not depend on where they differ. */
static bool same_hex(const char *want, const char *got, size_t n)
{
	unsigned diff = 0;
	for (size_t i = 0; i < n; i++)
		diff |= (unsigned)(guchar)(want[i] ^ g_ascii_tolower(got[i]));
	return diff == 0;
}

/* key_id - two hex digits naming the key: the first byte of a hash of it
 * under a label of its own, so that the id says nothing of the MACs. */
static void key_id(const guint8 *key, size_t keylen, char out[3])
{
	GChecksum *c = g_checksum_new(G_CHECKSUM_SHA256);
	g_checksum_update(c, (const guchar *)"complaintd key id", 17);
	g_checksum_update(c, key, (gssize)keylen);
	guint8 d[32];
	gsize dl = sizeof(d);
	g_checksum_get_digest(c, d, &dl);
	g_checksum_free(c);
	to_hex(d, 1, out);
}

/* reply_mac - the MAC digits of a reply token whose first six digits
 * (key id and day) are head. The parts are separated by NUL bytes, which
 * none of them can hold, so that no two inputs run together. */
static void reply_mac(const guint8 *key, size_t keylen, const char *ref, const char *rcpt,
		      const char *head, char out[STAFFTOKEN_LEN + 1])
{
	GHmac *h = g_hmac_new(G_CHECKSUM_SHA256, key, keylen);
	char *lower = g_ascii_strdown(rcpt, -1);
	g_hmac_update(h, (const guchar *)"reply", 6);
	g_hmac_update(h, (const guchar *)ref, (gssize)strlen(ref) + 1);
	g_hmac_update(h, (const guchar *)lower, (gssize)strlen(lower) + 1);
	g_hmac_update(h, (const guchar *)head, 6);
	g_free(lower);
	guint8 mac[32];
	gsize maclen = sizeof(mac);
	g_hmac_get_digest(h, mac, &maclen);
	g_hmac_unref(h);
	to_hex(mac, STAFFTOKEN_LEN / 2, out);
}

char *stafftoken_mint(const guint8 *key, size_t keylen, const char *ref, const char *rcpt,
		      int64_t day)
{
	if (!key || keylen == 0 || !ref || !rcpt || day < 0 || day > 0xFFFF)
		return NULL;
	char *t = g_malloc(STAFFTOKEN_REPLY_LEN + 1);
	key_id(key, keylen, t);
	g_snprintf(t + 2, 5, "%04x", (unsigned)day);
	reply_mac(key, keylen, ref, rcpt, t, t + 6);
	return t;
}

bool stafftoken_verify(const guint8 *key, size_t keylen, const char *ref, const char *rcpt,
		       const char *token, int64_t *day)
{
	if (!key || keylen == 0 || !ref || !rcpt || !token ||
	    strlen(token) != STAFFTOKEN_REPLY_LEN || !hex_ok(token, STAFFTOKEN_REPLY_LEN))
		return false;
	char head[7], id[3], mac[STAFFTOKEN_LEN + 1];
	for (size_t i = 0; i < 6; i++)
		head[i] = g_ascii_tolower(token[i]);
	head[6] = '\0';
	key_id(key, keylen, id);
	if (memcmp(id, head, 2) != 0)
		return false;  /* another key's: the id is public */
	reply_mac(key, keylen, ref, rcpt, head, mac);
	if (!same_hex(mac, token + 6, STAFFTOKEN_LEN))
		return false;
	if (day)
		*day = (int64_t)g_ascii_strtoull(head + 2, NULL, 16);
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
	char *t = g_malloc(STAFFTOKEN_LEN + 1);
	to_hex(mac, STAFFTOKEN_LEN / 2, t);
	return t;
}

bool stafftoken_check(const guint8 *key, size_t keylen, const char *ref, const char *token)
{
	if (!token || strlen(token) != STAFFTOKEN_LEN || !hex_ok(token, STAFFTOKEN_LEN))
		return false; /* the expected length is public: no secret leaks */
	char *want = stafftoken_make(key, keylen, ref);
	if (!want)
		return false;
	bool ok = same_hex(want, token, STAFFTOKEN_LEN);
	g_free(want);
	return ok;
}

char *stafftoken_address(const char *gateway_addr, const char *ref, const char *token)
{
	if (!stafftoken_addr_ok(gateway_addr) || !ref || !ref_ok(ref, strlen(ref)) ||
	    !token || !token_ok(token, strlen(token)))
		return NULL;
	const char *at = strchr(gateway_addr, '@');
	size_t local = (size_t)(at - gateway_addr);
	if (local + 1 + strlen(ref) + 1 + strlen(token) > LOCAL_MAX)
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
