/* Fuzz target: the working-day calendar parser (an administrator's file,
 * but a parser all the same: it must never crash or hang on any bytes),
 * and, when a file parses, the deadline and working-time arithmetic over
 * the calendar it describes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <glib.h>

#include "workflow/calendar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check - the promises calendar.h makes, checked on one instant. */
static void check(const struct calendar *c, int64_t from)
{
	int64_t prev = from;
	for (unsigned n = 0; n <= 10; n += 5) {
		int64_t t = calendar_add_working_days(c, from, n);
		if (t != INT64_MAX && n > 0 && t <= from)
			__builtin_trap();  /* a deadline after receipt */
		if (n > 0 && t < prev)
			__builtin_trap();  /* more days, never an earlier deadline */
		prev = t;
	}
	int64_t week = calendar_working_seconds(c, from, from + 7 * 86400);
	if (week < 0 || week > 7 * 86400)
		__builtin_trap();
	const int64_t secs[] = { 1, 3600, 40 * 3600 };
	for (size_t i = 0; i < G_N_ELEMENTS(secs); i++) {
		int64_t t = calendar_add_working_seconds(c, from, secs[i]);
		if (t != INT64_MAX && calendar_working_seconds(c, from, t) != secs[i])
			__builtin_trap();  /* the adder and the counter disagree */
	}
	char *s = calendar_format_time(c, from);
	g_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	struct calendar *c = calendar_parse("fuzz.cal", (const char *)data, size, errors);
	if (c == NULL && errors->len == 0)
		__builtin_trap();  /* a refusal must say why */
	for (guint i = 0; i < errors->len; i++)
		if (!g_str_has_prefix(errors->pdata[i], "fuzz.cal:"))
			__builtin_trap();
	if (c) {
		/* around the dates the file is most likely to name, and a moment
		 * taken from the input so each file probes somewhere else too */
		uint32_t h = 2166136261u;
		for (size_t i = 0; i < size; i++)
			h = (h ^ data[i]) * 16777619u;
		check(c, INT64_C(1767225600));                       /* 2026-01-01T00:00Z */
		check(c, INT64_C(1771027200) + (int64_t)(h % 86400)); /* 2026-02-14 */
		check(c, INT64_C(1759276800) + (int64_t)(h % (400 * 86400))); /* 2025-10-01 + up to 400 days */
		for (int d = 1; d <= 31; d++)
			calendar_day_kind(c, 2026, 10, d, NULL);
		calendar_free(&c);
	}
	g_ptr_array_unref(errors);
	return 0;
}
