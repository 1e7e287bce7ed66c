/* complaintctl - the administrator's tool for complaintd.
 *
 *   complaintctl [-c FILE] db migrate      apply pending schema migrations
 *   complaintctl [-c FILE] db status       schema version in the database
 *   complaintctl parse [--json] FILE|-     show a mail as the daemon reads it
 *   complaintctl rules check|test|eval|learn|corrections|reclassify ...   see rulesctl.h
 *   complaintctl [-c FILE] show [--json] REF   one complaint, see casectl.h
 *   complaintctl [-c FILE] list|search|export [FILTER ...] ...   the complaints
 *                that match, as lines, JSON or CSV, see listctl.h
 *   complaintctl [-c FILE] add --channel CH --taken-by STAFF [--email ADDR]
 *                [--phone NUM] [--name NAME] [--subject LINE] [--text TEXT]
 *                [--token T] [--lang L]   a complaint taken by phone, at a
 *                counter, ...: into the pipeline, see addctl.h
 *   complaintctl [-c FILE] forget [--yes] ADDRESS|PHONE|REF   erase a customer's
 *                personal data, keep the figures, see forgetctl.h
 *   complaintctl [-c FILE] report [--day DATE | --week DATE | --month YYYY-MM |
 *                --from DATE --to DATE] [--format F] [--lang L] [--output FILE]
 *                                             the figures of a period, see reportctl.h
 *   complaintctl [-c FILE] calendar [--calendar FILE] [check [FILE] | FROM [TO]
 *                | deadlines [DATETIME]]      the working-day calendar, see
 *                                             calendarctl.h
 *
 *   complaintctl help [COMMAND]            the usage of every command, or of one;
 *                                          "COMMAND --help" (or -h) is the same
 *   complaintctl --version                 the version
 *
 * Exit status: 0 done, 1 the command failed, 2 usage error. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>

#include "workflow/calendar.h"
#include "ctl/addctl.h"
#include "ctl/calendarctl.h"
#include "ctl/casectl.h"
#include "lib/clock.h"
#include "lib/config.h"
#include "daemon/daemon.h"
#include "ctl/forgetctl.h"
#include "ctl/listctl.h"
#include "lib/log.h"
#include "mail/message.h"
#include "mail/mime.h"
#include <gmime/gmime.h>
#include "mail/msgdump.h"
#include "ctl/reportctl.h"
#include "ctl/rulesctl.h"
#include "store/store.h"

struct ctl {
	const char *config_file;
	bool json;
	const char *arg;       /* the command's operand, for with_store's callbacks */
};

struct command {
	const char *name;
	const char *sub;       /* NULL: no subcommand */
	const char *args;      /* for usage */
	const char *help;
	int (*run)(struct ctl *ctl, int argc, char **argv);
};

static const char *default_config(void)
{
	const char *env = g_getenv("COMPLAINTD_CONFIG");
	return env && *env ? env : COMPLAINTD_SYSCONFDIR "/complaintd.conf";
}

static struct config *load_config(struct ctl *ctl)
{
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	struct config *cfg = config_load(ctl->config_file, errors);
	for (unsigned i = 0; i < errors->len; i++)
		fprintf(stderr, "%s\n", (char *)g_ptr_array_index(errors, i));
	g_ptr_array_unref(errors);
	return cfg;
}

static int with_store(struct ctl *ctl, int (*fn)(struct store *s, struct ctl *ctl))
{
	struct config *cfg = load_config(ctl);
	if (!cfg)
		return 1;
	struct store *s = daemon_open_store(cfg, "complaintctl");
	int rc = s ? fn(s, ctl) : 1;
	store_close(&s);
	config_free(&cfg);
	return rc;
}

static int do_migrate(struct store *s, struct ctl *ctl)
{
	GError *err = NULL;
	int applied = 0, current = 0, latest = 0;
	if (store_migrate(s, &applied, &err) < 0 ||
	    store_schema_version(s, &current, &latest, &err) < 0) {
		fprintf(stderr, "complaintctl: migrate: %s\n", err->message);
		g_error_free(err);
		return 1;
	}
	printf("schema at version %d (%d migration%s applied)\n", current, applied,
	       applied == 1 ? "" : "s");
	return 0;
}

