/* casectl - `complaintctl show REF`: gathers what the store keeps about one
 * complaint (the case row, its parent's reference, messages and outbox
 * mails, history) and lays it out for a terminal or as JSON. See casectl.h. */
#include "ctl/casectl.h"

#include <string.h>
#include <glib.h>

#include "ctl/ctljson.h"
#include "store/store_facts.h"
#include "store/store_outcome.h"
#include "lib/clock.h"
#include "lib/json.h"
#include "lib/termtext.h"

/* Blanks between table columns. */
#define GAP 2
/* The most columns a table here has. */
#define MAX_COLS 6

/* ---- tables ------------------------------------------------------------------- */

/* A table is laid out once all its rows are known: each column as wide as
 * its widest cell, then the widest columns narrowed (down to their minimum)
 * until the line fits CASECTL_COLUMNS. The last cell of a row is never
 * padded, so no line ends in blanks, and may use the width of the empty
 * cells after it. */
struct table {
	unsigned ncols;
	unsigned indent;
	unsigned min[MAX_COLS];
	GPtrArray *rows;             /* char ** of ncols cells (g_strfreev) */
};

static void table_init(struct table *t, unsigned indent, unsigned ncols,
		       const unsigned *min)
{
	*t = (struct table){ .ncols = ncols, .indent = indent,
			     .rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev) };
	memcpy(t->min, min, ncols * sizeof *min);
}

/* table_add - a row of ncols cells; NULL cells are empty. */
static void table_add(struct table *t, const char *const *cells)
{
	char **row = g_new0(char *, t->ncols + 1);
	for (unsigned i = 0; i < t->ncols; i++)
		row[i] = g_strdup(cells[i] ? cells[i] : "");
	g_ptr_array_add(t->rows, row);
}

static void table_print(struct table *t, GString *out)
{
	unsigned w[MAX_COLS] = { 0 };
	for (guint r = 0; r < t->rows->len; r++) {
		char **row = t->rows->pdata[r];
		for (unsigned c = 0; c < t->ncols; c++)
			w[c] = MAX(w[c], termtext_width(row[c]));
	}
	unsigned total = t->indent + GAP * (t->ncols - 1);
	for (unsigned c = 0; c < t->ncols; c++)
		total += w[c];
	while (total > CASECTL_COLUMNS) {
		int widest = -1;
		for (unsigned c = 0; c < t->ncols; c++)
			if (w[c] > t->min[c] && (widest < 0 || w[c] > w[widest]))
				widest = (int)c;
		if (widest < 0)
			break;
		w[widest]--;
		total--;
	}
	for (guint r = 0; r < t->rows->len; r++) {
		char **row = t->rows->pdata[r];
		int last = (int)t->ncols - 1;
		while (last >= 0 && !*row[last])
			last--;
		if (last >= 0)
			g_string_append_printf(out, "%*s", (int)t->indent, "");
		unsigned pos = t->indent;
		for (int c = 0; c <= last; c++) {
			/* a row's last cell may run on over the empty ones after it */
			unsigned room = c == last && pos < CASECTL_COLUMNS
					? MAX(w[c], CASECTL_COLUMNS - pos) : w[c];
			unsigned used = termtext_cut(out, row[c], room);
			if (c < last)
				g_string_append_printf(out, "%*s", (int)(w[c] - used + GAP), "");
			pos += w[c] + GAP;
		}
		g_string_append_c(out, '\n');
	}
	g_ptr_array_unref(t->rows);
	t->rows = NULL;
}

/* ---- what is shown ------------------------------------------------------------ */

/* text_time - t in local time for people; "-" for 0 (not yet). g_free. */
static char *text_time(int64_t t)
{
	return t ? ctljson_local_time(t, "%Y-%m-%d %H:%M:%S") : g_strdup("-");
}

static const char *or_dash(const char *v)
{
	return v && *v ? v : "-";
}

/* deadline_state - met by the store's one definition (store_case.met), as the
 * escalations and the reports count it. */
static const char *deadline_state(const struct store_case *c, enum store_deadline d,
				  int64_t now)
{
	if (!c->due[d])
		return "none";
	if (c->met[d])
		return "met";
	return c->due[d] <= now ? "overdue" : "pending";
}

/* The times of a complaint, in the order they normally happen. */
struct case_time {
	const char *key, *label;
	int64_t t;
};

#define CASE_TIMES 8

