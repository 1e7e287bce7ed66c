/* store - complaintd's MariaDB store: prepared statements only.
 *
 * Every statement lives in the st_sql table below and is prepared the first
 * time it is used on a connection, then reused with fresh bindings. After a
 * reconnect the handles are dropped and re-prepared lazily. Values reach
 * the server only as bound parameters; long values (raw mail, bodies,
 * attachments) are bound in place, not copied. */
#include "store/store.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>

#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>

#include "lib/hostlist.h"
#include "lib/log.h"
#include "store/migrations.h"
#include "store/store-private.h"

G_DEFINE_QUARK(complaintd-store-error-quark, store_error)

/* Column sizes the schema declares; longer text is cut at a character
 * boundary (better stored cut than refused: nothing is lost, raw keeps it). */
#define LEN_LANG     8
#define LEN_RULE     128
#define LEN_EFFECT   255
#define LEN_KIND     32
#define LEN_OWNER    64
#define MEDIUM_BYTES 16777215u

#define LOCK_NAME "complaintd.migrate"

enum st {
	ST_FIND_SOURCE, ST_FIND_DEDUP, ST_ADD_SOURCE, ST_FIND_THREAD,
	ST_FIND_REF, ST_REF_NEXT, ST_NEW_COMPLAINT, ST_ADD_MESSAGE,
	ST_ADD_RAW, ST_ADD_ATTACHMENT, ST_ADD_HIT, ST_ADD_EVENT, ST_SET_STATUS,
	ST_OUTBOX_ADD, ST_OUTBOX_COUNT_SINCE, ST_OUTBOX_COUNT_SINCE_ANY,
	ST_OUTBOX_BY_MID, ST_OUTBOX_LAST_TO, ST_OUTBOX_CLAIM_DUE,
	ST_OUTBOX_CLAIM_STALE, ST_OUTBOX_RETRY, ST_OUTBOX_END,
	ST_OUTBOX_PENDING, ST_SUPP_ACTIVE, ST_SUPPRESS, ST_MAILBOX_GET,
	ST_MAILBOX_SET, ST_LEASE_TAKE, ST_LEASE_OWNER, ST_QUARANTINE,
	ST_MIG_RECORD, ST_FIND_KNOWN, ST_COUNT
};

#define OUTBOX_COLS "id, complaint_id, kind, mail_from, rcpt, message_id," \
	" raw, attempts, created_at"

static const char *const st_sql[ST_COUNT] = {
	[ST_FIND_SOURCE] =
		"SELECT s.message_row_id, m.complaint_id FROM message_sources s"
		" JOIN messages m ON m.id = s.message_row_id"
		" WHERE s.mailbox = ? AND s.uidvalidity = ? AND s.uid = ?",
	[ST_FIND_DEDUP] =
		"SELECT id, complaint_id FROM messages WHERE dedup_key = ?",
	[ST_ADD_SOURCE] =
		"INSERT INTO message_sources (mailbox, uidvalidity, uid,"
		" message_row_id, added_at) VALUES (?, ?, ?, ?, ?)",
	[ST_FIND_THREAD] =
		"(SELECT complaint_id FROM messages WHERE message_id = ?"
		"  AND complaint_id IS NOT NULL LIMIT 1)"
		" UNION ALL (SELECT complaint_id FROM outbox WHERE message_id = ?"
		"  AND complaint_id IS NOT NULL LIMIT 1) LIMIT 1",
	[ST_FIND_REF] =
		"SELECT id, status FROM complaints WHERE ref = ?",
	/* LAST_INSERT_ID(expr) hands the new value back in the OK packet: one
	 * round trip, and the row lock serialises concurrent allocators. */
	[ST_REF_NEXT] =
		"INSERT INTO ref_counters (prefix, day, last_no)"
		" VALUES (?, ?, LAST_INSERT_ID(?))"
		" ON DUPLICATE KEY UPDATE last_no = LAST_INSERT_ID(last_no + ?)",
	[ST_NEW_COMPLAINT] =
		"INSERT INTO complaints (ref, channel, status, category, severity,"
		" route, customer_addr, customer_name, subject, lang, created_at,"
		" updated_at, department, parent_id, due_ack, due_plan,"
		" due_investigation, due_handling, due_feedback, due_closure,"
		" taken_by, customer_phone)"
		" VALUES (?, ?, 'new', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
		" ?, ?, ?, ?)",
	[ST_ADD_MESSAGE] =
		"INSERT INTO messages (complaint_id, direction, channel, message_id,"
		" dedup_key, in_reply_to, reference_ids, from_addr, from_name,"
		" recipients, subject, body, lang, flags, notes, raw_sha256,"
		" sent_at, received_at, quarantined) VALUES (?, ?, ?, ?, ?, ?, ?,"
		" ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	[ST_ADD_RAW] =
		"INSERT INTO message_raw (message_row_id, raw) VALUES (?, ?)",
	[ST_ADD_ATTACHMENT] =
		"INSERT INTO attachments (message_row_id, filename, content_type,"
		" size, sha256, content) VALUES (?, ?, ?, ?, ?, ?)",
	[ST_ADD_HIT] =
		"INSERT INTO rule_hits (complaint_id, message_row_id, rule, field,"
		" matched, effect) VALUES (?, ?, ?, ?, ?, ?)",
	[ST_ADD_EVENT] =
		"INSERT INTO events (complaint_id, at, actor, kind, detail)"
		" VALUES (?, ?, ?, ?, ?)",
	/* MariaDB assigns left to right, so the stamps read the old status. */
	[ST_SET_STATUS] =
		"UPDATE complaints SET"
		" acknowledged_at = IF(? = 'acknowledged',"
		"  COALESCE(acknowledged_at, ?), acknowledged_at),"
		" resolved_at = IF(? = 'resolved', ?, resolved_at),"
		" closed_at = IF(? = 'closed', ?, closed_at),"
		" status = ?, updated_at = ? WHERE id = ?",
	[ST_OUTBOX_ADD] =
		"INSERT INTO outbox (complaint_id, kind, mail_from, rcpt,"
		" message_id, raw, status, attempts, next_attempt_at, created_at)"
		" VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)",
	[ST_OUTBOX_COUNT_SINCE] =
		"SELECT COUNT(*) FROM outbox WHERE rcpt = ? AND created_at >= ?"
		" AND kind = ?",
	[ST_OUTBOX_COUNT_SINCE_ANY] =
		"SELECT COUNT(*) FROM outbox WHERE rcpt = ? AND created_at >= ?",
	[ST_OUTBOX_BY_MID] =
		"SELECT id, complaint_id, rcpt, kind FROM outbox"
		" WHERE message_id = ? ORDER BY id DESC LIMIT 1",
	[ST_OUTBOX_LAST_TO] =
		"SELECT message_id FROM outbox WHERE complaint_id = ? AND kind = ?"
		" AND rcpt = ? ORDER BY id DESC LIMIT 1",
	/* Walks ix_outbox_status_next in order: no filesort, so LIMIT stops
	 * the scan and only the rows handed out get locked. The index ends in
	 * the primary key, so "id" costs nothing and makes mails due at the
	 * same second go in the order they were queued (an answer before the
	 * resolution mail of the same staff reply). A mail waits while an
	 * earlier one of its complaint to the same address is still to go
	 * (one the relay deferred, or one claimed beside it): the customer
	 * reads the answer before the resolution mail even when the answer
	 * had to be tried again. The subquery reads through
	 * ix_outbox_complaint and locks nothing. */
	[ST_OUTBOX_CLAIM_DUE] =
		"SELECT " OUTBOX_COLS " FROM outbox o WHERE status = 'pending'"
		" AND next_attempt_at <= ? AND NOT EXISTS (SELECT 1 FROM outbox e"
		"  WHERE e.complaint_id = o.complaint_id AND e.rcpt = o.rcpt AND e.id < o.id"
		"  AND e.status IN ('pending', 'sending'))"
		" ORDER BY next_attempt_at, id LIMIT ?"
		" FOR UPDATE SKIP LOCKED",
	/* a lease run out, or a claim in the claimant's own name: each
	 * sender claims, sends and records one claim at a time, so a row it
	 * still holds when it claims again is one whose outcome it could not
	 * record. release_own_claims hands those back after the error, but a
	 * claim whose COMMIT reached a Galera cluster while its answer was
	 * lost with the node can reach the node the sender moved to only
	 * after that release: without this it would wait out the lease */
	[ST_OUTBOX_CLAIM_STALE] =
		"SELECT " OUTBOX_COLS " FROM outbox WHERE status = 'sending'"
		" AND (claimed_until < ? OR claimed_by = ?) LIMIT ? FOR UPDATE SKIP LOCKED",
	[ST_OUTBOX_RETRY] =
		"UPDATE outbox SET status = 'pending', next_attempt_at = ?,"
		" last_error = ?, claimed_by = DEFAULT, claimed_until = DEFAULT"
		" WHERE id = ? AND status <> 'cancelled'",
	/* a mail cancelled while a sender held it (complaintctl forget) stays
	 * cancelled: its source is gone, it must never be tried again */
	[ST_OUTBOX_END] =
		"UPDATE outbox SET status = ?, last_error = ?, claimed_by = DEFAULT,"
		" claimed_until = DEFAULT WHERE id = ? AND status <> 'cancelled'",
	[ST_OUTBOX_PENDING] =
		"SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')",
	/* both questions an acknowledgement asks, in one round trip; each
	 * count stops at its limit (a big provider's domain has thousands of
	 * acknowledgements a day: counting them all for every new one made
	 * the database's cost per complaint grow with the day) */
	[ST_SUPP_ACTIVE] =
		"SELECT 1 FROM suppressions WHERE addr = ? AND suppressed_until > ?",
	[ST_SUPPRESS] =
		"INSERT INTO suppressions (addr, suppressed_until, reason,"
		" created_at) VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE"
		" suppressed_until = GREATEST(suppressed_until,"
		"  VALUES(suppressed_until)), reason = VALUES(reason)",
	[ST_MAILBOX_GET] =
		"SELECT uidvalidity, last_uid, attached_at FROM mailboxes"
		" WHERE name = ?",
	[ST_MAILBOX_SET] =
		"INSERT INTO mailboxes (name, uidvalidity, last_uid, attached_at)"
		" VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE"
		" uidvalidity = VALUES(uidvalidity), last_uid = VALUES(last_uid)",
	/* Owner first (decided on the old values), then the deadline only if
	 * the owner is now us: taking, renewing and refusing in one statement. */
	[ST_LEASE_TAKE] =
		"INSERT INTO mailboxes (name, uidvalidity, last_uid, attached_at,"
		" lease_owner, lease_until) VALUES (?, 0, 0, ?, ?, ?)"
		" ON DUPLICATE KEY UPDATE"
		" lease_owner = IF(lease_owner IS NULL OR lease_until IS NULL"
		"  OR lease_owner = VALUES(lease_owner) OR lease_until < ?,"
		"  VALUES(lease_owner), lease_owner),"
		" lease_until = IF(lease_owner = VALUES(lease_owner),"
		"  VALUES(lease_until), lease_until)",
	[ST_LEASE_OWNER] =
		"SELECT lease_owner FROM mailboxes WHERE name = ?",
	[ST_QUARANTINE] =
		"INSERT INTO quarantine (mailbox, uidvalidity, uid, reason, raw, at)"
		" VALUES (?, ?, ?, ?, ?, ?)",
	/* source and dedup lookups in one round trip; the source row first */
	[ST_FIND_KNOWN] =
		"(SELECT 1, s.message_row_id, m.complaint_id FROM message_sources s"
		"  JOIN messages m ON m.id = s.message_row_id"
		"  WHERE s.mailbox = ? AND s.uidvalidity = ? AND s.uid = ?)"
		" UNION ALL (SELECT 2, id, complaint_id FROM messages"
		"  WHERE dedup_key = ?) ORDER BY 1 LIMIT 1",
	[ST_MIG_RECORD] =
		"INSERT INTO schema_migrations (version, name, applied_at)"
		" VALUES (?, ?, UTC_TIMESTAMP(6))",
};

/* Outbox rows changed by the batch (exec_ids): one UPDATE names up to
 * IDS_CHUNK ids, the unused places bound NULL (which matches nothing), so
 * that each is prepared once per connection. The sender claims and records
 * up to 50 mails at a time. */
#define IDS_CHUNK 50

enum ids_kind { IDS_MARK, IDS_SENT, IDS_TEXT, IDS_KINDS };

static const char *const ids_head[IDS_KINDS] = {
	[IDS_MARK] = "UPDATE outbox SET status = 'sending', claimed_by = ?,"
		     " claimed_until = ?, attempts = attempts + 1 WHERE id IN (",
	/* a sent acknowledgement also marks its complaint acknowledged: the
	 * 24-hour limit counts to the mail that left, not the one queued */
	[IDS_SENT] = "UPDATE outbox o LEFT JOIN complaints c"
		     " ON c.id = o.complaint_id AND o.kind = 'ack'"
		     " SET o.status = 'sent', o.sent_at = ?, o.claimed_by = DEFAULT,"
		     " o.claimed_until = DEFAULT,"
		     " c.acknowledged_at = COALESCE(c.acknowledged_at, ?),"
		     " c.status = IF(c.status = 'new', 'acknowledged', c.status)"
		     " WHERE o.id IN (",
	/* the texts a claim's packed notifications left out, one read a claim */
	[IDS_TEXT] = "SELECT id, body FROM messages WHERE id IN (",
};

/* Flushed in this order, so that rows come after the rows they refer to. */
enum defer_kind { DEFER_RAW, DEFER_HIT, DEFER_EVENT, DEFER_SOURCE, DEFER_FACT, DEFER_ACK,
		  DEFER_OUTBOX, DEFER_KINDS };
#define DEFER_CHUNK 32
#define DEFER_MAXCOLS 8
/* an outbox mail or raw source bigger than this is inserted at once, so
 * that a multi-row statement stays far below max_allowed_packet */
#define DEFER_BLOB_MAX (64u << 10)

/* One deferred row: ids, times, and up to 5 owned strings with lengths. */
struct drow {
	uint64_t id[3];
	MYSQL_TIME at[2];
	char *str[5];
	unsigned long len[5];
	GBytes *held;  /* when set, str[0] is borrowed from it, not owned */
};

