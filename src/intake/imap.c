/* imap - IMAP client on libcurl; see imap.h.
 *
 * How curl 7.88 is used: every command is a CURLOPT_CUSTOMREQUEST on a URL
 * naming the folder, so curl logs in and SELECTs by itself whenever it had
 * to open a new connection, and reuses the connection otherwise. curl
 * passes every response line, literal contents included, to the header
 * callback; imapresp re-assembles the responses from those bytes, which is
 * what lets one command fetch hundreds of messages.
 *
 * Limits of that path, and what we do about them:
 * - Debian's curl 7.88 (CVE-2023-38039 fix) fails a transfer whose header
 *   bytes pass 300 KiB. So a first command asks for the UIDs' sizes and
 *   dates, and messages are grouped into commands of at most
 *   IMAP_BATCH_BYTES; bigger messages go one by one through curl's own
 *   FETCH (;UID=n URL), which hands the literal to the write callback.
 *   Searches walk the folder in windows for the same reason.
 * - curl ends a command at any line starting with the command's tag, even
 *   inside a literal, and clips lines longer than half its buffer. Either
 *   leaves imapresp mid-literal: we drop the connection and fetch the
 *   affected messages one by one, finally by curl's own FETCH.
 * curl's own FETCH asks for BODY[], not BODY.PEEK[]; it runs after EXAMINE
 * (read-only), so it does not set \Seen. */
#include "intake/imap.h"

#include <curl/curl.h>
#include <string.h>

#include "intake/imapresp.h"
#include "lib/log.h"

#define IMAP_DEFAULT_TIMEOUT 30
#define IMAP_DEFAULT_MAX_MESSAGE ((size_t)64 << 20)
#define IMAP_DEFAULT_BATCH 200
#define IMAP_MAX_LINE (1u << 20)          /* response text outside literals */
#define IMAP_CURL_BUFFER (512L * 1024)    /* curl clips lines over half of it */
#define IMAP_STORE_CHUNK 500
#define IMAP_SEARCH_MAX 1000000
#define IMAP_BATCH_BYTES (200u * 1024)    /* curl allows 300 KiB of lines */
/* Debian's curl charges about 1 KiB per untagged line against its cap,
 * whatever the line's length: hence small windows and a per-message
 * overhead in the batch budget. */
#define IMAP_WINDOW 100                   /* FETCH lines per search/size command */
#define IMAP_LINE_COST 2048
/* Of a message over max_message, its first bytes are kept: the headers
 * and, as mail clients put the text before the attachments, usually the
 * text - enough to answer the customer and tell staff what it is about. */
#define IMAP_HEAD ((size_t)1 << 20)

G_DEFINE_QUARK(complaintd-imap-error-quark, imap_error)

struct imap {
	char *base;        /* "imaps://host:port", no path, no user info */
	char *folder;
	char *user, *password, *token, *ca_file;
	bool allow_plaintext, no_verify;
	unsigned timeout_s, batch;
	size_t max_message;

	CURL *curl;
	char errbuf[CURL_ERROR_SIZE];
	struct imapresp *rp;
	bool feed_parser;   /* header bytes go to rp */
	bool collect_body;  /* body bytes go to body (curl's own FETCH) */
	GByteArray *body;
	size_t body_total;  /* bytes seen, kept or not */
	bool body_over;
	bool fresh;         /* next command on a new connection */
	int has_move, has_uidplus; /* -1 = not asked yet */
	uint32_t uidvalidity;      /* from imap_select; 0 before */
	uint32_t uidnext, exists;  /* from imap_select */
};

void imap_global_init(void)
{
	static gsize once;
	if (g_once_init_enter(&once)) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		g_once_init_leave(&once, 1);
	}
}

/* ---- curl callbacks ----------------------------------------------------- */

static size_t on_header(char *buf, size_t size, size_t n, void *ud)
{
	struct imap *im = ud;
	if (im->feed_parser && imapresp_feed(im->rp, buf, size * n) < 0)
		return 0; /* framing lost: abort, reconnect next time */
	return size * n;
}

