/* config - typed INI configuration. */
#include "lib/config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/hostlist.h"
#include "lib/log.h"
#include "lib/stafftoken.h"

enum ctype { C_STR, C_INT, C_BOOL, C_DUR, C_SIZE, C_LIST };

struct ckey {
	const char *group;
	const char *key;
	enum ctype type;
	size_t offset;
	const char *def;
	int64_t min, max;   /* for numbers; ignored when min == max == 0 */
};

#define CF(field) offsetof(struct config, field)
#define MB(field) offsetof(struct config_mailbox, field)
#define BIG INT64_MAX

/* The whole configuration surface. complaintd.conf(5) documents each key. */
static const struct ckey global_keys[] = {
	{ "daemon", "log_level", C_STR, CF(log_level), "info", 0, 0 },
	{ "daemon", "rules_dir", C_STR, CF(rules_dir), COMPLAINTD_SYSCONFDIR "/rules", 0, 0 },
	{ "daemon", "templates_dir", C_STR, CF(templates_dir), COMPLAINTD_SYSCONFDIR "/templates", 0, 0 },
	{ "daemon", "cache_dir", C_STR, CF(cache_dir), "", 0, 0 },
	{ "daemon", "ref_prefix", C_STR, CF(ref_prefix), "CMP", 0, 0 },
	{ "daemon", "default_lang", C_STR, CF(default_lang), "zh", 0, 0 },
	{ "daemon", "log_pii", C_BOOL, CF(log_pii), "false", 0, 0 },

	{ "database", "host", C_STR, CF(db_host), "localhost", 0, 0 },
	{ "database", "port", C_INT, CF(db_port), "3306", 1, 65535 },
	{ "database", "socket", C_STR, CF(db_socket), "", 0, 0 },
	{ "database", "user", C_STR, CF(db_user), "complaintd", 0, 0 },
	{ "database", "password_file", C_STR, CF(db_password_file), "", 0, 0 },
	{ "database", "name", C_STR, CF(db_name), "complaintd", 0, 0 },
	{ "database", "connect_timeout", C_DUR, CF(db_connect_timeout), "10s", 1, 3600 },
	{ "database", "tls", C_STR, CF(db_tls), "none", 0, 0 },
	{ "database", "ca_file", C_STR, CF(db_ca_file), "", 0, 0 },
	{ "database", "verify", C_BOOL, CF(db_verify), "true", 0, 0 },

	{ "smtp", "url", C_STR, CF(smtp_url), "smtp://localhost:25", 0, 0 },
	{ "smtp", "tls", C_STR, CF(smtp_tls), "try", 0, 0 },
	{ "smtp", "user", C_STR, CF(smtp_user), "", 0, 0 },
	{ "smtp", "password_file", C_STR, CF(smtp_password_file), "", 0, 0 },
	{ "smtp", "ca_file", C_STR, CF(smtp_ca_file), "", 0, 0 },
	{ "smtp", "verify", C_BOOL, CF(smtp_verify), "true", 0, 0 },
	{ "smtp", "helo", C_STR, CF(smtp_helo), "", 0, 0 },
	{ "smtp", "timeout", C_DUR, CF(smtp_timeout), "60s", 1, 3600 },
	{ "smtp", "connections", C_INT, CF(smtp_connections), "1", 1, 16 },
	{ "smtp", "retry_min", C_DUR, CF(smtp_retry_min), "30s", 1, 86400 },
	{ "smtp", "retry_max", C_DUR, CF(smtp_retry_max), "1h", 1, 7 * 86400 },
	{ "smtp", "give_up_after", C_DUR, CF(smtp_give_up), "5d", 60, 60 * 86400 },

	{ "company", "name", C_STR, CF(company_name), "", 0, 0 },
	{ "company", "from", C_STR, CF(company_from), "", 0, 0 },
	{ "company", "addresses", C_LIST, CF(company_addresses), "", 0, 0 },

	{ "acknowledge", "max_per_sender_per_hour", C_INT, CF(ack_max_per_sender_hour), "5", 0, 100000 },
	{ "acknowledge", "bounce_suppress", C_DUR, CF(ack_bounce_suppress), "7d", 0, 365 * 86400 },
	{ "acknowledge", "max_per_domain_per_day", C_INT, CF(ack_max_per_domain_day), "1000", 0,
	  100000000 },

	{ "limits", "max_message_size", C_SIZE, CF(max_message_size), "25M", 1024, (int64_t)1 << 30 },
	{ "limits", "max_attachments", C_INT, CF(max_attachments), "50", 0, 10000 },
	{ "limits", "max_attachment_size", C_SIZE, CF(max_attachment_size), "20M", 0, (int64_t)1 << 30 },
	{ "limits", "max_mime_depth", C_INT, CF(max_mime_depth), "20", 1, 1000 },
	{ "limits", "max_mime_parts", C_INT, CF(max_mime_parts), "500", 1, 100000 },
	{ "limits", "rules_match_limit", C_INT, CF(rules_match_limit), "1000000", 1000, 1000000000 },
	{ "limits", "rules_depth_limit", C_INT, CF(rules_depth_limit), "10000", 100, 10000000 },
	{ "limits", "rules_jit", C_BOOL, CF(rules_jit), "true", 0, 0 },
	{ "limits", "quarantine_after", C_INT, CF(quarantine_after), "3", 1, 100 },

	{ "web", "listen", C_STR, CF(web_listen), "127.0.0.1", 0, 0 },
	{ "web", "port", C_INT, CF(web_port), "0", 0, 65535 },
	{ "web", "tls_cert_file", C_STR, CF(web_tls_cert_file), "", 0, 0 },
	{ "web", "tls_key_file", C_STR, CF(web_tls_key_file), "", 0, 0 },
	{ "web", "threads", C_INT, CF(web_threads), "32", 0, 256 },
	{ "web", "connection_timeout", C_DUR, CF(web_connection_timeout), "15s", 1, 3600 },
	{ "web", "request_timeout", C_DUR, CF(web_request_timeout), "60s", 1, 3600 },
	{ "web", "max_connections", C_INT, CF(web_max_connections), "512", 1, 100000 },
	{ "web", "max_connections_per_ip", C_INT, CF(web_max_connections_per_ip), "32", 0, 100000 },
	{ "web", "connection_memory", C_SIZE, CF(web_connection_memory), "64k", 8192, 16 * 1024 * 1024 },
	{ "web", "max_body_size", C_SIZE, CF(web_max_body_size), "8M", 4096, (int64_t)1 << 30 },
	{ "web", "max_attachments", C_INT, CF(web_max_attachments), "5", 0, 100 },
	{ "web", "max_attachment_size", C_SIZE, CF(web_max_attachment_size), "5M", 0, (int64_t)1 << 30 },
	{ "web", "rate_limit", C_INT, CF(web_rate_limit), "20", 0, 1000000 },
	{ "web", "rate_window", C_DUR, CF(web_rate_window), "1m", 1, 86400 },
	{ "web", "trusted_proxies", C_LIST, CF(web_trusted_proxies), "", 0, 0 },
	{ "web", "base_url", C_STR, CF(web_base_url), "", 0, 0 },

	{ "api", "keys_file", C_STR, CF(api_keys_file), "", 0, 0 },

	{ "staff", "addresses", C_LIST, CF(staff_addresses), "", 0, 0 },
	{ "staff", "domains", C_LIST, CF(staff_domains), "", 0, 0 },
	{ "staff", "secret_file", C_STR, CF(staff_secret_file), "", 0, 0 },
	{ "staff", "reply_address", C_STR, CF(staff_reply_address), "", 0, 0 },
	{ "staff", "token_lifetime", C_DUR, CF(staff_token_lifetime), "90d", 86400, 3650L * 86400 },
	{ "staff", "previous_secret_file", C_STR, CF(staff_previous_secret_file), "", 0, 0 },
	{ "staff", "previous_secret_until", C_STR, CF(staff_previous_until_text), "", 0, 0 },
	{ "staff", "lang", C_STR, CF(staff_lang), "zh", 0, 0 },
	{ "staff", "authserv_id", C_LIST, CF(staff_authserv_ids), "", 0, 0 },

	{ "escalation", "supervisor", C_LIST, CF(escalation[0]), "", 0, 0 },
	{ "escalation", "director", C_LIST, CF(escalation[1]), "", 0, 0 },
	{ "escalation", "leadership", C_LIST, CF(escalation[2]), "", 0, 0 },
	{ "escalation", "interval", C_DUR, CF(escalation_interval), "1d", 60, 30 * 86400 },
	{ "escalation", "check_interval", C_DUR, CF(escalation_check), "1m", 1, 86400 },

	{ "deadlines", "acknowledge", C_DUR, CF(due_ack), "24h", 60, 30 * 86400 },
	{ "deadlines", "plan_a", C_DUR, CF(due_a_plan), "4h", 60, 30 * 86400 },
	{ "deadlines", "investigation", C_INT, CF(wd_investigation), "3", 0, 365 },
	{ "deadlines", "handling", C_INT, CF(wd_handling), "5", 0, 365 },
	{ "deadlines", "feedback", C_INT, CF(wd_feedback), "3", 0, 365 },
	{ "deadlines", "closure", C_INT, CF(wd_closure), "10", 0, 365 },
	{ "deadlines", "reopen_window", C_DUR, CF(reopen_window), "30d", 0, 3650 * 86400 },
	{ "deadlines", "calendar_file", C_STR, CF(calendar_file), "", 0, 0 },

	/* at most a week (001 一周内): check_approval_survey says so in words */
	{ "survey", "delay", C_DUR, CF(survey_delay), "3d", 0, 0 },
	{ "survey", "timeout", C_DUR, CF(survey_timeout), "14d", 3600, 365 * 86400 },
	{ "survey", "threshold", C_INT, CF(survey_threshold), "2", 0, 5 },

	{ "reports", "daily", C_LIST, CF(report_daily), "", 0, 0 },
	{ "reports", "weekly", C_LIST, CF(report_weekly), "", 0, 0 },
	{ "reports", "monthly", C_LIST, CF(report_monthly), "", 0, 0 },
	{ "reports", "hour", C_INT, CF(report_hour), "8", 0, 23 },

	{ "warning", "recipients", C_LIST, CF(warning_recipients), "", 0, 0 },
	{ "warning", "window", C_DUR, CF(warning_window), "24h", 3600, 30 * 86400 },
	{ "warning", "baseline", C_DUR, CF(warning_baseline), "28d", 86400, 365 * 86400 },
	{ "warning", "factor", C_INT, CF(warning_factor), "3", 2, 100 },
	{ "warning", "min_count", C_INT, CF(warning_min_count), "5", 1, 100000 },

	{ "retention", "days", C_INT, CF(retention_days), "0", 0, 36500 },

	{ "approval", "approvers", C_LIST, CF(approval_approvers), "", 0, 0 },
	{ "approval", "domains", C_LIST, CF(approval_domains), "", 0, 0 },
	{ "approval", "crisis_team", C_LIST, CF(approval_crisis_team), "", 0, 0 },
	{ "approval", "remind_after", C_DUR, CF(approval_remind_after), "1d", 60, 30 * 86400 },
};

