/* SPDX-License-Identifier: BSD-2-Clause */
/* migrate.c - each object and its addresses, for dump's migration formats */
#include "autoconf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "extract.h"
#include "migrate.h"

/* An object and the room its arrays have. */
struct obj {
	struct migrate_object o;
	size_t acap, rcap;
};

struct migrate {
	struct obj *obj;
	size_t nobj, capobj;
	unsigned long nth; /* the collector's number of the last object's entry */
	const struct migrate_address **by_key;
	size_t nby_key;
	int oom; /* out of memory while observing */
};

/* grow - array P (N elements of SIZE used, *CAP room) with room for one
 * more: P itself or its new place, or NULL (P is left as it was) */
static void *
grow(void *p, size_t n, size_t *cap, size_t size)
{
	size_t ncap = *cap ? 2 * *cap : 4;

	if (n < *cap)
		return p;
	if ((p = realloc(p, ncap * size)) != NULL)
		*cap = ncap;
	return p;
}

struct migrate *
migrate_new(void)
{
	return calloc(1, sizeof(struct migrate));
}

/* object_class - the objectClass name of E's kind, or NULL */
static const char *
object_class(const struct a2r_entry *e)
{
	int kinds = collect_kinds(e);

	for (unsigned kind = 1; kinds > 0 && (kind & CONF_OBJ_ALL); kind <<= 1)
		if ((unsigned)kinds & kind)
			return conf_object_class(kind);
	return NULL;
}

/* clear - forget every object (the export starts again) */
static void
clear(struct migrate *m)
{
	for (size_t i = 0; i < m->nobj; i++) {
		struct migrate_object *o = &m->obj[i].o;

		for (size_t j = 0; j < o->naddr; j++) {
			free(o->addr[j].key);
			free(o->addr[j].original);
		}
		for (size_t j = 0; j < o->nrej; j++) {
			free(o->rej[j].value.bv_val);
			free(o->rej[j].reason);
			free(o->rej[j].key);
		}
		free(o->addr);
		free(o->rej);
		free(o->dn);
	}
	m->nobj = 0;
	m->nth = 0;
	free(m->by_key);
	m->by_key = NULL;
	m->nby_key = 0;
}

/* current - the object the sighting S belongs to: a new one for a new
 * entry; NULL when out of memory */
static struct obj *
current(struct migrate *m, const struct collect_sighting *s)
{
	struct obj *b;

	if (m->nobj > 0 && m->nth == s->nth)
		return &m->obj[m->nobj - 1];
	if ((b = grow(m->obj, m->nobj, &m->capobj, sizeof(*m->obj))) == NULL)
		return NULL;
	m->obj = b;
	b = &m->obj[m->nobj];
	memset(b, 0, sizeof(*b));
	if ((b->o.dn = strdup(s->where)) == NULL)
		return NULL;
	b->o.object_class = object_class(s->entry);
	b->o.disabled = collect_disabled(s->entry);
	m->nth = s->nth;
	m->nobj++;
	return b;
}

/* kind_of - what the value S is: proxyAddresses' SMTP: is the primary,
 * mail is mail; anything else (targetAddress, where a contact's mail
 * goes, among them) an alias */
static enum migrate_kind
kind_of(const struct collect_sighting *s)
{
	if (strcasecmp(s->attr, "proxyAddresses") == 0 && s->value->bv_len >= 5 &&
	    memcmp(s->value->bv_val, "SMTP:", 5) == 0)
		return MIGRATE_PRIMARY;
	return strcasecmp(s->attr, "mail") == 0 ? MIGRATE_MAIL : MIGRATE_ALIAS;
}

/* add_address - the valid address S of object B */
static int
add_address(struct obj *b, const struct collect_sighting *s)
{
	struct migrate_object *o = &b->o;
	struct migrate_address *a;
	const char *addr;
	size_t len;

	if ((a = grow(o->addr, o->naddr, &b->acap, sizeof(*o->addr))) == NULL)
		return -1;
	o->addr = a;
	a = &o->addr[o->naddr];
	(void)extract_typed(extract_is_typed(s->attr), s->value->bv_val, s->value->bv_len, &addr,
	                    &len);
	a->kind = kind_of(s);
	a->in_map = s->outcome == COLLECT_IN_MAP;
	a->key = strndup(s->key, s->keylen);
	a->original = strndup(addr, len);
	if (a->key == NULL || a->original == NULL) {
		free(a->key);
		free(a->original);
		return -1;
	}
	o->naddr++;
	return 0;
}

