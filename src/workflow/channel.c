/* channel - a channel's connection to the workflow: submit, survey, ping. */
#include "workflow/channel.h"

#include "workflow/calendar.h"
#include "lib/batcher.h"
#include "lib/clock.h"
#include "lib/config.h"
#include "lib/holder.h"
#include "lib/lifecycle.h"
#include "lib/log.h"
#include "lib/metrics.h"
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
	int64_t refs_at;          /* when the connection's block was reserved */
	bool refs_stale;          /* the connection may be new: reserve again */
};

struct channel *channel_new(const struct pipeline_env *env, const struct store_params *db)
{
	struct channel *ch = g_new0(struct channel, 1);
	ch->env = env;
	ch->db = db;
	ch->refs_stale = true;
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

/* reserve_refs - numbers for n new complaints on the connection. */
static void reserve_refs(struct channel *ch, unsigned n, int64_t now)
{
	const char *prefix = ch->env->cfg->ref_prefix;
	if (!ch->refs_stale && now - ch->refs_at < REF_BLOCK_AGE &&
	    store_refs_left(ch->store, prefix, now) >= n)
		return;
	GError *err = NULL;
	if (store_reserve_refs(ch->store, prefix, now, MAX(n, REF_BLOCK), &err) == 0) {
		ch->refs_stale = false;
		ch->refs_at = now;
	} else {
		/* the post still gets a number, taken inside its transaction */
		log_warn("reference numbers not reserved: %s", err ? err->message : "?");
		g_clear_error(&err);
	}
}

/* ingest - items[0..n) through the pipeline, once more on a fresh
 * connection when the first try finds the database gone. */
static int ingest(struct channel *ch, struct pipeline_item *items, unsigned n, int64_t now,
		  GError **err)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		g_clear_error(err);
		if (!open_store(ch, err))
			continue;
		reserve_refs(ch, n, now);
		if (pipeline_ingest(ch->pipeline, items, n, now, err) == 0)
			return 0;
		ch->refs_stale = true;
		store_ping(ch->store, NULL);  /* reconnect before the second try */
	}
	return -1;
}

/* A message handed to the batcher, and what its batch made of it. */
struct submission {
	struct pipeline_item it;
	int64_t now;
	int rc;
	char *why;      /* rc < 0: the error (g_free) */
};

/* run_batch - the submissions subs[0..n) (of one thread or, batched, of
 * several) in one transaction on ch, at the latest of their times. */
static void run_batch(struct channel *ch, void **subs, unsigned n)
{
	struct pipeline_item *items = g_new(struct pipeline_item, n);
	int64_t now = 0;
	for (unsigned i = 0; i < n; i++) {
		struct submission *s = subs[i];
		items[i] = s->it;
		now = MAX(now, s->now);
	}
	GError *err = NULL;
	int rc = ingest(ch, items, n, now, &err);
	for (unsigned i = 0; i < n; i++) {
		struct submission *s = subs[i];
		s->it = items[i];  /* what the pipeline wrote goes back with it */
		s->rc = rc;
		if (rc < 0)
			s->why = g_strdup(err ? err->message : "?");
	}
	g_clear_error(&err);
	g_free(items);
}

/* iso_day - t as "YYYY-MM-DD" in the calendar's zone into out; "" for no
 * deadline. */
static void iso_day(const struct pipeline_env *env, int64_t t, char *out, size_t size)
{
	struct calendar *cal = holder_get(env->calendar);
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
	iso_day(ch->env, c->due[STORE_DUE_FEEDBACK], out->answer_by, sizeof out->answer_by);
	store_case_free(c);
	return 1;
}

/* outcome - what the pipeline made of a submitted message, for its
 * poster; ch (may be NULL but for a duplicate) reads the earlier
 * complaint of a duplicate. */
static enum channel_outcome outcome(const struct pipeline_env *env, struct channel *ch,
				    struct submission *sub, struct channel_receipt *receipt,
				    char **why)
{
	const struct pipeline_item *it = &sub->it;
	if (sub->rc < 0) {
		*why = g_steal_pointer(&sub->why);
		return CHANNEL_UNAVAILABLE;
	}
	if (it->outcome == PIPELINE_NEW) {
		g_strlcpy(receipt->ref, it->ref, sizeof receipt->ref);
		iso_day(env, it->answer_by, receipt->answer_by, sizeof receipt->answer_by);
		return CHANNEL_NEW;
	}
	if (it->outcome == PIPELINE_DUPLICATE && it->complaint_id)
		return ch && earlier(ch, it->complaint_id, receipt) ? CHANNEL_DUPLICATE
								    : CHANNEL_FAILED;
	*why = g_strdup_printf("outcome=%s: %s", pipeline_outcome_name(it->outcome),
			       it->error ? it->error : "-");
	return CHANNEL_FAILED;
}