static const struct ckey mailbox_keys[] = {
	{ "mailbox", "url", C_STR, MB(url), "", 0, 0 },
	{ "mailbox", "user", C_STR, MB(user), "", 0, 0 },
	{ "mailbox", "password_file", C_STR, MB(password_file), "", 0, 0 },
	{ "mailbox", "oauth_token_file", C_STR, MB(oauth_token_file), "", 0, 0 },
	{ "mailbox", "oauth_token_command", C_STR, MB(oauth_token_command), "", 0, 0 },
	{ "mailbox", "folder", C_STR, MB(folder), "INBOX", 0, 0 },
	{ "mailbox", "processed_folder", C_STR, MB(processed_folder), "", 0, 0 },
	{ "mailbox", "poll_interval", C_DUR, MB(poll_interval), "60s", 1, 86400 },
	{ "mailbox", "starttls", C_BOOL, MB(starttls), "true", 0, 0 },
	{ "mailbox", "ca_file", C_STR, MB(ca_file), "", 0, 0 },
	{ "mailbox", "verify", C_BOOL, MB(verify), "true", 0, 0 },
	{ "mailbox", "import_older_than", C_DUR, MB(import_older_than), "7d", 0, BIG },
	{ "mailbox", "timeout", C_DUR, MB(timeout), "60s", 1, 3600 },
	{ "mailbox", "batch", C_INT, MB(batch), "200", 1, 5000 },
	{ "mailbox", "db_connections", C_INT, MB(db_connections), "2", 1, 4 },
};

/* Where each group and key stands in the file, for error messages:
 * GKeyFile does not keep line numbers. */
struct linemap {
	GHashTable *lines;  /* "group\037key" or "group" -> line number */
};

static void linemap_build(struct linemap *lm, const char *text)
{
	lm->lines = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	char **rows = g_strsplit(text, "\n", -1);
	char *group = g_strdup("");
	for (unsigned i = 0; rows[i]; i++) {
		char *row = g_strstrip(rows[i]);
		if (row[0] == '[') {
			char *end = strchr(row, ']');
			if (end) {
				g_free(group);
				group = g_strndup(row + 1, (gsize)(end - row - 1));
				g_hash_table_insert(lm->lines, g_strdup(group), GUINT_TO_POINTER(i + 1));
			}
		} else if (row[0] && row[0] != '#' && row[0] != ';') {
			char *eq = strchr(row, '=');
			if (eq) {
				char *key = g_strstrip(g_strndup(row, (gsize)(eq - row)));
				g_hash_table_insert(lm->lines, g_strdup_printf("%s\037%s", group, key),
						    GUINT_TO_POINTER(i + 1));
				g_free(key);
			}
		}
	}
	g_free(group);
	g_strfreev(rows);
}

