/* migrations - the schema, one versioned migration after another.
 *
 * Conventions: utf8mb4 everywhere, InnoDB, utf8mb4_unicode_520_ci for text
 * people search, utf8mb4_bin where bytes must match exactly (references,
 * Message-IDs, digests, mailbox names). Times are DATETIME(6) in UTC (the
 * store sets the session time zone to +00:00). "references" is a reserved
 * word in SQL, so the References header lives in messages.reference_ids;
 * the row ids of messages are called message_row_id wherever a Message-ID
 * could be meant. */
#include "store/migrations.h"

#include <glib.h>

#define TABLE_OPTS " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4" \
	" COLLATE=utf8mb4_unicode_520_ci"
#define BIN " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"

const char migrations_bootstrap_sql[] =
	"CREATE TABLE IF NOT EXISTS schema_migrations ("
	" version INT UNSIGNED NOT NULL PRIMARY KEY,"
	" name VARCHAR(128) NOT NULL,"
	" applied_at DATETIME(6) NOT NULL"
	")" TABLE_OPTS;

static const char *const m1_initial[] = {
	"CREATE TABLE IF NOT EXISTS complaints ("
	" id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,"
	" ref VARCHAR(40)" BIN " NOT NULL,"
	" channel ENUM('email','web') NOT NULL,"
	" status ENUM('new','acknowledged','in_progress','resolved','closed',"
	"  'reopened') NOT NULL DEFAULT 'new',"
	" category VARCHAR(20) NOT NULL,"
	" severity CHAR(1) NOT NULL,"
	" route VARCHAR(64) NULL,"
	" customer_addr VARCHAR(320) NOT NULL DEFAULT '',"
	" customer_name VARCHAR(255) NOT NULL DEFAULT '',"
	" subject TEXT NOT NULL,"
	" lang VARCHAR(8) NOT NULL DEFAULT 'en',"
	" created_at DATETIME(6) NOT NULL,"
	" updated_at DATETIME(6) NOT NULL,"
	" acknowledged_at DATETIME(6) NULL,"
	" resolved_at DATETIME(6) NULL,"
	" closed_at DATETIME(6) NULL,"
	" UNIQUE KEY uk_complaints_ref (ref),"
	" KEY ix_complaints_status (status),"
	" KEY ix_complaints_customer (customer_addr),"
	" KEY ix_complaints_created (created_at)"
	")" TABLE_OPTS,

	/* One row per (prefix, day): the last sequence number handed out. */
	"CREATE TABLE IF NOT EXISTS ref_counters ("
	" prefix VARCHAR(16)" BIN " NOT NULL,"
	" day DATE NOT NULL,"
	" last_no INT UNSIGNED NOT NULL,"
	" PRIMARY KEY (prefix, day)"
	")" TABLE_OPTS,

	"CREATE TABLE IF NOT EXISTS messages ("
	" id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,"
	" complaint_id BIGINT UNSIGNED NULL,"
	" direction ENUM('in','out') NOT NULL,"
	" channel ENUM('email','web') NOT NULL,"
	" message_id VARCHAR(255)" BIN " NULL,"
	" dedup_key CHAR(64)" BIN " NULL,"
	" in_reply_to VARCHAR(255)" BIN " NULL,"
	" reference_ids TEXT" BIN " NULL,"
	" from_addr VARCHAR(320) NOT NULL DEFAULT '',"
	" from_name VARCHAR(255) NOT NULL DEFAULT '',"
	" recipients TEXT NULL,"
	" subject TEXT NULL,"
	" body MEDIUMTEXT NULL,"
	" lang VARCHAR(8) NOT NULL DEFAULT 'en',"
	" flags INT UNSIGNED NOT NULL DEFAULT 0,"
	" notes TEXT NULL,"
	" raw LONGBLOB NULL,"
	" raw_sha256 CHAR(64)" BIN " NULL,"
	" sent_at DATETIME(6) NULL,"
	" received_at DATETIME(6) NOT NULL,"
	" quarantined TINYINT(1) NOT NULL DEFAULT 0,"
	" UNIQUE KEY uk_messages_dedup (dedup_key),"
	" KEY ix_messages_message_id (message_id),"
	" KEY ix_messages_complaint (complaint_id),"
	" CONSTRAINT fk_messages_complaint FOREIGN KEY (complaint_id)"
	"  REFERENCES complaints (id)"
	")" TABLE_OPTS,

	"CREATE TABLE IF NOT EXISTS message_sources ("
	" mailbox VARCHAR(64)" BIN " NOT NULL,"
	" uidvalidity INT UNSIGNED NOT NULL,"
	" uid INT UNSIGNED NOT NULL,"
	" message_row_id BIGINT UNSIGNED NOT NULL,"
	" added_at DATETIME(6) NOT NULL,"
	" PRIMARY KEY (mailbox, uidvalidity, uid),"
	" KEY ix_sources_message (message_row_id),"
	" CONSTRAINT fk_sources_message FOREIGN KEY (message_row_id)"
	"  REFERENCES messages (id)"
	")" TABLE_OPTS,

	"CREATE TABLE IF NOT EXISTS attachments ("
	" id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,"
	" message_row_id BIGINT UNSIGNED NOT NULL,"
	" filename VARCHAR(255) NOT NULL DEFAULT '',"
	" content_type VARCHAR(255) NOT NULL DEFAULT '',"
	" size BIGINT UNSIGNED NOT NULL,"
	" sha256 CHAR(64)" BIN " NOT NULL,"
	" content LONGBLOB NULL,"
	" KEY ix_attachments_message (message_row_id),"
	" KEY ix_attachments_sha256 (sha256),"
	" CONSTRAINT fk_attachments_message FOREIGN KEY (message_row_id)"
	"  REFERENCES messages (id)"
	")" TABLE_OPTS,

	"CREATE TABLE IF NOT EXISTS rule_hits ("
	" id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,"
	" complaint_id BIGINT UNSIGNED NULL,"
	" message_row_id BIGINT UNSIGNED NULL,"
	" rule VARCHAR(128) NOT NULL,"
	" field VARCHAR(128) NOT NULL DEFAULT '',"
	" matched TEXT NULL,"
	" effect VARCHAR(255) NOT NULL DEFAULT '',"
	" KEY ix_rule_hits_rule (rule),"
	" KEY ix_rule_hits_complaint (complaint_id),"
	" KEY ix_rule_hits_message (message_row_id),"
	" CONSTRAINT fk_rule_hits_complaint FOREIGN KEY (complaint_id)"
	"  REFERENCES complaints (id),"
	" CONSTRAINT fk_rule_hits_message FOREIGN KEY (message_row_id)"
	"  REFERENCES messages (id)"
	")" TABLE_OPTS,

	"CREATE TABLE IF NOT EXISTS outbox ("
	" id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,"
	" complaint_id BIGINT UNSIGNED NULL,"
	" kind VARCHAR(32) NOT NULL,"
	" mail_from VARCHAR(320) NOT NULL,"
	" rcpt VARCHAR(320) NOT NULL,"
	" message_id VARCHAR(255)" BIN " NOT NULL,"
	" raw MEDIUMBLOB NOT NULL,"
	" status ENUM('pending','sending','sent','failed','suppressed')"
	"  NOT NULL DEFAULT 'pending',"
	" attempts INT UNSIGNED NOT NULL DEFAULT 0,"
	" next_attempt_at DATETIME(6) NOT NULL,"
	" claimed_by VARCHAR(64) NULL,"
	" claimed_until DATETIME(6) NULL,"
	" last_error TEXT NULL,"
	" created_at DATETIME(6) NOT NULL,"
	" sent_at DATETIME(6) NULL,"
	" KEY ix_outbox_status_next (status, next_attempt_at),"
	" KEY ix_outbox_rcpt_created (rcpt, created_at),"
	" KEY ix_outbox_message_id (message_id),"
	" KEY ix_outbox_complaint (complaint_id),"
	" CONSTRAINT fk_outbox_complaint FOREIGN KEY (complaint_id)"
	"  REFERENCES complaints (id)"
	")" TABLE_OPTS,

	"CREATE TABLE IF NOT EXISTS events ("
	" id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,"
	" complaint_id BIGINT UNSIGNED NOT NULL,"
	" at DATETIME(6) NOT NULL,"
	" actor VARCHAR(320) NOT NULL DEFAULT '',"
	" kind VARCHAR(32) NOT NULL,"
	" detail TEXT NULL,"
	" KEY ix_events_complaint (complaint_id, at),"
	" KEY ix_events_kind_at (kind, at),"
	" CONSTRAINT fk_events_complaint FOREIGN KEY (complaint_id)"
	"  REFERENCES complaints (id)"
	")" TABLE_OPTS,

	/* uidvalidity 0 means "not attached yet": RFC 3501 UIDVALIDITY is
	 * never 0, and a lease may create the row before the first poll. */
	"CREATE TABLE IF NOT EXISTS mailboxes ("
	" name VARCHAR(64)" BIN " NOT NULL PRIMARY KEY,"
	" uidvalidity INT UNSIGNED NOT NULL DEFAULT 0,"
	" last_uid INT UNSIGNED NOT NULL DEFAULT 0,"
	" attached_at DATETIME(6) NOT NULL,"
	" lease_owner VARCHAR(64) NULL,"
	" lease_until DATETIME(6) NULL"
	")" TABLE_OPTS,

	"CREATE TABLE IF NOT EXISTS suppressions ("
	" addr VARCHAR(320) NOT NULL PRIMARY KEY,"
	" suppressed_until DATETIME(6) NOT NULL,"
	" reason TEXT NULL,"
	" created_at DATETIME(6) NOT NULL"
	")" TABLE_OPTS,

	"CREATE TABLE IF NOT EXISTS quarantine ("
	" id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,"
	" mailbox VARCHAR(64)" BIN " NOT NULL DEFAULT '',"
	" uidvalidity INT UNSIGNED NOT NULL DEFAULT 0,"
	" uid INT UNSIGNED NOT NULL DEFAULT 0,"
	" reason TEXT NULL,"
	" raw LONGBLOB NULL,"
	" at DATETIME(6) NOT NULL,"
	" KEY ix_quarantine_at (at),"
	" KEY ix_quarantine_source (mailbox, uidvalidity, uid)"
	")" TABLE_OPTS,
	NULL
};