static size_t on_body(char *buf, size_t size, size_t n, void *ud)
{
	struct imap *im = ud;
	size_t len = size * n;
	if (!im->collect_body)
		return len; /* copies of untagged lines: imapresp has them */
	im->body_total += len;
	size_t head = MIN(IMAP_HEAD, im->max_message);
	if (!im->body_over && im->body->len + len > im->max_message) {
		im->body_over = true;
		g_byte_array_set_size(im->body, (guint)MIN(im->body->len, head));
	}
	size_t keep = im->body_over ? MIN(len, head - MIN(head, im->body->len)) : len;
	if (keep)
		g_byte_array_append(im->body, (const guint8 *)buf, (guint)keep);
	return len;
}

/* ---- construction ------------------------------------------------------- */

static char *base_url(const char *url)
{
	const char *p;
	if (!url)
		return NULL;
	if (g_ascii_strncasecmp(url, "imap://", 7) != 0 &&
	    g_ascii_strncasecmp(url, "imaps://", 8) != 0)
		return NULL;
	p = strstr(url, "://") + 3;
	size_t n = strcspn(p, "/?#");
	if (n == 0 || memchr(p, '@', n))
		return NULL; /* credentials go in params, never in the URL */
	return g_strndup(url, (gsize)(p - url) + n);
}

static void setup_curl(struct imap *im)
{
	CURL *c = im->curl;
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, im->errbuf);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, im);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, im);
	curl_easy_setopt(c, CURLOPT_BUFFERSIZE, IMAP_CURL_BUFFER);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)im->timeout_s);
	curl_easy_setopt(c, CURLOPT_SERVER_RESPONSE_TIMEOUT, (long)im->timeout_s);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, (long)im->timeout_s);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "imap,imaps");
	curl_easy_setopt(c, CURLOPT_USERNAME, im->user ? im->user : "");
	if (im->token) {
		curl_easy_setopt(c, CURLOPT_XOAUTH2_BEARER, im->token);
		curl_easy_setopt(c, CURLOPT_LOGIN_OPTIONS, "AUTH=XOAUTH2");
	} else if (im->password) {
		curl_easy_setopt(c, CURLOPT_PASSWORD, im->password);
	}
	curl_easy_setopt(c, CURLOPT_USE_SSL,
			 im->allow_plaintext ? CURLUSESSL_NONE : CURLUSESSL_ALL);
	if (im->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, im->ca_file);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, im->no_verify ? 0L : 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, im->no_verify ? 0L : 2L);
}

struct imap *imap_new(const struct imap_params *p)
{
	char *base = base_url(p->url);
	if (!base)
		return NULL;
	imap_global_init();
	struct imap *im = g_new0(struct imap, 1);
	im->base = base;
	im->folder = g_strdup(p->folder ? p->folder : "INBOX");
	im->user = g_strdup(p->user);
	im->password = g_strdup(p->password);
	im->token = g_strdup(p->oauth_token);
	im->ca_file = g_strdup(p->ca_file);
	im->allow_plaintext = p->allow_plaintext;
	im->no_verify = p->no_verify;
	im->timeout_s = p->timeout_s ? p->timeout_s : IMAP_DEFAULT_TIMEOUT;
	im->max_message = p->max_message ? p->max_message : IMAP_DEFAULT_MAX_MESSAGE;
	im->batch = p->batch ? p->batch : IMAP_DEFAULT_BATCH;
	im->rp = imapresp_new(im->max_message, IMAP_HEAD, IMAP_MAX_LINE);
	im->body = g_byte_array_new();
	im->feed_parser = true;
	im->has_move = im->has_uidplus = -1;
	im->curl = curl_easy_init();
	setup_curl(im);
	return im;
}

static void free_secret(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		g_free(s);
	}
}

void imap_free(struct imap **pim)
{
	struct imap *im = pim ? *pim : NULL;
	if (!im)
		return;
	im->feed_parser = false;
	curl_easy_cleanup(im->curl); /* sends LOGOUT */
	imapresp_free(&im->rp);
	g_byte_array_unref(im->body);
	free_secret(im->password);
	free_secret(im->token);
	g_free(im->base);
	g_free(im->folder);
	g_free(im->user);
	g_free(im->ca_file);
	g_free(im);
	*pim = NULL;
}

bool imap_is_transient(const GError *e)
{
	return e && e->domain == IMAP_ERROR &&
	       (e->code == IMAP_ERR_CONNECT || e->code == IMAP_ERR_AUTH ||
		e->code == IMAP_ERR_TLS);
}

/* ---- running commands ------------------------------------------------- */