static unsigned linemap_find(const struct linemap *lm, const char *group, const char *key)
{
	char *k = key ? g_strdup_printf("%s\037%s", group, key) : g_strdup(group);
	unsigned line = GPOINTER_TO_UINT(g_hash_table_lookup(lm->lines, k));
	g_free(k);
	return line;
}

struct loader {
	const char *file;
	GKeyFile *kf;
	struct linemap lm;
	GPtrArray *errors;
};

static void problem(struct loader *ld, const char *group, const char *key,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void problem(struct loader *ld, const char *group, const char *key,
		    const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *what = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	unsigned line = linemap_find(&ld->lm, group, key);
	g_ptr_array_add(ld->errors, g_strdup_printf("%s:%u: [%s]%s%s: %s", ld->file, line,
						    group, key ? " " : "", key ? key : "", what));
	g_free(what);
}

/* parse_units - a non-negative number with an optional one-letter unit
 * (and, for sizes, a trailing 'b'), times that unit's multiplier. */
static bool parse_units(const char *s, const char *units, const int64_t *mults,
			bool allow_b, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (end == s || errno || v < 0)
		return false;
	int64_t mult = 1;
	if (*end) {
		const char *u = strchr(units, g_ascii_tolower(*end));
		if (!u)
			return false;
		mult = mults[u - units];
		end++;
		if (allow_b && g_ascii_tolower(*end) == 'b')
			end++;
	}
	if (*end || v > INT64_MAX / mult)
		return false;
	*out = (int64_t)v * mult;
	return true;
}

bool config_parse_duration(const char *s, int64_t *out)
{
	static const int64_t mults[] = { 1, 60, 3600, 86400, 7 * 86400 };
	return parse_units(s, "smhdw", mults, false, out);
}

bool config_parse_size(const char *s, int64_t *out)
{
	static const int64_t mults[] = { 1024, 1024 * 1024, 1024 * 1024 * 1024 };
	return parse_units(s, "kmg", mults, true, out);
}

/* set_value - parse one value into its typed slot; false with a problem logged. */
static bool set_value(struct loader *ld, const struct ckey *k, const char *group,
		      const char *value, void *base)
{
	void *slot = (char *)base + k->offset;
	int64_t n = 0;
	switch (k->type) {
	case C_STR:
		g_free(*(char **)slot);
		*(char **)slot = g_strdup(value);
		return true;
	case C_LIST: {
		g_strfreev(*(char ***)slot);
		char **parts = g_strsplit_set(value, ";,", -1);
		GPtrArray *list = g_ptr_array_new();
		for (unsigned i = 0; parts[i]; i++) {
			char *p = g_strstrip(parts[i]);
			if (*p)
				g_ptr_array_add(list, g_ascii_strdown(p, -1));
		}
		g_ptr_array_add(list, NULL);
		g_strfreev(parts);
		*(char ***)slot = (char **)g_ptr_array_free(list, FALSE);
		return true;
	}
	case C_BOOL:
		if (!g_ascii_strcasecmp(value, "true") || !g_ascii_strcasecmp(value, "yes") ||
		    !strcmp(value, "1") || !g_ascii_strcasecmp(value, "on"))
			*(bool *)slot = true;
		else if (!g_ascii_strcasecmp(value, "false") || !g_ascii_strcasecmp(value, "no") ||
			 !strcmp(value, "0") || !g_ascii_strcasecmp(value, "off"))
			*(bool *)slot = false;
		else {
			problem(ld, group, k->key, "'%s' is not a boolean (true/false)", value);
			return false;
		}
		return true;
	case C_INT: {
		char *end;
		errno = 0;
		n = strtoll(value, &end, 10);
		if (end == value || *end || errno) {
			problem(ld, group, k->key, "'%s' is not an integer", value);
			return false;
		}
		break;
	}
	case C_DUR:
		if (!config_parse_duration(value, &n)) {
			problem(ld, group, k->key, "'%s' is not a duration (e.g. 30s, 5m, 2h, 7d)", value);
			return false;
		}
		break;
	case C_SIZE:
		if (!config_parse_size(value, &n)) {
			problem(ld, group, k->key, "'%s' is not a size (e.g. 512k, 25M)", value);
			return false;
		}
		break;
	}
	if ((k->min || k->max) && (n < k->min || n > k->max)) {
		problem(ld, group, k->key, "%s is out of range %lld..%lld", value,
			(long long)k->min, (long long)k->max);
		return false;
	}
	*(int64_t *)slot = n;
	return true;
}

/* load_group - defaults first, then every key present in the file; keys the
 * table does not know are errors. */
static void load_group(struct loader *ld, const char *group, const char *table_group,
		       const struct ckey *table, size_t n, void *base, bool present)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(table[i].group, table_group))
			set_value(ld, &table[i], group, table[i].def, base);
	if (!present)
		return;
	gsize nkeys = 0;
	char **keys = g_key_file_get_keys(ld->kf, group, &nkeys, NULL);
	for (gsize j = 0; j < nkeys; j++) {
		const struct ckey *k = NULL;
		for (size_t i = 0; i < n && !k; i++)
			if (!strcmp(table[i].group, table_group) && !strcmp(table[i].key, keys[j]))
				k = &table[i];
		if (!k) {
			problem(ld, group, keys[j], "unknown key");
			continue;
		}
		char *value = g_key_file_get_value(ld->kf, group, keys[j], NULL);
		set_value(ld, k, group, g_strstrip(value), base);
		g_free(value);
	}
	g_strfreev(keys);
}

/* Relative paths are taken from the config file's folder, as an operator
 * who keeps a config beside its rules would expect. */
static void resolve_path(const char *cfgdir, char **path)
{
	if (**path && !g_path_is_absolute(*path)) {
		char *abs = g_build_filename(cfgdir, *path, NULL);
		g_free(*path);
		*path = abs;
	}
}

char *config_read_secret(const char *file, char **error_r)
{
	struct stat st;
	if (stat(file, &st) != 0) {
		*error_r = g_strdup_printf("%s: %s", file, g_strerror(errno));
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		*error_r = g_strdup_printf("%s: not a regular file", file);
		return NULL;
	}
	if (st.st_mode & 077) {
		*error_r = g_strdup_printf("%s: permissions %04o are too open; "
					   "a secret file must be readable by its owner only (chmod 600)",
					   file, (unsigned)(st.st_mode & 07777));
		return NULL;
	}
	char *text = NULL;
	GError *err = NULL;
	if (!g_file_get_contents(file, &text, NULL, &err)) {
		*error_r = g_strdup(err->message);
		g_error_free(err);
		return NULL;
	}
	char *nl = strpbrk(text, "\r\n");
	if (nl)
		*nl = '\0';
	return text;
}

