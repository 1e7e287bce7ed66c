/* Fuzz target: the fresh text of a staff reply, the commands read from
 * it, and a survey answer read from it. Staff mail is authenticated only
 * by its reply token, and the quoted part is whatever the customer once
 * wrote: all three parsers see hostile bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <glib.h>

#include "mail/replytext.h"
#include "workflow/staffcmd.h"
#include "workflow/survey.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	const char *body = (const char *)data;
	char *fresh = replytext_fresh(body, size);
	size_t len = strlen(fresh);
	if (!g_utf8_validate(fresh, (gssize)len, NULL))
		__builtin_trap();
	/* lines are only removed: never longer than valid input */
	if (g_utf8_validate_len(body, size, NULL) && len > size)
		__builtin_trap();
	if (len && g_ascii_isspace(fresh[len - 1]))
		__builtin_trap();  /* trailing blank lines are trimmed */

	struct staffcmd_result r;
	int n = staffcmd_parse(fresh, &r);
	if (n < 0 || (unsigned)n != r.n_errors || n > STAFFCMD_MAX_ERRORS + 1 ||
	    r.errors[r.n_errors] != NULL || r.n_cmds > STAFFCMD_N_KINDS)
		__builtin_trap();
	for (unsigned i = 0; i < r.n_errors; i++)
		if (!g_utf8_validate(r.errors[i], -1, NULL) || strchr(r.errors[i], '\n'))
			__builtin_trap();  /* quoted back to staff: one clean line each */
	for (unsigned i = 0; i < r.n_cmds; i++)
		if (staffcmd_find(&r, r.cmds[i].kind) != &r.cmds[i] || !r.cmds[i].arg)
			__builtin_trap();  /* each kind at most once */
	if (r.note != (staffcmd_find(&r, STAFFCMD_NOTE) != NULL))
		__builtin_trap();
	/* #note, #plan and #report keep the text from the customer */
	if (r.internal != (staffcmd_find(&r, STAFFCMD_NOTE) || staffcmd_find(&r, STAFFCMD_PLAN) ||
			   staffcmd_find(&r, STAFFCMD_REPORT)))
		__builtin_trap();
	if (strlen(r.text) > len + 1 || !g_utf8_validate(r.text, -1, NULL))
		__builtin_trap();
	staffcmd_result_clear(&r);
	/* for a Chinese staff mail: the same verdict, the errors Chinese and as clean */
	struct staffcmd_result z;
	int nz = staffcmd_parse_lang(fresh, "zh", &z);
	staffcmd_parse(fresh, &r);
	if (nz != n || z.n_cmds != r.n_cmds || strcmp(z.text, r.text))
		__builtin_trap();
	for (unsigned i = 0; i < z.n_errors; i++)
		if (!g_utf8_validate(z.errors[i], -1, NULL) || strchr(z.errors[i], '\n') ||
		    (!g_str_has_prefix(z.errors[i], "第 ") && i != STAFFCMD_MAX_ERRORS))
			__builtin_trap();
	staffcmd_result_clear(&z);
	staffcmd_result_clear(&r);
	/* the same fresh text as a customer's answer to a survey */
	unsigned rating = 99;
	bool unhappy = true;
	bool said = survey_parse_reply(fresh, &rating, &unhappy);
	if (rating > 5 || said != (rating || unhappy))
		__builtin_trap();
	g_free(fresh);
	return 0;
}
