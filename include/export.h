/* SPDX-License-Identifier: BSD-2-Clause */
/* export.h - one source into the collector: the driver of an export
 *
 * export_run() pulls every entry of one source, the LDIF file given, else
 * the live directory (ldif_source.h, search.h: the same three-state
 * contract), into the collector, then merges the static file and sorts
 * the set.  The live directory is found first (discover.h) and then read
 * from the first DC that delivers a complete result: a DC that fails half
 * way is given up, the collector reset (collect_reset()) and the search
 * started again from the beginning on the next DC.  Refused credentials,
 * a configuration error and running out of memory are the same on every
 * DC and end the export at once, as does the end of run_timeout.
 *
 * relay_domains = exchange: on each DC, before its search, Exchange's
 * accepted domains are read over the same connection and bind
 * (accepted.h) and added to the listed relay domains; the collector
 * applies that list (REP->relay).  With scope = forest the naming
 * contexts of the entries read are counted (REP->ncs).
 *
 * Call order: collect_init() (with the callbacks and observer wanted),
 * export_run() (it points the collector at REP->relay: REP must outlive
 * its use), read the collector and the report, export_report_free().
 * NOTE (if not NULL) gets -v lines: what discovery found, the filter, and
 * why each failed DC was passed over; the driver never prints.
 *
 * Errors: those of the source (A2R_ERR_SOURCE listing every DC and why
 * when none delivered), of collect_static() and A2R_ERR_INTERNAL.  After
 * a failure the collector holds no partial set from the directory.
 */
#ifndef A2R_EXPORT_H
#define A2R_EXPORT_H

#include "accepted.h"
#include "collect.h"
#include "conf.h"
#include "discover.h"
#include "err.h"

typedef void export_note_fn(void *ctx, const char *msg);

struct search_query;
struct search_stats;

/* A live source in place of the plain search (incremental.h), opened on
 * each DC in turn as the search would be: PREPARE once with the query
 * (before search_query_prepare()), then per DC OPEN, NEXT until done or
 * failed, STATS, CLOSE.  FIRST, if not NULL, names the URI to try first. */
struct export_live {
	void *ctx;
	int (*prepare)(void *ctx, struct search_query *q, struct a2r_err *err);
	void *(*open)(void *ctx, const char *uri, struct a2r_err *err);
	enum entry_state (*next)(void *it, struct a2r_entry *e, struct a2r_err *err);
	const struct search_stats *(*stats)(const void *it);
	void (*close)(void *it);
	const char *first;
	/* the connection of IT, for reads before its first entry (relay_domains
	 * = exchange, accepted.h) */
	struct session *(*session)(void *it);
};

struct export_options {
	const char *ldif; /* read this LDIF file instead of the directory */
	int wide;         /* explain: search wide (see search_query_new()) */
	int describe;     /* dump's migration formats: each object's kind and state */
	export_note_fn *note;
	void *note_ctx;
	const struct export_live *live; /* NULL: the plain search */
};

/* The naming contexts a forest-wide search read entries from, told by
 * `ad2relay test`: at most EXPORT_MAX_NCS, the rest counted together. */
#define EXPORT_MAX_NCS 32

struct export_nc {
	char *dn;              /* the domain part of the DNs ("DC=...,DC=..."), or "" */
	unsigned long entries; /* entries read from it */
};

/* What one export read, for messages, syslog and metrics. */
struct export_report {
	char from[600];  /* "FILE" or "URI (base ..., ...)" */
	char *uri;       /* DC that delivered the result, or NULL */
	char *base;      /* search base used */
	char *filter;    /* filter used */
	char *principal; /* GSSAPI: the Kerberos principal */
	const char *tls; /* static string */
	unsigned long pages;
	unsigned long entries;
	unsigned long refs;    /* continuation references skipped */
	unsigned failed_dcs;   /* DCs that failed before this one */
	struct discovery disc; /* live: see discover_config() for the view */
	/* relay_domains applied: the listed ones, then those read at run
	 * time (the collector applies this list) */
	struct strlist relay;
	struct accepted_result exchange; /* relay_domains = exchange: what was read */
	/* scope = forest: where the entries came from */
	struct export_nc ncs[EXPORT_MAX_NCS];
	size_t nncs, nc_last;
	unsigned long nc_other; /* entries of naming contexts past EXPORT_MAX_NCS */
};

/* export_run - read the source OPT names into C (initialized, bound to
 * CFG) and fill REP; returns 0, or -1 with ERR filled */
int export_run(const struct a2r_config *cfg, const struct export_options *opt, struct collect *c,
               struct export_report *rep, struct a2r_err *err);

/* export_nc_of - the naming context of an entry as far as its DN tells:
 * the DN from its first RDN of type DC on ("DC=corp,DC=example,DC=com"),
 * or "" when it has none; points into DN */
const char *export_nc_of(const char *dn);

/* export_report_free - release what REP holds */
void export_report_free(struct export_report *rep);

#endif