/* The staff workflow: who handles a complaint, the deadlines it runs
 * against, the first answers that meet them, follow-ups that reopen it or
 * start a linked one, and every escalation sent (once per deadline and
 * level: the unique key is what keeps a restart from repeating one). */
static const char *const m2_staff_workflow[] = {
	"ALTER TABLE complaints"
	" ADD COLUMN department VARCHAR(320) NOT NULL DEFAULT '' AFTER route,"
	" ADD COLUMN assignee VARCHAR(320) NULL AFTER department,"
	" ADD COLUMN parent_id BIGINT UNSIGNED NULL AFTER assignee,"
	" ADD COLUMN first_action_at DATETIME(6) NULL,"
	" ADD COLUMN first_response_at DATETIME(6) NULL,"
	" ADD COLUMN reopened_at DATETIME(6) NULL,"
	" ADD COLUMN due_ack DATETIME(6) NULL,"
	" ADD COLUMN due_plan DATETIME(6) NULL,"
	" ADD COLUMN due_investigation DATETIME(6) NULL,"
	" ADD COLUMN due_handling DATETIME(6) NULL,"
	" ADD COLUMN due_feedback DATETIME(6) NULL,"
	" ADD COLUMN due_closure DATETIME(6) NULL,"
	" ADD KEY ix_complaints_parent (parent_id)",

	"CREATE TABLE IF NOT EXISTS escalations ("
	" id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,"
	" complaint_id BIGINT UNSIGNED NOT NULL,"
	" deadline VARCHAR(32) NOT NULL,"
	" level TINYINT UNSIGNED NOT NULL,"
	" rcpt TEXT NOT NULL,"
	" at DATETIME(6) NOT NULL,"
	" UNIQUE KEY uk_escalations (complaint_id, deadline, level),"
	" CONSTRAINT fk_escalations_complaint FOREIGN KEY (complaint_id)"
	"  REFERENCES complaints (id)"
	")" TABLE_OPTS,
	NULL
};

