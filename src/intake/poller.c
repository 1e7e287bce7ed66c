/* poller - IMAP mailbox threads. */
#include "intake/poller.h"

#include <malloc.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/config.h"
#include "intake/imap.h"
#include "workflow/ingest.h"
#include "lib/lifecycle.h"
#include "lib/log.h"
#include "mail/message.h"
#include "lib/metrics.h"
#include "mail/mime.h"
#include "workflow/pipeline.h"
#include "store/store.h"

struct poller {
	const struct pipeline_env *env;
	const struct config_mailbox *mb;
	const struct store_params *db;
	GThread *thread;
};

/* strikes - how often each UID of the mailbox broke the batch it was in
 * (issue 10.5): a mail that kills the database connection or cannot be
 * fetched fails its whole batch, again at every poll, and everything
 * behind it waits. A failed batch is tried again one mail at a time; a mail
 * that fails quarantine_after times is quarantined alone, and the others go
 * on. Strikes count only while the database and the IMAP server answer: an
 * outage is not the mail's fault. */
struct strikes {
	GHashTable *n;        /* uid -> count */
	uint32_t uidvalidity;
};

/* One batch on its way from IMAP to the database. */
struct batch {
	const struct pipeline_env *env;
	const struct config_mailbox *mb;
	struct mime_limits limits;
	uint32_t uidvalidity;
	int64_t import_before;   /* mail older than this gets no acknowledgement */
	GArray *items;           /* struct pipeline_item */
};

static void batch_clear(struct batch *b)
{
	for (unsigned i = 0; i < b->items->len; i++) {
		struct pipeline_item *it = &g_array_index(b->items, struct pipeline_item, i);
		pipeline_item_clear(it);
		msg_free(&it->msg);
	}
	g_array_set_size(b->items, 0);
}

/* oversized - a mail over max_message_size: what its first bytes say
 * (sender, subject, usually the text: the complaint is opened and
 * answered like any other), without attachments, which are cut or were
 * never read; a note tells staff where the whole mail is. Without even a
 * head, a placeholder keeps the record, and it is not answered. */
static struct message *oversized(struct batch *b, uint32_t uid, const char *data, size_t len,
				 size_t size)
{
	struct message *m;
	if (data && len) {
		struct mime_limits lim = b->limits;
		lim.head_only = true;
		m = mime_parse(data, len, &lim);
	} else {
		m = msg_new(MSG_CHANNEL_EMAIL);
		msg_set_subject(m, "(message over the size limit, left on the IMAP server)");
		msg_add_flags(m, MSG_F_PARSE_ERROR | MSG_F_NO_SENDER);
	}
	msg_add_flags(m, MSG_F_TRUNCATED);
	msg_add_note(m, "message of %zu bytes exceeds max_message_size: %s; the whole "
		     "message is in mailbox %s uid %u", size,
		     len ? "only its first part was read and no attachment was kept"
			 : "nothing of it was read", b->mb->name, uid);
	log_warn("oversized mailbox=%s uid=%u size=%zu read=%zu", b->mb->name, uid, size, len);
	return m;
}

static int on_message(uint32_t uid, int64_t internaldate, const char *data, size_t len,
		      size_t size, void *ctx)
{
	struct batch *b = ctx;
	struct pipeline_item it = { 0 };
	it.msg = len < size ? oversized(b, uid, data, len, size) : mime_parse(data, len, &b->limits);
	it.mailbox = b->mb->name;
	it.uidvalidity = b->uidvalidity;
	it.uid = uid;
	it.no_ack = b->import_before && internaldate && internaldate < b->import_before;
	g_array_append_val(b->items, it);
	return 0;
}

static void limits_from_config(const struct config *cfg, struct mime_limits *lim)
{
	mime_limits_default(lim);
	lim->max_message_size = (size_t)cfg->max_message_size;
	lim->max_attachments = (unsigned)cfg->max_attachments;
	lim->max_attachment_size = (size_t)cfg->max_attachment_size;
	lim->max_depth = (unsigned)cfg->max_mime_depth;
	lim->max_parts = (unsigned)cfg->max_mime_parts;
}

/* room in a quarantine row for the reason and the other columns */
#define TEXT_ROOM ((size_t)64 * 1024)

