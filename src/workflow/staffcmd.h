/* staffcmd - commands at the top of a staff reply.
 *
 * Staff answer a complaint notification from their own mail client. Lines
 * at the very top of the answer (of its fresh text, see replytext.h) that
 * start with '#' (or the full-width '＃' of Chinese input methods; white
 * space before it is allowed) are commands to the gateway, not words to
 * the customer:
 *
 *   #status in_progress|resolved|closed   set the complaint's status
 *                                         ("in-progress" is accepted too)
 *   #severity A|B|C                       re-grade the severity
 *   #category quality|service|price|infringement|other
 *                                         re-classify the complaint
 *   #assign name@example.com              hand the complaint to a colleague
 *                                         (a plain address, no display name)
 *   #note [text]                          the reply is an internal note: it
 *                                         is stored with the complaint and
 *                                         NOT sent to the customer; the text
 *                                         after #note on the same line is
 *                                         the note's first line
 *
 * The outcome of the case, for accountability (policy 001 第十三、十四条):
 *   #valid yes|no                         a valid complaint or not (有效/无效
 *                                         are accepted too)
 *   #responsible UNIT                     the department, store or person
 *                                         answerable for the cause (1-100
 *                                         characters, as written)
 *   #compensation AMOUNT CURRENCY [TEXT]  what the customer was given:
 *                                         "200 CNY new pair of shoes";
 *                                         AMOUNT up to 2 decimals, CURRENCY
 *                                         three letters (元, RMB, ¥ = CNY)
 *   #cause TEXT                           the root cause (1-500 characters)
 *
 * The paths by severity and the steps of the deadlines (policy 002 §五,
 * 004); who may give which is the workflow's business:
 *   #plan [text]                          the handling plan (处理方案)
 *   #report [text]                        the investigation report (调查报告)
 *                                         both like #note: the text after
 *                                         the command opens it, the reply's
 *                                         text is the rest, and nothing
 *                                         goes to the customer; not empty
 *   #approve [comment]                    the pending plan is approved
 *   #reject REASON                        the pending plan is rejected
 *   #escalate REASON                      one severity level up at once
 *                                         (REASON 1-500 characters)
 *
 * Rules:
 *   - Command names and values are case-insensitive ("#Severity b"); a
 *     colon may follow the name ("#status: resolved", also '：'); white
 *     space around the value does not matter.
 *   - Commands end at the first line that is neither blank nor a command.
 *     A '#' further down is plain text ("your order #123").
 *   - Each command may be given once; of #note, #plan and #report one
 *     per reply; #approve and #reject, #escalate and #severity exclude
 *     each other.
 *   - Any error (unknown command, missing or wrong value, repeated command)
 *     refuses the whole reply: callers must then change nothing and relay
 *     nothing, and send the error list back to the sender, every entry
 *     naming the line, what is wrong and what is allowed. To begin a real
 *     answer with '#', put any other line above it.
 *
 * Not thread-safe per result; parsing itself keeps no state. */
#ifndef COMPLAINTD_STAFFCMD_H
#define COMPLAINTD_STAFFCMD_H

#include <stdbool.h>
#include <stdint.h>

enum staffcmd_kind {
	STAFFCMD_STATUS,
	STAFFCMD_SEVERITY,
	STAFFCMD_CATEGORY,
	STAFFCMD_ASSIGN,
	STAFFCMD_NOTE,
	STAFFCMD_VALID,
	STAFFCMD_RESPONSIBLE,
	STAFFCMD_COMPENSATION,
	STAFFCMD_CAUSE,
	STAFFCMD_PLAN,
	STAFFCMD_APPROVE,
	STAFFCMD_REJECT,
	STAFFCMD_REPORT,
	STAFFCMD_ESCALATE,
	STAFFCMD_N_KINDS
};

/* At most this many errors are listed; a further entry says more exist. */
#define STAFFCMD_MAX_ERRORS 10

struct staffcmd {
	enum staffcmd_kind kind;
	/* The value in canonical form: status "in_progress"/"resolved"/
	 * "closed", severity "A"/"B"/"C", category in lower case, assign the
	 * address as written, note the rest of its line ("" when none),
	 * valid "yes"/"no", responsible and cause the text with runs of
	 * white space made one space, compensation its TEXT ("" when none),
	 * plan and report the rest of their line (the whole text is
	 * staffcmd_result.text), approve its comment ("" when none), reject
	 * and escalate their reason, each made one line. */
	char *arg;
	/* compensation only: the amount in hundredths and the currency code
	 * in upper case */
	int64_t amount_cents;
	char currency[4];
	unsigned line; /* 1-based line of fresh */
};

/* Everything belongs to the result; staffcmd_result_clear frees it. */
struct staffcmd_result {
	struct staffcmd cmds[STAFFCMD_N_KINDS]; /* valid commands, in order */
	unsigned n_cmds;
	char **errors;     /* NULL-terminated, never NULL after parse */
	unsigned n_errors;
	bool note;         /* a #note was given (even with errors elsewhere) */
	bool internal;     /* #note, #plan or #report: text is not for the customer */
	/* fresh without the command lines and the blank lines among them:
	 * the text to relay, or for a note, plan or report its text (the rest
	 * of the command's line, if any, as its first line). May be "". */
	char *text;
};

/* staffcmd_parse - fill out (whatever it held is overwritten, not freed)
 * from fresh; NULL counts as "". Returns n_errors: 0 when every command
 * was valid. out is filled in either case. */
int staffcmd_parse(const char *fresh, struct staffcmd_result *out);
/* staffcmd_parse_lang - the same, the errors in lang: "zh" Chinese (the
 * staff mail that carries them is Chinese; command names and values stay
 * as typed), anything else English. */
int staffcmd_parse_lang(const char *fresh, const char *lang, struct staffcmd_result *out);

/* staffcmd_result_clear - free what parse put in r and zero it; calling it
 * again, or on a zeroed result, is harmless. */
void staffcmd_result_clear(struct staffcmd_result *r);

/* staffcmd_find - the command of kind in r, NULL when not given. */
const struct staffcmd *staffcmd_find(const struct staffcmd_result *r, enum staffcmd_kind kind);

/* staffcmd_kind_name - "status", "severity", ... without the '#'. */
const char *staffcmd_kind_name(enum staffcmd_kind kind);

#endif
