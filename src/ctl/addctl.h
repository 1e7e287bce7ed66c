/* addctl - `complaintctl add`: record a complaint staff took down by
 * phone, at a counter, over WeChat, by letter or otherwise
 * (workflow/taken.h says what is checked and how it becomes a message).
 *
 *   complaintctl add --channel CH --taken-by STAFF (--email ADDR | --phone NUM)
 *                    [--name NAME] [--subject LINE] [--text TEXT] [--token TOKEN]
 *                    [--lang zh|en]
 *
 * The text is --text, else standard input, whole. The complaint takes the
 * pipeline every mail and form post takes (classification, routing,
 * deadlines, the department's notification, the acknowledgement when an
 * e-mail address is known), in one transaction on the daemon's database;
 * the daemon's sender sends what it queued. --token makes a retry of the
 * same command a duplicate of the first (its reference again).
 *
 * Prints "REF new" (or "REF duplicate"), with "answer by YYYY-MM-DD" when
 * a feedback deadline runs; --json: {"ref", "status", "answer_by"}.
 *
 * Exit status: 0 recorded (or a duplicate found), 1 configuration or
 * database failure, 2 usage: an unknown option or a value that does not
 * pass the checks (each named on standard error). */
#ifndef COMPLAINTD_ADDCTL_H
#define COMPLAINTD_ADDCTL_H

#include <stdbool.h>
#include <stdio.h>

/* addctl_usage - the options, for complaintctl add --help. */
void addctl_usage(FILE *f);

/* addctl_main - the command line after "add". Returns the exit status. */
int addctl_main(const char *config_file, bool json, int argc, char **argv);

#endif
