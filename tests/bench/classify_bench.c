/* classify_bench - what classification costs on one core: microseconds per
 * mime_parse and per rules_classify of 4 KB mails, as messages per second,
 * with the shipped rules and with the shipped rules plus 1,000 generated
 * ones; with the vectorscan prefilter (as the daemon runs) and with PCRE2
 * alone; and the memory the compiled rule set takes. Printed by make bench.
 * usage: classify_bench RULES_DIR [ITERATIONS] */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "mail/message.h"
#include "mail/mime.h"
#include "rules/rules.h"

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

/* rss_kib - resident memory now, after giving freed heap back. */
static long rss_kib(void)
{
	malloc_trim(0);
	char *status = NULL;
	long kib = 0;
	if (g_file_get_contents("/proc/self/status", &status, NULL, NULL)) {
		const char *p = strstr(status, "VmRSS:");
		if (p)
			kib = strtol(p + 6, NULL, 10);
	}
	g_free(status);
	return kib;
}

/* shipped_rules - the text of every *.rules file of dir, in load order. */
static GString *shipped_rules(const char *dir)
{
	GString *all = g_string_new(NULL);
	GDir *d = g_dir_open(dir, 0, NULL);
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	for (const char *n; d && (n = g_dir_read_name(d));)
		if (g_str_has_suffix(n, ".rules") && n[0] != '.')
			g_ptr_array_add(names, g_strdup(n));
	if (d)
		g_dir_close(d);
	g_ptr_array_sort(names, (GCompareFunc)g_strcmp0);
	for (unsigned i = 0; i < names->len; i++) {
		char *path = g_build_filename(dir, names->pdata[i], NULL), *text = NULL;
		gsize len = 0;
		if (g_file_get_contents(path, &text, &len, NULL))
			g_string_append_len(all, text, (gssize)len);
		g_string_append_c(all, '\n');
		g_free(text);
		g_free(path);
	}
	g_ptr_array_unref(names);
	return all;
}

/* add_generated - n rules of the kinds a large installation grows: product
 * and model names in both languages, order-number shapes, phrases near a
 * complaint word. Most never fire on a given mail, as in real rule sets. */
static void add_generated(GString *s, unsigned n)
{
	static const char *const cat[] = { "quality", "service", "price", "infringement" };
	static const char *const en[] = { "kettle", "blender", "charger", "toaster", "heater",
					  "router", "speaker", "stroller", "jacket", "lamp" };
	static const char *const zh[] = { "电水壶", "破壁机", "充电器", "烤面包机", "取暖器",
					  "路由器", "音箱", "婴儿车", "羽绒服", "台灯" };
	for (unsigned i = 0; i < n; i++) {
		g_string_append_printf(s, "rule GEN_%04u ", i);
		switch (i % 4) {
		case 0:
			g_string_append_printf(s, "any /\\b(?:%s|%s)[-\\s]?(?:pro|max)?\\s*%04u\\b/i\n",
					       en[i % 10], en[(i / 10) % 10], i);
			break;
		case 1:
			g_string_append_printf(s, "any /%s(?:型号|款)?%04u|%s%u代/\n", zh[i % 10], i,
					       zh[(i / 10) % 10], i);
			break;
		case 2:
			g_string_append_printf(s, "body /(?:order|订单)\\s*(?:no\\.?|号)?\\s*#?%03u\\d{4}/i\n",
					       i);
			break;
		default:
			g_string_append_printf(s, "body /%s.{0,12}(?:漏水|裂纹|不加热)%u|%s\\s+(?:leaks|cracked)\\s+%u/i\n",
					       zh[i % 10], i, en[i % 10], i);
		}
		g_string_append_printf(s, "    score %s 1\n    describe generated rule %u\n\n",
				       cat[i % 4], i);
	}
}

struct set {
	const char *label;
	struct rules *fast, *plain;
	double load_ms;
	long kib;
};

static struct rules *load(const GString *text, const struct rules_limits *lim, GPtrArray *errors)
{
	return rules_load_string("bench.rules", text->str, text->len, lim, errors, NULL);
}

static int load_set(struct set *s, const GString *text, GPtrArray *errors)
{
	struct rules_limits plain_lim = { .no_prefilter = true };
	long k0 = rss_kib();
	gint64 t0 = g_get_monotonic_time();
	s->fast = load(text, NULL, errors);
	s->load_ms = (double)(g_get_monotonic_time() - t0) / 1000;
	s->kib = rss_kib() - k0;
	s->plain = load(text, &plain_lim, errors);
	if (!s->fast || !s->plain) {
		fprintf(stderr, "rules: %s\n", errors->len ? (char *)errors->pdata[0] : "?");
		return -1;
	}
	printf("  %s: %u rules (%u screened by the prefilter), compiled in %.0f ms, "
	       "%.1f MB resident\n", s->label, rules_count(s->fast), rules_prefilter_count(s->fast),
	       s->load_ms, (double)s->kib / 1024);
	return 0;
}

/* per_message_us - mean microseconds of rules_classify(r, m). */
static double per_message_us(const struct rules *r, const struct message *m, int iters)
{
	gint64 t0 = g_get_monotonic_time();
	for (int i = 0; i < iters; i++) {
		struct verdict *v = rules_classify(r, m);
		verdict_free(&v);
	}
	return (double)(g_get_monotonic_time() - t0) / iters;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: classify_bench RULES_DIR [ITERATIONS]\n"
			"       classify_bench --generated   (print the 1,000 generated rules)\n");
		return 2;
	}
	if (strcmp(argv[1], "--generated") == 0) {
		/* the same rules for the daemon's start-up figure in bench/run */
		GString *gen = g_string_new(NULL);
		add_generated(gen, 1000);
		fputs(gen->str, stdout);
		g_string_free(gen, TRUE);
		return 0;
	}
	int iters = argc > 2 ? atoi(argv[2]) : 2000;
	mime_init();
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	GString *text = shipped_rules(argv[1]);
	/* a first load pays for what every later one shares (library state,
	 * JIT allocator, thread scratch): keep it out of the figures */
	struct rules *warm = load(text, NULL, errors);
	rules_unref(&warm);
	struct set sets[2] = { { .label = "shipped rules" }, { .label = "shipped + 1,000 generated" } };
	if (load_set(&sets[0], text, errors) < 0)
		return 1;
	add_generated(text, 1000);
	if (load_set(&sets[1], text, errors) < 0)
		return 1;
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
		double parse = (double)(g_get_monotonic_time() - t0) / iters;
		printf("  %s 4 KB mail: mime_parse %.1f us\n", k ? "English" : "Chinese", parse);
		for (unsigned j = 0; j < G_N_ELEMENTS(sets); j++) {
			double fast = per_message_us(sets[j].fast, m, iters);
			double plain = per_message_us(sets[j].plain, m, iters / 20 + 1);
			printf("    %-26s rules_classify %7.1f us = %7.0f messages/s per core "
			       "(PCRE2 alone: %.0f us = %.0f/s)\n", sets[j].label, fast, 1e6 / fast,
			       plain, 1e6 / plain);
		}
		msg_free(&m);
		g_free(mails[k]);
	}
	for (unsigned j = 0; j < G_N_ELEMENTS(sets); j++) {
		rules_unref(&sets[j].fast);
		rules_unref(&sets[j].plain);
	}
	g_string_free(text, TRUE);
	g_ptr_array_unref(errors);
	return 0;
}
