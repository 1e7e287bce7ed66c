/* template - the texts administrators edit: acknowledgement mails and (later)
 * notifications and web pages, one file per kind and language.
 *
 * File name: KIND.LANG.tmpl (ack.zh.tmpl, ack.en.tmpl). A mail template
 * starts with header lines (only "Subject:" for now), a blank line, then the
 * body. Placeholders:
 *     {{name}}                 the variable's value ("" when unset)
 *     {{#name}} ... {{/name}}  the enclosed text only when name is non-empty
 *     {{^name}} ... {{/name}}  the enclosed text only when name is empty
 * Names are letters, digits and '_'; an unknown name, an unclosed or
 * unbalanced tag is an error reported as FILE:LINE:COL. Values are inserted
 * as they are, or HTML-escaped for templates whose KIND ends in "_html".
 *
 * A template set is immutable once loaded and refcounted, so a reload builds
 * a new set beside the one in use and swaps it (see template_holder). */
#ifndef COMPLAINTD_TEMPLATE_H
#define COMPLAINTD_TEMPLATE_H

#include <stdbool.h>
#include <glib.h>

struct template;
struct template_set;

/* Variables a template may name; anything else is an error at load time. */
extern const char *const template_variables[];

/* template_parse - compile one template from memory; name is used in errors
 * ("ack.zh.tmpl"). NULL on error with "NAME:LINE:COL: message" appended to
 * errors. html selects escaping. */
struct template *template_parse(const char *name, const char *text, size_t len,
				bool html, GPtrArray *errors);
void template_free(struct template **t);

/* template_render - the body (for a web page: the page) with vars mapping
 * name -> UTF-8 value. g_free. */
char *template_render(const struct template *t, GHashTable *vars);
/* template_is_html - whether t's values are inserted HTML-escaped. */
bool template_is_html(const struct template *t);
/* template_render_subject - a mail template's Subject, one line; NULL if the
 * template has none. g_free. */
char *template_render_subject(const struct template *t, GHashTable *vars);

/* template_set_load - every *.tmpl in dir. NULL when any file has an error
 * (all errors appended); the set must hold the kinds listed in required
 * (NULL-terminated) in at least default_lang. */
struct template_set *template_set_load(const char *dir, const char *const *required,
				       const char *default_lang, GPtrArray *errors);
struct template_set *template_set_ref(struct template_set *s);
void template_set_unref(struct template_set **s);
/* template_set_get - KIND in LANG, else in the set's default language. */
const struct template *template_set_get(const struct template_set *s,
					const char *kind, const char *lang);
unsigned template_set_count(const struct template_set *s);

#endif
