/* SPDX-License-Identifier: BSD-2-Clause */
/* pfdomains.c - Postfix's own relay_domains, matched as smtpd matches it */
#include "autoconf.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "mapread.h"
#include "pfdomains.h"
#include "policy.h"
#include "postfix.h"

#define OUTPUT_MAX (64u << 20) /* bytes of what postconf or postmap -s prints */
#define DEPTH_MAX  16          /* files in files */
#define DELIMS     " ,\t\r\n"  /* Postfix's match_list separators */

/* The table types whose keys can be listed: postmap -s, or cdb read here
 * (Postfix's cdb cannot sequence). */
static const char *const listable[] = {"hash",     "btree",  "lmdb", "dbm", "sdbm",
                                       "texthash", "inline", "cdb",  NULL};

struct parse {
	int parent;
	pfdomains_table_fn *table;
	void *ctx;
	struct strlist *out;
	unsigned long *skipped;
	struct strbuf fold;
};

/* next_word - Postfix's mystrtokq(): skip separators, then a word up to
 * the next separator outside braces ("inline:{a=b, c=d}" is one word);
 * NUL-terminates it in place */
static char *
next_word(char **bp)
{
	char *s = *bp + strspn(*bp, DELIMS), *p;
	int level = 0;

	if (*s == '\0')
		return NULL;
	for (p = s; *p != '\0'; p++) {
		if (*p == '{')
			level++;
		else if (*p == '}' && level > 0)
			level--;
		else if (level == 0 && strchr(DELIMS, *p) != NULL)
			break;
	}
	*bp = p + (*p != '\0');
	*p = '\0';
	return s;
}

/* add - one entry, "!" in front when MATCH is 0 */
static int
add(struct parse *ps, int match, const char *d, size_t len, struct a2r_err *err)
{
	struct strbuf e = {0};
	int rc = 0;

	if ((!match && strbuf_addc(&e, '!') < 0) || strbuf_add(&e, d, len) < 0 ||
	    strlist_add(ps->out, e.p, e.len) < 0)
		rc = err_nomem(err);
	strbuf_free(&e);
	return rc;
}

/* pattern - a host name pattern: entries as match_hostname() reads it */
static int
pattern(struct parse *ps, int match, const char *pat, struct a2r_err *err)
{
	const char *d;
	size_t len, dot;

	ps->fold.len = 0;
	if (policy_fold(pat, strlen(pat), &ps->fold) < 0)
		return err_set(err, A2R_ERR_INTERNAL, "case folding failed");
	d = ps->fold.p;
	len = ps->fold.len;
	dot = d[0] == '.';
	/* no address ad2relay exports has such a domain; and under
	 * parent matching ".example.com" matches no name at all */
	if (!utf8_valid((const unsigned char *)d, len) ||
	    !policy_check_domain(d + dot, len - dot) || (ps->parent && dot)) {
		(*ps->skipped)++;
		return 0;
	}
	if (add(ps, match, d, len, err) < 0)
		return -1;
	if (ps->parent) {
		/* "example.com" also matches any name below it */
		ps->fold.len = 0;
		if (strbuf_addc(&ps->fold, '.') < 0 || policy_fold(pat, strlen(pat), &ps->fold) < 0)
			return err_nomem(err);
		return add(ps, match, ps->fold.p, ps->fold.len, err);
	}
	return 0;
}

static int parse_list(struct parse *ps, char *value, int init, int depth, struct a2r_err *err);

/* file - "/file/name": the patterns on its lines; a line that starts
 * with "#" is a comment */
static int
file(struct parse *ps, const char *path, int match, int depth, struct a2r_err *err)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *fp;
	int rc = 0;

	if ((fp = fopen(path, "re")) == NULL)
		return err_set(err, A2R_ERR_CONFIG, "%s: %s", path, strerror(errno));
	while (rc == 0 && getline(&line, &cap, fp) >= 0)
		if (line[0] != '#')
			rc = parse_list(ps, line, match, depth + 1, err);
	if (rc == 0 && ferror(fp))
		rc = err_set(err, A2R_ERR_CONFIG, "read %s: %s", path, strerror(errno));
	free(line);
	fclose(fp);
	return rc;
}

/* table - "type:table": every key is a pattern */
static int
table(struct parse *ps, const char *item, int match, struct a2r_err *err)
{
	struct strlist keys = {0};
	int rc = 0;

	if (ps->table(ps->ctx, item, &keys, err) < 0)
		rc = -1;
	for (size_t i = 0; rc == 0 && i < keys.n; i++)
		rc = pattern(ps, match, keys.v[i], err);
	strlist_free(&keys);
	return rc;
}

