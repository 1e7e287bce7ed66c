/* ctljson - complaintctl's JSON fields: missing text and local times. */
#include "ctl/ctljson.h"

#include <glib.h>

#include "lib/json.h"

char *ctljson_local_time(int64_t t, const char *fmt)
{
	if (!t)
		return NULL;
	GDateTime *dt = g_date_time_new_from_unix_local(t);
	char *s = dt ? g_date_time_format(dt, fmt) : g_strdup_printf("@%lld", (long long)t);
	if (dt)
		g_date_time_unref(dt);
	return s;
}

char *ctljson_time(int64_t t)
{
	return ctljson_local_time(t, "%Y-%m-%dT%H:%M:%S%:z");
}

void ctljson_kv_text(struct json *j, const char *key, const char *v)
{
	json_kv_string(j, key, v && *v ? v : NULL);
}

void ctljson_kv_time(struct json *j, const char *key, int64_t t)
{
	char *s = ctljson_time(t);
	json_kv_string(j, key, s);
	g_free(s);
}
