/* SPDX-License-Identifier: BSD-2-Clause */
/* search.c - the entries of a paged search on one domain controller */
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

/* The users' filter leaves out computers, which are user objects too. */
#define USERS_FILTER "(&(objectClass=user)(!(objectClass=computer)))"

/* AD's LDAP_MATCHING_RULE_BIT_AND on ACCOUNTDISABLE (0x2).  An entry
 * without userAccountControl (group, contact) matches too, as in AD. */
#define NOT_DISABLED "(!(userAccountControl:1.2.840.113556.1.4.803:=2))"

/* Pages in a row without an entry (each with a new cookie) before the DC
 * counts as making no progress.  RFC 2696 lets a server return short
 * pages; no server we know returns several empty ones in a row. */
#define MAX_EMPTY_PAGES 10

struct search_query {
	const struct a2r_config *cfg;
	char *filter;
	char **attrs;
	char *wide_filter;     /* the filter before search_query_narrow(), or NULL */
	char *want;            /* search_query_want()'s attribute, or NULL */
	char *principal;       /* GSSAPI: who we logged in as */
	struct timespec until; /* end of the run (run_timeout), CLOCK_MONOTONIC */
};

/* Where a search stands between two calls of search_next(). */
enum search_state {
	SEARCH_ASK,    /* the next page is to be requested */
	SEARCH_READ,   /* the messages of the requested page are being read */
	SEARCH_DONE,   /* the last page is read */
	SEARCH_FAILED, /* an error ended the search */
};

struct search {
	const struct search_query *q;
	const struct a2r_config *cfg;
	struct session *s;
	int borrowed; /* S belongs to the caller (search_open_session()) */
	struct search_stats st;
	enum search_state state;
	/* the entry handed out: its message, attributes as read and as
	 * handed on, value pointers; released by the next call */
	LDAPMessage *msg;
	BerElement *ber;
	size_t nattrs;
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
	char *dn; /* the current entry's DN */
	size_t dn_cap;
	/* paging */
	int msgid;                  /* of the page being read */
	size_t page_expect;         /* entries a full page holds (for session_page) */
	size_t left;                /* entries of the current page still to come, probably */
	struct berval cookie;       /* the next page's cookie */
	struct berval prev;         /* the cookie sent with the current page */
	unsigned empty_pages;       /* pages in a row without an entry */
	unsigned long page_entries; /* entries of the current page */
};

/* search_filter - the filter for CFG in a new string (caller frees), or
 * NULL when out of memory */
static char *
search_filter(const struct a2r_config *cfg, int wide)
{
	struct strbuf f = {0};
	int ok = strbuf_addstr(&f, "(&(|") == 0;

	/* explain (wide) takes computers too, to say why they are left out */
	for (unsigned kind = 1; kind & CONF_OBJ_ALL; kind <<= 1) {
		if (!(cfg->objects & kind))
			continue;
		if (kind == CONF_OBJ_USERS && !wide)
			ok = ok && strbuf_addstr(&f, USERS_FILTER) == 0;
		else
			ok = ok && strbuf_addstr(&f, "(objectClass=") == 0 &&
			     strbuf_addstr(&f, conf_object_class(kind)) == 0 &&
			     strbuf_addc(&f, ')') == 0;
	}
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

/* request_attrs - the address attributes and objectClass (the counts by
 * object class); the filter already keeps out computers and (with
 * exclude_disabled) disabled accounts, so only a wide search (explain)
 * needs userAccountControl to say why, and a describing one (dump's
 * migration formats) to tell each object's state: MORE asks for it */
static char **
request_attrs(const struct a2r_config *cfg, int more)
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
	for (size_t i = 0; i < (more ? 2 : 1); i++)
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
read_attrs(struct search *sr, LDAP *ld, LDAPMessage *msg, BerElement *ber, size_t *nattrs,
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
			               sr->dn, ldap_err2string(rc));
		}
		if (name.bv_val == NULL)
			break;
		if (grow((void **)&sr->pa, &sr->pa_cap, n + 1, sizeof(*sr->pa)) < 0) {
			ber_memfree(vals);
			*nattrs = n;
			return err_nomem(err);
		}
		sr->pa[n].vals = vals;
		sr->pa[n].more = NULL;
		sr->pa[n].nmore = 0;
		sr->pa[n++].name = name; /* points into the message */
		vals = NULL;
	}
	*nattrs = n;
	return 0;
}

