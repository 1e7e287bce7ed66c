/* store - everything complaintd keeps in MariaDB.
 *
 * One struct store is one database connection; use it from one thread at a
 * time (each daemon thread opens its own). Every statement is a prepared
 * statement, prepared once per connection on first use and reused; values
 * are only ever bound, never spliced into SQL.
 *
 * Times are unix seconds (int64_t) and stored as UTC DATETIME(6).
 *
 * Errors: functions return 0 on success and -1 with *err set (domain
 * STORE_ERROR), lookups return 1 found / 0 not found / -1 error. The code
 * tells the caller what to do:
 *   STORE_ERROR_CONNECTION  the server went away (or never answered). The
 *                           open transaction is gone. Call store_ping()
 *                           (reconnects) and retry the whole transaction.
 *   STORE_ERROR_RETRY       deadlock or lock wait timeout: roll back and
 *                           retry the whole transaction.
 *   STORE_ERROR_DUPLICATE   a unique key already holds that value (e.g. a
 *                           message with the same dedup key committed by
 *                           another daemon): roll back, the lookups will
 *                           now find it.
 *   STORE_ERROR_CONSTRAINT  another constraint (foreign key, NOT NULL, bad
 *                           enum value): a bug or bad input, not transient.
 *   STORE_ERROR_SCHEMA      the schema is not what this binary expects.
 *   STORE_ERROR_FAILED      anything else.
 *
 * Batching: one commit costs about as much as a few hundred inserts, so the
 * caller groups many messages into one transaction (store_begin, N x
 * (find, new_complaint, add_message, add_hit, outbox_add ...), store_commit)
 * and on any error rolls back and retries or splits the batch. */
#ifndef COMPLAINTD_STORE_H
#define COMPLAINTD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

#include "mail/message.h"

#define STORE_ERROR (store_error_quark())
GQuark store_error_quark(void);

enum store_error {
	STORE_ERROR_FAILED,
	STORE_ERROR_CONNECTION,
	STORE_ERROR_RETRY,
	STORE_ERROR_DUPLICATE,
	STORE_ERROR_CONSTRAINT,
	STORE_ERROR_SCHEMA,
};

/* Strings are copied by store_open. socket, when set, is used instead of
 * host/port. host is one server or a list (hostlist.h: "db1, db2:3307"),
 * port the default of entries without one: store_open connects to the
 * first that answers, and after a lost connection the store reconnects
 * starting from the next one (failover between Galera nodes). Timeouts in seconds, 0 = default (connect 10, read/write 60).
 * ref_timezone names the zone whose calendar day goes into references
 * ("Asia/Shanghai"); NULL = the process's local zone. */
struct store_params {
	const char *host;
	unsigned port;
	const char *socket;
	const char *user;
	const char *password;
	const char *database;
	unsigned connect_timeout;
	unsigned io_timeout;
	const char *ref_timezone;
	bool tls_required;        /* refuse a connection without TLS */
	bool tls_verify;          /* with tls_required: check certificate and name */
	const char *tls_ca_file;  /* PEM CAs for tls_verify; NULL = the system's */
	/* causal reads: every read waits until this server has applied each
	 * write the cluster committed before it (Galera's wsrep_sync_wait = 1;
	 * ignored by a server without it). For the command-line tool, whose
	 * user expects to see what a daemon on another node just did. */
	bool causal_reads;
};

/* ---- connection --------------------------------------------------------- */

/* store_open - connect (utf8mb4, UTC session, READ COMMITTED, strict SQL
 * mode, autocommit on). NULL + err on failure (STORE_ERROR_CONNECTION if
 * the server could not be reached). */
struct store *store_open(const struct store_params *p, GError **err);
/* store_close - disconnect, free, set *s to NULL; NULL-safe. */
void store_close(struct store **s);
/* store_ping - check the connection; if the server went away, reconnect
 * (statements are re-prepared lazily). 0 when usable afterwards. */
int store_ping(struct store *s, GError **err);
/* store_reconnect - drop the connection and open a new one. */
int store_reconnect(struct store *s, GError **err);

/* store_row_budget - bytes one row may carry: the server's
 * max_allowed_packet (read at connect) less room for the rest of the
 * statement. A bigger row makes the server drop the connection. */
size_t store_row_budget(const struct store *s);
/* store_outbox_max - the largest mail store_outbox_add takes (the row
 * budget, at most what the raw column holds); bigger is STORE_ERROR_FAILED. */
size_t store_outbox_max(const struct store *s);

/* store_connection_id - the server's id of this connection (for logs and
 * for tests that kill it); 0 when not connected. */
