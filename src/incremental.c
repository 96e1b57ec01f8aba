/* SPDX-License-Identifier: BSD-2-Clause */
/* incremental.c - a sync that reads only what changed (DirSync + state) */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dirsync.h"
#include "incremental.h"
#include "search.h"
#include "session.h"
#include "state.h"
#include "util.h"

/* GUIDs read again per search (an OR of objectGUID equalities) */
#define GUIDS_PER_SEARCH 100

/* A change set larger than this share of the state's objects (and than
 * CHANGES_MIN) is read with a full sync: cheaper than so many lookups. */
#define CHANGES_SHARE 10
#define CHANGES_MIN   1000

/* What one object gives the map. */
struct contrib {
	unsigned char guid[STATE_GUID_LEN];
	char *dn;
	struct strbuf keys; /* NUL-terminated keys one after the other */
	size_t nkeys;
};

struct incremental {
	const struct a2r_config *cfg;
	int dry_run;
	struct search_query *q;
	char *filter; /* the search's own filter, for the shape */
	char *path;   /* of the state file */
	struct state_reader *old;
	struct state_head head;
	int old_used;
	char why[700]; /* why the old state is not used */
	struct collect *c;
	struct export_live live;
	struct dc_run *cur; /* the attempt being drained */
	struct state_writer *done;
	char note[800];
	char warn[800];
	char mode[900];
	int test; /* INCREMENTAL_FULL */
	time_t now;
};

/* One attempt on one DC. */
struct dc_run {
	struct incremental *inc;
	struct session *s;
	struct search *sr;
	struct search_stats st, acc; /* ST: ACC plus the open search's */
	int full, nostate, oom, have;
	int quiet; /* no DirSync request: nothing committed since the state's USN */
	struct dirsync_dc dc;
	struct state_head head;
	struct dirsync_changes ch;
	size_t next; /* first GUID of the next search */
	unsigned char *seen;
	struct state_writer *w;
	struct contrib cur;
	struct contrib *found;
	size_t nfound, capfound;
	struct strbuf filter;
};

/* observe - a value of the entry handed out last went into the map */
static void
observe(void *ctx, const struct collect_sighting *s)
{
	struct incremental *inc = ctx;
	struct dc_run *d = inc->cur;
	const char *k;

	if (d == NULL || !d->have || s->outcome != COLLECT_IN_MAP)
		return;
	k = d->cur.keys.p;
	for (size_t i = 0; i < d->cur.nkeys; k += strlen(k) + 1, i++)
		if (strcmp(k, s->key) == 0)
			return;
	if (strbuf_add(&d->cur.keys, s->key, s->keylen + 1) < 0)
		d->oom = 1;
	else
		d->cur.nkeys++;
}

static void
contrib_free(struct contrib *c)
{
	free(c->dn);
	strbuf_free(&c->keys);
	memset(c, 0, sizeof(*c));
}

/* as_obj - C as a state record */
static struct state_obj
as_obj(const struct contrib *c)
{
	struct state_obj o = {
	    .dn = c->dn, .keys = c->keys.p, .keyslen = c->keys.len, .nkeys = c->nkeys};

	memcpy(o.guid, c->guid, STATE_GUID_LEN);
	return o;
}

/* ---------------------------------------------------------------- deciding */

