/* fuzz_form - the form decoder and validator against arbitrary bytes.
 *
 * First byte even: the rest is an API body (JSON). Odd: the rest is a
 * sequence of pieces as the POST processor hands them over, each
 * "KEY-INDEX OFFSET-FLAG LEN DATA..." so that keys, split values, repeated
 * keys and file parts all occur. A form that validates must become a
 * message whose text is valid UTF-8; every error must have a text. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <glib.h>

#include "intake/form.h"
#include "mail/message.h"
#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const keys[] = { "name", "email", "phone", "order_no", "product",
	"purchase_place", "purchase_date", "description", "request", "token", "lang",
	"website", "other", "attachments" };

static void pieces(struct form *f, const uint8_t *d, size_t n)
{
	uint64_t off = 0;
	while (n >= 3) {
		unsigned k = d[0] % G_N_ELEMENTS(keys);
		bool cont = d[1] & 1;
		size_t len = MIN((size_t)d[2], n - 3);
		const char *v = (const char *)d + 3;
		off = cont ? off : 0;
		if (!strcmp(keys[k], "attachments"))
			form_add_file_data(f, (d[1] & 2) ? "f.txt" : "", (d[1] & 4) ? "text/plain" : NULL,
					   v, len, off);
		else
			form_add_data(f, keys[k], v, len, off);
		off += len;
		d += 3 + len;
		n -= 3 + len;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	struct form_limits lim = { .max_attachments = 3, .max_attachment_size = 300 };
	struct form *f = form_new(&lim);
	char *error = NULL;
	if (data[0] % 2 == 0) {
		if (form_parse_json(f, (const char *)data + 1, size - 1, &error) < 0 && !error)
			__builtin_trap();
		g_free(error);
	} else {
		pieces(f, data + 1, size - 1);
	}
	unsigned n = form_validate(f);
	if (n != form_error_count(f))
		__builtin_trap();
	for (unsigned i = 0; i < n; i++) {
		const char *key, *code;
		form_error_at(f, i, &key, &code);
		if (!key || !code || !*form_error_text(code, "en"))
			__builtin_trap();
	}
	for (unsigned i = 0; i < FORM_N_FIELDS; i++) {
		char *v = form_display_value(f, i);
		if (!g_utf8_validate(v, -1, NULL))
			__builtin_trap();
		g_free(v);
	}
	if (n == 0) {
		struct message *m = form_to_message(f, "en", "shop.example", 1700000000);
		if (!g_utf8_validate(msg_text(m), -1, NULL) || !msg_from_addr(m) ||
		    strpbrk(msg_from_addr(m), "\r\n") || strpbrk(msg_subject(m), "\r\n") == msg_subject(m))
			__builtin_trap();
		char *key = store_dedup_key(m);
		if (!key)
			__builtin_trap();
		g_free(key);
		msg_free(&m);
	}
	form_free(&f);
	return 0;
}
