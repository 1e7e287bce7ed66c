/* rulesctl - `complaintctl rules ...`: check, test, eval, reclassify.
 *
 * Everything prints to a FILE * handed in, so the unit tests run the same
 * code as the command line. Human output is for an administrator reading
 * a terminal; --json output is one object per run for scripts. */
#include "ctl/rulesctl.h"
#include "ctl/rulescorr.h"
#include "ctl/ruleseval.h"
#include "ctl/ruleslearn.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/config.h"
#include "lib/facts.h"
#include "daemon/daemon.h"
#include "lib/json.h"
#include "mail/mime.h"

/* put_json - write the finished document and a newline. */
static void put_json(GString *doc, FILE *out)
{
	fwrite(doc->str, 1, doc->len, out);
	fputc('\n', out);
	g_string_free(doc, TRUE);
}

/* ---- check ------------------------------------------------------------------ */

static unsigned count_rule_files(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	unsigned n = 0;
	const char *name;
	while (d && (name = g_dir_read_name(d)) != NULL)
		if (name[0] != '.' && g_str_has_suffix(name, ".rules"))
			n++;
	if (d)
		g_dir_close(d);
	return n;
}

static void json_strings(struct json *j, const char *key, GPtrArray *a)
{
	json_key(j, key);
	json_array_begin(j);
	for (guint i = 0; a && i < a->len; i++)
		json_string(j, g_ptr_array_index(a, i));
	json_array_end(j);
}

static void check_json(const char *dir, unsigned files, const struct rules *r,
		       GPtrArray *errors, GPtrArray *warnings, FILE *out)
{
	GString *doc = g_string_new(NULL);
	struct json *j = json_new(doc);
	json_object_begin(j);
	json_kv_string(j, "dir", dir);
	json_kv_bool(j, "ok", r != NULL);
	json_kv_int(j, "files", files);
	json_kv_int(j, "rules", r ? rules_count(r) : 0);
	json_kv_int(j, "jit", r ? rules_jit_count(r) : 0);
	json_strings(j, "errors", errors);
	json_strings(j, "warnings", warnings);
	json_object_end(j);
	json_free(&j);
	put_json(doc, out);
}

int rulesctl_check(const char *dir, bool json, FILE *out)
{
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	GPtrArray *warnings = g_ptr_array_new_with_free_func(g_free);
	struct rules *r = rules_load_dir(dir, NULL, errors, warnings);
	unsigned files = count_rule_files(dir);
	if (r && files == 0)
		g_ptr_array_add(warnings, g_strdup_printf("%s: no *.rules files", dir));
	if (json) {
		check_json(dir, files, r, errors, warnings, out);
	} else {
		for (guint i = 0; i < errors->len; i++)
			ruleseval_print_diag(out, "error", g_ptr_array_index(errors, i));
		for (guint i = 0; i < warnings->len; i++)
			ruleseval_print_diag(out, "warning", g_ptr_array_index(warnings, i));
		fprintf(out, "%s: %u file%s, %u rule%s, %u error%s, %u warning%s: %s\n",
			dir, files, files == 1 ? "" : "s", r ? rules_count(r) : 0,
			r && rules_count(r) == 1 ? "" : "s", errors->len,
			errors->len == 1 ? "" : "s", warnings->len,
			warnings->len == 1 ? "" : "s",
			r ? "ok" : "NOT loadable, the rules in force stay in force");
	}
	int rc = r ? 0 : 1;
	rules_unref(&r);
	g_ptr_array_unref(errors);
	g_ptr_array_unref(warnings);
	return rc;
}

/* ---- test -------------------------------------------------------------------- */

/* severity_source - the first hit whose effect sets the final floor. */
static const struct rule_hit *severity_source(const struct verdict *v)
{
	char want[16];
	snprintf(want, sizeof want, "severity>=%c", verdict_severity(v));
	for (unsigned i = 0; i < verdict_hit_count(v); i++)
		if (strstr(verdict_hit(v, i)->effect, want))
			return verdict_hit(v, i);
	return NULL;
}

static const struct rule_hit *route_source(const struct verdict *v)
{
	const char *route = verdict_route(v);
	if (!route)
		return NULL;
	char *want = g_strdup_printf("route=%s", route);
	const struct rule_hit *found = NULL;
	for (unsigned i = 0; !found && i < verdict_hit_count(v); i++)
		if (strstr(verdict_hit(v, i)->effect, want))
			found = verdict_hit(v, i);
	g_free(want);
	return found;
}

static void explain_category(const struct rules *r, const struct verdict *v,
			     FILE *out)
{
	const char *cat = verdict_category(v);
	fprintf(out, "scores:   ");
	for (unsigned i = 0; i + 1 < RULESEVAL_NCAT; i++)
		fprintf(out, "%s%s %g", i ? ", " : "", ruleseval_category_names[i],
			verdict_score(v, ruleseval_category_names[i]));
	fprintf(out, " (threshold %g)\n", rules_threshold(r));
	if (strcmp(cat, "other") == 0)
		fprintf(out, "          no category reached the threshold: other\n");
	else
		fprintf(out, "          %s has the highest score\n", cat);
}