/* Closing the loop: one satisfaction survey per resolution (the unique
 * key on the resolution time keeps a restart from sending two), and the
 * ledger of scheduled reports, one row per kind and period, taken in the
 * transaction that queues the report's mail: once per period, whatever
 * restarts or how many daemons. */
static const char *const m3_survey_reports[] = {
	"CREATE TABLE IF NOT EXISTS surveys ("
	" id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,"
	" complaint_id BIGINT UNSIGNED NOT NULL,"
	" resolved_at DATETIME(6) NOT NULL,"
	" sent_at DATETIME(6) NOT NULL,"
	" rating TINYINT UNSIGNED NULL,"
	" comment TEXT NULL,"
	" answered_at DATETIME(6) NULL,"
	" answered_by VARCHAR(8) NULL,"
	" timed_out_at DATETIME(6) NULL,"
	" UNIQUE KEY uk_surveys_resolution (complaint_id, resolved_at),"
	" KEY ix_surveys_open (answered_at, timed_out_at, sent_at),"
	" CONSTRAINT fk_surveys_complaint FOREIGN KEY (complaint_id)"
	"  REFERENCES complaints (id)"
	")" TABLE_OPTS,

	"CREATE TABLE IF NOT EXISTS report_runs ("
	" kind VARCHAR(8) NOT NULL,"
	" period_start DATETIME(6) NOT NULL,"
	" period_end DATETIME(6) NOT NULL,"
	" sent_at DATETIME(6) NOT NULL,"
	" PRIMARY KEY (kind, period_start)"
	")" TABLE_OPTS,
	NULL
};

