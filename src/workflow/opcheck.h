/* opcheck - what an operator must fix before it bites, checked by
 * `complaintd --check` and once a day by the scheduler (a log line each):
 *
 *   - the calendar: Chinese public holidays and make-up working days move
 *     every year, so the calendar file must list the schedule of every
 *     year the next OPCHECK_CALENDAR_DAYS days reach ("covers": at least
 *     one holiday or working-day line dated in that year); without a file
 *     deadlines count Monday to Friday with no holidays at all;
 *   - [routes]: a key that names no category, no route of the loaded
 *     rules and is not "default" (a typo routes nothing); a route the
 *     rules give that has no address (its complaints fall back to their
 *     category's address or default); a category whose complaints reach
 *     no address at all;
 *   - [escalation]: the leadership (severity A is reported to it at once)
 *     and every level of the ladder without an address.
 *
 * Warnings only: the daemon runs as configured. Pure functions of the
 * configuration, the calendar, the rules and the time. */
#ifndef COMPLAINTD_OPCHECK_H
#define COMPLAINTD_OPCHECK_H

#include <stdint.h>
#include <glib.h>

struct calendar;
struct config;
struct pipeline_env;
struct rules;

/* How far ahead the calendar must know the holidays. */
#define OPCHECK_CALENDAR_DAYS 60

/* opcheck_run - appends one g_strdup'd line per problem found at now to
 * warnings (created with g_free as its free function); how many. */
unsigned opcheck_run(const struct config *cfg, const struct calendar *cal,
		     const struct rules *rules, int64_t now, GPtrArray *warnings);

/* opcheck_env - opcheck_run on the configuration and the calendar and
 * rules in force in env's holders. */
unsigned opcheck_env(const struct pipeline_env *env, int64_t now, GPtrArray *warnings);

#endif
