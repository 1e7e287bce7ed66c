/* reportctl - `complaintctl report`: options into a period, the report from
 * the store, rendered to standard output or a file. See reportctl.h. */
#include "ctl/reportctl.h"

#include <stdio.h>
#include <string.h>
#include <glib.h>

#include "workflow/calendar.h"
#include "lib/clock.h"
#include "lib/config.h"
#include "daemon/daemon.h"
#include "workflow/report.h"
#include "store/store.h"

/* What the command line asks for; dates as parsed, instants come later
 * (they need the calendar's zone from the configuration). */
struct args {
	const char *kind;          /* "day", "week", "month", "range"; NULL = yesterday */
	int date[3];               /* --day, --week, --month (day 1), --from */
	int last[3];               /* --to */
	bool have_from, have_to;
	const char *format, *lang, *output;
};

static int usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "complaintctl: report: %s%s%s\n", what, arg ? " " : "", arg ? arg : "");
	return -1;
}

/* take_value - "--name VALUE" or "--name=VALUE"; NULL if argv[*i] is not
 * --name (*missing set when it is, but the value is missing). */
static const char *take_value(int argc, char **argv, int *i, const char *name,
			      bool *missing)
{
	size_t n = strlen(name);
	if (strncmp(argv[*i], name, n) || (argv[*i][n] != '=' && argv[*i][n] != '\0'))
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (*i + 1 < argc)
		return argv[++*i];
	*missing = true;
	return NULL;
}

/* parse_month - strict "YYYY-MM" as the date of its first day. */
static bool parse_month(const char *s, int date[3])
{
	char buf[11];
	if (strlen(s) != 7)
		return false;
	g_snprintf(buf, sizeof buf, "%s-01", s);
	return calendar_parse_date(buf, &date[0], &date[1], &date[2]);
}

/* The options, in the order of opt_names. */
enum opt { O_DAY, O_WEEK, O_MONTH, O_FROM, O_TO, O_FORMAT, O_LANG, O_OUTPUT, O_COUNT };
static const char *const opt_names[O_COUNT] = {
	"--day", "--week", "--month", "--from", "--to", "--format", "--lang", "--output",
};

/* set_period - --day, --week, --month or --from with its value. */
static int set_period(struct args *a, enum opt o, const char *v)
{
	static const char *const kinds[] = { "day", "week", "month", "range" };
	if (a->kind)
		return usage_error("give one period: --day, --week, --month or --from and --to",
				   NULL);
	a->kind = kinds[o];
	a->have_from = o == O_FROM;
	bool ok = o == O_MONTH ? parse_month(v, a->date)
		  : calendar_parse_date(v, &a->date[0], &a->date[1], &a->date[2]);
	if (!ok)
		return usage_error(o == O_MONTH ? "bad month (YYYY-MM):" : "bad date (YYYY-MM-DD):",
				   v);
	return 0;
}

/* take_option - option o with its value v. */
static int take_option(struct args *a, enum opt o, const char *v)
{
	switch (o) {
	case O_TO:
		if (a->have_to)
			return usage_error("--to given twice", NULL);
		if (!calendar_parse_date(v, &a->last[0], &a->last[1], &a->last[2]))
			return usage_error("bad date (YYYY-MM-DD):", v);
		a->have_to = true;
		return 0;
	case O_FORMAT: a->format = v; return 0;
	case O_LANG: a->lang = v; return 0;
	case O_OUTPUT: a->output = v; return 0;
	default: return set_period(a, o, v);
	}
}

/* parse_option - the option at argv[*i] (and its value): 1 taken, 0 not an
 * option of ours, -1 bad (message printed). */