static void explain_text(const struct rules *r, const struct verdict *v,
			 const struct message *m,
			 const char *input, FILE *out)
{
	fprintf(out, "input:    %s (%s, %s)\n", input, msg_channel_name(msg_channel(m)),
		msg_lang(m));
	if (msg_subject(m))
		fprintf(out, "subject:  %s\n", msg_subject(m));
	fprintf(out, "verdict:  category %s, severity %c, route %s\n",
		verdict_category(v), verdict_severity(v),
		verdict_route(v) ? verdict_route(v) : "(none)");
	explain_category(r, v, out);
	const struct rule_hit *sh = severity_source(v), *rh = route_source(v);
	fprintf(out, "severity: %c %s%s\n", verdict_severity(v),
		sh ? "set by " : "(no rule set a floor: the default)", sh ? sh->rule : "");
	if (verdict_route(v))
		fprintf(out, "route:    %s %s%s\n", verdict_route(v),
			rh ? "set by " : "(default route of the category)", rh ? rh->rule : "");
	for (unsigned i = 0; i < verdict_tag_count(v); i++)
		fprintf(out, "%s%s%s", i ? ", " : "tags:     ", verdict_tag(v, i),
			i + 1 == verdict_tag_count(v) ? "\n" : "");
	fprintf(out, "rules that fired: %u\n", verdict_hit_count(v));
	for (unsigned i = 0; i < verdict_hit_count(v); i++) {
		const struct rule_hit *h = verdict_hit(v, i);
		fprintf(out, "  %s on %s", h->rule, h->field);
		if (h->match)
			fprintf(out, ": \"%s\"", h->match);
		fprintf(out, "\n      effect: %s\n", h->effect);
		if (h->describe[0])
			fprintf(out, "      why:    %s\n", h->describe);
	}
	for (int f = 0; f < FACT_N; f++)
		if (verdict_fact(v, f))
			fprintf(out, "fact:     %s = %s (%s)\n", facts_name(f),
				verdict_fact(v, f), verdict_fact_rule(v, f));
	for (unsigned i = 0; i < verdict_error_count(v); i++)
		fprintf(out, "error: %s\n", verdict_error(v, i));
}

static void explain_json(const struct rules *r, const struct verdict *v,
			 const struct message *m,
			 const char *input, FILE *out)
{
	GString *doc = g_string_new(NULL);
	struct json *j = json_new(doc);
	json_object_begin(j);
	json_kv_string(j, "input", input);
	json_kv_string(j, "channel", msg_channel_name(msg_channel(m)));
	json_kv_string(j, "subject", msg_subject(m));
	json_kv_string(j, "category", verdict_category(v));
	char sev[2] = { verdict_severity(v), 0 };
	json_kv_string(j, "severity", sev);
	json_kv_string(j, "route", verdict_route(v));
	json_key(j, "scores");
	json_object_begin(j);
	for (unsigned i = 0; i + 1 < RULESEVAL_NCAT; i++) {
		json_key(j, ruleseval_category_names[i]);
		json_double(j, verdict_score(v, ruleseval_category_names[i]));
	}
	json_object_end(j);
	json_key(j, "threshold");
	json_double(j, rules_threshold(r));
	json_key(j, "tags");
	json_array_begin(j);
	for (unsigned i = 0; i < verdict_tag_count(v); i++)
		json_string(j, verdict_tag(v, i));
	json_array_end(j);
	json_key(j, "hits");
	json_array_begin(j);
	for (unsigned i = 0; i < verdict_hit_count(v); i++) {
		const struct rule_hit *h = verdict_hit(v, i);
		json_object_begin(j);
		json_kv_string(j, "rule", h->rule);
		json_kv_string(j, "field", h->field);
		json_kv_string(j, "match", h->match);
		json_kv_string(j, "effect", h->effect);
		json_kv_string(j, "describe", h->describe);
		json_object_end(j);
	}
	json_array_end(j);
	json_key(j, "facts");
	json_object_begin(j);
	for (int f = 0; f < FACT_N; f++)
		if (verdict_fact(v, f))
			json_kv_string(j, facts_name(f), verdict_fact(v, f));
	json_object_end(j);
	json_key(j, "errors");
	json_array_begin(j);
	for (unsigned i = 0; i < verdict_error_count(v); i++)
		json_string(j, verdict_error(v, i));
	json_array_end(j);
	json_object_end(j);
	json_free(&j);
	put_json(doc, out);
}

void rulesctl_explain(const struct rules *r, const struct verdict *v,
		      const struct message *m, const char *input, bool json,
		      FILE *out)
{
	if (json)
		explain_json(r, v, m, input, out);
	else
		explain_text(r, v, m, input, out);
}

int rulesctl_test(const char *dir, const struct rules_limits *lim,
		  const char *input, bool json, FILE *out, FILE *err)
{
	char *error = NULL;
	struct message *m = ruleseval_read_message(input, &error);
	if (!m) {
		fprintf(err, "complaintctl: %s\n", error);
		g_free(error);
		return 1;
	}
	struct rules *r = ruleseval_load(dir, lim, err);
	if (!r) {
		msg_free(&m);
		return 1;
	}
	struct verdict *v = rules_classify(r, m);
	rulesctl_explain(r, v, m, strcmp(input, "-") ? input : "(standard input)", json, out);
	verdict_free(&v);
	rules_unref(&r);
	msg_free(&m);
	return 0;
}

/* ---- eval -------------------------------------------------------------------- */

double rulesctl_eval_category_accuracy(const struct rulesctl_eval *ev)
{
	return ruleseval_counts_category_accuracy(&ev->total);
}

double rulesctl_eval_severity_accuracy(const struct rulesctl_eval *ev)
{
	return ruleseval_counts_severity_accuracy(&ev->total);
}

double rulesctl_eval_severity_macro_recall(const struct rulesctl_eval *ev)
{
	return ruleseval_counts_severity_macro_recall(&ev->total);
}

static void group_free(gpointer p)
{
	struct rulesctl_eval_group *g = p;
	g_free(g->name);
	g_free(g);
}

void rulesctl_eval_clear(struct rulesctl_eval *ev)
{
	if (ev->misclassified)
		g_ptr_array_unref(ev->misclassified);
	if (ev->skipped)
		g_ptr_array_unref(ev->skipped);
	if (ev->by_lang)
		g_ptr_array_unref(ev->by_lang);
	if (ev->by_dir)
		g_ptr_array_unref(ev->by_dir);
	memset(ev, 0, sizeof *ev);
}

