/* rulescorr - `complaintctl rules corrections --export DIR`: the staff's
 * corrections of the classification as labelled mails for `rules learn`
 * and `rules eval`.
 *
 * Every complaint whose category or severity staff set with #category or
 * #severity becomes DIR/REF.eml: the stored raw source of its first
 * inbound message with, at the very top,
 *
 *     X-Expected-Category: the category staff set last (else the current)
 *     X-Expected-Severity: the severity staff set last (else the current)
 *     X-Complaint-Ref: REF
 *
 * (added before the mail's own headers, so they win over any older
 * X-Expected-* inside it). A web-form complaint has no mail: it is written
 * as a plain UTF-8 text mail of its stored subject and text. Files are
 * rewritten on every export; nothing in the database changes. */
#ifndef COMPLAINTD_RULESCORR_H
#define COMPLAINTD_RULESCORR_H

#include <stdbool.h>
#include <stdio.h>

#include "store/store.h"
#include "store/store_corrections.h"

/* rulescorr_labels - the labels a correction gives: the targets of the
 * last "category X -> Y" and "severity X -> Y" in its details, else the
 * complaint's current values. *category points into c (borrowed). */
void rulescorr_labels(const struct store_correction *c, char **category_r,
		      char *severity_r);

/* rulescorr_export - write the corrections of s to dir (created if
 * missing), list them to out (one JSON object with json). 0 done, 1 on a
 * database or file error (said on err). */
int rulescorr_export(struct store *s, const char *dir, bool json, FILE *out,
		     FILE *err);

#endif
