/* pfcache - the compiled vectorscan prefilter kept on disk between starts.
 *
 * Compiling the prefilter is most of what loading a rule set costs (about
 * 2 s of CPU for the shipped rules, several times that under the
 * sanitizers), and every start and every reload paid it again for the
 * same patterns. The database is saved, serialised, under a name that is
 * the SHA-256 of everything that decides it: the vectorscan version, the
 * platform compiled for, and each pattern with its flags and rule index.
 * Any change to a rule is a new name, so a stale database is never used;
 * an unreadable, foreign or damaged file is a miss and is compiled anew.
 *
 * The directory is trusted like the rules directory: files are written
 * mode 600 by an atomic rename, and a file or directory that another user
 * owns or that others may write is not read. */
#ifndef COMPLAINTD_PFCACHE_H
#define COMPLAINTD_PFCACHE_H

#include <glib.h>
#include <hs/hs.h>
#include <stdbool.h>

/* pfcache_usable - dir is ours (or root's) and closed to others, or
 * does not exist yet (pfcache_save makes it). Another user's directory,
 * such as the daemon's seen by root running complaintctl, is neither
 * read nor written: what that user could put there is not loaded. */
bool pfcache_usable(const char *dir);

/* pfcache_key - the name of the database compiled for plat from pats
 * (char *), flags and ids (unsigned each, same length) of a set of nrules
 * rules. Returns a g_malloc'ed hex string. */
char *pfcache_key(const hs_platform_info_t *plat, unsigned nrules, const GPtrArray *pats,
		  const GArray *flags, const GArray *ids);

/* pfcache_load - the database saved in dir under key and, into ids
 * (emptied first), the rule indices it screens, each below nrules.
 * NULL on a miss; *why (g_free, may stay NULL on a plain miss) says what
 * was wrong with a file that was there. */
hs_database_t *pfcache_load(const char *dir, const char *key, unsigned nrules, GArray *ids,
			    char **why);

/* pfcache_save - db and its ids saved in dir under key; files of earlier
 * rule sets older than a month are removed. False and *why (g_free) when
 * it cannot be written: the caller goes on without a cache. */
bool pfcache_save(const char *dir, const char *key, unsigned nrules, const hs_database_t *db,
		  const GArray *ids, char **why);

#endif