/* Early warning (warning.h): every spike of a category or tag, alerted
 * once. A spike is open (is_open = 1) from its start until the subject has
 * not spiked for a whole window; ending it sets is_open NULL. NULLs never
 * collide in a unique key, so uk_warning_spikes_open allows one open spike
 * per subject: a second daemon's INSERT IGNORE of the same spike waits for
 * the first one's transaction (the one that queues the alert) and is then
 * ignored. */
static const char *const m4_early_warning[] = {
	"CREATE TABLE IF NOT EXISTS warning_spikes ("
	" id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,"
	" subject_kind ENUM('category','tag') NOT NULL,"
	" subject VARCHAR(64)" BIN " NOT NULL,"
	" started_at DATETIME(6) NOT NULL,"
	" last_above_at DATETIME(6) NOT NULL,"
	" ended_at DATETIME(6) NULL,"
	" is_open TINYINT UNSIGNED NULL DEFAULT 1,"
	" recent_count INT UNSIGNED NOT NULL,"
	" baseline_count INT UNSIGNED NOT NULL,"
	" threshold BIGINT UNSIGNED NOT NULL,"
	" peak_count INT UNSIGNED NOT NULL,"
	" UNIQUE KEY uk_warning_spikes (subject_kind, subject, started_at),"
	" UNIQUE KEY uk_warning_spikes_open (subject_kind, subject, is_open),"
	" KEY ix_warning_spikes_is_open (is_open)"
	")" TABLE_OPTS,
	NULL
};

/* Staff decisions: the fields staff set with #category or #severity. A
 * customer's later mail may raise the severity or name the category of an
 * "other" complaint, but never a field staff decided (workflow.c). Staff
 * decisions made before this migration are read back from their
 * "commands" events ("...; severity C -> A; ..."). */
static const char *const m5_staff_decided[] = {
	"ALTER TABLE complaints ADD COLUMN IF NOT EXISTS"
	" staff_decided SET('category','severity') NOT NULL DEFAULT ''",

	"UPDATE complaints c SET staff_decided = staff_decided"
	" | IF(EXISTS (SELECT 1 FROM events e WHERE e.complaint_id = c.id"
	"  AND e.kind = 'commands' AND CONCAT('; ', e.detail) LIKE '%; category %'), 1, 0)"
	" | IF(EXISTS (SELECT 1 FROM events e WHERE e.complaint_id = c.id"
	"  AND e.kind = 'commands' AND CONCAT('; ', e.detail) LIKE '%; severity %'), 2, 0)",
	NULL
};

