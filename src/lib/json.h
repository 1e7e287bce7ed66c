/* json - a tiny streaming JSON writer over a GString.
 *
 *     GString *out = g_string_new(NULL);
 *     struct json *j = json_new(out);
 *     json_object_begin(j);
 *     json_kv_string(j, "subject", s);
 *     json_key(j, "flags"); json_array_begin(j); json_string(j, "list"); json_array_end(j);
 *     json_object_end(j);
 *     json_free(&j);          // out now holds the document; the caller owns out
 *
 * Commas are placed for you. Strings are escaped per RFC 8259 (control
 * characters as \uXXXX, U+2028/2029 escaped too) and invalid UTF-8 is never
 * emitted: each bad byte becomes U+FFFD. NULL strings are written as null.
 * Not thread-safe per writer; separate writers are independent. */
#ifndef COMPLAINTD_JSON_H
#define COMPLAINTD_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <glib.h>

struct json;

/* json_new - a writer appending to out (borrowed; must outlive the writer). */
struct json *json_new(GString *out);
/* json_free - frees the writer (not out) and sets *j to NULL; NULL-safe. */
void json_free(struct json **j);

void json_object_begin(struct json *j);
void json_object_end(struct json *j);
void json_array_begin(struct json *j);
void json_array_end(struct json *j);
/* json_key - member name inside an object; the next value belongs to it. */
void json_key(struct json *j, const char *key);

void json_string(struct json *j, const char *s);
void json_string_len(struct json *j, const char *s, size_t len);
void json_int(struct json *j, int64_t v);
void json_uint(struct json *j, uint64_t v);
void json_double(struct json *j, double v);   /* NaN/Inf -> null */
void json_bool(struct json *j, bool v);
void json_null(struct json *j);

/* shorthands for json_key + value */
void json_kv_string(struct json *j, const char *key, const char *s);
void json_kv_int(struct json *j, const char *key, int64_t v);
void json_kv_bool(struct json *j, const char *key, bool v);

/* json_escape - append s (len bytes, or up to NUL when len < 0) to out as a
 * quoted JSON string. */
void json_escape(GString *out, const char *s, ssize_t len);

#endif
