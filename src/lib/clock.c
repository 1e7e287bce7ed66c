/* clock - real time plus the test offset. */
#include "lib/clock.h"

#include <stdlib.h>
#include <glib.h>

static gsize offset_read;
static int64_t offset;

int64_t clock_offset(void)
{
	if (g_once_init_enter(&offset_read)) {
		const char *v = g_getenv("COMPLAINTD_CLOCK_OFFSET");
		offset = v ? (int64_t)g_ascii_strtoll(v, NULL, 10) : 0;
		g_once_init_leave(&offset_read, 1);
	}
	return offset;
}

int64_t clock_now(void)
{
	return g_get_real_time() / G_USEC_PER_SEC + clock_offset();
}