/* Staff texts relayed to the customer, by digest: the same reply sent
 * again (a new Message-ID, a client's retry, a replayed mail) is not
 * relayed twice. */
static const char *const m6_relayed_texts[] = {
	"CREATE TABLE IF NOT EXISTS relayed_texts ("
	" complaint_id BIGINT UNSIGNED NOT NULL,"
	" text_sha256 CHAR(64)" BIN " NOT NULL,"
	" at DATETIME(6) NOT NULL,"
	" PRIMARY KEY (complaint_id, text_sha256),"
	" CONSTRAINT fk_relayed_texts_complaint FOREIGN KEY (complaint_id)"
	"  REFERENCES complaints (id)"
	")" TABLE_OPTS,
	NULL
};

/* One row per acknowledgement queued, keyed by the mailbox it reaches
 * (recipient_key: case, +tags and Gmail dots do not make another person)
 * and by its domain: the per-sender and per-domain limits count these. */
static const char *const m7_ack_log[] = {
	"CREATE TABLE IF NOT EXISTS ack_log ("
	" id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,"
	" addr_key VARCHAR(320)" BIN " NOT NULL,"
	" domain VARCHAR(255)" BIN " NOT NULL,"
	" at DATETIME(6) NOT NULL,"
	" KEY ix_ack_log_key (addr_key, at),"
	" KEY ix_ack_log_domain (domain, at)"
	")" TABLE_OPTS,
	NULL
};

/* Progress notes (progress.h): the customer is told once per complaint
 * and deadline that a date promised to them passed; the row is written in
 * the transaction that queues the note, so a restart or a second daemon
 * never sends it twice. Deadlines that passed before this version are
 * recorded as not sent (sent = 0): the first start after the upgrade must
 * not mail every customer of an old, late complaint at once. */
static const char *const m9_progress_notes[] = {
	"CREATE TABLE IF NOT EXISTS progress_notes ("
	" complaint_id BIGINT UNSIGNED NOT NULL,"
	" deadline VARCHAR(32)" BIN " NOT NULL,"
	" due_at DATETIME(6) NOT NULL,"
	" new_due_at DATETIME(6) NULL,"
	" at DATETIME(6) NOT NULL,"
	" sent TINYINT UNSIGNED NOT NULL DEFAULT 1,"
	" PRIMARY KEY (complaint_id, deadline),"
	" CONSTRAINT fk_progress_notes_complaint FOREIGN KEY (complaint_id)"
	"  REFERENCES complaints (id)"
	")" TABLE_OPTS,

	"INSERT IGNORE INTO progress_notes (complaint_id, deadline, due_at, at, sent)"
	" SELECT id, 'feedback', due_feedback, UTC_TIMESTAMP(6), 0 FROM complaints"
	" WHERE due_feedback IS NOT NULL AND due_feedback <= UTC_TIMESTAMP(6)",
	NULL
};

/* Outcome and accountability (policy 001 第十三、十四条): staff's #valid,
 * #responsible and #cause, each with who and when, and every
 * #compensation. Read by show and the reports (store_outcome.h). */
static const char *const m11_outcomes[] = {
	"CREATE TABLE IF NOT EXISTS outcomes ("
	" complaint_id BIGINT UNSIGNED NOT NULL PRIMARY KEY,"
	" valid TINYINT NULL, valid_by VARCHAR(320) NULL, valid_at DATETIME(6) NULL,"
	" responsible VARCHAR(100) NULL, responsible_by VARCHAR(320) NULL,"
	" responsible_at DATETIME(6) NULL,"
	" cause VARCHAR(500) NULL, cause_by VARCHAR(320) NULL, cause_at DATETIME(6) NULL,"
	" KEY ix_outcomes_responsible (responsible),"
	" CONSTRAINT fk_outcomes_complaint FOREIGN KEY (complaint_id)"
	"  REFERENCES complaints (id)"
	")" TABLE_OPTS,

	"CREATE TABLE IF NOT EXISTS compensations ("
	" id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,"
	" complaint_id BIGINT UNSIGNED NOT NULL,"
	" cents BIGINT UNSIGNED NOT NULL,"
	" currency CHAR(3)" BIN " NOT NULL,"
	" text VARCHAR(500) NOT NULL,"
	" by_addr VARCHAR(320) NOT NULL,"
	" at DATETIME(6) NOT NULL,"
	" KEY ix_compensations_complaint (complaint_id),"
	" KEY ix_compensations_at (at),"
	" CONSTRAINT fk_compensations_complaint FOREIGN KEY (complaint_id)"
	"  REFERENCES complaints (id)"
	")" TABLE_OPTS,
	NULL
};

