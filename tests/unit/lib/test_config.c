/* Unit tests for config: typed keys, defaults, errors with file:line, secrets. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <sys/stat.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "lib/config.h"

static char *tmpdir;

static char *write_file(const char *name, const char *text, int mode)
{
	char *path = g_build_filename(tmpdir, name, NULL);
	g_assert(g_file_set_contents(path, text, -1, NULL));
	g_chmod(path, mode);
	return path;
}

/* load - returns the config or NULL; errors joined by '|' into *errs. */
static struct config *load(const char *text, char **errs)
{
	char *path = write_file("test.conf", text, 0600);
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	struct config *cfg = config_load(path, errors);
	g_ptr_array_add(errors, NULL);
	*errs = g_strjoinv("|", (char **)errors->pdata);
	g_ptr_array_unref(errors);
	g_free(path);
	return cfg;
}

static const char *minimal =
	"[company]\nfrom = complaints@example.com\n"
	"[mailbox main]\nurl = imaps://127.0.0.1:993\nuser = cs\npassword_file = pw\n";

static int setup(void **state)
{
	tmpdir = g_dir_make_tmp("cfgtest-XXXXXX", NULL);
	g_free(write_file("pw", "secret\n", 0600));
	g_free(write_file("openpw", "secret\n", 0644));
	return 0;
}

static int teardown(void **state)
{
	char *cmd = g_strdup_printf("rm -rf '%s'", tmpdir);
	g_assert(system(cmd) == 0);
	g_free(cmd);
	g_free(tmpdir);
	return 0;
}

static void test_defaults(void **state)
{
	char *errs;
	struct config *cfg = load(minimal, &errs);
	assert_non_null(cfg);
	assert_string_equal(errs, "");
	assert_string_equal(cfg->ref_prefix, "CMP");
	assert_int_equal(cfg->db_port, 3306);
	assert_int_equal(cfg->smtp_retry_max, 3600);
	assert_int_equal(cfg->quarantine_after, 3);
	assert_int_equal(cfg->mailboxes->len, 1);
	struct config_mailbox *mb = g_ptr_array_index(cfg->mailboxes, 0);
	assert_string_equal(mb->name, "main");
	assert_string_equal(mb->folder, "INBOX");
	assert_int_equal(mb->poll_interval, 60);
	assert_true(mb->verify);
	/* relative secret paths are resolved from the config file's folder */
	assert_true(g_str_has_prefix(mb->password_file, tmpdir));
	/* from is always one of our own addresses */
	assert_true(config_is_own_address(cfg, "Complaints@Example.com"));
	assert_false(config_is_own_address(cfg, "customer@example.net"));
	/* and so are its "+tag" forms (the signed reply addresses), no others */
	assert_true(config_is_own_address(cfg, "complaints+CMP-1.ab12@EXAMPLE.com"));
	assert_true(config_is_own_address(cfg, "complaints+@example.com"));
	assert_false(config_is_own_address(cfg, "complaints+x@example.com.evil"));
	assert_false(config_is_own_address(cfg, "complaintsx@example.com"));
	assert_false(config_is_own_address(cfg, "complaints+x@other.example"));
	assert_false(config_is_own_address(cfg, "complaints"));
	assert_false(config_is_own_address(cfg, ""));
	config_free(&cfg);
	assert_null(cfg);
	g_free(errs);
}

static void test_unknown_key_names_line(void **state)
{
	char *errs;
	char *text = g_strdup_printf("%s[smtp]\n# comment\nurl = smtp://127.0.0.1:25\nretyr_max = 1h\n",
				     minimal);
	struct config *cfg = load(text, &errs);
	assert_null(cfg);
	assert_non_null(strstr(errs, "test.conf:10: [smtp] retyr_max: unknown key"));
	g_free(errs);
	g_free(text);
}

