/* smtp - deliver ready-made messages over SMTP, on libcurl.
 *
 * One struct smtp keeps its connection open between sends (curl reuses
 * it) and reconnects by itself. Certificates are verified unless
 * no_verify. Passwords are never logged nor put in error messages.
 * Not thread-safe: one struct smtp per thread. */
#ifndef COMPLAINTD_SMTP_H
#define COMPLAINTD_SMTP_H

#include <stdbool.h>
#include <stddef.h>
#include <glib.h>

#define SMTP_ERROR (smtp_error_quark())
GQuark smtp_error_quark(void);

enum smtp_tls {
	SMTP_TLS_REQUIRED = 0, /* STARTTLS or fail: the default */
	SMTP_TLS_TRY,          /* STARTTLS when offered */
	SMTP_TLS_NONE,         /* plaintext (loopback relays, tests) */
};

struct smtp_params {
	const char *url;       /* smtp://host:port (STARTTLS per tls) or smtps:// */
	const char *user;      /* NULL: no AUTH */
	const char *password;
	const char *ca_file;   /* NULL: the system's CAs */
	bool no_verify;        /* skip certificate checks (tests only!) */
	enum smtp_tls tls;
	const char *helo;      /* EHLO name; NULL: curl's default */
	unsigned timeout_s;    /* connect and reply timeout; 0 = 60 */
};

struct smtp;

/* smtp_new - copies params. NULL if the URL is not smtp:// or smtps://
 * or carries user info. */
struct smtp *smtp_new(const struct smtp_params *p);
void smtp_free(struct smtp **s);

enum smtp_result {
	SMTP_SENT = 0,
	SMTP_TEMPFAIL = 1, /* retry later: no connection, 4xx, timeout, TLS/auth trouble */
	SMTP_PERMFAIL = 2, /* 5xx for this sender/recipient/message: do not retry */
};

/* smtp_send - deliver one message to one recipient. Bare LF and bare CR
 * become CRLF; curl does the dot-stuffing. Returns an smtp_result, or -1
 * for bad arguments (CR/LF or <> in an address) with *err set; *err is
 * also set for failures. *reply (may be NULL) gets the server's last
 * reply ("250 2.0.0 Ok: queued as X"), g_free it; NULL when none. */
int smtp_send(struct smtp *s, const char *mail_from, const char *rcpt,
	      const void *data, size_t len, char **reply, GError **err);

/* smtp_crlf - data with every line ending made CRLF; g_free. */
char *smtp_crlf(const char *data, size_t len, size_t *out_len);

#endif