unsigned long store_connection_id(struct store *s);

/* ---- schema --------------------------------------------------------------- */

/* store_migrate - apply pending migrations in order, recording each in
 * schema_migrations. Safe to run twice, and from several processes at once
 * (serialised with GET_LOCK). *applied (may be NULL) gets how many ran.
 * A database newer than this binary is left alone (logged). */
int store_migrate(struct store *s, int *applied, GError **err);
/* store_schema_version - *current: highest applied (0 = none),
 * *latest: highest this binary knows. */
int store_schema_version(struct store *s, int *current, int *latest,
			 GError **err);

/* ---- transactions --------------------------------------------------------- */

int store_begin(struct store *s, GError **err);
/* store_commit - on failure the transaction is rolled back already. */
int store_commit(struct store *s, GError **err);
/* store_rollback - never fails from the caller's view (a lost connection
 * has rolled back already). */
void store_rollback(struct store *s);
bool store_in_transaction(const struct store *s);

/* store_tx_fn - the work of one transaction on ctx's store: >= 0 to commit
 * (the value store_tx returns), -1 with *err set to roll back. */
typedef int (*store_tx_fn)(void *ctx, GError **err);
/* store_tx - store_begin, fn, store_commit, and the whole transaction run
 * again when the database aborted it for a reason that is not its content:
 *   - a deadlock or lock wait timeout at any statement or at COMMIT (on
 *     Galera, a certification failure is a deadlock error at COMMIT, after
 *     every statement succeeded);
 *   - the connection lost, or the node not ready (1047), at a statement
 *     before COMMIT: the transaction is certainly gone, so s reconnects
 *     (store_ping: the next host) and runs fn again. A connection lost
 *     during COMMIT leaves the outcome unknown and is returned as it is.
 * At most STORE_TX_TRIES runs, with a short randomised back-off between
 * them. fn may therefore run more than once: it must only write to the
 * database (and to ctx) and leave everything outside - an SMTP send, a
 * \Seen flag, an HTTP answer - to its caller after store_tx returned
 * >= 0. The info and debug lines fn logs are held until the commit
 * (log_hold) and dropped with a try that did not commit. Returns fn's
 * value after the commit, or -1 with *err of the last try. */
#define STORE_TX_TRIES 4
int store_tx(struct store *s, store_tx_fn fn, void *ctx, GError **err);

/* ---- idempotency ---------------------------------------------------------- */

/* store_dedup_key - the message's dedup key: hex SHA-256 of
 *   e-mail with a Message-ID:  "mid:" + lower-cased Message-ID + "\ncontent:"
 *                              + store_content_hash(m)
 *   web form post:             "post:" + raw SHA-256 (the canonical post,
 *                              token included) + "\natt:" + SHA-256 of
 *                              each file (stored before: "mid:" + the
 *                              token's id alone, or "raw:" + raw SHA-256)
 *   other with a Message-ID:   "mid:" + lower-cased Message-ID
 *   otherwise:                 "raw:" + raw SHA-256 (hex);
 * NULL when the message has none of them. Pure; free with g_free.
 * E-mail stored by older versions carries the key without the content
 * part; store_find_mid_reuse finds those rows. */
char *store_dedup_key(const struct message *m);
/* store_content_hash - hex SHA-256 of "from:" + From address + "\ntext:" +
 * body text + "\natt:" + SHA-256 of each attachment: what makes two mails
 * with one Message-ID the same mail. Pure; free with g_free. */
char *store_content_hash(const struct message *m);

/* What store_find_mid_reuse found about a mail whose dedup key is unknown. */
enum store_mid_use {
	STORE_MID_NEW = 0,     /* no message under this Message-ID */
	STORE_MID_SAME = 1,    /* stored before under the old key, same sender:
				* a re-delivery (msg_row, complaint_id set) */
	STORE_MID_REUSED = 2,  /* another mail with this Message-ID is stored:
				* msg_row and other_key (g_free) name it */
};
/* store_find_mid_reuse - look the e-mail's Message-ID up (no Message-ID or
 * a web post: STORE_MID_NEW). Out pointers may be NULL. -1 with err. */
int store_find_mid_reuse(struct store *s, const struct message *m, uint64_t *msg_row,
			 uint64_t *complaint_id, char **other_key, GError **err);
/* One mail of store_find_mid_reuse_many: m and key in (borrowed), the
 * rest out. key is the mail's own dedup key (store_dedup_key) or NULL: a
 * row found under the Message-ID with this very key is the same mail,
 * stored meanwhile by another connection (STORE_MID_SAME). */
