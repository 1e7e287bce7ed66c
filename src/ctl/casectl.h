/* casectl - `complaintctl show REF`: one complaint as an administrator
 * looks it up, everything the store knows about it on one screen.
 *
 *   complaintctl show [--json] REF
 *
 * The text form is for an 80-column terminal: a block of fields, the
 * deadlines, then the messages and the history as aligned columns, long
 * text cut with "…" (the JSON form keeps it whole). Times are in the
 * process's local time zone (TZ). "Now", against which a deadline is
 * overdue or pending, is clock_now(), so COMPLAINTD_CLOCK_OFFSET moves it
 * as it moves the daemon.
 *
 * The function writes to FILE *s handed in so that tests run the same code
 * as the command line; opening the store is the caller's. */
#ifndef COMPLAINTD_CASECTL_H
#define COMPLAINTD_CASECTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <glib.h>

#include "store/store.h"

/* CASECTL_COLUMNS - the width the text form fits. */
#define CASECTL_COLUMNS 80

/* casectl_show - print complaint ref (borrowed) from store s to out, as
 * text or, with json, as one object:
 *     {"ref","status","category","severity","channel","route","department",
 *      "assignee","customer":{"name","addr"},"subject","lang",
 *      "times":{"created","acknowledged","first_action","first_response",
 *               "resolved","closed","reopened"},
 *      "parent",
 *      "deadlines":[{"name","due","state","met_at"}],
 *      "outcome":{"valid","valid_by","valid_at","responsible","responsible_by",
 *                 "responsible_at","cause","cause_by","cause_at",
 *                 "compensations":[{"amount","currency","text","by","at"}]},
 *      "messages":[{"at","direction","kind","from","to","subject"}],
 *      "history":[{"at","actor","kind","detail"}]}
 * Times are local RFC 3339 strings ("2026-11-23T10:00:01+08:00"), null
 * when not yet; parent is the parent complaint's reference or null; a
 * deadline's state is "met" (its step is done; met_at says when), "overdue",
 * "pending" or "none" (the complaint has no such deadline); empty fields
 * are null; outcome's valid is true, false or null (not decided), a
 * compensation's amount a decimal string ("200.00"). Nothing is written to out unless the whole report could be
 * read. Returns 0, or 1 with a message on err when there is no such
 * complaint ("complaintctl: no complaint REF"), the store fails or out
 * cannot be written. */
int casectl_show(struct store *s, const char *ref, bool json, FILE *out, FILE *err);

#endif
