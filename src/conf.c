/* SPDX-License-Identifier: BSD-2-Clause */
/* conf.c - configuration keys, config file parsing, validation */
#include "autoconf.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <ldap.h>

#include "cldap.h"
#include "conf.h"
#include "policy.h"
#include "safefile.h"

enum key_type {
	K_STRING,
	K_PATH,
	K_BOOL,
	K_DOMAINS,
	K_ATTRS,
	K_VALUE,
	K_URIS,
	K_FILTER,
	K_SECONDS,
	K_PAGESIZE,
	K_BIND,
	K_TLS,
	K_OBJECTS,
	K_PERCENT,
	K_ADDRESSES,
	K_DELIM,
	K_POSTMAP,
	K_COMMAND,
	K_DIR,
	K_COMMAND_PATH,
	K_WAIT,
	K_DOMAIN,
	K_RANGE,
	K_RUN_SECONDS,
	K_LINES,
	K_SITE,
	K_INTERVAL,
	K_SCOPE,
};

struct key {
	const char *name;
	enum key_type type;
	size_t offset;
	const char *def; /* default as it would be written in the file, or NULL */
};

#define F(field) offsetof(struct a2r_config, field)

/* The keys, in the order the manual lists them. */
static const struct key keys[] = {
    {"relay_domains", K_DOMAINS, F(relay_domains), NULL},
    {"output", K_PATH, F(output), "/etc/postfix/relay_recipients"},
    {"cdb", K_BOOL, F(cdb), "yes"},
    {"value", K_VALUE, F(value), "OK"},
    {"static", K_PATH, F(static_file), NULL},
    {"attributes", K_ATTRS, F(attributes), "proxyAddresses mail"},
    {"exclude_disabled", K_BOOL, F(exclude_disabled), "no"},
    {"uri", K_URIS, F(uri), NULL},
    {"base", K_STRING, F(base), NULL},
    {"bind", K_BIND, F(bind), NULL},
    {"binddn", K_STRING, F(binddn), NULL},
    {"bindpw_file", K_PATH, F(bindpw_file), NULL},
    {"tls", K_TLS, F(tls), "auto"},
    {"tls_cacert", K_PATH, F(tls_cacert), NULL},
    {"tls_cert", K_PATH, F(tls_cert), NULL},
    {"tls_key", K_PATH, F(tls_key), NULL},
    {"allow_plaintext_bind", K_BOOL, F(allow_plaintext_bind), "no"},
    {"timeout", K_SECONDS, F(timeout), "10"},
    /* default 30 x timeout, set by conf_finish() */
    {"run_timeout", K_RUN_SECONDS, F(run_timeout), NULL},
    {"page_size", K_PAGESIZE, F(page_size), "500"},
    {"objects", K_OBJECTS, F(objects), "users groups contacts publicfolders dynamic"},
    {"filter", K_FILTER, F(filter), NULL},
    {"domain", K_DOMAIN, F(domain), NULL},
    /* NULL: auto, the LDAP ping when the DCs come from DNS */
    {"site", K_SITE, F(site), NULL},
    {"scope", K_SCOPE, F(scope), "domain"},
    {"keytab", K_PATH, F(keytab), NULL},
    {"principal", K_STRING, F(principal), NULL},
    {"sasl_nocanon", K_BOOL, F(sasl_nocanon), "no"},
    {"range_size", K_RANGE, F(range_size), "0"},
    {"max_shrink", K_PERCENT, F(max_shrink), "10%"},
    {"require", K_ADDRESSES, F(require), NULL},
    {"postmap", K_POSTMAP, F(postmap), "no"},
    {"reload", K_BOOL, F(reload), "no"},
    {"on_change", K_COMMAND, F(on_change), NULL},
    {"postmap_path", K_COMMAND_PATH, F(postmap_path), PATH_POSTMAP},
    {"postfix_path", K_COMMAND_PATH, F(postfix_path), PATH_POSTFIX},
    {"postfix_config", K_DIR, F(postfix_config), NULL},
    /* unset: explain asks postconf */
    {"recipient_delimiter", K_DELIM, F(recipient_delimiter), NULL},
    {"command_timeout", K_SECONDS, F(command_timeout), "60"},
    {"lock_file", K_PATH, F(lock_file), "/run/ad2relay.lock"},
    {"lock_wait", K_WAIT, F(lock_wait), "0"},
    {"metrics_file", K_PATH, F(metrics_file), NULL},
    {"log_changes", K_LINES, F(log_changes), "100"},
    {"changes_file", K_PATH, F(changes_file), NULL},
    {"incremental", K_BOOL, F(incremental), "no"},
    {"full_sync_interval", K_INTERVAL, F(full_sync_interval), "1h"},
    {"state_dir", K_DIR, F(state_dir), NULL},
};

