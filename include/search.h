/* SPDX-License-Identifier: BSD-2-Clause */
/* search.h - the live directory source: entries of a paged search on one DC
 *
 * A source with the contract of ldif_source.h (see entry.h): it is pulled
 * one entry at a time, as nslcd's myldap_search()/myldap_get_entry() are.
 *
 * Call order: search_query_new() builds the filter and the attribute list
 * from the configuration; search_query_prepare() once gets what the bind
 * needs (see session_prepare()) and starts the run's clock (run_timeout:
 * every DC, page and range request of the run together).  Then, per DC:
 * search_open() connects, binds and finds the base; search_next() until
 * it returns ENTRY_DONE or ENTRY_FAIL; search_stats() at any time;
 * search_close().  search_query_free() last; the query must outlive
 * every search opened with it.
 *
 * The search asks for pages (RFC 2696) one after the other; paging
 * cookies belong to one server, so a search that fails cannot be resumed
 * on another DC: the caller starts again from the beginning there.  An
 * attribute AD cuts into ranges ("member;range=0-1499") is completed with
 * further range requests before the entry is handed out (range_size also
 * asks for ranges from the start).  Continuation references are skipped
 * and counted.  A DC that goes round in circles (empty pages) or stops
 * answering fails the search.
 *
 * Errors: A2R_ERR_AUTH (credentials refused: the same on every DC),
 * A2R_ERR_CONFIG (an unusable secret file, a filter the server refuses),
 * A2R_ERR_INTERNAL (out of memory), A2R_ERR_SOURCE (what another DC may
 * not have).
 */
#ifndef A2R_SEARCH_H
#define A2R_SEARCH_H

#include <time.h>

#include "conf.h"
#include "entry.h"
#include "err.h"

struct search_query;
struct search;

/* What search_query_new() asks for besides the configuration's search. */
#define SEARCH_WIDE     1 /* explain: computers and disabled accounts too */
#define SEARCH_DESCRIBE 2 /* dump's migration formats: each object's kind */

/* search_query_new - the search CFG asks for (CFG must outlive it).
 * FLAGS: SEARCH_WIDE keeps computers and disabled accounts in; with
 * either flag objectClass and userAccountControl are asked for too, so
 * that the collector can say why an entry stays out, and what kind of
 * object (and whether disabled) it is.  NULL when out of memory (ERR
 * filled). */
struct search_query *search_query_new(const struct a2r_config *cfg, unsigned flags,
                                      struct a2r_err *err);

/* search_query_filter - the LDAP filter; lives as long as Q */
const char *search_query_filter(const struct search_query *q);

/* search_query_prepare - credentials, once for all DCs, and the start of
 * the run's clock; returns 0 or -1 */
int search_query_prepare(struct search_query *q, struct a2r_err *err);

/* search_query_principal - GSSAPI: the Kerberos principal logged in as,
 * else NULL; lives as long as Q */
const char *search_query_principal(const struct search_query *q);

/* search_query_expired - 1 once the run's clock (run_timeout) has run out */
int search_query_expired(const struct search_query *q);

void search_query_free(struct search_query *q);

/* search_open - connect to URI, secure, bind, find the base; NULL on
 * failure (ERR filled).  Nothing is searched before search_next(). */
struct search *search_open(const struct search_query *q, const char *uri, struct a2r_err *err);

/* search_session - the session of S, for reads over the same connection
 * and bind before the first search_next() (accepted.h); lives as long
 * as S */
struct session *search_session(struct search *s);

/* search_next - the next entry; see entry.h for the three states.  After
 * ENTRY_FAIL the search is over: call search_close(). */
enum entry_state search_next(struct search *s, struct a2r_entry *entry, struct a2r_err *err);

struct search_stats {
	unsigned long pages;   /* pages read */
	unsigned long entries; /* entries handed out */
	unsigned long refs;    /* continuation references skipped */
	const char *base;      /* the search base (lives as long as the search) */
	const char *tls;       /* "ldaps", "StartTLS", "none", "ldapi" (static) */
};

/* search_stats - the counts so far; lives as long as S */
const struct search_stats *search_stats(const struct search *s);

/* search_close - end the search and the connection (not a session the
 * caller lent, see search_open_session()); S may be NULL */
void search_close(struct search *s);

/* For the incremental source (dirsync.h), which reads objects by
 * objectGUID on a session of its own:
 *
 * search_query_want - ask for attribute ATTR too (once per query); 0 or -1
 * search_query_narrow - AND EXTRA (a filter) into the query's filter from
 *     now on, instead of any earlier EXTRA; NULL restores it; 0 or -1
 * search_query_config - the configuration the query was made with
 * search_query_until - the end of the run (search_query_prepare())
 * search_open_session - a search on session S, which stays the caller's
 *     (search_close() leaves it open); NULL when out of memory */
struct session;
int search_query_want(struct search_query *q, const char *attr, struct a2r_err *err);
int search_query_narrow(struct search_query *q, const char *extra, struct a2r_err *err);
const struct a2r_config *search_query_config(const struct search_query *q);
const struct timespec *search_query_until(const struct search_query *q);
struct search *search_open_session(const struct search_query *q, struct session *s,
                                   struct a2r_err *err);

#endif
