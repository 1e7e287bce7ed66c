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
		/* a pass needs our id in front, whatever else the input holds:
		 * written plainly, it is the whole first token (a quoted id or
		 * a leading comment are checked by the unit tests) */
		const char *p = value;
		while (g_ascii_isspace(*p))
			p++;
		if (*p != '"' && *p != '(' &&
		    (g_ascii_strncasecmp(p, "mx.shop.example", 15) ||
		     (p[15] && !strchr(" \t\r\n;(", p[15]))))
			__builtin_trap();
	}
	g_free(value);
	return 0;
}