static const struct {
	const char *head;  /* INSERT ... VALUES */
	const char *row;   /* one row's placeholders */
	unsigned cols;
} defer_sql[DEFER_KINDS] = {
	[DEFER_RAW] = { "INSERT INTO message_raw (message_row_id, raw) VALUES ", "(?, ?)", 2 },
	[DEFER_HIT] = { "INSERT INTO rule_hits (complaint_id, message_row_id,"
			" rule, field, matched, effect) VALUES ",
			"(?, ?, ?, ?, ?, ?)", 6 },
	[DEFER_EVENT] = { "INSERT INTO events (complaint_id, at, actor, kind,"
			  " detail) VALUES ", "(?, ?, ?, ?, ?)", 5 },
	[DEFER_SOURCE] = { "INSERT INTO message_sources (mailbox, uidvalidity, uid,"
			   " message_row_id, added_at) VALUES ", "(?, ?, ?, ?, ?)", 5 },
	/* IGNORE: the complaint's first value of a fact stays (primary key) */
	[DEFER_FACT] = { "INSERT IGNORE INTO complaint_facts (complaint_id, name, value,"
			 " source, rule, created_at) VALUES ", "(?, ?, ?, ?, ?, ?)", 6 },
	[DEFER_ACK] = { "INSERT INTO ack_log (addr_key, domain, at) VALUES ", "(?, ?, ?)", 3 },
	[DEFER_OUTBOX] = { "INSERT INTO outbox (complaint_id, kind, mail_from, rcpt,"
			   " message_id, raw, status, attempts, next_attempt_at, created_at)"
			   " VALUES ", "(?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)", 8 },
};

struct store {
	MYSQL *db;
	MYSQL_STMT *st[ST_COUNT];
	char *socket, *user, *password, *database;
	/* [database] host: one server or several (a Galera cluster's nodes);
	 * host_i is the one connected to or tried next */
	struct hostlist *hosts;
	unsigned host_i;
	bool connected_before;  /* a reconnect, not the first connection */
	bool causal_reads;      /* store_params.causal_reads */
	unsigned connect_timeout, io_timeout;
	bool tls_required, tls_verify;
	char *tls_ca_file;  /* NULL: the system's CAs */
	GTimeZone *tz;
	bool in_txn;
	bool galera;   /* the server is a Galera node (wsrep_on): see txn_check */
	bool broken;   /* connection lost: refuse work until reconnected */
	/* the server's max_allowed_packet: a row bigger than this does not
	 * fail, the server drops the connection, so we fit rows under it */
	size_t server_packet;
	/* numbers taken by store_reserve_refs, for one prefix and day */
	char rsv_prefix[17];
	int rsv_day;   /* yyyymmdd */
	uint32_t rsv_next, rsv_last;
	/* rule hits and events written inside a transaction wait here and go
	 * to the server as multi-row INSERTs just before COMMIT */
	GPtrArray *defer[DEFER_KINDS];          /* struct drow * */
	MYSQL_STMT *multi[DEFER_KINDS][DEFER_CHUNK + 1];
	MYSQL_BIND *mbind;                      /* DEFER_CHUNK * DEFER_MAXCOLS */
	MYSQL_STMT *known_many;                 /* see store_find_known_many */
	MYSQL_STMT *ids[IDS_KINDS];             /* see exec_ids */
	MYSQL_STMT *uni[STORE_UNION_KINDS][STORE_UNION_CHUNK + 1];  /* store_union_stmt */
};

/* ---- errors --------------------------------------------------------------- */

static enum store_error classify(unsigned code)
{
	switch (code) {
	case CR_CONNECTION_ERROR: case CR_CONN_HOST_ERROR:
	case CR_SERVER_GONE_ERROR: case CR_SERVER_LOST:
	case CR_SERVER_LOST_EXTENDED: case ER_SERVER_SHUTDOWN:
	case ER_CONNECTION_KILLED: case ER_NET_READ_ERROR:
	case ER_NET_READ_INTERRUPTED: case ER_NET_ERROR_ON_WRITE:
	/* a Galera node that is not part of the primary component, or still
	 * joining: "WSREP has not yet prepared node for application use".
	 * Nothing is wrong with what was asked: try again, as after a lost
	 * connection, never blame the mail */
	case ER_UNKNOWN_COM_ERROR:
		return STORE_ERROR_CONNECTION;
	case ER_LOCK_DEADLOCK: case ER_LOCK_WAIT_TIMEOUT:
		return STORE_ERROR_RETRY;
	case ER_DUP_ENTRY: case ER_DUP_ENTRY_WITH_KEY_NAME:
		return STORE_ERROR_DUPLICATE;
	case ER_NO_REFERENCED_ROW: case ER_NO_REFERENCED_ROW_2:
	case ER_ROW_IS_REFERENCED: case ER_ROW_IS_REFERENCED_2:
	case ER_BAD_NULL_ERROR: case WARN_DATA_TRUNCATED:
	case ER_TRUNCATED_WRONG_VALUE: case ER_TRUNCATED_WRONG_VALUE_FOR_FIELD:
	case ER_DATA_TOO_LONG:
		return STORE_ERROR_CONSTRAINT;
	case ER_NO_SUCH_TABLE: case ER_BAD_FIELD_ERROR:
		return STORE_ERROR_SCHEMA;
	default:
		return STORE_ERROR_FAILED;
	}
}

/* hang_up - end a connection we give up on, now: the statement handles
 * stay valid until store_reconnect closes them, but the server must see
 * the client gone at once and roll back what it still holds for us. The
 * connection may well be alive (1047 from a Galera node that is not
 * ready, a server-side network error; libmariadb itself closes it only on
 * its own read errors): left open, a transaction that had locked the
 * reference counter kept every other daemon waiting. */
static void hang_up(struct store *s)
{
	my_socket fd = -1;
	if (s->db && !s->broken &&
	    mariadb_get_infov(s->db, MARIADB_CONNECTION_SOCKET, &fd) == 0 && fd >= 0)
		shutdown(fd, SHUT_RDWR);
}

/* fail - set err from a server/client error code; a lost connection also
 * ends the transaction and marks the store broken. Returns -1. */
static int fail(struct store *s, unsigned code, const char *msg,
		const char *what, GError **err)
{
	enum store_error e = classify(code);
	/* a write after the server ended our transaction on its own meets the
	 * session's READ ONLY default (txn_check): run the transaction again */
	if (code == ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION && s->in_txn)
		e = STORE_ERROR_RETRY;
	if (e == STORE_ERROR_CONNECTION) {
		hang_up(s);
		s->broken = true;
		s->in_txn = false;
	}
	g_set_error(err, STORE_ERROR, e, "%s: %s (%u)", what, msg, code);
	return -1;
}

static int fail_db(struct store *s, const char *what, GError **err)
{
	return fail(s, mysql_errno(s->db), mysql_error(s->db), what, err);
}

static int fail_st(struct store *s, MYSQL_STMT *st, enum st id, GError **err)
{
	char what[48];
	snprintf(what, sizeof what, "%.40s", st_sql[id]);
	return fail(s, mysql_stmt_errno(st), mysql_stmt_error(st), what, err);
}

static int bad_arg(GError **err, const char *what)
{
	g_set_error(err, STORE_ERROR, STORE_ERROR_FAILED, "%s", what);
	return -1;
}

/* ---- transactions the server ended on its own ------------------------------- *
 * A Galera node rolls back a local transaction that holds a lock a
 * replicated write set needs ("brute force" abort). When that lands while
 * one of our statements runs, MariaDB 10.11 can answer the statement as
 * if nothing happened and never report the deadlock: the transaction is
 * gone, and the statements after it would each commit on their own (seen
 * in the cluster test: a survey mail queued without its survey while
 * another daemon sent the same survey). Three guards:
 * - the session is READ ONLY by default and our transactions are START
 *   TRANSACTION READ WRITE, so a write after the loss fails (1792, run
 *   again) instead of committing alone; a write outside a transaction runs
 *   in one of its own (write_alone);
 * - after each statement in a transaction the server must still say "in
 *   transaction" (txn_check);
 * - on Galera one more statement before COMMIT confirms the last one,
 *   whose own answer may still have said "in transaction". */

/* txn_check - -1 + a retryable err when we think we are in a transaction
 * and the server's last answer says we are not. */
static int txn_check(struct store *s, const char *what, GError **err)
{
	unsigned status = 0;
	if (!s->in_txn || s->broken || !s->db ||
	    mariadb_get_infov(s->db, MARIADB_CONNECTION_SERVER_STATUS, &status) ||
	    (status & SERVER_STATUS_IN_TRANS))
		return 0;
	g_set_error(err, STORE_ERROR, STORE_ERROR_RETRY, "%.40s: the server ended the "
		    "transaction without saying why (a conflict with another node's)", what);
	return -1;
}

/* sql_writes - whether sql changes rows (so needs a READ WRITE transaction). */
static bool sql_writes(const char *sql)
{
	static const char *const verbs[] = { "INSERT", "UPDATE", "DELETE", "REPLACE" };
	while (*sql == ' ' || *sql == '(')
		sql++;
	for (unsigned i = 0; i < G_N_ELEMENTS(verbs); i++)
		if (!g_ascii_strncasecmp(sql, verbs[i], strlen(verbs[i])))
			return true;
	return false;
}

/* ---- text helpers ----------------------------------------------------------- */

/* ---- statements ------------------------------------------------------------ */

static MYSQL_STMT *stmt_get(struct store *s, enum st id, GError **err)
{
	if (s->broken) {
		g_set_error(err, STORE_ERROR, STORE_ERROR_CONNECTION,
			    "connection lost; reconnect first");
		return NULL;
	}
	if (s->st[id])
		return s->st[id];
	MYSQL_STMT *st = mysql_stmt_init(s->db);
	if (!st) {
		fail_db(s, "mysql_stmt_init", err);
		return NULL;
	}
	if (mysql_stmt_prepare(st, st_sql[id], (unsigned long)strlen(st_sql[id]))) {
		fail_st(s, st, id, err);
		mysql_stmt_close(st);
		return NULL;
	}
	s->st[id] = st;
	return st;
}

/* A statement runner for write_alone: what names the statement (an enum
 * st or the SQL), owned says the caller closes what it returns. */
typedef MYSQL_STMT *(*stmt_run)(struct store *s, const void *what, struct pb *p, GError **err);

static int sql_int(struct store *s, const char *sql, long long *v, GError **err);

/* write_alone - run a write outside a transaction in one of its own (the
 * session is READ ONLY by default), again on a conflict, as the server
 * would have for an autocommitted statement. */
static MYSQL_STMT *write_alone(struct store *s, stmt_run run, const void *what, struct pb *p,
			       bool owned, GError **err)
{
	for (unsigned t = 1;; t++) {
		GError *e = NULL;  /* the caller's err may be NULL: we look at it */
		MYSQL_STMT *st = NULL;
		if (store_begin(s, &e) == 0) {
			st = run(s, what, p, &e);
			if (!st) {
				store_rollback(s);
			} else if (store_commit(s, &e) < 0) {
				if (owned)
					mysql_stmt_close(st);
				st = NULL;
			}
		}
		if (st)
			return st;
		if (t >= 3 || !g_error_matches(e, STORE_ERROR, STORE_ERROR_RETRY)) {
			if (e)
				g_propagate_error(err, e);
			return NULL;
		}
		g_error_free(e);
	}
}

/* exec_try - bind p and execute statement *what (an enum st). */
static MYSQL_STMT *exec_try(struct store *s, const void *what, struct pb *p, GError **err)
{
	enum st id = *(const enum st *)what;
	MYSQL_STMT *st = stmt_get(s, id, err);
	if (!st)
		return NULL;
	g_assert(mysql_stmt_param_count(st) == p->nb);
	if (mysql_stmt_bind_param(st, p->b) || mysql_stmt_execute(st)) {
		fail_st(s, st, id, err);
		return NULL;
	}
	return txn_check(s, st_sql[id], err) < 0 ? NULL : st;
}

/* exec - bind p and execute statement id; NULL + err on failure. */
static MYSQL_STMT *exec(struct store *s, enum st id, struct pb *p,
			GError **err)
{
	if (!s->in_txn && sql_writes(st_sql[id]))
		return write_alone(s, exec_try, &id, p, false, err);
	return exec_try(s, &id, p, err);
}

static void mb_u64(MYSQL_BIND *b, uint64_t *v, bool zero_is_null);

/* prepare_built - a statement from SQL built at run time (freed here);
 * NULL + err (naming what) on failure. */
static MYSQL_STMT *prepare_built(struct store *s, GString *sql, const char *what, GError **err)
{
	MYSQL_STMT *st = mysql_stmt_init(s->db);
	if (!st || mysql_stmt_prepare(st, sql->str, (unsigned long)sql->len)) {
		if (st) {
			fail(s, mysql_stmt_errno(st), mysql_stmt_error(st), what, err);
			mysql_stmt_close(st);
		} else {
			fail_db(s, "mysql_stmt_init", err);
		}
		st = NULL;
	}
	g_string_free(sql, TRUE);
	return st;
}

/* ids_stmt - the prepared statement of kind k (see IDS_CHUNK). */
static MYSQL_STMT *ids_stmt(struct store *s, enum ids_kind k, GError **err)
{
	if (s->ids[k])
		return s->ids[k];
	GString *sql = g_string_new(ids_head[k]);
	for (unsigned i = 0; i < IDS_CHUNK; i++)
		g_string_append(sql, i ? ", ?" : "?");
	g_string_append_c(sql, ')');
	return s->ids[k] = prepare_built(s, sql, ids_head[k], err);
}

struct ids_call {
	enum ids_kind k;
	const uint64_t *ids;
	unsigned n;
};

/* ids_try - statement c->k with lead's values, then the ids (stmt_run). */
static MYSQL_STMT *ids_try(struct store *s, const void *what, struct pb *lead, GError **err)
{
	const struct ids_call *c = what;
	g_assert(c->n <= IDS_CHUNK && lead->nb <= 2);
	MYSQL_STMT *st = ids_stmt(s, c->k, err);
	if (!st)
		return NULL;
	MYSQL_BIND b[2 + IDS_CHUNK];
	uint64_t v[IDS_CHUNK];
	memcpy(b, lead->b, lead->nb * sizeof *b);
	for (unsigned i = 0; i < IDS_CHUNK; i++) {
		MYSQL_BIND *x = &b[lead->nb + i];
		v[i] = i < c->n ? c->ids[i] : 0;
		memset(x, 0, sizeof *x);
		if (i < c->n)
			mb_u64(x, &v[i], false);
		else
			x->buffer_type = MYSQL_TYPE_NULL;
	}
	if (mysql_stmt_bind_param(st, b) || mysql_stmt_execute(st)) {
		fail(s, mysql_stmt_errno(st), mysql_stmt_error(st), ids_head[c->k], err);
		return NULL;
	}
	return txn_check(s, ids_head[c->k], err) < 0 ? NULL : st;
}

/* exec_ids - statement k for n ids (n <= IDS_CHUNK), lead's values first;
 * in a transaction of its own when not in one. */
static int exec_ids(struct store *s, enum ids_kind k, struct pb *lead, const uint64_t *ids,
		    unsigned n, GError **err)
{
	struct ids_call c = { k, ids, n };
	if (n == 0)
		return 0;
	MYSQL_STMT *st = s->in_txn ? ids_try(s, &c, lead, err)
				   : write_alone(s, ids_try, &c, lead, false, err);
	return st ? 0 : -1;
}

