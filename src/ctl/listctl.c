/* listctl - complaintctl list, search and export: reads the command line
 * into a store_list_filter, asks store_list for the rows and lays them
 * out as terminal lines, JSON or CSV. See listctl.h. */
#include "ctl/listctl.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "ctl/ctljson.h"
#include "workflow/calendar.h"
#include "lib/clock.h"
#include "lib/config.h"
#include "daemon/daemon.h"
#include "lib/json.h"
#include "lib/termtext.h"
#include "mail/message.h"
#include "workflow/taken.h"

static const char *const command_names[] = {
	[LISTCTL_LIST] = "list", [LISTCTL_SEARCH] = "search", [LISTCTL_EXPORT] = "export",
};

/* ---- the command line ----------------------------------------------------- */

enum opt_id {
	OPT_REF, OPT_CUSTOMER, OPT_PHONE, OPT_STATUS, OPT_CATEGORY, OPT_CHANNEL, OPT_SEVERITY,
	OPT_DEPARTMENT,
	OPT_FROM, OPT_TO, OPT_OVERDUE, OPT_LIMIT, OPT_SORT, OPT_FORMAT, OPT_BOM,
	OPT_OUTPUT, OPT_NO_PII, OPT_PRODUCT, OPT_ORDER, OPT_COUNT
};

struct opt {
	const char *name;
	bool takes_value;
	bool export_only;
	bool repeatable;             /* --status: each adds to the set */
	const char *value, *help;    /* for listctl_usage; value NULL: takes none */
};

static const struct opt opts[OPT_COUNT] = {
	[OPT_REF] = { "ref", true, false, false, "REF",
		      "that reference; a '*' at its start or end matches anything" },
	[OPT_CUSTOMER] = { "customer", true, false, false, "ADDR",
			   "the customer's address, any case; '*' at its start or end" },
	[OPT_PHONE] = { "phone", true, false, false, "NUM",
			"the customer's phone, however written (+86 139-... finds +86139...)" },
	[OPT_STATUS] = { "status", true, false, true, "S,...",
			 "new, acknowledged, in_progress, resolved, closed, reopened, open" },
	[OPT_CATEGORY] = { "category", true, false, false, "C",
			   "quality, service, price, infringement or other" },
	[OPT_CHANNEL] = { "channel", true, false, false, "CH",
			  "email, web, phone, counter, wechat, letter or other" },
	[OPT_SEVERITY] = { "severity", true, false, false, "A|B|C", "that severity" },
	[OPT_DEPARTMENT] = { "department", true, false, false, "ADDR", "routed there" },
	[OPT_FROM] = { "from", true, false, false, "DATE",
		       "created on or after that day (YYYY-MM-DD, local time)" },
	[OPT_TO] = { "to", true, false, false, "DATE", "created on or before that day" },
	[OPT_OVERDUE] = { "overdue", false, false, false, NULL,
			  "open with a deadline passed without its step" },
	[OPT_LIMIT] = { "limit", true, false, false, "N",
			"at most N (list, search: 50 unless told; 0: no limit)" },
	[OPT_SORT] = { "sort", true, false, false, "ORDER",
		       "created (default) or updated, newest first, or severity" },
	[OPT_FORMAT] = { "format", true, true, false, "csv|json", "the output's form (csv)" },
	[OPT_BOM] = { "bom", false, true, false, NULL,
		      "start the CSV with a byte order mark (Excel)" },
	[OPT_OUTPUT] = { "output", true, true, false, "FILE",
			 "write FILE whole (mode 600) instead of standard output" },
	[OPT_NO_PII] = { "no-pii", false, false, false, NULL,
			  "leave out the customer and the subject (anonymous columns only)" },
	[OPT_PRODUCT] = { "product", true, false, false, "TEXT",
			  "the product/model fact contains TEXT, any case" },
	[OPT_ORDER] = { "order", true, false, false, "NO",
			"that order number; '*' at its start or end matches anything" },
};

void listctl_usage(FILE *f, const char *cmd)
{
	bool export = !g_strcmp0(cmd, "export");
	if (!g_strcmp0(cmd, "search"))
		fprintf(f, "\nTEXT: a part of the subject or of a mail's text (\"--\" before it\n"
			"      when it starts with '-')\n");
	fprintf(f, "\nfilters (all given must hold; \"--opt VALUE\" or \"--opt=VALUE\"):\n");
	for (int k = 0; k < OPT_COUNT; k++) {
		if (opts[k].export_only && !export)
			continue;
		char *left = g_strdup_printf("--%s%s%s", opts[k].name, opts[k].value ? " " : "",
					     opts[k].value ? opts[k].value : "");
		fprintf(f, "  %-22s %s\n", left, opts[k].help ? opts[k].help : "");
		g_free(left);
	}
}

