/* conf.h - the configuration: defaults, config file, command-line overrides
 *
 * Call order: conf_init() fills in defaults; conf_load() reads a config
 * file; conf_set() applies single overrides (command line); conf_finish()
 * checks what only the whole configuration can tell (required keys).
 * conf_free() releases everything.  Every key is a row in a table in
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
	char *output;                 /* text map path */
	int cdb;                      /* also write OUTPUT.cdb */
	char *value;                  /* right-hand side of map lines */
	char *static_file;            /* lines merged in verbatim, or NULL */
	struct strlist attributes;    /* address attributes */
	int exclude_disabled;         /* skip userAccountControl bit 2 */
	char *from_ldif;              /* read entries from this LDIF file */
	unsigned char seen[32];       /* which keys were set, by table index */
};

/* conf_init - defaults; returns 0 or -1 (out of memory) */
int conf_init(struct a2r_config *cfg, struct a2r_err *err);

/* conf_load - read PATH.  A missing file is an error unless OPTIONAL is
 * set (the default file need not exist).  Returns 0 or -1. */
int conf_load(struct a2r_config *cfg, const char *path, int optional, struct a2r_err *err);

/* conf_set - set KEY to VALUE; WHERE names the origin for messages.
 * Returns 0, or -1 (unknown key, bad value). */
int conf_set(struct a2r_config *cfg, const char *key, const char *value, const char *where,
	     struct a2r_err *err);

/* conf_finish - check the configuration as a whole */
int conf_finish(struct a2r_config *cfg, struct a2r_err *err);

void conf_free(struct a2r_config *cfg);

/* conf_key_count, conf_key_name, conf_key_is_flag - the key table, for
 * building command-line options.  A flag key is a boolean. */
size_t conf_key_count(void);
const char *conf_key_name(size_t i);
int conf_key_is_flag(size_t i);

#endif
