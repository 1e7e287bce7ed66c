/* rulescorr - staff corrections exported as labelled mails (rulescorr.h). */
#include "ctl/rulescorr.h"

#include <errno.h>
#include <string.h>

#include "lib/json.h"

/* target_of - Y of "WHAT X -> Y" in one "; "-separated part, or NULL. */
static char *target_of(const char *part, const char *what)
{
	size_t n = strlen(what);
	if (strncmp(part, what, n) || part[n] != ' ')
		return NULL;
	const char *arrow = strstr(part, " -> ");
	return arrow ? g_strstrip(g_strdup(arrow + 4)) : NULL;
}

void rulescorr_labels(const struct store_correction *c, char **category_r,
		      char *severity_r)
{
	char *cat = NULL, sev = 0;
	for (guint i = 0; i < c->details->len; i++) {
		char **parts = g_strsplit(g_ptr_array_index(c->details, i), "; ", -1);
		for (char **p = parts; *p; p++) {
			char *t = target_of(*p, "category");
			if (t) {
				g_free(cat);
				cat = t;
			}
			if ((t = target_of(*p, "severity")) != NULL) {
				sev = t[0];
				g_free(t);
			}
		}
		g_strfreev(parts);
	}
	*category_r = cat ? cat : g_strdup(c->category);
	*severity_r = sev ? sev : c->severity;
}

/* file_name - REF.eml, with anything but letters, digits, '-' and '_'
 * replaced: the reference comes from the database, not from us. */
static char *file_name(const char *dir, const char *ref)
{
	char *safe = g_strdup(ref && *ref ? ref : "unknown");
	for (char *p = safe; *p; p++)
		if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_')
			*p = '_';
	char *base = g_strconcat(safe, ".eml", NULL);
	char *path = g_build_filename(dir, base, NULL);
	g_free(safe);
	g_free(base);
	return path;
}

/* as_mail - a web-form complaint has no mail source: a plain one of its
 * subject and text, 8-bit UTF-8 (what our reader and rules eval read). */
static void as_mail(GString *out, const struct store_stored_message *sm, const char *eol)
{
	g_string_append_printf(out, "From: %s%s", sm->from_addr && *sm->from_addr ?
			       sm->from_addr : "unknown@invalid", eol);
	char *subject = g_strdelimit(g_strdup(sm->subject ? sm->subject : ""), "\r\n", ' ');
	g_string_append_printf(out, "Subject: %s%sMIME-Version: 1.0%s"
			       "Content-Type: text/plain; charset=utf-8%s"
			       "Content-Transfer-Encoding: 8bit%s%s%s%s", subject, eol, eol,
			       eol, eol, eol, sm->body ? sm->body : "", eol);
	g_free(subject);
}

/* labelled_source - the labels on top of the stored message. */
static GString *labelled_source(const struct store_correction *c,
				const struct store_stored_message *sm)
{
	gsize len = 0;
	const char *raw = sm->raw ? g_bytes_get_data(sm->raw, &len) : NULL;
	bool mail = raw && len && g_strcmp0(sm->channel, "web");
	/* the mail's own line ends, so that the header block stays one style */
	const char *nl = mail ? memchr(raw, '\n', len) : NULL;
	const char *eol = nl && nl > raw && nl[-1] == '\r' ? "\r\n" : "\n";
	char *cat, sev;
	rulescorr_labels(c, &cat, &sev);
	GString *out = g_string_new(NULL);
	g_string_append_printf(out, "X-Expected-Category: %s%sX-Expected-Severity: %c%s"
			       "X-Complaint-Ref: %s%s", cat, eol, sev, eol, c->ref, eol);
	if (mail)
		g_string_append_len(out, raw, (gssize)len);
	else
		as_mail(out, sm, eol);
	g_free(cat);
	return out;
}

/* export_one - 1 written, 0 skipped (no inbound message), -1 error. */
static int export_one(struct store *s, const struct store_correction *c,
		      const char *dir, char **path_r, FILE *err)
{
	struct store_stored_message *sm = NULL;
	GError *e = NULL;
	int rc = c->first_message ? store_get_message(s, c->first_message, &sm, &e) : 0;
	if (rc <= 0) {
		if (rc < 0) {
			fprintf(err, "complaintctl: %s: %s\n", c->ref, e->message);
			g_error_free(e);
		}
		return rc;
	}
	GString *text = labelled_source(c, sm);
	store_stored_message_free(sm);
	*path_r = file_name(dir, c->ref);
	rc = g_file_set_contents(*path_r, text->str, (gssize)text->len, &e) ? 1 : -1;
	if (rc < 0) {
		fprintf(err, "complaintctl: %s\n", e->message);
		g_error_free(e);
	}
	g_string_free(text, TRUE);
	return rc;
}

static void list_one(struct json *j, FILE *out, const struct store_correction *c,
		     const char *path)
{
	char *cat, sev, s[2] = { 0, 0 };
	rulescorr_labels(c, &cat, &sev);
	s[0] = sev;
	if (j) {
		json_object_begin(j);
		json_kv_string(j, "ref", c->ref);
		json_kv_string(j, "category", cat);
		json_kv_string(j, "severity", s);
		json_kv_string(j, "file", path);
		json_object_end(j);
	} else {
		fprintf(out, "%-20s %-12s %c  %s\n", c->ref, cat, sev,
			path ? path : "(no inbound message: skipped)");
	}
	g_free(cat);
}

static int export_all(struct store *s, const GPtrArray *list, const char *dir,
		      struct json *j, FILE *out, FILE *err, unsigned *written)
{
	for (guint i = 0; i < list->len; i++) {
		const struct store_correction *c = g_ptr_array_index(list, i);
		char *path = NULL;
		int rc = export_one(s, c, dir, &path, err);
		if (rc < 0) {
			g_free(path);
			return -1;
		}
		*written += rc;
		list_one(j, out, c, path);
		g_free(path);
	}
	return 0;
}

int rulescorr_export(struct store *s, const char *dir, bool json, FILE *out,
		     FILE *err)
{
	if (g_mkdir_with_parents(dir, 0750) < 0) {
		fprintf(err, "complaintctl: %s: %s\n", dir, g_strerror(errno));
		return 1;
	}
	GPtrArray *list = g_ptr_array_new_with_free_func((GDestroyNotify)store_correction_free);
	GError *e = NULL;
	if (store_list_corrections(s, list, &e) < 0) {
		fprintf(err, "complaintctl: %s\n", e->message);
		g_error_free(e);
		g_ptr_array_unref(list);
		return 1;
	}
	GString *doc = json ? g_string_new(NULL) : NULL;
	struct json *j = doc ? json_new(doc) : NULL;
	if (j) {
		json_object_begin(j);
		json_key(j, "corrections");
		json_array_begin(j);
	}
	unsigned written = 0;
	int rc = export_all(s, list, dir, j, out, err, &written);
	if (j) {
		json_array_end(j);
		json_kv_string(j, "dir", dir);
		json_kv_int(j, "written", written);
		json_object_end(j);
		json_free(&j);
		fprintf(out, "%s\n", doc->str);
		g_string_free(doc, TRUE);
	} else {
		fprintf(out, "%u corrected complaint%s, %u written to %s\n", list->len,
			list->len == 1 ? "" : "s", written, dir);
	}
	g_ptr_array_unref(list);
	return rc < 0 ? 1 : 0;
}