/* keep_values - remember V (to free after the entry) and append its values */
static int
keep_values(struct search *sr, size_t i, struct berval **v, struct a2r_err *err)
{
	size_t n = 0;
	struct berval **more;

	if (grow((void **)&sr->held, &sr->held_cap, sr->nheld + 1, sizeof(*sr->held)) < 0) {
		ldap_value_free_len(v);
		return err_nomem(err);
	}
	sr->held[sr->nheld++] = v;
	while (v[n] != NULL)
		n++;
	if ((more = realloc(sr->pa[i].more, (sr->pa[i].nmore + n) * sizeof(*more))) == NULL)
		return err_nomem(err);
	memcpy(more + sr->pa[i].nmore, v, n * sizeof(*more));
	sr->pa[i].more = more;
	sr->pa[i].nmore += n;
	return 0;
}

/* fetch_range - one range request: attribute NAME of DN from value LOW on;
 * *NEXT gets the next low value, or -1 when the server said "*" */
static int
fetch_range(struct search *sr, const char *dn, size_t i, size_t baselen, long low, long *next,
            struct a2r_err *err)
{
	LDAP *ld = session_ldap(sr->s);
	struct timeval tv = {.tv_sec = sr->cfg->timeout, .tv_usec = 0};
	long step = sr->cfg->range_size, rlow, rhigh;
	char want[300], what[320], hi[32], *attrs[2] = {want, NULL}, *name;
	LDAPMessage *res = NULL, *e;
	BerElement *ber = NULL;
	size_t blen;
	int rc, found = 0;