static int parse_option(int argc, char **argv, int *i, struct args *a)
{
	for (int o = 0; o < O_COUNT; o++) {
		bool missing = false;
		const char *v = take_value(argc, argv, i, opt_names[o], &missing);
		if (missing)
			return usage_error(opt_names[o], "needs a value");
		if (v)
			return take_option(a, (enum opt)o, v) < 0 ? -1 : 1;
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct args *a)
{
	for (int i = 0; i < argc; i++) {
		int rc = parse_option(argc, argv, &i, a);
		if (rc < 0)
			return -1;
		if (rc == 0)
			return usage_error(argv[i][0] == '-' ? "unknown option" : "unexpected argument",
					   argv[i]);
	}
	if (a->have_from != a->have_to)
		return usage_error("--from and --to go together", NULL);
	return 0;
}

/* parse_format - *fmt from --format and the global --json. */
static int parse_format(const struct args *a, bool json, enum report_format *fmt)
{
	static const char *const names[] = { "text", "csv", "json", "html" };
	static const enum report_format fmts[] = { REPORT_TEXT, REPORT_CSV, REPORT_JSON,
						   REPORT_HTML };
	*fmt = json ? REPORT_JSON : REPORT_TEXT;
	if (!a->format)
		return 0;
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
		if (!strcmp(a->format, names[i])) {
			if (json && fmts[i] != REPORT_JSON)
				return usage_error("--json and --format", a->format);
			*fmt = fmts[i];
			return 0;
		}
	return usage_error("--format is text, csv, json or html, not", a->format);
}

/* date_start - local midnight of date (+ days) in the calendar's zone. */
static bool date_start(const struct calendar *cal, const int date[3], int days, int64_t *t)
{
	GDate g;
	g_date_clear(&g, 1);
	g_date_set_dmy(&g, (GDateDay)date[2], (GDateMonth)date[1], (GDateYear)date[0]);
	g_date_add_days(&g, (guint)days);
	return report_date_start(cal, g_date_get_year(&g), g_date_get_month(&g),
				 g_date_get_day(&g), t);
}

/* days_between - whole days from date a to date b (negative when b is
 * earlier). */
static long days_between(const int a[3], const int b[3])
{
	GDate x, y;
	g_date_clear(&x, 1);
	g_date_clear(&y, 1);
	g_date_set_dmy(&x, (GDateDay)a[2], (GDateMonth)a[1], (GDateYear)a[0]);
	g_date_set_dmy(&y, (GDateDay)b[2], (GDateMonth)b[1], (GDateYear)b[0]);
	return (long)g_date_get_julian(&y) - (long)g_date_get_julian(&x);
}

/* period - [*from, *to) of what a asks for: 0, or 2 (usage) / 1 (outside
 * what the calendar understands) with a message. */
static int period(const struct calendar *cal, const struct args *a, int64_t *from,
		  int64_t *to)
{
	bool ok;
	if (!a->kind) {
		ok = report_previous_period(cal, "day", clock_now(), from, to);
	} else if (!strcmp(a->kind, "range")) {
		long days = days_between(a->date, a->last) + 1;
		if (days < 1 || days > REPORT_MAX_DAYS) {
			fprintf(stderr, "complaintctl: report: --to must not come before --from, "
				"and a report covers at most %d days\n", REPORT_MAX_DAYS);
			return 2;
		}
		ok = date_start(cal, a->date, 0, from) && date_start(cal, a->date, (int)days, to);
	} else {
		int64_t t;
		ok = date_start(cal, a->date, 0, &t) && report_period(cal, a->kind, t, from, to);
	}
	if (!ok)
		fprintf(stderr, "complaintctl: report: that period lies outside the calendar's "
			"years\n");
	return ok ? 0 : 1;
}

static struct calendar *load_calendar(const struct config *cfg)
{
	if (!*cfg->calendar_file)
		return calendar_new_default();
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	struct calendar *c = calendar_load(cfg->calendar_file, errors);
	for (guint i = 0; i < errors->len; i++)
		fprintf(stderr, "%s\n", (const char *)errors->pdata[i]);
	g_ptr_array_unref(errors);
	return c;
}

/* write_out - the document to standard output or, whole, to path. */
static int write_out(const char *doc, const char *path)
{
	GError *e = NULL;
	if (path && !g_file_set_contents_full(path, doc, -1, G_FILE_SET_CONTENTS_CONSISTENT,
					      0600, &e)) {
		fprintf(stderr, "complaintctl: report: %s\n", e->message);
		g_error_free(e);
		return 1;
	}
	if (!path && (fputs(doc, stdout) == EOF || fflush(stdout) != 0)) {
		fprintf(stderr, "complaintctl: report: cannot write the output\n");
		return 1;
	}
	return 0;
}

/* run - the report of [from, to) from the configured store, written out. */
static int run(const struct config *cfg, const struct calendar *cal, int64_t from,
	       int64_t to, enum report_format fmt, const char *lang, const char *output)
{
	struct store *s = daemon_open_store(cfg, "complaintctl");
	if (!s)
		return 1;
	GError *e = NULL;
	struct report *r = report_build(s, cal, from, to, &e);
	store_close(&s);
	if (!r) {
		fprintf(stderr, "complaintctl: report: %s\n", e->message);
		g_error_free(e);
		return 1;
	}
	char *doc = report_render(r, fmt, lang);
	report_free(&r);
	int rc = write_out(doc, output);
	g_free(doc);
	return rc;
}

static struct config *load_config(const char *file)
{
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	struct config *cfg = config_load(file, errors);
	for (guint i = 0; i < errors->len; i++)
		fprintf(stderr, "%s\n", (const char *)errors->pdata[i]);
	g_ptr_array_unref(errors);
	return cfg;
}

int reportctl_main(const char *config_file, bool json, int argc, char **argv)
{
	struct args a = { 0 };
	enum report_format fmt;
	if (parse_args(argc, argv, &a) < 0 || parse_format(&a, json, &fmt) < 0)
		return 2;
	if (a.lang && strcmp(a.lang, "zh") && strcmp(a.lang, "en")) {
		usage_error("--lang is zh or en, not", a.lang);
		return 2;
	}
	struct config *cfg = load_config(config_file);
	if (!cfg)
		return 1;
	struct calendar *cal = load_calendar(cfg);
	int64_t from = 0, to = 0;
	int rc = cal ? period(cal, &a, &from, &to) : 1;
	if (rc == 0)
		rc = run(cfg, cal, from, to, fmt, a.lang ? a.lang : cfg->default_lang, a.output);
	calendar_free(&cal);
	config_free(&cfg);
	return rc;
}
