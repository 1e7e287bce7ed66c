/* warning - early warning of complaint spikes (投诉预警, DOMAIN.md §6:
 * watch for signs that many customers complain of the same thing).
 *
 * Subjects. Every category, and every tag that rules give (complaintd-
 * rules(5): `tag kettle`). All tags count as product subjects, the
 * severity-ish ones (media, safety, injury, ...) too: a rise of safety
 * complaints is worth a warning as much as a rise of kettle complaints.
 * The pipeline does not store a verdict's tags; they are read back from
 * the complaint's rule_hits, whose effect text names each as a "tag=NAME"
 * token ("quality+3 tag=kettle"). So a tag counts when a listed rule
 * gives it; a helper rule's (__NAME) tags are not stored and do not count,
 * and an effect that filled its column (255 characters) loses its last
 * token, which may have been cut. A complaint counts once per subject,
 * however many of its rules give the tag.
 *
 * Which complaints. Every complaint created in the period, whatever its
 * status, except history imported on a mailbox's first attach (it has no
 * acknowledgement deadline): that is old mail, not what customers say now.
 * A complaint counts under its category as it is now (staff's #category
 * and complaintctl rules reclassify move it) and under the tags of the
 * hits stored when it arrived.
 *
 * The rule, with W = [warning] window (24h), B = baseline (28d),
 * F = factor (3) and M = min_count (5), checked at time now:
 *     recent   r = complaints of the subject created in (now - W, now]
 *     baseline b = those created in (now - W - B, now - W]
 *     usual    u = b * W / B            (b scaled to one window)
 *     spike   <=>  r >= M  and  r >= F * max(u, W / B)
 * W / B is one complaint in the whole baseline spread over it: a subject
 * with no history is judged as if it had one, so it spikes as soon as
 * r >= M (with the defaults F * W / B = 0.11). In whole numbers, with no
 * division: r >= M and r * B >= F * W * max(b, 1).
 *
 * Once per spike. A spike begins when the subject spikes and has no open
 * spike; that is when the alert goes out, to every [warning] recipient,
 * listing the recent complaints that make it up (at most
 * WARNING_LIST_MAX, and how many more). The spike stays open, and alerts
 * no more, while the subject keeps spiking and until it has not spiked
 * for one whole window W; then it ends, and the next rise is a new spike.
 * (Ending at the first round below the threshold would alert again and
 * again while a count wavers around it; after a whole window below, the
 * next alert lists none of the complaints of the last.) Spikes are kept
 * in the warning_spikes table (store_warning.h), where one open spike per
 * subject is a unique key, written in the transaction that queues the
 * alert: a restart, or a second daemon on the same database, never sends
 * one twice. */
#ifndef COMPLAINTD_WARNING_H
#define COMPLAINTD_WARNING_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

struct calendar;
struct config;
struct store;
struct template_set;

/* complaints listed in one alert; the mail says how many more there are */
#define WARNING_LIST_MAX 50

/* The rule's parameters, as [warning] gives them: window and baseline in
 * seconds (> 0), factor and min_count >= 1. */
struct warning_rule {
	int64_t window, baseline;
	int64_t factor, min_count;
};

/* warning_rule_of - the rule of cfg's [warning] keys. */
void warning_rule_of(const struct config *cfg, struct warning_rule *r);

/* warning_threshold - the fewest recent complaints that make a spike
 * against baseline_count: max(M, ceil(F * W * max(b, 1) / B)). Pure. The
 * config's bounds keep every product far below 2^64 for any 32-bit count. */
uint64_t warning_threshold(const struct warning_rule *r, uint64_t baseline_count);

/* warning_is_spike - recent >= warning_threshold(r, baseline_count). Pure. */
bool warning_is_spike(const struct warning_rule *r, uint64_t recent, uint64_t baseline_count);

/* warning_usual - the usual count per window, b * W / B (for the mail). */
double warning_usual(const struct warning_rule *r, uint64_t baseline_count);

/* warning_effect_tags - append to tags (g_free'd strings) the tags named
 * by effects, one or more rule_hits effect texts separated by tabs: the
 * "tag=NAME" tokens, each name once (also when tags already holds it);
 * the last token of an effect of effect_max or more characters is
 * skipped as possibly cut (0 = no such limit). Pure. */
void warning_effect_tags(const char *effects, unsigned effect_max, GPtrArray *tags);

/* warning_run_once - one round at now: count, decide, begin and alert the
 * spikes that begin, keep the open ones open or end them. Each alert is
 * one transaction (the spike's row and one outbox row per recipient); the
 * mail is template "warning" in [staff] lang, from [company] from,
 * Auto-Submitted: auto-generated. Everything is borrowed; cal may be NULL
 * (times in the default calendar's zone). Returns how many spikes were
 * alerted (0 when [warning] recipients is empty: nothing is looked at),
 * or -1 with err from the store (alerts committed before stay sent). */
int warning_run_once(const struct config *cfg, const struct calendar *cal,
		     const struct template_set *tmpl, struct store *store, int64_t now,
		     GError **err);

#endif
