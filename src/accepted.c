/* SPDX-License-Identifier: BSD-2-Clause */
/* accepted.c - Exchange's accepted domains, read from the configuration
 * naming context, as relay domains */
#include "autoconf.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldap.h>

#include "accepted.h"
#include "policy.h"

#define ACCEPTED_FILTER "(objectClass=msExchAcceptedDomain)"
#define ATTR_NAME       "msExchAcceptedDomainName"
#define ATTR_FLAGS      "msExchAcceptedDomainFlags"

/* msExchAcceptedDomainFlags.  Its two low bits are the domain type, the
 * AcceptedDomainType enumeration of Exchange's Get-AcceptedDomain and
 * Set-AcceptedDomain -DomainType: Authoritative 0, ExternalRelay 1,
 * InternalRelay 2 (Microsoft's reference of AcceptedDomainType in
 * Microsoft.Exchange.Data.Directory.SystemConfiguration lists them in that
 * order; Exchange's own accepted-domain code reads the type as
 * "flags & 3").  0x4 marks the default domain (Set-AcceptedDomain
 * -MakeDefault) and 0x100 an outbound-only domain (Exchange's code again:
 * "flags & 256"); public scripts that inventory Exchange, such as the
 * ones that map 1 ExternalRelay, 2 InternalRelay, 4 Default, agree.
 * Exchange writes the attribute with every accepted domain; absent, it
 * means 0. */
#define FLAGS_TYPE          0x3
#define FLAGS_AUTHORITATIVE 0x0
#define FLAGS_EXTERNAL      0x1
#define FLAGS_INTERNAL      0x2
#define FLAGS_OUTBOUND_ONLY 0x100

/* parse_flags - the integer syntax of AD: an optional '-', then digits */
static int
parse_flags(const char *s, size_t len, long *v)
{
	char tmp[24], *end;

	if (len == 0 || len >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	errno = 0;
	*v = strtol(tmp, &end, 10);
	if (errno != 0 || *end != '\0' || !(tmp[0] == '-' || (tmp[0] >= '0' && tmp[0] <= '9')) ||
	    *v < INT_MIN || *v > UINT_MAX)
		return -1;
	return 0;
}

int
accepted_judge(const char *name, size_t nlen, const char *flags, size_t flen, struct strbuf *domain,
               enum accepted_verdict *verdict)
{
	long f = 0;
	size_t skip;

	if (flags != NULL && parse_flags(flags, flen, &f) < 0) {
		*verdict = ACCEPTED_BAD_FLAGS;
		return 0;
	}
	if ((f & FLAGS_TYPE) == FLAGS_EXTERNAL)
		*verdict = ACCEPTED_EXTERNAL;
	else if ((f & FLAGS_TYPE) != FLAGS_AUTHORITATIVE && (f & FLAGS_TYPE) != FLAGS_INTERNAL)
		*verdict = ACCEPTED_BAD_FLAGS;
	else if (f & FLAGS_OUTBOUND_ONLY)
		*verdict = ACCEPTED_OUTBOUND;
	else if (name != NULL && nlen == 1 && name[0] == '*')
		*verdict = ACCEPTED_EVERY;
	else
		*verdict = ACCEPTED_KEEP;
	if (*verdict != ACCEPTED_KEEP)
		return 0;
	/* "*.example.com" -> ".example.com": what remains must be a domain
	 * name with a dot, as relay_domains itself wants */
	skip = name != NULL && nlen > 2 && name[0] == '*' && name[1] == '.' ? 2 : 0;
	if (name == NULL || memchr(name + skip, '.', nlen - skip) == NULL ||
	    !policy_check_domain(name + skip, nlen - skip)) {
		*verdict = ACCEPTED_BAD_NAME;
		return 0;
	}
	domain->len = 0;
	if (skip && strbuf_addc(domain, '.') < 0)
		return -1;
	return policy_fold(name + skip, nlen - skip, domain);
}

/* config_nc - the configurationNamingContext of the rootDSE into *NC */
static int
config_nc(struct session *s, char **nc, struct a2r_err *err)
{
	static char *attrs[] = {"configurationNamingContext", NULL};
	LDAP *ld = session_ldap(s);
	LDAPMessage *res = NULL, *e;
	struct berval **v = NULL;
	int rc;

	session_arm(s);
	rc = ldap_search_ext_s(ld, "", LDAP_SCOPE_BASE, "(objectClass=*)", attrs, 0, NULL, NULL,
	                       NULL, 1, &res);
	session_disarm(s);
	if (rc != LDAP_SUCCESS) {
		ldap_msgfree(res);
		return session_ldap_error(s, rc, "relay_domains = exchange: read rootDSE", err);
	}
	if ((e = ldap_first_entry(ld, res)) != NULL)
		v = ldap_get_values_len(ld, e, attrs[0]);
	if (v != NULL && v[0] != NULL && v[0]->bv_len > 0)
		rc = (*nc = strndup(v[0]->bv_val, v[0]->bv_len)) ? 0 : err_nomem(err);
	else
		rc = err_set(err, A2R_ERR_SOURCE,
		             "relay_domains = exchange: the rootDSE names no "
		             "configurationNamingContext (not Active Directory?)");
	ldap_value_free_len(v);
	ldap_msgfree(res);
	return rc;
}

/* first_value - the first value of ATTR in E (NULL, 0: none), kept in *HOLD
 * for the caller to free with ldap_value_free_len() */
static const char *
first_value(LDAP *ld, LDAPMessage *e, const char *attr, struct berval ***hold, size_t *len)
{
	*hold = ldap_get_values_len(ld, e, attr);
	*len = 0;
	if (*hold == NULL || (*hold)[0] == NULL)
		return NULL;
	*len = (*hold)[0]->bv_len;
	return (*hold)[0]->bv_val;
}

/* has_domain - is D (LEN bytes) in L already? */
static int
has_domain(const struct strlist *l, const char *d, size_t len)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->len[i] == len && memcmp(l->v[i], d, len) == 0)
			return 1;
	return 0;
}

