/* SPDX-License-Identifier: BSD-2-Clause */
/* conf.h - the configuration: defaults, config file, command-line overrides
 *
 * Call order: conf_init() fills in defaults; conf_load() reads a config
 * file; conf_set() applies single overrides (command line); conf_finish()
 * checks what only the whole configuration can tell (required keys);
 * from then on the configuration is read-only (discovery, discover.h,
 * gives a view of its own).  conf_free() releases everything.  Every key is a row in a table in
 * conf.c; conf_key_count()/conf_key_name() let main.c derive its long
 * options from that table.
 *
 * Errors are A2R_ERR_CONFIG with "FILE:LINE: message" (or "--option:
 * message" for overrides).
 */
#ifndef A2R_CONF_H
#define A2R_CONF_H

#include "err.h"
#include "util.h"

struct a2r_config {
	char *file;                   /* config file read, or NULL */
	struct strlist relay_domains; /* folded; ".x" = subdomains of x */
	unsigned relay_sources;       /* CONF_RELAY_* bits: domains read at run time */
	/* Postfix's relay_domains (CONF_RELAY_POSTCONF): folded, in Postfix's
	 * order, "!" entries excluding; filled by pfdomains_load() */
	struct strlist relay_postfix;
	char *output;              /* text map path */
	int cdb;                   /* also write OUTPUT.cdb */
	char *value;               /* right-hand side of map lines */
	char *static_file;         /* lines merged in verbatim, or NULL */
	struct strlist attributes; /* address attributes */
	int exclude_disabled;      /* skip userAccountControl bit 2 */
	/* live directory */
	struct strlist uri; /* LDAP URIs, tried in order */
	char *base;         /* search base, or NULL for the rootDSE's */
	int bind;           /* enum conf_bind */
	char *binddn;
	char *bindpw_file;
	int tls; /* enum conf_tls */
	char *tls_cacert;
	char *tls_cert; /* client certificate (SASL EXTERNAL over TLS) */
	char *tls_key;  /* its private key: an owner-only file */
	int allow_plaintext_bind;
	long timeout;     /* seconds, connect and each operation */
	long run_timeout; /* seconds, connect to complete result (0: unset) */
	long page_size;
	unsigned objects; /* CONF_OBJ_* bits */
	char *filter;     /* extra filter ANDed in, or NULL */
	char *domain;     /* AD DNS domain: DCs from DNS SRV */
	char *site;       /* AD site of this host, "auto", "none"; NULL: auto */
	int scope;        /* enum conf_scope */
	char *keytab;     /* GSSAPI: credentials from this keytab */
	char *principal;  /* GSSAPI: client principal in the keytab */
	int sasl_nocanon; /* do not canonicalize the DC's host name */
	long range_size;  /* request ranged attributes (0: only if AD does) */
	/* guards, locking, Postfix actions, reporting */
	long max_shrink;          /* percent of entries a new map may lose */
	struct strlist require;   /* folded canary addresses */
	int postmap;              /* enum conf_postmap */
	int reload;               /* postfix reload after a change */
	struct strlist on_change; /* argv of the program run after a change */
	char *postmap_path;
	char *postfix_path;
	char *postfix_config; /* -c DIR for postmap and postfix, or NULL */
	long command_timeout; /* seconds for each command */

	/* explain: Postfix's recipient_delimiter, or NULL: ask postconf */
	char *recipient_delimiter;

	char *lock_file;
	long lock_wait; /* seconds to wait for the lock */
	char *metrics_file;
	long log_changes;   /* syslog lines per run for added/removed addresses */
	char *changes_file; /* every change appended here, or NULL */
	/* incremental runs (DirSync, dirsync.h) */
	int incremental;         /* read only what changed since the last run */
	long full_sync_interval; /* seconds between full syncs */
	char *state_dir;         /* where the state file lives, or NULL: beside output */
};

enum conf_bind {
	CONF_BIND_DEFAULT,
	CONF_BIND_ANONYMOUS,
	CONF_BIND_SIMPLE,
	CONF_BIND_EXTERNAL,
	CONF_BIND_GSSAPI
};
/* AUTO: StartTLS on ldap://, except under GSSAPI, which signs and seals
 * itself (AD refuses GSSAPI inside TLS) */
