/* SPDX-License-Identifier: BSD-2-Clause */
/* export.c - pull a source into the collector; failover across DCs */
#include "autoconf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "export.h"
#include "ldif_source.h"
#include "search.h"

/* One source as the driver pulls it: entries one at a time (entry.h) and,
 * for the progress line, the pages read so far (NULL: a file has none). */
struct source {
	void *it;
	enum entry_state (*next)(void *it, struct a2r_entry *e, struct a2r_err *err);
	unsigned long (*pages)(const void *it);
};

static enum entry_state
ldif_next(void *it, struct a2r_entry *e, struct a2r_err *err)
{
	return ldif_source_next(it, e, err);
}

static enum entry_state
live_next(void *it, struct a2r_entry *e, struct a2r_err *err)
{
	return search_next(it, e, err);
}

static unsigned long
live_pages(const void *it)
{
	return search_stats(it)->pages;
}

/* note - one -v line, if anyone listens */
static void __attribute__((format(printf, 2, 3)))
note(const struct export_options *opt, const char *fmt, ...)
{
	char msg[2048]; /* as long as a line report.c writes */
	va_list ap;

	if (opt->note == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	opt->note(opt->note_ctx, msg);
}

/* in_objects - does E belong to the kinds OBJECTS (the objects key)?  1
 * yes, 0 no, -1 (ERR) when the LDIF record has no objectClass to tell */
static int
in_objects(const struct a2r_entry *e, unsigned objects, const char *path, struct a2r_err *err)
{
	int kinds;

	if (objects == CONF_OBJ_ALL)
		return 1;
	if ((kinds = collect_kinds(e)) < 0)
		return err_set(err, A2R_ERR_SOURCE,
		               "%s: %s has no objectClass, so objects cannot be applied to it "
		               "(export objectClass too, or set objects = all)",
		               path, e->dn);
	return (kinds & (int)objects) != 0;
}

/* export_nc_of - see export.h.  Escaped commas ("CN=Doe\, John")
 * separate nothing. */
const char *
export_nc_of(const char *dn)
{
	int start = 1;

	for (const char *p = dn; *p != '\0'; p++) {
		if (start) {
			const char *q = p + strspn(p, " ");

			if (strncasecmp(q, "DC=", 3) == 0)
				return q;
			start = 0;
		}
		if (*p == '\\' && p[1] != '\0')
			p++;
		else if (*p == ',')
			start = 1;
	}
	return "";
}

/* count_nc - one more entry from the naming context of DN (scope = forest);
 * the entries of one naming context mostly come one after the other */
static int
count_nc(struct export_report *rep, const char *dn, struct a2r_err *err)
{
	const char *nc = export_nc_of(dn);
	size_t i = rep->nc_last;

	if (i >= rep->nncs || strcasecmp(rep->ncs[i].dn, nc) != 0)
		for (i = 0; i < rep->nncs && strcasecmp(rep->ncs[i].dn, nc) != 0; i++)
			;
	if (i == rep->nncs && i == EXPORT_MAX_NCS) {
		rep->nc_other++;
		return 0;
	}
	if (i == rep->nncs) {
		if ((rep->ncs[i].dn = strdup(nc)) == NULL)
			return err_nomem(err);
		rep->ncs[i].entries = 0;
		rep->nncs++;
	}
	rep->ncs[i].entries++;
	rep->nc_last = i;
	return 0;
}

/* forget_ncs - the naming contexts counted so far (a DC failed) */
static void
forget_ncs(struct export_report *rep)
{
	for (size_t i = 0; i < rep->nncs; i++)
		free(rep->ncs[i].dn);
	rep->nncs = rep->nc_last = 0;
	rep->nc_other = 0;
}

/* drain_kinds - every entry of SRC (the file PATH, or NULL) that is one
 * of OBJECTS into C; 0 when the source is done.  NCS (scope = forest; or
 * NULL) counts the naming contexts of the entries. */
static int
drain_kinds(const struct source *src, unsigned objects, const char *path, struct collect *c,
            struct export_report *ncs, struct a2r_err *err)
{
	struct a2r_entry e;
	enum entry_state st;
	int in;

	while ((st = src->next(src->it, &e, err)) == ENTRY_NEXT) {
		if (src->pages != NULL)
			c->stats.pages = src->pages(src->it);
		if ((in = in_objects(&e, objects, path, err)) < 0)
			return -1;
		if (in && collect_entry(c, &e, err) < 0)
			return -1;
		if (ncs != NULL && count_nc(ncs, e.dn, err) < 0)
			return -1;
	}
	if (src->pages != NULL)
		c->stats.pages = src->pages(src->it);
	return st == ENTRY_DONE ? 0 : -1;
}

/* drain - every entry of SRC into C (the search's filter chose them) */
static int
drain(const struct source *src, struct collect *c, struct export_report *ncs, struct a2r_err *err)
{
	return drain_kinds(src, CONF_OBJ_ALL, NULL, c, ncs, err);
}

/* from_ldif - the entries of the LDIF file PATH that the objects key
 * selects (exclude_disabled is the collector's); a filter cannot be
 * evaluated on a file, and is refused rather than ignored */
static int
from_ldif(const struct a2r_config *cfg, const char *path, struct collect *c,
          struct export_report *rep, struct a2r_err *err)
{
	struct source src = {NULL, ldif_next, NULL};
	int rc;

	if (cfg->filter != NULL)
		return err_set(err, A2R_ERR_CONFIG,
		               "filter cannot be applied to an LDIF file (--from-ldif): export "
		               "with that filter instead, or leave filter unset for this run");
	if (cfg->relay_sources & CONF_RELAY_EXCHANGE)
		return err_set(err, A2R_ERR_CONFIG,
		               "relay_domains = exchange reads the accepted domains from the "
		               "directory, not from an LDIF file (--from-ldif): list the domains "
		               "for this run (--relay-domains)");
	if ((src.it = ldif_source_open(path, err)) == NULL)
		return -1;
	rc = drain_kinds(&src, cfg->objects, path, c, NULL, err);
	ldif_source_close(src.it);
	snprintf(rep->from, sizeof(rep->from), "%s", path);
	return rc;
}

/* other_pages - the pages of a source in place of the search */
static const struct export_live *other; /* the one being drained */

static unsigned long
other_pages(const void *it)
{
	return other->stats(it)->pages;
}

/* from_exchange - relay_domains = exchange: the listed domains and the
 * accepted domains of this DC, read over the search's own session */
static int
from_exchange(const struct a2r_config *live, struct session *s, struct collect *c,
              struct export_report *rep, struct a2r_err *err)
{
	/* a DC that failed before may have added its own: the listed ones */
	while (rep->relay.n > live->relay_domains.n)
		free(rep->relay.v[--rep->relay.n]);
	if (rep->relay.v != NULL)
		rep->relay.v[rep->relay.n] = NULL;
	accepted_free(&rep->exchange);
	return accepted_read(s, &rep->relay, &rep->exchange, c->warn, c->warn_ctx, err);
}

/* one_dc - the complete search on URI, from the beginning; fills REP */
static int
one_dc(const struct a2r_config *live, const struct search_query *q, const struct export_live *lv,
       const char *uri, struct collect *c, struct export_report *rep, struct a2r_err *err)
{
	struct source src = {NULL, live_next, live_pages};
	const struct search_stats *st;
	int rc = 0;

	/* paging cookies belong to one server: start again */
	collect_reset(c);
	forget_ncs(rep);
	if (lv != NULL) {
		other = lv;
		src.next = lv->next;
		src.pages = other_pages;
	}
	if ((src.it = lv ? lv->open(lv->ctx, uri, err) : search_open(q, uri, err)) == NULL)
		return -1;
	if (live->relay_sources & CONF_RELAY_EXCHANGE)
		rc = from_exchange(live, lv ? lv->session(src.it) : search_session(src.it), c, rep,
		                   err);
	if (rc == 0)
		rc = drain(&src, c, live->scope == CONF_SCOPE_FOREST ? rep : NULL, err);
	st = lv ? lv->stats(src.it) : search_stats(src.it);
	rep->pages = st->pages;
	rep->entries = st->entries;
	rep->refs = st->refs;
	rep->tls = st->tls;
	free(rep->base);
	if ((rep->base = strdup(st->base)) == NULL && rc == 0)
		rc = err_nomem(err);
	if (lv != NULL)
		lv->close(src.it);
	else
		search_close(src.it);
	return rc;
}

/* failover - the DCs of LIVE in order, until one delivers */
static int
failover(const struct a2r_config *live, const struct search_query *q,
         const struct export_options *opt, struct collect *c, struct export_report *rep,
         struct a2r_err *err)
{
	struct strbuf why = {0};
	int rc = -1, transport = 1; /* every DC wanted a stronger transport */
	size_t first = 0;

	/* the incremental source's DC first (its cookie is good there only) */
	for (size_t i = 0; opt->live && opt->live->first && i < live->uri.n; i++)
		if (strcmp(live->uri.v[i], opt->live->first) == 0)
			first = i;
	for (size_t n = 0; n < live->uri.n; n++) {
		/* FIRST, then the others in their order */
		size_t i = n == 0 ? first : n <= first ? n - 1 : n;

		if (one_dc(live, q, opt->live, live->uri.v[i], c, rep, err) == 0) {
			rc = (rep->uri = strdup(live->uri.v[i])) ? 0 : err_nomem(err);
			goto out;
		}
		err_prefix(err, "%s", live->uri.v[i]);
		note(opt, "%s", err->msg);
		rep->failed_dcs++;
		/* Refused credentials and broken configuration are the same on
		 * every DC: trying the others would only lock the account out. */
		if (err->code == A2R_ERR_AUTH || err->code == A2R_ERR_CONFIG ||
		    err->code == A2R_ERR_INTERNAL || err->code == A2R_ERR_WRITE)
			goto out;
		/* one that wants TLS or signing: the next URI may offer it */
		transport &= err->code == A2R_ERR_TRANSPORT;
		if (strbuf_addstr(&why, why.len ? "; " : "") < 0 ||
		    strbuf_addstr(&why, err->msg) < 0) {
			rc = err_nomem(err);
			goto out;
		}
		/* the run is over: the DCs left are not tried */
		if (n + 1 < live->uri.n && search_query_expired(q)) {
			char more[96];

			snprintf(more, sizeof(more),
			         "; run_timeout (%ld s) reached, %zu more not tried",
			         live->run_timeout, live->uri.n - n - 1);
			if (strbuf_addstr(&why, more) < 0) {
				rc = err_nomem(err);
				goto out;
			}
			break;
		}
	}
	/* with one DC, its own message; with several, each DC's reason */
	if (live->uri.n > 1 || !transport)
		err_set(err, transport ? A2R_ERR_TRANSPORT : A2R_ERR_SOURCE,
		        "no domain controller delivered a complete result: %s", why.p ? why.p : "");
out:
	strbuf_free(&why);
	return rc;
}

/* from_directory - discover the directory, then read it from a DC */
static int
from_directory(const struct a2r_config *cfg, const struct export_options *opt, struct collect *c,
               struct export_report *rep, struct a2r_err *err)
{
	const struct a2r_config *live;
	struct search_query *q;
	int rc = -1;

	if (discover_find(cfg, &rep->disc, err) < 0)
		return -1;
	live = discover_config(&rep->disc);
	note(opt, "domain: %s (%s); site: %s; DCs: %s; bind: %s", live->domain ? live->domain : "-",
	     rep->disc.domain[0] ? rep->disc.domain : "not needed",
	     rep->disc.site[0] ? rep->disc.site : "not needed (uri)", rep->disc.dcs,
	     rep->disc.bind);
	/* explain follows an address into entries the filter would drop */
	if ((q = search_query_new(
	         live, (opt->wide ? SEARCH_WIDE : 0) | (opt->describe ? SEARCH_DESCRIBE : 0),
	         err)) == NULL)
		return -1;
	if (opt->live != NULL && opt->live->prepare(opt->live->ctx, q, err) < 0)
		goto out;
	note(opt, "filter: %s", search_query_filter(q));
	if ((rep->filter = strdup(search_query_filter(q))) == NULL) {
		err_nomem(err);
		goto out;
	}
	if (live->uri.n == 0) {
		err_set(err, A2R_ERR_CONFIG,
		        "no directory to read: set uri (or use --from-ldif FILE)");
		goto out;
	}
	if (search_query_prepare(q, err) < 0)
		goto out;
	if (search_query_principal(q) != NULL &&
	    (rep->principal = strdup(search_query_principal(q))) == NULL) {
		err_nomem(err);
		goto out;
	}
	if ((rc = failover(live, q, opt, c, rep, err)) == 0)
		snprintf(rep->from, sizeof(rep->from),
		         "%s (base %s, %s, %lu page%s, %lu reference%s skipped)", rep->uri,
		         rep->base[0] ? rep->base : "\"\" (the forest)", rep->tls, rep->pages,
		         rep->pages == 1 ? "" : "s", rep->refs, rep->refs == 1 ? "" : "s");
	if (rc == 0 && rep->exchange.base != NULL)
		note(opt,
		     "relay_domains: %lu of %lu accepted domains of %s relayed (%lu external "
		     "relay, %lu outbound only, %lu unusable)",
		     rep->exchange.kept, rep->exchange.objects, rep->exchange.base,
		     rep->exchange.external, rep->exchange.outbound, rep->exchange.unusable);
out:
	if (rc < 0)
		collect_reset(c); /* never hand on a partial set */
	search_query_free(q);
	return rc;
}

/* listed_domains - REP->relay from the listed relay_domains, and the
 * collector pointed at it */
static int
listed_domains(const struct a2r_config *cfg, struct collect *c, struct export_report *rep,
               struct a2r_err *err)
{
	for (size_t i = 0; i < cfg->relay_domains.n; i++)
		if (strlist_add(&rep->relay, cfg->relay_domains.v[i], cfg->relay_domains.len[i]) <
		    0)
			return err_nomem(err);
	collect_relay(c, &rep->relay);
	return 0;
}

int
export_run(const struct a2r_config *cfg, const struct export_options *opt, struct collect *c,
           struct export_report *rep, struct a2r_err *err)
{
	memset(rep, 0, sizeof(*rep));
	if (listed_domains(cfg, c, rep, err) < 0)
		return -1;
	if (opt->ldif != NULL ? from_ldif(cfg, opt->ldif, c, rep, err) < 0
	                      : from_directory(cfg, opt, c, rep, err) < 0)
		return -1;
	if (collect_static(c, err) < 0)
		return -1;
	if (recipset_sort(c->set) < 0)
		return err_nomem(err);
	return 0;
}

void
export_report_free(struct export_report *rep)
{
	free(rep->uri);
	free(rep->base);
	free(rep->filter);
	free(rep->principal);
	discover_free(&rep->disc);
	strlist_free(&rep->relay);
	accepted_free(&rep->exchange);
	forget_ncs(rep);
	memset(rep, 0, sizeof(*rep));
}
