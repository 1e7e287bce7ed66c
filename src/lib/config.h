/* config - the daemon's configuration: one INI file read with GLib's GKeyFile.
 *
 * Every key is declared once in a typed table (config.c) with its default,
 * bounds and documentation; unknown groups and keys are errors, and every
 * error names file, line and key. The struct is plain data: filled by
 * config_load, read-only afterwards (shared between threads without locks),
 * freed by config_free. Secrets are read from files whose mode allows no
 * group or other access. */
#ifndef COMPLAINTD_CONFIG_H
#define COMPLAINTD_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

struct config_mailbox {
	char *name;              /* from the group name "mailbox NAME" */
	char *url;               /* imaps://host[:port] or imap://host[:port] */
	char *user;
	char *password_file;     /* password login ... */
	char *oauth_token_file;  /* ... or XOAUTH2 with a token from a file ... */
	char *oauth_token_command; /* ... or printed by a helper command */
	char *folder;
	char *processed_folder;  /* "" = mark \Seen and leave in place */
	int64_t poll_interval;   /* seconds */
	bool starttls;           /* imap:// only: require STARTTLS */
	char *ca_file;           /* "" = system CAs */
	bool verify;
	int64_t import_older_than; /* seconds; on first attach older mail gets no ack */
	int64_t timeout;         /* seconds per IMAP command */
	int64_t batch;           /* messages per fetch and per transaction */
	int64_t db_connections;  /* connections committing a batch side by side */
};

struct config {
	char *path;
	GPtrArray *warnings;     /* strings: what config_load changed or doubts,
				  * for --check and the log; owned */

	/* [daemon] */
	char *log_level;
	char *rules_dir;
	char *cache_dir;        /* compiled prefilter kept here; "" none */
	char *templates_dir;
	char *ref_prefix;
	char *default_lang;
	bool log_pii;            /* customer addresses in clear in info logs */

	/* [database] */
	char *db_host;
	int64_t db_port;
	char *db_socket;
	char *db_user;
	char *db_password;       /* read from db_password_file */
	char *db_password_file;
	char *db_name;
	int64_t db_connect_timeout;
	char *db_tls;            /* none, required */
	char *db_ca_file;        /* PEM CA bundle; "" = the system's */
	bool db_verify;          /* check the server's certificate and name */

	/* [smtp] */
	char *smtp_url;
	char *smtp_tls;          /* none, try, required */
	char *smtp_user;
	char *smtp_password;     /* read from smtp_password_file */
	char *smtp_password_file;
	char *smtp_ca_file;
	bool smtp_verify;
	char *smtp_helo;
	int64_t smtp_timeout;
	int64_t smtp_connections; /* sender threads, each with its relay connection */
	int64_t smtp_retry_min;
	int64_t smtp_retry_max;
	int64_t smtp_give_up;

	/* [company] */
	char *company_name;
	char *company_from;      /* addr-spec acknowledgements come from */
	char **company_addresses; /* all our own addresses, lower case, incl. from */

	/* [acknowledge] */
	int64_t ack_max_per_sender_hour;
	int64_t ack_max_per_domain_day;   /* 0 = no cap */
	int64_t ack_bounce_suppress;

	/* [limits] */
	int64_t max_message_size;
	int64_t max_attachments;
	int64_t max_attachment_size;
	int64_t max_mime_depth;
	int64_t max_mime_parts;
	int64_t rules_match_limit;
	int64_t rules_depth_limit;
	bool rules_jit;          /* false: no executable memory (valgrind, W^X) */
	int64_t quarantine_after; /* a mail that broke its batch this often is
				   * quarantined alone */

	/* [web] the form and its API; port 0 = off */
	char *web_listen;          /* numeric IPv4 or IPv6 address */
	int64_t web_port;
	char *web_tls_cert_file;   /* PEM; both or neither */
	char *web_tls_key_file;
	int64_t web_threads;
	int64_t web_connection_timeout; /* seconds idle */
	int64_t web_request_timeout;    /* seconds for a whole request body */
	int64_t web_max_connections;
	int64_t web_max_connections_per_ip;
	int64_t web_connection_memory;  /* bytes of buffer per connection */
	int64_t web_max_body_size;
	int64_t web_max_attachments;
	int64_t web_max_attachment_size;
	int64_t web_rate_limit;         /* posts per client address per window; 0 = none */
	int64_t web_rate_window;        /* seconds */
	char **web_trusted_proxies;     /* addresses whose X-Forwarded-For we believe */
	char *web_base_url;             /* public URL of the site root, no trailing '/' */

	/* [api] POST /api/v1/complaints with "Authorization: Bearer KEY" (call-centre
	 * systems): the keys, read from keys_file, one "NAME KEY" a line */
	char *api_keys_file;
	char **api_key_names;    /* NULL-terminated, parallel to api_keys; NULL = none */
	char **api_keys;