struct store_mid {
	const struct message *m;
	const char *key;
	int use;                        /* enum store_mid_use */
	uint64_t msg_row, complaint_id;
	char *other_key;                /* STORE_MID_REUSED: owned, g_free */
};
/* store_find_mid_reuse_many - store_find_mid_reuse for each of q[0..n), a
 * round trip per 32 mails. 0 / -1 with err (what was found is kept). */
int store_find_mid_reuse_many(struct store *s, struct store_mid *q, unsigned n, GError **err);

/* store_find_source - was this mailbox/UIDVALIDITY/UID stored already?
 * 1 found (*msg_row, *complaint_id set; complaint_id 0 = none), 0 not,
 * -1 error. Out pointers may be NULL. */
int store_find_source(struct store *s, const char *mailbox,
		      uint32_t uidvalidity, uint32_t uid, uint64_t *msg_row,
		      uint64_t *complaint_id, GError **err);
/* store_find_dedup - is a message with this dedup key stored? as above. */
int store_find_dedup(struct store *s, const char *dedup_key,
		     uint64_t *msg_row, uint64_t *complaint_id, GError **err);
/* store_find_known - both lookups in one round trip: 1 when the mailbox
 * UID is a known source, 2 when only the dedup key (may be NULL) is known
 * (a copy: add the source), 0 neither, -1 error. */
int store_find_known(struct store *s, const char *mailbox,
		     uint32_t uidvalidity, uint32_t uid, const char *dedup_key,
		     uint64_t *msg_row, uint64_t *complaint_id, GError **err);
/* store_add_source - record that the mailbox UID holds message msg_row
 * (also for a copy of a known message found in a second mailbox). Inside a
 * transaction the row is written by the commit's multi-row INSERT. */
int store_add_source(struct store *s, const char *mailbox,
		     uint32_t uidvalidity, uint32_t uid, uint64_t msg_row,
		     int64_t now, GError **err);

/* ---- threading ------------------------------------------------------------ */

/* store_find_thread - the complaint a Message-ID (without <>) belongs to:
 * one of our stored messages in or out, or an outbox mail. 1/0/-1. */
int store_find_thread(struct store *s, const char *message_id,
		      uint64_t *complaint_id, GError **err);
/* store_find_ref - the complaint with this reference ("C-20240501-0007"):
 * 1/0/-1; *status (may be NULL) gets a newly allocated status name. */
int store_find_ref(struct store *s, const char *ref, uint64_t *complaint_id,
		   char **status, GError **err);

/* ---- writes (normally inside store_begin/commit) -------------------------- */

/* store_new_complaint - allocate a reference PREFIX-YYYYMMDD-NNNN (prefix:
 * 1-16 of A-Z a-z 0-9; day of now in the reference time zone; NNNN counts
 * per prefix and day, at least 4 digits) and insert the complaint (status
 * 'new', customer = the message's From, channel = the message's, taker
 * and phone = its fields "taken_by" and "phone"). ref gets the reference
 * (ref_size >= STORE_REF_MAX). Numbers come from store_reserve_refs's
 * block when one is held for this prefix and day, else from the counter row,
 * which then stays locked until commit (other daemons wait for it). */
#define STORE_REF_MAX 41
int store_new_complaint(struct store *s, const struct message *m,
			const char *category, char severity,
			const char *route, const char *ref_prefix, int64_t now,
			uint64_t *id, char *ref, size_t ref_size,
			GError **err);
/* What a new complaint is handled by and must meet: the department it is
 * routed to and its deadlines (unix times, 0 = none). */
enum store_deadline {
	STORE_DUE_ACK, STORE_DUE_PLAN, STORE_DUE_INVESTIGATION,
	STORE_DUE_HANDLING, STORE_DUE_FEEDBACK, STORE_DUE_CLOSURE,
	STORE_DUE_COUNT
};
/* store_deadline_name - "ack", "plan", "investigation", "handling",
 * "feedback", "closure"; NULL out of range. */
const char *store_deadline_name(enum store_deadline d);

struct store_case_plan {
	const char *department;      /* address notified; NULL = none */
	uint64_t parent_id;          /* an earlier complaint this follows up; 0 = none */
	int64_t due[STORE_DUE_COUNT];
};
/* store_new_case - store_new_complaint with the plan (may be NULL). */
int store_new_case(struct store *s, const struct message *m, const char *category,
		   char severity, const char *route, const char *ref_prefix,
		   const struct store_case_plan *plan, int64_t now, uint64_t *id,
		   char *ref, size_t ref_size, GError **err);

