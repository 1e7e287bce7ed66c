/* complaintctl - the administrator's tool for complaintd.
 *
 *   complaintctl [-c FILE] db migrate      apply pending schema migrations
 *   complaintctl [-c FILE] db status       schema version in the database
 *   complaintctl parse [--json] FILE|-     show a mail as the daemon reads it
 *   complaintctl rules check|test|eval|reclassify ...   see rulesctl.h
 *
 * Exit status: 0 done, 1 the command failed, 2 usage error. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>

#include "config.h"
#include "daemon.h"
#include "log.h"
#include "message.h"
#include "mime.h"
#include <gmime/gmime.h>
#include "msgdump.h"
#include "rulesctl.h"
#include "store.h"

struct ctl {
	const char *config_file;
	bool json;
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

static const struct command commands[] = {
	{ "db", "migrate", "", "apply pending schema migrations", cmd_db_migrate },
	{ "db", "status", "", "show the schema version", cmd_db_status },
	{ "parse", NULL, "[--json] FILE|-", "show a mail as the daemon reads it", cmd_parse },
	{ "rules", NULL, "check [DIR]", "check rule files: file:line:column errors", cmd_rules },
	{ "rules", NULL, "test FILE.eml|FILE.json|-", "classify one message and explain why", cmd_rules },
	{ "rules", NULL, "eval DIR", "accuracy on labelled mails (X-Expected-*)", cmd_rules },
	{ "rules", NULL, "reclassify [--since DATE] [--dry-run]",
	  "apply the rules in force to open complaints", cmd_rules },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: complaintctl [-c FILE] [--json] COMMAND ...\n\ncommands:\n");
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
		char *left = g_strdup_printf("%s%s%s %s", commands[i].name,
					     commands[i].sub ? " " : "",
					     commands[i].sub ? commands[i].sub : "", commands[i].args);
		fprintf(f, "  %-28s %s\n", left, commands[i].help);
		g_free(left);
	}
	fprintf(f, "\noptions:\n  -c, --config FILE   configuration (default %s)\n"
		"      --json          machine-readable output\n", default_config());
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
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
		default: usage(stderr); return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return 2;
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
		if (rc == 2)
			usage(stderr);
		g_mime_shutdown();
		return rc;
	}
	fprintf(stderr, "complaintctl: unknown command '%s'\n", argv[0]);
	usage(stderr);
	return 2;
}