static int error_code(struct imap *im, CURLcode rc)
{
	if (strstr(im->errbuf, "Too large"))
		return IMAP_ERR_MESSAGE; /* curl's cap on response lines */
	switch (rc) {
	case CURLE_LOGIN_DENIED:
		/* curl 7.88 reports a failed SELECT as a login failure */
		return strstr(im->errbuf, "Select") ? IMAP_ERR_MAILBOX : IMAP_ERR_AUTH;
	case CURLE_REMOTE_FILE_NOT_FOUND:
		return strstr(im->errbuf, "UIDVALIDITY") ? IMAP_ERR_UIDVALIDITY
							 : IMAP_ERR_MESSAGE;
	case CURLE_QUOTE_ERROR:
		return IMAP_ERR_COMMAND;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_USE_SSL_FAILED:
		return IMAP_ERR_TLS;
	case CURLE_WRITE_ERROR:
		return IMAP_ERR_MESSAGE; /* imapresp lost the framing */
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return IMAP_ERR_INVALID;
	default:
		return IMAP_ERR_CONNECT;
	}
}

/* command_url - base/folder[;UIDVALIDITY=v][/;UID=n]: curl selects the
 * folder on a new connection and fails if its UIDVALIDITY changed. */
static char *command_url(struct imap *im, bool check_validity, uint32_t uid)
{
	char *esc = curl_easy_escape(im->curl, im->folder, 0);
	GString *u = g_string_new(im->base);
	g_string_append_printf(u, "/%s", esc);
	if (check_validity && im->uidvalidity)
		g_string_append_printf(u, ";UIDVALIDITY=%u", im->uidvalidity);
	if (uid)
		g_string_append_printf(u, "/;UID=%u", uid);
	curl_free(esc);
	return g_string_free(u, FALSE);
}

/* perform - run one command (cmd NULL: curl's own FETCH of uid). */
static int perform(struct imap *im, const char *cmd, bool check_validity,
		   uint32_t uid, GError **err)
{
	char *url = command_url(im, check_validity, uid);
	curl_easy_setopt(im->curl, CURLOPT_URL, url);
	curl_easy_setopt(im->curl, CURLOPT_CUSTOMREQUEST, cmd);
	curl_easy_setopt(im->curl, CURLOPT_FRESH_CONNECT, im->fresh ? 1L : 0L);
	im->fresh = false;
	im->errbuf[0] = '\0';
	imapresp_reset(im->rp);
	CURLcode rc = curl_easy_perform(im->curl);
	log_debug("imap command=\"%s\" uid=%u rc=%d", cmd ? cmd : "(curl FETCH)", uid, (int)rc);
	g_free(url);
	if (rc == CURLE_OK)
		return 0;
	int code = error_code(im, rc);
	if (code != IMAP_ERR_COMMAND)
		im->fresh = true;
	const char *tagged = imapresp_refused(im->rp);
	g_set_error(err, IMAP_ERROR, code, "imap %s folder=%s: %s%s%s", im->base,
		    im->folder, im->errbuf[0] ? im->errbuf : curl_easy_strerror(rc),
		    code == IMAP_ERR_COMMAND ? ": " : "",
		    code == IMAP_ERR_COMMAND ? tagged : "");
	return -1;
}

/* run - perform a custom command on the selected folder. */
static int run(struct imap *im, const char *cmd, GError **err)
{
	return perform(im, cmd, true, 0, err);
}

/* quote_mailbox - an IMAP quoted string for an ASCII folder name, with
 * '&' written as "&-" (modified UTF-7). NULL for names we cannot send. */
static char *quote_mailbox(const char *name)
{
	GString *q = g_string_new("\"");
	if (!name || !*name || strlen(name) > 512)
		goto bad;
	for (const char *p = name; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch < 0x20 || ch > 0x7e)
			goto bad;
		if (ch == '"' || ch == '\\')
			g_string_append_c(q, '\\');
		g_string_append_c(q, (char)ch);
		if (ch == '&')
			g_string_append_c(q, '-');
	}
	g_string_append_c(q, '"');
	return g_string_free(q, FALSE);
bad:
	g_string_free(q, TRUE);
	return NULL;
}

/* ---- SELECT, search ------------------------------------------------------ */