/* store_reserve_refs - outside a transaction: take n numbers for
 * (prefix, day of now) in one short autocommit statement and keep them for
 * the next store_new_complaint calls on this connection. References stay
 * unique and sortable, but numbers of a rolled-back batch are skipped. */
int store_reserve_refs(struct store *s, const char *ref_prefix, int64_t now,
		       unsigned n, GError **err);

/* store_refs_left - how many numbers store_reserve_refs keeps for
 * (prefix, day of now) that are not used yet. */
unsigned store_refs_left(struct store *s, const char *ref_prefix, int64_t now);

/* store_add_message - insert the message (direction "in" or "out") with its
 * raw source and attachments; complaint_id 0 = none (e.g. quarantined).
 * The dedup key is store_dedup_key(m). Long values are bound, not copied. */
int store_add_message(struct store *s, uint64_t complaint_id,
		      const struct message *m, const char *direction,
		      int64_t now, bool quarantined, uint64_t *msg_row,
		      GError **err);
/* store_add_hit, store_add_event - inside a transaction these rows are
 * kept on the client and sent as multi-row INSERTs by store_commit (fewer
 * round trips), so a bad row (unknown complaint) fails the commit, not the
 * call; outside a transaction they are written at once. */
int store_add_hit(struct store *s, uint64_t complaint_id, uint64_t msg_row,
		  const char *rule, const char *field, const char *matched,
		  const char *effect, GError **err);
int store_add_event(struct store *s, uint64_t complaint_id, int64_t at,
		    const char *actor, const char *kind, const char *detail,
		    GError **err);
/* store_set_status - also stamps acknowledged_at (first time only),
 * resolved_at, closed_at. STORE_ERROR_CONSTRAINT for an unknown status;
 * 0 also when the complaint does not exist (nothing changed). */
int store_set_status(struct store *s, uint64_t complaint_id,
		     const char *status, int64_t now, GError **err);

/* ---- outbox ---------------------------------------------------------------- */

/* store_outbox_add - queue a mail (raw, len bytes: composed, or packed by
 * mailout_outbox_row; the sender tells them apart) with its stable
 * Message-ID; due at once. complaint_id 0 = none. Inside a
 * transaction a mail up to 64 KB waits for the commit's multi-row INSERT
 * (like hits and events; a bad row fails the commit) and *id is 0. */
int store_outbox_add(struct store *s, uint64_t complaint_id, const char *kind,
		     const char *mail_from, const char *rcpt,
		     const char *message_id, const void *raw, size_t len,
		     int64_t now, uint64_t *id, GError **err);
/* store_count_outbox_since - mails of kind (NULL = any) to rcpt created at
 * or after since: for per-sender rate limits. */
int store_count_outbox_since(struct store *s, const char *rcpt,
			     const char *kind, int64_t since, unsigned *n,
			     GError **err);
/* store_outbox_last_to - the Message-ID (no <>) of the newest mail of
 * kind to rcpt about complaint_id, for threading what follows to it:
 * 1 with *message_id (g_free), 0 none, -1 with err. */
int store_outbox_last_to(struct store *s, uint64_t complaint_id, const char *kind,
			 const char *rcpt, char **message_id, GError **err);
/* store_outbox_find_by_message_id - for bounces: the outbox row whose mail
 * had this Message-ID. 1/0/-1; *rcpt, *kind newly allocated (g_free); any
 * out pointer may be NULL. */
int store_outbox_find_by_message_id(struct store *s, const char *message_id,
				     uint64_t *id, uint64_t *complaint_id,
				     char **rcpt, char **kind, GError **err);

struct outbox_item {
	uint64_t id;
	uint64_t complaint_id; /* 0 = none */
	char *kind, *mail_from, *rcpt, *message_id;
	GBytes *raw;
	unsigned attempts;     /* including this one */
	int64_t created_at;    /* unix time the row was queued */
};
void outbox_item_free(struct outbox_item *it); /* NULL-safe; GDestroyNotify-able */

/* store_message_texts - the body texts of the n message rows rows[] into
 * texts[] (n places; each g_free; NULL when the row is not there or its
 * text was erased to NULL): what packed notifications left out
 * (mailout_outbox_text_row). One read per 50 rows; a row 0 finds nothing.
 * 0, or -1 with err and every texts[] NULL. */
int store_message_texts(struct store *s, const uint64_t *rows, unsigned n, char **texts,
			GError **err);

