/* SPDX-License-Identifier: BSD-2-Clause */
/* search.c - paged search with failover across domain controllers */
#include "autoconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <ldap.h>

#include "extract.h"
#include "search.h"
#include "session.h"
#include "util.h"

/* LDAP filter of each object kind.  Computers are user objects too. */
static const struct {
	unsigned bit;
	const char *filter;
} object_filters[] = {
    {CONF_OBJ_USERS, "(&(objectClass=user)(!(objectClass=computer)))"},
    {CONF_OBJ_GROUPS, "(objectClass=group)"},
    {CONF_OBJ_CONTACTS, "(objectClass=contact)"},
    {CONF_OBJ_PUBLICFOLDERS, "(objectClass=publicFolder)"},
    {CONF_OBJ_DYNAMIC, "(objectClass=msExchDynamicDistributionList)"},
};

/* AD's LDAP_MATCHING_RULE_BIT_AND on ACCOUNTDISABLE (0x2).  An entry
 * without userAccountControl (group, contact) matches too, as in AD. */
#define NOT_DISABLED "(!(userAccountControl:1.2.840.113556.1.4.803:=2))"

/* Pages in a row without an entry (each with a new cookie) before the DC
 * counts as making no progress.  RFC 2696 lets a server return short
 * pages; no server we know returns several empty ones in a row. */
#define MAX_EMPTY_PAGES 10

/* One attempt's state while pages flow into the collector. */
struct attempt {
	struct session *s;
	struct collect *c;
	struct search_report *rep;
	const char *filter;
	char **attrs;
	/* the current entry: attributes as read, as handed on, value pointers */
	struct {
		struct berval name;
		BerVarray vals;
		struct berval **more; /* values fetched by range retrieval */
		size_t nmore;
	} * pa;
	size_t pa_cap;
	struct a2r_attr *ea;
	size_t ea_cap;
	struct berval **vp;
	size_t vp_cap;
	struct berval ***held; /* value arrays of range requests, to free */
	size_t nheld, held_cap;
	size_t page_expect; /* entries a full page holds (for session_page) */
	char *dn;           /* the current entry's DN */
	size_t dn_cap;
	struct timespec until;      /* end of the run (run_timeout), CLOCK_MONOTONIC */
	struct berval prev;         /* the cookie sent with the current page */
	unsigned empty_pages;       /* pages in a row without an entry */
	unsigned long page_entries; /* entries of the current page */
};

char *
search_filter(const struct a2r_config *cfg, int wide)
{
	struct strbuf f = {0};
	int ok = strbuf_addstr(&f, "(&(|") == 0;

	for (size_t i = 0; i < sizeof(object_filters) / sizeof(object_filters[0]); i++)
		if (cfg->objects & object_filters[i].bit)
			ok = ok && strbuf_addstr(&f, wide && object_filters[i].bit == CONF_OBJ_USERS
			                                 ? "(objectClass=user)"
			                                 : object_filters[i].filter) == 0;
	ok = ok && strbuf_addstr(&f, ")(|") == 0;
	for (size_t i = 0; i < cfg->attributes.n; i++)
		ok = ok && strbuf_addc(&f, '(') == 0 &&
		     strbuf_addstr(&f, cfg->attributes.v[i]) == 0 && strbuf_addstr(&f, "=*)") == 0;
	ok = ok && strbuf_addc(&f, ')') == 0;
	if (cfg->exclude_disabled && !wide)
		ok = ok && strbuf_addstr(&f, NOT_DISABLED) == 0;
	if (cfg->filter != NULL)
		ok = ok && strbuf_addstr(&f, cfg->filter) == 0;
	ok = ok && strbuf_addc(&f, ')') == 0;
	if (!ok) {
		strbuf_free(&f);
		return NULL;
	}
	return f.p;
}

