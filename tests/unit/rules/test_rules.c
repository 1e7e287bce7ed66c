/* test_rules - the rule language parser, evaluation semantics, limits,
 * thread safety and the accuracy of the default rule set. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include <time.h>
#include <glib/gstdio.h>

#include "mail/message.h"
#include "mail/mime.h"
#include "rules/rules.h"
#include "lib/holder.h"
#include "../rules_cache_fixture.h"

static void *holder_rules_ref(void *r) { return rules_ref(r); }
static void holder_rules_unref(void *r) { struct rules *x = r; rules_unref(&x); }

/* Tests run from the top of the source tree (make unit); COMPLAINTD_SRCDIR
 * overrides that for running a binary from elsewhere. */
static char *src_path(const char *rel)
{
	const char *top = g_getenv("COMPLAINTD_SRCDIR");
	return g_build_filename(top ? top : ".", rel, NULL);
}

static GPtrArray *strv(void)
{
	return g_ptr_array_new_with_free_func(g_free);
}

static struct rules *load(const char *text, GPtrArray *errors,
			  GPtrArray *warnings)
{
	return rules_load_string("t.rules", text, strlen(text), NULL, errors,
				 warnings);
}

/* load_ok - loads text that must be valid; prints errors if it is not. */
static struct rules *load_ok(const char *text)
{
	GPtrArray *errors = strv();
	struct rules *r = load(text, errors, NULL);
	for (unsigned i = 0; i < errors->len; i++)
		print_message("unexpected error: %s\n",
			      (char *)g_ptr_array_index(errors, i));
	assert_non_null(r);
	assert_int_equal(errors->len, 0);
	g_ptr_array_unref(errors);
	return r;
}

static struct message *mk(const char *subject, const char *body)
{
	struct message *m = msg_new(MSG_CHANNEL_EMAIL);
	if (subject)
		msg_set_subject(m, subject);
	msg_set_text(m, body ? body : "");
	return m;
}

static struct verdict *classify(struct rules *r, const char *subject,
				const char *body)
{
	struct message *m = mk(subject, body);
	struct verdict *v = rules_classify(r, m);
	msg_free(&m);
	return v;
}

static bool has_hit(const struct verdict *v, const char *name)
{
	for (unsigned i = 0; i < verdict_hit_count(v); i++)
		if (strcmp(verdict_hit(v, i)->rule, name) == 0)
			return true;
	return false;
}

/* ---- parser errors ------------------------------------------------------ */

struct bad_case {
	const char *text;
	const char *want; /* prefix of the first error */
};

static const struct bad_case bad_cases[] = {
	{ "foo bar\n", "t.rules:1:1: unknown keyword 'foo'" },
	{ "\n  rule 9X any /a/\n", "t.rules:2:8: invalid rule name '9X'" },
	{ "rule\n", "t.rules:1:5: rule: missing rule name" },
	{ "rule X\n", "t.rules:1:7: rule X: missing field" },
	{ "rule X subj /a/\n", "t.rules:1:8: unknown field 'subj'" },
	{ "rule X header: /a/\n", "t.rules:1:8: invalid name in field 'header:'" },
	{ "rule X field:a:b /a/\n", "t.rules:1:8: invalid name in field" },
	{ "rule X any\n", "t.rules:1:11: rule X: missing /pattern/" },
	{ "rule X any a/\n", "t.rules:1:12: rule X: pattern must start with '/'" },
	{ "rule X any /abc\n", "t.rules:1:12: rule X: pattern has no closing '/'" },
	{ "rule X any //\n", "t.rules:1:12: rule X: empty pattern" },
	{ "rule X any /a/q\n", "t.rules:1:15: unknown pattern flag 'q'" },
	{ "rule X any /a/ii\n", "t.rules:1:16: pattern flag 'i' given twice" },
	{ "rule X any /a/i j\n", "t.rules:1:16: rule X: unexpected text after" },
	/* PCRE2's own message, column from its error offset */
	{ "rule X any /a(b/\n", "t.rules:1:16: rule X: bad pattern: missing closing parenthesis" },
	{ "rule X any /x{2,1}/\n", "t.rules:1:18: rule X: bad pattern: numbers out of order" },
	{ "rule X any /a\xff/\n", "t.rules:1:14: invalid UTF-8 or NUL byte" },
	{ "score quality 1\n", "t.rules:1:1: 'score' outside a rule" },
	{ "rule X any /a/\n score qual 1\n", "t.rules:2:8: score: unknown category 'qual'" },
	{ "rule X any /a/\n score quality\n", "t.rules:2:15: score: expected CATEGORY NUMBER" },
	{ "rule X any /a/\n score quality 1x\n", "t.rules:2:16: score: '1x' is not a number" },
	{ "rule X any /a/\n score quality nan\n", "t.rules:2:16: score: 'nan' is not a number" },
	{ "rule X any /a/\n score price 1e9\n", "t.rules:2:14: score: '1e9' is not a number" },
	{ "rule X any /a/\n score price 1\n score price 2\n", "t.rules:3:8: rule X: score for price given twice" },
	{ "rule X any /a/\n score price 1 2\n", "t.rules:2:16: unexpected '2' at end of line" },
	{ "rule X any /a/\n severity D\n", "t.rules:2:11: severity: 'D' is not A, B or C" },
	{ "rule X any /a/\n severity A\n severity B\n", "t.rules:3:1: rule X: severity given twice" },
	{ "rule X any /a/\n route legal x\n", "t.rules:2:14: route: priority 'x' is not a whole number" },
	{ "rule X any /a/\n route legal 2.5\n", "t.rules:2:14: route: priority '2.5'" },
	{ "rule X any /a/\n route\n", "t.rules:2:7: route: expected a department name" },
	{ "rule X any /a/\n tag\n", "t.rules:2:5: tag: expected a tag" },
	{ "rule X any /a/\n cancel\n", "t.rules:2:8: cancel: expected one or more rule names" },
	{ "rule X any /a/\n cancel 1A\n", "t.rules:2:9: cancel: invalid rule name '1A'" },
	{ "rule X any /a/\n describe   \n", "t.rules:2:13: describe: expected a text" },
	{ "threshold 0\n", "t.rules:1:11: threshold: '0' is not a number above 0" },
	{ "threshold 2\nthreshold 3\n", "t.rules:2:1: threshold already set at t.rules:1" },
	{ "default-route qualty x\n", "t.rules:1:15: default-route: unknown category 'qualty'" },
	{ "default-route other a\ndefault-route other b\n", "t.rules:2:1: default-route for other already set at t.rules:1" },
	{ "threshold 2\n score price 1\n", "t.rules:2:1: 'score' outside a rule" },
	{ "meta M\n", "t.rules:1:7: meta M: missing expression" },
	{ "rule A any /a/\nmeta M A &&\n", "t.rules:2:12: meta M: expected a rule name, '!' or '(' at end of line" },
	{ "rule A any /a/\nmeta M (A || A\n", "t.rules:2:15: meta M: expected ')' at end of line" },
	{ "rule A any /a/\nmeta M A A\n", "t.rules:2:10: meta M: unexpected text" },
	{ "rule A any /a/\nmeta M A & A\n", "t.rules:2:10: meta M: unexpected text" },
	{ "rule A any /a/\nmeta M A && 1B\n", "t.rules:2:13: meta M: invalid rule name" },
	{ "meta M NOPE\n score price 1\n", "t.rules:1:8: rule M: meta refers to unknown rule 'NOPE'" },
	{ "rule X any /a/\n cancel NOPE\n", "t.rules:2:9: rule X: cancel of unknown rule 'NOPE'" },
	{ "rule X any /a/\n cancel X\n", "t.rules:2:9: rule X cancels itself" },
	{ "rule X any /a/\n score price 1\nrule X body /b/\n score price 1\n", "t.rules:3:6: duplicate rule name 'X' (first defined at t.rules:1)" },
	{ "meta A B\n score price 1\nmeta B A\n score price 1\n", "t.rules:1:6: dependency cycle through meta or cancel: A -> B -> A" },
	{ "rule X any /x/\n cancel Y\nrule Y any /y/\n cancel X\n", "t.rules:1:6: dependency cycle through meta or cancel: X -> Y -> X" },
};