static unsigned case_times(const struct store_case *c, struct case_time out[CASE_TIMES])
{
	const struct case_time all[] = {
		{ "created", "created", c->created_at },
		{ "acknowledged", "acknowledged", c->acknowledged_at },
		{ "first_action", "first action", c->first_action_at },
		{ "first_response", "first response", c->first_response_at },
		{ "resolved", "resolved", c->resolved_at },
		{ "closed", "closed", c->closed_at },
		{ "reopened", "reopened", c->reopened_at },
		{ "plan", "plan given", c->plan_proposed_at },
	};
	G_STATIC_ASSERT(G_N_ELEMENTS(all) == CASE_TIMES);
	memcpy(out, all, sizeof all);
	return G_N_ELEMENTS(all);
}

/* fields - a store line "at\tf1\tf2..." split into n fields (at first);
 * missing fields are empty. g_strfreev. */
static char **fields(const char *line, unsigned n)
{
	char **parts = g_strsplit(line, "\t", (gint)n);
	char **f = g_new0(char *, n + 1);
	for (unsigned i = 0, have = g_strv_length(parts); i < n; i++)
		f[i] = g_strdup(i < have ? parts[i] : "");
	g_strfreev(parts);
	return f;
}

static int64_t line_time(const char *at)
{
	return g_ascii_strtoll(at, NULL, 10);
}

/* Everything the report shows, read before anything is printed. */
struct report {
	struct store_case *c;
	char *parent;                /* reference, "#ID (not found)", or NULL */
	GPtrArray *messages, *history;
	struct store_outcome *outcome;
	struct store_facts facts;
	int64_t now;
};

static void report_clear(struct report *r)
{
	store_case_free(r->c);
	g_free(r->parent);
	if (r->messages)
		g_ptr_array_unref(r->messages);
	if (r->history)
		g_ptr_array_unref(r->history);
	store_outcome_free(r->outcome);
	store_facts_clear(&r->facts);
}

/* report_read - 1 read, 0 no such complaint, -1 store error. */
static int report_read(struct store *s, const char *ref, struct report *r, GError **err)
{
	int rc = store_case_get(s, 0, ref, &r->c, err);
	if (rc <= 0)
		return rc;
	if (r->c->parent_id) {
		char pref[STORE_REF_MAX];
		rc = store_complaint_ref(s, r->c->parent_id, pref, sizeof pref, err);
		if (rc < 0)
			return -1;
		r->parent = rc ? g_strdup(pref)
			       : g_strdup_printf("#%llu (not found)",
						 (unsigned long long)r->c->parent_id);
	}
	r->messages = g_ptr_array_new_with_free_func(g_free);
	r->history = g_ptr_array_new_with_free_func(g_free);
	if (store_case_messages(s, r->c->id, r->messages, err) < 0 ||
	    store_case_history(s, r->c->id, r->history, err) < 0 ||
	    store_outcome_get(s, r->c->id, &r->outcome, err) < 0 ||
	    store_facts_get(s, r->c->id, &r->facts, err) < 0)
		return -1;
	r->now = clock_now();
	return 1;
}

/* ---- text ------------------------------------------------------------------- */

/* decided - value, and "(set by staff)" when staff decided it with a
 * command: the customer's later mail will not change it (workflow.h). */
static char *decided(const char *value, bool by_staff)
{
	return g_strdup_printf("%s%s", value, by_staff ? " (set by staff)" : "");
}

static void text_fields(const struct report *r, GString *out)
{
	const struct store_case *c = r->c;
	char sev[2] = { c->severity, 0 };
	char *category = decided(or_dash(c->category),
				 c->staff_decided & STORE_DECIDED_CATEGORY);
	char *severity = decided(sev, c->staff_decided & STORE_DECIDED_SEVERITY);
	char *customer;
	if (c->customer_name && *c->customer_name && c->customer_addr && *c->customer_addr)
		customer = g_strdup_printf("%s <%s>", c->customer_name, c->customer_addr);
	else
		customer = g_strdup(or_dash(c->customer_addr && *c->customer_addr
					    ? c->customer_addr : c->customer_name));
	/* the latest #plan: who gave it and where its approval stands */
	char *plan = c->plan_proposed_by
		     ? g_strdup_printf("by %s%s%s", c->plan_proposed_by,
				       c->plan_decision ? ", " : "",
				       c->plan_decision ? c->plan_decision : "")
		     : g_strdup("-");
	const char *rows[][2] = {
		{ "reference", c->ref }, { "status", or_dash(c->status) },
		{ "category", category }, { "severity", severity },
		{ "channel", or_dash(c->channel) }, { "taken by", or_dash(c->taken_by) },
		{ "route", or_dash(c->route) },
		{ "department", or_dash(c->department) }, { "assignee", or_dash(c->assignee) },
		{ "customer", customer }, { "phone", or_dash(c->customer_phone) },
		{ "subject", or_dash(c->subject) },
		{ "language", or_dash(c->lang) }, { "parent", or_dash(r->parent) },
		{ "plan", plan },
	};
	struct table t;
	table_init(&t, 0, 2, (const unsigned[]){ 14, 12 });
	for (size_t i = 0; i < G_N_ELEMENTS(rows); i++)
		table_add(&t, rows[i]);
	table_add(&t, (const char *[]){ NULL, NULL });
	struct case_time times[CASE_TIMES];
	unsigned n = case_times(c, times);
	for (unsigned i = 0; i < n; i++) {
		char *when = text_time(times[i].t);
		table_add(&t, (const char *[]){ times[i].label, when });
		g_free(when);
	}
	table_print(&t, out);
	g_free(plan);
	g_free(customer);
	g_free(category);
	g_free(severity);
}

