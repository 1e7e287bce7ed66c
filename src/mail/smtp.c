/* smtp - SMTP delivery on libcurl; see smtp.h.
 *
 * The reply text and code come from the header callback, which curl feeds
 * every server reply line; the last complete reply is what decided the
 * outcome (curl stops at the first refusal). */
#include "mail/smtp.h"

#include <curl/curl.h>
#include <string.h>

#include "lib/log.h"

#define SMTP_DEFAULT_TIMEOUT 60
#define SMTP_REPLY_MAX 2048

G_DEFINE_QUARK(complaintd-smtp-error-quark, smtp_error)

struct smtp {
	char *url;
	char *user, *password, *ca_file;
	bool no_verify;
	enum smtp_tls tls;
	unsigned timeout_s;
	CURL *curl;
	char errbuf[CURL_ERROR_SIZE];
	bool fresh;
	GString *reply;   /* the reply being read, lines joined */
	GString *last;    /* the last complete reply */
	GString *refused; /* the last 4xx/5xx reply (QUIT's 221 may follow it) */
	unsigned lines;   /* reply lines seen in this send */
	/* upload */
	const char *up;
	size_t up_len, up_pos;
};

static size_t on_header(char *buf, size_t size, size_t n, void *ud)
{
	struct smtp *s = ud;
	size_t len = size * n;
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	s->lines++;
	if (s->reply->len)
		g_string_append(s->reply, " / ");
	if (s->reply->len < SMTP_REPLY_MAX)
		g_string_append_len(s->reply, buf, (gssize)MIN(len, (size_t)SMTP_REPLY_MAX));
	/* "250-..." continues, "250 ..." ends a reply */
	if (len < 4 || buf[3] != '-') {
		g_string_assign(s->last, s->reply->str);
		if (s->last->str[0] == '4' || s->last->str[0] == '5')
			g_string_assign(s->refused, s->last->str);
		g_string_truncate(s->reply, 0);
	}
	return size * n;
}

static size_t on_read(char *buf, size_t size, size_t n, void *ud)
{
	struct smtp *s = ud;
	size_t take = MIN(size * n, s->up_len - s->up_pos);
	memcpy(buf, s->up + s->up_pos, take);
	s->up_pos += take;
	return take;
}

static char *check_url(const char *url)
{
	if (!url || (g_ascii_strncasecmp(url, "smtp://", 7) != 0 &&
		     g_ascii_strncasecmp(url, "smtps://", 8) != 0))
		return NULL;
	const char *p = strstr(url, "://") + 3;
	size_t n = strcspn(p, "/?#");
	if (n == 0 || memchr(p, '@', n))
		return NULL;
	return g_strndup(url, (gsize)(p - url) + n);
}

static void setup_curl(struct smtp *s, const char *helo)
{
	CURL *c = s->curl;
	char *url = helo ? g_strdup_printf("%s/%s", s->url, helo) : g_strdup(s->url);
	curl_easy_setopt(c, CURLOPT_URL, url); /* the path is the EHLO name */
	g_free(url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, s->errbuf);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, s);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
	curl_easy_setopt(c, CURLOPT_READDATA, s);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)s->timeout_s);
	curl_easy_setopt(c, CURLOPT_SERVER_RESPONSE_TIMEOUT, (long)s->timeout_s);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, (long)s->timeout_s);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	if (s->user) {
		curl_easy_setopt(c, CURLOPT_USERNAME, s->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, s->password ? s->password : "");
	}
	curl_easy_setopt(c, CURLOPT_USE_SSL,
			 s->tls == SMTP_TLS_NONE ? CURLUSESSL_NONE :
			 s->tls == SMTP_TLS_TRY ? CURLUSESSL_TRY : CURLUSESSL_ALL);
	if (s->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, s->ca_file);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, s->no_verify ? 0L : 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, s->no_verify ? 0L : 2L);
}

struct smtp *smtp_new(const struct smtp_params *p)
{
	char *url = check_url(p->url);
	if (!url)
		return NULL;
	if (p->helo && (strchr(p->helo, '/') || strpbrk(p->helo, "\r\n "))) {
		g_free(url);
		return NULL;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT); /* thread-safe in 7.84+ */
	struct smtp *s = g_new0(struct smtp, 1);
	s->url = url;
	s->user = g_strdup(p->user);
	s->password = g_strdup(p->password);
	s->ca_file = g_strdup(p->ca_file);
	s->no_verify = p->no_verify;
	/* never AUTH over a connection an attacker could keep plain by
	 * stripping STARTTLS: with a user, "try" means "required" */
	s->tls = p->tls == SMTP_TLS_TRY && p->user && *p->user ? SMTP_TLS_REQUIRED : p->tls;
	s->timeout_s = p->timeout_s ? p->timeout_s : SMTP_DEFAULT_TIMEOUT;
	s->reply = g_string_new(NULL);
	s->last = g_string_new(NULL);
	s->refused = g_string_new(NULL);
	s->curl = curl_easy_init();
	setup_curl(s, p->helo);
	return s;
}