/* group_of - the group called name in groups (sorted), created if new. */
static struct ruleseval_counts *group_of(GPtrArray *groups, const char *name)
{
	guint i = 0;
	while (i < groups->len &&
	       strcmp(((struct rulesctl_eval_group *)g_ptr_array_index(groups, i))->name, name) < 0)
		i++;
	struct rulesctl_eval_group *g = i < groups->len ? g_ptr_array_index(groups, i) : NULL;
	if (!g || strcmp(g->name, name)) {
		g = g_new0(struct rulesctl_eval_group, 1);
		g->name = g_strdup(name);
		g_ptr_array_insert(groups, (gint)i, g);
	}
	return &g->c;
}

/* subdir_of - the first component of a relative path, "." for none. */
static char *subdir_of(const char *rel)
{
	const char *slash = strchr(rel, G_DIR_SEPARATOR);
	return slash ? g_strndup(rel, (gsize)(slash - rel)) : g_strdup(".");
}

static void note_miss(struct rulesctl_eval *ev, const char *name, int want_c,
		      int got_c, int want_s, int got_s)
{
	GString *d = g_string_new(name);
	g_string_append_printf(d, ": category %s", ruleseval_category_names[want_c]);
	if (want_c != got_c)
		g_string_append_printf(d, " -> %s", ruleseval_category_names[got_c]);
	g_string_append_printf(d, ", severity %c", ruleseval_severity_names[want_s]);
	if (want_s != got_s)
		g_string_append_printf(d, " -> %c", ruleseval_severity_names[got_s]);
	g_ptr_array_add(ev->misclassified, g_string_free(d, FALSE));
}

/* eval_one - classify one labelled file and count it in the total, its
 * language and its sub-directory. */
static void eval_one(const struct rules *r, const char *dir, const char *name,
		     struct rulesctl_eval *ev)
{
	char *path = g_build_filename(dir, name, NULL), *error = NULL;
	int want_c, want_s;
	struct message *m = ruleseval_read_labelled(path, &want_c, &want_s, &error);
	g_free(path);
	if (!m) {
		g_ptr_array_add(ev->skipped, g_strdup_printf("%s: %s", name, error));
		g_free(error);
		return;
	}
	struct verdict *v = rules_classify(r, m);
	char sev[2] = { verdict_severity(v), 0 };
	int got_c = ruleseval_category_index(verdict_category(v));
	int got_s = ruleseval_severity_index(sev);
	char *sub = subdir_of(name);
	ruleseval_counts_add(&ev->total, want_c, got_c, want_s, got_s);
	ruleseval_counts_add(group_of(ev->by_lang, msg_lang(m)), want_c, got_c, want_s, got_s);
	ruleseval_counts_add(group_of(ev->by_dir, sub), want_c, got_c, want_s, got_s);
	if (want_c != got_c || want_s != got_s)
		note_miss(ev, name, want_c, got_c, want_s, got_s);
	g_free(sub);
	verdict_free(&v);
	msg_free(&m);
}

/* mirror_total - the plain members callers read. */
static void mirror_total(struct rulesctl_eval *ev)
{
	ev->messages = ev->total.messages;
	ev->category_correct = ev->total.category_correct;
	ev->severity_correct = ev->total.severity_correct;
	memcpy(ev->category_matrix, ev->total.category_matrix, sizeof ev->category_matrix);
	memcpy(ev->severity_matrix, ev->total.severity_matrix, sizeof ev->severity_matrix);
}

int rulesctl_eval_dir(const struct rules *r, const char *dir,
		      struct rulesctl_eval *ev, char **error_r)
{
	memset(ev, 0, sizeof *ev);
	ev->misclassified = g_ptr_array_new_with_free_func(g_free);
	ev->skipped = g_ptr_array_new_with_free_func(g_free);
	ev->by_lang = g_ptr_array_new_with_free_func(group_free);
	ev->by_dir = g_ptr_array_new_with_free_func(group_free);
	GPtrArray *names = ruleseval_find_emls(dir, error_r);
	if (!names)
		return -1;
	for (guint i = 0; i < names->len; i++)
		eval_one(r, dir, g_ptr_array_index(names, i), ev);
	g_ptr_array_unref(names);
	mirror_total(ev);
	return 0;
}

static void print_matrix(FILE *out, unsigned n, const char *const *labels,
			 const unsigned *cells)
{
	fprintf(out, "%14s", "");
	for (unsigned c = 0; c < n; c++)
		fprintf(out, " %12s", labels[c]);
	fputc('\n', out);
	for (unsigned e = 0; e < n; e++) {
		fprintf(out, "%14s", labels[e]);
		for (unsigned c = 0; c < n; c++)
			fprintf(out, " %12u", cells[e * n + c]);
		fputc('\n', out);
	}
}

static const char *const sev_labels[RULESEVAL_NSEV] = { "A", "B", "C" };

/* fmt_ratio - "0.853" or "-" when not defined; buf of 8 bytes. */
static const char *fmt_ratio(double x, char *buf)
{
	if (isnan(x))
		return "-";
	snprintf(buf, 8, "%.3f", x);
	return buf;
}

/* print_pr - precision, recall and support of every class of a matrix. */
static void print_pr(FILE *out, unsigned n, const char *const *labels,
		     const unsigned *cells)
{
	fprintf(out, "%14s %9s %9s %9s\n", "", "precision", "recall", "expected");
	for (unsigned k = 0; k < n; k++) {
		char p[8], r[8];
		unsigned row = 0;
		for (unsigned c = 0; c < n; c++)
			row += cells[k * n + c];
		fprintf(out, "%14s %9s %9s %9u\n", labels[k],
			fmt_ratio(ruleseval_precision(cells, n, k), p),
			fmt_ratio(ruleseval_recall(cells, n, k), r), row);
	}
}