static int do_status(struct store *s, struct ctl *ctl)
{
	GError *err = NULL;
	int current = 0, latest = 0;
	if (store_schema_version(s, &current, &latest, &err) < 0) {
		fprintf(stderr, "complaintctl: %s\n", err->message);
		g_error_free(err);
		return 1;
	}
	if (ctl->json)
		printf("{\"current\":%d,\"latest\":%d}\n", current, latest);
	else
		printf("schema version %d, this complaintctl knows %d%s\n", current, latest,
		       current < latest ? ": run 'complaintctl db migrate'" : "");
	return current == latest ? 0 : 1;
}

static int cmd_db_migrate(struct ctl *ctl, int argc, char **argv)
{
	return argc ? 2 : with_store(ctl, do_migrate);
}

static int cmd_db_status(struct ctl *ctl, int argc, char **argv)
{
	return argc ? 2 : with_store(ctl, do_status);
}

/* read_input - a file or standard input, whole. */
static GBytes *read_input(const char *path, char **error_r)
{
	GError *err = NULL;
	if (strcmp(path, "-")) {
		char *data;
		gsize len;
		if (!g_file_get_contents(path, &data, &len, &err)) {
			*error_r = g_strdup(err->message);
			g_error_free(err);
			return NULL;
		}
		return g_bytes_new_take(data, len);
	}
	GByteArray *buf = g_byte_array_new();
	guint8 chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
		g_byte_array_append(buf, chunk, (guint)n);
	if (ferror(stdin)) {
		*error_r = g_strdup("error reading standard input");
		g_byte_array_unref(buf);
		return NULL;
	}
	return g_byte_array_free_to_bytes(buf);
}

static int cmd_parse(struct ctl *ctl, int argc, char **argv)
{
	if (argc != 1)
		return 2;
	char *error = NULL;
	GBytes *raw = read_input(argv[0], &error);
	if (!raw) {
		fprintf(stderr, "complaintctl: %s\n", error);
		g_free(error);
		return 1;
	}
	struct mime_limits lim;
	mime_limits_default(&lim);
	gsize len;
	const char *data = g_bytes_get_data(raw, &len);
	struct message *m = mime_parse(data, len, &lim);
	GString *out = g_string_new(NULL);
	if (ctl->json)
		msgdump_json(m, out);
	else
		msgdump_text(m, out);
	fwrite(out->str, 1, out->len, stdout);
	if (ctl->json)
		putchar('\n');
	/* a message we could not fully read is shown, but the exit says so */
	int rc = msg_flags(m) & MSG_F_PARSE_ERROR ? 1 : 0;
	if (rc)
		fprintf(stderr, "complaintctl: %s: not fully parsed (%s)\n", argv[0],
			msg_note_count(m) ? msg_note(m, 0) : "malformed");
	g_string_free(out, TRUE);
	msg_free(&m);
	g_bytes_unref(raw);
	return rc;
}

static int cmd_rules(struct ctl *ctl, int argc, char **argv)
{
	return rulesctl_main(ctl->config_file, ctl->json, argc, argv);
}

/* ---- show -------------------------------------------------------------- */

static int do_show(struct store *s, struct ctl *ctl)
{
	return casectl_show(s, ctl->arg, ctl->json, stdout, stderr);
}

static int cmd_show(struct ctl *ctl, int argc, char **argv)
{
	if (argc != 1 || (argv[0][0] == '-' && argv[0][1])) {
		fprintf(stderr, "complaintctl: show needs one complaint reference, as in "
			"'complaintctl show C-20260501-0007'\n");
		return 2;
	}
	ctl->arg = argv[0];
	return with_store(ctl, do_show);
}

/* ---- calendar ------------------------------------------------------------ */

/* How many days `calendar` and `calendar FROM` show: two weeks. */
#define CALENDAR_DEFAULT_DAYS 14

struct cal_args {
	const char *file;      /* --calendar FILE, or check FILE */
	const char *pos[3];
	int npos;
};

/* cal_parse_args - options may stand anywhere among the operands, as
 * "calendar check --calendar FILE" reads as naturally as the other order. */
