/* SPDX-License-Identifier: BSD-2-Clause */
/* discover.c - domain, DCs and bind of a domain-joined box */
#include "autoconf.h"

#include <arpa/nameser.h>
#include <ctype.h>
#include <netdb.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ldap.h>

#include "discover.h"
#include "kerberos.h"
#include "policy.h"

/* find_domain - the lower-cased default realm */
static int
find_domain(struct discovery *d, struct a2r_err *err)
{
	char *realm = kerberos_default_realm();
	const char *krb5conf = getenv("KRB5_CONFIG") ? getenv("KRB5_CONFIG") : "/etc/krb5.conf";

	if (realm == NULL)
		return err_set(err, A2R_ERR_CONFIG,
		               "no directory to read: set uri or domain (krb5.conf names no "
		               "default_realm to take the domain from), or use --from-ldif FILE");
	for (char *p = realm; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	/* what the domain key itself would take */
	if (!policy_check_domain(realm, strlen(realm)) || strchr(realm, '.') == NULL) {
		err_set(err, A2R_ERR_CONFIG, "default_realm: domain: \"%s\" is not a DNS domain",
		        realm);
		free(realm);
		return -1;
	}
	d->view.domain = d->found_domain = realm;
	snprintf(d->domain, sizeof(d->domain), "default_realm of %s", krb5conf);
	return 0;
}

/* srv_why - why DNS gave no SRV record for _ldap._tcp.NAME, in words:
 * libldap says "Server is unavailable" for a name that does not exist and
 * for a resolver that got no answer alike; the resolver tells them apart */
static const char *
srv_why(const char *name)
{
	unsigned char answer[512];
	char q[320];

	snprintf(q, sizeof(q), "_ldap._tcp.%s", name);
	if (res_query(q, C_IN, T_SRV, answer, sizeof(answer)) >= 0)
		return "no usable record";
	switch (h_errno) {
	case HOST_NOT_FOUND:
		return "no such name in DNS";
	case NO_DATA:
		return "the name has no SRV record";
	case TRY_AGAIN:
		return "no answer from DNS: temporary failure";
	default:
		return "the DNS lookup failed";
	}
}

/* find_dcs - the DCs of the domain from DNS SRV records */
static int
find_dcs(struct discovery *d, struct a2r_err *err)
{
	char name[300], *hosts = NULL;
	int rc;

	snprintf(name, sizeof(name), "dc._msdcs.%s", d->view.domain);
	rc = ldap_domain2hostlist(name, &hosts);
	if (rc != LDAP_SUCCESS || hosts == NULL || hosts[0] == '\0') {
		ldap_memfree(hosts);
		return err_set(err, A2R_ERR_SOURCE,
		               "no domain controller found: DNS has no SRV records for "
		               "_ldap._tcp.%s (%s); set uri",
		               name, rc == LDAP_SUCCESS ? "no usable record" : srv_why(name));
	}
	/* "host:port host:port" -> "ldap://host:port", "ldap://host:port" */
	for (char *h = strtok(hosts, " "); h != NULL; h = strtok(NULL, " ")) {
		char *uri;
		int n = asprintf(&uri, "ldap://%s", h);

		rc = n < 0 ? -1 : strlist_add(&d->found_uri, uri, (size_t)n);
		if (n >= 0)
			free(uri);
		if (rc < 0) {
			ldap_memfree(hosts);
			return err_nomem(err);
		}
	}
	ldap_memfree(hosts);
	d->view.uri = d->found_uri;
	snprintf(d->dcs, sizeof(d->dcs), "DNS SRV _ldap._tcp.%s", name);
	return 0;
}

/* find_bind - GSSAPI with the machine keytab when nothing is configured */
static void
find_bind(struct discovery *d)
{
	char *keytab;

	if (d->view.bind != CONF_BIND_DEFAULT) {
		snprintf(d->bind, sizeof(d->bind), "configured");
		return;
	}
	keytab = kerberos_default_keytab();
	if (keytab != NULL && access(keytab, R_OK) == 0) {
		d->view.keytab = d->found_keytab = keytab;
		d->view.bind = CONF_BIND_GSSAPI;
		snprintf(d->bind, sizeof(d->bind), "the machine keytab %s", keytab);
		return;
	}
	d->view.bind = CONF_BIND_ANONYMOUS;
	snprintf(d->bind, sizeof(d->bind), "no binddn, keytab or readable %s",
	         keytab ? keytab : "default keytab");
	free(keytab);
}

int
discover_find(const struct a2r_config *cfg, struct discovery *d, struct a2r_err *err)
{
	memset(d, 0, sizeof(*d));
	/* a shallow copy: the strings stay the configuration's, except what
	 * is found here */
	d->view = *cfg;
	if (cfg->uri.n == 0 && cfg->domain == NULL && find_domain(d, err) < 0)
		return -1;
	if (cfg->domain != NULL)
		snprintf(d->domain, sizeof(d->domain), "configured");
	if (cfg->uri.n == 0 && find_dcs(d, err) < 0)
		return -1;
	if (d->dcs[0] == '\0')
		snprintf(d->dcs, sizeof(d->dcs), "configured");
	find_bind(d);
	return conf_check_plaintext(&d->view, err);
}

const struct a2r_config *
discover_config(const struct discovery *d)
{
	return &d->view;
}

void
discover_free(struct discovery *d)
{
	free(d->found_domain);
	strlist_free(&d->found_uri);
	free(d->found_keytab);
	memset(d, 0, sizeof(*d));
}
