/* fuzz_jsonparse - the strict JSON parser, and the form-post mapping on top
 * of it, against arbitrary bytes. Every accepted document is walked fully
 * and must hold valid UTF-8 strings without NUL bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <glib.h>

#include "lib/jsonparse.h"
#include "ctl/ruleseval.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const struct jsonparse_value *v, unsigned depth)
{
	if (depth > JSONPARSE_DEFAULT_MAX_DEPTH + 1)
		__builtin_trap();
	size_t len;
	const char *s = jsonparse_string(v, &len);
	if (s && (strlen(s) != len || !g_utf8_validate(s, (gssize)len, NULL)))
		__builtin_trap();
	for (size_t i = 0; i < jsonparse_length(v); i++) {
		const char *key = jsonparse_key(v, i);
		if (key && jsonparse_get(v, key) != jsonparse_index(v, i))
			__builtin_trap();  /* lookup must find the same member */
		walk(jsonparse_index(v, i), depth + 1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *error = NULL;
	struct jsonparse_value *v = jsonparse_parse((const char *)data, size, NULL, &error);
	if (v)
		walk(v, 0);
	else if (!error || strncmp(error, "byte ", 5))
		__builtin_trap();  /* every failure says where */
	jsonparse_free(&v);
	g_free(error);
	struct message *m = ruleseval_message_from_json((const char *)data, size, &error);
	msg_free(&m);
	g_free(error);
	return 0;
}
