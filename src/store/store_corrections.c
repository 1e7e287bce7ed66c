/* store_corrections - staff corrections of the classification (see
 * store_corrections.h). */
#include "store/store_corrections.h"

#include <string.h>

#include "store/store-private.h"

void store_correction_free(struct store_correction *c)
{
	if (!c)
		return;
	g_free(c->ref);
	g_free(c->category);
	if (c->details)
		g_ptr_array_unref(c->details);
	g_free(c);
}

/* A commands event says "category X -> Y" or "severity X -> Y" when one
 * of the two was set; other commands (#status, #assign) do not label. */
static bool corrects(const char *detail)
{
	return detail && (strstr(detail, "category ") || strstr(detail, "severity "));
}

/* correction_row - rows come ordered by complaint: a new complaint starts
 * a new correction, later rows of the same add their detail. */
static void correction_row(MYSQL_STMT *st, struct rb *r, void *data)
{
	GPtrArray *out = data;
	char *detail = rb_str(st, r, 5);
	if (!corrects(detail)) {
		g_free(detail);
		return;
	}
	uint64_t id = rb_id(r, 0);
	struct store_correction *last = out->len ? g_ptr_array_index(out, out->len - 1) : NULL;
	if (!last || last->complaint_id != id) {
		last = g_new0(struct store_correction, 1);
		last->complaint_id = id;
		last->ref = rb_str(st, r, 1);
		last->category = rb_str(st, r, 2);
		char *sev = rb_str(st, r, 3);
		last->severity = sev && *sev ? sev[0] : 'C';
		g_free(sev);
		last->first_message = rb_id(r, 4);
		last->details = g_ptr_array_new_with_free_func(g_free);
		g_ptr_array_add(out, last);
	}
	g_ptr_array_add(last->details, detail);
}

int store_list_corrections(struct store *s, GPtrArray *out, GError **err)
{
	guint before = out->len;
	struct pb p = { .nb = 0 };
	int rc = store_query_rows(s,
		"SELECT c.id, c.ref, c.category, c.severity,"
		" (SELECT MIN(m.id) FROM messages m"
		"  WHERE m.complaint_id = c.id AND m.direction = 'in'),"
		" e.detail"
		" FROM events e JOIN complaints c ON c.id = e.complaint_id"
		" WHERE e.kind = 'commands'"
		" ORDER BY c.id, e.at, e.id", &p, "usssus", correction_row, out, err);
	return rc < 0 ? -1 : (int)(out->len - before);
}
