/* forgetctl - `complaintctl forget`: erase a customer's personal data
 * (workflow/privacy.h says what goes and what stays).
 *
 *   complaintctl forget [--yes] ADDRESS|PHONE|REF
 *
 * ADDRESS (anything with an '@'): every complaint of that customer
 * address (without regard to case) and its rows outside complaints; REF:
 * that one complaint; PHONE (no complaint has that reference, and it is a
 * phone number however written: "+86 139-1234 5678"): every complaint
 * with that customer phone (complaints taken by staff, form posts). Without --yes it names what it would erase and asks
 * on the terminal (standard input) for "y" or "yes". It prints one line
 * per complaint with what it erased, or that nothing was left to erase
 * (when and by whom it was forgotten); running it again changes nothing.
 *
 * Exit status: 0 erased (or nothing was left of a known reference), 1 the
 * store holds nothing of ADDRESS or no complaint REF (an erased address
 * cannot be found again: a second forget of it says so), the answer was
 * not yes, or the database failed; 2 usage. */
#ifndef COMPLAINTD_FORGETCTL_H
#define COMPLAINTD_FORGETCTL_H

#include <stdbool.h>
#include <stdio.h>

#include "store/store.h"

struct config;

/* forgetctl_run - forget target on s as actor; answer is where the
 * confirmation is read from (NULL: --yes, no question). Messages to out
 * and err. Returns the exit status. */
int forgetctl_run(const struct config *cfg, struct store *s, const char *target,
		  const char *actor, FILE *answer, FILE *out, FILE *err);

/* forgetctl_main - the command line after "forget": parse, load
 * config_file, open the store, run. Returns the exit status. */
int forgetctl_main(const char *config_file, bool json, int argc, char **argv);

#endif
