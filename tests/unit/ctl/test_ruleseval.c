/* test_ruleseval - the figures of `complaintctl rules eval` (precision,
 * recall, severity macro-recall, per language, per sub-directory) on the
 * hand-made set tests/data/evalpr, whose every figure is worked out below,
 * and the exit status of --fail-under on either side of them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "lib/jsonparse.h"
#include "lib/log.h"
#include "mail/mime.h"
#include "ctl/rulesctl.h"
#include "ctl/ruleseval.h"

/* Three rules: "broken"/坏了 is quality, price/价格 is price, a journalist
 * or 记者 is severity A. The set's service complaints and its court threat
 * (法院) are what the rules miss, on purpose. */
static const char rules_text[] =
	"rule Q any /broken|坏了/i\n    score quality 3\n"
	"rule P any /price|价格/i\n    score price 3\n"
	"rule A any /journalist|记者/i\n    severity A\n";

struct fixture {
	char *rules_dir, *file, *data;
};

static int setup(void **state)
{
	struct fixture *f = g_new0(struct fixture, 1);
	f->rules_dir = g_dir_make_tmp("ruleseval-XXXXXX", NULL);
	f->file = g_build_filename(f->rules_dir, "10-x.rules", NULL);
	g_file_set_contents(f->file, rules_text, -1, NULL);
	const char *top = g_getenv("COMPLAINTD_SRCDIR");
	f->data = g_build_filename(top ? top : ".", "tests/data/evalpr", NULL);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	g_unlink(f->file);
	g_rmdir(f->rules_dir);
	g_free(f->file);
	g_free(f->rules_dir);
	g_free(f->data);
	g_free(f);
	return 0;
}

static void assert_near(double got, double want)
{
	if (fabs(got - want) > 1e-9)
		fail_msg("got %.6f, want %.6f", got, want);
}

static const struct ruleseval_counts *group(const GPtrArray *groups, const char *name)
{
	for (guint i = 0; i < groups->len; i++) {
		const struct rulesctl_eval_group *g = g_ptr_array_index(groups, i);
		if (!strcmp(g->name, name))
			return &g->c;
	}
	fail_msg("no group %s", name);
	return NULL;
}

static void eval(struct fixture *f, struct rulesctl_eval *ev)
{
	struct rules *r = ruleseval_load(f->rules_dir, NULL, stderr);
	assert_non_null(r);
	char *error = NULL;
	assert_int_equal(rulesctl_eval_dir(r, f->data, ev, &error), 0);
	rules_unref(&r);
}

/* Worked out by hand: 8 messages; classified quality en1 en3 zh1 zh4,
 * price en2 zh2, other en4 zh3 (both service). Severity A expected for
 * en3 zh3 zh4, found for en3 zh3. */
static void test_eval_figures(void **state)
{
	struct fixture *f = *state;
	struct rulesctl_eval ev;
	eval(f, &ev);
	const unsigned *cm = &ev.total.category_matrix[0][0];
	const unsigned *sm = &ev.total.severity_matrix[0][0];
	assert_int_equal(ev.messages, 8);
	assert_int_equal(ev.skipped->len, 0);
	assert_near(rulesctl_eval_category_accuracy(&ev), 6.0 / 8);
	assert_near(ruleseval_precision(cm, RULESEVAL_NCAT, 0), 1);      /* quality */
	assert_near(ruleseval_recall(cm, RULESEVAL_NCAT, 0), 1);
	assert_near(ruleseval_recall(cm, RULESEVAL_NCAT, 1), 0);         /* service */
	assert_true(isnan(ruleseval_precision(cm, RULESEVAL_NCAT, 1)));  /* never chosen */
	assert_near(ruleseval_precision(cm, RULESEVAL_NCAT, 4), 0);      /* other */
	assert_true(isnan(ruleseval_recall(cm, RULESEVAL_NCAT, 4)));     /* none expected */
	assert_near(ruleseval_recall(sm, RULESEVAL_NSEV, 0), 2.0 / 3);   /* A */
	assert_near(ruleseval_precision(sm, RULESEVAL_NSEV, 0), 1);
	assert_near(ruleseval_precision(sm, RULESEVAL_NSEV, 2), 5.0 / 6); /* C */
	/* no B expected: the mean of A's 2/3 and C's 1 */
	assert_near(rulesctl_eval_severity_macro_recall(&ev), (2.0 / 3 + 1) / 2);

	assert_int_equal(ev.by_lang->len, 2);
	assert_int_equal(group(ev.by_lang, "en")->messages, 4);
	assert_int_equal(group(ev.by_lang, "zh")->category_correct, 3);
	assert_int_equal(ev.by_dir->len, 2);
	assert_near(ruleseval_counts_category_accuracy(group(ev.by_dir, "shop")), 1);
	assert_near(ruleseval_counts_category_accuracy(group(ev.by_dir, "escalated")), 0.5);
	assert_near(ruleseval_counts_severity_macro_recall(group(ev.by_dir, "shop")), 1);
	rulesctl_eval_clear(&ev);
}