static void test_bad_values(void **state)
{
	char *errs;
	char *text = g_strdup_printf("%s[database]\nport = 99999\nconnect_timeout = soon\n"
				     "[smtp]\nverify = perhaps\ntls = always\n", minimal);
	struct config *cfg = load(text, &errs);
	assert_null(cfg);
	assert_non_null(strstr(errs, "[database] port: 99999 is out of range"));
	assert_non_null(strstr(errs, "[database] connect_timeout: 'soon' is not a duration"));
	assert_non_null(strstr(errs, "[smtp] verify: 'perhaps' is not a boolean"));
	assert_non_null(strstr(errs, "[smtp] tls: 'always' must be none, try or required"));
	g_free(errs);
	g_free(text);
}

/* [daemon] cache_dir: systemd's $CACHE_DIRECTORY (its first path) when
 * not set, none without it or when set to "none", relative to the
 * config's folder like the other paths */
static void test_cache_dir(void **state)
{
	(void)state;
	char *errs;
	g_unsetenv("CACHE_DIRECTORY");
	struct config *cfg = load(minimal, &errs);
	assert_non_null(cfg);
	assert_string_equal(cfg->cache_dir, "");
	config_free(&cfg);
	g_free(errs);
	g_setenv("CACHE_DIRECTORY", "/var/cache/complaintd:/var/cache/other", TRUE);
	cfg = load(minimal, &errs);
	assert_string_equal(cfg->cache_dir, "/var/cache/complaintd");
	config_free(&cfg);
	g_free(errs);
	char *text = g_strdup_printf("[daemon]\ncache_dir = none\n%s", minimal);
	cfg = load(text, &errs);
	assert_string_equal(cfg->cache_dir, "");
	config_free(&cfg);
	g_free(errs);
	g_free(text);
	text = g_strdup_printf("[daemon]\ncache_dir = pf\n%s", minimal);
	cfg = load(text, &errs);
	char *want = g_build_filename(tmpdir, "pf", NULL);
	assert_string_equal(cfg->cache_dir, want);
	g_free(want);
	config_free(&cfg);
	g_free(errs);
	g_free(text);
	g_unsetenv("CACHE_DIRECTORY");
}

/* [retention] days: 0 (keep) by default, a whole number of days up to
 * 36500, nothing else */
static void test_retention(void **state)
{
	char *errs;
	struct config *cfg = load(minimal, &errs);
	assert_non_null(cfg);
	assert_int_equal(cfg->retention_days, 0);
	config_free(&cfg);
	g_free(errs);
	const char *bad[] = { "-1", "36501", "1y", "" };
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		char *text = g_strdup_printf("%s[retention]\ndays = %s\n", minimal, bad[i]);
		cfg = load(text, &errs);
		assert_null(cfg);
		assert_non_null(strstr(errs, "[retention] days"));
		g_free(errs);
		g_free(text);
	}
	char *text = g_strdup_printf("%s[retention]\ndays = 36500\n", minimal);
	cfg = load(text, &errs);
	assert_non_null(cfg);
	assert_int_equal(cfg->retention_days, 36500);
	config_free(&cfg);
	g_free(errs);
	g_free(text);
}

/* [survey] delay: 3 days by default, a week at most (001 一周内) with an
 * error that says why; [approval]: addresses, domains, a reminder delay,
 * and who counts as approver and as crisis team or leadership. */