/* ---- result rows ------------------------------------------------------------- */

/* rb_start - bind r as the result of st and buffer the rows client side. */
static int rb_start_sql(struct store *s, MYSQL_STMT *st, const char *sql, struct rb *r,
			GError **err)
{
	if (mysql_stmt_bind_result(st, r->b) || mysql_stmt_store_result(st)) {
		fail(s, mysql_stmt_errno(st), mysql_stmt_error(st), sql, err);
		mysql_stmt_free_result(st);
		return -1;
	}
	if (txn_check(s, sql, err) < 0) {
		mysql_stmt_free_result(st);
		return -1;
	}
	return 0;
}

static int rb_start(struct store *s, MYSQL_STMT *st, enum st id, struct rb *r,
		    GError **err)
{
	char what[48];
	snprintf(what, sizeof what, "%.40s", st_sql[id]);
	return rb_start_sql(s, st, what, r, err);
}

/* rb_fetch_sql - 1 row, 0 no more rows, -1 error. */
static int rb_fetch_sql(struct store *s, MYSQL_STMT *st, const char *sql, GError **err)
{
	int rc = mysql_stmt_fetch(st);
	if (rc == 0 || rc == MYSQL_DATA_TRUNCATED)
		return 1;
	if (rc == MYSQL_NO_DATA)
		return 0;
	return fail(s, mysql_stmt_errno(st), mysql_stmt_error(st), sql, err);
}

static int rb_fetch(struct store *s, MYSQL_STMT *st, enum st id, GError **err)
{
	char what[48];
	snprintf(what, sizeof what, "%.40s", st_sql[id]);
	return rb_fetch_sql(s, st, what, err);
}

/* query_two_ids - run a SELECT of two id columns expecting at most one
 * row: 1 found, 0 not, -1 error. */
static int query_two_ids(struct store *s, enum st id, struct pb *p,
			 uint64_t *a, uint64_t *b, GError **err)
{
	MYSQL_STMT *st = exec(s, id, p, err);
	if (!st)
		return -1;
	struct rb r = { .n = 0 };
	rb_u64(&r);
	rb_u64(&r);
	if (rb_start(s, st, id, &r, err) < 0)
		return -1;
	int rc = rb_fetch(s, st, id, err);
	if (rc == 1) {
		if (a)
			*a = rb_id(&r, 0);
		if (b)
			*b = rb_id(&r, 1);
	}
	mysql_stmt_free_result(st);
	return rc;
}

/* query_count - a SELECT of one integer, 0 when there is no row. */
static int query_count(struct store *s, enum st id, struct pb *p,
		       uint64_t *n, GError **err)
{
	MYSQL_STMT *st = exec(s, id, p, err);
	if (!st)
		return -1;
	struct rb r = { .n = 0 };
	rb_u64(&r);
	if (rb_start(s, st, id, &r, err) < 0)
		return -1;
	int rc = rb_fetch(s, st, id, err);
	*n = rc == 1 ? rb_id(&r, 0) : 0;
	mysql_stmt_free_result(st);
	return rc;
}

/* ---- connection ------------------------------------------------------------- */

static void library_init_once(void)
{
	static gsize done;
	if (g_once_init_enter(&done)) {
		mysql_library_init(0, NULL, NULL);
		g_once_init_leave(&done, 1);
	}
}

static void drop_statements(struct store *s)
{
	for (unsigned k = 0; k < IDS_KINDS; k++) {
		if (s->ids[k])
			mysql_stmt_close(s->ids[k]);
		s->ids[k] = NULL;
	}
	if (s->known_many)
		mysql_stmt_close(s->known_many);
	s->known_many = NULL;
	for (unsigned i = 0; i < ST_COUNT; i++) {
		if (s->st[i])
			mysql_stmt_close(s->st[i]);
		s->st[i] = NULL;
	}
	for (unsigned k = 0; k < DEFER_KINDS; k++)
		for (unsigned n = 0; n <= DEFER_CHUNK; n++) {
			if (s->multi[k][n])
				mysql_stmt_close(s->multi[k][n]);
			s->multi[k][n] = NULL;
		}
	for (unsigned k = 0; k < STORE_UNION_KINDS; k++)
		for (unsigned n = 0; n <= STORE_UNION_CHUNK; n++) {
			if (s->uni[k][n])
				mysql_stmt_close(s->uni[k][n]);
			s->uni[k][n] = NULL;
		}
}

/* ---- deferred multi-row inserts ---------------------------------------------- */

static void drow_free(gpointer p)
{
	struct drow *r = p;
	for (unsigned i = r->held ? 1 : 0; i < G_N_ELEMENTS(r->str); i++)
		g_free(r->str[i]);
	if (r->held)
		g_bytes_unref(r->held);
	g_free(r);
}

static void defer_clear(struct store *s)
{
	for (unsigned k = 0; k < DEFER_KINDS; k++)
		if (s->defer[k])
			g_ptr_array_set_size(s->defer[k], 0);
}

/* drow_str - keep the first len bytes of v (NULL stays NULL). */
static void drow_str(struct drow *r, unsigned i, const char *v, size_t len)
{
	r->str[i] = NULL;
	if (v) {  /* may hold NUL bytes (a raw mail): copy by length */
		r->str[i] = g_malloc(len + 1);
		memcpy(r->str[i], v, len);
		r->str[i][len] = '\0';
	}
	r->len[i] = (unsigned long)len;
}

static void defer_add(struct store *s, enum defer_kind k, struct drow *r)
{
	if (!s->defer[k])
		s->defer[k] = g_ptr_array_new_with_free_func(drow_free);
	g_ptr_array_add(s->defer[k], r);
}

/* multi_get - the prepared INSERT for n rows of kind k. */
static MYSQL_STMT *multi_get(struct store *s, enum defer_kind k, unsigned n,
			     GError **err)
{
	if (s->multi[k][n])
		return s->multi[k][n];
	GString *sql = g_string_new(defer_sql[k].head);
	for (unsigned i = 0; i < n; i++)
		g_string_append(g_string_append(sql, i ? ", " : ""),
				defer_sql[k].row);
	return s->multi[k][n] = prepare_built(s, sql, defer_sql[k].head, err);
}

MYSQL_STMT *store_union_stmt(struct store *s, enum store_union_kind k, const char *one,
			     unsigned n, GError **err)
{
	g_assert(k < STORE_UNION_KINDS && n >= 1 && n <= STORE_UNION_CHUNK);
	if (s->broken) {
		g_set_error(err, STORE_ERROR, STORE_ERROR_CONNECTION,
			    "connection lost; reconnect first");
		return NULL;
	}
	if (s->uni[k][n])
		return s->uni[k][n];
	GString *sql = g_string_new(NULL);
	for (unsigned i = 0; i < n; i++) {
		g_string_append(sql, i ? " UNION ALL (SELECT " : "(SELECT ");
		g_string_append_printf(sql, "%u, ", i);
		g_string_append(g_string_append(sql, one), ")");
	}
	return s->uni[k][n] = prepare_built(s, sql, "union lookup", err);
}

int store_stmt_fail(struct store *s, MYSQL_STMT *st, const char *what, GError **err)
{
	return fail(s, mysql_stmt_errno(st), mysql_stmt_error(st), what, err);
}

static void mb_u64(MYSQL_BIND *b, uint64_t *v, bool zero_is_null)
{
	memset(b, 0, sizeof *b);
	if (zero_is_null && *v == 0) {
		b->buffer_type = MYSQL_TYPE_NULL;
		return;
	}
	b->buffer_type = MYSQL_TYPE_LONGLONG;
	b->buffer = v;
	b->is_unsigned = 1;
}

static void mb_str(MYSQL_BIND *b, char *v, unsigned long *len)
{
	memset(b, 0, sizeof *b);
	b->buffer_type = v ? MYSQL_TYPE_STRING : MYSQL_TYPE_NULL;
	b->buffer = v;
	b->buffer_length = *len;
	b->length = len;
}

static void mb_time(MYSQL_BIND *b, MYSQL_TIME *t)
{
	memset(b, 0, sizeof *b);
	b->buffer_type = MYSQL_TYPE_DATETIME;
	b->buffer = t;
	b->buffer_length = sizeof *t;
}

/* drow_bind - the row's columns in the order of defer_sql[k].row. */
static void drow_bind(enum defer_kind k, struct drow *r, MYSQL_BIND *b)
{
	if (k == DEFER_RAW) {
		mb_u64(&b[0], &r->id[0], false);
		mb_str(&b[1], r->str[0], &r->len[0]);
		b[1].buffer_type = MYSQL_TYPE_BLOB;
	} else if (k == DEFER_SOURCE) {
		mb_str(&b[0], r->str[0], &r->len[0]);
		mb_u64(&b[1], &r->id[1], false);
		mb_u64(&b[2], &r->id[2], false);
		mb_u64(&b[3], &r->id[0], false);
		mb_time(&b[4], &r->at[0]);
	} else if (k == DEFER_OUTBOX) {
		mb_u64(&b[0], &r->id[0], true);
		for (unsigned i = 0; i < 4; i++)
			mb_str(&b[1 + i], r->str[i], &r->len[i]);
		mb_str(&b[5], r->str[4], &r->len[4]);
		b[5].buffer_type = r->str[4] ? MYSQL_TYPE_BLOB : MYSQL_TYPE_NULL;
		mb_time(&b[6], &r->at[0]);
		mb_time(&b[7], &r->at[1]);
	} else if (k == DEFER_FACT) {
		mb_u64(&b[0], &r->id[0], false);
		for (unsigned i = 0; i < 4; i++)
			mb_str(&b[1 + i], r->str[i], &r->len[i]);
		mb_time(&b[5], &r->at[0]);
	} else if (k == DEFER_ACK) {
		mb_str(&b[0], r->str[0], &r->len[0]);
		mb_str(&b[1], r->str[1], &r->len[1]);
		mb_time(&b[2], &r->at[0]);
	} else if (k == DEFER_HIT) {
		mb_u64(&b[0], &r->id[0], true);
		mb_u64(&b[1], &r->id[1], true);
		for (unsigned i = 0; i < 4; i++)
			mb_str(&b[2 + i], r->str[i], &r->len[i]);
	} else {
		mb_u64(&b[0], &r->id[0], false);
		mb_time(&b[1], &r->at[0]);
		for (unsigned i = 0; i < 3; i++)
			mb_str(&b[2 + i], r->str[i], &r->len[i]);
	}
}

/* defer_fitting - how many rows from i go in one statement: at most
 * DEFER_CHUNK, and past the first no more bytes than half the server's
 * max_allowed_packet. 32 sources of 64 KB make a 2 MB statement, which a
 * server set to 1 MB refuses by dropping the connection. */
static unsigned defer_fitting(const struct store *s, const GPtrArray *rows, unsigned i)
{
	size_t budget = s->server_packet / 2, used = 0;
	unsigned n = 0;
	while (n < DEFER_CHUNK && i + n < rows->len) {
		const struct drow *r = rows->pdata[i + n];
		size_t bytes = 64;  /* ids, times, the placeholders' framing */
		for (unsigned c = 0; c < G_N_ELEMENTS(r->len); c++)
			bytes += r->len[c];
		if (n && used + bytes > budget)
			break;
		used += bytes;
		n++;
	}
	return n;
}

/* defer_flush - write every deferred row, up to DEFER_CHUNK rows a
 * statement (defer_fitting). */
static int defer_flush(struct store *s, GError **err)
{
	for (unsigned k = 0; k < DEFER_KINDS; k++) {
		GPtrArray *rows = s->defer[k];
		unsigned cols = defer_sql[k].cols;
		for (unsigned i = 0; rows && i < rows->len;) {
			unsigned n = defer_fitting(s, rows, i);
			MYSQL_STMT *st = multi_get(s, k, n, err);
			if (!st)
				return -1;
			if (!s->mbind)
				s->mbind = g_new0(MYSQL_BIND,
						  DEFER_CHUNK * DEFER_MAXCOLS);
			for (unsigned j = 0; j < n; j++)
				drow_bind(k, rows->pdata[i + j], &s->mbind[j * cols]);
			if (mysql_stmt_bind_param(st, s->mbind) ||
			    mysql_stmt_execute(st))
				return fail(s, mysql_stmt_errno(st),
					    mysql_stmt_error(st),
					    defer_sql[k].head, err);
			if (txn_check(s, defer_sql[k].head, err) < 0)
				return -1;
			i += n;
		}
	}
	defer_clear(s);
	return 0;
}

static void disconnect(struct store *s)
{
	drop_statements(s);
	if (s->db)
		mysql_close(s->db);
	s->db = NULL;
	s->in_txn = false;
	defer_clear(s);
}

/* tls_options - [database] tls = required: refuse a server without TLS
 * (MYSQL_OPT_SSL_ENFORCE) and, unless told not to, check its certificate
 * and name against ca_file or the system's CAs. */
static void tls_options(struct store *s)
{
	if (!s->tls_required)
		return;
	my_bool yes = 1, verify = s->tls_verify;
	mysql_optionsv(s->db, MYSQL_OPT_SSL_ENFORCE, &yes);
	mysql_optionsv(s->db, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify);
	if (s->tls_ca_file)
		mysql_optionsv(s->db, MYSQL_OPT_SSL_CA, s->tls_ca_file);
}

