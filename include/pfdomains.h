/* SPDX-License-Identifier: BSD-2-Clause */
/* pfdomains.h - Postfix's own relay_domains, matched as smtpd matches it
 *
 * pfdomains_read() asks Postfix (postfix_params(): "postconf [-c
 * postfix_config] -xh relay_domains parent_domain_matches_subdomains
 * relay_recipient_maps smtputf8_enable") and turns its
 * relay_domains into entries for policy_domain_match(), following
 * Postfix's match_list: patterns separated by commas and white space, a
 * "#" word ends the list, "!" excludes, "/file/name" is replaced by the
 * patterns on the file's lines (lines starting with "#" skipped; files in
 * files too), "type:table" by the keys of the table (postmap -s for the
 * types that can be listed: hash, btree, lmdb, dbm, sdbm, texthash,
 * inline; cdb read directly; any other type is refused).  Postfix's
 * "$parameter" references are expanded by postconf -x itself, the
 * default of each parameter for the main.cf's compatibility_level too.
 *
 * Subdomains: when parent_domain_matches_subdomains names relay_domains,
 * "example.com" matches example.com and every subdomain (entries
 * "example.com" and ".example.com"), and ".example.com" matches nothing;
 * otherwise "example.com" matches itself and ".example.com" the strict
 * subdomains.  Patterns that are no domain name (address literals, a
 * trailing dot) can match no address ad2relay exports and are skipped.
 *
 * Errors are A2R_ERR_CONFIG, "relay_domains = postconf: ..." naming the
 * entry (a file that cannot be read, a table that cannot be listed).
 */
#ifndef A2R_PFDOMAINS_H
#define A2R_PFDOMAINS_H

#include "conf.h"
#include "err.h"
#include "util.h"

/* What Postfix said. */
struct pfdomains {
	struct strlist entries; /* for policy_domain_match() */
	int parent;             /* "example.com" matches subdomains too */
	unsigned long skipped;  /* patterns that are no domain name */
	char *relay_domains;    /* the values postconf -xh printed */
	char *parent_domains;
	char *recipient_maps;
	char *smtputf8;
};

/* pfdomains_table_fn - append the keys of the table TYPE:NAME (as the
 * pattern PATTERN names it) to KEYS; 0, or -1 with ERR set */
typedef int pfdomains_table_fn(void *ctx, const char *pattern, struct strlist *keys,
                               struct a2r_err *err);

/* pfdomains_parse - Postfix's list VALUE into OUT (appended), tables
 * listed by TABLE; PARENT as above.  0, or -1 with ERR set. */
int pfdomains_parse(const char *value, int parent, pfdomains_table_fn *table, void *ctx,
                    struct strlist *out, unsigned long *skipped, struct a2r_err *err);

/* pfdomains_read - ask Postfix (CFG: postfix_path, beside which postconf
 * is, postmap_path, postfix_config, command_timeout); PD is filled (free it with
 * pfdomains_free(), also on error).  0, or -1 with ERR set. */
int pfdomains_read(const struct a2r_config *cfg, struct pfdomains *pd, struct a2r_err *err);

/* pfdomains_load - relay_domains = postconf: fill CFG->relay_postfix;
 * refused when Postfix relays for no domain */
int pfdomains_load(struct a2r_config *cfg, struct a2r_err *err);

/* pfdomains_warn_fn - one warning of pfdomains_check(), one line */
typedef void pfdomains_warn_fn(void *ctx, const char *msg);

/* pfdomains_check - ad2relay test: compare CFG with Postfix's settings in
 * PD, and postconf -m; one WARN call per problem: a domain Postfix relays
 * for that CFG's relay domains do not cover; relay_recipient_maps not
 * naming the map written (cdb:OUTPUT, or the postmap type); the table type
 * of that map missing from postconf -m; smtputf8_enable = no.  Returns
 * the number of warnings, or -1 with ERR set (postconf -m failed). */
int pfdomains_check(const struct a2r_config *cfg, const struct pfdomains *pd,
                    pfdomains_warn_fn *warn, void *ctx, struct a2r_err *err);

void pfdomains_free(struct pfdomains *pd);

#endif