static void test_survey_week_and_approval(void **state)
{
	char *errs;
	struct config *cfg = load(minimal, &errs);
	assert_non_null(cfg);
	assert_int_equal(cfg->survey_delay, 3 * 86400);
	assert_int_equal(cfg->approval_remind_after, 86400);
	assert_false(config_is_approver(cfg, "boss@example.com"));
	config_free(&cfg);
	g_free(errs);
	const char *late[] = { "8d", "604801", "2w" };
	for (size_t i = 0; i < G_N_ELEMENTS(late); i++) {
		char *text = g_strdup_printf("%s[survey]\ndelay = %s\n", minimal, late[i]);
		cfg = load(text, &errs);
		assert_null(cfg);
		if (!strstr(errs, "[survey] delay: ") || !strstr(errs, "more than 7 days") ||
		    !strstr(errs, "within a week"))
			fail_msg("delay %s: %s", late[i], errs);
		g_free(errs);
		g_free(text);
	}
	char *text = g_strdup_printf("%s[survey]\ndelay = 7d\n[staff]\ndomains = staff.example.com\n"
				     "[approval]\napprovers = Boss@Staff.Example.com\n"
				     "domains = managers.example.com\ncrisis_team = chen@staff.example.com\n"
				     "remind_after = 4h\n[escalation]\nleadership = ceo@staff.example.com\n",
				     minimal);
	cfg = load(text, &errs);
	g_free(text);
	assert_non_null(cfg);
	assert_string_equal(errs, "");
	assert_int_equal(cfg->survey_delay, 7 * 86400);
	assert_int_equal(cfg->approval_remind_after, 4 * 3600);
	assert_true(config_is_approver(cfg, "boss@staff.example.com"));
	assert_true(config_is_approver(cfg, "anyone@Managers.Example.com"));
	assert_false(config_is_approver(cfg, "chen@staff.example.com"));
	assert_false(config_is_approver(cfg, "x@evil-managers.example.com"));
	assert_true(config_is_crisis_or_leadership(cfg, "chen@staff.example.com"));
	assert_true(config_is_crisis_or_leadership(cfg, "CEO@staff.example.com"));
	assert_false(config_is_crisis_or_leadership(cfg, "boss@staff.example.com"));
	assert_false(config_is_crisis_or_leadership(cfg, NULL));
	/* managers.example.com is no staff domain: nobody warned yet, since
	 * domains are not addresses; an approver outside [staff] is */
	config_free(&cfg);
	g_free(errs);
	text = g_strdup_printf("%s[approval]\napprovers = boss@outside.example.com, not-an-address\n"
			       "domains = @bad\n", minimal);
	cfg = load(text, &errs);
	g_free(text);
	assert_null(cfg);
	assert_non_null(strstr(errs, "[approval] approvers: 'not-an-address' is not an e-mail"));
	assert_non_null(strstr(errs, "[approval] domains: '@bad' is not a domain"));
	g_free(errs);
	text = g_strdup_printf("%s[approval]\napprovers = boss@outside.example.com\n", minimal);
	cfg = load(text, &errs);
	g_free(text);
	assert_non_null(cfg);
	assert_int_equal(cfg->warnings->len, 1);
	assert_non_null(strstr(g_ptr_array_index(cfg->warnings, 0), "is not a [staff] address"));
	config_free(&cfg);
	g_free(errs);
	/* nobody named: the supervisor and the director approve, not the
	 * leadership; a domain named instead leaves approvers empty */
	const char *ladder = "[escalation]\nsupervisor = sup@staff.example.com\n"
			     "director = dir1@staff.example.com; dir2@staff.example.com\n"
			     "leadership = ceo@staff.example.com\n";
	text = g_strdup_printf("%s%s", minimal, ladder);
	cfg = load(text, &errs);
	g_free(text);
	assert_non_null(cfg);
	assert_true(config_is_approver(cfg, "sup@staff.example.com"));
	assert_true(config_is_approver(cfg, "DIR2@staff.example.com"));
	assert_false(config_is_approver(cfg, "ceo@staff.example.com"));
	config_free(&cfg);
	g_free(errs);
	text = g_strdup_printf("%s%s[approval]\ndomains = managers.example.com\n", minimal, ladder);
	cfg = load(text, &errs);
	g_free(text);
	assert_non_null(cfg);
	assert_false(config_is_approver(cfg, "sup@staff.example.com"));
	assert_true(config_is_approver(cfg, "x@managers.example.com"));
	config_free(&cfg);
	g_free(errs);
}

