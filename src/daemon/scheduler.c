/* scheduler - deadlines and escalations, and the other periodic work. */
#include "daemon/scheduler.h"

#include "workflow/calendar.h"
#include "lib/clock.h"
#include "lib/config.h"
#include "lib/holder.h"
#include "lib/lifecycle.h"
#include "lib/log.h"
#include "workflow/opcheck.h"
#include "workflow/paths.h"
#include "workflow/pipeline.h"
#include "workflow/progress.h"
#include "workflow/privacy.h"
#include "workflow/reportmail.h"
#include "store/store.h"
#include "workflow/survey.h"
#include "mail/template.h"
#include "workflow/warning.h"
#include "workflow/workflow.h"

/* escalations looked at per round: a backlog after a long outage is worked
 * off over several rounds instead of one long transaction */
#define ROUND_MAX 200

struct scheduler {
	const struct pipeline_env *env;
	const struct store_params *db;
	GThread *thread;
	unsigned rounds;  /* completed rounds, for the log */
	int checked_day;  /* YYYYMMDD of the last operating check (opcheck.h) */
};

struct escalation {
	struct workflow_ctx *x;
	const struct store_due *due;
};

static int escalate_tx(void *ctx, GError **err)
{
	struct escalation *e = ctx;
	return workflow_escalate(e->x, e->due->id, e->due->deadline, e->due->level, err);
}

/* escalate_one - record and send one in its own transaction. */
static int escalate_one(struct workflow_ctx *x, const struct store_due *d, GError **err)
{
	struct escalation e = { x, d };
	return store_tx(x->store, escalate_tx, &e, err);
}

int scheduler_run_once(const struct pipeline_env *env, struct store *store, int64_t now,
		       GError **err)
{
	const struct config *cfg = env->cfg;
	GPtrArray *due = g_ptr_array_new_with_free_func(g_free);
	int sent = 0;
	if (store_due_escalations(store, now, cfg->escalation_interval,
				  G_N_ELEMENTS(cfg->escalation), ROUND_MAX, due, err) < 0) {
		g_ptr_array_unref(due);
		return -1;
	}
	struct template_set *tmpl = holder_get(env->templates);
	struct calendar *cal = holder_get(env->calendar);
	struct workflow_ctx x = { .cfg = cfg, .cal = cal, .templates = tmpl, .store = store,
				  .now = now };
	for (unsigned i = 0; i < due->len && sent >= 0; i++) {
		int rc = escalate_one(&x, g_ptr_array_index(due, i), err);
		sent = rc < 0 ? -1 : sent + rc;
	}
	int n = sent < 0 ? -1 : progress_send_due(&x, err);
	sent = n < 0 ? -1 : sent + n;
	n = sent < 0 ? -1 : paths_remind_due(&x, err);
	sent = n < 0 ? -1 : sent + n;
	n = sent < 0 ? -1 : survey_send_due(&x, err);
	sent = n < 0 ? -1 : sent + n;
	n = sent < 0 ? -1 : survey_close_unanswered(&x, err);
	sent = n < 0 ? -1 : sent + n;
	n = sent < 0 ? -1 : warning_run_once(cfg, cal, tmpl, store, now, err);
	sent = n < 0 ? -1 : sent + n;
	n = sent < 0 ? -1 : reportmail_run_once(&x, err);
	sent = n < 0 ? -1 : sent + n;
	n = sent < 0 ? -1 : privacy_retention_run(&x, err);
	sent = n < 0 ? -1 : sent + n;
	if (sent > 0)
		lifecycle_kick(LIFECYCLE_OUTBOX);
	template_set_unref(&tmpl);
	calendar_free(&cal);
	g_ptr_array_unref(due);
	return sent;
}

/* log_round - the first round once at info (the operator sees that the
 * deadlines were looked at after a start), every round at debug (tests
 * wait for rounds instead of sleeping). */
static void log_round(unsigned round, int sent)
{
	if (round == 1)
		log_info("scheduler: first round done sent=%d", sent);
	log_debug("scheduler round=%u sent=%d", round, sent);
}

/* daily_check - the operating check (opcheck.h) at the first round and
 * then once a calendar day, in the log: a calendar running out or a
 * route without an address is seen before a deadline or a complaint is
 * lost to it, by whoever reads the journal, without anyone running
 * complaintd --check. */
static void daily_check(struct scheduler *s, int64_t now)
{
	struct calendar *cal = holder_get(s->env->calendar);
	int y, m, d;
	bool dated = calendar_local_date(cal, now, &y, &m, &d);
	calendar_free(&cal);
	if (!dated || y * 10000 + m * 100 + d == s->checked_day)
		return;
	s->checked_day = y * 10000 + m * 100 + d;
	GPtrArray *warnings = g_ptr_array_new_with_free_func(g_free);
	opcheck_env(s->env, now, warnings);
	for (unsigned i = 0; i < warnings->len; i++)
		log_warn("check: %s", (char *)g_ptr_array_index(warnings, i));
	if (!warnings->len)
		log_info("check: the calendar covers the next %d days, every route and "
			 "escalation level has an address, B plans have approvers", OPCHECK_CALENDAR_DAYS);
	g_ptr_array_unref(warnings);
}

static gpointer scheduler_main(gpointer data)
{
	struct scheduler *s = data;
	struct store *store = NULL;
	int64_t wait_ms = 0;
	while (lifecycle_sleep(LIFECYCLE_GENERAL, wait_ms)) {
		wait_ms = s->env->cfg->escalation_check * 1000;
		daily_check(s, clock_now());
		GError *err = NULL;
		if (!store && !(store = store_open(s->db, &err))) {
			log_warn("scheduler: database: %s", err->message);
			g_error_free(err);
			continue;
		}
		int sent = scheduler_run_once(s->env, store, clock_now(), &err);
		if (sent < 0) {
			log_warn("scheduler: %s", err ? err->message : "failed");
			g_clear_error(&err);
			if (store_ping(store, NULL) < 0)
				store_close(&store);
		}
		log_round(++s->rounds, sent);
	}
	store_close(&store);
	return NULL;
}

struct scheduler *scheduler_start(const struct pipeline_env *env, const struct store_params *db)
{
	struct scheduler *s = g_new0(struct scheduler, 1);
	s->env = env;
	s->db = db;
	s->thread = g_thread_new("scheduler", scheduler_main, s);
	return s;
}

void scheduler_join(struct scheduler **sp)
{
	struct scheduler *s = *sp;
	if (!s)
		return;
	g_thread_join(s->thread);
	g_free(s);
	*sp = NULL;
}
