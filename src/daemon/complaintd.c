/* complaintd - the complaint gateway daemon.
 *
 * Threads: one poller per mailbox, one outbox sender, the deadline
 * scheduler, the web form's HTTP thread pool when [web] port is set; the
 * main thread only waits for signals (SIGTERM/SIGINT stop, SIGHUP reloads
 * rules, templates and the calendar) and feeds the systemd watchdog. */
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <glib.h>
#include <systemd/sd-daemon.h>

#include "lib/config.h"
#include "daemon/daemon.h"
#include "lib/lifecycle.h"
#include "lib/log.h"
#include "mail/mime.h"
#include <gmime/gmime.h>
#include "lib/clock.h"
#include "intake/poller.h"
#include "daemon/scheduler.h"
#include "workflow/opcheck.h"
#include "daemon/sender.h"
#include "store/store.h"
#include "intake/web.h"

#define EX_CONFIG 78

static void usage(FILE *f)
{
	fprintf(f, "usage: complaintd [-c FILE] [--check] [--dump-config] [--version]\n"
		"  -c, --config FILE  configuration (default %s)\n"
		"      --check        check config, rules and templates, then exit\n"
		"      --dump-config  print every setting in force, then exit\n"
		"      --version      print the version, then exit\n"
		"  -h, --help         this text\n"
		"exit status: 0 stopped or all well, 1 could not run (database, web listener),\n"
		"             2 usage error, 78 errors in configuration, rules or templates\n",
		daemon_default_config());
}

static void print_all(GPtrArray *lines, const char *prefix)
{
	for (unsigned i = 0; i < lines->len; i++)
		fprintf(stderr, "%s%s\n", prefix, (char *)g_ptr_array_index(lines, i));
}

static void log_all(GPtrArray *lines, enum log_level lvl)
{
	for (unsigned i = 0; i < lines->len; i++)
		log_msg(lvl, "%s", (char *)g_ptr_array_index(lines, i));
}

/* log_row_limits - what the server's max_allowed_packet allows, said once
 * at start: every row is fitted under it (a bigger one makes the server
 * drop the connection), so an administrator should know where the line is. */
static void log_row_limits(const struct daemon *d, const struct store *s)
{
	size_t row = store_row_budget(s);
	log_info("database rows up to %zu bytes (max_allowed_packet), mails up to %zu",
		 row, store_outbox_max(s));
	if ((size_t)d->cfg->max_message_size > row / 2)
		log_warn("[limits] max_message_size %lld is over half of what one database row "
			 "takes (%zu): bigger mail is stored without its raw source; raise the "
			 "server's max_allowed_packet to archive it", (long long)d->cfg->max_message_size,
			 row);
}

/* check_schema - refuse to run against a database we would misread. */
static int check_schema(const struct daemon *d)
{
	GError *err = NULL;
	struct store *s = store_open(&d->db, &err);
	int current = 0, latest = 0;
	if (s)
		log_row_limits(d, s);
	if (s && store_schema_version(s, &current, &latest, &err) == 0 && current != latest) {
		log_error("database schema is at version %d, this complaintd needs %d: "
			  "run 'complaintctl db migrate'", current, latest);
		store_close(&s);
		return -1;
	}
	store_close(&s);
	if (err) {
		log_error("database: %s", err->message);
		g_error_free(err);
		return -1;
	}
	return 0;
}

static void reload(struct daemon *d)
{
	sd_notify(0, "RELOADING=1");
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	if (daemon_reload(d, errors) == 0) {
		log_info("reloaded rules=%u", d->rule_count);
	} else {
		log_all(errors, LOG_LVL_ERROR);
		log_error("reload refused, the rules and templates in force stay: failed_reloads=%u",
			  d->reloads_failed);
	}
	g_ptr_array_unref(errors);
	sd_notify(0, "READY=1");
}

/* wait_signals - the main thread's loop until SIGTERM or SIGINT. */
static void wait_signals(struct daemon *d, const sigset_t *set)
{
	uint64_t wd_usec = 0;
	bool watchdog = sd_watchdog_enabled(0, &wd_usec) > 0;
	struct timespec tick = { .tv_sec = 1 };
	if (watchdog) {
		uint64_t half = wd_usec / 2;
		tick.tv_sec = (time_t)(half / 1000000);
		tick.tv_nsec = (long)(half % 1000000) * 1000;
	}
	for (;;) {
		int sig = sigtimedwait(set, NULL, &tick);
		if (watchdog)
			sd_notify(0, "WATCHDOG=1");
		if (sig == SIGHUP)
			reload(d);
		else if (sig == SIGTERM || sig == SIGINT)
			break;
	}
}

/* control_signals - the signals the main thread waits for. */
static void control_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
}

/* stop_asked_at_start - whether a SIGTERM or SIGINT arrived while the
 * configuration, rules and templates were loading. They are blocked from
 * the first line of main, so a stop during a slow start (compiling a large
 * rule set takes seconds) is kept pending instead of killing us half-way;
 * here it is taken, and a SIGHUP is dropped: what was just loaded is new. */