/* What the loop over argv collects before it is checked as a whole. */
struct parse {
	struct listctl_args *a;
	const char *cmd;
	FILE *err;
	const char *value[OPT_COUNT];    /* the (last) value of each option given */
	bool given[OPT_COUNT];
	const char *text;                /* search's operand */
	int operands;
};

static int usage_error(struct parse *p, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static int usage_error(struct parse *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	fprintf(p->err, "complaintctl: %s: %s\n", p->cmd, msg);
	g_free(msg);
	return 2;
}

/* unknown_option - and what there is, since complaintctl's usage lists
 * the commands but not their filters. */
static int unknown_option(struct parse *p, const char *arg)
{
	return usage_error(p, "unknown option '%s' (filters: --ref, --customer, --phone, "
			   "--status, --category, --channel, --severity, --department, --from, --to, "
			   "--overdue, --product, --order; "
			   "--sort, --limit, --no-pii%s; see complaintctl(8))", arg,
			   p->a->command == LISTCTL_EXPORT ? ", --format, --bom, --output" : "");
}

static char *own(struct listctl_args *a, char *s)
{
	g_ptr_array_add(a->owned, s);
	return s;
}

/* star_match - a value with '*' at its start and/or end as the text
 * between and how it matches; a '*' inside is a plain character
 * (addresses may hold one). NULL when nothing is left between. */
static const char *star_match(struct listctl_args *a, const char *v, enum store_match *how)
{
	size_t len = strlen(v);
	bool lead = len > 0 && v[0] == '*';
	bool trail = len > (size_t)lead && v[len - 1] == '*';
	size_t n = len - lead - trail;
	if (n == 0)
		return NULL;
	*how = lead && trail ? STORE_MATCH_CONTAINS : lead ? STORE_MATCH_SUFFIX
		: trail ? STORE_MATCH_PREFIX : STORE_MATCH_EXACT;
	return lead || trail ? own(a, g_strndup(v + lead, n)) : v;
}

/* parse_statuses - "new,acknowledged" or "open" into the filter's set;
 * case does not matter, as for the other filters. */
static int parse_statuses(struct parse *p, const char *v)
{
	char **names = g_strsplit(v, ",", -1);
	int rc = 0;
	for (char **n = names; *n && rc == 0; n++) {
		char *name = g_strstrip(*n);
		for (char *c = name; *c; c++)
			*c = g_ascii_tolower(*c);
		enum store_status st;
		if (!strcmp(name, "open"))
			p->a->filter.statuses |= STORE_STATUS_OPEN_SET;
		else if (store_status_parse(name, &st))
			p->a->filter.statuses |= 1u << st;
		else
			rc = usage_error(p, "--status: unknown status '%s' (new, acknowledged, "
					 "in_progress, resolved, closed, reopened, or open)", name);
	}
	if (rc == 0 && !names[0])
		rc = usage_error(p, "--status needs a status");
	g_strfreev(names);
	return rc;
}

/* local_midnight - the unix time day y-m-d begins in the local zone (where
 * a zone skips midnight, the first time the day has, as GLib finds it). */
static int64_t local_midnight(int y, int m, int d)
{
	GDateTime *dt = g_date_time_new_local(y, m, d, 0, 0, 0);
	int64_t t = dt ? g_date_time_to_unix(dt) : 0;
	if (dt)
		g_date_time_unref(dt);
	return t;
}

/* parse_dates - --from and --to into created_from and created_before (the
 * day after --to: it is inclusive). */
static int parse_dates(struct parse *p)
{
	int ymd[2][3];
	for (int i = 0; i < 2; i++) {
		const char *v = p->value[i ? OPT_TO : OPT_FROM];
		if (v && !calendar_parse_date(v, &ymd[i][0], &ymd[i][1], &ymd[i][2]))
			return usage_error(p, "--%s: bad date '%s' (YYYY-MM-DD, years %d..%d)",
					   i ? "to" : "from", v, CALENDAR_YEAR_MIN,
					   CALENDAR_YEAR_MAX);
	}
	if (p->value[OPT_FROM] && p->value[OPT_TO] &&
	    strcmp(p->value[OPT_FROM], p->value[OPT_TO]) > 0)
		return usage_error(p, "--from %s comes after --to %s", p->value[OPT_FROM],
				   p->value[OPT_TO]);
	if (p->value[OPT_FROM])
		p->a->filter.created_from = local_midnight(ymd[0][0], ymd[0][1], ymd[0][2]);
	if (p->value[OPT_TO]) {
		GDate day;
		g_date_clear(&day, 1);
		g_date_set_dmy(&day, (GDateDay)ymd[1][2], (GDateMonth)ymd[1][1],
			       (GDateYear)ymd[1][0]);
		g_date_add_days(&day, 1);
		p->a->filter.created_before = local_midnight(g_date_get_year(&day),
							     g_date_get_month(&day),
							     g_date_get_day(&day));
	}
	return 0;
}

/* take_option - argv[*i] is "--name" or "--name=value"; record it. */
static int take_option(struct parse *p, int argc, char **argv, int *i)
{
	const char *arg = argv[*i] + 2;
	const char *eq = strchr(arg, '=');
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
	int id = -1;
	for (int k = 0; k < OPT_COUNT; k++)
		if (strlen(opts[k].name) == len && !strncmp(arg, opts[k].name, len))
			id = k;
	if (id < 0)
		return unknown_option(p, argv[*i]);
	const struct opt *o = &opts[id];
	if (o->export_only && p->a->command != LISTCTL_EXPORT)
		return usage_error(p, "--%s is an option of export", o->name);
	const char *value = NULL;
	if (o->takes_value) {
		if (eq)
			value = eq + 1;
		else if (*i + 1 < argc)
			value = argv[++*i];
		if (!value || !*value)
			return usage_error(p, "--%s needs a value", o->name);
		if (!g_utf8_validate(value, -1, NULL))
			return usage_error(p, "--%s: not valid UTF-8", o->name);
	} else if (eq) {
		return usage_error(p, "--%s takes no value", o->name);
	}
	if (p->given[id] && !o->repeatable)
		return usage_error(p, "--%s given twice", o->name);
	p->given[id] = true;
	p->value[id] = value;
	return id == OPT_STATUS ? parse_statuses(p, value) : 0;
}

static int check_values(struct parse *p)
{
	struct listctl_args *a = p->a;
	struct store_list_filter *f = &a->filter;
	const char *v;
	if ((v = p->value[OPT_REF]) && !(f->ref = star_match(a, v, &f->ref_match)))
		return usage_error(p, "--ref needs a reference, or its start before '*'");
	if ((v = p->value[OPT_CUSTOMER]) &&
	    !(f->customer = star_match(a, v, &f->customer_match)))
		return usage_error(p, "--customer needs an address, or part of one between '*'");
	if ((v = p->value[OPT_ORDER]) && !(f->order = star_match(a, v, &f->order_match)))
		return usage_error(p, "--order needs an order number, or part of one between '*'");
	if ((v = p->value[OPT_PRODUCT])) {
		/* a model is often written inside a longer name ("XQ7-200 kettle") */
		f->product = v;
		f->product_match = STORE_MATCH_CONTAINS;
	}
	f->category = p->value[OPT_CATEGORY];
	f->department = p->value[OPT_DEPARTMENT];
	enum msg_channel channel;
	if ((v = p->value[OPT_CHANNEL]) && !msg_channel_parse(v, &channel))
		return usage_error(p, "--channel: '%s' is not email, web, phone, counter, wechat, "
				   "letter or other", v);
	f->channel = v;
	if ((v = p->value[OPT_PHONE]) && !(f->phone = own(a, taken_phone_normal(v))))
		return usage_error(p, "--phone: '%s' is not a phone number", v);
	if ((v = p->value[OPT_SEVERITY])) {
		if (strlen(v) != 1 || !strchr("ABCabc", v[0]))
			return usage_error(p, "--severity: '%s' is not A, B or C", v);
		f->severity = g_ascii_toupper(v[0]);
	}
	if (parse_dates(p))
		return 2;
	f->overdue = p->given[OPT_OVERDUE];
	a->no_pii = p->given[OPT_NO_PII];
	f->limit = a->command == LISTCTL_EXPORT ? 0 : LISTCTL_DEFAULT_LIMIT;
	if ((v = p->value[OPT_LIMIT])) {
		guint64 n;
		if (!g_ascii_string_to_unsigned(v, 10, 0, G_MAXUINT32, &n, NULL))
			return usage_error(p, "--limit: '%s' is not a number of complaints "
					   "(0 = no limit)", v);
		f->limit = n;
	}
	if ((v = p->value[OPT_SORT])) {
		static const char *const sorts[] = {
			[STORE_SORT_CREATED] = "created", [STORE_SORT_UPDATED] = "updated",
			[STORE_SORT_SEVERITY] = "severity",
		};
		int found = -1;
		for (unsigned k = 0; k < G_N_ELEMENTS(sorts); k++)
			if (!strcmp(v, sorts[k]))
				found = (int)k;
		if (found < 0)
			return usage_error(p, "--sort: unknown order '%s' (created, updated or "
					   "severity)", v);
		f->sort = (enum store_list_sort)found;
	}
	return 0;
}

/* check_format - list and search: text or --json; export: --format, which
 * --json may stand for. */
static int check_format(struct parse *p, bool json)
{
	struct listctl_args *a = p->a;
	const char *v = p->value[OPT_FORMAT];
	if (a->command != LISTCTL_EXPORT) {
		a->format = json ? LISTCTL_JSON : LISTCTL_TEXT;
		return 0;
	}
	if (v && strcmp(v, "csv") && strcmp(v, "json"))
		return usage_error(p, "--format: unknown format '%s' (csv or json)", v);
	if (v && json && strcmp(v, "json"))
		return usage_error(p, "--json and --format %s disagree", v);
	a->format = (v && !strcmp(v, "json")) || (!v && json) ? LISTCTL_JSON : LISTCTL_CSV;
	a->bom = p->given[OPT_BOM];
	if (a->bom && a->format != LISTCTL_CSV)
		return usage_error(p, "--bom is for CSV (--format csv)");
	a->output = p->value[OPT_OUTPUT];
	return 0;
}

static int check_operands(struct parse *p, char **argv, int first)
{
	struct listctl_args *a = p->a;
	if (a->command == LISTCTL_SEARCH) {
		if (p->operands == 0)
			return usage_error(p, "needs the text to look for, as in "
					   "'complaintctl search 漏水'");
		if (p->operands > 1)
			return usage_error(p, "looks for one text; quote a text with blanks, "
					   "as in 'complaintctl search \"not working\"'");
		if (!*p->text)
			return usage_error(p, "the text to look for is empty");
		if (!g_utf8_validate(p->text, -1, NULL))
			return usage_error(p, "the text to look for is not valid UTF-8");
		a->filter.text = p->text;
	} else if (p->operands) {
		return usage_error(p, "unexpected argument '%s'%s", argv[first],
				   a->command == LISTCTL_LIST ? " (to look for text: complaintctl "
				   "search TEXT)" : "");
	}
	return 0;
}

int listctl_parse(int argc, char **argv, bool json, int64_t now, struct listctl_args *a,
		  FILE *err)
{
	*a = (struct listctl_args){ .owned = g_ptr_array_new_with_free_func(g_free) };
	struct parse p = { .a = a, .cmd = argc > 0 ? argv[0] : "list", .err = err };
	int cmd = -1;
	for (unsigned k = 0; argc > 0 && k < G_N_ELEMENTS(command_names); k++)
		if (!strcmp(argv[0], command_names[k]))
			cmd = (int)k;
	if (cmd < 0)
		return usage_error(&p, "not a command of listctl");
	a->command = (enum listctl_command)cmd;
	a->filter.now = now;
	bool rest = false;
	int first = 0;
	for (int i = 1; i < argc; i++) {
		if (!rest && !strcmp(argv[i], "--")) {
			rest = true;
		} else if (!rest && argv[i][0] == '-' && argv[i][1] == '-') {
			if (take_option(&p, argc, argv, &i))
				return 2;
		} else if (!rest && argv[i][0] == '-' && argv[i][1]) {
			return unknown_option(&p, argv[i]);
		} else {
			if (!p.operands++) {
				first = i;
				p.text = argv[i];
			}
		}
	}
	if (check_operands(&p, argv, first) || check_values(&p) || check_format(&p, json))
		return 2;
	return 0;
}

void listctl_args_clear(struct listctl_args *a)
{
	if (a->owned)
		g_ptr_array_unref(a->owned);
	a->owned = NULL;
}

/* ---- list and search: text ------------------------------------------------------ */

/* The columns of a line. Reference, date, status and severity are never
 * cut (they are what one copies, greps for and filters by); when a line
 * would not fit, a long category is cut first, then the customer's
 * address gets at most two fifths of what is left and the subject, which
 * says most about a complaint, the rest. */
enum { COL_REF, COL_DATE, COL_STATUS, COL_SEVERITY, COL_CATEGORY, COL_PRODUCT,
       COL_ORDER, COL_CUSTOMER, COL_SUBJECT, NCOLS };
#define CATEGORY_TIGHT 8
#define FACT_TIGHT 10
#define CUSTOMER_MIN 8
#define SUBJECT_MIN 6
/* Blanks between columns: one, so that the subject keeps some room next
 * to a reference, a date and "acknowledged". */
#define GAP 1

static const char *or_dash(const char *v)
{
	return v && *v ? v : "-";
}

static void text_cells(const struct store_list_item *it, bool no_pii, char **cells)
{
	char sev[2] = { it->severity, 0 };
	char *date = ctljson_local_time(it->created_at, "%Y-%m-%d");
	cells[COL_REF] = g_strdup(or_dash(it->ref));
	cells[COL_DATE] = g_strdup(or_dash(date));
	cells[COL_STATUS] = g_strdup(or_dash(it->status));
	cells[COL_SEVERITY] = g_strdup(sev);
	cells[COL_CATEGORY] = g_strdup(or_dash(it->category));
	cells[COL_PRODUCT] = g_strdup(or_dash(it->product));
	if (no_pii) {
		/* the subject is the customer's own words: it goes too, and the
		 * order number names the buyer to whoever has the shop's books */
		cells[COL_ORDER] = g_strdup("-");
		cells[COL_CUSTOMER] = g_strdup("-");
		cells[COL_SUBJECT] = g_strdup("");
	} else {
		cells[COL_ORDER] = g_strdup(or_dash(it->order_no));
		/* whoever has no address is reached by phone (complaintctl add) */
		cells[COL_CUSTOMER] = g_strdup(or_dash(*it->customer_addr ? it->customer_addr
						       : *it->customer_phone ? it->customer_phone
						       : it->customer_name));
		cells[COL_SUBJECT] = g_strdup(or_dash(it->subject));
	}
	g_free(date);
}

/* text_shown - which columns a list shows: the facts' only when some
 * complaint listed has one (most mail names no model or order, and a
 * column of dashes would take the subject's room). */
static void text_shown(char ***rows, guint n, bool *shown)
{
	for (unsigned c = 0; c < NCOLS; c++)
		shown[c] = c != COL_PRODUCT && c != COL_ORDER;
	for (guint r = 0; r < n; r++)
		for (unsigned c = COL_PRODUCT; c <= COL_ORDER; c++)
			shown[c] = shown[c] || strcmp(rows[r][c], "-") != 0;
}

/* text_widths - each shown column as wide as its widest cell (a hidden
 * one 0), then category, product, order, customer and subject narrowed
 * (as above) until a line fits. */
static void text_widths(char ***rows, guint n, const bool *shown, unsigned *w)
{
	memset(w, 0, NCOLS * sizeof *w);
	unsigned gaps = 0;
	for (unsigned c = 0; c < NCOLS; c++) {
		gaps += shown[c] && c > 0;
		for (guint r = 0; shown[c] && r < n; r++)
			w[c] = MAX(w[c], termtext_width(rows[r][c]));
	}
	unsigned fixed = GAP * gaps + w[COL_REF] + w[COL_DATE] + w[COL_STATUS] +
			 w[COL_SEVERITY];
	unsigned avail = fixed < LISTCTL_COLUMNS ? LISTCTL_COLUMNS - fixed : 0;
	unsigned category = w[COL_CATEGORY], product = w[COL_PRODUCT];
	if (category + product + w[COL_ORDER] + w[COL_CUSTOMER] + w[COL_SUBJECT] <= avail)
		return;
	w[COL_CATEGORY] = MIN(category, CATEGORY_TIGHT);
	/* the facts take what the address and subject at their least leave */
	unsigned base = w[COL_CATEGORY] + CUSTOMER_MIN + SUBJECT_MIN;
	unsigned budget = MIN(avail > base ? avail - base : 0, 2 * FACT_TIGHT);
	w[COL_ORDER] = MIN(w[COL_ORDER], budget / 2);
	w[COL_PRODUCT] = MIN(product, budget - w[COL_ORDER]);
	unsigned tight = w[COL_CATEGORY] + w[COL_PRODUCT] + w[COL_ORDER];
	unsigned rest = avail > tight ? avail - tight : 0;
	/* a short subject leaves the address more */
	unsigned customer = MAX(rest * 2 / 5, CUSTOMER_MIN);
	if (rest > w[COL_SUBJECT])
		customer = MAX(customer, rest - w[COL_SUBJECT]);
	w[COL_CUSTOMER] = MIN(w[COL_CUSTOMER], customer);
	unsigned subject = rest > w[COL_CUSTOMER] + SUBJECT_MIN ? rest - w[COL_CUSTOMER]
			   : SUBJECT_MIN;
	w[COL_SUBJECT] = MIN(w[COL_SUBJECT], subject);
	/* what the others left goes back to the category, then the product */
	unsigned used = w[COL_CUSTOMER] + w[COL_SUBJECT] + tight;
	if (avail > used) {
		unsigned more = MIN(category - w[COL_CATEGORY], avail - used);
		w[COL_CATEGORY] += more;
		used += more;
	}
	if (avail > used)
		w[COL_PRODUCT] += MIN(product - w[COL_PRODUCT], avail - used);
}

static void text_list(const GPtrArray *items, bool no_pii, bool more, uint64_t limit,
		      GString *out)
{
	char ***rows = g_new0(char **, items->len + 1);
	for (guint r = 0; r < items->len; r++) {
		rows[r] = g_new0(char *, NCOLS + 1);
		text_cells(items->pdata[r], no_pii, rows[r]);
	}
	unsigned w[NCOLS];
	bool shown[NCOLS];
	text_shown(rows, items->len, shown);
	text_widths(rows, items->len, shown, w);
	for (guint r = 0; r < items->len; r++) {
		unsigned pos = 0;
		for (unsigned c = 0; c < NCOLS; c++) {
			if (!shown[c])
				continue;
			/* the subject, last, is not padded and may take what is left */
			bool last = c == NCOLS - 1;
			unsigned room = last && pos < LISTCTL_COLUMNS
					? MAX(w[c], LISTCTL_COLUMNS - pos) : w[c];
			unsigned used = termtext_cut(out, rows[r][c], room);
			if (!last)
				g_string_append_printf(out, "%*s", (int)(w[c] - used + GAP), "");
			pos += w[c] + GAP;
		}
		g_string_append_c(out, '\n');
		g_strfreev(rows[r]);
	}
	g_free(rows);
	g_string_append_printf(out, "%u complaint%s", items->len, items->len == 1 ? "" : "s");
	if (more)
		g_string_append_printf(out, " shown; more match (--limit %llu)",
				       (unsigned long long)limit);
	g_string_append_c(out, '\n');
}

/* ---- list and search: JSON ---------------------------------------------------- */

static void json_list(const GPtrArray *items, bool no_pii, GString *out)
{
	struct json *j = json_new(out);
	json_array_begin(j);
	for (guint i = 0; i < items->len; i++) {
		const struct store_list_item *it = items->pdata[i];
		char sev[2] = { it->severity, 0 };
		json_object_begin(j);
		json_kv_string(j, "ref", it->ref);
		ctljson_kv_text(j, "status", it->status);
		ctljson_kv_text(j, "category", it->category);
		ctljson_kv_text(j, "severity", sev);
		ctljson_kv_text(j, "channel", it->channel);
		ctljson_kv_text(j, "taken_by", it->taken_by);
		ctljson_kv_text(j, "department", it->department);
		ctljson_kv_text(j, "assignee", it->assignee);
		ctljson_kv_text(j, "product", it->product);
		if (!no_pii) {
			ctljson_kv_text(j, "order_no", it->order_no);
			json_key(j, "customer");
			json_object_begin(j);
			ctljson_kv_text(j, "name", it->customer_name);
			ctljson_kv_text(j, "addr", it->customer_addr);
			ctljson_kv_text(j, "phone", it->customer_phone);
			json_object_end(j);
			ctljson_kv_text(j, "subject", it->subject);
		}
		ctljson_kv_time(j, "created", it->created_at);
		ctljson_kv_time(j, "updated", it->updated_at);
		json_object_end(j);
	}
	json_array_end(j);
	json_free(&j);
	g_string_append_c(out, '\n');
}

static int write_out(const char *cmd, const GString *doc, FILE *out, FILE *err)
{
	fwrite(doc->str, 1, doc->len, out);
	if (fflush(out) != 0 || ferror(out)) {
		fprintf(err, "complaintctl: %s: cannot write the output: %s\n", cmd,
			g_strerror(errno));
		return 1;
	}
	return 0;
}

int listctl_list(struct store *s, const struct listctl_args *a, FILE *out, FILE *err)
{
	const char *cmd = command_names[a->command];
	/* one more than shown tells whether more match, without counting them */
	struct store_list_filter f = a->filter;
	if (f.limit)
		f.limit++;
	GPtrArray *items = g_ptr_array_new_with_free_func((GDestroyNotify)store_list_item_free);
	GError *e = NULL;
	if (store_list(s, &f, items, &e) < 0) {
		fprintf(err, "complaintctl: %s: %s\n", cmd, e ? e->message : "failed");
		g_clear_error(&e);
		g_ptr_array_unref(items);
		return 1;
	}
	bool more = a->filter.limit && items->len > a->filter.limit;
	if (more)
		g_ptr_array_set_size(items, (guint)a->filter.limit);
	GString *doc = g_string_new(NULL);
	if (a->format == LISTCTL_JSON) {
		json_list(items, a->no_pii, doc);
		if (more)
			fprintf(err, "complaintctl: %s: more complaints match than --limit %llu "
				"shows\n", cmd, (unsigned long long)a->filter.limit);
	} else {
		text_list(items, a->no_pii, more, a->filter.limit, doc);
	}
	g_ptr_array_unref(items);
	int rc = write_out(cmd, doc, out, err);
	g_string_free(doc, TRUE);
	return rc;
}

/* ---- export ------------------------------------------------------------------- */

/* The export sink: one row is put together in buf, then written. */
struct export_out {
	FILE *out;
	enum listctl_format format;
	bool bom;
	bool no_pii;
	GString *buf;
	unsigned n;
	char *names[STORE_EXPORT_MAX_COLUMNS];
	enum store_column_type types[STORE_EXPORT_MAX_COLUMNS];
	bool skip[STORE_EXPORT_MAX_COLUMNS];   /* --no-pii: a personal column */
	uint64_t rows;
};

/* The columns of complaints that hold no personal data, besides every
 * time (NAME_at) and deadline (due_NAME): what --no-pii exports. A list
 * of what may go rather than of what may not: a column a later migration
 * adds stays out of a --no-pii export until it is named here. The staff
 * addresses (department, assignee) stay: who handled a complaint is the
 * company's record, not the customer's data. */
static const char *const anonymous_columns[] = {
	"id", "ref", "channel", "status", "category", "severity", "route", "department",
	"assignee", "parent_id", "lang", "staff_decided", "taken_by",
	/* case facts that say nothing about who bought (facts_personal) */
	"fact_product", "fact_purchase_date", "fact_demand",
};

/* personal - may column name hold a customer's personal data? */
static bool personal(const char *name)
{
	if (g_str_has_suffix(name, "_at") || g_str_has_prefix(name, "due_"))
		return false;
	for (size_t i = 0; i < G_N_ELEMENTS(anonymous_columns); i++)
		if (!strcmp(name, anonymous_columns[i]))
			return false;
	return true;
}

static int flush_buf(struct export_out *x, GError **err)
{
	if (x->buf->len && fwrite(x->buf->str, 1, x->buf->len, x->out) != x->buf->len) {
		int e = errno;
		g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(e),
			    "cannot write the output: %s", g_strerror(e));
		return -1;
	}
	g_string_truncate(x->buf, 0);
	return 0;
}

