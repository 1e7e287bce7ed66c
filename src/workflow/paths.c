/* paths - plans, their approval, reports, and what waits for them. */
#include "workflow/paths.h"

#include <stdarg.h>
#include <string.h>

#include "lib/config.h"
#include "lib/log.h"
#include "store/store_plan.h"
#include "workflow/calendar.h"
#include "workflow/wfmail.h"

/* reminders per scheduler round; the rest wait for the next round */
#define ROUND_MAX 100

static bool zh(const struct workflow_ctx *x)
{
	return g_strcmp0(x->cfg->staff_lang, "en") != 0;
}

/* add_error - one more entry in res's error list (staffcmd.h's form). */
static void G_GNUC_PRINTF(2, 3) add_error(struct staffcmd_result *res, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	guint n = g_strv_length(res->errors);
	res->errors = g_renew(char *, res->errors, n + 2);
	res->errors[n] = msg;
	res->errors[n + 1] = NULL;
	res->n_errors++;
}

char paths_severity_after(const struct store_case *c, const struct staffcmd_result *res)
{
	const struct staffcmd *cmd = staffcmd_find(res, STAFFCMD_SEVERITY);
	if (cmd)
		return cmd->arg[0];
	if (staffcmd_find(res, STAFFCMD_ESCALATE) && c->severity > 'A')
		return (char)(c->severity - 1);
	return c->severity;
}

static bool plan_is(const struct store_case *c, const char *decision)
{
	return !g_strcmp0(c->plan_decision, decision);
}

/* plan_state - where c's plan stands, for a notice in the staff's
 * language. g_free. */
static char *plan_state(const struct workflow_ctx *x, const struct store_case *c,
			const struct staffcmd_result *res)
{
	bool z = zh(x);
	if (staffcmd_find(res, STAFFCMD_PLAN))
		return g_strdup(z ? "本回复中的处理方案尚待审批" : "the plan in this reply still "
			       "needs its approval");
	if (!c->plan_proposed_at)
		return g_strdup(z ? "还没有处理方案" : "there is no plan yet");
	char *when = calendar_format_time_lang(x->cal, c->plan_proposed_at, x->cfg->staff_lang);
	char *s = plan_is(c, "rejected")
		? g_strdup_printf(z ? "%s 提交的处理方案（%s）已被驳回，需要新的方案"
				    : "the plan of %s (%s) was rejected: a new plan is needed",
				  c->plan_proposed_by, when)
		: g_strdup_printf(z ? "%s 提交的处理方案（%s）正在等待审批"
				    : "the plan of %s (%s) waits for an approver",
				  c->plan_proposed_by, when);
	g_free(when);
	return s;
}

/* check_hold - a B complaint without an approved plan: nothing to the
 * customer, no resolution. */
static void check_hold(const struct workflow_ctx *x, const struct store_case *c,
		       struct staffcmd_result *res)
{
	if (paths_severity_after(c, res) != 'B')
		return;
	bool approved = staffcmd_find(res, STAFFCMD_APPROVE) ||
			(!staffcmd_find(res, STAFFCMD_PLAN) && plan_is(c, "approved"));
	if (approved)
		return;
	bool relay = !res->internal && res->text && *g_strstrip(res->text);
	const struct staffcmd *st = staffcmd_find(res, STAFFCMD_STATUS);
	bool resolves = st && !strcmp(st->arg, "resolved");
	if (!relay && !resolves)
		return;
	char *state = plan_state(x, c, res);
	if (relay)
		add_error(res, zh(x) ? "这是 B 级投诉，处理方案批准之前不能答复客户（%s）。本回复没有"
				       "转给客户。请用 #plan 提交处理方案，审批人回复 #approve 批准后，"
				       "再重新发送答复"
				     : "severity B: the customer gets no answer before the handling plan "
				       "is approved (%s). This reply was not relayed. Give the plan with "
				       "#plan; once an approver answers #approve, send the answer again",
			  state);
	if (resolves)
		add_error(res, zh(x) ? "#status resolved：B 级投诉的处理方案批准之前不能设为已解决（%s）"
				     : "#status resolved: a severity B complaint is not resolved before "
				       "its plan is approved (%s)", state);
	g_free(state);
}

/* check_decision - #approve / #reject: an approver, a pending plan, not
 * one's own. */