/* quarantine - keep what failed, flag it on the server, let the rest go on. */
static int quarantine(struct store *store, struct imap *imap, const struct config_mailbox *mb,
		      struct pipeline_item *it, int64_t now, GError **err)
{
	GBytes *raw = msg_raw(it->msg);
	size_t len = raw ? g_bytes_get_size(raw) : 0;
	/* a row over max_allowed_packet would cost the connection: such a
	 * mail stays on the server (flagged) and the reason says so */
	size_t budget = store_row_budget(store);
	bool fits = budget > TEXT_ROOM && len <= budget - TEXT_ROOM;
	char *reason = fits ? g_strdup(it->error)
			    : g_strdup_printf("%s (raw source of %zu bytes left on the IMAP "
					      "server: over max_allowed_packet)", it->error, len);
	log_error("quarantined mailbox=%s uid=%u reason=\"%s\"", mb->name, it->uid, reason);
	int rc = store_quarantine(store, mb->name, it->uidvalidity, it->uid, reason,
				  fits && raw ? g_bytes_get_data(raw, NULL) : "", fits ? len : 0,
				  now, err);
	g_free(reason);
	if (rc < 0)
		return -1;
	return imap_add_keyword(imap, &it->uid, 1, "$Quarantined", err);
}

/* quarantine_unread - a UID that failed too often: recorded without its
 * bytes (it stays on the server, flagged), marked so the poll moves on. */
static int quarantine_unread(struct store *store, struct imap *imap,
			     const struct config_mailbox *mb, uint32_t uidvalidity,
			     uint32_t uid, unsigned fails, int64_t now, GError **err)
{
	char *reason = g_strdup_printf("failed %u times in a row (connection lost, fetch "
				       "failed or too big for the database); left on the IMAP "
				       "server", fails);
	log_error("quarantined mailbox=%s uid=%u reason=\"%s\"", mb->name, uid, reason);
	int rc = store_quarantine(store, mb->name, uidvalidity, uid, reason, "", 0, now, err);
	g_free(reason);
	if (rc == 0)
		rc = imap_add_keyword(imap, &uid, 1, "$Quarantined", err);
	return rc;
}

/* acknowledge_source - the commit is done: now, and only now, tell IMAP. */
static int acknowledge_source(struct imap *imap, const struct config_mailbox *mb,
			      const uint32_t *uids, unsigned n, GError **err)
{
	if (!n)
		return 0;
	if (*mb->processed_folder)
		return imap_move(imap, uids, n, mb->processed_folder, err);
	return imap_mark_seen(imap, uids, n, err);
}

/* The next batch fetched and parsed on a thread of its own while this one
 * is stored: the IMAP connection and the parsing would otherwise wait for
 * the database, and the database for them (a batch of 200 spent a fifth of
 * its time fetching and parsing with both lanes idle). The IMAP connection
 * is the fetch's alone until fetch_wait; the source is acknowledged only
 * after that, and only for the batch that was committed. */
struct fetch_job {
	struct fetcher *fe;
	struct batch *b;          /* empty when started */
	struct imap *imap;
	const uint32_t *uids;
	unsigned n;
	int rc;
	GError *err;
	bool started;
};

/* fetcher - the one thread that fetches ahead for a mailbox, for as long
 * as its poller runs. A thread per batch landed in another malloc arena
 * each time (glibc hands a new thread the next arena in turn), and every
 * arena kept a batch's worth of freed pages: the peak resident size in a
 * backlog was 2.5 MB higher than with one thread that reuses its own. */
struct fetcher {
	GThread *thread;
	GAsyncQueue *todo, *done;   /* struct fetch_job; NULL b: stop */
};

static gpointer fetch_thread(gpointer data)
{
	struct fetcher *fe = data;
	for (;;) {
		struct fetch_job *j = g_async_queue_pop(fe->todo);
		if (!j->b)
			break;
		j->rc = imap_fetch_uids(j->imap, j->uids, j->n, on_message, j->b,
					&j->err) < 0 ? -1 : 0;
		g_async_queue_push(fe->done, j);
	}
	return NULL;
}

static void fetcher_init(struct fetcher *fe, const char *mailbox)
{
	fe->todo = g_async_queue_new();
	fe->done = g_async_queue_new();
	char *name = g_strdup_printf("fetch-%s", mailbox);
	fe->thread = g_thread_new(name, fetch_thread, fe);
	g_free(name);
}