static void check_secret(struct loader *ld, const char *group, const char *key,
			 const char *file, char **out)
{
	if (!*file)
		return;
	char *error = NULL;
	char *secret = config_read_secret(file, &error);
	if (!secret) {
		problem(ld, group, key, "%s", error);
		g_free(error);
		return;
	}
	if (out) {
		g_free(*out);
		*out = secret;
	} else {
		explicit_bzero(secret, strlen(secret));
		g_free(secret);
	}
}

/* until_time - "YYYY-MM-DD" (the end of that day, local time) or an ISO
 * 8601 date and time as unix time; -1 when it is neither. */
static int64_t until_time(const char *text)
{
	GTimeZone *local = g_time_zone_new_local();
	GDateTime *t = g_date_time_new_from_iso8601(text, local);
	int y, m, d;
	char rest;
	if (!t && sscanf(text, "%4d-%2d-%2d%c", &y, &m, &d, &rest) == 3 && strlen(text) == 10) {
		GDateTime *day = g_date_time_new(local, y, m, d, 0, 0, 0);
		t = day ? g_date_time_add_days(day, 1) : NULL;
		if (day)
			g_date_time_unref(day);
	}
	g_time_zone_unref(local);
	int64_t unix = t ? g_date_time_to_unix(t) : -1;
	if (t)
		g_date_time_unref(t);
	return unix;
}

/* check_previous_key - [staff] previous_secret_file, the key before a
 * rotation: reply addresses it signed count until previous_secret_until,
 * which it needs (a key that counts for ever is no rotation). */
static void check_previous_key(struct loader *ld, struct config *cfg, const char *cfgdir)
{
	resolve_path(cfgdir, &cfg->staff_previous_secret_file);
	check_secret(ld, "staff", "previous_secret_file", cfg->staff_previous_secret_file,
		     &cfg->staff_previous_secret);
	const char *until = cfg->staff_previous_until_text;
	cfg->staff_previous_until = *until ? until_time(until) : 0;
	if (*until && cfg->staff_previous_until < 0)
		problem(ld, "staff", "previous_secret_until", "'%s' is not a date (2027-03-31) or "
			"an ISO 8601 time", until);
	if (*cfg->staff_previous_secret_file && !*until)
		problem(ld, "staff", "previous_secret_file", "needs previous_secret_until: the "
			"date until which replies signed with the old key still count");
	if (cfg->staff_previous_secret && cfg->staff_secret &&
	    !strcmp(cfg->staff_previous_secret, cfg->staff_secret))
		problem(ld, "staff", "previous_secret_file", "holds the same key as secret_file");
}

static bool valid_addr(const char *a)
{
	const char *at = strchr(a, '@');
	return at && at != a && at[1] && !strchr(at + 1, '@') && !strpbrk(a, " \t\r\n<>\"");
}

static void check_mailbox(struct loader *ld, const char *group, struct config_mailbox *mb,
			  const char *cfgdir)
{
	if (!*mb->url)
		problem(ld, group, "url", "missing (imaps://host or imap://host)");
	else if (!g_str_has_prefix(mb->url, "imaps://") && !g_str_has_prefix(mb->url, "imap://"))
		problem(ld, group, "url", "'%s' must start with imaps:// or imap://", mb->url);
	if (!*mb->user)
		problem(ld, group, "user", "missing");
	int ways = !!*mb->password_file + !!*mb->oauth_token_file + !!*mb->oauth_token_command;
	if (ways != 1)
		problem(ld, group, NULL, "set exactly one of password_file, oauth_token_file, "
			"oauth_token_command");
	resolve_path(cfgdir, &mb->password_file);
	resolve_path(cfgdir, &mb->oauth_token_file);
	resolve_path(cfgdir, &mb->ca_file);
	check_secret(ld, group, "password_file", mb->password_file, NULL);
	check_secret(ld, group, "oauth_token_file", mb->oauth_token_file, NULL);
	if (*mb->ca_file && access(mb->ca_file, R_OK) != 0)
		problem(ld, group, "ca_file", "%s: %s", mb->ca_file, g_strerror(errno));
}

static void mailbox_free(gpointer p)
{
	struct config_mailbox *mb = p;
	for (size_t i = 0; i < G_N_ELEMENTS(mailbox_keys); i++)
		if (mailbox_keys[i].type == C_STR)
			g_free(*(char **)((char *)mb + mailbox_keys[i].offset));
	g_free(mb->name);
	g_free(mb);
}

