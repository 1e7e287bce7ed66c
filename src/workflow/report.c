/* report - periods, the figures of a period from the store, and the four
 * renderings (text, CSV, JSON, HTML with SVG charts). See report.h. */
#include "workflow/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"
#include "lib/termtext.h"
#include "store/store_report.h"

/* ---- names and labels ------------------------------------------------------ */

static const char *const category_names[REPORT_CATEGORIES] = {
	"quality", "service", "price", "infringement", "other",
};
static const char *const severity_names[REPORT_SEVERITIES] = { "A", "B", "C" };
static const char *const channel_names[REPORT_CHANNELS] = {
	"email", "web", "phone", "counter", "wechat", "letter", "other",
};

const char *report_category_name(enum report_category c)
{
	return (unsigned)c < REPORT_CATEGORIES ? category_names[c] : NULL;
}

enum report_category report_category_index(const char *name)
{
	for (unsigned c = 0; name && c < REPORT_CATEGORIES; c++)
		if (!strcmp(name, category_names[c]))
			return c;
	return REPORT_OTHER;
}

/* What people read, in English and Chinese: [label][zh]. */
enum label {
	L_PERIOD, L_SUMMARY, L_CREATED, L_RESOLVED, L_CLOSED, L_OPEN, L_OVERDUE,
	L_BY_CATEGORY, L_BY_SEVERITY, L_BY_CHANNEL, L_BY_DEPARTMENT, L_COUNT, L_SHARE,
	L_HOURS, L_FIRST_RESPONSE, L_RESOLUTION, L_MEDIAN, L_P90, L_DEADLINES, L_MET,
	L_DUE, L_SATISFACTION, L_UNKNOWN, L_NO_ANSWERS, L_REPEATERS,
	L_COMPLAINTS, L_RULES, L_TREND_HOUR, L_TREND_DAY, L_TOTAL, L_NONE, L_NO_DATA,
	L_NOTHING, L_FOOTER, L_SEVERITY_MIX, L_TILE_OPEN, L_TILE_OVERDUE, L_OUTCOME,
	L_VALID, L_INVALID, L_UNDECIDED, L_UNITS, L_VALID_COL, L_COMPENSATION, L_AMOUNT,
	L_BY_PRODUCT, L_NO_PRODUCT, L_LABELS
};

static const char *const labels[L_LABELS][2] = {
	[L_PERIOD] = { "Period", "期间" },
	[L_SUMMARY] = { "Summary", "概况" },
	[L_CREATED] = { "New complaints", "新增投诉" },
	[L_RESOLVED] = { "Resolved", "已解决" },
	[L_CLOSED] = { "Closed", "已结案" },
	[L_OPEN] = { "Open at the end", "期末未结" },
	[L_OVERDUE] = { "Overdue at the end", "期末逾期" },
	[L_BY_CATEGORY] = { "New complaints by category", "新增投诉按类别" },
	[L_BY_SEVERITY] = { "New complaints by severity", "新增投诉按严重程度" },
	[L_BY_CHANNEL] = { "New complaints by channel", "新增投诉按渠道" },
	[L_BY_DEPARTMENT] = { "New complaints by department", "新增投诉按部门" },
	[L_COUNT] = { "count", "件数" },
	[L_SHARE] = { "share", "占比" },
	[L_HOURS] = { "Working hours to", "所用工作小时" },
	[L_FIRST_RESPONSE] = { "first response", "首次答复" },
	[L_RESOLUTION] = { "resolution", "解决" },
	[L_MEDIAN] = { "median", "中位数" },
	[L_P90] = { "90%", "90分位" },
	[L_DEADLINES] = { "Deadlines met in time", "按时完成的时限" },
	[L_MET] = { "in time", "按时" },
	[L_DUE] = { "due", "应完成" },
	[L_SATISFACTION] = { "Satisfaction", "满意度" },
	[L_UNKNOWN] = { "unknown (no surveys yet)", "未知（尚无满意度调查）" },
	[L_NO_ANSWERS] = { "no answers in this period", "本期无答复" },
	[L_REPEATERS] = { "Repeat complainants", "重复投诉人" },
	[L_COMPLAINTS] = { "complaints", "投诉数" },
	[L_RULES] = { "Rules fired most", "触发最多的规则" },
	[L_TREND_HOUR] = { "New complaints per hour", "每小时新增投诉" },
	[L_TREND_DAY] = { "New complaints per day", "每日新增投诉" },
	[L_TOTAL] = { "total", "合计" },
	[L_NONE] = { "(none)", "（无）" },
	[L_NO_DATA] = { "no complaints in this period", "本期无投诉" },
	[L_NOTHING] = { "none", "无" },
	[L_FOOTER] = { "complaintd report; times in working hours of the company calendar",
		       "complaintd 报告；时长按公司日历的工作小时计" },
	[L_SEVERITY_MIX] = { "Severity mix", "严重程度构成" },
	/* the summary's boxes are narrow */
	[L_TILE_OPEN] = { "Open at end", "期末未结" },
	[L_TILE_OVERDUE] = { "Overdue at end", "期末逾期" },
	[L_OUTCOME] = { "New complaints by outcome", "新增投诉的结论" },
	[L_VALID] = { "Valid complaints", "有效投诉" },
	[L_INVALID] = { "Invalid complaints", "无效投诉" },
	[L_UNDECIDED] = { "Not decided", "未判定" },
	[L_UNITS] = { "Complaints per responsible unit", "责任单位投诉排名" },
	[L_VALID_COL] = { "valid", "有效" },
	[L_COMPENSATION] = { "Compensation given", "赔偿与补偿" },
	[L_AMOUNT] = { "total", "金额" },
	[L_BY_PRODUCT] = { "New complaints by product", "新增投诉按产品" },
	[L_NO_PRODUCT] = { "(product not known)", "（产品不详）" },
};

static const char *const category_labels[REPORT_CATEGORIES][2] = {
	{ "Product quality", "产品质量" }, { "Service", "服务质量" }, { "Price", "价格" },
	{ "Infringement", "侵权" }, { "Other", "其他" },
};
/* short forms for the trend table's columns */
static const char *const category_short[REPORT_CATEGORIES][2] = {
	{ "quality", "质量" }, { "service", "服务" }, { "price", "价格" },
	{ "infring.", "侵权" }, { "other", "其他" },
};
static const char *const severity_labels[REPORT_SEVERITIES][2] = {
	{ "A severe", "A 类（严重）" }, { "B serious", "B 类（较重）" },
	{ "C ordinary", "C 类（一般）" },
};
static const char *const channel_labels[REPORT_CHANNELS][2] = {
	{ "E-mail", "邮件" }, { "Web form", "网页表单" }, { "Phone", "电话" },
	{ "Counter", "柜台" }, { "WeChat", "微信" }, { "Letter", "信件" }, { "Other", "其他" },
};
static const char *const deadline_labels[STORE_DUE_COUNT][2] = {
	{ "Acknowledgement", "受理确认" }, { "Handling plan (A)", "处理方案（A 类）" },
	{ "Investigation report", "调查报告" }, { "Handling", "处理完成" },
	{ "Feedback to customer", "反馈客户" }, { "Closure", "结案" },
};
/* [kind][zh]: report_subject's words */
static const char *const kind_titles[4][2] = {
	{ "Complaints daily report", "投诉日报" }, { "Complaints weekly report", "投诉周报" },
	{ "Complaints monthly report", "投诉月报" }, { "Complaints report", "投诉报告" },
};
static const char *const kinds[4] = { "day", "week", "month", "range" };

static int zh(const char *lang)
{
	return lang && !strcmp(lang, "zh");
}

static const char *L(const char *lang, enum label l)
{
	return labels[l][zh(lang)];
}

/* ---- zones and periods ------------------------------------------------------ */

static GDateTime *local_time(GTimeZone *tz, int64_t t)
{
	if (t < CALENDAR_TIME_MIN || t > CALENDAR_TIME_MAX)
		return NULL;
	GDateTime *u = g_date_time_new_from_unix_utc(t);
	GDateTime *l = u ? g_date_time_to_timezone(u, tz) : NULL;
	if (u)
		g_date_time_unref(u);
	return l;
}

/* midnight - the first instant of date g in tz. */
static int64_t midnight(GTimeZone *tz, const GDate *g)
{
	GDateTime *dt = g_date_time_new(tz, g_date_get_year(g), g_date_get_month(g),
					g_date_get_day(g), 0, 0, 0);
	int64_t t = dt ? g_date_time_to_unix(dt) : 0;
	if (dt)
		g_date_time_unref(dt);
	return t;
}

static int kind_index(const char *kind)
{
	for (int k = 0; kind && k < 4; k++)
		if (!strcmp(kind, kinds[k]))
			return k;
	return -1;
}

/* zone_period - report_period in a zone. */
static bool zone_period(GTimeZone *tz, const char *kind, int64_t t, int64_t *from,
			int64_t *to)
{
	int k = kind_index(kind);
	GDateTime *l = k >= 0 && k < 3 ? local_time(tz, t) : NULL;
	if (!l)
		return false;
	int y, m, d;
	g_date_time_get_ymd(l, &y, &m, &d);
	int wd = g_date_time_get_day_of_week(l);     /* 1 = Monday */
	g_date_time_unref(l);
	GDate start;
	g_date_clear(&start, 1);
	g_date_set_dmy(&start, (GDateDay)(k == 2 ? 1 : d), (GDateMonth)m, (GDateYear)y);
	if (k == 1)
		g_date_subtract_days(&start, (guint)(wd - 1));
	GDate end = start;
	if (k == 2)
		g_date_add_months(&end, 1);
	else
		g_date_add_days(&end, k == 1 ? 7 : 1);
	*from = midnight(tz, &start);
	*to = midnight(tz, &end);
	return *from < *to;
}

