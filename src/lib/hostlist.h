/* hostlist - "[database] host": one server or several, tried in turn.
 *
 * The value is a list separated by commas or blanks; each entry is a host
 * name or address with an optional port: db1.example, db2.example:3307,
 * 10.0.0.3, [fd00::3]:3306, ::1 (an IPv6 address takes brackets only with
 * a port). An entry without a port gets the default port. */
#ifndef COMPLAINTD_LIB_HOSTLIST_H
#define COMPLAINTD_LIB_HOSTLIST_H

#include <glib.h>

struct hostlist;

/* hostlist_parse - the entries of text, each with default_port when it
 * names none (0: the client library's default). NULL with *error (caller
 * frees) for an empty list, an empty entry, a bad port, an unclosed
 * bracket or a name with characters no host name has; at most
 * HOSTLIST_MAX entries. The caller owns the list (hostlist_free). */
#define HOSTLIST_MAX 16
struct hostlist *hostlist_parse(const char *text, unsigned default_port, char **error);
void hostlist_free(struct hostlist **l);

unsigned hostlist_count(const struct hostlist *l);
/* hostlist_host, hostlist_port - entry i (i < count); the host is owned by
 * the list, without brackets. */
const char *hostlist_host(const struct hostlist *l, unsigned i);
unsigned hostlist_port(const struct hostlist *l, unsigned i);

#endif