	snprintf(hi, sizeof(hi), step > 0 ? "%ld" : "*", low + step - 1);
	snprintf(want, sizeof(want), "%.*s;range=%ld-%s", (int)baselen, sr->pa[i].name.bv_val, low,
	         hi);
	snprintf(what, sizeof(what), "range retrieval of %s", want);
	/* a range that never ends: the run's deadline ends it */
	if (session_run_timeout(sr->cfg, &sr->q->until, what, err) < 0)
		return -1;
	session_arm(sr->s);
	rc = ldap_search_ext_s(ld, dn, LDAP_SCOPE_BASE, "(objectClass=*)", attrs, 0, NULL, NULL,
	                       &tv, 1, &res);
	if (rc != LDAP_SUCCESS || (e = ldap_first_entry(ld, res)) == NULL) {
		ldap_msgfree(res);
		return session_ldap_error(sr->s, rc ? rc : LDAP_NO_SUCH_OBJECT, what, err);
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
			rc = v ? keep_values(sr, i, v, err)
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
complete_ranges(struct search *sr, const char *dn, size_t nattrs, struct a2r_err *err)
{
	for (size_t i = 0; i < nattrs; i++) {
		const struct berval *nm = &sr->pa[i].name;
		size_t baselen;
		long low, high, next;
		int r = extract_parse_range(nm->bv_val, nm->bv_len, &baselen, &low, &high);

		if (r < 0)
			return err_set(err, A2R_ERR_SOURCE, "%s: malformed ranged attribute %.*s",
			               dn, (int)nm->bv_len, nm->bv_val);
		for (next = r == 1 && high >= 0 ? high + 1 : -1; next >= 0;) {
			long from = next;

			if (fetch_range(sr, dn, i, baselen, from, &next, err) < 0)
				return -1;
			if (next >= 0 && next <= from)
				return err_set(err, A2R_ERR_SOURCE,
				               "%s: range retrieval of %.*s does not advance", dn,
				               (int)baselen, nm->bv_val);
		}
		if (r == 1)
			sr->pa[i].name.bv_len = baselen; /* the values are complete now */
	}
	return 0;
}

/* build_entry - point E's attributes at the values read by read_attrs */
static int
build_entry(struct search *sr, struct a2r_entry *e, size_t nattrs, struct a2r_err *err)
{
	size_t total = nattrs, k = 0;

	for (size_t i = 0; i < nattrs; i++) {
		for (size_t j = 0; sr->pa[i].vals != NULL && sr->pa[i].vals[j].bv_val != NULL; j++)
			total++;
		total += sr->pa[i].nmore;
	}
	if (grow((void **)&sr->ea, &sr->ea_cap, nattrs, sizeof(*sr->ea)) < 0 ||
	    grow((void **)&sr->vp, &sr->vp_cap, total, sizeof(*sr->vp)) < 0)
		return err_nomem(err);
	for (size_t i = 0; i < nattrs; i++) {
		const struct berval *nm = &sr->pa[i].name;

		sr->ea[i].name = nm->bv_val;
		sr->ea[i].namelen = nm->bv_len;
		sr->ea[i].vals = &sr->vp[k];
		for (size_t j = 0; sr->pa[i].vals != NULL && sr->pa[i].vals[j].bv_val != NULL; j++)
			sr->vp[k++] = &sr->pa[i].vals[j];
		for (size_t j = 0; j < sr->pa[i].nmore; j++)
			sr->vp[k++] = sr->pa[i].more[j];
		sr->vp[k++] = NULL;
	}
	e->attrs = sr->ea;
	e->nattrs = nattrs;
	return 0;
}

/* release_entry - free the entry handed out last, if any */
static void
release_entry(struct search *sr)
{
	for (size_t i = 0; i < sr->nattrs; i++) {
		ber_memfree(sr->pa[i].vals);
		free(sr->pa[i].more);
	}
	sr->nattrs = 0;
	for (size_t i = 0; i < sr->nheld; i++)
		ldap_value_free_len(sr->held[i]);
	sr->nheld = 0;
	ber_free(sr->ber, 0);
	sr->ber = NULL;
	ldap_msgfree(sr->msg);
	sr->msg = NULL;
}

/* take_entry - make MSG the entry E handed out (MSG is ours from now on;
 * attribute names point into it) */
static int
take_entry(struct search *sr, LDAPMessage *msg, struct a2r_entry *e, struct a2r_err *err)
{
	LDAP *ld = session_ldap(sr->s);
	struct berval dn;
	int rc;

	sr->msg = msg;
	if (ldap_get_dn_ber(ld, msg, &sr->ber, &dn) != LDAP_SUCCESS)
		return session_ldap_error(sr->s, LDAP_DECODING_ERROR, "read entry", err);
	/* the DN as a string, in a buffer kept from entry to entry */
	if (grow((void **)&sr->dn, &sr->dn_cap, dn.bv_len + 1, 1) < 0)
		return err_nomem(err);
	memcpy(sr->dn, dn.bv_val, dn.bv_len);
	sr->dn[dn.bv_len] = '\0';
	e->dn = sr->dn;
	rc = read_attrs(sr, ld, msg, sr->ber, &sr->nattrs, err);
	if (rc == 0)
		rc = complete_ranges(sr, sr->dn, sr->nattrs, err);
	if (rc == 0)
		rc = build_entry(sr, e, sr->nattrs, err);
	sr->st.entries += rc == 0;
	return rc;
}

/* page_done - check the result of one page; *COOKIE gets the next cookie */
static int
page_done(struct search *sr, LDAPMessage *msg, struct berval *cookie, struct a2r_err *err)
{
	LDAP *ld = session_ldap(sr->s);
	LDAPControl **ctrls = NULL, *pr;
	char *diag = NULL, *matched = NULL;
	ber_int_t total;
	int rc, prc;

	prc = ldap_parse_result(ld, msg, &rc, &matched, &diag, NULL, &ctrls, 0);
	if (prc != LDAP_SUCCESS) {
		rc = session_ldap_error(sr->s, prc, "search result", err);
		goto out;
	}
	if (rc != LDAP_SUCCESS) {
		/* a referral result: this DC does not hold the base */
		err_set(err, A2R_ERR_SOURCE, "search %s: %s%s%s%s", sr->st.base,
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
		             sr->st.base);
		goto out;
	}
	sr->st.pages++;
	rc = 0;
out:
	ldap_controls_free(ctrls);
	ldap_memfree(diag);
	ldap_memfree(matched);
	return rc;
}

/* send_page - request the next page (COOKIE empty for the first) */
static int
send_page(struct search *sr, struct berval *cookie, int *msgid, struct a2r_err *err)
{
	LDAP *ld = session_ldap(sr->s);
	LDAPControl *ctrl = NULL, *ctrls[2] = {NULL, NULL};
	int rc;

	rc = ldap_create_page_control(ld, (ber_int_t)sr->cfg->page_size, cookie, 1, &ctrl);
	if (rc != LDAP_SUCCESS)
		return session_ldap_error(sr->s, rc, "create paging control", err);
	ctrls[0] = ctrl;
	rc = ldap_search_ext(ld, sr->st.base, LDAP_SCOPE_SUBTREE, sr->q->filter, sr->q->attrs, 0,
	                     ctrls, NULL, NULL, LDAP_NO_LIMIT, msgid);
	ldap_control_free(ctrl);
	/* the same on every DC: a configuration error, not a sick DC */
	if (rc == LDAP_FILTER_ERROR)
		return err_set(err, A2R_ERR_CONFIG,
		               "search filter %s: not a valid LDAP filter (check filter)",
		               sr->q->filter);
	if (rc != LDAP_SUCCESS)
		return session_ldap_error(sr->s, rc, "search", err);
	return 0;
}

/* page_progress - a page that changes nothing is a DC going round in
 * circles: no entry, and the cookie it was asked with back again; or page
 * after page without an entry.  (Samba hands out the same cookie for
 * every page of a search: a repeated cookie alone is no sign.  A new
 * entry on every page for ever is caught by the run's deadline.)  COOKIE
 * is the next page's cookie. */
static int
page_progress(struct search *sr, const struct berval *cookie, struct a2r_err *err)
{
	sr->empty_pages = sr->page_entries == 0 ? sr->empty_pages + 1 : 0;
	if (sr->page_entries == 0 && cookie->bv_len > 0 && cookie->bv_len == sr->prev.bv_len &&
	    memcmp(cookie->bv_val, sr->prev.bv_val, cookie->bv_len) == 0)
		return err_set(err, A2R_ERR_SOURCE,
		               "search: page %lu was empty and came back with the cookie it was "
		               "asked with (no progress)",
		               sr->st.pages);
	if (cookie->bv_len > 0 && sr->empty_pages >= MAX_EMPTY_PAGES)
		return err_set(err, A2R_ERR_SOURCE,
		               "search: %u pages in a row without an entry (no progress)",
		               sr->empty_pages);
	return 0;
}

/* page_wait - the next message of the page being read into *MSG; its type,
 * or -1 with ERR filled */
static int
page_wait(struct search *sr, LDAPMessage **msg, struct a2r_err *err)
{
	struct timeval tv = {.tv_sec = sr->cfg->timeout, .tv_usec = 0};
	int type, code = LDAP_TIMEOUT;

	/* A DC that stops answering mid-page: ldap_result times out (plain
	 * LDAP) or the watchdog shuts the socket (TLS, or the run is over). */
	errno = 0;
	type = ldap_result(session_ldap(sr->s), sr->msgid, LDAP_MSG_ONE, &tv, msg);
	if (type > 0)
		return type;
	if (type < 0 && errno == ERANGE && !session_timed_out(sr->s))
		return err_set(err, A2R_ERR_SOURCE,
		               "search: the server sent a message longer than %u MiB (refused)",
		               SESSION_MAX_MESSAGE >> 20);
	if (type < 0) {
		/* a Notice of Disconnection leaves the server's result code */
		code = LDAP_SERVER_DOWN;
		ldap_get_option(session_ldap(sr->s), LDAP_OPT_RESULT_CODE, &code);
		if (code == LDAP_SUCCESS)
			code = LDAP_SERVER_DOWN;
	}
	session_ldap_error(sr->s, type == 0 ? LDAP_TIMEOUT : code, "search", err);
	if (type == 0 && !session_timed_out(sr->s))
		err_set(err, A2R_ERR_SOURCE, "search: no answer within %ld s (timeout)",
		        sr->cfg->timeout);
	return -1;
}

/* ask_page - request the next page (the first: with an empty cookie) */
static int
ask_page(struct search *sr, struct a2r_err *err)
{
	/* checked per page, not per entry: a clock read is cheap, not free */
	if (session_run_timeout(sr->cfg, &sr->q->until, "search", err) < 0)
		return -1;
	session_arm(sr->s);
	if (send_page(sr, &sr->cookie, &sr->msgid, err) < 0)
		return -1;
	/* the cookie sent is kept to compare with the next one */
	ber_memfree(sr->prev.bv_val);
	sr->prev = sr->cookie;
	sr->cookie.bv_val = NULL;
	sr->cookie.bv_len = 0;
	sr->page_entries = 0;
	sr->left = sr->page_expect;
	/* the page's data may gather in the socket (see session.h) */
	session_page(sr->s, sr->left);
	sr->state = SEARCH_READ;
	return 0;
}

/* end_page - the result of the page being read (MSG, freed here) */
static int
end_page(struct search *sr, LDAPMessage *msg, struct a2r_err *err)
{
	int rc = page_done(sr, msg, &sr->cookie, err);

	ldap_msgfree(msg);
	if (rc == 0)
		rc = page_progress(sr, &sr->cookie, err);
	if (rc < 0)
		return -1;
	session_disarm(sr->s);
	if (sr->cookie.bv_len == 0) {
		sr->state = SEARCH_DONE;
		return 0;
	}
	/* a DC whose pages are shorter than asked for: expect that */
	sr->page_expect -= sr->left;
	sr->state = SEARCH_ASK;
	return 0;
}

/* read_message - the next message of the page being read: 1 when it was
 * an entry (E filled), 0 when it was something else, -1 on failure */
static int
read_message(struct search *sr, struct a2r_entry *e, struct a2r_err *err)
{
	LDAPMessage *msg;
	int type = page_wait(sr, &msg, err);

	if (type < 0)
		return -1;
	if (type == LDAP_RES_SEARCH_ENTRY) {
		sr->left -= sr->left > 0;
		sr->page_entries++;
		return take_entry(sr, msg, e, err) < 0 ? -1 : 1;
	}
	if (type == LDAP_RES_SEARCH_RESULT)
		return end_page(sr, msg, err);
	ldap_msgfree(msg);
	if (type != LDAP_RES_SEARCH_REFERENCE)
		return err_set(err, A2R_ERR_SOURCE, "search: unexpected message type 0x%x", type);
	sr->st.refs++;
	session_touch(sr->s);
	return 0;
}

enum entry_state
search_next(struct search *sr, struct a2r_entry *e, struct a2r_err *err)
{
	int rc = 0;

	/* the previous entry is used up: the clock runs per message, not per
	 * page (the caller's time with the entry counts too) */
	if (sr->msg != NULL) {
		release_entry(sr);
		session_touch(sr->s);
	}
	while (rc == 0 && (sr->state == SEARCH_ASK || sr->state == SEARCH_READ))
		rc = sr->state == SEARCH_ASK ? ask_page(sr, err) : read_message(sr, e, err);
	if (rc > 0)
		return ENTRY_NEXT;
	if (rc == 0 && sr->state == SEARCH_DONE)
		return ENTRY_DONE;
	if (sr->state != SEARCH_FAILED) {
		release_entry(sr);
		session_disarm(sr->s);
		sr->state = SEARCH_FAILED;
	} else {
		err_set(err, A2R_ERR_INTERNAL, "search: read after a failure");
	}
	return ENTRY_FAIL;
}

struct search_query *
search_query_new(const struct a2r_config *cfg, unsigned flags, struct a2r_err *err)
{
	struct search_query *q = calloc(1, sizeof(*q));

	if (q == NULL) {
		err_nomem(err);
		return NULL;
	}
	q->cfg = cfg;
	q->filter = search_filter(cfg, (flags & SEARCH_WIDE) != 0);
	q->attrs = request_attrs(cfg, flags != 0);
	if (q->filter == NULL || q->attrs == NULL) {
		search_query_free(q);
		err_nomem(err);
		return NULL;
	}
	return q;
}

const char *
search_query_filter(const struct search_query *q)
{
	return q->filter;
}

int
search_query_prepare(struct search_query *q, struct a2r_err *err)
{
	if (session_prepare(q->cfg, &q->principal, err) < 0)
		return -1;
	/* run_timeout: from the first connect to the complete result, every
	 * DC, page and range request included */
	clock_gettime(CLOCK_MONOTONIC, &q->until);
	q->until.tv_sec += q->cfg->run_timeout;
	return 0;
}

const char *
search_query_principal(const struct search_query *q)
{
	return q->principal;
}

int
search_query_expired(const struct search_query *q)
{
	struct a2r_err scratch = {0};

	return session_run_timeout(q->cfg, &q->until, "", &scratch) < 0;
}

void
search_query_free(struct search_query *q)
{
	if (q == NULL)
		return;
	if (q->attrs != NULL)
		free_attrs(q->attrs, q->cfg->attributes.n, q->cfg);
	free(q->filter);
	free(q->wide_filter);
	free(q->want);
	free(q->principal);
	free(q);
}

/* search_new - a search of Q over S (NULL: not yet connected), or NULL
 * when out of memory */
static struct search *
search_new(const struct search_query *q, struct session *s, struct a2r_err *err)
{
	struct search *sr = calloc(1, sizeof(*sr));

	if (sr == NULL) {
		err_nomem(err);
		return NULL;
	}
	sr->q = q;
	sr->cfg = q->cfg;
	sr->page_expect = (size_t)q->cfg->page_size;
	sr->state = SEARCH_ASK;
	if ((sr->s = s) != NULL) {
		sr->st.base = session_base(s);
		sr->st.tls = session_tls(s);
	}
	return sr;
}

struct search *
search_open(const struct search_query *q, const char *uri, struct a2r_err *err)
{
	struct session *s = session_open(q->cfg, uri, &q->until, err);
	struct search *sr;

	if (s == NULL)
		return NULL;
	if ((sr = search_new(q, s, err)) == NULL)
		session_close(s);
	return sr;
}

struct session *
search_session(struct search *sr)
{
	return sr->s;
}

const struct search_stats *
search_stats(const struct search *sr)
{
	return &sr->st;
}

void
search_close(struct search *sr)
{
	if (sr == NULL)
		return;
	release_entry(sr);
	if (sr->state == SEARCH_READ)
		session_disarm(sr->s);
	if (!sr->borrowed)
		session_close(sr->s);
	ber_memfree(sr->cookie.bv_val);
	ber_memfree(sr->prev.bv_val);
	free(sr->pa);
	free(sr->ea);
	free(sr->vp);
	free(sr->held);
	free(sr->dn);
	free(sr);
}

/* The incremental source (dirsync.h) reads objects on its own session,
 * by objectGUID: one more attribute, a narrowed filter, a borrowed
 * session.  */

int
search_query_want(struct search_query *q, const char *attr, struct a2r_err *err)
{
	size_t n = 0;

	/* the list has room for two more names (request_attrs()) */
	while (q->attrs[n] != NULL)
		n++;
	if (q->want != NULL || n >= q->cfg->attributes.n + 2)
		return err_set(err, A2R_ERR_INTERNAL, "search: no room for attribute %s", attr);
	if ((q->want = strdup(attr)) == NULL)
		return err_nomem(err);
	q->attrs[n] = q->want;
	return 0;
}

int
search_query_narrow(struct search_query *q, const char *extra, struct a2r_err *err)
{
	char *f = NULL;

	if (q->wide_filter == NULL) {
		q->wide_filter = q->filter;
		q->filter = NULL;
	}
	if (extra != NULL && asprintf(&f, "(&%s%s)", q->wide_filter, extra) < 0)
		return err_nomem(err);
	free(q->filter);
	q->filter = f;
	if (extra == NULL) {
		q->filter = q->wide_filter;
		q->wide_filter = NULL;
	}
	return 0;
}

const struct a2r_config *
search_query_config(const struct search_query *q)
{
	return q->cfg;
}

const struct timespec *
search_query_until(const struct search_query *q)
{
	return &q->until;
}

struct search *
search_open_session(const struct search_query *q, struct session *s, struct a2r_err *err)
{
	struct search *sr = search_new(q, s, err);

	if (sr != NULL)
		sr->borrowed = 1;
	return sr;
}
