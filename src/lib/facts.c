/* facts - names, demands and value cleaning of case facts; see facts.h. */
#include "lib/facts.h"

#include <string.h>
#include <glib.h>

static const char *const names[FACT_N] = {
	[FACT_ORDER] = "order_no",
	[FACT_PRODUCT] = "product",
	[FACT_PLACE] = "purchase_place",
	[FACT_DATE] = "purchase_date",
	[FACT_PHONE] = "phone",
	[FACT_DEMAND] = "demand",
};

const char *const facts_demands[] = {
	"refund", "exchange", "repair", "compensation", "apology", NULL
};

static const char *const demand_zh[] = {
	"退款", "换货", "维修", "赔偿", "道歉"
};

const char *facts_name(enum fact f)
{
	return (unsigned)f < FACT_N ? names[f] : NULL;
}

int facts_parse(const char *s)
{
	for (int i = 0; s && i < FACT_N; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

bool facts_personal(enum fact f)
{
	/* the product, the date and the demand say nothing about who bought */
	return f == FACT_ORDER || f == FACT_PLACE || f == FACT_PHONE;
}

static int demand_index(const char *s)
{
	for (int i = 0; s && facts_demands[i]; i++)
		if (strcmp(s, facts_demands[i]) == 0)
			return i;
	return -1;
}

bool facts_demand_valid(const char *s)
{
	return demand_index(s) >= 0;
}

const char *facts_demand_label(const char *s, bool en)
{
	int i = demand_index(s);
	return i < 0 || en ? s : demand_zh[i];
}

/* is_blankish - controls (they could end a header line or move a
 * terminal's cursor) and every kind of space: a word break, kept as one
 * space. */
static bool is_blankish(gunichar c)
{
	GUnicodeType t = g_unichar_type(c);
	return t == G_UNICODE_CONTROL || t == G_UNICODE_LINE_SEPARATOR ||
	       t == G_UNICODE_PARAGRAPH_SEPARATOR || g_unichar_isspace(c);
}

/* is_format - invisible characters, dropped: a bidi override turns "123"
 * round on screen, a zero-width one makes equal order numbers differ. */
static bool is_format(gunichar c)
{
	return g_unichar_type(c) == G_UNICODE_FORMAT;
}

char *facts_clean(const char *s, long len)
{
	if (s == NULL)
		return NULL;
	/* bound the work before anything else: a capture may be a whole body */
	size_t n = len < 0 ? strlen(s) : (size_t)len;
	if (n > 4 * FACTS_VALUE_MAX)
		n = 4 * FACTS_VALUE_MAX;
	char *valid = g_utf8_make_valid(s, (gssize)n);
	GString *out = g_string_sized_new(n);
	bool blank = false;
	for (const char *p = valid; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		if (is_format(c))
			continue;
		if (is_blankish(c)) {
			blank = out->len > 0;
			continue;
		}
		gchar buf[6];
		int k = g_unichar_to_utf8(c, buf);
		if (out->len + (blank ? 1 : 0) + (size_t)k > FACTS_VALUE_MAX)
			break;
		if (blank)
			g_string_append_c(out, ' ');
		blank = false;
		g_string_append_len(out, buf, k);
	}
	g_free(valid);
	if (out->len == 0) {
		g_string_free(out, TRUE);
		return NULL;
	}
	return g_string_free(out, FALSE);
}