/* free_attrs - the attribute list; names are ours only with range_size */
static void
free_attrs(char **attrs, size_t n, const struct a2r_config *cfg)
{
	for (size_t i = 0; cfg->range_size > 0 && i < n && i < cfg->attributes.n; i++)
		free(attrs[i]);
	free(attrs);
}

/* request_attrs - the address attributes; the filter already keeps out
 * computers and (with exclude_disabled) disabled accounts, so only a wide
 * search (explain) needs objectClass and userAccountControl to say why */
static char **
request_attrs(const struct a2r_config *cfg, int wide)
{
	static const char *const extra[] = {"objectClass", "userAccountControl"};
	char **attrs = calloc(cfg->attributes.n + 3, sizeof(*attrs));
	size_t n = 0;

	if (attrs == NULL)
		return NULL;
	for (size_t i = 0; i < cfg->attributes.n; i++) {
		/* range_size: ask for ranges from the start, as AD would cut */
		if (cfg->range_size > 0) {
			if (asprintf(&attrs[n], "%s;range=0-%ld", cfg->attributes.v[i],
			             cfg->range_size - 1) < 0) {
				free_attrs(attrs, n, cfg);
				return NULL;
			}
			n++;
		} else {
			attrs[n++] = cfg->attributes.v[i];
		}
	}
	for (size_t i = 0; wide && i < 2; i++)
		attrs[n++] = (char *)extra[i];
	return attrs;
}

/* grow - make room for N elements of SIZE in *P (capacity *CAP) */
static int
grow(void **p, size_t *cap, size_t n, size_t size)
{
	void *np;
	size_t ncap = *cap ? *cap : 16;

	if (n <= *cap)
		return 0;
	while (ncap < n)
		ncap *= 2;
	if ((np = realloc(*p, ncap * size)) == NULL)
		return -1;
	*p = np;
	*cap = ncap;
	return 0;
}

/* read_attrs - every attribute of MSG in order, values as the server sent
 * them.  A type may come twice (slapd does that for a value list stored in
 * two pieces); ldap_get_values_len() would return the first piece twice,
 * so values are read from the BER stream itself.  An attribute list that
 * cannot be decoded fails the attempt: the entry's other addresses, or
 * the entry itself, would be silently missing from the map. */
static int
read_attrs(struct attempt *a, LDAP *ld, LDAPMessage *msg, BerElement *ber, size_t *nattrs,
           struct a2r_err *err)
{
	struct berval name;
	BerVarray vals = NULL;
	size_t n = 0;
	int rc;

	for (;;) {
		rc = ldap_get_attribute_ber(ld, msg, ber, &name, &vals);
		if (rc != LDAP_SUCCESS) {
			*nattrs = n;
			return err_set(err, A2R_ERR_SOURCE,
			               "search: entry %s: its attributes cannot be decoded (%s)",
			               a->dn, ldap_err2string(rc));
		}
		if (name.bv_val == NULL)
			break;
		if (grow((void **)&a->pa, &a->pa_cap, n + 1, sizeof(*a->pa)) < 0) {
			ber_memfree(vals);
			*nattrs = n;
			return err_nomem(err);
		}
		a->pa[n].vals = vals;
		a->pa[n].more = NULL;
		a->pa[n].nmore = 0;
		a->pa[n++].name = name; /* points into the message */
		vals = NULL;
	}
	*nattrs = n;
	return 0;
}

/* keep_values - remember V (to free after the entry) and append its values */
static int
keep_values(struct attempt *a, size_t i, struct berval **v, struct a2r_err *err)
{
	size_t n = 0;
	struct berval **more;

	if (grow((void **)&a->held, &a->held_cap, a->nheld + 1, sizeof(*a->held)) < 0) {
		ldap_value_free_len(v);
		return err_nomem(err);
	}
	a->held[a->nheld++] = v;
	while (v[n] != NULL)
		n++;
	if ((more = realloc(a->pa[i].more, (a->pa[i].nmore + n) * sizeof(*more))) == NULL)
		return err_nomem(err);
	memcpy(more + a->pa[i].nmore, v, n * sizeof(*more));
	a->pa[i].more = more;
	a->pa[i].nmore += n;
	return 0;
}