/* csv_field - RFC 4180: quoted only when it must be, quotes doubled. A text
 * cell that starts with = + - @ tab or CR, which a spreadsheet
 * would run as a formula (OWASP "CSV injection"), gets a ' before it and is
 * quoted; numbers and times we wrote ourselves (a negative id) are left as
 * they are, so they stay numbers. */
static void csv_field(GString *out, const char *s, size_t len, bool text)
{
	bool formula = text && len && s[0] && strchr("=+-@\t\r", s[0]);
	bool quote = formula;
	for (size_t i = 0; i < len && !quote; i++)
		quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
	if (!quote) {
		g_string_append_len(out, s, (gssize)len);
		return;
	}
	g_string_append_c(out, '"');
	if (formula)
		g_string_append_c(out, '\'');
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"')
			g_string_append_c(out, '"');
		g_string_append_c(out, s[i]);
	}
	g_string_append_c(out, '"');
}

static int export_columns(void *data, unsigned n, const char *const *names,
			  const enum store_column_type *types, GError **err)
{
	struct export_out *x = data;
	x->n = n;
	for (unsigned i = 0; i < n; i++) {
		x->names[i] = g_strdup(names[i]);
		x->types[i] = types[i];
		x->skip[i] = x->no_pii && personal(names[i]);
	}
	if (x->format == LISTCTL_JSON) {
		g_string_append_c(x->buf, '[');
	} else {
		if (x->bom)
			g_string_append(x->buf, "\xEF\xBB\xBF");
		bool first = true;
		for (unsigned i = 0; i < n; i++) {
			if (x->skip[i])
				continue;
			if (!first)
				g_string_append_c(x->buf, ',');
			first = false;
			csv_field(x->buf, names[i], strlen(names[i]), false);
		}
		g_string_append(x->buf, "\r\n");
	}
	return flush_buf(x, err);
}