	/* [staff] who may answer and command by mail */
	char **staff_addresses;  /* lower case */
	char **staff_domains;    /* lower case, without '@' */
	char *staff_secret_file;
	char *staff_secret;      /* read from secret_file; NULL = staff replies off */
	char *staff_reply_address; /* gateway address of the signed Reply-To; default [company] from */
	int64_t staff_token_lifetime; /* seconds a signed reply address is good for */
	char *staff_previous_secret_file;
	char *staff_previous_secret; /* the key before the last rotation; NULL = none */
	char *staff_previous_until_text;
	int64_t staff_previous_until; /* unix time the previous key stops counting */
	char *staff_lang;        /* zh or en: mail to staff */
	char **staff_authserv_ids; /* Authentication-Results ids of our receiving
				    * server; set = staff mail needs DKIM/DMARC pass */

	/* [routes] category or rule route -> department address (lower-case keys) */
	GHashTable *routes;

	/* [escalation] the ladder above the department: supervisor, director,
	 * leadership (index 0..2; NULL or empty = that level is skipped) */
	char **escalation[3];
	int64_t escalation_interval;   /* between one level and the next */
	int64_t escalation_check;      /* how often deadlines are checked */

	/* [deadlines] DOMAIN.md's defaults */
	int64_t due_ack;               /* seconds */
	int64_t due_a_plan;            /* seconds, severity A */
	int64_t wd_investigation, wd_handling, wd_feedback, wd_closure; /* working days */
	int64_t reopen_window;         /* a follow-up this soon after resolution reopens */
	char *calendar_file;           /* "" = Monday to Friday, 09:00-18:00 */

	/* [survey] the satisfaction survey after resolution */
	int64_t survey_delay;          /* after resolved_at, at most 7 days */
	int64_t survey_timeout;        /* no answer this long after the survey: closed */
	int64_t survey_threshold;      /* a rating at or below this reopens for review */

	/* [reports] who gets the scheduled reports (empty = none) */
	char **report_daily, **report_weekly, **report_monthly;
	int64_t report_hour;           /* local hour (calendar zone) they go out */

	/* [warning] early warning of spikes (投诉预警) */
	char **warning_recipients;     /* empty = off */
	int64_t warning_window;        /* recent window, e.g. 24h */
	int64_t warning_baseline;      /* trailing period it is compared with, e.g. 28d */
	int64_t warning_factor;        /* recent count >= factor x usual count per window */
	int64_t warning_min_count;     /* and at least this many */

	/* [retention] how long closed complaints keep raw mail (privacy.h) */
	int64_t retention_days;        /* days after closure; 0 = forever */

	/* [approval] the paths by severity (policy 002 §五): a B plan needs an
	 * approver; an A plan counts from the crisis team or the leadership */
	char **approval_approvers;     /* may approve, and get the requests */
	char **approval_domains;       /* whoever writes from there may approve */
	char **approval_crisis_team;   /* whose #plan meets the A plan deadline,
					* besides [escalation] leadership */
	int64_t approval_remind_after; /* an unanswered plan: approvers reminded once */

	GPtrArray *mailboxes;    /* struct config_mailbox* */
};

/* config_route - the department address for route (a rule's route, or
 * NULL) and category: the route's entry, else the category's, else
 * "default"; NULL when none is configured. */
const char *config_route(const struct config *cfg, const char *route, const char *category);
/* config_is_approver - addr may approve or reject a plan ([approval]
 * approvers or domains). */
bool config_is_approver(const struct config *cfg, const char *addr);
/* config_is_crisis_or_leadership - addr is of [approval] crisis_team or
 * [escalation] leadership: its #plan meets a severity A plan deadline. */
bool config_is_crisis_or_leadership(const struct config *cfg, const char *addr);
/* config_is_staff - addr is a staff address or in a staff domain. */
bool config_is_staff(const struct config *cfg, const char *addr);

/* config_load - read and check FILE. On failure returns NULL and appends one
 * "FILE:LINE: [group] key: problem" string per problem to errors. */
struct config *config_load(const char *file, GPtrArray *errors);
void config_free(struct config **cfg);

/* config_read_secret - first line of a file that only its owner may read;
 * NULL with *error_r set otherwise. Used for passwords and tokens. */
char *config_read_secret(const char *file, char **error_r);

/* config_api_key - the name of the [api] key presented (the text after
 * "Bearer "), NULL when it is none of them. Compares with every key, in
 * time that does not depend on how much of a key was right. */
const char *config_api_key(const struct config *cfg, const char *presented);

/* config_is_own_address - true if addr is one of [company] addresses, with
 * or without a "+tag" after the local part (case ignored). */
bool config_is_own_address(const struct config *cfg, const char *addr);

/* config_parse_duration - "90", "30s", "5m", "2h", "7d", "1w" -> seconds. */
bool config_parse_duration(const char *s, int64_t *out);
/* config_parse_size - "512", "64k", "25M", "1G" -> bytes. */
bool config_parse_size(const char *s, int64_t *out);

/* config_dump - every key with its effective value (secrets hidden), in INI
 * form; what `complaintd --dump-config` prints. g_free. */
char *config_dump(const struct config *cfg);

#endif