bool report_period(const struct calendar *cal, const char *kind, int64_t t,
		   int64_t *from, int64_t *to)
{
	GTimeZone *tz = g_time_zone_ref(calendar_zone(cal));
	bool ok = zone_period(tz, kind, t, from, to);
	g_time_zone_unref(tz);
	return ok;
}

bool report_previous_period(const struct calendar *cal, const char *kind, int64_t t,
			    int64_t *from, int64_t *to)
{
	int64_t f, e;
	return report_period(cal, kind, t, &f, &e) && report_period(cal, kind, f - 1, from, to);
}

bool report_date_start(const struct calendar *cal, int y, int m, int d, int64_t *t)
{
	if (y < CALENDAR_YEAR_MIN || y > CALENDAR_YEAR_MAX ||
	    !g_date_valid_dmy((GDateDay)d, (GDateMonth)m, (GDateYear)y))
		return false;
	GDate g;
	g_date_clear(&g, 1);
	g_date_set_dmy(&g, (GDateDay)d, (GDateMonth)m, (GDateYear)y);
	GTimeZone *tz = g_time_zone_ref(calendar_zone(cal));
	*t = midnight(tz, &g);
	g_time_zone_unref(tz);
	return true;
}

/* ---- the report as data ------------------------------------------------------ */

static void count_free(struct report_count *c)
{
	if (!c)
		return;
	g_free(c->key);
	g_free(c);
}

static void count_add(GPtrArray *a, const char *key, uint64_t n)
{
	struct report_count *c = g_new(struct report_count, 1);
	c->key = g_strdup(key);
	c->n = n;
	g_ptr_array_add(a, c);
}

/* count_cmp - most first, then by key, so that equal counts list alike
 * every time. */
static gint count_cmp(gconstpointer a, gconstpointer b)
{
	const struct report_count *x = *(struct report_count *const *)a;
	const struct report_count *y = *(struct report_count *const *)b;
	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* lay_out_buckets - hours from `from` for a period of a day or less (a day
 * with a clock change has 23 or 25), else local days; the first bucket
 * starts at from even when that is not midnight. */
static void lay_out_buckets(struct report *r)
{
	GArray *starts = g_array_new(FALSE, FALSE, sizeof(int64_t));
	r->hourly = r->to - r->from <= 25 * 3600;
	for (int64_t b = r->from; b < r->to;) {
		g_array_append_val(starts, b);
		int64_t day_from, next;
		if (r->hourly)
			next = b + 3600;
		else if (!zone_period(r->tz, "day", b, &day_from, &next))
			break;
		b = next;
	}
	r->nbuckets = starts->len;
	r->buckets = g_new0(struct report_bucket, MAX(r->nbuckets, 1));
	for (unsigned i = 0; i < r->nbuckets; i++)
		r->buckets[i].start = g_array_index(starts, int64_t, i);
	g_array_unref(starts);
}

struct report *report_new(GTimeZone *tz, int64_t from, int64_t to)
{
	if (to <= from || to - from > (int64_t)(REPORT_MAX_DAYS + 1) * 86400 ||
	    from < CALENDAR_TIME_MIN || to > CALENDAR_TIME_MAX)
		return NULL;
	struct report *r = g_new0(struct report, 1);
	r->from = from;
	r->to = to;
	r->tz = g_time_zone_ref(tz);
	const char *id = g_time_zone_get_identifier(tz);
	r->timezone = g_strdup(id ? id : "local");
	r->kind = kinds[3];
	for (int k = 0; k < 3; k++) {
		int64_t f, t;
		if (zone_period(tz, kinds[k], from, &f, &t) && f == from && t == to) {
			r->kind = kinds[k];
			break;
		}
	}
	GDestroyNotify free_count = (GDestroyNotify)count_free;
	r->by_department = g_ptr_array_new_with_free_func(free_count);
	r->repeaters = g_ptr_array_new_with_free_func(free_count);
	r->rules = g_ptr_array_new_with_free_func(free_count);
	r->by_product = g_ptr_array_new_with_free_func(free_count);
	r->first_response = r->resolution = (struct report_hours){ 0, NAN, NAN };
	store_outcome_figures_init(&r->outcome);
	lay_out_buckets(r);
	return r;
}

void report_free(struct report **rp)
{
	struct report *r = rp ? *rp : NULL;
	if (!r)
		return;
	if (r->tz)
		g_time_zone_unref(r->tz);
	g_free(r->timezone);
	if (r->by_department)
		g_ptr_array_unref(r->by_department);
	if (r->repeaters)
		g_ptr_array_unref(r->repeaters);
	if (r->rules)
		g_ptr_array_unref(r->rules);
	if (r->by_product)
		g_ptr_array_unref(r->by_product);
	store_outcome_figures_clear(&r->outcome);
	g_free(r->buckets);
	g_free(r);
	*rp = NULL;
}

double report_percentile(const double *sorted, size_t n, double p)
{
	if (!n)
		return NAN;
	double h = (double)(n - 1) * CLAMP(p, 0.0, 1.0);
	size_t lo = (size_t)floor(h), hi = MIN(lo + 1, n - 1);
	return sorted[lo] + (h - (double)lo) * (sorted[hi] - sorted[lo]);
}

/* ---- reading it from the store ------------------------------------------------ */

static int fill_totals(struct store *s, struct report *r, GError **err)
{
	struct store_report_totals t;
	if (store_report_totals(s, r->from, r->to, &t, err) < 0)
		return -1;
	r->created = t.created;
	r->resolved = t.resolved;
	r->closed = t.closed;
	r->open = t.open;
	r->overdue = t.overdue;
	memcpy(r->due_eligible, t.due_eligible, sizeof r->due_eligible);
	memcpy(r->due_met, t.due_met, sizeof r->due_met);
	return 0;
}

/* name_index - i with names[i] equal to key, or -1. */
static int name_index(const char *const *names, unsigned n, const char *key)
{
	for (unsigned i = 0; i < n; i++)
		if (!strcmp(key, names[i]))
			return (int)i;
	return -1;
}

static void take_group(struct report *r, const struct store_report_group *g)
{
	int i;
	switch (g->dim) {
	case STORE_REPORT_CATEGORY:
		r->by_category[report_category_index(g->key)] += g->n;
		break;
	case STORE_REPORT_SEVERITY:
		if ((i = name_index(severity_names, REPORT_SEVERITIES, g->key)) >= 0)
			r->by_severity[i] += g->n;
		break;
	case STORE_REPORT_CHANNEL:
		if ((i = name_index(channel_names, REPORT_CHANNELS, g->key)) >= 0)
			r->by_channel[i] += g->n;
		break;
	case STORE_REPORT_DEPARTMENT:
		count_add(r->by_department, g->key, g->n);
		break;
	case STORE_REPORT_REPEATERS:
		r->repeaters_count = g->n;
		break;
	case STORE_REPORT_REPEATER:
		count_add(r->repeaters, g->key, g->n);
		break;
	case STORE_REPORT_RULE:
		count_add(r->rules, g->key, g->n);
		break;
	case STORE_REPORT_PRODUCT:
		count_add(r->by_product, g->key, g->n);
		break;
	case STORE_REPORT_NO_PRODUCT:
		if (g->n)
			count_add(r->by_product, "", g->n);
		break;
	default:
		break;
	}
}

/* unknown_last - the row of key "" (product not known) after the others,
 * however many it counts: the ranking is of the products. */
static void unknown_last(GPtrArray *a)
{
	for (guint i = 0; i + 1 < a->len; i++) {
		const struct report_count *c = a->pdata[i];
		if (!*c->key) {
			gpointer p = g_ptr_array_steal_index(a, i);
			g_ptr_array_add(a, p);
			return;
		}
	}
}

static int fill_groups(struct store *s, struct report *r, GError **err)
{
	GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)store_report_group_free);
	int rc = store_report_groups(s, r->from, r->to, REPORT_TOP, rows, err);
	for (guint i = 0; rc >= 0 && i < rows->len; i++)
		take_group(r, rows->pdata[i]);
	g_ptr_array_unref(rows);
	g_ptr_array_sort(r->by_department, count_cmp);
	g_ptr_array_sort(r->repeaters, count_cmp);
	g_ptr_array_sort(r->rules, count_cmp);
	g_ptr_array_sort(r->by_product, count_cmp);
	unknown_last(r->by_product);
	return rc < 0 ? -1 : 0;
}

