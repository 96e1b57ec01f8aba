/* SPDX-License-Identifier: BSD-2-Clause */
/* discover.c - domain, DCs and bind of a domain-joined box */
#include "autoconf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ldap.h>

#include "discover.h"
#include "kerberos.h"

/* find_domain - the lower-cased default realm */
static int
find_domain(struct a2r_config *cfg, struct discovery *d, struct a2r_err *err)
{
	char *realm = kerberos_default_realm();
	const char *krb5conf = getenv("KRB5_CONFIG") ? getenv("KRB5_CONFIG") : "/etc/krb5.conf";

	if (realm == NULL)
		return err_set(err, A2R_ERR_CONFIG,
		               "no directory to read: set uri or domain (krb5.conf names no "
		               "default_realm to take the domain from), or use --from-ldif FILE");
	for (char *p = realm; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	if (conf_set(cfg, "domain", realm, "default_realm", err) < 0) {
		free(realm);
		return -1;
	}
	snprintf(d->domain, sizeof(d->domain), "default_realm of %s", krb5conf);
	free(realm);
	return 0;
}

/* find_dcs - the DCs of cfg->domain from DNS SRV records */
static int
find_dcs(struct a2r_config *cfg, struct discovery *d, struct a2r_err *err)
{
	char name[300], *hosts = NULL, *uris = NULL;
	size_t len = 0;
	int rc;

	snprintf(name, sizeof(name), "dc._msdcs.%s", cfg->domain);
	rc = ldap_domain2hostlist(name, &hosts);
	if (rc != LDAP_SUCCESS || hosts == NULL || hosts[0] == '\0') {
		ldap_memfree(hosts);
		return err_set(err, A2R_ERR_SOURCE,
		               "no domain controller found: DNS has no SRV records for "
		               "_ldap._tcp.%s (%s); set uri",
		               name, ldap_err2string(rc));
	}
	/* "host:port host:port" -> "ldap://host:port ldap://host:port" */
	for (char *h = strtok(hosts, " "); h != NULL; h = strtok(NULL, " ")) {
		char *n = realloc(uris, len + strlen(h) + 9);

		if (n == NULL) {
			free(uris);
			ldap_memfree(hosts);
			return err_nomem(err);
		}
		uris = n;
		len += (size_t)sprintf(uris + len, "%sldap://%s", len ? " " : "", h);
	}
	ldap_memfree(hosts);
	rc = conf_set(cfg, "uri", uris ? uris : "", "DNS SRV", err);
	free(uris);
	if (rc < 0)
		return -1;
	snprintf(d->dcs, sizeof(d->dcs), "DNS SRV _ldap._tcp.%s", name);
	return 0;
}

/* find_bind - GSSAPI with the machine keytab when nothing is configured */
static int
find_bind(struct a2r_config *cfg, struct discovery *d, struct a2r_err *err)
{
	char *keytab;

	if (cfg->bind != CONF_BIND_DEFAULT) {
		snprintf(d->bind, sizeof(d->bind), "configured");
		return 0;
	}
	keytab = kerberos_default_keytab();
	if (keytab != NULL && access(keytab, R_OK) == 0) {
		if (conf_set(cfg, "keytab", keytab, "default keytab", err) < 0) {
			free(keytab);
			return -1;
		}
		cfg->bind = CONF_BIND_GSSAPI;
		snprintf(d->bind, sizeof(d->bind), "the machine keytab %s", keytab);
	} else {
		cfg->bind = CONF_BIND_ANONYMOUS;
		snprintf(d->bind, sizeof(d->bind), "no binddn, keytab or readable %s",
		         keytab ? keytab : "default keytab");
	}
	free(keytab);
	return 0;
}

int
discover_fill(struct a2r_config *cfg, struct discovery *d, struct a2r_err *err)
{
	memset(d, 0, sizeof(*d));
	if (cfg->uri.n == 0 && cfg->domain == NULL && find_domain(cfg, d, err) < 0)
		return -1;
	if (cfg->domain != NULL && d->domain[0] == '\0')
		snprintf(d->domain, sizeof(d->domain), "configured");
	if (cfg->uri.n == 0 && find_dcs(cfg, d, err) < 0)
		return -1;
	if (d->dcs[0] == '\0')
		snprintf(d->dcs, sizeof(d->dcs), "configured");
	if (find_bind(cfg, d, err) < 0)
		return -1;
	return conf_check_plaintext(cfg, err);
}
