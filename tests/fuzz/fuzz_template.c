/* Fuzz target: the template parser and renderer (administrator-edited text,
 * but a parser all the same: it must never crash on any bytes). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <glib.h>

#include "mail/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	bool html = size && (data[0] & 1);
	struct template *t = template_parse("fuzz.tmpl", (const char *)data, size, html, errors);
	if (t) {
		GHashTable *vars = g_hash_table_new(g_str_hash, g_str_equal);
		g_hash_table_insert(vars, "ref", "CMP-20261123-0001");
		g_hash_table_insert(vars, "subject", "<a>\r\n&\"'");
		char *subject = template_render_subject(t, vars);
		char *body = template_render(t, vars);
		if (subject && (strchr(subject, '\r') || strchr(subject, '\n')))
			__builtin_trap();  /* a header must stay one line */
		g_free(subject);
		g_free(body);
		g_hash_table_unref(vars);
		template_free(&t);
	}
	g_ptr_array_unref(errors);
	return 0;
}