/* store_outbox_claim - in its own transaction (not inside store_begin):
 * lock up to max due rows (pending with next_attempt_at <= now, or
 * 'sending' whose lease ran out or that owner itself holds: an owner
 * claims again only after recording its last claim, so what it still
 * holds is unrecorded) with FOR UPDATE SKIP LOCKED, so that
 * several senders never get the same row; mark them 'sending', claimed by
 * owner until now + lease_seconds, attempts + 1; commit. Appends
 * struct outbox_item * to out (caller sets the free func); returns the
 * number claimed or -1. */
int store_outbox_claim(struct store *s, const char *owner, int64_t now,
		       int64_t lease_seconds, unsigned max, GPtrArray *out,
		       GError **err);
/* store_outbox_sent - the n mails ids[] left: 'sent' at now, claims
 * cleared, an acknowledgement's complaint acknowledged; one statement per
 * 50 ids, in the open transaction or one of its own. */
int store_outbox_sent(struct store *s, const uint64_t *ids, unsigned n, int64_t now,
		      GError **err);
/* store_outbox_retry - back to 'pending', due at next_at, error kept. */
int store_outbox_retry(struct store *s, uint64_t id, int64_t next_at,
		       const char *error, GError **err);
/* store_outbox_failed - permanent failure. */
int store_outbox_failed(struct store *s, uint64_t id, const char *error,
			GError **err);
/* store_outbox_suppressed - not sent because the rcpt is suppressed. */
int store_outbox_suppressed(struct store *s, uint64_t id, const char *reason,
			    GError **err);
/* store_outbox_pending - rows pending or sending. */
int store_outbox_pending(struct store *s, unsigned *n, GError **err);

/* ---- suppressions ---------------------------------------------------------- */

/* store_suppression_active - 1 when mail to addr is suppressed at now. */
int store_suppression_active(struct store *s, const char *addr, int64_t now,
			     GError **err);
/* store_suppress - suppress until (a later existing until is kept). */
/* What store_ack_check asks about one acknowledgement (all borrowed). */
struct store_ack_query {
	const char *rcpt;       /* the address it would go to (suppressions) */
	const char *key;        /* recipient_key of rcpt */
	const char *domain;     /* its domain */
	int64_t now, key_since, domain_since;
	unsigned key_max, domain_max;  /* the limits: counting stops there */
};

/* store_ack_check - may q->rcpt get an acknowledgement now? *suppressed: a
 * hard bounce suppression is in force; *by_key / *by_domain:
 * acknowledgements logged (store_ack_log) to q->key since key_since and to
 * q->domain since domain_since, each counted up to its _max at most (0:
 * not counted). One round trip. 0 / -1. */
int store_ack_check(struct store *s, const struct store_ack_query *q, bool *suppressed,
		    unsigned *by_key, unsigned *by_domain, GError **err);
/* What store_ack_check_many says of one query. */
struct store_ack_count {
	bool suppressed;
	unsigned by_key, by_domain;
};
/* store_ack_check_many - store_ack_check for q[0..n) into out[0..n), a
 * round trip per 32 queries (a batch's acknowledgements). 0 / -1. */
int store_ack_check_many(struct store *s, const struct store_ack_query *q, unsigned n,
			 struct store_ack_count *out, GError **err);
/* store_ack_log - an acknowledgement to key (in domain) is queued now, in
 * the same transaction as its outbox row. Inside a transaction the row is
 * written with the deferred rows at COMMIT, so store_ack_check does not
 * count it before then: a batch counts its own acknowledgements. 0 / -1. */
int store_ack_log(struct store *s, const char *key, const char *domain, int64_t now,
		  GError **err);
int store_suppress(struct store *s, const char *addr, int64_t until,
		   const char *reason, int64_t now, GError **err);

/* ---- mailboxes ------------------------------------------------------------- */

/* store_mailbox_get - 1 found / 0 not / -1. uidvalidity 0 = never polled. */
int store_mailbox_get(struct store *s, const char *name, uint32_t *uidvalidity,
		      uint32_t *last_uid, int64_t *attached_at, GError **err);
/* store_mailbox_set - create (attached_at = now) or update. */
int store_mailbox_set(struct store *s, const char *name, uint32_t uidvalidity,
		      uint32_t last_uid, int64_t now, GError **err);
/* store_mailbox_lease - take or renew the polling lease of a mailbox for
 * owner until now + seconds; 1 held by owner, 0 held by someone else. */
int store_mailbox_lease(struct store *s, const char *name, const char *owner,
			int64_t now, int64_t seconds, GError **err);