static int db_connect_to(struct store *s, const char *host, unsigned port, GError **err)
{
	unsigned ct = s->connect_timeout ? s->connect_timeout : 10;
	unsigned io = s->io_timeout ? s->io_timeout : 60;
	unsigned long max_packet = 1UL << 30;
	my_bool no = 0;
	unsigned int no_infile = 0;

	library_init_once();
	s->db = mysql_init(NULL);
	if (!s->db)
		return bad_arg(err, "mysql_init: out of memory");
	mysql_options(s->db, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	mysql_options(s->db, MYSQL_OPT_CONNECT_TIMEOUT, &ct);
	mysql_options(s->db, MYSQL_OPT_READ_TIMEOUT, &io);
	mysql_options(s->db, MYSQL_OPT_WRITE_TIMEOUT, &io);
	mysql_options(s->db, MYSQL_OPT_RECONNECT, &no);
	mysql_options(s->db, MYSQL_OPT_LOCAL_INFILE, &no_infile);
	mysql_options(s->db, MYSQL_OPT_MAX_ALLOWED_PACKET, &max_packet);
	tls_options(s);
	/* UTC times; strict mode so that nothing is silently mangled (we cut
	 * long text ourselves); READ COMMITTED avoids gap locks between
	 * daemons inserting side by side. */
	mysql_options(s->db, MYSQL_INIT_COMMAND,
		      "SET time_zone = '+00:00', sql_mode = 'STRICT_ALL_TABLES,"
		      "NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,"
		      "NO_ENGINE_SUBSTITUTION', innodb_lock_wait_timeout = 20");
	mysql_options(s->db, MYSQL_INIT_COMMAND,
		      "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED, READ ONLY");
	if (!mysql_real_connect(s->db, s->socket ? NULL : host, s->user,
				s->password, s->database, port, s->socket,
				0)) {
		unsigned code = mysql_errno(s->db);
		g_set_error(err, STORE_ERROR,
			    classify(code) == STORE_ERROR_CONNECTION ?
			    STORE_ERROR_CONNECTION : STORE_ERROR_FAILED,
			    "connect to %s%s%.0u: %s (%u)",
			    s->socket ? s->socket : host ? host : "localhost",
			    s->socket || !port ? "" : ":", s->socket ? 0 : port,
			    mysql_error(s->db), code);
		mysql_close(s->db);
		s->db = NULL;
		s->broken = true;
		return -1;
	}
	if (mysql_autocommit(s->db, 1))
		return fail_db(s, "autocommit", err);
	/* a server without Galera does not know the variable: nothing to wait for */
	if (s->causal_reads && mysql_query(s->db, "SET SESSION wsrep_sync_wait = 1"))
		log_debug("store: no causal reads: %s", mysql_error(s->db));
	s->server_packet = 16u << 20;
	if (mysql_query(s->db, "SELECT @@max_allowed_packet") == 0) {
		MYSQL_RES *res = mysql_store_result(s->db);
		MYSQL_ROW row = res ? mysql_fetch_row(res) : NULL;
		if (row && row[0])
			s->server_packet = (size_t)g_ascii_strtoull(row[0], NULL, 10);
		if (res)
			mysql_free_result(res);
	}
	s->broken = false;
	s->in_txn = false;
	long long on = 0;
	s->galera = sql_int(s, "SELECT @@global.wsrep_on", &on, NULL) == 0 && on == 1;
	return 0;
}

/* db_connect - the socket, or the hosts in turn from host_i: the first
 * that answers is kept. After a lost connection the caller starts from
 * the next host (the node it was on may have left the cluster or lost its
 * quorum); with one host that is the same one. */
static int db_connect(struct store *s, GError **err)
{
	unsigned n = s->socket ? 1 : hostlist_count(s->hosts);
	for (unsigned k = 0; k < n; k++) {
		unsigned i = (s->host_i + k) % n;
		GError *e = NULL;
		if (db_connect_to(s, s->socket ? NULL : hostlist_host(s->hosts, i),
				  s->socket ? 0 : hostlist_port(s->hosts, i), &e) == 0) {
			/* where a list of hosts let it go elsewhere, say where */
			if (k || (n > 1 && s->connected_before))
				log_info("store: connected to %s:%u", hostlist_host(s->hosts, i),
					 hostlist_port(s->hosts, i));
			s->host_i = i;
			s->connected_before = true;
			return 0;
		}
		if (k + 1 == n || !g_error_matches(e, STORE_ERROR, STORE_ERROR_CONNECTION)) {
			g_propagate_error(err, e);
			return -1;
		}
		log_warn("store: %s; trying the next host", e->message);
		g_error_free(e);
	}
	return -1;
}

struct store *store_open(const struct store_params *p, GError **err)
{
	struct store *s = g_new0(struct store, 1);
	s->socket = g_strdup(p->socket && *p->socket ? p->socket : NULL);
	s->user = g_strdup(p->user);
	s->password = g_strdup(p->password);
	s->database = g_strdup(p->database);
	char *why = NULL;
	if (!s->socket && !(s->hosts = hostlist_parse(p->host ? p->host : "localhost", p->port,
						      &why))) {
		g_set_error(err, STORE_ERROR, STORE_ERROR_FAILED, "database host: %s", why);
		g_free(why);
		store_close(&s);
		return NULL;
	}
	s->connect_timeout = p->connect_timeout;
	s->io_timeout = p->io_timeout;
	s->tls_required = p->tls_required;
	s->tls_verify = p->tls_verify;
	s->causal_reads = p->causal_reads;
	s->tls_ca_file = g_strdup(p->tls_ca_file && *p->tls_ca_file ? p->tls_ca_file : NULL);
	if (p->ref_timezone) {
		s->tz = g_time_zone_new_identifier(p->ref_timezone);
		if (!s->tz) {
			g_set_error(err, STORE_ERROR, STORE_ERROR_FAILED,
				    "unknown time zone '%s'", p->ref_timezone);
			store_close(&s);
			return NULL;
		}
	} else {
		s->tz = g_time_zone_new_local();
	}
	if (db_connect(s, err) < 0) {
		store_close(&s);
		return NULL;
	}
	return s;
}

void store_close(struct store **sp)
{
	struct store *s = *sp;
	if (!s)
		return;
	disconnect(s);
	for (unsigned k = 0; k < DEFER_KINDS; k++)
		if (s->defer[k])
			g_ptr_array_unref(s->defer[k]);
	g_free(s->mbind);
	if (s->password)
		memset(s->password, 0, strlen(s->password));
	hostlist_free(&s->hosts);
	g_free(s->socket);
	g_free(s->user);
	g_free(s->password);
	g_free(s->database);
	g_free(s->tls_ca_file);
	if (s->tz)
		g_time_zone_unref(s->tz);
	g_free(s);
	*sp = NULL;
}

int store_reconnect(struct store *s, GError **err)
{
	disconnect(s);
	if (s->hosts)
		s->host_i = (s->host_i + 1) % hostlist_count(s->hosts);
	return db_connect(s, err);
}

int store_ping(struct store *s, GError **err)
{
	if (s->db && !s->broken && mysql_ping(s->db) == 0)
		return 0;
	if (s->db && !s->broken)
		log_warn("store: connection lost: %s", mysql_error(s->db));
	if (store_reconnect(s, err) < 0)
		return -1;
	log_info("store: reconnected");
	return 0;
}

unsigned long store_connection_id(struct store *s)
{
	return s->db && !s->broken ? mysql_thread_id(s->db) : 0;
}

/* ---- plain queries (constant SQL only: migrations, transactions) ------------ */

static int run_sql(struct store *s, const char *sql, GError **err)
{
	if (s->broken)
		return fail(s, CR_SERVER_GONE_ERROR, "connection lost", "query", err);
	if (mysql_real_query(s->db, sql, (unsigned long)strlen(sql)))
		return fail_db(s, "query", err);
	MYSQL_RES *res = mysql_store_result(s->db);
	if (res)
		mysql_free_result(res);
	else if (mysql_field_count(s->db) != 0)
		return fail_db(s, "query", err);
	return 0;
}

/* sql_int - the first column of the first row of a constant query. */
static int sql_int(struct store *s, const char *sql, long long *v,
		   GError **err)
{
	if (s->broken)
		return fail(s, CR_SERVER_GONE_ERROR, "connection lost", "query", err);
	if (mysql_real_query(s->db, sql, (unsigned long)strlen(sql)))
		return fail_db(s, "query", err);
	MYSQL_RES *res = mysql_store_result(s->db);
	if (!res)
		return fail_db(s, "query", err);
	MYSQL_ROW row = mysql_fetch_row(res);
	*v = row && row[0] ? g_ascii_strtoll(row[0], NULL, 10) : 0;
	mysql_free_result(res);
	return 0;
}

/* ---- schema ----------------------------------------------------------------- */

int store_schema_version(struct store *s, int *current, int *latest,
			 GError **err)
{
	long long v = 0;
	GError *e = NULL;
	if (latest)
		*latest = migrations_latest();
	if (sql_int(s, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
		    &v, &e) < 0) {
		if (e->code != STORE_ERROR_SCHEMA) {
			g_propagate_error(err, e);
			return -1;
		}
		g_error_free(e);  /* no bookkeeping table yet: version 0 */
		v = 0;
	}
	if (current)
		*current = (int)v;
	return 0;
}

static int apply_migration(struct store *s, const struct migration *m,
			   GError **err)
{
	for (const char *const *sql = m->statements; *sql; sql++) {
		if (run_sql(s, *sql, err) < 0) {
			g_prefix_error(err, "migration %d (%s): ", m->version,
				       m->name);
			return -1;
		}
	}
	struct pb p = { .nb = 0 };
	pb_u64(&p, (uint64_t)m->version);
	pb_str(&p, m->name);
	if (!exec(s, ST_MIG_RECORD, &p, err))
		return -1;
	log_info("store: applied migration version=%d name=\"%s\"",
		 m->version, m->name);
	return 0;
}

static int migrate_locked(struct store *s, int *applied, GError **err)
{
	int current;
	unsigned n;
	const struct migration *all = migrations_list(&n);

	if (run_sql(s, migrations_bootstrap_sql, err) < 0 ||
	    store_schema_version(s, &current, NULL, err) < 0)
		return -1;
	if (current > migrations_latest())
		log_warn("store: schema version %d is newer than this binary's %d",
			 current, migrations_latest());
	for (unsigned i = 0; i < n; i++) {
		if (all[i].version <= current)
			continue;
		if (apply_migration(s, &all[i], err) < 0)
			return -1;
		(*applied)++;
	}
	return 0;
}

int store_migrate(struct store *s, int *applied, GError **err)
{
	long long got = 0;
	int count = 0;
	if (s->in_txn)
		return bad_arg(err, "store_migrate inside a transaction");
	if (sql_int(s, "SELECT GET_LOCK('" LOCK_NAME "', 120)", &got, err) < 0)
		return -1;
	if (got != 1)
		return bad_arg(err, "store_migrate: timed out waiting for the "
			       "migration lock");
	/* DDL and the data migrations' UPDATEs run as they are, not in
	 * transactions: the session's READ ONLY default is lifted meanwhile */
	int rc = run_sql(s, "SET SESSION TRANSACTION READ WRITE", err);
	if (rc == 0)
		rc = migrate_locked(s, &count, err);
	if (!s->broken) {
		run_sql(s, "SET SESSION TRANSACTION READ ONLY", NULL);
		run_sql(s, "DO RELEASE_LOCK('" LOCK_NAME "')", NULL);
	}
	if (applied)
		*applied = count;
	return rc;
}

/* ---- transactions ------------------------------------------------------------ */

int store_begin(struct store *s, GError **err)
{
	if (s->in_txn)
		return bad_arg(err, "store_begin: already in a transaction");
	/* READ WRITE: the session's default is READ ONLY (txn_check) */
	if (run_sql(s, "START TRANSACTION READ WRITE", err) < 0)
		return -1;
	s->in_txn = true;
	return 0;
}

/* A lost connection during COMMIT leaves the outcome unknown; the caller
 * retries, and idempotent ingestion finds what did commit. */
int store_commit(struct store *s, GError **err)
{
	if (!s->in_txn)
		return bad_arg(err, "store_commit: no transaction");
	if (s->broken)
		return fail(s, CR_SERVER_GONE_ERROR, "connection lost", "commit", err);
	/* a commit that failed leaves nothing worth keeping: roll back here, so
	 * that no caller is left holding a half-open transaction */
	if (defer_flush(s, err) < 0 ||
	    (s->galera && (run_sql(s, "DO 0", err) < 0 || txn_check(s, "commit", err) < 0))) {
		store_rollback(s);
		return -1;
	}
	if (mysql_commit(s->db)) {
		fail_db(s, "commit", err);
		store_rollback(s);
		return -1;
	}
	s->in_txn = false;
	return 0;
}

void store_rollback(struct store *s)
{
	if (s->db && !s->broken && mysql_rollback(s->db))
		fail_db(s, "rollback", NULL);
	s->in_txn = false;
	defer_clear(s);
}

bool store_in_transaction(const struct store *s)
{
	return s->in_txn;
}

/* tx_again - whether a try of store_tx that failed with err may run again:
 * not the last try, and aborted for the database's reasons, not fn's. */
static bool tx_again(struct store *s, unsigned t, bool at_commit, const GError *err)
{
	if (t >= STORE_TX_TRIES || !err || err->domain != STORE_ERROR)
		return false;
	if (err->code == STORE_ERROR_RETRY)
		return true;
	if (err->code != STORE_ERROR_CONNECTION || at_commit)
		return false;
	GError *e = NULL;
	if (store_ping(s, &e) < 0) {  /* no server to run it on: say the first error */
		g_error_free(e);
		return false;
	}
	return true;
}

int store_tx(struct store *s, store_tx_fn fn, void *ctx, GError **err)
{
	for (unsigned t = 1;; t++) {
		bool at_commit = false;
		int rc = store_begin(s, err);
		if (rc == 0) {
			log_hold();  /* what fn says is true only once it commits */
			rc = fn(ctx, err);
			if (rc < 0)
				store_rollback(s);
			else if ((at_commit = true, store_commit(s, err) < 0))
				rc = -1;
			log_release(rc >= 0);
		}
		if (rc >= 0)
			return rc;
		if (!tx_again(s, t, at_commit, *err))
			return -1;
		log_info("store: transaction aborted (%s); again (%u of %u)", (*err)->message,
			 t + 1, STORE_TX_TRIES);
		g_clear_error(err);
		/* apart, so that two daemons that collided do not collide again */
		g_usleep((5000u << t) + (gulong)g_random_int_range(0, (gint32)(5000u << t)));
	}
}

/* ---- idempotency ------------------------------------------------------------- */

char *store_dedup_key(const struct message *m)
{
	const char *mid = msg_message_id(m);
	char *input;
	if (mid && *mid && msg_channel(m) == MSG_CHANNEL_EMAIL) {
		/* a Message-ID is the sender's word only: the same id on other
		 * content is another mail (issue 10.6), so the content is keyed too */
		char *lower = g_utf8_strdown(mid, -1);
		char *content = store_content_hash(m);
		input = g_strconcat("mid:", lower, "\ncontent:", content, NULL);
		g_free(content);
		g_free(lower);
	} else if (msg_channel(m) == MSG_CHANNEL_WEB && *msg_raw_sha256(m)) {
		/* a web post: the canonical post (every field, the token among
		 * them) and its files. A double submit is one complaint; the same
		 * token on another post (the Back button, or someone who read
		 * the page) is another, and so is the same text with files */
		GString *in = g_string_new("post:");
		g_string_append(in, msg_raw_sha256(m));
		for (unsigned i = 0; i < msg_attachment_count(m); i++)
			g_string_append_printf(in, "\natt:%.64s", msg_attachment(m, i)->sha256);
		input = g_string_free(in, FALSE);
	} else if (mid && *mid) {
		/* a channel's own id (none but e-mail and the web form today) */
		char *lower = g_utf8_strdown(mid, -1);
		input = g_strconcat("mid:", lower, NULL);
		g_free(lower);
	} else if (*msg_raw_sha256(m)) {
		input = g_strconcat("raw:", msg_raw_sha256(m), NULL);
	} else {
		return NULL;
	}
	char *key = g_compute_checksum_for_string(G_CHECKSUM_SHA256, input, -1);
	g_free(input);
	return key;
}

int store_find_source(struct store *s, const char *mailbox,
		      uint32_t uidvalidity, uint32_t uid, uint64_t *msg_row,
		      uint64_t *complaint_id, GError **err)
{
	struct pb p = { .nb = 0 };
	pb_str(&p, mailbox);
	pb_u64(&p, uidvalidity);
	pb_u64(&p, uid);
	return query_two_ids(s, ST_FIND_SOURCE, &p, msg_row, complaint_id, err);
}

int store_find_dedup(struct store *s, const char *dedup_key,
		     uint64_t *msg_row, uint64_t *complaint_id, GError **err)
{
	if (!dedup_key)
		return 0;
	struct pb p = { .nb = 0 };
	pb_str(&p, dedup_key);
	return query_two_ids(s, ST_FIND_DEDUP, &p, msg_row, complaint_id, err);
}

int store_find_known(struct store *s, const char *mailbox,
		     uint32_t uidvalidity, uint32_t uid, const char *dedup_key,
		     uint64_t *msg_row, uint64_t *complaint_id, GError **err)
{
	struct pb p = { .nb = 0 };
	pb_str(&p, mailbox ? mailbox : "");
	pb_u64(&p, uidvalidity);
	pb_u64(&p, uid);
	pb_str(&p, dedup_key);  /* NULL matches nothing */
	MYSQL_STMT *st = exec(s, ST_FIND_KNOWN, &p, err);
	if (!st)
		return -1;
	struct rb r = { .n = 0 };
	rb_u64(&r);
	rb_u64(&r);
	rb_u64(&r);
	if (rb_start(s, st, ST_FIND_KNOWN, &r, err) < 0)
		return -1;
	int rc = rb_fetch(s, st, ST_FIND_KNOWN, err);
	if (rc == 1) {
		rc = (int)rb_id(&r, 0);
		if (msg_row)
			*msg_row = rb_id(&r, 1);
		if (complaint_id)
			*complaint_id = rb_id(&r, 2);
	}
	mysql_stmt_free_result(st);
	return rc;
}

/* drow_time - unix time into the row's i-th MYSQL_TIME (as pb_time does). */
static void drow_time(struct drow *r, unsigned i, int64_t t)
{
	struct pb tmp = { .nb = 0 };
	pb_time(&tmp, t);
	r->at[i] = tmp.t[0];
}

int store_add_source(struct store *s, const char *mailbox,
		     uint32_t uidvalidity, uint32_t uid, uint64_t msg_row,
		     int64_t now, GError **err)
{
	if (s->in_txn && mailbox) {
		/* inside an ingest transaction: one multi-row INSERT at commit */
		struct drow *r = g_new0(struct drow, 1);
		drow_str(r, 0, mailbox, strlen(mailbox));
		r->id[0] = msg_row;
		r->id[1] = uidvalidity;
		r->id[2] = uid;
		drow_time(r, 0, now);
		defer_add(s, DEFER_SOURCE, r);
		return 0;
	}
	struct pb p = { .nb = 0 };
	pb_str(&p, mailbox);
	pb_u64(&p, uidvalidity);
	pb_u64(&p, uid);
	pb_u64(&p, msg_row);
	pb_time(&p, now);
	return exec(s, ST_ADD_SOURCE, &p, err) ? 0 : -1;
}

/* ---- threading ---------------------------------------------------------------- */

int store_find_thread(struct store *s, const char *message_id,
		      uint64_t *complaint_id, GError **err)
{
	if (!message_id || !*message_id)
		return 0;
	size_t len = clip_chars(message_id, LEN_MSGID);
	struct pb p = { .nb = 0 };
	pb_strn(&p, message_id, len);
	pb_strn(&p, message_id, len);
	uint64_t n;
	int rc = query_count(s, ST_FIND_THREAD, &p, &n, err);
	if (rc == 1 && complaint_id)
		*complaint_id = n;
	return rc;
}

int store_find_ref(struct store *s, const char *ref, uint64_t *complaint_id,
		   char **status, GError **err)
{
	struct pb p = { .nb = 0 };
	pb_str(&p, ref);
	MYSQL_STMT *st = exec(s, ST_FIND_REF, &p, err);
	if (!st)
		return -1;
	struct rb r = { .n = 0 };
	rb_u64(&r);
	rb_var(&r);
	if (rb_start(s, st, ST_FIND_REF, &r, err) < 0)
		return -1;
	int rc = rb_fetch(s, st, ST_FIND_REF, err);
	if (rc == 1) {
		if (complaint_id)
			*complaint_id = rb_id(&r, 0);
		if (status)
			*status = rb_str(st, &r, 1);
	}
	mysql_stmt_free_result(st);
	return rc;
}

/* ---- references ---------------------------------------------------------------- */

static bool prefix_ok(const char *prefix)
{
	size_t n = prefix ? strlen(prefix) : 0;
	if (n < 1 || n > 16)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isalnum(prefix[i]))
			return false;
	return true;
}

