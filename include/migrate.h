/* SPDX-License-Identifier: BSD-2-Clause */
/* migrate.h - dump's migration formats: each object and its addresses
 *
 * The map says which addresses exist; a migration also needs to know
 * which of them belong to one recipient, which one is its primary
 * address and what kind of object holds them.  This module rebuilds that
 * from the collector's observer (collect.h), so a normal sync pays
 * nothing for it: memory grows with every value of every object, which
 * is fine for a one-shot dump.
 *
 * Call order: migrate_new(); collect_observe(c, migrate_observe, m)
 * before the export; export_run(); migrate_finish() once; then read the
 * objects (sorted by DN) and the addresses (migrate_by_key() order), or
 * walk the virtual alias table with migrate_virtual(); migrate_free().
 * A COLLECT_RESTART sighting (the export starts again on another DC)
 * forgets everything gathered so far.
 *
 * What counts as what:
 *  - an object is a directory entry with at least one value of an address
 *    attribute that the collector did not skip (computers, and disabled
 *    accounts under exclude_disabled, are not exported);
 *  - a proxyAddresses value is a MIGRATE_PRIMARY address with the type
 *    "SMTP:" in capitals, a MIGRATE_ALIAS with "smtp:" in any other case;
 *    a value of the attribute mail is MIGRATE_MAIL; of any other
 *    attribute (targetAddress, mailAlternateAddress), MIGRATE_ALIAS;
 *  - the object's primary address is its one SMTP: address (several
 *    distinct ones: none), else, without SMTP:, its one mail address; it
 *    need not be in relay_domains (a contact's external address) but must
 *    be an address policy accepts;
 *  - an address of the object is in the map (in_map) when the collector
 *    put it there; its key is folded as in the map, its original is the
 *    address as the directory spells it (without "TYPE:").
 * Static lines are the gateway's, not the directory's: they are not part
 * of any object.
 */
#ifndef A2R_MIGRATE_H
#define A2R_MIGRATE_H

#include <stddef.h>

#include "collect.h"
#include "err.h"

/* In order of precedence: one address held twice by an object (SMTP: and
 * mail, usually) is shown once, as its first kind. */
enum migrate_kind { MIGRATE_PRIMARY, MIGRATE_ALIAS, MIGRATE_MAIL };

struct migrate_address {
	size_t object; /* index in migrate_object() */
	enum migrate_kind kind;
	int in_map;     /* 0: a valid address outside relay_domains */
	char *key;      /* folded, as in the map */
	char *original; /* as the directory spells it */
};

/* A value that is not in the map (other address types such as X500: are
 * not values that were meant as mail addresses, and are left out). */
struct migrate_rejected {
	const char *attr;    /* the configured attribute name */
	struct berval value; /* as the source gave it */
	char *reason;        /* such as "contains whitespace" */
	char *key;           /* a valid address outside relay_domains: its key; else NULL */
};

struct migrate_object {
	char *dn;
	const char *object_class; /* conf_object_class() of its kind; NULL: not known */
	int disabled;             /* userAccountControl says so (never with exclude_disabled) */
	const struct migrate_address *primary; /* NULL: none, or several (nprimary) */
	size_t nprimary;                       /* distinct SMTP: addresses that policy accepts */
	struct migrate_address *addr;          /* its addresses, sorted by key, then kind */
	size_t naddr;
	struct migrate_rejected *rej; /* in the order the source gave them */
	size_t nrej;
};

struct migrate;

/* migrate_new - an empty collection; NULL when out of memory */
struct migrate *migrate_new(void);

/* migrate_observe - a collect_observe_fn; CTX is the struct migrate.
 * Running out of memory here is remembered and reported by
 * migrate_finish(). */
void migrate_observe(void *ctx, const struct collect_sighting *s);

/* migrate_finish - sort the objects by DN and each one's addresses, pick
 * the primaries and index the addresses by key; 0, or -1 (A2R_ERR_INTERNAL:
 * out of memory, here or while observing) */
int migrate_finish(struct migrate *m, struct a2r_err *err);

/* migrate_objects - how many objects; migrate_object - the Ith, by DN in
 * byte order; both valid until migrate_free() */
size_t migrate_objects(const struct migrate *m);
const struct migrate_object *migrate_object(const struct migrate *m, size_t i);

/* migrate_by_key - the Ith of the N addresses in the map (*N set), sorted
 * by key, then by the DN of their object; an address an object holds
 * twice appears once, as its kind of highest precedence */
const struct migrate_address *migrate_by_key(const struct migrate *m, size_t i, size_t *n);

/* A line of the virtual alias table: KEY (folded) to TARGET, the primary
 * address as the directory spells it. */
typedef void migrate_line_fn(void *ctx, const char *key, const char *target);
/* What keeps addresses out of it: one complete sentence naming the DNs. */
typedef void migrate_problem_fn(void *ctx, const char *msg);

/* migrate_virtual - the Postfix virtual_alias_maps table, in key order:
 * every address in the map of an object is mapped to the object's
 * primary, but for the primary itself.  Left out, each with one PROBLEM
 * call: an address held by more than one object (every DN named), and
 * the addresses of an object without a primary.  LINE and PROBLEM may
 * be NULL.  Returns the number of problems. */
size_t migrate_virtual(const struct migrate *m, migrate_line_fn *line, migrate_problem_fn *problem,
                       void *ctx);

void migrate_free(struct migrate *m);

#endif