/* Words of the enumerated keys. */
struct word {
	const char *word;
	int value;
};

static const struct word bind_words[] = {
    {"anonymous", CONF_BIND_ANONYMOUS},
    {"simple", CONF_BIND_SIMPLE},
    {"external", CONF_BIND_EXTERNAL},
    {"gssapi", CONF_BIND_GSSAPI},
    {NULL, 0},
};

static const struct word tls_words[] = {
    {"auto", CONF_TLS_AUTO},
    {"starttls", CONF_TLS_STARTTLS},
    {"none", CONF_TLS_NONE},
    {NULL, 0},
};

static const struct word scope_words[] = {
    {"domain", CONF_SCOPE_DOMAIN},
    {"forest", CONF_SCOPE_FOREST},
    {NULL, 0},
};

/* The words of relay_domains that name a source read at run time. */
static const struct word relay_source_words[] = {
    {"postconf", CONF_RELAY_POSTCONF},
    {"exchange", CONF_RELAY_EXCHANGE},
    {NULL, 0},
};

static const struct word postmap_words[] = {
    {"no", CONF_POSTMAP_NO},
    {"hash", CONF_POSTMAP_HASH},
    {"lmdb", CONF_POSTMAP_LMDB},
    {"btree", CONF_POSTMAP_BTREE},
    {NULL, 0},
};

static const struct word object_words[] = {
    {"users", CONF_OBJ_USERS},       {"groups", CONF_OBJ_GROUPS},
    {"contacts", CONF_OBJ_CONTACTS}, {"publicfolders", CONF_OBJ_PUBLICFOLDERS},
    {"dynamic", CONF_OBJ_DYNAMIC},   {NULL, 0},
};

/* The objectClass of each kind of the objects key, for the search filter
 * and for LDIF records alike. */
static const struct {
	unsigned kind;
	const char *oc;
} object_classes[] = {
    {CONF_OBJ_USERS, "user"},
    {CONF_OBJ_GROUPS, "group"},
    {CONF_OBJ_CONTACTS, "contact"},
    {CONF_OBJ_PUBLICFOLDERS, "publicFolder"},
    {CONF_OBJ_DYNAMIC, "msExchDynamicDistributionList"},
};

const char *
conf_object_class(unsigned kind)
{
	for (size_t i = 0; i < sizeof(object_classes) / sizeof(object_classes[0]); i++)
		if (object_classes[i].kind == kind)
			return object_classes[i].oc;
	return NULL;
}

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static const struct {
	const char *word;
	int value;
} bools[] = {
    {"yes", 1}, {"no", 0}, {"true", 1}, {"false", 0}, {"on", 1}, {"off", 0}, {"1", 1}, {"0", 0},
};

const char *
conf_postmap_name(int type)
{
	for (size_t i = 0; postmap_words[i].word != NULL; i++)
		if (postmap_words[i].value == type)
			return postmap_words[i].word;
	return "no";
}

const char *
conf_bind_name(int bind)
{
	for (size_t i = 0; bind_words[i].word != NULL; i++)
		if (bind_words[i].value == bind)
			return bind_words[i].word;
	return "default";
}

size_t
conf_key_count(void)
{
	return NKEYS;
}

const char *
conf_key_name(size_t i)
{
	return i < NKEYS ? keys[i].name : NULL;
}

int
conf_key_is_flag(size_t i)
{
	return i < NKEYS && keys[i].type == K_BOOL;
}

/* set_string - replace a string field with a copy of VALUE */
static int
set_string(char **field, const char *value, const char *where, struct a2r_err *err)
{
	char *copy = strdup(value);

	(void)where;
	if (copy == NULL)
		return err_nomem(err);
	free(*field);
	*field = copy;
	return 0;
}

static int
set_path(char **field, const struct key *k, const char *value, const char *where,
         struct a2r_err *err)
{
	if (value[0] == '\0')
		return err_set(err, A2R_ERR_CONFIG, "%s: %s: empty path", where, k->name);
	return set_string(field, value, where, err);
}

static int
set_bool(int *field, const struct key *k, const char *value, const char *where, struct a2r_err *err)
{
	for (size_t i = 0; i < sizeof(bools) / sizeof(bools[0]); i++) {
		if (strcasecmp(value, bools[i].word) == 0) {
			*field = bools[i].value;
			return 0;
		}
	}
	return err_set(err, A2R_ERR_CONFIG, "%s: %s: \"%s\" is not yes or no", where, k->name,
	               value);
}

/* A check of one list item: NULL if acceptable, else why not ("is not
 * a domain name"), to follow the quoted item in the message. */
