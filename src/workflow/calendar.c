/* calendar - working days, working hours and deadlines; see calendar.h
 * and complaintd-calendar(5).
 *
 * Days are counted as day numbers (days since 1970-01-01 in the calendar's
 * own zone), so scanning for working days is integer arithmetic plus one
 * hash lookup per day; the zone is consulted only to turn a day and a
 * minute into an instant and back. */
#include "workflow/calendar.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* GDate's Julian day number of 1970-01-01 (day 1 is 0001-01-01). */
#define EPOCH_JULIAN 719163
#define DAY_SECS     86400
/* The last day number a scan may reach: a day past the instants
 * understood, whatever the zone's offset. */
#define DAY_MAX      (CALENDAR_TIME_MAX / DAY_SECS + 2)
#define ZONE_NAME_MAX 64

enum day_kind { DAY_WORKDAY, DAY_WEEKEND, DAY_HOLIDAY, DAY_MAKEUP };
static const char *const kind_names[] = { "workday", "weekend", "holiday", "makeup" };

enum special_kind { SPECIAL_HOLIDAY, SPECIAL_WORKDAY };
static const char *const special_names[] = { "holiday", "workday" };

static const char *const weekday_abbr[] = {
	"mon", "tue", "wed", "thu", "fri", "sat", "sun",
};
static const char *const weekday_full[] = {
	"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
};
static const char *const weekday_show[] = {
	"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun",
};
/* as a Chinese mail names the day: 周一 .. 周日 */
static const char *const weekday_zh[] = {
	"周一", "周二", "周三", "周四", "周五", "周六", "周日",
};

/* One date the file lists. */
struct special {
	enum special_kind kind;
	unsigned line;      /* where the file first lists it, for conflicts */
	const char *name;   /* in the calendar's names chunk; NULL if none */
};

struct calendar {
	gint refs;
	GTimeZone *tz;
	char *tz_name;
	unsigned weekend;    /* bit i set: weekday i (0 = Monday .. 6 = Sunday) is off */
	int start_min, end_min;
	GHashTable *special; /* GINT_TO_POINTER(day number) -> struct special */
	GStringChunk *names; /* holiday names, shared by the days of a range */
};

/* ---- days ------------------------------------------------------------------ */

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	if (a % b != 0 && (a < 0) != (b < 0))
		q--;
	return q;
}

/* weekday - 0 = Monday .. 6 = Sunday; day 0 (1970-01-01) was a Thursday. */
static int weekday(int64_t day)
{
	return (int)(day + 3 - floor_div(day + 3, 7) * 7);
}

static bool ymd_to_day(int y, int m, int d, int64_t *day)
{
	if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31 ||
	    !g_date_valid_dmy((GDateDay)d, (GDateMonth)m, (GDateYear)y))
		return false;
	GDate g;
	g_date_clear(&g, 1);
	g_date_set_dmy(&g, (GDateDay)d, (GDateMonth)m, (GDateYear)y);
	*day = (int64_t)g_date_get_julian(&g) - EPOCH_JULIAN;
	return true;
}

static bool day_to_ymd(int64_t day, int *y, int *m, int *d)
{
	int64_t j = day + EPOCH_JULIAN;
	if (j < 1 || j > 3652059)  /* 9999-12-31 */
		return false;
	GDate g;
	g_date_clear(&g, 1);
	g_date_set_julian(&g, (guint32)j);
	*y = g_date_get_year(&g);
	*m = g_date_get_month(&g);
	*d = g_date_get_day(&g);
	return true;
}

/* ---- the zone ------------------------------------------------------------- */

/* to_local - the day number and second of the day of unix time t in the
 * calendar's zone; false outside the instants understood. */
static bool to_local(const struct calendar *c, int64_t t, int64_t *day, int *sec)
{
	if (t < CALENDAR_TIME_MIN || t > CALENDAR_TIME_MAX)
		return false;
	gint i = g_time_zone_find_interval(c->tz, G_TIME_TYPE_UNIVERSAL, t);
	int64_t local = t + g_time_zone_get_offset(c->tz, MAX(i, 0));
	*day = floor_div(local, DAY_SECS);
	if (sec)
		*sec = (int)(local - *day * DAY_SECS);
	return true;
}

