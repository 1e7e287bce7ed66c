/* termtext - text for a terminal or a plain-text table: display width and
 * cutting to a width. Pure functions on UTF-8 strings, no state; what they
 * append to a GString is the caller's. */
#ifndef COMPLAINTD_TERMTEXT_H
#define COMPLAINTD_TERMTEXT_H

#include <glib.h>

/* termtext_width - columns s (UTF-8) takes on a terminal: wide
 * (CJK) characters count 2, combining ones 0, an invalid byte 1. */
unsigned termtext_width(const char *s);

/* termtext_cut - append s to out, cut to at most width columns: a cut
 * ends in "…". Control characters (which could move a terminal's cursor or
 * change its colours: mail subjects are the customer's text) and invalid
 * bytes become "?". Returns the columns appended. */
unsigned termtext_cut(GString *out, const char *s, unsigned width);

#endif
