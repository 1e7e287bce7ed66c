/* store_outcome - what staff decided about a complaint's outcome, for
 * accountability (policy 001 第十三、十四条, 004 §五): valid or not, the
 * unit answerable, the root cause, and the compensations given.
 *
 * One row per complaint in `outcomes` (made at the first decision; later
 * decisions overwrite the field they name and keep who and when), one row
 * per compensation in `compensations` (they add up). The history of every
 * decision is the complaint's events, written by the workflow. No policy
 * here: what counts is the workflow's and the reports' business.
 *
 * Errors as store.h says: 0 (or a count) on success, -1 with *err set. */
#ifndef COMPLAINTD_STORE_OUTCOME_H
#define COMPLAINTD_STORE_OUTCOME_H

#include <stdint.h>
#include <glib.h>

#include "store/store.h"

/* Longest unit name and cause / compensation text, characters; longer
 * values are cut (the staff command refuses them before). */
#define STORE_OUTCOME_UNIT_MAX 100
#define STORE_OUTCOME_TEXT_MAX 500

/* What a decision sets: NULL or STORE_VALID_UNSET leaves a field alone. */
enum store_valid { STORE_VALID_UNSET = -1, STORE_VALID_NO = 0, STORE_VALID_YES = 1 };
struct store_outcome_change {
	enum store_valid valid;
	const char *responsible;
	const char *cause;
};

/* store_outcome_set - record ch for complaint id, decided by actor (an
 * address) at now. 0 or -1. */
int store_outcome_set(struct store *s, uint64_t id, const struct store_outcome_change *ch,
		      const char *actor, int64_t now, GError **err);

/* store_outcome_compensate - add a compensation of cents hundredths of
 * currency (three upper-case letters) with text ("" allowed). 0 or -1. */
int store_outcome_compensate(struct store *s, uint64_t id, int64_t cents, const char *currency,
			     const char *text, const char *actor, int64_t now, GError **err);

struct store_compensation {
	int64_t cents;
	char currency[4];
	char *text, *by;
	int64_t at;
};

/* A complaint's outcome; strings owned, NULL = not decided. */
struct store_outcome {
	enum store_valid valid;
	char *valid_by;
	int64_t valid_at;
	char *responsible, *responsible_by;
	int64_t responsible_at;
	char *cause, *cause_by;
	int64_t cause_at;
	GPtrArray *compensations;  /* struct store_compensation *, oldest first */
};
void store_outcome_free(struct store_outcome *o); /* NULL-safe; GDestroyNotify-able */

/* store_outcome_get - complaint id's outcome into *out (always set on 0,
 * empty when nothing was decided). 0 or -1. */
int store_outcome_get(struct store *s, uint64_t id, struct store_outcome **out, GError **err);

/* The outcome figures of the complaints created in [from, to), as they
 * stood at to (a decision at or after to is not there yet). */
struct store_outcome_figures {
	uint64_t valid_yes, valid_no;  /* the rest are undecided */
	GPtrArray *units;   /* struct store_outcome_unit *: every unit, most complaints first,
			     * ties by name */
	GPtrArray *money;   /* struct store_outcome_money *: compensations given in
			     * [from, to) by currency, alphabetical */
};
struct store_outcome_unit {
	char *name;
	uint64_t complaints, valid;    /* complaints it answers for; of them valid */
};
struct store_outcome_money {
	char currency[4];
	uint64_t count;
	int64_t cents;
};
/* store_outcome_figures_init - *f zeroed with empty arrays. */
void store_outcome_figures_init(struct store_outcome_figures *f);
/* store_outcome_figures - fill *out (initialised here; free with
 * store_outcome_figures_clear, also after an error). 0 or -1. */
int store_outcome_figures(struct store *s, int64_t from, int64_t to,
			  struct store_outcome_figures *out, GError **err);
void store_outcome_figures_clear(struct store_outcome_figures *f);

#endif
