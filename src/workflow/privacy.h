/* privacy - the customers' personal data kept no longer than needed
 * (policy 002 §一 保密; the Personal Information Protection Law, 个人信息
 * 保护法): erasing one customer's data on request (complaintctl forget) and
 * purging the raw mail of complaints closed long ago ([retention] days).
 *
 * What forget erases of a complaint: the customer's address, name and
 * phone and the subject; every message's text, source, names, recipients and
 * Message-IDs (the customer's mail, web form fields, the staff's replies
 * relayed to the customer, which quote or answer them); attachments; the
 * text rules matched; survey comments; the sources of our mail about it,
 * and mail not sent yet is cancelled; the details of the history but those
 * of the kinds privacy.c lists as free of personal data (received,
 * classified, commands, escalated, ...), and every address in it that is
 * not ours or staff's. What stays are the anonymous figures: reference,
 * category, severity, route, status, department, assignee, times,
 * deadlines, staff decisions, ratings, rule names, and a random
 * customer_group linking the complaints of one customer, so the reports
 * count them as before. By address, also the customer's rows outside any
 * complaint: mail from it (quarantined, unverified), mail to it, its
 * acknowledgement log and bounce suppression. Each complaint is erased in
 * its own transaction and gets a "forgotten" history entry with who and
 * when, never what.
 *
 * Retention keeps the bodies (what the customer and staff wrote is the
 * case file that show, search and reviews read; forget erases it) and
 * purges what only the raw archive holds: each message's raw source (the
 * full headers, every part), attachment contents, and the sources of the
 * mail we sent about the complaint. */
#ifndef COMPLAINTD_PRIVACY_H
#define COMPLAINTD_PRIVACY_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#include "store/store_privacy.h"
#include "workflow/context.h"

struct config;
struct store;

/* What a forget target names. */
struct privacy_target {
	bool by_address;        /* target is an address (holds '@'), else a reference */
	bool by_phone;          /* ... or, no complaint having that reference, a phone
				 * number (taken_phone_normal: +86 139-... is +86139...) */
	GArray *ids;            /* uint64_t: the complaints, oldest first */
	uint64_t loose;         /* by address: rows outside any complaint */
};

/* privacy_find - look target up: *t filled (t->ids allocated; free with
 * privacy_target_clear). 1 something to erase or erased before (a known
 * reference), 0 the store holds nothing of target, -1 error. */
int privacy_find(struct store *s, const char *target, struct privacy_target *t,
		 GError **err);
void privacy_target_clear(struct privacy_target *t);

/* privacy_forget_case - erase complaint id's personal data (see above) in
 * one transaction; when anything was erased, record "forgotten" by actor
 * at now. n (zeroed by the caller) gets the counts: all 0 when nothing
 * was left to erase. 0 / -1. */
int privacy_forget_case(const struct config *cfg, struct store *s, uint64_t id,
			const char *actor, int64_t now, struct store_erased *n, GError **err);

/* privacy_forget_loose - erase the rows of addr outside any complaint in
 * one transaction. 0 / -1. */
int privacy_forget_loose(struct store *s, const char *addr, struct store_erased *n,
			 GError **err);

/* privacy_forgotten - when and by whom complaint id was last forgotten:
 * 1 (*at, *actor g_free), 0 never, -1. */
int privacy_forgotten(struct store *s, uint64_t id, int64_t *at, char **actor, GError **err);

/* PRIVACY_BATCH - complaints purged per transaction; PRIVACY_BATCHES - per
 * scheduler round: a backlog (the first run after retention is set) is
 * worked off over several rounds instead of one long transaction. */
#define PRIVACY_BATCH 100
#define PRIVACY_BATCHES 10

/* privacy_retention_run - the scheduler's daily purge: once per calendar
 * day (the report_runs ledger, kind "purge", so a restart or a second
 * daemon does not run it again), the raw mail and attachments of
 * complaints closed more than [retention] days before x->now, in batches
 * logged with their counts; the day is recorded once no complaint is left
 * to purge. Nothing when [retention] days is 0. 0 / -1. */
int privacy_retention_run(const struct workflow_ctx *x, GError **err);

#endif
