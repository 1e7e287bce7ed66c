/* warning - early warning: the spike rule, tags out of rule effects, and
 * the scheduler's round that alerts each spike once. See warning.h. */
#include "workflow/warning.h"

#include <string.h>

#include "workflow/calendar.h"
#include "lib/config.h"
#include "lib/lifecycle.h"
#include "lib/log.h"
#include "mail/mailout.h"
#include "store/store.h"
#include "store/store_warning.h"
#include "mail/template.h"
#include "workflow/wfmail.h"

/* characters of a complaint's subject an alert shows */
#define SUBJECT_SHOWN 120

/* ---- the rule ------------------------------------------------------------------- */

void warning_rule_of(const struct config *cfg, struct warning_rule *r)
{
	r->window = cfg->warning_window;
	r->baseline = cfg->warning_baseline;
	r->factor = cfg->warning_factor;
	r->min_count = cfg->warning_min_count;
}

/* positive - v as a count of at least 1: the rule is undefined below. */
static uint64_t positive(int64_t v)
{
	return v > 0 ? (uint64_t)v : 1;
}

uint64_t warning_threshold(const struct warning_rule *r, uint64_t baseline_count)
{
	uint64_t w = positive(r->window), b = positive(r->baseline);
	uint64_t scaled = positive(r->factor) * w * MAX(baseline_count, 1);
	uint64_t need = scaled / b + (scaled % b != 0);     /* ceil(F W max(b,1) / B) */
	return MAX(positive(r->min_count), need);
}

bool warning_is_spike(const struct warning_rule *r, uint64_t recent, uint64_t baseline_count)
{
	return recent >= warning_threshold(r, baseline_count);
}

double warning_usual(const struct warning_rule *r, uint64_t baseline_count)
{
	return (double)baseline_count * (double)positive(r->window) / (double)positive(r->baseline);
}

/* holds - tag is one of tags. */
static bool holds(const GPtrArray *tags, const char *tag)
{
	for (unsigned i = 0; i < tags->len; i++)
		if (!strcmp(g_ptr_array_index(tags, i), tag))
			return true;
	return false;
}

void warning_effect_tags(const char *effects, unsigned effect_max, GPtrArray *tags)
{
	if (!effects)
		return;
	char **list = g_strsplit(effects, "\t", -1);
	for (char **e = list; *e; e++) {
		char **tok = g_strsplit(*e, " ", -1);
		guint n = g_strv_length(tok);
		/* a full column may end in a token cut short: "tag=kett" */
		if (effect_max && n > 0 && g_utf8_strlen(*e, -1) >= (glong)effect_max)
			n--;
		for (guint i = 0; i < n; i++) {
			const char *name = tok[i] + 4;
			if (g_str_has_prefix(tok[i], "tag=") && *name && !holds(tags, name))
				g_ptr_array_add(tags, g_strdup(name));
		}
		g_strfreev(tok);
	}
	g_strfreev(list);
}

/* ---- one round ------------------------------------------------------------------- */

/* What a round works with; all borrowed. */
struct round {
	const struct config *cfg;
	const struct calendar *cal;
	const struct template_set *tmpl;
	struct store *store;
	struct warning_rule rule;
	int64_t now;
};

/* One subject of the round: its counts and its open spike, if any. */
struct subject {
	const char *kind;                  /* "category" or "tag" */
	char *name;
	unsigned recent, baseline;
	const struct store_warning_spike *open;
};

static void subject_free(gpointer p)
{
	struct subject *s = p;
	g_free(s->name);
	g_free(s);
}

/* subject_get - kind/name from index (key "kind:name"), added to all when new. */
static struct subject *subject_get(GHashTable *index, GPtrArray *all, const char *kind,
				   const char *name)
{
	char *key = g_strconcat(kind, ":", name, NULL);
	struct subject *s = g_hash_table_lookup(index, key);
	if (s) {
		g_free(key);
		return s;
	}
	s = g_new0(struct subject, 1);
	s->kind = !strcmp(kind, "tag") ? "tag" : "category";
	s->name = g_strdup(name);
	g_hash_table_insert(index, key, s);
	g_ptr_array_add(all, s);
	return s;
}

static gint subject_cmp(gconstpointer a, gconstpointer b)
{
	const struct subject *x = *(struct subject *const *)a, *y = *(struct subject *const *)b;
	int k = strcmp(x->kind, y->kind);
	return k ? k : strcmp(x->name, y->name);
}

/* collect - every subject with complaints in the period or an open spike,
 * sorted (categories, then tags, each by name). */
