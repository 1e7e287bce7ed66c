/* fuzz_mime - mime_parse, the dumps and the header decoder on arbitrary
 * bytes: no crash, no leak, and every string valid UTF-8. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "mail/charset.h"
#include "mail/htmltext.h"
#include "mail/mime.h"
#include "mail/msgdump.h"

static void check_utf8(const char *s)
{
	if (s && !g_utf8_validate(s, -1, NULL))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mime_limits lim;
	mime_limits_default(&lim);
	lim.max_message_size = 1024 * 1024;
	struct message *m = mime_parse((const char *)data, size, &lim);
	check_utf8(msg_subject(m));
	check_utf8(msg_text(m));
	check_utf8(msg_from_name(m));
	for (unsigned i = 0; i < msg_header_count(m); i++) {
		const char *n, *v;
		msg_header_at(m, i, &n, &v);
		check_utf8(n);
		check_utf8(v);
	}
	for (unsigned i = 0; i < msg_attachment_count(m); i++) {
		const char *f = msg_attachment(m, i)->filename;
		check_utf8(f);
		if (strchr(f, '/') || strchr(f, '\\'))
			abort();
	}
	GString *out = g_string_new(NULL);
	msgdump_json(m, out);
	if (!g_utf8_validate(out->str, out->len, NULL))
		abort();
	g_string_truncate(out, 0);
	msgdump_text(m, out);
	g_string_free(out, TRUE);
	msg_free(&m);

	/* the pieces on their own, with the input as header / HTML / text */
	char *s = g_strndup((const char *)data, MIN(size, 4096));
	char *d = mime_decode_header(s, size ? "gbk" : NULL);
	check_utf8(d);
	g_free(d);
	char *h = htmltext_to_text((const char *)data, size);
	check_utf8(h);
	g_free(h);
	char *u = charset_to_utf8((const char *)data, size, size > 2 ? "big5" : NULL, NULL);
	check_utf8(u);
	g_free(u);
	g_free(s);
	return 0;
}