static int cal_parse_args(int argc, char **argv, struct cal_args *a)
{
	bool rest = false;
	for (int i = 0; i < argc; i++) {
		const char *file = NULL;
		if (!rest && !strcmp(argv[i], "--")) {
			rest = true;
			continue;
		} else if (!rest && !strcmp(argv[i], "--calendar")) {
			if (i + 1 == argc) {
				fprintf(stderr, "complaintctl: calendar: --calendar needs a file\n");
				return -1;
			}
			file = argv[++i];
		} else if (!rest && g_str_has_prefix(argv[i], "--calendar=")) {
			file = argv[i] + strlen("--calendar=");
		} else if (!rest && argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "complaintctl: calendar: unknown option '%s'\n", argv[i]);
			return -1;
		} else if (a->npos < (int)G_N_ELEMENTS(a->pos)) {
			a->pos[a->npos++] = argv[i];
			continue;
		} else {
			fprintf(stderr, "complaintctl: calendar: too many arguments\n");
			return -1;
		}
		if (!*file || a->file) {
			fprintf(stderr, "complaintctl: calendar: %s\n", *file ? "--calendar given twice"
				: "--calendar needs a file");
			return -1;
		}
		a->file = file;
	}
	return 0;
}

/* cal_source - the file of the calendar in force: the one given, else the
 * configuration's [deadlines] calendar_file. *path NULL means the built-in
 * calendar (no file configured, or no configuration file at all: then a
 * note says so, since the administrator may have expected their file).
 * -1 when the configuration has errors (printed). */
static int cal_source(struct ctl *ctl, const char *file, char **path)
{
	*path = NULL;
	if (file) {
		*path = g_strdup(file);
		return 0;
	}
	if (!g_file_test(ctl->config_file, G_FILE_TEST_EXISTS)) {
		fprintf(stderr, "complaintctl: no configuration file %s: the built-in calendar "
			"(--calendar FILE names a file)\n", ctl->config_file);
		return 0;
	}
	struct config *cfg = load_config(ctl);
	if (!cfg)
		return -1;
	if (*cfg->calendar_file)
		*path = g_strdup(cfg->calendar_file);
	config_free(&cfg);
	return 0;
}

/* cal_load - path's calendar, or the built-in one for NULL; NULL with the
 * problems (FILE:LINE: ...) printed. */
static struct calendar *cal_load(const char *path)
{
	if (!path)
		return calendar_new_default();
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	struct calendar *c = calendar_load(path, errors);
	for (guint i = 0; i < errors->len; i++)
		fprintf(stderr, "%s\n", (const char *)errors->pdata[i]);
	g_ptr_array_unref(errors);
	return c;
}

/* two_digits - s starts with two ASCII digits; *v gets their value. */
static bool two_digits(const char *s, int *v)
{
	if (!g_ascii_isdigit(s[0]) || !g_ascii_isdigit(s[1]))
		return false;
	*v = (s[0] - '0') * 10 + (s[1] - '0');
	return true;
}

/* parse_datetime - strict "YYYY-MM-DD HH:MM[:SS]" ('T' may stand for the
 * blank) into year, month, day, hour, minute, second. */
static bool parse_datetime(const char *s, int f[6])
{
	char date[11];
	if (strlen(s) < 16)
		return false;
	memcpy(date, s, 10);
	date[10] = '\0';
	if (!calendar_parse_date(date, &f[0], &f[1], &f[2]) || (s[10] != ' ' && s[10] != 'T'))
		return false;
	const char *t = s + 11;
	f[5] = 0;
	if (!two_digits(t, &f[3]) || t[2] != ':' || !two_digits(t + 3, &f[4]))
		return false;
	t += 5;
	if (*t == ':') {
		if (!two_digits(t + 1, &f[5]))
			return false;
		t += 3;
	}
	return !*t && f[3] <= 23 && f[4] <= 59 && f[5] <= 59;
}

/* cal_instant - the unix time of wall-clock time f in the calendar's zone
 * (a time the zone skips or repeats as GLib resolves it). The calendar
 * hands out only the zone's name; the built-in calendar's is the local
 * zone's, which GLib may not find again by that name: then local it is. */
static int64_t cal_instant(const struct calendar *c, const int f[6])
{
	const char *id = calendar_timezone(c);
	GTimeZone *tz = g_ascii_strcasecmp(id, "local") ? g_time_zone_new_identifier(id) : NULL;
	if (!tz)
		tz = g_time_zone_new_local();
	GDateTime *dt = g_date_time_new(tz, f[0], f[1], f[2], f[3], f[4], f[5]);
	int64_t t = dt ? g_date_time_to_unix(dt) : clock_now();
	if (dt)
		g_date_time_unref(dt);
	g_time_zone_unref(tz);
	return t;
}

/* cal_range - FROM..TO, or the two weeks from FROM, or from today (in the
 * calendar's zone) when from is NULL. */