static void print_groups(FILE *out, const char *title, const GPtrArray *groups)
{
	fprintf(out, "\n%s\n%14s %9s %9s %9s %9s\n", title, "", "messages", "category",
		"severity", "sev.macro");
	for (guint i = 0; i < groups->len; i++) {
		const struct rulesctl_eval_group *g = g_ptr_array_index(groups, i);
		fprintf(out, "%14s %9u %9.3f %9.3f %9.3f\n", g->name, g->c.messages,
			ruleseval_counts_category_accuracy(&g->c),
			ruleseval_counts_severity_accuracy(&g->c),
			ruleseval_counts_severity_macro_recall(&g->c));
	}
}

static void print_list(FILE *out, const char *title, const GPtrArray *a)
{
	if (a->len)
		fprintf(out, "\n%s (%u):\n", title, a->len);
	for (guint i = 0; i < a->len; i++)
		fprintf(out, "  %s\n", (char *)g_ptr_array_index(a, i));
}

static void eval_text(const struct rulesctl_eval *ev, FILE *out)
{
	const struct ruleseval_counts *t = &ev->total;
	fprintf(out, "messages: %u (%u skipped)\n", t->messages, ev->skipped->len);
	fprintf(out, "category accuracy: %.1f%% (%u/%u)\n",
		100 * rulesctl_eval_category_accuracy(ev), t->category_correct, t->messages);
	fprintf(out, "severity accuracy: %.1f%% (%u/%u)\n",
		100 * rulesctl_eval_severity_accuracy(ev), t->severity_correct, t->messages);
	fprintf(out, "severity macro-recall: %.3f\n", rulesctl_eval_severity_macro_recall(ev));
	fprintf(out, "\ncategory (rows: expected, columns: classified)\n");
	print_matrix(out, RULESEVAL_NCAT, ruleseval_category_names, &t->category_matrix[0][0]);
	fputc('\n', out);
	print_pr(out, RULESEVAL_NCAT, ruleseval_category_names, &t->category_matrix[0][0]);
	fprintf(out, "\nseverity (rows: expected, columns: classified)\n");
	print_matrix(out, RULESEVAL_NSEV, sev_labels, &t->severity_matrix[0][0]);
	fputc('\n', out);
	print_pr(out, RULESEVAL_NSEV, sev_labels, &t->severity_matrix[0][0]);
	print_groups(out, "by language (detected)", ev->by_lang);
	if (ev->by_dir->len > 1 || (ev->by_dir->len == 1 &&
	    strcmp(((struct rulesctl_eval_group *)g_ptr_array_index(ev->by_dir, 0))->name, ".")))
		print_groups(out, "by sub-directory", ev->by_dir);
	print_list(out, "misclassified", ev->misclassified);
	print_list(out, "skipped", ev->skipped);
}

/* json_matrix - {"labels": [...], "rows": [[...], ...]} */
static void json_matrix(struct json *j, const char *key, unsigned n,
			const char *const *labels, const unsigned *cells)
{
	json_key(j, key);
	json_object_begin(j);
	json_key(j, "labels");
	json_array_begin(j);
	for (unsigned i = 0; i < n; i++)
		json_string(j, labels[i]);
	json_array_end(j);
	json_key(j, "rows");
	json_array_begin(j);
	for (unsigned e = 0; e < n; e++) {
		json_array_begin(j);
		for (unsigned c = 0; c < n; c++)
			json_uint(j, cells[e * n + c]);
		json_array_end(j);
	}
	json_array_end(j);
	json_object_end(j);
}

static void json_ratio(struct json *j, const char *key, double x)
{
	json_key(j, key);
	json_double(j, x);  /* NaN ("not defined") becomes null */
}

/* json_pr - {"quality": {"precision": p, "recall": r}, ...} */
static void json_pr(struct json *j, const char *key, unsigned n,
		    const char *const *labels, const unsigned *cells)
{
	json_key(j, key);
	json_object_begin(j);
	for (unsigned k = 0; k < n; k++) {
		json_key(j, labels[k]);
		json_object_begin(j);
		json_ratio(j, "precision", ruleseval_precision(cells, n, k));
		json_ratio(j, "recall", ruleseval_recall(cells, n, k));
		json_object_end(j);
	}
	json_object_end(j);
}

/* json_counts - the figures of one set, as members of the open object. */
static void json_counts(struct json *j, const struct ruleseval_counts *c)
{
	json_kv_int(j, "messages", c->messages);
	json_ratio(j, "category_accuracy", ruleseval_counts_category_accuracy(c));
	json_ratio(j, "severity_accuracy", ruleseval_counts_severity_accuracy(c));
	json_ratio(j, "severity_macro_recall", ruleseval_counts_severity_macro_recall(c));
	json_pr(j, "category", RULESEVAL_NCAT, ruleseval_category_names, &c->category_matrix[0][0]);
	json_pr(j, "severity", RULESEVAL_NSEV, sev_labels, &c->severity_matrix[0][0]);
	json_matrix(j, "category_matrix", RULESEVAL_NCAT, ruleseval_category_names, &c->category_matrix[0][0]);
	json_matrix(j, "severity_matrix", RULESEVAL_NSEV, sev_labels, &c->severity_matrix[0][0]);
}

static void json_groups(struct json *j, const char *key, const GPtrArray *groups)
{
	json_key(j, key);
	json_object_begin(j);
	for (guint i = 0; i < groups->len; i++) {
		const struct rulesctl_eval_group *g = g_ptr_array_index(groups, i);
		json_key(j, g->name);
		json_object_begin(j);
		json_counts(j, &g->c);
		json_object_end(j);
	}
	json_object_end(j);
}

static void eval_json(const struct rulesctl_eval *ev, FILE *out)
{
	GString *doc = g_string_new(NULL);
	struct json *j = json_new(doc);
	json_object_begin(j);
	json_counts(j, &ev->total);
	json_groups(j, "by_language", ev->by_lang);
	json_groups(j, "by_directory", ev->by_dir);
	json_strings(j, "misclassified", ev->misclassified);
	json_strings(j, "skipped", ev->skipped);
	json_object_end(j);
	json_free(&j);
	put_json(doc, out);
}