/* store_quarantine - keep a message that could not be processed. */
int store_quarantine(struct store *s, const char *mailbox,
		     uint32_t uidvalidity, uint32_t uid, const char *reason,
		     const void *raw, size_t len, int64_t now, GError **err);

/* ---- reclassify (complaintctl rules reclassify) --------------------------- *
 * An administrator's batch, not the daemon's hot path: these statements are
 * prepared per call. "Open" means status other than resolved and closed. */

struct store_open_complaint {
	uint64_t id;
	char *ref, *status, *category;
	char severity;           /* 'A', 'B' or 'C' */
	char *route;             /* NULL if none */
	int64_t created_at;
	uint64_t first_message;  /* row of the first inbound message; 0 = none */
};
void store_open_complaint_free(struct store_open_complaint *c); /* NULL-safe; GDestroyNotify-able */

/* store_count_open_complaints - open complaints created at or after since
 * whose category and severity staff have not decided (the ones rules may
 * reclassify); store_list_open_complaints lists the same set. */
int store_count_open_complaints(struct store *s, int64_t since, unsigned *n,
				GError **err);
/* store_list_open_complaints - up to max open complaints created at or
 * after since with id > after_id, in id order (page on with the last id);
 * appends struct store_open_complaint * to out (caller sets the free func).
 * Returns how many were appended, or -1. */
int store_list_open_complaints(struct store *s, int64_t since,
			       uint64_t after_id, unsigned max, GPtrArray *out,
			       GError **err);

/* A stored message as needed to classify it again. */
struct store_stored_message {
	char *channel;           /* "email" or "web" */
	GBytes *raw;             /* the source as received; NULL if none */
	char *subject, *body;    /* may be NULL */
	char *from_addr, *from_name;
};
void store_stored_message_free(struct store_stored_message *m); /* NULL-safe */
/* store_get_message - message row msg_row: 1 found (*out set, caller frees),
 * 0 not found, -1 error. */
int store_get_message(struct store *s, uint64_t msg_row,
		      struct store_stored_message **out, GError **err);

/* store_update_classification - set category, severity and route (NULL =
 * none) if the complaint is still open, still has old_category and
 * old_severity and staff decided neither (#category, #severity): 1
 * updated, 0 not (changed, closed or staff's), -1 error.
 * Record the change with store_add_event in the same transaction. */
int store_update_classification(struct store *s, uint64_t complaint_id,
				const char *old_category, char old_severity,
				const char *category, char severity,
				const char *route, int64_t now, GError **err);

/* ---- the staff workflow (store_case.c) ------------------------------------ *
 * Follow-ups, staff replies, commands, escalations and the history that
 * complaintctl show prints. Statements are prepared per call: this is
 * the path of replies and scheduled work, not of bulk intake. */

/* A complaint as threading, relaying and escalating need it. Strings are
 * owned (store_case_free); times are unix seconds, 0 = not yet. */
struct store_case {
	uint64_t id, parent_id;
	char *ref, *channel, *status, *category, *route, *department, *assignee;
	char severity;
	char *customer_addr, *customer_name, *subject, *lang;
	char *taken_by, *customer_phone;  /* "" for mail and the public form */
	int64_t created_at, acknowledged_at, resolved_at, closed_at, reopened_at;
	int64_t first_action_at, first_response_at;
	int64_t due[STORE_DUE_COUNT];
	unsigned staff_decided;      /* STORE_DECIDED_* bits: fields staff set */
	/* when the step that meets each deadline was done, 0 = not yet: the
	 * store's one definition (store-private.h STORE_DUE_MET), which the
	 * escalations and the reports use too */
	int64_t met[STORE_DUE_COUNT];
	/* the latest #plan (store_plan.h): when, by whom, and its decision
	 * "pending", "approved", "rejected" (NULL: none needed, or no plan) */
	int64_t plan_proposed_at;
	char *plan_proposed_by, *plan_decision;
	char *last_in_message_id;    /* the customer's latest Message-ID, for relays */
	char *thread_ids;            /* Message-IDs of the customer's mail and of ours to
				      * the customer, space-separated, oldest first */
	char *our_ids;               /* Message-IDs of our mail to the customer only (newest
				      * 50, space-separated): an answer to one of them is
				      * the customer's, as nobody else was sent them; an
				      * answer to the customer's own mail proves nothing
				      * (whoever they copied has its Message-ID) */
	char *customer_rcpts;        /* the addresses our mail to the customer went to, in
				      * lower case, space-separated: the From, or the
				      * Reply-To the acknowledgement answered */
};
void store_case_free(struct store_case *c); /* NULL-safe; GDestroyNotify-able */
/* Fields of a complaint staff decided with a command: store_case_update
 * marks them, and store_case_reclassify leaves them alone. */
