/* SPDX-License-Identifier: BSD-2-Clause */
/* dirsync.c - DirSync cookies and change sets on one DC */
#include "autoconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ldap.h>

#include "dirsync.h"
#include "util.h"

/* The flags of the two modes (MS-ADTS 3.1.1.3.4.1.3). */
#define FLAGS_DELETIONS 0
#define FLAGS_OBJSEC    LDAP_CONTROL_X_DIRSYNC_OBJECT_SECURITY

/* A filter no object matches, answered from the objectGUID index: the
 * cookie of a DirSync with it costs the DC next to nothing. */
#define NO_OBJECT "(objectGUID=\\00\\00\\00\\00\\00\\00\\00\\00\\00\\00\\00\\00\\00\\00\\00\\00)"

/* GUIDs per filter when objects are read by objectGUID */
#define GUIDS_PER_FILTER 100

typedef int entry_fn(void *ctx, LDAP *ld, LDAPMessage *e, struct a2r_err *err);

/* one_search - one search with every message read: FN per entry (if not
 * NULL), continuation references skipped, *CODE the result code and
 * *RCTRLS (if not NULL) the result's controls.  0, or -1 with ERR filled
 * (a result other than success too: *CODE says which). */
static int
one_search(struct session *s, const struct a2r_config *cfg, const struct timespec *until,
           const char *what, const char *base, int scope, const char *filter, char **attrs,
           LDAPControl *ctrl, entry_fn *fn, void *ctx, int *code, LDAPControl ***rctrls,
           struct a2r_err *err)
{
	LDAP *ld = session_ldap(s);
	LDAPControl *sctrls[2] = {ctrl, NULL};
	struct timeval tv = {.tv_sec = cfg->timeout, .tv_usec = 0};
	LDAPMessage *msg = NULL;
	char *diag = NULL;
	int msgid, rc, type, ret = -1;

	*code = LDAP_OTHER;
	if (session_run_timeout(cfg, until, what, err) < 0)
		return -1;
	session_arm(s);
	rc = ldap_search_ext(ld, base, scope, filter, attrs, 0, ctrl ? sctrls : NULL, NULL, NULL,
	                     LDAP_NO_LIMIT, &msgid);
	if (rc != LDAP_SUCCESS) {
		session_ldap_error(s, rc, what, err);
		goto out;
	}
	for (;;) {
		type = ldap_result(ld, msgid, LDAP_MSG_ONE, &tv, &msg);
		if (type <= 0) {
			rc = LDAP_TIMEOUT;
			if (type < 0 && (ldap_get_option(ld, LDAP_OPT_RESULT_CODE, &rc) != 0 ||
			                 rc == LDAP_SUCCESS))
				rc = LDAP_SERVER_DOWN;
			session_ldap_error(s, rc, what, err);
			goto out;
		}
		session_touch(s);
		if (type == LDAP_RES_SEARCH_RESULT)
			break;
		rc = type == LDAP_RES_SEARCH_ENTRY && fn != NULL ? fn(ctx, ld, msg, err) : 0;
		if (type != LDAP_RES_SEARCH_ENTRY && type != LDAP_RES_SEARCH_REFERENCE)
			rc = err_set(err, A2R_ERR_SOURCE, "%s: unexpected message type 0x%x", what,
			             type);
		ldap_msgfree(msg);
		msg = NULL;
		if (rc < 0) {
			ldap_abandon_ext(ld, msgid, NULL, NULL);
			goto out;
		}
	}
	rc = ldap_parse_result(ld, msg, code, NULL, &diag, NULL, rctrls, 0);
	if (rc != LDAP_SUCCESS)
		session_ldap_error(s, rc, what, err);
	else if (*code != LDAP_SUCCESS)
		err_set(err, A2R_ERR_SOURCE, "%s: %s%s%s%s", what, ldap_err2string(*code),
		        diag && *diag ? " (" : "", diag && *diag ? diag : "",
		        diag && *diag ? ")" : "");
	else
		ret = 0;
	if (ret < 0 && rctrls != NULL) {
		ldap_controls_free(*rctrls);
		*rctrls = NULL;
	}
out:
	ldap_msgfree(msg);
	ldap_memfree(diag);
	session_disarm(s);
	return ret;
}