typedef const char *item_check_fn(const char *item);

/* set_folded - a list whose items are checked, then folded as Postfix
 * folds keys (relay domains, required addresses) */
static int
set_folded(struct strlist *field, const struct key *k, const char *value, const char *where,
           item_check_fn *check, struct a2r_err *err)
{
	struct strlist raw = {0};
	struct strbuf folded = {0};
	const char *why;
	int rc = -1;

	strlist_clear(field);
	if (strlist_split(&raw, value) < 0) {
		err_nomem(err);
		goto out;
	}
	for (size_t i = 0; i < raw.n; i++) {
		if ((why = check(raw.v[i])) != NULL) {
			err_set(err, A2R_ERR_CONFIG, "%s: %s: \"%s\" %s", where, k->name, raw.v[i],
			        why);
			goto out;
		}
		folded.len = 0;
		if (policy_fold(raw.v[i], raw.len[i], &folded) < 0 ||
		    strlist_add(field, folded.p, folded.len) < 0) {
			err_nomem(err);
			goto out;
		}
	}
	rc = 0;
out:
	strlist_free(&raw);
	strbuf_free(&folded);
	return rc;
}

/* check_relay_domain - "example.com" or ".example.com" */
static const char *
check_relay_domain(const char *d)
{
	size_t skip = d[0] == '.';

	/* a word without a dot is no domain that needs a map: never take a
	 * misspelt source ("postfonf") for a domain */
	if (strchr(d, '.') == NULL)
		return "is not a domain name (a relay domain has a dot; \"postconf\" takes "
		       "Postfix's own relay_domains, \"exchange\" Exchange's accepted domains)";
	if (!policy_check_domain(d + skip, strlen(d + skip)))
		return "is not a domain name";
	return NULL;
}

int
conf_relay_match(const struct a2r_config *cfg, const struct strlist *relay, const char *addr,
                 size_t len)
{
	return policy_domain_match(relay ? relay : &cfg->relay_domains, addr, len) ||
	       policy_domain_match(&cfg->relay_postfix, addr, len);
}

/* check_address - a full address, as policy accepts map keys */
static const char *
check_address(const char *a)
{
	enum policy_verdict v = policy_check(a, strlen(a));

	return v == POLICY_OK ? NULL : policy_reason(v);
}

/* relay_source - the CONF_RELAY_* bit of a source word, or 0 */
static unsigned
relay_source(const char *item)
{
	for (size_t i = 0; relay_source_words[i].word != NULL; i++)
		if (strcasecmp(item, relay_source_words[i].word) == 0)
			return (unsigned)relay_source_words[i].value;
	return 0;
}

/* set_relay_domains - listed domains, and the words of the sources read
 * at run time, in any order: "postconf" (Postfix's relay_domains,
 * pfdomains.h, read once the whole configuration is known) and
 * "exchange" (Exchange's accepted domains, accepted.h, read from each DC) */
static int
set_relay_domains(struct a2r_config *cfg, const struct key *k, const char *value, const char *where,
                  struct a2r_err *err)
{
	struct strlist raw = {0};
	struct strbuf listed = {0};
	unsigned bit;
	int rc = -1;

	cfg->relay_sources = 0;
	if (strlist_split(&raw, value) < 0) {
		err_nomem(err);
		goto out;
	}
	for (size_t i = 0; i < raw.n; i++) {
		if ((bit = relay_source(raw.v[i])) != 0)
			cfg->relay_sources |= bit;
		else if (strbuf_addstr(&listed, raw.v[i]) < 0 || strbuf_addc(&listed, ' ') < 0) {
			err_nomem(err);
			goto out;
		}
	}
	rc = set_folded(&cfg->relay_domains, k, listed.p ? listed.p : "", where, check_relay_domain,
	                err);
out:
	strlist_free(&raw);
	strbuf_free(&listed);
	return rc;
}

/* set_attrs - attribute descriptions: letters, digits and '-' */
static int
set_attrs(struct strlist *field, const struct key *k, const char *value, const char *where,
          struct a2r_err *err)
{
	strlist_clear(field);
	if (strlist_split(field, value) < 0)
		return err_nomem(err);
	for (size_t i = 0; i < field->n; i++) {
		const char *a = field->v[i];

		for (size_t j = 0; a[j] != '\0'; j++)
			if (!isalnum((unsigned char)a[j]) && a[j] != '-')
				return err_set(err, A2R_ERR_CONFIG,
				               "%s: %s: \"%s\" is not an attribute name", where,
				               k->name, a);
	}
	if (field->n == 0)
		return err_set(err, A2R_ERR_CONFIG, "%s: %s: no attribute named", where, k->name);
	return 0;
}

