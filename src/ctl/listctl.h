/* listctl - `complaintctl list`, `search` and `export`: which complaints
 * there are, for administrators who look for one, work through the
 * overdue ones or hand a month's complaints to a spreadsheet.
 *
 *   complaintctl list   [FILTER ...] [--sort S] [--limit N] [--no-pii]
 *   complaintctl search [FILTER ...] [--sort S] [--limit N] [--no-pii] TEXT
 *   complaintctl export [FILTER ...] [--sort S] [--limit N] [--no-pii]
 *                       [--format csv|json] [--bom] [--output FILE]
 *
 * FILTERs, all optional, all of them must hold:
 *   --ref REF           that reference, byte for byte; a '*' at its end (or
 *                       start) matches anything there ('CMP-202611*')
 *   --customer ADDR     the customer's address, without regard to case;
 *                       a '*' at its start or end matches anything there
 *                       ('*@mail.example.cn', '*zhang*'); one inside is a
 *                       plain character, as are % and _
 *   --status S          repeatable or a comma list of new, acknowledged,
 *                       in_progress, resolved, closed, reopened, and "open"
 *                       (all but resolved and closed); any of them matches
 *   --category C, --severity A|B|C, --department ADDR
 *   --from DATE --to DATE   created on these days (YYYY-MM-DD, local time,
 *                       both inclusive)
 *   --overdue           open with some deadline passed without its step, at
 *                       clock_now() (COMPLAINTD_CLOCK_OFFSET moves it)
 * search TEXT adds: TEXT is part of the subject or of the text of one of
 * the complaint's messages, in or out (a Chinese word inside running text
 * too; %, _ and \ are plain characters). Order (--sort): created (the
 * default) or updated, newest first, or severity (A first, then newest).
 * --limit: list and search show 50 unless told; export has no limit unless
 * told; 0 = none.
 *
 * list and search print one line per complaint that fits an 80-column
 * terminal:
 *     CMP-20261123-0007 2026-11-23 acknowledged A quality zhang.wei… 电水壶底座漏水，…
 * (reference, created date, status, severity, category, customer's address,
 * subject cut with "…"; text the customer wrote cannot steer the terminal),
 * then "N complaints", saying when more match than --limit shows. With
 * --json, one array of objects:
 *     [{"ref","status","category","severity","channel","department",
 *       "assignee","customer":{"name","addr"},"subject","created","updated"}]
 * with times as local RFC 3339 strings and empty values null.
 *
 * export writes every column of the complaints table, as the database has
 * it, of each complaint matched: CSV (RFC 4180: a header row of the column
 * names, CRLF line ends, a field quoted when it holds a comma, a quote, CR
 * or LF, its quotes doubled; NULL as an empty field; UTF-8, with a byte
 * order mark only with --bom, which Excel needs to see UTF-8) or, with
 * --format json (or --json), one array of objects keyed by column name.
 * Times are local ISO 8601 with their offset (2026-11-23T10:00:01+08:00).
 * Rows stream from the database to the output, so a whole table fits.
 * --output FILE is written beside FILE and renamed over it once complete
 * (mode 600: it holds customers' addresses), so a failed export leaves the
 * old file alone.
 *
 * --no-pii leaves the customer's personal data out: list and search show
 * "-" for the customer and no subject (the JSON form has no "customer" and
 * no "subject"); export writes only the columns known to hold none (the
 * times NAME_at, the deadlines due_NAME and those listctl.c names: id, ref,
 * channel, status, category, severity, route, department, assignee,
 * parent_id, lang, staff_decided), so a column added later stays out until
 * it is named there. The filters still work on what is left out.
 *
 * Exit status: 0 done (also when nothing matches), 1 the database or the
 * output failed, 2 usage (a message on stderr says what is wrong). */
#ifndef COMPLAINTD_LISTCTL_H
#define COMPLAINTD_LISTCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <glib.h>

#include "store/store.h"
#include "store/store_list.h"

/* LISTCTL_COLUMNS - the width the text form fits. */
#define LISTCTL_COLUMNS 80
/* LISTCTL_DEFAULT_LIMIT - what list and search show without --limit. */
#define LISTCTL_DEFAULT_LIMIT 50

enum listctl_command { LISTCTL_LIST, LISTCTL_SEARCH, LISTCTL_EXPORT };
enum listctl_format { LISTCTL_TEXT, LISTCTL_JSON, LISTCTL_CSV };

/* A command line, read. The filter's strings point into argv or into
 * owned (freed by listctl_args_clear). */
struct listctl_args {
	enum listctl_command command;
	struct store_list_filter filter;
	enum listctl_format format;  /* list, search: TEXT or JSON; export: CSV or JSON */
	bool bom;                    /* export CSV: start with a UTF-8 byte order mark */
	const char *output;          /* export: the file; NULL = standard output */
	bool no_pii;                 /* --no-pii: leave the customer's data out */
	GPtrArray *owned;
};

/* listctl_parse - argv[0] "list", "search" or "export", then options
 * (anywhere; "--opt VALUE" or "--opt=VALUE"; "--" ends them) and operands.
 * json is complaintctl's --json. now is the time --overdue is judged at.
 * 0, or 2 with the reason printed to err ("complaintctl: list: ..."); a
 * clears with listctl_args_clear either way. */
int listctl_parse(int argc, char **argv, bool json, int64_t now, struct listctl_args *a,
		  FILE *err);
void listctl_args_clear(struct listctl_args *a);

/* listctl_list - list or search as a has it, from s, to out. Nothing is
 * written to out unless every row could be read. 0, or 1 with a message
 * to err (the store failed, out cannot be written). */
int listctl_list(struct store *s, const struct listctl_args *a, FILE *out, FILE *err);

/* listctl_export - export as a has it to out (a->output is the caller's:
 * out is where to write). Rows are written as they are read, so on a
 * failure part of the export may be out. 0, or 1 with a message to err;
 * *rows (may be NULL) gets how many complaints were written. */
int listctl_export(struct store *s, const struct listctl_args *a, FILE *out,
		   uint64_t *rows, FILE *err);

/* listctl_usage - the options of cmd ("list", "search" or "export"), one
 * line each, for complaintctl's --help. */
void listctl_usage(FILE *f, const char *cmd);

/* listctl_main - the command line: parse, load config_file, open the
 * store, run, with output to stdout (or --output) and messages to stderr.
 * Returns the exit status. */
int listctl_main(const char *config_file, bool json, int argc, char **argv);

#endif
