/* ruleseval - the primitives `rules eval` (rulesctl) and `rules learn`
 * (ruleslearn) share: loading rules, reading labelled messages, counting
 * figures. Moved out of rulesctl.c so that ruleslearn need not include
 * rulesctl.h. */
#include "ctl/ruleseval.h"

#include <math.h>
#include <string.h>

#include "lib/jsonparse.h"
#include "mail/mime.h"

const char *const ruleseval_category_names[RULESEVAL_NCAT] = {
	"quality", "service", "price", "infringement", "other",
};
const char ruleseval_severity_names[RULESEVAL_NSEV] = { 'A', 'B', 'C' };

const char *ruleseval_category_name(unsigned i)
{
	return i < RULESEVAL_NCAT ? ruleseval_category_names[i] : NULL;
}

static int cat_index(const char *name)
{
	for (int i = 0; name && i < RULESEVAL_NCAT; i++)
		if (g_ascii_strcasecmp(name, ruleseval_category_names[i]) == 0)
			return i;
	return -1;
}

static int sev_index(char c)
{
	for (int i = 0; i < RULESEVAL_NSEV; i++)
		if (g_ascii_toupper(c) == ruleseval_severity_names[i])
			return i;
	return -1;
}

void ruleseval_print_diag(FILE *out, const char *kind, const char *diag)
{
	const char *sep = strstr(diag, ": ");
	if (sep)
		fprintf(out, "%.*s: %s: %s\n", (int)(sep - diag), diag, kind, sep + 2);
	else
		fprintf(out, "%s: %s\n", kind, diag);
}

struct rules *ruleseval_load(const char *dir, const struct rules_limits *lim,
			     FILE *err)
{
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	struct rules *r = rules_load_dir(dir, lim, errors, NULL);
	for (guint i = 0; !r && i < errors->len; i++)
		ruleseval_print_diag(err, "error", g_ptr_array_index(errors, i));
	if (!r)
		fprintf(err, "%s: the rules have errors (see 'complaintctl rules check')\n", dir);
	g_ptr_array_unref(errors);
	return r;
}

/* ---- input ------------------------------------------------------------------- */

/* first_string - the first of names present in the object as a string. */
static const char *first_string(const struct jsonparse_value *obj,
				const char *const *names)
{
	for (; *names; names++) {
		const char *s = jsonparse_string(jsonparse_get(obj, *names), NULL);
		if (s)
			return s;
	}
	return NULL;
}

static void json_map_fields(const struct jsonparse_value *obj, struct message *m)
{
	static const char *const subject[] = { "subject", "title", "主题", "标题", NULL };
	static const char *const body[] = { "body", "message", "text", "content",
		"description", "details", "complaint", "内容", NULL };
	static const char *const email[] = { "email", "from", "mail", "邮箱", NULL };
	static const char *const name[] = { "name", "姓名", NULL };
	const char *s = first_string(obj, subject), *b = first_string(obj, body);
	if (s)
		msg_set_subject(m, s);
	msg_set_text(m, b ? b : "");
	const char *addr = first_string(obj, email);
	if (addr || first_string(obj, name))
		msg_set_from(m, addr, first_string(obj, name));
}

struct message *ruleseval_message_from_json(const char *data, size_t len,
					    char **error_r)
{
	struct jsonparse_value *v = jsonparse_parse(data, len, NULL, error_r);
	if (!v)
		return NULL;
	if (jsonparse_type(v) != JSONPARSE_OBJECT) {
		*error_r = g_strdup_printf("a form post must be a JSON object, not %s",
					   jsonparse_type_name(jsonparse_type(v)));
		jsonparse_free(&v);
		return NULL;
	}
	for (size_t i = 0; i < jsonparse_length(v); i++) {
		enum jsonparse_type t = jsonparse_type(jsonparse_index(v, i));
		if (t != JSONPARSE_STRING) {
			*error_r = g_strdup_printf("field \"%s\": a string expected, not %s",
						   jsonparse_key(v, i), jsonparse_type_name(t));
			jsonparse_free(&v);
			return NULL;
		}
	}
	struct message *m = msg_new(MSG_CHANNEL_WEB);
	for (size_t i = 0; i < jsonparse_length(v); i++)
		msg_set_field(m, jsonparse_key(v, i),
			      jsonparse_string(jsonparse_index(v, i), NULL));
	json_map_fields(v, m);
	jsonparse_free(&v);
	return m;
}

#define RULESEVAL_MAX_INPUT (64u * 1024u * 1024u)

static GBytes *read_all(const char *path, char **error_r)
{
	if (strcmp(path, "-")) {
		char *data;
		gsize len;
		GError *e = NULL;
		if (!g_file_get_contents(path, &data, &len, &e)) {
			*error_r = g_strdup(e->message);
			g_error_free(e);
			return NULL;
		}
		return g_bytes_new_take(data, len);
	}
	GByteArray *buf = g_byte_array_new();
	guint8 chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0 && buf->len <= RULESEVAL_MAX_INPUT)
		g_byte_array_append(buf, chunk, (guint)n);
	if (ferror(stdin) || buf->len > RULESEVAL_MAX_INPUT) {
		*error_r = g_strdup(ferror(stdin) ? "error reading standard input"
				    : "standard input too large");
		g_byte_array_unref(buf);
		return NULL;
	}
	return g_byte_array_free_to_bytes(buf);
}