/* fetch_range - one range request: attribute NAME of DN from value LOW on;
 * *NEXT gets the next low value, or -1 when the server said "*" */
static int
fetch_range(struct attempt *a, const char *dn, size_t i, size_t baselen, long low, long *next,
            struct a2r_err *err)
{
	LDAP *ld = session_ldap(a->s);
	struct timeval tv = {.tv_sec = a->c->cfg->timeout, .tv_usec = 0};
	long step = a->c->cfg->range_size, rlow, rhigh;
	char want[300], what[320], hi[32], *attrs[2] = {want, NULL}, *name;
	LDAPMessage *res = NULL, *e;
	BerElement *ber = NULL;
	size_t blen;
	int rc, found = 0;

	snprintf(hi, sizeof(hi), step > 0 ? "%ld" : "*", low + step - 1);
	snprintf(want, sizeof(want), "%.*s;range=%ld-%s", (int)baselen, a->pa[i].name.bv_val, low,
	         hi);
	snprintf(what, sizeof(what), "range retrieval of %s", want);
	/* a range that never ends: the run's deadline ends it */
	if (session_run_timeout(a->c->cfg, &a->until, what, err) < 0)
		return -1;
	session_arm(a->s);
	rc = ldap_search_ext_s(ld, dn, LDAP_SCOPE_BASE, "(objectClass=*)", attrs, 0, NULL, NULL,
	                       &tv, 1, &res);
	if (rc != LDAP_SUCCESS || (e = ldap_first_entry(ld, res)) == NULL) {
		ldap_msgfree(res);
		return session_ldap_error(a->s, rc ? rc : LDAP_NO_SUCH_OBJECT, what, err);
	}
	for (name = ldap_first_attribute(ld, e, &ber); name != NULL && rc == 0 && !found;
	     name = ldap_next_attribute(ld, e, ber)) {
		if (extract_parse_range(name, strlen(name), &blen, &rlow, &rhigh) == 1 &&
		    blen == baselen && strncasecmp(name, want, blen) == 0 && rlow == low) {
			struct berval **v = ldap_get_values_len(ld, e, name);

			found = 1;
			*next = rhigh < 0 ? -1 : rhigh + 1;
			/* an attribute in an entry has values: none is a
			 * decoding error, never an empty range */
			rc = v ? keep_values(a, i, v, err)
			       : err_set(err, A2R_ERR_SOURCE,
			                 "%s: %s: the values cannot be decoded", dn, what);
		}
		ldap_memfree(name);
	}
	if (name != NULL)
		ldap_memfree(name);
	ber_free(ber, 0);
	ldap_msgfree(res);
	if (rc == 0 && !found)
		rc = err_set(err, A2R_ERR_SOURCE,
		             "%s: range retrieval of %s: no such range in the answer", dn, want);
	return rc;
}

/* complete_ranges - AD returns a large multi-valued attribute as
 * "attr;range=0-1499": fetch the rest, range after range, before the
 * entry is used */
static int
complete_ranges(struct attempt *a, const char *dn, size_t nattrs, struct a2r_err *err)
{
	for (size_t i = 0; i < nattrs; i++) {
		const struct berval *nm = &a->pa[i].name;
		size_t baselen;
		long low, high, next;
		int r = extract_parse_range(nm->bv_val, nm->bv_len, &baselen, &low, &high);

		if (r < 0)
			return err_set(err, A2R_ERR_SOURCE, "%s: malformed ranged attribute %.*s",
			               dn, (int)nm->bv_len, nm->bv_val);
		for (next = r == 1 && high >= 0 ? high + 1 : -1; next >= 0;) {
			long from = next;

			if (fetch_range(a, dn, i, baselen, from, &next, err) < 0)
				return -1;
			if (next >= 0 && next <= from)
				return err_set(err, A2R_ERR_SOURCE,
				               "%s: range retrieval of %.*s does not advance", dn,
				               (int)baselen, nm->bv_val);
		}
		if (r == 1)
			a->pa[i].name.bv_len = baselen; /* the values are complete now */
	}
	return 0;
}

