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
#include <strings.h>
#include <unistd.h>

#include <ldap.h>

#include "cldap.h"
#include "discover.h"
#include "dnssrv.h"
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
	return dnssrv_why(h_errno);
}

/* srv_hosts - append the "host:port" items of the SRV records of
 * _ldap._tcp.NAME to HOSTS, in priority and weight order
 * (ldap_domain2hostlist); 0, 1 with *WHY when there are none, -1 when
 * out of memory */
static int
srv_hosts(const char *name, struct strlist *hosts, const char **why)
{
	char *list = NULL, *save = NULL;
	int rc = ldap_domain2hostlist(name, &list);

	if (rc != LDAP_SUCCESS || list == NULL || list[0] == '\0') {
		ldap_memfree(list);
		*why = rc == LDAP_SUCCESS ? "no usable record" : srv_why(name);
		return 1;
	}
	rc = 0;
	for (char *h = strtok_r(list, " ", &save); h != NULL && rc == 0;
	     h = strtok_r(NULL, " ", &save))
		rc = strlist_add(hosts, h, strlen(h));
	ldap_memfree(list);
	return rc;
}

/* add_uri - ldap://HOSTPORT to the DCs found, unless it is there already */
static int
add_uri(struct discovery *d, const char *hostport)
{
	char uri[300];
	int n = snprintf(uri, sizeof(uri), "ldap://%s", hostport);

	if (n < 0 || (size_t)n >= sizeof(uri))
		return 0; /* no such DNS name: libldap made it from one */
	for (size_t i = 0; i < d->found_uri.n; i++)
		if (strcasecmp(d->found_uri.v[i], uri) == 0)
			return 0;
	return strlist_add(&d->found_uri, uri, (size_t)n);
}

/* ping_site - site = auto: the client site a DC names in its answer to
 * the LDAP ping (cldap.h), asked of the first DCs of the domain-wide list
 * DOM; none when no DC answers usably, within the timeout */
static void
ping_site(const struct a2r_config *cfg, struct discovery *d, const struct strlist *dom)
{
	char names[CLDAP_MAX_DCS][256];
	const char *hosts[CLDAP_MAX_DCS];
	struct cldap_answer a;
	struct a2r_err perr = {0};
	size_t n = 0;

	/* "host:port": CLDAP is always port 389 */
	for (size_t i = 0; i < dom->n && n < CLDAP_MAX_DCS; i++) {
		char *colon;

		snprintf(names[n], sizeof(names[n]), "%s", dom->v[i]);
		if ((colon = strrchr(names[n], ':')) != NULL)
			*colon = '\0';
		hosts[n] = names[n];
		n++;
	}
	if (cldap_ping(hosts, n, d->view.domain, cfg->timeout * 1000, &a, &perr) < 0)
		snprintf(d->site, sizeof(d->site), "none known (LDAP ping: %.600s)", perr.msg);
	else if (a.client_site[0] == '\0')
		snprintf(d->site, sizeof(d->site),
		         "none (LDAP ping: %s places this host's address in no site)", a.asked);
	else if (!cldap_site_ok(a.client_site))
		snprintf(d->site, sizeof(d->site),
		         "none usable (LDAP ping: %s names a site that is no DNS label)", a.asked);
	else {
		snprintf(d->site_name, sizeof(d->site_name), "%.63s", a.client_site);
		snprintf(d->site, sizeof(d->site), "%s (LDAP ping to %s)", a.client_site, a.asked);
	}
}

/* find_site - the site whose DCs come first: configured, or learnt by
 * the LDAP ping; never fails (without a site the domain's list serves) */
static void
find_site(const struct a2r_config *cfg, struct discovery *d, const struct strlist *dom)
{
	const char *site = cfg->site != NULL ? cfg->site : "auto";

	if (strcasecmp(site, "none") == 0)
		snprintf(d->site, sizeof(d->site), "none (site = none)");
	else if (strcasecmp(site, "auto") == 0)
		ping_site(cfg, d, dom);
	else {
		snprintf(d->site_name, sizeof(d->site_name), "%s", site);
		snprintf(d->site, sizeof(d->site), "%s (configured)", site);
	}
}

/* find_dcs - the DCs of the domain from DNS SRV records: those of the
 * site first (_ldap._tcp.SITE._sites.dc._msdcs.DOMAIN), then the rest of
 * the domain's (_ldap._tcp.dc._msdcs.DOMAIN), none twice */