void rulesctl_eval_print(const struct rulesctl_eval *ev, bool json, FILE *out)
{
	if (json)
		eval_json(ev, out);
	else
		eval_text(ev, out);
}

/* parse_unit - one figure 0..1 with nothing after it. */
static bool parse_unit(const char *s, double *out)
{
	char *end;
	errno = 0;
	double d = g_ascii_strtod(s, &end);
	if (errno || end == s || *end || !(d >= 0 && d <= 1))
		return false;
	*out = d;
	return true;
}

bool rulesctl_parse_fail_under(const char *s, struct rulesctl_fail_under *fu)
{
	const char *comma = strchr(s, ',');
	if (!comma)
		return false;
	char *first = g_strndup(s, (gsize)(comma - s));
	bool ok = parse_unit(first, &fu->category_accuracy) &&
		  parse_unit(comma + 1, &fu->severity_macro_recall);
	g_free(first);
	fu->set = ok;
	return ok;
}

int rulesctl_eval_gate(const struct rulesctl_eval *ev,
		       const struct rulesctl_fail_under *fu, FILE *err)
{
	if (!fu || !fu->set)
		return 0;
	int rc = 0;
	double ca = rulesctl_eval_category_accuracy(ev);
	double sm = rulesctl_eval_severity_macro_recall(ev);
	if (ca < fu->category_accuracy) {
		fprintf(err, "complaintctl: FAIL: category accuracy %.3f is under %.3f\n",
			ca, fu->category_accuracy);
		rc = 1;
	}
	if (sm < fu->severity_macro_recall) {
		fprintf(err, "complaintctl: FAIL: severity macro-recall %.3f is under %.3f\n",
			sm, fu->severity_macro_recall);
		rc = 1;
	}
	return rc;
}

int rulesctl_eval_cmd(const char *rules_dir, const struct rules_limits *lim,
		      const char *dir, bool json,
		      const struct rulesctl_fail_under *fu, FILE *out, FILE *err)
{
	struct rules *r = ruleseval_load(rules_dir, lim, err);
	if (!r)
		return 1;
	struct rulesctl_eval ev;
	char *error = NULL;
	int rc = rulesctl_eval_dir(r, dir, &ev, &error);
	if (rc < 0) {
		fprintf(err, "complaintctl: %s\n", error);
		g_free(error);
	} else if (ev.messages == 0) {
		fprintf(err, "complaintctl: %s: no labelled messages\n", dir);
		rc = -1;
	}
	if (rc == 0) {
		rulesctl_eval_print(&ev, json, out);
		rc = rulesctl_eval_gate(&ev, fu, err) ? -1 : 0;
	}
	rulesctl_eval_clear(&ev);
	rules_unref(&r);
	return rc < 0 ? 1 : 0;
}

/* ---- reclassify -------------------------------------------------------------- */

bool rulesctl_parse_date(const char *s, int64_t *out)
{
	int y, mo, d;
	char end;
	GDateTime *dt = NULL;
	if (sscanf(s, "%4d-%2d-%2d%c", &y, &mo, &d, &end) == 3 && strlen(s) == 10) {
		GTimeZone *tz = g_time_zone_new_local();
		dt = g_date_time_new(tz, y, mo, d, 0, 0, 0);
		g_time_zone_unref(tz);
	} else {
		GTimeZone *tz = g_time_zone_new_local();
		dt = g_date_time_new_from_iso8601(s, tz);
		g_time_zone_unref(tz);
	}
	if (!dt)
		return false;
	*out = g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	return true;
}

struct reclass_run {
	struct store *s;
	const struct rules *r;
	const struct rulesctl_reclassify_opts *o;
	FILE *out, *err;
	struct json *j;       /* JSON output: the "changes" array is open */
	unsigned checked, changed, applied, skipped;
	int64_t now;
};

/* stored_to_message - a mail is parsed again from its raw source; a form
 * post from its JSON when that is what was kept, else from the stored
 * subject and body. */
static struct message *stored_to_message(const struct store_stored_message *sm)
{
	gsize len = 0;
	const char *raw = sm->raw ? g_bytes_get_data(sm->raw, &len) : NULL;
	bool web = g_strcmp0(sm->channel, "web") == 0;
	if (raw && len && !web)
		return mime_parse(raw, len, NULL);
	if (raw && len && web && ruleseval_looks_like_json("", raw, len)) {
		char *e = NULL;
		struct message *m = ruleseval_message_from_json(raw, len, &e);
		g_free(e);
		if (m)
			return m;
	}
	struct message *m = msg_new(web ? MSG_CHANNEL_WEB : MSG_CHANNEL_EMAIL);
	if (sm->subject)
		msg_set_subject(m, sm->subject);
	msg_set_text(m, sm->body ? sm->body : "");
	msg_set_from(m, sm->from_addr, sm->from_name);
	return m;
}

/* change_detail - "category quality→price severity C→B" (the parts that change). */
static char *change_detail(const struct store_open_complaint *c,
			   const struct verdict *v)
{
	GString *d = g_string_new(NULL);
	if (strcmp(c->category, verdict_category(v)))
		g_string_append_printf(d, "category %s→%s", c->category, verdict_category(v));
	if (c->severity != verdict_severity(v))
		g_string_append_printf(d, "%sseverity %c→%c", d->len ? " " : "",
				       c->severity, verdict_severity(v));
	if (g_strcmp0(c->route, verdict_route(v)))
		g_string_append_printf(d, "%sroute %s→%s", d->len ? " " : "",
				       c->route ? c->route : "(none)",
				       verdict_route(v) ? verdict_route(v) : "(none)");
	return g_string_free(d, FALSE);
}

struct change_tx {
	struct reclass_run *run;
	const struct store_open_complaint *c;
	const struct verdict *v;
	const char *detail;
};

/* change_tx - update (if unchanged meanwhile) + event: 1 applied, 0
 * skipped (the complaint changed; nothing written). */