/* bucket_of - the trend bucket holding t (from <= t < to). */
static unsigned bucket_of(const struct report *r, int64_t t)
{
	unsigned lo = 0, hi = r->nbuckets;
	while (hi - lo > 1) {
		unsigned mid = lo + (hi - lo) / 2;
		if (r->buckets[mid].start <= t)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

static gint double_cmp(gconstpointer a, gconstpointer b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void summarise_hours(GArray *v, struct report_hours *h)
{
	g_array_sort(v, double_cmp);
	const double *x = (const double *)(void *)v->data;
	h->n = v->len;
	h->median = report_percentile(x, v->len, 0.5);
	h->p90 = report_percentile(x, v->len, 0.9);
}

static void add_hours(GArray *v, const struct calendar *cal, int64_t from, int64_t to)
{
	if (!to)
		return;
	double h = (double)calendar_working_seconds(cal, from, to) / 3600.0;
	g_array_append_val(v, h);
}

static int fill_times(struct store *s, const struct calendar *cal, struct report *r,
		      GError **err)
{
	GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)store_report_times_free);
	int rc = store_report_times(s, r->from, r->to, rows, err);
	GArray *response = g_array_new(FALSE, FALSE, sizeof(double));
	GArray *resolution = g_array_new(FALSE, FALSE, sizeof(double));
	for (guint i = 0; rc >= 0 && i < rows->len; i++) {
		const struct store_report_times *t = rows->pdata[i];
		if (r->nbuckets)
			r->buckets[bucket_of(r, t->created_at)].n[report_category_index(t->category)]++;
		add_hours(response, cal, t->created_at, t->first_response_at);
		add_hours(resolution, cal, t->created_at, t->resolved_at);
	}
	summarise_hours(response, &r->first_response);
	summarise_hours(resolution, &r->resolution);
	g_array_unref(response);
	g_array_unref(resolution);
	g_ptr_array_unref(rows);
	return rc < 0 ? -1 : 0;
}

struct report *report_build(struct store *s, const struct calendar *cal, int64_t from,
			    int64_t to, GError **err)
{
	GTimeZone *tz = g_time_zone_ref(calendar_zone(cal));
	struct report *r = report_new(tz, from, to);
	g_time_zone_unref(tz);
	if (!r) {
		g_set_error(err, STORE_ERROR, STORE_ERROR_FAILED,
			    "report: the period must end after it starts and last at most %d days",
			    REPORT_MAX_DAYS);
		return NULL;
	}
	g_free(r->timezone);
	r->timezone = g_strdup(calendar_timezone(cal));
	store_outcome_figures_clear(&r->outcome);
	if (fill_totals(s, r, err) < 0 || fill_groups(s, r, err) < 0 ||
	    fill_times(s, cal, r, err) < 0 ||
	    store_outcome_figures(s, from, to, &r->outcome, err) < 0 ||
	    store_report_satisfaction(s, from, to, &r->satisfaction_known,
				      &r->satisfaction_answers, &r->satisfaction_average,
				      err) < 0)
		report_free(&r);
	return r;
}

/* ---- what every rendering needs ------------------------------------------------- */

/* local_fmt - t in r's zone as g_date_time_format's fmt. g_free. */
static char *local_fmt(const struct report *r, int64_t t, const char *fmt)
{
	GDateTime *l = local_time(r->tz, t);
	char *s = l ? g_date_time_format(l, fmt) : g_strdup_printf("@%lld", (long long)t);
	if (l)
		g_date_time_unref(l);
	return s;
}

static char *rfc3339(const struct report *r, int64_t t)
{
	return local_fmt(r, t, "%Y-%m-%dT%H:%M:%S%:z");
}

/* fmt_num - v with decimals digits after the point into buf, whatever the
 * locale; "-" for NAN. Returns buf. */
static const char *fmt_num(char *buf, size_t size, double v, int decimals)
{
	if (isnan(v)) {
		g_strlcpy(buf, "-", size);
		return buf;
	}
	char fmt[8];
	g_snprintf(fmt, sizeof fmt, "%%.%df", decimals);
	return g_ascii_formatd(buf, (gint)size, fmt, v);
}

/* share - part of whole (0..1), NAN when whole is 0. */
static double share(uint64_t part, uint64_t whole)
{
	return whole ? (double)part / (double)whole : NAN;
}

/* fmt_pct - v (0..1) as "62.5%" into buf; "-" for NAN. Returns buf. */
static const char *fmt_pct(char *buf, size_t size, double v)
{
	char num[G_ASCII_DTOSTR_BUF_SIZE];
	fmt_num(num, sizeof num, v * 100.0, 1);
	g_snprintf(buf, size, "%s%s", num, isnan(v) ? "" : "%");
	return buf;
}

static uint64_t bucket_total(const struct report_bucket *b)
{
	uint64_t n = 0;
	for (unsigned c = 0; c < REPORT_CATEGORIES; c++)
		n += b->n[c];
	return n;
}

/* day_label - "12-01 Tue" / "12-01 周二": the weekday by our own table,
 * not the process's locale. g_free. */
static char *day_label(const struct report *r, int64_t t, const char *lang)
{
	static const char *const names[7][2] = {
		{ "Mon", "周一" }, { "Tue", "周二" }, { "Wed", "周三" }, { "Thu", "周四" },
		{ "Fri", "周五" }, { "Sat", "周六" }, { "Sun", "周日" },
	};
	GDateTime *l = local_time(r->tz, t);
	if (!l)
		return g_strdup_printf("@%lld", (long long)t);
	char *date = g_date_time_format(l, "%m-%d");
	char *s = g_strdup_printf("%s %s", date, names[g_date_time_get_day_of_week(l) - 1][zh(lang)]);
	g_free(date);
	g_date_time_unref(l);
	return s;
}

/* bucket_label - "14:00" for hours, "12-01" for days. g_free. */
static char *bucket_label(const struct report *r, unsigned i)
{
	return local_fmt(r, r->buckets[i].start, r->hourly ? "%H:%M" : "%m-%d");
}

char *report_subject(const struct report *r, const char *kind, const char *lang)
{
	int k = kind_index(kind ? kind : r->kind);
	if (k < 0)
		k = 3;
	const char *title = kind_titles[k][zh(lang)];
	char *first = local_fmt(r, r->from, k == 2 ? "%Y-%m" : "%Y-%m-%d");
	char *last = local_fmt(r, r->to - 1, "%Y-%m-%d");
	char *s = k == 0 || k == 2 || (k == 3 && !strcmp(first, last))
		  ? g_strdup_printf("%s %s", title, first)
		  : g_strdup_printf("%s %s – %s", title, first, last);
	g_free(first);
	g_free(last);
	return s;
}

/* A line of a table as the text and the page show it: a label and up to
 * three figures. */
struct row {
	const char *label;
	char v[3][32];
	unsigned n;
};

static const struct row *row_number(struct row *w, const char *label, uint64_t n)
{
	w->label = label;
	w->n = 1;
	g_snprintf(w->v[0], sizeof w->v[0], "%" G_GUINT64_FORMAT, n);
	return w;
}

/* row_share - n and its share of whole. */
static const struct row *row_share(struct row *w, const char *label, uint64_t n,
				   uint64_t whole)
{
	row_number(w, label, n);
	fmt_pct(w->v[w->n++], sizeof w->v[0], share(n, whole));
	return w;
}

/* row_hours - how many, median, 90th percentile. */
static const struct row *row_hours(struct row *w, const char *label,
				   const struct report_hours *h)
{
	row_number(w, label, h->n);
	fmt_num(w->v[w->n++], sizeof w->v[0], h->median, 1);
	fmt_num(w->v[w->n++], sizeof w->v[0], h->p90, 1);
	return w;
}

/* row_deadline - met in time, due, share. */
static const struct row *row_deadline(struct row *w, const struct report *r, unsigned d,
				      const char *lang)
{
	row_number(w, deadline_labels[d][zh(lang)], r->due_met[d]);
	g_snprintf(w->v[w->n++], sizeof w->v[0], "%" G_GUINT64_FORMAT, r->due_eligible[d]);
	fmt_pct(w->v[w->n++], sizeof w->v[0], share(r->due_met[d], r->due_eligible[d]));
	return w;
}

/* ---- text ---------------------------------------------------------------------- */

/* Columns: two blanks, a label column, then right-aligned values. */
#define TEXT_LABEL 40
#define TEXT_VALUE 11
/* the trend's first column: "12-01 周二" */
#define TEXT_DAY 10

/* cell - s cut to width columns (termtext_cut defuses control characters),
 * padded on the right (left) or left (right) to width. */
static void cell(GString *out, const char *s, unsigned width, bool right)
{
	unsigned w = termtext_width(s);
	if (right && w < width)
		g_string_append_printf(out, "%*s", (int)(width - w), "");
	unsigned used = termtext_cut(out, s, width);
	if (!right && used < width)
		g_string_append_printf(out, "%*s", (int)(width - used), "");
}

/* text_row - "  label   v1   v2 ...". */
static void text_row(GString *out, const struct row *w)
{
	g_string_append(out, "  ");
	cell(out, w->label, TEXT_LABEL, false);
	for (unsigned i = 0; i < w->n; i++)
		cell(out, w->v[i], TEXT_VALUE, true);
	g_string_append_c(out, '\n');
}

/* text_line - "  text", cut to fit. */
static void text_line(GString *out, const char *text)
{
	g_string_append(out, "  ");
	termtext_cut(out, text, 78);
	g_string_append_c(out, '\n');
}

/* text_heading - a section title with column headings over the values. */
static void text_heading(GString *out, const char *title, const char *const *cols, unsigned n)
{
	g_string_append_c(out, '\n');
	if (!n) {
		g_string_append_printf(out, "%s\n", title);
		return;
	}
	cell(out, title, TEXT_LABEL + 2, false);
	for (unsigned i = 0; i < n; i++)
		cell(out, cols[i], TEXT_VALUE, true);
	g_string_append_c(out, '\n');
}

static void text_summary(const struct report *r, GString *out, const char *lang)
{
	const struct { enum label l; uint64_t n; } rows[] = {
		{ L_CREATED, r->created }, { L_RESOLVED, r->resolved }, { L_CLOSED, r->closed },
		{ L_OPEN, r->open }, { L_OVERDUE, r->overdue },
	};
	struct row w;
	text_heading(out, L(lang, L_SUMMARY), NULL, 0);
	for (size_t i = 0; i < G_N_ELEMENTS(rows); i++)
		text_row(out, row_number(&w, L(lang, rows[i].l), rows[i].n));
}

/* text_shares - a breakdown's counts and their shares of the new
 * complaints, under title. */
static void text_shares(GString *out, const struct report *r, const char *lang,
			enum label title, const char *const (*names)[2], const uint64_t *n,
			unsigned count)
{
	const char *cols[] = { L(lang, L_COUNT), L(lang, L_SHARE) };
	struct row w;
	text_heading(out, L(lang, title), cols, 2);
	for (unsigned i = 0; i < count; i++)
		text_row(out, row_share(&w, names[i][zh(lang)], n[i], r->created));
}

/* text_counted - a ranking with each row's share of the new complaints;
 * key "" is shown as none_label. */
static void text_counted(GString *out, const struct report *r, const char *lang,
			 enum label title, const GPtrArray *a, enum label none_label)
{
	const char *cols[] = { L(lang, L_COUNT), L(lang, L_SHARE) };
	struct row w;
	text_heading(out, L(lang, title), cols, 2);
	for (guint i = 0; i < a->len; i++) {
		const struct report_count *d = a->pdata[i];
		text_row(out, row_share(&w, *d->key ? d->key : L(lang, none_label), d->n,
					r->created));
	}
	if (!a->len)
		text_line(out, L(lang, L_NOTHING));
}

static void text_breakdowns(const struct report *r, GString *out, const char *lang)
{
	text_shares(out, r, lang, L_BY_CATEGORY, category_labels, r->by_category,
		    REPORT_CATEGORIES);
	text_shares(out, r, lang, L_BY_SEVERITY, severity_labels, r->by_severity,
		    REPORT_SEVERITIES);
	text_shares(out, r, lang, L_BY_CHANNEL, channel_labels, r->by_channel, REPORT_CHANNELS);
	text_counted(out, r, lang, L_BY_DEPARTMENT, r->by_department, L_NONE);
	text_counted(out, r, lang, L_BY_PRODUCT, r->by_product, L_NO_PRODUCT);
}

static void text_times(const struct report *r, GString *out, const char *lang)
{
	const char *cols[] = { L(lang, L_COUNT), L(lang, L_MEDIAN), L(lang, L_P90) };
	struct row w;
	text_heading(out, L(lang, L_HOURS), cols, 3);
	text_row(out, row_hours(&w, L(lang, L_FIRST_RESPONSE), &r->first_response));
	text_row(out, row_hours(&w, L(lang, L_RESOLUTION), &r->resolution));

	const char *dcols[] = { L(lang, L_MET), L(lang, L_DUE), L(lang, L_SHARE) };
	text_heading(out, L(lang, L_DEADLINES), dcols, 3);
	for (unsigned d = 0; d < STORE_DUE_COUNT; d++)
		text_row(out, row_deadline(&w, r, d, lang));
}

/* repeaters_title - "Repeat complainants: 2". g_free. */
static char *repeaters_title(const struct report *r, const char *lang)
{
	return g_strdup_printf("%s%s%" G_GUINT64_FORMAT, L(lang, L_REPEATERS),
			       zh(lang) ? "：" : ": ", r->repeaters_count);
}

/* satisfaction_line - the satisfaction figure as one phrase. g_free. */
static char *satisfaction_line(const struct report *r, const char *lang)
{
	if (!r->satisfaction_known)
		return g_strdup(L(lang, L_UNKNOWN));
	if (!r->satisfaction_answers)
		return g_strdup(L(lang, L_NO_ANSWERS));
	char avg[32];
	fmt_num(avg, sizeof avg, r->satisfaction_average, 2);
	if (zh(lang))
		return g_strdup_printf("平均评分 %s（%" G_GUINT64_FORMAT " 份答复）", avg,
				       r->satisfaction_answers);
	return g_strdup_printf("average rating %s of %" G_GUINT64_FORMAT " answers", avg,
			       r->satisfaction_answers);
}

static void text_ranking(GString *out, const char *title, const GPtrArray *a,
			 const char *lang)
{
	const char *cols[] = { L(lang, L_COMPLAINTS) };
	struct row w;
	text_heading(out, title, cols, 1);
	for (guint i = 0; i < a->len; i++) {
		const struct report_count *c = a->pdata[i];
		text_row(out, row_number(&w, c->key, c->n));
	}
	if (!a->len)
		text_line(out, L(lang, L_NOTHING));
}

static void text_people(const struct report *r, GString *out, const char *lang)
{
	char *sat = satisfaction_line(r, lang);
	text_heading(out, L(lang, L_SATISFACTION), NULL, 0);
	text_line(out, sat);
	g_free(sat);
	char *title = repeaters_title(r, lang);
	text_ranking(out, title, r->repeaters, lang);
	g_free(title);
	text_ranking(out, L(lang, L_RULES), r->rules, lang);
}

/* ---- outcome: validity, units, compensation ------------------------------------ */

static uint64_t undecided(const struct report *r)
{
	uint64_t decided = r->outcome.valid_yes + r->outcome.valid_no;
	return r->created > decided ? r->created - decided : 0;
}

/* validity_rows - valid, invalid, not decided with their shares of the
 * new complaints; 3 rows. */
static void validity_rows(const struct report *r, const char *lang, struct row rows[3])
{
	row_share(&rows[0], L(lang, L_VALID), r->outcome.valid_yes, r->created);
	row_share(&rows[1], L(lang, L_INVALID), r->outcome.valid_no, r->created);
	row_share(&rows[2], L(lang, L_UNDECIDED), undecided(r), r->created);
}

static const struct row *row_unit(struct row *w, const struct store_outcome_unit *u)
{
	row_number(w, u->name, u->complaints);
	g_snprintf(w->v[w->n++], sizeof w->v[0], "%" G_GUINT64_FORMAT, u->valid);
	return w;
}

/* fmt_money - "1200.50" from hundredths. */
static const char *fmt_money(char *buf, size_t size, int64_t cents)
{
	g_snprintf(buf, size, "%" G_GINT64_FORMAT ".%02d", cents / 100, (int)(cents % 100));
	return buf;
}

static const struct row *row_money(struct row *w, const struct store_outcome_money *m)
{
	row_number(w, m->currency, m->count);
	fmt_money(w->v[w->n++], sizeof w->v[0], m->cents);
	return w;
}

static void text_outcome(const struct report *r, GString *out, const char *lang)
{
	const char *cols[] = { L(lang, L_COUNT), L(lang, L_SHARE) };
	struct row rows[3];
	text_heading(out, L(lang, L_OUTCOME), cols, 2);
	validity_rows(r, lang, rows);
	for (int i = 0; i < 3; i++)
		text_row(out, &rows[i]);
	const char *ucols[] = { L(lang, L_COMPLAINTS), L(lang, L_VALID_COL) };
	text_heading(out, L(lang, L_UNITS), ucols, 2);
	for (guint i = 0; i < r->outcome.units->len; i++)
		text_row(out, row_unit(&rows[0], r->outcome.units->pdata[i]));
	if (!r->outcome.units->len)
		text_line(out, L(lang, L_NOTHING));
	const char *mcols[] = { L(lang, L_COUNT), L(lang, L_AMOUNT) };
	text_heading(out, L(lang, L_COMPENSATION), mcols, 2);
	for (guint i = 0; i < r->outcome.money->len; i++)
		text_row(out, row_money(&rows[0], r->outcome.money->pdata[i]));
	if (!r->outcome.money->len)
		text_line(out, L(lang, L_NOTHING));
}

/* text_trend - a line per bucket: its start, each category, the total. */
static void text_trend(const struct report *r, GString *out, const char *lang)
{
	g_string_append_printf(out, "\n%s\n  ", L(lang, r->hourly ? L_TREND_HOUR : L_TREND_DAY));
	cell(out, "", TEXT_DAY, false);
	for (unsigned c = 0; c < REPORT_CATEGORIES; c++)
		cell(out, category_short[c][zh(lang)], TEXT_VALUE, true);
	cell(out, L(lang, L_TOTAL), TEXT_VALUE, true);
	g_string_append_c(out, '\n');
	for (unsigned i = 0; i < r->nbuckets; i++) {
		char *label = r->hourly ? local_fmt(r, r->buckets[i].start, "%H:%M")
					: day_label(r, r->buckets[i].start, lang);
		g_string_append(out, "  ");
		cell(out, label, TEXT_DAY, false);
		g_free(label);
		for (unsigned c = 0; c <= REPORT_CATEGORIES; c++) {
			char num[24];
			uint64_t n = c < REPORT_CATEGORIES ? r->buckets[i].n[c]
							    : bucket_total(&r->buckets[i]);
			g_snprintf(num, sizeof num, "%" G_GUINT64_FORMAT, n);
			cell(out, num, TEXT_VALUE, true);
		}
		g_string_append_c(out, '\n');
	}
}

static char *render_text(const struct report *r, const char *lang)
{
	GString *out = g_string_new(NULL);
	char *title = report_subject(r, NULL, lang);
	char *from = local_fmt(r, r->from, "%Y-%m-%d %H:%M");
	char *to = local_fmt(r, r->to, "%Y-%m-%d %H:%M");
	char *period = g_strdup_printf("%s %s – %s %s", L(lang, L_PERIOD), from, to,
				       r->timezone);
	termtext_cut(out, title, 80);
	g_string_append_c(out, '\n');
	termtext_cut(out, period, 80);
	g_string_append_c(out, '\n');
	g_free(title);
	g_free(from);
	g_free(to);
	g_free(period);
	text_summary(r, out, lang);
	text_breakdowns(r, out, lang);
	text_times(r, out, lang);
	text_people(r, out, lang);
	text_outcome(r, out, lang);
	text_trend(r, out, lang);
	return g_string_free(out, FALSE);
}

/* ---- CSV ------------------------------------------------------------------------- */

/* csv_text - one text field: quoted when it holds a comma, quote, CR or LF
 * (quotes doubled, RFC 4180); a leading = + - @ tab or CR, which a
 * spreadsheet would take for a formula, is kept from running by a ' before. */
static void csv_text(GString *out, const char *s, bool last)
{
	bool formula = s[0] && strchr("=+-@\t\r", s[0]);
	bool quote = formula || strpbrk(s, ",\"\r\n");
	if (quote)
		g_string_append_c(out, '"');
	if (formula)
		g_string_append_c(out, '\'');
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			g_string_append_c(out, '"');
		g_string_append_c(out, *p);
	}
	if (quote)
		g_string_append_c(out, '"');
	g_string_append(out, last ? "\r\n" : ",");
}

