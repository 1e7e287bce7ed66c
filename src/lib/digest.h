/* digest - SHA-256 as lowercase hex, on OpenSSL's libcrypto.
 *
 * The same digests as GLib's GChecksum (G_CHECKSUM_SHA256), about six
 * times faster where the CPU has SHA instructions: every mail is hashed
 * on the ingest path (its raw bytes, its text, each attachment), which
 * took 6-8 % of complaintd's CPU per complaint with GChecksum. Keys and
 * digests already stored stay valid. Thread-safe. */
#ifndef COMPLAINTD_DIGEST_H
#define COMPLAINTD_DIGEST_H

#include <stddef.h>

#define DIGEST_HEX_LEN 64

/* One digest being computed; owned by the caller until digest_finish. */
struct digest;

struct digest *digest_new(void);
void digest_update(struct digest *d, const void *data, size_t len);
/* digest_finish - the hex digest into out (NUL-terminated); frees d. */
void digest_finish(struct digest *d, char out[DIGEST_HEX_LEN + 1]);

/* digest_sha256_hex - data's digest into out in one call. */
void digest_sha256_hex(const void *data, size_t len, char out[DIGEST_HEX_LEN + 1]);

#endif