/* value_text - a number or a time as text (g_free); NULL for text. */
static char *value_text(enum store_column_type t, const struct store_value *v)
{
	switch (t) {
	case STORE_COLUMN_INT:
		return g_strdup_printf("%lld", (long long)v->num);
	case STORE_COLUMN_UINT:
		return g_strdup_printf("%llu", (unsigned long long)(uint64_t)v->num);
	case STORE_COLUMN_TIME:
		return ctljson_time(v->num);
	default:
		return NULL;
	}
}

static void csv_row(struct export_out *x, const struct store_value *v)
{
	bool first = true;
	for (unsigned i = 0; i < x->n; i++) {
		if (x->skip[i])
			continue;
		if (!first)
			g_string_append_c(x->buf, ',');
		first = false;
		if (v[i].null)
			continue;
		char *s = value_text(x->types[i], &v[i]);
		if (s)
			csv_field(x->buf, s, strlen(s), false);
		else
			csv_field(x->buf, v[i].text, v[i].len, true);
		g_free(s);
	}
	g_string_append(x->buf, "\r\n");
}

static void json_row(struct export_out *x, const struct store_value *v)
{
	g_string_append(x->buf, x->rows ? ",\n" : "\n");
	struct json *j = json_new(x->buf);
	json_object_begin(j);
	for (unsigned i = 0; i < x->n; i++) {
		if (x->skip[i])
			continue;
		json_key(j, x->names[i]);
		if (v[i].null) {
			json_null(j);
		} else if (x->types[i] == STORE_COLUMN_INT) {
			json_int(j, v[i].num);
		} else if (x->types[i] == STORE_COLUMN_UINT) {
			json_uint(j, (uint64_t)v[i].num);
		} else if (x->types[i] == STORE_COLUMN_TIME) {
			char *s = value_text(x->types[i], &v[i]);
			json_string(j, s);
			g_free(s);
		} else {
			json_string_len(j, v[i].text, v[i].len);
		}
	}
	json_object_end(j);
	json_free(&j);
}