static void csv_uint(GString *out, uint64_t n, bool last)
{
	g_string_append_printf(out, "%" G_GUINT64_FORMAT "%s", n, last ? "\r\n" : ",");
}

/* csv_double - empty for NAN (no value). */
static void csv_double(GString *out, double v, int decimals, bool last)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE];
	if (!isnan(v))
		g_string_append(out, fmt_num(buf, sizeof buf, v, decimals));
	g_string_append(out, last ? "\r\n" : ",");
}

/* csv_section - the empty line before a section, its name and its header. */
static void csv_section(GString *out, const char *name, const char *header)
{
	g_string_append_printf(out, "\r\n%s\r\n%s\r\n", name, header);
}

static void csv_counts(GString *out, const char *name, const char *key,
		       const char *const *keys, const uint64_t *n, unsigned count)
{
	char *header = g_strdup_printf("%s,count", key);
	csv_section(out, name, header);
	g_free(header);
	for (unsigned i = 0; i < count; i++) {
		csv_text(out, keys[i], false);
		csv_uint(out, n[i], true);
	}
}

static void csv_ranking(GString *out, const char *name, const char *header,
			const GPtrArray *a, const char *none)
{
	csv_section(out, name, header);
	for (guint i = 0; i < a->len; i++) {
		const struct report_count *c = a->pdata[i];
		csv_text(out, *c->key || !none ? c->key : none, false);
		csv_uint(out, c->n, true);
	}
}

