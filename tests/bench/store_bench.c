/* store_bench - ingest throughput of the store against a real MariaDB.
 *
 * Build (until the Makefile has a rule for tests/bench):
 *   make build/libcomplaintd.a
 *   cc -std=c17 -O2 -D_GNU_SOURCE -Isrc $(pkg-config --cflags glib-2.0 \
 *      gmime-3.0 libmariadb) -o build/store_bench tests/bench/store_bench.c \
 *      build/libcomplaintd.a $(pkg-config --libs glib-2.0 gmime-3.0 \
 *      libcurl libpcre2-8 libmariadb libmicrohttpd libsystemd uchardet \
 *      libytnef) -lpthread -lm
 * Run with the CTD_DB_* variables set (tests/integration/start-mariadb.sh):
 *   build/store_bench [messages-per-run]
 *
 * Each message goes through what the daemon does for a new complaint:
 * find_known, new_complaint, add_message (3 KB raw, 1 KB
 * body), add_source, 2 rule hits, 1 event, 1 outbox row (2 KB), grouped
 * into transactions of 1, 10 and 100 messages. It also times bare
 * single-row commits, the ceiling one connection reaches. It writes into
 * the database it is given (migrating it first); use a scratch one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/message.h"
#include "store/store.h"

static struct store *open_store(void)
{
	const char *port = getenv("CTD_DB_PORT");
	struct store_params p = {
		.host = getenv("CTD_DB_HOST"),
		.port = port ? (unsigned)atoi(port) : 3306,
		.user = getenv("CTD_DB_USER"),
		.password = getenv("CTD_DB_PASSWORD"),
		.database = getenv("CTD_DB_NAME"),
	};
	GError *err = NULL;
	struct store *s = store_open(&p, &err);
	if (!s) {
		fprintf(stderr, "store_open: %s\n", err->message);
		exit(1);
	}
	return s;
}

static struct message *make_message(unsigned run, unsigned i)
{
	struct message *m = msg_new(MSG_CHANNEL_EMAIL);
	char *mid = g_strdup_printf("bench-%u-%u-%" G_GINT64_FORMAT "@bench",
				    run, i, g_get_real_time());
	msg_set_message_id(m, mid);
	msg_set_subject(m, "投诉：电饭煲三天就坏了 order 2024050112345");
	msg_set_from(m, "customer@example.com", "张伟");
	msg_add_recipient(m, "complaints@shop.example");
	msg_set_date(m, 1714564800);
	GString *body = g_string_new(NULL);
	while (body->len < 1024)
		g_string_append(body, "您好，我在贵公司购买的电饭煲使用三天后就坏了。");
	msg_set_text(m, body->str);
	GString *raw = g_string_new(NULL);
	g_string_append_printf(raw, "Message-ID: <%s>\r\n", mid);
	while (raw->len < 3072)
		g_string_append(raw, "Received: from mx.example by mx.shop\r\n");
	GBytes *b = g_bytes_new(raw->str, raw->len);
	msg_set_raw(m, b);
	g_bytes_unref(b);
	g_string_free(raw, TRUE);
	g_string_free(body, TRUE);
	g_free(mid);
	return m;
}

/* a fresh UIDVALIDITY per process keeps runs apart */
static uint32_t next_uid = 1, uidvalidity;

static int ingest_one(struct store *s, struct message *m, uint32_t uid,
		      const char *ack, size_t ack_len, int64_t now,
		      GError **err)
{
	uint64_t cid, row;
	char ref[STORE_REF_MAX];
	char *key = store_dedup_key(m);
	int rc = -1;
	if (store_find_known(s, "INBOX", uidvalidity, uid, key, NULL, NULL, err) != 0)
		goto out;
	if (store_new_complaint(s, m, "quality", 'B', "quality-dept", "BENCH",
				now, &cid, ref, sizeof ref, err) < 0 ||
	    store_add_message(s, cid, m, "in", now, false, &row, err) < 0 ||
	    store_add_source(s, "INBOX", uidvalidity, uid, row, now, err) < 0 ||
	    store_add_hit(s, cid, row, "quality/broken", "body", "坏了",
			  "category=quality", err) < 0 ||
	    store_add_hit(s, cid, row, "severity/b", "body", "12315",
			  "severity=B", err) < 0 ||
	    store_add_event(s, cid, now, "system", "received", ref, err) < 0)
		goto out;
	char mid[64];
	snprintf(mid, sizeof mid, "ack-%s@shop.example", ref);
	rc = store_outbox_add(s, cid, "ack", "complaints@shop.example",
			      "customer@example.com", mid, ack, ack_len, now,
			      NULL, err);
out:
	g_free(key);
	return rc;
}