static int change_tx(void *ctx, GError **err)
{
	struct change_tx *t = ctx;
	struct reclass_run *run = t->run;
	const struct verdict *v = t->v;
	int rc = store_update_classification(run->s, t->c->id, t->c->category, t->c->severity,
					     verdict_category(v), verdict_severity(v),
					     verdict_route(v), run->now, err);
	if (rc == 1 && store_add_event(run->s, t->c->id, run->now,
				       run->o->actor ? run->o->actor : "complaintctl",
				       "reclassified", t->detail, err) < 0)
		rc = -1;
	return rc;
}

/* apply_change - one transaction (store_tx runs it again after a
 * deadlock). 1 applied, 0 skipped, -1 error. */
static int apply_change(struct reclass_run *run, const struct store_open_complaint *c,
			const struct verdict *v, const char *detail)
{
	GError *e = NULL;
	struct change_tx t = { run, c, v, detail };
	int rc = store_tx(run->s, change_tx, &t, &e);
	if (rc < 0) {
		fprintf(run->err, "complaintctl: %s: %s\n", c->ref, e->message);
		g_error_free(e);
	}
	return rc;
}

static void report_change(struct reclass_run *run, const struct store_open_complaint *c,
			  const struct verdict *v, const char *what)
{
	if (run->j) {
		struct json *j = run->j;
		char os[2] = { c->severity, 0 }, ns[2] = { verdict_severity(v), 0 };
		json_object_begin(j);
		json_kv_string(j, "ref", c->ref);
		json_kv_string(j, "old_category", c->category);
		json_kv_string(j, "new_category", verdict_category(v));
		json_kv_string(j, "old_severity", os);
		json_kv_string(j, "new_severity", ns);
		json_kv_string(j, "old_route", c->route);
		json_kv_string(j, "new_route", verdict_route(v));
		json_kv_string(j, "result", what);
		json_object_end(j);
		return;
	}
	if (run->o->progress)
		fprintf(run->o->progress, "\r\033[K");
	fprintf(run->out, "%-20s %s → %s, %c → %c", c->ref, c->category,
		verdict_category(v), c->severity, verdict_severity(v));
	if (g_strcmp0(c->route, verdict_route(v)))
		fprintf(run->out, ", route %s → %s", c->route ? c->route : "(none)",
			verdict_route(v) ? verdict_route(v) : "(none)");
	fprintf(run->out, "  [%s]\n", what);
}

static int reclassify_one(struct reclass_run *run, const struct store_open_complaint *c)
{
	if (!c->first_message)
		return 0;  /* nothing to classify (e.g. opened by staff) */
	struct store_stored_message *sm = NULL;
	GError *e = NULL;
	int rc = store_get_message(run->s, c->first_message, &sm, &e);
	if (rc <= 0) {
		if (rc < 0) {
			fprintf(run->err, "complaintctl: %s: %s\n", c->ref, e->message);
			g_error_free(e);
		}
		return rc;
	}
	struct message *m = stored_to_message(sm);
	store_stored_message_free(sm);
	struct verdict *v = rules_classify(run->r, m);
	msg_free(&m);
	run->checked++;
	char *detail = change_detail(c, v);
	if (*detail) {
		run->changed++;
		const char *what = "would change";
		if (!run->o->dry_run) {
			rc = apply_change(run, c, v, detail);
			what = rc == 1 ? "changed" : rc == 0 ? "skipped: changed meanwhile" : "failed";
			run->applied += rc == 1;
			run->skipped += rc == 0;
		}
		report_change(run, c, v, what);
	}
	g_free(detail);
	verdict_free(&v);
	return rc < 0 ? -1 : 0;
}

#define RECLASS_PAGE 200

/* reclassify_pages - walk the open complaints page by page. */
static int reclassify_pages(struct reclass_run *run, unsigned total)
{
	uint64_t after = 0;
	unsigned done = 0;
	for (;;) {
		GPtrArray *page = g_ptr_array_new_with_free_func(
			(GDestroyNotify)store_open_complaint_free);
		GError *e = NULL;
		int n = store_list_open_complaints(run->s, run->o->since, after,
						   RECLASS_PAGE, page, &e);
		int rc = n < 0 ? -1 : 0;
		if (n < 0) {
			fprintf(run->err, "complaintctl: %s\n", e->message);
			g_error_free(e);
		}
		for (int i = 0; rc == 0 && i < n; i++) {
			const struct store_open_complaint *c = g_ptr_array_index(page, i);
			rc = reclassify_one(run, c);
			after = c->id;
			if (run->o->progress)
				fprintf(run->o->progress, "\r%u/%u", ++done, total);
		}
		g_ptr_array_unref(page);
		if (rc < 0 || n < RECLASS_PAGE)
			return rc;
	}
}

int rulesctl_reclassify(struct store *s, const struct rules *r,
			const struct rulesctl_reclassify_opts *o, FILE *out,
			FILE *err)
{
	struct reclass_run run = { .s = s, .r = r, .o = o, .out = out, .err = err,
				   .now = o->now ? o->now : (int64_t)time(NULL) };
	unsigned total = 0;
	GError *e = NULL;
	if (store_count_open_complaints(s, o->since, &total, &e) < 0) {
		fprintf(err, "complaintctl: %s\n", e->message);
		g_error_free(e);
		return 1;
	}
	GString *doc = o->json ? g_string_new(NULL) : NULL;
	if (doc) {
		run.j = json_new(doc);
		json_object_begin(run.j);
		json_key(run.j, "changes");
		json_array_begin(run.j);
	}
	int rc = reclassify_pages(&run, total);
	if (o->progress)
		fprintf(o->progress, "\r\033[K");
	if (doc) {
		json_array_end(run.j);
		json_kv_int(run.j, "open", total);
		json_kv_int(run.j, "checked", run.checked);
		json_kv_int(run.j, "changed", run.changed);
		json_kv_int(run.j, "applied", run.applied);
		json_kv_int(run.j, "skipped", run.skipped);
		json_kv_bool(run.j, "dry_run", o->dry_run);
		json_kv_bool(run.j, "ok", rc == 0);
		json_object_end(run.j);
		json_free(&run.j);
		put_json(doc, out);
	} else {
		fprintf(out, "%u open complaint%s, %u classified again, %u %s%s\n", total,
			total == 1 ? "" : "s", run.checked, o->dry_run ? run.changed : run.applied,
			o->dry_run ? "would change (dry run: nothing written)" : "changed",
			run.skipped ? ", some skipped because staff changed them meanwhile" : "");
	}
	return rc < 0 ? 1 : 0;
}