/* submitted - the poster's answer, and the sender woken for the mail. */
static enum channel_outcome submitted(const struct pipeline_env *env, struct channel *ch,
				      struct submission *sub, struct channel_receipt *receipt,
				      char **why)
{
	enum channel_outcome out = outcome(env, ch, sub, receipt, why);
	if (sub->it.ack_queued)
		lifecycle_kick(LIFECYCLE_OUTBOX);
	pipeline_item_clear(&sub->it);
	g_free(sub->why);
	return out;
}

enum channel_outcome channel_submit(struct channel *ch, struct message *m, int64_t now,
				    struct channel_receipt *receipt, char **why)
{
	struct submission sub = { .it = { .msg = m }, .now = now };
	*receipt = (struct channel_receipt){ .ref = "" };
	run_batch(ch, (void *[]){ &sub }, 1);
	return submitted(ch->env, ch, &sub, receipt, why);
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

/* ---- a pool of channels ---------------------------------------------------- */

struct channels {
	const struct pipeline_env *env;
	const struct store_params *db;
	struct batcher *batcher;  /* borrowed */
	unsigned keep;
	GMutex lock;
	GPtrArray *idle;          /* struct channel, connected or not */
};

struct channels *channels_new(const struct pipeline_env *env, const struct store_params *db,
			      struct batcher *batcher, unsigned keep)
{
	struct channels *p = g_new0(struct channels, 1);
	p->env = env;
	p->db = db;
	p->batcher = batcher;
	p->keep = keep;
	g_mutex_init(&p->lock);
	p->idle = g_ptr_array_new();
	return p;
}

void channels_free(struct channels **pp)
{
	struct channels *p = *pp;
	if (!p)
		return;
	for (unsigned i = 0; i < p->idle->len; i++) {
		struct channel *ch = g_ptr_array_index(p->idle, i);
		channel_free(&ch);
	}
	g_ptr_array_free(p->idle, TRUE);
	g_mutex_clear(&p->lock);
	g_free(p);
	*pp = NULL;
}

struct channel *channels_take(struct channels *p)
{
	g_mutex_lock(&p->lock);
	struct channel *ch = p->idle->len ? g_ptr_array_steal_index(p->idle, p->idle->len - 1)
					  : NULL;
	g_mutex_unlock(&p->lock);
	return ch ? ch : channel_new(p->env, p->db);
}

void channels_give(struct channels *p, struct channel *ch)
{
	if (!ch)
		return;
	g_mutex_lock(&p->lock);
	if (p->idle->len < p->keep) {
		g_ptr_array_add(p->idle, ch);
		ch = NULL;
	}
	g_mutex_unlock(&p->lock);
	channel_free(&ch);  /* beyond keep: its connection closes */
}

/* pool_batch - the batcher's function: the leading thread takes a
 * channel for the batch and gives it back after the commit. */
static void pool_batch(void *ctx, void **subs, unsigned n)
{
	struct channels *p = ctx;
	struct channel *ch = channels_take(p);
	run_batch(ch, subs, n);
	channels_give(p, ch);
	metrics_inc(METRIC_WEB_BATCHES);
}

enum channel_outcome channels_submit(struct channels *p, struct message *m, int64_t now,
				     struct channel_receipt *receipt, char **why)
{
	struct submission sub = { .it = { .msg = m }, .now = now };
	*receipt = (struct channel_receipt){ .ref = "" };
	batcher_run(p->batcher, &sub, pool_batch, p);
	/* a channel only to read the complaint a duplicate repeats */
	bool dup = sub.rc == 0 && sub.it.outcome == PIPELINE_DUPLICATE;
	struct channel *ch = dup ? channels_take(p) : NULL;
	enum channel_outcome out = submitted(p->env, ch, &sub, receipt, why);
	channels_give(p, ch);
	return out;
}