static int
find_dcs(const struct a2r_config *cfg, struct discovery *d, struct a2r_err *err)
{
	char name[300], site[400];
	struct strlist dom = {0}, local = {0};
	const char *why = NULL;
	int rc = -1, r;

	snprintf(name, sizeof(name), "dc._msdcs.%s", d->view.domain);
	if ((r = srv_hosts(name, &dom, &why)) != 0) {
		if (r > 0)
			err_set(err, A2R_ERR_SOURCE,
			        "no domain controller found: DNS has no SRV records for "
			        "_ldap._tcp.%s (%s); set uri",
			        name, why);
		else
			err_nomem(err);
		goto out;
	}
	find_site(cfg, d, &dom);
	snprintf(d->dcs, sizeof(d->dcs), "DNS SRV _ldap._tcp.%s", name);
	if (d->site_name[0] != '\0') {
		snprintf(site, sizeof(site), "%s._sites.dc._msdcs.%s", d->site_name,
		         d->view.domain);
		if ((r = srv_hosts(site, &local, &why)) < 0) {
			err_nomem(err);
			goto out;
		}
		if (r > 0)
			snprintf(d->dcs, sizeof(d->dcs),
			         "DNS SRV _ldap._tcp.%s; the site has none: %s", name, why);
		else
			snprintf(d->dcs, sizeof(d->dcs),
			         "DNS SRV _ldap._tcp.%s, then _ldap._tcp.%s", site, name);
	}
	for (size_t i = 0; i < local.n; i++)
		if (add_uri(d, local.v[i]) < 0)
			goto nomem;
	for (size_t i = 0; i < dom.n; i++)
		if (add_uri(d, dom.v[i]) < 0)
			goto nomem;
	d->view.uri = d->found_uri;
	rc = 0;
	goto out;
nomem:
	err_nomem(err);
out:
	strlist_free(&dom);
	strlist_free(&local);
	return rc;
}

/* find_gcs - scope = forest without uri: the forest's Global Catalogs
 * from DNS SRV (_gc._tcp.FOREST: libldap looks up _ldap._tcp only), the
 * forest being the domain (configured, or the default realm's) */
static int
find_gcs(struct discovery *d, struct a2r_err *err)
{
	struct strlist hosts = {0};
	char name[300];
	int rc = 0;

	snprintf(name, sizeof(name), "_gc._tcp.%s", d->view.domain);
	if (dnssrv_lookup(name, &hosts, err) < 0) {
		if (err->code == A2R_ERR_SOURCE)
			err_prefix(err, "no Global Catalog found (scope = forest)");
		if (err->code == A2R_ERR_SOURCE && strlen(err->msg) < sizeof(err->msg) - 120)
			strcat(err->msg, "; in a child domain, set domain to the forest root "
			                 "domain, or set uri");
		return -1;
	}
	for (size_t i = 0; rc == 0 && i < hosts.n; i++) {
		char *uri;
		int n = asprintf(&uri, "ldap://%s", hosts.v[i]);

		rc = n < 0 ? -1 : strlist_add(&d->found_uri, uri, (size_t)n);
		if (n >= 0)
			free(uri);
	}
	strlist_free(&hosts);
	if (rc < 0)
		return err_nomem(err);
	d->view.uri = d->found_uri;
	snprintf(d->dcs, sizeof(d->dcs), "DNS SRV %s", name);
	return 0;
}

/* gc_uris - scope = forest with uri: each URI on the Global Catalog's
 * port (see conf_gc_uri()) */
static int
gc_uris(struct discovery *d, const struct a2r_config *cfg, struct a2r_err *err)
{
	for (size_t i = 0; i < cfg->uri.n; i++) {
		char *gc;
		int rc;

		if (conf_gc_uri(cfg->uri.v[i], &gc, err) < 0)
			return -1;
		rc = strlist_add(&d->found_uri, gc, strlen(gc));
		free(gc);
		if (rc < 0)
			return err_nomem(err);
	}
	d->view.uri = d->found_uri;
	snprintf(d->dcs, sizeof(d->dcs), "configured, on the Global Catalog's ports");
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
	static char forest_base[] = "";
	int forest = cfg->scope == CONF_SCOPE_FOREST;

	memset(d, 0, sizeof(*d));
	/* a shallow copy: the strings stay the configuration's, except what
	 * is found here */
	d->view = *cfg;
	/* the Global Catalog: every domain of the forest under the root "" */
	if (forest && cfg->base == NULL)
		d->view.base = forest_base;
	if (cfg->uri.n == 0 && cfg->domain == NULL && find_domain(d, err) < 0)
		return -1;
	if (cfg->domain != NULL)
		snprintf(d->domain, sizeof(d->domain), "configured");
	if (forest && (cfg->uri.n == 0 ? find_gcs(d, err) : gc_uris(d, cfg, err)) < 0)
		return -1;
	if (!forest && cfg->uri.n == 0 && find_dcs(cfg, d, err) < 0)
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
