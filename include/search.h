/* SPDX-License-Identifier: BSD-2-Clause */
/* search.h - the live directory source: filter, paged search, failover
 *
 * search_filter() builds the LDAP filter from the configuration.
 * search_export() tries every configured DC in order: session_open(), then
 * a paged search (RFC 2696) whose entries flow page by page into the
 * collector.  Any outcome but a complete, successful search fails the
 * attempt; the collector is reset and the search starts again from the
 * beginning on the next DC (paging cookies belong to one server).
 * An attribute AD cuts into ranges ("member;range=0-1499") is completed
 * with further range requests before the entry is used (range_size also
 * asks for ranges from the start).  Continuation references are skipped
 * and counted.  When the collector
 * watches an address (explain), the search is wide: see search_filter().  When credentials are
 * refused the run stops at once (every DC shares them).
 *
 * NOTE is called (if not NULL) once per failed DC with a one-line reason,
 * for -v output; search never prints.
 */
#ifndef A2R_SEARCH_H
#define A2R_SEARCH_H

#include "collect.h"
#include "conf.h"
#include "err.h"

struct search_report {
	char *uri;       /* DC that delivered the result (caller frees) */
	char *base;      /* search base used (caller frees) */
	char *filter;    /* filter used (caller frees) */
	char *principal; /* GSSAPI: the Kerberos principal (caller frees) */
	const char *tls; /* static string */
	unsigned long pages;
	unsigned long entries;
	unsigned long refs;  /* continuation references skipped */
	unsigned failed_dcs; /* DCs that failed before this one */
};

typedef void search_note_fn(void *ctx, const char *msg);

/* search_filter - the filter for CFG in a new string (caller frees), or
 * NULL when out of memory.  WIDE (explain) keeps computers and disabled
 * accounts in, so that the collector can say why they stay out. */
char *search_filter(const struct a2r_config *cfg, int wide);

/* search_export - fill C from the first DC that delivers a complete
 * result.  Returns 0 (REP filled), or -1: A2R_ERR_AUTH (credentials
 * refused), A2R_ERR_CONFIG, or A2R_ERR_SOURCE listing every DC and why. */
int search_export(const struct a2r_config *cfg, struct collect *c, struct search_report *rep,
                  search_note_fn *note, void *note_ctx, struct a2r_err *err);

/* search_report_free - release the strings of REP */
void search_report_free(struct search_report *rep);

#endif