static void csv_head(const struct report *r, GString *out, const char *lang)
{
	char *title = report_subject(r, NULL, lang);
	char *from = rfc3339(r, r->from), *to = rfc3339(r, r->to);
	g_string_append(out, "report\r\ntitle,kind,from,to,timezone\r\n");
	csv_text(out, title, false);
	csv_text(out, r->kind, false);
	csv_text(out, from, false);
	csv_text(out, to, false);
	csv_text(out, r->timezone, true);
	g_free(title);
	g_free(from);
	g_free(to);
	static const char *const names[] = { "new", "resolved", "closed", "open", "overdue",
					     "repeat_complainants" };
	const uint64_t n[] = { r->created, r->resolved, r->closed, r->open, r->overdue,
			       r->repeaters_count };
	csv_section(out, "summary", "figure,count");
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		csv_text(out, names[i], false);
		csv_uint(out, n[i], true);
	}
}

static void csv_times(const struct report *r, GString *out)
{
	csv_section(out, "working_hours", "step,count,median,p90");
	const struct { const char *name; const struct report_hours *h; } rows[] = {
		{ "first_response", &r->first_response }, { "resolution", &r->resolution },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
		csv_text(out, rows[i].name, false);
		csv_uint(out, rows[i].h->n, false);
		csv_double(out, rows[i].h->median, 2, false);
		csv_double(out, rows[i].h->p90, 2, true);
	}
	csv_section(out, "deadlines", "deadline,due,met,share");
	for (unsigned d = 0; d < STORE_DUE_COUNT; d++) {
		csv_text(out, store_deadline_name(d), false);
		csv_uint(out, r->due_eligible[d], false);
		csv_uint(out, r->due_met[d], false);
		csv_double(out, share(r->due_met[d], r->due_eligible[d]), 4, true);
	}
	csv_section(out, "satisfaction", "known,answers,average");
	csv_text(out, r->satisfaction_known ? "true" : "false", false);
	csv_uint(out, r->satisfaction_answers, false);
	csv_double(out, r->satisfaction_known && r->satisfaction_answers
		   ? r->satisfaction_average : NAN, 2, true);
}

static void csv_trend(const struct report *r, GString *out)
{
	GString *header = g_string_new("start");
	for (unsigned c = 0; c < REPORT_CATEGORIES; c++)
		g_string_append_printf(header, ",%s", category_names[c]);
	g_string_append(header, ",total");
	csv_section(out, "trend", header->str);
	g_string_free(header, TRUE);
	for (unsigned i = 0; i < r->nbuckets; i++) {
		char *start = rfc3339(r, r->buckets[i].start);
		csv_text(out, start, false);
		g_free(start);
		for (unsigned c = 0; c < REPORT_CATEGORIES; c++)
			csv_uint(out, r->buckets[i].n[c], false);
		csv_uint(out, bucket_total(&r->buckets[i]), true);
	}
}

static void csv_outcome(const struct report *r, GString *out)
{
	static const char *const names[] = { "valid", "invalid", "undecided" };
	const uint64_t n[] = { r->outcome.valid_yes, r->outcome.valid_no, undecided(r) };
	csv_counts(out, "validity", "outcome", names, n, G_N_ELEMENTS(n));
	csv_section(out, "responsible_units", "unit,complaints,valid");
	for (guint i = 0; i < r->outcome.units->len; i++) {
		const struct store_outcome_unit *u = r->outcome.units->pdata[i];
		csv_text(out, u->name, false);
		csv_uint(out, u->complaints, false);
		csv_uint(out, u->valid, true);
	}
	csv_section(out, "compensation", "currency,count,total");
	for (guint i = 0; i < r->outcome.money->len; i++) {
		const struct store_outcome_money *m = r->outcome.money->pdata[i];
		char total[32];
		csv_text(out, m->currency, false);
		csv_uint(out, m->count, false);
		csv_text(out, fmt_money(total, sizeof total, m->cents), true);
	}
}

static char *render_csv(const struct report *r, const char *lang)
{
	GString *out = g_string_new(NULL);
	csv_head(r, out, lang);
	csv_counts(out, "by_category", "category", category_names, r->by_category,
		   REPORT_CATEGORIES);
	csv_counts(out, "by_severity", "severity", severity_names, r->by_severity,
		   REPORT_SEVERITIES);
	csv_counts(out, "by_channel", "channel", channel_names, r->by_channel, REPORT_CHANNELS);
	csv_ranking(out, "by_department", "department,count", r->by_department, "(none)");
	csv_ranking(out, "by_product", "product,complaints", r->by_product, "(not known)");
	csv_times(r, out);
	csv_ranking(out, "repeat_complainants", "references,complaints", r->repeaters, NULL);
	csv_ranking(out, "rules", "rule,complaints", r->rules, NULL);
	csv_outcome(r, out);
	csv_trend(r, out);
	return g_string_free(out, FALSE);
}

/* ---- JSON ------------------------------------------------------------------------ */

/* json_round - v to decimals digits, null for NAN. */
static void json_round(struct json *j, const char *key, double v, int decimals)
{
	json_key(j, key);
	if (isnan(v)) {
		json_null(j);
		return;
	}
	double scale = pow(10.0, decimals);
	json_double(j, round(v * scale) / scale);
}

static void json_counts(struct json *j, const char *key, const char *const *keys,
			const uint64_t *n, unsigned count)
{
	json_key(j, key);
	json_object_begin(j);
	for (unsigned i = 0; i < count; i++) {
		json_key(j, keys[i]);
		json_uint(j, n[i]);
	}
	json_object_end(j);
}

