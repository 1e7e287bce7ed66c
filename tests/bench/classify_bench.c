/* classify_bench - microseconds per mime_parse and per rules_classify of
 * 4 KB mails with the shipped rules, with the vectorscan prefilter (as the
 * daemon runs) and with PCRE2 alone; printed by make bench.
 * usage: classify_bench RULES_DIR [ITERATIONS] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "message.h"
#include "mime.h"
#include "rules.h"

static char *make_mail(const char *subject, const char *line, const char *charset)
{
	GString *body = g_string_new(NULL);
	while (body->len < 3800)
		g_string_append_printf(body, "%s\r\n", line);
	char *text = g_strdup_printf("From: a@b.example\r\nSubject: %s\r\n"
				     "Message-ID: <x@b.example>\r\nMIME-Version: 1.0\r\n"
				     "Content-Type: text/plain; charset=%s\r\n\r\n%s",
				     subject, charset, body->str);
	g_string_free(body, TRUE);
	return text;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: classify_bench RULES_DIR [ITERATIONS]\n");
		return 2;
	}
	int iters = argc > 2 ? atoi(argv[2]) : 2000;
	mime_init();
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	struct rules_limits plain_lim = { .no_prefilter = true };
	gint64 l0 = g_get_monotonic_time();
	struct rules *r = rules_load_dir(argv[1], NULL, errors, NULL);
	gint64 l1 = g_get_monotonic_time();
	struct rules *plain = rules_load_dir(argv[1], &plain_lim, errors, NULL);
	if (!r || !plain) {
		fprintf(stderr, "rules: %s\n", errors->len ? (char *)errors->pdata[0] : "?");
		return 1;
	}
	printf("  rules load: %.0f ms with prefilter (%u of %u rules screened), "
	       "%.0f ms without\n", (double)(l1 - l0) / 1000,
	       rules_prefilter_count(r), rules_count(r),
	       (double)(g_get_monotonic_time() - l1) / 1000);
	char *mails[] = {
		make_mail("投诉", "电水壶用了三天就漏水，底座还有裂纹，要求退货。", "utf-8"),
		make_mail("Complaint", "The blender stopped working after a week and the jug is cracked.",
			  "utf-8"),
	};
	struct mime_limits lim;
	mime_limits_default(&lim);
	for (unsigned k = 0; k < G_N_ELEMENTS(mails); k++) {
		gint64 t0 = g_get_monotonic_time();
		struct message *m = NULL;
		for (int i = 0; i < iters; i++) {
			msg_free(&m);
			m = mime_parse(mails[k], strlen(mails[k]), &lim);
		}
		gint64 t1 = g_get_monotonic_time();
		for (int i = 0; i < iters; i++) {
			struct verdict *v = rules_classify(r, m);
			verdict_free(&v);
		}
		gint64 t2 = g_get_monotonic_time();
		for (int i = 0; i < iters / 10 + 1; i++) {
			struct verdict *v = rules_classify(plain, m);
			verdict_free(&v);
		}
		gint64 t3 = g_get_monotonic_time();
		printf("  %s 4 KB mail: mime_parse %.1f us, rules_classify %.1f us "
		       "(%u rules; %.1f us with PCRE2 alone)\n",
		       k ? "English" : "Chinese", (double)(t1 - t0) / iters,
		       (double)(t2 - t1) / iters, rules_count(r),
		       (double)(t3 - t2) / (iters / 10 + 1));
		msg_free(&m);
		g_free(mails[k]);
	}
	rules_unref(&r);
	rules_unref(&plain);
	g_ptr_array_unref(errors);
	return 0;
}