/* set_value - a map value: one line of printable text */
static int
set_value(char **field, const struct key *k, const char *value, const char *where,
          struct a2r_err *err)
{
	const char *why = value[0] == '\0' ? "empty value" : policy_value_problem(value);

	if (why != NULL)
		return err_set(err, A2R_ERR_CONFIG, "%s: %s: %s", where, k->name, why);
	return set_string(field, value, where, err);
}

/* set_word - one of the words of an enumerated key */
static int
set_word(int *field, const struct word *words, const struct key *k, const char *value,
         const char *where, struct a2r_err *err)
{
	struct strbuf list = {0};

	for (size_t i = 0; words[i].word != NULL; i++)
		if (strcasecmp(value, words[i].word) == 0) {
			*field = words[i].value;
			return 0;
		}
	for (size_t i = 0; words[i].word != NULL; i++)
		if (strbuf_addstr(&list, i ? ", " : "") < 0 ||
		    strbuf_addstr(&list, words[i].word) < 0)
			break;
	err_set(err, A2R_ERR_CONFIG, "%s: %s: \"%s\" is not one of %s", where, k->name, value,
	        list.p ? list.p : "");
	strbuf_free(&list);
	return -1;
}

/* set_objects - a list of object kinds */
static int
set_objects(unsigned *field, const struct key *k, const char *value, const char *where,
            struct a2r_err *err)
{
	struct strlist l = {0};
	int bit, rc = 0;

	if (strlist_split(&l, value) < 0)
		return err_nomem(err);
	*field = 0;
	for (size_t i = 0; rc == 0 && i < l.n; i++)
		if ((rc = set_word(&bit, object_words, k, l.v[i], where, err)) == 0)
			*field |= (unsigned)bit;
	if (rc == 0 && *field == 0)
		rc = err_set(err, A2R_ERR_CONFIG, "%s: %s: no object kind named", where, k->name);
	strlist_free(&l);
	return rc;
}

/* set_number - an integer within [MIN, MAX] */
static int
set_number(long *field, const struct key *k, const char *value, long min, long max,
           const char *where, struct a2r_err *err)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(value, &end, 10);
	if (errno != 0 || end == value || *end != '\0' || v < min || v > max)
		return err_set(err, A2R_ERR_CONFIG,
		               "%s: %s: \"%s\" is not a number from %ld to %ld", where, k->name,
		               value, min, max);
	*field = v;
	return 0;
}

/* set_uris - LDAP URIs: ldap://, ldaps:// or ldapi://, one or more */
static int
set_uris(struct strlist *field, const struct key *k, const char *value, const char *where,
         struct a2r_err *err)
{
	static const char *const schemes[] = {"ldap://", "ldaps://", "ldapi://"};

	strlist_clear(field);
	if (strlist_split(field, value) < 0)
		return err_nomem(err);
	for (size_t i = 0; i < field->n; i++) {
		size_t j;

		for (j = 0; j < 3; j++)
			if (strncasecmp(field->v[i], schemes[j], strlen(schemes[j])) == 0)
				break;
		if (j == 3)
			return err_set(err, A2R_ERR_CONFIG,
			               "%s: %s: \"%s\" is not an ldap://, ldaps:// or ldapi:// URI",
			               where, k->name, field->v[i]);
	}
	return 0;
}

/* set_filter - an LDAP filter in parentheses, parentheses balanced */
static int
set_filter(char **field, const struct key *k, const char *value, const char *where,
           struct a2r_err *err)
{
	int depth = 0;

	if (value[0] != '(')
		goto bad;
	for (const char *p = value; *p != '\0'; p++) {
		/* nothing may follow the closing parenthesis */
		if (depth == 0 && p != value)
			goto bad;
		if (*p == '(')
			depth++;
		else if (*p == ')')
			depth--;
	}
	if (depth != 0)
		goto bad;
	return set_string(field, value, where, err);
bad:
	return err_set(err, A2R_ERR_CONFIG, "%s: %s: \"%s\" is not one LDAP filter in parentheses",
	               where, k->name, value);
}

/* set_percent - "10%" or "10": a share from 0 to 100 percent */
static int
set_percent(long *field, const struct key *k, const char *value, const char *where,
            struct a2r_err *err)
{
	char tmp[32];
	size_t len = strlen(value);

