/* sender - the outbox sender thread. */
#include "daemon/sender.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/config.h"
#include "lib/lifecycle.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "mail/mailout.h"
#include "mail/smtp.h"
#include "store/store.h"

#define CLAIM_MAX 50
#define LEASE_SECONDS 300

/* One sender thread. */
struct worker {
	const struct config *cfg;
	const struct store_params *db;
	GThread *thread;
	const char *host;
	char owner[96];    /* host:pid:start:N, see proc_start; fits claimed_by */
};

struct sender {
	char host[33];     /* at most 32 bytes: the owner must fit claimed_by (64) */
	unsigned n;
	struct worker *workers;
};

/* proc_start - a process's start time in clock ticks since boot (field 22
 * of /proc/PID/stat), 0 if there is no such process. With the pid it names
 * one process for good: a pid reused later has another start time. */
static unsigned long long proc_start(long pid)
{
	char path[64], *text = NULL;
	g_snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if (!g_file_get_contents(path, &text, NULL, NULL))
		return 0;
	unsigned long long start = 0;
	const char *p = strrchr(text, ')');  /* the command name may hold spaces */
	for (int field = 2; p && *p && field < 22; p++)
		if (*p == ' ')
			field++;
	if (p)
		start = g_ascii_strtoull(p, NULL, 10);
	g_free(text);
	return start;
}

/* release_dead_claims - rows claimed by a sender on this host whose process
 * is gone go back to pending now, instead of after their lease. */
static void release_dead_claims(struct store *store, const char *host)
{
	char *prefix = g_strdup_printf("%s:", host);
	GPtrArray *owners = g_ptr_array_new_with_free_func(g_free);
	if (store_outbox_claimants(store, prefix, owners, NULL) > 0) {
		for (unsigned i = 0; i < owners->len; i++) {
			const char *owner = g_ptr_array_index(owners, i);
			long pid = 0;
			unsigned long long start = 0;
			if (sscanf(owner + strlen(prefix), "%ld:%llu", &pid, &start) != 2 ||
			    proc_start(pid) == start)
				continue;
			int n = store_outbox_release(store, owner, NULL);
			if (n > 0)
				log_info("outbox: released %d mail%s claimed by dead sender %s",
					 n, n == 1 ? "" : "s", owner);
		}
	}
	g_ptr_array_unref(owners);
	g_free(prefix);
}

/* release_own_claims - after a claim whose outcome could not be recorded,
 * its rows (still 'sending' under our name) go back to pending at once
 * instead of after the lease: sent again with the same Message-ID, at least
 * once as after a crash. 0 when done. */
static int release_own_claims(struct store *store, const char *owner)
{
	int n = store_outbox_release(store, owner, NULL);
	if (n > 0)
		log_info("outbox: %d mail%s whose sending was not recorded go%s again", n,
			 n == 1 ? "" : "s", n == 1 ? "es" : "");
	return n < 0 ? -1 : 0;
}

int64_t sender_backoff(const struct config *cfg, unsigned attempts)
{
	int64_t d = cfg->smtp_retry_min;
	for (unsigned i = 1; i < attempts && d < cfg->smtp_retry_max; i++)
		d *= 2;
	return MIN(d, cfg->smtp_retry_max);
}

/* What the relay said about one claimed mail. */
struct outcome {
	int rc;        /* smtp_send: 0 sent, 1 temporary, 2 permanent */
	char *why;     /* reply text or error; NULL when sent */
};

/* send_one - true when the relay answered at all; false when it could not
 * be reached, which says nothing about this mail and everything about the
 * ones behind it. */
static bool send_one(struct smtp *smtp, const struct outbox_item *it, const char *text,
		     struct outcome *o)
{
	char *reply = NULL;
	GError *serr = NULL;
	GBytes *mail = mailout_outbox_mail(it->raw, text, &serr);
	if (!mail) {
		/* no relay can help a row we cannot read: it fails for good
		 * (logged as rejected, with this reason) and the mails behind
		 * it go on */
		o->rc = 2;
		o->why = g_strdup_printf("not composed: %s", serr->message);
		g_error_free(serr);
		return true;
	}
	o->rc = smtp_send(smtp, it->mail_from, it->rcpt, g_bytes_get_data(mail, NULL),
			  g_bytes_get_size(mail), &reply, &serr);
	g_bytes_unref(mail);
	o->why = o->rc == 0 ? NULL : g_strdup(reply ? reply : serr ? serr->message : "unknown");
	bool answered = o->rc != 1 || reply != NULL;
	g_free(reply);
	g_clear_error(&serr);
	return answered;
}