/* parse_list - match_list_parse(): VALUE (modified) with the sign INIT */
static int
parse_list(struct parse *ps, char *value, int init, int depth, struct a2r_err *err)
{
	char *bp = value, *word;

	if (depth > DEPTH_MAX)
		return err_set(err, A2R_ERR_CONFIG,
		               "files nested more than %d deep (does a file name itself?)",
		               DEPTH_MAX);
	while ((word = next_word(&bp)) != NULL) {
		int match = init;
		char *item = word;

		/* Postfix ignores the rest, with a warning */
		if (*word == '#')
			break;
		for (; *item == '!'; item++)
			match = !match;
		if (*item == '\0')
			return err_set(err, A2R_ERR_CONFIG, "no pattern after '!'");
		if (*item == '/') {
			if (file(ps, item, match, depth, err) < 0)
				return -1;
		} else if (*item != '[' && strchr(item, ':') != NULL) {
			if (table(ps, item, match, err) < 0)
				return -1;
		} else if (pattern(ps, match, item, err) < 0) {
			return -1;
		}
	}
	return 0;
}

int
pfdomains_parse(const char *value, int parent, pfdomains_table_fn *tablefn, void *ctx,
                struct strlist *out, unsigned long *skipped, struct a2r_err *err)
{
	struct parse ps = {parent, tablefn, ctx, out, skipped, {0}};
	char *copy = strdup(value);
	int rc;

	if (copy == NULL)
		return err_nomem(err);
	rc = parse_list(&ps, copy, 1, 0, err);
	free(copy);
	strbuf_free(&ps.fold);
	return rc;
}

/* postfix_argv - PROG [-c postfix_config] ARGS... into ARGV (room for
 * 3 + NARGS + 1) */
static void
postfix_argv(const struct a2r_config *cfg, const char *prog, char **argv, const char *const *args,
             size_t nargs)
{
	size_t n = 0;

	argv[n++] = (char *)prog;
	if (cfg->postfix_config != NULL) {
		argv[n++] = "-c";
		argv[n++] = cfg->postfix_config;
	}
	for (size_t i = 0; i < nargs; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
}

/* list_table - a pfdomains_table_fn: the keys of a table Postfix names */
static int
list_table(void *ctx, const char *pat, struct strlist *keys, struct a2r_err *err)
{
	const struct a2r_config *cfg = ctx;
	size_t tlen = strcspn(pat, ":");
	const char *args[] = {"-s", pat};
	char *argv[6];
	struct strbuf out = {0};
	size_t i;
	int rc = -1;

	for (i = 0; listable[i] != NULL; i++)
		if (strlen(listable[i]) == tlen && strncmp(pat, listable[i], tlen) == 0)
			break;
	if (listable[i] == NULL)
		return err_set(err, A2R_ERR_CONFIG,
		               "\"%s\": tables of type %.*s cannot be listed (only hash, "
		               "btree, lmdb, cdb, dbm, sdbm, texthash and inline can): list "
		               "its domains in relay_domains instead",
		               pat, (int)tlen, pat);
	if (strcmp(listable[i], "cdb") == 0) {
		struct mapread *mr = NULL;
		struct mapread_rec rec;
		char *path;
		int r;

		if (asprintf(&path, "%s.cdb", pat + tlen + 1) < 0)
			return err_nomem(err);
		r = mapread_open(&mr, path, MAPREAD_CDB, err);
		if (r == 0)
			err_set(err, A2R_ERR_CONFIG, "%s: %s", path, strerror(ENOENT));
		while (r == 1 && (r = mapread_next(mr, &rec, err)) == 1)
			if (strlist_add(keys, rec.key, rec.klen) < 0)
				r = err_nomem(err);
		mapread_close(mr);
		free(path);
		if (r < 0) {
			err->code = A2R_ERR_CONFIG;
			err_prefix(err, "\"%s\"", pat);
		}
		return r < 0 ? -1 : 0;
	}
	postfix_argv(cfg, cfg->postmap_path, argv, args, 2);
	if (postfix_capture(argv, cfg->command_timeout, OUTPUT_MAX, &out, err) < 0) {
		err->code = A2R_ERR_CONFIG;
		err_prefix(err, "\"%s\"", pat);
		goto out;
	}
	/* "key<TAB>value" lines */
	for (char *p = out.p ? out.p : ""; *p != '\0';) {
		size_t line = strcspn(p, "\n");

		if (strlist_add(keys, p, strcspn(p, "\t\n")) < 0) {
			err_nomem(err);
			goto out;
		}
		p += line + (p[line] != '\0');
	}
	rc = 0;
out:
	strbuf_free(&out);
	return rc;
}

/* words_contain - does the Postfix list VALUE hold the word WORD? */
static int
words_contain(const char *value, const char *word)
{
	size_t wl = strlen(word);

	for (const char *p = value; *(p += strspn(p, DELIMS)) != '\0';) {
		size_t len = strcspn(p, DELIMS);

		if (len == wl && strncasecmp(p, word, wl) == 0)
			return 1;
		p += len;
	}
	return 0;
}

int
pfdomains_read(const struct a2r_config *cfg, struct pfdomains *pd, struct a2r_err *err)
{
	static const char *const names[] = {"relay_domains", "parent_domain_matches_subdomains",
	                                    "relay_recipient_maps", "smtputf8_enable"};
	char **values[] = {&pd->relay_domains, &pd->parent_domains, &pd->recipient_maps,
	                   &pd->smtputf8};
	struct strlist v = {0};
	char *postconf = NULL;
	int rc = -1;

	/* no Postfix here: say so plainly */
	if ((postconf = postfix_postconf_path(cfg)) == NULL) {
		err_nomem(err);
		goto out;
	}
	if (access(postconf, X_OK) < 0) {
		err_set(err, A2R_ERR_CONFIG, "%s (beside postfix_path): %s", postconf,
		        strerror(errno));
		goto out;
	}
	if (postfix_params(cfg, names, 4, &v, err) < 0) {
		err->code = A2R_ERR_CONFIG;
		goto out;
	}
	for (size_t i = 0; i < 4; i++)
		if ((*values[i] = strdup(v.v[i])) == NULL) {
			err_nomem(err);
			goto out;
		}
	pd->parent = words_contain(pd->parent_domains, "relay_domains");
	if (pfdomains_parse(pd->relay_domains, pd->parent, list_table, (void *)cfg, &pd->entries,
	                    &pd->skipped, err) < 0) {
		err_prefix(err, "Postfix's relay_domains");
		goto out;
	}
	rc = 0;
out:
	free(postconf);
	strlist_free(&v);
	return rc;
}

/* any_positive - does a list relay for anything? */
static int
any_positive(const struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i][0] != '!')
			return 1;
	return 0;
}