static void test_parse_errors(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(bad_cases); i++) {
		GPtrArray *errors = strv();
		struct rules *r = load(bad_cases[i].text, errors, NULL);
		const char *got = errors->len ? g_ptr_array_index(errors, 0) : "(none)";
		if (r != NULL || !g_str_has_prefix(got, bad_cases[i].want))
			fail_msg("case %zu: want \"%s...\", got \"%s\"%s", i,
				 bad_cases[i].want, got, r ? " and a rule set" : "");
		g_ptr_array_unref(errors);
	}
}

static void test_parse_deep_nesting(void **state)
{
	GString *s = g_string_new("rule A any /a/\nmeta M ");
	for (int i = 0; i < 200; i++)
		g_string_append(s, "!(");
	g_string_append(s, "A");
	for (int i = 0; i < 200; i++)
		g_string_append_c(s, ')');
	g_string_append(s, "\n score price 1\n");
	GPtrArray *errors = strv();
	struct rules *r = load(s->str, errors, NULL);
	assert_null(r);
	assert_true(strstr(g_ptr_array_index(errors, 0), "nested too deeply") != NULL);
	g_ptr_array_unref(errors);
	g_string_free(s, TRUE);
}

static void test_parse_long_line_and_nul(void **state)
{
	GString *s = g_string_new("rule A any /");
	for (int i = 0; i < 9000; i++)
		g_string_append_c(s, 'a');
	g_string_append(s, "/\n");
	GPtrArray *errors = strv();
	assert_null(load(s->str, errors, NULL));
	assert_string_equal(g_ptr_array_index(errors, 0),
			    "t.rules:1:1: line too long (at most 8192 bytes)");
	g_ptr_array_set_size(errors, 0);
	static const char nul[] = "rule A any /a\0b/\n score price 1\n";
	assert_null(rules_load_string("n.rules", nul, sizeof nul - 1, NULL,
				      errors, NULL));
	assert_string_equal(g_ptr_array_index(errors, 0),
			    "n.rules:1:14: invalid UTF-8 or NUL byte");
	g_ptr_array_unref(errors);
	g_string_free(s, TRUE);
}

/* Every error of a file is reported, not only the first. */
static void test_parse_all_errors(void **state)
{
	GPtrArray *errors = strv();
	assert_null(load("rule A any /(/\n score x 1\nbogus\nrule B any /b/\n"
			 " severity Z\n", errors, NULL));
	assert_int_equal(errors->len, 3); /* A's score line is skipped */
	assert_true(g_str_has_prefix(g_ptr_array_index(errors, 1), "t.rules:3:1:"));
	assert_true(g_str_has_prefix(g_ptr_array_index(errors, 2), "t.rules:5:11:"));
	g_ptr_array_unref(errors);
}

static void test_parse_warnings(void **state)
{
	GPtrArray *errors = strv(), *warnings = strv();
	struct rules *r = load("rule E body /a*/\n score price 1\n"
			       "rule N body /n/\n"
			       "rule __H body /h/\n", errors, warnings);
	assert_non_null(r);
	assert_int_equal(errors->len, 0);
	assert_int_equal(warnings->len, 2);
	assert_string_equal(g_ptr_array_index(warnings, 0),
			    "t.rules:1:14: rule E: pattern can match the empty string");
	assert_true(g_str_has_prefix(g_ptr_array_index(warnings, 1),
				     "t.rules:3:6: rule N has no effect"));
	assert_int_equal(rules_count(r), 3);
	rules_unref(&r);
	assert_null(r);
	g_ptr_array_unref(errors);
	g_ptr_array_unref(warnings);
}

static void test_parse_syntax_details(void **state)
{
	/* BOM, CRLF, comments, '/' inside the pattern, tabs, decimal scores */
	struct rules *r = load_ok("\xef\xbb\xbf# comment\r\n"
				  "rule\tURL any /http://x\\.test/a/i\r\n"
				  "    # indented comment\n"
				  "    score price 1.5\n"
				  "    describe  a  text with  blanks  \n");
	struct verdict *v = classify(r, NULL, "see HTTP://X.TEST/A now");
	assert_true(has_hit(v, "URL"));
	assert_true(verdict_score(v, "price") == 1.5);
	assert_string_equal(verdict_hit(v, 0)->describe, "a  text with  blanks");
	assert_string_equal(verdict_hit(v, 0)->match, "HTTP://X.TEST/A");
	assert_string_equal(verdict_hit(v, 0)->effect, "price+1.5");
	verdict_free(&v);
	assert_null(v);
	rules_unref(&r);
}

/* ---- evaluation semantics ---------------------------------------------- */

static const char *sem_rules =
	"threshold 2\n"
	"default-route quality qdept\n"
	"default-route other office\n"
	"rule Q any /broken/i\n score quality 3\n tag defect\n"
	"rule Q2 any /cracked/i\n score quality 1\n tag defect\n"
	"rule S any /rude/i\n score service 3\n"
	"rule P any /refund/i\n score price 3\n"
	"rule PN any /free gift/i\n score price -2\n"
	"rule I any /fake/i\n score infringement 3\n route legal 5\n"
	"rule MEDIA any /newspaper/i\n severity A\n route crisis 20\n"
	"rule ASSOC any /consumer association/i\n severity B\n"
	"rule NOTQ any /not a quality issue/i\n cancel Q Q2\n"
	"rule __W body /warranty/i\n"
	"meta QW Q && __W && !S\n score quality 2\n severity B\n"
	"meta ANY (Q || S) && (P || I)\n tag mixed\n";

static void test_eval_scores_threshold(void **state)
{
	struct rules *r = load_ok(sem_rules);
	struct verdict *v = classify(r, "hello", "nothing to see");
	assert_string_equal(verdict_category(v), "other");
	assert_int_equal(verdict_severity(v), 'C');
	assert_string_equal(verdict_route(v), "office");
	assert_int_equal(verdict_hit_count(v), 0);
	verdict_free(&v);

	/* one weak hit stays below the threshold */
	v = classify(r, NULL, "it is cracked");
	assert_string_equal(verdict_category(v), "other");
	assert_true(verdict_score(v, "quality") == 1);
	verdict_free(&v);

	/* weak + strong add up; tags are not repeated */
	v = classify(r, "Broken", "and cracked");
	assert_string_equal(verdict_category(v), "quality");
	assert_true(verdict_score(v, "quality") == 4);
	assert_int_equal(verdict_tag_count(v), 1);
	assert_string_equal(verdict_tag(v, 0), "defect");
	assert_null(verdict_tag(v, 1));
	assert_string_equal(verdict_route(v), "qdept");
	assert_string_equal(verdict_hit(v, 0)->field, "subject");
	assert_string_equal(verdict_hit(v, 1)->field, "body");
	assert_true(verdict_score(v, "nonsense") == 0);
	verdict_free(&v);

	/* a negative score lowers a category below the threshold */
	v = classify(r, NULL, "refund for the free gift");
	assert_true(verdict_score(v, "price") == 1);
	assert_string_equal(verdict_category(v), "other");
	verdict_free(&v);
	rules_unref(&r);
}

