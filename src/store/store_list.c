/* store_list - the queries behind complaintctl list, search and export:
 * one WHERE put together from fixed clauses, values bound. See
 * store_list.h. */
#include "store/store_list.h"

#include <string.h>

#include "store/store-private.h"

static const char *const status_names[STORE_STATUS_COUNT] = {
	[STORE_STATUS_NEW] = "new", [STORE_STATUS_ACKNOWLEDGED] = "acknowledged",
	[STORE_STATUS_IN_PROGRESS] = "in_progress", [STORE_STATUS_RESOLVED] = "resolved",
	[STORE_STATUS_CLOSED] = "closed", [STORE_STATUS_REOPENED] = "reopened",
};

/* The deadline columns (what meets each is store_due_met). Fixed text,
 * spliced from this table only. */
static const char *const due_column[STORE_DUE_COUNT] = {
	[STORE_DUE_ACK] = "c.due_ack", [STORE_DUE_PLAN] = "c.due_plan",
	[STORE_DUE_INVESTIGATION] = "c.due_investigation",
	[STORE_DUE_HANDLING] = "c.due_handling", [STORE_DUE_FEEDBACK] = "c.due_feedback",
	[STORE_DUE_CLOSURE] = "c.due_closure",
};

static const char *const order_by[] = {
	[STORE_SORT_CREATED] = " ORDER BY c.created_at DESC, c.id DESC",
	[STORE_SORT_UPDATED] = " ORDER BY c.updated_at DESC, c.id DESC",
	[STORE_SORT_SEVERITY] = " ORDER BY c.severity, c.created_at DESC, c.id DESC",
};

/* The most values one query binds: ref, customer, the statuses, category,
 * severity, department, the two dates, now per deadline, the text twice,
 * product and order, the limit. The times among them are the two dates and the deadlines'
 * now; both counts must fit struct pb. */
#define MAX_BINDS (6 + STORE_STATUS_COUNT + 2 + STORE_DUE_COUNT + 2 + 2 + 1)
G_STATIC_ASSERT(MAX_BINDS <= G_N_ELEMENTS(((struct pb *)0)->b));
G_STATIC_ASSERT(2 + STORE_DUE_COUNT <= G_N_ELEMENTS(((struct pb *)0)->t));

const char *store_status_name(enum store_status st)
{
	return (unsigned)st < STORE_STATUS_COUNT ? status_names[st] : NULL;
}

bool store_status_parse(const char *name, enum store_status *st)
{
	for (unsigned i = 0; name && i < STORE_STATUS_COUNT; i++) {
		if (!strcmp(name, status_names[i])) {
			*st = (enum store_status)i;
			return true;
		}
	}
	return false;
}

void store_list_item_free(struct store_list_item *it)
{
	if (!it)
		return;
	g_free(it->ref);
	g_free(it->channel);
	g_free(it->status);
	g_free(it->category);
	g_free(it->department);
	g_free(it->assignee);
	g_free(it->customer_addr);
	g_free(it->customer_name);
	g_free(it->taken_by);
	g_free(it->customer_phone);
	g_free(it->subject);
	g_free(it->product);
	g_free(it->order_no);
	g_free(it);
}

/* ---- the query ------------------------------------------------------------ */

/* A query being put together: the SQL after the column list, the values
 * bound in the order their placeholders appear, and the LIKE patterns
 * the binds point at (they must live until the statement has run). */
struct query {
	GString *sql;
	struct pb p;
	GPtrArray *patterns;
	bool where;
};

static void clause(struct query *q, const char *sql)
{
	g_string_append(q->sql, q->where ? " AND " : " WHERE ");
	g_string_append(q->sql, sql);
	q->where = true;
}

/* like_pattern - text as a LIKE pattern for how: its own %, _ and \
 * escaped with \ (the ESCAPE of every LIKE here), then % where the match
 * may run on. Kept in q until the query is done. */
static const char *like_pattern(struct query *q, const char *text, enum store_match how)
{
	GString *p = g_string_sized_new(strlen(text) + 2);
	if (how == STORE_MATCH_SUFFIX || how == STORE_MATCH_CONTAINS)
		g_string_append_c(p, '%');
	for (const char *c = text; *c; c++) {
		if (*c == '%' || *c == '_' || *c == '\\')
			g_string_append_c(p, '\\');
		g_string_append_c(p, *c);
	}
	if (how == STORE_MATCH_PREFIX || how == STORE_MATCH_CONTAINS)
		g_string_append_c(p, '%');
	char *s = g_string_free(p, FALSE);
	g_ptr_array_add(q->patterns, s);
	return s;
}