static void json_ranking(struct json *j, const char *key, const char *name,
			 const GPtrArray *a)
{
	json_key(j, key);
	json_array_begin(j);
	for (guint i = 0; i < a->len; i++) {
		const struct report_count *c = a->pdata[i];
		json_object_begin(j);
		json_kv_string(j, name, c->key);
		json_key(j, "complaints");
		json_uint(j, c->n);
		json_object_end(j);
	}
	json_array_end(j);
}

static void json_head(const struct report *r, struct json *j, const char *lang)
{
	char *title = report_subject(r, NULL, lang);
	char *from = rfc3339(r, r->from), *to = rfc3339(r, r->to);
	json_kv_string(j, "title", title);
	json_kv_string(j, "kind", r->kind);
	json_kv_string(j, "from", from);
	json_kv_string(j, "to", to);
	json_kv_int(j, "from_unix", r->from);
	json_kv_int(j, "to_unix", r->to);
	json_kv_string(j, "timezone", r->timezone);
	g_free(title);
	g_free(from);
	g_free(to);
	static const char *const names[] = { "new", "resolved", "closed", "open", "overdue" };
	const uint64_t n[] = { r->created, r->resolved, r->closed, r->open, r->overdue };
	json_counts(j, "counts", names, n, G_N_ELEMENTS(n));
}

static void json_breakdowns(const struct report *r, struct json *j)
{
	json_counts(j, "by_category", category_names, r->by_category, REPORT_CATEGORIES);
	json_counts(j, "by_severity", severity_names, r->by_severity, REPORT_SEVERITIES);
	json_counts(j, "by_channel", channel_names, r->by_channel, REPORT_CHANNELS);
	json_key(j, "by_department");
	json_object_begin(j);
	for (guint i = 0; i < r->by_department->len; i++) {
		const struct report_count *d = r->by_department->pdata[i];
		json_key(j, *d->key ? d->key : "(none)");
		json_uint(j, d->n);
	}
	json_object_end(j);
	/* a list, not an object: a product may be called "(none)" */
	json_key(j, "by_product");
	json_array_begin(j);
	for (guint i = 0; i < r->by_product->len; i++) {
		const struct report_count *c = r->by_product->pdata[i];
		json_object_begin(j);
		json_kv_string(j, "product", *c->key ? c->key : NULL);
		json_key(j, "complaints");
		json_uint(j, c->n);
		json_object_end(j);
	}
	json_array_end(j);
}

static void json_hours(struct json *j, const char *key, const struct report_hours *h)
{
	json_key(j, key);
	json_object_begin(j);
	json_kv_int(j, "count", h->n);
	json_round(j, "median", h->median, 2);
	json_round(j, "p90", h->p90, 2);
	json_object_end(j);
}

static void json_times(const struct report *r, struct json *j)
{
	json_key(j, "working_hours");
	json_object_begin(j);
	json_hours(j, "first_response", &r->first_response);
	json_hours(j, "resolution", &r->resolution);
	json_object_end(j);
	json_key(j, "deadlines");
	json_object_begin(j);
	for (unsigned d = 0; d < STORE_DUE_COUNT; d++) {
		json_key(j, store_deadline_name(d));
		json_object_begin(j);
		json_key(j, "due");
		json_uint(j, r->due_eligible[d]);
		json_key(j, "met");
		json_uint(j, r->due_met[d]);
		json_round(j, "share", share(r->due_met[d], r->due_eligible[d]), 4);
		json_object_end(j);
	}
	json_object_end(j);
	json_key(j, "satisfaction");
	json_object_begin(j);
	json_kv_bool(j, "known", r->satisfaction_known);
	json_kv_int(j, "answers", (int64_t)r->satisfaction_answers);
	json_round(j, "average", r->satisfaction_answers ? r->satisfaction_average : NAN, 2);
	json_object_end(j);
}

static void json_trend(const struct report *r, struct json *j)
{
	json_key(j, "trend");
	json_object_begin(j);
	json_kv_string(j, "unit", r->hourly ? "hour" : "day");
	json_key(j, "buckets");
	json_array_begin(j);
	for (unsigned i = 0; i < r->nbuckets; i++) {
		char *start = rfc3339(r, r->buckets[i].start);
		json_object_begin(j);
		json_kv_string(j, "start", start);
		for (unsigned c = 0; c < REPORT_CATEGORIES; c++) {
			json_key(j, category_names[c]);
			json_uint(j, r->buckets[i].n[c]);
		}
		json_key(j, "total");
		json_uint(j, bucket_total(&r->buckets[i]));
		json_object_end(j);
		g_free(start);
	}
	json_array_end(j);
	json_object_end(j);
}

static void json_outcome(const struct report *r, struct json *j)
{
	json_key(j, "outcome");
	json_object_begin(j);
	json_kv_int(j, "valid", (int64_t)r->outcome.valid_yes);
	json_kv_int(j, "invalid", (int64_t)r->outcome.valid_no);
	json_kv_int(j, "undecided", (int64_t)undecided(r));
	json_key(j, "units");
	json_array_begin(j);
	for (guint i = 0; i < r->outcome.units->len; i++) {
		const struct store_outcome_unit *u = r->outcome.units->pdata[i];
		json_object_begin(j);
		json_kv_string(j, "unit", u->name);
		json_kv_int(j, "complaints", (int64_t)u->complaints);
		json_kv_int(j, "valid", (int64_t)u->valid);
		json_object_end(j);
	}
	json_array_end(j);
	json_key(j, "compensation");
	json_array_begin(j);
	for (guint i = 0; i < r->outcome.money->len; i++) {
		const struct store_outcome_money *m = r->outcome.money->pdata[i];
		char total[32];
		json_object_begin(j);
		json_kv_string(j, "currency", m->currency);
		json_kv_int(j, "count", (int64_t)m->count);
		json_kv_string(j, "total", fmt_money(total, sizeof total, m->cents));
		json_object_end(j);
	}
	json_array_end(j);
	json_object_end(j);
}

static char *render_json(const struct report *r, const char *lang)
{
	GString *out = g_string_new(NULL);
	struct json *j = json_new(out);
	json_object_begin(j);
	json_head(r, j, lang);
	json_breakdowns(r, j);
	json_times(r, j);
	json_key(j, "repeat_complainants");
	json_object_begin(j);
	json_key(j, "count");
	json_uint(j, r->repeaters_count);
	json_ranking(j, "top", "refs", r->repeaters);
	json_object_end(j);
	json_ranking(j, "rules", "rule", r->rules);
	json_outcome(r, j);
	json_trend(r, j);
	json_object_end(j);
	json_free(&j);
	g_string_append_c(out, '\n');
	return g_string_free(out, FALSE);
}

/* ---- HTML ------------------------------------------------------------------------ */

/* Styles, inline on each element: mail clients drop <style> blocks. */
#define FONT "font-family:-apple-system,'Segoe UI',Helvetica,Arial,'PingFang SC'," \
	"'Microsoft YaHei','Noto Sans CJK SC',sans-serif"
#define S_H2 "font-size:16px;margin:24px 0 8px;padding-bottom:4px;border-bottom:1px solid #ddd"
#define S_TABLE "border-collapse:collapse;width:100%;font-size:14px;margin-top:8px"
#define S_TH "text-align:left;padding:4px 8px;border-bottom:2px solid #ccc;font-weight:600"
#define S_THN "text-align:right;padding:4px 8px;border-bottom:2px solid #ccc;font-weight:600"
#define S_TD "padding:4px 8px;border-bottom:1px solid #eee;word-break:break-all"
#define S_TDN "padding:4px 8px;border-bottom:1px solid #eee;text-align:right;white-space:nowrap"
#define S_NOTE "color:#666;font-size:13px;margin:4px 0"

/* Chart colours: categories, severities, and the deadline bars by share. */
static const char *const category_colours[REPORT_CATEGORIES] = {
	"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#8c8c8c",
};
static const char *const severity_colours[REPORT_SEVERITIES] = {
	"#c0392b", "#e67e22", "#2e86c1",
};

/* html_text - s as HTML text or attribute value: & < > " ' escaped,
 * invalid UTF-8 replaced, control characters as '?'. */
static void html_text(GString *out, const char *s)
{
	char *valid = g_utf8_make_valid(s ? s : "", -1);
	for (const char *p = valid; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		switch (c) {
		case '&': g_string_append(out, "&amp;"); break;
		case '<': g_string_append(out, "&lt;"); break;
		case '>': g_string_append(out, "&gt;"); break;
		case '"': g_string_append(out, "&quot;"); break;
		case '\'': g_string_append(out, "&#39;"); break;
		default:
			if ((c < 0x20 && c != '\n' && c != '\t') || (c >= 0x7f && c < 0xa0))
				g_string_append_c(out, '?');
			else
				g_string_append_unichar(out, c);
		}
	}
	g_free(valid);
}

/* html_tag - <tag style="style">text</tag>, text escaped. */
static void html_tag(GString *out, const char *tag, const char *style, const char *text)
{
	g_string_append_printf(out, "<%s style=\"%s\">", tag, style);
	html_text(out, text);
	g_string_append_printf(out, "</%s>", tag);
}

/* html_table_head - a table and its heading row: the first column text,
 * the others numbers. */
static void html_table_head(GString *out, const char *const *cols, unsigned n)
{
	g_string_append(out, "<table role=\"presentation\" style=\"" S_TABLE "\"><tr>");
	for (unsigned i = 0; i < n; i++)
		html_tag(out, "th", i ? S_THN : S_TH, cols[i]);
	g_string_append(out, "</tr>");
}

