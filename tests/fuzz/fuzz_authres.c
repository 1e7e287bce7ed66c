/* fuzz_authres - Authentication-Results fields from a hostile sender: the
 * reader must neither crash nor read out of bounds, and whatever passes
 * must name our authserv-id. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <glib.h>

#include "mail/authres.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *ids[] = { "mx.shop.example", NULL };
	char *value = g_strndup((const char *)data, size);
	if (authres_field_passes(value, ids, "staff.shop.example")) {
		/* a pass needs our id in front, whatever else the input holds */
		const char *p = value;
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == '"')
			p++;
		if (g_ascii_strncasecmp(p, "mx.shop.example", 15) && *p != '(')
			__builtin_trap();
	}
	g_free(value);
	return 0;
}
