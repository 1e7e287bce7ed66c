/* test_store - the store against a real MariaDB.
 *
 * The server comes from CTD_DB_HOST, CTD_DB_PORT, CTD_DB_USER,
 * CTD_DB_PASSWORD, CTD_DB_NAME (tests/integration/start-mariadb.sh prints
 * them). THE TESTS DROP EVERY complaintd TABLE IN THAT DATABASE FIRST.
 * With CTD_DB_RESTART_CMD set (run_store_tests.py and start-mariadb.sh set
 * it) one test also restarts the server and checks that store_ping
 * reconnects. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <mysql.h>

#include "mail/message.h"
#include "store/migrations.h"
#include "store/store-private.h"
#include "store/store.h"
#include "store/store_facts.h"

#define T0 1714564800  /* 2024-05-01 12:00:00 UTC = 20:00 in Shanghai */

static struct store_params params;

static struct store *open_store(void)
{
	GError *err = NULL;
	struct store *s = store_open(&params, &err);
	if (!s)
		fail_msg("store_open: %s", err->message);
	return s;
}

/* direct connection for checks the store API does not offer */
static MYSQL *raw_connect(void)
{
	MYSQL *db = mysql_init(NULL);
	mysql_options(db, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	if (!mysql_real_connect(db, params.host, params.user, params.password,
				params.database, params.port, NULL, 0))
		fail_msg("connect: %s", mysql_error(db));
	return db;
}

/* raw_get - first column of the first row of sql, newly allocated; NULL
 * for no row or SQL NULL. *len gets the byte length. Test SQL only. */
static char *raw_get(const char *sql, size_t *len)
{
	MYSQL *db = raw_connect();
	if (mysql_query(db, sql))
		fail_msg("%s: %s", sql, mysql_error(db));
	MYSQL_RES *res = mysql_store_result(db);
	MYSQL_ROW row = res ? mysql_fetch_row(res) : NULL;
	char *v = NULL;
	if (row && row[0]) {
		unsigned long *lens = mysql_fetch_lengths(res);
		v = g_malloc(lens[0] + 1);
		memcpy(v, row[0], lens[0]);
		v[lens[0]] = '\0';
		if (len)
			*len = lens[0];
	}
	if (res)
		mysql_free_result(res);
	mysql_close(db);
	return v;
}

static char *raw_getf(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static char *raw_getf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *sql = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	char *v = raw_get(sql, NULL);
	g_free(sql);
	return v;
}

static long raw_count(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static long raw_count(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *sql = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	char *v = raw_get(sql, NULL);
	long n = v ? atol(v) : -1;
	g_free(v);
	g_free(sql);
	return n;
}

static void drop_all(void)
{
	MYSQL *db = raw_connect();
	const char *tables[] = { "message_raw", "message_sources", "attachments", "rule_hits",
		"events", "outbox", "messages", "complaints", "ref_counters",
		"mailboxes", "suppressions", "quarantine", "schema_migrations" };
	for (size_t i = 0; i < G_N_ELEMENTS(tables); i++) {
		char *sql = g_strdup_printf("DROP TABLE IF EXISTS %s", tables[i]);
		if (mysql_query(db, sql))
			fail_msg("%s: %s", sql, mysql_error(db));
		g_free(sql);
	}
	mysql_close(db);
}

static struct message *mk_msg(const char *mid, const char *subject,
			      const char *body)
{
	struct message *m = msg_new(MSG_CHANNEL_EMAIL);
	if (mid)
		msg_set_message_id(m, mid);
	msg_set_subject(m, subject);
	msg_set_from(m, "kunde@example.com", "Kunde");
	msg_add_recipient(m, "complaints@shop.example");
	msg_set_date(m, T0 - 60);
	msg_set_text(m, body);
	char *src = g_strdup_printf("Message-ID: <%s>\r\nSubject: x\r\n\r\n"
				    "%s\r\n", mid ? mid : "", body);
	GBytes *raw = g_bytes_new_take(src, strlen(src));
	msg_set_raw(m, raw);
	g_bytes_unref(raw);
	return m;
}

/* ingest - one complaint with its message in a transaction of its own. */
static void ingest(struct store *s, struct message *m, const char *prefix,
		   uint64_t *cid, uint64_t *row, char *ref)
{
	GError *err = NULL;
	if (store_begin(s, &err) < 0 ||
	    store_new_complaint(s, m, "quality", 'B', NULL, prefix, T0, cid,
				ref, STORE_REF_MAX, &err) < 0 ||
	    store_add_message(s, *cid, m, "in", T0, false, row, &err) < 0 ||
	    store_commit(s, &err) < 0)
		fail_msg("ingest: %s", err->message);
}

/* ---- schema ----------------------------------------------------------------- */

struct mig_run { int applied; int rc; };

static gpointer migrate_thread(gpointer data)
{
	struct mig_run *r = data;
	GError *err = NULL;
	struct store *s = open_store();
	r->rc = store_migrate(s, &r->applied, &err);
	if (err)
		g_error_free(err);
	store_close(&s);
	return NULL;
}

static void test_migrate(void **state)
{
	GError *err = NULL;
	int cur = -1, latest = -1, applied = -1;
	drop_all();
	struct store *s = open_store();
	assert_int_equal(store_schema_version(s, &cur, &latest, &err), 0);
	assert_int_equal(cur, 0);
	assert_int_equal(latest, migrations_latest());
	assert_true(latest >= 1);

	/* two at once: the lock makes one do the work, both succeed */
	struct mig_run a = { 0, 0 }, b = { 0, 0 };
	GThread *ta = g_thread_new("mig-a", migrate_thread, &a);
	GThread *tb = g_thread_new("mig-b", migrate_thread, &b);
	g_thread_join(ta);
	g_thread_join(tb);
	assert_int_equal(a.rc, 0);
	assert_int_equal(b.rc, 0);
	unsigned n_migrations = 0;
	migrations_list(&n_migrations);  /* versions may skip numbers */
	assert_int_equal(a.applied + b.applied, n_migrations);

	assert_int_equal(store_migrate(s, &applied, &err), 0);
	assert_int_equal(applied, 0);
	assert_int_equal(store_schema_version(s, &cur, NULL, &err), 0);
	assert_int_equal(cur, latest);
	assert_int_equal(raw_count("SELECT COUNT(*) FROM schema_migrations"),
			 n_migrations);
	store_close(&s);
}

static void raw_exec(const char *sql)
{
	MYSQL *db = raw_connect();
	if (mysql_query(db, sql))
		fail_msg("%s: %s", sql, mysql_error(db));
	mysql_close(db);
}

static void check_raw(struct store *s, uint64_t row, const char *want, size_t len)
{
	GError *err = NULL;
	struct store_stored_message *got = NULL;
	assert_int_equal(store_get_message(s, row, &got, &err), 1);
	if (!want) {
		assert_null(got->raw);
	} else {
		assert_non_null(got->raw);
		gsize n = 0;
		const char *d = g_bytes_get_data(got->raw, &n);
		assert_int_equal(n, len);
		assert_memory_equal(d, want, len);
	}
	store_stored_message_free(got);
}

/* A message's raw source lives in message_raw: a small one goes with the
 * transaction's deferred rows, a big one (over 64 KB) at once, a message
 * without a source has no row; store_get_message reads either; a rollback
 * leaves none. A database from before the table (raw in messages) gets
 * its sources moved by the migration, and the column dropped. */
static void test_raw_table(void **state)
{
	struct store *s = open_store();
	GError *err = NULL;
	char ref[STORE_REF_MAX];
	uint64_t cid, small_row, big_row, none_row;
	struct message *small = mk_msg("raw-small@t", "small", "body");
	ingest(s, small, "RW", &cid, &small_row, ref);
	gsize small_len = 0;
	const char *small_src = g_bytes_get_data(msg_raw(small), &small_len);
	check_raw(s, small_row, small_src, small_len);

	enum { BIG = 100 * 1024 };
	char *big_body = g_malloc(BIG + 1);
	memset(big_body, 'x', BIG);
	big_body[BIG] = '\0';
	struct message *big = mk_msg("raw-big@t", "big", big_body);
	ingest(s, big, "RW", &cid, &big_row, ref);
	gsize big_len = 0;
	const char *big_src = g_bytes_get_data(msg_raw(big), &big_len);
	assert_true(big_len > BIG);
	check_raw(s, big_row, big_src, big_len);

	struct message *none = mk_msg("raw-none@t", "none", "body");
	msg_set_raw(none, NULL);
	ingest(s, none, "RW", &cid, &none_row, ref);
	check_raw(s, none_row, NULL, 0);
	assert_int_equal(raw_count("SELECT COUNT(*) FROM message_raw WHERE message_row_id"
				   " IN (%llu, %llu, %llu)", (unsigned long long)small_row,
				   (unsigned long long)big_row, (unsigned long long)none_row), 2);

	/* rolled back: neither the small (deferred) nor the big (at once) */
	struct message *gone[2] = { mk_msg("raw-rb1@t", "rb", "body"),
				    mk_msg("raw-rb2@t", "rb", big_body) };
	assert_int_equal(store_begin(s, &err), 0);
	assert_int_equal(store_new_complaint(s, gone[0], "quality", 'B', NULL, "RW", T0,
					     &cid, ref, sizeof ref, &err), 0);
	for (unsigned i = 0; i < 2; i++)
		assert_int_equal(store_add_message(s, cid, gone[i], "in", T0, false, NULL,
						   &err), 0);
	store_rollback(s);
	assert_int_equal(raw_count("SELECT COUNT(*) FROM message_raw r JOIN messages m"
				   " ON m.id = r.message_row_id WHERE m.message_id LIKE"
				   " 'raw-rb%%'"), 0);

	/* the schema before: raw in messages, no message_raw rows */
	raw_exec("DELETE FROM message_raw");
	raw_exec("ALTER TABLE messages ADD COLUMN raw LONGBLOB NULL");
	char *sql = g_strdup_printf("UPDATE messages SET raw = CONCAT('old source ', id)"
				    " WHERE id IN (%llu, %llu)",
				    (unsigned long long)small_row, (unsigned long long)big_row);
	raw_exec(sql);
	g_free(sql);
	raw_exec("DELETE FROM schema_migrations WHERE version = 19");
	int applied = 0;
	assert_int_equal(store_migrate(s, &applied, &err), 0);
	assert_int_equal(applied, 1);
	char *want = g_strdup_printf("old source %llu", (unsigned long long)big_row);
	check_raw(s, big_row, want, strlen(want));
	g_free(want);
	check_raw(s, none_row, NULL, 0);
	assert_int_equal(raw_count("SELECT COUNT(*) FROM information_schema.columns WHERE"
				   " table_schema = DATABASE() AND table_name = 'messages'"
				   " AND column_name = 'raw'"), 0);
	/* run again (a replay): nothing to copy, nothing fails */
	raw_exec("DELETE FROM schema_migrations WHERE version = 19");
	assert_int_equal(store_migrate(s, &applied, &err), 0);
	assert_int_equal(raw_count("SELECT COUNT(*) FROM message_raw WHERE message_row_id"
				   " IN (%llu, %llu, %llu)", (unsigned long long)small_row,
				   (unsigned long long)big_row, (unsigned long long)none_row), 2);

	for (unsigned i = 0; i < 2; i++)
		msg_free(&gone[i]);
	msg_free(&small);
	msg_free(&big);
	msg_free(&none);
	g_free(big_body);
	store_close(&s);
}

/* ---- references ----------------------------------------------------------------- */

static void test_ref_format(void **state)
{
	struct store *s = open_store();
	struct message *m = mk_msg("ref-format@t", "s", "b");
	char ref[STORE_REF_MAX], ref2[STORE_REF_MAX];
	uint64_t id, id2;
	GError *err = NULL;

	assert_int_equal(store_new_complaint(s, m, "quality", 'A', "qa",
		"FMT", T0, &id, ref, sizeof ref, &err), 0);
	/* 12:00 UTC is 20:00 the same day in Shanghai */
	assert_string_equal(ref, "FMT-20240501-0001");
	assert_int_equal(store_new_complaint(s, m, "quality", 'A', NULL,
		"FMT", T0 + 5 * 3600, &id2, ref2, sizeof ref2, &err), 0);
	/* 17:00 UTC is 01:00 the next day there: a new counter */
	assert_string_equal(ref2, "FMT-20240502-0001");
	assert_int_equal(store_new_complaint(s, m, "quality", 'A', NULL,
		"FMT", T0, &id2, ref2, sizeof ref2, &err), 0);
	assert_string_equal(ref2, "FMT-20240501-0002");
	assert_true(id2 > id);

	uint64_t found = 0;
	char *status = NULL;
	assert_int_equal(store_find_ref(s, "FMT-20240501-0002", &found,
					&status, &err), 1);
	assert_int_equal(found, id2);
	assert_string_equal(status, "new");
	g_free(status);
	assert_int_equal(store_find_ref(s, "FMT-20240501-0099", &found, NULL,
					&err), 0);

	/* bad input is refused before anything is written */
	assert_int_equal(store_new_complaint(s, m, "quality", 'A', NULL,
		"BAD-PREFIX", T0, &id, ref, sizeof ref, &err), -1);
	g_clear_error(&err);
	assert_int_equal(store_new_complaint(s, m, "quality", 'D', NULL,
		"FMT", T0, &id, ref, sizeof ref, &err), -1);
	g_clear_error(&err);
	msg_free(&m);
	store_close(&s);
}

struct ref_run { GPtrArray *refs; int batches; int per_batch; };

static gpointer ref_thread(gpointer data)
{
	struct ref_run *r = data;
	struct store *s = open_store();
	struct message *m = mk_msg(NULL, "concurrent", "b");
	GError *err = NULL;
	for (int b = 0; b < r->batches; b++) {
		if (store_begin(s, &err) < 0)
			break;
		for (int i = 0; i < r->per_batch; i++) {
			char ref[STORE_REF_MAX];
			uint64_t id;
			if (store_new_complaint(s, m, "price", 'C', NULL, "CONC",
						T0, &id, ref, sizeof ref, &err) < 0)
				goto out;
			g_ptr_array_add(r->refs, g_strdup(ref));
		}
		if (store_commit(s, &err) < 0)
			break;
	}
out:
	if (err) {
		fprintf(stderr, "ref_thread: %s\n", err->message);
		g_error_free(err);
	}
	msg_free(&m);
	store_close(&s);
	return NULL;
}

static void test_ref_concurrent(void **state)
{
	struct ref_run a = { g_ptr_array_new_with_free_func(g_free), 20, 10 };
	struct ref_run b = { g_ptr_array_new_with_free_func(g_free), 20, 10 };
	GThread *ta = g_thread_new("ref-a", ref_thread, &a);
	GThread *tb = g_thread_new("ref-b", ref_thread, &b);
	g_thread_join(ta);
	g_thread_join(tb);
	assert_int_equal(a.refs->len, 200);
	assert_int_equal(b.refs->len, 200);

	/* every number 1..400 exactly once */
	bool seen[401] = { false };
	GPtrArray *all[] = { a.refs, b.refs };
	for (int k = 0; k < 2; k++) {
		for (unsigned i = 0; i < all[k]->len; i++) {
			const char *ref = all[k]->pdata[i];
			assert_true(g_str_has_prefix(ref, "CONC-20240501-"));
			int no = atoi(ref + strlen("CONC-20240501-"));
			assert_true(no >= 1 && no <= 400);
			assert_false(seen[no]);
			seen[no] = true;
		}
	}
	assert_int_equal(raw_count("SELECT COUNT(DISTINCT ref) FROM complaints"
				   " WHERE ref LIKE 'CONC-%%'"), 400);
	g_ptr_array_unref(a.refs);
	g_ptr_array_unref(b.refs);
}

static void test_reserve_refs(void **state)
{
	struct store *s = open_store(), *t = open_store();
	struct message *m = mk_msg(NULL, "r", "b");
	char ref[STORE_REF_MAX];
	uint64_t id;
	GError *err = NULL;

	assert_int_equal(store_reserve_refs(s, "RSV", T0, 3, &err), 0);
	/* another daemon allocating meanwhile gets a number after the block */
	assert_int_equal(store_new_complaint(t, m, "price", 'C', NULL, "RSV",
					     T0, &id, ref, sizeof ref, &err), 0);
	assert_string_equal(ref, "RSV-20240501-0004");
	assert_int_equal(store_begin(s, &err), 0);
	assert_int_equal(store_reserve_refs(s, "RSV", T0, 3, &err), -1);
	g_clear_error(&err);
	const char *want[] = { "RSV-20240501-0001", "RSV-20240501-0002",
			       "RSV-20240501-0003", "RSV-20240501-0005" };
	for (int i = 0; i < 4; i++) {
		assert_int_equal(store_new_complaint(s, m, "price", 'C', NULL,
			"RSV", T0, &id, ref, sizeof ref, &err), 0);
		assert_string_equal(ref, want[i]);
	}
	assert_int_equal(store_commit(s, &err), 0);
	msg_free(&m);
	store_close(&s);
	store_close(&t);
}

/* ---- ingest, rollback, dedup, sources ---------------------------------------------- */

static void test_rollback_leaves_nothing(void **state)
{
	struct store *s = open_store();
	struct message *m = mk_msg("rollback@t", "rolled back", "body");
	char ref[STORE_REF_MAX];
	uint64_t cid, row, ob;
	GError *err = NULL;

	assert_int_equal(store_begin(s, &err), 0);
	assert_true(store_in_transaction(s));
	assert_int_equal(store_new_complaint(s, m, "service", 'C', NULL, "RB",
					     T0, &cid, ref, sizeof ref, &err), 0);
	assert_int_equal(store_add_message(s, cid, m, "in", T0, false, &row,
					   &err), 0);
	assert_int_equal(store_add_source(s, "INBOX", 1, 1, row, T0, &err), 0);
	assert_int_equal(store_add_hit(s, cid, row, "r1", "subject", "x", "cat",
				       &err), 0);
	assert_int_equal(store_add_event(s, cid, T0, "system", "received", NULL,
					 &err), 0);
	assert_int_equal(store_outbox_add(s, cid, "ack", "a@b", "c@d", "ack-rb@t",
					  "raw", 3, T0, &ob, &err), 0);
	store_rollback(s);
	assert_false(store_in_transaction(s));

	char *key = store_dedup_key(m);
	assert_int_equal(store_find_dedup(s, key, NULL, NULL, &err), 0);
	assert_int_equal(store_find_source(s, "INBOX", 1, 1, NULL, NULL, &err), 0);
	assert_int_equal(store_find_ref(s, ref, NULL, NULL, &err), 0);
	assert_int_equal(raw_count("SELECT COUNT(*) FROM complaints WHERE"
				   " ref LIKE 'RB-%%'"), 0);
	assert_int_equal(raw_count("SELECT COUNT(*) FROM outbox WHERE"
				   " message_id = 'ack-rb@t'"), 0);
	assert_int_equal(raw_count("SELECT COUNT(*) FROM rule_hits WHERE"
				   " rule = 'r1'"), 0);
	g_free(key);
	msg_free(&m);
	store_close(&s);
}

static void test_dedup(void **state)
{
	struct store *s = open_store();
	struct message *m = mk_msg("Dup.Check@Example.COM", "dup", "body");
	struct message *again = mk_msg("dup.check@example.com", "dup", "body");
	/* the same Message-ID on other content is another mail (issue 10.6) */
	struct message *reuse = mk_msg("Dup.Check@Example.COM", "dup", "other");
	struct message *noid = mk_msg(NULL, "no id", "body");
	struct message *empty = msg_new(MSG_CHANNEL_WEB);
	char ref[STORE_REF_MAX];
	uint64_t cid, row, frow = 0, fcid = 0;
	GError *err = NULL;

	char *k1 = store_dedup_key(m), *k2 = store_dedup_key(again);
	char *k3 = store_dedup_key(noid), *k4 = store_dedup_key(empty);
	assert_non_null(k1);
	assert_int_equal(strlen(k1), 64);
	assert_string_equal(k1, k2);   /* Message-ID compared case-blind */
	assert_non_null(k3);
	assert_string_not_equal(k1, k3);
	assert_null(k4);
	/* the documented formula */
	char *content = store_content_hash(m);
	char *in = g_strconcat("mid:dup.check@example.com\ncontent:", content, NULL);
	char *want = g_compute_checksum_for_string(G_CHECKSUM_SHA256, in, -1);
	assert_string_equal(k1, want);
	g_free(want);
	g_free(in);
	g_free(content);
	char *k5 = store_dedup_key(reuse);
	assert_string_not_equal(k1, k5);
	assert_int_equal(store_find_mid_reuse(s, m, NULL, NULL, NULL, &err), STORE_MID_NEW);

	assert_int_equal(store_find_dedup(s, k1, &frow, &fcid, &err), 0);
	ingest(s, m, "DUP", &cid, &row, ref);
	assert_int_equal(store_find_dedup(s, k2, &frow, &fcid, &err), 1);
	assert_int_equal(frow, row);
	assert_int_equal(fcid, cid);

	/* the reuse: found by its Message-ID, not by its key */
	char *other = NULL;
	frow = 0;
	assert_int_equal(store_find_dedup(s, k5, NULL, NULL, &err), 0);
	assert_int_equal(store_find_mid_reuse(s, reuse, &frow, NULL, &other, &err),
			 STORE_MID_REUSED);
	assert_int_equal(frow, row);
	assert_string_equal(other, k1);
	g_free(other);
	g_free(k5);

	/* storing it again is refused as a duplicate, distinctly */
	assert_int_equal(store_begin(s, &err), 0);
	assert_int_equal(store_add_message(s, cid, again, "in", T0, false, &row,
					   &err), -1);
	assert_true(g_error_matches(err, STORE_ERROR, STORE_ERROR_DUPLICATE));
	g_clear_error(&err);
	store_rollback(s);

	/* no Message-ID: the raw digest keys it */
	ingest(s, noid, "DUP", &cid, &row, ref);
	assert_int_equal(store_find_dedup(s, k3, &frow, NULL, &err), 1);
	assert_int_equal(frow, row);

	g_free(k1); g_free(k2); g_free(k3); g_free(k4);
	msg_free(&m); msg_free(&again); msg_free(&noid); msg_free(&empty);
	msg_free(&reuse);
	store_close(&s);
}

static void test_sources(void **state)
{
	struct store *s = open_store();
	struct message *m = mk_msg("sources@t", "src", "body");
	char ref[STORE_REF_MAX];
	uint64_t cid, row, frow = 0, fcid = 0;
	GError *err = NULL;

	ingest(s, m, "SRC", &cid, &row, ref);
	assert_int_equal(store_find_source(s, "INBOX", 77, 42, &frow, &fcid,
					   &err), 0);
	assert_int_equal(store_add_source(s, "INBOX", 77, 42, row, T0, &err), 0);
	assert_int_equal(store_find_source(s, "INBOX", 77, 42, &frow, &fcid,
					   &err), 1);
	assert_int_equal(frow, row);
	assert_int_equal(fcid, cid);
	/* the same mail in a second mailbox: one message, two sources */
	assert_int_equal(store_add_source(s, "Archive/2024", 5, 42, row, T0,
					  &err), 0);
	assert_int_equal(store_find_source(s, "Archive/2024", 5, 42, &frow, NULL,
					   &err), 1);
	assert_int_equal(frow, row);
	/* different UIDVALIDITY or case of mailbox name: not the same */
	assert_int_equal(store_find_source(s, "INBOX", 78, 42, NULL, NULL, &err), 0);
	assert_int_equal(store_find_source(s, "inbox", 77, 42, NULL, NULL, &err), 0);
	assert_int_equal(store_add_source(s, "INBOX", 77, 42, row, T0, &err), -1);
	assert_true(g_error_matches(err, STORE_ERROR, STORE_ERROR_DUPLICATE));
	g_clear_error(&err);
	/* a source must point at a real message */
	assert_int_equal(store_add_source(s, "INBOX", 77, 43, 999999999, T0,
					  &err), -1);
	assert_true(g_error_matches(err, STORE_ERROR, STORE_ERROR_CONSTRAINT));
	g_clear_error(&err);

	/* threading finds the complaint from the Message-ID */
	uint64_t tc = 0;
	assert_int_equal(store_find_thread(s, "sources@t", &tc, &err), 1);
	assert_int_equal(tc, cid);
	assert_int_equal(store_find_thread(s, "SOURCES@t", &tc, &err), 0);
	msg_free(&m);
	store_close(&s);
}

static void test_find_known(void **state)
{
	struct store *s = open_store();
	struct message *m = mk_msg("known@t", "k", "body");
	char ref[STORE_REF_MAX];
	uint64_t cid, row, frow = 0, fcid = 0;
	GError *err = NULL;
	char *key = store_dedup_key(m);

	assert_int_equal(store_find_known(s, "INBOX", 9, 1, key, &frow, &fcid,
					  &err), 0);
	ingest(s, m, "KN", &cid, &row, ref);
	/* copy in another mailbox: known by dedup key only */
	assert_int_equal(store_find_known(s, "Other", 9, 1, key, &frow, &fcid,
					  &err), 2);
	assert_int_equal(frow, row);
	assert_int_equal(fcid, cid);
	assert_int_equal(store_add_source(s, "Other", 9, 1, row, T0, &err), 0);
	/* now known as a source (which wins over the key) */
	assert_int_equal(store_find_known(s, "Other", 9, 1, key, &frow, &fcid,
					  &err), 1);
	assert_int_equal(store_find_known(s, "Other", 9, 1, NULL, &frow, NULL,
					  &err), 1);
	assert_int_equal(frow, row);
	assert_int_equal(store_find_known(s, "Other", 9, 2, NULL, NULL, NULL,
					  &err), 0);
	g_free(key);
	msg_free(&m);
	store_close(&s);
}

/* A server with max_allowed_packet 1 MB: 24 deferred sources of ~60 KB
 * (1.4 MB together) are split into statements that fit; in one statement
 * the server would drop the connection and the transaction fail. */
static void test_deferred_packet_limit(void **state)
{
	char *was = raw_get("SELECT @@GLOBAL.max_allowed_packet", NULL);
	raw_exec("SET GLOBAL max_allowed_packet = 1048576");
	struct store *s = open_store();
	GError *err = NULL;
	char ref[STORE_REF_MAX];
	uint64_t cid;
	enum { N = 24, SIZE = 60 * 1024 };
	char *body = g_malloc(SIZE + 1);
	memset(body, 'p', SIZE);
	body[SIZE] = '\0';
	struct message *m[N];
	for (unsigned i = 0; i < N; i++) {
		char mid[32];
		g_snprintf(mid, sizeof mid, "packet-%u@t", i);
		m[i] = mk_msg(mid, "packet", body);
	}
	assert_int_equal(store_begin(s, &err), 0);
	assert_int_equal(store_new_complaint(s, m[0], "quality", 'B', NULL, "PK", T0, &cid,
					     ref, sizeof ref, &err), 0);
	for (unsigned i = 0; i < N; i++)
		assert_int_equal(store_add_message(s, cid, m[i], "in", T0, false, NULL, &err), 0);
	int rc = store_commit(s, &err);
	char *restore = g_strdup_printf("SET GLOBAL max_allowed_packet = %s", was);
	raw_exec(restore);
	g_free(restore);
	if (rc < 0)
		fail_msg("commit: %s", err->message);
	assert_int_equal(raw_count("SELECT COUNT(*) FROM message_raw r JOIN messages m"
				   " ON m.id = r.message_row_id WHERE m.complaint_id = %llu"
				   " AND LENGTH(r.raw) > %d", (unsigned long long)cid, SIZE), N);
	for (unsigned i = 0; i < N; i++)
		msg_free(&m[i]);
	g_free(body);
	g_free(was);
	store_close(&s);
}

static void test_deferred_rows(void **state)
{
	struct store *s = open_store();
	struct message *m = mk_msg("deferred@t", "d", "body");
	char ref[STORE_REF_MAX];
	uint64_t cid, row;
	GError *err = NULL;
	ingest(s, m, "DEF", &cid, &row, ref);

	/* 70 hits and 33 events: three and two chunks */
	assert_int_equal(store_begin(s, &err), 0);
	for (int i = 0; i < 70; i++) {
		char rule[32];
		snprintf(rule, sizeof rule, "deferred/%02d", i);
		assert_int_equal(store_add_hit(s, cid, i % 2 ? row : 0, rule,
			"body", i % 3 ? "坏了 😡 ');--" : NULL, "x", &err), 0);
	}
	for (int i = 0; i < 33; i++)
		assert_int_equal(store_add_event(s, cid, T0 + i, "系统", "tick",
			i % 2 ? "详情 🐼" : NULL, &err), 0);
	/* nothing reaches the server before commit */
	assert_int_equal(raw_count("SELECT COUNT(*) FROM rule_hits WHERE rule"
				   " LIKE 'deferred/%%'"), 0);
	assert_int_equal(store_commit(s, &err), 0);
	assert_int_equal(raw_count("SELECT COUNT(*) FROM rule_hits WHERE rule"
				   " LIKE 'deferred/%%'"), 70);
	assert_int_equal(raw_count("SELECT COUNT(*) FROM rule_hits WHERE rule"
				   " LIKE 'deferred/%%' AND message_row_id IS NULL"), 35);
	assert_int_equal(raw_count("SELECT COUNT(*) FROM rule_hits WHERE rule"
				   " LIKE 'deferred/%%' AND matched IS NULL"), 24);
	char *v = raw_get("SELECT matched FROM rule_hits WHERE rule ="
			  " 'deferred/01'", NULL);
	assert_string_equal(v, "坏了 😡 ');--");
	g_free(v);
	v = raw_getf("SELECT CONCAT_WS('|', MIN(at), MAX(at), COUNT(*),"
		     " COUNT(detail), MAX(actor), MAX(detail)) FROM events"
		     " WHERE complaint_id = %llu AND kind = 'tick'",
		     (unsigned long long)cid);
	assert_string_equal(v, "2024-05-01 12:00:00.000000|"
			    "2024-05-01 12:00:32.000000|33|16|系统|详情 🐼");
	g_free(v);

	/* a bad deferred row fails the commit, and nothing of the batch stays */
	assert_int_equal(store_begin(s, &err), 0);
	assert_int_equal(store_set_status(s, cid, "in_progress", T0, &err), 0);
	assert_int_equal(store_add_event(s, 999999999, T0, "x", "bad", NULL,
					 &err), 0);
	assert_int_equal(store_commit(s, &err), -1);
	assert_true(g_error_matches(err, STORE_ERROR, STORE_ERROR_CONSTRAINT));
	g_clear_error(&err);
	store_rollback(s);
	char *status = NULL;
	assert_int_equal(store_find_ref(s, ref, NULL, &status, &err), 1);
	assert_string_equal(status, "new");
	g_free(status);
	/* and a rolled-back batch's deferred rows are not sent later */
	assert_int_equal(store_begin(s, &err), 0);
	assert_int_equal(store_add_hit(s, cid, row, "deferred/gone", "", NULL,
				       "", &err), 0);
	store_rollback(s);
	assert_int_equal(store_begin(s, &err), 0);
	assert_int_equal(store_commit(s, &err), 0);
	assert_int_equal(raw_count("SELECT COUNT(*) FROM rule_hits WHERE rule"
				   " = 'deferred/gone'"), 0);
	msg_free(&m);
	store_close(&s);
}

/* The batch's Message-ID lookups: 40 mails, more than one round trip's 32,
 * in an order that mixes every answer, each answer at its own mail. */
static void test_mid_reuse_many(void **state)
{
	struct store *s = open_store();
	struct message *old = mk_msg("batch-old@t", "o", "old body");
	struct message *cur = mk_msg("batch-cur@t", "c", "cur body");
	char ref[STORE_REF_MAX];
	uint64_t ocid, orow, ccid, crow;
	GError *err = NULL;
	ingest(s, old, "BAT", &ocid, &orow, ref);
	ingest(s, cur, "BAT", &ccid, &crow, ref);
	/* as an older version stored it: the key of the Message-ID alone */
	MYSQL *db = raw_connect();
	char *sql = g_strdup_printf("UPDATE messages SET dedup_key = SHA2(CONCAT('mid:',"
				    " LOWER(message_id)), 256) WHERE id = %llu",
				    (unsigned long long)orow);
	if (mysql_query(db, sql))
		fail_msg("%s: %s", sql, mysql_error(db));
	g_free(sql);
	mysql_close(db);
	char *old_key = raw_getf("SELECT dedup_key FROM messages WHERE id = %llu",
				 (unsigned long long)orow);
	char *cur_key = store_dedup_key(cur);

	enum { N = 40 };
	struct message *m[N];
	struct store_mid q[N];
	for (int i = 0; i < N; i++) {
		char mid[64];
		switch (i % 5) {
		case 0:  /* the old mail delivered again */
			m[i] = mk_msg("BATCH-OLD@t", "o", "old body");
			break;
		case 1:  /* the old id from someone else */
			m[i] = mk_msg("batch-old@t", "o", "old body");
			msg_set_from(m[i], "other@example.com", NULL);
			break;
		case 2:  /* the current mail's id on another text */
			m[i] = mk_msg("batch-cur@t", "c", "another body");
			break;
		case 3:
			snprintf(mid, sizeof mid, "batch-new-%d@t", i);
			m[i] = mk_msg(mid, "n", "new");
			break;
		default: /* no Message-ID, or a web post: never looked up */
			m[i] = i % 2 ? mk_msg(NULL, "n", "no id") : msg_new(MSG_CHANNEL_WEB);
			break;
		}
		q[i] = (struct store_mid){ .m = m[i], .use = -1, .msg_row = 7 };
	}
	assert_int_equal(store_find_mid_reuse_many(s, q, N, &err), 0);
	for (int i = 0; i < N; i++) {
		switch (i % 5) {
		case 0:
			assert_int_equal(q[i].use, STORE_MID_SAME);
			assert_int_equal(q[i].msg_row, orow);
			assert_int_equal(q[i].complaint_id, ocid);
			assert_null(q[i].other_key);
			break;
		case 1:
			assert_int_equal(q[i].use, STORE_MID_REUSED);
			assert_int_equal(q[i].msg_row, orow);
			assert_string_equal(q[i].other_key, old_key);
			break;
		case 2:
			assert_int_equal(q[i].use, STORE_MID_REUSED);
			assert_int_equal(q[i].msg_row, crow);
			assert_int_equal(q[i].complaint_id, ccid);
			assert_string_equal(q[i].other_key, cur_key);
			break;
		default:
			assert_int_equal(q[i].use, STORE_MID_NEW);
			assert_int_equal(q[i].msg_row, 0);
			assert_null(q[i].other_key);
			break;
		}
		g_free(q[i].other_key);
		msg_free(&m[i]);
	}
	/* the current mail once more, as when another daemon stored it
	 * through another node after this batch's key lookup: with its own key
	 * it is the same mail, without it (older callers) a reuse */
	struct message *again = mk_msg("batch-cur@t", "c", "cur body");
	char *again_key = store_dedup_key(again);
	assert_string_equal(again_key, cur_key);
	struct store_mid qa = { .m = again, .key = again_key };
	assert_int_equal(store_find_mid_reuse_many(s, &qa, 1, &err), 0);
	assert_int_equal(qa.use, STORE_MID_SAME);
	assert_int_equal(qa.msg_row, crow);
	assert_int_equal(qa.complaint_id, ccid);
	assert_null(qa.other_key);
	qa = (struct store_mid){ .m = again };
	assert_int_equal(store_find_mid_reuse_many(s, &qa, 1, &err), 0);
	assert_int_equal(qa.use, STORE_MID_REUSED);
	assert_string_equal(qa.other_key, cur_key);
	g_free(qa.other_key);
	g_free(again_key);
	msg_free(&again);
	/* the single lookup answers as the batch does */
	struct message *one = mk_msg("batch-old@t", "o", "old body");
	uint64_t frow = 0, fcid = 0;
	assert_int_equal(store_find_mid_reuse(s, one, &frow, &fcid, NULL, &err),
			 STORE_MID_SAME);
	assert_int_equal(frow, orow);
	msg_free(&one);
	g_free(old_key);
	g_free(cur_key);
	msg_free(&old);
	msg_free(&cur);
	store_close(&s);
}

/* Acknowledgement counts for a batch: each query its own counts, capped
 * at its limits; a row logged inside a transaction counts after COMMIT. */
static void test_ack_counts(void **state)
{
	struct store *s = open_store();
	GError *err = NULL;
	for (int i = 0; i < 3; i++)
		assert_int_equal(store_ack_log(s, "acka@x", "ack.example", T0 - i, &err), 0);
	assert_int_equal(store_ack_log(s, "ackb@x", "ack.example", T0 - 3600, &err), 0);
	assert_int_equal(store_suppress(s, "ackc@ack.example", T0 + 100, "5.1.1", T0,
					&err), 0);

	enum { N = 35 };
	struct store_ack_query q[N];
	struct store_ack_count out[N];
	for (int i = 0; i < N; i++) {
		static const char *const keys[] = { "acka@x", "ackb@x", "ackc@x", "ackd@x" };
		q[i] = (struct store_ack_query){
			.rcpt = i % 4 == 2 ? "ackc@ack.example" : "someone@ack.example",
			.key = keys[i % 4], .domain = i % 7 ? "ack.example" : "none.example",
			.now = T0, .key_since = T0 - 60, .domain_since = T0 - 7200,
			.key_max = i % 3 ? 10 : 2, .domain_max = i == 34 ? 0 : 100,
		};
	}
	assert_int_equal(store_ack_check_many(s, q, N, out, &err), 0);
	for (int i = 0; i < N; i++) {
		unsigned key = i % 4 == 0 ? (i % 3 ? 3 : 2) : 0;
		unsigned dom = i == 34 || i % 7 == 0 ? 0 : 4;
		assert_int_equal(out[i].suppressed, i % 4 == 2);
		assert_int_equal(out[i].by_key, key);
		assert_int_equal(out[i].by_domain, dom);
	}

	/* inside a transaction the row waits for COMMIT */
	bool sup;
	unsigned bk, bd;
	assert_int_equal(store_begin(s, &err), 0);
	assert_int_equal(store_ack_log(s, "acka@x", "ack.example", T0, &err), 0);
	assert_int_equal(store_ack_check(s, &q[4], &sup, &bk, &bd, &err), 0);
	assert_int_equal(bk, 3);
	assert_int_equal(store_commit(s, &err), 0);
	assert_int_equal(store_ack_check(s, &q[4], &sup, &bk, &bd, &err), 0);
	assert_int_equal(bk, 4);
	assert_int_equal(bd, 5);
	/* and a rolled-back one never counts */
	assert_int_equal(store_begin(s, &err), 0);
	assert_int_equal(store_ack_log(s, "acka@x", "ack.example", T0, &err), 0);
	store_rollback(s);
	assert_int_equal(store_ack_check(s, &q[4], &sup, &bk, &bd, &err), 0);
	assert_int_equal(bk, 4);
	store_close(&s);
}

/* Facts added in a transaction are written at COMMIT, yet the same
 * transaction reads them back; a second value never replaces the first. */
static void test_facts_deferred(void **state)
{
	struct store *s = open_store();
	struct message *m = mk_msg("facts@t", "f", "body");
	char ref[STORE_REF_MAX];
	uint64_t cid, row;
	GError *err = NULL;
	ingest(s, m, "FCT", &cid, &row, ref);

	struct store_facts f = { 0 }, got = { 0 };
	f.value[FACT_ORDER] = g_strdup("TB-2024-0001");
	f.source[FACT_ORDER] = g_strdup("form");
	f.value[FACT_PHONE] = g_strdup("13800000000");
	f.rule[FACT_PHONE] = g_strdup("facts/phone");
	assert_int_equal(store_begin(s, &err), 0);
	assert_int_equal(store_facts_add(s, cid, &f, T0, &err), 2);
	assert_int_equal(raw_count("SELECT COUNT(*) FROM complaint_facts WHERE"
				   " complaint_id = %llu", (unsigned long long)cid), 0);
	assert_int_equal(store_facts_get(s, cid, &got, &err), 0);
	assert_string_equal(got.value[FACT_ORDER], "TB-2024-0001");
	assert_string_equal(got.source[FACT_ORDER], "form");
	assert_string_equal(got.rule[FACT_PHONE], "facts/phone");
	assert_null(got.value[FACT_PRODUCT]);
	store_rollback(s);
	assert_int_equal(store_facts_get(s, cid, &got, &err), 0);
	assert_null(got.value[FACT_ORDER]);

	assert_int_equal(store_begin(s, &err), 0);
	assert_int_equal(store_facts_add(s, cid, &f, T0, &err), 2);
	g_free(f.value[FACT_ORDER]);
	f.value[FACT_ORDER] = g_strdup("TB-LATER");
	assert_int_equal(store_facts_add(s, cid, &f, T0 + 1, &err), 2);
	assert_int_equal(store_commit(s, &err), 0);
	assert_int_equal(raw_count("SELECT COUNT(*) FROM complaint_facts WHERE"
				   " complaint_id = %llu", (unsigned long long)cid), 2);
	assert_int_equal(store_facts_get(s, cid, &got, &err), 0);
	assert_string_equal(got.value[FACT_ORDER], "TB-2024-0001");
	assert_string_equal(got.source[FACT_PHONE], "mail");
	store_facts_clear(&got);
	store_facts_clear(&f);
	msg_free(&m);
	store_close(&s);
}

/* ---- outbox ---------------------------------------------------------------------- */

struct claim_run { const char *owner; GArray *ids; int64_t now; };

static gpointer claim_thread(gpointer data)
{
	struct claim_run *r = data;
	struct store *s = open_store();
	GError *err = NULL;
	for (unsigned k = 0;; k++) {
		GPtrArray *items = g_ptr_array_new_with_free_func(
			(GDestroyNotify)outbox_item_free);
		/* an owner claims again only after recording its claim (what it
		 * still holds is taken again); these claims record nothing, so
		 * each is made under a name of its own */
		char owner[64];
		g_snprintf(owner, sizeof owner, "%s-%u", r->owner, k);
		int n = store_outbox_claim(s, owner, r->now, 300, 7, items, &err);
		for (unsigned i = 0; i < items->len; i++) {
			struct outbox_item *it = items->pdata[i];
			g_array_append_val(r->ids, it->id);
		}
		g_ptr_array_unref(items);
		if (n <= 0)
			break;
	}
	if (err) {
		fprintf(stderr, "claim_thread: %s\n", err->message);
		g_error_free(err);
	}
	store_close(&s);
	return NULL;
}

static void outbox_fill(struct store *s, int n, const char *tag, int64_t now)
{
	GError *err = NULL;
	assert_int_equal(store_begin(s, &err), 0);
	for (int i = 0; i < n; i++) {
		char mid[64], raw[64];
		snprintf(mid, sizeof mid, "%s-%d@t", tag, i);
		snprintf(raw, sizeof raw, "Subject: %s %d\r\n\r\nhi\r\n", tag, i);
		if (store_outbox_add(s, 0, "notify", "from@shop", "to@x", mid,
				     raw, strlen(raw), now, NULL, &err) < 0)
			fail_msg("outbox_add: %s", err->message);
	}
	assert_int_equal(store_commit(s, &err), 0);
}

static void test_outbox_claim_concurrent(void **state)
{
	struct store *s = open_store();
	GError *err = NULL;
	unsigned pending;
	MYSQL *db = raw_connect();
	assert_int_equal(mysql_query(db, "DELETE FROM outbox"), 0);
	mysql_close(db);

	outbox_fill(s, 300, "conc", T0);
	assert_int_equal(store_outbox_pending(s, &pending, &err), 0);
	assert_int_equal(pending, 300);

	struct claim_run a = { "sender-a", g_array_new(FALSE, FALSE, sizeof(uint64_t)), T0 };
	struct claim_run b = { "sender-b", g_array_new(FALSE, FALSE, sizeof(uint64_t)), T0 };
	GThread *ta = g_thread_new("claim-a", claim_thread, &a);
	GThread *tb = g_thread_new("claim-b", claim_thread, &b);
	g_thread_join(ta);
	g_thread_join(tb);
	assert_int_equal(a.ids->len + b.ids->len, 300);
	GHashTable *seen = g_hash_table_new(g_int64_hash, g_int64_equal);
	GArray *all[] = { a.ids, b.ids };
	for (int k = 0; k < 2; k++)
		for (unsigned i = 0; i < all[k]->len; i++) {
			uint64_t *id = &g_array_index(all[k], uint64_t, i);
			assert_false(g_hash_table_contains(seen, id));
			g_hash_table_add(seen, id);
		}
	printf("# claimed: sender-a %u, sender-b %u\n", a.ids->len, b.ids->len);
	assert_int_equal(raw_count("SELECT COUNT(*) FROM outbox WHERE status ="
				   " 'sending' AND attempts = 1"), 300);
	/* more than one claim's worth (50 ids a statement) recorded at once,
	 * and in one claim of 120: every row marked, none twice */
	assert_int_equal(store_outbox_sent(s, (uint64_t *)a.ids->data, a.ids->len, T0 + 1,
					   &err), 0);
	assert_int_equal(raw_count("SELECT COUNT(*) FROM outbox WHERE status = 'sent'"),
			 (long)a.ids->len);
	assert_int_equal(store_outbox_sent(s, (uint64_t *)b.ids->data, b.ids->len, T0 + 1,
					   &err), 0);
	assert_int_equal(raw_count("SELECT COUNT(*) FROM outbox WHERE status = 'sent'"
				   " AND claimed_by = ''"), 300);
	db = raw_connect();
	assert_int_equal(mysql_query(db, "DELETE FROM outbox"), 0);
	mysql_close(db);
	outbox_fill(s, 130, "many", T0);
	GPtrArray *items = g_ptr_array_new_with_free_func((GDestroyNotify)outbox_item_free);
	assert_int_equal(store_outbox_claim(s, "sender-c", T0, 300, 120, items, &err), 120);
	g_ptr_array_unref(items);
	assert_int_equal(raw_count("SELECT COUNT(*) FROM outbox WHERE status = 'sending'"
				   " AND claimed_by = 'sender-c' AND attempts = 1"), 120);
	assert_int_equal(raw_count("SELECT COUNT(*) FROM outbox WHERE status = 'pending'"
				   " AND attempts = 0"), 10);
	g_hash_table_unref(seen);
	g_array_unref(a.ids);
	g_array_unref(b.ids);
	store_close(&s);
}

/* redo_written - the server's redo log bytes so far. */
static long redo_written(void)
{
	char *v = raw_get("SELECT VARIABLE_VALUE FROM information_schema.global_status"
			  " WHERE VARIABLE_NAME = 'INNODB_LSN_CURRENT'", NULL);
	long n = v ? atol(v) : -1;
	g_free(v);
	assert_true(n > 0);
	return n;
}

/* test_outbox_in_place - claiming and marking sent changes a row of a
 * composed mail in place: the redo log takes the changed fields, not the
 * mail again. With NULL-able or VARCHAR state columns (before schema 18)
 * 200 rows of 3 KB wrote ~1.9 MB of redo for the two; now ~0.1 MB. What
 * the columns say when not claimed and not sent is checked too. */
static void test_outbox_in_place(void **state)
{
	(void)state;
	enum { N = 200, RAW = 3000 };
	struct store *s = open_store();
	GError *err = NULL;
	MYSQL *db = raw_connect();
	assert_int_equal(mysql_query(db, "DELETE FROM outbox"), 0);
	mysql_close(db);
	char *raw = g_malloc(RAW);
	for (unsigned i = 0; i < RAW; i++)
		raw[i] = (char)('a' + (i * 7 + i / 13) % 26);  /* not all one byte */
	assert_int_equal(store_begin(s, &err), 0);
	for (int i = 0; i < N; i++) {
		char mid[64];
		snprintf(mid, sizeof mid, "in-place-%d@t", i);
		if (store_outbox_add(s, 0, "notify", "from@shop", "to@x", mid, raw, RAW - i,
				     T0, NULL, &err) < 0)
			fail_msg("outbox_add: %s", err->message);
	}
	assert_int_equal(store_commit(s, &err), 0);
	g_free(raw);
	assert_int_equal(raw_count("SELECT COUNT(*) FROM outbox WHERE claimed_by = ''"
				   " AND claimed_until = '1970-01-01' AND sent_at = '1970-01-01'"), N);

	long before = redo_written();
	GPtrArray *items = g_ptr_array_new_with_free_func((GDestroyNotify)outbox_item_free);
	assert_int_equal(store_outbox_claim(s, "host.example:4242:987654:0", T0, 300, N, items,
					    &err), N);
	assert_int_equal(raw_count("SELECT COUNT(*) FROM outbox WHERE status = 'sending'"
				   " AND claimed_by = 'host.example:4242:987654:0'"
				   " AND claimed_until > '1970-01-01'"), N);
	uint64_t ids[N];
	for (unsigned i = 0; i < N; i++)
		ids[i] = ((struct outbox_item *)items->pdata[i])->id;
	assert_int_equal(store_outbox_sent(s, ids, N, T0 + 1, &err), 0);
	long written = redo_written() - before;
	printf("# redo for claiming and sending %d rows of ~%d bytes: %ld bytes\n", N, RAW,
	       written);
	assert_true(written < N * 1500L);
	assert_int_equal(raw_count("SELECT COUNT(*) FROM outbox WHERE status = 'sent'"
				   " AND claimed_by = '' AND claimed_until = '1970-01-01'"
				   " AND sent_at > '1970-01-01'"), N);
	g_ptr_array_unref(items);
	store_close(&s);
}

static void test_outbox_lease_and_transitions(void **state)
{
	struct store *s = open_store(), *t = open_store();
	GError *err = NULL;
	MYSQL *db = raw_connect();
	assert_int_equal(mysql_query(db, "DELETE FROM outbox"), 0);
	mysql_close(db);
	const char raw[] = "From: a\r\n\r\n\xe4\xb8\xad\x00binary";
	uint64_t id;
	assert_int_equal(store_outbox_add(s, 0, "ack", "from@shop", "cust@x",
		"lease@t", raw, sizeof raw, T0, &id, &err), 0);

	GPtrArray *got = g_ptr_array_new_with_free_func(
		(GDestroyNotify)outbox_item_free);
	/* not yet due */
	assert_int_equal(store_outbox_claim(s, "a", T0 - 1, 60, 10, got, &err), 0);
	assert_int_equal(store_outbox_claim(s, "a", T0, 60, 10, got, &err), 1);
	struct outbox_item *it = got->pdata[0];
	assert_int_equal(it->id, id);
	assert_string_equal(it->kind, "ack");
	assert_string_equal(it->rcpt, "cust@x");
	assert_string_equal(it->mail_from, "from@shop");
	assert_string_equal(it->message_id, "lease@t");
	assert_int_equal(it->attempts, 1);
	assert_int_equal(g_bytes_get_size(it->raw), sizeof raw);
	assert_memory_equal(g_bytes_get_data(it->raw, NULL), raw, sizeof raw);
	g_ptr_array_set_size(got, 0);

	/* leased: nobody else gets it until the lease runs out */
	assert_int_equal(store_outbox_claim(t, "b", T0 + 30, 60, 10, got, &err), 0);
	assert_int_equal(store_outbox_claim(t, "b", T0 + 61, 60, 10, got, &err), 1);
	it = got->pdata[0];
	assert_int_equal(it->id, id);
	assert_int_equal(it->attempts, 2);
	g_ptr_array_set_size(got, 0);
	char *owner = raw_getf("SELECT claimed_by FROM outbox WHERE id = %llu",
			       (unsigned long long)id);
	assert_string_equal(owner, "b");
	g_free(owner);
	/* a claim b could not record (its answer lost with a Galera node,
	 * the row showing up where b moved only later): b's next claim takes
	 * it again at once, not after the lease; nobody else gets it */
	assert_int_equal(store_outbox_claim(s, "a", T0 + 62, 60, 10, got, &err), 0);
	assert_int_equal(store_outbox_claim(t, "b", T0 + 62, 60, 10, got, &err), 1);
	assert_int_equal(((struct outbox_item *)got->pdata[0])->attempts, 3);
	g_ptr_array_set_size(got, 0);

	/* retry: due again only at next_at, error kept */
	assert_int_equal(store_outbox_retry(t, id, T0 + 500, "451 try later",
					    &err), 0);
	assert_int_equal(store_outbox_claim(s, "a", T0 + 499, 60, 10, got, &err), 0);
	char *e = raw_getf("SELECT last_error FROM outbox WHERE id = %llu",
			   (unsigned long long)id);
	assert_string_equal(e, "451 try later");
	g_free(e);
	assert_int_equal(store_outbox_claim(s, "a", T0 + 500, 60, 10, got, &err), 1);
	assert_int_equal(((struct outbox_item *)got->pdata[0])->attempts, 4);
	g_ptr_array_set_size(got, 0);

	/* sent: final */
	assert_int_equal(store_outbox_sent(s, &id, 1, T0 + 501, &err), 0);
	char *st = raw_getf("SELECT status FROM outbox WHERE id = %llu",
			    (unsigned long long)id);
	assert_string_equal(st, "sent");
	g_free(st);
	assert_int_equal(store_outbox_claim(s, "a", T0 + 9999, 60, 10, got, &err), 0);

	/* failed and suppressed: final too */
	uint64_t id2, id3;
	assert_int_equal(store_outbox_add(s, 0, "ack", "f", "r2", "fail@t", "x",
					  1, T0, &id2, &err), 0);
	assert_int_equal(store_outbox_add(s, 0, "ack", "f", "r3", "supp@t", "x",
					  1, T0, &id3, &err), 0);
	assert_int_equal(store_outbox_failed(s, id2, "550 no such user", &err), 0);
	assert_int_equal(store_outbox_suppressed(s, id3, "bounced", &err), 0);
	assert_int_equal(store_outbox_claim(s, "a", T0 + 9999, 60, 10, got, &err), 0);
	st = raw_getf("SELECT GROUP_CONCAT(status ORDER BY id) FROM outbox"
		      " WHERE id IN (%llu, %llu)", (unsigned long long)id2,
		      (unsigned long long)id3);
	assert_string_equal(st, "failed,suppressed");
	g_free(st);
	unsigned pending = 99;
	assert_int_equal(store_outbox_pending(s, &pending, &err), 0);
	assert_int_equal(pending, 0);

	/* bounce lookup by Message-ID */
	uint64_t fid = 0, fcid = 1;
	char *rcpt = NULL, *kind = NULL;
	assert_int_equal(store_outbox_find_by_message_id(s, "fail@t", &fid, &fcid,
		&rcpt, &kind, &err), 1);
	assert_int_equal(fid, id2);
	assert_int_equal(fcid, 0);
	assert_string_equal(rcpt, "r2");
	assert_string_equal(kind, "ack");
	g_free(rcpt);
	g_free(kind);
	assert_int_equal(store_outbox_find_by_message_id(s, "nope@t", &fid, NULL,
		NULL, NULL, &err), 0);

	/* rate-limit counts */
	unsigned n = 0;
	assert_int_equal(store_count_outbox_since(s, "cust@x", "ack", T0, &n,
						  &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_count_outbox_since(s, "cust@x", "ack", T0 + 1, &n,
						  &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_count_outbox_since(s, "cust@x", "notify", T0, &n,
						  &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_count_outbox_since(s, "cust@x", NULL, T0, &n,
						  &err), 0);
	assert_int_equal(n, 1);
	g_ptr_array_unref(got);
	store_close(&s);
	store_close(&t);
}

static void test_suppression(void **state)
{
	struct store *s = open_store();
	GError *err = NULL;
	assert_int_equal(store_suppression_active(s, "bounce@x", T0, &err), 0);
	assert_int_equal(store_suppress(s, "bounce@x", T0 + 100, "5.1.1", T0,
					&err), 0);
	assert_int_equal(store_suppression_active(s, "bounce@x", T0, &err), 1);
	assert_int_equal(store_suppression_active(s, "bounce@x", T0 + 100, &err), 0);
	/* a shorter suppression does not cut a longer one */
	assert_int_equal(store_suppress(s, "bounce@x", T0 + 10, "again", T0,
					&err), 0);
	assert_int_equal(store_suppression_active(s, "bounce@x", T0 + 50, &err), 1);
	assert_int_equal(store_suppress(s, "bounce@x", T0 + 1000, "longer", T0,
					&err), 0);
	assert_int_equal(store_suppression_active(s, "bounce@x", T0 + 500, &err), 1);
	assert_int_equal(store_suppression_active(s, "other@x", T0, &err), 0);
	store_close(&s);
}

/* ---- a transaction the server ends without an error ---------------------------- */

/* end_quietly - what a Galera node can do to a transaction that loses a
 * conflict while one of its statements runs: roll it back on the server
 * and answer the statement without an error. */
static int end_quietly(struct store *s, GError **err)
{
	struct pb p = { .nb = 0 };
	MYSQL_STMT *st = store_oneshot(s, "ROLLBACK", &p, err);
	if (st)
		mysql_stmt_close(st);
	return st ? 0 : -1;
}

struct lost_try {
	struct store *s;
	unsigned tries;
};

static int lose_first_try(void *data, GError **err)
{
	struct lost_try *t = data;
	if (store_suppress(t->s, "lost@x", T0 + 100, "in a lost try", T0, err) < 0)
		return -1;
	return ++t->tries == 1 ? end_quietly(t->s, err) : 0;
}

static void test_lost_transaction(void **state)
{
	struct store *s = open_store();
	GError *err = NULL;
	/* noticed right after the statement: store_tx runs it again, and the
	 * write of the lost try is not left committed on its own */
	struct lost_try t = { s, 0 };
	assert_int_equal(store_tx(s, lose_first_try, &t, &err), 0);
	assert_null(err);
	assert_int_equal(t.tries, 2);
	assert_int_equal(store_suppression_active(s, "lost@x", T0, &err), 1);

	/* a write after a loss nothing noticed fails (the session is READ
	 * ONLY outside our transactions) instead of committing by itself */
	assert_int_equal(store_begin(s, &err), 0);
	assert_int_equal(end_quietly(s, &err), -1);
	assert_int_equal(err->code, STORE_ERROR_RETRY);
	g_clear_error(&err);
	assert_int_equal(store_suppress(s, "alone@x", T0 + 100, "after the loss", T0, &err), -1);
	assert_int_equal(err->code, STORE_ERROR_RETRY);
	g_clear_error(&err);
	store_rollback(s);
	assert_int_equal(store_suppression_active(s, "alone@x", T0, &err), 0);

	/* outside a transaction a write runs in one of its own */
	assert_int_equal(store_suppress(s, "plain@x", T0 + 100, "no transaction", T0, &err), 0);
	assert_int_equal(store_suppression_active(s, "plain@x", T0, &err), 1);
	assert_true(store_outbox_release(s, "nobody", NULL) >= 0);
	assert_false(store_in_transaction(s));
	store_close(&s);
}

/* ---- text fidelity --------------------------------------------------------------------- */

static void test_unicode_roundtrip(void **state)
{
	struct store *s = open_store();
	const char *subject = "投诉：产品质量问题 😡🔥 Größe";
	const char *body = "您好，我在贵公司购买的电饭煲使用三天后就坏了。\n"
			   "订单号：2024050112345 🙏\n𠀀𪚥 (CJK Ext B) \xe2\x80\x8b end";
	struct message *m = mk_msg("unicode-测试@例子.中国", subject, body);
	msg_set_from(m, "kunde@example.com", "张伟 🐼");
	GBytes *blob = g_bytes_new("\x00\xff\xfe binary \xe4\xb8", 12);
	msg_add_attachment(m, "发票 2024.pdf", "application/pdf", blob);
	g_bytes_unref(blob);
	char ref[STORE_REF_MAX];
	uint64_t cid, row;
	ingest(s, m, "UNI", &cid, &row, ref);

	char *v = raw_getf("SELECT subject FROM messages WHERE id = %llu",
			   (unsigned long long)row);
	assert_string_equal(v, subject);
	g_free(v);
	v = raw_getf("SELECT body FROM messages WHERE id = %llu",
		     (unsigned long long)row);
	assert_string_equal(v, body);
	g_free(v);
	v = raw_getf("SELECT CONCAT(customer_name, '|', subject) FROM complaints"
		     " WHERE id = %llu", (unsigned long long)cid);
	char *want = g_strconcat("张伟 🐼|", subject, NULL);
	assert_string_equal(v, want);
	g_free(want);
	g_free(v);
	v = raw_getf("SELECT message_id FROM messages WHERE id = %llu",
		     (unsigned long long)row);
	assert_string_equal(v, "unicode-测试@例子.中国");
	g_free(v);
	v = raw_getf("SELECT filename FROM attachments WHERE message_row_id ="
		     " %llu", (unsigned long long)row);
	assert_string_equal(v, "发票 2024.pdf");
	g_free(v);
	size_t len = 0;
	char *sql = g_strdup_printf("SELECT content FROM attachments WHERE"
				    " message_row_id = %llu",
				    (unsigned long long)row);
	v = raw_get(sql, &len);
	assert_int_equal(len, 12);
	assert_memory_equal(v, "\x00\xff\xfe binary \xe4\xb8", 12);
	g_free(v);
	g_free(sql);
	gsize rawlen;
	const void *rawdata = g_bytes_get_data(msg_raw(m), &rawlen);
	sql = g_strdup_printf("SELECT raw FROM message_raw WHERE message_row_id = %llu",
			      (unsigned long long)row);
	v = raw_get(sql, &len);
	assert_int_equal(len, rawlen);
	assert_memory_equal(v, rawdata, rawlen);
	g_free(v);
	g_free(sql);

	/* an over-long display name is cut at a character, not mid-byte */
	GString *lng = g_string_new(NULL);
	for (int i = 0; i < 300; i++)
		g_string_append(lng, "😀");
	struct message *m2 = mk_msg("long-name@t", "s", "b");
	msg_set_from(m2, "x@y", lng->str);
	ingest(s, m2, "UNI", &cid, &row, ref);
	v = raw_getf("SELECT customer_name FROM complaints WHERE id = %llu",
		     (unsigned long long)cid);
	assert_int_equal(g_utf8_strlen(v, -1), 255);
	assert_true(g_utf8_validate(v, -1, NULL));
	g_free(v);
	g_string_free(lng, TRUE);
	msg_free(&m2);
	msg_free(&m);
	store_close(&s);
}

/* test_message_texts - the texts a claim's notifications quote, read
 * together: more rows than one statement names (chunks of 50), a row asked
 * twice, a row that does not exist, a text erased to NULL, row 0. */
static void test_message_texts(void **state)
{
	(void)state;
	struct store *s = open_store();
	enum { N = 57 };
	uint64_t rows[N + 4];
	char *want[N + 4];
	char ref[STORE_REF_MAX];
	for (unsigned i = 0; i < N; i++) {
		char mid[32];
		g_snprintf(mid, sizeof mid, "texts-%u@t", i);
		want[i] = g_strdup_printf("第%u封：底座漏水 %u\r\n\xe2\x80\x8b", i, i * 7);
		struct message *m = mk_msg(mid, "s", want[i]);
		uint64_t cid;
		ingest(s, m, "TXT", &cid, &rows[i], ref);
		msg_free(&m);
	}
	rows[N] = rows[55];              /* asked twice in one read */
	want[N] = g_strdup(want[55]);
	rows[N + 1] = rows[N - 1] + 1000; /* no such row */
	want[N + 1] = NULL;
	rows[N + 2] = 0;                  /* no text left out */
	want[N + 2] = NULL;
	rows[N + 3] = rows[51];           /* erased by complaintctl forget */
	want[N + 3] = NULL;
	g_clear_pointer(&want[51], g_free);
	MYSQL *db = raw_connect();
	char *sql = g_strdup_printf("UPDATE messages SET body = NULL WHERE id = %llu",
				    (unsigned long long)rows[51]);
	if (mysql_query(db, sql))
		fail_msg("%s: %s", sql, mysql_error(db));
	g_free(sql);
	mysql_close(db);

	char *got[N + 4];
	GError *err = NULL;
	if (store_message_texts(s, rows, N + 4, got, &err) < 0)
		fail_msg("store_message_texts: %s", err->message);
	for (unsigned i = 0; i < N + 4; i++) {
		if (want[i])
			assert_string_equal(got[i], want[i]);
		else
			assert_null(got[i]);
		g_free(got[i]);
		g_free(want[i]);
	}
	/* nothing asked: nothing read, no error */
	assert_int_equal(store_message_texts(s, rows, 0, got, &err), 0);
	store_close(&s);
}

static void test_injection_verbatim(void **state)
{
	struct store *s = open_store();
	const char *evil[] = {
		"'); DROP TABLE complaints; --",
		"\\'; DELETE FROM messages WHERE '1'='1",
		"\" OR 1=1 -- \\\\ %_ `backtick`",
		"Robert'); DROP TABLE outbox;--\xe2\x80\x99",
	};
	GError *err = NULL;
	for (size_t i = 0; i < G_N_ELEMENTS(evil); i++) {
		char mid[32], ref[STORE_REF_MAX];
		uint64_t cid, row;
		snprintf(mid, sizeof mid, "inj-%zu@t", i);
		struct message *m = mk_msg(mid, evil[i], evil[i]);
		msg_set_from(m, "x@y", evil[i]);
		ingest(s, m, "INJ", &cid, &row, ref);
		assert_int_equal(store_add_hit(s, cid, row, evil[i], evil[i],
					       evil[i], evil[i], &err), 0);
		assert_int_equal(store_add_event(s, cid, T0, evil[i], "note",
						 evil[i], &err), 0);
		char *v = raw_getf("SELECT subject FROM messages WHERE id = %llu",
				   (unsigned long long)row);
		assert_string_equal(v, evil[i]);
		g_free(v);
		v = raw_getf("SELECT customer_name FROM complaints WHERE id ="
			     " %llu", (unsigned long long)cid);
		assert_string_equal(v, evil[i]);
		g_free(v);
		v = raw_getf("SELECT matched FROM rule_hits WHERE message_row_id"
			     " = %llu", (unsigned long long)row);
		assert_string_equal(v, evil[i]);
		g_free(v);
		v = raw_getf("SELECT detail FROM events WHERE complaint_id = %llu",
			     (unsigned long long)cid);
		assert_string_equal(v, evil[i]);
		g_free(v);
		/* lookups with hostile keys find nothing and harm nothing */
		assert_int_equal(store_find_ref(s, evil[i], NULL, NULL, &err), 0);
		assert_int_equal(store_suppression_active(s, evil[i], T0, &err), 0);
		msg_free(&m);
	}
	assert_true(raw_count("SELECT COUNT(*) FROM complaints") > 0);
	assert_true(raw_count("SELECT COUNT(*) FROM messages") > 0);
	store_close(&s);
}

/* ---- status, events, mailboxes, quarantine ---------------------------------------- */

static void test_status_and_events(void **state)
{
	struct store *s = open_store();
	struct message *m = mk_msg("status@t", "s", "b");
	char ref[STORE_REF_MAX];
	uint64_t cid, row;
	GError *err = NULL;
	ingest(s, m, "ST", &cid, &row, ref);
	assert_int_equal(store_set_status(s, cid, "acknowledged", T0 + 10, &err), 0);
	assert_int_equal(store_set_status(s, cid, "in_progress", T0 + 20, &err), 0);
	assert_int_equal(store_set_status(s, cid, "acknowledged", T0 + 30, &err), 0);
	assert_int_equal(store_set_status(s, cid, "closed", T0 + 40, &err), 0);
	char *v = raw_getf("SELECT CONCAT_WS('|', status, acknowledged_at,"
			   " closed_at, updated_at) FROM complaints WHERE id = %llu",
			   (unsigned long long)cid);
	/* acknowledged_at keeps the first time */
	assert_string_equal(v, "closed|2024-05-01 12:00:10.000000|"
			    "2024-05-01 12:00:40.000000|2024-05-01 12:00:40.000000");
	g_free(v);
	assert_int_equal(store_set_status(s, cid, "bogus'", T0, &err), -1);
	assert_true(g_error_matches(err, STORE_ERROR, STORE_ERROR_CONSTRAINT));
	g_clear_error(&err);
	assert_int_equal(store_add_event(s, cid, T0, "agent@shop", "status",
					 "closed", &err), 0);
	assert_int_equal(store_add_event(s, 999999999, T0, "x", "status", NULL,
					 &err), -1);
	assert_true(g_error_matches(err, STORE_ERROR, STORE_ERROR_CONSTRAINT));
	g_clear_error(&err);
	msg_free(&m);
	store_close(&s);
}

/* staff commands mark what they set; a change by the rules takes only a
 * complaint that still is as read and leaves staff's fields alone */
static void test_staff_decided(void **state)
{
	struct store *s = open_store();
	struct message *m = mk_msg("decided@t", "s", "b");   /* quality, B */
	char ref[STORE_REF_MAX];
	uint64_t cid, row;
	GError *err = NULL;
	ingest(s, m, "SD", &cid, &row, ref);
	struct store_case *c = NULL;
	assert_int_equal(store_case_get(s, cid, NULL, &c, &err), 1);
	assert_int_equal(c->staff_decided, 0);
	store_case_free(c);
	/* not as read: nothing */
	assert_int_equal(store_case_reclassify(s, cid, "quality", 'C', NULL, 'A', T0, &err), 0);
	/* as read: the rules' change, marked as no one's decision */
	assert_int_equal(store_case_reclassify(s, cid, "quality", 'B', NULL, 'A', T0, &err), 1);
	char *v = raw_getf("SELECT CONCAT_WS('|', category, severity, staff_decided)"
			   " FROM complaints WHERE id = %llu", (unsigned long long)cid);
	assert_string_equal(v, "quality|A|");
	g_free(v);
	struct store_case_change ch = { .severity = 'C' };
	assert_int_equal(store_case_update(s, cid, &ch, T0, &err), 0);
	assert_int_equal(store_case_get(s, cid, NULL, &c, &err), 1);
	assert_int_equal(c->staff_decided, STORE_DECIDED_SEVERITY);
	store_case_free(c);
	/* staff decided the severity: the rules may not change it, but may
	 * still change the category */
	assert_int_equal(store_case_reclassify(s, cid, "quality", 'C', NULL, 'A', T0, &err), 0);
	assert_int_equal(store_case_reclassify(s, cid, "quality", 'C', "price", 'A', T0, &err), 0);
	assert_int_equal(store_case_reclassify(s, cid, "quality", 'C', "price", 0, T0, &err), 1);
	struct store_case_change cat = { .category = "other", .status = "in_progress" };
	assert_int_equal(store_case_update(s, cid, &cat, T0, &err), 0);
	v = raw_getf("SELECT CONCAT_WS('|', category, severity, staff_decided)"
		     " FROM complaints WHERE id = %llu", (unsigned long long)cid);
	assert_string_equal(v, "other|C|category,severity");
	g_free(v);
	assert_int_equal(store_case_reclassify(s, cid, "other", 'C', "quality", 0, T0, &err), 0);
	assert_int_equal(store_case_reclassify(s, cid, "other", 'C', NULL, 'Z', T0, &err), -1);
	assert_true(g_error_matches(err, STORE_ERROR, STORE_ERROR_CONSTRAINT));
	g_clear_error(&err);
	msg_free(&m);
	store_close(&s);
}

static void test_mailboxes(void **state)
{
	struct store *s = open_store(), *t = open_store();
	GError *err = NULL;
	uint32_t uv = 0, last = 0;
	int64_t at = 0;
	assert_int_equal(store_mailbox_get(s, "INBOX", &uv, &last, &at, &err), 0);
	assert_int_equal(store_mailbox_set(s, "INBOX", 1234, 10, T0, &err), 0);
	assert_int_equal(store_mailbox_get(s, "INBOX", &uv, &last, &at, &err), 1);
	assert_int_equal(uv, 1234);
	assert_int_equal(last, 10);
	assert_int_equal(at, T0);
	assert_int_equal(store_mailbox_set(s, "INBOX", 1234, 4000000000u,
					   T0 + 99, &err), 0);
	assert_int_equal(store_mailbox_get(s, "INBOX", &uv, &last, &at, &err), 1);
	assert_int_equal(last, 4000000000u);
	assert_int_equal(at, T0);  /* first seen stays */

	/* leases */
	assert_int_equal(store_mailbox_lease(s, "INBOX", "d1", T0, 60, &err), 1);
	assert_int_equal(store_mailbox_lease(t, "INBOX", "d2", T0 + 10, 60, &err), 0);
	assert_int_equal(store_mailbox_lease(s, "INBOX", "d1", T0 + 30, 60, &err), 1);
	assert_int_equal(store_mailbox_lease(t, "INBOX", "d2", T0 + 80, 60, &err), 0);
	assert_int_equal(store_mailbox_lease(t, "INBOX", "d2", T0 + 91, 60, &err), 1);
	assert_int_equal(store_mailbox_lease(s, "INBOX", "d1", T0 + 92, 60, &err), 0);
	/* a lease on a mailbox never polled creates it as "not attached" */
	assert_int_equal(store_mailbox_lease(s, "Other", "d1", T0, 60, &err), 1);
	assert_int_equal(store_mailbox_get(s, "Other", &uv, &last, &at, &err), 1);
	assert_int_equal(uv, 0);

	const char raw[] = "garbage\x00\x01\x02";
	assert_int_equal(store_quarantine(s, "INBOX", 1234, 11, "too many parts",
					  raw, sizeof raw, T0, &err), 0);
	size_t len;
	char *v = raw_get("SELECT raw FROM quarantine WHERE uid = 11", &len);
	assert_int_equal(len, sizeof raw);
	assert_memory_equal(v, raw, sizeof raw);
	g_free(v);
	store_close(&s);
	store_close(&t);
}

/* ---- lost connections -------------------------------------------------------------- */

static void test_lost_connection(void **state)
{
	struct store *s = open_store();
	struct message *m = mk_msg("lost@t", "s", "b");
	char ref[STORE_REF_MAX];
	uint64_t cid, row;
	GError *err = NULL;

	assert_int_equal(store_begin(s, &err), 0);
	assert_int_equal(store_new_complaint(s, m, "other", 'C', NULL, "LOST",
					     T0, &cid, ref, sizeof ref, &err), 0);
	MYSQL *db = raw_connect();
	char kill[64];
	snprintf(kill, sizeof kill, "KILL CONNECTION %lu", store_connection_id(s));
	assert_int_equal(mysql_query(db, kill), 0);
	mysql_close(db);

	assert_int_equal(store_add_message(s, cid, m, "in", T0, false, &row,
					   &err), -1);
	assert_true(g_error_matches(err, STORE_ERROR, STORE_ERROR_CONNECTION));
	g_clear_error(&err);
	assert_false(store_in_transaction(s));
	/* everything fails fast with the same code until reconnected */
	assert_int_equal(store_find_ref(s, ref, NULL, NULL, &err), -1);
	assert_true(g_error_matches(err, STORE_ERROR, STORE_ERROR_CONNECTION));
	g_clear_error(&err);
	/* a write outside a transaction (run in one of its own) by a caller
	 * that does not want the error: fails, and only that */
	assert_int_equal(store_outbox_release(s, "nobody", NULL), -1);
	store_rollback(s);

	assert_int_equal(store_ping(s, &err), 0);
	assert_int_equal(store_find_ref(s, ref, NULL, NULL, &err), 0);
	ingest(s, m, "LOST", &cid, &row, ref);
	assert_int_equal(store_find_ref(s, ref, NULL, NULL, &err), 1);
	msg_free(&m);
	store_close(&s);
}

static void test_server_restart(void **state)
{
	const char *cmd = getenv("CTD_DB_RESTART_CMD");
	if (!cmd || !*cmd)
		skip();
	struct store *s = open_store();
	GError *err = NULL;
	assert_int_equal(store_ping(s, &err), 0);
	assert_int_equal(system(cmd), 0);
	/* the old connection is dead: the next call says so */
	assert_int_equal(store_suppression_active(s, "x@y", T0, &err), -1);
	assert_true(g_error_matches(err, STORE_ERROR, STORE_ERROR_CONNECTION));
	g_clear_error(&err);
	assert_int_equal(store_ping(s, &err), 0);
	assert_int_equal(store_suppression_active(s, "x@y", T0, &err), 0);
	store_close(&s);
}

static void test_unreachable(void **state)
{
	struct store_params p = params;
	GError *err = NULL;
	p.port = 1;  /* nothing listens there */
	p.connect_timeout = 2;
	struct store *s = store_open(&p, &err);
	assert_null(s);
	assert_true(g_error_matches(err, STORE_ERROR, STORE_ERROR_CONNECTION));
	g_clear_error(&err);
}

static int setup_params(void)
{
	params.host = getenv("CTD_DB_HOST");
	params.user = getenv("CTD_DB_USER");
	params.password = getenv("CTD_DB_PASSWORD");
	params.database = getenv("CTD_DB_NAME");
	const char *port = getenv("CTD_DB_PORT");
	params.port = port ? (unsigned)atoi(port) : 3306;
	params.connect_timeout = 5;
	params.ref_timezone = "Asia/Shanghai";
	return params.host && params.user && params.database ? 0 : -1;
}

int main(void)
{
	if (setup_params() < 0) {
		fprintf(stderr, "test_store: set CTD_DB_HOST, CTD_DB_PORT, "
			"CTD_DB_USER, CTD_DB_PASSWORD, CTD_DB_NAME "
			"(tests/integration/start-mariadb.sh)\n");
		return 77;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_migrate),  /* first: builds the schema */
		cmocka_unit_test(test_raw_table),
		cmocka_unit_test(test_ref_format),
		cmocka_unit_test(test_ref_concurrent),
		cmocka_unit_test(test_reserve_refs),
		cmocka_unit_test(test_rollback_leaves_nothing),
		cmocka_unit_test(test_dedup),
		cmocka_unit_test(test_sources),
		cmocka_unit_test(test_find_known),
		cmocka_unit_test(test_deferred_rows),
		cmocka_unit_test(test_deferred_packet_limit),
		cmocka_unit_test(test_mid_reuse_many),
		cmocka_unit_test(test_ack_counts),
		cmocka_unit_test(test_facts_deferred),
		cmocka_unit_test(test_outbox_claim_concurrent),
		cmocka_unit_test(test_outbox_in_place),
		cmocka_unit_test(test_outbox_lease_and_transitions),
		cmocka_unit_test(test_suppression),
		cmocka_unit_test(test_lost_transaction),
		cmocka_unit_test(test_unicode_roundtrip),
		cmocka_unit_test(test_message_texts),
		cmocka_unit_test(test_injection_verbatim),
		cmocka_unit_test(test_status_and_events),
		cmocka_unit_test(test_staff_decided),
		cmocka_unit_test(test_mailboxes),
		cmocka_unit_test(test_lost_connection),
		cmocka_unit_test(test_server_restart),
		cmocka_unit_test(test_unreachable),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	mysql_library_end();
	return rc;
}