static void html_row(GString *out, const struct row *w)
{
	g_string_append(out, "<tr>");
	html_tag(out, "td", S_TD, w->label);
	for (unsigned i = 0; i < w->n; i++)
		html_tag(out, "td", S_TDN, w->v[i]);
	g_string_append(out, "</tr>");
}

/* ---- SVG charts ------------------------------------------------------------------- */

#define SVG_W 680

static void svg_begin(GString *out, int h, const char *label)
{
	g_string_append_printf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
			       "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"",
			       SVG_W, h, SVG_W, h);
	html_text(out, label);
	g_string_append(out, "\" style=\"max-width:100%;height:auto;display:block\">");
}

/* svg_text - text at (x, y); anchor start, middle or end. */
static void svg_text(GString *out, int x, int y, const char *anchor, int size,
		     const char *fill, const char *text)
{
	g_string_append_printf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"%s\" font-size=\"%d\""
			       " fill=\"%s\" style=\"" FONT "\">", x, y, anchor, size, fill);
	html_text(out, text);
	g_string_append(out, "</text>");
}

static void svg_rect(GString *out, int x, int y, int w, int h, const char *fill)
{
	g_string_append_printf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
			       "fill=\"%s\"/>", x, y, w, h, fill);
}

/* nice_step - a step of 1, 2 or 5 times a power of ten that divides
 * 0..max into at most five intervals. */
static uint64_t nice_step(uint64_t max)
{
	for (uint64_t p = 1;; p *= 10)
		for (unsigned k = 0; k < 3; k++) {
			uint64_t step = p * (const unsigned[]){ 1, 2, 5 }[k];
			if (step * 5 >= max)
				return step;
		}
}

/* Trend chart geometry: plot area and margins. */
#define TR_H 270
#define TR_LEFT 44
#define TR_TOP 12
#define TR_PLOT_W (SVG_W - TR_LEFT - 12)
#define TR_PLOT_H 180

/* svg_trend_axes - y grid lines and their counts, up to ymax. */
static void svg_trend_axes(GString *out, uint64_t ymax, uint64_t step)
{
	for (uint64_t v = 0; v <= ymax; v += step) {
		int y = TR_TOP + TR_PLOT_H - (int)(TR_PLOT_H * v / ymax);
		char num[24];
		g_snprintf(num, sizeof num, "%" G_GUINT64_FORMAT, v);
		g_string_append_printf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
				       "stroke=\"%s\" stroke-width=\"1\"/>", TR_LEFT, y,
				       TR_LEFT + TR_PLOT_W, y, v ? "#e5e5e5" : "#999");
		svg_text(out, TR_LEFT - 6, y + 4, "end", 11, "#555", num);
	}
}

/* svg_trend_bars - a stacked bar per bucket, categories bottom up, and
 * the bucket labels below (at most about twelve). */
static void svg_trend_bars(GString *out, const struct report *r, uint64_t ymax)
{
	double bw = (double)TR_PLOT_W / MAX(r->nbuckets, 1u);
	int bar = MAX(1, (int)(bw * 0.7));
	unsigned every = (r->nbuckets + 11) / 12;
	for (unsigned i = 0; i < r->nbuckets; i++) {
		int x = TR_LEFT + (int)(bw * i + (bw - bar) / 2);
		uint64_t below = 0;
		for (unsigned c = 0; c < REPORT_CATEGORIES; c++) {
			uint64_t n = r->buckets[i].n[c];
			if (!n)
				continue;
			int y0 = TR_TOP + TR_PLOT_H - (int)(TR_PLOT_H * below / ymax);
			int y1 = TR_TOP + TR_PLOT_H - (int)(TR_PLOT_H * (below + n) / ymax);
			svg_rect(out, x, y1, bar, MAX(1, y0 - y1), category_colours[c]);
			below += n;
		}
		if (i % MAX(every, 1u) == 0) {
			char *label = bucket_label(r, i);
			svg_text(out, x + bar / 2, TR_TOP + TR_PLOT_H + 16, "middle", 11, "#555",
				 label);
			g_free(label);
		}
	}
}

/* svg_legend - a coloured square and a label for each of n entries. */
static void svg_legend(GString *out, int y, const char *const *colours,
		       const char *const *texts, unsigned n)
{
	int step = SVG_W / (int)n;
	for (unsigned i = 0; i < n; i++) {
		int x = (int)i * step + 4;
		svg_rect(out, x, y - 10, 11, 11, colours[i]);
		svg_text(out, x + 16, y, "start", 12, "#333", texts[i]);
	}
}

static void svg_trend(GString *out, const struct report *r, const char *lang)
{
	uint64_t max = 0;
	for (unsigned i = 0; i < r->nbuckets; i++)
		max = MAX(max, bucket_total(&r->buckets[i]));
	svg_begin(out, TR_H, L(lang, r->hourly ? L_TREND_HOUR : L_TREND_DAY));
	uint64_t step = nice_step(MAX(max, 1));
	uint64_t ymax = (MAX(max, 1) + step - 1) / step * step;
	svg_trend_axes(out, ymax, step);
	svg_trend_bars(out, r, ymax);
	if (!max)
		svg_text(out, TR_LEFT + TR_PLOT_W / 2, TR_TOP + TR_PLOT_H / 2, "middle", 14,
			 "#888", L(lang, L_NO_DATA));
	const char *texts[REPORT_CATEGORIES];
	for (unsigned c = 0; c < REPORT_CATEGORIES; c++)
		texts[c] = category_labels[c][zh(lang)];
	svg_legend(out, TR_H - 20, category_colours, texts, REPORT_CATEGORIES);
	g_string_append(out, "</svg>");
}

/* svg_severity - one bar split by severity, each part labelled when wide
 * enough, the counts in the legend. */
static void svg_severity(GString *out, const struct report *r, const char *lang)
{
	uint64_t total = 0;
	for (unsigned v = 0; v < REPORT_SEVERITIES; v++)
		total += r->by_severity[v];
	svg_begin(out, 72, L(lang, L_SEVERITY_MIX));
	svg_rect(out, 0, 4, SVG_W, 30, "#eeeeee");
	if (!total)
		svg_text(out, SVG_W / 2, 24, "middle", 13, "#888", L(lang, L_NO_DATA));
	int x = 0;
	char texts[REPORT_SEVERITIES][64];
	const char *legend[REPORT_SEVERITIES];
	for (unsigned v = 0; v < REPORT_SEVERITIES; v++) {
		char pct[32];
		fmt_pct(pct, sizeof pct, share(r->by_severity[v], total));
		g_snprintf(texts[v], sizeof texts[v], "%s  %" G_GUINT64_FORMAT " (%s)",
			   severity_labels[v][zh(lang)], r->by_severity[v], pct);
		legend[v] = texts[v];
		if (!total || !r->by_severity[v])
			continue;
		int w = v == REPORT_SEVERITIES - 1 || r->by_severity[v] == total ? SVG_W - x
			: (int)(SVG_W * r->by_severity[v] / total);
		svg_rect(out, x, 4, w, 30, severity_colours[v]);
		if (w >= 40)
			svg_text(out, x + w / 2, 24, "middle", 13, "#fff", pct);
		x += w;
	}
	svg_legend(out, 62, severity_colours, legend, REPORT_SEVERITIES);
	g_string_append(out, "</svg>");
}

/* svg_deadlines - a bar per deadline as long as the share met in time,
 * green from 90%, amber from 70%, red below; "-" when none was due. */
static void svg_deadlines(GString *out, const struct report *r, const char *lang)
{
	const int row = 28, label_w = 190, bar_w = 360;
	svg_begin(out, row * STORE_DUE_COUNT + 4, L(lang, L_DEADLINES));
	for (unsigned d = 0; d < STORE_DUE_COUNT; d++) {
		int y = d * row + 4;
		double v = share(r->due_met[d], r->due_eligible[d]);
		svg_text(out, 0, y + 15, "start", 13, "#333", deadline_labels[d][zh(lang)]);
		svg_rect(out, label_w, y + 2, bar_w, 18, "#eeeeee");
		if (!isnan(v) && v > 0)
			svg_rect(out, label_w, y + 2, MAX(1, (int)(bar_w * v)), 18,
				 v >= 0.9 ? "#2e9e5b" : v >= 0.7 ? "#e0a500" : "#c0392b");
		char pct[32], text[96];
		g_snprintf(text, sizeof text, "%s  (%" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT ")",
			   fmt_pct(pct, sizeof pct, v), r->due_met[d], r->due_eligible[d]);
		svg_text(out, label_w + bar_w + 10, y + 15, "start", 13, "#333", text);
	}
	g_string_append(out, "</svg>");
}

/* ---- the page ------------------------------------------------------------------- */

static void html_h2(GString *out, const char *title)
{
	html_tag(out, "h2", S_H2, title);
}

