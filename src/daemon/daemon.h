/* daemon - what complaintd(8) and complaintctl(8) share: loading the
 * configuration, the rule set and the templates as one checked unit, and the
 * database parameters that follow from the configuration.
 *
 * A struct daemon owns everything it loads. The rule and template sets sit
 * in holders so a reload (SIGHUP) can swap them while threads work. */
#ifndef COMPLAINTD_DAEMON_H
#define COMPLAINTD_DAEMON_H

#include <stdbool.h>
#include <glib.h>

#include "workflow/pipeline.h"
#include "store/store.h"

struct config;

struct daemon {
	struct config *cfg;
	struct store_params db;
	struct pipeline_env env;     /* points into this struct */
	unsigned reloads_failed;
	unsigned rule_count;
};

/* Templates every installation must have, in the default language. */
extern const char *const daemon_required_templates[];
/* ... and, with the web form on ([web] port), these as well. */
extern const char *const daemon_web_templates[];

/* daemon_load - config, rules and templates. NULL with every problem in
 * errors (as FILE:LINE: ... lines); warnings are appended to warnings. */
struct daemon *daemon_load(const char *config_file, GPtrArray *errors, GPtrArray *warnings);
void daemon_free(struct daemon **d);

/* daemon_reload - build new rules and templates beside the ones in force and
 * swap them in; on any error nothing changes and errors say why. */
int daemon_reload(struct daemon *d, GPtrArray *errors);

/* daemon_store_params - the database coordinates in cfg; p borrows cfg's
 * strings. */
void daemon_store_params(const struct config *cfg, struct store_params *p);
/* daemon_open_store - a connection for a command-line tool, with causal
 * reads (store_params.causal_reads); NULL with the reason printed on
 * standard error. */
struct store *daemon_open_store(const struct config *cfg, const char *prog);

/* daemon_default_config - the config path when -c is not given. */
const char *daemon_default_config(void);

#endif
