/* webpage - the web pages' shared parts: language, variables, templates,
 * each thread's channel. */
#include "intake/webpage.h"

#include <string.h>

#include "intake/httpd.h"
#include "lib/config.h"
#include "lib/holder.h"
#include "mail/template.h"
#include "workflow/channel.h"
#include "workflow/pipeline.h"

/* accept_lang - "zh" or "en", whichever Accept-Language weighs more; NULL
 * when it names neither. */
static const char *accept_lang(const char *header)
{
	if (!header)
		return NULL;
	const char *best = NULL;
	double best_q = 0;
	char **parts = g_strsplit(header, ",", 32);
	for (unsigned i = 0; parts[i]; i++) {
		char *tag = g_strstrip(parts[i]);
		char *semi = strchr(tag, ';');
		double q = 1;
		if (semi) {
			*semi = '\0';
			char *qs = strstr(semi + 1, "q=");
			if (qs)
				q = g_ascii_strtod(qs + 2, NULL);
		}
		g_strstrip(tag);
		const char *lang = !g_ascii_strncasecmp(tag, "zh", 2) ? "zh"
				   : !g_ascii_strncasecmp(tag, "en", 2) ? "en" : NULL;
		if (lang && q > best_q) {
			best = lang;
			best_q = q;
		}
	}
	g_strfreev(parts);
	return best;
}

const char *webpage_lang(const struct webpage_site *s, const struct httpd_req *r, bool *asked)
{
	const char *q = httpd_arg(r, "lang");
	*asked = true;
	if (q && (!strcmp(q, "zh") || !strcmp(q, "en")))
		return !strcmp(q, "zh") ? "zh" : "en";
	const char *a = accept_lang(httpd_header(r, "Accept-Language"));
	if (a)
		return a;
	*asked = false;
	return !strcmp(s->cfg->default_lang, "en") ? "en" : "zh";
}

char *webpage_url(const struct webpage_site *s, const char *path)
{
	return g_strconcat(s->cfg->web_base_url, path, NULL);
}

char *webpage_render(const struct webpage_site *s, const char *kind, const char *lang,
		     GHashTable *vars)
{
	struct template_set *set = holder_get(s->env->templates);
	const struct template *t = template_set_get(set, kind, lang);
	char *html = t ? template_render(t, vars) : NULL;
	template_set_unref(&set);
	return html;
}

GHashTable *webpage_vars(const struct webpage_site *s, const char *lang, const char *path)
{
	GHashTable *vars = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_hash_table_insert(vars, g_strdup("lang"), g_strdup(lang));
	g_hash_table_insert(vars, g_strdup("company"), g_strdup(s->cfg->company_name));
	g_hash_table_insert(vars, g_strdup("form_url"), webpage_url(s, "/complaint"));
	g_hash_table_insert(vars, g_strdup("style_url"), webpage_url(s, "/complaint/style.css"));
	const char *other = strcmp(lang, "zh") ? "zh" : "en";
	g_hash_table_insert(vars, g_strdup("other_lang"), g_strdup(other));
	char *p = webpage_url(s, path);
	g_hash_table_insert(vars, g_strdup("other_lang_url"),
			    g_strdup_printf("%s%slang=%s", p, strchr(p, '?') ? "&" : "?", other));
	g_free(p);
	g_hash_table_insert(vars, g_strdup("max_attachments"),
			    g_strdup_printf("%lld", (long long)s->cfg->web_max_attachments));
	g_hash_table_insert(vars, g_strdup("max_attachment_mb"),
			    g_strdup_printf("%.1f", (double)s->cfg->web_max_attachment_size / 1048576.0));
	return vars;
}