/* [smtp] tls with a user: AUTH never in clear (issue 10.10) */
static void test_smtp_tls_with_user(void **state)
{
	char *errs;
	/* try + user: upgraded to required, with a warning */
	char *text = g_strdup_printf("%s[smtp]\nuser = relay\npassword_file = pw\n", minimal);
	struct config *cfg = load(text, &errs);
	assert_non_null(cfg);
	assert_string_equal(cfg->smtp_tls, "required");
	assert_int_equal(cfg->warnings->len, 1);
	assert_non_null(strstr(cfg->warnings->pdata[0], "[smtp] tls = try with a user"));
	config_free(&cfg);
	g_free(errs);
	g_free(text);
	/* none + user on smtp://: refused */
	text = g_strdup_printf("%s[smtp]\nuser = relay\npassword_file = pw\ntls = none\n",
			       minimal);
	assert_null(load(text, &errs));
	assert_non_null(strstr(errs, "[smtp] tls: none with a user would send the password"));
	g_free(errs);
	g_free(text);
	/* smtps:// is TLS from the start; no user: try stays try */
	text = g_strdup_printf("%s[smtp]\nurl = smtps://relay.example\nuser = relay\n"
			       "password_file = pw\ntls = none\n", minimal);
	cfg = load(text, &errs);
	assert_non_null(cfg);
	assert_int_equal(cfg->warnings->len, 0);
	config_free(&cfg);
	g_free(errs);
	g_free(text);
	cfg = load(minimal, &errs);
	assert_string_equal(cfg->smtp_tls, "try");
	assert_int_equal(cfg->warnings->len, 0);
	config_free(&cfg);
	g_free(errs);
}

/* [database] tls, ca_file, verify and [daemon] log_pii */
static void test_database_tls_and_log_pii(void **state)
{
	char *errs;
	struct config *cfg = load(minimal, &errs);
	assert_string_equal(cfg->db_tls, "none");
	assert_true(cfg->db_verify);
	assert_string_equal(cfg->db_ca_file, "");
	assert_false(cfg->log_pii);
	config_free(&cfg);
	g_free(errs);
	char *text = g_strdup_printf("%s[database]\ntls = required\nca_file = pw\n"
				     "[daemon]\nlog_pii = true\n", minimal);
	cfg = load(text, &errs);
	assert_non_null(cfg);
	assert_string_equal(cfg->db_tls, "required");
	assert_true(g_str_has_prefix(cfg->db_ca_file, tmpdir));  /* relative: beside the file */
	assert_true(cfg->log_pii);
	assert_int_equal(cfg->warnings->len, 0);
	config_free(&cfg);
	g_free(errs);
	g_free(text);
	text = g_strdup_printf("%s[database]\ntls = try\nca_file = nonesuch.pem\n", minimal);
	assert_null(load(text, &errs));
	assert_non_null(strstr(errs, "[database] tls: 'try' must be none or required"));
	assert_non_null(strstr(errs, "[database] ca_file:"));
	g_free(errs);
	g_free(text);
	/* a remote server in clear, or TLS unchecked: allowed, with a warning */
	text = g_strdup_printf("%s[database]\nhost = db.example\n", minimal);
	cfg = load(text, &errs);
	assert_int_equal(cfg->warnings->len, 1);
	assert_non_null(strstr(cfg->warnings->pdata[0], "cross the network in clear"));
	config_free(&cfg);
	g_free(errs);
	g_free(text);
	text = g_strdup_printf("%s[database]\nhost = db.example\ntls = required\n"
			       "verify = false\n", minimal);
	cfg = load(text, &errs);
	assert_int_equal(cfg->warnings->len, 1);
	assert_non_null(strstr(cfg->warnings->pdata[0], "verify = false"));
	config_free(&cfg);
	g_free(errs);
	g_free(text);
}

static void test_unknown_group_and_mailbox_checks(void **state)
{
	char *errs;
	struct config *cfg = load("[company]\nfrom = a@b.example\n[mailboxes]\nx = 1\n"
				  "[mailbox two]\nurl = http://x\npassword_file = pw\n"
				  "oauth_token_file = pw\n", &errs);
	assert_null(cfg);
	assert_non_null(strstr(errs, ":3: [mailboxes]: unknown group"));
	assert_non_null(strstr(errs, "[mailbox two] url: 'http://x' must start with imaps://"));
	assert_non_null(strstr(errs, "[mailbox two] user: missing"));
	assert_non_null(strstr(errs, "set exactly one of password_file"));
	g_free(errs);
}

