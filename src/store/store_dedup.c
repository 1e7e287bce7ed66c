/* store_dedup - Message-ID reuse: the content half of e-mail idempotency
 * (issue 10.6). A Message-ID is whatever the sender wrote, so a mail is a
 * re-delivery only when its id AND its sender and content match; see
 * store.h. */
#include "store/store.h"

#include <string.h>

#include "lib/digest.h"
#include "store/store-private.h"

char *store_content_hash(const struct message *m)
{
	struct digest *d = digest_new();
	const char *from = msg_from_addr(m);
	digest_update(d, "from:", 5);
	if (from)
		digest_update(d, from, strlen(from));
	digest_update(d, "\ntext:", 6);
	digest_update(d, msg_text(m), strlen(msg_text(m)));
	for (unsigned i = 0; i < msg_attachment_count(m); i++) {
		digest_update(d, "\natt:", 5);
		digest_update(d, msg_attachment(m, i)->sha256, 64);
	}
	char *hex = g_malloc(DIGEST_HEX_LEN + 1);
	digest_finish(d, hex);
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

/* One lookup of the batch: the old-style row first, it may be this very
 * mail; else the oldest row under the same Message-ID. */
#define MID_ONE "id, complaint_id, dedup_key, from_addr FROM messages" \
	" WHERE dedup_key = ? OR message_id = ? ORDER BY dedup_key <=> ? DESC, id LIMIT 1"

/* What one chunk binds: per item the old key (twice) and the id. */
struct mid_chunk {
	MYSQL_BIND in[3 * STORE_UNION_CHUNK];
	char *old[STORE_UNION_CHUNK];
	unsigned long old_len[STORE_UNION_CHUNK], mid_len[STORE_UNION_CHUNK];
	unsigned at[STORE_UNION_CHUNK];  /* index into the caller's array */
};

static void bind_str(MYSQL_BIND *b, const char *v, unsigned long *len)
{
	memset(b, 0, sizeof *b);
	b->buffer_type = MYSQL_TYPE_STRING;
	b->buffer = (void *)v;
	b->buffer_length = *len;
	b->length = len;
}

static void bind_u64(MYSQL_BIND *b, uint64_t *v, my_bool *is_null)
{
	memset(b, 0, sizeof *b);
	b->buffer_type = MYSQL_TYPE_LONGLONG;
	b->buffer = v;
	b->is_unsigned = 1;
	b->is_null = is_null;
}

/* judge - what the row found (key, from) says of q's mail: the same mail
 * when it holds the key older versions gave it and the same sender, or
 * its own key (the key covers sender and content). */
static void judge(struct store_mid *q, const char *old, uint64_t row, uint64_t cid,
		  const char *key, const char *from)
{
	const char *mine = msg_from_addr(q->m);
	bool same = key && ((q->key && !strcmp(key, q->key)) ||
			    (!strcmp(key, old) && from && mine && !g_ascii_strcasecmp(from, mine)));
	q->use = same ? STORE_MID_SAME : STORE_MID_REUSED;
	q->msg_row = row;
	q->complaint_id = cid;
	if (!same)
		q->other_key = g_strdup(key);  /* NULL: a row without a key */
}

/* mid_fetch - read the chunk's rows into the items they answer. */
static int mid_fetch(struct store *s, MYSQL_STMT *st, struct store_mid *q,
		     const struct mid_chunk *c, unsigned n, GError **err)
{
	uint64_t idx = 0, row = 0, cid = 0;
	my_bool cid_null = 0, key_null = 0, from_null = 0;
	char key[80], from[4 * 320 + 1];
	unsigned long key_len = 0, from_len = 0;
	MYSQL_BIND out[5];
	bind_u64(&out[0], &idx, NULL);
	bind_u64(&out[1], &row, NULL);
	bind_u64(&out[2], &cid, &cid_null);
	memset(&out[3], 0, 2 * sizeof out[3]);
	out[3].buffer_type = out[4].buffer_type = MYSQL_TYPE_STRING;
	out[3].buffer = key;
	out[3].buffer_length = sizeof key - 1;
	out[3].length = &key_len;
	out[3].is_null = &key_null;
	out[4].buffer = from;
	out[4].buffer_length = sizeof from - 1;
	out[4].length = &from_len;
	out[4].is_null = &from_null;
	if (mysql_stmt_bind_result(st, out) || mysql_stmt_store_result(st))
		return store_stmt_fail(s, st, "message-id lookup", err);
	int rc;
	while ((rc = mysql_stmt_fetch(st)) == 0 || rc == MYSQL_DATA_TRUNCATED) {
		key[key_null ? 0 : MIN(key_len, sizeof key - 1)] = '\0';
		from[from_null ? 0 : MIN(from_len, sizeof from - 1)] = '\0';
		if (idx < n)
			judge(&q[c->at[idx]], c->old[idx], row, cid_null ? 0 : cid,
			      key_null ? NULL : key, from_null ? NULL : from);
	}
	mysql_stmt_free_result(st);
	return rc == MYSQL_NO_DATA ? 0 : store_stmt_fail(s, st, "message-id lookup", err);
}

/* mid_chunk_run - up to STORE_UNION_CHUNK lookups in one round trip. */
static int mid_chunk_run(struct store *s, struct store_mid *q, struct mid_chunk *c,
			 unsigned n, GError **err)
{
	MYSQL_STMT *st = store_union_stmt(s, STORE_UNION_MID, MID_ONE, n, err);
	if (!st)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		const char *mid = msg_message_id(q[c->at[i]].m);
		c->old_len[i] = (unsigned long)strlen(c->old[i]);
		c->mid_len[i] = (unsigned long)clip_chars(mid, LEN_MSGID);
		bind_str(&c->in[3 * i], c->old[i], &c->old_len[i]);
		bind_str(&c->in[3 * i + 1], mid, &c->mid_len[i]);
		bind_str(&c->in[3 * i + 2], c->old[i], &c->old_len[i]);
	}
	if (mysql_stmt_bind_param(st, c->in) || mysql_stmt_execute(st))
		return store_stmt_fail(s, st, "message-id lookup", err);
	return mid_fetch(s, st, q, c, n, err);
}

