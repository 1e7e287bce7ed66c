/* mailcap - how much of a customer's mail is copied into a mail we send
 * (issue 10.5). A 20 MB complaint copied whole into the staff notification
 * made an outbox row over the database's max_allowed_packet: the server
 * dropped the connection, the batch failed and the mailbox stalled. The
 * whole mail is archived in the database anyway; the mail to staff carries
 * the start of the text and the attachments that fit, and says where the
 * rest is. */
#include "workflow/wfmail.h"

#include <string.h>

#define TEXT_CAP   (100u * 1024)          /* bytes of text in one staff mail */
#define ATTACH_CAP (10u * 1024 * 1024)    /* bytes of attachments, before base64 */

size_t wf_attach_cap(const struct workflow_ctx *x)
{
	/* base64 grows by 4/3 plus line ends; half the row for the rest */
	return MIN((size_t)ATTACH_CAP, store_outbox_max(x->store) * 3 / 8);
}

char *wf_see_note(const char *ref, const char *lang)
{
	return g_strcmp0(lang, "en")
		? g_strdup_printf("完整内容请用 complaintctl show %s 查看", ref ? ref : "")
		: g_strdup_printf("see complaintctl show %s", ref ? ref : "");
}

bool wf_cap_text(const struct workflow_ctx *x, GHashTable *vars, const char *ref,
		 const char *lang)
{
	const char *text = g_hash_table_lookup(vars, "text");
	size_t cap = MIN((size_t)TEXT_CAP, store_outbox_max(x->store) / 8);
	size_t len = text ? strlen(text) : 0;
	if (len <= cap)
		return false;
	const char *end = text;
	g_utf8_validate(text, (gssize)cap, &end);   /* no character cut in two */
	char *see = wf_see_note(ref, lang);
	char *cut = g_strcmp0(lang, "en")
		? g_strdup_printf("%.*s\n\n[……以上是前 %zu 字节，共 %zu 字节；%s]", (int)(end - text),
				  text, (size_t)(end - text), len, see)
		: g_strdup_printf("%.*s\n\n[... %zu of %zu bytes; %s]", (int)(end - text), text,
				  (size_t)(end - text), len, see);
	g_free(see);
	g_hash_table_insert(vars, "text", cut);  /* the table frees the old value */
	return true;
}