	if (len == 0 || len >= sizeof(tmp))
		return err_set(err, A2R_ERR_CONFIG, "%s: %s: \"%s\" is not a percentage", where,
		               k->name, value);
	memcpy(tmp, value, len + 1);
	if (tmp[len - 1] == '%')
		tmp[--len] = '\0';
	/* the value as the user wrote it, "%" and all */
	if (set_number(field, k, tmp, 0, 100, where, err) < 0)
		return err_set(err, A2R_ERR_CONFIG,
		               "%s: %s: \"%s\" is not a percentage from 0%% to 100%%", where,
		               k->name, value);
	return 0;
}

/* set_delim - recipient_delimiter: the characters that start an address
 * extension, as Postfix takes them (any of them); empty for none */
static int
set_delim(char **field, const struct key *k, const char *value, const char *where,
          struct a2r_err *err)
{
	for (const char *p = value; *p != '\0'; p++)
		if (*p <= ' ' || *p > '~' || *p == '@')
			return err_set(err, A2R_ERR_CONFIG,
			               "%s: %s: \"%s\" is not a set of delimiter characters "
			               "(printable ASCII, no white space, no @)",
			               where, k->name, value);
	return set_string(field, value, where, err);
}

/* set_command - a program and its arguments, split at white space (no
 * shell, no quoting); the program is named by an absolute path */
static int
set_command(struct strlist *field, const struct key *k, const char *value, const char *where,
            struct a2r_err *err)
{
	strlist_clear(field);
	for (const char *p = value; *p != '\0';) {
		size_t len;

		p += strspn(p, " \t");
		len = strcspn(p, " \t");
		if (len > 0 && strlist_add(field, p, len) < 0)
			return err_nomem(err);
		p += len;
	}
	if (field->n == 0 || field->v[0][0] != '/')
		return err_set(err, A2R_ERR_CONFIG,
		               "%s: %s: \"%s\" must start with an absolute program path (it is "
		               "run without a shell)",
		               where, k->name, value);
	return 0;
}

/* set_abs - an absolute path (programs and directories we hand to Postfix) */
static int
set_abs(char **field, const struct key *k, const char *value, const char *where,
        struct a2r_err *err)
{
	if (value[0] != '/')
		return err_set(err, A2R_ERR_CONFIG, "%s: %s: \"%s\" is not an absolute path", where,
		               k->name, value);
	return set_string(field, value, where, err);
}

/* set_interval - a duration: a number of seconds, or with a unit s, m, h
 * or d ("90m", "1d"); from 0 (every run a full one) to 30 days */
static int
set_interval(long *field, const struct key *k, const char *value, const char *where,
             struct a2r_err *err)
{
	static const struct {
		char unit;
		long secs;
	} units[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}};
	char tmp[32];
	size_t len = strlen(value);
	long mult = 1;

	if (len == 0 || len >= sizeof(tmp))
		goto bad;
	memcpy(tmp, value, len + 1);
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (tmp[len - 1] == units[i].unit) {
			mult = units[i].secs;
			tmp[--len] = '\0';
		}
	if (len == 0 || set_number(field, k, tmp, 0, 30 * 86400 / mult, where, err) < 0)
		goto bad;
	*field *= mult;
	return 0;
bad:
	return err_set(err, A2R_ERR_CONFIG,
	               "%s: %s: \"%s\" is not a duration from 0 to 30d (seconds, or a number "
	               "with s, m, h or d)",
	               where, k->name, value);
}

/* apply - dispatch VALUE to the setter of key K */
static int
apply(struct a2r_config *cfg, const struct key *k, const char *value, const char *where,
      struct a2r_err *err)
{
	void *field = (char *)cfg + k->offset;