int imap_select(struct imap *im, uint32_t *uidvalidity, uint32_t *uidnext,
		uint32_t *exists, GError **err)
{
	char *q = quote_mailbox(im->folder);
	if (!q) {
		g_set_error(err, IMAP_ERROR, IMAP_ERR_INVALID,
			    "imap: folder name must be printable ASCII");
		return -1;
	}
	char *cmd = g_strdup_printf("SELECT %s", q);
	int rc = perform(im, cmd, false, 0, err);
	g_free(cmd);
	g_free(q);
	if (rc < 0)
		return -1;
	if (imapresp_uidvalidity(im->rp) == 0) {
		g_set_error(err, IMAP_ERROR, IMAP_ERR_MAILBOX,
			    "imap %s folder=%s: no UIDVALIDITY in SELECT", im->base,
			    im->folder);
		return -1;
	}
	im->uidvalidity = imapresp_uidvalidity(im->rp);
	im->uidnext = imapresp_uidnext(im->rp);
	im->exists = imapresp_exists(im->rp);
	if (uidvalidity)
		*uidvalidity = im->uidvalidity;
	if (uidnext)
		*uidnext = imapresp_uidnext(im->rp);
	if (exists)
		*exists = imapresp_exists(im->rp);
	return 0;
}

struct search_ctx {
	uint32_t after;
	uint32_t last_seq_uid; /* UID of the single message asked for by seq */
	GArray *uids;
};

static int on_search_fetch(const struct imapresp_fetch *f, void *ud)
{
	struct search_ctx *s = ud;
	s->last_seq_uid = f->uid;
	if (f->uid > s->after && s->uids->len < IMAP_SEARCH_MAX)
		g_array_append_val(s->uids, f->uid);
	return 0;
}

static gint cmp_u32(gconstpointer a, gconstpointer b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* sort_unique - sort a uint32 GArray and drop duplicates. */
static void sort_unique(GArray *a)
{
	guint w = 0;
	g_array_sort(a, cmp_u32);
	for (guint r = 0; r < a->len; r++)
		if (w == 0 || g_array_index(a, uint32_t, r) != g_array_index(a, uint32_t, w - 1))
			g_array_index(a, uint32_t, w++) = g_array_index(a, uint32_t, r);
	g_array_set_size(a, w);
}

static int search_cmd(struct imap *im, struct search_ctx *s, const char *cmd,
		      GError **err)
{
	imapresp_set_fetch_cb(im->rp, on_search_fetch, s);
	int rc = run(im, cmd, err);
	imapresp_set_fetch_cb(im->rp, NULL, NULL);
	return rc;
}

/* first_seq_after - the lowest sequence number whose UID is above after
 * (UIDs grow with sequence numbers); exists + 1 if none. Binary search,
 * one "FETCH n (UID)" per step. */
static int first_seq_after(struct imap *im, struct search_ctx *s, uint32_t *out,
			   GError **err)
{
	uint32_t lo = 1, hi = im->exists + 1;
	GArray *keep = s->uids;
	s->uids = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		char cmd[48];
		g_snprintf(cmd, sizeof cmd, "FETCH %u (UID)", mid);
		s->last_seq_uid = 0;
		if (search_cmd(im, s, cmd, err) < 0) {
			g_array_free(s->uids, TRUE);
			s->uids = keep;
			return -1;
		}
		if (s->last_seq_uid > s->after || s->last_seq_uid == 0)
			hi = mid; /* 0: expunged meanwhile; look lower, harmless */
		else
			lo = mid + 1;
	}
	g_array_free(s->uids, TRUE);
	s->uids = keep;
	*out = lo;
	return 0;
}

/* Why not UID SEARCH: it puts every UID on one line, and curl caps what
 * a command may return (300 KiB). Instead "UID FETCH a:b (UID)" when the
 * UID range is small, else sequence-number windows from the first new
 * message on. Uses UIDNEXT/EXISTS of the last imap_select: call that at
 * the start of each poll. Note "n:*" would yield the last message even
 * when its UID is below n; we never send "*", and filter on after_uid. */