/* add_rejected - the value S of object B that is not in the map */
static int
add_rejected(struct obj *b, const struct collect_sighting *s)
{
	static const char prefix[] = "rejected: ";
	struct migrate_object *o = &b->o;
	struct migrate_rejected *r;
	const char *why = s->why;

	if ((r = grow(o->rej, o->nrej, &b->rcap, sizeof(*o->rej))) == NULL)
		return -1;
	o->rej = r;
	r = &o->rej[o->nrej];
	memset(r, 0, sizeof(*r));
	if (strncmp(why, prefix, sizeof(prefix) - 1) == 0)
		why += sizeof(prefix) - 1;
	r->attr = s->attr;
	r->value.bv_len = s->value->bv_len;
	r->value.bv_val = malloc(s->value->bv_len + 1);
	r->reason = strdup(why);
	if (s->key != NULL)
		r->key = strndup(s->key, s->keylen);
	if (r->value.bv_val == NULL || r->reason == NULL || (s->key != NULL && r->key == NULL)) {
		free(r->value.bv_val);
		free(r->reason);
		free(r->key);
		return -1;
	}
	memcpy(r->value.bv_val, s->value->bv_val, s->value->bv_len);
	r->value.bv_val[s->value->bv_len] = '\0';
	o->nrej++;
	return 0;
}

void
migrate_observe(void *ctx, const struct collect_sighting *s)
{
	struct migrate *m = ctx;
	struct obj *b;
	int rc = 0;

	if (s->outcome == COLLECT_RESTART) {
		clear(m);
		m->oom = 0;
		return;
	}
	/* static lines are no object's; skipped entries are not exported */
	if (m->oom || s->entry == NULL || s->outcome == COLLECT_SKIPPED)
		return;
	if ((b = current(m, s)) == NULL) {
		m->oom = 1;
		return;
	}
	switch (s->outcome) {
	case COLLECT_IN_MAP:
		rc = add_address(b, s);
		break;
	case COLLECT_NOT_RELAY: /* may still be the primary (a contact's) */
		rc = add_address(b, s);
		if (rc == 0)
			rc = add_rejected(b, s);
		break;
	case COLLECT_REJECTED:
	case COLLECT_NOTYPE:
		rc = add_rejected(b, s);
		break;
	default: /* other address types: no mail address, nothing rejected */
		break;
	}
	if (rc < 0)
		m->oom = 1;
}

static int
by_dn(const void *a, const void *b)
{
	return strcmp(((const struct obj *)a)->o.dn, ((const struct obj *)b)->o.dn);
}

static int
by_key_kind(const void *a, const void *b)
{
	const struct migrate_address *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c != 0 ? c : (int)x->kind - (int)y->kind;
}

/* pick_primary - the key of O's primary address (see migrate.h), or NULL;
 * O's addresses are sorted by key and kind */
static const char *
pick_primary(struct migrate_object *o)
{
	const char *smtp = NULL, *mail = NULL;
	size_t nmail = 0;

	o->nprimary = 0;
	for (size_t i = 0; i < o->naddr; i++) {
		const struct migrate_address *a = &o->addr[i];
		int new_key = i == 0 || strcmp(a->key, o->addr[i - 1].key) != 0;

		/* within one key, SMTP: sorts first: one count per key */
		if (a->kind == MIGRATE_PRIMARY && new_key) {
			smtp = a->key;
			o->nprimary++;
		}
		if (a->kind == MIGRATE_MAIL && (mail == NULL || strcmp(mail, a->key) != 0)) {
			mail = a->key;
			nmail++;
		}
	}
	if (o->nprimary > 0)
		return o->nprimary == 1 ? smtp : NULL;
	return nmail == 1 ? mail : NULL;
}

/* drop_duplicates - one address per key (the kind of highest precedence) */
static void
drop_duplicates(struct migrate_object *o)
{
	size_t n = 0;

	for (size_t i = 0; i < o->naddr; i++) {
		if (n > 0 && strcmp(o->addr[i].key, o->addr[n - 1].key) == 0) {
			free(o->addr[i].key);
			free(o->addr[i].original);
			continue;
		}
		o->addr[n++] = o->addr[i];
	}
	o->naddr = n;
}

/* finish_object - sort O's addresses, choose its primary; the primary
 * outside relay_domains is no rejected value of it.  -1: out of memory */
static int
finish_object(struct migrate_object *o, size_t index)
{
	const char *pk;
	char *key = NULL;
	size_t n = 0;

	if (o->naddr > 1)
		qsort(o->addr, o->naddr, sizeof(*o->addr), by_key_kind);
	/* a copy: drop_duplicates may free the mail address PK points to */
	if ((pk = pick_primary(o)) != NULL && (key = strdup(pk)) == NULL)
		return -1;
	drop_duplicates(o);
	o->primary = NULL;
	for (size_t i = 0; i < o->naddr; i++) {
		o->addr[i].object = index;
		if (key != NULL && strcmp(o->addr[i].key, key) == 0)
			o->primary = &o->addr[i];
	}
	if (o->primary != NULL && !o->primary->in_map) {
		for (size_t i = 0; i < o->nrej; i++) {
			struct migrate_rejected *r = &o->rej[i];

			if (r->key != NULL && strcmp(r->key, key) == 0) {
				free(r->value.bv_val);
				free(r->reason);
				free(r->key);
				continue;
			}
			o->rej[n++] = *r;
		}
		o->nrej = n;
	}
	free(key);
	return 0;
}