enum conf_tls { CONF_TLS_AUTO, CONF_TLS_STARTTLS, CONF_TLS_NONE };
/* DOMAIN: one domain's DCs; FOREST: the Global Catalog, base "" */
enum conf_scope { CONF_SCOPE_DOMAIN, CONF_SCOPE_FOREST };
enum conf_postmap { CONF_POSTMAP_NO, CONF_POSTMAP_HASH, CONF_POSTMAP_LMDB, CONF_POSTMAP_BTREE };

/* Where relay_domains may also come from, besides the domains listed:
 * words of the relay_domains list, each read at run time. */
#define CONF_RELAY_POSTCONF 0x01 /* "postconf": Postfix's relay_domains */
#define CONF_RELAY_EXCHANGE 0x02 /* "exchange": Exchange's accepted domains */

/* The Global Catalog's ports (scope = forest). */
#define CONF_GC_PORT       3268
#define CONF_GC_LDAPS_PORT 3269

/* conf_gc_uri - URI as it reaches the Global Catalog (scope = forest): a
 * URI without a port gets 3268 (ldap://) or 3269 (ldaps://); ports 389
 * and 636 (a domain's own LDAP, which holds one domain) and ldapi:// are
 * refused (A2R_ERR_CONFIG).  *OUT gets a new string (caller frees).
 * Returns 0 or -1. */
int conf_gc_uri(const char *uri, char **out, struct a2r_err *err);

/* conf_postmap_name - "hash", "lmdb", ... for a conf_postmap value */
const char *conf_postmap_name(int type);

/* Object kinds of the "objects" key. */
#define CONF_OBJ_USERS         0x01
#define CONF_OBJ_GROUPS        0x02
#define CONF_OBJ_CONTACTS      0x04
#define CONF_OBJ_PUBLICFOLDERS 0x08
#define CONF_OBJ_DYNAMIC       0x10
#define CONF_OBJ_ALL           0x1f

/* conf_object_class - the objectClass of the CONF_OBJ_* kind KIND ("user"
 * for users, though computers are users too and never taken), or NULL */
const char *conf_object_class(unsigned kind);

/* conf_bind_name - "simple", "anonymous", ... for a conf_bind value */
const char *conf_bind_name(int bind);

/* conf_init - defaults; returns 0 or -1 (out of memory) */
int conf_init(struct a2r_config *cfg, struct a2r_err *err);

/* conf_load - read PATH.  A missing file is an error unless OPTIONAL is
 * set (the default file need not exist).  Returns 0 or -1. */
int conf_load(struct a2r_config *cfg, const char *path, int optional, struct a2r_err *err);

/* conf_set - set KEY to VALUE; WHERE names the origin for messages.
 * Returns 0, or -1 (unknown key, bad value). */
int conf_set(struct a2r_config *cfg, const char *key, const char *value, const char *where,
             struct a2r_err *err);

/* conf_finish - check the configuration as a whole: relay_domains set
 * (listed, or a source: postconf, exchange); site only without uri (it
 * orders DCs found in DNS); with scope = forest, every URI one of the
 * Global Catalog (conf_gc_uri()); a simple bind has binddn and
 * bindpw_file; tls_cert and tls_key come together (and make the default
 * bind external); no password bind over an unencrypted ldap:// URI unless
 * allow_plaintext_bind. */
int conf_finish(struct a2r_config *cfg, struct a2r_err *err);

/* conf_check_plaintext - refuse a password bind over plain LDAP (tls =
 * none on an ldap:// URI) unless allow_plaintext_bind; run again when
 * URIs are discovered */
int conf_check_plaintext(const struct a2r_config *cfg, struct a2r_err *err);

void conf_free(struct a2r_config *cfg);

/* conf_relay_match - is the folded address ADDR (LEN bytes) in a relay
 * domain: the listed ones (RELAY: with those read at run time, such as
 * Exchange's, see export.h; NULL: CFG's own list), or Postfix's
 * (policy_domain_match())? */
int conf_relay_match(const struct a2r_config *cfg, const struct strlist *relay, const char *addr,
                     size_t len);

/* conf_key_count, conf_key_name, conf_key_is_flag - the key table, for
 * building command-line options.  A flag key is a boolean. */
size_t conf_key_count(void);
const char *conf_key_name(size_t i);
int conf_key_is_flag(size_t i);

#endif