/* from_local - the instant of minute min (0..1440) of a day. A wall time
 * that the zone skips (a daylight-saving gap) moves forward with the clock,
 * as GLib adjusts it. */
static int64_t from_local(const struct calendar *c, int64_t day, int min)
{
	gint64 t = day * DAY_SECS + (int64_t)min * 60;
	gint i = g_time_zone_adjust_time(c->tz, G_TIME_TYPE_STANDARD, &t);
	return t - g_time_zone_get_offset(c->tz, MAX(i, 0));
}

static enum day_kind kind_of(const struct calendar *c, int64_t day, const char **note)
{
	const struct special *s = NULL;
	if (day > G_MININT && day < G_MAXINT && g_hash_table_size(c->special))
		s = g_hash_table_lookup(c->special, GINT_TO_POINTER((gint)day));
	bool off = c->weekend & (1u << weekday(day));
	if (note)
		*note = s ? s->name : NULL;
	if (s && s->kind == SPECIAL_HOLIDAY)
		return DAY_HOLIDAY;
	if (s)
		return off ? DAY_MAKEUP : DAY_WORKDAY;
	return off ? DAY_WEEKEND : DAY_WORKDAY;
}

static bool is_work(const struct calendar *c, int64_t day)
{
	enum day_kind k = kind_of(c, day, NULL);
	return k == DAY_WORKDAY || k == DAY_MAKEUP;
}

/* next_working_day - the first working day after day, within
 * CALENDAR_SCAN_DAYS and the days understood. */
static bool next_working_day(const struct calendar *c, int64_t day, int64_t *out)
{
	for (int64_t i = 1; i <= CALENDAR_SCAN_DAYS && day + i <= DAY_MAX; i++)
		if (is_work(c, day + i)) {
			*out = day + i;
			return true;
		}
	return false;
}

/* ---- making and dropping --------------------------------------------------- */

static struct calendar *calendar_alloc(void)
{
	struct calendar *c = g_new0(struct calendar, 1);
	c->refs = 1;
	c->weekend = (1u << 5) | (1u << 6);
	c->start_min = 9 * 60;
	c->end_min = 18 * 60;
	c->special = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
	c->names = g_string_chunk_new(256);
	return c;
}

/* set_zone - takes over tz. */
static void set_zone(struct calendar *c, GTimeZone *tz)
{
	if (c->tz)
		g_time_zone_unref(c->tz);
	g_free(c->tz_name);
	c->tz = tz;
	const char *id = g_time_zone_get_identifier(tz);
	c->tz_name = g_strdup(id ? id : "local");
}

struct calendar *calendar_new_default(void)
{
	struct calendar *c = calendar_alloc();
	set_zone(c, g_time_zone_new_local());
	return c;
}

struct calendar *calendar_ref(struct calendar *c)
{
	g_atomic_int_inc(&c->refs);
	return c;
}

void calendar_free(struct calendar **c)
{
	if (c == NULL || *c == NULL)
		return;
	struct calendar *x = *c;
	*c = NULL;
	if (!g_atomic_int_dec_and_test(&x->refs))
		return;
	if (x->tz)
		g_time_zone_unref(x->tz);
	g_free(x->tz_name);
	g_hash_table_unref(x->special);
	g_string_chunk_free(x->names);
	g_free(x);
}

const char *calendar_timezone(const struct calendar *c)
{
	return c->tz_name;
}

GTimeZone *calendar_zone(const struct calendar *c)
{
	return c->tz;
}

void calendar_hours(const struct calendar *c, int *start_min, int *end_min)
{
	*start_min = c->start_min;
	*end_min = c->end_min;
}

unsigned calendar_special_days(const struct calendar *c)
{
	return g_hash_table_size(c->special);
}

/* ---- parsing ----------------------------------------------------------------- */

enum { KEY_TIMEZONE, KEY_WEEKEND, KEY_HOURS, NKEYS };
static const char *const key_names[NKEYS] = { "timezone", "weekend", "hours" };

struct parser {
	struct calendar *c;
	const char *name;
	GPtrArray *errors;
	unsigned line;
	unsigned nerrors;
	bool stopped;            /* CALENDAR_MAX_ERRORS reached */
	unsigned key_line[NKEYS];
};