static void test_secret_permissions(void **state)
{
	char *errs;
	struct config *cfg = load("[company]\nfrom = a@b.example\n"
				  "[database]\npassword_file = openpw\n", &errs);
	assert_null(cfg);
	assert_non_null(strstr(errs, "[database] password_file:"));
	assert_non_null(strstr(errs, "too open"));
	g_free(errs);
	cfg = load("[company]\nfrom = a@b.example\n[database]\npassword_file = pw\n", &errs);
	assert_non_null(cfg);
	assert_string_equal(cfg->db_password, "secret");
	char *dump = config_dump(cfg);
	assert_null(strstr(dump, "secret\n"));
	assert_non_null(strstr(dump, "[database]"));
	g_free(dump);
	config_free(&cfg);
	g_free(errs);
}

/* test_api_keys - [api] keys_file: owner-only, NAME KEY lines, and the key
 * presented found by its whole value only. */
static void test_api_keys(void **state)
{
	const char *conf = "[company]\nfrom = a@b.example\n[api]\nkeys_file = api.keys\n";
	char *errs;
	g_free(write_file("api.keys", "hotline 0123456789abcdef-hotline\n", 0640));
	struct config *cfg = load(conf, &errs);
	assert_null(cfg);
	assert_non_null(strstr(errs, "[api] keys_file:"));
	assert_non_null(strstr(errs, "too open"));
	g_free(errs);
	static const char *const bad[] = {
		"hotline short\n", "hotline\n", "a b c 0123456789abcdef\n",
		"bad/name 0123456789abcdef-xx\n", "# only a comment\n",
		"a 0123456789abcdef-same\nb 0123456789abcdef-same\n",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_free(write_file("api.keys", bad[i], 0600));
		cfg = load(conf, &errs);
		if (cfg)
			fail_msg("accepted keys file %zu", i);
		assert_non_null(strstr(errs, "[api] keys_file:"));
		g_free(errs);
	}
	g_free(write_file("api.keys", "# call centre\nhotline  0123456789abcdef-hotline\n\n"
			  "wechat-desk\t0123456789abcdef-wechat\n", 0600));
	cfg = load(conf, &errs);
	assert_non_null(cfg);
	assert_string_equal(config_api_key(cfg, "0123456789abcdef-hotline"), "hotline");
	assert_string_equal(config_api_key(cfg, "0123456789abcdef-wechat"), "wechat-desk");
	assert_null(config_api_key(cfg, "0123456789abcdef-hotlin"));
	assert_null(config_api_key(cfg, "0123456789abcdef-hotlinee"));
	assert_null(config_api_key(cfg, "hotline"));
	assert_null(config_api_key(cfg, ""));
	assert_null(config_api_key(cfg, NULL));
	char *dump = config_dump(cfg);
	assert_null(strstr(dump, "0123456789abcdef"));
	g_free(dump);
	config_free(&cfg);
	g_free(errs);
	cfg = load("[company]\nfrom = a@b.example\n", &errs);
	assert_null(config_api_key(cfg, "0123456789abcdef-hotline"));
	config_free(&cfg);
	g_free(errs);
}

/* test_key_rotation - [staff] previous_secret_file needs its end date;
 * the date is read as the end of that day; token_lifetime has bounds. */
