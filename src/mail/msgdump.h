/* msgdump - a struct message as readable text or as one JSON object.
 *
 * For debugging, golden-file tests and the admin tool. Both append to out
 * (owned by the caller) and are thread-safe. */
#ifndef COMPLAINTD_MSGDUMP_H
#define COMPLAINTD_MSGDUMP_H

#include <glib.h>
#include "mail/message.h"

/* msgdump_text - decoded headers, flags, notes, the chosen text, then the
 * attachments (name, type, size, sha256). */
void msgdump_text(const struct message *m, GString *out);

/* msgdump_json - one JSON object: channel, message_id, in_reply_to,
 * references [], date (unix) , subject, from {addr,name}, reply_to, to [],
 * lang, flags [names], text, attachments [{name,type,size,sha256}],
 * headers [[name,value]], notes [], raw_sha256. Absent values are null. */
void msgdump_json(const struct message *m, GString *out);

#endif