static void perr(struct parser *p, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* perr - one "NAME:LINE: problem"; after CALENDAR_MAX_ERRORS the rest of
 * the file is not looked at, so a binary file makes a short list. */
static void perr(struct parser *p, const char *fmt, ...)
{
	p->nerrors++;
	if (p->errors == NULL) {
		p->stopped = p->nerrors >= CALENDAR_MAX_ERRORS;
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_ptr_array_add(p->errors, g_strdup_printf("%s:%u: %s", p->name, p->line, msg));
	g_free(msg);
	if (p->nerrors >= CALENDAR_MAX_ERRORS) {
		g_ptr_array_add(p->errors, g_strdup_printf(
			"%s:%u: too many errors, the rest of the file is not checked",
			p->name, p->line));
		p->stopped = true;
	}
}

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* trim - s without leading and trailing blanks, in place. */
static char *trim(char *s)
{
	while (is_blank(*s))
		s++;
	size_t n = strlen(s);
	while (n && is_blank(s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* next_word - the next blank-separated word of *s (NUL-terminated in
 * place), *s moved past it; NULL at the end. */
static char *next_word(char **s)
{
	char *w = *s;
	while (is_blank(*w))
		w++;
	if (*w == '\0')
		return NULL;
	char *e = w;
	while (*e && !is_blank(*e))
		e++;
	if (*e)
		*e++ = '\0';
	*s = e;
	return w;
}

/* date_problem - why s is not a usable date (NULL when it is). */
static const char *date_problem(const char *s, int *y, int *m, int *d)
{
	static const char shape[] = "dddd-dd-dd";
	if (strlen(s) != sizeof(shape) - 1)
		return "expected YYYY-MM-DD";
	for (size_t i = 0; shape[i]; i++)
		if (shape[i] == 'd' ? !g_ascii_isdigit(s[i]) : s[i] != '-')
			return "expected YYYY-MM-DD";
	*y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	*m = (s[5] - '0') * 10 + (s[6] - '0');
	*d = (s[8] - '0') * 10 + (s[9] - '0');
	int64_t day;
	if (*y < CALENDAR_YEAR_MIN || *y > CALENDAR_YEAR_MAX)
		return "year outside " G_STRINGIFY(CALENDAR_YEAR_MIN) ".." G_STRINGIFY(CALENDAR_YEAR_MAX);
	if (!ymd_to_day(*y, *m, *d, &day))
		return "no such date";
	return NULL;
}

bool calendar_parse_date(const char *s, int *y, int *m, int *d)
{
	int yy, mm, dd;
	if (s == NULL || date_problem(s, &yy, &mm, &dd))
		return false;
	*y = yy;
	*m = mm;
	*d = dd;
	return true;
}

/* valid_zone_name - the shapes of IANA names ("Asia/Shanghai",
 * "America/Port-au-Prince", "Etc/GMT-8", "UTC") and of offsets ("+08:00").
 * GLib treats a name starting with '/' as a file to read, so only these
 * shapes reach it. */
static bool valid_zone_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > ZONE_NAME_MAX)
		return false;
	if (s[0] == '+' || s[0] == '-') {
		for (size_t i = 1; i < n; i++)
			if (!g_ascii_isdigit(s[i]) && s[i] != ':')
				return false;
		return n > 1;
	}
	if (!g_ascii_isalpha(s[0]) || s[n - 1] == '/')
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (ch == '/' && s[i + 1] == '/')
			return false;
		if (!g_ascii_isalnum(ch) && ch != '_' && ch != '-' && ch != '+' && ch != '/')
			return false;
	}
	return true;
}

static void key_timezone(struct parser *p, char *v)
{
	GTimeZone *tz = NULL;
	if (g_ascii_strcasecmp(v, "local") == 0)
		tz = g_time_zone_new_local();
	else if (valid_zone_name(v))
		tz = g_time_zone_new_identifier(v);
	if (tz == NULL) {
		perr(p, "timezone: unknown time zone '%s' (an IANA name such as Asia/Shanghai)", v);
		return;
	}
	set_zone(p->c, tz);
	if (g_ascii_strcasecmp(v, "local") != 0) {
		g_free(p->c->tz_name);
		p->c->tz_name = g_strdup(v);
	}
}

static int weekday_index(const char *w)
{
	for (int i = 0; i < 7; i++)
		if (g_ascii_strcasecmp(w, weekday_abbr[i]) == 0 ||
		    g_ascii_strcasecmp(w, weekday_full[i]) == 0)
			return i;
	return -1;
}

static void key_weekend(struct parser *p, char *v)
{
	unsigned mask = 0, words = 0;
	bool none = false, ok = true;
	for (char *save = NULL, *w = strtok_r(v, " \t,", &save); w;
	     w = strtok_r(NULL, " \t,", &save)) {
		words++;
		int i = weekday_index(w);
		if (g_ascii_strcasecmp(w, "none") == 0) {
			none = true;
		} else if (i < 0) {
			perr(p, "weekend: unknown day '%s' (mon, tue, wed, thu, fri, sat, sun or none)", w);
			ok = false;
		} else {
			mask |= 1u << i;
		}
	}
	if (words == 0) {
		perr(p, "weekend: missing value");
		ok = false;
	}
	if (none && words > 1) {
		perr(p, "weekend: 'none' stands alone");
		ok = false;
	}
	if (ok)
		p->c->weekend = mask;
}

/* parse_clock - "H:MM" or "HH:MM" at *s, moved past it; 24:00 only when
 * allow_24 (the end of the day). */
static bool parse_clock(const char **s, bool allow_24, int *min)
{
	const char *q = *s;
	int h = 0, digits = 0;
	while (g_ascii_isdigit(*q) && digits < 2) {
		h = h * 10 + (*q++ - '0');
		digits++;
	}
	if (digits == 0 || *q != ':' || !g_ascii_isdigit(q[1]) || !g_ascii_isdigit(q[2]))
		return false;
	int mi = (q[1] - '0') * 10 + (q[2] - '0');
	if (mi > 59 || h > 24 || (h == 24 && (mi != 0 || !allow_24)))
		return false;
	*min = h * 60 + mi;
	*s = q + 3;
	return true;
}

static void key_hours(struct parser *p, char *v)
{
	const char *q = v;
	int start, end;
	bool ok = parse_clock(&q, false, &start);
	while (ok && is_blank(*q))
		q++;
	ok = ok && *q++ == '-';
	while (ok && is_blank(*q))
		q++;
	ok = ok && parse_clock(&q, true, &end) && *q == '\0';
	if (!ok) {
		perr(p, "hours: expected HH:MM-HH:MM such as 09:00-18:00, got '%s'", v);
		return;
	}
	if (end <= start) {
		perr(p, "hours: the end (%s) must come after the start", v);
		return;
	}
	p->c->start_min = start;
	p->c->end_min = end;
}

/* setting_line - "key = value". */
static void setting_line(struct parser *p, char *s)
{
	size_t klen = strcspn(s, " \t=");
	char *rest = s + klen;
	while (is_blank(*rest))
		rest++;
	if (*rest != '=') {
		perr(p, "expected 'key = value' or a date line, got '%s'", s);
		return;
	}
	s[klen] = '\0';
	char *v = trim(rest + 1);
	int k = -1;
	for (int i = 0; i < NKEYS; i++)
		if (g_ascii_strcasecmp(s, key_names[i]) == 0)
			k = i;
	if (k < 0) {
		perr(p, "unknown key '%s' (timezone, weekend or hours)", s);
		return;
	}
	if (p->key_line[k]) {
		perr(p, "%s given twice (first on line %u)", key_names[k], p->key_line[k]);
		return;
	}
	p->key_line[k] = p->line;
	if (*v == '\0') {
		perr(p, "%s: missing value", key_names[k]);
		return;
	}
	if (k == KEY_TIMEZONE)
		key_timezone(p, v);
	else if (k == KEY_WEEKEND)
		key_weekend(p, v);
	else
		key_hours(p, v);
}

/* parse_dates - "DATE" or "DATE..DATE" as day numbers. */
static bool parse_dates(struct parser *p, char *w, int64_t *first, int64_t *last)
{
	char *dots = strstr(w, "..");
	char *second = w;
	if (dots) {
		*dots = '\0';
		second = dots + 2;
	}
	int y, m, d;
	const char *why = date_problem(w, &y, &m, &d);
	if (why) {
		perr(p, "bad date '%s': %s", w, why);
		return false;
	}
	ymd_to_day(y, m, d, first);
	why = date_problem(second, &y, &m, &d);
	if (why) {
		perr(p, "bad date '%s': %s", second, why);
		return false;
	}
	ymd_to_day(y, m, d, last);
	if (*last < *first) {
		perr(p, "reversed range %s..%s", w, second);
		return false;
	}
	if (*last - *first + 1 > CALENDAR_MAX_RANGE) {
		perr(p, "range %s..%s spans %" PRId64 " days (at most %d)", w, second,
		     *last - *first + 1, CALENDAR_MAX_RANGE);
		return false;
	}
	return true;
}

/* add_days - list [first, last] as kind. A day listed again with the same
 * kind keeps its first name (or takes this one if it had none); with the
 * other kind it is an error, reported once per line. */
static void add_days(struct parser *p, int64_t first, int64_t last,
		     enum special_kind kind, const char *name)
{
	const char *stored = name ? g_string_chunk_insert_const(p->c->names, name) : NULL;
	int64_t conflict_day = 0;
	unsigned conflicts = 0, conflict_line = 0;
	enum special_kind conflict_kind = kind;
	for (int64_t day = first; day <= last; day++) {
		gpointer key = GINT_TO_POINTER((gint)day);
		struct special *s = g_hash_table_lookup(p->c->special, key);
		if (s == NULL) {
			s = g_new(struct special, 1);
			s->kind = kind;
			s->line = p->line;
			s->name = stored;
			g_hash_table_insert(p->c->special, key, s);
		} else if (s->kind == kind) {
			if (s->name == NULL)
				s->name = stored;
		} else if (conflicts++ == 0) {
			conflict_day = day;
			conflict_line = s->line;
			conflict_kind = s->kind;
		}
	}
	if (conflicts) {
		int y, m, d;
		day_to_ymd(conflict_day, &y, &m, &d);
		char more[48] = "";
		if (conflicts > 1)
			g_snprintf(more, sizeof more, " (and %u more days)", conflicts - 1);
		perr(p, "%04d-%02d-%02d%s already listed as %s on line %u, here as %s",
		     y, m, d, more, special_names[conflict_kind], conflict_line,
		     special_names[kind]);
	}
}

/* date_line - "DATE[..DATE] KIND [NAME]". */
static void date_line(struct parser *p, char *s)
{
	char *rest = s;
	char *dates = next_word(&rest);
	int64_t first, last;
	if (!parse_dates(p, dates, &first, &last))
		return;
	char *kind = next_word(&rest);
	if (kind == NULL) {
		perr(p, "missing kind after the date (holiday or workday)");
		return;
	}
	enum special_kind k;
	if (g_ascii_strcasecmp(kind, "holiday") == 0) {
		k = SPECIAL_HOLIDAY;
	} else if (g_ascii_strcasecmp(kind, "workday") == 0) {
		k = SPECIAL_WORKDAY;
	} else {
		perr(p, "unknown kind '%s' (holiday or workday)", kind);
		return;
	}
	char *name = trim(rest);
	add_days(p, first, last, k, *name ? name : NULL);
}

/* check_text - a line's bytes are UTF-8 without NUL or control characters
 * (a tab is a blank). */
static bool check_text(struct parser *p, const char *s, size_t n)
{
	if (memchr(s, '\0', n)) {
		perr(p, "NUL byte");
		return false;
	}
	if (!g_utf8_validate(s, (gssize)n, NULL)) {
		perr(p, "invalid UTF-8");
		return false;
	}
	for (const char *q = s; q < s + n; q = g_utf8_next_char(q)) {
		gunichar ch = g_utf8_get_char(q);
		if (ch != '\t' && g_unichar_iscntrl(ch)) {
			perr(p, "control character U+%04X", (unsigned)ch);
			return false;
		}
	}
	return true;
}

/* strip_comment - '#' starts a comment at the start of a line or after a
 * blank, so a name may still contain one ("C#"). */
static void strip_comment(char *s)
{
	for (char *q = s; *q; q++)
		if (*q == '#' && (q == s || is_blank(q[-1]))) {
			*q = '\0';
			return;
		}
}

static void parse_line(struct parser *p, const char *text, size_t n)
{
	if (n > CALENDAR_MAX_LINE) {
		perr(p, "line longer than %d bytes", CALENDAR_MAX_LINE);
		return;
	}
	if (!check_text(p, text, n))
		return;
	char buf[CALENDAR_MAX_LINE + 1];
	memcpy(buf, text, n);
	buf[n] = '\0';
	strip_comment(buf);
	char *s = trim(buf);
	if (*s == '\0')
		return;
	if (g_ascii_isdigit(*s))
		date_line(p, s);
	else
		setting_line(p, s);
}

struct calendar *calendar_parse(const char *name, const char *text, size_t len,
				GPtrArray *errors)
{
	if (len > CALENDAR_MAX_BYTES) {
		if (errors)
			g_ptr_array_add(errors, g_strdup_printf("%s: larger than %d bytes",
								name ? name : "calendar",
								CALENDAR_MAX_BYTES));
		return NULL;
	}
	if (name == NULL)
		name = "calendar";
	struct parser p = { .c = calendar_alloc(), .name = name, .errors = errors };
	set_zone(p.c, g_time_zone_new_local());
	size_t pos = 0;
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		pos = 3;  /* a byte order mark some editors write */
	while (pos < len && !p.stopped) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		size_t n = end - pos;
		if (n && text[end - 1] == '\r')
			n--;
		p.line++;
		parse_line(&p, text + pos, n);
		pos = nl ? end + 1 : len;
	}
	if (p.nerrors) {
		calendar_free(&p.c);
		return NULL;
	}
	return p.c;
}

struct calendar *calendar_load(const char *path, GPtrArray *errors)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		if (errors)
			g_ptr_array_add(errors, g_strdup_printf("%s: %s", path, g_strerror(errno)));
		return NULL;
	}
	/* read at most one byte past the limit: enough to know it is too big,
	 * and a device that never ends cannot fill memory */
	GString *text = g_string_new(NULL);
	char chunk[8192];
	size_t got;
	while (text->len <= CALENDAR_MAX_BYTES &&
	       (got = fread(chunk, 1, MIN(sizeof chunk, CALENDAR_MAX_BYTES + 1 - text->len), f)) > 0)
		g_string_append_len(text, chunk, (gssize)got);
	bool failed = ferror(f);
	int saved = errno;
	fclose(f);
	struct calendar *c = NULL;
	if (failed) {
		if (errors)
			g_ptr_array_add(errors, g_strdup_printf("%s: %s", path, g_strerror(saved)));
	} else {
		c = calendar_parse(path, text->str, text->len, errors);
	}
	g_string_free(text, TRUE);
	return c;
}