/* ref_day - yyyymmdd of now in the reference time zone. */
static int ref_day(struct store *s, int64_t now)
{
	GDateTime *utc = g_date_time_new_from_unix_utc(now);
	if (!utc)
		return 19700101;
	GDateTime *local = g_date_time_to_timezone(utc, s->tz);
	int ymd = g_date_time_get_year(local) * 10000 +
		  g_date_time_get_month(local) * 100 +
		  g_date_time_get_day_of_month(local);
	g_date_time_unref(local);
	g_date_time_unref(utc);
	return ymd;
}

/* ref_take - add n to the (prefix, day) counter; *last = the new value,
 * so last-n+1 .. last are ours. */
static int ref_take(struct store *s, const char *prefix, int day, unsigned n,
		    uint32_t *last, GError **err)
{
	struct pb p = { .nb = 0 };
	pb_str(&p, prefix);
	pb_date(&p, day);
	pb_u64(&p, n);
	pb_u64(&p, n);
	MYSQL_STMT *st = exec(s, ST_REF_NEXT, &p, err);
	if (!st)
		return -1;
	*last = (uint32_t)mysql_stmt_insert_id(st);
	return 0;
}

int store_reserve_refs(struct store *s, const char *ref_prefix, int64_t now,
		       unsigned n, GError **err)
{
	uint32_t last;
	if (!prefix_ok(ref_prefix))
		return bad_arg(err, "bad reference prefix");
	if (s->in_txn)
		return bad_arg(err, "store_reserve_refs inside a transaction");
	if (n == 0 || n > 1000000)
		return bad_arg(err, "store_reserve_refs: bad count");
	int day = ref_day(s, now);
	if (ref_take(s, ref_prefix, day, n, &last, err) < 0)
		return -1;
	g_strlcpy(s->rsv_prefix, ref_prefix, sizeof s->rsv_prefix);
	s->rsv_day = day;
	s->rsv_next = last - n + 1;
	s->rsv_last = last;
	return 0;
}

unsigned store_refs_left(struct store *s, const char *ref_prefix, int64_t now)
{
	if (s->rsv_next == 0 || s->rsv_next > s->rsv_last || strcmp(s->rsv_prefix, ref_prefix) != 0 ||
	    s->rsv_day != ref_day(s, now))
		return 0;
	return s->rsv_last - s->rsv_next + 1;
}

/* next_ref_no - a number from the reserved block, else from the counter. */
static int next_ref_no(struct store *s, const char *prefix, int day,
		       uint32_t *no, GError **err)
{
	if (s->rsv_day == day && strcmp(s->rsv_prefix, prefix) == 0 &&
	    s->rsv_next != 0 && s->rsv_next <= s->rsv_last) {
		*no = s->rsv_next++;
		return 0;
	}
	return ref_take(s, prefix, day, 1, no, err);
}

int store_new_complaint(struct store *s, const struct message *m,
			const char *category, char severity,
			const char *route, const char *ref_prefix, int64_t now,
			uint64_t *id, char *ref, size_t ref_size,
			GError **err)
{
	return store_new_case(s, m, category, severity, route, ref_prefix, NULL, now, id,
			      ref, ref_size, err);
}

int store_new_case(struct store *s, const struct message *m, const char *category,
		   char severity, const char *route, const char *ref_prefix,
		   const struct store_case_plan *plan, int64_t now, uint64_t *id,
		   char *ref, size_t ref_size, GError **err)
{
	uint32_t no;
	char sev = severity;
	if (!prefix_ok(ref_prefix))
		return bad_arg(err, "bad reference prefix");
	if (sev < 'A' || sev > 'C')
		return bad_arg(err, "bad severity");
	if (!category || !*category)
		return bad_arg(err, "missing category");
	if (ref_size < STORE_REF_MAX)
		return bad_arg(err, "reference buffer too small");
	int day = ref_day(s, now);
	if (next_ref_no(s, ref_prefix, day, &no, err) < 0)
		return -1;
	snprintf(ref, ref_size, "%s-%08d-%04u", ref_prefix, day, no);

	const char *from = msg_from_addr(m), *name = msg_from_name(m);
	struct pb p = { .nb = 0 };
	pb_str(&p, ref);
	pb_str(&p, msg_channel_name(msg_channel(m)));
	pb_chars(&p, category, 20);
	pb_strn(&p, &sev, 1);
	pb_chars(&p, route, 64);
	pb_chars(&p, from ? from : "", LEN_ADDR);
	pb_chars(&p, name ? name : "", LEN_NAME);
	pb_text(&p, msg_subject(m) ? msg_subject(m) : "", TEXT_BYTES);
	pb_chars(&p, msg_lang(m), LEN_LANG);
	pb_time(&p, now);
	pb_time(&p, now);
	pb_chars(&p, plan && plan->department ? plan->department : "", LEN_ADDR);
	pb_id(&p, plan ? plan->parent_id : 0);
	for (unsigned i = 0; i < STORE_DUE_COUNT; i++) {
		if (plan && plan->due[i])
			pb_time(&p, plan->due[i]);
		else
			pb_null(&p);
	}
	const char *taker = msg_field(m, "taken_by"), *phone = msg_field(m, "phone");
	pb_chars(&p, taker ? taker : "", LEN_ADDR);
	pb_chars(&p, phone ? phone : "", LEN_PHONE);
	MYSQL_STMT *st = exec(s, ST_NEW_COMPLAINT, &p, err);
	if (!st)
		return -1;
	if (id)
		*id = mysql_stmt_insert_id(st);
	return 0;
}

/* ---- messages ------------------------------------------------------------------- */

/* join_list - items joined by sep, NULL when there are none. */
static char *join_list(const struct message *m, unsigned n,
		       const char *(*get)(const struct message *, unsigned),
		       const char *sep)
{
	if (n == 0)
		return NULL;
	GString *g = g_string_new(NULL);
	for (unsigned i = 0; i < n; i++) {
		if (i)
			g_string_append(g, sep);
		g_string_append(g, get(m, i));
	}
	return g_string_free(g, FALSE);
}

static int add_attachments(struct store *s, const struct message *m,
			   uint64_t msg_row, GError **err)
{
	for (unsigned i = 0; i < msg_attachment_count(m); i++) {
		const struct msg_attachment *a = msg_attachment(m, i);
		gsize size = 0;
		const void *data = a->data ? g_bytes_get_data(a->data, &size) : NULL;
		struct pb p = { .nb = 0 };
		pb_u64(&p, msg_row);
		pb_chars(&p, a->filename ? a->filename : "", LEN_NAME);
		pb_chars(&p, a->content_type ? a->content_type : "", LEN_NAME);
		pb_u64(&p, size);
		pb_str(&p, a->sha256);
		/* content over the server's packet limit would cost the connection:
		 * keep name, type, size and digest, leave the content out */
		gsize keep = size + (512u << 10) > s->server_packet ? 0 : size;
		pb_blob(&p, data && keep ? data : "", keep);
		if (!exec(s, ST_ADD_ATTACHMENT, &p, err))
			return -1;
	}
	return 0;
}

size_t store_row_budget(const struct store *s)
{
	return s->server_packet > (1u << 20) ? s->server_packet - (512u << 10)
					     : s->server_packet / 2;
}

size_t store_outbox_max(const struct store *s)
{
	return MIN(store_row_budget(s), (size_t)MEDIUM_BYTES);
}

/* fit_packet - keep the messages row under the server's max_allowed_packet
 * (less room for the other columns): the text gives way first, then the
 * raw archive, and the notes say what was left out. */
static void fit_packet(struct store *s, const void **raw, gsize *raw_len,
		       const char *text, size_t *text_len, char **notes)
{
	size_t budget = s->server_packet > (1u << 20) ? s->server_packet - (512u << 10)
						      : s->server_packet / 2;
	if (*raw_len + *text_len <= budget)
		return;
	char *note = NULL;
	if (*raw_len > budget / 2) {
		note = g_strdup_printf("raw source of %zu bytes not archived: over the "
				       "database's max_allowed_packet (%zu)",
				       (size_t)*raw_len, s->server_packet);
		*raw = NULL;
		*raw_len = 0;
	}
	size_t room = budget - *raw_len;
	if (*text_len > room) {
		*text_len = clip_bytes(text, *text_len, room);
		char *more = g_strdup_printf("%s%stext cut to %zu bytes to fit the database",
					     note ? note : "", note ? "; " : "", *text_len);
		g_free(note);
		note = more;
	}
	char *joined = g_strdup_printf("%s%s%s", *notes ? *notes : "",
				       *notes && **notes ? "\n" : "", note);
	g_free(*notes);
	g_free(note);
	*notes = joined;
}

/* add_raw - the message's raw source (len bytes at raw, inside held) into
 * message_raw: with the transaction's other rows at its commit, or at once
 * when big or outside a transaction. A deferred row holds a reference to
 * held instead of a copy: a batch's mails are all in memory already. */
static int add_raw(struct store *s, uint64_t row, GBytes *held, const void *raw,
		   size_t len, GError **err)
{
	if (s->in_txn && len <= DEFER_BLOB_MAX) {
		struct drow *r = g_new0(struct drow, 1);
		r->id[0] = row;
		r->str[0] = (char *)raw;
		r->len[0] = (unsigned long)len;
		r->held = g_bytes_ref(held);
		defer_add(s, DEFER_RAW, r);
		return 0;
	}
	struct pb p = { .nb = 0 };
	pb_u64(&p, row);
	pb_blob(&p, raw, len);
	return exec(s, ST_ADD_RAW, &p, err) ? 0 : -1;
}