/* Privacy (complaintctl forget, [retention] days; privacy.h): purged_at
 * is when the retention purge took a closed complaint's raw mail and
 * attachments (a new closure clears it, so the next one counts again);
 * ix_complaints_retention finds the closed, unpurged ones by closing time.
 * customer_group links the complaints of one customer whose address was
 * erased, with a random value, so that the reports still count repeat
 * complainants. An outbox mail cancelled by forget is 'cancelled': never
 * sent, never retried. */
static const char *const m12_privacy[] = {
	"ALTER TABLE complaints"
	" ADD COLUMN IF NOT EXISTS purged_at DATETIME(6) NULL,"
	" ADD COLUMN IF NOT EXISTS customer_group CHAR(36)" BIN " NULL,"
	" ADD KEY IF NOT EXISTS ix_complaints_retention (status, purged_at, closed_at),"
	" ADD KEY IF NOT EXISTS ix_complaints_group (customer_group)",

	"ALTER TABLE outbox MODIFY status"
	" ENUM('pending','sending','sent','failed','suppressed','cancelled')"
	" NOT NULL DEFAULT 'pending'",
	NULL
};

/* The paths by severity and deadlines that mean what policy 004 means
 * (store_plan.h). The latest #plan of a complaint with who and when, its
 * decision (pending while a B plan waits for an approver), when the
 * approver was reminded of it; plan_at is when a plan that counts was
 * there (an approved B plan, an A plan by the crisis team or the
 * leadership): the plan deadline's step. report_at is the first #report
 * (调查报告), result_sent_at the first answer relayed with or after the
 * resolution (the feedback), survey_sent_at the survey of the latest
 * resolution (closure). Complaints from before this version keep what met
 * their deadlines then (staff's first action, the first answer relayed,
 * the survey sent), so that the first start after the upgrade does not
 * escalate every old complaint at once. */
static const char *const m13_paths[] = {
	"ALTER TABLE complaints"
	" ADD COLUMN IF NOT EXISTS plan_at DATETIME(6) NULL,"
	" ADD COLUMN IF NOT EXISTS plan_proposed_at DATETIME(6) NULL,"
	" ADD COLUMN IF NOT EXISTS plan_proposed_by VARCHAR(320) NULL,"
	" ADD COLUMN IF NOT EXISTS plan_decision ENUM('pending','approved','rejected') NULL,"
	" ADD COLUMN IF NOT EXISTS plan_decided_at DATETIME(6) NULL,"
	" ADD COLUMN IF NOT EXISTS plan_decided_by VARCHAR(320) NULL,"
	" ADD COLUMN IF NOT EXISTS plan_reminded_at DATETIME(6) NULL,"
	" ADD COLUMN IF NOT EXISTS report_at DATETIME(6) NULL,"
	" ADD COLUMN IF NOT EXISTS result_sent_at DATETIME(6) NULL,"
	" ADD COLUMN IF NOT EXISTS survey_sent_at DATETIME(6) NULL,"
	" ADD KEY IF NOT EXISTS ix_complaints_plan (plan_decision, plan_proposed_at)",

	/* COALESCE: run twice (a test that replays migrations), it keeps what
	 * the first run and the staff since wrote */
	"UPDATE complaints SET plan_at = COALESCE(plan_at, first_action_at),"
	" report_at = COALESCE(report_at, first_action_at),"
	" result_sent_at = COALESCE(result_sent_at, first_response_at)",

	"UPDATE complaints c SET survey_sent_at = (SELECT MAX(v.sent_at) FROM surveys v"
	" WHERE v.complaint_id = c.id AND v.resolved_at = c.resolved_at)"
	" WHERE c.resolved_at IS NOT NULL AND c.survey_sent_at IS NULL",
	NULL
};