int imap_search_since_uid(struct imap *im, uint32_t after_uid, GArray *uids,
			  GError **err)
{
	struct search_ctx s = { after_uid, 0, g_array_new(FALSE, FALSE, sizeof(uint32_t)) };
	char cmd[64];
	int rc = 0;
	if (!im->uidvalidity && imap_select(im, NULL, NULL, NULL, err) < 0)
		rc = -1;
	else if (im->uidnext && (uint64_t)im->uidnext <= (uint64_t)after_uid + 1)
		rc = 0; /* nothing new: no command at all */
	else if (im->uidnext && im->uidnext - after_uid <= IMAP_WINDOW) {
		g_snprintf(cmd, sizeof cmd, "UID FETCH %u:%u (UID)", after_uid + 1,
			   im->uidnext - 1);
		rc = search_cmd(im, &s, cmd, err);
	} else {
		uint32_t seq = 0;
		rc = first_seq_after(im, &s, &seq, err);
		for (; rc == 0 && seq <= im->exists; seq += IMAP_WINDOW) {
			g_snprintf(cmd, sizeof cmd, "FETCH %u:%u (UID)", seq,
				   MIN(im->exists, seq + IMAP_WINDOW - 1));
			rc = search_cmd(im, &s, cmd, err);
		}
	}
	if (rc == 0) {
		sort_unique(s.uids);
		g_array_append_vals(uids, s.uids->data, s.uids->len);
		rc = (int)s.uids->len;
	}
	g_array_free(s.uids, TRUE);
	return rc;
}

/* ---- UID sets ---------------------------------------------------------- */

/* uid_set - "1:5,7,9" for sorted unique uids[from..to). */
static char *uid_set(const uint32_t *u, unsigned from, unsigned to)
{
	GString *s = g_string_new(NULL);
	for (unsigned i = from; i < to;) {
		unsigned j = i;
		while (j + 1 < to && u[j + 1] == u[j] + 1)
			j++;
		if (s->len)
			g_string_append_c(s, ',');
		if (j > i)
			g_string_append_printf(s, "%u:%u", u[i], u[j]);
		else
			g_string_append_printf(s, "%u", u[i]);
		i = j + 1;
	}
	return g_string_free(s, FALSE);
}

static GArray *sorted_copy(const uint32_t *uids, unsigned n)
{
	GArray *a = g_array_sized_new(FALSE, FALSE, sizeof(uint32_t), n);
	for (unsigned i = 0; i < n; i++)
		if (uids[i])
			g_array_append_val(a, uids[i]);
	sort_unique(a);
	return a;
}

/* ---- FETCH ------------------------------------------------------------- */

enum want { WANT = 1, DONE = 2, BROKEN = 3 };

struct meta {
	int64_t size, date;
};

struct fetch_ctx {
	struct imap *im;
	GHashTable *meta; /* uid -> struct meta*: the messages that exist */
	GHashTable *want; /* uid -> enum want, for the command under way */
	imap_msg_cb cb;
	void *ctx;
	bool stop;
	int delivered;
};

static int deliver(struct fetch_ctx *fc, uint32_t uid, int64_t date,
		   const char *data, size_t len, size_t size)
{
	g_hash_table_insert(fc->want, GUINT_TO_POINTER(uid), GINT_TO_POINTER(DONE));
	if (fc->stop)
		return 0;
	fc->delivered++;
	if (fc->cb(uid, date == INT64_MIN ? 0 : date, data, len, size, fc->ctx) != 0)
		fc->stop = true;
	return 0;
}

static int on_meta_fetch(const struct imapresp_fetch *f, void *ud)
{
	struct fetch_ctx *fc = ud;
	if (!f->uid || f->rfc822_size < 0)
		return 0;
	struct meta *m = g_new(struct meta, 1);
	m->size = f->rfc822_size;
	m->date = f->internaldate;
	g_hash_table_insert(fc->meta, GUINT_TO_POINTER(f->uid), m);
	return 0;
}

/* fetch_meta - sizes and dates of the sorted uids, window by window. */
static int fetch_meta(struct imap *im, struct fetch_ctx *fc, const uint32_t *u,
		      unsigned n, GError **err)
{
	int rc = 0;
	imapresp_set_fetch_cb(im->rp, on_meta_fetch, fc);
	for (unsigned i = 0; i < n && rc == 0; i += IMAP_WINDOW) {
		char *set = uid_set(u, i, MIN(n, i + IMAP_WINDOW));
		char *cmd = g_strdup_printf("UID FETCH %s (UID RFC822.SIZE INTERNALDATE)", set);
		rc = run(im, cmd, err);
		g_free(cmd);
		g_free(set);
	}
	imapresp_set_fetch_cb(im->rp, NULL, NULL);
	return rc;
}

