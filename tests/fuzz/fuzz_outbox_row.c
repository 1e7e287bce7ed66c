/* Fuzz target: an outbox row as the sender reads it back from the database
 * (a packed mail, or any bytes a damaged row could hold): composing it must
 * never crash, and what comes out is a mail with CRLF line ends or an
 * error. The input goes in behind the packed marker, or as it is when it
 * starts like a header (a composed mail's row). A row naming a message
 * row whose text it left out gets a text to put back. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <glib.h>
#include <gmime/gmime.h>

#include "mail/mailout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char MARK[8] = { '\0', 's', 'p', 'e', 'c', '/', '1', '\0' };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	if (!ready) {
		g_mime_init();
		/* a GLib or gmime complaint about what we passed is a bug too */
		g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
		ready = true;
	}
	if (size > 65536)
		return 0;
	bool as_is = size && data[0] >= 'A' && data[0] <= 'Z';
	GByteArray *row = g_byte_array_new();
	if (!as_is)
		g_byte_array_append(row, (const guint8 *)MARK, sizeof(MARK));
	g_byte_array_append(row, data, (guint)size);
	GBytes *bytes = g_byte_array_free_to_bytes(row);
	GError *err = NULL;
	/* a row that left a message's text out gets one put back, with a bare
	 * LF to be turned into CRLF like the rest */
	GBytes *mail = mailout_outbox_mail(bytes, mailout_outbox_text_row(bytes) ? "quoted\ntext"
										  : NULL, &err);
	if (!mail && !err)
		__builtin_trap();  /* no mail must say why */
	if (mail && mailout_is_packed(g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes))) {
		gsize len;
		const char *text = g_bytes_get_data(mail, &len);
		for (gsize i = 0; i < len; i++)
			if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r'))
				__builtin_trap();  /* composed: CRLF only */
	}
	if (mail)
		g_bytes_unref(mail);
	g_clear_error(&err);
	g_bytes_unref(bytes);
	return 0;
}