	switch (k->type) {
	case K_STRING:
		return set_string(field, value, where, err);
	case K_PATH:
		return set_path(field, k, value, where, err);
	case K_BOOL:
		return set_bool(field, k, value, where, err);
	case K_DOMAINS:
		return set_relay_domains(cfg, k, value, where, err);
	case K_ATTRS:
		return set_attrs(field, k, value, where, err);
	case K_VALUE:
		return set_value(field, k, value, where, err);
	case K_URIS:
		return set_uris(field, k, value, where, err);
	case K_FILTER:
		return set_filter(field, k, value, where, err);
	case K_SECONDS:
		return set_number(field, k, value, 1, 3600, where, err);
	case K_PAGESIZE:
		return set_number(field, k, value, 1, 5000, where, err);
	case K_BIND:
		return set_word(field, bind_words, k, value, where, err);
	case K_TLS:
		return set_word(field, tls_words, k, value, where, err);
	case K_SCOPE:
		return set_word(field, scope_words, k, value, where, err);
	case K_OBJECTS:
		return set_objects(field, k, value, where, err);
	case K_PERCENT:
		return set_percent(field, k, value, where, err);
	case K_ADDRESSES:
		return set_folded(field, k, value, where, check_address, err);
	case K_DELIM:
		return set_delim(field, k, value, where, err);
	case K_POSTMAP:
		return set_word(field, postmap_words, k, value, where, err);
	case K_COMMAND:
		return set_command(field, k, value, where, err);
	case K_DIR:
	case K_COMMAND_PATH:
		return set_abs(field, k, value, where, err);
	case K_WAIT:
		return set_number(field, k, value, 0, 86400, where, err);
	case K_RANGE:
		return set_number(field, k, value, 0, 100000, where, err);
	case K_RUN_SECONDS:
		return set_number(field, k, value, 1, 86400, where, err);
	case K_LINES:
		return set_number(field, k, value, 0, 1000000, where, err);
	case K_SITE:
		if (strcasecmp(value, "auto") != 0 && strcasecmp(value, "none") != 0 &&
		    !cldap_site_ok(value))
			return err_set(err, A2R_ERR_CONFIG,
			               "%s: %s: \"%s\" is not auto, none or a site name (one DNS "
			               "label: letters, digits and hyphens)",
			               where, k->name, value);
		return set_string(field, value, where, err);
	case K_INTERVAL:
		return set_interval(field, k, value, where, err);
	case K_DOMAIN:
		if (!policy_check_domain(value, strlen(value)) || strchr(value, '.') == NULL)
			return err_set(err, A2R_ERR_CONFIG, "%s: %s: \"%s\" is not a DNS domain",
			               where, k->name, value);
		return set_string(field, value, where, err);
	}
	return err_set(err, A2R_ERR_INTERNAL, "%s: %s: bad key type", where, k->name);
}

static const struct key *
find_key(const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

int
conf_init(struct a2r_config *cfg, struct a2r_err *err)
{
	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].def != NULL && apply(cfg, &keys[i], keys[i].def, "default", err) < 0)
			return -1;
	return 0;
}

/* conf_set - one key from the command line or the config file */
int
conf_set(struct a2r_config *cfg, const char *key, const char *value, const char *where,
         struct a2r_err *err)
{
	const struct key *k = find_key(key);

	if (k == NULL)
		return err_set(err, A2R_ERR_CONFIG, "%s: unknown key \"%s\"", where, key);
	return apply(cfg, k, value, where, err);
}

/* trim - strip leading and trailing white space in place */
static char *
trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* parse_line - "key = value"; LINE is modified */
static int
parse_line(struct a2r_config *cfg, char *line, const char *where, unsigned char *done,
           struct a2r_err *err)
{
	char *eq = strchr(line, '=');
	char *key, *value;
	const struct key *k;
	size_t idx;

	if (eq == NULL)
		return err_set(err, A2R_ERR_CONFIG, "%s: expected \"key = value\"", where);
	*eq = '\0';
	key = trim(line);
	value = trim(eq + 1);
	if ((k = find_key(key)) == NULL)
		return err_set(err, A2R_ERR_CONFIG, "%s: unknown key \"%s\"", where, key);
	idx = (size_t)(k - keys);
	if (done[idx / 8] & (1u << (idx % 8)))
		return err_set(err, A2R_ERR_CONFIG, "%s: %s is set twice", where, key);
	done[idx / 8] |= (unsigned char)(1u << (idx % 8));
	return conf_set(cfg, key, value, where, err);
}

/* skip_bom - the first line of a file: a UTF-8 byte-order mark (as some
 * Windows editors write) is skipped; UTF-16 is refused, naming the fix */
static int
skip_bom(char *line, ssize_t *n, const char *path, struct a2r_err *err)
{
	const unsigned char *u = (const unsigned char *)line;

	if (*n >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF)))
		return err_set(err, A2R_ERR_CONFIG,
		               "%s: the file is UTF-16; save it as UTF-8 "
		               "(iconv -f UTF-16 -t UTF-8)",
		               path);
	if (*n >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) {
		memmove(line, line + 3, (size_t)*n - 2); /* with the NUL */
		*n -= 3;
	}
	return 0;
}

/* conf_load - read a config file: key = value, # comments, and lines
 * starting with white space continue the previous one (as in main.cf) */
