/* test_imap - the imap module against a real Dovecot.
 *
 * Run by tests/integration/run_client_tests.py, which starts Dovecot,
 * appends the fixtures and sets:
 *   CTD_IMAP_URL, CTD_IMAPS_URL      imap://127.0.0.1:P, imaps://127.0.0.1:Q
 *   CTD_IMAP_USER, CTD_IMAP_PASSWORD mailbox with the fixtures in INBOX
 *   CTD_CA_FILE, CTD_WRONG_CA_FILE   the private CA, an unrelated CA
 *   CTD_IMAP_FIXTURES                dir of <uid>.eml: the exact bytes appended
 *   CTD_IMAP_OAUTH_TOKEN             (optional) a bearer token Dovecot accepts
 *   CTD_IMAP_BULK_USER, _PASSWORD, _COUNT  (optional) mailbox of N messages
 * Afterwards the harness checks the flags and folders these tests changed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "intake/imap.h"
#include "lib/log.h"

static const char *env(const char *name)
{
	const char *v = getenv(name);
	if (!v) {
		fprintf(stderr, "missing environment variable %s\n", name);
		exit(2);
	}
	return v;
}

struct fixture {
	uint32_t uid;
	char *data;
	gsize len;
};

static GArray *fixtures; /* struct fixture, ascending uid */

static gint cmp_fixture(gconstpointer a, gconstpointer b)
{
	const struct fixture *x = a, *y = b;
	return x->uid < y->uid ? -1 : x->uid > y->uid;
}

static void load_fixtures(void)
{
	const char *dir = env("CTD_IMAP_FIXTURES");
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;
	fixtures = g_array_new(FALSE, TRUE, sizeof(struct fixture));
	assert_non_null(d);
	while ((name = g_dir_read_name(d)) != NULL) {
		struct fixture f = { (uint32_t)strtoul(name, NULL, 10), NULL, 0 };
		char *path = g_build_filename(dir, name, NULL);
		assert_true(g_file_get_contents(path, &f.data, &f.len, NULL));
		g_free(path);
		g_array_append_val(fixtures, f);
	}
	g_dir_close(d);
	g_array_sort(fixtures, cmp_fixture);
	assert_true(fixtures->len >= 5);
}

static struct fixture *fx(unsigned i)
{
	return &g_array_index(fixtures, struct fixture, i);
}

static struct imap_params params(const char *url)
{
	struct imap_params p = {
		.url = url, .folder = "INBOX", .user = env("CTD_IMAP_USER"),
		.password = env("CTD_IMAP_PASSWORD"), .ca_file = env("CTD_CA_FILE"),
		.timeout_s = 10,
	};
	return p;
}

static struct imap *open_imaps(void)
{
	struct imap_params p = params(env("CTD_IMAPS_URL"));
	struct imap *im = imap_new(&p);
	assert_non_null(im);
	return im;
}

/* expect_error - imap_select fails with code. */
static void expect_select_error(const struct imap_params *p, int code)
{
	GError *e = NULL;
	struct imap *im = imap_new(p);
	assert_non_null(im);
	assert_int_equal(imap_select(im, NULL, NULL, NULL, &e), -1);
	assert_non_null(e);
	if (e->code != code)
		fprintf(stderr, "unexpected error %d: %s\n", e->code, e->message);
	assert_int_equal(e->code, code);
	/* no secret may appear in what the caller logs */
	assert_null(strstr(e->message, env("CTD_IMAP_PASSWORD")));
	g_error_free(e);
	imap_free(&im);
	assert_null(im);
}

static void test_select(void **state)
{
	uint32_t v = 0, next = 0, exists = 0, v2 = 0;
	GError *e = NULL;
	struct imap *im = open_imaps();
	assert_int_equal(imap_select(im, &v, &next, &exists, &e), 0);
	assert_null(e);
	assert_true(v != 0);
	assert_int_equal(exists, fixtures->len);
	assert_true(next > fx(fixtures->len - 1)->uid);
	/* again on the same connection: same UIDVALIDITY */
	assert_int_equal(imap_select(im, &v2, NULL, NULL, &e), 0);
	assert_int_equal(v, v2);
	imap_free(&im);
}