/* old_state_fits - may the old state go on on D's DC?  If not, why */
static int
old_state_fits(struct incremental *inc, struct dc_run *d, const char *shape)
{
	const struct state_head *h = &inc->head;

	if (inc->old == NULL)
		return 0;
	if (inc->old_used)
		snprintf(inc->why, sizeof(inc->why), "the state was taken up by an earlier DC");
	else if (strcmp(h->shape, shape) != 0)
		snprintf(inc->why, sizeof(inc->why),
		         "the settings that shape the map changed since the state was written");
	else if (strcmp(h->dc, d->dc.dc) != 0 || strcmp(h->invocation, d->dc.invocation) != 0)
		snprintf(inc->why, sizeof(inc->why),
		         "the state's cookie belongs to another DC (%s)", h->uri);
	else if (h->full > inc->now + 300)
		snprintf(inc->why, sizeof(inc->why),
		         "the state's last full sync is dated %lld s in the future",
		         (long long)(h->full - inc->now));
	else if (inc->now - h->full >= inc->cfg->full_sync_interval)
		snprintf(inc->why, sizeof(inc->why),
		         "the last full sync was %lld s ago (full_sync_interval %ld s)",
		         (long long)(inc->now - h->full), inc->cfg->full_sync_interval);
	else
		return 1;
	return 0;
}

size_t
incremental_change_limit(size_t nobjs)
{
	size_t max = nobjs / CHANGES_SHARE;

	return max < CHANGES_MIN ? CHANGES_MIN : max;
}

/* changes - ask D's DC what changed since the old state's cookie: 1 go on
 * incrementally, 0 a full sync instead (INC->why), -1 failure */
static int
changes(struct incremental *inc, struct dc_run *d, struct a2r_err *err)
{
	const struct timespec *until = search_query_until(inc->q);
	size_t max = incremental_change_limit(state_objects(inc->old));
	struct a2r_err derr = {0};
	int rc;

	d->head.cookie.bv_val = malloc(inc->head.cookie.bv_len);
	if (d->head.cookie.bv_val == NULL)
		return err_nomem(err);
	memcpy(d->head.cookie.bv_val, inc->head.cookie.bv_val, inc->head.cookie.bv_len);
	d->head.cookie.bv_len = inc->head.cookie.bv_len;
	d->head.deletions = inc->head.deletions;
	/* the DC has committed nothing since the USN read before the request
	 * that gave the cookie: DirSync has nothing to say (on Samba it still
	 * costs the DC a walk of the naming context).  Without the
	 * invocationId a restored DC is not told, and its USNs repeat. */
	if (inc->head.usn != NULL && d->dc.usn != NULL && strcmp(d->dc.invocation, "-") != 0 &&
	    strcmp(inc->head.usn, d->dc.usn) == 0) {
		d->quiet = 1;
		return 1;
	}
	rc = dirsync_changes(d->s, inc->cfg, until, d->dc.nc, d->head.deletions, &d->head.cookie,
	                     max, &d->ch, &derr);
	if (rc == 1)
		snprintf(inc->why, sizeof(inc->why), "more than %zu objects changed", max);
	if (rc < 0 && derr.code == A2R_ERR_INTERNAL)
		return err_nomem(err);
	if (rc < 0)
		snprintf(inc->why, sizeof(inc->why), "DirSync with the state's cookie: %.600s",
		         derr.msg);
	if (rc != 0)
		return 0;
	/* a container renamed, moved or new may have taken a subtree into
	 * or out of a base below the naming context: its objects are not
	 * reported */
	if (d->ch.nmoved > 0 && strcasecmp(session_base(d->s), d->dc.nc) != 0) {
		rc = dirsync_containers(d->s, inc->cfg, until, d->dc.nc,
		                        (const unsigned char(*)[STATE_GUID_LEN])d->ch.moved,
		                        d->ch.nmoved, err);
		if (rc < 0)
			return -1;
		if (rc > 0) {
			snprintf(inc->why, sizeof(inc->why),
			         "a container was renamed, moved or added below %s", d->dc.nc);
			return 0;
		}
	}
	return 1;
}

/* new_head - the head of D's new state (the cookie is filled in already) */
static int
new_head(struct incremental *inc, struct dc_run *d, const char *uri, char *shape, long long full,
         struct a2r_err *err)
{
	struct state_head *h = &d->head;

