/* htmltext - readable plain text from an HTML mail body.
 *
 * Not a browser: a single pass that drops script/style/head, turns block
 * elements and <br> into line breaks, list items into "- " lines, table
 * cells into tabs, decodes character references and collapses white space.
 * Input should be UTF-8 (convert first with charset_to_utf8); the output is
 * valid UTF-8 in any case. Thread-safe, linear time. */
#ifndef COMPLAINTD_HTMLTEXT_H
#define COMPLAINTD_HTMLTEXT_H

#include <stddef.h>

/* htmltext_to_text - newly allocated text, never NULL; g_free. */
char *htmltext_to_text(const char *html, size_t len);

#endif