int store_add_message(struct store *s, uint64_t complaint_id,
		      const struct message *m, const char *direction,
		      int64_t now, bool quarantined, uint64_t *msg_row,
		      GError **err)
{
	if (!direction || (strcmp(direction, "in") && strcmp(direction, "out")))
		return bad_arg(err, "direction must be \"in\" or \"out\"");
	char *dedup = store_dedup_key(m);
	char *refs = join_list(m, msg_reference_count(m), msg_reference, " ");
	char *rcpts = join_list(m, msg_recipient_count(m), msg_recipient, ", ");
	char *notes = join_list(m, msg_note_count(m), msg_note, "\n");
	const char *from = msg_from_addr(m), *name = msg_from_name(m);
	GBytes *raw = msg_raw(m);
	gsize raw_len = 0;
	const void *raw_data = raw ? g_bytes_get_data(raw, &raw_len) : NULL;
	const char *text = msg_text(m);
	size_t text_len = clip_bytes(text, strlen(text), MEDIUM_BYTES);
	fit_packet(s, &raw_data, &raw_len, text, &text_len, &notes);

	struct pb p = { .nb = 0 };
	pb_id(&p, complaint_id);
	pb_str(&p, direction);
	pb_str(&p, msg_channel_name(msg_channel(m)));
	pb_chars(&p, msg_message_id(m), LEN_MSGID);
	pb_str(&p, dedup);
	pb_chars(&p, msg_in_reply_to(m), LEN_MSGID);
	pb_text(&p, refs, TEXT_BYTES);
	pb_chars(&p, from ? from : "", LEN_ADDR);
	pb_chars(&p, name ? name : "", LEN_NAME);
	pb_text(&p, rcpts, TEXT_BYTES);
	pb_text(&p, msg_subject(m), TEXT_BYTES);
	pb_strn(&p, text, text_len);
	pb_chars(&p, msg_lang(m), LEN_LANG);
	pb_u64(&p, msg_flags(m));
	pb_text(&p, notes, TEXT_BYTES);
	pb_str(&p, *msg_raw_sha256(m) ? msg_raw_sha256(m) : NULL);
	if (msg_date(m) > 0)
		pb_time(&p, msg_date(m));
	else
		pb_null(&p);
	pb_time(&p, now);
	pb_u64(&p, quarantined ? 1 : 0);

	MYSQL_STMT *st = exec(s, ST_ADD_MESSAGE, &p, err);
	int rc = -1;
	if (st) {
		uint64_t row = mysql_stmt_insert_id(st);
		if (msg_row)
			*msg_row = row;
		/* no row when there is none, or fit_packet left it out */
		rc = raw_data && raw_len ? add_raw(s, row, raw, raw_data, raw_len, err) : 0;
		if (rc == 0)
			rc = add_attachments(s, m, row, err);
	}
	g_free(dedup);
	g_free(refs);
	g_free(rcpts);
	g_free(notes);
	return rc;
}

bool store_defer_fact(struct store *s, uint64_t id, const char *name, const char *value,
		      size_t value_len, const char *source, const char *rule, size_t rule_len,
		      int64_t now)
{
	if (!s->in_txn)
		return false;
	struct drow *r = g_new0(struct drow, 1);
	r->id[0] = id;
	drow_str(r, 0, name, strlen(name));
	drow_str(r, 1, value, value_len);
	drow_str(r, 2, source, strlen(source));
	drow_str(r, 3, rule, rule ? rule_len : 0);
	drow_time(r, 0, now);
	defer_add(s, DEFER_FACT, r);
	return true;
}

int store_flush_deferred(struct store *s, GError **err)
{
	return s->in_txn ? defer_flush(s, err) : 0;
}

int store_add_hit(struct store *s, uint64_t complaint_id, uint64_t msg_row,
		  const char *rule, const char *field, const char *matched,
		  const char *effect, GError **err)
{
	if (s->in_txn) {
		struct drow *r = g_new0(struct drow, 1);
		r->id[0] = complaint_id;
		r->id[1] = msg_row;
		rule = rule ? rule : "";
		field = field ? field : "";
		effect = effect ? effect : "";
		drow_str(r, 0, rule, clip_chars(rule, LEN_RULE));
		drow_str(r, 1, field, clip_chars(field, LEN_RULE));
		drow_str(r, 2, matched, matched ?
			 clip_bytes(matched, strlen(matched), TEXT_BYTES) : 0);
		drow_str(r, 3, effect, clip_chars(effect, LEN_EFFECT));
		defer_add(s, DEFER_HIT, r);
		return 0;
	}
	struct pb p = { .nb = 0 };
	pb_id(&p, complaint_id);
	pb_id(&p, msg_row);
	pb_chars(&p, rule ? rule : "", LEN_RULE);
	pb_chars(&p, field ? field : "", LEN_RULE);
	pb_text(&p, matched, TEXT_BYTES);
	pb_chars(&p, effect ? effect : "", LEN_EFFECT);
	return exec(s, ST_ADD_HIT, &p, err) ? 0 : -1;
}

int store_add_event(struct store *s, uint64_t complaint_id, int64_t at,
		    const char *actor, const char *kind, const char *detail,
		    GError **err)
{
	if (!kind || !*kind)
		return bad_arg(err, "event without kind");
	if (s->in_txn) {
		struct drow *r = g_new0(struct drow, 1);
		struct pb tmp = { .nb = 0 };
		pb_time(&tmp, at);
		r->at[0] = tmp.t[0];
		r->id[0] = complaint_id;
		actor = actor ? actor : "";
		drow_str(r, 0, actor, clip_chars(actor, LEN_ADDR));
		drow_str(r, 1, kind, clip_chars(kind, LEN_KIND));
		drow_str(r, 2, detail, detail ?
			 clip_bytes(detail, strlen(detail), TEXT_BYTES) : 0);
		defer_add(s, DEFER_EVENT, r);
		return 0;
	}
	struct pb p = { .nb = 0 };
	pb_u64(&p, complaint_id);
	pb_time(&p, at);
	pb_chars(&p, actor ? actor : "", LEN_ADDR);
	pb_chars(&p, kind, LEN_KIND);
	pb_text(&p, detail, TEXT_BYTES);
	return exec(s, ST_ADD_EVENT, &p, err) ? 0 : -1;
}

int store_set_status(struct store *s, uint64_t complaint_id,
		     const char *status, int64_t now, GError **err)
{
	static const char *const known[] = { "new", "acknowledged",
		"in_progress", "resolved", "closed", "reopened" };
	bool ok = false;
	for (unsigned i = 0; status && i < G_N_ELEMENTS(known); i++)
		ok = ok || strcmp(status, known[i]) == 0;
	if (!ok) {
		g_set_error(err, STORE_ERROR, STORE_ERROR_CONSTRAINT,
			    "unknown status '%s'", status ? status : "(null)");
		return -1;
	}
	struct pb p = { .nb = 0 };
	pb_str(&p, status);
	pb_time(&p, now);
	pb_str(&p, status);
	pb_time(&p, now);
	pb_str(&p, status);
	pb_time(&p, now);
	pb_str(&p, status);
	pb_time(&p, now);
	pb_u64(&p, complaint_id);
	return exec(s, ST_SET_STATUS, &p, err) ? 0 : -1;
}

/* ---- outbox ---------------------------------------------------------------------- */

int store_outbox_add(struct store *s, uint64_t complaint_id, const char *kind,
		     const char *mail_from, const char *rcpt,
		     const char *message_id, const void *raw, size_t len,
		     int64_t now, uint64_t *id, GError **err)
{
	if (!kind || !mail_from || !rcpt || !message_id || !raw)
		return bad_arg(err, "store_outbox_add: missing field");
	if (len > store_outbox_max(s)) {
		/* the server would drop the connection (over max_allowed_packet)
		 * or refuse it (MEDIUMBLOB): fail this mail alone instead, as a
		 * plain error the caller can isolate */
		g_set_error(err, STORE_ERROR, STORE_ERROR_FAILED, "outbox mail of %zu bytes "
			    "is over the limit of %zu (max_allowed_packet %zu)", len,
			    store_outbox_max(s), s->server_packet);
		return -1;
	}
	if (s->in_txn && len <= DEFER_BLOB_MAX) {
		struct drow *r = g_new0(struct drow, 1);
		r->id[0] = complaint_id;
		drow_str(r, 0, kind, clip_chars(kind, LEN_KIND));
		drow_str(r, 1, mail_from, strlen(mail_from));
		drow_str(r, 2, rcpt, strlen(rcpt));
		drow_str(r, 3, message_id, strlen(message_id));
		drow_str(r, 4, raw, len);
		drow_time(r, 0, now);
		drow_time(r, 1, now);
		defer_add(s, DEFER_OUTBOX, r);
		if (id)
			*id = 0;
		return 0;
	}
	/* the mails queued before this one get their ids first: the sender
	 * sends in id order, and a customer must read mail in the order the
	 * workflow wrote it */
	if (s->in_txn && s->defer[DEFER_OUTBOX] && s->defer[DEFER_OUTBOX]->len &&
	    defer_flush(s, err) < 0)
		return -1;
	struct pb p = { .nb = 0 };
	pb_id(&p, complaint_id);
	pb_chars(&p, kind, LEN_KIND);
	pb_str(&p, mail_from);
	pb_str(&p, rcpt);
	pb_str(&p, message_id);
	pb_blob(&p, raw, len);
	pb_time(&p, now);
	pb_time(&p, now);
	MYSQL_STMT *st = exec(s, ST_OUTBOX_ADD, &p, err);
	if (!st)
		return -1;
	if (id)
		*id = mysql_stmt_insert_id(st);
	return 0;
}

int store_count_outbox_since(struct store *s, const char *rcpt,
			     const char *kind, int64_t since, unsigned *n,
			     GError **err)
{
	struct pb p = { .nb = 0 };
	uint64_t v;
	pb_str(&p, rcpt);
	pb_time(&p, since);
	if (kind)
		pb_str(&p, kind);
	if (query_count(s, kind ? ST_OUTBOX_COUNT_SINCE :
			ST_OUTBOX_COUNT_SINCE_ANY, &p, &v, err) < 0)
		return -1;
	*n = (unsigned)v;
	return 0;
}

int store_outbox_find_by_message_id(struct store *s, const char *message_id,
				    uint64_t *id, uint64_t *complaint_id,
				    char **rcpt, char **kind, GError **err)
{
	struct pb p = { .nb = 0 };
	pb_str(&p, message_id);
	MYSQL_STMT *st = exec(s, ST_OUTBOX_BY_MID, &p, err);
	if (!st)
		return -1;
	struct rb r = { .n = 0 };
	rb_u64(&r);
	rb_u64(&r);
	rb_var(&r);
	rb_var(&r);
	if (rb_start(s, st, ST_OUTBOX_BY_MID, &r, err) < 0)
		return -1;
	int rc = rb_fetch(s, st, ST_OUTBOX_BY_MID, err);
	if (rc == 1) {
		if (id)
			*id = rb_id(&r, 0);
		if (complaint_id)
			*complaint_id = rb_id(&r, 1);
		if (rcpt)
			*rcpt = rb_str(st, &r, 2);
		if (kind)
			*kind = rb_str(st, &r, 3);
	}
	mysql_stmt_free_result(st);
	return rc;
}

int store_outbox_last_to(struct store *s, uint64_t complaint_id, const char *kind,
			 const char *rcpt, char **message_id, GError **err)
{
	*message_id = NULL;
	if (!kind || !rcpt)
		return bad_arg(err, "store_outbox_last_to: missing field");
	struct pb p = { .nb = 0 };
	pb_u64(&p, complaint_id);
	pb_str(&p, kind);
	pb_str(&p, rcpt);
	MYSQL_STMT *st = exec(s, ST_OUTBOX_LAST_TO, &p, err);
	if (!st)
		return -1;
	struct rb r = { .n = 0 };
	rb_var(&r);
	if (rb_start(s, st, ST_OUTBOX_LAST_TO, &r, err) < 0)
		return -1;
	int rc = rb_fetch(s, st, ST_OUTBOX_LAST_TO, err);
	if (rc == 1)
		*message_id = rb_str(st, &r, 0);
	mysql_stmt_free_result(st);
	return rc;
}

void outbox_item_free(struct outbox_item *it)
{
	if (!it)
		return;
	g_free(it->kind);
	g_free(it->mail_from);
	g_free(it->rcpt);
	g_free(it->message_id);
	if (it->raw)
		g_bytes_unref(it->raw);
	g_free(it);
}

/* claim_select - run one of the claim queries, appending the rows. */
static int claim_select(struct store *s, enum st id, int64_t now, const char *owner,
			unsigned max, GPtrArray *items, GError **err)
{
	struct pb p = { .nb = 0 };
	pb_time(&p, now);
	if (owner)
		pb_chars(&p, owner, LEN_OWNER);
	pb_u64(&p, max);
	MYSQL_STMT *st = exec(s, id, &p, err);
	if (!st)
		return -1;
	struct rb r = { .n = 0 };
	rb_u64(&r);
	rb_u64(&r);
	for (int i = 0; i < 5; i++)
		rb_var(&r);
	rb_u64(&r);
	rb_time(&r);
	if (rb_start(s, st, id, &r, err) < 0)
		return -1;
	int rc;
	while ((rc = rb_fetch(s, st, id, err)) == 1) {
		struct outbox_item *it = g_new0(struct outbox_item, 1);
		it->id = rb_id(&r, 0);
		it->complaint_id = rb_id(&r, 1);
		it->kind = rb_str(st, &r, 2);
		it->mail_from = rb_str(st, &r, 3);
		it->rcpt = rb_str(st, &r, 4);
		it->message_id = rb_str(st, &r, 5);
		it->raw = rb_bytes(st, &r, 6);
		it->attempts = (unsigned)rb_id(&r, 7) + 1;
		it->created_at = rb_unix(&r, 8);
		g_ptr_array_add(items, it);
	}
	mysql_stmt_free_result(st);
	return rc;
}

static int claim_locked(struct store *s, const char *owner, int64_t now,
			int64_t lease_seconds, unsigned max, GPtrArray *items,
			GError **err)
{
	if (claim_select(s, ST_OUTBOX_CLAIM_DUE, now, NULL, max, items, err) < 0)
		return -1;
	if (items->len < max &&
	    claim_select(s, ST_OUTBOX_CLAIM_STALE, now, owner, max - items->len,
			 items, err) < 0)
		return -1;
	uint64_t ids[IDS_CHUNK];
	for (unsigned i = 0; i < items->len; i += IDS_CHUNK) {
		unsigned n = MIN(IDS_CHUNK, items->len - i);
		for (unsigned j = 0; j < n; j++)
			ids[j] = ((const struct outbox_item *)items->pdata[i + j])->id;
		struct pb p = { .nb = 0 };
		pb_chars(&p, owner, LEN_OWNER);
		pb_time(&p, now + lease_seconds);
		if (exec_ids(s, IDS_MARK, &p, ids, n, err) < 0)
			return -1;
	}
	return 0;
}

