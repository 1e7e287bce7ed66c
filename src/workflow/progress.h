/* progress - the customer is told when a date promised to them passes.
 *
 * The policy wants the customer to know when to expect an answer (000:
 * 告诉客人…大致等候时间; 001: 明确答复时间). The acknowledgement names the
 * feedback deadline; when that passes without feedback (STORE_DUE_MET),
 * the scheduler sends the customer a short progress note (template
 * "progress", in the customer's language, in their thread) saying sorry
 * and naming the next date when one can be named: the earliest of the
 * complaint's handling and closure deadlines still ahead (the resolution
 * mail goes to the customer when handling is done).
 *
 * Once per complaint and deadline: the note is recorded (progress_notes)
 * in the transaction that queues it, so a restart or a second daemon on
 * the same database never sends it again. Never for a resolved complaint
 * (the customer has had the resolution mail) nor a closed one, and only
 * where the complaint has a customer address. */
#ifndef COMPLAINTD_PROGRESS_H
#define COMPLAINTD_PROGRESS_H

#include <stdint.h>
#include <glib.h>

#include "store/store.h"

struct workflow_ctx;

/* progress_send_due - the scheduler's round: a note for each promise to a
 * customer that passed at x->now, each in its own transaction. How many
 * were sent, or -1 with err. */
int progress_send_due(const struct workflow_ctx *x, GError **err);

/* progress_next_date - the date a note names after a missed deadline: the
 * earliest of due[STORE_DUE_HANDLING] and due[STORE_DUE_CLOSURE] that is
 * after now; 0 when neither is (then the note names no date). Pure. */
int64_t progress_next_date(const int64_t due[STORE_DUE_COUNT], int64_t now);

#endif
