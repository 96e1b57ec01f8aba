/* SPDX-License-Identifier: BSD-2-Clause */
/* collect.c - entries to recipient set */
#include "autoconf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "collect.h"
#include "extract.h"
#include "policy.h"
#include "safefile.h"

#define UAC_ACCOUNTDISABLE 0x2

int
collect_init(struct collect *c, const struct a2r_config *cfg, collect_warn_fn *warn, void *warn_ctx,
             struct a2r_err *err)
{
	memset(c, 0, sizeof(*c));
	c->cfg = cfg;
	c->relay = &cfg->relay_domains;
	c->warn = warn;
	c->warn_ctx = warn_ctx;
	c->typed = calloc(cfg->attributes.n + 1, 1);
	if ((c->set = recipset_new()) == NULL || c->typed == NULL)
		return err_nomem(err);
	for (size_t i = 0; i < cfg->attributes.n; i++)
		c->typed[i] = (unsigned char)extract_is_typed(cfg->attributes.v[i]);
	return 0;
}

void
collect_relay(struct collect *c, const struct strlist *relay)
{
	c->relay = relay;
}

/* attr_is - is A the attribute NAME (LEN bytes)?  Options such as
 * ";range=0-1499" after the name are ignored. */
static int
attr_is(const struct a2r_attr *a, const char *name, size_t len)
{
	/* the first letter's case bit aside, a cheap test that mostly fails */
	return a->namelen >= len && len > 0 && ((a->name[0] ^ name[0]) & ~0x20) == 0 &&
	       strncasecmp(a->name, name, len) == 0 && (a->namelen == len || a->name[len] == ';');
}

/* find_attr - the (first) attribute NAME of E, or NULL */
static const struct a2r_attr *
find_attr(const struct a2r_entry *e, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < e->nattrs; i++)
		if (attr_is(&e->attrs[i], name, len))
			return &e->attrs[i];
	return NULL;
}

/* has_value - does attribute A hold VALUE (case-insensitively)? */
static int
has_value(const struct a2r_attr *a, const char *value)
{
	size_t len = strlen(value);

	for (size_t i = 0; a != NULL && a->vals != NULL && a->vals[i] != NULL; i++)
		if (a->vals[i]->bv_len == len && strncasecmp(a->vals[i]->bv_val, value, len) == 0)
			return 1;
	return 0;
}

/* kinds_of - the CONF_OBJ_* bits of the objectClass values OC */
static unsigned
kinds_of(const struct a2r_attr *oc)
{
	unsigned bits = 0;

	for (unsigned kind = 1; kind & CONF_OBJ_ALL; kind <<= 1)
		if (has_value(oc, conf_object_class(kind)))
			bits |= kind;
	return bits;
}

int
collect_kinds(const struct a2r_entry *e)
{
	const struct a2r_attr *oc = find_attr(e, "objectClass");
	unsigned bits;

	if (oc == NULL)
		return -1;
	bits = kinds_of(oc);
	/* as the search's filter: a computer is a user, never a recipient */
	if (has_value(oc, "computer"))
		bits &= ~CONF_OBJ_USERS;
	return (int)bits;
}

/* The classes of collect.h, for the metrics file and -v; the first five
 * are the kinds of the objects key, bit for bit. */
_Static_assert(1u << COLLECT_CLASS_USER == CONF_OBJ_USERS &&
                   1u << COLLECT_CLASS_GROUP == CONF_OBJ_GROUPS &&
                   1u << COLLECT_CLASS_CONTACT == CONF_OBJ_CONTACTS &&
                   1u << COLLECT_CLASS_PUBLICFOLDER == CONF_OBJ_PUBLICFOLDERS &&
                   1u << COLLECT_CLASS_DYNAMIC == CONF_OBJ_DYNAMIC &&
                   1u << COLLECT_CLASS_COMPUTER == CONF_OBJ_ALL + 1,
               "collect_class follows the CONF_OBJ_* bits");

/* The classes in -v text, one and many. */
static const char *const class_nouns[COLLECT_NCLASSES][2] = {
    [COLLECT_CLASS_USER] = {"user", "users"},
    [COLLECT_CLASS_GROUP] = {"group", "groups"},
    [COLLECT_CLASS_CONTACT] = {"contact", "contacts"},
    [COLLECT_CLASS_PUBLICFOLDER] = {"public folder", "public folders"},
    [COLLECT_CLASS_DYNAMIC] = {"dynamic list", "dynamic lists"},
    [COLLECT_CLASS_COMPUTER] = {"computer", "computers"},
    [COLLECT_CLASS_OTHER] = {"other entry", "other entries"},
};

