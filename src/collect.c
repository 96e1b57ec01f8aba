/* collect.c - entries to recipient set */
#include "autoconf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "collect.h"
#include "extract.h"

#define UAC_ACCOUNTDISABLE 0x2

int
collect_init(struct collect *c, const struct a2r_config *cfg, collect_warn_fn *warn,
	     void *warn_ctx, struct a2r_err *err)
{
	memset(c, 0, sizeof(*c));
	c->cfg = cfg;
	c->warn = warn;
	c->warn_ctx = warn_ctx;
	if ((c->set = recipset_new()) == NULL)
		return err_nomem(err);
	return 0;
}

/* find_attr - the attribute NAME of E, or NULL.  Options such as
 * ";range=0-1499" after the name are ignored. */
static const struct a2r_attr *
find_attr(const struct a2r_entry *e, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < e->nattrs; i++) {
		const char *a = e->attrs[i].name;

		if (strncasecmp(a, name, len) == 0 && (a[len] == '\0' || a[len] == ';'))
			return &e->attrs[i];
	}
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

/* is_disabled - userAccountControl has ACCOUNTDISABLE set */
static int
is_disabled(const struct a2r_entry *e)
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

/* take_value - one value of an address attribute */
static int
take_value(struct collect *c, const char *dn, const char *attr, const struct berval *bv,
	   struct a2r_err *err)
{
	struct collect_stats *st = &c->stats;
	const char *addr;
	size_t len;
	enum policy_verdict v;

	st->values++;
	switch (extract_value(attr, bv->bv_val, bv->bv_len, &addr, &len)) {
	case EXTRACT_OTHER:
		count_other(st, addr, len);
		return 0;
	case EXTRACT_NOTYPE:
		st->notype++;
		warn_value(c, dn, attr, bv, "no address type prefix (such as \"smtp:\")");
		return 0;
	case EXTRACT_ADDRESS:
		break;
	}
	if ((v = policy_check(addr, len)) != POLICY_OK) {
		st->rejected[v]++;
		st->rejected_total++;
		warn_value(c, dn, attr, bv, policy_reason(v));
		return 0;
	}
	c->fold.len = 0;
	if (policy_fold(addr, len, &c->fold) < 0)
		return err_set(err, A2R_ERR_INTERNAL, "%s: case folding failed", dn);
	if (!policy_domain_match(&c->cfg->relay_domains, c->fold.p, c->fold.len)) {
		st->not_relay++;
		return 0;
	}
	st->accepted++;
	if (recipset_add(c->set, c->fold.p, c->fold.len, NULL) < 0)
		return err_nomem(err);
	return 0;
}

/* collect_entry - the addresses of one entry */
int
collect_entry(struct collect *c, const struct a2r_entry *e, struct a2r_err *err)
{
	const struct strlist *attrs = &c->cfg->attributes;

	c->stats.entries++;
	/* Computers are user objects with mail-like attributes; never recipients. */
	if (has_value(find_attr(e, "objectClass"), "computer")) {
		c->stats.computers++;
		return 0;
	}
	if (c->cfg->exclude_disabled && is_disabled(e)) {
		c->stats.disabled++;
		return 0;
	}
	/* An attribute may come in more than one piece (a server may return
	 * the same type twice): walk them all. */
	for (size_t i = 0; i < attrs->n; i++) {
		size_t len = strlen(attrs->v[i]);

		for (size_t k = 0; k < e->nattrs; k++) {
			const struct a2r_attr *a = &e->attrs[k];

			if (strncasecmp(a->name, attrs->v[i], len) != 0 ||
			    (a->name[len] != '\0' && a->name[len] != ';'))
				continue;
			for (size_t j = 0; a->vals != NULL && a->vals[j] != NULL; j++)
				if (take_value(c, e->dn, attrs->v[i], a->vals[j], err) < 0)
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
	for (const char *p = value; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return err_set(err, A2R_ERR_CONFIG, "%s: control character in value",
				       where);
	if (!utf8_valid((const unsigned char *)value, strlen(value)))
		return err_set(err, A2R_ERR_CONFIG, "%s: value is not valid UTF-8", where);
	c->fold.len = 0;
	if (policy_fold(key, klen, &c->fold) < 0)
		return err_set(err, A2R_ERR_INTERNAL, "%s: case folding failed", where);
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
	FILE *fp;
	int rc = -1;

	if (path == NULL)
		return 0;
	if ((fp = fopen(path, "r")) == NULL)
		return err_set(err, A2R_ERR_CONFIG, "static file %s: %s", path, strerror(errno));
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
}

void
collect_free(struct collect *c)
{
	recipset_free(c->set);
	c->set = NULL;
	strbuf_free(&c->fold);
	strbuf_free(&c->msg);
}