/* build_entry - point E's attributes at the values read by read_attrs */
static int
build_entry(struct attempt *a, struct a2r_entry *e, size_t nattrs, struct a2r_err *err)
{
	size_t total = nattrs, k = 0;

	for (size_t i = 0; i < nattrs; i++) {
		for (size_t j = 0; a->pa[i].vals != NULL && a->pa[i].vals[j].bv_val != NULL; j++)
			total++;
		total += a->pa[i].nmore;
	}
	if (grow((void **)&a->ea, &a->ea_cap, nattrs, sizeof(*a->ea)) < 0 ||
	    grow((void **)&a->vp, &a->vp_cap, total, sizeof(*a->vp)) < 0)
		return err_nomem(err);
	for (size_t i = 0; i < nattrs; i++) {
		const struct berval *nm = &a->pa[i].name;

		a->ea[i].name = nm->bv_val;
		a->ea[i].namelen = nm->bv_len;
		a->ea[i].vals = &a->vp[k];
		for (size_t j = 0; a->pa[i].vals != NULL && a->pa[i].vals[j].bv_val != NULL; j++)
			a->vp[k++] = &a->pa[i].vals[j];
		for (size_t j = 0; j < a->pa[i].nmore; j++)
			a->vp[k++] = a->pa[i].more[j];
		a->vp[k++] = NULL;
	}
	e->attrs = a->ea;
	e->nattrs = nattrs;
	return 0;
}

/* take_entry - hand one search entry to the collector */
static int
take_entry(struct attempt *a, LDAPMessage *msg, struct a2r_err *err)
{
	LDAP *ld = session_ldap(a->s);
	struct a2r_entry e = {0};
	BerElement *ber = NULL;
	struct berval dn;
	size_t nattrs = 0;
	int rc;

	if (ldap_get_dn_ber(ld, msg, &ber, &dn) != LDAP_SUCCESS)
		return session_ldap_error(a->s, LDAP_DECODING_ERROR, "read entry", err);
	/* the DN as a string, in a buffer kept from entry to entry */
	if (grow((void **)&a->dn, &a->dn_cap, dn.bv_len + 1, 1) < 0) {
		rc = err_nomem(err);
		goto out;
	}
	memcpy(a->dn, dn.bv_val, dn.bv_len);
	a->dn[dn.bv_len] = '\0';
	e.dn = a->dn;
	rc = read_attrs(a, ld, msg, ber, &nattrs, err);
	if (rc == 0)
		rc = complete_ranges(a, a->dn, nattrs, err);
	if (rc == 0)
		rc = build_entry(a, &e, nattrs, err);
	if (rc == 0)
		rc = collect_entry(a->c, &e, err);
	a->rep->entries += rc == 0;
out:
	for (size_t i = 0; i < nattrs; i++) {
		ber_memfree(a->pa[i].vals);
		free(a->pa[i].more);
	}
	for (size_t i = 0; i < a->nheld; i++)
		ldap_value_free_len(a->held[i]);
	a->nheld = 0;
	ber_free(ber, 0);
	return rc;
}