	h->shape = shape;
	h->full = full;
	if ((h->dc = strdup(d->dc.dc)) == NULL ||
	    (h->invocation = strdup(d->dc.invocation)) == NULL || (h->uri = strdup(uri)) == NULL ||
	    (d->dc.usn != NULL && (h->usn = strdup(d->dc.usn)) == NULL))
		return err_nomem(err);
	if (inc->dry_run || d->nostate)
		return 0;
	if ((d->w = state_writer_new(inc->path, err)) == NULL)
		return -1;
	return state_write_head(d->w, h, err);
}

/* next_search - read the next GUIDS_PER_SEARCH changed objects again */
static int
next_search(struct incremental *inc, struct dc_run *d, struct a2r_err *err)
{
	size_t n = d->ch.n - d->next;

	if (n > GUIDS_PER_SEARCH)
		n = GUIDS_PER_SEARCH;
	d->filter.len = 0;
	if (dirsync_guid_filter(
	        &d->filter, (const unsigned char(*)[STATE_GUID_LEN])d->ch.guid + d->next, n) < 0)
		return err_nomem(err);
	d->next += n;
	if (search_query_narrow(inc->q, d->filter.p, err) < 0)
		return -1;
	return (d->sr = search_open_session(inc->q, d->s, err)) ? 0 : -1;
}

/* decide - an incremental run on D's DC, or a full one; set it up */
static int
decide(struct incremental *inc, struct dc_run *d, const char *uri, struct a2r_err *err)
{
	const struct timespec *until = search_query_until(inc->q);
	char *shape = state_shape(inc->cfg, inc->filter, session_base(d->s));
	struct a2r_err derr = {0};
	int rc = 0;

	if (shape == NULL)
		return err_nomem(err);
	if (old_state_fits(inc, d, shape)) {
		inc->old_used = 1;
		if ((rc = changes(inc, d, err)) < 0) {
			free(shape);
			return -1;
		}
	}
	if (rc == 1) {
		if (new_head(inc, d, uri, shape, inc->head.full, err) < 0)
			return -1;
		if ((d->seen = calloc(d->ch.n + 1, 1)) == NULL)
			return err_nomem(err);
		return d->ch.n > 0 ? next_search(inc, d, err) : 0;
	}
	/* a full sync: first the cookie for now, then the objects */
	d->full = 1;
	dirsync_changes_free(&d->ch);
	free(d->head.cookie.bv_val);
	d->head.cookie.bv_val = NULL;
	d->head.cookie.bv_len = 0;
	if (dirsync_cookie(d->s, inc->cfg, until, d->dc.nc, &d->head.deletions, &d->head.cookie,
	                   &derr) < 0) {
		if (derr.code == A2R_ERR_INTERNAL) {
			free(shape);
			return err_nomem(err);
		}
		d->nostate = 1;
		snprintf(inc->warn, sizeof(inc->warn),
		         "incremental: %.200s refuses DirSync (%.500s): a full sync every run", uri,
		         derr.msg);
		snprintf(inc->mode, sizeof(inc->mode), "not possible: DirSync refused (%.700s)",
		         derr.msg);
	} else if (d->head.deletions) {
		snprintf(inc->mode, sizeof(inc->mode),
		         "yes, deletions seen (the account may replicate directory changes)");
	} else {
		snprintf(inc->mode, sizeof(inc->mode),
		         "yes, without deletions (no right Replicating Directory Changes: a "
		         "deleted object stays in the map until the next full sync)");
	}
	if (new_head(inc, d, uri, shape, (long long)inc->now, err) < 0)
		return -1;
	if (search_query_narrow(inc->q, NULL, err) < 0)
		return -1;
	return (d->sr = search_open_session(inc->q, d->s, err)) ? 0 : -1;
}

/* no_dirsync - a DC that is no AD DC (ERR says why): the plain full
 * search, and no state */
