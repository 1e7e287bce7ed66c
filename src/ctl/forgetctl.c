/* forgetctl - complaintctl forget: find what the target names, ask, erase
 * complaint by complaint and say what went. See forgetctl.h. */
#include "ctl/forgetctl.h"

#include <string.h>
#include <unistd.h>
#include <glib.h>

#include "ctl/ctljson.h"
#include "daemon/daemon.h"
#include "lib/clock.h"
#include "lib/config.h"
#include "workflow/privacy.h"

/* The complaints shown by name in the question; more are counted. */
#define ASK_REFS 10

/* item - ", N thing(s)" when n is not 0. */
static void item(GString *out, uint64_t n, const char *one, const char *many)
{
	if (n)
		g_string_append_printf(out, "%s%" G_GUINT64_FORMAT " %s", out->len ? ", " : "",
				       n, n == 1 ? one : many);
}

/* erased_text - what n counts, in words ("" for nothing); g_free. */
static char *erased_text(const struct store_erased *n)
{
	GString *out = g_string_new(NULL);
	if (n->complaints)
		g_string_append(out, "customer and subject");
	item(out, n->messages, "message", "messages");
	item(out, n->attachments, "attachment", "attachments");
	item(out, n->hits, "matched text", "matched texts");
	item(out, n->events, "history detail", "history details");
	item(out, n->surveys, "survey comment", "survey comments");
	item(out, n->outcomes, "outcome text", "outcome texts");
	item(out, n->facts, "case fact", "case facts");
	item(out, n->outbox, "outgoing mail", "outgoing mails");
	item(out, n->cancelled, "unsent mail cancelled", "unsent mails cancelled");
	item(out, n->acks, "acknowledgement log entry", "acknowledgement log entries");
	item(out, n->suppressions, "bounce suppression", "bounce suppressions");
	item(out, n->quarantined, "quarantined mail", "quarantined mails");
	item(out, n->addresses, "address elsewhere", "addresses elsewhere");
	return g_string_free(out, FALSE);
}

static void ref_of(struct store *s, uint64_t id, char *ref)
{
	if (store_complaint_ref(s, id, ref, STORE_REF_MAX, NULL) != 1)
		g_snprintf(ref, STORE_REF_MAX, "#%" G_GUINT64_FORMAT, id);
}

/* confirm - name what is about to go and read the answer: true for y/yes. */
static bool confirm(struct store *s, const char *target, const struct privacy_target *t,
		    FILE *answer, FILE *err)
{
	GString *q = g_string_new(NULL);
	g_string_append_printf(q, "Erase the personal data of %s:", target);
	for (guint i = 0; i < t->ids->len && i < ASK_REFS; i++) {
		char ref[STORE_REF_MAX];
		ref_of(s, g_array_index(t->ids, uint64_t, i), ref);
		g_string_append_printf(q, " %s", ref);
	}
	if (t->ids->len > ASK_REFS)
		g_string_append_printf(q, " and %u more complaints", t->ids->len - ASK_REFS);
	if (t->loose)
		g_string_append_printf(q, "%s%" G_GUINT64_FORMAT " rows outside complaints",
				       t->ids->len ? " and " : " ", t->loose);
	g_string_append(q, "?\nThe texts, mails and attachments cannot be brought back. [y/N] ");
	fputs(q->str, err);
	fflush(err);
	g_string_free(q, TRUE);
	char line[64] = "";
	if (!fgets(line, sizeof line, answer))
		return false;
	g_strstrip(line);
	return !g_ascii_strcasecmp(line, "y") || !g_ascii_strcasecmp(line, "yes");
}

/* report_case - one line: what went, or when it went before. */
static int report_case(struct store *s, uint64_t id, const struct store_erased *n, FILE *out)
{
	char ref[STORE_REF_MAX];
	ref_of(s, id, ref);
	if (store_erased_total(n)) {
		char *what = erased_text(n);
		fprintf(out, "%s: erased %s\n", ref, what);
		g_free(what);
		return 0;
	}
	int64_t at = 0;
	char *actor = NULL;
	int rc = privacy_forgotten(s, id, &at, &actor, NULL);
	char *when = rc == 1 ? ctljson_local_time(at, "%Y-%m-%d %H:%M") : NULL;
	if (when)
		fprintf(out, "%s: nothing left to erase (forgotten %s by %s)\n", ref, when,
			actor && *actor ? actor : "-");
	else
		fprintf(out, "%s: nothing left to erase\n", ref);
	g_free(when);
	g_free(actor);
	return 0;
}

