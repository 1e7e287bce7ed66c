/* recipient - who an automatic answer goes to, and what of the sender's own
 * words it may carry. An acknowledgement goes to whatever address a stranger
 * types into a form or a From line, so it must not become a way to send
 * somebody else our mail with the stranger's text in it: limits count a
 * person, not a spelling of their address, and the only text of theirs we
 * echo is a short name that cannot carry a link or a message.
 * Pure functions; results are newly allocated (g_free) or NULL. */
#ifndef COMPLAINTD_RECIPIENT_H
#define COMPLAINTD_RECIPIENT_H

#include <stdbool.h>

/* recipient_key - addr as one mailbox: lower case, "+tag" removed from the
 * local part, and for gmail.com / googlemail.com the dots of the local
 * part removed and the domain written gmail.com (Gmail ignores both).
 * NULL when addr has no '@' with text on both sides. */
char *recipient_key(const char *addr);

/* recipient_domain - the domain of addr in lower case; NULL as above. */
char *recipient_domain(const char *addr);

/* recipient_same_domain - a and b have the same domain (any case). */
bool recipient_same_domain(const char *a, const char *b);

/* recipient_safe_name - name fit to greet its owner with: controls and
 * runs of blanks collapsed, then NULL when it is empty, wider than 32
 * columns (16 CJK characters), or holds anything a link, an address or a message needs
 * (a URL scheme, "www.", a domain-like word, '@', <>"/\:;=?&%{}[]|, more
 * than four digits). */
char *recipient_safe_name(const char *name);

/* recipient_addr_ok - addr is a plain addr-spec a customer would type: a
 * dot-atom local part and an ASCII domain of at least two labels. Quoted
 * local parts and IP literals are refused: no customer needs them and
 * they are how header injection is tried. */
bool recipient_addr_ok(const char *addr);

#endif