static int on_batch_fetch(const struct imapresp_fetch *f, void *ud)
{
	struct fetch_ctx *fc = ud;
	if (!f->uid || !f->has_body ||
	    GPOINTER_TO_INT(g_hash_table_lookup(fc->want, GUINT_TO_POINTER(f->uid))) != WANT)
		return 0;
	if (!f->body && !f->body_oversized) {
		/* NIL: the server could not produce it this way */
		g_hash_table_insert(fc->want, GUINT_TO_POINTER(f->uid),
				    GINT_TO_POINTER(BROKEN));
		return 0;
	}
	return deliver(fc, f->uid, f->internaldate, f->body, f->body_len,
		       f->body_oversized ? f->body_size : f->body_len);
}

/* fetch_cmd - one UID FETCH over a set; true when the response was read
 * whole, so that a wanted UID without a FETCH response no longer exists.
 * Errors that are about the messages, not the connection, are logged. */
static bool fetch_cmd(struct imap *im, struct fetch_ctx *fc, const char *set,
		      GError **err)
{
	char *cmd = g_strdup_printf(
		"UID FETCH %s (UID INTERNALDATE BODY.PEEK[])", set);
	GError *e = NULL;
	imapresp_set_fetch_cb(im->rp, on_batch_fetch, fc);
	int rc = run(im, cmd, &e);
	imapresp_set_fetch_cb(im->rp, NULL, NULL);
	g_free(cmd);
	bool whole = rc == 0 && imapresp_idle(im->rp) && imapresp_bad_count(im->rp) == 0;
	if (!whole)
		im->fresh = true; /* the stream may be out of step */
	if (e && (e->code == IMAP_ERR_COMMAND || e->code == IMAP_ERR_MESSAGE)) {
		log_warn("imap fetch incomplete, retrying one by one folder=%s: %s",
			 im->folder, e->message);
		g_clear_error(&e);
	}
	if (e)
		g_propagate_error(err, e);
	return whole;
}

/* fetch_robust - curl's own FETCH of one message, the literal read by its
 * length, on the folder EXAMINEd (read-only) so that BODY[] leaves \Seen
 * alone; then SELECT again for the commands that follow. */
static int fetch_robust(struct imap *im, struct fetch_ctx *fc, uint32_t uid,
			GError **err)
{
	struct meta *m = g_hash_table_lookup(fc->meta, GUINT_TO_POINTER(uid));
	char *q = quote_mailbox(im->folder);
	char *cmd = g_strdup_printf("EXAMINE %s", q);
	int rc = run(im, cmd, err);
	g_free(cmd);
	if (rc == 0) {
		g_byte_array_set_size(im->body, 0);
		im->body_total = 0;
		im->body_over = false;
		im->feed_parser = false;
		im->collect_body = true;
		rc = perform(im, NULL, true, uid, err);
		im->feed_parser = true;
		im->collect_body = false;
	}
	cmd = g_strdup_printf("SELECT %s", q);
	GError *e = NULL;
	if (run(im, cmd, &e) < 0) {
		im->fresh = true; /* a new connection will SELECT by itself */
		g_error_free(e);
	}
	g_free(cmd);
	g_free(q);
	if (rc < 0)
		return -1;
	deliver(fc, uid, m ? m->date : INT64_MIN, (const char *)im->body->data, im->body->len,
		im->body_total);
	return 0;
}

/* fetch_one - a message the batch did not yield: alone by UID FETCH, then
 * by curl's own FETCH. -1 only for errors that end the whole fetch. */
static int fetch_one(struct imap *im, struct fetch_ctx *fc, uint32_t uid,
		     bool try_custom, GString *failed, GError **err)
{
	char set[16];
	GError *e = NULL;
	g_hash_table_insert(fc->want, GUINT_TO_POINTER(uid), GINT_TO_POINTER(WANT));
	if (try_custom) {
		g_snprintf(set, sizeof set, "%u", uid);
		bool whole = fetch_cmd(im, fc, set, &e);
		if (e) {
			g_propagate_error(err, e);
			return -1;
		}
		enum want w = GPOINTER_TO_INT(g_hash_table_lookup(fc->want, GUINT_TO_POINTER(uid)));
		if (w == DONE || (whole && w == WANT))
			return 0; /* delivered, or no longer exists */
	}
	if (fetch_robust(im, fc, uid, &e) < 0) {
		if (imap_is_transient(e) || e->code == IMAP_ERR_UIDVALIDITY) {
			g_propagate_error(err, e);
			return -1;
		}
		log_warn("imap cannot fetch uid=%u folder=%s: %s", uid, im->folder,
			 e->message);
		g_string_append_printf(failed, " %u", uid);
		g_error_free(e);
	}
	return 0;
}

