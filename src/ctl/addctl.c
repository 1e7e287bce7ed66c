/* addctl - complaintctl add: a complaint staff took down, into the
 * pipeline. See addctl.h. */
#include "ctl/addctl.h"

#include <string.h>
#include <glib.h>

#include "daemon/daemon.h"
#include "lib/clock.h"
#include "lib/config.h"
#include "lib/json.h"
#include "mail/message.h"
#include "workflow/channel.h"
#include "workflow/taken.h"

/* The options, each a field of the complaint (workflow/taken.h). */
static const struct {
	const char *name;
	enum taken_field field;
	const char *value, *help;
} opts[] = {
	{ "channel", TAKEN_CHANNEL, "CH", "phone, counter, wechat, letter or other (required)" },
	{ "taken-by", TAKEN_TAKEN_BY, "STAFF", "the staff address that took it (required; "
	  "[staff] addresses or domains)" },
	{ "email", TAKEN_EMAIL, "ADDR", "the customer's address (it gets the acknowledgement)" },
	{ "phone", TAKEN_PHONE, "NUM", "the customer's phone (email or phone: at least one)" },
	{ "name", TAKEN_NAME, "NAME", "the customer's name" },
	{ "subject", TAKEN_SUBJECT, "LINE", "one line; else the text's first line" },
	{ "text", TAKEN_TEXT, "TEXT", "what the customer said; else read from standard input" },
	{ "token", TAKEN_TOKEN, "TOKEN", "16-64 of A-Z a-z 0-9 - _: the same token again is "
	  "a duplicate" },
	{ "lang", TAKEN_LANG, "zh|en", "the customer's language; else guessed from the text" },
};

void addctl_usage(FILE *f)
{
	fprintf(f, "\noptions (\"--opt VALUE\" or \"--opt=VALUE\"):\n");
	for (size_t i = 0; i < G_N_ELEMENTS(opts); i++) {
		char *left = g_strdup_printf("--%s %s", opts[i].name, opts[i].value);
		fprintf(f, "  %-22s %s\n", left, opts[i].help);
		g_free(left);
	}
}

static int option_of(const char *name, size_t len)
{
	for (size_t i = 0; i < G_N_ELEMENTS(opts); i++)
		if (strlen(opts[i].name) == len && !strncmp(opts[i].name, name, len))
			return (int)i;
	return -1;
}

/* parse_args - every option into t; 2 on a usage error (said on stderr). */
static int parse_args(struct taken *t, int argc, char **argv, bool *has_text)
{
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (!g_str_has_prefix(a, "--") || !a[2]) {
			fprintf(stderr, "complaintctl: add: unexpected argument '%s' (the text "
				"goes in --text or on standard input)\n", a);
			return 2;
		}
		const char *eq = strchr(a, '=');
		size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
		int o = option_of(a + 2, len);
		if (o < 0) {
			fprintf(stderr, "complaintctl: add: unknown option '%s'\n", a);
			return 2;
		}
		const char *value = eq ? eq + 1 : i + 1 < argc ? argv[++i] : NULL;
		if (!value) {
			fprintf(stderr, "complaintctl: add: --%s needs a value\n", opts[o].name);
			return 2;
		}
		taken_set(t, opts[o].field, value, strlen(value));
		*has_text |= opts[o].field == TAKEN_TEXT;
	}
	return 0;
}

/* read_text - standard input, whole, as the text; a text beyond what the
 * field holds is read no further (the check then says it is too long). */