static bool ip_ok(const char *s)
{
	unsigned char buf[sizeof(struct in6_addr)];
	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

static void check_web(struct loader *ld, struct config *cfg, const char *cfgdir)
{
	if (!ip_ok(cfg->web_listen))
		problem(ld, "web", "listen", "'%s' is not a numeric IPv4 or IPv6 address",
			cfg->web_listen);
	if (!*cfg->web_tls_cert_file != !*cfg->web_tls_key_file)
		problem(ld, "web", *cfg->web_tls_cert_file ? "tls_key_file" : "tls_cert_file",
			"set both tls_cert_file and tls_key_file, or neither");
	resolve_path(cfgdir, &cfg->web_tls_cert_file);
	resolve_path(cfgdir, &cfg->web_tls_key_file);
	if (*cfg->web_tls_cert_file && access(cfg->web_tls_cert_file, R_OK) != 0)
		problem(ld, "web", "tls_cert_file", "%s: %s", cfg->web_tls_cert_file, g_strerror(errno));
	check_secret(ld, "web", "tls_key_file", cfg->web_tls_key_file, NULL);
	for (char **a = cfg->web_trusted_proxies; a && *a; a++)
		if (!ip_ok(*a))
			problem(ld, "web", "trusted_proxies", "'%s' is not a numeric IP address", *a);
	const char *u = cfg->web_base_url;
	if (*u && ((!g_str_has_prefix(u, "http://") && !g_str_has_prefix(u, "https://")) ||
		   g_str_has_suffix(u, "/") || strpbrk(u, " \t\r\n\"<>'")))
		problem(ld, "web", "base_url", "'%s' must be an http:// or https:// URL "
			"without a trailing '/'", u);
	if (cfg->web_max_attachment_size > cfg->web_max_body_size)
		problem(ld, "web", "max_attachment_size", "is larger than max_body_size");
}

/* lower - every string of a list in lower case, in place. */
static void lower(char **list)
{
	for (char **a = list; a && *a; a++) {
		char *l = g_ascii_strdown(*a, -1);
		g_free(*a);
		*a = l;
	}
}

static void check_staff(struct loader *ld, struct config *cfg, const char *cfgdir)
{
	lower(cfg->staff_addresses);
	lower(cfg->staff_domains);
	for (char **a = cfg->staff_addresses; a && *a; a++)
		if (!valid_addr(*a))
			problem(ld, "staff", "addresses", "'%s' is not an e-mail address", *a);
	for (char **d = cfg->staff_domains; d && *d; d++)
		if (**d == '@' || strpbrk(*d, "@ \t<>\"") || !strchr(*d, '.'))
			problem(ld, "staff", "domains", "'%s' is not a domain (example.com)", *d);
	char **lists[] = { cfg->report_daily, cfg->report_weekly, cfg->report_monthly,
			   cfg->warning_recipients };
	const char *names[][2] = { { "reports", "daily" }, { "reports", "weekly" },
				   { "reports", "monthly" }, { "warning", "recipients" } };
	for (size_t l = 0; l < G_N_ELEMENTS(lists); l++)
		for (char **a = lists[l]; a && *a; a++)
			if (!valid_addr(*a))
				problem(ld, names[l][0], names[l][1], "'%s' is not an e-mail address", *a);
	for (unsigned l = 0; l < G_N_ELEMENTS(cfg->escalation); l++)
		for (char **a = cfg->escalation[l]; a && *a; a++)
			if (!valid_addr(*a))
				problem(ld, "escalation", (const char *[]){ "supervisor", "director",
					"leadership" }[l], "'%s' is not an e-mail address", *a);
	if (strcmp(cfg->staff_lang, "zh") && strcmp(cfg->staff_lang, "en"))
		problem(ld, "staff", "lang", "'%s' must be zh or en", cfg->staff_lang);
	if (*cfg->staff_reply_address && !valid_addr(cfg->staff_reply_address))
		problem(ld, "staff", "reply_address", "'%s' is not an e-mail address",
			cfg->staff_reply_address);
	if (!*cfg->staff_reply_address) {
		g_free(cfg->staff_reply_address);
		cfg->staff_reply_address = g_strdup(cfg->company_from);
	}
	resolve_path(cfgdir, &cfg->staff_secret_file);
	resolve_path(cfgdir, &cfg->calendar_file);
	check_secret(ld, "staff", "secret_file", cfg->staff_secret_file, &cfg->staff_secret);
	if (cfg->staff_secret && strlen(cfg->staff_secret) < 16)
		problem(ld, "staff", "secret_file", "the key must be at least 16 characters "
			"(e.g. head -c 32 /dev/urandom | base64)");
	check_previous_key(ld, cfg, cfgdir);
	/* every notification's Reply-To is local+REF.TOKEN@domain: refuse a
	 * gateway address that cannot carry one, or every staff reply would
	 * come back unverified */
	char *longest = g_strdup_printf("%s-20261231-99999", cfg->ref_prefix);
	char *probe = cfg->staff_secret && valid_addr(cfg->staff_reply_address)
		      ? stafftoken_address(cfg->staff_reply_address, longest,
					   "0123456789abcdef012345")
		      : g_strdup("");
	if (!probe)
		problem(ld, "staff", *cfg->staff_reply_address ? "reply_address" : NULL,
			"'%s' cannot carry signed reply addresses (local+REF.TOKEN@domain, "
			"a dot-atom local part, at most 64 characters with the reference)",
			cfg->staff_reply_address);
	g_free(probe);
	g_free(longest);
	if (*cfg->calendar_file && access(cfg->calendar_file, R_OK) != 0)
		problem(ld, "deadlines", "calendar_file", "%s: %s", cfg->calendar_file,
			g_strerror(errno));
}

/* load_routes - [routes]: every key a category or route name, every value
 * one department address. */
static void load_routes(struct loader *ld, struct config *cfg)
{
	cfg->routes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	gsize n = 0;
	char **keys = g_key_file_get_keys(ld->kf, "routes", &n, NULL);
	for (gsize i = 0; i < n; i++) {
		/* NULL for a value that is not UTF-8: an error below, like "" */
		char *v = g_key_file_get_string(ld->kf, "routes", keys[i], NULL);
		char *addr = g_ascii_strdown(v ? g_strstrip(v) : "", -1);
		if (!valid_addr(addr))
			problem(ld, "routes", keys[i], "'%s' is not an e-mail address", addr);
		g_hash_table_replace(cfg->routes, g_ascii_strdown(keys[i], -1), addr);
		g_free(v);
	}
	g_strfreev(keys);
}

const char *config_route(const struct config *cfg, const char *route, const char *category)
{
	const char *a = NULL;
	if (route && *route) {
		char *k = g_ascii_strdown(route, -1);
		a = g_hash_table_lookup(cfg->routes, k);
		g_free(k);
	}
	if (!a && category)
		a = g_hash_table_lookup(cfg->routes, category);
	return a ? a : g_hash_table_lookup(cfg->routes, "default");
}

/* in_lists - addr is one of addrs or in one of domains. */
static bool in_lists(char *const *addrs, char *const *domains, const char *addr)
{
	if (!addr)
		return false;
	for (char *const *a = addrs; a && *a; a++)
		if (!g_ascii_strcasecmp(*a, addr))
			return true;
	const char *at = strrchr(addr, '@');
	for (char *const *d = domains; at && d && *d; d++)
		if (!g_ascii_strcasecmp(*d, at + 1))
			return true;
	return false;
}

bool config_is_approver(const struct config *cfg, const char *addr)
{
	return in_lists(cfg->approval_approvers, cfg->approval_domains, addr);
}

bool config_is_crisis_or_leadership(const struct config *cfg, const char *addr)
{
	return in_lists(cfg->approval_crisis_team, NULL, addr) ||
	       in_lists(cfg->escalation[2], NULL, addr);
}

bool config_is_staff(const struct config *cfg, const char *addr)
{
	if (!addr)
		return false;
	for (char **a = cfg->staff_addresses; a && *a; a++)
		if (!g_ascii_strcasecmp(*a, addr))
			return true;
	const char *at = strrchr(addr, '@');
	for (char **d = cfg->staff_domains; at && d && *d; d++)
		if (!g_ascii_strcasecmp(*d, at + 1))
			return true;
	return false;
}

static void warn(struct config *cfg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* warn - a doubt or a change config_load made, for --check and the log. */
static void warn(struct config *cfg, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_ptr_array_add(cfg->warnings, g_strdup_vprintf(fmt, ap));
	va_end(ap);
}

/* check_smtp - AUTH only over TLS. With a user, "try" (STARTTLS when the
 * server offers it - an attacker on the path simply strips the offer, and
 * curl then sends the password in clear) becomes "required", with a
 * warning; "none" on smtp:// is refused. smtps:// is TLS from the start. */
static void check_smtp(struct loader *ld, struct config *cfg)
{
	if (strcmp(cfg->smtp_tls, "none") && strcmp(cfg->smtp_tls, "try") &&
	    strcmp(cfg->smtp_tls, "required")) {
		problem(ld, "smtp", "tls", "'%s' must be none, try or required", cfg->smtp_tls);
		return;
	}
	if (!*cfg->smtp_user || g_str_has_prefix(cfg->smtp_url, "smtps://"))
		return;
	if (!strcmp(cfg->smtp_tls, "none")) {
		problem(ld, "smtp", "tls", "none with a user would send the password in clear; "
			"set tls = required (STARTTLS) or use an smtps:// url");
	} else if (!strcmp(cfg->smtp_tls, "try")) {
		warn(cfg, "%s: [smtp] tls = try with a user: TLS is required instead (AUTH is "
		     "never sent in clear); write tls = required to silence this", ld->file);
		g_free(cfg->smtp_tls);
		cfg->smtp_tls = g_strdup("required");
	}
}

static bool local_host(const char *host)
{
	return !*host || !strcmp(host, "localhost") || g_str_has_prefix(host, "127.") ||
	       !strcmp(host, "::1");
}

/* check_db_tls - [database] tls: none, or required (certificate checked
 * against ca_file or the system's CAs unless verify = false). */
static void check_db_tls(struct loader *ld, struct config *cfg, const char *cfgdir)
{
	if (strcmp(cfg->db_tls, "none") && strcmp(cfg->db_tls, "required"))
		problem(ld, "database", "tls", "'%s' must be none or required", cfg->db_tls);
	resolve_path(cfgdir, &cfg->db_ca_file);
	if (*cfg->db_ca_file && access(cfg->db_ca_file, R_OK) != 0)
		problem(ld, "database", "ca_file", "%s: %s", cfg->db_ca_file, g_strerror(errno));
	char *why = NULL;
	struct hostlist *hosts = hostlist_parse(cfg->db_host, (unsigned)cfg->db_port, &why);
	if (!hosts && !*cfg->db_socket)
		problem(ld, "database", "host", "%s (one host, or several separated by commas: "
			"db1.example, db2.example:3307, [fd00::3]:3306)", why);
	for (unsigned i = 0; hosts && i < hostlist_count(hosts); i++)
		if (!strcmp(cfg->db_tls, "none") && !*cfg->db_socket &&
		    !local_host(hostlist_host(hosts, i)))
			warn(cfg, "%s: [database] host %s is not this machine and tls = none: the "
			     "password and every complaint cross the network in clear", ld->file,
			     hostlist_host(hosts, i));
	hostlist_free(&hosts);
	g_free(why);
	if (!strcmp(cfg->db_tls, "required") && !cfg->db_verify)
		warn(cfg, "%s: [database] verify = false: TLS without a certificate check "
		     "stops listeners, not a man in the middle", ld->file);
}

/* cache_dir - unset means the directory systemd made for the unit
 * (CacheDirectory=, its first when several), else none; "none" is none. */
static void cache_dir(struct config *cfg)
{
	const char *env = g_getenv("CACHE_DIRECTORY");
	if (!strcmp(cfg->cache_dir, "none")) {
		cfg->cache_dir[0] = '\0';
	} else if (!*cfg->cache_dir && env && *env) {
		g_free(cfg->cache_dir);
		cfg->cache_dir = g_strndup(env, strcspn(env, ":"));
	}
}

/* check_approval_survey - [approval] names people and domains, and each
 * is staff, or their #approve would be mail from outside; the survey goes
 * out within the week policy 001 asks (一周内). */
static void check_approval_survey(struct loader *ld, struct config *cfg)
{
	char **lists[] = { cfg->approval_approvers, cfg->approval_crisis_team };
	const char *keys[] = { "approvers", "crisis_team" };
	for (size_t l = 0; l < G_N_ELEMENTS(lists); l++)
		for (char **a = lists[l]; a && *a; a++)
			if (!valid_addr(*a))
				problem(ld, "approval", keys[l], "'%s' is not an e-mail address", *a);
			else if (!config_is_staff(cfg, *a))
				warn(cfg, "%s: [approval] %s: %s is not a [staff] address: its "
				     "replies are never taken as staff's", ld->file, keys[l], *a);
	for (char **d = cfg->approval_domains; d && *d; d++)
		if (**d == '@' || strpbrk(*d, "@ \t<>\"") || !strchr(*d, '.'))
			problem(ld, "approval", "domains", "'%s' is not a domain (example.com)", *d);
	if (cfg->survey_delay > 7 * 86400)
		problem(ld, "survey", "delay", "%llds is more than 7 days: the policy asks for "
			"the survey within a week of the resolution (001 一周内); the default is 3d",
			(long long)cfg->survey_delay);
	else if (cfg->survey_delay < 0)
		problem(ld, "survey", "delay", "must not be negative");
	/* nobody named: the supervisor and the director, the first levels of
	 * the ladder, decide B plans, or every B complaint would wait for an
	 * approval nobody can give */
	if (!(cfg->approval_approvers && cfg->approval_approvers[0]) &&
	    !(cfg->approval_domains && cfg->approval_domains[0])) {
		GStrvBuilder *b = g_strv_builder_new();
		for (unsigned l = 0; l < 2; l++)
			for (char **a = cfg->escalation[l]; a && *a; a++)
				g_strv_builder_add(b, *a);
		g_strfreev(cfg->approval_approvers);
		cfg->approval_approvers = g_strv_builder_end(b);
		g_strv_builder_unref(b);
	}
}

/* Key names go into Message-IDs and the history: plain characters only.
 * Keys are as long as a staff key at least. */
#define API_NAME_MAX 64
#define API_KEY_MIN 16
#define API_KEY_MAX 256

static bool api_name_ok(const char *s)
{
	size_t n = strlen(s);
	return n >= 1 && n <= API_NAME_MAX &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

/* api_key_line - one line of the keys file: "NAME KEY"; the problem, or
 * NULL with the two added to names and keys. */
static const char *api_key_line(char *line, GPtrArray *names, GPtrArray *keys)
{
	char **w = g_strsplit_set(g_strstrip(line), " \t", -1);
	char *f[3] = { NULL, NULL, NULL };
	unsigned n = 0;
	for (char **p = w; *p; p++)
		if (**p && n < 3)
			f[n++] = *p;
	const char *why = NULL;
	if (n != 2)
		why = "a line must be NAME KEY";
	else if (!api_name_ok(f[0]))
		why = "a key name must be 1-64 of A-Z a-z 0-9 . _ -";
	else if (strlen(f[1]) < API_KEY_MIN || strlen(f[1]) > API_KEY_MAX)
		why = "a key must be 16-256 characters (e.g. head -c 32 /dev/urandom | base64)";
	for (guint i = 0; !why && i < names->len; i++)
		if (!strcmp(names->pdata[i], f[0]) || !strcmp(keys->pdata[i], f[1]))
			why = "a key name or a key is given twice";
	if (!why) {
		g_ptr_array_add(names, g_strdup(f[0]));
		g_ptr_array_add(keys, g_strdup(f[1]));
	}
	explicit_bzero(line, strlen(line));
	for (char **p = w; *p; p++)
		explicit_bzero(*p, strlen(*p));
	g_strfreev(w);
	return why;
}

/* check_api - [api] keys_file: only its owner may read it (like the
 * other secret files), each line "NAME KEY", '#' comments. */
static void check_api(struct loader *ld, struct config *cfg, const char *cfgdir)
{
	resolve_path(cfgdir, &cfg->api_keys_file);
	if (!*cfg->api_keys_file)
		return;
	char *error = NULL;
	char *text = config_read_secret(cfg->api_keys_file, &error);
	if (!text) {
		problem(ld, "api", "keys_file", "%s", error);
		g_free(error);
		return;
	}
	/* config_read_secret keeps the first line only: read the file again,
	 * now that its permissions are known to be right */
	explicit_bzero(text, strlen(text));
	g_free(text);
	gsize len = 0;
	if (!g_file_get_contents(cfg->api_keys_file, &text, &len, NULL)) {
		problem(ld, "api", "keys_file", "%s: cannot read it", cfg->api_keys_file);
		return;
	}
	GPtrArray *names = g_ptr_array_new(), *keys = g_ptr_array_new();
	char **lines = g_strsplit(text, "\n", -1);
	for (unsigned i = 0; lines[i]; i++) {
		char *l = g_strstrip(lines[i]);
		const char *why = *l && *l != '#' ? api_key_line(l, names, keys) : NULL;
		if (why)
			problem(ld, "api", "keys_file", "%s:%u: %s", cfg->api_keys_file, i + 1, why);
		explicit_bzero(lines[i], strlen(lines[i]));
	}
	g_strfreev(lines);
	explicit_bzero(text, len);
	g_free(text);
	if (!names->len)
		problem(ld, "api", "keys_file", "%s holds no key", cfg->api_keys_file);
	g_ptr_array_add(names, NULL);
	g_ptr_array_add(keys, NULL);
	cfg->api_key_names = (char **)g_ptr_array_free(names, FALSE);
	cfg->api_keys = (char **)g_ptr_array_free(keys, FALSE);
}

const char *config_api_key(const struct config *cfg, const char *presented)
{
	if (!presented || !cfg->api_keys)
		return NULL;
	/* digests of equal length: the comparison takes as long whatever the
	 * lengths and however many leading bytes were right */
	guint8 want[32], got[32];
	gsize n = sizeof got;
	GChecksum *c = g_checksum_new(G_CHECKSUM_SHA256);
	g_checksum_update(c, (const guchar *)presented, (gssize)strlen(presented));
	g_checksum_get_digest(c, got, &n);
	const char *found = NULL;
	for (unsigned i = 0; cfg->api_keys[i]; i++) {
		g_checksum_reset(c);
		g_checksum_update(c, (const guchar *)cfg->api_keys[i], (gssize)strlen(cfg->api_keys[i]));
		n = sizeof want;
		g_checksum_get_digest(c, want, &n);
		unsigned diff = 0;
		for (unsigned k = 0; k < sizeof want; k++)
			diff |= (unsigned)(want[k] ^ got[k]);
		if (diff == 0)
			found = cfg->api_key_names[i];
	}
	g_checksum_free(c);
	return found;
}

static void check_global(struct loader *ld, struct config *cfg, const char *cfgdir)
{
	if (log_level_parse(cfg->log_level) < 0)
		problem(ld, "daemon", "log_level", "'%s' is not one of error, warn, info, debug",
			cfg->log_level);
	if (strcmp(cfg->default_lang, "zh") && strcmp(cfg->default_lang, "en"))
		problem(ld, "daemon", "default_lang", "'%s' must be zh or en", cfg->default_lang);
	if (!*cfg->ref_prefix || strlen(cfg->ref_prefix) > 16 ||
	    strspn(cfg->ref_prefix, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
	    != strlen(cfg->ref_prefix))
		problem(ld, "daemon", "ref_prefix", "'%s' must be 1-16 letters or digits",
			cfg->ref_prefix);
	resolve_path(cfgdir, &cfg->rules_dir);
	resolve_path(cfgdir, &cfg->templates_dir);
	cache_dir(cfg);
	resolve_path(cfgdir, &cfg->cache_dir);
	resolve_path(cfgdir, &cfg->db_password_file);
	resolve_path(cfgdir, &cfg->smtp_password_file);
	resolve_path(cfgdir, &cfg->smtp_ca_file);
	check_secret(ld, "database", "password_file", cfg->db_password_file, &cfg->db_password);
	check_secret(ld, "smtp", "password_file", cfg->smtp_password_file, &cfg->smtp_password);
	check_smtp(ld, cfg);
	check_db_tls(ld, cfg, cfgdir);
	if (!g_str_has_prefix(cfg->smtp_url, "smtp://") && !g_str_has_prefix(cfg->smtp_url, "smtps://"))
		problem(ld, "smtp", "url", "'%s' must start with smtp:// or smtps://", cfg->smtp_url);
	if (!*cfg->company_from)
		problem(ld, "company", "from", "missing: the address acknowledgements come from");
	else if (!valid_addr(cfg->company_from))
		problem(ld, "company", "from", "'%s' is not an e-mail address", cfg->company_from);
	for (char **a = cfg->company_addresses; a && *a; a++)
		if (!valid_addr(*a))
			problem(ld, "company", "addresses", "'%s' is not an e-mail address", *a);
	if (cfg->smtp_retry_min > cfg->smtp_retry_max)
		problem(ld, "smtp", "retry_min", "is longer than retry_max");
	check_web(ld, cfg, cfgdir);
	check_staff(ld, cfg, cfgdir);
	check_approval_survey(ld, cfg);
	check_api(ld, cfg, cfgdir);
}

/* Our own From is always one of our addresses, whether listed or not. */
static void add_from_to_addresses(struct config *cfg)
{
	if (!*cfg->company_from || config_is_own_address(cfg, cfg->company_from))
		return;
	guint n = cfg->company_addresses ? g_strv_length(cfg->company_addresses) : 0;
	cfg->company_addresses = g_renew(char *, cfg->company_addresses, n + 2);
	cfg->company_addresses[n] = g_ascii_strdown(cfg->company_from, -1);
	cfg->company_addresses[n + 1] = NULL;
}

struct config *config_load(const char *file, GPtrArray *errors)
{
	struct loader ld = { .file = file, .errors = errors };
	char *text = NULL;
	GError *err = NULL;
	if (!g_file_get_contents(file, &text, NULL, &err)) {
		g_ptr_array_add(errors, g_strdup_printf("%s: %s", file, err->message));
		g_error_free(err);
		return NULL;
	}
	ld.kf = g_key_file_new();
	if (!g_key_file_load_from_data(ld.kf, text, (gsize)-1, G_KEY_FILE_NONE, &err)) {
		/* GKeyFile's own message already carries the line number */
		g_ptr_array_add(errors, g_strdup_printf("%s: %s", file, err->message));
		g_error_free(err);
		g_key_file_free(ld.kf);
		g_free(text);
		return NULL;
	}
	linemap_build(&ld.lm, text);
	unsigned before = errors->len;

	struct config *cfg = g_new0(struct config, 1);
	cfg->path = g_strdup(file);
	cfg->mailboxes = g_ptr_array_new_with_free_func(mailbox_free);
	cfg->warnings = g_ptr_array_new_with_free_func(g_free);
	char *cfgdir = g_path_get_dirname(file);

	static const char *const known[] = { "daemon", "database", "smtp", "company",
					     "acknowledge", "limits", "web", "api", "staff",
					     "escalation", "deadlines", "survey", "reports",
					     "warning", "retention", "approval" };
	for (size_t i = 0; i < G_N_ELEMENTS(known); i++)
		load_group(&ld, known[i], known[i], global_keys, G_N_ELEMENTS(global_keys), cfg,
			   g_key_file_has_group(ld.kf, known[i]));

	gsize ngroups = 0;
	char **groups = g_key_file_get_groups(ld.kf, &ngroups);
	for (gsize g = 0; g < ngroups; g++) {
		const char *grp = groups[g];
		bool is_known = !strcmp(grp, "routes");
		for (size_t i = 0; i < G_N_ELEMENTS(known); i++)
			is_known |= !strcmp(grp, known[i]);
		if (is_known)
			continue;
		if (!g_str_has_prefix(grp, "mailbox ") || !grp[strspn(grp + 8, " ") + 8]) {
			problem(&ld, grp, NULL, "unknown group (expected daemon, database, smtp, "
				"company, acknowledge, limits, web, api, staff, routes, escalation, "
				"deadlines, survey, reports, warning, retention, approval or 'mailbox NAME')");
			continue;
		}
		struct config_mailbox *mb = g_new0(struct config_mailbox, 1);
		mb->name = g_strstrip(g_strdup(grp + 8));
		load_group(&ld, grp, "mailbox", mailbox_keys, G_N_ELEMENTS(mailbox_keys), mb, true);
		check_mailbox(&ld, grp, mb, cfgdir);
		g_ptr_array_add(cfg->mailboxes, mb);
	}
	g_strfreev(groups);
	load_routes(&ld, cfg);
	check_global(&ld, cfg, cfgdir);
	add_from_to_addresses(cfg);

	g_free(cfgdir);
	g_hash_table_unref(ld.lm.lines);
	g_key_file_free(ld.kf);
	g_free(text);
	if (errors->len != before)
		config_free(&cfg);
	return cfg;
}

void config_free(struct config **cfgp)
{
	struct config *cfg = *cfgp;
	if (!cfg)
		return;
	for (size_t i = 0; i < G_N_ELEMENTS(global_keys); i++) {
		void *slot = (char *)cfg + global_keys[i].offset;
		if (global_keys[i].type == C_STR)
			g_free(*(char **)slot);
		else if (global_keys[i].type == C_LIST)
			g_strfreev(*(char ***)slot);
	}
	if (cfg->db_password) {
		explicit_bzero(cfg->db_password, strlen(cfg->db_password));
		g_free(cfg->db_password);
	}
	if (cfg->smtp_password) {
		explicit_bzero(cfg->smtp_password, strlen(cfg->smtp_password));
		g_free(cfg->smtp_password);
	}
	char *keys[] = { cfg->staff_secret, cfg->staff_previous_secret };
	for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
		if (keys[i]) {
			explicit_bzero(keys[i], strlen(keys[i]));
			g_free(keys[i]);
		}
	for (char **k = cfg->api_keys; k && *k; k++)
		explicit_bzero(*k, strlen(*k));
	g_strfreev(cfg->api_keys);
	g_strfreev(cfg->api_key_names);
	if (cfg->routes)
		g_hash_table_unref(cfg->routes);
	g_ptr_array_unref(cfg->mailboxes);
	g_ptr_array_unref(cfg->warnings);
	g_free(cfg->path);
	g_free(cfg);
	*cfgp = NULL;
}

/* same_mailbox - addr is own, or own with a "+tag" after its local part
 * (our signed reply addresses are complaints+REF.TOKEN@...). */
static bool same_mailbox(const char *own, const char *addr)
{
	const char *at = strrchr(own, '@');
	size_t local = at ? (size_t)(at - own) : strlen(own);
	if (!at || g_ascii_strncasecmp(own, addr, local) != 0 || addr[local] != '+')
		return !g_ascii_strcasecmp(own, addr);
	const char *their_at = strrchr(addr + local, '@');
	return their_at && !g_ascii_strcasecmp(at, their_at);
}

bool config_is_own_address(const struct config *cfg, const char *addr)
{
	if (!addr)
		return false;
	for (char **a = cfg->company_addresses; a && *a; a++)
		if (same_mailbox(*a, addr))
			return true;
	return false;
}

static void dump_value(GString *out, const struct ckey *k, const void *base)
{
	const void *slot = (const char *)base + k->offset;
	if (strstr(k->key, "password") && strcmp(k->key, "password_file"))
		return;
	g_string_append_printf(out, "%s = ", k->key);
	switch (k->type) {
	case C_STR: g_string_append(out, *(char *const *)slot); break;
	case C_BOOL: g_string_append(out, *(const bool *)slot ? "true" : "false"); break;
	case C_LIST:
		for (char *const *a = *(char **const *)slot; a && *a; a++)
			g_string_append_printf(out, "%s%s", a == *(char **const *)slot ? "" : "; ", *a);
		break;
	case C_DUR: g_string_append_printf(out, "%llds", (long long)*(const int64_t *)slot); break;
	default: g_string_append_printf(out, "%lld", (long long)*(const int64_t *)slot); break;
	}
	g_string_append_c(out, '\n');
}

char *config_dump(const struct config *cfg)
{
	GString *out = g_string_new(NULL);
	const char *group = "";
	for (size_t i = 0; i < G_N_ELEMENTS(global_keys); i++) {
		if (strcmp(group, global_keys[i].group)) {
			group = global_keys[i].group;
			g_string_append_printf(out, "%s[%s]\n", out->len ? "\n" : "", group);
		}
		dump_value(out, &global_keys[i], cfg);
	}
	if (g_hash_table_size(cfg->routes)) {
		g_string_append(out, "\n[routes]\n");
		GList *keys = g_list_sort(g_hash_table_get_keys(cfg->routes), (GCompareFunc)strcmp);
		for (GList *k = keys; k; k = k->next)
			g_string_append_printf(out, "%s = %s\n", (char *)k->data,
					       (char *)g_hash_table_lookup(cfg->routes, k->data));
		g_list_free(keys);
	}
	for (unsigned m = 0; m < cfg->mailboxes->len; m++) {
		const struct config_mailbox *mb = g_ptr_array_index(cfg->mailboxes, m);
		g_string_append_printf(out, "\n[mailbox %s]\n", mb->name);
		for (size_t i = 0; i < G_N_ELEMENTS(mailbox_keys); i++)
			dump_value(out, &mailbox_keys[i], mb);
	}
	return g_string_free(out, FALSE);
}