int store_find_mid_reuse_many(struct store *s, struct store_mid *q, unsigned n, GError **err)
{
	struct mid_chunk *c = g_new0(struct mid_chunk, 1);
	unsigned k = 0;
	int rc = 0;
	for (unsigned i = 0; i < n; i++) {
		q[i].use = STORE_MID_NEW;
		q[i].msg_row = q[i].complaint_id = 0;
		q[i].other_key = NULL;
	}
	for (unsigned i = 0; i < n && rc == 0; i++) {
		const char *mid = msg_message_id(q[i].m);
		if (mid && *mid && msg_channel(q[i].m) == MSG_CHANNEL_EMAIL) {
			c->at[k] = i;
			c->old[k++] = legacy_key(mid);
		}
		if (k == STORE_UNION_CHUNK || (k && i + 1 == n)) {
			rc = mid_chunk_run(s, q, c, k, err);
			for (unsigned j = 0; j < k; j++)
				g_free(c->old[j]);
			k = 0;
		}
	}
	for (unsigned j = 0; j < k; j++)
		g_free(c->old[j]);
	g_free(c);
	return rc;
}

int store_find_mid_reuse(struct store *s, const struct message *m, uint64_t *msg_row,
			 uint64_t *complaint_id, char **other_key, GError **err)
{
	struct store_mid q = { .m = m };
	if (store_find_mid_reuse_many(s, &q, 1, err) < 0)
		return -1;
	if (msg_row)
		*msg_row = q.msg_row;
	if (complaint_id)
		*complaint_id = q.complaint_id;
	if (other_key)
		*other_key = q.other_key;
	else
		g_free(q.other_key);
	return q.use;
}