static int fetch_batch(struct imap *im, struct fetch_ctx *fc, const uint32_t *u,
		       unsigned n, GString *failed, GError **err)
{
	char *set = uid_set(u, 0, n);
	GError *e = NULL;
	g_hash_table_remove_all(fc->want);
	for (unsigned i = 0; i < n; i++)
		g_hash_table_insert(fc->want, GUINT_TO_POINTER(u[i]), GINT_TO_POINTER(WANT));
	bool whole = fetch_cmd(im, fc, set, &e);
	g_free(set);
	if (e) {
		g_propagate_error(err, e);
		return -1;
	}
	for (unsigned i = 0; i < n && !fc->stop; i++) {
		enum want w = GPOINTER_TO_INT(g_hash_table_lookup(fc->want,
								  GUINT_TO_POINTER(u[i])));
		if (w == DONE || (whole && w == WANT))
			continue;
		if (fetch_one(im, fc, u[i], n > 1, failed, err) < 0)
			return -1;
	}
	return 0;
}

/* fetch_all - group the existing messages into commands of at most
 * im->batch messages and IMAP_BATCH_BYTES; big ones go one by one. */
static int fetch_all(struct imap *im, struct fetch_ctx *fc, const uint32_t *u,
		     unsigned n, GString *failed, GError **err)
{
	GArray *batch = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	uint64_t bytes = 0;
	int rc = 0;
	for (unsigned i = 0; i <= n && rc == 0 && !fc->stop; i++) {
		struct meta *m = i < n ? g_hash_table_lookup(fc->meta, GUINT_TO_POINTER(u[i])) : NULL;
		if (i < n && !m)
			continue; /* gone */
		bool big = m && (uint64_t)m->size > IMAP_BATCH_BYTES;
		bool flush = i == n || big || batch->len >= im->batch ||
			     bytes + (uint64_t)m->size + IMAP_LINE_COST > IMAP_BATCH_BYTES;
		if (flush && batch->len) {
			rc = fetch_batch(im, fc, (uint32_t *)batch->data, batch->len, failed, err);
			g_array_set_size(batch, 0);
			bytes = 0;
		}
		if (rc < 0 || fc->stop || i == n)
			break;
		if (big) {
			g_hash_table_remove_all(fc->want);
			rc = fetch_one(im, fc, u[i], false, failed, err);
		} else {
			g_array_append_val(batch, u[i]);
			bytes += (uint64_t)m->size + IMAP_LINE_COST;
		}
	}
	g_array_free(batch, TRUE);
	return rc;
}

int imap_fetch_uids(struct imap *im, const uint32_t *uids, unsigned n,
		    imap_msg_cb cb, void *ctx, GError **err)
{
	GArray *a = sorted_copy(uids, n);
	struct fetch_ctx fc = { .im = im, .cb = cb, .ctx = ctx,
				.want = g_hash_table_new(NULL, NULL),
				.meta = g_hash_table_new_full(NULL, NULL, NULL, g_free) };
	GString *failed = g_string_new(NULL);
	const uint32_t *u = (const uint32_t *)a->data;
	int rc = fetch_meta(im, &fc, u, a->len, err);
	if (rc == 0)
		rc = fetch_all(im, &fc, u, a->len, failed, err);
	if (rc == 0 && fc.stop) {
		g_set_error(err, IMAP_ERROR, IMAP_ERR_ABORTED,
			    "imap fetch stopped by the caller after %d messages",
			    fc.delivered);
		rc = -1;
	} else if (rc == 0 && failed->len) {
		g_set_error(err, IMAP_ERROR, IMAP_ERR_MESSAGE,
			    "imap folder=%s: could not fetch uids%s", im->folder,
			    failed->str);
		rc = -1;
	}
	g_string_free(failed, TRUE);
	g_hash_table_destroy(fc.want);
	g_hash_table_destroy(fc.meta);
	g_array_free(a, TRUE);
	return rc < 0 ? -1 : fc.delivered;
}