/* page_done - check the result of one page; *COOKIE gets the next cookie */
static int
page_done(struct attempt *a, LDAPMessage *msg, struct berval *cookie, struct a2r_err *err)
{
	LDAP *ld = session_ldap(a->s);
	LDAPControl **ctrls = NULL, *pr;
	char *diag = NULL, *matched = NULL;
	ber_int_t total;
	int rc, prc;

	prc = ldap_parse_result(ld, msg, &rc, &matched, &diag, NULL, &ctrls, 0);
	if (prc != LDAP_SUCCESS) {
		rc = session_ldap_error(a->s, prc, "search result", err);
		goto out;
	}
	if (rc != LDAP_SUCCESS) {
		/* a referral result: this DC does not hold the base */
		err_set(err, A2R_ERR_SOURCE, "search %s: %s%s%s%s", a->rep->base,
		        ldap_err2string(rc), diag && *diag ? " (" : "", diag && *diag ? diag : "",
		        diag && *diag ? ")" : "");
		rc = -1;
		goto out;
	}
	pr = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, ctrls, NULL);
	if (pr == NULL || ldap_parse_pageresponse_control(ld, pr, &total, cookie) != LDAP_SUCCESS) {
		rc = err_set(err, A2R_ERR_SOURCE,
		             "search %s: the server answered without a valid paged results "
		             "control",
		             a->rep->base);
		goto out;
	}
	a->rep->pages++;
	a->c->stats.pages++;
	rc = 0;
out:
	ldap_controls_free(ctrls);
	ldap_memfree(diag);
	ldap_memfree(matched);
	return rc;
}

/* send_page - request the next page (COOKIE empty for the first) */
static int
send_page(struct attempt *a, struct berval *cookie, int *msgid, struct a2r_err *err)
{
	LDAP *ld = session_ldap(a->s);
	LDAPControl *ctrl = NULL, *ctrls[2] = {NULL, NULL};
	int rc;

	rc = ldap_create_page_control(ld, (ber_int_t)a->c->cfg->page_size, cookie, 1, &ctrl);
	if (rc != LDAP_SUCCESS)
		return session_ldap_error(a->s, rc, "create paging control", err);
	ctrls[0] = ctrl;
	rc = ldap_search_ext(ld, a->rep->base, LDAP_SCOPE_SUBTREE, a->filter, a->attrs, 0, ctrls,
	                     NULL, NULL, LDAP_NO_LIMIT, msgid);
	ldap_control_free(ctrl);
	/* the same on every DC: a configuration error, not a sick DC */
	if (rc == LDAP_FILTER_ERROR)
		return err_set(err, A2R_ERR_CONFIG,
		               "search filter %s: not a valid LDAP filter (check filter)",
		               a->filter);
	if (rc != LDAP_SUCCESS)
		return session_ldap_error(a->s, rc, "search", err);
	return 0;
}

/* page_progress - a page that changes nothing is a DC going round in
 * circles: no entry, and the cookie it was asked with back again; or page
 * after page without an entry.  (Samba hands out the same cookie for
 * every page of a search: a repeated cookie alone is no sign.  A new
 * entry on every page for ever is caught by the run's deadline.)  COOKIE
 * is the next page's cookie. */
static int
page_progress(struct attempt *a, const struct berval *cookie, struct a2r_err *err)
{
	a->empty_pages = a->page_entries == 0 ? a->empty_pages + 1 : 0;
	if (a->page_entries == 0 && cookie->bv_len > 0 && cookie->bv_len == a->prev.bv_len &&
	    memcmp(cookie->bv_val, a->prev.bv_val, cookie->bv_len) == 0)
		return err_set(err, A2R_ERR_SOURCE,
		               "search: page %lu was empty and came back with the cookie it was "
		               "asked with (no progress)",
		               a->rep->pages);
	if (cookie->bv_len > 0 && a->empty_pages >= MAX_EMPTY_PAGES)
		return err_set(err, A2R_ERR_SOURCE,
		               "search: %u pages in a row without an entry (no progress)",
		               a->empty_pages);
	return 0;
}

/* page_wait - the next message of the page (MSGID) into *MSG; its type,
 * or -1 with ERR filled */
