/* scheduler - the thread that watches deadlines: every [escalation]
 * check_interval it asks the store which complaints passed a deadline
 * without the step it asks for, and escalates each to the next level of
 * the ladder (supervisor, director, leadership), one level per
 * [escalation] interval.
 *
 * The same rounds tell customers whose promised date passed (progress.h),
 * send the satisfaction surveys that are due, close the
 * complaints whose survey went unanswered (survey.h), look for spikes of
 * complaints (warning.h), mail the scheduled reports (reportmail.h) and,
 * once a day, purge the raw mail of complaints closed longer than
 * [retention] days (privacy.h).
 *
 * Each escalation is recorded in the transaction that queues its mail,
 * under a unique (complaint, deadline, level) key: a restart, or a second
 * daemon on the same database, never sends one twice. */
#ifndef COMPLAINTD_SCHEDULER_H
#define COMPLAINTD_SCHEDULER_H

#include <stdint.h>
#include <glib.h>

struct pipeline_env;
struct store;
struct store_params;

struct scheduler;

/* scheduler_start - env and db are borrowed and must outlive it. */
struct scheduler *scheduler_start(const struct pipeline_env *env, const struct store_params *db);
void scheduler_join(struct scheduler **s);

/* scheduler_run_once - escalate, survey and close what is due at now on
 * store: how many mails or closures, or -1 with err. */
int scheduler_run_once(const struct pipeline_env *env, struct store *store, int64_t now,
		       GError **err);

#endif