/* ---- command line ------------------------------------------------------------ */

#define MAX_POS 16  /* rules learn DIR... */

struct args {
	bool json, dry_run, since_set;
	struct rulesctl_fail_under fail_under;
	struct ruleslearn_opts learn;
	int64_t since;
	const char *rules_dir;
	const char *output;       /* learn --output FILE */
	const char *export_dir;   /* corrections --export DIR */
	const char *pos[MAX_POS];
	int npos;
};

/* take_count - "--name N", N a whole number from min to 100000. */
static int take_count(int argc, char **argv, int *i, const char *name,
		      unsigned min, unsigned *out, FILE *err)
{
	const char *v = NULL;
	size_t n = strlen(name);
	if (strncmp(argv[*i], name, n) || (argv[*i][n] && argv[*i][n] != '='))
		return 0;
	if (argv[*i][n] == '=')
		v = argv[*i] + n + 1;
	else if (*i + 1 < argc)
		v = argv[++*i];
	char *end = NULL;
	unsigned long x = v ? strtoul(v, &end, 10) : 0;
	if (!v || !*v || *end || !g_ascii_isdigit(*v) || x < min || x > 100000) {
		fprintf(err, "complaintctl: %s: a whole number from %u expected\n", name, min);
		return -1;
	}
	*out = (unsigned)x;
	return 1;
}

/* parse_learn_opt - the options of rules learn: 1 taken, 0 not one, -1 bad. */
static int parse_learn_opt(int argc, char **argv, int *i, struct args *a, FILE *err)
{
	int rc;
	if ((rc = take_count(argc, argv, i, "--min-support", 1, &a->learn.min_support, err)) ||
	    (rc = take_count(argc, argv, i, "--max-rules", 0, &a->learn.max_rules, err)) ||
	    (rc = take_count(argc, argv, i, "--folds", 2, &a->learn.folds, err)))
		return rc;
	return 0;
}

/* take_value - "--name VALUE" or "--name=VALUE". */
static const char *take_value(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);
	if (strncmp(argv[*i], name, n))
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] == '\0' && *i + 1 < argc)
		return argv[++*i];
	return NULL;
}

/* valid_prefix - rule names are letters, digits and '_', at most 64 bytes:
 * the prefix leaves room for "_INFRINGEMENT_0001". */
static bool valid_prefix(const char *p, FILE *err)
{
	bool ok = g_ascii_isalpha(*p) && strlen(p) <= 40;
	for (const char *c = p; ok && *c; c++)
		ok = g_ascii_isalnum(*c) || *c == '_';
	if (!ok)
		fprintf(err, "complaintctl: --prefix %s: a letter, then letters, digits "
			"or _, at most 40\n", p);
	return ok;
}

/* parse_value_opt - the options with a value: 1 taken, 0 not one of
 * them, -1 a bad value (said on err). */
static int parse_value_opt(int argc, char **argv, int *i, struct args *a, FILE *err)
{
	const char *v;
	if ((v = take_value(argc, argv, i, "--rules")) != NULL) {
		a->rules_dir = v;
	} else if ((v = take_value(argc, argv, i, "--fail-under")) != NULL) {
		if (!rulesctl_parse_fail_under(v, &a->fail_under)) {
			fprintf(err, "complaintctl: --fail-under %s: two figures 0..1 "
				"expected (CATEGORY_ACC,SEVERITY_MACRO_RECALL, e.g. 0.85,0.80)\n", v);
			return -1;
		}
	} else if ((v = take_value(argc, argv, i, "--since")) != NULL) {
		if (!rulesctl_parse_date(v, &a->since)) {
			fprintf(err, "complaintctl: --since %s: not a date (YYYY-MM-DD)\n", v);
			return -1;
		}
		a->since_set = true;
	} else if ((v = take_value(argc, argv, i, "--prefix")) != NULL) {
		a->learn.prefix = v;
		if (!valid_prefix(v, err))
			return -1;
	} else if ((v = take_value(argc, argv, i, "--output")) != NULL) {
		a->output = v;
	} else if ((v = take_value(argc, argv, i, "--export")) != NULL) {
		a->export_dir = v;
	} else {
		return parse_learn_opt(argc, argv, i, a, err);
	}
	return 1;
}

static int parse_args(int argc, char **argv, struct args *a, FILE *err)
{
	bool opts = true;
	for (int i = 1; i < argc; i++) {
		bool option = opts && argv[i][0] == '-' && argv[i][1];
		int taken;
		if (option && !strcmp(argv[i], "--"))
			opts = false;
		else if (option && !strcmp(argv[i], "--json"))
			a->json = true;
		else if (option && !strcmp(argv[i], "--dry-run"))
			a->dry_run = true;
		else if (option && (taken = parse_value_opt(argc, argv, &i, a, err)) != 0) {
			if (taken < 0)
				return -1;
		} else if (option) {
			fprintf(err, "complaintctl: rules: unknown option %s\n", argv[i]);
			return -1;
		} else if (a->npos < MAX_POS) {
			a->pos[a->npos++] = argv[i];
		} else {
			fprintf(err, "complaintctl: rules: too many arguments\n");
			return -1;
		}
	}
	return 0;
}

