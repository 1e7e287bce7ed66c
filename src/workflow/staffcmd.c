/* staffcmd - commands at the top of a staff reply. */
#include "workflow/staffcmd.h"

#include <stdarg.h>
#include <string.h>
#include <glib.h>

#include "lib/stafftoken.h"

static const char *const kind_names[STAFFCMD_N_KINDS] = {
	[STAFFCMD_STATUS] = "status",
	[STAFFCMD_SEVERITY] = "severity",
	[STAFFCMD_CATEGORY] = "category",
	[STAFFCMD_ASSIGN] = "assign",
	[STAFFCMD_NOTE] = "note",
	[STAFFCMD_VALID] = "valid",
	[STAFFCMD_RESPONSIBLE] = "responsible",
	[STAFFCMD_COMPENSATION] = "compensation",
	[STAFFCMD_CAUSE] = "cause",
	[STAFFCMD_PLAN] = "plan",
	[STAFFCMD_APPROVE] = "approve",
	[STAFFCMD_REJECT] = "reject",
	[STAFFCMD_REPORT] = "report",
	[STAFFCMD_ESCALATE] = "escalate",
};
#define KNOWN "#status, #severity, #category, #assign, #note, #valid, #responsible, " \
	"#compensation, #cause, #plan, #approve, #reject, #report, #escalate"
#define KNOWN_ZH "#status、#severity、#category、#assign、#note、#valid、#responsible、" \
	"#compensation、#cause、#plan、#approve、#reject、#report、#escalate"

/* A value as typed (compared case-insensitively) and as stored. */
struct value {
	const char *in, *out;
};
static const struct value statuses[] = {
	{ "in_progress", "in_progress" }, { "in-progress", "in_progress" },
	{ "resolved", "resolved" }, { "closed", "closed" },
};
static const struct value severities[] = { { "a", "A" }, { "b", "B" }, { "c", "C" } };
static const struct value validity[] = {
	{ "yes", "yes" }, { "no", "no" }, { "有效", "yes" }, { "无效", "no" },
	{ "有效投诉", "yes" }, { "无效投诉", "no" }, { "valid", "yes" }, { "invalid", "no" },
};
static const struct value categories[] = {
	{ "quality", "quality" }, { "service", "service" }, { "price", "price" },
	{ "infringement", "infringement" }, { "other", "other" },
};

/* Longest piece of a wrong command quoted back in an error, characters. */
enum { SHOWN_MAX = 40 };
/* Longest #responsible and #cause / compensation text, characters. */
enum { UNIT_MAX = 100, CAUSE_MAX = 500 };
/* The largest compensation: 999,999,999.99 in any currency. */
#define AMOUNT_MAX_CENTS INT64_C(99999999999)

struct parser {
	struct staffcmd_result *out;
	bool zh;                          /* errors in Chinese */
	GPtrArray *errors;
	unsigned first[STAFFCMD_N_KINDS]; /* line of the first of each kind */
};

const char *staffcmd_kind_name(enum staffcmd_kind kind)
{
	return (unsigned)kind < STAFFCMD_N_KINDS ? kind_names[kind] : "?";
}

