/* store_dedup - Message-ID reuse: the content half of e-mail idempotency
 * (issue 10.6). A Message-ID is whatever the sender wrote, so a mail is a
 * re-delivery only when its id AND its sender and content match; see
 * store.h. */
#include "store/store.h"

#include <string.h>

#include "store/store-private.h"

char *store_content_hash(const struct message *m)
{
	GChecksum *c = g_checksum_new(G_CHECKSUM_SHA256);
	const char *from = msg_from_addr(m);
	g_checksum_update(c, (const guchar *)"from:", 5);
	if (from)
		g_checksum_update(c, (const guchar *)from, (gssize)strlen(from));
	g_checksum_update(c, (const guchar *)"\ntext:", 6);
	g_checksum_update(c, (const guchar *)msg_text(m), (gssize)strlen(msg_text(m)));
	for (unsigned i = 0; i < msg_attachment_count(m); i++) {
		g_checksum_update(c, (const guchar *)"\natt:", 5);
		g_checksum_update(c, (const guchar *)msg_attachment(m, i)->sha256, 64);
	}
	char *hex = g_strdup(g_checksum_get_string(c));
	g_checksum_free(c);
	return hex;
}

/* legacy_key - the e-mail dedup key older versions stored: the id alone. */
static char *legacy_key(const char *mid)
{
	char *lower = g_utf8_strdown(mid, -1);
	char *input = g_strconcat("mid:", lower, NULL);
	char *key = g_compute_checksum_for_string(G_CHECKSUM_SHA256, input, -1);
	g_free(input);
	g_free(lower);
	return key;
}

int store_find_mid_reuse(struct store *s, const struct message *m, uint64_t *msg_row,
			 uint64_t *complaint_id, char **other_key, GError **err)
{
	const char *mid = msg_message_id(m);
	if (!mid || !*mid || msg_channel(m) != MSG_CHANNEL_EMAIL)
		return STORE_MID_NEW;
	char *old = legacy_key(mid);
	struct { uint64_t row, complaint_id; char *key, *from; } x = { 0, 0, NULL, NULL };
	int n = store_mid_lookup(s, old, mid, &x.row, &x.complaint_id, &x.key, &x.from, err);
	int rc = n < 0 ? -1 : STORE_MID_NEW;
	if (n > 0) {
		const char *from = msg_from_addr(m);
		bool same = x.key && !strcmp(x.key, old) && x.from && from &&
			    !g_ascii_strcasecmp(x.from, from);
		rc = same ? STORE_MID_SAME : STORE_MID_REUSED;
		if (msg_row)
			*msg_row = x.row;
		if (complaint_id)
			*complaint_id = x.complaint_id;
		if (other_key && !same) {
			*other_key = x.key;
			x.key = NULL;
		}
	}
	g_free(x.key);
	g_free(x.from);
	g_free(old);
	return rc;
}