static void text_deadlines(const struct report *r, GString *out)
{
	struct table t;
	table_init(&t, 2, 4, (const unsigned[]){ 13, 19, 7, 19 });
	for (unsigned d = 0; d < STORE_DUE_COUNT; d++) {
		const char *state = deadline_state(r->c, d, r->now);
		char *due = text_time(r->c->due[d]);
		int64_t done = r->c->met[d];
		char *met = done ? text_time(done) : NULL;
		table_add(&t, (const char *[]){ store_deadline_name(d), due, state, met });
		g_free(due);
		g_free(met);
	}
	g_string_append(out, "\ndeadlines\n");
	table_print(&t, out);
}

/* money - "1200.50 CNY" from hundredths. g_free. */
static char *money(int64_t cents, const char *currency)
{
	return g_strdup_printf("%" G_GINT64_FORMAT ".%02d %s", cents / 100, (int)(cents % 100),
			       currency);
}

/* by_when - "value (who, when)" for a decided outcome field. g_free. */
static char *by_when(const char *value, const char *by, int64_t at)
{
	char *when = text_time(at);
	char *v = g_strdup_printf("%s (%s, %s)", value, or_dash(by), when);
	g_free(when);
	return v;
}

/* text_outcome - what staff decided (#valid, #responsible, #cause,
 * #compensation), each with who and when; "not decided" for the rest. */
static void text_outcome(const struct report *r, GString *out)
{
	const struct store_outcome *o = r->outcome;
	struct table t;
	table_init(&t, 2, 2, (const unsigned[]){ 13, 12 });
	GPtrArray *keep = g_ptr_array_new_with_free_func(g_free);
	const char *valid = o->valid == STORE_VALID_YES ? "yes" : "no";
	const struct { const char *label, *value, *by; int64_t at; } rows[] = {
		{ "valid", o->valid != STORE_VALID_UNSET ? valid : NULL, o->valid_by, o->valid_at },
		{ "responsible", o->responsible, o->responsible_by, o->responsible_at },
		{ "cause", o->cause, o->cause_by, o->cause_at },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
		char *v = rows[i].value ? by_when(rows[i].value, rows[i].by, rows[i].at)
					: g_strdup("not decided");
		g_ptr_array_add(keep, v);
		table_add(&t, (const char *[]){ rows[i].label, v });
	}
	for (guint i = 0; i < o->compensations->len; i++) {
		const struct store_compensation *c = o->compensations->pdata[i];
		char *m = money(c->cents, c->currency);
		char *what = *c->text ? g_strdup_printf("%s %s", m, c->text) : g_strdup(m);
		char *v = by_when(what, c->by, c->at);
		g_ptr_array_add(keep, v);
		table_add(&t, (const char *[]){ "compensation", v });
		g_free(what);
		g_free(m);
	}
	g_string_append(out, "\noutcome\n");
	table_print(&t, out);
	g_ptr_array_unref(keep);
}

/* text_facts - the case facts, each with where it came from: the form,
 * or the rule that took it out of a mail. */
static void text_facts(const struct report *r, GString *out)
{
	const struct store_facts *f = &r->facts;
	struct table t;
	table_init(&t, 2, 2, (const unsigned[]){ 15, 12 });
	GPtrArray *keep = g_ptr_array_new_with_free_func(g_free);
	for (int i = 0; i < FACT_N; i++) {
		if (!f->value[i])
			continue;
		char *v = f->rule[i] ? g_strdup_printf("%s (%s, %s)", f->value[i],
						       or_dash(f->source[i]), f->rule[i])
				     : g_strdup_printf("%s (%s)", f->value[i], or_dash(f->source[i]));
		g_ptr_array_add(keep, v);
		table_add(&t, (const char *[]){ facts_name(i), v });
	}
	if (keep->len == 0)
		table_add(&t, (const char *[]){ "none", NULL });
	g_string_append(out, "\nfacts\n");
	table_print(&t, out);
	g_ptr_array_unref(keep);
}

