/* SPDX-License-Identifier: BSD-2-Clause */
/* discover.h - what a domain-joined box need not configure
 *
 * discover_find() runs once before a live read and finds, on the machine
 * itself, what the configuration leaves out:
 *   - neither uri nor domain: domain = default_realm of krb5.conf,
 *     lower-cased;
 *   - no uri: the domain's DCs from DNS SRV (_ldap._tcp.dc._msdcs.DOMAIN,
 *     via ldap_domain2hostlist), in priority and weight order, after
 *     those of the site (_ldap._tcp.SITE._sites.dc._msdcs.DOMAIN), none
 *     twice; the site is configured, or (site = auto, the default) the
 *     client site a DC names when asked by the LDAP ping (cldap.h), or
 *     none (site = none, or no usable answer within the timeout: then
 *     the domain's list alone);
 *   - scope = forest: the Global Catalogs instead (no site applied), from
 *     _gc._tcp.DOMAIN (dnssrv.h; the domain names the forest: its root
 *     domain holds the records), or the configured URIs on the Global
 *     Catalog's ports (conf_gc_uri()); the base, unless configured, is ""
 *     (every domain of the forest);
 *   - no bind, binddn or keytab: a readable default keytab (realmd, sssd,
 *     winbind and adcli write /etc/krb5.keytab) means GSSAPI as the
 *     machine account; else anonymous.
 * The configuration itself is left as it is: discover_config() is the
 * view the live source uses, the configuration with what was found
 * filled in.  Each decision is described in struct discovery for
 * `ad2relay test` and -v.  discover_free() releases what was found (a
 * zeroed struct discovery may be freed too).
 *
 * Errors: A2R_ERR_CONFIG (nothing to go on, a default_realm that is no
 * DNS domain, a password bind over plain LDAP to a discovered DC, a URI
 * that is no Global Catalog's), A2R_ERR_SOURCE (no SRV records),
 * A2R_ERR_INTERNAL.
 */
#ifndef A2R_DISCOVER_H
#define A2R_DISCOVER_H

#include "conf.h"
#include "err.h"

struct discovery {
	char domain[512]; /* where the domain came from, or "" */
	char dcs[800];    /* where the DC list came from */
	char site[700];   /* the site and how it was found, or "" (uri set) */
	char site_name[64];
	char bind[512]; /* where the bind method came from */
	/* private: what was found, and the view over the configuration */
	char *found_domain;
	struct strlist found_uri;
	char *found_keytab;
	struct a2r_config view;
};

/* discover_find - fill D from CFG (which must outlive D) and the machine;
 * returns 0 or -1 */
int discover_find(const struct a2r_config *cfg, struct discovery *d, struct a2r_err *err);

/* discover_config - the configuration with what discover_find() found
 * filled in: read-only, valid while D and the configuration are */
const struct a2r_config *discover_config(const struct discovery *d);

void discover_free(struct discovery *d);

#endif