static void test_search(void **state)
{
	GError *e = NULL;
	struct imap *im = open_imaps();
	GArray *u = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	assert_int_equal(imap_select(im, NULL, NULL, NULL, &e), 0);
	assert_int_equal(imap_search_since_uid(im, 0, u, &e), (int)fixtures->len);
	for (unsigned i = 0; i < fixtures->len; i++)
		assert_int_equal(g_array_index(u, uint32_t, i), fx(i)->uid);
	g_array_set_size(u, 0);
	assert_int_equal(imap_search_since_uid(im, fx(1)->uid, u, &e),
			 (int)fixtures->len - 2);
	assert_int_equal(g_array_index(u, uint32_t, 0), fx(2)->uid);
	g_array_set_size(u, 0);
	/* "n:*" beyond the last UID must not return the last message */
	assert_int_equal(imap_search_since_uid(im, fx(fixtures->len - 1)->uid, u, &e), 0);
	assert_int_equal(imap_search_since_uid(im, fx(fixtures->len - 1)->uid + 1000, u, &e), 0);
	assert_int_equal(u->len, 0);
	g_array_free(u, TRUE);
	imap_free(&im);
}

struct got {
	GHashTable *seen; /* uid -> count */
	unsigned n, bad;
	int stop_after;
};

static int check_msg(uint32_t uid, int64_t date, const char *data, size_t len, size_t size,
		     void *ctx)
{
	assert_int_equal(len, size);
	struct got *g = ctx;
	struct fixture key = { uid, NULL, 0 };
	guint idx;
	g->n++;
	g_hash_table_insert(g->seen, GUINT_TO_POINTER(uid),
			    GUINT_TO_POINTER(GPOINTER_TO_UINT(g_hash_table_lookup(g->seen, GUINT_TO_POINTER(uid))) + 1));
	if (!g_array_binary_search(fixtures, &key, cmp_fixture, &idx) || !data ||
	    len != fx(idx)->len || memcmp(data, fx(idx)->data, len) != 0 ||
	    date < 1600000000) {
		fprintf(stderr, "uid %u: got %zu bytes, want %zu\n", uid, len,
			idx < fixtures->len ? fx(idx)->len : 0);
		g->bad++;
	}
	return g->stop_after && (int)g->n >= g->stop_after;
}

static void fetch_all(unsigned batch)
{
	struct imap_params p = params(env("CTD_IMAPS_URL"));
	p.batch = batch;
	struct imap *im = imap_new(&p);
	struct got g = { g_hash_table_new(NULL, NULL), 0, 0, 0 };
	GError *e = NULL;
	uint32_t *u = g_new(uint32_t, fixtures->len + 1);
	for (unsigned i = 0; i < fixtures->len; i++)
		u[i] = fx(i)->uid;
	u[fixtures->len] = 999999; /* does not exist: skipped quietly */
	assert_int_equal(imap_select(im, NULL, NULL, NULL, &e), 0);
	int n = imap_fetch_uids(im, u, fixtures->len + 1, check_msg, &g, &e);
	if (e)
		fprintf(stderr, "fetch: %s\n", e->message);
	assert_int_equal(n, (int)fixtures->len);
	assert_int_equal(g.bad, 0);
	assert_int_equal(g_hash_table_size(g.seen), fixtures->len);
	g_hash_table_destroy(g.seen);
	g_free(u);
	imap_free(&im);
}

/* everything in one command, then 3 per command */
static void test_fetch_batch(void **state) { fetch_all(0); }
static void test_fetch_small_batches(void **state) { fetch_all(3); }

static void test_fetch_stop(void **state)
{
	struct imap *im = open_imaps();
	struct got g = { g_hash_table_new(NULL, NULL), 0, 0, 2 };
	GError *e = NULL;
	uint32_t u[3] = { fx(0)->uid, fx(1)->uid, fx(2)->uid };
	assert_int_equal(imap_fetch_uids(im, u, 3, check_msg, &g, &e), -1);
	assert_int_equal(e->code, IMAP_ERR_ABORTED);
	assert_int_equal(g.n, 2);
	g_clear_error(&e);
	/* the connection is still usable afterwards */
	assert_int_equal(imap_select(im, NULL, NULL, NULL, &e), 0);
	g_hash_table_destroy(g.seen);
	imap_free(&im);
}