static int
by_key_object(const void *a, const void *b)
{
	const struct migrate_address *x = *(const struct migrate_address *const *)a;
	const struct migrate_address *y = *(const struct migrate_address *const *)b;
	int c = strcmp(x->key, y->key);

	return c != 0 ? c : (x->object > y->object) - (x->object < y->object);
}

int
migrate_finish(struct migrate *m, struct a2r_err *err)
{
	size_t n = 0;

	if (m->oom)
		return err_nomem(err);
	if (m->nobj > 1)
		qsort(m->obj, m->nobj, sizeof(*m->obj), by_dn);
	for (size_t i = 0; i < m->nobj; i++) {
		if (finish_object(&m->obj[i].o, i) < 0)
			return err_nomem(err);
		for (size_t j = 0; j < m->obj[i].o.naddr; j++)
			n += m->obj[i].o.addr[j].in_map;
	}
	free(m->by_key);
	if ((m->by_key = calloc(n + 1, sizeof(*m->by_key))) == NULL)
		return err_nomem(err);
	m->nby_key = 0;
	for (size_t i = 0; i < m->nobj; i++)
		for (size_t j = 0; j < m->obj[i].o.naddr; j++)
			if (m->obj[i].o.addr[j].in_map)
				m->by_key[m->nby_key++] = &m->obj[i].o.addr[j];
	if (m->nby_key > 1)
		qsort(m->by_key, m->nby_key, sizeof(*m->by_key), by_key_object);
	return 0;
}

size_t
migrate_objects(const struct migrate *m)
{
	return m->nobj;
}

const struct migrate_object *
migrate_object(const struct migrate *m, size_t i)
{
	return i < m->nobj ? &m->obj[i].o : NULL;
}

const struct migrate_address *
migrate_by_key(const struct migrate *m, size_t i, size_t *n)
{
	if (n != NULL)
		*n = m->nby_key;
	return i < m->nby_key ? m->by_key[i] : NULL;
}

/* problem - compose one message for PROBLEM (if any); the count */
static size_t __attribute__((format(printf, 3, 4)))
problem(migrate_problem_fn *fn, void *ctx, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	if (fn == NULL)
		return 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fn(ctx, msg);
	return 1;
}

/* no_primary - the problem of object O (with addresses in the map) */
static size_t
no_primary(const struct migrate_object *o, migrate_problem_fn *fn, void *ctx)
{
	size_t n = 0;

	for (size_t i = 0; i < o->naddr; i++)
		n += o->addr[i].in_map;
	if (o->primary != NULL || n == 0)
		return 0;
	if (o->nprimary > 1)
		return problem(fn, ctx,
		               "virtual: %s: %zu primary (SMTP:) addresses: its %zu address%s left "
		               "out",
		               o->dn, o->nprimary, n, n == 1 ? "" : "es");
	return problem(fn, ctx,
	               "virtual: %s: no primary address (no SMTP: address, and not exactly one "
	               "mail address): its %zu address%s left out",
	               o->dn, n, n == 1 ? "" : "es");
}

/* shared - the problem of the key held by the N objects at BY[0..N) */
static size_t
shared(const struct migrate *m, const struct migrate_address *const *by, size_t n,
       migrate_problem_fn *fn, void *ctx)
{
	char dns[1800];
	size_t used = 0;

	if (fn == NULL)
		return 1;
	dns[0] = '\0';
	for (size_t i = 0; i < n && used < sizeof(dns); i++)
		used += (size_t)snprintf(dns + used, sizeof(dns) - used, "%s%s",
		                         i == 0       ? ""
		                         : i + 1 == n ? " and "
		                                      : "; ",
		                         m->obj[by[i]->object].o.dn);
	return problem(fn, ctx, "virtual: %s left out: held by %zu objects: %s", by[0]->key, n,
	               dns);
}

size_t
migrate_virtual(const struct migrate *m, migrate_line_fn *line, migrate_problem_fn *fn, void *ctx)
{
	size_t problems = 0, n;

	for (size_t i = 0; i < m->nobj; i++)
		problems += no_primary(&m->obj[i].o, fn, ctx);
	for (size_t i = 0; i < m->nby_key; i += n) {
		const struct migrate_address *a = m->by_key[i];
		const struct migrate_object *o = &m->obj[a->object].o;

		for (n = 1; i + n < m->nby_key && strcmp(m->by_key[i + n]->key, a->key) == 0; n++)
			;
		if (n > 1)
			problems += shared(m, &m->by_key[i], n, fn, ctx);
		else if (o->primary != NULL && o->primary != a && line != NULL)
			line(ctx, a->key, o->primary->original);
	}
	return problems;
}

void
migrate_free(struct migrate *m)
{
	if (m == NULL)
		return;
	clear(m);
	free(m->obj);
	free(m);
}