int
pfdomains_load(struct a2r_config *cfg, struct a2r_err *err)
{
	struct pfdomains pd = {0};
	int rc = -1;

	if (pfdomains_read(cfg, &pd, err) < 0)
		goto out;
	if (!any_positive(&pd.entries)) {
		err_set(err, A2R_ERR_CONFIG,
		        "Postfix's relay_domains names no domain (postconf -xh relay_domains: "
		        "\"%s\")",
		        pd.relay_domains);
		goto out;
	}
	strlist_free(&cfg->relay_postfix);
	cfg->relay_postfix = pd.entries;
	memset(&pd.entries, 0, sizeof(pd.entries));
	rc = 0;
out:
	if (rc < 0)
		err_prefix(err, "relay_domains = postconf");
	pfdomains_free(&pd);
	return rc;
}

/* covered - are the addresses of ENTRY (a domain or ".domain") relay
 * addresses to CFG?  ".d" is covered by an entry ".s" when d is s or
 * below it (an exclusion in Postfix's list can only narrow what Postfix
 * relays for, and then it is left out of ENTRY's list too) */
static int
covered(const struct a2r_config *cfg, const char *entry)
{
	const struct strlist *lists[] = {&cfg->relay_domains, &cfg->relay_postfix};
	size_t elen = strlen(entry);

	if (entry[0] != '.') {
		struct strbuf a = {0};
		int in = strbuf_addstr(&a, "x@") == 0 && strbuf_addstr(&a, entry) == 0 &&
		         conf_relay_match(cfg, NULL, a.p, a.len);

		strbuf_free(&a);
		return in;
	}
	for (size_t j = 0; j < 2; j++)
		for (size_t i = 0; i < lists[j]->n; i++)
			if (lists[j]->v[i][0] == '.' && elen >= lists[j]->len[i] &&
			    strcmp(entry + elen - lists[j]->len[i], lists[j]->v[i]) == 0)
				return 1;
	return 0;
}

/* map_names - the table names of relay_recipient_maps that read OUTPUT */
static void
map_names(const struct a2r_config *cfg, const char *maps, int *ours, struct strbuf *other)
{
	size_t olen = strlen(cfg->output);

	for (const char *p = maps; *(p += strspn(p, DELIMS)) != '\0';) {
		size_t len = strcspn(p, DELIMS);
		const char *t = p, *name;
		size_t tlen;

		p += len;
		if (len > 6 && strncmp(t, "proxy:", 6) == 0) {
			t += 6;
			len -= 6;
		}
		tlen = strcspn(t, ":");
		if (tlen >= len)
			continue;
		name = t + tlen + 1;
		if ((size_t)(t + len - name) != olen || strncmp(name, cfg->output, olen) != 0)
			continue;
		if ((cfg->cdb && tlen == 3 && strncmp(t, "cdb", 3) == 0) ||
		    (tlen == 8 && strncmp(t, "texthash", 8) == 0) ||
		    (cfg->postmap != CONF_POSTMAP_NO &&
		     strlen(conf_postmap_name(cfg->postmap)) == tlen &&
		     strncmp(t, conf_postmap_name(cfg->postmap), tlen) == 0))
			*ours = 1;
		else if (other->len == 0)
			strbuf_add(other, t, len);
	}
}