const char *
collect_class_name(enum collect_class cls)
{
	if (cls == COLLECT_CLASS_COMPUTER)
		return "computer";
	if (cls < COLLECT_CLASS_COMPUTER)
		return conf_object_class(1u << cls);
	return "other";
}

const char *
collect_class_noun(enum collect_class cls, unsigned long n)
{
	if ((unsigned)cls >= COLLECT_NCLASSES)
		cls = COLLECT_CLASS_OTHER;
	return class_nouns[cls][n != 1];
}

/* entry_class - the class an entry with objectClass values OC (NULL: none
 * given) is counted under; OBJECTS is the objects key, whose kinds come
 * first when the entry is several */
static enum collect_class
entry_class(const struct a2r_attr *oc, unsigned objects)
{
	unsigned kinds;

	if (oc == NULL)
		return COLLECT_CLASS_OTHER;
	if (has_value(oc, "computer"))
		return COLLECT_CLASS_COMPUTER;
	if ((kinds = kinds_of(oc)) & objects)
		kinds &= objects;
	/* the rarest kind: the highest bit */
	for (int cls = COLLECT_CLASS_DYNAMIC; cls >= 0; cls--)
		if (kinds & (1u << cls))
			return (enum collect_class)cls;
	return COLLECT_CLASS_OTHER;
}

int
collect_disabled(const struct a2r_entry *e)
{
	const struct a2r_attr *a = find_attr(e, "userAccountControl");
	char tmp[24];
	long v;

	if (a == NULL || a->vals == NULL || a->vals[0] == NULL || a->vals[0]->bv_len == 0 ||
	    a->vals[0]->bv_len >= sizeof(tmp))
		return 0;
	memcpy(tmp, a->vals[0]->bv_val, a->vals[0]->bv_len);
	tmp[a->vals[0]->bv_len] = '\0';
	v = strtol(tmp, NULL, 10);
	return (v & UAC_ACCOUNTDISABLE) != 0;
}

/* count_other - count an ignored proxy address type by name */
static void
count_other(struct collect_stats *st, const char *type, size_t len)
{
	size_t i;

	st->other_total++;
	for (i = 0; i < st->nother; i++)
		if (strlen(st->other[i].type) == len &&
		    strncasecmp(st->other[i].type, type, len) == 0)
			break;
	if (i == st->nother) {
		if (st->nother == COLLECT_MAX_TYPES || len >= sizeof(st->other[0].type))
			return;
		st->nother++;
		for (size_t j = 0; j < len; j++)
			st->other[i].type[j] = (char)toupper((unsigned char)type[j]);
		st->other[i].type[len] = '\0';
	}
	st->other[i].n++;
}

/* warn_value - one warning: DN, attribute, value and reason */
static void
warn_value(struct collect *c, const char *dn, const char *attr, const struct berval *bv,
           const char *reason)
{
	struct strbuf *m = &c->msg;

	if (c->warn == NULL)
		return;
	m->len = 0;
	if (strbuf_addstr(m, dn) < 0 || strbuf_addstr(m, ": ") < 0 || strbuf_addstr(m, attr) < 0 ||
	    strbuf_addstr(m, " value \"") < 0 || escape_value(m, bv->bv_val, bv->bv_len) < 0 ||
	    strbuf_addstr(m, "\" rejected: ") < 0 || strbuf_addstr(m, reason) < 0)
		return;
	c->warn(c->warn_ctx, m->p);
}

void
collect_observe(struct collect *c, collect_observe_fn *fn, void *ctx)
{
	c->observe = fn;
	c->observe_ctx = ctx;
}

/* observe - tell the observer what became of one value of entry E (NULL:
 * a static line at WHERE); KEY is the folded address (c->fold), or NULL
 * when the value holds none */
static void
observe(struct collect *c, const struct a2r_entry *e, const char *where, const char *attr,
        const struct berval *bv, const struct strbuf *key, enum collect_outcome outcome,
        const char *why)
{
	struct collect_sighting s = {.where = e != NULL ? e->dn : where,
	                             .entry = e,
	                             .nth = e != NULL ? c->stats.entries : 0,
	                             .attr = attr,
	                             .value = bv,
	                             .outcome = outcome,
	                             .why = why};

	if (key != NULL) {
		s.key = key->p;
		s.keylen = key->len;
	}
	c->observe(c->observe_ctx, &s);
}

/* fold_candidate - policy-check and fold one value into c->fold; the
 * extract kind, or -1 (rejected: *V says why) */
