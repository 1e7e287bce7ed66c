/* fuzz_rules - the rule-file parser and, when the rules load, the
 * classifier. Input: rule text, optionally followed by a line "%%" and a
 * message (first line subject, rest body) to classify with those rules. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mail/message.h"
#include "rules/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void classify(struct rules *r, const char *msg, size_t len)
{
	struct message *m = msg_new(MSG_CHANNEL_WEB);
	char *text = g_strndup(msg, len); /* stops at a NUL: fine */
	char *nl = strchr(text, '\n');
	if (nl) {
		*nl = '\0';
		msg_set_text(m, nl + 1);
	}
	msg_set_subject(m, text);
	msg_set_from(m, "a@b.test", "A");
	msg_add_header(m, "X-Test", text);
	msg_set_field(m, "order", text);
	struct verdict *v = rules_classify(r, m);
	char *f = verdict_format(v);
	g_free(f);
	verdict_free(&v);
	g_free(text);
	msg_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const char *sep = size >= 4 ? memmem(text, size, "\n%%\n", 4) : NULL;
	size_t rlen = sep ? (size_t)(sep - text) + 1 : size;
	/* small limits: a slow pattern must not look like a hang */
	struct rules_limits lim = { .match_limit = 10000, .depth_limit = 200,
				    .heap_limit_kib = 1024 };
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	GPtrArray *warnings = g_ptr_array_new_with_free_func(g_free);
	struct rules *r = rules_load_string("fuzz.rules", text, rlen, &lim,
					    errors, warnings);
	if (r != NULL && errors->len != 0)
		__builtin_trap(); /* a set is returned only without errors */
	if (r == NULL && errors->len == 0)
		__builtin_trap(); /* a refusal always says why */
	if (r && sep)
		classify(r, sep + 4, size - rlen - 3);
	rules_unref(&r);
	g_ptr_array_unref(errors);
	g_ptr_array_unref(warnings);
	return 0;
}