/* text_clause - column compared with value as how says: = for the whole
 * value (the column's collation decides about case), LIKE otherwise. */
static void text_clause(struct query *q, const char *column, const char *value,
			enum store_match how)
{
	char *sql;
	if (how == STORE_MATCH_EXACT) {
		sql = g_strdup_printf("%s = ?", column);
		pb_str(&q->p, value);
	} else {
		sql = g_strdup_printf("%s LIKE ? ESCAPE '\\\\'", column);
		pb_str(&q->p, like_pattern(q, value, how));
	}
	clause(q, sql);
	g_free(sql);
}

static void statuses_clause(struct query *q, unsigned set)
{
	GString *sql = g_string_new("c.status IN (");
	unsigned n = 0;
	for (unsigned i = 0; i < STORE_STATUS_COUNT; i++) {
		if (!(set & (1u << i)))
			continue;
		g_string_append(sql, n++ ? ", ?" : "?");
		pb_str(&q->p, status_names[i]);
	}
	g_string_append_c(sql, ')');
	clause(q, sql->str);
	g_string_free(sql, TRUE);
}

/* overdue_clause - open, and a deadline passed at now without its step. */
static void overdue_clause(struct query *q, int64_t now)
{
	GString *sql = g_string_new("c.status NOT IN ('resolved', 'closed') AND (");
	for (unsigned d = 0; d < STORE_DUE_COUNT; d++) {
		g_string_append_printf(sql, "%s(%s IS NOT NULL AND %s <= ? AND %s IS NULL)",
				       d ? " OR " : "", due_column[d], due_column[d],
				       store_due_met[d]);
		pb_time(&q->p, now);
	}
	g_string_append_c(sql, ')');
	clause(q, sql->str);
	g_string_free(sql, TRUE);
}

/* text_search - the text in the subject or in a body of the complaint's
 * messages (in and out: staff replies are part of the case too). */
static void text_search_clause(struct query *q, const char *text)
{
	const char *pattern = like_pattern(q, text, STORE_MATCH_CONTAINS);
	clause(q, "(c.subject LIKE ? ESCAPE '\\\\' OR EXISTS (SELECT 1 FROM messages m"
		  " WHERE m.complaint_id = c.id AND m.body LIKE ? ESCAPE '\\\\'))");
	pb_str(&q->p, pattern);
	pb_str(&q->p, pattern);
}

/* FACT - the value of case fact name (fixed text from this file, never
 * input) of complaint c, NULL when it has none. */
#define FACT(name) "(SELECT fv.value FROM complaint_facts fv WHERE fv.complaint_id = c.id" \
	" AND fv.name = '" name "')"

/* fact_clause - complaint c has fact name (fixed text) matching value. */
static void fact_clause(struct query *q, const char *name, const char *value,
			enum store_match how)
{
	char *sql = g_strdup_printf("EXISTS (SELECT 1 FROM complaint_facts fc WHERE"
				    " fc.complaint_id = c.id AND fc.name = '%s' AND fc.value %s)",
				    name, how == STORE_MATCH_EXACT ? "= ?" : "LIKE ? ESCAPE '\\\\'");
	pb_str(&q->p, how == STORE_MATCH_EXACT ? value : like_pattern(q, value, how));
	clause(q, sql);
	g_free(sql);
}

/* query_build - SELECT columns FROM complaints c, f's conditions, order
 * and limit. */