static void test_eval_json(void **state)
{
	struct fixture *f = *state;
	struct rulesctl_eval ev;
	eval(f, &ev);
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	rulesctl_eval_print(&ev, true, out);
	fclose(out);
	char *error = NULL;
	struct jsonparse_value *v = jsonparse_parse(buf, len, NULL, &error);
	assert_non_null(v);
	const struct jsonparse_value *q = jsonparse_get(jsonparse_get(v, "category"), "quality");
	assert_true(jsonparse_number(jsonparse_get(q, "recall")) == 1);
	const struct jsonparse_value *s = jsonparse_get(jsonparse_get(v, "category"), "service");
	assert_int_equal(jsonparse_type(jsonparse_get(s, "precision")), JSONPARSE_NULL);
	assert_near(jsonparse_number(jsonparse_get(v, "severity_macro_recall")), (2.0 / 3 + 1) / 2);
	const struct jsonparse_value *zh = jsonparse_get(jsonparse_get(v, "by_language"), "zh");
	assert_true(jsonparse_number(jsonparse_get(zh, "messages")) == 4);
	const struct jsonparse_value *esc = jsonparse_get(jsonparse_get(v, "by_directory"), "escalated");
	assert_near(jsonparse_number(jsonparse_get(esc, "category_accuracy")), 0.5);
	assert_non_null(jsonparse_get(esc, "category_matrix"));
	jsonparse_free(&v);
	free(buf);
	rulesctl_eval_clear(&ev);
}

/* run_gate - the exit status of `rules eval --fail-under spec`, and what
 * it said on standard error (free()). */
static int run_gate(struct fixture *f, const char *spec, char **said)
{
	struct rulesctl_fail_under fu = { 0 };
	assert_true(rulesctl_parse_fail_under(spec, &fu));
	size_t len = 0;
	*said = NULL;
	FILE *err = open_memstream(said, &len);
	FILE *out = fopen("/dev/null", "w");
	int rc = rulesctl_eval_cmd(f->rules_dir, NULL, f->data, false, &fu, out, err);
	fclose(out);
	fclose(err);
	return rc;
}

/* The figures are 0.75 and 0.833: a gate just under both passes, one just
 * above either fails and names the figure. */
static void test_fail_under(void **state)
{
	struct fixture *f = *state;
	char *said;
	assert_int_equal(run_gate(f, "0.75,0.83", &said), 0);
	assert_string_equal(said, "");
	free(said);
	assert_int_equal(run_gate(f, "0.76,0.80", &said), 1);
	assert_non_null(strstr(said, "category accuracy 0.750 is under 0.760"));
	assert_null(strstr(said, "severity"));
	free(said);
	assert_int_equal(run_gate(f, "0.50,0.84", &said), 1);
	assert_non_null(strstr(said, "severity macro-recall 0.833 is under 0.840"));
	free(said);

	struct rulesctl_fail_under fu;
	assert_false(rulesctl_parse_fail_under("0.85", &fu));
	assert_false(rulesctl_parse_fail_under("0.85,", &fu));
	assert_false(rulesctl_parse_fail_under("85,80", &fu));
	assert_false(rulesctl_parse_fail_under("0.8x,0.8", &fu));
}

int main(void)
{
	log_open("test_ruleseval", false, LOG_LVL_WARN);
	mime_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_eval_figures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eval_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fail_under, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