static int
no_dirsync(struct incremental *inc, struct dc_run *d, const char *uri, struct a2r_err *err)
{
	d->full = d->nostate = 1;
	snprintf(inc->warn, sizeof(inc->warn), "incremental: %.200s: %.500s: a full sync every run",
	         uri, err->msg);
	snprintf(inc->mode, sizeof(inc->mode), "not possible: %.700s", err->msg);
	snprintf(inc->why, sizeof(inc->why), "no DirSync");
	if (search_query_narrow(inc->q, NULL, err) < 0)
		return -1;
	return (d->sr = search_open_session(inc->q, d->s, err)) ? 0 : -1;
}

/* ---------------------------------------------------------------- the source */

static void run_close(void *it);

/* run_session - the session of a DC's run, for the accepted domains */
static struct session *
run_session(void *it)
{
	return ((struct dc_run *)it)->s;
}

static void *
run_open(void *ctx, const char *uri, struct a2r_err *err)
{
	struct incremental *inc = ctx;
	struct dc_run *d = calloc(1, sizeof(*d));
	int rc;

	if (d == NULL) {
		err_nomem(err);
		return NULL;
	}
	d->inc = inc;
	inc->cur = d;
	if ((d->s = session_open(inc->cfg, uri, search_query_until(inc->q), err)) == NULL ||
	    (rc = dirsync_dc(d->s, inc->cfg, search_query_until(inc->q), &d->dc, err)) < 0 ||
	    (rc == 0 ? decide(inc, d, uri, err) : no_dirsync(inc, d, uri, err)) < 0) {
		run_close(d);
		return NULL;
	}
	d->acc.base = d->st.base = session_base(d->s);
	d->acc.tls = d->st.tls = session_tls(d->s);
	return d;
}

/* entry_guid - the objectGUID of E into GUID; 0 or -1 */
static int
entry_guid(const struct a2r_entry *e, unsigned char *guid, struct a2r_err *err)
{
	for (size_t i = 0; i < e->nattrs; i++) {
		const struct a2r_attr *a = &e->attrs[i];

		if (a->namelen != 10 || strncasecmp(a->name, "objectGUID", 10) != 0)
			continue;
		if (a->vals == NULL || a->vals[0] == NULL || a->vals[1] != NULL ||
		    a->vals[0]->bv_len != STATE_GUID_LEN)
			break;
		memcpy(guid, a->vals[0]->bv_val, STATE_GUID_LEN);
		return 0;
	}
	return err_set(err, A2R_ERR_SOURCE, "%s: no objectGUID of 16 bytes", e->dn);
}

/* end_entry - what the entry handed out last gave: into the new state
 * (full sync), or kept until the old state is merged (incremental) */
static int
end_entry(struct dc_run *d, struct a2r_err *err)
{
	struct state_obj o;

	d->have = 0;
	if (d->oom)
		return err_nomem(err);
	if (d->full) {
		o = as_obj(&d->cur);
		if (d->w != NULL && state_write_obj(d->w, &o, err) < 0)
			return -1;
		free(d->cur.dn);
		d->cur.dn = NULL;
		d->cur.keys.len = 0;
		d->cur.nkeys = 0;
		return 0;
	}
	if (d->nfound == d->capfound) {
		size_t ncap = d->capfound ? 2 * d->capfound : 32;
		struct contrib *p = realloc(d->found, ncap * sizeof(*p));

		if (p == NULL)
			return err_nomem(err);
		d->found = p;
		d->capfound = ncap;
	}
	d->found[d->nfound++] = d->cur;
	memset(&d->cur, 0, sizeof(d->cur));
	return 0;
}

static int
cmp_guid(const void *a, const void *b)
{
	return memcmp(a, b, STATE_GUID_LEN);
}

