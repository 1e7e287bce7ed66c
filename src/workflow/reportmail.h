/* reportmail - the daily, weekly (Monday to Sunday) and monthly reports
 * mailed to [reports] daily, weekly and monthly recipients: the period
 * that ended last, sent once it is [reports] hour past its end (local time
 * of the calendar), as text with the HTML page (inline SVG charts) as its
 * alternative.
 *
 * Exactly once per period: the report_runs row of (kind, period start) is
 * written in the transaction that queues the mails, so a restart finds it
 * and a second daemon waits for the first one's commit and then finds it.
 * A daemon that was down when a period ended sends that report when it
 * comes back; older periods are not sent afterwards. */
#ifndef COMPLAINTD_REPORTMAIL_H
#define COMPLAINTD_REPORTMAIL_H

#include <glib.h>

struct workflow_ctx;

/* reportmail_run_once - one scheduler round at x->now, its own
 * transactions: how many reports were sent, or -1 with err. */
int reportmail_run_once(const struct workflow_ctx *x, GError **err);

#endif