static size_t biggest;
static const char *big_head;  /* the oversized fixture's bytes */

static int note_size(uint32_t uid, int64_t date, const char *data, size_t len, size_t size,
		     void *ctx)
{
	/* an oversized message: its size, and its first bytes as they are */
	assert_true(len < size);
	assert_int_equal(len, 1u << 20);
	assert_memory_equal(data, big_head, len);
	biggest = size;
	return 0;
}

static void test_fetch_oversized(void **state)
{
	struct imap_params p = params(env("CTD_IMAPS_URL"));
	p.max_message = 1 << 20;
	struct imap *im = imap_new(&p);
	GError *e = NULL;
	unsigned big = 0;
	for (unsigned i = 0; i < fixtures->len; i++)
		if (fx(i)->len > fx(big)->len)
			big = i;
	assert_true(fx(big)->len > (1u << 20));
	big_head = fx(big)->data;
	assert_int_equal(imap_fetch_uids(im, &fx(big)->uid, 1, note_size, NULL, &e), 1);
	assert_int_equal(biggest, fx(big)->len);
	imap_free(&im);
}

static void test_flags_and_move(void **state)
{
	struct imap *im = open_imaps();
	GError *e = NULL;
	uint32_t exists = 0;
	assert_int_equal(imap_mark_seen(im, &fx(0)->uid, 1, &e), 0);
	assert_int_equal(imap_add_keyword(im, &fx(1)->uid, 1, "$Quarantined", &e), 0);
	assert_int_equal(imap_add_keyword(im, &fx(1)->uid, 1, "bad kw", &e), -1);
	assert_int_equal(e->code, IMAP_ERR_INVALID);
	g_clear_error(&e);
	int rc = imap_move(im, &fx(2)->uid, 1, "Processed", &e);
	if (e)
		fprintf(stderr, "move: %s\n", e->message);
	assert_int_equal(rc, 0);
	assert_null(e);
	GArray *u = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	assert_int_equal(imap_search_since_uid(im, 0, u, &e), (int)fixtures->len - 1);
	for (unsigned i = 0; i < u->len; i++)
		assert_true(g_array_index(u, uint32_t, i) != fx(2)->uid);
	g_array_free(u, TRUE);
	imap_free(&im);

	struct imap_params p = params(env("CTD_IMAPS_URL"));
	p.folder = "Processed";
	im = imap_new(&p);
	assert_int_equal(imap_select(im, NULL, NULL, &exists, &e), 0);
	assert_int_equal(exists, 1);
	imap_free(&im);
}

static void test_starttls(void **state)
{
	struct imap_params p = params(env("CTD_IMAP_URL"));
	struct imap *im = imap_new(&p);
	GError *e = NULL;
	assert_int_equal(imap_select(im, NULL, NULL, NULL, &e), 0);
	imap_free(&im);
}

static void test_tls_failures(void **state)
{
	struct imap_params p = params(env("CTD_IMAPS_URL"));
	p.ca_file = env("CTD_WRONG_CA_FILE");
	expect_select_error(&p, IMAP_ERR_TLS);
	p.url = env("CTD_IMAP_URL"); /* STARTTLS, same check */
	expect_select_error(&p, IMAP_ERR_TLS);
	p.ca_file = NULL;            /* the system's CAs do not know ours */
	expect_select_error(&p, IMAP_ERR_TLS);
	p.no_verify = true;          /* only when asked for */
	struct imap *im = imap_new(&p);
	GError *e = NULL;
	assert_int_equal(imap_select(im, NULL, NULL, NULL, &e), 0);
	imap_free(&im);
}

