/* context - what the workflow's modules work with for one batch (a mail,
 * a web post, a scheduler round, a staff command). In its own header so
 * that the modules below workflow.c (survey, wfmail) can take it without
 * including workflow.h: the workflow calls them, never the other way. */
#ifndef COMPLAINTD_WORKFLOW_CONTEXT_H
#define COMPLAINTD_WORKFLOW_CONTEXT_H

#include <stdint.h>

struct calendar;
struct config;
struct store;
struct template_set;

/* What one batch works with; all borrowed. now is the batch's time. */
struct workflow_ctx {
	const struct config *cfg;
	const struct calendar *cal;
	const struct template_set *templates;
	struct store *store;
	int64_t now;
};

#endif
