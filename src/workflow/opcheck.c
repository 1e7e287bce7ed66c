/* opcheck - the calendar, routes and escalation addresses an operator
 * must keep up (see opcheck.h). */
#include "workflow/opcheck.h"

#include <stdarg.h>
#include <string.h>

#include "lib/config.h"
#include "lib/holder.h"
#include "rules/rules.h"
#include "workflow/calendar.h"
#include "workflow/pipeline.h"

#define DAY_SECS 86400

#define N_CATEGORIES 5
/* NULL-terminated, for in_list */
static const char *const categories[N_CATEGORIES + 1] = {
	"quality", "service", "price", "infringement", "other", NULL,
};
static const char *const levels[] = { "supervisor", "director", "leadership" };

static void add(GPtrArray *w, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void add(GPtrArray *w, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_ptr_array_add(w, g_strdup_vprintf(fmt, ap));
	va_end(ap);
}

/* check_calendar - every year the next OPCHECK_CALENDAR_DAYS days reach
 * is listed in the file. */
static void check_calendar(const struct config *cfg, const struct calendar *cal, int64_t now,
			   GPtrArray *w)
{
	if (!*cfg->calendar_file) {
		add(w, "[deadlines] calendar_file is not set: deadlines count Monday to Friday "
		    "without public holidays or make-up working days (complaintd-calendar(5))");
		return;
	}
	int y0, m0, d0, y1, m1, d1;
	if (!calendar_local_date(cal, now, &y0, &m0, &d0) ||
	    !calendar_local_date(cal, now + OPCHECK_CALENDAR_DAYS * DAY_SECS, &y1, &m1, &d1))
		return;
	for (int y = y0; y <= y1; y++)
		if (!calendar_lists_year(cal, y))
			add(w, "%s: the calendar lists no holidays or make-up working days for %d, "
			    "and the next %d days run to %04d-%02d-%02d: deadlines in %d count every "
			    "weekday as a working day until that year's schedule is added",
			    cfg->calendar_file, y, OPCHECK_CALENDAR_DAYS, y1, m1, d1, y);
}

static bool in_list(char **names, const char *s)
{
	for (char **n = names; n && *n; n++)
		if (!g_ascii_strcasecmp(*n, s))
			return true;
	return false;
}

/* check_route_keys - each [routes] key names something. */
static void check_route_keys(const struct config *cfg, char **routes, GPtrArray *w)
{
	GList *keys = g_list_sort(g_hash_table_get_keys(cfg->routes), (GCompareFunc)strcmp);
	char *known = g_strjoinv(", ", routes);
	for (GList *k = keys; k; k = k->next) {
		const char *key = k->data;
		if (!strcmp(key, "default") || in_list((char **)categories, key) ||
		    in_list(routes, key))
			continue;
		add(w, "%s: [routes] %s names no category nor route of the loaded rules "
		    "(categories: quality, service, price, infringement, other; routes: %s)",
		    cfg->path, key, *known ? known : "none");
	}
	g_free(known);
	g_list_free(keys);
}

/* check_routes - the rules' routes and the categories have an address. */
static void check_routes(const struct config *cfg, const struct rules *rules, GPtrArray *w)
{
	char **routes = rules_route_names(rules);
	check_route_keys(cfg, routes, w);
	const char *fallback = g_hash_table_lookup(cfg->routes, "default");
	for (char **r = routes; *r; r++) {
		char *key = g_ascii_strdown(*r, -1);
		if (!g_hash_table_lookup(cfg->routes, key))
			add(w, "%s: route %s of the rules has no address in [routes]: its "
			    "complaints go to their category's address, else %s", cfg->path, *r,
			    fallback ? fallback : "to no one (no default either)");
		g_free(key);
	}
	for (size_t c = 0; c < N_CATEGORIES; c++) {
		const char *route = rules_default_route(rules, categories[c]);
		if (!config_route(cfg, route, categories[c]))
			add(w, "%s: category %s has no route: [routes] has no %s%s%s nor default, "
			    "so its complaints that no rule routes reach no department", cfg->path,
			    categories[c], categories[c], route ? " nor " : "", route ? route : "");
	}
	g_strfreev(routes);
}

/* check_escalation - every level of the ladder has an address. */
static void check_escalation(const struct config *cfg, GPtrArray *w)
{
	for (size_t l = 0; l < G_N_ELEMENTS(cfg->escalation); l++) {
		if (cfg->escalation[l] && cfg->escalation[l][0])
			continue;
		if (l == G_N_ELEMENTS(cfg->escalation) - 1)
			add(w, "%s: [escalation] leadership has no address: severity A complaints "
			    "are reported to no one on arrival, and overdue ones reach no one at the "
			    "top level", cfg->path);
		else
			add(w, "%s: [escalation] %s has no address: overdue complaints skip that "
			    "level", cfg->path, levels[l]);
	}
}

/* check_approval - a B complaint's plan needs an approver before the
 * customer hears anything but the acknowledgement: with nobody who may
 * approve, every B complaint would wait for ever. Without approvers to
 * ask, plans go to nobody and only someone from [approval] domains who
 * happens to see the complaint can approve. */
static void check_approval(const struct config *cfg, GPtrArray *w)
{
	bool approvers = cfg->approval_approvers && cfg->approval_approvers[0];
	bool domains = cfg->approval_domains && cfg->approval_domains[0];
	if (!approvers && !domains)
		add(w, "%s: [approval] names no approvers nor domains: the plan of a severity B "
		    "complaint can never be approved, so its customer gets no answer", cfg->path);
	else if (!approvers)
		add(w, "%s: [approval] approvers is empty: plans of severity B complaints are "
		    "sent to no one for approval (only [approval] domains may approve)", cfg->path);
}

unsigned opcheck_run(const struct config *cfg, const struct calendar *cal,
		     const struct rules *rules, int64_t now, GPtrArray *warnings)
{
	unsigned before = warnings->len;
	check_calendar(cfg, cal, now, warnings);
	check_routes(cfg, rules, warnings);
	check_escalation(cfg, warnings);
	check_approval(cfg, warnings);
	return warnings->len - before;
}

unsigned opcheck_env(const struct pipeline_env *env, int64_t now, GPtrArray *warnings)
{
	struct calendar *cal = holder_get(env->calendar);
	struct rules *rules = holder_get(env->rules);
	unsigned n = opcheck_run(env->cfg, cal, rules, now, warnings);
	rules_unref(&rules);
	calendar_free(&cal);
	return n;
}