static void test_eval_ties(void **state)
{
	struct rules *r = load_ok(sem_rules);
	struct verdict *v = classify(r, NULL, "broken and rude");
	assert_string_equal(verdict_category(v), "quality");
	verdict_free(&v);
	v = classify(r, NULL, "rude, want a refund");
	assert_string_equal(verdict_category(v), "price");
	assert_true(verdict_fired(v, "ANY"));
	verdict_free(&v);
	v = classify(r, NULL, "fake and broken and refund");
	assert_string_equal(verdict_category(v), "infringement");
	assert_string_equal(verdict_route(v), "legal");
	verdict_free(&v);
	/* a higher score wins whatever the order */
	v = classify(r, NULL, "rude rude, broken? no: cracked. refund!");
	assert_string_equal(verdict_category(v), "quality"); /* 4 > 3 = 3 */
	verdict_free(&v);
	rules_unref(&r);
}

static void test_eval_meta_cancel_severity(void **state)
{
	struct rules *r = load_ok(sem_rules);
	struct verdict *v = classify(r, NULL, "broken, under warranty");
	assert_true(verdict_fired(v, "QW"));
	assert_true(verdict_fired(v, "__W"));
	assert_false(has_hit(v, "__W")); /* helpers are not listed */
	assert_true(has_hit(v, "QW"));
	assert_null(verdict_hit(v, 1)->match); /* meta: no text */
	assert_string_equal(verdict_hit(v, 1)->field, "meta");
	assert_true(verdict_score(v, "quality") == 5);
	assert_int_equal(verdict_severity(v), 'B');
	verdict_free(&v);

	/* !S: a rude reply stops QW */
	v = classify(r, NULL, "broken, under warranty, and rude");
	assert_false(verdict_fired(v, "QW"));
	assert_int_equal(verdict_severity(v), 'C');
	verdict_free(&v);

	/* the exception cancels Q and Q2 and so also QW built on Q */
	v = classify(r, "broken?", "Not a quality issue, but the newspaper "
		     "and the consumer association know; warranty; refund");
	assert_false(verdict_fired(v, "Q"));
	assert_false(has_hit(v, "Q"));
	assert_true(has_hit(v, "NOTQ"));
	assert_false(verdict_fired(v, "QW"));
	assert_true(verdict_score(v, "quality") == 0);
	assert_string_equal(verdict_category(v), "price");
	assert_int_equal(verdict_severity(v), 'A'); /* highest floor */
	assert_string_equal(verdict_route(v), "crisis"); /* prio 20 > default */
	for (unsigned i = 0; i < verdict_hit_count(v); i++)
		if (strcmp(verdict_hit(v, i)->rule, "NOTQ") == 0)
			assert_string_equal(verdict_hit(v, i)->effect, "cancel=Q,Q2");
	char *txt = verdict_format(v);
	assert_non_null(strstr(txt, "category: price\nseverity: A\n"));
	assert_non_null(strstr(txt, "hit: MEDIA [body] \"newspaper\" severity>=A route=crisis"));
	g_free(txt);
	verdict_free(&v);
	rules_unref(&r);
}

/* A canceller that is itself a meta, and cancellation of a canceller. */
static void test_eval_cancel_chain(void **state)
{
	struct rules *r = load_ok(
		"rule A any /a/\n score price 3\n"
		"rule B any /b/\n cancel A\n"
		"rule C any /c/\n cancel B\n"
		"meta D C && A\n tag d\n");
	struct verdict *v = classify(r, NULL, "a b");
	assert_false(verdict_fired(v, "A"));
	verdict_free(&v);
	v = classify(r, NULL, "a b c");
	assert_true(verdict_fired(v, "A"));  /* C cancelled B */
	assert_false(verdict_fired(v, "B"));
	assert_true(verdict_fired(v, "D"));
	verdict_free(&v);
	rules_unref(&r);
}

/* fresh_fires - whether a rule on the fresh text matched subject + body. */
static bool fresh_fires(struct rules *r, const char *rule, const char *subject,
			const char *body)
{
	struct message *m = msg_new(MSG_CHANNEL_EMAIL);
	msg_set_subject(m, subject);
	msg_set_text(m, body);
	struct verdict *v = rules_classify(r, m);
	bool fired = verdict_fired(v, rule);
	verdict_free(&v);
	msg_free(&m);
	return fired;
}

/* A forwarded mail is text added now: its separator and header block are
 * left out of fresh, its text kept; a reply's quote still is not. */
