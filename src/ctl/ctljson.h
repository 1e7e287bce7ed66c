/* ctljson - the fields complaintctl's verbs (show, list, search, export)
 * write the same way: text that may be missing, and times.
 * Times are ISO 8601 in the process's local zone (TZ) with the offset, so
 * a script need not know the zone; a missing text or time (NULL, "", 0)
 * is null. */
#ifndef COMPLAINTD_CTLJSON_H
#define COMPLAINTD_CTLJSON_H

#include <stdint.h>

struct json;

/* ctljson_local_time - t in the local zone as strftime-like fmt
 * (g_date_time_format), g_free; NULL for 0 (not yet). */
char *ctljson_local_time(int64_t t, const char *fmt);
/* ctljson_time - t as above: ISO 8601 with the offset. */
char *ctljson_time(int64_t t);

/* ctljson_kv_text, ctljson_kv_time - key and the value as above. */
void ctljson_kv_text(struct json *j, const char *key, const char *v);
void ctljson_kv_time(struct json *j, const char *key, int64_t t);

#endif