static int
page_wait(struct attempt *a, int msgid, LDAPMessage **msg, struct a2r_err *err)
{
	struct timeval tv = {.tv_sec = a->c->cfg->timeout, .tv_usec = 0};
	int type, code = LDAP_TIMEOUT;

	/* A DC that stops answering mid-page: ldap_result times out (plain
	 * LDAP) or the watchdog shuts the socket (TLS, or the run is over). */
	errno = 0;
	type = ldap_result(session_ldap(a->s), msgid, LDAP_MSG_ONE, &tv, msg);
	if (type > 0)
		return type;
	if (type < 0 && errno == ERANGE && !session_timed_out(a->s))
		return err_set(err, A2R_ERR_SOURCE,
		               "search: the server sent a message longer than %u MiB (refused)",
		               SESSION_MAX_MESSAGE >> 20);
	if (type < 0) {
		/* a Notice of Disconnection leaves the server's result code */
		code = LDAP_SERVER_DOWN;
		ldap_get_option(session_ldap(a->s), LDAP_OPT_RESULT_CODE, &code);
		if (code == LDAP_SUCCESS)
			code = LDAP_SERVER_DOWN;
	}
	session_ldap_error(a->s, type == 0 ? LDAP_TIMEOUT : code, "search", err);
	if (type == 0 && !session_timed_out(a->s))
		err_set(err, A2R_ERR_SOURCE, "search: no answer within %ld s (timeout)",
		        a->c->cfg->timeout);
	return -1;
}

/* run_page - read one page's messages; 1 = more pages, 0 = done, -1 = fail.
 * COOKIE: the cookie to send (empty for the first page); on return the
 * next one. */
static int
run_page(struct attempt *a, struct berval *cookie, struct a2r_err *err)
{
	LDAPMessage *msg;
	int msgid, rc = -1, type;
	size_t left = a->page_expect; /* entries still to come, probably */

	/* checked per page, not per entry: a clock read is cheap, not free */
	if (session_run_timeout(a->c->cfg, &a->until, "search", err) < 0)
		return -1;
	session_arm(a->s);
	if (send_page(a, cookie, &msgid, err) < 0)
		goto out;
	/* the cookie sent is kept to compare with the next one */
	ber_memfree(a->prev.bv_val);
	a->prev = *cookie;
	cookie->bv_val = NULL;
	cookie->bv_len = 0;
	a->page_entries = 0;
	/* the page's data may gather in the socket (see session.h) */
	session_page(a->s, left);
	for (;;) {
		if ((type = page_wait(a, msgid, &msg, err)) < 0) {
			rc = -1;
			goto out;
		}
		if (type == LDAP_RES_SEARCH_ENTRY) {
			rc = take_entry(a, msg, err);
			left -= left > 0;
			a->page_entries++;
		} else if (type == LDAP_RES_SEARCH_REFERENCE) {
			a->rep->refs++;
			rc = 0;
		} else if (type == LDAP_RES_SEARCH_RESULT) {
			rc = page_done(a, msg, cookie, err);
			ldap_msgfree(msg);
			if (rc == 0)
				rc = page_progress(a, cookie, err);
			if (rc == 0)
				rc = cookie->bv_len > 0;
			/* a DC whose pages are shorter than asked for: expect that */
			if (rc > 0 && left > 0)
				a->page_expect -= left;
			goto out;
		} else {
			rc = err_set(err, A2R_ERR_SOURCE, "search: unexpected message type 0x%x",
			             type);
		}
		ldap_msgfree(msg);
		if (rc < 0)
			goto out;
		session_touch(a->s); /* the clock runs per message, not per page */
	}
out:
	session_disarm(a->s);
	return rc;
}

/* attempt_search - the complete paged search on one open session */
static int
attempt_search(struct attempt *a, struct a2r_err *err)
{
	struct berval cookie = {0, NULL};
	int rc;

	a->empty_pages = 0;
	while ((rc = run_page(a, &cookie, err)) > 0)
		;
	ber_memfree(cookie.bv_val);
	ber_memfree(a->prev.bv_val);
	a->prev.bv_val = NULL;
	a->prev.bv_len = 0;
	return rc;
}