static double run_batches(struct store *s, unsigned run, unsigned total,
			  unsigned batch, bool reserve)
{
	GPtrArray *msgs = g_ptr_array_new();
	for (unsigned i = 0; i < total; i++)
		g_ptr_array_add(msgs, make_message(run, i));
	char ack[2048];
	memset(ack, 'a', sizeof ack);
	int64_t now = g_get_real_time() / G_USEC_PER_SEC;
	GError *err = NULL;
	gint64 t0 = g_get_monotonic_time();
	for (unsigned i = 0; i < total; i += batch) {
		unsigned n = MIN(batch, total - i);
		if ((reserve && store_reserve_refs(s, "BENCH", now, n, &err) < 0) ||
		    store_begin(s, &err) < 0)
			goto fail;
		for (unsigned k = 0; k < n; k++)
			if (ingest_one(s, msgs->pdata[i + k], next_uid++, ack,
				       sizeof ack, now, &err) < 0)
				goto fail;
		if (store_commit(s, &err) < 0)
			goto fail;
	}
	double secs = (double)(g_get_monotonic_time() - t0) / 1e6;
	for (unsigned i = 0; i < total; i++) {
		struct message *m = msgs->pdata[i];
		msg_free(&m);
	}
	g_ptr_array_unref(msgs);
	return total / secs;
fail:
	fprintf(stderr, "bench: %s\n", err ? err->message : "unexpected row");
	exit(1);
}

static double bare_commits(struct store *s, unsigned n)
{
	GError *err = NULL;
	uint64_t cid;
	char ref[STORE_REF_MAX];
	struct message *m = make_message(9999, 0);
	int64_t now = g_get_real_time() / G_USEC_PER_SEC;
	if (store_new_complaint(s, m, "other", 'C', NULL, "BARE", now, &cid,
				ref, sizeof ref, &err) < 0)
		goto fail;
	gint64 t0 = g_get_monotonic_time();
	for (unsigned i = 0; i < n; i++)   /* autocommit: one row, one commit */
		if (store_add_event(s, cid, now, "bench", "tick", NULL, &err) < 0)
			goto fail;
	msg_free(&m);
	return n / ((double)(g_get_monotonic_time() - t0) / 1e6);
fail:
	fprintf(stderr, "bench: %s\n", err->message);
	exit(1);
}

int main(int argc, char **argv)
{
	unsigned total = argc > 1 ? (unsigned)atoi(argv[1]) : 3000;
	if (!getenv("CTD_DB_HOST")) {
		fprintf(stderr, "store_bench: set CTD_DB_* (start-mariadb.sh)\n");
		return 2;
	}
	struct store *s = open_store();
	GError *err = NULL;
	if (store_migrate(s, NULL, &err) < 0) {
		fprintf(stderr, "migrate: %s\n", err->message);
		return 1;
	}
	uidvalidity = g_random_int_range(1, G_MAXINT32);
	printf("store_bench: %u messages per run, 8 calls per message (hits/events deferred)\n",
	       total);
	printf("bare single-row commits: %.0f/s\n", bare_commits(s, total));
	const unsigned sizes[] = { 1, 10, 100 };
	for (unsigned k = 0; k < G_N_ELEMENTS(sizes); k++)
		printf("batch %3u: %6.0f msgs/s (counter row)  %6.0f msgs/s "
		       "(reserved refs)\n", sizes[k],
		       run_batches(s, k * 2, total, sizes[k], false),
		       run_batches(s, k * 2 + 1, total, sizes[k], true));
	store_close(&s);
	return 0;
}
