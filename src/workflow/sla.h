/* sla - the time limits a complaint runs against, and who is told when one
 * passes (DOMAIN.md: acknowledge within 24 h; severity A reported to the
 * leadership at once and a handling plan within 4 h; investigation in 3,
 * handling in 5, feedback to the customer in 3 and closure in 10 working
 * days). Pure functions of the configuration and the calendar.
 *
 * Clock-time limits (acknowledge, plan) count hours as they pass; the
 * working-day limits count with the calendar (see complaintd-calendar(5)):
 * a complaint received on Friday must be investigated by Wednesday 18:00. */
#ifndef COMPLAINTD_SLA_H
#define COMPLAINTD_SLA_H

#include <stdint.h>

#include "store/store.h"

struct calendar;
struct config;

/* sla_plan - due[] for a complaint of severity received at that time;
 * 0 where a limit does not apply (the plan for B and C). */
void sla_plan(const struct config *cfg, const struct calendar *cal, char severity,
	      int64_t received, int64_t due[STORE_DUE_COUNT]);

/* sla_ladder - the addresses of escalation level (1 supervisor, 2 director,
 * 3 leadership) joined by ", ", or NULL when that level has none. g_free. */
char *sla_ladder(const struct config *cfg, unsigned level);

/* sla_deadline_label - what the step is, for people: "acknowledgement",
 * "handling plan", ... (lang "zh" or "en"). */
const char *sla_deadline_label(enum store_deadline d, const char *lang);

#endif
