/* store_warning - the store's part of early warning (warning.h): complaint
 * counts per category and per set of tagged rule effects over a baseline
 * period and the recent window, the complaints of a spike, and the spikes
 * themselves (table warning_spikes).
 *
 * The conventions of store.h hold: one connection per thread, values
 * bound, never spliced; 0 / -1 with err (STORE_ERROR), counts for lists.
 * Statements are prepared per call (scheduled work, not the intake path).
 *
 * Which complaints: those created in the period, half-open at its start
 * (from < created_at <= until), without history imported on a mailbox's
 * first attach (due_ack IS NULL: such complaints run against no deadline).
 * Ownership: rows appended to out are the caller's; out's free function
 * is the caller's to set (the *_free functions below are GDestroyNotify-able). */
#ifndef COMPLAINTD_STORE_WARNING_H
#define COMPLAINTD_STORE_WARNING_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#include "store/store.h"

/* rule_hits.effect holds at most this many characters; longer effects are
 * cut when stored (store.c, LEN_EFFECT) */
#define STORE_WARNING_EFFECT_MAX 255

/* Complaints of one key, counted in the recent window (split, until] and
 * in the baseline before it (from, split]. */
struct store_warning_count {
	char *key;          /* the category; or the distinct effects of one
			     * complaint's hits that mention "tag=", sorted
			     * (byte order) and separated by tabs */
	unsigned recent, baseline;
};
void store_warning_count_free(struct store_warning_count *c); /* NULL-safe */

/* store_warning_count_categories - one row per category with complaints
 * in (from, until]. Returns how many rows were appended, or -1. */
int store_warning_count_categories(struct store *s, int64_t from, int64_t split,
				   int64_t until, GPtrArray *out, GError **err);
/* store_warning_count_effects - the same per set of tagged effects: each
 * complaint with a hit whose effect contains "tag=" counts once, under the
 * set of all such effects of its hits. The caller reads the tags out of
 * the key (warning_effect_tags) and adds up the rows per tag. */
int store_warning_count_effects(struct store *s, int64_t from, int64_t split,
				int64_t until, GPtrArray *out, GError **err);

/* A complaint as an alert lists it: by reference, never by its
 * customer's address or name (the alert goes to many). */
struct store_warning_complaint {
	uint64_t id;
	char *ref, *subject;
	int64_t created_at;
	char *effects;      /* list_tagged: its effects that may name the tag,
			     * tab-separated; NULL from list_category */
};
void store_warning_complaint_free(struct store_warning_complaint *c); /* NULL-safe */

/* store_warning_list_category - up to max complaints of category created
 * in (from, until], oldest first. Returns how many, or -1. */
int store_warning_list_category(struct store *s, const char *category, int64_t from,
				int64_t until, unsigned max, GPtrArray *out, GError **err);
/* store_warning_list_tagged - every complaint created in (from, until]
 * with a hit whose effect contains "tag=TAG" (compared without regard to
 * case: a prefilter; the caller checks the tokens of effects), oldest
 * first. Returns how many, or -1. */
int store_warning_list_tagged(struct store *s, const char *tag, int64_t from,
			      int64_t until, GPtrArray *out, GError **err);

/* ---- spikes --------------------------------------------------------------- */

/* An open spike: the subject began to spike at started_at and last did at
 * last_above_at. kind is "category" or "tag". */
struct store_warning_spike {
	uint64_t id;
	char *kind, *subject;
	int64_t started_at, last_above_at;
};
void store_warning_spike_free(struct store_warning_spike *sp); /* NULL-safe */

/* store_warning_open_spikes - every open spike, appended as struct
 * store_warning_spike *. Returns how many, or -1. */
int store_warning_open_spikes(struct store *s, GPtrArray *out, GError **err);

/* store_warning_spike_begin - record that subject (kind "category" or
 * "tag", at most 64 characters) begins a spike at now with recent
 * complaints against baseline_count (threshold: the count that made it
 * one). 1 recorded (*id, may be NULL), 0 the subject has an open spike
 * already (another daemon's, or ours before a restart: alert nothing),
 * -1. Call it inside the transaction that queues the alert: the unique
 * keys make a second daemon's attempt wait for this one and then find it. */
int store_warning_spike_begin(struct store *s, const char *kind, const char *subject,
			      int64_t now, unsigned recent, unsigned baseline_count,
			      uint64_t threshold, uint64_t *id, GError **err);
/* store_warning_spike_seen - open spike id still spikes at now with
 * recent complaints (last_above_at and the peak count only ever grow). */
int store_warning_spike_seen(struct store *s, uint64_t id, int64_t now, unsigned recent,
			     GError **err);
/* store_warning_spike_end - end open spike id at now if it has not spiked
 * since quiet_since (last_above_at <= quiet_since): 1 ended, 0 not (it
 * spiked again meanwhile, or was ended already), -1. */
int store_warning_spike_end(struct store *s, uint64_t id, int64_t now, int64_t quiet_since,
			    GError **err);

#endif