static void fetcher_clear(struct fetcher *fe)
{
	static struct fetch_job stop;  /* b NULL */
	g_async_queue_push(fe->todo, &stop);
	g_thread_join(fe->thread);
	g_async_queue_unref(fe->todo);
	g_async_queue_unref(fe->done);
}

static void fetch_start(struct fetch_job *j)
{
	j->started = true;
	g_async_queue_push(j->fe->todo, j);
}

static void fetch_wait(struct fetch_job *j)
{
	if (j && j->started) {
		struct fetch_job *got = g_async_queue_pop(j->fe->done);
		g_assert(got == j);  /* one job at a time */
		j->started = false;
	}
}

/* process_batch - fetch (unless fetched already), ingest, quarantine
 * failures, acknowledge; next, if given, is fetched meanwhile and has
 * ended when this returns. */
static int process_batch(struct batch *b, struct imap *imap, struct store *store,
			 struct ingest *ig, const uint32_t *uids, unsigned n, int64_t now,
			 bool fetched, struct fetch_job *next, GError **err)
{
	gint64 t0 = g_get_monotonic_time();
	if (!fetched && imap_fetch_uids(imap, uids, n, on_message, b, err) < 0)
		return -1;
	gint64 t1 = g_get_monotonic_time();
	if (next)
		fetch_start(next);
	struct pipeline_item *items = (struct pipeline_item *)(void *)b->items->data;
	int stored = ingest_batch(ig, items, b->items->len, now, err);
	fetch_wait(next);
	if (stored < 0)
		return -1;
	gint64 t2 = g_get_monotonic_time();
	GArray *done = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	int rc = 0;
	for (unsigned i = 0; i < b->items->len && rc == 0; i++) {
		if (items[i].outcome == PIPELINE_FAILED)
			rc = quarantine(store, imap, b->mb, &items[i], now, err);
		g_array_append_val(done, items[i].uid);
	}
	if (rc == 0)
		rc = acknowledge_source(imap, b->mb, (uint32_t *)(void *)done->data, done->len, err);
	log_debug("batch mailbox=%s n=%u fetch+parse_ms=%lld store_ms=%lld imap_ack_ms=%lld%s",
		  b->mb->name, n, (long long)(t1 - t0) / 1000, (long long)(t2 - t1) / 1000,
		  (long long)(g_get_monotonic_time() - t2) / 1000,
		  fetched ? " (fetched with the batch before)" : "");
	g_array_free(done, TRUE);
	return rc;
}

/* healthy - after a failure: do the database and the mailbox still answer
 * (reconnecting as needed)? Only then was it the mail's fault. */
static bool healthy(struct store *store, struct imap *imap)
{
	uint32_t validity, next, exists;
	return store_ping(store, NULL) == 0 &&
	       imap_select(imap, &validity, &next, &exists, NULL) == 0;
}

static unsigned strike_add(struct strikes *st, uint32_t uid)
{
	unsigned k = GPOINTER_TO_UINT(g_hash_table_lookup(st->n, GUINT_TO_POINTER(uid))) + 1;
	g_hash_table_insert(st->n, GUINT_TO_POINTER(uid), GUINT_TO_POINTER(k));
	return k;
}

static bool any_struck(const struct strikes *st, const uint32_t *uids, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (g_hash_table_contains(st->n, GUINT_TO_POINTER(uids[i])))
			return true;
	return false;
}

/* one_by_one - each UID as a batch of its own: a failure is a strike
 * against that mail alone, quarantine_after strikes quarantine it; *hold
 * gets the first UID left to try again (0: none). -1 when a server went
 * away meanwhile. */