static void test_key_rotation(void **state)
{
	char *errs;
	g_free(write_file("new.key", "a new key of thirty-two characters\n", 0600));
	g_free(write_file("old.key", "the old key, rotated out of use\n", 0600));
	const char *head = "[company]\nfrom = a@b.example\n[staff]\nsecret_file = new.key\n";
	char *text = g_strconcat(head, "previous_secret_file = old.key\n", NULL);
	struct config *cfg = load(text, &errs);
	g_free(text);
	assert_null(cfg);
	assert_non_null(strstr(errs, "needs previous_secret_until"));
	g_free(errs);

	text = g_strconcat(head, "previous_secret_file = old.key\nprevious_secret_until = 31.3.2027\n",
			   NULL);
	cfg = load(text, &errs);
	g_free(text);
	assert_null(cfg);
	assert_non_null(strstr(errs, "[staff] previous_secret_until: '31.3.2027' is not a date"));
	g_free(errs);

	text = g_strconcat(head, "previous_secret_file = new.key\nprevious_secret_until = 2027-03-31\n",
			   NULL);
	cfg = load(text, &errs);
	g_free(text);
	assert_null(cfg);
	assert_non_null(strstr(errs, "the same key"));
	g_free(errs);

	text = g_strconcat(head, "token_lifetime = 12h\n", NULL);
	cfg = load(text, &errs);
	g_free(text);
	assert_null(cfg);
	assert_non_null(strstr(errs, "[staff] token_lifetime"));
	g_free(errs);

	text = g_strconcat(head, "previous_secret_file = old.key\nprevious_secret_until = 2027-03-31\n",
			   NULL);
	cfg = load(text, &errs);
	g_free(text);
	assert_non_null(cfg);
	assert_string_equal(cfg->staff_previous_secret, "the old key, rotated out of use");
	assert_int_equal(cfg->staff_token_lifetime, 90 * 86400);
	/* the end of 2027-03-31, local time */
	GDateTime *end = g_date_time_new_local(2027, 4, 1, 0, 0, 0);
	assert_int_equal(cfg->staff_previous_until, g_date_time_to_unix(end));
	g_date_time_unref(end);
	config_free(&cfg);
	g_free(errs);

	text = g_strconcat(head, "previous_secret_file = old.key\n"
			   "previous_secret_until = 2027-03-31T12:00:00+08:00\n", NULL);
	cfg = load(text, &errs);
	g_free(text);
	assert_non_null(cfg);
	assert_int_equal(cfg->staff_previous_until, 1806465600);
	config_free(&cfg);
	g_free(errs);
}

static void test_syntax_error(void **state)
{
	char *errs;
	struct config *cfg = load("[company\nfrom = x\n", &errs);
	assert_null(cfg);
	assert_non_null(strstr(errs, "test.conf: "));
	g_free(errs);
}

static void test_durations_sizes(void **state)
{
	int64_t v;
	assert_true(config_parse_duration("90", &v)); assert_int_equal(v, 90);
	assert_true(config_parse_duration("5m", &v)); assert_int_equal(v, 300);
	assert_true(config_parse_duration("7d", &v)); assert_int_equal(v, 604800);
	assert_false(config_parse_duration("5x", &v));
	assert_false(config_parse_duration("-1s", &v));
	assert_false(config_parse_duration("", &v));
	assert_false(config_parse_duration("5mm", &v));
	assert_false(config_parse_duration("99999999999999999999", &v));
	assert_true(config_parse_size("25M", &v)); assert_int_equal(v, 25 << 20);
	assert_true(config_parse_size("64kB", &v)); assert_int_equal(v, 65536);
	assert_false(config_parse_size("1T", &v));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_unknown_key_names_line),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_smtp_tls_with_user),
		cmocka_unit_test(test_database_tls_and_log_pii),
		cmocka_unit_test(test_unknown_group_and_mailbox_checks),
		cmocka_unit_test(test_secret_permissions),
		cmocka_unit_test(test_key_rotation),
		cmocka_unit_test(test_api_keys),
		cmocka_unit_test(test_syntax_error),
		cmocka_unit_test(test_durations_sizes),
		cmocka_unit_test(test_retention),
		cmocka_unit_test(test_cache_dir),
		cmocka_unit_test(test_survey_week_and_approval),
	};
	return cmocka_run_group_tests_name("config", tests, setup, teardown);
}