static int
fold_candidate(struct collect *c, int typed, const struct berval *bv, enum policy_verdict *v,
               const char **addr, size_t *len)
{
	enum extract_kind k = extract_typed(typed, bv->bv_val, bv->bv_len, addr, len);

	*v = POLICY_OK;
	if (k != EXTRACT_ADDRESS)
		return (int)k;
	if ((*v = policy_check(*addr, *len)) != POLICY_OK)
		return -1;
	c->fold.len = 0;
	if (policy_fold(*addr, *len, &c->fold) < 0)
		return -2;
	return (int)EXTRACT_ADDRESS;
}

/* observe_skipped - every value of an excluded entry, for the observer */
static void
observe_skipped(struct collect *c, const struct a2r_entry *e, const char *why)
{
	const struct strlist *attrs = &c->cfg->attributes;

	for (size_t i = 0; i < attrs->n; i++) {
		const struct a2r_attr *a = find_attr(e, attrs->v[i]);

		for (size_t j = 0; a != NULL && a->vals != NULL && a->vals[j] != NULL; j++) {
			enum policy_verdict v;
			const char *addr;
			size_t len;
			int k = fold_candidate(c, c->typed[i], a->vals[j], &v, &addr, &len);

			observe(c, e, NULL, attrs->v[i], a->vals[j],
			        k == (int)EXTRACT_ADDRESS ? &c->fold : NULL, COLLECT_SKIPPED, why);
		}
	}
}

/* take_value - one value of an address attribute */
static int
take_value(struct collect *c, const struct a2r_entry *e, size_t ai, const struct berval *bv,
           struct a2r_err *err)
{
	const char *dn = e->dn, *attr = c->cfg->attributes.v[ai];
	struct collect_stats *st = &c->stats;
	enum policy_verdict v;
	const char *addr;
	size_t len;
	int k;

	k = fold_candidate(c, c->typed[ai], bv, &v, &addr, &len);
	if (k == (int)EXTRACT_OTHER) {
		count_other(st, addr, len);
		if (c->observe != NULL)
			observe(c, e, NULL, attr, bv, NULL, COLLECT_OTHER_TYPE,
			        "an address of another type (not mail)");
		return 0;
	}
	if (k == (int)EXTRACT_NOTYPE) {
		st->notype++;
		warn_value(c, dn, attr, bv, "no address type prefix (such as \"smtp:\")");
		if (c->observe != NULL)
			observe(c, e, NULL, attr, bv, NULL, COLLECT_NOTYPE,
			        "rejected: no address type prefix");
		return 0;
	}
	if (k == (int)EXTRACT_SPACED) {
		st->rejected_total++;
		st->spaced++;
		warn_value(c, dn, attr, bv, "white space in or before its address type");
		if (c->observe != NULL)
			observe(c, e, NULL, attr, bv, NULL, COLLECT_REJECTED,
			        "rejected: white space in or before its address type");
		return 0;
	}
	if (k == -2)
		return err_set(err, A2R_ERR_INTERNAL, "%s: case folding failed", dn);
	if (k < 0) {
		st->rejected_total++;
		st->policy[v]++;
		warn_value(c, dn, attr, bv, policy_reason(v));
		if (c->observe != NULL) {
			char why[160];

			snprintf(why, sizeof(why), "rejected: %s", policy_reason(v));
			observe(c, e, NULL, attr, bv, NULL, COLLECT_REJECTED, why);
		}
		return 0;
	}
	if (!conf_relay_match(c->cfg, c->relay, c->fold.p, c->fold.len)) {
		st->not_relay++;
		if (c->observe != NULL)
			observe(c, e, NULL, attr, bv, &c->fold, COLLECT_NOT_RELAY,
			        "its domain is not in relay_domains");
		return 0;
	}
	if (c->observe != NULL)
		observe(c, e, NULL, attr, bv, &c->fold, COLLECT_IN_MAP, "in the map");
	if (recipset_add(c->set, c->fold.p, c->fold.len, NULL) < 0)
		return err_nomem(err);
	return 0;
}