/* json_facts - "facts": {"order_no": {"value", "source", "rule"}, ...},
 * the known ones only. */
static void json_facts(struct json *j, const struct store_facts *f)
{
	json_key(j, "facts");
	json_object_begin(j);
	for (int i = 0; i < FACT_N; i++) {
		if (!f->value[i])
			continue;
		json_key(j, facts_name(i));
		json_object_begin(j);
		ctljson_kv_text(j, "value", f->value[i]);
		ctljson_kv_text(j, "source", f->source[i]);
		ctljson_kv_text(j, "rule", f->rule[i]);
		json_object_end(j);
	}
	json_object_end(j);
}

static void text_messages(const struct report *r, GString *out)
{
	struct table t;
	/* at, direction, kind, from or "→ to", subject */
	table_init(&t, 2, 5, (const unsigned[]){ 19, 3, 8, 12, 10 });
	for (guint i = 0; i < r->messages->len; i++) {
		char **f = fields(r->messages->pdata[i], 6);
		char *at = text_time(line_time(f[0]));
		char *party = *f[4] ? g_strdup_printf("→ %s", f[4]) : g_strdup(or_dash(f[3]));
		table_add(&t, (const char *[]){ at, f[1], f[2], party, f[5] });
		g_free(party);
		g_free(at);
		g_strfreev(f);
	}
	g_string_append_printf(out, "\nmessages (%u)\n", r->messages->len);
	if (!r->messages->len)
		g_string_append(out, "  none\n");
	table_print(&t, out);
}

static void text_history(const struct report *r, GString *out)
{
	struct table t;
	/* at, actor, kind, detail */
	table_init(&t, 2, 4, (const unsigned[]){ 19, 10, 8, 12 });
	for (guint i = 0; i < r->history->len; i++) {
		char **f = fields(r->history->pdata[i], 4);
		char *at = text_time(line_time(f[0]));
		table_add(&t, (const char *[]){ at, or_dash(f[1]), f[2], f[3] });
		g_free(at);
		g_strfreev(f);
	}
	g_string_append_printf(out, "\nhistory (%u)\n", r->history->len);
	if (!r->history->len)
		g_string_append(out, "  none\n");
	table_print(&t, out);
}

/* ---- JSON ------------------------------------------------------------------- */

/* json_outcome - "outcome": {"valid": true|false|null, "valid_by",
 * "valid_at", "responsible", ..., "cause", ..., "compensations": [...]} */
static void json_outcome(struct json *j, const struct store_outcome *o)
{
	json_key(j, "outcome");
	json_object_begin(j);
	json_key(j, "valid");
	if (o->valid == STORE_VALID_UNSET)
		json_null(j);
	else
		json_bool(j, o->valid == STORE_VALID_YES);
	ctljson_kv_text(j, "valid_by", o->valid_by);
	ctljson_kv_time(j, "valid_at", o->valid_at);
	ctljson_kv_text(j, "responsible", o->responsible);
	ctljson_kv_text(j, "responsible_by", o->responsible_by);
	ctljson_kv_time(j, "responsible_at", o->responsible_at);
	ctljson_kv_text(j, "cause", o->cause);
	ctljson_kv_text(j, "cause_by", o->cause_by);
	ctljson_kv_time(j, "cause_at", o->cause_at);
	json_key(j, "compensations");
	json_array_begin(j);
	for (guint i = 0; i < o->compensations->len; i++) {
		const struct store_compensation *c = o->compensations->pdata[i];
		char *amount = g_strdup_printf("%" G_GINT64_FORMAT ".%02d", c->cents / 100,
					       (int)(c->cents % 100));
		json_object_begin(j);
		json_kv_string(j, "amount", amount);
		json_kv_string(j, "currency", c->currency);
		ctljson_kv_text(j, "text", c->text);
		ctljson_kv_text(j, "by", c->by);
		ctljson_kv_time(j, "at", c->at);
		json_object_end(j);
		g_free(amount);
	}
	json_array_end(j);
	json_object_end(j);
}

