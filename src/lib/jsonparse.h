/* jsonparse - a strict JSON (RFC 8259) parser for untrusted input.
 *
 * Parses a whole document into a read-only tree. Strict: no comments, no
 * trailing commas, no byte order mark, no NaN/Infinity, no leading zeros,
 * no raw control characters in strings, only space/tab/LF/CR as blanks.
 * Rejected on top of the RFC's grammar, because they make trouble for a C
 * caller or hide an attack: invalid UTF-8 (overlong forms and encoded
 * surrogates included), lone or swapped \uD800-\uDFFF surrogates, \u0000
 * (strings are NUL-terminated C strings), duplicate keys in one object,
 * numbers outside the range of a double.
 *
 * Limits on every dimension (struct jsonparse_limits); errors say what is
 * wrong and where: "byte 17: duplicate key \"name\"" (bytes from 0).
 *
 * Ownership: jsonparse_parse returns a tree the caller frees with
 * jsonparse_free; every pointer a getter returns is borrowed from the tree.
 * A tree is immutable, so several threads may read one at once. */
#ifndef COMPLAINTD_JSONPARSE_H
#define COMPLAINTD_JSONPARSE_H

#include <stdbool.h>
#include <stddef.h>

enum jsonparse_type {
	JSONPARSE_NULL,
	JSONPARSE_BOOL,
	JSONPARSE_NUMBER,
	JSONPARSE_STRING,
	JSONPARSE_ARRAY,
	JSONPARSE_OBJECT,
};

/* A zero member means the default. */
struct jsonparse_limits {
	size_t max_bytes;      /* whole document; default 1 MiB */
	unsigned max_depth;    /* nested arrays/objects; default 32 */
	size_t max_string;     /* bytes of one decoded string or key; default 256 KiB */
	size_t max_values;     /* values in the whole tree; default 100000 */
};
#define JSONPARSE_DEFAULT_MAX_BYTES  (1024u * 1024u)
#define JSONPARSE_DEFAULT_MAX_DEPTH  32u
#define JSONPARSE_DEFAULT_MAX_STRING (256u * 1024u)
#define JSONPARSE_DEFAULT_MAX_VALUES 100000u

struct jsonparse_value;

/* jsonparse_parse - parses len bytes of data (need not be NUL-terminated).
 * NULL on error with *error_r (may be NULL) set to a g_malloc'ed message
 * starting "byte N: ". lim may be NULL for the defaults. */
struct jsonparse_value *jsonparse_parse(const char *data, size_t len,
					const struct jsonparse_limits *lim,
					char **error_r);
/* jsonparse_free - frees the whole tree (only call on a root), sets *v NULL. */
void jsonparse_free(struct jsonparse_value **v);

enum jsonparse_type jsonparse_type(const struct jsonparse_value *v);
/* jsonparse_type_name - "null", "boolean", "number", "string", "array", "object". */
const char *jsonparse_type_name(enum jsonparse_type t);

bool jsonparse_bool(const struct jsonparse_value *v);     /* false if not a bool */
double jsonparse_number(const struct jsonparse_value *v); /* 0 if not a number */
/* jsonparse_string - UTF-8, NUL-terminated, no NUL inside; NULL if not a
 * string. len (may be NULL) gets its length in bytes. */
const char *jsonparse_string(const struct jsonparse_value *v, size_t *len);

/* Arrays and objects: number of elements/members (0 for other types). */
size_t jsonparse_length(const struct jsonparse_value *v);
/* jsonparse_index - element i of an array, or the value of member i of an
 * object (members keep document order); NULL when out of range. */
const struct jsonparse_value *jsonparse_index(const struct jsonparse_value *v,
					      size_t i);
/* jsonparse_key - name of member i of an object; NULL when out of range. */
const char *jsonparse_key(const struct jsonparse_value *v, size_t i);
/* jsonparse_get - the member named key of an object; NULL if none. */
const struct jsonparse_value *jsonparse_get(const struct jsonparse_value *v,
					    const char *key);

#endif
