/* poller - one thread per configured mailbox: polls it over IMAP, feeds new
 * mail through the pipeline and, only after the commit, marks it \Seen or
 * moves it to the processed folder.
 *
 * A mailbox that fails (server down, login refused, TLS error) backs off
 * exponentially and logs; it never stalls the other mailboxes, which have
 * threads of their own. A message the pipeline cannot store is quarantined:
 * kept in the database, flagged $Quarantined on the server and marked seen,
 * so it never blocks the messages behind it. */
#ifndef COMPLAINTD_POLLER_H
#define COMPLAINTD_POLLER_H

#include <stdint.h>

struct config_mailbox;
struct pipeline_env;
struct store_params;

struct poller;

/* poller_start - start polling mb; env, mb and db are borrowed and must
 * outlive the poller. */
struct poller *poller_start(const struct pipeline_env *env, const struct config_mailbox *mb,
			    const struct store_params *db);
/* poller_join - wait for the thread to end (after lifecycle_stop). */
void poller_join(struct poller **p);

#endif