#define STORE_DECIDED_CATEGORY 1u
#define STORE_DECIDED_SEVERITY 2u

/* store_relay_first - record that a staff text with digest sha256 (64
 * hex digits) is relayed for complaint_id: 1 the first time, 0 when it
 * was relayed before (the caller then does not relay it again), -1 error. */
int store_relay_first(struct store *s, uint64_t complaint_id, const char *sha256,
		      int64_t now, GError **err);

/* store_case_get - by id (ref NULL) or by reference: 1 found (*out set),
 * 0 not, -1 error. */
int store_case_get(struct store *s, uint64_t id, const char *ref,
		   struct store_case **out, GError **err);

/* A change staff asked for; NULL fields stay as they are. */
struct store_case_change {
	const char *status;          /* also stamps resolved_at / closed_at / reopened_at */
	const char *category;
	char severity;               /* 0 = unchanged */
	const char *assignee;
};
/* store_case_update - apply ch; a category or severity set is marked as
 * staff's decision (staff_decided). 0, or -1 (STORE_ERROR_CONSTRAINT for a
 * bad status or severity). */
int store_case_update(struct store *s, uint64_t id, const struct store_case_change *ch,
		      int64_t now, GError **err);
/* store_case_reclassify - a change the rules made, not staff: category
 * (NULL = unchanged) and severity (0 = unchanged), only while the complaint
 * still has old_category and old_severity and staff have not decided a
 * field that would change (a staff command committed since the caller read
 * the complaint wins). Marks nothing as decided. 1 changed, 0 not, -1. */
int store_case_reclassify(struct store *s, uint64_t id, const char *old_category,
			  char old_severity, const char *category, char severity,
			  int64_t now, GError **err);
/* store_case_answered - staff acted on the complaint now (a command, note
 * or reply); relayed: the answer went to the customer. First times only. */
int store_case_answered(struct store *s, uint64_t id, bool relayed, int64_t now,
			GError **err);

/* store_case_set_due - deadline d of complaint id is now at (0 = none). */
int store_case_set_due(struct store *s, uint64_t id, enum store_deadline d, int64_t at,
		       GError **err);

/* store_case_reopened - a reopened complaint is not resolved any more:
 * resolved_at and closed_at go, handling and closure run again to the
 * new deadlines, and their escalations start again from the first level
 * (the ones sent stay in the events). */
int store_case_reopened(struct store *s, uint64_t id, int64_t due_handling,
			int64_t due_closure, GError **err);

/* store_escalation_add - record escalation (deadline, level) of complaint
 * id sent to rcpt: 1 recorded, 0 recorded before (by us before a restart
 * or by another daemon: send nothing), -1 error. Inside the transaction
 * that queues the mail. */
int store_escalation_add(struct store *s, uint64_t id, const char *deadline,
			 unsigned level, const char *rcpt, int64_t now, GError **err);

/* One escalation that is due: deadline passed without its step, and the
 * level below sent at least interval ago (or none yet). */
struct store_due {
	uint64_t id;
	enum store_deadline deadline;
	unsigned level;              /* the level to send now, 1.. */
	int64_t due;
};
/* store_due_escalations - up to max escalations due at now for complaints
 * not closed, levels 1..max_level; appends struct store_due * (g_free). */
int store_due_escalations(struct store *s, int64_t now, int64_t interval,
			  unsigned max_level, unsigned max, GPtrArray *out, GError **err);

/* ---- progress notes to the customer (store_case.c) ------------------------ */

/* A deadline to the customer that passed without its step. */
struct store_missed {
	uint64_t id;                 /* the complaint */
	int64_t due;                 /* when the deadline was */
};
/* store_missed_deadlines - up to max complaints whose deadline d passed at
 * now without its step (STORE_DUE_MET), that are neither resolved (the
 * customer has had the resolution mail) nor closed, have a customer
 * address, and have no progress note for d yet; appended as struct
 * store_missed * (g_free). How many, or -1. */
int store_missed_deadlines(struct store *s, enum store_deadline d, int64_t now, unsigned max,
			   GPtrArray *out, GError **err);
/* store_progress_add - record that the customer of complaint id is told
 * that deadline d (due) passed, naming new_due (0: no date named): 1
 * recorded, 0 recorded before (by us before a restart, or by another
 * daemon: send nothing), -1 error. Inside the transaction that queues the
 * note. */