void rulesctl_usage(FILE *f)
{
	fprintf(f, "usage: complaintctl [-c FILE] rules check [DIR]\n"
		"       complaintctl [-c FILE] rules test [--json] FILE.eml|FILE.json|-\n"
		"       complaintctl [-c FILE] rules eval [--json] [--fail-under CAT_ACC,SEV_MACRO_RECALL] DIR\n"
		"       complaintctl [-c FILE] rules reclassify [--since DATE] [--dry-run] [--json]\n"
		"       complaintctl [-c FILE] rules learn [--min-support N] [--max-rules N] [--folds K]\n"
		"                    [--prefix NAME] [--output FILE] [--json] DIR...\n"
		"       complaintctl [-c FILE] rules corrections --export DIR [--json]\n"
		"options: --rules DIR   rules to use instead of the configured rules_dir\n");
}

static int open_db(const struct config *cfg, struct store **s)
{
	*s = daemon_open_store(cfg, "complaintctl");
	return *s ? 0 : -1;
}

static int reclassify_cmd(const struct config *cfg, const char *dir,
			  const struct rules_limits *lim, const struct args *a)
{
	struct rules *r = ruleseval_load(dir, lim, stderr);
	struct store *s = NULL;
	if (!r || open_db(cfg, &s) < 0) {
		rules_unref(&r);
		return 1;
	}
	struct rulesctl_reclassify_opts o = {
		.since = a->since_set ? a->since : 0, .dry_run = a->dry_run,
		.json = a->json, .progress = isatty(fileno(stderr)) ? stderr : NULL,
	};
	char *actor = g_strdup_printf("complaintctl:%s", g_get_user_name());
	o.actor = actor;
	int rc = rulesctl_reclassify(s, r, &o, stdout, stderr);
	g_free(actor);
	store_close(&s);
	rules_unref(&r);
	return rc;
}

static int corrections_cmd(const struct config *cfg, const struct args *a)
{
	struct store *s = NULL;
	if (open_db(cfg, &s) < 0)
		return 1;
	int rc = rulescorr_export(s, a->export_dir, a->json, stdout, stderr);
	store_close(&s);
	return rc;
}

/* learn_cmd - the learned rules to --output FILE (then the figures to
 * stdout) or to stdout (then the figures to stderr). */
static int learn_cmd(const char *dir, const struct rules_limits *lim,
		     const struct args *a)
{
	FILE *out = stdout;
	if (a->output && !(out = fopen(a->output, "w"))) {
		fprintf(stderr, "complaintctl: %s: %s\n", a->output, g_strerror(errno));
		return 1;
	}
	int rc = ruleslearn_cmd(dir, lim, a->pos, (unsigned)a->npos, &a->learn, a->json,
				out, a->output ? stdout : stderr);
	if (a->output && fclose(out) != 0 && rc == 0) {
		fprintf(stderr, "complaintctl: %s: %s\n", a->output, g_strerror(errno));
		rc = 1;
	}
	return rc;
}

/* load_config_if_any - NULL without complaint when file does not exist. */
static int load_config_if_any(const char *file, struct config **cfg)
{
	*cfg = NULL;
	if (!file || (!g_file_test(file, G_FILE_TEST_EXISTS)))
		return 0;
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	*cfg = config_load(file, errors);
	for (guint i = 0; i < errors->len; i++)
		fprintf(stderr, "%s\n", (char *)g_ptr_array_index(errors, i));
	g_ptr_array_unref(errors);
	return *cfg ? 0 : -1;
}

static int dispatch(const char *cmd, const struct args *a, const struct config *cfg,
		    const char *dir, const struct rules_limits *lim)
{
	if (!strcmp(cmd, "check") && a->npos <= 1)
		return rulesctl_check(a->npos ? a->pos[0] : dir, a->json, stdout);
	if (!strcmp(cmd, "test") && a->npos == 1)
		return rulesctl_test(dir, lim, a->pos[0], a->json, stdout, stderr);
	if (!strcmp(cmd, "eval") && a->npos == 1)
		return rulesctl_eval_cmd(dir, lim, a->pos[0], a->json, &a->fail_under,
					 stdout, stderr);
	if (!strcmp(cmd, "learn") && a->npos >= 1)
		return learn_cmd(dir, lim, a);
	if (!strcmp(cmd, "corrections") && a->npos == 0 && a->export_dir) {
		if (!cfg) {
			fprintf(stderr, "complaintctl: rules corrections needs the configuration (-c FILE)\n");
			return 1;
		}
		return corrections_cmd(cfg, a);
	}
	if (!strcmp(cmd, "reclassify") && a->npos == 0) {
		if (!cfg) {
			fprintf(stderr, "complaintctl: rules reclassify needs the configuration (-c FILE)\n");
			return 1;
		}
		return reclassify_cmd(cfg, dir, lim, a);
	}
	rulesctl_usage(stderr);
	return 2;
}

int rulesctl_main(const char *config_file, bool json, int argc, char **argv)
{
	struct args a = { .json = json };
	ruleslearn_opts_init(&a.learn);
	if (argc < 1 || parse_args(argc, argv, &a, stderr) < 0) {
		rulesctl_usage(stderr);
		return 2;
	}
	struct config *cfg = NULL;
	if (load_config_if_any(config_file, &cfg) < 0)
		return 1;
	mime_init();
	struct rules_limits lim = { 0 };
	if (cfg) {
		lim.match_limit = (uint32_t)cfg->rules_match_limit;
		lim.depth_limit = (uint32_t)cfg->rules_depth_limit;
		lim.no_jit = !cfg->rules_jit;
		lim.cache_dir = cfg->cache_dir;
	}
	const char *dir = a.rules_dir ? a.rules_dir : cfg ? cfg->rules_dir : "rules";
	int rc = dispatch(argv[0], &a, cfg, dir, &lim);
	config_free(&cfg);
	return rc;
}
