/* SPDX-License-Identifier: BSD-2-Clause */
/* accepted.h - Exchange's accepted domains as relay domains
 *
 * relay_domains = exchange: the domains an Exchange organisation takes
 * mail for are msExchAcceptedDomain objects in the forest's configuration
 * naming context (CN=Accepted Domains,CN=Transport Settings,CN=ORG,
 * CN=Microsoft Exchange,CN=Services,CN=Configuration,...), as EdgeSync
 * reads them.  accepted_read() reads them over a session that is already
 * bound, the one the recipient search uses next, and appends the ones a
 * gateway relays for to a relay_domains list: authoritative domains (the
 * mailboxes are in the directory) and internal-relay domains (contacts
 * and mail users are), not external-relay ones (nobody there is in the
 * directory: every recipient would be rejected).  accepted_judge() is the
 * decision for one object.
 *
 * Call order: session_open() (session.h), accepted_read(), then the
 * search.  Warnings (an object that is not taken because its name or
 * flags are unusable) go to the WARN callback, one complete line each,
 * with directory data escaped; accepted never prints.
 *
 * Errors: A2R_ERR_SOURCE (the rootDSE names no configuration naming
 * context, the search fails, or no accepted domain is to be relayed),
 * A2R_ERR_INTERNAL.
 */
#ifndef A2R_ACCEPTED_H
#define A2R_ACCEPTED_H

#include <stddef.h>

#include "err.h"
#include "session.h"
#include "util.h"

/* What became of one msExchAcceptedDomain object. */
enum accepted_verdict {
	ACCEPTED_KEEP,     /* authoritative or internal relay: relayed */
	ACCEPTED_EXTERNAL, /* external relay: nobody there is in the directory */
	ACCEPTED_OUTBOUND, /* outbound only: Exchange sends from it, takes no mail */
	ACCEPTED_EVERY,    /* "*": every domain, which a recipient map cannot list */
	ACCEPTED_BAD_NAME, /* no name, or not a domain name */
	ACCEPTED_BAD_FLAGS /* flags that are no number, or an unknown domain type */
};

/* accepted_judge - one object: NAME (msExchAcceptedDomainName, NLEN
 * bytes, NULL when absent) and FLAGS (msExchAcceptedDomainFlags as
 * text, FLEN bytes, NULL when absent: Exchange's default, 0).  On
 * ACCEPTED_KEEP, DOMAIN gets the relay_domains form: folded as Postfix
 * folds keys, a wildcard "*.example.com" as ".example.com" (subdomains
 * only, as Exchange's wildcard means).  -1 when out of memory. */
int accepted_judge(const char *name, size_t nlen, const char *flags, size_t flen,
                   struct strbuf *domain, enum accepted_verdict *verdict);

/* What accepted_read() found, for -v and `ad2relay test`. */
struct accepted_result {
	char *base;            /* the configuration naming context searched (owned) */
	unsigned long objects; /* msExchAcceptedDomain objects read */
	unsigned long kept;    /* domains added (or already listed) */
	unsigned long external, outbound, unusable;
};

typedef void accepted_warn_fn(void *ctx, const char *msg);

/* accepted_read - the configuration naming context from the rootDSE, then
 * its accepted domains; each one kept is appended to DOMAINS unless it is
 * there already.  RES is filled (free RES->base with accepted_free());
 * WARN (may be NULL) hears of the objects passed over.  Each request is
 * bounded by the session's timeout.  Returns 0, or -1 with ERR filled and
 * DOMAINS as it was. */
int accepted_read(struct session *s, struct strlist *domains, struct accepted_result *res,
                  accepted_warn_fn *warn, void *warn_ctx, struct a2r_err *err);

/* accepted_free - release what RES holds */
void accepted_free(struct accepted_result *res);

#endif