static int collect(const struct round *x, GPtrArray *spikes, GPtrArray *all, GError **err)
{
	int64_t split = x->now - x->rule.window, from = split - x->rule.baseline;
	GPtrArray *cats = g_ptr_array_new_with_free_func((GDestroyNotify)store_warning_count_free);
	GPtrArray *effs = g_ptr_array_new_with_free_func((GDestroyNotify)store_warning_count_free);
	GHashTable *index = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	int rc = 0;
	if (store_warning_count_categories(x->store, from, split, x->now, cats, err) < 0 ||
	    store_warning_count_effects(x->store, from, split, x->now, effs, err) < 0 ||
	    store_warning_open_spikes(x->store, spikes, err) < 0)
		rc = -1;
	for (unsigned i = 0; rc == 0 && i < cats->len; i++) {
		const struct store_warning_count *c = g_ptr_array_index(cats, i);
		struct subject *s = subject_get(index, all, "category", c->key);
		s->recent += c->recent;
		s->baseline += c->baseline;
	}
	for (unsigned i = 0; rc == 0 && i < effs->len; i++) {
		const struct store_warning_count *c = g_ptr_array_index(effs, i);
		GPtrArray *tags = g_ptr_array_new_with_free_func(g_free);
		warning_effect_tags(c->key, STORE_WARNING_EFFECT_MAX, tags);
		for (unsigned t = 0; t < tags->len; t++) {
			struct subject *s = subject_get(index, all, "tag", g_ptr_array_index(tags, t));
			s->recent += c->recent;
			s->baseline += c->baseline;
		}
		g_ptr_array_unref(tags);
	}
	for (unsigned i = 0; rc == 0 && i < spikes->len; i++) {
		const struct store_warning_spike *sp = g_ptr_array_index(spikes, i);
		subject_get(index, all, sp->kind, sp->subject)->open = sp;
	}
	g_ptr_array_sort(all, subject_cmp);
	g_hash_table_unref(index);
	g_ptr_array_unref(effs);
	g_ptr_array_unref(cats);
	return rc;
}

/* ---- the alert -------------------------------------------------------------------- */


/* duration_text - seconds as the largest whole unit below a week that
 * reads naturally: "24 小时" / "24 hours", "28 天" / "28 days". */