/* html_tiles - the five totals as a row of boxes; overdue in red when any. */
static void html_tiles(GString *out, const struct report *r, const char *lang)
{
	const struct { enum label l; uint64_t n; } tiles[] = {
		{ L_CREATED, r->created }, { L_RESOLVED, r->resolved }, { L_CLOSED, r->closed },
		{ L_TILE_OPEN, r->open }, { L_TILE_OVERDUE, r->overdue },
	};
	g_string_append(out, "<table role=\"presentation\" style=\"border-collapse:separate;"
			"border-spacing:6px;width:100%;table-layout:fixed\"><tr>");
	for (size_t i = 0; i < G_N_ELEMENTS(tiles); i++) {
		bool alarm = tiles[i].l == L_TILE_OVERDUE && tiles[i].n;
		g_string_append_printf(out, "<td style=\"background:%s;border:1px solid %s;"
				       "padding:10px;vertical-align:top\">",
				       alarm ? "#fdecea" : "#f7f8fa", alarm ? "#e6b0aa" : "#e3e6ea");
		html_tag(out, "div", "font-size:12px;color:#555", L(lang, tiles[i].l));
		char num[24];
		g_snprintf(num, sizeof num, "%" G_GUINT64_FORMAT, tiles[i].n);
		html_tag(out, "div", alarm ? "font-size:26px;font-weight:700;color:#c0392b"
				      : "font-size:26px;font-weight:700;color:#222", num);
		g_string_append(out, "</td>");
	}
	g_string_append(out, "</tr></table>");
}

/* html_table - a table of rows under headings cols (the first over the
 * labels); n rows. */
static void html_table(GString *out, const char *const *cols, unsigned ncols,
		       const struct row *rows, unsigned n)
{
	html_table_head(out, cols, ncols);
	for (unsigned i = 0; i < n; i++)
		html_row(out, &rows[i]);
	g_string_append(out, "</table>");
}

/* html_shares - the counts of a breakdown and their shares of the new
 * complaints. */
static void html_shares(GString *out, const struct report *r, const char *lang,
			const char *const (*names)[2], const uint64_t *n, unsigned count)
{
	const char *cols[] = { "", L(lang, L_COUNT), L(lang, L_SHARE) };
	/* the longest list it is given: categories or channels */
	struct row rows[MAX((int)REPORT_CATEGORIES, (int)REPORT_CHANNELS)];
	g_assert(count <= G_N_ELEMENTS(rows));
	for (unsigned i = 0; i < count; i++)
		row_share(&rows[i], names[i][zh(lang)], n[i], r->created);
	html_table(out, cols, 3, rows, count);
}

/* html_ranking - a list of counts under title; "none" when empty. */
static void html_ranking(GString *out, const char *title, const GPtrArray *a,
			 const struct report *r, const char *lang)
{
	html_h2(out, title);
	if (!a->len) {
		html_tag(out, "p", S_NOTE, L(lang, L_NOTHING));
		return;
	}
	bool departments = a == r->by_department || a == r->by_product;
	const char *cols[] = { "", L(lang, departments ? L_COUNT : L_COMPLAINTS),
			       L(lang, L_SHARE) };
	struct row *rows = g_new(struct row, a->len);
	for (guint i = 0; i < a->len; i++) {
		const struct report_count *c = a->pdata[i];
		if (departments)
			row_share(&rows[i], *c->key ? c->key : L(lang, a == r->by_product
								  ? L_NO_PRODUCT : L_NONE),
				  c->n, r->created);
		else
			row_number(&rows[i], c->key, c->n);
	}
	html_table(out, cols, departments ? 3 : 2, rows, a->len);
	g_free(rows);
}

static void html_breakdowns(GString *out, const struct report *r, const char *lang)
{
	html_h2(out, L(lang, L_BY_CATEGORY));
	html_shares(out, r, lang, category_labels, r->by_category, REPORT_CATEGORIES);
	/* the charts' figures in tables too: some mail clients show no SVG */
	html_h2(out, L(lang, L_BY_SEVERITY));
	svg_severity(out, r, lang);
	html_shares(out, r, lang, severity_labels, r->by_severity, REPORT_SEVERITIES);
	html_h2(out, L(lang, L_BY_CHANNEL));
	html_shares(out, r, lang, channel_labels, r->by_channel, REPORT_CHANNELS);
	html_ranking(out, L(lang, L_BY_DEPARTMENT), r->by_department, r, lang);
	html_ranking(out, L(lang, L_BY_PRODUCT), r->by_product, r, lang);
}

static void html_times(GString *out, const struct report *r, const char *lang)
{
	struct row rows[STORE_DUE_COUNT];
	html_h2(out, L(lang, L_DEADLINES));
	svg_deadlines(out, r, lang);
	const char *dcols[] = { "", L(lang, L_MET), L(lang, L_DUE), L(lang, L_SHARE) };
	for (unsigned d = 0; d < STORE_DUE_COUNT; d++)
		row_deadline(&rows[d], r, d, lang);
	html_table(out, dcols, 4, rows, STORE_DUE_COUNT);

	const char *cols[] = { "", L(lang, L_COUNT), L(lang, L_MEDIAN), L(lang, L_P90) };
	html_h2(out, L(lang, L_HOURS));
	row_hours(&rows[0], L(lang, L_FIRST_RESPONSE), &r->first_response);
	row_hours(&rows[1], L(lang, L_RESOLUTION), &r->resolution);
	html_table(out, cols, 4, rows, 2);

	char *sat = satisfaction_line(r, lang);
	html_h2(out, L(lang, L_SATISFACTION));
	html_tag(out, "p", "margin:4px 0;font-size:14px", sat);
	g_free(sat);
}

static void html_head(GString *out, const struct report *r, const char *lang,
		      const char *title)
{
	g_string_append_printf(out, "<!DOCTYPE html>\n<html lang=\"%s\"><head>"
			       "<meta charset=\"utf-8\"><meta name=\"viewport\" "
			       "content=\"width=device-width,initial-scale=1\"><title>",
			       zh(lang) ? "zh-CN" : "en");
	html_text(out, title);
	g_string_append(out, "</title></head>\n<body style=\"margin:0;padding:16px;"
			"background:#f0f2f5;color:#222;" FONT "\">\n<div style=\"max-width:680px;"
			"margin:0 auto;background:#fff;border:1px solid #dde1e6;padding:20px\">\n");
	html_tag(out, "h1", "font-size:22px;margin:0 0 4px", title);
	char *from = local_fmt(r, r->from, "%Y-%m-%d %H:%M");
	char *to = local_fmt(r, r->to, "%Y-%m-%d %H:%M");
	char *period = g_strdup_printf("%s %s – %s (%s)", L(lang, L_PERIOD), from, to,
				       r->timezone);
	html_tag(out, "p", S_NOTE, period);
	g_free(period);
	g_free(from);
	g_free(to);
}

/* html_outcome - validity, the units answerable and the compensation,
 * as tables. */
static void html_outcome(GString *out, const struct report *r, const char *lang)
{
	struct row three[3];
	html_h2(out, L(lang, L_OUTCOME));
	const char *cols[] = { "", L(lang, L_COUNT), L(lang, L_SHARE) };
	validity_rows(r, lang, three);
	html_table(out, cols, 3, three, 3);
	const struct { enum label title, c1, c2; GPtrArray *a; bool units; } lists[] = {
		{ L_UNITS, L_COMPLAINTS, L_VALID_COL, r->outcome.units, true },
		{ L_COMPENSATION, L_COUNT, L_AMOUNT, r->outcome.money, false },
	};
	for (size_t k = 0; k < G_N_ELEMENTS(lists); k++) {
		html_h2(out, L(lang, lists[k].title));
		const GPtrArray *a = lists[k].a;
		if (!a->len) {
			html_tag(out, "p", S_NOTE, L(lang, L_NOTHING));
			continue;
		}
		const char *c[] = { "", L(lang, lists[k].c1), L(lang, lists[k].c2) };
		struct row *rows = g_new(struct row, a->len);
		for (guint i = 0; i < a->len; i++) {
			if (lists[k].units)
				row_unit(&rows[i], a->pdata[i]);
			else
				row_money(&rows[i], a->pdata[i]);
		}
		html_table(out, c, 3, rows, a->len);
		g_free(rows);
	}
}

static char *render_html(const struct report *r, const char *lang)
{
	GString *out = g_string_new(NULL);
	char *title = report_subject(r, NULL, lang);
	html_head(out, r, lang, title);
	g_free(title);
	html_tiles(out, r, lang);
	html_h2(out, L(lang, r->hourly ? L_TREND_HOUR : L_TREND_DAY));
	svg_trend(out, r, lang);
	html_breakdowns(out, r, lang);
	html_times(out, r, lang);
	char *repeaters = repeaters_title(r, lang);
	html_ranking(out, repeaters, r->repeaters, r, lang);
	g_free(repeaters);
	html_ranking(out, L(lang, L_RULES), r->rules, r, lang);
	html_outcome(out, r, lang);
	g_string_append(out, "\n<p style=\"" S_NOTE ";margin-top:24px\">");
	html_text(out, L(lang, L_FOOTER));
	g_string_append(out, "</p>\n</div>\n</body></html>\n");
	return g_string_free(out, FALSE);
}

char *report_render(const struct report *r, enum report_format fmt, const char *lang)
{
	switch (fmt) {
	case REPORT_CSV: return render_csv(r, lang);
	case REPORT_JSON: return render_json(r, lang);
	case REPORT_HTML: return render_html(r, lang);
	case REPORT_TEXT:
	default: return render_text(r, lang);
	}
}
