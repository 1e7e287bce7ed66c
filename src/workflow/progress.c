/* progress - notes to the customer when a promised date passes. */
#include "workflow/progress.h"

#include <string.h>

#include "lib/config.h"
#include "lib/log.h"
#include "workflow/calendar.h"
#include "workflow/context.h"
#include "workflow/wfmail.h"

/* notes sent per scheduler round: a backlog after downtime is worked off
 * over several rounds, each note in its own transaction */
#define ROUND_MAX 100

/* The deadlines that are promises to the customer: the acknowledgement
 * names the feedback deadline, and no other. */
static const enum store_deadline to_customer[] = { STORE_DUE_FEEDBACK };

int64_t progress_next_date(const int64_t due[STORE_DUE_COUNT], int64_t now)
{
	static const enum store_deadline later[] = { STORE_DUE_HANDLING, STORE_DUE_CLOSURE };
	int64_t next = 0;
	for (size_t i = 0; i < G_N_ELEMENTS(later); i++) {
		int64_t t = due[later[i]];
		if (t > now && (!next || t < next))
			next = t;
	}
	return next;
}

static const char *lang_of(const struct store_case *c)
{
	return !g_strcmp0(c->lang, "en") ? "en" : "zh";
}

/* queue_note - the note to c's customer: deadline d was due, next is the
 * date named (0 none). */
static int queue_note(const struct workflow_ctx *x, const struct store_case *c, int64_t due,
		      int64_t next, GError **err)
{
	const char *lang = lang_of(c);
	struct wf_view v;
	wf_view_of_case(&v, c);
	GHashTable *vars = wf_vars_new(x, &v, lang);
	char *was = calendar_format_date(x->cal, due, lang);
	char *then = calendar_format_date(x->cal, next, lang);
	g_hash_table_insert(vars, "answer_by", was ? was : g_strdup(""));
	g_hash_table_insert(vars, "new_answer_by", then ? then : g_strdup(""));
	struct wf_outmail o = { .kind = "progress", .tmpl = "progress", .lang = lang,
				.to = c->customer_addr, .ref = c->ref, .complaint_id = c->id,
				.vars = vars, .in_reply_to = c->last_in_message_id,
				.references = c->thread_ids };
	int rc = wf_queue(x, &o, err);
	g_hash_table_unref(vars);
	return rc;
}

/* send_one - record and queue the note for missed deadline d of m->id;
 * 1 sent, 0 not (sent before, or the complaint moved on meanwhile). */
static int send_one(const struct workflow_ctx *x, enum store_deadline d,
		    const struct store_missed *m, GError **err)
{
	struct store_case *c = NULL;
	if (store_case_get(x->store, m->id, NULL, &c, err) < 0)
		return -1;
	/* read again inside the transaction: staff may have resolved it or
	 * answered since the list was made */
	if (!c || !strcmp(c->status, "resolved") || !strcmp(c->status, "closed") ||
	    c->met[d] || !c->customer_addr || !*c->customer_addr) {
		store_case_free(c);
		return 0;
	}
	int64_t next = progress_next_date(c->due, x->now);
	int rc = store_progress_add(x->store, c->id, d, m->due, next, x->now, err);
	if (rc == 1 && queue_note(x, c, m->due, next, err) < 0)
		rc = -1;
	if (rc == 1) {
		char *was = calendar_format_time(x->cal, m->due);
		char *then = next ? calendar_format_time(x->cal, next) : g_strdup("none");
		char *detail = g_strdup_printf("%s deadline %s passed: the customer was told, "
					       "next date %s", store_deadline_name(d), was, then);
		if (store_add_event(x->store, c->id, x->now, "", "progress_note", detail, err) < 0)
			rc = -1;
		log_info("progress note ref=%s deadline=%s next=%s", c->ref, store_deadline_name(d),
			 then);
		g_free(detail);
		g_free(then);
		g_free(was);
	}
	store_case_free(c);
	return rc;
}

struct note_tx {
	const struct workflow_ctx *x;
	enum store_deadline d;
	const struct store_missed *m;
};

static int note_tx(void *ctx, GError **err)
{
	struct note_tx *n = ctx;
	return send_one(n->x, n->d, n->m, err);
}

/* in_tx - send_one in a transaction of its own. */
static int in_tx(const struct workflow_ctx *x, enum store_deadline d,
		 const struct store_missed *m, GError **err)
{
	struct note_tx n = { x, d, m };
	return store_tx(x->store, note_tx, &n, err);
}

int progress_send_due(const struct workflow_ctx *x, GError **err)
{
	int sent = 0;
	for (size_t i = 0; i < G_N_ELEMENTS(to_customer) && sent >= 0; i++) {
		GPtrArray *due = g_ptr_array_new_with_free_func(g_free);
		if (store_missed_deadlines(x->store, to_customer[i], x->now, ROUND_MAX, due,
					   err) < 0)
			sent = -1;
		for (unsigned j = 0; j < due->len && sent >= 0; j++) {
			int rc = in_tx(x, to_customer[i], g_ptr_array_index(due, j), err);
			sent = rc < 0 ? -1 : sent + rc;
		}
		g_ptr_array_unref(due);
	}
	return sent;
}