static int cal_range(const struct calendar *c, const char *from, const char *to, bool json)
{
	char from_buf[16], to_buf[16];
	int y, m, d;
	if (!from) {
		if (!calendar_local_date(c, clock_now(), &y, &m, &d)) {
			fprintf(stderr, "complaintctl: calendar: the clock is out of range\n");
			return 1;
		}
		g_snprintf(from_buf, sizeof from_buf, "%04d-%02d-%02d", y, m, d);
		from = from_buf;
	}
	if (!to && calendar_parse_date(from, &y, &m, &d)) {
		GDate day;
		g_date_clear(&day, 1);
		g_date_set_dmy(&day, (GDateDay)d, (GDateMonth)m, (GDateYear)y);
		g_date_add_days(&day, CALENDAR_DEFAULT_DAYS - 1);
		g_snprintf(to_buf, sizeof to_buf, "%04d-%02d-%02d", g_date_get_year(&day),
			   g_date_get_month(&day), g_date_get_day(&day));
		to = to_buf;
	}
	return calendarctl_range(c, from, to ? to : from, json, stdout, stderr);
}

static int cmd_calendar(struct ctl *ctl, int argc, char **argv)
{
	struct cal_args a = { 0 };
	if (cal_parse_args(argc, argv, &a) < 0)
		return 2;
	const char *cmd = a.npos ? a.pos[0] : NULL;
	bool check = cmd && !strcmp(cmd, "check");
	bool deadlines = cmd && !strcmp(cmd, "deadlines");
	int when[6];

	/* usage first, so that a mistyped command says so whatever the
	 * configuration holds */
	if (cmd && !check && !deadlines && !g_ascii_isdigit(cmd[0])) {
		fprintf(stderr, "complaintctl: calendar: unknown command '%s' (check, deadlines "
			"or a date YYYY-MM-DD)\n", cmd);
		return 2;
	}
	if ((check || deadlines) && ctl->json) {
		fprintf(stderr, "complaintctl: calendar %s has no --json form\n", cmd);
		return 2;
	}
	if (check && (a.npos > 2 || (a.npos == 2 && a.file))) {
		fprintf(stderr, "complaintctl: calendar check takes one file\n");
		return 2;
	}
	if (deadlines && a.npos > 1) {
		/* "deadlines 2026-09-30 17:00" without quotes is meant as one time */
		char *joined = a.npos == 3 ? g_strdup_printf("%s %s", a.pos[1], a.pos[2])
				     : g_strdup(a.pos[1]);
		bool ok = parse_datetime(joined, when);
		if (!ok)
			fprintf(stderr, "complaintctl: calendar deadlines: bad time '%s' "
				"(\"YYYY-MM-DD HH:MM\" in the calendar's time zone)\n", joined);
		g_free(joined);
		if (!ok)
			return 2;
	}
	if (!check && !deadlines && a.npos > 2) {
		fprintf(stderr, "complaintctl: calendar: FROM [TO], two dates at most\n");
		return 2;
	}
	for (int i = 0; !check && !deadlines && i < a.npos; i++) {
		int y, m, d;
		if (!calendar_parse_date(a.pos[i], &y, &m, &d)) {
			fprintf(stderr, "complaintctl: calendar: bad date '%s' (YYYY-MM-DD, "
				"years %d..%d)\n", a.pos[i], CALENDAR_YEAR_MIN, CALENDAR_YEAR_MAX);
			return 2;
		}
	}

	if (check && a.npos == 2)
		a.file = a.pos[1];
	char *path = NULL;
	if (cal_source(ctl, a.file, &path) < 0)
		return 1;
	int rc;
	if (check && path) {
		rc = calendarctl_check(path, stdout);
	} else if (check) {
		struct calendar *c = calendar_new_default();
		int start, end;
		calendar_hours(c, &start, &end);
		printf("no calendar file configured ([deadlines] calendar_file): the built-in "
		       "calendar, Monday to Friday, hours %02d:%02d-%02d:%02d, time zone %s\n",
		       start / 60, start % 60, end / 60, end % 60, calendar_timezone(c));
		calendar_free(&c);
		rc = 0;
	} else {
		struct calendar *c = cal_load(path);
		if (!c)
			rc = 1;
		else if (deadlines)
			rc = calendarctl_deadlines(c, a.npos > 1 ? cal_instant(c, when) : clock_now(),
						   stdout);
		else
			rc = cal_range(c, a.npos ? a.pos[0] : NULL, a.npos > 1 ? a.pos[1] : NULL,
				       ctl->json);
		calendar_free(&c);
	}
	g_free(path);
	return rc;
}

