/* fuzz_webapi - the API body of a complaint staff took down (webapi_parse)
 * and its checks (taken_validate) against arbitrary bytes.
 *
 * Whatever the body: parse fails with a message or fills the complaint;
 * every error has a text; a complaint that passes becomes a message whose
 * text is valid UTF-8, whose name, address and subject carry no CR or LF
 * (they go into mail headers), and which has a dedup key. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <glib.h>

#include "intake/webapi.h"
#include "lib/config.h"
#include "mail/message.h"
#include "store/store.h"
#include "workflow/taken.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *domains[] = { "staff.example", NULL };
static struct config cfg = { .staff_domains = domains };

static bool one_line(const char *s)
{
	return !s || !strpbrk(s, "\r\n");
}

static void check_message(const struct taken *t)
{
	struct message *m = taken_to_message(t, "fuzz", "shop.example", 1700000000);
	if (!g_utf8_validate(msg_text(m), -1, NULL) || !one_line(msg_from_addr(m)) ||
	    !one_line(msg_from_name(m)) || !one_line(msg_subject(m)) ||
	    !one_line(msg_message_id(m)) || !msg_field(m, "taken_by"))
		__builtin_trap();
	char *key = store_dedup_key(m);
	if (!key)
		__builtin_trap();
	g_free(key);
	msg_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct taken *t = taken_new();
	char *error = NULL;
	if (webapi_parse(t, (const char *)data, size, &error) < 0) {
		if (!error)
			__builtin_trap();
		g_free(error);
		taken_free(&t);
		return 0;
	}
	unsigned n = taken_validate(t, &cfg, "api:fuzz");
	if (n != taken_error_count(t))
		__builtin_trap();
	for (unsigned i = 0; i < n; i++) {
		const char *key, *code;
		taken_error_at(t, i, &key, &code);
		if (!key || !code || !*taken_error_text(code))
			__builtin_trap();
	}
	if (n == 0)
		check_message(t);
	taken_free(&t);
	return 0;
}
