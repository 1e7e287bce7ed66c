/* digest - SHA-256 on libcrypto's EVP interface. */
#include "lib/digest.h"

#include <glib.h>
#include <openssl/evp.h>

struct digest {
	EVP_MD_CTX *ctx;
};

/* sha256 - the algorithm, fetched once: EVP_sha256() would look it up in
 * the provider again at every init. Never freed (process lifetime). */
static const EVP_MD *sha256(void)
{
	static EVP_MD *md;
	if (g_once_init_enter(&md)) {
		EVP_MD *m = EVP_MD_fetch(NULL, "SHA256", NULL);
		if (!m)
			g_error("libcrypto has no SHA256");
		g_once_init_leave(&md, m);
	}
	return md;
}

struct digest *digest_new(void)
{
	struct digest *d = g_new(struct digest, 1);
	d->ctx = EVP_MD_CTX_new();
	if (!d->ctx || !EVP_DigestInit_ex(d->ctx, sha256(), NULL))
		g_error("libcrypto: cannot start a SHA-256 digest");
	return d;
}

void digest_update(struct digest *d, const void *data, size_t len)
{
	if (len && !EVP_DigestUpdate(d->ctx, data, len))
		g_error("libcrypto: SHA-256 update failed");
}

void digest_finish(struct digest *d, char out[DIGEST_HEX_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	if (!EVP_DigestFinal_ex(d->ctx, md, &n) || n * 2 != DIGEST_HEX_LEN)
		g_error("libcrypto: SHA-256 final failed");
	for (unsigned i = 0; i < n; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[DIGEST_HEX_LEN] = '\0';
	EVP_MD_CTX_free(d->ctx);
	g_free(d);
}

void digest_sha256_hex(const void *data, size_t len, char out[DIGEST_HEX_LEN + 1])
{
	struct digest *d = digest_new();
	digest_update(d, data, len);
	digest_finish(d, out);
}