/* What becomes of one claimed mail, decided once from the relay's answer:
 * the transaction that records it may run several times, the log line and
 * the counters must not. */
enum fate { FATE_SENT, FATE_REJECTED, FATE_GAVE_UP, FATE_DEFERRED };

static enum fate fate_of(const struct config *cfg, const struct outbox_item *it,
			 const struct outcome *o, int64_t now)
{
	if (o->rc == 0)
		return FATE_SENT;
	if (o->rc == 2)
		return FATE_REJECTED;
	return now - it->created_at > cfg->smtp_give_up ? FATE_GAVE_UP : FATE_DEFERRED;
}

/* record - write one outcome (inside the caller's transaction); record_tx
 * gathers the mails that left into one statement instead. */
static int record(const struct config *cfg, struct store *store, const struct outbox_item *it,
		  const struct outcome *o, int64_t now, GError **err)
{
	switch (fate_of(cfg, it, o, now)) {
	case FATE_SENT:
		return store_outbox_sent(store, &it->id, 1, now, err);
	case FATE_REJECTED:
		if (store_outbox_failed(store, it->id, o->why, err) < 0)
			return -1;
		if (strstr(o->why, "5.1."))
			return store_suppress(store, it->rcpt, now + cfg->ack_bounce_suppress,
					      o->why, now, err);
		return 0;
	case FATE_GAVE_UP:
		return store_outbox_failed(store, it->id, o->why, err);
	case FATE_DEFERRED:
	default:
		return store_outbox_retry(store, it->id, now + sender_backoff(cfg, it->attempts),
					  o->why, err);
	}
}

/* report - the log line and the counters of one recorded outcome, once,
 * after its commit. */
static void report(const struct config *cfg, const struct outbox_item *it,
		   const struct outcome *o, int64_t now)
{
	unsigned long long id = (unsigned long long)it->id;
	switch (fate_of(cfg, it, o, now)) {
	case FATE_SENT:
		log_info("sent outbox=%llu kind=%s rcpt=%s message_id=%s", id, it->kind,
			 log_addr(it->rcpt), it->message_id);
		metrics_inc(METRIC_OUTBOX_SENT);
		break;
	case FATE_REJECTED:
		log_warn("rejected outbox=%llu rcpt=%s reply=\"%s\"", id, it->rcpt, o->why);
		metrics_inc(METRIC_OUTBOX_FAILURES);
		break;
	case FATE_GAVE_UP:
		log_error("giving up outbox=%llu rcpt=%s after %u attempts: %s", id, it->rcpt,
			  it->attempts, o->why);
		metrics_inc(METRIC_OUTBOX_FAILURES);
		break;
	case FATE_DEFERRED:
		metrics_inc(METRIC_OUTBOX_RETRIES);
		log_warn("deferred outbox=%llu rcpt=%s attempt=%u retry_in=%llds: %s", id, it->rcpt,
			 it->attempts, (long long)sender_backoff(cfg, it->attempts), o->why);
		break;
	}
}

struct record_tx {
	const struct config *cfg;
	struct store *store;
	GPtrArray *items;
	const struct outcome *out;
	int64_t now;
};

static int record_tx(void *ctx, GError **err)
{
	struct record_tx *t = ctx;
	uint64_t *sent = g_new(uint64_t, t->items->len);
	unsigned n = 0;
	int rc = 0;
	for (unsigned i = 0; i < t->items->len && rc == 0; i++) {
		const struct outbox_item *it = g_ptr_array_index(t->items, i);
		if (fate_of(t->cfg, it, &t->out[i], t->now) == FATE_SENT)
			sent[n++] = it->id;
		else
			rc = record(t->cfg, t->store, it, &t->out[i], t->now, err);
	}
	if (rc == 0)
		rc = store_outbox_sent(t->store, sent, n, t->now, err);
	g_free(sent);
	return rc;
}