/* ---- questions ------------------------------------------------------------- */

const char *calendar_day_kind(const struct calendar *c, int y, int m, int d,
			      const char **note)
{
	int64_t day;
	if (note)
		*note = NULL;
	if (!ymd_to_day(y, m, d, &day))
		return NULL;
	return kind_names[kind_of(c, day, note)];
}

bool calendar_is_workday(const struct calendar *c, int y, int m, int d)
{
	int64_t day;
	return ymd_to_day(y, m, d, &day) && is_work(c, day);
}

int64_t calendar_add_working_days(const struct calendar *c, int64_t from,
				  unsigned n)
{
	int64_t day;
	if (!to_local(c, from, &day, NULL))
		return INT64_MAX;
	if (n == 0 && !is_work(c, day) && !next_working_day(c, day, &day))
		return INT64_MAX;
	for (unsigned i = 0; i < n; i++)
		if (!next_working_day(c, day, &day))
			return INT64_MAX;
	int64_t t = from_local(c, day, c->end_min);
	return t > CALENDAR_TIME_MAX ? INT64_MAX : t;
}

int64_t calendar_working_seconds(const struct calendar *c, int64_t from,
				 int64_t to)
{
	from = CLAMP(from, CALENDAR_TIME_MIN, CALENDAR_TIME_MAX);
	to = CLAMP(to, CALENDAR_TIME_MIN, CALENDAR_TIME_MAX);
	int64_t first, last, total = 0;
	if (to <= from || !to_local(c, from, &first, NULL) || !to_local(c, to, &last, NULL))
		return 0;
	for (int64_t day = first; day <= last; day++) {
		if (!is_work(c, day))
			continue;
		int64_t lo = MAX(from, from_local(c, day, c->start_min));
		int64_t hi = MIN(to, from_local(c, day, c->end_min));
		if (hi > lo)
			total += hi - lo;
	}
	return total;
}