/* ---- list, search, export ------------------------------------------------ */

/* cmd_list - listctl reads its own options; it wants the command's name
 * as argv[0], which stands just before the arguments run gets. */
static int cmd_list(struct ctl *ctl, int argc, char **argv)
{
	return listctl_main(ctl->config_file, ctl->json, argc + 1, argv - 1);
}

/* ---- add ------------------------------------------------------------------ */

static int cmd_add(struct ctl *ctl, int argc, char **argv)
{
	return addctl_main(ctl->config_file, ctl->json, argc, argv);
}

/* ---- forget --------------------------------------------------------------- */

static int cmd_forget(struct ctl *ctl, int argc, char **argv)
{
	return forgetctl_main(ctl->config_file, ctl->json, argc, argv);
}

/* ---- report --------------------------------------------------------------- */

static int cmd_report(struct ctl *ctl, int argc, char **argv)
{
	return reportctl_main(ctl->config_file, ctl->json, argc, argv);
}

static const struct command commands[] = {
	{ "db", "migrate", "", "apply pending schema migrations", cmd_db_migrate },
	{ "db", "status", "", "show the schema version", cmd_db_status },
	{ "parse", NULL, "[--json] FILE|-", "show a mail as the daemon reads it", cmd_parse },
	{ "rules", NULL, "check [DIR]", "check rule files: file:line:column errors", cmd_rules },
	{ "rules", NULL, "test FILE.eml|FILE.json|-", "classify one message and explain why", cmd_rules },
	{ "rules", NULL, "eval [--fail-under C,S] DIR",
	  "precision/recall on labelled mails (X-Expected-*)", cmd_rules },
	{ "rules", NULL, "learn [--min-support N] [--max-rules N] DIR...",
	  "propose rules from labelled mails, cross-validated", cmd_rules },
	{ "rules", NULL, "corrections --export DIR",
	  "staff #category/#severity corrections as labelled mails", cmd_rules },
	{ "rules", NULL, "reclassify [--since DATE] [--dry-run]",
	  "apply the rules in force to open complaints", cmd_rules },
	{ "show", NULL, "[--json] REF", "everything about one complaint", cmd_show },
	{ "list", NULL, "[FILTER ...]", "complaints, newest first (--sort, --limit)", cmd_list },
	{ "search", NULL, "[FILTER ...] TEXT", "complaints whose subject or mail holds TEXT",
	  cmd_list },
	{ "export", NULL, "[FILTER ...]", "every column, CSV or JSON (--format, --output)",
	  cmd_list },
	{ "add", NULL, "--channel CH --taken-by STAFF --email ADDR|--phone NUM",
	  "record a complaint taken by phone, at a counter, ... (text: --text or stdin)",
	  cmd_add },
	{ "forget", NULL, "[--yes] ADDRESS|PHONE|REF", "erase a customer's personal data, keep "
	  "the figures", cmd_forget },
	{ "report", NULL, "[--day DATE | --week DATE]", "a day's or week's figures "
	  "(default: yesterday)", cmd_report },
	{ "report", NULL, "[--month YYYY-MM | --from DATE --to DATE]",
	  "a month's or any days' figures", cmd_report },
	{ "report", NULL, "... [--format FORMAT]", "text, csv, json or html "
	  "(--lang zh|en, --output FILE)", cmd_report },
	{ "calendar", NULL, "check [FILE]", "check the working-day calendar", cmd_calendar },
	{ "calendar", NULL, "[FROM [TO]]", "how each day counts (default: two weeks)",
	  cmd_calendar },
	{ "calendar", NULL, "deadlines [TIME]", "the deadlines of a complaint received then",
	  cmd_calendar },
};

static void options(FILE *f)
{
	fprintf(f, "\nglobal options:\n  -c, --config FILE   configuration (default %s)\n"
		"      --json          machine-readable output\n"
		"  -h, --help          usage (of the command it follows)\n"
		"      --version       the version\n", default_config());
}