/* collect_entry - the addresses of one entry */
int
collect_entry(struct collect *c, const struct a2r_entry *e, struct a2r_err *err)
{
	const struct strlist *attrs = &c->cfg->attributes;
	enum collect_class cls = entry_class(find_attr(e, "objectClass"), c->cfg->objects);

	if (++c->stats.entries % COLLECT_PROGRESS_EVERY == 0 && c->progress != NULL)
		c->progress(c->progress_ctx, &c->stats);
	c->stats.classes[cls]++;
	/* Computers are user objects with mail-like attributes; never recipients. */
	if (cls == COLLECT_CLASS_COMPUTER) {
		c->stats.computers++;
		if (c->observe != NULL)
			observe_skipped(c, e, "a computer object (never exported)");
		return 0;
	}
	if (c->cfg->exclude_disabled && collect_disabled(e)) {
		c->stats.disabled++;
		if (c->observe != NULL)
			observe_skipped(c, e, "a disabled account, and exclude_disabled = yes");
		return 0;
	}
	if (c->origins)
		recipset_from(c->set, e->dn);
	/* An attribute may come in more than one piece (a server may return
	 * the same type twice): walk them all. */
	for (size_t i = 0; i < attrs->n; i++) {
		for (size_t k = 0; k < e->nattrs; k++) {
			const struct a2r_attr *a = &e->attrs[k];

			if (!attr_is(a, attrs->v[i], attrs->len[i]))
				continue;
			for (size_t j = 0; a->vals != NULL && a->vals[j] != NULL; j++)
				if (take_value(c, e, i, a->vals[j], err) < 0)
					return -1;
		}
	}
	return 0;
}

/* static_line - parse one "KEY [VALUE]" line of the static file */
static int
static_line(struct collect *c, char *line, const char *where, struct a2r_err *err)
{
	char *key = line, *value;
	size_t klen = strcspn(line, " \t");
	enum policy_verdict v = POLICY_OK;
	const char *why;

	value = key + klen;
	if (*value != '\0')
		*value++ = '\0';
	value += strspn(value, " \t");
	for (char *end = value + strlen(value); end > value && isspace((unsigned char)end[-1]);)
		*--end = '\0';
	/* "@domain" is a wildcard: allowed here, never from the directory. */
	if (key[0] == '@') {
		if (!policy_check_domain(key + 1, klen - 1))
			return err_set(err, A2R_ERR_CONFIG, "%s: \"%s\" is not @ and a domain",
			               where, key);
	} else if ((v = policy_check(key, klen)) != POLICY_OK) {
		return err_set(err, A2R_ERR_CONFIG, "%s: \"%s\" %s", where, key, policy_reason(v));
	}
	if ((why = policy_value_problem(value)) != NULL)
		return err_set(err, A2R_ERR_CONFIG, "%s: %s", where, why);
	c->fold.len = 0;
	if (policy_fold(key, klen, &c->fold) < 0)
		return err_set(err, A2R_ERR_INTERNAL, "%s: case folding failed", where);
	if (c->observe != NULL)
		observe(c, NULL, where, NULL, NULL, &c->fold, COLLECT_STATIC,
		        "in the map (static file)");
	if (c->origins)
		recipset_from(c->set, where);
	if (recipset_add(c->set, c->fold.p, c->fold.len, *value ? value : NULL) < 0)
		return err_nomem(err);
	c->stats.static_lines++;
	return 0;
}

/* collect_static - merge the static file after the directory's addresses */
int
collect_static(struct collect *c, struct a2r_err *err)
{
	const char *path = c->cfg->static_file;
	char *line = NULL, where[600];
	size_t cap = 0, lineno = 0;
	ssize_t n;
	struct stat st;
	FILE *fp;
	int fd, rc = -1;

	if (path == NULL)
		return 0;
	/* Its addresses are relayed: trusted like the config file. */
	if ((fd = safefile_open(path, "static file", SAFEFILE_TRUSTED, A2R_ERR_CONFIG, &st, err)) <
	    0)
		return -1;
	if ((fp = fdopen(fd, "r")) == NULL) {
		close(fd);
		return err_nomem(err);
	}
	while ((n = getline(&line, &cap, fp)) >= 0) {
		char *p;

		lineno++;
		snprintf(where, sizeof(where), "%s:%zu", path, lineno);
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (memchr(line, '\0', (size_t)n) != NULL) {
			err_set(err, A2R_ERR_CONFIG, "%s: NUL byte", where);
			goto out;
		}
		p = line + strspn(line, " \t");
		if (*p == '\0' || *p == '#')
			continue;
		if (p != line) {
			err_set(err, A2R_ERR_CONFIG, "%s: line starts with white space", where);
			goto out;
		}
		if (static_line(c, line, where, err) < 0)
			goto out;
	}
	if (ferror(fp)) {
		err_set(err, A2R_ERR_CONFIG, "read %s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(line);
	fclose(fp);
	return rc;
}

void
collect_reset(struct collect *c)
{
	recipset_reset(c->set);
	memset(&c->stats, 0, sizeof(c->stats));
	if (c->observe != NULL)
		observe(c, NULL, NULL, NULL, NULL, NULL, COLLECT_RESTART,
		        "the export starts again");
}

void
collect_free(struct collect *c)
{
	recipset_free(c->set);
	c->set = NULL;
	free(c->typed);
	c->typed = NULL;
	strbuf_free(&c->fold);
	strbuf_free(&c->msg);
}