struct claim_tx {
	struct store *s;
	const char *owner;
	int64_t now, lease_seconds;
	unsigned max;
	GPtrArray *items;
};

/* claim_tx - a try of the claim: an aborted try's items go first. */
static int claim_tx(void *ctx, GError **err)
{
	struct claim_tx *t = ctx;
	g_ptr_array_set_size(t->items, 0);
	return claim_locked(t->s, t->owner, t->now, t->lease_seconds, t->max, t->items, err);
}

/* texts_chunk - the texts of up to IDS_CHUNK message rows into texts[]. */
static int texts_chunk(struct store *s, const uint64_t *rows, unsigned n, char **texts,
		       GError **err)
{
	struct ids_call c = { IDS_TEXT, rows, n };
	struct pb none = { .nb = 0 };
	MYSQL_STMT *st = ids_try(s, &c, &none, err);
	if (!st)
		return -1;
	struct rb r = { .n = 0 };
	rb_u64(&r);
	rb_var(&r);
	if (rb_start_sql(s, st, "SELECT id, body FROM messages", &r, err) < 0)
		return -1;
	int rc;
	while ((rc = rb_fetch_sql(s, st, "SELECT id, body FROM messages", err)) == 1) {
		uint64_t id = rb_id(&r, 0);
		char *body = rb_str(st, &r, 1);
		/* two notifications of one claim may quote the same mail */
		for (unsigned i = 0; i < n; i++)
			if (rows[i] == id && !texts[i])
				texts[i] = g_strdup(body);
		g_free(body);
	}
	mysql_stmt_free_result(st);
	return rc;
}

int store_message_texts(struct store *s, const uint64_t *rows, unsigned n, char **texts,
			GError **err)
{
	for (unsigned i = 0; i < n; i++)
		texts[i] = NULL;
	for (unsigned i = 0; i < n; i += IDS_CHUNK)
		if (texts_chunk(s, rows + i, MIN(IDS_CHUNK, n - i), texts + i, err) < 0) {
			for (unsigned j = 0; j < n; j++)
				g_clear_pointer(&texts[j], g_free);
			return -1;
		}
	return 0;
}

int store_outbox_claim(struct store *s, const char *owner, int64_t now,
		       int64_t lease_seconds, unsigned max, GPtrArray *out,
		       GError **err)
{
	if (!owner || !*owner)
		return bad_arg(err, "store_outbox_claim: no owner");
	if (max == 0)
		return 0;
	struct claim_tx t = { s, owner, now, lease_seconds, max,
			      g_ptr_array_new_with_free_func((GDestroyNotify)outbox_item_free) };
	GPtrArray *items = t.items;
	if (store_tx(s, claim_tx, &t, err) < 0) {
		g_ptr_array_unref(items);
		return -1;
	}
	int n = (int)items->len;
	for (unsigned i = 0; i < items->len; i++)
		g_ptr_array_add(out, items->pdata[i]);
	g_ptr_array_set_free_func(items, NULL);
	g_ptr_array_unref(items);
	return n;
}

int store_outbox_sent(struct store *s, const uint64_t *ids, unsigned n, int64_t now,
		      GError **err)
{
	for (unsigned i = 0; i < n; i += IDS_CHUNK) {
		struct pb p = { .nb = 0 };
		pb_time(&p, now);
		pb_time(&p, now);
		if (exec_ids(s, IDS_SENT, &p, ids + i, MIN(IDS_CHUNK, n - i), err) < 0)
			return -1;
	}
	return 0;
}

int store_outbox_retry(struct store *s, uint64_t id, int64_t next_at,
		       const char *error, GError **err)
{
	struct pb p = { .nb = 0 };
	pb_time(&p, next_at);
	pb_text(&p, error, TEXT_BYTES);
	pb_u64(&p, id);
	return exec(s, ST_OUTBOX_RETRY, &p, err) ? 0 : -1;
}

static int outbox_end(struct store *s, uint64_t id, const char *status,
		      const char *error, GError **err)
{
	struct pb p = { .nb = 0 };
	pb_str(&p, status);
	pb_text(&p, error, TEXT_BYTES);
	pb_u64(&p, id);
	return exec(s, ST_OUTBOX_END, &p, err) ? 0 : -1;
}

int store_outbox_failed(struct store *s, uint64_t id, const char *error,
			GError **err)
{
	return outbox_end(s, id, "failed", error, err);
}

int store_outbox_suppressed(struct store *s, uint64_t id, const char *reason,
			    GError **err)
{
	return outbox_end(s, id, "suppressed", reason, err);
}

int store_outbox_pending(struct store *s, unsigned *n, GError **err)
{
	struct pb p = { .nb = 0 };
	uint64_t v;
	if (query_count(s, ST_OUTBOX_PENDING, &p, &v, err) < 0)
		return -1;
	*n = (unsigned)v;
	return 0;
}

/* ---- suppressions ---------------------------------------------------------------- */

int store_suppression_active(struct store *s, const char *addr, int64_t now,
			     GError **err)
{
	struct pb p = { .nb = 0 };
	uint64_t v;
	pb_str(&p, addr);
	pb_time(&p, now);
	return query_count(s, ST_SUPP_ACTIVE, &p, &v, err);
}

/* One acknowledgement's counts, each stopping at its limit. */
#define ACK_ONE "(SELECT COUNT(*) FROM suppressions WHERE addr = ?" \
	" AND suppressed_until > ?), (SELECT COUNT(*) FROM (SELECT 1 FROM ack_log" \
	" WHERE addr_key = ? AND at >= ? LIMIT ?) k), (SELECT COUNT(*) FROM" \
	" (SELECT 1 FROM ack_log WHERE domain = ? AND at >= ? LIMIT ?) d)"
#define ACK_PARAMS 8

/* ack_chunk - up to STORE_UNION_CHUNK queries in one round trip; pbs hold
 * each query's values, which the joined binds point at. */
static int ack_chunk(struct store *s, const struct store_ack_query *q, unsigned n,
		     struct store_ack_count *out, struct pb *pbs, MYSQL_BIND *in, GError **err)
{
	MYSQL_STMT *st = store_union_stmt(s, STORE_UNION_ACK, ACK_ONE, n, err);
	if (!st)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		struct pb *p = &pbs[i];
		p->nb = p->nt = p->nu = 0;
		pb_str(p, q[i].rcpt);
		pb_time(p, q[i].now);
		pb_chars(p, q[i].key, 320);
		pb_time(p, q[i].key_since);
		pb_u64(p, q[i].key_max);
		pb_chars(p, q[i].domain, 255);
		pb_time(p, q[i].domain_since);
		pb_u64(p, q[i].domain_max);
		memcpy(&in[i * ACK_PARAMS], p->b, ACK_PARAMS * sizeof *in);
	}
	if (mysql_stmt_bind_param(st, in) || mysql_stmt_execute(st))
		return store_stmt_fail(s, st, "acknowledgement limits", err);
	uint64_t v[4] = { 0 };
	MYSQL_BIND res[4];
	for (unsigned c = 0; c < 4; c++)
		mb_u64(&res[c], &v[c], false);
	if (mysql_stmt_bind_result(st, res) || mysql_stmt_store_result(st))
		return store_stmt_fail(s, st, "acknowledgement limits", err);
	int rc;
	while ((rc = mysql_stmt_fetch(st)) == 0 || rc == MYSQL_DATA_TRUNCATED) {
		if (v[0] >= n)
			continue;
		out[v[0]] = (struct store_ack_count){ .suppressed = v[1] > 0,
			.by_key = (unsigned)v[2], .by_domain = (unsigned)v[3] };
	}
	mysql_stmt_free_result(st);
	return rc == MYSQL_NO_DATA ? 0 : store_stmt_fail(s, st, "acknowledgement limits", err);
}

int store_ack_check_many(struct store *s, const struct store_ack_query *q, unsigned n,
			 struct store_ack_count *out, GError **err)
{
	struct pb *pbs = g_new(struct pb, STORE_UNION_CHUNK);
	MYSQL_BIND *in = g_new0(MYSQL_BIND, STORE_UNION_CHUNK * ACK_PARAMS);
	int rc = 0;
	memset(out, 0, n * sizeof *out);
	for (unsigned off = 0; off < n && rc == 0; off += STORE_UNION_CHUNK)
		rc = ack_chunk(s, q + off, MIN(STORE_UNION_CHUNK, n - off), out + off, pbs, in,
			       err);
	g_free(in);
	g_free(pbs);
	return rc;
}

int store_ack_check(struct store *s, const struct store_ack_query *q, bool *suppressed,
		    unsigned *by_key, unsigned *by_domain, GError **err)
{
	struct store_ack_count c;
	if (store_ack_check_many(s, q, 1, &c, err) < 0)
		return -1;
	*suppressed = c.suppressed;
	*by_key = c.by_key;
	*by_domain = c.by_domain;
	return 0;
}

int store_ack_log(struct store *s, const char *key, const char *domain, int64_t now,
		  GError **err)
{
	if (s->in_txn) {
		struct drow *r = g_new0(struct drow, 1);
		drow_str(r, 0, key, clip_chars(key, 320));
		drow_str(r, 1, domain, clip_chars(domain, 255));
		drow_time(r, 0, now);
		defer_add(s, DEFER_ACK, r);
		return 0;
	}
	struct pb p = { .nb = 0 };
	pb_chars(&p, key, 320);
	pb_chars(&p, domain, 255);
	pb_time(&p, now);
	return store_write_one(s, "INSERT INTO ack_log (addr_key, domain, at) VALUES (?, ?, ?)",
			       &p, NULL, err) < 0 ? -1 : 0;
}

int store_suppress(struct store *s, const char *addr, int64_t until,
		   const char *reason, int64_t now, GError **err)
{
	if (!addr || !*addr)
		return bad_arg(err, "store_suppress: no address");
	struct pb p = { .nb = 0 };
	pb_str(&p, addr);
	pb_time(&p, until);
	pb_text(&p, reason, TEXT_BYTES);
	pb_time(&p, now);
	return exec(s, ST_SUPPRESS, &p, err) ? 0 : -1;
}

/* ---- mailboxes ---------------------------------------------------------------------- */

int store_mailbox_get(struct store *s, const char *name, uint32_t *uidvalidity,
		      uint32_t *last_uid, int64_t *attached_at, GError **err)
{
	struct pb p = { .nb = 0 };
	pb_str(&p, name);
	MYSQL_STMT *st = exec(s, ST_MAILBOX_GET, &p, err);
	if (!st)
		return -1;
	struct rb r = { .n = 0 };
	rb_u64(&r);
	rb_u64(&r);
	rb_time(&r);
	if (rb_start(s, st, ST_MAILBOX_GET, &r, err) < 0)
		return -1;
	int rc = rb_fetch(s, st, ST_MAILBOX_GET, err);
	if (rc == 1) {
		if (uidvalidity)
			*uidvalidity = (uint32_t)rb_id(&r, 0);
		if (last_uid)
			*last_uid = (uint32_t)rb_id(&r, 1);
		if (attached_at)
			*attached_at = rb_unix(&r, 2);
	}
	mysql_stmt_free_result(st);
	return rc;
}

int store_mailbox_set(struct store *s, const char *name, uint32_t uidvalidity,
		      uint32_t last_uid, int64_t now, GError **err)
{
	struct pb p = { .nb = 0 };
	pb_str(&p, name);
	pb_u64(&p, uidvalidity);
	pb_u64(&p, last_uid);
	pb_time(&p, now);
	return exec(s, ST_MAILBOX_SET, &p, err) ? 0 : -1;
}

int store_mailbox_lease(struct store *s, const char *name, const char *owner,
			int64_t now, int64_t seconds, GError **err)
{
	if (!owner || !*owner || strlen(owner) > LEN_OWNER)
		return bad_arg(err, "store_mailbox_lease: bad owner");
	struct pb p = { .nb = 0 };
	pb_str(&p, name);
	pb_time(&p, now);
	pb_str(&p, owner);
	pb_time(&p, now + seconds);
	pb_time(&p, now);
	if (!exec(s, ST_LEASE_TAKE, &p, err))
		return -1;

	struct pb q = { .nb = 0 };
	pb_str(&q, name);
	MYSQL_STMT *st = exec(s, ST_LEASE_OWNER, &q, err);
	if (!st)
		return -1;
	struct rb r = { .n = 0 };
	rb_var(&r);
	if (rb_start(s, st, ST_LEASE_OWNER, &r, err) < 0)
		return -1;
	int rc = rb_fetch(s, st, ST_LEASE_OWNER, err);
	if (rc == 1) {
		char *holder = rb_str(st, &r, 0);
		rc = holder && strcmp(holder, owner) == 0;
		g_free(holder);
	}
	mysql_stmt_free_result(st);
	return rc;
}

int store_quarantine(struct store *s, const char *mailbox,
		     uint32_t uidvalidity, uint32_t uid, const char *reason,
		     const void *raw, size_t len, int64_t now, GError **err)
{
	struct pb p = { .nb = 0 };
	pb_str(&p, mailbox ? mailbox : "");
	pb_u64(&p, uidvalidity);
	pb_u64(&p, uid);
	pb_text(&p, reason, TEXT_BYTES);
	pb_blob(&p, raw, len);
	pb_time(&p, now);
	return exec(s, ST_QUARANTINE, &p, err) ? 0 : -1;
}

/* ---- reclassify (complaintctl rules reclassify) ------------------------------ *
 * An administrator's occasional batch: these statements are prepared for
 * each call and closed again rather than kept in the per-connection table. */

#define RECLASS_WHAT "reclassify"

/* oneshot_try - prepare, bind p and execute sql (what). */
static MYSQL_STMT *oneshot_try(struct store *s, const void *what, struct pb *p, GError **err)
{
	const char *sql = what;
	if (s->broken) {
		g_set_error(err, STORE_ERROR, STORE_ERROR_CONNECTION,
			    "connection lost; reconnect first");
		return NULL;
	}
	MYSQL_STMT *st = mysql_stmt_init(s->db);
	if (!st) {
		fail_db(s, RECLASS_WHAT, err);
		return NULL;
	}
	if (mysql_stmt_prepare(st, sql, (unsigned long)strlen(sql)) ||
	    mysql_stmt_bind_param(st, p->b) || mysql_stmt_execute(st)) {
		fail(s, mysql_stmt_errno(st), mysql_stmt_error(st), RECLASS_WHAT, err);
		mysql_stmt_close(st);
		return NULL;
	}
	if (txn_check(s, sql, err) < 0) {
		mysql_stmt_close(st);
		return NULL;
	}
	return st;
}

/* oneshot - prepare, bind p and execute sql; the caller closes the result
 * with mysql_stmt_close. NULL + err on failure. */