static int one_by_one(struct batch *b, struct imap *imap, struct store *store,
		      struct ingest *ig, const uint32_t *uids, unsigned n,
		      struct strikes *st, int64_t now, uint32_t *hold, GError **err)
{
	unsigned limit = (unsigned)b->env->cfg->quarantine_after;
	for (unsigned i = 0; i < n; i++) {
		GError *e = NULL;
		int rc = process_batch(b, imap, store, ig, &uids[i], 1, now, false, NULL, &e);
		batch_clear(b);
		if (rc == 0) {
			g_hash_table_remove(st->n, GUINT_TO_POINTER(uids[i]));
			continue;
		}
		if (!healthy(store, imap)) {
			g_propagate_error(err, e);
			return -1;
		}
		/* a deadlock or a database that cannot serve yet is nobody's
		 * fault: the mail waits for the next poll without a strike */
		if (e && e->domain == STORE_ERROR &&
		    (e->code == STORE_ERROR_RETRY || e->code == STORE_ERROR_CONNECTION)) {
			log_warn("mailbox=%s uid=%u waits for the next poll: %s", b->mb->name,
				 uids[i], e->message);
			g_clear_error(&e);
			if (!*hold)
				*hold = uids[i];
			continue;
		}
		unsigned k = strike_add(st, uids[i]);
		log_warn("mailbox=%s uid=%u failed (%u of %u before quarantine): %s",
			 b->mb->name, uids[i], k, limit, e ? e->message : "?");
		g_clear_error(&e);
		if (k < limit) {
			if (!*hold)
				*hold = uids[i];
			continue;
		}
		if (quarantine_unread(store, imap, b->mb, b->uidvalidity, uids[i], k, now, err) < 0 ||
		    acknowledge_source(imap, b->mb, &uids[i], 1, err) < 0)
			return -1;
		g_hash_table_remove(st->n, GUINT_TO_POINTER(uids[i]));
	}
	return 0;
}

/* run_batch - uids[0..n) in one batch (fetched already if fetched); if
 * that fails while both servers still answer, or a mail in it failed
 * before, one by one. next, if given, is fetched meanwhile; when the batch
 * failed, what it fetched is dropped (next->n = 0). */
static int run_batch(struct batch *b, struct imap *imap, struct store *store,
		     struct ingest *ig, const uint32_t *uids, unsigned n, bool fetched,
		     struct fetch_job *next, struct strikes *st, int64_t now, uint32_t *hold,
		     GError **err)
{
	if (!any_struck(st, uids, n)) {
		int rc = process_batch(b, imap, store, ig, uids, n, now, fetched, next, err);
		batch_clear(b);
		if (rc == 0)
			return 0;
		if (next) {  /* fetched again after the one-by-one round */
			batch_clear(next->b);
			g_clear_error(&next->err);
			next->n = 0;
		}
		if (!healthy(store, imap))
			return -1;
		log_warn("mailbox=%s batch of %u failed, trying one by one: %s", b->mb->name, n,
			 *err ? (*err)->message : "?");
		g_clear_error(err);
	} else {
		if (fetched)
			batch_clear(b);
		if (next)
			next->n = 0;  /* not started */
	}
	return one_by_one(b, imap, store, ig, uids, n, st, now, hold, err);
}

/* mailbox_state - where we stand; a first attach or a UIDVALIDITY change
 * starts from UID 0 (idempotent ingestion makes the second case harmless). */
static int mailbox_state(struct store *store, const struct config_mailbox *mb,
			 uint32_t uidvalidity, int64_t now, uint32_t *last_uid,
			 int64_t *attached_at, GError **err)
{
	uint32_t known_validity = 0;
	int found = store_mailbox_get(store, mb->name, &known_validity, last_uid, attached_at, err);
	if (found < 0)
		return -1;
	if (!found) {
		*last_uid = 0;
		*attached_at = now;
		log_info("mailbox attached mailbox=%s uidvalidity=%u "
			 "(mail older than %llds is imported without acknowledgement)",
			 mb->name, uidvalidity, (long long)mb->import_older_than);
		return store_mailbox_set(store, mb->name, uidvalidity, 0, now, err);
	}
	if (known_validity != uidvalidity) {
		log_warn("UIDVALIDITY changed mailbox=%s old=%u new=%u: rescanning",
			 mb->name, known_validity, uidvalidity);
		*last_uid = 0;
		return store_mailbox_set(store, mb->name, uidvalidity, 0, now, err);
	}
	return 0;
}