/* record_all - every outcome of one claim in one transaction: one commit
 * (one fsync) per claim instead of one per mail. If the daemon dies before
 * the commit, the claimed mail goes again after its lease, with the same
 * Message-ID: at least once, as before.
 * The outcomes are known and the mail has left: a transaction the database
 * chose as a deadlock victim is simply run again (store_tx). Left
 * unrecorded, the rows would stay 'sending' for the whole lease. The log
 * lines and counters of the outcomes come once, after the commit. */
static int record_all(const struct config *cfg, struct store *store, GPtrArray *items,
		      const struct outcome *out, int64_t now, GError **err)
{
	struct record_tx t = { cfg, store, items, out, now };
	if (store_tx(store, record_tx, &t, err) < 0)
		return -1;
	for (unsigned i = 0; i < items->len; i++)
		report(cfg, g_ptr_array_index(items, i), &out[i], now);
	return 0;
}

/* sender_run_once - claim and send what is due at now: mails handled,
 * SENDER_RELAY_DOWN when the relay could not be reached (the claimed mail is
 * deferred; no use trying more now), or -1 with *error_r for the database. */
#define SENDER_RELAY_DOWN (-2)

/* quoted_texts - the message texts the claimed packed rows left out (a
 * notification quoting the customer's mail), one read for the claim: texts[i]
 * NULL when items[i] left none out or the text is gone (erased by
 * complaintctl forget: the mail goes without it). -1 when the database
 * cannot say: the mails that left a text out must not go without it, and
 * wait for another try; the others go. */
static int quoted_texts(struct store *store, GPtrArray *items, char **texts, GError **err)
{
	uint64_t *rows = g_new0(uint64_t, items->len);
	bool any = false;
	for (unsigned i = 0; i < items->len; i++) {
		const struct outbox_item *it = g_ptr_array_index(items, i);
		rows[i] = mailout_outbox_text_row(it->raw);
		any = any || rows[i];
	}
	int rc = any ? store_message_texts(store, rows, items->len, texts, err) : 0;
	g_free(rows);
	return rc;
}

static int sender_run_once(const struct config *cfg, struct store *store, struct smtp *smtp,
			   const char *owner, int64_t now, char **error_r)
{
	GPtrArray *items = g_ptr_array_new_with_free_func((GDestroyNotify)outbox_item_free);
	GError *err = NULL;
	int handled = store_outbox_claim(store, owner, now, LEASE_SECONDS, CLAIM_MAX, items, &err);
	if (handled > 0) {
		struct outcome *out = g_new0(struct outcome, items->len);
		char **texts = g_new0(char *, items->len);
		GError *terr = NULL;
		bool texts_read = quoted_texts(store, items, texts, &terr) == 0;
		bool reachable = true;
		for (unsigned i = 0; i < items->len; i++) {
			struct outbox_item *it = g_ptr_array_index(items, i);
			if (reachable && !texts_read && mailout_outbox_text_row(it->raw)) {
				/* tried again later, like a relay's 4xx */
				out[i].rc = 1;
				out[i].why = g_strdup_printf("quoted text not read: %s",
							     terr->message);
				continue;
			}
			if (reachable) {
				reachable = send_one(smtp, it, texts[i], &out[i]);
				continue;
			}
			/* the relay is down: the rest wait for the next attempt */
			out[i].rc = 1;
			out[i].why = g_strdup(out[i - 1].why);
		}
		if (!reachable)
			handled = SENDER_RELAY_DOWN;
		/* a database error wins: the loop reconnects and hands the
		 * unrecorded claim back (release_own_claims) */
		if (record_all(cfg, store, items, out, now, &err) < 0)
			handled = -1;
		for (unsigned i = 0; i < items->len; i++) {
			g_free(out[i].why);
			g_free(texts[i]);
		}
		g_free(texts);
		g_clear_error(&terr);
		g_free(out);
	}
	if (handled < 0 && handled != SENDER_RELAY_DOWN) {
		*error_r = g_strdup(err ? err->message : "outbox failed");
		g_clear_error(&err);
	}
	g_ptr_array_unref(items);
	return handled;
}