static char *duration_text(int64_t secs, bool en)
{
	static const struct { int64_t unit; const char *zh, *en; } units[] = {
		{ 86400, "天", "days" }, { 3600, "小时", "hours" }, { 60, "分钟", "minutes" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(units); i++) {
		/* one day reads better as 24 hours */
		if (secs % units[i].unit || (units[i].unit == 86400 && secs < 2 * 86400))
			continue;
		int64_t n = secs / units[i].unit;
		return g_strdup_printf("%lld %s", (long long)n, en ? units[i].en : units[i].zh);
	}
	return g_strdup_printf("%lld %s", (long long)secs, en ? "seconds" : "秒");
}

/* flat - s as one line of at most max characters; g_free. */
static char *flat(const char *s, unsigned max)
{
	char *v = g_strdup(s ? s : "");
	g_strdelimit(v, "\t\r\n\v\f", ' ');
	if (g_utf8_strlen(v, -1) > (glong)max) {
		char *cut = g_utf8_substring(v, 0, max);
		g_free(v);
		v = g_strconcat(cut, "…", NULL);
		g_free(cut);
	}
	return v;
}

/* list_text - the complaints, two lines each: reference and time, then
 * the subject. The reference is what staff look a complaint up by; the
 * customer's address and name stay out of a mail to many readers. */
static char *list_text(const struct round *x, GPtrArray *list)
{
	GString *out = g_string_new(NULL);
	for (unsigned i = 0; i < list->len; i++) {
		const struct store_warning_complaint *c = g_ptr_array_index(list, i);
		char *when = calendar_format_time_lang(x->cal, c->created_at, x->cfg->staff_lang);
		char *subject = flat(c->subject, SUBJECT_SHOWN);
		g_string_append_printf(out, "  %s  %s\n", c->ref ? c->ref : "-", when);
		g_string_append_printf(out, "      %s\n", *subject ? subject : "-");
		g_free(subject);
		g_free(when);
	}
	return g_string_free(out, FALSE);
}

/* spike_list - at most WARNING_LIST_MAX of the subject's recent
 * complaints into list (oldest first). A tag's candidates are checked
 * token by token, as they were counted. */
static int spike_list(const struct round *x, const struct subject *s, GPtrArray *list,
		      GError **err)
{
	int64_t from = x->now - x->rule.window;
	if (strcmp(s->kind, "tag"))
		return store_warning_list_category(x->store, s->name, from, x->now,
						   WARNING_LIST_MAX, list, err) < 0 ? -1 : 0;
	GPtrArray *cands = g_ptr_array_new_with_free_func(
		(GDestroyNotify)store_warning_complaint_free);
	int rc = store_warning_list_tagged(x->store, s->name, from, x->now, cands, err);
	for (unsigned i = 0; rc >= 0 && i < cands->len && list->len < WARNING_LIST_MAX; i++) {
		struct store_warning_complaint *c = g_ptr_array_index(cands, i);
		GPtrArray *tags = g_ptr_array_new_with_free_func(g_free);
		warning_effect_tags(c->effects, STORE_WARNING_EFFECT_MAX, tags);
		if (holds(tags, s->name)) {
			g_ptr_array_add(list, c);
			cands->pdata[i] = NULL;     /* list's now */
		}
		g_ptr_array_unref(tags);
	}
	g_ptr_array_unref(cands);
	return rc < 0 ? -1 : 0;
}

/* put - variable name (static) = value (taken over). */
static void put(GHashTable *h, const char *name, char *value)
{
	g_hash_table_insert(h, (gpointer)name, value);
}

/* subject_phrase - 类别“产品质量” / tag "kettle": what the spike is of. */
static char *subject_phrase(const struct subject *s, bool en)
{
	if (!strcmp(s->kind, "tag"))
		return en ? g_strdup_printf("tag \"%s\"", s->name) : g_strdup_printf("标签“%s”", s->name);
	const char *label = wf_category_label(s->name, en ? "en" : "zh");
	return en ? g_strdup_printf("category \"%s\"", label) : g_strdup_printf("类别“%s”", label);
}

/* alert_vars - what the warning template may name (values owned by the table). */
static GHashTable *alert_vars(const struct round *x, const struct subject *s,
			      uint64_t threshold, GPtrArray *list, bool en)
{
	GHashTable *h = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
	unsigned more = s->recent > list->len ? s->recent - list->len : 0;
	put(h, "spike_kind", g_strdup(s->kind));
	put(h, "spike_name", g_strdup(s->name));
	put(h, "spike_subject", subject_phrase(s, en));
	put(h, "recent_count", g_strdup_printf("%u", s->recent));
	put(h, "usual_count", g_strdup_printf("%.1f", warning_usual(&x->rule, s->baseline)));
	put(h, "baseline_count", g_strdup_printf("%u", s->baseline));
	put(h, "threshold", g_strdup_printf("%llu", (unsigned long long)threshold));
	put(h, "factor", g_strdup_printf("%lld", (long long)x->rule.factor));
	put(h, "min_count", g_strdup_printf("%lld", (long long)x->rule.min_count));
	put(h, "window", duration_text(x->rule.window, en));
	put(h, "baseline", duration_text(x->rule.baseline, en));
	put(h, "spike_start", calendar_format_time_lang(x->cal, x->now, en ? "en" : "zh"));
	put(h, "complaints_list", list_text(x, list));
	put(h, "more_count", more ? g_strdup_printf("%u", more) : g_strdup(""));
	put(h, "company", g_strdup(x->cfg->company_name));
	put(h, "company_from", g_strdup(x->cfg->company_from));
	return h;
}

/* queue_alert - render the alert about s and queue it to every recipient
 * (inside the caller's transaction): how many mails, or -1. 0 when there
 * is no template (logged; the spike stays recorded, so that it is not
 * tried again every round). */
static int queue_alert(const struct round *x, const struct subject *s, uint64_t threshold,
		       GError **err)
{
	const struct config *cfg = x->cfg;
	const char *lang = cfg->staff_lang;
	const struct template *t = template_set_get(x->tmpl, "warning", lang);
	if (!t) {
		log_warn("no template warning.%s: warning about %s %s not sent", lang, s->kind,
			 s->name);
		return 0;
	}
	GPtrArray *list = g_ptr_array_new_with_free_func(
		(GDestroyNotify)store_warning_complaint_free);
	int rc = spike_list(x, s, list, err);
	GHashTable *vars = rc < 0 ? NULL : alert_vars(x, s, threshold, list, !strcmp(lang, "en"));
	char *subject = vars ? template_render_subject(t, vars) : NULL;
	char *body = vars ? template_render(t, vars) : NULL;
	int queued = 0;
	for (char **to = cfg->warning_recipients; rc == 0 && *to; to++) {
		char *id = mailout_message_id("warning", NULL, cfg->company_from);
		struct mailout m = {
			.from_addr = cfg->company_from, .from_name = cfg->company_name,
			.to_addr = *to, .subject = subject ? subject : "投诉预警 / early warning",
			.body = body, .message_id = id, .auto_submitted = "auto-generated",
			.date = x->now,
		};
		GBytes *raw = mailout_outbox_row(&m);
		rc = store_outbox_add(x->store, 0, "warning", cfg->company_from, *to, id,
				      g_bytes_get_data(raw, NULL), g_bytes_get_size(raw), x->now,
				      NULL, err);
		if (rc == 0) {
			queued++;
			log_info("queued kind=warning subject=%s:%s rcpt=%s", s->kind, s->name, *to);
		}
		g_bytes_unref(raw);
		g_free(id);
	}
	g_free(body);
	g_free(subject);
	if (vars)
		g_hash_table_unref(vars);
	g_ptr_array_unref(list);
	return rc < 0 ? -1 : queued;
}

struct spike_tx {
	const struct round *x;
	const struct subject *s;
	uint64_t threshold;
	int queued;
};

/* spike_tx - a try of recording the spike and queueing its alert. */
static int spike_tx(void *ctx, GError **err)
{
	struct spike_tx *t = ctx;
	const struct round *x = t->x;
	int rc = store_warning_spike_begin(x->store, t->s->kind, t->s->name, x->now, t->s->recent,
					   t->s->baseline, t->threshold, NULL, err);
	t->queued = rc == 1 ? queue_alert(x, t->s, t->threshold, err) : 0;
	return t->queued < 0 ? -1 : rc;
}

/* begin - s spikes and has no open spike: record it and queue its alert
 * in one transaction. 1 alerted, 0 not (another daemon's spike, or no
 * template), -1. */
static int begin(const struct round *x, const struct subject *s, uint64_t threshold,
		 GError **err)
{
	struct spike_tx t = { x, s, threshold, 0 };
	int rc = store_tx(x->store, spike_tx, &t, err);
	int queued = t.queued;
	if (rc < 0)
		return -1;
	if (rc == 1)
		log_info("warning spike kind=%s subject=%s recent=%u baseline=%u usual=%.1f "
			 "threshold=%llu mails=%d", s->kind, s->name, s->recent, s->baseline,
			 warning_usual(&x->rule, s->baseline), (unsigned long long)threshold,
			 queued);
	else
		log_debug("warning spike kind=%s subject=%s: open already", s->kind, s->name);
	return rc == 1 && queued > 0 ? 1 : 0;
}

/* step - what s's counts mean for it this round: 1 alerted, 0 not, -1. */
static int step(const struct round *x, const struct subject *s, GError **err)
{
	uint64_t threshold = warning_threshold(&x->rule, s->baseline);
	bool spiking = s->recent >= threshold;
	if (!s->open)
		return spiking ? begin(x, s, threshold, err) : 0;
	if (spiking)
		return store_warning_spike_seen(x->store, s->open->id, x->now, s->recent, err);
	int64_t quiet_since = x->now - x->rule.window;
	if (s->open->last_above_at > quiet_since)
		return 0;
	int rc = store_warning_spike_end(x->store, s->open->id, x->now, quiet_since, err);
	if (rc == 1)
		log_info("warning spike ended kind=%s subject=%s", s->kind, s->name);
	return rc < 0 ? -1 : 0;
}

int warning_run_once(const struct config *cfg, const struct calendar *cal,
		     const struct template_set *tmpl, struct store *store, int64_t now,
		     GError **err)
{
	if (!cfg->warning_recipients || !cfg->warning_recipients[0])
		return 0;
	struct calendar *own = cal ? NULL : calendar_new_default();
	struct round x = { .cfg = cfg, .cal = cal ? cal : own, .tmpl = tmpl, .store = store,
			   .now = now };
	warning_rule_of(cfg, &x.rule);
	GPtrArray *spikes = g_ptr_array_new_with_free_func(
		(GDestroyNotify)store_warning_spike_free);
	GPtrArray *all = g_ptr_array_new_with_free_func(subject_free);
	int alerted = 0, rc = collect(&x, spikes, all, err);
	for (unsigned i = 0; rc >= 0 && i < all->len; i++) {
		rc = step(&x, g_ptr_array_index(all, i), err);
		alerted += rc > 0;
	}
	if (alerted > 0)
		lifecycle_kick(LIFECYCLE_OUTBOX);
	g_ptr_array_unref(all);
	g_ptr_array_unref(spikes);
	calendar_free(&own);
	return rc < 0 ? -1 : alerted;
}
