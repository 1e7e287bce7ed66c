/* channel - a channel's connection to the workflow: submit, survey, ping. */
#include "workflow/channel.h"

#include "workflow/calendar.h"
#include "lib/clock.h"
#include "lib/config.h"
#include "lib/holder.h"
#include "lib/lifecycle.h"
#include "lib/log.h"
#include "mail/template.h"
#include "workflow/pipeline.h"
#include "store/store.h"
#include "workflow/survey.h"
#include "workflow/context.h"

/* Reference numbers are reserved in blocks per connection: taking each
 * from the (prefix, day) counter row would lock that row until commit and
 * so serialise every post's transaction across the web threads. Cost:
 * numbers are unique and grow by day, but not strictly in arrival order
 * across threads, and a block unused for REF_BLOCK_AGE seconds is given up
 * (a gap in the numbers). */
#define REF_BLOCK 16
#define REF_BLOCK_AGE 600

struct channel {
	const struct pipeline_env *env;
	const struct store_params *db;
	struct store *store;
	struct pipeline *pipeline;
	unsigned refs_left;       /* reserved reference numbers not used yet */
	int64_t refs_at;          /* when they were reserved */
};

struct channel *channel_new(const struct pipeline_env *env, const struct store_params *db)
{
	struct channel *ch = g_new0(struct channel, 1);
	ch->env = env;
	ch->db = db;
	return ch;
}

void channel_free(struct channel **chp)
{
	struct channel *ch = *chp;
	if (!ch)
		return;
	pipeline_free(&ch->pipeline);
	store_close(&ch->store);
	g_free(ch);
	*chp = NULL;
}

/* open_store - the connection, opened on first use. */
static struct store *open_store(struct channel *ch, GError **err)
{
	if (!ch->store) {
		ch->store = store_open(ch->db, err);
		if (!ch->store)
			return NULL;
		ch->pipeline = pipeline_new(ch->env, ch->store);
	}
	return ch->store;
}

int channel_ping(struct channel *ch, GError **err)
{
	return open_store(ch, err) ? store_ping(ch->store, err) : -1;
}

static void reserve_refs(struct channel *ch, int64_t now)
{
	if (ch->refs_left && now - ch->refs_at < REF_BLOCK_AGE)
		return;
	ch->refs_left = 0;
	GError *err = NULL;
	if (store_reserve_refs(ch->store, ch->env->cfg->ref_prefix, now, REF_BLOCK, &err) == 0) {
		ch->refs_left = REF_BLOCK;
		ch->refs_at = now;
	} else {
		/* the post still gets a number, taken inside its transaction */
		log_warn("reference numbers not reserved: %s", err ? err->message : "?");
		g_clear_error(&err);
	}
}

/* ingest - it through the pipeline, once more on a fresh connection when
 * the first try finds the database gone. */
static int ingest(struct channel *ch, struct pipeline_item *it, int64_t now, GError **err)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		g_clear_error(err);
		if (!open_store(ch, err))
			continue;
		reserve_refs(ch, now);
		if (pipeline_ingest(ch->pipeline, it, 1, now, err) == 0) {
			if (it->outcome == PIPELINE_NEW && ch->refs_left)
				ch->refs_left--;
			return 0;
		}
		ch->refs_left = 0;  /* the connection may be new: its block is gone */
		store_ping(ch->store, NULL);  /* reconnect before the second try */
	}
	return -1;
}

/* iso_day - t as "YYYY-MM-DD" in the calendar's zone into out; "" for no
 * deadline. */
static void iso_day(struct channel *ch, int64_t t, char *out, size_t size)
{
	struct calendar *cal = holder_get(ch->env->calendar);
	int y, m, d;
	out[0] = '\0';
	if (t && t != INT64_MAX && calendar_local_date(cal, t, &y, &m, &d))
		g_snprintf(out, size, "%04d-%02d-%02d", y, m, d);
	calendar_free(&cal);
}

/* earlier - the receipt of the complaint a duplicate post repeats (the
 * item carries its id, not its ref): 1, or 0 when it cannot be read. */
static int earlier(struct channel *ch, uint64_t id, struct channel_receipt *out)
{
	struct store_case *c = NULL;
	if (!open_store(ch, NULL) || store_case_get(ch->store, id, NULL, &c, NULL) != 1)
		return 0;
	g_strlcpy(out->ref, c->ref, sizeof out->ref);
	iso_day(ch, c->due[STORE_DUE_FEEDBACK], out->answer_by, sizeof out->answer_by);
	store_case_free(c);
	return 1;
}

enum channel_outcome channel_submit(struct channel *ch, struct message *m, int64_t now,
				    struct channel_receipt *receipt, char **why)
{
	struct pipeline_item it = { .msg = m };
	GError *err = NULL;
	enum channel_outcome out = CHANNEL_FAILED;
	*receipt = (struct channel_receipt){ .ref = "" };
	if (ingest(ch, &it, now, &err) < 0) {
		*why = g_strdup(err ? err->message : "?");
		out = CHANNEL_UNAVAILABLE;
	} else if (it.outcome == PIPELINE_NEW) {
		g_strlcpy(receipt->ref, it.ref, sizeof receipt->ref);
		iso_day(ch, it.answer_by, receipt->answer_by, sizeof receipt->answer_by);
		out = CHANNEL_NEW;
	} else if (it.outcome == PIPELINE_DUPLICATE && it.complaint_id) {
		if (earlier(ch, it.complaint_id, receipt))
			out = CHANNEL_DUPLICATE;
	} else {
		*why = g_strdup_printf("outcome=%s: %s", pipeline_outcome_name(it.outcome),
				       it.error ? it.error : "-");
	}
	if (it.ack_queued)
		lifecycle_kick(LIFECYCLE_OUTBOX);
	g_clear_error(&err);
	pipeline_item_clear(&it);
	return out;
}

int channel_survey(struct channel *ch, uint64_t id, char *ref, size_t ref_size, bool *open,
		   GError **err)
{
	uint64_t complaint = 0;
	int found = open_store(ch, err) ? store_survey_get(ch->store, id, &complaint, open, err) : -1;
	if (found == 1)
		store_complaint_ref(ch->store, complaint, ref, ref_size, NULL);
	return found;
}

struct answer_tx {
	struct workflow_ctx x;
	uint64_t id;
	unsigned rating;
	const char *comment;
};

static int answer_tx(void *ctx, GError **err)
{
	struct answer_tx *t = ctx;
	return survey_answer(&t->x, t->id, t->rating, false, t->comment, "link", err);
}

int channel_survey_answer(struct channel *ch, uint64_t id, unsigned rating, const char *comment,
			  int64_t now, GError **err)
{
	int rc = -1;
	if (open_store(ch, err)) {
		struct template_set *tmpl = holder_get(ch->env->templates);
		struct calendar *cal = holder_get(ch->env->calendar);
		struct answer_tx t = {
			.x = { .cfg = ch->env->cfg, .cal = cal, .templates = tmpl,
			       .store = ch->store, .now = now },
			.id = id, .rating = rating, .comment = comment,
		};
		rc = store_tx(ch->store, answer_tx, &t, err);
		template_set_unref(&tmpl);
		calendar_free(&cal);
	}
	if (rc < 0 && ch->store)
		store_ping(ch->store, NULL);  /* reconnect for the next request */
	if (rc == 1)
		lifecycle_kick(LIFECYCLE_OUTBOX);
	return rc;
}
