/* rules_cache_fixture - the compiled-prefilter cache that the unit tests
 * loading the default rules share.
 *
 * Compiling the default rules' vectorscan prefilter takes some ten seconds
 * under AddressSanitizer (the compiler allocates a great deal, and every
 * allocation goes through the sanitizer's allocator), and tests of several
 * programs load those rules, some twice: that was over a minute of make
 * check. tests/run-unit gives one private directory to the whole run in
 * UNIT_RULES_CACHE, so the first load compiles and keeps the result
 * (rules/pfcache.h) and the others read it. Unset (a test program run by
 * hand), every load compiles, as before. A test of compiling itself, or of
 * the cache, passes its own limits, not these. */
#ifndef COMPLAINTD_RULES_CACHE_FIXTURE_H
#define COMPLAINTD_RULES_CACHE_FIXTURE_H

#include "rules/rules.h"

/* default_limits - the default limits with the run's cache, or NULL (the
 * defaults, no cache) when there is none. Points to static storage. */
static const struct rules_limits *default_limits(void)
{
	static struct rules_limits lim;
	const char *dir = g_getenv("UNIT_RULES_CACHE");
	lim = (struct rules_limits){ .cache_dir = dir };
	return dir && *dir ? &lim : NULL;
}

#endif