static int read_text(struct taken *t)
{
	size_t cap = (size_t)taken_field_max(TAKEN_TEXT) * 4 + 1;
	GString *buf = g_string_new(NULL);
	char chunk[65536];
	size_t n;
	while (buf->len < cap && (n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
		g_string_append_len(buf, chunk, (gssize)n);
	int rc = ferror(stdin) ? -1 : 0;
	if (rc)
		fprintf(stderr, "complaintctl: add: cannot read standard input\n");
	else
		taken_set(t, TAKEN_TEXT, buf->str, buf->len);
	g_string_free(buf, TRUE);
	return rc;
}

static int report_errors(const struct taken *t)
{
	for (unsigned i = 0; i < taken_error_count(t); i++) {
		const char *key, *code;
		taken_error_at(t, i, &key, &code);
		char *opt = g_strdelimit(g_strdup(key), "_", '-');
		fprintf(stderr, "complaintctl: add: --%s %s\n", opt, taken_error_text(code));
		g_free(opt);
	}
	return 2;
}

static void print_receipt(const struct channel_receipt *r, bool dup, bool json)
{
	if (!json) {
		printf("%s %s%s%s\n", r->ref, dup ? "duplicate" : "new",
		       *r->answer_by ? ", answer by " : "", r->answer_by);
		return;
	}
	GString *out = g_string_new(NULL);
	struct json *j = json_new(out);
	json_object_begin(j);
	json_kv_string(j, "ref", r->ref);
	json_kv_string(j, "status", dup ? "duplicate" : "new");
	if (*r->answer_by)
		json_kv_string(j, "answer_by", r->answer_by);
	json_object_end(j);
	json_free(&j);
	puts(out->str);
	g_string_free(out, TRUE);
}

/* submit - m through the daemon's pipeline on a connection of our own. */
static int submit(struct daemon *d, struct message *m, int64_t now, bool json)
{
	struct channel *ch = channel_new(&d->env, &d->db);
	struct channel_receipt r;
	char *why = NULL;
	enum channel_outcome out = channel_submit(ch, m, now, &r, &why);
	int rc = 0;
	if (out == CHANNEL_NEW || out == CHANNEL_DUPLICATE) {
		print_receipt(&r, out == CHANNEL_DUPLICATE, json);
	} else {
		fprintf(stderr, "complaintctl: add: not recorded: %s\n", why ? why : "?");
		rc = 1;
	}
	g_free(why);
	channel_free(&ch);
	return rc;
}

/* checked - the configuration alone (cheap), and t checked against it:
 * a usage error answers before the rules are compiled. 0, 1 or 2. */
static int checked(const char *config_file, struct taken *t)
{
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	struct config *cfg = config_load(config_file, errors);
	for (unsigned i = 0; i < errors->len; i++)
		fprintf(stderr, "%s\n", (char *)g_ptr_array_index(errors, i));
	g_ptr_array_unref(errors);
	int rc = !cfg ? 1 : taken_validate(t, cfg, NULL) ? report_errors(t) : 0;
	config_free(&cfg);
	return rc;
}

int addctl_main(const char *config_file, bool json, int argc, char **argv)
{
	struct taken *t = taken_new();
	bool has_text = false;
	int rc = parse_args(t, argc, argv, &has_text);
	if (rc == 0 && !has_text && read_text(t) < 0)
		rc = 1;
	if (rc == 0)
		rc = checked(config_file, t);
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	GPtrArray *warnings = g_ptr_array_new_with_free_func(g_free);
	struct daemon *d = rc ? NULL : daemon_load(config_file, errors, warnings);
	for (unsigned i = 0; i < errors->len; i++)
		fprintf(stderr, "%s\n", (char *)g_ptr_array_index(errors, i));
	if (rc == 0 && !d)
		rc = 1;
	/* again against the daemon's own copy: the values taken_to_message
	 * reads are those of this validation */
	if (rc == 0 && taken_validate(t, d->cfg, NULL))
		rc = report_errors(t);
	if (rc == 0) {
		int64_t now = clock_now();
		const char *at = strrchr(d->cfg->company_from, '@');
		struct message *m = taken_to_message(t, "ctl", at ? at + 1 : NULL, now);
		rc = submit(d, m, now, json);
		msg_free(&m);
	}
	daemon_free(&d);
	g_ptr_array_unref(errors);
	g_ptr_array_unref(warnings);
	taken_free(&t);
	return rc;
}