bool ruleseval_looks_like_json(const char *path, const char *data, size_t len)
{
	if (g_str_has_suffix(path, ".json"))
		return true;
	size_t i = 0;
	while (i < len && g_ascii_isspace(data[i]))
		i++;
	return i < len && data[i] == '{';
}

struct message *ruleseval_read_message(const char *path, char **error_r)
{
	GBytes *raw = read_all(path, error_r);
	if (!raw)
		return NULL;
	gsize len;
	const char *data = g_bytes_get_data(raw, &len);
	struct message *m;
	if (ruleseval_looks_like_json(path, data, len)) {
		char *e = NULL;
		m = ruleseval_message_from_json(data, len, &e);
		if (!m) {
			*error_r = g_strdup_printf("%s: %s", path, e);
			g_free(e);
		}
	} else {
		m = mime_parse(data, len, NULL);
	}
	g_bytes_unref(raw);
	return m;
}

/* ---- eval -------------------------------------------------------------------- */

void ruleseval_counts_add(struct ruleseval_counts *c, int want_cat, int got_cat,
			  int want_sev, int got_sev)
{
	c->messages++;
	c->category_matrix[want_cat][got_cat]++;
	c->severity_matrix[want_sev][got_sev]++;
	c->category_correct += want_cat == got_cat;
	c->severity_correct += want_sev == got_sev;
}

double ruleseval_counts_category_accuracy(const struct ruleseval_counts *c)
{
	return c->messages ? (double)c->category_correct / c->messages : 0;
}

double ruleseval_counts_severity_accuracy(const struct ruleseval_counts *c)
{
	return c->messages ? (double)c->severity_correct / c->messages : 0;
}

double ruleseval_recall(const unsigned *matrix, unsigned n, unsigned k)
{
	unsigned row = 0;
	for (unsigned c = 0; c < n; c++)
		row += matrix[k * n + c];
	return row ? (double)matrix[k * n + k] / row : NAN;
}

double ruleseval_precision(const unsigned *matrix, unsigned n, unsigned k)
{
	unsigned col = 0;
	for (unsigned e = 0; e < n; e++)
		col += matrix[e * n + k];
	return col ? (double)matrix[k * n + k] / col : NAN;
}

/* A severity nobody expected has no recall; averaging it in as 0 would
 * punish a test set for what it does not contain. */
double ruleseval_counts_severity_macro_recall(const struct ruleseval_counts *c)
{
	double sum = 0;
	unsigned n = 0;
	for (unsigned k = 0; k < RULESEVAL_NSEV; k++) {
		double r = ruleseval_recall(&c->severity_matrix[0][0], RULESEVAL_NSEV, k);
		if (!isnan(r)) {
			sum += r;
			n++;
		}
	}
	return n ? sum / n : 0;
}

static gint cmp_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* find_below - add the *.eml of dir/rel (recursively) to names, as
 * paths relative to the top. Depth is bounded so that a symlink loop
 * cannot recurse for ever. */
static int find_below(const char *top, const char *rel, unsigned depth,
		      GPtrArray *names, char **error_r)
{
	char *path = rel ? g_build_filename(top, rel, NULL) : g_strdup(top);
	GError *e = NULL;
	GDir *d = g_dir_open(path, 0, &e);
	if (!d) {
		*error_r = g_strdup(e->message);
		g_error_free(e);
		g_free(path);
		return -1;
	}
	const char *name;
	int rc = 0;
	while (rc == 0 && (name = g_dir_read_name(d)) != NULL) {
		if (name[0] == '.')
			continue;
		char *sub = rel ? g_build_filename(rel, name, NULL) : g_strdup(name);
		char *full = g_build_filename(path, name, NULL);
		if (g_file_test(full, G_FILE_TEST_IS_DIR)) {
			if (depth < 16)
				rc = find_below(top, sub, depth + 1, names, error_r);
		} else if (g_str_has_suffix(name, ".eml")) {
			g_ptr_array_add(names, sub);
			sub = NULL;
		}
		g_free(full);
		g_free(sub);
	}
	g_dir_close(d);
	g_free(path);
	return rc;
}

GPtrArray *ruleseval_find_emls(const char *dir, char **error_r)
{
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	if (find_below(dir, NULL, 0, names, error_r) < 0) {
		g_ptr_array_unref(names);
		return NULL;
	}
	g_ptr_array_sort(names, cmp_names);
	return names;
}

int ruleseval_category_index(const char *name)
{
	return cat_index(name);
}

int ruleseval_severity_index(const char *name)
{
	return name && strlen(name) == 1 ? sev_index(name[0]) : -1;
}

/* label_of - the trimmed value of header name as an index, or -1. */
static int label_of(const struct message *m, const char *name, bool category)
{
	const char *raw = msg_header(m, name);
	char *v = raw ? g_strstrip(g_strdup(raw)) : NULL;
	int i = category ? ruleseval_category_index(v) : ruleseval_severity_index(v);
	g_free(v);
	return i;
}

struct message *ruleseval_read_labelled(const char *path, int *cat, int *sev,
					char **error_r)
{
	struct message *m = ruleseval_read_message(path, error_r);
	if (!m)
		return NULL;
	*cat = label_of(m, "X-Expected-Category", true);
	*sev = label_of(m, "X-Expected-Severity", false);
	if (*cat < 0 || *sev < 0) {
		*error_r = g_strdup_printf("missing or bad X-Expected-%s",
					   *cat < 0 ? "Category" : "Severity");
		msg_free(&m);
	}
	return m;
}