static int export_row(void *data, unsigned n, const struct store_value *v, GError **err)
{
	struct export_out *x = data;
	if (x->format == LISTCTL_JSON)
		json_row(x, v);
	else
		csv_row(x, v);
	x->rows++;
	return flush_buf(x, err);
}

int listctl_export(struct store *s, const struct listctl_args *a, FILE *out,
		   uint64_t *rows, FILE *err)
{
	struct export_out x = { .out = out, .format = a->format, .bom = a->bom,
				.no_pii = a->no_pii, .buf = g_string_new(NULL) };
	struct store_export_sink sink = { export_columns, export_row, &x };
	GError *e = NULL;
	int rc = store_list_export(s, &a->filter, &sink, NULL, &e);
	if (rc == 0 && a->format == LISTCTL_JSON) {
		g_string_append(x.buf, x.rows ? "\n]\n" : "]\n");
		rc = flush_buf(&x, &e);
	}
	if (rc == 0 && (fflush(out) != 0 || ferror(out))) {
		int en = errno;
		g_set_error(&e, G_FILE_ERROR, g_file_error_from_errno(en),
			    "cannot write the output: %s", g_strerror(en));
		rc = -1;
	}
	if (rc < 0)
		fprintf(err, "complaintctl: export: %s\n", e ? e->message : "failed");
	g_clear_error(&e);
	for (unsigned i = 0; i < x.n; i++)
		g_free(x.names[i]);
	g_string_free(x.buf, TRUE);
	if (rows)
		*rows = x.rows;
	return rc < 0 ? 1 : 0;
}