static int poll_once(const struct pipeline_env *env, const struct config_mailbox *mb,
		     struct imap *imap, struct store *store, struct ingest *ig,
		     struct fetcher *fe, struct strikes *st, int64_t now, GError **err)
{
	uint32_t uidvalidity = 0, uidnext = 0, exists = 0, last_uid = 0;
	int64_t attached_at = 0;
	if (imap_select(imap, &uidvalidity, &uidnext, &exists, err) < 0)
		return -1;
	if (mailbox_state(store, mb, uidvalidity, now, &last_uid, &attached_at, err) < 0)
		return -1;
	if (st->uidvalidity != uidvalidity) {
		g_hash_table_remove_all(st->n);   /* other UIDs now */
		st->uidvalidity = uidvalidity;
	}
	GArray *uids = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	int handled = 0;
	uint32_t hold = 0, marked = last_uid;
	if (imap_search_since_uid(imap, last_uid, uids, err) < 0) {
		g_array_free(uids, TRUE);
		return -1;
	}
	struct batch b[2] = { { .env = env, .mb = mb, .uidvalidity = uidvalidity,
				.import_before = attached_at - mb->import_older_than,
				.items = g_array_new(FALSE, TRUE, sizeof(struct pipeline_item)) } };
	limits_from_config(env->cfg, &b[0].limits);
	b[1] = b[0];
	b[1].items = g_array_new(FALSE, TRUE, sizeof(struct pipeline_item));
	const uint32_t *all = (const uint32_t *)(void *)uids->data;
	unsigned cur = 0;
	bool fetched = false;  /* b[cur] holds the batch at off */
	for (unsigned off = 0; off < uids->len; off += (unsigned)mb->batch) {
		unsigned n = MIN((unsigned)mb->batch, uids->len - off);
		unsigned noff = off + n, nn = MIN((unsigned)mb->batch, uids->len - noff);
		struct fetch_job next = { .fe = fe, .b = &b[cur ^ 1], .imap = imap,
					  .uids = all + noff, .n = nn };
		/* a batch with a mail that failed before goes one by one */
		bool ahead = nn && !any_struck(st, all + noff, nn);
		if (run_batch(&b[cur], imap, store, ig, all + off, n, fetched, ahead ? &next : NULL,
			      st, now, &hold, err) < 0) {
			batch_clear(next.b);
			g_clear_error(&next.err);
			handled = -1;
			break;
		}
		/* recorded after the source was told: a crash in between finds the
		 * same UIDs again, and they come back as duplicates. A mail to be
		 * tried again holds the mark below it; those after it are done
		 * already and come back as duplicates. */
		uint32_t mark = hold ? hold - 1 : all[off + n - 1];
		if (mark != marked &&
		    store_mailbox_set(store, mb->name, uidvalidity, mark, now, err) < 0) {
			batch_clear(next.b);
			g_clear_error(&next.err);
			handled = -1;
			break;
		}
		marked = mark;
		handled += (int)n;
		lifecycle_kick(LIFECYCLE_OUTBOX);
		fetched = ahead && next.n;
		if (fetched && next.rc < 0) {
			/* fetched again in the loop's own turn, where a mail that
			 * cannot be fetched is tried one by one (and a connection
			 * that is gone ends the poll) */
			log_debug("mailbox=%s fetch ahead failed: %s", mb->name,
				  next.err ? next.err->message : "?");
			g_clear_error(&next.err);
			batch_clear(next.b);
			fetched = false;
		}
		if (lifecycle_stopping()) {
			batch_clear(next.b);  /* not acknowledged: fetched again next time */
			break;
		}
		cur ^= 1;
	}
	g_array_free(b[0].items, TRUE);
	g_array_free(b[1].items, TRUE);
	g_array_free(uids, TRUE);
	/* what the batches were parsed into is free now, but the malloc
	 * arenas of the fetch thread and the lanes keep the pages: 41 MB
	 * resident after a backlog of 10,000 mails, 32 once given back. Once
	 * a poll (2-3 ms): after every batch it cost a quarter of the ingest
	 * rate (arena locks held, the pages faulted in again) */
	if (handled > 0)
		malloc_trim(0);
	return handled;
}

/* read_token - XOAUTH2 bearer from a file or a helper command, fresh for
 * every connection because such tokens live an hour or less. */