static void check_decision(const struct workflow_ctx *x, const struct store_case *c,
			   const char *actor, struct staffcmd_result *res)
{
	const struct staffcmd *d = staffcmd_find(res, STAFFCMD_APPROVE);
	if (!d)
		d = staffcmd_find(res, STAFFCMD_REJECT);
	if (!d)
		return;
	const char *name = staffcmd_kind_name(d->kind);
	bool z = zh(x);
	if (!config_is_approver(x->cfg, actor))
		add_error(res, z ? "#%s：%s 不是审批人（审批人由配置 [approval] approvers 或 domains "
				   "指定）" : "#%s: %s is not an approver ([approval] approvers or "
				   "domains)", name, actor);
	else if (staffcmd_find(res, STAFFCMD_PLAN) ||
		 (c->plan_proposed_by && !g_ascii_strcasecmp(c->plan_proposed_by, actor) &&
		  plan_is(c, "pending")))
		add_error(res, z ? "#%s：不能审批自己提交的处理方案，须由另一位审批人决定"
				 : "#%s: a plan is decided by someone other than its writer", name);
	else if (!plan_is(c, "pending"))
		add_error(res, z ? "#%s：投诉 %s 没有等待审批的处理方案" : "#%s: complaint %s has no "
				   "plan waiting for approval", name, c->ref);
}

void paths_check(const struct workflow_ctx *x, const struct store_case *c, const char *actor,
		 struct staffcmd_result *res)
{
	bool z = zh(x);
	if (staffcmd_find(res, STAFFCMD_ESCALATE) && !staffcmd_find(res, STAFFCMD_SEVERITY) &&
	    c->severity == 'A')
		add_error(res, z ? "#escalate：投诉 %s 已是最高等级 A，已上报领导小组；等级没有改变"
				 : "#escalate: complaint %s is severity A already, the highest, and "
				   "the leadership has been told; nothing was changed", c->ref);
	if (staffcmd_find(res, STAFFCMD_PLAN) && paths_severity_after(c, res) == 'A' &&
	    !config_is_crisis_or_leadership(x->cfg, actor))
		add_error(res, z ? "#plan：A 级投诉的处理方案须由危机处理小组或领导小组提出（配置 "
				   "[approval] crisis_team、[escalation] leadership）；%s 不在其中"
				 : "#plan: the plan of a severity A complaint comes from the crisis "
				   "team or the leadership ([approval] crisis_team, [escalation] "
				   "leadership); %s is neither", actor);
	check_decision(x, c, actor, res);
	check_hold(x, c, res);
}

/* tell - mail about c to one staff address: template tmpl, vars taken. */
static int tell(const struct workflow_ctx *x, const struct store_case *c, const char *kind,
		const char *tmpl, const char *to, GHashTable *vars, GError **err)
{
	struct wf_outmail o = { .kind = kind, .tmpl = tmpl, .lang = x->cfg->staff_lang, .to = to,
				.ref = c->ref, .complaint_id = c->id, .vars = vars,
				.to_staff = true };
	int rc = wf_queue(x, &o, err);
	g_hash_table_unref(vars);
	return rc;
}

/* ask_approvers - c's plan (text, by planner) to every approver address;
 * reminder: it has waited since proposed_at. */
static int ask_approvers(const struct workflow_ctx *x, const struct store_case *c,
			 const char *planner, const char *text, int64_t proposed_at,
			 bool reminder, GError **err)
{
	char **to = x->cfg->approval_approvers;
	if (!to || !*to)
		log_warn("plan ref=%s: no [approval] approvers to ask; an approver from "
			 "[approval] domains answers a mail about the complaint", c->ref);
	for (; to && *to; to++) {
		struct wf_view v;
		wf_view_of_case(&v, c);
		GHashTable *vars = wf_vars_new(x, &v, x->cfg->staff_lang);
		g_hash_table_insert(vars, "text", g_strdup(text ? text : ""));
		g_hash_table_insert(vars, "planner", g_strdup(planner ? planner : ""));
		g_hash_table_insert(vars, "proposed", calendar_format_time_lang(x->cal, proposed_at,
						x->cfg->staff_lang));
		g_hash_table_insert(vars, "reminder", g_strdup(reminder ? "1" : ""));
		if (tell(x, c, reminder ? "plan_reminder" : "plan_request", "plan", *to, vars,
			 err) < 0)
			return -1;
	}
	return 0;
}

/* plan - record #plan: a B plan waits for an approver; others count at
 * once (paths_check let only the crisis team and leadership plan for A). */
static int plan(const struct workflow_ctx *x, struct store_case *c, const char *actor,
		const char *text, GError **err)
{
	bool pending = c->severity == 'B';
	if (store_plan_propose(x->store, c->id, actor, pending, !pending, x->now, err) < 0 ||
	    store_add_event(x->store, c->id, x->now, actor, "plan", text, err) < 0)
		return -1;
	log_info("plan ref=%s from=%s severity=%c%s", c->ref, actor, c->severity,
		 pending ? " waits for approval" : "");
	g_free(c->plan_proposed_by);
	c->plan_proposed_by = g_strdup(actor);
	g_free(c->plan_decision);
	c->plan_decision = pending ? g_strdup("pending") : NULL;
	c->plan_proposed_at = x->now;
	return pending ? ask_approvers(x, c, actor, text, x->now, false, err) : 0;
}