/* ---- the command ---------------------------------------------------------------- */

/* An export file is written beside its name and renamed over it when
 * complete; a device, a pipe or a symbolic link named is written through
 * (there is nothing to rename over). */
struct outfile {
	const char *path;
	char *tmp;                   /* NULL when writing to path itself */
	FILE *f;
};

static int outfile_open(struct outfile *o, const char *path, FILE *err)
{
	struct stat st;
	*o = (struct outfile){ .path = path };
	int e = 0;
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		o->f = fopen(path, "w");
		e = errno;
	} else {
		o->tmp = g_strdup_printf("%s.XXXXXX", path);
		/* 0600: an export holds customers' addresses and what they wrote */
		int fd = g_mkstemp_full(o->tmp, O_WRONLY | O_CLOEXEC, 0600);
		e = errno;
		if (fd >= 0 && !(o->f = fdopen(fd, "w"))) {
			e = errno;
			close(fd);
			g_unlink(o->tmp);
		}
	}
	if (!o->f) {
		fprintf(err, "complaintctl: export: cannot create %s: %s\n", path, g_strerror(e));
		g_clear_pointer(&o->tmp, g_free);
		return -1;
	}
	return 0;
}

/* outfile_close - keep the file (ok) or drop what was written; 0, or -1
 * with the reason printed. */