int
conf_load(struct a2r_config *cfg, const char *path, int optional, struct a2r_err *err)
{
	unsigned char done[(NKEYS + 7) / 8] = {0};
	struct strbuf logical = {0};
	char where[512];
	char *line = NULL;
	size_t cap = 0, lineno = 0, start = 0;
	ssize_t n;
	struct stat st;
	FILE *fp;
	int fd, rc = -1;

	/* Whoever can write the config file runs commands as us (on_change). */
	fd = safefile_open(path, "config file",
	                   SAFEFILE_TRUSTED | SAFEFILE_NULL_OK |
	                       (optional ? SAFEFILE_MISSING_OK : 0),
	                   A2R_ERR_CONFIG, &st, err);
	if (fd == -2)
		return 0;
	if (fd < 0)
		return -1;
	if ((fp = fdopen(fd, "r")) == NULL) {
		close(fd);
		return err_nomem(err);
	}
	for (;;) {
		n = getline(&line, &cap, fp);
		if (n >= 0) {
			lineno++;
			if (n > 0 && line[n - 1] == '\n')
				line[--n] = '\0';
			if (lineno == 1 && skip_bom(line, &n, path, err) < 0)
				goto out;
			if (memchr(line, '\0', (size_t)n) != NULL) {
				err_set(err, A2R_ERR_CONFIG, "%s:%zu: NUL byte", path, lineno);
				goto out;
			}
			if (*trim(line) == '#' || *trim(line) == '\0')
				continue;
			if (isspace((unsigned char)line[0]) && logical.len > 0) {
				if (strbuf_addc(&logical, ' ') < 0 ||
				    strbuf_addstr(&logical, line) < 0)
					goto nomem;
				continue;
			}
		}
		/* A new logical line (or EOF) completes the previous one. */
		if (logical.len > 0) {
			snprintf(where, sizeof(where), "%s:%zu", path, start);
			if (parse_line(cfg, logical.p, where, done, err) < 0)
				goto out;
			logical.len = 0;
		}
		if (n < 0)
			break;
		if (isspace((unsigned char)line[0])) {
			err_set(err, A2R_ERR_CONFIG, "%s:%zu: continuation line without a key",
			        path, lineno);
			goto out;
		}
		start = lineno;
		if (strbuf_addstr(&logical, line) < 0)
			goto nomem;
	}
	if (ferror(fp)) {
		err_set(err, A2R_ERR_CONFIG, "read %s: %s", path, strerror(errno));
		goto out;
	}
	if (set_string(&cfg->file, path, path, err) < 0)
		goto out;
	rc = 0;
	goto out;
nomem:
	err_nomem(err);
out:
	free(line);
	strbuf_free(&logical);
	fclose(fp);
	return rc;
}

/* conf_check_plaintext - refuse a password over an unencrypted connection */
int
conf_check_plaintext(const struct a2r_config *cfg, struct a2r_err *err)
{
	if (cfg->bind != CONF_BIND_SIMPLE || cfg->tls != CONF_TLS_NONE || cfg->allow_plaintext_bind)
		return 0;
	/* (DCs found by DNS SRV are checked when they are found.) */
	for (size_t i = 0; i < cfg->uri.n; i++)
		if (strncasecmp(cfg->uri.v[i], "ldap://", 7) == 0)
			return err_set(err, A2R_ERR_CONFIG,
			               "%s: refusing a simple bind with a password over plain LDAP "
			               "(tls = none): use ldaps:// or tls = starttls, or set "
			               "allow_plaintext_bind = yes",
			               cfg->uri.v[i]);
	return 0;
}

/* conf_finish - what only the whole configuration can tell */
int
conf_finish(struct a2r_config *cfg, struct a2r_err *err)
{
	if (cfg->relay_domains.n == 0 && cfg->relay_sources == 0)
		return err_set(err, A2R_ERR_CONFIG,
		               "relay_domains is not set: list the domains this gateway "
		               "relays for (or \"postconf\" for Postfix's) in %s or with "
		               "--relay-domains",
		               cfg->file ? cfg->file : "the config file");
	/* The default bind: simple with a binddn, GSSAPI with a keytab,
	 * EXTERNAL with a client certificate; with none of them, discover.c
	 * may find the machine keytab (else anonymous). */
	if (cfg->bind == CONF_BIND_DEFAULT && cfg->binddn != NULL)
		cfg->bind = CONF_BIND_SIMPLE;
	if (cfg->bind == CONF_BIND_DEFAULT && cfg->keytab != NULL)
		cfg->bind = CONF_BIND_GSSAPI;
	if (cfg->bind == CONF_BIND_DEFAULT && cfg->tls_cert != NULL)
		cfg->bind = CONF_BIND_EXTERNAL;
	if ((cfg->tls_cert == NULL) != (cfg->tls_key == NULL))
		return err_set(err, A2R_ERR_CONFIG,
		               "%s is set but %s is not: a client certificate needs both "
		               "tls_cert and tls_key",
		               cfg->tls_cert ? "tls_cert" : "tls_key",
		               cfg->tls_cert ? "tls_key" : "tls_cert");
	if (cfg->run_timeout == 0)
		cfg->run_timeout = 30 * cfg->timeout;
	/* a site orders the DCs DNS names; uri names them itself */
	if (cfg->site != NULL && cfg->uri.n > 0)
		return err_set(err, A2R_ERR_CONFIG,
		               "site applies to DCs found in DNS, and uri lists the DCs: list the "
		               "site's DCs first in uri, or leave uri unset");
	if (cfg->bind == CONF_BIND_SIMPLE && (cfg->binddn == NULL || cfg->bindpw_file == NULL))
		return err_set(err, A2R_ERR_CONFIG,
		               "bind = simple needs binddn and bindpw_file (the password is "
		               "read from that file, never from the command line)");
	/* the incremental state would have to hold the accepted domains too */
	if (cfg->incremental && (cfg->relay_sources & CONF_RELAY_EXCHANGE))
		return err_set(err, A2R_ERR_CONFIG,
		               "relay_domains = exchange does not go with incremental = yes yet: "
		               "list the domains, or set incremental = no");
	for (size_t i = 0; cfg->scope == CONF_SCOPE_FOREST && i < cfg->uri.n; i++) {
		char *gc;

		if (conf_gc_uri(cfg->uri.v[i], &gc, err) < 0)
			return -1;
		free(gc);
	}
	return conf_check_plaintext(cfg, err);
}