static void json_report(const struct report *r, GString *doc)
{
	const struct store_case *c = r->c;
	struct json *j = json_new(doc);
	char sev[2] = { c->severity, 0 };
	json_object_begin(j);
	json_kv_string(j, "ref", c->ref);
	ctljson_kv_text(j, "status", c->status);
	ctljson_kv_text(j, "category", c->category);
	ctljson_kv_text(j, "severity", sev);
	ctljson_kv_text(j, "channel", c->channel);
	ctljson_kv_text(j, "taken_by", c->taken_by);
	ctljson_kv_text(j, "route", c->route);
	ctljson_kv_text(j, "department", c->department);
	ctljson_kv_text(j, "assignee", c->assignee);
	json_key(j, "customer");
	json_object_begin(j);
	ctljson_kv_text(j, "name", c->customer_name);
	ctljson_kv_text(j, "addr", c->customer_addr);
	ctljson_kv_text(j, "phone", c->customer_phone);
	json_object_end(j);
	ctljson_kv_text(j, "subject", c->subject);
	ctljson_kv_text(j, "lang", c->lang);
	json_key(j, "plan");
	json_object_begin(j);
	ctljson_kv_text(j, "by", c->plan_proposed_by);
	ctljson_kv_text(j, "decision", c->plan_decision);
	json_object_end(j);
	json_key(j, "staff_decided");
	json_array_begin(j);
	if (c->staff_decided & STORE_DECIDED_CATEGORY)
		json_string(j, "category");
	if (c->staff_decided & STORE_DECIDED_SEVERITY)
		json_string(j, "severity");
	json_array_end(j);
	json_key(j, "times");
	json_object_begin(j);
	struct case_time times[CASE_TIMES];
	unsigned n = case_times(c, times);
	for (unsigned i = 0; i < n; i++)
		ctljson_kv_time(j, times[i].key, times[i].t);
	json_object_end(j);
	/* a parent whose row is gone has no reference to give */
	json_kv_string(j, "parent", r->parent && r->parent[0] != '#' ? r->parent : NULL);

	json_key(j, "deadlines");
	json_array_begin(j);
	for (unsigned d = 0; d < STORE_DUE_COUNT; d++) {
		json_object_begin(j);
		json_kv_string(j, "name", store_deadline_name(d));
		ctljson_kv_time(j, "due", c->due[d]);
		json_kv_string(j, "state", deadline_state(c, d, r->now));
		ctljson_kv_time(j, "met_at", c->met[d]);
		json_object_end(j);
	}
	json_array_end(j);

	static const char *const msg_keys[] = { "at", "direction", "kind", "from", "to",
						"subject" };
	json_outcome(j, r->outcome);
	json_facts(j, &r->facts);
	json_key(j, "messages");
	json_array_begin(j);
	for (guint i = 0; i < r->messages->len; i++) {
		char **f = fields(r->messages->pdata[i], 6);
		json_object_begin(j);
		ctljson_kv_time(j, msg_keys[0], line_time(f[0]));
		for (unsigned k = 1; k < G_N_ELEMENTS(msg_keys); k++)
			ctljson_kv_text(j, msg_keys[k], f[k]);
		json_object_end(j);
		g_strfreev(f);
	}
	json_array_end(j);

	static const char *const hist_keys[] = { "at", "actor", "kind", "detail" };
	json_key(j, "history");
	json_array_begin(j);
	for (guint i = 0; i < r->history->len; i++) {
		char **f = fields(r->history->pdata[i], 4);
		json_object_begin(j);
		ctljson_kv_time(j, hist_keys[0], line_time(f[0]));
		for (unsigned k = 1; k < G_N_ELEMENTS(hist_keys); k++)
			ctljson_kv_text(j, hist_keys[k], f[k]);
		json_object_end(j);
		g_strfreev(f);
	}
	json_array_end(j);
	json_object_end(j);
	json_free(&j);
	g_string_append_c(doc, '\n');
}

int casectl_show(struct store *s, const char *ref, bool json, FILE *out, FILE *err)
{
	struct report r = { 0 };
	GError *e = NULL;
	int rc = report_read(s, ref, &r, &e);
	if (rc <= 0) {
		if (rc < 0)
			fprintf(err, "complaintctl: show %s: %s\n", ref, e ? e->message : "failed");
		else
			fprintf(err, "complaintctl: no complaint %s\n", ref);
		g_clear_error(&e);
		report_clear(&r);
		return 1;
	}
	GString *doc = g_string_new(NULL);
	if (json) {
		json_report(&r, doc);
	} else {
		text_fields(&r, doc);
		text_deadlines(&r, doc);
		text_facts(&r, doc);
		text_outcome(&r, doc);
		text_messages(&r, doc);
		text_history(&r, doc);
	}
	report_clear(&r);
	fwrite(doc->str, 1, doc->len, out);
	g_string_free(doc, TRUE);
	if (fflush(out) != 0 || ferror(out)) {
		fprintf(err, "complaintctl: show: cannot write the output\n");
		return 1;
	}
	return 0;
}
