/* imap - IMAP client for polling one mailbox folder, on libcurl.
 *
 * One struct imap keeps one connection (one curl easy handle) open across
 * calls, logging in and selecting the folder again by itself after a
 * reconnect. Messages are fetched many per command ("UID FETCH set
 * (UID INTERNALDATE RFC822.SIZE BODY.PEEK[])") and parsed by imapresp;
 * fetching never sets \Seen.
 *
 * TLS: imaps:// always; imap:// requires STARTTLS unless allow_plaintext.
 * Certificates are verified unless no_verify. Passwords and tokens are
 * never logged nor put in error messages.
 *
 * Not thread-safe: one struct imap per thread. Call imap_global_init()
 * (or curl_global_init) once before starting threads.
 *
 * Errors: functions return 0 (or a count) on success, -1 with *err set in
 * the IMAP_ERROR domain. IMAP_ERR_CONNECT, _AUTH and _TLS mean the mailbox
 * cannot be reached (back off and retry later); IMAP_ERR_UIDVALIDITY means
 * the folder was recreated (start over from uid 0); IMAP_ERR_COMMAND is the
 * server refusing one command (its tagged reply is in the message). */
#ifndef COMPLAINTD_IMAP_H
#define COMPLAINTD_IMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

#define IMAP_ERROR (imap_error_quark())
GQuark imap_error_quark(void);

enum imap_error {
	IMAP_ERR_CONNECT,     /* refused, timeout, connection lost, bad reply */
	IMAP_ERR_AUTH,        /* login refused (password or token) */
	IMAP_ERR_TLS,         /* handshake, certificate, STARTTLS not offered */
	IMAP_ERR_MAILBOX,     /* folder cannot be selected */
	IMAP_ERR_UIDVALIDITY, /* folder's UIDVALIDITY changed since imap_select */
	IMAP_ERR_COMMAND,     /* the server answered NO/BAD to a command */
	IMAP_ERR_MESSAGE,     /* one message could not be fetched or parsed */
	IMAP_ERR_ABORTED,     /* the caller's callback asked to stop */
	IMAP_ERR_INVALID,     /* bad argument (folder name, keyword, ...) */
};

struct imap_params {
	const char *url;          /* imaps://host:port or imap://host:port */
	const char *folder;       /* "INBOX" if NULL; ASCII names only */
	const char *user;
	const char *password;     /* NULL when oauth_token is used */
	const char *oauth_token;  /* XOAUTH2 bearer (Microsoft 365, Gmail) */
	bool allow_plaintext;     /* imap:// without STARTTLS; never by default */
	const char *ca_file;      /* CA bundle; NULL for the system's */
	bool no_verify;           /* skip certificate checks (tests only!) */
	unsigned timeout_s;       /* connect and stall timeout; 0 = 30 */
	size_t max_message;       /* bigger messages are not kept; 0 = 64 MiB */
	unsigned batch;           /* UIDs per FETCH command; 0 = 200 */
};

struct imap;

/* imap_new - copies params; connects lazily on the first call. NULL if
 * the URL scheme is not imap/imaps. */
struct imap *imap_new(const struct imap_params *p);
/* imap_free - logs out, closes the connection, sets *im to NULL. */
void imap_free(struct imap **im);

/* imap_global_init - curl_global_init once; imap_new calls it too. */
void imap_global_init(void);

/* imap_select - (re)select the folder and report its state. Later calls
 * check the folder keeps this UIDVALIDITY across reconnects. */
int imap_select(struct imap *im, uint32_t *uidvalidity, uint32_t *uidnext,
		uint32_t *exists, GError **err);

/* imap_search_since_uid - UIDs greater than after_uid, ascending, appended
 * to uids (a GArray of uint32_t). Returns how many were added. */
int imap_search_since_uid(struct imap *im, uint32_t after_uid, GArray *uids,
			  GError **err);

/* imap_msg_cb - one fetched message: its UID, INTERNALDATE (unix time, 0 if
 * the server gave none), its bytes (borrowed for the call) and its whole
 * size. A message over max_message comes with len < size: data then holds
 * only its first bytes (1 MiB at most; data may be NULL when none were
 * kept). Return non-zero to stop (imap_fetch_uids then fails with
 * IMAP_ERR_ABORTED). */
typedef int (*imap_msg_cb)(uint32_t uid, int64_t internaldate,
			   const char *data, size_t len, size_t size, void *ctx);

/* imap_fetch_uids - fetch the given messages, calling cb for each in the
 * server's order. Messages that no longer exist are skipped silently.
 * Returns the number of messages passed to cb. */
int imap_fetch_uids(struct imap *im, const uint32_t *uids, unsigned n,
		    imap_msg_cb cb, void *ctx, GError **err);

/* imap_mark_seen - UID STORE +FLAGS.SILENT (\Seen). */
int imap_mark_seen(struct imap *im, const uint32_t *uids, unsigned n, GError **err);

/* imap_add_keyword - UID STORE +FLAGS.SILENT (kw); kw is an IMAP atom such
 * as "$Quarantined". */
int imap_add_keyword(struct imap *im, const uint32_t *uids, unsigned n,
		     const char *kw, GError **err);

/* imap_move - UID MOVE when the server has MOVE, else UID COPY, STORE
 * \Deleted and (UID) EXPUNGE. Creates the target folder if missing. */
int imap_move(struct imap *im, const uint32_t *uids, unsigned n,
	      const char *folder, GError **err);

/* imap_is_transient - true for errors after which the mailbox should back
 * off and retry (connect, auth, TLS). */
bool imap_is_transient(const GError *e);

#endif
