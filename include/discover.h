/* SPDX-License-Identifier: BSD-2-Clause */
/* discover.h - what a domain-joined box need not configure
 *
 * discover_fill() runs once before a live read and fills in, from the
 * machine itself, what the configuration leaves out:
 *   - neither uri nor domain: domain = default_realm of krb5.conf,
 *     lower-cased;
 *   - no uri: the domain's DCs from DNS SRV (_ldap._tcp.dc._msdcs.DOMAIN,
 *     via ldap_domain2hostlist), in priority and weight order;
 *   - no bind, binddn or keytab: a readable default keytab (realmd, sssd,
 *     winbind and adcli write /etc/krb5.keytab) means GSSAPI as the
 *     machine account; else anonymous.
 * Each decision is described in struct discovery for `ad2relay test` and
 * -v.  Errors: A2R_ERR_CONFIG (nothing to go on), A2R_ERR_SOURCE (no SRV
 * records).
 */
#ifndef A2R_DISCOVER_H
#define A2R_DISCOVER_H

#include "conf.h"
#include "err.h"

struct discovery {
	char domain[512]; /* where the domain came from, or "" */
	char dcs[700];    /* where the DC list came from */
	char bind[512];   /* where the bind method came from */
};

int discover_fill(struct a2r_config *cfg, struct discovery *d, struct a2r_err *err);

#endif