/* usage - every command, so that a usage error shows what there is. */
static void usage(FILE *f)
{
	fprintf(f, "usage: complaintctl [-c FILE] [--json] COMMAND ...\n"
		"       complaintctl help [COMMAND] | COMMAND --help | --version\n\ncommands:\n");
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
		char *left = g_strdup_printf("%s%s%s %s", commands[i].name,
					     commands[i].sub ? " " : "",
					     commands[i].sub ? commands[i].sub : "", commands[i].args);
		fprintf(f, "  %-28s %s\n", left, commands[i].help);
		g_free(left);
	}
	options(f);
	fprintf(f, "\nexit status: 0 done, 1 the command failed, 2 usage error\n");
}

/* command_usage - the forms of the one command name, with what it does and
 * its own options: a usage error, or its --help, shows what was meant
 * without the whole list. */
static void command_usage(FILE *f, const char *name)
{
	if (!strcmp(name, "rules")) {
		rulesctl_usage(f);
	} else {
		bool first = true;
		for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
			const struct command *c = &commands[i];
			if (strcmp(name, c->name))
				continue;
			fprintf(f, "%s complaintctl [-c FILE] %s%s%s%s%s\n           %s\n",
				first ? "usage:" : "      ", c->name, c->sub ? " " : "",
				c->sub ? c->sub : "", *c->args ? " " : "", c->args, c->help);
			first = false;
		}
	}
	if (!strcmp(name, "list") || !strcmp(name, "search") || !strcmp(name, "export"))
		listctl_usage(f, name);
	if (!strcmp(name, "calendar"))
		fprintf(f, "\n  --calendar FILE      this calendar file, not the configured one\n");
	if (!strcmp(name, "add"))
		addctl_usage(f);
	options(f);
}

/* find_command - the first entry of name; NULL when there is none. */
static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
		if (!strcmp(name, commands[i].name))
			return &commands[i];
	return NULL;
}

/* wants_help - "--help" or "-h" among a command's arguments (not after
 * "--", where it is an operand such as a text to search for). */
static bool wants_help(int argc, char **argv)
{
	for (int i = 0; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return true;
	return false;
}

/* help - `complaintctl help [COMMAND]`: to stdout, 0; 2 for a command
 * there is not. */
static int help(int argc, char **argv)
{
	if (argc == 0) {
		usage(stdout);
		return 0;
	}
	if (argc > 1 || !find_command(argv[0])) {
		fprintf(stderr, "complaintctl: help: no command '%s'\n", argv[0]);
		usage(stderr);
		return 2;
	}
	command_usage(stdout, argv[0]);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl ctl = { .config_file = default_config() };
	int c;
	/* --json may come anywhere ("parse --json FILE" reads naturally); other
	 * options after the command belong to the command */
	int kept = 1;
	bool rest = false;
	for (int i = 1; i < argc; i++) {
		rest |= !strcmp(argv[i], "--");
		if (!rest && !strcmp(argv[i], "--json"))
			ctl.json = true;
		else
			argv[kept++] = argv[i];
	}
	argc = kept;
	while ((c = getopt_long(argc, argv, "+c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': ctl.config_file = optarg; break;
		case 'j': ctl.json = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': puts("complaintctl " COMPLAINTD_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[0], "help"))
		return help(argc - 1, argv + 1);
	/* before the command: its own parser may take --help for an unknown
	 * option, and a command with subcommands for a missing one */
	if (find_command(argv[0]) && wants_help(argc - 1, argv + 1)) {
		command_usage(stdout, argv[0]);
		return 0;
	}
	log_open("complaintctl", false, LOG_LVL_WARN);
	mime_init();
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
		const struct command *cmd = &commands[i];
		if (strcmp(argv[0], cmd->name))
			continue;
		if (cmd->sub && (argc < 2 || strcmp(argv[1], cmd->sub)))
			continue;
		int skip = cmd->sub ? 2 : 1;
		int rc = cmd->run(&ctl, argc - skip, argv + skip);
		if (rc == 2 && strcmp(cmd->name, "rules"))  /* rules says its own */
			command_usage(stderr, cmd->name);
		g_mime_shutdown();
		return rc;
	}
	if (find_command(argv[0])) {   /* "db frobnicate": db's forms */
		fprintf(stderr, "complaintctl: %s: unknown command '%s'\n", argv[0],
			argc > 1 ? argv[1] : "");
		command_usage(stderr, argv[0]);
	} else {
		fprintf(stderr, "complaintctl: unknown command '%s'\n", argv[0]);
		usage(stderr);
	}
	return 2;
}