int store_progress_add(struct store *s, uint64_t id, enum store_deadline d, int64_t due,
		       int64_t new_due, int64_t now, GError **err);

/* ---- satisfaction surveys and scheduled reports (store_case.c) ------------ */

/* A survey to send: the complaint was resolved at resolved_at, delay ago or
 * longer, and has no survey for that resolution yet. */
struct store_survey_due {
	uint64_t complaint_id;
	int64_t resolved_at;
};
/* store_surveys_due - up to max, appended as struct store_survey_due *
 * (g_free). Returns how many or -1. */
int store_surveys_due(struct store *s, int64_t now, int64_t delay, unsigned max,
		      GPtrArray *out, GError **err);
/* store_survey_add - 1 and *id when recorded, 0 when that resolution has
 * its survey already (a restart, another daemon): send nothing then. */
int store_survey_add(struct store *s, uint64_t complaint_id, int64_t resolved_at,
		     int64_t now, uint64_t *id, GError **err);
/* store_survey_open - the complaint's survey still waiting for an answer:
 * 1 (*id), 0 none, -1. */
int store_survey_open(struct store *s, uint64_t complaint_id, uint64_t *id, GError **err);
/* store_survey_get - survey id: 1 with its complaint and whether it can
 * still be answered (not answered, not timed out), 0 unknown, -1. */
int store_survey_get(struct store *s, uint64_t id, uint64_t *complaint_id, bool *open,
		     GError **err);
/* store_survey_answer - record rating 1..5 (and comment, may be NULL)
 * given by "link" or "mail": 1 recorded, 0 answered or timed out before. */
int store_survey_answer(struct store *s, uint64_t id, unsigned rating, const char *comment,
			const char *by, int64_t now, GError **err);
struct store_survey_ref {
	uint64_t id, complaint_id;
};
/* store_surveys_timed_out - surveys sent timeout ago or longer without an
 * answer (whatever became of their complaint meanwhile: a stale survey
 * must not reopen a complaint staff closed): appends struct
 * store_survey_ref * (g_free). */
int store_surveys_timed_out(struct store *s, int64_t now, int64_t timeout, unsigned max,
			    GPtrArray *out, GError **err);
/* store_survey_timeout - mark survey id timed out: 1, or 0 if it was
 * answered meanwhile. */
int store_survey_timeout(struct store *s, uint64_t id, int64_t now, GError **err);

/* store_report_run_add - the report of kind for [start, end) is being
 * sent now: 1 recorded, 0 sent before (by us or another daemon). */
int store_report_run_add(struct store *s, const char *kind, int64_t start, int64_t end,
			 int64_t now, GError **err);

/* History for complaintctl show: events oldest first, as g_strdup'd
 * "at\tactor\tkind\tdetail" lines (times as unix seconds). */
int store_case_history(struct store *s, uint64_t id, GPtrArray *out, GError **err);
/* store_case_messages - the complaint's messages and outbox mails, oldest
 * first, as "at\tdirection\tkind\tfrom\tto\tsubject" lines. */
int store_case_messages(struct store *s, uint64_t id, GPtrArray *out, GError **err);

/* Claims of a sender that died (kill -9, crash) would wait out their lease
 * before another sender takes them; the daemon that restarts on the same
 * host releases them at once. claimants: distinct claimed_by of rows in
 * 'sending' whose owner starts with prefix (g_free'd strings appended to
 * out); release: those rows back to 'pending', returns how many. */
int store_outbox_claimants(struct store *s, const char *prefix, GPtrArray *out,
			   GError **err);
int store_outbox_release(struct store *s, const char *owner, GError **err);

/* store_find_known_many - store_find_known for a whole batch in one round
 * trip per 32 messages: fills found (1 this mailbox UID is stored, 2 the
 * dedup key is, 0 neither), msg_row and complaint_id of each item. key may
 * be NULL, uid 0 (web posts have no mailbox UID). */
struct store_known {
	const char *key;       /* in: store_dedup_key, borrowed */
	uint32_t uid;          /* in */
	int found;             /* out */
	uint64_t msg_row, complaint_id;  /* out */
};
int store_find_known_many(struct store *s, const char *mailbox, uint32_t uidvalidity,
			  struct store_known *k, unsigned n, GError **err);

/* store_complaint_ref - the reference of complaint complaint_id into ref
 * (ref_size >= STORE_REF_MAX): for a web post found to be a duplicate, whose
 * pipeline item carries the complaint id but no reference. 1/0/-1. */
int store_complaint_ref(struct store *s, uint64_t complaint_id, char *ref,
			size_t ref_size, GError **err);

#endif