/* has_type - postconf -m output M lists the table type TYPE */
static int
has_type(const char *m, const char *type)
{
	size_t tl = strlen(type);

	for (const char *p = m; *p != '\0';) {
		size_t len = strcspn(p, "\n");

		if (len == tl && strncmp(p, type, tl) == 0)
			return 1;
		p += len + (p[len] != '\0');
	}
	return 0;
}

int
pfdomains_check(const struct a2r_config *cfg, const struct pfdomains *pd, pfdomains_warn_fn *warn,
                void *ctx, struct a2r_err *err)
{
	static const char *const dash_m[] = {"-m"};
	const char *want = cfg->cdb                          ? "cdb"
	                   : cfg->postmap != CONF_POSTMAP_NO ? conf_postmap_name(cfg->postmap)
	                                                     : "texthash";
	char msg[2048], *argv[5], *postconf;
	struct strbuf m = {0}, other = {0};
	int n = 0, ours = 0, rc;

	for (size_t i = 0; i < pd->entries.n; i++) {
		const char *e = pd->entries.v[i];

		/* under parent matching "d" comes with ".d": one line for both */
		if (e[0] == '!' || covered(cfg, e) ||
		    (pd->parent && e[0] == '.' && i > 0 &&
		     strcmp(pd->entries.v[i - 1], e + 1) == 0 && !covered(cfg, e + 1)))
			continue;
		if (e[0] == '.')
			snprintf(msg, sizeof(msg),
			         "Postfix relays for the subdomains of %s, but relay_domains "
			         "here does not cover them: smtpd rejects all their mail as "
			         "unknown users (add %s to relay_domains, or use relay_domains "
			         "= postconf)",
			         e + 1, e);
		else
			snprintf(msg, sizeof(msg),
			         "Postfix relays for %s%s, but relay_domains here does not cover "
			         "it: smtpd rejects all its mail as unknown users (add %s to "
			         "relay_domains, or use relay_domains = postconf)",
			         e, pd->parent ? " and its subdomains" : "", e);
		warn(ctx, msg);
		n++;
	}
	map_names(cfg, pd->recipient_maps, &ours, &other);
	if (!ours) {
		snprintf(msg, sizeof(msg),
		         "Postfix's relay_recipient_maps (\"%s\") does not name %s:%s%s%s%s: "
		         "smtpd does not look up the map ad2relay writes",
		         pd->recipient_maps, want, cfg->output, other.len ? " (it names " : "",
		         other.len ? other.p : "",
		         other.len ? ", which ad2relay does not write)" : "");
		warn(ctx, msg);
		n++;
	}
	strbuf_free(&other);
	if ((postconf = postfix_postconf_path(cfg)) == NULL)
		return err_nomem(err);
	postfix_argv(cfg, postconf, argv, dash_m, 1);
	rc = postfix_capture(argv, cfg->command_timeout, OUTPUT_MAX, &m, err);
	free(postconf);
	if (rc < 0) {
		strbuf_free(&m);
		return -1;
	}
	if (cfg->cdb && !has_type(m.p ? m.p : "", "cdb")) {
		warn(ctx, "Postfix has no cdb table type (postconf -m): smtpd cannot read the "
		          "map's .cdb; install the postfix-cdb package");
		n++;
	}
	if (cfg->postmap != CONF_POSTMAP_NO &&
	    !has_type(m.p ? m.p : "", conf_postmap_name(cfg->postmap))) {
		snprintf(msg, sizeof(msg),
		         "Postfix has no %s table type (postconf -m): postmap = %s cannot work",
		         conf_postmap_name(cfg->postmap), conf_postmap_name(cfg->postmap));
		warn(ctx, msg);
		n++;
	}
	strbuf_free(&m);
	if (strcasecmp(pd->smtputf8, "yes") != 0) {
		snprintf(msg, sizeof(msg),
		         "Postfix has smtputf8_enable = %s: it folds only ASCII letters of the "
		         "addresses it looks up, but the map's keys are folded as with "
		         "smtputf8_enable = yes (full Unicode case folding): mixed-case "
		         "non-ASCII addresses can miss",
		         pd->smtputf8);
		warn(ctx, msg);
		n++;
	}
	return n;
}

void
pfdomains_free(struct pfdomains *pd)
{
	strlist_free(&pd->entries);
	free(pd->relay_domains);
	free(pd->parent_domains);
	free(pd->recipient_maps);
	free(pd->smtputf8);
	memset(pd, 0, sizeof(*pd));
}