/* conf_gc_uri - see conf.h.  Whether the URI names a port is read from
 * its text: ldap_url_parse() fills in the scheme's default port. */
int
conf_gc_uri(const char *uri, char **out, struct a2r_err *err)
{
	LDAPURLDesc *lud = NULL;
	const char *hp = strstr(uri, "://"), *from, *bracket;
	size_t hl;
	int ldaps, port;

	*out = NULL;
	if (hp == NULL || ldap_url_parse(uri, &lud) != LDAP_URL_SUCCESS)
		return err_set(err, A2R_ERR_CONFIG, "%s: not a usable LDAP URI", uri);
	ldaps = strcasecmp(lud->lud_scheme, "ldaps") == 0;
	port = lud->lud_port;
	if (strcasecmp(lud->lud_scheme, "ldapi") == 0) {
		ldap_free_urldesc(lud);
		return err_set(err, A2R_ERR_CONFIG,
		               "%s: scope = forest reaches the Global Catalog over TCP "
		               "(ldap://HOST:%d or ldaps://HOST:%d), not ldapi://",
		               uri, CONF_GC_PORT, CONF_GC_LDAPS_PORT);
	}
	ldap_free_urldesc(lud);
	hp += 3;
	hl = strcspn(hp, "/?");
	/* an IPv6 address in brackets holds colons of its own */
	bracket = memchr(hp, ']', hl);
	from = bracket ? bracket : hp;
	if (memchr(from, ':', hl - (size_t)(from - hp)) == NULL) {
		if (asprintf(out, "%.*s:%d%s", (int)(hp - uri + (ptrdiff_t)hl), uri,
		             ldaps ? CONF_GC_LDAPS_PORT : CONF_GC_PORT, hp + hl) < 0) {
			*out = NULL;
			return err_nomem(err);
		}
		return 0;
	}
	if (port == 389 || port == 636)
		return err_set(err, A2R_ERR_CONFIG,
		               "%s: scope = forest searches the Global Catalog, on port %d "
		               "(ldap://) or %d (ldaps://); port %d holds one domain only",
		               uri, CONF_GC_PORT, CONF_GC_LDAPS_PORT, port);
	return (*out = strdup(uri)) != NULL ? 0 : err_nomem(err);
}

void
conf_free(struct a2r_config *cfg)
{
	for (size_t i = 0; i < NKEYS; i++) {
		void *field = (char *)cfg + keys[i].offset;

		switch (keys[i].type) {
		case K_STRING:
		case K_PATH:
		case K_VALUE:
		case K_FILTER:
		case K_DELIM:
		case K_DIR:
		case K_COMMAND_PATH:
		case K_DOMAIN:
		case K_SITE:
			free(*(char **)field);
			*(char **)field = NULL;
			break;
		case K_DOMAINS:
		case K_ATTRS:
		case K_URIS:
		case K_ADDRESSES:
		case K_COMMAND:
			strlist_free(field);
			break;
		case K_BOOL:
		case K_SECONDS:
		case K_PAGESIZE:
		case K_BIND:
		case K_TLS:
		case K_OBJECTS:
		case K_PERCENT:
		case K_POSTMAP:
		case K_WAIT:
		case K_RANGE:
		case K_RUN_SECONDS:
		case K_LINES:
		case K_INTERVAL:
		case K_SCOPE:
			break;
		}
	}
	strlist_free(&cfg->relay_postfix);
	free(cfg->file);
	cfg->file = NULL;
}