/* ---- STORE, MOVE --------------------------------------------------------- */

/* uid_command - "UID <verb> <set> <tail>" over uids in chunks. */
static int uid_command(struct imap *im, const char *verb, const uint32_t *uids,
		       unsigned n, const char *tail, GError **err)
{
	GArray *a = sorted_copy(uids, n);
	int rc = 0;
	for (unsigned i = 0; i < a->len && rc == 0; i += IMAP_STORE_CHUNK) {
		unsigned to = MIN(a->len, i + IMAP_STORE_CHUNK);
		char *set = uid_set((const uint32_t *)a->data, i, to);
		char *cmd = g_strdup_printf("UID %s %s%s%s", verb, set,
					    *tail ? " " : "", tail);
		rc = run(im, cmd, err);
		g_free(cmd);
		g_free(set);
	}
	g_array_free(a, TRUE);
	return rc;
}

int imap_mark_seen(struct imap *im, const uint32_t *uids, unsigned n, GError **err)
{
	return uid_command(im, "STORE", uids, n, "+FLAGS.SILENT (\\Seen)", err);
}

static bool valid_keyword(const char *kw)
{
	if (!kw || !*kw || strlen(kw) > 100)
		return false;
	for (const char *p = kw; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch <= 0x20 || ch >= 0x7f || strchr("(){%*\"\\]", ch))
			return false;
	}
	return true;
}

int imap_add_keyword(struct imap *im, const uint32_t *uids, unsigned n,
		     const char *kw, GError **err)
{
	if (!valid_keyword(kw)) {
		g_set_error(err, IMAP_ERROR, IMAP_ERR_INVALID,
			    "imap: keyword is not an IMAP atom");
		return -1;
	}
	char *tail = g_strdup_printf("+FLAGS.SILENT (%s)", kw);
	int rc = uid_command(im, "STORE", uids, n, tail, err);
	g_free(tail);
	return rc;
}

static int load_capabilities(struct imap *im, GError **err)
{
	if (im->has_move >= 0)
		return 0;
	if (run(im, "CAPABILITY", err) < 0)
		return -1;
	im->has_move = imapresp_has_capability(im->rp, "MOVE");
	im->has_uidplus = imapresp_has_capability(im->rp, "UIDPLUS");
	return 0;
}

/* copy_or_move - UID MOVE/COPY; on [TRYCREATE] create the folder and
 * try once more. */
static int copy_or_move(struct imap *im, const char *verb, const uint32_t *uids,
			unsigned n, const char *quoted, GError **err)
{
	GError *e = NULL;
	if (uid_command(im, verb, uids, n, quoted, &e) == 0)
		return 0;
	if (e->code != IMAP_ERR_COMMAND || !strstr(imapresp_refused(im->rp), "TRYCREATE")) {
		g_propagate_error(err, e);
		return -1;
	}
	g_clear_error(&e);
	char *cmd = g_strdup_printf("CREATE %s", quoted);
	if (run(im, cmd, &e) < 0) { /* maybe created meanwhile: try anyway */
		log_warn("imap %s: %s", cmd, e->message);
		g_clear_error(&e);
	}
	g_free(cmd);
	return uid_command(im, verb, uids, n, quoted, err);
}

int imap_move(struct imap *im, const uint32_t *uids, unsigned n,
	      const char *folder, GError **err)
{
	char *q = quote_mailbox(folder);
	int rc = -1;
	if (!q) {
		g_set_error(err, IMAP_ERROR, IMAP_ERR_INVALID,
			    "imap: folder name must be printable ASCII");
		return -1;
	}
	if (load_capabilities(im, err) < 0)
		goto out;
	if (im->has_move) {
		rc = copy_or_move(im, "MOVE", uids, n, q, err);
		goto out;
	}
	if (copy_or_move(im, "COPY", uids, n, q, err) < 0 ||
	    uid_command(im, "STORE", uids, n, "+FLAGS.SILENT (\\Deleted)", err) < 0)
		goto out;
	if (im->has_uidplus)
		rc = uid_command(im, "EXPUNGE", uids, n, "", err);
	else
		rc = run(im, "EXPUNGE", err);
out:
	g_free(q);
	return rc;
}