int64_t calendar_add_working_seconds(const struct calendar *c, int64_t from,
				     int64_t secs)
{
	int64_t day;
	if (secs <= 0)
		return from;
	if (!to_local(c, from, &day, NULL))
		return INT64_MAX;
	for (int64_t idle = 0; day <= DAY_MAX; day++) {
		if (!is_work(c, day)) {
			if (++idle > CALENDAR_SCAN_DAYS)
				break;
			continue;
		}
		idle = 0;
		int64_t lo = MAX(from, from_local(c, day, c->start_min));
		int64_t hi = from_local(c, day, c->end_min);
		if (hi <= lo)
			continue;
		if (secs <= hi - lo)
			return lo + secs > CALENDAR_TIME_MAX ? INT64_MAX : lo + secs;
		secs -= hi - lo;
	}
	return INT64_MAX;
}

bool calendar_local_date(const struct calendar *c, int64_t t, int *y, int *m,
			 int *d)
{
	int64_t day;
	return to_local(c, t, &day, NULL) && day_to_ymd(day, y, m, d);
}

char *calendar_format_time_lang(const struct calendar *c, int64_t t, const char *lang)
{
	bool zh = lang && !strcmp(lang, "zh");
	int64_t day;
	int sec, y, m, d;
	if (t == INT64_MAX)
		return g_strdup(zh ? "无期限" : "never");
	if (!to_local(c, t, &day, &sec) || !day_to_ymd(day, &y, &m, &d))
		return g_strdup_printf("@%" PRId64, t);
	gint i = g_time_zone_find_interval(c->tz, G_TIME_TYPE_UNIVERSAL, t);
	int off = g_time_zone_get_offset(c->tz, MAX(i, 0)) / 60;
	int aoff = off < 0 ? -off : off;
	GString *s = g_string_new(NULL);
	g_string_printf(s, "%04d-%02d-%02d %s %02d:%02d", y, m, d,
			(zh ? weekday_zh : weekday_show)[weekday(day)], sec / 3600, sec / 60 % 60);
	if (sec % 60)
		g_string_append_printf(s, ":%02d", sec % 60);
	g_string_append_printf(s, " %c%02d:%02d", off < 0 ? '-' : '+', aoff / 60, aoff % 60);
	return g_string_free(s, FALSE);
}

