/* sla - deadlines and the escalation ladder. */
#include "workflow/sla.h"

#include <glib.h>

#include "workflow/calendar.h"
#include "lib/config.h"

void sla_plan(const struct config *cfg, const struct calendar *cal, char severity,
	      int64_t received, int64_t due[STORE_DUE_COUNT])
{
	due[STORE_DUE_ACK] = received + cfg->due_ack;
	due[STORE_DUE_PLAN] = severity == 'A' ? received + cfg->due_a_plan : 0;
	due[STORE_DUE_INVESTIGATION] = calendar_add_working_days(cal, received,
								  (unsigned)cfg->wd_investigation);
	due[STORE_DUE_HANDLING] = calendar_add_working_days(cal, received,
							     (unsigned)cfg->wd_handling);
	due[STORE_DUE_FEEDBACK] = calendar_add_working_days(cal, received,
							     (unsigned)cfg->wd_feedback);
	due[STORE_DUE_CLOSURE] = calendar_add_working_days(cal, received,
							    (unsigned)cfg->wd_closure);
	/* a calendar without working days gives no deadline, not year 292e9 */
	for (unsigned i = 0; i < STORE_DUE_COUNT; i++)
		if (due[i] == INT64_MAX)
			due[i] = 0;
}

char *sla_ladder(const struct config *cfg, unsigned level)
{
	if (level < 1 || level > G_N_ELEMENTS(cfg->escalation))
		return NULL;
	char **list = cfg->escalation[level - 1];
	if (!list || !list[0])
		return NULL;
	return g_strjoinv(", ", list);
}

const char *sla_deadline_label(enum store_deadline d, const char *lang)
{
	static const char *const zh[STORE_DUE_COUNT] = {
		"受理确认（24 小时）", "处理方案（A 级，4 小时）", "调查报告",
		"处理完毕", "答复客户", "结案",
	};
	static const char *const en[STORE_DUE_COUNT] = {
		"acknowledgement", "handling plan (severity A)", "investigation report",
		"handling done", "feedback to the customer", "closure",
	};
	if ((unsigned)d >= STORE_DUE_COUNT)
		return "?";
	return g_strcmp0(lang, "en") ? zh[d] : en[d];
}