static void query_build(struct query *q, const char *columns,
			const struct store_list_filter *f)
{
	*q = (struct query){ .sql = g_string_new(NULL), .p = { .nb = 0 },
			     .patterns = g_ptr_array_new_with_free_func(g_free) };
	g_string_printf(q->sql, "SELECT %s FROM complaints c", columns);
	if (f->ref)
		text_clause(q, "c.ref", f->ref, f->ref_match);
	if (f->customer)
		text_clause(q, "c.customer_addr", f->customer, f->customer_match);
	if (f->statuses & ((1u << STORE_STATUS_COUNT) - 1))
		statuses_clause(q, f->statuses);
	if (f->category)
		text_clause(q, "c.category", f->category, STORE_MATCH_EXACT);
	if (f->channel) {
		clause(q, "c.channel = ?");
		pb_str(&q->p, f->channel);
	}
	if (f->phone)
		text_clause(q, "c.customer_phone", f->phone, STORE_MATCH_EXACT);
	if (f->severity) {
		clause(q, "c.severity = ?");
		pb_strn(&q->p, &f->severity, 1);
	}
	if (f->department)
		text_clause(q, "c.department", f->department, STORE_MATCH_EXACT);
	if (f->created_from) {
		clause(q, "c.created_at >= ?");
		pb_time(&q->p, f->created_from);
	}
	if (f->created_before) {
		clause(q, "c.created_at < ?");
		pb_time(&q->p, f->created_before);
	}
	if (f->overdue)
		overdue_clause(q, f->now);
	if (f->text)
		text_search_clause(q, f->text);
	if (f->product)
		fact_clause(q, "product", f->product, f->product_match);
	if (f->order)
		fact_clause(q, "order_no", f->order, f->order_match);
	unsigned sort = (unsigned)f->sort < G_N_ELEMENTS(order_by) ? f->sort : STORE_SORT_CREATED;
	g_string_append(q->sql, order_by[sort]);
	if (f->limit) {
		g_string_append(q->sql, " LIMIT ?");
		pb_u64(&q->p, f->limit);
	}
}

static void query_clear(struct query *q)
{
	g_string_free(q->sql, TRUE);
	g_ptr_array_unref(q->patterns);
}

/* ---- list ------------------------------------------------------------------- */

#define LIST_COLS "c.id, c.ref, c.channel, c.status, c.category, c.department," \
	" c.assignee, c.severity, c.customer_addr, c.customer_name, c.subject," \
	" " FACT("product") ", " FACT("order_no") ", c.created_at, c.updated_at," \
	" c.taken_by, c.customer_phone"

static char *str_or_empty(MYSQL_STMT *st, struct rb *r, unsigned i)
{
	char *v = rb_str(st, r, i);
	return v ? v : g_strdup("");
}

static struct store_list_item *list_row(MYSQL_STMT *st, struct rb *r)
{
	struct store_list_item *it = g_new0(struct store_list_item, 1);
	unsigned i = 0;
	it->id = rb_id(r, i++);
	char **strs[] = { &it->ref, &it->channel, &it->status, &it->category,
			  &it->department, &it->assignee };
	for (size_t k = 0; k < G_N_ELEMENTS(strs); k++)
		*strs[k] = str_or_empty(st, r, i++);
	char *sev = rb_str(st, r, i++);
	it->severity = sev && *sev ? sev[0] : 'C';
	g_free(sev);
	it->customer_addr = str_or_empty(st, r, i++);
	it->customer_name = str_or_empty(st, r, i++);
	it->subject = str_or_empty(st, r, i++);
	it->product = str_or_empty(st, r, i++);
	it->order_no = str_or_empty(st, r, i++);
	it->created_at = rb_unix(r, i++);
	it->updated_at = rb_unix(r, i++);
	it->taken_by = str_or_empty(st, r, i++);
	it->customer_phone = str_or_empty(st, r, i++);
	return it;
}

int store_list(struct store *s, const struct store_list_filter *f, GPtrArray *out,
	       GError **err)
{
	struct query q;
	query_build(&q, LIST_COLS, f);
	MYSQL_STMT *st = store_oneshot(s, q.sql->str, &q.p, err);
	query_clear(&q);
	if (!st)
		return -1;
	struct rb r = { .n = 0 };
	rb_u64(&r);
	for (unsigned k = 0; k < 12; k++)
		rb_var(&r);
	rb_time(&r);
	rb_time(&r);
	rb_var(&r);
	rb_var(&r);
	int rc = store_oneshot_rows(s, st, &r, err), n = 0;
	while (rc == 0 && (rc = store_oneshot_fetch(s, st, err)) == 1) {
		g_ptr_array_add(out, list_row(st, &r));
		n++;
		rc = 0;
	}
	mysql_stmt_close(st);
	return rc < 0 ? -1 : n;
}

/* ---- export ----------------------------------------------------------------- */

/* column_type - what a result column's schema type is exported as: dates
 * with a time of day as times, integers as numbers, the rest (text, enums,
 * a plain DATE, decimals) as the server's text for it. */