static void test_fresh_forwards(void **state)
{
	struct rules *r = load_ok(
		"rule TEXT fresh /kettle leaks/\n tag t\n"
		"rule HEAD fresh /tom@mail|Sent:|Date:|Forwarded|forwarded|发件人/\n tag h\n"
		"rule NOTE fresh /see below/\n tag n\n"
		"rule SIG fresh /Platform desk/\n tag s\n");
	static const char *const forwards[][2] = {
		/* Gmail, bare (and the text complaintd makes of an attached mail) */
		{ "Fwd: kettle", "---------- Forwarded message ---------\r\n"
		  "From: Tom <tom@mail.example>\r\nDate: Tue, Dec 1, 2026\r\n"
		  "Subject: kettle\r\nTo: <shop@x.example>\r\n\r\nThe kettle leaks.\r\n" },
		/* Thunderbird inline, a note above */
		{ "Fwd: kettle", "see below\n\n-------- Forwarded Message --------\n"
		  "Subject: \tkettle\nDate: \tTue, 1 Dec 2026\nFrom: \tTom <tom@mail.example>\n"
		  "\n\nThe kettle leaks.\n" },
		/* Apple Mail: a blank line before the block */
		{ "Fwd: kettle", "Begin forwarded message:\n\nFrom: Tom <tom@mail.example>\n"
		  "Subject: kettle\nDate: 1 December 2026\nTo: shop\n\nThe kettle leaks.\n" },
		/* Outlook: FW: subject, OWA rule and a From/Sent block */
		{ "FW: kettle", "see below\r\n\r\n________________________________\r\n"
		  "From: Tom <tom@mail.example>\r\nSent: Tuesday, 1 December 2026\r\n"
		  "To: shop\r\nSubject: kettle\r\n\r\nThe kettle leaks.\r\n" },
		/* Chinese Outlook, 转发： subject, "-----原始邮件-----" */
		{ "转发：水壶", "见下。\n-----原始邮件-----\n发件人: Tom <tom@mail.example>\n"
		  "发送时间: 2026年12月1日\n主题: 水壶\n\nThe kettle leaks.\n" },
		/* after the forwarder's signature */
		{ "Fwd: kettle", "see below\n-- \nPlatform desk\n\n"
		  "---------- Forwarded message ----------\nFrom: tom@mail.example\n\n"
		  "The kettle leaks.\n" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(forwards); i++) {
		const char *subj = forwards[i][0], *body = forwards[i][1];
		if (!fresh_fires(r, "TEXT", subj, body))
			fail_msg("forward %zu: forwarded text not fresh", i);
		if (fresh_fires(r, "HEAD", subj, body))
			fail_msg("forward %zu: separator or header block in fresh", i);
		if (strstr(body, "see below") && !fresh_fires(r, "NOTE", subj, body))
			fail_msg("forward %zu: the forwarder's note lost", i);
		assert_false(fresh_fires(r, "SIG", subj, body));
	}
	/* the same blocks in a reply are a quoted history */
	assert_false(fresh_fires(r, "TEXT", "RE: kettle", forwards[3][1]));
	assert_false(fresh_fires(r, "TEXT", "回复：水壶", forwards[4][1]));
	assert_false(fresh_fires(r, "TEXT", "Re: kettle",
				 "ok\n-- \nPlatform desk\n\nOn 1 Dec, Tom <tom@mail.example> wrote:\n"
				 "The kettle leaks.\n"));
	/* text after a signature is not fresh unless a forward follows */
	assert_false(fresh_fires(r, "TEXT", "kettle", "hi\n-- \nThe kettle leaks.\n"));
	rules_unref(&r);
}

static void test_eval_fields(void **state)
{
	struct rules *r = load_ok(
		"rule SUBJ subject /^urgent/i\n tag s\n"
		"rule BODY body /earlier/\n tag b\n"
		"rule FRESH fresh /earlier/\n tag f\n"
		"rule FROM from /@example\\.com$/\n tag from\n"
		"rule HDR header:X-Priority /^1/\n tag hdr\n"
		"rule FORM field:order /^A-\\d+$/\n tag form\n"
		"rule NOHDR header:X-None /./\n tag none\n");
	struct message *m = msg_new(MSG_CHANNEL_WEB);
	msg_set_subject(m, "URGENT: help");
	msg_set_text(m, "New text here.\n\nOn Monday, Bob wrote:\n> earlier mail\n");
	msg_set_from(m, "bob@example.com", "Bob");
	msg_add_header(m, "X-Priority", "3 (Normal)");
	msg_add_header(m, "x-priority", "1 (Highest)");
	msg_set_field(m, "order", "A-1234");
	struct verdict *v = rules_classify(r, m);
	assert_true(verdict_fired(v, "SUBJ"));
	assert_true(verdict_fired(v, "BODY"));
	assert_false(verdict_fired(v, "FRESH")); /* quoted text is not fresh */
	assert_true(verdict_fired(v, "FROM"));
	assert_true(verdict_fired(v, "HDR"));   /* any header of that name */
	assert_true(verdict_fired(v, "FORM"));
	assert_false(verdict_fired(v, "NOHDR"));
	assert_false(verdict_fired(v, "NOSUCH"));
	assert_int_equal(verdict_tag_count(v), 5);
	for (unsigned i = 0; i < verdict_hit_count(v); i++)
		if (strcmp(verdict_hit(v, i)->rule, "HDR") == 0)
			assert_string_equal(verdict_hit(v, i)->match, "1");
	verdict_free(&v);

	/* a body that is all quote: fresh falls back to the whole text */
	msg_set_text(m, "> earlier mail only\n");
	v = rules_classify(r, m);
	assert_true(verdict_fired(v, "FRESH"));
	verdict_free(&v);
	/* Outlook and Chinese client separators */
	msg_set_text(m, "new\n发件人: 客服\n发送时间: 2024年3月1日\n earlier\n");
	v = rules_classify(r, m);
	assert_false(verdict_fired(v, "FRESH"));
	verdict_free(&v);
	msg_set_text(m, "new\n在 2024年3月1日，客服 写道：\n earlier\n");
	v = rules_classify(r, m);
	assert_false(verdict_fired(v, "FRESH"));
	verdict_free(&v);
	msg_free(&m);
	rules_unref(&r);
}

static void test_eval_utf8(void **state)
{
	struct rules *r = load_ok(
		"rule ZH any /坏了|裂(?:开|纹)/\n score quality 3\n"
		"rule EN any /\\bbroken\\b/i\n score quality 3\n"
		"rule W any /^\\w{2}$/m\n tag word\n"
		"rule LONG body /x+/\n tag long\n");
	struct verdict *v = classify(r, "杯子裂开了", "");
	assert_string_equal(verdict_category(v), "quality");
	assert_string_equal(verdict_hit(v, 0)->match, "裂开");
	verdict_free(&v);
	v = classify(r, NULL, "THE LID IS BROKEN.");
	assert_true(verdict_fired(v, "EN"));
	verdict_free(&v);
	v = classify(r, NULL, "unbroken");
	assert_false(verdict_fired(v, "EN"));
	verdict_free(&v);
	/* UCP: \w knows Chinese letters */
	v = classify(r, NULL, "质量\n");
	assert_true(verdict_fired(v, "W"));
	verdict_free(&v);
	/* invalid UTF-8 in the text: no crash, the valid part still matches */
	v = classify(r, "\xff\xfe", "\xe5\x9d\x8f\xe4\xba\x86 \xc3\x28 \xf0\x9f");
	assert_true(verdict_fired(v, "ZH"));
	assert_int_equal(verdict_error_count(v), 0);
	verdict_free(&v);
	/* match text is cut to RULES_MATCH_MAX on a character boundary */
	GString *s = g_string_new("坏");
	for (int i = 0; i < 500; i++)
		g_string_append_c(s, 'x');
	v = classify(r, NULL, s->str);
	for (unsigned i = 0; i < verdict_hit_count(v); i++)
		if (strcmp(verdict_hit(v, i)->rule, "LONG") == 0) {
			const char *mt = verdict_hit(v, i)->match;
			assert_int_equal(strlen(mt), RULES_MATCH_MAX);
			assert_true(g_utf8_validate(mt, -1, NULL));
		}
	verdict_free(&v);
	g_string_free(s, TRUE);
	rules_unref(&r);
}

/* ---- limits -------------------------------------------------------------- */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void check_catastrophic(bool no_jit)
{
	struct rules_limits lim = { .no_jit = no_jit };
	GPtrArray *errors = strv();
	static const char txt[] =
		"rule CAT body /(a+)+$/\n score quality 3\n"
		"rule NEST body /(x+x+)+y/\n score quality 3\n"
		"rule OK body /zzz/\n score price 3\n";
	struct rules *r = rules_load_string("c.rules", txt, sizeof txt - 1,
					    &lim, errors, NULL);
	assert_non_null(r);
	if (!no_jit)
		print_message("JIT compiled %u of %u rules\n", rules_jit_count(r),
			      rules_count(r));
	else
		assert_int_equal(rules_jit_count(r), 0);
	GString *s = g_string_new(NULL);
	for (int i = 0; i < 5000; i++)
		g_string_append_c(s, 'a');
	g_string_append(s, "! zzz\n");
	for (int i = 0; i < 5000; i++)
		g_string_append_c(s, 'x');
	g_string_append(s, "!y");
	double t0 = now_s();
	struct verdict *v = classify(r, NULL, s->str);
	double dt = now_s() - t0;
	assert_true(dt < 5.0);
	assert_int_equal(verdict_error_count(v), 2);
	assert_non_null(strstr(verdict_error(v, 0), "limit"));
	assert_non_null(strstr(verdict_error(v, 0), "rule CAT"));
	assert_null(verdict_error(v, 2));
	assert_false(verdict_fired(v, "CAT"));
	assert_true(verdict_fired(v, "OK")); /* the others still ran */
	assert_string_equal(verdict_category(v), "price");
	verdict_free(&v);
	g_string_free(s, TRUE);
	g_ptr_array_unref(errors);
	rules_unref(&r);
}

static void test_limits_catastrophic_jit(void **state)
{
	check_catastrophic(false);
}

static void test_limits_catastrophic_interp(void **state)
{
	check_catastrophic(true);
}

static void test_limits_big_body(void **state)
{
	struct rules *r = load_ok("rule END body /THE-END$/\n tag end\n"
				  "rule START body /^start/\n tag start\n"
				  "rule DOT body /.*x.*y/s\n tag dot\n");
	size_t n = 1024 * 1024;
	char *body = g_malloc(n + 16);
	memcpy(body, "start ", 6);
	memset(body + 6, 'x', n - 6);
	strcpy(body + n, "THE-END");
	double t0 = now_s();
	struct verdict *v = classify(r, NULL, body);
	assert_true(now_s() - t0 < 5.0);
	assert_true(verdict_fired(v, "START"));
	assert_false(verdict_fired(v, "END")); /* cut at max_body_bytes */
	verdict_free(&v);
	g_free(body);
	rules_unref(&r);
}

/* ---- loading a directory ----------------------------------------------- */

static void test_load_dir(void **state)
{
	char *dir = g_dir_make_tmp("rules-XXXXXX", NULL);
	assert_non_null(dir);
	char *a = g_build_filename(dir, "20-b.rules", NULL);
	char *b = g_build_filename(dir, "10-a.rules", NULL);
	char *c = g_build_filename(dir, ".hidden.rules", NULL);
	char *d = g_build_filename(dir, "notes.txt", NULL);
	/* a meta in the later file uses a rule of the earlier one */
	g_file_set_contents(a, "meta BOTH A && B\n severity B\nrule B any /b/\n"
			    " score price 3\n", -1, NULL);
	g_file_set_contents(b, "rule A any /a/\n score quality 3\n", -1, NULL);
	g_file_set_contents(c, "garbage\n", -1, NULL);
	g_file_set_contents(d, "garbage\n", -1, NULL);
	GPtrArray *errors = strv();
	struct rules *r = rules_load_dir(dir, NULL, errors, NULL);
	assert_non_null(r);
	assert_int_equal(rules_count(r), 3);
	struct verdict *v = classify(r, NULL, "a b");
	assert_int_equal(verdict_severity(v), 'B');
	assert_string_equal(verdict_hit(v, 0)->rule, "A"); /* load order */
	verdict_free(&v);
	rules_unref(&r);

	/* an error names the file's path */
	g_file_set_contents(a, "rule B any /b(/\n", -1, NULL);
	assert_null(rules_load_dir(dir, NULL, errors, NULL));
	char *want = g_strdup_printf("%s:1:15: rule B: bad pattern:", a);
	assert_true(g_str_has_prefix(g_ptr_array_index(errors, 0), want));
	g_free(want);
	g_ptr_array_set_size(errors, 0);
	/* a duplicate across files */
	g_file_set_contents(a, "rule A any /b/\n tag x\n", -1, NULL);
	assert_null(rules_load_dir(dir, NULL, errors, NULL));
	want = g_strdup_printf("%s:1:6: duplicate rule name 'A' (first defined "
			       "at %s:1)", a, b);
	assert_string_equal(g_ptr_array_index(errors, 0), want);
	g_free(want);
	g_ptr_array_set_size(errors, 0);

	assert_null(rules_load_dir("/nonexistent/rules", NULL, errors, NULL));
	assert_true(g_str_has_prefix(g_ptr_array_index(errors, 0),
				     "/nonexistent/rules: "));
	for (char **p = (char *[]){ a, b, c, d, NULL }; *p; p++) {
		g_unlink(*p);
		g_free(*p);
	}
	g_rmdir(dir);
	g_free(dir);
	g_ptr_array_unref(errors);
}

static void test_load_broken_fixtures(void **state)
{
	/* tests/data/rules/broken/: each file has a "# want: " first line
	 * with the expected first error after the file name. */
	char *dir = src_path("tests/data/rules/broken");
	GDir *dh = g_dir_open(dir, 0, NULL);
	assert_non_null(dh);
	const char *e;
	unsigned n = 0;
	while ((e = g_dir_read_name(dh)) != NULL) {
		char *path = g_build_filename(dir, e, NULL), *text;
		gsize len;
		assert_true(g_file_get_contents(path, &text, &len, NULL));
		assert_true(g_str_has_prefix(text, "# want: "));
		char *want = g_strndup(text + 8, strcspn(text + 8, "\n"));
		GPtrArray *errors = strv();
		assert_null(rules_load_string(e, text, len, NULL, errors, NULL));
		char *full = g_strdup_printf("%s:%s", e, want);
		if (!g_str_has_prefix(g_ptr_array_index(errors, 0), full))
			fail_msg("%s: want \"%s\", got \"%s\"", e, full,
				 (char *)g_ptr_array_index(errors, 0));
		g_free(full);
		g_free(want);
		g_free(text);
		g_free(path);
		g_ptr_array_unref(errors);
		n++;
	}
	g_dir_close(dh);
	g_free(dir);
	assert_true(n >= 3);
}

/* ---- threads and hot reload -------------------------------------------- */

struct thr {
	struct holder *h;
	gint stop;
	gint bad;
	gint done;
};

static gpointer classifier(gpointer p)
{
	struct thr *t = p;
	struct message *m = mk("坏了", "the kettle is broken, refund please");
	while (!g_atomic_int_get(&t->stop)) {
		struct rules *r = holder_get(t->h);
		struct verdict *v = rules_classify(r, m);
		rules_unref(&r); /* the verdict keeps the set alive */
		if (strcmp(verdict_category(v), "quality") != 0 ||
		    verdict_hit_count(v) != 2)
			g_atomic_int_inc(&t->bad);
		verdict_free(&v);
		g_atomic_int_inc(&t->done);
	}
	msg_free(&m);
	return NULL;
}

static void test_threads_swap(void **state)
{
	static const char txt[] = "rule Q any /坏了/\n score quality 3\n"
				  "rule P any /refund/i\n score price 2\n";
	struct thr t = { holder_new(load_ok(txt), holder_rules_ref, holder_rules_unref), 0, 0, 0 };
	GThread *th[4];
	for (int i = 0; i < 4; i++)
		th[i] = g_thread_new("classify", classifier, &t);
	for (int i = 0; i < 50; i++) {
		holder_swap(t.h, load_ok(txt));
		g_usleep(1000);
	}
	while (g_atomic_int_get(&t.done) < 200)
		g_usleep(1000);
	g_atomic_int_set(&t.stop, 1);
	for (int i = 0; i < 4; i++)
		g_thread_join(th[i]);
	assert_int_equal(t.bad, 0);
	holder_swap(t.h, NULL);
	assert_null(holder_get(t.h));
	holder_free(&t.h);
	assert_null(t.h);
}

/* ---- the default rule set ------------------------------------------------ */

static struct rules *load_defaults(void)
{
	char *dir = src_path("rules");
	GPtrArray *errors = strv(), *warnings = strv();
	struct rules *r = rules_load_dir(dir, default_limits(), errors, warnings);
	for (unsigned i = 0; i < errors->len; i++)
		print_message("error: %s\n", (char *)g_ptr_array_index(errors, i));
	for (unsigned i = 0; i < warnings->len; i++)
		print_message("warning: %s\n", (char *)g_ptr_array_index(warnings, i));
	assert_int_equal(errors->len, 0);
	assert_int_equal(warnings->len, 0);
	assert_non_null(r);
	g_ptr_array_unref(errors);
	g_ptr_array_unref(warnings);
	g_free(dir);
	return r;
}

struct labelled {
	char *id, *category, *subject;
	char severity;
	GString *body;
};

static void labelled_free(gpointer p)
{
	struct labelled *c = p;
	g_free(c->id);
	g_free(c->category);
	g_free(c->subject);
	g_string_free(c->body, TRUE);
	g_free(c);
}

/* read_labelled - the cases of tests/data/rules/labelled.txt. */
static GPtrArray *read_labelled(void)
{
	char *path = src_path("tests/data/rules/labelled.txt"), *text;
	assert_true(g_file_get_contents(path, &text, NULL, NULL));
	GPtrArray *cases = g_ptr_array_new_with_free_func(labelled_free);
	char **lines = g_strsplit(text, "\n", -1);
	struct labelled *c = NULL;
	bool in_body = false;
	for (char **l = lines; *l; l++) {
		if (g_str_has_prefix(*l, "=== ")) {
			c = g_new0(struct labelled, 1);
			c->id = g_strdup(*l + 4);
			c->body = g_string_new(NULL);
			g_ptr_array_add(cases, c);
			in_body = false;
		} else if (c == NULL) {
			continue;
		} else if (in_body) {
			g_string_append_printf(c->body, "%s\n", *l);
		} else if (**l == '\0') {
			in_body = true;
		} else if (g_str_has_prefix(*l, "Expected-Category: ")) {
			c->category = g_strdup(*l + 19);
		} else if (g_str_has_prefix(*l, "Expected-Severity: ")) {
			c->severity = (*l)[19];
		} else if (g_str_has_prefix(*l, "Subject:")) {
			c->subject = g_strstrip(g_strdup(*l + 8));
		} else {
			fail_msg("labelled.txt: bad line in %s: %s", c->id, *l);
		}
	}
	g_strfreev(lines);
	g_free(text);
	g_free(path);
	return cases;
}

static void test_default_accuracy(void **state)
{
	struct rules *r = load_defaults();
	GPtrArray *cases = read_labelled();
	unsigned cat_ok = 0, sev_ok = 0, n = cases->len;
	assert_true(n >= 40);
	for (unsigned i = 0; i < n; i++) {
		struct labelled *c = g_ptr_array_index(cases, i);
		assert_non_null(c->category);
		assert_true(c->severity >= 'A' && c->severity <= 'C');
		struct verdict *v = classify(r, c->subject && *c->subject ?
					     c->subject : NULL, c->body->str);
		bool cok = strcmp(verdict_category(v), c->category) == 0;
		bool sok = verdict_severity(v) == c->severity;
		cat_ok += cok;
		sev_ok += sok;
		if (!cok || !sok) {
			char *f = verdict_format(v);
			print_message("MISS %s: want %s/%c\n%s", c->id, c->category,
				      c->severity, f);
			g_free(f);
		}
		assert_int_equal(verdict_error_count(v), 0);
		verdict_free(&v);
	}
	print_message("default rules: category %u/%u, severity %u/%u\n",
		      cat_ok, n, sev_ok, n);
	assert_true(cat_ok * 10 >= n * 9);
	assert_true(sev_ok * 10 >= n * 9);
	g_ptr_array_unref(cases);
	rules_unref(&r);
}

/* ---- the vectorscan prefilter ------------------------------------------- */

static struct rules *load_lim(const char *text, bool no_prefilter)
{
	struct rules_limits lim = { .no_prefilter = no_prefilter };
	GPtrArray *errors = strv(), *warnings = strv();
	struct rules *r = rules_load_string("p.rules", text, strlen(text), &lim,
					    errors, warnings);
	for (unsigned i = 0; i < warnings->len; i++)
		print_message("warning: %s\n", (char *)g_ptr_array_index(warnings, i));
	assert_non_null(r);
	g_ptr_array_unref(errors);
	g_ptr_array_unref(warnings);
	return r;
}

/* same_verdict - classifies m with both sets and fails, showing both
 * reports, unless they are the same to the byte. Returns the hit count. */
static unsigned same_verdict(struct rules *pf, struct rules *plain,
			     const struct message *m, const char *what)
{
	struct verdict *a = rules_classify(pf, m), *b = rules_classify(plain, m);
	char *fa = verdict_format(a), *fb = verdict_format(b);
	if (strcmp(fa, fb) != 0)
		fail_msg("%s: prefilter gives\n%s\nPCRE2 alone gives\n%s", what,
			 fa, fb);
	unsigned hits = verdict_hit_count(b);
	g_free(fa);
	g_free(fb);
	verdict_free(&a);
	verdict_free(&b);
	return hits;
}

/* Every mail of the evaluation and sample sets gets the same verdict
 * (category, severity, route, scores, hits with their matched text,
 * tags, errors) with the prefilter as with PCRE2 alone. */
static void test_prefilter_same_verdicts(void **state)
{
	char *rdir = src_path("rules");
	struct rules_limits off = { .no_prefilter = true };
	struct rules *pf = load_defaults();
	struct rules *plain = rules_load_dir(rdir, &off, NULL, NULL);
	assert_non_null(plain);
	/* the prefilter must really be on, or this compares PCRE2 with itself */
	print_message("prefilter screens %u of %u rules\n",
		      rules_prefilter_count(pf), rules_count(pf));
	assert_true(rules_prefilter_count(pf) * 4 >= rules_count(pf) * 3);
	assert_int_equal(rules_prefilter_count(plain), 0);
	struct mime_limits ml;
	mime_limits_default(&ml);
	static const char *const dirs[] = { "tests/data/eval", "tests/data/mail" };
	unsigned mails = 0, hits = 0;
	for (size_t k = 0; k < G_N_ELEMENTS(dirs); k++) {
		char *dir = src_path(dirs[k]);
		GDir *dh = g_dir_open(dir, 0, NULL);
		assert_non_null(dh);
		const char *e;
		while ((e = g_dir_read_name(dh)) != NULL) {
			if (!g_str_has_suffix(e, ".eml"))
				continue;
			char *path = g_build_filename(dir, e, NULL), *data;
			gsize len;
			assert_true(g_file_get_contents(path, &data, &len, NULL));
			struct message *m = mime_parse(data, len, &ml);
			assert_non_null(m);
			hits += same_verdict(pf, plain, m, path);
			mails++;
			msg_free(&m);
			g_free(data);
			g_free(path);
		}
		g_dir_close(dh);
		g_free(dir);
	}
	print_message("%u mails, %u hits, the same with and without prefilter\n",
		      mails, hits);
	assert_true(mails >= 150);
	assert_true(hits >= mails); /* the rules did fire: not a vacuous match */
	rules_unref(&pf);
	rules_unref(&plain);
	g_free(rdir);
}

/* The constructs the prefilter widens or approximates (\w, \W, \b, \B,
 * \d, \s, counted repeats, lookarounds, back references, Unicode case
 * folding), against texts made to sit on their edges: no rule may be lost
 * to the prefilter. */
static void test_prefilter_edges(void **state)
{
	static const char txt[] =
		"rule W any /a\\wb/\n tag w\n"
		"rule NW any /a\\Wb/\n tag nw\n"
		"rule WB any /\\bxy\\b/\n tag wb\n"
		"rule NB any /x\\By/\n tag nb\n"
		"rule WS any /(?:\\w+\\s+){2}end/\n tag ws\n"
		"rule LB any /(?<!券)用不了/\n tag lb\n"
		"rule LA any /还没到(?!账)/\n tag la\n"
		"rule BR any /(ab)\\1/\n tag br\n"
		"rule CI any /kiss/i\n tag ci\n"
		"rule CIU any /ÉTÉ/i\n tag ciu\n"
		"rule ML subject /^re$/m\n tag ml\n"
		"rule DOT body /a.b/s\n tag dot\n"
		"rule CLS fresh /[\\w\\x{3000}]{3}z/\n tag cls\n"
		"rule NCLS any /q[^\\W\\d]q/\n tag ncls\n"
		"rule DIG any /\\d\\D\\d/\n tag dig\n"
		"rule SP any /a\\sb/\n tag sp\n"
		"rule X any /a b # comment/x\n tag x\n"
		"rule RP any /x\\d{2,3}y/\n tag rp\n"
		"rule RZ any /k.{0,2}m/\n tag rz\n"
		"rule RG any /(?:ab){2}!/\n tag rg\n"
		"rule RL any /n\\s{1,}?o/\n tag rl\n"
		"rule G any /a\\Gb/\n tag g\n"; /* refused by vectorscan */
	struct rules *pf = load_lim(txt, false), *plain = load_lim(txt, true);
	assert_true(rules_prefilter_count(pf) >= 15);
	static const char *const texts[] = {
		"a_b", "aéb", "a中b", "a b", "a-b", "a\xe3\x80\x80" "b", "axb",
		"xy", "中xy中", "éxyé", "xy_", " xy ", "x y", "xy", "axyb",
		"one two end", "un deux\xc2\xa0" "end", "甲 乙 end", "券用不了",
		"不能用用不了", "还没到账", "还没到", "abab", "abab!", "KISS",
		"\xe2\x84\xaaiss", "ki\xc5\xbfs", "été", "ÉtÉ", "re\nx", "x\nre",
		"a\nb", "中中中z", "\xe3\x80\x80\xe3\x80\x80\xe3\x80\x80z", "q中q",
		"q1q", "q_q", "1x2", "１x２", "1 2", "ab", "a\xe2\x80\x83" "b",
		"a\x0b" "b", "ab # comment", "", "> axb quoted\nfresh",
		"x12y", "x1y", "x1234y", "x\xef\xbc\x91\xef\xbc\x92y", "km", "k中m",
		"k中中中m", "k\nm", "abab!", "ab!", "ababab!", "n o", "no", "n\xe3\x80\x80o",
	};
	unsigned hits = 0;
	for (size_t i = 0; i < G_N_ELEMENTS(texts); i++)
		for (size_t j = 0; j < G_N_ELEMENTS(texts); j += 7) {
			struct message *m = mk(texts[j], texts[i]);
			hits += same_verdict(pf, plain, m, texts[i]);
			msg_free(&m);
		}
	assert_true(hits > 100);
	rules_unref(&pf);
	rules_unref(&plain);
}

/* \w, \W, \b, \d, \D, \s and \S around every character of the Basic
 * Multilingual Plane and a sample of the rest: what vectorscan is given
 * for them must take whatever PCRE2's Unicode classes take. */
static void test_prefilter_unicode_classes(void **state)
{
	static const char txt[] = "rule W body /=\\w=/\n tag w\n"
				  "rule NW body /=\\W=/\n tag nw\n"
				  "rule B body /=\\b/\n tag b\n"
				  "rule NB body /=\\B/\n tag nb\n"
				  "rule WI body /=\\w+=/i\n tag wi\n"
				  "rule D body /=\\d=/\n tag d\n"
				  "rule ND body /=\\D=/\n tag nd\n"
				  "rule S body /=\\s=/\n tag s\n"
				  "rule NS body /=\\S=/\n tag ns\n"
				  "rule DS body /=\\d*\\s?\\d{1,2}=/i\n tag ds\n";
	struct rules *pf = load_lim(txt, false), *plain = load_lim(txt, true);
	assert_int_equal(rules_prefilter_count(pf), 10);
	struct message *m = msg_new(MSG_CHANNEL_WEB);
	unsigned fired = 0;
	for (gunichar c = 1; c < 0x110000; c += c < 0x10000 ? 1 : 61) {
		if (c >= 0xD800 && c <= 0xDFFF)
			continue;
		char text[16] = "=", *p = text + 1;
		p += g_unichar_to_utf8(c, p);
		strcpy(p, "=");
		msg_set_text(m, text);
		struct verdict *a = rules_classify(pf, m);
		struct verdict *b = rules_classify(plain, m);
		for (unsigned k = 0; k < verdict_tag_count(b); k++) {
			const char *tag = verdict_tag(b, k);
			bool found = false;
			for (unsigned q = 0; q < verdict_tag_count(a); q++)
				found = found || strcmp(verdict_tag(a, q), tag) == 0;
			if (!found)
				fail_msg("U+%04X: rule tagged %s lost to the prefilter",
					 c, tag);
		}
		fired += verdict_tag_count(b);
		assert_int_equal(verdict_tag_count(a), verdict_tag_count(b));
		verdict_free(&a);
		verdict_free(&b);
	}
	assert_true(fired > 60000);
	msg_free(&m);
	rules_unref(&pf);
	rules_unref(&plain);
}

/* Catastrophic patterns stay outside the database, so PCRE2's limit is
 * still met and reported; a plain pattern on the same text is screened. */
static void test_prefilter_keeps_limits(void **state)
{
	struct rules *r = load_lim("rule CAT body /(a+)+$/\n tag cat\n"
				   "rule ALT body /(?:a|aa)*c/\n tag alt\n"
				   "rule OK body /zzz/\n tag ok\n", false);
	assert_int_equal(rules_prefilter_count(r), 1);
	rules_unref(&r);
}

/* Long runs of non-ASCII text before a match: vectorscan 5.4.9's AVX-512
 * scanner misses some of these (see pf_scan_fn in rules.c), so every
 * length from short to several vectors is tried, for several patterns
 * whose automata use different accelerations. */
static void test_prefilter_long_runs(void **state)
{
	static const char txt[] =
		"rule NW any /^\\W+$/m\n tag nw\n"
		"rule NC any /^[^a-z]+$/m\n tag nc\n"
		"rule DOT any /x.*!!/\n tag dot\n"
		"rule ZH body /坏了$/\n tag zh\n"
		"rule LIT body /!!/\n tag lit\n";
	struct rules *pf = load_lim(txt, false), *plain = load_lim(txt, true);
	assert_int_equal(rules_prefilter_count(pf), 5);
	static const char *const fill[] = { "中", "é", "\xef\xbf\xbd", "a", " " };
	unsigned hits = 0;
	for (size_t f = 0; f < G_N_ELEMENTS(fill); f++)
		for (unsigned n = 0; n < 300; n += n < 70 ? 1 : 13) {
			GString *s = g_string_new("xyz");
			for (unsigned k = 0; k < n; k++)
				g_string_append(s, fill[f]);
			g_string_append(s, "\n!!\n坏了");
			struct message *m = mk(NULL, s->str);
			hits += same_verdict(pf, plain, m, s->str);
			msg_free(&m);
			g_string_free(s, TRUE);
		}
	assert_true(hits > 500);
	rules_unref(&pf);
	rules_unref(&plain);
}

/* ---- the prefilter cache (rules/pfcache.h) ------------------------------ */

static const char cache_rules[] =
	"rule Q body /(?:坏了|漏水|broken)/i\n score quality 2\n"
	"rule P body /(?:退款|refund)\\s*\\d{0,6}/i\n score price 2\n"
	"rule S any /\\bno\\s+reply\\b/i\n score service 2\n"
	"rule BR any /(ab)\\1/\n tag br\n";

static struct rules *load_cached(const char *text, const char *dir)
{
	struct rules_limits lim = { .cache_dir = dir };
	struct rules *r = rules_load_string("c.rules", text, strlen(text), &lim, NULL, NULL);
	assert_non_null(r);
	return r;
}

/* cache_file - the path of the one cache file in dir (g_free); asserts
 * there are n. */
static char *cache_file(const char *dir, unsigned n)
{
	GDir *dh = g_dir_open(dir, 0, NULL);
	assert_non_null(dh);
	const char *name;
	char *path = NULL;
	unsigned seen = 0;
	while ((name = g_dir_read_name(dh)))
		if (g_str_has_prefix(name, "pf-") && g_str_has_suffix(name, ".hsdb")) {
			seen++;
			g_free(path);
			path = g_build_filename(dir, name, NULL);
		}
	g_dir_close(dh);
	assert_int_equal(seen, n);
	return path;
}

static void assert_same_as_plain(struct rules *r, struct rules *plain)
{
	static const char *const texts[] = { "电水壶漏水了", "I want a refund 120", "abab",
					     "still no  reply", "nothing here", "BROKEN again" };
	unsigned hits = 0;
	for (size_t i = 0; i < G_N_ELEMENTS(texts); i++) {
		struct message *m = mk("s", texts[i]);
		hits += same_verdict(r, plain, m, texts[i]);
		msg_free(&m);
	}
	assert_true(hits >= 5);
}

/* rewrite - the file's bytes with one changed at off (from its end when
 * negative), or cut to len when len >= 0. */
static void rewrite(const char *path, long off, gssize len)
{
	char *buf;
	gsize n;
	assert_true(g_file_get_contents(path, &buf, &n, NULL));
	if (len >= 0)
		n = (gsize)len;
	else
		buf[off < 0 ? (long)n + off : off] ^= 0x5a;
	assert_true(g_file_set_contents_full(path, buf, (gssize)n, G_FILE_SET_CONTENTS_CONSISTENT,
					     0600, NULL));
	g_free(buf);
}

/* The second load of the same rules reads the compiled prefilter instead
 * of compiling it, and classifies the same; any change of a rule is a
 * new file; a damaged, cut or foreign file is compiled anew and
 * replaced; a file others may write is never read. */
static void test_prefilter_cache(void **state)
{
	(void)state;
	char *dir = g_dir_make_tmp("pfcache-XXXXXX", NULL);
	assert_non_null(dir);
	struct rules *plain = load_lim(cache_rules, true);
	struct rules *r = load_cached(cache_rules, dir);
	assert_false(rules_prefilter_cached(r));
	unsigned npf = rules_prefilter_count(r);
	assert_true(npf >= 3);
	char *path = cache_file(dir, 1);
	GStatBuf st;
	assert_int_equal(g_stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	rules_unref(&r);

	r = load_cached(cache_rules, dir);
	assert_true(rules_prefilter_cached(r));
	assert_int_equal(rules_prefilter_count(r), npf);
	assert_same_as_plain(r, plain);
	rules_unref(&r);

	/* one more rule: another set, another file */
	char *more = g_strconcat(cache_rules, "rule Z any /zz/\n tag z\n", NULL);
	r = load_cached(more, dir);
	assert_false(rules_prefilter_cached(r));
	rules_unref(&r);
	g_free(cache_file(dir, 2));
	g_unlink(path);  /* the other set's file is kept apart below */
	char *other = cache_file(dir, 1);
	g_unlink(other);
	g_free(other);
	g_free(more);

	/* damaged in the database, in the header, cut short: compiled again,
	 * and the next load has a good file */
	const struct { long off; gssize len; } harm[] = {
		{ -100, -1 }, { 9, -1 }, { 0, -1 }, { 0, 40 }, { 0, 3 },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(harm); i++) {
		r = load_cached(cache_rules, dir);
		rules_unref(&r);
		rewrite(path, harm[i].off, harm[i].len);
		r = load_cached(cache_rules, dir);
		assert_false(rules_prefilter_cached(r));
		assert_int_equal(rules_prefilter_count(r), npf);
		assert_same_as_plain(r, plain);
		rules_unref(&r);
		r = load_cached(cache_rules, dir);
		assert_true(rules_prefilter_cached(r));
		rules_unref(&r);
	}

	/* writable by the group: not read (and replaced by a closed one) */
	assert_int_equal(g_chmod(path, 0620), 0);
	r = load_cached(cache_rules, dir);
	assert_false(rules_prefilter_cached(r));
	rules_unref(&r);
	assert_int_equal(g_stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	/* a directory others may write: neither read nor written */
	assert_int_equal(g_chmod(dir, 0777), 0);
	r = load_cached(cache_rules, dir);
	assert_false(rules_prefilter_cached(r));
	rules_unref(&r);
	assert_int_equal(g_chmod(dir, 0700), 0);

	g_free(cache_file(dir, 1));
	g_unlink(path);
	g_rmdir(dir);
	g_free(path);
	g_free(dir);
	rules_unref(&plain);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_deep_nesting),
		cmocka_unit_test(test_parse_long_line_and_nul),
		cmocka_unit_test(test_parse_all_errors),
		cmocka_unit_test(test_parse_warnings),
		cmocka_unit_test(test_parse_syntax_details),
		cmocka_unit_test(test_eval_scores_threshold),
		cmocka_unit_test(test_eval_ties),
		cmocka_unit_test(test_eval_meta_cancel_severity),
		cmocka_unit_test(test_eval_cancel_chain),
		cmocka_unit_test(test_eval_fields),
		cmocka_unit_test(test_fresh_forwards),
		cmocka_unit_test(test_eval_utf8),
		cmocka_unit_test(test_limits_catastrophic_jit),
		cmocka_unit_test(test_limits_catastrophic_interp),
		cmocka_unit_test(test_limits_big_body),
		cmocka_unit_test(test_load_dir),
		cmocka_unit_test(test_load_broken_fixtures),
		cmocka_unit_test(test_threads_swap),
		cmocka_unit_test(test_default_accuracy),
		cmocka_unit_test(test_prefilter_same_verdicts),
		cmocka_unit_test(test_prefilter_edges),
		cmocka_unit_test(test_prefilter_unicode_classes),
		cmocka_unit_test(test_prefilter_keeps_limits),
		cmocka_unit_test(test_prefilter_long_runs),
		cmocka_unit_test(test_prefilter_cache),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