/* decide - #approve or #reject (why: the comment or reason) of c's
 * pending plan; its writer is told. */
static int decide(const struct workflow_ctx *x, struct store_case *c, const char *actor,
		  bool approved, const char *why, GError **err)
{
	int rc = store_plan_decide(x->store, c->id, approved, actor, x->now, err);
	if (rc <= 0)
		return rc;
	const char *kind = approved ? "plan_approved" : "plan_rejected";
	if (store_add_event(x->store, c->id, x->now, actor, kind, why, err) < 0)
		return -1;
	log_info("%s ref=%s by=%s", kind, c->ref, actor);
	g_free(c->plan_decision);
	c->plan_decision = g_strdup(approved ? "approved" : "rejected");
	if (!c->plan_proposed_by || !*c->plan_proposed_by)
		return 0;
	bool z = zh(x);
	struct wf_view v;
	wf_view_of_case(&v, c);
	GHashTable *vars = wf_vars_new(x, &v, x->cfg->staff_lang);
	g_hash_table_insert(vars, "decision", g_strdup(approved ? (z ? "已批准" : "approved")
							   : (z ? "被驳回" : "rejected")));
	g_hash_table_insert(vars, "approved", g_strdup(approved ? "1" : ""));
	g_hash_table_insert(vars, "approver", g_strdup(actor));
	g_hash_table_insert(vars, "reason", g_strdup(why ? why : ""));
	return tell(x, c, "plan_decision", "plan_decision", c->plan_proposed_by, vars, err);
}

int paths_apply(const struct workflow_ctx *x, struct store_case *c, const char *actor,
		const struct staffcmd_result *res, GError **err)
{
	const struct staffcmd *cmd;
	int rc = 0;
	if ((cmd = staffcmd_find(res, STAFFCMD_PLAN)))
		rc = plan(x, c, actor, res->text, err);
	if (rc == 0 && (cmd = staffcmd_find(res, STAFFCMD_APPROVE)))
		rc = decide(x, c, actor, true, cmd->arg, err) < 0 ? -1 : 0;
	if (rc == 0 && (cmd = staffcmd_find(res, STAFFCMD_REJECT)))
		rc = decide(x, c, actor, false, cmd->arg, err) < 0 ? -1 : 0;
	if (rc == 0 && staffcmd_find(res, STAFFCMD_REPORT)) {
		rc = store_case_reported(x->store, c->id, x->now, err);
		if (rc == 0)
			rc = store_add_event(x->store, c->id, x->now, actor, "report", res->text, err);
		log_info("investigation report ref=%s from=%s", c->ref, actor);
	}
	return rc;
}

/* remind_one - the approvers of w's plan, once; 1 reminded, 0 not (done
 * before, or the plan was decided or replaced meanwhile). */
static int remind_one(const struct workflow_ctx *x, const struct store_plan_waiting *w,
		      GError **err)
{
	int rc = store_plan_reminded(x->store, w->id, w->proposed_at, x->now, err);
	struct store_case *c = NULL;
	if (rc == 1 && store_case_get(x->store, w->id, NULL, &c, err) < 0)
		rc = -1;
	if (rc == 1 && c) {
		if (ask_approvers(x, c, c->plan_proposed_by, "", w->proposed_at, true, err) < 0 ||
		    store_add_event(x->store, c->id, x->now, "", "plan_reminder",
				    "the approvers were reminded of the plan", err) < 0)
			rc = -1;
		else
			log_info("plan reminder ref=%s", c->ref);
	}
	store_case_free(c);
	return rc;
}

struct remind_tx {
	const struct workflow_ctx *x;
	const struct store_plan_waiting *plan;
};

static int remind_tx(void *ctx, GError **err)
{
	struct remind_tx *r = ctx;
	return remind_one(r->x, r->plan, err);
}

int paths_remind_due(const struct workflow_ctx *x, GError **err)
{
	GPtrArray *due = g_ptr_array_new_with_free_func(g_free);
	int sent = store_plans_waiting(x->store, x->now - x->cfg->approval_remind_after,
				       ROUND_MAX, due, err) < 0 ? -1 : 0;
	for (unsigned i = 0; i < due->len && sent >= 0; i++) {
		struct remind_tx r = { x, g_ptr_array_index(due, i) };
		int rc = store_tx(x->store, remind_tx, &r, err);
		sent = rc < 0 ? -1 : sent + rc;
	}
	g_ptr_array_unref(due);
	return sent;
}
