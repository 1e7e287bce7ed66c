/* reportctl - `complaintctl report`: the summary of a day, week, month or
 * any range of days (report.h), for the terminal, a spreadsheet, a script
 * or a mail.
 *
 *   complaintctl report [--day DATE | --week DATE | --month YYYY-MM |
 *                        --from DATE --to DATE]
 *                       [--format text|csv|json|html] [--lang zh|en]
 *                       [--output FILE]
 *
 * Dates are YYYY-MM-DD in the calendar's time zone ([deadlines]
 * calendar_file, else the built-in calendar); --week takes the week
 * (Monday to Sunday) holding DATE; --from and --to name the first and the
 * last day, at most REPORT_MAX_DAYS days. Without a period: yesterday,
 * "now" being clock_now(). --format defaults to text (json with the global
 * --json), --lang to [daemon] default_lang. --output writes FILE whole or
 * not at all (a temporary file renamed), mode 0600: complaint data is
 * confidential. */
#ifndef COMPLAINTD_REPORTCTL_H
#define COMPLAINTD_REPORTCTL_H

#include <stdbool.h>

/* reportctl_main - argv: the arguments after "report". Exit status: 0
 * done, 1 failed (configuration, calendar, database, output; the reason on
 * standard error), 2 usage error (what is wrong on standard error). */
int reportctl_main(const char *config_file, bool json, int argc, char **argv);

#endif