static void G_GNUC_PRINTF(3, 4) error(struct parser *ps, unsigned line, const char *fmt, ...)
{
	if (ps->errors->len > STAFFCMD_MAX_ERRORS)
		return;
	if (ps->errors->len == STAFFCMD_MAX_ERRORS) {
		g_ptr_array_add(ps->errors, g_strdup_printf(
			ps->zh ? "错误超过 %d 处；请先改正以上错误，再重新回复"
			       : "more than %d errors; fix the ones above and send the reply again",
			STAFFCMD_MAX_ERRORS));
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_ptr_array_add(ps->errors, g_strdup_printf(ps->zh ? "第 %u 行：%s" : "line %u: %s", line,
						    msg));
	g_free(msg);
}

/* shown - what the writer typed, fit to be quoted in an error mail: valid
 * UTF-8, no control characters, at most SHOWN_MAX characters. g_free. */
static char *shown(const char *p, size_t n)
{
	char *v = g_utf8_make_valid(p, (gssize)n);
	for (char *q = v; *q; q++)
		if ((guchar)*q < 0x20 || *q == 0x7f)
			*q = '?';
	if (g_utf8_strlen(v, -1) > SHOWN_MAX) {
		char *cut = g_utf8_offset_to_pointer(v, SHOWN_MAX);
		*cut = '\0';
		char *longer = g_strconcat(v, "...", NULL);
		g_free(v);
		v = longer;
	}
	return v;
}

/* space_at - bytes of the white space at p: ASCII space or tab, U+00A0,
 * or the ideographic space U+3000 that Chinese input methods type. */
static size_t space_at(const char *p, const char *end)
{
	const guchar *u = (const guchar *)p;
	if (p < end && (*p == ' ' || *p == '\t'))
		return 1;
	if (end - p >= 2 && u[0] == 0xC2 && u[1] == 0xA0)
		return 2;
	if (end - p >= 3 && u[0] == 0xE3 && u[1] == 0x80 && u[2] == 0x80)
		return 3;
	return 0;
}

static const char *skip_space(const char *p, const char *end)
{
	size_t k;
	while ((k = space_at(p, end)))
		p += k;
	return p;
}

static const char *trim_end(const char *p, const char *end)
{
	const guchar *u = (const guchar *)end;
	while (end > p) {
		if (end[-1] == ' ' || end[-1] == '\t')
			end -= 1;
		else if (end - p >= 2 && u[-2] == 0xC2 && u[-1] == 0xA0)
			end -= 2;
		else if (end - p >= 3 && u[-3] == 0xE3 && u[-2] == 0x80 && u[-1] == 0x80)
			end -= 3;
		else
			break;
		u = (const guchar *)end;
	}
	return end;
}

/* colon_len - 1 for ':', 3 for the full-width '：', else 0. */
static size_t colon_len(const char *p, const char *end)
{
	if (p < end && *p == ':')
		return 1;
	if (end - p >= 3 && memcmp(p, "：", 3) == 0)
		return 3;
	return 0;
}

/* hash_len - 1 for '#', 3 for the full-width '＃', else 0. */
static size_t hash_len(const char *p, const char *end)
{
	if (p < end && *p == '#')
		return 1;
	if (end - p >= 3 && memcmp(p, "＃", 3) == 0)
		return 3;
	return 0;
}

/* pick - v (n bytes) from the table; an error naming the allowed values
 * when it is missing or not there. */
static char *pick(struct parser *ps, unsigned line, enum staffcmd_kind kind, const char *v,
		  size_t n, const struct value *table, size_t tn, const char *allowed)
{
	if (n == 0) {
		error(ps, line, ps->zh ? "#%s 需要一个值：%s" : "#%s needs a value: %s",
		      kind_names[kind], allowed);
		return NULL;
	}
	for (size_t i = 0; i < tn; i++)
		if (strlen(table[i].in) == n && g_ascii_strncasecmp(v, table[i].in, n) == 0)
			return g_strdup(table[i].out);
	char *s = shown(v, n);
	error(ps, line, ps->zh ? "#%s 不能是“%s”，可用的值：%s" : "#%s \"%s\" is not allowed; use %s",
	      kind_names[kind], s, allowed);
	g_free(s);
	return NULL;
}

static char *assignee(struct parser *ps, unsigned line, const char *v, size_t n)
{
	if (n == 0) {
		error(ps, line, ps->zh ? "#assign 需要一个邮箱地址，例如 #assign name@example.com"
				       : "#assign needs an address, e.g. #assign name@example.com");
		return NULL;
	}
	char *a = g_strndup(v, n);
	if (strlen(a) == n && stafftoken_addr_ok(a))
		return a;
	char *s = shown(v, n);
	error(ps, line, ps->zh ? "#assign 后的“%s”不是单纯的邮箱地址；请写成 name@example.com "
				 "的形式（不带姓名，不带 <>）"
			       : "#assign \"%s\" is not a plain e-mail address; write it as "
				 "name@example.com (no name, no <>)", s);
	g_free(s);
	g_free(a);
	return NULL;
}

/* one_line - v (n bytes) as valid UTF-8 with controls and runs of white
 * space (ideographic and no-break spaces too) made one space. g_free. */
static char *one_line(const char *v, size_t n)
{
	char *u = g_utf8_make_valid(v, (gssize)n);
	GString *o = g_string_sized_new(n);
	const char *end = u + strlen(u);
	for (const char *q = u; q < end;) {
		size_t k = space_at(q, end);
		if (k || (guchar)*q < 0x20 || *q == 0x7f) {
			if (o->len && o->str[o->len - 1] != ' ')
				g_string_append_c(o, ' ');
			q += k ? k : 1;
			continue;
		}
		g_string_append_c(o, *q++);
	}
	g_free(u);
	if (o->len && o->str[o->len - 1] == ' ')
		g_string_truncate(o, o->len - 1);
	return g_string_free(o, FALSE);
}

/* text_value - the free text of #responsible or #cause: required, at most
 * max characters once made one line. */
static char *text_value(struct parser *ps, unsigned line, enum staffcmd_kind kind,
			const char *v, size_t n, unsigned max, const char *example)
{
	char *t = one_line(v, n);
	if (!*t) {
		error(ps, line, ps->zh ? "#%s 需要一个值，例如 #%s %s"
				       : "#%s needs a value, e.g. #%s %s", kind_names[kind],
		      kind_names[kind], example);
	} else if (g_utf8_strlen(t, -1) > max) {
		error(ps, line, ps->zh ? "#%s 超过 %u 个字；请写短一些（详细情况写在 #note 里）"
				       : "#%s is longer than %u characters; say it shorter "
					 "(details go in a #note)", kind_names[kind], max);
	} else {
		return t;
	}
	g_free(t);
	return NULL;
}

/* amount - digits with optional ',' between groups and up to two
 * decimals, in hundredths; the bytes read, 0 when there is no amount. */
static size_t amount(const char *p, const char *end, int64_t *cents)
{
	const char *q = p;
	int64_t whole = 0;
	unsigned digits = 0;
	while (q < end && (g_ascii_isdigit(*q) ||
			   (*q == ',' && digits && q + 1 < end && g_ascii_isdigit(q[1])))) {
		if (*q != ',') {
			if (whole > AMOUNT_MAX_CENTS / 100)
				return 0;
			whole = whole * 10 + (*q - '0');
			digits++;
		}
		q++;
	}
	if (!digits)
		return 0;
	int64_t frac = 0;
	if (q + 1 < end && *q == '.' && g_ascii_isdigit(q[1])) {
		frac = (q[1] - '0') * 10;
		q += 2;
		if (q < end && g_ascii_isdigit(*q))
			frac += *q++ - '0';
		if (q < end && g_ascii_isdigit(*q))
			return 0; /* a third decimal: not money */
	}
	*cents = whole * 100 + frac;
	return *cents <= AMOUNT_MAX_CENTS ? (size_t)(q - p) : 0;
}

/* currency_at - the currency named at p: a yuan sign, 元 or RMB for CNY,
 * else three ASCII letters ending there; the bytes read, 0 when none. */
static size_t currency_at(const char *p, const char *end, char cur[4])
{
	static const char *const yuan[] = { "\xC2\xA5", "\xEF\xBF\xA5", "元", "人民币" };
	for (size_t i = 0; i < G_N_ELEMENTS(yuan); i++) {
		size_t k = strlen(yuan[i]);
		if ((size_t)(end - p) >= k && memcmp(p, yuan[i], k) == 0) {
			memcpy(cur, "CNY", 4);
			return k;
		}
	}
	if (end - p < 3 || !g_ascii_isalpha(p[0]) || !g_ascii_isalpha(p[1]) ||
	    !g_ascii_isalpha(p[2]) || (end - p > 3 && g_ascii_isalnum(p[3])))
		return 0;
	for (int i = 0; i < 3; i++)
		cur[i] = g_ascii_toupper(p[i]);
	cur[3] = '\0';
	if (!strcmp(cur, "RMB"))
		memcpy(cur, "CNY", 4);
	return 3;
}

/* compensation - "#compensation 200 CNY text" (also "¥200 text",
 * "200元 text", "USD 1,200.50"): the amount and currency into c, the
 * text as its arg. */
static bool compensation(struct parser *ps, unsigned line, const char *p, size_t n,
			 struct staffcmd *c)
{
	const char *end = p + n, *q = p;
	char cur[4] = "";
	size_t k = currency_at(q, end, cur); /* "¥200", "USD 200" */
	q = skip_space(q + k, end);
	size_t an = amount(q, end, &c->amount_cents);
	if (!an) {
		char *s = shown(p, n);
		error(ps, line, ps->zh ? "#compensation“%s”：请先写金额（最多 999,999,999.99，"
					 "两位小数），再写币种：#compensation 200 元 换新一双"
				       : "#compensation \"%s\": give the amount first (at most "
					 "999,999,999.99, two decimals), then the currency: "
					 "#compensation 200 CNY replacement pair", s);
		g_free(s);
		return false;
	}
	q = skip_space(q + an, end);
	char named[4] = "";
	if ((k = currency_at(q, end, named)))
		q += k;
	if (!*named && !*cur) {
		error(ps, line, ps->zh ? "#compensation 的金额后需要币种（元、人民币，"
					 "或 CNY、HKD、TWD、USD 这样的三个字母）"
				       : "#compensation needs a currency after the amount "
					 "(three letters such as CNY, HKD, TWD, USD; 元 or RMB for CNY)");
		return false;
	}
	memcpy(c->currency, *named ? named : cur, 4);
	char *text = one_line(q, (size_t)(end - q));
	if (g_utf8_strlen(text, -1) > CAUSE_MAX) {
		error(ps, line, ps->zh ? "#compensation 的说明超过 %u 个字"
				       : "#compensation text is longer than %u characters", CAUSE_MAX);
		g_free(text);
		return false;
	}
	c->arg = text;
	return true;
}

/* optional_comment - the words after #approve, if any: at most
 * CAUSE_MAX characters, made one line. */
static char *optional_comment(struct parser *ps, unsigned line, const char *v, size_t n)
{
	char *t = one_line(v, n);
	if (g_utf8_strlen(t, -1) <= CAUSE_MAX)
		return t;
	error(ps, line, ps->zh ? "#approve 后的意见超过 %u 个字" : "#approve comment is longer "
	      "than %u characters", CAUSE_MAX);
	g_free(t);
	return NULL;
}

/* command - one command line; p is just after the '#', end its end. */
static void command(struct parser *ps, unsigned line, const char *p, const char *end)
{
	const char *name = p;
	while (p < end && !colon_len(p, end) && !space_at(p, end))
		p++;
	size_t n = (size_t)(p - name);
	p = skip_space(p, end);
	p += colon_len(p, end);
	p = skip_space(p, end);
	const char *vend = trim_end(p, end);
	size_t vn = (size_t)(vend - p);

	if (n == 0) {
		error(ps, line, ps->zh ? "“#”后面没有命令名；可用的命令：" KNOWN_ZH
				       : "\"#\" without a command name; known commands: " KNOWN);
		return;
	}
	int kind = -1;
	for (int k = 0; k < STAFFCMD_N_KINDS; k++)
		if (strlen(kind_names[k]) == n && g_ascii_strncasecmp(name, kind_names[k], n) == 0)
			kind = k;
	if (kind < 0) {
		char *s = shown(name, n);
		error(ps, line, ps->zh ? "没有“#%s”这个命令；可用的命令：" KNOWN_ZH
				       : "unknown command \"#%s\"; known commands: " KNOWN, s);
		g_free(s);
		return;
	}
	if (ps->first[kind]) {
		error(ps, line, ps->zh ? "#%s 写了两次（第一次在第 %u 行）；每个命令只能写一次"
				       : "#%s given twice (first on line %u); give each command once",
		      kind_names[kind], ps->first[kind]);
		return;
	}
	ps->first[kind] = line;
	struct staffcmd c = { .kind = (enum staffcmd_kind)kind, .line = line };
	char *arg = NULL;
	switch ((enum staffcmd_kind)kind) {
	case STAFFCMD_STATUS:
		arg = pick(ps, line, kind, p, vn, statuses, G_N_ELEMENTS(statuses),
			   ps->zh ? "in_progress（处理中）、resolved（已解决）或 closed（已结案）"
				  : "in_progress, resolved or closed");
		break;
	case STAFFCMD_SEVERITY:
		arg = pick(ps, line, kind, p, vn, severities, G_N_ELEMENTS(severities),
			   ps->zh ? "A、B 或 C" : "A, B or C");
		break;
	case STAFFCMD_CATEGORY:
		arg = pick(ps, line, kind, p, vn, categories, G_N_ELEMENTS(categories),
			   ps->zh ? "quality（产品质量）、service（服务质量）、price（价格）、"
				    "infringement（侵权）或 other（其他）"
				  : "quality, service, price, infringement or other");
		break;
	case STAFFCMD_ASSIGN:
		arg = assignee(ps, line, p, vn);
		break;
	case STAFFCMD_NOTE:
		arg = g_strndup(p, vn);
		ps->out->note = true;
		ps->out->internal = true;
		break;
	case STAFFCMD_VALID:
		arg = pick(ps, line, kind, p, vn, validity, G_N_ELEMENTS(validity),
			   ps->zh ? "yes（有效）或 no（无效）" : "yes or no (有效 or 无效)");
		break;
	case STAFFCMD_RESPONSIBLE:
		arg = text_value(ps, line, kind, p, vn, UNIT_MAX,
				 ps->zh ? "售后服务部" : "after-sales, Shop 12");
		break;
	case STAFFCMD_COMPENSATION:
		if (compensation(ps, line, p, vn, &c))
			arg = c.arg;
		break;
	case STAFFCMD_CAUSE:
		arg = text_value(ps, line, kind, p, vn, CAUSE_MAX,
				 ps->zh ? "供应商 2411 批次胶水不合格" : "supplier batch 2411 glue");
		break;
	case STAFFCMD_PLAN:
	case STAFFCMD_REPORT:
		/* the rest of the line opens the text; the reply's text follows */
		arg = one_line(p, vn);
		ps->out->internal = true;
		break;
	case STAFFCMD_APPROVE:
		arg = optional_comment(ps, line, p, vn);
		break;
	case STAFFCMD_REJECT:
		arg = text_value(ps, line, kind, p, vn, CAUSE_MAX,
				 ps->zh ? "预算不够，请改为换货" : "too costly, offer an exchange");
		break;
	case STAFFCMD_ESCALATE:
		arg = text_value(ps, line, kind, p, vn, CAUSE_MAX,
				 ps->zh ? "客户已向 12315 投诉" : "the customer went to the 12315 hotline");
		break;
	case STAFFCMD_N_KINDS:
		break;
	}
	if (arg) {
		c.arg = arg;
		ps->out->cmds[ps->out->n_cmds++] = c;
	}
}

/* body - the text after the commands; for a note the rest of the #note
 * line comes first, since "#note called the customer" is a one-line note. */
static char *body(const struct staffcmd_result *r, const char *rest)
{
	const struct staffcmd *note = staffcmd_find(r, STAFFCMD_NOTE);
	if (!note)
		note = staffcmd_find(r, STAFFCMD_PLAN);
	if (!note)
		note = staffcmd_find(r, STAFFCMD_REPORT);
	if (!note || !*note->arg)
		return g_strdup(rest);
	if (!*rest)
		return g_strdup(note->arg);
	return g_strconcat(note->arg, "\n", rest, NULL);
}

/* one_internal - #note, #plan and #report each make the reply's text
 * theirs: one of them per reply, and a plan or report is not empty. */
static void one_internal(struct parser *ps, const struct staffcmd_result *r)
{
	static const enum staffcmd_kind kinds[] = { STAFFCMD_NOTE, STAFFCMD_PLAN, STAFFCMD_REPORT };
	const struct staffcmd *first = NULL;
	for (size_t i = 0; i < G_N_ELEMENTS(kinds); i++) {
		const struct staffcmd *c = staffcmd_find(r, kinds[i]);
		if (!c)
			continue;
		if (first) {
			error(ps, c->line, ps->zh ? "#%s 和 #%s 不能写在同一封回复里（正文只能属于"
						    "其中一个）；请分开回复"
						  : "#%s and #%s in one reply: the text can only be one "
						    "of them; send them in separate replies",
			      kind_names[first->kind], kind_names[c->kind]);
			return;
		}
		first = c;
	}
	if (first && first->kind != STAFFCMD_NOTE && !*g_strstrip(r->text))
		error(ps, first->line, ps->zh ? "#%s 后面没有内容：把%s写在命令后面或回复正文里"
					      : "#%s is empty: write the %s after the command or "
						"in the reply's text", kind_names[first->kind],
		      first->kind == STAFFCMD_PLAN ? (ps->zh ? "处理方案" : "plan")
						   : (ps->zh ? "调查报告" : "report"));
}

/* conflicts - commands that cannot go together: #approve and #reject,
 * #escalate and #severity. */
static void conflicts(struct parser *ps, const struct staffcmd_result *r)
{
	static const enum staffcmd_kind pairs[][2] = {
		{ STAFFCMD_APPROVE, STAFFCMD_REJECT }, { STAFFCMD_SEVERITY, STAFFCMD_ESCALATE },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(pairs); i++) {
		const struct staffcmd *a = staffcmd_find(r, pairs[i][0]);
		const struct staffcmd *b = staffcmd_find(r, pairs[i][1]);
		if (a && b)
			error(ps, MAX(a->line, b->line), ps->zh ? "#%s 和 #%s 不能同时使用；请只写其一"
								: "#%s and #%s contradict each "
								  "other; give one of them",
			      kind_names[a->kind], kind_names[b->kind]);
	}
}

int staffcmd_parse(const char *fresh, struct staffcmd_result *out)
{
	return staffcmd_parse_lang(fresh, "en", out);
}

int staffcmd_parse_lang(const char *fresh, const char *lang, struct staffcmd_result *out)
{
	memset(out, 0, sizeof(*out));
	struct parser ps = { .out = out, .errors = g_ptr_array_new(),
			     .zh = lang && !strcmp(lang, "zh") };
	const char *p = fresh ? fresh : "";
	if (g_str_has_prefix(p, "\xEF\xBB\xBF"))
		p += 3; /* a byte-order mark is not part of the first line */
	unsigned line = 0;
	while (*p) {
		line++;
		const char *nl = strchr(p, '\n');
		const char *e = nl ? nl : p + strlen(p);
		const char *le = e > p && e[-1] == '\r' ? e - 1 : e;
		const char *s = skip_space(p, le);
		if (s < le) {
			size_t h = hash_len(s, le);
			if (!h)
				break; /* p is the first line of text */
			command(&ps, line, s + h, le);
		}
		p = nl ? nl + 1 : e;
	}
	out->text = body(out, p);
	one_internal(&ps, out);
	conflicts(&ps, out);
	out->n_errors = ps.errors->len;
	g_ptr_array_add(ps.errors, NULL);
	out->errors = (char **)g_ptr_array_free(ps.errors, FALSE);
	return (int)out->n_errors;
}

void staffcmd_result_clear(struct staffcmd_result *r)
{
	if (!r)
		return;
	for (unsigned i = 0; i < r->n_cmds; i++)
		g_free(r->cmds[i].arg);
	g_strfreev(r->errors);
	g_free(r->text);
	memset(r, 0, sizeof(*r));
}

const struct staffcmd *staffcmd_find(const struct staffcmd_result *r, enum staffcmd_kind kind)
{
	for (unsigned i = 0; i < r->n_cmds; i++)
		if (r->cmds[i].kind == kind)
			return &r->cmds[i];
	return NULL;
}
