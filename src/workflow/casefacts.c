/* casefacts - the facts a message gives and their text; see casefacts.h. */
#include "workflow/casefacts.h"

#include <string.h>

#include "mail/message.h"
#include "rules/rules.h"

static const char *const labels[FACT_N][2] = {
	[FACT_ORDER] = { "订单号", "Order number" },
	[FACT_PRODUCT] = { "产品/型号", "Product/model" },
	[FACT_PLACE] = { "购买地点", "Place of purchase" },
	[FACT_DATE] = { "购买日期", "Date of purchase" },
	[FACT_PHONE] = { "电话", "Phone" },
	[FACT_DEMAND] = { "诉求", "Demand" },
};

const char *casefacts_label(enum fact f, bool en)
{
	return (unsigned)f < FACT_N ? labels[f][en ? 1 : 0] : "";
}

/* from_form - the form's field for fact f, cleaned; NULL if none (a mail
 * has no fields) or not a valid demand. */
static char *from_form(const struct message *m, enum fact f)
{
	char *v = facts_clean(msg_field(m, facts_name(f)), -1);
	if (v && f == FACT_DEMAND && !facts_demand_valid(v))
		g_clear_pointer(&v, g_free);
	return v;
}

unsigned casefacts_collect(const struct message *m, const struct verdict *v,
			   struct store_facts *out)
{
	store_facts_clear(out);
	unsigned n = 0;
	for (int f = 0; f < FACT_N; f++) {
		char *val = from_form(m, f);
		const char *rule = NULL;
		if (val == NULL && v && verdict_fact(v, f)) {
			val = g_strdup(verdict_fact(v, f));
			rule = verdict_fact_rule(v, f);
		}
		if (val == NULL)
			continue;
		out->value[f] = val;
		out->source[f] = g_strdup(rule ? "mail" : "form");
		out->rule[f] = g_strdup(rule);
		n++;
	}
	return n;
}

char *casefacts_text(const struct store_facts *f, bool en)
{
	GString *out = g_string_new(NULL);
	for (int i = 0; i < FACT_N; i++) {
		const char *val = f->value[i];
		if (!val)
			continue;
		if (i == FACT_DEMAND)
			val = facts_demand_label(val, en);
		g_string_append_printf(out, en ? "  %s: %s\n" : "  %s：%s\n",
				       casefacts_label(i, en), val);
	}
	return g_string_free(out, FALSE);
}