/* ---------------------------------------------------------------- the DC */

struct root {
	char *service;
	char *usn;
	struct strlist ncs;
	struct berval inv;
	int ninv;
};

/* is_usn - 1 if V is 1 to 20 decimal digits */
static int
is_usn(const struct berval *v)
{
	if (v->bv_len == 0 || v->bv_len > 20)
		return 0;
	for (ber_len_t i = 0; i < v->bv_len; i++)
		if (v->bv_val[i] < '0' || v->bv_val[i] > '9')
			return 0;
	return 1;
}

/* dn_under - 1 if DN is NC or lies under it (RDN by RDN, ignoring case) */
static int
dn_under(const char *dn, const char *nc)
{
	LDAPDN a = NULL, b = NULL;
	int na = 0, nb = 0, ok = 0;

	if (ldap_str2dn(dn, &a, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS ||
	    ldap_str2dn(nc, &b, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS)
		goto out;
	while (a != NULL && a[na] != NULL)
		na++;
	while (b != NULL && b[nb] != NULL)
		nb++;
	ok = nb > 0 && na >= nb;
	for (int i = 1; ok && i <= nb; i++) {
		LDAPRDN ra = a[na - i], rb = b[nb - i];
		int j;

		for (j = 0; ok && ra[j] != NULL && rb[j] != NULL; j++)
			ok = ra[j]->la_attr.bv_len == rb[j]->la_attr.bv_len &&
			     strncasecmp(ra[j]->la_attr.bv_val, rb[j]->la_attr.bv_val,
			                 ra[j]->la_attr.bv_len) == 0 &&
			     ra[j]->la_value.bv_len == rb[j]->la_value.bv_len &&
			     strncasecmp(ra[j]->la_value.bv_val, rb[j]->la_value.bv_val,
			                 ra[j]->la_value.bv_len) == 0;
		ok = ok && ra[j] == NULL && rb[j] == NULL;
	}
out:
	ldap_dnfree(a);
	ldap_dnfree(b);
	return ok;
}

static int
on_root(void *ctx, LDAP *ld, LDAPMessage *e, struct a2r_err *err)
{
	struct root *r = ctx;
	struct berval **v = ldap_get_values_len(ld, e, "dsServiceName");

	if (v != NULL && v[0] != NULL && r->service == NULL &&
	    (r->service = strndup(v[0]->bv_val, v[0]->bv_len)) == NULL) {
		ldap_value_free_len(v);
		return err_nomem(err);
	}
	ldap_value_free_len(v);
	/* digits only (directory data is hostile), else unknown */
	v = ldap_get_values_len(ld, e, "highestCommittedUSN");
	if (v != NULL && v[0] != NULL && r->usn == NULL && is_usn(v[0]) &&
	    (r->usn = strndup(v[0]->bv_val, v[0]->bv_len)) == NULL) {
		ldap_value_free_len(v);
		return err_nomem(err);
	}
	ldap_value_free_len(v);
	v = ldap_get_values_len(ld, e, "namingContexts");
	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		if (strlist_add(&r->ncs, v[i]->bv_val, v[i]->bv_len) < 0) {
			ldap_value_free_len(v);
			return err_nomem(err);
		}
	ldap_value_free_len(v);
	return 0;
}

static int
on_invocation(void *ctx, LDAP *ld, LDAPMessage *e, struct a2r_err *err)
{
	struct root *r = ctx;
	struct berval **v = ldap_get_values_len(ld, e, "invocationId");

	(void)err;
	if (v != NULL && v[0] != NULL && v[0]->bv_len == STATE_GUID_LEN && r->ninv == 0) {
		memcpy(r->inv.bv_val, v[0]->bv_val, STATE_GUID_LEN);
		r->ninv = 1;
	}
	ldap_value_free_len(v);
	return 0;
}

int
dirsync_dc(struct session *s, const struct a2r_config *cfg, const struct timespec *until,
           struct dirsync_dc *dc, struct a2r_err *err)
{
	char *rattrs[] = {"dsServiceName", "namingContexts", "highestCommittedUSN", NULL};
	char *iattrs[] = {"invocationId", NULL};
	char inv[STATE_GUID_LEN], hex[2 * STATE_GUID_LEN + 1];
	const char *base = session_base(s), *best = NULL;
	struct root r = {.inv = {STATE_GUID_LEN, inv}};
	int code, rc = -1;

	memset(dc, 0, sizeof(*dc));
	if (one_search(s, cfg, until, "read the rootDSE", "", LDAP_SCOPE_BASE, "(objectClass=*)",
	               rattrs, NULL, on_root, &r, &code, NULL, err) < 0)
		goto out;
	if (r.service == NULL) {
		err_set(err, A2R_ERR_SOURCE,
		        "the rootDSE names no dsServiceName (not an Active Directory DC)");
		rc = 1;
		goto out;
	}
	/* the longest naming context that holds the base */
	for (size_t i = 0; i < r.ncs.n; i++)
		if (dn_under(base, r.ncs.v[i]) &&
		    (best == NULL || strlen(r.ncs.v[i]) > strlen(best)))
			best = r.ncs.v[i];
	if (best == NULL) {
		err_set(err, A2R_ERR_SOURCE, "no naming context of the DC holds the base %s", base);
		rc = 1;
		goto out;
	}
	/* unreadable: the DC's name alone (a restored DC is then not told) */
	if (one_search(s, cfg, until, "read the DC's invocationId", r.service, LDAP_SCOPE_BASE,
	               "(objectClass=*)", iattrs, NULL, on_invocation, &r, &code, NULL, err) < 0 &&
	    code != LDAP_INSUFFICIENT_ACCESS && code != LDAP_NO_SUCH_OBJECT)
		goto out;
	for (int i = 0; i < STATE_GUID_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", (unsigned char)inv[i]);
	if ((dc->dc = strdup(r.service)) == NULL || (dc->nc = strdup(best)) == NULL ||
	    (dc->invocation = strdup(r.ninv ? hex : "-")) == NULL) {
		err_nomem(err);
		goto out;
	}
	dc->usn = r.usn;
	r.usn = NULL;
	rc = 0;
out:
	if (rc != 0)
		dirsync_dc_free(dc);
	free(r.service);
	free(r.usn);
	strlist_free(&r.ncs);
	return rc;
}

void
dirsync_dc_free(struct dirsync_dc *dc)
{
	free(dc->dc);
	free(dc->invocation);
	free(dc->nc);
	free(dc->usn);
	memset(dc, 0, sizeof(*dc));
}

/* ---------------------------------------------------------------- DirSync */

/* one_page - one DirSync request with COOKIE (replaced by the answer's);
 * *MORE: the DC has more.  *CODE: the result code. */
static int
one_page(struct session *s, const struct a2r_config *cfg, const struct timespec *until,
         const char *nc, const char *filter, int flags, struct berval *cookie, int *more,
         entry_fn *fn, void *ctx, int *code, struct a2r_err *err)
{
	LDAP *ld = session_ldap(s);
	LDAPControl *ctrl = NULL, **rctrls = NULL, *rc_ctrl;
	char *attrs[] = {"objectGUID", "name", NULL};
	struct berval next = {0, NULL};
	int rc, cont = 0;

	*code = LDAP_OTHER;
	rc = ldap_create_dirsync_control(ld, flags, 0, cookie, &ctrl);
	if (rc != LDAP_SUCCESS)
		return session_ldap_error(s, rc, "create the DirSync control", err);
	/* attributes: with a cookie, any change at all reports the object
	 * (the filter may name any attribute); without one, none is read */
	rc = one_search(s, cfg, until, "DirSync", nc, LDAP_SCOPE_SUBTREE, filter,
	                cookie->bv_len ? NULL : attrs, ctrl, fn, ctx, code, &rctrls, err);
	ldap_control_free(ctrl);
	if (rc < 0)
		return -1;
	rc_ctrl = ldap_control_find(LDAP_CONTROL_X_DIRSYNC, rctrls, NULL);
	if (rc_ctrl == NULL ||
	    ldap_parse_dirsync_control(ld, rc_ctrl, &cont, &next) != LDAP_SUCCESS ||
	    next.bv_len == 0) {
		ldap_controls_free(rctrls);
		ber_memfree(next.bv_val);
		return err_set(err, A2R_ERR_SOURCE,
		               "DirSync: the DC answered without a valid DirSync control");
	}
	ldap_controls_free(rctrls);
	free(cookie->bv_val);
	cookie->bv_val = malloc(next.bv_len);
	if (cookie->bv_val == NULL) {
		ber_memfree(next.bv_val);
		cookie->bv_len = 0;
		return err_nomem(err);
	}
	memcpy(cookie->bv_val, next.bv_val, next.bv_len);
	cookie->bv_len = next.bv_len;
	ber_memfree(next.bv_val);
	*more = cont != 0;
	return 0;
}

int
dirsync_cookie(struct session *s, const struct a2r_config *cfg, const struct timespec *until,
               const char *nc, int *deletions, struct berval *cookie, struct a2r_err *err)
{
	static const int modes[] = {FLAGS_DELETIONS, FLAGS_OBJSEC};
	int code = LDAP_OTHER, more = 1;

	for (size_t m = 0; m < 2; m++) {
		cookie->bv_len = 0;
		free(cookie->bv_val);
		cookie->bv_val = NULL;
		/* an empty cookie, a filter nothing matches: the DC's "now" */
		for (more = 1; more;)
			if (one_page(s, cfg, until, nc, NO_OBJECT, modes[m], cookie, &more, NULL,
			             NULL, &code, err) < 0)
				break;
		if (!more) {
			*deletions = modes[m] == FLAGS_DELETIONS;
			return 0;
		}
		/* without the replication right: the object-security mode */
		if (code != LDAP_INSUFFICIENT_ACCESS && code != LDAP_UNWILLING_TO_PERFORM)
			break;
	}
	free(cookie->bv_val);
	cookie->bv_val = NULL;
	cookie->bv_len = 0;
	return -1;
}

/* add_guid - GUID onto the array *A (*N of *CAP) */
static int
add_guid(unsigned char (**a)[STATE_GUID_LEN], size_t *n, size_t *cap, const char *guid)
{
	if (*n == *cap) {
		size_t ncap = *cap ? 2 * *cap : 64;
		void *p = realloc(*a, ncap * STATE_GUID_LEN);

		if (p == NULL)
			return -1;
		*a = p;
		*cap = ncap;
	}
	memcpy((*a)[(*n)++], guid, STATE_GUID_LEN);
	return 0;
}

static int
on_change(void *ctx, LDAP *ld, LDAPMessage *e, struct a2r_err *err)
{
	struct dirsync_changes *ch = ctx;
	struct berval **g = ldap_get_values_len(ld, e, "objectGUID");
	struct berval **name;
	int rc = 0;

	if (g == NULL || g[0] == NULL || g[1] != NULL || g[0]->bv_len != STATE_GUID_LEN) {
		ldap_value_free_len(g);
		return err_set(err, A2R_ERR_SOURCE,
		               "DirSync: a changed object without one "
		               "objectGUID of 16 bytes");
	}
	if (add_guid(&ch->guid, &ch->n, &ch->cap, g[0]->bv_val) < 0)
		rc = err_nomem(err);
	/* a new name, or a new parent: a container may have taken its
	 * subtree in or out of the base */
	if (rc == 0 && (name = ldap_get_values_len(ld, e, "name")) != NULL) {
		ldap_value_free_len(name);
		if (add_guid(&ch->moved, &ch->nmoved, &ch->capmoved, g[0]->bv_val) < 0)
			rc = err_nomem(err);
	}
	ldap_value_free_len(g);
	return rc;
}

static int
cmp_guid(const void *a, const void *b)
{
	return memcmp(a, b, STATE_GUID_LEN);
}

/* sort_unique - sort A (N GUIDs) and drop repeats */
static size_t
sort_unique(unsigned char (*a)[STATE_GUID_LEN], size_t n)
{
	size_t k = 0;

	if (n == 0)
		return 0;
	qsort(a, n, STATE_GUID_LEN, cmp_guid);
	for (size_t i = 1; i < n; i++)
		if (memcmp(a[i], a[k], STATE_GUID_LEN) != 0)
			memcpy(a[++k], a[i], STATE_GUID_LEN);
	return k + 1;
}

int
dirsync_changes(struct session *s, const struct a2r_config *cfg, const struct timespec *until,
                const char *nc, int deletions, struct berval *cookie, size_t max,
                struct dirsync_changes *ch, struct a2r_err *err)
{
	int more = 1, code;

	while (more) {
		if (one_page(s, cfg, until, nc, "(objectClass=*)",
		             deletions ? FLAGS_DELETIONS : FLAGS_OBJSEC, cookie, &more, on_change,
		             ch, &code, err) < 0)
			return -1;
		ch->n = sort_unique(ch->guid, ch->n);
		if (ch->n > max)
			return 1;
	}
	ch->nmoved = sort_unique(ch->moved, ch->nmoved);
	return 0;
}

int
dirsync_changed(const struct dirsync_changes *ch, const unsigned char *guid)
{
	return ch->n > 0 && bsearch(guid, ch->guid, ch->n, STATE_GUID_LEN, cmp_guid) != NULL;
}

int
dirsync_guid_filter(struct strbuf *f, const unsigned char (*guid)[STATE_GUID_LEN], size_t n)
{
	static const char hex[] = "0123456789abcdef";

	if (strbuf_addstr(f, "(|") < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (strbuf_addstr(f, "(objectGUID=") < 0)
			return -1;
		for (size_t j = 0; j < STATE_GUID_LEN; j++) {
			char esc[3] = {'\\', hex[guid[i][j] >> 4], hex[guid[i][j] & 15]};

			if (strbuf_add(f, esc, 3) < 0)
				return -1;
		}
		if (strbuf_addc(f, ')') < 0)
			return -1;
	}
	return strbuf_addc(f, ')');
}

static int
on_container(void *ctx, LDAP *ld, LDAPMessage *e, struct a2r_err *err)
{
	(void)ld;
	(void)e;
	(void)err;
	++*(int *)ctx;
	return 0;
}

int
dirsync_containers(struct session *s, const struct a2r_config *cfg, const struct timespec *until,
                   const char *nc, const unsigned char (*guid)[STATE_GUID_LEN], size_t n,
                   struct a2r_err *err)
{
	char *attrs[] = {"1.1", NULL};
	struct strbuf f = {0};
	int found = 0, code;

	for (size_t i = 0; i < n && !found; i += GUIDS_PER_FILTER) {
		f.len = 0;
		if (strbuf_addstr(&f, "(&(|(objectClass=organizationalUnit)(objectClass=container)"
		                      "(objectClass=builtinDomain)(objectClass=lostAndFound)"
		                      "(objectClass=domainDNS))") < 0 ||
		    dirsync_guid_filter(&f, guid + i,
		                        n - i < GUIDS_PER_FILTER ? n - i : GUIDS_PER_FILTER) < 0 ||
		    strbuf_addc(&f, ')') < 0) {
			strbuf_free(&f);
			return err_nomem(err);
		}
		if (one_search(s, cfg, until, "look for moved containers", nc, LDAP_SCOPE_SUBTREE,
		               f.p, attrs, NULL, on_container, &found, &code, NULL, err) < 0) {
			strbuf_free(&f);
			return -1;
		}
	}
	strbuf_free(&f);
	return found > 0;
}

void
dirsync_changes_free(struct dirsync_changes *ch)
{
	free(ch->guid);
	free(ch->moved);
	memset(ch, 0, sizeof(*ch));
}