static struct smtp *connect_relay(const struct config *cfg)
{
	enum smtp_tls tls = !strcmp(cfg->smtp_tls, "none") ? SMTP_TLS_NONE
			    : !strcmp(cfg->smtp_tls, "required") ? SMTP_TLS_REQUIRED
			    : SMTP_TLS_TRY;
	struct smtp_params sp = {
		.url = cfg->smtp_url,
		.user = *cfg->smtp_user ? cfg->smtp_user : NULL,
		.password = cfg->smtp_password,
		.ca_file = *cfg->smtp_ca_file ? cfg->smtp_ca_file : NULL,
		.no_verify = !cfg->smtp_verify, .tls = tls,
		.helo = *cfg->smtp_helo ? cfg->smtp_helo : NULL,
		.timeout_s = (unsigned)cfg->smtp_timeout,
	};
	return smtp_new(&sp);
}

static gpointer sender_thread(gpointer data)
{
	struct worker *s = data;
	struct store *store = NULL;
	struct smtp *smtp = connect_relay(s->cfg);
	int64_t backoff = 0, relay_wait = 0;
	bool released = false, unrecorded = false;
	while (!lifecycle_stopping()) {
		GError *err = NULL;
		char *error = NULL;
		int n = 0;
		if (!store && !(store = store_open(s->db, &err))) {
			error = g_strdup_printf("database: %s", err->message);
		} else {
			if (!released) {
				release_dead_claims(store, s->host);
				released = true;
			}
			if (unrecorded && release_own_claims(store, s->owner) == 0)
				unrecorded = false;
			n = sender_run_once(s->cfg, store, smtp, s->owner,
					    clock_now(), &error);
		}
		g_clear_error(&err);
		if (error) {
			unrecorded = unrecorded || store != NULL;
			if (store && store_ping(store, NULL) < 0)
				store_close(&store);
			backoff = backoff ? MIN(backoff * 2, 60) : 1;
			log_warn("outbox: %s; retrying in %llds", error, (long long)backoff);
			g_free(error);
			lifecycle_sleep(LIFECYCLE_GENERAL, backoff * 1000);
			continue;
		}
		backoff = 0;
		if (n == SENDER_RELAY_DOWN) {
			/* nothing more can go out; the deferred rows say when to try */
			relay_wait = relay_wait ? MIN(relay_wait * 2, s->cfg->smtp_retry_max)
						: s->cfg->smtp_retry_min;
			lifecycle_sleep(LIFECYCLE_GENERAL, relay_wait * 1000);
			continue;
		}
		relay_wait = 0;
		/* mail handled means more may be waiting (a full claim, or a
		 * mail that waited behind one of its complaint's just sent):
		 * go again at once; sleep only when there was nothing */
		if (n == 0) {
			unsigned depth = 0;
			if (store_outbox_pending(store, &depth, NULL) == 0)
				metrics_set_gauge(METRIC_GAUGE_OUTBOX_DEPTH, depth);
			lifecycle_sleep(LIFECYCLE_OUTBOX, 1000);
		}
	}
	smtp_free(&smtp);
	store_close(&store);
	return NULL;
}

struct sender *sender_start(const struct config *cfg, const struct store_params *db)
{
	struct sender *s = g_new0(struct sender, 1);
	gethostname(s->host, sizeof(s->host) - 1);
	g_strdelimit(s->host, ":%_", '-');  /* no separators, no LIKE wildcards */
	unsigned long long start = proc_start((long)getpid());
	s->n = (unsigned)MAX(cfg->smtp_connections, 1);
	s->workers = g_new0(struct worker, s->n);
	for (unsigned i = 0; i < s->n; i++) {
		struct worker *w = &s->workers[i];
		w->cfg = cfg;
		w->db = db;
		w->host = s->host;
		/* each its own owner: one that could not record its outcomes
		 * hands back its own claims, not those another is sending */
		g_snprintf(w->owner, sizeof(w->owner), "%s:%ld:%llu:%u", s->host, (long)getpid(),
			   start, i);
		w->thread = g_thread_new("outbox", sender_thread, w);
	}
	log_info("outbox: %u sender%s to %s", s->n, s->n == 1 ? "" : "s", cfg->smtp_url);
	return s;
}

void sender_join(struct sender **sp)
{
	struct sender *s = *sp;
	if (!s)
		return;
	for (unsigned i = 0; i < s->n; i++)
		g_thread_join(s->workers[i].thread);
	g_free(s->workers);
	g_free(s);
	*sp = NULL;
}
