/* pfcache - the compiled prefilter kept on disk; see pfcache.h. */
#include "rules/pfcache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* "complaintd prefilter", format 1; the header is the magic, the number
 * of ids, the number of rules they index, the ids, then the database as
 * hs_serialize_database wrote it. Host byte order: the key names the
 * platform, so a file never moves between machines unnoticed. */
static const char magic[8] = { 'C', 'D', 'P', 'F', '0', '0', '1', '\n' };
#define HEADER_BYTES (sizeof magic + 2 * sizeof(uint32_t))
#define MAX_FILE_BYTES (512u * 1024u * 1024u)
#define PRUNE_AGE_SECONDS (30 * 24 * 3600)

static void hash_u64(GChecksum *c, uint64_t v)
{
	char buf[24];
	int n = g_snprintf(buf, sizeof buf, "%" G_GUINT64_FORMAT ";", v);
	g_checksum_update(c, (const guchar *)buf, n);
}

char *pfcache_key(const hs_platform_info_t *plat, unsigned nrules, const GPtrArray *pats,
		  const GArray *flags, const GArray *ids)
{
	GChecksum *c = g_checksum_new(G_CHECKSUM_SHA256);
	const char *version = hs_version();
	g_checksum_update(c, (const guchar *)"complaintd prefilter 1;", -1);
	hash_u64(c, strlen(version));
	g_checksum_update(c, (const guchar *)version, -1);
	hash_u64(c, plat->tune);
	hash_u64(c, plat->cpu_features);
	hash_u64(c, nrules);
	hash_u64(c, pats->len);
	for (guint i = 0; i < pats->len; i++) {
		const char *p = g_ptr_array_index(pats, i);
		hash_u64(c, g_array_index(ids, unsigned, i));
		hash_u64(c, g_array_index(flags, unsigned, i));
		hash_u64(c, strlen(p)); /* lengths keep "ab"+"c" apart from "a"+"bc" */
		g_checksum_update(c, (const guchar *)p, -1);
	}
	char *key = g_strdup(g_checksum_get_string(c));
	g_checksum_free(c);
	return key;
}

static char *file_of(const char *dir, const char *key)
{
	char *base = g_strdup_printf("pf-%s.hsdb", key);
	char *path = g_build_filename(dir, base, NULL);
	g_free(base);
	return path;
}

/* trusted - owned by us (or, for the directory, by root) and writable by
 * no one else: what another user could have put there is not loaded. */
