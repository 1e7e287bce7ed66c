/* reportmail - the scheduled daily, weekly and monthly report mails. */
#include "workflow/reportmail.h"

#include <string.h>

#include "workflow/calendar.h"
#include "lib/config.h"
#include "lib/log.h"
#include "mail/mailout.h"
#include "workflow/report.h"
#include "store/store.h"
#include "workflow/workflow.h"

struct kind {
	const char *name;   /* report_period's "day", "week", "month" */
	const char *ledger; /* report_runs.kind */
	size_t list;        /* offset of the recipients in struct config */
};

static const struct kind kinds[] = {
	{ "day", "daily", offsetof(struct config, report_daily) },
	{ "week", "weekly", offsetof(struct config, report_weekly) },
	{ "month", "monthly", offsetof(struct config, report_monthly) },
};

/* queue_report - one mail per recipient: the text report with the HTML
 * page as its alternative. */
static int queue_report(const struct workflow_ctx *x, const struct kind *k, char **to,
			const struct report *r, GError **err)
{
	const char *lang = x->cfg->staff_lang;
	char *subject = report_subject(r, k->name, lang);
	char *text = report_render(r, REPORT_TEXT, lang);
	char *html = report_render(r, REPORT_HTML, lang);
	int rc = 0;
	for (; rc == 0 && *to; to++) {
		char *id = mailout_message_id("report", k->ledger, x->cfg->company_from);
		struct mailout m = {
			.from_addr = x->cfg->company_from, .from_name = x->cfg->company_name,
			.to_addr = *to, .subject = subject, .body = text, .html = html,
			.message_id = id, .auto_submitted = "auto-generated", .date = x->now,
		};
		GBytes *raw = mailout_outbox_row(&m);
		rc = store_outbox_add(x->store, 0, "report", x->cfg->company_from, *to, id,
				      g_bytes_get_data(raw, NULL), g_bytes_get_size(raw), x->now,
				      NULL, err);
		g_bytes_unref(raw);
		g_free(id);
	}
	g_free(html);
	g_free(text);
	g_free(subject);
	return rc;
}

struct report_tx {
	const struct workflow_ctx *x;
	const struct kind *k;
	char **to;
	int64_t from, to_t;
	struct report *r;
};

/* report_tx - a try of sending one period's report: 1 queued, 0 sent by
 * someone already. */
static int report_tx(void *ctx, GError **err)
{
	struct report_tx *t = ctx;
	report_free(&t->r);  /* an aborted try's */
	/* the ledger row first: a second daemon blocks on it, then finds it */
	int rc = store_report_run_add(t->x->store, t->k->ledger, t->from, t->to_t, t->x->now, err);
	if (rc == 1 && !(t->r = report_build(t->x->store, t->x->cal, t->from, t->to_t, err)))
		rc = -1;
	if (rc == 1 && queue_report(t->x, t->k, t->to, t->r, err) < 0)
		rc = -1;
	return rc;
}

/* one_kind - the report of the period of kind k that ended last, if it is
 * [reports] hour past its end and nobody sent it yet: 1 sent, 0 not. */
static int one_kind(const struct workflow_ctx *x, const struct kind *k, GError **err)
{
	char **to = *(char ***)((char *)x->cfg + k->list);
	int64_t from, to_t;
	if (!to || !to[0] || !report_previous_period(x->cal, k->name, x->now, &from, &to_t))
		return 0;
	/* to_t is where the current period began: wait for the hour of its day */
	if (x->now < to_t + x->cfg->report_hour * 3600)
		return 0;
	struct report_tx t = { x, k, to, from, to_t, NULL };
	int rc = store_tx(x->store, report_tx, &t, err);
	if (rc == 1)
		log_info("report sent kind=%s period_start=%lld recipients=%u", k->ledger,
			 (long long)from, g_strv_length(to));
	report_free(&t.r);
	return rc;
}

int reportmail_run_once(const struct workflow_ctx *x, GError **err)
{
	int sent = 0;
	for (size_t i = 0; i < G_N_ELEMENTS(kinds); i++) {
		int rc = one_kind(x, &kinds[i], err);
		if (rc < 0)
			return -1;
		sent += rc;
	}
	return sent;
}