/* one_dc - open URI and search it; fills REP on success */
static int
one_dc(const struct a2r_config *cfg, const char *uri, struct attempt *a, struct a2r_err *err)
{
	int rc;

	collect_reset(a->c);
	a->rep->pages = a->rep->entries = a->rep->refs = 0;
	a->page_expect = (size_t)cfg->page_size;
	if ((a->s = session_open(cfg, uri, &a->until, err)) == NULL)
		return -1;
	free(a->rep->base);
	if ((a->rep->base = strdup(session_base(a->s))) == NULL) {
		session_close(a->s);
		return err_nomem(err);
	}
	a->rep->tls = session_tls(a->s);
	rc = attempt_search(a, err);
	session_close(a->s);
	a->s = NULL;
	return rc;
}

int
search_export(const struct a2r_config *cfg, struct collect *c, struct search_report *rep,
              search_note_fn *note, void *note_ctx, struct a2r_err *err)
{
	struct attempt a = {.c = c, .rep = rep};
	struct strbuf why = {0};
	int rc = -1;

	memset(rep, 0, sizeof(*rep));
	if (cfg->uri.n == 0)
		return err_set(err, A2R_ERR_CONFIG,
		               "no directory to read: set uri (or use --from-ldif FILE)");
	if (session_prepare(cfg, &rep->principal, err) < 0)
		return -1;
	/* explain follows an address into entries the filter would drop */
	rep->filter = search_filter(cfg, c->watch != NULL);
	a.attrs = request_attrs(cfg, c->watch != NULL);
	if (rep->filter == NULL || a.attrs == NULL) {
		rc = err_nomem(err);
		goto out;
	}
	a.filter = rep->filter;
	/* run_timeout: from the first connect to the complete result, every
	 * DC, page and range request included */
	clock_gettime(CLOCK_MONOTONIC, &a.until);
	a.until.tv_sec += cfg->run_timeout;
	for (size_t i = 0; i < cfg->uri.n; i++) {
		if (one_dc(cfg, cfg->uri.v[i], &a, err) == 0) {
			rc = 0;
			if ((rep->uri = strdup(cfg->uri.v[i])) == NULL)
				rc = err_nomem(err);
			goto out;
		}
		err_prefix(err, "%s", cfg->uri.v[i]);
		if (note != NULL)
			note(note_ctx, err->msg);
		rep->failed_dcs++;
		/* Refused credentials and broken configuration are the same on
		 * every DC: trying the others would only lock the account out. */
		if (err->code == A2R_ERR_AUTH || err->code == A2R_ERR_CONFIG ||
		    err->code == A2R_ERR_INTERNAL)
			goto out;
		if (strbuf_addstr(&why, why.len ? "; " : "") < 0 ||
		    strbuf_addstr(&why, err->msg) < 0) {
			rc = err_nomem(err);
			goto out;
		}
		/* the run is over: the DCs left are not tried */
		if (i + 1 < cfg->uri.n && session_run_timeout(cfg, &a.until, "", err) < 0) {
			char more[96];

			snprintf(more, sizeof(more),
			         "; run_timeout (%ld s) reached, %zu more not tried",
			         cfg->run_timeout, cfg->uri.n - i - 1);
			if (strbuf_addstr(&why, more) < 0) {
				rc = err_nomem(err);
				goto out;
			}
			break;
		}
	}
	err_set(err, A2R_ERR_SOURCE, "no domain controller delivered a complete result: %s",
	        why.p ? why.p : "");
out:
	if (rc < 0)
		collect_reset(c); /* never hand on a partial set */
	if (a.attrs != NULL)
		free_attrs(a.attrs, cfg->attributes.n, cfg);
	free(a.pa);
	free(a.ea);
	free(a.vp);
	free(a.held);
	free(a.dn);
	strbuf_free(&why);
	return rc;
}

void
search_report_free(struct search_report *rep)
{
	free(rep->uri);
	free(rep->base);
	free(rep->filter);
	free(rep->principal);
	memset(rep, 0, sizeof(*rep));
}
