/* replytext - the part of a reply that its writer actually typed.
 *
 * Staff answer complaint notifications from their own mail clients, and
 * every client appends the mail it answers in its own way. Before a staff
 * answer is relayed to the customer (or read for #commands, see staffcmd.h),
 * the quoted original and the writer's signature must go, or the customer
 * would receive our internal notification back.
 *
 * What is cut, in this order, scanning the plain-text body line by line
 * (LF or CRLF):
 *   1. everything from the first reply or forward separator on:
 *      - a line framed by dashes around a known phrase, "&nbsp;" and
 *        no-break spaces counting as spaces: "-----Original Message-----",
 *        "------------------ Original ------------------" (Foxmail),
 *        "-----原始邮件-----" (Outlook), "------------------ 原始邮件
 *        ------------------" (Foxmail, QQ Mail), "---- 回复的原邮件 ----"
 *        (NetEase 163/126), "---------- Forwarded message ---------" and
 *        "转发的邮件"/"转发的消息" forms; also "Begin forwarded message:";
 *      - a header block: a From line followed within a few lines by at least
 *        two of Sent/Date, To, Cc, Subject (Outlook desktop, OWA), or
 *        发件人 followed by 发送时间/时间/日期, 收件人, 抄送, 主题 (ASCII or
 *        full-width colon; the Traditional Chinese Outlook names too); a
 *        line of ten or more underscores just above such a block (OWA) is
 *        cut with it;
 *      - an attribution line ending in "wrote:" that starts with "On " and
 *        contains a digit, '@' or '<' (Gmail, Apple Mail, Thunderbird), or
 *        that carries an "<address>"; or ending in "写道：" / "写道:" and
 *        containing a digit, '@' or '<' (Gmail, Apple Mail, Thunderbird,
 *        NetEase in Chinese). Gmail may wrap the attribution onto two
 *        lines; the pair counts when the first line is where an
 *        attribution starts ("On " in English, the "Name <address>" in
 *        Chinese), the second ends in "wrote:"/"写道：", the two hold a
 *        digit and an '@', and the second is not an attribution alone. An
 *        attribution followed by '>'-quoted lines and then further unquoted
 *        text is an inline answer, not a top-posted one: the attribution is
 *        dropped and the scan goes on.
 *   2. every line quoted with '>' (leading white space allowed);
 *   3. the signature: from an RFC 3676 "-- " line (or a bare "--") on;
 *   4. mobile footers ("Sent from my iPhone", "Get Outlook for iOS",
 *      "发自我的iPhone", "发自网易邮箱大师", ... see footers[] in the .c file)
 *      when they are the last non-blank lines of what is left;
 *   5. leading and trailing blank lines, and white space at the very end.
 * Blank lines that become neighbours because a quote between them was cut
 * are merged into one.
 *
 * "wrote:" in the middle of a sentence, "On Monday we called you" without
 * "wrote:", and a mobile footer in the middle of the text are all kept.
 *
 * Input should be UTF-8 (charset_to_utf8 first). The output is valid UTF-8
 * in any case; for valid input it is never longer than the input (lines are
 * only removed, never rewritten). NUL bytes are dropped. Thread-safe,
 * linear time. */
#ifndef COMPLAINTD_REPLYTEXT_H
#define COMPLAINTD_REPLYTEXT_H

#include <stddef.h>

/* replytext_fresh - the freshly written text of the reply body, lines
 * joined with LF; "" when nothing is fresh. Newly allocated, never NULL;
 * g_free. body may be NULL when len is 0. */
char *replytext_fresh(const char *body, size_t len);

#endif