void smtp_free(struct smtp **ps)
{
	struct smtp *s = ps ? *ps : NULL;
	if (!s)
		return;
	curl_easy_cleanup(s->curl); /* sends QUIT */
	if (s->password) {
		explicit_bzero(s->password, strlen(s->password));
		g_free(s->password);
	}
	g_free(s->url);
	g_free(s->user);
	g_free(s->ca_file);
	g_string_free(s->reply, TRUE);
	g_string_free(s->last, TRUE);
	g_string_free(s->refused, TRUE);
	g_free(s);
	*ps = NULL;
}

char *smtp_crlf(const char *data, size_t len, size_t *out_len)
{
	GString *o = g_string_sized_new(len + len / 32 + 2);
	for (size_t i = 0; i < len; i++) {
		char ch = data[i];
		if (ch == '\r') {
			g_string_append(o, "\r\n");
			if (i + 1 < len && data[i + 1] == '\n')
				i++;
		} else if (ch == '\n') {
			g_string_append(o, "\r\n");
		} else {
			g_string_append_c(o, ch);
		}
	}
	*out_len = o->len;
	return g_string_free(o, FALSE);
}

static bool valid_addr(const char *a)
{
	return a && strlen(a) < 512 && !strpbrk(a, "\r\n<>");
}

/* classify - what a failed send means for the retry logic. */
static int classify(struct smtp *s, CURLcode rc)
{
	int code = s->refused->len >= 3 ? atoi(s->refused->str) : 0;
	if (code >= 500 && code < 600 && rc != CURLE_LOGIN_DENIED)
		return SMTP_PERMFAIL;
	return SMTP_TEMPFAIL;
}

static CURLcode attempt(struct smtp *s, struct curl_slist *rcpts)
{
	s->up_pos = 0;
	s->lines = 0;
	s->errbuf[0] = '\0';
	g_string_truncate(s->reply, 0);
	g_string_truncate(s->last, 0);
	g_string_truncate(s->refused, 0);
	curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, rcpts);
	curl_easy_setopt(s->curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)s->up_len);
	curl_easy_setopt(s->curl, CURLOPT_FRESH_CONNECT, s->fresh ? 1L : 0L);
	s->fresh = false;
	return curl_easy_perform(s->curl);
}

int smtp_send(struct smtp *s, const char *mail_from, const char *rcpt,
	      const void *data, size_t len, char **reply, GError **err)
{
	if (reply)
		*reply = NULL;
	if (!valid_addr(mail_from) || !valid_addr(rcpt) || !*rcpt) {
		g_set_error(err, SMTP_ERROR, -1, "smtp: bad envelope address");
		return -1;
	}
	size_t n;
	char *body = smtp_crlf(data, len, &n);
	struct curl_slist *rcpts = curl_slist_append(NULL, rcpt);
	s->up = body;
	s->up_len = n;
	curl_easy_setopt(s->curl, CURLOPT_MAIL_FROM, mail_from);
	CURLcode rc = attempt(s, rcpts);
	long conns = 0;
	curl_easy_getinfo(s->curl, CURLINFO_NUM_CONNECTS, &conns);
	if (rc != CURLE_OK && conns == 0 && s->lines == 0) {
		/* a kept connection the server had closed: nothing was said,
		 * so nothing was accepted; once more on a new one */
		s->fresh = true;
		rc = attempt(s, rcpts);
	}
	int result = SMTP_SENT;
	GString *said = rc != CURLE_OK && s->refused->len ? s->refused : s->last;
	if (rc != CURLE_OK) {
		result = classify(s, rc);
		s->fresh = true; /* never reuse a session in an unknown state */
		g_set_error(err, SMTP_ERROR, result, "smtp %s rcpt=%s: %s%s%s", s->url,
			    rcpt, s->errbuf[0] ? s->errbuf : curl_easy_strerror(rc),
			    said->len ? ": " : "", said->str);
	}
	if (reply && said->len)
		*reply = g_strdup(said->str);
	curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, NULL);
	curl_slist_free_all(rcpts);
	g_free(body);
	s->up = NULL;
	return result;
}