static int outfile_close(struct outfile *o, bool ok, FILE *err)
{
	int rc = 0, e = 0;
	if (ok && (fflush(o->f) != 0 || ferror(o->f) || (o->tmp && fsync(fileno(o->f)) != 0))) {
		e = errno;
		rc = -1;
	}
	if (fclose(o->f) != 0 && ok && rc == 0) {
		e = errno;
		rc = -1;
	}
	if (ok && rc == 0 && o->tmp && rename(o->tmp, o->path) != 0) {
		e = errno;
		rc = -1;
	}
	if (rc < 0)
		fprintf(err, "complaintctl: export: cannot write %s: %s\n", o->path, g_strerror(e));
	if (o->tmp && (!ok || rc < 0))
		g_unlink(o->tmp);
	g_free(o->tmp);
	return rc;
}

static int run_export(struct store *s, const struct listctl_args *a)
{
	if (!a->output)
		return listctl_export(s, a, stdout, NULL, stderr);
	struct outfile o;
	if (outfile_open(&o, a->output, stderr) < 0)
		return 1;
	uint64_t rows = 0;
	int rc = listctl_export(s, a, o.f, &rows, stderr);
	if (outfile_close(&o, rc == 0, stderr) < 0)
		rc = 1;
	if (rc == 0)
		printf("%llu complaint%s exported to %s\n", (unsigned long long)rows,
		       rows == 1 ? "" : "s", a->output);
	return rc;
}

int listctl_main(const char *config_file, bool json, int argc, char **argv)
{
	struct listctl_args a;
	int rc = listctl_parse(argc, argv, json, clock_now(), &a, stderr);
	if (rc) {
		listctl_args_clear(&a);
		return rc;
	}
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	struct config *cfg = config_load(config_file, errors);
	for (guint i = 0; i < errors->len; i++)
		fprintf(stderr, "%s\n", (const char *)errors->pdata[i]);
	g_ptr_array_unref(errors);
	struct store *s = cfg ? daemon_open_store(cfg, "complaintctl") : NULL;
	if (!s)
		rc = 1;
	else if (a.command == LISTCTL_EXPORT)
		rc = run_export(s, &a);
	else
		rc = listctl_list(s, &a, stdout, stderr);
	store_close(&s);
	config_free(&cfg);
	listctl_args_clear(&a);
	return rc;
}