MYSQL_STMT *store_oneshot(struct store *s, const char *sql, struct pb *p, GError **err)
{
	if (!s->in_txn && sql_writes(sql))
		return write_alone(s, oneshot_try, sql, p, true, err);
	return oneshot_try(s, sql, p, err);
}

/* oneshot_rows - bind r as the result of st and buffer it client side. */
int store_oneshot_rows(struct store *s, MYSQL_STMT *st, struct rb *r, GError **err)
{
	if (mysql_stmt_bind_result(st, r->b) || mysql_stmt_store_result(st))
		return fail(s, mysql_stmt_errno(st), mysql_stmt_error(st),
			    RECLASS_WHAT, err);
	return txn_check(s, RECLASS_WHAT, err);
}

/* oneshot_fetch - 1 row, 0 no more, -1 error. */
int store_oneshot_fetch(struct store *s, MYSQL_STMT *st, GError **err)
{
	int rc = mysql_stmt_fetch(st);
	if (rc == 0 || rc == MYSQL_DATA_TRUNCATED)
		return 1;
	if (rc == MYSQL_NO_DATA)
		return 0;
	return fail(s, mysql_stmt_errno(st), mysql_stmt_error(st), RECLASS_WHAT, err);
}

/* staff's own #category/#severity decisions are never taken back by rules */
#define OPEN_WHERE " WHERE c.status NOT IN ('resolved', 'closed')" \
	" AND c.staff_decided = '' AND c.created_at >= ?"

int store_count_open_complaints(struct store *s, int64_t since, unsigned *n,
				GError **err)
{
	struct pb p = { .nb = 0 };
	pb_time(&p, since);
	MYSQL_STMT *st = store_oneshot(s, "SELECT COUNT(*) FROM complaints c" OPEN_WHERE,
				 &p, err);
	if (!st)
		return -1;
	struct rb r = { .n = 0 };
	rb_u64(&r);
	int rc = store_oneshot_rows(s, st, &r, err);
	if (rc == 0)
		rc = store_oneshot_fetch(s, st, err);
	if (rc >= 0)
		*n = rc == 1 ? (unsigned)rb_id(&r, 0) : 0;
	mysql_stmt_close(st);
	return rc < 0 ? -1 : 0;
}

void store_open_complaint_free(struct store_open_complaint *c)
{
	if (!c)
		return;
	g_free(c->ref);
	g_free(c->status);
	g_free(c->category);
	g_free(c->route);
	g_free(c);
}

static struct store_open_complaint *open_complaint_row(MYSQL_STMT *st,
							struct rb *r)
{
	struct store_open_complaint *c = g_new0(struct store_open_complaint, 1);
	c->id = rb_id(r, 0);
	c->ref = rb_str(st, r, 1);
	c->status = rb_str(st, r, 2);
	c->category = rb_str(st, r, 3);
	char *sev = rb_str(st, r, 4);
	c->severity = sev && *sev ? sev[0] : 'C';
	g_free(sev);
	c->route = rb_str(st, r, 5);
	c->created_at = rb_unix(r, 6);
	c->first_message = rb_id(r, 7);
	return c;
}

int store_list_open_complaints(struct store *s, int64_t since,
			       uint64_t after_id, unsigned max, GPtrArray *out,
			       GError **err)
{
	struct pb p = { .nb = 0 };
	pb_time(&p, since);
	pb_u64(&p, after_id);
	pb_u64(&p, max);
	MYSQL_STMT *st = store_oneshot(s,
		"SELECT c.id, c.ref, c.status, c.category, c.severity, c.route,"
		" c.created_at, (SELECT MIN(m.id) FROM messages m"
		"  WHERE m.complaint_id = c.id AND m.direction = 'in')"
		" FROM complaints c" OPEN_WHERE " AND c.id > ?"
		" ORDER BY c.id LIMIT ?", &p, err);
	if (!st)
		return -1;
	struct rb r = { .n = 0 };
	rb_u64(&r);
	rb_var(&r);
	rb_var(&r);
	rb_var(&r);
	rb_var(&r);
	rb_var(&r);
	rb_time(&r);
	rb_u64(&r);
	int rc = store_oneshot_rows(s, st, &r, err), n = 0;
	while (rc == 0 && (rc = store_oneshot_fetch(s, st, err)) == 1) {
		g_ptr_array_add(out, open_complaint_row(st, &r));
		n++;
		rc = 0;
	}
	mysql_stmt_close(st);
	return rc < 0 ? -1 : n;
}

void store_stored_message_free(struct store_stored_message *m)
{
	if (!m)
		return;
	g_free(m->channel);
	if (m->raw)
		g_bytes_unref(m->raw);
	g_free(m->subject);
	g_free(m->body);
	g_free(m->from_addr);
	g_free(m->from_name);
	g_free(m);
}

int store_get_message(struct store *s, uint64_t msg_row,
		      struct store_stored_message **out, GError **err)
{
	struct pb p = { .nb = 0 };
	pb_u64(&p, msg_row);
	MYSQL_STMT *st = store_oneshot(s,
		"SELECT m.channel, r.raw, m.subject, m.body, m.from_addr, m.from_name"
		" FROM messages m LEFT JOIN message_raw r ON r.message_row_id = m.id"
		" WHERE m.id = ?", &p, err);
	if (!st)
		return -1;
	struct rb r = { .n = 0 };
	for (unsigned i = 0; i < 6; i++)
		rb_var(&r);
	int rc = store_oneshot_rows(s, st, &r, err);
	if (rc == 0)
		rc = store_oneshot_fetch(s, st, err);
	if (rc == 1) {
		struct store_stored_message *m = g_new0(struct store_stored_message, 1);
		m->channel = rb_str(st, &r, 0);
		m->raw = r.null[1] ? NULL : rb_bytes(st, &r, 1);
		m->subject = rb_str(st, &r, 2);
		m->body = rb_str(st, &r, 3);
		m->from_addr = rb_str(st, &r, 4);
		m->from_name = rb_str(st, &r, 5);
		*out = m;
	}
	mysql_stmt_close(st);
	return rc;
}

int store_update_classification(struct store *s, uint64_t complaint_id,
				const char *old_category, char old_severity,
				const char *category, char severity,
				const char *route, int64_t now, GError **err)
{
	char sev[2] = { severity, 0 }, old_sev[2] = { old_severity, 0 };
	struct pb p = { .nb = 0 };
	pb_chars(&p, category, 20);
	pb_str(&p, sev);
	pb_chars(&p, route, 64);
	pb_time(&p, now);
	pb_u64(&p, complaint_id);
	pb_str(&p, old_category);
	pb_str(&p, old_sev);
	/* the old values in the WHERE: a complaint staff reclassified (or
	 * closed) since it was read is left alone, and so is one whose
	 * category or severity staff decided with a command: new rules never
	 * override a person's judgement */
	MYSQL_STMT *st = store_oneshot(s,
		"UPDATE complaints SET category = ?, severity = ?, route = ?,"
		" updated_at = ? WHERE id = ? AND category = ? AND severity = ?"
		" AND status NOT IN ('resolved', 'closed') AND staff_decided = ''", &p, err);
	if (!st)
		return -1;
	int rc = mysql_stmt_affected_rows(st) == 1 ? 1 : 0;
	mysql_stmt_close(st);
	return rc;
}

/* ---- claims of crashed senders ------------------------------------------- */

int store_outbox_claimants(struct store *s, const char *prefix, GPtrArray *out,
			   GError **err)
{
	char *like = g_strdup_printf("%s%%", prefix);
	struct pb p = { .nb = 0 };
	pb_str(&p, like);
	MYSQL_STMT *st = store_oneshot(s,
		"SELECT DISTINCT claimed_by FROM outbox WHERE status = 'sending'"
		" AND claimed_by LIKE ?", &p, err);
	g_free(like);
	if (!st)
		return -1;
	struct rb r = { .n = 0 };
	rb_var(&r);
	int rc = store_oneshot_rows(s, st, &r, err), n = 0;
	while (rc == 0 && (rc = store_oneshot_fetch(s, st, err)) == 1) {
		g_ptr_array_add(out, rb_str(st, &r, 0));
		n++;
		rc = 0;
	}
	mysql_stmt_close(st);
	return rc < 0 ? -1 : n;
}

int store_outbox_release(struct store *s, const char *owner, GError **err)
{
	struct pb p = { .nb = 0 };
	pb_str(&p, owner);
	MYSQL_STMT *st = store_oneshot(s,
		"UPDATE outbox SET status = 'pending', claimed_by = DEFAULT,"
		" claimed_until = DEFAULT WHERE status = 'sending' AND claimed_by = ?",
		&p, err);
	if (!st)
		return -1;
	int n = (int)mysql_stmt_affected_rows(st);
	mysql_stmt_close(st);
	return n;
}

/* ---- duplicate checks for a whole batch ------------------------------------ */

#define KNOWN_CHUNK 32

/* known_many_stmt - the prepared lookup of KNOWN_CHUNK UIDs and keys. */
static MYSQL_STMT *known_many_stmt(struct store *s, GError **err)
{
	if (s->known_many)
		return s->known_many;
	GString *sql = g_string_new(
		"SELECT 1, s.uid, '', s.message_row_id, m.complaint_id"
		" FROM message_sources s JOIN messages m ON m.id = s.message_row_id"
		" WHERE s.mailbox = ? AND s.uidvalidity = ? AND s.uid IN (");
	for (unsigned i = 0; i < KNOWN_CHUNK; i++)
		g_string_append(sql, i ? ", ?" : "?");
	g_string_append(sql, ") UNION ALL SELECT 2, 0, dedup_key, id, complaint_id"
			" FROM messages WHERE dedup_key IN (");
	for (unsigned i = 0; i < KNOWN_CHUNK; i++)
		g_string_append(sql, i ? ", ?" : "?");
	g_string_append_c(sql, ')');
	return s->known_many = prepare_built(s, sql, "find_known_many", err);
}

/* apply_known - one result row onto the items it names. */
static void apply_known(struct store_known *k, unsigned n, uint64_t kind, uint64_t uid,
			const char *key, uint64_t row, uint64_t complaint)
{
	for (unsigned i = 0; i < n; i++) {
		bool hit = kind == 1 ? k[i].uid == uid
				     : k[i].found == 0 && k[i].key && !strcmp(k[i].key, key);
		if (hit && (kind == 1 || k[i].found != 1)) {
			k[i].found = (int)kind;
			k[i].msg_row = row;
			k[i].complaint_id = complaint;
		}
	}
}

static int known_chunk(struct store *s, const char *mailbox, uint32_t uidvalidity,
		       struct store_known *k, unsigned n, GError **err)
{
	MYSQL_STMT *st = known_many_stmt(s, err);
	if (!st)
		return -1;
	MYSQL_BIND in[2 + 2 * KNOWN_CHUNK];
	uint64_t uids[KNOWN_CHUNK], validity = uidvalidity;
	unsigned long key_len[KNOWN_CHUNK], mb_len = (unsigned long)strlen(mailbox);
	memset(in, 0, sizeof in);
	in[0].buffer_type = MYSQL_TYPE_STRING;
	in[0].buffer = (void *)mailbox;
	in[0].buffer_length = mb_len;
	in[0].length = &mb_len;
	mb_u64(&in[1], &validity, false);
	for (unsigned i = 0; i < KNOWN_CHUNK; i++) {
		uids[i] = i < n ? k[i].uid : 0;
		MYSQL_BIND *u = &in[2 + i], *kb = &in[2 + KNOWN_CHUNK + i];
		if (i < n && k[i].uid)
			mb_u64(u, &uids[i], false);
		else
			u->buffer_type = MYSQL_TYPE_NULL;
		key_len[i] = i < n && k[i].key ? (unsigned long)strlen(k[i].key) : 0;
		mb_str(kb, i < n ? (char *)k[i].key : NULL, &key_len[i]);
	}
	if (mysql_stmt_bind_param(st, in) || mysql_stmt_execute(st))
		return fail(s, mysql_stmt_errno(st), mysql_stmt_error(st), "find_known_many", err);
	MYSQL_BIND out[5];
	uint64_t kind = 0, uid = 0, row = 0, complaint = 0;
	char key[80];
	unsigned long klen = 0;
	my_bool cnull = 0;
	memset(out, 0, sizeof out);
	mb_u64(&out[0], &kind, false);
	mb_u64(&out[1], &uid, false);
	out[2].buffer_type = MYSQL_TYPE_STRING;
	out[2].buffer = key;
	out[2].buffer_length = sizeof key - 1;
	out[2].length = &klen;
	mb_u64(&out[3], &row, false);
	mb_u64(&out[4], &complaint, false);
	out[4].is_null = &cnull;
	if (mysql_stmt_bind_result(st, out) || mysql_stmt_store_result(st))
		return fail(s, mysql_stmt_errno(st), mysql_stmt_error(st), "find_known_many", err);
	int rc;
	while ((rc = mysql_stmt_fetch(st)) == 0 || rc == MYSQL_DATA_TRUNCATED) {
		key[MIN(klen, sizeof key - 1)] = '\0';
		apply_known(k, n, kind, uid, key, row, cnull ? 0 : complaint);
	}
	mysql_stmt_free_result(st);
	if (rc != MYSQL_NO_DATA)
		return fail(s, mysql_stmt_errno(st), mysql_stmt_error(st), "find_known_many", err);
	return 0;
}

int store_find_known_many(struct store *s, const char *mailbox, uint32_t uidvalidity,
			  struct store_known *k, unsigned n, GError **err)
{
	if (s->broken) {
		g_set_error(err, STORE_ERROR, STORE_ERROR_CONNECTION,
			    "connection lost; reconnect first");
		return -1;
	}
	for (unsigned i = 0; i < n; i++) {
		k[i].found = 0;
		k[i].msg_row = k[i].complaint_id = 0;
	}
	for (unsigned off = 0; off < n; off += KNOWN_CHUNK)
		if (known_chunk(s, mailbox ? mailbox : "", uidvalidity, k + off,
				MIN(KNOWN_CHUNK, n - off), err) < 0)
			return -1;
	return 0;
}

/* ---- web intake (appended by the web branch) ------------------------------ */

int store_complaint_ref(struct store *s, uint64_t complaint_id, char *ref,
			size_t ref_size, GError **err)
{
	struct pb p = { .nb = 0 };
	pb_u64(&p, complaint_id);
	MYSQL_STMT *st = store_oneshot(s, "SELECT ref FROM complaints WHERE id = ?", &p, err);
	if (!st)
		return -1;
	struct rb r = { .n = 0 };
	rb_var(&r);
	int rc = store_oneshot_rows(s, st, &r, err);
	if (rc == 0)
		rc = store_oneshot_fetch(s, st, err);
	if (rc == 1) {
		char *v = rb_str(st, &r, 0);
		g_strlcpy(ref, v ? v : "", ref_size);
		g_free(v);
	}
	mysql_stmt_close(st);
	return rc;
}