static bool stop_asked_at_start(const sigset_t *set)
{
	static const struct timespec now = { 0, 0 };
	bool stop = false;
	int sig;
	while ((sig = sigtimedwait(set, NULL, &now)) > 0)
		if (sig == SIGTERM || sig == SIGINT)
			stop = true;
	return stop;
}

static int run(struct daemon *d, const sigset_t *set)
{
	signal(SIGPIPE, SIG_IGN);
	if (stop_asked_at_start(set)) {
		log_info("stopped: asked to stop while starting, before any work began");
		return 0;
	}
	if (check_schema(d) < 0)
		return 1;
	struct sender *sender = sender_start(d->cfg, &d->db);
	GPtrArray *pollers = g_ptr_array_new();
	for (unsigned i = 0; i < d->cfg->mailboxes->len; i++)
		g_ptr_array_add(pollers, poller_start(&d->env,
				g_ptr_array_index(d->cfg->mailboxes, i), &d->db));
	GError *err = NULL;
	struct web *web = web_start(&d->env, &d->db, &err);
	if (err) {
		log_error("web: %s", err->message);
		g_error_free(err);
		lifecycle_stop();
		for (unsigned i = 0; i < pollers->len; i++) {
			struct poller *p = g_ptr_array_index(pollers, i);
			poller_join(&p);
		}
		g_ptr_array_free(pollers, TRUE);
		sender_join(&sender);
		return 1;
	}
	struct scheduler *sched = scheduler_start(&d->env, &d->db);
	if (clock_offset())
		log_info("COMPLAINTD_CLOCK_OFFSET=%lld: the clock runs %+lld s off real time "
			 "(for tests only)", (long long)clock_offset(), (long long)clock_offset());
	log_info("started mailboxes=%u rules=%u web_port=%u", d->cfg->mailboxes->len,
		 d->rule_count, web_port(web));
	sd_notify(0, "READY=1");
	wait_signals(d, set);
	sd_notify(0, "STOPPING=1");
	log_info("stopping: finishing the work in hand");
	lifecycle_stop();
	web_stop(&web);  /* answers the posts in hand, then closes */
	for (unsigned i = 0; i < pollers->len; i++) {
		struct poller *p = g_ptr_array_index(pollers, i);
		poller_join(&p);
	}
	g_ptr_array_free(pollers, TRUE);
	scheduler_join(&sched);
	sender_join(&sender);
	log_info("stopped");
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'C' },
		{ "dump-config", no_argument, NULL, 'D' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config_file = daemon_default_config();
	bool check = false, dump = false;
	int c;
	/* glibc gives each thread that allocates a heap of its own (up to
	 * eight per core), and each keeps what its thread freed: the web's
	 * threads held 5-10 MB that way. Four are plenty for threads that
	 * mostly wait; MALLOC_ARENA_MAX in the environment still decides. */
	if (!getenv("MALLOC_ARENA_MAX"))
		mallopt(M_ARENA_MAX, 4);
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config_file = optarg; break;
		case 'C': check = true; break;
		case 'D': dump = true; break;
		case 'V': puts("complaintd " COMPLAINTD_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	/* Blocked before anything is loaded and before any thread starts: only
	 * the main thread takes them (sigtimedwait), and a stop that comes
	 * while we still load is honoured after loading instead of killing
	 * the process by the default action. --check and --dump-config keep
	 * the default: they are interactive and end by themselves. */
	sigset_t set;
	control_signals(&set);
	if (!check && !dump)
		pthread_sigmask(SIG_BLOCK, &set, NULL);
	/* journald when systemd started us with its stream, stderr otherwise */
	log_open("complaintd", g_getenv("JOURNAL_STREAM") != NULL, LOG_LVL_INFO);
	mime_init();
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	GPtrArray *warnings = g_ptr_array_new_with_free_func(g_free);
	struct daemon *d = daemon_load(config_file, errors, warnings);
	print_all(warnings, "warning: ");
	int rc = 0;
	if (!d) {
		print_all(errors, "");
		fprintf(stderr, "complaintd: %u error%s in the configuration, rules or templates\n",
			errors->len, errors->len == 1 ? "" : "s");
		rc = EX_CONFIG;
	} else if (check) {
		GPtrArray *ops = g_ptr_array_new_with_free_func(g_free);
		opcheck_env(&d->env, clock_now(), ops);
		print_all(ops, "warning: ");
		g_ptr_array_unref(ops);
		printf("%s: ok (%u mailbox%s, %u rules)\n", config_file, d->cfg->mailboxes->len,
		       d->cfg->mailboxes->len == 1 ? "" : "es", d->rule_count);
	} else if (dump) {
		char *text = config_dump(d->cfg);
		fputs(text, stdout);
		g_free(text);
	} else {
		log_open("complaintd", g_getenv("JOURNAL_STREAM") != NULL,
			 (enum log_level)log_level_parse(d->cfg->log_level));
		log_set_pii(d->cfg->log_pii);
		rc = run(d, &set);
	}
	daemon_free(&d);
	g_ptr_array_unref(errors);
	g_ptr_array_unref(warnings);
	g_mime_shutdown();
	return rc;
}
