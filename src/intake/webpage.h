/* webpage - what the web handlers (webform, websurvey, web) share: the
 * site they serve, the page language, pages rendered from templates with
 * the variables every page knows, and each pool thread's channel to the
 * workflow (channel.h), opened on first use and closed when the thread
 * ends. */
#ifndef COMPLAINTD_WEBPAGE_H
#define COMPLAINTD_WEBPAGE_H

#include <stdbool.h>
#include <glib.h>

struct channels;
struct config;
struct httpd_req;
struct pipeline_env;
struct store_params;

/* The handlers' app pointer (httpd.h); borrowed, immutable while the
 * server runs. */
struct webpage_site {
	const struct pipeline_env *env;
	const struct config *cfg;
	const struct store_params *db;
	const char *id_domain;    /* for form Message-IDs: the domain of [company] from */
	struct channels *channels; /* the database connections the threads share */
};

/* webpage_lang - "zh" or "en": ?lang=, else Accept-Language, else [general]
 * default language (then *asked is false). Static strings. */
const char *webpage_lang(const struct webpage_site *s, const struct httpd_req *r, bool *asked);

/* webpage_url - the public URL of path (g_free). */
char *webpage_url(const struct webpage_site *s, const char *path);

/* webpage_vars - a table (g_hash_table_unref; it owns keys and values)
 * with what every page knows: lang, company, form_url, style_url (the
 * stylesheet, webform.h), other_lang and its
 * URL (for the page at path), the attachment limits. */
GHashTable *webpage_vars(const struct webpage_site *s, const char *lang, const char *path);

/* webpage_render - template KIND in lang with vars (g_free); NULL when
 * the set has none. */
char *webpage_render(const struct webpage_site *s, const char *kind, const char *lang,
		     GHashTable *vars);

#endif
