/* fuzz_rules_prefilter - differential: the vectorscan prefilter must never
 * change a verdict. Input as for fuzz_rules: rule text, a line "%%", then a
 * message (first line subject, rest body). The rules are loaded twice, with
 * and without the prefilter; when the plain verdict has no errors (a match
 * limit hit may fall on different texts) both explanations must be equal. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mail/message.h"
#include "rules/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *explain(struct rules *r, const struct message *m, bool *errors)
{
	struct verdict *v = rules_classify(r, m);
	char *f = verdict_format(v);
	*errors = verdict_error_count(v) != 0;
	verdict_free(&v);
	return f;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const char *sep = size >= 4 ? memmem(text, size, "\n%%\n", 4) : NULL;
	if (!sep || size > 8192)
		return 0;
	size_t rlen = (size_t)(sep - text) + 1;
	struct rules_limits lim = { .match_limit = 10000, .depth_limit = 200,
				    .heap_limit_kib = 1024 };
	struct rules_limits plain = lim;
	plain.no_prefilter = true;
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	struct rules *a = rules_load_string("fuzz.rules", text, rlen, &lim, errors, NULL);
	struct rules *b = a ? rules_load_string("fuzz.rules", text, rlen, &plain, errors, NULL)
			    : NULL;
	if (a && b) {
		struct message *m = msg_new(MSG_CHANNEL_EMAIL);
		char *msg = g_strndup(sep + 4, size - rlen - 3);
		char *nl = strchr(msg, '\n');
		if (nl) {
			*nl = '\0';
			msg_set_text(m, nl + 1);
		}
		msg_set_subject(m, msg);
		bool err_a, err_b;
		char *fa = explain(a, m, &err_a), *fb = explain(b, m, &err_b);
		if (!err_a && !err_b && strcmp(fa, fb) != 0)
			__builtin_trap();  /* the prefilter changed a verdict */
		g_free(fa);
		g_free(fb);
		g_free(msg);
		msg_free(&m);
	}
	rules_unref(&a);
	rules_unref(&b);
	g_ptr_array_unref(errors);
	return 0;
}