/* Case facts (lib/facts.h): one row per fact a complaint has, not a
 * column each in complaints. Facts are sparse (most mails give two or
 * three), a follow-up may bring one the first mail lacked (INSERT IGNORE
 * keeps the first value), forget deletes the personal ones by name, and
 * a new kind of fact needs no schema change. source says whether the
 * customer typed it into the form or a rule took it out of a mail (rule
 * names which). ix_facts_value serves list --product/--order and the
 * per-product report: name first, then the value's prefix. */
static const char *const m14_case_facts[] = {
	"CREATE TABLE IF NOT EXISTS complaint_facts ("
	" complaint_id BIGINT UNSIGNED NOT NULL,"
	" name VARCHAR(32)" BIN " NOT NULL,"
	" value VARCHAR(120) NOT NULL,"
	" source ENUM('form','mail') NOT NULL,"
	" rule VARCHAR(64) NULL,"
	" created_at DATETIME(6) NOT NULL,"
	" PRIMARY KEY (complaint_id, name),"
	" KEY ix_facts_value (name, value(64)),"
	" CONSTRAINT fk_facts_complaint FOREIGN KEY (complaint_id)"
	"  REFERENCES complaints (id)"
	")" TABLE_OPTS,
	NULL
};

/* Complaints taken by staff (complaintctl add, the API with a key; policy
 * 000, 001 第十二条): the channels beyond mail and form, who took the
 * complaint (a staff address, or "api:NAME" for a key), and the
 * customer's phone, which stands in for an address where there is none.
 * ix_complaints_phone finds a customer's complaints by number for forget. */
#define CHANNELS "ENUM('email','web','phone','counter','wechat','letter','other')"
static const char *const m15_taken[] = {
	"ALTER TABLE complaints MODIFY channel " CHANNELS " NOT NULL,"
	" ADD COLUMN IF NOT EXISTS taken_by VARCHAR(320) NOT NULL DEFAULT '',"
	" ADD COLUMN IF NOT EXISTS customer_phone VARCHAR(64) NOT NULL DEFAULT '',"
	" ADD KEY IF NOT EXISTS ix_complaints_phone (customer_phone)",

	"ALTER TABLE messages MODIFY channel " CHANNELS " NOT NULL",
	NULL
};

/* Packed outbox mail (mail/mailout.h): a mail without attachments waits
 * as what it is made of and is composed when sent. No column changes, only
 * what raw may hold; the version is what matters: a complaintd from before
 * refuses to start on this schema, where its sender would pass a packed
 * row to the relay as if it were a mail. A comment change is instant. */
static const char *const m16_packed_outbox[] = {
	"ALTER TABLE outbox MODIFY raw MEDIUMBLOB NOT NULL COMMENT"
	" 'the composed mail, or packed: NUL spec/1 NUL then fields (mailout_outbox_row)',"
	" ALGORITHM=INSTANT",
	NULL
};

/* A notification's packed row leaves the customer's text out: the
 * message row holds it, and the sender reads it from there when it sends
 * (mail/mailout.h, text_row). A complaintd from before would send such a
 * row without the text; the version keeps it from starting. Instant. */
static const char *const m17_text_from_message[] = {
	"ALTER TABLE outbox MODIFY raw MEDIUMBLOB NOT NULL COMMENT"
	" 'the composed mail, or packed: NUL spec/1 NUL then fields (mailout_outbox_row);"
	" a packed body may leave out the text of message row text_row',"
	" ALGORITHM=INSTANT",
	NULL
};

/* The outbox rows a sender claims and marks sent change in place. A column
 * that goes from NULL to a value, or a VARCHAR that changes length, makes
 * InnoDB write the whole row anew, composed mail and all: marking a
 * 3 KB row 'sending' wrote 7.2 KB of redo log, marking it 'sent' 2.5 KB;
 * with these fixed-size columns 0.26 KB each. Hence no NULLs: "not
 * claimed" is '' and 1970-01-01, "not sent" 1970-01-01 (a CHAR(64) keeps
 * 64 bytes for any owner of ASCII; a sender's is host:pid:start:N). */