char *calendar_format_time(const struct calendar *c, int64_t t)
{
	return calendar_format_time_lang(c, t, "en");
}

const char *calendar_weekday_name(int y, int m, int d)
{
	int64_t day;
	return ymd_to_day(y, m, d, &day) ? weekday_show[weekday(day)] : NULL;
}

char *calendar_date_text(int y, int m, int d, const char *lang)
{
	static const char *const months[] = {
		"January", "February", "March", "April", "May", "June", "July",
		"August", "September", "October", "November", "December",
	};
	int64_t day;
	if (!ymd_to_day(y, m, d, &day))
		return NULL;
	/* no leading zeros: 12月9日 and 9 December, as people write them */
	if (!g_strcmp0(lang, "en"))
		return g_strdup_printf("%d %s %d", d, months[m - 1], y);
	return g_strdup_printf("%d年%d月%d日", y, m, d);
}

char *calendar_format_date(const struct calendar *c, int64_t t, const char *lang)
{
	int y, m, d;
	if (t == 0 || t == INT64_MAX || !calendar_local_date(c, t, &y, &m, &d))
		return NULL;
	return calendar_date_text(y, m, d, lang);
}

bool calendar_lists_year(const struct calendar *c, int y)
{
	int64_t first, last;
	if (!ymd_to_day(y, 1, 1, &first) || !ymd_to_day(y, 12, 31, &last))
		return false;
	GHashTableIter it;
	gpointer key;
	g_hash_table_iter_init(&it, c->special);
	while (g_hash_table_iter_next(&it, &key, NULL)) {
		int64_t day = GPOINTER_TO_INT(key);
		if (day >= first && day <= last)
			return true;
	}
	return false;
}