/* begin_entry - E is handed out: note whose addresses follow */
static int
begin_entry(struct dc_run *d, const struct a2r_entry *e, struct a2r_err *err)
{
	/* without DirSync no state is kept, and a DC without it (slapd)
	 * need not have objectGUIDs */
	if (!d->nostate && entry_guid(e, d->cur.guid, err) < 0)
		return -1;
	if (!d->full) {
		const unsigned char(*g)[STATE_GUID_LEN] =
		    d->ch.n == 0
		        ? NULL
		        : bsearch(d->cur.guid, d->ch.guid, d->ch.n, STATE_GUID_LEN, cmp_guid);

		if (g == NULL || d->seen[g - d->ch.guid]++)
			return err_set(
			    err, A2R_ERR_SOURCE,
			    "%s: an object read by objectGUID that was not asked for, or "
			    "twice",
			    e->dn);
	}
	if ((d->cur.dn = strdup(e->dn)) == NULL)
		return err_nomem(err);
	d->have = 1;
	return 0;
}

/* merge - the old state's objects that did not change into the set and
 * the new state, then the changed ones found again */
static int
merge(struct dc_run *d, struct a2r_err *err)
{
	struct incremental *inc = d->inc;
	struct state_obj o;
	int rc;

	while ((rc = state_next(inc->old, &o, err)) == 1) {
		const char *k = o.keys;

		if (dirsync_changed(&d->ch, o.guid))
			continue;
		/* the audit trail names the object's DN as the state holds it */
		if (inc->c->origins)
			recipset_from(inc->c->set, o.dn);
		for (size_t i = 0; i < o.nkeys; k += strlen(k) + 1, i++)
			if (recipset_add(inc->c->set, k, strlen(k), NULL) < 0)
				return err_nomem(err);
		/* O.dn is gone with the next record */
		recipset_from(inc->c->set, NULL);
		if (d->w != NULL && state_write_obj(d->w, &o, err) < 0)
			return -1;
	}
	if (rc < 0)
		return -1;
	for (size_t i = 0; i < d->nfound; i++) {
		o = as_obj(&d->found[i]);
		if (d->w != NULL && state_write_obj(d->w, &o, err) < 0)
			return -1;
	}
	return 0;
}

/* finish - the source is done: complete the new state */
static int
finish(struct dc_run *d, struct a2r_err *err)
{
	struct incremental *inc = d->inc;

	if (!d->full && merge(d, err) < 0)
		return -1;
	if (d->w != NULL && state_writer_finish(d->w, err) < 0)
		return -1;
	inc->done = d->w;
	d->w = NULL;
	if (d->full)
		snprintf(inc->note, sizeof(inc->note), "full sync (%s)%s",
		         inc->why[0] ? inc->why : "no state", d->nostate ? "; no state kept" : "");
	else if (d->quiet)
		snprintf(inc->note, sizeof(inc->note),
		         "incremental: nothing committed since USN %s, no DirSync request",
		         d->dc.usn);
	else
		snprintf(inc->note, sizeof(inc->note),
		         "incremental: %zu object%s changed since the last run, %zu found again%s",
		         d->ch.n, d->ch.n == 1 ? "" : "s", d->nfound,
		         d->head.deletions ? ""
		                           : " (deletions are not reported without the right "
		                             "Replicating Directory Changes: they wait for the "
		                             "next full sync)");
	return 0;
}

/* add_stats - the finished search's counts into D->acc */
static void
add_stats(struct dc_run *d)
{
	const struct search_stats *s = search_stats(d->sr);

	d->acc.pages += s->pages;
	d->acc.entries += s->entries;
	d->acc.refs += s->refs;
}

static enum entry_state
run_next(void *it, struct a2r_entry *e, struct a2r_err *err)
{
	struct dc_run *d = it;
	enum entry_state st;

	if (d->have && end_entry(d, err) < 0)
		return ENTRY_FAIL;
	for (;;) {
		if (d->sr == NULL)
			return finish(d, err) < 0 ? ENTRY_FAIL : ENTRY_DONE;
		st = search_next(d->sr, e, err);
		if (st == ENTRY_NEXT)
			return begin_entry(d, e, err) < 0 ? ENTRY_FAIL : ENTRY_NEXT;
		if (st == ENTRY_FAIL)
			return ENTRY_FAIL;
		add_stats(d);
		search_close(d->sr);
		d->sr = NULL;
		if (!d->full && d->next < d->ch.n && next_search(d->inc, d, err) < 0)
			return ENTRY_FAIL;
	}
}