static const char *const m18_outbox_in_place[] = {
	"UPDATE outbox SET claimed_by = COALESCE(claimed_by, ''),"
	" claimed_until = COALESCE(claimed_until, '1970-01-01 00:00:00'),"
	" sent_at = COALESCE(sent_at, '1970-01-01 00:00:00')"
	" WHERE claimed_by IS NULL OR claimed_until IS NULL OR sent_at IS NULL",
	"ALTER TABLE outbox"
	" MODIFY claimed_by CHAR(64) NOT NULL DEFAULT ''"
	"  COMMENT 'the sender holding the row while sending; empty otherwise',"
	" MODIFY claimed_until DATETIME(6) NOT NULL DEFAULT '1970-01-01 00:00:00'"
	"  COMMENT 'end of the claim while sending; 1970-01-01 otherwise',"
	" MODIFY sent_at DATETIME(6) NOT NULL DEFAULT '1970-01-01 00:00:00'"
	"  COMMENT 'when the relay took it; 1970-01-01 until then'",
	NULL
};

/* A mail's raw source in a table of its own. With raw in messages, the
 * row of a 4 KB mail (raw, text, headers) passed InnoDB's in-page limit
 * of half a page, and the longest columns went to overflow pages of their
 * own, a whole 16 KB page for each: storing 10,000 mails cost mariadbd
 * 550-580 us each against 340-370 without raw. A raw row of its own fits
 * in a page with others, and the messages row, which the workflow reads,
 * stays small. Few read raw: complaintctl's rules tools, forget and the
 * retention purge. The copy runs once, in one statement (a site with
 * millions of mails should expect the upgrade to take a while). */
static const char *const m19_message_raw[] = {
	"CREATE TABLE IF NOT EXISTS message_raw ("
	" message_row_id BIGINT UNSIGNED NOT NULL PRIMARY KEY,"
	" raw LONGBLOB NOT NULL COMMENT 'the message as received, headers and all parts',"
	" CONSTRAINT fk_raw_message FOREIGN KEY (message_row_id)"
	"  REFERENCES messages (id)"
	")" TABLE_OPTS,

	/* a rerun (a test that replays migrations) finds no column: the
	 * copy only runs while messages still has it */
	"SET @raw_col = (SELECT COUNT(*) FROM information_schema.columns"
	" WHERE table_schema = DATABASE() AND table_name = 'messages'"
	" AND column_name = 'raw')",
	"SET @copy = IF(@raw_col > 0, 'INSERT IGNORE INTO message_raw (message_row_id, raw)"
	" SELECT id, raw FROM messages WHERE raw IS NOT NULL', 'DO 0')",
	"EXECUTE IMMEDIATE @copy",
	/* INPLACE rebuilds the table: an instant drop would leave the old
	 * rows' raw bytes in their pages for ever */
	"ALTER TABLE messages DROP COLUMN IF EXISTS raw, ALGORITHM=INPLACE",
	NULL
};

static const struct migration all[] = {
	{ 1, "initial schema", m1_initial },
	{ 2, "staff workflow", m2_staff_workflow },
	{ 3, "survey and reports", m3_survey_reports },
	{ 4, "early warning", m4_early_warning },
	{ 5, "staff decisions", m5_staff_decided },
	{ 6, "relayed staff texts", m6_relayed_texts },
	{ 7, "acknowledgement log", m7_ack_log },
	{ 9, "progress notes", m9_progress_notes },
	{ 11, "outcomes and accountability", m11_outcomes },
	{ 12, "privacy", m12_privacy },
	{ 13, "paths by severity, deadlines as policy 004 means them", m13_paths },
	{ 14, "case facts", m14_case_facts },
	{ 15, "complaints taken by staff", m15_taken },
	{ 16, "packed outbox mail", m16_packed_outbox },
	{ 17, "notification text read from its message", m17_text_from_message },
	{ 18, "outbox rows changed in place", m18_outbox_in_place },
	{ 19, "raw mail in a table of its own", m19_message_raw },
};

const struct migration *migrations_list(unsigned *n)
{
	*n = G_N_ELEMENTS(all);
	return all;
}

int migrations_latest(void)
{
	return all[G_N_ELEMENTS(all) - 1].version;
}
