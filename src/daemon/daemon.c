/* daemon - loading configuration, rules and templates as one unit. */
#include "daemon/daemon.h"

#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "workflow/calendar.h"
#include "lib/config.h"
#include "lib/holder.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "rules/rules.h"
#include "mail/template.h"

const char *const daemon_required_templates[] = { "ack", "notify", "followup", "relay",
						  "escalate", "staff_error", "staff_alert",
						  "resolution", "survey", "review", "warning",
						  "progress", "plan", "plan_decision", NULL };
const char *const daemon_web_templates[] = { "ack", "notify", "followup", "relay",
					     "escalate", "staff_error", "staff_alert",
					     "resolution", "survey", "review", "warning",
					     "progress", "plan", "plan_decision", "form_html", "done_html", "survey_html", NULL };

const char *daemon_default_config(void)
{
	const char *env = g_getenv("COMPLAINTD_CONFIG");
	return env && *env ? env : COMPLAINTD_SYSCONFDIR "/complaintd.conf";
}

static void *rules_ref_fn(void *r) { return rules_ref(r); }
static void rules_unref_fn(void *r) { struct rules *x = r; rules_unref(&x); }
static void *tmpl_ref_fn(void *t) { return template_set_ref(t); }
static void tmpl_unref_fn(void *t) { struct template_set *x = t; template_set_unref(&x); }

static struct rules *load_rules(const struct config *cfg, GPtrArray *errors,
				GPtrArray *warnings)
{
	struct rules *r;
	struct rules_limits lim = {
		.match_limit = (uint32_t)cfg->rules_match_limit,
		.depth_limit = (uint32_t)cfg->rules_depth_limit,
		.no_jit = !cfg->rules_jit,
		.cache_dir = cfg->cache_dir,
	};
	r = rules_load_dir(cfg->rules_dir, &lim, errors, warnings);
	/* compiling the vectorscan prefilter takes some 10 MB of scratch heap
	 * that glibc keeps unless told: give it back (RSS 42 -> 32 MB) */
	malloc_trim(0);
	return r;
}

static void *cal_ref_fn(void *c) { return calendar_ref(c); }
static void cal_unref_fn(void *c) { struct calendar *x = c; calendar_free(&x); }

/* load_calendar - [deadlines] calendar_file, or Monday to Friday without
 * holidays when none is named. */
static struct calendar *load_calendar(const struct config *cfg, GPtrArray *errors)
{
	if (!*cfg->calendar_file)
		return calendar_new_default();
	return calendar_load(cfg->calendar_file, errors);
}

static struct template_set *load_templates(const struct config *cfg, GPtrArray *errors)
{
	return template_set_load(cfg->templates_dir,
				 cfg->web_port ? daemon_web_templates : daemon_required_templates,
				 cfg->default_lang, errors);
}

void daemon_store_params(const struct config *cfg, struct store_params *p)
{
	*p = (struct store_params){
		.host = cfg->db_host, .port = (unsigned)cfg->db_port,
		.socket = *cfg->db_socket ? cfg->db_socket : NULL,
		.user = cfg->db_user, .password = cfg->db_password,
		.database = cfg->db_name, .connect_timeout = (unsigned)cfg->db_connect_timeout,
		.tls_required = !strcmp(cfg->db_tls, "required"), .tls_verify = cfg->db_verify,
		.tls_ca_file = cfg->db_ca_file,
	};
}

struct store *daemon_open_store(const struct config *cfg, const char *prog)
{
	struct store_params p;
	daemon_store_params(cfg, &p);
	p.causal_reads = true;  /* show what a daemon on another node just did */
	GError *err = NULL;
	struct store *s = store_open(&p, &err);
	if (!s) {
		fprintf(stderr, "%s: database: %s\n", prog, err->message);
		g_error_free(err);
	}
	return s;
}

struct daemon *daemon_load(const char *config_file, GPtrArray *errors, GPtrArray *warnings)
{
	struct config *cfg = config_load(config_file, errors);
	if (!cfg)
		return NULL;
	for (guint i = 0; i < cfg->warnings->len; i++)
		g_ptr_array_add(warnings, g_strdup(cfg->warnings->pdata[i]));
	struct rules *rules = load_rules(cfg, errors, warnings);
	struct template_set *tmpl = load_templates(cfg, errors);
	struct calendar *cal = load_calendar(cfg, errors);
	if (!rules || !tmpl || !cal) {
		rules_unref(&rules);
		template_set_unref(&tmpl);
		calendar_free(&cal);
		config_free(&cfg);
		return NULL;
	}
	struct daemon *d = g_new0(struct daemon, 1);
	d->cfg = cfg;
	d->rule_count = rules_count(rules);
	daemon_store_params(cfg, &d->db);
	d->env.cfg = cfg;
	d->env.rules = holder_new(rules, rules_ref_fn, rules_unref_fn);
	d->env.templates = holder_new(tmpl, tmpl_ref_fn, tmpl_unref_fn);
	d->env.calendar = holder_new(cal, cal_ref_fn, cal_unref_fn);
	return d;
}

void daemon_free(struct daemon **dp)
{
	struct daemon *d = *dp;
	if (!d)
		return;
	holder_free(&d->env.rules);
	holder_free(&d->env.templates);
	holder_free(&d->env.calendar);
	config_free(&d->cfg);
	g_free(d);
	*dp = NULL;
}

int daemon_reload(struct daemon *d, GPtrArray *errors)
{
	GPtrArray *warnings = g_ptr_array_new_with_free_func(g_free);
	struct rules *rules = load_rules(d->cfg, errors, warnings);
	struct template_set *tmpl = load_templates(d->cfg, errors);
	struct calendar *cal = load_calendar(d->cfg, errors);
	for (unsigned i = 0; i < warnings->len; i++)
		log_warn("rules: %s", (char *)g_ptr_array_index(warnings, i));
	g_ptr_array_unref(warnings);
	if (!rules || !tmpl || !cal) {
		rules_unref(&rules);
		template_set_unref(&tmpl);
		calendar_free(&cal);
		d->reloads_failed++;
		metrics_inc(METRIC_RELOAD_FAILURES);
		return -1;
	}
	d->rule_count = rules_count(rules);
	holder_swap(d->env.rules, rules);
	holder_swap(d->env.templates, tmpl);
	holder_swap(d->env.calendar, cal);
	return 0;
}