/* warn_object - one line on an object passed over (VERDICT); the DN and
 * the values are directory data, escaped */
static void
warn_object(accepted_warn_fn *warn, void *ctx, const char *dn, const char *name, size_t nlen,
            const char *flags, size_t flen, enum accepted_verdict verdict)
{
	struct strbuf d = {0}, v = {0};
	const char *attr = verdict == ACCEPTED_BAD_FLAGS ? ATTR_FLAGS : ATTR_NAME;
	const char *val = verdict == ACCEPTED_BAD_FLAGS ? flags : name;
	size_t vlen = verdict == ACCEPTED_BAD_FLAGS ? flen : nlen;
	const char *why = verdict == ACCEPTED_BAD_FLAGS ? "is no known domain type"
	                  : verdict == ACCEPTED_EVERY
	                      ? "means every domain, which a recipient map cannot list "
	                        "(list the domains in relay_domains)"
	                      : "is not a domain name";
	char msg[1024];

	if (warn == NULL)
		return;
	if (escape_value(&d, dn, strlen(dn)) == 0 &&
	    (val == NULL || escape_value(&v, val, vlen) == 0)) {
		if (val == NULL)
			snprintf(msg, sizeof(msg), "accepted domain %s: no %s: not relayed",
			         d.p ? d.p : "", attr);
		else
			snprintf(msg, sizeof(msg), "accepted domain %s: %s \"%s\" %s: not relayed",
			         d.p ? d.p : "", attr, v.p ? v.p : "", why);
		warn(ctx, msg);
	}
	strbuf_free(&d);
	strbuf_free(&v);
}

/* take_object - judge one msExchAcceptedDomain entry, count it, add it */
static int
take_object(LDAP *ld, LDAPMessage *e, struct strlist *domains, struct accepted_result *res,
            struct strbuf *dom, accepted_warn_fn *warn, void *warn_ctx, struct a2r_err *err)
{
	struct berval **nv, **fv;
	size_t nlen, flen;
	const char *name = first_value(ld, e, ATTR_NAME, &nv, &nlen);
	const char *flags = first_value(ld, e, ATTR_FLAGS, &fv, &flen);
	enum accepted_verdict verdict;
	char *dn;
	int rc = 0;

	res->objects++;
	if (accepted_judge(name, nlen, flags, flen, dom, &verdict) < 0) {
		rc = err_nomem(err);
	} else if (verdict == ACCEPTED_KEEP) {
		res->kept++;
		if (!has_domain(domains, dom->p, dom->len) &&
		    strlist_add(domains, dom->p, dom->len) < 0)
			rc = err_nomem(err);
	} else if (verdict == ACCEPTED_EXTERNAL) {
		res->external++;
	} else if (verdict == ACCEPTED_OUTBOUND) {
		res->outbound++;
	} else {
		res->unusable++;
		dn = ldap_get_dn(ld, e);
		warn_object(warn, warn_ctx, dn ? dn : "?", name, nlen, flags, flen, verdict);
		ldap_memfree(dn);
	}
	ldap_value_free_len(nv);
	ldap_value_free_len(fv);
	return rc;
}

int
accepted_read(struct session *s, struct strlist *domains, struct accepted_result *res,
              accepted_warn_fn *warn, void *warn_ctx, struct a2r_err *err)
{
	static char *attrs[] = {ATTR_NAME, ATTR_FLAGS, NULL};
	LDAP *ld = session_ldap(s);
	LDAPMessage *msgs = NULL;
	struct strbuf dom = {0};
	size_t had = domains->n;
	char what[600];
	int rc;

	memset(res, 0, sizeof(*res));
	if (config_nc(s, &res->base, err) < 0)
		return -1;
	snprintf(what, sizeof(what), "relay_domains = exchange: search %s for %s", res->base,
	         ACCEPTED_FILTER);
	session_arm(s);
	rc = ldap_search_ext_s(ld, res->base, LDAP_SCOPE_SUBTREE, ACCEPTED_FILTER, attrs, 0, NULL,
	                       NULL, NULL, LDAP_NO_LIMIT, &msgs);
	session_disarm(s);
	if (rc != LDAP_SUCCESS) {
		rc = session_ldap_error(s, rc, what, err);
		goto out;
	}
	/* continuation references, if any, are not followed */
	for (LDAPMessage *e = ldap_first_entry(ld, msgs); rc == 0 && e != NULL;
	     e = ldap_next_entry(ld, e))
		rc = take_object(ld, e, domains, res, &dom, warn, warn_ctx, err);
	if (rc == 0 && res->kept == 0)
		rc = err_set(err, A2R_ERR_SOURCE,
		             "relay_domains = exchange: no authoritative or internal-relay "
		             "accepted domain in %s (%lu msExchAcceptedDomain object%s)",
		             res->base, res->objects, res->objects == 1 ? "" : "s");
out:
	if (rc < 0) /* DOMAINS as it was */
		while (domains->n > had)
			free(domains->v[--domains->n]);
	if (domains->v != NULL)
		domains->v[domains->n] = NULL;
	ldap_msgfree(msgs);
	strbuf_free(&dom);
	return rc < 0 ? -1 : 0;
}

void
accepted_free(struct accepted_result *res)
{
	free(res->base);
	memset(res, 0, sizeof(*res));
}