static char *read_token(const struct config_mailbox *mb, char **error_r)
{
	if (*mb->oauth_token_file)
		return config_read_secret(mb->oauth_token_file, error_r);
	char *out = NULL, *errout = NULL;
	int status = 0;
	GError *err = NULL;
	if (!g_spawn_command_line_sync(mb->oauth_token_command, &out, &errout, &status, &err)) {
		*error_r = g_strdup_printf("oauth_token_command: %s", err->message);
		g_error_free(err);
		return NULL;
	}
	if (!g_spawn_check_wait_status(status, &err)) {
		*error_r = g_strdup_printf("oauth_token_command: %s: %s", err->message,
					   errout ? g_strstrip(errout) : "");
		g_error_free(err);
		g_free(out);
		g_free(errout);
		return NULL;
	}
	g_free(errout);
	return g_strstrip(out);
}

static struct imap *connect_mailbox(const struct config *cfg, const struct config_mailbox *mb,
				    char **error_r)
{
	char *secret = *mb->password_file ? config_read_secret(mb->password_file, error_r)
					  : read_token(mb, error_r);
	if (!secret)
		return NULL;
	struct imap_params ip = {
		.url = mb->url, .folder = mb->folder, .user = mb->user,
		.password = *mb->password_file ? secret : NULL,
		.oauth_token = *mb->password_file ? NULL : secret,
		.allow_plaintext = !mb->starttls,
		.ca_file = *mb->ca_file ? mb->ca_file : NULL,
		.no_verify = !mb->verify, .timeout_s = (unsigned)mb->timeout,
		.max_message = (size_t)cfg->max_message_size, .batch = (unsigned)mb->batch,
	};
	struct imap *im = imap_new(&ip);
	explicit_bzero(secret, strlen(secret));
	g_free(secret);
	if (!im)
		*error_r = g_strdup_printf("url '%s' is not usable (a login in the URL is "
					   "refused: use user and password_file)", mb->url);
	return im;
}

static gpointer poller_thread(gpointer data)
{
	struct poller *p = data;
	const struct config_mailbox *mb = p->mb;
	struct store *store = NULL;
	struct imap *imap = NULL;
	struct ingest *ig = NULL;
	int64_t backoff = 0;
	struct strikes strikes = { .n = g_hash_table_new(g_direct_hash, g_direct_equal) };
	struct fetcher fetcher;
	fetcher_init(&fetcher, mb->name);
	while (!lifecycle_stopping()) {
		char *error = NULL;
		GError *err = NULL;
		if (!store && !(store = store_open(p->db, &err)))
			error = g_strdup_printf("database: %s", err->message);
		if (store && !ig)  /* its lane 0 runs on this store */
			ig = ingest_new(p->env, p->db, store, (unsigned)mb->db_connections);
		if (!error && !imap)
			imap = connect_mailbox(p->env->cfg, mb, &error);
		if (!error && poll_once(p->env, mb, imap, store, ig, &fetcher, &strikes,
					clock_now(), &err) < 0)
			error = g_strdup(err ? err->message : "poll failed");
		g_clear_error(&err);
		int64_t wait = mb->poll_interval;
		if (error) {
			/* start afresh next time: connections may be half dead */
			imap_free(&imap);
			if (store && store_ping(store, NULL) < 0) {
				ingest_free(&ig);  /* its lane 0 uses this store */
				store_close(&store);
			}
			backoff = backoff ? MIN(backoff * 2, 900) : MIN(mb->poll_interval, 5);
			wait = backoff;
			metrics_inc(METRIC_IMAP_POLL_ERRORS);
			log_warn("mailbox=%s poll failed, retrying in %llds: %s", mb->name,
				 (long long)wait, error);
			g_free(error);
		} else {
			backoff = 0;
		}
		lifecycle_sleep(LIFECYCLE_GENERAL, wait * 1000);
	}
	g_hash_table_unref(strikes.n);
	fetcher_clear(&fetcher);
	ingest_free(&ig);
	imap_free(&imap);
	store_close(&store);
	return NULL;
}

struct poller *poller_start(const struct pipeline_env *env, const struct config_mailbox *mb,
			    const struct store_params *db)
{
	struct poller *p = g_new0(struct poller, 1);
	p->env = env;
	p->mb = mb;
	p->db = db;
	char *name = g_strdup_printf("imap-%s", mb->name);
	p->thread = g_thread_new(name, poller_thread, p);
	g_free(name);
	return p;
}

void poller_join(struct poller **pp)
{
	struct poller *p = *pp;
	if (!p)
		return;
	g_thread_join(p->thread);
	g_free(p);
	*pp = NULL;
}