static bool trusted(const struct stat *st, bool dir)
{
	if (st->st_uid != geteuid() && !(dir && st->st_uid == 0))
		return false;
	return (st->st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

bool pfcache_usable(const char *dir)
{
	struct stat st;
	if (stat(dir, &st) != 0)
		return errno == ENOENT;
	return S_ISDIR(st.st_mode) && trusted(&st, true);
}

/* read_file - the whole regular, trusted file; NULL on a miss or (with
 * *why) when it is there but not ours. */
static char *read_file(const char *path, size_t *len, char **why)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	char *buf = NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || !trusted(&st, false) ||
	    st.st_size < (off_t)HEADER_BYTES || st.st_size > (off_t)MAX_FILE_BYTES) {
		*why = g_strdup_printf("%s: not a regular file of this user closed to others, "
				       "or of an impossible size", path);
		close(fd);
		return NULL;
	}
	*len = (size_t)st.st_size;
	buf = g_malloc(*len);
	size_t got = 0;
	while (got < *len) {
		ssize_t n = read(fd, buf + got, *len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (got != *len) {
		*why = g_strdup_printf("%s: short read", path);
		g_free(buf);
		return NULL;
	}
	return buf;
}

/* parse - the ids and database of a file's bytes; NULL and *why when
 * they do not hold together. */
static hs_database_t *parse(const char *buf, size_t len, unsigned nrules, GArray *ids,
			    char **why)
{
	uint32_t nids, n;
	if (memcmp(buf, magic, sizeof magic) != 0) {
		*why = g_strdup("not a prefilter file of this format");
		return NULL;
	}
	memcpy(&nids, buf + sizeof magic, sizeof nids);
	memcpy(&n, buf + sizeof magic + sizeof nids, sizeof n);
	size_t off = HEADER_BYTES + (size_t)nids * sizeof(uint32_t);
	if (n != nrules || nids == 0 || nids > nrules || off >= len) {
		*why = g_strdup("the header does not fit the rules");
		return NULL;
	}
	g_array_set_size(ids, 0);
	for (uint32_t k = 0; k < nids; k++) {
		uint32_t id;
		memcpy(&id, buf + HEADER_BYTES + k * sizeof id, sizeof id);
		if (id >= nrules) {
			*why = g_strdup("a rule index out of range");
			return NULL;
		}
		unsigned u = id;
		g_array_append_val(ids, u);
	}
	hs_database_t *db = NULL;
	hs_error_t rc = hs_deserialize_database(buf + off, len - off, &db);
	if (rc != HS_SUCCESS) {
		*why = g_strdup_printf("vectorscan refuses the database (error %d)", (int)rc);
		return NULL;
	}
	return db;
}

hs_database_t *pfcache_load(const char *dir, const char *key, unsigned nrules, GArray *ids,
			    char **why)
{
	*why = NULL;
	char *path = file_of(dir, key);
	size_t len = 0;
	char *buf = read_file(path, &len, why);
	hs_database_t *db = NULL;
	if (buf) {
		char *what = NULL;
		db = parse(buf, len, nrules, ids, &what);
		if (!db) {
			*why = g_strdup_printf("%s: %s", path, what);
			g_free(what);
		}
	}
	if (!db)
		g_array_set_size(ids, 0);
	g_free(buf);
	g_free(path);
	return db;
}

/* prune - files of other rule sets not written for a month. */
static void prune(const char *dir, const char *keep)
{
	GDir *dh = g_dir_open(dir, 0, NULL);
	if (!dh)
		return;
	const char *name;
	time_t now = time(NULL);
	while ((name = g_dir_read_name(dh))) {
		if (!g_str_has_prefix(name, "pf-") || !g_str_has_suffix(name, ".hsdb"))
			continue;
		char *path = g_build_filename(dir, name, NULL);
		struct stat st;
		if (strcmp(path, keep) != 0 && lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    now - st.st_mtime > PRUNE_AGE_SECONDS)
			unlink(path);
		g_free(path);
	}
	g_dir_close(dh);
}

bool pfcache_save(const char *dir, const char *key, unsigned nrules, const hs_database_t *db,
		  const GArray *ids, char **why)
{
	*why = NULL;
	char *bytes = NULL;
	size_t nbytes = 0;
	if (hs_serialize_database(db, &bytes, &nbytes) != HS_SUCCESS) {
		*why = g_strdup("vectorscan cannot serialise the database");
		return false;
	}
	GString *out = g_string_sized_new(HEADER_BYTES + ids->len * sizeof(uint32_t) + nbytes);
	uint32_t head[2] = { ids->len, nrules };
	g_string_append_len(out, magic, sizeof magic);
	g_string_append_len(out, (const char *)head, sizeof head);
	for (guint k = 0; k < ids->len; k++) {
		uint32_t id = g_array_index(ids, unsigned, k);
		g_string_append_len(out, (const char *)&id, sizeof id);
	}
	g_string_append_len(out, bytes, (gssize)nbytes);
	free(bytes); /* hs's misc allocator: malloc */
	GError *err = NULL;
	char *path = file_of(dir, key);
	/* the temporary file and the rename make a reader see the old file or
	 * the whole new one, also with two daemons starting at once */
	bool ok = g_mkdir_with_parents(dir, 0700) == 0 &&
		  g_file_set_contents_full(path, out->str, (gssize)out->len,
					   G_FILE_SET_CONTENTS_CONSISTENT, 0600, &err);
	if (!ok)
		*why = g_strdup_printf("%s: %s", path, err ? err->message : g_strerror(errno));
	else
		prune(dir, path);
	g_clear_error(&err);
	g_free(path);
	g_string_free(out, TRUE);
	return ok;
}