static const struct search_stats *
run_stats(const void *it)
{
	struct dc_run *d = (struct dc_run *)it;

	d->st = d->acc;
	if (d->sr != NULL) {
		const struct search_stats *s = search_stats(d->sr);

		d->st.pages += s->pages;
		d->st.entries += s->entries;
		d->st.refs += s->refs;
	}
	if (d->st.base == NULL)
		d->st.base = "";
	if (d->st.tls == NULL)
		d->st.tls = "";
	return &d->st;
}

static void
run_close(void *it)
{
	struct dc_run *d = it;

	if (d->inc->cur == d)
		d->inc->cur = NULL;
	search_close(d->sr);
	session_close(d->s);
	dirsync_dc_free(&d->dc);
	state_head_free(&d->head);
	dirsync_changes_free(&d->ch);
	state_writer_free(d->w);
	contrib_free(&d->cur);
	for (size_t i = 0; i < d->nfound; i++)
		contrib_free(&d->found[i]);
	free(d->found);
	free(d->seen);
	strbuf_free(&d->filter);
	free(d);
}

static int
run_prepare(void *ctx, struct search_query *q, struct a2r_err *err)
{
	struct incremental *inc = ctx;

	inc->q = q;
	/* with what discovery found (discover.h): URIs, bind, TLS */
	inc->cfg = search_query_config(q);
	if ((inc->filter = strdup(search_query_filter(q))) == NULL)
		return err_nomem(err);
	return search_query_want(q, "objectGUID", err);
}

/* ---------------------------------------------------------------- the run */

struct incremental *
incremental_new(const struct a2r_config *cfg, unsigned flags, struct a2r_err *err)
{
	struct incremental *inc = calloc(1, sizeof(*inc));

	if (inc == NULL || (inc->path = state_path(cfg)) == NULL) {
		free(inc);
		err_nomem(err);
		return NULL;
	}
	inc->cfg = cfg;
	inc->dry_run = (flags & INCREMENTAL_DRY_RUN) != 0;
	inc->now = time(NULL);
	inc->test = (flags & INCREMENTAL_FULL) != 0;
	if (inc->test)
		snprintf(inc->why, sizeof(inc->why), "asked for");
	else if (state_open(inc->path, &inc->old, &inc->head, inc->why, sizeof(inc->why), err) <
	         0) {
		incremental_free(inc);
		return NULL;
	}
	inc->live = (struct export_live){inc,
	                                 run_prepare,
	                                 run_open,
	                                 run_next,
	                                 run_stats,
	                                 run_close,
	                                 inc->old ? inc->head.uri : NULL,
	                                 run_session};
	return inc;
}

void
incremental_hook(struct incremental *inc, struct export_options *opt, struct collect *c)
{
	inc->c = c;
	opt->live = &inc->live;
	collect_observe(c, observe, inc);
}

const char *
incremental_note(const struct incremental *inc)
{
	return inc->note;
}

const char *
incremental_mode(const struct incremental *inc)
{
	return inc->mode;
}

const char *
incremental_warning(const struct incremental *inc)
{
	/* test says it in its own words */
	return inc->warn[0] && !inc->test ? inc->warn : NULL;
}

int
incremental_commit(struct incremental *inc, struct a2r_err *err)
{
	int rc = 0;

	if (inc->done != NULL) {
		rc = state_writer_commit(inc->done, err);
		state_writer_free(inc->done);
		inc->done = NULL;
	}
	return rc;
}

void
incremental_free(struct incremental *inc)
{
	if (inc == NULL)
		return;
	state_writer_free(inc->done);
	state_close(inc->old);
	state_head_free(&inc->head);
	free(inc->filter);
	free(inc->path);
	free(inc);
}