static enum store_column_type column_type(const MYSQL_FIELD *fd)
{
	switch (fd->type) {
	case MYSQL_TYPE_TINY: case MYSQL_TYPE_SHORT: case MYSQL_TYPE_INT24:
	case MYSQL_TYPE_LONG: case MYSQL_TYPE_LONGLONG: case MYSQL_TYPE_YEAR:
		return fd->flags & UNSIGNED_FLAG ? STORE_COLUMN_UINT : STORE_COLUMN_INT;
	case MYSQL_TYPE_DATETIME: case MYSQL_TYPE_TIMESTAMP:
		return STORE_COLUMN_TIME;
	default:
		return STORE_COLUMN_TEXT;
	}
}

/* export_rows - bind the columns of st's result and stream its rows to the
 * sink. No mysql_stmt_store_result: each fetch reads the next row from
 * the connection. */
static int export_rows(struct store *s, MYSQL_STMT *st, const struct store_export_sink *sink,
		       uint64_t *rows, GError **err)
{
	MYSQL_RES *meta = mysql_stmt_result_metadata(st);
	if (!meta) {
		g_set_error(err, STORE_ERROR, STORE_ERROR_FAILED, "export: no result: %s",
			    mysql_stmt_error(st));
		return -1;
	}
	unsigned n = mysql_num_fields(meta);
	if (n > STORE_EXPORT_MAX_COLUMNS || n > G_N_ELEMENTS(((struct rb *)0)->b)) {
		g_set_error(err, STORE_ERROR, STORE_ERROR_SCHEMA,
			    "export: complaints has %u columns, more than the %d an export "
			    "carries", n, STORE_EXPORT_MAX_COLUMNS);
		mysql_free_result(meta);
		return -1;
	}
	MYSQL_FIELD *fields = mysql_fetch_fields(meta);
	const char *names[STORE_EXPORT_MAX_COLUMNS];
	enum store_column_type types[STORE_EXPORT_MAX_COLUMNS];
	struct rb r = { .n = 0 };
	for (unsigned i = 0; i < n; i++) {
		names[i] = fields[i].name;
		types[i] = column_type(&fields[i]);
		if (types[i] == STORE_COLUMN_INT || types[i] == STORE_COLUMN_UINT) {
			rb_u64(&r);
			r.b[i].is_unsigned = types[i] == STORE_COLUMN_UINT;
		} else if (types[i] == STORE_COLUMN_TIME) {
			rb_time(&r);
		} else {
			rb_var(&r);
		}
	}
	int rc = 0;
	if (mysql_stmt_bind_result(st, r.b)) {
		g_set_error(err, STORE_ERROR, STORE_ERROR_FAILED, "export: %s",
			    mysql_stmt_error(st));
		rc = -1;
	}
	if (rc == 0)
		rc = sink->columns(sink->data, n, names, types, err);
	struct store_value v[STORE_EXPORT_MAX_COLUMNS];
	char *texts[STORE_EXPORT_MAX_COLUMNS] = { NULL };
	while (rc == 0 && (rc = store_oneshot_fetch(s, st, err)) == 1) {
		for (unsigned i = 0; i < n; i++) {
			v[i] = (struct store_value){ .null = r.null[i] };
			if (r.null[i])
				continue;
			if (types[i] == STORE_COLUMN_INT || types[i] == STORE_COLUMN_UINT) {
				v[i].num = (int64_t)r.u[i];
			} else if (types[i] == STORE_COLUMN_TIME) {
				v[i].num = rb_unix(&r, i);
			} else {
				texts[i] = rb_str(st, &r, i);
				v[i].text = texts[i];
				v[i].len = r.len[i];
			}
		}
		rc = sink->row(sink->data, n, v, err);
		for (unsigned i = 0; i < n; i++)
			g_clear_pointer(&texts[i], g_free);
		if (rc == 0 && rows)
			++*rows;
	}
	mysql_free_result(meta);
	return rc < 0 ? -1 : 0;
}

int store_list_export(struct store *s, const struct store_list_filter *f,
		      const struct store_export_sink *sink, uint64_t *rows, GError **err)
{
	if (rows)
		*rows = 0;
	struct query q;
	query_build(&q, "c.*, " FACT("order_no") " AS fact_order_no, "
		    FACT("product") " AS fact_product, "
		    FACT("purchase_place") " AS fact_purchase_place, "
		    FACT("purchase_date") " AS fact_purchase_date, "
		    FACT("phone") " AS fact_phone, " FACT("demand") " AS fact_demand", f);
	MYSQL_STMT *st = store_oneshot(s, q.sql->str, &q.p, err);
	query_clear(&q);
	if (!st)
		return -1;
	int rc = export_rows(s, st, sink, rows, err);
	mysql_stmt_close(st);
	return rc;
}