/* erase_all - every complaint, then (by address) the rows outside them. */
static int erase_all(const struct config *cfg, struct store *s, const char *target,
		     const struct privacy_target *t, const char *actor, FILE *out, FILE *err)
{
	GError *e = NULL;
	for (guint i = 0; i < t->ids->len; i++) {
		uint64_t id = g_array_index(t->ids, uint64_t, i);
		struct store_erased n = { 0 };
		if (privacy_forget_case(cfg, s, id, actor, clock_now(), &n, &e) < 0)
			goto fail;
		report_case(s, id, &n, out);
	}
	if (t->by_address && t->loose) {
		struct store_erased n = { 0 };
		if (privacy_forget_loose(s, target, &n, &e) < 0)
			goto fail;
		char *what = erased_text(&n);
		fprintf(out, "outside complaints: erased %s\n", *what ? what : "nothing");
		g_free(what);
	}
	return 0;
fail:
	fprintf(err, "complaintctl: forget: %s (what is erased stays erased; run it again)\n",
		e ? e->message : "failed");
	g_clear_error(&e);
	return 1;
}

int forgetctl_run(const struct config *cfg, struct store *s, const char *target,
		  const char *actor, FILE *answer, FILE *out, FILE *err)
{
	struct privacy_target t;
	GError *e = NULL;
	int found = privacy_find(s, target, &t, &e);
	int rc = 0;
	if (found < 0) {
		fprintf(err, "complaintctl: forget: %s\n", e ? e->message : "failed");
		rc = 1;
	} else if (found == 0) {
		if (t.by_address || t.by_phone)
			fprintf(err, "complaintctl: forget: nothing of %s is stored (an unknown "
				"%s, or one forgotten before)\n", target,
				t.by_phone ? "reference or phone number" : "address");
		else
			fprintf(err, "complaintctl: forget: no complaint %s\n", target);
		rc = 1;
	} else if (answer && !confirm(s, target, &t, answer, err)) {
		fprintf(err, "complaintctl: forget: nothing erased\n");
		rc = 1;
	} else {
		rc = erase_all(cfg, s, target, &t, actor, out, err);
	}
	g_clear_error(&e);
	privacy_target_clear(&t);
	return rc;
}

/* actor - who runs it, for the history: the login behind sudo if any. */
static char *actor(void)
{
	const char *sudo = g_getenv("SUDO_USER");
	const char *user = getuid() == 0 && sudo && *sudo ? sudo : g_get_user_name();
	return g_strdup_printf("complaintctl %s", user);
}

int forgetctl_main(const char *config_file, bool json, int argc, char **argv)
{
	bool yes = false, rest = false;
	const char *target = NULL;
	for (int i = 0; i < argc; i++) {
		if (!rest && !strcmp(argv[i], "--")) {
			rest = true;
		} else if (!rest && (!strcmp(argv[i], "--yes") || !strcmp(argv[i], "-y"))) {
			yes = true;
		} else if (!rest && argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "complaintctl: forget: unknown option '%s'\n", argv[i]);
			return 2;
		} else if (target) {
			fprintf(stderr, "complaintctl: forget: one address, phone number or "
				"reference at a time\n");
			return 2;
		} else {
			target = argv[i];
		}
	}
	if (!target || !*target || !g_utf8_validate(target, -1, NULL)) {
		fprintf(stderr, "complaintctl: forget needs a customer's address or phone number "
			"or a complaint reference, as in 'complaintctl forget wang@example.cn'\n");
		return 2;
	}
	if (json) {
		fprintf(stderr, "complaintctl: forget has no --json form\n");
		return 2;
	}
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	struct config *cfg = config_load(config_file, errors);
	for (guint i = 0; i < errors->len; i++)
		fprintf(stderr, "%s\n", (const char *)errors->pdata[i]);
	g_ptr_array_unref(errors);
	struct store *s = cfg ? daemon_open_store(cfg, "complaintctl") : NULL;
	int rc = 1;
	if (s) {
		char *who = actor();
		rc = forgetctl_run(cfg, s, target, who, yes ? NULL : stdin, stdout, stderr);
		g_free(who);
	}
	store_close(&s);
	config_free(&cfg);
	return rc;
}