static void test_auth_and_folder_errors(void **state)
{
	struct imap_params p = params(env("CTD_IMAPS_URL"));
	GError *e = NULL;
	p.password = "wrong-password";
	expect_select_error(&p, IMAP_ERR_AUTH);
	p = params(env("CTD_IMAPS_URL"));
	p.folder = "No/Such/Folder";
	expect_select_error(&p, IMAP_ERR_MAILBOX);
	p.folder = "Caf\xc3\xa9";
	expect_select_error(&p, IMAP_ERR_INVALID);
	p = params("imaps://127.0.0.1:1");
	expect_select_error(&p, IMAP_ERR_CONNECT);
	e = g_error_new(IMAP_ERROR, IMAP_ERR_CONNECT, "x");
	assert_true(imap_is_transient(e));
	g_error_free(e);
	p.url = "http://127.0.0.1/";
	assert_null(imap_new(&p));
	p.url = "imaps://user:pw@127.0.0.1/";
	assert_null(imap_new(&p));
}

static void test_xoauth2(void **state)
{
	const char *tok = getenv("CTD_IMAP_OAUTH_TOKEN");
	if (!tok) {
		skip();
		return;
	}
	struct imap_params p = params(env("CTD_IMAPS_URL"));
	p.password = NULL;
	p.oauth_token = tok;
	struct imap *im = imap_new(&p);
	GError *e = NULL;
	int rc = imap_select(im, NULL, NULL, NULL, &e);
	if (e)
		fprintf(stderr, "xoauth2: %s\n", e->message);
	assert_int_equal(rc, 0);
	imap_free(&im);
	p.oauth_token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.bm90LXNpZ25lZA";
	expect_select_error(&p, IMAP_ERR_AUTH);
}

static int count_msg(uint32_t uid, int64_t date, const char *data, size_t len, size_t size,
		     void *ctx)
{
	size_t *bytes = ctx;
	*bytes += len;
	return 0;
}

static void test_bulk_throughput(void **state)
{
	const char *user = getenv("CTD_IMAP_BULK_USER");
	if (!user) {
		skip();
		return;
	}
	unsigned want = (unsigned)atoi(env("CTD_IMAP_BULK_COUNT"));
	struct imap_params p = params(env("CTD_IMAPS_URL"));
	p.user = user;
	p.password = env("CTD_IMAP_BULK_PASSWORD");
	p.batch = getenv("CTD_IMAP_BULK_BATCH") ? (unsigned)atoi(getenv("CTD_IMAP_BULK_BATCH")) : 0;
	struct imap *im = imap_new(&p);
	GError *e = NULL;
	GArray *u = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	size_t bytes = 0;
	gint64 t0 = g_get_monotonic_time();
	assert_int_equal(imap_select(im, NULL, NULL, NULL, &e), 0);
	int found = imap_search_since_uid(im, 0, u, &e);
	if (e)
		fprintf(stderr, "search: %s\n", e->message);
	assert_int_equal(found, (int)want);
	int n = imap_fetch_uids(im, (uint32_t *)u->data, u->len, count_msg, &bytes, &e);
	double s = (double)(g_get_monotonic_time() - t0) / 1e6;
	assert_int_equal(n, (int)want);
	printf("# imap fetch: %u messages, %.1f MB in %.2f s over imaps = %.0f msg/s, "
	       "%.1f MB/s (batch %u)\n", want, bytes / 1e6, s, want / s,
	       bytes / 1e6 / s, p.batch ? p.batch : 200);
	g_array_free(u, TRUE);
	imap_free(&im);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_search),
		cmocka_unit_test(test_fetch_batch),
		cmocka_unit_test(test_fetch_small_batches),
		cmocka_unit_test(test_fetch_stop),
		cmocka_unit_test(test_fetch_oversized),
		cmocka_unit_test(test_starttls),
		cmocka_unit_test(test_tls_failures),
		cmocka_unit_test(test_auth_and_folder_errors),
		cmocka_unit_test(test_xoauth2),
		cmocka_unit_test(test_bulk_throughput),
		cmocka_unit_test(test_flags_and_move), /* last: changes the mailbox */
	};
	imap_global_init();
	log_open("test_imap", false, getenv("CTD_IMAP_TRACE") ? LOG_LVL_DEBUG : LOG_LVL_WARN);
	load_fixtures();
	return cmocka_run_group_tests_name("imap", tests, NULL, NULL);
}
